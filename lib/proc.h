/*
 * proc — running other programs: ours, found beside the running one, and
 * others with their output collected.
 *
 * Children are started with fork and an immediate exec (only
 * async-signal-safe calls between), so threaded callers such as ft-serve
 * are safe.  Functions block until the child has ended.
 */
#ifndef FT_PROC_H
#define FT_PROC_H

#include <stddef.h>

/* What a program wrote and how it ended; ft_proc_run fills it. */
typedef struct ft_proc_output {
	char *out;		/* stdout, NUL-terminated */
	size_t outlen;		/* its length (it may hold NULs) */
	char *err;		/* stderr, NUL-terminated */
	int status;		/* exit status, or 128 + the signal */
} ft_proc_output;

/*
 * Run argv (argv[0] looked up on PATH) with input on its stdin (NULL:
 * nothing, stdin at its end) and collect its stdout and stderr into *r,
 * which the caller releases with ft_proc_output_clear.  Returns FT_OK
 * whatever the program's exit status; FT_EFAIL with a message in err when
 * it could not be run (r is then empty).  A child that stops reading its
 * input does not raise SIGPIPE in the caller.
 */
int ft_proc_run(char *const argv[], const char *input, ft_proc_output *r,
		char *err, size_t errlen);
void ft_proc_output_clear(ft_proc_output *r);

/*
 * The path of another program of ours: beside the running one when it is
 * there (the build directory, an install's bindir), else found on PATH,
 * else the sibling path anyway.  Never NULL; the caller frees it.
 */
char *ft_proc_path(const char *name);

/*
 * In a child about to exec: default dispositions of the signals we use
 * and an empty signal mask, neither of which exec resets.  A caller such
 * as ft-serve blocks SIGTERM in every thread and ignores SIGPIPE; a
 * program started with those could be neither stopped nor end quietly.
 * Async-signal-safe.
 */
void ft_proc_reset_signals(void);

#endif
