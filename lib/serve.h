/*
 * serve — the dashboard's HTTP server on libmicrohttpd: static files of
 * the web directory, the JSON API over query.h and schedule.h, and
 * server-sent events that follow the store's events table.
 *
 * Requests run on a pool of threads, each with its own store connection
 * (a store is not shared between threads).  One more thread polls the
 * events table and hands new events to every open event stream; the
 * streams wait suspended, so an idle client costs a connection and a few
 * few kilobytes, not a thread.  Answers of figures are cached and renewed
 * in the background when events arrive or cache_ms has passed.
 */
#ifndef FT_SERVE_H
#define FT_SERVE_H

#include <stddef.h>

typedef struct ft_serve_config {
	const char *listen;	/* "HOST:PORT", "[V6ADDR]:PORT" or "PORT" */
	const char *db_url;	/* the store */
	const char *web_dir;	/* the dashboard's files */
	const char *api_key;	/* API_KEY_SECRET: the admin key "admin" */
	const char *keys_file;	/* API_KEYS_FILE: named keys with roles */
	unsigned threads;	/* request threads */
	unsigned max_clients;	/* open connections at most */
	unsigned max_streams;	/* open event streams at most */
	unsigned max_per_addr;	/* open connections of one client address
				 * at most; 0: no limit of its own */
	unsigned idle_s;	/* seconds a connection may stay silent
				 * before its request is whole (and between
				 * requests); 0: the default, 10 */
	unsigned max_busy;	/* reports and chat questions answered at
				 * once; 0: half the threads, at least 1 */
	unsigned cache_ms;	/* an answer is fresh this long; 0: no cache */
	unsigned poll_ms;	/* how often the events table is read */
} ft_serve_config;

typedef struct ft_server ft_server;

/*
 * Open the store, read the API keys (see apikey.h; api_key or keys_file
 * must give one), bind the address and start serving.  The strings of
 * cfg are copied.  Returns 0 with *out set, or an exit status (75 when
 * the store is unreachable, 1 otherwise) with a message in err.
 */
int ft_serve_start(const ft_serve_config *cfg, ft_server **out, char *err,
		   size_t errlen);

/* The address bound, as "127.0.0.1:8080" or "[::1]:8080". */
const char *ft_serve_address(const ft_server *s);

/*
 * End every event stream (each gets the end of its chunked response),
 * stop accepting, let requests in hand finish for up to two seconds, then
 * stop and free s.  Blocks until done.
 */
void ft_serve_stop(ft_server *s);

#endif
