/*
 * query — ft-query's operations as records, and the table of their
 * parameters that ft-query, ft-serve and the chat's tools fill.
 */
#include "query.h"
#include "base64.h"
#include "record.h"
#include "times.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

struct relay {
	ft_emit_fn emit;
	void *ctx;
};

int
ft_query_stats(ft_store *s, int64_t now, ft_emit_fn emit, void *ctx)
{
	ft_stats st;
	int64_t day = ft_time_day_start(now), footfall;
	int rc = ft_store_stats(s, now, &st);

	/* Visitors not recognised (FT_RECOGNITION), by the hours begun
	 * today. */
	if (rc == FT_OK)
		rc = ft_store_count_footfall(s, day, ft_time_day_add(day, 1),
					     &footfall);
	if (rc != FT_OK)
		return rc;
	return emit(ctx, jv_object_set(ft_record_stats(&st),
				       jv_string("footfall_today"),
				       jv_number((double)footfall)));
}

static jv
series(const char *name, jv points)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("series"));
	o = jv_object_set(o, jv_string("name"), jv_string(name));
	return jv_object_set(o, jv_string("points"), points);
}

int
ft_query_trend(ft_store *s, int days, int64_t now, ft_emit_fn emit,
	       void *ctx)
{
	jv visits = jv_array(), fresh = jv_array();
	char date[11];
	int64_t n;
	int i, rc = FT_OK;

	if (days < 1 || days > 3660) {
		jv_free(visits);
		jv_free(fresh);
		return FT_EINVAL;
	}
	for (i = days - 1; i >= 0 && rc == FT_OK; i--) {
		int64_t from = ft_time_day_add(now, -i);
		int64_t to = ft_time_day_add(now, -i + 1);

		ft_time_date(from, date);
		if ((rc = ft_store_count_visits(s, from, to, &n)) != FT_OK)
			break;
		visits = jv_array_append(visits, JV_ARRAY(jv_string(date),
					 jv_number((double)n)));
		if ((rc = ft_store_count_customers(s, from, to, &n)) != FT_OK)
			break;
		fresh = jv_array_append(fresh, JV_ARRAY(jv_string(date),
					jv_number((double)n)));
	}
	if (rc != FT_OK) {
		jv_free(visits);
		jv_free(fresh);
		return rc;
	}
	rc = emit(ctx, series("visits_per_day", visits));
	if (rc == 0)
		rc = emit(ctx, series("new_customers_per_day", fresh));
	else
		jv_free(fresh);
	return rc;
}

static int
top_row(void *p, const ft_customer *c, int64_t visits)
{
	struct relay *r = p;
	jv rec = ft_record_customer(c);

	rec = jv_object_set(rec, jv_string("visits_in_range"),
			    jv_number((double)visits));
	return r->emit(r->ctx, rec);
}

int
ft_query_top(ft_store *s, int64_t since, int64_t until, int64_t limit,
	     ft_emit_fn emit, void *ctx)
{
	struct relay r = { emit, ctx };

	return ft_store_top(s, since, until, limit, top_row, &r);
}

static int
customer_row(void *p, const ft_customer *c)
{
	struct relay *r = p;

	return r->emit(r->ctx, ft_record_customer(c));
}

int
ft_query_customers(ft_store *s, const ft_customer_filter *f,
		   ft_emit_fn emit, void *ctx)
{
	struct relay r = { emit, ctx };

	return ft_store_customers(s, f, customer_row, &r);
}

static int
visit_row(void *p, const ft_visit *v)
{
	struct relay *r = p;

	return r->emit(r->ctx, ft_record_visit(v, NULL));
}

int
ft_query_visits(ft_store *s, const ft_visit_filter *f, ft_emit_fn emit,
		void *ctx)
{
	struct relay r = { emit, ctx };

	return ft_store_visits(s, f, visit_row, &r);
}

int
ft_query_customer(ft_store *s, const char *id, ft_emit_fn emit, void *ctx)
{
	ft_visit_filter f = { 0 };
	ft_customer c;
	int rc;

	if ((rc = ft_store_customer_get(s, id, &c)) != FT_OK)
		return rc;
	f.customer_id = c.id;
	rc = emit(ctx, ft_record_customer(&c));
	ft_customer_clear(&c);
	if (rc == 0)
		rc = ft_query_visits(s, &f, emit, ctx);
	return rc;
}

int
ft_query_count(ft_store *s, int64_t since, int64_t until, unsigned what,
	       ft_emit_fn emit, void *ctx)
{
	int64_t to = until ? until : INT64_MAX, n;
	jv o = jv_object();
	int rc = FT_OK;

	o = jv_object_set(o, jv_string("type"), jv_string("count"));
	o = jv_object_set(o, jv_string("since"),
			  since ? ft_record_time(since) : jv_null());
	o = jv_object_set(o, jv_string("until"),
			  until ? ft_record_time(until) : jv_null());
	if (what & FT_COUNT_VISITS) {
		if ((rc = ft_store_count_visits(s, since, to, &n)) == FT_OK)
			o = jv_object_set(o, jv_string("visits"),
					  jv_number((double)n));
	}
	if (rc == FT_OK && (what & FT_COUNT_VISITORS)) {
		if ((rc = ft_store_count_visitors(s, since, to, &n)) == FT_OK)
			o = jv_object_set(o, jv_string("visitors"),
					  jv_number((double)n));
	}
	if (rc == FT_OK && (what & FT_COUNT_NEW)) {
		if ((rc = ft_store_count_customers(s, since, to, &n)) == FT_OK)
			o = jv_object_set(o, jv_string("new_customers"),
					  jv_number((double)n));
	}
	if (rc != FT_OK) {
		jv_free(o);
		return rc;
	}
	return emit(ctx, o);
}

/* --- figures computed over listings --- */

/* Whether c meets a condition of count-customers: which (0 any, 1 yes,
 * 2 no) of has. */
static int
meets(long long which, int has)
{
	return which == 0 || (which == 1) == (has != 0);
}

struct census {
	const ft_query_args *a;
	int64_t n;
};

static int
census_row(void *p, const ft_customer *c)
{
	struct census *k = p;
	const long long *n = k->a->n;

	if (meets(n[FT_QS_EMAIL], c->email && *c->email) &&
	    meets(n[FT_QS_CONSENT], c->consent) &&
	    meets(n[FT_QS_NAMED], c->name && *c->name))
		k->n++;
	return 0;
}

/* count-customers: the customers registered in the range who meet the
 * conditions. */
static int
run_census(ft_store *s, const ft_query_args *a, ft_emit_fn emit,
	   void *ctx)
{
	ft_customer_filter f = { 0 };
	struct census k = { a, 0 };
	jv o;
	int rc;

	f.since = a->t[FT_QS_SINCE];
	f.until = a->t[FT_QS_UNTIL];
	f.min_visits = a->n[FT_QS_MIN_VISITS];
	if ((rc = ft_store_customers(s, &f, census_row, &k)) != FT_OK)
		return rc;
	o = jv_object_set(jv_object(), jv_string("type"),
			  jv_string("count"));
	o = jv_object_set(o, jv_string("since"), ft_record_time(f.since));
	o = jv_object_set(o, jv_string("until"), ft_record_time(f.until));
	o = jv_object_set(o, jv_string("customers"), jv_number((double)k.n));
	return emit(ctx, o);
}

static int
cmp_id(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

static jv
ratio(double a, double b)
{
	return b > 0 ? jv_number(a / b) : jv_null();
}

/* averages: visits, visitors, visits per visitor and per day, and the
 * share of visitors with two or more visits, in the range.  The store
 * sums them up, so the visits never leave the database. */
static int
run_averages(ft_store *s, const ft_query_args *a, ft_emit_fn emit,
	     void *ctx)
{
	int64_t since = a->t[FT_QS_SINCE], until = a->t[FT_QS_UNTIL], last;
	ft_visit_figures k;
	ft_period per;
	int days = 0, rc;
	jv o;

	rc = ft_store_visit_figures(s, since, until ? until : INT64_MAX, &k);
	if (rc != FT_OK)
		return rc;
	last = until ? until - 1 : a->now;
	if ((since || k.first_visit) &&
	    ft_times_period(since ? since : k.first_visit, last, &per) == 0)
		days = per.days;
	o = jv_object_set(jv_object(), jv_string("type"),
			  jv_string("averages"));
	o = jv_object_set(o, jv_string("since"), ft_record_time(since));
	o = jv_object_set(o, jv_string("until"), ft_record_time(until));
	o = jv_object_set(o, jv_string("days"), jv_number(days));
	if (days) {
		o = jv_object_set(o, jv_string("first_day"),
				  jv_string(per.first));
		o = jv_object_set(o, jv_string("last_day"),
				  jv_string(per.last));
	}
	o = jv_object_set(o, jv_string("visits"), jv_number((double)k.visits));
	o = jv_object_set(o, jv_string("visitors"),
			  jv_number((double)k.visitors));
	o = jv_object_set(o, jv_string("repeat_visitors"),
			  jv_number((double)k.repeat_visitors));
	o = jv_object_set(o, jv_string("visits_per_customer"),
			  ratio((double)k.visits, (double)k.visitors));
	o = jv_object_set(o, jv_string("visits_per_day"),
			  ratio((double)k.visits, days));
	o = jv_object_set(o, jv_string("repeat_rate"),
			  ratio((double)k.repeat_visitors, (double)k.visitors));
	/* Returning: visitors registered before the period. */
	o = jv_object_set(o, jv_string("returning_visitors"), since ?
			  jv_number((double)(k.visitors - k.new_visitors)) :
			  jv_null());
	o = jv_object_set(o, jv_string("new_visitors"), since ?
			  jv_number((double)k.new_visitors) : jv_null());
	return emit(ctx, o);
}

static const char *const weekday_names[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday"
};

/* by-time: visits per local weekday (Monday first) or hour. */
struct by_time {
	int hour;
	int64_t by[24];
};

static int
by_quarter(void *p, int64_t start, int64_t visits)
{
	struct by_time *k = p;
	struct tm tm;

	ft_time_local(start, &tm);
	k->by[k->hour ? tm.tm_hour : (tm.tm_wday + 6) % 7] += visits;
	return 0;
}

/* by-time: one series of visits per local weekday (Monday first) or
 * hour (00 to 23), with the busiest of them.  The store counts the
 * visits of each quarter of an hour, which lies in one local hour. */
static int
run_by_time(ft_store *s, const ft_query_args *a, ft_emit_fn emit,
	    void *ctx)
{
	struct by_time k = { 0 };
	int64_t until = a->t[FT_QS_UNTIL], most = 0;
	int i, n, rc;
	jv pts = jv_array(), busiest = jv_array(), o;
	char label[4];

	k.hour = a->n[FT_QS_BY] == 1;
	n = k.hour ? 24 : 7;
	rc = ft_store_visit_quarters(s, a->t[FT_QS_SINCE],
				     until ? until : INT64_MAX, by_quarter,
				     &k);
	if (rc != FT_OK) {
		jv_free(pts);
		jv_free(busiest);
		return rc;
	}
	for (i = 0; i < n; i++)
		if (k.by[i] > most)
			most = k.by[i];
	for (i = 0; i < n; i++) {
		jv l;

		snprintf(label, sizeof label, "%02d", i);
		l = jv_string(k.hour ? label : weekday_names[i]);
		if (most && k.by[i] == most)
			busiest = jv_array_append(busiest, jv_copy(l));
		pts = jv_array_append(pts, JV_ARRAY(l,
				      jv_number((double)k.by[i])));
	}
	o = series(k.hour ? "visits_by_hour" : "visits_by_weekday", pts);
	o = jv_object_set(o, jv_string("busiest"), busiest);
	o = jv_object_set(o, jv_string("busiest_visits"),
			  jv_number((double)most));
	return emit(ctx, o);
}

struct lapsed {
	int64_t cutoff, n, limit;
	jv keep;
};

static int
lapsed_row(void *p, const ft_customer *c)
{
	struct lapsed *k = p;

	if (!c->last_visit || c->last_visit >= k->cutoff)
		return 0;
	if (k->n++ < k->limit)
		k->keep = jv_array_append(k->keep, ft_record_customer(c));
	return 0;
}

/* lapsed: a count record of the customers of min-visits or more whose
 * last visit is more than days ago, then the first limit of them, the
 * longest absent first. */
static int
run_lapsed(ft_store *s, const ft_query_args *a, ft_emit_fn emit,
	   void *ctx)
{
	ft_customer_filter f = { 0 };
	struct lapsed k;
	int i, n, rc;
	jv o;

	k.cutoff = a->now - a->n[FT_QS_DAYS] * FT_MS_PER_DAY;
	k.n = 0;
	k.limit = a->n[FT_QS_LIMIT] ? a->n[FT_QS_LIMIT] : INT64_MAX;
	k.keep = jv_array();
	f.min_visits = a->n[FT_QS_MIN_VISITS];
	f.sort = FT_SORT_LAST_VISIT;
	if ((rc = ft_store_customers(s, &f, lapsed_row, &k)) != FT_OK) {
		jv_free(k.keep);
		return rc;
	}
	o = jv_object_set(jv_object(), jv_string("type"),
			  jv_string("count"));
	o = jv_object_set(o, jv_string("before"), ft_record_time(k.cutoff));
	o = jv_object_set(o, jv_string("customers"), jv_number((double)k.n));
	rc = emit(ctx, o);
	n = jv_array_length(jv_copy(k.keep));
	for (i = 0; i < n && rc == 0; i++)
		rc = emit(ctx, jv_array_get(jv_copy(k.keep), i));
	jv_free(k.keep);
	return rc;
}

/* The three counts of a range as an object, for compare. */
static int
counts_of(ft_store *s, int64_t since, int64_t until, jv *out)
{
	int64_t to = until ? until : INT64_MAX, v, u, c;
	int rc;

	if ((rc = ft_store_count_visits(s, since, to, &v)) != FT_OK ||
	    (rc = ft_store_count_visitors(s, since, to, &u)) != FT_OK ||
	    (rc = ft_store_count_customers(s, since, to, &c)) != FT_OK)
		return rc;
	*out = JV_OBJECT(jv_string("since"), ft_record_time(since),
			 jv_string("until"), ft_record_time(until),
			 jv_string("visits"), jv_number((double)v),
			 jv_string("visitors"), jv_number((double)u),
			 jv_string("new_customers"), jv_number((double)c));
	return FT_OK;
}

/* compare: the counts of a period and of the one it is compared
 * against, and each one's change: the difference and the per cent of
 * the other (null when that is 0). */
static int
run_compare(ft_store *s, const ft_query_args *a, ft_emit_fn emit,
	    void *ctx)
{
	static const char *const keys[] = {
		"visits", "visitors", "new_customers", NULL
	};
	jv p = jv_null(), q = jv_null(), change = jv_object(), o;
	int i, rc;

	if ((rc = counts_of(s, a->t[FT_QS_SINCE], a->t[FT_QS_UNTIL], &p)) ||
	    (rc = counts_of(s, a->t[FT_QS_SINCE2], a->t[FT_QS_UNTIL2], &q))) {
		jv_free(p);
		jv_free(q);
		jv_free(change);
		return rc;
	}
	for (i = 0; keys[i]; i++) {
		double x = ft_record_number(p, keys[i]);
		double y = ft_record_number(q, keys[i]);

		change = jv_object_set(change, jv_string(keys[i]), JV_OBJECT(
			jv_string("difference"), jv_number(x - y),
			jv_string("percent"),
			y > 0 ? jv_number((x - y) * 100 / y) : jv_null()));
	}
	o = JV_OBJECT(jv_string("type"), jv_string("comparison"),
		      jv_string("period"), p, jv_string("against"), q,
		      jv_string("change"), change);
	return emit(ctx, o);
}

/* loyal: visits of the range as (customer, week) keys. */
struct weeks {
	int64_t *v;
	size_t n, cap;
	int64_t monday;		/* start of the first week */
};

/* The week of the range that ms falls in, counted from 0. */
static int64_t
week_of(int64_t monday, int64_t ms)
{
	/* Half a day over absorbs the hour a DST change adds or takes. */
	return (ft_time_day_start(ms) - monday + FT_MS_PER_DAY / 2) /
	       FT_MS_PER_DAY / 7;
}

static int
week_row(void *p, const ft_visit *v)
{
	struct weeks *k = p;

	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 1024;
		k->v = ft_xrealloc(k->v, k->cap * sizeof *k->v);
	}
	k->v[k->n++] = v->customer_id * 1024 + week_of(k->monday, v->ts);
	return 0;
}

/* A loyal customer: visits in the range, then the row id. */
struct loyal {
	int64_t visits, id;
};

static int
cmp_loyal(const void *x, const void *y)
{
	const struct loyal *a = x, *b = y;

	if (a->visits != b->visits)
		return a->visits < b->visits ? 1 : -1;
	return (a->id > b->id) - (a->id < b->id);
}

/* The customers of k with a visit in each of nweeks weeks, most visits
 * first, into *out (the caller frees it); how many. */
static size_t
every_week(struct weeks *k, int64_t nweeks, struct loyal **out)
{
	size_t i, j, n = 0;
	int64_t weeks, last;

	*out = ft_xcalloc(k->n + 1, sizeof **out);
	qsort(k->v, k->n, sizeof *k->v, cmp_id);
	for (i = 0; i < k->n; i = j) {
		weeks = 0;
		last = -1;
		for (j = i; j < k->n && k->v[j] / 1024 == k->v[i] / 1024; j++)
			if (k->v[j] % 1024 != last) {
				last = k->v[j] % 1024;
				weeks++;
			}
		if (weeks == nweeks) {
			(*out)[n].visits = (int64_t)(j - i);
			(*out)[n++].id = k->v[i] / 1024;
		}
	}
	qsort(*out, n, sizeof **out, cmp_loyal);
	return n;
}

/* loyal: a count record of the customers with a visit in every week
 * (Monday to Sunday) that the range touches, then the first limit of
 * them, most visits in the range first, with visits_in_range. */
static int
run_loyal(ft_store *s, const ft_query_args *a, ft_emit_fn emit,
	  void *ctx)
{
	ft_visit_filter f = { 0 };
	struct weeks k = { 0 };
	struct loyal *l;
	struct tm tm;
	int64_t nweeks, limit = a->n[FT_QS_LIMIT];
	size_t n, i;
	int rc;
	jv o;

	f.since = a->t[FT_QS_SINCE];
	f.until = a->t[FT_QS_UNTIL];
	if (f.until <= f.since)
		return FT_EINVAL;
	ft_time_local(f.since, &tm);
	k.monday = ft_time_day_add(f.since, -((tm.tm_wday + 6) % 7));
	nweeks = week_of(k.monday, f.until - 1) + 1;
	if (nweeks > 1000)
		return FT_EINVAL;
	f.bare = 1;
	if ((rc = ft_store_visits(s, &f, week_row, &k)) != FT_OK) {
		free(k.v);
		return rc;
	}
	n = every_week(&k, nweeks, &l);
	free(k.v);
	o = JV_OBJECT(jv_string("type"), jv_string("count"),
		      jv_string("since"), ft_record_time(f.since),
		      jv_string("until"), ft_record_time(f.until),
		      jv_string("weeks"), jv_number((double)nweeks),
		      jv_string("customers"), jv_number((double)n));
	rc = emit(ctx, o);
	for (i = 0; i < n && rc == 0 && (!limit || (int64_t)i < limit); i++) {
		ft_customer c;

		if ((rc = ft_store_customer_get_id(s, l[i].id, &c)) != FT_OK)
			break;
		o = jv_object_set(ft_record_customer(&c),
				  jv_string("visits_in_range"),
				  jv_number((double)l[i].visits));
		ft_customer_clear(&c);
		rc = emit(ctx, o);
	}
	free(l);
	return rc;
}

/* --- the table --- */

#define ON_ALL	(FT_QUERY_ON(FT_QUERY_CLI) | FT_QUERY_ON(FT_QUERY_HTTP) | \
		 FT_QUERY_ON(FT_QUERY_TOOL))
#define ON_TOOL	FT_QUERY_ON(FT_QUERY_TOOL)
/* Longest listing ft-serve gives, and what it gives without a limit. */
#define LIST_MAX	10000
#define LIST_DEFAULT	100

static const char *const conditions[] = { "any", "yes", "no", NULL };
static const char *const sorts[] = {
	"created", "name", "last-visit", "visits", NULL
};
/* In the order of the FT_COUNT_* bits. */
static const char *const whats[] = {
	"visits", "visitors", "new_customers", NULL
};

/* Every surface alike: the bounds and default of a parameter. */
#define ALL3(v)	{ (v), (v), (v) }

static const ft_query_param p_none[] = { { NULL } };
static const ft_query_param p_trend[] = {
	{ .name = "days", .type = FT_QT_INT, .slot = FT_QS_DAYS, .min = 1,
	  .max = ALL3(3660), .def = ALL3(30),
	  .help = "number of days ending today (default 30)" },
	{ NULL }
};
static const ft_query_param p_count[] = {
	{ .name = "what", .type = FT_QT_ENUM, .slot = FT_QS_WHAT,
	  .required = 1, .choices = whats,
	  .help = "visits: visits; visitors: distinct customers who "
	  "visited; new_customers: customers registered in the period" },
	{ .name = "since", .type = FT_QT_TIME, .slot = FT_QS_SINCE,
	  .help = "start of the period (default: no bound)" },
	{ .name = "until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL,
	  .end_of_day = 1, .help = "end of the period; a date includes "
	  "that whole day (default: no bound)" },
	{ NULL }
};
static const ft_query_param p_top[] = {
	{ .name = "limit", .type = FT_QT_INT, .slot = FT_QS_LIMIT, .min = 1,
	  .max = { INT64_MAX, LIST_MAX, 100 }, .def = ALL3(10),
	  .help = "how many (default 10)" },
	{ .name = "since", .type = FT_QT_TIME, .slot = FT_QS_SINCE,
	  .help = "count visits from this time (default: all time)" },
	{ .name = "until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL,
	  .end_of_day = 1, .help = "count visits until this time; a date "
	  "includes that day" },
	{ NULL }
};
static const ft_query_param p_customers[] = {
	{ .name = "name", .type = FT_QT_STRING, .slot = FT_QS_NAME,
	  .max = { 0, 0, 200 }, .help = "part of the name, any case" },
	{ .name = "since", .type = FT_QT_TIME, .slot = FT_QS_SINCE,
	  .help = "registered at or after" },
	{ .name = "until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL,
	  .end_of_day = 1, .help = "registered before; a date includes that "
	  "day" },
	{ .name = "min-visits", .type = FT_QT_INT, .slot = FT_QS_MIN_VISITS,
	  .max = { INT64_MAX, INT64_MAX, 1000000000 },
	  .help = "at least this many visits in all" },
	{ .name = "named", .type = FT_QT_ENUM, .slot = FT_QS_NAMED,
	  .choices = conditions, .help = "yes: only customers with a name; "
	  "no: only unnamed ones (default any)" },
	{ .name = "consent", .type = FT_QT_ENUM, .slot = FT_QS_CONSENT,
	  .choices = conditions, .help = "yes: only customers who consented "
	  "to be recognised; no: only those who did not (default any)" },
	{ .name = "sort", .type = FT_QT_ENUM, .slot = FT_QS_SORT,
	  .choices = sorts, .help = "order (default created)" },
	{ .name = "reverse", .type = FT_QT_BOOL, .slot = FT_QS_REVERSE,
	  .help = "reverse the order" },
	{ .name = "limit", .type = FT_QT_INT, .slot = FT_QS_LIMIT, .min = 1,
	  .max = { INT64_MAX, LIST_MAX, 100 }, .def = { 0, LIST_DEFAULT, 20 },
	  .help = "how many (default 20)" },
	{ .name = "after", .type = FT_QT_STRING, .slot = FT_QS_AFTER,
	  .only = FT_QUERY_ON(FT_QUERY_CLI) | FT_QUERY_ON(FT_QUERY_HTTP),
	  .max = { 0, FT_UUID_LEN, 0 }, .help = "the next page: the "
	  "customers after this one (the last of a page) in the order" },
	{ NULL }
};
static const ft_query_param p_customer[] = {
	{ .name = "id", .type = FT_QT_STRING, .slot = FT_QS_ID,
	  .only = ON_TOOL, .required = 1, .max = { 0, 0, 64 },
	  .help = "the customer's id: a UUID or a unique prefix of 8 or more "
	  "characters (find it with find_customers)" },
	{ .name = "visits", .type = FT_QT_INT, .slot = FT_QS_VISITS,
	  .only = ON_TOOL, .max = ALL3(100), .def = ALL3(10),
	  .help = "how many of the most recent visits to include (default "
	  "10)" },
	{ NULL }
};
static const ft_query_param p_visits[] = {
	{ .name = "since", .type = FT_QT_TIME, .slot = FT_QS_SINCE,
	  .help = "visits at or after" },
	{ .name = "until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL,
	  .end_of_day = 1, .help = "visits before; a date includes that day" },
	{ .name = "customer", .type = FT_QT_STRING, .slot = FT_QS_CUSTOMER,
	  .max = { 0, 0, 64 },
	  .help = "only this customer's visits (id or unique prefix)" },
	{ .name = "source", .type = FT_QT_STRING, .slot = FT_QS_SOURCE,
	  .max = { 0, 0, 200 }, .help = "only this camera or site" },
	{ .name = "limit", .type = FT_QT_INT, .slot = FT_QS_LIMIT, .min = 1,
	  .max = { INT64_MAX, LIST_MAX, 200 }, .def = { 0, LIST_DEFAULT, 50 },
	  .help = "how many (default 50)" },
	{ .name = "reverse", .type = FT_QT_BOOL, .slot = FT_QS_REVERSE,
	  .help = "newest first" },
	{ NULL }
};

static const char *const bys[] = { "weekday", "hour", NULL };

static const ft_query_param p_census[] = {
	{ .name = "email", .type = FT_QT_ENUM, .slot = FT_QS_EMAIL,
	  .choices = conditions, .help = "yes: only customers with an "
	  "e-mail address; no: only those without (default any)" },
	{ .name = "consent", .type = FT_QT_ENUM, .slot = FT_QS_CONSENT,
	  .choices = conditions, .help = "yes: only customers who consented "
	  "to be recognised; no: only those who did not (default any)" },
	{ .name = "named", .type = FT_QT_ENUM, .slot = FT_QS_NAMED,
	  .choices = conditions, .help = "yes: only customers with a name; "
	  "no: only unnamed ones (default any)" },
	{ .name = "since", .type = FT_QT_TIME, .slot = FT_QS_SINCE,
	  .help = "registered at or after (default: no bound)" },
	{ .name = "until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL,
	  .end_of_day = 1, .help = "registered before; a date includes that "
	  "day (default: no bound)" },
	{ .name = "min-visits", .type = FT_QT_INT, .slot = FT_QS_MIN_VISITS,
	  .max = { INT64_MAX, INT64_MAX, 1000000000 },
	  .help = "at least this many visits in all (2: returning "
	  "customers)" },
	{ NULL }
};
/* The period of averages and by-time. */
#define PERIOD_SINCE \
	{ .name = "since", .type = FT_QT_TIME, .slot = FT_QS_SINCE, \
	  .help = "start of the period (default: all time)" }
#define PERIOD_UNTIL \
	{ .name = "until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL, \
	  .end_of_day = 1, .help = "end of the period; a date includes " \
	  "that day (default: now)" }

/* A period that must be given, and a listing after a count record. */
#define REQUIRED_SINCE \
	{ .name = "since", .type = FT_QT_TIME, .slot = FT_QS_SINCE, \
	  .required = 1, .help = "start of the period" }
#define REQUIRED_UNTIL \
	{ .name = "until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL, \
	  .required = 1, .end_of_day = 1, \
	  .help = "end of the period; a date includes that day" }
#define LIMIT_AFTER_COUNT \
	{ .name = "limit", .type = FT_QT_INT, .slot = FT_QS_LIMIT, .min = 1, \
	  .max = { INT64_MAX, LIST_MAX, 200 }, \
	  .def = { 0, LIST_DEFAULT, 20 }, \
	  .help = "how many to list after the count (default 20)" }

static const ft_query_param p_period[] = {
	PERIOD_SINCE, PERIOD_UNTIL,
	{ NULL }
};
static const ft_query_param p_by_time[] = {
	{ .name = "by", .type = FT_QT_ENUM, .slot = FT_QS_BY,
	  .required = 1, .choices = bys,
	  .help = "weekday: visits per local day of the week; hour: per "
	  "local hour of the day" },
	PERIOD_SINCE, PERIOD_UNTIL,
	{ NULL }
};
static const ft_query_param p_lapsed[] = {
	{ .name = "days", .type = FT_QT_INT, .slot = FT_QS_DAYS, .min = 1,
	  .max = ALL3(3660), .def = ALL3(30),
	  .help = "not seen for more than this many days (default 30)" },
	{ .name = "min-visits", .type = FT_QT_INT, .slot = FT_QS_MIN_VISITS,
	  .min = 1, .max = { INT64_MAX, INT64_MAX, 1000000000 },
	  .def = ALL3(1), .help = "who had come at least this many times "
	  "(default 1)" },
	LIMIT_AFTER_COUNT,
	{ NULL }
};
static const ft_query_param p_loyal[] = {
	REQUIRED_SINCE, REQUIRED_UNTIL,
	LIMIT_AFTER_COUNT,
	{ NULL }
};
static const ft_query_param p_compare[] = {
	REQUIRED_SINCE, REQUIRED_UNTIL,
	{ .name = "against-since", .type = FT_QT_TIME, .slot = FT_QS_SINCE2,
	  .required = 1, .help = "start of the period compared against" },
	{ .name = "against-until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL2,
	  .required = 1, .end_of_day = 1, .help = "end of the period "
	  "compared against; a date includes that day" },
	{ NULL }
};

/* --- the audit trail and a customer's export --- */

#define ON_CLI_HTTP \
	(FT_QUERY_ON(FT_QUERY_CLI) | FT_QUERY_ON(FT_QUERY_HTTP))

/* {"type":"audit","id","ts","actor","action","customer","fields",
 *  "detail"}: every member always there, for tables and CSV. */
static jv
audit_record(const ft_audit *e)
{
	jv o = jv_object(), fields = jv_array(), detail = jv_null();
	const char *p, *comma;

	for (p = e->fields; p && *p; p = comma ? comma + 1 : p + strlen(p)) {
		comma = strchr(p, ',');
		fields = jv_array_append(fields, jv_string_sized(p,
			 comma ? (int)(comma - p) : (int)strlen(p)));
	}
	if (e->detail)
		detail = jv_parse(e->detail);
	if (!jv_is_valid(detail)) {
		jv_free(detail);
		detail = jv_null();
	}
	o = jv_object_set(o, jv_string("type"), jv_string("audit"));
	o = jv_object_set(o, jv_string("id"), jv_number((double)e->id));
	o = jv_object_set(o, jv_string("ts"), ft_record_time(e->ts));
	o = jv_object_set(o, jv_string("actor"), jv_string(e->actor));
	o = jv_object_set(o, jv_string("action"), jv_string(e->action));
	o = jv_object_set(o, jv_string("customer"), e->customer
			  ? jv_string(e->customer) : jv_null());
	o = jv_object_set(o, jv_string("fields"), fields);
	return jv_object_set(o, jv_string("detail"), detail);
}

static int
audit_row(void *p, const ft_audit *e)
{
	struct relay *r = p;

	return r->emit(r->ctx, audit_record(e));
}

/* The entries of one customer: one that exists (a uuid or a unique
 * prefix), or the full uuid of one merged away or forgotten. */
static int
run_audit(ft_store *s, const ft_query_args *a, ft_emit_fn emit, void *ctx)
{
	const char *id = a->s[FT_QS_CUSTOMER];
	ft_audit_filter f = { 0 };
	struct relay r = { emit, ctx };
	ft_customer c = { 0 };
	int rc = FT_OK;

	f.since = a->t[FT_QS_SINCE];
	f.until = a->t[FT_QS_UNTIL];
	f.descending = (int)a->n[FT_QS_REVERSE];
	f.limit = a->n[FT_QS_LIMIT];
	if (id) {
		rc = ft_store_customer_get(s, id, &c);
		if (rc == FT_ENOTFOUND && strlen(id) == FT_UUID_LEN) {
			snprintf(c.uuid, sizeof c.uuid, "%s", id);
			rc = FT_OK;
		}
		if (rc != FT_OK)
			return rc;
		f.customer = c.uuid;
	}
	rc = ft_store_audits(s, &f, audit_row, &r);
	ft_customer_clear(&c);
	return rc;
}

static const ft_query_param p_audit[] = {
	{ .name = "since", .type = FT_QT_TIME, .slot = FT_QS_SINCE,
	  .help = "entries at or after" },
	{ .name = "until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL,
	  .end_of_day = 1, .help = "entries before; a date includes that "
	  "day" },
	{ .name = "customer", .type = FT_QT_STRING, .slot = FT_QS_CUSTOMER,
	  .max = { 0, 64, 64 }, .help = "only this customer's entries" },
	{ .name = "limit", .type = FT_QT_INT, .slot = FT_QS_LIMIT, .min = 1,
	  .max = { INT64_MAX, LIST_MAX, 200 }, .def = { 0, LIST_DEFAULT, 50 },
	  .help = "how many" },
	{ .name = "reverse", .type = FT_QT_BOOL, .slot = FT_QS_REVERSE,
	  .help = "newest first" },
	{ NULL }
};
static const ft_query_param p_export[] = { { NULL } };

/* The export's writer: a section's items are separated by commas. */
struct exporter {
	ft_write_fn write;
	void *ctx;
	int items;		/* items written in the current section */
	const ft_customer *c;	/* whose export it is */
	int64_t visits;		/* visits written so far */
	int64_t *samples;	/* the ids of the samples written */
	size_t nsamples;
};

static int
put_text(struct exporter *x, const char *text)
{
	return x->write(x->ctx, text, strlen(text));
}

/* Write v (consumed) as the next item of a section. */
static int
put_item(struct exporter *x, jv v)
{
	jv text = jv_dump_string(v, 0);
	int rc = 0;

	if (x->items++)
		rc = put_text(x, ",");
	if (!rc)
		rc = put_text(x, jv_string_value(text));
	jv_free(text);
	return rc;
}

/* Visits are read bare, in time order: numbering them here saves the
 * count per visit that a listing makes, which grows with the square of
 * one customer's history. */
static int
export_visit(void *p, const ft_visit *bare)
{
	struct exporter *x = p;
	ft_visit v = *bare;
	jv rec;

	snprintf(v.customer, sizeof v.customer, "%s", x->c->uuid);
	v.number = ++x->visits;
	rec = ft_record_visit(&v, x->c);

	/* The customer is the document's: no need to repeat them. */
	rec = jv_object_delete(rec, jv_string("type"));
	return put_item(p, rec);
}

static int
export_face(void *p, const ft_face *f)
{
	struct exporter *x = p;
	char *b64 = ft_base64_encode(f->descriptor, sizeof f->descriptor);
	jv o = jv_object();

	x->samples = ft_xrealloc(x->samples, (x->nsamples + 1) *
				 sizeof *x->samples);
	x->samples[x->nsamples++] = f->id;
	o = jv_object_set(o, jv_string("id"), jv_number((double)f->id));
	o = jv_object_set(o, jv_string("created"),
			  ft_record_time(f->created_at));
	o = jv_object_set(o, jv_string("quality"), jv_number(f->quality));
	o = jv_object_set(o, jv_string("descriptor"), jv_string(b64));
	free(b64);
	return put_item(p, o);
}

static int
export_event(void *p, const ft_event *e)
{
	jv o = jv_object(), payload = jv_parse(e->payload ? e->payload : "");

	if (!jv_is_valid(payload)) {
		jv_free(payload);
		payload = e->payload ? jv_string(e->payload) : jv_null();
	}
	o = jv_object_set(o, jv_string("id"), jv_number((double)e->id));
	o = jv_object_set(o, jv_string("ts"), ft_record_time(e->ts));
	o = jv_object_set(o, jv_string("kind"), jv_string(e->kind));
	o = jv_object_set(o, jv_string("payload"), payload);
	return put_item(p, o);
}

static int
export_audit(void *p, const ft_audit *e)
{
	return put_item(p, jv_object_delete(audit_record(e),
					    jv_string("type")));
}

/* The crops of the samples written, each read when its turn comes (not
 * while the samples are listed: one statement at a time). */
static int
export_crops(ft_store *s, struct exporter *x)
{
	unsigned char *jpeg;
	char *b64;
	size_t i, len;
	jv o;
	int rc = FT_OK;

	for (i = 0; i < x->nsamples && rc == FT_OK; i++) {
		rc = ft_store_face_crop(s, x->samples[i], &jpeg, &len);
		if (rc == FT_ENOTFOUND) {
			rc = FT_OK;	/* a sample without one */
			continue;
		}
		if (rc != FT_OK)
			break;
		b64 = ft_base64_encode(jpeg, len);
		free(jpeg);
		o = jv_object_set(jv_object(), jv_string("sample"),
				  jv_number((double)x->samples[i]));
		o = jv_object_set(o, jv_string("jpeg"), jv_string(b64));
		free(b64);
		rc = put_item(x, o);
	}
	return rc;
}

/* Open the next section: "],\"name\":[" after the first. */
static int
section(struct exporter *x, const char *name)
{
	char buf[64];

	x->items = 0;
	snprintf(buf, sizeof buf, "],\"%s\":[", name);
	return put_text(x, buf);
}

int
ft_query_export(ft_store *s, const char *id, ft_write_fn write, void *ctx)
{
	struct exporter x = { write, ctx, 0, NULL, 0, NULL, 0 };
	ft_visit_filter vf = { 0 };
	ft_audit_filter af = { 0 };
	ft_customer c;
	jv head;
	int rc;

	if ((rc = ft_store_customer_get(s, id, &c)) != FT_OK)
		return rc;
	if ((rc = ft_store_audit(s, "export", c.uuid, NULL, NULL)) != FT_OK) {
		ft_customer_clear(&c);
		return rc;
	}
	head = jv_object_set(jv_object(), jv_string("type"),
			     jv_string("export"));
	head = jv_object_set(head, jv_string("exported"),
			     ft_record_time(ft_time_now()));
	head = jv_object_set(head, jv_string("customer"),
			     ft_record_customer(&c));
	head = jv_dump_string(head, 0);
	/* The head without its closing brace, then the sections. */
	rc = write(ctx, jv_string_value(head),
		   (size_t)jv_string_length_bytes(jv_copy(head)) - 1);
	jv_free(head);
	if (!rc)
		rc = put_text(&x, ",\"visits\":[");
	vf.customer_id = c.id;
	vf.bare = 1;
	x.c = &c;
	if (!rc)
		rc = ft_store_visits(s, &vf, export_visit, &x);
	if (!rc && !(rc = section(&x, "faces")))
		rc = ft_store_faces(s, c.id, 0, export_face, &x);
	if (!rc && !(rc = section(&x, "crops")))
		rc = export_crops(s, &x);
	if (!rc)
		rc = section(&x, "events");
	if (!rc)
		rc = ft_store_customer_events(s, c.id, export_event, &x);
	af.customer = c.uuid;
	if (!rc && !(rc = section(&x, "audit")))
		rc = ft_store_audits(s, &af, export_audit, &x);
	if (!rc)
		rc = put_text(&x, "]}\n");
	free(x.samples);
	ft_customer_clear(&c);
	return rc;
}

struct sample_ids {
	int64_t *v;
	size_t n;
};

static int
collect_sample(void *p, const ft_face *f)
{
	struct sample_ids *ids = p;

	ids->v = ft_xrealloc(ids->v, (ids->n + 1) * sizeof *ids->v);
	ids->v[ids->n++] = f->id;
	return 0;
}

/* Write jpeg to dir/ID.jpg, replacing only a regular file of that
 * name.  -1 with a message in err. */
static int
write_crop(const char *dir, int64_t id, const unsigned char *jpeg,
	   size_t len, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat sb;
	ssize_t w;
	size_t off = 0;
	int fd;

	if (snprintf(path, sizeof path, "%s/%lld.jpg", dir, (long long)id)
	    >= (int)sizeof path) {
		ft_seterr(err, errlen, "'%s': path too long", dir);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		ft_seterr(err, errlen, "cannot write '%s': %s", path,
			  fd < 0 && errno == ELOOP ? "a symbolic link is in "
			  "the way" : fd < 0 ? strerror(errno) :
			  "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (ftruncate(fd, 0))
		off = len + 1;
	while (off < len && (w = write(fd, jpeg + off, len - off)) > 0)
		off += (size_t)w;
	if (close(fd) || off != len) {
		ft_seterr(err, errlen, "cannot write '%s': %s", path,
			  strerror(errno));
		return -1;
	}
	return 0;
}

/* Make dir (0700: crops are biometric data) unless it is a directory. */
static int
crops_dir(const char *dir, char *err, size_t errlen)
{
	struct stat sb;

	if (!mkdir(dir, 0700) || (errno == EEXIST && !stat(dir, &sb) &&
	    S_ISDIR(sb.st_mode)))
		return 0;
	ft_seterr(err, errlen, "cannot make directory '%s': %s", dir,
		  errno == EEXIST ? "a file is in the way" : strerror(errno));
	return -1;
}

int
ft_query_write_crops(ft_store *s, const char *id, const char *dir,
		     size_t *written, char *err, size_t errlen)
{
	struct sample_ids ids = { NULL, 0 };
	unsigned char *jpeg;
	ft_customer c;
	char detail[64];
	size_t i, len;
	int rc;

	*written = 0;
	if ((rc = ft_store_customer_get(s, id, &c)) != FT_OK) {
		ft_seterr(err, errlen, "%s", ft_store_errmsg(s));
		return rc;
	}
	rc = ft_store_faces(s, c.id, 0, collect_sample, &ids);
	if (rc == FT_OK && crops_dir(dir, err, errlen))
		rc = FT_EFAIL;
	else if (rc != FT_OK)
		ft_seterr(err, errlen, "%s", ft_store_errmsg(s));
	for (i = 0; i < ids.n && rc == FT_OK; i++) {
		rc = ft_store_face_crop(s, ids.v[i], &jpeg, &len);
		if (rc == FT_ENOTFOUND) {
			rc = FT_OK;	/* a sample without one */
			continue;
		}
		if (rc != FT_OK) {
			ft_seterr(err, errlen, "%s", ft_store_errmsg(s));
			break;
		}
		if (write_crop(dir, ids.v[i], jpeg, len, err, errlen))
			rc = FT_EFAIL;
		else
			++*written;
		free(jpeg);
	}
	/* Face images leaving the store are an export: audited, with the
	 * count of what was written even after a failure. */
	snprintf(detail, sizeof detail, "{\"crops\":%zu}", *written);
	if (*written && ft_store_audit(s, "export-crops", c.uuid, NULL,
				       detail) != FT_OK && rc == FT_OK) {
		ft_seterr(err, errlen, "%s", ft_store_errmsg(s));
		rc = FT_EFAIL;
	}
	free(ids.v);
	ft_customer_clear(&c);
	return rc;
}

/* --- a customer's face samples --- */

struct sample_relay {
	struct relay r;
	const char *uuid;
};

static int
sample_row(void *p, const ft_face *f)
{
	struct sample_relay *x = p;

	return x->r.emit(x->r.ctx, ft_record_sample(f, x->uuid));
}

/* The samples of one customer, oldest first: the ids that ft-enroll
 * split and remove-face take. */
static int
run_faces(ft_store *s, const ft_query_args *a, ft_emit_fn emit, void *ctx)
{
	struct sample_relay x = { { emit, ctx }, NULL };
	ft_customer c;
	int rc;

	if ((rc = ft_store_customer_get(s, a->s[FT_QS_CUSTOMER], &c)))
		return rc;
	x.uuid = c.uuid;
	rc = ft_store_faces(s, c.id, 0, sample_row, &x);
	ft_customer_clear(&c);
	return rc;
}

/* ft-query takes the customer as its argument, ft-serve as ?customer=. */
static const ft_query_param p_faces[] = {
	{ .name = "customer", .type = FT_QT_STRING, .slot = FT_QS_CUSTOMER,
	  .only = FT_QUERY_ON(FT_QUERY_HTTP), .required = 1,
	  .max = { 0, 64, 64 }, .help = "the customer's id" },
	{ NULL }
};

/* In the order the model is offered them. */
static const ft_query_op ops[] = {
	{ FT_QOP_STATS, "stats", "get_stats", ON_ALL, -1, p_none,
	  "The dashboard's figures: total customers, customers registered "
	  "today, visits today, visits in the last 7 days (today included) "
	  "and the returning rate (share of customers with a visit who have "
	  "two or more, 0 to 1)." },
	{ FT_QOP_TREND, "trend", "get_trend", ON_ALL, -1, p_trend,
	  "Visits per day and new customers per day for the days ending "
	  "today, days without any included as 0." },
	{ FT_QOP_COUNT, "count", "count", ON_TOOL, -1, p_count,
	  "Count the visits, the distinct customers who visited, or the "
	  "customers registered, in a period (all time without since and "
	  "until)." },
	{ FT_QOP_TOP, "top", "top_customers", ON_ALL, -1, p_top,
	  "The customers with the most visits in a period (all time without "
	  "one), most first, each with visits_in_range." },
	{ FT_QOP_CUSTOMERS, "customers", "find_customers", ON_ALL, -1,
	  p_customers, "Customer records (id, name, email, created, "
	  "last_visit, visits) matching a name part and other filters." },
	{ FT_QOP_CUSTOMER, "customer", "get_customer", ON_ALL, FT_QS_ID,
	  p_customer, "One customer's record and their most recent visits." },
	{ FT_QOP_VISITS, "visits", "list_visits", ON_ALL, -1, p_visits,
	  "Visit records (customer, name, time, source, the visit's number "
	  "in the customer's history), oldest first unless reversed." },
	{ FT_QOP_CENSUS, "count-customers", "count_customers", ON_ALL, -1,
	  p_census, "Count the customers with or without an e-mail address, "
	  "consent or a name, registered in a period, with at least some "
	  "visits; {\"customers\": N}." },
	{ FT_QOP_AVERAGES, "averages", "get_averages", ON_ALL, -1, p_period,
	  "In a period (all time without one): visits, visitors (distinct "
	  "customers), visits_per_customer (visits / visitors), days (the "
	  "local days of the period; all time: from the first visit to "
	  "today), visits_per_day, repeat_visitors (visitors with two or "
	  "more visits in the period), repeat_rate (their share, 0 to 1), "
	  "and with a since: returning_visitors (visitors registered before "
	  "the period) and new_visitors (registered in it)." },
	{ FT_QOP_BY_TIME, "by-time", "visits_by_time", ON_ALL, -1, p_by_time,
	  "Visits per local day of the week (Monday first) or per local "
	  "hour (00 to 23) in a period, with the busiest ones." },
	{ FT_QOP_LAPSED, "lapsed", "lapsed_customers", ON_ALL, -1, p_lapsed,
	  "Customers not seen for more than some days who had come at "
	  "least some times: first a count record {\"customers\": N}, then "
	  "customer records, the longest absent first." },
	{ FT_QOP_LOYAL, "loyal", "loyal_customers", ON_ALL, -1, p_loyal,
	  "Customers who came in every week (Monday to Sunday) that a "
	  "period touches, counting only the period's visits: first a "
	  "count record {\"customers\": N, \"weeks\": W}, then customer "
	  "records with visits_in_range, most first." },
	{ FT_QOP_COMPARE, "compare", "compare_periods", ON_ALL, -1,
	  p_compare, "Visits, visitors and new customers of a period and of "
	  "another it is compared against, with each change as a "
	  "difference and a per cent of the other period (null when that "
	  "was 0)." },
	{ FT_QOP_AUDIT, "audit", NULL, ON_CLI_HTTP, -1, p_audit,
	  "Audit entries: who changed which customer's data, and how." },
	{ FT_QOP_EXPORT, "export", NULL, FT_QUERY_ON(FT_QUERY_CLI), FT_QS_ID,
	  p_export, "Everything held about one customer." },
	{ FT_QOP_FACES, "faces", NULL, ON_CLI_HTTP, FT_QS_CUSTOMER, p_faces,
	  "One customer's face samples (id, quality, created)." },
	{ 0, NULL, NULL, 0, -1, NULL, NULL }
};

const ft_query_op *
ft_query_ops(void)
{
	return ops;
}

const ft_query_op *
ft_query_op_find(enum ft_query_surface surface, const char *name)
{
	const ft_query_op *op;

	for (op = ops; op->name; op++)
		if ((op->on & FT_QUERY_ON(surface)) &&
		    !strcmp(surface == FT_QUERY_TOOL ? op->tool : op->name,
			    name))
			return op;
	return NULL;
}

static int
param_on(const ft_query_param *p, enum ft_query_surface surface)
{
	return !p->only || (p->only & FT_QUERY_ON(surface));
}

/* Whether given is p's name on surface: tools write '_' for '-'. */
static int
name_is(const ft_query_param *p, enum ft_query_surface surface,
	const char *given)
{
	const char *n = p->name;

	if (surface != FT_QUERY_TOOL)
		return !strcmp(n, given);
	for (; *n && *given; n++, given++)
		if (*given != (*n == '-' ? '_' : *n))
			return 0;
	return !*n && !*given;
}

const ft_query_param *
ft_query_param_find(const ft_query_op *op, enum ft_query_surface surface,
		    const char *name)
{
	const ft_query_param *p;

	for (p = op->params; p->name; p++)
		if (param_on(p, surface) && name_is(p, surface, name))
			return p;
	return NULL;
}

void
ft_query_args_init(ft_query_args *a, const ft_query_op *op,
		   enum ft_query_surface surface, int64_t now)
{
	const ft_query_param *p;

	memset(a, 0, sizeof *a);
	a->op = op;
	a->surface = surface;
	a->now = now;
	for (p = op->params; p->name; p++)
		if (param_on(p, surface))
			a->n[p->slot] = p->def[surface];
}

void
ft_query_args_clear(ft_query_args *a)
{
	int i;

	for (i = 0; i < FT_QS_COUNT; i++)
		free(a->s[i]);
	memset(a, 0, sizeof *a);
}

const ft_query_param *
ft_query_missing(const ft_query_args *a)
{
	const ft_query_param *p;

	for (p = a->op->params; p->name; p++)
		if (p->required && param_on(p, a->surface) &&
		    !ft_query_given(a, p->slot))
			return p;
	return NULL;
}

int
ft_query_given(const ft_query_args *a, enum ft_query_slot slot)
{
	return (a->given >> slot) & 1;
}

static void
keep(ft_query_args *a, enum ft_query_slot slot, const char *text)
{
	free(a->s[slot]);
	a->s[slot] = ft_xstrdup(text);
	a->given |= 1u << slot;
}

void
ft_query_set_arg(ft_query_args *a, const char *text)
{
	if (a->op->arg >= 0)
		keep(a, (enum ft_query_slot)a->op->arg, text);
}

/* The index of text among p's choices, or -1. */
static int
choice(const ft_query_param *p, const char *text)
{
	int i;

	for (i = 0; p->choices[i]; i++)
		if (!strcmp(p->choices[i], text))
			return i;
	return -1;
}

/* p's choices as "a, b, c", the last after sep (", " or " or "). */
static void
choice_list(const ft_query_param *p, const char *sep, char *buf,
	    size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; p->choices[i] && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					!i ? "" : p->choices[i + 1] ? ", "
					: sep, p->choices[i]);
}

static const char time_syntax[] =
	"YYYY-MM-DD, YYYY-MM-DDTHH:MM (local time), now, today, yesterday, "
	"or a span before now: 7d, 12h, 30m";

/* The message for text, a bad value of p, in the words of a's surface. */
static int
bad_text(const ft_query_args *a, const ft_query_param *p, const char *text,
	 char *err, size_t errlen)
{
	long long max = p->max[a->surface];
	char hint[160] = "", list[128];

	if (p->type == FT_QT_INT && max != INT64_MAX)
		snprintf(hint, sizeof hint, " (%lld to %lld)", p->min, max);
	else if (a->surface == FT_QUERY_HTTP && p->type == FT_QT_BOOL)
		snprintf(hint, sizeof hint, " (true or false)");
	else if (a->surface == FT_QUERY_HTTP && p->type == FT_QT_ENUM) {
		choice_list(p, " or ", list, sizeof list);
		snprintf(hint, sizeof hint, " (%s)", list);
	}
	if (a->surface != FT_QUERY_CLI)
		ft_seterr(err, errlen, "bad '%s': '%.40s'%s", p->name, text,
			  hint);
	else if (p->type == FT_QT_TIME)
		ft_seterr(err, errlen, "bad time for --%s: '%s'", p->name,
			  text);
	else
		ft_seterr(err, errlen, "bad --%s: '%s'%s", p->name, text,
			  hint);
	return FT_EINVAL;
}

/* Read text (NULL: a flag without value) into a as p's value; -1 when
 * it is not one. */
static int
read_text(ft_query_args *a, const ft_query_param *p, const char *text)
{
	long long n = 0;

	switch (p->type) {
	case FT_QT_STRING:
		break;
	case FT_QT_INT:
		if (ft_parse_int(text, p->min, p->max[a->surface], &n))
			return -1;
		break;
	case FT_QT_BOOL:
		if (!text || !*text || !strcmp(text, "1") ||
		    !strcmp(text, "true"))
			n = 1;
		else if (strcmp(text, "0") && strcmp(text, "false"))
			return -1;
		break;
	case FT_QT_ENUM:
		if ((n = choice(p, text)) < 0)
			return -1;
		break;
	case FT_QT_TIME:
		if (ft_time_parse(text, a->now, p->end_of_day,
				  &a->t[p->slot]) != 0)
			return -1;
		break;
	}
	a->n[p->slot] = n;
	keep(a, p->slot, text ? text : "");
	return 0;
}

int
ft_query_set(ft_query_args *a, const char *name, const char *text,
	     char *err, size_t errlen)
{
	const ft_query_param *p = ft_query_param_find(a->op, a->surface,
						      name);

	if (!p)
		return FT_ENOTFOUND;
	if (p->type != FT_QT_BOOL && !text)
		text = "";
	if (read_text(a, p, text) != 0)
		return bad_text(a, p, text ? text : "", err, errlen);
	return FT_OK;
}

/* --- tools: arguments as JSON --- */

/* p's name as tools spell it: min_visits. */
static const char *
tool_name(const ft_query_param *p, char *buf, size_t len)
{
	char *c;

	snprintf(buf, len, "%s", p->name);
	for (c = buf; *c; c++)
		if (*c == '-')
			*c = '_';
	return buf;
}

/* Read v (consumed; not null) into a as p's value; FT_EINVAL with the
 * model's message when it is not one. */
static int
read_json(ft_query_args *a, const ft_query_param *p, const char *name,
	  jv v, char *err, size_t errlen)
{
	jv_kind kind = jv_get_kind(v);
	const char *bad = NULL;
	char list[128];
	double d = kind == JV_KIND_NUMBER ? jv_number_value(v) : 0.5;
	long long max = p->max[FT_QUERY_TOOL];
	int rc = FT_OK;

	switch (p->type) {
	case FT_QT_INT:
		/* Compared before the cast: a double out of long long's
		 * range (1e300, 2^63) or NaN has no value as one. */
		if (kind != JV_KIND_NUMBER || !(d >= (double)p->min &&
		    d <= (double)max && d < 0x1p63) ||
		    d != (double)(long long)d) {
			ft_seterr(err, errlen, "'%s' must be an integer from "
				  "%lld to %lld", name, p->min, max);
			rc = FT_EINVAL;
			break;
		}
		a->n[p->slot] = (long long)d;
		a->given |= 1u << p->slot;
		break;
	case FT_QT_BOOL:
		if (kind != JV_KIND_TRUE && kind != JV_KIND_FALSE)
			bad = "true or false";
		a->n[p->slot] = kind == JV_KIND_TRUE;
		a->given |= 1u << p->slot;
		break;
	case FT_QT_STRING:
		if (kind != JV_KIND_STRING)
			bad = "a string";
		else if (jv_string_length_codepoints(jv_copy(v)) > max ||
			 !*jv_string_value(v))
			bad = "a shorter, non-empty string";
		else
			keep(a, p->slot, jv_string_value(v));
		break;
	case FT_QT_TIME:
		if (kind != JV_KIND_STRING)
			bad = "a time";
		else if (read_text(a, p, jv_string_value(v)) != 0) {
			ft_seterr(err, errlen, "'%s' is not a time: '%s' (%s)",
				  name, jv_string_value(v), time_syntax);
			rc = FT_EINVAL;
		}
		break;
	case FT_QT_ENUM:
		if (kind != JV_KIND_STRING ||
		    read_text(a, p, jv_string_value(v)) != 0) {
			choice_list(p, ", ", list, sizeof list);
			ft_seterr(err, errlen, "'%s' must be one of %s",
				  name, list);
			rc = FT_EINVAL;
		}
		break;
	}
	jv_free(v);
	if (bad) {
		ft_seterr(err, errlen, "'%s' must be %s", name, bad);
		rc = FT_EINVAL;
	}
	return rc;
}

/* The first member of obj that names no tool parameter of op, or an
 * invalid jv. */
static jv
unknown_member(const ft_query_op *op, jv obj)
{
	jv keys = jv_keys(obj), k = jv_invalid();
	int i, n = jv_array_length(jv_copy(keys));

	for (i = 0; i < n; i++) {
		k = jv_array_get(jv_copy(keys), i);
		if (!ft_query_param_find(op, FT_QUERY_TOOL,
					 jv_string_value(k)))
			break;
		jv_free(k);
		k = jv_invalid();
	}
	jv_free(keys);
	return k;
}

int
ft_query_set_json(ft_query_args *a, jv obj, char *err, size_t errlen)
{
	const ft_query_param *p;
	const char *tool = a->op->tool;
	int rc = FT_OK;
	jv k;

	if (jv_get_kind(obj) == JV_KIND_NULL) {
		jv_free(obj);
		obj = jv_object();
	}
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		jv_free(obj);
		ft_seterr(err, errlen, "the arguments of %s must be a JSON "
			  "object", tool);
		return FT_EINVAL;
	}
	if (jv_is_valid(k = unknown_member(a->op, jv_copy(obj)))) {
		ft_seterr(err, errlen, "%s takes no argument '%s'", tool,
			  jv_string_value(k));
		jv_free(k);
		jv_free(obj);
		return FT_EINVAL;
	}
	for (p = a->op->params; p->name && rc == FT_OK; p++) {
		char key[64];
		jv v;

		if (!param_on(p, FT_QUERY_TOOL))
			continue;
		tool_name(p, key, sizeof key);
		v = jv_object_get(jv_copy(obj), jv_string(key));
		if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL) {
			rc = read_json(a, p, key, v, err, errlen);
			continue;
		}
		jv_free(v);
		if (p->required) {
			ft_seterr(err, errlen, "%s needs the argument '%s'",
				  tool, key);
			rc = FT_EINVAL;
		}
	}
	jv_free(obj);
	return rc;
}

/* --- tools: declarations --- */

static jv
param_schema(const ft_query_param *p)
{
	jv o = jv_object(), e;
	int i;

	switch (p->type) {
	case FT_QT_INT:
		o = jv_object_set(o, jv_string("type"), jv_string("integer"));
		o = jv_object_set(o, jv_string("minimum"),
				  jv_number((double)p->min));
		o = jv_object_set(o, jv_string("maximum"),
				  jv_number((double)p->max[FT_QUERY_TOOL]));
		break;
	case FT_QT_STRING:
		o = jv_object_set(o, jv_string("type"), jv_string("string"));
		o = jv_object_set(o, jv_string("maxLength"),
				  jv_number((double)p->max[FT_QUERY_TOOL]));
		break;
	case FT_QT_BOOL:
		o = jv_object_set(o, jv_string("type"), jv_string("boolean"));
		break;
	case FT_QT_TIME:
		o = jv_object_set(o, jv_string("type"), jv_string("string"));
		break;
	case FT_QT_ENUM:
		e = jv_array();
		for (i = 0; p->choices[i]; i++)
			e = jv_array_append(e, jv_string(p->choices[i]));
		o = jv_object_set(o, jv_string("type"), jv_string("string"));
		o = jv_object_set(o, jv_string("enum"), e);
		break;
	}
	return jv_object_set(o, jv_string("description"),
			     p->type == FT_QT_TIME
			     ? jv_string_fmt("%s: %s", p->help, time_syntax)
			     : jv_string(p->help));
}

jv
ft_query_tool_decl(const ft_query_op *op)
{
	jv props = jv_object(), req = jv_array(), params = jv_object();
	const ft_query_param *p;
	char key[64];

	for (p = op->params; p->name; p++) {
		if (!param_on(p, FT_QUERY_TOOL))
			continue;
		tool_name(p, key, sizeof key);
		props = jv_object_set(props, jv_string(key), param_schema(p));
		if (p->required)
			req = jv_array_append(req, jv_string(key));
	}
	params = jv_object_set(params, jv_string("type"), jv_string("object"));
	params = jv_object_set(params, jv_string("properties"), props);
	params = jv_object_set(params, jv_string("required"), req);
	params = jv_object_set(params, jv_string("additionalProperties"),
			       jv_false());
	return JV_OBJECT(jv_string("type"), jv_string("function"),
			 jv_string("function"),
			 JV_OBJECT(jv_string("name"), jv_string(op->tool),
				   jv_string("description"),
				   jv_string(op->help),
				   jv_string("parameters"), params));
}

/* --- ft-query's options --- */

size_t
ft_query_options(struct option *o, size_t max, int val)
{
	const ft_query_op *op;
	const ft_query_param *p;
	size_t n = 0, i;

	for (op = ops; op->name; op++) {
		if (!(op->on & FT_QUERY_ON(FT_QUERY_CLI)))
			continue;
		for (p = op->params; p->name && n < max; p++) {
			if (!param_on(p, FT_QUERY_CLI))
				continue;
			for (i = 0; i < n; i++)
				if (!strcmp(o[i].name, p->name))
					break;
			if (i < n)
				continue;
			o[n].name = p->name;
			o[n].has_arg = p->type == FT_QT_BOOL ? no_argument
				       : required_argument;
			o[n].flag = NULL;
			o[n].val = val;
			n++;
		}
	}
	return n;
}

/* --- running --- */

static int
run_visits(ft_store *s, const ft_query_args *a, ft_emit_fn emit,
	   void *ctx)
{
	ft_visit_filter f = { 0 };
	ft_customer cu;
	int rc;

	f.since = a->t[FT_QS_SINCE];
	f.until = a->t[FT_QS_UNTIL];
	f.source = a->s[FT_QS_SOURCE];
	f.descending = (int)a->n[FT_QS_REVERSE];
	f.limit = a->n[FT_QS_LIMIT];
	if (!a->s[FT_QS_CUSTOMER])
		return ft_query_visits(s, &f, emit, ctx);
	rc = ft_store_customer_get(s, a->s[FT_QS_CUSTOMER], &cu);
	if (rc != FT_OK)
		return rc;
	f.customer_id = cu.id;
	rc = ft_query_visits(s, &f, emit, ctx);
	ft_customer_clear(&cu);
	return rc;
}

int
ft_query_run(ft_store *s, const ft_query_args *a, ft_emit_fn emit,
	     void *ctx)
{
	const int64_t *t = a->t;
	const long long *n = a->n;
	ft_customer_filter cf = { 0 };

	switch (a->op->id) {
	case FT_QOP_STATS:
		return ft_query_stats(s, a->now, emit, ctx);
	case FT_QOP_TREND:
		return ft_query_trend(s, (int)n[FT_QS_DAYS], a->now, emit,
				      ctx);
	case FT_QOP_COUNT:
		/* whats[] is in the order of the FT_COUNT_* bits. */
		return ft_query_count(s, t[FT_QS_SINCE], t[FT_QS_UNTIL],
				      1u << n[FT_QS_WHAT], emit, ctx);
	case FT_QOP_TOP:
		return ft_query_top(s, t[FT_QS_SINCE], t[FT_QS_UNTIL],
				    n[FT_QS_LIMIT], emit, ctx);
	case FT_QOP_CUSTOMERS:
		cf.name = a->s[FT_QS_NAME];
		cf.since = t[FT_QS_SINCE];
		cf.until = t[FT_QS_UNTIL];
		cf.min_visits = n[FT_QS_MIN_VISITS];
		/* sorts[] is in the order of FT_SORT_*. */
		cf.sort = (enum ft_customer_sort)n[FT_QS_SORT];
		cf.descending = (int)n[FT_QS_REVERSE];
		cf.limit = n[FT_QS_LIMIT];
		cf.named = (int)n[FT_QS_NAMED];
		cf.consent = (int)n[FT_QS_CONSENT];
		cf.after = a->s[FT_QS_AFTER];
		return ft_query_customers(s, &cf, emit, ctx);
	case FT_QOP_CUSTOMER:
		return ft_query_customer(s, a->s[FT_QS_ID], emit, ctx);
	case FT_QOP_VISITS:
		return run_visits(s, a, emit, ctx);
	case FT_QOP_CENSUS:
		return run_census(s, a, emit, ctx);
	case FT_QOP_AVERAGES:
		return run_averages(s, a, emit, ctx);
	case FT_QOP_BY_TIME:
		return run_by_time(s, a, emit, ctx);
	case FT_QOP_LAPSED:
		return run_lapsed(s, a, emit, ctx);
	case FT_QOP_LOYAL:
		return run_loyal(s, a, emit, ctx);
	case FT_QOP_COMPARE:
		return run_compare(s, a, emit, ctx);
	case FT_QOP_AUDIT:
		return run_audit(s, a, emit, ctx);
	case FT_QOP_FACES:
		return run_faces(s, a, emit, ctx);
	default:
		return FT_EINVAL;
	}
}
