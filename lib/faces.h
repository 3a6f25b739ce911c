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

#endif
