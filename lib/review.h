/*
 * review — help for the owner who corrects recognition's mistakes:
 * pairs of customers that are probably one person (suggest), the
 * customers nearest a photo's face (search), and thresholds measured on
 * the store's own named customers (calibrate).
 *
 * Suggest and search work on a search object: every face sample of the
 * store with its owner, and for suggestions a lib/index index of them,
 * made when they are first asked for.  A long-running
 * program (ft-serve) keeps one alive and calls ft_review_refresh before
 * each use: it adds the samples stored since (cheap) and rebuilds the
 * index when the store's event feed shows samples moved or removed (a
 * merge, a forget, a split or any event it does not know).  A one-shot
 * program (ft-enroll, ft-query) makes one, uses it and frees it.
 *
 * Functions return FT_OK or a negative FT_E* code of errors.h (a store
 * code as the store returned it: FT_ETEMP when it is unreachable;
 * FT_EFAIL when the index failed) with the message in
 * ft_review_errmsg, or, for calibrate, in err.  Nothing here prints or
 * exits (memory exhaustion ends the program, as ft_xmalloc does).  A
 * search object is not safe to share between threads: a server guards
 * it with a lock.  Calls block on the store; suggest and calibrate on
 * seconds of computation at a hundred thousand customers.
 */
#ifndef FT_REVIEW_H
#define FT_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "store.h"

typedef struct ft_review ft_review;

/*
 * A search object over every sample of store s, read now.  s stays the
 * caller's; the object holds no reference to it, so each call below
 * takes the store again (the same one, or another connection to it).
 * Returns FT_OK and *out, or a code with *out NULL and a message in err.
 */
int ft_review_new(ft_store *s, ft_review **out, char *err, size_t errlen);
void ft_review_free(ft_review *r);

/*
 * Bring r up to date with s: read the events since the last refresh;
 * rebuild the index from the store when one of them may have moved or
 * removed samples (any kind but "visit", "customer", "unvisit" and
 * "different"), else add the samples newer than those held.  Cheap when nothing happened: one
 * query for the events, one for new samples.
 */
int ft_review_refresh(ft_review *r, ft_store *s);

/* Samples and customers held. */
size_t ft_review_samples(const ft_review *r);
size_t ft_review_customers(const ft_review *r);

/* The message of the last failure; owned by r. */
const char *ft_review_errmsg(const ft_review *r);

/* --- search by photo --- */

typedef struct ft_review_hit {
	int64_t customer_id;	/* the store's row id */
	float distance;		/* to the customer's nearest sample */
} ft_review_hit;

/*
 * The customers nearest descriptor d (FT_DESCRIPTOR_DIM floats), nearest
 * first, one hit each: writes up to max (at most FT_REVIEW_MAX_HITS) to
 * out and returns how many (0 when the store has no samples).  Exact:
 * d is compared with every sample (some 10 ms at 300,000), which costs
 * a one-shot program less than training an index would.  No threshold:
 * the caller shows the distances.
 */
#define FT_REVIEW_MAX_HITS 32
int ft_review_search(ft_review *r, const float *d, ft_review_hit *out,
    int max);

/* --- duplicate suggestions --- */

typedef struct ft_review_pair {
	int64_t a, b;		/* customer row ids, a < b */
	float distance;		/* the pair's distance, see below */
	float lead;		/* how much nearer than the crowd */
	int samples_a, samples_b;	/* samples of each */
} ft_review_pair;

typedef struct ft_review_suggest_opts {
	int limit;		/* pairs wanted (FT_REVIEW_SUGGEST_LIMIT) */
	int neighbours;		/* nearest customers asked for each
				   sample (FT_REVIEW_NEIGHBOURS) */
	float max_distance;	/* no pair farther than this
				   (FT_REVIEW_MAX_DISTANCE) */
} ft_review_suggest_opts;

#define FT_REVIEW_SUGGEST_LIMIT 50
#define FT_REVIEW_NEIGHBOURS 8
#define FT_REVIEW_MAX_DISTANCE 0.7f

/* The defaults above. */
void ft_review_suggest_opts_default(ft_review_suggest_opts *o);

/*
 * Pairs of customers that are probably one person, nearest first.
 * Candidates come from an index of the samples: the o->neighbours
 * nearest other customers of each customer's medoid (its most central
 * sample), so the cost grows with the customers, not with their pairs.
 * Each candidate pair is then measured on every sample of both: the
 * pair's distance is the median of the distances of every sample of
 * one to every sample of the other, so that one odd sample neither
 * makes a pair nor breaks it.  Pairs that s
 * records as different people (ft_store_different_pairs) are left out.
 *
 * Writes up to o->limit pairs to a new array *out (the caller frees
 * it), their number to *n, and returns FT_OK or a code.  o NULL: the
 * defaults.
 */
int ft_review_suggest(ft_review *r, ft_store *s,
    const ft_review_suggest_opts *o, ft_review_pair **out, size_t *n);

/* --- calibration --- */

/*
 * Evidence: the samples of one named customer are one person; two named
 * customers with different names, or a pair marked different, are two.
 * Calibration needs FT_REVIEW_MIN_PEOPLE named customers with two
 * samples or more.
 */
#define FT_REVIEW_MIN_PEOPLE 8
/* Pairwise merge rate the suggested threshold keeps under. */
#define FT_REVIEW_MERGE_TARGET 0.001
/* Share of one person's samples the suggested margin may refuse. */
#define FT_REVIEW_MARGIN_LOSS 0.05
/* Thresholds tried: from .._FIRST by .._STEP, .._STEPS of them. */
#define FT_REVIEW_CAL_FIRST 0.30f
#define FT_REVIEW_CAL_STEP 0.02f
#define FT_REVIEW_CAL_STEPS 26

typedef struct ft_review_cal_row {
	float threshold;
	double split;		/* share of one person's sample pairs at
				   or beyond threshold */
	double merge;		/* share of two people's sample pairs
				   below threshold */
} ft_review_cal_row;

typedef struct ft_review_calibration {
	int people;		/* named customers with >= 2 samples */
	int needed;		/* FT_REVIEW_MIN_PEOPLE */
	int64_t same_pairs;	/* sample pairs of one person measured */
	int64_t different_pairs;	/* sample pairs of two people */
	int nrows;
	ft_review_cal_row rows[FT_REVIEW_CAL_STEPS];
	float threshold;	/* suggested: the largest tried whose merge
				   rate is at most FT_REVIEW_MERGE_TARGET */
	float margin;		/* suggested: lib/match's margin test
				   refuses at most FT_REVIEW_MARGIN_LOSS of
				   the samples of one person matched below
				   the threshold */
	float split_at, merge_at;	/* the rates at threshold */
} ft_review_calibration;

/* Results of ft_review_calibrate besides FT_OK. */
enum { FT_REVIEW_TOO_LITTLE = 1 };

/*
 * Measure on s (its samples read afresh; at most a few thousand named
 * customers' samples are compared, taken evenly when there are more)
 * and fill out.  Returns FT_OK; FT_REVIEW_TOO_LITTLE when fewer than
 * out->needed customers qualify (out->people says how many do, and
 * nothing else is filled); or a code with a message in err.
 */
int ft_review_calibrate(ft_store *s, ft_review_calibration *out, char *err,
    size_t errlen);

#endif
