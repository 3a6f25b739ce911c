/*
 * format — write records as JSON lines, an aligned table for people, or
 * CSV for spreadsheets.
 *
 * Table and CSV columns are the members of the first record of each
 * "type" (the "type" member itself is left out); a record of another type
 * starts a new table (after a blank line) or a new CSV header.  Strings are
 * written as they are, null as an empty cell, other values as compact JSON.
 * A table is held until ft_out_finish() to size its columns; JSON and CSV
 * stream, flushed per record when the file is not a regular file.
 */
#ifndef FT_FORMAT_H
#define FT_FORMAT_H

#include "errors.h"

#include <stdio.h>

#include <jv.h>

enum ft_format { FT_FORMAT_JSON, FT_FORMAT_TABLE, FT_FORMAT_CSV };

typedef struct ft_out ft_out;

/* Parse "json", "table" or "csv"; -1 for anything else. */
int ft_format_parse(const char *name);

ft_out *ft_out_new(FILE *f, enum ft_format format);
/* Write rec (consumed).  Returns FT_OK, or FT_EFAIL on a write error. */
int ft_out_put(ft_out *o, jv rec);
/* Write what is held and free o (f stays open).  Returns FT_OK, or
 * FT_EFAIL on a write error. */
int ft_out_finish(ft_out *o);

#endif
