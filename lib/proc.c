/*
 * proc — running other programs.
 *
 * ft_proc_run feeds the child's stdin and reads its stdout and stderr in
 * one poll loop, so a child that writes much before it reads all of its
 * input cannot deadlock against us.
 */
#include "proc.h"

#include "errors.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 4096

void
ft_proc_reset_signals(void)
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

/* A growing buffer of what one descriptor delivered. */
struct sink {
	char *buf;
	size_t len, cap;
};

/* Read once from *fd into s; close *fd (and set it to -1) at its end. */
static void
sink_read(struct sink *s, int *fd)
{
	ssize_t k;

	if (s->len + READ_CHUNK + 1 > s->cap) {
		s->cap = (s->len + READ_CHUNK + 1) * 2;
		s->buf = ft_xrealloc(s->buf, s->cap);
	}
	k = read(*fd, s->buf + s->len, READ_CHUNK);
	if (k > 0) {
		s->len += (size_t)k;
	} else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
		close(*fd);
		*fd = -1;
	}
}

/* The child's text, NUL-terminated; the sink gives it up. */
static char *
sink_text(struct sink *s)
{
	if (!s->buf)
		s->buf = ft_xmalloc(1);
	s->buf[s->len] = '\0';
	return s->buf;
}

/*
 * Until the child has closed its output and error and taken its input:
 * fds[0] and fds[1] its stdout and stderr, fds[2] its stdin (-1 when
 * there is nothing to write); every descriptor is closed on return.
 */
static void
pump(int fds[3], const char *input, struct sink sinks[2])
{
	size_t inlen = input ? strlen(input) : 0, inoff = 0;
	int i;

	/* poll passes over descriptors set to -1. */
	while (fds[0] >= 0 || fds[1] >= 0 || fds[2] >= 0) {
		struct pollfd pfd[3] = {
			{ fds[0], POLLIN, 0 },
			{ fds[1], POLLIN, 0 },
			{ fds[2], POLLOUT, 0 }
		};
		ssize_t k;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++)
			if (fds[i] >= 0 && pfd[i].revents)
				sink_read(&sinks[i], &fds[i]);
		if (fds[2] < 0 || !pfd[2].revents)
			continue;
		k = write(fds[2], input + inoff, inlen - inoff);
		if (k > 0)
			inoff += (size_t)k;
		if ((k < 0 && errno != EAGAIN && errno != EINTR) ||
		    inoff == inlen) {
			close(fds[2]);
			fds[2] = -1;
		}
	}
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

/* Fork and exec argv with the ends of the three pipes as its stdin,
 * stdout and stderr.  The child's pid, or -1. */
static pid_t
start_child(char *const argv[], int in[2], int out[2], int eout[2])
{
	pid_t pid = fork();

	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(eout[1], 2);
		ft_proc_reset_signals();
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int
ft_proc_run(char *const argv[], const char *input, ft_proc_output *r,
	    char *err, size_t errlen)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, eout[2] = { -1, -1 };
	struct sink sinks[2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old_set;
	int fds[3], st;
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
	if ((pid = start_child(argv, in, out, eout)) < 0) {
		pthread_sigmask(SIG_SETMASK, &old_set, NULL);
		goto syserr;
	}
	close(in[0]);
	close(out[1]);
	close(eout[1]);
	fds[0] = out[0];
	fds[1] = eout[0];
	fds[2] = in[1];
	if (!input || !*input) {
		close(in[1]);
		fds[2] = -1;
	} else {
		fcntl(in[1], F_SETFL, O_NONBLOCK);
	}
	pump(fds, input, sinks);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	r->outlen = sinks[0].len;
	r->out = sink_text(&sinks[0]);
	r->err = sink_text(&sinks[1]);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (r->status == 127) {
		ft_seterr(err, errlen, "cannot run '%s'", argv[0]);
		ft_proc_output_clear(r);
		return FT_EFAIL;
	}
	return FT_OK;
syserr:
	ft_seterr(err, errlen, "cannot run '%s': %s", argv[0], strerror(errno));
	close_pair(in);
	close_pair(out);
	close_pair(eout);
	return FT_EFAIL;
}

void
ft_proc_output_clear(ft_proc_output *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof *r);
}

/* dir/name when it is executable; NULL otherwise. */
static char *
executable_in(const char *dir, int dirlen, const char *name)
{
	char *p = ft_xasprintf("%.*s/%s", dirlen, dir, name);

	if (access(p, X_OK) == 0)
		return p;
	free(p);
	return NULL;
}

char *
ft_proc_path(const char *name)
{
	char self[PATH_MAX], *slash = NULL, *p = NULL, *path, *tok, *save;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
	}
	if (slash && (p = executable_in(self, (int)(slash - self), name)))
		return p;
	path = ft_xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin");
	for (tok = strtok_r(path, ":", &save); tok && !p;
	     tok = strtok_r(NULL, ":", &save))
		if (*tok == '/')
			p = executable_in(tok, (int)strlen(tok), name);
	free(path);
	if (p)
		return p;
	if (slash)
		return ft_xasprintf("%.*s/%s", (int)(slash - self), self,
				    name);
	return ft_xasprintf("/usr/local/bin/%s", name);
}
