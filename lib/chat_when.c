/*
 * chat_when — reading a question: its words, and the period it names
 * ("yesterday", "last 7 days", "in march", "from 2026-11-01 to
 * 2026-11-15").  What it does not recognise is no period: all time.
 */
#include "chat_priv.h"
#include "util.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The question in lower case (ASCII letters), every character other
 * than letters, digits, UTF-8, '-', ':' and '\'' a space, spaces single
 * and at both ends, so words can be found as " word ". */
char *
chat_normalise(const char *q)
{
	size_t n = strlen(q), o = 0, i;
	char *s = ft_xmalloc(n + 3);

	s[o++] = ' ';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)q[i];

		if (c < 0x80 && isalnum(c))
			c = (unsigned char)tolower(c);
		else if (c < 0x80 && c != '-' && c != ':' && c != '\'')
			c = ' ';
		if (c == ' ' && s[o - 1] == ' ')
			continue;
		s[o++] = (char)c;
	}
	if (s[o - 1] != ' ')
		s[o++] = ' ';
	s[o] = '\0';
	return s;
}

/* Where the words w (e.g. "last week") stand in s, or NULL. */
const char *
chat_find(const char *s, const char *w)
{
	char pat[96];

	snprintf(pat, sizeof pat, " %s ", w);
	s = strstr(s, pat);
	return s ? s + 1 : NULL;
}

int
chat_take(char *s, const char *w)
{
	char *p = (char *)chat_find(s, w);

	if (!p)
		return 0;
	memset(p, ' ', strlen(w));
	return 1;
}

int
chat_any(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (chat_find(s, *words))
			return 1;
	return 0;
}

/* A number written as digits or a small word, at p; -1 if none. */
long
chat_number_at(const char *p)
{
	static const char *const names[] = {
		"zero", "one", "two", "three", "four", "five", "six", "seven",
		"eight", "nine", "ten", "eleven", "twelve", "thirteen",
		"fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
		"nineteen", "twenty", NULL
	};
	size_t k;
	int i;

	if (isdigit((unsigned char)*p)) {
		char *end;
		long v = strtol(p, &end, 10);

		return *end == ' ' ? v : -1;
	}
	for (i = 0; names[i]; i++) {
		k = strlen(names[i]);
		if (!strncmp(p, names[i], k) && p[k] == ' ')
			return i;
	}
	return -1;
}

/* The word after the words w, as a number; -1 when none. */
long
chat_number_after(const char *s, const char *w)
{
	const char *p = chat_find(s, w);

	return p ? chat_number_at(p + strlen(w) + 1) : -1;
}

static int
is_date(const char *p)
{
	int i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? p[i] != '-'
		    : !isdigit((unsigned char)p[i]))
			return 0;
	return p[10] == ' ';
}

/* Note that the len bytes at p of s named the period. */
static void
use(chat_when *w, const char *s, const char *p, size_t len)
{
	if (w->nused < 4) {
		w->used[w->nused].at = (int)(p - s);
		w->used[w->nused].len = (int)len;
		w->nused++;
	}
}

/* The word right before p in s ("from" of "from 2026-11-01"), noted
 * as used; whether it was there. */
static int
use_before(chat_when *w, const char *s, const char *p, const char *word)
{
	size_t k = strlen(word);

	if (p - s < (ptrdiff_t)k + 2 || strncmp(p - k - 1, word, k) ||
	    p[-(ptrdiff_t)k - 2] != ' ')
		return 0;
	use(w, s, p - k - 1, k);
	return 1;
}

void
chat_when_blank(const chat_when *w, char *s)
{
	int i;

	for (i = 0; i < w->nused; i++)
		memset(s + w->used[i].at, ' ', (size_t)w->used[i].len);
}

static void
describe(chat_when *w, const char *name)
{
	if (w->p.days == 1)
		snprintf(w->desc, sizeof w->desc, "%s%s(%s)", name,
			 *name ? " " : "", w->p.first);
	else
		snprintf(w->desc, sizeof w->desc, "%s%s(%s to %s)", name,
			 *name ? " " : "", w->p.first, w->p.last);
}

void
chat_set_days(chat_when *w, const ft_period *p, const char *name)
{
	w->kind = CHAT_WHEN_DAYS;
	w->p = *p;
	snprintf(w->since, sizeof w->since, "%s", p->first);
	snprintf(w->until, sizeof w->until, "%s", p->last);
	describe(w, name);
}

/* Whether the date at p ends a range: "to B", "and B", "until B". */
static int
joined(const char *s, const char *p)
{
	static const char *const words[] = {
		"to", "and", "until", "till", "through", NULL
	};
	size_t k;
	int i;

	for (i = 0; words[i]; i++) {
		k = strlen(words[i]);
		if (p - s >= (ptrdiff_t)k + 2 && !strncmp(p - k - 1, words[i], k)
		    && p[-(ptrdiff_t)k - 2] == ' ')
			return 1;
	}
	return 0;
}

/* The words around two dates: "from A to B", "between A and B". */
static void
when_between(chat_when *w, const char *s, const char *const *dates)
{
	use(w, s, dates[1], 10);
	if (!use_before(w, s, dates[0], "from"))
		use_before(w, s, dates[0], "between");
	if (!use_before(w, s, dates[1], "to") &&
	    !use_before(w, s, dates[1], "and") &&
	    !use_before(w, s, dates[1], "until") &&
	    !use_before(w, s, dates[1], "till"))
		use_before(w, s, dates[1], "through");
}

/* Explicit dates: "on 2026-11-20", "from 2026-11-01 to 2026-11-15",
 * "since 2026-11-01". */
static int
when_dates(const char *s, int64_t now, chat_when *w)
{
	const char *dates[2], *p;
	char d1[11], d2[11], name[32];
	int ndates = 0;
	int64_t a, b;
	ft_period per;

	for (p = s; *p && ndates < 2; p++)
		if ((p == s || p[-1] == ' ') && is_date(p))
			dates[ndates++] = p;
	if (!ndates)
		return 0;
	if (ndates == 2 && !joined(s, dates[1]))
		ndates = 1;	/* two days, not a range: the first */
	snprintf(d1, sizeof d1, "%.10s", dates[0]);
	snprintf(d2, sizeof d2, "%.10s", dates[ndates - 1]);
	if (ft_time_parse(d1, now, 0, &a) != 0 ||
	    ft_time_parse(d2, now, 0, &b) != 0)
		return 0;
	if (ndates == 1 && (use_before(w, s, dates[0], "since") ||
			    use_before(w, s, dates[0], "after") ||
			    use_before(w, s, dates[0], "from"))) {
		if (ft_times_period(a, now, &per) != 0)
			return 0;
		use(w, s, dates[0], 10);
		snprintf(name, sizeof name, "since %s", d1);
		chat_set_days(w, &per, name);
		return 1;
	}
	if (ndates == 1 && (use_before(w, s, dates[0], "to") ||
			    use_before(w, s, dates[0], "until") ||
			    use_before(w, s, dates[0], "till") ||
			    use_before(w, s, dates[0], "before"))) {
		w->nused = 0;	/* a bound without a start: no period */
		return 0;
	}
	if (ft_times_period(a < b ? a : b, a < b ? b : a, &per) != 0)
		return 0;
	use(w, s, dates[0], 10);
	if (ndates == 2)
		when_between(w, s, dates);
	chat_set_days(w, &per, "");
	if (per.days == 1)
		snprintf(w->desc, sizeof w->desc, "on %s", per.first);
	else
		snprintf(w->desc, sizeof w->desc, "from %s to %s", per.first,
			 per.last);
	return 1;
}

/* The periods of times.h by name: "yesterday", "last week"... */
static int
when_named(const char *s, int64_t now, chat_when *w)
{
	static const struct {
		const char *words;
		enum ft_period_name name;
	} named[] = {
		{ "today", FT_PERIOD_TODAY },
		{ "yesterday", FT_PERIOD_YESTERDAY },
		{ "this week", FT_PERIOD_THIS_WEEK },
		{ "last week", FT_PERIOD_LAST_WEEK },
		{ "previous week", FT_PERIOD_LAST_WEEK },
		{ "this month", FT_PERIOD_THIS_MONTH },
		{ "last month", FT_PERIOD_LAST_MONTH },
		{ "previous month", FT_PERIOD_LAST_MONTH },
		{ "this year", FT_PERIOD_THIS_YEAR },
		{ "last year", FT_PERIOD_LAST_YEAR },
		{ NULL, 0 }
	};
	ft_period per;
	int i;

	for (i = 0; named[i].words; i++) {
		const char *p = chat_find(s, named[i].words);

		if (p) {
			use(w, s, p, strlen(named[i].words));
			ft_times_period_named(named[i].name, 0, now, &per);
			chat_set_days(w, &per, named[i].words);
			return 1;
		}
	}
	return 0;
}

/* The length of the unit word at q ("days", "week") when it is one
 * of units, else 0. */
static size_t
unit_at(const char *q, const char *const *units)
{
	size_t k;

	for (; *units; units++) {
		k = strlen(*units);
		if (!strncmp(q, *units, k) && q[k] == ' ')
			return k;
	}
	return 0;
}

/* A span ending now, after the words at q: "7 days", "two weeks", "3
 * hours", "week" (7 days), "month" (30 days), "day" (today); the words
 * from p (the "last" before q) to the unit's end are noted as used. */
static int
when_span(const char *s, const char *p, const char *q, int64_t now,
	  chat_when *w)
{
	static const char *const days_u[] = { "days", "day", NULL };
	static const char *const weeks_u[] = { "weeks", "week", NULL };
	static const char *const hours_u[] = {
		"hours", "hour", "minutes", "minute", NULL
	};
	static const char *const bare[] = { "week", "month", "day", NULL };
	long n = chat_number_at(q);
	char name[64];
	ft_period per;
	size_t k;
	int days;

	if (n < 0) {
		if (!(k = unit_at(q, bare)))
			return 0;
		n = q[0] == 'w' ? 7 : q[0] == 'm' ? 30 : 1;
		use(w, s, p, (size_t)(q + k - p));
		w->span_days = (int)n;
		ft_times_period_named(FT_PERIOD_LAST_DAYS, (int)n, now, &per);
		snprintf(name, sizeof name, "in the last %ld days", n);
		chat_set_days(w, &per, n == 1 ? "today" : name);
		return 1;
	}
	q = strchr(q, ' ') + 1;
	if (n < 1 || n > 3660)
		return 0;
	if ((k = unit_at(q, days_u)) || (k = unit_at(q, weeks_u))) {
		days = (int)n * (q[0] == 'w' ? 7 : 1);
		if (days > 3660)
			return 0;
		use(w, s, p, (size_t)(q + k - p));
		w->span_days = days;
		ft_times_period_named(FT_PERIOD_LAST_DAYS, days, now, &per);
		snprintf(name, sizeof name, "in the last %d days", days);
		chat_set_days(w, &per, days == 1 ? "today" : name);
		return 1;
	}
	if ((k = unit_at(q, hours_u))) {
		use(w, s, p, (size_t)(q + k - p));
		w->kind = CHAT_WHEN_SPAN;
		snprintf(w->since, sizeof w->since, "%ld%c", n,
			 q[0] == 'h' ? 'h' : 'm');
		snprintf(w->until, sizeof w->until, "now");
		snprintf(w->desc, sizeof w->desc, "in the last %ld %s%s", n,
			 q[0] == 'h' ? "hour" : "minute", n == 1 ? "" : "s");
		return 1;
	}
	return 0;
}

/* "last 7 days", "the past week", "previous 3 hours". */
static int
when_last(const char *s, int64_t now, chat_when *w)
{
	static const char *const lasts[] = {
		"last", "past", "previous", NULL
	};
	const char *q;
	int i;

	for (i = 0; lasts[i]; i++)
		if ((q = chat_find(s, lasts[i])) &&
		    when_span(s, q, q + strlen(lasts[i]) + 1, now, w))
			return 1;
	return 0;
}

/* A month by name: "in november", "november 2025"; without a year the
 * last one up to now. */
static int
when_month(const char *s, int64_t now, chat_when *w)
{
	static const char *const months[] = {
		"january", "february", "march", "april", "may", "june",
		"july", "august", "september", "october", "november",
		"december", NULL
	};
	char key[32], name[32];
	const char *q;
	struct tm tm;
	ft_period per;
	long year;
	int i, mon, given;

	ft_time_local(now, &tm);
	for (i = 0; months[i]; i++) {
		mon = i + 1;
		if (!(q = chat_find(s, months[i])))
			continue;
		year = chat_number_at(q + strlen(months[i]) + 1);
		snprintf(key, sizeof key, "in %s", months[i]);
		if (i == 4 && year < 0 && !chat_find(s, key))
			continue;	/* "may" the verb */
		given = year >= 1970 && year <= 9999;
		if (!given)
			year = tm.tm_year + 1900 - (mon > tm.tm_mon + 1);
		if (ft_times_period_month((int)year, mon, &per) == 0) {
			use(w, s, q, strlen(months[i]));
			if (given)
				use(w, s, q + strlen(months[i]) + 1, 4);
			snprintf(name, sizeof name, "in %04ld-%02d", year,
				 mon);
			chat_set_days(w, &per, name);
			return 1;
		}
	}
	return 0;
}

/* A month by number: "2026-11". */
static int
when_year_month(const char *s, chat_when *w)
{
	char ym[8], name[16];
	const char *p;
	ft_period per;

	for (p = s; *p; p++) {
		if ((p == s || p[-1] == ' ') && isdigit((unsigned char)p[0]) &&
		    strlen(p) >= 8 && p[4] == '-' && p[7] == ' ') {
			snprintf(ym, sizeof ym, "%.7s", p);
			if (ft_times_period_parse_month(ym, &per) == 0) {
				use(w, s, p, 7);
				snprintf(name, sizeof name, "in %s", ym);
				chat_set_days(w, &per, name);
				return 1;
			}
		}
	}
	return 0;
}

/* The period the normalised question s names, if any, first match
 * first. */
void
chat_when_read(const char *s, int64_t now, chat_when *w)
{
	memset(w, 0, sizeof *w);
	snprintf(w->desc, sizeof w->desc, "in all");
	if (when_dates(s, now, w) || when_named(s, now, w) ||
	    when_last(s, now, w) || when_month(s, now, w))
		return;
	when_year_month(s, w);
}

void
chat_when_parse(const char *question, int64_t now, chat_when *w)
{
	char *s = chat_normalise(question);

	chat_when_read(s, now, w);
	free(s);
}
