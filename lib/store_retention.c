/*
 * store_retention — anonymous footfall and the retention purge
 * (store.h), over the drivers of store_priv.h in both dialects.
 *
 * Footfall rows hold a source, an hour and a count: nothing that could
 * name or single out a person.  The purge deletes customers only through
 * ft_store_customer_forget, so a purged stranger leaves exactly what a
 * forget leaves (nothing) and followers of the event feed react as to a
 * forget.  Statements here run a few times a night or once a visit, so
 * they are prepared per call rather than cached.
 */
#include "store_priv.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR_MS 3600000LL

/* Who the unnamed rule takes, as a condition on customers c with one
 * parameter (the cut-off). */
#define UNNAMED_COND \
	"c.name IS NULL AND c.consent = 0 AND " \
	"COALESCE(c.last_visit, c.created_at) < ?"

/*
 * Prepare sql and bind the parameters fmt names ('i': int64, 't':
 * text); *st is the statement, to finalize.  Returns FT_OK or a code with
 * the store's message set.
 */
static int
prepare(ft_store *s, const char *sql, const char *what, void **st,
	const char *fmt, ...)
{
	void *db;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	va_list ap;
	int rc, i;

	if ((rc = d->prepare(db, sql, st)) != FT_OK)
		return ft_store_priv_fail(s, rc, what);
	va_start(ap, fmt);
	for (i = 0; fmt[i] && rc == FT_OK; i++) {
		if (fmt[i] == 'i')
			rc = d->bind_int64(*st, i + 1, va_arg(ap, int64_t));
		else
			rc = d->bind_text(*st, i + 1,
					  va_arg(ap, const char *));
	}
	va_end(ap);
	if (rc != FT_OK) {
		ft_store_priv_fail(s, rc, what);
		d->finalize(*st);
		*st = NULL;
	}
	return rc;
}

/* Step st to its end; *changed (when not NULL) gets the rows changed.
 * Finalizes st. */
static int
finish_stmt(ft_store *s, void *st, const char *what, int64_t *changed)
{
	void *db;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	int rc;

	while ((rc = d->step(st)) == FT_ROW)
		;
	if (rc != FT_DONE)
		rc = ft_store_priv_fail(s, rc, what);
	else if (changed)
		*changed = d->changes(st);
	d->finalize(st);
	return rc;
}

/* The one number of a SELECT COUNT(*) with int64 parameters a, b, c
 * (as many as fmt says). */
static int
count3(ft_store *s, const char *sql, const char *fmt, int64_t a, int64_t b,
       int64_t c, int64_t *out)
{
	void *db, *st;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	int rc;

	*out = 0;
	if ((rc = prepare(s, sql, "cannot count", &st, fmt, a, b, c)) != FT_OK)
		return rc;
	if ((rc = d->step(st)) == FT_ROW) {
		*out = d->col_int64(st, 0);
		rc = FT_OK;
	} else {
		rc = ft_store_priv_fail(s, rc == FT_DONE ? FT_EFAIL : rc,
					"cannot count");
	}
	d->finalize(st);
	return rc;
}

/* --- footfall --- */

static const char sql_footfall_sqlite[] =
	"INSERT INTO footfall (source, hour_ts, visits) VALUES (?, ?, 1) "
	"ON CONFLICT (source, hour_ts) DO UPDATE SET visits = visits + 1";
static const char sql_footfall_mysql[] =
	"INSERT INTO footfall (source, hour_ts, visits) VALUES (?, ?, 1) "
	"ON DUPLICATE KEY UPDATE visits = visits + 1";

int
ft_store_footfall_add(ft_store *s, const char *source, int64_t ts)
{
	void *db, *st;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	int64_t hour = ts - ((ts % HOUR_MS) + HOUR_MS) % HOUR_MS;
	int rc;

	rc = prepare(s, strcmp(d->name, "mysql") ? sql_footfall_sqlite :
		     sql_footfall_mysql, "cannot count footfall", &st, "ti",
		     source ? source : "", hour);
	if (rc != FT_OK)
		return rc;
	return finish_stmt(s, st, "cannot count footfall", NULL);
}

/* 0 as "no bound" for the range queries. */
static int64_t
upper(int64_t until)
{
	return until ? until : INT64_MAX;
}

int
ft_store_footfall(ft_store *s, int64_t since, int64_t until,
		  ft_footfall_cb cb, void *ctx)
{
	static const char sql[] =
		"SELECT source, hour_ts, visits FROM footfall "
		"WHERE hour_ts >= ? AND hour_ts < ? ORDER BY hour_ts, source";
	void *db, *st;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	int rc, stop = 0;

	rc = prepare(s, sql, "cannot read footfall", &st, "ii", since,
		     upper(until));
	if (rc != FT_OK)
		return rc;
	while (!stop && (rc = d->step(st)) == FT_ROW) {
		ft_footfall f;

		f.source = d->col_text(st, 0);
		f.hour = d->col_int64(st, 1);
		f.visits = d->col_int64(st, 2);
		stop = cb(ctx, &f);
	}
	if (stop)
		rc = stop;
	else if (rc != FT_DONE)
		rc = ft_store_priv_fail(s, rc, "cannot read footfall");
	else
		rc = FT_OK;
	d->finalize(st);
	return rc;
}

int
ft_store_count_footfall(ft_store *s, int64_t since, int64_t until,
			int64_t *out)
{
	return count3(s, "SELECT COALESCE(SUM(visits), 0) FROM footfall "
		      "WHERE hour_ts >= ? AND hour_ts < ?", "ii", since,
		      upper(until), 0, out);
}

/* --- the purge --- */

struct ids {
	int64_t *v;
	size_t n, cap;
};

/* The customers the unnamed rule takes, into *ids. */
static int
unnamed_ids(ft_store *s, int64_t before, struct ids *ids)
{
	void *db, *st;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	int rc;

	rc = prepare(s, "SELECT c.id FROM customers c WHERE " UNNAMED_COND
		     " ORDER BY c.id", "cannot list customers", &st, "i",
		     before);
	if (rc != FT_OK)
		return rc;
	while ((rc = d->step(st)) == FT_ROW) {
		if (ids->n == ids->cap) {
			ids->cap = ids->cap ? ids->cap * 2 : 64;
			ids->v = ft_xrealloc(ids->v,
					     ids->cap * sizeof *ids->v);
		}
		ids->v[ids->n++] = d->col_int64(st, 0);
	}
	rc = rc == FT_DONE ? FT_OK :
	     ft_store_priv_fail(s, rc, "cannot list customers");
	d->finalize(st);
	return rc;
}

static int
purge_unnamed(ft_store *s, int64_t before, int dry_run, int64_t *n)
{
	struct ids ids = { 0 };
	size_t i;
	int rc;

	*n = 0;
	if (!before)
		return FT_OK;
	rc = unnamed_ids(s, before, &ids);
	for (i = 0; rc == FT_OK && i < ids.n; i++) {
		if (!dry_run)
			rc = ft_store_customer_forget(s, ids.v[i]);
		if (rc == FT_ENOTFOUND)
			rc = FT_OK;	/* forgotten meanwhile */
		else if (rc == FT_OK)
			++*n;
	}
	free(ids.v);
	return rc;
}

/* InnoDB leaves a deleted row's bytes in its page: the descriptors and
 * crops of the samples about to go are overwritten with zeros first, as
 * a forget does (SQLite's secure_delete zeroes them itself). */
static int
wipe_samples(ft_store *s, int64_t before)
{
	void *db, *st;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	int rc;

	if (strcmp(d->name, "mysql"))
		return FT_OK;
	rc = prepare(s, "UPDATE faces SET descriptor = "
		     "REPEAT(X'00', OCTET_LENGTH(descriptor)), crop = "
		     "REPEAT(X'00', OCTET_LENGTH(crop)) WHERE "
		     "created_at < ? AND customer_id IN (SELECT id FROM "
		     "customers WHERE COALESCE(last_visit, 0) < ?)",
		     "cannot wipe samples", &st, "ii", before, before);
	if (rc != FT_OK)
		return rc;
	return finish_stmt(s, st, "cannot wipe samples", NULL);
}

/*
 * Old samples: made before the cut-off, of customers not seen since it.
 * A dry run leaves out the customers the unnamed rule (cut-off ub, 0:
 * none) would forget first, to count what a real run removes.  A sample
 * is its faces row: whatever else belongs to a sample (a face crop) must
 * live in that row or in a table that references it ON DELETE CASCADE,
 * so that this one statement takes it along.
 */
static int
purge_samples(ft_store *s, int64_t before, int64_t ub, int dry_run,
	      int64_t *n)
{
	void *st;
	int rc;

	*n = 0;
	if (!before)
		return FT_OK;
	if (dry_run && ub)
		return count3(s, "SELECT COUNT(*) FROM faces f JOIN customers c "
		    "ON c.id = f.customer_id WHERE f.created_at < ? AND "
		    "COALESCE(c.last_visit, 0) < ? AND NOT (" UNNAMED_COND
		    ")", "iii", before, before, ub, n);
	if (dry_run)
		return count3(s, "SELECT COUNT(*) FROM faces f JOIN customers c "
		    "ON c.id = f.customer_id WHERE f.created_at < ? AND "
		    "COALESCE(c.last_visit, 0) < ?", "ii", before, before, 0,
		    n);
	if ((rc = wipe_samples(s, before)) != FT_OK)
		return rc;
	rc = prepare(s, "DELETE FROM faces WHERE created_at < ? AND "
		     "customer_id IN (SELECT id FROM customers "
		     "WHERE COALESCE(last_visit, 0) < ?)",
		     "cannot delete samples", &st, "ii", before, before);
	if (rc != FT_OK)
		return rc;
	return finish_stmt(s, st, "cannot delete samples", n);
}

/* Old visits and their events, then every customer's counts; one
 * transaction.  A dry run counts as purge_samples does. */
static int
purge_visits(ft_store *s, int64_t before, int64_t ub, int dry_run,
	     int64_t *n)
{
	void *st;
	int rc;

	*n = 0;
	if (!before)
		return FT_OK;
	if (dry_run && ub)
		return count3(s, "SELECT COUNT(*) FROM visits v JOIN "
		    "customers c ON c.id = v.customer_id WHERE v.ts < ? AND "
		    "NOT (" UNNAMED_COND ")", "ii", before, ub, 0, n);
	if (dry_run)
		return count3(s, "SELECT COUNT(*) FROM visits WHERE ts < ?",
		    "i", before, 0, 0, n);
	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	rc = prepare(s, "DELETE FROM visits WHERE ts < ?",
		     "cannot delete visits", &st, "i", before);
	if (rc == FT_OK)
		rc = finish_stmt(s, st, "cannot delete visits", n);
	/* A visit's event repeats the visit: it goes with it. */
	if (rc == FT_OK && *n)
		rc = prepare(s, "DELETE FROM events WHERE kind = 'visit' "
			     "AND ts < ?", "cannot delete events", &st, "i",
			     before);
	if (rc == FT_OK && *n)
		rc = finish_stmt(s, st, "cannot delete events", NULL);
	if (rc == FT_OK && *n)
		rc = ft_store_recount(s);
	if (rc != FT_OK) {
		ft_store_rollback(s);
		*n = 0;
		return rc;
	}
	return ft_store_commit(s);
}

int
ft_store_purge(ft_store *s, const ft_retention *r, int dry_run,
	       ft_purge_counts *out)
{
	int64_t ub = r->unnamed_before;
	int rc;

	memset(out, 0, sizeof *out);
	rc = purge_unnamed(s, ub, dry_run, &out->customers);
	if (rc == FT_OK)
		rc = purge_samples(s, r->samples_before, dry_run ? ub : 0,
				   dry_run, &out->samples);
	if (rc == FT_OK)
		rc = purge_visits(s, r->visits_before, dry_run ? ub : 0,
				  dry_run, &out->visits);
	/* Recognisers rebuild their indexes on a forget: the samples gone
	 * leave them too.  Nobody is named. */
	if (rc == FT_OK && !dry_run && (out->samples || out->visits))
		rc = ft_store_event_add(s, "forget", 0,
					"{\"type\":\"forget\"}", NULL);
	/* The purge is audited with its counts; each customer it forgot
	 * has a forget entry of its own. */
	if (rc == FT_OK && !dry_run &&
	    (out->customers || out->samples || out->visits)) {
		char detail[160];

		snprintf(detail, sizeof detail, "{\"customers\":%lld,"
			 "\"samples\":%lld,\"visits\":%lld}",
			 (long long)out->customers, (long long)out->samples,
			 (long long)out->visits);
		rc = ft_store_audit(s, "purge", NULL, NULL, detail);
	}
	/* The removed rows' old pages leave the write-ahead log. */
	if (rc == FT_OK && !dry_run && (out->samples || out->visits))
		rc = ft_store_scrub(s);
	return rc;
}
