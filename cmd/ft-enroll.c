/*
 * ft-enroll — add, update, merge and forget customers; import them from
 * CSV.
 *
 * Writes the customer records it creates or changes as JSON lines.  Every
 * command is one transaction: an import with one bad row commits nothing,
 * a merge or a forget is whole or not at all.
 *
 * Face samples: `add` with image files and `add-faces` describe the face
 * of each image (ft_faces_describe_main) and store the descriptors, each
 * with the crop of its face (FT_FACE_CROPS), with the customer; `import
 * DIR` makes a customer of each photo and folder of photos.  A folder
 * stands for its image files.  Every image is read and described before
 * anything is written: one that cannot be used (no face, several unless
 * --largest takes the main one, unreadable) is skipped with a warning
 * and the command exits 3 after storing the others, or, with --strict,
 * refuses the whole command, as owners enrolling hundreds of photos
 * expect of the first and scripts of the second.  The models are opened
 * only when images are given: the profile commands need only the store.
 * `forget` deletes the samples with the customer; running recognisers
 * drop them from their indexes when they see the forget in the store's
 * event feed.  It prints an "erasure" record, the receipt of what went.
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
#include "chart.h"
#include "match.h"
#include "record.h"
#include "review.h"
#include "store.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
"usage: ft-enroll [--db URL] COMMAND [ARGS]\n"
"commands:\n"
"  add --name NAME [--email ADDRESS] [--notes TEXT] [--consent]\n"
"      [--largest] [--strict] [IMAGE|DIR ...]\n"
"  add-faces ID [--largest] [--strict] IMAGE|DIR ...\n"
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
"  import DIR [--consent] [--largest] [--strict]\n"
"  purge [--dry-run]\n"
"  suggest [--limit N]\n"
"  search [--limit N] IMAGE ...\n"
"  calibrate [--chart FILE]\n";

enum {
	O_DB = 256, O_NAME, O_EMAIL, O_NOTES, O_CONSENT, O_NO_CONSENT,
	O_LARGEST, O_STRICT, O_DRY_RUN, O_FACE, O_INTO, O_VERSION, O_LIMIT,
	O_CHART
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, O_DB },
	{ "name", required_argument, NULL, O_NAME },
	{ "email", required_argument, NULL, O_EMAIL },
	{ "notes", required_argument, NULL, O_NOTES },
	{ "consent", no_argument, NULL, O_CONSENT },
	{ "no-consent", no_argument, NULL, O_NO_CONSENT },
	{ "largest", no_argument, NULL, O_LARGEST },
	{ "strict", no_argument, NULL, O_STRICT },
	{ "dry-run", no_argument, NULL, O_DRY_RUN },
	{ "face", required_argument, NULL, O_FACE },
	{ "into", required_argument, NULL, O_INTO },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "chart", required_argument, NULL, O_CHART },
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

/* What a command enrols from photos, over all its people. */
struct enrol {
	ft_face_ctx *ctx;	/* the models, opened on first use */
	int largest;		/* take the main face of several */
	int strict;		/* a photo that cannot be used refuses all */
	int crops;		/* keep crops (FT_FACE_CROPS) */
	int tty;		/* stderr is a terminal: show progress */
	size_t total, done, skipped;	/* photos */
	char *model;		/* the descriptor model's id */
};

/* One customer's photos and the samples they gave. */
struct person {
	char *name;		/* import: the file's or folder's name */
	char **paths;
	size_t n;
	ft_face *samples;	/* one for each usable photo */
	unsigned char **crops;	/* each sample's crop, or NULL */
	size_t nsamples;
};

static void
person_clear(struct person *p)
{
	size_t i;

	for (i = 0; i < p->nsamples; i++)
		free(p->crops[i]);
	free(p->crops);
	free(p->samples);
	ft_image_list_free(p->paths, p->n);
	free(p->name);
	memset(p, 0, sizeof *p);
}

static void
person_add_path(struct person *p, const char *path)
{
	p->paths = ft_xrealloc(p->paths, (p->n + 1) * sizeof *p->paths);
	p->paths[p->n++] = ft_xstrdup(path);
}

/* Add the photo arg, or the image files of the directory arg, to p. */
static void
person_add_arg(struct person *p, const char *arg)
{
	struct stat sb;
	char **list, *err;
	size_t n, i;

	if (stat(arg, &sb) || !S_ISDIR(sb.st_mode)) {
		person_add_path(p, arg);	/* reading it says what fails */
		return;
	}
	if (ft_image_list(arg, &list, &n, &err))
		ft_die(FT_EXIT_FAIL, "cannot read '%s': %s", arg, err);
	for (i = 0; i < n; i++)
		person_add_path(p, list[i]);
	ft_image_list_free(list, n);
}

/* The progress line on a terminal: one line, rewritten. */
static void
progress(const struct enrol *e)
{
	if (e->tty)
		fprintf(stderr, "\r\033[K%s: %zu of %zu photos, %zu skipped",
			ft_progname(), e->done, e->total, e->skipped);
}

static void
progress_clear(const struct enrol *e)
{
	if (e->tty)
		fputs("\r\033[K", stderr);
}

/* A photo that cannot be used: the end of the command with --strict, a
 * warning naming it otherwise. */
static void
skip(struct enrol *e, const char *path, const char *why)
{
	progress_clear(e);
	if (e->strict)
		ft_die(FT_EXIT_FAIL, "cannot use '%s': %s", path, why);
	ft_warn("skipping '%s': %s", path, why);
	e->skipped++;
}

/* Describe the photo path into p's next sample; skip it when it cannot
 * be read or does not show exactly one face (the main one of several
 * with largest: ft_faces_main). */
static void
describe_photo(struct enrol *e, struct person *p, const char *path,
	       uint8_t *chip)
{
	ft_face *f = &p->samples[p->nsamples];
	ft_image img = { 0 };
	ft_face_quality q;
	char *err, why[64];
	int nf;

	if (ft_image_read(path, &img, &err)) {
		skip(e, path, err);
		free(err);
		return;
	}
	nf = ft_faces_describe_main(e->ctx, &img, NULL, f->descriptor, &q,
				    chip, &err);
	ft_image_clear(&img);
	if (nf < 0) {
		skip(e, path, err);
		free(err);
		return;
	}
	if (nf == 0 || (nf > 1 && !e->largest)) {
		snprintf(why, sizeof why, nf ? "%d faces found (--largest "
			 "takes the main one)" : "no face found", nf);
		skip(e, path, why);
		return;
	}
	f->quality = q.score;
	f->created_at = ft_time_now();
	p->crops[p->nsamples] = NULL;
	if (e->crops && ft_faces_crop(chip, &p->crops[p->nsamples],
				      &f->crop_len, &err))
		ft_die(FT_EXIT_FAIL, "cannot keep the crop of '%s': %s", path,
		       err);
	f->crop = p->crops[p->nsamples];
	p->nsamples++;
}

/* Describe the photos of p, before anything is written. */
static void
describe_person(struct enrol *e, struct person *p)
{
	uint8_t *chip = ft_xmalloc(FT_FACE_CHIP_BYTES);
	char *err, why[128];
	size_t i;

	if (!e->ctx) {
		if (ft_config_face_crops(&e->crops, why, sizeof why))
			ft_die(FT_EXIT_FAIL, "%s", why);
		if (!(e->ctx = ft_faces_open(&err)))
			ft_die(FT_EXIT_FAIL, "%s", err);
		/* Samples are described once and matched for years: worth
		 * the mirror image's second look. */
		ft_face_set_mirror(e->ctx, 1);
		e->model = ft_xstrdup(ft_face_model_id(e->ctx));
	}
	p->samples = ft_xcalloc(p->n + 1, sizeof *p->samples);
	p->crops = ft_xcalloc(p->n + 1, sizeof *p->crops);
	for (i = 0; i < p->n; i++) {
		progress(e);
		describe_photo(e, p, p->paths[i], chip);
		e->done++;
	}
	progress(e);
	free(chip);
}

/* After the photos were described: the summary, when there is one to
 * give; the end of the command when no photo could be used. */
static void
describe_done(struct enrol *e)
{
	progress_clear(e);
	if (e->total && e->done == e->skipped)
		ft_die(FT_EXIT_FAIL, "no photo could be used: nothing stored");
	if (e->skipped || e->tty)
		ft_warn("%zu of %zu photos enrolled, %zu skipped",
			e->done - e->skipped, e->total, e->skipped);
}

static void
enrol_clear(struct enrol *e)
{
	if (e->ctx)
		ft_face_close(e->ctx);
	free(e->model);
}

/* Add p's samples to customer c (c->id 0: add c first and take its id),
 * inside the caller's transaction. */
static int
store_person(ft_customer *c, struct person *p)
{
	int rc = FT_OK;
	size_t i;

	if (!c->id && (rc = ft_store_customer_add(store, c)) != FT_OK)
		return rc;
	for (i = 0; i < p->nsamples && rc == FT_OK; i++) {
		p->samples[i].customer_id = c->id;
		rc = ft_store_face_add(store, &p->samples[i]);
	}
	return rc;
}

/* Check the model, then store p's samples with c; one transaction. */
static void
store_samples(ft_customer *c, struct person *p, const char *model)
{
	int rc;

	if ((rc = ft_store_face_model(store, model)) != FT_OK)
		store_fail(rc);
	if ((rc = ft_store_begin(store)) != FT_OK)
		store_fail(rc);
	if ((rc = store_person(c, p)) != FT_OK) {
		ft_store_rollback(store);
		store_fail(rc);
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
		o = ft_record_erasure(&e);
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

/* Move samples of customer id to into_id (NULL: a new customer) and
 * print the customer they moved to. */
static void
cmd_split(const char *id, char **args, int nargs, int64_t *faces,
	  int nfaces, const char *into_id)
{
	ft_customer from, into = { 0 }, out;
	int64_t *v;
	int n, rc;

	v = row_ids(args, nargs, faces, nfaces, "sample", &n);
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

/* The customer's name a photo or folder of an import gives: the last
 * part of path without a photo's suffix, each '_' read as a space. */
static char *
import_name(const char *path, int is_photo)
{
	const char *base = strrchr(path, '/');
	char *name = ft_xstrdup(base ? base + 1 : path), *dot, *p;

	if (is_photo && (dot = strrchr(name, '.')) && dot != name)
		*dot = '\0';
	for (p = name; *p; p++)
		if (*p == '_')
			*p = ' ';
	return name;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folders in dir, by name, as paths (hidden ones left out). */
static char **
import_folders(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat sb;
	char **v = NULL, *path;

	*n = 0;
	if (!d)
		ft_die(FT_EXIT_FAIL, "cannot read '%s': %s", dir,
		       strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		path = ft_xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &sb) || !S_ISDIR(sb.st_mode) ||
		    *n >= FT_IMAGE_LIST_MAX) {
			free(path);
			continue;
		}
		v = ft_xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = path;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, by_name);
	return v;
}

/* The people of an import of dir: one for each photo in it, one for
 * each folder of photos. */
static struct person *
import_people(const char *dir, size_t *n)
{
	struct person *people;
	char **photos, **folders, *err;
	size_t nphotos, nfolders, i;

	if (ft_image_list(dir, &photos, &nphotos, &err))
		ft_die(FT_EXIT_FAIL, "cannot read '%s': %s", dir, err);
	folders = import_folders(dir, &nfolders);
	*n = nphotos + nfolders;
	people = ft_xcalloc(*n + 1, sizeof *people);
	for (i = 0; i < nphotos; i++) {
		people[i].name = import_name(photos[i], 1);
		person_add_path(&people[i], photos[i]);
	}
	for (i = 0; i < nfolders; i++) {
		people[nphotos + i].name = import_name(folders[i], 0);
		person_add_arg(&people[nphotos + i], folders[i]);
		free(folders[i]);
	}
	ft_image_list_free(photos, nphotos);
	free(folders);
	return people;
}

/* Add each person with a usable photo as a customer with their samples;
 * one transaction.  Prints the customers added. */
static void
import_store(struct person *people, size_t n, int consent,
	     const char *model)
{
	ft_customer c;
	int64_t *ids = ft_xcalloc(n + 1, sizeof *ids);
	size_t i;
	int rc;

	if ((rc = ft_store_face_model(store, model)) != FT_OK)
		store_fail(rc);
	if ((rc = ft_store_begin(store)) != FT_OK)
		store_fail(rc);
	for (i = 0; i < n && rc == FT_OK; i++) {
		if (!people[i].nsamples)
			continue;
		memset(&c, 0, sizeof c);
		c.name = people[i].name;
		c.consent = consent;
		rc = store_person(&c, &people[i]);
		ids[i] = c.id;
	}
	if (rc != FT_OK) {
		ft_store_rollback(store);
		store_fail(rc);
	}
	if ((rc = ft_store_commit(store)) != FT_OK)
		store_fail(rc);
	for (i = 0; i < n; i++)
		if (ids[i])
			print_current(ids[i]);
	free(ids);
}

/* import DIR: its photos and folders of photos, each a customer. */
static int
cmd_import_dir(const char *dir, struct enrol *e, int consent)
{
	struct person *people;
	char msg[128];
	size_t n, i;
	ft_customer c;

	check_samples_allowed(consent, NULL);
	people = import_people(dir, &n);
	for (i = 0; i < n; i++) {
		memset(&c, 0, sizeof c);
		c.name = people[i].name;
		if (ft_customer_check(&c, FT_FIELD_NAME, msg, sizeof msg))
			ft_die(FT_EXIT_DATA, "'%s': %s; nothing imported",
			       people[i].name, msg);
		e->total += people[i].n;
	}
	if (!e->total)
		ft_die(FT_EXIT_FAIL, "no photos in '%s'", dir);
	for (i = 0; i < n; i++) {
		describe_person(e, &people[i]);
		if (!people[i].nsamples && people[i].n != 1)
			ft_warn("no photo of '%s' could be used: not "
				"imported", people[i].name);
	}
	describe_done(e);
	store = ft_store_open_configured();
	import_store(people, n, consent, e->model);
	for (i = 0; i < n; i++)
		person_clear(&people[i]);
	free(people);
	return e->skipped ? FT_EXIT_DATA : FT_EXIT_OK;
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

/* --- review: suggestions, search by photo, calibration --- */

static void
put(jv rec)
{
	if (ft_jsonl_write(stdout, rec) != 0)
		ft_die(FT_EXIT_FAIL, "write error: %s", strerror(errno));
}

/* A search object over the store's samples, or the end of the program. */
static ft_review *
review_open(void)
{
	ft_review *r;
	char err[256];
	int rc = ft_review_new(store, &r, err, sizeof err);

	if (rc != FT_OK) {
		ft_warn("%s", err);
		ft_store_close(store);
		exit(ft_store_exit_status(rc));
	}
	return r;
}

static void
load_id(int64_t id, ft_customer *c)
{
	int rc = ft_store_customer_get_id(store, id, c);

	if (rc != FT_OK)
		store_fail(rc);
}

static int
cmd_suggest(int limit)
{
	ft_review *r = review_open();
	ft_review_suggest_opts o;
	ft_review_pair *p;
	size_t n, i;
	int rc;

	ft_review_suggest_opts_default(&o);
	o.limit = limit;
	if ((rc = ft_review_suggest(r, store, &o, &p, &n)) != FT_OK) {
		ft_warn("%s", ft_review_errmsg(r));
		ft_review_free(r);
		ft_store_close(store);
		exit(ft_store_exit_status(rc));
	}
	ft_review_free(r);
	for (i = 0; i < n; i++) {
		ft_customer a, b;

		load_id(p[i].a, &a);
		load_id(p[i].b, &b);
		put(ft_record_suggestion((int)i + 1, &p[i], &a, &b));
		ft_customer_clear(&a);
		ft_customer_clear(&b);
	}
	free(p);
	return FT_EXIT_OK;
}

/* The nearest customers of the main face of one photo; 0, or -1 when
 * the photo cannot be used (said on stderr). */
static int
search_photo(ft_face_ctx *ctx, ft_review *r, const char *path, int limit)
{
	ft_review_hit hits[FT_REVIEW_MAX_HITS];
	float desc[FT_FACE_DIM];
	ft_image img = { 0 };
	char *err;
	int nf, i, n;

	if (ft_image_read(path, &img, &err)) {
		ft_warn("cannot read '%s': %s", path, err);
		free(err);
		return -1;
	}
	nf = ft_faces_describe_main(ctx, &img, NULL, desc, NULL, NULL,
	    &err);
	ft_image_clear(&img);
	if (nf <= 0) {
		ft_warn("cannot use '%s': %s", path, nf ? err : "no face found");
		if (nf)
			free(err);
		return -1;
	}
	if ((n = ft_review_search(r, desc, hits, limit)) < 0)
		ft_die(FT_EXIT_FAIL, "%s", ft_review_errmsg(r));
	for (i = 0; i < n; i++) {
		ft_customer c;

		load_id(hits[i].customer_id, &c);
		put(ft_record_search(path, i + 1, hits[i].distance, &c));
		ft_customer_clear(&c);
	}
	return 0;
}

/* Search every photo; a photo that cannot be used is reported and the
 * others searched all the same. */
static int
cmd_search(char **paths, int n, int limit)
{
	ft_face_ctx *ctx;
	ft_review *r;
	char *err;
	int i, failed = 0;

	if (!(ctx = ft_faces_open(&err)))
		ft_die(FT_EXIT_FAIL, "%s", err);
	/* As the samples were described (describe_images). */
	ft_face_set_mirror(ctx, 1);
	store = ft_store_open_configured();
	r = review_open();
	for (i = 0; i < n; i++)
		if (search_photo(ctx, r, paths[i], limit))
			failed = 1;
	ft_review_free(r);
	ft_face_close(ctx);
	return failed ? FT_EXIT_FAIL : FT_EXIT_OK;
}

/* Rates to five places. */
static jv
rate(double x)
{
	return jv_number(round(x * 1e5) / 1e5);
}

static void
calibration_chart(const ft_review_calibration *cal, const char *path)
{
	char labels[FT_REVIEW_CAL_STEPS][16], err[256];
	const char *lp[FT_REVIEW_CAL_STEPS];
	double split[FT_REVIEW_CAL_STEPS], merge[FT_REVIEW_CAL_STEPS];
	ft_chart c = {
		.title = "Split and merge rates by threshold",
		.xlabel = "threshold", .ylabel = "% of sample pairs",
		.n = (size_t)cal->nrows, .labels = lp, .values = split,
		.lines = 1, .values2 = merge,
		.names = { "one person split", "two people merged" }
	};
	size_t len = strlen(path);
	int i, fmt = len >= 4 && !strcasecmp(path + len - 4, ".svg") ?
	    FT_CHART_SVG : FT_CHART_PNG;

	for (i = 0; i < cal->nrows; i++) {
		snprintf(labels[i], sizeof labels[i], "%.2f",
			 cal->rows[i].threshold);
		lp[i] = labels[i];
		split[i] = 100 * cal->rows[i].split;
		merge[i] = 100 * cal->rows[i].merge;
	}
	if (ft_chart_write(&c, path, fmt, err, sizeof err))
		ft_die(FT_EXIT_FAIL, "%s", err);
}

static jv
calibration_record(const ft_review_calibration *cal)
{
	ft_match_config def;
	jv o = jv_object();

	ft_match_config_default(&def);
	o = jv_object_set(o, jv_string("type"), jv_string("calibration"));
	o = jv_object_set(o, jv_string("people"), jv_number(cal->people));
	o = jv_object_set(o, jv_string("same_pairs"),
			  jv_number((double)cal->same_pairs));
	o = jv_object_set(o, jv_string("different_pairs"),
			  jv_number((double)cal->different_pairs));
	o = jv_object_set(o, jv_string("threshold"),
			  rate(cal->threshold));
	o = jv_object_set(o, jv_string("margin"), rate(cal->margin));
	o = jv_object_set(o, jv_string("split"), rate(cal->split_at));
	o = jv_object_set(o, jv_string("merge"), rate(cal->merge_at));
	o = jv_object_set(o, jv_string("default_threshold"),
			  rate(def.threshold));
	o = jv_object_set(o, jv_string("default_margin"), rate(def.margin));
	return o;
}

static int
cmd_calibrate(const char *chart)
{
	ft_review_calibration cal;
	char err[256];
	int rc = ft_review_calibrate(store, &cal, err, sizeof err);
	int i;

	if (rc == FT_REVIEW_TOO_LITTLE) {
		ft_warn("too little evidence to calibrate: %d named "
			"customers with two samples or more, %d needed "
			"(%d more)", cal.people, cal.needed,
			cal.needed > cal.people ? cal.needed - cal.people : 1);
		return FT_EXIT_FAIL;
	}
	if (rc != FT_OK) {
		ft_warn("%s", err);
		return ft_store_exit_status(rc);
	}
	for (i = 0; i < cal.nrows; i++) {
		jv o = jv_object();

		o = jv_object_set(o, jv_string("type"), jv_string("threshold"));
		o = jv_object_set(o, jv_string("threshold"),
				  rate(cal.rows[i].threshold));
		o = jv_object_set(o, jv_string("split"),
				  rate(cal.rows[i].split));
		o = jv_object_set(o, jv_string("merge"),
				  rate(cal.rows[i].merge));
		put(o);
	}
	put(calibration_record(&cal));
	if (chart)
		calibration_chart(&cal, chart);
	return FT_EXIT_OK;
}

static int
is_review(const char *cmd)
{
	return !strcmp(cmd, "suggest") || !strcmp(cmd, "search") ||
	       !strcmp(cmd, "calibrate");
}

/*
 * Run review command cmd with its nargs arguments args; other is set
 * when an option of the other commands was given, limit_arg and chart
 * are --limit's and --chart's (NULL: not given).
 */
static int
cmd_review(const char *cmd, int nargs, char **args, int other,
	   const char *limit_arg, const char *chart)
{
	int search = !strcmp(cmd, "search");
	long long limit = search ? 5 : FT_REVIEW_SUGGEST_LIMIT;
	int rc;

	if (other)
		ft_usage_error("'%s' takes no options but --limit and "
			       "--chart", cmd);
	if (chart && strcmp(cmd, "calibrate"))
		ft_usage_error("--chart goes with 'calibrate'");
	if (limit_arg && !strcmp(cmd, "calibrate"))
		ft_usage_error("--limit goes with 'suggest' or 'search'");
	if (limit_arg && ft_parse_int(limit_arg, 1, search ?
	    FT_REVIEW_MAX_HITS : 10000, &limit))
		ft_usage_error("bad --limit: '%s' (1 to %d)", limit_arg,
			       search ? FT_REVIEW_MAX_HITS : 10000);
	if (search ? nargs < 1 : nargs != 0)
		ft_usage_error(search ? "'search' takes one or more images" :
			       "'%s' takes no arguments", cmd);
	if (search)
		return cmd_search(args, nargs, (int)limit);
	store = ft_store_open_configured();
	rc = !strcmp(cmd, "suggest") ? cmd_suggest((int)limit) :
	     cmd_calibrate(chart);
	ft_store_close(store);
	return rc;
}

/* Whether path names a directory. */
static int
is_dir(const char *path)
{
	struct stat sb;

	return !stat(path, &sb) && S_ISDIR(sb.st_mode);
}

/* End with a usage error unless cmd takes nargs arguments, the fields
 * given (c's), largest and strict (e's). */
static void
check_command(const char *cmd, int nargs, char **args, const ft_customer *c,
	      unsigned fields, const struct enrol *e, int dry_run)
{
	int photos = !strcmp(cmd, "add") || !strcmp(cmd, "add-faces") ||
		(!strcmp(cmd, "import") && nargs == 1 && is_dir(args[0]));

	if (dry_run && strcmp(cmd, "purge"))
		ft_usage_error("--dry-run goes with 'purge'");
	if (fields && (!strcmp(cmd, "split") || !strcmp(cmd, "remove-face") ||
	    !strcmp(cmd, "unvisit") || !strcmp(cmd, "different")))
		ft_usage_error("'%s' takes no field options", cmd);
	if ((e->largest || e->strict) && !photos)
		ft_usage_error("--%s goes with 'add', 'add-faces' or 'import "
			       "DIR'", e->largest ? "largest" : "strict");
	if (photos && !strcmp(cmd, "import")) {
		if (fields & ~(unsigned)FT_FIELD_CONSENT)
			ft_usage_error("'import DIR' takes only --consent");
		return;
	}
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

/* The commands that need only the store, on it. */
static int
run_command(const char *cmd, char **args, ft_customer *c, unsigned fields,
	    int dry_run)
{
	ft_customer cur;
	int rc;

	if (!strcmp(cmd, "add")) {
		if (c->email && !*c->email)
			c->email = NULL;
		if ((rc = ft_store_customer_add(store, c)) != FT_OK)
			store_fail(rc);
		print_current(c->id);
	} else if (!strcmp(cmd, "faces")) {
		cmd_faces(args[0]);
	} else if (!strcmp(cmd, "update")) {
		load(args[0], &cur);
		c->id = cur.id;
		ft_customer_clear(&cur);
		if (c->email && !*c->email)
			c->email = NULL;
		if (c->notes && !*c->notes)
			c->notes = NULL;
		if ((rc = ft_store_customer_update(store, c, fields)) != FT_OK)
			store_fail(rc);
		print_current(c->id);
	} else if (!strcmp(cmd, "merge")) {
		cmd_merge(args[0], args[1]);
	} else if (!strcmp(cmd, "forget")) {
		cmd_forget(args[0]);
	} else if (!strcmp(cmd, "purge")) {
		return cmd_purge(dry_run);
	} else {
		return cmd_import(args[0]);
	}
	return FT_EXIT_OK;
}

/* add or add-faces with photos: describe them, then store them with c
 * (a new customer when c->id is 0, checked against the recognition
 * mode first); prints the customer. */
static int
cmd_add_photos(ft_customer *c, struct enrol *e, char **args, int n)
{
	struct person p = { 0 };
	int i;

	for (i = 0; i < n; i++)
		person_add_arg(&p, args[i]);
	e->total = p.n;
	if (!p.n)
		ft_die(FT_EXIT_FAIL, "no photos given (empty folders)");
	describe_person(e, &p);
	describe_done(e);
	if (!store)
		store = ft_store_open_configured();
	store_samples(c, &p, e->model);
	person_clear(&p);
	print_current(c->id);
	return e->skipped ? FT_EXIT_DATA : FT_EXIT_OK;
}

/* add-faces ID PHOTO...: the customer's consent is checked before the
 * photos are described. */
static int
cmd_add_faces(const char *id, struct enrol *e, char **args, int n)
{
	ft_customer cur;
	int rc;

	store = ft_store_open_configured();
	load(id, &cur);
	check_samples_allowed(cur.consent, id);
	rc = cmd_add_photos(&cur, e, args, n);
	ft_customer_clear(&cur);
	return rc;
}

/* What the options ask for. */
struct args {
	ft_customer c;
	struct enrol e;
	unsigned fields;
	int consent, dry_run, nfaces;
	int64_t faces[FT_SPLIT_MAX];
	const char *into, *limit, *chart;
};

/* Read the options into a; exits on a bad one, -h and --version. */
static void
parse_options(int argc, char **argv, struct args *a)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case O_DB: ft_config_set("FT_DB", optarg); break;
		case O_NAME:
			a->c.name = optarg;
			a->fields |= FT_FIELD_NAME;
			break;
		case O_EMAIL:
			a->c.email = optarg;
			a->fields |= FT_FIELD_EMAIL;
			break;
		case O_NOTES:
			a->c.notes = optarg;
			a->fields |= FT_FIELD_NOTES;
			break;
		case O_CONSENT:
		case O_NO_CONSENT:
			a->consent = opt == O_CONSENT;
			a->fields |= FT_FIELD_CONSENT;
			break;
		case O_LARGEST: a->e.largest = 1; break;
		case O_STRICT: a->e.strict = 1; break;
		case O_DRY_RUN: a->dry_run = 1; break;
		case O_FACE:
			if (a->nfaces == FT_SPLIT_MAX)
				ft_usage_error("at most %d samples can be "
					       "split off at once",
					       FT_SPLIT_MAX);
			a->faces[a->nfaces++] = row_id(optarg, "sample");
			break;
		case O_INTO: a->into = optarg; break;
		case O_LIMIT: a->limit = optarg; break;
		case O_CHART: a->chart = optarg; break;
		case 'h':
			fputs(usage, stdout);
			exit(ft_close_stdout(FT_EXIT_OK));
		case O_VERSION:
			printf("ft-enroll %s\n", FT_VERSION);
			exit(ft_close_stdout(FT_EXIT_OK));
		default:
			ft_usage_error(NULL);
		}
	}
	a->c.consent = a->consent > 0;
}

/* The options of split only with split, and not too many samples. */
static void
check_split(const char *cmd, int nargs, const struct args *a)
{
	int split = !strcmp(cmd, "split");

	if ((a->nfaces || a->into) && !split)
		ft_usage_error("--face and --into go with 'split'");
	if (split && !a->nfaces && nargs < 2)
		ft_usage_error("'split' needs --face SAMPLE");
	if (split && a->nfaces + nargs - 1 > FT_SPLIT_MAX)
		ft_usage_error("at most %d samples can be split off at once",
			       FT_SPLIT_MAX);
}

/* A command on the store alone: a correction or one of run_command's. */
static int
run_on_store(const char *cmd, char **argv, int nargs, struct args *a)
{
	store = ft_store_open_configured();
	if (!strcmp(cmd, "split"))
		cmd_split(argv[0], argv + 1, nargs - 1, a->faces, a->nfaces,
			  a->into);
	else if (!strcmp(cmd, "remove-face"))
		cmd_remove_face(argv[0], argv + 1, nargs - 1);
	else if (!strcmp(cmd, "unvisit"))
		cmd_unvisit(argv, nargs);
	else if (!strcmp(cmd, "different"))
		cmd_different(argv[0], argv[1]);
	else
		return run_command(cmd, argv, &a->c, a->fields, a->dry_run);
	return FT_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct args a = { .consent = -1 };
	const char *cmd;
	char msg[128], **args;
	int rc, nargs;

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	parse_options(argc, argv, &a);
	if (optind >= argc)
		ft_usage_error("no command given");
	cmd = argv[optind++];
	args = argv + optind;
	nargs = argc - optind;

	if (is_review(cmd))
		return ft_close_stdout(cmd_review(cmd, nargs, args,
		    a.fields || a.e.largest || a.e.strict || a.dry_run ||
		    a.nfaces || a.into, a.limit, a.chart));
	if (a.limit || a.chart)
		ft_usage_error("--limit and --chart go with 'suggest', "
			       "'search' or 'calibrate'");
	check_command(cmd, nargs, args, &a.c, a.fields, &a.e, a.dry_run);
	check_split(cmd, nargs, &a);
	if (ft_customer_check(&a.c, a.fields, msg, sizeof msg))
		ft_usage_error("%s", msg);
	a.e.tty = isatty(STDERR_FILENO);

	if (!strcmp(cmd, "add") && nargs > 0) {
		/* Photos are described before the store is touched. */
		check_samples_allowed(a.c.consent, NULL);
		if (a.c.email && !*a.c.email)
			a.c.email = NULL;
		rc = cmd_add_photos(&a.c, &a.e, args, nargs);
	} else if (!strcmp(cmd, "add-faces")) {
		rc = cmd_add_faces(args[0], &a.e, args + 1, nargs - 1);
	} else if (!strcmp(cmd, "import") && is_dir(args[0])) {
		rc = cmd_import_dir(args[0], &a.e, a.c.consent);
	} else {
		rc = run_on_store(cmd, args, nargs, &a);
	}
	enrol_clear(&a.e);
	ft_store_close(store);
	return ft_close_stdout(rc);
}
