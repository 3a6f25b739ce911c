/*
 * Unit tests of lib/face that need neither photos nor model files: the
 * choice of the main face, the quality score, errors, where the models are
 * looked for, and the detector on images made here.  tests/0300-face.t
 * tests the rest on photos with the models.
 */
#include "face.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ft_face_box
box(int left, int top, int side)
{
	ft_face_box b = {left, top, side, side, 1.0, 0};

	return b;
}

int
main(void)
{
	char *err = NULL;
	char dir[] = "/tmp/ft-test-face.XXXXXX";

	plan(24);

	/* The main face: the largest, unless it sits far out. */
	ft_face_box two[2] = {box(0, 0, 100), box(270, 190, 100)};
	is_int(ft_face_main(two, 2, 640, 480), 1,
	    "of two faces of one size, the central one is the main face");
	two[0] = box(380, 100, 250);
	is_int(ft_face_main(two, 2, 640, 480), 0,
	    "a face much larger than the central one, off the middle, is "
	    "the main face");
	two[0] = box(0, 0, 120);
	is_int(ft_face_main(two, 2, 640, 480), 1,
	    "a corner face a little larger than the central one is not");
	is_int(ft_face_main(two, 0, 640, 480), -1, "no boxes, no main face");

	/* Quality without a chip or landmarks: the size alone. */
	ft_face_quality q;
	ft_face_box small = box(0, 0, 50), big = box(0, 0, 200);
	ft_face_assess(&small, NULL, NULL, &q);
	ok(fabs(q.size - 0.5) < 1e-6 && q.score == q.size,
	    "a 50 px face scores 0.5 for size (%.2f)", q.size);
	ft_face_assess(&big, NULL, NULL, &q);
	ok(q.size == 1 && q.score == 1, "a 200 px face scores 1");

	/* A flat chip has no detail; noise has plenty. */
	uint8_t *chip = malloc(FT_FACE_CHIP_BYTES);
	ft_face_quality flat, noisy;
	memset(chip, 100, FT_FACE_CHIP_BYTES);
	ft_face_assess(&big, NULL, chip, &flat);
	srand(1);
	for (int i = 0; i < FT_FACE_CHIP_BYTES; i++)
		chip[i] = (uint8_t)(rand() % 256);
	ft_face_assess(&big, NULL, chip, &noisy);
	ok(flat.sharpness < 0.01 && noisy.sharpness > 0.99,
	    "sharpness: flat %.2f, noise %.2f", flat.sharpness,
	    noisy.sharpness);

	/* Frontalness from 5 points: the nose under the eyes' middle. */
	ft_face_shape s5 = {5, {60, 50, 10, 20, 35}, {40, 40, 40, 40, 70}};
	ft_face_assess(&big, &s5, NULL, &q);
	ok(q.frontal > 0.99, "5 points, nose in the middle: frontal %.2f",
	    q.frontal);
	s5.x[4] = 55;
	ft_face_assess(&big, &s5, NULL, &q);
	ok(q.frontal < 0.3, "5 points, nose near one eye: frontal %.2f",
	    q.frontal);

	/* Missing and broken model files are refused with their names. */
	ft_face_ctx *ctx = ft_face_open("/nonexistent/net.dat", NULL, &err);
	ok(!ctx && err && strstr(err, "'/nonexistent/net.dat'") &&
	    strstr(err, "No such file"), "a missing descriptor model: %s",
	    err ? err : "no message");
	free(err);
	err = NULL;
	ctx = ft_face_open(NULL, "/nonexistent/shape.dat", &err);
	ok(!ctx && err && strstr(err, "'/nonexistent/shape.dat'"),
	    "a missing shape model: %s", err ? err : "no message");
	free(err);
	err = NULL;

	char junk[sizeof dir + 16];
	FILE *f = NULL;
	if (mkdtemp(dir)) {
		snprintf(junk, sizeof junk, "%s/junk.dat", dir);
		f = fopen(junk, "w");
	}
	if (f) {
		fputs("not a model\n", f);
		fclose(f);
	}
	ctx = f ? ft_face_open(junk, NULL, &err) : NULL;
	ok(f && !ctx && err && strstr(err, junk) &&
	    strstr(err, "not a model of the expected kind"),
	    "a file that is no model: %s", err ? err : "no message");
	free(err);
	err = NULL;
	ctx = f ? ft_face_open(NULL, junk, &err) : NULL;
	ok(f && !ctx && err && strstr(err, junk),
	    "nor as shape model: %s", err ? err : "no message");
	free(err);
	err = NULL;
	if (f)
		unlink(junk);
	rmdir(dir);

	/* Where the models are looked for: the settings, then
	 * FT_MODELS_DIR.  The paths are fixed on first use. */
	setenv("FT_MODELS_DIR", "/opt/m", 1);
	setenv("FT_MODEL_SHAPE", "/opt/five.dat", 1);
	is_str(ft_face_descriptor_path(),
	    "/opt/m/dlib_face_recognition_resnet_model_faceapi.dat",
	    "the descriptor model is looked for in FT_MODELS_DIR");
	is_str(ft_face_shape_path(), "/opt/five.dat",
	    "FT_MODEL_SHAPE names the shape model");
	ctx = ft_face_open_config(0, 1, &err);
	ok(!ctx && err && strstr(err, "/opt/five.dat"),
	    "opening the configured models names the missing one: %s",
	    err ? err : "no message");
	free(err);
	err = NULL;

	/* A context that only detects. */
	ctx = ft_face_open_config(0, 0, &err);
	if (!ctx) {
		diag("%s", err ? err : "out of memory");
		return 1;
	}
	ok(ft_face_model_id(ctx) == NULL && ft_face_model_sha256(ctx) ==
	    NULL, "no descriptor model, no model id");
	ft_face_model_info info[3];
	int n = ft_face_models(ctx, info, 3);
	ok(n == 1 && strcmp(info[0].role, "detector") == 0 &&
	    strlen(info[0].sha256) == 64 && strstr(info[0].licence, "Boost"),
	    "the detector alone is listed, with a SHA-256 and a licence");

	int w = 320, h = 240;
	uint8_t *img = malloc((size_t)w * h * 3);
	ft_face_box out[4];
	memset(img, 128, (size_t)w * h * 3);
	is_int(ft_face_detect(ctx, img, w, h, (size_t)w * 3, 3, NULL, out, 4),
	    0, "no face in a grey image");
	is_int(ft_face_detect_main(ctx, img, w, h, (size_t)w * 3, 3, NULL,
	    out), 0, "nor when looked for hard");
	is_int(ft_face_detect(ctx, img, w, h, (size_t)w, 3, NULL, out, 4), -1,
	    "a stride shorter than a row is refused");
	ok(strstr(ft_face_errmsg(ctx), "bad image") != NULL,
	    "with a message: %s", ft_face_errmsg(ctx));
	is_int(ft_face_align(ctx, img, w, h, (size_t)w * 3, 3, &big, NULL,
	    chip), -1, "no alignment without a shape model");
	float d[1][FT_FACE_DIM];
	ok(ft_face_describe(ctx, chip, 1, d) == -1 &&
	    strstr(ft_face_errmsg(ctx), "no descriptor model"),
	    "no descriptor without a descriptor model: %s",
	    ft_face_errmsg(ctx));

	free(img);
	free(chip);
	ft_face_close(ctx);
	return done();
}
