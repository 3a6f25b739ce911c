/*
 * recognize — the recogniser object (recognize.h).
 */
#include "recognize.h"
#include "jsonl.h"
#include "record.h"
#include "times.h"
#include "util.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FACES FT_RECOGNIZE_MAX_FACES
#define FULL_EVERY 6		/* frames between full-size detections */
#define FULL_MAX 15		/* ... at most, while they find nobody new */
#define EMPTY_MS 100		/* nobody in view: the whole frame is
				 * searched again after this much of the
				 * footage's time */
#define DETECT_MIN 85		/* face width HOG finds reliably, pixels */
#define SCALE_MAX 8		/* the most a frame is scaled down */
#define NEAR_MAX 8		/* faces looked for near one of the last */

/* What the recogniser knows of a customer, by row id. */
struct cust {
	int64_t id;
	char uuid[FT_UUID_LEN + 1];
	char *name;
	int64_t visits;
	int consent;
};

/* A track of a person who is not recognised (modes consented and
 * anonymous): whether their footfall was counted.  Nothing of who they
 * are. */
struct anon {
	int track;
	char source[64];
	int64_t last_ts;
	int sightings;
	int counted;
	int since_check;	/* frames since its face was described */
};

/* Per source: when the last full-size detection ran, how large the
 * smallest face of the last frame was, and where the faces were. */
struct srcstate {
	char *name;
	int since_full;
	int full_every;		/* frames between them now */
	int empty;		/* the last whole-frame search found nobody */
	int64_t whole_ts;	/* the frame time of that search */
	int min_width;
	int nfaces;
	ft_face_box last[MAX_FACES];
};

/* The crop of a face that may become a new customer's sample, kept
 * until its track registers, by the descriptor lib/match keeps for the
 * sample.  Mode all only: in the others nobody is registered. */
#define CROP_KEEP 64
struct crop {
	float desc[FT_FACE_DIM];
	unsigned char *jpeg;	/* NULL: a free slot */
	size_t len;
};

/* The faces of the frame in hand. */
struct frame {
	const ft_recognize_input *in;
	int n;
	ft_face_box boxes[MAX_FACES];
	ft_match_face mf[MAX_FACES];
	ft_match_result res[MAX_FACES];
	int need[MAX_FACES];
	int slot[MAX_FACES];	/* its descriptor in desc, or -1 */
	int assessed[MAX_FACES];	/* its quality is known */
	double quality[MAX_FACES];
	float desc[MAX_FACES][FT_FACE_DIM];
	int anon[MAX_FACES];	/* counted as anonymous footfall */
	/* The sample of each candidate nearest the face: the one a visit
	 * is recognised by. */
	int64_t cand_face[MAX_FACES][FT_MATCH_MAX_CANDIDATES];
};

/* Customers marked two people (ft_store_different_add), a < b. */
struct pair {
	int64_t a, b;
};

struct ft_recognizer {
	ft_store *store;
	ft_face_backend fb;
	ft_recognize_config cfg;
	ft_index *ix;
	ft_match *matcher;
	ft_recognize_emit_fn emit;
	void *ectx;
	int64_t last_event;
	int64_t last_refresh;
	struct cust *custs;
	size_t ncusts, capcusts;
	struct srcstate *srcs;
	size_t nsrcs;
	struct anon *anons;
	size_t nanons, capanons;
	struct pair *pairs;
	size_t npairs, cappairs;
	struct frame f;
	struct crop crops[CROP_KEEP];	/* a ring of pending faces' crops */
	int next_crop;
	int cb_rc;		/* a failure inside a callback of lib/match */
	ft_recognize_stats st;
	char err[512];
};

static void crops_clear(ft_recognizer *r);

const char *const ft_recognize_stage_names[FT_RECOGNIZE_NSTAGES] = {
	"detect", "landmarks", "descriptor", "search", "store"
};

void
ft_recognize_config_default(ft_recognize_config *c)
{
	memset(c, 0, sizeof *c);
	ft_match_config_default(&c->match);
	c->max_samples = 8;
	c->refresh_ms = 1000;
	c->index_kind = FT_INDEX_AUTO;
	c->crops = 1;
}

/* Record a failure's message; returns rc. */
static int
fail(ft_recognizer *r, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return rc;
}

static int
store_fail(ft_recognizer *r, int rc)
{
	return fail(r, rc, "%s", ft_store_errmsg(r->store));
}

static int
index_fail(ft_recognizer *r)
{
	return fail(r, FT_EFAIL, "index: %s", ft_index_errmsg(r->ix));
}

const char *
ft_recognize_errmsg(const ft_recognizer *r)
{
	return r->err;
}

/* --- customers --- */

static struct cust *
cust_find(ft_recognizer *r, int64_t id)
{
	size_t i;

	for (i = r->ncusts; i-- > 0;)
		if (r->custs[i].id == id)
			return &r->custs[i];
	return NULL;
}

static struct cust *
cust_remember(ft_recognizer *r, const ft_customer *c)
{
	struct cust *k = cust_find(r, c->id);

	if (!k) {
		if (r->ncusts == r->capcusts) {
			r->capcusts = r->capcusts ? r->capcusts * 2 : 64;
			r->custs = ft_xrealloc(r->custs,
			    r->capcusts * sizeof *r->custs);
		}
		k = &r->custs[r->ncusts++];
		memset(k, 0, sizeof *k);
	}
	k->id = c->id;
	memcpy(k->uuid, c->uuid, sizeof k->uuid);
	free(k->name);
	k->name = c->name ? ft_xstrdup(c->name) : NULL;
	k->visits = c->visit_count;
	k->consent = c->consent;
	return k;
}

/* Drop customer id from the cache: read again when next needed. */
static void
cust_drop(ft_recognizer *r, int64_t id)
{
	struct cust *k = cust_find(r, id);

	if (k) {
		free(k->name);
		*k = r->custs[--r->ncusts];
	}
}

/* Customer id, from the store the first time: FT_OK with *out, or
 * FT_OK with *out NULL when the customer is gone, or a store code. */
static int
cust_get(ft_recognizer *r, int64_t id, struct cust **out)
{
	ft_customer c;
	int rc;

	if ((*out = cust_find(r, id)))
		return FT_OK;
	rc = ft_store_customer_get_id(r->store, id, &c);
	if (rc == FT_ENOTFOUND)
		return FT_OK;
	if (rc != FT_OK)
		return store_fail(r, rc);
	*out = cust_remember(r, &c);
	ft_customer_clear(&c);
	return FT_OK;
}

static void
cust_forget_all(ft_recognizer *r)
{
	size_t i;

	for (i = 0; i < r->ncusts; i++)
		free(r->custs[i].name);
	r->ncusts = 0;
}

/* --- the index, kept in step with the store --- */

struct batch {
	ft_recognizer *r;
	size_t n, cap;
	int64_t *fid, *cid;
	float *d;
	int rc;
};

static int
batch_flush(struct batch *b)
{
	if (b->n && ft_index_add(b->r->ix, b->n, b->fid, b->cid, b->d))
		b->rc = index_fail(b->r);
	b->n = 0;
	return b->rc;
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
	if (++b->n == 65536 && batch_flush(b))
		return 1;	/* stops the listing; b->rc says why */
	return 0;
}

/* Add the store's samples newer than those the index holds. */
static int
index_catch_up(ft_recognizer *r)
{
	struct batch b = { .r = r };
	int rc = ft_store_faces(r->store, 0, ft_index_max_face_id(r->ix),
	    batch_add, &b);

	if (rc == FT_OK)
		rc = batch_flush(&b);
	else if (rc > 0)
		rc = b.rc;	/* the index refused a batch */
	else
		rc = store_fail(r, rc);
	free(b.fid);
	free(b.cid);
	free(b.d);
	return rc;
}

/* Build the index anew; customers no longer in the store are dropped
 * from the matcher too. */
static int
index_rebuild(ft_recognizer *r)
{
	ft_index *old = r->ix;
	size_t i;
	int rc;

	r->ix = ft_index_new(FT_FACE_DIM, r->cfg.index_kind,
	    r->cfg.approx_above);
	rc = index_catch_up(r);
	if (old) {
		for (i = 0; i < r->ncusts; i++)
			if (ft_index_customer_samples(old, r->custs[i].id) &&
			    !ft_index_customer_samples(r->ix, r->custs[i].id))
				ft_match_drop_customer(r->matcher,
				    r->custs[i].id);
		ft_index_free(old);
	}
	cust_forget_all(r);
	return rc;
}

/* --- pairs marked two people --- */

static int
pair_add(void *p, int64_t a, int64_t b)
{
	ft_recognizer *r = p;

	if (r->npairs == r->cappairs) {
		r->cappairs = r->cappairs ? r->cappairs * 2 : 16;
		r->pairs = ft_xrealloc(r->pairs,
		    r->cappairs * sizeof *r->pairs);
	}
	r->pairs[r->npairs].a = a;
	r->pairs[r->npairs++].b = b;
	return 0;
}

static int
pairs_load(ft_recognizer *r)
{
	int rc;

	r->npairs = 0;
	if ((rc = ft_store_different_pairs(r->store, pair_add, r)))
		return store_fail(r, rc);
	return FT_OK;
}

/* Whether customers a and b were marked two people. */
static int
apart(const ft_recognizer *r, int64_t a, int64_t b)
{
	size_t i;

	for (i = 0; i < r->npairs; i++)
		if ((r->pairs[i].a == a && r->pairs[i].b == b) ||
		    (r->pairs[i].a == b && r->pairs[i].b == a))
			return 1;
	return 0;
}

/* --- following the feed --- */

struct feed {
	ft_recognizer *r;
	int rebuild;
	int pairs;		/* the pairs changed */
};

/* The row id of the customer the payload's member key names, or 0. */
static int64_t
payload_customer(ft_recognizer *r, const char *payload, const char *key)
{
	jv o = jv_parse(payload ? payload : "");
	jv v = jv_is_valid(o) && jv_get_kind(o) == JV_KIND_OBJECT ?
	    jv_object_get(jv_copy(o), jv_string(key)) : jv_invalid();
	ft_customer c;
	int64_t id = 0;

	if (jv_is_valid(v) && jv_get_kind(v) == JV_KIND_STRING &&
	    ft_store_customer_get(r->store, jv_string_value(v), &c) == FT_OK) {
		id = c.id;
		ft_customer_clear(&c);
	}
	jv_free(v);
	jv_free(o);
	return id;
}

/* A correction: samples moved or removed, a visit removed.  The index
 * is rebuilt for the samples; tracks that followed the customers
 * concerned earn their match anew, and the visit gap is read again
 * from the store's visits. */
static void
feed_correction(struct feed *f, const ft_event *e)
{
	int64_t from;

	if (strcmp(e->kind, "unvisit"))
		f->rebuild = 1;
	if (!strcmp(e->kind, "split") &&
	    (from = payload_customer(f->r, e->payload, "customer")))
		ft_match_drop_customer(f->r->matcher, from);
	if (e->customer_id) {
		ft_match_drop_customer(f->r->matcher, e->customer_id);
		cust_drop(f->r, e->customer_id);
	}
}

static int
feed_event(void *p, const ft_event *e)
{
	struct feed *f = p;

	if (!strcmp(e->kind, "forget") || !strcmp(e->kind, "merge"))
		f->rebuild = f->pairs = 1;
	if (!strcmp(e->kind, "split") || !strcmp(e->kind, "face_removed") ||
	    !strcmp(e->kind, "unvisit"))
		feed_correction(f, e);
	if (!strcmp(e->kind, "different"))
		f->pairs = 1;
	/* A customer changed (consent given or withdrawn, a new name):
	 * read them again; with consent required, a track that followed
	 * them must earn its match anew. */
	if (!strcmp(e->kind, "customer") && e->customer_id) {
		cust_drop(f->r, e->customer_id);
		if (f->r->cfg.mode == FT_RECOGNITION_CONSENTED)
			ft_match_drop_customer(f->r->matcher,
			    e->customer_id);
	}
	if (e->id > f->r->last_event)
		f->r->last_event = e->id;
	return 0;
}

int
ft_recognize_refresh(ft_recognizer *r)
{
	struct feed f = { r, 0, 0 };
	int rc;

	if (!r->store || r->cfg.mode == FT_RECOGNITION_ANONYMOUS)
		return FT_OK;
	r->last_refresh = ft_time_mono();
	rc = ft_store_events(r->store, r->last_event, 0, feed_event, &f);
	if (rc != FT_OK)
		return store_fail(r, rc);
	if (f.pairs && (rc = pairs_load(r)))
		return rc;
	return f.rebuild ? index_rebuild(r) : index_catch_up(r);
}

/*
 * Candidates for descriptor d: nearest customers, with trust.  With
 * consent required, customers without it are never candidates within
 * the threshold, and a face nearest to one of them is nobody's: it is
 * more likely theirs than a consenting customer's further away.
 */
static int
candidates(ft_recognizer *r, const float *d, ft_match_face *mf,
    int64_t *faces)
{
	ft_index_hit hits[FT_MATCH_MAX_CANDIDATES];
	int consented = r->cfg.mode == FT_RECOGNITION_CONSENTED;
	int n, i, rc, near = 0;

	mf->ncand = 0;
	if (!r->store)
		return FT_OK;
	n = ft_index_search(r->ix, d, hits, FT_MATCH_MAX_CANDIDATES);
	if (n < 0)
		return index_fail(r);
	for (i = 0; i < n; i++) {
		ft_match_candidate *c = &mf->cand[mf->ncand];
		struct cust *k;

		/* Candidates beyond the threshold cannot be the face's
		 * customer, so need no lookup, but still tell the matcher
		 * how crowded the face's neighbourhood is. */
		c->customer_id = hits[i].customer_id;
		c->distance = hits[i].distance;
		c->trusted = 0;
		if (hits[i].distance < r->cfg.match.threshold) {
			if ((rc = cust_get(r, hits[i].customer_id, &k)))
				return rc;
			if (!k)
				continue;
			if (consented && !k->consent) {
				if (!near) {
					mf->ncand = 0;
					return FT_OK;
				}
				continue;
			}
			near = 1;
			c->trusted = k->name != NULL ||
			    ft_index_customer_samples(r->ix, k->id) >=
			    r->cfg.match.trusted_samples;
		}
		if (faces)
			faces[mf->ncand] = hits[i].face_id;
		mf->ncand++;
	}
	return FT_OK;
}

/* The last visit of customer on source, for the visit gap across runs. */
static int
last_cb(void *p, const ft_visit *v)
{
	*(int64_t *)p = v->ts;
	return 1;
}

static int64_t
last_seen(void *p, int64_t customer_id, const char *source)
{
	ft_recognizer *r = p;
	ft_visit_filter f = { 0 };
	int64_t ts = 0;
	int rc;

	if (!r->store)
		return 0;
	f.customer_id = customer_id;
	f.source = source;
	f.descending = 1;
	f.limit = 1;
	rc = ft_store_visits(r->store, &f, last_cb, &ts);
	if (rc < 0 && !r->cb_rc)
		r->cb_rc = store_fail(r, rc);
	return ts;
}

int
ft_recognize_new(ft_store *store, const ft_face_backend *fb,
    const ft_recognize_config *c, ft_recognize_emit_fn emit, void *ctx,
    ft_recognizer **out, char *err, size_t errlen)
{
	ft_recognizer *r = ft_xmalloc(sizeof *r);
	int rc = FT_OK;

	memset(r, 0, sizeof *r);
	r->store = store;
	r->fb = *fb;
	r->cfg = *c;
	r->emit = emit;
	r->ectx = ctx;
	r->matcher = ft_match_new(&r->cfg.match, last_seen, r);
	if (store && c->mode != FT_RECOGNITION_ANONYMOUS) {
		const char *model = fb->model_id ? fb->model_id(fb->ctx) :
		    NULL;

		if (model && (rc = ft_store_face_model(store, model)))
			store_fail(r, rc);
		else if ((rc = ft_store_last_event(store, &r->last_event)))
			store_fail(r, rc);
		else if ((rc = pairs_load(r)) == FT_OK)
			rc = index_rebuild(r);
		r->last_refresh = ft_time_mono();
	} else {
		r->ix = ft_index_new(FT_FACE_DIM, c->index_kind,
		    c->approx_above);
	}
	if (rc != FT_OK) {
		if (err)
			snprintf(err, errlen, "%s", r->err);
		ft_recognize_free(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

void
ft_recognize_free(ft_recognizer *r)
{
	size_t i;

	if (!r)
		return;
	ft_match_free(r->matcher);
	ft_index_free(r->ix);
	cust_forget_all(r);
	free(r->custs);
	for (i = 0; i < r->nsrcs; i++)
		free(r->srcs[i].name);
	free(r->srcs);
	free(r->anons);
	free(r->pairs);
	crops_clear(r);
	free(r);
}

void
ft_recognize_stats_get(ft_recognizer *r, ft_recognize_stats *out)
{
	*out = r->st;
	out->index = r->ix ? ft_index_describe(r->ix) : "none";
	out->samples = r->ix ? ft_index_size(r->ix) : 0;
}

/* --- output --- */

static int
emit_rec(ft_recognizer *r, jv rec)
{
	return r->emit ? r->emit(r->ectx, rec) : (jv_free(rec), 0);
}

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

/* The face record of face i of the frame in hand. */
static jv
face_record(ft_recognizer *r, int i)
{
	struct frame *f = &r->f;
	const ft_match_face *mf = &f->mf[i];
	const ft_match_result *res = &f->res[i];
	struct cust *k = res->customer_id ? cust_find(r, res->customer_id) :
	    NULL;
	int assessed = f->slot[i] >= 0;
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("face"));
	o = jv_object_set(o, jv_string("source"),
	    jv_string(f->in->source));
	o = jv_object_set(o, jv_string("seq"), jv_copy(f->in->seq));
	o = jv_object_set(o, jv_string("ts"), ft_record_time(f->in->ts));
	if (f->in->path)
		o = jv_object_set(o, jv_string("path"),
		    jv_string(f->in->path));
	o = jv_object_set(o, jv_string("box"), box_json(mf->box));
	o = jv_object_set(o, jv_string("track"), jv_number(res->track));
	o = jv_object_set(o, jv_string("status"),
	    jv_string(f->anon[i] ? "anonymous" : status_names[res->status]));
	o = jv_object_set(o, jv_string("customer"),
	    k ? jv_string(k->uuid) : jv_null());
	o = jv_object_set(o, jv_string("name"),
	    ft_jv_string_or_null(k ? k->name : NULL));
	o = jv_object_set(o, jv_string("distance"), res->distance >= 0 ?
	    jv_number(roundf(res->distance * 1e4f) / 1e4) : jv_null());
	o = jv_object_set(o, jv_string("quality"), f->assessed[i] ?
	    jv_number(round(mf->quality * 1e3) / 1e3) : jv_null());
	/* Only the descriptors of people who may be recognised leave
	 * the recogniser. */
	if (r->cfg.descriptors && assessed && (r->cfg.mode ==
	    FT_RECOGNITION_ALL || (res->status == FT_MATCH_KNOWN && k))) {
		jv a = jv_array();
		int j;

		for (j = 0; j < FT_FACE_DIM; j++)
			a = jv_array_append(a,
			    jv_number(f->desc[f->slot[i]][j]));
		o = jv_object_set(o, jv_string("descriptor"), a);
	}
	return o;
}

static int
emit_visit(ft_recognizer *r, ft_visit *v, struct cust *k)
{
	jv rec;

	memcpy(v->customer, k->uuid, sizeof v->customer);
	v->name = k->name;
	v->number = ++k->visits;
	rec = ft_record_visit(v, NULL);
	v->name = NULL;
	return emit_rec(r, rec);
}

/* --- crops --- */

/* The crop of face i of the frame in hand into *jpeg (malloc'd) and
 * *len; *jpeg NULL when crops are off, the backend gives no chip or the
 * chip cannot be encoded: a sample without a crop is still a sample. */
static void
face_crop(ft_recognizer *r, int i, unsigned char **jpeg, size_t *len)
{
	const uint8_t *chip;
	char *err = NULL;

	*jpeg = NULL;
	*len = 0;
	if (!r->cfg.crops || !r->fb.chip || r->f.slot[i] < 0)
		return;
	if (!(chip = r->fb.chip(r->fb.ctx, r->f.slot[i])))
		return;
	if (ft_faces_crop(chip, jpeg, len, &err)) {
		free(err);
		*jpeg = NULL;
	}
}

static void
crop_drop(struct crop *c)
{
	free(c->jpeg);
	memset(c, 0, sizeof *c);
}

static void
crops_clear(ft_recognizer *r)
{
	int i;

	for (i = 0; i < CROP_KEEP; i++)
		crop_drop(&r->crops[i]);
}

/* Keep the crops of the faces of the frame that lib/match may register
 * later with the descriptor they have now, the oldest making room. */
static void
crops_keep(ft_recognizer *r)
{
	struct frame *f = &r->f;
	struct crop *c;
	int i;

	if (r->cfg.mode != FT_RECOGNITION_ALL)
		return;
	for (i = 0; i < f->n; i++) {
		if (!f->mf[i].descriptor || (f->res[i].status !=
		    FT_MATCH_PENDING && f->res[i].status != FT_MATCH_NEW))
			continue;
		c = &r->crops[r->next_crop];
		crop_drop(c);
		face_crop(r, i, &c->jpeg, &c->len);
		if (!c->jpeg)
			continue;
		memcpy(c->desc, f->mf[i].descriptor, sizeof c->desc);
		r->next_crop = (r->next_crop + 1) % CROP_KEEP;
	}
}

/* The kept crop of the sample desc, now the caller's (NULL: none). */
static unsigned char *
crop_take(ft_recognizer *r, const float *desc, size_t *len)
{
	unsigned char *jpeg;
	int i;

	for (i = 0; i < CROP_KEEP; i++) {
		struct crop *c = &r->crops[i];

		if (c->jpeg && !memcmp(c->desc, desc, sizeof c->desc)) {
			jpeg = c->jpeg;
			*len = c->len;
			c->jpeg = NULL;
			crop_drop(c);
			return jpeg;
		}
	}
	*len = 0;
	return NULL;
}

/* --- decisions written down --- */

static int
record_visit(ft_recognizer *r, int64_t customer_id, float distance,
    int64_t face_id)
{
	ft_visit v = { 0 };
	struct cust *k;
	int rc;

	if ((rc = cust_get(r, customer_id, &k)) || !k)
		return rc;
	v.customer_id = customer_id;
	v.ts = r->f.in->ts;
	v.source = (char *)r->f.in->source;
	v.distance = distance;
	v.face_id = face_id;
	if ((rc = ft_store_visit_add(r->store, &v)) != FT_OK)
		return store_fail(r, rc);
	return emit_visit(r, &v, k);
}

/* Store face i of the frame in hand as a sample of customer_id, with
 * its crop. */
static int
add_sample(ft_recognizer *r, int64_t customer_id, int i)
{
	const ft_match_face *mf = &r->f.mf[i];
	unsigned char *crop;
	ft_face f = { 0 };
	int rc;

	if (ft_index_customer_samples(r->ix, customer_id) >=
	    r->cfg.max_samples)
		return FT_OK;
	f.customer_id = customer_id;
	memcpy(f.descriptor, mf->descriptor, sizeof f.descriptor);
	f.quality = mf->quality;
	f.created_at = r->f.in->ts;
	face_crop(r, i, &crop, &f.crop_len);
	f.crop = crop;
	rc = ft_store_face_add(r->store, &f);
	free(crop);
	if (rc != FT_OK)
		return store_fail(r, rc);
	if (ft_index_add(r->ix, 1, &f.id, &f.customer_id, f.descriptor))
		return index_fail(r);
	return FT_OK;
}

/* Whether customer id is another face's of the frame in hand. */
static int
taken(const ft_recognizer *r, const ft_match_result *res, int64_t id)
{
	int i;

	for (i = 0; i < r->f.n; i++)
		if (&r->f.res[i] != res && r->f.res[i].customer_id == id)
			return 1;
	return 0;
}

/*
 * Under the registration lock: whether another recogniser registered
 * the person of res meanwhile.  Brings the index up to date and searches
 * every sample again; *id receives the customer found, or 0.  A customer
 * another face of the frame is (one-to-one) is not this one.
 */
static int
registered_meanwhile(ft_recognizer *r, ft_match_result *res, int64_t *id)
{
	int i, j, rc;

	*id = 0;
	if ((rc = index_catch_up(r)))
		return rc;
	for (i = 0; i < res->nsamples; i++) {
		ft_match_face mf = { 0 };

		if ((rc = candidates(r, res->samples[i], &mf, NULL)))
			return rc;
		for (j = 0; j < mf.ncand; j++) {
			if (ft_match_accepts(&r->cfg.match, mf.cand,
			    mf.ncand, j) && !taken(r, res,
			    mf.cand[j].customer_id)) {
				res->distance = mf.cand[j].distance;
				*id = mf.cand[j].customer_id;
				return FT_OK;
			}
		}
	}
	return FT_OK;
}

/*
 * Register the person of result res, unless another recogniser did while
 * this one gathered sightings.  Sets *id to the customer and *fresh when
 * the customer is new.
 */
static int
register_person(ft_recognizer *r, ft_match_result *res, int64_t *id,
    int *fresh)
{
	ft_face faces[FT_MATCH_MAX_SAMPLES];
	unsigned char *crops[FT_MATCH_MAX_SAMPLES];
	ft_customer c = { 0 };
	ft_visit v = { 0 };
	struct cust *k;
	int i, rc;

	*fresh = 0;
	if ((rc = ft_store_register_begin(r->store)) != FT_OK)
		return store_fail(r, rc);
	if ((rc = registered_meanwhile(r, res, id)) || *id) {
		ft_store_register_end(r->store, 0);
		return rc;
	}
	memset(faces, 0, sizeof faces);
	for (i = 0; i < res->nsamples; i++) {
		memcpy(faces[i].descriptor, res->samples[i],
		    sizeof faces[i].descriptor);
		faces[i].quality = res->sample_quality[i];
		faces[i].created_at = r->f.in->ts;
		crops[i] = crop_take(r, res->samples[i], &faces[i].crop_len);
		faces[i].crop = crops[i];
	}
	v.ts = r->f.in->ts;
	v.source = (char *)r->f.in->source;
	v.distance = -1;
	c.created_at = r->f.in->ts;
	rc = ft_store_register(r->store, &c, faces, res->nsamples, &v);
	for (i = 0; i < res->nsamples; i++)
		free(crops[i]);
	if (rc != FT_OK) {
		store_fail(r, rc);
		ft_store_register_end(r->store, 0);
		return rc;
	}
	if ((rc = ft_store_register_end(r->store, 1)) != FT_OK)
		return store_fail(r, rc);
	for (i = 0; i < res->nsamples; i++)
		if (ft_index_add(r->ix, 1, &faces[i].id,
		    &faces[i].customer_id, faces[i].descriptor))
			rc = index_fail(r);
	c.visit_count = 0;
	k = cust_remember(r, &c);
	ft_customer_clear(&c);
	*fresh = 1;
	*id = k->id;
	res->distance = 0;
	v.new_customer = 1;
	return rc ? rc : emit_visit(r, &v, k);
}

/* --- anonymous footfall --- */

/* The footfall state of track, or NULL. */
static struct anon *
anon_find(ft_recognizer *r, int track)
{
	size_t i;

	for (i = 0; i < r->nanons; i++)
		if (r->anons[i].track == track)
			return &r->anons[i];
	return NULL;
}

/* The footfall state of track on the frame's source, made when new. */
static struct anon *
anon_get(ft_recognizer *r, int track)
{
	const ft_recognize_input *in = r->f.in;
	struct anon *a = anon_find(r, track);

	if (a)
		return a;
	if (r->nanons == r->capanons) {
		r->capanons = r->capanons ? r->capanons * 2 : 16;
		r->anons = ft_xrealloc(r->anons,
		    r->capanons * sizeof *r->anons);
	}
	a = &r->anons[r->nanons++];
	memset(a, 0, sizeof *a);
	a->track = track;
	snprintf(a->source, sizeof a->source, "%s", in->source);
	return a;
}

/* Forget the tracks of the frame's source that lib/match ended: unseen
 * for its timeout, or all of them after a still image (end_all). */
static void
anon_prune(ft_recognizer *r, int end_all)
{
	const ft_recognize_input *in = r->f.in;
	size_t i;

	for (i = 0; i < r->nanons;) {
		struct anon *a = &r->anons[i];

		if (!strncmp(a->source, in->source, sizeof a->source - 1) &&
		    (end_all || in->ts < a->last_ts || in->ts - a->last_ts >
		    r->cfg.match.track_timeout_ms))
			*a = r->anons[--r->nanons];
		else
			i++;
	}
}

static jv
footfall_record(ft_recognizer *r, int track)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("footfall"));
	o = jv_object_set(o, jv_string("source"),
	    jv_string(r->f.in->source));
	o = jv_object_set(o, jv_string("ts"), ft_record_time(r->f.in->ts));
	o = jv_object_set(o, jv_string("track"), jv_number(track));
	return o;
}

/*
 * Face i is a person who is not recognised.  Once per track, when
 * counted is set (enough sightings), their visit is counted as footfall
 * and a footfall record emitted; the face is reported anonymous from
 * then on, pending before.
 */
static int
anon_face(ft_recognizer *r, int i, int counted)
{
	ft_match_result *res = &r->f.res[i];
	struct anon *a = anon_get(r, res->track);
	int rc;

	a->last_ts = r->f.in->ts;
	res->status = FT_MATCH_PENDING;
	res->customer_id = 0;
	res->distance = -1;
	if (!a->counted && !counted)
		return FT_OK;
	r->f.anon[i] = 1;
	if (a->counted)
		return FT_OK;
	a->counted = 1;
	if (r->store && (rc = ft_store_footfall_add(r->store,
	    r->f.in->source, r->f.in->ts)) != FT_OK)
		return store_fail(r, rc);
	return emit_rec(r, footfall_record(r, res->track));
}

/* An unknown face (too poor to gather) on the track of a person not
 * recognised: the track goes on, and stays anonymous once counted. */
static void
anon_seen(ft_recognizer *r, int i)
{
	struct anon *a = anon_find(r, r->f.res[i].track);

	if (a) {
		a->last_ts = r->f.in->ts;
		r->f.anon[i] = a->counted;
	}
}

/*
 * With consent required, a track counted as footfall is described only
 * every recheck_frames frames, as a known customer's is: often enough
 * to find a consenting customer whose first sightings were poor, not
 * at every frame for a person who stays nobody.
 */
static void
anon_needs(ft_recognizer *r, int *need)
{
	struct frame *f = &r->f;
	int i;

	for (i = 0; i < f->n; i++) {
		struct anon *a = anon_find(r, f->mf[i].track);

		if (!a || !a->counted || !need[i])
			continue;
		if (++a->since_check < r->cfg.match.recheck_frames)
			need[i] = 0;
		else
			a->since_check = 0;
	}
}

/* Anonymous mode: faces are tracked, never described; a track seen in
 * min_sightings frames is one visit of footfall. */
static int
decide_anonymous(ft_recognizer *r)
{
	struct frame *f = &r->f;
	int i, rc = FT_OK;

	for (i = 0; i < f->n && rc == FT_OK; i++) {
		struct anon *a = anon_get(r, f->mf[i].track);

		memset(&f->res[i], 0, sizeof f->res[i]);
		f->res[i].track = f->mf[i].track;
		a->sightings++;
		rc = anon_face(r, i,
		    a->sightings >= r->cfg.match.min_sightings);
	}
	return rc;
}

/* --- detection --- */

static struct srcstate *
src_state(ft_recognizer *r, const char *name)
{
	struct srcstate *ss;
	size_t i;

	for (i = 0; i < r->nsrcs; i++)
		if (!strcmp(r->srcs[i].name, name))
			return &r->srcs[i];
	r->srcs = ft_xrealloc(r->srcs, (r->nsrcs + 1) * sizeof *r->srcs);
	ss = &r->srcs[r->nsrcs++];
	memset(ss, 0, sizeof *ss);
	ss->name = ft_xstrdup(name);
	ss->since_full = FULL_EVERY;
	ss->full_every = FULL_EVERY;
	return ss;
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

/* Whether box b overlaps one of out[0..n) by more than half. */
static int
box_seen(const ft_face_box *b, const ft_face_box *out, int n)
{
	float a[4], o[4];
	int j;

	box_xywh(b, a);
	for (j = 0; j < n; j++) {
		box_xywh(&out[j], o);
		if (ft_match_iou(a, o) > 0.5)
			return 1;
	}
	return 0;
}

/*
 * The scale a face of width w is looked for at: the frame scaled down
 * as far as leaves it DETECT_MIN pixels wide.  Newcomers are looked for
 * at the scale of the smallest face of interest (min_face; without it,
 * at full size).
 */
static int
scale_for(int w)
{
	int s = w / DETECT_MIN;

	return s < 1 ? 1 : s > SCALE_MAX ? SCALE_MAX : s;
}

/* The square around face p that it is looked for in next, clipped to
 * img; 0 when too small to search at scale s. */
static int
near_region(const ft_image *img, const ft_face_box *p, int s,
    int region[4])
{
	int cx = p->left + p->width / 2, cy = p->top + p->height / 2;
	int half = p->width;
	int x0 = cx - half < 0 ? 0 : cx - half;
	int y0 = cy - half < 0 ? 0 : cy - half;
	int x1 = cx + half > img->width ? img->width : cx + half;
	int y1 = cy + half > img->height ? img->height : cy + half;

	if ((x1 - x0) / s < DETECT_MIN || (y1 - y0) / s < DETECT_MIN)
		return 0;
	region[0] = x0;
	region[1] = y0;
	region[2] = x1 - x0;
	region[3] = y1 - y0;
	return 1;
}

/*
 * Faces near the last frame's: each face is looked for in a square twice
 * its width around where it was, scaled down as its size allows, instead
 * of in the whole frame.  Faces found twice (squares overlap) count once.
 */
static int
detect_near(ft_recognizer *r, const ft_image *img,
    const struct srcstate *ss, const ft_face_detect_opts *o,
    ft_face_box *out)
{
	ft_face_box found[MAX_FACES];
	int n = 0, i, k, m, region[4];

	if (r->fb.detect_near) {
		m = r->fb.detect_near(r->fb.ctx, img, ss->last, ss->nfaces, o,
		    found, MAX_FACES);
		if (m < 0)
			return -1;
		for (k = 0; k < m && k < MAX_FACES; k++)
			if (!box_seen(&found[k], out, n))
				out[n++] = found[k];
		return n;
	}
	for (i = 0; i < ss->nfaces; i++) {
		int s = scale_for(ss->last[i].width);

		if (!near_region(img, &ss->last[i], s, region))
			continue;
		m = r->fb.detect(r->fb.ctx, img, region, s, o, 0, found,
		    NEAR_MAX);
		if (m < 0)
			return -1;
		for (k = 0; k < m && k < NEAR_MAX && n < MAX_FACES; k++)
			if (!box_seen(&found[k], out, n))
				out[n++] = found[k];
	}
	return n;
}

/*
 * Between searches for newcomers: the faces in view, each at the scale
 * its size needs, in the squares around them or in the whole frame
 * scaled for the smallest of them, whichever has fewer pixels to scan.
 */
static int
detect_between(ft_recognizer *r, const ft_image *img,
    const struct srcstate *ss, const ft_face_detect_opts *o,
    ft_face_box *boxes)
{
	int s = scale_for(ss->min_width), i, region[4];
	double near = 0, whole = (double)img->width * img->height / s / s;

	for (i = 0; i < ss->nfaces && near < whole; i++) {
		int si = scale_for(ss->last[i].width);

		if (near_region(img, &ss->last[i], si, region))
			near += (double)region[2] * region[3] / si / si;
	}
	if (near < whole)
		return detect_near(r, img, ss, o, boxes);
	return r->fb.detect(r->fb.ctx, img, NULL, s, o, 0, boxes,
	    MAX_FACES);
}

/*
 * Detect the faces of the frame in hand into r->f.boxes.  Every
 * FULL_EVERY frames the whole frame is searched for newcomers, scaled
 * down for the smallest face of interest; in between only for the faces
 * in view, and the whole frame again as soon as they are lost.  While
 * those searches find nobody new beside the faces in view, the frames
 * between them double, up to FULL_MAX (half a second at 30 frames/s): a
 * newcomer resets them.  An empty scene is searched whole once every
 * EMPTY_MS of the frames' times (every frame of slower footage), and at
 * least every FULL_EVERY frames whatever their times say: anyone
 * entering is found within EMPTY_MS and a frame.  A still image is
 * searched at full size, and harder.
 */
static int
detect(ft_recognizer *r)
{
	const ft_recognize_input *in = r->f.in;
	struct srcstate *ss = src_state(r, in->source);
	ft_face_detect_opts o = { r->cfg.upsample, r->cfg.min_face, 0 };
	double t0 = ft_time_mono_ms();
	int n, i;

	if (!in->still && ss->nfaces == 0 && ss->empty &&
	    in->ts >= ss->whole_ts && in->ts - ss->whole_ts < EMPTY_MS &&
	    ss->since_full + 1 < FULL_EVERY) {
		n = 0;
		ss->since_full++;
	} else if (!in->still && ss->nfaces > 0 &&
	    ss->since_full < ss->full_every && !r->cfg.upsample) {
		n = detect_between(r, in->image, ss, &o, r->f.boxes);
		ss->since_full++;
	} else {
		int s = in->still || r->cfg.upsample ? 1 :
		    scale_for(r->cfg.min_face);

		n = r->fb.detect(r->fb.ctx, in->image, NULL, s, &o, in->still &&
		    !r->cfg.upsample && !r->cfg.min_face, r->f.boxes,
		    MAX_FACES);
		ss->since_full = 0;
		ss->empty = n == 0;
		ss->whole_ts = in->ts;
		if (n >= 0) {
			int fresh = ss->nfaces == 0;

			for (i = 0; i < n && i < MAX_FACES && !fresh; i++)
				fresh = !box_seen(&r->f.boxes[i], ss->last,
				    ss->nfaces);
			ss->full_every = fresh ? FULL_EVERY :
			    ss->full_every * 2 > FULL_MAX ? FULL_MAX :
			    ss->full_every * 2;
		}
	}
	if (n < 0)
		return fail(r, FT_EFAIL, "detection failed: %s",
		    r->fb.errmsg(r->fb.ctx));
	if (n > MAX_FACES)
		n = MAX_FACES;
	ss->nfaces = n;
	ss->min_width = INT_MAX;
	for (i = 0; i < n; i++) {
		ss->last[i] = r->f.boxes[i];
		if (r->f.boxes[i].width < ss->min_width)
			ss->min_width = r->f.boxes[i].width;
	}
	r->f.n = n;
	r->st.ms[FT_RECOGNIZE_DETECT] += ft_time_mono_ms() - t0;
	return FT_OK;
}

/* --- a frame --- */

/*
 * Faces lib/match would describe only if their quality improved: their
 * landmarks and quality (a small part of a descriptor's cost; the
 * backend's assess where it has one), and the verdict in need[].  A face
 * found worth it is prepared again with the others, as the backend
 * describes the faces of its last prepare.
 */
static int
probe(ft_recognizer *r)
{
	struct frame *f = &r->f;
	ft_face_box boxes[MAX_FACES];
	double q[MAX_FACES];
	int idx[MAX_FACES], i, n = 0;

	for (i = 0; i < f->n; i++)
		if (f->need[i] == FT_MATCH_IF_BETTER) {
			idx[n] = i;
			boxes[n++] = f->boxes[i];
		}
	if (!n || (r->cfg.descriptors &&
	    r->cfg.mode != FT_RECOGNITION_ANONYMOUS))
		return FT_OK;	/* prepared with the others */
	if ((r->fb.assess ? r->fb.assess : r->fb.prepare)(r->fb.ctx,
	    f->in->image, boxes, n, q))
		return fail(r, FT_EFAIL, "alignment failed: %s",
		    r->fb.errmsg(r->fb.ctx));
	for (i = 0; i < n; i++) {
		f->mf[idx[i]].quality = q[i];
		f->assessed[idx[i]] = 1;
		f->need[idx[i]] = ft_match_improved(r->matcher,
		    f->mf[idx[i]].track, q[i]) ? FT_MATCH_DESCRIBE :
		    FT_MATCH_SKIP;
	}
	return FT_OK;
}

/* Descriptors of the faces that need one (every face with descriptors
 * on), in one batch, and their nearest customers. */
static int
describe(ft_recognizer *r)
{
	struct frame *f = &r->f;
	ft_face_box todo[MAX_FACES];
	double q[MAX_FACES], t0 = ft_time_mono_ms();
	int i, nd = 0, rc;

	memset(f->assessed, 0, sizeof f->assessed);
	if ((rc = probe(r)))
		return rc;
	for (i = 0; i < f->n; i++) {
		f->slot[i] = -1;
		if (f->need[i] || (r->cfg.descriptors &&
		    r->cfg.mode != FT_RECOGNITION_ANONYMOUS)) {
			f->slot[i] = nd;
			todo[nd++] = f->boxes[i];
		}
	}
	if (nd && r->fb.prepare(r->fb.ctx, f->in->image, todo, nd, q))
		return fail(r, FT_EFAIL, "alignment failed: %s",
		    r->fb.errmsg(r->fb.ctx));
	r->st.ms[FT_RECOGNIZE_ALIGN] += ft_time_mono_ms() - t0;
	t0 = ft_time_mono_ms();
	if (nd && r->fb.describe(r->fb.ctx, nd, f->desc))
		return fail(r, FT_EFAIL, "description failed: %s",
		    r->fb.errmsg(r->fb.ctx));
	r->st.ms[FT_RECOGNIZE_DESCRIBE] += ft_time_mono_ms() - t0;
	t0 = ft_time_mono_ms();
	for (i = 0; i < f->n; i++) {
		if (f->slot[i] < 0)
			continue;
		f->mf[i].quality = q[f->slot[i]];
		f->assessed[i] = 1;
		if (f->need[i] == FT_MATCH_IF_BETTER)
			f->need[i] = ft_match_improved(r->matcher,
			    f->mf[i].track, q[f->slot[i]]) ?
			    FT_MATCH_DESCRIBE : FT_MATCH_SKIP;
		if (!f->need[i])
			continue;
		f->mf[i].descriptor = f->desc[f->slot[i]];
		if ((rc = candidates(r, f->mf[i].descriptor, &f->mf[i],
		    f->cand_face[i])))
			return rc;
	}
	r->st.ms[FT_RECOGNIZE_SEARCH] += ft_time_mono_ms() - t0;
	return FT_OK;
}

/* The sample face i was recognised by in this frame, or 0 when its
 * track carried the match without a new look. */
static int64_t
matched_face(const ft_recognizer *r, int i)
{
	const ft_match_face *mf = &r->f.mf[i];
	int j;

	if (!mf->descriptor)
		return 0;
	for (j = 0; j < mf->ncand; j++)
		if (mf->cand[j].customer_id == r->f.res[i].customer_id)
			return r->f.cand_face[i][j];
	return 0;
}

/*
 * Whether face i, recognised as its customer, is also within the
 * threshold of a customer marked as another person.  Such a face is
 * not added to either's samples: it would draw the two together until
 * recognition took one for the other.
 */
static int
near_other(const ft_recognizer *r, int i)
{
	const ft_match_face *mf = &r->f.mf[i];
	int64_t id = r->f.res[i].customer_id;
	int j;

	for (j = 0; j < mf->ncand; j++)
		if (mf->cand[j].customer_id != id &&
		    mf->cand[j].distance < r->cfg.match.threshold &&
		    apart(r, id, mf->cand[j].customer_id))
			return 1;
	return 0;
}

/* Write down what lib/match decided for face i. */
static int
write_result(ft_recognizer *r, int i)
{
	ft_match_result *res = &r->f.res[i];
	ft_match_face *mf = &r->f.mf[i];
	struct cust *k;
	int64_t id;
	int fresh, rc = FT_OK;

	if (res->status == FT_MATCH_NEW &&
	    r->cfg.mode != FT_RECOGNITION_ALL) {
		return anon_face(r, i, 1);	/* nobody is registered */
	} else if (res->status == FT_MATCH_PENDING &&
	    r->cfg.mode != FT_RECOGNITION_ALL) {
		return anon_face(r, i, 0);
	} else if (res->status == FT_MATCH_NEW) {
		if ((rc = register_person(r, res, &id, &fresh)))
			return rc;
		ft_match_registered(r->matcher, res->track, id,
		    r->f.in->source, r->f.in->ts);
		res->customer_id = id;
		res->status = fresh ? FT_MATCH_NEW : FT_MATCH_KNOWN;
	} else if (res->status == FT_MATCH_KNOWN) {
		if (res->visit && (rc = record_visit(r, res->customer_id,
		    res->distance, matched_face(r, i))))
			return rc;
		if (res->add_sample && mf->descriptor && !near_other(r, i) &&
		    (rc = add_sample(r, res->customer_id, i)))
			return rc;
	} else {
		if (r->cfg.mode != FT_RECOGNITION_ALL)
			anon_seen(r, i);
		return FT_OK;
	}
	return cust_get(r, res->customer_id, &k);
}

/* Decide about every face of the frame in hand and write it down. */
static int
decide(ft_recognizer *r)
{
	struct frame *f = &r->f;
	double t0 = ft_time_mono_ms();
	int i, rc = FT_OK;

	if (r->cfg.mode == FT_RECOGNITION_ANONYMOUS)
		return decide_anonymous(r);
	if (!r->store) {
		for (i = 0; i < f->n; i++) {
			memset(&f->res[i], 0, sizeof f->res[i]);
			f->res[i].status = FT_MATCH_UNKNOWN;
			f->res[i].track = f->mf[i].track;
			f->res[i].distance = -1;
		}
		return FT_OK;
	}
	r->cb_rc = FT_OK;
	ft_match_identify(r->matcher, f->in->source, f->in->ts, f->mf, f->n,
	    f->res);
	if ((rc = r->cb_rc))
		return rc;
	crops_keep(r);
	for (i = 0; i < f->n && rc == FT_OK; i++)
		rc = write_result(r, i);
	r->st.ms[FT_RECOGNIZE_STORE] += ft_time_mono_ms() - t0;
	return rc;
}

int
ft_recognize_frame(ft_recognizer *r, const ft_recognize_input *in)
{
	struct frame *f = &r->f;
	int i, rc;

	r->st.frames++;
	if (r->store && ft_time_mono() - r->last_refresh >= r->cfg.refresh_ms
	    && (rc = ft_recognize_refresh(r)))
		return rc;
	memset(f->mf, 0, sizeof f->mf);
	memset(f->anon, 0, sizeof f->anon);
	f->in = in;
	f->n = 0;
	if ((rc = detect(r)))
		return rc;
	for (i = 0; i < f->n; i++)
		box_xywh(&f->boxes[i], f->mf[i].box);
	ft_match_track(r->matcher, in->source, in->ts, f->mf, f->n,
	    f->need);
	anon_prune(r, 0);
	if (r->cfg.mode == FT_RECOGNITION_ANONYMOUS)
		memset(f->need, 0, sizeof f->need);
	else if (r->cfg.mode == FT_RECOGNITION_CONSENTED)
		anon_needs(r, f->need);
	if ((rc = describe(r)) || (rc = decide(r)))
		return rc;
	for (i = 0; i < f->n && rc == 0; i++)
		rc = emit_rec(r, face_record(r, i));
	if (in->still) {
		ft_match_end_tracks(r->matcher, in->source);
		anon_prune(r, 1);
		crops_clear(r);	/* the photo's tracks ended */
	}
	return rc;
}
