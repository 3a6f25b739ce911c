/*
 * Unit tests of lib/config: the precedence of options, environment and
 * files, the KEY=VALUE file syntax, the store URL built from FT_DB or the
 * seed's DB_* names, and the redaction of passwords.
 *
 * The module reads its files once per process, so each arrangement of
 * files and environment that must start afresh runs in a child process
 * that reports the values it looked up through a pipe.
 */
#include "config.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[] = "/tmp/ft-test-config.XXXXXX";

static char *
path(const char *rel)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", root, rel);
	return buf[i];
}

static void
mkdirs(const char *rel)
{
	char p[512], *s;

	snprintf(p, sizeof p, "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void
put(const char *rel, const char *text)
{
	FILE *f = fopen(path(rel), "w");

	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(rel);
		exit(1);
	}
}

/* Every setting the module knows about, cleared so the caller's
 * environment cannot leak into a test. */
static void
clean_env(void)
{
	static const char *const names[] = {
		"FT_DB", "DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD",
		"DB_NAME", "XDG_CONFIG_HOME", "FT_SYSCONF", "HOME",
		"FTT_A", "FTT_B", "FTT_C", "FTT_D", "FTT_E", "FTT_NONE",
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof *names; i++)
		unsetenv(names[i]);
}

/*
 * Run setup in a child, then look up each of keys there ("@url" means
 * ft_config_db_url(), "@source:KEY" ft_config_source(KEY)); the answers,
 * one a line ("(unset)" for NULL), in a string the caller frees.
 */
static char *
in_child(void (*setup)(void), const char *const *keys)
{
	int fd[2];
	pid_t pid;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int status;

	fflush(stdout);
	fflush(stderr);
	if (pipe(fd) != 0 || (pid = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		close(fd[0]);
		f = fdopen(fd[1], "w");
		setup();
		for (; *keys; keys++) {
			const char *v;
			char *url = NULL;

			if (!strcmp(*keys, "@url"))
				v = url = ft_config_db_url();
			else if (!strncmp(*keys, "@source:", 8))
				v = ft_config_source(*keys + 8);
			else
				v = ft_config_get(*keys, NULL);
			fprintf(f, "%s\n", v ? v : "(unset)");
			free(url);
		}
		fclose(f);
		_exit(0);
	}
	close(fd[1]);
	f = open_memstream(&out, &len);
	{
		char buf[4096];
		ssize_t n;

		while ((n = read(fd[0], buf, sizeof buf)) > 0)
			fwrite(buf, 1, (size_t)n, f);
	}
	fclose(f);
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		diag("child ended with status %d", status);
	return out;
}

/* The layered files every precedence test starts from. */
static void
write_files(void)
{
	mkdirs("etc");
	mkdirs("home/.config/facetrack");
	mkdirs("xdg/facetrack");
	mkdirs("work");
	mkdirs("dbenv");
	put("etc/facetrack.conf",
	    "FTT_A=system\nFTT_B=system\nFTT_C=system\nFTT_D=system\n"
	    "FTT_E=system\n");
	put("home/.config/facetrack/facetrack.conf",
	    "FTT_B=user\nFTT_C=user\nFTT_D=user\nFTT_E=user\n");
	put("xdg/facetrack/facetrack.conf", "FTT_B=xdg\n");
	put("work/.env",
	    "# settings for this directory\n"
	    "\n"
	    "   \n"
	    "FTT_C=dotenv\nFTT_D=dotenv\nFTT_E=dotenv\n"
	    "export FTT_EXPORT=exported\n"
	    "FTT_DQ=\"double quoted # not a comment\"\n"
	    "FTT_SQ='single quoted'\n"
	    "FTT_PLAIN=plain value # a comment\n"
	    "  FTT_SPACED  =  spaced value  \n"
	    "FTT_EMPTY=\n"
	    "FTT_EQ=a=b=c\n"
	    "FTT_CRLF=crlf\r\n"
	    "this line is not a setting\n"
	    "#FTT_COMMENTED=yes\n"
	    "FTT_LAST=no final newline");
	put("dbenv/.env",
	    "DB_HOST=db.example\nDB_PORT=3307\nDB_USER=ft\n"
	    "DB_PASSWORD=Zq7secret\nDB_NAME=shop\n");
}

static void
setup_home(void)
{
	clean_env();
	setenv("HOME", path("home"), 1);
	setenv("FT_SYSCONF", path("etc/facetrack.conf"), 1);
	if (chdir(path("work")) != 0)
		_exit(1);
}

static void
setup_xdg(void)
{
	setup_home();
	setenv("XDG_CONFIG_HOME", path("xdg"), 1);
}

static void
setup_dbenv(void)
{
	setup_home();
	if (chdir(path("dbenv")) != 0)
		_exit(1);
}

static void
setup_dbenv_ftdb(void)
{
	setup_dbenv();
	setenv("FT_DB", "sqlite:/srv/shop.db", 1);
}

static void
setup_nothing(void)
{
	clean_env();
	setenv("FT_SYSCONF", path("etc/none.conf"), 1);
	if (chdir(root) != 0)
		_exit(1);
}

static void
test_xdg(void)
{
	static const char *const keys[] = { "FTT_A", "FTT_B", "FTT_C", NULL };
	char *got = in_child(setup_xdg, keys);

	is_str(got, "system\nxdg\ndotenv\n",
	       "XDG_CONFIG_HOME names the user file's directory");
	free(got);
}

static void
test_db_url_children(void)
{
	static const char *const url[] = { "@url", NULL };
	char *got;

	got = in_child(setup_dbenv, url);
	is_str(got, "mysql://ft:Zq7secret@db.example:3307/shop\n",
	       "DB_* in ./.env build a mysql URL");
	free(got);
	got = in_child(setup_dbenv_ftdb, url);
	is_str(got, "sqlite:/srv/shop.db\n", "FT_DB outranks DB_*");
	free(got);
	got = in_child(setup_nothing, url);
	is_str(got, "sqlite:./facetrack.db\n",
	       "nothing set: the default SQLite store");
	free(got);
}

static void
test_precedence(void)
{
	setup_home();
	setenv("FTT_D", "environment", 1);
	setenv("FTT_E", "environment", 1);
	ft_config_set("FTT_E", "first option");
	ft_config_set("FTT_E", "option");

	is_str(ft_config_get("FTT_A", NULL), "system",
	       "the system file (FT_SYSCONF) is read");
	is_str(ft_config_get("FTT_B", NULL), "user",
	       "the user file outranks the system file");
	is_str(ft_config_get("FTT_C", NULL), "dotenv",
	       "./.env outranks the user file");
	is_str(ft_config_get("FTT_D", NULL), "environment",
	       "the environment outranks ./.env");
	is_str(ft_config_get("FTT_E", NULL), "option",
	       "an option outranks the environment; the last one wins");
	is_str(ft_config_get("FTT_NONE", "fallback"), "fallback",
	       "unset: the caller's default");
	is_str(ft_config_get("FTT_NONE", NULL), NULL,
	       "unset with a NULL default: NULL");

	is_str(ft_config_source("FTT_A"), path("etc/facetrack.conf"),
	       "source: the system file's path");
	is_str(ft_config_source("FTT_B"),
	       path("home/.config/facetrack/facetrack.conf"),
	       "source: the user file's path");
	ok(strstr(ft_config_source("FTT_C"), ".env") != NULL,
	   "source: .env (got '%s')", ft_config_source("FTT_C"));
	is_str(ft_config_source("FTT_D"), "environment", "source: environment");
	is_str(ft_config_source("FTT_E"), "option", "source: option");
	is_str(ft_config_source("FTT_NONE"), "default", "source: default");

	setenv("FTT_C", "", 1);
	is_str(ft_config_get("FTT_C", "fallback"), "",
	       "an empty environment value counts as set");
	unsetenv("FTT_C");
	is_str(ft_config_get("FTT_C", NULL), "dotenv",
	       "the environment is read at each lookup");
}

static void
test_syntax(void)
{
	is_str(ft_config_get("FTT_EXPORT", NULL), "exported",
	       "syntax: export prefix");
	is_str(ft_config_get("FTT_DQ", NULL), "double quoted # not a comment",
	       "syntax: double quotes keep # and spaces");
	is_str(ft_config_get("FTT_SQ", NULL), "single quoted",
	       "syntax: single quotes");
	is_str(ft_config_get("FTT_PLAIN", NULL), "plain value",
	       "syntax: a # comment after an unquoted value");
	is_str(ft_config_get("FTT_SPACED", NULL), "spaced value",
	       "syntax: blanks around key and value");
	is_str(ft_config_get("FTT_EMPTY", "fallback"), "",
	       "syntax: an empty value counts as set");
	is_str(ft_config_get("FTT_EQ", NULL), "a=b=c",
	       "syntax: the value may hold '='");
	is_str(ft_config_get("FTT_CRLF", NULL), "crlf",
	       "syntax: a CRLF line end is not part of the value");
	is_str(ft_config_get("FTT_COMMENTED", NULL), NULL,
	       "syntax: a commented-out line sets nothing");
	is_str(ft_config_get("this line is not a setting", NULL), NULL,
	       "syntax: a line without '=' sets nothing");
	is_str(ft_config_get("FTT_LAST", NULL), "no final newline",
	       "syntax: the last line needs no newline");
}

/* One line at a time, as the fuzzing target of tests/fuzz reads them. */
static void
test_parse_line(void)
{
	char line[64], *k = NULL, *v = NULL;

	snprintf(line, sizeof line, "  export  KEY = 'a # b'  \r\n");
	is_int(ft_config_parse_line(line, &k, &v), 0, "line: a setting");
	is_str(k, "KEY", "line: its key, trimmed, without export");
	is_str(v, "a # b", "line: its value, unquoted");
	snprintf(line, sizeof line, " = value");
	is_int(ft_config_parse_line(line, &k, &v), -1,
	       "line: no key is skipped");
	snprintf(line, sizeof line, "  # K=V");
	is_int(ft_config_parse_line(line, &k, &v), -1,
	       "line: a comment is skipped");
	snprintf(line, sizeof line, "K=\"");
	is_int(ft_config_parse_line(line, &k, &v), 0,
	       "line: a lone quote is a value");
	is_str(v, "\"", "line: kept as it is");
}

static void
test_db_url(void)
{
	char *url, *red;

	unsetenv("FT_DB");
	setenv("DB_HOST", "127.0.0.1", 1);
	setenv("DB_PORT", "3306", 1);
	setenv("DB_USER", "ft", 1);
	setenv("DB_PASSWORD", "pw", 1);
	setenv("DB_NAME", "shop", 1);
	url = ft_config_db_url();
	is_str(url, "mysql://ft:pw@127.0.0.1:3306/shop", "DB_* build a URL");
	free(url);

	/* A password with the URL's own delimiters. */
	setenv("DB_PASSWORD", "Zq7:p@ss/w#rd", 1);
	url = ft_config_db_url();
	red = ft_config_redact_url(url);
	is_str(red, "mysql://ft:***@127.0.0.1:3306/shop",
	       "a password with ':', '@', '/' and '#' is redacted whole");
	ok(url && strncmp(url, "mysql://ft:", 11) == 0 &&
	   strstr(url, "@127.0.0.1:3306/shop") != NULL,
	   "the URL keeps user, host, port and database");
	free(url);
	free(red);

	unsetenv("DB_HOST");
	unsetenv("DB_PORT");
	unsetenv("DB_USER");
	unsetenv("DB_PASSWORD");
	url = ft_config_db_url();
	ok(url && !strncmp(url, "mysql://", 8) &&
	   strlen(url) > 5 && !strcmp(url + strlen(url) - 5, "/shop"),
	   "DB_NAME alone selects mysql (got '%s')", url ? url : "NULL");
	free(url);
	unsetenv("DB_NAME");
	setenv("DB_HOST", "db.example", 1);
	url = ft_config_db_url();
	ok(url && !strncmp(url, "mysql://", 8) &&
	   strstr(url, "db.example") != NULL,
	   "DB_HOST alone selects mysql (got '%s')", url ? url : "NULL");
	free(url);
	unsetenv("DB_HOST");

	ft_config_set("FT_DB", "sqlite:/from/option.db");
	url = ft_config_db_url();
	is_str(url, "sqlite:/from/option.db", "an --db option sets FT_DB");
	free(url);
}

static void
test_redact(void)
{
	static const char *const cases[][2] = {
		{ "mysql://ft:secret@127.0.0.1:3306/shop",
		  "mysql://ft:***@127.0.0.1:3306/shop" },
		{ "mysql://ft:p@ss@h:1/d", "mysql://ft:***@h:1/d" },
		{ "mysql://ft:pa:ss@h/d", "mysql://ft:***@h/d" },
		{ "mysql://:secret@h/d", "mysql://:***@h/d" },
		{ "mysql://ft@h:1/d", "mysql://ft@h:1/d" },
		{ "mysql://h:3306/d", "mysql://h:3306/d" },
		{ "sqlite:./facetrack.db", "sqlite:./facetrack.db" },
		{ "sqlite:/tmp/a:b@c.db", "sqlite:/tmp/a:b@c.db" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *r = ft_config_redact_url(cases[i][0]);

		is_str(r, cases[i][1], "redact '%s'", cases[i][1]);
		free(r);
	}
}

int
main(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	write_files();
	test_xdg();
	test_db_url_children();
	test_precedence();
	test_syntax();
	test_parse_line();
	test_db_url();
	test_redact();
	if (chdir("/") == 0) {
		char cmd[600];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("cannot remove %s", root);
	}
	return done();
}
