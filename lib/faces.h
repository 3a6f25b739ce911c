/*
 * faces — the steps of the face pipeline that ft-recognize and ft-enroll
 * share: opening the models with a message a user can act on, listing
 * them, and the faces of a still image.  The files are those lib/face's
 * settings name (ft_face_descriptor_path, ft_face_shape_path).
 */
#ifndef FT_FACES_H
#define FT_FACES_H

#include <stdio.h>

#include "face.h"
#include "frame.h"

/* The model files in use; the caller frees each. */
char *ft_faces_descriptor_path(void);
char *ft_faces_shape_path(void);

/*
 * Open both models.  On failure returns NULL and sets *errp to a message
 * for the user (saying how to get the files when one is missing), to
 * free().
 */
ft_face_ctx *ft_faces_open(char **errp);

/*
 * Write a `model` record to f for each model in use (ft_face_models):
 * role, path, SHA-256, kind, where it came from and its licence.
 * Returns 0, 1 when a model cannot be loaded (reported on stderr), -1 on
 * a write error.
 */
int ft_faces_list_models(FILE *f);

/*
 * Faces of a still image, most confident first: detect at the image's
 * own size, and once more at twice the size when that found none.
 * Returns the number found (at most max written), or -1.
 */
int ft_faces_still(ft_face_ctx *ctx, const ft_image *img, ft_face_box *out,
    int max);

/* The index of the largest of n boxes (0 when n is 0). */
int ft_faces_largest(const ft_face_box *boxes, int n);

/*
 * A face backend: what the recogniser (lib/recognize) asks of a face
 * pipeline, as calls through pointers, so that the engine runs on dlib
 * (ft_faces_backend below) or on a test's synthetic faces without it.
 * The recogniser calls these from one thread; ctx is the backend's own.
 */
typedef struct ft_face_backend {
	void *ctx;
	/*
	 * Find faces in grey (1 channel) within region (x, y, w, h in
	 * grey's pixels; w == 0: the whole image), searched on the image
	 * scaled down by scale (1, 2 or 4) with o's options in grey's
	 * pixels.  still: a photo, worth the harder search of
	 * ft_faces_detect_still.  Writes up to max boxes in grey's pixels,
	 * most confident first; returns how many were found (may exceed
	 * max), or -1 with a message for errmsg.
	 */
	int (*detect)(void *ctx, const ft_image *grey, const int region[4],
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
