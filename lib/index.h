/*
 * index — nearest face samples of a descriptor, over FAISS (lib/index.cc:
 * Debian's FAISS has the C API's headers but not its symbols).
 *
 * Each sample is a descriptor with the store's face id and customer id.
 * Search is exact (every sample compared) until the index holds
 * approx_above samples; from there on an inverted-file index (IVF, flat
 * lists, trained on the samples themselves) is used, which compares a
 * query with the samples of a few clusters only.  Distances are
 * Euclidean, not squared.
 *
 * Adding is incremental and cheap; an IVF index is retrained when it has
 * grown four-fold since it was trained.  Removing a customer hides their
 * samples at once and compacts the index when many are hidden.  An index
 * is not safe to share between threads; a search may use several threads
 * of its own (OpenMP) for a large exact scan.  Functions that allocate
 * exit on memory exhaustion, like ft_xmalloc; failures are FT_EFAIL of
 * errors.h, with the message in ft_index_errmsg.
 */
#ifndef FT_INDEX_H
#define FT_INDEX_H

#include "errors.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ft_index ft_index;

enum ft_index_kind {
	FT_INDEX_AUTO = 0,	/* exact below approx_above, IVF above */
	FT_INDEX_EXACT,
	FT_INDEX_IVF
};

/* Default size from which an automatic index turns approximate (see the
 * search figures of scripts/bench-pipeline). */
#define FT_INDEX_APPROX_ABOVE 50000

typedef struct ft_index_hit {
	int64_t face_id;
	int64_t customer_id;
	float distance;
} ft_index_hit;

/*
 * A new empty index of dim-float descriptors.  approx_above <= 0 takes
 * FT_INDEX_APPROX_ABOVE.
 */
ft_index *ft_index_new(int dim, enum ft_index_kind kind, long approx_above);
void ft_index_free(ft_index *ix);

/* Add n samples: descriptors d[i*dim..], ids face_ids[i], customers
 * customer_ids[i].  Returns FT_OK, or FT_EFAIL when FAISS refused
 * (message in ft_index_errmsg). */
int ft_index_add(ft_index *ix, size_t n, const int64_t *face_ids,
    const int64_t *customer_ids, const float *d);

/* Hide every sample of customer_id.  Returns how many were hidden. */
size_t ft_index_remove_customer(ft_index *ix, int64_t customer_id);

/* Samples searchable now. */
size_t ft_index_size(const ft_index *ix);
/* Samples of one customer. */
int ft_index_customer_samples(const ft_index *ix, int64_t customer_id);
/* Largest face id added so far, 0 when none: where to refresh from. */
int64_t ft_index_max_face_id(const ft_index *ix);
/* "exact" or "ivfNLIST/NPROBE"; owned by ix, valid until its next call. */
const char *ft_index_describe(ft_index *ix);

/*
 * The nearest samples of q, at most one per customer, nearest first:
 * writes up to max hits to out and returns their number (0 when the
 * index is empty), or FT_EFAIL when FAISS failed.
 */
int ft_index_search(ft_index *ix, const float *q, ft_index_hit *out,
    int max);

/*
 * Search n queries at once (faster for benchmarks): the single nearest
 * sample of each, face_id -1 when none.  FT_OK, or FT_EFAIL when FAISS
 * failed.
 */
int ft_index_search_batch(ft_index *ix, size_t n, const float *q,
    ft_index_hit *out);

/*
 * The nearest customers of each of n queries q[i*dim..], as
 * ft_index_search for each but in one batch (an IVF index compares
 * the queries that visit a cluster with its samples in one matrix
 * product, which BLAS spreads over the cores): writes up to max hits a query to out[i*max..], the rest
 * of its max slots with face_id -1.  FT_OK, or FT_EFAIL when FAISS
 * failed.
 */
int ft_index_search_many(ft_index *ix, size_t n, const float *q,
    ft_index_hit *out, int max);

/* Cost knob of the IVF index: clusters visited per query (default 80).
 * No effect on an exact index. */
void ft_index_set_nprobe(ft_index *ix, int nprobe);
/* Clusters of the IVF index when it is next trained; 0 (the default)
 * about 2 sqrt(n) of n samples, which suits one query at a time.  Many
 * queries at once (ft_index_search_many) scan clusters by matrix
 * products and want fewer, larger ones. */
void ft_index_set_nlist(ft_index *ix, int nlist);

const char *ft_index_errmsg(const ft_index *ix);

#ifdef __cplusplus
}
#endif

#endif
