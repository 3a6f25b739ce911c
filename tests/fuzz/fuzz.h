/*
 * What every libFuzzer target of tests/fuzz shares.  A target defines
 * LLVMFuzzerTestOneInput (and LLVMFuzzerInitialize when it needs a
 * setting fixed first); the fuzzer's own main runs it on generated
 * inputs (make fuzz) or on the files it is given (tests/0600).
 *
 * A target checks what the module promises, not only that it does not
 * crash: a broken promise is reported with fuzz_fail(), which aborts, so
 * libFuzzer saves the input as a crash.
 */
#ifndef FT_FUZZ_H
#define FT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void);

#ifdef __cplusplus
}
#endif

/*
 * Leaks that are not ours, built into the targets that parse JSON
 * (those that define FUZZ_JV before including this file) so that a
 * replay anywhere judges alike.  libjq 1.6's parser loses an object
 * key it has read when the colon after it is missing ({"a" "b":1});
 * jq 1.7 frees it.  libjq has no frame pointers, so the stacks of its
 * allocations reach back to jv_parser_next only when unwound the slow
 * way, which costs these targets nine tenths of their speed.  The
 * price: a parsed value that our code lost would be let pass here too.
 */
#ifdef FUZZ_JV
const char *
__lsan_default_suppressions(void)
{
	return "leak:jv_parser_next\n";
}

const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}
#endif

/* Stop with what was broken; libFuzzer keeps the input. */
#define fuzz_fail(...) do { \
	fprintf(stderr, "fuzz: %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

/* The input as a NUL-terminated string (the caller frees it); a NUL
 * byte in it ends the string early, as it would a C caller's. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = (char *)malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * The clock and zone an input is read in: its first byte picks a time
 * zone (with and without summer time, half-hour and 45-minute offsets,
 * far east and west), the next two a day up to a few years around
 * 2026-11-24 09:15 UTC, so that local days, month ends and leap years
 * are all met.  Takes the bytes it used off *data and *size; returns
 * now in milliseconds.
 */
static inline int64_t
fuzz_clock(const uint8_t **data, size_t *size)
{
	static const char *const zones[] = {
		"UTC", "Europe/Berlin", "America/New_York",
		"Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham",
		"Pacific/Kiritimati", "Pacific/Pago_Pago"
	};
	int64_t now = 1795511700000LL;	/* 2026-11-24T09:15:00Z */
	unsigned z = 0, day = 0;

	if (*size >= 3) {
		z = (*data)[0];
		day = (unsigned)(*data)[1] << 8 | (*data)[2];
		*data += 3;
		*size -= 3;
	}
	setenv("TZ", zones[z % (sizeof zones / sizeof zones[0])], 1);
	tzset();
	/* Days -1000 to +1000 around, each at a minute of its own. */
	now += ((int64_t)(day % 2001) - 1000) * 86400000LL +
	       (int64_t)(day % 1440) * 60000LL;
	return now;
}

#endif
