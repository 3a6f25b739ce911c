/*
 * serve — the dashboard's HTTP server.
 *
 * Threads: libmicrohttpd runs a pool of request threads over epoll; each
 * opens its own store connection on its first request and keeps it (a
 * connection that reports the store unreachable is dropped and opened
 * again by the next request).  The "hub" thread polls the events table
 * with one more connection and appends new events, already formatted as
 * server-sent events, to a ring that every stream reads from.
 *
 * A stream with nothing to send suspends its connection (no thread, no
 * busy polling) and is resumed by the hub when an event or a heartbeat
 * arrives.  Lock order: the hub's mutex, then libmicrohttpd's own.
 *
 * Figures (stats, trend, top ...) cost milliseconds to seconds of SQL,
 * so answers are cached and renewed by two worker threads when the hub
 * sees events or an answer grows older than cache_ms (see "the cache"
 * below): a busy counter screen does not turn into a query per request,
 * and request threads do not wait on a slow store for figures they
 * already have.
 *
 * Erasure: when the hub reads a "forget", "merge" or "purge" event, it
 * drops from the ring every event of a customer the store no longer
 * holds (their payloads name them), and every correction that names two
 * customers ("split", "different"), so a stream coming back with
 * Last-Event-ID is not replayed them, and forgets every cached answer.
 * Dropped texts are zeroed before they are freed.
 */
#include "serve.h"
#include "serve_priv.h"

#include "apikey.h"
#include "base64.h"
#include "cameras.h"
#include "chat.h"
#include "config.h"
#include "jsonl.h"
#include "query.h"
#include "record.h"
#include "report.h"
#include "schedule.h"
#include "store.h"
#include "supervise.h"
#include "times.h"
#include "util.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX	(16 * 1024)	/* largest request body taken */
#define RING_SIZE	1024		/* events kept for streams */
#define EVENT_BATCH	256		/* events read per poll */
#define HEARTBEAT_MS	15000		/* comment line to idle streams */
#define CACHE_MAX	256		/* cached answers at most */
#define CACHE_BODY_MAX	(256 * 1024)	/* larger answers are not kept */
#define QUESTION_MAX	4000		/* characters of a chat question */
#define WORKERS		2		/* threads renewing cached answers */
#define REPORT_DAYS_MAX	366		/* longest period of /api/reports */

/* --- shared state --- */

struct msg {
	int64_t id;
	int64_t customer_id;	/* the event's customer; 0: none */
	char *text;		/* "id: N\nevent: KIND\ndata: ...\n\n" */
	size_t len;
	int erasure;		/* a forget, merge or purge */
	int names_others;	/* a correction naming two customers: its
				 * customer_id is only one of them */
};

struct stream {
	struct ft_server *srv;
	struct MHD_Connection *conn;
	int64_t cursor;		/* last event id sent */
	unsigned hb_seen;	/* heartbeat generation answered */
	int hello;		/* the opening lines are sent */
	const struct msg *part;	/* a message larger than one buffer */
	int64_t part_id;
	size_t part_off;
	int waiting;		/* suspended, on the hub's list */
	int gone;		/* the client hung up while it waited */
	struct stream *next;	/* on the hub's waiting list */
};

struct hub {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	int started;
	int closing;
	ft_store *store;	/* the poller's own connection */
	int64_t last_id;	/* newest event seen */
	struct msg ring[RING_SIZE];
	size_t head;		/* index of the oldest message */
	size_t count;
	atomic_uint gen;	/* bumped on new events: ages the cache */
	unsigned hb;		/* heartbeat generation */
	struct stream *waiting;
	atomic_int streams;
	int failing;		/* the last poll failed (say so once) */
};

/*
 * A read request as given: the operation and the parameters' text.
 * Times such as "7d" or "today" are kept as text and read again whenever
 * the answer is computed, so a cached answer that is refreshed in the
 * background means what the request meant.  The strings are owned.
 */
struct spec {
	const ft_query_op *op;
	char *id;		/* the customer route's id */
	char *v[FT_QS_COUNT];	/* by slot; NULL: not given */
};

struct cache_entry {
	char *key;
	struct spec spec;	/* what to compute */
	unsigned gen;		/* the hub's generation when it began */
	int64_t at;		/* monotonic ms when its computation began */
	int64_t used;		/* monotonic ms of the last request for it */
	char *body;		/* NULL until first computed */
	size_t len;
	int computing;		/* requests computing it now */
	int queued;		/* 1: to be renewed, 2: being renewed */
	struct cache_entry *next;
};

struct ft_server {
	struct MHD_Daemon *d;
	int listen_fd;
	char *db_url;
	char *web_dir;		/* realpath of the web directory */
	size_t web_len;
	ft_apikeys *keys;	/* who may use the API, and how */
	ft_authfail *fails;	/* wrong keys per client address */
	char address[80];
	ft_serve_config cfg;
	unsigned serial;	/* tells a thread's store from an old one's */

	pthread_mutex_t stores_mu;
	ft_store **stores;	/* every request thread's connection */
	size_t nstores;

	struct hub hub;

	pthread_mutex_t cache_mu;
	pthread_cond_t cache_done;	/* a computation has ended */
	pthread_cond_t work;		/* an answer is queued for renewal */
	struct cache_entry *cache;
	size_t ncache;
	pthread_t workers[WORKERS];	/* renew answers in the background */
	int nworkers;
	int cache_closing;

	atomic_int active;	/* requests in hand */
	atomic_int busy;	/* reports and chat questions in hand */
	atomic_int moved;	/* the SQLite file was removed or replaced */
	int64_t erased_at;	/* monotonic ms of the last erasure: answers
				 * computed from before are not kept */
	struct serve_review *review;	/* serve_review.c's state */
};

enum req_kind { REQ_PLAIN = 0, REQ_STREAM };

struct request {
	enum req_kind kind;
	char *body;
	size_t len;
	int too_big;
	struct stream *stream;
};

static atomic_uint server_serial;
static _Thread_local ft_store *tl_store;
static _Thread_local unsigned tl_serial;
/* The key of the request in hand: the audit's actor for its changes. */
static _Thread_local const ft_apikey *tl_key;

/* --- responses --- */

static void
common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

enum MHD_Result
reply_bytes(struct MHD_Connection *c, unsigned status, const char *type,
	    const char *body, size_t len, const char *hname,
	    const char *hvalue)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	common_headers(r);
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (hname)
		MHD_add_response_header(r, hname, hvalue);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

const char json_type[] = "application/json; charset=utf-8";

/* Reply with v (consumed) as JSON. */
enum MHD_Result
reply_json(struct MHD_Connection *c, unsigned status, jv v,
	   const char *hname, const char *hvalue)
{
	jv text = jv_dump_string(v, 0);
	enum MHD_Result ret;

	ret = reply_bytes(c, status, json_type, jv_string_value(text),
			  (size_t)jv_string_length_bytes(jv_copy(text)),
			  hname, hvalue);
	jv_free(text);
	return ret;
}

static jv
error_record(unsigned status, const char *msg)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("error"));
	o = jv_object_set(o, jv_string("status"), jv_number(status));
	return jv_object_set(o, jv_string("message"), jv_string(msg));
}

enum MHD_Result
reply_error_h(struct MHD_Connection *c, unsigned status, const char *hname,
	      const char *hvalue, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return reply_json(c, status, error_record(status, msg), hname,
			  hvalue);
}

/* --- store connections --- */

/*
 * Note, once, that the SQLite file s was opened on has been removed or
 * replaced.  The server then refuses the API rather than answer from two
 * stores (connections opened before and after) or reopen a file whose
 * journal older connections still hold: it wants a restart.
 */
static void
store_check(struct ft_server *srv, ft_store *s)
{
	if (!ft_store_moved(s) || atomic_exchange(&srv->moved, 1))
		return;
	ft_warn("the store's file was removed or replaced while ft-serve "
		"ran; the API is refused until ft-serve is restarted");
}

/* This thread's store, opened on first use; NULL when it cannot be
 * opened (the reason is logged). */
static ft_store *
thread_store(struct ft_server *srv, int *rc)
{
	char err[256];
	ft_store *s;

	if (tl_store && tl_serial == srv->serial) {
		store_check(srv, tl_store);
		ft_store_set_actor(tl_store, tl_key ? tl_key->name
				   : "ft-serve");
		return tl_store;
	}
	*rc = ft_store_open(srv->db_url, &s, err, sizeof err);
	if (*rc != FT_OK) {
		ft_warn("%s", err);
		return NULL;
	}
	/* Changes are the key's, by its name. */
	ft_store_set_actor(s, tl_key ? tl_key->name : "ft-serve");
	pthread_mutex_lock(&srv->stores_mu);
	srv->stores = ft_xrealloc(srv->stores,
				  (srv->nstores + 1) * sizeof *srv->stores);
	srv->stores[srv->nstores++] = s;
	pthread_mutex_unlock(&srv->stores_mu);
	tl_store = s;
	tl_serial = srv->serial;
	return s;
}

/* Forget this thread's store after it reported the server gone. */
void
drop_thread_store(struct ft_server *srv)
{
	size_t i;

	if (!tl_store || tl_serial != srv->serial)
		return;
	pthread_mutex_lock(&srv->stores_mu);
	for (i = 0; i < srv->nstores; i++)
		if (srv->stores[i] == tl_store) {
			srv->stores[i] = srv->stores[--srv->nstores];
			break;
		}
	pthread_mutex_unlock(&srv->stores_mu);
	ft_store_close(tl_store);
	tl_store = NULL;
}

/* Queue the answers worth renewing after new events. */
static void cache_events(struct ft_server *srv);

/* --- the hub: following the events table --- */

struct fetched {
	struct msg *v;
	size_t n;
};

/* A kind is sent as an SSE event name: keep it to a safe alphabet. */
static void
copy_kind(char *dst, size_t size, const char *kind)
{
	size_t i = 0;

	for (; kind && *kind && i + 1 < size; kind++)
		if ((*kind >= 'a' && *kind <= 'z') ||
		    (*kind >= 'A' && *kind <= 'Z') ||
		    (*kind >= '0' && *kind <= '9') || *kind == '_' ||
		    *kind == '-')
			dst[i++] = *kind;
	dst[i] = '\0';
	if (!i)
		snprintf(dst, size, "message");
}

static int
fetch_event(void *p, const ft_event *e)
{
	struct fetched *f = p;
	char kind[32], *text, *w;
	const char *r;
	size_t cap;

	copy_kind(kind, sizeof kind, e->kind);
	/* A payload line break would end the field: each line becomes
	 * its own "data:" line, as the SSE format wants. */
	cap = 64 + strlen(kind) + 2 * strlen(e->payload ? e->payload : "");
	text = ft_xmalloc(cap + 1);
	w = text + sprintf(text, "id: %lld\nevent: %s\ndata: ",
			   (long long)e->id, kind);
	for (r = e->payload ? e->payload : ""; *r; r++) {
		if (*r == '\r')
			continue;
		if (*r == '\n') {
			w += sprintf(w, "\ndata: ");
			continue;
		}
		*w++ = *r;
	}
	w += sprintf(w, "\n\n");
	f->v = ft_xrealloc(f->v, (f->n + 1) * sizeof *f->v);
	f->v[f->n].id = e->id;
	f->v[f->n].customer_id = e->customer_id;
	f->v[f->n].text = text;
	f->v[f->n].len = (size_t)(w - text);
	f->v[f->n].erasure = !strcmp(kind, "forget") ||
			     !strcmp(kind, "merge") || !strcmp(kind, "purge");
	f->v[f->n].names_others = !strcmp(kind, "split") ||
				  !strcmp(kind, "different");
	f->n++;
	return 0;
}

/* Resume every waiting stream; with the hub locked. */
static void
wake_streams(struct hub *h)
{
	struct stream *st, *next;

	for (st = h->waiting; st; st = next) {
		next = st->next;
		st->waiting = 0;
		st->next = NULL;
		MHD_resume_connection(st->conn);
	}
	h->waiting = NULL;
}

/*
 * Resume the waiting streams whose clients have hung up, marked gone so
 * that they end at once: a suspended connection is off libmicrohttpd's
 * event loop, and would otherwise hold its slot until the next
 * heartbeat.  With the hub locked; costs one poll of the waiting
 * sockets, without blocking.
 */
static void
reap_streams(struct hub *h)
{
	struct stream *st, **pp;
	struct pollfd *pf;
	size_t n = 0, i;

	for (st = h->waiting; st; st = st->next)
		n++;
	if (!n)
		return;
	pf = ft_xcalloc(n, sizeof *pf);
	for (st = h->waiting, i = 0; st; st = st->next, i++) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			st->conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		pf[i].fd = ci ? ci->connect_fd : -1;
		pf[i].events = POLLRDHUP;
	}
	if (poll(pf, (nfds_t)n, 0) > 0) {
		for (pp = &h->waiting, i = 0; (st = *pp); i++) {
			if (!(pf[i].revents & (POLLRDHUP | POLLHUP |
					       POLLERR))) {
				pp = &st->next;
				continue;
			}
			*pp = st->next;
			st->waiting = 0;
			st->next = NULL;
			st->gone = 1;
			MHD_resume_connection(st->conn);
		}
	}
	free(pf);
}

static int
event_exists_after(ft_store *s, int64_t id, int *found)
{
	struct fetched f = { 0 };
	size_t i;
	int rc = ft_store_events(s, id, 1, fetch_event, &f);

	*found = f.n > 0;
	for (i = 0; i < f.n; i++)
		free(f.v[i].text);
	free(f.v);
	return rc;
}

/* The newest event id, found with O(log n) keyed lookups: the store's
 * interface reads events after an id, and a table of millions of events
 * must not be read through at start. */
static int
newest_event(ft_store *s, int64_t *out)
{
	int64_t lo = 0, hi = 1;
	int found, rc;

	for (;;) {
		if ((rc = event_exists_after(s, hi, &found)) != FT_OK)
			return rc;
		if (!found)
			break;
		lo = hi;
		if (hi > INT64_MAX / 2)
			break;
		hi *= 2;
	}
	/* Some event lies after lo (or lo is 0); none after hi. */
	if ((rc = event_exists_after(s, lo, &found)) != FT_OK)
		return rc;
	if (!found) {
		*out = lo;
		return FT_OK;
	}
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if ((rc = event_exists_after(s, mid, &found)) != FT_OK)
			return rc;
		if (found)
			lo = mid;
		else
			hi = mid;
	}
	*out = hi;
	return FT_OK;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
ring_push(struct hub *h, struct msg m)
{
	size_t at;

	if (h->count == RING_SIZE) {
		free(h->ring[h->head].text);
		h->head = (h->head + 1) % RING_SIZE;
		h->count--;
	}
	at = (h->head + h->count) % RING_SIZE;
	h->ring[at] = m;
	h->count++;
}

/* Free a message's text, zeroed first: it may name a forgotten
 * customer. */
static void
msg_wipe(struct msg *m)
{
	if (m->text)
		explicit_bzero(m->text, m->len);
	free(m->text);
	m->text = NULL;
}

/* Drop from the ring the messages of the customers in gone (sorted);
 * with the hub locked.  Ids stay in order, so ring_after still works; a
 * stream in the middle of a dropped message moves past it. */
static void
ring_drop(struct hub *h, const int64_t *gone, size_t ngone)
{
	size_t i, kept = 0;

	for (i = 0; i < h->count; i++) {
		struct msg *m = &h->ring[(h->head + i) % RING_SIZE];

		/* Corrections naming two customers may name the one gone
		 * under the other's id: after an erasure they are not
		 * replayed. */
		if (m->names_others || (m->customer_id > 0 &&
		    bsearch(&m->customer_id, gone, ngone, sizeof *gone,
			    cmp_id))) {
			msg_wipe(m);
			continue;
		}
		if (kept != i)
			h->ring[(h->head + kept) % RING_SIZE] = *m;
		kept++;
	}
	h->count = kept;
}

/* The oldest message with an id above cursor, or NULL. */
static const struct msg *
ring_after(const struct hub *h, int64_t cursor)
{
	size_t lo = 0, hi = h->count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->ring[(h->head + mid) % RING_SIZE].id <= cursor)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->count ? &h->ring[(h->head + lo) % RING_SIZE] : NULL;
}

/* Forget every cached answer after an erasure: they may name the
 * customer.  Called by the hub with its own mutex held. */
static void cache_erased(struct ft_server *srv);

/*
 * The customers whose events the ring or the batch f holds and the
 * store no longer has, sorted, into *gone (owned by the caller); their
 * number.  Called by the hub thread, the ring's only writer, without its
 * lock.  A customer the store cannot answer for counts as gone: a name
 * is better not replayed than replayed wrongly.
 */
static size_t
gone_customers(struct hub *h, const struct fetched *f, int64_t **gone)
{
	int64_t *ids = ft_xcalloc(h->count + f->n + 1, sizeof *ids);
	size_t i, n = 0, k, ngone = 0;

	for (i = 0; i < h->count; i++)
		if (h->ring[(h->head + i) % RING_SIZE].customer_id > 0)
			ids[n++] = h->ring[(h->head + i) % RING_SIZE]
				.customer_id;
	for (i = 0; i < f->n; i++)
		if (f->v[i].customer_id > 0)
			ids[n++] = f->v[i].customer_id;
	qsort(ids, n, sizeof *ids, cmp_id);
	for (i = 0; i < n; i = k) {
		ft_customer c;

		for (k = i + 1; k < n && ids[k] == ids[i]; k++)
			;
		if (h->store &&
		    ft_store_customer_get_id(h->store, ids[i], &c) == FT_OK) {
			ft_customer_clear(&c);
			continue;
		}
		ids[ngone++] = ids[i];
	}
	*gone = ids;
	return ngone;
}

static void *
hub_main(void *p)
{
	struct ft_server *srv = p;
	struct hub *h = &srv->hub;
	int64_t last_hb = ft_time_mono();
	char err[256];

	pthread_mutex_lock(&h->mu);
	while (!h->closing) {
		struct timespec until;
		struct fetched f = { 0 };
		int64_t after = h->last_id, now, *gone = NULL;
		size_t i, ngone = 0;
		int rc, beat = 0, erased = 0;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)(srv->cfg.poll_ms % 1000) * 1000000L;
		until.tv_sec += srv->cfg.poll_ms / 1000 +
				until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&h->wake, &h->mu, &until);
		if (h->closing)
			break;
		pthread_mutex_unlock(&h->mu);

		rc = FT_OK;
		if (h->store)
			store_check(srv, h->store);
		if (!h->store) {
			rc = ft_store_open(srv->db_url, &h->store, err,
					   sizeof err);
			if (rc != FT_OK && !h->failing)
				ft_warn("%s", err);
		}
		if (h->store) {
			do {
				size_t before = f.n;

				rc = ft_store_events(h->store, after,
						     EVENT_BATCH, fetch_event,
						     &f);
				if (f.n > before)
					after = f.v[f.n - 1].id;
				if (rc != FT_OK || f.n - before < EVENT_BATCH)
					break;
			} while (f.n < 4 * EVENT_BATCH);
			if (rc != FT_OK) {
				if (!h->failing)
					ft_warn("cannot read events: %s",
						ft_store_errmsg(h->store));
				if (rc == FT_ETEMP) {
					ft_store_close(h->store);
					h->store = NULL;
				}
			}
		}

		for (i = 0; i < f.n; i++)
			erased |= f.v[i].erasure;
		if (erased)
			ngone = gone_customers(h, &f, &gone);

		now = ft_time_mono();
		pthread_mutex_lock(&h->mu);
		h->failing = rc != FT_OK;
		for (i = 0; i < f.n; i++) {
			ring_push(h, f.v[i]);
			h->last_id = f.v[i].id;
		}
		free(f.v);
		if (erased) {
			ring_drop(h, gone, ngone);
			cache_erased(srv);
		}
		free(gone);
		if (f.n) {
			atomic_fetch_add(&h->gen, 1);
			cache_events(srv);
		}
		if (now - last_hb >= HEARTBEAT_MS) {
			h->hb++;
			last_hb = now;
			beat = 1;
		}
		if (f.n || beat)
			wake_streams(h);
		else
			reap_streams(h);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* --- event streams --- */

static const char hello_text[] = "retry: 2000\n: facetrack events\n\n";
static const char ping_text[] = ": ping\n\n";

static size_t
put_bytes(char *buf, size_t max, size_t *off, const char *s, size_t n)
{
	size_t room = max - *off, k = n < room ? n : room;

	memcpy(buf + *off, s, k);
	*off += k;
	return k;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	struct hub *h = &st->srv->hub;
	const struct msg *m;
	size_t off = 0;

	(void)pos;
	pthread_mutex_lock(&h->mu);
	if (st->gone) {
		pthread_mutex_unlock(&h->mu);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (!st->hello) {
		st->hello = 1;
		st->hb_seen = h->hb;
		put_bytes(buf, max, &off, hello_text, sizeof hello_text - 1);
		pthread_mutex_unlock(&h->mu);
		return (ssize_t)off;
	}
	/* The rest of a message too long for the last buffer, while the
	 * ring still holds it. */
	if (st->part) {
		m = ring_after(h, st->part_id - 1);
		if (m && m->id == st->part_id) {
			st->part_off += put_bytes(buf, max, &off,
						  m->text + st->part_off,
						  m->len - st->part_off);
			if (st->part_off == m->len) {
				st->part = NULL;
				st->cursor = m->id;
			}
		} else {
			/* Gone from the ring meanwhile (pushed out, or
			 * dropped by an erasure): end the event begun, so
			 * the next one is not read as its rest. */
			st->part = NULL;
			st->cursor = st->part_id;
			put_bytes(buf, max, &off, "\n\n", 2);
		}
		if (off) {
			pthread_mutex_unlock(&h->mu);
			return (ssize_t)off;
		}
	}
	for (m = ring_after(h, st->cursor); m; m = ring_after(h, st->cursor)) {
		if (m->len > max - off) {
			if (off)
				break;
			st->part = m;
			st->part_id = m->id;
			st->part_off = put_bytes(buf, max, &off, m->text,
						 m->len);
			break;
		}
		put_bytes(buf, max, &off, m->text, m->len);
		st->cursor = m->id;
	}
	if (!off && st->hb_seen != h->hb && !h->closing) {
		st->hb_seen = h->hb;
		put_bytes(buf, max, &off, ping_text, sizeof ping_text - 1);
	}
	if (off) {
		pthread_mutex_unlock(&h->mu);
		return (ssize_t)off;
	}
	if (h->closing) {
		pthread_mutex_unlock(&h->mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	/* Nothing to say: wait, off the event loop, until the hub wakes
	 * us.  Suspending under the hub's lock means no wake-up is lost. */
	st->waiting = 1;
	st->next = h->waiting;
	h->waiting = st;
	MHD_suspend_connection(st->conn);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

static enum MHD_Result
open_stream(struct ft_server *srv, struct MHD_Connection *c,
	    struct request *rq)
{
	struct hub *h = &srv->hub;
	struct MHD_Response *r;
	struct stream *st;
	const char *last;
	long long n;
	enum MHD_Result ret;

	if (atomic_fetch_add(&h->streams, 1) >= (int)srv->cfg.max_streams) {
		atomic_fetch_sub(&h->streams, 1);
		return reply_error_h(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "Retry-After", "10",
				     "too many event streams are open");
	}
	st = ft_xcalloc(1, sizeof *st);
	st->srv = srv;
	st->conn = c;
	pthread_mutex_lock(&h->mu);
	st->cursor = h->last_id;
	/* A client coming back says where it stopped; what the ring still
	 * holds after that is sent again. */
	last = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					   "Last-Event-ID");
	if (last && ft_parse_int(last, 0, INT64_MAX, &n) == 0 &&
	    n < h->last_id)
		st->cursor = n;
	pthread_mutex_unlock(&h->mu);

	rq->kind = REQ_STREAM;
	rq->stream = st;
	/* A stream is quiet between events: only its own end closes it,
	 * not the idle timeout meant for clients that never finish. */
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
					      stream_read, st, NULL);
	if (!r)
		return MHD_NO;
	common_headers(r);
	MHD_add_response_header(r, "Content-Type",
				"text/event-stream; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* --- static files --- */

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".map", "application/json; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ NULL, NULL }
};

static const char csp[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; "
	"img-src 'self' data: blob:; connect-src 'self'; "
	"object-src 'none'; base-uri 'none'; form-action 'self'; "
	"frame-ancestors 'none'";

/* Whether path (as decoded from the URL) names a file under the web
 * directory: no "." or ".." segment, no hidden file, no backslash. */
static int
safe_path(const char *path)
{
	const char *p = path, *seg;

	if (*p != '/' || strlen(p) > 1024)
		return 0;
	while (*p) {
		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/') {
			if (*p == '\\' || (unsigned char)*p < 0x20)
				return 0;
			p++;
		}
		if (p > seg && seg[0] == '.')
			return 0;
	}
	return 1;
}

static enum MHD_Result
serve_file(struct ft_server *srv, struct MHD_Connection *c, const char *url)
{
	char path[PATH_MAX], *real;
	const char *type = "application/octet-stream", *dot;
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct stat sb;
	size_t n;
	int fd, i;

	if (!safe_path(url))
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
	n = strlen(url);
	if ((size_t)snprintf(path, sizeof path, "%s%s%s", srv->web_dir, url,
			     url[n - 1] == '/' ? "index.html" : "")
	    >= sizeof path)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
	/* The resolved file must still lie inside the web directory:
	 * a symbolic link may not lead out of it. */
	real = realpath(path, NULL);
	if (!real || strncmp(real, srv->web_dir, srv->web_len) != 0 ||
	    real[srv->web_len] != '/') {
		free(real);
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
	}
	/* Without blocking: a FIFO or a device would hold the thread
	 * (and the stop after it) until somebody wrote to it. */
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	free(real);
	if (fd < 0)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
	}
	dot = strrchr(path, '.');
	for (i = 0; dot && mime_types[i].ext; i++)
		if (!strcasecmp(dot, mime_types[i].ext)) {
			type = mime_types[i].type;
			break;
		}
	r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	common_headers(r);
	MHD_add_response_header(r, "Content-Type", type);
	/* Revalidate every time: the files are small and a shop that
	 * upgrades must not be left with yesterday's script. */
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	if (!strncmp(type, "text/html", 9))
		MHD_add_response_header(r, "Content-Security-Policy", csp);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* --- API: reads --- */

static void
spec_free(struct spec *sp)
{
	int i;

	free(sp->id);
	for (i = 0; i < FT_QS_COUNT; i++)
		free(sp->v[i]);
	memset(sp, 0, sizeof *sp);
}

static void
spec_copy(struct spec *dst, const struct spec *src)
{
	int i;

	dst->op = src->op;
	dst->id = ft_xstrdup(src->id);
	for (i = 0; i < FT_QS_COUNT; i++)
		dst->v[i] = ft_xstrdup(src->v[i]);
}

struct collecting {
	struct spec *sp;
	char bad[80];		/* the first parameter not taken */
};

static enum MHD_Result
collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
	      const char *value)
{
	struct collecting *k = cls;
	const ft_query_param *p;

	(void)kind;
	if ((p = ft_query_param_find(k->sp->op, FT_QUERY_HTTP, key))) {
		free(k->sp->v[p->slot]);
		k->sp->v[p->slot] = ft_xstrdup(value ? value : "");
	} else if (!k->bad[0]) {
		snprintf(k->bad, sizeof k->bad, "%s", key);
	}
	return MHD_YES;
}

/* Read sp's parameters as of now into a (to be cleared); -1 with a
 * message for a bad one. */
static int
spec_parse(const struct spec *sp, int64_t now, ft_query_args *a,
	   char *msg, size_t msglen)
{
	const ft_query_param *p;

	ft_query_args_init(a, sp->op, FT_QUERY_HTTP, now);
	if (sp->id)
		ft_query_set_arg(a, sp->id);
	for (p = sp->op->params; p->name; p++)
		if (sp->v[p->slot] &&
		    ft_query_set(a, p->name, sp->v[p->slot], msg, msglen))
			return -1;
	if ((p = ft_query_missing(a))) {
		ft_seterr(msg, msglen, "'%s' is required", p->name);
		return -1;
	}
	return 0;
}

struct collect {
	jv all;
};

static int
collect_record(void *p, jv rec)
{
	struct collect *k = p;

	k->all = jv_array_append(k->all, rec);
	return 0;
}

/*
 * Compute sp's answer on store s: 200 with *body (JSON text, the
 * caller's to free) and *len, or an error status with a message for the
 * client in msg.  *rc gets the store's code (FT_ETEMP: drop s).
 */
static unsigned
spec_run(const struct spec *sp, ft_store *s, char **body, size_t *len,
	 char *msg, size_t msglen, int *rc)
{
	struct collect k;
	ft_query_args a;
	jv text;

	*rc = FT_OK;
	*body = NULL;
	if (spec_parse(sp, ft_time_now(), &a, msg, msglen) != 0) {
		ft_query_args_clear(&a);
		return MHD_HTTP_BAD_REQUEST;
	}
	k.all = jv_array();
	*rc = ft_query_run(s, &a, collect_record, &k);
	ft_query_args_clear(&a);
	if (*rc == FT_OK && sp->op->id == FT_QOP_STATS) {
		jv one = jv_array_get(jv_copy(k.all), 0);

		jv_free(k.all);
		k.all = one;
	}
	if (*rc != FT_OK) {
		jv_free(k.all);
		switch (*rc) {
		case FT_ENOTFOUND:
			snprintf(msg, msglen, "no customer '%.40s'",
				 sp->id ? sp->id : sp->v[FT_QS_CUSTOMER]
				 ? sp->v[FT_QS_CUSTOMER] : sp->v[FT_QS_AFTER]
				 ? sp->v[FT_QS_AFTER] : "");
			return MHD_HTTP_NOT_FOUND;
		case FT_ETEMP:
			ft_warn("%s", ft_store_errmsg(s));
			snprintf(msg, msglen, "the store cannot be reached; "
				 "try again later");
			return MHD_HTTP_SERVICE_UNAVAILABLE;
		case FT_EINVAL:
			snprintf(msg, msglen, "the store refused the request");
			return MHD_HTTP_BAD_REQUEST;
		default:
			ft_warn("%s", ft_store_errmsg(s));
			snprintf(msg, msglen, "internal error");
			return MHD_HTTP_INTERNAL_SERVER_ERROR;
		}
	}
	text = jv_dump_string(k.all, 0);
	*len = (size_t)jv_string_length_bytes(jv_copy(text));
	*body = ft_xmalloc(*len + 1);
	memcpy(*body, jv_string_value(text), *len + 1);
	jv_free(text);
	return MHD_HTTP_OK;
}

/* Run sp on this thread's store. */
static unsigned
run_here(struct ft_server *srv, const struct spec *sp, char **body,
	 size_t *len, char *msg, size_t msglen)
{
	unsigned status;
	ft_store *s;
	int rc;

	if (!(s = thread_store(srv, &rc))) {
		snprintf(msg, msglen, "the store cannot be reached; try "
			 "again later");
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	status = spec_run(sp, s, body, len, msg, msglen, &rc);
	if (rc == FT_ETEMP)
		drop_thread_store(srv);
	return status;
}

/* --- the cache --- */

/*
 * Figures cost milliseconds to seconds of SQL, so answers are kept.  An
 * answer is fresh while no event has arrived since its computation began
 * and it is younger than cache_ms.  A request that finds it merely stale
 * (younger than STALE_MAX) is answered with it at once while a worker
 * thread computes it again; the hub queues every answer asked for lately
 * as soon as events arrive.  So a busy counter screen costs one query a
 * second per answer, request threads never wait on a slow store for
 * figures they already have, and an answer is behind the newest event
 * only for as long as one computation takes.  A request finding no
 * answer, or one too old, computes it, once for all who ask meanwhile.
 */
#define STALE_MAX	10000	/* ms an answer may be given while renewed */
#define HOT_MS		60000	/* answers asked for within this are renewed
				 * on events */

static struct cache_entry *
cache_find(struct ft_server *srv, const char *key)
{
	struct cache_entry *e;

	for (e = srv->cache; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

static void
entry_free(struct cache_entry *e)
{
	free(e->key);
	free(e->body);
	spec_free(&e->spec);
	free(e);
}

/* Drop the entries nobody is computing; with cache_mu held. */
static void
cache_prune_locked(struct ft_server *srv)
{
	struct cache_entry *e, **pp = &srv->cache;

	while ((e = *pp)) {
		if (e->computing || e->queued) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		entry_free(e);
		srv->ncache--;
	}
}

static void
cache_clear_locked(struct ft_server *srv)
{
	struct cache_entry *e, *next;

	for (e = srv->cache; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	srv->cache = NULL;
	srv->ncache = 0;
}

/* Keep an answer computed from at (mono ms) while the hub was at gen,
 * unless a newer one is there already or an erasure came after it
 * began; with cache_mu held. */
static void
entry_set(struct ft_server *srv, struct cache_entry *e, unsigned gen,
	  int64_t at, const char *body, size_t len)
{
	if (len > CACHE_BODY_MAX || (e->body && e->at > at) ||
	    at <= srv->erased_at)
		return;
	free(e->body);
	e->body = ft_xmalloc(len + 1);
	memcpy(e->body, body, len);
	e->len = len;
	e->gen = gen;
	e->at = at;
}

/* New events: queue every answer asked for lately.  Called by the hub
 * with its own mutex held (lock order: hub, then cache). */
static void
cache_events(struct ft_server *srv)
{
	struct cache_entry *e;
	int64_t now = ft_time_mono();
	int any = 0;

	if (!srv->cfg.cache_ms)
		return;
	pthread_mutex_lock(&srv->cache_mu);
	for (e = srv->cache; e; e = e->next)
		if (!e->queued && e->body && now - e->used < HOT_MS) {
			e->queued = 1;
			any = 1;
		}
	if (any)
		pthread_cond_broadcast(&srv->work);
	pthread_mutex_unlock(&srv->cache_mu);
}

static void
cache_erased(struct ft_server *srv)
{
	struct cache_entry *e;

	pthread_mutex_lock(&srv->cache_mu);
	srv->erased_at = ft_time_mono();
	for (e = srv->cache; e; e = e->next) {
		if (e->body)
			explicit_bzero(e->body, e->len);
		free(e->body);
		e->body = NULL;
		e->len = 0;
	}
	pthread_mutex_unlock(&srv->cache_mu);
}

static void *
worker_main(void *p)
{
	struct ft_server *srv = p;
	ft_store *s = NULL;
	char err[256];

	pthread_mutex_lock(&srv->cache_mu);
	while (!srv->cache_closing) {
		struct cache_entry *e;
		struct spec sp = { 0 };
		char *key, *body = NULL, msg[256];
		unsigned gen, status = MHD_HTTP_SERVICE_UNAVAILABLE;
		int64_t t0;
		size_t len = 0;
		int rc = FT_OK;

		for (e = srv->cache; e && e->queued != 1; e = e->next)
			;
		if (!e) {
			pthread_cond_wait(&srv->work, &srv->cache_mu);
			continue;
		}
		e->queued = 2;
		spec_copy(&sp, &e->spec);
		key = ft_xstrdup(e->key);
		gen = atomic_load(&srv->hub.gen);
		t0 = ft_time_mono();
		pthread_mutex_unlock(&srv->cache_mu);

		if (!s && ft_store_open(srv->db_url, &s, err, sizeof err)
		    != FT_OK) {
			ft_warn("%s", err);
			s = NULL;
		}
		if (s) {
			status = spec_run(&sp, s, &body, &len, msg,
					  sizeof msg, &rc);
			if (rc == FT_ETEMP) {
				ft_store_close(s);
				s = NULL;
			}
		}

		pthread_mutex_lock(&srv->cache_mu);
		/* queued keeps the entry from being pruned meanwhile. */
		if ((e = cache_find(srv, key))) {
			if (status == MHD_HTTP_OK)
				entry_set(srv, e, gen, t0, body, len);
			/* Events that came while it ran want one more. */
			e->queued = status == MHD_HTTP_OK &&
				    atomic_load(&srv->hub.gen) != gen &&
				    ft_time_mono() - e->used < HOT_MS;
		}
		pthread_cond_broadcast(&srv->cache_done);
		free(key);
		free(body);
		spec_free(&sp);
	}
	pthread_mutex_unlock(&srv->cache_mu);
	if (s)
		ft_store_close(s);
	return NULL;
}

static enum MHD_Result
reply_answer(struct MHD_Connection *c, unsigned status, const char *body,
	     size_t len, const char *msg)
{
	if (status == MHD_HTTP_OK)
		return reply_bytes(c, status, json_type, body, len, NULL,
				   NULL);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		return reply_error_h(c, status, "Retry-After", "5", "%s",
				     msg);
	return reply_error_h(c, status, NULL, NULL, "%s", msg);
}

/* Answer sp (whose parameters are good) through the cache under key. */
static enum MHD_Result
cached_answer(struct ft_server *srv, struct MHD_Connection *c,
	      const char *key, const struct spec *sp)
{
	struct cache_entry *e;
	int64_t now = ft_time_mono(), give_up = now + 2000, t0;
	char *body = NULL, msg[256];
	size_t len = 0;
	unsigned gen, status;
	enum MHD_Result ret;

	pthread_mutex_lock(&srv->cache_mu);
	for (;;) {
		now = ft_time_mono();
		gen = atomic_load(&srv->hub.gen);
		e = cache_find(srv, key);
		if (e)
			e->used = now;
		if (e && e->body) {
			int64_t age = now - e->at;

			if ((e->gen == gen && age < (int64_t)srv->cfg.cache_ms)
			    || age < STALE_MAX) {
				if (e->gen != gen ||
				    age >= (int64_t)srv->cfg.cache_ms) {
					if (!e->queued) {
						e->queued = 1;
						pthread_cond_signal(&srv->work);
					}
				}
				body = ft_xmalloc(e->len + 1);
				memcpy(body, e->body, e->len);
				len = e->len;
				pthread_mutex_unlock(&srv->cache_mu);
				ret = reply_bytes(c, MHD_HTTP_OK, json_type,
						  body, len, NULL, NULL);
				free(body);
				return ret;
			}
		}
		if (!e || !e->computing || now >= give_up)
			break;
		{
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&srv->cache_done,
					       &srv->cache_mu, &ts);
		}
	}
	if (!e) {
		if (srv->ncache >= CACHE_MAX)
			cache_prune_locked(srv);
		e = ft_xcalloc(1, sizeof *e);
		e->key = ft_xstrdup(key);
		spec_copy(&e->spec, sp);
		e->used = now;
		e->next = srv->cache;
		srv->cache = e;
		srv->ncache++;
	}
	e->computing++;
	pthread_mutex_unlock(&srv->cache_mu);

	t0 = ft_time_mono();
	status = run_here(srv, sp, &body, &len, msg, sizeof msg);

	pthread_mutex_lock(&srv->cache_mu);
	if ((e = cache_find(srv, key))) {
		e->computing--;
		if (status == MHD_HTTP_OK)
			entry_set(srv, e, gen, t0, body, len);
	}
	pthread_cond_broadcast(&srv->cache_done);
	pthread_mutex_unlock(&srv->cache_mu);

	ret = reply_answer(c, status, body, len, msg);
	free(body);
	return ret;
}

struct key_buf {
	char *s;
	size_t len, cap;
};

static void
key_add(struct key_buf *k, const char *s)
{
	size_t n = strlen(s);

	if (k->len + n + 1 > k->cap) {
		k->cap = (k->len + n + 1) * 2;
		k->s = ft_xrealloc(k->s, k->cap);
	}
	memcpy(k->s + k->len, s, n + 1);
	k->len += n;
}

static enum MHD_Result
api_read(struct ft_server *srv, struct MHD_Connection *c,
	 const ft_query_op *op, const char *url, const char *id)
{
	struct spec sp = { 0 };
	struct collecting k = { &sp, "" };
	struct key_buf key = { 0 };
	const ft_query_param *p;
	ft_query_args a;
	enum MHD_Result ret;
	char msg[256], *body = NULL;
	size_t len = 0;
	unsigned status;
	int i;

	sp.op = op;
	sp.id = ft_xstrdup(id);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_param,
				  &k);
	if (k.bad[0]) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				  "unknown parameter '%s'", k.bad);
		goto out;
	}
	i = spec_parse(&sp, ft_time_now(), &a, msg, sizeof msg);
	ft_query_args_clear(&a);
	if (i != 0) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "%s", msg);
		goto out;
	}
	if (!srv->cfg.cache_ms) {
		status = run_here(srv, &sp, &body, &len, msg, sizeof msg);
		ret = reply_answer(c, status, body, len, msg);
		goto out;
	}
	/* The key is the path and the parameters as taken, in a fixed
	 * order, so "?a=1&b=2" and "?b=2&a=1" share one answer. */
	key_add(&key, url);
	for (p = op->params; p->name; p++)
		if (sp.v[p->slot]) {
			key_add(&key, "\x1f");
			key_add(&key, p->name);
			key_add(&key, "\x1e");
			key_add(&key, sp.v[p->slot]);
		}
	ret = cached_answer(srv, c, key.s, &sp);
out:
	free(body);
	free(key.s);
	spec_free(&sp);
	return ret;
}

/* --- API: bodies --- */

/* The request body as a JSON object; on anything else reply 400 or 415
 * and return an invalid jv. */
static jv
body_object(struct MHD_Connection *c, const struct request *rq,
	    enum MHD_Result *ret)
{
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       "Content-Type");
	jv v;

	if (!type || strncasecmp(type, "application/json", 16) != 0 ||
	    (type[16] && type[16] != ';' && type[16] != ' ')) {
		*ret = reply_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				   "the body must be JSON "
				   "(Content-Type: application/json)");
		return jv_invalid();
	}
	if (!rq->len) {
		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "the body is empty; a JSON object was "
				   "expected");
		return jv_invalid();
	}
	v = jv_parse_sized(rq->body, (int)rq->len);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);

		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "the body is not valid JSON: %s",
				   jv_get_kind(msg) == JV_KIND_STRING
				   ? jv_string_value(msg) : "parse error");
		jv_free(msg);
		return jv_invalid();
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "the body must be a JSON object");
		return jv_invalid();
	}
	return v;
}

jv
serve_body_object(struct MHD_Connection *c, const char *body, size_t len,
		  enum MHD_Result *ret)
{
	struct request rq = { .body = (char *)body, .len = len };

	return body_object(c, &rq, ret);
}

/* Check that obj has only the members of names (a NULL-ended list);
 * reply 400 naming the first other one. */
int
only_members(struct MHD_Connection *c, jv obj, const char *const *names,
	     enum MHD_Result *ret)
{
	int ok = 1;

	jv_object_foreach(obj, key, val) {
		const char *const *n;

		jv_free(val);
		for (n = names; *n; n++)
			if (!strcmp(*n, jv_string_value(key)))
				break;
		if (!*n && ok) {
			*ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
					   "unknown member '%.40s'",
					   jv_string_value(key));
			ok = 0;
		}
		jv_free(key);
	}
	return ok ? 0 : -1;
}

/* A string member, NULL when absent; -1 (after a 400) when it is there
 * but not a string. */
int
member_string(struct MHD_Connection *c, jv obj, const char *name,
	      char **out, enum MHD_Result *ret)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(name));

	*out = NULL;
	if (jv_get_kind(v) == JV_KIND_STRING)
		*out = ft_xstrdup(jv_string_value(v));
	else if (jv_get_kind(v) != JV_KIND_INVALID &&
		 jv_get_kind(v) != JV_KIND_NULL) {
		jv_free(v);
		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "'%s' must be a string", name);
		return -1;
	}
	jv_free(v);
	return 0;
}

/* --- API: recognition --- */

static enum MHD_Result
reply_recognition(struct MHD_Connection *c)
{
	char err[512];
	jv rec;

	if (ft_supervise_status(&rec, err, sizeof err) != 0) {
		ft_warn("%s", err);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "cannot read the recognition status");
	}
	return reply_json(c, MHD_HTTP_OK, rec, NULL, NULL);
}

static void audit_setting(struct ft_server *srv, const char *field);
static int is_method(const char *method, const char *m);

static enum MHD_Result
api_recognition(struct ft_server *srv, struct MHD_Connection *c,
		const char *method, const struct request *rq)
{
	static const char *const names[] = {
		"action", "from", "to", "days", "at", NULL
	};
	char *action = NULL, *from = NULL, *to = NULL, *days = NULL;
	char *at = NULL, err[512];
	enum MHD_Result ret = MHD_NO;
	ft_window w;
	jv body;
	int rc = 0;

	if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		return reply_recognition(c);
	body = body_object(c, rq, &ret);
	if (!jv_is_valid(body))
		return ret;
	if (only_members(c, body, names, &ret) ||
	    member_string(c, body, "action", &action, &ret) ||
	    member_string(c, body, "from", &from, &ret) ||
	    member_string(c, body, "to", &to, &ret) ||
	    member_string(c, body, "days", &days, &ret) ||
	    member_string(c, body, "at", &at, &ret))
		goto out;
	err[0] = '\0';
	if (!action) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				  "'action' is missing (start, stop, restart, "
				  "schedule, unschedule or report)");
		goto out;
	}
	/* The route is an operator's; the schedule and the nightly
	 * report are settings, an admin's. */
	if (strcmp(action, "start") && strcmp(action, "stop") &&
	    strcmp(action, "restart") && tl_key &&
	    tl_key->role < FT_ROLE_ADMIN) {
		ret = reply_error(c, MHD_HTTP_FORBIDDEN, "the API key '%s' "
				  "may start and stop recognition; its "
				  "schedule needs the admin role",
				  tl_key->name);
		goto out;
	}
	if (!strcmp(action, "start")) {
		rc = ft_supervise_start(0, err, sizeof err);
	} else if (!strcmp(action, "stop")) {
		rc = ft_supervise_stop(err, sizeof err);
	} else if (!strcmp(action, "restart")) {
		rc = ft_supervise_stop(err, sizeof err);
		if (rc >= 0)
			rc = ft_supervise_start(0, err, sizeof err);
	} else if (!strcmp(action, "schedule")) {
		w.from = from ? ft_schedule_parse_time(from) : -1;
		w.to = to ? ft_schedule_parse_time(to) : -1;
		w.days = ft_schedule_parse_days(days ? days : "daily");
		if (w.from < 0 || w.to < 0 || w.from == w.to) {
			ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
					  "'from' and 'to' must be two "
					  "different times as HH:MM");
			goto out;
		}
		if (!w.days) {
			ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
					  "bad 'days': '%.40s' (like mon-sat "
					  "or mon,wed,fri)", days);
			goto out;
		}
		rc = ft_schedule_set_window(&w, err, sizeof err);
	} else if (!strcmp(action, "unschedule")) {
		rc = ft_schedule_clear(FT_SCHED_WINDOW, err, sizeof err);
	} else if (!strcmp(action, "report")) {
		int t = at ? ft_schedule_parse_time(at) : -2;

		if (t == -1) {
			ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
					  "'at' must be a time as HH:MM");
			goto out;
		}
		rc = t < 0 ? ft_schedule_clear(FT_SCHED_REPORT, err,
					       sizeof err)
			   : ft_schedule_set_report(t, err, sizeof err);
	} else {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				  "unknown action '%.40s'", action);
		goto out;
	}
	if (rc < 0) {
		ft_warn("%s", err);
		ret = reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "cannot %s recognition; the server's log "
				  "says why", action);
		goto out;
	}
	if (strcmp(action, "start") && strcmp(action, "stop") &&
	    strcmp(action, "restart"))
		audit_setting(srv, !strcmp(action, "report") ? "report"
			      : "window");
	ret = reply_recognition(c);
out:
	jv_free(body);
	free(action);
	free(from);
	free(to);
	free(days);
	free(at);
	return ret;
}

/* --- API: cameras --- */

/*
 * GET /api/cameras: the cameras in force (cameras.h), sources shown
 * without their passwords.  PUT {"cameras": [{"name", "source"}]}
 * replaces them (a null source keeps the one the camera has); DELETE
 * goes back to facetrack.conf's.  Both are an admin's and audited; a
 * running supervisor keeps its cameras until it is restarted.
 */
static enum MHD_Result
api_cameras(struct ft_server *srv, struct MHD_Connection *c,
	    const char *method, const struct request *rq)
{
	static const char *const names[] = { "cameras", NULL };
	enum MHD_Result ret = MHD_NO;
	char err[512];
	ft_cameras cams;
	jv body;
	int rc = FT_OK, change = !is_method(method, "GET") &&
				 !is_method(method, "HEAD");

	err[0] = '\0';
	if (is_method(method, "PUT")) {
		body = body_object(c, rq, &ret);
		if (!jv_is_valid(body))
			return ret;
		if (only_members(c, body, names, &ret)) {
			jv_free(body);
			return ret;
		}
		rc = ft_cameras_set(jv_object_get(body, jv_string("cameras")),
				    err, sizeof err);
	} else if (is_method(method, "DELETE")) {
		rc = ft_cameras_reset(err, sizeof err);
	}
	if (rc == FT_EINVAL)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "%s", err);
	if (rc == FT_OK && change)
		audit_setting(srv, "cameras");
	if (rc == FT_OK)
		rc = ft_cameras_load(&cams, err, sizeof err);
	if (rc != FT_OK) {
		ft_warn("%s", err);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot "
				   "%s the cameras; the server's log says why",
				   change ? "change" : "read");
	}
	ret = reply_json(c, MHD_HTTP_OK, ft_cameras_record(&cams), NULL,
			 NULL);
	ft_cameras_clear(&cams);
	return ret;
}

/* --- API: reports and chat --- */

/* The store of this thread for a request, or a 503 reply. */
ft_store *
request_store(struct ft_server *srv, struct MHD_Connection *c,
	      enum MHD_Result *ret)
{
	int rc = FT_OK;
	ft_store *s = thread_store(srv, &rc);

	if (!s)
		*ret = reply_error_h(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "Retry-After", "5",
				     "the store cannot be reached");
	return s;
}

/*
 * POST /api/reports {"from": DAY, "to": DAY, "email": true | "ADDRESS",
 * "summary": bool}: write the CSV as ft-report does and, when asked,
 * mail it (true: to ADMIN_EMAIL).  The CSV stays written when the mail
 * fails; the reply then says why with 503, as ft-report exits 75.
 */
/* The address a report request's "email" asks for (malloc'd; NULL:
 * none); -1 after replying 400. */
static int
report_address(struct MHD_Connection *c, jv body, char **addr,
	       enum MHD_Result *ret)
{
	jv v = jv_object_get(jv_copy(body), jv_string("email"));
	jv_kind kind = jv_get_kind(v);
	const char *admin;

	*addr = NULL;
	if (kind == JV_KIND_STRING && jv_string_length_bytes(jv_copy(v)) > 0) {
		*addr = ft_xstrdup(jv_string_value(v));
	} else if (kind == JV_KIND_TRUE) {
		admin = ft_config_get("ADMIN_EMAIL", NULL);
		if (!admin || !*admin) {
			jv_free(v);
			*ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
					   "no address: ADMIN_EMAIL is not "
					   "set on the server");
			return -1;
		}
		*addr = ft_xstrdup(admin);
	} else if (kind != JV_KIND_INVALID && kind != JV_KIND_NULL &&
		   kind != JV_KIND_FALSE) {
		jv_free(v);
		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "'email' must be true, false or an "
				   "address");
		return -1;
	}
	jv_free(v);
	return 0;
}

static enum MHD_Result
api_reports(struct ft_server *srv, struct MHD_Connection *c,
	    const struct request *rq)
{
	static const char *const names[] = { "from", "to", "email",
					     "summary", NULL };
	enum MHD_Result ret = MHD_NO;
	char *from = NULL, *to = NULL, *addr = NULL;
	char err[512], msg[768];
	int64_t now = ft_time_now();
	ft_report_opts o = { 0 };
	ft_report r = { 0 };
	ft_store *s;
	jv body = body_object(c, rq, &ret), v, out;
	int rc;

	if (!jv_is_valid(body))
		return ret;
	if (only_members(c, body, names, &ret) ||
	    member_string(c, body, "from", &from, &ret) ||
	    member_string(c, body, "to", &to, &ret))
		goto done;
	if (!from || !to) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				  "'from' and 'to' are required (days, "
				  "YYYY-MM-DD)");
		goto done;
	}
	if (report_address(c, body, &addr, &ret))
		goto done;
	v = jv_object_get(jv_copy(body), jv_string("summary"));
	o.summary = jv_get_kind(v) == JV_KIND_TRUE;
	if (jv_get_kind(v) != JV_KIND_INVALID && jv_get_kind(v) !=
	    JV_KIND_NULL && jv_get_kind(v) != JV_KIND_TRUE &&
	    jv_get_kind(v) != JV_KIND_FALSE) {
		jv_free(v);
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				  "'summary' must be true or false");
		goto done;
	}
	jv_free(v);
	if (ft_times_period_parse(from, to, now, &o.period, err,
				   sizeof err) != 0) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "%s", err);
		goto done;
	}
	if (o.period.days > REPORT_DAYS_MAX) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "the period is %d "
				  "days long; a report through the API covers "
				  "%d days at most (ft-report has no limit)",
				  o.period.days, REPORT_DAYS_MAX);
		goto done;
	}
	if (!(s = request_store(srv, c, &ret)))
		goto done;
	o.dir = ft_config_get("FT_REPORTS_DIR", "./reports");
	rc = ft_report_write(s, &o, now, &r, err, sizeof err);
	if (rc != FT_OK) {
		ft_warn("report %s to %s: %s", o.period.first, o.period.last,
			err);
		if (rc == FT_ETEMP)
			drop_thread_store(srv);
		ret = reply_error_h(c, rc == FT_ETEMP
				    ? MHD_HTTP_SERVICE_UNAVAILABLE
				    : MHD_HTTP_INTERNAL_SERVER_ERROR,
				    rc == FT_ETEMP ? "Retry-After" : NULL,
				    rc == FT_ETEMP ? "5" : NULL,
				    "the report could not be written");
		goto done;
	}
	out = jv_object();
	out = jv_object_set(out, jv_string("type"), jv_string("report"));
	out = jv_object_set(out, jv_string("from"),
			    jv_string(r.period.first));
	out = jv_object_set(out, jv_string("to"), jv_string(r.period.last));
	out = jv_object_set(out, jv_string("file"), jv_string(r.name));
	out = jv_object_set(out, jv_string("rows"), jv_number(r.rows));
	out = jv_object_set(out, jv_string("visits"),
			    jv_number(r.fig.visits));
	out = jv_object_set(out, jv_string("visitors"),
			    jv_number(r.fig.visitors));
	out = jv_object_set(out, jv_string("new_customers"),
			    jv_number(r.fig.new_customers));
	if (addr) {
		rc = ft_report_email(s, &r, addr, now, err, sizeof err);
		if (rc != FT_OK) {
			jv_free(out);
			ft_warn("report %s not mailed: %s", r.name, err);
			ret = reply_error_h(c, rc == FT_ETEMP
					    ? MHD_HTTP_SERVICE_UNAVAILABLE
					    : MHD_HTTP_BAD_REQUEST,
					    rc == FT_ETEMP ? "Retry-After"
					    : NULL, rc == FT_ETEMP ? "300"
					    : NULL,
					    "%s was written but not mailed: "
					    "%s", r.name, err);
			goto done;
		}
		snprintf(msg, sizeof msg, "Report %s (%lld visits) sent to "
			 "%s.", r.name, (long long)r.fig.visits, addr);
		out = jv_object_set(out, jv_string("emailed"),
				    jv_string(addr));
	} else {
		snprintf(msg, sizeof msg, "Report %s written (%lld visits).",
			 r.name, (long long)r.fig.visits);
		out = jv_object_set(out, jv_string("emailed"), jv_null());
	}
	out = jv_object_set(out, jv_string("message"), jv_string(msg));
	ret = reply_json(c, MHD_HTTP_OK, out, NULL, NULL);
done:
	ft_report_clear(&r);
	free(from);
	free(to);
	free(addr);
	jv_free(body);
	return ret;
}

/* What an answer of the chat engine collects for the reply. */
struct chat_reply {
	char *text;
	size_t len, cap;
	jv charts;
};

static void
chat_text(void *p, const char *s, size_t n)
{
	struct chat_reply *cr = p;

	if (cr->len + n + 1 > cr->cap) {
		cr->cap = (cr->len + n + 1) * 2;
		cr->text = ft_xrealloc(cr->text, cr->cap);
	}
	memcpy(cr->text + cr->len, s, n);
	cr->len += n;
	cr->text[cr->len] = '\0';
}

/* A chart the engine wrote: its PNG goes inline into the reply, so the
 * page needs no second, authenticated request for it. */
static void
chat_chart(void *p, const ft_chart *ch, const char *const *paths,
	   size_t npaths)
{
	struct chat_reply *cr = p;
	size_t i;

	for (i = 0; i < npaths; i++) {
		const char *dot = strrchr(paths[i], '.');
		int svg = dot && !strcmp(dot, ".svg");
		FILE *f = fopen(paths[i], "rb");
		char *data = NULL, *b64;
		size_t len = 0, cap = 0, n;
		jv o;

		if (!f) {
			ft_warn("%s: %s", paths[i], strerror(errno));
			continue;
		}
		do {
			if (len + 65536 > cap)
				data = ft_xrealloc(data, cap = len + 65536);
			n = fread(data + len, 1, cap - len, f);
			len += n;
		} while (n > 0 && len < (8u << 20));
		fclose(f);
		b64 = ft_base64_encode(data, len);
		free(data);
		o = jv_object_set(jv_object(), jv_string("title"),
				  jv_string(ch->title ? ch->title : "chart"));
		o = jv_object_set(o, jv_string("file"),
				  jv_string(strrchr(paths[i], '/')
					    ? strrchr(paths[i], '/') + 1
					    : paths[i]));
		o = jv_object_set(o, jv_string(svg ? "svg_base64" : "png"),
				  jv_string(b64));
		free(b64);
		cr->charts = jv_array_append(cr->charts, o);
	}
}

/*
 * POST /api/chat {"question": TEXT}: the answer of the engine ft-chat
 * uses (online with an API key, else offline), as {"answer", "charts",
 * "understood"}.  Each request has a fresh conversation.
 */
static enum MHD_Result
api_chat(struct ft_server *srv, struct MHD_Connection *c,
	 const struct request *rq)
{
	static const char *const names[] = { "question", NULL };
	enum MHD_Result ret = MHD_NO;
	struct chat_reply cr = { NULL, 0, 0, jv_array() };
	ft_chat_out out = { chat_text, chat_chart, NULL, NULL, &cr };
	ft_chat_opts o = { 0 };
	ft_chat *e;
	ft_store *s;
	char err[512];
	char *q = NULL;
	jv body = body_object(c, rq, &ret), rec;
	int rc;

	if (!jv_is_valid(body)) {
		jv_free(cr.charts);
		return ret;
	}
	if (only_members(c, body, names, &ret) ||
	    member_string(c, body, "question", &q, &ret))
		goto out;
	if (!q || !*q || strlen(q) > QUESTION_MAX) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				  "'question' must be a string of 1 to %d "
				  "bytes", QUESTION_MAX);
		goto out;
	}
	if (ft_chat_opts_configured(&o, err, sizeof err) != 0) {
		ft_warn("chat: %s", err);
		ret = reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "the chat is not configured correctly on "
				  "the server");
		goto out;
	}
	if (!(s = request_store(srv, c, &ret)))
		goto out;
	o.store = s;
	o.stream = 0;
	o.inline_charts = 1;
	e = ft_chat_new(&o);
	rc = ft_chat_ask(e, q, &out, err, sizeof err);
	ft_chat_free(e);
	if (rc == FT_CHAT_OK || rc == FT_CHAT_EUNKNOWN) {
		rec = jv_object_set(jv_object(), jv_string("type"),
				    jv_string("answer"));
		rec = jv_object_set(rec, jv_string("answer"),
				    jv_string(cr.text ? cr.text : ""));
		rec = jv_object_set(rec, jv_string("charts"), cr.charts);
		cr.charts = jv_invalid();
		rec = jv_object_set(rec, jv_string("understood"),
				    jv_bool(rc == FT_CHAT_OK));
		ret = reply_json(c, MHD_HTTP_OK, rec, NULL, NULL);
	} else {
		ft_warn("chat: %s", err);
		if (rc == FT_CHAT_ETEMP)
			drop_thread_store(srv);
		ret = reply_error_h(c, rc == FT_CHAT_ETEMP
				    ? MHD_HTTP_SERVICE_UNAVAILABLE
				    : MHD_HTTP_BAD_GATEWAY,
				    rc == FT_CHAT_ETEMP ? "Retry-After"
				    : NULL, rc == FT_CHAT_ETEMP ? "30"
				    : NULL, "%s", err);
	}
out:
	free(cr.text);
	jv_free(cr.charts);
	free(q);
	jv_free(body);
	return ret;
}

/* --- routing --- */

/* --- API: one customer's edits and export --- */

#define EXPORT_MAX	(32u << 20)	/* largest export the API gives */

/* Reply to a failed store call on a customer route. */
enum MHD_Result
reply_store_error(struct ft_server *srv, struct MHD_Connection *c,
		  ft_store *s, int rc)
{
	if (rc == FT_ENOTFOUND || rc == FT_EINVAL)
		return reply_error(c, rc == FT_EINVAL ? MHD_HTTP_BAD_REQUEST
				   : MHD_HTTP_NOT_FOUND, "%s",
				   ft_store_errmsg(s));
	ft_warn("%s", ft_store_errmsg(s));
	if (rc == FT_ETEMP) {
		drop_thread_store(srv);
		return reply_error_h(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "Retry-After", "5",
				     "the store cannot be reached");
	}
	return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			   "the store failed; the server's log says why");
}

/* Set the FT_FIELD_* field i of cu from the member of body: absent
 * leaves it, null or "" clears it (not the name), a string of at most
 * max bytes sets it; -1 after a 400 for anything else. */
static int
edit_text(struct MHD_Connection *c, jv body, int i, ft_customer *cu,
	  unsigned *fields, enum MHD_Result *ret)
{
	static const char *const names[] = { "name", "email", "notes" };
	static const size_t max[] = { 200, 254, 2000 };
	char **dst[] = { &cu->name, &cu->email, &cu->notes };
	jv v = jv_object_get(jv_copy(body), jv_string(names[i]));
	jv_kind k = jv_get_kind(v);

	if (k == JV_KIND_INVALID)
		return 0;
	if ((k == JV_KIND_STRING && strlen(jv_string_value(v)) <= max[i] &&
	     (i > 0 || *jv_string_value(v))) || (k == JV_KIND_NULL && i > 0)) {
		free(*dst[i]);
		*dst[i] = k == JV_KIND_STRING && *jv_string_value(v)
			  ? ft_xstrdup(jv_string_value(v)) : NULL;
		*fields |= 1u << i;	/* FT_FIELD_NAME, _EMAIL, _NOTES */
		jv_free(v);
		return 0;
	}
	jv_free(v);
	*ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "'%s' must be %s of at "
			   "most %zu bytes", names[i], i ? "null or a string"
			   : "a non-empty string", max[i]);
	return -1;
}

/* PATCH /api/customers/ID {"name","email","notes","consent"}: change the
 * members given, as ft-enroll update does; the reply is the customer. */
static enum MHD_Result
api_customer_edit(struct ft_server *srv, struct MHD_Connection *c,
		  const char *id, const struct request *rq)
{
	static const char *const names[] = { "name", "email", "notes",
					     "consent", NULL };
	enum MHD_Result ret = MHD_NO;
	ft_customer cu = { 0 };
	unsigned fields = 0;
	jv body = body_object(c, rq, &ret), v;
	ft_store *s;
	int i, rc;

	if (!jv_is_valid(body))
		return ret;
	if (only_members(c, body, names, &ret) ||
	    !(s = request_store(srv, c, &ret)))
		goto out;
	if ((rc = ft_store_customer_get(s, id, &cu)) != FT_OK) {
		ret = reply_store_error(srv, c, s, rc);
		goto out;
	}
	for (i = 0; i < 3; i++)
		if (edit_text(c, body, i, &cu, &fields, &ret))
			goto out;
	v = jv_object_get(jv_copy(body), jv_string("consent"));
	if (jv_get_kind(v) == JV_KIND_TRUE ||
	    jv_get_kind(v) == JV_KIND_FALSE) {
		cu.consent = jv_get_kind(v) == JV_KIND_TRUE;
		fields |= FT_FIELD_CONSENT;
	} else if (jv_get_kind(v) != JV_KIND_INVALID) {
		jv_free(v);
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST,
				  "'consent' must be true or false");
		goto out;
	}
	jv_free(v);
	if (!fields) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "nothing to change "
				  "(name, email, notes or consent)");
		goto out;
	}
	if ((rc = ft_store_begin(s)) == FT_OK) {
		rc = ft_store_customer_update(s, &cu, fields);
		rc = rc == FT_OK ? ft_store_commit(s) : (ft_store_rollback(s),
							 rc);
	}
	ft_customer_clear(&cu);
	if (rc == FT_OK)
		rc = ft_store_customer_get(s, id, &cu);
	ret = rc == FT_OK ? reply_json(c, MHD_HTTP_OK,
				       ft_record_customer(&cu), NULL, NULL)
			  : reply_store_error(srv, c, s, rc);
out:
	ft_customer_clear(&cu);
	jv_free(body);
	return ret;
}

/* Audit a change of the settings (the schedule's window, the nightly
 * report, the cameras).  The change is made by then: a failure is
 * logged. */
static void
audit_setting(struct ft_server *srv, const char *field)
{
	int rc = FT_OK;
	ft_store *s = thread_store(srv, &rc);

	if (s && (rc = ft_store_audit(s, "settings", NULL, field, NULL)))
		ft_warn("cannot audit a settings change: %s",
			ft_store_errmsg(s));
	if (rc == FT_ETEMP && s)
		drop_thread_store(srv);
}

struct export_buf {
	char *p;
	size_t len, cap;
	int too_big;
};

static int
export_put(void *ctx, const char *buf, size_t len)
{
	struct export_buf *b = ctx;

	if (b->len + len > EXPORT_MAX) {
		b->too_big = 1;
		return 1;
	}
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 < EXPORT_MAX ? (b->len + len) * 2
			 : EXPORT_MAX;
		b->p = ft_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, buf, len);
	b->len += len;
	return 0;
}

/* GET /api/customers/ID/export: ft-query export as a download.  The
 * document is built in memory, so it is capped at EXPORT_MAX; a larger
 * one is refused with a pointer to ft-query export, which streams. */
static enum MHD_Result
api_export(struct ft_server *srv, struct MHD_Connection *c, const char *id)
{
	struct export_buf b = { 0 };
	char disp[96];
	enum MHD_Result ret = MHD_NO;
	ft_store *s = request_store(srv, c, &ret);
	int rc;

	if (!s)
		return ret;
	rc = ft_query_export(s, id, export_put, &b);
	if (b.too_big)
		ret = reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
				  "the export is larger than %u MiB; run "
				  "'ft-query export %.40s' on the store's "
				  "machine instead", EXPORT_MAX >> 20, id);
	else if (rc != FT_OK)
		ret = reply_store_error(srv, c, s, rc);
	else {
		snprintf(disp, sizeof disp, "attachment; filename=\"facetrack-"
			 "export-%.36s.json\"", id);
		ret = reply_bytes(c, MHD_HTTP_OK, json_type, b.p, b.len,
				  "Content-Disposition", disp);
	}
	free(b.p);
	return ret;
}

/* The ID of /api/customers/ID/export, copied into buf; else NULL. */
static const char *
export_id(const char *url, char *buf, size_t len)
{
	const char *id = url + 15, *end;

	if (strncmp(url, "/api/customers/", 15) ||
	    !(end = strchr(id, '/')) || strcmp(end, "/export") ||
	    end == id || (size_t)(end - id) >= len)
		return NULL;
	memcpy(buf, id, (size_t)(end - id));
	buf[end - id] = '\0';
	return buf;
}

/* The key, from "Authorization: Bearer KEY" or "X-API-Key: KEY";
 * NULL when neither is sent. */
static const char *
given_key(struct MHD_Connection *c)
{
	const char *v;

	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (v && !strncasecmp(v, "Bearer ", 7)) {
		v += 7;
		while (*v == ' ')
			v++;
		return v;
	}
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-API-Key");
}

/* What follows prefix in url when it is one non-empty path segment;
 * else NULL. */
static const char *
last_segment(const char *url, const char *prefix)
{
	const char *p;

	while (*prefix)
		if (*url++ != *prefix++)
			return NULL;
	for (p = url; *p; p++)
		if (*p == '/')
			return NULL;
	return p > url ? url : NULL;
}

static int
is_method(const char *method, const char *m)
{
	return !strcmp(method, m);
}

enum MHD_Result
not_allowed(struct MHD_Connection *c, const char *allow)
{
	return reply_error_h(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Allow", allow,
			     "method not allowed (allowed: %s)", allow);
}

/* Whether op's argument is also one of its query-string parameters
 * (faces: ?customer=ID), so that /api/NAME reaches it. */
static int
arg_param(const ft_query_op *op)
{
	const ft_query_param *p;

	for (p = op->params; p->name; p++)
		if ((int)p->slot == op->arg &&
		    ft_query_param_find(op, FT_QUERY_HTTP, p->name))
			return 1;
	return 0;
}

/*
 * Take one of the max_busy places for a report or a chat question, which
 * may take seconds of a request thread: the threads left over keep
 * answering figures and files.  0 when all are taken.
 */
static int
busy_enter(struct ft_server *srv)
{
	if (atomic_fetch_add(&srv->busy, 1) < (int)srv->cfg.max_busy)
		return 1;
	atomic_fetch_sub(&srv->busy, 1);
	return 0;
}

/*
 * The role a request needs, by its method and route alone, so that
 * every route is covered, those added later included: reads are a
 * viewer's (questions to the chat and searches too, though POSTed),
 * recognition control and reports an operator's, and every other change
 * and the export of a customer's data an admin's.
 */
static enum ft_role
route_role(const char *method, const char *url)
{
	char id[FT_UUID_LEN + 1];

	if (is_method(method, "GET") || is_method(method, "HEAD"))
		return export_id(url, id, sizeof id) ? FT_ROLE_ADMIN
						     : FT_ROLE_VIEWER;
	if (is_method(method, "POST")) {
		if (!strcmp(url, "/api/chat") || !strcmp(url, "/api/search"))
			return FT_ROLE_VIEWER;
		if (!strcmp(url, "/api/recognition") ||
		    !strcmp(url, "/api/reports"))
			return FT_ROLE_OPERATOR;
	}
	return FT_ROLE_ADMIN;
}

/* The client's address as text, for the log and the count of its
 * failures. */
static void
client_address(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(buf, len, "unknown");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  buf, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)len);
}

/*
 * The key of the request, or NULL after replying: 429 to an address
 * refused for its failures, 401 without a key or with a wrong one (the
 * failure is logged with the address and the time, never the key), 403
 * when the key's role is short of the route's.
 */
static const ft_apikey *
authorize(struct ft_server *srv, struct MHD_Connection *c, const char *url,
	  const char *method, enum MHD_Result *ret)
{
	const char *given = given_key(c);
	const ft_apikey *k;
	char addr[64], when[FT_TIME_BUFSZ], wait_s[16];
	int64_t now = ft_time_mono();
	enum ft_role need;
	unsigned wait, n;

	client_address(c, addr, sizeof addr);
	if ((wait = ft_authfail_wait(srv->fails, addr, now))) {
		snprintf(wait_s, sizeof wait_s, "%u", wait);
		*ret = reply_error_h(c, MHD_HTTP_TOO_MANY_REQUESTS,
				     "Retry-After", wait_s, "too many wrong "
				     "API keys from this address; try again "
				     "in %u seconds", wait);
		return NULL;
	}
	if (!given || !*given) {
		*ret = reply_error_h(c, MHD_HTTP_UNAUTHORIZED,
				     "WWW-Authenticate",
				     "Bearer realm=\"facetrack\"",
				     "missing API key: send it as "
				     "'Authorization: Bearer KEY' or "
				     "'X-API-Key: KEY'");
		return NULL;
	}
	if (!(k = ft_apikeys_find(srv->keys, given))) {
		n = ft_authfail_note(srv->fails, addr, now);
		ft_warn("wrong API key from %s at %s (%u in a row)", addr,
			ft_time_format(ft_time_now(), when), n);
		*ret = reply_error_h(c, MHD_HTTP_UNAUTHORIZED,
				     "WWW-Authenticate",
				     "Bearer realm=\"facetrack\", "
				     "error=\"invalid_token\"",
				     "wrong API key");
		return NULL;
	}
	ft_authfail_clear(srv->fails, addr);
	if (k->role < (need = route_role(method, url))) {
		*ret = reply_error(c, MHD_HTTP_FORBIDDEN, "the API key '%s' "
				   "is a%s %s's; this needs the %s role",
				   k->name, k->role == FT_ROLE_OPERATOR ? "n"
				   : "", ft_role_name(k->role),
				   ft_role_name(need));
		return NULL;
	}
	return k;
}

/* GET /api/whoami: the key's name and role, for the dashboard to show
 * only what the key may do. */
static enum MHD_Result
api_whoami(struct MHD_Connection *c, const ft_apikey *k)
{
	jv o = jv_object_set(jv_object(), jv_string("type"),
			     jv_string("whoami"));

	o = jv_object_set(o, jv_string("name"), jv_string(k->name));
	o = jv_object_set(o, jv_string("role"),
			  jv_string(ft_role_name(k->role)));
	return reply_json(c, MHD_HTTP_OK, o, NULL, NULL);
}

static enum MHD_Result
api(struct ft_server *srv, struct MHD_Connection *c, const char *url,
    const char *method, struct request *rq)
{
	const ft_query_op *op = NULL;
	int get = is_method(method, "GET") || is_method(method, "HEAD");
	const char *id;
	char idbuf[FT_UUID_LEN + 1];
	enum MHD_Result ret;
	int handled = 0;

	if (!(tl_key = authorize(srv, c, url, method, &ret)))
		return ret;
	if (atomic_load(&srv->moved))
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the "
				   "store's file was removed or replaced "
				   "while the server ran; restart ft-serve");
	if (!strcmp(url, "/api/whoami"))
		return get ? api_whoami(c, tl_key) : not_allowed(c, "GET");

	/* Corrections, samples and review (serve_review.c). */
	ret = serve_review_route(srv, c, url, method, rq->body, rq->len,
				 &handled);
	if (handled)
		return ret;

	/* One customer's edits and export. */
	if (is_method(method, "PATCH") &&
	    (id = last_segment(url, "/api/customers/")))
		return api_customer_edit(srv, c, id, rq);
	if ((id = export_id(url, idbuf, sizeof idbuf)))
		return get ? api_export(srv, c, id) : not_allowed(c, "GET");

	/* /api/NAME of an operation, and /api/customers/ID. */
	if (!strncmp(url, "/api/", 5))
		op = ft_query_op_find(FT_QUERY_HTTP, url + 5);
	if (op && op->arg >= 0 && !arg_param(op))
		op = NULL;
	if (!op && (id = last_segment(url, "/api/customers/")))
		op = ft_query_op_find(FT_QUERY_HTTP, "customer");
	else
		id = NULL;
	if (op) {
		if (!get)
			return not_allowed(c, "GET, HEAD");
		return api_read(srv, c, op, url, id);
	}
	if (!strcmp(url, "/api/events")) {
		if (!get)
			return not_allowed(c, "GET");
		return open_stream(srv, c, rq);
	}
	if (!strcmp(url, "/api/recognition")) {
		if (!get && !is_method(method, "POST"))
			return not_allowed(c, "GET, HEAD, POST");
		return api_recognition(srv, c, method, rq);
	}
	if (!strcmp(url, "/api/cameras")) {
		if (!get && !is_method(method, "PUT") &&
		    !is_method(method, "DELETE"))
			return not_allowed(c, "GET, HEAD, PUT, DELETE");
		return api_cameras(srv, c, method, rq);
	}
	if (!strcmp(url, "/api/reports") || !strcmp(url, "/api/chat")) {
		if (!is_method(method, "POST"))
			return not_allowed(c, "POST");
		if (!busy_enter(srv))
			return reply_error_h(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					     "Retry-After", "5", "the server "
					     "is busy with other reports and "
					     "questions; try again shortly");
		ret = url[5] == 'r' ? api_reports(srv, c, rq)
				    : api_chat(srv, c, rq);
		atomic_fetch_sub(&srv->busy, 1);
		return ret;
	}
	return reply_error(c, MHD_HTTP_NOT_FOUND, "no such route");
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
	   const char *method, const char *version, const char *upload,
	   size_t *upload_size, void **con_cls)
{
	struct ft_server *srv = cls;
	struct request *rq = *con_cls;
	size_t max = serve_body_max(url, BODY_MAX);

	(void)version;
	if (!rq) {
		const char *len;
		long long n;

		rq = ft_xcalloc(1, sizeof *rq);
		*con_cls = rq;
		atomic_fetch_add(&srv->active, 1);
		/* A body announced too large is refused before it is
		 * read; the connection is then closed. */
		len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						  "Content-Length");
		if (len && (ft_parse_int(len, 0, INT64_MAX, &n) != 0 ||
			    (size_t)n > max))
			return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
					   "the body is larger than %zu bytes",
					   max);
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_big && rq->len + *upload_size > max) {
			rq->too_big = 1;
			free(rq->body);
			rq->body = NULL;
		}
		if (!rq->too_big) {
			rq->body = ft_xrealloc(rq->body,
					       rq->len + *upload_size + 1);
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
				   "the body is larger than %zu bytes", max);
	if (!strncmp(url, "/api", 4) && (url[4] == '/' || url[4] == '\0'))
		return api(srv, c, url, method, rq);
	if (!is_method(method, "GET") && !is_method(method, "HEAD"))
		return not_allowed(c, "GET, HEAD");
	return serve_file(srv, c, url);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
	     enum MHD_RequestTerminationCode why)
{
	struct ft_server *srv = cls;
	struct request *rq = *con_cls;

	(void)c;
	(void)why;
	if (!rq)
		return;
	if (rq->stream) {
		/* A stream ends only while it runs, never while it waits
		 * suspended, so it is on no list of the hub's. */
		atomic_fetch_sub(&srv->hub.streams, 1);
		free(rq->stream);
	}
	free(rq->body);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->active, 1);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	if (n)
		msg[0] = (char)tolower((unsigned char)msg[0]);
	ft_warn("%s", msg);
}

/* --- start and stop --- */

static int
bind_listen(const char *spec, char *addr, size_t addrlen, char *err,
	    size_t errlen)
{
	char host[256], port[16];
	const char *colon;
	struct addrinfo hints = { 0 }, *ai, *a;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char hbuf[INET6_ADDRSTRLEN];
	int fd = -1, one = 1, rc, e = 0;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':' || (size_t)(end - spec) > sizeof host)
			goto bad;
		snprintf(host, sizeof host, "%.*s", (int)(end - spec - 1),
			 spec + 1);
		colon = end + 1;
	} else if ((colon = strrchr(spec, ':'))) {
		if ((size_t)(colon - spec) >= sizeof host)
			goto bad;
		snprintf(host, sizeof host, "%.*s", (int)(colon - spec),
			 spec);
	} else {
		snprintf(host, sizeof host, "127.0.0.1");
		colon = spec - 1;
	}
	if (strlen(colon + 1) >= sizeof port || !colon[1])
		goto bad;
	snprintf(port, sizeof port, "%s", colon + 1);
	{
		long long p;

		if (ft_parse_int(port, 0, 65535, &p) != 0)
			goto bad;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai))) {
		snprintf(err, errlen, "cannot listen on '%s': %s", spec,
			 gai_strerror(rc));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 &&
		    listen(fd, 1024) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on '%s': %s", spec,
			 strerror(e));
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, hbuf, sizeof hbuf);
		snprintf(addr, addrlen, "[%s]:%u", hbuf,
			 ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, hbuf, sizeof hbuf);
		snprintf(addr, addrlen, "%s:%u", hbuf, ntohs(s4->sin_port));
	}
	return fd;
bad:
	snprintf(err, errlen, "bad listen address '%s' (HOST:PORT, "
		 "[ADDR]:PORT or PORT)", spec);
	return -1;
}

static void
free_server(struct ft_server *srv)
{
	size_t i;

	for (i = 0; i < srv->hub.count; i++)
		free(srv->hub.ring[(srv->hub.head + i) % RING_SIZE].text);
	if (srv->hub.store)
		ft_store_close(srv->hub.store);
	for (i = 0; i < srv->nstores; i++)
		ft_store_close(srv->stores[i]);
	free(srv->stores);
	cache_clear_locked(srv);
	pthread_mutex_destroy(&srv->hub.mu);
	pthread_cond_destroy(&srv->hub.wake);
	pthread_mutex_destroy(&srv->stores_mu);
	pthread_mutex_destroy(&srv->cache_mu);
	pthread_cond_destroy(&srv->cache_done);
	pthread_cond_destroy(&srv->work);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	free(srv->db_url);
	free(srv->web_dir);
	ft_apikeys_free(srv->keys);
	ft_authfail_free(srv->fails);
	serve_review_free(srv->review);
	free(srv);
}

struct serve_review *
serve_review_of(struct ft_server *srv)
{
	return srv->review;
}

int
ft_serve_start(const ft_serve_config *cfg, ft_server **out, char *err,
	       size_t errlen)
{
	struct ft_server *srv;
	unsigned flags;
	int rc;

	*out = NULL;
	srv = ft_xcalloc(1, sizeof *srv);
	if (ft_apikeys_load(cfg->keys_file, cfg->api_key, &srv->keys, err,
			    errlen) != FT_OK) {
		free(srv);
		return FT_EXIT_FAIL;
	}
	srv->fails = ft_authfail_new();
	srv->review = serve_review_new();
	srv->listen_fd = -1;
	srv->cfg = *cfg;
	if (!srv->cfg.threads)
		srv->cfg.threads = 4;
	if (!srv->cfg.poll_ms)
		srv->cfg.poll_ms = 100;
	if (!srv->cfg.max_clients)
		srv->cfg.max_clients = 2000;
	if (!srv->cfg.max_streams)
		srv->cfg.max_streams = srv->cfg.max_clients;
	if (!srv->cfg.idle_s)
		srv->cfg.idle_s = 10;
	if (!srv->cfg.max_busy)
		srv->cfg.max_busy = srv->cfg.threads > 1
				    ? srv->cfg.threads / 2 : 1;
	srv->serial = atomic_fetch_add(&server_serial, 1) + 1;
	pthread_mutex_init(&srv->hub.mu, NULL);
	pthread_cond_init(&srv->hub.wake, NULL);
	pthread_mutex_init(&srv->stores_mu, NULL);
	pthread_mutex_init(&srv->cache_mu, NULL);
	pthread_cond_init(&srv->cache_done, NULL);
	pthread_cond_init(&srv->work, NULL);
	srv->db_url = ft_xstrdup(cfg->db_url);
	srv->web_dir = realpath(cfg->web_dir, NULL);
	if (!srv->web_dir) {
		snprintf(err, errlen, "cannot use web directory '%s': %s",
			 cfg->web_dir, strerror(errno));
		free_server(srv);
		return FT_EXIT_FAIL;
	}
	srv->web_len = strlen(srv->web_dir);

	/* The store is opened now so that a wrong URL or a server that is
	 * down is reported at start, not on the first request. */
	rc = ft_store_open(srv->db_url, &srv->hub.store, err, errlen);
	if (rc != FT_OK) {
		free_server(srv);
		return ft_store_exit_status(rc);
	}
	if ((rc = newest_event(srv->hub.store, &srv->hub.last_id))
	    != FT_OK) {
		snprintf(err, errlen, "cannot read events: %s",
			 ft_store_errmsg(srv->hub.store));
		free_server(srv);
		return ft_store_exit_status(rc);
	}

	srv->listen_fd = bind_listen(cfg->listen ? cfg->listen
				     : "127.0.0.1:8080", srv->address,
				     sizeof srv->address, err, errlen);
	if (srv->listen_fd < 0) {
		free_server(srv);
		return FT_EXIT_FAIL;
	}

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
		MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	srv->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, srv->cfg.threads,
		MHD_OPTION_CONNECTION_LIMIT, srv->cfg.max_clients,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->cfg.max_per_addr,
		MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.idle_s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_END);
	if (!srv->d) {
		snprintf(err, errlen, "cannot start the HTTP server on '%s'",
			 srv->address);
		free_server(srv);
		return FT_EXIT_FAIL;
	}
	if (pthread_create(&srv->hub.thread, NULL, hub_main, srv) != 0) {
		snprintf(err, errlen, "cannot start a thread: %s",
			 strerror(errno));
		MHD_stop_daemon(srv->d);
		free_server(srv);
		return FT_EXIT_FAIL;
	}
	srv->hub.started = 1;
	while (srv->cfg.cache_ms && srv->nworkers < WORKERS &&
	       pthread_create(&srv->workers[srv->nworkers], NULL,
			      worker_main, srv) == 0)
		srv->nworkers++;
	*out = srv;
	return 0;
}

const char *
ft_serve_address(const ft_server *s)
{
	return s->address;
}

void
ft_serve_stop(ft_server *srv)
{
	int64_t deadline;
	int fd;

	pthread_mutex_lock(&srv->hub.mu);
	srv->hub.closing = 1;
	wake_streams(&srv->hub);
	pthread_cond_signal(&srv->hub.wake);
	pthread_mutex_unlock(&srv->hub.mu);
	if (srv->hub.started)
		pthread_join(srv->hub.thread, NULL);

	/* No new connections; streams and requests in hand finish. */
	fd = MHD_quiesce_daemon(srv->d);
	deadline = ft_time_mono() + 2000;
	while (atomic_load(&srv->active) > 0 && ft_time_mono() < deadline)
		usleep(10000);
	MHD_stop_daemon(srv->d);
	pthread_mutex_lock(&srv->cache_mu);
	srv->cache_closing = 1;
	pthread_cond_broadcast(&srv->work);
	pthread_mutex_unlock(&srv->cache_mu);
	while (srv->nworkers > 0)
		pthread_join(srv->workers[--srv->nworkers], NULL);
	/* The listening socket is ours again after quiescing, else
	 * MHD_stop_daemon closed it. */
	if (fd >= 0)
		close(fd);
	srv->listen_fd = -1;
	free_server(srv);
}
