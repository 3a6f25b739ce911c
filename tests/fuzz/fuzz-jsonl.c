/*
 * The JSON-lines reader (lib/jsonl): any bytes, as stdin would bring
 * them.  Every record read must be a JSON object, and written back and
 * read again it must be the same value; a line refused must have a
 * message naming its line; line numbers only grow.
 */
#define FUZZ_JV		/* fuzz.h: libjq's parser leaks */
#include "fuzz.h"
#include "jsonl.h"

static void
check_round_trip(jv rec)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ft_jsonl_reader *r;
	jv again;

	if (!f)
		abort();
	if (ft_jsonl_write(f, jv_copy(rec)) != FT_OK)
		fuzz_fail("cannot write a record read");
	fclose(f);
	f = fmemopen(buf, len, "r");
	if (!f)
		abort();
	r = ft_jsonl_reader_new(f, "again");
	if (ft_jsonl_read(r, &again) != 1)
		fuzz_fail("a record written is not read back: %s",
			  ft_jsonl_error(r));
	if (!jv_equal(jv_copy(rec), jv_copy(again)))
		fuzz_fail("a record written reads back different");
	jv_free(again);
	ft_jsonl_reader_free(r);
	fclose(f);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size, "r");
	ft_jsonl_reader *r;
	size_t last = 0;
	jv rec;
	int rc;

	if (!size || !f) {
		if (f)
			fclose(f);
		return 0;
	}
	r = ft_jsonl_reader_new(f, "fuzz");
	while ((rc = ft_jsonl_read(r, &rec)) != 0) {
		if (ft_jsonl_lineno(r) < last)
			fuzz_fail("line numbers went back");
		last = ft_jsonl_lineno(r);
		if (rc == FT_EFAIL) {
			if (strncmp(ft_jsonl_error(r), "fuzz:", 5))
				fuzz_fail("message without a name: %s",
					  ft_jsonl_error(r));
			continue;
		}
		if (rc != 1)
			fuzz_fail("ft_jsonl_read returned %d", rc);
		if (jv_get_kind(rec) != JV_KIND_OBJECT)
			fuzz_fail("a record that is not an object");
		check_round_trip(rec);
		jv_free(rec);
	}
	ft_jsonl_reader_free(r);
	fclose(f);
	return 0;
}
