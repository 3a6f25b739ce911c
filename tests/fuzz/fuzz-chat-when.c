/*
 * The periods the offline chat reads in a question (lib/chat_when):
 * any text, in any of several time zones and days (fuzz.h).  A period
 * read has its first day before its last, words taken that lie inside
 * the question, and a description; blanking those words leaves a string
 * of the same length.
 */
#include "chat_priv.h"
#include "fuzz.h"

static void
check(const char *s, const chat_when *w)
{
	size_t len = strlen(s);
	int i;

	if (!memchr(w->desc, '\0', sizeof w->desc) || !w->desc[0])
		fuzz_fail("no description");
	if (w->nused < 0 || w->nused > 4)
		fuzz_fail("%d words used", w->nused);
	for (i = 0; i < w->nused; i++)
		if (w->used[i].at < 0 || w->used[i].len < 0 ||
		    (size_t)w->used[i].at + (size_t)w->used[i].len > len)
			fuzz_fail("word %d at %d+%d outside the text (%zu)", i,
				  w->used[i].at, w->used[i].len, len);
	if (w->kind == CHAT_WHEN_DAYS && w->p.since >= w->p.until)
		fuzz_fail("period '%s' ends before it starts", w->desc);
	if (w->kind != CHAT_WHEN_NONE && (!w->since[0] ||
	    !memchr(w->since, '\0', sizeof w->since)))
		fuzz_fail("period '%s' without a start", w->desc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t now = fuzz_clock(&data, &size);
	char *q = fuzz_string(data, size), *s;
	chat_when w;
	size_t len;

	s = chat_normalise(q);
	len = strlen(s);
	chat_when_read(s, now, &w);
	check(s, &w);
	chat_when_blank(&w, s);
	if (strlen(s) != len)
		fuzz_fail("blanking changed the length");
	chat_when_parse(q, now, &w);
	free(s);
	free(q);
	return 0;
}
