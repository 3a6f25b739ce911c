/*
 * chat — the tools, the model's conversation and the offline engine.
 *
 * The tools are one table: each names its parameters with their types
 * and bounds, and that table both declares them to the model (as JSON
 * Schema) and checks what the model sends, so the two cannot drift.
 * The offline engine turns a question into one of these tool calls and
 * words the tool's result; it never computes a figure of its own.
 */
#include "chat.h"
#include "config.h"
#include "llm.h"
#include "query.h"
#include "record.h"
#include "times.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HISTORY_MAX	40	/* messages kept for follow-up questions */
#define RESULT_MAX	(96 * 1024)	/* bytes of one tool result */
/* ask_model: unreachable before any of an answer arrived */
#define ETEMP_SILENT	(-100)

struct ft_chat {
	ft_store *store;
	ft_llm *llm;		/* NULL: offline */
	char *describe;
	char *plots_dir;
	int chart_format;
	int max_rounds;
	jv history;		/* the conversation, system prompt excluded */
	atomic_int cancel;
	int64_t now;		/* "now" of the question being answered */
	int at_line_start;	/* the answer's last byte was a newline */
	const ft_chat_out *out;
	int store_rc;		/* a store failure inside a tool */
	char store_err[256];
	char tool_err[512];	/* the offline answer's tool failed: why */
};

/* --- output --- */

static void
emit_text(ft_chat *e, const char *s, size_t n)
{
	if (!n)
		return;
	e->at_line_start = s[n - 1] == '\n';
	if (e->out && e->out->text)
		e->out->text(e->out->ctx, s, n);
}

static void
say(ft_chat *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(ft_chat *e, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		ft_die(FT_EXIT_FAIL, "out of memory");
	emit_text(e, s, (size_t)n);
	free(s);
}

static void
notice(ft_chat *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
notice(ft_chat *e, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!e->out || !e->out->notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	e->out->notice(e->out->ctx, msg);
}

static const char *
plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* --- tools: declarations --- */

enum ptype { P_INT, P_STR, P_BOOL, P_TIME, P_ENUM };

struct param {
	const char *name;
	enum ptype type;
	int required;
	long long min, max;	/* P_INT bounds; P_STR longest length */
	const char *const *choices;	/* P_ENUM, NULL-ended */
	int end_of_day;		/* P_TIME: a date means the day's end */
	const char *desc;
};

struct run;
struct tool {
	const char *name;
	const char *desc;
	const struct param *params;
	jv (*fn)(struct run *r, jv args);
};

static const char time_desc[] =
	"YYYY-MM-DD, YYYY-MM-DDTHH:MM (local time), now, today, yesterday, "
	"or a span before now: 7d, 12h, 30m";

static const char *const sorts[] = {
	"created", "name", "last-visit", "visits", NULL
};
static const char *const whats[] = {
	"visits", "visitors", "new_customers", NULL
};
static const char *const serieses[] = {
	"visits_per_day", "new_customers_per_day", NULL
};

static const struct param p_none[] = { { NULL } };
static const struct param p_trend[] = {
	{ "days", P_INT, 0, 1, 3660, NULL, 0,
	  "number of days ending today (default 30)" },
	{ NULL }
};
static const struct param p_count[] = {
	{ "what", P_ENUM, 1, 0, 0, whats, 0,
	  "visits: visits; visitors: distinct customers who visited; "
	  "new_customers: customers registered in the period" },
	{ "since", P_TIME, 0, 0, 0, NULL, 0,
	  "start of the period (default: no bound)" },
	{ "until", P_TIME, 0, 0, 0, NULL, 1,
	  "end of the period; a date includes that whole day (default: no "
	  "bound)" },
	{ NULL }
};
static const struct param p_top[] = {
	{ "limit", P_INT, 0, 1, 100, NULL, 0, "how many (default 10)" },
	{ "since", P_TIME, 0, 0, 0, NULL, 0,
	  "count visits from this time (default: all time)" },
	{ "until", P_TIME, 0, 0, 0, NULL, 1,
	  "count visits until this time; a date includes that day" },
	{ NULL }
};
static const struct param p_customers[] = {
	{ "name", P_STR, 0, 0, 200, NULL, 0,
	  "part of the name, any case" },
	{ "since", P_TIME, 0, 0, 0, NULL, 0, "registered at or after" },
	{ "until", P_TIME, 0, 0, 0, NULL, 1,
	  "registered before; a date includes that day" },
	{ "min_visits", P_INT, 0, 0, 1000000000, NULL, 0,
	  "at least this many visits in all" },
	{ "sort", P_ENUM, 0, 0, 0, sorts, 0, "order (default created)" },
	{ "reverse", P_BOOL, 0, 0, 0, NULL, 0, "reverse the order" },
	{ "limit", P_INT, 0, 1, 100, NULL, 0, "how many (default 20)" },
	{ NULL }
};
static const struct param p_customer[] = {
	{ "id", P_STR, 1, 0, 64, NULL, 0,
	  "the customer's id: a UUID or a unique prefix of 8 or more "
	  "characters (find it with find_customers)" },
	{ "visits", P_INT, 0, 0, 100, NULL, 0,
	  "how many of the most recent visits to include (default 10)" },
	{ NULL }
};
static const struct param p_visits[] = {
	{ "since", P_TIME, 0, 0, 0, NULL, 0, "visits at or after" },
	{ "until", P_TIME, 0, 0, 0, NULL, 1,
	  "visits before; a date includes that day" },
	{ "customer", P_STR, 0, 0, 64, NULL, 0,
	  "only this customer's visits (id or unique prefix)" },
	{ "source", P_STR, 0, 0, 200, NULL, 0, "only this camera or site" },
	{ "limit", P_INT, 0, 1, 200, NULL, 0, "how many (default 50)" },
	{ "reverse", P_BOOL, 0, 0, 0, NULL, 0, "newest first" },
	{ NULL }
};
static const struct param p_chart[] = {
	{ "series", P_ENUM, 1, 0, 0, serieses, 0, "what to draw" },
	{ "since", P_TIME, 0, 0, 0, NULL, 0,
	  "first day (default: 29 days before today)" },
	{ "until", P_TIME, 0, 0, 0, NULL, 1, "last day (default: today)" },
	{ "title", P_STR, 0, 0, 120, NULL, 0, "the chart's title" },
	{ NULL }
};

static jv t_stats(struct run *r, jv args);
static jv t_trend(struct run *r, jv args);
static jv t_count(struct run *r, jv args);
static jv t_top(struct run *r, jv args);
static jv t_customers(struct run *r, jv args);
static jv t_customer(struct run *r, jv args);
static jv t_visits(struct run *r, jv args);
static jv t_chart(struct run *r, jv args);

static const struct tool tools[] = {
	{ "get_stats", "The dashboard's figures: total customers, customers "
	  "registered today, visits today, visits in the last 7 days (today "
	  "included) and the returning rate (share of customers with a "
	  "visit who have two or more, 0 to 1).", p_none, t_stats },
	{ "get_trend", "Visits per day and new customers per day for the "
	  "days ending today, days without any included as 0.", p_trend,
	  t_trend },
	{ "count", "Count the visits, the distinct customers who visited, "
	  "or the customers registered, in a period (all time without "
	  "since and until).", p_count, t_count },
	{ "top_customers", "The customers with the most visits in a period "
	  "(all time without one), most first, each with visits_in_range.",
	  p_top, t_top },
	{ "find_customers", "Customer records (id, name, email, created, "
	  "last_visit, visits) matching a name part and other filters.",
	  p_customers, t_customers },
	{ "get_customer", "One customer's record and their most recent "
	  "visits.", p_customer, t_customer },
	{ "list_visits", "Visit records (customer, name, time, source, "
	  "the visit's number in the customer's history), oldest first "
	  "unless reversed.", p_visits, t_visits },
	{ "make_chart", "Draw a bar chart of visits or new customers per "
	  "day into an image file and show it in the terminal; returns the "
	  "file's path, which the answer must name.", p_chart, t_chart },
	{ NULL, NULL, NULL, NULL }
};

static jv
param_schema(const struct param *p)
{
	jv o = jv_object();
	int i;

	switch (p->type) {
	case P_INT:
		o = jv_object_set(o, jv_string("type"), jv_string("integer"));
		o = jv_object_set(o, jv_string("minimum"),
				  jv_number((double)p->min));
		o = jv_object_set(o, jv_string("maximum"),
				  jv_number((double)p->max));
		break;
	case P_STR:
		o = jv_object_set(o, jv_string("type"), jv_string("string"));
		o = jv_object_set(o, jv_string("maxLength"),
				  jv_number((double)p->max));
		break;
	case P_BOOL:
		o = jv_object_set(o, jv_string("type"), jv_string("boolean"));
		break;
	case P_TIME:
		o = jv_object_set(o, jv_string("type"), jv_string("string"));
		break;
	case P_ENUM: {
		jv e = jv_array();

		for (i = 0; p->choices[i]; i++)
			e = jv_array_append(e, jv_string(p->choices[i]));
		o = jv_object_set(o, jv_string("type"), jv_string("string"));
		o = jv_object_set(o, jv_string("enum"), e);
		break;
	}
	}
	if (p->type == P_TIME)
		o = jv_object_set(o, jv_string("description"),
				  jv_string_fmt("%s: %s", p->desc, time_desc));
	else
		o = jv_object_set(o, jv_string("description"),
				  jv_string(p->desc));
	return o;
}

jv
ft_chat_tools(void)
{
	jv all = jv_array();
	const struct tool *t;
	const struct param *p;

	for (t = tools; t->name; t++) {
		jv props = jv_object(), req = jv_array(), params = jv_object();
		jv fn = jv_object(), decl = jv_object();

		for (p = t->params; p->name; p++) {
			props = jv_object_set(props, jv_string(p->name),
					      param_schema(p));
			if (p->required)
				req = jv_array_append(req, jv_string(p->name));
		}
		params = jv_object_set(params, jv_string("type"),
				       jv_string("object"));
		params = jv_object_set(params, jv_string("properties"), props);
		params = jv_object_set(params, jv_string("required"), req);
		params = jv_object_set(params,
				       jv_string("additionalProperties"),
				       jv_false());
		fn = jv_object_set(fn, jv_string("name"), jv_string(t->name));
		fn = jv_object_set(fn, jv_string("description"),
				   jv_string(t->desc));
		fn = jv_object_set(fn, jv_string("parameters"), params);
		decl = jv_object_set(decl, jv_string("type"),
				     jv_string("function"));
		decl = jv_object_set(decl, jv_string("function"), fn);
		all = jv_array_append(all, decl);
	}
	return all;
}

/* --- tools: checking arguments --- */

struct run {
	ft_chat *e;
	jv args;		/* checked */
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

/* Check args (consumed) against t's parameters: the checked object, or
 * an {"error"} object. */
static jv
check_args(ft_chat *e, const struct tool *t, jv args, int *ok)
{
	const struct param *p;
	int i, n;
	jv keys;

	*ok = 0;
	if (jv_get_kind(args) == JV_KIND_NULL) {
		jv_free(args);
		args = jv_object();
	}
	if (jv_get_kind(args) != JV_KIND_OBJECT) {
		jv_free(args);
		return tool_error("the arguments of %s must be a JSON object",
				  t->name);
	}
	keys = jv_keys(jv_copy(args));
	n = jv_array_length(jv_copy(keys));
	for (i = 0; i < n; i++) {
		jv k = jv_array_get(jv_copy(keys), i);

		for (p = t->params; p->name; p++)
			if (!strcmp(p->name, jv_string_value(k)))
				break;
		if (!p->name) {
			jv err = tool_error("%s takes no argument '%s'",
					    t->name, jv_string_value(k));

			jv_free(k);
			jv_free(keys);
			jv_free(args);
			return err;
		}
		jv_free(k);
	}
	jv_free(keys);
	for (p = t->params; p->name; p++) {
		jv v = jv_object_get(jv_copy(args), jv_string(p->name));
		jv_kind kind = jv_get_kind(v);
		const char *bad = NULL;
		int64_t ms;
		double d;

		if (kind == JV_KIND_INVALID || kind == JV_KIND_NULL) {
			jv_free(v);
			if (p->required) {
				jv_free(args);
				return tool_error("%s needs the argument '%s'",
						  t->name, p->name);
			}
			args = jv_object_delete(args, jv_string(p->name));
			continue;
		}
		switch (p->type) {
		case P_INT:
			d = kind == JV_KIND_NUMBER ? jv_number_value(v) : 0.5;
			if (kind != JV_KIND_NUMBER || d < (double)p->min ||
			    d > (double)p->max || d != (double)(long long)d) {
				jv_free(v);
				jv_free(args);
				return tool_error("'%s' must be an integer "
						  "from %lld to %lld", p->name,
						  p->min, p->max);
			}
			break;
		case P_BOOL:
			if (kind != JV_KIND_TRUE && kind != JV_KIND_FALSE)
				bad = "true or false";
			break;
		case P_STR:
			if (kind != JV_KIND_STRING)
				bad = "a string";
			else if (jv_string_length_codepoints(jv_copy(v)) >
				 p->max || !*jv_string_value(v))
				bad = "a shorter, non-empty string";
			break;
		case P_TIME:
			if (kind != JV_KIND_STRING) {
				bad = "a time";
			} else if (ft_time_parse(jv_string_value(v), e->now,
						 p->end_of_day, &ms) != 0) {
				jv err = tool_error("'%s' is not a time: '%s' "
						    "(%s)", p->name,
						    jv_string_value(v),
						    time_desc);

				jv_free(v);
				jv_free(args);
				return err;
			}
			break;
		case P_ENUM:
			if (kind == JV_KIND_STRING)
				for (i = 0; p->choices[i]; i++)
					if (!strcmp(p->choices[i],
						    jv_string_value(v)))
						break;
			if (kind != JV_KIND_STRING || !p->choices[i]) {
				char list[256] = "";

				for (i = 0; p->choices[i]; i++) {
					strcat(list, i ? ", " : "");
					strcat(list, p->choices[i]);
				}
				jv_free(v);
				jv_free(args);
				return tool_error("'%s' must be one of %s",
						  p->name, list);
			}
			break;
		}
		jv_free(v);
		if (bad) {
			jv_free(args);
			return tool_error("'%s' must be %s", p->name, bad);
		}
	}
	*ok = 1;
	return args;
}

static int
has_arg(struct run *r, const char *name)
{
	jv v = jv_object_get(jv_copy(r->args), jv_string(name));
	int has = jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL;

	jv_free(v);
	return has;
}

static long long
arg_int(struct run *r, const char *name, long long def)
{
	jv v = jv_object_get(jv_copy(r->args), jv_string(name));
	long long n = jv_get_kind(v) == JV_KIND_NUMBER ?
		      (long long)jv_number_value(v) : def;

	jv_free(v);
	return n;
}

static int
arg_bool(struct run *r, const char *name)
{
	jv v = jv_object_get(jv_copy(r->args), jv_string(name));
	int b = jv_get_kind(v) == JV_KIND_TRUE;

	jv_free(v);
	return b;
}

/* A copy of a string argument (NULL when absent); the caller frees. */
static char *
arg_str(struct run *r, const char *name)
{
	jv v = jv_object_get(jv_copy(r->args), jv_string(name));
	char *s = jv_get_kind(v) == JV_KIND_STRING ?
		  ft_xstrdup(jv_string_value(v)) : NULL;

	jv_free(v);
	return s;
}

/* A time argument in milliseconds; 0 when absent (checked already). */
static int64_t
arg_time(struct run *r, const char *name, int end_of_day)
{
	char *s = arg_str(r, name);
	int64_t ms = 0;

	if (s && ft_time_parse(s, r->e->now, end_of_day, &ms) != 0)
		ms = 0;
	free(s);
	return ms;
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

/* --- tools: running --- */

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

static jv
records_result(struct collect *c)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("records"), c->records);
	o = jv_object_set(o, jv_string("count"), jv_number(c->n));
	if (c->truncated)
		o = jv_object_set(o, jv_string("truncated"), jv_true());
	return o;
}

/* A query that collects records; rc 1 from collect means "full". */
static jv
finish(struct run *r, struct collect *c, int rc)
{
	if (rc < 0) {
		jv_free(c->records);
		return store_error(r, rc);
	}
	return records_result(c);
}

static jv
t_stats(struct run *r, jv args)
{
	struct collect c = { jv_array(), 0, 1, 0, 0 };
	int rc = ft_query_stats(r->e->store, r->e->now, collect, &c);
	jv rec;

	if (rc < 0) {
		jv_free(c.records);
		return store_error(r, rc);
	}
	rec = jv_array_get(c.records, 0);
	return rec;
}

static jv
t_trend(struct run *r, jv args)
{
	struct collect c = { jv_array(), 0, 2, 0, 0 };
	int rc = ft_query_trend(r->e->store, (int)arg_int(r, "days", 30),
				r->e->now, collect, &c);

	return finish(r, &c, rc);
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

static int
keep_record(void *p, jv rec)
{
	jv *keep = p;

	jv_free(*keep);
	*keep = rec;
	return 0;
}

static jv
t_count(struct run *r, jv args)
{
	char *what = arg_str(r, "what"), first[11], last[11];
	int64_t since = arg_time(r, "since", 0);
	int64_t until = arg_time(r, "until", 1);
	unsigned bit = !strcmp(what, "visits") ? FT_COUNT_VISITS
		       : !strcmp(what, "visitors") ? FT_COUNT_VISITORS
		       : FT_COUNT_NEW;
	jv rec = jv_invalid(), o = jv_object();
	int rc;

	rc = ft_query_count(r->e->store, since, until, bit, keep_record,
			    &rec);
	if (rc != FT_OK) {
		free(what);
		jv_free(o);
		jv_free(rec);
		return store_error(r, rc);
	}
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
	o = jv_object_set(o, jv_string("value"),
			  jv_object_get(rec, jv_string(what)));
	free(what);
	return o;
}

static jv
t_top(struct run *r, jv args)
{
	int limit = (int)arg_int(r, "limit", 10);
	struct collect c = { jv_array(), 0, limit, 0, 0 };
	int rc = ft_query_top(r->e->store, arg_time(r, "since", 0),
			      arg_time(r, "until", 1), limit, collect, &c);

	return finish(r, &c, rc);
}

static jv
t_customers(struct run *r, jv args)
{
	ft_customer_filter f = { 0 };
	char *name = arg_str(r, "name"), *sort = arg_str(r, "sort");
	struct collect c = { jv_array(), 0, 0, 0, 0 };
	int rc;

	f.name = name;
	f.since = arg_time(r, "since", 0);
	f.until = arg_time(r, "until", 1);
	f.min_visits = arg_int(r, "min_visits", 0);
	f.sort = !sort || !strcmp(sort, "created") ? FT_SORT_CREATED
		 : !strcmp(sort, "name") ? FT_SORT_NAME
		 : !strcmp(sort, "last-visit") ? FT_SORT_LAST_VISIT
		 : FT_SORT_VISITS;
	f.descending = arg_bool(r, "reverse");
	/* One more than asked: whether there are more is worth saying. */
	c.max = (int)arg_int(r, "limit", 20);
	f.limit = c.max + 1;
	rc = ft_query_customers(r->e->store, &f, collect, &c);
	free(name);
	free(sort);
	return finish(r, &c, rc);
}

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
t_customer(struct run *r, jv args)
{
	char *id = arg_str(r, "id");
	struct recent s;
	jv o, visits = jv_array();
	int i, rc, first;

	s.customer = jv_null();
	s.keep = (int)arg_int(r, "visits", 10);
	s.total = 0;
	s.ring = ft_xcalloc((size_t)s.keep + 1, sizeof *s.ring);
	for (i = 0; i < s.keep; i++)
		s.ring[i] = jv_null();
	rc = ft_query_customer(r->e->store, id, recent_visit, &s);
	first = s.total > s.keep ? s.total % s.keep : 0;
	for (i = 0; i < s.keep && i < s.total; i++)
		visits = jv_array_append(visits,
					 jv_copy(s.ring[(first + i) % s.keep]));
	for (i = 0; i < s.keep; i++)
		jv_free(s.ring[i]);
	free(s.ring);
	if (rc < 0) {
		jv_free(visits);
		jv_free(s.customer);
		o = rc == FT_ENOTFOUND ?
		    tool_error("no customer '%s' (give a UUID or a unique "
			       "prefix of 8 or more characters)", id)
		    : store_error(r, rc);
		free(id);
		return o;
	}
	free(id);
	o = jv_object();
	o = jv_object_set(o, jv_string("customer"), s.customer);
	o = jv_object_set(o, jv_string("visits_total"), jv_number(s.total));
	return jv_object_set(o, jv_string("recent_visits"), visits);
}

static jv
t_visits(struct run *r, jv args)
{
	ft_visit_filter f = { 0 };
	char *who = arg_str(r, "customer"), *source = arg_str(r, "source");
	struct collect c = { jv_array(), 0, 0, 0, 0 };
	ft_customer cu;
	int rc = FT_OK;
	jv res;

	f.since = arg_time(r, "since", 0);
	f.until = arg_time(r, "until", 1);
	f.source = source;
	f.descending = arg_bool(r, "reverse");
	c.max = (int)arg_int(r, "limit", 50);
	f.limit = c.max + 1;
	if (who) {
		rc = ft_store_customer_get(r->e->store, who, &cu);
		if (rc == FT_OK) {
			f.customer_id = cu.id;
			ft_customer_clear(&cu);
		}
	}
	if (rc == FT_ENOTFOUND) {
		res = tool_error("no customer '%s' (give a UUID or a unique "
				 "prefix of 8 or more characters)", who);
		jv_free(c.records);
	} else if (rc != FT_OK) {
		res = store_error(r, rc);
		jv_free(c.records);
	} else {
		rc = ft_query_visits(r->e->store, &f, collect, &c);
		res = finish(r, &c, rc);
	}
	free(who);
	free(source);
	return res;
}

struct series {
	const char *name;
	const char *first, *last;
	char (*labels)[11];
	double *values;
	size_t n, cap;
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

			if (strcmp(ds, s->first) >= 0 &&
			    strcmp(ds, s->last) <= 0) {
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

static int
days_between(int64_t a, int64_t b)
{
	ft_period p;

	if (ft_times_period(a, b, &p) != 0)
		return -1;
	return p.days;
}

static jv
t_chart(struct run *r, jv args)
{
	ft_chat *e = r->e;
	char *series = arg_str(r, "series"), *title = arg_str(r, "title");
	int64_t since, until;
	struct series s = { 0 };
	ft_period p;
	ft_chart ch = { 0 };
	char deftitle[128], stem[96], err[512];
	const char **labels = NULL;
	char *paths[2] = { NULL, NULL };
	const char *cpaths[2];
	jv o, files = jv_array();
	int back, fresh = !strcmp(series, "new_customers_per_day");
	int rc, k, npaths = 0;
	size_t i, best = 0;
	double total = 0;

	since = has_arg(r, "since") ? arg_time(r, "since", 0)
		: ft_time_day_add(e->now, -29);
	until = has_arg(r, "until") ? arg_time(r, "until", 1)
		: ft_time_day_add(e->now, 1);
	/* The days the period touches, up to today: the trend stops
	 * there. */
	if (until > ft_time_day_add(e->now, 1))
		until = ft_time_day_add(e->now, 1);
	if (until <= since || ft_times_period(since, until - 1, &p) != 0) {
		o = tool_error("the chart's period is empty or in the future");
		goto out;
	}
	if (p.days > 366) {
		o = tool_error("a chart covers at most 366 days, not %d",
			       p.days);
		goto out;
	}
	back = days_between(p.since, e->now);
	if (back < 1 || back > 3660) {
		o = tool_error("the chart's period starts too long ago");
		goto out;
	}
	s.name = series;
	s.first = p.first;
	s.last = p.last;
	rc = ft_query_trend(e->store, back, e->now, pick_series, &s);
	if (rc < 0) {
		o = store_error(r, rc);
		goto out;
	}
	labels = ft_xcalloc(s.n + 1, sizeof *labels);
	for (i = 0; i < s.n; i++) {
		labels[i] = s.labels[i];
		total += s.values[i];
		if (s.values[i] > s.values[best])
			best = i;
	}
	if (p.days > 1)
		snprintf(deftitle, sizeof deftitle, "%s per day, %s to %s",
			 fresh ? "New customers" : "Visits", p.first, p.last);
	else
		snprintf(deftitle, sizeof deftitle, "%s on %s",
			 fresh ? "New customers" : "Visits", p.first);
	ch.title = title ? title : deftitle;
	ch.xlabel = "day";
	ch.ylabel = fresh ? "new customers" : "visits";
	ch.n = s.n;
	ch.labels = labels;
	ch.values = s.values;
	snprintf(stem, sizeof stem, "%s-%s_%s",
		 fresh ? "new-customers-per-day" : "visits-per-day", p.first,
		 p.last);
	for (k = 0; k < 2; k++) {
		int fmt = k ? FT_CHART_SVG : FT_CHART_PNG;

		if (!(e->chart_format & fmt))
			continue;
		paths[npaths] = ft_chart_new_path(e->plots_dir, stem,
						  k ? "svg" : "png", err,
						  sizeof err);
		if (!paths[npaths] ||
		    ft_chart_write(&ch, paths[npaths], fmt, err, sizeof err)) {
			o = tool_error("%s", err);
			goto out;
		}
		files = jv_array_append(files, jv_string(paths[npaths]));
		cpaths[npaths] = paths[npaths];
		npaths++;
	}
	if (e->out && e->out->chart)
		e->out->chart(e->out->ctx, &ch, cpaths, (size_t)npaths);
	o = jv_object();
	o = jv_object_set(o, jv_string("type"), jv_string("chart"));
	o = jv_object_set(o, jv_string("series"), jv_string(series));
	o = jv_object_set(o, jv_string("first_day"), jv_string(p.first));
	o = jv_object_set(o, jv_string("last_day"), jv_string(p.last));
	o = jv_object_set(o, jv_string("days"), jv_number(s.n));
	o = jv_object_set(o, jv_string("total"), jv_number(total));
	if (s.n)
		o = jv_object_set(o, jv_string("busiest_day"),
				  JV_ARRAY(jv_string(s.labels[best]),
					   jv_number(s.values[best])));
	o = jv_object_set(o, jv_string("files"), jv_copy(files));
out:
	jv_free(files);
	for (k = 0; k < 2; k++) {
		/* A reserved file that never got its chart goes. */
		if (paths[k] && jv_get_kind(o) == JV_KIND_OBJECT &&
		    jv_object_has(jv_copy(o), jv_string("error")))
			remove(paths[k]);
		free(paths[k]);
	}
	free(labels);
	free(s.labels);
	free(s.values);
	free(series);
	free(title);
	return o;
}

static jv
tool_call(ft_chat *e, const char *name, const char *args,
	  const ft_chat_out *out, int *rcp)
{
	const struct tool *t;
	struct run r = { e, jv_null(), FT_OK };
	const ft_chat_out *saved = e->out;
	jv parsed, res;
	int ok;

	if (rcp)
		*rcp = FT_OK;
	for (t = tools; t->name; t++)
		if (!strcmp(t->name, name))
			break;
	if (!t->name)
		return tool_error("no tool '%s'", name);
	parsed = jv_parse(args && *args ? args : "{}");
	if (!jv_is_valid(parsed)) {
		jv_free(parsed);
		return tool_error("the arguments of %s are not JSON", name);
	}
	r.args = check_args(e, t, parsed, &ok);
	if (!ok)
		return r.args;
	if (out)
		e->out = out;
	res = t->fn(&r, r.args);
	e->out = saved;
	jv_free(r.args);
	if (rcp)
		*rcp = r.rc;
	return res;
}

jv
ft_chat_tool(ft_chat *e, const char *name, const char *args,
	     const ft_chat_out *out, int *rc)
{
	e->now = ft_time_now();
	return tool_call(e, name, args, out, rc);
}

/* --- engine --- */

int
ft_chat_opts_configured(ft_chat_opts *o, char *err, size_t errlen)
{
	const char *key = ft_config_get("FT_LLM_API_KEY", NULL);
	const char *v;
	long long n;
	int f;

	if (!key || !*key)
		key = ft_config_get("OPENROUTER_API_KEY", NULL);
	o->api_key = key && *key ? key : NULL;
	o->url = ft_config_get("FT_LLM_URL", "https://openrouter.ai/api/v1");
	o->model = ft_config_get("FT_LLM_MODEL", "openai/gpt-4o-mini");
	o->stream = 1;
	v = ft_config_get("FT_LLM_TIMEOUT", "60");
	if (ft_parse_int(v, 1, 3600, &n)) {
		ft_seterr(err, errlen, "bad FT_LLM_TIMEOUT: '%s' (seconds, 1 to "
		       "3600)", v);
		return -1;
	}
	o->timeout = (long)n;
	v = ft_config_get("FT_LLM_RETRIES", "3");
	if (ft_parse_int(v, 0, 10, &n)) {
		ft_seterr(err, errlen, "bad FT_LLM_RETRIES: '%s' (0 to 10)", v);
		return -1;
	}
	o->retries = (int)n;
	o->plots_dir = ft_config_get("FT_PLOTS_DIR", "./plots");
	v = ft_config_get("FT_CHART_FORMAT", "png");
	if ((f = ft_chart_format_parse(v)) < 0) {
		ft_seterr(err, errlen, "bad FT_CHART_FORMAT: '%s' (png, svg or "
		       "both)", v);
		return -1;
	}
	o->chart_format = f;
	o->max_rounds = 8;
	return 0;
}

ft_chat *
ft_chat_new(const ft_chat_opts *o)
{
	ft_chat *e = ft_xcalloc(1, sizeof *e);

	e->store = o->store;
	e->plots_dir = ft_xstrdup(o->plots_dir && *o->plots_dir ?
				  o->plots_dir : "./plots");
	e->chart_format = o->chart_format ? o->chart_format : FT_CHART_PNG;
	e->max_rounds = o->max_rounds > 0 ? o->max_rounds : 8;
	e->history = jv_array();
	atomic_init(&e->cancel, 0);
	if (o->api_key && *o->api_key && !o->offline) {
		ft_llm_opts lo = { 0 };

		lo.url = o->url;
		lo.model = o->model;
		lo.api_key = o->api_key;
		lo.stream = o->stream;
		lo.timeout = o->timeout;
		lo.retries = o->retries;
		lo.backoff_ms = 1000;
		lo.max_wait = 60;
		e->llm = ft_llm_new(&lo);
		e->describe = ft_xasprintf("%s at %s", o->model ? o->model
					   : "openai/gpt-4o-mini",
					   o->url ? o->url
					   : "https://openrouter.ai/api/v1");
	} else {
		e->describe = ft_xstrdup("offline");
	}
	return e;
}

void
ft_chat_free(ft_chat *e)
{
	if (!e)
		return;
	ft_llm_free(e->llm);
	jv_free(e->history);
	free(e->describe);
	free(e->plots_dir);
	free(e);
}

int
ft_chat_online(const ft_chat *e)
{
	return e->llm != NULL;
}

const char *
ft_chat_describe(const ft_chat *e)
{
	return e->describe;
}

void
ft_chat_cancel(ft_chat *e)
{
	atomic_store(&e->cancel, 1);
}

void
ft_chat_reset(ft_chat *e)
{
	jv_free(e->history);
	e->history = jv_array();
}

static int
cancelled(void *p)
{
	ft_chat *e = p;

	return atomic_load(&e->cancel) != 0;
}

static void
llm_text(void *p, const char *s, size_t n)
{
	emit_text(p, s, n);
}

static void
llm_notice(void *p, const char *msg)
{
	notice(p, "%s", msg);
}

static const char *const weekdays[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};

static jv
system_prompt(ft_chat *e)
{
	time_t t = (time_t)(e->now / 1000);
	struct tm tm;
	char zone[32], when[64];

	localtime_r(&t, &tm);
	strftime(zone, sizeof zone, "%Z", &tm);
	strftime(when, sizeof when, "%Y-%m-%d, %H:%M", &tm);
	return JV_OBJECT(jv_string("role"), jv_string("system"),
		jv_string("content"), jv_string_fmt(
		"You answer the owner's questions about the customers and "
		"visits of a shop that recognises returning customers with "
		"FaceTrack. It is %s %s (%s). Days are local days; weeks "
		"start on Monday; \"last week\" is Monday to Sunday of the "
		"week before this one; \"this month\" runs from the 1st to "
		"today. Get every figure from the tools, never estimate or "
		"compute one the tools can give; pass periods as dates "
		"(YYYY-MM-DD), an until date includes its whole day. \"How "
		"many customers visited\" is count with what=visitors; visits "
		"are what=visits; customers registered are "
		"what=new_customers. State figures as plain numbers (1234, "
		"not 1,234 or about 1.2k). For a chart call make_chart and "
		"name the file it wrote. The tools are read-only. Answer "
		"briefly, in the language of the question.",
		weekdays[tm.tm_wday], when, zone));
}

/* Keep the last HISTORY_MAX messages, cut at a question so that no tool
 * result loses its call. */
static void
trim_history(ft_chat *e)
{
	int n = jv_array_length(jv_copy(e->history)), i;

	if (n <= HISTORY_MAX)
		return;
	for (i = n - HISTORY_MAX; i < n; i++) {
		jv m = jv_array_get(jv_copy(e->history), i);
		jv role = jv_object_get(m, jv_string("role"));
		int user = jv_get_kind(role) == JV_KIND_STRING &&
			   !strcmp(jv_string_value(role), "user");

		jv_free(role);
		if (user)
			break;
	}
	e->history = jv_array_slice(e->history, i < n ? i : n, n);
}

static int offline_answer(ft_chat *e, const char *question);
static int offline_knows(ft_chat *e, const char *question);

static int
ask_model(ft_chat *e, const char *question, char *err, size_t errlen)
{
	jv turn = jv_array(), msgs, reply, calls;
	int round, rc, i, n;

	turn = jv_array_append(turn, JV_OBJECT(jv_string("role"),
			       jv_string("user"), jv_string("content"),
			       jv_string(question)));
	for (round = 0; round < e->max_rounds; round++) {
		ft_llm_io io = { llm_text, llm_notice, cancelled, e };

		msgs = jv_array_concat(jv_array_append(jv_array(),
				       system_prompt(e)), jv_copy(e->history));
		msgs = jv_array_concat(msgs, jv_copy(turn));
		rc = ft_llm_complete(e->llm, msgs, ft_chat_tools(), &io,
				     &reply, err, errlen);
		if (rc != FT_LLM_OK) {
			jv_free(turn);
			switch (rc) {
			case FT_LLM_ECANCEL: return FT_CHAT_ECANCEL;
			case FT_LLM_ETEMP:
				return ft_llm_spoke(e->llm) || round > 0
				       ? FT_CHAT_ETEMP : ETEMP_SILENT;
			default: return FT_CHAT_EFAIL;
			}
		}
		turn = jv_array_append(turn, jv_copy(reply));
		calls = jv_object_get(reply, jv_string("tool_calls"));
		if (jv_get_kind(calls) != JV_KIND_ARRAY) {
			jv_free(calls);
			if (!e->at_line_start)
				emit_text(e, "\n", 1);
			e->history = jv_array_concat(e->history, turn);
			trim_history(e);
			return FT_CHAT_OK;
		}
		if (!e->at_line_start)
			emit_text(e, "\n", 1);
		n = jv_array_length(jv_copy(calls));
		for (i = 0; i < n; i++) {
			jv c = jv_array_get(jv_copy(calls), i);
			jv id = jv_object_get(jv_copy(c), jv_string("id"));
			jv fn = jv_object_get(c, jv_string("function"));
			jv name = jv_object_get(jv_copy(fn), jv_string("name"));
			jv args = jv_object_get(fn, jv_string("arguments"));
			jv res, text;
			int src;

			res = tool_call(e, jv_string_value(name),
					jv_string_value(args), NULL, &src);
			text = jv_dump_string(res, 0);
			if (e->out && e->out->tool)
				e->out->tool(e->out->ctx, jv_string_value(name),
					     jv_string_value(args),
					     jv_string_value(text));
			turn = jv_array_append(turn, JV_OBJECT(
				jv_string("role"), jv_string("tool"),
				jv_string("tool_call_id"), id,
				jv_string("content"), text));
			jv_free(name);
			jv_free(args);
			if (src != FT_OK) {
				jv_free(calls);
				jv_free(turn);
				ft_seterr(err, errlen, "%s", e->store_err);
				return src == FT_ETEMP ? FT_CHAT_ETEMP
						       : FT_CHAT_EFAIL;
			}
			if (cancelled(e)) {
				jv_free(calls);
				jv_free(turn);
				return FT_CHAT_ECANCEL;
			}
		}
		jv_free(calls);
	}
	jv_free(turn);
	ft_seterr(err, errlen, "the model asked for tools %d times without "
	       "answering", e->max_rounds);
	return FT_CHAT_EFAIL;
}

int
ft_chat_ask(ft_chat *e, const char *question, const ft_chat_out *out,
	    char *err, size_t errlen)
{
	int rc;

	atomic_store(&e->cancel, 0);
	e->now = ft_time_now();
	e->out = out;
	e->at_line_start = 1;
	e->store_rc = FT_OK;
	e->tool_err[0] = '\0';
	e->store_err[0] = '\0';
	*err = '\0';
	while (isspace((unsigned char)*question))
		question++;
	if (!*question) {
		ft_seterr(err, errlen, "no question");
		return FT_CHAT_EFAIL;
	}
	if (!e->llm) {
		rc = offline_answer(e, question);
	} else {
		rc = ask_model(e, question, err, errlen);
		if (rc == ETEMP_SILENT && !offline_knows(e, question)) {
			rc = FT_CHAT_ETEMP;
		} else if (rc == ETEMP_SILENT) {
			/* Nothing of an answer came, and the offline engine
			 * knows this kind of question. */
			char why[512];

			snprintf(why, sizeof why, "%s", err);
			notice(e, "%s; answering offline", why);
			rc = offline_answer(e, question);
			if (rc == FT_CHAT_EUNKNOWN) {
				ft_seterr(err, errlen, "%s", why);
				rc = FT_CHAT_ETEMP;
			}
		}
	}
	if (rc == FT_CHAT_ECANCEL && !*err)
		ft_seterr(err, errlen, "answer cancelled");
	if ((rc == FT_CHAT_EFAIL || rc == FT_CHAT_ETEMP) && !*err)
		ft_seterr(err, errlen, "%s", *e->store_err ? e->store_err
		       : *e->tool_err ? e->tool_err
		       : "the question could not be answered");
	if (rc == FT_CHAT_OK && cancelled(e)) {
		rc = FT_CHAT_ECANCEL;
		ft_seterr(err, errlen, "answer cancelled");
	}
	if (!e->at_line_start)
		emit_text(e, "\n", 1);
	e->out = NULL;
	return rc;
}

/* --- the offline engine --- */

struct when {
	int kind;		/* 0 none, 1 whole days, 2 up to now */
	ft_period p;
	char since[32], until[32];	/* tool arguments */
	char desc[96];		/* "last week (2026-11-16 to 2026-11-22)" */
};

/* The question in lower case (ASCII letters), every character other
 * than letters, digits, UTF-8, '-', ':' and '\'' a space, spaces single
 * and at both ends, so words can be found as " word ". */
static char *
normalise(const char *q)
{
	size_t n = strlen(q), o = 0, i;
	char *s = ft_xmalloc(n + 3);

	s[o++] = ' ';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)q[i];

		if (c < 0x80 && isalnum(c))
			c = (unsigned char)tolower(c);
		else if (c < 0x80 && c != '-' && c != ':' && c != '\'')
			c = ' ';
		if (c == ' ' && s[o - 1] == ' ')
			continue;
		s[o++] = (char)c;
	}
	if (s[o - 1] != ' ')
		s[o++] = ' ';
	s[o] = '\0';
	return s;
}

/* Where the words w (e.g. "last week") stand in s, or NULL. */
static const char *
find(const char *s, const char *w)
{
	char pat[96];

	snprintf(pat, sizeof pat, " %s ", w);
	s = strstr(s, pat);
	return s ? s + 1 : NULL;
}

static int
any(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (find(s, *words))
			return 1;
	return 0;
}

/* A number written as digits or a small word, at p; -1 if none. */
static long
number_at(const char *p)
{
	static const char *const names[] = {
		"zero", "one", "two", "three", "four", "five", "six", "seven",
		"eight", "nine", "ten", "eleven", "twelve", "thirteen",
		"fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
		"nineteen", "twenty", NULL
	};
	size_t k;
	int i;

	if (isdigit((unsigned char)*p)) {
		char *end;
		long v = strtol(p, &end, 10);

		return *end == ' ' ? v : -1;
	}
	for (i = 0; names[i]; i++) {
		k = strlen(names[i]);
		if (!strncmp(p, names[i], k) && p[k] == ' ')
			return i;
	}
	return -1;
}

/* The word after the words w, as a number; -1 when none. */
static long
number_after(const char *s, const char *w)
{
	const char *p = find(s, w);

	return p ? number_at(p + strlen(w) + 1) : -1;
}

static int
is_date(const char *p)
{
	int i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? p[i] != '-' : !isdigit((unsigned char)p[i]))
			return 0;
	return p[10] == ' ';
}

static void
describe(struct when *w, const char *name)
{
	if (w->p.days == 1)
		snprintf(w->desc, sizeof w->desc, "%s%s(%s)", name,
			 *name ? " " : "", w->p.first);
	else
		snprintf(w->desc, sizeof w->desc, "%s%s(%s to %s)", name,
			 *name ? " " : "", w->p.first, w->p.last);
}

static void
set_days(struct when *w, const ft_period *p, const char *name)
{
	w->kind = 1;
	w->p = *p;
	snprintf(w->since, sizeof w->since, "%s", p->first);
	snprintf(w->until, sizeof w->until, "%s", p->last);
	describe(w, name);
}

static const char *const months[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december", NULL
};

/* The period a question names, if any. */
static void
parse_when(const char *s, int64_t now, struct when *w)
{
	static const struct {
		const char *words;
		enum ft_period_name name;
	} named[] = {
		{ "today", FT_PERIOD_TODAY },
		{ "yesterday", FT_PERIOD_YESTERDAY },
		{ "this week", FT_PERIOD_THIS_WEEK },
		{ "last week", FT_PERIOD_LAST_WEEK },
		{ "previous week", FT_PERIOD_LAST_WEEK },
		{ "this month", FT_PERIOD_THIS_MONTH },
		{ "last month", FT_PERIOD_LAST_MONTH },
		{ "previous month", FT_PERIOD_LAST_MONTH },
		{ "this year", FT_PERIOD_THIS_YEAR },
		{ "last year", FT_PERIOD_LAST_YEAR },
		{ NULL, 0 }
	};
	const char *dates[2], *p;
	int ndates = 0, i;
	long n;
	int64_t a, b;
	ft_period per;
	char name[64];

	memset(w, 0, sizeof *w);
	snprintf(w->desc, sizeof w->desc, "in all");
	for (p = s; *p && ndates < 2; p++)
		if ((p == s || p[-1] == ' ') && is_date(p))
			dates[ndates++] = p;
	if (ndates) {
		char d1[11], d2[11];

		snprintf(d1, sizeof d1, "%.10s", dates[0]);
		snprintf(d2, sizeof d2, "%.10s", dates[ndates - 1]);
		if (ft_time_parse(d1, now, 0, &a) == 0 &&
		    ft_time_parse(d2, now, 0, &b) == 0) {
			if (ndates == 1 && (find(s, "since") ||
					    find(s, "after"))) {
				if (ft_times_period(a, now, &per) == 0) {
					snprintf(name, sizeof name, "since %s",
						 d1);
					set_days(w, &per, name);
					return;
				}
			}
			if (ft_times_period(a < b ? a : b, a < b ? b : a,
					     &per) == 0) {
				set_days(w, &per, "");
				if (per.days == 1)
					snprintf(w->desc, sizeof w->desc,
						 "on %s", per.first);
				else
					snprintf(w->desc, sizeof w->desc,
						 "from %s to %s", per.first,
						 per.last);
				return;
			}
		}
	}
	for (i = 0; named[i].words; i++) {
		if (find(s, named[i].words)) {
			ft_times_period_named(named[i].name, 0, now, &per);
			set_days(w, &per, named[i].words);
			return;
		}
	}
	static const char *const lasts[] = { "last", "past", "previous",
					     "the last", NULL };
	for (i = 0; lasts[i]; i++) {
		char key[32];
		const char *q;

		snprintf(key, sizeof key, "%s", lasts[i]);
		if (!(q = find(s, key)))
			continue;
		q += strlen(key) + 1;
		n = number_at(q);
		if (n < 0) {
			/* "the past week", "the last month": a span. */
			if (!strncmp(q, "week ", 5))
				n = 7, q = "days ";
			else if (!strncmp(q, "month ", 6))
				n = 30, q = "days ";
			else if (!strncmp(q, "day ", 4))
				n = 1, q = "days ";
			else
				continue;
		} else {
			q = strchr(q, ' ') + 1;
		}
		if (n < 1 || n > 3660)
			continue;
		if (!strncmp(q, "day", 3) || !strncmp(q, "week", 4)) {
			int days = (int)n * (q[0] == 'w' ? 7 : 1);

			ft_times_period_named(FT_PERIOD_LAST_DAYS, days, now,
					       &per);
			snprintf(name, sizeof name, "in the last %d days",
				 days);
			set_days(w, &per, days == 1 ? "today" : name);
			return;
		}
		if (!strncmp(q, "hour", 4) || !strncmp(q, "minute", 6)) {
			w->kind = 2;
			snprintf(w->since, sizeof w->since, "%ld%c", n,
				 q[0] == 'h' ? 'h' : 'm');
			snprintf(w->until, sizeof w->until, "now");
			snprintf(w->desc, sizeof w->desc, "in the last %ld %s%s",
				 n, q[0] == 'h' ? "hour" : "minute",
				 n == 1 ? "" : "s");
			return;
		}
	}
	/* A month by name ("in november", "november 2025") or number
	 * (2026-11). */
	for (i = 0; months[i]; i++) {
		char key[32];
		const char *q;
		struct tm tm;
		time_t t = (time_t)(now / 1000);
		long year;
		int mon = i + 1;

		if (!(q = find(s, months[i])))
			continue;
		year = number_at(q + strlen(months[i]) + 1);
		snprintf(key, sizeof key, "in %s", months[i]);
		if (i == 4 && year < 0 && !find(s, key))
			continue;	/* "may" the verb */
		localtime_r(&t, &tm);
		if (year < 1970)
			year = tm.tm_year + 1900 - (mon > tm.tm_mon + 1);
		if (ft_times_period_month((int)year, mon, &per) == 0) {
			snprintf(name, sizeof name, "in %04ld-%02d", year, mon);
			set_days(w, &per, name);
			return;
		}
	}
	for (p = s; *p; p++) {
		if ((p == s || p[-1] == ' ') && isdigit((unsigned char)p[0]) &&
		    strlen(p) >= 8 && p[4] == '-' && p[7] == ' ') {
			char ym[8];

			snprintf(ym, sizeof ym, "%.7s", p);
			if (ft_times_period_parse_month(ym, &per) == 0) {
				snprintf(name, sizeof name, "in %s", ym);
				set_days(w, &per, name);
				return;
			}
		}
	}
}

/* Run a tool for the offline engine; NULL args for none.  Returns the
 * result, or an invalid jv after a store failure (reported in rc). */
static jv
run_tool(ft_chat *e, const char *name, jv args, int *rc)
{
	jv text = jv_dump_string(args, 0);
	jv res = tool_call(e, name, jv_string_value(text), NULL, rc);

	if (e->out && e->out->tool) {
		jv r = jv_dump_string(jv_copy(res), 0);

		e->out->tool(e->out->ctx, name, jv_string_value(text),
			     jv_string_value(r));
		jv_free(r);
	}
	jv_free(text);
	if (*rc != FT_OK) {
		jv_free(res);
		return jv_invalid();
	}
	return res;
}

static int
result_error(ft_chat *e, jv res)
{
	jv err = jv_object_get(jv_copy(res), jv_string("error"));

	if (jv_get_kind(err) == JV_KIND_STRING) {
		snprintf(e->tool_err, sizeof e->tool_err, "%s",
			 jv_string_value(err));
		say(e, "I could not answer that: %s.\n", jv_string_value(err));
		jv_free(err);
		return 1;
	}
	jv_free(err);
	return 0;
}

static double
num(jv o, const char *key)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;

	jv_free(v);
	return d;
}

static jv
period_args(const struct when *w)
{
	jv a = jv_object();

	if (w->kind) {
		a = jv_object_set(a, jv_string("since"), jv_string(w->since));
		a = jv_object_set(a, jv_string("until"), jv_string(w->until));
	}
	return a;
}

static int
store_failed(ft_chat *e, int rc)
{
	return rc == FT_ETEMP ? FT_CHAT_ETEMP : FT_CHAT_EFAIL;
}

static int
answer_count(ft_chat *e, const char *what, const struct when *w)
{
	jv a = period_args(w), res;
	int64_t v;
	int rc;

	a = jv_object_set(a, jv_string("what"), jv_string(what));
	res = run_tool(e, "count", a, &rc);
	if (rc != FT_OK)
		return store_failed(e, rc);
	if (result_error(e, res)) {
		jv_free(res);
		return FT_CHAT_EFAIL;
	}
	v = (int64_t)num(res, "value");
	jv_free(res);
	if (!strcmp(what, "visitors"))
		say(e, "%lld %s %s.\n", (long long)v,
		    plural(v, "customer visited", "customers visited"),
		    w->desc);
	else if (!strcmp(what, "visits"))
		say(e, "%lld %s %s.\n", (long long)v,
		    plural(v, "visit", "visits"), w->desc);
	else
		say(e, "%lld new %s %s.\n", (long long)v,
		    plural(v, "customer", "customers"), w->desc);
	return FT_CHAT_OK;
}

static int
answer_total(ft_chat *e)
{
	int rc;
	jv res = run_tool(e, "get_stats", jv_object(), &rc);
	int64_t v;

	if (rc != FT_OK)
		return store_failed(e, rc);
	v = (int64_t)num(res, "total_customers");
	jv_free(res);
	say(e, "%lld %s in all.\n", (long long)v,
	    plural(v, "customer", "customers"));
	return FT_CHAT_OK;
}

static int
answer_stats(ft_chat *e)
{
	int rc;
	jv res = run_tool(e, "get_stats", jv_object(), &rc);

	if (rc != FT_OK)
		return store_failed(e, rc);
	say(e, "Customers: %.0f\nNew today: %.0f\nVisits today: %.0f\n"
	    "Visits in the last 7 days: %.0f\n"
	    "Returning rate: %.2f%% of customers who visited came back\n",
	    num(res, "total_customers"), num(res, "new_today"),
	    num(res, "visits_today"), num(res, "visits_week"),
	    num(res, "returning_rate") * 100);
	jv_free(res);
	return FT_CHAT_OK;
}

static int
answer_per_day(ft_chat *e, int fresh, struct when *w)
{
	const char *series = fresh ? "new_customers_per_day"
			     : "visits_per_day";
	jv res, recs, pts = jv_null();
	int i, n, back, rc;
	int64_t total = 0;

	if (w->kind != 1) {
		ft_period p;

		ft_times_period_named(FT_PERIOD_LAST_DAYS, 7, e->now, &p);
		set_days(w, &p, "in the last 7 days");
	}
	back = days_between(w->p.since, e->now);
	if (back < 1 || back > 3660) {
		say(e, "I can list days up to today only, and not more than "
		    "3660 days back.\n");
		return FT_CHAT_EUNKNOWN;
	}
	res = run_tool(e, "get_trend", JV_OBJECT(jv_string("days"),
		       jv_number(back)), &rc);
	if (rc != FT_OK)
		return store_failed(e, rc);
	recs = jv_object_get(res, jv_string("records"));
	n = jv_array_length(jv_copy(recs));
	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(recs), i);
		jv name = jv_object_get(jv_copy(r), jv_string("name"));

		if (!strcmp(jv_string_value(name), series)) {
			jv_free(pts);
			pts = jv_object_get(jv_copy(r), jv_string("points"));
		}
		jv_free(name);
		jv_free(r);
	}
	jv_free(recs);
	say(e, "%s per day %s:\n", fresh ? "New customers" : "Visits",
	    w->desc);
	n = jv_get_kind(pts) == JV_KIND_ARRAY ? jv_array_length(jv_copy(pts))
	    : 0;
	for (i = 0; i < n; i++) {
		jv pt = jv_array_get(jv_copy(pts), i);
		jv d = jv_array_get(jv_copy(pt), 0);
		jv v = jv_array_get(pt, 1);

		if (strcmp(jv_string_value(d), w->p.first) >= 0 &&
		    strcmp(jv_string_value(d), w->p.last) <= 0) {
			say(e, "  %s  %.0f\n", jv_string_value(d),
			    jv_number_value(v));
			total += (int64_t)jv_number_value(v);
		}
		jv_free(d);
		jv_free(v);
	}
	jv_free(pts);
	say(e, "Total: %lld\n", (long long)total);
	return FT_CHAT_OK;
}

static int
answer_top(ft_chat *e, const char *s, const struct when *w)
{
	long limit = number_after(s, "top");
	jv a = period_args(w), res, recs;
	int i, n, rc;

	if (limit < 1)
		limit = number_after(s, "the");
	if (limit < 1 || limit > 100)
		limit = 10;
	a = jv_object_set(a, jv_string("limit"), jv_number(limit));
	res = run_tool(e, "top_customers", a, &rc);
	if (rc != FT_OK)
		return store_failed(e, rc);
	if (result_error(e, res)) {
		jv_free(res);
		return FT_CHAT_EFAIL;
	}
	recs = jv_object_get(res, jv_string("records"));
	n = jv_array_length(jv_copy(recs));
	if (n == 0)
		say(e, "No visits %s.\n", w->kind ? w->desc : "yet");
	else
		say(e, "Top %d %s %s:\n", n, plural(n, "visitor",
		    "visitors"), w->kind ? w->desc : "of all time");
	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(recs), i);
		jv name = jv_object_get(jv_copy(r), jv_string("name"));
		jv id = jv_object_get(jv_copy(r), jv_string("id"));
		int64_t v = (int64_t)num(r, "visits_in_range");

		if (jv_get_kind(name) == JV_KIND_STRING)
			say(e, "  %d. %s: %lld %s\n", i + 1,
			    jv_string_value(name), (long long)v,
			    plural(v, "visit", "visits"));
		else
			say(e, "  %d. (no name, %.8s): %lld %s\n", i + 1,
			    jv_string_value(id), (long long)v,
			    plural(v, "visit", "visits"));
		jv_free(name);
		jv_free(id);
		jv_free(r);
	}
	jv_free(recs);
	return FT_CHAT_OK;
}

/* "2026-11-23 14:05 UTC" of an RFC 3339 time, in local time. */
static void
local_time(const char *rfc, char *buf, size_t len)
{
	int64_t ms;
	time_t t;
	struct tm tm;

	if (ft_time_parse(rfc, 0, 0, &ms) != 0) {
		snprintf(buf, len, "%s", rfc);
		return;
	}
	t = (time_t)(ms / 1000);
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm);
}

/* Trim name in place: blanks at both ends, a possessive "'s". */
static char *
trim_name(char *name)
{
	char *q = name;
	size_t i;

	while (*q == ' ')
		q++;
	memmove(name, q, strlen(q) + 1);
	i = strlen(name);
	while (i && name[i - 1] == ' ')
		name[--i] = '\0';
	if (i > 2 && !strcmp(name + i - 2, "'s"))
		name[i -= 2] = '\0';
	if (!*name) {
		free(name);
		return NULL;
	}
	return name;
}

/* The name as the question wrote it: the normalised copy lost the
 * ASCII capitals, which the original still has. */
static char *
restore_case(const char *orig, char *name)
{
	size_t i = strlen(name);
	const char *p;

	for (p = orig; *p; p++) {
		if (!strncasecmp(p, name, i)) {
			memcpy(name, p, i);
			break;
		}
	}
	return name;
}

/* The words between the words after and the first of befores (or the
 * end), from the normalised question s. */
static char *
name_between(const char *orig, const char *s, const char *after,
	     const char *const *befores)
{
	const char *a = find(s, after), *b = NULL, *p;
	char *name;
	int k;

	if (!a)
		return NULL;
	a += strlen(after);
	for (k = 0; befores[k]; k++) {
		p = find(a, befores[k]);
		if (p && (!b || p < b))
			b = p;
	}
	if (!b)
		b = s + strlen(s);
	name = trim_name(ft_xasprintf("%.*s", (int)(b - a), a));
	return name ? restore_case(orig, name) : NULL;
}

/* The customer a question about a last visit names:
 * "when did NAME last visit", "when was NAME last here", "last visit
 * of NAME", "NAME's last visit". */
static char *
customer_name(const char *orig, const char *s)
{
	static const char *const ends[] = {
		"last", "visit", "visited", "come", "came", "been", "here",
		"in", NULL
	};
	static const char *const none[] = { NULL };
	static const char *const starts[] = {
		"did", "was", "has", "when", NULL
	};
	static const char *const lead[] = {
		"when ", "what ", "was ", "is ", "were ", "the ", "show ",
		"me ", NULL
	};
	const char *p, *a;
	char *name;
	int i;

	if ((name = name_between(orig, s, "last visit of", none)) ||
	    (name = name_between(orig, s, "last visit by", none)) ||
	    (name = name_between(orig, s, "last visit from", none)) ||
	    (name = name_between(orig, s, "last seen", none)))
		return name;
	if ((p = strstr(s, "'s last visit"))) {
		for (a = s + 1, i = 0; lead[i]; i++)
			if (!strncmp(a, lead[i], strlen(lead[i]))) {
				a += strlen(lead[i]);
				i = -1;
			}
		name = trim_name(ft_xasprintf("%.*s", (int)(p - a), a));
		return name ? restore_case(orig, name) : NULL;
	}
	for (i = 0; starts[i]; i++)
		if ((name = name_between(orig, s, starts[i], ends)))
			return name;
	return NULL;
}

static int
answer_last_visit(ft_chat *e, const char *orig, const char *s)
{
	char *name = customer_name(orig, s), when[64];
	jv a, res, recs, pick = jv_null();
	int i, n, rc, exact = 0;

	if (!name) {
		say(e, "Whose last visit? Ask, for example: when did Anna "
		    "Müller last visit?\n");
		return FT_CHAT_EUNKNOWN;
	}
	a = JV_OBJECT(jv_string("name"), jv_string(name),
		      jv_string("sort"), jv_string("last-visit"),
		      jv_string("reverse"), jv_true(),
		      jv_string("limit"), jv_number(10));
	res = run_tool(e, "find_customers", a, &rc);
	if (rc != FT_OK) {
		free(name);
		return store_failed(e, rc);
	}
	if (result_error(e, res)) {
		free(name);
		jv_free(res);
		return FT_CHAT_EFAIL;
	}
	recs = jv_object_get(jv_copy(res), jv_string("records"));
	n = jv_array_length(jv_copy(recs));
	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(recs), i);
		jv rn = jv_object_get(jv_copy(r), jv_string("name"));

		if (jv_get_kind(rn) == JV_KIND_STRING &&
		    !strcasecmp(jv_string_value(rn), name)) {
			exact++;
			jv_free(pick);
			pick = jv_copy(r);
		}
		jv_free(rn);
		jv_free(r);
	}
	if (n == 1 && !exact) {
		jv_free(pick);
		pick = jv_array_get(jv_copy(recs), 0);
		exact = 1;
	}
	if (n == 0) {
		say(e, "No customer's name contains '%s'.\n", name);
	} else if (exact == 1) {
		jv rn = jv_object_get(jv_copy(pick), jv_string("name"));
		jv lv = jv_object_get(jv_copy(pick), jv_string("last_visit"));
		jv cr = jv_object_get(jv_copy(pick), jv_string("created"));
		int64_t visits = (int64_t)num(pick, "visits");

		if (jv_get_kind(lv) == JV_KIND_STRING) {
			local_time(jv_string_value(lv), when, sizeof when);
			say(e, "%s last visited on %s (%lld %s in all).\n",
			    jv_string_value(rn), when, (long long)visits,
			    plural(visits, "visit", "visits"));
		} else {
			local_time(jv_string_value(cr), when, sizeof when);
			say(e, "%s has not visited yet (registered %s).\n",
			    jv_string_value(rn), when);
		}
		jv_free(rn);
		jv_free(lv);
		jv_free(cr);
	} else {
		jv more = jv_object_get(jv_copy(res), jv_string("truncated"));

		if (jv_get_kind(more) == JV_KIND_TRUE)
			say(e, "More than %d customers match '%s'; the %d most "
			    "recent visitors:\n", n, name, n);
		else
			say(e, "%d customers match '%s'; the most recent "
			    "visitors first:\n", n, name);
		jv_free(more);
		for (i = 0; i < n; i++) {
			jv r = jv_array_get(jv_copy(recs), i);
			jv rn = jv_object_get(jv_copy(r), jv_string("name"));
			jv lv = jv_object_get(jv_copy(r),
					      jv_string("last_visit"));

			if (jv_get_kind(lv) == JV_KIND_STRING) {
				local_time(jv_string_value(lv), when,
					   sizeof when);
				say(e, "  %s: last visit %s\n",
				    jv_string_value(rn), when);
			} else {
				say(e, "  %s: no visit yet\n",
				    jv_string_value(rn));
			}
			jv_free(rn);
			jv_free(lv);
			jv_free(r);
		}
	}
	jv_free(pick);
	jv_free(recs);
	jv_free(res);
	free(name);
	return FT_CHAT_OK;
}

static int
answer_chart(ft_chat *e, int fresh, struct when *w)
{
	jv a, res, files;
	int rc, i, n;

	if (w->kind != 1) {
		ft_period p;

		ft_times_period_named(FT_PERIOD_LAST_DAYS, 30, e->now, &p);
		set_days(w, &p, "in the last 30 days");
	}
	a = JV_OBJECT(jv_string("series"), jv_string(fresh ?
		      "new_customers_per_day" : "visits_per_day"),
		      jv_string("since"), jv_string(w->since),
		      jv_string("until"), jv_string(w->until));
	res = run_tool(e, "make_chart", a, &rc);
	if (rc != FT_OK)
		return store_failed(e, rc);
	if (result_error(e, res)) {
		jv_free(res);
		return FT_CHAT_EFAIL;
	}
	files = jv_object_get(jv_copy(res), jv_string("files"));
	n = jv_array_length(jv_copy(files));
	say(e, "Chart of %s per day %s, %.0f in all, written to ",
	    fresh ? "new customers" : "visits", w->desc, num(res, "total"));
	for (i = 0; i < n; i++) {
		jv f = jv_array_get(jv_copy(files), i);

		say(e, "%s%s", i ? " and " : "", jv_string_value(f));
		jv_free(f);
	}
	say(e, ".\n");
	jv_free(files);
	jv_free(res);
	return FT_CHAT_OK;
}

static void
offline_help(ft_chat *e)
{
	say(e, "Without a language model I can answer questions like these:\n"
	    "  how many customers visited last week?\n"
	    "  how many visits yesterday? (today, this month, in the last 7 "
	    "days, on 2026-11-20, from 2026-11-01 to 2026-11-15, in november)\n"
	    "  how many new customers this week?\n"
	    "  new customers per day this month\n"
	    "  who are the top 5 visitors this month?\n"
	    "  when did Anna Müller last visit?\n"
	    "  chart visits per day this month\n"
	    "  stats\n"
	    "Set OPENROUTER_API_KEY (or FT_LLM_API_KEY) for any other "
	    "question.\n");
}

/* The kinds of question the offline engine knows. */
enum kind {
	K_UNKNOWN, K_HELP, K_CHART, K_LAST_VISIT, K_TOP, K_PER_DAY, K_STATS,
	K_NEW, K_VISITORS, K_VISITS, K_TOTAL
};

/* What kind of question the normalised s is; w its period. */
static enum kind
classify(const char *s, const struct when *w)
{
	static const char *const chart_words[] = {
		"chart", "plot", "graph", "draw", "diagram", "visualise",
		"visualize", "histogram", NULL
	};
	static const char *const top_words[] = {
		"top", "most visits", "most frequent", "most often",
		"regulars", "best customers", "loyal", "most loyal",
		"visited the most", "visit the most", "came the most",
		"most active", NULL
	};
	static const char *const per_day[] = {
		"per day", "each day", "every day", "daily", "by day",
		"a day", NULL
	};
	static const char *const stats_words[] = {
		"stats", "statistics", "overview", "summary", "dashboard",
		"returning rate", "return rate", NULL
	};
	static const char *const count_words[] = {
		"how many", "number of", "count", "total", "how much", NULL
	};
	static const char *const people[] = {
		"customers", "customer", "people", "persons", "visitors",
		"guests", "who", "unique", "different", "distinct", NULL
	};
	static const char *const came[] = {
		"visited", "visit", "came", "come", "were here", "been",
		"showed up", "seen", "returned", NULL
	};
	static const char *const visit_nouns[] = { "visits", "visit", NULL };
	static const char *const when_words[] = {
		"last visit", "last visited", "last seen", "last here",
		"last came", "last come", NULL
	};
	int fresh = find(s, "new") != NULL;

	if (!strcmp(s, " help ") || find(s, "what can you") ||
	    !strcmp(s, " ? "))
		return K_HELP;
	if (any(s, chart_words))
		return K_CHART;
	if (any(s, when_words) || (find(s, "when") && any(s, came)))
		return K_LAST_VISIT;
	if (any(s, top_words))
		return K_TOP;
	if (any(s, per_day))
		return K_PER_DAY;
	if (any(s, stats_words))
		return K_STATS;
	if (!any(s, count_words) && !(w->kind && (any(s, people) ||
						  any(s, visit_nouns))))
		return K_UNKNOWN;
	if (fresh || find(s, "registered") || find(s, "signed up") ||
	    find(s, "joined"))
		return K_NEW;
	if (find(s, "visitors") ||
	    (any(s, people) && any(s, came) && !find(s, "visits")))
		return K_VISITORS;
	if (any(s, visit_nouns))
		return K_VISITS;
	if (any(s, people))
		return w->kind ? K_VISITORS : K_TOTAL;
	return K_UNKNOWN;
}

/* Whether the offline engine knows the question. */
static int
offline_knows(ft_chat *e, const char *question)
{
	char *s = normalise(question);
	struct when w;
	enum kind k;

	parse_when(s, e->now, &w);
	k = classify(s, &w);
	free(s);
	return k != K_UNKNOWN;
}

static int
offline_answer(ft_chat *e, const char *question)
{
	char *s = normalise(question);
	int fresh = find(s, "new") != NULL;
	struct when w;
	int rc;

	parse_when(s, e->now, &w);
	switch (classify(s, &w)) {
	case K_HELP:
		offline_help(e);
		rc = FT_CHAT_OK;
		break;
	case K_CHART: rc = answer_chart(e, fresh, &w); break;
	case K_LAST_VISIT: rc = answer_last_visit(e, question, s); break;
	case K_TOP: rc = answer_top(e, s, &w); break;
	case K_PER_DAY: rc = answer_per_day(e, fresh, &w); break;
	case K_STATS: rc = answer_stats(e); break;
	case K_NEW:
		if (!w.kind) {
			ft_period p;

			ft_times_period_named(FT_PERIOD_TODAY, 0, e->now, &p);
			set_days(&w, &p, "today");
		}
		rc = answer_count(e, "new_customers", &w);
		break;
	case K_VISITORS: rc = answer_count(e, "visitors", &w); break;
	case K_VISITS: rc = answer_count(e, "visits", &w); break;
	case K_TOTAL: rc = answer_total(e); break;
	default: rc = FT_CHAT_EUNKNOWN; break;
	}
	if (rc == FT_CHAT_EUNKNOWN && e->at_line_start) {
		say(e, "That question is beyond what I can answer offline.\n");
		offline_help(e);
	}
	free(s);
	return rc;
}
