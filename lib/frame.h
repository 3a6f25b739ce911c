/*
 * frame — where pictures come from: cameras, network streams, video
 * files, image files and directories of them; and JPEG in and out.  A C
 * interface over OpenCV (lib/frame.cc).
 *
 * Images are 8-bit RGB (3 bytes a pixel, R first) or grey (1 byte), rows
 * `stride` bytes apart: the layout lib/face takes.  An ft_image owns its
 * pixels; ft_image_clear() releases them.  No function prints or exits;
 * failures return -1 or NULL with a message the caller frees with free().
 * Nothing here is safe to share between threads without a lock, but two
 * sources may be read from two threads.
 */
#ifndef FT_FRAME_H
#define FT_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ft_image {
	int width, height;
	int channels;		/* 3: RGB, 1: grey */
	size_t stride;		/* bytes from one row to the next */
	uint8_t *pixels;	/* owned by the image */
	void *priv;		/* the pixels' owner; NULL when none */
} ft_image;

/* Release img's pixels and zero it.  A zeroed image is allowed. */
void ft_image_clear(ft_image *img);

/*
 * Keep the memory of images released for the next ones: a program that
 * handles a frame after another calls this first.  Without it the C
 * library hands each frame's buffers (megabytes at 1920x1080) back to
 * the kernel and gets them anew, zeroed page by page: in ft-capture at
 * 1080p that was three quarters of the processor time.  Never fails.
 */
void ft_image_keep_memory(void);

/* Kinds of source, from the name given to ft_frame_open(). */
enum ft_frame_kind {
	FT_FRAME_CAMERA,	/* "0".."99" or /dev/videoN */
	FT_FRAME_STREAM,	/* rtsp://, http://, https:// and the like */
	FT_FRAME_VIDEO,		/* a video file */
	FT_FRAME_IMAGE,		/* one image file */
	FT_FRAME_DIR		/* a directory of image files, by name */
};

typedef struct ft_frame_src ft_frame_src;

/*
 * Open the source `name`.  Live sources (camera, stream) may block while
 * they connect.  Returns NULL on failure with *errp set to a message
 * ("cannot open video file" and the like, without the name: the caller
 * quotes it) to free().
 */
ft_frame_src *ft_frame_open(const char *name, char **errp);
void ft_frame_close(ft_frame_src *src);

enum ft_frame_kind ft_frame_kind(const ft_frame_src *src);
/* Live sources have no positions: times come from the clock. */
int ft_frame_is_live(const ft_frame_src *src);
/* Frames per second the source declares, or 0 when unknown. */
double ft_frame_fps(const ft_frame_src *src);

/*
 * Ask a camera for frames of width x height, so that it sends and is
 * decoded at no more pixels than wanted (OpenCV opens a V4L2 camera at
 * 640x480 whatever it can do); it takes the nearest size it has.  1 when
 * its frames now have that size, 0 when they have another or the source
 * is no camera (a stream or a file is decoded at its own size), -1 on an
 * error.
 */
int ft_frame_ask_size(ft_frame_src *src, int width, int height);

typedef struct ft_frame_info {
	int64_t pos_ms;		/* position in a file; -1 for live sources;
				 * the nth image of a directory is at n
				 * times the interval */
	const char *path;	/* the image file read, or NULL; valid until
				 * the next read */
} ft_frame_info;

/*
 * Read the next frame into img (cleared first; RGB).  For directories,
 * interval_ms gives the position step between images.  Returns 1 with a
 * frame, 0 at the end of a file or directory, -1 on an error (a dropped
 * stream, an unreadable image) with *errp set.  An unreadable image of a
 * directory is skipped by the next call.
 */
int ft_frame_read(ft_frame_src *src, int64_t interval_ms, ft_image *img,
    ft_frame_info *info, char **errp);

/*
 * Skip the next frame of a file without decoding it, when the caller
 * samples a higher rate down; sets *pos_ms to its position.  Returns 1, 0
 * at the end, -1 on an error.
 */
int ft_frame_skip(ft_frame_src *src, int64_t *pos_ms, char **errp);

/*
 * Images are hostile until bounded.  Before anything is decoded, an
 * image of more than FT_MAX_IMAGE_BYTES bytes, or a JPEG or PNG whose
 * header states more than FT_MAX_IMAGE_PIXELS pixels, is refused (other
 * formats are bounded by their bytes); so is a video source whose frames
 * are over the pixel limit, when it opens.  The settings are read on
 * first use (facetrack.conf(5)).
 */
#define FT_IMAGE_MAX_PIXELS 40000000LL		/* 40 megapixels */
#define FT_IMAGE_MAX_BYTES (50LL * 1024 * 1024)	/* 50 MiB */

/* Set the limits, outranking the settings; 0 for either goes back to
 * the settings. */
void ft_image_set_limits(long long pixels, long long bytes);

/* The size a JPEG's frame header or a PNG's IHDR states, into *width
 * and *height, without decoding.  Returns 1 with a size, 0 for another
 * format, -1 for a JPEG or PNG whose header is missing or malformed. */
int ft_image_probe(const void *data, size_t len, long *width,
    long *height);

/* Read an image file (JPEG, PNG, ...) into img as RGB.  Only a regular
 * file within the limits above is read. */
int ft_image_read(const char *path, ft_image *img, char **errp);

/* The image files of directory dir (by their suffix: .jpg, .png, ...;
 * hidden ones left out), sorted by name, as paths "dir/NAME" into
 * *paths[0..*n): each and the array malloc'd, released with
 * ft_image_list_free.  -1 with *errp set when dir cannot be read or
 * holds more than FT_IMAGE_LIST_MAX images. */
#define FT_IMAGE_LIST_MAX 100000
int ft_image_list(const char *dir, char ***paths, size_t *n, char **errp);
void ft_image_list_free(char **paths, size_t n);

/* Decode JPEG (or any format OpenCV reads) bytes into img as RGB, within
 * the limits above. */
int ft_image_decode(const void *data, size_t len, ft_image *img,
    char **errp);

/* Encode img as JPEG of quality 1-100; *out is malloc'd, *len its size. */
int ft_image_encode_jpeg(const ft_image *img, int quality, uint8_t **out,
    size_t *len, char **errp);

/* Write img to path as JPEG. */
int ft_image_write_jpeg(const ft_image *img, const char *path, int quality,
    char **errp);

/* Resize src into dst (cleared first) to width x height. */
int ft_image_resize(const ft_image *src, int width, int height,
    ft_image *dst, char **errp);

/* A grey copy of src into dst (cleared first). */
int ft_image_grey(const ft_image *src, ft_image *dst, char **errp);

#ifdef __cplusplus
}
#endif

#endif
