/*
 * test-store-erase — what the SQLite backend does for erasure: every
 * connection turns secure_delete on itself, even where the library
 * starts it off (an auto extension here stands for a libsqlite3 built
 * without it, as Debian's is not), and scrub truncates the WAL that
 * another open connection keeps in place.
 */
#include "store_priv.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

static int
secure_off(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	(void)err;
	(void)api;
	return sqlite3_exec(db, "PRAGMA secure_delete = OFF", NULL, NULL,
			    NULL);
}

/* The first column of the one row sql returns, through the driver. */
static int64_t
driver_int(void *db, const char *sql)
{
	const ft_driver *d = &ft_driver_sqlite;
	void *st;
	int64_t v = -1;

	if (d->prepare(db, sql, &st) != FT_OK)
		return -1;
	if (d->step(st) == FT_ROW)
		v = d->col_int64(st, 0);
	d->finalize(st);
	return v;
}

static long long
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

int
main(void)
{
	const ft_driver *d = &ft_driver_sqlite;
	char dir[] = "/tmp/test-store-erase.XXXXXX", path[64], wal[80];
	char url[80], err[256];
	sqlite3 *raw = NULL;
	sqlite3_stmt *st;
	ft_store *s;
	void *db;
	int off = -1;

	plan(8);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/t.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(url, sizeof url, "sqlite:%s", path);
	sqlite3_auto_extension((void (*)(void))secure_off);

	/* The control: a plain connection now starts with it off. */
	if (sqlite3_open(path, &raw) == SQLITE_OK &&
	    sqlite3_prepare_v2(raw, "PRAGMA secure_delete", -1, &st, NULL)
	    == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			off = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	is_int(off, 0, "a plain connection starts without secure_delete");

	ok(d->open(path, &db, err, sizeof err) == FT_OK, "the driver opens");
	is_int(driver_int(db, "PRAGMA secure_delete"), 1,
	       "the driver's connection has secure_delete on");

	/* raw stays open, so closing db does not remove the WAL. */
	sqlite3_exec(raw, "SELECT count(*) FROM sqlite_master", NULL, NULL,
		     NULL);
	ok(d->exec(db, "CREATE TABLE t (x TEXT); "
		   "INSERT INTO t VALUES ('Erase Me Qv')") == FT_OK,
	   "a write");
	ok(file_size(wal) > 0, "the WAL holds it (%lld bytes)",
	   file_size(wal));
	is_int(d->scrub(db), FT_OK, "scrub");
	is_int((int)file_size(wal), 0, "the WAL is truncated");
	d->close(db);

	/* Through the store: a scrub cannot run inside a transaction. */
	if (ft_store_open(url, &s, err, sizeof err) == FT_OK) {
		ft_store_begin(s);
		is_int(ft_store_scrub(s), FT_EFAIL,
		       "no scrub inside a transaction");
		ft_store_rollback(s);
		ft_store_close(s);
	} else {
		ok(0, "open the store: %s", err);
	}
	sqlite3_close(raw);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", path);
	unlink(wal);
	unlink(path);
	rmdir(dir);
	return done();
}
