/*
 * store_sqlite — the embedded store backend over libsqlite3.
 *
 * The database runs in WAL mode with a busy timeout, so readers never wait
 * for a writer and two writers in two processes take turns instead of
 * failing.  Write transactions begin IMMEDIATE: taking the write lock up
 * front avoids the deadlock of two readers both upgrading.
 *
 * Erasure: every connection turns secure_delete on itself, whatever the
 * library was built with, so a deleted row's bytes are overwritten with
 * zeros in the pages that held them; after an erasure, s_scrub copies
 * the WAL into the database and truncates it, so no older image of
 * those pages lingers in the -wal file either.
 */
#include "store_priv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* How long a statement waits for another process's write lock. */
#define BUSY_TIMEOUT_MS 15000

struct db {
	sqlite3 *h;
	char *path;
	char err[512];
};

struct stmt {
	struct db *db;
	sqlite3_stmt *h;
	int64_t changes;	/* rows changed by the last run */
};

static int
code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return FT_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return FT_ETEMP;
	case SQLITE_NOTFOUND:
		return FT_ENOTFOUND;
	default:
		return FT_EFAIL;
	}
}

static int
set_err(struct db *db, int rc)
{
	snprintf(db->err, sizeof db->err, "%s", sqlite3_errmsg(db->h));
	return code(rc);
}

static int
s_open(const char *spec, void **out, char *err, size_t errlen)
{
	struct db *db = ft_xcalloc(1, sizeof *db);
	char *msg = NULL;
	int rc;

	*out = NULL;
	db->path = ft_xstrdup(spec);
	rc = sqlite3_open_v2(spec, &db->h, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		int waited = 0;

		sqlite3_busy_timeout(db->h, BUSY_TIMEOUT_MS);
		/* Switching a new file to WAL while another process creates
		 * it can fail busy at once, without the busy handler: wait
		 * here as the handler would. */
		for (;;) {
			sqlite3_free(msg);
			msg = NULL;
			rc = sqlite3_exec(db->h, "PRAGMA journal_mode = WAL; "
					  "PRAGMA synchronous = NORMAL; "
					  "PRAGMA secure_delete = ON; "
					  "PRAGMA foreign_keys = ON", NULL, NULL,
					  &msg);
			if ((rc & 0xff) != SQLITE_BUSY ||
			    waited >= BUSY_TIMEOUT_MS)
				break;
			sqlite3_sleep(20);
			waited += 20;
		}
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open SQLite store '%s': %s", spec,
			 msg ? msg : db->h ? sqlite3_errmsg(db->h)
			 : sqlite3_errstr(rc));
		sqlite3_free(msg);
		sqlite3_close(db->h);
		free(db->path);
		free(db);
		return code(rc) == FT_ETEMP ? FT_ETEMP : FT_EFAIL;
	}
	*out = db;
	return FT_OK;
}

static void
s_close(void *p)
{
	struct db *db = p;

	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

static const char *
s_errmsg(void *p)
{
	return ((struct db *)p)->err;
}

static int
s_exec(void *p, const char *sql)
{
	struct db *db = p;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? FT_OK : set_err(db, rc);
}

static int
s_prepare(void *p, const char *sql, void **out)
{
	struct db *db = p;
	struct stmt *st = ft_xcalloc(1, sizeof *st);
	int rc;

	st->db = db;
	rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
				&st->h, NULL);
	if (rc != SQLITE_OK) {
		free(st);
		*out = NULL;
		return set_err(db, rc);
	}
	*out = st;
	return FT_OK;
}

static int
bound(struct stmt *st, int rc)
{
	return rc == SQLITE_OK ? FT_OK : set_err(st->db, rc);
}

static int
s_bind_int64(void *p, int i, int64_t v)
{
	struct stmt *st = p;

	return bound(st, sqlite3_bind_int64(st->h, i, v));
}

static int
s_bind_double(void *p, int i, double v)
{
	struct stmt *st = p;

	return bound(st, sqlite3_bind_double(st->h, i, v));
}

static int
s_bind_text(void *p, int i, const char *v)
{
	struct stmt *st = p;

	if (!v)
		return bound(st, sqlite3_bind_null(st->h, i));
	return bound(st, sqlite3_bind_text(st->h, i, v, -1,
					   SQLITE_TRANSIENT));
}

static int
s_bind_blob(void *p, int i, const void *v, size_t n)
{
	struct stmt *st = p;

	return bound(st, sqlite3_bind_blob64(st->h, i, v, n,
					     SQLITE_TRANSIENT));
}

static int
s_step(void *p)
{
	struct stmt *st = p;
	int rc = sqlite3_step(st->h);

	if (rc == SQLITE_ROW)
		return FT_ROW;
	if (rc == SQLITE_DONE) {
		st->changes = sqlite3_changes(sqlite3_db_handle(st->h));
		return FT_DONE;
	}
	return set_err(st->db, rc);
}

static int64_t
s_col_int64(void *p, int i)
{
	return sqlite3_column_int64(((struct stmt *)p)->h, i);
}

static double
s_col_double(void *p, int i)
{
	return sqlite3_column_double(((struct stmt *)p)->h, i);
}

static const char *
s_col_text(void *p, int i)
{
	return (const char *)sqlite3_column_text(((struct stmt *)p)->h, i);
}

static const void *
s_col_blob(void *p, int i, size_t *n)
{
	struct stmt *st = p;
	const void *b = sqlite3_column_blob(st->h, i);

	*n = (size_t)sqlite3_column_bytes(st->h, i);
	return b;
}

static int
s_col_null(void *p, int i)
{
	return sqlite3_column_type(((struct stmt *)p)->h, i) == SQLITE_NULL;
}

static int
s_reset(void *p)
{
	struct stmt *st = p;

	/* An error of the last run was reported by step already. */
	sqlite3_reset(st->h);
	sqlite3_clear_bindings(st->h);
	return FT_OK;
}

static void
s_finalize(void *p)
{
	struct stmt *st = p;

	if (!st)
		return;
	sqlite3_finalize(st->h);
	free(st);
}

static int64_t
s_changes(void *p)
{
	return ((struct stmt *)p)->changes;
}

static int64_t
s_last_id(void *p)
{
	return sqlite3_last_insert_rowid(((struct db *)p)->h);
}

static int
s_migrate_lock(void *p)
{
	return s_exec(p, "BEGIN IMMEDIATE");
}

static int
s_migrate_unlock(void *p, int ok)
{
	if (ok)
		return s_exec(p, "COMMIT");
	s_exec(p, "ROLLBACK");
	return FT_OK;
}

/* Checkpoint the whole WAL into the database and truncate it.  Readers
 * are waited for by the busy handler; one still reading an old snapshot
 * when it gives up leaves the WAL whole (FT_ETEMP). */
static int
s_scrub(void *p)
{
	struct db *db = p;
	sqlite3_stmt *st;
	int rc, busy = 0;

	rc = sqlite3_prepare_v2(db->h, "PRAGMA wal_checkpoint(TRUNCATE)", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return set_err(db, rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		busy = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return set_err(db, rc);
	if (busy) {
		snprintf(db->err, sizeof db->err, "the write-ahead log is "
			 "still read by another connection");
		return FT_ETEMP;
	}
	return FT_OK;
}

const ft_driver ft_driver_sqlite = {
	.name = "sqlite",
	.begin_sql = "BEGIN IMMEDIATE",
	.open = s_open,
	.close = s_close,
	.errmsg = s_errmsg,
	.exec = s_exec,
	.prepare = s_prepare,
	.bind_int64 = s_bind_int64,
	.bind_double = s_bind_double,
	.bind_text = s_bind_text,
	.bind_blob = s_bind_blob,
	.step = s_step,
	.col_int64 = s_col_int64,
	.col_double = s_col_double,
	.col_text = s_col_text,
	.col_blob = s_col_blob,
	.col_null = s_col_null,
	.reset = s_reset,
	.finalize = s_finalize,
	.changes = s_changes,
	.last_id = s_last_id,
	.migrate_lock = s_migrate_lock,
	.migrate_unlock = s_migrate_unlock,
	.scrub = s_scrub,
};
