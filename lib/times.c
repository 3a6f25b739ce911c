/*
 * times — instants, RFC 3339 and local days.
 */
#include "times.h"
#include "errors.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t
ft_time_now(void)
{
	const char *pin = getenv("FT_NOW");
	int64_t ms;

	if (pin && *pin && ft_time_parse(pin, 0, 0, &ms) == 0)
		return ms;
	return ft_time_wall();
}

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ft_time_wall(void)
{
	return clock_ms(CLOCK_REALTIME);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

char *
ft_time_format(int64_t ms, char *buf)
{
	time_t sec = (time_t)floor_div(ms, 1000);
	int milli = (int)(ms - (int64_t)sec * 1000);
	struct tm tm;

	char tmp[64];

	gmtime_r(&sec, &tm);
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, milli);
	tmp[FT_TIME_BUFSZ - 1] = '\0';	/* years past 9999 only */
	memcpy(buf, tmp, FT_TIME_BUFSZ);
	return buf;
}

char *
ft_time_date(int64_t ms, char *buf)
{
	struct tm tm;
	char tmp[48];

	ft_time_local(ms, &tm);
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday);
	tmp[10] = '\0';
	memcpy(buf, tmp, 11);
	return buf;
}

/* Local midnight of year-mon-mday (mday may overflow; mktime normalises). */
static int64_t
local_midnight(int year, int mon, int mday)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = mday;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

int64_t
ft_time_day_add(int64_t ms, int n)
{
	struct tm tm;

	ft_time_local(ms, &tm);
	return local_midnight(tm.tm_year + 1900, tm.tm_mon, tm.tm_mday + n);
}

int64_t
ft_time_day_start(int64_t ms)
{
	return ft_time_day_add(ms, 0);
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

static int
parse_datetime(const char *s, int end_of_day, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, milli = 0, off = 0;
	int has_time = 0, has_zone = 0;
	const char *p;

	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		has_time = 1;
		if (digits(p + 1, 2, &h) || p[3] != ':' ||
		    digits(p + 4, 2, &mi))
			return -1;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec))
				return -1;
			p += 3;
			if (*p == '.' || *p == ',') {
				int scale = 100;

				p++;
				if (!isdigit((unsigned char)*p))
					return -1;
				for (; isdigit((unsigned char)*p); p++) {
					milli += (*p - '0') * scale;
					scale /= 10;
				}
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (*p == 'Z' || *p == 'z') {
			has_zone = 1;
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om, sign = *p == '-' ? -1 : 1;

			if (digits(p + 1, 2, &oh) || p[3] != ':' ||
			    digits(p + 4, 2, &om))
				return -1;
			off = sign * (oh * 60 + om);
			has_zone = 1;
			p += 6;
		}
	}
	if (*p)
		return -1;
	if (!has_time) {
		*out = local_midnight(y, mo - 1, d + (end_of_day ? 1 : 0));
		return 0;
	}
	if (has_zone) {
		int64_t days = days_from_civil(y, mo, d);

		*out = ((days * 86400 + h * 3600 + mi * 60 + sec) -
			(int64_t)off * 60) * 1000 + milli;
	} else {
		struct tm tm;

		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = sec;
		tm.tm_isdst = -1;
		*out = (int64_t)mktime(&tm) * 1000 + milli;
	}
	return 0;
}

int
ft_time_parse(const char *s, int64_t now, int end_of_day, int64_t *out)
{
	char *end;
	long long n;

	if (!s || !*s)
		return FT_EFAIL;
	if (!strcmp(s, "now")) {
		*out = now;
		return FT_OK;
	}
	if (!strcmp(s, "today")) {
		*out = ft_time_day_add(now, end_of_day ? 1 : 0);
		return FT_OK;
	}
	if (!strcmp(s, "yesterday")) {
		*out = ft_time_day_add(now, end_of_day ? 0 : -1);
		return FT_OK;
	}
	if (isdigit((unsigned char)s[0]) && !strchr(s, '-')) {
		n = strtoll(s, &end, 10);
		if (n < 0 || n > 100000 || end[0] == '\0' || end[1] != '\0')
			return FT_EFAIL;
		switch (end[0]) {
		case 'd': *out = now - n * FT_MS_PER_DAY; return FT_OK;
		case 'h': *out = now - n * 3600000LL; return FT_OK;
		case 'm': *out = now - n * 60000LL; return FT_OK;
		default: return FT_EFAIL;
		}
	}
	return parse_datetime(s, end_of_day, out) == 0 ? FT_OK : FT_EFAIL;
}

int64_t
ft_time_mono(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

double
ft_time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* --- periods of whole local days --- */

/* Days from 1970-01-01 to the date YYYY-MM-DD; 0 when it is not one. */
static int64_t
date_days(const char *date)
{
	int y, m, d;

	if (sscanf(date, "%d-%d-%d", &y, &m, &d) != 3)
		return 0;
	return days_from_civil(y, m, d);
}

void
ft_time_local(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)floor_div(ms, 1000);

	localtime_r(&t, tm);
}

int
ft_times_period(int64_t first, int64_t last, ft_period *p)
{
	int64_t a = ft_time_day_start(first), b = ft_time_day_start(last);

	if (b < a)
		return FT_EFAIL;
	memset(p, 0, sizeof *p);
	p->since = a;
	p->until = ft_time_day_add(b, 1);
	ft_time_date(a, p->first);
	ft_time_date(b, p->last);
	p->days = (int)(date_days(p->last) - date_days(p->first) + 1);
	return FT_OK;
}

int
ft_times_period_month(int year, int month, ft_period *p)
{
	int64_t first, next;

	if (year < 1970 || year > 9999 || month < 1 || month > 12)
		return FT_EFAIL;
	first = local_midnight(year, month - 1, 1);
	next = local_midnight(year, month + 1 - 1, 1);
	return ft_times_period(first, ft_time_day_add(next, -1), p);
}

void
ft_times_period_named(enum ft_period_name name, int n, int64_t now,
		       ft_period *p)
{
	struct tm tm;
	int monday;

	ft_time_local(now, &tm);
	monday = (tm.tm_wday + 6) % 7;	/* days since Monday */
	switch (name) {
	case FT_PERIOD_TODAY:
		ft_times_period(now, now, p);
		break;
	case FT_PERIOD_YESTERDAY:
		ft_times_period(ft_time_day_add(now, -1),
				 ft_time_day_add(now, -1), p);
		break;
	case FT_PERIOD_THIS_WEEK:
		ft_times_period(ft_time_day_add(now, -monday), now, p);
		break;
	case FT_PERIOD_LAST_WEEK:
		ft_times_period(ft_time_day_add(now, -monday - 7),
				 ft_time_day_add(now, -monday - 1), p);
		break;
	case FT_PERIOD_THIS_MONTH:
		ft_times_period(local_midnight(tm.tm_year + 1900, tm.tm_mon + 1 - 1, 1),
				 now, p);
		break;
	case FT_PERIOD_LAST_MONTH:
		if (tm.tm_mon == 0)
			ft_times_period_month(tm.tm_year + 1899, 12, p);
		else
			ft_times_period_month(tm.tm_year + 1900, tm.tm_mon,
					       p);
		break;
	case FT_PERIOD_THIS_YEAR:
		ft_times_period(local_midnight(tm.tm_year + 1900, 1 - 1, 1), now, p);
		break;
	case FT_PERIOD_LAST_YEAR:
		ft_times_period(local_midnight(tm.tm_year + 1899, 1 - 1, 1),
				 local_midnight(tm.tm_year + 1899, 12 - 1, 31), p);
		break;
	case FT_PERIOD_LAST_DAYS:
		ft_times_period(ft_time_day_add(now, -(n > 1 ? n - 1 : 0)),
				 now, p);
		break;
	}
}

/* A whole day: YYYY-MM-DD, today or yesterday. */
static int
parse_day(const char *s, int64_t now, int64_t *out)
{
	int i;

	if (strcmp(s, "today") && strcmp(s, "yesterday")) {
		if (strlen(s) != 10)
			return -1;
		for (i = 0; i < 10; i++)
			if (i == 4 || i == 7 ? s[i] != '-'
			    : !isdigit((unsigned char)s[i]))
				return -1;
	}
	return ft_time_parse(s, now, 0, out);
}

int
ft_times_period_parse(const char *from, const char *to, int64_t now,
		       ft_period *p, char *err, size_t errlen)
{
	int64_t a, b;

	if (parse_day(from, now, &a) != 0) {
		ft_seterr(err, errlen, "not a date: '%s' (YYYY-MM-DD)", from);
		return FT_EFAIL;
	}
	if (parse_day(to, now, &b) != 0) {
		ft_seterr(err, errlen, "not a date: '%s' (YYYY-MM-DD)", to);
		return FT_EFAIL;
	}
	if (ft_times_period(a, b, p) != 0) {
		ft_seterr(err, errlen, "'%s' is before '%s'", to, from);
		return FT_EFAIL;
	}
	return FT_OK;
}

int
ft_times_period_parse_month(const char *ym, ft_period *p)
{
	int i;

	if (strlen(ym) != 7 || ym[4] != '-')
		return FT_EFAIL;
	for (i = 0; i < 7; i++)
		if (i != 4 && !isdigit((unsigned char)ym[i]))
			return FT_EFAIL;
	return ft_times_period_month(atoi(ym), atoi(ym + 5), p);
}

