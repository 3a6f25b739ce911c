/*
 * Unit tests of lib/apikey: which secrets are strong enough, the keys
 * file's lines and its mode, roles, finding a key whichever it is, and
 * the refusal of an address after its wrong keys.
 */
#include "apikey.h"
#include "errors.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/ft-apikey-XXXXXX";

/* A keys file of text with mode; its path (static). */
static const char *
keys_file(const char *text, mode_t mode)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof path, "%s/keys", dir);
	unlink(path);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static void
test_strength(void)
{
	char why[128];

	ok(ft_apikey_check("x", why, sizeof why) != 0, "x is too weak");
	ok(strstr(why, "1 characters long") != NULL, "saying how long");
	ok(ft_apikey_check("aaaaaaaaaaaaaaaaaaaa", why, sizeof why) != 0,
	   "one letter repeated is too weak");
	ok(ft_apikey_check("abcdefghijklmnopqrst", why, sizeof why) != 0,
	   "letters of one kind only are too weak");
	ok(ft_apikey_check("2026-11-24-2026-11", why, sizeof why) != 0,
	   "a date is too weak");
	ok(ft_apikey_check("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b",
			   why, sizeof why) == 0, "hex of openssl rand passes");
	ok(ft_apikey_check("k3y with space 0123", why, sizeof why) != 0,
	   "a blank is refused");
}

static void
test_file(void)
{
	ft_apikeys *k = NULL;
	const ft_apikey *hit;
	char err[256];

	ok(ft_apikeys_load(keys_file("# keys\n\nwall viewer view-0123456789ab\n"
				     "desk\toperator oper-0123456789ab\n",
				     0600), "admin-0123456789ab", &k, err,
			   sizeof err) == FT_OK, "a good file and the admin key");
	hit = k ? ft_apikeys_find(k, "oper-0123456789ab") : NULL;
	ok(hit && !strcmp(hit->name, "desk") &&
	   hit->role == FT_ROLE_OPERATOR, "the operator key found by secret");
	hit = k ? ft_apikeys_find(k, "admin-0123456789ab") : NULL;
	ok(hit && !strcmp(hit->name, "admin") && hit->role == FT_ROLE_ADMIN,
	   "API_KEY_SECRET is the admin key named admin");
	ok(k && !ft_apikeys_find(k, "oper-0123456789a"), "a prefix is no key");
	ft_apikeys_free(k);

	ok(ft_apikeys_load(keys_file("wall viewer view-0123456789ab\n", 0644),
			   NULL, &k, err, sizeof err) == FT_EINVAL &&
	   strstr(err, "readable by others"), "a file others read: %s", err);
	ok(ft_apikeys_load(keys_file("wall viewer view-0123456789ab\n", 0620),
			   NULL, &k, err, sizeof err) == FT_EINVAL &&
	   strstr(err, "writable by others"), "a file others write");
	ok(ft_apikeys_load(keys_file("wall boss view-0123456789ab\n", 0600),
			   NULL, &k, err, sizeof err) == FT_EINVAL &&
	   strstr(err, ":1: unknown role 'boss'"), "an unknown role: %s",
	   err);
	ok(ft_apikeys_load(keys_file("# a\nwall viewer short\n", 0600), NULL,
			   &k, err, sizeof err) == FT_EINVAL &&
	   strstr(err, ":2: API key 'wall' is too weak") &&
	   !strstr(err, "short"), "a weak key named, its secret not: %s",
	   err);
	ok(ft_apikeys_load(keys_file("a viewer view-0123456789ab\n"
				     "b admin view-0123456789ab\n", 0600),
			   NULL, &k, err, sizeof err) == FT_EINVAL &&
	   strstr(err, "have one secret"), "one secret twice");
	ok(ft_apikeys_load(keys_file("admin viewer view-0123456789ab\n",
				     0600), "admin-0123456789ab", &k, err,
			   sizeof err) == FT_EINVAL &&
	   strstr(err, "'admin' is named twice"), "admin twice");
	ok(ft_apikeys_load(NULL, "", &k, err, sizeof err) == FT_EINVAL &&
	   strstr(err, "API_KEY_SECRET is not set"), "no key at all");
}

static void
test_failures(void)
{
	ft_authfail *f = ft_authfail_new();
	unsigned i, n = 0;

	for (i = 0; i < FT_AUTHFAIL_FREE - 1; i++)
		n = ft_authfail_note(f, "10.0.0.1", 1000);
	ok(n == FT_AUTHFAIL_FREE - 1 && !ft_authfail_wait(f, "10.0.0.1", 1000),
	   "nine wrong keys: not refused yet");
	ft_authfail_note(f, "10.0.0.1", 1000);
	ok(ft_authfail_wait(f, "10.0.0.1", 1000) == 10, "the tenth: 10 s");
	ok(!ft_authfail_wait(f, "10.0.0.2", 1000), "another address is not");
	ft_authfail_note(f, "10.0.0.1", 2000);
	ok(ft_authfail_wait(f, "10.0.0.1", 2000) == 20, "then 20 s");
	for (i = 0; i < 20; i++)
		ft_authfail_note(f, "10.0.0.1", 3000);
	ok(ft_authfail_wait(f, "10.0.0.1", 3000) == 300, "at most 300 s");
	ok(!ft_authfail_wait(f, "10.0.0.1", 3000 + 300000),
	   "over after the wait");
	ft_authfail_note(f, "10.0.0.3", 0);
	ft_authfail_clear(f, "10.0.0.3");
	for (i = 0; i < FT_AUTHFAIL_FREE - 1; i++)
		ft_authfail_note(f, "10.0.0.3", 0);
	ok(!ft_authfail_wait(f, "10.0.0.3", 0),
	   "a right key clears the count");
	ft_authfail_free(f);
}

int
main(void)
{
	plan(26);
	if (!mkdtemp(dir))
		return 1;
	test_strength();
	ok(ft_role_parse("operator") == FT_ROLE_OPERATOR &&
	   ft_role_parse("root") == -1 &&
	   !strcmp(ft_role_name(FT_ROLE_ADMIN), "admin"), "role names");
	test_file();
	test_failures();
	unlink(keys_file("", 0600));
	rmdir(dir);
	return done();
}
