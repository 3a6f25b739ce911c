/*
 * recognize — the recogniser: faces in frames, matched to customers,
 * new customers registered and visits recorded (DESIGN.md section 5).
 *
 * A recogniser is made from a store (or none), a face backend
 * (lib/faces: dlib, or a test's synthetic faces) and its settings, and is
 * fed one frame at a time.  Per frame: detect on the whole frame every
 * few frames (fewer while nobody new comes; in an empty scene every
 * 100 ms of the frames' times), for newcomers, scaled down
 * for the smallest face of
 * interest (min_face), and in between each face in view at the scale
 * its size needs, near where it was or on the whole frame scaled for the
 * smallest, whichever scans fewer pixels; tie faces to tracks
 * (lib/match); describe only the faces whose track is unknown or due for
 * a check (a face too poor to register only when its quality, from its
 * landmarks, improved), in one batch; search the index (lib/index)
 * for each descriptor's nearest customers; let lib/match decide; write
 * visits, new customers and extra samples to the store; hand a `visit`
 * record for each new visit, then a `face` record for each face
 * (facetrack-records(5)) to the emit callback.
 *
 * A new customer is registered under the store's registration lock: the
 * index is brought up to date with the samples other recognisers added
 * meanwhile and the new samples are searched again first, so two
 * processes never register one person twice.  The index also follows
 * other processes' new samples (every refresh_ms), and is rebuilt when
 * the store's event feed shows a forget, a merge, a split or a removed
 * sample; tracks that followed a customer whose samples were split off
 * or removed earn their match anew, and a removed visit has the visit
 * gap read again from the store.  A visit records the sample its face
 * was matched to (ft_visit.face_id), so that a split takes it along.
 *
 * Customers marked two people (ft_store_different_add) are never drawn
 * together: a face recognised as one of them that also lies within the
 * threshold of the other is not added to either's samples.
 *
 * Recognition modes (cfg.mode, FT_RECOGNITION of facetrack.conf(5)):
 * with FT_RECOGNITION_ALL everybody is recognised and strangers are
 * registered.  With FT_RECOGNITION_CONSENTED only customers who agreed
 * (consent set) are recognised; nobody is registered, a face nearer to
 * a customer without consent than to any with it is nobody's, and a
 * track that would have registered a stranger counts once as anonymous
 * footfall (ft_store_footfall_add) and reports its faces "anonymous";
 * its descriptors live only in the track, in memory.  With
 * FT_RECOGNITION_ANONYMOUS no descriptor is computed at all and no
 * sample is loaded: a track seen in min_sightings frames counts once as
 * footfall.  A `footfall` record (source, ts, track) is emitted for
 * each count.
 *
 * Functions return FT_OK or a negative FT_E* code (lib/store.h): a store
 * code as the store returned it (FT_ETEMP: unreachable), FT_EFAIL when
 * the backend or the index failed; the message is in
 * ft_recognize_errmsg.  What was written before a failure stays written.
 * Nothing here prints or exits.  A recogniser is not safe to share
 * between threads; two recognisers (in one process or two) may share a
 * store.
 */
#ifndef FT_RECOGNIZE_H
#define FT_RECOGNIZE_H

#include <stdint.h>

#include <jv.h>

#include "config.h"
#include "faces.h"
#include "frame.h"
#include "index.h"
#include "match.h"
#include "store.h"

#define FT_RECOGNIZE_MAX_FACES 64	/* faces handled in one frame */

typedef struct ft_recognize_config {
	ft_match_config match;	/* the decisions (lib/match) */
	int max_samples;	/* samples kept per customer (8) */
	int descriptors;	/* describe every face and put its
				   descriptor in its record (0) */
	int upsample;		/* detector: upsample this often, 0-3 (0) */
	int min_face;		/* detector: narrowest face, pixels; newcomers
				   are looked for on the frame scaled for
				   it (0) */
	int refresh_ms;		/* follow other processes this often;
				   0: before every frame (1000) */
	enum ft_index_kind index_kind;	/* the index made (FT_INDEX_AUTO) */
	long approx_above;	/* its approx_above (0: the default) */
	enum ft_recognition mode;	/* who is recognised
					   (FT_RECOGNITION_ALL) */
	int crops;		/* keep a crop (ft_faces_crop) with every
				   sample stored, when the backend gives
				   chips (1) */
} ft_recognize_config;

/* The defaults above, with lib/match's for a stream (mode: all). */
void ft_recognize_config_default(ft_recognize_config *c);

/* Records out: emit consumes rec and returns 0 to go on; a nonzero
 * value stops the frame and is returned by ft_recognize_frame. */
typedef int (*ft_recognize_emit_fn)(void *ctx, jv rec);

typedef struct ft_recognizer ft_recognizer;

/*
 * A recogniser over store (NULL: none; faces are then only detected,
 * described and reported unknown) and the face backend fb (copied; its
 * ctx stays the caller's and must outlive the recogniser).  With a
 * store, checks that the store's samples are of fb's descriptor model
 * (ft_store_face_model) and loads every sample into a new index.
 * Returns FT_OK and *out, or a code with *out NULL and, when err is not
 * NULL, a message in err (errlen bytes).
 */
int ft_recognize_new(ft_store *store, const ft_face_backend *fb,
    const ft_recognize_config *c, ft_recognize_emit_fn emit, void *ctx,
    ft_recognizer **out, char *err, size_t errlen);

/* Free r and everything it holds (not the store or the backend). */
void ft_recognize_free(ft_recognizer *r);

/* One frame. */
typedef struct ft_recognize_input {
	const char *source;	/* camera name: tracks and visits are per
				   source */
	int64_t ts;		/* when the frame was taken, ms since 1970 */
	jv seq;			/* its number, or null; borrowed */
	const char *path;	/* its file, for the records; or NULL */
	const ft_image *image;	/* RGB */
	int still;		/* a photo, not a frame of a scene: searched
				   harder, its tracks end with it */
} ft_recognize_input;

/*
 * Recognise the faces of one frame and record what they mean.  Blocks
 * for the detection, the descriptors and the store's writes.  Returns
 * FT_OK, a code as above, or emit's nonzero value.
 */
int ft_recognize_frame(ft_recognizer *r, const ft_recognize_input *in);

/* Follow other processes now: new samples, forgets, merges. */
int ft_recognize_refresh(ft_recognizer *r);

/* The message of the last failure; owned by r. */
const char *ft_recognize_errmsg(const ft_recognizer *r);

/* Where the time went, for ft-recognize --stats. */
enum {
	FT_RECOGNIZE_DETECT, FT_RECOGNIZE_ALIGN, FT_RECOGNIZE_DESCRIBE,
	FT_RECOGNIZE_SEARCH, FT_RECOGNIZE_STORE, FT_RECOGNIZE_NSTAGES
};

/* The stages' names: "detect", "landmarks", "descriptor", "search",
 * "store". */
extern const char *const ft_recognize_stage_names[FT_RECOGNIZE_NSTAGES];

typedef struct ft_recognize_stats {
	long long frames;
	double ms[FT_RECOGNIZE_NSTAGES];	/* time spent in each stage */
	const char *index;	/* ft_index_describe; owned by r */
	size_t samples;		/* in the index */
} ft_recognize_stats;

void ft_recognize_stats_get(ft_recognizer *r, ft_recognize_stats *out);

#endif
