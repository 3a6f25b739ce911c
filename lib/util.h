/*
 * util — messages, exit statuses and memory helpers shared by every program.
 * The exit statuses and return codes are those of errors.h, included here.
 *
 * Messages go to stderr prefixed with the program name set by
 * ft_set_progname().  The allocation helpers never return NULL: they end the
 * program with status FT_EXIT_FAIL when memory runs out.
 */
#ifndef FT_UTIL_H
#define FT_UTIL_H

#include "errors.h"

#include <stddef.h>
#include <stdio.h>

/* Remember the program's name (the last component of argv0) for messages.
 * The string must outlive the program's use of messages. */
void ft_set_progname(const char *argv0);
const char *ft_progname(void);

/* "prog: message\n" on stderr. */
void ft_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, then exit(status). */
_Noreturn void ft_die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The program's usage text (a string constant), for ft_usage_error. */
void ft_set_usage(const char *text);
/* "prog: message" when fmt is not NULL, then the usage, on stderr; exits
 * with FT_EXIT_USAGE. */
_Noreturn void ft_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

void *ft_xmalloc(size_t n);
void *ft_xcalloc(size_t n, size_t size);
void *ft_xrealloc(void *p, size_t n);
/* Copy of s; NULL stays NULL. */
char *ft_xstrdup(const char *s);
/* Newly allocated string from a printf format. */
char *ft_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Flush and close stdout; on a lost write say "write error" and return
 * FT_EXIT_FAIL, else return status unchanged.  Call last in main:
 * return ft_close_stdout(status);
 */
int ft_close_stdout(int status);

/*
 * Format a message into the caller's err buffer of errlen bytes (cut to
 * fit), the way library calls that fail hand back their reason.
 */
void ft_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * mkdir -p: create dir and any missing parents with mode (less the
 * umask).  FT_OK, or FT_EFAIL with the reason in err when a part cannot be
 * made or dir is there but not a directory.
 */
int ft_mkdirs(const char *dir, unsigned mode, char *err, size_t errlen);

/* Parse a whole decimal integer in [min, max]: FT_OK, or FT_EFAIL for
 * anything else. */
int ft_parse_int(const char *s, long long min, long long max, long long *out);

/* Compare two equal-length secrets in time independent of their contents. */
int ft_secret_equal(const char *a, const char *b);

#endif
