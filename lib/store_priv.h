/*
 * store_priv.h — what a store backend (store_sqlite.c, store_mysql.c)
 * provides to store.c, which writes every query once over this interface.
 *
 * SQL handed to a backend uses "?" placeholders and the subset of SQL that
 * SQLite and MySQL/MariaDB share.  Parameters are numbered from 1, result
 * columns from 0 (as in SQLite).  Every function that can fail returns
 * FT_OK or an FT_E* code and leaves a message for errmsg(); FT_ETEMP means
 * the server is unreachable, the connection was lost or a lock wait timed
 * out, so the caller may exit with 75 and be run again.
 */
#ifndef FT_STORE_PRIV_H
#define FT_STORE_PRIV_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

enum { FT_ROW = 1, FT_DONE = 0 };

typedef struct ft_driver {
	const char *name;	/* "sqlite", "mysql": the sql/ folder too */
	const char *begin_sql;	/* starts a write transaction */

	/* spec is the URL without "sqlite:" (a path), or the whole mysql://
	 * URL.  On failure *db is NULL and err holds a message naming the
	 * host and database but never the password. */
	int (*open)(const char *spec, void **db, char *err, size_t errlen);
	void (*close)(void *db);
	const char *(*errmsg)(void *db);

	/* Run one statement without parameters or results. */
	int (*exec)(void *db, const char *sql);

	/* Compile sql into *stmt, owned by the caller until finalize(). */
	int (*prepare)(void *db, const char *sql, void **stmt);
	/* Binding copies what it is given.  bind_text with NULL binds NULL. */
	int (*bind_int64)(void *stmt, int i, int64_t v);
	int (*bind_double)(void *stmt, int i, double v);
	int (*bind_text)(void *stmt, int i, const char *v);
	int (*bind_blob)(void *stmt, int i, const void *v, size_t n);
	/* FT_ROW with a row ready, FT_DONE at the end, or an FT_E* code.
	 * The first step after binding (or reset) executes the statement. */
	int (*step)(void *stmt);
	/* Column readers for the current row.  Text and blobs are valid
	 * until the next step, reset or finalize; NULL reads as 0, NULL. */
	int64_t (*col_int64)(void *stmt, int i);
	double (*col_double)(void *stmt, int i);
	const char *(*col_text)(void *stmt, int i);
	const void *(*col_blob)(void *stmt, int i, size_t *n);
	int (*col_null)(void *stmt, int i);
	/* Make a statement ready to bind and run again (drops pending rows;
	 * bindings may be kept or cleared: store.c binds every parameter). */
	int (*reset)(void *stmt);
	void (*finalize)(void *stmt);
	/* Rows changed by the statement's last run. */
	int64_t (*changes)(void *stmt);
	/* Id of the last row inserted through db. */
	int64_t (*last_id)(void *db);

	/* Serialise schema migrations across processes: sqlite takes the
	 * write lock, mysql a named lock.  unlock(db, ok) commits (ok) or
	 * rolls back what lock() began, where the backend can. */
	int (*migrate_lock)(void *db);
	int (*migrate_unlock)(void *db, int ok);

	/* Optional: a lock named name held across processes and machines
	 * until unlock, for decisions a transaction alone cannot serialise
	 * (two recognisers registering one person).  NULL where the write
	 * transaction already serialises writers (sqlite). */
	int (*lock)(void *db, const char *name);
	int (*unlock)(void *db, const char *name);

	/* Erasure.  An engine that keeps deleted rows' bytes in its files
	 * (InnoDB: in the page's free space, until reused) gets them
	 * overwritten first: wipe_profile, statements run before a
	 * customer's profile and events are deleted, wipe_samples before
	 * their face samples are, each with the customer's id as its one
	 * parameter and writing values of the old ones' sizes so the rows
	 * change in place.  NULL-terminated; NULL where a DELETE leaves
	 * nothing behind (sqlite with secure_delete).  scrub, when set,
	 * runs outside any transaction after an erasure committed and
	 * clears copies of the old pages (sqlite: the WAL). */
	const char *const *wipe_profile;
	const char *const *wipe_samples;
	int (*scrub)(void *db);
} ft_driver;

extern const ft_driver ft_driver_sqlite;
extern const ft_driver ft_driver_mysql;

/* The migrations compiled from sql/DIALECT/NNNN-name.sql, ending with a
 * zeroed entry.  Statements in sql are separated by ";" at a line's end. */
struct ft_migration {
	const char *dialect;
	int version;
	const char *name;
	const char *sql;
};
extern const struct ft_migration ft_migrations[];

/* For modules of the store beside store.c (store_retention.c): the
 * driver and connection of s, and an error recorded as store.c does
 * ("what: the driver's message"); returns rc. */
const ft_driver *ft_store_priv_driver(ft_store *s, void **db);
int ft_store_priv_fail(ft_store *s, int rc, const char *what);

/* How deep in transactions s is (0: outside any). */
int ft_store_priv_depth(const ft_store *s);
/* End a transaction the caller began: commit when rc is FT_OK, else
 * roll back; returns the outcome. */
int ft_store_priv_finish(ft_store *s, int rc);
/* Whether a transaction the caller owns whole (own) and that failed
 * with rc is worth running again (a deadlock, a lock wait): waits a
 * little first; *tries counts the runs. */
int ft_store_priv_again(ft_store *s, int own, int rc, int *tries);

/* store_review.c's part in a merge and a forget, inside their
 * transaction: the pairs marked two people move from drop to keep (a
 * pair of keep with itself goes); the corrections' events of other
 * customers that name the forgotten uuid are erased (*n: how many). */
int ft_store_review_merge(ft_store *s, int64_t keep, int64_t drop);
int ft_store_review_forget(ft_store *s, int64_t id, const char *uuid,
			   int64_t *n);

/* A handle's parts, for the store's files other than store.c
 * (store_audit.c): all borrowed from s. */
struct ft_store_parts {
	const ft_driver *d;
	void *db;
	char *err;		/* the message of ft_store_errmsg */
	size_t errlen;
	char *actor;		/* the audit actor; "" until set */
	size_t actorlen;
};
void ft_store_parts(ft_store *s, struct ft_store_parts *p);

#endif
