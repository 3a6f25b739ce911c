/*
 * Unit tests of lib/faces, the policy over the face shim, that need
 * neither photos nor model files: the main face of a photo, the quality
 * score, where the models are looked for, and the still-photo calls on an
 * image without a face.  tests/0300-face.t tests them on photos.
 */
#include "faces.h"
#include "tap.h"
#include "util.h"

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

/* The main face: the largest, unless it sits far out. */
static void
test_main(void)
{
	ft_face_box two[2] = {box(0, 0, 100), box(270, 190, 100)};

	is_int(ft_faces_main(two, 2, 640, 480), 1,
	    "of two faces of one size, the central one is the main face");
	two[0] = box(380, 100, 250);
	is_int(ft_faces_main(two, 2, 640, 480), 0,
	    "a face much larger than the central one, off the middle, is "
	    "the main face");
	two[0] = box(0, 0, 120);
	is_int(ft_faces_main(two, 2, 640, 480), 1,
	    "a corner face a little larger than the central one is not");
	is_int(ft_faces_main(two, 2, 0, 0), 0,
	    "without the image's size, the largest face is");
	is_int(ft_faces_main(two, 0, 640, 480), -1, "no boxes, no main face");
}

/* Quality from the size, the chip and the landmarks. */
static void
test_assess(void)
{
	ft_face_quality q, flat, noisy;
	ft_face_box small = box(0, 0, 50), big = box(0, 0, 200);
	ft_face_shape s5 = {5, {60, 50, 10, 20, 35}, {40, 40, 40, 40, 70}};
	uint8_t *chip = malloc(FT_FACE_CHIP_BYTES);
	int i;

	ft_faces_assess(&small, NULL, NULL, &q);
	ok(fabs(q.size - 0.5) < 1e-6 && q.score == q.size,
	    "a 50 px face scores 0.5 for size (%.2f)", q.size);
	ft_faces_assess(&big, NULL, NULL, &q);
	ok(q.size == 1 && q.score == 1, "a 200 px face scores 1");

	/* A flat chip has no detail; noise has plenty. */
	memset(chip, 100, FT_FACE_CHIP_BYTES);
	ft_faces_assess(&big, NULL, chip, &flat);
	srand(1);
	for (i = 0; i < FT_FACE_CHIP_BYTES; i++)
		chip[i] = (uint8_t)(rand() % 256);
	ft_faces_assess(&big, NULL, chip, &noisy);
	ok(flat.sharpness < 0.01 && noisy.sharpness > 0.99,
	    "sharpness: flat %.2f, noise %.2f", flat.sharpness,
	    noisy.sharpness);
	free(chip);

	/* Frontalness from 5 points: the nose under the eyes' middle. */
	ft_faces_assess(&big, &s5, NULL, &q);
	ok(q.frontal > 0.99, "5 points, nose in the middle: frontal %.2f",
	    q.frontal);
	s5.x[4] = 55;
	ft_faces_assess(&big, &s5, NULL, &q);
	ok(q.frontal < 0.3 && fabs(q.score - q.frontal) < 1e-6,
	    "5 points, nose near one eye: frontal %.2f", q.frontal);
}

/* Where the models are looked for: the settings, then FT_MODELS_DIR,
 * then (this program being in the build directory) the checkout's. */
static void
test_paths(void)
{
	char *dir, *path, *mk, *err = NULL;
	ft_face_ctx *ctx;

	unsetenv("FT_MODELS_DIR");
	dir = ft_faces_models_dir();
	mk = ft_xasprintf("%s/models.mk", dir);
	ok(dir[0] == '/' && access(mk, F_OK) == 0,
	    "run from the build directory, the checkout's models/: %s", dir);
	free(mk);
	free(dir);

	setenv("FT_MODELS_DIR", "/opt/m", 1);
	setenv("FT_MODEL_SHAPE", "/opt/five.dat", 1);
	dir = ft_faces_models_dir();
	is_str(dir, "/opt/m", "FT_MODELS_DIR names the directory");
	free(dir);
	path = ft_faces_descriptor_path();
	is_str(path, "/opt/m/dlib_face_recognition_resnet_model_faceapi.dat",
	    "the descriptor model is looked for in FT_MODELS_DIR");
	free(path);
	path = ft_faces_shape_path();
	is_str(path, "/opt/five.dat", "FT_MODEL_SHAPE names the shape model");
	free(path);
	path = ft_faces_detector_path();
	is_str(path, "/opt/m/tiny_face_detector_faceapi.yml",
	    "the detector model is looked for in FT_MODELS_DIR");
	free(path);

	unsetenv("FT_DETECTOR");
	ok(ft_faces_detector() == FT_FACES_NET, "the network by default");
	setenv("FT_DETECTOR", "hog", 1);
	ok(ft_faces_detector() == FT_FACES_HOG, "FT_DETECTOR=hog: HOG");
	setenv("FT_DETECTOR", "cnn", 1);
	ctx = ft_faces_open(&err);
	ok(ft_faces_detector() < 0 && !ctx && err &&
	    strstr(err, "FT_DETECTOR is 'cnn'"),
	    "another detector is refused: %s", err ? err : "no message");
	free(err);
	err = NULL;
	unsetenv("FT_DETECTOR");
	ctx = ft_faces_open(&err);
	ok(!ctx && err && strstr(err, "/opt/m/dlib_face_recognition") &&
	    strstr(err, "make models"),
	    "opening the models names the missing one and the cure: %s",
	    err ? err : "no message");
	free(err);
	ft_face_close(ctx);
}

/* The still-photo calls on a grey image, with a context that only
 * detects: no face found, and nothing touched. */
static void
test_no_face(ft_face_ctx *ctx)
{
	ft_image img = {320, 240, 3, 320 * 3, NULL, NULL};
	ft_face_detect_opts up3 = {3, 0, 0};
	ft_face_box out[4], b = box(1, 2, 3);
	ft_face_quality q = {-1, -1, -1, -1};
	float d[FT_FACE_DIM] = {0};
	char *err = NULL;
	int n;

	img.pixels = malloc((size_t)img.height * img.stride);
	if (!img.pixels)
		return;
	memset(img.pixels, 128, (size_t)img.height * img.stride);
	is_int(ft_faces_detect_still(ctx, &img, NULL, out, 4), 0,
	    "no face in a grey image when looked for hard");
	is_int(ft_faces_detect_still(ctx, &img, &up3, out, 4), 0,
	    "nor upsampled as far as it goes");
	is_int(ft_faces_detect_main(ctx, &img, NULL, &b), 0,
	    "no main face");
	ok(ft_faces_describe_main(ctx, &img, &b, d, &q, NULL, &err) == 0 &&
	    !err && b.left == 1 && q.score == -1 && d[0] == 0,
	    "none to describe, and nothing touched");
	img.stride = 320;
	n = ft_faces_describe_main(ctx, &img, &b, d, &q, NULL, &err);
	ok(n == -1 && err && strstr(err, "bad image"),
	    "a bad image is refused: %s", err ? err : "no message");
	free(err);
	free(img.pixels);
}

int
main(void)
{
	char *err = NULL;
	ft_face_ctx *ctx;

	plan(24);
	test_main();
	test_assess();
	test_paths();
	if (!(ctx = ft_face_open(NULL, NULL, &err))) {
		diag("%s", err ? err : "out of memory");
		return 1;
	}
	test_no_face(ctx);
	ft_face_close(ctx);
	return done();
}
