/*
 * ft-query — every read of customer data.
 *
 * Reads the store that FT_DB (or --db) selects; writes customer, visit,
 * stat and series records as JSON lines, or a table or CSV with --format.
 * --jq runs a jq program on each record before it is written.
 *
 * The operations themselves live in lib/query.c so that the chat and the
 * dashboard give the same figures; this file parses options and wires the
 * output.  It links no face or video library, so it starts in
 * milliseconds.
 */
#include "config.h"
#include "format.h"
#include "jsonl.h"
#include "query.h"
#include "store.h"
#include "times.h"
#include "util.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: ft-query [--db URL] [--format json|table|csv] [--jq FILTER]\n"
"                COMMAND [ARGS]\n"
"commands:\n"
"  customers [--name TEXT] [--since T] [--until T] [--min-visits N]\n"
"            [--sort created|name|last-visit|visits] [--reverse]\n"
"            [--limit N]\n"
"  customer ID\n"
"  visits [--since T] [--until T] [--customer ID] [--source NAME]\n"
"         [--limit N] [--reverse]\n"
"  stats\n"
"  trend [--days N]\n"
"  top [--limit N] [--since T] [--until T]\n"
"T: 2026-11-24, 2026-11-24T09:15, now, today, yesterday, 7d, 12h, 30m\n";

enum {
	O_DB = 256, O_FORMAT, O_JQ, O_NAME, O_SINCE, O_UNTIL, O_MIN_VISITS,
	O_SORT, O_REVERSE, O_LIMIT, O_CUSTOMER, O_SOURCE, O_DAYS, O_VERSION
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, O_DB },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "jq", required_argument, NULL, O_JQ },
	{ "name", required_argument, NULL, O_NAME },
	{ "since", required_argument, NULL, O_SINCE },
	{ "until", required_argument, NULL, O_UNTIL },
	{ "min-visits", required_argument, NULL, O_MIN_VISITS },
	{ "sort", required_argument, NULL, O_SORT },
	{ "reverse", no_argument, NULL, O_REVERSE },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "customer", required_argument, NULL, O_CUSTOMER },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "days", required_argument, NULL, O_DAYS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* Which command options each command takes, as bits of (opt - O_NAME). */
#define BIT(o) (1u << ((o) - O_NAME))
static const struct command {
	const char *name;
	unsigned opts;
	int args;
} commands[] = {
	{ "customers", BIT(O_NAME) | BIT(O_SINCE) | BIT(O_UNTIL) |
	  BIT(O_MIN_VISITS) | BIT(O_SORT) | BIT(O_REVERSE) | BIT(O_LIMIT), 0 },
	{ "customer", 0, 1 },
	{ "visits", BIT(O_SINCE) | BIT(O_UNTIL) | BIT(O_CUSTOMER) |
	  BIT(O_SOURCE) | BIT(O_LIMIT) | BIT(O_REVERSE), 0 },
	{ "stats", 0, 0 },
	{ "trend", BIT(O_DAYS), 0 },
	{ "top", BIT(O_LIMIT) | BIT(O_SINCE) | BIT(O_UNTIL), 0 },
	{ NULL, 0, 0 }
};

struct output {
	ft_out *out;
	ft_jq *jq;
	int failed;		/* a write failed */
	int jq_failed;		/* the jq program raised an error */
};

static int
put(void *p, jv rec)
{
	struct output *o = p;

	if (ft_out_put(o->out, rec) != 0) {
		o->failed = 1;
		return 1;
	}
	return 0;
}

static int
emit(void *p, jv rec)
{
	struct output *o = p;
	char *err;
	int rc;

	if (!o->jq)
		return put(o, rec);
	rc = ft_jq_run(o->jq, rec, put, o, &err);
	if (rc < 0) {
		ft_warn("jq: %s", err);
		free(err);
		o->jq_failed = 1;
		return 1;
	}
	return rc;
}

/* In table and CSV form the two series of trend become one row a day. */
struct trend_rows {
	struct output *o;
	jv first;
};

static int
trend_row(void *p, jv rec)
{
	struct trend_rows *t = p;
	jv a, b;
	int i, n, rc = 0;

	if (jv_get_kind(t->first) == JV_KIND_NULL) {
		t->first = rec;
		return 0;
	}
	a = jv_object_get(t->first, jv_string("points"));
	b = jv_object_get(rec, jv_string("points"));
	t->first = jv_null();
	n = jv_array_length(jv_copy(a));
	for (i = 0; i < n && rc == 0; i++) {
		jv pa = jv_array_get(jv_copy(a), i);
		jv pb = jv_array_get(jv_copy(b), i);
		jv row = jv_object();

		row = jv_object_set(row, jv_string("type"), jv_string("day"));
		row = jv_object_set(row, jv_string("date"),
				    jv_array_get(jv_copy(pa), 0));
		row = jv_object_set(row, jv_string("visits"),
				    jv_array_get(pa, 1));
		row = jv_object_set(row, jv_string("new_customers"),
				    jv_array_get(pb, 1));
		rc = emit(t->o, row);
	}
	jv_free(a);
	jv_free(b);
	return rc;
}

static int64_t
parse_time(const char *opt, const char *arg, int64_t now, int end_of_day)
{
	int64_t t;

	if (ft_time_parse(arg, now, end_of_day, &t) != 0)
		ft_usage_error("bad time for --%s: '%s'", opt, arg);
	return t;
}

int
main(int argc, char **argv)
{
	const char *format_name = "json", *jq_prog = NULL, *cmdname;
	const char *since = NULL, *until = NULL, *customer = NULL;
	const struct command *cmd;
	ft_customer_filter cf = { 0 };
	ft_visit_filter vf = { 0 };
	struct output o = { 0 };
	long long n, days = 30, limit = -1;
	unsigned given = 0;
	int64_t now = ft_time_now();
	ft_store *store;
	char *jqerr;
	int c, rc, fmt;

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c >= O_NAME && c <= O_DAYS)
			given |= BIT(c);
		switch (c) {
		case O_DB: ft_config_set("FT_DB", optarg); break;
		case O_FORMAT: format_name = optarg; break;
		case O_JQ: jq_prog = optarg; break;
		case O_NAME: cf.name = optarg; break;
		case O_SINCE: since = optarg; break;
		case O_UNTIL: until = optarg; break;
		case O_MIN_VISITS:
			if (ft_parse_int(optarg, 0, INT64_MAX, &n))
				ft_usage_error("bad --min-visits: '%s'", optarg);
			cf.min_visits = n;
			break;
		case O_SORT:
			if (!strcmp(optarg, "created"))
				cf.sort = FT_SORT_CREATED;
			else if (!strcmp(optarg, "name"))
				cf.sort = FT_SORT_NAME;
			else if (!strcmp(optarg, "last-visit"))
				cf.sort = FT_SORT_LAST_VISIT;
			else if (!strcmp(optarg, "visits"))
				cf.sort = FT_SORT_VISITS;
			else
				ft_usage_error("bad --sort: '%s'", optarg);
			break;
		case O_REVERSE: cf.descending = vf.descending = 1; break;
		case O_LIMIT:
			if (ft_parse_int(optarg, 1, INT64_MAX, &limit))
				ft_usage_error("bad --limit: '%s'", optarg);
			break;
		case O_CUSTOMER: customer = optarg; break;
		case O_SOURCE: vf.source = optarg; break;
		case O_DAYS:
			if (ft_parse_int(optarg, 1, 3660, &days))
				ft_usage_error("bad --days: '%s' (1 to 3660)",
					    optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return ft_close_stdout(FT_EXIT_OK);
		case O_VERSION:
			printf("ft-query %s\n", FT_VERSION);
			return ft_close_stdout(FT_EXIT_OK);
		default:
			ft_usage_error(NULL);
		}
	}
	if (optind >= argc)
		ft_usage_error("no command given");
	cmdname = argv[optind++];
	for (cmd = commands; cmd->name; cmd++)
		if (!strcmp(cmd->name, cmdname))
			break;
	if (!cmd->name)
		ft_usage_error("unknown command '%s'", cmdname);
	if (given & ~cmd->opts) {
		const struct option *lo = longopts;

		while (!(lo->val >= O_NAME && lo->val <= O_DAYS &&
			 (given & ~cmd->opts & BIT(lo->val))))
			lo++;
		ft_usage_error("--%s is not an option of '%s'", lo->name,
			    cmdname);
	}
	if (argc - optind != cmd->args)
		ft_usage_error(cmd->args ? "'%s' takes one argument"
			    : "'%s' takes no arguments", cmdname);
	if ((fmt = ft_format_parse(format_name)) < 0)
		ft_usage_error("bad --format: '%s'", format_name);
	if (jq_prog && !(o.jq = ft_jq_compile(jq_prog, &jqerr))) {
		ft_warn("bad --jq program: %s", jqerr);
		free(jqerr);
		return FT_EXIT_USAGE;
	}
	if (since)
		cf.since = vf.since = parse_time("since", since, now, 0);
	if (until)
		cf.until = vf.until = parse_time("until", until, now, 1);
	if (limit > 0)
		cf.limit = vf.limit = limit;

	store = ft_store_open_configured();
	o.out = ft_out_new(stdout, (enum ft_format)fmt);

	if (!strcmp(cmdname, "customers")) {
		rc = ft_query_customers(store, &cf, emit, &o);
	} else if (!strcmp(cmdname, "customer")) {
		rc = ft_query_customer(store, argv[optind], emit, &o);
	} else if (!strcmp(cmdname, "visits")) {
		ft_customer cu;

		rc = FT_OK;
		if (customer) {
			rc = ft_store_customer_get(store, customer, &cu);
			vf.customer_id = cu.id;
			if (rc == FT_OK)
				ft_customer_clear(&cu);
		}
		if (rc == FT_OK)
			rc = ft_query_visits(store, &vf, emit, &o);
	} else if (!strcmp(cmdname, "stats")) {
		rc = ft_query_stats(store, now, emit, &o);
	} else if (!strcmp(cmdname, "trend")) {
		struct trend_rows t = { &o, jv_null() };

		if (fmt == FT_FORMAT_JSON)
			rc = ft_query_trend(store, (int)days, now, emit, &o);
		else
			rc = ft_query_trend(store, (int)days, now, trend_row,
					    &t);
		jv_free(t.first);
	} else {
		rc = ft_query_top(store, cf.since, cf.until,
				  limit > 0 ? limit : 10, emit, &o);
	}

	if (rc < 0)
		ft_warn("%s", ft_store_errmsg(store));
	if (ft_out_finish(o.out) != 0)
		o.failed = 1;
	ft_store_close(store);
	ft_jq_free(o.jq);
	if (rc < 0)
		return ft_close_stdout(ft_store_exit_status(rc));
	if (o.jq_failed)
		return ft_close_stdout(FT_EXIT_FAIL);
	return ft_close_stdout(o.failed ? FT_EXIT_FAIL : FT_EXIT_OK);
}
