/*
 * face — find faces in an image, align them and describe each by 128
 * floats (DESIGN.md section 5).  A thin C interface over dlib
 * (lib/face.cc): the models are the files the caller names, and every
 * choice made about the faces found (which model files, which face a
 * photo is of, how hard to look, how good a face is) is lib/faces's.
 *
 * The steps, each a call, so a caller can stop early or skip one:
 *   ft_face_detect    HOG boxes, optionally on an upsampled image
 *   ft_face_detect_net  boxes of the convolutional detector, once
 *		       ft_face_load_detector has loaded it (lib/face_tiny.cc)
 *   ft_face_align     landmarks and the 150x150 chip the network takes
 *   ft_face_describe  descriptors of a batch of chips in one pass
 *
 * Images are 8-bit pixels in rows: 1 channel (grey) or 3 (R, G, B in that
 * order), rows `stride` bytes apart.  The library never keeps a pointer
 * into the caller's image past a call.  Chips are always RGB, 150 rows of
 * 150 pixels, 3 bytes each, rows packed (FT_FACE_CHIP_BYTES).
 *
 * A context holds the models; it is not safe to use from two threads at
 * once (open one per thread; the models are read-only once loaded but the
 * network keeps its activations in the context).  Functions that fail
 * return -1 or NULL and leave a message for ft_face_errmsg(); none prints
 * or exits.  All calls run on the calling thread and block only for the
 * computation, except ft_face_open, which also reads the model files.
 */
#ifndef FT_FACE_H
#define FT_FACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FT_FACE_CHIP 150		/* chip side, pixels */
#define FT_FACE_CHIP_BYTES (FT_FACE_CHIP * FT_FACE_CHIP * 3)
#define FT_FACE_DIM 128			/* floats in a descriptor */
#define FT_FACE_POINTS_MAX 68		/* landmarks of the larger model */

typedef struct ft_face_ctx ft_face_ctx;

typedef struct ft_face_detect_opts {
	int upsample;		/* double the image this often first, 0-3;
				   each finds faces half as large and costs
				   about 4 times the time */
	int min_size;		/* drop boxes narrower than this, in input
				   pixels; 0 keeps all */
	double threshold;	/* added to the detector's threshold: < 0
				   finds more (and more false) faces */
} ft_face_detect_opts;

typedef struct ft_face_box {
	int left, top;		/* in input pixels; a box may reach past
				   the image's edges */
	int width, height;
	double confidence;	/* detector score, above threshold */
	int pose;		/* which of the detector's five filters,
				   each tuned to a range of poses, fired */
} ft_face_box;

typedef struct ft_face_shape {
	int n;			/* points: 68, or 5 with a 5-point model */
	float x[FT_FACE_POINTS_MAX];	/* in input pixels */
	float y[FT_FACE_POINTS_MAX];
} ft_face_shape;

/*
 * Load the models.  descriptor_model is a dlib face recognition network
 * file: the one make models converts from face-api's weights, or dlib's
 * own dlib_face_recognition_resnet_model_v1.dat.  shape_model is a dlib
 * shape predictor with 68 or 5 points.  Either may be NULL when the
 * caller will not describe (or align) faces; detection needs no file.
 *
 * Returns a context the caller frees with ft_face_close.  On failure
 * returns NULL and, when errp is not NULL, sets *errp to a message the
 * caller frees with free() (or to NULL when memory ran out).  Blocks
 * while it reads the files: about a second for the 68-point model.
 */
ft_face_ctx *ft_face_open(const char *descriptor_model,
    const char *shape_model, char **errp);

/* Free the context and everything it holds.  NULL is allowed. */
void ft_face_close(ft_face_ctx *ctx);

/*
 * The message of the last failed call on ctx.  The string belongs to
 * ctx and lasts until its next call.
 */
const char *ft_face_errmsg(const ft_face_ctx *ctx);

/*
 * Which descriptor model ctx uses, as "KIND:HASH": KIND is
 * "faceapi-resnet-q8" for 8-bit quantised weights (the converted face-api
 * model) and "dlib-resnet" otherwise; HASH is the first 16 hex digits of
 * the model file's SHA-256.  Descriptors of two models are not
 * comparable, so a store records this with its samples and refuses
 * another.  The string belongs to ctx.  NULL without a descriptor model.
 */
const char *ft_face_model_id(const ft_face_ctx *ctx);

/* The SHA-256 of the descriptor model file, 64 hex digits; owned by ctx.
 * NULL without a descriptor model. */
const char *ft_face_model_sha256(const ft_face_ctx *ctx);

/* One model in use, for ft-recognize --models. */
typedef struct ft_face_model_info {
	const char *role;	/* "detector", "shape" or "descriptor" */
	const char *path;	/* its file; "(built in)" for HOG */
	const char *sha256;	/* of the file, 64 hex digits; for HOG,
				   of its serialised form */
	const char *kind;	/* what it is, e.g. "dlib 68-point shape
				   predictor" */
	const char *origin;	/* where it came from */
	const char *licence;	/* its terms, with any restriction on use */
} ft_face_model_info;

/*
 * Describe the models ctx uses: the convolutional detector when loaded,
 * HOG always, then the shape predictor and the descriptor network when
 * loaded.  Writes up to max entries (4 is enough) and returns how many there are, or -1 when a
 * file cannot be read again for its SHA-256 (message in ft_face_errmsg).
 * The strings belong to ctx and last until ft_face_close.  The first
 * call hashes the shape model, some 100 MB: a fraction of a second.
 */
int ft_face_models(ft_face_ctx *ctx, ft_face_model_info *out, int max);

/*
 * Find faces with dlib's HOG frontal face detector.  pixels holds height
 * rows of width pixels of `channels` bytes (1 or 3), rows stride bytes
 * apart.  opts may be NULL for the defaults (no upsampling, no minimum
 * size, threshold 0).
 *
 * Writes up to max boxes to out, most confident first, and returns how
 * many faces were found, which may exceed max; -1 on bad arguments or
 * when out of memory.  Faces narrower than about 80 pixels divided by
 * 2^upsample are not found.
 */
int ft_face_detect(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels,
    const ft_face_detect_opts *opts, ft_face_box *out, int max);

/*
 * Load the convolutional face detector for ft_face_detect_net: the file
 * make models converts from face-api's tiny face detector.  Returns 0, or
 * -1 when the file is missing, unreadable or not such a model, with a
 * message naming it in ft_face_errmsg.  Blocks while it reads the file
 * (some 1 MB).
 */
int ft_face_load_detector(ft_face_ctx *ctx, const char *path);

/* Whether ft_face_load_detector has loaded a detector into ctx. */
int ft_face_detector_loaded(const ft_face_ctx *ctx);

/*
 * The minimum score of a face of ft_face_detect_net, before
 * opts->threshold is added.  A face scores 0 to 1.
 */
#define FT_FACE_NET_SCORE 0.5

/*
 * Find faces with the convolutional detector: as ft_face_detect, with the
 * options read so:
 *   min_size	faces narrower than this are not looked for: the image is
 *		scaled down until such a face is some 45 pixels wide, the
 *		size the network finds best, then searched at that scale
 *		and at smaller ones for the larger faces; 0 looks from
 *		about 40 pixels up.
 *   upsample	doubles the image this often first (0-3), for faces half
 *		as large each time.
 *   threshold	added to FT_FACE_NET_SCORE, the lowest score kept; a box
 *		scoring up to 0.2 below it is the network's unsure one,
 *		kept when HOG finds the face there too (ft_face_refine).
 * Boxes are in the geometry of ft_face_detect's (from the eyebrows to the
 * chin, square), which the shape model expects; confidence is the score,
 * pose -1.  Returns the number found or -1, as ft_face_detect; -1 also
 * when no detector is loaded.  Some 5 ms for a 640x480 image on one core.
 */
int ft_face_detect_net(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels,
    const ft_face_detect_opts *opts, ft_face_box *out, int max);

/*
 * Find again, with the convolutional detector, faces seen in the last
 * frame: each of near[0..nnear) is looked for in the square twice its
 * side around it (past the image's edge, black), scaled to 96 pixels,
 * all of them in one pass of the network; a face from some 0.4 of the
 * square's side up is found.  opts as ft_face_detect_net's (upsample
 * unused).  Writes up to max boxes, a square's most confident first,
 * square after square; a face in two squares may be found twice.
 * Returns the number found, or -1.  Some 1 ms a face on two cores.
 */
int ft_face_detect_net_near(ft_face_ctx *ctx, const uint8_t *pixels,
    int width, int height, size_t stride, int channels,
    const ft_face_box *near, int nnear, const ft_face_detect_opts *opts,
    ft_face_box *out, int max);

/*
 * Turn a box of ft_face_detect_net (pose -1) into HOG's box of the same
 * face, when HOG finds it in the square twice the box's side around it:
 * the shape model,
 * trained on HOG's boxes, places its landmarks better from them (on the
 * labelled pairs of ../shared/data, the network's boxes alone lost a
 * point of verification accuracy).  Returns 1 when the box was replaced,
 * 0 when HOG found no such face or the box is HOG's already, -1 on bad
 * arguments.  Some 2 ms on one core.
 */
int ft_face_refine(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels, ft_face_box *box);

/*
 * The network's own output for checking it against its original: one
 * pass at `scale` times the image's size, boxes scoring above min_score
 * after non-maximum suppression, most confident first, as left, top,
 * width, height (in the image's pixels) and score.  Writes up to max and
 * returns how many were found, or -1.
 */
int ft_face_detect_net_raw(ft_face_ctx *ctx, const uint8_t *pixels,
    int width, int height, size_t stride, int channels, double scale,
    double min_score, double (*out)[5], int max);

/*
 * Place the shape model's landmarks on the face in box and cut the aligned
 * chip the network takes (eyes level, face scaled to the chip with a
 * quarter of padding around it, the image's edge filled with black).  The
 * image arguments are those of ft_face_detect, box one it returned (or
 * any face-sized rectangle).
 *
 * shape receives the landmarks when not NULL; chip receives
 * FT_FACE_CHIP_BYTES of RGB when not NULL (a grey image gives grey RGB).
 * Returns 0, or -1 when ctx has no shape model or on bad arguments.
 */
int ft_face_align(ft_face_ctx *ctx, const uint8_t *pixels, int width,
    int height, size_t stride, int channels, const ft_face_box *box,
    ft_face_shape *shape, uint8_t *chip);

/*
 * Describe n chips (n * FT_FACE_CHIP_BYTES bytes, one after the other) in
 * one forward pass of the network (one per thread, see
 * ft_face_set_threads): out[i] receives the 128 floats of chip i.  Two
 * descriptors are of the same person when their Euclidean distance is
 * small (about 0.6 or less).
 *
 * Returns 0, or -1 when ctx has no descriptor model, n < 0, or memory ran
 * out.  Blocks for about 15 ms per chip on one core.
 */
int ft_face_describe(ft_face_ctx *ctx, const uint8_t *chips, int n,
    float (*out)[FT_FACE_DIM]);

/*
 * With on non-zero, ft_face_describe describes each chip and its mirror
 * image and returns the mean of the two, at twice the cost; 0 (the
 * default) turns it off.  On the 3108 labelled pairs of ../shared/data
 * it raised verification accuracy from 99.16% to 99.32% at distance 0.6,
 * and from 99.36% to 99.42% at each one's best threshold.  The
 * descriptors stay comparable with plain ones (the model is the same),
 * so it suits enrolment and still photos, where time matters less.
 */
void ft_face_set_mirror(ft_face_ctx *ctx, int on);

/*
 * Let ft_face_describe spread a batch over n threads (1-64), each with
 * its own copy of the network (some 25 MB each).  Useful up to the number
 * of cores; the default is 1.  Returns 0, or -1 without a descriptor
 * model or when memory ran out (the context then keeps one thread).
 *
 * Loading a descriptor model also limits OpenBLAS, when that is the BLAS
 * in use, to one thread for the whole process: the network's matrix
 * products are too small to gain from it, and lost a factor of 3 to it
 * on 2 cores.
 */
int ft_face_set_threads(ft_face_ctx *ctx, int n);

#ifdef __cplusplus
}
#endif

#endif
