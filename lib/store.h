/*
 * store — customers, face samples, visits and events, in SQLite or in
 * MySQL/MariaDB, behind one interface.
 *
 * A store is opened from a URL ("sqlite:PATH", "mysql://USER:PASS@HOST:PORT/DB",
 * see ft_config_db_url) and brought to the newest schema on open: the
 * numbered migrations of sql/ are compiled in and applied once, in order,
 * each recorded in the schema_version table.
 *
 * Every function returns FT_OK or one of the FT_E* codes of errors.h and
 * leaves a message for ft_store_errmsg(); no function prints.  Calls block
 * on the database (SQLite waits up to its busy timeout for another
 * writer).  A store is not safe to share between threads.
 *
 * Times are int64 milliseconds since the epoch, UTC; 0 means "never".
 * Strings inside the structs filled by the store belong to the caller, who
 * releases them with the matching ft_*_clear(); strings passed in are copied
 * or only read.
 */
#ifndef FT_STORE_H
#define FT_STORE_H

#include "errors.h"

#include <stddef.h>
#include <stdint.h>

#define FT_UUID_LEN 36
#define FT_DESCRIPTOR_DIM 128

/* The store's codes: FT_EFAIL for a bad SQL state, a constraint or I/O;
 * FT_ENOTFOUND for no such customer (or an ambiguous prefix); FT_EINVAL
 * for an argument the store will not take; FT_ETEMP when the store is
 * unreachable or busy. */

typedef struct ft_store ft_store;

typedef struct ft_customer {
	int64_t id;			/* row id, internal to one store */
	char uuid[FT_UUID_LEN + 1];	/* the public id */
	char *name;			/* may be NULL */
	char *email;			/* may be NULL */
	char *notes;			/* may be NULL */
	int consent;			/* 1: agreed to be recognised */
	int64_t created_at;
	int64_t last_visit;		/* 0: never */
	int64_t visit_count;
	int64_t faces;			/* number of face samples */
} ft_customer;

typedef struct ft_visit {
	int64_t id;
	int64_t customer_id;
	char customer[FT_UUID_LEN + 1];	/* the customer's uuid */
	char *name;			/* the customer's name when read */
	char *email;			/* the customer's e-mail when read */
	int64_t ts;
	char *source;			/* camera or site name; may be NULL */
	double distance;		/* match distance; < 0 when unknown */
	int new_customer;		/* the visit that registered them */
	int64_t number;			/* nth visit of this customer (read) */
	int64_t face_id;		/* the sample it was recognised by (a
					 * registering visit: one it made);
					 * 0: unknown */
} ft_visit;

typedef struct ft_face {
	int64_t id;
	int64_t customer_id;
	float descriptor[FT_DESCRIPTOR_DIM];
	double quality;
	int64_t created_at;
	/* For inserts only (borrowed, NULL for none; the listing functions
	 * leave them NULL): */
	const unsigned char *crop;	/* JPEG of the aligned chip */
	size_t crop_len;
} ft_face;

/* The largest crop the store takes, in bytes (a crop is a few KB). */
#define FT_FACE_CROP_MAX 65535

typedef struct ft_event {
	int64_t id;
	int64_t ts;
	char *kind;			/* "visit", "customer", "forget", ... */
	int64_t customer_id;		/* 0 when none */
	char *payload;			/* a JSON text */
} ft_event;

typedef struct ft_stats {
	int64_t total_customers;
	int64_t new_today;		/* customers created today */
	int64_t visits_today;
	int64_t visits_week;		/* since the start of day 6 days ago */
	int64_t visited;		/* customers with at least one visit */
	int64_t returning;		/* customers with two or more visits */
} ft_stats;

/* Sort orders of ft_store_customers. */
enum ft_customer_sort {
	FT_SORT_CREATED = 0,
	FT_SORT_NAME,
	FT_SORT_LAST_VISIT,
	FT_SORT_VISITS
};

typedef struct ft_customer_filter {
	const char *name;	/* substring of the name, any case; NULL: all */
	int64_t since;		/* created at or after; 0: no bound */
	int64_t until;		/* created before; 0: no bound */
	int64_t min_visits;
	int named;		/* 1: only named; 2: only unnamed; 0: all */
	int consent;		/* 1: only consented; 2: only not; 0: all */
	enum ft_customer_sort sort;
	int descending;
	int64_t limit;		/* 0: no limit */
	const char *after;	/* a page's last customer (a full uuid): the
				 * listing goes on after them in its order
				 * (keyset paging: each page costs the same
				 * however deep); NULL: from the start */
} ft_customer_filter;

typedef struct ft_visit_filter {
	int64_t since;		/* ts >= since; 0: no bound */
	int64_t until;		/* ts < until; 0: no bound */
	int64_t customer_id;	/* 0: every customer */
	const char *source;	/* NULL: every source */
	int descending;		/* newest first */
	int64_t limit;		/* 0: no limit */
	int bare;		/* read only id, customer_id, ts, source,
				 * distance and new_customer (customer, name,
				 * email and number left empty): for figures
				 * over many visits */
} ft_visit_filter;

/* Callbacks of the listing functions: the record is the store's and valid
 * only during the call.  Return 0 to go on, nonzero to stop the listing
 * (which then returns that value). */
typedef int (*ft_customer_cb)(void *ctx, const ft_customer *c);
typedef int (*ft_visit_cb)(void *ctx, const ft_visit *v);
typedef int (*ft_face_cb)(void *ctx, const ft_face *f);
typedef int (*ft_event_cb)(void *ctx, const ft_event *e);
/* ft_store_top: the customer and their visits in the range. */
typedef int (*ft_top_cb)(void *ctx, const ft_customer *c, int64_t visits);

/*
 * Open the store at url and apply pending migrations.  On failure returns
 * an FT_E* code, sets *out to NULL and writes a message into err (never the
 * password); FT_ETEMP when the server cannot be reached.
 */
int ft_store_open(const char *url, ft_store **out, char *err, size_t errlen);
void ft_store_close(ft_store *s);

/* Open the store the configuration names (ft_config_db_url) for a
 * program: on failure print the message and exit with 75 (unreachable)
 * or 1. */
ft_store *ft_store_open_configured(void);

/*
 * Programs that only read call this once, before any thread starts:
 * from then on ft_store_open refuses a SQLite store file that does not
 * exist (FT_ENOTFOUND, a message saying which programs create one)
 * instead of creating an empty store whose figures are all zeros.
 */
void ft_store_need_existing(void);

/* Whether the SQLite file s was opened on is gone or replaced (another
 * device or inode at its path) since: a connection to it answers from a
 * store nobody else sees any more.  Always 0 for MySQL. */
int ft_store_moved(ft_store *s);

/* The last error's message; valid until the next call on s. */
const char *ft_store_errmsg(const ft_store *s);
/* "sqlite" or "mysql". */
const char *ft_store_backend(const ft_store *s);
/* Newest schema version applied. */
int ft_store_schema_version(const ft_store *s);

/* Program exit status for a failed store call (FT_ETEMP: 75, else 1);
 * ft_exit_status() of errors.h, except that it never says success. */
int ft_store_exit_status(int rc);

/*
 * Transactions nest: only the outermost begin/commit reach the database.
 * A rollback at any depth undoes the whole outermost transaction.
 */
int ft_store_begin(ft_store *s);
int ft_store_commit(ft_store *s);
void ft_store_rollback(ft_store *s);

/* --- customers --- */

/* Add c.  An empty c->uuid gets a new random one and a zero created_at the
 * current time; both, and c->id, are written back into c. */
int ft_store_customer_add(ft_store *s, ft_customer *c);

/* Bulk loading: add c like ft_store_customer_add() but without an
 * event. */
int ft_store_customer_insert(ft_store *s, ft_customer *c);

/* Fields of ft_store_customer_update. */
enum {
	FT_FIELD_NAME = 1,
	FT_FIELD_EMAIL = 2,
	FT_FIELD_NOTES = 4,
	FT_FIELD_CONSENT = 8
};
/* Write the chosen fields of c into the customer c->id. */
int ft_store_customer_update(ft_store *s, const ft_customer *c,
			     unsigned fields);

/* The longest name, e-mail address and notes a customer may have, in
 * characters (UTF-8 code points). */
#define FT_NAME_MAX 200
#define FT_EMAIL_MAX 254
#define FT_NOTES_MAX 2000

/* Check the chosen fields of c against the limits above.  Returns FT_OK,
 * or FT_EINVAL with "name of N characters is over the limit of 200" (and
 * the like) in err.  Add and update refuse what this refuses. */
int ft_customer_check(const ft_customer *c, unsigned fields, char *err,
		      size_t errlen);

/* Find a customer by uuid, or by a unique uuid prefix of 8 or more
 * characters.  FT_ENOTFOUND when none or several match.  Release *out with
 * ft_customer_clear(). */
int ft_store_customer_get(ft_store *s, const char *id, ft_customer *out);
int ft_store_customer_get_id(ft_store *s, int64_t id, ft_customer *out);

/* The customers f selects, in its order, to cb.  FT_ENOTFOUND when
 * f->after names no customer (forgotten or merged since: start again). */
int ft_store_customers(ft_store *s, const ft_customer_filter *f,
		       ft_customer_cb cb, void *ctx);

/* Move drop's visits and faces to keep, recompute keep's counts, fill
 * keep's missing name, e-mail and notes from drop's, and erase drop's
 * profile and events (their payloads name drop); one transaction,
 * scrubbed as ft_store_scrub() says when it is the outermost. */
int ft_store_customer_merge(ft_store *s, int64_t keep, int64_t drop);

/* What an erasure removed: the receipt of a forget. */
typedef struct ft_erasure {
	char uuid[FT_UUID_LEN + 1];	/* the customer's public id */
	int64_t samples;		/* face samples deleted */
	int64_t visits;			/* visits deleted */
	int64_t events;			/* events naming them deleted */
	int64_t ts;			/* when (ms since the epoch) */
} ft_erasure;

/* Delete the customer with their faces, visits and events, the values
 * overwritten first where the engine keeps deleted rows' bytes, and add
 * a "forget" event naming nobody; one transaction.  When it is the
 * outermost, ft_store_scrub() follows the commit: a failure there is
 * returned (the customer is gone all the same and *out, when not NULL,
 * is filled). */
int ft_store_customer_erase(ft_store *s, int64_t id, ft_erasure *out);
/* ft_store_customer_erase() without the receipt. */
int ft_store_customer_forget(ft_store *s, int64_t id);

/* After erasures committed (outside any transaction): clear the copies
 * of old pages the store keeps beside its tables (SQLite checkpoints
 * the WAL into the database and truncates it).  FT_ETEMP when another
 * connection still reads old pages; a no-op on MySQL, where what InnoDB
 * keeps is cleared by the server (facetrack(7)). */
int ft_store_scrub(ft_store *s);

void ft_customer_clear(ft_customer *c);

/* --- visits --- */

/* Record a visit of v->customer_id at v->ts, update the customer's
 * last_visit and visit_count and add a "visit" event; one transaction.
 * Writes v->id back. */
int ft_store_visit_add(ft_store *s, ft_visit *v);

/* Visits in ascending time (descending with f->descending), with the
 * customer's uuid, name and e-mail and the visit's number. */
int ft_store_visits(ft_store *s, const ft_visit_filter *f, ft_visit_cb cb,
		    void *ctx);

void ft_visit_clear(ft_visit *v);

/*
 * Bulk loading, for imports and demo data: insert a visit without touching
 * counters or events.  Call ft_store_recount() when done.
 */
int ft_store_visit_insert(ft_store *s, const ft_visit *v);
/* Recompute every customer's visit_count and last_visit from visits. */
int ft_store_recount(ft_store *s);

/* --- figures --- */

/* Dashboard figures; now is the current time (days are local). */
int ft_store_stats(ft_store *s, int64_t now, ft_stats *out);
/* Visits with since <= ts < until. */
int ft_store_count_visits(ft_store *s, int64_t since, int64_t until,
			  int64_t *out);
/* Customers with a visit in since <= ts < until. */
int ft_store_count_visitors(ft_store *s, int64_t since, int64_t until,
			    int64_t *out);
/* Customers created in since <= created_at < until. */
int ft_store_count_customers(ft_store *s, int64_t since, int64_t until,
			     int64_t *out);
/* The visits of since <= ts < until, counted by the store. */
typedef struct ft_visit_figures {
	int64_t visits;
	int64_t visitors;	/* customers with a visit */
	int64_t repeat_visitors;	/* customers with two or more */
	int64_t first_visit;	/* earliest ts; 0 when no visit */
	int64_t new_visitors;	/* visitors created in the range */
} ft_visit_figures;
int ft_store_visit_figures(ft_store *s, int64_t since, int64_t until,
			   ft_visit_figures *out);
/* The visits of since <= ts < until per quarter of an hour (UTC, so a
 * quarter lies in one local hour in every time zone): cb gets the
 * quarter's start and its visits, earliest first, and stops the walk by
 * returning nonzero (which is returned). */
#define FT_VISIT_QUARTER	(15 * 60 * 1000)
typedef int (*ft_quarter_cb)(void *ctx, int64_t start, int64_t visits);
int ft_store_visit_quarters(ft_store *s, int64_t since, int64_t until,
			    ft_quarter_cb cb, void *ctx);
/* Customers with the most visits in [since, until) (0: no bound), most
 * first, ties by name. */
int ft_store_top(ft_store *s, int64_t since, int64_t until, int64_t limit,
		 ft_top_cb cb, void *ctx);

/* --- registration --- */

/*
 * Registration of new customers by recognisers must not create two
 * customers for one person arriving before two cameras at once.  A
 * recogniser calls ft_store_register_begin(), refreshes its index from
 * the faces added meanwhile (ft_store_faces) and looks again; then either
 * ft_store_register() and ft_store_register_end(s, 1), or, when the
 * face turned out known, ft_store_register_end(s, 0).  Between begin and
 * end the caller holds the store's write transaction and, on MySQL, a
 * named lock shared by every recogniser.
 */
int ft_store_register_begin(ft_store *s);
int ft_store_register_end(ft_store *s, int commit);

/* Add customer c (an unnamed one when c->name is NULL) with n face
 * samples, and their first visit v (new_customer set); writes ids back
 * into c, faces and v.  Inside register_begin/end, or its own
 * transaction. */
int ft_store_register(ft_store *s, ft_customer *c, ft_face *faces, int n,
		      ft_visit *v);

/* --- face samples --- */

/* Add a sample to a customer, with its crop when f->crop is set (FT_EINVAL
 * for one of more than FT_FACE_CROP_MAX bytes); writes f->id and
 * f->created_at back. */
int ft_store_face_add(ft_store *s, ft_face *f);
/* The JPEG crop of sample face_id into *jpeg (malloc'd, the caller
 * frees) and *len.  FT_ENOTFOUND when there is no such sample or it has
 * no crop. */
int ft_store_face_crop(ft_store *s, int64_t face_id,
		       unsigned char **jpeg, size_t *len);
/* Samples with id > after_id, of one customer (customer_id > 0) or of all,
 * in id order. */
int ft_store_faces(ft_store *s, int64_t customer_id, int64_t after_id,
		   ft_face_cb cb, void *ctx);
/* The customer whose sample face_id is, into *customer_id.
 * FT_ENOTFOUND when there is no such sample. */
int ft_store_face_owner(ft_store *s, int64_t face_id, int64_t *customer_id);

/* --- events --- */

/* Append an event; payload is a JSON text (copied). */
int ft_store_event_add(ft_store *s, const char *kind, int64_t customer_id,
		       const char *payload, int64_t *id);
/* Events with id > after_id in id order, at most limit (0: all). */
int ft_store_events(ft_store *s, int64_t after_id, int64_t limit,
		    ft_event_cb cb, void *ctx);

/* --- settings kept in the store --- */

/* *out is a newly allocated string (NULL when unset). */
int ft_store_meta_get(ft_store *s, const char *key, char **out);
int ft_store_meta_set(ft_store *s, const char *key, const char *value);

/* --- the face pipeline's bookkeeping --- */

/* The newest event's id (0 when none): where to follow the feed from. */
int ft_store_last_event(ft_store *s, int64_t *out);

/*
 * Check that the store's face samples come from the descriptor model
 * model_id (ft_face_model_id): record it when the store has no samples
 * yet, FT_EINVAL with a message when it records another model or holds
 * samples of an unrecorded one.
 */
int ft_store_face_model(ft_store *s, const char *model_id);

/* --- footfall and retention (store_retention.c) --- */

/* Anonymous visits of one source in one hour: no identity is kept. */
typedef struct ft_footfall {
	const char *source;
	int64_t hour;			/* the hour's start, UTC */
	int64_t visits;
} ft_footfall;
typedef int (*ft_footfall_cb)(void *ctx, const ft_footfall *f);

/* Count one anonymous visit on source (NULL: "") in the hour of ts. */
int ft_store_footfall_add(ft_store *s, const char *source, int64_t ts);
/* Footfall of the hours starting in [since, until) (0: no bound), by
 * hour then source. */
int ft_store_footfall(ft_store *s, int64_t since, int64_t until,
		      ft_footfall_cb cb, void *ctx);
/* Anonymous visits of the hours starting in [since, until). */
int ft_store_count_footfall(ft_store *s, int64_t since, int64_t until,
			    int64_t *out);

/* What a purge removes: each field a time (ms), everything older goes;
 * 0 keeps everything of its kind. */
typedef struct ft_retention {
	int64_t visits_before;		/* visits with ts before it */
	int64_t samples_before;		/* samples made before it whose
					 * customer was last seen before it */
	int64_t unnamed_before;		/* customers without a name or
					 * consent, last seen (or created, if
					 * never seen) before it */
} ft_retention;

typedef struct ft_purge_counts {
	int64_t customers;		/* forgotten, with all they had */
	int64_t samples;		/* samples of the customers kept */
	int64_t visits;			/* visits of the customers kept */
} ft_purge_counts;

/*
 * Apply r: forget the unnamed customers it names (through
 * ft_store_customer_forget, each its own transaction), then delete old
 * samples, then old visits (with their "visit" events; the customers'
 * counts are recomputed).  A "forget" event tells followers when
 * samples or visits went; a "purge" audit entry records the counts, and
 * ft_store_scrub() clears the store's files after it.  With dry_run
 * only counts.  *out holds what was (or would be) removed, also when a
 * later step fails.
 */
int ft_store_purge(ft_store *s, const ft_retention *r, int dry_run,
		   ft_purge_counts *out);

/* --- corrections of who is who (store_review.c) --- */

/*
 * Recognition splits some people into two customers and takes others
 * for one.  These undo it, each in one transaction with an event on the
 * feed ("face_removed", "split", "unvisit", "different", payloads naming
 * customers by uuid) and an audit entry; the customers' visit counts,
 * last visits and samples follow.  Removed descriptors are erased as a
 * forget erases them, and ft_store_scrub() follows when the call is the
 * outermost transaction.
 *
 * A visit is explained by the sample it was recognised by
 * (ft_visit.face_id).  A visit that names none, or a sample that no
 * longer exists, is explained by the customer's sample made nearest in
 * time to it (the earlier one on a tie).
 */

/* Remove sample face_id of customer customer_id (its bytes erased as
 * forget erases them). FT_ENOTFOUND: no such sample of that customer;
 * FT_EINVAL: it is the customer's last sample (forget them instead). */
int ft_store_face_remove(ft_store *s, int64_t customer_id, int64_t face_id);
/* Move samples faces[0..n) of customer from (and the visits only they
 * explain) to customer into, or to a new customer when into is 0;
 * out (may be NULL) receives the customer they moved to.
 * FT_EINVAL: no samples named, a sample not of from, every sample of
 * from, or into == from; FT_ENOTFOUND: no such customer. */
int ft_store_customer_split(ft_store *s, int64_t from,
    const int64_t *faces, int n, int64_t into, ft_customer *out);
/* Delete visit visit_id, the customer's visit count and last visit
 * following; out (may be NULL) receives the visit removed. */
int ft_store_visit_remove(ft_store *s, int64_t visit_id, ft_visit *out);
/* Record that customers a and b are two people (either order).
 * FT_EINVAL when a == b. */
int ft_store_different_add(ft_store *s, int64_t a, int64_t b);
/* *out: 1 when a and b were marked two people, else 0. */
int ft_store_different(ft_store *s, int64_t a, int64_t b, int *out);
/* Every pair marked two people, a < b, in (a, b) order; cb returns
 * nonzero to stop (returned). */
typedef int (*ft_pair_cb)(void *ctx, int64_t a, int64_t b);
int ft_store_different_pairs(ft_store *s, ft_pair_cb cb, void *ctx);

/* The most samples ft_store_customer_split moves in one call. */
#define FT_SPLIT_MAX 1000

/* --- audit --- */

/*
 * Every change to customer data leaves an audit entry: when, what (the
 * action, the customer's public id, the names of the fields changed but
 * never their values) and by whom (the actor).  The store's own changes
 * (add, update, merge, forget) record theirs in their transaction;
 * changes made elsewhere (purges, exports, settings) call
 * ft_store_audit().  Entries name no forgotten person: a forget replaces
 * the customer's id in their earlier entries with "forgotten" and drops
 * their details, and its own entry holds only counts.
 */

#define FT_AUDIT_ACTOR_MAX 160	/* bytes of an actor */
/* The customer id of the entries of a forgotten customer. */
#define FT_AUDIT_FORGOTTEN "forgotten"

typedef struct ft_audit {
	int64_t id;
	int64_t ts;
	char *actor;		/* "ft-enroll/alice", "ft-serve/api" */
	char *action;		/* "add", "update", "merge", ... */
	char *customer;		/* uuid, FT_AUDIT_FORGOTTEN or NULL */
	char *fields;		/* comma-separated field names, or NULL */
	char *detail;		/* a JSON object text, or NULL */
} ft_audit;

typedef struct ft_audit_filter {
	int64_t since;		/* ts >= since; 0: no bound */
	int64_t until;		/* ts < until; 0: no bound */
	const char *customer;	/* this uuid only; NULL: every entry */
	int descending;		/* newest first */
	int64_t limit;		/* 0: no limit */
} ft_audit_filter;

typedef int (*ft_audit_cb)(void *ctx, const ft_audit *a);

/* Name who makes the changes of s from now on: printable text, 1 to
 * FT_AUDIT_ACTOR_MAX bytes (FT_EINVAL otherwise).  Until set, the actor
 * is the program's name and the OS user, "ft-enroll/alice". */
int ft_store_set_actor(ft_store *s, const char *actor);
/* The actor of s; valid until the next ft_store_set_actor. */
const char *ft_store_actor(ft_store *s);

/*
 * Record an entry by the actor of s: action (1 to 32 bytes), customer (a
 * uuid or NULL), fields (comma-separated names or NULL) and detail (a
 * JSON object text of counts or NULL; never personal data).  A purge
 * calls ft_store_audit(s, "purge", NULL, NULL, "{\"visits\":12}") in its
 * transaction, and ft_store_audit_forget() for each customer it deletes.
 */
int ft_store_audit(ft_store *s, const char *action, const char *customer,
		   const char *fields, const char *detail);

/* The store's hooks.  add: the fields c was added with; update: the
 * FT_FIELD_* bits changed (c->id names the customer; no entry when there
 * is no such customer); merge: drop's entries become keep's and the
 * merge is recorded; forget: the customer's entries are anonymised and
 * the forget recorded with the counts of what went. */
int ft_store_audit_add(ft_store *s, const ft_customer *c);
int ft_store_audit_update(ft_store *s, const ft_customer *c,
			  unsigned fields);
int ft_store_audit_merge(ft_store *s, const char *keep, const char *drop);
int ft_store_audit_forget(ft_store *s, const char *uuid, int64_t visits,
			  int64_t faces);

/* Audit entries in id order (descending with f->descending).  The entry
 * passed to cb is the store's, valid during the call. */
int ft_store_audits(ft_store *s, const ft_audit_filter *f, ft_audit_cb cb,
		    void *ctx);

/* Events concerning one customer (customer_id), in id order. */
int ft_store_customer_events(ft_store *s, int64_t customer_id,
			     ft_event_cb cb, void *ctx);

#endif
