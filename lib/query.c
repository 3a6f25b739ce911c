/*
 * query — ft-query's operations as records.
 */
#include "query.h"
#include "record.h"
#include "times.h"
#include "util.h"

#include <stdlib.h>

struct relay {
	ft_emit_fn emit;
	void *ctx;
};

int
ft_query_stats(ft_store *s, int64_t now, ft_emit_fn emit, void *ctx)
{
	ft_stats st;
	int rc = ft_store_stats(s, now, &st);

	if (rc != FT_OK)
		return rc;
	return emit(ctx, ft_record_stats(&st));
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
