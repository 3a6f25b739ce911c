/*
 * store — every query of the store, written once over the backend driver
 * interface of store_priv.h.
 *
 * Statements with fixed text are prepared once per store and cached by the
 * address of their text; statements built from filters are prepared per
 * call.
 */
#include "store_priv.h"
#include "config.h"
#include "jsonl.h"
#include "record.h"
#include "times.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uuid/uuid.h>

#define CACHE_MAX 48

struct cached {
	const char *sql;
	void *stmt;
};

struct ft_store {
	const ft_driver *d;
	void *db;
	int depth;		/* transaction nesting */
	int schema;
	char err[1024];
	struct cached cache[CACHE_MAX];
	int ncache;
	char actor[FT_AUDIT_ACTOR_MAX + 1];	/* "": the default */
	char *path;		/* a SQLite store's file; NULL: MySQL */
	dev_t dev;		/* and its identity when opened */
	ino_t ino;
};

static int need_existing;	/* set once, before threads */

static int
fail(ft_store *s, int rc, const char *what)
{
	snprintf(s->err, sizeof s->err, "%s: %s", what, s->d->errmsg(s->db));
	return rc;
}

static int
failf(ft_store *s, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
ft_store_errmsg(const ft_store *s)
{
	return s->err;
}

const char *
ft_store_backend(const ft_store *s)
{
	return s->d->name;
}

int
ft_store_schema_version(const ft_store *s)
{
	return s->schema;
}

void
ft_store_parts(ft_store *s, struct ft_store_parts *p)
{
	*p = (struct ft_store_parts){ s->d, s->db, s->err, sizeof s->err,
				      s->actor, sizeof s->actor };
}

int
ft_store_exit_status(int rc)
{
	return rc >= 0 ? FT_EXIT_FAIL : ft_exit_status(rc);
}

/*
 * The cached statement for sql (a string constant: its address is the key),
 * reset and ready to bind; NULL with the error set when it cannot be
 * prepared.
 */
static void *
stmt(ft_store *s, const char *sql, int *rc)
{
	void *st;
	int i;

	for (i = 0; i < s->ncache; i++) {
		if (s->cache[i].sql == sql) {
			*rc = s->d->reset(s->cache[i].stmt);
			if (*rc != FT_OK) {
				fail(s, *rc, "cannot reset statement");
				return NULL;
			}
			return s->cache[i].stmt;
		}
	}
	*rc = s->d->prepare(s->db, sql, &st);
	if (*rc != FT_OK) {
		fail(s, *rc, "cannot prepare statement");
		return NULL;
	}
	if (s->ncache < CACHE_MAX) {
		s->cache[s->ncache].sql = sql;
		s->cache[s->ncache].stmt = st;
		s->ncache++;
	}
	return st;
}

/* Release a statement got from stmt() when it was not cached. */
static void
done(ft_store *s, void *st)
{
	int i;

	for (i = 0; i < s->ncache; i++)
		if (s->cache[i].stmt == st) {
			s->d->reset(st);
			return;
		}
	s->d->finalize(st);
}

/*
 * Bind parameters from 1 by a format: i int64, d double, t text (NULL binds
 * NULL), b blob (pointer, size_t).
 */
static int
bind(ft_store *s, void *st, const char *fmt, ...)
{
	va_list ap;
	int i, rc = FT_OK;

	va_start(ap, fmt);
	for (i = 0; fmt[i] && rc == FT_OK; i++) {
		switch (fmt[i]) {
		case 'i':
			rc = s->d->bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = s->d->bind_double(st, i + 1, va_arg(ap, double));
			break;
		case 't':
			rc = s->d->bind_text(st, i + 1, va_arg(ap, const char *));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);

			rc = s->d->bind_blob(st, i + 1, p, va_arg(ap, size_t));
			break;
		}
		}
	}
	va_end(ap);
	if (rc != FT_OK)
		return fail(s, rc, "cannot bind parameter");
	return FT_OK;
}

/* Run a statement that returns no rows. */
static int
run(ft_store *s, void *st, const char *what)
{
	int rc = s->d->step(st);

	if (rc < 0)
		return fail(s, rc, what);
	return FT_OK;
}

/* Run a statement returning one integer (COUNT, MAX); NULL reads as 0. */
static int
scalar(ft_store *s, void *st, int64_t *out)
{
	int rc = s->d->step(st);

	if (rc < 0)
		return fail(s, rc, "cannot read store");
	*out = rc == FT_ROW ? s->d->col_int64(st, 0) : 0;
	return FT_OK;
}

/* --- opening and migrations --- */

static int
exec_script(ft_store *s, const char *sql)
{
	char *copy = ft_xstrdup(sql), *p = copy, *q, *line, *end;
	int rc = FT_OK;

	/* Drop "--" comment lines, then run each ";"-terminated statement. */
	for (line = copy, q = copy; *line; line = end) {
		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		if (strncmp(line + strspn(line, " \t"), "--", 2) != 0) {
			memmove(q, line, (size_t)(end - line));
			q += end - line;
		}
	}
	*q = '\0';
	while (rc == FT_OK && *p) {
		q = strstr(p, ";\n");
		if (!q)
			q = p + strlen(p);
		else
			*q++ = '\0';
		if (p[strspn(p, " \t\r\n")] && (rc = s->d->exec(s->db, p)))
			fail(s, rc, "cannot apply migration");
		p = *q ? q + 1 : q;
	}
	free(copy);
	return rc;
}

static const char sql_schema_table[] =
	"CREATE TABLE IF NOT EXISTS schema_version ("
	"version INTEGER NOT NULL PRIMARY KEY, "
	"name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)";
static const char sql_schema_max[] =
	"SELECT MAX(version) FROM schema_version";
static const char sql_schema_add[] =
	"INSERT INTO schema_version (version, name, applied_at) "
	"VALUES (?, ?, ?)";

static int
newest_migration(const char *dialect)
{
	const struct ft_migration *m;
	int v = 0;

	for (m = ft_migrations; m->dialect; m++)
		if (!strcmp(m->dialect, dialect) && m->version > v)
			v = m->version;
	return v;
}

static int
current_version(ft_store *s, int64_t *v)
{
	void *st;
	int rc;

	if ((rc = s->d->exec(s->db, sql_schema_table)) != FT_OK)
		return fail(s, rc, "cannot create schema_version");
	if (!(st = stmt(s, sql_schema_max, &rc)))
		return rc;
	rc = scalar(s, st, v);
	done(s, st);
	return rc;
}

static int
migrate(ft_store *s)
{
	const struct ft_migration *m;
	int newest = newest_migration(s->d->name), rc, rc2;
	int64_t v;
	void *st;

	if ((rc = current_version(s, &v)) != FT_OK)
		return rc;
	if (v < newest) {
		if ((rc = s->d->migrate_lock(s->db)) != FT_OK)
			return fail(s, rc, "cannot lock store for migration");
		/* Another process may have migrated while we waited. */
		rc = current_version(s, &v);
		for (m = ft_migrations; rc == FT_OK && m->dialect; m++) {
			if (strcmp(m->dialect, s->d->name) || m->version <= v)
				continue;
			rc = exec_script(s, m->sql);
			if (rc == FT_OK && (st = stmt(s, sql_schema_add, &rc))) {
				rc = bind(s, st, "iti", (int64_t)m->version,
					  m->name, ft_time_now());
				if (rc == FT_OK)
					rc = run(s, st, "cannot record migration");
				done(s, st);
			}
			if (rc == FT_OK)
				v = m->version;
		}
		rc2 = s->d->migrate_unlock(s->db, rc == FT_OK);
		if (rc == FT_OK && rc2 != FT_OK)
			rc = fail(s, rc2, "cannot finish migration");
		if (rc != FT_OK)
			return rc;
	}
	if (v > newest)
		return failf(s, FT_EFAIL, "store schema version %lld is newer "
			     "than this program's %d", (long long)v, newest);
	s->schema = (int)v;
	return FT_OK;
}

void
ft_store_need_existing(void)
{
	need_existing = 1;
}

/* Whether a SQLite spec names a file (not ":memory:" nor a URI). */
static int
file_spec(const char *spec)
{
	return strcmp(spec, ":memory:") && strncmp(spec, "file:", 5);
}

/* FT_OK, or FT_ENOTFOUND with a message when the store must exist and
 * its file does not. */
static int
sqlite_exists(const char *spec, char *err, size_t errlen)
{
	struct stat st;

	if (!need_existing || !file_spec(spec) || stat(spec, &st) == 0 ||
	    errno != ENOENT)
		return FT_OK;
	snprintf(err, errlen, "SQLite store '%s' does not exist (ft-enroll, "
		 "ft-recognize or scripts/seed-demo create one; check --db "
		 "and FT_DB)", spec);
	return FT_ENOTFOUND;
}

int
ft_store_moved(ft_store *s)
{
	struct stat st;

	if (!s->path)
		return 0;
	return stat(s->path, &st) != 0 || st.st_dev != s->dev ||
	       st.st_ino != s->ino;
}

int
ft_store_open(const char *url, ft_store **out, char *err, size_t errlen)
{
	const ft_driver *d;
	const char *spec;
	ft_store *s;
	int rc;

	*out = NULL;
	if (!strncmp(url, "sqlite:", 7)) {
		d = &ft_driver_sqlite;
		spec = url + 7;
		if (!strncmp(spec, "//", 2))
			spec += 2;
	} else if (!strncmp(url, "mysql://", 8)) {
		d = &ft_driver_mysql;
		spec = url;
	} else {
		char *shown = ft_config_redact_url(url);

		snprintf(err, errlen, "unknown store '%s': expected sqlite:PATH "
			 "or mysql://USER:PASSWORD@HOST:PORT/DB", shown);
		free(shown);
		return FT_EINVAL;
	}
	if (!*spec) {
		snprintf(err, errlen, "store URL '%s' names no database", url);
		return FT_EINVAL;
	}
	if (d == &ft_driver_sqlite && (rc = sqlite_exists(spec, err, errlen)))
		return rc;
	s = ft_xcalloc(1, sizeof *s);
	s->d = d;
	if ((rc = d->open(spec, &s->db, err, errlen)) != FT_OK) {
		free(s);
		return rc;
	}
	if (d == &ft_driver_sqlite && file_spec(spec)) {
		struct stat st;

		s->path = ft_xstrdup(spec);
		if (stat(spec, &st) == 0) {
			s->dev = st.st_dev;
			s->ino = st.st_ino;
		}
	}
	if ((rc = migrate(s)) != FT_OK) {
		snprintf(err, errlen, "%s", s->err);
		ft_store_close(s);
		return rc;
	}
	*out = s;
	return FT_OK;
}

ft_store *
ft_store_open_configured(void)
{
	char err[1024], *url = ft_config_db_url();
	ft_store *s;
	int rc = ft_store_open(url, &s, err, sizeof err);

	free(url);
	if (rc != FT_OK)
		ft_die(ft_store_exit_status(rc), "%s", err);
	return s;
}

void
ft_store_close(ft_store *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->ncache; i++)
		s->d->finalize(s->cache[i].stmt);
	if (s->depth)
		s->d->exec(s->db, "ROLLBACK");
	s->d->close(s->db);
	free(s->path);
	free(s);
}

/* --- transactions --- */

int
ft_store_begin(ft_store *s)
{
	int rc;

	if (s->depth++ > 0)
		return FT_OK;
	if ((rc = s->d->exec(s->db, s->d->begin_sql)) != FT_OK) {
		s->depth = 0;
		return fail(s, rc, "cannot begin transaction");
	}
	return FT_OK;
}

int
ft_store_commit(ft_store *s)
{
	int rc;

	if (s->depth == 0)
		return failf(s, FT_EFAIL, "commit without a transaction");
	if (--s->depth > 0)
		return FT_OK;
	if ((rc = s->d->exec(s->db, "COMMIT")) != FT_OK) {
		fail(s, rc, "cannot commit");
		s->d->exec(s->db, "ROLLBACK");
		return rc;
	}
	return FT_OK;
}

void
ft_store_rollback(ft_store *s)
{
	char keep[sizeof s->err];

	if (s->depth == 0)
		return;
	s->depth = 0;
	/* Keep the message of the failure that led here. */
	memcpy(keep, s->err, sizeof keep);
	s->d->exec(s->db, "ROLLBACK");
	memcpy(s->err, keep, sizeof keep);
}

/* Finish a transaction begun by a function: commit when rc is FT_OK. */
static int
finish(ft_store *s, int rc)
{
	if (rc == FT_OK)
		return ft_store_commit(s);
	ft_store_rollback(s);
	return rc;
}

/*
 * A transaction we own whole, ended by a temporary failure (InnoDB picks
 * one of two deadlocked transactions to fail; a lock wait may time out),
 * is worth running again a few times before the caller hears of it.
 */
static int
again(ft_store *s, int own, int rc, int *tries)
{
	if (rc != FT_ETEMP || !own || ++*tries >= 4)
		return 0;
	usleep((useconds_t)(20000 * *tries));
	return 1;
}

/* --- customers --- */

#define CUSTOMER_COLS \
	"c.id, c.uuid, c.name, c.email, c.notes, c.consent, c.created_at, " \
	"c.last_visit, c.visit_count, " \
	"(SELECT COUNT(*) FROM faces f WHERE f.customer_id = c.id)"
#define CUSTOMER_NCOLS 10

static void
read_customer(ft_store *s, void *st, int col, ft_customer *c)
{
	const char *uuid = s->d->col_text(st, col + 1);

	memset(c, 0, sizeof *c);
	c->id = s->d->col_int64(st, col);
	snprintf(c->uuid, sizeof c->uuid, "%s", uuid ? uuid : "");
	c->name = ft_xstrdup(s->d->col_text(st, col + 2));
	c->email = ft_xstrdup(s->d->col_text(st, col + 3));
	c->notes = ft_xstrdup(s->d->col_text(st, col + 4));
	c->consent = s->d->col_int64(st, col + 5) != 0;
	c->created_at = s->d->col_int64(st, col + 6);
	c->last_visit = s->d->col_int64(st, col + 7);
	c->visit_count = s->d->col_int64(st, col + 8);
	c->faces = s->d->col_int64(st, col + 9);
}

void
ft_customer_clear(ft_customer *c)
{
	free(c->name);
	free(c->email);
	free(c->notes);
	c->name = c->email = c->notes = NULL;
}

static void
new_uuid(char *out)
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

/* UTF-8 code points of s (bytes that do not continue one). */
static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

int
ft_customer_check(const ft_customer *c, unsigned fields, char *err,
		  size_t errlen)
{
	const struct { unsigned field; const char *what, *v; size_t max; }
	f[] = {
		{ FT_FIELD_NAME, "name", c->name, FT_NAME_MAX },
		{ FT_FIELD_EMAIL, "e-mail address", c->email, FT_EMAIL_MAX },
		{ FT_FIELD_NOTES, "notes", c->notes, FT_NOTES_MAX }
	};
	size_t i, n;

	for (i = 0; i < sizeof f / sizeof *f; i++) {
		if (!(fields & f[i].field) || !f[i].v)
			continue;
		if ((n = chars(f[i].v)) > f[i].max) {
			ft_seterr(err, errlen, "%s of %zu characters is over "
				  "the limit of %zu", f[i].what, n, f[i].max);
			return FT_EINVAL;
		}
	}
	return FT_OK;
}

static const char sql_customer_add[] =
	"INSERT INTO customers (uuid, name, email, notes, consent, created_at,"
	" visit_count) VALUES (?, ?, ?, ?, ?, ?, 0)";

int
ft_store_customer_insert(ft_store *s, ft_customer *c)
{
	void *st;
	int rc;

	if (ft_customer_check(c, FT_FIELD_NAME | FT_FIELD_EMAIL |
			      FT_FIELD_NOTES, s->err, sizeof s->err))
		return FT_EINVAL;
	if (!c->uuid[0])
		new_uuid(c->uuid);
	if (!c->created_at)
		c->created_at = ft_time_now();
	if (!(st = stmt(s, sql_customer_add, &rc)))
		return rc;
	rc = bind(s, st, "ttttii", c->uuid, c->name, c->email, c->notes,
		  (int64_t)(c->consent != 0), c->created_at);
	if (rc == FT_OK)
		rc = run(s, st, "cannot add customer");
	if (rc == FT_OK)
		c->id = s->d->last_id(s->db);
	done(s, st);
	return rc;
}

static int
customer_add_once(ft_store *s, ft_customer *c)
{
	int rc;

	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	rc = ft_store_customer_insert(s, c);
	if (rc == FT_OK) {
		jv rec = ft_record_customer(c);
		jv text = jv_dump_string(rec, 0);

		rc = ft_store_event_add(s, "customer", c->id,
					jv_string_value(text), NULL);
		jv_free(text);
	}
	if (rc == FT_OK)
		rc = ft_store_audit_add(s, c);
	return finish(s, rc);
}

int
ft_store_customer_add(ft_store *s, ft_customer *c)
{
	int rc, tries = 0, own = s->depth == 0;

	do
		rc = customer_add_once(s, c);
	while (again(s, own, rc, &tries));
	return rc;
}

/* A "customer" event with the customer id as they are now. */
static int
customer_event(ft_store *s, int64_t id)
{
	ft_customer c;
	jv text;
	int rc;

	if ((rc = ft_store_customer_get_id(s, id, &c)) != FT_OK)
		return rc;
	text = jv_dump_string(ft_record_customer(&c), 0);
	rc = ft_store_event_add(s, "customer", id, jv_string_value(text),
				NULL);
	jv_free(text);
	ft_customer_clear(&c);
	return rc;
}

int
ft_store_customer_update(ft_store *s, const ft_customer *c, unsigned fields)
{
	char sql[256];
	void *st;
	int rc, n = 0;

	if (ft_customer_check(c, fields, s->err, sizeof s->err))
		return FT_EINVAL;
	strcpy(sql, "UPDATE customers SET id = id");
	if (fields & FT_FIELD_NAME)
		strcat(sql, ", name = ?");
	if (fields & FT_FIELD_EMAIL)
		strcat(sql, ", email = ?");
	if (fields & FT_FIELD_NOTES)
		strcat(sql, ", notes = ?");
	if (fields & FT_FIELD_CONSENT)
		strcat(sql, ", consent = ?");
	strcat(sql, " WHERE id = ?");
	if ((rc = s->d->prepare(s->db, sql, &st)) != FT_OK)
		return fail(s, rc, "cannot prepare statement");
	if (fields & FT_FIELD_NAME)
		rc = s->d->bind_text(st, ++n, c->name);
	if (rc == FT_OK && (fields & FT_FIELD_EMAIL))
		rc = s->d->bind_text(st, ++n, c->email);
	if (rc == FT_OK && (fields & FT_FIELD_NOTES))
		rc = s->d->bind_text(st, ++n, c->notes);
	if (rc == FT_OK && (fields & FT_FIELD_CONSENT))
		rc = s->d->bind_int64(st, ++n, c->consent != 0);
	if (rc == FT_OK)
		rc = s->d->bind_int64(st, ++n, c->id);
	if (rc != FT_OK)
		fail(s, rc, "cannot bind parameter");
	else
		rc = run(s, st, "cannot update customer");
	s->d->finalize(st);
	/* Followers of the feed learn of it: a recogniser that requires
	 * consent must see it given or withdrawn. */
	if (rc == FT_OK)
		rc = customer_event(s, c->id);
	if (rc == FT_OK)
		rc = ft_store_audit_update(s, c, fields);
	return rc;
}

static const char sql_customer_by_uuid[] =
	"SELECT " CUSTOMER_COLS " FROM customers c WHERE c.uuid = ?";
static const char sql_customer_by_prefix[] =
	"SELECT " CUSTOMER_COLS " FROM customers c WHERE c.uuid LIKE ? "
	"ORDER BY c.uuid LIMIT 2";
static const char sql_customer_by_id[] =
	"SELECT " CUSTOMER_COLS " FROM customers c WHERE c.id = ?";

/* Read the one row of st into out; FT_ENOTFOUND for none or several. */
static int
one_customer(ft_store *s, void *st, const char *id, ft_customer *out)
{
	int rc = s->d->step(st);

	if (rc < 0)
		return fail(s, rc, "cannot read customer");
	if (rc == FT_DONE)
		return failf(s, FT_ENOTFOUND, "no customer '%s'", id);
	read_customer(s, st, 0, out);
	rc = s->d->step(st);
	if (rc == FT_ROW) {
		ft_customer_clear(out);
		return failf(s, FT_ENOTFOUND, "customer id '%s' is ambiguous",
			     id);
	}
	if (rc < 0) {
		ft_customer_clear(out);
		return fail(s, rc, "cannot read customer");
	}
	return FT_OK;
}

int
ft_store_customer_get(ft_store *s, const char *id, ft_customer *out)
{
	size_t n = strlen(id);
	char pattern[FT_UUID_LEN + 2];
	void *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (n < 8 || n > FT_UUID_LEN || strspn(id, "0123456789abcdefABCDEF-")
	    != n)
		return failf(s, FT_ENOTFOUND, "no customer '%s'", id);
	if (n == FT_UUID_LEN) {
		if (!(st = stmt(s, sql_customer_by_uuid, &rc)))
			return rc;
		rc = bind(s, st, "t", id);
	} else {
		snprintf(pattern, sizeof pattern, "%s%%", id);
		if (!(st = stmt(s, sql_customer_by_prefix, &rc)))
			return rc;
		rc = bind(s, st, "t", pattern);
	}
	if (rc == FT_OK)
		rc = one_customer(s, st, id, out);
	done(s, st);
	return rc;
}

int
ft_store_customer_get_id(ft_store *s, int64_t id, ft_customer *out)
{
	char shown[32];
	void *st;
	int rc;

	memset(out, 0, sizeof *out);
	snprintf(shown, sizeof shown, "#%lld", (long long)id);
	if (!(st = stmt(s, sql_customer_by_id, &rc)))
		return rc;
	if ((rc = bind(s, st, "i", id)) == FT_OK)
		rc = one_customer(s, st, shown, out);
	done(s, st);
	return rc;
}

/* Stream the rows of a prepared customer query to cb. */
static int
each_customer(ft_store *s, void *st, int extra, ft_customer_cb cb,
	      ft_top_cb top, void *ctx)
{
	ft_customer c;
	int rc;

	while ((rc = s->d->step(st)) == FT_ROW) {
		read_customer(s, st, 0, &c);
		rc = top ? top(ctx, &c, s->d->col_int64(st, extra))
			 : cb(ctx, &c);
		ft_customer_clear(&c);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return fail(s, rc, "cannot read customers");
	return FT_OK;
}

/* Escape LIKE's wildcards with '!' for a substring pattern. */
static char *
like_pattern(const char *text)
{
	char *p = ft_xmalloc(strlen(text) * 2 + 3), *q = p;

	*q++ = '%';
	for (; *text; text++) {
		if (*text == '%' || *text == '_' || *text == '!')
			*q++ = '!';
		*q++ = *text;
	}
	*q++ = '%';
	*q = '\0';
	return p;
}

/* The column a sort order sorts on (then on c.id), and whether it may
 * be NULL (both engines put NULLs first going up, last going down). */
static const char *
sort_column(enum ft_customer_sort sort, int *nullable)
{
	static const char *const col[] = {
		[FT_SORT_CREATED] = "c.created_at",
		[FT_SORT_NAME] = "c.name",
		[FT_SORT_LAST_VISIT] = "c.last_visit",
		[FT_SORT_VISITS] = "c.visit_count",
	};

	if (sort > FT_SORT_VISITS)
		sort = FT_SORT_CREATED;
	*nullable = sort == FT_SORT_NAME || sort == FT_SORT_LAST_VISIT;
	return col[sort];
}

/*
 * Where the next page starts: after customer k in f's order.  The rows
 * that follow k are read in up to three parts, each a plain range of the
 * sort column's index that both engines scan in order and stop at the
 * page's end: those with k's value and a later id, then those with a
 * later value, then (going down a column that may be NULL) the NULLs.
 * One condition such as "col > v OR (col = v AND id > i)" reads the
 * same rows, but MariaDB scans every tie of v to find them.
 */
enum { KS_VALUE = 1, KS_ID = 2 };	/* what a part binds, in this order */

struct keyset {
	int text;		/* the value is k's name */
	const char *name;
	int64_t value, id;
	int nparts;
	char cond[3][96];	/* each part's condition */
	unsigned binds[3];	/* KS_* of each part */
};

static void
keyset_part(struct keyset *b, unsigned binds, const char *fmt,
	    const char *col)
{
	snprintf(b->cond[b->nparts], sizeof b->cond[0], fmt, col);
	b->binds[b->nparts++] = binds;
}

static void
keyset_parts(const ft_customer_filter *f, const ft_customer *k,
	     struct keyset *b)
{
	int nullable, null = 0, down = f->descending;
	const char *col = sort_column(f->sort, &nullable);

	memset(b, 0, sizeof *b);
	b->id = k->id;
	switch (f->sort) {
	case FT_SORT_NAME:
		b->text = 1;
		b->name = k->name;
		null = !k->name;
		break;
	case FT_SORT_LAST_VISIT:
		b->value = k->last_visit;
		null = !k->last_visit;
		break;
	case FT_SORT_VISITS:
		b->value = k->visit_count;
		break;
	default:
		b->value = k->created_at;
	}
	if (null) {
		/* NULLs come first going up, last going down. */
		keyset_part(b, KS_ID, down ? " AND %s IS NULL AND c.id < ?"
			    : " AND %s IS NULL AND c.id > ?", col);
		if (!down)
			keyset_part(b, 0, " AND %s IS NOT NULL", col);
		return;
	}
	keyset_part(b, KS_VALUE | KS_ID, down ? " AND %s = ? AND c.id < ?"
		    : " AND %s = ? AND c.id > ?", col);
	keyset_part(b, KS_VALUE, down ? " AND %s < ?" : " AND %s > ?", col);
	if (down && nullable)
		keyset_part(b, 0, " AND %s IS NULL", col);
}

static int
keyset_bind(ft_store *s, void *st, const struct keyset *b, unsigned binds,
	    int *n)
{
	int rc = FT_OK;

	if (binds & KS_VALUE)
		rc = b->text ? s->d->bind_text(st, ++*n, b->name)
			     : s->d->bind_int64(st, ++*n, b->value);
	if (rc == FT_OK && (binds & KS_ID))
		rc = s->d->bind_int64(st, ++*n, b->id);
	return rc;
}

/* The WHERE conditions of f but the name and the keyset. */
static void
filter_sql(const ft_customer_filter *f, char *sql, size_t len)
{
	static const char *const named[] = {
		"", " AND c.name IS NOT NULL AND c.name <> ''",
		" AND (c.name IS NULL OR c.name = '')" };
	static const char *const consent[] = {
		"", " AND c.consent <> 0", " AND c.consent = 0" };

	snprintf(sql, len, "%s%s%s%s%s",
		 f->since ? " AND c.created_at >= ?" : "",
		 f->until ? " AND c.created_at < ?" : "",
		 f->min_visits > 0 ? " AND c.visit_count >= ?" : "",
		 named[f->named >= 0 && f->named <= 2 ? f->named : 0],
		 consent[f->consent >= 0 && f->consent <= 2 ? f->consent : 0]);
}

static int
customers_bind(ft_store *s, void *st, const ft_customer_filter *f,
	       const char *pattern, const struct keyset *k, unsigned binds,
	       int64_t limit)
{
	int rc = FT_OK, n = 0;

	if (pattern)
		rc = s->d->bind_text(st, ++n, pattern);
	if (rc == FT_OK && f->since)
		rc = s->d->bind_int64(st, ++n, f->since);
	if (rc == FT_OK && f->until)
		rc = s->d->bind_int64(st, ++n, f->until);
	if (rc == FT_OK && f->min_visits > 0)
		rc = s->d->bind_int64(st, ++n, f->min_visits);
	if (rc == FT_OK && k)
		rc = keyset_bind(s, st, k, binds, &n);
	if (rc == FT_OK && limit > 0)
		rc = s->d->bind_int64(st, ++n, limit);
	return rc;
}

/* Counts the rows passed on, for the parts of a page. */
struct counting {
	ft_customer_cb cb;
	void *ctx;
	int64_t n;
};

static int
count_customer(void *p, const ft_customer *c)
{
	struct counting *k = p;

	k->n++;
	return k->cb(k->ctx, c);
}

/* One part of a listing: the rows of f (with condition cond, binding
 * binds of ks) up to limit (0: all), to k. */
static int
customers_part(ft_store *s, const ft_customer_filter *f, const char *pattern,
	       const struct keyset *ks, int part, int64_t limit,
	       struct counting *k)
{
	const char *dir = f->descending ? "DESC" : "ASC", *col;
	char sql[2048], where[512];
	void *st;
	int rc, nullable;

	filter_sql(f, where, sizeof where);
	col = sort_column(f->sort, &nullable);
	snprintf(sql, sizeof sql, "SELECT " CUSTOMER_COLS " FROM customers c "
		 "WHERE 1 = 1%s%s%s ORDER BY %s %s, c.id %s%s",
		 pattern ? " AND c.name LIKE ? ESCAPE '!'" : "", where,
		 ks ? ks->cond[part] : "", col, dir, dir,
		 limit > 0 ? " LIMIT ?" : "");
	if ((rc = s->d->prepare(s->db, sql, &st)) != FT_OK)
		return fail(s, rc, "cannot prepare statement");
	rc = customers_bind(s, st, f, pattern, ks, ks ? ks->binds[part] : 0,
			    limit);
	if (rc != FT_OK)
		rc = fail(s, rc, "cannot bind parameter");
	else
		rc = each_customer(s, st, 0, count_customer, NULL, k);
	s->d->finalize(st);
	return rc;
}

int
ft_store_customers(ft_store *s, const ft_customer_filter *f,
		   ft_customer_cb cb, void *ctx)
{
	struct counting k = { cb, ctx, 0 };
	ft_customer after = { 0 };
	struct keyset ks;
	char *pattern = f->name ? like_pattern(f->name) : NULL;
	int rc = FT_OK, part, nparts = 1;

	if (f->after) {
		if (strlen(f->after) != FT_UUID_LEN)
			rc = failf(s, FT_ENOTFOUND, "no customer '%.40s'",
				   f->after);
		else
			rc = ft_store_customer_get(s, f->after, &after);
		if (rc == FT_OK) {
			keyset_parts(f, &after, &ks);
			nparts = ks.nparts;
		}
	}
	for (part = 0; rc == FT_OK && part < nparts; part++) {
		if (f->limit > 0 && k.n >= f->limit)
			break;
		rc = customers_part(s, f, pattern, f->after ? &ks : NULL,
				    part, f->limit > 0 ? f->limit - k.n : 0,
				    &k);
	}
	free(pattern);
	ft_customer_clear(&after);
	return rc;
}

static const char sql_merge_visits[] =
	"UPDATE visits SET customer_id = ? WHERE customer_id = ?";
static const char sql_merge_faces[] =
	"UPDATE faces SET customer_id = ? WHERE customer_id = ?";
static const char sql_merge_profile[] =
	"UPDATE customers SET name = ?, email = ?, notes = ?, created_at = ? "
	"WHERE id = ?";
static const char sql_recount_one[] =
	"UPDATE customers SET "
	"visit_count = (SELECT COUNT(*) FROM visits v WHERE v.customer_id = ?),"
	" last_visit = (SELECT MAX(v.ts) FROM visits v WHERE v.customer_id = ?)"
	" WHERE id = ?";
static const char sql_customer_delete[] =
	"DELETE FROM customers WHERE id = ?";
static const char sql_forget_events[] =
	"DELETE FROM events WHERE customer_id = ?";
static const char sql_forget_visits[] =
	"DELETE FROM visits WHERE customer_id = ?";
static const char sql_forget_faces[] =
	"DELETE FROM faces WHERE customer_id = ?";

/* Run a cached statement with a bind format; for one-off writes. */
static int
write_stmt(ft_store *s, const char *sql, const char *what, const char *fmt,
	   ...)
{
	va_list ap;
	void *st;
	int rc, i;

	if (!(st = stmt(s, sql, &rc)))
		return rc;
	va_start(ap, fmt);
	for (i = 0; fmt[i] && rc == FT_OK; i++) {
		if (fmt[i] == 'i')
			rc = s->d->bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			rc = s->d->bind_text(st, i + 1,
					     va_arg(ap, const char *));
	}
	va_end(ap);
	if (rc != FT_OK)
		rc = fail(s, rc, "cannot bind parameter");
	else
		rc = run(s, st, what);
	done(s, st);
	return rc;
}

/* Run sql, whose one parameter is a customer's id; the rows it changed
 * go to *n when n is not NULL. */
static int
customer_rows(ft_store *s, const char *sql, const char *what, int64_t id,
	      int64_t *n)
{
	void *st;
	int rc;

	if (!(st = stmt(s, sql, &rc)))
		return rc;
	rc = bind(s, st, "i", id);
	if (rc == FT_OK)
		rc = run(s, st, what);
	if (rc == FT_OK && n)
		*n = s->d->changes(st);
	done(s, st);
	return rc;
}

/* The backend's wipe statements (store_priv.h) for customer id. */
static int
wipe(ft_store *s, const char *const *sql, int64_t id)
{
	int rc = FT_OK;

	for (; sql && *sql && rc == FT_OK; sql++)
		rc = customer_rows(s, *sql, "cannot overwrite erased data",
				   id, NULL);
	return rc;
}

/* Erase customer id's profile and the events about them. */
static int
erase_profile(ft_store *s, int64_t id, int64_t *events)
{
	int rc = wipe(s, s->d->wipe_profile, id);

	if (rc == FT_OK)
		rc = customer_rows(s, sql_forget_events,
				   "cannot delete events", id, events);
	if (rc == FT_OK)
		rc = customer_rows(s, sql_customer_delete,
				   "cannot delete customer", id, NULL);
	return rc;
}

int
ft_store_scrub(ft_store *s)
{
	int rc;

	if (s->depth)
		return failf(s, FT_EFAIL, "cannot scrub inside a transaction");
	if (!s->d->scrub || (rc = s->d->scrub(s->db)) == FT_OK)
		return FT_OK;
	return fail(s, rc, "erased, but the store's files were not yet "
		    "cleared");
}

/* Fill keep's profile gaps from drop's; keep was first seen when either
 * was. */
static int
merge_profile(ft_store *s, const ft_customer *k, const ft_customer *d)
{
	void *st;
	int rc;

	if (!(st = stmt(s, sql_merge_profile, &rc)))
		return rc;
	rc = bind(s, st, "tttii", k->name ? k->name : d->name,
		  k->email ? k->email : d->email,
		  k->notes ? k->notes : d->notes,
		  k->created_at < d->created_at ? k->created_at
		  : d->created_at, k->id);
	if (rc == FT_OK)
		rc = run(s, st, "cannot update customer");
	done(s, st);
	return rc;
}

static int
customer_merge_once(ft_store *s, int64_t keep, int64_t drop)
{
	ft_customer k, d;
	int rc;

	if (keep == drop)
		return failf(s, FT_EINVAL, "cannot merge a customer into "
			     "itself");
	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	if ((rc = ft_store_customer_get_id(s, keep, &k)) != FT_OK)
		return finish(s, rc);
	if ((rc = ft_store_customer_get_id(s, drop, &d)) != FT_OK) {
		ft_customer_clear(&k);
		return finish(s, rc);
	}
	rc = write_stmt(s, sql_merge_visits, "cannot move visits", "ii", keep,
			drop);
	if (rc == FT_OK)
		rc = write_stmt(s, sql_merge_faces, "cannot move faces", "ii",
				keep, drop);
	if (rc == FT_OK)
		rc = merge_profile(s, &k, &d);
	/* Who drop was marked apart from, keep is now apart from. */
	if (rc == FT_OK)
		rc = ft_store_review_merge(s, keep, drop);
	/* drop's events name drop: they go with the profile. */
	if (rc == FT_OK)
		rc = erase_profile(s, drop, NULL);
	if (rc == FT_OK)
		rc = write_stmt(s, sql_recount_one, "cannot count visits",
				"iii", keep, keep, keep);
	/* Followers of the feed (recognisers' indexes, dashboards) learn
	 * that the dropped customer's samples and visits are keep's now. */
	if (rc == FT_OK)
		rc = ft_store_event_add(s, "merge", keep,
					"{\"type\":\"merge\"}", NULL);
	if (rc == FT_OK)
		rc = ft_store_audit_merge(s, k.uuid, d.uuid);
	ft_customer_clear(&k);
	ft_customer_clear(&d);
	return finish(s, rc);
}

int
ft_store_customer_merge(ft_store *s, int64_t keep, int64_t drop)
{
	int rc, tries = 0, own = s->depth == 0;

	do
		rc = customer_merge_once(s, keep, drop);
	while (again(s, own, rc, &tries));
	if (rc == FT_OK && own)
		rc = ft_store_scrub(s);
	return rc;
}

static int
customer_erase_once(ft_store *s, int64_t id, ft_erasure *e)
{
	ft_customer c;
	int64_t named = 0;
	int rc;

	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	if ((rc = ft_store_customer_get_id(s, id, &c)) != FT_OK)
		return finish(s, rc);
	memcpy(e->uuid, c.uuid, sizeof e->uuid);
	ft_customer_clear(&c);
	rc = customer_rows(s, sql_forget_visits, "cannot delete visits", id,
			   &e->visits);
	if (rc == FT_OK)
		rc = wipe(s, s->d->wipe_samples, id);
	if (rc == FT_OK)
		rc = customer_rows(s, sql_forget_faces, "cannot delete faces",
				   id, &e->samples);
	/* Their pairs, and the corrections naming them in others' events. */
	if (rc == FT_OK)
		rc = ft_store_review_forget(s, id, e->uuid, &named);
	if (rc == FT_OK)
		rc = erase_profile(s, id, &e->events);
	e->events += named;
	/* Tell followers of the feed that figures changed, naming nobody. */
	if (rc == FT_OK)
		rc = ft_store_event_add(s, "forget", 0, "{\"type\":\"forget\"}",
					NULL);
	if (rc == FT_OK)
		rc = ft_store_audit_forget(s, e->uuid, e->visits,
					   e->samples);
	e->ts = ft_time_now();
	return finish(s, rc);
}

int
ft_store_customer_erase(ft_store *s, int64_t id, ft_erasure *out)
{
	ft_erasure e;
	int rc, tries = 0, own = s->depth == 0;

	do {
		memset(&e, 0, sizeof e);
		rc = customer_erase_once(s, id, &e);
	} while (again(s, own, rc, &tries));
	if (rc == FT_OK && out)
		*out = e;
	if (rc == FT_OK && own)
		rc = ft_store_scrub(s);
	return rc;
}

int
ft_store_customer_forget(ft_store *s, int64_t id)
{
	return ft_store_customer_erase(s, id, NULL);
}

/* --- visits --- */

static const char sql_visit_insert[] =
	"INSERT INTO visits (customer_id, ts, source, distance, new_customer,"
	" face_id) VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_visit_count_up[] =
	"UPDATE customers SET visit_count = visit_count + 1, last_visit = "
	"CASE WHEN last_visit IS NULL OR last_visit < ? THEN ? "
	"ELSE last_visit END WHERE id = ?";

static int
insert_visit(ft_store *s, const ft_visit *v)
{
	void *st;
	int rc;

	if (!(st = stmt(s, sql_visit_insert, &rc)))
		return rc;
	rc = s->d->bind_int64(st, 1, v->customer_id);
	if (rc == FT_OK)
		rc = s->d->bind_int64(st, 2, v->ts);
	if (rc == FT_OK)
		rc = s->d->bind_text(st, 3, v->source);
	if (rc == FT_OK)
		rc = v->distance >= 0 ? s->d->bind_double(st, 4, v->distance)
				      : s->d->bind_text(st, 4, NULL);
	if (rc == FT_OK)
		rc = s->d->bind_int64(st, 5, v->new_customer != 0);
	if (rc == FT_OK)
		rc = v->face_id > 0 ? s->d->bind_int64(st, 6, v->face_id)
				    : s->d->bind_text(st, 6, NULL);
	if (rc != FT_OK)
		rc = fail(s, rc, "cannot bind parameter");
	else
		rc = run(s, st, "cannot add visit");
	done(s, st);
	return rc;
}

int
ft_store_visit_insert(ft_store *s, const ft_visit *v)
{
	return insert_visit(s, v);
}

static int
visit_add_once(ft_store *s, ft_visit *v)
{
	ft_customer c;
	void *st;
	int rc;

	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	if ((rc = insert_visit(s, v)) != FT_OK)
		return finish(s, rc);
	v->id = s->d->last_id(s->db);
	if ((st = stmt(s, sql_visit_count_up, &rc))) {
		rc = bind(s, st, "iii", v->ts, v->ts, v->customer_id);
		if (rc == FT_OK)
			rc = run(s, st, "cannot count visit");
		if (rc == FT_OK && s->d->changes(st) == 0)
			rc = failf(s, FT_ENOTFOUND, "no customer #%lld",
				   (long long)v->customer_id);
		done(s, st);
	}
	if (rc == FT_OK &&
	    (rc = ft_store_customer_get_id(s, v->customer_id, &c)) == FT_OK) {
		jv text;

		memcpy(v->customer, c.uuid, sizeof v->customer);
		v->number = c.visit_count;
		text = jv_dump_string(ft_record_visit(v, &c), 0);
		rc = ft_store_event_add(s, "visit", v->customer_id,
					jv_string_value(text), NULL);
		jv_free(text);
		ft_customer_clear(&c);
	}
	return finish(s, rc);
}

int
ft_store_visit_add(ft_store *s, ft_visit *v)
{
	int rc, tries = 0, own = s->depth == 0;

	do
		rc = visit_add_once(s, v);
	while (again(s, own, rc, &tries));
	return rc;
}

void
ft_visit_clear(ft_visit *v)
{
	free(v->name);
	free(v->email);
	free(v->source);
	v->name = v->email = v->source = NULL;
}

int
ft_store_visits(ft_store *s, const ft_visit_filter *f, ft_visit_cb cb,
		void *ctx)
{
	char sql[1024];
	const char *dir = f->descending ? "DESC" : "ASC";
	void *st;
	ft_visit v;
	int rc, n = 0;

	if (f->bare)
		snprintf(sql, sizeof sql,
			 "SELECT v.id, v.customer_id, NULL, NULL, NULL, v.ts, "
			 "v.source, v.distance, v.new_customer, 0, v.face_id "
			 "FROM visits v WHERE 1 = 1");
	else
		snprintf(sql, sizeof sql,
			 "SELECT v.id, v.customer_id, c.uuid, c.name, c.email, "
			 "v.ts, v.source, v.distance, v.new_customer, "
			 "(SELECT COUNT(*) FROM visits w WHERE w.customer_id = "
			 "v.customer_id AND (w.ts < v.ts OR (w.ts = v.ts AND "
			 "w.id <= v.id))), v.face_id "
			 "FROM visits v JOIN customers c ON c.id = "
			 "v.customer_id WHERE 1 = 1");
	if (f->since)
		strcat(sql, " AND v.ts >= ?");
	if (f->until)
		strcat(sql, " AND v.ts < ?");
	if (f->customer_id)
		strcat(sql, " AND v.customer_id = ?");
	if (f->source)
		strcat(sql, " AND v.source = ?");
	snprintf(sql + strlen(sql), sizeof sql - strlen(sql),
		 " ORDER BY v.ts %s, v.id %s", dir, dir);
	if (f->limit > 0)
		strcat(sql, " LIMIT ?");
	if ((rc = s->d->prepare(s->db, sql, &st)) != FT_OK)
		return fail(s, rc, "cannot prepare statement");
	if (f->since)
		rc = s->d->bind_int64(st, ++n, f->since);
	if (rc == FT_OK && f->until)
		rc = s->d->bind_int64(st, ++n, f->until);
	if (rc == FT_OK && f->customer_id)
		rc = s->d->bind_int64(st, ++n, f->customer_id);
	if (rc == FT_OK && f->source)
		rc = s->d->bind_text(st, ++n, f->source);
	if (rc == FT_OK && f->limit > 0)
		rc = s->d->bind_int64(st, ++n, f->limit);
	if (rc != FT_OK) {
		rc = fail(s, rc, "cannot bind parameter");
		s->d->finalize(st);
		return rc;
	}
	while ((rc = s->d->step(st)) == FT_ROW) {
		const char *uuid = s->d->col_text(st, 2);

		memset(&v, 0, sizeof v);
		v.id = s->d->col_int64(st, 0);
		v.customer_id = s->d->col_int64(st, 1);
		snprintf(v.customer, sizeof v.customer, "%s", uuid ? uuid : "");
		v.name = ft_xstrdup(s->d->col_text(st, 3));
		v.email = ft_xstrdup(s->d->col_text(st, 4));
		v.ts = s->d->col_int64(st, 5);
		v.source = ft_xstrdup(s->d->col_text(st, 6));
		v.distance = s->d->col_null(st, 7) ? -1
			     : s->d->col_double(st, 7);
		v.new_customer = s->d->col_int64(st, 8) != 0;
		v.number = s->d->col_int64(st, 9);
		v.face_id = s->d->col_int64(st, 10);
		rc = cb(ctx, &v);
		ft_visit_clear(&v);
		if (rc)
			break;
	}
	if (rc < 0)
		rc = fail(s, rc, "cannot read visits");
	s->d->finalize(st);
	return rc;
}

static const char sql_recount_all[] =
	"UPDATE customers SET "
	"visit_count = (SELECT COUNT(*) FROM visits v "
	"WHERE v.customer_id = customers.id), "
	"last_visit = (SELECT MAX(v.ts) FROM visits v "
	"WHERE v.customer_id = customers.id)";

int
ft_store_recount(ft_store *s)
{
	int rc;

	if ((rc = s->d->exec(s->db, sql_recount_all)) != FT_OK)
		return fail(s, rc, "cannot count visits");
	return FT_OK;
}

/* --- figures --- */

static const char sql_count_visits[] =
	"SELECT COUNT(*) FROM visits WHERE ts >= ? AND ts < ?";
/* The (ts, customer_id) index covers it: the range's index entries are
 * read, never the rows. */
static const char sql_count_visitors[] =
	"SELECT COUNT(DISTINCT customer_id) FROM visits "
	"WHERE ts >= ? AND ts < ?";
static const char sql_count_customers[] =
	"SELECT COUNT(*) FROM customers WHERE created_at >= ? AND "
	"created_at < ?";
static const char sql_count_all[] = "SELECT COUNT(*) FROM customers";
static const char sql_count_min_visits[] =
	"SELECT COUNT(*) FROM customers WHERE visit_count >= ?";

static int
count(ft_store *s, const char *sql, const char *fmt, int64_t a, int64_t b,
      int64_t *out)
{
	void *st;
	int rc;

	if (!(st = stmt(s, sql, &rc)))
		return rc;
	if (!*fmt || (rc = bind(s, st, fmt, a, b)) == FT_OK)
		rc = scalar(s, st, out);
	done(s, st);
	return rc;
}

int
ft_store_count_visits(ft_store *s, int64_t since, int64_t until,
		      int64_t *out)
{
	return count(s, sql_count_visits, "ii", since, until, out);
}

int
ft_store_count_visitors(ft_store *s, int64_t since, int64_t until,
			int64_t *out)
{
	return count(s, sql_count_visitors, "ii", since, until, out);
}

int
ft_store_count_customers(ft_store *s, int64_t since, int64_t until,
			 int64_t *out)
{
	return count(s, sql_count_customers, "ii", since, until, out);
}

/*
 * The range's visits per customer, summed up by the database: one row
 * comes back however many visits the range holds.  A range of a small
 * part of the visits is read from the (ts, customer_id) index and
 * grouped in a temporary table; a range of much of them is cheaper to
 * read whole from the (customer_id, ts) index, already grouped, which
 * each database is told in its own words.
 */
#define VISIT_FIGURES(FROM) \
	"SELECT COUNT(*), COALESCE(SUM(n), 0), COALESCE(SUM(n >= 2), 0), " \
	"MIN(f) FROM (SELECT customer_id, COUNT(*) AS n, MIN(ts) AS f " \
	"FROM " FROM " WHERE ts >= ? AND ts < ? GROUP BY customer_id) t"
static const char sql_visit_figures[] = VISIT_FIGURES("visits");
static const char sql_visit_figures_sqlite[] =
	VISIT_FIGURES("visits INDEXED BY visits_customer_ts");
static const char sql_visit_figures_mysql[] =
	VISIT_FIGURES("visits FORCE INDEX (visits_customer_ts)");
/* Apart, as SQLite reads either from the index only when alone. */
static const char sql_first_visit[] = "SELECT MIN(ts) FROM visits";
static const char sql_last_visit[] = "SELECT MAX(ts) FROM visits";
/* Each customer created in the range is looked up in the
 * (customer_id, ts) index. */
static const char sql_new_visitors[] =
	"SELECT COUNT(*) FROM customers c WHERE c.created_at >= ? AND "
	"c.created_at < ? AND EXISTS (SELECT 1 FROM visits v WHERE "
	"v.customer_id = c.id AND v.ts >= ? AND v.ts < ?)";
static const char sql_visit_quarters[] =
	"SELECT ts - ts % 900000 AS q, COUNT(*) FROM visits "
	"WHERE ts >= ? AND ts < ? GROUP BY q ORDER BY q";

int
ft_store_visit_figures(ft_store *s, int64_t since, int64_t until,
		       ft_visit_figures *out)
{
	int64_t first, last, lo, hi;
	const char *sql = sql_visit_figures;
	void *st;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = count(s, sql_first_visit, "", 0, 0, &first)) ||
	    (rc = count(s, sql_last_visit, "", 0, 0, &last)))
		return rc;
	/* The part of the visits' span the range covers. */
	lo = since > first ? since : first;
	hi = until < last ? until : last;
	if (hi - lo > (last - first) / 4)
		sql = !strcmp(s->d->name, "mysql") ? sql_visit_figures_mysql
		      : sql_visit_figures_sqlite;
	if (!(st = stmt(s, sql, &rc)))
		return rc;
	if ((rc = bind(s, st, "ii", since, until)) == FT_OK) {
		rc = s->d->step(st);
		if (rc == FT_ROW) {
			out->visitors = s->d->col_int64(st, 0);
			out->visits = s->d->col_int64(st, 1);
			out->repeat_visitors = s->d->col_int64(st, 2);
			out->first_visit = s->d->col_int64(st, 3);
			rc = FT_OK;
		} else if (rc < 0) {
			rc = fail(s, rc, "cannot read visits");
		}
	}
	done(s, st);
	if (rc != FT_OK)
		return rc;
	if (since <= 0 && until == INT64_MAX) {
		/* Every visitor was created in an unbounded range. */
		out->new_visitors = out->visitors;
		return FT_OK;
	}
	if (!(st = stmt(s, sql_new_visitors, &rc)))
		return rc;
	if ((rc = bind(s, st, "iiii", since, until, since, until)) == FT_OK)
		rc = scalar(s, st, &out->new_visitors);
	done(s, st);
	return rc;
}

int
ft_store_visit_quarters(ft_store *s, int64_t since, int64_t until,
			ft_quarter_cb cb, void *ctx)
{
	void *st;
	int rc, stop = 0;

	if (!(st = stmt(s, sql_visit_quarters, &rc)))
		return rc;
	rc = bind(s, st, "ii", since, until);
	while (rc == FT_OK && (rc = s->d->step(st)) == FT_ROW) {
		rc = FT_OK;
		stop = cb(ctx, s->d->col_int64(st, 0), s->d->col_int64(st, 1));
		if (stop)
			break;
	}
	done(s, st);
	if (stop)
		return stop;
	if (rc < 0)
		return fail(s, rc, "cannot read visits");
	return FT_OK;
}

int
ft_store_stats(ft_store *s, int64_t now, ft_stats *out)
{
	int64_t today = ft_time_day_start(now);
	int64_t tomorrow = ft_time_day_add(now, 1);
	int64_t week = ft_time_day_add(now, -6);
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = count(s, sql_count_all, "", 0, 0, &out->total_customers)) ||
	    (rc = ft_store_count_customers(s, today, tomorrow,
					   &out->new_today)) ||
	    (rc = ft_store_count_visits(s, today, tomorrow,
					&out->visits_today)) ||
	    (rc = ft_store_count_visits(s, week, tomorrow,
					&out->visits_week)) ||
	    (rc = count(s, sql_count_min_visits, "i", 1, 0, &out->visited)) ||
	    (rc = count(s, sql_count_min_visits, "i", 2, 0, &out->returning)))
		return rc;
	return FT_OK;
}

static const char sql_top_all[] =
	"SELECT " CUSTOMER_COLS ", c.visit_count FROM customers c "
	"WHERE c.visit_count > 0 ORDER BY c.visit_count DESC, c.id DESC "
	"LIMIT ?";
static const char sql_top_range[] =
	"SELECT customer_id FROM visits WHERE ts >= ? AND ts < ?";

/* Visits per customer, in an open-addressing table keyed by id (> 0). */
struct tally {
	int64_t *id;
	int64_t *n;
	size_t cap, used;
};

static void
tally_add(struct tally *t, int64_t id)
{
	size_t i;

	if (2 * (t->used + 1) > t->cap) {
		struct tally big = { 0 };
		size_t j;

		big.cap = t->cap ? t->cap * 2 : 4096;
		big.id = ft_xcalloc(big.cap, sizeof *big.id);
		big.n = ft_xcalloc(big.cap, sizeof *big.n);
		for (j = 0; j < t->cap; j++) {
			if (!t->id[j])
				continue;
			i = (size_t)t->id[j] * 0x9e3779b97f4a7c15ULL &
			    (big.cap - 1);
			while (big.id[i])
				i = (i + 1) & (big.cap - 1);
			big.id[i] = t->id[j];
			big.n[i] = t->n[j];
		}
		big.used = t->used;
		free(t->id);
		free(t->n);
		*t = big;
	}
	i = (size_t)id * 0x9e3779b97f4a7c15ULL & (t->cap - 1);
	while (t->id[i] && t->id[i] != id)
		i = (i + 1) & (t->cap - 1);
	if (!t->id[i]) {
		t->id[i] = id;
		t->used++;
	}
	t->n[i]++;
}

struct counted {
	int64_t n, id;
};

/* Most visits first, then the newest customer, as sql_top_all orders. */
static int
more_visits_first(const void *pa, const void *pb)
{
	const struct counted *a = pa, *b = pb;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return a->id > b->id ? -1 : a->id < b->id;
}

/*
 * Top visitors of a time range.  Counting in a hash table beats the
 * databases' GROUP BY over a sorted temporary table several times on a
 * busy week, and works the same on both backends.
 */
static int
top_range(ft_store *s, int64_t since, int64_t until, int64_t limit,
	  ft_top_cb cb, void *ctx)
{
	struct tally t = { 0 };
	struct counted *best;
	size_t nbest = 0, i;
	void *st;
	int rc;

	if (!(st = stmt(s, sql_top_range, &rc)))
		return rc;
	rc = bind(s, st, "ii", since, until);
	while (rc == FT_OK && (rc = s->d->step(st)) == FT_ROW) {
		tally_add(&t, s->d->col_int64(st, 0));
		rc = FT_OK;
	}
	done(s, st);
	if (rc < 0) {
		free(t.id);
		free(t.n);
		return fail(s, rc, "cannot read visits");
	}
	best = ft_xcalloc(t.used + 1, sizeof *best);
	for (i = 0; i < t.cap; i++)
		if (t.id[i]) {
			best[nbest].n = t.n[i];
			best[nbest++].id = t.id[i];
		}
	qsort(best, nbest, sizeof *best, more_visits_first);
	if ((uint64_t)limit < nbest)
		nbest = (size_t)limit;
	free(t.id);
	free(t.n);
	rc = FT_OK;
	for (i = 0; i < nbest && rc == FT_OK; i++) {
		ft_customer c;

		rc = ft_store_customer_get_id(s, best[i].id, &c);
		if (rc == FT_ENOTFOUND) {
			rc = FT_OK;	/* forgotten meanwhile */
			continue;
		}
		if (rc == FT_OK) {
			rc = cb(ctx, &c, best[i].n);
			ft_customer_clear(&c);
		}
	}
	free(best);
	return rc;
}

int
ft_store_top(ft_store *s, int64_t since, int64_t until, int64_t limit,
	     ft_top_cb cb, void *ctx)
{
	void *st;
	int rc;

	if (limit <= 0 || limit > 1000000)
		limit = 1000000;
	if (since || until)
		return top_range(s, since, until ? until : INT64_MAX, limit,
				 cb, ctx);
	if (!(st = stmt(s, sql_top_all, &rc)))
		return rc;
	rc = bind(s, st, "i", limit);
	if (rc == FT_OK)
		rc = each_customer(s, st, CUSTOMER_NCOLS, NULL, cb, ctx);
	done(s, st);
	return rc;
}

/* --- registration --- */

static const char register_lock[] = "facetrack_register";

int
ft_store_register_begin(ft_store *s)
{
	int rc;

	if (s->d->lock && (rc = s->d->lock(s->db, register_lock)) != FT_OK)
		return fail(s, rc, "cannot take the registration lock");
	if ((rc = ft_store_begin(s)) != FT_OK && s->d->unlock)
		s->d->unlock(s->db, register_lock);
	return rc;
}

int
ft_store_register_end(ft_store *s, int commit)
{
	int rc = FT_OK;

	if (commit)
		rc = ft_store_commit(s);
	else
		ft_store_rollback(s);
	if (s->d->unlock)
		s->d->unlock(s->db, register_lock);
	return rc;
}

static int
register_once(ft_store *s, ft_customer *c, ft_face *faces, int n,
		  ft_visit *v)
{
	int i, rc;

	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	rc = ft_store_customer_add(s, c);
	for (i = 0; rc == FT_OK && i < n; i++) {
		faces[i].customer_id = c->id;
		rc = ft_store_face_add(s, &faces[i]);
	}
	if (rc == FT_OK) {
		v->customer_id = c->id;
		v->new_customer = 1;
		/* The visit is explained by the samples it made. */
		if (n > 0 && !v->face_id)
			v->face_id = faces[0].id;
		rc = ft_store_visit_add(s, v);
	}
	return finish(s, rc);
}

int
ft_store_register(ft_store *s, ft_customer *c, ft_face *faces, int n,
		  ft_visit *v)
{
	int rc, tries = 0, own = s->depth == 0;

	do
		rc = register_once(s, c, faces, n, v);
	while (again(s, own, rc, &tries));
	return rc;
}

/* --- face samples --- */

static const char sql_face_add[] =
	"INSERT INTO faces (customer_id, descriptor, quality, created_at, "
	"crop) VALUES (?, ?, ?, ?, ?)";
static const char sql_face_crop[] =
	"SELECT crop FROM faces WHERE id = ?";
static const char sql_faces_all[] =
	"SELECT id, customer_id, descriptor, quality, created_at FROM faces "
	"WHERE id > ? ORDER BY id";
static const char sql_faces_one[] =
	"SELECT id, customer_id, descriptor, quality, created_at FROM faces "
	"WHERE id > ? AND customer_id = ? ORDER BY id";

int
ft_store_face_add(ft_store *s, ft_face *f)
{
	void *st;
	int rc;

	if (f->crop && (!f->crop_len || f->crop_len > FT_FACE_CROP_MAX))
		return failf(s, FT_EINVAL, "a face crop of %zu bytes is "
			     "outside 1 to %d", f->crop_len, FT_FACE_CROP_MAX);
	if (!f->created_at)
		f->created_at = ft_time_now();
	if (!(st = stmt(s, sql_face_add, &rc)))
		return rc;
	/* Descriptors are stored as the machine's float32, little-endian on
	 * every platform this runs on. */
	rc = bind(s, st, "ibdi", f->customer_id, (const void *)f->descriptor,
		  sizeof f->descriptor, f->quality, f->created_at);
	if (rc == FT_OK && f->crop)
		rc = s->d->bind_blob(st, 5, f->crop, f->crop_len);
	else if (rc == FT_OK)
		rc = s->d->bind_text(st, 5, NULL);
	if (rc != FT_OK)
		rc = fail(s, rc, "cannot bind parameter");
	if (rc == FT_OK)
		rc = run(s, st, "cannot add face");
	if (rc == FT_OK)
		f->id = s->d->last_id(s->db);
	done(s, st);
	return rc;
}

int
ft_store_faces(ft_store *s, int64_t customer_id, int64_t after_id,
	       ft_face_cb cb, void *ctx)
{
	ft_face f;
	void *st;
	int rc;

	if (customer_id > 0) {
		if (!(st = stmt(s, sql_faces_one, &rc)))
			return rc;
		rc = bind(s, st, "ii", after_id, customer_id);
	} else {
		if (!(st = stmt(s, sql_faces_all, &rc)))
			return rc;
		rc = bind(s, st, "i", after_id);
	}
	while (rc == FT_OK && (rc = s->d->step(st)) == FT_ROW) {
		size_t n;
		const void *blob = s->d->col_blob(st, 2, &n);

		memset(&f, 0, sizeof f);
		f.id = s->d->col_int64(st, 0);
		f.customer_id = s->d->col_int64(st, 1);
		if (blob && n == sizeof f.descriptor)
			memcpy(f.descriptor, blob, n);
		f.quality = s->d->col_double(st, 3);
		f.created_at = s->d->col_int64(st, 4);
		if ((rc = cb(ctx, &f)))
			break;
		rc = FT_OK;
	}
	if (rc < 0)
		rc = fail(s, rc, "cannot read faces");
	else if (rc == FT_DONE)
		rc = FT_OK;
	done(s, st);
	return rc;
}

static const char sql_face_owner[] =
	"SELECT customer_id FROM faces WHERE id = ?";

int
ft_store_face_owner(ft_store *s, int64_t face_id, int64_t *customer_id)
{
	void *st;
	int rc;

	*customer_id = 0;
	if (!(st = stmt(s, sql_face_owner, &rc)))
		return rc;
	if ((rc = bind(s, st, "i", face_id)) == FT_OK)
		rc = s->d->step(st);
	if (rc == FT_ROW) {
		*customer_id = s->d->col_int64(st, 0);
		rc = FT_OK;
	} else if (rc == FT_DONE)
		rc = failf(s, FT_ENOTFOUND, "no sample #%lld",
			   (long long)face_id);
	else if (rc < 0)
		rc = fail(s, rc, "cannot read faces");
	done(s, st);
	return rc;
}

int
ft_store_face_crop(ft_store *s, int64_t face_id, unsigned char **jpeg,
		   size_t *len)
{
	const void *blob = NULL;
	size_t n = 0;
	void *st;
	int rc;

	*jpeg = NULL;
	*len = 0;
	if (!(st = stmt(s, sql_face_crop, &rc)))
		return rc;
	rc = bind(s, st, "i", face_id);
	if (rc == FT_OK && (rc = s->d->step(st)) < 0)
		rc = fail(s, rc, "cannot read face crop");
	if (rc == FT_ROW)
		blob = s->d->col_blob(st, 0, &n);
	if (rc >= 0 && (!blob || !n))
		rc = failf(s, FT_ENOTFOUND, rc == FT_ROW ? "sample %lld has "
			   "no crop" : "no sample %lld", (long long)face_id);
	else if (rc >= 0) {
		*jpeg = ft_xmalloc(n);
		memcpy(*jpeg, blob, n);
		*len = n;
		rc = FT_OK;
	}
	done(s, st);
	return rc;
}

/* --- events --- */

static const char sql_event_add[] =
	"INSERT INTO events (ts, kind, customer_id, payload) "
	"VALUES (?, ?, ?, ?)";
static const char sql_events[] =
	"SELECT id, ts, kind, customer_id, payload FROM events WHERE id > ? "
	"ORDER BY id LIMIT ?";

int
ft_store_event_add(ft_store *s, const char *kind, int64_t customer_id,
		   const char *payload, int64_t *id)
{
	void *st;
	int rc;

	if (!(st = stmt(s, sql_event_add, &rc)))
		return rc;
	rc = s->d->bind_int64(st, 1, ft_time_now());
	if (rc == FT_OK)
		rc = s->d->bind_text(st, 2, kind);
	if (rc == FT_OK)
		rc = customer_id > 0 ? s->d->bind_int64(st, 3, customer_id)
				     : s->d->bind_text(st, 3, NULL);
	if (rc == FT_OK)
		rc = s->d->bind_text(st, 4, payload);
	if (rc != FT_OK)
		rc = fail(s, rc, "cannot bind parameter");
	else
		rc = run(s, st, "cannot add event");
	if (rc == FT_OK && id)
		*id = s->d->last_id(s->db);
	done(s, st);
	return rc;
}

int
ft_store_events(ft_store *s, int64_t after_id, int64_t limit,
		ft_event_cb cb, void *ctx)
{
	ft_event e;
	void *st;
	int rc;

	if (!(st = stmt(s, sql_events, &rc)))
		return rc;
	rc = bind(s, st, "ii", after_id, limit > 0 ? limit : INT64_MAX);
	while (rc == FT_OK && (rc = s->d->step(st)) == FT_ROW) {
		memset(&e, 0, sizeof e);
		e.id = s->d->col_int64(st, 0);
		e.ts = s->d->col_int64(st, 1);
		e.kind = ft_xstrdup(s->d->col_text(st, 2));
		e.customer_id = s->d->col_int64(st, 3);
		e.payload = ft_xstrdup(s->d->col_text(st, 4));
		rc = cb(ctx, &e);
		free(e.kind);
		free(e.payload);
		if (rc)
			break;
		rc = FT_OK;
	}
	if (rc < 0)
		rc = fail(s, rc, "cannot read events");
	else if (rc == FT_DONE)
		rc = FT_OK;
	done(s, st);
	return rc;
}

/* --- meta --- */

static const char sql_meta_get[] = "SELECT v FROM meta WHERE k = ?";
static const char sql_meta_set[] = "REPLACE INTO meta (k, v) VALUES (?, ?)";

int
ft_store_meta_get(ft_store *s, const char *key, char **out)
{
	void *st;
	int rc;

	*out = NULL;
	if (!(st = stmt(s, sql_meta_get, &rc)))
		return rc;
	if ((rc = bind(s, st, "t", key)) == FT_OK) {
		rc = s->d->step(st);
		if (rc == FT_ROW)
			*out = ft_xstrdup(s->d->col_text(st, 0));
		rc = rc < 0 ? fail(s, rc, "cannot read setting") : FT_OK;
	}
	done(s, st);
	return rc;
}

int
ft_store_meta_set(ft_store *s, const char *key, const char *value)
{
	return write_stmt(s, sql_meta_set, "cannot write setting", "tt", key,
			  value);
}

/* --- the face pipeline's bookkeeping --- */

static const char sql_last_event[] = "SELECT COALESCE(MAX(id), 0) FROM events";
static const char sql_count_faces[] = "SELECT COUNT(*) FROM faces";

int
ft_store_last_event(ft_store *s, int64_t *out)
{
	return count(s, sql_last_event, "", 0, 0, out);
}

int
ft_store_face_model(ft_store *s, const char *model_id)
{
	char *have = NULL;
	int64_t nfaces = 0;
	int rc;

	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	rc = ft_store_meta_get(s, "face_model", &have);
	if (rc == FT_OK && !have)
		rc = count(s, sql_count_faces, "", 0, 0, &nfaces);
	if (rc == FT_OK && have && strcmp(have, model_id))
		rc = failf(s, FT_EINVAL, "the store's face samples come from "
			   "the model '%s', not '%s'; descriptors of two "
			   "models cannot be compared", have, model_id);
	else if (rc == FT_OK && !have && nfaces > 0)
		rc = failf(s, FT_EINVAL, "the store holds %lld face samples "
			   "of an unrecorded model; they cannot be compared "
			   "with '%s'", (long long)nfaces, model_id);
	else if (rc == FT_OK && !have)
		rc = ft_store_meta_set(s, "face_model", model_id);
	free(have);
	if (rc == FT_OK)
		return ft_store_commit(s);
	ft_store_rollback(s);
	return rc;
}

/* --- for the store's other modules (store_priv.h) --- */

const ft_driver *
ft_store_priv_driver(ft_store *s, void **db)
{
	*db = s->db;
	return s->d;
}

int
ft_store_priv_fail(ft_store *s, int rc, const char *what)
{
	return fail(s, rc, what);
}

int
ft_store_priv_depth(const ft_store *s)
{
	return s->depth;
}

int
ft_store_priv_finish(ft_store *s, int rc)
{
	return finish(s, rc);
}

int
ft_store_priv_again(ft_store *s, int own, int rc, int *tries)
{
	return again(s, own, rc, tries);
}
