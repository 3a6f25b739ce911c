/*
 * record — the JSON-lines records (facetrack-records(5)) of the store's
 * rows.  Each function returns a new jv object, the caller's to free.
 */
#ifndef FT_RECORD_H
#define FT_RECORD_H

#include <jv.h>

#include "review.h"
#include "store.h"

/* {"type":"customer","id","name","email","notes","consent","created",
 *  "last_visit","visits","faces"} */
jv ft_record_customer(const ft_customer *c);

/* {"type":"visit","id","customer","name","ts","source","distance",
 *  "new_customer","number"}; the name is v->name, or c->name when c is
 *  given. */
jv ft_record_visit(const ft_visit *v, const ft_customer *c);

/* {"type":"sample","id","customer","quality","created"}: face sample f
 * of the customer whose uuid is customer. */
jv ft_record_sample(const ft_face *f, const char *customer);

/* {"type":"stat","total_customers","new_today","visits_today",
 *  "visits_week","returning_rate"} */
jv ft_record_stats(const ft_stats *st);

/* {"type":"erasure","customer","samples","visits","events","ts"}: the
 *  receipt of a forget. */
jv ft_record_erasure(const ft_erasure *e);

/* {"type":"suggestion","rank","customers":[a,b],"distance","lead","names",
 *  "visits","samples","last_visits"}: a pair of lib/review's, a and b
 *  its customers as read (each array in that order). */
jv ft_record_suggestion(int rank, const ft_review_pair *p,
			const ft_customer *a, const ft_customer *b);

/* {"type":"search","photo","rank","customer","name","distance",
 *  "last_visit","visits"}: customer c found distance from the face of
 *  photo (a name for the photo, shown as given). */
jv ft_record_search(const char *photo, int rank, double distance,
		    const ft_customer *c);

/* A time member: RFC 3339 text, or null for 0. */
jv ft_record_time(int64_t ms);

/* The number member key of o (borrowed: not freed); 0 when it is not
 * a number. */
double ft_record_number(jv o, const char *key);

#endif
