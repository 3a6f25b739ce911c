/*
 * csvio — CSV in and out over libcsv (RFC 4180: commas, double quotes,
 * quoted fields may hold commas, quotes and newlines).
 */
#ifndef FT_CSVIO_H
#define FT_CSVIO_H

#include "errors.h"

#include <stddef.h>
#include <stdio.h>

/* Called for each row: fields[0..n) are NUL-terminated and belong to the
 * reader (valid during the call); line is the line the row ends on.
 * Return 0 to go on, nonzero to stop. */
typedef int (*ft_csv_row_cb)(void *ctx, size_t line, char **fields,
			     size_t n);

/*
 * Text cells that a spreadsheet would run as a formula (starting with
 * = + - @, a tab or a CR) are written after a single quote; a text cell
 * that starts with quotes and then one of those gets one quote more.  The
 * reader takes one quote off a cell of that shape, so what was written is
 * read back unchanged.
 *
 * Read f row by row.  A UTF-8 byte-order mark at its start is skipped.
 * Returns FT_OK at the end, the callback's nonzero value, or FT_EFAIL for
 * malformed CSV, a field holding a NUL byte or a read error with
 * "LINE: why" in *err (the caller frees it).  Blocks on f.
 */
int ft_csv_read(FILE *f, ft_csv_row_cb cb, void *ctx, char **err);

/* Write one text field, neutralised as said above and quoted only when
 * it holds a comma, quote, CR or LF, starts or ends with a space or tab
 * or starts with a byte-order mark (which a reader would take off);
 * NULL writes an empty field.  Returns
 * FT_OK, or FT_EFAIL on a write error. */
int ft_csv_field(FILE *f, const char *s);
/* Write one field as it is (a number, which may start with '-'), quoted
 * as ft_csv_field; FT_OK or FT_EFAIL. */
int ft_csv_value(FILE *f, const char *s);
/* Write a row of n text fields and the line end ("\r\n", as RFC 4180
 * asks); FT_OK or FT_EFAIL as ft_csv_field. */
int ft_csv_row(FILE *f, const char *const *fields, size_t n);
/* The same, but fields[i] with literal[i] nonzero are written as they are
 * (ft_csv_value); literal may be NULL (all text). */
int ft_csv_row_typed(FILE *f, const char *const *fields,
		     const unsigned char *literal, size_t n);

#endif
