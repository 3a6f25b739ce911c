/*
 * Unit tests of lib/schedule: window specs and their refusals, whether a
 * time lies inside a window and when that stretch ends, and the crontab
 * block as text (composed, found among foreign lines, read back, spliced
 * in and out).  Nothing here runs crontab.  Expected instants come from
 * mktime() in Europe/Berlin, not from the module.
 */
#include "schedule.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SELF "/opt/ft/bin/ft-schedule"
#define REPORT "/opt/ft/bin/ft-report"
#define ENROLL "/opt/ft/bin/ft-enroll"
#define PURGE "15 4 * * * '" ENROLL "' purge >/dev/null\n"
#define BEGIN "# BEGIN FaceTrack schedule (written by ft-schedule; " \
	"change it with ft-schedule)\n"
#define END "# END FaceTrack schedule\n"

/* Milliseconds of a local calendar time in November 2026 (the 23rd is a
 * Monday); day 30 and on run into December. */
static int64_t
nov(int d, int h, int mi)
{
	struct tm tm = { 0 };

	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

/* A window from the three strings a user types; FT_OK or FT_EINVAL. */
static int
window(const char *days, const char *from, const char *to, ft_window *w)
{
	w->days = ft_schedule_parse_days(days);
	w->from = ft_schedule_parse_time(from);
	w->to = ft_schedule_parse_time(to);
	if (w->from < 0 || w->to < 0 || !w->days)
		return FT_EINVAL;
	return ft_schedule_check_window(w);
}

static void
test_times(void)
{
	static const struct {
		const char *s;
		int want;
	} rows[] = {
		{ "00:00", 0 }, { "09:05", 545 }, { "23:59", 1439 },
		{ "12:30", 750 },
		{ "24:00", -1 }, { "25:00", -1 }, { "23:60", -1 },
		{ "9:00", -1 }, { "09:0", -1 }, { "009:00", -1 },
		{ "09:00:00", -1 }, { "09-00", -1 }, { "ab:cd", -1 },
		{ " 9:00", -1 }, { "+9:00", -1 }, { "", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof *rows; i++)
		is_int(ft_schedule_parse_time(rows[i].s), rows[i].want,
		       "time '%s'", rows[i].s);
	is_int(ft_schedule_parse_time(NULL), -1, "time NULL");
}

static void
test_days(void)
{
	static const struct {
		const char *s;
		unsigned want;
		const char *shortest;	/* formatted back; NULL: refused */
	} rows[] = {
		{ "mon-fri", 0x3e, "mon-fri" },
		{ "mon-sat", 0x7e, "mon-sat" },
		{ "MON-Fri", 0x3e, "mon-fri" },
		{ "sun", 0x01, "sun" },
		{ "mon,wed,fri", 0x2a, "mon,wed,fri" },
		{ "mon,tue,wed", 0x0e, "mon-wed" },
		{ "fri-mon", 0x63, "mon,fri-sun" },
		{ "sat-sun", 0x41, "sat-sun" },
		{ "sun-sat", 0x7f, "daily" },
		{ "daily", 0x7f, "daily" },
		{ "all", 0x7f, "daily" },
		{ "*", 0x7f, "daily" },
		{ "mon,mon", 0x02, "mon" },
		{ "", 0, NULL },
		{ "monday", 0, NULL },
		{ "mo", 0, NULL },
		{ "mon,", 0, NULL },
		{ ",mon", 0, NULL },
		{ "mon-", 0, NULL },
		{ "-fri", 0, NULL },
		{ "mon--fri", 0, NULL },
		{ "mon-fri-sat", 0, NULL },
		{ "mon fri", 0, NULL },
		{ "xyz", 0, NULL },
		{ "weekdays", 0, NULL },
	};
	char buf[32], *overlong;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof *rows; i++) {
		unsigned got = ft_schedule_parse_days(rows[i].s);

		is_int(got, rows[i].want, "days '%s'", rows[i].s);
		if (rows[i].shortest)
			is_str(ft_schedule_format_days(got, buf),
			       rows[i].shortest, "days '%s' formatted",
			       rows[i].s);
	}
	is_int(ft_schedule_parse_days(NULL), 0, "days NULL");
	overlong = malloc(4097);
	memset(overlong, 'm', 4096);
	overlong[4096] = '\0';
	is_int(ft_schedule_parse_days(overlong), 0, "days: 4096 bytes");
	free(overlong);
}

static void
test_specs(void)
{
	static const struct {
		const char *days, *from, *to;
		int want;
	} rows[] = {
		{ "mon-fri", "09:00", "18:00", FT_OK },
		{ "daily", "22:00", "06:00", FT_OK },
		{ "sun", "00:00", "23:59", FT_OK },
		{ "mon-fri", "09:00", "09:00", FT_EINVAL },
		{ "mon-fri", "25:00", "18:00", FT_EINVAL },
		{ "mon-fri", "09:00", "24:00", FT_EINVAL },
		{ "mon-fro", "09:00", "18:00", FT_EINVAL },
		{ "", "09:00", "18:00", FT_EINVAL },
		{ "mon-fri", "", "18:00", FT_EINVAL },
		{ "mon-fri", "9", "18:00", FT_EINVAL },
	};
	static const struct {
		ft_window w;
		int want;
		const char *what;
	} raw[] = {
		{ { 540, 1080, 0x3e }, FT_OK, "a working day" },
		{ { 1320, 360, 0x01 }, FT_OK, "a night" },
		{ { -1, 1080, 0x3e }, FT_EINVAL, "from before midnight" },
		{ { 540, 1440, 0x3e }, FT_EINVAL, "to of 24:00" },
		{ { 1440, 60, 0x3e }, FT_EINVAL, "from of 24:00" },
		{ { 540, 1080, 0 }, FT_EINVAL, "no day" },
		{ { 540, 1080, 0x80 }, FT_EINVAL, "an eighth day only" },
	};
	ft_window w;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof *rows; i++)
		is_int(window(rows[i].days, rows[i].from, rows[i].to, &w),
		       rows[i].want, "spec '%s %s-%s'", rows[i].days,
		       rows[i].from, rows[i].to);
	for (i = 0; i < sizeof raw / sizeof *raw; i++)
		is_int(ft_schedule_check_window(&raw[i].w), raw[i].want,
		       "check: %s", raw[i].what);
}

static void
test_inside(void)
{
	/* Day numbers are of November 2026: 23 Monday ... 29 Sunday. */
	static const struct {
		const char *days, *from, *to;
		int d, h, m;		/* the time asked about */
		int inside;
		int ud, uh, um;		/* the end of that stretch */
	} rows[] = {
		{ "mon-fri", "09:00", "18:00", 23, 10, 0, 1, 23, 18, 0 },
		{ "mon-fri", "09:00", "18:00", 23, 9, 0, 1, 23, 18, 0 },
		{ "mon-fri", "09:00", "18:00", 23, 17, 59, 1, 23, 18, 0 },
		{ "mon-fri", "09:00", "18:00", 23, 8, 59, 0, 0, 0, 0 },
		{ "mon-fri", "09:00", "18:00", 23, 18, 0, 0, 0, 0, 0 },
		{ "mon-fri", "09:00", "18:00", 27, 12, 0, 1, 27, 18, 0 },
		{ "mon-fri", "09:00", "18:00", 28, 12, 0, 0, 0, 0, 0 },
		{ "mon-fri", "09:00", "18:00", 29, 12, 0, 0, 0, 0, 0 },
		{ "sat-sun", "10:30", "16:45", 29, 16, 44, 1, 29, 16, 45 },
		{ "sat-sun", "10:30", "16:45", 30, 12, 0, 0, 0, 0, 0 },
		/* Across midnight: the evening of a listed day and the
		 * early hours of the next. */
		{ "mon", "22:00", "06:00", 23, 22, 0, 1, 24, 6, 0 },
		{ "mon", "22:00", "06:00", 23, 23, 59, 1, 24, 6, 0 },
		{ "mon", "22:00", "06:00", 24, 3, 0, 1, 24, 6, 0 },
		{ "mon", "22:00", "06:00", 24, 6, 0, 0, 0, 0, 0 },
		{ "mon", "22:00", "06:00", 23, 3, 0, 0, 0, 0, 0 },
		{ "mon", "22:00", "06:00", 24, 22, 30, 0, 0, 0, 0 },
		{ "mon", "22:00", "06:00", 23, 21, 59, 0, 0, 0, 0 },
		{ "fri-mon", "22:00", "06:00", 28, 5, 59, 1, 28, 6, 0 },
		{ "fri-mon", "22:00", "06:00", 29, 23, 0, 1, 30, 6, 0 },
		{ "fri-mon", "22:00", "06:00", 24, 5, 0, 1, 24, 6, 0 },
		{ "fri-mon", "22:00", "06:00", 25, 5, 0, 0, 0, 0, 0 },
		{ "daily", "00:00", "23:59", 29, 12, 0, 1, 29, 23, 59 },
		{ "daily", "00:00", "23:59", 29, 23, 59, 0, 0, 0, 0 },
		{ "daily", "23:59", "00:00", 29, 23, 59, 1, 30, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof *rows; i++) {
		int64_t until = -1, want = rows[i].inside
			? nov(rows[i].ud, rows[i].uh, rows[i].um) : -1;
		ft_window w;
		int in;

		if (window(rows[i].days, rows[i].from, rows[i].to, &w)) {
			ok(0, "spec '%s %s-%s' refused", rows[i].days,
			   rows[i].from, rows[i].to);
			continue;
		}
		in = ft_schedule_inside(&w, nov(rows[i].d, rows[i].h,
						rows[i].m), &until);
		is_int(in, rows[i].inside, "%s %s-%s at %d %02d:%02d: %s",
		       rows[i].days, rows[i].from, rows[i].to, rows[i].d,
		       rows[i].h, rows[i].m,
		       rows[i].inside ? "inside" : "outside");
		is_int(until, want, "%s %s-%s at %d %02d:%02d: %s",
		       rows[i].days, rows[i].from, rows[i].to, rows[i].d,
		       rows[i].h, rows[i].m,
		       rows[i].inside ? "until its end" : "until untouched");
	}
	ok(ft_schedule_inside(&(ft_window){ 540, 1080, 0x3e },
			      nov(23, 10, 0), NULL),
	   "inside without until");
}

static void
test_compose(void)
{
	static const struct {
		ft_schedule s;
		const char *want;
		const char *what;
	} rows[] = {
		{ { 0, { 0, 0, 0 }, 0, 0 }, "", "nothing: no block" },
		{ { 1, { 540, 1080, 0x3e }, 0, 0 },
		  BEGIN
		  "# window 09:00 18:00 mon-fri\n"
		  "0 9 * * 1-5 '" SELF "' start --in-window\n"
		  "0 18 * * 1-5 '" SELF "' stop\n"
		  "@reboot '" SELF "' start --in-window\n"
		  PURGE END, "a working-day window" },
		{ { 1, { 1350, 375, 0x63 }, 0, 0 },
		  BEGIN
		  "# window 22:30 06:15 mon,fri-sun\n"
		  "30 22 * * 0-1,5-6 '" SELF "' start --in-window\n"
		  "15 6 * * 0-2,6 '" SELF "' stop\n"
		  "@reboot '" SELF "' start --in-window\n"
		  PURGE END, "a window across midnight stops the day after" },
		{ { 1, { 0, 1439, 0x7f }, 1, 425 },
		  BEGIN
		  "# window 00:00 23:59 daily\n"
		  "0 0 * * * '" SELF "' start --in-window\n"
		  "59 23 * * * '" SELF "' stop\n"
		  "@reboot '" SELF "' start --in-window\n"
		  "# report 07:05\n"
		  "5 7 * * * '" REPORT "' --yesterday --email\n"
		  PURGE END, "a daily window and the report" },
		{ { 0, { 0, 0, 0 }, 1, 0 },
		  BEGIN
		  "# report 00:00\n"
		  "0 0 * * * '" REPORT "' --yesterday --email\n"
		  PURGE END, "the report alone" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof *rows; i++) {
		char *got = ft_schedule_compose(&rows[i].s, SELF, REPORT,
						ENROLL, err, sizeof err);
		ft_schedule back;
		size_t b, e;

		is_str(got, rows[i].want, "compose: %s", rows[i].what);
		/* What is written reads back as it was. */
		ok(got && ft_schedule_parse(got, &back, &b, &e, err,
					    sizeof err) == !!*got &&
		   !memcmp(&back, &rows[i].s, sizeof back),
		   "compose, parse: %s", rows[i].what);
		free(got);
	}
	err[0] = '\0';
	ok(!ft_schedule_compose(&rows[1].s, "/opt/it's/ft-schedule", REPORT,
				ENROLL, err, sizeof err),
	   "compose: a quote in the path is refused");
	is_str(err, "cannot write '/opt/it's/ft-schedule' into a crontab "
	       "line", "compose: the refusal names the path");
	ok(!ft_schedule_compose(&rows[3].s, SELF, "/opt/50%/ft-report",
				ENROLL, err, sizeof err),
	   "compose: a percent sign in the path is refused");
	ok(!ft_schedule_compose(&rows[1].s, "/opt/a\nb", REPORT, ENROLL,
				err, sizeof err),
	   "compose: a newline in the path is refused");
	ok(!ft_schedule_compose(&rows[4].s, SELF, REPORT, "/opt/it's/ft-enroll",
				err, sizeof err) &&
	   strstr(err, "/opt/it's/ft-enroll"),
	   "compose: a quote in the purge's path is refused, and named");
}

static void
test_parse(void)
{
	static const char block[] =
		BEGIN
		"# window 09:00 18:00 mon-fri\n"
		"0 9 * * 1-5 '" SELF "' start --in-window\n"
		"0 18 * * 1-5 '" SELF "' stop\n"
		"@reboot '" SELF "' start --in-window\n"
		"# report 07:05\n"
		"5 7 * * * '" REPORT "' --yesterday --email\n"
		END;
	static const char before[] = "MAILTO=ann@example.com\n"
		"# m h dom mon dow command\n"
		"*/5 * * * * /usr/local/bin/backup\n";
	static const char after[] = "@daily /usr/bin/true\n";
	char err[256], *text, *next;
	ft_schedule s;
	size_t b = 99, e = 99;

	text = malloc(sizeof before + sizeof block + sizeof after);
	strcpy(text, before);
	strcat(text, block);
	strcat(text, after);
	is_int(ft_schedule_parse(text, &s, &b, &e, err, sizeof err), 1,
	       "parse: the block among foreign lines is found");
	is_int(b, strlen(before), "parse: it begins after the lines before");
	is_int(e, strlen(before) + strlen(block),
	       "parse: it ends with its end line's newline");
	ok(s.has_window && s.window.from == 540 && s.window.to == 1080 &&
	   s.window.days == 0x3e, "parse: the window");
	ok(s.has_report && s.report_at == 425, "parse: the report");

	next = ft_schedule_splice(text, b, e, "");
	is_str(next, "MAILTO=ann@example.com\n"
	       "# m h dom mon dow command\n"
	       "*/5 * * * * /usr/local/bin/backup\n"
	       "@daily /usr/bin/true\n",
	       "splice: removing the block keeps the rest byte for byte");
	free(next);
	next = ft_schedule_splice(text, b, e, BEGIN "# report 08:00\n" END);
	ok(!strncmp(next, before, strlen(before)) &&
	   !strcmp(next + strlen(next) - strlen(after), after) &&
	   strstr(next, "# report 08:00\n") && !strstr(next, "# window"),
	   "splice: a new block takes the old one's place");
	free(next);
	free(text);

	is_int(ft_schedule_parse(before, &s, &b, &e, err, sizeof err), 0,
	       "parse: no block");
	ok(!s.has_window && !s.has_report, "parse: no block, no parts");
	ok(b == strlen(before) && e == b, "parse: no block, at the end");
	next = ft_schedule_splice(before, b, e, block);
	ok(!strncmp(next, before, strlen(before)) &&
	   !strcmp(next + strlen(before), block),
	   "splice: a block is appended");
	free(next);
	next = ft_schedule_splice("@daily /usr/bin/true", 20, 20, block);
	ok(!strncmp(next, "@daily /usr/bin/true\n" BEGIN, 21 + strlen(BEGIN)),
	   "splice: a last line without its newline gets one first");
	free(next);
	next = ft_schedule_splice("@daily /usr/bin/true", 20, 20, "");
	is_str(next, "@daily /usr/bin/true",
	       "splice: nothing appended, nothing added");
	free(next);
	is_int(ft_schedule_parse("", &s, &b, &e, err, sizeof err), 0,
	       "parse: an empty crontab");

	err[0] = '\0';
	is_int(ft_schedule_parse(BEGIN "# window 09:00 18:00 mon-fri\n", &s,
				 &b, &e, err, sizeof err), FT_EINVAL,
	       "parse: a block without its end line is refused");
	ok(strstr(err, "without its end line") != NULL,
	   "parse: the refusal says why");
	text = BEGIN "# window 09:00 18:00 mon-fri\n"
	       "# END FaceTrack schedule";
	is_int(ft_schedule_parse(text, &s, &b, &e, err, sizeof err), 1,
	       "parse: an end line without a final newline");
	ok(b == 0 && e == strlen(text) && s.has_window,
	   "parse: that block is all of the text");
	is_int(ft_schedule_parse(BEGIN "# window 09:00 25:00 mon-fri\n"
				 "# report 7:05\n" END, &s, &b, &e, err,
				 sizeof err), 1,
	       "parse: a block with bad parts is still a block");
	ok(!s.has_window && !s.has_report, "parse: bad parts are unset");
	is_int(ft_schedule_parse(BEGIN "# window 09:00 18:00 mon-fry\n" END,
				 &s, &b, &e, err, sizeof err), 1,
	       "parse: a window with bad days");
	ok(!s.has_window, "parse: a window with bad days is unset");
}

static void
test_record(void)
{
	ft_schedule s = { 1, { 1350, 375, 0x63 }, 1, 425 };
	jv text = jv_dump_string(ft_schedule_record(jv_object(), &s), 0);

	is_str(jv_string_value(text),
	       "{\"window\":{\"from\":\"22:30\",\"to\":\"06:15\","
	       "\"days\":\"mon,fri-sun\"},\"report\":{\"at\":\"07:05\"},"
	       "\"recognition\":\"all\",\"retention\":{\"visits_days\":730,"
	       "\"samples_days\":365,\"unnamed_days\":90,"
	       "\"purge_at\":\"04:15\"}}",
	       "record: window, report, the default privacy settings");
	jv_free(text);
	setenv("FT_RECOGNITION", "consented", 1);
	setenv("FT_RETAIN_VISITS_DAYS", "0", 1);
	setenv("FT_RETAIN_UNNAMED_DAYS", "30", 1);
	text = jv_dump_string(ft_schedule_record(jv_object(), NULL), 0);
	is_str(jv_string_value(text), "{\"window\":null,\"report\":null,"
	       "\"recognition\":\"consented\",\"retention\":{"
	       "\"visits_days\":0,\"samples_days\":365,\"unnamed_days\":30,"
	       "\"purge_at\":null}}",
	       "record: nothing scheduled; the privacy settings set");
	jv_free(text);
	setenv("FT_RECOGNITION", "everybody", 1);
	setenv("FT_RETAIN_SAMPLES_DAYS", "forever", 1);
	text = jv_dump_string(ft_schedule_record(jv_object(), NULL), 0);
	is_str(jv_string_value(text), "{\"window\":null,\"report\":null,"
	       "\"recognition\":null,\"retention\":{"
	       "\"visits_days\":null,\"samples_days\":null,"
	       "\"unnamed_days\":null,\"purge_at\":null}}",
	       "record: bad privacy settings are null");
	jv_free(text);
	unsetenv("FT_RECOGNITION");
	unsetenv("FT_RETAIN_VISITS_DAYS");
	unsetenv("FT_RETAIN_SAMPLES_DAYS");
	unsetenv("FT_RETAIN_UNNAMED_DAYS");
}

int
main(void)
{
	setenv("TZ", "Europe/Berlin", 1);
	unsetenv("FT_RECOGNITION");
	unsetenv("FT_RETAIN_VISITS_DAYS");
	unsetenv("FT_RETAIN_SAMPLES_DAYS");
	unsetenv("FT_RETAIN_UNNAMED_DAYS");
	tzset();
	test_times();
	test_days();
	test_specs();
	test_inside();
	test_compose();
	test_parse();
	test_record();
	return done();
}
