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

#include "faces.h"
#include "frame.h"
#include "record.h"
#include "review.h"
#include "store.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * The search object over the store's samples and the face models are
 * costly to make (a second or more; the models some hundred megabytes)
 * and many requests use them, so one of each is kept, made on first use:
 * a server whose owner never searches by photo never loads the models.
 * One lock serialises their use, as neither may be shared between
 * threads.
 */
struct serve_review {
	pthread_mutex_t mu;	/* guards what follows */
	ft_review *index;	/* NULL until the first suggestion or search */
	ft_face_ctx *face;	/* NULL until the first search */
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
	ft_review_free(r->index);
	if (r->face)
		ft_face_close(r->face);
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

/* A row id of the path: 1 to 2^53 in decimal digits; else -1. */
static int64_t
path_row_id(const char *seg)
{
	long long n;

	if (!seg || !*seg || strspn(seg, "0123456789") != strlen(seg) ||
	    ft_parse_int(seg, 1, 1LL << 53, &n) != 0)
		return -1;
	return (int64_t)n;
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

/* The customer of row id as a record; a reply. */
static enum MHD_Result
reply_customer_id(struct ft_server *srv, struct MHD_Connection *c,
		  ft_store *s, int64_t id)
{
	ft_customer cu;
	int rc = ft_store_customer_get_id(s, id, &cu);
	enum MHD_Result ret;

	if (rc != FT_OK)
		return reply_store_error(srv, c, s, rc);
	ret = reply_json(c, MHD_HTTP_OK, ft_record_customer(&cu), NULL,
			 NULL);
	ft_customer_clear(&cu);
	return ret;
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
	int rc, apart = 0;

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
	if ((rc = ft_store_different(s, keep.id, drop.id, &apart)) == FT_OK &&
	    apart) {
		ret = reply_error(c, MHD_HTTP_CONFLICT, "these customers were "
				  "marked as two people");
		goto out;
	}
	if (rc == FT_OK)
		rc = ft_store_customer_merge(s, keep.id, drop.id);
	ret = rc == FT_OK ? reply_customer_id(srv, c, s, keep.id)
			  : reply_store_error(srv, c, s, rc);
out:
	ft_customer_clear(&drop);
	ft_customer_clear(&keep);
	jv_free(obj);
	return ret;
}

/* --- samples and visits --- */

/* A reply to a failed correction: as reply_store_error, but FT_EINVAL,
 * the store refusing what its state does not allow, is 409. */
static enum MHD_Result
reply_refused(struct ft_server *srv, struct MHD_Connection *c, ft_store *s,
	      int rc)
{
	if (rc == FT_EINVAL)
		return reply_error(c, MHD_HTTP_CONFLICT, "%s",
				   ft_store_errmsg(s));
	return reply_store_error(srv, c, s, rc);
}

/* GET /api/faces/FACEID/crop: the JPEG of the sample's face, for a
 * person to look at; 404 when the sample is gone or has no crop (one
 * stored before crops were kept). */
static enum MHD_Result
api_face_crop(struct ft_server *srv, struct MHD_Connection *c, int64_t face)
{
	enum MHD_Result ret = MHD_NO;
	ft_store *s = request_store(srv, c, &ret);
	unsigned char *jpeg = NULL;
	size_t len = 0;
	int rc;

	if (!s)
		return ret;
	if (face < 0)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such sample");
	if ((rc = ft_store_face_crop(s, face, &jpeg, &len)) != FT_OK)
		return reply_store_error(srv, c, s, rc);
	ret = reply_bytes(c, MHD_HTTP_OK, "image/jpeg", (const char *)jpeg,
			  len, NULL, NULL);
	free(jpeg);
	return ret;
}

/* DELETE /api/faces/FACEID: remove a sample that is not its customer's
 * (ft-enroll remove-face); the reply is the customer afterwards.  Their
 * last sample is refused with 409: forget them instead. */
static enum MHD_Result
api_face_remove(struct ft_server *srv, struct MHD_Connection *c,
		int64_t face)
{
	enum MHD_Result ret = MHD_NO;
	ft_store *s = request_store(srv, c, &ret);
	int64_t owner;
	int rc;

	if (!s)
		return ret;
	if (face < 0)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such sample");
	if ((rc = ft_store_face_owner(s, face, &owner)) == FT_OK)
		rc = ft_store_face_remove(s, owner, face);
	return rc == FT_OK ? reply_customer_id(srv, c, s, owner)
			   : reply_refused(srv, c, s, rc);
}

/* DELETE /api/visits/VISITID: a visit that was not its customer's
 * (ft-enroll unvisit); the reply is the customer afterwards. */
static enum MHD_Result
api_visit_remove(struct ft_server *srv, struct MHD_Connection *c,
		 int64_t visit)
{
	enum MHD_Result ret = MHD_NO;
	ft_store *s = request_store(srv, c, &ret);
	ft_visit v = { 0 };
	int rc;

	if (!s)
		return ret;
	if (visit < 0)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such visit");
	if ((rc = ft_store_visit_remove(s, visit, &v)) != FT_OK)
		return reply_store_error(srv, c, s, rc);
	ret = reply_customer_id(srv, c, s, v.customer_id);
	ft_visit_clear(&v);
	return ret;
}

struct samples {
	int64_t *v;
	size_t n;
};

static int
collect_sample(void *p, const ft_face *f)
{
	struct samples *k = p;

	k->v = ft_xrealloc(k->v, (k->n + 1) * sizeof *k->v);
	k->v[k->n++] = f->id;
	return 0;
}

/* The "faces" member of a split: 1 to FT_SPLIT_MAX distinct sample ids,
 * each one of from's (listed in have), into faces; their number, or -1
 * after a reply (400 for a bad list, 404 for a sample not from's, 409
 * when it names every sample). */
static int
split_faces(struct MHD_Connection *c, jv body, const struct samples *have,
	    int64_t *faces, enum MHD_Result *ret)
{
	jv list = jv_object_get(jv_copy(body), jv_string("faces"));
	int n = 0, i, j, bad = 0;
	size_t k;

	if (jv_get_kind(list) != JV_KIND_ARRAY ||
	    (n = jv_array_length(jv_copy(list))) < 1 || n > FT_SPLIT_MAX)
		bad = 1;
	for (i = 0; !bad && i < n; i++) {
		jv x = jv_array_get(jv_copy(list), i);
		double d = jv_get_kind(x) == JV_KIND_NUMBER
			   ? jv_number_value(x) : -1;

		jv_free(x);
		if (d < 1 || d > (double)(1LL << 53) || d != (double)(int64_t)d)
			bad = 1;
		else
			faces[i] = (int64_t)d;
		for (j = 0; !bad && j < i; j++)
			bad = faces[j] == faces[i];
	}
	jv_free(list);
	if (bad) {
		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "'faces' must be a "
				   "list of 1 to %d different sample ids",
				   FT_SPLIT_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < have->n && have->v[k] != faces[i]; k++)
			;
		if (k == have->n) {
			*ret = reply_error(c, MHD_HTTP_NOT_FOUND, "no sample "
					   "#%lld of this customer",
					   (long long)faces[i]);
			return -1;
		}
	}
	if ((size_t)n == have->n) {
		*ret = reply_error(c, MHD_HTTP_CONFLICT, "these are all the "
				   "customer's samples: nothing would stay");
		return -1;
	}
	return n;
}

/* The split's answer: {"type":"split","from":CUSTOMER,"into":CUSTOMER}. */
static enum MHD_Result
reply_split(struct ft_server *srv, struct MHD_Connection *c, ft_store *s,
	    int64_t from, const ft_customer *into)
{
	ft_customer f;
	jv o;
	int rc = ft_store_customer_get_id(s, from, &f);

	if (rc != FT_OK)
		return reply_store_error(srv, c, s, rc);
	o = jv_object_set(jv_object(), jv_string("type"), jv_string("split"));
	o = jv_object_set(o, jv_string("from"), ft_record_customer(&f));
	o = jv_object_set(o, jv_string("into"), ft_record_customer(into));
	ft_customer_clear(&f);
	return reply_json(c, MHD_HTTP_OK, o, NULL, NULL);
}

/* POST /api/customers/ID/split {"faces": [SAMPLE, ...], "into": OTHER}:
 * move those samples of ID (and the visits only they explain) to OTHER,
 * or to a new customer without "into" (ft-enroll split). */
static enum MHD_Result
api_split(struct ft_server *srv, struct MHD_Connection *c, const char *id,
	  const char *body, size_t len)
{
	static const char *const names[] = { "faces", "into", NULL };
	enum MHD_Result ret = MHD_NO;
	ft_customer from = { 0 }, into = { 0 }, out = { 0 };
	struct samples have = { 0 };
	int64_t *faces = NULL;
	jv obj = serve_body_object(c, body, len, &ret), v;
	ft_store *s;
	int n, rc;

	if (!jv_is_valid(obj))
		return ret;
	v = jv_object_get(jv_copy(obj), jv_string("into"));
	if (only_members(c, obj, names, &ret) ||
	    !(s = request_store(srv, c, &ret)) ||
	    find_customer(srv, c, s, id, &from, &ret) ||
	    (jv_get_kind(v) != JV_KIND_INVALID &&
	     jv_get_kind(v) != JV_KIND_NULL &&
	     member_customer(srv, c, s, obj, "into", &into, &ret)))
		goto out;
	if (into.id == from.id) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "cannot split "
				  "samples off into the same customer");
		goto out;
	}
	if ((rc = ft_store_faces(s, from.id, 0, collect_sample, &have))) {
		ret = reply_store_error(srv, c, s, rc);
		goto out;
	}
	faces = ft_xmalloc(FT_SPLIT_MAX * sizeof *faces);
	if ((n = split_faces(c, obj, &have, faces, &ret)) < 0)
		goto out;
	rc = ft_store_customer_split(s, from.id, faces, n, into.id, &out);
	ret = rc == FT_OK ? reply_split(srv, c, s, from.id, &out)
			  : reply_refused(srv, c, s, rc);
out:
	jv_free(v);
	free(faces);
	free(have.v);
	ft_customer_clear(&from);
	ft_customer_clear(&into);
	ft_customer_clear(&out);
	jv_free(obj);
	return ret;
}

/* POST /api/different {"customers": [A, B]}: A and B are two people
 * (ft-enroll different): never suggested again, nor merged through the
 * API.  The reply names them. */
static enum MHD_Result
api_different(struct ft_server *srv, struct MHD_Connection *c,
	      const char *body, size_t len)
{
	static const char *const names[] = { "customers", NULL };
	enum MHD_Result ret = MHD_NO;
	ft_customer cu[2] = { { 0 }, { 0 } };
	jv obj = serve_body_object(c, body, len, &ret), list, pair;
	ft_store *s;
	int i, rc;

	if (!jv_is_valid(obj))
		return ret;
	list = jv_object_get(jv_copy(obj), jv_string("customers"));
	if (only_members(c, obj, names, &ret))
		goto out;
	if (jv_get_kind(list) != JV_KIND_ARRAY ||
	    jv_array_length(jv_copy(list)) != 2) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "'customers' must "
				  "be a list of two customer ids");
		goto out;
	}
	pair = jv_object_set(jv_object(), jv_string("customers[0]"),
			     jv_array_get(jv_copy(list), 0));
	pair = jv_object_set(pair, jv_string("customers[1]"),
			     jv_array_get(jv_copy(list), 1));
	rc = !(s = request_store(srv, c, &ret)) ||
	     member_customer(srv, c, s, pair, "customers[0]", &cu[0], &ret) ||
	     member_customer(srv, c, s, pair, "customers[1]", &cu[1], &ret);
	jv_free(pair);
	if (rc)
		goto out;
	if (cu[0].id == cu[1].id) {
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "a customer cannot "
				  "be marked apart from themself");
		goto out;
	}
	if ((rc = ft_store_different_add(s, cu[0].id, cu[1].id)) != FT_OK) {
		ret = reply_store_error(srv, c, s, rc);
		goto out;
	}
	jv_free(list);
	list = jv_array();
	for (i = 0; i < 2; i++)
		list = jv_array_append(list, jv_string(cu[i].uuid));
	ret = reply_json(c, MHD_HTTP_OK, jv_object_set(jv_object_set(
			 jv_object(), jv_string("type"),
			 jv_string("different")), jv_string("customers"),
			 jv_copy(list)), NULL, NULL);
out:
	jv_free(list);
	ft_customer_clear(&cu[0]);
	ft_customer_clear(&cu[1]);
	jv_free(obj);
	return ret;
}

/* --- suggestions and search by photo --- */

#define SUGGEST_DEFAULT	20	/* pairs without ?limit= */
#define SUGGEST_MAX	200
#define SEARCH_DEFAULT	5	/* customers without ?limit= */

struct limit_arg {
	const char *limit;
	const char *bad;	/* another parameter's name */
};

static enum MHD_Result
collect_limit(void *cls, enum MHD_ValueKind kind, const char *key,
	      const char *value)
{
	struct limit_arg *a = cls;

	(void)kind;
	if (!strcmp(key, "limit"))
		a->limit = value ? value : "";
	else if (!a->bad)
		a->bad = key;
	return MHD_YES;
}

/* The ?limit= of the request, 1 to max (dflt when absent); -1 after a
 * 400 for it or for any other parameter. */
static int
query_limit(struct MHD_Connection *c, int dflt, int max,
	    enum MHD_Result *ret)
{
	struct limit_arg a = { NULL, NULL };
	long long n = dflt;

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_limit,
				  &a);
	if (a.bad) {
		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "unknown "
				   "parameter '%.40s'", a.bad);
		return -1;
	}
	if (a.limit && ft_parse_int(a.limit, 1, max, &n) != 0) {
		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "bad 'limit': "
				   "'%.20s' (1 to %d)", a.limit, max);
		return -1;
	}
	return (int)n;
}

/* With rv locked: the search object, made or brought up to date on s;
 * NULL after a reply. */
static ft_review *
review_index(struct ft_server *srv, struct MHD_Connection *c,
	     struct serve_review *rv, ft_store *s, enum MHD_Result *ret)
{
	char err[256];
	int rc;

	if (!rv->index) {
		rc = ft_review_new(s, &rv->index, err, sizeof err);
		if (rc == FT_OK)
			return rv->index;
		ft_warn("%s", err);
	} else if ((rc = ft_review_refresh(rv->index, s)) == FT_OK) {
		return rv->index;
	} else {
		ft_warn("%s", ft_review_errmsg(rv->index));
		/* Made again from nothing by the next request. */
		ft_review_free(rv->index);
		rv->index = NULL;
	}
	if (rc == FT_ETEMP) {
		drop_thread_store(srv);
		*ret = reply_error_h(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "Retry-After", "5",
				     "the store cannot be reached");
	} else
		*ret = reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot "
				   "read the samples; the server's log says "
				   "why");
	return NULL;
}

/* The records of pairs p[0..n), as ft-enroll suggest prints them; a pair
 * whose customer went meanwhile is left out. */
static jv
suggestion_records(ft_store *s, const ft_review_pair *p, size_t n)
{
	jv all = jv_array();
	size_t i;
	int rank = 0;

	for (i = 0; i < n; i++) {
		ft_customer a, b;

		if (ft_store_customer_get_id(s, p[i].a, &a) != FT_OK)
			continue;
		if (ft_store_customer_get_id(s, p[i].b, &b) == FT_OK) {
			all = jv_array_append(all, ft_record_suggestion(
					      ++rank, &p[i], &a, &b));
			ft_customer_clear(&b);
		}
		ft_customer_clear(&a);
	}
	return all;
}

/* GET /api/suggestions?limit=N: pairs of customers that are probably one
 * person, nearest first (ft-enroll suggest); pairs marked as two people
 * are never among them. */
static enum MHD_Result
api_suggestions(struct ft_server *srv, struct MHD_Connection *c)
{
	struct serve_review *rv = serve_review_of(srv);
	enum MHD_Result ret = MHD_NO;
	ft_review_suggest_opts o;
	ft_review_pair *p = NULL;
	ft_review *r;
	ft_store *s;
	size_t n = 0;
	int rc;

	ft_review_suggest_opts_default(&o);
	if ((o.limit = query_limit(c, SUGGEST_DEFAULT, SUGGEST_MAX, &ret)) < 0 ||
	    !(s = request_store(srv, c, &ret)))
		return ret;
	pthread_mutex_lock(&rv->mu);
	if ((r = review_index(srv, c, rv, s, &ret)) &&
	    (rc = ft_review_suggest(r, s, &o, &p, &n)) != FT_OK) {
		ft_warn("%s", ft_review_errmsg(r));
		ret = reply_error(c, rc == FT_ETEMP
				  ? MHD_HTTP_SERVICE_UNAVAILABLE
				  : MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot "
				  "make suggestions; the server's log says "
				  "why");
		r = NULL;
	}
	pthread_mutex_unlock(&rv->mu);
	if (r)
		ret = reply_json(c, MHD_HTTP_OK, suggestion_records(s, p, n),
				 NULL, NULL);
	free(p);
	return ret;
}

/* With rv locked: the face models, loaded on the first search; NULL
 * after a 503 that says why (the next search tries again, so that
 * models installed meanwhile are found). */
static ft_face_ctx *
search_models(struct MHD_Connection *c, struct serve_review *rv,
	      enum MHD_Result *ret)
{
	char *err = NULL;

	if (rv->face)
		return rv->face;
	if (!(rv->face = ft_faces_open(&err))) {
		ft_warn("search by photo: %s", err ? err : "no face models");
		*ret = reply_error_h(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "Retry-After", "60", "search by photo "
				     "needs the face models, which this "
				     "server cannot load: %s",
				     err ? err : "unknown error");
		free(err);
		return NULL;
	}
	/* As ft-enroll describes the samples it stores. */
	ft_face_set_mirror(rv->face, 1);
	return rv->face;
}

/* The descriptor of the main face of the photo (len bytes, a JPEG or a
 * PNG within lib/frame's limits) into d; -1 after a reply: 415 for
 * another format, 400 for one that cannot be read, 422 without a face,
 * 503 without the models. */
static int
photo_face(struct MHD_Connection *c, struct serve_review *rv,
	   const char *photo, size_t len, float *d, enum MHD_Result *ret)
{
	ft_image img = { 0 };
	ft_face_ctx *face;
	char *err = NULL;
	long w, h;
	int nf;

	nf = len ? ft_image_probe(photo, len, &w, &h) : 0;
	if (nf <= 0) {
		*ret = nf ? reply_error(c, MHD_HTTP_BAD_REQUEST, "the photo's "
					"header is damaged")
			  : reply_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
					"send a JPEG or PNG photo as the body");
		return -1;
	}
	if (ft_image_decode(photo, len, &img, &err)) {
		*ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "cannot read the "
				   "photo: %s", err ? err : "unknown error");
		free(err);
		return -1;
	}
	if (!(face = search_models(c, rv, ret))) {
		ft_image_clear(&img);
		return -1;
	}
	nf = ft_faces_describe_main(face, &img, NULL, d, NULL, NULL, &err);
	ft_image_clear(&img);
	if (nf > 0)
		return 0;
	if (nf < 0)
		ft_warn("search by photo: %s", err ? err : "unknown error");
	*ret = nf ? reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot "
				"describe the face; the server's log says why")
		  : reply_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "no face "
				"found in the photo");
	free(err);
	return -1;
}

/* The records of hits[0..n), as ft-query search prints them. */
static jv
search_records(ft_store *s, const ft_review_hit *hits, int n)
{
	jv all = jv_array();
	int i, rank = 0;

	for (i = 0; i < n; i++) {
		ft_customer cu;

		if (ft_store_customer_get_id(s, hits[i].customer_id, &cu))
			continue;
		all = jv_array_append(all, ft_record_search("upload", ++rank,
							    hits[i].distance,
							    &cu));
		ft_customer_clear(&cu);
	}
	return all;
}

/* POST /api/search?limit=N with a photo as the body: the customers
 * nearest its main face, nearest first, with their distances. */
static enum MHD_Result
api_search(struct ft_server *srv, struct MHD_Connection *c,
	   const char *photo, size_t len)
{
	struct serve_review *rv = serve_review_of(srv);
	ft_review_hit hits[FT_REVIEW_MAX_HITS];
	float d[FT_DESCRIPTOR_DIM];
	enum MHD_Result ret = MHD_NO;
	ft_review *r = NULL;
	ft_store *s;
	int limit, n = -1;

	if ((limit = query_limit(c, SEARCH_DEFAULT, FT_REVIEW_MAX_HITS,
				 &ret)) < 0 ||
	    !(s = request_store(srv, c, &ret)))
		return ret;
	pthread_mutex_lock(&rv->mu);
	if (!photo_face(c, rv, photo, len, d, &ret) &&
	    (r = review_index(srv, c, rv, s, &ret)) &&
	    (n = ft_review_search(r, d, hits, limit)) < 0) {
		ft_warn("%s", ft_review_errmsg(r));
		ret = reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the "
				  "search failed; the server's log says why");
	}
	pthread_mutex_unlock(&rv->mu);
	if (n >= 0)
		ret = reply_json(c, MHD_HTTP_OK, search_records(s, hits, n),
				 NULL, NULL);
	return ret;
}

/* --- the router --- */

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
			    : not_allowed(c, "POST");
	if ((id = path_segment(url, "/api/customers/", "/split", buf,
			       sizeof buf)))
		return post ? api_split(srv, c, id, body, len)
			    : not_allowed(c, "POST");
	if ((id = path_segment(url, "/api/faces/", "/crop", buf, sizeof buf)))
		return !strcmp(method, "GET") || !strcmp(method, "HEAD")
		       ? api_face_crop(srv, c, path_row_id(id))
		       : not_allowed(c, "GET, HEAD");
	if ((id = path_segment(url, "/api/faces/", "", buf, sizeof buf)))
		return del ? api_face_remove(srv, c, path_row_id(id))
			   : not_allowed(c, "DELETE");
	if ((id = path_segment(url, "/api/visits/", "", buf, sizeof buf)))
		return del ? api_visit_remove(srv, c, path_row_id(id))
			   : not_allowed(c, "DELETE");
	if (!strcmp(url, "/api/suggestions"))
		return !strcmp(method, "GET") || !strcmp(method, "HEAD")
		       ? api_suggestions(srv, c)
		       : not_allowed(c, "GET, HEAD");
	if (!strcmp(url, "/api/search"))
		return post ? api_search(srv, c, body, len)
			    : not_allowed(c, "POST");
	if (!strcmp(url, "/api/different"))
		return post ? api_different(srv, c, body, len)
			    : not_allowed(c, "POST");
	*handled = 0;
	return MHD_NO;
}
