/*
 * chat_offline — the offline engine: the common questions without a
 * model.  A question is read for its period (chat_when_read) and the
 * meaning of its other words (read_question); a question understood in
 * every part is turned into one tool call, and the tool's result is
 * worded; no figure is computed here, so a question gets the same
 * figure with a model or without.  Anything else is refused, saying
 * what was understood.
 */
#include "chat_priv.h"
#include "record.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *
plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/*
 * Run the tool name with args (consumed), shown to out->tool as the
 * model's calls are.  FT_CHAT_OK with the result in *res (the
 * caller's); after a failed store, FT_CHAT_ETEMP or FT_CHAT_EFAIL; after
 * an error result, which the answer words, FT_CHAT_EFAIL.
 */
static int
ask_tool(ft_chat *e, const char *name, jv args, jv *res)
{
	jv text = jv_dump_string(args, 0), err;
	int rc;

	*res = chat_tool_call(e, name, jv_string_value(text), NULL, &rc);
	if (e->out && e->out->tool) {
		jv r = jv_dump_string(jv_copy(*res), 0);

		e->out->tool(e->out->ctx, name, jv_string_value(text),
			     jv_string_value(r));
		jv_free(r);
	}
	jv_free(text);
	if (rc != FT_OK) {
		jv_free(*res);
		*res = jv_invalid();
		return rc == FT_ETEMP ? FT_CHAT_ETEMP : FT_CHAT_EFAIL;
	}
	err = jv_object_get(jv_copy(*res), jv_string("error"));
	if (jv_get_kind(err) == JV_KIND_STRING) {
		snprintf(e->tool_err, sizeof e->tool_err, "%s",
			 jv_string_value(err));
		chat_say(e, "I could not answer that: %s.\n",
			 jv_string_value(err));
		jv_free(*res);
		*res = jv_invalid();
		rc = FT_CHAT_EFAIL;
	}
	jv_free(err);
	return rc == FT_OK ? FT_CHAT_OK : rc;
}

static double
num(jv o, const char *key)
{
	return ft_record_number(o, key);
}

static jv
period_args(const chat_when *w)
{
	jv a = jv_object();

	if (w->kind) {
		a = jv_object_set(a, jv_string("since"), jv_string(w->since));
		a = jv_object_set(a, jv_string("until"), jv_string(w->until));
	}
	return a;
}

static int
answer_count(ft_chat *e, const char *what, const chat_when *w)
{
	jv a = period_args(w), res;
	int64_t v;
	int rc;

	a = jv_object_set(a, jv_string("what"), jv_string(what));
	if ((rc = ask_tool(e, "count", a, &res)) != FT_CHAT_OK)
		return rc;
	v = (int64_t)num(res, "value");
	jv_free(res);
	if (!strcmp(what, "visitors"))
		chat_say(e, "%lld %s %s.\n", (long long)v,
		    plural(v, "customer visited", "customers visited"),
		    w->desc);
	else if (!strcmp(what, "visits"))
		chat_say(e, "%lld %s %s.\n", (long long)v,
		    plural(v, "visit", "visits"), w->desc);
	else
		chat_say(e, "%lld new %s %s.\n", (long long)v,
		    plural(v, "customer", "customers"), w->desc);
	return FT_CHAT_OK;
}

static int
answer_total(ft_chat *e)
{
	int64_t v;
	jv res;
	int rc;

	if ((rc = ask_tool(e, "get_stats", jv_object(), &res)) != FT_CHAT_OK)
		return rc;
	v = (int64_t)num(res, "total_customers");
	jv_free(res);
	chat_say(e, "%lld %s in all.\n", (long long)v,
	    plural(v, "customer", "customers"));
	return FT_CHAT_OK;
}

static int
answer_stats(ft_chat *e)
{
	jv res;
	int rc;

	if ((rc = ask_tool(e, "get_stats", jv_object(), &res)) != FT_CHAT_OK)
		return rc;
	chat_say(e, "Customers: %.0f\nNew today: %.0f\nVisits today: %.0f\n"
	    "Visits in the last 7 days: %.0f\n"
	    "Returning rate: %.2f%% of customers who visited came back\n",
	    num(res, "total_customers"), num(res, "new_today"),
	    num(res, "visits_today"), num(res, "visits_week"),
	    num(res, "returning_rate") * 100);
	jv_free(res);
	return FT_CHAT_OK;
}

static int
answer_per_day(ft_chat *e, int fresh, chat_when *w)
{
	const char *series = fresh ? "new_customers_per_day"
			     : "visits_per_day";
	jv res, recs, pts = jv_null();
	int i, n, back, rc;
	int64_t total = 0;
	ft_period days;

	if (w->kind != CHAT_WHEN_DAYS) {
		ft_period p;

		ft_times_period_named(FT_PERIOD_LAST_DAYS, 7, e->now, &p);
		chat_set_days(w, &p, "in the last 7 days");
	}
	if (ft_times_period(w->p.since, e->now, &days) != 0 ||
	    (back = days.days) < 1 || back > 3660) {
		chat_say(e, "I can list days up to today only, and not more "
			 "than 3660 days back.\n");
		return FT_CHAT_EUNKNOWN;
	}
	rc = ask_tool(e, "get_trend", JV_OBJECT(jv_string("days"),
		      jv_number(back)), &res);
	if (rc != FT_CHAT_OK)
		return rc;
	recs = jv_object_get(res, jv_string("records"));
	n = jv_array_length(jv_copy(recs));
	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(recs), i);
		jv name = jv_object_get(jv_copy(r), jv_string("name"));

		if (!strcmp(jv_string_value(name), series)) {
			jv_free(pts);
			pts = jv_object_get(jv_copy(r), jv_string("points"));
		}
		jv_free(name);
		jv_free(r);
	}
	jv_free(recs);
	chat_say(e, "%s per day %s:\n", fresh ? "New customers" : "Visits",
	    w->desc);
	n = jv_get_kind(pts) == JV_KIND_ARRAY ? jv_array_length(jv_copy(pts))
	    : 0;
	for (i = 0; i < n; i++) {
		jv pt = jv_array_get(jv_copy(pts), i);
		jv d = jv_array_get(jv_copy(pt), 0);
		jv v = jv_array_get(pt, 1);

		if (strcmp(jv_string_value(d), w->p.first) >= 0 &&
		    strcmp(jv_string_value(d), w->p.last) <= 0) {
			chat_say(e, "  %s  %.0f\n", jv_string_value(d),
			    jv_number_value(v));
			total += (int64_t)jv_number_value(v);
		}
		jv_free(d);
		jv_free(v);
	}
	jv_free(pts);
	chat_say(e, "Total: %lld\n", (long long)total);
	return FT_CHAT_OK;
}

static int
answer_top(ft_chat *e, long limit, const chat_when *w)
{
	jv a = period_args(w), res, recs;
	int i, n, rc;

	a = jv_object_set(a, jv_string("limit"), jv_number(limit));
	if ((rc = ask_tool(e, "top_customers", a, &res)) != FT_CHAT_OK)
		return rc;
	recs = jv_object_get(res, jv_string("records"));
	n = jv_array_length(jv_copy(recs));
	if (n == 0)
		chat_say(e, "No visits %s.\n", w->kind ? w->desc : "yet");
	else
		chat_say(e, "Top %d %s %s:\n", n, plural(n, "visitor",
		    "visitors"), w->kind ? w->desc : "of all time");
	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(recs), i);
		jv name = jv_object_get(jv_copy(r), jv_string("name"));
		jv id = jv_object_get(jv_copy(r), jv_string("id"));
		int64_t v = (int64_t)num(r, "visits_in_range");

		if (jv_get_kind(name) == JV_KIND_STRING)
			chat_say(e, "  %d. %s: %lld %s\n", i + 1,
			    jv_string_value(name), (long long)v,
			    plural(v, "visit", "visits"));
		else
			chat_say(e, "  %d. (no name, %.8s): %lld %s\n", i + 1,
			    jv_string_value(id), (long long)v,
			    plural(v, "visit", "visits"));
		jv_free(name);
		jv_free(id);
		jv_free(r);
	}
	jv_free(recs);
	return FT_CHAT_OK;
}

/* "2026-11-23 14:05 UTC" of an RFC 3339 time, in local time. */
static void
local_time(const char *rfc, char *buf, size_t len)
{
	int64_t ms;
	struct tm tm;

	if (ft_time_parse(rfc, 0, 0, &ms) != 0) {
		snprintf(buf, len, "%s", rfc);
		return;
	}
	ft_time_local(ms, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm);
}

/* Trim name in place: blanks at both ends, a possessive "'s". */
static char *
trim_name(char *name)
{
	char *q = name;
	size_t i;

	while (*q == ' ')
		q++;
	memmove(name, q, strlen(q) + 1);
	i = strlen(name);
	while (i && name[i - 1] == ' ')
		name[--i] = '\0';
	if (i > 2 && !strcmp(name + i - 2, "'s"))
		name[i -= 2] = '\0';
	if (!*name) {
		free(name);
		return NULL;
	}
	return name;
}

/* The name as the question wrote it: the normalised copy lost the
 * ASCII capitals, which the original still has. */
static char *
restore_case(const char *orig, char *name)
{
	size_t i = strlen(name);
	const char *p;

	for (p = orig; *p; p++) {
		if (!strncasecmp(p, name, i)) {
			memcpy(name, p, i);
			break;
		}
	}
	return name;
}

/* The words between the words after and the first of befores (or the
 * end), from the normalised question s. */
static char *
name_between(const char *orig, const char *s, const char *after,
	     const char *const *befores)
{
	const char *a = chat_find(s, after), *b = NULL, *p;
	char *name;
	int k;

	if (!a)
		return NULL;
	a += strlen(after);
	for (k = 0; befores[k]; k++) {
		p = chat_find(a, befores[k]);
		if (p && (!b || p < b))
			b = p;
	}
	if (!b)
		b = s + strlen(s);
	name = trim_name(ft_xasprintf("%.*s", (int)(b - a), a));
	return name ? restore_case(orig, name) : NULL;
}

/* The customer a question about a last visit names:
 * "when did NAME last visit", "when was NAME last here", "last visit
 * of NAME", "NAME's last visit". */
static char *
customer_name(const char *orig, const char *s)
{
	static const char *const ends[] = {
		"last", "visit", "visited", "come", "came", "been", "here",
		"in", NULL
	};
	static const char *const none[] = { NULL };
	static const char *const starts[] = {
		"did", "was", "has", "when", NULL
	};
	static const char *const lead[] = {
		"when ", "what ", "was ", "is ", "were ", "the ", "show ",
		"me ", NULL
	};
	const char *p, *a;
	char *name;
	int i;

	if ((name = name_between(orig, s, "last visit of", none)) ||
	    (name = name_between(orig, s, "last visit by", none)) ||
	    (name = name_between(orig, s, "last visit from", none)) ||
	    (name = name_between(orig, s, "last seen", none)))
		return name;
	if ((p = strstr(s, "'s last visit"))) {
		for (a = s + 1, i = 0; lead[i]; i++)
			if (!strncmp(a, lead[i], strlen(lead[i]))) {
				a += strlen(lead[i]);
				i = -1;
			}
		name = trim_name(ft_xasprintf("%.*s", (int)(p - a), a));
		return name ? restore_case(orig, name) : NULL;
	}
	for (i = 0; starts[i]; i++)
		if ((name = name_between(orig, s, starts[i], ends)))
			return name;
	return NULL;
}

/* The customer whose visits a chart is of: "chart the visits of
 * NAME", "plot NAME's visits". */
static char *
chart_name(const char *orig, const char *s)
{
	static const char *const none[] = { NULL };
	static const char *const lead[] = {
		"chart ", "plot ", "graph ", "draw ", "show ", "me ", "the ",
		"a ", "of ", NULL
	};
	const char *p, *a;
	char *name;
	int i;

	if ((name = name_between(orig, s, "visits of", none)) ||
	    (name = name_between(orig, s, "visits by", none)) ||
	    (name = name_between(orig, s, "visits from", none)))
		return name;
	if (!(p = strstr(s, "'s visits")))
		return NULL;
	for (a = s + 1, i = 0; lead[i]; i++)
		if (!strncmp(a, lead[i], strlen(lead[i]))) {
			a += strlen(lead[i]);
			i = -1;
		}
	name = trim_name(ft_xasprintf("%.*s", (int)(p - a), a));
	return name ? restore_case(orig, name) : NULL;
}

/* Whether name holds words of a period ("last week"): no name then. */
static int
names_period(const char *name)
{
	chat_when w;

	chat_when_parse(name, ft_time_now(), &w);
	return w.kind != CHAT_WHEN_NONE;
}

/* The customer a question about their visits names: "how often does
 * NAME come", "how many times has NAME visited", "how many visits has
 * NAME made", "when did NAME first visit", "first visit of NAME". */
static char *
history_name(const char *orig, const char *s)
{
	static const char *const ends[] = {
		"come", "came", "visit", "visited", "been", "make", "made",
		"had", "have", "first", "here", "in", "to", NULL
	};
	static const char *const none[] = { NULL };
	static const char *const starts[] = {
		"how often does", "how often did", "how often has",
		"how many times has", "how many times did",
		"how many times does", "how many visits has",
		"how many visits did", "how many visits does", "when did",
		"when was", NULL
	};
	char *name;
	int i;

	if ((name = name_between(orig, s, "first visit of", none)) ||
	    (name = name_between(orig, s, "first visit by", none)))
		return name;
	for (i = 0; starts[i]; i++)
		if ((name = name_between(orig, s, starts[i], ends)))
			return name;
	return NULL;
}

/* The one customer of recs the question means: the only one whose name
 * is name (any case), or the only one found; null when that is not
 * one. */
static jv
the_customer(jv recs, const char *name)
{
	int i, n = jv_array_length(jv_copy(recs)), exact = 0;
	jv pick = jv_null();

	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(recs), i);
		jv rn = jv_object_get(jv_copy(r), jv_string("name"));

		if (jv_get_kind(rn) == JV_KIND_STRING &&
		    !strcasecmp(jv_string_value(rn), name)) {
			exact++;
			jv_free(pick);
			pick = jv_copy(r);
		}
		jv_free(rn);
		jv_free(r);
	}
	if (n == 1 && !exact) {
		jv_free(pick);
		return jv_array_get(jv_copy(recs), 0);
	}
	if (exact != 1) {
		jv_free(pick);
		return jv_null();
	}
	return pick;
}

/* One customer's last visit, or when they registered. */
static void
say_last_visit(ft_chat *e, jv c)
{
	jv rn = jv_object_get(jv_copy(c), jv_string("name"));
	jv lv = jv_object_get(jv_copy(c), jv_string("last_visit"));
	jv cr = jv_object_get(jv_copy(c), jv_string("created"));
	int64_t visits = (int64_t)num(c, "visits");
	char when[64];

	if (jv_get_kind(lv) == JV_KIND_STRING) {
		local_time(jv_string_value(lv), when, sizeof when);
		chat_say(e, "%s last visited on %s (%lld %s in all).\n",
			 jv_string_value(rn), when, (long long)visits,
			 plural(visits, "visit", "visits"));
	} else {
		local_time(jv_string_value(cr), when, sizeof when);
		chat_say(e, "%s has not visited yet (registered %s).\n",
			 jv_string_value(rn), when);
	}
	jv_free(rn);
	jv_free(lv);
	jv_free(cr);
	jv_free(c);
}

/* The n customers whose names contain name, most recent visitor first. */
static void
say_matches(ft_chat *e, jv res, jv recs, int n, const char *name)
{
	jv more = jv_object_get(jv_copy(res), jv_string("truncated"));
	char when[64];
	int i;

	if (jv_get_kind(more) == JV_KIND_TRUE)
		chat_say(e, "More than %d customers match '%s'; the %d most "
			 "recent visitors:\n", n, name, n);
	else
		chat_say(e, "%d customers match '%s'; the most recent "
			 "visitors first:\n", n, name);
	jv_free(more);
	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(recs), i);
		jv rn = jv_object_get(jv_copy(r), jv_string("name"));
		jv lv = jv_object_get(r, jv_string("last_visit"));

		if (jv_get_kind(lv) == JV_KIND_STRING) {
			local_time(jv_string_value(lv), when, sizeof when);
			chat_say(e, "  %s: last visit %s\n",
				 jv_string_value(rn), when);
		} else {
			chat_say(e, "  %s: no visit yet\n",
				 jv_string_value(rn));
		}
		jv_free(rn);
		jv_free(lv);
	}
}

static jv first_record(jv res);

/* One customer's visits: how many, the first and the last. */
static int
say_history(ft_chat *e, jv c)
{
	jv id = jv_object_get(jv_copy(c), jv_string("id"));
	jv rn = jv_object_get(jv_copy(c), jv_string("name"));
	jv lv = jv_object_get(jv_copy(c), jv_string("last_visit"));
	int64_t visits = (int64_t)num(c, "visits");
	char first[64], last[64];
	jv res, v;
	int rc = FT_CHAT_OK;

	if (jv_get_kind(lv) != JV_KIND_STRING) {
		chat_say(e, "%s has not visited yet.\n", jv_string_value(rn));
		goto out;
	}
	rc = ask_tool(e, "list_visits", JV_OBJECT(jv_string("customer"),
		      jv_copy(id), jv_string("limit"), jv_number(1)), &res);
	if (rc != FT_CHAT_OK)
		goto out;
	v = first_record(res);
	local_time(jv_string_value(jv_object_get(jv_copy(v),
		   jv_string("ts"))), first, sizeof first);
	local_time(jv_string_value(lv), last, sizeof last);
	chat_say(e, "%s came %lld %s: the first visit on %s, the last on "
		 "%s.\n", jv_string_value(rn), (long long)visits,
		 plural(visits, "time", "times"), first, last);
	jv_free(v);
out:
	jv_free(id);
	jv_free(rn);
	jv_free(lv);
	jv_free(c);
	return rc;
}

static int answer_chart_customer(ft_chat *e, jv c);

/* The customer called name: their last visit, with history 1 all their
 * visits, with 2 a chart of them; the ambiguity of a name several share
 * said aloud. */
static int
answer_customer(ft_chat *e, const char *name, int history)
{
	jv a, res, recs, pick;
	int n, rc;

	a = JV_OBJECT(jv_string("name"), jv_string(name),
		      jv_string("sort"), jv_string("last-visit"),
		      jv_string("reverse"), jv_true(),
		      jv_string("limit"), jv_number(10));
	if ((rc = ask_tool(e, "find_customers", a, &res)) != FT_CHAT_OK)
		return rc;
	recs = jv_object_get(jv_copy(res), jv_string("records"));
	n = jv_array_length(jv_copy(recs));
	pick = the_customer(recs, name);
	if (n == 0)
		chat_say(e, "No customer's name contains '%s'.\n", name);
	else if (jv_get_kind(pick) == JV_KIND_OBJECT && history == 2)
		rc = answer_chart_customer(e, jv_copy(pick));
	else if (jv_get_kind(pick) == JV_KIND_OBJECT && history)
		rc = say_history(e, jv_copy(pick));
	else if (jv_get_kind(pick) == JV_KIND_OBJECT)
		say_last_visit(e, jv_copy(pick));
	else
		say_matches(e, res, recs, n, name);
	jv_free(pick);
	jv_free(recs);
	jv_free(res);
	return rc;
}

/* The charts the offline engine draws, in the words of its answer. */
static const struct {
	const char *series, *says;
} charts[] = {
	{ "visits_per_day", "visits per day" },
	{ "new_customers_per_day", "new customers per day" },
	{ "visits_by_weekday", "visits by day of the week" },
	{ "visits_by_hour", "visits by hour" }
};

static int
answer_chart(ft_chat *e, int which, chat_when *w)
{
	jv a, res, files;
	int rc, i, n;

	if (w->kind != CHAT_WHEN_DAYS) {
		ft_period p;

		ft_times_period_named(FT_PERIOD_LAST_DAYS, 30, e->now, &p);
		chat_set_days(w, &p, "in the last 30 days");
	}
	a = JV_OBJECT(jv_string("series"), jv_string(charts[which].series),
		      jv_string("since"), jv_string(w->since),
		      jv_string("until"), jv_string(w->until));
	if ((rc = ask_tool(e, "make_chart", a, &res)) != FT_CHAT_OK)
		return rc;
	files = jv_object_get(jv_copy(res), jv_string("files"));
	n = jv_array_length(jv_copy(files));
	chat_say(e, "Chart of %s %s, %.0f in all, %s", charts[which].says,
	    w->desc, num(res, "total"), n ? "written to " : "shown below");
	for (i = 0; i < n; i++) {
		jv f = jv_array_get(jv_copy(files), i);

		chat_say(e, "%s%s", i ? " and " : "", jv_string_value(f));
		jv_free(f);
	}
	chat_say(e, ".\n");
	jv_free(files);
	jv_free(res);
	return FT_CHAT_OK;
}

/* Say where the chart of a tool's result (borrowed) went. */
static void
say_files(ft_chat *e, jv res)
{
	jv files = jv_object_get(jv_copy(res), jv_string("files"));
	int i, n = jv_array_length(jv_copy(files));

	chat_say(e, "%s", n ? "written to " : "shown below");
	for (i = 0; i < n; i++) {
		jv f = jv_array_get(jv_copy(files), i);

		chat_say(e, "%s%s", i ? " and " : "", jv_string_value(f));
		jv_free(f);
	}
	chat_say(e, ".\n");
	jv_free(files);
}

/* Say the labelled figures of a chart's result (borrowed), "NAME 54,
 * NAME 49". */
static void
say_points(ft_chat *e, jv res)
{
	jv pts = jv_object_get(jv_copy(res), jv_string("points"));
	int i, n = jv_array_length(jv_copy(pts));

	for (i = 0; i < n; i++) {
		jv pt = jv_array_get(jv_copy(pts), i);
		jv l = jv_array_get(jv_copy(pt), 0);
		jv v = jv_array_get(pt, 1);

		chat_say(e, "%s%s %.0f", i ? ", " : "", jv_string_value(l),
			 jv_number_value(v));
		jv_free(l);
		jv_free(v);
	}
	jv_free(pts);
}

/* A chart of the top customers by visits of w (all time when none). */
static int
answer_chart_top(ft_chat *e, long limit, const chat_when *w)
{
	jv a = period_args(w), res;
	int rc;

	a = jv_object_set(a, jv_string("series"), jv_string("top_customers"));
	a = jv_object_set(a, jv_string("limit"), jv_number(limit));
	if ((rc = ask_tool(e, "make_chart", a, &res)) != FT_CHAT_OK)
		return rc;
	chat_say(e, "Chart of the top %ld customers by visits %s: ", limit,
		 w->kind ? w->desc : "of all time");
	say_points(e, res);
	chat_say(e, "; ");
	say_files(e, res);
	jv_free(res);
	return FT_CHAT_OK;
}

/* A chart of one customer's visits per month. */
static int
answer_chart_customer(ft_chat *e, jv c)
{
	jv id = jv_object_get(jv_copy(c), jv_string("id")), res;
	jv name = jv_object_get(c, jv_string("name"));
	int rc;

	rc = ask_tool(e, "make_chart", JV_OBJECT(jv_string("series"),
		      jv_string("customer_visits"), jv_string("customer"),
		      jv_copy(id)), &res);
	if (rc == FT_CHAT_OK) {
		if (jv_get_kind(name) == JV_KIND_STRING)
			chat_say(e, "Chart of the visits of %s per month: ",
				 jv_string_value(name));
		else
			chat_say(e, "Chart of the visits of (no name, %.8s) per "
				 "month: ", jv_string_value(id));
		say_points(e, res);
		chat_say(e, "; ");
		say_files(e, res);
		jv_free(res);
	}
	jv_free(id);
	jv_free(name);
	return rc;
}

/* The first record of a tool's listing result (res, consumed). */
static jv
first_record(jv res)
{
	jv recs = jv_object_get(res, jv_string("records"));
	jv r = jv_array_length(jv_copy(recs)) > 0 ? jv_array_get(jv_copy(recs),
	       0) : jv_object();

	jv_free(recs);
	return r;
}

/* The conditions of a count of customers, as count_customers takes
 * them, and in words. */
struct census {
	const char *email, *consent, *named;	/* "yes", "no" or NULL */
	int returning;				/* two or more visits */
	long min_visits;			/* N or more visits; 0: any */
	int fresh;				/* registered in the period */
};

static void
census_words(const struct census *c, char *buf, size_t len)
{
	size_t off = 0;

#define ADD(...) (off += (size_t)snprintf(buf + off, len - off, \
		  __VA_ARGS__), off = off < len ? off : len - 1)
	buf[0] = '\0';
	if (c->email)
		ADD(" %s an e-mail address", *c->email == 'y' ? "with"
		    : "without");
	if (c->named)
		ADD("%s %s a name", off ? " and" : "", *c->named == 'y'
		    ? "with" : "without");
	if (c->consent)
		ADD("%s who %s to be recognised", off ? " and" : "",
		    *c->consent == 'y' ? "consented" : "did not consent");
	if (c->min_visits > 2)
		ADD("%s with %ld or more visits", off ? " and" : "",
		    c->min_visits);
	else if (c->returning || c->min_visits == 2)
		ADD("%s with two or more visits", off ? " and" : "");
	else if (c->min_visits == 1)
		ADD("%s with a visit", off ? " and" : "");
#undef ADD
}

static int
answer_census(ft_chat *e, const struct census *c, chat_when *w)
{
	jv a = jv_object(), res, rec;
	char words[160];
	int64_t v;
	int rc;

	if (c->fresh && !w->kind) {
		ft_period p;

		ft_times_period_named(FT_PERIOD_TODAY, 0, e->now, &p);
		chat_set_days(w, &p, "today");
	}
	if (c->fresh)
		a = period_args(w);
	if (c->email)
		a = jv_object_set(a, jv_string("email"), jv_string(c->email));
	if (c->consent)
		a = jv_object_set(a, jv_string("consent"),
				  jv_string(c->consent));
	if (c->named)
		a = jv_object_set(a, jv_string("named"), jv_string(c->named));
	if (c->returning || c->min_visits)
		a = jv_object_set(a, jv_string("min_visits"),
				  jv_number(c->min_visits > 2 ? c->min_visits
					    : c->returning ? 2
					    : c->min_visits));
	if ((rc = ask_tool(e, "count_customers", a, &res)) != FT_CHAT_OK)
		return rc;
	rec = first_record(res);
	v = (int64_t)num(rec, "customers");
	jv_free(rec);
	census_words(c, words, sizeof words);
	if (c->fresh)
		chat_say(e, "%lld new %s%s registered %s.\n", (long long)v,
			 plural(v, "customer", "customers"), words, w->desc);
	else
		chat_say(e, "%lld %s%s.\n", (long long)v,
			 plural(v, "customer", "customers"), words);
	return FT_CHAT_OK;
}

/* What of the averages a question asks for. */
enum average { AVG_PER_CUSTOMER, AVG_PER_DAY, AVG_REPEAT };

static int
answer_average(ft_chat *e, enum average what, const chat_when *w)
{
	jv res, rec;
	double v, u, d, r;
	int rc;

	if ((rc = ask_tool(e, "get_averages", period_args(w), &res)) !=
	    FT_CHAT_OK)
		return rc;
	rec = first_record(res);
	v = num(rec, "visits");
	u = num(rec, "visitors");
	d = num(rec, "days");
	r = num(rec, "repeat_visitors");
	jv_free(rec);
	if (what == AVG_PER_CUSTOMER && u > 0)
		chat_say(e, "%.2f visits per customer %s (%.0f visits by %.0f "
			 "customers).\n", v / u, w->desc, v, u);
	else if (what == AVG_PER_DAY && d > 0)
		chat_say(e, "%.2f visits per day %s (%.0f visits in %.0f "
			 "days).\n", v / d, w->desc, v, d);
	else if (what == AVG_REPEAT && u > 0)
		chat_say(e, "%.2f%% of the customers who visited %s came more "
			 "than once (%.0f of %.0f).\n", r * 100 / u, w->desc,
			 r, u);
	else
		chat_say(e, "No visits %s, so no average.\n", w->desc);
	return FT_CHAT_OK;
}

/* The visitors of a period who had registered before it. */
static int
answer_returning(ft_chat *e, const chat_when *w)
{
	jv res, rec;
	int64_t back, all;
	int rc;

	if ((rc = ask_tool(e, "get_averages", period_args(w), &res)) !=
	    FT_CHAT_OK)
		return rc;
	rec = first_record(res);
	back = (int64_t)num(rec, "returning_visitors");
	all = (int64_t)num(rec, "visitors");
	chat_say(e, "%lld of the %lld customers who visited %s were returning "
		 "(registered before it); %lld were new.\n", (long long)back,
		 (long long)all, w->desc, (long long)(all - back));
	jv_free(rec);
	return FT_CHAT_OK;
}

/* Visits by weekday or hour; only the busiest when busiest is set. */
static int
answer_by_time(ft_chat *e, int hour, int busiest, const chat_when *w)
{
	jv a = period_args(w), res, rec, pts, most;
	int i, n, rc;

	a = jv_object_set(a, jv_string("by"), jv_string(hour ? "hour"
			  : "weekday"));
	if ((rc = ask_tool(e, "visits_by_time", a, &res)) != FT_CHAT_OK)
		return rc;
	rec = first_record(res);
	pts = jv_object_get(jv_copy(rec), jv_string("points"));
	most = jv_object_get(jv_copy(rec), jv_string("busiest"));
	n = jv_array_length(jv_copy(most));
	if (busiest && n == 0)
		chat_say(e, "No visits %s.\n", w->desc);
	else if (busiest) {
		chat_say(e, "The busiest %s %s %s", hour ? "hour" :
			 "day of the week", w->kind ? w->desc : "of all time",
			 n > 1 ? "are, tied," : "is");
		for (i = 0; i < n; i++) {
			jv l = jv_array_get(jv_copy(most), i);

			chat_say(e, "%s %s%s", i ? "," : "",
				 jv_string_value(l), hour ? ":00" : "");
			jv_free(l);
		}
		chat_say(e, ", with %.0f visits.\n", num(rec,
			 "busiest_visits"));
	} else {
		chat_say(e, "Visits by %s %s:\n", hour ? "hour" :
			 "day of the week", w->desc);
	}
	n = jv_array_length(jv_copy(pts));
	for (i = 0; i < n; i++) {
		jv pt = jv_array_get(jv_copy(pts), i);
		jv l = jv_array_get(jv_copy(pt), 0);

		chat_say(e, "  %s%s  %.0f\n", jv_string_value(l),
			 hour ? ":00" : "", jv_number_value(jv_array_get(pt,
			 1)));
		jv_free(l);
	}
	jv_free(pts);
	jv_free(most);
	jv_free(rec);
	return FT_CHAT_OK;
}

/* Customers not seen for more than days days, of min_visits or more. */
static int
answer_lapsed(ft_chat *e, long days, long min_visits)
{
	jv a, res, recs;
	int i, n, rc;
	int64_t total;

	a = JV_OBJECT(jv_string("days"), jv_number(days),
		      jv_string("min_visits"), jv_number(min_visits),
		      jv_string("limit"), jv_number(20));
	if ((rc = ask_tool(e, "lapsed_customers", a, &res)) != FT_CHAT_OK)
		return rc;
	recs = jv_object_get(res, jv_string("records"));
	n = jv_array_length(jv_copy(recs));
	{
		jv c = jv_array_get(jv_copy(recs), 0);

		total = (int64_t)num(c, "customers");
		jv_free(c);
	}
	chat_say(e, "%lld %s who came at least %ld %s %s not been seen "
		 "for more than %ld days%s\n", (long long)total,
		 plural(total, "customer", "customers"), min_visits,
		 plural(min_visits, "time", "times"),
		 plural(total, "has", "have"), days,
		 total > 20 ? "; the 20 longest absent:" : total ? ":" : ".");
	for (i = 1; i < n; i++) {
		jv r = jv_array_get(jv_copy(recs), i);
		jv nm = jv_object_get(jv_copy(r), jv_string("name"));
		jv lv = jv_object_get(jv_copy(r), jv_string("last_visit"));
		char when[64];

		local_time(jv_string_value(lv), when, sizeof when);
		chat_say(e, "  %s: last visit %s, %.0f %s\n",
			 jv_get_kind(nm) == JV_KIND_STRING ?
			 jv_string_value(nm) : "(no name)", when,
			 num(r, "visits"), plural((int64_t)num(r, "visits"),
			 "visit", "visits"));
		jv_free(nm);
		jv_free(lv);
		jv_free(r);
	}
	jv_free(recs);
	return FT_CHAT_OK;
}

/* The customers who came in every week a period touches. */
static int
answer_loyal(ft_chat *e, const chat_when *w)
{
	jv a = period_args(w), res, recs, c;
	int64_t total;
	int i, n, rc;

	a = jv_object_set(a, jv_string("limit"), jv_number(20));
	if ((rc = ask_tool(e, "loyal_customers", a, &res)) != FT_CHAT_OK)
		return rc;
	recs = jv_object_get(res, jv_string("records"));
	n = jv_array_length(jv_copy(recs));
	c = jv_array_get(jv_copy(recs), 0);
	total = (int64_t)num(c, "customers");
	chat_say(e, "%lld %s came in each of the %.0f weeks (Monday to "
		 "Sunday) touched by the period %s%s\n", (long long)total,
		 plural(total, "customer", "customers"), num(c, "weeks"),
		 w->desc, total > 20 ? "; the 20 with the most visits:" :
		 total ? ":" : ".");
	jv_free(c);
	for (i = 1; i < n; i++) {
		jv r = jv_array_get(jv_copy(recs), i);
		jv nm = jv_object_get(jv_copy(r), jv_string("name"));
		int64_t v = (int64_t)num(r, "visits_in_range");

		chat_say(e, "  %s: %lld %s\n", jv_get_kind(nm) ==
			 JV_KIND_STRING ? jv_string_value(nm) : "(no name)",
			 (long long)v, plural(v, "visit", "visits"));
		jv_free(nm);
		jv_free(r);
	}
	jv_free(recs);
	return FT_CHAT_OK;
}

/* One figure of a comparison: "Visits: 93 … against 805 …: -712
 * (-88.4%)". */
static void
say_change(ft_chat *e, jv rec, const char *key, const char *label,
	   const chat_when *w, const chat_when *w2)
{
	jv p = jv_object_get(jv_copy(rec), jv_string("period"));
	jv q = jv_object_get(jv_copy(rec), jv_string("against"));
	double x = num(p, key), y = num(q, key);

	if (y > 0)
		chat_say(e, "%s: %.0f %s against %.0f %s: %+.0f (%+.1f%%)\n",
			 label, x, w->desc, y, w2->desc, x - y,
			 (x - y) * 100 / y);
	else
		chat_say(e, "%s: %.0f %s against %.0f %s: %+.0f\n", label, x,
			 w->desc, y, w2->desc, x - y);
	jv_free(p);
	jv_free(q);
}

/* The calendar unit p is whole of: 'w' a week (Monday to Sunday), 'm'
 * a month, 'y' a year; 0 for none. */
static int
whole_unit(const ft_period *p)
{
	struct tm a, b;

	ft_time_local(p->since, &a);
	ft_time_local(p->until, &b);
	if (p->days == 7 && a.tm_wday == 1)
		return 'w';
	if (a.tm_mday != 1 || b.tm_mday != 1)
		return 0;
	if (a.tm_mon == 0 && b.tm_mon == 0 && b.tm_year == a.tm_year + 1)
		return 'y';
	if ((b.tm_year * 12 + b.tm_mon) - (a.tm_year * 12 + a.tm_mon) == 1)
		return 'm';
	return 0;
}

/* The name w's description gives its period ("last week"), without a
 * leading "in", into buf. */
static void
period_name(const chat_when *w, char *buf, size_t len)
{
	const char *d = w->desc, *paren = strstr(d, " (");

	if (!strncmp(d, "in ", 3))
		d += 3;
	snprintf(buf, len, "%.*s", paren ? (int)(paren - d) : (int)len, d);
}

/*
 * Like with like: a period that runs to today (this week, this month,
 * november) is compared so far, and a whole calendar week, month or
 * year before it that starts where it does (a Monday, the 1st, January
 * 1st) only over the same days: this week's Monday and Tuesday against
 * last week's.
 */
static void
same_days(ft_chat *e, chat_when *run, chat_when *other)
{
	int64_t today = ft_time_day_start(e->now);
	struct tm a, b;
	ft_period p, q;
	char name[96], desc[128];
	int unit;

	if (run->kind != CHAT_WHEN_DAYS || other->kind != CHAT_WHEN_DAYS ||
	    run->p.since > today || run->p.until <= today ||
	    other->p.until > run->p.since || !(unit = whole_unit(&other->p)))
		return;
	ft_time_local(run->p.since, &a);
	ft_time_local(other->p.since, &b);
	if ((unit == 'w' && a.tm_wday != 1) || (unit != 'w' &&
	    (a.tm_mday != 1 || (unit == 'y' && a.tm_mon != 0))))
		return;
	if (ft_times_period(run->p.since, e->now, &p) != 0)
		return;
	if (p.days < run->p.days) {
		period_name(run, name, sizeof name);
		snprintf(desc, sizeof desc, "%s so far", name);
		chat_set_days(run, &p, desc);
	}
	if (p.days >= other->p.days ||
	    ft_times_period(other->p.since, ft_time_day_add(other->p.since,
			    p.days) - 1, &q) != 0)
		return;
	period_name(other, name, sizeof name);
	snprintf(desc, sizeof desc, "the same days%s%s", *name ? " of " : "",
		 name);
	chat_set_days(other, &q, desc);
}

static int
answer_compare(ft_chat *e, unsigned which, chat_when *w, chat_when *w2)
{
	jv a, res, rec;
	int rc;

	same_days(e, w, w2);
	same_days(e, w2, w);
	a = JV_OBJECT(jv_string("since"), jv_string(w->since),
		      jv_string("until"), jv_string(w->until),
		      jv_string("against_since"), jv_string(w2->since),
		      jv_string("against_until"), jv_string(w2->until));
	if ((rc = ask_tool(e, "compare_periods", a, &res)) != FT_CHAT_OK)
		return rc;
	rec = first_record(res);
	if (which & 1)
		say_change(e, rec, "visits", "Visits", w, w2);
	if (which & 2)
		say_change(e, rec, "visitors", "Customers who visited", w, w2);
	if (which & 4)
		say_change(e, rec, "new_customers", "New customers", w, w2);
	if (w->p.days != w2->p.days)
		chat_say(e, "The periods differ in length: %d %s against "
			 "%d.\n", w->p.days, plural(w->p.days, "day", "days"),
			 w2->p.days);
	jv_free(rec);
	return FT_CHAT_OK;
}

/* A chart of two periods' visits, visitors and new customers, like
 * with like as a comparison is. */
static int
answer_chart_compare(ft_chat *e, chat_when *w, chat_when *w2)
{
	jv a, res;
	int rc;

	same_days(e, w, w2);
	same_days(e, w2, w);
	a = JV_OBJECT(jv_string("series"), jv_string("compare"),
		      jv_string("since"), jv_string(w->since),
		      jv_string("until"), jv_string(w->until),
		      jv_string("against_since"), jv_string(w2->since),
		      jv_string("against_until"), jv_string(w2->until));
	if ((rc = ask_tool(e, "make_chart", a, &res)) != FT_CHAT_OK)
		return rc;
	chat_say(e, "Chart of %s (A) against %s (B): ", w->desc, w2->desc);
	say_points(e, res);
	chat_say(e, "; ");
	say_files(e, res);
	jv_free(res);
	return FT_CHAT_OK;
}

static void
offline_help(ft_chat *e)
{
	chat_say(e, "I answer questions about this shop's customers and "
	    "visits from the FaceTrack store.\n"
	    "Without a language model I can answer questions like "
	    "these:\n"
	    "  how many customers visited last week?\n"
	    "  how many visits yesterday? (today, this month, in the last 7 "
	    "days, on 2026-11-20, from 2026-11-01 to 2026-11-15, in "
	    "november)\n"
	    "  how many new customers this week?\n"
	    "  how many customers have an e-mail address? (without, "
	    "consented, with a name, returning)\n"
	    "  average visits per customer this month? (per day; the "
	    "returning rate)\n"
	    "  which day of the week is busiest? (hour; visits by hour)\n"
	    "  customers who have not come back in 30 days (at least 3 "
	    "visits)\n"
	    "  compare this week to last week\n"
	    "  new customers per day this month\n"
	    "  who are the top 5 visitors this month? (the best 3 customers "
	    "last week)\n"
	    "  how many customers came at least 5 times?\n"
	    "  when did Anna Müller last visit?\n"
	    "  chart visits per day this month (the top 5 customers; this "
	    "week vs last week; Anna Müller's visits)\n"
	    "  stats\n"
	    "Set OPENROUTER_API_KEY (or FT_LLM_API_KEY) for any other "
	    "question.\n");
}

/*
 * Reading a question.  Every part that changes the answer must be
 * understood: the period (chat_when), then the words of a lexicon, each
 * phrase setting what it means (a measure, a condition, a grouping...),
 * are taken out of the question; what is left must be words that change
 * nothing ("the", "please").  A word left over, or parts that make no
 * question together, mean a refusal that says what was understood.
 */

/* What the phrases of a question mean, as bits. */
#define W_HELP          (1ULL << 0) /* hello, help, what can you do */
#define W_STATS         (1ULL << 1) /* the dashboard's figures */
#define W_CHART         (1ULL << 2)
#define W_TOP           (1ULL << 3) /* top N */
#define W_MOST          (1ULL << 4) /* the most, busiest */
#define W_LAST_VISIT    (1ULL << 5)
#define W_WHEN          (1ULL << 6)
#define W_COUNT         (1ULL << 7) /* how many */
#define W_ALL           (1ULL << 8) /* in all, so far: all time said aloud */
#define W_AVG           (1ULL << 9)
#define W_RATE          (1ULL << 10) /* share, percentage */
#define W_VISITS        (1ULL << 11)
#define W_PEOPLE        (1ULL << 12) /* customers */
#define W_VISITORS      (1ULL << 13) /* distinct customers who visited */
#define W_CAME          (1ULL << 14) /* visited, came */
#define W_NEW           (1ULL << 15)
#define W_RETURNING     (1ULL << 16)
#define W_EMAIL         (1ULL << 17)
#define W_CONSENT       (1ULL << 18)
#define W_NAMED         (1ULL << 19)
#define W_UNNAMED       (1ULL << 20)
#define W_NOT           (1ULL << 21)
#define W_PER_DAY       (1ULL << 22)
#define W_PER_CUSTOMER  (1ULL << 23)
#define W_WEEKDAY       (1ULL << 24)
#define W_HOUR          (1ULL << 25)
#define W_BY            (1ULL << 26) /* by, per, each: a grouping */
#define W_LAPSED        (1ULL << 27)
#define W_COMPARE       (1ULL << 28)
#define W_LOYAL         (1ULL << 29) /* came every week */
#define W_DAYS          (1ULL << 30) /* "for 30 days" of a lapse */
#define W_MIN_VISITS    (1ULL << 31) /* "at least 3 visits" */
#define W_VISIT         (1ULL << 32) /* a noun, or a verb of people */
#define W_OFTEN         (1ULL << 33) /* how often, how many times */
#define W_FIRST         (1ULL << 34) /* a first visit */

/* The phrases, a longer one before any shorter one it holds. */
static const struct phrase {
	const char *words;
	unsigned long long means;
} lexicon[] = {
	{ "what can you do", W_HELP }, { "what can i ask", W_HELP },
	{ "what do you know", W_HELP }, { "who are you", W_HELP },
	{ "what are you", W_HELP }, { "how do i use", W_HELP },
	{ "help", W_HELP }, { "hi", W_HELP }, { "hello", W_HELP },
	{ "hey", W_HELP }, { "good morning", W_HELP },
	{ "good afternoon", W_HELP }, { "good evening", W_HELP },
	{ "key figures", W_STATS }, { "stats", W_STATS },
	{ "statistics", W_STATS }, { "overview", W_STATS },
	{ "summary", W_STATS }, { "dashboard", W_STATS },
	{ "bar chart", W_CHART }, { "chart", W_CHART }, { "plot", W_CHART },
	{ "graph", W_CHART }, { "draw", W_CHART }, { "diagram", W_CHART },
	{ "visualise", W_CHART }, { "visualize", W_CHART },
	{ "histogram", W_CHART },
	{ "most recent visit", W_LAST_VISIT }, { "latest visit", W_LAST_VISIT },
	{ "last visit", W_LAST_VISIT }, { "last visited", W_LAST_VISIT },
	{ "last seen", W_LAST_VISIT }, { "last here", W_LAST_VISIT },
	{ "last came", W_LAST_VISIT }, { "last come", W_LAST_VISIT },
	{ "last time", W_LAST_VISIT }, { "when", W_WHEN },
	{ "how often", W_OFTEN }, { "how many times", W_OFTEN },
	{ "first visit", W_FIRST }, { "first visited", W_FIRST },
	{ "first came", W_FIRST }, { "first come", W_FIRST },
	{ "most loyal", W_TOP }, { "most regular", W_TOP },
	{ "most active", W_TOP }, { "best", W_TOP }, { "regulars", W_TOP }, { "top", W_TOP },
	{ "loyal", W_LOYAL },
	{ "most popular", W_MOST }, { "most visited", W_MOST },
	{ "busiest", W_MOST }, { "peak", W_MOST }, { "the most", W_MOST },
	{ "most often", W_MOST }, { "most frequently", W_MOST },
	{ "most frequent", W_MOST }, { "most", W_MOST },
	{ "total number of", W_COUNT }, { "how many", W_COUNT },
	{ "number of", W_COUNT }, { "count", W_COUNT }, { "total", W_COUNT },
	{ "in total", W_ALL }, { "in all", W_ALL }, { "altogether", W_ALL },
	{ "so far", W_ALL }, { "overall", W_ALL }, { "of all time", W_ALL },
	{ "all time", W_ALL }, { "all-time", W_ALL }, { "ever", W_ALL },
	{ "on average", W_AVG }, { "average", W_AVG }, { "avg", W_AVG },
	{ "mean", W_AVG },
	{ "per cent", W_RATE }, { "percentage", W_RATE },
	{ "percent", W_RATE }, { "proportion", W_RATE }, { "share", W_RATE },
	{ "fraction", W_RATE }, { "rate", W_RATE }, { "ratio", W_RATE },
	{ "per customer", W_PER_CUSTOMER }, { "per person", W_PER_CUSTOMER },
	{ "per visitor", W_PER_CUSTOMER }, { "each customer", W_PER_CUSTOMER },
	{ "per client", W_PER_CUSTOMER },
	{ "days of the week", W_WEEKDAY }, { "day of the week", W_WEEKDAY },
	{ "day of week", W_WEEKDAY }, { "weekdays", W_WEEKDAY },
	{ "weekday", W_WEEKDAY },
	{ "hour of the day", W_HOUR }, { "hour of day", W_HOUR },
	{ "time of day", W_HOUR }, { "time of the day", W_HOUR },
	{ "hourly", W_HOUR | W_BY }, { "hours", W_HOUR }, { "hour", W_HOUR },
	{ "what time", W_HOUR },
	{ "per day", W_PER_DAY }, { "each day", W_PER_DAY },
	{ "every day", W_PER_DAY }, { "daily", W_PER_DAY },
	{ "by day", W_PER_DAY }, { "a day", W_PER_DAY },
	{ "day by day", W_PER_DAY }, { "by date", W_PER_DAY },
	{ "every single week", W_LOYAL }, { "every week", W_LOYAL },
	{ "each week", W_LOYAL },
	{ "broken down by", W_BY }, { "split by", W_BY },
	{ "for each", W_BY }, { "by", W_BY }, { "per", W_BY },
	{ "each", W_BY },
	{ "unique visitors", W_VISITORS }, { "distinct visitors", W_VISITORS },
	{ "distinct customers", W_VISITORS },
	{ "different customers", W_VISITORS },
	{ "unique customers", W_VISITORS },
	{ "individual customers", W_VISITORS },
	{ "visitors", W_VISITORS }, { "visitor", W_VISITORS },
	{ "came back", W_RETURNING }, { "come back", W_RETURNING },
	{ "coming back", W_RETURNING }, { "been back", W_RETURNING },
	{ "returning", W_RETURNING }, { "returned", W_RETURNING },
	{ "return", W_RETURNING }, { "repeat", W_RETURNING },
	{ "stopped coming", W_LAPSED }, { "stopped visiting", W_LAPSED },
	{ "lapsed", W_LAPSED },
	{ "footfall", W_VISITS }, { "visits", W_VISITS },
	{ "customers", W_PEOPLE }, { "customer", W_PEOPLE },
	{ "people", W_PEOPLE }, { "persons", W_PEOPLE },
	{ "person", W_PEOPLE }, { "guests", W_PEOPLE }, { "guest", W_PEOPLE },
	{ "clients", W_PEOPLE }, { "client", W_PEOPLE },
	{ "shoppers", W_PEOPLE },
	{ "were here", W_CAME }, { "was here", W_CAME },
	{ "been here", W_CAME }, { "been in", W_CAME },
	{ "came in", W_CAME }, { "come in", W_CAME },
	{ "showed up", W_CAME }, { "show up", W_CAME },
	{ "dropped in", W_CAME }, { "stopped by", W_CAME },
	{ "visited", W_CAME }, { "visiting", W_CAME }, { "came", W_CAME },
	{ "come", W_CAME }, { "coming", W_CAME }, { "been", W_CAME },
	{ "seen", W_CAME }, { "visit", W_VISIT },
	{ "first-time", W_NEW }, { "first time", W_NEW },
	{ "signed up", W_NEW }, { "registered", W_NEW },
	{ "joined", W_NEW }, { "new", W_NEW },
	{ "email addresses", W_EMAIL }, { "email address", W_EMAIL },
	{ "e-mail addresses", W_EMAIL }, { "e-mail address", W_EMAIL },
	{ "emails", W_EMAIL }, { "email", W_EMAIL }, { "e-mails", W_EMAIL },
	{ "e-mail", W_EMAIL },
	{ "gave consent", W_CONSENT }, { "given consent", W_CONSENT },
	{ "opted in", W_CONSENT }, { "consented", W_CONSENT },
	{ "consent", W_CONSENT }, { "agreed", W_CONSENT },
	{ "unnamed", W_UNNAMED },
	{ "nameless", W_UNNAMED },
	{ "a name", W_NAMED }, { "named", W_NAMED }, { "names", W_NAMED },
	{ "name", W_NAMED },
	{ "do not", W_NOT }, { "does not", W_NOT }, { "did not", W_NOT },
	{ "have not", W_NOT }, { "has not", W_NOT }, { "not", W_NOT },
	{ "don't", W_NOT }, { "doesn't", W_NOT }, { "didn't", W_NOT },
	{ "haven't", W_NOT }, { "hasn't", W_NOT }, { "without", W_NOT },
	{ "no", W_NOT }, { "never", W_NOT }, { "missing", W_NOT },
	{ "compared to", W_COMPARE }, { "compared with", W_COMPARE },
	{ "compare", W_COMPARE }, { "versus", W_COMPARE },
	{ "vs", W_COMPARE }, { "against", W_COMPARE },
	{ NULL, 0 }
};

/* Words that change no answer. */
static const char *const filler[] = {
	"a", "an", "the", "what", "what's", "whats", "how", "is", "are",
	"was", "were", "be", "do", "does", "did", "we", "i", "our", "us",
	"me", "my", "you", "your", "there", "have", "has", "had", "got",
	"of", "in", "on", "at", "for", "during", "to", "with", "and",
	"please", "tell", "show", "give", "list", "get", "can", "could",
	"would", "will", "which", "who", "whom", "that", "it", "they",
	"them", "so", "now", "currently", "far", "here", "shop", "store",
	"any", "some", "about", "let", "know", "want", "like", "i'd",
	"see", "ok", "okay", "thanks", "thank", "find", "out", "this",
	"these", "those", "all", "make", "made", "-", NULL
};

/* What a question asks for, as read. */
enum kind {
	K_UNKNOWN, K_HELP, K_CHART, K_LAST_VISIT, K_TOP, K_PER_DAY, K_STATS,
	K_NEW, K_VISITORS, K_VISITS, K_TOTAL, K_CENSUS, K_AVERAGE,
	K_BUSIEST, K_BY_TIME, K_LAPSED, K_COMPARE, K_CUSTOMER, K_LOYAL,
	K_RETURNING, K_CHART_TOP, K_CHART_COMPARE, K_CHART_CUSTOMER
};

struct reading {
	unsigned long long means;		/* W_* of the phrases found */
	chat_when w;		/* the period; CHAT_WHEN_NONE: none */
	chat_when w2;		/* the period compared against */
	long limit;		/* top N: N; -1 when not said */
	long days;		/* "for 30 days": 30; 0 when not said */
	long min_visits;	/* "at least 3 visits": 3; 0 when not said */
	char *name;		/* the customer named, or NULL */
	struct census census;	/* K_CENSUS: its conditions */
	enum average average;	/* K_AVERAGE: which */
	char left[160];		/* words not understood, "'a', 'b'" */
	enum kind kind;
};

/* Whether m has no bits outside allowed. */
#define ONLY(m, allowed)	(((m) & ~(unsigned long long)(allowed)) == 0)

static int
is_filler(const char *word, size_t len)
{
	int i;

	for (i = 0; filler[i]; i++)
		if (strlen(filler[i]) == len && !strncmp(filler[i], word, len))
			return 1;
	return 0;
}

/* Note the words of s that are no filler in r->left. */
static void
leftovers(struct reading *r, const char *s)
{
	size_t off = 0, len;
	const char *p = s;

	r->left[0] = '\0';
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " ");
		if (!is_filler(p, len) && off < sizeof r->left - 1)
			off += (size_t)snprintf(r->left + off,
						sizeof r->left - off,
						"%s'%.*s'", off ? ", " : "",
						(int)len, p);
		p += len;
	}
}

/* Whether every word of name is one the lexicon or the fillers know
 * ("we", "our customers"): then it names nobody. */
static int
names_nobody(const char *name)
{
	char *s = chat_normalise(name), *p;
	const struct phrase *ph;
	size_t len;
	int known = 1;

	for (p = s; *p && known; p += len) {
		while (*p == ' ')
			p++;
		if (!(len = strcspn(p, " ")))
			break;
		known = is_filler(p, len);
		for (ph = lexicon; ph->words && !known; ph++)
			known = strlen(ph->words) == len &&
				!strncmp(ph->words, p, len);
	}
	free(s);
	return known;
}

/* Take the name of the customer a question about a last visit names out
 * of m into r->name. */
static void
take_name(struct reading *r, const char *orig, const char *s, char *m)
{
	char *low, *p;
	size_t k;

	if (r->means & (W_OFTEN | W_FIRST) ||
	    ((r->means & W_COUNT) && chat_find(s, "how many visits")))
		r->name = history_name(orig, s);
	else if ((r->means & W_LAST_VISIT) ||
		 ((r->means & W_WHEN) && (r->means & (W_CAME | W_VISITS))))
		r->name = customer_name(orig, s);
	else if (r->means & W_CHART)
		r->name = chart_name(orig, s);
	if (r->name && (names_nobody(r->name) || names_period(r->name))) {
		free(r->name);
		r->name = NULL;
	}
	if (!r->name)
		return;
	low = chat_normalise(r->name);
	k = strlen(low);
	if (k > 2)
		low[k - 1] = '\0';	/* the name may go on with "'s" */
	if (k > 2 && (p = strstr(m, low)) != NULL) {
		memset(p, ' ', k - 2);
		for (p += k - 2; *p && *p != ' '; p++)
			*p = ' ';	/* "'s" */
	}
	free(low);
}

/* Words that rank customers by their visits: "top", "best", "most
 * loyal"; a number beside one ("top 5", "best three", "the 3 most
 * loyal") is how many. */
static const char *const rankers[] = {
	"top", "best", "most loyal", "most frequent", "most regular",
	"most active", "most visits", "most often", NULL
};

/* Blank the word at p, which is preceded by a blank. */
static void
blank_word(char *p)
{
	while (*p && *p != ' ')
		*p++ = ' ';
}

/* The number beside a ranking word, taken out of m. */
static void
take_limit(struct reading *r, char *m)
{
	const char *p;
	char *q;
	long n;
	int i;

	for (i = 0; rankers[i]; i++) {
		if (!(p = chat_find(m, rankers[i])))
			continue;
		q = (char *)p + strlen(rankers[i]) + 1;
		if ((n = chat_number_at(q)) >= 0) {
			r->limit = n;
			blank_word(q);
			return;
		}
		/* The word before it: back over the blank, to its start. */
		for (q = (char *)p - 1; q > m && q[-1] != ' '; q--)
			;
		if (q > m && (n = chat_number_at(q)) >= 0) {
			r->limit = n;
			blank_word(q);
			return;
		}
	}
}

/* Blank the words at p of m up to the end of the nth word. */
static void
blank_words(char *p, int n)
{
	for (; *p && n > 0; p++) {
		if (*p == ' ' && p[1] != ' ')
			n--;
		if (n > 0)
			*p = ' ';
	}
}

/* "30 days", "two weeks" (not after a "last", which is a period): the
 * days of a lapse, taken out of m. */
static void
take_days(struct reading *r, char *m)
{
	static const char *const units[] = {
		"days ", "day ", "weeks ", "week ", NULL
	};
	char *p;
	long n;
	int i;

	for (p = m; *p; p++) {
		if (*p != ' ' || (n = chat_number_at(p + 1)) < 1)
			continue;
		const char *u = strchr(p + 1, ' ') + 1;

		for (i = 0; units[i]; i++)
			if (!strncmp(u, units[i], strlen(units[i])))
				break;
		if (!units[i] || n > 3660)
			continue;
		r->days = n * (u[0] == 'w' ? 7 : 1);
		r->means |= W_DAYS;
		blank_words(p + 1, 2);
		return;
	}
}

/* Where the words w stand at p (after a blank): the blank after them,
 * or NULL. */
static char *
words_at(char *p, const char *w)
{
	size_t k = strlen(w);

	return !strncmp(p, w, k) && p[k] == ' ' ? p + k : NULL;
}

/* A count of visits at p (after a blank): a number that a unit must
 * follow (*unit set), or "once" or "twice"; -1 when none. */
static long
count_word(char *p, int *unit)
{
	*unit = 0;
	if (words_at(p, "once"))
		return 1;
	if (words_at(p, "twice"))
		return 2;
	*unit = 1;
	return chat_number_at(p);
}

/* "at least 3 visits", "3 or more times", "more than 2 visits", "at
 * least twice", "more than once", taken out of m. */
static void
take_min_visits(struct reading *r, char *m)
{
	static const struct {
		const char *before, *after;
		int more;	/* "more than N": N + 1 */
	} forms[] = {
		{ "at least", "", 0 }, { "more than", "", 1 },
		{ "", "or more", 0 }, { NULL, NULL, 0 }
	};
	static const char *const units[] = {
		"visits", "times", "visit", "time", NULL
	};
	char *p, *q, *u;
	long n;
	int i, j, unit;

	for (i = 0; forms[i].before; i++) {
		for (p = m; (p = strchr(p, ' ')) && p[1]; p++) {
			q = p;
			if (*forms[i].before &&
			    !(q = words_at(p + 1, forms[i].before)))
				continue;
			if ((n = count_word(q + 1, &unit)) < 0)
				continue;
			q = strchr(q + 1, ' ');
			if (*forms[i].after &&
			    !(q = words_at(q + 1, forms[i].after)))
				continue;
			for (j = 0, u = NULL; unit && units[j] && !u; j++)
				u = words_at(q + 1, units[j]);
			if (unit && !u)
				continue;
			q = u ? u : q;
			r->min_visits = n + forms[i].more;
			r->means |= W_MIN_VISITS;
			/* From the first word to the unit's end. */
			memset(p + 1, ' ', (size_t)(q - p - 1));
			return;
		}
	}
}

/* A second period of a comparison, read from m after the first, and
 * the two in the order the question names them. */
static void
take_second_period(ft_chat *e, struct reading *r, char *m)
{
	chat_when t;

	chat_when_read(m, e->now, &r->w2);
	chat_when_blank(&r->w2, m);
	if (r->w.nused && r->w2.nused && r->w2.used[0].at < r->w.used[0].at) {
		t = r->w;
		r->w = r->w2;
		r->w2 = t;
	}
}

/* Read the normalised question s (orig as asked) into r. */
static void
read_question(ft_chat *e, const char *orig, const char *s,
	      struct reading *r)
{
	char *m = ft_xstrdup(s);
	const struct phrase *ph;

	memset(r, 0, sizeof *r);
	r->limit = -1;
	chat_when_read(m, e->now, &r->w);
	chat_when_blank(&r->w, m);
	for (ph = lexicon; ph->words; ph++)
		if (chat_find(m, ph->words) && (ph->means & (W_LAST_VISIT |
			W_WHEN | W_OFTEN | W_FIRST | W_COUNT | W_CHART)))
			r->means |= ph->means;
	take_name(r, orig, s, m);
	take_limit(r, m);
	take_min_visits(r, m);
	take_days(r, m);
	for (ph = lexicon; ph->words; ph++)
		while (chat_take(m, ph->words))
			r->means |= ph->means;
	if (r->means & W_COMPARE)
		take_second_period(e, r, m);
	if (r->means & W_VISIT)
		r->means = (r->means & ~W_VISIT) |
			   (r->means & (W_PEOPLE | W_VISITORS) ? W_CAME
			    : W_VISITS);
	leftovers(r, m);
	free(m);
}

#define CONDITIONS	(W_EMAIL | W_CONSENT | W_NAMED | W_UNNAMED)

/* A count of customers by conditions: "how many customers have no
 * e-mail address", "how many returning customers"; a negation goes
 * with the one condition there is. */
static enum kind
decide_census(struct reading *r)
{
	unsigned long long m = r->means, c = m & CONDITIONS;
	struct census *k = &r->census;
	const char *no = m & W_NOT ? "no" : "yes";

	/* "customers who came at least 5 times" is a count without "how
	 * many", and "came" is what the visits count. */
	unsigned long long more = m & W_MIN_VISITS ? W_MIN_VISITS | W_CAME : 0;

	if (!(m & (W_COUNT | W_MIN_VISITS)) || !(m & W_PEOPLE) ||
	    !(c || (m & (W_RETURNING | W_MIN_VISITS))) ||
	    !ONLY(m, W_PEOPLE | W_COUNT | W_ALL | CONDITIONS | W_NOT | W_NEW |
		  W_RETURNING | more))
		return K_UNKNOWN;
	if (((m & W_NOT) && (c & (c - 1))) || ((m & W_NOT) && !c) ||
	    ((m & W_UNNAMED) && (m & (W_NAMED | W_NOT))) ||
	    ((m & W_RETURNING) && (m & W_NEW)) ||
	    (r->w.kind && !(m & W_NEW)))
		return K_UNKNOWN;
	memset(k, 0, sizeof *k);
	k->email = m & W_EMAIL ? no : NULL;
	k->consent = m & W_CONSENT ? no : NULL;
	k->named = m & W_NAMED ? no : m & W_UNNAMED ? "no" : NULL;
	k->returning = (m & W_RETURNING) != 0;
	k->min_visits = r->min_visits;
	k->fresh = (m & W_NEW) != 0;
	return K_CENSUS;
}

/* Averages, busy times, lapsed customers and comparisons. */
static enum kind
decide_more(struct reading *r)
{
	unsigned long long m = r->means, t = m & (W_WEEKDAY | W_HOUR);
	unsigned long long per = W_VISITS | W_AVG | W_COUNT | W_CAME | W_ALL;

	if ((m & W_VISITS) && (m & W_PER_CUSTOMER) &&
	    ONLY(m, per | W_PER_CUSTOMER))
		return r->average = AVG_PER_CUSTOMER, K_AVERAGE;
	if ((m & W_VISITS) && (m & W_PER_DAY) && (m & W_AVG) &&
	    ONLY(m, per | W_PER_DAY))
		return r->average = AVG_PER_DAY, K_AVERAGE;
	if ((m & W_RETURNING) && (m & W_RATE) &&
	    ONLY(m, W_RETURNING | W_RATE | W_PEOPLE | W_VISITORS | W_CAME |
		 W_ALL))
		return r->average = AVG_REPEAT, K_AVERAGE;
	if ((m & W_MOST) && (t == W_WEEKDAY || t == W_HOUR) &&
	    ONLY(m, W_MOST | t | W_VISITS))
		return K_BUSIEST;
	if ((t == W_WEEKDAY || t == W_HOUR) && (m & W_VISITS) &&
	    (m & (W_BY | W_COUNT)) && ONLY(m, t | W_BY | W_VISITS | W_COUNT))
		return K_BY_TIME;
	if (((m & W_LAPSED) || ((m & W_NOT) &&
				(m & (W_CAME | W_RETURNING | W_VISITS)))) &&
	    ((m & (W_LAPSED | W_DAYS)) || r->w.span_days) &&
	    (!r->w.kind || (r->w.span_days && !(m & W_DAYS))) &&
	    ONLY(m, W_LAPSED | W_NOT | W_CAME | W_RETURNING | W_VISITS |
		 W_PEOPLE | W_COUNT | W_DAYS | W_MIN_VISITS)) {
		if (!r->days)
			r->days = r->w.span_days ? r->w.span_days : 30;
		return K_LAPSED;
	}
	if ((m & W_RETURNING) && (m & W_COUNT) && r->w.kind == CHAT_WHEN_DAYS
	    && ONLY(m, W_RETURNING | W_PEOPLE | W_VISITORS | W_CAME |
		    W_COUNT))
		return K_RETURNING;
	if ((m & W_LOYAL) && r->w.kind == CHAT_WHEN_DAYS &&
	    ONLY(m, W_LOYAL | W_PEOPLE | W_VISITORS | W_CAME | W_COUNT))
		return K_LOYAL;
	if ((m & W_COMPARE) && r->w.kind == CHAT_WHEN_DAYS &&
	    r->w2.kind == CHAT_WHEN_DAYS &&
	    !((m & W_NEW) && (m & (W_VISITS | W_VISITORS | W_CAME))) &&
	    ONLY(m, W_COMPARE | W_VISITS | W_PEOPLE | W_VISITORS | W_NEW |
		 W_CAME | W_COUNT))
		return K_COMPARE;
	return K_UNKNOWN;
}

/* Charts of the top customers, of two periods, of one customer. */
static enum kind
decide_chart(struct reading *r)
{
	unsigned long long m = r->means, who = W_PEOPLE | W_VISITORS;

	if (!(m & W_CHART))
		return K_UNKNOWN;
	if (r->name && !r->w.kind && ONLY(m, W_CHART | W_VISITS | W_CAME))
		return K_CHART_CUSTOMER;
	if ((m & (W_TOP | W_MOST)) && (m & (W_TOP | who)) &&
	    ONLY(m, W_CHART | W_TOP | W_MOST | who | W_VISITS | W_CAME |
		 W_ALL | W_BY))
		return r->limit != 0 && r->limit <= 50 ? K_CHART_TOP
		       : K_UNKNOWN;
	if ((m & W_COMPARE) && r->w.kind == CHAT_WHEN_DAYS &&
	    r->w2.kind == CHAT_WHEN_DAYS &&
	    ONLY(m, W_CHART | W_COMPARE | W_VISITS | W_PEOPLE | W_VISITORS |
		 W_NEW | W_CAME | W_COUNT))
		return K_CHART_COMPARE;
	return K_UNKNOWN;
}

/* The kind of question r is, from what it means; K_UNKNOWN when its
 * parts make none. */
static enum kind
decide_kind(struct reading *r)
{
	unsigned long long m = r->means;
	int when = r->w.kind != CHAT_WHEN_NONE;
	unsigned long long who = W_PEOPLE | W_VISITORS;
	enum kind k;

	if (r->left[0] || (when && (m & W_ALL)) ||
	    (r->w2.kind && !(m & W_COMPARE)))
		return K_UNKNOWN;
	if ((k = decide_chart(r)) != K_UNKNOWN)
		return k;
	if ((k = decide_census(r)) != K_UNKNOWN ||
	    (k = decide_more(r)) != K_UNKNOWN)
		return k;
	if ((m & (W_DAYS | W_MIN_VISITS | W_COMPARE)) || r->w2.kind)
		return K_UNKNOWN;
	if ((m & W_HELP) && ONLY(m, W_HELP) && !when)
		return K_HELP;
	if ((m & W_STATS) && ONLY(m, W_STATS) && !when)
		return K_STATS;
	if ((m & W_CHART) && (m & W_VISITS) &&
	    ((m & (W_WEEKDAY | W_HOUR)) == W_WEEKDAY ||
	     (m & (W_WEEKDAY | W_HOUR)) == W_HOUR) &&
	    ONLY(m, W_CHART | W_VISITS | W_WEEKDAY | W_HOUR | W_BY))
		return K_CHART;
	if ((m & W_CHART) && (m & (W_VISITS | W_NEW)) &&
	    ONLY(m, W_CHART | W_VISITS | W_NEW | W_PEOPLE | W_PER_DAY) &&
	    !((m & W_VISITS) && (m & W_NEW)))
		return K_CHART;
	if (r->name && !when &&
	    ONLY(m, W_LAST_VISIT | W_WHEN | W_CAME | W_VISITS))
		return K_LAST_VISIT;
	if (r->name && !when && (m & (W_OFTEN | W_FIRST | W_COUNT)) &&
	    ONLY(m, W_OFTEN | W_FIRST | W_WHEN | W_CAME | W_VISITS | W_COUNT))
		return K_CUSTOMER;
	if (((m & W_TOP) || ((m & W_MOST) && (m & (who | W_CAME)))) &&
	    ONLY(m, W_TOP | W_MOST | who | W_VISITS | W_CAME | W_ALL))
		return r->limit != 0 && r->limit <= 100 ? K_TOP : K_UNKNOWN;
	if ((m & W_PER_DAY) && (m & (W_VISITS | W_NEW)) &&
	    !((m & W_VISITS) && (m & W_NEW)) &&
	    ONLY(m, W_PER_DAY | W_VISITS | W_NEW | W_PEOPLE | W_COUNT |
		 W_CAME))
		return K_PER_DAY;
	if ((m & W_NEW) && ONLY(m, W_NEW | W_PEOPLE | W_COUNT | W_CAME))
		return K_NEW;
	if (!(m & W_COUNT) && !when)
		return K_UNKNOWN;
	if ((m & W_VISITS) && !(m & W_VISITORS) &&
	    ONLY(m, W_VISITS | W_COUNT | W_CAME | W_PEOPLE | W_ALL))
		return K_VISITS;
	if (((m & W_VISITORS) || ((m & W_PEOPLE) && (m & W_CAME)) ||
	     ((m & W_PEOPLE) && when)) &&
	    ONLY(m, who | W_CAME | W_COUNT | W_ALL))
		return K_VISITORS;
	if ((m & W_PEOPLE) && ONLY(m, W_PEOPLE | W_COUNT | W_ALL))
		return K_TOTAL;
	return K_UNKNOWN;
}

/* decide_kind, and a number of customers asked for only of the top
 * ones ("the 3 busiest hours" is not answered as the busiest). */
static enum kind
decide(struct reading *r)
{
	enum kind k = decide_kind(r);

	return r->limit >= 0 && k != K_TOP && k != K_CHART_TOP ? K_UNKNOWN
	       : k;
}

/* The parts of a question as the refusal names them. */
static const struct {
	unsigned long long bit;
	const char *says;
} parts[] = {
	{ W_COUNT, "a count" }, { W_AVG, "an average" },
	{ W_RATE, "a share" }, { W_TOP, "the top customers" },
	{ W_MOST, "the most or busiest" }, { W_VISITS, "visits" },
	{ W_PEOPLE, "customers" }, { W_VISITORS, "visitors" },
	{ W_CAME, "who came" }, { W_NEW, "new customers" },
	{ W_RETURNING, "returning customers" }, { W_EMAIL, "e-mail" },
	{ W_CONSENT, "consent" }, { W_NAMED, "names" },
	{ W_UNNAMED, "unnamed customers" }, { W_NOT, "a negation" },
	{ W_PER_DAY, "per day" }, { W_PER_CUSTOMER, "per customer" },
	{ W_WEEKDAY, "day of the week" }, { W_HOUR, "hour" },
	{ W_BY, "a breakdown" }, { W_LAPSED, "customers who stopped coming" },
	{ W_COMPARE, "a comparison" }, { W_LOYAL, "every week" },
	{ W_CHART, "a chart" }, { W_STATS, "the overview" },
	{ W_LAST_VISIT, "a last visit" }, { W_ALL, "all time" },
	{ W_OFTEN, "how often" }, { W_FIRST, "a first visit" },
	{ W_MIN_VISITS, "a least number of visits" },
	{ W_DAYS, "a number of days" },
	{ 0, NULL }
};

/* The question nearest to r that the engine answers. */
static void
nearest(const struct reading *r, char *buf, size_t len)
{
	unsigned long long m = r->means;
	const char *when = r->w.kind ? r->w.desc : "last week";

	if (m & W_LAPSED)
		snprintf(buf, len, "which customers with at least %ld visits "
			 "have not come for %ld days?", r->min_visits ?
			 r->min_visits : 3, r->days ? r->days : 30);
	else if (m & W_MIN_VISITS)
		snprintf(buf, len, "how many customers came at least %ld "
			 "times?", r->min_visits);
	else if (m & W_LOYAL)
		snprintf(buf, len, "which customers came every week %s?",
			 when);
	else if (m & W_MOST)
		snprintf(buf, len, "which day of the week is busiest %s?",
			 r->w.kind ? when : "last month");
	else if (m & W_NEW)
		snprintf(buf, len, "how many new customers %s?", when);
	else if (m & W_VISITS)
		snprintf(buf, len, "how many visits %s?", when);
	else if (m & (W_PEOPLE | W_VISITORS))
		snprintf(buf, len, "how many customers visited %s?", when);
	else
		snprintf(buf, len, "how many customers visited last week?");
}

/* Say what of r was understood and what was not. */
static void
refuse(ft_chat *e, const struct reading *r)
{
	char near[160];
	int i, n = 0;

	chat_say(e, "That question is beyond what I can answer offline.\n");
	if (!r->means && !r->w.kind) {
		offline_help(e);
		return;
	}
	chat_say(e, "I understood:");
	for (i = 0; parts[i].says; i++)
		if (r->means & parts[i].bit)
			chat_say(e, "%s %s", n++ ? "," : "", parts[i].says);
	if (r->w.kind)
		chat_say(e, "%s the period %s", n++ ? "," : "", r->w.desc);
	if (r->name)
		chat_say(e, "%s the customer '%s'", n++ ? "," : "", r->name);
	chat_say(e, ".\n");
	if (r->left[0])
		chat_say(e, "I did not understand: %s.\n", r->left);
	else
		chat_say(e, "I cannot answer these together.\n");
	nearest(r, near, sizeof near);
	chat_say(e, "The nearest question I can answer: %s\n"
		 "Ask \"help\" for the others; set OPENROUTER_API_KEY (or "
		 "FT_LLM_API_KEY) for any question.\n", near);
}

/* Whether the offline engine knows the question. */
int
chat_offline_knows(ft_chat *e, const char *question)
{
	char *s = chat_normalise(question);
	struct reading r;

	read_question(e, question, s, &r);
	free(s);
	free(r.name);
	return decide(&r) != K_UNKNOWN;
}

/* The figures a comparison names, as bits: 1 visits, 2 visitors, 4
 * new customers; all three when it names none. */
static unsigned
compared(unsigned long long m)
{
	unsigned which = 0;

	if (m & W_VISITS)
		which |= 1;
	if ((m & (W_PEOPLE | W_VISITORS | W_CAME)) && !(m & W_NEW))
		which |= 2;
	if (m & W_NEW)
		which |= 4;
	return which ? which : 7;
}

static int
answer(ft_chat *e, struct reading *r)
{
	chat_when *w = &r->w;
	ft_period p;

	switch (r->kind) {
	case K_HELP: offline_help(e); return FT_CHAT_OK;
	case K_CHART:
		return answer_chart(e, r->means & W_HOUR ? 3 : r->means &
				    W_WEEKDAY ? 2 : (r->means & W_NEW) != 0,
				    w);
	case K_LAST_VISIT: return answer_customer(e, r->name, 0);
	case K_CUSTOMER: return answer_customer(e, r->name, 1);
	case K_TOP: return answer_top(e, r->limit > 0 ? r->limit : 10, w);
	case K_PER_DAY:
		return answer_per_day(e, (r->means & W_NEW) != 0, w);
	case K_STATS: return answer_stats(e);
	case K_NEW:
		if (!w->kind) {
			ft_times_period_named(FT_PERIOD_TODAY, 0, e->now, &p);
			chat_set_days(w, &p, "today");
		}
		return answer_count(e, "new_customers", w);
	case K_VISITORS: return answer_count(e, "visitors", w);
	case K_VISITS: return answer_count(e, "visits", w);
	case K_TOTAL: return answer_total(e);
	case K_CENSUS: return answer_census(e, &r->census, w);
	case K_AVERAGE: return answer_average(e, r->average, w);
	case K_BUSIEST:
		return answer_by_time(e, (r->means & W_HOUR) != 0, 1, w);
	case K_BY_TIME:
		return answer_by_time(e, (r->means & W_HOUR) != 0, 0, w);
	case K_LAPSED:
		return answer_lapsed(e, r->days, r->min_visits ?
				     r->min_visits : 1);
	case K_COMPARE:
		return answer_compare(e, compared(r->means), w, &r->w2);
	case K_LOYAL: return answer_loyal(e, w);
	case K_RETURNING: return answer_returning(e, w);
	case K_CHART_TOP:
		return answer_chart_top(e, r->limit > 0 ? r->limit : 10, w);
	case K_CHART_COMPARE: return answer_chart_compare(e, w, &r->w2);
	case K_CHART_CUSTOMER: return answer_customer(e, r->name, 2);
	default: return FT_CHAT_EUNKNOWN;
	}
}

int
chat_offline_answer(ft_chat *e, const char *question)
{
	char *s = chat_normalise(question);
	struct reading r;
	int rc;

	read_question(e, question, s, &r);
	r.kind = decide(&r);
	if (r.kind == K_UNKNOWN) {
		refuse(e, &r);
		rc = FT_CHAT_EUNKNOWN;
	} else {
		rc = answer(e, &r);
	}
	free(r.name);
	free(s);
	return rc;
}
