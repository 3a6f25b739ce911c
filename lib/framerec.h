/*
 * framerec — the `frame` record (facetrack-records(5)) that ft-capture
 * writes and ft-recognize reads: a picture with its source, number and
 * time, its pixels inline as base64 JPEG or in a file named by `path`.
 *
 * Nothing here prints or exits; a failure returns -1 with a message the
 * caller frees with free().
 */
#ifndef FT_FRAMEREC_H
#define FT_FRAMEREC_H

#include <stddef.h>
#include <stdint.h>

#include <jv.h>

#include "frame.h"

/*
 * A frame record of the JPEG bytes jpeg[0..len) of an image width by
 * height: inline as base64, or, when path is not NULL, naming the file
 * the caller wrote them to (jpeg is then not read).  Returns a new
 * object, the caller's.
 */
jv ft_framerec_encode(const char *source, long long seq, int64_t ts,
    int width, int height, const uint8_t *jpeg, size_t len,
    const char *path);

/* What ft_framerec_decode read; strings are owned by the frame. */
typedef struct ft_framerec {
	char *source;		/* "unknown" when the record has none */
	jv seq;			/* a number, or null */
	int64_t ts;		/* ms since 1970 */
	char *path;		/* the file, or NULL for inline pixels */
} ft_framerec;

/*
 * Read rec (borrowed) as a frame into fr and its pixels into img (RGB,
 * cleared first).  Returns 1 with a frame, 0 when rec is not a frame
 * record (another type: not an error), or -1 with *errp set: no valid
 * `ts`, bad base64, an undecodable or unreadable picture.  Release fr
 * with ft_framerec_clear, whatever the result.
 */
int ft_framerec_decode(jv rec, ft_framerec *fr, ft_image *img,
    char **errp);

void ft_framerec_clear(ft_framerec *fr);

#endif
