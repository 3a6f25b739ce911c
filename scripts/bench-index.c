/*
 * bench-index — search latency and recall@1 of lib/index at several
 * sizes, exact and approximate (IVF).
 *
 * The samples are made up but shaped like face descriptors: people whose
 * samples lie about 0.35 apart around a centre, centres about 1.0 apart
 * (the distances ft-recognize sees between photos of one person and of
 * two).  Queries are new samples of stored people, one at a time as a
 * recogniser asks.  recall@1 is the share of queries whose nearest
 * sample the IVF index returns is the exact search's.
 *
 * usage: bench-index [--sizes N,N,...] [--queries N] [--nprobe N]
 */
#include "index.h"
#include "util.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIM 128
#define PER_PERSON 4

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;

static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static float
gauss(void)
{
	double u = uniform() + 1e-12, v = uniform();

	return (float)(sqrt(-2 * log(u)) * cos(6.283185307179586 * v));
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Centres about 1.0 apart: N(0, s) per component, s = 1/sqrt(2 DIM).
 * Samples 0.35 apart: noise of s' = 0.35/sqrt(2 DIM). */
#define CENTRE_SD 0.0625f
#define NOISE_SD 0.0219f

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sizes", required_argument, NULL, 's' },
		{ "queries", required_argument, NULL, 'q' },
		{ "nprobe", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sizes = "10000,100000,1000000";
	int nq = 500, nprobe = 0, o;
	char *list, *tok;

	ft_set_progname(argv[0]);
	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case 's': sizes = optarg; break;
		case 'q': nq = atoi(optarg); break;
		case 'p': nprobe = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench-index [--sizes N,...] "
			    "[--queries N] [--nprobe N]\n");
			return 2;
		}
	}
	list = ft_xstrdup(sizes);
	for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		size_t n = strtoul(tok, NULL, 10), people = n / PER_PERSON;
		float *centre = ft_xmalloc(people * DIM * sizeof *centre);
		float *d = ft_xmalloc(n * DIM * sizeof *d);
		float *q = ft_xmalloc((size_t)nq * DIM * sizeof *q);
		int64_t *fid = ft_xmalloc(n * sizeof *fid);
		int64_t *cid = ft_xmalloc(n * sizeof *cid);
		int64_t *truth = ft_xmalloc((size_t)nq * sizeof *truth);
		ft_index *ex = ft_index_new(DIM, FT_INDEX_EXACT, 0);
		ft_index *ivf = ft_index_new(DIM, FT_INDEX_IVF, 0);
		ft_index_hit hit[8];
		double t0, t_ex, t_ivf, build;
		int i, right = 0;
		size_t k;

		for (k = 0; k < people * DIM; k++)
			centre[k] = gauss() * CENTRE_SD;
		for (k = 0; k < n; k++) {
			size_t p = k / PER_PERSON % people;

			for (i = 0; i < DIM; i++)
				d[k * DIM + i] = centre[p * DIM + i] +
				    gauss() * NOISE_SD;
			fid[k] = (int64_t)k + 1;
			cid[k] = (int64_t)p + 1;
		}
		for (i = 0; i < nq; i++) {
			size_t p = (size_t)(uniform() * people);

			for (int j = 0; j < DIM; j++)
				q[i * DIM + j] = centre[p * DIM + j] +
				    gauss() * NOISE_SD;
		}
		ft_index_add(ex, n, fid, cid, d);
		t0 = now();
		if (nprobe > 0)
			ft_index_set_nprobe(ivf, nprobe);
		ft_index_add(ivf, n, fid, cid, d);
		build = now() - t0;

		t0 = now();
		for (i = 0; i < nq; i++) {
			ft_index_search(ex, &q[i * DIM], hit, 1);
			truth[i] = hit[0].face_id;
		}
		t_ex = (now() - t0) / nq;
		t0 = now();
		for (i = 0; i < nq; i++) {
			if (ft_index_search(ivf, &q[i * DIM], hit, 1) == 1 &&
			    hit[0].face_id == truth[i])
				right++;
		}
		t_ivf = (now() - t0) / nq;
		printf("  %8zu samples: exact %8.3f ms/query; %s %8.3f "
		    "ms/query, recall@1 %.4f (built in %.1f s)\n", n,
		    t_ex * 1e3, ft_index_describe(ivf), t_ivf * 1e3,
		    (double)right / nq, build);
		fflush(stdout);
		ft_index_free(ex);
		ft_index_free(ivf);
		free(centre);
		free(d);
		free(q);
		free(fid);
		free(cid);
		free(truth);
	}
	free(list);
	return 0;
}
