/*
 * ft-recognize — faces in frames, matched to customers; visits recorded.
 *
 * Reads `frame` records on stdin, or image files named as arguments, and
 * writes a `face` record for every face and a `visit` record for every
 * new visit (DESIGN.md sections 2 and 5).
 *
 * Per frame: detect (lib/face) on the whole frame every few frames, for
 * newcomers, and in between on a frame scaled down while every face in
 * view is large, else only near where the faces were;
 * tie faces to tracks (lib/match); describe only the faces whose track is
 * unknown or due for a check, in one batch; search the index (lib/index)
 * for each descriptor's nearest customers; let lib/match decide; write
 * visits, new customers and extra samples to the store.
 *
 * A new customer is registered under the store's registration lock: the
 * index is refreshed from the faces other recognisers added meanwhile and
 * the samples searched again first, so two processes never register one
 * person twice.  The index also follows other processes' new samples
 * every second, and is rebuilt when the event feed shows a forget or a
 * merge.
 *
 * Bad input does not end the program: a malformed record, a corrupt
 * JPEG or an unreadable image is reported and skipped, and the exit
 * status says so at the end (3 for records, 1 for files).  The store
 * going away ends it with 75 after the records already written.
 */
#include "base64.h"
#include "config.h"
#include "face.h"
#include "faces.h"
#include "frame.h"
#include "index.h"
#include "jsonl.h"
#include "match.h"
#include "record.h"
#include "store.h"
#include "times.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
"usage: ft-recognize [--db URL | --no-store] [--threshold D]\n"
"                    [--strict-threshold D] [--margin D]\n"
"                    [--min-sightings N] [--mirror | --no-mirror]\n"
"                    [--visit-gap DURATION] [--max-samples N]\n"
"                    [--source NAME] [--descriptors] [--threads N]\n"
"                    [--upsample N] [--min-face PIXELS] [--stats]\n"
"                    [IMAGE ...]\n"
"       ft-recognize --models\n";

enum {
	O_DB = 256, O_NO_STORE, O_THRESHOLD, O_STRICT, O_MARGIN,
	O_MIN_SIGHTINGS,
	O_VISIT_GAP, O_MAX_SAMPLES, O_SOURCE, O_DESCRIPTORS, O_THREADS,
	O_UPSAMPLE, O_MIN_FACE, O_STATS, O_MODELS, O_MIRROR, O_NO_MIRROR,
	O_VERSION
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, O_DB },
	{ "no-store", no_argument, NULL, O_NO_STORE },
	{ "threshold", required_argument, NULL, O_THRESHOLD },
	{ "strict-threshold", required_argument, NULL, O_STRICT },
	{ "margin", required_argument, NULL, O_MARGIN },
	{ "min-sightings", required_argument, NULL, O_MIN_SIGHTINGS },
	{ "visit-gap", required_argument, NULL, O_VISIT_GAP },
	{ "max-samples", required_argument, NULL, O_MAX_SAMPLES },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "descriptors", no_argument, NULL, O_DESCRIPTORS },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "upsample", required_argument, NULL, O_UPSAMPLE },
	{ "min-face", required_argument, NULL, O_MIN_FACE },
	{ "stats", no_argument, NULL, O_STATS },
	{ "models", no_argument, NULL, O_MODELS },
	{ "mirror", no_argument, NULL, O_MIRROR },
	{ "no-mirror", no_argument, NULL, O_NO_MIRROR },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

#define MAX_FACES 64		/* faces handled in one frame */
#define FULL_EVERY 6		/* frames between full-size detections */
#define DETECT_MIN 85		/* face width HOG finds reliably, pixels */
#define REFRESH_MS 1000		/* follow other recognisers this often */

/* Stages timed for --stats. */
enum { T_DECODE, T_DETECT, T_ALIGN, T_DESCRIBE, T_SEARCH, T_STORE, NT };
static const char *const stage_names[NT] = {
	"decode", "detect", "landmarks", "descriptor", "search", "store"
};
static double stage_ms[NT];

static struct {
	int no_store;
	int descriptors;
	int stats;
	int upsample;
	int min_face;
	int max_samples;
	int threads;
	int mirror;
	const char *source;
} opt = { .max_samples = 8, .threads = 2, .mirror = -1,
    .source = "images" };

static ft_store *store;
static ft_face_ctx *face;
static ft_index *ix;
static ft_match *matcher;
static ft_match_config mcfg;
static int64_t last_event;
static int64_t last_refresh;
static volatile sig_atomic_t stop;

/* What the program knows of a customer, by row id. */
struct cust {
	int64_t id;
	char uuid[FT_UUID_LEN + 1];
	char *name;
	int64_t visits;
};

static struct cust *custs;
static size_t ncusts, capcusts;

static int64_t
mono_ms_f(double *out)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (out)
		*out = t.tv_sec * 1e3 + t.tv_nsec / 1e6;
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static double
now_ms(void)
{
	double v;

	mono_ms_f(&v);
	return v;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* End with the store's message and status; what was written stays. */
static _Noreturn void
store_fail(int rc)
{
	ft_warn("%s", ft_store_errmsg(store));
	fflush(stdout);
	ft_store_close(store);
	exit(ft_store_exit_status(rc));
}

static void
write_record(jv rec)
{
	if (ft_jsonl_write(stdout, rec) != 0) {
		if (errno == EPIPE)
			exit(FT_EXIT_OK);
		ft_die(FT_EXIT_FAIL, "write error: %s", strerror(errno));
	}
}

/* --- customers --- */

static struct cust *
cust_find(int64_t id)
{
	size_t i;

	for (i = ncusts; i-- > 0;)
		if (custs[i].id == id)
			return &custs[i];
	return NULL;
}

static struct cust *
cust_remember(const ft_customer *c)
{
	struct cust *k = cust_find(c->id);

	if (!k) {
		if (ncusts == capcusts) {
			capcusts = capcusts ? capcusts * 2 : 64;
			custs = ft_xrealloc(custs, capcusts * sizeof *custs);
		}
		k = &custs[ncusts++];
		memset(k, 0, sizeof *k);
	}
	k->id = c->id;
	memcpy(k->uuid, c->uuid, sizeof k->uuid);
	free(k->name);
	k->name = ft_xstrdup(c->name);
	k->visits = c->visit_count;
	return k;
}

/* The customer id, from the store the first time; NULL when gone. */
static struct cust *
cust_get(int64_t id)
{
	struct cust *k = cust_find(id);
	ft_customer c;
	int rc;

	if (k)
		return k;
	rc = ft_store_customer_get_id(store, id, &c);
	if (rc == FT_ENOTFOUND)
		return NULL;
	if (rc != FT_OK)
		store_fail(rc);
	k = cust_remember(&c);
	ft_customer_clear(&c);
	return k;
}

static void
cust_forget_all(void)
{
	size_t i;

	for (i = 0; i < ncusts; i++)
		free(custs[i].name);
	ncusts = 0;
}

/* --- the index, kept in step with the store --- */

struct batch {
	size_t n, cap;
	int64_t *fid, *cid;
	float *d;
};

static void
batch_flush(struct batch *b)
{
	if (b->n && ft_index_add(ix, b->n, b->fid, b->cid, b->d))
		ft_die(FT_EXIT_FAIL, "index: %s", ft_index_errmsg(ix));
	b->n = 0;
}

static int
batch_add(void *p, const ft_face *f)
{
	struct batch *b = p;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->fid = ft_xrealloc(b->fid, b->cap * sizeof *b->fid);
		b->cid = ft_xrealloc(b->cid, b->cap * sizeof *b->cid);
		b->d = ft_xrealloc(b->d, b->cap * FT_FACE_DIM * sizeof *b->d);
	}
	b->fid[b->n] = f->id;
	b->cid[b->n] = f->customer_id;
	memcpy(&b->d[b->n * FT_FACE_DIM], f->descriptor,
	    FT_FACE_DIM * sizeof(float));
	if (++b->n == 65536)
		batch_flush(b);
	return 0;
}

/* Add the store's samples newer than those the index holds. */
static void
index_catch_up(void)
{
	struct batch b = { 0 };
	int rc = ft_store_faces(store, 0, ft_index_max_face_id(ix),
	    batch_add, &b);

	if (rc != FT_OK)
		store_fail(rc);
	batch_flush(&b);
	free(b.fid);
	free(b.cid);
	free(b.d);
}

/* Build the index anew; customers no longer in the store are dropped
 * from the matcher too. */
static void
index_rebuild(void)
{
	ft_index *old = ix;
	size_t i;

	ix = ft_index_new(FT_FACE_DIM, FT_INDEX_AUTO, 0);
	index_catch_up();
	if (old) {
		for (i = 0; i < ncusts; i++)
			if (ft_index_customer_samples(old, custs[i].id) &&
			    !ft_index_customer_samples(ix, custs[i].id))
				ft_match_drop_customer(matcher, custs[i].id);
		ft_index_free(old);
	}
	cust_forget_all();
}

struct feed {
	int rebuild;
};

static int
feed_event(void *p, const ft_event *e)
{
	struct feed *f = p;

	if (!strcmp(e->kind, "forget") || !strcmp(e->kind, "merge"))
		f->rebuild = 1;
	if (e->id > last_event)
		last_event = e->id;
	return 0;
}

/* Follow what other processes did: new samples, forgets, merges. */
static void
refresh(int force)
{
	struct feed f = { 0 };
	int64_t now = mono_ms_f(NULL);
	int rc;

	if (!store || (!force && now - last_refresh < REFRESH_MS))
		return;
	last_refresh = now;
	if ((rc = ft_store_events(store, last_event, 0, feed_event, &f)))
		store_fail(rc);
	if (f.rebuild)
		index_rebuild();
	else
		index_catch_up();
}

/* Candidates for descriptor d: nearest customers, with trust. */
static void
candidates(const float *d, ft_match_face *mf)
{
	ft_index_hit hits[FT_MATCH_MAX_CANDIDATES];
	int n, i;

	mf->ncand = 0;
	if (!store)
		return;
	n = ft_index_search(ix, d, hits, FT_MATCH_MAX_CANDIDATES);
	if (n < 0)
		ft_die(FT_EXIT_FAIL, "index: %s", ft_index_errmsg(ix));
	for (i = 0; i < n; i++) {
		struct cust *k;
		ft_match_candidate *c = &mf->cand[mf->ncand];

		/* Candidates beyond the threshold cannot be the face's
		 * customer, so need no lookup, but still tell the matcher
		 * how crowded the face's neighbourhood is. */
		c->customer_id = hits[i].customer_id;
		c->distance = hits[i].distance;
		c->trusted = 0;
		if (hits[i].distance < mcfg.threshold) {
			if (!(k = cust_get(hits[i].customer_id)))
				continue;
			c->trusted = k->name != NULL ||
			    ft_index_customer_samples(ix, k->id) >=
			    mcfg.trusted_samples;
		}
		mf->ncand++;
	}
}

/* The last visit of customer on source, for the visit gap across runs. */
struct last { int64_t ts; };

static int
last_cb(void *p, const ft_visit *v)
{
	((struct last *)p)->ts = v->ts;
	return 1;
}

static int64_t
last_seen(void *ctx, int64_t customer_id, const char *source)
{
	ft_visit_filter f = { 0 };
	struct last l = { 0 };
	int rc;

	(void)ctx;
	if (!store)
		return 0;
	f.customer_id = customer_id;
	f.source = source;
	f.descending = 1;
	f.limit = 1;
	rc = ft_store_visits(store, &f, last_cb, &l);
	if (rc < 0)
		store_fail(rc);
	return l.ts;
}

/* --- output --- */

static jv
box_json(const float *b)
{
	jv a = jv_array();
	int i;

	for (i = 0; i < 4; i++)
		a = jv_array_append(a, jv_number(roundf(b[i])));
	return a;
}

static const char *const status_names[] = {
	"known", "new", "pending", "unknown"
};

static void
emit_face(const char *source, jv seq, int64_t ts, const char *path,
    const ft_match_face *mf, const ft_match_result *r, int assessed,
    const float *d)
{
	struct cust *k = r->customer_id ? cust_find(r->customer_id) : NULL;
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("face"));
	o = jv_object_set(o, jv_string("source"), jv_string(source));
	o = jv_object_set(o, jv_string("seq"), seq);
	o = jv_object_set(o, jv_string("ts"), ft_record_time(ts));
	if (path)
		o = jv_object_set(o, jv_string("path"), jv_string(path));
	o = jv_object_set(o, jv_string("box"), box_json(mf->box));
	o = jv_object_set(o, jv_string("track"), jv_number(r->track));
	o = jv_object_set(o, jv_string("status"),
	    jv_string(status_names[r->status]));
	o = jv_object_set(o, jv_string("customer"),
	    k ? jv_string(k->uuid) : jv_null());
	o = jv_object_set(o, jv_string("name"),
	    ft_jv_string_or_null(k ? k->name : NULL));
	o = jv_object_set(o, jv_string("distance"), r->distance >= 0 ?
	    jv_number(roundf(r->distance * 1e4f) / 1e4) : jv_null());
	o = jv_object_set(o, jv_string("quality"), assessed ?
	    jv_number(round(mf->quality * 1e3) / 1e3) : jv_null());
	if (d) {
		jv a = jv_array();
		int i;

		for (i = 0; i < FT_FACE_DIM; i++)
			a = jv_array_append(a, jv_number(d[i]));
		o = jv_object_set(o, jv_string("descriptor"), a);
	}
	write_record(o);
}

static void
emit_visit(ft_visit *v, struct cust *k)
{
	memcpy(v->customer, k->uuid, sizeof v->customer);
	v->name = k->name;
	v->number = ++k->visits;
	write_record(ft_record_visit(v, NULL));
	v->name = NULL;
}

/* --- decisions written down --- */

static void
record_visit(const char *source, int64_t ts, int64_t customer_id,
    float distance)
{
	ft_visit v = { 0 };
	struct cust *k;
	int rc;

	if (!(k = cust_get(customer_id)))
		return;
	v.customer_id = customer_id;
	v.ts = ts;
	v.source = (char *)source;
	v.distance = distance;
	if ((rc = ft_store_visit_add(store, &v)) != FT_OK)
		store_fail(rc);
	emit_visit(&v, k);
}

static void
add_sample(int64_t customer_id, const float *d, double quality, int64_t ts)
{
	ft_face f = { 0 };
	int rc;

	if (ft_index_customer_samples(ix, customer_id) >= opt.max_samples)
		return;
	f.customer_id = customer_id;
	memcpy(f.descriptor, d, sizeof f.descriptor);
	f.quality = quality;
	f.created_at = ts;
	if ((rc = ft_store_face_add(store, &f)) != FT_OK)
		store_fail(rc);
	if (ft_index_add(ix, 1, &f.id, &f.customer_id, f.descriptor))
		ft_die(FT_EXIT_FAIL, "index: %s", ft_index_errmsg(ix));
}

/*
 * Register the person of result r, unless another recogniser did while
 * this one gathered sightings: under the lock, catch up with the store
 * and search every sample again.  Returns the customer's id and sets
 * *fresh when the customer is new.
 */
static int64_t
register_person(const char *source, int64_t ts, ft_match_result *r,
    int *fresh)
{
	ft_face faces[FT_MATCH_MAX_SAMPLES];
	ft_customer c = { 0 };
	ft_visit v = { 0 };
	struct cust *k;
	int i, j, rc;

	*fresh = 0;
	if ((rc = ft_store_register_begin(store)) != FT_OK)
		store_fail(rc);
	index_catch_up();
	for (i = 0; i < r->nsamples; i++) {
		ft_match_face mf = { 0 };

		candidates(r->samples[i], &mf);
		for (j = 0; j < mf.ncand; j++) {
			if (ft_match_accepts(&mcfg, mf.cand, mf.ncand, j)) {
				ft_store_register_end(store, 0);
				r->distance = mf.cand[j].distance;
				return mf.cand[j].customer_id;
			}
		}
	}
	memset(faces, 0, sizeof faces);
	for (i = 0; i < r->nsamples; i++) {
		memcpy(faces[i].descriptor, r->samples[i],
		    sizeof faces[i].descriptor);
		faces[i].quality = r->sample_quality[i];
		faces[i].created_at = ts;
	}
	v.ts = ts;
	v.source = (char *)source;
	v.distance = -1;
	c.created_at = ts;
	rc = ft_store_register(store, &c, faces, r->nsamples, &v);
	if (rc != FT_OK) {
		ft_store_register_end(store, 0);
		store_fail(rc);
	}
	if ((rc = ft_store_register_end(store, 1)) != FT_OK)
		store_fail(rc);
	for (i = 0; i < r->nsamples; i++)
		if (ft_index_add(ix, 1, &faces[i].id, &faces[i].customer_id,
		    faces[i].descriptor))
			ft_die(FT_EXIT_FAIL, "index: %s",
			    ft_index_errmsg(ix));
	c.visit_count = 0;
	k = cust_remember(&c);
	v.new_customer = 1;
	emit_visit(&v, k);
	ft_customer_clear(&c);
	*fresh = 1;
	r->distance = 0;
	return k->id;
}

/* --- a frame --- */

/* Per source: when the last full-size detection ran, how large the
 * smallest face of the last frame was. */
struct srcstate {
	char *name;
	int since_full;
	int min_width;
	int nfaces;
	ft_face_box last[MAX_FACES];	/* the last frame's faces */
};

static struct srcstate *srcs;
static size_t nsrcs;

static struct srcstate *
src_state(const char *name)
{
	size_t i;

	for (i = 0; i < nsrcs; i++)
		if (!strcmp(srcs[i].name, name))
			return &srcs[i];
	srcs = ft_xrealloc(srcs, (nsrcs + 1) * sizeof *srcs);
	memset(&srcs[nsrcs], 0, sizeof *srcs);
	srcs[nsrcs].name = ft_xstrdup(name);
	srcs[nsrcs].since_full = FULL_EVERY;
	return &srcs[nsrcs++];
}

/* A detector box as lib/match's x, y, w, h. */
static void
box_xywh(const ft_face_box *b, float out[4])
{
	out[0] = (float)b->left;
	out[1] = (float)b->top;
	out[2] = (float)b->width;
	out[3] = (float)b->height;
}

/*
 * Faces near the last frame's: each face is looked for in a square twice
 * its width around where it was, instead of in the whole frame.  Faces
 * found twice (squares overlap) count once.
 */
static int
detect_near(const ft_image *grey, const struct srcstate *ss,
    const ft_face_detect_opts *o, ft_face_box *out)
{
	ft_face_box found[8];
	int n = 0, i, j, k, m;

	for (i = 0; i < ss->nfaces; i++) {
		const ft_face_box *p = &ss->last[i];
		int cx = p->left + p->width / 2, cy = p->top + p->height / 2;
		int half = p->width;
		int x0 = cx - half < 0 ? 0 : cx - half;
		int y0 = cy - half < 0 ? 0 : cy - half;
		int x1 = cx + half > grey->width ? grey->width : cx + half;
		int y1 = cy + half > grey->height ? grey->height : cy + half;

		if (x1 - x0 < DETECT_MIN || y1 - y0 < DETECT_MIN)
			continue;
		m = ft_face_detect(face, grey->pixels +
		    (size_t)y0 * grey->stride + (size_t)x0, x1 - x0, y1 - y0,
		    grey->stride, 1, o, found, 8);
		if (m < 0)
			return -1;
		for (k = 0; k < m && k < 8 && n < MAX_FACES; k++) {
			float a[4], b[4];
			int dup = 0;

			found[k].left += x0;
			found[k].top += y0;
			box_xywh(&found[k], a);
			for (j = 0; j < n && !dup; j++) {
				box_xywh(&out[j], b);
				dup = ft_match_iou(a, b) > 0.5;
			}
			if (!dup)
				out[n++] = found[k];
		}
	}
	return n;
}

/*
 * Detect faces in img; boxes in img's pixels.  A full-size search every
 * FULL_EVERY frames (and whenever nobody was in view) finds newcomers; in
 * between, large faces are searched for on a frame scaled down, smaller
 * ones near where they were.
 */
static int
detect(const ft_image *img, struct srcstate *ss, int still,
    ft_face_box *boxes)
{
	ft_face_detect_opts o = { opt.upsample, opt.min_face, 0 };
	ft_image grey = { 0 };
	int scale = 1, n, i;
	double t0 = now_ms();
	char *err;

	/* HOG on one channel instead of the strongest of three: the same
	 * faces, in less time. */
	if (ft_image_grey(img, &grey, &err))
		ft_die(FT_EXIT_FAIL, "%s", err);
	if (!still && ss->nfaces > 0 && ss->since_full < FULL_EVERY &&
	    !opt.upsample) {
		while (scale < 4 && ss->min_width >= DETECT_MIN * scale * 2)
			scale *= 2;
		if (scale > 1) {
			ft_image small = { 0 };

			if (ft_image_resize(&grey, grey.width / scale,
			    grey.height / scale, &small, &err))
				ft_die(FT_EXIT_FAIL, "%s", err);
			o.min_size = opt.min_face / scale;
			n = ft_face_detect(face, small.pixels, small.width,
			    small.height, small.stride, 1, &o, boxes,
			    MAX_FACES);
			ft_image_clear(&small);
			for (i = 0; i < n && i < MAX_FACES; i++) {
				boxes[i].left *= scale;
				boxes[i].top *= scale;
				boxes[i].width *= scale;
				boxes[i].height *= scale;
			}
		} else {
			n = detect_near(&grey, ss, &o, boxes);
		}
		ss->since_full++;
	} else {
		/* A still image with no face at its own size is worth a
		 * second look at twice the size. */
		if (still && !opt.upsample && !opt.min_face)
			n = ft_faces_detect_still(face, &grey, &o, boxes,
			    MAX_FACES);
		else
			n = ft_face_detect(face, grey.pixels, grey.width,
			    grey.height, grey.stride, 1, &o, boxes,
			    MAX_FACES);
		ss->since_full = 0;
	}
	ft_image_clear(&grey);
	if (n < 0)
		ft_die(FT_EXIT_FAIL, "detection failed: %s",
		    ft_face_errmsg(face));
	if (n > MAX_FACES)
		n = MAX_FACES;
	ss->nfaces = n;
	ss->min_width = INT_MAX;
	for (i = 0; i < n; i++) {
		ss->last[i] = boxes[i];
		if (boxes[i].width < ss->min_width)
			ss->min_width = boxes[i].width;
	}
	stage_ms[T_DETECT] += now_ms() - t0;
	return n;
}

static long long nframes;

/* Describe n chips into out, in one batch. */
static void
describe(uint8_t *chips, int n, float (*out)[FT_FACE_DIM])
{
	if (n && ft_face_describe(face, chips, n, out))
		ft_die(FT_EXIT_FAIL, "description failed: %s",
		    ft_face_errmsg(face));
}

static void
process(const char *source, jv seq, int64_t ts, const char *path,
    const ft_image *img, int still)
{
	static ft_face_box boxes[MAX_FACES];
	static ft_face_shape shapes[MAX_FACES];
	static uint8_t chips[MAX_FACES * FT_FACE_CHIP_BYTES];
	static float desc[MAX_FACES][FT_FACE_DIM];
	ft_match_face mf[MAX_FACES];
	ft_match_result res[MAX_FACES];
	int need[MAX_FACES], slot[MAX_FACES];
	int n, i, nd = 0;
	double t0;

	nframes++;
	refresh(0);
	n = detect(img, src_state(source), still, boxes);
	memset(mf, 0, sizeof mf);
	for (i = 0; i < n; i++)
		box_xywh(&boxes[i], mf[i].box);
	ft_match_track(matcher, source, ts, mf, n, need);

	t0 = now_ms();
	for (i = 0; i < n; i++) {
		ft_face_quality q;

		slot[i] = -1;
		if (!need[i] && !opt.descriptors)
			continue;
		if (ft_face_align(face, img->pixels, img->width, img->height,
		    img->stride, img->channels, &boxes[i], &shapes[i],
		    chips + (size_t)nd * FT_FACE_CHIP_BYTES))
			ft_die(FT_EXIT_FAIL, "alignment failed: %s",
			    ft_face_errmsg(face));
		ft_faces_assess(&boxes[i], &shapes[i],
		    chips + (size_t)nd * FT_FACE_CHIP_BYTES, &q);
		mf[i].quality = q.score;
		slot[i] = nd++;
	}
	stage_ms[T_ALIGN] += now_ms() - t0;
	t0 = now_ms();
	describe(chips, nd, desc);
	stage_ms[T_DESCRIBE] += now_ms() - t0;

	t0 = now_ms();
	for (i = 0; i < n; i++)
		if (slot[i] >= 0 && need[i]) {
			mf[i].descriptor = desc[slot[i]];
			candidates(desc[slot[i]], &mf[i]);
		}
	stage_ms[T_SEARCH] += now_ms() - t0;

	t0 = now_ms();
	if (store) {
		ft_match_identify(matcher, source, ts, mf, n, res);
	} else {
		for (i = 0; i < n; i++) {
			memset(&res[i], 0, sizeof res[i]);
			res[i].status = FT_MATCH_UNKNOWN;
			res[i].track = mf[i].track;
			res[i].distance = -1;
		}
	}
	for (i = 0; store && i < n; i++) {
		ft_match_result *r = &res[i];

		if (r->status == FT_MATCH_NEW) {
			int fresh;
			int64_t id = register_person(source, ts, r, &fresh);

			ft_match_registered(matcher, r->track, id, source, ts);
			r->customer_id = id;
			r->status = fresh ? FT_MATCH_NEW : FT_MATCH_KNOWN;
			cust_get(id);
		} else if (r->status == FT_MATCH_KNOWN) {
			if (r->visit)
				record_visit(source, ts, r->customer_id,
				    r->distance);
			if (r->add_sample && mf[i].descriptor)
				add_sample(r->customer_id, mf[i].descriptor,
				    mf[i].quality, ts);
			cust_get(r->customer_id);
		}
	}
	stage_ms[T_STORE] += now_ms() - t0;
	for (i = 0; i < n; i++)
		emit_face(source, jv_copy(seq), ts, path, &mf[i], &res[i],
		    slot[i] >= 0, opt.descriptors && slot[i] >= 0 ? desc[slot[i]] : NULL);
	jv_free(seq);
	if (still)
		ft_match_end_tracks(matcher, source);
}

/* --- input --- */

/* A frame record's pixels into img; -1 with a message on bad input. */
static int
frame_image(jv rec, ft_image *img, char **err)
{
	jv j = jv_object_get(jv_copy(rec), jv_string("jpeg"));
	jv p = jv_object_get(jv_copy(rec), jv_string("path"));
	int rc = -1;

	*err = NULL;
	if (jv_get_kind(j) == JV_KIND_STRING) {
		size_t len;
		uint8_t *bytes = ft_base64_decode(jv_string_value(j),
		    (size_t)jv_string_length_bytes(jv_copy(j)), &len);

		if (!bytes) {
			*err = ft_xstrdup("'jpeg' is not base64");
		} else {
			char *e;

			rc = ft_image_decode(bytes, len, img, &e);
			if (rc) {
				*err = ft_xasprintf("bad 'jpeg': %s", e);
				free(e);
			}
			free(bytes);
		}
	} else if (jv_get_kind(p) == JV_KIND_STRING) {
		char *e;

		rc = ft_image_read(jv_string_value(p), img, &e);
		if (rc) {
			*err = ft_xasprintf("cannot read '%s': %s",
			    jv_string_value(p), e);
			free(e);
		}
	} else {
		*err = ft_xstrdup("frame without 'jpeg' or 'path'");
	}
	jv_free(j);
	jv_free(p);
	return rc;
}

static int
run_stdin(void)
{
	ft_jsonl_reader *r = ft_jsonl_reader_new(stdin, "stdin");
	ft_image img = { 0 };
	int status = FT_EXIT_OK, rc;
	jv rec;

	while (!stop && (rc = ft_jsonl_read(r, &rec)) != 0) {
		jv type, src, ts, path, seq;
		char *err;
		int64_t t;
		double t0;

		if (rc < 0) {
			ft_warn("%s", ft_jsonl_error(r));
			status = FT_EXIT_DATA;
			continue;
		}
		type = jv_object_get(jv_copy(rec), jv_string("type"));
		if (jv_get_kind(type) != JV_KIND_STRING ||
		    strcmp(jv_string_value(type), "frame")) {
			jv_free(type);
			jv_free(rec);
			continue;	/* not for us */
		}
		jv_free(type);
		ts = jv_object_get(jv_copy(rec), jv_string("ts"));
		if (jv_get_kind(ts) != JV_KIND_STRING ||
		    ft_time_parse(jv_string_value(ts), 0, 0, &t)) {
			ft_warn("stdin:%zu: frame without a valid 'ts'",
			    ft_jsonl_lineno(r));
			status = FT_EXIT_DATA;
			jv_free(ts);
			jv_free(rec);
			continue;
		}
		jv_free(ts);
		t0 = now_ms();
		if (frame_image(rec, &img, &err)) {
			ft_warn("stdin:%zu: %s", ft_jsonl_lineno(r), err);
			free(err);
			status = FT_EXIT_DATA;
			jv_free(rec);
			continue;
		}
		stage_ms[T_DECODE] += now_ms() - t0;
		src = jv_object_get(jv_copy(rec), jv_string("source"));
		path = jv_object_get(jv_copy(rec), jv_string("path"));
		seq = jv_object_get(jv_copy(rec), jv_string("seq"));
		if (jv_get_kind(seq) != JV_KIND_NUMBER) {
			jv_free(seq);
			seq = jv_null();
		}
		process(jv_get_kind(src) == JV_KIND_STRING ?
		    jv_string_value(src) : "unknown", seq, t,
		    jv_get_kind(path) == JV_KIND_STRING ?
		    jv_string_value(path) : NULL, &img, 0);
		jv_free(src);
		jv_free(path);
		jv_free(rec);
	}
	ft_image_clear(&img);
	ft_jsonl_reader_free(r);
	return status;
}

static int
run_images(char **paths, int n)
{
	ft_image img = { 0 };
	int status = FT_EXIT_OK, i;

	for (i = 0; i < n && !stop; i++) {
		char *err;
		double t0 = now_ms();

		if (ft_image_read(paths[i], &img, &err)) {
			ft_warn("cannot read '%s': %s", paths[i], err);
			free(err);
			status = FT_EXIT_FAIL;
			continue;
		}
		stage_ms[T_DECODE] += now_ms() - t0;
		process(opt.source, jv_number(i + 1), ft_time_now(), paths[i],
		    &img, 1);
	}
	ft_image_clear(&img);
	return status;
}

/* --- options --- */

static double
parse_distance(const char *name, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > 4)
		ft_usage_error("bad %s '%s' (a distance, 0 to 4)", name, s);
	return v;
}

/* "30m", "90s", "2h", "500ms" or minutes. */
static int64_t
parse_gap(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !(v >= 0))
		ft_usage_error("bad --visit-gap '%s'", s);
	if (!strcmp(end, "ms"))
		return (int64_t)v;
	if (!strcmp(end, "s"))
		return (int64_t)(v * 1000);
	if (!*end || !strcmp(end, "m"))
		return (int64_t)(v * 60000);
	if (!strcmp(end, "h"))
		return (int64_t)(v * 3600000);
	ft_usage_error("bad --visit-gap '%s' (e.g. 30m, 90s, 2h)", s);
}

static int
parse_count(const char *name, const char *s, int min, int max)
{
	long long v;

	if (ft_parse_int(s, min, max, &v))
		ft_usage_error("bad %s '%s' (%d to %d)", name, s, min, max);
	return (int)v;
}

int
main(int argc, char **argv)
{
	double threshold = -1, strict = -1, margin = -1, t_start;
	int min_sightings = -1, models = 0, o, status;
	int64_t gap = -1;
	char *err;
	struct sigaction sa;

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (o) {
		case O_DB: ft_config_set("FT_DB", optarg); break;
		case O_NO_STORE: opt.no_store = 1; break;
		case O_THRESHOLD:
			threshold = parse_distance("--threshold", optarg);
			break;
		case O_STRICT:
			strict = parse_distance("--strict-threshold", optarg);
			break;
		case O_MARGIN: {
			char *end;

			margin = strtod(optarg, &end);
			if (end == optarg || *end || !(margin >= 0) ||
			    margin > 4)
				ft_usage_error("bad --margin '%s' (a distance, "
				    "0 to 4)", optarg);
			break;
		}
		case O_MIN_SIGHTINGS:
			min_sightings = parse_count("--min-sightings", optarg,
			    1, FT_MATCH_MAX_SAMPLES * 100);
			break;
		case O_VISIT_GAP: gap = parse_gap(optarg); break;
		case O_MAX_SAMPLES:
			opt.max_samples = parse_count("--max-samples", optarg,
			    1, 1000);
			break;
		case O_SOURCE: opt.source = optarg; break;
		case O_DESCRIPTORS: opt.descriptors = 1; break;
		case O_THREADS:
			opt.threads = parse_count("--threads", optarg, 1, 64);
			break;
		case O_UPSAMPLE:
			opt.upsample = parse_count("--upsample", optarg, 0, 3);
			break;
		case O_MIN_FACE:
			opt.min_face = parse_count("--min-face", optarg, 0,
			    10000);
			break;
		case O_STATS: opt.stats = 1; break;
		case O_MODELS: models = 1; break;
		case O_MIRROR: opt.mirror = 1; break;
		case O_NO_MIRROR: opt.mirror = 0; break;
		case 'h':
			fputs(usage, stdout);
			return ft_close_stdout(FT_EXIT_OK);
		case O_VERSION:
			printf("ft-recognize %s\n", FT_VERSION);
			return ft_close_stdout(FT_EXIT_OK);
		default:
			ft_usage_error(NULL);
		}
	}
	if (models) {
		if (optind < argc)
			ft_usage_error("--models takes no arguments");
		status = ft_faces_list_models(stdout);
		return ft_close_stdout(status < 0 ? FT_EXIT_FAIL : status);
	}

	ft_match_config_default(&mcfg);
	if (optind < argc)
		mcfg.min_sightings = 1;	/* still images */
	if (threshold > 0)
		mcfg.threshold = (float)threshold;
	else if (ft_config_get("FT_THRESHOLD", NULL))
		mcfg.threshold = (float)parse_distance("FT_THRESHOLD",
		    ft_config_get("FT_THRESHOLD", NULL));
	if (strict > 0)
		mcfg.strict_threshold = (float)strict;
	if (mcfg.strict_threshold > mcfg.threshold)
		mcfg.strict_threshold = mcfg.threshold;
	if (margin >= 0)
		mcfg.margin = (float)margin;
	if (margin == 0)
		mcfg.cohort = 0;
	if (min_sightings > 0)
		mcfg.min_sightings = min_sightings;
	if (gap >= 0)
		mcfg.visit_gap_ms = gap;

	if (!(face = ft_faces_open(&err)))
		ft_die(FT_EXIT_FAIL, "%s", err);
	if (opt.threads > 1)
		ft_face_set_threads(face, opt.threads);
	/* Still images are worth twice the work of a stream's frames. */
	if (opt.mirror < 0)
		opt.mirror = optind < argc;
	ft_face_set_mirror(face, opt.mirror);

	if (!opt.no_store) {
		int rc;

		store = ft_store_open_configured();
		if ((rc = ft_store_face_model(store,
		    ft_face_model_id(face))) != FT_OK)
			store_fail(rc);
		if ((rc = ft_store_last_event(store, &last_event)) != FT_OK)
			store_fail(rc);
		index_rebuild();
		last_refresh = mono_ms_f(NULL);
	}
	matcher = ft_match_new(&mcfg, last_seen, NULL);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	t_start = now_ms();
	status = optind < argc ? run_images(argv + optind, argc - optind) :
	    run_stdin();

	if (opt.stats) {
		double total = now_ms() - t_start, sum = 0;
		int i;

		for (i = 0; i < NT; i++)
			sum += stage_ms[i];
		fprintf(stderr, "%s: %lld frames in %.2f s, %.1f frames/s",
		    ft_progname(), nframes, total / 1e3,
		    total > 0 ? nframes * 1e3 / total : 0.0);
		for (i = 0; i < NT; i++)
			fprintf(stderr, "; %s %.1f%%", stage_names[i],
			    sum > 0 ? 100 * stage_ms[i] / sum : 0.0);
		fprintf(stderr, "; index %s\n",
		    ix ? ft_index_describe(ix) : "none");
	}
	ft_match_free(matcher);
	ft_index_free(ix);
	cust_forget_all();
	free(custs);
	ft_store_close(store);
	ft_face_close(face);
	return ft_close_stdout(status);
}
