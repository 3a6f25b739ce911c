/*
 * schedule — the recognition supervisor and the crontab block.
 *
 * Whether recognition runs is told by a lock, not by a pid: the
 * supervisor holds a write lock on its pid file for as long as it lives,
 * so a supervisor killed with SIGKILL leaves no "running" ghost behind.
 *
 * The supervisor makes itself a child subreaper: processes of the
 * pipeline that outlive the shell (one stage killed, the others left)
 * become its children, are signalled with the pipeline's process group
 * and reaped, and never hold the next pipeline's camera.
 *
 * The crontab is read with `crontab -l` and written with `crontab -`, so
 * the cron daemon's own checks and notifications apply; everything
 * outside our marked block is written back byte for byte.
 */
#include "schedule.h"

#include "config.h"
#include "record.h"
#include "times.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_PIPELINE "ft-capture --source \"$FT_CAMERA\" | ft-recognize"
#define READY_ENV "FT_SCHEDULE_READY_FD"
#define LINE_MAX_BYTES (1u << 20)	/* longer pipeline lines are skipped */
#define LOG_ROTATE_BYTES (10L << 20)
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define HEALTHY_MS 60000		/* a run this long resets the backoff */
#define START_WAIT_MS 15000

static const char block_begin[] =
	"# BEGIN FaceTrack schedule (written by ft-schedule; "
	"change it with ft-schedule)";
static const char block_end[] = "# END FaceTrack schedule";

/* The wall clock: windows follow real time even when FT_NOW pins the
 * time that records are stamped with. */
static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
ft_window_contains(const ft_window *w, int64_t ms, int64_t *until)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	int now, wd, yd;
	int64_t day0;

	localtime_r(&sec, &tm);
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

/* --- paths --- */

/* The state directory, created when missing; the caller frees it. */
static char *
state_dir(char *err, size_t errlen)
{
	const char *d = ft_config_get("FT_STATE_DIR", NULL), *x, *home;
	char *dir;

	if (d && *d)
		dir = ft_xstrdup(d);
	else if ((x = getenv("XDG_STATE_HOME")) && *x == '/')
		dir = ft_xasprintf("%s/facetrack", x);
	else if ((home = getenv("HOME")) && *home)
		dir = ft_xasprintf("%s/.local/state/facetrack", home);
	else {
		ft_seterr(err, errlen, "no state directory: set FT_STATE_DIR "
		       "or HOME");
		return NULL;
	}
	if (ft_mkdirs(dir, 0700, err, errlen) != 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Another program of ours: beside the running one when it is there
 * (the build directory, an install's bindir), else found on PATH, else
 * the sibling path anyway.  The caller frees it. */
static char *
program_path(const char *name)
{
	char self[PATH_MAX], *slash, *p, *path, *tok, *save;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/'))) {
			p = ft_xasprintf("%.*s/%s", (int)(slash - self), self,
					 name);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	path = ft_xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin");
	for (tok = strtok_r(path, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save)) {
		if (*tok != '/')
			continue;
		p = ft_xasprintf("%s/%s", tok, name);
		if (access(p, X_OK) == 0) {
			free(path);
			return p;
		}
		free(p);
	}
	free(path);
	if (n > 0 && (slash = strrchr(self, '/')))
		return ft_xasprintf("%.*s/%s", (int)(slash - self), self,
				    name);
	return ft_xasprintf("/usr/local/bin/%s", name);
}

/* --- running children --- */

/*
 * In a child about to exec: default dispositions and an empty signal
 * mask.  Both are inherited across exec, and a caller such as ft-serve
 * blocks SIGTERM in every thread (to take it with sigwait) and ignores
 * SIGPIPE; a supervisor or pipeline started with those could be neither
 * stopped nor end quietly.  Only async-signal-safe calls.
 */
static void
unblock_all(void)
{
	sigset_t none;

	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

struct run {
	char *out;		/* stdout, NUL-terminated */
	size_t outlen;
	char *errtext;		/* stderr, NUL-terminated */
	int status;		/* exit status, or 128+signal */
};

/* Run argv with input on stdin (NULL: /dev/null); collect stdout and
 * stderr.  Only fork, dup2 and exec run in the child, so threaded
 * callers are safe.  Returns 0, or -1 when it could not be run. */
static int
run_capture(char *const argv[], const char *input, struct run *r,
	    char *err, size_t errlen)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, eout[2] = { -1, -1 };
	size_t inlen = input ? strlen(input) : 0, inoff = 0;
	size_t cap[2] = { 0, 0 }, len[2] = { 0, 0 };
	char *buf[2] = { NULL, NULL };
	int fds[3], st, i;
	sigset_t pipe_set, old_set;
	struct timespec zero = { 0, 0 };
	pid_t pid;

	memset(r, 0, sizeof *r);
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(eout, O_CLOEXEC) != 0 ||
	    pipe2(in, O_CLOEXEC) != 0)
		goto syserr;
	/* A child that stops reading its input must not kill us with
	 * SIGPIPE: block it here and drop it afterwards. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	pid = fork();
	if (pid < 0) {
		pthread_sigmask(SIG_SETMASK, &old_set, NULL);
		goto syserr;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(eout[1], 2);
		unblock_all();
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(eout[1]);
	fds[0] = out[0];
	fds[1] = eout[0];
	fds[2] = in[1];
	if (!inlen) {
		close(in[1]);
		fds[2] = -1;
	} else {
		fcntl(in[1], F_SETFL, O_NONBLOCK);
	}
	/* poll passes over descriptors set to -1. */
	while (fds[0] >= 0 || fds[1] >= 0 || fds[2] >= 0) {
		struct pollfd pfd[3] = {
			{ fds[0], POLLIN, 0 },
			{ fds[1], POLLIN, 0 },
			{ fds[2], POLLOUT, 0 }
		};

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			ssize_t k;

			if (fds[i] < 0 || !pfd[i].revents)
				continue;
			if (len[i] + 4096 + 1 > cap[i]) {
				cap[i] = (len[i] + 4096 + 1) * 2;
				buf[i] = ft_xrealloc(buf[i], cap[i]);
			}
			k = read(fds[i], buf[i] + len[i], 4096);
			if (k > 0) {
				len[i] += (size_t)k;
			} else if (k == 0 || (errno != EINTR &&
					      errno != EAGAIN)) {
				close(fds[i]);
				fds[i] = -1;
			}
		}
		if (fds[2] >= 0 && pfd[2].revents) {
			ssize_t k = write(fds[2], input + inoff,
					  inlen - inoff);

			if (k > 0)
				inoff += (size_t)k;
			if ((k < 0 && errno != EAGAIN && errno != EINTR) ||
			    inoff == inlen) {
				close(fds[2]);
				fds[2] = -1;
			}
		}
	}
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	for (i = 0; i < 2; i++) {
		if (!buf[i])
			buf[i] = ft_xmalloc(1);
		buf[i][len[i]] = '\0';
	}
	r->out = buf[0];
	r->outlen = len[0];
	r->errtext = buf[1];
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (r->status == 127) {
		ft_seterr(err, errlen, "cannot run '%s'", argv[0]);
		free(r->out);
		free(r->errtext);
		memset(r, 0, sizeof *r);
		return -1;
	}
	return 0;
syserr:
	ft_seterr(err, errlen, "cannot run '%s': %s", argv[0], strerror(errno));
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (eout[i] >= 0)
			close(eout[i]);
	}
	return -1;
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->errtext);
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

/* --- the crontab --- */

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

/* The current crontab's text (empty when there is none); the caller
 * frees it. */
static int
crontab_read(char **text, char *err, size_t errlen)
{
	char **argv = crontab_argv("-l");
	struct run r;
	int rc;

	rc = run_capture(argv, NULL, &r, err, errlen);
	free_argv(argv);
	if (rc != 0)
		return -1;
	if (r.status != 0) {
		if (strstr(r.errtext, "no crontab")) {
			run_free(&r);
			*text = ft_xstrdup("");
			return 0;
		}
		ft_seterr(err, errlen, "cannot read the crontab: %s",
		       first_line(r.errtext));
		run_free(&r);
		return -1;
	}
	*text = r.out;
	free(r.errtext);
	return 0;
}

static int
crontab_write(const char *text, char *err, size_t errlen)
{
	char **argv = crontab_argv(*text ? "-" : "-r");
	struct run r;
	int rc;

	rc = run_capture(argv, *text ? text : NULL, &r, err, errlen);
	free_argv(argv);
	if (rc != 0)
		return -1;
	if (r.status != 0 && !(!*text && strstr(r.errtext, "no crontab"))) {
		ft_seterr(err, errlen, "cannot write the crontab: %s",
		       first_line(r.errtext));
		run_free(&r);
		return -1;
	}
	run_free(&r);
	return 0;
}

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
ft_schedule_read(ft_schedule *out, char **block, char *err, size_t errlen)
{
	char *text;
	size_t b, e;
	int found;

	memset(out, 0, sizeof *out);
	if (block)
		*block = NULL;
	if (crontab_read(&text, err, errlen) != 0)
		return -1;
	found = find_block(text, &b, &e);
	if (found < 0) {
		ft_seterr(err, errlen, "the crontab has a FaceTrack block "
		       "without its end line; mend it with crontab -e");
		free(text);
		return -1;
	}
	if (found) {
		parse_block(text, b, e, out);
		if (block)
			*block = ft_xasprintf("%.*s", (int)(e - b), text + b);
	}
	free(text);
	return 0;
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

static char *
compose_block(const ft_schedule *s, char *err, size_t errlen)
{
	char *self = program_path("ft-schedule");
	char *report = program_path("ft-report");
	char *qs = cron_quote(self), *qr = cron_quote(report);
	char *out = NULL, days[32], cdays[32], cnext[32];
	size_t len = 0;
	FILE *f;

	if (!qs || !qr) {
		ft_seterr(err, errlen, "cannot write '%s' into a crontab line",
		       qs ? report : self);
		goto done;
	}
	f = open_memstream(&out, &len);
	fprintf(f, "%s\n", block_begin);
	if (s->has_window) {
		const ft_window *w = &s->window;
		/* The stop of a window across midnight falls on the
		 * next day of each listed day. */
		unsigned next = ((w->days << 1) | (w->days >> 6)) & 0x7f;

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
	if (s->has_report) {
		fprintf(f, "# report %02d:%02d\n", s->report_at / 60,
			s->report_at % 60);
		fprintf(f, "%d %d * * * %s --yesterday --email\n",
			s->report_at % 60, s->report_at / 60, qr);
	}
	fprintf(f, "%s\n", block_end);
	fclose(f);
done:
	free(self);
	free(report);
	free(qs);
	free(qr);
	return out;
}

/* Read, change and write the crontab under the state directory's lock,
 * so two editors do not lose each other's change. */
static int
edit_block(void (*change)(ft_schedule *, const void *), const void *arg,
	   char *err, size_t errlen)
{
	char *dir, *lockpath, *text = NULL, *block = NULL, *next = NULL;
	ft_schedule s;
	size_t b = 0, e = 0;
	int fd, found, rc = -1;

	if (!(dir = state_dir(err, errlen)))
		return -1;
	lockpath = ft_xasprintf("%s/crontab.lock", dir);
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		ft_seterr(err, errlen, "cannot lock '%s': %s", lockpath,
		       strerror(errno));
		goto out;
	}
	if (crontab_read(&text, err, errlen) != 0)
		goto out;
	found = find_block(text, &b, &e);
	if (found < 0) {
		ft_seterr(err, errlen, "the crontab has a FaceTrack block "
		       "without its end line; mend it with crontab -e");
		goto out;
	}
	memset(&s, 0, sizeof s);
	if (found)
		parse_block(text, b, e, &s);
	else
		b = e = strlen(text);
	change(&s, arg);
	if (s.has_window || s.has_report) {
		if (!(block = compose_block(&s, err, errlen)))
			goto out;
	} else {
		block = ft_xstrdup("");
	}
	/* A crontab whose last line lacks its newline gets one before
	 * our block, or cron would read the two as one line. */
	next = ft_xasprintf("%.*s%s%s%s", (int)b, text,
			    (!found && b > 0 && text[b - 1] != '\n' && *block)
			    ? "\n" : "", block, text + e);
	rc = crontab_write(next, err, errlen);
out:
	if (fd >= 0)
		close(fd);
	free(text);
	free(block);
	free(next);
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
	if (w->from < 0 || w->to < 0 || w->from >= 1440 || w->to >= 1440 ||
	    w->from == w->to || !(w->days & 0x7f)) {
		ft_seterr(err, errlen, "bad window");
		return -1;
	}
	return edit_block(change_window, w, err, errlen);
}

int
ft_schedule_set_report(int at, char *err, size_t errlen)
{
	if (at < 0 || at >= 1440) {
		ft_seterr(err, errlen, "bad report time");
		return -1;
	}
	return edit_block(change_report, &at, err, errlen);
}

int
ft_schedule_clear(unsigned what, char *err, size_t errlen)
{
	return edit_block(change_clear, &what, err, errlen);
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
	return rec;
}

/* --- the supervisor's files --- */

/* The pid of the process holding the pid file's lock, or 0. */
static pid_t
running_pid(const char *dir)
{
	char *path = ft_xasprintf("%s/recognition.pid", dir);
	struct flock fl = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	pid_t pid = 0;

	free(path);
	if (fd < 0)
		return 0;
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		pid = fl.l_pid;
	close(fd);
	return pid;
}

static jv
read_status_file(const char *dir)
{
	char *path = ft_xasprintf("%s/recognition.status", dir);
	char buf[4096];
	FILE *f = fopen(path, "re");
	size_t n = 0;
	jv v = jv_object();

	free(path);
	if (!f)
		return v;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n) {
		jv p = jv_parse(buf);

		if (jv_get_kind(p) == JV_KIND_OBJECT) {
			jv_free(v);
			return p;
		}
		jv_free(p);
	}
	return v;
}

static int64_t
num(jv obj, const char *key)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	int64_t n = jv_get_kind(v) == JV_KIND_NUMBER
		    ? (int64_t)jv_number_value(v) : 0;

	jv_free(v);
	return n;
}

static jv
int_or_null(int64_t n)
{
	return n ? jv_number((double)n) : jv_null();
}

int
ft_schedule_status(jv *out, char *err, size_t errlen)
{
	char *dir = state_dir(err, errlen), serr[256];
	ft_schedule sched;
	pid_t pid;
	jv st, rec;
	int on;

	if (!dir)
		return -1;
	pid = running_pid(dir);
	st = read_status_file(dir);
	/* A status file of an earlier run, or of a supervisor killed
	 * without a chance to say so, does not make it running. */
	on = pid > 0 && num(st, "pid") == pid;
	if (pid > 0 && !on) {
		jv_free(st);
		st = jv_object();
		on = 1;
	}
	rec = jv_object();
	rec = jv_object_set(rec, jv_string("type"),
			    jv_string("recognition"));
	rec = jv_object_set(rec, jv_string("running"), jv_bool(on));
	rec = jv_object_set(rec, jv_string("pid"),
			    on ? jv_number(pid) : jv_null());
	rec = jv_object_set(rec, jv_string("since"),
			    ft_record_time(on ? num(st, "since") : 0));
	rec = jv_object_set(rec, jv_string("until"),
			    ft_record_time(on ? num(st, "until") : 0));
	rec = jv_object_set(rec, jv_string("pipeline_pid"),
			    int_or_null(on ? num(st, "pipeline_pid") : 0));
	rec = jv_object_set(rec, jv_string("restarts"),
			    jv_number(on ? (double)num(st, "restarts") : 0));
	rec = jv_object_set(rec, jv_string("last_frame"),
			    ft_record_time(num(st, "last_frame")));
	rec = jv_object_set(rec, jv_string("frames"),
			    jv_number(on ? (double)num(st, "frames") : 0));
	rec = jv_object_set(rec, jv_string("visits"),
			    jv_number(on ? (double)num(st, "visits") : 0));
	rec = jv_object_set(rec, jv_string("log"),
			    jv_string_fmt("%s/recognition.log", dir));
	/* Without a readable crontab (no cron installed) the status is
	 * still worth having: the schedule is shown as none. */
	if (ft_schedule_read(&sched, NULL, serr, sizeof serr) != 0)
		memset(&sched, 0, sizeof sched);
	*out = ft_schedule_record(rec, &sched);
	jv_free(st);
	free(dir);
	return 0;
}

/* --- start and stop --- */

static long
stop_timeout_s(void)
{
	long long n;

	if (ft_parse_int(ft_config_get("FT_STOP_TIMEOUT", "10"), 1, 3600,
			 &n) != 0)
		n = 10;
	return (long)n;
}

/* A copy of the environment with name=value set; the caller frees the
 * array and the one string it added. */
static char **
env_with(const char *name, const char *value, char **added)
{
	size_t n = 0, k = 0, nl = strlen(name);
	char **env, **p;

	for (p = environ; *p; p++)
		n++;
	env = ft_xcalloc(n + 2, sizeof *env);
	for (p = environ; *p; p++)
		if (strncmp(*p, name, nl) || (*p)[nl] != '=')
			env[k++] = *p;
	*added = ft_xasprintf("%s=%s", name, value);
	env[k++] = *added;
	env[k] = NULL;
	return env;
}

int
ft_schedule_start(int in_window, char *err, size_t errlen)
{
	char *dir, *logpath = NULL, *exe = NULL, *added = NULL, **env = NULL;
	char fdbuf[16], reply[512], failmsg[PATH_MAX + 32];
	char *argv[3];
	struct stat sb;
	size_t got = 0;
	int p[2] = { -1, -1 }, logfd = -1, devnull = -1, rc = -1, st;
	int64_t deadline;
	pid_t pid;

	if (!(dir = state_dir(err, errlen)))
		return -1;
	if (running_pid(dir) > 0) {
		rc = FT_SCHED_ALREADY;
		goto out;
	}
	if (in_window) {
		ft_schedule s;
		char serr[256];

		if (ft_schedule_read(&s, NULL, serr, sizeof serr) == 0 &&
		    s.has_window && !ft_window_contains(&s.window, wall_ms(),
							NULL)) {
			rc = FT_SCHED_OUTSIDE;
			goto out;
		}
	}
	logpath = ft_xasprintf("%s/recognition.log", dir);
	if (stat(logpath, &sb) == 0 && sb.st_size > LOG_ROTATE_BYTES) {
		char *old = ft_xasprintf("%s.1", logpath);

		rename(logpath, old);
		free(old);
	}
	logfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		     0600);
	if (logfd < 0) {
		ft_seterr(err, errlen, "cannot open '%s': %s", logpath,
		       strerror(errno));
		goto out;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(p, O_CLOEXEC) != 0) {
		ft_seterr(err, errlen, "cannot start recognition: %s",
		       strerror(errno));
		goto out;
	}
	exe = program_path("ft-schedule");
	/* The supervisor finds its end of the pipe as descriptor 3. */
	snprintf(fdbuf, sizeof fdbuf, "3");
	env = env_with(READY_ENV, fdbuf, &added);
	argv[0] = exe;
	argv[1] = (char *)"run";
	argv[2] = NULL;
	snprintf(failmsg, sizeof failmsg, "cannot run '%s'\n", exe);

	/* Fork twice so the supervisor is nobody's child here (no zombie
	 * in a server that never waits for it), and setsid so a closing
	 * terminal does not take it along. */
	pid = fork();
	if (pid < 0) {
		ft_seterr(err, errlen, "cannot start recognition: %s",
		       strerror(errno));
		goto out;
	}
	if (pid == 0) {
		pid_t g = fork();

		if (g != 0)
			_exit(g < 0);
		setsid();
		dup2(devnull, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		/* Nothing else of the caller's (a server's sockets, a
		 * store's connection) is to live on in the supervisor. */
		if (p[1] != 3) {
			dup2(p[1], 3);
			close(p[1]);
		} else {
			fcntl(3, F_SETFD, 0);
		}
		close_range(4, ~0U, 0);
		unblock_all();
		execve(exe, argv, env);
		if (write(3, failmsg, strlen(failmsg)) < 0)
			_exit(127);
		_exit(127);
	}
	close(p[1]);
	p[1] = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* The supervisor says "ok", "already" or why it failed, then
	 * closes its end; no answer in time is a failure too. */
	deadline = ft_time_mono() + START_WAIT_MS;
	for (;;) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		int64_t left = deadline - ft_time_mono();
		ssize_t k;

		if (left <= 0 || got + 1 >= sizeof reply)
			break;
		if (poll(&pfd, 1, (int)left) <= 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		k = read(p[0], reply + got, sizeof reply - 1 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
		if (memchr(reply, '\n', got))
			break;
	}
	reply[got] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (!strcmp(reply, "ok"))
		rc = FT_SCHED_DONE;
	else if (!strcmp(reply, "already"))
		rc = FT_SCHED_ALREADY;
	else if (got)
		ft_seterr(err, errlen, "%s", reply);
	else
		ft_seterr(err, errlen, "recognition did not start; see '%s'",
		       logpath);
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (logfd >= 0)
		close(logfd);
	if (devnull >= 0)
		close(devnull);
	free(env);
	free(added);
	free(exe);
	free(logpath);
	free(dir);
	return rc;
}

int
ft_schedule_stop(char *err, size_t errlen)
{
	char *dir = state_dir(err, errlen);
	int64_t deadline;
	pid_t pid;
	int rc = -1;

	if (!dir)
		return -1;
	if ((pid = running_pid(dir)) <= 0) {
		free(dir);
		return FT_SCHED_ALREADY;
	}
	if (kill(pid, SIGTERM) != 0 && errno != ESRCH) {
		ft_seterr(err, errlen, "cannot stop recognition (pid %ld): %s",
		       (long)pid, strerror(errno));
		free(dir);
		return -1;
	}
	deadline = ft_time_mono() + (stop_timeout_s() + 5) * 1000;
	while (ft_time_mono() < deadline) {
		if (running_pid(dir) <= 0) {
			rc = FT_SCHED_DONE;
			break;
		}
		usleep(20000);
	}
	if (rc < 0)
		ft_seterr(err, errlen, "recognition (pid %ld) did not stop "
		       "within %ld s", (long)pid, stop_timeout_s() + 5);
	free(dir);
	return rc;
}

/* --- the supervisor --- */

struct sup {
	char *dir;
	char *status_path;
	const char *pipeline;
	int sigfd[2];		/* self-pipe of signals */
	pid_t child;		/* the pipeline's shell, 0: none */
	pid_t pgid;		/* its process group (kept after it ends) */
	int out;		/* its stdout, -1: closed */
	char *line;		/* a partial line of it */
	size_t linelen;
	int skipping;		/* inside a line too long to keep */
	int64_t since, until;	/* wall ms */
	int64_t child_started;	/* mono ms */
	int64_t ending_at;	/* mono ms: SIGKILL a pipeline that closed its
				 * output and lingers; 0: none */
	int64_t restart_at;	/* mono ms, 0: none due */
	int64_t backoff;
	int64_t restarts, frames, visits, last_frame;
	int64_t last_seq;	/* of the last face line, to count frames */
	char last_source[64];
	int dirty;
	int64_t written_at;
};

static void
slog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line of the log: the time, the program, the message. */
static void
slog(const char *fmt, ...)
{
	char ts[FT_TIME_BUFSZ];
	va_list ap;

	fprintf(stderr, "%s %s: ", ft_time_format(wall_ms(), ts),
		ft_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static int sup_sigfd = -1;

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int e = errno;

	if (write(sup_sigfd, &c, 1) < 0) {
		/* a full pipe already holds a wake-up */
	}
	errno = e;
}

static void
write_status(struct sup *s, int running)
{
	char *tmp = ft_xasprintf("%s.tmp", s->status_path);
	jv o = jv_object();
	jv text;
	FILE *f;

	o = jv_object_set(o, jv_string("pid"),
			  jv_number(running ? getpid() : 0));
	o = jv_object_set(o, jv_string("since"), jv_number((double)s->since));
	o = jv_object_set(o, jv_string("until"), jv_number((double)s->until));
	o = jv_object_set(o, jv_string("pipeline_pid"),
			  jv_number(s->child));
	o = jv_object_set(o, jv_string("restarts"),
			  jv_number((double)s->restarts));
	o = jv_object_set(o, jv_string("last_frame"),
			  jv_number((double)s->last_frame));
	o = jv_object_set(o, jv_string("frames"),
			  jv_number((double)s->frames));
	o = jv_object_set(o, jv_string("visits"),
			  jv_number((double)s->visits));
	text = jv_dump_string(o, 0);
	if ((f = fopen(tmp, "we"))) {
		fprintf(f, "%s\n", jv_string_value(text));
		if (fclose(f) == 0)
			rename(tmp, s->status_path);
	}
	jv_free(text);
	free(tmp);
	s->dirty = 0;
	s->written_at = ft_time_mono();
}

/* Count one record of the pipeline's output. */
static void
count_line(struct sup *s, const char *line, size_t len)
{
	jv v = jv_parse_sized(line, (int)len), type, ts;
	const char *t;
	int64_t ms;

	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return;
	}
	type = jv_object_get(jv_copy(v), jv_string("type"));
	ts = jv_object_get(jv_copy(v), jv_string("ts"));
	t = jv_get_kind(type) == JV_KIND_STRING ? jv_string_value(type) : "";
	if (!strcmp(t, "frame") || !strcmp(t, "face")) {
		jv seq = jv_object_get(jv_copy(v), jv_string("seq"));
		jv src = jv_object_get(jv_copy(v), jv_string("source"));
		int64_t n = jv_get_kind(seq) == JV_KIND_NUMBER
			    ? (int64_t)jv_number_value(seq) : -1;
		const char *sname = jv_get_kind(src) == JV_KIND_STRING
				    ? jv_string_value(src) : "";

		/* Several faces of one frame are one frame. */
		if (!strcmp(t, "frame") || n < 0 || n != s->last_seq ||
		    strncmp(sname, s->last_source, sizeof s->last_source)) {
			s->frames++;
			s->last_seq = n;
			snprintf(s->last_source, sizeof s->last_source, "%s",
				 sname);
		}
		if (jv_get_kind(ts) == JV_KIND_STRING &&
		    ft_time_parse(jv_string_value(ts), 0, 0, &ms) == 0)
			s->last_frame = ms;
		else
			s->last_frame = wall_ms();
		jv_free(seq);
		jv_free(src);
		s->dirty = 1;
	} else if (!strcmp(t, "visit")) {
		s->visits++;
		s->dirty = 1;
	}
	jv_free(type);
	jv_free(ts);
	jv_free(v);
}

/* Read what the pipeline wrote; at its end close the descriptor. */
static void
drain(struct sup *s)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(s->out, buf, sizeof buf), i, start = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(s->out);
			s->out = -1;
			s->linelen = 0;
			s->skipping = 0;
			return;
		}
		for (i = 0; i < n; i++) {
			size_t k;

			if (buf[i] != '\n')
				continue;
			k = (size_t)(i - start);
			if (!s->skipping) {
				if (s->linelen) {
					s->line = ft_xrealloc(s->line,
							      s->linelen + k);
					memcpy(s->line + s->linelen,
					       buf + start, k);
					count_line(s, s->line, s->linelen + k);
				} else {
					count_line(s, buf + start, k);
				}
			}
			s->linelen = 0;
			s->skipping = 0;
			start = i + 1;
		}
		if (start < n && !s->skipping) {
			size_t k = (size_t)(n - start);

			if (s->linelen + k > LINE_MAX_BYTES) {
				s->skipping = 1;
				s->linelen = 0;
			} else {
				s->line = ft_xrealloc(s->line,
						      s->linelen + k);
				memcpy(s->line + s->linelen, buf + start, k);
				s->linelen += k;
			}
		}
	}
}

static int
spawn(struct sup *s)
{
	int out[2], devnull;
	pid_t pid;

	if (s->out >= 0) {
		/* Leftovers of the last pipeline still hold its output. */
		close(s->out);
		s->out = -1;
	}
	if (s->pgid > 0)
		kill(-s->pgid, SIGKILL);
	s->linelen = 0;
	s->skipping = 0;
	if (pipe2(out, O_CLOEXEC) != 0) {
		slog("cannot start the pipeline: %s", strerror(errno));
		return -1;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid = fork();
	if (pid < 0) {
		slog("cannot start the pipeline: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		if (devnull >= 0)
			close(devnull);
		return -1;
	}
	if (pid == 0) {
		/* Its own process group, to be signalled as a whole;
		 * signals back to their defaults (SIGPIPE above all, so
		 * the filters end quietly). */
		setpgid(0, 0);
		unblock_all();
		/* A supervisor killed outright takes the pipeline's shell
		 * along, rather than leave it holding the camera. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(out[1], 1);
		execl("/bin/sh", "sh", "-c", s->pipeline, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(out[1]);
	if (devnull >= 0)
		close(devnull);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	s->out = out[0];
	s->child = pid;
	s->pgid = pid;
	s->child_started = ft_time_mono();
	s->ending_at = 0;
	s->dirty = 1;
	slog("pipeline started (pid %ld)", (long)pid);
	return 0;
}

static void
say_ready(int fd, const char *msg)
{
	if (fd >= 0) {
		if (write(fd, msg, strlen(msg)) < 0) {
			/* the starter gave up waiting */
		}
		close(fd);
	}
}

int
ft_schedule_supervise(void)
{
	struct sup s = { 0 };
	const char *rf = getenv(READY_ENV);
	char err[512], *pidpath = NULL, *path, *selfdir;
	struct sigaction sa = { 0 };
	struct flock fl = { 0 };
	int ready = -1, pidfd = -1, stopping = 0, status = FT_EXIT_OK;
	int64_t kill_at = 0;
	int children = 1;
	long long n;
	ft_schedule sched;

	if (rf && ft_parse_int(rf, 3, 65535, &n) == 0) {
		ready = (int)n;
		fcntl(ready, F_SETFD, FD_CLOEXEC);
	}
	unsetenv(READY_ENV);
	s.out = -1;
	s.last_seq = -1;
	s.backoff = BACKOFF_MIN_MS;
	if (!(s.dir = state_dir(err, sizeof err))) {
		ft_warn("%s", err);
		say_ready(ready, err);
		return FT_EXIT_FAIL;
	}
	pidpath = ft_xasprintf("%s/recognition.pid", s.dir);
	s.status_path = ft_xasprintf("%s/recognition.status", s.dir);
	pidfd = open(pidpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (pidfd < 0) {
		snprintf(err, sizeof err, "cannot open '%s': %s", pidpath,
			 strerror(errno));
		ft_warn("%s", err);
		say_ready(ready, err);
		status = FT_EXIT_FAIL;
		goto out;
	}
	if (fcntl(pidfd, F_SETLK, &fl) != 0) {
		say_ready(ready, "already\n");
		ft_warn("recognition is already running");
		close(pidfd);
		pidfd = -1;
		goto out;
	}
	if (ftruncate(pidfd, 0) == 0)
		dprintf(pidfd, "%ld\n", (long)getpid());

	s.pipeline = ft_config_get("FT_PIPELINE", DEFAULT_PIPELINE);
	/* The default pipeline names the camera as "$FT_CAMERA", and the
	 * programs of ours it runs are found beside this one first, so
	 * that cron's bare PATH will do. */
	setenv("FT_CAMERA", ft_config_get("FT_CAMERA", "/dev/video0"), 1);
	path = program_path("ft-schedule");
	selfdir = ft_xstrdup(path);
	if (strrchr(selfdir, '/'))
		*strrchr(selfdir, '/') = '\0';
	{
		const char *old = getenv("PATH");
		char *np = ft_xasprintf("%s:%s", selfdir,
					old ? old : "/usr/bin:/bin");

		setenv("PATH", np, 1);
		free(np);
	}
	free(path);
	free(selfdir);

	if (pipe2(s.sigfd, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, sizeof err, "cannot make a pipe: %s",
			 strerror(errno));
		ft_warn("%s", err);
		say_ready(ready, err);
		status = FT_EXIT_FAIL;
		goto out;
	}
	sup_sigfd = s.sigfd[1];
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	{
		/* Whoever started us may have blocked these. */
		sigset_t ours;

		sigemptyset(&ours);
		sigaddset(&ours, SIGTERM);
		sigaddset(&ours, SIGINT);
		sigaddset(&ours, SIGHUP);
		sigaddset(&ours, SIGCHLD);
		sigprocmask(SIG_UNBLOCK, &ours, NULL);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	s.since = wall_ms();
	if (ft_schedule_read(&sched, NULL, err, sizeof err) == 0 &&
	    sched.has_window &&
	    ft_window_contains(&sched.window, s.since, &s.until))
		slog("inside the recognition window: stopping at %s",
		     ft_time_format(s.until, (char[FT_TIME_BUFSZ]){ 0 }));
	else
		s.until = 0;
	slog("recognition started (pid %ld)", (long)getpid());
	if (spawn(&s) != 0) {
		say_ready(ready, "cannot start the pipeline; see the log\n");
		status = FT_EXIT_FAIL;
		goto out;
	}
	write_status(&s, 1);
	say_ready(ready, "ok\n");

	for (;;) {
		struct pollfd pfd[2];
		int64_t now = ft_time_mono(), wait = 1000;
		unsigned char sigs[64];
		ssize_t k;
		int np = 0;

		if (s.restart_at && !stopping)
			wait = s.restart_at - now < wait ? s.restart_at - now
							 : wait;
		if (wait < 0)
			wait = 0;
		pfd[np].fd = s.sigfd[0];
		pfd[np++].events = POLLIN;
		if (s.out >= 0) {
			pfd[np].fd = s.out;
			pfd[np++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)np, (int)wait) < 0 && errno != EINTR)
			break;
		children = 1;
		while ((k = read(s.sigfd[0], sigs, sizeof sigs)) > 0) {
			for (ssize_t i = 0; i < k; i++) {
				if (sigs[i] == SIGTERM || sigs[i] == SIGINT) {
					if (!stopping)
						slog("stopping");
					stopping = 1;
				} else if (sigs[i] == SIGHUP && s.child) {
					slog("restarting the pipeline");
					kill(-s.pgid, SIGTERM);
				}
			}
		}
		if (s.out >= 0)
			drain(&s);

		/* Reap the shell and any stage that outlived it (a
		 * subreaper, the supervisor inherits them all). */
		for (;;) {
			int st;
			pid_t pid = waitpid(-1, &st, WNOHANG);

			if (pid < 0 && errno == ECHILD)
				children = 0;
			if (pid <= 0)
				break;
			if (pid != s.child)
				continue;
			now = ft_time_mono();
			if (WIFEXITED(st))
				slog("pipeline exited with status %d",
				     WEXITSTATUS(st));
			else
				slog("pipeline killed by signal %d",
				     WTERMSIG(st));
			s.child = 0;
			s.dirty = 1;
			/* What is left of the group goes too. */
			kill(-s.pgid, SIGTERM);
			if (stopping)
				continue;
			if (now - s.child_started >= HEALTHY_MS)
				s.backoff = BACKOFF_MIN_MS;
			s.restart_at = now + s.backoff;
			slog("restarting in %lld.%03lld s",
			     (long long)s.backoff / 1000,
			     (long long)s.backoff % 1000);
			s.backoff = s.backoff * 2 > BACKOFF_MAX_MS
				    ? BACKOFF_MAX_MS : s.backoff * 2;
		}
		now = ft_time_mono();

		/* A pipeline whose output has closed is finished, even when
		 * an early stage lives on without noticing (one that only
		 * reads a camera never gets SIGPIPE). */
		if (!stopping && s.child && s.out < 0) {
			if (!s.ending_at) {
				slog("the pipeline closed its output: ending "
				     "it");
				kill(-s.pgid, SIGTERM);
				s.ending_at = now + stop_timeout_s() * 1000;
			} else if (now >= s.ending_at) {
				kill(-s.pgid, SIGKILL);
			}
		}
		if (!stopping && s.until && wall_ms() >= s.until) {
			slog("the recognition window has ended");
			stopping = 1;
		}
		if (stopping) {
			if (!kill_at) {
				kill_at = now + stop_timeout_s() * 1000;
				if (s.child)
					kill(-s.pgid, SIGTERM);
			}
			/* Done when the pipeline has ended, its output is
			 * read to the end and no stage of it is left, each
			 * finishing its record in hand (or its time is up). */
			if ((!s.child && s.out < 0 && !children) ||
			    now >= kill_at) {
				if (s.child || s.out >= 0) {
					slog("the pipeline did not stop in "
					     "time: killing it");
					kill(-s.pgid, SIGKILL);
				}
				break;
			}
			continue;
		}
		if (!s.child && s.restart_at && now >= s.restart_at) {
			s.restart_at = 0;
			s.restarts++;
			if (spawn(&s) != 0)
				s.restart_at = now + s.backoff;
		}
		if (s.dirty && now - s.written_at >= 1000)
			write_status(&s, 1);
	}
	/* Reap what the SIGKILL left: the shell and any stage it left. */
	for (int64_t give_up = ft_time_mono() + 2000;
	     ft_time_mono() < give_up;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid < 0 && errno != EINTR)
			break;
		if (pid <= 0)
			nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
	}
	if (s.out >= 0)
		drain(&s);
	s.child = 0;
	s.until = 0;
	write_status(&s, 0);
	slog("recognition stopped after %lld frames and %lld visits",
	     (long long)s.frames, (long long)s.visits);
out:
	if (pidfd >= 0) {
		unlink(pidpath);
		close(pidfd);
	}
	if (s.sigfd[0] > 0) {
		close(s.sigfd[0]);
		close(s.sigfd[1]);
	}
	if (s.out >= 0)
		close(s.out);
	free(s.line);
	free(s.status_path);
	free(s.dir);
	free(pidpath);
	return status;
}
