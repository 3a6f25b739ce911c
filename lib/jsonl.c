/*
 * jsonl — JSON-lines records and jq filters.
 */
#include "jsonl.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jq.h>

struct ft_jsonl_reader {
	FILE *f;
	char *name;
	size_t lineno;
	char *err;
	char *buf;
	size_t cap;
};

ft_jsonl_reader *
ft_jsonl_reader_new(FILE *f, const char *name)
{
	ft_jsonl_reader *r = ft_xcalloc(1, sizeof *r);

	r->f = f;
	r->name = ft_xstrdup(name);
	return r;
}

void
ft_jsonl_reader_free(ft_jsonl_reader *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->err);
	free(r->buf);
	free(r);
}

size_t
ft_jsonl_lineno(const ft_jsonl_reader *r)
{
	return r->lineno;
}

const char *
ft_jsonl_error(const ft_jsonl_reader *r)
{
	return r->err ? r->err : "";
}

static void
set_error(ft_jsonl_reader *r, const char *why)
{
	free(r->err);
	r->err = ft_xasprintf("%s:%zu: %s", r->name, r->lineno, why);
}

/* Read one line, at most FT_JSONL_MAX_LINE bytes kept; the rest of a long
 * line is consumed and dropped.  Returns its length, or -1 at the end, or
 * -2 for an overlong line.  The stream is locked once a line, not once a
 * byte: a frame's line holds hundreds of kilobytes. */
static long
read_line(ft_jsonl_reader *r)
{
	size_t n = 0;
	int c, overlong = 0;

	flockfile(r->f);
	for (;;) {
		c = getc_unlocked(r->f);
		if (c == EOF) {
			if (n == 0 && !overlong)
				return -1;
			break;
		}
		if (c == '\n')
			break;
		if (n >= FT_JSONL_MAX_LINE) {
			overlong = 1;
			continue;
		}
		if (n + 1 >= r->cap) {
			r->cap = r->cap ? r->cap * 2 : 4096;
			r->buf = ft_xrealloc(r->buf, r->cap);
		}
		r->buf[n++] = (char)c;
	}
	funlockfile(r->f);
	if (!r->buf) {
		r->cap = 64;
		r->buf = ft_xmalloc(r->cap);
	}
	r->buf[n] = '\0';
	r->lineno++;
	return overlong ? -2 : (long)n;
}

/* Whether a string of v (borrowed), or a member name, holds a NUL, which
 * every C string made of it would silently cut short. */
static int
has_nul(jv v)
{
	int found = 0;

	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		return strlen(jv_string_value(v)) !=
		       (size_t)jv_string_length_bytes(jv_copy(v));
	case JV_KIND_ARRAY:
		jv_array_foreach(v, i, x) {
			found = has_nul(x);
			jv_free(x);
			if (found)
				return 1;
		}
		return 0;
	case JV_KIND_OBJECT:
		jv_object_foreach(v, k, x) {
			found = has_nul(k) || has_nul(x);
			jv_free(k);
			jv_free(x);
			if (found)
				return 1;
		}
		return 0;
	default:
		return 0;
	}
}

int
ft_jsonl_read(ft_jsonl_reader *r, jv *out)
{
	long n;
	size_t i;
	jv v;

	for (;;) {
		n = read_line(r);
		if (n == -1)
			return 0;
		if (n == -2) {
			set_error(r, "line too long");
			return FT_EFAIL;
		}
		for (i = 0; i < (size_t)n; i++)
			if (!strchr(" \t\r", r->buf[i]))
				break;
		if (i < (size_t)n)
			break;
	}
	v = jv_parse_sized(r->buf, (int)n);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);

		set_error(r, jv_get_kind(msg) == JV_KIND_STRING ?
			  jv_string_value(msg) : "invalid JSON");
		jv_free(msg);
		return FT_EFAIL;
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		set_error(r, "not a JSON object");
		return FT_EFAIL;
	}
	if (has_nul(v)) {
		jv_free(v);
		set_error(r, "a string holds a NUL character (\\u0000)");
		return FT_EFAIL;
	}
	*out = v;
	return 1;
}

int
ft_jsonl_write(FILE *f, jv v)
{
	jv s = jv_dump_string(v, 0);
	size_t n = (size_t)jv_string_length_bytes(jv_copy(s));
	struct stat st;
	int rc = FT_OK;

	if (fwrite(jv_string_value(s), 1, n, f) != n || putc('\n', f) == EOF)
		rc = FT_EFAIL;
	jv_free(s);
	if (rc == FT_OK &&
	    (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)))
		if (fflush(f) != 0)
			rc = FT_EFAIL;
	return rc;
}

jv
ft_jv_string_or_null(const char *s)
{
	return s ? jv_string(s) : jv_null();
}

struct ft_jq {
	jq_state *jq;
	char *err;
};

static void
jq_error_cb(void *data, jv msg)
{
	struct ft_jq *q = data;
	jv text;

	if (jv_get_kind(msg) == JV_KIND_STRING) {
		text = msg;
	} else {
		if (jv_get_kind(msg) == JV_KIND_INVALID)
			msg = jv_invalid_get_msg(msg);
		text = jv_dump_string(msg, 0);
	}
	if (!q->err) {
		const char *m = jv_string_value(text);
		char *cut;

		/* Our caller names the program; jq's own advice about shell
		 * quoting is noise in a message. */
		if (!strncmp(m, "jq: error: ", 11))
			m += 11;
		q->err = ft_xstrdup(m);
		if ((cut = strstr(q->err, " (Unix shell quoting issues?)")))
			memmove(cut, cut + 29, strlen(cut + 29) + 1);
		if ((cut = strchr(q->err, '\n')))
			*cut = '\0';
		cut = q->err + strlen(q->err);
		while (cut > q->err && (cut[-1] == ':' || cut[-1] == ' '))
			*--cut = '\0';
	}
	jv_free(text);
}

ft_jq *
ft_jq_compile(const char *program, char **err)
{
	ft_jq *q = ft_xcalloc(1, sizeof *q);

	*err = NULL;
	q->jq = jq_init();
	if (!q->jq)
		ft_die(FT_EXIT_FAIL, "out of memory");
	jq_set_error_cb(q->jq, jq_error_cb, q);
	if (!jq_compile(q->jq, program)) {
		*err = q->err ? q->err : ft_xstrdup("cannot compile");
		q->err = NULL;
		ft_jq_free(q);
		return NULL;
	}
	return q;
}

void
ft_jq_free(ft_jq *q)
{
	if (!q)
		return;
	jq_teardown(&q->jq);
	free(q->err);
	free(q);
}

int
ft_jq_run(ft_jq *q, jv input, int (*emit)(void *ctx, jv out), void *ctx,
	  char **err)
{
	jv out;
	int rc;

	*err = NULL;
	jq_start(q->jq, input, 0);
	while (jv_is_valid(out = jq_next(q->jq))) {
		rc = emit(ctx, out);
		if (rc)
			return rc;
	}
	if (jv_invalid_has_msg(jv_copy(out))) {
		jv msg = jv_invalid_get_msg(out);

		if (jv_get_kind(msg) == JV_KIND_STRING) {
			*err = ft_xstrdup(jv_string_value(msg));
		} else {
			jv s = jv_dump_string(msg, 0);

			*err = ft_xstrdup(jv_string_value(s));
			jv_free(s);
			msg = jv_null();
		}
		jv_free(msg);
		return FT_EFAIL;
	}
	jv_free(out);
	return FT_OK;
}
