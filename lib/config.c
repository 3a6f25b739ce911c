/*
 * config — settings from options, environment and files.
 */
#include "config.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set by the Makefile (DEFAULT_DB): the store when no setting names one;
 * a package for a server puts it under /var/lib. */
#ifndef FT_DEFAULT_DB
#define FT_DEFAULT_DB "sqlite:./facetrack.db"
#endif

struct entry {
	char *key;
	char *value;
};

struct layer {
	const char *name;	/* what ft_config_source reports */
	struct entry *v;
	size_t n, cap;
};

enum { L_OPTION, L_DOTENV, L_USER, L_SYSTEM, NLAYERS };

static struct layer layers[NLAYERS];
static int files_loaded;
static char *user_path, *system_path;
static char *dotenv_ignored;	/* why ./.env was not read, or NULL */

static void
layer_put(struct layer *l, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].key, key)) {
			free(l->v[i].value);
			l->v[i].value = ft_xstrdup(value);
			return;
		}
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = ft_xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n].key = ft_xstrdup(key);
	l->v[l->n].value = ft_xstrdup(value);
	l->n++;
}

static const char *
layer_get(const struct layer *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
ft_config_parse_line(char *line, char **key, char **value)
{
	char *eq, *k, *v;
	size_t n;

	line = trim(line);
	if (!*line || *line == '#')
		return -1;
	if (!strncmp(line, "export ", 7))
		line = trim(line + 7);
	eq = strchr(line, '=');
	if (!eq)
		return -1;
	*eq = '\0';
	k = trim(line);
	v = trim(eq + 1);
	n = strlen(v);
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		v++;
	} else {
		/* An unquoted value ends at a " #" comment. */
		char *hash = strstr(v, " #");

		if (hash) {
			*hash = '\0';
			v = trim(v);
		}
	}
	if (!*k)
		return -1;
	*key = k;
	*value = v;
	return 0;
}

/*
 * ./.env is read from whatever directory a program runs in, which may be
 * anybody's: only a regular file of the user's that nobody else may
 * write is trusted, as ssh trusts its config files.  Returns it open, or
 * NULL (with dotenv_ignored set when it exists but is not trusted).
 */
static FILE *
open_dotenv(void)
{
	struct stat st;
	const char *why = NULL;
	int fd = open(".env", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_uid != geteuid())
		why = "owned by another user";
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		why = "writable by others";
	if (why || !(f = fdopen(fd, "r"))) {
		free(dotenv_ignored);
		dotenv_ignored = ft_xasprintf("ignoring ./.env: %s",
					      why ? why : "cannot read it");
		close(fd);
		return NULL;
	}
	return f;
}

static void
load_file(struct layer *l, const char *path)
{
	FILE *f = l == &layers[L_DOTENV] ? open_dotenv() : fopen(path, "r");
	char *line = NULL, *k, *v;
	size_t cap = 0;

	l->name = path;
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0)
		if (ft_config_parse_line(line, &k, &v) == 0)
			layer_put(l, k, v);
	free(line);
	fclose(f);
}

static void
load_files(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *sys = getenv("FT_SYSCONF");

	if (files_loaded)
		return;
	files_loaded = 1;
	layers[L_OPTION].name = "option";
	load_file(&layers[L_DOTENV], ".env");
	layers[L_DOTENV].name = ".env";
	if (xdg && *xdg)
		user_path = ft_xasprintf("%s/facetrack/facetrack.conf", xdg);
	else if (home && *home)
		user_path = ft_xasprintf("%s/.config/facetrack/facetrack.conf",
					 home);
	if (user_path)
		load_file(&layers[L_USER], user_path);
	system_path = ft_xstrdup(sys && *sys ? sys : "/etc/facetrack.conf");
	load_file(&layers[L_SYSTEM], system_path);
}

const char *
ft_config_ignored(void)
{
	load_files();
	return dotenv_ignored;
}

void
ft_config_set(const char *key, const char *value)
{
	layer_put(&layers[L_OPTION], key, value);
}

static const char *
lookup(const char *key, const char **source)
{
	const char *v;
	int i;

	load_files();
	if ((v = layer_get(&layers[L_OPTION], key))) {
		*source = "option";
		return v;
	}
	if ((v = getenv(key))) {
		*source = "environment";
		return v;
	}
	for (i = L_DOTENV; i < NLAYERS; i++) {
		if ((v = layer_get(&layers[i], key))) {
			*source = layers[i].name;
			return v;
		}
	}
	*source = "default";
	return NULL;
}

const char *
ft_config_get(const char *key, const char *def)
{
	const char *source, *v = lookup(key, &source);

	return v ? v : def;
}

const char *
ft_config_source(const char *key)
{
	const char *source;

	lookup(key, &source);
	return source;
}

const char *
ft_config_file_value(const char *key)
{
	const char *v;

	load_files();
	if ((v = layer_get(&layers[L_USER], key)))
		return v;
	return layer_get(&layers[L_SYSTEM], key);
}

/* Percent-encode the characters a URL's user or password cannot hold. */
static void
append_encoded(char **buf, size_t *len, size_t *cap, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (*len + 4 >= *cap) {
			*cap = *cap * 2 + 64;
			*buf = ft_xrealloc(*buf, *cap);
		}
		if (isalnum(c) || strchr("-._~", c)) {
			(*buf)[(*len)++] = (char)c;
		} else {
			sprintf(*buf + *len, "%%%02X", c);
			*len += 3;
		}
	}
	(*buf)[*len] = '\0';
}

char *
ft_config_db_url(void)
{
	const char *db = ft_config_get("FT_DB", NULL);
	const char *host, *port, *user, *pass, *name;
	char *buf = NULL, *tail;
	size_t len = 0, cap = 0;

	if (db && *db)
		return ft_xstrdup(db);
	host = ft_config_get("DB_HOST", NULL);
	name = ft_config_get("DB_NAME", NULL);
	if (!(host && *host) && !(name && *name))
		return ft_xstrdup(FT_DEFAULT_DB);
	port = ft_config_get("DB_PORT", "3306");
	user = ft_config_get("DB_USER", "");
	pass = ft_config_get("DB_PASSWORD", "");
	cap = 64;
	buf = ft_xmalloc(cap);
	strcpy(buf, "mysql://");
	len = strlen(buf);
	append_encoded(&buf, &len, &cap, user);
	if (*pass) {
		buf[len++] = ':';	/* room: append_encoded keeps 4 spare */
		buf[len] = '\0';
		append_encoded(&buf, &len, &cap, pass);
	}
	tail = ft_xasprintf("@%s:%s/%s", host && *host ? host : "127.0.0.1",
			    port, name && *name ? name : "facetrack");
	buf = ft_xrealloc(buf, len + strlen(tail) + 1);
	strcpy(buf + len, tail);
	free(tail);
	return buf;
}

char *
ft_config_redact_url(const char *url)
{
	const char *scheme = strstr(url, "://"), *at, *colon;
	char *out;

	if (!scheme)
		return ft_xstrdup(url);
	at = strrchr(scheme + 3, '@');
	if (!at)
		return ft_xstrdup(url);
	colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
	if (!colon)
		return ft_xstrdup(url);
	out = ft_xasprintf("%.*s:***%s", (int)(colon - url), url, at);
	return out;
}

int
ft_config_state_dir(char **dir, char *err, size_t errlen)
{
	const char *d = ft_config_get("FT_STATE_DIR", NULL), *x, *home;

	*dir = NULL;
	if (d && *d)
		*dir = ft_xstrdup(d);
	else if ((x = getenv("XDG_STATE_HOME")) && *x == '/')
		*dir = ft_xasprintf("%s/facetrack", x);
	else if ((home = getenv("HOME")) && *home)
		*dir = ft_xasprintf("%s/.local/state/facetrack", home);
	else {
		ft_seterr(err, errlen, "no state directory: set FT_STATE_DIR "
			  "or HOME");
		return FT_EINVAL;
	}
	if (ft_mkdirs(*dir, 0700, err, errlen) != 0) {
		free(*dir);
		*dir = NULL;
		return FT_EFAIL;
	}
	return FT_OK;
}

static const char *const recognition_names[] = {
	"all", "consented", "anonymous"
};

int
ft_config_face_crops(int *on, char *err, size_t errlen)
{
	static const char *const names[] = {
		"0", "no", "off", "false", "1", "yes", "on", "true"
	};
	const char *v = ft_config_get("FT_FACE_CROPS", "1");
	int i;

	*on = 1;
	for (i = 0; i < 8; i++) {
		if (!strcasecmp(v, names[i])) {
			*on = i >= 4;
			return FT_OK;
		}
	}
	ft_seterr(err, errlen, "bad FT_FACE_CROPS '%.64s' (1 keeps a crop "
		  "with each face sample, 0 none)", v);
	return FT_EINVAL;
}

int
ft_config_recognition(enum ft_recognition *mode, char *err, size_t errlen)
{
	const char *v = ft_config_get("FT_RECOGNITION", "all");
	int i;

	*mode = FT_RECOGNITION_ALL;
	for (i = 0; i < 3; i++) {
		if (!strcmp(v, recognition_names[i])) {
			*mode = (enum ft_recognition)i;
			return FT_OK;
		}
	}
	ft_seterr(err, errlen, "bad FT_RECOGNITION '%.64s' (all, consented "
		  "or anonymous)", v);
	return FT_EINVAL;
}

const char *
ft_config_recognition_name(enum ft_recognition mode)
{
	return (unsigned)mode < 3 ? recognition_names[mode] : "all";
}

static int
retain_days(const char *key, int def, int *out, char *err, size_t errlen)
{
	const char *v = ft_config_get(key, NULL);
	long long n;

	*out = def;
	if (!v)
		return FT_OK;
	if (ft_parse_int(v, 0, FT_RETAIN_MAX, &n)) {
		ft_seterr(err, errlen, "bad %s '%.64s' (days, 0 to %d; 0 keeps "
			  "for ever)", key, v, FT_RETAIN_MAX);
		return FT_EINVAL;
	}
	*out = (int)n;
	return FT_OK;
}

int
ft_config_retention_get(ft_config_retention *out, char *err, size_t errlen)
{
	int rc;

	rc = retain_days("FT_RETAIN_VISITS_DAYS", FT_RETAIN_VISITS_DEFAULT,
			 &out->visits, err, errlen);
	if (rc == FT_OK)
		rc = retain_days("FT_RETAIN_SAMPLES_DAYS",
				 FT_RETAIN_SAMPLES_DEFAULT, &out->samples,
				 err, errlen);
	if (rc == FT_OK)
		rc = retain_days("FT_RETAIN_UNNAMED_DAYS",
				 FT_RETAIN_UNNAMED_DEFAULT, &out->unnamed,
				 err, errlen);
	return rc;
}
