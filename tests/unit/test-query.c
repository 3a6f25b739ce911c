/*
 * Unit tests of lib/query's operation table: each filler (ft-query's
 * options, ft-serve's query strings, a tool call's JSON arguments) on
 * good and bad values, the defaults each surface gets, the getopt
 * options and the tools' JSON Schema made from the table.
 */
#include "query.h"
#include "tap.h"

#include <getopt.h>
#include <stdlib.h>
#include <time.h>

#define NOW	1795511700000LL		/* 2026-11-24T09:15:00Z */
#define DAY	(86400 * 1000LL)
#define MIDNIGHT (NOW - 9 * 3600000LL - 15 * 60000LL)

#define CLI	FT_QUERY_CLI
#define HTTP	FT_QUERY_HTTP

/* One value as an option or a query-string parameter. */
static const struct text_row {
	enum ft_query_surface surface;
	const char *op, *name, *text;	/* text NULL: a flag */
	int rc;
	const char *err;	/* FT_EINVAL's message */
	enum ft_query_slot slot;
	long long n;		/* the value read (times: ms) */
} text_rows[] = {
	{ CLI, "customers", "limit", "5", FT_OK, NULL, FT_QS_LIMIT, 5 },
	{ CLI, "customers", "limit", "9223372036854775807", FT_OK, NULL,
	  FT_QS_LIMIT, INT64_MAX },
	{ CLI, "customers", "limit", "0", FT_EINVAL, "bad --limit: '0'",
	  FT_QS_LIMIT, 0 },
	{ CLI, "top", "limit", "many", FT_EINVAL, "bad --limit: 'many'",
	  FT_QS_LIMIT, 0 },
	{ CLI, "customers", "min-visits", "-1", FT_EINVAL,
	  "bad --min-visits: '-1'", FT_QS_MIN_VISITS, 0 },
	{ CLI, "customers", "min-visits", "0", FT_OK, NULL,
	  FT_QS_MIN_VISITS, 0 },
	{ CLI, "customers", "sort", "last-visit", FT_OK, NULL, FT_QS_SORT,
	  FT_SORT_LAST_VISIT },
	{ CLI, "customers", "sort", "visits", FT_OK, NULL, FT_QS_SORT,
	  FT_SORT_VISITS },
	{ CLI, "customers", "sort", "height", FT_EINVAL,
	  "bad --sort: 'height'", FT_QS_SORT, 0 },
	{ CLI, "customers", "reverse", NULL, FT_OK, NULL, FT_QS_REVERSE, 1 },
	{ CLI, "visits", "since", "2026-11-20", FT_OK, NULL, FT_QS_SINCE,
	  MIDNIGHT - 4 * DAY },
	{ CLI, "visits", "until", "2026-11-20", FT_OK, NULL, FT_QS_UNTIL,
	  MIDNIGHT - 3 * DAY },
	{ CLI, "top", "since", "7d", FT_OK, NULL, FT_QS_SINCE, NOW - 7 * DAY },
	{ CLI, "visits", "since", "garbage", FT_EINVAL,
	  "bad time for --since: 'garbage'", FT_QS_SINCE, 0 },
	{ CLI, "visits", "until", "2026-13-01", FT_EINVAL,
	  "bad time for --until: '2026-13-01'", FT_QS_UNTIL, 0 },
	{ CLI, "trend", "days", "0", FT_EINVAL, "bad --days: '0' (1 to 3660)",
	  FT_QS_DAYS, 0 },
	{ CLI, "trend", "days", "3660", FT_OK, NULL, FT_QS_DAYS, 3660 },
	{ CLI, "customers", "days", "3", FT_ENOTFOUND, NULL, FT_QS_DAYS, 0 },
	{ CLI, "stats", "limit", "3", FT_ENOTFOUND, NULL, FT_QS_LIMIT, 0 },
	{ CLI, "customer", "id", "abc", FT_ENOTFOUND, NULL, FT_QS_ID, 0 },
	{ CLI, "customers", "min_visits", "1", FT_ENOTFOUND, NULL,
	  FT_QS_MIN_VISITS, 0 },
	{ HTTP, "customers", "limit", "10000", FT_OK, NULL, FT_QS_LIMIT,
	  10000 },
	{ HTTP, "customers", "limit", "10001", FT_EINVAL,
	  "bad 'limit': '10001' (1 to 10000)", FT_QS_LIMIT, 0 },
	{ HTTP, "top", "limit", "-1", FT_EINVAL,
	  "bad 'limit': '-1' (1 to 10000)", FT_QS_LIMIT, 0 },
	{ HTTP, "trend", "days", "abc", FT_EINVAL,
	  "bad 'days': 'abc' (1 to 3660)", FT_QS_DAYS, 0 },
	{ HTTP, "customers", "reverse", "", FT_OK, NULL, FT_QS_REVERSE, 1 },
	{ HTTP, "customers", "reverse", "true", FT_OK, NULL, FT_QS_REVERSE,
	  1 },
	{ HTTP, "visits", "reverse", "0", FT_OK, NULL, FT_QS_REVERSE, 0 },
	{ HTTP, "visits", "reverse", "false", FT_OK, NULL, FT_QS_REVERSE, 0 },
	{ HTTP, "customers", "reverse", "maybe", FT_EINVAL,
	  "bad 'reverse': 'maybe' (true or false)", FT_QS_REVERSE, 0 },
	{ HTTP, "customers", "sort", "shoe", FT_EINVAL,
	  "bad 'sort': 'shoe' (created, name, last-visit or visits)",
	  FT_QS_SORT, 0 },
	{ HTTP, "customers", "sort", "name", FT_OK, NULL, FT_QS_SORT,
	  FT_SORT_NAME },
	{ HTTP, "visits", "since", "someday", FT_EINVAL,
	  "bad 'since': 'someday'", FT_QS_SINCE, 0 },
	{ HTTP, "visits", "since",
	  "0123456789012345678901234567890123456789-and-more", FT_EINVAL,
	  "bad 'since': '0123456789012345678901234567890123456789'",
	  FT_QS_SINCE, 0 },
	{ HTTP, "customers", "days", "3", FT_ENOTFOUND, NULL, FT_QS_DAYS, 0 },
	{ HTTP, "customer", "visits", "3", FT_ENOTFOUND, NULL, FT_QS_VISITS,
	  0 },
};

static void
test_text(void)
{
	size_t i;

	for (i = 0; i < sizeof text_rows / sizeof text_rows[0]; i++) {
		const struct text_row *r = &text_rows[i];
		const ft_query_op *op = ft_query_op_find(r->surface, r->op);
		char err[256] = "", what[160];
		ft_query_args a;
		int rc;

		snprintf(what, sizeof what, "%s %s %s=%s",
			 r->surface == CLI ? "ft-query" : "/api/", r->op,
			 r->name, r->text ? r->text : "(flag)");
		if (!ok(op != NULL, "%s: the operation", what))
			continue;
		ft_query_args_init(&a, op, r->surface, NOW);
		rc = ft_query_set(&a, r->name, r->text, err, sizeof err);
		is_int(rc, r->rc, "%s: %s", what, r->rc == FT_OK ? "taken"
		       : "refused");
		if (r->rc == FT_EINVAL)
			is_str(err, r->err, "%s: the message", what);
		else if (r->rc == FT_ENOTFOUND)
			is_str(err, "", "%s: no message", what);
		else
			is_int(r->slot == FT_QS_SINCE || r->slot == FT_QS_UNTIL
			       ? a.t[r->slot] : a.n[r->slot], r->n,
			       "%s: the value", what);
		ok(ft_query_given(&a, r->slot) == (rc == FT_OK),
		   "%s: given when taken", what);
		ft_query_args_clear(&a);
	}
}

/* A tool call's arguments. */
static const struct json_row {
	const char *tool, *args;
	const char *err;	/* NULL: taken */
	enum ft_query_slot slot;
	long long n;		/* the value of slot when taken */
	const char *s;		/* the text of slot when taken, or NULL */
} json_rows[] = {
	{ "find_customers", "{\"min_visits\": 2, \"sort\": \"visits\", "
	  "\"reverse\": true}", NULL, FT_QS_SORT, FT_SORT_VISITS, "visits" },
	{ "find_customers", "{\"min_visits\": 2}", NULL, FT_QS_MIN_VISITS, 2,
	  NULL },
	{ "find_customers", "{}", NULL, FT_QS_LIMIT, 20, NULL },
	{ "list_visits", "null", NULL, FT_QS_LIMIT, 50, NULL },
	{ "top_customers", "{\"since\": null}", NULL, FT_QS_LIMIT, 10, NULL },
	{ "get_trend", "{}", NULL, FT_QS_DAYS, 30, NULL },
	{ "get_customer", "{\"id\": \"0123abcd\"}", NULL, FT_QS_VISITS, 10,
	  NULL },
	{ "get_customer", "{\"id\": \"0123abcd\"}", NULL, FT_QS_ID, 0,
	  "0123abcd" },
	{ "list_visits", "{\"source\": \"door\", \"reverse\": false}", NULL,
	  FT_QS_SOURCE, 0, "door" },
	{ "count", "{\"what\": \"new_customers\", \"since\": \"today\"}",
	  NULL, FT_QS_WHAT, 2, "new_customers" },
	{ "find_customers", "{\"min-visits\": 2}",
	  "find_customers takes no argument 'min-visits'", 0, 0, NULL },
	{ "find_customers", "{\"limit\": 101}",
	  "'limit' must be an integer from 1 to 100", 0, 0, NULL },
	{ "list_visits", "{\"limit\": 201}",
	  "'limit' must be an integer from 1 to 200", 0, 0, NULL },
	{ "top_customers", "{\"limit\": 2.5}",
	  "'limit' must be an integer from 1 to 100", 0, 0, NULL },
	{ "top_customers", "{\"limit\": \"5\"}",
	  "'limit' must be an integer from 1 to 100", 0, 0, NULL },
	{ "find_customers", "{\"min_visits\": -1}",
	  "'min_visits' must be an integer from 0 to 1000000000", 0, 0, NULL },
	{ "find_customers", "{\"reverse\": \"yes\"}",
	  "'reverse' must be true or false", 0, 0, NULL },
	{ "find_customers", "{\"name\": \"\"}",
	  "'name' must be a shorter, non-empty string", 0, 0, NULL },
	{ "find_customers", "{\"name\": 5}", "'name' must be a string", 0, 0,
	  NULL },
	{ "find_customers", "{\"sort\": \"height\"}",
	  "'sort' must be one of created, name, last-visit, visits", 0, 0,
	  NULL },
	{ "count", "{}", "count needs the argument 'what'", 0, 0, NULL },
	{ "count", "{\"what\": \"sales\"}",
	  "'what' must be one of visits, visitors, new_customers", 0, 0,
	  NULL },
	{ "count", "{\"what\": \"visits\", \"since\": 7}",
	  "'since' must be a time", 0, 0, NULL },
	{ "count", "{\"what\": \"visits\", \"since\": \"last tuesday\"}",
	  "'since' is not a time: 'last tuesday' (YYYY-MM-DD, "
	  "YYYY-MM-DDTHH:MM (local time), now, today, yesterday, or a span "
	  "before now: 7d, 12h, 30m)", 0, 0, NULL },
	{ "count", "[\"visits\"]",
	  "the arguments of count must be a JSON object", 0, 0, NULL },
	{ "get_customer", "{\"visits\": 3}",
	  "get_customer needs the argument 'id'", 0, 0, NULL },
	{ "get_stats", "{\"days\": 3}", "get_stats takes no argument 'days'",
	  0, 0, NULL },
};

static void
test_json(void)
{
	size_t i;

	for (i = 0; i < sizeof json_rows / sizeof json_rows[0]; i++) {
		const struct json_row *r = &json_rows[i];
		const ft_query_op *op = ft_query_op_find(FT_QUERY_TOOL,
							 r->tool);
		char err[512] = "";
		ft_query_args a;
		int rc;

		if (!ok(op != NULL, "tool %s", r->tool))
			continue;
		ft_query_args_init(&a, op, FT_QUERY_TOOL, NOW);
		rc = ft_query_set_json(&a, jv_parse(r->args), err, sizeof err);
		is_int(rc, r->err ? FT_EINVAL : FT_OK, "%s %s: %s", r->tool,
		       r->args, r->err ? "refused" : "taken");
		if (r->err)
			is_str(err, r->err, "%s %s: the message", r->tool,
			       r->args);
		else if (r->s)
			is_str(a.s[r->slot], r->s, "%s %s: the text", r->tool,
			       r->args);
		else
			is_int(a.n[r->slot], r->n, "%s %s: the value",
			       r->tool, r->args);
		ft_query_args_clear(&a);
	}
}

/* Numbers no long long holds are refused before any cast, and leave
 * the default in place. */
static void
test_json_range(void)
{
	static const char *const args[] = {
		"{\"days\": 1e300}", "{\"days\": -1e300}", "{\"days\": nan}",
		"{\"days\": 9223372036854775808}"
	};
	const ft_query_op *op = ft_query_op_find(FT_QUERY_TOOL, "get_trend");
	size_t i;

	for (i = 0; i < sizeof args / sizeof args[0]; i++) {
		char err[256] = "";
		ft_query_args a;

		ft_query_args_init(&a, op, FT_QUERY_TOOL, NOW);
		is_int(ft_query_set_json(&a, jv_parse(args[i]), err,
					 sizeof err), FT_EINVAL,
		       "get_trend %s: refused", args[i]);
		is_str(err, "'days' must be an integer from 1 to 3660",
		       "get_trend %s: the message", args[i]);
		ok(!ft_query_given(&a, FT_QS_DAYS) && a.n[FT_QS_DAYS] == 30,
		   "get_trend %s: the default stays", args[i]);
		ft_query_args_clear(&a);
	}
}

/* Defaults of each surface, and which operations each one has. */
static void
test_surfaces(void)
{
	static const struct {
		enum ft_query_surface surface;
		const char *op;
		enum ft_query_slot slot;
		long long n;
	} defs[] = {
		{ CLI, "customers", FT_QS_LIMIT, 0 },
		{ CLI, "visits", FT_QS_LIMIT, 0 },
		{ CLI, "top", FT_QS_LIMIT, 10 },
		{ CLI, "trend", FT_QS_DAYS, 30 },
		{ HTTP, "customers", FT_QS_LIMIT, 100 },
		{ HTTP, "visits", FT_QS_LIMIT, 100 },
		{ HTTP, "top", FT_QS_LIMIT, 10 },
		{ FT_QUERY_TOOL, "find_customers", FT_QS_LIMIT, 20 },
	};
	ft_query_args a;
	size_t i;

	for (i = 0; i < sizeof defs / sizeof defs[0]; i++) {
		ft_query_args_init(&a, ft_query_op_find(defs[i].surface,
							defs[i].op),
				   defs[i].surface, NOW);
		is_int(a.n[defs[i].slot], defs[i].n, "%s on surface %d: "
		       "default", defs[i].op, defs[i].surface);
		ok(!ft_query_given(&a, defs[i].slot), "%s: not given",
		   defs[i].op);
		ft_query_args_clear(&a);
	}
	ok(!ft_query_op_find(CLI, "count"), "no count command");
	ok(!ft_query_op_find(HTTP, "count"), "no /api/count");
	ok(ft_query_op_find(FT_QUERY_TOOL, "count") != NULL, "a count tool");
	ok(!ft_query_op_find(FT_QUERY_TOOL, "customers"),
	   "tools go by their own names");
	ft_query_args_init(&a, ft_query_op_find(CLI, "customer"), CLI, NOW);
	ft_query_set_arg(&a, "0123abcd");
	is_str(a.s[FT_QS_ID], "0123abcd", "the command's argument");
	ft_query_args_clear(&a);
}

/* Parameters a command must have are missed on every surface. */
static void
test_missing(void)
{
	const ft_query_op *op = ft_query_op_find(CLI, "compare");
	ft_query_args a;
	char err[128];

	ok(op != NULL, "a compare command");
	ft_query_args_init(&a, op, CLI, NOW);
	is_str(ft_query_missing(&a) ? ft_query_missing(&a)->name : "",
	       "since", "compare needs --since first");
	ft_query_set(&a, "since", "2026-11-01", err, sizeof err);
	ft_query_set(&a, "until", "2026-11-07", err, sizeof err);
	ft_query_set(&a, "against-since", "2026-10-01", err, sizeof err);
	is_str(ft_query_missing(&a) ? ft_query_missing(&a)->name : "",
	       "against-until", "then --against-until");
	ft_query_set(&a, "against-until", "2026-10-07", err, sizeof err);
	ok(!ft_query_missing(&a), "nothing missing once all are given");
	ft_query_args_clear(&a);
	op = ft_query_op_find(HTTP, "by-time");
	ft_query_args_init(&a, op, HTTP, NOW);
	ok(ft_query_missing(&a) != NULL, "/api/by-time needs by");
	is_int(ft_query_set(&a, "by", "month", err, sizeof err), FT_EINVAL,
	       "by is weekday or hour");
	is_str(err, "bad 'by': 'month' (weekday or hour)", "its message");
	ft_query_args_clear(&a);
	op = ft_query_op_find(CLI, "lapsed");
	ft_query_args_init(&a, op, CLI, NOW);
	ok(!ft_query_missing(&a), "lapsed has defaults for all");
	is_int(a.n[FT_QS_DAYS], 30, "30 days unless given");
	is_int(a.n[FT_QS_MIN_VISITS], 1, "one visit unless given");
	ft_query_args_clear(&a);
}

static void
test_options(void)
{
	struct option o[32];
	size_t n = ft_query_options(o, 32, 300), i, reverse = n;

	is_int(n, 17, "seventeen command options, each once");
	for (i = 0; i < n; i++)
		if (!strcmp(o[i].name, "reverse"))
			reverse = i;
	ok(reverse < n && o[reverse].has_arg == no_argument,
	   "--reverse takes no argument");
	ok(n && o[0].has_arg == required_argument && o[0].val == 300,
	   "--%s takes one, val as asked", n ? o[0].name : "?");
	is_int(ft_query_options(o, 3, 300), 3, "at most max options");
}

/* A member of the tool declaration of name, as compact JSON. */
static char *
schema(const char *name, const char *path)
{
	jv d = ft_query_tool_decl(ft_query_op_find(FT_QUERY_TOOL, name));
	jv v = jv_getpath(d, jv_parse(path));
	jv s = jv_dump_string(v, JV_PRINT_SORTED);
	char *r = strdup(jv_string_value(s));

	jv_free(s);
	return r;
}

static void
test_schema(void)
{
	static const struct {
		const char *tool, *path, *want;
	} rows[] = {
		{ "count", "[\"function\",\"parameters\",\"required\"]",
		  "[\"what\"]" },
		{ "count", "[\"function\",\"parameters\",\"properties\","
		  "\"what\",\"enum\"]",
		  "[\"visits\",\"visitors\",\"new_customers\"]" },
		{ "top_customers", "[\"function\",\"parameters\","
		  "\"properties\",\"limit\"]",
		  "{\"description\":\"how many (default 10)\",\"maximum\":100,"
		  "\"minimum\":1,\"type\":\"integer\"}" },
		{ "find_customers", "[\"function\",\"parameters\","
		  "\"properties\",\"min_visits\",\"maximum\"]", "1000000000" },
		{ "find_customers", "[\"function\",\"parameters\","
		  "\"properties\",\"name\",\"maxLength\"]", "200" },
		{ "get_customer", "[\"function\",\"parameters\",\"required\"]",
		  "[\"id\"]" },
		{ "get_stats", "[\"function\",\"parameters\"]",
		  "{\"additionalProperties\":false,\"properties\":{},"
		  "\"required\":[],\"type\":\"object\"}" },
		{ "list_visits", "[\"type\"]", "\"function\"" },
		{ "list_visits", "[\"function\",\"name\"]",
		  "\"list_visits\"" },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *got = schema(rows[i].tool, rows[i].path);

		is_str(got, rows[i].want, "schema of %s: %s", rows[i].tool,
		       rows[i].path);
		free(got);
	}
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_text();
	test_json();
	test_json_range();
	test_surfaces();
	test_missing();
	test_options();
	test_schema();
	return done();
}
