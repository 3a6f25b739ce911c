/*
 * ft-serve — the dashboard on http://127.0.0.1:8080.
 *
 * Reads HTTP requests; writes the dashboard's static files, JSON from the
 * same query functions as ft-query, and server-sent events of new visits
 * and customers as any process records them in the store.  The server
 * itself lives in lib/serve.c; this file reads options and settings and
 * waits for a signal.
 *
 * Signals are blocked before any thread starts, so every thread inherits
 * the mask and the main thread alone takes SIGTERM with sigwait: no
 * handler runs inside libmicrohttpd's threads, and the stop that follows
 * is ordinary code.
 */
#include "config.h"
#include "serve.h"
#include "store.h"
#include "util.h"

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char usage[] =
"usage: ft-serve [--listen ADDR] [--db URL] [--web DIR] [--threads N]\n"
"                [--max-clients N] [--max-per-address N] [--idle-timeout S]\n"
"                [--max-busy N] [--cache-ms N]\n";

enum {
	O_LISTEN = 256, O_DB, O_WEB, O_THREADS, O_MAX_CLIENTS, O_CACHE_MS,
	O_PER_ADDR, O_IDLE, O_MAX_BUSY, O_VERSION
};

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "db", required_argument, NULL, O_DB },
	{ "web", required_argument, NULL, O_WEB },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "max-clients", required_argument, NULL, O_MAX_CLIENTS },
	{ "cache-ms", required_argument, NULL, O_CACHE_MS },
	{ "max-per-address", required_argument, NULL, O_PER_ADDR },
	{ "idle-timeout", required_argument, NULL, O_IDLE },
	{ "max-busy", required_argument, NULL, O_MAX_BUSY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* Set by the Makefile: where make install puts the dashboard. */
#ifndef FT_WEBDIR
#define FT_WEBDIR "/usr/local/share/facetrack/web"
#endif

/* The dashboard's files: FT_WEB, else web/ beside the build directory,
 * else share/facetrack/web of the installation, else where make install
 * was told to put it.  The caller frees the result. */
static char *
default_web_dir(void)
{
	const char *set = ft_config_get("FT_WEB", NULL);
	char self[PATH_MAX], *p, *try;
	ssize_t n;
	int i;

	if (set && *set)
		return ft_xstrdup(set);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((p = strrchr(self, '/')))
			*p = '\0';
		for (i = 0; i < 2; i++) {
			try = ft_xasprintf(i ? "%s/../share/facetrack/web"
					     : "%s/../web", self);
			p = ft_xasprintf("%s/index.html", try);
			if (access(p, R_OK) == 0) {
				free(p);
				return try;
			}
			free(p);
			free(try);
		}
	}
	return ft_xstrdup(FT_WEBDIR);
}

/* Event streams hold a descriptor each: use every one we may. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static unsigned
count_arg(const char *opt, const char *arg, long long min, long long max)
{
	long long n;

	if (ft_parse_int(arg, min, max, &n) != 0)
		ft_usage_error("bad --%s: '%s' (%lld to %lld)", opt, arg, min,
			       max);
	return (unsigned)n;
}

int
main(int argc, char **argv)
{
	ft_serve_config cfg = { 0 };
	const char *web = NULL;
	char err[512], *url, *webdir;
	ft_server *srv;
	sigset_t set;
	int c, sig, rc;

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	cfg.cache_ms = 1000;
	cfg.max_per_addr = 64;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN: ft_config_set("FT_LISTEN", optarg); break;
		case O_DB: ft_config_set("FT_DB", optarg); break;
		case O_WEB: web = optarg; break;
		case O_THREADS:
			cfg.threads = count_arg("threads", optarg, 1, 64);
			break;
		case O_MAX_CLIENTS:
			cfg.max_clients = count_arg("max-clients", optarg, 1,
						    100000);
			break;
		case O_PER_ADDR:
			cfg.max_per_addr = count_arg("max-per-address",
						     optarg, 0, 100000);
			break;
		case O_IDLE:
			cfg.idle_s = count_arg("idle-timeout", optarg, 1,
					       3600);
			break;
		case O_MAX_BUSY:
			cfg.max_busy = count_arg("max-busy", optarg, 1, 64);
			break;
		case O_CACHE_MS:
			cfg.cache_ms = count_arg("cache-ms", optarg, 0,
						 60000);
			break;
		case 'h':
			fputs(usage, stdout);
			return ft_close_stdout(FT_EXIT_OK);
		case O_VERSION:
			printf("ft-serve %s\n", FT_VERSION);
			return ft_close_stdout(FT_EXIT_OK);
		default:
			ft_usage_error(NULL);
		}
	}
	if (optind < argc)
		ft_usage_error("unexpected argument '%s'", argv[optind]);

	/* Every setting is read here, before threads start: the config
	 * module reads its files once, on the first lookup. */
	url = ft_config_db_url();
	webdir = web ? ft_xstrdup(web) : default_web_dir();
	cfg.listen = ft_config_get("FT_LISTEN", "127.0.0.1:8080");
	cfg.db_url = url;
	cfg.web_dir = webdir;
	cfg.api_key = ft_config_get("API_KEY_SECRET", NULL);
	cfg.keys_file = ft_config_get("API_KEYS_FILE", NULL);
	ft_config_get("FT_STATE_DIR", NULL);

	/* A client gone mid-answer is a closed connection, not a reason
	 * to die. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	raise_fd_limit();

	/* A reader: a mistyped store is an error, not an empty store. */
	ft_store_need_existing();
	rc = ft_serve_start(&cfg, &srv, err, sizeof err);
	if (rc != 0) {
		ft_warn("%s", err);
		free(url);
		free(webdir);
		return rc;
	}
	ft_warn("listening on http://%s", ft_serve_address(srv));
	do
		rc = sigwait(&set, &sig);
	while (rc != 0);
	ft_serve_stop(srv);
	free(url);
	free(webdir);
	return ft_close_stdout(FT_EXIT_OK);
}
