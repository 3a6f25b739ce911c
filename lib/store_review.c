/*
 * store_review — corrections of who is who (store.h): removing a wrong
 * sample, splitting samples (and the visits they explain) off to another
 * customer, removing a wrong visit, and the pairs of customers marked
 * two people, over the drivers of store_priv.h in both dialects.
 *
 * Every correction is one transaction that leaves an event on the feed,
 * for recognisers and dashboards to follow, and an audit entry.  An
 * event names customers by uuid; a forget erases the corrections naming
 * the forgotten customer from the other customers' events too.
 * Statements are prepared per call: corrections are made by hand.
 */
#include "store_priv.h"
#include "times.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kinds of event a correction leaves. */
#define REVIEW_KINDS "('split', 'unvisit', 'face_removed', 'different')"

static int
is_mysql(ft_store *s)
{
	void *db;

	return !strcmp(ft_store_priv_driver(s, &db)->name, "mysql");
}

static int
failf(ft_store *s, int rc, const char *fmt, ...)
{
	struct ft_store_parts p;
	va_list ap;

	ft_store_parts(s, &p);
	va_start(ap, fmt);
	vsnprintf(p.err, p.errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * Prepare sql into *st and bind parameters from 1 by fmt: 'i' int64,
 * 't' text (NULL binds NULL).  On failure the message is set and *st is
 * NULL.
 */
static int
vprep(ft_store *s, const char *sql, void **st, const char *fmt, va_list ap)
{
	void *db;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	int rc, i;

	if ((rc = d->prepare(db, sql, st)) != FT_OK) {
		*st = NULL;
		return ft_store_priv_fail(s, rc, "cannot prepare statement");
	}
	for (i = 0; fmt[i] && rc == FT_OK; i++) {
		if (fmt[i] == 'i')
			rc = d->bind_int64(*st, i + 1, va_arg(ap, int64_t));
		else
			rc = d->bind_text(*st, i + 1, va_arg(ap, const char *));
	}
	if (rc != FT_OK) {
		d->finalize(*st);
		*st = NULL;
		return ft_store_priv_fail(s, rc, "cannot bind parameter");
	}
	return FT_OK;
}

static int
prep(ft_store *s, const char *sql, void **st, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vprep(s, sql, st, fmt, ap);
	va_end(ap);
	return rc;
}

/* Prepare, bind and take the first step of sql: FT_ROW or FT_DONE with
 * *st to read from and finalize, or a code with the message set. */
static int
vfirst(ft_store *s, const char *sql, const char *what, void **st,
       const char *fmt, va_list ap)
{
	void *db;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	int rc;

	if ((rc = vprep(s, sql, st, fmt, ap)) != FT_OK)
		return rc;
	if ((rc = d->step(*st)) < 0) {
		ft_store_priv_fail(s, rc, what);
		d->finalize(*st);
		*st = NULL;
	}
	return rc;
}

/* Run a statement without results; *changed (when not NULL) gets the
 * rows it changed. */
static int
exec_sql(ft_store *s, const char *sql, const char *what, int64_t *changed,
	 const char *fmt, ...)
{
	void *db, *st;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfirst(s, sql, what, &st, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	if (changed)
		*changed = d->changes(st);
	d->finalize(st);
	return FT_OK;
}

/* The first column of the first row as an integer into *out (0 when
 * there is no row or it is NULL); *found (when not NULL) says whether
 * there was a row. */
static int
one_int(ft_store *s, const char *sql, int64_t *out, int *found,
	const char *fmt, ...)
{
	void *db, *st;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	va_list ap;
	int rc;

	*out = 0;
	va_start(ap, fmt);
	rc = vfirst(s, sql, "cannot read store", &st, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	if (found)
		*found = rc == FT_ROW;
	if (rc == FT_ROW)
		*out = d->col_int64(st, 0);
	d->finalize(st);
	return FT_OK;
}

/* A growing list of ids. */
struct ids {
	int64_t *v;
	size_t n, cap;
};

static void
ids_push(struct ids *a, int64_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = ft_xrealloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = x;
}

/* A row of a walk: the driver and the statement to read columns from. */
typedef void (*row_fn)(void *ctx, const ft_driver *d, void *st);

/* Run sql and hand each row to fn. */
static int
each_row(ft_store *s, const char *sql, const char *what, row_fn fn,
	 void *ctx, const char *fmt, ...)
{
	void *db, *st;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfirst(s, sql, what, &st, fmt, ap);
	va_end(ap);
	while (rc == FT_ROW) {
		fn(ctx, d, st);
		rc = d->step(st);
	}
	if (rc < 0 && st)
		rc = ft_store_priv_fail(s, rc, what);
	if (st)
		d->finalize(st);
	return rc < 0 ? rc : FT_OK;
}

static const char sql_recount[] =
	"UPDATE customers SET "
	"visit_count = (SELECT COUNT(*) FROM visits v WHERE v.customer_id = ?),"
	" last_visit = (SELECT MAX(v.ts) FROM visits v WHERE v.customer_id = ?)"
	" WHERE id = ?";

static int
recount(ft_store *s, int64_t id)
{
	return exec_sql(s, sql_recount, "cannot count visits", NULL, "iii",
			id, id, id);
}

/* The uuid of customer id into uuid; FT_ENOTFOUND when none. */
static int
customer_uuid(ft_store *s, int64_t id, char *uuid)
{
	ft_customer c;
	int rc;

	if ((rc = ft_store_customer_get_id(s, id, &c)) != FT_OK)
		return rc;
	memcpy(uuid, c.uuid, FT_UUID_LEN + 1);
	ft_customer_clear(&c);
	return FT_OK;
}

/* A visit's own "visit" event begins with its id (record.c writes
 * "type" then "id"): the pattern that finds it among its customer's. */
static void
visit_event_pattern(int64_t visit_id, char *buf, size_t len)
{
	snprintf(buf, len, "{\"type\":\"visit\",\"id\":%lld,%%",
		 (long long)visit_id);
}

/* --- removing a sample --- */

/* InnoDB keeps a deleted row's bytes in its page: the descriptor is
 * overwritten first, as a forget overwrites a customer's (SQLite's
 * secure_delete zeroes deleted rows itself).  Whatever else a sample's
 * row holds must be overwritten here too. */
static const char sql_wipe_face[] =
	"UPDATE faces SET descriptor = REPEAT(X'00', OCTET_LENGTH(descriptor)),"
	" crop = REPEAT(X'00', OCTET_LENGTH(crop)) WHERE id = ?";

static int
face_remove_once(ft_store *s, int64_t cid, int64_t fid)
{
	char uuid[FT_UUID_LEN + 1], payload[160];
	int64_t owner, n;
	int rc, found;

	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	if ((rc = customer_uuid(s, cid, uuid)) != FT_OK)
		return ft_store_priv_finish(s, rc);
	rc = one_int(s, "SELECT customer_id FROM faces WHERE id = ?", &owner,
		     &found, "i", fid);
	if (rc == FT_OK && (!found || owner != cid))
		rc = failf(s, FT_ENOTFOUND, "no sample #%lld of customer %s",
			   (long long)fid, uuid);
	if (rc == FT_OK)
		rc = one_int(s, "SELECT COUNT(*) FROM faces WHERE "
			     "customer_id = ?", &n, NULL, "i", cid);
	if (rc == FT_OK && n <= 1)
		rc = failf(s, FT_EINVAL, "sample #%lld is the last of "
			   "customer %s: forget them instead", (long long)fid,
			   uuid);
	if (rc == FT_OK && is_mysql(s))
		rc = exec_sql(s, sql_wipe_face, "cannot overwrite sample",
			      NULL, "i", fid);
	if (rc == FT_OK)
		rc = exec_sql(s, "DELETE FROM faces WHERE id = ?",
			      "cannot delete sample", NULL, "i", fid);
	/* The visits it explained stay the customer's, explained by time
	 * from now on. */
	if (rc == FT_OK)
		rc = exec_sql(s, "UPDATE visits SET face_id = NULL WHERE "
			      "face_id = ?", "cannot update visits", NULL, "i",
			      fid);
	snprintf(payload, sizeof payload, "{\"type\":\"face_removed\","
		 "\"customer\":\"%s\",\"face\":%lld}", uuid, (long long)fid);
	if (rc == FT_OK)
		rc = ft_store_event_add(s, "face_removed", cid, payload, NULL);
	snprintf(payload, sizeof payload, "{\"face\":%lld}", (long long)fid);
	if (rc == FT_OK)
		rc = ft_store_audit(s, "face_removed", uuid, "faces", payload);
	return ft_store_priv_finish(s, rc);
}

int
ft_store_face_remove(ft_store *s, int64_t customer_id, int64_t face_id)
{
	int rc, tries = 0, own = ft_store_priv_depth(s) == 0;

	do
		rc = face_remove_once(s, customer_id, face_id);
	while (ft_store_priv_again(s, own, rc, &tries));
	if (rc == FT_OK && own)
		rc = ft_store_scrub(s);
	return rc;
}

/* --- splitting samples off --- */

/* A sample of the customer being split. */
struct sample {
	int64_t id;
	int64_t created_at;
	int moves;
};

struct split {
	int64_t from, into;
	char from_uuid[FT_UUID_LEN + 1], into_uuid[FT_UUID_LEN + 1];
	struct sample *v;	/* from's samples, in id order */
	size_t n, cap;
	int64_t moved;		/* samples moved */
	struct ids visits;	/* visits that move */
};

static struct sample *
sample_find(struct split *sp, int64_t id)
{
	size_t i;

	for (i = 0; i < sp->n; i++)
		if (sp->v[i].id == id)
			return &sp->v[i];
	return NULL;
}

static void
sample_row(void *ctx, const ft_driver *d, void *st)
{
	struct split *sp = ctx;

	if (sp->n == sp->cap) {
		sp->cap = sp->cap ? sp->cap * 2 : 16;
		sp->v = ft_xrealloc(sp->v, sp->cap * sizeof *sp->v);
	}
	sp->v[sp->n].id = d->col_int64(st, 0);
	sp->v[sp->n].created_at = d->col_int64(st, 1);
	sp->v[sp->n++].moves = 0;
}

/* Mark the samples named to move; FT_EINVAL for one not of from, or for
 * all of them. */
static int
mark_samples(ft_store *s, struct split *sp, const int64_t *faces, int n)
{
	struct sample *x;
	int i;

	for (i = 0; i < n; i++) {
		if (!(x = sample_find(sp, faces[i])))
			return failf(s, FT_EINVAL, "sample #%lld is not one of "
				     "customer %s's", (long long)faces[i],
				     sp->from_uuid);
		if (!x->moves)
			sp->moved++;
		x->moves = 1;
	}
	if ((size_t)sp->moved == sp->n)
		return failf(s, FT_EINVAL, "cannot split every sample off "
			     "customer %s: merge or forget them instead",
			     sp->from_uuid);
	return FT_OK;
}

/* Whether a visit at ts naming sample face_id goes with the samples
 * that move: by its sample while from still has it, else by the sample
 * made nearest in time (the earlier on a tie). */
static int
visit_moves(struct split *sp, int64_t ts, int64_t face_id)
{
	struct sample *x = face_id ? sample_find(sp, face_id) : NULL;
	int64_t best = INT64_MAX, gap;
	size_t i;

	if (x)
		return x->moves;
	for (i = 0; i < sp->n; i++) {
		gap = sp->v[i].created_at - ts;
		if (gap < 0)
			gap = -gap;
		if (gap < best || (gap == best && x &&
		    sp->v[i].created_at < x->created_at)) {
			best = gap;
			x = &sp->v[i];
		}
	}
	return x && x->moves;
}

static void
visit_row(void *ctx, const ft_driver *d, void *st)
{
	struct split *sp = ctx;

	if (visit_moves(sp, d->col_int64(st, 1), d->col_int64(st, 2)))
		ids_push(&sp->visits, d->col_int64(st, 0));
}

/* The customer the samples move to: into, or a new unnamed one first
 * seen when the earliest of them was made. */
static int
split_target(ft_store *s, struct split *sp)
{
	ft_customer c = { 0 };
	size_t i;
	int rc;

	if (sp->into)
		return customer_uuid(s, sp->into, sp->into_uuid);
	for (i = 0; i < sp->n; i++)
		if (sp->v[i].moves && (!c.created_at ||
		    sp->v[i].created_at < c.created_at))
			c.created_at = sp->v[i].created_at;
	if ((rc = ft_store_customer_add(s, &c)) != FT_OK)
		return rc;
	sp->into = c.id;
	memcpy(sp->into_uuid, c.uuid, sizeof sp->into_uuid);
	return FT_OK;
}

/* Move the marked samples and picked visits (with the visits' own
 * events) to sp->into. */
static int
split_move(ft_store *s, struct split *sp)
{
	char pattern[64];
	size_t i;
	int rc = FT_OK;

	for (i = 0; i < sp->n && rc == FT_OK; i++)
		if (sp->v[i].moves)
			rc = exec_sql(s, "UPDATE faces SET customer_id = ? "
				      "WHERE id = ?", "cannot move sample",
				      NULL, "ii", sp->into, sp->v[i].id);
	for (i = 0; i < sp->visits.n && rc == FT_OK; i++) {
		rc = exec_sql(s, "UPDATE visits SET customer_id = ? WHERE "
			      "id = ?", "cannot move visit", NULL, "ii",
			      sp->into, sp->visits.v[i]);
		visit_event_pattern(sp->visits.v[i], pattern, sizeof pattern);
		if (rc == FT_OK)
			rc = exec_sql(s, "UPDATE events SET customer_id = ? "
				      "WHERE kind = 'visit' AND customer_id = "
				      "? AND payload LIKE ?",
				      "cannot move events", NULL, "iit",
				      sp->into, sp->from, pattern);
	}
	if (rc == FT_OK)
		rc = recount(s, sp->from);
	if (rc == FT_OK)
		rc = recount(s, sp->into);
	return rc;
}

/* The "split" event (on the customer moved to) and the audit entries
 * of both customers. */
static int
split_record(ft_store *s, struct split *sp)
{
	char *payload, detail[96];
	size_t i, len = 160 + 24 * sp->n, at;
	int rc;

	payload = ft_xmalloc(len);
	at = (size_t)snprintf(payload, len, "{\"type\":\"split\","
			      "\"customer\":\"%s\",\"into\":\"%s\","
			      "\"faces\":[", sp->from_uuid, sp->into_uuid);
	for (i = 0; i < sp->n; i++)
		if (sp->v[i].moves)
			at += (size_t)snprintf(payload + at, len - at, "%s%lld",
			    payload[at - 1] == '[' ? "" : ",",
			    (long long)sp->v[i].id);
	snprintf(payload + at, len - at, "],\"visits\":%zu}", sp->visits.n);
	rc = ft_store_event_add(s, "split", sp->into, payload, NULL);
	free(payload);
	snprintf(detail, sizeof detail, "{\"faces\":%lld,\"visits\":%zu}",
		 (long long)sp->moved, sp->visits.n);
	if (rc == FT_OK)
		rc = ft_store_audit(s, "split", sp->from_uuid, "faces",
				    detail);
	if (rc == FT_OK)
		rc = ft_store_audit(s, "split", sp->into_uuid, "faces",
				    detail);
	return rc;
}

static int
split_once(ft_store *s, struct split *sp, const int64_t *faces, int n)
{
	int rc;

	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	rc = customer_uuid(s, sp->from, sp->from_uuid);
	if (rc == FT_OK && sp->into)
		rc = customer_uuid(s, sp->into, sp->into_uuid);
	if (rc == FT_OK)
		rc = each_row(s, "SELECT id, created_at FROM faces WHERE "
			      "customer_id = ? ORDER BY id",
			      "cannot read samples", sample_row, sp, "i",
			      sp->from);
	if (rc == FT_OK)
		rc = mark_samples(s, sp, faces, n);
	if (rc == FT_OK)
		rc = each_row(s, "SELECT id, ts, face_id FROM visits WHERE "
			      "customer_id = ? ORDER BY id",
			      "cannot read visits", visit_row, sp, "i",
			      sp->from);
	if (rc == FT_OK)
		rc = split_target(s, sp);
	if (rc == FT_OK)
		rc = split_move(s, sp);
	if (rc == FT_OK)
		rc = split_record(s, sp);
	return ft_store_priv_finish(s, rc);
}

int
ft_store_customer_split(ft_store *s, int64_t from, const int64_t *faces,
			int n, int64_t into, ft_customer *out)
{
	int rc, tries = 0, own = ft_store_priv_depth(s) == 0;
	struct split sp;

	if (out)
		memset(out, 0, sizeof *out);
	if (n < 1 || !faces)
		return failf(s, FT_EINVAL, "no samples named to split off");
	if (n > FT_SPLIT_MAX)
		return failf(s, FT_EINVAL, "%d samples named: at most %d can "
			     "be split off at once", n, FT_SPLIT_MAX);
	if (into == from)
		return failf(s, FT_EINVAL, "cannot split a customer into "
			     "themself");
	do {
		memset(&sp, 0, sizeof sp);
		sp.from = from;
		sp.into = into;
		rc = split_once(s, &sp, faces, n);
		free(sp.v);
		free(sp.visits.v);
	} while (ft_store_priv_again(s, own, rc, &tries));
	if (rc == FT_OK && out)
		rc = ft_store_customer_get_id(s, sp.into, out);
	return rc;
}

/* --- removing a visit --- */

static const char sql_visit_one[] =
	"SELECT v.id, v.customer_id, c.uuid, c.name, c.email, v.ts, v.source,"
	" v.distance, v.new_customer, (SELECT COUNT(*) FROM visits w WHERE "
	"w.customer_id = v.customer_id AND (w.ts < v.ts OR (w.ts = v.ts AND "
	"w.id <= v.id))), v.face_id "
	"FROM visits v JOIN customers c ON c.id = v.customer_id "
	"WHERE v.id = ?";

static int
visit_read(ft_store *s, int64_t id, ft_visit *v)
{
	void *db, *st;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	const char *uuid;
	int rc;

	memset(v, 0, sizeof *v);
	if ((rc = prep(s, sql_visit_one, &st, "i", id)) != FT_OK)
		return rc;
	rc = d->step(st);
	if (rc == FT_ROW) {
		v->id = d->col_int64(st, 0);
		v->customer_id = d->col_int64(st, 1);
		uuid = d->col_text(st, 2);
		snprintf(v->customer, sizeof v->customer, "%s",
			 uuid ? uuid : "");
		v->name = ft_xstrdup(d->col_text(st, 3));
		v->email = ft_xstrdup(d->col_text(st, 4));
		v->ts = d->col_int64(st, 5);
		v->source = ft_xstrdup(d->col_text(st, 6));
		v->distance = d->col_null(st, 7) ? -1 : d->col_double(st, 7);
		v->new_customer = d->col_int64(st, 8) != 0;
		v->number = d->col_int64(st, 9);
		v->face_id = d->col_int64(st, 10);
		rc = FT_OK;
	} else if (rc == FT_DONE) {
		rc = failf(s, FT_ENOTFOUND, "no visit #%lld", (long long)id);
	} else {
		rc = ft_store_priv_fail(s, rc, "cannot read visit");
	}
	d->finalize(st);
	return rc;
}

static int
visit_remove_once(ft_store *s, int64_t id, ft_visit *v)
{
	char pattern[64], payload[160];
	int rc;

	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	if ((rc = visit_read(s, id, v)) != FT_OK)
		return ft_store_priv_finish(s, rc);
	rc = exec_sql(s, "DELETE FROM visits WHERE id = ?",
		      "cannot delete visit", NULL, "i", id);
	/* The visit's event repeats it: it goes with it. */
	visit_event_pattern(id, pattern, sizeof pattern);
	if (rc == FT_OK)
		rc = exec_sql(s, "DELETE FROM events WHERE kind = 'visit' AND "
			      "customer_id = ? AND payload LIKE ?",
			      "cannot delete events", NULL, "it",
			      v->customer_id, pattern);
	if (rc == FT_OK)
		rc = recount(s, v->customer_id);
	snprintf(payload, sizeof payload, "{\"type\":\"unvisit\",\"id\":%lld,"
		 "\"customer\":\"%s\"}", (long long)id, v->customer);
	if (rc == FT_OK)
		rc = ft_store_event_add(s, "unvisit", v->customer_id, payload,
					NULL);
	snprintf(payload, sizeof payload, "{\"visit\":%lld}", (long long)id);
	if (rc == FT_OK)
		rc = ft_store_audit(s, "unvisit", v->customer, "visits",
				    payload);
	return ft_store_priv_finish(s, rc);
}

int
ft_store_visit_remove(ft_store *s, int64_t visit_id, ft_visit *out)
{
	int rc, tries = 0, own = ft_store_priv_depth(s) == 0;
	ft_visit v;

	do {
		memset(&v, 0, sizeof v);
		rc = visit_remove_once(s, visit_id, &v);
		if (rc != FT_OK)
			ft_visit_clear(&v);
	} while (ft_store_priv_again(s, own, rc, &tries));
	if (rc == FT_OK && out)
		*out = v;
	else if (rc == FT_OK)
		ft_visit_clear(&v);
	return rc;
}

/* --- pairs marked two people --- */

static int
pair_exists(ft_store *s, int64_t lo, int64_t hi, int *out)
{
	int64_t n;
	int rc;

	rc = one_int(s, "SELECT COUNT(*) FROM different WHERE a = ? AND "
		     "b = ?", &n, NULL, "ii", lo, hi);
	*out = n > 0;
	return rc;
}

static int
different_add_once(ft_store *s, int64_t lo, int64_t hi)
{
	char a[FT_UUID_LEN + 1], b[FT_UUID_LEN + 1], payload[160];
	int rc, have = 0;

	if ((rc = ft_store_begin(s)) != FT_OK)
		return rc;
	rc = customer_uuid(s, lo, a);
	if (rc == FT_OK)
		rc = customer_uuid(s, hi, b);
	if (rc == FT_OK)
		rc = pair_exists(s, lo, hi, &have);
	if (rc != FT_OK || have)
		return ft_store_priv_finish(s, rc);	/* marked already: nothing new */
	rc = exec_sql(s, "INSERT INTO different (a, b, created_at) VALUES "
		      "(?, ?, ?)", "cannot mark customers", NULL, "iii", lo,
		      hi, ft_time_now());
	snprintf(payload, sizeof payload, "{\"type\":\"different\","
		 "\"customers\":[\"%s\",\"%s\"]}", a, b);
	if (rc == FT_OK)
		rc = ft_store_event_add(s, "different", lo, payload, NULL);
	if (rc == FT_OK)
		rc = ft_store_audit(s, "different", a, NULL, NULL);
	if (rc == FT_OK)
		rc = ft_store_audit(s, "different", b, NULL, NULL);
	return ft_store_priv_finish(s, rc);
}

int
ft_store_different_add(ft_store *s, int64_t a, int64_t b)
{
	int rc, tries = 0, own = ft_store_priv_depth(s) == 0;

	if (a == b)
		return failf(s, FT_EINVAL, "a customer cannot be marked "
			     "apart from themself");
	do
		rc = different_add_once(s, a < b ? a : b, a < b ? b : a);
	while (ft_store_priv_again(s, own, rc, &tries));
	return rc;
}

int
ft_store_different(ft_store *s, int64_t a, int64_t b, int *out)
{
	*out = 0;
	if (a == b)
		return FT_OK;
	return pair_exists(s, a < b ? a : b, a < b ? b : a, out);
}

int
ft_store_different_pairs(ft_store *s, ft_pair_cb cb, void *ctx)
{
	void *db, *st;
	const ft_driver *d = ft_store_priv_driver(s, &db);
	int rc, stop = 0;

	rc = prep(s, "SELECT a, b FROM different ORDER BY a, b", &st, "");
	if (rc != FT_OK)
		return rc;
	while (!stop && (rc = d->step(st)) == FT_ROW)
		stop = cb(ctx, d->col_int64(st, 0), d->col_int64(st, 1));
	if (stop)
		rc = stop;
	else
		rc = rc < 0 ? ft_store_priv_fail(s, rc, "cannot read pairs")
			    : FT_OK;
	d->finalize(st);
	return rc;
}

/* --- merges and forgets (store_priv.h) --- */

/* Who a customer was marked apart from, and since when. */
struct partners {
	struct ids id, created;
};

static void
partner_row(void *ctx, const ft_driver *d, void *st)
{
	struct partners *p = ctx;

	ids_push(&p->id, d->col_int64(st, 0));
	ids_push(&p->created, d->col_int64(st, 1));
}

static int
load_partners(ft_store *s, int64_t id, struct partners *p)
{
	return each_row(s, "SELECT CASE WHEN a = ? THEN b ELSE a END, "
			"created_at FROM different WHERE a = ? OR b = ?",
			"cannot read pairs", partner_row, p, "iii", id, id,
			id);
}

int
ft_store_review_merge(ft_store *s, int64_t keep, int64_t drop)
{
	struct partners p = { { 0 }, { 0 } };
	int64_t lo, hi;
	size_t i;
	int rc, have;

	rc = load_partners(s, drop, &p);
	if (rc == FT_OK)
		rc = exec_sql(s, "DELETE FROM different WHERE a = ? OR b = ?",
			      "cannot move pairs", NULL, "ii", drop, drop);
	for (i = 0; rc == FT_OK && i < p.id.n; i++) {
		if (p.id.v[i] == keep)
			continue;	/* merged: no longer two */
		lo = keep < p.id.v[i] ? keep : p.id.v[i];
		hi = keep < p.id.v[i] ? p.id.v[i] : keep;
		if ((rc = pair_exists(s, lo, hi, &have)) != FT_OK || have)
			continue;
		rc = exec_sql(s, "INSERT INTO different (a, b, created_at) "
			      "VALUES (?, ?, ?)", "cannot move pairs", NULL,
			      "iii", lo, hi, p.created.v[i]);
	}
	free(p.id.v);
	free(p.created.v);
	return rc;
}

static void
id_row(void *ctx, const ft_driver *d, void *st)
{
	ids_push(ctx, d->col_int64(st, 0));
}

/* The ids of the corrections' events naming uuid, into *ids. */
static int
naming_events(ft_store *s, const char *uuid, struct ids *ids)
{
	char pattern[FT_UUID_LEN + 8];

	snprintf(pattern, sizeof pattern, "%%\"%s\"%%", uuid);
	return each_row(s, "SELECT id FROM events WHERE kind IN "
			REVIEW_KINDS " AND payload LIKE ?",
			"cannot read events", id_row, ids, "t", pattern);
}

int
ft_store_review_forget(ft_store *s, int64_t id, const char *uuid,
		       int64_t *n)
{
	struct ids ev = { 0 };
	size_t i;
	int rc;

	*n = 0;
	rc = exec_sql(s, "DELETE FROM different WHERE a = ? OR b = ?",
		      "cannot delete pairs", NULL, "ii", id, id);
	if (rc == FT_OK)
		rc = naming_events(s, uuid, &ev);
	for (i = 0; rc == FT_OK && i < ev.n; i++) {
		if (is_mysql(s))
			rc = exec_sql(s, "UPDATE events SET payload = "
				      "REPEAT('0', OCTET_LENGTH(payload)) "
				      "WHERE id = ?", "cannot overwrite "
				      "erased data", NULL, "i", ev.v[i]);
		if (rc == FT_OK)
			rc = exec_sql(s, "DELETE FROM events WHERE id = ?",
				      "cannot delete events", NULL, "i",
				      ev.v[i]);
	}
	if (rc == FT_OK)
		*n = (int64_t)ev.n;
	free(ev.v);
	return rc;
}
