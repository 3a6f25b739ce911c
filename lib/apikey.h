/*
 * apikey — the API's named keys, their roles, and the slowing down of
 * clients that guess.
 *
 * Keys come from a keys file of "NAME ROLE SECRET" lines (the setting
 * API_KEYS_FILE) and from API_KEY_SECRET, which stands for one admin key
 * named "admin".  Every secret must be strong enough; the file must be
 * the user's and kept from others, as ssh keeps its keys.
 *
 * Roles are ordered: what a viewer may do, an operator may, and what an
 * operator may, an admin may.
 */
#ifndef FT_APIKEY_H
#define FT_APIKEY_H

#include <stddef.h>
#include <stdint.h>

enum ft_role {
	FT_ROLE_VIEWER = 0,	/* reads */
	FT_ROLE_OPERATOR,	/* recognition start and stop, reports */
	FT_ROLE_ADMIN		/* changes of customers and settings */
};

#define FT_APIKEY_NAME_MAX	32	/* bytes of a key's name */
#define FT_APIKEY_MIN		16	/* characters of a secret at least */
#define FT_APIKEY_MAX		256	/* characters of a secret at most */

typedef struct ft_apikey {
	char name[FT_APIKEY_NAME_MAX + 1];
	enum ft_role role;
	char *secret;		/* owned by the set */
} ft_apikey;

typedef struct ft_apikeys ft_apikeys;

/*
 * Read the keys of file (NULL or "": none) and, when admin_secret is set,
 * add it as the admin key "admin".  Returns FT_OK with *out (free with
 * ft_apikeys_free), or FT_EINVAL with a message naming the file's line
 * or the key (never a secret) in err: a file that cannot be read or that
 * others may read or write, a bad line, a weak secret, two keys of one
 * name or one secret, no key at all.
 */
int ft_apikeys_load(const char *file, const char *admin_secret,
		    ft_apikeys **out, char *err, size_t errlen);
void ft_apikeys_free(ft_apikeys *k);

/* The key whose secret is given, or NULL.  Every secret is compared in
 * constant time, whichever matches.  The result is k's. */
const ft_apikey *ft_apikeys_find(const ft_apikeys *k, const char *given);

/* 0 when secret is strong enough; else -1 with the reason in why. */
int ft_apikey_check(const char *secret, char *why, size_t whylen);

/* "viewer", "operator", "admin"; ft_role_parse returns -1 for others. */
const char *ft_role_name(enum ft_role r);
int ft_role_parse(const char *s);

/*
 * Failed attempts per client address: after FT_AUTHFAIL_FREE failures
 * within FT_AUTHFAIL_FORGET_MS of each other, the address is refused for
 * a time that doubles with every further failure (10 s, 20 s ... at most
 * five minutes).  Thread-safe; bounded in memory (the oldest addresses
 * are forgotten first).
 */
#define FT_AUTHFAIL_FREE	10
#define FT_AUTHFAIL_FORGET_MS	(15 * 60 * 1000)

typedef struct ft_authfail ft_authfail;

ft_authfail *ft_authfail_new(void);
void ft_authfail_free(ft_authfail *f);
/* Seconds addr must still wait at now (monotonic ms); 0: not refused. */
unsigned ft_authfail_wait(ft_authfail *f, const char *addr, int64_t now);
/* Count a failure of addr at now; returns its failures so far. */
unsigned ft_authfail_note(ft_authfail *f, const char *addr, int64_t now);
/* Forget addr's failures after it gave a right key. */
void ft_authfail_clear(ft_authfail *f, const char *addr);

#endif
