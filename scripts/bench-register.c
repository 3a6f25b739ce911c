/*
 * bench-register — registration quality of the matcher on labelled
 * descriptors, and the thresholds that give it.
 *
 * Reads `face` records with descriptors (ft-recognize --no-store
 * --descriptors over labelled photos, DIR/PERSON/FILE.jpg) on stdin and
 * replays them, in a shuffled order, as still images through the
 * recogniser ft-recognize runs (lib/recognize, on a scratch SQLite
 * store), so every decision is the product's own: a face near enough to
 * its nearest customer (lib/match's threshold, a stricter one for
 * customers with few samples, and the lead over the customers around
 * it) is that customer, any other face good enough to register becomes a
 * new customer, and known faces far enough from their samples add one.
 * For each threshold it prints customers created per true person (ideal
 * 1.00), people wrongly merged into another's customer (ideal 0), photos
 * left unknown and people never known.
 *
 * With --review, the store each replay leaves is handed to lib/review
 * as the owner would: the precision of the top 50, 100 and 200
 * duplicate suggestions (pairs whose registering photos are of one
 * person), the share of the duplicate records that accepting the true
 * suggestions among the top 2 x (number of duplicates) removes, and
 * customers per person after reviewing 0.1 to 1 suggestions per person;
 * then search by photo: 500 people (of those with two photos or more)
 * enrolled from their first photo and searched with their second, the
 * share found first.  --half 1 or 2 keeps every other person (in name
 * order) only, to see that figures hold on people not looked at.
 *
 * usage: bench-register [--seed N] [--thresholds T,T,...]
 *                       [--strict-offset D] [--margin D] [--min-quality Q]
 *                       [--review] [--half 1|2] < faces.jsonl
 *
 * The defaults are lib/match's; --margin 0 turns the lead over the crowd
 * off, --min-quality 0 lets every face register.
 */
#include "face.h"
#include "faces.h"
#include "frame.h"
#include "jsonl.h"
#include "recognize.h"
#include "review.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIM FT_DESCRIPTOR_DIM

struct photo {
	char *person;
	char *path;
	float d[DIM];
	double quality;
	/* While reading: every face found, to choose the photo's own. */
	ft_face_box *boxes;
	float (*descs)[DIM];
	double *qualities;
	int nfaces;
};

static struct photo *photos;
static size_t nphotos;

static void
take(jv rec)
{
	jv path = jv_object_get(jv_copy(rec), jv_string("path"));
	jv d = jv_object_get(jv_copy(rec), jv_string("descriptor"));
	jv box = jv_object_get(jv_copy(rec), jv_string("box"));
	jv q = jv_object_get(jv_copy(rec), jv_string("quality"));
	struct photo *p = NULL;
	const char *s, *slash, *prev;
	int i, k;

	if (jv_get_kind(path) != JV_KIND_STRING ||
	    jv_get_kind(d) != JV_KIND_ARRAY || jv_array_length(jv_copy(d)) !=
	    DIM || jv_get_kind(box) != JV_KIND_ARRAY)
		goto out;
	s = jv_string_value(path);
	if (nphotos && !strcmp(photos[nphotos - 1].path, s)) {
		p = &photos[nphotos - 1];
	} else {
		photos = ft_xrealloc(photos, (nphotos + 1) * sizeof *photos);
		p = &photos[nphotos++];
		memset(p, 0, sizeof *p);
		p->path = ft_xstrdup(s);
		slash = strrchr(s, '/');
		prev = slash;
		while (prev && prev > s && prev[-1] != '/')
			prev--;
		p->person = prev ? ft_xasprintf("%.*s", (int)(slash - prev),
		    prev) : ft_xstrdup(s);
	}
	k = p->nfaces++;
	p->boxes = ft_xrealloc(p->boxes, (size_t)p->nfaces *
	    sizeof *p->boxes);
	p->descs = ft_xrealloc(p->descs, (size_t)p->nfaces *
	    sizeof *p->descs);
	p->qualities = ft_xrealloc(p->qualities, (size_t)p->nfaces *
	    sizeof *p->qualities);
	memset(&p->boxes[k], 0, sizeof p->boxes[k]);
	p->boxes[k].left = (int)jv_number_value(jv_array_get(jv_copy(box), 0));
	p->boxes[k].top = (int)jv_number_value(jv_array_get(jv_copy(box), 1));
	p->boxes[k].width = (int)jv_number_value(jv_array_get(jv_copy(box),
	    2));
	p->boxes[k].height = (int)jv_number_value(jv_array_get(jv_copy(box),
	    3));
	p->qualities[k] = jv_get_kind(q) == JV_KIND_NUMBER ?
	    jv_number_value(q) : 1;
	for (i = 0; i < DIM; i++)
		p->descs[k][i] = (float)jv_number_value(jv_array_get(
		    jv_copy(d), i));
out:
	jv_free(path);
	jv_free(d);
	jv_free(box);
	jv_free(q);
	jv_free(rec);
}

/*
 * Keep the face each photo is of: ft_faces_main's choice (largest,
 * nearest the middle) when the photo can be read for its size, else the
 * largest.  A bystander's face is someone else, not the labelled person.
 */
static void
choose_faces(void)
{
	size_t i;

	for (i = 0; i < nphotos; i++) {
		struct photo *p = &photos[i];
		ft_image img = { 0 };
		char *err = NULL;
		int k = -1;

		if (p->nfaces > 1 && !ft_image_read(p->path, &img, &err))
			k = ft_faces_main(p->boxes, p->nfaces, img.width,
			    img.height);
		if (k < 0)
			k = ft_faces_main(p->boxes, p->nfaces, 0, 0);
		ft_image_clear(&img);
		free(err);
		memcpy(p->d, p->descs[k], sizeof p->d);
		p->quality = p->qualities[k];
		free(p->boxes);
		free(p->descs);
		free(p->qualities);
	}
}

static unsigned long long rng;

static size_t
pick(size_t n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (size_t)((rng >> 33) % n);
}

/* The replay backend: the one face of the photo in hand. */
static const struct photo *current;

static int
replay_detect(void *ctx, const ft_image *grey, const int region[4],
    int scale, const ft_face_detect_opts *o, int still, ft_face_box *out,
    int max)
{
	ft_face_box b = { 0, 0, 100, 100, 1, 0 };

	if (max > 0)
		out[0] = b;
	return 1;
}

static int
replay_prepare(void *ctx, const ft_image *img, const ft_face_box *boxes,
    int n, double *quality)
{
	if (n > 0)
		quality[0] = current->quality;
	return 0;
}

static int
replay_describe(void *ctx, int n, float (*out)[FT_FACE_DIM])
{
	if (n > 0)
		memcpy(out[0], current->d, sizeof out[0]);
	return 0;
}

static const char *
replay_errmsg(void *ctx)
{
	return "replay failed";
}

static const char *
replay_model(void *ctx)
{
	return "replay:0";
}

static const ft_face_backend replay = {
	NULL, replay_detect, replay_prepare, replay_describe, replay_errmsg,
	replay_model, NULL, NULL, NULL
};

/* What the recogniser said of the photo in hand: its customer, and
 * whether it registered the customer. */
struct said {
	char customer[FT_UUID_LEN + 1];
	int fresh;
};

static int
hear(void *ctx, jv rec)
{
	struct said *s = ctx;
	jv type = jv_object_get(jv_copy(rec), jv_string("type"));
	jv c = jv_object_get(jv_copy(rec), jv_string("customer"));
	jv st = jv_object_get(jv_copy(rec), jv_string("status"));

	if (!strcmp(jv_string_value(type), "face")) {
		snprintf(s->customer, sizeof s->customer, "%s",
		    jv_get_kind(c) == JV_KIND_STRING ? jv_string_value(c) :
		    "");
		s->fresh = !strcmp(jv_string_value(st), "new");
	}
	jv_free(type);
	jv_free(c);
	jv_free(st);
	jv_free(rec);
	return 0;
}

/* The true person of each customer, by the photo that registered it. */
struct owner {
	char customer[FT_UUID_LEN + 1];
	const char *person;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A new store in a directory of its own. */
static ft_store *
scratch_store(char *dir)
{
	char url[PATH_MAX + 16], err[256];
	ft_store *s;

	strcpy(dir, "/tmp/ft-bench-register-XXXXXX");
	if (!mkdtemp(dir))
		ft_die(1, "cannot make a directory: %s", strerror(errno));
	snprintf(url, sizeof url, "sqlite:%s/bench.db", dir);
	if (ft_store_open(url, &s, err, sizeof err) != FT_OK)
		ft_die(1, "%s", err);
	return s;
}

static void
scratch_remove(ft_store *s, const char *dir)
{
	char cmd[PATH_MAX + 16];

	ft_store_close(s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		ft_warn("cannot remove '%s'", dir);
}

/* --- lib/review on the store a replay leaves (--review) --- */

static int review;

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The store's customers (row ids, ascending) and the true person of
 * each, by the photo that registered it. */
struct truth {
	int64_t *id;
	const char **person;
	size_t *set;		/* union-find of accepted merges */
	size_t n;
	const struct owner *own;
	size_t nown;
};

static int
truth_add(void *p, const ft_customer *c)
{
	struct truth *t = p;
	size_t i;

	t->id = ft_xrealloc(t->id, (t->n + 1) * sizeof *t->id);
	t->person = ft_xrealloc(t->person, (t->n + 1) * sizeof *t->person);
	t->id[t->n] = c->id;
	t->person[t->n] = "";
	for (i = 0; i < t->nown; i++)
		if (!strcmp(t->own[i].customer, c->uuid))
			t->person[t->n] = t->own[i].person;
	t->n++;
	return 0;
}

static size_t
truth_find(const struct truth *t, int64_t id)
{
	size_t lo = 0, hi = t->n;

	while (lo + 1 < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->id[mid] <= id)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static size_t
uf_root(size_t *set, size_t i)
{
	while (set[i] != i)
		i = set[i] = set[set[i]];
	return i;
}

static int
pair_true(const struct truth *t, const ft_review_pair *p)
{
	const char *a = t->person[truth_find(t, p->a)];

	return *a && !strcmp(a, t->person[truth_find(t, p->b)]);
}

/* Records left after accepting the true suggestions among the first
 * n of p. */
static size_t
after_review(struct truth *t, const ft_review_pair *p, size_t np, size_t n)
{
	size_t i, left = t->n;

	for (i = 0; i < t->n; i++)
		t->set[i] = i;
	for (i = 0; i < n && i < np; i++) {
		size_t a, b;

		if (!pair_true(t, &p[i]))
			continue;
		a = uf_root(t->set, truth_find(t, p[i].a));
		b = uf_root(t->set, truth_find(t, p[i].b));
		if (a != b) {
			t->set[a] = b;
			left--;
		}
	}
	return left;
}

static size_t
count_people(void)
{
	const char **people = ft_xcalloc(nphotos, sizeof *people);
	size_t i, n = 0;

	for (i = 0; i < nphotos; i++)
		people[i] = photos[i].person;
	qsort(people, nphotos, sizeof *people, cmp_str);
	for (i = 0; i < nphotos; i++)
		n += !i || strcmp(people[i], people[i - 1]);
	free(people);
	return n;
}

static void
precision_at(const struct truth *t, const ft_review_pair *p, size_t np,
    size_t n)
{
	size_t i, good = 0;

	for (i = 0; i < n && i < np; i++)
		good += pair_true(t, &p[i]);
	printf("      precision of the top %zu: %.3f (%zu of %zu)\n", n,
	    i ? (double)good / (double)i : 0, good, i);
}

static void
review_figures(ft_store *s, const struct owner *own, size_t ncust)
{
	static const double per[] = { 0.1, 0.25, 0.5, 1.0 };
	ft_customer_filter all = { 0 };
	struct truth t = { .own = own, .nown = ncust };
	ft_review_suggest_opts o;
	size_t npeople = count_people(), np, dups, i, kinds = 0;
	ft_review_pair *p;
	ft_review *r;
	char err[256];
	double t0, t1, t2;

	if (ft_store_customers(s, &all, truth_add, &t) != FT_OK)
		ft_die(1, "%s", ft_store_errmsg(s));
	for (i = 0; i < ncust; i++) {
		size_t j;

		for (j = 0; j < i && strcmp(own[j].person, own[i].person); j++)
			;
		kinds += j == i;
	}
	dups = ncust - kinds;
	t.set = ft_xcalloc(t.n + 1, sizeof *t.set);
	t0 = now_s();
	if (ft_review_new(s, &r, err, sizeof err) != FT_OK)
		ft_die(1, "%s", err);
	t1 = now_s();
	ft_review_suggest_opts_default(&o);
	o.limit = (int)(2 * dups > npeople ? 2 * dups : npeople);
	if (o.limit < 200)
		o.limit = 200;
	if (ft_review_suggest(r, s, &o, &p, &np) != FT_OK)
		ft_die(1, "%s", ft_review_errmsg(r));
	t2 = now_s();
	printf("    review: %zu customers of %zu people registered, %zu "
	    "duplicate records; %zu suggestions (load %.2f s, suggest "
	    "%.2f s)\n", ncust, kinds, dups, np, t1 - t0, t2 - t1);
	precision_at(&t, p, np, 50);
	precision_at(&t, p, np, 100);
	precision_at(&t, p, np, 200);
	printf("      duplicates removed by the true ones of the top %zu: "
	    "%.3f (%zu of %zu)\n", 2 * dups, dups ? (double)(ncust -
	    after_review(&t, p, np, 2 * dups)) / (double)dups : 0,
	    ncust - after_review(&t, p, np, 2 * dups), dups);
	/* Of every person photographed, and of those registered (the
	 * people never known have no record to join). */
	printf("      customers per person (per person registered): %.3f "
	    "(%.3f) before review", (double)ncust / (double)npeople,
	    (double)ncust / (double)kinds);
	for (i = 0; i < sizeof per / sizeof *per; i++) {
		size_t n = (size_t)(per[i] * (double)npeople);
		size_t left = after_review(&t, p, np, n);

		printf("; %.3f (%.3f) after %zu (%.2f a person)",
		    (double)left / (double)npeople,
		    (double)left / (double)kinds, n, per[i]);
	}
	printf("\n");
	fflush(stdout);
	free(p);
	ft_review_free(r);
	free(t.id);
	free(t.person);
	free(t.set);
}

/*
 * Replay every photo, in order, as a still image through the recogniser
 * (lib/recognize) on a scratch store; cust_of[i] receives photo i's
 * customer ("" when unknown), own the customers registered.  Returns
 * how many were registered.
 */
static size_t
replay_photos(const ft_recognize_config *c, const size_t *order,
    char (*cust_of)[FT_UUID_LEN + 1], struct owner *own)
{
	static uint8_t px[8 * 8 * 3];
	ft_image img = { 8, 8, 3, 8 * 3, px, NULL };
	char dir[PATH_MAX];
	ft_store *s = scratch_store(dir);
	ft_recognizer *r;
	struct said said;
	char err[512];
	size_t i, ncust = 0;

	if (ft_recognize_new(s, &replay, c, hear, &said, &r, err,
	    sizeof err) != FT_OK)
		ft_die(1, "%s", err);
	for (i = 0; i < nphotos; i++) {
		struct photo *p = &photos[order[i]];
		ft_recognize_input in = { "bench", (int64_t)i * 1000,
		    jv_null(), NULL, &img, 1 };

		current = p;
		memset(&said, 0, sizeof said);
		if (ft_recognize_frame(r, &in) != FT_OK)
			ft_die(1, "%s", ft_recognize_errmsg(r));
		memcpy(cust_of[order[i]], said.customer, sizeof said.customer);
		if (said.fresh) {
			memcpy(own[ncust].customer, said.customer,
			    sizeof said.customer);
			own[ncust++].person = p->person;
		}
	}
	ft_recognize_free(r);
	if (review)
		review_figures(s, own, ncust);
	scratch_remove(s, dir);
	return ncust;
}

/* People wrongly merged: any of whose photos went to a customer another
 * person registered; *unseen: people none of whose photos was known. */
static size_t
count_merged(char (*cust_of)[FT_UUID_LEN + 1], const struct owner *own,
    size_t ncust, const char **people, size_t *unseen)
{
	const char **owner_of = ft_xcalloc(nphotos, sizeof *owner_of);
	size_t i, j, merged = 0;

	for (i = 0; i < nphotos; i++)
		for (j = 0; j < ncust && *cust_of[i]; j++)
			if (!strcmp(own[j].customer, cust_of[i]))
				owner_of[i] = own[j].person;
	*unseen = 0;
	for (i = 0; i < nphotos; i++) {
		int bad = 0, seen = 0;

		if (i && !strcmp(people[i], people[i - 1]))
			continue;
		for (j = 0; j < nphotos; j++) {
			if (strcmp(photos[j].person, people[i]) ||
			    !owner_of[j])
				continue;
			seen = 1;
			if (strcmp(owner_of[j], people[i]))
				bad = 1;
		}
		merged += bad;
		*unseen += !seen;
	}
	free(owner_of);
	return merged;
}

static int
cmp_photo(const void *a, const void *b)
{
	const struct photo *x = a, *y = b;
	int c = strcmp(x->person, y->person);

	return c ? c : strcmp(x->path, y->path);
}

/* Search by photo: up to 500 people of two photos or more enrolled
 * from the first, searched with the second. */
static void
search_figures(void)
{
	struct photo *ph = ft_xmalloc(nphotos * sizeof *ph);
	size_t i, j, n = 0, first = 0, *second;
	int64_t *cust;
	char dir[PATH_MAX], err[256];
	ft_store *s = scratch_store(dir);
	ft_review *r;
	double t0, spent = 0;

	memcpy(ph, photos, nphotos * sizeof *ph);
	qsort(ph, nphotos, sizeof *ph, cmp_photo);
	second = ft_xcalloc(nphotos, sizeof *second);
	cust = ft_xcalloc(nphotos, sizeof *cust);
	if (ft_store_begin(s) != FT_OK)
		ft_die(1, "%s", ft_store_errmsg(s));
	for (i = 0; i + 1 < nphotos && n < 500; i = j) {
		ft_customer c = { .name = ph[i].person };
		ft_face f = { 0 };

		for (j = i + 1; j < nphotos && !strcmp(ph[j].person,
		    ph[i].person); j++)
			;
		if (j - i < 2)
			continue;
		if (ft_store_customer_add(s, &c) != FT_OK)
			ft_die(1, "%s", ft_store_errmsg(s));
		f.customer_id = c.id;
		memcpy(f.descriptor, ph[i].d, sizeof f.descriptor);
		if (ft_store_face_add(s, &f) != FT_OK)
			ft_die(1, "%s", ft_store_errmsg(s));
		cust[n] = c.id;
		second[n++] = i + 1;
	}
	if (ft_store_commit(s) != FT_OK ||
	    ft_review_new(s, &r, err, sizeof err) != FT_OK)
		ft_die(1, "%s", ft_store_errmsg(s));
	for (i = 0; i < n; i++) {
		ft_review_hit hit;

		t0 = now_s();
		if (ft_review_search(r, ph[second[i]].d, &hit, 1) != 1)
			ft_die(1, "search found nobody");
		spent += now_s() - t0;
		first += hit.customer_id == cust[i];
	}
	printf("    search by photo: %zu people enrolled from one photo, "
	    "searched with another: rank-1 %.3f (%zu of %zu), %.2f ms a "
	    "search\n", n, n ? (double)first / (double)n : 0, first, n,
	    n ? 1000 * spent / (double)n : 0);
	ft_review_free(r);
	scratch_remove(s, dir);
	free(ph);
	free(second);
	free(cust);
}

/* Keep every other person, in name order: half 1 the first, 3rd, ...,
 * half 2 the others. */
static void
keep_half(int half)
{
	const char **people = ft_xcalloc(nphotos, sizeof *people);
	size_t i, k, n = 0, kept = 0;

	for (i = 0; i < nphotos; i++)
		people[i] = photos[i].person;
	qsort(people, nphotos, sizeof *people, cmp_str);
	for (i = 0; i < nphotos; i++)
		if (!i || strcmp(people[i], people[i - 1]))
			people[n++] = people[i];
	/* Decided first: people[] points into the photos' names. */
	for (i = 0; i < nphotos; i++) {
		const char **at = bsearch(&photos[i].person, people, n,
		    sizeof *people, cmp_str);

		k = (size_t)(at - people);
		photos[i].nfaces = (int)(k % 2) == half - 1;
	}
	free(people);
	for (i = 0; i < nphotos; i++) {
		if (photos[i].nfaces) {
			photos[kept++] = photos[i];
			continue;
		}
		free(photos[i].person);
		free(photos[i].path);
	}
	nphotos = kept;
}

static void
run(float threshold, float strict_offset, float margin, double min_quality,
    const size_t *order)
{
	ft_recognize_config c;
	struct owner *own = ft_xcalloc(nphotos + 1, sizeof *own);
	char (*cust_of)[FT_UUID_LEN + 1] = ft_xcalloc(nphotos,
	    sizeof *cust_of);
	const char **people = ft_xcalloc(nphotos, sizeof *people);
	size_t i, npeople = 0, ncust, merged, unknown = 0, unseen;

	ft_recognize_config_default(&c);
	c.refresh_ms = INT_MAX;
	c.match.threshold = threshold;
	c.match.strict_threshold = threshold - strict_offset;
	c.match.min_sightings = 1;
	c.match.min_quality = min_quality;
	if (margin >= 0)
		c.match.margin = margin;
	if (margin == 0)
		c.match.cohort = 0;
	ncust = replay_photos(&c, order, cust_of, own);
	for (i = 0; i < nphotos; i++) {
		people[i] = photos[i].person;
		unknown += !*cust_of[i];
	}
	qsort(people, nphotos, sizeof *people, cmp_str);
	for (i = 0; i < nphotos; i++)
		if (!i || strcmp(people[i], people[i - 1]))
			npeople++;
	merged = count_merged(cust_of, own, ncust, people, &unseen);
	printf("  threshold %.2f strict %.2f margin %.2f: %zu photos of %zu "
	    "people, "
	    "%zu customers, %.2f customers per person, %zu people wrongly "
	    "merged (%.1f%%); %zu photos too poor to register left unknown, "
	    "%zu people never known\n",
	    threshold, threshold - strict_offset, c.match.cohort ?
	    c.match.margin : 0, nphotos, npeople, ncust,
	    (double)ncust / (double)npeople, merged,
	    100.0 * (double)merged / (double)npeople, unknown, unseen);
	fflush(stdout);
	free(people);
	free(own);
	free(cust_of);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "thresholds", required_argument, NULL, 't' },
		{ "strict-offset", required_argument, NULL, 'o' },
		{ "margin", required_argument, NULL, 'm' },
		{ "min-quality", required_argument, NULL, 'q' },
		{ "review", no_argument, NULL, 'r' },
		{ "half", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *thresholds = "0.40,0.45,0.50,0.55,0.60";
	ft_match_config defaults;
	float offset, margin = -1;
	double min_quality;
	ft_jsonl_reader *r;
	size_t *order, i;
	char *list, *tok;
	jv rec;
	int o, rc, half = 0;

	ft_set_progname(argv[0]);
	ft_match_config_default(&defaults);
	offset = defaults.threshold - defaults.strict_threshold;
	min_quality = defaults.min_quality;
	rng = 1;
	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case 's': rng = strtoull(optarg, NULL, 10); break;
		case 't': thresholds = optarg; break;
		case 'o': offset = strtof(optarg, NULL); break;
		case 'm': margin = strtof(optarg, NULL); break;
		case 'q': min_quality = strtod(optarg, NULL); break;
		case 'r': review = 1; break;
		case 'h': half = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench-register [--seed N] "
			    "[--thresholds T,...] [--strict-offset D] [--margin D]\n"
			    "                      [--min-quality Q] [--review] "
			    "[--half 1|2]\n");
			return 2;
		}
	}
	r = ft_jsonl_reader_new(stdin, "stdin");
	while ((rc = ft_jsonl_read(r, &rec)) != 0)
		if (rc > 0)
			take(rec);
	ft_jsonl_reader_free(r);
	if (!nphotos)
		ft_die(1, "no face records with descriptors and paths");
	choose_faces();
	if (half == 1 || half == 2)
		keep_half(half);
	order = ft_xcalloc(nphotos, sizeof *order);
	for (i = 0; i < nphotos; i++)
		order[i] = i;
	for (i = nphotos - 1; i > 0; i--) {
		size_t j = pick(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	list = ft_xstrdup(thresholds);
	for (tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
		run(strtof(tok, NULL), offset, margin, min_quality, order);
	free(list);
	free(order);
	if (review)
		search_figures();
	return 0;
}
