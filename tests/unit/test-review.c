/*
 * Unit tests of lib/review on made-up descriptors in a scratch SQLite
 * store: a person kept as two customers is suggested first, a pair
 * marked different never is, one odd sample neither makes nor breaks a
 * pair, a pair among crowded faces ranks below a clear one; search finds
 * the nearest customer first and follows new samples and merges after a
 * refresh; calibration says when it has too little evidence, and gives
 * rates that move the right way when it has enough; a store too large
 * to compare every sample still has its second records suggested.
 */
#include "review.h"
#include "store.h"
#include "synth.h"
#include "tap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIM FT_DESCRIPTOR_DIM

static ft_store *store;

/* A customer named name (NULL: unnamed) with n samples of centre c. */
static int64_t
customer(const char *name, const float *c, int n)
{
	ft_customer cu = { .name = (char *)name };

	if (ft_store_customer_add(store, &cu) != FT_OK)
		exit(1);
	for (int i = 0; i < n; i++) {
		ft_face f = { .customer_id = cu.id, .quality = 1 };

		synth_sample(c, f.descriptor);
		if (ft_store_face_add(store, &f) != FT_OK)
			exit(1);
	}
	return cu.id;
}

static void
add_sample(int64_t id, const float *c)
{
	ft_face f = { .customer_id = id, .quality = 1 };

	synth_sample(c, f.descriptor);
	if (ft_store_face_add(store, &f) != FT_OK)
		exit(1);
}

static int
has_pair(const ft_review_pair *p, size_t n, int64_t a, int64_t b)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i].a == a && p[i].b == b) || (p[i].a == b && p[i].b == a))
			return (int)i + 1;
	return 0;
}

static void
test_suggest(void)
{
	float c[12][DIM], mid[DIM];
	int64_t id[12], dup, odd, oddy, crowd1, crowd2;
	ft_review_pair *p;
	ft_review *r;
	size_t n;
	char err[256];
	int i, rank;

	for (i = 0; i < 12; i++) {
		synth_person(c[i]);
		id[i] = customer(NULL, c[i], 3);
	}
	/* Person 0 again, as a second record. */
	dup = customer(NULL, c[0], 3);
	/* Person 1's second record has one sample of person 2's. */
	odd = customer(NULL, c[1], 2);
	add_sample(odd, c[2]);
	/* Person 3's second record, of which one sample is of person 4:
	 * one odd sample must not break the pair. */
	oddy = customer(NULL, c[3], 3);
	add_sample(oddy, c[4]);
	(void)oddy;
	/* Two people of one crowded place: halfway between persons 5 and
	 * 6, nearer each other than true pairs are, and nearer to many
	 * others too. */
	for (int j = 0; j < DIM; j++)
		mid[j] = (c[5][j] + c[6][j] + c[7][j]) / 3;
	crowd1 = customer(NULL, mid, 3);
	crowd2 = customer(NULL, mid, 3);

	ok(ft_review_new(store, &r, err, sizeof err) == FT_OK,
	   "a search object over the store");
	is_int((int)ft_review_customers(r), 17, "it holds every customer");
	ok(ft_review_suggest(r, store, NULL, &p, &n) == FT_OK, "suggest");
	rank = has_pair(p, n, id[0], dup);
	ok(rank >= 1 && rank <= 3, "a person kept as two is suggested among "
	   "the first (rank %d)", rank);
	ok(p[0].distance < 0.45f && p[0].lead > 0,
	   "the first pair is near and ahead of the crowd (%.3f, %.3f)",
	   p[0].distance, p[0].lead);
	ok(has_pair(p, n, id[1], odd), "one odd sample does not break a "
	   "pair");
	rank = has_pair(p, n, id[2], odd);
	ok(!rank || p[rank - 1].distance > 0.7f,
	   "one odd sample does not make a pair");
	rank = has_pair(p, n, id[3], oddy);
	ok(rank && rank <= 5, "one odd sample of four does not break a "
	   "pair (rank %d)", rank);
	ok(has_pair(p, n, crowd1, crowd2) > has_pair(p, n, id[0], dup),
	   "a pair as near among crowded faces comes after a clear one");
	for (i = 1; i < (int)n; i++)
		if (p[i].lead > p[i - 1].lead)
			break;
	is_int(i, (int)n, "pairs come best first");
	free(p);

	ok(ft_store_different_add(store, id[0], dup) == FT_OK,
	   "mark a pair different");
	ok(ft_review_suggest(r, store, NULL, &p, &n) == FT_OK &&
	   !has_pair(p, n, id[0], dup), "a pair marked different is not "
	   "suggested");
	free(p);
	{
		ft_review_suggest_opts o;

		ft_review_suggest_opts_default(&o);
		o.limit = 2;
		ok(ft_review_suggest(r, store, &o, &p, &n) == FT_OK && n == 2,
		   "the limit holds");
		free(p);
		o.limit = 0;
		ok(ft_review_suggest(r, store, &o, &p, &n) == FT_EINVAL,
		   "a limit of 0 is refused");
	}
	ft_review_free(r);
}

static void
test_search(void)
{
	float a[DIM], b[DIM], q[DIM];
	int64_t ida, idb;
	ft_review_hit hits[4];
	ft_review *r;
	char err[256];
	int n;

	synth_person(a);
	synth_person(b);
	for (int i = 0; i < 3; i++) {
		synth_person(q);
		customer(NULL, q, 1);
	}
	ida = customer("Ann", a, 2);
	ok(ft_review_new(store, &r, err, sizeof err) == FT_OK,
	   "a search object");
	synth_sample(a, q);
	n = ft_review_search(r, q, hits, 4);
	ok(n == 4 && hits[0].customer_id == ida && hits[0].distance <
	   hits[1].distance, "search finds the person first, nearest first");
	idb = customer("Bob", b, 1);
	synth_sample(b, q);
	n = ft_review_search(r, q, hits, 1);
	ok(n == 1 && hits[0].customer_id != idb,
	   "a new customer is not found before a refresh");
	ok(ft_review_refresh(r, store) == FT_OK, "refresh");
	n = ft_review_search(r, q, hits, 1);
	ok(n == 1 && hits[0].customer_id == idb,
	   "and is found after it");
	ok(ft_store_customer_merge(store, ida, idb) == FT_OK, "merge");
	ok(ft_review_refresh(r, store) == FT_OK, "refresh after a merge");
	n = ft_review_search(r, q, hits, 1);
	ok(n == 1 && hits[0].customer_id == ida,
	   "the merged customer's samples are found as the one kept's");
	ft_review_free(r);
}

static void
test_calibrate(void)
{
	ft_review_calibration cal;
	char name[32], err[256];
	float c[DIM];
	int i, rc, mono = 1;

	rc = ft_review_calibrate(store, &cal, err, sizeof err);
	ok(rc == FT_REVIEW_TOO_LITTLE && cal.people == 1 &&
	   cal.needed == FT_REVIEW_MIN_PEOPLE,
	   "too little evidence: one named customer with two samples "
	   "(rc %d, people %d)", rc, cal.people);
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "Person %d", i);
		synth_person(c);
		customer(name, c, 4);
	}
	rc = ft_review_calibrate(store, &cal, err, sizeof err);
	ok(rc == FT_OK && cal.people == 13, "enough evidence (rc %d, people "
	   "%d)", rc, cal.people);
	ok(cal.nrows == FT_REVIEW_CAL_STEPS, "a row for each threshold");
	for (i = 1; i < cal.nrows; i++)
		if (cal.rows[i].split > cal.rows[i - 1].split ||
		    cal.rows[i].merge < cal.rows[i - 1].merge)
			mono = 0;
	ok(mono, "splits fall and merges rise as the threshold grows");
	ok(cal.rows[0].split > 0.5 && cal.rows[cal.nrows - 1].split < 0.05,
	   "samples 0.35 apart: most split at 0.30, few at 0.80 (%.3f, "
	   "%.3f)", cal.rows[0].split, cal.rows[cal.nrows - 1].split);
	ok(cal.threshold >= 0.4f && cal.threshold <= 0.8f &&
	   cal.merge_at <= FT_REVIEW_MERGE_TARGET,
	   "the threshold suggested keeps merges rare (%.2f, %.5f)",
	   cal.threshold, cal.merge_at);
	ok(cal.margin >= 0 && cal.margin <= 0.3f, "a margin (%.2f)",
	   cal.margin);
}

/* Above REVIEW_APPROX_ABOVE samples candidates come from an IVF index:
 * planted second records are still found. */
static void
test_suggest_many(void)
{
	enum { PEOPLE = 3400, DUPS = 50 };
	float (*c)[DIM] = malloc(PEOPLE * sizeof *c);
	int64_t *id = malloc(PEOPLE * sizeof *id), dup[DUPS];
	ft_review_suggest_opts o;
	ft_review_pair *p;
	ft_review *r;
	size_t n;
	char err[256];
	int i, found = 0;

	if (ft_store_begin(store) != FT_OK)
		exit(1);
	for (i = 0; i < PEOPLE; i++) {
		synth_person(c[i]);
		id[i] = customer(NULL, c[i], 3);
	}
	for (i = 0; i < DUPS; i++)
		dup[i] = customer(NULL, c[i * 61 % PEOPLE], 3);
	if (ft_store_commit(store) != FT_OK)
		exit(1);
	ok(ft_review_new(store, &r, err, sizeof err) == FT_OK &&
	   ft_review_samples(r) == 3 * (PEOPLE + DUPS),
	   "a search object over %d samples", 3 * (PEOPLE + DUPS));
	ft_review_suggest_opts_default(&o);
	o.limit = DUPS;
	ok(ft_review_suggest(r, store, &o, &p, &n) == FT_OK && n == DUPS,
	   "suggest from an approximate index");
	for (i = 0; i < DUPS; i++)
		found += has_pair(p, n, id[i * 61 % PEOPLE], dup[i]) != 0;
	ok(found >= DUPS - 1, "the first %d suggestions hold %d of the %d "
	   "second records", DUPS, found, DUPS);
	free(p);
	ft_review_free(r);
	free(c);
	free(id);
}

int
main(void)
{
	char dir[] = "/tmp/ft-test-review-XXXXXX", url[PATH_MAX], err[256];
	char cmd[PATH_MAX + 16];

	plan(32);
	if (!mkdtemp(dir))
		return 1;
	snprintf(url, sizeof url, "sqlite:%s/t.db", dir);
	if (ft_store_open(url, &store, err, sizeof err) != FT_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	test_suggest();
	ft_store_close(store);
	snprintf(url, sizeof url, "sqlite:%s/t2.db", dir);
	if (ft_store_open(url, &store, err, sizeof err) != FT_OK)
		return 1;
	test_search();
	test_calibrate();
	ft_store_close(store);
	snprintf(url, sizeof url, "sqlite:%s/t3.db", dir);
	if (ft_store_open(url, &store, err, sizeof err) != FT_OK)
		return 1;
	test_suggest_many();
	ft_store_close(store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done();
}
