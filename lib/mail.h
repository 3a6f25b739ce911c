/*
 * mail — compose a MIME message and send it over SMTP with libcurl.
 *
 * A message is a text body and any number of parts (files or memory),
 * each inline or attached, composed as multipart/mixed with CRLF lines:
 * the text as UTF-8 quoted-printable, parts as base64.  Non-ASCII header
 * text (subject, display names) is written as RFC 2047 encoded words and
 * non-ASCII file names as RFC 2231 parameters, so names arrive intact.
 *
 * Sending composes the whole message into a temporary file first: a
 * part that cannot be read fails before any connection, and the server
 * sees either the complete message or nothing.  All recipients go into
 * one SMTP transaction, which a refused recipient ends before DATA, so a
 * failed send never leaves some recipients served and a retry never
 * serves them twice.
 *
 * Passwords never appear in messages.  Functions that can fail return
 * FT_OK or a code of errors.h with a message in err.
 */
#ifndef FT_MAIL_H
#define FT_MAIL_H

#include "errors.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The codes this module returns, under the names it had before errors.h
 * (the same values). */
enum {
	FT_MAIL_OK = FT_OK,
	FT_MAIL_EFAIL = FT_EFAIL,	/* a part could not be read, or I/O */
	FT_MAIL_EINVAL = FT_EINVAL,	/* a bad address or setting */
	FT_MAIL_ETEMP = FT_ETEMP	/* the mail could not be sent: retry
					 * later */
};

/* Connection security (SMTP_TLS). */
enum ft_mail_tls {
	FT_MAIL_STARTTLS,	/* "starttls": plain, then STARTTLS, required */
	FT_MAIL_TLS,		/* "tls": TLS from the first byte (smtps) */
	FT_MAIL_NONE		/* "none": no TLS, for a local relay */
};

typedef struct ft_mail_server {
	const char *host;
	int port;		/* 0: 587, 465 or 25 by tls */
	enum ft_mail_tls tls;
	const char *user;	/* authenticate when set */
	const char *password;
	const char *cafile;	/* certificates to trust instead of the
				 * system's; NULL: the system's */
	long timeout;		/* seconds of silence before giving up */
} ft_mail_server;

typedef struct ft_mail_part {
	const char *content_type;	/* "text/csv; charset=UTF-8" */
	const char *filename;		/* UTF-8 */
	int is_inline;			/* shown in the body, else attached */
	const char *path;		/* the content, from this file ... */
	const void *data;		/* ... or from memory */
	size_t len;
} ft_mail_part;

typedef struct ft_mail {
	const char *from;		/* "Name <a@b.c>" or "a@b.c" */
	const char *to;			/* one or more, comma-separated */
	const char *subject;		/* UTF-8 */
	const char *text;		/* UTF-8 body; LF line ends */
	const ft_mail_part *parts;
	size_t nparts;
	const char *message_id;		/* without <>; NULL: a random one */
	int64_t date;			/* ms since the epoch; 0: now */
} ft_mail;

/* "starttls", "tls" or "none"; -1 for anything else. */
int ft_mail_tls_parse(const char *name);

/*
 * The server the configuration names: SMTP_SERVER (required),
 * SMTP_PORT, SMTP_TLS, SMTP_USER, SMTP_PASSWORD, SMTP_CA_FILE and
 * SMTP_TIMEOUT; SMTP_FROM is checked too, when set.  Strings belong to
 * the config module.  FT_OK, or FT_EINVAL with a message when a setting
 * is missing or wrong.
 */
int ft_mail_server_configured(ft_mail_server *srv, char *err,
			      size_t errlen);

/* The sender the configuration names: SMTP_FROM, else SMTP_USER when it
 * is an address, else fallback.  Owned by the config module or the
 * caller. */
const char *ft_mail_from_configured(const char *fallback);

/*
 * Split a list of addresses ("Ann <a@b.c>, d@e.f") into a NULL-ended
 * array of bare addresses (the caller frees each and the array).  NULL
 * with a message when one is not an address.
 */
char **ft_mail_addresses(const char *list, char *err, size_t errlen);

/* Write m as an RFC 5322 message with MIME parts to f.  FT_OK; FT_EFAIL
 * when a part cannot be read or f cannot be written; FT_EINVAL for a bad
 * address. */
int ft_mail_compose(const ft_mail *m, FILE *f, char *err, size_t errlen);

/* Compose m and send it through srv.  Blocks for the whole exchange.
 * FT_OK; FT_ETEMP when the server cannot be resolved, reached, logged
 * into, spoken to over TLS, or refuses the mail; FT_EINVAL for a bad
 * address; FT_EFAIL when the message cannot be made. */
int ft_mail_send(const ft_mail *m, const ft_mail_server *srv, char *err,
		 size_t errlen);

#endif
