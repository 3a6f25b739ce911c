/*
 * chat — the engine: its settings, its output, and the conversation with
 * the model, which asks for tools (chat_tools.c) until it answers.
 * Without a model, or when it cannot be reached before it said anything,
 * the offline engine (chat_offline.c) answers what it knows.
 */
#include "chat_priv.h"
#include "config.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HISTORY_MAX	40	/* messages kept for follow-up questions */
/* ask_model: unreachable before any of an answer arrived */
#define ETEMP_SILENT	(-100)

/* --- output --- */

void
chat_emit(ft_chat *e, const char *s, size_t n)
{
	if (!n)
		return;
	e->at_line_start = s[n - 1] == '\n';
	if (e->out && e->out->text)
		e->out->text(e->out->ctx, s, n);
}

void
chat_say(ft_chat *e, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		ft_die(FT_EXIT_FAIL, "out of memory");
	chat_emit(e, s, (size_t)n);
	free(s);
}

void
chat_notice(ft_chat *e, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!e->out || !e->out->notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	e->out->notice(e->out->ctx, msg);
}

/* --- engine --- */

int
ft_chat_opts_configured(ft_chat_opts *o, char *err, size_t errlen)
{
	const char *key = ft_config_get("FT_LLM_API_KEY", NULL);
	const char *v;
	long long n;
	int f;

	if (!key || !*key)
		key = ft_config_get("OPENROUTER_API_KEY", NULL);
	o->api_key = key && *key ? key : NULL;
	o->url = ft_config_get("FT_LLM_URL", "https://openrouter.ai/api/v1");
	o->model = ft_config_get("FT_LLM_MODEL", "openai/gpt-4o-mini");
	o->stream = 1;
	v = ft_config_get("FT_LLM_TIMEOUT", "60");
	if (ft_parse_int(v, 1, 3600, &n)) {
		ft_seterr(err, errlen, "bad FT_LLM_TIMEOUT: '%s' (seconds, 1 "
			  "to 3600)", v);
		return -1;
	}
	o->timeout = (long)n;
	v = ft_config_get("FT_LLM_RETRIES", "3");
	if (ft_parse_int(v, 0, 10, &n)) {
		ft_seterr(err, errlen, "bad FT_LLM_RETRIES: '%s' (0 to 10)",
			  v);
		return -1;
	}
	o->retries = (int)n;
	o->plots_dir = ft_config_get("FT_PLOTS_DIR", "./plots");
	v = ft_config_get("FT_CHART_FORMAT", "png");
	if ((f = ft_chart_format_parse(v)) < 0) {
		ft_seterr(err, errlen, "bad FT_CHART_FORMAT: '%s' (png, svg "
			  "or both)", v);
		return -1;
	}
	o->chart_format = f;
	o->max_rounds = 8;
	return 0;
}

ft_chat *
ft_chat_new(const ft_chat_opts *o)
{
	ft_chat *e = ft_xcalloc(1, sizeof *e);

	e->store = o->store;
	e->plots_dir = ft_xstrdup(o->plots_dir && *o->plots_dir ?
				  o->plots_dir : "./plots");
	e->chart_format = o->chart_format ? o->chart_format : FT_CHART_PNG;
	e->max_rounds = o->max_rounds > 0 ? o->max_rounds : 8;
	e->inline_charts = o->inline_charts;
	e->history = jv_array();
	atomic_init(&e->cancel, 0);
	if (o->api_key && *o->api_key && !o->offline) {
		ft_llm_opts lo = { 0 };

		lo.url = o->url;
		lo.model = o->model;
		lo.api_key = o->api_key;
		lo.stream = o->stream;
		lo.timeout = o->timeout;
		lo.retries = o->retries;
		lo.backoff_ms = 1000;
		lo.max_wait = 60;
		e->llm = ft_llm_new(&lo);
		e->describe = ft_xasprintf("%s at %s", o->model ? o->model
					   : "openai/gpt-4o-mini",
					   o->url ? o->url
					   : "https://openrouter.ai/api/v1");
	} else {
		e->describe = ft_xstrdup("offline");
	}
	return e;
}

void
ft_chat_free(ft_chat *e)
{
	if (!e)
		return;
	ft_llm_free(e->llm);
	jv_free(e->history);
	free(e->held);
	free(e->describe);
	free(e->plots_dir);
	free(e);
}

int
ft_chat_online(const ft_chat *e)
{
	return e->llm != NULL;
}

const char *
ft_chat_describe(const ft_chat *e)
{
	return e->describe;
}

void
ft_chat_cancel(ft_chat *e)
{
	atomic_store(&e->cancel, 1);
}

void
ft_chat_reset(ft_chat *e)
{
	jv_free(e->history);
	e->history = jv_array();
}

static int
cancelled(void *p)
{
	ft_chat *e = p;

	return atomic_load(&e->cancel) != 0;
}

/* The model's text: shown as it comes up to its first digit, held from
 * there until the reply is whole and its figures are checked. */
static void
llm_text(void *p, const char *s, size_t n)
{
	ft_chat *e = p;
	size_t k = 0;

	if (!e->holding) {
		while (k < n && !isdigit((unsigned char)s[k]))
			k++;
		chat_emit(e, s, k);
		if (k == n)
			return;
		e->holding = 1;
	}
	if (e->nheld + n - k + 1 > e->capheld) {
		e->capheld = 2 * (e->nheld + n - k + 1);
		e->held = ft_xrealloc(e->held, e->capheld);
	}
	memcpy(e->held + e->nheld, s + k, n - k);
	e->nheld += n - k;
}

/* Show the text held (show) or drop it, and stream the next reply. */
static void
release_held(ft_chat *e, int show)
{
	if (show)
		chat_emit(e, e->held, e->nheld);
	e->nheld = 0;
	e->holding = 0;
}

static void
llm_notice(void *p, const char *msg)
{
	chat_notice(p, "%s", msg);
}

static const char *const weekdays[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};

static jv
system_prompt(ft_chat *e)
{
	struct tm tm;
	char zone[32], when[64];

	ft_time_local(e->now, &tm);
	strftime(zone, sizeof zone, "%Z", &tm);
	strftime(when, sizeof when, "%Y-%m-%d, %H:%M", &tm);
	return JV_OBJECT(jv_string("role"), jv_string("system"),
		jv_string("content"), jv_string_fmt(
		"You answer the owner's questions about the customers and "
		"visits of a shop that recognises returning customers with "
		"FaceTrack. It is %s %s (%s). Days are local days; weeks "
		"start on Monday; \"last week\" is Monday to Sunday of the "
		"week before this one; \"this month\" runs from the 1st to "
		"today. Compare a period so far (this week, this month) "
		"with the same days of the one before (Monday to today's "
		"weekday of last week), and name both ranges. Get every "
		"figure from the tools, never estimate or "
		"compute one the tools can give; pass periods as dates "
		"(YYYY-MM-DD), an until date includes its whole day. \"How "
		"many customers visited\" is count with what=visitors; visits "
		"are what=visits; customers registered are "
		"what=new_customers. State figures as plain numbers (1234, "
		"not 1,234 or about 1.2k). For a chart call make_chart and "
		"%s The tools are read-only. Answer "
		"briefly, in the language of the question.",
		weekdays[tm.tm_wday], when, zone, e->inline_charts ?
		"say that it is shown below; never name a file or path." :
		"name the file it wrote."));
}

/* Keep the last HISTORY_MAX messages, cut at a question so that no tool
 * result loses its call. */
static void
trim_history(ft_chat *e)
{
	int n = jv_array_length(jv_copy(e->history)), i;

	if (n <= HISTORY_MAX)
		return;
	for (i = n - HISTORY_MAX; i < n; i++) {
		jv m = jv_array_get(jv_copy(e->history), i);
		jv role = jv_object_get(m, jv_string("role"));
		int user = jv_get_kind(role) == JV_KIND_STRING &&
			   !strcmp(jv_string_value(role), "user");

		jv_free(role);
		if (user)
			break;
	}
	e->history = jv_array_slice(e->history, i < n ? i : n, n);
}

/*
 * Run the tool calls of the model's reply (calls, consumed), appending
 * the results to *turn.  FT_CHAT_OK, or the code that ends the answer:
 * a store failure (message in err) or a cancel.
 */
static int
run_calls(ft_chat *e, jv calls, jv *turn, chat_facts *facts, char *err,
	  size_t errlen)
{
	int i, n = jv_array_length(jv_copy(calls)), rc = FT_CHAT_OK, src;

	for (i = 0; i < n && rc == FT_CHAT_OK; i++) {
		jv c = jv_array_get(jv_copy(calls), i);
		jv id = jv_object_get(jv_copy(c), jv_string("id"));
		jv fn = jv_object_get(c, jv_string("function"));
		jv name = jv_object_get(jv_copy(fn), jv_string("name"));
		jv args = jv_object_get(fn, jv_string("arguments"));
		const char *nm = jv_string_value(name);
		jv res, text;

		res = chat_tool_call(e, nm, jv_string_value(args), NULL, &src);
		chat_facts_add_json(facts, jv_copy(res));
		text = jv_dump_string(res, 0);
		if (e->out && e->out->tool)
			e->out->tool(e->out->ctx, nm, jv_string_value(args),
				     jv_string_value(text));
		*turn = jv_array_append(*turn, JV_OBJECT(
			jv_string("role"), jv_string("tool"),
			jv_string("tool_call_id"), id,
			jv_string("content"), text));
		jv_free(name);
		jv_free(args);
		if (src != FT_OK) {
			ft_seterr(err, errlen, "%s", e->store_err);
			rc = src == FT_ETEMP ? FT_CHAT_ETEMP : FT_CHAT_EFAIL;
		} else if (cancelled(e)) {
			rc = FT_CHAT_ECANCEL;
		}
	}
	jv_free(calls);
	return rc;
}

/* The reply's text ("" when it has none); borrowed from reply. */
static const char *
reply_text(jv reply)
{
	jv c = jv_object_get(jv_copy(reply), jv_string("content"));
	const char *t = "";

	/* reply holds the string, so its text outlives c. */
	if (jv_get_kind(c) == JV_KIND_STRING)
		t = jv_string_value(c);
	jv_free(c);
	return t;
}

/* The arguments of the tool calls (borrowed) into facts. */
static void
call_facts(jv calls, chat_facts *facts)
{
	int i, n = jv_array_length(jv_copy(calls));

	for (i = 0; i < n; i++) {
		jv c = jv_array_get(jv_copy(calls), i);
		jv fn = jv_object_get(c, jv_string("function"));
		jv args = jv_object_get(fn, jv_string("arguments"));

		if (jv_get_kind(args) == JV_KIND_STRING)
			chat_facts_add_text(facts, jv_string_value(args));
		jv_free(args);
	}
}

/* What the tools of the turn returned, each as "name args: result". */
static void
say_results(ft_chat *e, jv turn)
{
	int i, j, n = jv_array_length(jv_copy(turn));

	for (i = 0; i < n; i++) {
		jv m = jv_array_get(jv_copy(turn), i);
		jv calls = jv_object_get(jv_copy(m), jv_string("tool_calls"));
		int k = jv_get_kind(calls) == JV_KIND_ARRAY ?
			jv_array_length(jv_copy(calls)) : 0;

		for (j = 0; j < k && i + 1 + j < n; j++) {
			jv c = jv_array_get(jv_copy(calls), j);
			jv fn = jv_object_get(c, jv_string("function"));
			jv name = jv_object_get(jv_copy(fn),
						jv_string("name"));
			jv args = jv_object_get(fn, jv_string("arguments"));
			jv t = jv_array_get(jv_copy(turn), i + 1 + j);
			jv res = jv_object_get(t, jv_string("content"));
			const char *r = jv_get_kind(res) == JV_KIND_STRING ?
					jv_string_value(res) : "";

			chat_say(e, "%s %s: %.2000s%s\n",
				 jv_get_kind(name) == JV_KIND_STRING ?
				 jv_string_value(name) : "?",
				 jv_get_kind(args) == JV_KIND_STRING ?
				 jv_string_value(args) : "{}", r,
				 strlen(r) > 2000 ? "..." : "");
			jv_free(name);
			jv_free(args);
			jv_free(res);
		}
		jv_free(calls);
		jv_free(m);
	}
}

/*
 * The model's answer quoted figures (bad) that no tool gave: say so,
 * then answer offline when the offline engine knows the question, else
 * show what the tools returned, else refuse.
 */
static int
unsupported(ft_chat *e, const char *question, jv turn, const char *bad)
{
	int ran = 0, i, n = jv_array_length(jv_copy(turn));

	for (i = 0; i < n; i++) {
		jv m = jv_array_get(jv_copy(turn), i);
		jv role = jv_object_get(m, jv_string("role"));

		ran |= !strcmp(jv_string_value(role), "tool");
		jv_free(role);
	}
	if (!e->at_line_start)	/* the words before its first figure */
		chat_say(e, "...\n");
	chat_say(e, "The model's answer quoted %s, which no tool returned, "
		 "so it is not shown.\n", bad);
	if (chat_offline_knows(e, question)) {
		chat_say(e, "The offline engine answers:\n");
		return chat_offline_answer(e, question);
	}
	if (ran) {
		chat_say(e, "What the tools returned:\n");
		say_results(e, turn);
		return FT_CHAT_OK;
	}
	chat_say(e, "No tool was asked for a figure, so there is nothing "
		 "to show: ask again.\n");
	return FT_CHAT_EUNKNOWN;
}

/*
 * The model's reply (borrowed) checked against facts: the text held
 * back is shown when its figures are supported.  A remark before tool
 * calls that fails is left out with a notice; 1 when a final answer
 * fails (bad names its figures), else 0.
 */
static int
check_reply(ft_chat *e, jv reply, int final, const chat_facts *facts,
	    char *bad, size_t badlen)
{
	int nbad = chat_facts_check(facts, reply_text(reply), bad, badlen);

	if (nbad && !final) {
		release_held(e, 0);
		chat_notice(e, "left out a remark of the model quoting %s, "
			    "which no tool returned", bad);
		return 0;
	}
	release_held(e, !nbad);
	return nbad != 0;
}

/* Remember the turn, its last reply's text replaced by note when given
 * (a withheld answer must not be built on). */
static void
remember(ft_chat *e, jv turn, const char *note)
{
	if (note) {
		int last = jv_array_length(jv_copy(turn)) - 1;
		jv m = jv_array_get(jv_copy(turn), last);

		m = jv_object_set(m, jv_string("content"), jv_string(note));
		turn = jv_array_set(turn, last, m);
	}
	e->history = jv_array_concat(e->history, turn);
	trim_history(e);
}

/* The model's final answer, checked; the code of the question. */
static int
final_answer(ft_chat *e, const char *question, jv turn, jv reply,
	     const chat_facts *facts)
{
	char bad[128];
	int rc = FT_CHAT_OK;

	if (check_reply(e, reply, 1, facts, bad, sizeof bad)) {
		rc = unsupported(e, question, turn, bad);
		remember(e, turn, "(answer withheld: it quoted figures that "
			 "no tool returned)");
	} else {
		if (!e->at_line_start)
			chat_emit(e, "\n", 1);
		remember(e, turn, NULL);
	}
	return rc;
}

static int
ask_model(ft_chat *e, const char *question, char *err, size_t errlen)
{
	jv turn = jv_array(), msgs, reply, calls;
	chat_facts facts = { 0 };
	char bad[128];
	int round, rc = FT_CHAT_EFAIL;

	chat_facts_add_text(&facts, question);
	turn = jv_array_append(turn, JV_OBJECT(jv_string("role"),
			       jv_string("user"), jv_string("content"),
			       jv_string(question)));
	for (round = 0; round < e->max_rounds; round++) {
		ft_llm_io io = { llm_text, llm_notice, cancelled, e };

		msgs = jv_array_concat(jv_array_append(jv_array(),
				       system_prompt(e)), jv_copy(e->history));
		msgs = jv_array_concat(msgs, jv_copy(turn));
		rc = ft_llm_complete(e->llm, msgs, ft_chat_tools(), &io,
				     &reply, err, errlen);
		if (rc != FT_LLM_OK) {
			/* A broken reply's figures cannot be checked: what
			 * came of it up to its first digit stays shown. */
			release_held(e, 0);
			switch (rc) {
			case FT_LLM_ECANCEL: rc = FT_CHAT_ECANCEL; break;
			case FT_LLM_ETEMP:
				rc = ft_llm_spoke(e->llm) || round > 0
				     ? FT_CHAT_ETEMP : ETEMP_SILENT;
				break;
			default: rc = FT_CHAT_EFAIL;
			}
			goto out;
		}
		turn = jv_array_append(turn, jv_copy(reply));
		calls = jv_object_get(jv_copy(reply), jv_string("tool_calls"));
		if (jv_get_kind(calls) != JV_KIND_ARRAY) {
			jv_free(calls);
			rc = final_answer(e, question, turn, reply, &facts);
			jv_free(reply);
			chat_facts_clear(&facts);
			return rc;
		}
		call_facts(calls, &facts);
		check_reply(e, reply, 0, &facts, bad, sizeof bad);
		jv_free(reply);
		if (!e->at_line_start)
			chat_emit(e, "\n", 1);
		if ((rc = run_calls(e, calls, &turn, &facts, err, errlen)) !=
		    FT_CHAT_OK)
			goto out;
	}
	ft_seterr(err, errlen, "the model asked for tools %d times without "
	       "answering", e->max_rounds);
	rc = FT_CHAT_EFAIL;
out:
	jv_free(turn);
	chat_facts_clear(&facts);
	return rc;
}

int
ft_chat_ask(ft_chat *e, const char *question, const ft_chat_out *out,
	    char *err, size_t errlen)
{
	int rc;

	atomic_store(&e->cancel, 0);
	e->now = ft_time_now();
	e->out = out;
	e->at_line_start = 1;
	e->holding = 0;
	e->nheld = 0;
	e->store_rc = FT_OK;
	e->tool_err[0] = '\0';
	e->store_err[0] = '\0';
	*err = '\0';
	while (isspace((unsigned char)*question))
		question++;
	if (!*question) {
		ft_seterr(err, errlen, "no question");
		return FT_CHAT_EFAIL;
	}
	if (!e->llm) {
		rc = chat_offline_answer(e, question);
	} else {
		rc = ask_model(e, question, err, errlen);
		if (rc == ETEMP_SILENT && !chat_offline_knows(e, question)) {
			/* Both failures are the user's to know. */
			size_t k = strlen(err);

			snprintf(err + k, errlen - k, "; and the question is "
				 "beyond what the offline engine answers");
			rc = FT_CHAT_ETEMP;
		} else if (rc == ETEMP_SILENT) {
			/* Nothing of an answer came, and the offline engine
			 * knows this kind of question. */
			char why[512];

			snprintf(why, sizeof why, "%s", err);
			chat_notice(e, "%s; answering offline", why);
			rc = chat_offline_answer(e, question);
			if (rc == FT_CHAT_EUNKNOWN) {
				ft_seterr(err, errlen, "%s", why);
				rc = FT_CHAT_ETEMP;
			}
		}
	}
	if (rc == FT_CHAT_ECANCEL && !*err)
		ft_seterr(err, errlen, "answer cancelled");
	if ((rc == FT_CHAT_EFAIL || rc == FT_CHAT_ETEMP) && !*err)
		ft_seterr(err, errlen, "%s", *e->store_err ? e->store_err
		       : *e->tool_err ? e->tool_err
		       : "the question could not be answered");
	if (rc == FT_CHAT_OK && cancelled(e)) {
		rc = FT_CHAT_ECANCEL;
		ft_seterr(err, errlen, "answer cancelled");
	}
	if (!e->at_line_start)
		chat_emit(e, "\n", 1);
	e->out = NULL;
	return rc;
}

