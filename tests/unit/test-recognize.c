/*
 * Unit tests of lib/recognize: the recogniser on a real store (SQLite in
 * a temporary directory) and a synthetic face backend, without dlib.
 * Faces are scripted boxes with made-up descriptors: person k is the
 * unit vector on axis k, and a face d away from a person lies d along
 * an axis of its own, so every distance in a test is chosen exactly.
 */
#include "recognize.h"
#include "store.h"
#include "tap.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIM FT_FACE_DIM
#define MIN_MS (60 * 1000)

/* --- the synthetic backend: the faces of the next frame --- */

struct synth {
	int n;
	ft_face_box box[8];
	float desc[8][DIM];
	double quality[8];
	int prepared[8];	/* scripted face of each prepared box */
	uint8_t chips[8][FT_FACE_CHIP_BYTES];	/* theirs: one grey each */
	int nprepared;
	int described;		/* descriptors computed, all frames */
	int whole;		/* searches of the whole frame, all frames */
};

static struct synth sy;

static int
synth_detect(void *ctx, const ft_image *grey, const int region[4],
    int scale, const ft_face_detect_opts *o, int still, ft_face_box *out,
    int max)
{
	int i, n = 0;

	sy.whole += !region || region[2] <= 0;
	for (i = 0; i < sy.n; i++) {
		int cx = sy.box[i].left + sy.box[i].width / 2;
		int cy = sy.box[i].top + sy.box[i].height / 2;

		if (region && region[2] > 0 && (cx < region[0] ||
		    cy < region[1] || cx >= region[0] + region[2] ||
		    cy >= region[1] + region[3]))
			continue;
		if (n < max)
			out[n] = sy.box[i];
		n++;
	}
	return n;
}

static int
synth_prepare(void *ctx, const ft_image *img, const ft_face_box *boxes,
    int n, double *quality)
{
	int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < sy.n; j++)
			if (boxes[i].left == sy.box[j].left &&
			    boxes[i].top == sy.box[j].top)
				break;
		if (j == sy.n)
			return -1;
		sy.prepared[i] = j;
		quality[i] = sy.quality[j];
		memset(sy.chips[i], 40 + 20 * j, FT_FACE_CHIP_BYTES);
	}
	sy.nprepared = n;
	return 0;
}

static int
synth_describe(void *ctx, int n, float (*out)[DIM])
{
	int i;

	for (i = 0; i < n; i++)
		memcpy(out[i], sy.desc[sy.prepared[i]], sizeof out[i]);
	sy.described += n;
	return 0;
}

static const uint8_t *
synth_chip(void *ctx, int i)
{
	return i >= 0 && i < sy.nprepared ? sy.chips[i] : NULL;
}

static const char *
synth_errmsg(void *ctx)
{
	return "no such scripted face";
}

static const char *
synth_model(void *ctx)
{
	return "synthetic:0";
}

static const ft_face_backend synth_backend = {
	NULL, synth_detect, synth_prepare, synth_describe, synth_errmsg,
	synth_model, synth_chip, NULL, NULL
};

/* Person k's descriptor, moved d along axis 100 + off. */
static void
person(float *v, int k, float d, int off)
{
	memset(v, 0, DIM * sizeof *v);
	v[k] = 1;
	v[100 + off] = d;
}

/* The next frame holds one more face: person k, d away, at x. */
static void
face(int x, int k, float d, int off)
{
	int i = sy.n++;

	memset(&sy.box[i], 0, sizeof sy.box[i]);
	sy.box[i].left = x;
	sy.box[i].top = 100;
	sy.box[i].width = sy.box[i].height = 120;
	sy.box[i].confidence = 1;
	person(sy.desc[i], k, d, off);
	sy.quality[i] = 0.9;
}

/* --- what the recogniser emits --- */

struct seen {
	int faces, visits, new_customers, footfalls, descriptors;
	char status[8][16];
	char customer[8][FT_UUID_LEN + 1];
};

static struct seen seen;

static int
collect(void *ctx, jv rec)
{
	jv type = jv_object_get(jv_copy(rec), jv_string("type"));

	if (!strcmp(jv_string_value(type), "visit")) {
		jv fresh = jv_object_get(jv_copy(rec),
		    jv_string("new_customer"));

		seen.visits++;
		seen.new_customers += jv_get_kind(fresh) == JV_KIND_TRUE;
		jv_free(fresh);
	} else if (!strcmp(jv_string_value(type), "footfall")) {
		seen.footfalls++;
	} else if (seen.faces < 8) {
		jv st = jv_object_get(jv_copy(rec), jv_string("status"));
		jv c = jv_object_get(jv_copy(rec), jv_string("customer"));

		snprintf(seen.status[seen.faces], 16, "%s",
		    jv_string_value(st));
		snprintf(seen.customer[seen.faces], FT_UUID_LEN + 1, "%s",
		    jv_get_kind(c) == JV_KIND_STRING ? jv_string_value(c) :
		    "");
		seen.faces++;
		seen.descriptors += jv_object_has(jv_copy(rec),
		    jv_string("descriptor"));
		jv_free(st);
		jv_free(c);
	}
	jv_free(type);
	jv_free(rec);
	return 0;
}

/* --- the world --- */

static char dir[] = "/tmp/ft-test-recognize-XXXXXX";
static char url[64];
static ft_store *store, *other;	/* this process's, and "another's" */
static uint8_t pixels[640 * 480 * 3];
static ft_image image = { 640, 480, 3, 640 * 3, pixels, NULL };

static ft_store *
open_store(void)
{
	ft_store *s;
	char err[256];

	if (ft_store_open(url, &s, err, sizeof err) != FT_OK) {
		fprintf(stderr, "# %s\n", err);
		exit(1);
	}
	return s;
}

/* A fresh store; the other process's handle on it too. */
static void
fresh_store(const char *name)
{
	ft_store_close(store);
	ft_store_close(other);
	snprintf(url, sizeof url, "sqlite:%s/%s.db", dir, name);
	store = open_store();
	other = open_store();
}

static enum ft_recognition mode;	/* of the recognisers made */
static int no_descriptors;	/* not even in the consented mode */
static int no_crops;		/* FT_FACE_CROPS=0 */

static ft_recognizer *
recogniser(int still, float margin)
{
	ft_recognize_config c;
	ft_recognizer *r;
	char err[256];

	ft_recognize_config_default(&c);
	c.mode = mode;
	c.descriptors = mode != FT_RECOGNITION_ALL && !no_descriptors;
	c.refresh_ms = 0;
	c.crops = !no_crops;
	if (still)
		c.match.min_sightings = 1;
	if (margin >= 0) {
		c.match.margin = margin;
		c.match.cohort = margin > 0 ? c.match.cohort : 0;
	}
	if (ft_recognize_new(store, &synth_backend, &c, collect, NULL, &r,
	    err, sizeof err) != FT_OK) {
		fprintf(stderr, "# %s\n", err);
		exit(1);
	}
	return r;
}

/* Enrol person k (d along axis off) through the other handle, named
 * when name is given; returns the customer's row id. */
static int64_t
enrol(const char *name, int k, float d, int off, int samples)
{
	ft_customer c = { 0 };
	ft_face f;
	int i, rc;

	c.name = (char *)name;
	c.created_at = 1000;
	rc = ft_store_face_model(other, "synthetic:0");
	if (rc == FT_OK)
		rc = ft_store_customer_add(other, &c);
	for (i = 0; i < samples && rc == FT_OK; i++) {
		memset(&f, 0, sizeof f);
		f.customer_id = c.id;
		f.quality = 0.9;
		person(f.descriptor, k, d, off);
		rc = ft_store_face_add(other, &f);
	}
	if (rc != FT_OK) {
		fprintf(stderr, "# enrol: %s\n", ft_store_errmsg(other));
		exit(1);
	}
	return c.id;
}

static const char *
uuid_of(int64_t id)
{
	static char buf[FT_UUID_LEN + 1];
	ft_customer c;

	if (ft_store_customer_get_id(store, id, &c) != FT_OK)
		return "(gone)";
	snprintf(buf, sizeof buf, "%s", c.uuid);
	ft_customer_clear(&c);
	return buf;
}

/* Feed one frame of source "door" at ts with the faces scripted. */
static int
frame(ft_recognizer *r, int64_t ts, int still)
{
	ft_recognize_input in = { "door", ts, jv_null(), NULL, &image, still };
	int rc;

	memset(&seen, 0, sizeof seen);
	rc = ft_recognize_frame(r, &in);
	sy.n = 0;
	return rc;
}

/* --- the tests --- */

/* A stranger on a stream becomes a customer on the Nth sighting of one
 * track, with one visit; until then the face is pending. */
static void
test_sightings(void)
{
	ft_recognizer *r;
	int i, pending = 0;

	fresh_store("sightings");
	r = recogniser(0, -1);
	for (i = 0; i < 2; i++) {
		face(200, 1, 0.05f, i);
		frame(r, 10000 + i * 100, 0);
		pending += !strcmp(seen.status[0], "pending");
		ok(seen.visits == 0, "sighting %d: no visit yet", i + 1);
	}
	is_int(pending, 2, "the first two sightings are pending");
	face(200, 1, 0.05f, 2);
	is_int(frame(r, 10200, 0), FT_OK, "third sighting: recognised");
	is_str(seen.status[0], "new", "third sighting registers");
	is_int(seen.new_customers, 1, "with a new customer's visit");
	face(200, 1, 0.05f, 3);
	frame(r, 10300, 0);
	is_str(seen.status[0], "known", "the next frame knows the face");
	is_int(seen.visits, 0, "and counts no second visit");
	ft_recognize_free(r);
}

/* Two faces of one frame are never the same customer; the nearer keeps
 * the match. */
static void
test_one_to_one(void)
{
	ft_recognizer *r;
	int64_t ann;
	char u[FT_UUID_LEN + 1];

	fresh_store("one-to-one");
	ann = enrol("Ann", 1, 0, 0, 3);
	r = recogniser(1, -1);
	snprintf(u, sizeof u, "%s", uuid_of(ann));
	face(100, 1, 0.30f, 1);
	face(400, 1, 0.10f, 2);
	frame(r, 20000, 1);
	is_int(seen.faces, 2, "two faces reported");
	is_str(seen.customer[1], u, "the nearer face is Ann");
	ok(strcmp(seen.customer[0], u) != 0,
	    "the other face is not Ann as well");
	ft_recognize_free(r);
}

/* A self-registered customer with few samples needs the strict
 * threshold; a named one the ordinary one. */
static void
test_strict(void)
{
	ft_recognizer *r;
	int64_t bob, cy;

	fresh_store("strict");
	bob = enrol(NULL, 2, 0, 0, 1);	/* unnamed, one sample */
	cy = enrol("Cy", 3, 0, 0, 1);	/* named, one sample */
	r = recogniser(1, 0);
	face(100, 2, 0.48f, 1);		/* between 0.46 and 0.50 */
	frame(r, 30000, 1);
	ok(strcmp(seen.customer[0], uuid_of(bob)) != 0,
	    "0.48 from an untrusted customer is not a match");
	face(100, 3, 0.48f, 1);
	frame(r, 31000, 1);
	is_str(seen.customer[0], uuid_of(cy),
	    "0.48 from a named customer is");
	face(100, 2, 0.40f, 2);
	frame(r, 32000, 1);
	is_str(seen.customer[0], uuid_of(bob),
	    "0.40 from the untrusted customer is");
	ft_recognize_free(r);
}

/* A store with Dee and three others, each 0.45 from Dee's descriptor
 * moved 0.40 along axis 100, on an axis of its own; returns Dee. */
static int64_t
crowd(const char *name)
{
	int64_t dee;
	int i;

	fresh_store(name);
	dee = enrol("Dee", 10, 0, 0, 1);
	for (i = 0; i < 3; i++) {
		ft_customer c = { 0 };
		ft_face f = { 0 };

		c.name = "Near";
		ft_store_customer_add(other, &c);
		f.customer_id = c.id;
		f.quality = 0.9;
		person(f.descriptor, 10, 0.40f, 0);
		f.descriptor[110 + i] = 0.45f;
		ft_store_face_add(other, &f);
	}
	return dee;
}

/* Where other customers crowd round a face, a match needs a lead. */
static void
test_margin(void)
{
	ft_recognizer *r;
	int64_t dee;
	int i;

	/* The face: Dee's descriptor moved 0.40 along axis 100. */
	fresh_store("margin");
	dee = enrol("Dee", 10, 0, 0, 1);
	for (i = 0; i < 3; i++)
		enrol("Far", 11 + i, 0, 0, 1);
	r = recogniser(1, -1);
	face(100, 10, 0.40f, 0);
	frame(r, 40000, 1);
	is_str(seen.customer[0], uuid_of(dee),
	    "others far away: 0.40 is a match");
	ft_recognize_free(r);

	/* Three others 0.45 from the face; a fresh store each time, as a
	 * match adds the face to Dee's samples and a stranger registers. */
	dee = crowd("crowd");
	r = recogniser(1, -1);
	face(100, 10, 0.40f, 0);
	frame(r, 41000, 1);
	ok(strcmp(seen.customer[0], uuid_of(dee)) != 0,
	    "crowded, 0.40 without a lead of 0.10 is no match");
	ft_recognize_free(r);
	dee = crowd("crowd-no-margin");
	r = recogniser(1, 0);
	face(100, 10, 0.40f, 0);
	frame(r, 42000, 1);
	is_str(seen.customer[0], uuid_of(dee),
	    "crowded, with the margin off: a match");
	ft_recognize_free(r);
}

/* A known customer counts a new visit on a source only after the gap,
 * by the frames' own times, also across recognisers. */
static void
test_visit_gap(void)
{
	ft_recognizer *r;

	fresh_store("gap");
	enrol("Eve", 20, 0, 0, 3);
	r = recogniser(0, -1);
	face(100, 20, 0.1f, 0);
	frame(r, 100 * MIN_MS, 0);
	is_int(seen.visits, 1, "first sighting: a visit");
	face(100, 20, 0.1f, 0);
	frame(r, 110 * MIN_MS, 0);
	is_str(seen.status[0], "known", "ten minutes later: known");
	is_int(seen.visits, 0, "but no visit within the gap");
	ft_recognize_free(r);
	r = recogniser(0, -1);
	face(100, 20, 0.1f, 0);
	frame(r, 120 * MIN_MS, 0);
	is_int(seen.visits, 0, "a new recogniser remembers the visit");
	face(100, 20, 0.1f, 0);
	frame(r, 145 * MIN_MS, 0);
	is_int(seen.visits, 0, "seen again within the gap: none");
	face(100, 20, 0.1f, 0);
	frame(r, 176 * MIN_MS, 0);
	is_int(seen.visits, 1, "unseen for longer than the gap: a visit");
	ft_recognize_free(r);
}

/* Another process's forget and merge reach a running recogniser. */
static void
test_follow(void)
{
	ft_recognizer *r;
	int64_t fay, gus, hal;

	fresh_store("follow");
	fay = enrol("Fay", 30, 0, 0, 3);
	r = recogniser(1, -1);
	face(100, 30, 0.1f, 0);
	frame(r, 50000, 1);
	is_str(seen.customer[0], uuid_of(fay), "Fay is known");
	gus = enrol("Gus", 31, 0, 0, 3);
	face(100, 31, 0.1f, 0);
	frame(r, 51000, 1);
	is_str(seen.customer[0], uuid_of(gus),
	    "a customer enrolled elsewhere is known at once");
	ok(ft_store_customer_forget(other, fay) == FT_OK, "Fay forgotten");
	face(100, 30, 0.1f, 0);
	frame(r, 52000, 1);
	is_str(seen.status[0], "new",
	    "after the forget her face is a stranger");
	hal = enrol("Hal", 32, 0, 0, 3);
	ok(ft_store_customer_merge(other, gus, hal) == FT_OK,
	    "Hal merged into Gus");
	face(100, 32, 0.1f, 0);
	frame(r, 53000, 1);
	is_str(seen.customer[0], uuid_of(gus),
	    "after the merge Hal's face is Gus");
	ft_recognize_free(r);
}

/* Without a store faces are detected, described and unknown. */
static void
test_no_store(void)
{
	ft_recognize_config c;
	ft_recognizer *r;
	int before = sy.described;

	ft_recognize_config_default(&c);
	c.descriptors = 1;
	ok(ft_recognize_new(NULL, &synth_backend, &c, collect, NULL, &r,
	    NULL, 0) == FT_OK, "a recogniser without a store");
	face(100, 1, 0, 0);
	face(300, 2, 0, 0);
	frame(r, 60000, 0);
	is_int(seen.faces, 2, "both faces reported");
	is_str(seen.status[1], "unknown", "as unknown");
	is_int(sy.described - before, 2, "each described");
	ft_recognize_free(r);
}

/* --- recognition modes --- */

struct census {
	int k;			/* the person looked for */
	int64_t n;
};

static int
count_row(void *p, const void *row)
{
	(void)row;
	((struct census *)p)->n++;
	return 0;
}

static int
count_customer(void *p, const ft_customer *c)
{
	return count_row(p, c);
}

static int
count_visit(void *p, const ft_visit *v)
{
	return count_row(p, v);
}

/* Samples anywhere in the store that are person k's (within 0.5). */
static int
count_near(void *p, const ft_face *f)
{
	struct census *cs = p;
	float d = 0;
	int i;

	for (i = 0; i < DIM; i++) {
		float x = f->descriptor[i] - (i == cs->k);

		d += x * x;
	}
	cs->n += sqrtf(d) < 0.5f;
	return 0;
}

/* What the store holds, read through a handle of its own. */
static void
census(int64_t *customers, int64_t *visits, int64_t *samples_of_k, int k,
    int64_t *footfall)
{
	ft_store *s = open_store();
	ft_customer_filter cf = { 0 };
	ft_visit_filter vf = { 0 };
	struct census c = { k, 0 }, v = { k, 0 }, f = { k, 0 };

	if (ft_store_customers(s, &cf, count_customer, &c) != FT_OK ||
	    ft_store_visits(s, &vf, count_visit, &v) != FT_OK ||
	    ft_store_faces(s, 0, 0, count_near, &f) != FT_OK ||
	    ft_store_count_footfall(s, 0, 0, footfall) != FT_OK)
		fprintf(stderr, "# census: %s\n", ft_store_errmsg(s));
	*customers = c.n;
	*visits = v.n;
	*samples_of_k = f.n;
	ft_store_close(s);
}

/* Enrol person k with consent. */
static int64_t
enrol_consented(const char *name, int k)
{
	ft_customer c = { 0 };
	int64_t id = enrol(name, k, 0, 0, 3);

	c.id = id;
	c.consent = 1;
	if (ft_store_customer_update(other, &c, FT_FIELD_CONSENT) != FT_OK)
		exit(1);
	return id;
}

/* Five frames, 100 ms apart from ts, of the persons k[0..n) side by
 * side; what the last frame showed stays in seen, and the totals over
 * all five in *tot. */
static void
frames(ft_recognizer *r, int64_t ts, const int *k, int n, struct seen *tot)
{
	int i, j;

	memset(tot, 0, sizeof *tot);
	for (i = 0; i < 5; i++) {
		for (j = 0; j < n; j++)
			face(100 + 200 * j, k[j], 0.05f, i);
		frame(r, ts + i * 100, 0);
		tot->visits += seen.visits;
		tot->new_customers += seen.new_customers;
		tot->footfalls += seen.footfalls;
		tot->descriptors += seen.descriptors;
	}
}

/*
 * Consent required: Ann (consented) is recognised; Bo, a stranger, and
 * Cy, a customer from before without consent, are counted as footfall
 * once per track, and nothing of theirs is written or emitted.
 */
static void
test_consented(void)
{
	ft_recognizer *r;
	int64_t ann, cy, cust0, vis0, cys0, ff, cust, vis, n, bo_n;
	int people[3] = { 40, 41, 42 };	/* Ann, Bo, Cy */
	struct seen tot;
	char u[FT_UUID_LEN + 1];

	fresh_store("consented");
	mode = FT_RECOGNITION_CONSENTED;
	ann = enrol_consented("Ann", 40);
	cy = enrol(NULL, 42, 0, 0, 3);
	snprintf(u, sizeof u, "%s", uuid_of(ann));
	census(&cust0, &vis0, &cys0, 42, &ff);
	r = recogniser(0, -1);
	frames(r, 300 * MIN_MS, people, 3, &tot);
	is_str(seen.customer[0], u, "consented: Ann is recognised");
	is_int(tot.visits, 1, "consented: one visit, Ann's");
	is_str(seen.status[1], "anonymous", "consented: Bo is anonymous");
	is_str(seen.status[2], "anonymous",
	    "consented: Cy, without consent, is anonymous");
	ok(!seen.customer[1][0] && !seen.customer[2][0],
	    "consented: no customer named for Bo or Cy");
	is_int(tot.footfalls, 2, "consented: one footfall each, not per "
	    "frame");
	is_int(tot.descriptors, 5, "consented: descriptors emitted of Ann "
	    "only");
	census(&cust, &vis, &n, 41, &ff);
	is_int(cust, cust0, "consented: no customer registered");
	is_int(vis, vis0 + 1, "consented: only Ann's visit stored");
	is_int(n, 0, "consented: no sample of Bo stored");
	is_int(ff, 2, "consented: footfall 2 in the store");
	census(&cust, &vis, &n, 42, &ff);
	is_int(n, cys0, "consented: no sample added to Cy");
	(void)cy;

	/* Within the track timeout the tracks go on: no new count; after
	 * it, a new appearance counts again. */
	frames(r, 300 * MIN_MS + 1000, people + 1, 1, &tot);
	is_int(tot.footfalls, 0, "consented: the same track counts once");
	frames(r, 300 * MIN_MS + 10000, people + 1, 1, &tot);
	is_int(tot.footfalls, 1, "consented: a new appearance counts again");
	census(&cust, &vis, &bo_n, 41, &ff);
	is_int(ff, 3, "consented: footfall 3 in the store");
	is_int(bo_n, 0, "consented: still no sample of Bo");

	/* Three seconds too poor to gather (longer than the tracks'
	 * timeout) do not end Bo's track: no second count. */
	{
		int i, anonymous = 0, counts = 0;

		for (i = 0; i < 30; i++) {
			face(100, 41, 0.05f, 0);
			sy.quality[0] = 0.05;
			frame(r, 300 * MIN_MS + 10500 + i * 100, 0);
			anonymous += !strcmp(seen.status[0], "anonymous");
			counts += seen.footfalls;
		}
		frames(r, 300 * MIN_MS + 13500, people + 1, 1, &tot);
		is_int(anonymous, 30, "consented: poor faces of a counted "
		    "track stay anonymous");
		is_int(counts + tot.footfalls, 0,
		    "consented: and the track is not counted again");
	}

	/* A counted track is described now and then, not every frame
	 * (without --descriptors, which describes every face). */
	{
		ft_recognizer *r2;
		int i, before;

		no_descriptors = 1;
		r2 = recogniser(0, -1);
		no_descriptors = 0;
		frames(r2, 350 * MIN_MS, people + 1, 1, &tot);
		before = sy.described;
		for (i = 0; i < 20; i++) {
			face(100, 41, 0.05f, 0);
			frame(r2, 350 * MIN_MS + 500 + i * 100, 0);
		}
		is_str(seen.status[0], "anonymous",
		    "consented: the counted track stays anonymous");
		ok(sy.described - before <= 2, "consented: its face described "
		    "%d times in 20 frames", sy.described - before);
		ft_recognize_free(r2);
	}

	/* Ann withdraws her consent: from the next frame she is nobody. */
	{
		ft_customer c = { 0 };

		c.id = ann;
		c.consent = 0;
		ft_store_customer_update(other, &c, FT_FIELD_CONSENT);
	}
	frames(r, 400 * MIN_MS, people, 1, &tot);
	ok(strcmp(seen.customer[0], u) != 0 && tot.visits == 0,
	    "consented: consent withdrawn, Ann is not recognised");
	ft_recognize_free(r);
	mode = FT_RECOGNITION_ALL;
}

/* Anonymous: nobody is described, matched or registered; every track
 * is one visit of footfall. */
static void
test_anonymous(void)
{
	ft_recognizer *r;
	int64_t cust0, vis0, ann0, ff, cust, vis, n;
	int people[2] = { 50, 51 };	/* Ann (consented), Bo */
	int before = sy.described;
	struct seen tot;

	fresh_store("anonymous");
	mode = FT_RECOGNITION_ANONYMOUS;
	enrol_consented("Ann", 50);
	census(&cust0, &vis0, &ann0, 50, &ff);
	r = recogniser(0, -1);
	frames(r, 500 * MIN_MS, people, 2, &tot);
	is_int(sy.described - before, 0, "anonymous: no face described");
	is_str(seen.status[0], "anonymous",
	    "anonymous: even Ann is anonymous");
	ok(!seen.customer[0][0], "anonymous: no customer named");
	is_int(tot.visits + tot.new_customers, 0,
	    "anonymous: no visit, nobody registered");
	is_int(tot.footfalls, 2, "anonymous: one footfall per person");
	is_int(tot.descriptors, 0, "anonymous: no descriptor emitted");
	census(&cust, &vis, &n, 51, &ff);
	ok(cust == cust0 && vis == vis0 && n == 0,
	    "anonymous: no customer, visit or sample written");
	is_int(ff, 2, "anonymous: footfall 2 in the store");
	ft_recognize_free(r);
	mode = FT_RECOGNITION_ALL;
}

/* The default mode registers the same stranger: the tests above would
 * see a customer were the mode ignored. */
static void
test_all_registers(void)
{
	ft_recognizer *r;
	int64_t cust0, vis, n, ff, cust;
	int bo = 41;
	struct seen tot;

	fresh_store("all");
	census(&cust0, &vis, &n, 41, &ff);
	r = recogniser(0, -1);
	frames(r, 600 * MIN_MS, &bo, 1, &tot);
	census(&cust, &vis, &n, 41, &ff);
	ok(cust == cust0 + 1 && n > 0 && ff == 0,
	    "all: the stranger is registered with samples, no footfall");
	ft_recognize_free(r);
}

static int
count_face(void *ctx, const ft_face *f)
{
	(void)f;
	++*(int *)ctx;
	return 0;
}

static int
samples_of(int64_t id)
{
	int n = 0;

	ft_store_faces(store, id, 0, count_face, &n);
	return n;
}

/* A face 0.35 from Ann (a new look at her: a sample is added) and 0.46
 * from Bob, whose one sample lies 0.30 from Ann's.  Once the two are
 * marked two people, such a face is no longer added to Ann's samples. */
static void
test_different(void)
{
	ft_recognizer *r;
	int64_t ann, bob;
	int marked;

	for (marked = 0; marked < 2; marked++) {
		fresh_store(marked ? "different" : "not-different");
		ann = enrol("Ann", 40, 0, 0, 1);
		bob = enrol("Bob", 40, 0.30f, 1, 1);
		r = recogniser(1, 0);
		if (marked && ft_store_different_add(other, bob, ann) != FT_OK)
			fprintf(stderr, "# %s\n", ft_store_errmsg(other));
		face(100, 40, 0.35f, 2);
		frame(r, 50000, 1);
		is_str(seen.customer[0], uuid_of(ann), "%s: the face is Ann's",
		    marked ? "marked" : "not marked");
		is_int(samples_of(ann), marked ? 1 : 2, marked ?
		    "marked two people: no sample added to Ann" :
		    "not marked: the face is added to Ann's samples");
		is_int(samples_of(bob), 1, "none to Bob");
		ft_recognize_free(r);
	}
}

static int
last_visit_id(void *ctx, const ft_visit *v)
{
	*(int64_t *)ctx = v->id;
	return 0;
}

/* A visit removed by another process: the next sighting, within what
 * was the gap, counts as a visit again. */
static void
test_unvisit(void)
{
	ft_visit_filter f = { 0 };
	ft_recognizer *r;
	int64_t vid = 0;

	fresh_store("unvisit");
	f.customer_id = enrol("Ivy", 50, 0, 0, 3);
	r = recogniser(0, -1);
	face(100, 50, 0.1f, 0);
	frame(r, 300 * MIN_MS, 0);
	is_int(seen.visits, 1, "Ivy's visit");
	ft_store_visits(other, &f, last_visit_id, &vid);
	is_int(ft_store_visit_remove(other, vid, NULL), FT_OK,
	    "another process removes it");
	face(100, 50, 0.1f, 0);
	frame(r, 305 * MIN_MS, 0);
	is_int(seen.visits, 1, "five minutes later: a visit again");
	ft_recognize_free(r);
}

struct crops {
	int samples, crops, chips;	/* chips: 150x150 JPEGs */
};

static int
count_crop(void *p, const ft_face *f)
{
	struct crops *c = p;
	unsigned char *jpeg;
	ft_image img = { 0 };
	char *err = NULL;
	size_t len;

	c->samples++;
	if (ft_store_face_crop(store, f->id, &jpeg, &len) != FT_OK)
		return 0;
	c->crops++;
	if (!ft_image_decode(jpeg, len, &img, &err) &&
	    img.width == FT_FACE_CHIP && img.height == FT_FACE_CHIP)
		c->chips++;
	ft_image_clear(&img);
	free(err);
	free(jpeg);
	return 0;
}

/* A stranger on a stream registers after three sightings: each of the
 * samples gathered over those frames keeps the crop of its own frame
 * (kept by the recogniser until the registration); none without crops. */
static void
test_crops(void)
{
	struct crops c = { 0 };
	ft_recognizer *r;
	int i;

	mode = FT_RECOGNITION_ALL;
	for (no_crops = 0; no_crops < 2; no_crops++) {
		fresh_store(no_crops ? "nocrops" : "crops");
		r = recogniser(0, -1);
		for (i = 0; i < 4; i++) {
			face(200, 60, 0.05f, i);
			frame(r, 20000 + i * 100, 0);
		}
		ft_recognize_free(r);
		memset(&c, 0, sizeof c);
		ft_store_faces(store, 0, 0, count_crop, &c);
		if (!no_crops) {
			ok(c.samples >= 2 && c.crops == c.samples,
			    "crops: every sample of a stream's stranger has "
			    "one (%d of %d)", c.crops, c.samples);
			is_int(c.chips, c.crops, "crops: each a 150x150 JPEG");
		} else {
			ok(c.samples >= 2 && c.crops == 0,
			    "crops off: samples (%d), no crop", c.samples);
		}
	}
	no_crops = 0;
}

/* A stranger whose face stays too poor to register (quality below
 * min_quality), alone in view: described at its first two frames and
 * then only every steady_frames frames, reported unknown throughout;
 * its quality is looked at every third frame, and once the face is good
 * enough it is described again and registers as usual. */
static void
test_poor(void)
{
	ft_recognizer *r;
	ft_match_config mc;
	int i, unknown = 0, fresh = 0, before, n;
	int64_t t;

	ft_match_config_default(&mc);
	n = 2 + 2 * mc.steady_frames;
	fresh_store("poor");
	r = recogniser(0, -1);
	sy.described = 0;
	for (i = 0; i < n; i++) {
		face(200, 7, 0.05f, i % 20);
		sy.quality[0] = i % 2 ? 0.10 : 0.12;
		frame(r, 10000 + i * 100, 0);
		unknown += !strcmp(seen.status[0], "unknown");
	}
	is_int(unknown, n, "a poor face is reported unknown in every frame");
	is_int(sy.described, 4, "and described only at its first two frames "
	    "and every %dth", mc.steady_frames);
	t = 10000 + n * 100;
	for (i = 0; i < 3; i++) {
		face(200, 7, 0.05f, i);
		sy.quality[0] = 0.14;
		frame(r, t + i * 100, 0);
	}
	is_int(sy.described, 4, "a small gain is not enough");
	before = sy.described;
	for (i = 0; i < 5; i++) {
		face(200, 7, 0.05f, i);
		frame(r, t + 400 + i * 100, 0);
		fresh += seen.new_customers;
	}
	is_int(sy.described - before, 3,
	    "a face good enough to register is described within 3 frames");
	is_int(fresh, 1, "and registers on its third sighting");
	ft_recognize_free(r);
}

/*
 * Newcomers are searched for on the whole frame every sixth frame at
 * first, less often while nobody new comes, never more than 15 frames
 * apart; a newcomer is found within those and brings the searches back
 * to every sixth frame.
 */
/* Feed n frames 33 ms apart from 10 s, with one face in each when
 * with_face; the whole-frame searches among them, the widest gap in
 * frames between two into *widest, the last one's frame into *last. */
static int
whole_searches(ft_recognizer *r, int n, int with_face, int *widest,
    int *last)
{
	int i, searches = 0;

	*widest = *last = 0;
	for (i = 0; i < n; i++) {
		int before = sy.whole;

		if (with_face)
			face(100, 1, 0.05f, 0);
		frame(r, 10000 + i * 33, 0);
		if (sy.whole > before) {
			searches++;
			if (i - *last > *widest)
				*widest = i - *last;
			*last = i;
		}
	}
	return searches;
}

static void
test_newcomer_searches(void)
{
	ft_recognizer *r;
	int i, last = 0, widest = 0, searches = 0, found = -1, after = -1;

	fresh_store("newcomers");
	r = recogniser(0, -1);
	sy.whole = 0;
	searches = whole_searches(r, 60, 1, &widest, &last);
	ok(searches < 60 / 7 && widest <= 16,
	    "one face in view for 60 frames: %d searches for newcomers, at "
	    "most %d frames apart", searches, widest);
	last = -1;
	for (i = 0; i < 40; i++) {
		int before = sy.whole;

		face(100, 1, 0.05f, 0);
		face(400, 2, 0.05f, 0);
		frame(r, 12000 + i * 33, 0);
		if (found < 0 && seen.faces == 2)
			found = i;
		if (sy.whole > before && found >= 0 && i > found) {
			if (last >= 0 && after < 0)
				after = i - last;
			last = i;
		}
		if (sy.whole > before && found >= 0 && i == found)
			last = i;
	}
	ok(found >= 0 && found <= 15 && after == 7,
	    "a newcomer is found within 15 frames (%d), and the searches "
	    "come every 7th frame again (%d)", found, after);
	ft_recognize_free(r);
}

/* An empty scene is searched whole once every 100 ms of the frames'
 * times, not at every frame: at 30 frames/s every third or fourth frame,
 * at 10 frames/s every frame, and every sixth when the frames all have
 * one time.  Someone entering is found at the next of those searches. */
static void
test_empty_searches(void)
{
	ft_recognizer *r;
	int i, searches = 0, widest = 0, last = 0, found = -1;

	fresh_store("empty");
	r = recogniser(0, -1);
	sy.whole = 0;
	searches = whole_searches(r, 57, 0, &widest, &last);
	ok(searches >= 14 && searches <= 19 && widest == 4,
	    "57 empty frames at 30 frames/s: %d whole searches, at most %d "
	    "frames apart", searches, widest);
	/* In just after a search. */
	for (i = 0; i < 10 && found < 0; i++) {
		face(100, 1, 0.05f, 0);
		frame(r, 10000 + (last + 1 + i) * 33, 0);
		if (seen.faces == 1)
			found = i;
	}
	ok(found >= 1 && found <= 4, "someone entering is found within 4 "
	    "frames (%d)", found);
	ft_recognize_free(r);

	r = recogniser(0, -1);
	sy.whole = 0;
	for (i = 0; i < 20; i++)
		frame(r, 20000 + i * 100, 0);
	is_int(sy.whole, 20, "at 10 frames/s every empty frame is searched");
	sy.whole = 0;
	for (i = 0; i < 30; i++)
		frame(r, 30000, 0);
	is_int(sy.whole, 5, "frames of one time: every 6th is searched");
	ft_recognize_free(r);
}

int
main(void)
{
	char cmd[128];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	plan(33 + 33 + 9 + 5 + 2 + 4);
	fresh_store("one");
	test_sightings();
	test_one_to_one();
	test_strict();
	test_margin();
	test_visit_gap();
	test_follow();
	test_no_store();
	test_consented();
	test_anonymous();
	test_all_registers();
	test_different();
	test_unvisit();
	test_crops();
	test_poor();
	test_newcomer_searches();
	test_empty_searches();
	ft_store_close(store);
	ft_store_close(other);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", dir);
	return done();
}
