/*
 * store_audit — the audit trail of changes to customer data, and the
 * per-customer reads an access request needs, over the driver interface
 * of store_priv.h.
 *
 * Entries record which fields changed, never their values: the trail must
 * not become a second copy of the personal data it watches over.  A
 * forget rewrites the customer's earlier entries to the neutral id
 * "forgotten", so that after an erasure no entry leads back to the
 * person.  Statements are prepared per call: entries are written once per
 * change, not in bulk.
 */
#include "store_priv.h"
#include "times.h"
#include "util.h"

#include <ctype.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ACTION_MAX 32
#define FIELDS_MAX 255
#define DETAIL_MAX 1000

static int
fail(const struct ft_store_parts *p, int rc, const char *what)
{
	snprintf(p->err, p->errlen, "%s: %s", what, p->d->errmsg(p->db));
	return rc;
}

static int
failf(const struct ft_store_parts *p, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * Prepare sql and bind parameters from 1 by a format: i int64, t text
 * (NULL binds NULL).  NULL with the error set on failure.
 */
static void *
prepare(const struct ft_store_parts *p, const char *sql, int *rc,
	const char *fmt, ...)
{
	va_list ap;
	void *st;
	int i;

	if ((*rc = p->d->prepare(p->db, sql, &st)) != FT_OK) {
		fail(p, *rc, "cannot prepare statement");
		return NULL;
	}
	va_start(ap, fmt);
	for (i = 0; fmt[i] && *rc == FT_OK; i++) {
		if (fmt[i] == 'i')
			*rc = p->d->bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			*rc = p->d->bind_text(st, i + 1,
					      va_arg(ap, const char *));
	}
	va_end(ap);
	if (*rc != FT_OK) {
		fail(p, *rc, "cannot bind parameter");
		p->d->finalize(st);
		return NULL;
	}
	return st;
}

/* Run a statement that returns no rows, then finalize it. */
static int
run(const struct ft_store_parts *p, void *st, const char *what)
{
	int rc = p->d->step(st);

	p->d->finalize(st);
	return rc < 0 ? fail(p, rc, what) : FT_OK;
}

/* --- the actor --- */

static int
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int
ft_store_set_actor(ft_store *s, const char *actor)
{
	struct ft_store_parts p;
	size_t n = actor ? strlen(actor) : 0;

	ft_store_parts(s, &p);
	if (n == 0 || n >= p.actorlen || !printable(actor))
		return failf(&p, FT_EINVAL, "bad audit actor: printable text "
			     "of 1 to %d bytes expected", FT_AUDIT_ACTOR_MAX);
	memcpy(p.actor, actor, n + 1);
	return FT_OK;
}

const char *
ft_store_actor(ft_store *s)
{
	struct ft_store_parts p;
	const char *prog = ft_progname();
	struct passwd *pw;
	char user[64];

	ft_store_parts(s, &p);
	if (p.actor[0])
		return p.actor;
	/* The OS user, not $USER: the environment is the caller's to set. */
	pw = getpwuid(geteuid());
	if (pw && pw->pw_name && *pw->pw_name && printable(pw->pw_name))
		snprintf(user, sizeof user, "%s", pw->pw_name);
	else
		snprintf(user, sizeof user, "uid%ld", (long)geteuid());
	snprintf(p.actor, p.actorlen, "%s/%s", prog && *prog ? prog
		 : "facetrack", user);
	return p.actor;
}

/* --- entries --- */

static const char sql_audit_add[] =
	"INSERT INTO audit (ts, actor, action, customer, fields, detail) "
	"VALUES (?, ?, ?, ?, ?, ?)";

int
ft_store_audit(ft_store *s, const char *action, const char *customer,
	       const char *fields, const char *detail)
{
	const char *actor = ft_store_actor(s);
	struct ft_store_parts p;
	void *st;
	int rc;

	ft_store_parts(s, &p);
	if (!action || !*action || strlen(action) > ACTION_MAX ||
	    (customer && strlen(customer) > FT_UUID_LEN) ||
	    (fields && strlen(fields) > FIELDS_MAX) ||
	    (detail && strlen(detail) > DETAIL_MAX))
		return failf(&p, FT_EINVAL, "audit entry out of bounds");
	if (!(st = prepare(&p, sql_audit_add, &rc, "ittttt", ft_time_now(),
			   actor, action, customer, fields, detail)))
		return rc;
	return run(&p, st, "cannot add audit entry");
}

/* The names of the FT_FIELD_* bits, comma-separated, into buf. */
static const char *
field_names(unsigned fields, char *buf, size_t len)
{
	static const char *const names[] = { "name", "email", "notes",
					     "consent" };
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (fields & (1u << i))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? "," : "", names[i]);
	return buf[0] ? buf : NULL;
}

int
ft_store_audit_add(ft_store *s, const ft_customer *c)
{
	unsigned fields = 0;
	char buf[64];

	if (c->name)
		fields |= FT_FIELD_NAME;
	if (c->email)
		fields |= FT_FIELD_EMAIL;
	if (c->notes)
		fields |= FT_FIELD_NOTES;
	if (c->consent)
		fields |= FT_FIELD_CONSENT;
	return ft_store_audit(s, "add", c->uuid,
			      field_names(fields, buf, sizeof buf), NULL);
}

static const char sql_uuid_of[] = "SELECT uuid FROM customers WHERE id = ?";

int
ft_store_audit_update(ft_store *s, const ft_customer *c, unsigned fields)
{
	struct ft_store_parts p;
	char uuid[FT_UUID_LEN + 1] = "", buf[64];
	void *st;
	int rc;

	ft_store_parts(s, &p);
	if (!(st = prepare(&p, sql_uuid_of, &rc, "i", c->id)))
		return rc;
	rc = p.d->step(st);
	if (rc == FT_ROW && p.d->col_text(st, 0))
		snprintf(uuid, sizeof uuid, "%s", p.d->col_text(st, 0));
	p.d->finalize(st);
	if (rc < 0)
		return fail(&p, rc, "cannot read customer");
	if (!uuid[0] || !fields)
		return FT_OK;	/* nothing changed */
	return ft_store_audit(s, "update", uuid,
			      field_names(fields, buf, sizeof buf), NULL);
}

static const char sql_audit_move[] =
	"UPDATE audit SET customer = ? WHERE customer = ?";

int
ft_store_audit_merge(ft_store *s, const char *keep, const char *drop)
{
	struct ft_store_parts p;
	char detail[64];
	void *st;
	int rc;

	/* The dropped customer's history is the kept one's now, as their
	 * visits and samples are: a later forget of keep reaches it. */
	ft_store_parts(s, &p);
	if (!(st = prepare(&p, sql_audit_move, &rc, "tt", keep, drop)) ||
	    (rc = run(&p, st, "cannot move audit entries")) != FT_OK)
		return rc;
	snprintf(detail, sizeof detail, "{\"merged\":\"%.36s\"}", drop);
	return ft_store_audit(s, "merge", keep, NULL, detail);
}

static const char sql_audit_scrub[] =
	"UPDATE audit SET customer = ?, detail = NULL WHERE customer = ?";

int
ft_store_audit_forget(ft_store *s, const char *uuid, int64_t visits,
		      int64_t faces)
{
	struct ft_store_parts p;
	char detail[96];
	void *st;
	int rc;

	ft_store_parts(s, &p);
	if (!(st = prepare(&p, sql_audit_scrub, &rc, "tt", FT_AUDIT_FORGOTTEN,
			   uuid)) ||
	    (rc = run(&p, st, "cannot anonymise audit entries")) != FT_OK)
		return rc;
	snprintf(detail, sizeof detail, "{\"visits\":%lld,\"faces\":%lld}",
		 (long long)visits, (long long)faces);
	return ft_store_audit(s, "forget", FT_AUDIT_FORGOTTEN, NULL, detail);
}

/* --- reading --- */

int
ft_store_audits(ft_store *s, const ft_audit_filter *f, ft_audit_cb cb,
		void *ctx)
{
	const char *dir = f->descending ? "DESC" : "ASC";
	struct ft_store_parts p;
	char sql[512];
	ft_audit a;
	void *st;
	int rc, n = 0;

	ft_store_parts(s, &p);
	snprintf(sql, sizeof sql, "SELECT id, ts, actor, action, customer, "
		 "fields, detail FROM audit WHERE 1 = 1%s%s%s "
		 "ORDER BY id %s%s",
		 f->since ? " AND ts >= ?" : "", f->until ? " AND ts < ?" : "",
		 f->customer ? " AND customer = ?" : "", dir,
		 f->limit > 0 ? " LIMIT ?" : "");
	if ((rc = p.d->prepare(p.db, sql, &st)) != FT_OK)
		return fail(&p, rc, "cannot prepare statement");
	if (f->since)
		rc = p.d->bind_int64(st, ++n, f->since);
	if (rc == FT_OK && f->until)
		rc = p.d->bind_int64(st, ++n, f->until);
	if (rc == FT_OK && f->customer)
		rc = p.d->bind_text(st, ++n, f->customer);
	if (rc == FT_OK && f->limit > 0)
		rc = p.d->bind_int64(st, ++n, f->limit);
	if (rc != FT_OK) {
		rc = fail(&p, rc, "cannot bind parameter");
		p.d->finalize(st);
		return rc;
	}
	while ((rc = p.d->step(st)) == FT_ROW) {
		a.id = p.d->col_int64(st, 0);
		a.ts = p.d->col_int64(st, 1);
		a.actor = ft_xstrdup(p.d->col_text(st, 2));
		a.action = ft_xstrdup(p.d->col_text(st, 3));
		a.customer = ft_xstrdup(p.d->col_text(st, 4));
		a.fields = ft_xstrdup(p.d->col_text(st, 5));
		a.detail = ft_xstrdup(p.d->col_text(st, 6));
		rc = cb(ctx, &a);
		free(a.actor);
		free(a.action);
		free(a.customer);
		free(a.fields);
		free(a.detail);
		if (rc)
			break;
	}
	if (rc < 0)
		rc = fail(&p, rc, "cannot read audit entries");
	p.d->finalize(st);
	return rc;
}

static const char sql_customer_events[] =
	"SELECT id, ts, kind, customer_id, payload FROM events "
	"WHERE customer_id = ? ORDER BY id";

int
ft_store_customer_events(ft_store *s, int64_t customer_id, ft_event_cb cb,
			 void *ctx)
{
	struct ft_store_parts p;
	ft_event e;
	void *st;
	int rc;

	ft_store_parts(s, &p);
	if (!(st = prepare(&p, sql_customer_events, &rc, "i", customer_id)))
		return rc;
	while ((rc = p.d->step(st)) == FT_ROW) {
		e.id = p.d->col_int64(st, 0);
		e.ts = p.d->col_int64(st, 1);
		e.kind = ft_xstrdup(p.d->col_text(st, 2));
		e.customer_id = p.d->col_int64(st, 3);
		e.payload = ft_xstrdup(p.d->col_text(st, 4));
		rc = cb(ctx, &e);
		free(e.kind);
		free(e.payload);
		if (rc)
			break;
	}
	if (rc < 0)
		rc = fail(&p, rc, "cannot read events");
	p.d->finalize(st);
	return rc;
}
