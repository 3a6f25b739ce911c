/*
 * schedule — the recognition window and the crontab block.
 *
 * The crontab is read with `crontab -l` and written with `crontab -`, so
 * the cron daemon's own checks and notifications apply; everything
 * outside our marked block is written back byte for byte.  The block
 * keeps the window and the report time as comment lines, which are what
 * is read back; the cron lines are derived from them.
 */
#include "schedule.h"

#include "config.h"
#include "proc.h"
#include "times.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static const char block_begin[] =
	"# BEGIN FaceTrack schedule (written by ft-schedule; "
	"change it with ft-schedule)";
static const char block_end[] = "# END FaceTrack schedule";

/* --- times and days --- */

int
ft_schedule_parse_time(const char *s)
{
	int h, m;

	if (!s || strlen(s) != 5 || s[2] != ':' ||
	    s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

static const char *const day_names[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

static int
day_index(const char *s, size_t n)
{
	int i;

	if (n != 3)
		return -1;
	for (i = 0; i < 7; i++)
		if (!strncasecmp(s, day_names[i], 3))
			return i;
	return -1;
}

unsigned
ft_schedule_parse_days(const char *s)
{
	unsigned days = 0;
	const char *p = s;

	if (!s || !*s)
		return 0;
	if (!strcasecmp(s, "daily") || !strcasecmp(s, "all") ||
	    !strcmp(s, "*"))
		return 0x7f;
	while (*p) {
		const char *comma = strchr(p, ','), *dash;
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		int a, b;

		dash = memchr(p, '-', n);
		if (dash) {
			a = day_index(p, (size_t)(dash - p));
			b = day_index(dash + 1, n - (size_t)(dash - p) - 1);
		} else {
			a = b = day_index(p, n);
		}
		if (a < 0 || b < 0)
			return 0;
		/* A range may wrap past Saturday: fri-mon. */
		for (;;) {
			days |= 1u << a;
			if (a == b)
				break;
			a = (a + 1) % 7;
		}
		p += n;
		if (*p == ',') {
			p++;
			if (!*p)
				return 0;
		}
	}
	return days;
}

/* Runs of days, Monday first, as "mon-sat" or "mon,wed-fri"; into buf
 * with cron's numbers instead when cron is set ("1-6", "0,5-6": Sunday
 * first there, as cron's ranges may not wrap). */
static char *
format_days(unsigned days, char *buf, int cron)
{
	static const int mon_first[7] = { 1, 2, 3, 4, 5, 6, 0 };
	static const int sun_first[7] = { 0, 1, 2, 3, 4, 5, 6 };
	const int *order = cron ? sun_first : mon_first;
	char *w = buf;
	int i = 0;

	days &= 0x7f;
	*w = '\0';
	if (days == 0x7f) {
		strcpy(buf, cron ? "*" : "daily");
		return buf;
	}
	while (i < 7) {
		int j;

		if (!(days & (1u << order[i]))) {
			i++;
			continue;
		}
		for (j = i; j + 1 < 7 && (days & (1u << order[j + 1])); j++)
			;
		if (w != buf)
			*w++ = ',';
		if (cron)
			w += sprintf(w, "%d", order[i]);
		else
			w += sprintf(w, "%s", day_names[order[i]]);
		if (j > i)
			w += cron ? sprintf(w, "-%d", order[j])
				  : sprintf(w, "-%s", day_names[order[j]]);
		i = j + 1;
	}
	return buf;
}

char *
ft_schedule_format_days(unsigned days, char *buf)
{
	return format_days(days, buf, 0);
}

int
ft_schedule_check_window(const ft_window *w)
{
	if (w->from < 0 || w->to < 0 || w->from >= 1440 || w->to >= 1440 ||
	    w->from == w->to || !(w->days & 0x7f))
		return FT_EINVAL;
	return FT_OK;
}

int
ft_schedule_inside(const ft_window *w, int64_t ms, int64_t *until)
{
	struct tm tm;
	int now, wd, yd;
	int64_t day0;

	ft_time_local(ms, &tm);
	now = tm.tm_hour * 60 + tm.tm_min;
	wd = tm.tm_wday;
	yd = (wd + 6) % 7;
	day0 = ft_time_day_start(ms);
	if (w->from < w->to) {
		if ((w->days & (1u << wd)) && now >= w->from && now < w->to) {
			if (until)
				*until = day0 + (int64_t)w->to * 60000;
			return 1;
		}
		return 0;
	}
	/* A window across midnight: the evening part of a listed day, or
	 * the early part of the day after one. */
	if ((w->days & (1u << wd)) && now >= w->from) {
		if (until)
			*until = ft_time_day_add(day0, 1) +
				 (int64_t)w->to * 60000;
		return 1;
	}
	if ((w->days & (1u << yd)) && now < w->to) {
		if (until)
			*until = day0 + (int64_t)w->to * 60000;
		return 1;
	}
	return 0;
}

/* --- the block as text --- */

/* Where our block lies in text: [*b, *e) covers its lines, the end line
 * with its newline included.  Returns 1 when found, 0 when not, -1 for a
 * begin line without an end. */
static int
find_block(const char *text, size_t *b, size_t *e)
{
	const char *p = text, *start = NULL;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (!start && n >= 26 &&
		    !strncmp(p, "# BEGIN FaceTrack schedule", 26))
			start = p;
		else if (start && n == sizeof block_end - 1 &&
			 !strncmp(p, block_end, n)) {
			*b = (size_t)(start - text);
			*e = (size_t)(p + n - text) + (nl ? 1 : 0);
			return 1;
		}
		p += n + (nl ? 1 : 0);
	}
	return start ? -1 : 0;
}

static void
parse_block(const char *text, size_t b, size_t e, ft_schedule *s)
{
	char *block = ft_xasprintf("%.*s", (int)(e - b), text + b);
	char *line, *save;

	memset(s, 0, sizeof *s);
	for (line = strtok_r(block, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char from[8], to[8], days[64], at[8];

		if (sscanf(line, "# window %5s %5s %63s", from, to, days)
		    == 3) {
			s->window.from = ft_schedule_parse_time(from);
			s->window.to = ft_schedule_parse_time(to);
			s->window.days = ft_schedule_parse_days(days);
			s->has_window = s->window.from >= 0 &&
					s->window.to >= 0 && s->window.days;
		} else if (sscanf(line, "# report %5s", at) == 1) {
			s->report_at = ft_schedule_parse_time(at);
			s->has_report = s->report_at >= 0;
		}
	}
	free(block);
}

int
ft_schedule_parse(const char *crontab, ft_schedule *out, size_t *begin,
		  size_t *end, char *err, size_t errlen)
{
	int found = find_block(crontab, begin, end);

	memset(out, 0, sizeof *out);
	if (found < 0) {
		ft_seterr(err, errlen, "the crontab has a FaceTrack block "
			  "without its end line; mend it with crontab -e");
		return FT_EINVAL;
	}
	if (found)
		parse_block(crontab, *begin, *end, out);
	else
		*begin = *end = strlen(crontab);
	return found;
}

/* Quote a path for a crontab line; NULL when it cannot be (a quote, a
 * percent sign, which cron turns into a newline, or a line break). */
static char *
cron_quote(const char *path)
{
	if (strpbrk(path, "'%\n\r"))
		return NULL;
	return ft_xasprintf("'%s'", path);
}

/* The window's comment line, its start and stop lines, and a start at
 * boot (inside the window, recognition is to run). */
static void
compose_window(FILE *f, const ft_window *w, const char *qs)
{
	/* The stop of a window across midnight falls on the next day of
	 * each listed day. */
	unsigned next = ((w->days << 1) | (w->days >> 6)) & 0x7f;
	char days[32], cdays[32], cnext[32];

	fprintf(f, "# window %02d:%02d %02d:%02d %s\n",
		w->from / 60, w->from % 60, w->to / 60, w->to % 60,
		format_days(w->days, days, 0));
	format_days(w->days, cdays, 1);
	format_days(w->to < w->from ? next : w->days, cnext, 1);
	fprintf(f, "%d %d * * %s %s start --in-window\n",
		w->from % 60, w->from / 60, cdays, qs);
	fprintf(f, "%d %d * * %s %s stop\n", w->to % 60, w->to / 60,
		cnext, qs);
	fprintf(f, "@reboot %s start --in-window\n", qs);
}

char *
ft_schedule_compose(const ft_schedule *s, const char *schedule_cmd,
		    const char *report_cmd, const char *purge_cmd, char *err,
		    size_t errlen)
{
	char *qs, *qr, *qp, *out = NULL;
	size_t len = 0;
	FILE *f;

	if (!s->has_window && !s->has_report)
		return ft_xstrdup("");
	qs = cron_quote(schedule_cmd);
	qr = cron_quote(report_cmd);
	qp = cron_quote(purge_cmd);
	if (!qs || !qr || !qp) {
		ft_seterr(err, errlen, "cannot write '%s' into a crontab line",
			  !qs ? schedule_cmd : !qr ? report_cmd : purge_cmd);
		goto done;
	}
	f = open_memstream(&out, &len);
	fprintf(f, "%s\n", block_begin);
	if (s->has_window)
		compose_window(f, &s->window, qs);
	if (s->has_report) {
		fprintf(f, "# report %02d:%02d\n", s->report_at / 60,
			s->report_at % 60);
		fprintf(f, "%d %d * * * %s --yesterday --email\n",
			s->report_at % 60, s->report_at / 60, qr);
	}
	/* The retention settings, applied every night; cron mails only a
	 * failure's message. */
	fprintf(f, "%d %d * * * %s purge >/dev/null\n",
		FT_SCHEDULE_PURGE_AT % 60, FT_SCHEDULE_PURGE_AT / 60, qp);
	fprintf(f, "%s\n", block_end);
	fclose(f);
done:
	free(qs);
	free(qr);
	free(qp);
	return out;
}

char *
ft_schedule_splice(const char *crontab, size_t begin, size_t end,
		   const char *block)
{
	/* A crontab whose last line lacks its newline gets one before
	 * our block, or cron would read the two as one line (a block
	 * found in place starts a line, so this is only ever an append). */
	int newline = begin > 0 && crontab[begin - 1] != '\n' && *block;

	return ft_xasprintf("%.*s%s%s%s", (int)begin, crontab,
			    newline ? "\n" : "", block, crontab + end);
}

/* --- the user's crontab --- */

/* argv of FT_CRONTAB's words plus extra (NULL-ended); free with
 * free_argv. */
static char **
crontab_argv(const char *extra)
{
	const char *cmd = ft_config_get("FT_CRONTAB", "crontab");
	char *copy = ft_xstrdup(cmd), *tok, *save;
	char **argv = ft_xcalloc(strlen(cmd) / 2 + 4, sizeof *argv);
	int n = 0;

	for (tok = strtok_r(copy, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save))
		argv[n++] = ft_xstrdup(tok);
	if (!n)
		argv[n++] = ft_xstrdup("crontab");
	argv[n++] = ft_xstrdup(extra);
	argv[n] = NULL;
	free(copy);
	return argv;
}

static void
free_argv(char **argv)
{
	char **p;

	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

/* The first line of a program's complaint, for our own message. */
static const char *
first_line(char *s)
{
	char *nl;

	while (*s == '\n')
		s++;
	if ((nl = strchr(s, '\n')))
		*nl = '\0';
	return *s ? s : "no reason given";
}

/* Run the crontab command with arg ("-l", "-", "-r") and input; FT_OK
 * when it succeeded or when it says there is no crontab and that is
 * fine (missing_ok), with its output in *r (the caller's). */
static int
crontab_run(const char *arg, const char *input, int missing_ok,
	    ft_proc_output *r, const char *what, char *err, size_t errlen)
{
	char **argv = crontab_argv(arg);
	int rc = ft_proc_run(argv, input, r, err, errlen);

	free_argv(argv);
	if (rc != FT_OK)
		return rc;
	if (r->status != 0 && !(missing_ok && strstr(r->err, "no crontab"))) {
		ft_seterr(err, errlen, "cannot %s the crontab: %s", what,
			  first_line(r->err));
		ft_proc_output_clear(r);
		return FT_EFAIL;
	}
	return FT_OK;
}

/* The current crontab's text (empty when there is none); the caller
 * frees it. */
static int
crontab_read(char **text, char *err, size_t errlen)
{
	ft_proc_output r;
	int rc = crontab_run("-l", NULL, 1, &r, "read", err, errlen);

	if (rc != FT_OK)
		return rc;
	if (r.status != 0) {
		ft_proc_output_clear(&r);
		*text = ft_xstrdup("");
		return FT_OK;
	}
	*text = r.out;
	free(r.err);
	return FT_OK;
}

static int
crontab_write(const char *text, char *err, size_t errlen)
{
	ft_proc_output r;
	int rc;

	/* Removing a crontab that is not there is no failure. */
	rc = crontab_run(*text ? "-" : "-r", *text ? text : NULL, !*text, &r,
			 "write", err, errlen);
	if (rc == FT_OK)
		ft_proc_output_clear(&r);
	return rc;
}

int
ft_schedule_read(ft_schedule *out, char **block, char *err, size_t errlen)
{
	char *text;
	size_t b, e;
	int found;

	memset(out, 0, sizeof *out);
	if (block)
		*block = NULL;
	if (crontab_read(&text, err, errlen) != FT_OK)
		return FT_EFAIL;
	found = ft_schedule_parse(text, out, &b, &e, err, errlen);
	if (found > 0 && block)
		*block = ft_xasprintf("%.*s", (int)(e - b), text + b);
	free(text);
	return found < 0 ? found : FT_OK;
}

/* The crontab with s as its block, under the crontab's current text. */
static int
rewrite(const char *text, size_t b, size_t e, const ft_schedule *s,
	char *err, size_t errlen)
{
	char *self = ft_proc_path("ft-schedule");
	char *report = ft_proc_path("ft-report");
	char *enroll = ft_proc_path("ft-enroll");
	char *block = ft_schedule_compose(s, self, report, enroll, err,
					  errlen);
	char *next;
	int rc = FT_EINVAL;

	if (block) {
		next = ft_schedule_splice(text, b, e, block);
		rc = crontab_write(next, err, errlen);
		free(next);
	}
	free(block);
	free(self);
	free(report);
	free(enroll);
	return rc;
}

/* Read, change and write the crontab under the state directory's lock,
 * so two editors do not lose each other's change. */
static int
edit_block(void (*change)(ft_schedule *, const void *), const void *arg,
	   char *err, size_t errlen)
{
	char *dir, *lockpath, *text = NULL;
	ft_schedule s;
	size_t b, e;
	int fd, rc;

	if ((rc = ft_config_state_dir(&dir, err, errlen)) != FT_OK)
		return rc;
	lockpath = ft_xasprintf("%s/crontab.lock", dir);
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		ft_seterr(err, errlen, "cannot lock '%s': %s", lockpath,
			  strerror(errno));
		rc = FT_EFAIL;
	} else if ((rc = crontab_read(&text, err, errlen)) == FT_OK &&
		   (rc = ft_schedule_parse(text, &s, &b, &e, err, errlen))
		   >= 0) {
		change(&s, arg);
		rc = rewrite(text, b, e, &s, err, errlen);
	}
	if (fd >= 0)
		close(fd);
	free(text);
	free(lockpath);
	free(dir);
	return rc;
}

static void
change_window(ft_schedule *s, const void *arg)
{
	s->has_window = 1;
	s->window = *(const ft_window *)arg;
}

static void
change_report(ft_schedule *s, const void *arg)
{
	s->has_report = 1;
	s->report_at = *(const int *)arg;
}

static void
change_clear(ft_schedule *s, const void *arg)
{
	unsigned what = *(const unsigned *)arg;

	if (what & FT_SCHED_WINDOW)
		s->has_window = 0;
	if (what & FT_SCHED_REPORT)
		s->has_report = 0;
}

int
ft_schedule_set_window(const ft_window *w, char *err, size_t errlen)
{
	if (ft_schedule_check_window(w) != FT_OK) {
		ft_seterr(err, errlen, "bad window");
		return FT_EINVAL;
	}
	return edit_block(change_window, w, err, errlen);
}

int
ft_schedule_set_report(int at, char *err, size_t errlen)
{
	if (at < 0 || at >= 1440) {
		ft_seterr(err, errlen, "bad report time");
		return FT_EINVAL;
	}
	return edit_block(change_report, &at, err, errlen);
}

char *
ft_schedule_report_unseen(void)
{
	/* Those the report cannot do without, then those that change it
	 * when set. */
	static const char *const needed[] = { "SMTP_SERVER", "ADMIN_EMAIL" };
	static const char *const shaping[] = {
		"SMTP_PORT", "SMTP_TLS", "SMTP_USER", "SMTP_PASSWORD",
		"SMTP_FROM", "SMTP_CA_FILE", "SMTP_TIMEOUT", "FT_DB",
		"DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_NAME",
		"FT_REPORTS_DIR"
	};
	char *out = NULL, *next;
	size_t i, n = sizeof needed / sizeof *needed;

	for (i = 0; i < n + sizeof shaping / sizeof *shaping; i++) {
		const char *key = i < n ? needed[i] : shaping[i - n];

		if (ft_config_file_value(key) ||
		    (i >= n && !ft_config_get(key, NULL)))
			continue;
		next = out ? ft_xasprintf("%s, %s", out, key)
			   : ft_xstrdup(key);
		free(out);
		out = next;
	}
	return out;
}

int
ft_schedule_clear(unsigned what, char *err, size_t errlen)
{
	return edit_block(change_clear, &what, err, errlen);
}

/* A retention setting for the record: its days, or null when it does
 * not parse (the purge then refuses to run). */
static jv
retain_json(int ok, int days)
{
	return ok ? jv_number(days) : jv_null();
}

/* The recognition mode and the retention policy in force, and when the
 * block purges (null without a block). */
static jv
privacy_record(jv rec, int block)
{
	enum ft_recognition mode;
	ft_config_retention r;
	char buf[8];
	int ok = ft_config_retention_get(&r, NULL, 0) == FT_OK;
	jv o = jv_object();

	rec = jv_object_set(rec, jv_string("recognition"),
			    ft_config_recognition(&mode, NULL, 0) == FT_OK ?
			    jv_string(ft_config_recognition_name(mode)) :
			    jv_null());
	o = jv_object_set(o, jv_string("visits_days"),
			  retain_json(ok, r.visits));
	o = jv_object_set(o, jv_string("samples_days"),
			  retain_json(ok, r.samples));
	o = jv_object_set(o, jv_string("unnamed_days"),
			  retain_json(ok, r.unnamed));
	snprintf(buf, sizeof buf, "%02d:%02d", FT_SCHEDULE_PURGE_AT / 60,
		 FT_SCHEDULE_PURGE_AT % 60);
	o = jv_object_set(o, jv_string("purge_at"),
			  block ? jv_string(buf) : jv_null());
	return jv_object_set(rec, jv_string("retention"), o);
}

jv
ft_schedule_record(jv rec, const ft_schedule *s)
{
	char buf[32];

	if (s && s->has_window) {
		jv w = jv_object();

		snprintf(buf, sizeof buf, "%02d:%02d", s->window.from / 60,
			 s->window.from % 60);
		w = jv_object_set(w, jv_string("from"), jv_string(buf));
		snprintf(buf, sizeof buf, "%02d:%02d", s->window.to / 60,
			 s->window.to % 60);
		w = jv_object_set(w, jv_string("to"), jv_string(buf));
		w = jv_object_set(w, jv_string("days"),
				  jv_string(format_days(s->window.days, buf,
							0)));
		rec = jv_object_set(rec, jv_string("window"), w);
	} else {
		rec = jv_object_set(rec, jv_string("window"), jv_null());
	}
	if (s && s->has_report) {
		snprintf(buf, sizeof buf, "%02d:%02d", s->report_at / 60,
			 s->report_at % 60);
		rec = jv_object_set(rec, jv_string("report"),
				    JV_OBJECT(jv_string("at"),
					      jv_string(buf)));
	} else {
		rec = jv_object_set(rec, jv_string("report"), jv_null());
	}
	return privacy_record(rec, s && (s->has_window || s->has_report));
}

