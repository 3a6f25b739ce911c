/*
 * apikey — named API keys with roles; failed attempts per address.
 */
#include "apikey.h"

#include "errors.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS_MAX	256	/* keys of one set */
#define LINE_MAX_	1024	/* bytes of a line of the keys file */

struct ft_apikeys {
	ft_apikey *v;
	size_t n;
};

static const char *const role_names[] = { "viewer", "operator", "admin" };

const char *
ft_role_name(enum ft_role r)
{
	return (unsigned)r < 3 ? role_names[r] : "viewer";
}

int
ft_role_parse(const char *s)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(s, role_names[i]))
			return i;
	return -1;
}

/*
 * Strong enough: FT_APIKEY_MIN printable characters or more, of at
 * least two kinds (lower case, upper case, digits, others) and eight
 * different ones, so that neither "x" nor "aaaaaaaaaaaaaaaa" nor a date
 * passes, while the output of "openssl rand -hex 24" does.
 */
int
ft_apikey_check(const char *secret, char *why, size_t whylen)
{
	unsigned char seen[256] = { 0 };
	size_t n = strlen(secret), i;
	int kinds[4] = { 0 }, nkinds = 0, distinct = 0;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)secret[i];

		if (ch <= ' ' || ch == 0x7f) {
			ft_seterr(why, whylen, "it holds a space or a "
				  "control character");
			return -1;
		}
		kinds[islower(ch) ? 0 : isupper(ch) ? 1 : isdigit(ch) ? 2
		      : 3] = 1;
		if (!seen[ch]++)
			distinct++;
	}
	for (i = 0; i < 4; i++)
		nkinds += kinds[i];
	if (n < FT_APIKEY_MIN || n > FT_APIKEY_MAX) {
		ft_seterr(why, whylen, "it is %zu characters long; %d to %d "
			  "are needed", n, FT_APIKEY_MIN, FT_APIKEY_MAX);
		return -1;
	}
	if (nkinds < 2 || distinct < 8) {
		ft_seterr(why, whylen, "it is too plain; mix letters and "
			  "digits, at least 8 different characters");
		return -1;
	}
	return 0;
}

static int
good_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > FT_APIKEY_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-@", *s))
			return 0;
	return 1;
}

/* Add a key, refusing a weak secret and a name or secret given twice;
 * where says where it came from, for the message. */
static int
add_key(struct ft_apikeys *k, const char *name, int role, const char *secret,
	const char *where, char *err, size_t errlen)
{
	char why[128];
	size_t i;

	if (ft_apikey_check(secret, why, sizeof why) != 0) {
		ft_seterr(err, errlen, "%s: API key '%s' is too weak: %s (try "
			  "'openssl rand -hex 24')", where, name, why);
		return FT_EINVAL;
	}
	for (i = 0; i < k->n; i++) {
		if (!strcmp(k->v[i].name, name)) {
			ft_seterr(err, errlen, "%s: API key '%s' is named "
				  "twice", where, name);
			return FT_EINVAL;
		}
		if (ft_secret_equal(secret, k->v[i].secret)) {
			ft_seterr(err, errlen, "%s: API keys '%s' and '%s' "
				  "have one secret", where, k->v[i].name,
				  name);
			return FT_EINVAL;
		}
	}
	if (k->n == KEYS_MAX) {
		ft_seterr(err, errlen, "%s: more than %d API keys", where,
			  KEYS_MAX);
		return FT_EINVAL;
	}
	k->v = ft_xrealloc(k->v, (k->n + 1) * sizeof *k->v);
	snprintf(k->v[k->n].name, sizeof k->v[k->n].name, "%s", name);
	k->v[k->n].role = (enum ft_role)role;
	k->v[k->n].secret = ft_xstrdup(secret);
	k->n++;
	return FT_OK;
}

/* The keys file open for reading, when it is a regular file of this
 * user's (or root's) that others may neither read nor change. */
static FILE *
open_keys(const char *file, char *err, size_t errlen)
{
	const char *why = NULL;
	struct stat st;
	FILE *f;
	int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		ft_seterr(err, errlen, "cannot read API keys file '%s': %s",
			  file, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_uid != geteuid() && st.st_uid != 0)
		why = "owned by another user";
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		why = "writable by others";
	else if (st.st_mode & S_IROTH)
		why = "readable by others (chmod 600 or 640 it)";
	if (why || !(f = fdopen(fd, "r"))) {
		ft_seterr(err, errlen, "API keys file '%s': %s", file,
			  why ? why : strerror(errno));
		close(fd);
		return NULL;
	}
	return f;
}

/* One line of the keys file: blank, a comment, or NAME ROLE SECRET. */
static int
keys_line(struct ft_apikeys *k, char *line, const char *where, char *err,
	  size_t errlen)
{
	char *name, *role, *secret, *more, *save;
	int r;

	line[strcspn(line, "\r\n")] = '\0';
	name = strtok_r(line, " \t", &save);
	if (!name || *name == '#')
		return FT_OK;
	role = strtok_r(NULL, " \t", &save);
	secret = strtok_r(NULL, " \t", &save);
	more = strtok_r(NULL, " \t", &save);
	if (!role || !secret || more) {
		ft_seterr(err, errlen, "%s: expected NAME ROLE SECRET", where);
		return FT_EINVAL;
	}
	if (!good_name(name)) {
		ft_seterr(err, errlen, "%s: bad key name (1 to %d letters, "
			  "digits, '.', '_', '-' or '@')", where,
			  FT_APIKEY_NAME_MAX);
		return FT_EINVAL;
	}
	if ((r = ft_role_parse(role)) < 0) {
		ft_seterr(err, errlen, "%s: unknown role '%.20s' of API key "
			  "'%s' (viewer, operator or admin)", where, role,
			  name);
		return FT_EINVAL;
	}
	return add_key(k, name, r, secret, where, err, errlen);
}

static int
load_file(struct ft_apikeys *k, const char *file, char *err, size_t errlen)
{
	char line[LINE_MAX_ + 2], where[300];
	unsigned lineno = 0;
	int rc = FT_OK, c;
	FILE *f = open_keys(file, err, errlen);

	if (!f)
		return FT_EINVAL;
	while (rc == FT_OK && fgets(line, sizeof line, f)) {
		lineno++;
		snprintf(where, sizeof where, "%s:%u", file, lineno);
		if (!strchr(line, '\n') && strlen(line) > LINE_MAX_) {
			ft_seterr(err, errlen, "%s: line longer than %d "
				  "bytes", where, LINE_MAX_);
			rc = FT_EINVAL;
			while ((c = getc(f)) != EOF && c != '\n')
				;
			break;
		}
		rc = keys_line(k, line, where, err, errlen);
	}
	explicit_bzero(line, sizeof line);
	if (rc == FT_OK && ferror(f)) {
		ft_seterr(err, errlen, "cannot read API keys file '%s': %s",
			  file, strerror(errno));
		rc = FT_EINVAL;
	}
	fclose(f);
	return rc;
}

int
ft_apikeys_load(const char *file, const char *admin_secret,
		ft_apikeys **out, char *err, size_t errlen)
{
	struct ft_apikeys *k = ft_xcalloc(1, sizeof *k);
	int rc = FT_OK;

	*out = NULL;
	if (file && *file)
		rc = load_file(k, file, err, errlen);
	if (rc == FT_OK && admin_secret && *admin_secret)
		rc = add_key(k, "admin", FT_ROLE_ADMIN, admin_secret,
			     "API_KEY_SECRET", err, errlen);
	if (rc == FT_OK && !k->n) {
		ft_seterr(err, errlen, "API_KEY_SECRET is not set and no "
			  "API_KEYS_FILE names keys; the API needs a key");
		rc = FT_EINVAL;
	}
	if (rc != FT_OK) {
		ft_apikeys_free(k);
		return rc;
	}
	*out = k;
	return FT_OK;
}

void
ft_apikeys_free(ft_apikeys *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->n; i++) {
		explicit_bzero(k->v[i].secret, strlen(k->v[i].secret));
		free(k->v[i].secret);
	}
	free(k->v);
	free(k);
}

const ft_apikey *
ft_apikeys_find(const ft_apikeys *k, const char *given)
{
	const ft_apikey *hit = NULL;
	size_t i;

	/* Every key is compared, so the time says nothing of which. */
	for (i = 0; i < k->n; i++)
		if (ft_secret_equal(given, k->v[i].secret))
			hit = &k->v[i];
	return hit;
}

/* --- failed attempts --- */

#define ADDRS_MAX	4096	/* addresses remembered */
#define WAIT_FIRST_MS	10000	/* the first refusal */
#define WAIT_MAX_MS	300000	/* the longest */

struct fail {
	char addr[64];
	unsigned n;		/* failures so far */
	int64_t last;		/* monotonic ms of the last one */
	int64_t until;		/* refused until */
};

struct ft_authfail {
	pthread_mutex_t mu;
	struct fail *v;
	size_t n;
};

ft_authfail *
ft_authfail_new(void)
{
	struct ft_authfail *f = ft_xcalloc(1, sizeof *f);

	pthread_mutex_init(&f->mu, NULL);
	return f;
}

void
ft_authfail_free(ft_authfail *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->mu);
	free(f->v);
	free(f);
}

/* addr's entry, or NULL; with f locked.  Entries whose failures are
 * forgotten by now are reset on the way. */
static struct fail *
fail_find(struct ft_authfail *f, const char *addr, int64_t now)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].addr, addr)) {
			if (now - f->v[i].last > FT_AUTHFAIL_FORGET_MS &&
			    now >= f->v[i].until) {
				f->v[i].n = 0;
				f->v[i].until = 0;
			}
			return &f->v[i];
		}
	return NULL;
}

unsigned
ft_authfail_wait(ft_authfail *f, const char *addr, int64_t now)
{
	struct fail *e;
	unsigned s = 0;

	pthread_mutex_lock(&f->mu);
	if ((e = fail_find(f, addr, now)) && e->until > now)
		s = (unsigned)((e->until - now + 999) / 1000);
	pthread_mutex_unlock(&f->mu);
	return s;
}

unsigned
ft_authfail_note(ft_authfail *f, const char *addr, int64_t now)
{
	struct fail *e;
	unsigned n;
	size_t i, old = 0;

	pthread_mutex_lock(&f->mu);
	if (!(e = fail_find(f, addr, now))) {
		if (f->n < ADDRS_MAX) {
			f->v = ft_xrealloc(f->v, (f->n + 1) * sizeof *f->v);
			e = &f->v[f->n++];
		} else {
			for (i = 1; i < f->n; i++)
				if (f->v[i].last < f->v[old].last)
					old = i;
			e = &f->v[old];
		}
		memset(e, 0, sizeof *e);
		snprintf(e->addr, sizeof e->addr, "%s", addr);
	}
	n = ++e->n;
	e->last = now;
	if (n >= FT_AUTHFAIL_FREE) {
		unsigned shift = n - FT_AUTHFAIL_FREE;
		int64_t wait = shift > 5 ? WAIT_MAX_MS
				: (int64_t)WAIT_FIRST_MS << shift;

		e->until = now + (wait < WAIT_MAX_MS ? wait : WAIT_MAX_MS);
	}
	pthread_mutex_unlock(&f->mu);
	return n;
}

void
ft_authfail_clear(ft_authfail *f, const char *addr)
{
	struct fail *e;

	pthread_mutex_lock(&f->mu);
	if ((e = fail_find(f, addr, 0))) {
		e->n = 0;
		e->until = 0;
	}
	pthread_mutex_unlock(&f->mu);
}
