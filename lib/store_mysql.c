/*
 * store_mysql — the store backend for MySQL 8 and MariaDB 10.6+, over
 * libmysqlclient (MariaDB Connector/C).
 *
 * Every statement is a server-side prepared statement with bound
 * parameters.  Result columns are fetched as strings into growable
 * buffers (numbers are converted here), which keeps one code path for
 * every column type.  SELECTs run through a read-only cursor that fetches
 * rows in batches, so listing a year of visits never holds the result in
 * memory and another statement may run on the connection while a listing
 * is open.
 */
#include "store_priv.h"
#include "util.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#define PREFETCH_ROWS 1000
#define CONNECT_TIMEOUT 5	/* seconds, unless the URL says otherwise */
#define IO_TIMEOUT 120

struct db {
	MYSQL *h;
	char err[512];
	char where[320];	/* user@host:port/db, for messages */
	int64_t last_id;
};

struct param {
	int64_t i;
	double d;
	char *buf;		/* owned copy of text or blob */
	unsigned long len;
	my_bool is_null;
};

struct column {
	char *buf;
	unsigned long cap;
	unsigned long len;
	my_bool is_null;
	my_bool error;
};

struct stmt {
	struct db *db;
	MYSQL_STMT *h;
	int is_select;
	unsigned nparams;
	MYSQL_BIND *pbind;
	struct param *params;
	unsigned ncols;
	MYSQL_BIND *rbind;
	struct column *cols;
	int executed;
	int64_t changes;
};

/* Errors that go away by themselves: the server away, a lock wait, a
 * deadlock, too many connections. */
static int
is_temporary(unsigned e)
{
	switch (e) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_UNKNOWN_HOST:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_LOCK_DEADLOCK:
	case ER_CON_COUNT_ERROR:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
	case 4031:	/* disconnected for inactivity */
		return 1;
	default:
		return 0;
	}
}

static int
db_error(struct db *db)
{
	unsigned e = mysql_errno(db->h);

	snprintf(db->err, sizeof db->err, "MySQL '%s': %s", db->where,
		 mysql_error(db->h));
	return is_temporary(e) ? FT_ETEMP : FT_EFAIL;
}

static int
stmt_error(struct stmt *st)
{
	unsigned e = mysql_stmt_errno(st->h);

	snprintf(st->db->err, sizeof st->db->err, "MySQL '%s': %s",
		 st->db->where, mysql_stmt_error(st->h));
	return is_temporary(e) ? FT_ETEMP : FT_EFAIL;
}

/* Decode %XX escapes in place. */
static void
unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], 0 };

			*d++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

struct url {
	char *user, *pass, *host, *db, *socket;
	unsigned port;
	unsigned timeout;
};

/* Split mysql://USER[:PASS]@HOST[:PORT]/DB[?socket=PATH&connect_timeout=N]
 * into u; the strings point into copy. */
static int
parse_url(char *copy, struct url *u, char *err, size_t errlen)
{
	char *p = copy + strlen("mysql://"), *at, *slash, *q, *colon;

	memset(u, 0, sizeof *u);
	u->port = 3306;
	u->timeout = CONNECT_TIMEOUT;
	at = strrchr(p, '@');
	if (at) {
		*at = '\0';
		u->user = p;
		if ((colon = strchr(p, ':'))) {
			*colon = '\0';
			u->pass = colon + 1;
			unescape(u->pass);
		}
		unescape(u->user);
		p = at + 1;
	}
	if ((q = strchr(p, '?')))
		*q++ = '\0';
	if (!(slash = strchr(p, '/')) || !slash[1]) {
		snprintf(err, errlen, "MySQL URL names no database: expected "
			 "mysql://USER:PASSWORD@HOST:PORT/DB");
		return -1;
	}
	*slash = '\0';
	u->db = slash + 1;
	unescape(u->db);
	u->host = p;
	if (*p == '[') {	/* [::1]:3306 */
		char *end = strchr(p, ']');

		if (end) {
			*end = '\0';
			u->host = p + 1;
			p = end + 1;
		}
	}
	if ((colon = strrchr(p, ':'))) {
		*colon = '\0';
		u->port = (unsigned)strtoul(colon + 1, NULL, 10);
	}
	if (!*u->host)
		u->host = "localhost";
	while (q && *q) {
		char *amp = strchr(q, '&'), *eq;

		if (amp)
			*amp = '\0';
		if ((eq = strchr(q, '='))) {
			*eq = '\0';
			unescape(eq + 1);
			if (!strcmp(q, "socket"))
				u->socket = eq + 1;
			else if (!strcmp(q, "connect_timeout"))
				u->timeout = (unsigned)strtoul(eq + 1, NULL,
							       10);
		}
		q = amp ? amp + 1 : NULL;
	}
	return 0;
}

static int
m_open(const char *spec, void **out, char *err, size_t errlen)
{
	struct db *db;
	struct url u;
	char *copy = ft_xstrdup(spec);
	unsigned io = IO_TIMEOUT;
	struct sigaction old_pipe;
	int rc, connected;

	*out = NULL;
	if (parse_url(copy, &u, err, errlen) != 0) {
		free(copy);
		return FT_EINVAL;
	}
	/* The client library ignores SIGPIPE as it starts; filters keep the
	 * default so that `| head` ends them quietly, and the library's own
	 * socket writes do not raise it on Linux (MSG_NOSIGNAL). */
	sigaction(SIGPIPE, NULL, &old_pipe);
	db = ft_xcalloc(1, sizeof *db);
	snprintf(db->where, sizeof db->where, "%s%s%s:%u/%s",
		 u.user ? u.user : "", u.user ? "@" : "", u.host, u.port,
		 u.db);
	if (!(db->h = mysql_init(NULL)))
		ft_die(FT_EXIT_FAIL, "out of memory");
	mysql_options(db->h, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(db->h, MYSQL_OPT_CONNECT_TIMEOUT, &u.timeout);
	mysql_options(db->h, MYSQL_OPT_READ_TIMEOUT, &io);
	mysql_options(db->h, MYSQL_OPT_WRITE_TIMEOUT, &io);
	connected = mysql_real_connect(db->h, u.host, u.user, u.pass, u.db,
				       u.port, u.socket, 0) != NULL;
	sigaction(SIGPIPE, &old_pipe, NULL);
	if (!connected) {
		rc = is_temporary(mysql_errno(db->h)) ? FT_ETEMP : FT_EFAIL;
		snprintf(err, errlen, "cannot connect to MySQL '%s': %s",
			 db->where, mysql_error(db->h));
		mysql_close(db->h);
		free(db);
		free(copy);
		return rc;
	}
	free(copy);
	if (mysql_query(db->h, "SET SESSION sql_mode = "
			"'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'") != 0) {
		rc = db_error(db);
		snprintf(err, errlen, "%s", db->err);
		mysql_close(db->h);
		free(db);
		return rc;
	}
	*out = db;
	return FT_OK;
}

static void
m_close(void *p)
{
	struct db *db = p;

	mysql_close(db->h);
	free(db);
}

static const char *
m_errmsg(void *p)
{
	return ((struct db *)p)->err;
}

static int
m_exec(void *p, const char *sql)
{
	struct db *db = p;
	MYSQL_RES *res;

	if (mysql_real_query(db->h, sql, strlen(sql)) != 0)
		return db_error(db);
	/* Drain any result so the connection is ready for the next. */
	do {
		if ((res = mysql_store_result(db->h)))
			mysql_free_result(res);
	} while (mysql_next_result(db->h) == 0);
	return FT_OK;
}

static int
m_prepare(void *p, const char *sql, void **out)
{
	struct db *db = p;
	struct stmt *st = ft_xcalloc(1, sizeof *st);
	MYSQL_RES *meta;
	unsigned i;

	*out = NULL;
	st->db = db;
	if (!(st->h = mysql_stmt_init(db->h))) {
		free(st);
		return db_error(db);
	}
	if (mysql_stmt_prepare(st->h, sql, strlen(sql)) != 0) {
		int rc = stmt_error(st);

		mysql_stmt_close(st->h);
		free(st);
		return rc;
	}
	st->is_select = !strncasecmp(sql + strspn(sql, " \t\n"), "SELECT", 6);
	if (st->is_select) {
		unsigned long type = CURSOR_TYPE_READ_ONLY;
		unsigned long rows = PREFETCH_ROWS;

		mysql_stmt_attr_set(st->h, STMT_ATTR_CURSOR_TYPE, &type);
		mysql_stmt_attr_set(st->h, STMT_ATTR_PREFETCH_ROWS, &rows);
	}
	st->nparams = (unsigned)mysql_stmt_param_count(st->h);
	st->pbind = ft_xcalloc(st->nparams + 1, sizeof *st->pbind);
	st->params = ft_xcalloc(st->nparams + 1, sizeof *st->params);
	for (i = 0; i < st->nparams; i++) {
		st->pbind[i].buffer_type = MYSQL_TYPE_NULL;
		st->pbind[i].is_null = &st->params[i].is_null;
		st->params[i].is_null = 1;
	}
	if ((meta = mysql_stmt_result_metadata(st->h))) {
		st->ncols = mysql_num_fields(meta);
		mysql_free_result(meta);
	}
	st->rbind = ft_xcalloc(st->ncols + 1, sizeof *st->rbind);
	st->cols = ft_xcalloc(st->ncols + 1, sizeof *st->cols);
	for (i = 0; i < st->ncols; i++) {
		struct column *c = &st->cols[i];

		c->cap = 64;
		c->buf = ft_xmalloc(c->cap);
		st->rbind[i].buffer_type = MYSQL_TYPE_STRING;
		st->rbind[i].buffer = c->buf;
		st->rbind[i].buffer_length = c->cap - 1;
		st->rbind[i].length = &c->len;
		st->rbind[i].is_null = &c->is_null;
		st->rbind[i].error = &c->error;
	}
	*out = st;
	return FT_OK;
}

static struct param *
param(struct stmt *st, int i)
{
	struct param *p;

	if (i < 1 || (unsigned)i > st->nparams)
		return NULL;
	p = &st->params[i - 1];
	free(p->buf);
	p->buf = NULL;
	p->is_null = 0;
	return p;
}

static int
bad_index(struct stmt *st, int i)
{
	snprintf(st->db->err, sizeof st->db->err, "no parameter %d", i);
	return FT_EFAIL;
}

static int
m_bind_int64(void *p, int i, int64_t v)
{
	struct stmt *st = p;
	struct param *q = param(st, i);

	if (!q)
		return bad_index(st, i);
	q->i = v;
	st->pbind[i - 1].buffer_type = MYSQL_TYPE_LONGLONG;
	st->pbind[i - 1].buffer = &q->i;
	return FT_OK;
}

static int
m_bind_double(void *p, int i, double v)
{
	struct stmt *st = p;
	struct param *q = param(st, i);

	if (!q)
		return bad_index(st, i);
	q->d = v;
	st->pbind[i - 1].buffer_type = MYSQL_TYPE_DOUBLE;
	st->pbind[i - 1].buffer = &q->d;
	return FT_OK;
}

static int
bind_bytes(struct stmt *st, int i, const void *v, size_t n,
	   enum enum_field_types type)
{
	struct param *q = param(st, i);

	if (!q)
		return bad_index(st, i);
	if (!v) {
		q->is_null = 1;
		st->pbind[i - 1].buffer_type = MYSQL_TYPE_NULL;
		return FT_OK;
	}
	q->buf = ft_xmalloc(n + 1);
	memcpy(q->buf, v, n);
	q->len = (unsigned long)n;
	st->pbind[i - 1].buffer_type = type;
	st->pbind[i - 1].buffer = q->buf;
	st->pbind[i - 1].buffer_length = q->len;
	st->pbind[i - 1].length = &q->len;
	return FT_OK;
}

static int
m_bind_text(void *p, int i, const char *v)
{
	return bind_bytes(p, i, v, v ? strlen(v) : 0, MYSQL_TYPE_STRING);
}

static int
m_bind_blob(void *p, int i, const void *v, size_t n)
{
	return bind_bytes(p, i, v ? v : "", n, MYSQL_TYPE_BLOB);
}

static int
execute(struct stmt *st)
{
	uint64_t id;

	if (mysql_stmt_bind_param(st->h, st->pbind) != 0)
		return stmt_error(st);
	if (mysql_stmt_execute(st->h) != 0)
		return stmt_error(st);
	st->executed = 1;
	st->changes = (int64_t)mysql_stmt_affected_rows(st->h);
	if ((id = mysql_stmt_insert_id(st->h)) != 0)
		st->db->last_id = (int64_t)id;
	if (st->ncols && mysql_stmt_bind_result(st->h, st->rbind) != 0)
		return stmt_error(st);
	/* Without a cursor the rows must be read before anything else runs
	 * on the connection. */
	if (st->ncols && !st->is_select && mysql_stmt_store_result(st->h))
		return stmt_error(st);
	return FT_OK;
}

static int
m_step(void *p)
{
	struct stmt *st = p;
	unsigned i;
	int rc;

	if (!st->executed && (rc = execute(st)) != FT_OK)
		return rc;
	if (!st->ncols)
		return FT_DONE;
	rc = mysql_stmt_fetch(st->h);
	if (rc == MYSQL_NO_DATA)
		return FT_DONE;
	if (rc == 1)
		return stmt_error(st);
	for (i = 0; i < st->ncols; i++) {
		struct column *c = &st->cols[i];

		if (c->is_null) {
			c->buf[0] = '\0';
			continue;
		}
		if (c->len + 1 > c->cap) {
			/* Longer than the buffer: fetch the column again
			 * whole. */
			c->cap = c->len + 1;
			c->buf = ft_xrealloc(c->buf, c->cap);
			st->rbind[i].buffer = c->buf;
			st->rbind[i].buffer_length = c->cap - 1;
			if (mysql_stmt_fetch_column(st->h, &st->rbind[i], i, 0))
				return stmt_error(st);
		}
		c->buf[c->len] = '\0';
	}
	/* Grown buffers take part in the next fetch. */
	if (mysql_stmt_bind_result(st->h, st->rbind) != 0)
		return stmt_error(st);
	return FT_ROW;
}

static struct column *
col(void *p, int i)
{
	struct stmt *st = p;

	if (i < 0 || (unsigned)i >= st->ncols || st->cols[i].is_null)
		return NULL;
	return &st->cols[i];
}

static int64_t
m_col_int64(void *p, int i)
{
	struct column *c = col(p, i);

	return c ? strtoll(c->buf, NULL, 10) : 0;
}

static double
m_col_double(void *p, int i)
{
	struct column *c = col(p, i);

	return c ? strtod(c->buf, NULL) : 0;
}

static const char *
m_col_text(void *p, int i)
{
	struct column *c = col(p, i);

	return c ? c->buf : NULL;
}

static const void *
m_col_blob(void *p, int i, size_t *n)
{
	struct column *c = col(p, i);

	*n = c ? c->len : 0;
	return c ? c->buf : NULL;
}

static int
m_col_null(void *p, int i)
{
	return col(p, i) == NULL;
}

static int
m_reset(void *p)
{
	struct stmt *st = p;

	if (!st->executed)
		return FT_OK;
	st->executed = 0;
	mysql_stmt_free_result(st->h);
	if (mysql_stmt_reset(st->h) != 0)
		return stmt_error(st);
	return FT_OK;
}

static void
m_finalize(void *p)
{
	struct stmt *st = p;
	unsigned i;

	if (!st)
		return;
	mysql_stmt_close(st->h);
	for (i = 0; i < st->nparams; i++)
		free(st->params[i].buf);
	for (i = 0; i < st->ncols; i++)
		free(st->cols[i].buf);
	free(st->params);
	free(st->pbind);
	free(st->cols);
	free(st->rbind);
	free(st);
}

static int64_t
m_changes(void *p)
{
	return ((struct stmt *)p)->changes;
}

static int64_t
m_last_id(void *p)
{
	return ((struct db *)p)->last_id;
}

/* GET_LOCK or RELEASE_LOCK of name; FT_OK when the server says 1. */
static int
named_lock(struct db *db, const char *sql, const char *name)
{
	void *st;
	int rc;

	if ((rc = m_prepare(db, sql, &st)) != FT_OK)
		return rc;
	if ((rc = m_bind_text(st, 1, name)) == FT_OK &&
	    (rc = m_step(st)) == FT_ROW) {
		if (m_col_int64(st, 0) == 1) {
			rc = FT_OK;
		} else {
			snprintf(db->err, sizeof db->err, "MySQL '%s': lock "
				 "'%s' not granted", db->where, name);
			rc = FT_ETEMP;
		}
	} else if (rc == FT_DONE) {
		rc = FT_EFAIL;
	}
	m_finalize(st);
	return rc;
}

static int
m_lock(void *p, const char *name)
{
	return named_lock(p, "SELECT GET_LOCK(?, 60)", name);
}

static int
m_unlock(void *p, const char *name)
{
	return named_lock(p, "SELECT RELEASE_LOCK(?)", name);
}

static int
m_migrate_lock(void *p)
{
	return m_lock(p, "facetrack_migrate");
}

static int
m_migrate_unlock(void *p, int ok)
{
	/* MySQL commits DDL as it goes: there is nothing to roll back. */
	return m_unlock(p, "facetrack_migrate");
}

/*
 * InnoDB keeps a deleted row in its page, delete-marked and then (after
 * purge) on the page's free list, until the space is reused: its bytes
 * stay in the .ibd file.  Overwriting the values first with as many
 * bytes leaves the row updated in place, so what the DELETE leaves behind
 * is zeros.  What this cannot reach (the undo log until purge, the redo
 * log, secondary index entries, the binary log) is in facetrack(7).
 */
static const char *const m_wipe_profile[] = {
	"UPDATE customers SET name = REPEAT('0', OCTET_LENGTH(name)), "
	"email = REPEAT('0', OCTET_LENGTH(email)), "
	"notes = REPEAT('0', OCTET_LENGTH(notes)) WHERE id = ?",
	"UPDATE events SET payload = REPEAT('0', OCTET_LENGTH(payload)) "
	"WHERE customer_id = ?",
	NULL
};
static const char *const m_wipe_samples[] = {
	"UPDATE faces SET descriptor = REPEAT(X'00', OCTET_LENGTH(descriptor)),"
	" crop = REPEAT(X'00', OCTET_LENGTH(crop)) WHERE customer_id = ?",
	NULL
};

const ft_driver ft_driver_mysql = {
	.name = "mysql",
	.begin_sql = "START TRANSACTION",
	.open = m_open,
	.close = m_close,
	.errmsg = m_errmsg,
	.exec = m_exec,
	.prepare = m_prepare,
	.bind_int64 = m_bind_int64,
	.bind_double = m_bind_double,
	.bind_text = m_bind_text,
	.bind_blob = m_bind_blob,
	.step = m_step,
	.col_int64 = m_col_int64,
	.col_double = m_col_double,
	.col_text = m_col_text,
	.col_blob = m_col_blob,
	.col_null = m_col_null,
	.reset = m_reset,
	.finalize = m_finalize,
	.changes = m_changes,
	.last_id = m_last_id,
	.migrate_lock = m_migrate_lock,
	.migrate_unlock = m_migrate_unlock,
	.lock = m_lock,
	.unlock = m_unlock,
	.wipe_profile = m_wipe_profile,
	.wipe_samples = m_wipe_samples,
};
