/*
 * bench-review — the time lib/review takes at a shop's scale, on
 * made-up descriptors: a scratch SQLite store of N customers (100,000 by
 * default) with three samples each, one in ten of them a second record
 * of another's person; then the time to read the samples into a search
 * object, to rank the duplicate suggestions the first time (which makes
 * the index) and again (as a server that keeps the object does), how
 * many of the top ones are the planted duplicates and how many of the
 * planted duplicates the first n/10 suggestions hold, and the median and
 * 99th percentile of a search by descriptor.
 *
 * Made-up people: random centres about 1.0 apart, samples about 0.35
 * from each other, as the descriptors of dlib's network are.  Timings
 * only: accuracy is measured on real photos by ft-bench-register
 * --review.
 *
 * usage: bench-review [--customers N] [--searches N]
 */
#include "review.h"
#include "store.h"
#include "util.h"

#include "../tests/unit/synth.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIM FT_DESCRIPTOR_DIM
#define SAMPLES 3

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Processor time of every thread so far: on a machine others share,
 * what a step costs, where the wall clock says how long it waited. */
static double
cpu_s(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

/* Centre of person p: n people's, DIM floats each. */
static float *centres;

static void
sample_of(int p, float *out)
{
	synth_sample(&centres[(size_t)p * DIM], out);
}

/* customers records: person p of record i is i, or for the last tenth
 * a person of the first records again (a duplicate). */
static int
person_of(int i, int n)
{
	int dups = n / 10;

	return i < n - dups ? i : (i - (n - dups)) * 7 % (n - dups);
}

static void
fill(ft_store *s, int n, int64_t *ids)
{
	int i, k;

	centres = ft_xmalloc((size_t)n * DIM * sizeof *centres);
	for (i = 0; i < n; i++)
		synth_person(&centres[(size_t)i * DIM]);
	if (ft_store_begin(s) != FT_OK)
		ft_die(1, "%s", ft_store_errmsg(s));
	for (i = 0; i < n; i++) {
		ft_customer c = { 0 };

		if (ft_store_customer_insert(s, &c) != FT_OK)
			ft_die(1, "%s", ft_store_errmsg(s));
		ids[i] = c.id;
		for (k = 0; k < SAMPLES; k++) {
			ft_face f = { 0 };

			f.customer_id = c.id;
			f.quality = 1;
			sample_of(person_of(i, n), f.descriptor);
			if (ft_store_face_add(s, &f) != FT_OK)
				ft_die(1, "%s", ft_store_errmsg(s));
		}
	}
	if (ft_store_commit(s) != FT_OK)
		ft_die(1, "%s", ft_store_errmsg(s));
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Searches of new samples of random people: median and 99th percentile
 * in ms, and the share that found the person first. */
static void
bench_search(ft_review *r, int n, int searches, const int64_t *ids)
{
	double *ms = ft_xmalloc((size_t)searches * sizeof *ms), t0;
	float q[DIM];
	int i, right = 0;

	for (i = 0; i < searches; i++) {
		ft_review_hit hit;
		int c = (int)(synth_uniform() * (n - n / 10));

		sample_of(c, q);
		t0 = now_s();
		if (ft_review_search(r, q, &hit, 1) != 1)
			ft_die(1, "search: %s", ft_review_errmsg(r));
		ms[i] = 1000 * (now_s() - t0);
		right += hit.customer_id == ids[c] ||
		    person_of((int)(hit.customer_id - ids[0]), n) == c;
	}
	qsort(ms, (size_t)searches, sizeof *ms, cmp_double);
	printf("  search by descriptor: median %.2f ms, 99th percentile "
	    "%.2f ms over %d searches; the person first in %.3f\n",
	    ms[searches / 2], ms[searches * 99 / 100], searches,
	    (double)right / searches);
	free(ms);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "customers", required_argument, NULL, 'n' },
		{ "searches", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	int n = 100000, searches = 1000, o, i, planted = 0;
	char dir[] = "/tmp/ft-bench-review-XXXXXX", url[PATH_MAX], err[256];
	ft_review_pair *p;
	ft_review *r;
	ft_store *s;
	int64_t *ids;
	size_t np;
	double t0, t1, t2, t3, c0, c1, c2, c3;

	ft_set_progname(argv[0]);
	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case 'n': n = atoi(optarg); break;
		case 's': searches = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench-review [--customers N] "
			    "[--searches N]\n");
			return 2;
		}
	}
	if (n < 20 || searches < 1)
		ft_die(2, "--customers 20 or more, --searches 1 or more");
	if (!mkdtemp(dir))
		ft_die(1, "cannot make a directory: %s", strerror(errno));
	snprintf(url, sizeof url, "sqlite:%s/bench.db", dir);
	if (ft_store_open(url, &s, err, sizeof err) != FT_OK)
		ft_die(1, "%s", err);
	ids = ft_xmalloc((size_t)n * sizeof *ids);
	t0 = now_s();
	fill(s, n, ids);
	printf("  %d customers, %d samples each, %d of them duplicates: "
	    "stored in %.1f s\n", n, SAMPLES, n / 10, now_s() - t0);
	t0 = now_s();
	c0 = cpu_s();
	if (ft_review_new(s, &r, err, sizeof err) != FT_OK)
		ft_die(1, "%s", err);
	t1 = now_s();
	c1 = cpu_s();
	if (ft_review_suggest(r, s, NULL, &p, &np) != FT_OK)
		ft_die(1, "%s", ft_review_errmsg(r));
	t2 = now_s();
	c2 = cpu_s();
	free(p);
	if (ft_review_suggest(r, s, NULL, &p, &np) != FT_OK)
		ft_die(1, "%s", ft_review_errmsg(r));
	t3 = now_s();
	c3 = cpu_s();
	for (i = 0; i < (int)np; i++)
		planted += person_of((int)(p[i].a - ids[0]), n) ==
		    person_of((int)(p[i].b - ids[0]), n);
	printf("  samples read in %.2f s (%.2f s of processor time)\n",
	    t1 - t0, c1 - c0);
	printf("  %zu suggestions, %d of them planted duplicates: the first "
	    "time (the index made) %.2f s (%.2f s of processor time), again "
	    "%.2f s (%.2f s)\n", np, planted, t2 - t1, c2 - c1, t3 - t2,
	    c3 - c2);
	{
		ft_review_suggest_opts so;
		int dups = n / 10, held = 0;

		ft_review_suggest_opts_default(&so);
		so.limit = dups;
		free(p);
		if (ft_review_suggest(r, s, &so, &p, &np) != FT_OK)
			ft_die(1, "%s", ft_review_errmsg(r));
		for (i = 0; i < (int)np; i++)
			held += person_of((int)(p[i].a - ids[0]), n) ==
			    person_of((int)(p[i].b - ids[0]), n);
		printf("  the first %d suggestions hold %d of the %d planted "
		    "duplicates\n", dups, held, dups);
	}
	bench_search(r, n, searches, ids);
	free(p);
	ft_review_free(r);
	ft_store_close(s);
	snprintf(url, sizeof url, "rm -rf '%s'", dir);
	if (system(url) != 0)
		ft_warn("cannot remove '%s'", dir);
	free(ids);
	free(centres);
	return 0;
}
