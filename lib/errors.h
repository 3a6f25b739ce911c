/*
 * errors — the return codes every module of lib/ speaks, and the exit
 * statuses every program ends with.
 *
 * A library function that can fail returns FT_OK (0) or a negative FT_E*
 * code and hands its message back the way its header says (an err
 * buffer, an errmsg function); functions that return a count or a
 * position use -1, which is FT_EFAIL, for a failure.  A module that has
 * results besides success (found or not, already running) returns them
 * as values >= 0 of its own, never as codes below.
 *
 * Programs turn a code into their exit status with ft_exit_status(), so
 * the same situation ends every program alike.
 */
#ifndef FT_ERROR_H
#define FT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes of library functions. */
enum {
	FT_OK = 0,
	FT_EFAIL = -1,		/* an error: I/O, a refusal, bad state */
	FT_ENOTFOUND = -2,	/* no such thing (or an ambiguous prefix) */
	FT_EINVAL = -3,		/* an argument or setting it will not take */
	FT_ETEMP = -4,		/* a server unreachable or busy: retry later */
	FT_EAUTH = -5,		/* credentials missing or refused */
	FT_EPROTO = -6,		/* a peer's reply we cannot understand */
	FT_ECANCEL = -7		/* the caller cancelled the operation */
};

/* Exit statuses, the same in every program and listed in every man page. */
enum {
	FT_EXIT_OK = 0,		/* success */
	FT_EXIT_FAIL = 1,	/* a failure */
	FT_EXIT_USAGE = 2,	/* a usage error */
	FT_EXIT_DATA = 3,	/* a malformed input record */
	FT_EXIT_TEMPFAIL = 75	/* worth retrying: store, SMTP or LLM away */
};

/* The exit status for a return code: FT_EXIT_OK for FT_OK and any result
 * >= 0, FT_EXIT_TEMPFAIL for FT_ETEMP, FT_EXIT_FAIL for the other
 * codes. */
int ft_exit_status(int rc);

#ifdef __cplusplus
}
#endif

#endif
