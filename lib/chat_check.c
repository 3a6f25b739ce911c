/*
 * chat_check — whether the figures of a model's answer came from the
 * tools.
 *
 * The facts are every number the tools returned in the turn (and their
 * arguments, and the question's own numbers): JSON numbers as they are,
 * and the numbers written inside strings (dates, times, file names), a
 * UTC time also as the local date and time the answer would state.  A
 * number of the answer is supported when some fact, rounded to the
 * precision the answer shows, is that number: "1,234" is 1234, "3.4"
 * may be 3.4167, "12.5%" may be 0.125 or 12.5, "3 pm" may be 15.
 * Numbers written as words, digits inside a word ("gpt4",
 * "3fa85f64") and the numbers of a list's items ("1. Ann") are not
 * figures and are not checked.
 */
#include "chat_priv.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FACTS_MAX	200000	/* facts kept of one turn */
#define DEPTH_MAX	32	/* nesting of JSON walked */

void
chat_facts_clear(chat_facts *f)
{
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

static void
fact(chat_facts *f, double v)
{
	if (f->n >= FACTS_MAX || !isfinite(v))
		return;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->v = ft_xrealloc(f->v, f->cap * sizeof *f->v);
	}
	f->v[f->n++] = fabs(v);
}

/* A number written at s (digits, ",ddd" groups, ".d" decimals): its
 * value, its decimals and its length; 0 when s holds none. */
static size_t
number_at(const char *s, double *v, int *decimals)
{
	char buf[64];
	size_t i = 0, k = 0;

	*decimals = 0;
	while (isdigit((unsigned char)s[i]) && k < 40)
		buf[k++] = s[i++];
	if (!k)
		return 0;
	/* Thousands separators: exactly three digits after each comma. */
	while (s[i] == ',' && isdigit((unsigned char)s[i + 1]) &&
	       isdigit((unsigned char)s[i + 2]) &&
	       isdigit((unsigned char)s[i + 3]) &&
	       !isdigit((unsigned char)s[i + 4]) && k < 40) {
		memcpy(buf + k, s + i + 1, 3);
		k += 3;
		i += 4;
	}
	if (s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
		buf[k++] = s[i++];
		while (isdigit((unsigned char)s[i]) && k < 60) {
			buf[k++] = s[i++];
			++*decimals;
		}
	}
	buf[k] = '\0';
	*v = strtod(buf, NULL);
	return i;
}

/* A UTC time "YYYY-MM-DDTHH:MM:SS...Z" as the local clock reads it. */
static void
local_time_facts(chat_facts *f, const char *s)
{
	struct tm tm;
	int64_t ms;

	if (strlen(s) < 20 || s[4] != '-' || s[10] != 'T' ||
	    s[strlen(s) - 1] != 'Z' || ft_time_parse(s, 0, 0, &ms) != 0)
		return;
	ft_time_local(ms, &tm);
	fact(f, tm.tm_year + 1900);
	fact(f, tm.tm_mon + 1);
	fact(f, tm.tm_mday);
	fact(f, tm.tm_hour);
	fact(f, tm.tm_hour % 12 ? tm.tm_hour % 12 : 12);
	fact(f, tm.tm_min);
}

void
chat_facts_add_text(chat_facts *f, const char *s)
{
	const char *p = s;
	double v;
	int d;
	size_t n;

	local_time_facts(f, s);
	while (*p) {
		/* Digits glued to letters are an id's ("3fa85f64"), not a
		 * figure; a UTC time's are added above, as local. */
		int glued = p > s && isalnum((unsigned char)p[-1]);

		if (!glued && (n = number_at(p, &v, &d)) != 0) {
			if (!isalpha((unsigned char)p[n]))
				fact(f, v);
			p += n;
		} else {
			p++;
		}
	}
}

static void
walk(chat_facts *f, jv v, int depth)
{
	jv_kind k = jv_get_kind(v);
	int i, n;

	if (depth > DEPTH_MAX) {
		jv_free(v);
		return;
	}
	if (k == JV_KIND_NUMBER) {
		fact(f, jv_number_value(v));
	} else if (k == JV_KIND_STRING) {
		chat_facts_add_text(f, jv_string_value(v));
	} else if (k == JV_KIND_ARRAY) {
		n = jv_array_length(jv_copy(v));
		for (i = 0; i < n; i++)
			walk(f, jv_array_get(jv_copy(v), i), depth + 1);
	} else if (k == JV_KIND_OBJECT) {
		jv_object_foreach(v, key, val) {
			jv_free(key);
			walk(f, val, depth + 1);
		}
	}
	jv_free(v);
}

void
chat_facts_add_json(chat_facts *f, jv v)
{
	walk(f, v, 0);
}

static double
round_to(double v, int decimals)
{
	double m = pow(10, decimals);

	return round(v * m) / m;
}

static int
matches(double fact, double x, int decimals)
{
	return fabs(round_to(fact, decimals) - x) <= 1e-9 * (1 + x);
}

/* Whether some fact shown with decimals is x (or, as a share, x%). */
static int
supported(const chat_facts *f, double x, int decimals, int percent)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (matches(f->v[i], x, decimals) ||
		    (percent && matches(f->v[i] * 100, x, decimals)))
			return 1;
	return 0;
}

/* Whether the words at s (after blanks) start with w, ended by a
 * non-letter. */
static int
word_after(const char *s, const char *w)
{
	size_t n = strlen(w);

	while (*s == ' ')
		s++;
	return !strncasecmp(s, w, n) && !isalpha((unsigned char)s[n]);
}

/* Letters glued to a number that still leave it a figure: ordinals and
 * the clock's am and pm. */
static int
figure_suffix(const char *s)
{
	static const char *const ok[] = {
		"st", "nd", "rd", "th", "am", "pm", NULL
	};
	int i;

	if (!isalpha((unsigned char)*s))
		return 1;
	for (i = 0; ok[i]; i++)
		if (word_after(s, ok[i]))
			return 1;
	return 0;
}

/* Whether the number at p (length n) numbers an item of a list: first
 * on its line, followed by ". " or ") ". */
static int
list_marker(const char *text, const char *p, size_t n)
{
	const char *q = p;

	while (q > text && (q[-1] == ' ' || q[-1] == '\t'))
		q--;
	if (q > text && q[-1] != '\n')
		return 0;
	return (p[n] == '.' || p[n] == ')') && p[n + 1] == ' ';
}

/* Whether the number x written at p (length n) in text is supported. */
static int
number_ok(const chat_facts *f, const char *text, const char *p, size_t n,
	  double x, int decimals)
{
	const char *after = p + n;
	int percent = *after == '%' || word_after(after, "%") ||
		      word_after(after, "percent") ||
		      word_after(after, "per cent");

	/* The minutes of a whole hour, "15:00", state no figure; nor does
	 * the number of an item in a list. */
	if ((p > text && p[-1] == ':' && x == 0) || list_marker(text, p, n))
		return 1;
	if (supported(f, x, decimals, percent))
		return 1;
	if (decimals == 0 && x >= 1 && x <= 12) {
		if ((word_after(after, "pm") || word_after(after, "p.m.")) &&
		    supported(f, x == 12 ? 12 : x + 12, 0, 0))
			return 1;
		if ((word_after(after, "am") || word_after(after, "a.m.")) &&
		    x == 12 && supported(f, 0, 0, 0))
			return 1;
	}
	return 0;
}

int
chat_facts_check(const chat_facts *f, const char *text, char *bad,
		 size_t badlen)
{
	const char *p = text;
	int nbad = 0;
	size_t n, k = 0;
	double x;
	int d;

	if (badlen)
		*bad = '\0';
	while (*p) {
		int glued = p > text && (isalnum((unsigned char)p[-1]) ||
			    p[-1] == '_');

		if (!isdigit((unsigned char)*p) || glued ||
		    (n = number_at(p, &x, &d)) == 0) {
			p++;
			continue;
		}
		if (figure_suffix(p + n) &&
		    !number_ok(f, text, p, n, x, d)) {
			if (nbad++ < 3 && k + n + 3 < badlen)
				k += (size_t)snprintf(bad + k, badlen - k,
						      "%s%.*s", k ? ", " : "",
						      (int)n, p);
		}
		p += n;
		/* The rest of a word the number starts ("3fa85f64"). */
		while (isalnum((unsigned char)*p))
			p++;
	}
	return nbad;
}
