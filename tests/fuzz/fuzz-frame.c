/*
 * Image decoding (lib/frame): bytes as a frame record's "jpeg" member or
 * an uploaded photo bring them, through the size probe and the bounds
 * checked before OpenCV decodes anything.  An image decoded must be
 * within the limits; a JPEG or PNG whose header states more pixels than
 * the limit must be refused; what is decoded is encoded again.
 */
#include "frame.h"
#include "fuzz.h"

/* Small limits, so that a fuzzed header cannot make the fuzzer
 * allocate gigabytes before the check is seen to work. */
#define MAX_PIXELS (1024LL * 1024)
#define MAX_BYTES (256LL * 1024)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ft_image_set_limits(MAX_PIXELS, MAX_BYTES);
	return 0;
}

static void
check_decoded(const ft_image *img, int probed, long w, long h)
{
	uint8_t *jpeg = NULL;
	size_t len = 0;
	char *err = NULL;
	ft_image small = { 0 };

	if (img->width <= 0 || img->height <= 0 || img->channels != 3 ||
	    img->stride < (size_t)img->width * 3 || !img->pixels)
		fuzz_fail("decoded a %dx%dx%d image, stride %zu", img->width,
			  img->height, img->channels, img->stride);
	if ((long long)img->width * img->height > MAX_PIXELS)
		fuzz_fail("decoded %dx%d, over the limit", img->width,
			  img->height);
	/* EXIF orientation may turn a JPEG: either way round. */
	if (probed == 1 && !((img->width == w && img->height == h) ||
			     (img->width == h && img->height == w)))
		fuzz_fail("header said %ldx%ld, decoded %dx%d", w, h,
			  img->width, img->height);
	if (ft_image_encode_jpeg(img, 75, &jpeg, &len, &err) != 0)
		fuzz_fail("cannot encode what was decoded: %s", err);
	free(jpeg);
	if (ft_image_resize(img, 8, 8, &small, &err) != 0)
		fuzz_fail("cannot resize what was decoded: %s", err);
	ft_image_clear(&small);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ft_image img = { 0 };
	char *err = NULL;
	long w = 0, h = 0;
	int probed = ft_image_probe(data, size, &w, &h);

	if (probed == 1 && (w <= 0 || h <= 0))
		fuzz_fail("probed a %ldx%ld image", w, h);
	if (ft_image_decode(data, size, &img, &err) == 0) {
		if (probed == -1)
			fuzz_fail("decoded an image whose header is bad");
		if (probed == 1 && (long long)w * h > MAX_PIXELS)
			fuzz_fail("decoded %ldx%ld, over the limit", w, h);
		check_decoded(&img, probed, w, h);
	} else if (!err) {
		fuzz_fail("refused without a message");
	}
	free(err);
	ft_image_clear(&img);
	return 0;
}
