/*
 * CSV import (lib/csvio), as ft-enroll import reads a file: any bytes.
 * Every row read is written back with the writer and read again, and
 * must come back the same: the writer's quoting of formula cells and
 * the reader's unquoting must undo each other.
 */
#include "csvio.h"
#include "fuzz.h"

struct rows {
	char ***row;		/* copies of the fields of each row */
	size_t *n;		/* fields in each row */
	size_t count, cap;
	size_t line;		/* the last row's line */
	size_t at;		/* reading again: the row to compare */
};

static int
keep(void *ctx, size_t line, char **fields, size_t n)
{
	struct rows *r = ctx;
	size_t i;

	if (line < r->line)
		fuzz_fail("row of line %zu after line %zu", line, r->line);
	r->line = line;
	if (r->count == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->row = realloc(r->row, r->cap * sizeof *r->row);
		r->n = realloc(r->n, r->cap * sizeof *r->n);
		if (!r->row || !r->n)
			abort();
	}
	r->row[r->count] = malloc((n ? n : 1) * sizeof **r->row);
	if (!r->row[r->count])
		abort();
	for (i = 0; i < n; i++)
		r->row[r->count][i] = strdup(fields[i]);
	r->n[r->count++] = n;
	return 0;
}

static int
compare(void *ctx, size_t line, char **fields, size_t n)
{
	struct rows *r = ctx;
	size_t i;

	if (r->at == r->count)
		fuzz_fail("row %zu written that was not read", r->at + 1);
	if (n != r->n[r->at])
		fuzz_fail("row %zu: %zu fields read back, %zu read", r->at + 1,
			  n, r->n[r->at]);
	for (i = 0; i < n; i++)
		if (strcmp(fields[i], r->row[r->at][i]))
			fuzz_fail("row %zu field %zu: '%s' read back, '%s' "
				  "read", r->at + 1, i + 1, fields[i],
				  r->row[r->at][i]);
	r->at++;
	return 0;
}

/* libcsv reads an empty line as no row at all, so a row of one empty
 * field cannot be told from a blank line: such rows are not written. */
static int
writable(const struct rows *r, size_t i)
{
	return !(r->n[i] == 0 || (r->n[i] == 1 && !*r->row[i][0]));
}

static void
round_trip(struct rows *r)
{
	char *buf = NULL, *err = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	for (i = 0; i < r->count; i++)
		if (writable(r, i) &&
		    ft_csv_row(f, (const char *const *)r->row[i], r->n[i])
		    != FT_OK)
			fuzz_fail("cannot write row %zu", i + 1);
	fclose(f);
	/* Drop the rows not written, then read what was. */
	for (i = j = 0; i < r->count; i++) {
		if (writable(r, i)) {
			r->row[j] = r->row[i];
			r->n[j++] = r->n[i];
		} else {
			if (r->n[i])	/* at most one field */
				free(r->row[i][0]);
			free(r->row[i]);
		}
	}
	r->count = j;
	f = fmemopen(buf, len ? len : 1, "r");
	if (!f)
		abort();
	if (len && ft_csv_read(f, compare, r, &err) != FT_OK)
		fuzz_fail("rows written do not read back: %s", err);
	if (r->at != r->count)
		fuzz_fail("%zu rows read back of %zu", r->at, r->count);
	fclose(f);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rows r = { 0 };
	char *err = NULL;
	FILE *f;
	size_t i, k;
	int rc;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		abort();
	rc = ft_csv_read(f, keep, &r, &err);
	fclose(f);
	if (rc == FT_EFAIL && !err)
		fuzz_fail("a failure without a message");
	if (rc == FT_OK)
		round_trip(&r);
	for (i = 0; i < r.count; i++) {
		for (k = 0; k < r.n[i]; k++)
			free(r.row[i][k]);
		free(r.row[i]);
	}
	free(r.row);
	free(r.n);
	free(err);
	return 0;
}
