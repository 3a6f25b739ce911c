/*
 * Tests of lib/face's convolutional detector on real photographs, in TAP.
 *
 *	detect-test -o DIR [-g GROUPS] DETECTOR SHAPE DEMO_PHOTO...
 *
 * DETECTOR is the converted tiny face detector (make models), SHAPE the
 * 68-point shape model.  The DEMO_PHOTOs (face-api's demo photos) are
 * scaled and padded, as face-api does, into squares of 416 pixels,
 * written one after the other to DIR/detect.rgb, and the network's own
 * boxes on each to DIR/detect.txt ("IMAGE X Y W H SCORE" lines), for
 * tests/face/faceapi-detect.js to compare with face-api itself.  GROUPS
 * is a directory of group photos with boxes.csv (file,left,top,width,
 * height); without it, the group photos' test is skipped.
 */
#include "face.h"
#include "box.h"
#include "faces.h"
#include "frame.h"
#include "../unit/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIDE 416		/* face-api's default input size */
#define REF_SCORE 0.3		/* the lowest score compared */
#define MAX_BOXES 128
#define SURE_SCORE 0.6		/* faces the network is sure of */

static int
found(const ft_face_box *label, const ft_face_box *boxes, int n)
{
	for (int i = 0; i < n && i < MAX_BOXES; i++)
		if (iou(label, &boxes[i]) > 0.3)
			return 1;
	return 0;
}

/* A copy of path cut to n bytes, in dir; NULL when it cannot be made. */
static char *
cut_copy(const char *path, const char *dir, long n)
{
	static char out[4096];
	FILE *src = fopen(path, "rb"), *o;
	long k;
	int c;

	snprintf(out, sizeof out, "%s/cut.yml", dir);
	o = fopen(out, "wb");
	for (k = 0; src && o && k < n && (c = getc(src)) != EOF; k++)
		putc(c, o);
	if (src)
		fclose(src);
	return o && fclose(o) == 0 && src ? out : NULL;
}

/* Missing, wrong and truncated detector files are refused by name. */
static void
test_bad_models(const char *detector, const char *shape, const char *dir)
{
	ft_face_ctx *ctx = ft_face_open(NULL, NULL, NULL);
	const char *cut = cut_copy(detector, dir, 200000);
	ft_face_box box;
	uint8_t px[64 * 64] = { 0 };

	int rc = ctx ? ft_face_detect_net(ctx, px, 64, 64, 64, 1, NULL, &box,
	    1) : 0;
	ok(rc == -1 && strstr(ft_face_errmsg(ctx), "no face detector"),
	    "detection without a detector loaded fails: %s",
	    ctx ? ft_face_errmsg(ctx) : "no context");
	rc = ft_face_load_detector(ctx, "/nonexistent/detector.yml");
	ok(rc == -1 && strstr(ft_face_errmsg(ctx), "/nonexistent/detector.yml")
	    && !ft_face_detector_loaded(ctx),
	    "a missing detector file is refused with its name: %s",
	    ft_face_errmsg(ctx));
	rc = ft_face_load_detector(ctx, shape);
	ok(rc == -1 && strstr(ft_face_errmsg(ctx), shape),
	    "the shape model is refused as detector: %s",
	    ft_face_errmsg(ctx));
	rc = cut ? ft_face_load_detector(ctx, cut) : 0;
	ok(rc == -1 && strstr(ft_face_errmsg(ctx), cut),
	    "a truncated detector file is refused: %s",
	    ft_face_errmsg(ctx));
	if (cut)
		unlink(cut);
	rc = ft_face_load_detector(ctx, detector);
	ok(rc == 0 && ft_face_detector_loaded(ctx), "the detector loads");
	ft_face_close(ctx);
}

/*
 * The demo photos as face-api takes them at input size SIDE: scaled so
 * that the longer side is SIDE, padded with black on the right or at the
 * bottom.  Writes them and the network's boxes for the reference.
 */
static void
test_demo(ft_face_ctx *ctx, char **photos, int n, const char *dir)
{
	char path[4096];
	FILE *rgb, *txt;
	int faces = 0, read = 0, bad = 0;

	snprintf(path, sizeof path, "%s/detect.rgb", dir);
	rgb = fopen(path, "wb");
	snprintf(path, sizeof path, "%s/detect.txt", dir);
	txt = fopen(path, "w");
	for (int i = 0; i < n && rgb && txt; i++) {
		ft_image img = { 0 }, small = { 0 };
		char *err = NULL;
		double boxes[MAX_BOXES][5];

		if (ft_image_read(photos[i], &img, &err)) {
			diag("%s", err);
			free(err);
			bad++;
			continue;
		}
		int w = img.width >= img.height ? SIDE :
		    (int)((double)img.width * SIDE / img.height + 0.5);
		int h = img.height >= img.width ? SIDE :
		    (int)((double)img.height * SIDE / img.width + 0.5);
		uint8_t *sq = calloc(SIDE * SIDE, 3);
		if (!sq || ft_image_resize(&img, w, h, &small, &err)) {
			bad++;
			free(err);
			free(sq);
			ft_image_clear(&img);
			continue;
		}
		for (int y = 0; y < h; y++)
			memcpy(sq + (size_t)y * SIDE * 3, small.pixels +
			    (size_t)y * small.stride, (size_t)w * 3);
		int m = ft_face_detect_net_raw(ctx, sq, SIDE, SIDE, SIDE * 3,
		    3, 1.0, REF_SCORE, boxes, MAX_BOXES);
		bad += m < 0;
		for (int k = 0; k < m && k < MAX_BOXES; k++)
			fprintf(txt, "%d %.3f %.3f %.3f %.3f %.6f\n", read,
			    boxes[k][0], boxes[k][1], boxes[k][2],
			    boxes[k][3], boxes[k][4]);
		faces += m > 0 ? m : 0;
		bad += fwrite(sq, 3, SIDE * SIDE, rgb) != SIDE * SIDE;
		read++;
		free(sq);
		ft_image_clear(&small);
		ft_image_clear(&img);
	}
	ok(rgb && txt && fclose(rgb) == 0 && fclose(txt) == 0 && !bad &&
	    read == n && faces >= n,
	    "the network finds faces in each of the %d demo photos (%d in "
	    "all), written for the reference", n, faces);
}

/*
 * Faces found in a whole demo photo (scoring at least SURE_SCORE; one
 * barely over the minimum may fall under it in another frame) are found
 * again near where they were,
 * all in one pass, also when they have moved by a tenth of their width
 * (a frame later) and when the square around one reaches past the
 * photo's edge; bad boxes are refused.
 */
static void
test_near(ft_face_ctx *ctx, char **photos, int n)
{
	int faces = 0, again = 0, moved = 0, edge = 0, bad = 0;

	for (int i = 0; i < n; i++) {
		ft_image img = { 0 };
		char *err = NULL;
		ft_face_box whole[MAX_BOXES], near[MAX_BOXES];
		ft_face_box shifted[MAX_BOXES], after[MAX_BOXES];

		if (ft_image_read(photos[i], &img, &err)) {
			free(err);
			bad++;
			continue;
		}
		int m = ft_face_detect_net(ctx, img.pixels, img.width,
		    img.height, img.stride, 3, NULL, whole, MAX_BOXES);
		if (m > MAX_BOXES)
			m = MAX_BOXES;
		int k = ft_face_detect_net_near(ctx, img.pixels, img.width,
		    img.height, img.stride, 3, whole, m, NULL, near,
		    MAX_BOXES);
		for (int j = 0; j < m; j++) {
			shifted[j] = whole[j];
			shifted[j].left += whole[j].width / 10;
			shifted[j].top -= whole[j].width / 10;
		}
		int ks = ft_face_detect_net_near(ctx, img.pixels, img.width,
		    img.height, img.stride, 3, shifted, m, NULL, after,
		    MAX_BOXES);
		bad += m < 0 || k < 0 || ks < 0;
		for (int j = 0; j < m; j++) {
			int hit = 0, hit_moved = 0;

			if (whole[j].confidence < SURE_SCORE)
				continue;	/* may score under 0.5 */

			for (int q = 0; q < k && q < MAX_BOXES; q++)
				hit |= iou(&whole[j], &near[q]) > 0.5;
			for (int q = 0; q < ks && q < MAX_BOXES; q++)
				hit_moved |= iou(&whole[j], &after[q]) > 0.5;
			if (!hit || !hit_moved)
				diag("%s: face at %d,%d %dx%d (%.2f) not found "
				    "again%s", photos[i], whole[j].left,
				    whole[j].top, whole[j].width,
				    whole[j].height, whole[j].confidence,
				    hit ? " once moved" : "");
			faces++;
			again += hit;
			moved += hit_moved;
		}
		/* The photo cut a quarter of the way into its first face:
		 * the square around that face reaches past the cut. */
		if (m > 0 && whole[0].left > 0) {
			int cut = whole[0].left + whole[0].width / 4;
			ft_face_box part = whole[0], found[MAX_BOXES];

			part.left -= cut;
			int kh = ft_face_detect_net_near(ctx, img.pixels +
			    (size_t)cut * 3, img.width - cut, img.height,
			    img.stride, 3, &part, 1, NULL, found, MAX_BOXES);
			bad += kh < 0;
			for (int q = 0; q < kh && q < MAX_BOXES; q++)
				if (iou(&part, &found[q]) > 0.3) {
					edge++;
					break;
				}
		}
		ft_image_clear(&img);
	}

	ft_face_box box = { 10, 10, 0, 40, 1, -1 }, out[4];
	uint8_t px[64 * 64 * 3] = { 0 };
	int zero = ft_face_detect_net_near(ctx, px, 64, 64, 64 * 3, 3, &box, 1,
	    NULL, out, 4);
	int negative = ft_face_detect_net_near(ctx, px, 64, 64, 64 * 3, 3,
	    &box, -1, NULL, out, 4);
	int none = ft_face_detect_net_near(ctx, px, 64, 64, 64 * 3, 3, NULL, 0,
	    NULL, out, 4);

	ok(!bad && faces > 0 && again == faces && moved == faces,
	    "each of %d faces the network is sure of in the demo photos is "
	    "found again near where it was (%d), and a tenth of its width "
	    "away (%d)", faces, again,
	    moved);
	ok(!bad && edge > 0,
	    "a face cut by the image's edge is found again in a square "
	    "reaching past it (%d photos)", edge);
	ok(zero == -1 && negative == -1 && none == 0,
	    "an empty box or a negative count is refused; no boxes, no faces");
}

/*
 * On the labelled group photos, the network finds every face HOG finds,
 * at either detector's plain and upsampled search.
 */
static void
test_groups(ft_face_ctx *ctx, const char *dir)
{
	char path[4096], line[512], file[256], cur[256] = "";
	ft_face_box label[MAX_BOXES], hog[MAX_BOXES], net[MAX_BOXES];
	int nl = 0, more = 1, labels = 0, by_hog[2] = { 0 }, by_net[2] = {
	    0 }, missed = 0, photos = 0;
	FILE *f;

	if (!dir) {
		skip(1, "no group photos (../shared/data/faces/groups)");
		return;
	}
	snprintf(path, sizeof path, "%s/boxes.csv", dir);
	if (!(f = fopen(path, "r"))) {
		ok(0, "cannot read '%s'", path);
		return;
	}
	while (more) {
		int l = 0, t = 0, w = 0, h = 0;

		more = fgets(line, sizeof line, f) != NULL;
		if (more && sscanf(line, "%255[^,],%d,%d,%d,%d", file, &l, &t,
		    &w, &h) != 5)
			continue;
		if ((!more || strcmp(file, cur) != 0) && nl > 0) {
			ft_image img = { 0 };
			char *err = NULL;

			snprintf(path, sizeof path, "%s/%s", dir, cur);
			if (ft_image_read(path, &img, &err)) {
				diag("%s", err);
				free(err);
				missed++;
			}
			for (int up = 0; up < 2 && img.pixels; up++) {
				ft_face_detect_opts o = { up, 0, 0 };
				int nh = ft_face_detect(ctx, img.pixels,
				    img.width, img.height, img.stride,
				    img.channels, &o, hog, MAX_BOXES);
				int nn = ft_face_detect_net(ctx, img.pixels,
				    img.width, img.height, img.stride,
				    img.channels, &o, net, MAX_BOXES);

				for (int i = 0; i < nl; i++) {
					int a = found(&label[i], hog, nh);
					int b = found(&label[i], net, nn);

					by_hog[up] += a;
					by_net[up] += b;
					if (a && !b) {
						missed++;
						diag("%s: the face at %d,%d "
						    "(upsampled %d) found by "
						    "HOG only", cur,
						    label[i].left,
						    label[i].top, up);
					}
				}
			}
			photos += img.pixels != NULL;
			labels += nl;
			ft_image_clear(&img);
			nl = 0;
		}
		if (more && strcmp(file, cur) != 0)
			snprintf(cur, sizeof cur, "%s", file);
		if (more && nl < MAX_BOXES) {
			ft_face_box b = { l, t, w, h, 0, 0 };
			label[nl++] = b;
		}
	}
	fclose(f);
	diag("group photos: %d labelled faces; HOG finds %d, upsampled %d; "
	    "the network %d, upsampled %d", labels, by_hog[0], by_hog[1],
	    by_net[0], by_net[1]);
	ok(photos > 0 && labels > 0 && missed == 0 &&
	    by_net[1] >= by_hog[1],
	    "on %d group photos the network finds every face HOG finds "
	    "(%d and %d of %d labelled)", photos, by_net[1], by_hog[1],
	    labels);
}

int
main(int argc, char **argv)
{
	const char *dir = NULL, *groups = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "g:o:")) != -1) {
		if (opt == 'g') {
			groups = optarg;
			continue;
		}
		if (opt != 'o') {
			fprintf(stderr, "usage: detect-test -o DIR [-g GROUPS] "
			    "DETECTOR SHAPE DEMO_PHOTO...\n");
			return 2;
		}
		dir = optarg;
	}
	argc -= optind;
	argv += optind;
	if (!dir || argc < 3) {
		fprintf(stderr, "usage: detect-test -o DIR [-g GROUPS] "
		    "DETECTOR SHAPE DEMO_PHOTO...\n");
		return 2;
	}
	plan(10);
	test_bad_models(argv[0], argv[1], dir);

	char *err = NULL;
	ft_face_ctx *ctx = ft_face_open(NULL, NULL, &err);
	if (!ctx || ft_face_load_detector(ctx, argv[0])) {
		diag("%s", ctx ? ft_face_errmsg(ctx) : err);
		return 1;
	}
	test_demo(ctx, argv + 2, argc - 2, dir);
	test_near(ctx, argv + 2, argc - 2);
	test_groups(ctx, groups);
	ft_face_close(ctx);
	return done();
}
