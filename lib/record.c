/*
 * record — rows of the store as JSON-lines records.
 */
#include "record.h"
#include "jsonl.h"
#include "times.h"

#include <math.h>

jv
ft_record_time(int64_t ms)
{
	char buf[FT_TIME_BUFSZ];

	return ms ? jv_string(ft_time_format(ms, buf)) : jv_null();
}

jv
ft_record_erasure(const ft_erasure *e)
{
	jv o = jv_object_set(jv_object(), jv_string("type"),
			     jv_string("erasure"));

	o = jv_object_set(o, jv_string("customer"), jv_string(e->uuid));
	o = jv_object_set(o, jv_string("samples"),
			  jv_number((double)e->samples));
	o = jv_object_set(o, jv_string("visits"), jv_number((double)e->visits));
	o = jv_object_set(o, jv_string("events"), jv_number((double)e->events));
	return jv_object_set(o, jv_string("ts"), ft_record_time(e->ts));
}

double
ft_record_number(jv o, const char *key)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;

	jv_free(v);
	return d;
}

jv
ft_record_customer(const ft_customer *c)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("customer"));
	o = jv_object_set(o, jv_string("id"), jv_string(c->uuid));
	o = jv_object_set(o, jv_string("name"), ft_jv_string_or_null(c->name));
	o = jv_object_set(o, jv_string("email"),
			  ft_jv_string_or_null(c->email));
	o = jv_object_set(o, jv_string("notes"),
			  ft_jv_string_or_null(c->notes));
	o = jv_object_set(o, jv_string("consent"), jv_bool(c->consent));
	o = jv_object_set(o, jv_string("created"),
			  ft_record_time(c->created_at));
	o = jv_object_set(o, jv_string("last_visit"),
			  ft_record_time(c->last_visit));
	o = jv_object_set(o, jv_string("visits"),
			  jv_number((double)c->visit_count));
	o = jv_object_set(o, jv_string("faces"), jv_number((double)c->faces));
	return o;
}

jv
ft_record_visit(const ft_visit *v, const ft_customer *c)
{
	const char *name = v->name ? v->name : c ? c->name : NULL;
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("visit"));
	o = jv_object_set(o, jv_string("id"), jv_number((double)v->id));
	o = jv_object_set(o, jv_string("customer"), jv_string(v->customer));
	o = jv_object_set(o, jv_string("name"), ft_jv_string_or_null(name));
	o = jv_object_set(o, jv_string("ts"), ft_record_time(v->ts));
	o = jv_object_set(o, jv_string("source"),
			  ft_jv_string_or_null(v->source));
	o = jv_object_set(o, jv_string("distance"), v->distance >= 0 ?
			  jv_number(round(v->distance * 1e4) / 1e4) : jv_null());
	o = jv_object_set(o, jv_string("new_customer"),
			  jv_bool(v->new_customer));
	o = jv_object_set(o, jv_string("number"),
			  jv_number((double)v->number));
	return o;
}

jv
ft_record_sample(const ft_face *f, const char *customer)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("sample"));
	o = jv_object_set(o, jv_string("id"), jv_number((double)f->id));
	o = jv_object_set(o, jv_string("customer"), jv_string(customer));
	o = jv_object_set(o, jv_string("quality"),
			  jv_number(f->quality));
	o = jv_object_set(o, jv_string("created"),
			  ft_record_time(f->created_at));
	return o;
}

jv
ft_record_stats(const ft_stats *st)
{
	double rate = st->visited ?
		round((double)st->returning / (double)st->visited * 1e4) / 1e4
		: 0;
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("stat"));
	o = jv_object_set(o, jv_string("total_customers"),
			  jv_number((double)st->total_customers));
	o = jv_object_set(o, jv_string("new_today"),
			  jv_number((double)st->new_today));
	o = jv_object_set(o, jv_string("visits_today"),
			  jv_number((double)st->visits_today));
	o = jv_object_set(o, jv_string("visits_week"),
			  jv_number((double)st->visits_week));
	o = jv_object_set(o, jv_string("returning_rate"), jv_number(rate));
	return o;
}

/* Distances to four places: enough to rank, short to read. */
static jv
distance(double d)
{
	return jv_number(round(d * 1e4) / 1e4);
}

static jv
pair_of(jv a, jv b)
{
	return jv_array_append(jv_array_append(jv_array(), a), b);
}

jv
ft_record_suggestion(int rank, const ft_review_pair *p, const ft_customer *a,
		     const ft_customer *b)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("suggestion"));
	o = jv_object_set(o, jv_string("rank"), jv_number(rank));
	o = jv_object_set(o, jv_string("customers"),
			  pair_of(jv_string(a->uuid), jv_string(b->uuid)));
	o = jv_object_set(o, jv_string("distance"), distance(p->distance));
	o = jv_object_set(o, jv_string("lead"), distance(p->lead));
	o = jv_object_set(o, jv_string("names"),
			  pair_of(ft_jv_string_or_null(a->name),
				  ft_jv_string_or_null(b->name)));
	o = jv_object_set(o, jv_string("visits"),
			  pair_of(jv_number((double)a->visit_count),
				  jv_number((double)b->visit_count)));
	o = jv_object_set(o, jv_string("samples"),
			  pair_of(jv_number(p->samples_a),
				  jv_number(p->samples_b)));
	o = jv_object_set(o, jv_string("last_visits"),
			  pair_of(ft_record_time(a->last_visit),
				  ft_record_time(b->last_visit)));
	return o;
}

jv
ft_record_search(const char *photo, int rank, double d, const ft_customer *c)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string("search"));
	o = jv_object_set(o, jv_string("photo"), jv_string(photo));
	o = jv_object_set(o, jv_string("rank"), jv_number(rank));
	o = jv_object_set(o, jv_string("customer"), jv_string(c->uuid));
	o = jv_object_set(o, jv_string("name"), ft_jv_string_or_null(c->name));
	o = jv_object_set(o, jv_string("distance"), distance(d));
	o = jv_object_set(o, jv_string("last_visit"),
			  ft_record_time(c->last_visit));
	o = jv_object_set(o, jv_string("visits"),
			  jv_number((double)c->visit_count));
	return o;
}
