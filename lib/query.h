/*
 * query — the read operations of ft-query as records, shared by every
 * program that shows customer data (ft-query, and the chat and dashboard
 * programs), so that each figure is computed in one place.
 *
 * Each function passes its records to emit, which consumes them and
 * returns 0 to go on or nonzero to stop.  The functions return FT_OK, a
 * store code (see store.h; the message is in ft_store_errmsg) or emit's
 * nonzero value.
 */
#ifndef FT_QUERY_H
#define FT_QUERY_H

#include <stdint.h>

#include <jv.h>

#include "store.h"

typedef int (*ft_emit_fn)(void *ctx, jv rec);

/* One "stat" record. */
int ft_query_stats(ft_store *s, int64_t now, ft_emit_fn emit, void *ctx);

/* Two "series" records, visits_per_day and new_customers_per_day, for the
 * days local days ending with today (1 <= days <= 3660), zero days
 * included. */
int ft_query_trend(ft_store *s, int days, int64_t now, ft_emit_fn emit,
		   void *ctx);

/* "customer" records with "visits_in_range", most visits first. */
int ft_query_top(ft_store *s, int64_t since, int64_t until, int64_t limit,
		 ft_emit_fn emit, void *ctx);

int ft_query_customers(ft_store *s, const ft_customer_filter *f,
		       ft_emit_fn emit, void *ctx);

/* The customer (uuid or unique prefix), then their visits, oldest
 * first. */
int ft_query_customer(ft_store *s, const char *id, ft_emit_fn emit,
		      void *ctx);

int ft_query_visits(ft_store *s, const ft_visit_filter *f, ft_emit_fn emit,
		    void *ctx);

/* Figures of ft_query_count, as bits. */
enum {
	FT_COUNT_VISITS = 1,	/* visits with since <= ts < until */
	FT_COUNT_VISITORS = 2,	/* customers with a visit in the range */
	FT_COUNT_NEW = 4	/* customers registered in the range */
};

/*
 * One "count" record of the range since <= t < until (0: no bound) with
 * the figures asked for (what, FT_COUNT_* bits) as members "visits",
 * "visitors" and "new_customers", and the range as "since" and "until"
 * (null when unbounded).  Visits and new customers are counted by the
 * store as trend counts them; visitors are the distinct customers of
 * the visits that ft_query_visits lists for the range.  Blocks on the
 * store; memory grows with the visitors, not the visits.
 */
int ft_query_count(ft_store *s, int64_t since, int64_t until, unsigned what,
		   ft_emit_fn emit, void *ctx);

#endif
