/*
 * supervise — the recognition supervisor, and starting and stopping it.
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
 * Starting is `ft-schedule run` forked twice into its own session; it
 * tells its starter through a pipe (descriptor 3, named by
 * FT_SCHEDULE_READY_FD) whether it is up.
 */
#include "supervise.h"

#include "cameras.h"
#include "config.h"
#include "proc.h"
#include "record.h"
#include "schedule.h"
#include "times.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_PIPELINE "ft-capture --source \"$FT_CAMERA\"" \
	" ${FT_CAMERA_NAME:+--name \"$FT_CAMERA_NAME\"} | ft-recognize"
#define READY_ENV "FT_SCHEDULE_READY_FD"
#define LINE_MAX_BYTES (1u << 20)	/* longer pipeline lines are skipped */
#define LOG_ROTATE_BYTES (10L << 20)
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define HEALTHY_MS 60000		/* a run this long resets the backoff */
#define START_WAIT_MS 15000

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
	char buf[8192];	/* sixteen cameras' figures fit */
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

/* The status file's sources, each last_frame as a time. */
static jv
sources_record(jv st)
{
	jv in = jv_object_get(jv_copy(st), jv_string("sources")), out;
	int i, n;

	if (jv_get_kind(in) != JV_KIND_ARRAY) {
		jv_free(in);
		return jv_array();
	}
	out = jv_array();
	n = jv_array_length(jv_copy(in));
	for (i = 0; i < n; i++) {
		jv o = jv_array_get(jv_copy(in), i);

		if (jv_get_kind(o) != JV_KIND_OBJECT) {
			jv_free(o);
			continue;
		}
		o = jv_object_set(o, jv_string("last_frame"),
				  ft_record_time(num(o, "last_frame")));
		out = jv_array_append(out, o);
	}
	jv_free(in);
	return out;
}

int
ft_supervise_status(jv *out, char *err, size_t errlen)
{
	char *dir, serr[256];
	ft_schedule sched;
	pid_t pid;
	jv st, rec;
	int on, rc;

	if ((rc = ft_config_state_dir(&dir, err, errlen)) != FT_OK)
		return rc;
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
	rec = jv_object_set(rec, jv_string("sources"), on ?
			    sources_record(st) : jv_array());
	rec = jv_object_set(rec, jv_string("log"),
			    jv_string_fmt("%s/recognition.log", dir));
	/* Without a readable crontab (no cron installed) the status is
	 * still worth having: the schedule is shown as none. */
	if (ft_schedule_read(&sched, NULL, serr, sizeof serr) != 0)
		memset(&sched, 0, sizeof sched);
	*out = ft_schedule_record(rec, &sched);
	jv_free(st);
	free(dir);
	return FT_OK;
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

/* Whether start --in-window is to do nothing: a window is scheduled and
 * now is outside it.  Without a readable crontab recognition starts. */
static int
outside_window(void)
{
	ft_schedule s;
	char serr[256];

	return ft_schedule_read(&s, NULL, serr, sizeof serr) == FT_OK &&
	       s.has_window &&
	       !ft_schedule_inside(&s.window, ft_time_wall(), NULL);
}

/* The log open for appending, first moved aside to .1 once it has grown
 * past LOG_ROTATE_BYTES; -1 with a message in err. */
static int
open_log(const char *logpath, char *err, size_t errlen)
{
	struct stat sb;
	int fd;

	if (stat(logpath, &sb) == 0 && sb.st_size > LOG_ROTATE_BYTES) {
		char *old = ft_xasprintf("%s.1", logpath);

		rename(logpath, old);
		free(old);
	}
	fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		ft_seterr(err, errlen, "cannot open '%s': %s", logpath,
			  strerror(errno));
	return fd;
}

/*
 * In the grandchild: stdin from devnull, stdout and stderr to the log,
 * ready as descriptor 3 and nothing else of the caller's (a server's
 * sockets, a store's connection); then exec.  Only async-signal-safe
 * calls.
 */
static _Noreturn void
exec_supervisor(int devnull, int logfd, int ready, const char *exe,
		char *const argv[], char *const env[], const char *failmsg)
{
	setsid();
	dup2(devnull, 0);
	dup2(logfd, 1);
	dup2(logfd, 2);
	if (ready != 3) {
		dup2(ready, 3);
		close(ready);
	} else {
		fcntl(3, F_SETFD, 0);
	}
	close_range(4, ~0U, 0);
	ft_proc_reset_signals();
	execve(exe, argv, env);
	if (write(3, failmsg, strlen(failmsg)) < 0)
		_exit(127);
	_exit(127);
}

/* Start `ft-schedule run` with the write end of the ready pipe.  Fork
 * twice so the supervisor is nobody's child here (no zombie in a server
 * that never waits for it), and setsid so a closing terminal does not
 * take it along.  FT_OK or FT_EFAIL with a message in err. */
static int
fork_supervisor(int devnull, int logfd, int ready, char *err, size_t errlen)
{
	char *exe = ft_proc_path("ft-schedule"), *added = NULL, **env;
	char failmsg[PATH_MAX + 32];
	char *argv[] = { exe, (char *)"run", NULL };
	pid_t pid;
	int st;

	/* The supervisor finds its end of the pipe as descriptor 3. */
	env = env_with(READY_ENV, "3", &added);
	snprintf(failmsg, sizeof failmsg, "cannot run '%s'\n", exe);
	pid = fork();
	if (pid == 0) {
		pid_t g = fork();

		if (g != 0)
			_exit(g < 0);
		exec_supervisor(devnull, logfd, ready, exe, argv, env,
				failmsg);
	}
	if (pid < 0)
		ft_seterr(err, errlen, "cannot start recognition: %s",
			  strerror(errno));
	else
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	free(env);
	free(added);
	free(exe);
	return pid < 0 ? FT_EFAIL : FT_OK;
}

/* The supervisor says "ok", "already" or why it failed, then closes its
 * end; no answer in time is a failure too.  Returns FT_SUPERVISE_DONE,
 * FT_SUPERVISE_ALREADY or FT_EFAIL with a message in err. */
static int
await_ready(int fd, const char *logpath, char *err, size_t errlen)
{
	int64_t deadline = ft_time_mono() + START_WAIT_MS;
	char reply[512];
	size_t got = 0;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int64_t left = deadline - ft_time_mono();
		ssize_t k;

		if (left <= 0 || got + 1 >= sizeof reply)
			break;
		if (poll(&pfd, 1, (int)left) <= 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		k = read(fd, reply + got, sizeof reply - 1 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
		if (memchr(reply, '\n', got))
			break;
	}
	reply[got] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (!strcmp(reply, "ok"))
		return FT_SUPERVISE_DONE;
	if (!strcmp(reply, "already"))
		return FT_SUPERVISE_ALREADY;
	if (got)
		ft_seterr(err, errlen, "%s", reply);
	else
		ft_seterr(err, errlen, "recognition did not start; see '%s'",
			  logpath);
	return FT_EFAIL;
}

int
ft_supervise_start(int in_window, char *err, size_t errlen)
{
	char *dir, *logpath = NULL;
	int p[2] = { -1, -1 }, logfd = -1, devnull = -1, rc;

	if ((rc = ft_config_state_dir(&dir, err, errlen)) != FT_OK)
		return rc;
	if (running_pid(dir) > 0) {
		rc = FT_SUPERVISE_ALREADY;
		goto out;
	}
	if (in_window && outside_window()) {
		rc = FT_SUPERVISE_OUTSIDE;
		goto out;
	}
	rc = FT_EFAIL;
	logpath = ft_xasprintf("%s/recognition.log", dir);
	if ((logfd = open_log(logpath, err, errlen)) < 0)
		goto out;
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(p, O_CLOEXEC) != 0) {
		ft_seterr(err, errlen, "cannot start recognition: %s",
			  strerror(errno));
		goto out;
	}
	if (fork_supervisor(devnull, logfd, p[1], err, errlen) != FT_OK)
		goto out;
	close(p[1]);
	p[1] = -1;
	rc = await_ready(p[0], logpath, err, errlen);
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (logfd >= 0)
		close(logfd);
	if (devnull >= 0)
		close(devnull);
	free(logpath);
	free(dir);
	return rc;
}

int
ft_supervise_stop(char *err, size_t errlen)
{
	char *dir;
	int64_t deadline;
	pid_t pid;
	int rc;

	if ((rc = ft_config_state_dir(&dir, err, errlen)) != FT_OK)
		return rc;
	if ((pid = running_pid(dir)) <= 0) {
		free(dir);
		return FT_SUPERVISE_ALREADY;
	}
	if (kill(pid, SIGTERM) != 0 && errno != ESRCH) {
		ft_seterr(err, errlen, "cannot stop recognition (pid %ld): %s",
			  (long)pid, strerror(errno));
		free(dir);
		return FT_EFAIL;
	}
	rc = FT_EFAIL;
	deadline = ft_time_mono() + (stop_timeout_s() + 5) * 1000;
	while (ft_time_mono() < deadline) {
		if (running_pid(dir) <= 0) {
			rc = FT_SUPERVISE_DONE;
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

/* One pipeline: FT_PIPELINE run for one source. */
struct pipe {
	char *name;		/* the source's name (FT_CAMERA_NAME), or
				 * NULL: ft-capture's default */
	char *camera;		/* FT_CAMERA for it */
	pid_t child;		/* the pipeline's shell, 0: none */
	pid_t pgid;		/* its process group (kept after it ends) */
	int out;		/* its stdout, -1: closed */
	char *line;		/* a partial line of it */
	size_t linelen;
	int skipping;		/* inside a line too long to keep */
	int64_t child_started;	/* mono ms */
	int64_t ending_at;	/* mono ms: SIGKILL a pipeline that closed its
				 * output and lingers; 0: none */
	int64_t restart_at;	/* mono ms, 0: none due */
	int64_t backoff;
	int64_t restarts;
	int64_t last_seq;	/* of the last face line, to count frames */
	char last_source[64];
	int64_t frames, last_frame;	/* its own, as sup's */
};

struct sup {
	char *dir;
	char *status_path;
	const char *pipeline;
	int sigfd[2];		/* self-pipe of signals */
	struct pipe pipes[FT_SUPERVISE_MAX_SOURCES];
	int npipes;
	const char *from;	/* where the cameras came from (cameras.h) */
	int64_t since, until;	/* wall ms */
	int64_t frames, visits, last_frame;
	int dirty;
	int64_t written_at;
	int stopping;		/* asked to stop, or the window is over */
	int64_t kill_at;	/* mono ms: SIGKILL what has not stopped */
	int children;		/* 0 once no child at all is left */
};

static void
slog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line of the log: the time, the program, the message. */
static void
slog(const char *fmt, ...)
{
	char ts[FT_TIME_BUFSZ];
	va_list ap;

	fprintf(stderr, "%s %s: ", ft_time_format(ft_time_wall(), ts),
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

/* Each pipeline's source, shell, restarts and frames (never its
 * camera, whose URL may hold a password). */
static jv
sources_json(const struct sup *s)
{
	jv a = jv_array();
	int i;

	for (i = 0; i < s->npipes; i++) {
		const struct pipe *p = &s->pipes[i];
		jv o = jv_object();

		o = jv_object_set(o, jv_string("name"), p->name ?
				  jv_string(p->name) : jv_null());
		o = jv_object_set(o, jv_string("pipeline_pid"),
				  int_or_null(p->child));
		o = jv_object_set(o, jv_string("restarts"),
				  jv_number((double)p->restarts));
		o = jv_object_set(o, jv_string("frames"),
				  jv_number((double)p->frames));
		o = jv_object_set(o, jv_string("last_frame"),
				  jv_number((double)p->last_frame));
		a = jv_array_append(a, o);
	}
	return a;
}

static void
write_status(struct sup *s, int running)
{
	char *tmp = ft_xasprintf("%s.tmp", s->status_path);
	jv o = jv_object();
	jv text;
	FILE *f;
	int64_t restarts = 0;
	int i;

	for (i = 0; i < s->npipes; i++)
		restarts += s->pipes[i].restarts;

	o = jv_object_set(o, jv_string("pid"),
			  jv_number(running ? getpid() : 0));
	o = jv_object_set(o, jv_string("since"), jv_number((double)s->since));
	o = jv_object_set(o, jv_string("until"), jv_number((double)s->until));
	o = jv_object_set(o, jv_string("pipeline_pid"),
			  jv_number(s->pipes[0].child));
	o = jv_object_set(o, jv_string("restarts"),
			  jv_number((double)restarts));
	o = jv_object_set(o, jv_string("sources"), sources_json(s));
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
count_line(struct sup *s, struct pipe *p, const char *line, size_t len)
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
		if (!strcmp(t, "frame") || n < 0 || n != p->last_seq ||
		    strncmp(sname, p->last_source, sizeof p->last_source)) {
			s->frames++;
			p->frames++;
			p->last_seq = n;
			snprintf(p->last_source, sizeof p->last_source, "%s",
				 sname);
		}
		if (jv_get_kind(ts) == JV_KIND_STRING &&
		    ft_time_parse(jv_string_value(ts), 0, 0, &ms) == 0)
			s->last_frame = ms;
		else
			s->last_frame = ft_time_wall();
		p->last_frame = s->last_frame;
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
drain(struct sup *s, struct pipe *p)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(p->out, buf, sizeof buf), i, start = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(p->out);
			p->out = -1;
			p->linelen = 0;
			p->skipping = 0;
			return;
		}
		for (i = 0; i < n; i++) {
			size_t k;

			if (buf[i] != '\n')
				continue;
			k = (size_t)(i - start);
			if (!p->skipping) {
				if (p->linelen) {
					p->line = ft_xrealloc(p->line,
							      p->linelen + k);
					memcpy(p->line + p->linelen,
					       buf + start, k);
					count_line(s, p, p->line, p->linelen + k);
				} else {
					count_line(s, p, buf + start, k);
				}
			}
			p->linelen = 0;
			p->skipping = 0;
			start = i + 1;
		}
		if (start < n && !p->skipping) {
			size_t k = (size_t)(n - start);

			if (p->linelen + k > LINE_MAX_BYTES) {
				p->skipping = 1;
				p->linelen = 0;
			} else {
				p->line = ft_xrealloc(p->line,
						      p->linelen + k);
				memcpy(p->line + p->linelen, buf + start, k);
				p->linelen += k;
			}
		}
	}
}

static int
spawn(struct sup *s, struct pipe *p)
{
	int out[2], devnull;
	pid_t pid;

	if (p->out >= 0) {
		/* Leftovers of the last pipeline still hold its output. */
		close(p->out);
		p->out = -1;
	}
	if (p->pgid > 0)
		kill(-p->pgid, SIGKILL);
	p->linelen = 0;
	p->skipping = 0;
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
		ft_proc_reset_signals();
		/* A supervisor killed outright takes the pipeline's shell
		 * along, rather than leave it holding the camera. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(out[1], 1);
		/* Single-threaded, so setenv is safe here. */
		if (p->camera)
			setenv("FT_CAMERA", p->camera, 1);
		if (p->name)
			setenv("FT_CAMERA_NAME", p->name, 1);
		execl("/bin/sh", "sh", "-c", s->pipeline, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(out[1]);
	if (devnull >= 0)
		close(devnull);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	p->out = out[0];
	p->child = pid;
	p->pgid = pid;
	p->child_started = ft_time_mono();
	p->ending_at = 0;
	s->dirty = 1;
	if (p->name)
		slog("pipeline of '%s' started (pid %ld)", p->name, (long)pid);
	else
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

/* The descriptor on which the starter waits for our word, or -1 when
 * run by hand. */
static int
ready_fd(void)
{
	const char *rf = getenv(READY_ENV);
	long long n;
	int fd = -1;

	if (rf && ft_parse_int(rf, 3, 65535, &n) == 0) {
		fd = (int)n;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	unsetenv(READY_ENV);
	return fd;
}

/* Lock the pid file and write our pid into it.  The descriptor (to be
 * held while we run), or -1 with *status FT_EXIT_FAIL when it cannot be
 * opened and FT_EXIT_OK when another supervisor holds it. */
static int
lock_pidfile(const char *pidpath, int ready, int *status)
{
	struct flock fl = { 0 };
	char err[PATH_MAX + 64];
	int fd = open(pidpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fd < 0) {
		snprintf(err, sizeof err, "cannot open '%s': %s", pidpath,
			 strerror(errno));
		ft_warn("%s", err);
		say_ready(ready, err);
		*status = FT_EXIT_FAIL;
		return -1;
	}
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		say_ready(ready, "already\n");
		ft_warn("recognition is already running");
		close(fd);
		*status = FT_EXIT_OK;
		return -1;
	}
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "%ld\n", (long)getpid());
	return fd;
}

/* The default pipeline names the camera as "$FT_CAMERA", and the
 * programs of ours it runs are found beside this one first, so that
 * cron's bare PATH will do. */
static void
pipeline_env(void)
{
	char *path = ft_proc_path("ft-schedule"), *slash, *np;
	const char *old = getenv("PATH");

	setenv("FT_CAMERA", ft_config_get("FT_CAMERA", "/dev/video0"), 1);
	if ((slash = strrchr(path, '/')))
		*slash = '\0';
	np = ft_xasprintf("%s:%s", path, old ? old : "/usr/bin:/bin");
	setenv("PATH", np, 1);
	free(np);
	free(path);
}

/* Signals into the self-pipe, unblocked whatever our starter blocked;
 * subreaper of what the pipeline leaves.  0, or -1 with a message. */
static int
catch_signals(struct sup *s, char *err, size_t errlen)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	struct sigaction sa = { 0 };
	sigset_t ours;
	size_t i;

	if (pipe2(s->sigfd, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "cannot make a pipe: %s",
			 strerror(errno));
		return -1;
	}
	sup_sigfd = s->sigfd[1];
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigemptyset(&ours);
	for (i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&ours, sigs[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, &ours, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return 0;
}

/* Sleep until a signal, a pipeline's output or a due restart; at most
 * a second.  -1 when poll failed for good. */
static int
wait_events(struct sup *s)
{
	struct pollfd pfd[FT_SUPERVISE_MAX_SOURCES + 1];
	int64_t now = ft_time_mono(), wait = 1000;
	int np = 0, i;

	for (i = 0; i < s->npipes; i++) {
		const struct pipe *p = &s->pipes[i];

		if (p->restart_at && !s->stopping && p->restart_at - now < wait)
			wait = p->restart_at - now;
		if (p->out >= 0) {
			pfd[np].fd = p->out;
			pfd[np++].events = POLLIN;
		}
	}
	if (wait < 0)
		wait = 0;
	pfd[np].fd = s->sigfd[0];
	pfd[np++].events = POLLIN;
	if (poll(pfd, (nfds_t)np, (int)wait) < 0 && errno != EINTR)
		return -1;
	return 0;
}

/* Act on the signals the handler queued: TERM and INT stop, HUP
 * restarts the pipelines. */
static void
take_signals(struct sup *s)
{
	unsigned char sigs[64];
	ssize_t k, i;
	int j;

	while ((k = read(s->sigfd[0], sigs, sizeof sigs)) > 0) {
		for (i = 0; i < k; i++) {
			if (sigs[i] == SIGTERM || sigs[i] == SIGINT) {
				if (!s->stopping)
					slog("stopping");
				s->stopping = 1;
			} else if (sigs[i] == SIGHUP) {
				for (j = 0; j < s->npipes; j++) {
					if (!s->pipes[j].child)
						continue;
					slog("restarting the pipeline");
					kill(-s->pipes[j].pgid, SIGTERM);
				}
			}
		}
	}
}

/* The pipeline's shell has ended with st: what is left of its group
 * goes too, and unless we are stopping it comes back after the
 * backoff.  Each pipeline has its own: a camera that keeps failing
 * does not hold the others back. */
static void
pipeline_ended(struct sup *s, struct pipe *p, int st)
{
	int64_t now = ft_time_mono();
	const char *of = p->name ? p->name : "";

	if (WIFEXITED(st))
		slog("pipeline%s%s%s exited with status %d",
		     *of ? " of '" : "", of, *of ? "'" : "", WEXITSTATUS(st));
	else
		slog("pipeline%s%s%s killed by signal %d",
		     *of ? " of '" : "", of, *of ? "'" : "", WTERMSIG(st));
	p->child = 0;
	s->dirty = 1;
	kill(-p->pgid, SIGTERM);
	if (s->stopping)
		return;
	if (now - p->child_started >= HEALTHY_MS)
		p->backoff = BACKOFF_MIN_MS;
	p->restart_at = now + p->backoff;
	slog("restarting in %lld.%03lld s", (long long)p->backoff / 1000,
	     (long long)p->backoff % 1000);
	p->backoff = p->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
						     : p->backoff * 2;
}

/* Reap the shells and any stage that outlived its shell (a subreaper,
 * the supervisor inherits them all); note when no child is left. */
static void
reap(struct sup *s)
{
	for (;;) {
		int st, i;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid < 0 && errno == ECHILD)
			s->children = 0;
		if (pid <= 0)
			break;
		for (i = 0; i < s->npipes; i++)
			if (pid == s->pipes[i].child)
				pipeline_ended(s, &s->pipes[i], st);
	}
}

/* A pipeline whose output has closed is finished, even when an early
 * stage lives on without noticing (one that only reads a camera never
 * gets SIGPIPE): TERM it, then KILL it after the stop timeout. */
static void
end_lingering(struct sup *s, struct pipe *p, int64_t now)
{
	if (s->stopping || !p->child || p->out >= 0)
		return;
	if (!p->ending_at) {
		slog("the pipeline closed its output: ending it");
		kill(-p->pgid, SIGTERM);
		p->ending_at = now + stop_timeout_s() * 1000;
	} else if (now >= p->ending_at) {
		kill(-p->pgid, SIGKILL);
	}
}

/* A step of stopping: TERM the pipelines once, KILL them when their
 * time is up.  1 when the supervisor may end. */
static int
stop_step(struct sup *s, int64_t now)
{
	int i, left = 0;

	if (!s->kill_at) {
		s->kill_at = now + stop_timeout_s() * 1000;
		for (i = 0; i < s->npipes; i++)
			if (s->pipes[i].child)
				kill(-s->pipes[i].pgid, SIGTERM);
	}
	for (i = 0; i < s->npipes; i++)
		left |= s->pipes[i].child || s->pipes[i].out >= 0;
	/* Done when the pipelines have ended, their output is read to the
	 * end and no stage of them is left, each finishing its record in
	 * hand (or their time is up). */
	if ((!left && !s->children) || now >= s->kill_at) {
		for (i = 0; i < s->npipes; i++) {
			struct pipe *p = &s->pipes[i];

			if (!p->child && p->out < 0)
				continue;
			slog("the pipeline did not stop in time: killing it");
			kill(-p->pgid, SIGKILL);
		}
		return 1;
	}
	return 0;
}

/* Until stopped: count, reap, restart, end lingering pipelines. */
static void
supervise_loop(struct sup *s)
{
	for (;;) {
		int64_t now;
		int i;

		if (wait_events(s) != 0)
			break;
		s->children = 1;
		take_signals(s);
		for (i = 0; i < s->npipes; i++)
			if (s->pipes[i].out >= 0)
				drain(s, &s->pipes[i]);
		reap(s);
		now = ft_time_mono();
		for (i = 0; i < s->npipes; i++)
			end_lingering(s, &s->pipes[i], now);
		if (!s->stopping && s->until && ft_time_wall() >= s->until) {
			slog("the recognition window has ended");
			s->stopping = 1;
		}
		if (s->stopping) {
			if (stop_step(s, now))
				break;
			continue;
		}
		for (i = 0; i < s->npipes; i++) {
			struct pipe *p = &s->pipes[i];

			if (p->child || !p->restart_at || now < p->restart_at)
				continue;
			p->restart_at = 0;
			p->restarts++;
			s->dirty = 1;
			if (spawn(s, p) != 0)
				p->restart_at = now + p->backoff;
		}
		if (s->dirty && now - s->written_at >= 1000)
			write_status(s, 1);
	}
}

/* Reap what the SIGKILL left (the shells and any stage they left), read
 * the last output and say we have stopped. */
static void
finish(struct sup *s)
{
	int64_t give_up = ft_time_mono() + 2000;
	int i;

	while (ft_time_mono() < give_up) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid < 0 && errno != EINTR)
			break;
		if (pid <= 0)
			nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
	}
	for (i = 0; i < s->npipes; i++) {
		if (s->pipes[i].out >= 0)
			drain(s, &s->pipes[i]);
		s->pipes[i].child = 0;
	}
	s->until = 0;
	write_status(s, 0);
	slog("recognition stopped after %lld frames and %lld visits",
	     (long long)s->frames, (long long)s->visits);
}

/* The pipelines to run: one for each camera (cameras.h).  0, or -1
 * with a message. */
static int
sources(struct sup *s, char *err, size_t errlen)
{
	ft_cameras cams;
	int i;

	if (ft_cameras_load(&cams, err, errlen) != FT_OK)
		return -1;
	for (i = 0; i < cams.n; i++) {
		s->pipes[i].name = cams.cam[i].name;
		s->pipes[i].camera = cams.cam[i].source;
	}
	s->npipes = cams.n;
	s->from = cams.from;
	cams.n = 0;		/* the pipes own the strings now */
	return 0;
}

/* Run the pipelines until stopped; the exit status. */
static int
supervise(struct sup *s, int ready)
{
	ft_schedule sched;
	char err[512];
	int i;

	s->pipeline = ft_config_get("FT_PIPELINE", DEFAULT_PIPELINE);
	pipeline_env();
	if (sources(s, err, sizeof err) != 0 ||
	    catch_signals(s, err, sizeof err) != 0) {
		ft_warn("%s", err);
		say_ready(ready, err);
		return FT_EXIT_FAIL;
	}
	s->since = ft_time_wall();
	if (ft_schedule_read(&sched, NULL, err, sizeof err) == FT_OK &&
	    sched.has_window &&
	    ft_schedule_inside(&sched.window, s->since, &s->until))
		slog("inside the recognition window: stopping at %s",
		     ft_time_format(s->until, (char[FT_TIME_BUFSZ]){ 0 }));
	else
		s->until = 0;
	slog("recognition started (pid %ld, %d camera%s of %s)",
	     (long)getpid(), s->npipes, s->npipes == 1 ? "" : "s", s->from);
	for (i = 0; i < s->npipes; i++) {
		if (spawn(s, &s->pipes[i]) == 0)
			continue;
		/* What did start must not outlive us. */
		while (i-- > 0)
			kill(-s->pipes[i].pgid, SIGKILL);
		say_ready(ready, "cannot start the pipeline; see the log\n");
		return FT_EXIT_FAIL;
	}
	write_status(s, 1);
	say_ready(ready, "ok\n");
	supervise_loop(s);
	finish(s);
	return FT_EXIT_OK;
}

int
ft_supervise_run(void)
{
	struct sup s = { 0 };
	char err[512], *pidpath;
	int ready = ready_fd(), pidfd, status = FT_EXIT_FAIL, i;

	for (i = 0; i < FT_SUPERVISE_MAX_SOURCES; i++) {
		s.pipes[i].out = -1;
		s.pipes[i].last_seq = -1;
		s.pipes[i].backoff = BACKOFF_MIN_MS;
	}
	if (ft_config_state_dir(&s.dir, err, sizeof err) != FT_OK) {
		ft_warn("%s", err);
		say_ready(ready, err);
		return FT_EXIT_FAIL;
	}
	pidpath = ft_xasprintf("%s/recognition.pid", s.dir);
	s.status_path = ft_xasprintf("%s/recognition.status", s.dir);
	if ((pidfd = lock_pidfile(pidpath, ready, &status)) >= 0) {
		status = supervise(&s, ready);
		unlink(pidpath);
		close(pidfd);
	}
	if (s.sigfd[0] > 0) {
		close(s.sigfd[0]);
		close(s.sigfd[1]);
	}
	for (i = 0; i < FT_SUPERVISE_MAX_SOURCES; i++) {
		if (s.pipes[i].out >= 0)
			close(s.pipes[i].out);
		free(s.pipes[i].line);
		free(s.pipes[i].name);
		free(s.pipes[i].camera);
	}
	free(s.status_path);
	free(s.dir);
	free(pidpath);
	return status;
}
