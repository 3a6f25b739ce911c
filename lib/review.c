/*
 * review — the search object, duplicate suggestions and calibration.
 *
 * The object keeps its own copy of the samples (ids, owners and
 * descriptors, in the order read) beside the index: suggestions measure
 * every sample of a candidate pair, which the index does not hand out.
 */
#include "review.h"
#include "index.h"
#include "match.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DIM FT_DESCRIPTOR_DIM

/*
 * Suggestions make an index of their own each time; a search by photo
 * compares the photo with every sample (some 10 ms at 300,000 samples),
 * cheaper than an index for a program that searches once.  Each
 * customer's medoid queries the index of every sample: exact up to
 * REVIEW_APPROX_ABOVE samples, beyond which the n-by-n search would cost
 * n squared, then an IVF index of about sqrt(n) clusters, each query
 * visiting SUGGEST_NPROBE of them (some 2,300 samples at 300,000); a
 * pair missed by one customer's query is found by the other's.
 */
#define REVIEW_APPROX_ABOVE 10000
#define SUGGEST_NPROBE 4

struct ft_review {
	size_t n, cap;		/* samples held, room for */
	int64_t *fid, *cid;	/* each sample's face and customer */
	float *d;		/* their descriptors, DIM floats each */
	int64_t last_event;	/* the feed read up to here */
	char err[256];
};

static int
fail(ft_review *r, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return rc;
}

static int
store_fail(ft_review *r, ft_store *s, int rc)
{
	return fail(r, rc, "%s", ft_store_errmsg(s));
}

/* Euclidean distance, summed in eight lanes so that the compiler can
 * use vector instructions (one running sum would fix the order). */
static float
dist(const float *a, const float *b)
{
	float lane[8] = { 0 };
	int i, k;

	for (i = 0; i < DIM; i += 8)
		for (k = 0; k < 8; k++) {
			float t = a[i + k] - b[i + k];

			lane[k] += t * t;
		}
	return sqrtf(((lane[0] + lane[1]) + (lane[2] + lane[3])) +
	    ((lane[4] + lane[5]) + (lane[6] + lane[7])));
}

/* --- the samples, kept in step with the store --- */

static int
keep_sample(void *p, const ft_face *f)
{
	ft_review *r = p;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->fid = ft_xrealloc(r->fid, r->cap * sizeof *r->fid);
		r->cid = ft_xrealloc(r->cid, r->cap * sizeof *r->cid);
		r->d = ft_xrealloc(r->d, r->cap * DIM * sizeof *r->d);
	}
	r->fid[r->n] = f->id;
	r->cid[r->n] = f->customer_id;
	memcpy(&r->d[r->n * DIM], f->descriptor, DIM * sizeof(float));
	r->n++;
	return 0;
}

/* Read the samples after the newest held. */
static int
catch_up(ft_review *r, ft_store *s)
{
	size_t first = r->n;
	int64_t after = first ? r->fid[first - 1] : 0;
	int rc = ft_store_faces(s, 0, after, keep_sample, r);

	if (rc != FT_OK) {
		r->n = first;
		return store_fail(r, s, rc);
	}
	return FT_OK;
}

/* Everything afresh: the feed's position first, so that no change made
 * while the samples are read goes unseen. */
static int
rebuild(ft_review *r, ft_store *s)
{
	int rc = ft_store_last_event(s, &r->last_event);

	if (rc != FT_OK)
		return store_fail(r, s, rc);
	r->n = 0;
	return catch_up(r, s);
}

int
ft_review_new(ft_store *s, ft_review **out, char *err, size_t errlen)
{
	ft_review *r = ft_xcalloc(1, sizeof *r);
	int rc = rebuild(r, s);

	if (rc != FT_OK) {
		ft_seterr(err, errlen, "%s", r->err);
		ft_review_free(r);
		*out = NULL;
		return rc;
	}
	*out = r;
	return FT_OK;
}

void
ft_review_free(ft_review *r)
{
	if (!r)
		return;
	free(r->fid);
	free(r->cid);
	free(r->d);
	free(r);
}

struct feed {
	ft_review *r;
	int rebuild;
};

/* Visits, profile changes and marks leave the samples alone; a merge, a
 * forget, a split, a removed sample, and whatever comes later may not. */
static int
feed_event(void *p, const ft_event *e)
{
	static const char *const harmless[] = {
		"visit", "customer", "unvisit", "different"
	};
	struct feed *f = p;
	size_t i;

	for (i = 0; i < sizeof harmless / sizeof *harmless; i++)
		if (!strcmp(e->kind, harmless[i]))
			break;
	if (i == sizeof harmless / sizeof *harmless)
		f->rebuild = 1;
	if (e->id > f->r->last_event)
		f->r->last_event = e->id;
	return 0;
}

int
ft_review_refresh(ft_review *r, ft_store *s)
{
	struct feed f = { r, 0 };
	int rc = ft_store_events(s, r->last_event, 0, feed_event, &f);

	if (rc != FT_OK)
		return store_fail(r, s, rc);
	return f.rebuild ? rebuild(r, s) : catch_up(r, s);
}

size_t
ft_review_samples(const ft_review *r)
{
	return r->n;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

size_t
ft_review_customers(const ft_review *r)
{
	int64_t *ids;
	size_t i, n = 0;

	if (!r->n)
		return 0;
	ids = ft_xmalloc(r->n * sizeof *ids);
	memcpy(ids, r->cid, r->n * sizeof *ids);
	qsort(ids, r->n, sizeof *ids, cmp_i64);
	for (i = 0; i < r->n; i++)
		n += !i || ids[i] != ids[i - 1];
	free(ids);
	return n;
}

const char *
ft_review_errmsg(const ft_review *r)
{
	return r->err;
}

/* --- search by photo --- */

/* Put customer cid at distance d into the n nearest out[0..*n) (at
 * most max, nearest first, one hit a customer). */
static void
keep_nearest(ft_review_hit *out, int *n, int max, int64_t cid, float d)
{
	int i, at;

	for (i = 0; i < *n && out[i].customer_id != cid; i++)
		;
	if (i < *n) {
		if (out[i].distance <= d)
			return;
		at = i;		/* nearer: move it up from there */
	} else if (*n < max) {
		at = (*n)++;
	} else {
		at = max - 1;
	}
	for (; at > 0 && out[at - 1].distance > d; at--)
		out[at] = out[at - 1];
	out[at].customer_id = cid;
	out[at].distance = d;
}

int
ft_review_search(ft_review *r, const float *d, ft_review_hit *out, int max)
{
	size_t i;
	int n = 0;

	if (max > FT_REVIEW_MAX_HITS)
		max = FT_REVIEW_MAX_HITS;
	for (i = 0; i < r->n && max > 0; i++) {
		float x = dist(d, &r->d[i * DIM]);

		if (n < max || x < out[n - 1].distance)
			keep_nearest(out, &n, max, r->cid[i], x);
	}
	return n;
}

/* --- duplicate suggestions --- */

void
ft_review_suggest_opts_default(ft_review_suggest_opts *o)
{
	o->limit = FT_REVIEW_SUGGEST_LIMIT;
	o->neighbours = FT_REVIEW_NEIGHBOURS;
	o->max_distance = FT_REVIEW_MAX_DISTANCE;
}

/* A customer's samples: order[first .. first + n) of the object's. */
struct cust {
	int64_t id;
	size_t first, n;
};

/* Two customer ids, a < b. */
struct idpair {
	int64_t a, b;
};

static int
cmp_idpair(const void *p, const void *q)
{
	const struct idpair *x = p, *y = q;

	if (x->a != y->a)
		return (x->a > y->a) - (x->a < y->a);
	return (x->b > y->b) - (x->b < y->b);
}

/* Sorting sample numbers by customer: the object being sorted. */
static const int64_t *sort_cid;

static int
cmp_by_customer(const void *p, const void *q)
{
	size_t x = *(const size_t *)p, y = *(const size_t *)q;

	if (sort_cid[x] != sort_cid[y])
		return (sort_cid[x] > sort_cid[y]) - (sort_cid[x] < sort_cid[y]);
	return (x > y) - (x < y);
}

/* The samples grouped by customer: *order (sample numbers) and the
 * customers in id order, whose number is returned. */
static size_t
group(const ft_review *r, size_t **order, struct cust **custs)
{
	size_t i, nc = 0;

	*order = ft_xmalloc((r->n ? r->n : 1) * sizeof **order);
	*custs = ft_xmalloc((r->n ? r->n : 1) * sizeof **custs);
	for (i = 0; i < r->n; i++)
		(*order)[i] = i;
	sort_cid = r->cid;
	qsort(*order, r->n, sizeof **order, cmp_by_customer);
	for (i = 0; i < r->n; i++) {
		int64_t id = r->cid[(*order)[i]];

		if (!nc || (*custs)[nc - 1].id != id) {
			(*custs)[nc].id = id;
			(*custs)[nc].first = i;
			(*custs)[nc].n = 0;
			nc++;
		}
		(*custs)[nc - 1].n++;
	}
	return nc;
}

static const struct cust *
find_cust(const struct cust *c, size_t nc, int64_t id)
{
	size_t lo = 0, hi = nc;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c[mid].id == id)
			return &c[mid];
		if (c[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct pairs {
	struct idpair *p;
	size_t n, cap;
};

static void
pairs_add(struct pairs *ps, int64_t a, int64_t b)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 4096;
		ps->p = ft_xrealloc(ps->p, ps->cap * sizeof *ps->p);
	}
	ps->p[ps->n].a = a < b ? a : b;
	ps->p[ps->n].b = a < b ? b : a;
	ps->n++;
}

/* Sort and drop repeats. */
static void
pairs_unique(struct pairs *ps)
{
	size_t i, k = 0;

	qsort(ps->p, ps->n, sizeof *ps->p, cmp_idpair);
	for (i = 0; i < ps->n; i++)
		if (!k || cmp_idpair(&ps->p[k - 1], &ps->p[i]))
			ps->p[k++] = ps->p[i];
	ps->n = k;
}

static int
pairs_has(const struct pairs *ps, int64_t a, int64_t b)
{
	struct idpair key = { a < b ? a : b, a < b ? b : a };

	return ps->n && bsearch(&key, ps->p, ps->n, sizeof *ps->p,
	    cmp_idpair) != NULL;
}

/* Queries asked of the index at once: bounds the hits held. */
#define SUGGEST_BATCH 65536

/*
 * The most central sample of customer c: the one nearest, in sum, to
 * its other samples (the first of one or two), so never an odd one
 * while most of them agree.
 */
static size_t
medoid(const ft_review *r, const size_t *order, const struct cust *c)
{
	size_t i, j, best = order[c->first];
	float least = INFINITY;

	for (i = 0; c->n > 2 && i < c->n; i++) {
		float sum = 0;

		for (j = 0; j < c->n; j++)
			sum += dist(&r->d[order[c->first + i] * DIM],
			    &r->d[order[c->first + j] * DIM]);
		if (sum < least) {
			least = sum;
			best = order[c->first + i];
		}
	}
	return best;
}

/* Ask ix for the nearest customers of nq samples q[]; add a pair for
 * each other customer found. */
static int
ask(ft_review *r, ft_index *ix, const size_t *q, size_t nq, int k,
    ft_index_hit *hits, float *buf, struct pairs *ps)
{
	size_t i;
	int j;

	for (i = 0; i < nq; i++)
		memcpy(&buf[i * DIM], &r->d[q[i] * DIM], DIM * sizeof *buf);
	if (ft_index_search_many(ix, nq, buf, hits, k) != FT_OK)
		return fail(r, FT_EFAIL, "index: %s", ft_index_errmsg(ix));
	for (i = 0; i < nq; i++)
		for (j = 0; j < k; j++) {
			const ft_index_hit *h = &hits[i * k + j];

			if (h->face_id < 0)
				break;
			if (h->customer_id != r->cid[q[i]])
				pairs_add(ps, r->cid[q[i]], h->customer_id);
		}
	return FT_OK;
}

/* The index of every sample: exact, or IVF of about sqrt(n) clusters
 * (see REVIEW_APPROX_ABOVE); NULL when FAISS refused. */
static ft_index *
candidate_index(ft_review *r)
{
	ft_index *ix;
	int nl = 4;

	if (r->n < REVIEW_APPROX_ABOVE) {
		ix = ft_index_new(DIM, FT_INDEX_EXACT, 0);
	} else {
		/* Training costs the clusters' number squared, the scans
		 * the samples' squared over it. */
		while ((size_t)nl * nl * 4 <= r->n)
			nl *= 2;
		ix = ft_index_new(DIM, FT_INDEX_IVF, 0);
		ft_index_set_nlist(ix, nl);
		ft_index_set_nprobe(ix, SUGGEST_NPROBE);
	}
	if (ft_index_add(ix, r->n, r->fid, r->cid, r->d) != FT_OK) {
		fail(r, FT_EFAIL, "index: %s", ft_index_errmsg(ix));
		ft_index_free(ix);
		return NULL;
	}
	return ix;
}

/*
 * Candidate pairs: the nearest other customers of each customer's
 * medoid.  One query a customer rather than one a sample: at 100,000
 * customers of three samples the index's scans are what suggestions
 * cost.  The own customer may be among a query's hits, so one more is
 * asked for.
 */
static int
candidates(ft_review *r, const ft_review_suggest_opts *o,
    const size_t *order, const struct cust *custs, size_t nc,
    struct pairs *ps)
{
	int k = o->neighbours + 1, rc = FT_OK;
	size_t *med = ft_xmalloc((nc ? nc : 1) * sizeof *med), at, nq, i;
	ft_index_hit *hits;
	ft_index *ix;
	float *buf;

	for (i = 0; i < nc; i++)
		med[i] = medoid(r, order, &custs[i]);
	if (!(ix = candidate_index(r))) {
		free(med);
		return FT_EFAIL;
	}
	hits = ft_xmalloc((size_t)SUGGEST_BATCH * (size_t)k * sizeof *hits);
	buf = ft_xmalloc((size_t)SUGGEST_BATCH * DIM * sizeof *buf);
	for (at = 0; at < nc && rc == FT_OK; at += nq) {
		nq = nc - at < SUGGEST_BATCH ? nc - at : SUGGEST_BATCH;
		rc = ask(r, ix, &med[at], nq, k, hits, buf, ps);
	}
	ft_index_free(ix);
	free(hits);
	free(buf);
	free(med);
	pairs_unique(ps);
	return rc;
}

static int
cmp_float(const void *p, const void *q)
{
	float x = *(const float *)p, y = *(const float *)q;

	return (x > y) - (x < y);
}

/*
 * The distance of customers a and b: the median of the distances of
 * every sample of a to every sample of b.  One odd sample of a moves
 * 1/|a| of them, so it neither makes nor breaks the pair when a has
 * three samples or more (and moves the median by one place with two).
 */
static float
pair_distance(const ft_review *r, const size_t *order, const struct cust *a,
    const struct cust *b, float **buf, size_t *cap)
{
	size_t i, j, n = a->n * b->n;
	float *v;

	if (n > *cap) {
		*cap = n;
		*buf = ft_xrealloc(*buf, n * sizeof **buf);
	}
	v = *buf;
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++)
			v[i * b->n + j] = dist(
			    &r->d[order[a->first + i] * DIM],
			    &r->d[order[b->first + j] * DIM]);
	qsort(v, n, sizeof *v, cmp_float);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
cmp_suggestion(const void *p, const void *q)
{
	const ft_review_pair *x = p, *y = q;

	if (x->lead != y->lead)
		return x->lead > y->lead ? -1 : 1;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return (x->b > y->b) - (x->b < y->b);
}

static int
keep_different(void *ctx, int64_t a, int64_t b)
{
	pairs_add(ctx, a, b);
	return 0;
}

/* One side of a measured pair: customer, the other, their distance. */
struct side {
	int64_t cust, other;
	float d;
};

static int
cmp_side(const void *p, const void *q)
{
	const struct side *x = p, *y = q;

	if (x->cust != y->cust)
		return (x->cust > y->cust) - (x->cust < y->cust);
	return (x->d > y->d) - (x->d < y->d);
}

/* The first side of customer id in s[0..n) (sorted), or n. */
static size_t
first_side(const struct side *s, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s[mid].cust < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The crowd around customer id, leaving out other: the mean distance to
 * its cohort nearest measured customers, those missing counted at far.
 */
static float
crowd(const struct side *s, size_t n, int64_t id, int64_t other,
    int cohort, float far)
{
	size_t i = first_side(s, n, id);
	float sum = 0;
	int k = 0;

	for (; i < n && s[i].cust == id && k < cohort; i++)
		if (s[i].other != other) {
			sum += s[i].d;
			k++;
		}
	return (sum + (float)(cohort - k) * far) / (float)cohort;
}

/* Every candidate measured: p[i] filled but for its lead, and the two
 * sides of each in *sides (sorted).  Returns how many were measured. */
static size_t
measure(const ft_review *r, const size_t *order, const struct cust *custs,
    size_t nc, const struct pairs *cand, ft_review_pair *p,
    struct side **sides)
{
	size_t i, n = 0, bufcap = 0;
	float *buf = NULL;

	*sides = ft_xmalloc((cand->n ? cand->n : 1) * 2 * sizeof **sides);
	for (i = 0; i < cand->n; i++) {
		const struct cust *a = find_cust(custs, nc, cand->p[i].a);
		const struct cust *b = find_cust(custs, nc, cand->p[i].b);

		if (!a || !b)
			continue;
		p[n].a = a->id;
		p[n].b = b->id;
		p[n].distance = pair_distance(r, order, a, b, &buf, &bufcap);
		p[n].samples_a = (int)a->n;
		p[n].samples_b = (int)b->n;
		(*sides)[2 * n] = (struct side){ a->id, b->id, p[n].distance };
		(*sides)[2 * n + 1] = (struct side){ b->id, a->id,
		    p[n].distance };
		n++;
	}
	free(buf);
	qsort(*sides, 2 * n, sizeof **sides, cmp_side);
	return n;
}

/*
 * Rank the candidates by their lead over the crowd (lib/match's test
 * for one face, here for a pair): how much nearer the two are to each
 * other than, on average, each is to the cohort customers nearest it.
 * Some faces lie close to many others; a pair of them is no surer for
 * being close.  Drop the pairs marked different and those too far
 * apart; keep the first o->limit.
 */
static size_t
rank(ft_review *r, const ft_review_suggest_opts *o, const size_t *order,
    const struct cust *custs, size_t nc, const struct pairs *cand,
    const struct pairs *diff, ft_review_pair *out)
{
	ft_match_config mc;
	struct side *sides;
	size_t i, m, n = 0;

	ft_match_config_default(&mc);
	m = measure(r, order, custs, nc, cand, out, &sides);
	for (i = 0; i < m; i++) {
		ft_review_pair p = out[i];

		if (p.distance > o->max_distance ||
		    pairs_has(diff, p.a, p.b))
			continue;
		p.lead = (crowd(sides, 2 * m, p.a, p.b, mc.cohort,
		    o->max_distance) + crowd(sides, 2 * m, p.b, p.a,
		    mc.cohort, o->max_distance)) / 2 - p.distance;
		out[n++] = p;
	}
	free(sides);
	qsort(out, n, sizeof *out, cmp_suggestion);
	return n < (size_t)o->limit ? n : (size_t)o->limit;
}

int
ft_review_suggest(ft_review *r, ft_store *s,
    const ft_review_suggest_opts *o, ft_review_pair **out, size_t *n)
{
	ft_review_suggest_opts def;
	struct pairs cand = { 0 }, diff = { 0 };
	struct cust *custs;
	size_t *order, nc;
	int rc;

	*out = NULL;
	*n = 0;
	if (!o) {
		ft_review_suggest_opts_default(&def);
		o = &def;
	}
	if (o->limit < 1 || o->neighbours < 1 ||
	    o->neighbours > FT_REVIEW_MAX_HITS - 1)
		return fail(r, FT_EINVAL, "bad suggestion options");
	rc = ft_store_different_pairs(s, keep_different, &diff);
	if (rc != FT_OK)
		return store_fail(r, s, rc);
	pairs_unique(&diff);
	nc = group(r, &order, &custs);
	if ((rc = candidates(r, o, order, custs, nc, &cand)) == FT_OK) {
		*out = ft_xmalloc((cand.n ? cand.n : 1) * sizeof **out);
		*n = rank(r, o, order, custs, nc, &cand, &diff, *out);
	}
	free(order);
	free(custs);
	free(cand.p);
	free(diff.p);
	return rc;
}

/* --- calibration --- */

/* Samples compared at most: their pairs are all measured. */
#define CAL_MAX_SAMPLES 3000
/* Histogram bins of the distances, 0.001 wide, up to 2. */
#define CAL_BINS 2000

/* A customer that counts as evidence. */
struct cal_cust {
	int64_t id;
	char *name;		/* NULL: unnamed (in a pair marked
				   different only) */
	size_t first, n;	/* its samples in the working set */
};

struct cal {
	struct cal_cust *c;
	size_t nc, cap;
	struct pairs diff;	/* pairs marked different */
	int64_t *scid;		/* samples read: customer */
	float *sd;		/* and descriptor */
	size_t ns, scap;
	float *d;		/* the working set's distances, ns by ns */
	int64_t same[CAL_BINS + 1], other[CAL_BINS + 1];
};

static int
cal_customer(void *p, const ft_customer *c)
{
	struct cal *k = p;
	int marked = 0;
	size_t i;

	for (i = 0; i < k->diff.n && !marked; i++)
		marked = k->diff.p[i].a == c->id || k->diff.p[i].b == c->id;
	if (!marked && (!c->name || !*c->name))
		return 0;
	if (k->nc == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 256;
		k->c = ft_xrealloc(k->c, k->cap * sizeof *k->c);
	}
	k->c[k->nc].id = c->id;
	k->c[k->nc].name = c->name && *c->name ? ft_xstrdup(c->name) : NULL;
	k->c[k->nc].first = k->c[k->nc].n = 0;
	k->nc++;
	return 0;
}

static int
cmp_cal_cust(const void *p, const void *q)
{
	const struct cal_cust *x = p, *y = q;

	return (x->id > y->id) - (x->id < y->id);
}

static struct cal_cust *
cal_find(struct cal *k, int64_t id)
{
	struct cal_cust key = { .id = id };

	return k->nc ? bsearch(&key, k->c, k->nc, sizeof *k->c,
	    cmp_cal_cust) : NULL;
}

static int
cal_sample(void *p, const ft_face *f)
{
	struct cal *k = p;

	if (!cal_find(k, f->customer_id))
		return 0;
	if (k->ns == k->scap) {
		k->scap = k->scap ? k->scap * 2 : 1024;
		k->scid = ft_xrealloc(k->scid, k->scap * sizeof *k->scid);
		k->sd = ft_xrealloc(k->sd, k->scap * DIM * sizeof *k->sd);
	}
	k->scid[k->ns] = f->customer_id;
	memcpy(&k->sd[k->ns * DIM], f->descriptor, DIM * sizeof(float));
	k->ns++;
	return 0;
}

/* Whether customers x and y are two people by what the store knows. */
static int
cal_two(const struct cal *k, const struct cal_cust *x,
    const struct cal_cust *y)
{
	if (x->name && y->name && strcasecmp(x->name, y->name))
		return 1;
	return pairs_has(&k->diff, x->id, y->id);
}

/*
 * The working set: the samples grouped by customer (c[i].first, n),
 * customers taken evenly when there are more than CAL_MAX_SAMPLES
 * samples.  Returns the number of samples kept.
 */
static size_t
cal_working_set(struct cal *k, float **set)
{
	double f = k->ns > CAL_MAX_SAMPLES ?
	    (double)CAL_MAX_SAMPLES / (double)k->ns : 1;
	size_t i, j, n = 0, nc = 0;

	for (i = 0; i < k->ns; i++)
		cal_find(k, k->scid[i])->n++;
	for (i = 0; i < k->nc; i++)
		if (k->c[i].n && floor((double)(i + 1) * f) >
		    floor((double)i * f))
			k->c[nc++] = k->c[i];
		else
			free(k->c[i].name);
	k->nc = nc;
	for (i = 0; i < k->nc; i++) {
		k->c[i].first = n;
		n += k->c[i].n;
		k->c[i].n = 0;
	}
	*set = ft_xmalloc((n ? n : 1) * DIM * sizeof **set);
	for (i = 0; i < k->ns; i++) {
		struct cal_cust *c = cal_find(k, k->scid[i]);

		if (!c)
			continue;
		j = c->first + c->n++;
		memcpy(&(*set)[j * DIM], &k->sd[i * DIM], DIM * sizeof(float));
	}
	return n;
}

static int
cal_bin(float d)
{
	int b = (int)(d * 1000);

	return b < 0 ? 0 : b > CAL_BINS ? CAL_BINS : b;
}

/* Every pair of the working set: distances kept, and counted as one
 * person's or two people's. */
static void
cal_measure(struct cal *k, const float *set, size_t n, int64_t *same,
    int64_t *other)
{
	size_t g, h, i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			k->d[i * n + j] = k->d[j * n + i] =
			    dist(&set[i * DIM], &set[j * DIM]);
	for (g = 0; g < k->nc; g++)
		for (h = g; h < k->nc; h++) {
			const struct cal_cust *x = &k->c[g], *y = &k->c[h];
			int one = g == h && x->name, two = g != h &&
			    cal_two(k, x, y);

			if (!one && !two)
				continue;
			for (i = x->first; i < x->first + x->n; i++)
				for (j = g == h ? i + 1 : y->first;
				    j < y->first + y->n; j++) {
					int b = cal_bin(k->d[i * n + j]);

					if (one)
						k->same[b]++, (*same)++;
					else
						k->other[b]++, (*other)++;
				}
		}
}

/* The rates at each threshold tried, and the suggested threshold. */
static void
cal_rates(const struct cal *k, ft_review_calibration *out)
{
	int i, b;

	out->nrows = FT_REVIEW_CAL_STEPS;
	out->threshold = FT_REVIEW_CAL_FIRST;
	for (i = 0; i < FT_REVIEW_CAL_STEPS; i++) {
		ft_review_cal_row *row = &out->rows[i];
		int64_t split = 0, merge = 0;
		int at;

		row->threshold = FT_REVIEW_CAL_FIRST + i * FT_REVIEW_CAL_STEP;
		at = (int)lroundf(row->threshold * 1000);
		for (b = 0; b <= CAL_BINS; b++) {
			if (b >= at)
				split += k->same[b];
			else
				merge += k->other[b];
		}
		row->split = (double)split / (double)out->same_pairs;
		row->merge = (double)merge / (double)out->different_pairs;
		if (row->merge <= FT_REVIEW_MERGE_TARGET) {
			out->threshold = row->threshold;
			out->split_at = (float)row->split;
			out->merge_at = (float)row->merge;
		}
	}
	if (out->rows[0].merge > FT_REVIEW_MERGE_TARGET) {
		out->split_at = (float)out->rows[0].split;
		out->merge_at = (float)out->rows[0].merge;
	}
}

/*
 * The lead of each sample of a named customer over the crowd, as lib/
 * match tests it: the mean distance to the cohort nearest customers
 * known to be others, less the distance to its own customer's nearest
 * other sample, for the samples matched below the threshold.  The
 * margin suggested lets all but FT_REVIEW_MARGIN_LOSS of them through.
 */
static float
cal_margin(const struct cal *k, size_t n, float threshold, int cohort,
    float fallback)
{
	float *leads = ft_xmalloc((n ? n : 1) * sizeof *leads);
	float near[16], m;
	size_t g, h, i, j, nl = 0;
	int nn, t;

	if (cohort < 1 || cohort > 16)
		cohort = 3;
	for (g = 0; g < k->nc; g++) {
		const struct cal_cust *x = &k->c[g];

		if (!x->name || x->n < 2)
			continue;
		for (i = x->first; i < x->first + x->n; i++) {
			float own = INFINITY, sum = 0;

			for (j = x->first; j < x->first + x->n; j++)
				if (j != i && k->d[i * n + j] < own)
					own = k->d[i * n + j];
			if (own >= threshold)
				continue;
			nn = 0;
			for (h = 0; h < k->nc; h++) {
				const struct cal_cust *y = &k->c[h];
				float best = INFINITY;

				if (h == g || !cal_two(k, x, y))
					continue;
				for (j = y->first; j < y->first + y->n; j++)
					if (k->d[i * n + j] < best)
						best = k->d[i * n + j];
				/* Keep the cohort nearest, in order. */
				if (nn < cohort)
					near[nn++] = best;
				else if (best < near[cohort - 1])
					near[cohort - 1] = best;
				else
					continue;
				for (t = nn - 1; t > 0 && near[t - 1] >
				    near[t]; t--) {
					m = near[t];
					near[t] = near[t - 1];
					near[t - 1] = m;
				}
			}
			if (nn < cohort)
				continue;
			for (t = 0; t < cohort; t++)
				sum += near[t];
			leads[nl++] = sum / (float)cohort - own;
		}
	}
	if (!nl) {
		free(leads);
		return fallback;
	}
	qsort(leads, nl, sizeof *leads, cmp_float);
	m = leads[(size_t)floor(FT_REVIEW_MARGIN_LOSS * (double)nl)];
	free(leads);
	m = floorf(m * 100) / 100;
	return m < 0 ? 0 : m > 0.3f ? 0.3f : m;
}

static void
cal_clear(struct cal *k)
{
	size_t i;

	for (i = 0; i < k->nc; i++)
		free(k->c[i].name);
	free(k->c);
	free(k->diff.p);
	free(k->scid);
	free(k->sd);
	free(k->d);
}

/* Read the evidence: pairs marked different, the customers that count
 * and their samples. */
static int
cal_read(ft_store *s, struct cal *k)
{
	ft_customer_filter all = { 0 };
	int rc;

	if ((rc = ft_store_different_pairs(s, keep_different, &k->diff)))
		return rc;
	pairs_unique(&k->diff);
	if ((rc = ft_store_customers(s, &all, cal_customer, k)))
		return rc;
	qsort(k->c, k->nc, sizeof *k->c, cmp_cal_cust);
	return ft_store_faces(s, 0, 0, cal_sample, k);
}

int
ft_review_calibrate(ft_store *s, ft_review_calibration *out, char *err,
    size_t errlen)
{
	struct cal *k = ft_xcalloc(1, sizeof *k);
	ft_match_config mc;
	float *set;
	size_t i, n;
	int rc;

	memset(out, 0, sizeof *out);
	out->needed = FT_REVIEW_MIN_PEOPLE;
	if ((rc = cal_read(s, k)) != FT_OK) {
		ft_seterr(err, errlen, "%s", ft_store_errmsg(s));
		cal_clear(k);
		free(k);
		return rc;
	}
	n = cal_working_set(k, &set);
	for (i = 0; i < k->nc; i++)
		out->people += k->c[i].name && k->c[i].n >= 2;
	rc = FT_REVIEW_TOO_LITTLE;
	if (out->people >= out->needed) {
		k->d = ft_xmalloc((n ? n * n : 1) * sizeof *k->d);
		cal_measure(k, set, n, &out->same_pairs,
		    &out->different_pairs);
	}
	if (out->same_pairs && out->different_pairs) {
		ft_match_config_default(&mc);
		cal_rates(k, out);
		out->margin = cal_margin(k, n, out->threshold, mc.cohort,
		    mc.margin);
		rc = FT_OK;
	}
	free(set);
	cal_clear(k);
	free(k);
	return rc;
}
