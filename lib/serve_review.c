/*
 * serve_review — the dashboard's routes for correcting recognition's
 * mistakes: forget and merge customers, look at and remove their face
 * samples, split samples off into another customer, delete a wrong
 * visit, review suggested duplicates and search customers by photo.
 *
 * Each write goes through the store's own function, the one ft-enroll
 * calls, so it is audited in its transaction (the actor is the thread's
 * store's) and leaves the same events on the feed; the hub of serve.c
 * then renews the cached answers and tells the open pages.
 *
 * Errors: an id that names nothing is 404, a request that cannot be
 * right (merging a customer into itself) is 400, one the store's state
 * refuses (splitting every sample away) is 409; nothing is changed then.
 */
#include "serve_priv.h"

#include "record.h"
#include "store.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct serve_review {
	pthread_mutex_t mu;	/* guards what follows */
};

struct serve_review *
serve_review_new(void)
{
	struct serve_review *r = ft_xcalloc(1, sizeof *r);

	pthread_mutex_init(&r->mu, NULL);
	return r;
}

void
serve_review_free(struct serve_review *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r);
}

#define PHOTO_MAX	(16u << 20)	/* largest photo POST /api/search takes */

size_t
serve_body_max(const char *url, size_t dflt)
{
	return strcmp(url, "/api/search") ? dflt : PHOTO_MAX;
}

/* --- paths --- */

/* The segment between prefix and suffix of url ("" suffix: the end),
 * copied into buf of len; NULL when url is not of that shape or the
 * segment is empty, holds a '/' or does not fit. */
static const char *
path_segment(const char *url, const char *prefix, const char *suffix,
	     char *buf, size_t len)
{
	size_t np = strlen(prefix), ns = strlen(suffix), n;
	const char *seg = url + np;

	if (strncmp(url, prefix, np))
		return NULL;
	n = strcspn(seg, "/");
	if (!n || n >= len || strcmp(seg + n, suffix) ||
	    (!ns && seg[n]))
		return NULL;
	memcpy(buf, seg, n);
	buf[n] = '\0';
	return buf;
}

/* The customer called id (a uuid or a unique prefix) into *cu; else a
 * reply (404 and so on) in *ret and -1. */
static int
find_customer(struct ft_server *srv, struct MHD_Connection *c, ft_store *s,
	      const char *id, ft_customer *cu, enum MHD_Result *ret)
{
	int rc = ft_store_customer_get(s, id, cu);

	if (rc == FT_OK)
		return 0;
	*ret = reply_store_error(srv, c, s, rc);
	return -1;
}

/* --- forget and merge --- */

/* DELETE /api/customers/ID: ft-enroll forget; the reply is the erasure
 * receipt.  When the store's files could not be cleared after the
 * commit the customer is gone all the same: the receipt is given and
 * the failure logged. */
static enum MHD_Result
api_forget(struct ft_server *srv, struct MHD_Connection *c, const char *id)
{
	enum MHD_Result ret = MHD_NO;
	ft_store *s = request_store(srv, c, &ret);
	ft_customer cu = { 0 };
	ft_erasure e = { 0 };
	int rc;

	if (!s || find_customer(srv, c, s, id, &cu, &ret))
		return ret;
	rc = ft_store_customer_erase(s, cu.id, &e);
	ft_customer_clear(&cu);
	if (e.uuid[0]) {
		if (rc != FT_OK)
			ft_warn("%s", ft_store_errmsg(s));
		return reply_json(c, MHD_HTTP_OK, ft_record_erasure(&e), NULL,
				  NULL);
	}
	return reply_store_error(srv, c, s, rc);
}

/* The customer id a member of body names ("into"), looked up into *cu;
 * -1 after a reply: 400 when it is missing or not a string, 404 when it
 * names nobody. */
static int
member_customer(struct ft_server *srv, struct MHD_Connection *c,
		ft_store *s, jv body, const char *name, ft_customer *cu,
		enum MHD_Result *ret)
{
	char *id = NULL;
	int rc;

	if (member_string(c, body, name, &id, ret))
		return -1;
	if (!id) {
		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "'%s' must name "
				   "a customer (a string)", name);
		return -1;
	}
	rc = find_customer(srv, c, s, id, cu, ret);
	free(id);
	return rc;
}

/* POST /api/customers/ID/merge {"into": OTHER}: ft-enroll merge OTHER
 * ID, customer ID merged into OTHER; the reply is OTHER afterwards. */
static enum MHD_Result
api_merge(struct ft_server *srv, struct MHD_Connection *c, const char *id,
	  const char *body, size_t len)
{
	static const char *const names[] = { "into", NULL };
	enum MHD_Result ret = MHD_NO;
	ft_customer drop = { 0 }, keep = { 0 };
	jv obj = serve_body_object(c, body, len, &ret);
	ft_store *s;
	int rc;

	if (!jv_is_valid(obj))
		return ret;
	if (only_members(c, obj, names, &ret) ||
	    !(s = request_store(srv, c, &ret)) ||
	    find_customer(srv, c, s, id, &drop, &ret) ||
	    member_customer(srv, c, s, obj, "into", &keep, &ret))
		goto out;
	if (keep.id == drop.id) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "cannot merge a "
				  "customer into itself");
		goto out;
	}
	rc = ft_store_customer_merge(s, keep.id, drop.id);
	if (rc == FT_OK) {
		int64_t kid = keep.id;

		ft_customer_clear(&keep);
		rc = ft_store_customer_get_id(s, kid, &keep);
	}
	ret = rc == FT_OK ? reply_json(c, MHD_HTTP_OK,
				       ft_record_customer(&keep), NULL, NULL)
			  : reply_store_error(srv, c, s, rc);
out:
	ft_customer_clear(&drop);
	ft_customer_clear(&keep);
	jv_free(obj);
	return ret;
}

/* --- the router --- */

static enum MHD_Result
method_not_allowed(struct MHD_Connection *c, const char *allow)
{
	return reply_error_h(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Allow", allow,
			     "method not allowed (allowed: %s)", allow);
}

enum MHD_Result
serve_review_route(struct ft_server *srv, struct MHD_Connection *c,
		   const char *url, const char *method, const char *body,
		   size_t len, int *handled)
{
	char buf[FT_UUID_LEN + 1];
	const char *id;
	int del = !strcmp(method, "DELETE"), post = !strcmp(method, "POST");

	*handled = 1;
	if (del && (id = path_segment(url, "/api/customers/", "", buf,
				      sizeof buf)))
		return api_forget(srv, c, id);
	if ((id = path_segment(url, "/api/customers/", "/merge", buf,
			       sizeof buf)))
		return post ? api_merge(srv, c, id, body, len)
			    : method_not_allowed(c, "POST");
	*handled = 0;
	return MHD_NO;
}
