/*
 * faces — model files and still images for the programs of the face
 * pipeline.
 */
#include "faces.h"
#include "jsonl.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
ft_faces_descriptor_path(void)
{
	return ft_xstrdup(ft_face_descriptor_path());
}

char *
ft_faces_shape_path(void)
{
	return ft_xstrdup(ft_face_shape_path());
}

/* NULL when both model files can be read, else a message about the
 * first that cannot. */
static char *
missing_model(void)
{
	const char *paths[2] = { ft_face_descriptor_path(),
	    ft_face_shape_path() };
	int i;

	for (i = 0; i < 2; i++)
		if (access(paths[i], R_OK) != 0)
			return ft_xasprintf("cannot read the model '%s': %s "
			    "(make models gets it; FT_MODEL_DESCRIPTOR and "
			    "FT_MODEL_SHAPE name other files)", paths[i],
			    strerror(errno));
	return NULL;
}

ft_face_ctx *
ft_faces_open(char **errp)
{
	ft_face_ctx *ctx;
	char *err = NULL;

	if ((*errp = missing_model()))
		return NULL;
	ctx = ft_face_open_config(1, 1, &err);
	if (!ctx)
		*errp = err ? err : ft_xstrdup("out of memory");
	return ctx;
}

int
ft_faces_list_models(FILE *f)
{
	ft_face_model_info info[4];
	ft_face_ctx *ctx;
	char *err;
	int i, n, status = 0;

	if (!(ctx = ft_faces_open(&err))) {
		ft_warn("%s", err);
		free(err);
		return 1;
	}
	if ((n = ft_face_models(ctx, info, 4)) < 0) {
		ft_warn("%s", ft_face_errmsg(ctx));
		ft_face_close(ctx);
		return 1;
	}
	for (i = 0; i < n && i < 4; i++) {
		jv o = jv_object();

		o = jv_object_set(o, jv_string("type"), jv_string("model"));
		o = jv_object_set(o, jv_string("role"),
		    jv_string(info[i].role));
		o = jv_object_set(o, jv_string("path"),
		    jv_string(info[i].path));
		o = jv_object_set(o, jv_string("sha256"),
		    ft_jv_string_or_null(info[i].sha256));
		o = jv_object_set(o, jv_string("kind"),
		    ft_jv_string_or_null(info[i].kind));
		o = jv_object_set(o, jv_string("from"),
		    ft_jv_string_or_null(info[i].origin));
		o = jv_object_set(o, jv_string("licence"),
		    ft_jv_string_or_null(info[i].licence));
		if (ft_jsonl_write(f, o) != 0)
			status = -1;
	}
	ft_face_close(ctx);
	return status;
}

int
ft_faces_still(ft_face_ctx *ctx, const ft_image *img, ft_face_box *out,
    int max)
{
	ft_face_detect_opts o = { 0, 0, 0 };
	int n = ft_face_detect(ctx, img->pixels, img->width, img->height,
	    img->stride, img->channels, &o, out, max);

	if (n == 0) {
		o.upsample = 1;
		n = ft_face_detect(ctx, img->pixels, img->width, img->height,
		    img->stride, img->channels, &o, out, max);
	}
	return n;
}

int
ft_faces_largest(const ft_face_box *boxes, int n)
{
	int i, best = 0;

	for (i = 1; i < n; i++)
		if ((long)boxes[i].width * boxes[i].height >
		    (long)boxes[best].width * boxes[best].height)
			best = i;
	return best;
}

/* --- the dlib backend of the recogniser --- */

struct dlib_backend {
	ft_face_ctx *face;
	uint8_t *chips;		/* FT_FACES_BATCH chips of the last prepare */
	int nchips;
	char *err;
};

static const char *
dlib_errmsg(void *p)
{
	struct dlib_backend *b = p;

	return b->err ? b->err : ft_face_errmsg(b->face);
}

static int
dlib_fail(struct dlib_backend *b, char *msg)
{
	free(b->err);
	b->err = msg;
	return -1;
}

static int
dlib_detect(void *p, const ft_image *grey, const int region[4], int scale,
    const ft_face_detect_opts *o, int still, ft_face_box *out, int max)
{
	struct dlib_backend *b = p;
	ft_face_detect_opts so = *o;
	ft_image small = { 0 };
	int x0 = 0, y0 = 0, w = grey->width, h = grey->height, n, i;
	char *err;

	free(b->err);
	b->err = NULL;
	if (region && region[2] > 0) {
		x0 = region[0];
		y0 = region[1];
		w = region[2];
		h = region[3];
	}
	if (still && scale == 1 && w == grey->width)
		return ft_faces_still(b->face, grey, out, max);
	if (scale > 1) {
		if (ft_image_resize(grey, grey->width / scale,
		    grey->height / scale, &small, &err))
			return dlib_fail(b, err);
		so.min_size = o->min_size / scale;
		n = ft_face_detect(b->face, small.pixels, small.width,
		    small.height, small.stride, 1, &so, out, max);
		ft_image_clear(&small);
	} else {
		n = ft_face_detect(b->face, grey->pixels +
		    (size_t)y0 * grey->stride + (size_t)x0, w, h,
		    grey->stride, 1, o, out, max);
	}
	for (i = 0; i < n && i < max; i++) {
		out[i].left = out[i].left * scale + x0;
		out[i].top = out[i].top * scale + y0;
		out[i].width *= scale;
		out[i].height *= scale;
	}
	return n;
}

static int
dlib_prepare(void *p, const ft_image *img, const ft_face_box *boxes, int n,
    double *quality)
{
	struct dlib_backend *b = p;
	int i;

	free(b->err);
	b->err = NULL;
	if (n > FT_FACES_BATCH)
		return dlib_fail(b, ft_xstrdup("too many faces in one batch"));
	if (!b->chips)
		b->chips = ft_xmalloc((size_t)FT_FACES_BATCH *
		    FT_FACE_CHIP_BYTES);
	for (i = 0; i < n; i++) {
		uint8_t *chip = b->chips + (size_t)i * FT_FACE_CHIP_BYTES;
		ft_face_shape shape;
		ft_face_quality q;

		if (ft_face_align(b->face, img->pixels, img->width,
		    img->height, img->stride, img->channels, &boxes[i], &shape,
		    chip))
			return -1;
		ft_face_assess(&boxes[i], &shape, chip, &q);
		quality[i] = q.score;
	}
	b->nchips = n;
	return 0;
}

static int
dlib_describe(void *p, int n, float (*out)[FT_FACE_DIM])
{
	struct dlib_backend *b = p;

	free(b->err);
	b->err = NULL;
	if (n > b->nchips)
		return dlib_fail(b, ft_xstrdup("describe before prepare"));
	return n ? ft_face_describe(b->face, b->chips, n, out) : 0;
}

static const char *
dlib_model_id(void *p)
{
	return ft_face_model_id(((struct dlib_backend *)p)->face);
}

void
ft_faces_backend(ft_face_backend *fb, ft_face_ctx *ctx)
{
	struct dlib_backend *b = ft_xmalloc(sizeof *b);

	memset(b, 0, sizeof *b);
	b->face = ctx;
	memset(fb, 0, sizeof *fb);
	fb->ctx = b;
	fb->detect = dlib_detect;
	fb->prepare = dlib_prepare;
	fb->describe = dlib_describe;
	fb->errmsg = dlib_errmsg;
	fb->model_id = dlib_model_id;
}

void
ft_faces_backend_clear(ft_face_backend *fb)
{
	struct dlib_backend *b = fb->ctx;

	if (b) {
		free(b->chips);
		free(b->err);
		free(b);
	}
	memset(fb, 0, sizeof *fb);
}
