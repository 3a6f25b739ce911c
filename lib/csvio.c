/*
 * csvio — CSV in and out over libcsv.
 */
#include "csvio.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <csv.h>

/*
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or CR
 * before one) as a formula, so a text cell that starts with one of them
 * is written after a single quote, as OWASP advises.  So that reading
 * gives back exactly what was written, a cell that already starts with
 * quotes followed by such a character gets one more, and the reader takes
 * one quote off a cell of that shape.
 */
static int
formula_start(const char *s)
{
	return *s && strchr("=+-@\t\r", *s) != NULL;
}

/* s is a quote, then maybe more quotes, then a formula character. */
static int
quoted_text(const char *s)
{
	if (*s != '\'')
		return 0;
	while (*s == '\'')
		s++;
	return formula_start(s);
}

struct reader {
	char **fields;
	size_t n, cap;
	size_t line;
	ft_csv_row_cb cb;
	void *ctx;
	int stop;
	int nul;		/* a field held a NUL byte */
};

static void
on_field(void *data, size_t len, void *p)
{
	struct reader *r = p;
	char *s;

	if (r->stop)
		return;
	if (len && memchr(data, '\0', len)) {
		/* It would cut the field short without a word. */
		r->nul = 1;
		r->stop = FT_EFAIL;
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->fields = ft_xrealloc(r->fields, r->cap * sizeof *r->fields);
	}
	s = ft_xmalloc(len + 1);
	if (len)
		memcpy(s, data, len);
	s[len] = '\0';
	/* Take off the quote the writer added (moving the NUL too). */
	if (quoted_text(s))
		memmove(s, s + 1, len);
	r->fields[r->n++] = s;
}

static void
clear_fields(struct reader *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->fields[i]);
	r->n = 0;
}

static void
on_row(int c, void *p)
{
	struct reader *r = p;

	if (!r->stop)
		r->stop = r->cb(r->ctx, r->line, r->fields, r->n);
	clear_fields(r);
}

int
ft_csv_read(FILE *f, ft_csv_row_cb cb, void *ctx, char **err)
{
	struct csv_parser p;
	struct reader r = { .cb = cb, .ctx = ctx };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = FT_OK;

	*err = NULL;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		ft_die(FT_EXIT_FAIL, "out of memory");
	/* Feed a line at a time so that rows know the line they end on. */
	while (!r.stop && (n = getline(&line, &cap, f)) > 0) {
		char *text = line;

		r.line++;
		/* A UTF-8 byte-order mark is no part of the first field. */
		if (r.line == 1 && n >= 3 &&
		    !memcmp(line, "\xef\xbb\xbf", 3)) {
			text += 3;
			n -= 3;
		}
		if (csv_parse(&p, text, (size_t)n, on_field, on_row, &r)
		    != (size_t)n) {
			*err = ft_xasprintf("%zu: %s", r.line,
					    csv_strerror(csv_error(&p)));
			rc = FT_EFAIL;
			break;
		}
	}
	if (rc == FT_OK && !r.stop && ferror(f)) {
		*err = ft_xasprintf("%zu: read error", r.line);
		rc = FT_EFAIL;
	}
	if (rc == FT_OK && !r.stop &&
	    csv_fini(&p, on_field, on_row, &r) != 0) {
		*err = ft_xasprintf("%zu: %s", r.line,
				    csv_strerror(csv_error(&p)));
		rc = FT_EFAIL;
	}
	if (rc == FT_OK && r.nul) {
		*err = ft_xasprintf("%zu: a field holds a NUL byte", r.line);
		rc = FT_EFAIL;
	} else if (rc == FT_OK && r.stop) {
		rc = r.stop;
	}
	clear_fields(&r);
	free(r.fields);
	free(line);
	csv_free(&p);
	return rc;
}

/* Whether s must be quoted: it holds a comma, quote or line end, or
 * starts or ends with a space or tab, which libcsv takes off a field
 * that is not quoted, or starts with a byte-order mark, which the
 * reader takes off the start of a file. */
static int
needs_quotes(const char *s)
{
	size_t n = strlen(s);

	return strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[0] == '\t' ||
	       s[n - 1] == ' ' || s[n - 1] == '\t' ||
	       !strncmp(s, "\xef\xbb\xbf", 3);
}

int
ft_csv_value(FILE *f, const char *s)
{
	if (!s || !*s)
		return FT_OK;
	if (needs_quotes(s))
		return csv_fwrite(f, s, strlen(s)) == 0 ? FT_OK : FT_EFAIL;
	return fputs(s, f) == EOF ? FT_EFAIL : FT_OK;
}

int
ft_csv_field(FILE *f, const char *s)
{
	char *q;
	int rc;

	if (!s || !(formula_start(s) || quoted_text(s)))
		return ft_csv_value(f, s);
	q = ft_xasprintf("'%s", s);
	rc = ft_csv_value(f, q);
	free(q);
	return rc;
}

int
ft_csv_row_typed(FILE *f, const char *const *fields,
		 const unsigned char *literal, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (i && putc(',', f) == EOF)
			return FT_EFAIL;
		rc = literal && literal[i] ? ft_csv_value(f, fields[i])
					   : ft_csv_field(f, fields[i]);
		if (rc != FT_OK)
			return FT_EFAIL;
	}
	return fputs("\r\n", f) == EOF ? FT_EFAIL : FT_OK;
}

int
ft_csv_row(FILE *f, const char *const *fields, size_t n)
{
	return ft_csv_row_typed(f, fields, NULL, n);
}
