/*
 * jsonl — JSON-lines records over libjq's jv values, and jq filters.
 *
 * Ownership follows jv's rule: functions that take a jv consume it (the
 * caller jv_copy()s what it keeps); a jv returned is the caller's to
 * jv_free().  Failures are FT_EFAIL of errors.h.
 */
#ifndef FT_JSONL_H
#define FT_JSONL_H

#include "errors.h"

#include <stddef.h>
#include <stdio.h>

#include <jv.h>

/* Longest line a reader takes; longer lines are reported and skipped. */
#define FT_JSONL_MAX_LINE (64u << 20)

typedef struct ft_jsonl_reader ft_jsonl_reader;

/* A reader of f, named name ("stdin", a path) in messages.  f stays the
 * caller's; ft_jsonl_reader_free() does not close it. */
ft_jsonl_reader *ft_jsonl_reader_new(FILE *f, const char *name);
void ft_jsonl_reader_free(ft_jsonl_reader *r);

/*
 * Read the next record into *out (the caller's).  Returns 1 with a record,
 * 0 at the end of input, FT_EFAIL for a line that is not one JSON object
 * (or is too long, or has a string holding a NUL, \u0000, which C strings
 * would cut short): the message "NAME:LINE: why" is then in
 * ft_jsonl_error() and the next call reads the following line.  Blank
 * lines and a UTF-8 byte-order mark opening the input are skipped, and a
 * missing final newline is accepted.  Blocks on f.
 */
int ft_jsonl_read(ft_jsonl_reader *r, jv *out);
/* Line number of the last line read (1-based). */
size_t ft_jsonl_lineno(const ft_jsonl_reader *r);
/* Message of the last FT_EFAIL from ft_jsonl_read(); owned by r. */
const char *ft_jsonl_error(const ft_jsonl_reader *r);

/*
 * Write v (consumed) as one compact line to f and flush when f is not a
 * regular file, so pipes stay live.  Returns FT_OK, or FT_EFAIL on a
 * write error (errno set).
 */
int ft_jsonl_write(FILE *f, jv v);

/* A compiled jq program. */
typedef struct ft_jq ft_jq;

/* Compile program; NULL on error with a message in *err (the caller frees
 * it). */
ft_jq *ft_jq_compile(const char *program, char **err);
void ft_jq_free(ft_jq *q);

/*
 * Run q on input (consumed) and pass every output to emit (which consumes
 * it).  Returns FT_OK, the first nonzero value emit returned, or FT_EFAIL
 * when the program raised an error (message in *err, the caller frees
 * it).
 */
int ft_jq_run(ft_jq *q, jv input, int (*emit)(void *ctx, jv out), void *ctx,
	      char **err);

/* Helpers for building records: a string member that is NULL becomes
 * null. */
jv ft_jv_string_or_null(const char *s);

#endif
