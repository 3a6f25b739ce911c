/*
 * mail — MIME composition and SMTP through libcurl.
 */
#include "mail.h"
#include "config.h"
#include "times.h"
#include "util.h"

#include <curl/curl.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int
ft_mail_tls_parse(const char *name)
{
	if (!strcmp(name, "starttls"))
		return FT_MAIL_STARTTLS;
	if (!strcmp(name, "tls"))
		return FT_MAIL_TLS;
	if (!strcmp(name, "none"))
		return FT_MAIL_NONE;
	return -1;
}

static int valid_addr(const char *a);
static int parse_one(const char *s, size_t n, char **name, char **addr);

/* SMTP_FROM, when set, is checked with the server's settings, so that a
 * report finds a bad sender before it writes anything, not after. */
static int
check_from(char *err, size_t errlen)
{
	const char *from = ft_config_get("SMTP_FROM", NULL);
	char *name, *addr;

	if (!from || !*from)
		return FT_MAIL_OK;
	if (parse_one(from, strlen(from), &name, &addr)) {
		ft_seterr(err, errlen, "bad SMTP_FROM: '%s' (an address, or "
			  "Name <address>)", from);
		return FT_MAIL_EINVAL;
	}
	free(name);
	free(addr);
	return FT_MAIL_OK;
}

int
ft_mail_server_configured(ft_mail_server *srv, char *err, size_t errlen)
{
	const char *port = ft_config_get("SMTP_PORT", NULL);
	const char *tls = ft_config_get("SMTP_TLS", "starttls");
	const char *timeout = ft_config_get("SMTP_TIMEOUT", "60");
	long long n;
	int t;

	memset(srv, 0, sizeof *srv);
	srv->host = ft_config_get("SMTP_SERVER", NULL);
	if (!srv->host || !*srv->host) {
		ft_seterr(err, errlen, "no mail server: SMTP_SERVER is not set");
		return FT_MAIL_EINVAL;
	}
	if ((t = ft_mail_tls_parse(tls)) < 0) {
		ft_seterr(err, errlen, "bad SMTP_TLS: '%s' (starttls, tls or "
		       "none)", tls);
		return FT_MAIL_EINVAL;
	}
	srv->tls = (enum ft_mail_tls)t;
	if (port && *port) {
		if (ft_parse_int(port, 1, 65535, &n)) {
			ft_seterr(err, errlen, "bad SMTP_PORT: '%s'", port);
			return FT_MAIL_EINVAL;
		}
		srv->port = (int)n;
	}
	if (ft_parse_int(timeout, 1, 3600, &n)) {
		ft_seterr(err, errlen, "bad SMTP_TIMEOUT: '%s' (seconds)",
		       timeout);
		return FT_MAIL_EINVAL;
	}
	srv->timeout = (long)n;
	srv->user = ft_config_get("SMTP_USER", NULL);
	if (srv->user && !*srv->user)
		srv->user = NULL;
	srv->password = ft_config_get("SMTP_PASSWORD", "");
	srv->cafile = ft_config_get("SMTP_CA_FILE", NULL);
	if (srv->cafile && !*srv->cafile)
		srv->cafile = NULL;
	return check_from(err, errlen);
}

const char *
ft_mail_from_configured(const char *fallback)
{
	const char *from = ft_config_get("SMTP_FROM", NULL);
	const char *user = ft_config_get("SMTP_USER", NULL);

	if (from && *from)
		return from;
	if (user && strchr(user, '@') && valid_addr(user))
		return user;
	return fallback;
}

/* --- addresses --- */

static int
valid_addr(const char *a)
{
	const char *at = strchr(a, '@'), *p;

	if (!at || at == a || !at[1] || strchr(at + 1, '@'))
		return 0;
	for (p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>()[],;:\\\"", *p))
			return 0;
	return 1;
}

static char *
trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return ft_xasprintf("%.*s", (int)n, s);
}

/* One "Name <a@b>" or "a@b" into *name (NULL when none) and *addr. */
static int
parse_one(const char *s, size_t n, char **name, char **addr)
{
	const char *lt = memchr(s, '<', n), *gt;
	char *d;
	size_t k;

	*name = NULL;
	if (!lt) {
		*addr = trimmed(s, n);
	} else {
		gt = memchr(lt, '>', n - (size_t)(lt - s));
		if (!gt)
			return -1;
		*addr = trimmed(lt + 1, (size_t)(gt - lt - 1));
		d = trimmed(s, (size_t)(lt - s));
		k = strlen(d);
		if (k >= 2 && d[0] == '"' && d[k - 1] == '"') {
			memmove(d, d + 1, k - 2);
			d[k - 2] = '\0';
		}
		if (*d)
			*name = d;
		else
			free(d);
		for (gt++; gt < s + n; gt++)
			if (!isspace((unsigned char)*gt))
				break;
		if (gt < s + n) {
			free(*name);
			free(*addr);
			return -1;
		}
	}
	if (!valid_addr(*addr)) {
		free(*name);
		free(*addr);
		return -1;
	}
	return 0;
}

/* Call fn for each address of a comma-separated list (commas inside
 * quotes do not split).  -1 with a message at the first bad one. */
static int
each_address(const char *list, int (*fn)(void *, char *, char *), void *ctx,
	     char *err, size_t errlen)
{
	const char *s = list, *p;
	int quoted = 0, count = 0;
	char *name, *addr;

	for (p = list;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if ((*p == ',' && !quoted) || !*p) {
			size_t n = (size_t)(p - s);
			char *t = trimmed(s, n);
			int empty = !*t;

			free(t);
			if (!empty) {
				if (parse_one(s, n, &name, &addr) != 0) {
					ft_seterr(err, errlen, "not an e-mail "
					       "address: '%.*s'", (int)n, s);
					return -1;
				}
				count++;
				if (fn(ctx, name, addr) != 0)
					return -1;
			}
			if (!*p)
				break;
			s = p + 1;
		}
	}
	if (!count) {
		ft_seterr(err, errlen, "no e-mail address given");
		return -1;
	}
	return 0;
}

struct addr_list {
	char **v;
	size_t n;
};

static int
collect(void *p, char *name, char *addr)
{
	struct addr_list *l = p;

	free(name);
	l->v = ft_xrealloc(l->v, (l->n + 2) * sizeof *l->v);
	l->v[l->n++] = addr;
	l->v[l->n] = NULL;
	return 0;
}

static void
free_list(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char **
ft_mail_addresses(const char *list, char *err, size_t errlen)
{
	struct addr_list l = { 0 };

	if (each_address(list, collect, &l, err, errlen) != 0) {
		free_list(l.v);
		return NULL;
	}
	return l.v;
}

/* --- encodings --- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of n bytes (n <= 57 for one line) into out. */
static size_t
base64(const unsigned char *s, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = b64[s[i] >> 2];
		out[o++] = b64[(s[i] & 3) << 4 | s[i + 1] >> 4];
		out[o++] = b64[(s[i + 1] & 15) << 2 | s[i + 2] >> 6];
		out[o++] = b64[s[i + 2] & 63];
	}
	if (n - i == 1) {
		out[o++] = b64[s[i] >> 2];
		out[o++] = b64[(s[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		out[o++] = b64[s[i] >> 2];
		out[o++] = b64[(s[i] & 3) << 4 | s[i + 1] >> 4];
		out[o++] = b64[(s[i + 1] & 15) << 2];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/*
 * Write s as RFC 2047 encoded words ("=?UTF-8?B?...?="), each at most 75
 * characters and whole UTF-8 characters, separated by a folding CRLF
 * SP.  col is the column the first word starts at.
 */
static void
encoded_words(FILE *f, const char *s, size_t col)
{
	size_t n = strlen(s), i = 0, take, room;
	char out[80];

	while (i < n) {
		/* 45 bytes make 60 characters of base64: 72 with the
		 * wrapping, and a little less on the header's first line. */
		room = col > 20 ? 30 : 45;
		take = n - i < room ? n - i : room;
		while (i + take < n && take > 0 &&
		       ((unsigned char)s[i + take] & 0xc0) == 0x80)
			take--;
		base64((const unsigned char *)s + i, take, out);
		if (i)
			fputs("\r\n ", f);
		fprintf(f, "=?UTF-8?B?%s?=", out);
		i += take;
		col = 1;
	}
}

/* A display name and address for From: or To:. */
static void
write_mailbox(FILE *f, const char *name, const char *addr, size_t col)
{
	const char *p;

	if (!name) {
		fputs(addr, f);
		return;
	}
	if (!is_ascii(name)) {
		encoded_words(f, name, col);
	} else if (strpbrk(name, "()<>[]:;@\\,.\"")) {
		putc('"', f);
		for (p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				putc('\\', f);
			putc(*p, f);
		}
		putc('"', f);
	} else {
		fputs(name, f);
	}
	fprintf(f, " <%s>", addr);
}

struct header_list {
	FILE *f;
	int n;
};

static int
write_one(void *p, char *name, char *addr)
{
	struct header_list *h = p;

	if (h->n++)
		fputs(",\r\n ", h->f);
	write_mailbox(h->f, name, addr, 4);
	free(name);
	free(addr);
	return 0;
}

/* An unstructured header: folded at spaces within 76 columns when
 * ASCII, else encoded words. */
static void
write_text_header(FILE *f, const char *key, const char *s)
{
	size_t col = strlen(key) + 2, wl;
	const char *p, *sp;

	fprintf(f, "%s: ", key);
	if (!is_ascii(s)) {
		encoded_words(f, s, col);
		fputs("\r\n", f);
		return;
	}
	/* Each word after the first starts with its space, which the fold
	 * keeps. */
	for (p = s; *p; p += wl) {
		sp = strchr(p + 1, ' ');
		wl = sp ? (size_t)(sp - p) : strlen(p);
		if (p != s && col + wl > 76) {
			fputs("\r\n", f);
			col = 0;
		}
		fwrite(p, 1, wl, f);
		col += wl;
	}
	fputs("\r\n", f);
}

/* A MIME parameter on a line of its own: name="value" for ASCII, RFC 2231
 * name*=UTF-8''... for anything else. */
static void
write_param(FILE *f, const char *key, const char *value)
{
	const unsigned char *p;

	if (is_ascii(value) && !strpbrk(value, "\"\\")) {
		fprintf(f, ";\r\n %s=\"%s\"", key, value);
		return;
	}
	fprintf(f, ";\r\n %s*=UTF-8''", key);
	for (p = (const unsigned char *)value; *p; p++) {
		if (isalnum(*p) || strchr("!#$&+-.^_`|~", *p))
			putc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

/* Quoted-printable (RFC 2045) of text with LF or CRLF line ends. */
static void
quoted_printable(FILE *f, const char *s)
{
	int col = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[4];
		int len;

		if (c == '\r' && s[1] == '\n')
			continue;
		if (c == '\n') {
			fputs("\r\n", f);
			col = 0;
			continue;
		}
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && s[1] && s[1] != '\n' &&
		     s[1] != '\r')) {
			enc[0] = (char)c;
			len = 1;
		} else {
			snprintf(enc, sizeof enc, "=%02X", c);
			len = 3;
		}
		/* A soft break keeps lines within 76 characters; an
		 * encoded character is never split. */
		if (col + len > 75) {
			fputs("=\r\n", f);
			col = 0;
		}
		fwrite(enc, 1, (size_t)len, f);
		col += len;
	}
	if (col)
		fputs("\r\n", f);
}

static int
base64_part(FILE *f, const ft_mail_part *p, char *err, size_t errlen)
{
	unsigned char in[57 * 64];
	char out[80];
	size_t n, i;
	FILE *src = NULL;

	if (p->path) {
		if (!(src = fopen(p->path, "rb"))) {
			ft_seterr(err, errlen, "cannot read '%s': %s", p->path,
			       strerror(errno));
			return FT_MAIL_EFAIL;
		}
		while ((n = fread(in, 1, sizeof in, src)) > 0) {
			for (i = 0; i < n; i += 57) {
				base64(in + i, n - i < 57 ? n - i : 57, out);
				fprintf(f, "%s\r\n", out);
			}
		}
		if (ferror(src)) {
			ft_seterr(err, errlen, "cannot read '%s': %s", p->path,
			       strerror(errno));
			fclose(src);
			return FT_MAIL_EFAIL;
		}
		fclose(src);
		return FT_MAIL_OK;
	}
	for (i = 0; i < p->len; i += 57) {
		base64((const unsigned char *)p->data + i,
		       p->len - i < 57 ? p->len - i : 57, out);
		fprintf(f, "%s\r\n", out);
	}
	return FT_MAIL_OK;
}

static void
rfc5322_date(int64_t ms, char *buf, size_t len)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %d %s %04d %02d:%02d:%02d +0000",
		 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
random_hex(char *out, size_t bytes)
{
	unsigned char r[32];
	size_t i;

	if (bytes > sizeof r)
		bytes = sizeof r;
	if (getrandom(r, bytes, 0) != (ssize_t)bytes) {
		uint64_t x = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;

		for (i = 0; i < bytes; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			r[i] = (unsigned char)(x >> 56);
		}
	}
	for (i = 0; i < bytes; i++)
		sprintf(out + 2 * i, "%02x", r[i]);
}

int
ft_mail_compose(const ft_mail *m, FILE *f, char *err, size_t errlen)
{
	struct header_list h = { f, 0 };
	char date[64], boundary[64], rnd[40], *from_name, *from_addr;
	const char *domain;
	size_t i;
	int rc;

	if (parse_one(m->from, strlen(m->from), &from_name, &from_addr)) {
		ft_seterr(err, errlen, "not an e-mail address: '%s'", m->from);
		return FT_MAIL_EINVAL;
	}
	rfc5322_date(m->date ? m->date : ft_time_now(), date, sizeof date);
	fprintf(f, "Date: %s\r\n", date);
	fputs("From: ", f);
	write_mailbox(f, from_name, from_addr, 6);
	fputs("\r\nTo: ", f);
	if (each_address(m->to, write_one, &h, err, errlen) != 0) {
		free(from_name);
		free(from_addr);
		return FT_MAIL_EINVAL;
	}
	fputs("\r\n", f);
	write_text_header(f, "Subject", m->subject);
	domain = strchr(from_addr, '@') + 1;
	if (m->message_id) {
		fprintf(f, "Message-ID: <%s>\r\n", m->message_id);
	} else {
		random_hex(rnd, 16);
		fprintf(f, "Message-ID: <%s@%s>\r\n", rnd, domain);
	}
	free(from_name);
	free(from_addr);
	/* Reports are sent by machines, not people: no auto-replies. */
	fputs("Auto-Submitted: auto-generated\r\n", f);
	fputs("MIME-Version: 1.0\r\n", f);
	if (!m->nparts) {
		fputs("Content-Type: text/plain; charset=UTF-8\r\n"
		      "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		      f);
		quoted_printable(f, m->text);
		goto out;
	}
	/* "=_" cannot occur in quoted-printable or base64 text, so the
	 * boundary cannot occur in any part. */
	random_hex(rnd, 12);
	snprintf(boundary, sizeof boundary, "=_facetrack_%s", rnd);
	fprintf(f, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n"
		"\r\nThis is a message in MIME format.\r\n", boundary);
	fprintf(f, "\r\n--%s\r\n", boundary);
	fputs("Content-Type: text/plain; charset=UTF-8\r\n"
	      "Content-Transfer-Encoding: quoted-printable\r\n"
	      "Content-Disposition: inline\r\n\r\n", f);
	quoted_printable(f, m->text);
	for (i = 0; i < m->nparts; i++) {
		const ft_mail_part *p = &m->parts[i];

		fprintf(f, "\r\n--%s\r\n", boundary);
		fprintf(f, "Content-Type: %s", p->content_type);
		if (p->filename)
			write_param(f, "name", p->filename);
		fputs("\r\nContent-Transfer-Encoding: base64\r\n", f);
		fputs(p->is_inline ? "Content-Disposition: inline"
				   : "Content-Disposition: attachment", f);
		if (p->filename)
			write_param(f, "filename", p->filename);
		fputs("\r\n\r\n", f);
		if ((rc = base64_part(f, p, err, errlen)) != FT_MAIL_OK)
			return rc;
	}
	fprintf(f, "\r\n--%s--\r\n", boundary);
out:
	if (fflush(f) != 0 || ferror(f)) {
		ft_seterr(err, errlen, "cannot write the message: %s",
		       strerror(errno));
		return FT_MAIL_EFAIL;
	}
	return FT_MAIL_OK;
}

/* --- SMTP --- */

static size_t
read_file(char *buf, size_t size, size_t n, void *p)
{
	return fread(buf, size, n, p);
}

int
ft_mail_send(const ft_mail *m, const ft_mail_server *srv, char *err,
	     size_t errlen)
{
	struct curl_slist *rcpt = NULL;
	char cerr[CURL_ERROR_SIZE], where[300], *url, *from_name, *from_addr;
	char *mail_from;
	char **to;
	long size, code = 0, oserr = 0;
	int port, rc, i;
	FILE *msg;
	CURL *h;
	CURLcode res;

	if (parse_one(m->from, strlen(m->from), &from_name, &from_addr)) {
		ft_seterr(err, errlen, "not an e-mail address: '%s'", m->from);
		return FT_MAIL_EINVAL;
	}
	free(from_name);
	if (!(to = ft_mail_addresses(m->to, err, errlen))) {
		free(from_addr);
		return FT_MAIL_EINVAL;
	}
	/* The whole message first: nothing goes out half made. */
	if (!(msg = tmpfile())) {
		ft_seterr(err, errlen, "cannot create a temporary file: %s",
		       strerror(errno));
		free(from_addr);
		free_list(to);
		return FT_MAIL_EFAIL;
	}
	if ((rc = ft_mail_compose(m, msg, err, errlen)) != FT_MAIL_OK) {
		fclose(msg);
		free(from_addr);
		free_list(to);
		return rc;
	}
	size = ftell(msg);
	rewind(msg);

	port = srv->port ? srv->port : srv->tls == FT_MAIL_TLS ? 465
	       : srv->tls == FT_MAIL_STARTTLS ? 587 : 25;
	snprintf(where, sizeof where, strchr(srv->host, ':') ? "[%s]:%d"
		 : "%s:%d", srv->host, port);
	url = ft_xasprintf("%s://%s", srv->tls == FT_MAIL_TLS ? "smtps"
			   : "smtp", where);
	mail_from = ft_xasprintf("<%s>", from_addr);
	for (i = 0; to[i]; i++) {
		char *r = ft_xasprintf("<%s>", to[i]);

		rcpt = curl_slist_append(rcpt, r);
		free(r);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	if (!h) {
		ft_seterr(err, errlen, "cannot start an SMTP client");
		rc = FT_MAIL_EFAIL;
		goto out;
	}
	cerr[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_file);
	curl_easy_setopt(h, CURLOPT_READDATA, msg);
	curl_easy_setopt(h, CURLOPT_INFILESIZE, size);
	curl_easy_setopt(h, CURLOPT_USE_SSL, srv->tls == FT_MAIL_NONE ?
			 (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	if (srv->user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, srv->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD,
				 srv->password ? srv->password : "");
	}
	if (srv->cafile)
		curl_easy_setopt(h, CURLOPT_CAINFO, srv->cafile);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
			 srv->timeout > 0 ? srv->timeout : 60L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
			 srv->timeout > 0 ? srv->timeout : 60L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	res = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_cleanup(h);

	rc = FT_MAIL_ETEMP;
	switch (res) {
	case CURLE_OK:
		rc = FT_MAIL_OK;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		ft_seterr(err, errlen, "cannot resolve mail server '%s'",
		       srv->host);
		break;
	case CURLE_COULDNT_CONNECT:
		ft_seterr(err, errlen, "cannot connect to mail server '%s': %s",
		       where, oserr ? strerror((int)oserr)
		       : *cerr ? cerr : curl_easy_strerror(res));
		break;
	case CURLE_OPERATION_TIMEDOUT:
		ft_seterr(err, errlen, "mail server '%s' did not answer within "
		       "%ld s", where, srv->timeout);
		break;
	case CURLE_LOGIN_DENIED:
		if (code)
			ft_seterr(err, errlen, "mail server '%s' refused the "
			       "login of '%s' (authentication failed, SMTP "
			       "%ld)", where, srv->user, code);
		else
			ft_seterr(err, errlen, "mail server '%s' refused the "
			       "login of '%s' (authentication failed)", where,
			       srv->user);
		break;
	case CURLE_AUTH_ERROR:
		ft_seterr(err, errlen, "mail server '%s' offers no login method "
		       "for '%s' (authentication failed)", where, srv->user);
		break;
	case CURLE_USE_SSL_FAILED:
		ft_seterr(err, errlen, "mail server '%s' does not offer STARTTLS "
		       "(TLS required; SMTP_TLS=none turns it off)", where);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
		ft_seterr(err, errlen, "TLS with mail server '%s' failed: %s",
		       where, *cerr ? cerr : curl_easy_strerror(res));
		break;
	default:
		if (code >= 400)
			ft_seterr(err, errlen, "mail server '%s' refused the "
			       "mail (SMTP %ld): %s", where, code,
			       *cerr ? cerr : curl_easy_strerror(res));
		else
			ft_seterr(err, errlen, "cannot send mail through '%s': "
			       "%s", where,
			       *cerr ? cerr : curl_easy_strerror(res));
		break;
	}
out:
	curl_slist_free_all(rcpt);
	free(mail_from);
	free(url);
	free(from_addr);
	free_list(to);
	fclose(msg);
	return rc;
}
