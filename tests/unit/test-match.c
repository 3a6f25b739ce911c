/*
 * Unit tests of lib/match: tracks, one-to-one assignment, the stricter
 * threshold for untrusted customers, the lead over the crowd,
 * registration after N sightings, visit debounce by the frames' own
 * times and how often known faces are described again.  No images: faces are boxes,
 * qualities and made-up candidates.
 */
#include "match.h"
#include "tap.h"

#include <stdlib.h>

static float desc_a[FT_DESCRIPTOR_DIM], desc_b[FT_DESCRIPTOR_DIM];
static int lookups;
static int64_t stored_last;	/* what the "store" says of customer 7 */

static int64_t
last_seen(void *ctx, int64_t customer, const char *source)
{
	lookups++;
	return customer == 7 ? stored_last : 0;
}

static ft_match_face
face(float x, float y, double q, const float *d)
{
	ft_match_face f = { { x, y, 100, 100 }, q, d, { { 0 } }, 0, 0 };

	return f;
}

static void
cand(ft_match_face *f, int64_t id, float dist, int trusted)
{
	f->cand[f->ncand].customer_id = id;
	f->cand[f->ncand].distance = dist;
	f->cand[f->ncand].trusted = trusted;
	f->ncand++;
}

/* One frame through both steps, describing every face that needs it. */
static void
frame(ft_match *m, const char *src, int64_t ts, ft_match_face *f, int n,
      ft_match_result *r, int *need)
{
	ft_match_track(m, src, ts, f, n, need);
	for (int i = 0; i < n; i++)
		if (!need[i])
			f[i].descriptor = NULL;
	ft_match_identify(m, src, ts, f, n, r);
}

static void
test_iou(void)
{
	float a[4] = { 0, 0, 10, 10 }, b[4] = { 5, 0, 10, 10 };
	float c[4] = { 20, 20, 5, 5 };

	ok(ft_match_iou(a, a) > 0.999, "a box overlaps itself fully");
	ok(ft_match_iou(a, b) > 0.33 && ft_match_iou(a, b) < 0.34,
	   "half-shifted boxes: IoU 1/3");
	is_int((int64_t)(ft_match_iou(a, c) * 1000), 0, "apart: IoU 0");
}

static void
test_known_and_visits(void)
{
	ft_match_config c;
	ft_match *m;
	ft_match_face f[1];
	ft_match_result r[1];
	int need[1];
	int64_t t0 = 1000000000000LL;

	ft_match_config_default(&c);
	stored_last = t0 - 10 * 60 * 1000;	/* seen 10 minutes ago */
	lookups = 0;
	m = ft_match_new(&c, last_seen, NULL);

	f[0] = face(10, 10, 0.9, desc_a);
	cand(&f[0], 7, 0.3f, 1);
	frame(m, "door", t0, f, 1, r, need);
	is_int(r[0].status, FT_MATCH_KNOWN, "a near trusted match is known");
	is_int(r[0].customer_id, 7, "and names the customer");
	is_int(r[0].visit, 0, "seen 10 minutes before: no new visit");
	is_int(lookups, 1, "the store is asked once");

	/* The same track a moment later needs no descriptor. */
	f[0] = face(12, 11, 0.9, desc_a);
	ft_match_track(m, "door", t0 + 100, f, 1, need);
	is_int(need[0], 0, "a known track is not described every frame");
	f[0].descriptor = NULL;
	ft_match_identify(m, "door", t0 + 100, f, 1, r);
	is_int(r[0].customer_id, 7, "the track keeps its customer");

	/* Gone, then back 31 minutes after the last sighting. */
	f[0] = face(10, 10, 0.9, desc_a);
	cand(&f[0], 7, 0.35f, 1);
	frame(m, "door", t0 + 100 + 31 * 60 * 1000, f, 1, r, need);
	is_int(r[0].visit, 1, "back after the visit gap: a new visit");
	is_int(lookups, 1, "the store is not asked again");

	/* Replayed footage with earlier times adds nothing. */
	f[0] = face(10, 10, 0.9, desc_a);
	cand(&f[0], 7, 0.35f, 1);
	frame(m, "door", t0 + 5 * 60 * 1000, f, 1, r, need);
	is_int(r[0].visit, 0, "an earlier time is no new visit");

	/* Another source counts on its own. */
	f[0] = face(10, 10, 0.9, desc_a);
	cand(&f[0], 7, 0.35f, 1);
	frame(m, "till", t0 + 100 + 31 * 60 * 1000 + 5, f, 1, r, need);
	is_int(r[0].visit, 1, "another source has its own gap");
	ft_match_free(m);
}

static void
test_thresholds_and_assignment(void)
{
	ft_match_config c;
	ft_match *m;
	ft_match_face f[2];
	ft_match_result r[2];
	int need[2];

	ft_match_config_default(&c);
	m = ft_match_new(&c, NULL, NULL);
	f[0] = face(0, 0, 0.9, desc_a);
	cand(&f[0], 3, (c.threshold + c.strict_threshold) / 2, 0);
	frame(m, "door", 1000, f, 1, r, need);
	ok(r[0].status != FT_MATCH_KNOWN,
	   "an untrusted customer needs the strict threshold");
	ft_match_free(m);

	m = ft_match_new(&c, NULL, NULL);
	f[0] = face(0, 0, 0.9, desc_a);
	f[1] = face(300, 0, 0.9, desc_b);
	cand(&f[0], 5, 0.40f, 1);
	cand(&f[0], 6, 0.45f, 1);
	cand(&f[1], 5, 0.30f, 1);
	frame(m, "door", 1000, f, 2, r, need);
	is_int(r[1].customer_id, 5, "the nearer face gets the customer");
	is_int(r[0].customer_id, 6, "the other face gets its next best");
	ok(r[0].customer_id != r[1].customer_id,
	   "two faces of a frame are never one customer");
	ft_match_free(m);
}

/* The lead over the crowd: a match must stand out from the customers
 * around the face, where there are enough of them to tell. */
static void
test_crowd(void)
{
	ft_match_config c;
	ft_match *m;
	ft_match_face f[1];
	ft_match_result r[1];
	int need[1];

	ft_match_config_default(&c);
	f[0] = face(0, 0, 0.9, desc_a);
	cand(&f[0], 1, 0.40f, 1);
	cand(&f[0], 2, 0.46f, 1);
	cand(&f[0], 3, 0.48f, 1);
	cand(&f[0], 4, 0.52f, 1);
	ok(!ft_match_accepts(&c, f[0].cand, f[0].ncand, 0),
	   "below the threshold amid close customers: not a match");
	m = ft_match_new(&c, NULL, NULL);
	frame(m, "door", 1000, f, 1, r, need);
	ok(r[0].status != FT_MATCH_KNOWN, "and the matcher agrees");
	ft_match_free(m);

	f[0].cand[1].distance = 0.80f;
	f[0].cand[2].distance = 0.85f;
	f[0].cand[3].distance = 0.90f;
	ok(ft_match_accepts(&c, f[0].cand, f[0].ncand, 0),
	   "the same distance clear of the crowd: a match");
	f[0].cand[0].distance = 0.50f;
	ok(!ft_match_accepts(&c, f[0].cand, f[0].ncand, 0),
	   "never at the threshold or beyond");

	f[0] = face(0, 0, 0.9, desc_a);
	cand(&f[0], 1, 0.40f, 1);
	cand(&f[0], 2, 0.46f, 1);
	ok(ft_match_accepts(&c, f[0].cand, f[0].ncand, 0),
	   "too few others to judge: the threshold alone");
	cand(&f[0], 3, 0.48f, 1);
	cand(&f[0], 4, 0.52f, 1);
	c.cohort = 0;
	ok(ft_match_accepts(&c, f[0].cand, f[0].ncand, 0),
	   "cohort 0 turns the test off");
	c.cohort = 3;
	c.margin = 0.05f;
	ok(ft_match_accepts(&c, f[0].cand, f[0].ncand, 0),
	   "a smaller margin lets the clear-enough lead through");
	ok(!ft_match_accepts(&c, f[0].cand, f[0].ncand, 1),
	   "the second candidate is set against the first as well");
}

static void
test_registration(void)
{
	ft_match_config c;
	ft_match *m;
	ft_match_face f[1];
	ft_match_result r[1];
	int need[1], i;

	ft_match_config_default(&c);
	c.min_sightings = 3;
	m = ft_match_new(&c, NULL, NULL);
	for (i = 0; i < 2; i++) {
		f[0] = face((float)i, 0, 0.5 + 0.1 * i, desc_a);
		frame(m, "door", 1000 + i * 100, f, 1, r, need);
		is_int(r[0].status, FT_MATCH_PENDING, "sighting %d: pending",
		       i + 1);
	}
	f[0] = face(2, 0, 0.1, desc_a);
	frame(m, "door", 1200, f, 1, r, need);
	is_int(r[0].status, FT_MATCH_UNKNOWN, "a poor sighting is not counted");
	f[0] = face(3, 0, 0.9, desc_b);
	frame(m, "door", 1300, f, 1, r, need);
	is_int(r[0].status, FT_MATCH_NEW, "the third good sighting registers");
	is_int(r[0].nsamples, 3, "with the samples gathered");
	ok(r[0].samples[0] && r[0].visit, "and a visit to record");
	ft_match_registered(m, r[0].track, 42, "door", 1300);
	f[0] = face(3, 0, 0.9, desc_b);
	frame(m, "door", 1400, f, 1, r, need);
	is_int(r[0].customer_id, 42, "the track is the new customer now");
	is_int(r[0].visit, 0, "and their visit is already counted");

	/* A track that leaves before its third sighting starts over. */
	f[0] = face(500, 500, 0.9, desc_a);
	frame(m, "door", 2000, f, 1, r, need);
	f[0] = face(500, 500, 0.9, desc_a);
	frame(m, "door", 2000 + c.track_timeout_ms + 1, f, 1, r, need);
	is_int(r[0].status, FT_MATCH_PENDING, "a new track gathers anew");
	ft_match_free(m);

	c.min_sightings = 1;
	m = ft_match_new(&c, NULL, NULL);
	f[0] = face(0, 0, 0.9, desc_a);
	frame(m, "photo", 0, f, 1, r, need);
	is_int(r[0].status, FT_MATCH_NEW, "still images register at once");
	ft_match_free(m);
}

/*
 * The frames, from `from` on, at which known faces moved one pixel a
 * frame are described, counted up to `frames` frames; the frame of the
 * first description is written to *first.  Face 0 is absent at frame
 * `gap` (-1: never).
 */
static int
rechecks(ft_match *m, ft_match_face *f, int n, int from, int frames,
	 int gap, int *first)
{
	ft_match_result r[2];
	int need[2], described = 0;

	*first = 0;
	for (int k = from; k < from + frames; k++) {
		ft_match_face in[2];
		int nin = 0;

		for (int i = 0; i < n; i++) {
			f[i].box[0] += 1;
			if (i == 0 && k == gap)
				continue;
			in[nin] = f[i];
			in[nin].ncand = 0;
			cand(&in[nin], 7 + i, 0.3f, 1);
			nin++;
		}
		frame(m, "door", 1000 + k * 33, in, nin, r, need);
		for (int i = 0; i < nin; i++)
			if (need[i] && !described++)
				*first = k;
	}
	return described;
}

/*
 * A known face alone on its track is described again every
 * steady_frames; where it touches another face, or came back after a
 * frame without it, every recheck_frames.
 */
static void
test_rechecks(void)
{
	ft_match_config c;
	ft_match *m;
	ft_match_face f[2];
	int first;

	ft_match_config_default(&c);
	m = ft_match_new(&c, NULL, NULL);
	f[0] = face(0, 0, 0.9, desc_a);
	rechecks(m, f, 1, 0, 1, -1, &first);
	is_int(rechecks(m, f, 1, 1, c.steady_frames, -1, &first), 1,
	       "a lone known face: one description in steady_frames");
	is_int(first, c.steady_frames, "at the steady_frames-th frame");
	ft_match_free(m);

	m = ft_match_new(&c, NULL, NULL);
	f[0] = face(0, 0, 0.9, desc_a);
	f[1] = face(90, 0, 0.9, desc_b);
	rechecks(m, f, 2, 0, 1, -1, &first);
	is_int(rechecks(m, f, 2, 1, c.recheck_frames, -1, &first), 2,
	       "two touching known faces: each described in recheck_frames");
	is_int(first, c.recheck_frames, "at the recheck_frames-th frame");
	ft_match_free(m);

	m = ft_match_new(&c, NULL, NULL);
	f[0] = face(0, 0, 0.9, desc_a);
	rechecks(m, f, 1, 0, 1, -1, &first);
	is_int(rechecks(m, f, 1, 1, c.recheck_frames + 2,
			c.recheck_frames + 1, &first), 1,
	       "a known face back after a frame without it is described");
	is_int(first, c.recheck_frames + 2, "as soon as it is back");
	ft_match_free(m);
}

int
main(void)
{
	plan(41);
	desc_a[0] = 1;
	desc_b[1] = 1;
	test_iou();
	test_known_and_visits();
	test_thresholds_and_assignment();
	test_crowd();
	test_registration();
	test_rechecks();
	return done();
}
