/*
 * times — instants as milliseconds since the epoch (UTC), their RFC 3339
 * form, and the local calendar days that reports and statistics count in.
 *
 * Days are the local days of the TZ environment variable: "today" for a shop
 * is the shop's day.  Records always carry UTC.
 */
#ifndef FT_TIMES_H
#define FT_TIMES_H

#include "errors.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FT_TIME_BUFSZ 32	/* room for "2026-11-24T09:15:02.120Z" */
#define FT_MS_PER_DAY 86400000LL

/* The current time; FT_NOW (an RFC 3339 time) pins it, for tests and demos. */
int64_t ft_time_now(void);
/* The real time whatever FT_NOW says: for what follows the wall clock,
 * such as a schedule, while records are stamped with ft_time_now. */
int64_t ft_time_wall(void);
/* Milliseconds of the monotonic clock, for durations and pacing. */
int64_t ft_time_mono(void);
/* The same clock with fractions of a millisecond, for timing stages. */
double ft_time_mono_ms(void);

/* Write "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (FT_TIME_BUFSZ bytes); returns
 * buf. */
char *ft_time_format(int64_t ms, char *buf);
/* Write the local date "YYYY-MM-DD" of ms into buf (11 bytes); returns buf. */
char *ft_time_date(int64_t ms, char *buf);

/* The local (TZ) calendar time of ms, into tm. */
void ft_time_local(int64_t ms, struct tm *tm);

/* Start of the local day holding ms. */
int64_t ft_time_day_start(int64_t ms);
/* Start of the local day n days after (n < 0: before) the day holding ms.
 * Daylight-saving days of 23 or 25 hours are counted as one day. */
int64_t ft_time_day_add(int64_t ms, int n);

/*
 * Parse a time given by a user:
 *   2026-11-24                  local midnight (end of that day when
 *                               end_of_day is set: the next midnight)
 *   2026-11-24T09:15[:02[.120]][Z|+01:00]   a moment (local without zone)
 *   2026-11-24 09:15:02         the same with a space
 *   now, today, yesterday       (today/yesterday follow the date rule)
 *   7d, 12h, 30m                that long before now
 * Returns FT_OK and sets *out, or FT_EFAIL when s is not one of these.
 */
int ft_time_parse(const char *s, int64_t now, int end_of_day, int64_t *out);

/*
 * Periods: runs of whole local days (TZ), both ends included, as the
 * half-open range [since, until) of times the store's filters take.
 * Reports, the chat and the dashboard name their periods with these.
 */
typedef struct ft_period {
	int64_t since;		/* local midnight starting the first day */
	int64_t until;		/* local midnight after the last day */
	char first[11];		/* the first day, YYYY-MM-DD */
	char last[11];		/* the last day */
	int days;		/* number of days */
} ft_period;

/* Named periods of ft_times_period_named. */
enum ft_period_name {
	FT_PERIOD_TODAY,
	FT_PERIOD_YESTERDAY,
	FT_PERIOD_THIS_WEEK,	/* Monday to today */
	FT_PERIOD_LAST_WEEK,	/* the Monday to Sunday before this week */
	FT_PERIOD_THIS_MONTH,	/* the 1st to today */
	FT_PERIOD_LAST_MONTH,
	FT_PERIOD_THIS_YEAR,
	FT_PERIOD_LAST_YEAR,
	FT_PERIOD_LAST_DAYS	/* n days ending with today */
};

/* The period of the local days holding first and last (first <= last):
 * FT_OK, or FT_EFAIL when last is before first. */
int ft_times_period(int64_t first, int64_t last, ft_period *p);

/* A named period as seen at now; n is the day count of
 * FT_PERIOD_LAST_DAYS (1 or more). */
void ft_times_period_named(enum ft_period_name name, int n, int64_t now,
			    ft_period *p);

/* The calendar month year-month (1..12): FT_OK, or FT_EFAIL when out of
 * range. */
int ft_times_period_month(int year, int month, ft_period *p);

/*
 * Parse the dates of --from and --to (YYYY-MM-DD, today or yesterday;
 * each a whole day) into a period.  Returns FT_OK, or FT_EFAIL with a
 * message in err: not a date, or to before from.
 */
int ft_times_period_parse(const char *from, const char *to, int64_t now,
			   ft_period *p, char *err, size_t errlen);

/* Parse "YYYY-MM": FT_OK, or FT_EFAIL when it is not one. */
int ft_times_period_parse_month(const char *ym, ft_period *p);

#endif
