/*
 * Unit tests of lib/face, the dlib shim, that need neither photos nor
 * model files: missing and broken models refused with their names, and a
 * context without models that only detects.  tests/unit/test-faces.c
 * tests the policy over it; tests/0300-face.t the rest on photos with the
 * models.
 */
#include "face.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Open with the given files; ok when it fails with a message naming
 * want (and also containing also, when not NULL). */
static void
refused(const char *desc, const char *shape, const char *want,
    const char *also, const char *what)
{
	char *err = NULL;
	ft_face_ctx *ctx = ft_face_open(desc, shape, &err);

	ok(!ctx && err && strstr(err, want) && (!also || strstr(err, also)),
	    "%s: %s", what, err ? err : "no message");
	ft_face_close(ctx);
	free(err);
}

/* Missing and broken model files are refused with their names. */
static void
test_bad_models(void)
{
	char dir[] = "/tmp/ft-test-face.XXXXXX", junk[sizeof dir + 16];
	FILE *f = NULL;

	refused("/nonexistent/net.dat", NULL, "'/nonexistent/net.dat'",
	    "No such file", "a missing descriptor model");
	refused(NULL, "/nonexistent/shape.dat", "'/nonexistent/shape.dat'",
	    NULL, "a missing shape model");
	if (mkdtemp(dir)) {
		snprintf(junk, sizeof junk, "%s/junk.dat", dir);
		f = fopen(junk, "w");
	}
	if (!f) {
		ok(0, "cannot make a junk file");
		ok(0, "cannot make a junk file");
		rmdir(dir);
		return;
	}
	fputs("not a model\n", f);
	fclose(f);
	refused(junk, NULL, junk, "not a model of the expected kind",
	    "a file that is no model");
	refused(NULL, junk, junk, NULL, "nor as shape model");
	unlink(junk);
	rmdir(dir);
}

/* A context that only detects: no model id, the detector listed, no
 * face in a grey image, bad arguments and missing models refused. */
static void
test_detect_only(ft_face_ctx *ctx)
{
	int w = 320, h = 240;
	uint8_t *img = calloc((size_t)w * h, 3);
	uint8_t *chip = calloc(1, FT_FACE_CHIP_BYTES);
	ft_face_box out[4], big = {0, 0, 200, 200, 1.0, 0};
	ft_face_model_info info[3];
	float d[1][FT_FACE_DIM];
	int n;

	ok(ft_face_model_id(ctx) == NULL && ft_face_model_sha256(ctx) ==
	    NULL, "no descriptor model, no model id");
	n = ft_face_models(ctx, info, 3);
	ok(n == 1 && strcmp(info[0].role, "detector") == 0 &&
	    strlen(info[0].sha256) == 64 && strstr(info[0].licence, "Boost"),
	    "the detector alone is listed, with a SHA-256 and a licence");
	if (!img || !chip)
		return;
	memset(img, 128, (size_t)w * h * 3);
	is_int(ft_face_detect(ctx, img, w, h, (size_t)w * 3, 3, NULL, out, 4),
	    0, "no face in a grey image");
	is_int(ft_face_detect(ctx, img, w, h, (size_t)w, 3, NULL, out, 4), -1,
	    "a stride shorter than a row is refused");
	ok(strstr(ft_face_errmsg(ctx), "bad image") != NULL,
	    "with a message: %s", ft_face_errmsg(ctx));
	is_int(ft_face_align(ctx, img, w, h, (size_t)w * 3, 3, &big, NULL,
	    chip), -1, "no alignment without a shape model");
	ok(ft_face_describe(ctx, chip, 1, d) == -1 &&
	    strstr(ft_face_errmsg(ctx), "no descriptor model"),
	    "no descriptor without a descriptor model: %s",
	    ft_face_errmsg(ctx));
	free(img);
	free(chip);
}

int
main(void)
{
	char *err = NULL;
	ft_face_ctx *ctx;

	plan(11);
	test_bad_models();
	if (!(ctx = ft_face_open(NULL, NULL, &err))) {
		diag("%s", err ? err : "out of memory");
		return 1;
	}
	test_detect_only(ctx);
	ft_face_close(ctx);
	return done();
}
