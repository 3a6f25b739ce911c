/*
 * chat_offline — the offline engine: the common questions without a
 * model.  A question is read for its period (chat_when_parse) and its
 * kind (classify), turned into one tool call, and the tool's result is
 * worded; no figure is computed here, so a question gets the same
 * figure with a model or without.
 */
#include "chat_priv.h"
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
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;

	jv_free(v);
	return d;
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
answer_top(ft_chat *e, const char *s, const chat_when *w)
{
	long limit = chat_number_after(s, "top");
	jv a = period_args(w), res, recs;
	int i, n, rc;

	if (limit < 1)
		limit = chat_number_after(s, "the");
	if (limit < 1 || limit > 100)
		limit = 10;
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
	time_t t;
	struct tm tm;

	if (ft_time_parse(rfc, 0, 0, &ms) != 0) {
		snprintf(buf, len, "%s", rfc);
		return;
	}
	t = (time_t)(ms / 1000);
	localtime_r(&t, &tm);
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

static int
answer_last_visit(ft_chat *e, const char *orig, const char *s)
{
	char *name = customer_name(orig, s);
	jv a, res, recs, pick;
	int n, rc;

	if (!name) {
		chat_say(e, "Whose last visit? Ask, for example: when did "
			 "Anna Müller last visit?\n");
		return FT_CHAT_EUNKNOWN;
	}
	a = JV_OBJECT(jv_string("name"), jv_string(name),
		      jv_string("sort"), jv_string("last-visit"),
		      jv_string("reverse"), jv_true(),
		      jv_string("limit"), jv_number(10));
	if ((rc = ask_tool(e, "find_customers", a, &res)) != FT_CHAT_OK) {
		free(name);
		return rc;
	}
	recs = jv_object_get(jv_copy(res), jv_string("records"));
	n = jv_array_length(jv_copy(recs));
	pick = the_customer(recs, name);
	if (n == 0)
		chat_say(e, "No customer's name contains '%s'.\n", name);
	else if (jv_get_kind(pick) == JV_KIND_OBJECT)
		say_last_visit(e, jv_copy(pick));
	else
		say_matches(e, res, recs, n, name);
	jv_free(pick);
	jv_free(recs);
	jv_free(res);
	free(name);
	return FT_CHAT_OK;
}

static int
answer_chart(ft_chat *e, int fresh, chat_when *w)
{
	jv a, res, files;
	int rc, i, n;

	if (w->kind != CHAT_WHEN_DAYS) {
		ft_period p;

		ft_times_period_named(FT_PERIOD_LAST_DAYS, 30, e->now, &p);
		chat_set_days(w, &p, "in the last 30 days");
	}
	a = JV_OBJECT(jv_string("series"), jv_string(fresh ?
		      "new_customers_per_day" : "visits_per_day"),
		      jv_string("since"), jv_string(w->since),
		      jv_string("until"), jv_string(w->until));
	if ((rc = ask_tool(e, "make_chart", a, &res)) != FT_CHAT_OK)
		return rc;
	files = jv_object_get(jv_copy(res), jv_string("files"));
	n = jv_array_length(jv_copy(files));
	chat_say(e, "Chart of %s per day %s, %.0f in all, written to ",
	    fresh ? "new customers" : "visits", w->desc, num(res, "total"));
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

static void
offline_help(ft_chat *e)
{
	chat_say(e, "Without a language model I can answer questions like "
	    "these:\n"
	    "  how many customers visited last week?\n"
	    "  how many visits yesterday? (today, this month, in the last 7 "
	    "days, on 2026-11-20, from 2026-11-01 to 2026-11-15, in "
	    "november)\n"
	    "  how many new customers this week?\n"
	    "  new customers per day this month\n"
	    "  who are the top 5 visitors this month?\n"
	    "  when did Anna Müller last visit?\n"
	    "  chart visits per day this month\n"
	    "  stats\n"
	    "Set OPENROUTER_API_KEY (or FT_LLM_API_KEY) for any other "
	    "question.\n");
}

/* The kinds of question the offline engine knows. */
enum kind {
	K_UNKNOWN, K_HELP, K_CHART, K_LAST_VISIT, K_TOP, K_PER_DAY, K_STATS,
	K_NEW, K_VISITORS, K_VISITS, K_TOTAL
};

/* What kind of question the normalised s is; w its period. */
static enum kind
classify(const char *s, const chat_when *w)
{
	static const char *const chart_words[] = {
		"chart", "plot", "graph", "draw", "diagram", "visualise",
		"visualize", "histogram", NULL
	};
	static const char *const top_words[] = {
		"top", "most visits", "most frequent", "most often",
		"regulars", "best customers", "loyal", "most loyal",
		"visited the most", "visit the most", "came the most",
		"most active", NULL
	};
	static const char *const per_day[] = {
		"per day", "each day", "every day", "daily", "by day",
		"a day", NULL
	};
	static const char *const stats_words[] = {
		"stats", "statistics", "overview", "summary", "dashboard",
		"returning rate", "return rate", NULL
	};
	static const char *const count_words[] = {
		"how many", "number of", "count", "total", "how much", NULL
	};
	static const char *const people[] = {
		"customers", "customer", "people", "persons", "visitors",
		"guests", "who", "unique", "different", "distinct", NULL
	};
	static const char *const came[] = {
		"visited", "visit", "came", "come", "were here", "been",
		"showed up", "seen", "returned", NULL
	};
	static const char *const visit_nouns[] = { "visits", "visit", NULL };
	static const char *const when_words[] = {
		"last visit", "last visited", "last seen", "last here",
		"last came", "last come", NULL
	};
	int fresh = chat_find(s, "new") != NULL;

	if (!strcmp(s, " help ") || chat_find(s, "what can you") ||
	    !strcmp(s, " ? "))
		return K_HELP;
	if (chat_any(s, chart_words))
		return K_CHART;
	if (chat_any(s, when_words) ||
	    (chat_find(s, "when") && chat_any(s, came)))
		return K_LAST_VISIT;
	if (chat_any(s, top_words))
		return K_TOP;
	if (chat_any(s, per_day))
		return K_PER_DAY;
	if (chat_any(s, stats_words))
		return K_STATS;
	if (!chat_any(s, count_words) &&
	    !(w->kind && (chat_any(s, people) || chat_any(s, visit_nouns))))
		return K_UNKNOWN;
	if (fresh || chat_find(s, "registered") || chat_find(s, "signed up") ||
	    chat_find(s, "joined"))
		return K_NEW;
	if (chat_find(s, "visitors") ||
	    (chat_any(s, people) && chat_any(s, came) &&
	     !chat_find(s, "visits")))
		return K_VISITORS;
	if (chat_any(s, visit_nouns))
		return K_VISITS;
	if (chat_any(s, people))
		return w->kind ? K_VISITORS : K_TOTAL;
	return K_UNKNOWN;
}

/* Whether the offline engine knows the question. */
int
chat_offline_knows(ft_chat *e, const char *question)
{
	char *s = chat_normalise(question);
	chat_when w;
	enum kind k;

	chat_when_read(s, e->now, &w);
	k = classify(s, &w);
	free(s);
	return k != K_UNKNOWN;
}

int
chat_offline_answer(ft_chat *e, const char *question)
{
	char *s = chat_normalise(question);
	int fresh = chat_find(s, "new") != NULL;
	chat_when w;
	int rc;

	chat_when_read(s, e->now, &w);
	switch (classify(s, &w)) {
	case K_HELP:
		offline_help(e);
		rc = FT_CHAT_OK;
		break;
	case K_CHART: rc = answer_chart(e, fresh, &w); break;
	case K_LAST_VISIT: rc = answer_last_visit(e, question, s); break;
	case K_TOP: rc = answer_top(e, s, &w); break;
	case K_PER_DAY: rc = answer_per_day(e, fresh, &w); break;
	case K_STATS: rc = answer_stats(e); break;
	case K_NEW:
		if (!w.kind) {
			ft_period p;

			ft_times_period_named(FT_PERIOD_TODAY, 0, e->now, &p);
			chat_set_days(&w, &p, "today");
		}
		rc = answer_count(e, "new_customers", &w);
		break;
	case K_VISITORS: rc = answer_count(e, "visitors", &w); break;
	case K_VISITS: rc = answer_count(e, "visits", &w); break;
	case K_TOTAL: rc = answer_total(e); break;
	default: rc = FT_CHAT_EUNKNOWN; break;
	}
	if (rc == FT_CHAT_EUNKNOWN && e->at_line_start) {
		chat_say(e, "That question is beyond what I can answer "
			 "offline.\n");
		offline_help(e);
	}
	free(s);
	return rc;
}

