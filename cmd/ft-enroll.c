/*
 * ft-enroll — add, update, merge and forget customers; import them from
 * CSV.
 *
 * Writes the customer records it creates or changes as JSON lines.  Every
 * command is one transaction: an import with one bad row commits nothing,
 * a merge or a forget is whole or not at all.
 *
 * Face samples: `add` with image files and `add-faces` describe the face
 * of each image (ft_faces_describe_main) and store the descriptors with
 * the customer.  Every image is read and described before anything is
 * written, so an image without a face (or with several, unless --largest
 * takes the main one) refuses the whole command.  The models are opened
 * only when images are given: the profile commands need only the store.  `forget` deletes the samples
 * with the customer; running recognisers drop them from their indexes
 * when they see the forget in the store's event feed.  It prints an
 * "erasure" record, the receipt of what went.
 *
 * Corrections: `split` moves samples (and the visits they explain) to
 * another customer or a new one, `remove-face` deletes samples,
 * `unvisit` deletes visits and `different` marks two customers as two
 * people.  Commands naming several ids change all of them or, when one
 * is refused, none.
 *
 * Recognition modes (FT_RECOGNITION) bind enrolment too: with
 * "consented" samples are stored only for customers who agreed (add
 * needs --consent, add-faces a customer with consent), with "anonymous"
 * none at all.  `purge` applies the retention settings
 * (FT_RETAIN_*_DAYS) counted back from now and prints a `purge` record.
 */
#include "config.h"
#include "csvio.h"
#include "face.h"
#include "faces.h"
#include "frame.h"
#include "times.h"
#include "jsonl.h"
#include "record.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage[] =
"usage: ft-enroll [--db URL] COMMAND [ARGS]\n"
"commands:\n"
"  add --name NAME [--email ADDRESS] [--notes TEXT] [--consent]\n"
"      [--largest] [IMAGE ...]\n"
"  add-faces ID [--largest] IMAGE ...\n"
"  faces ID\n"
"  update ID [--name NAME] [--email ADDRESS] [--notes TEXT]\n"
"            [--consent | --no-consent]\n"
"  merge KEEP DROP\n"
"  split ID --face SAMPLE [--face SAMPLE ...] [--into OTHER]\n"
"  remove-face ID SAMPLE ...\n"
"  unvisit VISIT ...\n"
"  different ID OTHER\n"
"  forget ID\n"
"  import FILE.csv|-\n"
"  purge [--dry-run]\n";

enum {
	O_DB = 256, O_NAME, O_EMAIL, O_NOTES, O_CONSENT, O_NO_CONSENT,
	O_LARGEST, O_DRY_RUN, O_FACE, O_INTO, O_VERSION
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, O_DB },
	{ "name", required_argument, NULL, O_NAME },
	{ "email", required_argument, NULL, O_EMAIL },
	{ "notes", required_argument, NULL, O_NOTES },
	{ "consent", no_argument, NULL, O_CONSENT },
	{ "no-consent", no_argument, NULL, O_NO_CONSENT },
	{ "largest", no_argument, NULL, O_LARGEST },
	{ "dry-run", no_argument, NULL, O_DRY_RUN },
	{ "face", required_argument, NULL, O_FACE },
	{ "into", required_argument, NULL, O_INTO },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

static ft_store *store;

/* End with the store's message and the status its code calls for. */
static _Noreturn void
store_fail(int rc)
{
	ft_warn("%s", ft_store_errmsg(store));
	ft_store_close(store);
	exit(ft_store_exit_status(rc));
}

static void
print_customer(const ft_customer *c)
{
	if (ft_jsonl_write(stdout, ft_record_customer(c)) != 0)
		ft_die(FT_EXIT_FAIL, "write error: %s", strerror(errno));
}

/* Load a customer by id or fail the program. */
static void
load(const char *id, ft_customer *c)
{
	int rc = ft_store_customer_get(store, id, c);

	if (rc != FT_OK)
		store_fail(rc);
}

/* Print the customer id as it is now. */
static void
print_current(int64_t id)
{
	ft_customer c;
	int rc = ft_store_customer_get_id(store, id, &c);

	if (rc != FT_OK)
		store_fail(rc);
	print_customer(&c);
	ft_customer_clear(&c);
}

/* --- face samples --- */

/*
 * Describe the one face of each of the n images into samples[0..n):
 * every image is checked before the caller writes anything.  Ends the
 * program with a message when an image cannot be read or does not show
 * exactly one face (the main one of several with largest set:
 * ft_faces_main).
 */
static void
describe_images(char **paths, int n, int largest, ft_face *samples,
		char **model_id)
{
	ft_face_ctx *ctx;
	ft_image img = { 0 };
	char *err;
	int i;

	if (!(ctx = ft_faces_open(&err)))
		ft_die(FT_EXIT_FAIL, "%s", err);
	/* Samples are described once and matched for years: worth the
	 * mirror image's second look. */
	ft_face_set_mirror(ctx, 1);
	for (i = 0; i < n; i++) {
		ft_face_quality q;
		int nf;

		if (ft_image_read(paths[i], &img, &err))
			ft_die(FT_EXIT_FAIL, "cannot read '%s': %s", paths[i],
			       err);
		nf = ft_faces_describe_main(ctx, &img, NULL,
					    samples[i].descriptor, &q, &err);
		if (nf < 0)
			ft_die(FT_EXIT_FAIL, "cannot use '%s': %s", paths[i],
			       err);
		if (nf == 0)
			ft_die(FT_EXIT_FAIL, "cannot use '%s': no face found",
			       paths[i]);
		if (nf > 1 && !largest)
			ft_die(FT_EXIT_FAIL, "cannot use '%s': %d faces found "
			       "(--largest takes the main one)", paths[i],
			       nf);
		samples[i].quality = q.score;
		samples[i].created_at = ft_time_now();
	}
	*model_id = ft_xstrdup(ft_face_model_id(ctx));
	ft_image_clear(&img);
	ft_face_close(ctx);
}

/* Check the model, then add the samples to customer id (0: add c first
 * and take its id); one transaction. */
static void
store_samples(ft_customer *c, ft_face *samples, int n, const char *model)
{
	int rc, i;

	if ((rc = ft_store_face_model(store, model)) != FT_OK)
		store_fail(rc);
	if ((rc = ft_store_begin(store)) != FT_OK)
		store_fail(rc);
	if (!c->id && (rc = ft_store_customer_add(store, c)) != FT_OK) {
		ft_store_rollback(store);
		store_fail(rc);
	}
	for (i = 0; i < n; i++) {
		samples[i].customer_id = c->id;
		if ((rc = ft_store_face_add(store, &samples[i])) != FT_OK) {
			ft_store_rollback(store);
			store_fail(rc);
		}
	}
	if ((rc = ft_store_commit(store)) != FT_OK)
		store_fail(rc);
}

struct list_faces {
	const char *uuid;
};

static int
print_sample(void *p, const ft_face *f)
{
	struct list_faces *l = p;

	if (ft_jsonl_write(stdout, ft_record_sample(f, l->uuid)) != 0)
		ft_die(FT_EXIT_FAIL, "write error: %s", strerror(errno));
	return 0;
}

/* List the samples of customer id. */
static void
cmd_faces(const char *id)
{
	ft_customer cur;
	struct list_faces l;
	int rc;

	load(id, &cur);
	l.uuid = cur.uuid;
	if ((rc = ft_store_faces(store, cur.id, 0, print_sample, &l)) != FT_OK)
		store_fail(rc);
	ft_customer_clear(&cur);
}

/* Merge customer drop_id into keep_id and print the result. */
static void
cmd_merge(const char *keep_id, const char *drop_id)
{
	ft_customer keep, drop;
	int rc;

	load(keep_id, &keep);
	load(drop_id, &drop);
	rc = ft_store_customer_merge(store, keep.id, drop.id);
	ft_customer_clear(&drop);
	if (rc != FT_OK)
		store_fail(rc);
	print_current(keep.id);
	ft_customer_clear(&keep);
}

/* Forget customer id and print the receipt.  When the store's files
 * could not be cleared after the commit, the receipt is printed all the
 * same (the customer is gone) and the failure exits 1, not 75: running
 * the command again would find no such customer. */
static void
cmd_forget(const char *id)
{
	ft_customer gone;
	ft_erasure e = { 0 };
	jv o;
	int rc;

	load(id, &gone);
	rc = ft_store_customer_erase(store, gone.id, &e);
	ft_customer_clear(&gone);
	if (e.uuid[0]) {
		o = jv_object_set(jv_object(), jv_string("type"),
				  jv_string("erasure"));
		o = jv_object_set(o, jv_string("customer"), jv_string(e.uuid));
		o = jv_object_set(o, jv_string("samples"),
				  jv_number((double)e.samples));
		o = jv_object_set(o, jv_string("visits"),
				  jv_number((double)e.visits));
		o = jv_object_set(o, jv_string("events"),
				  jv_number((double)e.events));
		o = jv_object_set(o, jv_string("ts"), ft_record_time(e.ts));
		if (ft_jsonl_write(stdout, o) != 0)
			ft_die(FT_EXIT_FAIL, "write error: %s",
			       strerror(errno));
	}
	if (rc != FT_OK && e.uuid[0])
		ft_die(FT_EXIT_FAIL, "%s", ft_store_errmsg(store));
	if (rc != FT_OK)
		store_fail(rc);
}

/* --- corrections --- */

/* A sample or visit id, or a usage error. */
static int64_t
row_id(const char *s, const char *what)
{
	long long v;

	if (ft_parse_int(s, 1, INT64_MAX, &v))
		ft_usage_error("bad %s id '%s'", what, s);
	return (int64_t)v;
}

/* Whether v[0..n) holds x. */
static int
has_id(const int64_t *v, int n, int64_t x)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* The distinct ids of args[0..n) and of extra[0..nextra), into a new
 * array; *count gets their number. */
static int64_t *
row_ids(char **args, int n, int64_t *extra, int nextra, const char *what,
	int *count)
{
	int64_t *v = ft_xcalloc((size_t)(n + nextra) + 1, sizeof *v), x;
	int i, k = 0;

	for (i = 0; i < nextra + n; i++) {
		x = i < nextra ? extra[i] : row_id(args[i - nextra], what);
		if (!has_id(v, k, x))
			v[k++] = x;
	}
	*count = k;
	return v;
}

/* split's options: the samples of --face, the customer of --into. */
static struct {
	int64_t faces[FT_SPLIT_MAX];
	int n;
	const char *into;
} split_opt;

static void
split_face(const char *text)
{
	if (split_opt.n == FT_SPLIT_MAX)
		ft_usage_error("at most %d samples can be split off at once",
			       FT_SPLIT_MAX);
	split_opt.faces[split_opt.n++] = row_id(text, "sample");
}

/* A usage error unless split's options go with cmd and its nargs. */
static void
check_split(const char *cmd, int nargs)
{
	int split = !strcmp(cmd, "split");

	if ((split_opt.n || split_opt.into) && !split)
		ft_usage_error("--face and --into go with 'split'");
	if (split && !split_opt.n && nargs < 2)
		ft_usage_error("'split' needs --face SAMPLE");
	if (split && split_opt.n + nargs - 1 > FT_SPLIT_MAX)
		ft_usage_error("at most %d samples can be split off at once",
			       FT_SPLIT_MAX);
}

/* Move samples of customer id to --into's customer (none: a new one)
 * and print the customer they moved to. */
static void
cmd_split(const char *id, char **args, int nargs)
{
	const char *into_id = split_opt.into;
	ft_customer from, into = { 0 }, out;
	int64_t *v;
	int n, rc;

	v = row_ids(args, nargs, split_opt.faces, split_opt.n, "sample", &n);
	load(id, &from);
	if (into_id)
		load(into_id, &into);
	rc = ft_store_customer_split(store, from.id, v, n, into.id, &out);
	ft_customer_clear(&from);
	ft_customer_clear(&into);
	free(v);
	if (rc != FT_OK)
		store_fail(rc);
	print_customer(&out);
	ft_customer_clear(&out);
}

/* Remove samples of customer id, all or none, and print the customer. */
static void
cmd_remove_face(const char *id, char **args, int nargs)
{
	ft_customer c;
	int64_t *v;
	int i, n, rc;

	v = row_ids(args, nargs, NULL, 0, "sample", &n);
	load(id, &c);
	if ((rc = ft_store_begin(store)) != FT_OK)
		store_fail(rc);
	for (i = 0; i < n && rc == FT_OK; i++)
		rc = ft_store_face_remove(store, c.id, v[i]);
	free(v);
	if (rc != FT_OK) {
		ft_store_rollback(store);
		store_fail(rc);
	}
	if ((rc = ft_store_commit(store)) != FT_OK ||
	    (rc = ft_store_scrub(store)) != FT_OK)
		store_fail(rc);
	print_current(c.id);
	ft_customer_clear(&c);
}

/* Remove visits, all or none, and print them as they were. */
static void
cmd_unvisit(char **args, int nargs)
{
	ft_visit *gone;
	int64_t *v;
	int i, n, rc;

	v = row_ids(args, nargs, NULL, 0, "visit", &n);
	gone = ft_xcalloc((size_t)n, sizeof *gone);
	if ((rc = ft_store_begin(store)) != FT_OK)
		store_fail(rc);
	for (i = 0; i < n && rc == FT_OK; i++)
		rc = ft_store_visit_remove(store, v[i], &gone[i]);
	if (rc == FT_OK)
		rc = ft_store_commit(store);
	else
		ft_store_rollback(store);
	free(v);
	if (rc != FT_OK)
		store_fail(rc);
	for (i = 0; i < n; i++) {
		if (ft_jsonl_write(stdout, ft_record_visit(&gone[i], NULL)))
			ft_die(FT_EXIT_FAIL, "write error: %s",
			       strerror(errno));
		ft_visit_clear(&gone[i]);
	}
	free(gone);
}

/* Mark customers a_id and b_id as two people; print the pair. */
static void
cmd_different(const char *a_id, const char *b_id)
{
	ft_customer a, b;
	jv o;
	int rc;

	load(a_id, &a);
	load(b_id, &b);
	rc = ft_store_different_add(store, a.id, b.id);
	if (rc != FT_OK)
		store_fail(rc);
	o = jv_object_set(jv_object(), jv_string("type"),
			  jv_string("different"));
	o = jv_object_set(o, jv_string("customers"), jv_array_append(
			  jv_array_append(jv_array(), jv_string(a.uuid)),
			  jv_string(b.uuid)));
	ft_customer_clear(&a);
	ft_customer_clear(&b);
	if (ft_jsonl_write(stdout, o) != 0)
		ft_die(FT_EXIT_FAIL, "write error: %s", strerror(errno));
}

static int
is_correction(const char *cmd)
{
	return !strcmp(cmd, "split") || !strcmp(cmd, "remove-face") ||
	       !strcmp(cmd, "unvisit") || !strcmp(cmd, "different");
}

/* Run the correction cmd with its arguments args[0..nargs). */
static void
correct(const char *cmd, char **args, int nargs)
{
	if (!strcmp(cmd, "split"))
		cmd_split(args[0], args + 1, nargs - 1);
	else if (!strcmp(cmd, "remove-face"))
		cmd_remove_face(args[0], args + 1, nargs - 1);
	else if (!strcmp(cmd, "unvisit"))
		cmd_unvisit(args, nargs);
	else
		cmd_different(args[0], args[1]);
}

/* --- recognition modes and retention --- */

static enum ft_recognition
recognition_mode(void)
{
	enum ft_recognition mode;
	char err[256];

	if (ft_config_recognition(&mode, err, sizeof err))
		ft_die(FT_EXIT_FAIL, "%s", err);
	return mode;
}

/* End the program unless the mode lets samples of a customer with (or
 * without) consent be stored. */
static void
check_samples_allowed(int consent, const char *who)
{
	enum ft_recognition mode = recognition_mode();

	if (mode == FT_RECOGNITION_ANONYMOUS)
		ft_die(FT_EXIT_FAIL, "no face samples are stored: "
		       "FT_RECOGNITION is anonymous");
	if (mode == FT_RECOGNITION_CONSENTED && !consent)
		ft_die(FT_EXIT_FAIL, "%s%s%s has not consented, and "
		       "FT_RECOGNITION is consented (%s)", who ? "'" : "",
		       who ? who : "the customer", who ? "'" : "",
		       who ? "ft-enroll update ID --consent first" :
		       "add --consent");
}

/* A retention of days counted back from now, as a time (0: none). */
static int64_t
cutoff(int64_t now, int days)
{
	return days ? now - days * FT_MS_PER_DAY : 0;
}

static jv
cutoff_json(int64_t t)
{
	return t ? ft_record_time(t) : jv_null();
}

/* Apply the retention settings and print what went (or would go). */
static int
cmd_purge(int dry_run)
{
	ft_config_retention days;
	ft_retention r;
	ft_purge_counts n;
	int64_t now = ft_time_now();
	char err[256];
	jv o;
	int rc;

	if (ft_config_retention_get(&days, err, sizeof err))
		ft_die(FT_EXIT_FAIL, "%s", err);
	r.visits_before = cutoff(now, days.visits);
	r.samples_before = cutoff(now, days.samples);
	r.unnamed_before = cutoff(now, days.unnamed);
	rc = ft_store_purge(store, &r, dry_run, &n);
	o = jv_object();
	o = jv_object_set(o, jv_string("type"), jv_string("purge"));
	o = jv_object_set(o, jv_string("dry_run"), jv_bool(dry_run));
	o = jv_object_set(o, jv_string("customers"),
			  jv_number((double)n.customers));
	o = jv_object_set(o, jv_string("samples"),
			  jv_number((double)n.samples));
	o = jv_object_set(o, jv_string("visits"), jv_number((double)n.visits));
	o = jv_object_set(o, jv_string("visits_before"),
			  cutoff_json(r.visits_before));
	o = jv_object_set(o, jv_string("samples_before"),
			  cutoff_json(r.samples_before));
	o = jv_object_set(o, jv_string("unnamed_before"),
			  cutoff_json(r.unnamed_before));
	/* What was removed before a failure is said too. */
	if (ft_jsonl_write(stdout, o) != 0)
		ft_die(FT_EXIT_FAIL, "write error: %s", strerror(errno));
	if (rc != FT_OK)
		store_fail(rc);
	return FT_EXIT_OK;
}

/* --- import --- */

enum { COL_NAME, COL_EMAIL, COL_NOTES, COL_CONSENT, NCOLS };
static const char *const colnames[NCOLS] = {
	"name", "email", "notes", "consent"
};

struct import {
	const char *file;
	int col[NCOLS];		/* field index of each column; -1: absent */
	size_t nfields;
	int header_done;
	char *err;		/* the first bad row's message */
	int store_rc;		/* the store's code when it failed */
	int64_t *ids;
	size_t nids;
};

static int
parse_consent(const char *s, int *out)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t" };
	static const char *const no[] = { "", "0", "no", "n", "false", "f" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof *yes; i++)
		if (!strcasecmp(s, yes[i]))
			return *out = 1, 0;
	for (i = 0; i < sizeof no / sizeof *no; i++)
		if (!strcasecmp(s, no[i]))
			return *out = 0, 0;
	return -1;
}

static int
import_header(struct import *im, size_t line, char **f, size_t n)
{
	size_t i;
	int k;

	for (k = 0; k < NCOLS; k++)
		im->col[k] = -1;
	for (i = 0; i < n; i++) {
		for (k = 0; k < NCOLS; k++)
			if (!strcasecmp(f[i], colnames[k]))
				break;
		if (k == NCOLS) {
			im->err = ft_xasprintf("%s:%zu: unknown column '%s' "
					       "(expected name, email, notes, "
					       "consent)", im->file, line,
					       f[i]);
			return 1;
		}
		if (im->col[k] >= 0) {
			im->err = ft_xasprintf("%s:%zu: column '%s' given "
					       "twice", im->file, line, f[i]);
			return 1;
		}
		im->col[k] = (int)i;
	}
	if (im->col[COL_NAME] < 0) {
		im->err = ft_xasprintf("%s:%zu: no 'name' column", im->file,
				       line);
		return 1;
	}
	im->nfields = n;
	im->header_done = 1;
	return 0;
}

static const char *
field(struct import *im, char **f, int k)
{
	const char *s = im->col[k] >= 0 ? f[im->col[k]] : NULL;

	return s && *s ? s : NULL;
}

static int
import_row(void *p, size_t line, char **f, size_t n)
{
	struct import *im = p;
	ft_customer c;
	const char *consent;
	char msg[128];
	int rc;

	if (!im->header_done)
		return import_header(im, line, f, n);
	if (n == 1 && !*f[0])
		return 0;	/* a blank line */
	if (n != im->nfields) {
		im->err = ft_xasprintf("%s:%zu: %zu fields, the header has %zu",
				       im->file, line, n, im->nfields);
		return 1;
	}
	memset(&c, 0, sizeof c);
	c.name = (char *)field(im, f, COL_NAME);
	c.email = (char *)field(im, f, COL_EMAIL);
	c.notes = (char *)field(im, f, COL_NOTES);
	if (!c.name) {
		im->err = ft_xasprintf("%s:%zu: empty name", im->file, line);
		return 1;
	}
	if (ft_customer_check(&c, FT_FIELD_NAME | FT_FIELD_EMAIL |
			      FT_FIELD_NOTES, msg, sizeof msg)) {
		im->err = ft_xasprintf("%s:%zu: %s", im->file, line, msg);
		return 1;
	}
	consent = field(im, f, COL_CONSENT);
	if (consent && parse_consent(consent, &c.consent)) {
		im->err = ft_xasprintf("%s:%zu: bad consent '%s' (yes or no)",
				       im->file, line, consent);
		return 1;
	}
	if ((rc = ft_store_customer_add(store, &c)) != FT_OK) {
		im->store_rc = rc;
		return 1;
	}
	im->ids = ft_xrealloc(im->ids, (im->nids + 1) * sizeof *im->ids);
	im->ids[im->nids++] = c.id;
	return 0;
}

static int
cmd_import(const char *path)
{
	struct import im = { .file = path };
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *err;
	size_t i;
	int rc;

	if (!f)
		ft_die(FT_EXIT_FAIL, "cannot read '%s': %s", path,
		       strerror(errno));
	if (f == stdin)
		im.file = "stdin";
	if ((rc = ft_store_begin(store)) != FT_OK)
		store_fail(rc);
	rc = ft_csv_read(f, import_row, &im, &err);
	if (f != stdin)
		fclose(f);
	if (rc < 0 || im.err) {
		ft_store_rollback(store);
		if (rc < 0)
			ft_warn("%s:%s; nothing imported", im.file, err);
		else
			ft_warn("%s; nothing imported", im.err);
		free(err);
		free(im.err);
		free(im.ids);
		return FT_EXIT_DATA;
	}
	if (im.store_rc != FT_OK) {
		ft_store_rollback(store);
		store_fail(im.store_rc);
	}
	if ((rc = ft_store_commit(store)) != FT_OK)
		store_fail(rc);
	for (i = 0; i < im.nids; i++)
		print_current(im.ids[i]);
	free(im.ids);
	return FT_EXIT_OK;
}

/* End with a usage error unless cmd takes nargs arguments, the fields
 * given (c's) and largest. */
static void
check_command(const char *cmd, int nargs, const ft_customer *c,
	      unsigned fields, int largest, int dry_run)
{
	if (dry_run && strcmp(cmd, "purge"))
		ft_usage_error("--dry-run goes with 'purge'");
	if (fields && is_correction(cmd))
		ft_usage_error("'%s' takes no field options", cmd);
	if (largest && strcmp(cmd, "add") && strcmp(cmd, "add-faces"))
		ft_usage_error("--largest goes with 'add' or 'add-faces'");
	if (!strcmp(cmd, "purge")) {
		if (fields || nargs)
			ft_usage_error("'purge' takes only --dry-run");
	} else if (!strcmp(cmd, "add")) {
		if (!c->name || !*c->name)
			ft_usage_error("'add' needs --name");
	} else if (!strcmp(cmd, "add-faces")) {
		if (fields)
			ft_usage_error("'add-faces' takes no field options");
		if (nargs < 2)
			ft_usage_error("'add-faces' takes a customer id and "
				       "images");
	} else if (!strcmp(cmd, "faces")) {
		if (fields)
			ft_usage_error("'faces' takes no field options");
		if (nargs != 1)
			ft_usage_error("'faces' takes one customer id");
	} else if (!strcmp(cmd, "update")) {
		if (nargs != 1)
			ft_usage_error("'update' takes one customer id");
		if (!fields)
			ft_usage_error("'update' needs a field to change");
	} else if (!strcmp(cmd, "split")) {
		if (nargs < 1)
			ft_usage_error("'split' takes a customer id and --face");
	} else if (!strcmp(cmd, "remove-face")) {
		if (nargs < 2)
			ft_usage_error("'remove-face' takes a customer id and "
				       "sample ids");
	} else if (!strcmp(cmd, "unvisit")) {
		if (nargs < 1)
			ft_usage_error("'unvisit' takes visit ids");
	} else if (!strcmp(cmd, "different")) {
		if (nargs != 2)
			ft_usage_error("'different' takes two customer ids");
	} else if (!strcmp(cmd, "merge") || !strcmp(cmd, "forget") ||
		   !strcmp(cmd, "import")) {
		if (fields)
			ft_usage_error("'%s' takes no field options", cmd);
		if (nargs != (!strcmp(cmd, "merge") ? 2 : 1))
			ft_usage_error(!strcmp(cmd, "merge") ?
				    "'merge' takes two customer ids" :
				    "'%s' takes one argument", cmd);
	} else {
		ft_usage_error("unknown command '%s'", cmd);
	}
	if ((fields & FT_FIELD_NAME) && !*c->name)
		ft_usage_error("the name cannot be empty");
}

int
main(int argc, char **argv)
{
	const char *cmd;
	ft_customer c;
	unsigned fields = 0;
	int opt, rc, consent = -1, nargs, largest = 0, dry_run = 0;
	ft_face *samples = NULL;
	char *model = NULL;

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	memset(&c, 0, sizeof c);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case O_DB: ft_config_set("FT_DB", optarg); break;
		case O_NAME:
			c.name = optarg;
			fields |= FT_FIELD_NAME;
			break;
		case O_EMAIL:
			c.email = optarg;
			fields |= FT_FIELD_EMAIL;
			break;
		case O_NOTES:
			c.notes = optarg;
			fields |= FT_FIELD_NOTES;
			break;
		case O_CONSENT:
		case O_NO_CONSENT:
			consent = opt == O_CONSENT;
			fields |= FT_FIELD_CONSENT;
			break;
		case O_LARGEST: largest = 1; break;
		case O_DRY_RUN: dry_run = 1; break;
		case O_FACE: split_face(optarg); break;
		case O_INTO: split_opt.into = optarg; break;
		case 'h':
			fputs(usage, stdout);
			return ft_close_stdout(FT_EXIT_OK);
		case O_VERSION:
			printf("ft-enroll %s\n", FT_VERSION);
			return ft_close_stdout(FT_EXIT_OK);
		default:
			ft_usage_error(NULL);
		}
	}
	if (optind >= argc)
		ft_usage_error("no command given");
	cmd = argv[optind++];
	nargs = argc - optind;
	c.consent = consent > 0;

	check_command(cmd, nargs, &c, fields, largest, dry_run);
	check_split(cmd, nargs);
	{
		char msg[128];

		if (ft_customer_check(&c, fields, msg, sizeof msg))
			ft_usage_error("%s", msg);
	}

	/* Images are described before the store is touched. */
	if (!strcmp(cmd, "add") && nargs > 0) {
		check_samples_allowed(c.consent, NULL);
		samples = ft_xcalloc((size_t)nargs, sizeof *samples);
		describe_images(argv + optind, nargs, largest, samples,
				&model);
	} else if (!strcmp(cmd, "add-faces")) {
		samples = ft_xcalloc((size_t)nargs, sizeof *samples);
		describe_images(argv + optind + 1, nargs - 1, largest,
				samples, &model);
	}

	store = ft_store_open_configured();

	rc = FT_EXIT_OK;
	if (!strcmp(cmd, "add")) {
		if (c.email && !*c.email)
			c.email = NULL;
		if (samples)
			store_samples(&c, samples, nargs, model);
		else if ((rc = ft_store_customer_add(store, &c)) != FT_OK)
			store_fail(rc);
		print_current(c.id);
	} else if (!strcmp(cmd, "add-faces")) {
		ft_customer cur;

		load(argv[optind], &cur);
		check_samples_allowed(cur.consent, argv[optind]);
		store_samples(&cur, samples, nargs - 1, model);
		print_current(cur.id);
		ft_customer_clear(&cur);
	} else if (!strcmp(cmd, "faces")) {
		cmd_faces(argv[optind]);
	} else if (!strcmp(cmd, "update")) {
		ft_customer cur;

		load(argv[optind], &cur);
		c.id = cur.id;
		ft_customer_clear(&cur);
		if (c.email && !*c.email)
			c.email = NULL;
		if (c.notes && !*c.notes)
			c.notes = NULL;
		if ((rc = ft_store_customer_update(store, &c, fields)) != FT_OK)
			store_fail(rc);
		print_current(c.id);
	} else if (!strcmp(cmd, "merge")) {
		cmd_merge(argv[optind], argv[optind + 1]);
	} else if (is_correction(cmd)) {
		correct(cmd, argv + optind, nargs);
	} else if (!strcmp(cmd, "forget")) {
		cmd_forget(argv[optind]);
	} else if (!strcmp(cmd, "purge")) {
		rc = cmd_purge(dry_run);
	} else {
		rc = cmd_import(argv[optind]);
	}
	free(samples);
	free(model);
	ft_store_close(store);
	return ft_close_stdout(rc);
}
