/*
 * Unit tests of the periods the offline chat reads in a question: each
 * row is a question, a fixed now and TZ, and the days it must mean (or
 * the span up to now, or no period at all: the engine then counts all
 * time, or asks).  Dates are local days; now is given in UTC.
 */
#include "chat_priv.h"
#include "clock.h"
#include "tap.h"

#include <stdlib.h>
#include <time.h>

#define NOV24	2026, 11, 24, 9, 15	/* a Tuesday */

static const struct row {
	const char *question;
	const char *tz;
	int y, mo, d, h, mi;	/* now, UTC */
	enum chat_when_kind kind;
	/* CHAT_WHEN_DAYS: the days; CHAT_WHEN_SPAN: the tool's since. */
	const char *first, *last;
	const char *desc;
} rows[] = {
	{ "how many visits today?", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-11-24", "2026-11-24", "today (2026-11-24)" },
	{ "visits yesterday", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-11-23", "2026-11-23", "yesterday (2026-11-23)" },
	{ "How many customers visited THIS WEEK?", "UTC", NOV24,
	  CHAT_WHEN_DAYS, "2026-11-23", "2026-11-24",
	  "this week (2026-11-23 to 2026-11-24)" },
	{ "how many customers visited last week?", "UTC", NOV24,
	  CHAT_WHEN_DAYS, "2026-11-16", "2026-11-22",
	  "last week (2026-11-16 to 2026-11-22)" },
	{ "visits the previous week", "UTC", 2026, 1, 1, 8, 0,
	  CHAT_WHEN_DAYS, "2025-12-22", "2025-12-28",
	  "previous week (2025-12-22 to 2025-12-28)" },
	{ "new customers this month", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-11-01", "2026-11-24",
	  "this month (2026-11-01 to 2026-11-24)" },
	{ "visits last month", "UTC", 2026, 1, 10, 12, 0, CHAT_WHEN_DAYS,
	  "2025-12-01", "2025-12-31",
	  "last month (2025-12-01 to 2025-12-31)" },
	{ "visits this year", "UTC", NOV24, CHAT_WHEN_DAYS, "2026-01-01",
	  "2026-11-24", "this year (2026-01-01 to 2026-11-24)" },
	{ "visits last year", "UTC", NOV24, CHAT_WHEN_DAYS, "2025-01-01",
	  "2025-12-31", "last year (2025-01-01 to 2025-12-31)" },
	{ "visits in the last 7 days", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-11-18", "2026-11-24",
	  "in the last 7 days (2026-11-18 to 2026-11-24)" },
	{ "visits in the past two weeks", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-11-11", "2026-11-24",
	  "in the last 14 days (2026-11-11 to 2026-11-24)" },
	{ "visitors the past week", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-11-18", "2026-11-24",
	  "in the last 7 days (2026-11-18 to 2026-11-24)" },
	{ "visitors the past month", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-10-26", "2026-11-24",
	  "in the last 30 days (2026-10-26 to 2026-11-24)" },
	/* The calendar month's name wins over a span. */
	{ "visitors the last month", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-10-01", "2026-10-31",
	  "last month (2026-10-01 to 2026-10-31)" },
	{ "visits the last day", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-11-24", "2026-11-24", "today (2026-11-24)" },
	{ "visits in the last 3 hours", "UTC", NOV24, CHAT_WHEN_SPAN,
	  "3h", "now", "in the last 3 hours" },
	{ "visits in the last minute", "UTC", NOV24, CHAT_WHEN_NONE,
	  NULL, NULL, "in all" },
	{ "visits in the last 1 minute", "UTC", NOV24, CHAT_WHEN_SPAN,
	  "1m", "now", "in the last 1 minute" },
	{ "how many visits in March?", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-03-01", "2026-03-31",
	  "in 2026-03 (2026-03-01 to 2026-03-31)" },
	/* Two dates make a range only when joined as one. */
	{ "visits 2026-11-01 2026-11-08", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-11-01", "2026-11-01", "on 2026-11-01" },
	{ "visits between 2026-11-08 and 2026-11-01", "UTC", NOV24,
	  CHAT_WHEN_DAYS, "2026-11-01", "2026-11-08",
	  "from 2026-11-01 to 2026-11-08" },
	/* A bound without a start is no period. */
	{ "visits until 2026-11-08", "UTC", NOV24, CHAT_WHEN_NONE,
	  NULL, NULL, "in all" },
	{ "visits in december", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2025-12-01", "2025-12-31",
	  "in 2025-12 (2025-12-01 to 2025-12-31)" },
	{ "visits november 2025", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2025-11-01", "2025-11-30",
	  "in 2025-11 (2025-11-01 to 2025-11-30)" },
	{ "visits in may", "UTC", NOV24, CHAT_WHEN_DAYS, "2026-05-01",
	  "2026-05-31", "in 2026-05 (2026-05-01 to 2026-05-31)" },
	{ "may I see the visits", "UTC", NOV24, CHAT_WHEN_NONE, NULL, NULL,
	  "in all" },
	{ "visits in 2024-02", "UTC", NOV24, CHAT_WHEN_DAYS, "2024-02-01",
	  "2024-02-29", "in 2024-02 (2024-02-01 to 2024-02-29)" },
	{ "visits on 2026-11-20", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-11-20", "2026-11-20", "on 2026-11-20" },
	{ "visits from 2026-11-01 to 2026-11-15", "UTC", NOV24,
	  CHAT_WHEN_DAYS, "2026-11-01", "2026-11-15",
	  "from 2026-11-01 to 2026-11-15" },
	{ "visits from 2026-11-15 to 2026-11-01", "UTC", NOV24,
	  CHAT_WHEN_DAYS, "2026-11-01", "2026-11-15",
	  "from 2026-11-01 to 2026-11-15" },
	{ "visits since 2026-11-20", "UTC", NOV24, CHAT_WHEN_DAYS,
	  "2026-11-20", "2026-11-24", "since 2026-11-20 (2026-11-20 to "
	  "2026-11-24)" },
	{ "visits since Monday", "UTC", NOV24, CHAT_WHEN_NONE, NULL, NULL,
	  "in all" },
	{ "how many customers?", "UTC", NOV24, CHAT_WHEN_NONE, NULL, NULL,
	  "in all" },
	{ "visits in the last 0 days", "UTC", NOV24, CHAT_WHEN_NONE, NULL,
	  NULL, "in all" },
	{ "visits in the last 5000 days", "UTC", NOV24, CHAT_WHEN_NONE,
	  NULL, NULL, "in all" },
	{ "visits on 2026-02-30", "UTC", NOV24, CHAT_WHEN_NONE, NULL, NULL,
	  "in all" },
	/* Local days, not UTC's. */
	{ "visits today", "Europe/Berlin", 2026, 11, 23, 23, 30,
	  CHAT_WHEN_DAYS, "2026-11-24", "2026-11-24", "today (2026-11-24)" },
	{ "visits today", "America/New_York", 2026, 11, 24, 3, 0,
	  CHAT_WHEN_DAYS, "2026-11-23", "2026-11-23", "today (2026-11-23)" },
	{ "visits yesterday", "Europe/Berlin", 2026, 10, 25, 23, 30,
	  CHAT_WHEN_DAYS, "2026-10-25", "2026-10-25",
	  "yesterday (2026-10-25)" },
	{ "visits in march", "Europe/Berlin", NOV24, CHAT_WHEN_DAYS,
	  "2026-03-01", "2026-03-31",
	  "in 2026-03 (2026-03-01 to 2026-03-31)" },
	{ "visits this year", "Europe/Berlin", 2026, 12, 31, 23, 30,
	  CHAT_WHEN_DAYS, "2027-01-01", "2027-01-01",
	  "this year (2027-01-01)" },
};

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		const char *q = r->question;
		chat_when w;

		set_tz(r->tz);
		chat_when_parse(q, utc(r->y, r->mo, r->d, r->h, r->mi, 0, 0),
				&w);
		is_int(w.kind, r->kind, "'%s' (%s): kind", q, r->tz);
		is_str(w.desc, r->desc, "'%s' (%s): described", q, r->tz);
		if (r->kind == CHAT_WHEN_DAYS) {
			is_str(w.p.first, r->first, "'%s': first day", q);
			is_str(w.p.last, r->last, "'%s': last day", q);
			is_str(w.since, r->first, "'%s': tool's since", q);
			is_str(w.until, r->last, "'%s': tool's until", q);
		} else if (r->kind == CHAT_WHEN_SPAN) {
			is_str(w.since, r->first, "'%s': tool's since", q);
			is_str(w.until, r->last, "'%s': tool's until", q);
		}
	}
	return done();
}
