/*
 * clock.h — fixed instants and time zones for the unit tests of times
 * and periods.  Expected instants come from timegm(), not from lib/times.
 */
#ifndef FT_TEST_CLOCK_H
#define FT_TEST_CLOCK_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Milliseconds of a UTC calendar time. */
static inline int64_t
utc(int y, int mo, int d, int h, int mi, int s, int ms)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

static inline void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

#endif
