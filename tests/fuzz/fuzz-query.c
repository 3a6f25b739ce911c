/*
 * Query parameters (lib/query): the one table of operations and the
 * parsing of their parameters that ft-serve's routes (/api/NAME?...),
 * ft-query's options and the chat's tool calls go through.
 *
 * Input: the clock (fuzz.h), a byte choosing the surface, a byte
 * choosing the operation among those on it, then the parameters as that
 * surface gives them: "ID?name=value&name=value" for ft-serve (ID the
 * route's last segment, values already %-decoded as libmicrohttpd hands
 * them over), "name=value" lines (or "name" for a flag) for ft-query,
 * one JSON object for a tool.  Values taken must be within the bounds
 * the table declares; values refused must come with a message.
 */
#define FUZZ_JV		/* fuzz.h: libjq's parser leaks */
#include "fuzz.h"
#include "jsonl.h"
#include "query.h"

/* The operations on surface, into ops (at most max); how many. */
static size_t
ops_on(enum ft_query_surface surface, const ft_query_op **ops, size_t max)
{
	const ft_query_op *op;
	size_t n = 0;

	for (op = ft_query_ops(); op->name && n < max; op++)
		if (op->on & FT_QUERY_ON(surface))
			ops[n++] = op;
	return n;
}

static int
set_one(ft_query_args *a, const char *name, const char *value)
{
	char err[256] = "";
	int rc = ft_query_set(a, name, value, err, sizeof err);

	if (rc == FT_EINVAL && !err[0])
		fuzz_fail("'%s' refused without a message", name);
	if (rc != FT_OK && rc != FT_EINVAL && rc != FT_ENOTFOUND)
		fuzz_fail("ft_query_set returned %d", rc);
	return rc;
}

/* ft-serve: "ID?k=v&k=v". */
static int
fill_http(ft_query_args *a, char *text)
{
	char *q = strchr(text, '?'), *kv, *eq;
	int rc = FT_OK;

	if (q)
		*q++ = '\0';
	if (*text)
		ft_query_set_arg(a, text);
	while (q && rc == FT_OK) {
		kv = q;
		q = strchr(q, '&');
		if (q)
			*q++ = '\0';
		eq = strchr(kv, '=');
		if (eq)
			*eq++ = '\0';
		rc = set_one(a, kv, eq ? eq : "");
		if (rc == FT_ENOTFOUND)
			rc = FT_OK;	/* ft-serve answers 400 */
	}
	return rc;
}

/* ft-query: "name=value" or "name" lines. */
static int
fill_cli(ft_query_args *a, char *text)
{
	char *line, *next, *eq;
	int rc = FT_OK;

	for (line = text; line && rc == FT_OK; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '@') {
			ft_query_set_arg(a, line + 1);
			continue;
		}
		eq = strchr(line, '=');
		if (eq)
			*eq++ = '\0';
		rc = set_one(a, line, eq);
		if (rc == FT_ENOTFOUND)
			rc = FT_OK;	/* getopt refused it already */
	}
	return rc;
}

static int
fill_tool(ft_query_args *a, const char *text, size_t len)
{
	char err[256] = "";
	jv obj = jv_parse_sized(text, (int)len);
	int rc;

	if (!jv_is_valid(obj)) {
		jv_free(obj);
		return FT_OK;
	}
	rc = ft_query_set_json(a, obj, err, sizeof err);
	if (rc != FT_OK && !err[0])
		fuzz_fail("tool arguments refused without a message");
	return rc;
}

/* What was taken is within the table's bounds. */
static void
check_bounds(const ft_query_args *a)
{
	const ft_query_param *p;
	long long n;
	int k;

	for (p = a->op->params; p->name; p++) {
		if (!ft_query_given(a, p->slot) ||
		    ft_query_param_find(a->op, a->surface, p->name) != p)
			continue;
		n = a->n[p->slot];
		if (p->type == FT_QT_INT &&
		    (n < p->min || n > p->max[a->surface]))
			fuzz_fail("%s: %s = %lld taken", a->op->name, p->name,
				  n);
		if (p->type == FT_QT_ENUM) {
			for (k = 0; p->choices[k]; k++)
				;
			if (n < 0 || n >= k)
				fuzz_fail("%s: %s choice %lld taken",
					  a->op->name, p->name, n);
		}
		if (p->type == FT_QT_BOOL && n != 0 && n != 1)
			fuzz_fail("%s: %s = %lld taken", a->op->name, p->name,
				  n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ft_query_op *ops[64];
	enum ft_query_surface surface;
	ft_query_args a;
	int64_t now = fuzz_clock(&data, &size);
	size_t nops;
	char *text;
	int rc;

	if (size < 2)
		return 0;
	surface = (enum ft_query_surface)(data[0] % FT_QUERY_SURFACES);
	nops = ops_on(surface, ops, 64);
	if (!nops)
		return 0;
	ft_query_args_init(&a, ops[data[1] % nops], surface, now);
	data += 2;
	size -= 2;
	text = fuzz_string(data, size);
	if (surface == FT_QUERY_HTTP)
		rc = fill_http(&a, text);
	else if (surface == FT_QUERY_CLI)
		rc = fill_cli(&a, text);
	else
		rc = fill_tool(&a, (const char *)data, size);
	if (rc == FT_OK) {
		check_bounds(&a);
		(void)ft_query_missing(&a);
	}
	ft_query_args_clear(&a);
	free(text);
	return 0;
}
