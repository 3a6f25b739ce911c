/*
 * Unit tests of lib/csvio: text cells a spreadsheet would run as
 * formulas are written after a quote, numbers are not, and reading what
 * was written gives it back unchanged; a NUL in a field is refused and a
 * byte-order mark skipped.
 */
#include "csvio.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* The text ft_csv_field writes for s (static buffer). */
static const char *
written(const char *s)
{
	static char buf[256];
	FILE *f;

	memset(buf, 0, sizeof buf);
	f = fmemopen(buf, sizeof buf, "w");

	ft_csv_field(f, s);
	fclose(f);
	return buf;
}

struct got {
	char cell[8][64];
	size_t n, rows;
};

static int
keep(void *p, size_t line, char **fields, size_t n)
{
	struct got *g = p;

	for (size_t i = 0; i < n && g->n < 8; i++)
		snprintf(g->cell[g->n++], sizeof g->cell[0], "%s", fields[i]);
	g->rows++;
	return 0;
}

/* Read text (of len bytes) into g; the result of ft_csv_read. */
static int
read_text(const char *text, size_t len, struct got *g, char **err)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int rc;

	memset(g, 0, sizeof *g);
	rc = ft_csv_read(f, keep, g, err);
	fclose(f);
	return rc;
}

static void
test_write(void)
{
	is_str(written("=HYPERLINK(\"http://evil.example/\",\"x\")"),
	    "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\"",
	    "a formula is written after a quote (and quoted for its commas)");
	is_str(written("+1"), "'+1", "a leading + is neutralised");
	is_str(written("-1.5"), "'-1.5", "so is a leading - in text");
	is_str(written("@SUM(A1)"), "'@SUM(A1)", "and a leading @");
	is_str(written("\tx"), "'\tx", "and a leading tab");
	is_str(written("\r=x"), "\"'\r=x\"", "and a leading CR");
	is_str(written("'=x"), "''=x", "a quote before one gets another");
	is_str(written("'x"), "'x", "a quote before anything else does not");
	is_str(written("a=b"), "a=b", "= inside a cell is plain text");
	is_str(written(""), "", "an empty cell stays empty");
	is_str(written("Ann "), "\"Ann \"",
	    "a trailing space is quoted, or a reader would take it off");
	is_str(written(" Ann"), "\" Ann\"", "so is a leading space");
	is_str(written("x\t"), "\"x\t\"", "and a trailing tab");
	is_str(written("\xef\xbb\xbfx"), "\"\xef\xbb\xbfx\"",
	    "and a leading byte-order mark, or a reader would skip it");
}

static void
test_row(void)
{
	static const char *const f[] = { "-1.5", "-1.5", "=1+2" };
	static const unsigned char lit[] = { 1, 0, 0 };
	char buf[128];
	FILE *o = fmemopen(buf, sizeof buf, "w");

	ft_csv_row_typed(o, f, lit, 3);
	fclose(o);
	is_str(buf, "-1.5,'-1.5,'=1+2\r\n",
	    "a number column is written as it is, text is neutralised");
}

static void
test_round_trip(void)
{
	static const char *const cells[] = {
		"=HYPERLINK(\"x\")", "'=x", "''@y", "'plain", "-2", "a,b",
		" both ends ", "tab\t"
	};
	char buf[256];
	struct got g;
	char *err = NULL;
	FILE *o = fmemopen(buf, sizeof buf, "w");
	size_t i;
	int same = 1;

	ft_csv_row(o, cells, 8);
	fclose(o);
	is_int(read_text(buf, strlen(buf), &g, &err), FT_OK,
	    "what was written reads back");
	is_int((int64_t)g.n, 8, "with its eight cells");
	for (i = 0; i < 8 && i < g.n; i++)
		if (strcmp(g.cell[i], cells[i])) {
			diag("cell %zu: got '%s', want '%s'", i, g.cell[i],
			    cells[i]);
			same = 0;
		}
	ok(same, "each unchanged: no quote added or lost");
	free(err);
}

static void
test_nul_bom(void)
{
	static const char nul[] = "name,notes\nAnn,a\0b\n";
	static const char bom[] = "\xef\xbb\xbfname,email\nAnn,a@b\n";
	struct got g;
	char *err = NULL;

	is_int(read_text(nul, sizeof nul - 1, &g, &err), FT_EFAIL,
	    "a NUL in a field is refused");
	is_str(err, "2: a field holds a NUL byte", "with its line");
	is_int((int64_t)g.rows, 1, "after the rows before it");
	free(err);
	err = NULL;
	is_int(read_text(bom, sizeof bom - 1, &g, &err), FT_OK,
	    "a byte-order mark is read past");
	is_str(g.cell[0], "name", "and is no part of the first field");
	free(err);
	err = NULL;
	is_int(read_text("\"\xef\xbb\xbfx\"\r\n", 7, &g, &err), FT_OK,
	    "a quoted field may start with a byte-order mark");
	is_str(g.cell[0], "\xef\xbb\xbfx", "which it keeps");
	free(err);
}

int
main(void)
{
	plan(25);
	test_write();
	test_row();
	test_round_trip();
	test_nul_bom();
	return done();
}
