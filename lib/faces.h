/*
 * faces — the face pipeline's policy over the dlib shim of lib/face:
 * which model files to load, how hard to look for the faces of a still
 * photo, which of them the photo is of, how good a face is for
 * registration, and the recogniser's face backend.  Pure C: what needs
 * dlib is lib/face's, which takes every choice from here.
 *
 * Functions that take a context leave the message of a failure in
 * ft_face_errmsg(ctx) unless they say otherwise; none prints (but
 * ft_faces_list_models) or exits.
 */
#ifndef FT_FACES_H
#define FT_FACES_H

#include <stdio.h>

#include "face.h"
#include "frame.h"

/* --- the model files --- */

/*
 * The directory the model files are looked for in, by the first rule
 * that applies:
 *   1. the FT_MODELS_DIR setting (lib/config: option, environment,
 *      .env, facetrack.conf), when set and not empty;
 *   2. a program that runs from the build directory it was built in
 *      (its /proc/self/exe is in that directory or below): the models/
 *      directory of that checkout, which make models fills;
 *   3. a program elsewhere, PREFIX/bin/NAME say: PREFIX/share/facetrack/
 *      models, when that directory exists, so that an installed tree
 *      (even one moved, or staged under DESTDIR) uses its own models;
 *   4. the MODELSDIR make install was configured with.
 * So an installed program never reads the checkout it was built in.
 * The caller frees the result.
 */
char *ft_faces_models_dir(void);

/*
 * The model files in use: the FT_MODEL_DESCRIPTOR and FT_MODEL_SHAPE
 * settings, each by default its file in ft_faces_models_dir().  The
 * caller frees each.
 */
char *ft_faces_descriptor_path(void);
char *ft_faces_shape_path(void);
/* The convolutional detector's model: FT_MODEL_DETECTOR, by default
 * tiny_face_detector_faceapi.yml in ft_faces_models_dir(). */
char *ft_faces_detector_path(void);

/*
 * The detector that finds faces, from the FT_DETECTOR setting: "net"
 * (the default), face-api's tiny face detector run by OpenCV
 * (ft_face_detect_net), or "hog", dlib's HOG detector (ft_face_detect).
 * -1 when the setting is neither.  Both are loaded either way: a still
 * photo in which one finds nothing is searched with the other.
 */
enum { FT_FACES_NET, FT_FACES_HOG };
int ft_faces_detector(void);

/*
 * Open the models: descriptor, shape and detector.  On failure returns
 * NULL and sets *errp to a message for the user (saying how to get the
 * files when one is missing, or what FT_DETECTOR may be), to free().
 * Blocks while it reads them, about a second.
 */
ft_face_ctx *ft_faces_open(char **errp);

/*
 * Write a `model` record to f for each model in use (ft_face_models):
 * role, path, SHA-256, kind, where it came from and its licence.
 * Returns 0, 1 when a model cannot be loaded (reported on stderr), -1 on
 * a write error.
 */
int ft_faces_list_models(FILE *f);

/* --- the faces of a still photo --- */

/*
 * Of n boxes found in an image width by height, the one a photo is of:
 * the largest, its area weighted by (1 - d)^2, d the distance of its
 * middle from the image's over half the diagonal, so that a bystander's
 * face at the edge, however large, loses to the subject's in the middle
 * (a face halfway out counts a quarter of its area).  In 15 of the 128
 * photos of ../shared/data/faces with several faces found, the most
 * confident face and the largest (weighted by 1 - 0.45 d) differ; the
 * subject, in the middle of these photos, is this rule's pick in all 15,
 * the most confident face in 6, the milder weighting's in 9.  With width
 * and height 0 (an image whose size is unknown) it is the largest box.
 * Of boxes that score alike the first wins.  Returns its index, or -1
 * when n < 1.  Needs no context.
 */
int ft_faces_main(const ft_face_box *boxes, int n, int width, int height);

/*
 * The faces of a still photo, found as hard as is worth it, with the
 * detector of ft_faces_detector() first and the other where it finds
 * none.  opts (NULL for the defaults) are the first pass's of each.
 *   - The network: with opts, each box then HOG's where HOG finds the
 *     face (ft_face_refine); when that finds nothing, upsampled once
 *     more with a minimum score of 0.3, keeping only the faces HOG
 *     confirms.
 *   - HOG: with opts; when that finds nothing, again on the image
 *     upsampled once more; when that finds nothing either, once more
 *     with the threshold lowered by 0.6 (on the 2766 photos of
 *     ../shared/data/faces the first pass missed 10 faces, the second
 *     found 2 of them and the third the other 8).
 * The last passes may find a face-like pattern in a photo of none: use
 * it for photos said to show a face (enrolment, still images), not for a
 * stream's every frame.
 *
 * Writes up to max boxes of the first pass that found any to out, most
 * confident first, and returns how many that pass found (may exceed max;
 * 0 when none did), or -1 as ft_face_detect.  Costs up to about 8 times
 * a detection when the face is hard to find.
 */
int ft_faces_detect_still(ft_face_ctx *ctx, const ft_image *img,
    const ft_face_detect_opts *opts, ft_face_box *out, int max);

/*
 * The face a still photo is of: ft_faces_main's pick of the faces
 * ft_faces_detect_still finds (of the 64 most confident, in a crowd).
 * Returns as ft_faces_detect_still; box is untouched when none is found.
 */
int ft_faces_detect_main(ft_face_ctx *ctx, const ft_image *img,
    const ft_face_detect_opts *opts, ft_face_box *box);

typedef struct ft_face_quality {
	float size;		/* 0-1: 1 when the face is 100 px or more
				   wide, enough for a full-resolution chip */
	float sharpness;	/* 0-1: edge energy of the chip */
	float frontal;		/* 0-1: 1 facing the camera, 0 in profile */
	float score;		/* 0-1: the product of the three */
} ft_face_quality;

/*
 * Rate a face for registration: its size from box, its sharpness from
 * chip (FT_FACE_CHIP_BYTES, from ft_face_align) and how frontal it is from
 * shape (68 or 5 points).  Any of the three may be NULL: what is missing
 * counts as perfect.  Fills q; never fails.  Needs no context.
 */
void ft_faces_assess(const ft_face_box *box, const ft_face_shape *shape,
    const uint8_t *chip, ft_face_quality *q);

/*
 * Describe the main face of a photo in one call: ft_faces_detect_main
 * with the default options, then align, describe (mirrored when ctx is
 * set so) and assess it.  box, desc, q and chip receive the face, its
 * descriptor, its quality and its aligned chip (FT_FACE_CHIP_BYTES; box,
 * q and chip may be NULL).
 *
 * Returns the number of faces found, so that a caller can refuse a photo
 * of several (0: none; box, desc and q untouched), or -1 with *err set to
 * a message to free().  ctx needs both models.  Blocks for the
 * detection and about 15 ms for the descriptor (twice that mirrored).
 */
int ft_faces_describe_main(ft_face_ctx *ctx, const ft_image *photo,
    ft_face_box *box, float desc[FT_FACE_DIM], ft_face_quality *q,
    uint8_t *chip, char **err);

/* --- crops --- */

/*
 * The crop kept with a face sample so that a person can see whom it is
 * of: the aligned chip (FT_FACE_CHIP_BYTES of RGB, from ft_face_align)
 * as a JPEG of quality FT_FACES_CROP_QUALITY, about 4 KB (well under
 * FT_FACE_CROP_MAX of lib/store.h, and small enough for MariaDB to keep
 * in the sample's row, where an erasure overwrites it).  *jpeg is
 * malloc'd, the caller frees it.  Returns 0, or -1 with *err set to a
 * message to free().  Needs no context.
 */
#define FT_FACES_CROP_QUALITY 80
static inline int
ft_faces_crop(const uint8_t *chip, unsigned char **jpeg, size_t *len,
    char **err)
{
	/* Inline, so that the recogniser (and its tests, which have no
	 * dlib) need only lib/frame.  The image borrows the chip. */
	ft_image img = { FT_FACE_CHIP, FT_FACE_CHIP, 3, FT_FACE_CHIP * 3,
	    (uint8_t *)chip, NULL };

	*jpeg = NULL;
	*len = 0;
	return ft_image_encode_jpeg(&img, FT_FACES_CROP_QUALITY, jpeg, len,
	    err);
}

/* --- the recogniser's backend --- */

/*
 * A face backend: what the recogniser (lib/recognize) asks of a face
 * pipeline, as calls through pointers, so that the engine runs on dlib
 * (ft_faces_backend below) or on a test's synthetic faces without it.
 * The recogniser calls these from one thread; ctx is the backend's own.
 */
typedef struct ft_face_backend {
	void *ctx;
	/*
	 * Find faces in img (1 or 3 channels) within region (x, y, w, h
	 * in img's pixels; w == 0: the whole image), searched on the
	 * image scaled down by scale (1 to 8: faces there are at least
	 * some 85 pixels a step wide) with o's options in img's pixels.
	 * still: a photo, worth the harder search of
	 * ft_faces_detect_still.  Writes up to max boxes in img's pixels,
	 * most confident first; returns how many were found (may exceed
	 * max), or -1 with a message for errmsg.
	 */
	int (*detect)(void *ctx, const ft_image *img, const int region[4],
	    int scale, const ft_face_detect_opts *o, int still,
	    ft_face_box *out, int max);
	/*
	 * Landmarks and the aligned chip of n faces of img (RGB), kept by
	 * the backend for describe; quality[i] receives face i's score
	 * (ft_face_quality.score).  Returns 0, or -1.
	 */
	int (*prepare)(void *ctx, const ft_image *img,
	    const ft_face_box *boxes, int n, double *quality);
	/* Descriptors of the n faces the last prepare took, in one batch. */
	int (*describe)(void *ctx, int n, float (*out)[FT_FACE_DIM]);
	/* The message of the last failed call; owned by the backend. */
	const char *(*errmsg)(void *ctx);
	/* The descriptor model's id (ft_face_model_id); owned by it. */
	const char *(*model_id)(void *ctx);
	/* The aligned chip (FT_FACE_CHIP_BYTES of RGB) of face i of the
	 * last prepare, owned by the backend and valid until the next
	 * prepare; NULL when i is out of range.  The pointer may be NULL:
	 * a backend without chips keeps no crops. */
	const uint8_t *(*chip)(void *ctx, int i);
	/*
	 * Find again the n faces of last (boxes in img's pixels, as
	 * detect wrote them), each near where it was, with o's options:
	 * writes up to max boxes, and returns how many were found (a face
	 * near two of last may be found twice), or -1 with a message.
	 * NULL: the backend has no faster way than detect on a region
	 * around each face.
	 */
	int (*detect_near)(void *ctx, const ft_image *img,
	    const ft_face_box *last, int n, const ft_face_detect_opts *o,
	    ft_face_box *out, int max);
	/*
	 * The quality of n faces of img as prepare scores it, for less:
	 * from the boxes as they are, with nothing kept for describe.
	 * NULL: prepare serves.
	 */
	int (*assess)(void *ctx, const ft_image *img,
	    const ft_face_box *boxes, int n, double *quality);
} ft_face_backend;

/*
 * Fill b with the backend of ctx (dlib): up to FT_FACES_BATCH faces a
 * prepare.  The backend allocates what it keeps on first use; release it
 * with ft_faces_backend_clear.  ctx stays the caller's.
 */
#define FT_FACES_BATCH 64
void ft_faces_backend(ft_face_backend *b, ft_face_ctx *ctx);
void ft_faces_backend_clear(ft_face_backend *b);

#endif
