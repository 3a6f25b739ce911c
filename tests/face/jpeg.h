/*
 * jpeg.h — decode a JPEG file into packed RGB, for the face tests and the
 * face benchmark (one translation unit each, so the functions are static).
 * The programs themselves decode with lib/frame; these tools need nothing
 * but libjpeg to decode, and lend the pixels to lib/faces as lib/frame's
 * image (as_ft_image).
 */
#ifndef FT_TEST_JPEG_H
#define FT_TEST_JPEG_H

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>	/* after stdio.h, which it needs */

#include "frame.h"

struct image {
	uint8_t *px;
	int w, h;
};

struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
};

static void
jpeg_fail_exit(j_common_ptr cinfo)
{
	longjmp(((struct jpeg_fail *)cinfo->err)->jb, 1);
}

/* Decode an RGB JPEG; 0 on success. */
static int
read_jpeg(const char *path, struct image *img)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_fail err;
	FILE *f = fopen(path, "rb");

	img->px = NULL;
	if (!f)
		return -1;
	cinfo.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jpeg_fail_exit;
	if (setjmp(err.jb)) {
		jpeg_destroy_decompress(&cinfo);
		fclose(f);
		free(img->px);
		img->px = NULL;
		return -1;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_stdio_src(&cinfo, f);
	jpeg_read_header(&cinfo, TRUE);
	cinfo.out_color_space = JCS_RGB;
	jpeg_start_decompress(&cinfo);
	img->w = (int)cinfo.output_width;
	img->h = (int)cinfo.output_height;
	img->px = malloc((size_t)img->w * (size_t)img->h * 3);
	if (!img->px)
		longjmp(err.jb, 1);
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = img->px + (size_t)cinfo.output_scanline *
		    (size_t)img->w * 3;
		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	fclose(f);
	return 0;
}

/* img as lib/frame's image, for lib/faces; the pixels stay img's. */
static ft_image
as_ft_image(const struct image *img)
{
	ft_image fi = {img->w, img->h, 3, (size_t)img->w * 3, img->px, NULL};

	return fi;
}

#endif
