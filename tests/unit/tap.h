/*
 * tap.h — the Test Anything Protocol for the C unit tests of lib/, read by
 * prove.  One test program is one translation unit, so the state lives in
 * static variables here.
 *
 *	plan(3);
 *	ok(x > 0, "x is positive");
 *	is_int(n, 42, "the answer");
 *	is_str(s, "abc", "the name");
 *	return done();
 *
 * Every check prints "ok N - what" or "not ok N - what" and returns
 * whether it passed; a failure also prints what was got and expected as
 * "# " lines on stderr.  done() returns the exit status: 0 when every
 * planned check ran and passed.
 */
#ifndef FT_TAP_H
#define FT_TAP_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int tap_planned = -1;
static int tap_run;
static int tap_failed;

static inline void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

/* Print one result line; the description is a printf format. */
static inline int
tap_result(int pass, const char *fmt, va_list ap)
{
	tap_run++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	return pass;
}

static inline int __attribute__((format(printf, 2, 3)))
ok(int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_result(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		fprintf(stderr, "#   failed test %d\n", tap_run);
	return pass;
}

static inline int __attribute__((format(printf, 3, 4)))
is_int(int64_t got, int64_t want, const char *fmt, ...)
{
	va_list ap;
	int pass = got == want;

	va_start(ap, fmt);
	tap_result(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		fprintf(stderr, "#   failed test %d\n#        got: %lld\n"
			"#   expected: %lld\n", tap_run, (long long)got,
			(long long)want);
	return pass;
}

/* NULL is a value of its own: it equals only NULL. */
static inline int __attribute__((format(printf, 3, 4)))
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	int pass = got && want ? strcmp(got, want) == 0 : got == want;

	va_start(ap, fmt);
	tap_result(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		fprintf(stderr, "#   failed test %d\n#        got: %s%s%s\n"
			"#   expected: %s%s%s\n", tap_run,
			got ? "'" : "", got ? got : "NULL", got ? "'" : "",
			want ? "'" : "", want ? want : "NULL",
			want ? "'" : "");
	return pass;
}

/* A note in the output, for context. */
static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Count n checks that cannot run here. */
static inline void
skip(int n, const char *why)
{
	while (n-- > 0) {
		tap_run++;
		printf("ok %d # skip %s\n", tap_run, why);
	}
	fflush(stdout);
}

static inline int
done(void)
{
	if (tap_planned < 0) {
		printf("1..%d\n", tap_run);
		tap_planned = tap_run;
	}
	if (tap_run != tap_planned)
		fprintf(stderr, "# planned %d tests but ran %d\n",
			tap_planned, tap_run);
	if (tap_failed)
		fprintf(stderr, "# failed %d of %d tests\n", tap_failed,
			tap_run);
	fflush(stdout);
	return tap_failed || tap_run != tap_planned;
}

#endif
