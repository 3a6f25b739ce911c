/*
 * faces — the steps of the face pipeline that ft-recognize and ft-enroll
 * share: where the model files are, what they are, and the faces of a
 * still image.
 *
 * Model files are looked up in this order: the setting FT_MODEL_DESCRIPTOR
 * or FT_MODEL_SHAPE (a file); the setting FT_MODELS_DIR (a directory);
 * models/ beside the program's build directory (a checkout after make
 * models); PREFIX/share/facetrack/models beside an installed program.
 */
#ifndef FT_FACES_H
#define FT_FACES_H

#include <stdio.h>

#include "face.h"
#include "frame.h"

/* File names make models writes. */
#define FT_FACES_DESCRIPTOR_FILE \
	"dlib_face_recognition_resnet_model_faceapi.dat"
#define FT_FACES_SHAPE_FILE "shape_predictor_68_face_landmarks.dat"

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
 * Write a `model` record to f for each model file in use: role, path,
 * SHA-256 (from the list make models writes, NULL when not listed),
 * where it came from and its licence.  Returns 0, or 1 when a file is
 * missing (reported on stderr), -1 on a write error.
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

#endif
