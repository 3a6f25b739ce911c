/*
 * ft-chat — questions about customers and visits in plain language.
 *
 * Reads questions from -e options, from a terminal with line editing
 * and a history file, or one a line from standard input when that is not
 * a terminal.  Writes each answer to stdout as it arrives, a chart as
 * bars of block characters (its image files are named in the answer),
 * and notices (retries, answering offline, the tools run with
 * --verbose) to stderr.
 *
 * The engine is lib/chat.c, shared with ft-serve; this file wires a
 * terminal to it.  Readline runs through its callback interface so that
 * the program's own select() loop sees Ctrl-C: at the prompt it clears
 * the line, while an answer is coming it sets the engine's cancel flag,
 * which the HTTP transfer and the tool loop poll.
 */
#include "chart.h"
#include "chat.h"
#include "config.h"
#include "store.h"
#include "util.h"

#include <readline/history.h>
#include <readline/readline.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
"usage: ft-chat [--db URL] [--offline] [--model NAME] [--url URL]\n"
"               [--no-stream] [--plots DIR] [--chart-format png|svg|both]\n"
"               [--verbose] [-e QUESTION]...\n";

enum {
	O_DB = 256, O_OFFLINE, O_MODEL, O_URL, O_NO_STREAM, O_PLOTS,
	O_CHART_FORMAT, O_VERSION
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, O_DB },
	{ "offline", no_argument, NULL, O_OFFLINE },
	{ "model", required_argument, NULL, O_MODEL },
	{ "url", required_argument, NULL, O_URL },
	{ "no-stream", no_argument, NULL, O_NO_STREAM },
	{ "plots", required_argument, NULL, O_PLOTS },
	{ "chart-format", required_argument, NULL, O_CHART_FORMAT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "eval", required_argument, NULL, 'e' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

static ft_chat *engine;
static volatile sig_atomic_t interrupted, resized;
static int verbose, utf8, write_failed, quit, status;
static char *history_path;

static void
on_sigint(int sig)
{
	interrupted = 1;
	if (engine)
		ft_chat_cancel(engine);
}

static void
on_sigwinch(int sig)
{
	resized = 1;
}

/* --- where answers go --- */

static void
out_text(void *ctx, const char *s, size_t n)
{
	if (fwrite(s, 1, n, stdout) != n || fflush(stdout) != 0)
		write_failed = 1;
}

static int
terminal_columns(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0
	    && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void
out_chart(void *ctx, const ft_chart *c, const char *const *paths, size_t n)
{
	int label = 0, width;
	size_t i;

	for (i = 0; i < c->n; i++)
		if ((int)strlen(c->labels[i]) > label)
			label = (int)strlen(c->labels[i]);
	/* Room for the label, the bar and a value of up to 8 digits. */
	width = terminal_columns() - label - 11;
	if (width > 60)
		width = 60;
	if (width < 10)
		width = 10;
	if (ft_chart_bars(stdout, c, width, utf8) != 0 ||
	    fflush(stdout) != 0)
		write_failed = 1;
}

static void
out_tool(void *ctx, const char *name, const char *args, const char *result)
{
	if (verbose)
		fprintf(stderr, "%s: tool %s %s -> %.300s%s\n", ft_progname(),
			name, args, result, strlen(result) > 300 ? "..." : "");
}

static void
out_notice(void *ctx, const char *msg)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", ft_progname(), msg);
}

static const ft_chat_out out = {
	out_text, out_chart, out_tool, out_notice, NULL
};

/* Answer one question; the exit status it earns. */
static int
answer(const char *question)
{
	char err[1024];
	int rc;

	rc = ft_chat_ask(engine, question, &out, err, sizeof err);
	switch (rc) {
	case FT_CHAT_OK:
		return FT_EXIT_OK;
	case FT_CHAT_EUNKNOWN:
		return FT_EXIT_FAIL;
	case FT_CHAT_ECANCEL:
		ft_warn("%s", err);
		return 130;
	case FT_CHAT_ETEMP:
		ft_warn("%s", err);
		return FT_EXIT_TEMPFAIL;
	default:
		ft_warn("%s", err);
		return FT_EXIT_FAIL;
	}
}

/* The worse of two exit statuses: 75 outranks 1, which outranks 0. */
static int
worse(int a, int b)
{
	if (a == FT_EXIT_TEMPFAIL || b == FT_EXIT_TEMPFAIL)
		return FT_EXIT_TEMPFAIL;
	return a > b ? a : b;
}

/* --- the prompt --- */

static void
history_open(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir, *p;
	int fd;

	if (state && *state)
		dir = ft_xasprintf("%s/facetrack", state);
	else if (home && *home)
		dir = ft_xasprintf("%s/.local/state/facetrack", home);
	else
		return;
	/* Questions name customers: the history is the user's alone. */
	for (p = dir + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	}
	mkdir(dir, 0700);
	history_path = ft_xasprintf("%s/chat_history", dir);
	free(dir);
	fd = open(history_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		ft_warn("cannot open '%s': %s; no history kept", history_path,
			strerror(errno));
		free(history_path);
		history_path = NULL;
		return;
	}
	close(fd);
	read_history(history_path);
}

static void
repl_help(void)
{
	printf("Ask a question in plain language; Ctrl-C cancels an answer, "
	       "Ctrl-D or /quit\nleaves, /reset starts a new conversation.\n");
	if (!ft_chat_online(engine))
		answer("help");
}

static void
on_line(char *line)
{
	char *q = line, *e;

	if (!line) {		/* Ctrl-D */
		putchar('\n');
		quit = 1;
		rl_callback_handler_remove();
		return;
	}
	while (*q == ' ' || *q == '\t')
		q++;
	e = q + strlen(q);
	while (e > q && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	if (*q) {
		add_history(q);
		if (history_path && append_history(1, history_path) != 0)
			history_path = NULL;
	}
	if (!*q) {
		/* nothing */
	} else if (!strcmp(q, "/quit") || !strcmp(q, "/exit") ||
		   !strcmp(q, "quit") || !strcmp(q, "exit")) {
		quit = 1;
		rl_callback_handler_remove();
	} else if (!strcmp(q, "/reset")) {
		ft_chat_reset(engine);
		printf("(a new conversation)\n");
	} else if (!strcmp(q, "/help")) {
		repl_help();
	} else {
		interrupted = 0;
		answer(q);
		interrupted = 0;
	}
	free(line);
	fflush(stdout);
}

static int
repl(void)
{
	fd_set fds;
	int n;

	printf("FaceTrack chat, %s%s. Ctrl-D leaves, /help for help.\n",
	       ft_chat_describe(engine), ft_chat_online(engine) ? "" :
	       " (no API key: set OPENROUTER_API_KEY for a language model)");
	history_open();
	rl_readline_name = "ft-chat";
	/* Signals are this loop's: readline only edits. */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_callback_handler_install("> ", on_line);
	while (!quit) {
		FD_ZERO(&fds);
		FD_SET(STDIN_FILENO, &fds);
		n = select(STDIN_FILENO + 1, &fds, NULL, NULL, NULL);
		if (resized) {
			resized = 0;
			rl_resize_terminal();
		}
		if (interrupted) {
			/* Ctrl-C at the prompt: drop the line, start over. */
			interrupted = 0;
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_replace_line("", 0);
			rl_crlf();
			rl_on_new_line();
			rl_redisplay();
			continue;
		}
		if (n < 0 && errno != EINTR) {
			ft_warn("cannot read the terminal: %s",
				strerror(errno));
			break;
		}
		if (n > 0)
			rl_callback_read_char();
	}
	if (!quit)
		rl_callback_handler_remove();
	if (history_path) {
		history_truncate_file(history_path, 1000);
		free(history_path);
	}
	return FT_EXIT_OK;
}

/* Questions one a line from a file or pipe. */
static int
questions(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!*line || strspn(line, " \t") == (size_t)n)
			continue;
		status = worse(status, answer(line));
		if (status == 130 || write_failed)
			break;
	}
	free(line);
	return status;
}

int
main(int argc, char **argv)
{
	const char **evals = NULL;
	size_t nevals = 0, i;
	ft_chat_opts o = { 0 };
	struct sigaction sa;
	char err[512];
	int c, offline = 0, no_stream = 0;

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	setlocale(LC_CTYPE, "");
	while ((c = getopt_long(argc, argv, "e:hv", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB: ft_config_set("FT_DB", optarg); break;
		case O_OFFLINE: offline = 1; break;
		case O_MODEL: ft_config_set("FT_LLM_MODEL", optarg); break;
		case O_URL: ft_config_set("FT_LLM_URL", optarg); break;
		case O_NO_STREAM: no_stream = 1; break;
		case O_PLOTS: ft_config_set("FT_PLOTS_DIR", optarg); break;
		case O_CHART_FORMAT:
			if (ft_chart_format_parse(optarg) < 0)
				ft_usage_error("bad --chart-format: '%s'",
					       optarg);
			ft_config_set("FT_CHART_FORMAT", optarg);
			break;
		case 'v': verbose = 1; break;
		case 'e':
			evals = ft_xrealloc(evals, (nevals + 1) *
					    sizeof *evals);
			evals[nevals++] = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return ft_close_stdout(FT_EXIT_OK);
		case O_VERSION:
			printf("ft-chat %s\n", FT_VERSION);
			return ft_close_stdout(FT_EXIT_OK);
		default:
			ft_usage_error(NULL);
		}
	}
	if (optind < argc)
		ft_usage_error("unexpected argument '%s' (a question goes "
			       "after -e, in quotes)", argv[optind]);
	if (ft_chat_opts_configured(&o, err, sizeof err) != 0)
		ft_die(FT_EXIT_FAIL, "%s", err);
	o.offline = offline;
	if (no_stream)
		o.stream = 0;
	utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");

	/* A reader: a mistyped store is an error, not an empty store. */
	ft_store_need_existing();
	o.store = ft_store_open_configured();
	engine = ft_chat_new(&o);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);	/* no SA_RESTART: select wakes */
	sa.sa_handler = on_sigwinch;
	sigaction(SIGWINCH, &sa, NULL);

	if (nevals) {
		for (i = 0; i < nevals && status != 130 && !write_failed; i++)
			status = worse(status, answer(evals[i]));
	} else if (isatty(STDIN_FILENO)) {
		status = repl();
	} else {
		status = questions(stdin);
	}
	ft_chat_free(engine);
	engine = NULL;
	ft_store_close(o.store);
	free(evals);
	return ft_close_stdout(write_failed ? FT_EXIT_FAIL : status);
}
