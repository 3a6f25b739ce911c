/*
 * chat — questions about customers and visits, answered from the store.
 *
 * With an API key configured, a language model answers: it is offered
 * the read-only tools declared here (the operations of ft-query, a count
 * of a period and a chart) with typed arguments, asks for them by name,
 * and this engine checks the arguments, runs the tools and returns their
 * results.  The model never sees SQL and cannot write.  Without a key,
 * or when the model cannot be reached, an offline engine recognises the
 * common questions (counts of a period, new customers per day, top
 * visitors, a customer's last visit, charts of visits per day) and
 * answers them through the very same tools, so a question gets the same
 * figure either way.
 *
 * ft-chat drives an engine from a terminal; ft-serve can drive one per
 * request thread.  An engine is not safe to share between threads, except
 * ft_chat_cancel(), which may be called from another thread or a signal
 * handler.
 */
#ifndef FT_CHAT_H
#define FT_CHAT_H

#include <stddef.h>

#include <jv.h>

#include "chart.h"
#include "store.h"

enum {
	FT_CHAT_OK = 0,
	FT_CHAT_EFAIL = -1,	/* the model refused us, replied nonsense,
				 * or the store failed */
	FT_CHAT_EUNKNOWN = -2,	/* offline, and the question is beyond the
				 * offline engine (the answer says so) */
	FT_CHAT_ETEMP = -3,	/* model or store unreachable: try later */
	FT_CHAT_ECANCEL = -4	/* ft_chat_cancel() stopped the answer */
};

typedef struct ft_chat ft_chat;

typedef struct ft_chat_opts {
	ft_store *store;	/* borrowed; outlives the engine */
	const char *url;	/* OpenAI-compatible base URL */
	const char *model;
	const char *api_key;	/* NULL or "": offline */
	int offline;		/* offline even with a key */
	int stream;		/* ask for streamed replies */
	long timeout;		/* seconds of silence from the model */
	int retries;		/* retries after 429 and 5xx */
	const char *plots_dir;	/* where charts are written */
	int chart_format;	/* FT_CHART_PNG and/or FT_CHART_SVG */
	int max_rounds;		/* model turns with tool calls per question */
	int inline_charts;	/* charts only for out->chart, shown with the
				 * answer: their files are removed after it,
				 * and no answer names a file */
} ft_chat_opts;

/*
 * Fill o from the configuration: FT_LLM_URL (https://openrouter.ai/api/v1),
 * FT_LLM_MODEL, FT_LLM_API_KEY else OPENROUTER_API_KEY, FT_LLM_TIMEOUT (60),
 * FT_LLM_RETRIES (3), FT_PLOTS_DIR (./plots), FT_CHART_FORMAT (png).
 * o->store is left alone.  -1 with a message for a bad setting.  The
 * strings belong to the config module.
 */
int ft_chat_opts_configured(ft_chat_opts *o, char *err, size_t errlen);

/* Where an answer goes; any member may be NULL. */
typedef struct ft_chat_out {
	/* A piece of the answer as it arrives (UTF-8, not NUL-terminated).
	 * The pieces of one answer end with a newline. */
	void (*text)(void *ctx, const char *s, size_t n);
	/* A chart was written to the files paths[0..npaths). */
	void (*chart)(void *ctx, const ft_chart *c, const char *const *paths,
		      size_t npaths);
	/* A tool ran: its name, its arguments and its result (JSON). */
	void (*tool)(void *ctx, const char *name, const char *args,
		     const char *result);
	/* Something the user should know that is not the answer: a retry,
	 * a fall back to the offline engine. */
	void (*notice)(void *ctx, const char *msg);
	void *ctx;
} ft_chat_out;

/* A new engine for o (strings copied).  Never NULL. */
ft_chat *ft_chat_new(const ft_chat_opts *o);
void ft_chat_free(ft_chat *e);

/* Whether questions go to a model (an API key is set and not offline). */
int ft_chat_online(const ft_chat *e);
/* "MODEL at HOST" or "offline", for a banner. */
const char *ft_chat_describe(const ft_chat *e);

/*
 * Answer question, passing the answer to out as it comes.  Blocks until
 * the answer is complete, failed or cancelled.  Online, the exchange is
 * remembered so that a follow-up question can refer to it (see
 * ft_chat_reset).  Returns FT_CHAT_OK or an FT_CHAT_E* code with a
 * message in err (never the API key); after FT_CHAT_EUNKNOWN the answer
 * has said what the offline engine can do, and err is empty.
 */
int ft_chat_ask(ft_chat *e, const char *question, const ft_chat_out *out,
		char *err, size_t errlen);

/* Stop the answer in progress (or the next one, if none is).  Safe in a
 * signal handler and from another thread. */
void ft_chat_cancel(ft_chat *e);

/* Forget the conversation so far. */
void ft_chat_reset(ft_chat *e);

/* The tools as declared to the model: an array of {"type":"function",
 * "function":{"name","description","parameters"}}, the caller's. */
jv ft_chat_tools(void);

/*
 * Run the tool name with args (a JSON text) as the model would, and
 * return its result (an object, the caller's): the tool's data, or
 * {"error": why} for a bad name or bad arguments.  A store failure
 * makes the result {"error": ...} too and is reported by *rc (FT_OK, or
 * a store code); rc may be NULL.
 */
jv ft_chat_tool(ft_chat *e, const char *name, const char *args,
		const ft_chat_out *out, int *rc);

#endif
