/*
 * match — the decisions between a face seen and a visit recorded:
 * tracks across frames, who a face is, when an unknown face becomes a
 * customer, and when a sighting counts as a new visit.
 *
 * Pure C and clock-free: every call takes the frame's own time, so
 * recorded footage replays with its times.  The caller does the looking
 * (detection, descriptors, nearest neighbours) and the writing (store);
 * this module only decides.  One ft_match serves any number of sources;
 * it is not safe to share between threads.
 *
 * A frame is processed in two steps: ft_match_track() ties the frame's
 * boxes to tracks and says which faces need a descriptor (a face on a
 * track already known needs one only now and then: every steady_frames
 * while the track holds it alone, every recheck_frames where it touches
 * another face or was missing from the last frame, the two ways a track
 * can pass to another person), then
 * ft_match_identify() takes the descriptors' nearest customers and
 * returns a result per face.
 *
 * A face too poor to gather (quality below min_quality) in two frames
 * in a row on a track of nobody known is not described at every frame
 * either: it is described
 * again after steady_frames or recheck_frames frames, as a known track
 * is, or sooner when
 * its quality, looked at every third frame, has clearly improved
 * (ft_match_improved).  A person whose
 * face stays too poor to register would otherwise cost a descriptor a
 * frame for as long as they stay in view.
 */
#ifndef FT_MATCH_H
#define FT_MATCH_H

#include <stdint.h>

#include "store.h"

#define FT_MATCH_MAX_CANDIDATES 8
#define FT_MATCH_MAX_SAMPLES 8

typedef struct ft_match_config {
	float threshold;	/* same person below this distance */
	float strict_threshold;	/* for customers not yet trusted */
	int trusted_samples;	/* samples that make a new customer trusted */
	int min_sightings;	/* frames of one track before registering */
	double min_quality;	/* for registration and new samples, 0..1 */
	int64_t visit_gap_ms;	/* unseen this long on a source: new visit */
	int64_t track_timeout_ms; /* a track unseen this long ends */
	double min_iou;		/* box overlap that continues a track */
	int recheck_frames;	/* re-describe a known track every N frames */
	int steady_frames;	/* ... or every N while steady: seen in
				   the last frame, touching no other face
				   (also a track too poor to gather) */
	int samples;		/* samples kept for a new customer */
	float novelty;		/* a known face this far off adds a sample */
	int cohort;		/* other customers a match is set against */
	float margin;		/* how much nearer than those it must be */
} ft_match_config;

/* Defaults for streams (min_sightings 3); still images set it to 1. */
void ft_match_config_default(ft_match_config *c);

/* One nearest customer of a face's descriptor. */
typedef struct ft_match_candidate {
	int64_t customer_id;
	float distance;		/* Euclidean, to that customer's nearest
				 * sample */
	int trusted;		/* enrolled by a person, or enough samples */
} ft_match_candidate;

/*
 * Whether candidate j of cand[0..ncand) (nearest first, as a face's
 * candidates) is near enough to be that customer: below the threshold
 * (the strict one when not trusted), and, when at least c->cohort other
 * customers were found, nearer by c->margin than the mean distance to
 * the c->cohort nearest of them.  Faces lie closer together in some
 * parts of the descriptor space than in others; the second test asks
 * for a clear lead where many customers crowd, and costs nothing where
 * they do not.  Candidates beyond the threshold still count as others,
 * so give every candidate the index found.
 */
int ft_match_accepts(const ft_match_config *c, const ft_match_candidate *cand,
		     int ncand, int j);

typedef struct ft_match_face {
	float box[4];		/* x, y, w, h in pixels */
	double quality;		/* 0..1, from the face module */
	const float *descriptor; /* 128 floats, or NULL when not computed */
	ft_match_candidate cand[FT_MATCH_MAX_CANDIDATES];
	int ncand;		/* candidates, nearest first, one per
				 * customer */
	int track;		/* set by ft_match_track() */
} ft_match_face;

enum ft_match_status {
	FT_MATCH_KNOWN,		/* a customer */
	FT_MATCH_NEW,		/* registered now: see result.register */
	FT_MATCH_PENDING,	/* unknown, sightings being gathered */
	FT_MATCH_UNKNOWN	/* unknown and too poor to gather */
};

typedef struct ft_match_result {
	enum ft_match_status status;
	int track;
	int64_t customer_id;	/* KNOWN: the customer; else 0 */
	float distance;		/* to the customer; -1 when not compared */
	int visit;		/* record a visit of customer_id now */
	int add_sample;		/* store this descriptor for the customer */
	/* NEW: register a customer with these samples (owned by the
	 * matcher, valid until the next call), then report the new id with
	 * ft_match_registered(). */
	int nsamples;
	const float *samples[FT_MATCH_MAX_SAMPLES];
	double sample_quality[FT_MATCH_MAX_SAMPLES];
} ft_match_result;

typedef struct ft_match ft_match;

/* Ask the store's memory: the last time customer was seen on source, or 0.
 * Called once per customer and source, then remembered. */
typedef int64_t (*ft_match_last_seen_fn)(void *ctx, int64_t customer_id,
					 const char *source);

ft_match *ft_match_new(const ft_match_config *c, ft_match_last_seen_fn fn,
		       void *ctx);
void ft_match_free(ft_match *m);

/* What ft_match_track says of a face's descriptor. */
enum {
	FT_MATCH_SKIP,		/* not needed: the track carries the face */
	FT_MATCH_DESCRIBE,	/* needed */
	FT_MATCH_IF_BETTER	/* needed when ft_match_improved says so of
				 * the face's quality */
};

/*
 * Tie the n faces of a frame of source at ts to tracks (faces[i].track)
 * and set need[i] to one of the values above.  Tracks unseen for the
 * timeout end here.
 */
void ft_match_track(ft_match *m, const char *source, int64_t ts,
		    ft_match_face *faces, int n, int *need);

/*
 * Whether a face of quality q on track (one ft_match_track marked
 * FT_MATCH_IF_BETTER) is worth its descriptor: good enough to gather, or
 * clearly better than the last one described on the track.  Unknown
 * tracks: 1.
 */
int ft_match_improved(const ft_match *m, int track, double q);

/*
 * Decide about each face (after ft_match_track and the descriptors and
 * candidates of the faces that needed them).  Two faces of one frame are
 * never the same customer: the nearer keeps the match.  Writes out[0..n).
 */
void ft_match_identify(ft_match *m, const char *source, int64_t ts,
		       ft_match_face *faces, int n, ft_match_result *out);

/* The customer registered for track; counts the visit as seen at ts. */
void ft_match_registered(ft_match *m, int track, int64_t customer_id,
			 const char *source, int64_t ts);

/* End every track of source: the next frame starts afresh (still images,
 * which are not frames of one scene). */
void ft_match_end_tracks(ft_match *m, const char *source);

/* Forget what is known of a customer (after a forget or a merge). */
void ft_match_drop_customer(ft_match *m, int64_t customer_id);

/* Intersection over union of two x, y, w, h boxes. */
double ft_match_iou(const float *a, const float *b);

#endif
