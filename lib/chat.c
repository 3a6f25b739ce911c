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

static void
llm_text(void *p, const char *s, size_t n)
{
	chat_emit(p, s, n);
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
		"today. Get every figure from the tools, never estimate or "
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
run_calls(ft_chat *e, jv calls, jv *turn, char *err, size_t errlen)
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

static int
ask_model(ft_chat *e, const char *question, char *err, size_t errlen)
{
	jv turn = jv_array(), msgs, reply, calls;
	int round, rc;

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
			jv_free(turn);
			switch (rc) {
			case FT_LLM_ECANCEL: return FT_CHAT_ECANCEL;
			case FT_LLM_ETEMP:
				return ft_llm_spoke(e->llm) || round > 0
				       ? FT_CHAT_ETEMP : ETEMP_SILENT;
			default: return FT_CHAT_EFAIL;
			}
		}
		turn = jv_array_append(turn, jv_copy(reply));
		calls = jv_object_get(reply, jv_string("tool_calls"));
		if (jv_get_kind(calls) != JV_KIND_ARRAY) {
			jv_free(calls);
			if (!e->at_line_start)
				chat_emit(e, "\n", 1);
			e->history = jv_array_concat(e->history, turn);
			trim_history(e);
			return FT_CHAT_OK;
		}
		if (!e->at_line_start)
			chat_emit(e, "\n", 1);
		if ((rc = run_calls(e, calls, &turn, err, errlen)) !=
		    FT_CHAT_OK) {
			jv_free(turn);
			return rc;
		}
	}
	jv_free(turn);
	ft_seterr(err, errlen, "the model asked for tools %d times without "
	       "answering", e->max_rounds);
	return FT_CHAT_EFAIL;
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

