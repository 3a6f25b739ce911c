/*
 * ft-query — every read of customer data.
 *
 * Reads the store that FT_DB (or --db) selects; writes customer, visit,
 * stat and series records as JSON lines, or a table or CSV with --format.
 * --jq runs a jq program on each record before it is written.
 *
 * export writes one JSON document rather than records, streamed as the
 * store is read, so --format and --jq do not apply to it.
 *
 * The operations themselves live in lib/query.c so that the chat and the
 * dashboard give the same figures; this file parses options and wires the
 * output.  It links no face or video library, so it starts in
 * milliseconds.
 *
 * search is the exception: describing a photo's face needs dlib, and
 * searching the samples FAISS.  It runs in ft-enroll, which links them,
 * under ft-query's name (so that its messages say ft-query); its
 * records come back through a pipe and go out through --format and
 * --jq as any other command's.
 */
#include "config.h"
#include "format.h"
#include "jsonl.h"
#include "proc.h"
#include "query.h"
#include "store.h"
#include "times.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: ft-query [--db URL] [--format json|table|csv] [--jq FILTER]\n"
"                COMMAND [ARGS]\n"
"commands:\n"
"  customers [--name TEXT] [--since T] [--until T] [--min-visits N]\n"
"            [--named any|yes|no] [--consent any|yes|no]\n"
"            [--sort created|name|last-visit|visits] [--reverse]\n"
"            [--limit N] [--after ID]\n"
"  customer ID [--faces DIR]\n"
"  visits [--since T] [--until T] [--customer ID] [--source NAME]\n"
"         [--limit N] [--reverse]\n"
"  stats\n"
"  trend [--days N]\n"
"  top [--limit N] [--since T] [--until T]\n"
"  count-customers [--email any|yes|no] [--consent any|yes|no]\n"
"                  [--named any|yes|no] [--since T] [--until T]\n"
"                  [--min-visits N]\n"
"  averages [--since T] [--until T]\n"
"  by-time --by weekday|hour [--since T] [--until T]\n"
"  lapsed [--days N] [--min-visits N] [--limit N]\n"
"  loyal --since T --until T [--limit N]\n"
"  compare --since T --until T --against-since T --against-until T\n"
"  audit [--since T] [--until T] [--customer ID] [--limit N] [--reverse]\n"
"  export ID\n"
"  faces ID\n"
"  search [--limit N] IMAGE ...\n"
"T: 2026-11-24, 2026-11-24T09:15, now, today, yesterday, 7d, 12h, 30m\n";

enum { O_DB = 256, O_FORMAT, O_JQ, O_FACES, O_VERSION, O_QUERY };

static const struct option global_opts[] = {
	{ "db", required_argument, NULL, O_DB },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "jq", required_argument, NULL, O_JQ },
	{ "faces", required_argument, NULL, O_FACES },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
};

#define NGLOBAL	(sizeof global_opts / sizeof global_opts[0])
#define NOPTS	64

/* The command options as given, read once the command is known. */
struct given {
	const char *name, *arg;
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

static int
write_stdout(void *p, const char *buf, size_t len)
{
	struct output *o = p;

	if (fwrite(buf, 1, len, stdout) != len) {
		o->failed = 1;
		return 1;
	}
	return 0;
}

/* Fill a, for the command cmdname, from its arguments and the options
 * given; a usage error for anything it does not take. */
static void
fill(ft_query_args *a, const char *cmdname, int argc, char **argv,
     const struct given *g, size_t ngiven)
{
	const ft_query_op *op = ft_query_op_find(FT_QUERY_CLI, cmdname);
	const ft_query_param *need;
	char err[256];
	size_t i;

	if (!op)
		ft_usage_error("unknown command '%s'", cmdname);
	ft_query_args_init(a, op, FT_QUERY_CLI, ft_time_now());
	for (i = 0; i < ngiven; i++)
		if (!ft_query_param_find(op, FT_QUERY_CLI, g[i].name))
			ft_usage_error("--%s is not an option of '%s'",
				    g[i].name, cmdname);
	if (argc != (op->arg >= 0))
		ft_usage_error(op->arg >= 0 ? "'%s' takes one argument"
			    : "'%s' takes no arguments", cmdname);
	if (argc)
		ft_query_set_arg(a, argv[0]);
	for (i = 0; i < ngiven; i++)
		if (ft_query_set(a, g[i].name, g[i].arg, err, sizeof err))
			ft_usage_error("%s", err);
	if ((need = ft_query_missing(a)))
		ft_usage_error("'%s' needs --%s", cmdname, need->name);
}

/* Start ft-enroll for search with argv, its stdout a pipe returned in
 * *fd; its pid. */
static pid_t
start_search(char **argv, int *fd)
{
	char *path = ft_proc_path("ft-enroll");
	int p[2];
	pid_t pid;

	fflush(stdout);
	if (pipe(p) != 0)
		ft_die(FT_EXIT_FAIL, "cannot run '%s': %s", path,
		       strerror(errno));
	if ((pid = fork()) == 0) {
		close(p[0]);
		dup2(p[1], 1);
		close(p[1]);
		execv(path, argv);
		ft_warn("cannot run '%s': %s", path, strerror(errno));
		_exit(FT_EXIT_FAIL);
	}
	if (pid < 0)
		ft_die(FT_EXIT_FAIL, "cannot run '%s': %s", path,
		       strerror(errno));
	close(p[1]);
	free(path);
	*fd = p[0];
	return pid;
}

/* Pass the child's records on; FT_EXIT_DATA for one that is not a
 * record, else 0. */
static int
relay_search(int fd, struct output *o)
{
	FILE *f = fdopen(fd, "r");
	ft_jsonl_reader *rd;
	jv rec;
	int rc, bad = 0;

	if (!f)
		ft_die(FT_EXIT_FAIL, "fdopen: %s", strerror(errno));
	rd = ft_jsonl_reader_new(f, "ft-enroll");
	while ((rc = ft_jsonl_read(rd, &rec)) == 1)
		if (emit(o, rec))
			break;
	if (rc < 0) {
		ft_warn("%s", ft_jsonl_error(rd));
		bad = FT_EXIT_DATA;
	}
	ft_jsonl_reader_free(rd);
	fclose(f);
	return bad;
}

/* ft-query search: see the comment at the top. */
static int
run_search(int argc, char **argv, const struct given *g, size_t ngiven,
	   const char *db, struct output *o)
{
	char **cargv = ft_xcalloc((size_t)argc + 8, sizeof *cargv);
	const char *limit = NULL;
	int n = 0, i, st, rc;
	long long v;
	pid_t pid;

	for (i = 0; i < (int)ngiven; i++) {
		if (strcmp(g[i].name, "limit"))
			ft_usage_error("--%s is not an option of 'search'",
				       g[i].name);
		limit = g[i].arg;
	}
	if (limit && ft_parse_int(limit, 1, 32, &v))
		ft_usage_error("bad --limit: '%s' (1 to 32)", limit);
	if (argc < 1)
		ft_usage_error("'search' takes one or more images");
	cargv[n++] = (char *)ft_progname();
	if (db) {
		cargv[n++] = "--db";
		cargv[n++] = (char *)db;
	}
	cargv[n++] = "search";
	if (limit) {
		cargv[n++] = "--limit";
		cargv[n++] = (char *)limit;
	}
	cargv[n++] = "--";
	for (i = 0; i < argc; i++)
		cargv[n++] = argv[i];
	pid = start_search(cargv, &i);
	free(cargv);
	rc = relay_search(i, o);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc)
		return rc;
	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGPIPE)
		return FT_EXIT_FAIL;
	return WIFEXITED(st) ? WEXITSTATUS(st) : FT_EXIT_FAIL;
}

static int
search_main(int argc, char **argv, const struct given *g, size_t ngiven,
	    const char *db, const char *format_name, const char *jq_prog)
{
	struct output o = { 0 };
	char *jqerr;
	int fmt, rc;

	if ((fmt = ft_format_parse(format_name)) < 0)
		ft_usage_error("bad --format: '%s'", format_name);
	if (jq_prog && !(o.jq = ft_jq_compile(jq_prog, &jqerr))) {
		ft_warn("bad --jq program: %s", jqerr);
		free(jqerr);
		return FT_EXIT_USAGE;
	}
	o.out = ft_out_new(stdout, (enum ft_format)fmt);
	rc = run_search(argc, argv, g, ngiven, db, &o);
	if (ft_out_finish(o.out) != 0)
		o.failed = 1;
	ft_jq_free(o.jq);
	if (!rc && (o.failed || o.jq_failed))
		rc = FT_EXIT_FAIL;
	return ft_close_stdout(rc);
}

/* --faces DIR: the customer's crops as files, and how many. */
static int
write_faces(ft_store *store, const char *id, const char *dir)
{
	char err[512];
	size_t n;
	int rc = ft_query_write_crops(store, id, dir, &n, err, sizeof err);

	if (rc != FT_OK)
		ft_warn("%s", err);
	ft_warn("%zu face crop%s written to '%s'", n, n == 1 ? "" : "s",
		dir);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *format_name = "json", *jq_prog = NULL, *db = NULL,
		   *faces_dir = NULL;
	struct option longopts[NOPTS];
	struct given given[NOPTS];
	struct output o = { 0 };
	ft_query_args a;
	size_t ngiven = 0, n;
	ft_store *store;
	char *jqerr;
	int c, li, rc, fmt;

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	memcpy(longopts, global_opts, sizeof global_opts);
	n = NGLOBAL + ft_query_options(longopts + NGLOBAL,
				       NOPTS - NGLOBAL - 1, O_QUERY);
	memset(&longopts[n], 0, sizeof longopts[n]);
	while ((c = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		switch (c) {
		case O_DB:
			ft_config_set("FT_DB", optarg);
			db = optarg;
			break;
		case O_FORMAT: format_name = optarg; break;
		case O_JQ: jq_prog = optarg; break;
		case O_FACES: faces_dir = optarg; break;
		case O_QUERY:
			if (ngiven == NOPTS)
				ft_usage_error("too many options");
			given[ngiven].name = longopts[li].name;
			given[ngiven++].arg = optarg;
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
	if (!strcmp(argv[optind], "search"))
		return search_main(argc - optind - 1, argv + optind + 1, given,
				   ngiven, db, format_name, jq_prog);
	fill(&a, argv[optind], argc - optind - 1, argv + optind + 1, given,
	     ngiven);
	if ((fmt = ft_format_parse(format_name)) < 0)
		ft_usage_error("bad --format: '%s'", format_name);
	if (faces_dir && (a.op->id != FT_QOP_CUSTOMER || !*faces_dir))
		ft_usage_error(*faces_dir ? "--faces goes with 'customer'" :
			       "--faces needs a directory");
	if (a.op->id == FT_QOP_EXPORT && (fmt != FT_FORMAT_JSON || jq_prog))
		ft_usage_error("'export' writes one JSON document; --format "
			       "and --jq do not apply");
	if (jq_prog && !(o.jq = ft_jq_compile(jq_prog, &jqerr))) {
		ft_warn("bad --jq program: %s", jqerr);
		free(jqerr);
		return FT_EXIT_USAGE;
	}

	/* A reader: a mistyped store is an error, not an empty store. */
	ft_store_need_existing();
	store = ft_store_open_configured();
	o.out = ft_out_new(stdout, (enum ft_format)fmt);
	if (a.op->id == FT_QOP_TREND && fmt != FT_FORMAT_JSON) {
		struct trend_rows t = { &o, jv_null() };

		rc = ft_query_run(store, &a, trend_row, &t);
		jv_free(t.first);
	} else if (a.op->id == FT_QOP_EXPORT) {
		rc = ft_query_export(store, a.s[FT_QS_ID], write_stdout, &o);
	} else {
		rc = ft_query_run(store, &a, emit, &o);
	}
	if (rc < 0)
		ft_warn("%s", ft_store_errmsg(store));
	else if (faces_dir)
		rc = write_faces(store, a.s[FT_QS_ID], faces_dir);
	ft_query_args_clear(&a);

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
