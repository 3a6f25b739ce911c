/*
 * Unit tests of lib/times: RFC 3339 formatting, the time expressions users
 * type, and local days, in UTC and across Berlin's daylight-saving
 * changes.  Expected instants come from timegm(), not from the module.
 */
#include "times.h"
#include "clock.h"
#include "tap.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Parse s; the instant, or INT64_MIN when rejected. */
static int64_t
parse(const char *s, int64_t now, int end_of_day)
{
	int64_t t;

	if (ft_time_parse(s, now, end_of_day, &t) != 0)
		return INT64_MIN;
	return t;
}

static void
test_format(void)
{
	char buf[FT_TIME_BUFSZ];

	is_str(ft_time_format(0, buf), "1970-01-01T00:00:00.000Z",
	       "format: the epoch");
	is_str(ft_time_format(utc(2026, 11, 24, 9, 15, 2, 120), buf),
	       "2026-11-24T09:15:02.120Z", "format: milliseconds kept");
	is_str(ft_time_format(utc(2026, 11, 24, 9, 15, 2, 7), buf),
	       "2026-11-24T09:15:02.007Z", "format: milliseconds padded");
	is_str(ft_time_format(-1, buf), "1969-12-31T23:59:59.999Z",
	       "format: before the epoch rounds down");
	is_str(ft_time_format(utc(2024, 2, 29, 23, 59, 59, 999), buf),
	       "2024-02-29T23:59:59.999Z", "format: leap day");
	ok(ft_time_format(1, buf) == buf, "format returns its buffer");
}

static void
test_parse_moments(void)
{
	int64_t now = utc(2026, 11, 24, 12, 0, 0, 0);
	int64_t t = utc(2026, 11, 24, 9, 15, 2, 120);
	char buf[FT_TIME_BUFSZ];

	is_int(parse("2026-11-24T09:15:02.120Z", now, 0), t,
	       "parse: RFC 3339 UTC with ms");
	is_str(ft_time_format(parse("2026-11-24T09:15:02.120Z", now, 0),
			      buf), "2026-11-24T09:15:02.120Z",
	       "parse and format round-trip");
	is_int(parse("2026-11-24T09:15:02.120Z", now, 1), t,
	       "parse: end_of_day does not move a moment");
	is_int(parse("2026-11-24T09:15:02Z", now, 0), t - 120,
	       "parse: seconds without ms");
	is_int(parse("2026-11-24T09:15Z", now, 0), t - 2120,
	       "parse: minutes only");
	is_int(parse("2026-11-24T09:15:02.1Z", now, 0), t - 20,
	       "parse: .1 is 100 ms");
	is_int(parse("2026-11-24T10:15:02.120+01:00", now, 0), t,
	       "parse: +01:00 offset");
	is_int(parse("2026-11-24T04:15:02.120-05:00", now, 0), t,
	       "parse: -05:00 offset");
	is_int(parse("2026-11-24T09:15", now, 0), t - 2120,
	       "parse: no zone is local time (TZ=UTC)");
	is_int(parse("2026-11-24 09:15:02", now, 0), t - 120,
	       "parse: a space instead of T");
	is_int(parse("2026-11-25T00:30+01:00", now, 0),
	       utc(2026, 11, 24, 23, 30, 0, 0),
	       "parse: an offset may change the day");
}

static void
test_parse_days(void)
{
	int64_t now = utc(2026, 11, 24, 12, 0, 0, 0);
	int64_t d24 = utc(2026, 11, 24, 0, 0, 0, 0);
	int64_t day = FT_MS_PER_DAY;

	is_int(parse("2026-11-24", now, 0), d24, "parse: a date is midnight");
	is_int(parse("2026-11-24", now, 1), d24 + day,
	       "parse: a date as an end is the next midnight");
	is_int(parse("2026-12-31", now, 1), utc(2027, 1, 1, 0, 0, 0, 0),
	       "parse: the end of a year's last day");
	is_int(parse("2024-02-29", now, 0), utc(2024, 2, 29, 0, 0, 0, 0),
	       "parse: leap day");
	is_int(parse("now", now, 0), now, "parse: now");
	is_int(parse("now", now, 1), now, "parse: now as an end");
	is_int(parse("today", now, 0), d24, "parse: today");
	is_int(parse("today", now, 1), d24 + day, "parse: today as an end");
	is_int(parse("yesterday", now, 0), d24 - day, "parse: yesterday");
	is_int(parse("yesterday", now, 1), d24,
	       "parse: yesterday as an end is today's midnight");
	is_int(parse("7d", now, 0), now - 7 * day, "parse: 7d");
	is_int(parse("12h", now, 0), now - 12 * 3600000LL, "parse: 12h");
	is_int(parse("30m", now, 0), now - 30 * 60000LL, "parse: 30m");
	is_int(parse("90d", now, 1), now - 90 * day,
	       "parse: a duration as an end is still a moment");
}

static void
test_parse_rejects(void)
{
	static const char *const bad[] = {
		"", "garbage", "2026", "2026-11", "26-11-24", "2026-1-24",
		"2026-13-01", "2026-00-10", "2026-11-32", "2026-11-00",
		"2026-02-30", "2026-11-24T24:00", "2026-11-24T09:60",
		"2026-11-24T9:15", "2026-11-24T09:15:02.120Zx",
		"2026-11-24T09:15:02.Z", "2026-11-24T09:15+1", "2026-11-24x",
		"7", "7x", "7dd", "-7d", "d", "Now", "tomorrow", " today",
		"today ",
	};
	size_t i;
	int64_t t = 12345;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		t = 12345;
		ok(ft_time_parse(bad[i], 0, 0, &t) == -1 && t == 12345,
		   "parse rejects '%s' and leaves *out alone", bad[i]);
	}
	ok(ft_time_parse(NULL, 0, 0, &t) == -1, "parse rejects NULL");
}

static void
test_days_utc(void)
{
	int64_t t = utc(2026, 11, 24, 9, 15, 2, 120);
	int64_t d24 = utc(2026, 11, 24, 0, 0, 0, 0);
	char date[11];

	is_int(ft_time_day_start(t), d24, "day_start (UTC)");
	is_int(ft_time_day_start(d24), d24, "day_start of a midnight");
	is_int(ft_time_day_start(d24 - 1), d24 - FT_MS_PER_DAY,
	       "day_start of the last ms of a day");
	is_int(ft_time_day_add(t, 1), d24 + FT_MS_PER_DAY, "day_add +1");
	is_int(ft_time_day_add(t, -1), d24 - FT_MS_PER_DAY, "day_add -1");
	is_int(ft_time_day_add(t, -30), utc(2026, 10, 25, 0, 0, 0, 0),
	       "day_add -30 crosses a month");
	is_int(ft_time_day_add(t, 0), d24, "day_add 0 is day_start");
	is_str(ft_time_date(t, date), "2026-11-24", "date (UTC)");
	is_str(ft_time_date(d24 - 1, date), "2026-11-23",
	       "date of the last ms of a day");
}

static void
test_now(void)
{
	int64_t t;

	setenv("FT_NOW", "2026-11-24T12:00:00.000Z", 1);
	is_int(ft_time_now(), utc(2026, 11, 24, 12, 0, 0, 0),
	       "FT_NOW pins now");
	setenv("FT_NOW", "2026-11-24T13:00:00.250+01:00", 1);
	is_int(ft_time_now(), utc(2026, 11, 24, 12, 0, 0, 250),
	       "FT_NOW with an offset");
	unsetenv("FT_NOW");
	t = ft_time_now() - (int64_t)time(NULL) * 1000;
	ok(t > -5000 && t < 5000, "without FT_NOW, now is the clock");
}

/* Europe/Berlin in 2026: CET (+1) until 29 March 01:00 UTC, then CEST
 * (+2) until 25 October 01:00 UTC. */
static void
test_berlin(void)
{
	char date[11], buf[FT_TIME_BUFSZ];
	int64_t spring = utc(2026, 3, 29, 10, 0, 0, 0);
	int64_t autumn = utc(2026, 10, 25, 12, 0, 0, 0);

	if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK) != 0) {
		skip(17, "no time zone data for Europe/Berlin");
		return;
	}
	set_tz("Europe/Berlin");
	is_int(ft_time_day_start(spring), utc(2026, 3, 28, 23, 0, 0, 0),
	       "Berlin: start of the spring-forward day");
	is_int(ft_time_day_add(spring, 1), utc(2026, 3, 29, 22, 0, 0, 0),
	       "Berlin: the spring-forward day has 23 hours");
	is_int(ft_time_day_add(utc(2026, 3, 28, 12, 0, 0, 0), 2),
	       utc(2026, 3, 29, 22, 0, 0, 0),
	       "Berlin: day_add across the change");
	is_int(ft_time_day_add(utc(2026, 3, 30, 12, 0, 0, 0), -2),
	       utc(2026, 3, 27, 23, 0, 0, 0),
	       "Berlin: day_add back across the change");
	is_int(ft_time_day_start(autumn), utc(2026, 10, 24, 22, 0, 0, 0),
	       "Berlin: start of the fall-back day");
	is_int(ft_time_day_add(autumn, 1), utc(2026, 10, 25, 23, 0, 0, 0),
	       "Berlin: the fall-back day has 25 hours");
	is_str(ft_time_date(utc(2026, 3, 28, 23, 30, 0, 0), date),
	       "2026-03-29", "Berlin: local date after local midnight");
	is_str(ft_time_date(utc(2026, 3, 28, 22, 59, 59, 999), date),
	       "2026-03-28", "Berlin: local date before local midnight");
	is_str(ft_time_date(utc(2026, 10, 25, 22, 30, 0, 0), date),
	       "2026-10-25", "Berlin: 23:30 on the 25-hour day");
	is_int(parse("2026-03-29", spring, 1), utc(2026, 3, 29, 22, 0, 0, 0),
	       "Berlin: a date as an end on the 23-hour day");
	is_int(parse("2026-10-25", autumn, 1), utc(2026, 10, 25, 23, 0, 0, 0),
	       "Berlin: a date as an end on the 25-hour day");
	is_int(parse("2026-03-29T12:00", spring, 0),
	       utc(2026, 3, 29, 10, 0, 0, 0),
	       "Berlin: local time after the change is CEST");
	is_int(parse("2026-03-29T01:30", spring, 0),
	       utc(2026, 3, 29, 0, 30, 0, 0),
	       "Berlin: local time before the change is CET");
	is_int(parse("today", autumn, 1), utc(2026, 10, 25, 23, 0, 0, 0),
	       "Berlin: today as an end on the 25-hour day");
	is_int(parse("yesterday", autumn, 0), utc(2026, 10, 23, 22, 0, 0, 0),
	       "Berlin: yesterday from the 25-hour day");
	is_int(parse("2026-11-24T09:15:02.120Z", spring, 0),
	       utc(2026, 11, 24, 9, 15, 2, 120),
	       "Berlin: an explicit Z ignores TZ");
	is_str(ft_time_format(spring, buf), "2026-03-29T10:00:00.000Z",
	       "Berlin: records are still UTC");
	set_tz("UTC");
}

int
main(void)
{
	unsetenv("FT_NOW");
	set_tz("UTC");
	test_format();
	test_parse_moments();
	test_parse_days();
	test_parse_rejects();
	test_days_utc();
	test_now();
	test_berlin();
	return done();
}
