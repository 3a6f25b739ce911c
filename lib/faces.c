/*
 * faces — the policy of the face pipeline over lib/face's dlib shim:
 * model files, still photos, quality, and the recogniser's backend.
 */
#include "faces.h"
#include "config.h"
#include "jsonl.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set by the Makefile: where make install puts the models, the build
 * directory, and the models/ directory make models fills. */
#ifndef FT_MODELSDIR
#define FT_MODELSDIR "/usr/local/share/facetrack/models"
#endif
#ifndef FT_BUILD_DIR
#define FT_BUILD_DIR ""
#endif
#ifndef FT_BUILD_MODELS_DIR
#define FT_BUILD_MODELS_DIR "models"
#endif

/* --- the model files --- */

/* The directory the running program is in, with symbolic links
 * resolved; NULL where /proc does not say. */
static char *
program_dir(void)
{
	char buf[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if (!(slash = strrchr(buf, '/')))
		return NULL;
	*slash = '\0';
	return ft_xstrdup(buf);
}

/* Whether dir is the build directory the library was compiled for, or
 * one below it (the unit tests'). */
static int
in_build_dir(const char *dir)
{
	char *build = *FT_BUILD_DIR ? realpath(FT_BUILD_DIR, NULL) : NULL;
	size_t n;
	int in;

	if (!build)
		return 0;
	n = strlen(build);
	in = strncmp(dir, build, n) == 0 && (dir[n] == '/' || !dir[n]);
	free(build);
	return in;
}

char *
ft_faces_models_dir(void)
{
	const char *set = ft_config_get("FT_MODELS_DIR", NULL);
	char *bin, *slash, *dir;

	if (set && *set)
		return ft_xstrdup(set);
	if (!(bin = program_dir()))
		return ft_xstrdup(FT_MODELSDIR);
	if (in_build_dir(bin)) {
		free(bin);
		return ft_xstrdup(FT_BUILD_MODELS_DIR);
	}
	/* PREFIX/bin -> PREFIX/share/facetrack/models */
	slash = strrchr(bin, '/');
	if (slash)
		*slash = '\0';
	dir = ft_xasprintf("%s/share/facetrack/models", bin);
	free(bin);
	if (access(dir, F_OK) != 0) {
		free(dir);
		dir = ft_xstrdup(FT_MODELSDIR);
	}
	return dir;
}

/* The setting key, else file in the models directory. */
static char *
model_path(const char *key, const char *file)
{
	const char *set = ft_config_get(key, NULL);
	char *dir, *path;

	if (set)
		return ft_xstrdup(set);
	dir = ft_faces_models_dir();
	path = ft_xasprintf("%s/%s", dir, file);
	free(dir);
	return path;
}

char *
ft_faces_descriptor_path(void)
{
	return model_path("FT_MODEL_DESCRIPTOR",
	    "dlib_face_recognition_resnet_model_faceapi.dat");
}

char *
ft_faces_shape_path(void)
{
	return model_path("FT_MODEL_SHAPE",
	    "shape_predictor_68_face_landmarks.dat");
}

char *
ft_faces_detector_path(void)
{
	return model_path("FT_MODEL_DETECTOR",
	    "tiny_face_detector_faceapi.yml");
}

int
ft_faces_detector(void)
{
	const char *set = ft_config_get("FT_DETECTOR", NULL);

	if (!set || !*set || strcmp(set, "net") == 0)
		return FT_FACES_NET;
	return strcmp(set, "hog") == 0 ? FT_FACES_HOG : -1;
}

ft_face_ctx *
ft_faces_open(char **errp)
{
	char *paths[3] = { ft_faces_descriptor_path(),
	    ft_faces_shape_path(), ft_faces_detector_path() };
	ft_face_ctx *ctx = NULL;
	char *err = NULL;
	int i;

	*errp = NULL;
	if (ft_faces_detector() < 0)
		*errp = ft_xasprintf("FT_DETECTOR is '%s': expected net "
		    "or hog", ft_config_get("FT_DETECTOR", ""));
	for (i = 0; i < 3 && !*errp; i++)
		if (access(paths[i], R_OK) != 0)
			*errp = ft_xasprintf("cannot read the model '%s': %s "
			    "(make models gets it; FT_MODEL_DESCRIPTOR, "
			    "FT_MODEL_SHAPE and FT_MODEL_DETECTOR name other "
			    "files)", paths[i], strerror(errno));
	if (!*errp && !(ctx = ft_face_open(paths[0], paths[1], &err)))
		*errp = err ? err : ft_xstrdup("out of memory");
	if (ctx && ft_face_load_detector(ctx, paths[2])) {
		*errp = ft_xstrdup(ft_face_errmsg(ctx));
		ft_face_close(ctx);
		ctx = NULL;
	}
	for (i = 0; i < 3; i++)
		free(paths[i]);
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

/* --- the faces of a still photo --- */

/* The lowest score of the network's second pass over a still photo in
 * which its first found no face. */
#define NET_STILL_SCORE 0.3

int
ft_faces_main(const ft_face_box *boxes, int n, int width, int height)
{
	double hx = width / 2.0, hy = height / 2.0;
	double half_diag = hypot(hx, hy), best_score = 0;
	int i, best = -1;

	for (i = 0; i < n; i++) {
		const ft_face_box *b = &boxes[i];
		double cx = b->left + b->width / 2.0;
		double cy = b->top + b->height / 2.0;
		double off = half_diag > 0 ?
		    fmin(1.0, hypot(cx - hx, cy - hy) / half_diag) : 0;
		double score = (double)b->width * b->height * (1 - off) *
		    (1 - off);

		if (best < 0 || score > best_score) {
			best = i;
			best_score = score;
		}
	}
	return best;
}

/* HOG's passes over a still: as asked, upsampled once more, and then
 * with a lower threshold too. */
static int
hog_still(ft_face_ctx *ctx, const ft_image *img,
    const ft_face_detect_opts *opts, ft_face_box *out, int max)
{
	ft_face_detect_opts pass[3];
	int i, n = 0;

	pass[0] = pass[1] = pass[2] = *opts;
	pass[1].upsample = pass[2].upsample =
	    opts->upsample < 3 ? opts->upsample + 1 : 3;
	pass[2].threshold = opts->threshold - 0.6;
	for (i = 0; i < 3 && n == 0; i++) {
		/* At the largest upsampling the second pass is the first. */
		if (i == 1 && pass[1].upsample == pass[0].upsample)
			continue;
		n = ft_face_detect(ctx, img->pixels, img->width, img->height,
		    img->stride, img->channels, &pass[i], out, max);
	}
	return n;
}

/*
 * The network's passes: as asked, then upsampled once more with a lower
 * minimum score; each box then HOG's where HOG finds the face.  A face
 * of the second pass is kept only where HOG finds it: upsampled, the
 * network also takes patterns for small faces (one in ffmpeg's test
 * card, say).
 */
static int
net_still(ft_face_ctx *ctx, const ft_image *img,
    const ft_face_detect_opts *opts, ft_face_box *out, int max)
{
	ft_face_detect_opts harder = *opts;
	int n = ft_face_detect_net(ctx, img->pixels, img->width, img->height,
	    img->stride, img->channels, opts, out, max), i, k = 0, r;
	int second = 0;

	if (n == 0 && opts->upsample < 3) {
		harder.upsample = opts->upsample + 1;
		harder.threshold = opts->threshold + NET_STILL_SCORE -
		    FT_FACE_NET_SCORE;
		n = ft_face_detect_net(ctx, img->pixels, img->width,
		    img->height, img->stride, img->channels, &harder, out,
		    max);
		second = 1;
	}
	if (n < 0)
		return n;
	for (i = 0; i < n && i < max; i++) {
		r = ft_face_refine(ctx, img->pixels, img->width, img->height,
		    img->stride, img->channels, &out[i]);
		if (r < 0)
			return -1;
		if (!second || r == 1)
			out[k++] = out[i];
	}
	return second ? k : n;
}

int
ft_faces_detect_still(ft_face_ctx *ctx, const ft_image *img,
    const ft_face_detect_opts *opts, ft_face_box *out, int max)
{
	static const ft_face_detect_opts defaults = { 0, 0, 0.0 };
	int net = ft_face_detector_loaded(ctx), n;

	if (!opts)
		opts = &defaults;
	/* A photo in which one detector finds no face is searched again
	 * with the other before it is given up. */
	if (net && ft_faces_detector() != FT_FACES_HOG) {
		n = net_still(ctx, img, opts, out, max);
		return n == 0 ? hog_still(ctx, img, opts, out, max) : n;
	}
	n = hog_still(ctx, img, opts, out, max);
	return n == 0 && net ? net_still(ctx, img, opts, out, max) : n;
}

int
ft_faces_detect_main(ft_face_ctx *ctx, const ft_image *img,
    const ft_face_detect_opts *opts, ft_face_box *box)
{
	/* A photo of the usual few faces; a crowd's 64 most confident
	 * suffice to pick the main one. */
	ft_face_box found[64];
	int n = ft_faces_detect_still(ctx, img, opts, found, 64);

	if (n > 0)
		*box = found[ft_faces_main(found, n < 64 ? n : 64, img->width,
		    img->height)];
	return n;
}

/*
 * Sharpness is 0.5 at this edge energy and rises steeply around it.
 * Measured on 400 photos of ../shared/data: their chips have a median of
 * 0.031 (sharpness 0.71), the same chips blurred by a 3x3 box 0.015
 * (0.36), and the faces cut from the photos at a third of their size and
 * upsampled 0.012 (0.26).
 */
static const double sharpness_half = 0.02;

static float
clamp01(double v)
{
	return (float)(v < 0 ? 0 : v > 1 ? 1 : v);
}

static float
point_dist(const ft_face_shape *s, int a, int b)
{
	return hypotf(s->x[a] - s->x[b], s->y[a] - s->y[b]);
}

/* 0-1: how squarely the landmarks face the camera. */
static float
frontal(const ft_face_shape *shape)
{
	if (shape && shape->n == 68) {
		/* The nose tip sits halfway between the sides of the jaw
		 * in a frontal face and moves toward one as the head
		 * turns.  On ../shared/data, faces HOG's frontal filter
		 * found score 0.77 (median), those its turned filters
		 * found 0.29. */
		float l = point_dist(shape, 30, 0);
		float r = point_dist(shape, 30, 16);

		if (l + r > 0)
			return clamp01(1 - fabsf(l - r) / (l + r) * 2);
	} else if (shape && shape->n == 5) {
		/* The nose under the middle of the eyes, along the line
		 * through them. */
		float ax = (shape->x[0] + shape->x[1]) / 2;
		float ay = (shape->y[0] + shape->y[1]) / 2;
		float bx = (shape->x[2] + shape->x[3]) / 2;
		float by = (shape->y[2] + shape->y[3]) / 2;
		float ex = bx - ax, ey = by - ay;
		float e2 = ex * ex + ey * ey;

		if (e2 > 0) {
			float t = ((shape->x[4] - ax) * ex +
			    (shape->y[4] - ay) * ey) / e2;
			return clamp01(1 - fabsf(t - 0.5f) * 4);
		}
	}
	return 1;
}

/* The grey level of a chip's pixel. */
static double
chip_grey(const uint8_t *chip, int y, int x)
{
	const uint8_t *p = chip + ((size_t)y * FT_FACE_CHIP + (size_t)x) * 3;

	return (p[0] + p[1] + p[2]) / 3.0;
}

/* 0-1: the detail in a chip. */
static float
sharpness(const uint8_t *chip)
{
	/* Laplacian energy over the face (the chip's middle two thirds,
	 * inside the padding), relative to the contrast there, so lighting
	 * does not pass for detail. */
	const int lo = FT_FACE_CHIP / 6, hi = FT_FACE_CHIP - lo;
	double s = 0, s2 = 0, l2 = 0, var, r;
	long cnt = 0;
	int x, y;

	for (y = lo; y < hi; y++)
		for (x = lo; x < hi; x++) {
			double v = chip_grey(chip, y, x);
			double lap = chip_grey(chip, y - 1, x) +
			    chip_grey(chip, y + 1, x) +
			    chip_grey(chip, y, x - 1) +
			    chip_grey(chip, y, x + 1) - 4 * v;

			s += v;
			s2 += v * v;
			l2 += lap * lap;
			cnt++;
		}
	var = s2 / cnt - (s / cnt) * (s / cnt);
	r = var > 1 ? l2 / cnt / var : 0;
	return clamp01(r * r / (r * r + sharpness_half * sharpness_half));
}

void
ft_faces_assess(const ft_face_box *box, const ft_face_shape *shape,
    const uint8_t *chip, ft_face_quality *q)
{
	q->size = box ? clamp01(box->width / 100.0) : 1;
	q->frontal = frontal(shape);
	q->sharpness = chip ? sharpness(chip) : 1;
	q->score = q->size * q->sharpness * q->frontal;
}

int
ft_faces_describe_main(ft_face_ctx *ctx, const ft_image *photo,
    ft_face_box *box, float desc[FT_FACE_DIM], ft_face_quality *q,
    uint8_t *chip_out, char **err)
{
	uint8_t *chip = ft_xmalloc(FT_FACE_CHIP_BYTES);
	ft_face_shape shape;
	ft_face_box b;
	float d[1][FT_FACE_DIM];
	int n;

	*err = NULL;
	n = ft_faces_detect_main(ctx, photo, NULL, &b);
	if (n > 0 && (ft_face_align(ctx, photo->pixels, photo->width,
	    photo->height, photo->stride, photo->channels, &b, &shape,
	    chip) || ft_face_describe(ctx, chip, 1, d)))
		n = -1;
	if (n < 0) {
		*err = ft_xstrdup(ft_face_errmsg(ctx));
	} else if (n > 0) {
		memcpy(desc, d[0], sizeof d[0]);
		if (box)
			*box = b;
		if (q)
			ft_faces_assess(&b, &shape, chip, q);
		if (chip_out)
			memcpy(chip_out, chip, FT_FACE_CHIP_BYTES);
	}
	free(chip);
	return n;
}

/* --- the dlib backend of the recogniser --- */

struct dlib_backend {
	ft_face_ctx *face;
	int net;		/* the network looks first (ft_faces_detector) */
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

/*
 * The smallest face, in multiples of the scale, that the network is asked
 * to find in a frame searched at scale: a little below the recogniser's
 * 85 pixels a step (HOG's smallest face), so that a face moving away is
 * not lost.
 * In a region around a face, the smallest is this part of the region's
 * side: 0.6 of the face it is around.
 */
#define NET_FACE_AT_SCALE 70
#define NET_FACE_IN_REGION 0.3

static int
dlib_detect(void *p, const ft_image *img, const int region[4], int scale,
    const ft_face_detect_opts *o, int still, ft_face_box *out, int max)
{
	struct dlib_backend *b = p;
	ft_face_detect_opts so = *o;
	ft_image part, small = { 0 }, grey = { 0 };
	const ft_image *in;
	int x0 = 0, y0 = 0, w = img->width, h = img->height, n, i;
	char *err;

	free(b->err);
	b->err = NULL;
	if (region && region[2] > 0) {
		x0 = region[0];
		y0 = region[1];
		w = region[2];
		h = region[3];
	}
	if (still && scale == 1 && w == img->width)
		return ft_faces_detect_still(b->face, img, o, out, max);
	/* The region, a view of img, borrowed. */
	part = (ft_image){ w, h, img->channels, img->stride, img->pixels +
	    (size_t)y0 * img->stride + (size_t)x0 * img->channels, NULL };
	if (b->net) {
		/* The network scales the image itself, for the smallest
		 * face it is to find: in a region around a face, about
		 * that face (the region is twice its width); in a frame
		 * scaled down, a face at the scale's size. */
		int least = region && region[2] > 0 ?
		    (int)(NET_FACE_IN_REGION * (w < h ? w : h)) :
		    NET_FACE_AT_SCALE * scale;

		if (so.min_size < least)
			so.min_size = least;
		n = ft_face_detect_net(b->face, part.pixels, w, h,
		    part.stride, part.channels, &so, out, max);
		scale = 1;
	} else {
		in = &part;
		if (scale > 1) {
			/* Scaled down, cut to a whole number of steps:
			 * OpenCV averages whole blocks of pixels several
			 * times faster than fractions of them. */
			part.width = w / scale * scale;
			part.height = h / scale * scale;
			if (w / scale < 1 || h / scale < 1)
				return 0;
			if (ft_image_resize(&part, w / scale, h / scale,
			    &small, &err))
				return dlib_fail(b, err);
			so.min_size = o->min_size / scale;
			in = &small;
		}
		/* HOG on one channel instead of the strongest of three:
		 * the same faces, in less time. */
		if (in->channels != 1) {
			if (ft_image_grey(in, &grey, &err)) {
				ft_image_clear(&small);
				return dlib_fail(b, err);
			}
			in = &grey;
		}
		n = ft_face_detect(b->face, in->pixels, in->width,
		    in->height, in->stride, 1, &so, out, max);
		ft_image_clear(&small);
		ft_image_clear(&grey);
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
dlib_detect_near(void *p, const ft_image *img, const ft_face_box *last,
    int n, const ft_face_detect_opts *o, ft_face_box *out, int max)
{
	struct dlib_backend *b = p;

	free(b->err);
	b->err = NULL;
	return ft_face_detect_net_near(b->face, img->pixels, img->width,
	    img->height, img->stride, img->channels, last, n, o, out, max);
}

/*
 * Landmarks, chips and quality of n faces into b->chips; with refine,
 * each box is HOG's where HOG finds the face (the boxes the shape model
 * was trained on).
 */
static int
dlib_align_all(struct dlib_backend *b, const ft_image *img,
    const ft_face_box *boxes, int n, int refine, double *quality)
{
	int i;

	free(b->err);
	b->err = NULL;
	b->nchips = 0;
	if (n > FT_FACES_BATCH)
		return dlib_fail(b, ft_xstrdup("too many faces in one batch"));
	if (!b->chips)
		b->chips = ft_xmalloc((size_t)FT_FACES_BATCH *
		    FT_FACE_CHIP_BYTES);
	for (i = 0; i < n; i++) {
		uint8_t *chip = b->chips + (size_t)i * FT_FACE_CHIP_BYTES;
		ft_face_box box = boxes[i];
		ft_face_shape shape;
		ft_face_quality q;

		if ((refine && ft_face_refine(b->face, img->pixels,
		    img->width, img->height, img->stride, img->channels,
		    &box) < 0) ||
		    ft_face_align(b->face, img->pixels, img->width,
		    img->height, img->stride, img->channels, &box, &shape,
		    chip))
			return -1;
		ft_faces_assess(&box, &shape, chip, &q);
		quality[i] = q.score;
	}
	return 0;
}

static int
dlib_prepare(void *p, const ft_image *img, const ft_face_box *boxes, int n,
    double *quality)
{
	struct dlib_backend *b = p;

	if (dlib_align_all(b, img, boxes, n, 1, quality))
		return -1;
	b->nchips = n;
	return 0;
}

/* A probe's quality: without HOG's refinement, some half of prepare's
 * cost; the chips are not described. */
static int
dlib_assess(void *p, const ft_image *img, const ft_face_box *boxes, int n,
    double *quality)
{
	return dlib_align_all(p, img, boxes, n, 0, quality);
}

static const uint8_t *
dlib_chip(void *p, int i)
{
	struct dlib_backend *b = p;

	if (i < 0 || i >= b->nchips)
		return NULL;
	return b->chips + (size_t)i * FT_FACE_CHIP_BYTES;
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
	b->net = ft_faces_detector() != FT_FACES_HOG &&
	    ft_face_detector_loaded(ctx);
	memset(fb, 0, sizeof *fb);
	fb->ctx = b;
	fb->detect = dlib_detect;
	/* With the network, the faces of a frame are looked for again in
	 * one pass; HOG searches their regions one by one. */
	fb->detect_near = b->net ? dlib_detect_near : NULL;
	fb->assess = dlib_assess;
	fb->prepare = dlib_prepare;
	fb->chip = dlib_chip;
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
