/*
 * test-store-crops — a face sample's crop goes into the store with the
 * sample and comes back byte for byte; a sample without one, a missing
 * sample and an oversized crop are told apart; a forget takes the crop
 * along.  On SQLite (the shell tests cover MariaDB).
 */
#include "store.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
crop_is(ft_store *s, int64_t id, const unsigned char *want, size_t n)
{
	unsigned char *got = NULL;
	size_t len = 0;
	int rc = ft_store_face_crop(s, id, &got, &len);
	int same = rc == FT_OK && len == n && !memcmp(got, want, n);

	free(got);
	return same;
}

int
main(void)
{
	char dir[] = "/tmp/test-store-crops.XXXXXX", url[80], path[64];
	char err[256];
	static unsigned char big[FT_FACE_CROP_MAX + 1];
	unsigned char jpeg[3000], *got = (unsigned char *)"x";
	ft_customer c;
	ft_face with, without, huge;
	ft_store *s;
	size_t i, len = 1;

	plan(9);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/t.db", dir);
	snprintf(url, sizeof url, "sqlite:%s", path);
	if (ft_store_open(url, &s, err, sizeof err) != FT_OK) {
		fprintf(stderr, "# %s\n", err);
		return 1;
	}
	for (i = 0; i < sizeof jpeg; i++)
		jpeg[i] = (unsigned char)(i * 7 + 3);
	jpeg[10] = 0;	/* binary, not text */
	memset(&c, 0, sizeof c);
	c.name = "Crop Holder";
	ok(ft_store_customer_add(s, &c) == FT_OK, "a customer");

	memset(&with, 0, sizeof with);
	with.customer_id = c.id;
	with.crop = jpeg;
	with.crop_len = sizeof jpeg;
	ok(ft_store_face_add(s, &with) == FT_OK, "a sample with a crop");
	ok(crop_is(s, with.id, jpeg, sizeof jpeg),
	   "its crop comes back byte for byte");

	memset(&without, 0, sizeof without);
	without.customer_id = c.id;
	ok(ft_store_face_add(s, &without) == FT_OK, "a sample without");
	is_int(ft_store_face_crop(s, without.id, &got, &len), FT_ENOTFOUND,
	       "a sample without a crop: not found");
	ok(got == NULL && len == 0, "and nothing returned");
	is_int(ft_store_face_crop(s, without.id + 100, &got, &len),
	       FT_ENOTFOUND, "no such sample: not found");

	memset(&huge, 0, sizeof huge);
	huge.customer_id = c.id;
	huge.crop = big;
	huge.crop_len = sizeof big;
	is_int(ft_store_face_add(s, &huge), FT_EINVAL,
	       "a crop over the limit is refused");

	ft_store_customer_forget(s, c.id);
	is_int(ft_store_face_crop(s, with.id, &got, &len), FT_ENOTFOUND,
	       "a forgotten customer's crop is gone");
	ft_store_close(s);
	unlink(path);
	snprintf(path, sizeof path, "%s/t.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/t.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return done();
}
