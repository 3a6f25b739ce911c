/*
 * Unit tests of lib/times' report periods: the named periods as seen at
 * a fixed now, calendar months, --from/--to dates and "YYYY-MM", around
 * month and year ends, a leap day, and across Berlin's daylight-saving
 * changes (days of 23 and 25 hours).  Each row is one case.
 */
#include "times.h"
#include "clock.h"
#include "tap.h"

#include <stdlib.h>
#include <time.h>

#define H	(3600 * 1000LL)

/* A period's days, and its length in hours (24 a day but on a change
 * of daylight-saving time). */
static void
is_period(const ft_period *p, const char *first, const char *last, int days,
	  long long hours, const char *what)
{
	is_str(p->first, first, "%s: first day", what);
	is_str(p->last, last, "%s: last day", what);
	is_int(p->days, days, "%s: days", what);
	is_int((p->until - p->since) / H, hours, "%s: hours", what);
}

static const struct named_row {
	const char *tz;
	int y, mo, d, h, mi;	/* now, UTC */
	enum ft_period_name name;
	int n;
	const char *first, *last;
	int days;
	long long hours;
	const char *what;
} named_rows[] = {
	{ "UTC", 2026, 11, 24, 9, 15, FT_PERIOD_TODAY, 0,
	  "2026-11-24", "2026-11-24", 1, 24, "today" },
	{ "UTC", 2026, 3, 1, 0, 0, FT_PERIOD_YESTERDAY, 0,
	  "2026-02-28", "2026-02-28", 1, 24, "yesterday, month end" },
	{ "UTC", 2024, 3, 1, 12, 0, FT_PERIOD_YESTERDAY, 0,
	  "2024-02-29", "2024-02-29", 1, 24, "yesterday, leap day" },
	{ "UTC", 2026, 11, 24, 9, 15, FT_PERIOD_THIS_WEEK, 0,
	  "2026-11-23", "2026-11-24", 2, 48, "this week on a Tuesday" },
	{ "UTC", 2026, 11, 23, 0, 0, FT_PERIOD_THIS_WEEK, 0,
	  "2026-11-23", "2026-11-23", 1, 24, "this week on its Monday" },
	{ "UTC", 2026, 11, 29, 23, 59, FT_PERIOD_THIS_WEEK, 0,
	  "2026-11-23", "2026-11-29", 7, 168, "this week on its Sunday" },
	{ "UTC", 2026, 11, 24, 9, 15, FT_PERIOD_LAST_WEEK, 0,
	  "2026-11-16", "2026-11-22", 7, 168, "last week" },
	{ "UTC", 2026, 1, 1, 8, 0, FT_PERIOD_LAST_WEEK, 0,
	  "2025-12-22", "2025-12-28", 7, 168, "last week over new year" },
	{ "UTC", 2026, 11, 24, 9, 15, FT_PERIOD_THIS_MONTH, 0,
	  "2026-11-01", "2026-11-24", 24, 576, "this month" },
	{ "UTC", 2026, 1, 15, 9, 0, FT_PERIOD_LAST_MONTH, 0,
	  "2025-12-01", "2025-12-31", 31, 744, "last month in January" },
	{ "UTC", 2026, 3, 31, 9, 0, FT_PERIOD_LAST_MONTH, 0,
	  "2026-02-01", "2026-02-28", 28, 672, "last month: February" },
	{ "UTC", 2026, 11, 24, 9, 15, FT_PERIOD_THIS_YEAR, 0,
	  "2026-01-01", "2026-11-24", 328, 328 * 24, "this year" },
	{ "UTC", 2026, 1, 1, 0, 0, FT_PERIOD_LAST_YEAR, 0,
	  "2025-01-01", "2025-12-31", 365, 365 * 24, "last year" },
	{ "UTC", 2025, 2, 1, 0, 0, FT_PERIOD_LAST_YEAR, 0,
	  "2024-01-01", "2024-12-31", 366, 366 * 24, "last year, a leap one" },
	{ "UTC", 2026, 11, 24, 9, 15, FT_PERIOD_LAST_DAYS, 7,
	  "2026-11-18", "2026-11-24", 7, 168, "last 7 days" },
	{ "UTC", 2026, 11, 24, 9, 15, FT_PERIOD_LAST_DAYS, 1,
	  "2026-11-24", "2026-11-24", 1, 24, "last 1 day is today" },
	{ "UTC", 2026, 11, 24, 9, 15, FT_PERIOD_LAST_DAYS, 0,
	  "2026-11-24", "2026-11-24", 1, 24, "last 0 days is today" },
	{ "UTC", 2026, 3, 2, 9, 0, FT_PERIOD_LAST_DAYS, 3,
	  "2026-02-28", "2026-03-02", 3, 72, "last 3 days over a month end" },
	{ "Europe/Berlin", 2026, 11, 23, 23, 30, FT_PERIOD_TODAY, 0,
	  "2026-11-24", "2026-11-24", 1, 24, "Berlin: today after midnight" },
	{ "Europe/Berlin", 2026, 3, 29, 10, 0, FT_PERIOD_TODAY, 0,
	  "2026-03-29", "2026-03-29", 1, 23, "Berlin: today, clocks forward" },
	{ "Europe/Berlin", 2026, 10, 25, 23, 30, FT_PERIOD_YESTERDAY, 0,
	  "2026-10-25", "2026-10-25", 1, 25,
	  "Berlin: yesterday, clocks back" },
	{ "Europe/Berlin", 2026, 10, 26, 12, 0, FT_PERIOD_LAST_DAYS, 3,
	  "2026-10-24", "2026-10-26", 3, 73,
	  "Berlin: 3 days over clocks back" },
	{ "Europe/Berlin", 2026, 4, 1, 12, 0, FT_PERIOD_LAST_MONTH, 0,
	  "2026-03-01", "2026-03-31", 31, 743,
	  "Berlin: March, clocks forward" },
	{ "Europe/Berlin", 2026, 12, 31, 23, 30, FT_PERIOD_THIS_YEAR, 0,
	  "2027-01-01", "2027-01-01", 1, 24, "Berlin: new year before UTC's" },
};

static void
test_named(void)
{
	size_t i;
	ft_period p;

	for (i = 0; i < sizeof named_rows / sizeof named_rows[0]; i++) {
		const struct named_row *r = &named_rows[i];

		set_tz(r->tz);
		ft_times_period_named(r->name, r->n, utc(r->y, r->mo, r->d,
				      r->h, r->mi, 0, 0), &p);
		is_period(&p, r->first, r->last, r->days, r->hours, r->what);
	}
}

static const struct month_row {
	const char *tz;
	const char *ym;		/* for ft_times_period_parse_month */
	int year, month;	/* for ft_times_period_month */
	const char *first, *last;	/* NULL: refused */
	int days;
	long long hours;
} month_rows[] = {
	{ "UTC", "2026-11", 2026, 11, "2026-11-01", "2026-11-30", 30, 720 },
	{ "UTC", "2026-02", 2026, 2, "2026-02-01", "2026-02-28", 28, 672 },
	{ "UTC", "2024-02", 2024, 2, "2024-02-01", "2024-02-29", 29, 696 },
	{ "UTC", "2026-12", 2026, 12, "2026-12-01", "2026-12-31", 31, 744 },
	{ "UTC", "1970-01", 1970, 1, "1970-01-01", "1970-01-31", 31, 744 },
	{ "Europe/Berlin", "2026-03", 2026, 3, "2026-03-01", "2026-03-31", 31,
	  743 },
	{ "Europe/Berlin", "2026-10", 2026, 10, "2026-10-01", "2026-10-31", 31,
	  745 },
	{ "UTC", "2026-13", 2026, 13, NULL, NULL, 0, 0 },
	{ "UTC", "2026-00", 2026, 0, NULL, NULL, 0, 0 },
	{ "UTC", "1969-12", 1969, 12, NULL, NULL, 0, 0 },
};

static void
test_months(void)
{
	size_t i;
	ft_period p;

	for (i = 0; i < sizeof month_rows / sizeof month_rows[0]; i++) {
		const struct month_row *r = &month_rows[i];
		int rc;

		set_tz(r->tz);
		rc = ft_times_period_month(r->year, r->month, &p);
		if (!r->first) {
			is_int(rc, -1, "month %d-%d refused", r->year,
			       r->month);
			is_int(ft_times_period_parse_month(r->ym, &p), -1,
			       "'%s' refused", r->ym);
			continue;
		}
		is_int(rc, 0, "month %s taken", r->ym);
		is_period(&p, r->first, r->last, r->days, r->hours, r->ym);
		memset(&p, 0, sizeof p);
		is_int(ft_times_period_parse_month(r->ym, &p), 0, "'%s' read",
		       r->ym);
		is_str(p.last, r->last, "'%s': last day", r->ym);
	}
	is_int(ft_times_period_parse_month("2026-1", &p), -1, "'2026-1'");
	is_int(ft_times_period_parse_month("2026/11", &p), -1, "'2026/11'");
	is_int(ft_times_period_parse_month("2026-11-01", &p), -1,
	       "'2026-11-01' is a day, not a month");
	is_int(ft_times_period_parse_month("nov-2026", &p), -1, "'nov-2026'");
}

static const struct range_row {
	const char *tz;
	const char *from, *to;
	const char *first, *last;	/* NULL: refused with err */
	int days;
	long long hours;
	const char *err;
} range_rows[] = {
	{ "UTC", "2026-11-01", "2026-11-15", "2026-11-01", "2026-11-15", 15,
	  360, NULL },
	{ "UTC", "today", "today", "2026-11-24", "2026-11-24", 1, 24, NULL },
	{ "UTC", "yesterday", "today", "2026-11-23", "2026-11-24", 2, 48,
	  NULL },
	{ "UTC", "2025-12-31", "2026-01-01", "2025-12-31", "2026-01-01", 2,
	  48, NULL },
	{ "Europe/Berlin", "2026-03-28", "2026-03-30", "2026-03-28",
	  "2026-03-30", 3, 71, NULL },
	{ "UTC", "2026-11-15", "2026-11-01", NULL, NULL, 0, 0,
	  "'2026-11-01' is before '2026-11-15'" },
	{ "UTC", "2026-11-1", "2026-11-15", NULL, NULL, 0, 0,
	  "not a date: '2026-11-1' (YYYY-MM-DD)" },
	{ "UTC", "2026-11-01", "7d", NULL, NULL, 0, 0,
	  "not a date: '7d' (YYYY-MM-DD)" },
	{ "UTC", "now", "today", NULL, NULL, 0, 0,
	  "not a date: 'now' (YYYY-MM-DD)" },
};

static void
test_ranges(void)
{
	int64_t now = utc(2026, 11, 24, 9, 15, 0, 0);
	size_t i;
	ft_period p;
	char err[128];

	for (i = 0; i < sizeof range_rows / sizeof range_rows[0]; i++) {
		const struct range_row *r = &range_rows[i];
		char what[64];
		int rc;

		set_tz(r->tz);
		snprintf(what, sizeof what, "--from %s --to %s", r->from,
			 r->to);
		err[0] = '\0';
		rc = ft_times_period_parse(r->from, r->to, now, &p, err,
					   sizeof err);
		if (!r->first) {
			is_int(rc, -1, "%s: refused", what);
			is_str(err, r->err, "%s: the message", what);
			continue;
		}
		is_int(rc, 0, "%s: taken", what);
		is_period(&p, r->first, r->last, r->days, r->hours, what);
	}
	set_tz("UTC");
	is_int(ft_times_period(utc(2026, 11, 2, 0, 0, 0, 0),
			       utc(2026, 11, 1, 23, 0, 0, 0), &p), -1,
	       "period: last before first");
	is_int(ft_times_period(utc(2026, 11, 1, 23, 0, 0, 0),
			       utc(2026, 11, 1, 1, 0, 0, 0), &p), 0,
	       "period: one day, times in any order");
	is_period(&p, "2026-11-01", "2026-11-01", 1, 24, "period of one day");
}

int
main(void)
{
	/* The plan follows the tables: done() prints it. */
	test_named();
	test_months();
	test_ranges();
	return done();
}
