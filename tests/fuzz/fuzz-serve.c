/*
 * ft-serve's request handling (lib/serve) as a client meets it: one
 * server is started in this process on a loopback port, on a scratch
 * store, and each input is sent to it as the raw bytes of one HTTP
 * connection (the request line, headers and body as the input has
 * them); the answer is read until the server closes or falls silent.
 * The routes, their parameters, the key check, request bodies and the
 * static files all run under the sanitizers in the server's threads.
 *
 * Whatever a request asks, nothing leaves the scratch directory: no
 * pipeline can start (FT_PIPELINE is "exit 0", PATH is empty), reports
 * and charts are written there, the chat has no model to call and
 * crontab is "false".  Seeds send the key, "fuzz-key-7Qm2x9Lp".
 */
#include "fuzz.h"
#include "serve.h"
#include "store.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static struct sockaddr_in addr;
static int show;
static char dir[] = "/tmp/ft-fuzz-serve.XXXXXX";

static void
remove_scratch(void)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "/bin/rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz-serve: cannot remove %s\n", dir);
}

static void
scratch_env(const char *d)
{
	static const char *const unset[] = {
		"FT_DB", "DB_HOST", "DB_NAME", "OPENROUTER_API_KEY",
		"FT_LLM_API_KEY", "SMTP_SERVER", "ADMIN_EMAIL", "FT_SYSCONF",
		"XDG_CONFIG_HOME", NULL
	};
	char path[512];
	int i;

	for (i = 0; unset[i]; i++)
		unsetenv(unset[i]);
	/* The working directory stays (libFuzzer reads the inputs by
	 * their paths): every file written is named by a setting. */
	setenv("HOME", d, 1);
	setenv("FT_STATE_DIR", d, 1);
	setenv("FT_SYSCONF", "/nonexistent/facetrack.conf", 1);
	snprintf(path, sizeof path, "%s/reports", d);
	setenv("FT_REPORTS_DIR", path, 1);
	snprintf(path, sizeof path, "%s/plots", d);
	setenv("FT_PLOTS_DIR", path, 1);
	snprintf(path, sizeof path, "%s/nobin", d);
	setenv("PATH", path, 1);
	setenv("FT_PIPELINE", "exit 0", 1);
	setenv("FT_CRONTAB", "false", 1);
	setenv("TZ", "UTC", 1);
}

/* One customer with a visit, so that the seeds' routes by id find
 * somebody: 0b7e3f0c-1c2d-4a5b-9c8d-7e6f5a4b3c2d. */
static void
seed_store(const char *url)
{
	ft_customer c = { 0 };
	ft_visit v = { 0 };
	ft_store *s;
	char err[512];

	if (ft_store_open(url, &s, err, sizeof err) != FT_OK)
		fuzz_fail("cannot open the store: %s", err);
	snprintf(c.uuid, sizeof c.uuid, "0b7e3f0c-1c2d-4a5b-9c8d-7e6f5a4b3c2d");
	c.name = "Ann";
	c.email = "ann@example.com";
	if (ft_store_customer_add(s, &c) != FT_OK)
		fuzz_fail("cannot add a customer: %s", ft_store_errmsg(s));
	v.customer_id = c.id;
	v.ts = 1795511700000LL;
	v.source = "door";
	if (ft_store_visit_add(s, &v) != FT_OK)
		fuzz_fail("cannot add a visit: %s", ft_store_errmsg(s));
	ft_store_close(s);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char url[600], web[600], err[512];
	ft_serve_config cfg = { 0 };
	ft_server *srv;
	const char *a;
	char *colon;

	(void)argc;
	(void)argv;
	show = getenv("FUZZ_SHOW") != NULL;
	if (!mkdtemp(dir))
		fuzz_fail("cannot make a scratch directory");
	atexit(remove_scratch);
	snprintf(url, sizeof url, "sqlite:%s/fuzz.db", dir);
	snprintf(web, sizeof web, "%s/web", dir);
	mkdir(web, 0700);
	scratch_env(dir);
	seed_store(url);
	cfg.listen = "127.0.0.1:0";
	cfg.db_url = url;
	cfg.web_dir = web;
	cfg.api_key = "fuzz-key-7Qm2x9Lp";
	cfg.threads = 2;
	cfg.max_clients = 16;
	cfg.max_streams = 4;
	cfg.cache_ms = 0;
	cfg.poll_ms = 100;
	if (ft_serve_start(&cfg, &srv, err, sizeof err) != 0)
		fuzz_fail("cannot start the server: %s", err);
	/* Kept until exit: the fuzzer never returns to stop it. */
	a = ft_serve_address(srv);
	colon = strrchr(a, ':');
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)atoi(colon + 1));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timeval tv = { 0, 200000 };
	char buf[4096];
	size_t off = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		fuzz_fail("no socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
		fuzz_fail("the server is gone");
	while (off < size) {
		n = send(fd, data + off, size - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;		/* it answered and closed early */
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	/* Read the answer until the server closes, or is silent: a fifth
	 * of a second before it starts (a request it still waits to see
	 * the end of), then 30 ms (an event stream, a kept connection).
	 * Most fuzzed requests are unfinished: a few a second. */
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
		if (show)	/* FUZZ_SHOW=1: the answers on stderr */
			fwrite(buf, 1, (size_t)n, stderr);
		tv.tv_sec = 0;
		tv.tv_usec = 30000;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	}
	close(fd);
	return 0;
}
