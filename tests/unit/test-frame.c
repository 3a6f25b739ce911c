/*
 * Unit tests of lib/frame's bounds on images: the size read from a JPEG
 * or PNG header without decoding, and the pixel and byte limits that
 * refuse an image before it is decoded.  tests/0500-hostile.t runs the
 * programs on such images.
 */
#include "frame.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A JPEG's opening: SOI, an APP0 segment, then SOF0 of w by h. */
static size_t
jpeg_head(uint8_t *b, unsigned w, unsigned h, uint8_t sof)
{
	static const uint8_t app0[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 16,
	    'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0 };
	size_t n = sizeof app0;

	memcpy(b, app0, n);
	b[n++] = 0xff;
	b[n++] = sof;
	b[n++] = 0;
	b[n++] = 11;
	b[n++] = 8;
	b[n++] = (uint8_t)(h >> 8);
	b[n++] = (uint8_t)h;
	b[n++] = (uint8_t)(w >> 8);
	b[n++] = (uint8_t)w;
	b[n++] = 1;
	b[n++] = 1;
	b[n++] = 0x11;
	b[n++] = 0;
	return n;
}

static size_t
png_head(uint8_t *b, uint32_t w, uint32_t h)
{
	static const uint8_t sig[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
	    '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
	size_t n = sizeof sig;

	memcpy(b, sig, n);
	for (int i = 3; i >= 0; i--)
		b[n++] = (uint8_t)(w >> (8 * i));
	for (int i = 3; i >= 0; i--)
		b[n++] = (uint8_t)(h >> (8 * i));
	memset(b + n, 0, 9);
	return n + 9;
}

static void
test_probe(void)
{
	uint8_t b[64];
	long w, h;
	size_t n;

	n = jpeg_head(b, 32767, 32767, 0xc0);
	is_int(ft_image_probe(b, n, &w, &h), 1, "a baseline JPEG's size");
	ok(w == 32767 && h == 32767, "is read from its SOF0 (%ldx%ld)", w, h);
	n = jpeg_head(b, 640, 480, 0xc2);
	is_int(ft_image_probe(b, n, &w, &h), 1, "a progressive JPEG's size");
	ok(w == 640 && h == 480, "is read from its SOF2 (%ldx%ld)", w, h);
	n = jpeg_head(b, 640, 480, 0xc4);	/* a DHT, not a frame */
	is_int(ft_image_probe(b, n, &w, &h), -1,
	    "a JPEG without a frame header is malformed");
	is_int(ft_image_probe(b, 21, &w, &h), -1,
	    "so is one cut short in a segment");
	n = jpeg_head(b, 0, 480, 0xc0);
	is_int(ft_image_probe(b, n, &w, &h), -1,
	    "and one whose frame states no width");
	n = png_head(b, 100000, 3);
	is_int(ft_image_probe(b, n, &w, &h), 1, "a PNG's size");
	ok(w == 100000 && h == 3, "is read from its IHDR (%ldx%ld)", w, h);
	is_int(ft_image_probe(b, 20, &w, &h), -1,
	    "a PNG cut short in its IHDR is malformed");
	is_int(ft_image_probe("BM\0\0\0\0", 6, &w, &h), 0,
	    "another format has no size here");
}

static void
test_limits(void)
{
	uint8_t b[64];
	ft_image img = { 0 };
	char *err = NULL;
	size_t n = jpeg_head(b, 300, 200, 0xc0);

	ft_image_set_limits(59999, 1000);
	is_int(ft_image_decode(b, n, &img, &err), -1,
	    "one pixel over the limit is refused");
	ok(err && strstr(err, "300x200") && strstr(err, "59999"),
	    "with the size and the limit in the message (%s)", err);
	free(err);
	ft_image_set_limits(60000, (long long)n - 1);
	is_int(ft_image_decode(b, n, &img, &err), -1,
	    "one byte over the limit is refused");
	ok(err && strstr(err, "FT_MAX_IMAGE_BYTES"), "and said so (%s)", err);
	free(err);
	ft_image_set_limits(60000, 1000);
	is_int(ft_image_decode(b, n, &img, &err), -1,
	    "within the limits, the (truncated) JPEG goes to the decoder");
	ok(err && !strstr(err, "limit"), "which refuses it (%s)", err);
	free(err);
	is_int(ft_image_read("/dev/zero", &img, &err), -1,
	    "a device is not read");
	ok(err && strstr(err, "not a regular file"), "and said so (%s)", err);
	free(err);
	ft_image_clear(&img);
}

int
main(void)
{
	plan(19);
	test_probe();
	test_limits();
	return done();
}
