/*
 * llm — chat completions with tool calls from an OpenAI-compatible
 * endpoint (OpenRouter by default; a local Ollama or llama.cpp server
 * works the same), over libcurl.
 *
 * One call is one POST to BASE/chat/completions, streamed as server-sent
 * events or not.  Rate limits (429), server errors (5xx) and a
 * connection that breaks before any of the answer arrived are retried
 * with exponential backoff, honouring Retry-After; a server that cannot
 * be reached, or says nothing for the timeout, is not.  The API key goes into
 * the Authorization header and nowhere else: no message of this module
 * holds it, even when the endpoint echoes it back.
 *
 * Not thread-safe per handle; use one handle per thread.
 */
#ifndef FT_LLM_H
#define FT_LLM_H

#include "errors.h"

#include <stddef.h>

#include <jv.h>

/* Return codes: those of errors.h, under the names this module gave them
 * before it (callers compare names, never numbers). */
enum {
	FT_LLM_OK = FT_OK,
	FT_LLM_EFAIL = FT_EFAIL,	/* request refused (4xx), TLS
					 * certificate */
	FT_LLM_EAUTH = FT_EAUTH,	/* API key missing or refused (401,
					 * 403) */
	FT_LLM_ETEMP = FT_ETEMP,	/* unreachable, timed out, 429 or 5xx
					 * after the retries: worth trying
					 * later */
	FT_LLM_EREPLY = FT_EPROTO,	/* a reply that is not a chat
					 * completion */
	FT_LLM_ECANCEL = FT_ECANCEL	/* cancelled by the caller */
};

typedef struct ft_llm ft_llm;

typedef struct ft_llm_opts {
	const char *url;	/* base URL, e.g. https://openrouter.ai/api/v1 */
	const char *model;	/* model name the endpoint knows */
	const char *api_key;	/* NULL or "": no Authorization header */
	int stream;		/* ask for a streamed reply */
	long timeout;		/* seconds of silence before giving up */
	int retries;		/* further attempts after a retryable error */
	long backoff_ms;	/* first pause between attempts, doubled */
	long max_wait;		/* longest pause taken, seconds */
} ft_llm_opts;

/* What a call reports while it runs; any member may be NULL. */
typedef struct ft_llm_io {
	/* A piece of the reply's text, as it arrives (not NUL-terminated). */
	void (*text)(void *ctx, const char *s, size_t n);
	/* A notice for the user, e.g. "rate limited (HTTP 429); trying
	 * again in 2 s". */
	void (*notice)(void *ctx, const char *msg);
	/* Polled during transfers and pauses; nonzero cancels the call. */
	int (*cancelled)(void *ctx);
	void *ctx;
} ft_llm_io;

/* A handle for o (strings are copied).  Never NULL. */
ft_llm *ft_llm_new(const ft_llm_opts *o);
void ft_llm_free(ft_llm *l);

/*
 * Ask for the next assistant message of the conversation messages (an
 * array of chat messages), offering tools (an array of tool declarations,
 * or an empty array).  Both are consumed.  Blocks for the whole exchange,
 * retries included.
 *
 * Returns FT_OK or one of the codes above.  On FT_OK, *reply (the
 * caller's) is the assistant message, normalised:
 * {"role":"assistant","content":STRING|null,
 * "tool_calls":[{"id","type":"function","function":{"name","arguments"}}]}
 * (tool_calls only when there are some; arguments is the JSON text the
 * model wrote, not yet checked).  Its text was also passed to io->text as
 * it arrived.  Otherwise *reply is jv_invalid() and err holds a message
 * naming the endpoint's host and what went wrong.
 */
int ft_llm_complete(ft_llm *l, jv messages, jv tools, const ft_llm_io *io,
		    jv *reply, char *err, size_t errlen);

/* Whether any text reached io->text during the last call (a caller that
 * falls back to another answer needs to know). */
int ft_llm_spoke(const ft_llm *l);

#endif
