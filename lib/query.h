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

/*
 * The operations as one table.  Each operation names its parameters once,
 * with their types, bounds and help, and three fillers read them from
 * where they come: ft-query's options, ft-serve's query strings and the
 * model's tool calls, each with that surface's words for a bad value.
 * The same table declares the tools to the model as JSON Schema.
 */

/* Where parameters come from; as bits, 1 << FT_QUERY_CLI and so on. */
enum ft_query_surface {
	FT_QUERY_CLI,		/* ft-query's command and options */
	FT_QUERY_HTTP,		/* ft-serve's /api/NAME?name=value */
	FT_QUERY_TOOL,		/* a tool call's JSON arguments */
	FT_QUERY_SURFACES
};
#define FT_QUERY_ON(surface)	(1u << (surface))

enum ft_query_type {
	FT_QT_STRING,		/* text; tools: not empty, max[] characters */
	FT_QT_INT,		/* an integer from min to max[] */
	FT_QT_BOOL,		/* a flag: an option without argument, "",
				 * 1, true, 0 or false, a JSON boolean */
	FT_QT_ENUM,		/* one of choices; the value is its index */
	FT_QT_TIME		/* a time of ft_time_parse, as of now */
};

/* Where a parameter's value goes in ft_query_args. */
enum ft_query_slot {
	FT_QS_NAME, FT_QS_SINCE, FT_QS_UNTIL, FT_QS_MIN_VISITS, FT_QS_SORT,
	FT_QS_REVERSE, FT_QS_LIMIT, FT_QS_CUSTOMER, FT_QS_SOURCE, FT_QS_DAYS,
	FT_QS_ID, FT_QS_VISITS, FT_QS_WHAT,
	FT_QS_EMAIL, FT_QS_CONSENT, FT_QS_NAMED, FT_QS_BY, FT_QS_SINCE2,
	FT_QS_UNTIL2, FT_QS_AFTER,
	FT_QS_SERIES, FT_QS_TITLE,	/* the chat's own tools */
	FT_QS_COUNT
};

typedef struct ft_query_param {
	const char *name;	/* option and query-string name ("min-visits");
				 * a tool spells '-' as '_' ("min_visits") */
	enum ft_query_type type;
	enum ft_query_slot slot;
	unsigned only;		/* FT_QUERY_ON bits of the surfaces that take
				 * it; 0: all */
	int required;		/* tools must give it */
	int end_of_day;		/* FT_QT_TIME: a date means the day's end */
	long long min;		/* FT_QT_INT: least value */
	/* Per surface: FT_QT_INT's greatest value, FT_QT_STRING's longest
	 * length (0: any); and the value when not given (0: none). */
	long long max[FT_QUERY_SURFACES];
	long long def[FT_QUERY_SURFACES];
	const char *const *choices;	/* FT_QT_ENUM: NULL-ended */
	const char *help;	/* for the model; times get the syntax added */
} ft_query_param;

enum ft_query_op_id {
	FT_QOP_STATS, FT_QOP_TREND, FT_QOP_COUNT, FT_QOP_TOP,
	FT_QOP_CUSTOMERS, FT_QOP_CUSTOMER, FT_QOP_VISITS, FT_QOP_CENSUS,
	FT_QOP_AVERAGES, FT_QOP_BY_TIME, FT_QOP_LAPSED, FT_QOP_LOYAL,
	FT_QOP_COMPARE, FT_QOP_AUDIT, FT_QOP_EXPORT, FT_QOP_FACES,
	FT_QOP_OTHER		/* not for ft_query_run: the chat's chart */
};

typedef struct ft_query_op {
	enum ft_query_op_id id;
	const char *name;	/* ft-query's command, ft-serve's /api/NAME */
	const char *tool;	/* the tool's name for the model */
	unsigned on;		/* FT_QUERY_ON bits of the surfaces it is on */
	int arg;		/* slot of the command's argument (ft-query),
				 * the path's last segment (ft-serve); -1:
				 * none */
	const ft_query_param *params;	/* ended by a NULL name */
	const char *help;	/* the tool's description */
} ft_query_op;

/* Parameters as filled: values by slot.  The strings are owned. */
typedef struct ft_query_args {
	const ft_query_op *op;
	enum ft_query_surface surface;
	int64_t now;		/* times are read as of now */
	unsigned given;		/* bits (1 << slot) of the values given */
	char *s[FT_QS_COUNT];	/* strings, times as given, enum names */
	long long n[FT_QS_COUNT];	/* integers, booleans, enum indexes;
					 * defaults when not given */
	int64_t t[FT_QS_COUNT];	/* times in ms; 0 when not given */
} ft_query_args;

/* The table: operations ending with a NULL name.  Static storage. */
const ft_query_op *ft_query_ops(void);

/* The operation of surface called name (a command, a route's NAME or a
 * tool's name), or NULL. */
const ft_query_op *ft_query_op_find(enum ft_query_surface surface,
				    const char *name);

/* The parameter name of op on surface, or NULL. */
const ft_query_param *ft_query_param_find(const ft_query_op *op,
					  enum ft_query_surface surface,
					  const char *name);

/* Start a, for op on surface, with the defaults; times are read as of
 * now.  Release with ft_query_args_clear. */
void ft_query_args_init(ft_query_args *a, const ft_query_op *op,
			enum ft_query_surface surface, int64_t now);
void ft_query_args_clear(ft_query_args *a);

/*
 * Set the parameter name from text, as an option or query-string value
 * (NULL for a flag given without value).  Returns FT_OK; FT_ENOTFOUND
 * when op takes no such parameter on a's surface (the caller words it,
 * err is untouched); FT_EINVAL with a message in err for a bad value:
 * "bad --days: '0' (1 to 3660)" on the command line, "bad 'days': '0'
 * (1 to 3660)" for ft-serve.
 */
int ft_query_set(ft_query_args *a, const char *name, const char *text,
		 char *err, size_t errlen);

/* Set the command's argument (op->arg), copied. */
void ft_query_set_arg(ft_query_args *a, const char *text);

/*
 * Fill a (a tool's arguments) from obj (consumed): a JSON object, or
 * null for none.  Returns FT_OK, or FT_EINVAL with the message the model
 * is given in err ("'limit' must be an integer from 1 to 100").
 */
int ft_query_set_json(ft_query_args *a, jv obj, char *err, size_t errlen);

/* The first parameter of a's operation on its surface that must be
 * given and was not, or NULL. */
const ft_query_param *ft_query_missing(const ft_query_args *a);

/* Whether the value of slot was given. */
int ft_query_given(const ft_query_args *a, enum ft_query_slot slot);

/* The declaration of op as a tool, the caller's: {"type":"function",
 * "function":{"name","description","parameters"}}, parameters being the
 * JSON Schema of its tool parameters. */
jv ft_query_tool_decl(const ft_query_op *op);

/*
 * getopt_long entries for every option of ft-query's commands, each
 * with val, written to o (at most max); returns how many.  Which
 * parameter an entry is: its name, for ft_query_set.
 */
struct option;
size_t ft_query_options(struct option *o, size_t max, int val);

/* Run a's operation on s (FT_QOP_OTHER: FT_EINVAL), as the functions
 * above; a customer that visits names is looked up first. */
int ft_query_run(ft_store *s, const ft_query_args *a, ft_emit_fn emit,
		 void *ctx);

/*
 * Everything held about the customer id (uuid or unique prefix) as one
 * JSON document, written in pieces through write (0: go on; nonzero:
 * stop, returned) as the rows are read, so that memory stays small
 * however long the history: {"type":"export","exported","customer",
 * "visits","faces","crops","events","audit"} (facetrack-records(5)).
 * The export is audited before it is written.  Returns FT_OK, a store
 * code or write's nonzero value.
 */
typedef int (*ft_write_fn)(void *ctx, const char *buf, size_t len);

/*
 * Write the crop of each face sample of customer id (a uuid or a unique
 * prefix) to dir/SAMPLEID.jpg (mode 0600), making dir (mode 0700) when
 * it does not exist.  A file of such a name is replaced when it is a
 * regular file; a symbolic link or anything else there refuses, and
 * nothing else in dir is touched.  Samples without a crop are left out.
 * *written receives the number of files written (also after a failure);
 * when any were, an "export-crops" audit entry records it.  Returns
 * FT_OK, a store code, or FT_EFAIL for the file system; the message is
 * in err.  Blocks on the store and the disk.
 */
int ft_query_write_crops(ft_store *s, const char *id, const char *dir,
			 size_t *written, char *err, size_t errlen);
int ft_query_export(ft_store *s, const char *id, ft_write_fn write,
		    void *ctx);

#endif
