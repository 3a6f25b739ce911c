/*
 * llm — OpenAI-compatible chat completions over libcurl.
 *
 * A streamed reply is a series of server-sent events, each a JSON chunk
 * whose choices[0].delta carries a piece of the text or pieces of tool
 * calls (an index, then the id and name, then the arguments a few
 * characters at a time); they are put together here so that callers see
 * one message either way.  Servers that ignore "stream" and answer with
 * plain JSON are understood too: the Content-Type decides.
 */
#include "llm.h"
#include "util.h"

#include <curl/curl.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define BODY_MAX	(16u << 20)	/* largest reply taken */
#define TOOL_CALLS_MAX	64		/* tool calls in one reply */
#define SNIPPET		300		/* characters of an error body shown */

struct buf {
	char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = ft_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_clear(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

struct tool_call {
	struct buf id, name, args;
};

struct ft_llm {
	char *endpoint;		/* BASE/chat/completions */
	char *where;		/* host[:port], for messages */
	char *model;
	char *key;
	int stream;
	long timeout, backoff_ms, max_wait;
	int retries;
	int spoke;
};

/* The state of one HTTP exchange. */
struct call {
	ft_llm *l;
	const ft_llm_io *io;
	long status;		/* of the last status line */
	char content_type[128];
	long retry_after;	/* seconds; -1 when not sent */
	int decided, sse;
	struct buf body;	/* a reply that is not a stream */
	struct buf line;	/* a stream's partial line */
	struct buf data;	/* a stream's event being read */
	struct buf content;	/* the answer's text */
	struct tool_call calls[TOOL_CALLS_MAX];
	int ncalls;
	int done;		/* "[DONE]" seen */
	int chunks;		/* stream events understood */
	int fail;		/* an FT_LLM_E* the stream ended with */
	curl_off_t seen;	/* bytes received so far */
	struct timespec quiet;	/* since when nothing has arrived */
	int timed_out;		/* silent for longer than the timeout */
	long oserr;		/* errno of a failed connection */
	long fail_code;		/* an error event's code, when numeric */
	char why[512];		/* its message */
};

/* Replace every occurrence of the key in s with "***", in place. */
static void
redact(const ft_llm *l, char *s)
{
	size_t kl;
	char *p;

	if (!l->key || (kl = strlen(l->key)) < 4)
		return;
	while ((p = strstr(s, l->key))) {
		memcpy(p, "***", 3);
		memmove(p + 3, p + kl, strlen(p + kl) + 1);
	}
}

/* A printable, shortened copy of text from the endpoint into out. */
static void
snippet(const ft_llm *l, const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < outlen && o < SNIPPET; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	if (i < n && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	/* Collapse the blanks left of the newlines of a pretty body. */
	for (i = 0, o = 0; out[i]; i++)
		if (!(out[i] == ' ' && o > 0 && out[o - 1] == ' '))
			out[o++] = out[i];
	out[o] = '\0';
	while (o > 0 && out[o - 1] == ' ')
		out[--o] = '\0';
	redact(l, out);
}

/* The message of an OpenAI-style error object {"error":{"message"}} or
 * {"error":"text"}, or of the raw text. */
static void
error_text(const ft_llm *l, const char *s, size_t n, long *code, char *out,
	   size_t outlen)
{
	jv j = jv_parse_sized(s, (int)(n > INT32_MAX ? INT32_MAX : n));
	jv e, m, c;

	*out = '\0';
	if (jv_get_kind(j) == JV_KIND_OBJECT) {
		e = jv_object_get(jv_copy(j), jv_string("error"));
		if (jv_get_kind(e) == JV_KIND_OBJECT) {
			m = jv_object_get(jv_copy(e), jv_string("message"));
			c = jv_object_get(jv_copy(e), jv_string("code"));
			if (code && jv_get_kind(c) == JV_KIND_NUMBER)
				*code = (long)jv_number_value(c);
			jv_free(c);
			if (jv_get_kind(m) == JV_KIND_STRING)
				snippet(l, jv_string_value(m),
					(size_t)jv_string_length_bytes(
						jv_copy(m)), out, outlen);
			jv_free(m);
		} else if (jv_get_kind(e) == JV_KIND_STRING) {
			snippet(l, jv_string_value(e),
				(size_t)jv_string_length_bytes(jv_copy(e)),
				out, outlen);
		}
		jv_free(e);
	}
	jv_free(j);
	if (!*out)
		snippet(l, s, n, out, outlen);
}

static void
say(struct call *c, const char *s, size_t n)
{
	if (!n)
		return;
	buf_add(&c->content, s, n);
	c->l->spoke = 1;
	if (c->io && c->io->text)
		c->io->text(c->io->ctx, s, n);
}

static struct tool_call *
call_slot(struct call *c, int index)
{
	if (index < 0 || index >= TOOL_CALLS_MAX)
		return NULL;
	while (c->ncalls <= index)
		c->ncalls++;
	return &c->calls[index];
}

/* Set b from o's string member key, unless b is set already: servers
 * differ in whether later chunks repeat a call's id and name. */
static void
str_member(jv o, const char *key, struct buf *b)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));

	if (jv_get_kind(v) == JV_KIND_STRING && !b->len)
		buf_add(b, jv_string_value(v),
			(size_t)jv_string_length_bytes(jv_copy(v)));
	jv_free(v);
}

/*
 * Add the pieces of tool calls in a stream's delta, or the calls of a
 * whole message (whole set).  A delta's piece names its call by "index";
 * servers that leave it out start a new call with a new "id".
 */
static int
add_tool_calls(struct call *c, jv calls, int whole)
{
	int i, n;

	if (jv_get_kind(calls) != JV_KIND_ARRAY) {
		jv_free(calls);
		return 0;
	}
	n = jv_array_length(jv_copy(calls));
	for (i = 0; i < n; i++) {
		jv tc = jv_array_get(jv_copy(calls), i);
		jv idx, fn, id;
		struct tool_call *t;
		int at;

		if (jv_get_kind(tc) != JV_KIND_OBJECT) {
			jv_free(tc);
			jv_free(calls);
			return -1;
		}
		idx = jv_object_get(jv_copy(tc), jv_string("index"));
		fn = jv_object_get(jv_copy(tc), jv_string("function"));
		id = jv_object_get(jv_copy(tc), jv_string("id"));

		if (whole || (jv_get_kind(idx) != JV_KIND_NUMBER &&
			      (c->ncalls == 0 ||
			       (jv_get_kind(id) == JV_KIND_STRING &&
				c->calls[c->ncalls - 1].id.len &&
				strcmp(c->calls[c->ncalls - 1].id.p,
				       jv_string_value(id))))))
			at = c->ncalls;
		else if (jv_get_kind(idx) == JV_KIND_NUMBER)
			at = (int)jv_number_value(idx);
		else
			at = c->ncalls - 1;
		jv_free(idx);
		jv_free(id);
		if (!(t = call_slot(c, at))) {
			jv_free(tc);
			jv_free(fn);
			jv_free(calls);
			return -1;
		}
		str_member(tc, "id", &t->id);
		if (jv_get_kind(fn) == JV_KIND_OBJECT) {
			jv a = jv_object_get(jv_copy(fn),
					     jv_string("arguments"));

			str_member(fn, "name", &t->name);
			if (jv_get_kind(a) == JV_KIND_STRING) {
				buf_add(&t->args, jv_string_value(a),
					(size_t)jv_string_length_bytes(
						jv_copy(a)));
				jv_free(a);
			} else if (jv_get_kind(a) == JV_KIND_OBJECT) {
				/* Some servers send the arguments parsed. */
				jv s = jv_dump_string(a, 0);

				buf_add(&t->args, jv_string_value(s),
					strlen(jv_string_value(s)));
				jv_free(s);
			} else {
				jv_free(a);
			}
		}
		jv_free(fn);
		jv_free(tc);
	}
	jv_free(calls);
	return 0;
}

/* An error object inside a 200 reply or a stream. */
static int
take_error(struct call *c, jv j)
{
	jv e = jv_object_get(jv_copy(j), jv_string("error"));
	int is = jv_is_valid(e) && jv_get_kind(e) != JV_KIND_NULL;

	if (is) {
		jv s = jv_dump_string(jv_copy(j), 0);

		c->fail_code = 0;
		error_text(c->l, jv_string_value(s), strlen(jv_string_value(s)),
			   &c->fail_code, c->why, sizeof c->why);
		jv_free(s);
	}
	jv_free(e);
	return is;
}

/* One JSON event of a stream. */
static void
stream_event(struct call *c, const char *data, size_t n)
{
	jv j, ch, d, v;

	if (n == 6 && !memcmp(data, "[DONE]", 6)) {
		c->done = 1;
		return;
	}
	j = jv_parse_sized(data, (int)n);
	if (jv_get_kind(j) != JV_KIND_OBJECT) {
		jv_free(j);
		c->fail = FT_LLM_EREPLY;
		snprintf(c->why, sizeof c->why, "a streamed event is not a "
			 "JSON object");
		return;
	}
	if (take_error(c, j)) {
		jv_free(j);
		c->fail = FT_LLM_EFAIL;
		return;
	}
	ch = jv_object_get(j, jv_string("choices"));
	if (jv_get_kind(ch) == JV_KIND_ARRAY)
		ch = jv_array_get(ch, 0);
	if (jv_get_kind(ch) != JV_KIND_OBJECT) {
		jv_free(ch);	/* usage or keep-alive chunks */
		return;
	}
	c->chunks++;
	d = jv_object_get(jv_copy(ch), jv_string("delta"));
	if (jv_get_kind(d) != JV_KIND_OBJECT) {
		jv_free(d);
		d = jv_object_get(jv_copy(ch), jv_string("message"));
	}
	jv_free(ch);
	if (jv_get_kind(d) != JV_KIND_OBJECT) {
		jv_free(d);
		return;
	}
	v = jv_object_get(jv_copy(d), jv_string("content"));
	if (jv_get_kind(v) == JV_KIND_STRING)
		say(c, jv_string_value(v),
		    (size_t)jv_string_length_bytes(jv_copy(v)));
	jv_free(v);
	if (add_tool_calls(c, jv_object_get(d, jv_string("tool_calls")), 0)) {
		c->fail = FT_LLM_EREPLY;
		snprintf(c->why, sizeof c->why, "a malformed tool call in "
			 "the stream");
	}
}

static void
stream_line(struct call *c, char *s, size_t n)
{
	if (n && s[n - 1] == '\r')
		s[--n] = '\0';
	if (n == 0) {
		if (c->data.len)
			stream_event(c, c->data.p, c->data.len);
		buf_clear(&c->data);
		return;
	}
	if (s[0] == ':' || n < 5 || strncmp(s, "data:", 5))
		return;		/* comments, event:, id:, retry: */
	s += 5;
	n -= 5;
	if (n && *s == ' ') {
		s++;
		n--;
	}
	if (c->data.len)
		buf_add(&c->data, "\n", 1);
	buf_add(&c->data, s, n);
}

static void
stream_bytes(struct call *c, const char *s, size_t n)
{
	const char *nl;

	while (n && !c->fail && !c->done) {
		nl = memchr(s, '\n', n);
		if (!nl) {
			buf_add(&c->line, s, n);
			if (c->line.len > BODY_MAX) {
				c->fail = FT_LLM_EREPLY;
				snprintf(c->why, sizeof c->why,
					 "a streamed line is too long");
			}
			return;
		}
		buf_add(&c->line, s, (size_t)(nl - s));
		stream_line(c, c->line.p, c->line.len);
		buf_clear(&c->line);
		n -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
}

static size_t
on_header(char *s, size_t size, size_t n, void *p)
{
	struct call *c = p;
	size_t len = size * n;
	char line[256];
	size_t k = len < sizeof line - 1 ? len : sizeof line - 1;
	char *v;

	memcpy(line, s, k);
	line[k] = '\0';
	while (k && (line[k - 1] == '\n' || line[k - 1] == '\r'))
		line[--k] = '\0';
	if (!strncmp(line, "HTTP/", 5)) {
		/* A new response (after 100 Continue, say): start over. */
		v = strchr(line, ' ');
		c->status = v ? strtol(v + 1, NULL, 10) : 0;
		c->content_type[0] = '\0';
		c->retry_after = -1;
		return len;
	}
	if (!(v = strchr(line, ':')))
		return len;
	*v++ = '\0';
	while (*v == ' ' || *v == '\t')
		v++;
	if (!strcasecmp(line, "Content-Type")) {
		snprintf(c->content_type, sizeof c->content_type, "%s", v);
	} else if (!strcasecmp(line, "Retry-After")) {
		char *end;
		long secs = strtol(v, &end, 10);

		if (end != v && *end == '\0' && secs >= 0) {
			c->retry_after = secs;
		} else {
			time_t t = curl_getdate(v, NULL);

			if (t != (time_t)-1)
				c->retry_after = t > time(NULL) ?
						 (long)(t - time(NULL)) : 0;
		}
	}
	return len;
}

static size_t
on_body(char *s, size_t size, size_t n, void *p)
{
	struct call *c = p;
	size_t len = size * n;

	if (!c->decided) {
		c->decided = 1;
		c->sse = c->status == 200 &&
			 !strncasecmp(c->content_type, "text/event-stream", 17);
	}
	if (c->sse) {
		stream_bytes(c, s, len);
		return c->fail ? 0 : len;
	}
	if (c->body.len + len > BODY_MAX) {
		c->fail = FT_LLM_EREPLY;
		snprintf(c->why, sizeof c->why, "the reply is larger than "
			 "%u bytes", BODY_MAX);
		return 0;
	}
	buf_add(&c->body, s, len);
	return len;
}

static double
since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/*
 * Silence, not length, is what times out: a long streamed answer is fine
 * as long as it keeps coming, while a server that takes the request and
 * says nothing is given up on.  (curl's low-speed limit does not count
 * the wait for the first byte of a response.)
 */
static int
on_progress(void *p, curl_off_t dt, curl_off_t dn, curl_off_t ut,
	    curl_off_t un)
{
	struct call *c = p;

	if (c->io && c->io->cancelled && c->io->cancelled(c->io->ctx))
		return 1;
	if (dn != c->seen) {
		c->seen = dn;
		clock_gettime(CLOCK_MONOTONIC, &c->quiet);
	} else if (since(&c->quiet) > (double)c->l->timeout) {
		c->timed_out = 1;
		return 1;
	}
	return 0;
}

static void
call_reset(struct call *c)
{
	int i;

	c->status = 0;
	c->content_type[0] = '\0';
	c->retry_after = -1;
	c->decided = c->sse = 0;
	buf_clear(&c->body);
	buf_clear(&c->line);
	buf_clear(&c->data);
	buf_clear(&c->content);
	for (i = 0; i < c->ncalls; i++) {
		buf_clear(&c->calls[i].id);
		buf_clear(&c->calls[i].name);
		buf_clear(&c->calls[i].args);
	}
	c->ncalls = 0;
	c->done = c->chunks = c->fail = 0;
	c->fail_code = 0;
	c->why[0] = '\0';
	c->seen = 0;
	c->timed_out = 0;
	clock_gettime(CLOCK_MONOTONIC, &c->quiet);
}

static void
call_free(struct call *c)
{
	int i;

	buf_free(&c->body);
	buf_free(&c->line);
	buf_free(&c->data);
	buf_free(&c->content);
	for (i = 0; i < TOOL_CALLS_MAX; i++) {
		buf_free(&c->calls[i].id);
		buf_free(&c->calls[i].name);
		buf_free(&c->calls[i].args);
	}
}

/* The whole, non-streamed completion in c->body. */
static int
parse_body(struct call *c)
{
	jv j = jv_parse_sized(c->body.p ? c->body.p : "", (int)c->body.len);
	jv msg, v;

	if (jv_get_kind(j) != JV_KIND_OBJECT) {
		jv_free(j);
		snprintf(c->why, sizeof c->why, "the reply is not a JSON "
			 "object");
		return FT_LLM_EREPLY;
	}
	if (take_error(c, j)) {
		jv_free(j);
		return FT_LLM_EFAIL;
	}
	/* jv's getters assert on the wrong kind: look before each step. */
	msg = jv_object_get(j, jv_string("choices"));
	if (jv_get_kind(msg) == JV_KIND_ARRAY &&
	    jv_array_length(jv_copy(msg)) > 0)
		msg = jv_array_get(msg, 0);
	if (jv_get_kind(msg) == JV_KIND_OBJECT)
		msg = jv_object_get(msg, jv_string("message"));
	if (jv_get_kind(msg) != JV_KIND_OBJECT) {
		jv_free(msg);
		snprintf(c->why, sizeof c->why, "the reply holds no "
			 "choices[0].message");
		return FT_LLM_EREPLY;
	}
	v = jv_object_get(jv_copy(msg), jv_string("content"));
	if (jv_get_kind(v) == JV_KIND_STRING) {
		say(c, jv_string_value(v),
		    (size_t)jv_string_length_bytes(jv_copy(v)));
	} else if (jv_get_kind(v) != JV_KIND_NULL &&
		   jv_get_kind(v) != JV_KIND_INVALID) {
		jv_free(v);
		jv_free(msg);
		snprintf(c->why, sizeof c->why, "the reply's content is "
			 "not a string");
		return FT_LLM_EREPLY;
	}
	jv_free(v);
	if (add_tool_calls(c, jv_object_get(msg, jv_string("tool_calls")),
			   1)) {
		snprintf(c->why, sizeof c->why, "a malformed tool call in "
			 "the reply");
		return FT_LLM_EREPLY;
	}
	return FT_LLM_OK;
}

/* The normalised assistant message of a successful exchange. */
static int
build_reply(struct call *c, jv *reply)
{
	jv m = jv_object(), calls = jv_array();
	int i;

	for (i = 0; i < c->ncalls; i++) {
		struct tool_call *t = &c->calls[i];
		jv tc = jv_object(), fn = jv_object();

		if (!t->name.len) {
			jv_free(m);
			jv_free(calls);
			jv_free(tc);
			jv_free(fn);
			snprintf(c->why, sizeof c->why, "a tool call without "
				 "a name");
			return FT_LLM_EREPLY;
		}
		tc = jv_object_set(tc, jv_string("id"), t->id.len ?
				   jv_string(t->id.p) :
				   jv_string_fmt("call_%d", i + 1));
		tc = jv_object_set(tc, jv_string("type"),
				   jv_string("function"));
		fn = jv_object_set(fn, jv_string("name"), jv_string(t->name.p));
		fn = jv_object_set(fn, jv_string("arguments"),
				   jv_string(t->args.len ? t->args.p : "{}"));
		tc = jv_object_set(tc, jv_string("function"), fn);
		calls = jv_array_append(calls, tc);
	}
	if (!c->content.len && !c->ncalls) {
		jv_free(m);
		jv_free(calls);
		snprintf(c->why, sizeof c->why, "an empty reply");
		return FT_LLM_EREPLY;
	}
	m = jv_object_set(m, jv_string("role"), jv_string("assistant"));
	m = jv_object_set(m, jv_string("content"), c->content.len ?
			  jv_string_sized(c->content.p, (int)c->content.len)
			  : jv_null());
	if (c->ncalls)
		m = jv_object_set(m, jv_string("tool_calls"), calls);
	else
		jv_free(calls);
	*reply = m;
	return FT_LLM_OK;
}

ft_llm *
ft_llm_new(const ft_llm_opts *o)
{
	ft_llm *l = ft_xcalloc(1, sizeof *l);
	const char *url = o->url && *o->url ? o->url
			  : "https://openrouter.ai/api/v1";
	size_t n = strlen(url);
	CURLU *u;
	char *host = NULL, *port = NULL;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	while (n && url[n - 1] == '/')
		n--;
	l->endpoint = ft_xasprintf("%.*s/chat/completions", (int)n, url);
	u = curl_url();
	if (u && curl_url_set(u, CURLUPART_URL, l->endpoint, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			l->where = ft_xasprintf("%s:%s", host, port);
		else
			l->where = ft_xstrdup(host);
	} else {
		l->where = ft_xstrdup("the LLM endpoint");
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	l->model = ft_xstrdup(o->model && *o->model ? o->model
			      : "openai/gpt-4o-mini");
	l->key = o->api_key && *o->api_key ? ft_xstrdup(o->api_key) : NULL;
	l->stream = o->stream;
	l->timeout = o->timeout > 0 ? o->timeout : 60;
	l->retries = o->retries >= 0 ? o->retries : 0;
	l->backoff_ms = o->backoff_ms > 0 ? o->backoff_ms : 1000;
	l->max_wait = o->max_wait > 0 ? o->max_wait : 60;
	return l;
}

void
ft_llm_free(ft_llm *l)
{
	if (!l)
		return;
	free(l->endpoint);
	free(l->where);
	free(l->model);
	if (l->key) {
		/* Do not leave the key lying around in freed memory. */
		memset(l->key, 0, strlen(l->key));
		free(l->key);
	}
	free(l);
}

int
ft_llm_spoke(const ft_llm *l)
{
	return l->spoke;
}

/* Pause ms milliseconds, watching for cancellation; -1 if cancelled. */
static int
pause_ms(const ft_llm_io *io, long ms)
{
	struct timespec ts;

	while (ms > 0) {
		long step = ms < 100 ? ms : 100;

		if (io && io->cancelled && io->cancelled(io->ctx))
			return -1;
		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	if (io && io->cancelled && io->cancelled(io->ctx))
		return -1;
	return 0;
}

static void
notice(const ft_llm_io *io, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!io || !io->notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	io->notice(io->ctx, msg);
}

enum verdict { V_OK, V_FAIL, V_RETRY };

/* Judge one exchange: V_OK, V_FAIL with *code, or V_RETRY; the message
 * goes to err either way. */
static enum verdict
judge(struct call *c, CURLcode res, const char *cerr, int *code, char *err,
      size_t errlen)
{
	ft_llm *l = c->l;
	char text[SNIPPET + 8];
	long ecode = 0;

	if (res == CURLE_ABORTED_BY_CALLBACK && c->timed_out)
		res = CURLE_OPERATION_TIMEDOUT;
	if (res == CURLE_ABORTED_BY_CALLBACK) {
		*code = FT_LLM_ECANCEL;
		ft_seterr(err, errlen, "cancelled");
		return V_FAIL;
	}
	if (res == CURLE_WRITE_ERROR && c->fail)
		res = CURLE_OK;		/* the stream ended it: see below */
	switch (res) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		*code = FT_LLM_ETEMP;
		ft_seterr(err, errlen, "cannot resolve '%s'", l->where);
		return V_FAIL;
	case CURLE_COULDNT_CONNECT:
		*code = FT_LLM_ETEMP;
		ft_seterr(err, errlen, "cannot connect to '%s': %s", l->where,
		       c->oserr ? strerror((int)c->oserr)
		       : *cerr ? cerr : curl_easy_strerror(res));
		return V_FAIL;
	case CURLE_OPERATION_TIMEDOUT:
		*code = FT_LLM_ETEMP;
		ft_seterr(err, errlen, "no reply from '%s' within %ld s",
		       l->where, l->timeout);
		return V_FAIL;
	case CURLE_PEER_FAILED_VERIFICATION:
		*code = FT_LLM_EFAIL;
		ft_seterr(err, errlen, "TLS with '%s' failed: %s", l->where,
		       *cerr ? cerr : curl_easy_strerror(res));
		return V_FAIL;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		*code = FT_LLM_ETEMP;
		ft_seterr(err, errlen, "the connection to '%s' broke off: %s",
		       l->where, *cerr ? cerr : curl_easy_strerror(res));
		return V_RETRY;
	default:
		*code = FT_LLM_ETEMP;
		ft_seterr(err, errlen, "cannot reach '%s': %s", l->where,
		       *cerr ? cerr : curl_easy_strerror(res));
		return V_FAIL;
	}

	if (c->status != 200) {
		const char *b = c->body.p ? c->body.p : "";

		error_text(l, b, c->body.len, NULL, text, sizeof text);
		if (c->status == 401 || c->status == 403) {
			*code = FT_LLM_EAUTH;
			ft_seterr(err, errlen, "'%s' refused the API key "
			       "(HTTP %ld%s%s)", l->where, c->status,
			       *text ? ": " : "", text);
			return V_FAIL;
		}
		*code = FT_LLM_ETEMP;
		if (c->status == 429) {
			ft_seterr(err, errlen, "'%s' is rate limiting requests "
			       "(HTTP 429%s%s)", l->where, *text ? ": " : "",
			       text);
			return V_RETRY;
		}
		if (c->status >= 500 || c->status == 408) {
			ft_seterr(err, errlen, "'%s' failed (HTTP %ld%s%s)",
			       l->where, c->status, *text ? ": " : "", text);
			return V_RETRY;
		}
		*code = FT_LLM_EFAIL;
		ft_seterr(err, errlen, "'%s' rejected the request (HTTP %ld%s%s)",
		       l->where, c->status, *text ? ": " : "", text);
		return V_FAIL;
	}

	if (!c->sse && !c->fail)
		*code = parse_body(c);
	else
		*code = c->fail;
	if (*code == FT_LLM_OK && c->sse && !c->done && !c->chunks) {
		*code = FT_LLM_EREPLY;
		snprintf(c->why, sizeof c->why, "the stream ended before "
			 "any answer");
	}
	if (*code == FT_LLM_EFAIL) {
		/* An error object in a 200 reply: its code, if any, says
		 * what kind. */
		ecode = c->fail_code;
		if (ecode == 401 || ecode == 403) {
			*code = FT_LLM_EAUTH;
			ft_seterr(err, errlen, "'%s' refused the API key (%s)",
			       l->where, c->why);
			return V_FAIL;
		}
		if (ecode == 429 || ecode >= 500 || ecode == 408) {
			*code = FT_LLM_ETEMP;
			ft_seterr(err, errlen, "'%s' failed (error %ld: %s)",
			       l->where, ecode, c->why);
			return V_RETRY;
		}
		ft_seterr(err, errlen, "'%s' reported an error: %s", l->where,
		       c->why);
		return V_FAIL;
	}
	if (*code != FT_LLM_OK) {
		ft_seterr(err, errlen, "malformed reply from '%s': %s", l->where,
		       c->why);
		return V_FAIL;
	}
	return V_OK;
}

int
ft_llm_complete(ft_llm *l, jv messages, jv tools, const ft_llm_io *io,
		jv *reply, char *err, size_t errlen)
{
	struct call c;
	struct curl_slist *hdr = NULL;
	char cerr[CURL_ERROR_SIZE], *auth = NULL;
	jv req = jv_object(), text;
	int attempt, code = FT_LLM_OK;
	CURL *h;

	*reply = jv_invalid();
	l->spoke = 0;
	memset(&c, 0, sizeof c);
	c.l = l;
	c.io = io;
	req = jv_object_set(req, jv_string("model"), jv_string(l->model));
	req = jv_object_set(req, jv_string("messages"), messages);
	if (jv_get_kind(tools) == JV_KIND_ARRAY &&
	    jv_array_length(jv_copy(tools)) > 0) {
		req = jv_object_set(req, jv_string("tools"), tools);
		req = jv_object_set(req, jv_string("tool_choice"),
				    jv_string("auto"));
	} else {
		jv_free(tools);
	}
	req = jv_object_set(req, jv_string("stream"), jv_bool(l->stream));
	text = jv_dump_string(req, 0);

	if (!(h = curl_easy_init())) {
		jv_free(text);
		ft_seterr(err, errlen, "cannot start an HTTP client");
		return FT_LLM_EFAIL;
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, l->stream ?
				"Accept: text/event-stream, application/json"
				: "Accept: application/json");
	hdr = curl_slist_append(hdr, "X-Title: FaceTrack");
	hdr = curl_slist_append(hdr, "Expect:");
	if (l->key) {
		auth = ft_xasprintf("Authorization: Bearer %s", l->key);
		hdr = curl_slist_append(hdr, auth);
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	curl_easy_setopt(h, CURLOPT_URL, l->endpoint);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, jv_string_value(text));
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
			 (long)strlen(jv_string_value(text)));
	curl_easy_setopt(h, CURLOPT_USERAGENT, "facetrack/" FT_VERSION);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
			 l->timeout < 30 ? l->timeout : 30L);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &c);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);

	for (attempt = 0;; attempt++) {
		enum verdict v;
		CURLcode res;
		long wait;

		call_reset(&c);
		cerr[0] = '\0';
		res = curl_easy_perform(h);
		c.oserr = 0;
		curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &c.oserr);
		if (!c.decided && res == CURLE_OK)
			on_body("", 1, 0, &c);	/* an empty body */
		if (c.sse && c.line.len && !c.fail) {
			/* A last line without its newline. */
			stream_line(&c, c.line.p, c.line.len);
			if (c.data.len && !c.fail)
				stream_event(&c, c.data.p, c.data.len);
		} else if (c.sse && c.data.len && !c.fail) {
			stream_event(&c, c.data.p, c.data.len);
		}
		v = judge(&c, res, cerr, &code, err, errlen);
		if (v == V_OK) {
			code = build_reply(&c, reply);
			if (code != FT_LLM_OK)
				ft_seterr(err, errlen, "malformed reply from "
				       "'%s': %s", l->where, c.why);
			break;
		}
		if (v == V_FAIL)
			break;
		/* Worth another try, unless part of the answer was shown
		 * already or the endpoint asks for a longer wait than we
		 * are willing to take. */
		if (l->spoke || attempt >= l->retries)
			break;
		if (c.retry_after > l->max_wait) {
			size_t k = strlen(err);

			snprintf(err + k, errlen - k, "; it asks to wait %ld s",
				 c.retry_after);
			break;
		}
		wait = c.retry_after >= 0 ? c.retry_after * 1000
					  : l->backoff_ms << attempt;
		if (wait > l->max_wait * 1000)
			wait = l->max_wait * 1000;
		notice(io, "%s; trying again in %.1f s", err, wait / 1000.0);
		if (pause_ms(io, wait) != 0) {
			code = FT_LLM_ECANCEL;
			ft_seterr(err, errlen, "cancelled");
			break;
		}
	}
	if (code != FT_LLM_OK && attempt > 0 && code == FT_LLM_ETEMP) {
		size_t k = strlen(err);

		snprintf(err + k, errlen - k, " (%d attempts)", attempt + 1);
	}
	redact(l, err);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	jv_free(text);
	call_free(&c);
	return code;
}
