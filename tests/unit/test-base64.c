/*
 * Unit tests of lib/base64: every length round-trips, blanks between the
 * characters are skipped, the URL-safe alphabet is read, and text that is
 * not base64 (a bad character, misplaced or excess padding, a dangling
 * character) is refused.  Expected bytes come from the input, not from
 * the module.
 */
#include "base64.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* Whether text decodes to exactly the n bytes of want. */
static int
decodes_to(const char *text, const void *want, size_t n)
{
	size_t len = 0;
	uint8_t *out = ft_base64_decode(text, strlen(text), &len);
	int same = out && len == n && memcmp(out, want, n) == 0;

	free(out);
	return same;
}

static int
refused(const char *text)
{
	size_t len;
	uint8_t *out = ft_base64_decode(text, strlen(text), &len);

	free(out);
	return out == NULL;
}

int
main(void)
{
	uint8_t data[300];
	int lengths = 0, blanks = 0;

	plan(6);
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof data; n++) {
		char *text = ft_base64_encode(data, n);
		size_t len = strlen(text);
		char *spaced = malloc(len * 2 + 1), *p = spaced;

		lengths += strlen(text) == (n + 2) / 3 * 4 &&
			   decodes_to(text, data, n);
		/* A blank after every third character, line breaks too. */
		for (size_t k = 0; k < len; k++) {
			*p++ = text[k];
			if (k % 3 == 2)
				*p++ = " \n\r\t"[k % 4];
		}
		*p = 0;
		blanks += decodes_to(spaced, data, n);
		free(spaced);
		free(text);
	}
	is_int(lengths, sizeof data + 1,
	       "every length from 0 to 300 bytes round-trips");
	is_int(blanks, sizeof data + 1, "blanks between characters are skipped");
	ok(decodes_to("TWFu", "Man", 3) && decodes_to("TWE=", "Ma", 2) &&
	   decodes_to("TQ==", "M", 1) && decodes_to("", "", 0),
	   "RFC 4648's examples, with and without padding");
	ok(decodes_to("-_-_", "\xfb\xff\xbf", 3) &&
	   decodes_to("+/+/", "\xfb\xff\xbf", 3),
	   "the URL-safe alphabet reads as the standard one");
	ok(refused("TW*u") && refused("TWFu!") && refused("TQ==TWFu") &&
	   refused("\xc3\xa9TWF"),
	   "a character outside the alphabet, or after padding, is refused");
	ok(refused("TQ===") && refused("TWFuT"),
	   "excess padding and a dangling character are refused");
	return done();
}
