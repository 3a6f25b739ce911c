/*
 * index — exact and inverted-file nearest-neighbour search over FAISS's
 * C++ API.
 *
 * The index keeps its own copy of every descriptor (slots, in the order
 * added): the exact search scans it with FAISS's distance kernels, and an
 * IVF index is trained and rebuilt from it.  A slot's number is its label
 * inside FAISS.  Removing hides slots; compaction renumbers them.
 */
#include "index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
#include <faiss/utils/distances.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

/* Neighbours fetched per query before keeping one per customer. */
static const int FETCH = 32;

/* BLAS's matrix product, as FAISS links it (Fortran conventions). */
extern "C" int sgemm_(const char *transa, const char *transb, const int *m,
    const int *n, const int *k, const float *alpha, const float *a,
    const int *lda, const float *b, const int *ldb, const float *beta,
    float *c, const int *ldc);

struct ft_index {
	int dim;
	enum ft_index_kind kind;
	long approx_above;
	int nprobe;
	int nlist;		/* clusters asked for, 0: nlist_for() */
	std::vector<float> data;
	std::vector<int64_t> face_ids, customer_ids;
	std::vector<char> hidden;
	size_t nhidden;
	std::unordered_map<int64_t, int> per_customer;
	int64_t max_face_id;
	/* The IVF index and its coarse quantizer, when in use. */
	std::unique_ptr<faiss::IndexFlatL2> quantizer;
	std::unique_ptr<faiss::IndexIVFFlat> ivf;
	size_t trained_at;	/* slots when the IVF was trained */
	std::string desc, err;
};

static void
oom(void)
{
	fputs("out of memory\n", stderr);
	exit(1);
}

extern "C" ft_index *
ft_index_new(int dim, enum ft_index_kind kind, long approx_above)
{
	ft_index *ix;

	try {
		ix = new ft_index();
	} catch (std::bad_alloc &) {
		oom();
	}
	ix->dim = dim;
	ix->kind = kind;
	ix->approx_above = approx_above > 0 ? approx_above :
	    FT_INDEX_APPROX_ABOVE;
	ix->nprobe = 80;
	ix->nlist = 0;
	ix->nhidden = 0;
	ix->max_face_id = 0;
	ix->trained_at = 0;
	return ix;
}

extern "C" void
ft_index_free(ft_index *ix)
{
	delete ix;
}

static bool
want_ivf(const ft_index *ix, size_t n)
{
	if (ix->kind == FT_INDEX_IVF)
		return n >= 256;	/* too few to train on below that */
	return ix->kind == FT_INDEX_AUTO && n >= (size_t)ix->approx_above;
}

/* Clusters for n samples: about 2 sqrt(n), a power of two (2048 at a
 * million samples: 80 clusters probed are some 40,000 samples). */
static int
nlist_for(size_t n)
{
	int nl = 4;

	/* k-means wants 39 points a cluster or more. */
	while (nl < 2 * std::sqrt((double)n) && nl < 65536 &&
	    (size_t)nl * 2 * 39 <= n)
		nl *= 2;
	return nl;
}

/* (Re)build the IVF index over every visible slot.  Compacts first. */
static void
build_ivf(ft_index *ix)
{
	size_t n = ix->face_ids.size(), ntrain;
	int nl = ix->nlist ? (int)std::min((size_t)ix->nlist,
	    std::max(n / 39, (size_t)1)) : nlist_for(n);
	std::vector<float> train;
	std::vector<int64_t> labels(n);

	ix->quantizer.reset(new faiss::IndexFlatL2(ix->dim));
	ix->ivf.reset(new faiss::IndexIVFFlat(ix->quantizer.get(), ix->dim,
	    (size_t)nl, faiss::METRIC_L2));
	ix->ivf->cp.niter = 10;
	/* FAISS wants 39 to 256 points a cluster; a strided sample of 64 a
	 * cluster trains in seconds even at millions of samples. */
	ntrain = std::min(n, (size_t)nl * 64);
	train.resize(ntrain * (size_t)ix->dim);
	for (size_t i = 0; i < ntrain; i++) {
		size_t j = i * n / ntrain;
		memcpy(&train[i * ix->dim], &ix->data[j * ix->dim],
		    (size_t)ix->dim * sizeof(float));
	}
	ix->ivf->train((faiss::Index::idx_t)ntrain, train.data());
	for (size_t i = 0; i < n; i++)
		labels[i] = (int64_t)i;
	ix->ivf->add_with_ids((faiss::Index::idx_t)n, ix->data.data(),
	    labels.data());
	ix->ivf->nprobe = (size_t)std::min(ix->nprobe, nl);
	/* One query's clusters scanned by every core (OpenMP), not only
	 * a batch's queries: a recogniser asks one face at a time. */
	ix->ivf->parallel_mode = 1;
	ix->trained_at = n;
}

/* Drop hidden slots and renumber; rebuild the IVF index if any. */
static void
compact(ft_index *ix)
{
	size_t n = ix->face_ids.size(), k = 0;
	size_t d = (size_t)ix->dim;

	for (size_t i = 0; i < n; i++) {
		if (ix->hidden[i])
			continue;
		if (k != i) {
			memmove(&ix->data[k * d], &ix->data[i * d],
			    d * sizeof(float));
			ix->face_ids[k] = ix->face_ids[i];
			ix->customer_ids[k] = ix->customer_ids[i];
		}
		ix->hidden[k] = 0;
		k++;
	}
	ix->data.resize(k * d);
	ix->face_ids.resize(k);
	ix->customer_ids.resize(k);
	ix->hidden.resize(k);
	ix->nhidden = 0;
	ix->ivf.reset();
	ix->quantizer.reset();
	if (want_ivf(ix, k))
		build_ivf(ix);
}

extern "C" int
ft_index_add(ft_index *ix, size_t n, const int64_t *face_ids,
    const int64_t *customer_ids, const float *d)
{
	size_t first = ix->face_ids.size();

	try {
		ix->data.insert(ix->data.end(), d, d + n * (size_t)ix->dim);
		ix->face_ids.insert(ix->face_ids.end(), face_ids,
		    face_ids + n);
		ix->customer_ids.insert(ix->customer_ids.end(),
		    customer_ids, customer_ids + n);
		ix->hidden.resize(first + n, 0);
		for (size_t i = 0; i < n; i++) {
			ix->per_customer[customer_ids[i]]++;
			ix->max_face_id = std::max(ix->max_face_id,
			    face_ids[i]);
		}
		size_t total = ix->face_ids.size();

		if (ix->ivf && total < 4 * ix->trained_at) {
			std::vector<int64_t> labels(n);

			for (size_t i = 0; i < n; i++)
				labels[i] = (int64_t)(first + i);
			ix->ivf->add_with_ids((faiss::Index::idx_t)n,
			    &ix->data[first * ix->dim], labels.data());
		} else if (want_ivf(ix, total)) {
			compact(ix);
		}
	} catch (std::bad_alloc &) {
		oom();
	} catch (faiss::FaissException &e) {
		ix->err = e.what();
		return -1;
	}
	return 0;
}

extern "C" size_t
ft_index_remove_customer(ft_index *ix, int64_t customer_id)
{
	size_t n = 0;

	for (size_t i = 0; i < ix->customer_ids.size(); i++)
		if (ix->customer_ids[i] == customer_id && !ix->hidden[i]) {
			ix->hidden[i] = 1;
			n++;
		}
	ix->nhidden += n;
	ix->per_customer.erase(customer_id);
	if (ix->nhidden > 1024 && ix->nhidden * 8 > ix->face_ids.size())
		compact(ix);
	return n;
}

extern "C" size_t
ft_index_size(const ft_index *ix)
{
	return ix->face_ids.size() - ix->nhidden;
}

extern "C" int
ft_index_customer_samples(const ft_index *ix, int64_t customer_id)
{
	auto it = ix->per_customer.find(customer_id);

	return it == ix->per_customer.end() ? 0 : it->second;
}

extern "C" int64_t
ft_index_max_face_id(const ft_index *ix)
{
	return ix->max_face_id;
}

extern "C" const char *
ft_index_describe(ft_index *ix)
{
	if (!ix->ivf)
		ix->desc = "exact";
	else
		ix->desc = "ivf" + std::to_string(ix->ivf->nlist) + "/" +
		    std::to_string(ix->ivf->nprobe);
	return ix->desc.c_str();
}

extern "C" void
ft_index_set_nprobe(ft_index *ix, int nprobe)
{
	ix->nprobe = nprobe < 1 ? 1 : nprobe;
	if (ix->ivf)
		ix->ivf->nprobe = std::min((size_t)ix->nprobe,
		    ix->ivf->nlist);
}

extern "C" void
ft_index_set_nlist(ft_index *ix, int nlist)
{
	ix->nlist = nlist < 1 ? 0 : nlist;
}

/* k nearest slots of nq queries into dist (squared) and lab. */
static void
knn(ft_index *ix, size_t nq, const float *q, int k, float *dist,
    int64_t *lab)
{
	size_t n = ix->face_ids.size();

	if (ix->ivf) {
		ix->ivf->search((faiss::Index::idx_t)nq, q, k, dist, lab);
		return;
	}
	for (size_t i = 0; i < nq * (size_t)k; i++) {
		dist[i] = INFINITY;
		lab[i] = -1;
	}
	if (n == 0)
		return;
	faiss::knn_L2sqr(q, ix->data.data(), (size_t)ix->dim, nq, n,
	    (size_t)k, dist, lab);
}

/* The k nearest of one query so far, unordered: a nearer candidate
 * replaces the farthest, dist[*far]. */
static void
keep(float *dist, int64_t *lab, int k, int *far, float d, int64_t label)
{
	if (d >= dist[*far])
		return;
	dist[*far] = d;
	lab[*far] = label;
	for (int i = 0; i < k; i++)
		if (dist[i] > dist[*far])
			*far = i;
}

/*
 * knn() of many queries on the IVF index, a list at a time: the queries
 * that probe a list are compared with its samples in one matrix product,
 * where FAISS would scan the list once a query with its plain loop.
 */
static void
ivf_many(ft_index *ix, size_t nq, const float *q, int k, float *dist,
    int64_t *lab)
{
	const faiss::IndexIVFFlat *ivf = ix->ivf.get();
	const faiss::InvertedLists *il = ivf->invlists;
	size_t nprobe = std::min(ivf->nprobe, ivf->nlist), d = ix->dim;
	std::vector<float> cd(nq * nprobe), qn(nq), mn, qs, ip;
	std::vector<faiss::Index::idx_t> assign(nq * nprobe);
	std::vector<std::vector<size_t>> by_list(ivf->nlist);
	std::vector<int> far(nq, 0);
	const float one = 1, zero = 0;
	const int di = (int)d;

	ivf->quantizer->search((faiss::Index::idx_t)nq, q,
	    (faiss::Index::idx_t)nprobe, cd.data(), assign.data());
	for (size_t i = 0; i < nq; i++) {
		qn[i] = faiss::fvec_norm_L2sqr(&q[i * d], d);
		for (size_t j = 0; j < nprobe; j++)
			if (assign[i * nprobe + j] >= 0)
				by_list[assign[i * nprobe + j]].push_back(i);
	}
	for (size_t i = 0; i < nq * (size_t)k; i++) {
		dist[i] = INFINITY;
		lab[i] = -1;
	}
	for (size_t l = 0; l < ivf->nlist; l++) {
		size_t nm = il->list_size(l), nl = by_list[l].size();

		if (!nm || !nl)
			continue;
		faiss::InvertedLists::ScopedCodes codes(il, l);
		faiss::InvertedLists::ScopedIds ids(il, l);
		const float *m = (const float *)codes.get();
		int nmi = (int)nm, nli = (int)nl;

		mn.resize(nm);
		for (size_t j = 0; j < nm; j++)
			mn[j] = faiss::fvec_norm_L2sqr(&m[j * d], d);
		qs.resize(nl * d);
		for (size_t i = 0; i < nl; i++)
			memcpy(&qs[i * d], &q[by_list[l][i] * d],
			    d * sizeof(float));
		/* ip[i * nm + j]: query i of the list times its sample j. */
		ip.resize(nl * nm);
		sgemm_("T", "N", &nmi, &nli, &di, &one, m, &di, qs.data(),
		    &di, &zero, ip.data(), &nmi);
		for (size_t i = 0; i < nl; i++) {
			size_t qi = by_list[l][i];

			for (size_t j = 0; j < nm; j++)
				keep(&dist[qi * k], &lab[qi * k], k, &far[qi],
				    std::max(qn[qi] + mn[j] -
				    2 * ip[i * nm + j], 0.0f), ids.get()[j]);
		}
	}
	/* Nearest first, as FAISS answers. */
	std::vector<std::pair<float, int64_t>> one_q(k);
	for (size_t i = 0; i < nq; i++) {
		for (int j = 0; j < k; j++)
			one_q[j] = { dist[i * k + j], lab[i * k + j] };
		std::sort(one_q.begin(), one_q.end());
		for (int j = 0; j < k; j++) {
			dist[i * k + j] = one_q[j].first;
			lab[i * k + j] = one_q[j].second;
		}
	}
}

/* Of FETCH neighbours dist, lab of one query, up to max hits in out,
 * one per customer, nearest first; returns how many. */
static int
one_per_customer(const ft_index *ix, const float *dist, const int64_t *lab,
    ft_index_hit *out, int max)
{
	int nout = 0;

	for (int i = 0; i < FETCH && nout < max; i++) {
		int64_t s = lab[i];
		bool dup = false;

		if (s < 0 || (size_t)s >= ix->face_ids.size() || ix->hidden[s])
			continue;
		for (int j = 0; j < nout; j++)
			if (out[j].customer_id == ix->customer_ids[s])
				dup = true;
		if (dup)
			continue;
		out[nout].face_id = ix->face_ids[s];
		out[nout].customer_id = ix->customer_ids[s];
		out[nout].distance = std::sqrt(std::max(dist[i], 0.0f));
		nout++;
	}
	return nout;
}

extern "C" int
ft_index_search(ft_index *ix, const float *q, ft_index_hit *out, int max)
{
	float dist[FETCH];
	int64_t lab[FETCH];

	if (ft_index_size(ix) == 0 || max <= 0)
		return 0;
	try {
		knn(ix, 1, q, FETCH, dist, lab);
	} catch (faiss::FaissException &e) {
		ix->err = e.what();
		return -1;
	}
	return one_per_customer(ix, dist, lab, out, max);
}

extern "C" int
ft_index_search_many(ft_index *ix, size_t n, const float *q,
    ft_index_hit *out, int max)
{
	std::vector<float> dist;
	std::vector<int64_t> lab;

	if (max <= 0)
		return 0;
	for (size_t i = 0; i < n * (size_t)max; i++)
		out[i].face_id = -1;
	if (ft_index_size(ix) == 0 || n == 0)
		return 0;
	try {
		dist.resize(n * FETCH);
		lab.resize(n * FETCH);
		if (ix->ivf)
			ivf_many(ix, n, q, FETCH, dist.data(), lab.data());
		else
			knn(ix, n, q, FETCH, dist.data(), lab.data());
	} catch (std::bad_alloc &) {
		oom();
	} catch (faiss::FaissException &e) {
		ix->err = e.what();
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		one_per_customer(ix, &dist[i * FETCH], &lab[i * FETCH],
		    &out[i * (size_t)max], max);
	return 0;
}

extern "C" int
ft_index_search_batch(ft_index *ix, size_t n, const float *q,
    ft_index_hit *out)
{
	const int k = ix->nhidden ? FETCH : 1;
	std::vector<float> dist;
	std::vector<int64_t> lab;

	try {
		dist.resize(n * k);
		lab.resize(n * k);
		knn(ix, n, q, k, dist.data(), lab.data());
	} catch (std::bad_alloc &) {
		oom();
	} catch (faiss::FaissException &e) {
		ix->err = e.what();
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		out[i].face_id = -1;
		out[i].customer_id = 0;
		out[i].distance = INFINITY;
		for (int j = 0; j < k; j++) {
			int64_t s = lab[i * k + j];

			if (s < 0 || (size_t)s >= ix->face_ids.size() ||
			    ix->hidden[s])
				continue;
			out[i].face_id = ix->face_ids[s];
			out[i].customer_id = ix->customer_ids[s];
			out[i].distance = std::sqrt(std::max(
			    dist[i * k + j], 0.0f));
			break;
		}
	}
	return 0;
}

extern "C" const char *
ft_index_errmsg(const ft_index *ix)
{
	return ix->err.c_str();
}
