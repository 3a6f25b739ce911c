/*
 * match — tracks, identities, registrations and visit debounce.
 */
#include "match.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define SOURCE_MAX 64
#define BETTER 0.05		/* quality a poor face must gain to be
				   described before its recheck */
#define PROBE_EVERY 3		/* frames between looks at a poor face's
				   quality */
#define POOR_RUN 2		/* poor descriptions in a row that make a
				   track poor: one blurred frame does not */

struct track {
	int id;
	char source[SOURCE_MAX];
	float box[4];
	int64_t last_ts;
	int64_t customer_id;	/* 0 while unknown */
	float distance;
	int since_check;	/* frames since the last descriptor */
	int seen_last;		/* tied to a face of its source's last
				   frame */
	int seen_now;		/* of this frame */
	double poor;		/* unknown and too poor to gather: the
				   quality last described; else -1 */
	int poor_run;		/* poor descriptions in a row */
	int sightings;		/* good unknown sightings gathered */
	int nsamples;
	float samples[FT_MATCH_MAX_SAMPLES][FT_DESCRIPTOR_DIM];
	double quality[FT_MATCH_MAX_SAMPLES];
};

struct seen {
	int64_t customer_id;
	char source[SOURCE_MAX];
	int64_t last;
};

struct ft_match {
	ft_match_config c;
	ft_match_last_seen_fn last_seen;
	void *ctx;
	struct track *tracks;
	int ntracks, cap;
	int next_id;
	struct seen *seen;
	size_t nseen, capseen;
};

void
ft_match_config_default(ft_match_config *c)
{
	memset(c, 0, sizeof *c);
	c->threshold = 0.5f;
	c->strict_threshold = 0.46f;
	c->trusted_samples = 3;
	c->min_sightings = 3;
	c->min_quality = 0.15;
	c->visit_gap_ms = 30 * 60 * 1000;
	c->track_timeout_ms = 2000;
	c->min_iou = 0.3;
	c->recheck_frames = 10;
	c->steady_frames = 30;
	c->samples = 3;
	c->novelty = 0.3f;
	c->cohort = 3;
	c->margin = 0.10f;
}

int
ft_match_accepts(const ft_match_config *c, const ft_match_candidate *cand,
		 int ncand, int j)
{
	float limit = cand[j].trusted ? c->threshold : c->strict_threshold;
	double sum = 0;
	int i, k = 0;

	if (cand[j].distance >= limit)
		return 0;
	if (c->cohort < 1 || ncand - 1 < c->cohort)
		return 1;
	for (i = 0; i < ncand && k < c->cohort; i++)
		if (i != j) {
			sum += cand[i].distance;
			k++;
		}
	return cand[j].distance < sum / k - c->margin;
}

ft_match *
ft_match_new(const ft_match_config *c, ft_match_last_seen_fn fn, void *ctx)
{
	ft_match *m = ft_xcalloc(1, sizeof *m);

	m->c = *c;
	if (m->c.samples < 1)
		m->c.samples = 1;
	if (m->c.samples > FT_MATCH_MAX_SAMPLES)
		m->c.samples = FT_MATCH_MAX_SAMPLES;
	if (m->c.min_sightings < 1)
		m->c.min_sightings = 1;
	m->last_seen = fn;
	m->ctx = ctx;
	m->next_id = 1;
	return m;
}

void
ft_match_free(ft_match *m)
{
	if (!m)
		return;
	free(m->tracks);
	free(m->seen);
	free(m);
}

double
ft_match_iou(const float *a, const float *b)
{
	double x0 = a[0] > b[0] ? a[0] : b[0];
	double y0 = a[1] > b[1] ? a[1] : b[1];
	double x1 = a[0] + a[2] < b[0] + b[2] ? a[0] + a[2] : b[0] + b[2];
	double y1 = a[1] + a[3] < b[1] + b[3] ? a[1] + a[3] : b[1] + b[3];
	double inter, uni;

	if (x1 <= x0 || y1 <= y0)
		return 0;
	inter = (x1 - x0) * (y1 - y0);
	uni = (double)a[2] * a[3] + (double)b[2] * b[3] - inter;
	return uni > 0 ? inter / uni : 0;
}

static struct track *
find_track(ft_match *m, int id)
{
	int i;

	for (i = 0; i < m->ntracks; i++)
		if (m->tracks[i].id == id)
			return &m->tracks[i];
	return NULL;
}

static struct track *
new_track(ft_match *m, const char *source, const float *box, int64_t ts)
{
	struct track *t;

	if (m->ntracks == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->tracks = ft_xrealloc(m->tracks, (size_t)m->cap *
					sizeof *m->tracks);
	}
	t = &m->tracks[m->ntracks++];
	memset(t, 0, sizeof *t);
	t->id = m->next_id++;
	snprintf(t->source, sizeof t->source, "%s", source);
	memcpy(t->box, box, sizeof t->box);
	t->last_ts = ts;
	t->poor = -1;
	return t;
}

/* A pair of face and track (or customer) with a score, for greedy
 * one-to-one assignment. */
struct pair {
	int face;
	int64_t other;
	double score;		/* higher is better */
	float distance;
};

static int
by_score(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->face - y->face;
}

/*
 * Whether face i, on track t, can only be t's person: the track was tied
 * to a face in the source's last frame too, and the face's box touches
 * no other face's.  Tracks follow boxes by their overlap, so a track
 * changes person only where faces meet, or where one face left and
 * another came.
 */
static int
steady(const struct track *t, const ft_match_face *faces, int n, int i)
{
	int j;

	if (!t->seen_last)
		return 0;
	for (j = 0; j < n; j++)
		if (j != i && ft_match_iou(faces[i].box, faces[j].box) > 0)
			return 0;
	return 1;
}

void
ft_match_track(ft_match *m, const char *source, int64_t ts,
	       ft_match_face *faces, int n, int *need)
{
	struct pair *pairs;
	char *face_done;
	int i, j, np = 0;

	/* Tracks of this source not seen for a while have left. */
	for (i = 0; i < m->ntracks;) {
		struct track *t = &m->tracks[i];

		if (!strcmp(t->source, source) &&
		    (ts - t->last_ts > m->c.track_timeout_ms ||
		     ts < t->last_ts))
			m->tracks[i] = m->tracks[--m->ntracks];
		else
			i++;
	}
	for (i = 0; i < m->ntracks; i++)
		if (!strcmp(m->tracks[i].source, source)) {
			m->tracks[i].seen_last = m->tracks[i].seen_now;
			m->tracks[i].seen_now = 0;
		}
	pairs = ft_xcalloc((size_t)n * (size_t)(m->ntracks + 1) + 1,
			   sizeof *pairs);
	face_done = ft_xcalloc((size_t)n + 1, 1);
	for (i = 0; i < n; i++) {
		faces[i].track = 0;
		for (j = 0; j < m->ntracks; j++) {
			double iou;

			if (strcmp(m->tracks[j].source, source))
				continue;
			iou = ft_match_iou(faces[i].box, m->tracks[j].box);
			if (iou >= m->c.min_iou) {
				pairs[np].face = i;
				pairs[np].other = m->tracks[j].id;
				pairs[np].score = iou;
				np++;
			}
		}
	}
	qsort(pairs, (size_t)np, sizeof *pairs, by_score);
	for (i = 0; i < np; i++) {
		struct track *t = find_track(m, (int)pairs[i].other);
		int taken = 0;

		if (face_done[pairs[i].face] || !t)
			continue;
		for (j = 0; j < n; j++)
			if (faces[j].track == t->id)
				taken = 1;
		if (taken)
			continue;
		faces[pairs[i].face].track = t->id;
		face_done[pairs[i].face] = 1;
	}
	for (i = 0; i < n; i++) {
		struct track *t;

		if (!faces[i].track)
			faces[i].track = new_track(m, source, faces[i].box,
						   ts)->id;
		t = find_track(m, faces[i].track);
		memcpy(t->box, faces[i].box, sizeof t->box);
		t->last_ts = ts;
		t->seen_now = 1;
		if (!t->customer_id && t->poor < 0)
			need[i] = FT_MATCH_DESCRIBE;
		else if (++t->since_check >= (steady(t, faces, n, i) ?
			 m->c.steady_frames : m->c.recheck_frames))
			need[i] = FT_MATCH_DESCRIBE;
		else if (!t->customer_id &&
			 t->since_check % PROBE_EVERY == 0)
			need[i] = FT_MATCH_IF_BETTER;
		else
			need[i] = FT_MATCH_SKIP;
	}
	free(pairs);
	free(face_done);
}

int
ft_match_improved(const ft_match *m, int track, double q)
{
	int i;

	for (i = 0; i < m->ntracks; i++)
		if (m->tracks[i].id == track)
			return m->tracks[i].poor < 0 ||
			       q >= m->c.min_quality ||
			       q >= m->tracks[i].poor + BETTER;
	return 1;
}

static struct seen *
seen_entry(ft_match *m, int64_t customer_id, const char *source)
{
	struct seen *e;
	size_t i;

	for (i = 0; i < m->nseen; i++)
		if (m->seen[i].customer_id == customer_id &&
		    !strcmp(m->seen[i].source, source))
			return &m->seen[i];
	if (m->nseen == m->capseen) {
		m->capseen = m->capseen ? m->capseen * 2 : 64;
		m->seen = ft_xrealloc(m->seen, m->capseen * sizeof *m->seen);
	}
	e = &m->seen[m->nseen++];
	e->customer_id = customer_id;
	snprintf(e->source, sizeof e->source, "%s", source);
	e->last = m->last_seen ? m->last_seen(m->ctx, customer_id, source) : 0;
	return e;
}

/* A sighting of customer at ts: a visit when unseen for the gap. */
static int
sighting(ft_match *m, int64_t customer_id, const char *source, int64_t ts)
{
	struct seen *e = seen_entry(m, customer_id, source);
	int visit = !e->last || ts - e->last >= m->c.visit_gap_ms;

	if (ts > e->last)
		e->last = ts;
	return visit;
}

/* Keep the best samples of an unknown track, by quality. */
static void
gather(ft_match *m, struct track *t, const float *d, double q)
{
	int i, worst = 0;

	if (t->nsamples < m->c.samples) {
		i = t->nsamples++;
	} else {
		for (i = 1; i < t->nsamples; i++)
			if (t->quality[i] < t->quality[worst])
				worst = i;
		if (q <= t->quality[worst])
			return;
		i = worst;
	}
	memcpy(t->samples[i], d, sizeof t->samples[i]);
	t->quality[i] = q;
}

void
ft_match_identify(ft_match *m, const char *source, int64_t ts,
		  ft_match_face *faces, int n, ft_match_result *out)
{
	struct pair *pairs;
	int64_t *claimed;
	int i, j, np = 0, nclaimed = 0;

	memset(out, 0, (size_t)n * sizeof *out);
	pairs = ft_xcalloc((size_t)n * FT_MATCH_MAX_CANDIDATES + 1,
			   sizeof *pairs);
	claimed = ft_xcalloc((size_t)n + 1, sizeof *claimed);
	for (i = 0; i < n; i++) {
		out[i].track = faces[i].track;
		out[i].customer_id = 0;
		out[i].distance = -1;
		out[i].status = FT_MATCH_UNKNOWN;
	}
	/* Faces on known tracks that were not described keep their
	 * customer, and claim them first. */
	for (i = 0; i < n; i++) {
		struct track *t = find_track(m, faces[i].track);

		if (faces[i].descriptor || !t || !t->customer_id)
			continue;
		out[i].status = FT_MATCH_KNOWN;
		out[i].customer_id = t->customer_id;
		out[i].distance = t->distance;
		claimed[nclaimed++] = t->customer_id;
	}
	for (i = 0; i < n; i++) {
		if (!faces[i].descriptor)
			continue;
		for (j = 0; j < faces[i].ncand &&
		     j < FT_MATCH_MAX_CANDIDATES; j++) {
			const ft_match_candidate *c = &faces[i].cand[j];

			if (!ft_match_accepts(&m->c, faces[i].cand,
			    faces[i].ncand, j))
				continue;
			pairs[np].face = i;
			pairs[np].other = c->customer_id;
			pairs[np].score = -c->distance;
			pairs[np].distance = c->distance;
			np++;
		}
	}
	qsort(pairs, (size_t)np, sizeof *pairs, by_score);
	for (i = 0; i < np; i++) {
		int taken = 0;

		if (out[pairs[i].face].status == FT_MATCH_KNOWN)
			continue;
		for (j = 0; j < nclaimed; j++)
			if (claimed[j] == pairs[i].other)
				taken = 1;
		if (taken)
			continue;
		out[pairs[i].face].status = FT_MATCH_KNOWN;
		out[pairs[i].face].customer_id = pairs[i].other;
		out[pairs[i].face].distance = pairs[i].distance;
		claimed[nclaimed++] = pairs[i].other;
	}
	for (i = 0; i < n; i++) {
		struct track *t = find_track(m, faces[i].track);
		ft_match_result *r = &out[i];

		if (!t)
			continue;
		if (r->status == FT_MATCH_KNOWN) {
			if (faces[i].descriptor) {
				t->since_check = 0;
				r->add_sample = faces[i].quality >=
					m->c.min_quality &&
					r->distance > m->c.novelty;
			}
			t->customer_id = r->customer_id;
			t->distance = r->distance;
			t->poor = -1;
			t->poor_run = 0;
			t->nsamples = t->sightings = 0;
			r->visit = sighting(m, r->customer_id, source, ts);
			continue;
		}
		if (t->customer_id) {
			/* A known track whose recheck missed (a turned head):
			 * the track's continuity still names the person,
			 * unless another face took that customer. */
			int taken = 0;

			for (j = 0; j < nclaimed; j++)
				if (claimed[j] == t->customer_id)
					taken = 1;
			if (!taken) {
				r->status = FT_MATCH_KNOWN;
				r->customer_id = t->customer_id;
				r->distance = t->distance;
				claimed[nclaimed++] = t->customer_id;
				r->visit = sighting(m, r->customer_id, source,
						    ts);
				continue;
			}
			t->customer_id = 0;
		}
		if (!faces[i].descriptor)
			continue;	/* UNKNOWN: poor, not described again */
		if (faces[i].quality < m->c.min_quality) {
			if (++t->poor_run >= POOR_RUN)
				t->poor = faces[i].quality;
			t->since_check = 0;
			continue;	/* UNKNOWN: too poor to gather */
		}
		t->poor = -1;
		t->poor_run = 0;
		gather(m, t, faces[i].descriptor, faces[i].quality);
		t->sightings++;
		if (t->sightings < m->c.min_sightings) {
			r->status = FT_MATCH_PENDING;
			continue;
		}
		r->status = FT_MATCH_NEW;
		r->visit = 1;
		r->nsamples = t->nsamples;
		for (j = 0; j < t->nsamples; j++) {
			r->samples[j] = t->samples[j];
			r->sample_quality[j] = t->quality[j];
		}
	}
	free(pairs);
	free(claimed);
}

void
ft_match_registered(ft_match *m, int track, int64_t customer_id,
		    const char *source, int64_t ts)
{
	struct track *t = find_track(m, track);

	if (t) {
		t->customer_id = customer_id;
		t->distance = 0;
		t->poor = -1;
		t->poor_run = 0;
		t->nsamples = t->sightings = 0;
		t->since_check = 0;
	}
	sighting(m, customer_id, source, ts);
}

void
ft_match_drop_customer(ft_match *m, int64_t customer_id)
{
	size_t i;
	int j;

	for (j = 0; j < m->ntracks; j++)
		if (m->tracks[j].customer_id == customer_id)
			m->tracks[j].customer_id = 0;
	for (i = 0; i < m->nseen;) {
		if (m->seen[i].customer_id == customer_id)
			m->seen[i] = m->seen[--m->nseen];
		else
			i++;
	}
}

void
ft_match_end_tracks(ft_match *m, const char *source)
{
	int i;

	for (i = 0; i < m->ntracks;) {
		if (!strcmp(m->tracks[i].source, source))
			m->tracks[i] = m->tracks[--m->ntracks];
		else
			i++;
	}
}
