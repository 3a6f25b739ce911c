/*
 * base64 — RFC 4648 encoding and a tolerant decoder.
 */
#include "base64.h"
#include "util.h"

#include <stdlib.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
ft_base64_encode(const void *data, size_t len)
{
	const uint8_t *p = data;
	char *out = ft_xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
			     p[i + 2];

		*o++ = alphabet[v >> 18];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = alphabet[v >> 6 & 63];
		*o++ = alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = 0;
	return out;
}

/* The value of each byte: A-Z a-z 0-9 + / (and the URL-safe - _),
 * -1 for the rest. */
static const signed char values[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, 62, -1, 62, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1,
	-1, -1, -1, -1, -1, 0, 1, 2, 3, 4, 5, 6,
	7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
	19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
	37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
	49, 50, 51, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1
};

uint8_t *
ft_base64_decode(const char *text, size_t n, size_t *len)
{
	uint8_t *out = ft_xmalloc(n / 4 * 3 + 3), *o = out;
	const unsigned char *t = (const unsigned char *)text;
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	size_t i = 0;

	/* Whole groups of four plain characters, three bytes each; the
	 * rest (blanks, padding, a bad character) one at a time. */
	for (; i + 4 <= n; i += 4) {
		int a = values[t[i]], b = values[t[i + 1]];
		int c = values[t[i + 2]], d = values[t[i + 3]];

		if ((a | b | c | d) < 0)
			break;
		acc = (uint32_t)a << 18 | (uint32_t)b << 12 |
		      (uint32_t)c << 6 | (uint32_t)d;
		*o++ = (uint8_t)(acc >> 16);
		*o++ = (uint8_t)(acc >> 8);
		*o++ = (uint8_t)acc;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		int v;

		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || (v = values[c]) < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (uint8_t)(acc >> bits);
		}
	}
	if (pad > 2 || bits >= 6) {
		free(out);
		return NULL;
	}
	*len = (size_t)(o - out);
	return out;
}
