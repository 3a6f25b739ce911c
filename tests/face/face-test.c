/*
 * Tests of lib/face on real photographs, in TAP.
 *
 *	face-test -o DIR -g GROUPS -5 SHAPE5 DESCRIPTOR SHAPE IMAGE...
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
 * SHA-256 as sha256sum prints them.
 *
 * Timings go to stderr as TAP comments; they never fail a test.
 */
#include "face.h"
#include "../unit/tap.h"

#include "jpeg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static double
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

int
main(int argc, char **argv)
{
	const char *outdir = NULL, *groups_dir = NULL, *shape5 = NULL;
	const char *want_sha = getenv("FT_EXPECT_SHA256");
	const char *want_shape_sha = getenv("FT_EXPECT_SHAPE_SHA256");
	int opt, n;
	char *err = NULL;

	while ((opt = getopt(argc, argv, "5:g:o:")) != -1) {
		if (opt == '5') {
			shape5 = optarg;
			continue;
		}
		if (opt == 'g') {
			groups_dir = optarg;
			continue;
		}
		if (opt != 'o') {
			fprintf(stderr, "usage: face-test -o DIR -g GROUPS "
			    "-5 SHAPE5 DESCRIPTOR SHAPE IMAGE...\n");
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

	plan(29);

	ft_face_ctx *bad = ft_face_open("/nonexistent/model.dat", NULL,
	    &err);
	ok(!bad && err && strstr(err, "/nonexistent/model.dat"),
	    "a missing model file is refused with its name (%s)",
	    err ? err : "no message");
	free(err);
	err = NULL;
	bad = ft_face_open(argv[1], NULL, &err);
	ok(!bad && err && strstr(err, "not a model of the expected kind"),
	    "a shape model is refused as descriptor model");
	free(err);
	err = NULL;

	/* A descriptor model cut short, as an interrupted copy leaves it. */
	char cut[4096];
	FILE *src = fopen(argv[0], "rb"), *o;
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
	bad = cut_ok ? ft_face_open(argv[0], argv[1], &err) : NULL;
	ft_face_close(bad);
	bad = cut_ok ? ft_face_open(cut, argv[1], &err) : NULL;
	ok(cut_ok && !bad && err && strstr(err, cut) &&
	    strstr(err, "not a model of the expected kind"),
	    "a truncated descriptor model is refused: %s",
	    err ? err : "no message");
	free(err);
	err = NULL;
	unlink(cut);

	ft_face_ctx *ctx = ft_face_open(argv[0], argv[1], &err);
	if (!ctx) {
		diag("%s", err ? err : "out of memory");
		return 1;
	}
	const char *id = ft_face_model_id(ctx);
	ok(strncmp(id, "faceapi-resnet-q8:", 18) == 0 &&
	    strlen(id) == 18 + 16 &&
	    strncmp(id + 18, ft_face_model_sha256(ctx), 16) == 0,
	    "the model is named by kind and hash: %s", id);
	ok(strncmp(ft_face_model_sha256(ctx), want_sha, 64) == 0,
	    "the model's SHA-256 is the file's");

	/* What ft-recognize --models prints. */
	ft_face_model_info info[4];
	int nm = ft_face_models(ctx, info, 4);
	ok(nm == 3 && strcmp(info[1].role, "shape") == 0 &&
	    strcmp(info[1].path, argv[1]) == 0 &&
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

	/* Every photo: one face, its landmarks inside the box it came
	 * from, its chip. */
	struct image *img = calloc((size_t)n, sizeof *img);
	ft_face_box *box = calloc((size_t)n, sizeof *box);
	ft_face_shape *shape = calloc((size_t)n, sizeof *shape);
	uint8_t *chips = malloc((size_t)n * FT_FACE_CHIP_BYTES);
	float (*desc)[FT_FACE_DIM] = calloc((size_t)n, sizeof *desc);
	float (*single)[FT_FACE_DIM] = calloc((size_t)n, sizeof *single);
	int found = 0, inside = 0, main_same = 0;
	int g_faces = 0, g_matched = 0, g_extra = 0, g_cuts = 0, g_one = 0;

	groups(ctx, groups_dir, &g_faces, &g_matched, &g_extra, &g_cuts,
	    &g_one);
	ok(g_faces > 0 && g_matched == g_faces && g_extra == 0,
	    "group photos: each of the %d labelled faces found (%d), no "
	    "other box (%d)", g_faces, g_matched, g_extra);
	ok(g_cuts >= g_faces / 2 && g_one == g_cuts,
	    "a photo cut to one labelled face gives one box (%d of %d)",
	    g_one, g_cuts);

	if (!img || !box || !shape || !chips || !desc || !single)
		return 1;
	for (int i = 0; i < n; i++) {
		if (read_jpeg(argv[2 + i], &img[i]) != 0) {
			diag("cannot read '%s'", argv[2 + i]);
			continue;
		}
		ft_face_box all[4], m;
		int nb = ft_face_detect(ctx, img[i].px, img[i].w, img[i].h,
		    (size_t)img[i].w * 3, 3, NULL, all, 4);
		if (one_face(ctx, &img[i], &box[i], &shape[i],
		    chips + (size_t)i * FT_FACE_CHIP_BYTES) != 0) {
			diag("no face in '%s'", argv[2 + i]);
			continue;
		}
		main_same += ft_face_detect_main(ctx, img[i].px, img[i].w,
		    img[i].h, (size_t)img[i].w * 3, 3, NULL, &m) == nb &&
		    m.left == all[0].left && m.top == all[0].top &&
		    m.width == all[0].width;
		found++;
		int in = shape[i].n == 68;
		for (int k = 0; k < shape[i].n; k++) {
			/* the chin may reach a little below HOG's box */
			float mx = box[i].width * 0.25f;
			float my = box[i].height * 0.25f;
			in &= shape[i].x[k] > box[i].left - mx &&
			    shape[i].x[k] < box[i].left + box[i].width + mx &&
			    shape[i].y[k] > box[i].top - my &&
			    shape[i].y[k] < box[i].top + box[i].height + my;
		}
		inside += in;
	}
	is_int(found, n, "a face in each of the %d photos", n);
	is_int(main_same, n, "and it is the main face");
	is_int(inside, n, "68 landmarks on each face");

	double t0 = now_ms();
	for (int i = 0; i < n; i++)
		ft_face_describe(ctx, chips + (size_t)i * FT_FACE_CHIP_BYTES,
		    1, &single[i]);
	double t1 = now_ms();
	int rc = ft_face_describe(ctx, chips, n, desc);
	double t2 = now_ms();
	diag("descriptor: %.1f ms a face one at a time, %.1f ms a face "
	    "in a batch of %d", (t1 - t0) / n, (t2 - t1) / n, n);
	is_int(rc, 0, "describe a batch of %d chips", n);
	double maxd = 0;
	for (int i = 0; i < n; i++)
		for (int k = 0; k < FT_FACE_DIM; k++)
			maxd = fmax(maxd, fabs(desc[i][k] - single[i][k]));
	ok(maxd < 1e-5, "a batch gives the descriptors of single chips "
	    "(max diff %g)", maxd);

	/* The same batch spread over two threads. */
	float (*two)[FT_FACE_DIM] = calloc((size_t)n, sizeof *two);
	rc = two ? ft_face_set_threads(ctx, 2) : -1;
	t0 = now_ms();
	if (rc == 0)
		rc = ft_face_describe(ctx, chips, n, two);
	t1 = now_ms();
	maxd = 0;
	for (int i = 0; rc == 0 && i < n; i++)
		for (int k = 0; k < FT_FACE_DIM; k++)
			maxd = fmax(maxd, fabs(two[i][k] - single[i][k]));
	diag("descriptor: %.1f ms a face in a batch of %d on 2 threads",
	    (t1 - t0) / n, n);
	ok(rc == 0 && maxd < 1e-5, "two threads give the same descriptors "
	    "(max diff %g)", maxd);
	free(two);

	/* Mirrored: the mean of each chip's and its mirror image's. */
	uint8_t *flip = malloc((size_t)n * FT_FACE_CHIP_BYTES);
	float (*fd)[FT_FACE_DIM] = calloc((size_t)n, sizeof *fd);
	float (*md)[FT_FACE_DIM] = calloc((size_t)n, sizeof *md);
	for (int i = 0; flip && i < n; i++)
		for (int y = 0; y < FT_FACE_CHIP; y++)
			for (int x = 0; x < FT_FACE_CHIP; x++)
				memcpy(flip + (((size_t)i * FT_FACE_CHIP + y) *
				    FT_FACE_CHIP + x) * 3, chips + (((size_t)i *
				    FT_FACE_CHIP + y) * FT_FACE_CHIP +
				    FT_FACE_CHIP - 1 - x) * 3, 3);
	rc = flip && fd && md ? ft_face_describe(ctx, flip, n, fd) : -1;
	ft_face_set_mirror(ctx, 1);
	if (rc == 0)
		rc = ft_face_describe(ctx, chips, n, md);
	ft_face_set_mirror(ctx, 0);
	maxd = 0;
	double moved = 0;
	for (int i = 0; rc == 0 && i < n; i++) {
		for (int k = 0; k < FT_FACE_DIM; k++)
			maxd = fmax(maxd, fabs(md[i][k] - (single[i][k] +
			    fd[i][k]) / 2));
		moved = fmax(moved, distance(md[i], single[i]));
	}
	ok(rc == 0 && maxd < 1e-5 && moved > 1e-3, "mirrored, each "
	    "descriptor is the mean of the chip's and its mirror image's "
	    "(max diff %g, moved up to %.3f)", maxd, moved);
	free(flip);
	free(fd);
	free(md);

	/* The pairs: same person close, different people far. */
	double same = 0, other = 0;
	int wrong = 0, closer = 0;
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
	ok(same / (n / 2) < 0.45 && other / (n / 2) > 0.75 && wrong <= n / 8,
	    "same person below 0.6, different people above");

	/* Grey pixels find the same face. */
	ft_face_box gbox;
	uint8_t *grey = malloc((size_t)img[0].w * (size_t)img[0].h);
	for (int p = 0; grey && p < img[0].w * img[0].h; p++)
		grey[p] = (uint8_t)((img[0].px[3 * p] + img[0].px[3 * p + 1] +
		    img[0].px[3 * p + 2]) / 3);
	ok(grey && ft_face_detect(ctx, grey, img[0].w, img[0].h,
	    (size_t)img[0].w, 1, NULL, &gbox, 1) >= 1 &&
	    iou(&gbox, &box[0]) > 0.7, "a grey image gives the same box");
	free(grey);

	/* Half size: too small for HOG at native scale, found once
	 * upsampled, and its box mapped back to the small image. */
	int hw = img[0].w / 2, hh = img[0].h / 2;
	uint8_t *half = malloc((size_t)hw * (size_t)hh * 3);
	ft_face_box hbox, want = {box[0].left / 2, box[0].top / 2,
	    box[0].width / 2, box[0].height / 2, 0, 0};
	ft_face_detect_opts up = {1, 0, 0};
	for (int y = 0; half && y < hh; y++)
		for (int x = 0; x < hw; x++)
			for (int c = 0; c < 3; c++) {
				const uint8_t *s = img[0].px +
				    ((size_t)(2 * y) * img[0].w + 2 * x) * 3 + c;
				size_t row = (size_t)img[0].w * 3;
				half[((size_t)y * hw + x) * 3 + c] = (uint8_t)
				    ((s[0] + s[3] + s[row] + s[row + 3] + 2) / 4);
			}
	is_int(half ? ft_face_detect(ctx, half, hw, hh, (size_t)hw * 3, 3,
	    NULL, NULL, 0) : -1, 0, "no face found in a half-size photo "
	    "without upsampling");
	t0 = now_ms();
	int hn = half ? ft_face_detect(ctx, half, hw, hh, (size_t)hw * 3,
	    3, &up, &hbox, 1) : -1;
	t1 = now_ms();
	ok(hn >= 1 && iou(&hbox, &want) > 0.6, "upsampled once, it is "
	    "found where it is (%d %d %dx%d)", hbox.left, hbox.top,
	    hbox.width, hbox.height);
	ft_face_detect_opts big = {1, box[0].width, 0};
	is_int(half ? ft_face_detect(ctx, half, hw, hh, (size_t)hw * 3, 3,
	    &big, &hbox, 1) : -1, 0, "min_size drops smaller faces");
	free(half);
	diag("detect: %dx%d in %.1f ms upsampled once", hw, hh, t1 - t0);

	/* A 5-point model aligns the chip as the 68-point one does, near
	 * enough for the network to see the same face. */
	ft_face_ctx *ctx5 = ft_face_open(argv[0], shape5, &err);
	ft_face_model_info info5[3];
	ok(ctx5 && ft_face_models(ctx5, info5, 3) == 3 &&
	    strstr(info5[1].kind, "5-point") &&
	    strstr(info5[1].licence, "public domain"),
	    "a 5-point model loads and is listed as one: %s",
	    ctx5 ? "" : err);
	free(err);
	err = NULL;
	uint8_t *chips5 = malloc((size_t)n * FT_FACE_CHIP_BYTES);
	float (*desc5)[FT_FACE_DIM] = calloc((size_t)n, sizeof *desc5);
	int five = 0, nearer = 0;
	double worst = 0;
	for (int i = 0; ctx5 && chips5 && desc5 && i < n; i++) {
		ft_face_shape s5;
		uint8_t *c = chips5 + (size_t)i * FT_FACE_CHIP_BYTES;
		if (img[i].px && ft_face_align(ctx5, img[i].px, img[i].w,
		    img[i].h, (size_t)img[i].w * 3, 3, &box[i], &s5, c) == 0 &&
		    s5.n == 5 && ft_face_describe(ctx5, c, 1, &desc5[i]) == 0)
			five++;
	}
	for (int i = 0; i < n && five == n; i++) {
		double d = distance(desc5[i], desc[i]);
		worst = fmax(worst, d);
		/* nearer its own 68-point descriptor than the same
		 * person's other photo is */
		nearer += d < distance(desc[i], desc[i ^ 1]);
	}
	is_int(five, n, "5 landmarks, a chip and a descriptor for each photo");
	ok(five == n && nearer == n && worst < 0.6,
	    "each 5-point chip describes its face nearer the 68-point "
	    "chip's descriptor than the person's other photo (up to %.3f "
	    "apart)", worst);
	free(chips5);
	free(desc5);
	ft_face_close(ctx5);

	/* Quality: a blurred chip is less sharp, a small face smaller. */
	ft_face_quality q, qb;
	uint8_t *blur = malloc(FT_FACE_CHIP_BYTES);
	const uint8_t *c0 = chips;
	for (int y = 0; blur && y < FT_FACE_CHIP; y++)
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
	ft_face_assess(&box[0], &shape[0], chips, &q);
	ft_face_assess(&box[0], &shape[0], blur, &qb);
	diag("quality: size %.2f sharpness %.2f (blurred %.2f) frontal "
	    "%.2f score %.2f", q.size, q.sharpness, qb.sharpness, q.frontal,
	    q.score);
	ok(q.sharpness > qb.sharpness + 0.2 && qb.score < q.score,
	    "a blurred chip scores lower");
	ft_face_box small = box[0];
	small.width = 50;
	ft_face_assess(&small, NULL, NULL, &q);
	ok(fabs(q.size - 0.5) < 1e-6 && q.frontal == 1 && q.sharpness == 1,
	    "a 50 px face has size 0.5; missing parts count as perfect");
	/* Landmarks made symmetric about the nose are frontal; the jaw
	 * squeezed toward the nose on one side is a head turned away. */
	ft_face_shape sym = shape[0], turned;
	for (int k = 0; k < 8; k++) {
		sym.x[k] = 2 * sym.x[30] - sym.x[16 - k];
		sym.y[k] = sym.y[16 - k];
	}
	turned = sym;
	for (int k = 0; k < 8; k++)
		turned.x[k] = turned.x[30] - (turned.x[30] - turned.x[k]) / 4;
	ft_face_assess(&box[0], &sym, chips, &q);
	ft_face_assess(&box[0], &turned, chips, &qb);
	ok(q.frontal > 0.95 && qb.frontal < 0.5,
	    "a face turned away is less frontal (%.2f, %.2f)", q.frontal,
	    qb.frontal);
	free(blur);

	ok(write_file(outdir, "chips.rgb", chips,
	    (size_t)n * FT_FACE_CHIP_BYTES) == 0 &&
	    write_file(outdir, "descriptors.f32", desc,
	    (size_t)n * sizeof *desc) == 0,
	    "chips and descriptors written for the reference");

	for (int i = 0; i < n; i++)
		free(img[i].px);
	free(img);
	free(box);
	free(shape);
	free(chips);
	free(desc);
	free(single);
	ft_face_close(ctx);
	return done();
}
