/*
 * serve_priv.h — what lib/serve.c shares with the other files of the
 * server (lib/serve_review.c): replies, request bodies and the request
 * thread's store.  Not for programs: they use serve.h.
 *
 * Every reply_* function queues the answer on c and returns what
 * libmicrohttpd's handler should return; a handler that has replied
 * returns that value at once.
 */
#ifndef FT_SERVE_PRIV_H
#define FT_SERVE_PRIV_H

#include <stddef.h>

#include <jv.h>
#include <microhttpd.h>

#include "store.h"

struct ft_server;

/* "application/json; charset=utf-8" */
extern const char json_type[];

/* Reply with len bytes of body (copied) of type, with one more header
 * when hname is not NULL. */
enum MHD_Result reply_bytes(struct MHD_Connection *c, unsigned status,
			    const char *type, const char *body, size_t len,
			    const char *hname, const char *hvalue);
/* Reply with v (consumed) as JSON. */
enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, jv v,
			   const char *hname, const char *hvalue);
/* Reply with an "error" record of status and the message. */
enum MHD_Result reply_error_h(struct MHD_Connection *c, unsigned status,
			      const char *hname, const char *hvalue,
			      const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
#define reply_error(c, status, ...) \
	reply_error_h((c), (status), NULL, NULL, __VA_ARGS__)
/* 405 with the methods allowed ("GET, HEAD"). */
enum MHD_Result not_allowed(struct MHD_Connection *c, const char *allow);

/* This thread's store for a request, or NULL after a 503 reply. */
ft_store *request_store(struct ft_server *srv, struct MHD_Connection *c,
			enum MHD_Result *ret);
/* Reply to a failed call rc on s: 404 (FT_ENOTFOUND), 400 (FT_EINVAL)
 * with the store's message; 503 (FT_ETEMP, the store dropped); else 500
 * with the message logged. */
enum MHD_Result reply_store_error(struct ft_server *srv,
				  struct MHD_Connection *c, ft_store *s,
				  int rc);
/* Forget this thread's store after it reported the server gone. */
void drop_thread_store(struct ft_server *srv);

/* The request body (len bytes) as a JSON object (the caller's); on
 * anything else a 400 or 415 reply and an invalid jv. */
jv serve_body_object(struct MHD_Connection *c, const char *body,
		     size_t len, enum MHD_Result *ret);
/* 0 when obj has only the members of names (NULL-ended); else -1 after
 * a 400 naming the first other one. */
int only_members(struct MHD_Connection *c, jv obj, const char *const *names,
		 enum MHD_Result *ret);
/* A string member into *out (malloc'd; NULL when absent or null); -1
 * after a 400 when it is something else. */
int member_string(struct MHD_Connection *c, jv obj, const char *name,
		  char **out, enum MHD_Result *ret);

/* --- serve_review.c: customers, samples and review --- */

/* The state of the review routes of one server: the face models and
 * the search object, made on first use.  new never fails. */
struct serve_review *serve_review_new(void);
void serve_review_free(struct serve_review *r);
/* Of srv (serve.c). */
struct serve_review *serve_review_of(struct ft_server *srv);

/* The largest request body taken for url (bytes): a photo for
 * /api/search, else dflt. */
size_t serve_body_max(const char *url, size_t dflt);

/*
 * Answer the routes of customers' corrections, samples and review when
 * url is one of them: sets *handled and returns the reply's result;
 * else leaves *handled 0 and returns MHD_NO.  The key is checked by
 * then.  body (len bytes, maybe NULL) is the request's.
 */
enum MHD_Result serve_review_route(struct ft_server *srv,
				   struct MHD_Connection *c,
				   const char *url, const char *method,
				   const char *body, size_t len,
				   int *handled);

#endif
