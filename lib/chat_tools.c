/*
 * chat_tools — the tools the model and the offline engine call.
 *
 * The tools are the read operations of lib/query, declared to the model
 * from their table and checked against it, plus what only a chat does:
 * drawing a chart.  A tool's result is JSON for the model; a store
 * failure also ends the answer (see ft_chat_tool).
 */
#include "chat_priv.h"
#include "query.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESULT_MAX	(96 * 1024)	/* bytes of one tool result */

/* The per-day series first, then the by-time ones, then the bars of
 * other operations. */
static const char *const serieses[] = {
	"visits_per_day", "new_customers_per_day", "visits_by_weekday",
	"visits_by_hour", "top_customers", "compare", "customer_visits",
	"loyal_customers", NULL
};
enum { S_BY_HOUR = 3, S_TOP, S_COMPARE, S_CUSTOMER, S_LOYAL };

static const ft_query_param p_chart[] = {
	{ .name = "series", .type = FT_QT_ENUM, .slot = FT_QS_SERIES,
	  .required = 1, .choices = serieses, .help = "what to draw" },
	{ .name = "since", .type = FT_QT_TIME, .slot = FT_QS_SINCE,
	  .help = "first day (default: 29 days before today)" },
	{ .name = "until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL,
	  .end_of_day = 1, .help = "last day (default: today)" },
	{ .name = "limit", .type = FT_QT_INT, .slot = FT_QS_LIMIT, .min = 1,
	  .max = { 50, 50, 50 }, .def = { 10, 10, 10 },
	  .help = "top_customers, loyal_customers: how many customers "
	  "(default 10)" },
	{ .name = "against-since", .type = FT_QT_TIME, .slot = FT_QS_SINCE2,
	  .help = "compare: first day of the period compared against" },
	{ .name = "against-until", .type = FT_QT_TIME, .slot = FT_QS_UNTIL2,
	  .end_of_day = 1,
	  .help = "compare: last day of the period compared against" },
	{ .name = "customer", .type = FT_QT_STRING, .slot = FT_QS_CUSTOMER,
	  .max = { 0, 0, 64 }, .help = "customer_visits: the customer's id, "
	  "a UUID or a unique prefix of 8 or more characters" },
	{ .name = "title", .type = FT_QT_STRING, .slot = FT_QS_TITLE,
	  .max = { 0, 0, 120 }, .help = "the chart's title" },
	{ NULL }
};

static const ft_query_op chart_op = {
	FT_QOP_OTHER, "chart", "make_chart",
	FT_QUERY_ON(FT_QUERY_TOOL), -1, p_chart,
	"Draw a bar chart into an image file and show it: visits or new "
	"customers per day, or visits by weekday or hour, of a period "
	"(default: the last 30 days); top_customers, the customers with "
	"the most visits in a period (default: all time), limit of them; "
	"compare, the visits, visitors and new customers of a period (since, "
	"until) and of the one it is compared against (against_since, "
	"against_until); customer_visits, one customer's visits per month "
	"(customer; the period default: their whole history); "
	"loyal_customers, the visits of the customers who came every week "
	"of a period (since, until), limit of them.  Returns the "
	"figures drawn and the file's path, which the answer must name."
};

jv
ft_chat_tools(void)
{
	const ft_query_op *op;
	jv all = jv_array();

	for (op = ft_query_ops(); op->name; op++)
		if (op->on & FT_QUERY_ON(FT_QUERY_TOOL))
			all = jv_array_append(all, ft_query_tool_decl(op));
	return jv_array_append(all, ft_query_tool_decl(&chart_op));
}

struct run {
	ft_chat *e;
	ft_query_args a;	/* checked */
	int rc;			/* a store failure */
};

static jv
tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static jv
tool_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return jv_object_set(jv_object(), jv_string("error"), jv_string(msg));
}

/* After a query: a store failure ends the answer; a missing customer is
 * the model's business. */
static jv
store_error(struct run *r, int rc)
{
	const char *msg = ft_store_errmsg(r->e->store);

	if (rc == FT_ENOTFOUND || rc == FT_EINVAL)
		return tool_error("%s", msg);
	r->rc = rc;
	snprintf(r->e->store_err, sizeof r->e->store_err, "%s", msg);
	return tool_error("the store failed: %s", msg);
}

static jv
no_customer(const char *id)
{
	return tool_error("no customer '%s' (give a UUID or a unique prefix "
			  "of 8 or more characters)", id);
}

/* --- results --- */

struct collect {
	jv records;
	int n, max;
	size_t bytes;
	int truncated;
};

static int
collect(void *p, jv rec)
{
	struct collect *c = p;
	jv s;

	if (c->n >= c->max || c->bytes > RESULT_MAX) {
		c->truncated = 1;
		jv_free(rec);
		return 1;
	}
	s = jv_dump_string(jv_copy(rec), 0);
	c->bytes += strlen(jv_string_value(s));
	jv_free(s);
	c->records = jv_array_append(c->records, rec);
	c->n++;
	return 0;
}

/* {"records", "count", "truncated"} of a listing, or a stats record as
 * it is. */
static jv
t_records(struct run *r)
{
	const ft_query_op *op = r->a.op;
	long long *limit = &r->a.n[FT_QS_LIMIT];
	struct collect c = { jv_array(), 0, (int)*limit, 0, 0 };
	jv o;
	int rc;

	if (op->id == FT_QOP_STATS)
		c.max = 1;
	else if (op->id == FT_QOP_TREND)
		c.max = 2;
	else if (!ft_query_param_find(op, FT_QUERY_TOOL, "limit"))
		c.max = 8;	/* one record, or a few */
	else if (op->id == FT_QOP_LAPSED || op->id == FT_QOP_LOYAL)
		c.max = (int)*limit + 1;	/* the count comes first */
	else if (op->id != FT_QOP_TOP)
		/* One more than asked: whether there are more is worth
		 * saying. */
		++*limit;
	rc = ft_query_run(r->e->store, &r->a, collect, &c);
	if (rc < 0) {
		jv_free(c.records);
		if (rc == FT_ENOTFOUND && r->a.s[FT_QS_CUSTOMER])
			return no_customer(r->a.s[FT_QS_CUSTOMER]);
		return store_error(r, rc);
	}
	if (op->id == FT_QOP_STATS)
		return jv_array_get(c.records, 0);
	o = jv_object();
	o = jv_object_set(o, jv_string("records"), c.records);
	o = jv_object_set(o, jv_string("count"), jv_number(c.n));
	if (c.truncated)
		o = jv_object_set(o, jv_string("truncated"), jv_true());
	return o;
}

/* The dates of whole days [since, until), when they are that. */
static int
day_bounds(int64_t since, int64_t until, char *first, char *last)
{
	if (!since || !until || since != ft_time_day_start(since) ||
	    until != ft_time_day_start(until) || until <= since)
		return 0;
	ft_time_date(since, first);
	ft_time_date(ft_time_day_add(until, -1), last);
	return 1;
}

/* One figure of a count: {"what", "since", "until", "value"}, and the
 * days of a period of whole days. */
static jv
t_count(struct run *r)
{
	const char *what = r->a.s[FT_QS_WHAT];
	int64_t since = r->a.t[FT_QS_SINCE], until = r->a.t[FT_QS_UNTIL];
	struct collect c = { jv_array(), 0, 1, 0, 0 };
	char first[11], last[11];
	jv rec, o;
	int rc;

	rc = ft_query_run(r->e->store, &r->a, collect, &c);
	if (rc != FT_OK) {
		jv_free(c.records);
		return store_error(r, rc);
	}
	rec = jv_array_get(c.records, 0);
	o = jv_object();
	o = jv_object_set(o, jv_string("type"), jv_string("count"));
	o = jv_object_set(o, jv_string("what"), jv_string(what));
	o = jv_object_set(o, jv_string("since"),
			  jv_object_get(jv_copy(rec), jv_string("since")));
	o = jv_object_set(o, jv_string("until"),
			  jv_object_get(jv_copy(rec), jv_string("until")));
	if (day_bounds(since, until, first, last)) {
		o = jv_object_set(o, jv_string("first_day"), jv_string(first));
		o = jv_object_set(o, jv_string("last_day"), jv_string(last));
	}
	return jv_object_set(o, jv_string("value"),
			     jv_object_get(rec, jv_string(what)));
}

/* The customer record, then a ring of the last keep visits. */
struct recent {
	jv customer;
	jv *ring;
	int keep, total;
};

static int
recent_visit(void *p, jv rec)
{
	struct recent *s = p;

	if (jv_get_kind(s->customer) == JV_KIND_NULL) {
		s->customer = rec;
		return 0;
	}
	if (s->keep == 0) {
		jv_free(rec);
	} else {
		jv_free(s->ring[s->total % s->keep]);
		s->ring[s->total % s->keep] = rec;
	}
	s->total++;
	return 0;
}

static jv
t_customer(struct run *r)
{
	struct recent s;
	jv o, visits = jv_array();
	int i, rc, first;

	s.customer = jv_null();
	s.keep = (int)r->a.n[FT_QS_VISITS];
	s.total = 0;
	s.ring = ft_xcalloc((size_t)s.keep + 1, sizeof *s.ring);
	for (i = 0; i < s.keep; i++)
		s.ring[i] = jv_null();
	rc = ft_query_run(r->e->store, &r->a, recent_visit, &s);
	first = s.total > s.keep ? s.total % s.keep : 0;
	for (i = 0; i < s.keep && i < s.total; i++) {
		jv v = jv_copy(s.ring[(first + i) % s.keep]);

		visits = jv_array_append(visits, v);
	}
	for (i = 0; i < s.keep; i++)
		jv_free(s.ring[i]);
	free(s.ring);
	if (rc < 0) {
		jv_free(visits);
		jv_free(s.customer);
		return rc == FT_ENOTFOUND ? no_customer(r->a.s[FT_QS_ID])
		       : store_error(r, rc);
	}
	o = jv_object();
	o = jv_object_set(o, jv_string("customer"), s.customer);
	o = jv_object_set(o, jv_string("visits_total"), jv_number(s.total));
	return jv_object_set(o, jv_string("recent_visits"), visits);
}

/* --- the chart --- */

/* One series of the trend, the days first..last of it. */
struct series {
	const char *name;
	const char *first, *last;
	int undated;		/* labels are weekdays or hours: all kept */
	char (*labels)[11];
	double *values;
	size_t n;
};

static int
pick_series(void *p, jv rec)
{
	struct series *s = p;
	jv name = jv_object_get(jv_copy(rec), jv_string("name"));
	jv pts = jv_object_get(rec, jv_string("points"));
	int i, n;

	if (jv_get_kind(name) == JV_KIND_STRING &&
	    !strcmp(jv_string_value(name), s->name)) {
		n = jv_array_length(jv_copy(pts));
		s->labels = ft_xcalloc((size_t)n + 1, sizeof *s->labels);
		s->values = ft_xcalloc((size_t)n + 1, sizeof *s->values);
		for (i = 0; i < n; i++) {
			jv pt = jv_array_get(jv_copy(pts), i);
			jv d = jv_array_get(jv_copy(pt), 0);
			jv v = jv_array_get(pt, 1);
			const char *ds = jv_string_value(d);

			if (s->undated || (strcmp(ds, s->first) >= 0 &&
					   strcmp(ds, s->last) <= 0)) {
				snprintf(s->labels[s->n], 11, "%s", ds);
				s->values[s->n++] = jv_number_value(v);
			}
			jv_free(d);
			jv_free(v);
		}
	}
	jv_free(name);
	jv_free(pts);
	return 0;
}

/* Visits by weekday or hour of the days p, into s. */
static int
by_time_series(struct run *r, const ft_period *p, struct series *s)
{
	ft_query_args b;
	int rc;

	ft_query_args_init(&b, ft_query_op_find(FT_QUERY_TOOL,
			   "visits_by_time"), FT_QUERY_TOOL, r->e->now);
	b.n[FT_QS_BY] = r->a.n[FT_QS_SERIES] == 3;
	b.t[FT_QS_SINCE] = p->since;
	b.t[FT_QS_UNTIL] = p->until;
	s->undated = 1;
	rc = ft_query_run(r->e->store, &b, pick_series, s);
	ft_query_args_clear(&b);
	return rc;
}

/* The days the chart covers, up to today (the trend stops there), into
 * p and their series into s; an error result, or null. */
static jv
chart_series(struct run *r, ft_period *p, struct series *s)
{
	ft_chat *e = r->e;
	int64_t since, until, today_end = ft_time_day_add(e->now, 1);
	ft_period back;
	int rc;

	since = ft_query_given(&r->a, FT_QS_SINCE) ? r->a.t[FT_QS_SINCE]
		: ft_time_day_add(e->now, -29);
	until = ft_query_given(&r->a, FT_QS_UNTIL) ? r->a.t[FT_QS_UNTIL]
		: today_end;
	if (until > today_end)
		until = today_end;
	if (until <= since || ft_times_period(since, until - 1, p) != 0)
		return tool_error("the chart's period is empty or in the "
				  "future");
	if (p->days > 366)
		return tool_error("a chart covers at most 366 days, not %d",
				  p->days);
	if (ft_times_period(p->since, e->now, &back) != 0 ||
	    back.days < 1 || back.days > 3660)
		return tool_error("the chart's period starts too long ago");
	s->name = r->a.s[FT_QS_SERIES];
	s->first = p->first;
	s->last = p->last;
	if (r->a.n[FT_QS_SERIES] >= 2)
		rc = by_time_series(r, p, s);
	else
		rc = ft_query_trend(e->store, back.days, e->now, pick_series,
				    s);
	return rc < 0 ? store_error(r, rc) : jv_null();
}

/* Write ch in each format asked for, named after stem; the paths go to
 * paths (the caller frees them) and the result's "files".  An error
 * result removes the files reserved. */
static jv
chart_files(ft_chat *e, const ft_chart *ch, const char *stem,
	    char **paths, int *npaths)
{
	char err[512];
	jv files = jv_array();
	int k;

	for (k = 0; k < 2; k++) {
		int fmt = k ? FT_CHART_SVG : FT_CHART_PNG;
		char *path;

		if (!(e->chart_format & fmt))
			continue;
		path = ft_chart_new_path(e->plots_dir, stem, k ? "svg" : "png",
					 err, sizeof err);
		if (path)
			paths[(*npaths)++] = path;
		if (!path || ft_chart_write(ch, path, fmt, err, sizeof err)) {
			jv_free(files);
			for (k = 0; k < *npaths; k++)
				remove(paths[k]);
			return tool_error("%s", err);
		}
		files = jv_array_append(files, jv_string(path));
	}
	return files;
}

static jv
chart_result(const char *series, const ft_period *p,
	     const struct series *s, jv files)
{
	double total = 0;
	size_t i, best = 0;
	jv o = jv_object();

	for (i = 0; i < s->n; i++) {
		total += s->values[i];
		if (s->values[i] > s->values[best])
			best = i;
	}
	o = jv_object_set(o, jv_string("type"), jv_string("chart"));
	o = jv_object_set(o, jv_string("series"), jv_string(series));
	o = jv_object_set(o, jv_string("first_day"), jv_string(p->first));
	o = jv_object_set(o, jv_string("last_day"), jv_string(p->last));
	o = jv_object_set(o, jv_string("days"), jv_number(p->days));
	o = jv_object_set(o, jv_string("total"), jv_number(total));
	if (s->n)
		o = jv_object_set(o, jv_string(s->undated ? "busiest"
				  : "busiest_day"),
				  JV_ARRAY(jv_string(s->labels[best]),
					   jv_number(s->values[best])));
	return jv_object_set(o, jv_string("files"), files);
}

static jv t_bars(struct run *r);

static jv
t_chart(struct run *r)
{
	ft_chat *e = r->e;
	const char *series = r->a.s[FT_QS_SERIES];
	int fresh = !strcmp(series, "new_customers_per_day");
	const char *what = fresh ? "New customers" : "Visits";
	const char *by = r->a.n[FT_QS_SERIES] == 3 ? "hour" : "weekday";
	struct series s = { 0 };
	ft_period p;
	ft_chart ch = { 0 };
	char title[128], stem[96], *paths[2] = { NULL, NULL };
	const char **labels;
	int k, npaths = 0;
	size_t i;
	jv o;

	if (r->a.n[FT_QS_SERIES] > S_BY_HOUR)
		return t_bars(r);
	o = chart_series(r, &p, &s);

	if (jv_get_kind(o) != JV_KIND_NULL)
		goto out;
	labels = ft_xcalloc(s.n + 1, sizeof *labels);
	for (i = 0; i < s.n; i++)
		labels[i] = s.labels[i];
	if (s.undated)
		snprintf(title, sizeof title, "Visits by %s, %s to %s",
			 by, p.first, p.last);
	else if (p.days > 1)
		snprintf(title, sizeof title, "%s per day, %s to %s", what,
			 p.first, p.last);
	else
		snprintf(title, sizeof title, "%s on %s", what, p.first);
	ch.title = r->a.s[FT_QS_TITLE] ? r->a.s[FT_QS_TITLE] : title;
	ch.xlabel = s.undated ? by : "day";
	ch.ylabel = fresh ? "new customers" : "visits";
	ch.n = s.n;
	ch.labels = labels;
	ch.values = s.values;
	snprintf(stem, sizeof stem, "%s-%s_%s", s.undated ? (*by == 'h' ?
		 "visits-by-hour" : "visits-by-weekday") : fresh ?
		 "new-customers-per-day" : "visits-per-day", p.first, p.last);
	o = chart_files(e, &ch, stem, paths, &npaths);
	if (jv_get_kind(o) == JV_KIND_ARRAY) {
		if (e->out && e->out->chart)
			e->out->chart(e->out->ctx, &ch,
				      (const char *const *)paths,
				      (size_t)npaths);
		if (e->inline_charts) {
			/* Shown with the answer; nothing stays behind. */
			for (k = 0; k < npaths; k++)
				remove(paths[k]);
			jv_free(o);
			o = jv_array();
		}
		o = chart_result(series, &p, &s, o);
		if (e->inline_charts)
			o = jv_object_set(o, jv_string("shown"),
					  jv_string("below the answer"));
	}
	free(labels);
out:
	for (k = 0; k < npaths; k++)
		free(paths[k]);
	free(s.labels);
	free(s.values);
	return o;
}

/* --- charts of other operations: bars with their own labels --- */

#define BARS_MAX	130	/* bars of one chart */
#define LABEL_MAX	40	/* bytes of a bar's label */

struct bars {
	char (*labels)[LABEL_MAX];
	double *values;
	size_t n;
	jv customer;		/* customer_visits: the customer record */
	int64_t since, until;	/* customer_visits: the months counted */
	int months;		/* customer_visits: the first month;
				 * loyal_customers: how many there are */
};

/* Copy src into dst (LABEL_MAX bytes), cut at a UTF-8 character. */
static void
label_copy(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n >= LABEL_MAX) {
		n = LABEL_MAX - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
bar_add(struct bars *b, const char *label, double v)
{
	if (b->n >= BARS_MAX)
		return;
	if (!b->labels) {
		b->labels = ft_xcalloc(BARS_MAX, sizeof *b->labels);
		b->values = ft_xcalloc(BARS_MAX, sizeof *b->values);
	}
	label_copy(b->labels[b->n], label);
	b->values[b->n++] = v;
}

/* A customer's name, or "(no name, 1a2b3c4d)". */
static void
customer_label(jv rec, char *buf, size_t len)
{
	jv name = jv_object_get(jv_copy(rec), jv_string("name"));
	jv id = jv_object_get(rec, jv_string("id"));

	if (jv_get_kind(name) == JV_KIND_STRING && *jv_string_value(name))
		snprintf(buf, len, "%s", jv_string_value(name));
	else
		snprintf(buf, len, "(no name, %.8s)",
			 jv_get_kind(id) == JV_KIND_STRING ?
			 jv_string_value(id) : "?");
	jv_free(name);
	jv_free(id);
}

/* The number rec (consumed) holds at key; 0 when none. */
static double
member(jv rec, const char *key)
{
	jv v = jv_object_get(rec, jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;

	jv_free(v);
	return d;
}

static int
top_bar(void *p, jv rec)
{
	char label[128];

	customer_label(jv_copy(rec), label, sizeof label);
	bar_add(p, label, member(rec, "visits_in_range"));
	return 0;
}

/* The dates of [since, until) ("" when unbounded) into first, last. */
static void
range_dates(int64_t since, int64_t until, int64_t now, char *first,
	    char *last)
{
	*first = *last = '\0';
	if (since)
		ft_time_date(since, first);
	ft_time_date(until ? until - 1 : now, last);
}

static int
top_bars(struct run *r, struct bars *b, char *title, char *stem)
{
	int64_t since = r->a.t[FT_QS_SINCE], until = r->a.t[FT_QS_UNTIL];
	long long n = r->a.n[FT_QS_LIMIT];
	char first[11], last[11];

	range_dates(since, until, r->e->now, first, last);
	if (since)
		snprintf(title, 128, "Top %lld customers by visits, %s to %s",
			 n, first, last);
	else
		snprintf(title, 128, "Top %lld customers by visits, to %s",
			 n, last);
	snprintf(stem, 96, "top-customers-%s_%s", since ? first : "all",
		 last);
	return ft_query_top(r->e->store, since, until, n, top_bar, b);
}

/* loyal: the count record, then the customers. */
static int
loyal_bar(void *p, jv rec)
{
	struct bars *b = p;
	jv type = jv_object_get(jv_copy(rec), jv_string("type"));
	int customer = jv_get_kind(type) == JV_KIND_STRING &&
		       !strcmp(jv_string_value(type), "customer");

	jv_free(type);
	if (!customer) {
		b->months = (int)member(rec, "customers");
		return 0;
	}
	return top_bar(p, rec);
}

static int
loyal_bars(struct run *r, struct bars *b, char *title, char *stem)
{
	ft_query_args l;
	char first[11], last[11];
	int rc;

	ft_query_args_init(&l, ft_query_op_find(FT_QUERY_TOOL,
			   "loyal_customers"), FT_QUERY_TOOL, r->e->now);
	l.t[FT_QS_SINCE] = r->a.t[FT_QS_SINCE];
	l.t[FT_QS_UNTIL] = r->a.t[FT_QS_UNTIL];
	l.n[FT_QS_LIMIT] = r->a.n[FT_QS_LIMIT];
	rc = ft_query_run(r->e->store, &l, loyal_bar, b);
	ft_query_args_clear(&l);
	range_dates(r->a.t[FT_QS_SINCE], r->a.t[FT_QS_UNTIL], r->e->now,
		    first, last);
	snprintf(title, 128, "Visits of the customers who came every week, "
		 "%s to %s (%d of them)", first, last, b->months);
	snprintf(stem, 96, "loyal-customers-%s_%s", first, last);
	return rc;
}

static int
one_record(void *p, jv rec)
{
	jv *out = p;

	jv_free(*out);
	*out = rec;
	return 0;
}

static int
compare_bars(struct run *r, struct bars *b, char *title, char *stem)
{
	static const char *const keys[] = {
		"visits", "visitors", "new_customers"
	};
	static const char *const says[] = { "visits", "visitors", "new" };
	ft_query_args c;
	char a1[11], a2[11], b1[11], b2[11], label[32];
	jv rec = jv_null(), p, q;
	int i, rc;

	ft_query_args_init(&c, ft_query_op_find(FT_QUERY_TOOL,
			   "compare_periods"), FT_QUERY_TOOL, r->e->now);
	c.t[FT_QS_SINCE] = r->a.t[FT_QS_SINCE];
	c.t[FT_QS_UNTIL] = r->a.t[FT_QS_UNTIL];
	c.t[FT_QS_SINCE2] = r->a.t[FT_QS_SINCE2];
	c.t[FT_QS_UNTIL2] = r->a.t[FT_QS_UNTIL2];
	rc = ft_query_run(r->e->store, &c, one_record, &rec);
	ft_query_args_clear(&c);
	if (rc != FT_OK) {
		jv_free(rec);
		return rc;
	}
	p = jv_object_get(jv_copy(rec), jv_string("period"));
	q = jv_object_get(rec, jv_string("against"));
	for (i = 0; i < 3; i++) {
		snprintf(label, sizeof label, "%s A", says[i]);
		bar_add(b, label, member(jv_copy(p), keys[i]));
		snprintf(label, sizeof label, "%s B", says[i]);
		bar_add(b, label, member(jv_copy(q), keys[i]));
	}
	jv_free(p);
	jv_free(q);
	range_dates(r->a.t[FT_QS_SINCE], r->a.t[FT_QS_UNTIL], r->e->now, a1,
		    a2);
	range_dates(r->a.t[FT_QS_SINCE2], r->a.t[FT_QS_UNTIL2], r->e->now,
		    b1, b2);
	snprintf(title, 128, "A: %s to %s against B: %s to %s", a1, a2, b1,
		 b2);
	snprintf(stem, 96, "compare-%s_%s-%s_%s", a1, a2, b1, b2);
	return FT_OK;
}

/* The month (0 = January of year 0) of ms, local. */
static int
month_of(int64_t ms)
{
	struct tm tm;

	ft_time_local(ms, &tm);
	return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

/* customer_visits: the customer, then their visits, oldest first. */
static int
month_visit(void *p, jv rec)
{
	struct bars *b = p;
	jv ts;
	int64_t ms;
	int m;

	if (jv_get_kind(b->customer) == JV_KIND_NULL) {
		b->customer = rec;
		return 0;
	}
	ts = jv_object_get(rec, jv_string("ts"));
	if (jv_get_kind(ts) == JV_KIND_STRING &&
	    ft_time_parse(jv_string_value(ts), 0, 0, &ms) == 0 &&
	    ms >= b->since && (!b->until || ms < b->until)) {
		m = month_of(ms);
		if (!b->months)
			b->months = m;
		/* Months without a visit between: bars of 0. */
		while (b->n < BARS_MAX && b->months + (int)b->n <= m) {
			char label[16];
			int k = b->months + (int)b->n;

			snprintf(label, sizeof label, "%04d-%02d", k / 12,
				 k % 12 + 1);
			bar_add(b, label, 0);
		}
		if (m - b->months < BARS_MAX)
			b->values[m - b->months]++;
	}
	jv_free(ts);
	return 0;
}

static int
customer_bars(struct run *r, struct bars *b, char *title, char *stem)
{
	char name[128];
	jv id;
	int rc;

	b->since = r->a.t[FT_QS_SINCE];
	b->until = r->a.t[FT_QS_UNTIL];
	b->customer = jv_null();
	rc = ft_query_customer(r->e->store, r->a.s[FT_QS_CUSTOMER],
			       month_visit, b);
	if (rc != FT_OK)
		return rc;
	customer_label(jv_copy(b->customer), name, sizeof name);
	id = jv_object_get(jv_copy(b->customer), jv_string("id"));
	if (b->n)
		snprintf(title, 128, "Visits of %.60s per month, %s to %s", name,
			 b->labels[0], b->labels[b->n - 1]);
	else
		snprintf(title, 128, "Visits of %.60s per month: none", name);
	snprintf(stem, 96, "customer-visits-%.8s-%s_%s",
		 jv_get_kind(id) == JV_KIND_STRING ? jv_string_value(id) : "x",
		 b->n ? b->labels[0] : "none", b->n ? b->labels[b->n - 1]
		 : "none");
	jv_free(id);
	return FT_OK;
}

/* Write ch as files named after stem, show it, and complete the result
 * o (consumed) with its files, or say it is shown below. */
static jv
chart_out(ft_chat *e, const ft_chart *ch, const char *stem, jv o)
{
	char *paths[2] = { NULL, NULL };
	int k, npaths = 0;
	jv files = chart_files(e, ch, stem, paths, &npaths);

	if (jv_get_kind(files) != JV_KIND_ARRAY) {
		jv_free(o);
		o = files;
		goto out;
	}
	if (e->out && e->out->chart)
		e->out->chart(e->out->ctx, ch, (const char *const *)paths,
			      (size_t)npaths);
	if (e->inline_charts) {
		for (k = 0; k < npaths; k++)
			remove(paths[k]);
		jv_free(files);
		files = jv_array();
		o = jv_object_set(o, jv_string("shown"),
				  jv_string("below the answer"));
	}
	o = jv_object_set(o, jv_string("files"), files);
out:
	for (k = 0; k < npaths; k++)
		free(paths[k]);
	return o;
}

/* The charts of top_customers, compare and customer_visits. */
static jv
t_bars(struct run *r)
{
	long long which = r->a.n[FT_QS_SERIES];
	struct bars b = { 0 };
	char title[128], stem[96];
	const char **labels = NULL;
	ft_chart ch = { 0 };
	jv o, pts;
	size_t i;
	int rc;

	b.customer = jv_null();
	if (which == S_COMPARE && !(ft_query_given(&r->a, FT_QS_SINCE) &&
	    ft_query_given(&r->a, FT_QS_UNTIL) &&
	    ft_query_given(&r->a, FT_QS_SINCE2) &&
	    ft_query_given(&r->a, FT_QS_UNTIL2)))
		return tool_error("a compare chart needs since, until, "
				  "against_since and against_until");
	if (which == S_CUSTOMER && !r->a.s[FT_QS_CUSTOMER])
		return tool_error("a customer_visits chart needs customer");
	if (which == S_LOYAL && !(ft_query_given(&r->a, FT_QS_SINCE) &&
	    ft_query_given(&r->a, FT_QS_UNTIL)))
		return tool_error("a loyal_customers chart needs since and "
				  "until");
	rc = which == S_TOP ? top_bars(r, &b, title, stem)
	     : which == S_COMPARE ? compare_bars(r, &b, title, stem)
	     : which == S_LOYAL ? loyal_bars(r, &b, title, stem)
	     : customer_bars(r, &b, title, stem);
	if (rc != FT_OK) {
		o = rc == FT_ENOTFOUND && which == S_CUSTOMER ?
		    no_customer(r->a.s[FT_QS_CUSTOMER]) : store_error(r, rc);
		goto out;
	}
	labels = ft_xcalloc(b.n + 1, sizeof *labels);
	pts = jv_array();
	for (i = 0; i < b.n; i++) {
		labels[i] = b.labels[i];
		pts = jv_array_append(pts, JV_ARRAY(jv_string(b.labels[i]),
				      jv_number(b.values[i])));
	}
	ch.title = r->a.s[FT_QS_TITLE] ? r->a.s[FT_QS_TITLE] : title;
	ch.xlabel = which == S_TOP || which == S_LOYAL ? "customer"
		    : which == S_COMPARE ?
		    "figure and period" : "month";
	ch.ylabel = which == S_COMPARE ? "count" : "visits";
	ch.n = b.n;
	ch.labels = labels;
	ch.values = b.values;
	o = JV_OBJECT(jv_string("type"), jv_string("chart"),
		      jv_string("series"), jv_string(r->a.s[FT_QS_SERIES]),
		      jv_string("title"), jv_string(title),
		      jv_string("points"), pts);
	if (which == S_CUSTOMER)
		o = jv_object_set(o, jv_string("customer"),
				  jv_copy(b.customer));
	o = chart_out(r->e, &ch, stem, o);
out:
	jv_free(b.customer);
	free(labels);
	free(b.labels);
	free(b.values);
	return o;
}

/* --- calls --- */

static const ft_query_op *
find_tool(const char *name)
{
	if (!strcmp(name, chart_op.tool))
		return &chart_op;
	return ft_query_op_find(FT_QUERY_TOOL, name);
}

static jv
run(struct run *r)
{
	switch (r->a.op->id) {
	case FT_QOP_COUNT: return t_count(r);
	case FT_QOP_CUSTOMER: return t_customer(r);
	case FT_QOP_OTHER: return t_chart(r);
	default: return t_records(r);
	}
}

jv
chat_tool_call(ft_chat *e, const char *name, const char *args,
	       const ft_chat_out *out, int *rcp)
{
	const ft_query_op *op = find_tool(name);
	struct run r;
	const ft_chat_out *saved = e->out;
	char err[512];
	jv parsed, res;

	if (rcp)
		*rcp = FT_OK;
	if (!op)
		return tool_error("no tool '%s'", name);
	parsed = jv_parse(args && *args ? args : "{}");
	if (!jv_is_valid(parsed)) {
		jv_free(parsed);
		return tool_error("the arguments of %s are not JSON", name);
	}
	r.e = e;
	r.rc = FT_OK;
	ft_query_args_init(&r.a, op, FT_QUERY_TOOL, e->now);
	if (ft_query_set_json(&r.a, parsed, err, sizeof err) != FT_OK) {
		ft_query_args_clear(&r.a);
		return tool_error("%s", err);
	}
	if (out)
		e->out = out;
	res = run(&r);
	e->out = saved;
	ft_query_args_clear(&r.a);
	if (rcp)
		*rcp = r.rc;
	return res;
}

jv
ft_chat_tool(ft_chat *e, const char *name, const char *args,
	     const ft_chat_out *out, int *rc)
{
	e->now = ft_time_now();
	return chat_tool_call(e, name, args, out, rc);
}
