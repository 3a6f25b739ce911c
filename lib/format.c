/*
 * format — JSON lines, tables and CSV.
 */
#include "format.h"
#include "csvio.h"
#include "jsonl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct ft_out {
	FILE *f;
	enum ft_format format;
	int live;		/* flush per record */
	jv type;		/* type of the current table; null at first */
	jv columns;		/* array of member names */
	jv rows;		/* held table rows: arrays of cell strings */
	int sections;		/* tables or CSV headers written */
};

int
ft_format_parse(const char *name)
{
	if (!strcmp(name, "json"))
		return FT_FORMAT_JSON;
	if (!strcmp(name, "table"))
		return FT_FORMAT_TABLE;
	if (!strcmp(name, "csv"))
		return FT_FORMAT_CSV;
	return -1;
}

ft_out *
ft_out_new(FILE *f, enum ft_format format)
{
	ft_out *o = ft_xcalloc(1, sizeof *o);
	struct stat st;

	o->f = f;
	o->format = format;
	o->live = fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode);
	o->type = jv_null();
	o->columns = jv_array();
	o->rows = jv_array();
	return o;
}

/* The cell text of a value: strings as they are, null empty, others as
 * compact JSON. */
static jv
cell(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		return v;
	case JV_KIND_NULL:
	case JV_KIND_INVALID:
		jv_free(v);
		return jv_string("");
	default:
		return jv_dump_string(v, 0);
	}
}

/*
 * Table cells go to a terminal: a control character in a name (ESC
 * starting a sequence that retitles the window or rewrites the screen, a
 * newline breaking the table) is shown as an escape instead.  C0 and DEL
 * become \xHH, C1 (U+0080 to U+009F, the 8-bit forms of ESC sequences)
 * \u00HH.  Consumes s; returns s itself when nothing needed escaping.
 */
static jv
visible(jv s)
{
	const unsigned char *p = (const unsigned char *)jv_string_value(s);
	int n = jv_string_length_bytes(jv_copy(s)), i, plain = 1;
	char *buf, *q;
	jv out;

	for (i = 0; i < n && plain; i++)
		plain = !(p[i] < 0x20 || p[i] == 0x7f ||
			  (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
			   p[i + 1] <= 0x9f));
	if (plain)
		return s;
	q = buf = ft_xmalloc((size_t)n * 6 + 1);
	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			q += sprintf(q, "\\x%02x", p[i]);
		} else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
			   p[i + 1] <= 0x9f) {
			q += sprintf(q, "\\u%04x", p[++i]);
		} else {
			*q++ = (char)p[i];
		}
	}
	out = jv_string_sized(buf, (int)(q - buf));
	free(buf);
	jv_free(s);
	return out;
}

/* Display width of UTF-8 text: wide East Asian characters take two
 * columns, combining marks none. */
static size_t
width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;
	unsigned cp;
	int n;

	while (*p) {
		if (*p < 0x80) {
			cp = *p;
			n = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			n = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			n = 3;
		} else {
			cp = *p & 0x07;
			n = 4;
		}
		for (int i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				n = i;
				break;
			}
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		p += n;
		if (cp >= 0x300 && cp <= 0x36f)
			continue;
		if ((cp >= 0x1100 && cp <= 0x115f) ||
		    (cp >= 0x2e80 && cp <= 0xa4cf) ||
		    (cp >= 0xac00 && cp <= 0xd7a3) ||
		    (cp >= 0xf900 && cp <= 0xfaff) ||
		    (cp >= 0xfe30 && cp <= 0xfe4f) ||
		    (cp >= 0xff00 && cp <= 0xff60) ||
		    (cp >= 0xffe0 && cp <= 0xffe6) ||
		    (cp >= 0x1f300 && cp <= 0x1faff) ||
		    (cp >= 0x20000 && cp <= 0x3fffd))
			w += 2;
		else
			w += 1;
	}
	return w;
}

static int
pad(FILE *f, size_t n)
{
	while (n--)
		if (putc(' ', f) == EOF)
			return -1;
	return 0;
}

/* Write the held table and forget it. */
static int
flush_table(ft_out *o)
{
	int ncol = jv_array_length(jv_copy(o->columns));
	int nrow = jv_array_length(jv_copy(o->rows));
	size_t *w = ft_xcalloc((size_t)ncol + 1, sizeof *w);
	jv head = jv_array();
	int r, c, rc = 0;

	if (ncol == 0) {
		free(w);
		jv_free(head);
		return 0;
	}
	for (c = 0; c < ncol; c++) {
		jv name = visible(jv_array_get(jv_copy(o->columns), c));

		w[c] = width(jv_string_value(name));
		head = jv_array_append(head, name);
	}
	for (r = 0; r < nrow; r++) {
		jv row = jv_array_get(jv_copy(o->rows), r);

		for (c = 0; c < ncol; c++) {
			jv v = jv_array_get(jv_copy(row), c);
			size_t n = width(jv_string_value(v));

			if (n > w[c])
				w[c] = n;
			jv_free(v);
		}
		jv_free(row);
	}
	if (o->sections++ && putc('\n', o->f) == EOF)
		rc = -1;
	for (r = -1; r < nrow && rc == 0; r++) {
		jv row = r < 0 ? jv_copy(head)
			       : jv_array_get(jv_copy(o->rows), r);

		for (c = 0; c < ncol && rc == 0; c++) {
			jv v = jv_array_get(jv_copy(row), c);
			const char *s = jv_string_value(v);

			if (fputs(s, o->f) == EOF)
				rc = -1;
			else if (c + 1 < ncol)
				rc = pad(o->f, w[c] - width(s) + 2);
			jv_free(v);
		}
		if (rc == 0 && putc('\n', o->f) == EOF)
			rc = -1;
		jv_free(row);
	}
	free(w);
	jv_free(head);
	jv_free(o->rows);
	o->rows = jv_array();
	return rc;
}

/* Start a new section when rec's type differs from the current one;
 * consumes rec. */
static int
section(ft_out *o, jv rec)
{
	jv type = jv_object_get(jv_copy(rec), jv_string("type"));
	int same = jv_equal(jv_copy(type), jv_copy(o->type));
	int rc = 0;

	if (same && jv_array_length(jv_copy(o->columns)) > 0) {
		jv_free(type);
		jv_free(rec);
		return 0;
	}
	if (o->format == FT_FORMAT_TABLE)
		rc = flush_table(o);
	jv_free(o->type);
	o->type = type;
	jv_free(o->columns);
	o->columns = jv_array();
	jv_object_foreach(rec, key, value) {
		if (strcmp(jv_string_value(key), "type") != 0)
			o->columns = jv_array_append(o->columns, key);
		else
			jv_free(key);
		jv_free(value);
	}
	jv_free(rec);
	if (o->format == FT_FORMAT_CSV && rc == 0) {
		int n = jv_array_length(jv_copy(o->columns));
		const char **names = ft_xcalloc((size_t)n + 1, sizeof *names);

		for (int i = 0; i < n; i++) {
			jv k = jv_array_get(jv_copy(o->columns), i);

			names[i] = jv_string_value(k);
			jv_free(k);	/* o->columns still holds it */
		}
		if (o->sections++ && fputs("\r\n", o->f) == EOF)
			rc = -1;
		if (rc == 0)
			rc = ft_csv_row(o->f, names, (size_t)n);
		free(names);
	}
	return rc;
}

int
ft_out_put(ft_out *o, jv rec)
{
	int ncol, c, rc;

	if (o->format == FT_FORMAT_JSON)
		return ft_jsonl_write(o->f, rec);
	if (jv_get_kind(rec) != JV_KIND_OBJECT) {
		/* jq may turn records into plain values: one per line. */
		jv text = cell(rec);

		if (o->format == FT_FORMAT_TABLE)
			text = visible(text);

		rc = fputs(jv_string_value(text), o->f) == EOF ||
		     putc('\n', o->f) == EOF ? -1 : 0;
		jv_free(text);
		return rc;
	}
	if ((rc = section(o, jv_copy(rec))) != 0) {
		jv_free(rec);
		return rc;
	}
	ncol = jv_array_length(jv_copy(o->columns));
	if (o->format == FT_FORMAT_TABLE) {
		jv row = jv_array();

		for (c = 0; c < ncol; c++) {
			jv k = jv_array_get(jv_copy(o->columns), c);

			row = jv_array_append(row, visible(
				cell(jv_object_get(jv_copy(rec), k))));
		}
		o->rows = jv_array_append(o->rows, row);
		jv_free(rec);
		return 0;
	}
	{
		jv cells = jv_array();
		const char **v = ft_xcalloc((size_t)ncol + 1, sizeof *v);
		unsigned char *lit = ft_xcalloc((size_t)ncol + 1, 1);

		for (c = 0; c < ncol; c++) {
			jv k = jv_array_get(jv_copy(o->columns), c);
			jv x = jv_object_get(jv_copy(rec), k);

			/* Only strings are text a spreadsheet could take
			 * for a formula; numbers such as -1.5 stay. */
			lit[c] = jv_get_kind(x) != JV_KIND_STRING;
			cells = jv_array_append(cells, cell(x));
		}
		for (c = 0; c < ncol; c++) {
			jv s = jv_array_get(jv_copy(cells), c);

			v[c] = jv_string_value(s);
			jv_free(s);	/* cells still holds it */
		}
		rc = ft_csv_row_typed(o->f, v, lit, (size_t)ncol);
		free(lit);
		free(v);
		jv_free(cells);
		jv_free(rec);
	}
	if (rc == 0 && o->live && fflush(o->f) != 0)
		rc = -1;
	return rc;
}

int
ft_out_finish(ft_out *o)
{
	int rc = 0;

	if (o->format == FT_FORMAT_TABLE)
		rc = flush_table(o);
	jv_free(o->type);
	jv_free(o->columns);
	jv_free(o->rows);
	free(o);
	return rc;
}
