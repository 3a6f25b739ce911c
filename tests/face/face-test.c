/*
 * Tests of lib/face and lib/faces on real photographs, in TAP.
 *
 *	face-test [-a] -o DIR -g GROUPS -5 SHAPE5 DESCRIPTOR SHAPE IMAGE...
 *
 * DESCRIPTOR and SHAPE are the model files (make models); the IMAGEs are
 * JPEG photos of one face each, given in pairs of the same person, the
 * pairs of different people.  The aligned chips are written to
 * DIR/chips.rgb (150x150 RGB each, in argument order) and their
 * descriptors to DIR/descriptors.f32 (128 native floats each), for
 * tests/face/faceapi-ref.js to recompute with face-api itself.
 * GROUPS is a directory of group photos with boxes.csv, the labelled faces
 * ("file,left,top,width,height" lines; files other than JPEG are passed
 * over).  SHAPE5 is a 5-point shape predictor (tests/face/make-shape5
 * trains a small one).  FT_EXPECT_SHA256 and FT_EXPECT_SHAPE_SHA256 are the two model files'
 * SHA-256 as sha256sum prints them.  -a says that the two photos of a
 * pair are edits of one photo (tests/face/fallback-faces), not two
 * photos: too alike to measure how near one person's faces lie, so
 * those checks are skipped or made against another person's photo.
 *
 * Timings go to stderr as TAP comments; they never fail a test.
 */
#include "face.h"
#include "box.h"
#include "faces.h"
#include "../unit/tap.h"

#include "jpeg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* -a: the pairs are edits of one photo each */
static int edited;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
distance(const float *a, const float *b)
{
	double s = 0;

	for (int i = 0; i < FT_FACE_DIM; i++)
		s += (a[i] - b[i]) * (double)(a[i] - b[i]);
	return sqrt(s);
}

static int
write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		diag("cannot write '%s'", path);
		return -1;
	}
	return 0;
}

/*
 * The labelled group photos: every face found once upsampled, nothing
 * else; and each face cut out with half its size around it, a photo of
 * one face (when no other labelled face is in the cut), gives one box.  Adds the counts to *faces, *matched, *extra,
 * *cuts and *cut_one.
 */
static void
groups(ft_face_ctx *ctx, const char *dir, int *faces, int *matched,
    int *extra, int *cuts, int *cut_one)
{
	char path[4096], line[512], file[256];
	ft_face_box label[64], found[64];
	ft_face_detect_opts up = {1, 0, 0};
	struct image img;
	FILE *f;

	snprintf(path, sizeof path, "%s/boxes.csv", dir);
	f = fopen(path, "r");
	if (!f) {
		diag("cannot read '%s'", path);
		return;
	}
	/* The rows of one file are together. */
	char cur[256] = "";
	int nl = 0, more = 1;
	while (more) {
		int l = 0, t = 0, w = 0, h = 0;
		more = fgets(line, sizeof line, f) != NULL;
		if (more && sscanf(line, "%255[^,],%d,%d,%d,%d", file, &l, &t,
		    &w, &h) != 5)
			continue;
		if (!more || strcmp(file, cur) != 0) {
			size_t len = strlen(cur);
			if (nl > 0 && len > 4 &&
			    strcmp(cur + len - 4, ".jpg") == 0) {
				snprintf(path, sizeof path, "%s/%s", dir, cur);
				if (read_jpeg(path, &img) != 0) {
					diag("cannot read '%s'", path);
					nl = 0;
					continue;
				}
				int n = ft_face_detect(ctx, img.px, img.w,
				    img.h, (size_t)img.w * 3, 3, &up, found,
				    64);
				*faces += nl;
				for (int i = 0; i < nl; i++)
					for (int k = 0; k < n && k < 64; k++)
						if (iou(&label[i], &found[k]) >
						    0.4) {
							(*matched)++;
							break;
						}
				*extra += n > nl ? n - nl : 0;
				for (int i = 0; i < nl; i++) {
					ft_face_box *b = &label[i];
					int x0 = b->left - b->width / 2;
					int y0 = b->top - b->height / 2;
					int x1 = b->left + b->width * 3 / 2;
					int y1 = b->top + b->height * 3 / 2;
					x0 = x0 < 0 ? 0 : x0;
					y0 = y0 < 0 ? 0 : y0;
					x1 = x1 > img.w ? img.w : x1;
					y1 = y1 > img.h ? img.h : y1;
					/* one face: no other's middle in it */
					int alone = 1;
					for (int j = 0; j < nl; j++) {
						int cx = label[j].left +
						    label[j].width / 2;
						int cy = label[j].top +
						    label[j].height / 2;
						alone &= j == i || cx < x0 ||
						    cx >= x1 || cy < y0 ||
						    cy >= y1;
					}
					if (!alone)
						continue;
					const uint8_t *p = img.px +
					    ((size_t)y0 * img.w + x0) * 3;
					int c = ft_face_detect(ctx, p, x1 - x0,
					    y1 - y0, (size_t)img.w * 3, 3, &up,
					    NULL, 0);
					(*cuts)++;
					*cut_one += c == 1;
					if (c != 1)
						diag("%d boxes in a cut of "
						    "'%s' around %d,%d", c, cur,
						    b->left, b->top);
				}
				free(img.px);
			}
			nl = 0;
			snprintf(cur, sizeof cur, "%s", file);
		}
		if (more && nl < 64) {
			ft_face_box b = {l, t, w, h, 0, 0};
			label[nl++] = b;
		}
	}
	fclose(f);
}

/* The face in img: the most confident box, its chip and shape. */
static int
one_face(ft_face_ctx *ctx, const struct image *img, ft_face_box *box,
    ft_face_shape *shape, uint8_t *chip)
{
	int n = ft_face_detect(ctx, img->px, img->w, img->h,
	    (size_t)img->w * 3, 3, NULL, box, 1);

	if (n < 1)
		return -1;
	return ft_face_align(ctx, img->px, img->w, img->h,
	    (size_t)img->w * 3, 3, box, shape, chip);
}

/* The photos given, in pairs of one person, and what was found in each. */
struct photos {
	int n;
	char **paths;
	struct image *img;
	ft_face_box *box;
	ft_face_shape *shape;
	uint8_t *chips;			/* n chips, one after the other */
	float (*desc)[FT_FACE_DIM];	/* described in one batch */
	float (*single)[FT_FACE_DIM];	/* one at a time */
};

/* Missing, misplaced and truncated model files are refused. */
static void
test_bad_models(const char *desc_model, const char *shape_model,
    const char *outdir)
{
	char *err = NULL, cut[4096];
	ft_face_ctx *bad = ft_face_open("/nonexistent/model.dat", NULL,
	    &err);

	ok(!bad && err && strstr(err, "/nonexistent/model.dat"),
	    "a missing model file is refused with its name (%s)",
	    err ? err : "no message");
	free(err);
	err = NULL;
	bad = ft_face_open(shape_model, NULL, &err);
	ok(!bad && err && strstr(err, "not a model of the expected kind"),
	    "a shape model is refused as descriptor model");
	free(err);
	err = NULL;

	/* A descriptor model cut short, as an interrupted copy leaves it. */
	FILE *src = fopen(desc_model, "rb"), *o;
	snprintf(cut, sizeof cut, "%s/cut.dat", outdir);
	o = fopen(cut, "wb");
	for (int k = 0; src && o && k < 1 << 20; k++) {
		int c = getc(src);
		if (c == EOF)
			break;
		putc(c, o);
	}
	if (src)
		fclose(src);
	int cut_ok = o && fclose(o) == 0;
	bad = cut_ok ? ft_face_open(desc_model, shape_model, &err) : NULL;
	ft_face_close(bad);
	bad = cut_ok ? ft_face_open(cut, shape_model, &err) : NULL;
	ok(cut_ok && !bad && err && strstr(err, cut) &&
	    strstr(err, "not a model of the expected kind"),
	    "a truncated descriptor model is refused: %s",
	    err ? err : "no message");
	free(err);
	unlink(cut);
}

/* The model's name, and what ft-recognize --models prints. */
static void
test_model_info(ft_face_ctx *ctx, const char *shape_model,
    const char *want_sha, const char *want_shape_sha)
{
	const char *id = ft_face_model_id(ctx);
	ft_face_model_info info[4];
	int nm;

	ok(strncmp(id, "faceapi-resnet-q8:", 18) == 0 &&
	    strlen(id) == 18 + 16 &&
	    strncmp(id + 18, ft_face_model_sha256(ctx), 16) == 0,
	    "the model is named by kind and hash: %s", id);
	ok(strncmp(ft_face_model_sha256(ctx), want_sha, 64) == 0,
	    "the model's SHA-256 is the file's");
	nm = ft_face_models(ctx, info, 4);
	ok(nm == 3 && strcmp(info[1].role, "shape") == 0 &&
	    strcmp(info[1].path, shape_model) == 0 &&
	    strncmp(info[1].sha256, want_shape_sha, 64) == 0 &&
	    strstr(info[1].licence, "commercial") &&
	    strstr(info[1].kind, "68-point"),
	    "the 68-point shape model is listed with its SHA-256 and its "
	    "non-commercial training data");
	ok(nm == 3 && strcmp(info[2].role, "descriptor") == 0 &&
	    strcmp(info[2].sha256, ft_face_model_sha256(ctx)) == 0 &&
	    strstr(info[2].origin, "@vladmandic/face-api") &&
	    strstr(info[2].licence, "MIT"),
	    "the descriptor model is listed with its origin and licence");
}

static void
test_groups(ft_face_ctx *ctx, const char *dir)
{
	int faces = 0, matched = 0, extra = 0, cuts = 0, one = 0;

	groups(ctx, dir, &faces, &matched, &extra, &cuts, &one);
	ok(faces > 0 && matched == faces && extra == 0,
	    "group photos: each of the %d labelled faces found (%d), no "
	    "other box (%d)", faces, matched, extra);
	ok(cuts >= faces / 2 && one == cuts,
	    "a photo cut to one labelled face gives one box (%d of %d)",
	    one, cuts);
}

/* Whether face i's landmarks lie inside the box they came from. */
static int
landmarks_inside(const struct photos *ps, int i)
{
	const ft_face_box *b = &ps->box[i];
	const ft_face_shape *sh = &ps->shape[i];
	/* the chin may reach a little below HOG's box */
	float mx = b->width * 0.25f, my = b->height * 0.25f;
	int in = sh->n == 68;

	for (int k = 0; k < sh->n; k++)
		in &= sh->x[k] > b->left - mx &&
		    sh->x[k] < b->left + b->width + mx &&
		    sh->y[k] > b->top - my &&
		    sh->y[k] < b->top + b->height + my;
	return in;
}

/* Every photo: one face, the main one, its landmarks inside the box it
 * came from, its chip. */
static void
test_photos(ft_face_ctx *ctx, struct photos *ps)
{
	int found = 0, inside = 0, main_same = 0;

	for (int i = 0; i < ps->n; i++) {
		struct image *img = &ps->img[i];

		if (read_jpeg(ps->paths[i], img) != 0) {
			diag("cannot read '%s'", ps->paths[i]);
			continue;
		}
		ft_face_box all[4], m;
		ft_image fi = as_ft_image(img);
		int nb = ft_face_detect(ctx, img->px, img->w, img->h,
		    (size_t)img->w * 3, 3, NULL, all, 4);
		if (one_face(ctx, img, &ps->box[i], &ps->shape[i],
		    ps->chips + (size_t)i * FT_FACE_CHIP_BYTES) != 0) {
			diag("no face in '%s'", ps->paths[i]);
			continue;
		}
		main_same += ft_faces_detect_main(ctx, &fi, NULL, &m) == nb &&
		    m.left == all[0].left && m.top == all[0].top &&
		    m.width == all[0].width;
		found++;
		inside += landmarks_inside(ps, i);
	}
	is_int(found, ps->n, "a face in each of the %d photos", ps->n);
	is_int(main_same, ps->n, "and it is the main face");
	is_int(inside, ps->n, "68 landmarks on each face");
}

/* The largest difference between two sets of n descriptors. */
static double
max_diff(float (*a)[FT_FACE_DIM], float (*b)[FT_FACE_DIM], int n)
{
	double maxd = 0;

	for (int i = 0; i < n; i++)
		for (int k = 0; k < FT_FACE_DIM; k++)
			maxd = fmax(maxd, fabs(a[i][k] - b[i][k]));
	return maxd;
}

/* One at a time, in a batch and on two threads: the same descriptors. */
static void
test_batches(ft_face_ctx *ctx, struct photos *ps)
{
	int n = ps->n;
	double t0 = now_ms();

	for (int i = 0; i < n; i++)
		ft_face_describe(ctx, ps->chips + (size_t)i *
		    FT_FACE_CHIP_BYTES, 1, &ps->single[i]);
	double t1 = now_ms();
	int rc = ft_face_describe(ctx, ps->chips, n, ps->desc);
	double t2 = now_ms();
	diag("descriptor: %.1f ms a face one at a time, %.1f ms a face "
	    "in a batch of %d", (t1 - t0) / n, (t2 - t1) / n, n);
	is_int(rc, 0, "describe a batch of %d chips", n);
	double maxd = max_diff(ps->desc, ps->single, n);
	ok(maxd < 1e-5, "a batch gives the descriptors of single chips "
	    "(max diff %g)", maxd);

	float (*two)[FT_FACE_DIM] = calloc((size_t)n, sizeof *two);
	rc = two ? ft_face_set_threads(ctx, 2) : -1;
	t0 = now_ms();
	if (rc == 0)
		rc = ft_face_describe(ctx, ps->chips, n, two);
	t1 = now_ms();
	maxd = rc == 0 ? max_diff(two, ps->single, n) : 0;
	diag("descriptor: %.1f ms a face in a batch of %d on 2 threads",
	    (t1 - t0) / n, n);
	ok(rc == 0 && maxd < 1e-5, "two threads give the same descriptors "
	    "(max diff %g)", maxd);
	free(two);
}

/* Mirrored: the mean of each chip's and its mirror image's. */
static void
test_mirror(ft_face_ctx *ctx, struct photos *ps)
{
	int n = ps->n, rc;
	uint8_t *flip = malloc((size_t)n * FT_FACE_CHIP_BYTES);
	float (*fd)[FT_FACE_DIM] = calloc((size_t)n, sizeof *fd);
	float (*md)[FT_FACE_DIM] = calloc((size_t)n, sizeof *md);
	double maxd = 0, moved = 0;

	for (int i = 0; flip && i < n; i++)
		for (int y = 0; y < FT_FACE_CHIP; y++)
			for (int x = 0; x < FT_FACE_CHIP; x++)
				memcpy(flip + (((size_t)i * FT_FACE_CHIP + y) *
				    FT_FACE_CHIP + x) * 3, ps->chips +
				    (((size_t)i * FT_FACE_CHIP + y) *
				    FT_FACE_CHIP + FT_FACE_CHIP - 1 - x) * 3,
				    3);
	rc = flip && fd && md ? ft_face_describe(ctx, flip, n, fd) : -1;
	ft_face_set_mirror(ctx, 1);
	if (rc == 0)
		rc = ft_face_describe(ctx, ps->chips, n, md);
	ft_face_set_mirror(ctx, 0);
	for (int i = 0; rc == 0 && i < n; i++) {
		for (int k = 0; k < FT_FACE_DIM; k++)
			maxd = fmax(maxd, fabs(md[i][k] - (ps->single[i][k] +
			    fd[i][k]) / 2));
		moved = fmax(moved, distance(md[i], ps->single[i]));
	}
	ok(rc == 0 && maxd < 1e-5 && moved > 1e-3, "mirrored, each "
	    "descriptor is the mean of the chip's and its mirror image's "
	    "(max diff %g, moved up to %.3f)", maxd, moved);
	free(flip);
	free(fd);
	free(md);
}

/* The one call ft-enroll makes gives what the steps give. */
static void
test_describe_main(ft_face_ctx *ctx, struct photos *ps)
{
	int same = 0;
	double maxd = 0;

	for (int i = 0; i < ps->n; i++) {
		ft_image fi = as_ft_image(&ps->img[i]);
		ft_face_box b;
		ft_face_quality q, want;
		float d[1][FT_FACE_DIM];
		char *err = NULL;
		int n = ft_faces_describe_main(ctx, &fi, &b, d[0], &q, NULL, &err);

		if (n < 1) {
			diag("'%s': %d faces: %s", ps->paths[i], n,
			    err ? err : "");
			free(err);
			continue;
		}
		ft_faces_assess(&ps->box[i], &ps->shape[i], ps->chips +
		    (size_t)i * FT_FACE_CHIP_BYTES, &want);
		maxd = fmax(maxd, max_diff(d, &ps->single[i], 1));
		int alike = b.left == ps->box[i].left &&
		    b.top == ps->box[i].top && b.width == ps->box[i].width &&
		    q.score == want.score;
		if (!alike)
			diag("'%s': %d %d %d, %g; the steps: %d %d %d, %g",
			    ps->paths[i], b.left, b.top, b.width, q.score,
			    ps->box[i].left, ps->box[i].top,
			    ps->box[i].width, want.score);
		same += alike;
	}
	ok(same == ps->n && maxd < 1e-6, "ft_faces_describe_main gives the "
	    "main face's box, quality and descriptor (%d of %d, max diff "
	    "%g)", same, ps->n, maxd);
}

/* The pairs: same person close, different people far. */
static void
test_pairs(const struct photos *ps)
{
	float (*desc)[FT_FACE_DIM] = ps->desc;
	int n = ps->n, wrong = 0, closer = 0;
	double same = 0, other = 0;

	for (int i = 0; i < n; i += 2) {
		double d = distance(desc[i], desc[i + 1]);
		double e = distance(desc[i], desc[(i + 2) % n]);
		double f = distance(desc[i + 1], desc[(i + 3) % n]);
		same += d;
		other += e;
		wrong += (d >= 0.6) + (e < 0.6);
		closer += d < e && d < f;
	}
	is_int(closer, n / 2, "each person's two photos are closer than "
	    "either is to the next person's");
	diag("mean distance: same person %.3f, different people %.3f, "
	    "%d of %d wrong at 0.6", same / (n / 2), other / (n / 2), wrong,
	    n);
	if (edited) {
		skip(1, "each pair is one photo edited: no measure of "
		    "accuracy");
		return;
	}
	ok(same / (n / 2) < 0.45 && other / (n / 2) > 0.75 && wrong <= n / 8,
	    "same person below 0.6, different people above");
}

/* Grey pixels find the same face. */
static void
test_grey(ft_face_ctx *ctx, const struct photos *ps)
{
	const struct image *im = &ps->img[0];
	ft_face_box gbox;
	uint8_t *grey = malloc((size_t)im->w * (size_t)im->h);

	for (int p = 0; grey && p < im->w * im->h; p++)
		grey[p] = (uint8_t)((im->px[3 * p] + im->px[3 * p + 1] +
		    im->px[3 * p + 2]) / 3);
	ok(grey && ft_face_detect(ctx, grey, im->w, im->h, (size_t)im->w, 1,
	    NULL, &gbox, 1) >= 1 && iou(&gbox, &ps->box[0]) > 0.7,
	    "a grey image gives the same box");
	free(grey);
}

/* Half size: too small for HOG at native scale, found once upsampled,
 * and its box mapped back to the small image. */
static void
test_half(ft_face_ctx *ctx, const struct photos *ps)
{
	const struct image *im = &ps->img[0];
	const ft_face_box *b0 = &ps->box[0];
	int hw = im->w / 2, hh = im->h / 2;
	size_t row = (size_t)im->w * 3;
	uint8_t *half = malloc((size_t)hw * (size_t)hh * 3);
	ft_face_box hbox, want = {b0->left / 2, b0->top / 2, b0->width / 2,
	    b0->height / 2, 0, 0};
	ft_face_detect_opts up = {1, 0, 0}, big = {1, b0->width, 0};

	for (int y = 0; half && y < hh; y++)
		for (int x = 0; x < hw; x++)
			for (int c = 0; c < 3; c++) {
				const uint8_t *s = im->px +
				    ((size_t)(2 * y) * im->w + 2 * x) * 3 + c;
				half[((size_t)y * hw + x) * 3 + c] = (uint8_t)
				    ((s[0] + s[3] + s[row] + s[row + 3] + 2) / 4);
			}
	is_int(half ? ft_face_detect(ctx, half, hw, hh, (size_t)hw * 3, 3,
	    NULL, NULL, 0) : -1, 0, "no face found in a half-size photo "
	    "without upsampling");
	double t0 = now_ms();
	int hn = half ? ft_face_detect(ctx, half, hw, hh, (size_t)hw * 3,
	    3, &up, &hbox, 1) : -1;
	double t1 = now_ms();
	ok(hn >= 1 && iou(&hbox, &want) > 0.6, "upsampled once, it is "
	    "found where it is (%d %d %dx%d)", hbox.left, hbox.top,
	    hbox.width, hbox.height);
	is_int(half ? ft_face_detect(ctx, half, hw, hh, (size_t)hw * 3, 3,
	    &big, &hbox, 1) : -1, 0, "min_size drops smaller faces");
	free(half);
	diag("detect: %dx%d in %.1f ms upsampled once", hw, hh, t1 - t0);
}

/* A 5-point model aligns the chip as the 68-point one does, near enough
 * for the network to see the same face. */
static void
test_shape5(const char *desc_model, const char *shape5,
    const struct photos *ps)
{
	char *err = NULL;
	int n = ps->n, five = 0, nearer = 0;
	double worst = 0;
	ft_face_ctx *ctx5 = ft_face_open(desc_model, shape5, &err);
	ft_face_model_info info5[3];

	ok(ctx5 && ft_face_models(ctx5, info5, 3) == 3 &&
	    strstr(info5[1].kind, "5-point") &&
	    strstr(info5[1].licence, "public domain"),
	    "a 5-point model loads and is listed as one: %s",
	    ctx5 ? "" : err);
	free(err);
	uint8_t *chips5 = malloc((size_t)n * FT_FACE_CHIP_BYTES);
	float (*desc5)[FT_FACE_DIM] = calloc((size_t)n, sizeof *desc5);
	for (int i = 0; ctx5 && chips5 && desc5 && i < n; i++) {
		const struct image *im = &ps->img[i];
		ft_face_shape s5;
		uint8_t *c = chips5 + (size_t)i * FT_FACE_CHIP_BYTES;
		if (im->px && ft_face_align(ctx5, im->px, im->w, im->h,
		    (size_t)im->w * 3, 3, &ps->box[i], &s5, c) == 0 &&
		    s5.n == 5 && ft_face_describe(ctx5, c, 1, &desc5[i]) == 0)
			five++;
	}
	for (int i = 0; i < n && five == n; i++) {
		double d = distance(desc5[i], ps->desc[i]);
		/* the same person's other photo; an edit of the same
		 * photo lies too near, the next person's then */
		int k = edited ? (i + 2) % n : i ^ 1;
		worst = fmax(worst, d);
		/* nearer its own 68-point descriptor than that photo */
		nearer += d < distance(ps->desc[i], ps->desc[k]);
	}
	is_int(five, n, "5 landmarks, a chip and a descriptor for each photo");
	ok(five == n && nearer == n && worst < 0.6,
	    "each 5-point chip describes its face nearer the 68-point "
	    "chip's descriptor than the %s photo (up to %.3f apart)",
	    edited ? "next person's" : "person's other", worst);
	free(chips5);
	free(desc5);
	ft_face_close(ctx5);
}

/* A chip blurred by a 3x3 box. */
static void
blur_chip(const uint8_t *c0, uint8_t *blur)
{
	for (int y = 0; y < FT_FACE_CHIP; y++)
		for (int x = 0; x < FT_FACE_CHIP; x++)
			for (int c = 0; c < 3; c++) {
				int s = 0, k = 0;
				for (int dy = -1; dy <= 1; dy++)
					for (int dx = -1; dx <= 1; dx++) {
						int yy = y + dy, xx = x + dx;
						if (yy < 0 || xx < 0 ||
						    yy >= FT_FACE_CHIP ||
						    xx >= FT_FACE_CHIP)
							continue;
						s += c0[(yy * FT_FACE_CHIP +
						    xx) * 3 + c];
						k++;
					}
				blur[(y * FT_FACE_CHIP + x) * 3 + c] =
				    (uint8_t)(s / k);
			}
}

/* Quality: a blurred chip is less sharp, a small face smaller, a face
 * turned away less frontal. */
static void
test_quality(const struct photos *ps)
{
	ft_face_quality q, qb;
	uint8_t *blur = malloc(FT_FACE_CHIP_BYTES);
	const ft_face_shape *s0 = &ps->shape[0];
	ft_face_box small = ps->box[0];

	if (blur)
		blur_chip(ps->chips, blur);
	ft_faces_assess(&ps->box[0], s0, ps->chips, &q);
	ft_faces_assess(&ps->box[0], s0, blur, &qb);
	diag("quality: size %.2f sharpness %.2f (blurred %.2f) frontal "
	    "%.2f score %.2f", q.size, q.sharpness, qb.sharpness, q.frontal,
	    q.score);
	ok(q.sharpness > qb.sharpness + 0.2 && qb.score < q.score,
	    "a blurred chip scores lower");
	small.width = 50;
	ft_faces_assess(&small, NULL, NULL, &q);
	ok(fabs(q.size - 0.5) < 1e-6 && q.frontal == 1 && q.sharpness == 1,
	    "a 50 px face has size 0.5; missing parts count as perfect");
	/* Landmarks made symmetric about the nose are frontal; the jaw
	 * squeezed toward the nose on one side is a head turned away. */
	ft_face_shape sym = *s0, turned;
	for (int k = 0; k < 8; k++) {
		sym.x[k] = 2 * sym.x[30] - sym.x[16 - k];
		sym.y[k] = sym.y[16 - k];
	}
	turned = sym;
	for (int k = 0; k < 8; k++)
		turned.x[k] = turned.x[30] - (turned.x[30] - turned.x[k]) / 4;
	ft_faces_assess(&ps->box[0], &sym, ps->chips, &q);
	ft_faces_assess(&ps->box[0], &turned, ps->chips, &qb);
	ok(q.frontal > 0.95 && qb.frontal < 0.5,
	    "a face turned away is less frontal (%.2f, %.2f)", q.frontal,
	    qb.frontal);
	free(blur);
}

int
main(int argc, char **argv)
{
	const char *outdir = NULL, *groups_dir = NULL, *shape5 = NULL;
	const char *want_sha = getenv("FT_EXPECT_SHA256");
	const char *want_shape_sha = getenv("FT_EXPECT_SHAPE_SHA256");
	int opt, n;
	char *err = NULL;

	while ((opt = getopt(argc, argv, "5:ag:o:")) != -1) {
		if (opt == 'a') {
			edited = 1;
			continue;
		}
		if (opt == '5') {
			shape5 = optarg;
			continue;
		}
		if (opt == 'g') {
			groups_dir = optarg;
			continue;
		}
		if (opt != 'o') {
			fprintf(stderr, "usage: face-test [-a] -o DIR -g "
			    "GROUPS -5 SHAPE5 DESCRIPTOR SHAPE IMAGE...\n");
			return 2;
		}
		outdir = optarg;
	}
	argc -= optind;
	argv += optind;
	if (!outdir || !groups_dir || !shape5 || !want_sha ||
	    !want_shape_sha) {
		fprintf(stderr, "face-test: give -o DIR, -g GROUPS, -5 SHAPE5, "
		    "FT_EXPECT_SHA256 "
		    "and FT_EXPECT_SHAPE_SHA256\n");
		return 2;
	}
	if (argc < 6 || argc % 2) {
		fprintf(stderr, "face-test: give the two models and pairs "
		    "of images, at least two pairs\n");
		return 2;
	}
	n = argc - 2;

	plan(30);
	test_bad_models(argv[0], argv[1], outdir);
	ft_face_ctx *ctx = ft_face_open(argv[0], argv[1], &err);
	if (!ctx) {
		diag("%s", err ? err : "out of memory");
		return 1;
	}
	test_model_info(ctx, argv[1], want_sha, want_shape_sha);
	test_groups(ctx, groups_dir);

	struct photos ps = {n, argv + 2,
	    calloc((size_t)n, sizeof *ps.img),
	    calloc((size_t)n, sizeof *ps.box),
	    calloc((size_t)n, sizeof *ps.shape),
	    malloc((size_t)n * FT_FACE_CHIP_BYTES),
	    calloc((size_t)n, sizeof *ps.desc),
	    calloc((size_t)n, sizeof *ps.single)};
	if (!ps.img || !ps.box || !ps.shape || !ps.chips || !ps.desc ||
	    !ps.single)
		return 1;
	test_photos(ctx, &ps);
	test_batches(ctx, &ps);
	test_mirror(ctx, &ps);
	test_describe_main(ctx, &ps);
	test_pairs(&ps);
	test_grey(ctx, &ps);
	test_half(ctx, &ps);
	test_shape5(argv[0], shape5, &ps);
	test_quality(&ps);

	ok(write_file(outdir, "chips.rgb", ps.chips,
	    (size_t)n * FT_FACE_CHIP_BYTES) == 0 &&
	    write_file(outdir, "descriptors.f32", ps.desc,
	    (size_t)n * sizeof *ps.desc) == 0,
	    "chips and descriptors written for the reference");

	for (int i = 0; i < n; i++)
		free(ps.img[i].px);
	free(ps.img);
	free(ps.box);
	free(ps.shape);
	free(ps.chips);
	free(ps.desc);
	free(ps.single);
	ft_face_close(ctx);
	return done();
}
