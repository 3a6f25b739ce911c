/*
 * Unit tests of lib/index: exact search finds the true nearest sample and
 * one hit per customer; removing a customer hides their samples; the IVF
 * index agrees with the exact one on clustered data; an automatic index
 * turns approximate at its size and stays right while samples are added.
 */
#include "index.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>

#define DIM 128

static unsigned long long rng = 88172645463325252ULL;

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

/* n people of k samples each around random centres: samples 0.3 apart
 * within a person, about 1.4 between people. */
static float *
people(int n, int k, int64_t *fid, int64_t *cid)
{
	float *d = malloc((size_t)n * k * DIM * sizeof *d);
	float centre[DIM];

	for (int p = 0; p < n; p++) {
		for (int j = 0; j < DIM; j++)
			centre[j] = gauss() * 0.1f;
		for (int s = 0; s < k; s++) {
			size_t row = (size_t)p * k + s;

			for (int j = 0; j < DIM; j++)
				d[row * DIM + j] = centre[j] + gauss() * 0.02f;
			fid[row] = (int64_t)row + 1;
			cid[row] = p + 1;
		}
	}
	return d;
}

static float
dist(const float *a, const float *b)
{
	double s = 0;

	for (int j = 0; j < DIM; j++)
		s += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
	return (float)sqrt(s);
}

/* The true nearest sample of q, by brute force. */
static size_t
brute(const float *d, size_t n, const float *q)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++)
		if (dist(&d[i * DIM], q) < dist(&d[best * DIM], q))
			best = i;
	return best;
}

int
main(void)
{
	enum { P = 300, K = 4, N = P * K, Q = 200 };
	int64_t fid[N], cid[N];
	float *d = people(P, K, fid, cid), q[DIM];
	ft_index_hit hits[8], batch[Q];
	ft_index *ex, *ivf, *au;
	int n, right = 0, agree = 0;

	plan(18);
	ex = ft_index_new(DIM, FT_INDEX_EXACT, 0);
	is_int((long long)ft_index_search(ex, d, hits, 8), 0,
	       "an empty index finds nothing");
	ok(!ft_index_add(ex, N, fid, cid, d), "samples added");
	is_int((long long)ft_index_size(ex), N, "every sample counted");
	is_int(ft_index_customer_samples(ex, 7), K, "samples per customer");
	is_int((long long)ft_index_max_face_id(ex), N, "largest face id");

	for (int i = 0; i < Q; i++) {
		size_t row = (size_t)(i * 7 % N), b;

		for (int j = 0; j < DIM; j++)
			q[j] = d[row * DIM + j] + gauss() * 0.02f;
		b = brute(d, N, q);
		n = ft_index_search(ex, q, hits, 8);
		if (n > 0 && hits[0].face_id == fid[b] &&
		    fabsf(hits[0].distance - dist(&d[b * DIM], q)) < 1e-3f)
			right++;
	}
	is_int(right, Q, "exact search finds the true nearest sample");

	n = ft_index_search(ex, d, hits, 8);
	ok(n == 8 && hits[0].customer_id == 1 && hits[0].distance < 1e-3f,
	   "a stored sample is its own nearest");
	{
		int distinct = 1;

		for (int i = 0; i < n; i++)
			for (int j = 0; j < i; j++)
				if (hits[i].customer_id == hits[j].customer_id)
					distinct = 0;
		ok(distinct, "one hit per customer");
	}
	is_int((long long)ft_index_remove_customer(ex, 1), K,
	       "removing a customer hides their samples");
	n = ft_index_search(ex, d, hits, 8);
	ok(n > 0 && hits[0].customer_id != 1 && hits[0].distance > 0.5f,
	   "a removed customer is not found");
	is_int(ft_index_customer_samples(ex, 1), 0, "and has no samples");

	ivf = ft_index_new(DIM, FT_INDEX_IVF, 0);
	ft_index_add(ivf, N, fid, cid, d);
	ok(!strncmp(ft_index_describe(ivf), "ivf", 3), "an IVF index: %s",
	   ft_index_describe(ivf));
	{
		float *qs = malloc((size_t)Q * DIM * sizeof *qs);

		for (int i = 0; i < Q; i++) {
			size_t row = (size_t)(i * 11 % N);

			for (int j = 0; j < DIM; j++)
				qs[i * DIM + j] = d[row * DIM + j] +
						  gauss() * 0.02f;
		}
		ft_index_search_batch(ivf, Q, qs, batch);
		for (int i = 0; i < Q; i++)
			if (batch[i].face_id == fid[brute(d, N, &qs[i * DIM])])
				agree++;
		free(qs);
	}
	ok(agree >= Q * 98 / 100, "IVF finds the nearest sample of %d of "
	   "%d queries", agree, Q);

	{
		/* Every cluster visited: the clusters scanned by matrix
		 * products must find exactly what the exact scan finds. */
		ft_index *ex2 = ft_index_new(DIM, FT_INDEX_EXACT, 0);
		ft_index *iv2 = ft_index_new(DIM, FT_INDEX_IVF, 0);
		float *qs = malloc((size_t)Q * DIM * sizeof *qs);
		ft_index_hit *a = malloc((size_t)Q * 8 * sizeof *a);
		ft_index_hit *b = malloc((size_t)Q * 8 * sizeof *b);
		int same = 0, nearest = 0;

		ft_index_set_nlist(iv2, 16);
		ft_index_set_nprobe(iv2, 16);
		ft_index_add(ex2, N, fid, cid, d);
		ft_index_add(iv2, N, fid, cid, d);
		is_str(ft_index_describe(iv2), "ivf16/16",
		       "the clusters asked for");
		for (int i = 0; i < Q; i++) {
			size_t row = (size_t)(i * 7 % N);

			for (int j = 0; j < DIM; j++)
				qs[i * DIM + j] = d[row * DIM + j] +
						  gauss() * 0.02f;
		}
		ft_index_search_many(ex2, Q, qs, a, 8);
		ft_index_search_many(iv2, Q, qs, b, 8);
		for (int i = 0; i < Q * 8; i++)
			same += a[i].face_id == b[i].face_id &&
				a[i].customer_id == b[i].customer_id &&
				fabsf(a[i].distance - b[i].distance) < 1e-3f;
		is_int(same, Q * 8, "many queries on every cluster: the exact "
		       "hits, nearest first");
		ft_index_set_nprobe(iv2, 2);
		ft_index_search_many(iv2, Q, qs, b, 8);
		for (int i = 0; i < Q; i++)
			nearest += b[i * 8].face_id ==
				   fid[brute(d, N, &qs[i * DIM])];
		ok(nearest >= Q * 95 / 100, "on 2 clusters of 16: the nearest "
		   "sample of %d of %d queries", nearest, Q);
		ft_index_free(ex2);
		ft_index_free(iv2);
		free(qs);
		free(a);
		free(b);
	}

	au = ft_index_new(DIM, FT_INDEX_AUTO, N / 2);
	ft_index_add(au, N / 4, fid, cid, d);
	is_str(ft_index_describe(au), "exact", "small: exact");
	for (int i = N / 4; i < N; i += 100)
		ft_index_add(au, 100, fid + i, cid + i, d + (size_t)i * DIM);
	n = ft_index_search(au, &d[(N - 1) * (size_t)DIM], hits, 1);
	ok(!strncmp(ft_index_describe(au), "ivf", 3) && n == 1 &&
	   hits[0].face_id == fid[N - 1],
	   "grown past its size: approximate, and the newest sample found");
	ft_index_free(ex);
	ft_index_free(ivf);
	ft_index_free(au);
	free(d);
	return done();
}
