/*
 * Unit tests of lib/proc: a program's output, error and status collected,
 * input fed to it, a child that stops reading its input, a program that
 * cannot be run.
 */
#include "proc.h"
#include "errors.h"
#include "tap.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* Run the shell script with input; the result code. */
static int
sh(const char *script, const char *input, ft_proc_output *r, char *err,
   size_t errlen)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)script, NULL };

	return ft_proc_run(argv, input, r, err, errlen);
}

int
main(void)
{
	char err[256], *big;
	ft_proc_output r;
	char *missing[] = { (char *)"/nonexistent/ft-no-such", NULL };

	plan(16);
	is_int(sh("cat; echo oops >&2; exit 3", "a\nb\n", &r, err,
		  sizeof err), FT_OK, "run: a program that fails is run");
	is_str(r.out, "a\nb\n", "run: its input reaches it and its output us");
	is_int(r.outlen, 4, "run: the output's length");
	is_str(r.err, "oops\n", "run: its error output apart");
	is_int(r.status, 3, "run: its exit status");
	ft_proc_output_clear(&r);

	is_int(sh("kill -TERM $$", NULL, &r, err, sizeof err), FT_OK,
	       "run: a program killed by a signal");
	is_int(r.status, 128 + SIGTERM, "run: 128 + the signal");
	is_str(r.out, "", "run: no output is an empty string");
	ft_proc_output_clear(&r);

	/* Far more than a pipe holds, to a child that reads none of it. */
	big = malloc(1 << 20);
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	is_int(sh("exec <&-; echo done", big, &r, err, sizeof err), FT_OK,
	       "run: a child that closes its input does not end us");
	is_str(r.out, "done\n", "run: and its output is still read");
	ft_proc_output_clear(&r);
	is_int(sh("head -c 3", big, &r, err, sizeof err), FT_OK,
	       "run: a child that reads part of its input");
	is_str(r.out, "xxx", "run: what it read");
	ft_proc_output_clear(&r);
	free(big);

	err[0] = '\0';
	is_int(ft_proc_run(missing, NULL, &r, err, sizeof err), FT_EFAIL,
	       "run: a program that is not there");
	is_str(err, "cannot run '/nonexistent/ft-no-such'",
	       "run: the message names it");
	ok(!r.out && !r.err, "run: nothing to release then");

	big = ft_proc_path("sh");
	ok(big && strchr(big, '/') != NULL, "path: a program found on PATH");
	free(big);
	return done();
}
