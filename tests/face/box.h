/*
 * box.h — what the face tests (tests/face) share about face boxes.
 */
#ifndef FT_TEST_BOX_H
#define FT_TEST_BOX_H

#include "face.h"

/* The intersection of two boxes over their union. */
static inline double
iou(const ft_face_box *a, const ft_face_box *b)
{
	int l = a->left > b->left ? a->left : b->left;
	int t = a->top > b->top ? a->top : b->top;
	int r = a->left + a->width < b->left + b->width ?
	    a->left + a->width : b->left + b->width;
	int bo = a->top + a->height < b->top + b->height ?
	    a->top + a->height : b->top + b->height;
	double in = r > l && bo > t ? (double)(r - l) * (bo - t) : 0;

	return in / ((double)a->width * a->height +
	    (double)b->width * b->height - in);
}

#endif
