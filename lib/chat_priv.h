/*
 * chat_priv.h — what the parts of the chat share: the engine's state and
 * its output (chat.c, which also holds the conversation with the model),
 * the tools (chat_tools.c), the offline engine (chat_offline.c) and its
 * reading of questions (chat_when.c).
 */
#ifndef FT_CHAT_PRIV_H
#define FT_CHAT_PRIV_H

#include <stdatomic.h>
#include <stdint.h>

#include <jv.h>

#include "chat.h"
#include "llm.h"
#include "times.h"

struct ft_chat {
	ft_store *store;
	ft_llm *llm;		/* NULL: offline */
	char *describe;
	char *plots_dir;
	int chart_format;
	int max_rounds;
	int inline_charts;	/* see ft_chat_opts */
	jv history;		/* the conversation, system prompt excluded */
	atomic_int cancel;
	int64_t now;		/* "now" of the question being answered */
	int at_line_start;	/* the answer's last byte was a newline */
	const ft_chat_out *out;
	int store_rc;		/* a store failure inside a tool */
	char store_err[256];
	char tool_err[512];	/* the offline answer's tool failed: why */
	/* The model's reply being received: from its first digit on, the
	 * text is held until its figures are checked (chat_check.c). */
	int holding;
	char *held;
	size_t nheld, capheld;
};

/* Pass n bytes of the answer to the output. */
void chat_emit(ft_chat *e, const char *s, size_t n);
/* Pass a formatted piece of the answer; a notice beside it. */
void chat_say(ft_chat *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void chat_notice(ft_chat *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Run the tool name with args (JSON text) as of e->now, its output
 * (charts) going to out, or to e->out when out is NULL.  The result is
 * the caller's; *rc (may be NULL) as for ft_chat_tool.
 */
jv chat_tool_call(ft_chat *e, const char *name, const char *args,
		  const ft_chat_out *out, int *rc);

/*
 * Facts: the numbers the tools gave in a turn, to check the figures of
 * the model's answer against (chat_check.c).  Zero-initialise; release
 * with chat_facts_clear.
 */
typedef struct chat_facts {
	double *v;		/* absolute values */
	size_t n, cap;
} chat_facts;

void chat_facts_clear(chat_facts *f);
/* Add the numbers of v (consumed): its numbers, and those written in
 * its strings (a UTC time also as local date and clock). */
void chat_facts_add_json(chat_facts *f, jv v);
/* Add the numbers written in s. */
void chat_facts_add_text(chat_facts *f, const char *s);
/* How many figures of text no fact supports; the first few, as
 * written, into bad ("42, 1,300"). */
int chat_facts_check(const chat_facts *f, const char *text, char *bad,
		     size_t badlen);

/* The offline engine: answer question (FT_CHAT_* code), or say whether
 * it would know how. */
int chat_offline_answer(ft_chat *e, const char *question);
int chat_offline_knows(ft_chat *e, const char *question);

/* The period a question names, as the offline engine reads it. */
enum chat_when_kind {
	CHAT_WHEN_NONE,		/* none: all time */
	CHAT_WHEN_DAYS,		/* whole local days, p */
	CHAT_WHEN_SPAN		/* hours or minutes up to now */
};

typedef struct chat_when {
	enum chat_when_kind kind;
	ft_period p;		/* CHAT_WHEN_DAYS */
	char since[32], until[32];	/* tool arguments */
	char desc[96];		/* "last week (2026-11-16 to 2026-11-22)" */
	int span_days;		/* "the last N days": N; else 0 */
	int nused;		/* the words of the question it took: */
	struct {
		int at, len;	/* offset and length in the text read */
	} used[4];
} chat_when;

/* Read the period of question (any text) as of now into w; without
 * one, w->kind is CHAT_WHEN_NONE and w->desc "in all". */
void chat_when_parse(const char *question, int64_t now, chat_when *w);
/* The same of a question already normalised. */
void chat_when_read(const char *s, int64_t now, chat_when *w);
/* Blank (with spaces) the words of s, the text w was read from, that
 * named w's period, so that what is left can be read on. */
void chat_when_blank(const chat_when *w, char *s);
/* Make w the whole days of p, described as name ("" for none). */
void chat_set_days(chat_when *w, const ft_period *p, const char *name);

/*
 * Words.  A normalised question (malloc'd) is in lower case, every
 * character other than letters, digits, UTF-8, '-', ':' and '\'' a
 * space, spaces single and at both ends, so that words are found as
 * " word ".
 */
char *chat_normalise(const char *question);
/* Where the words w ("last week") stand in s, or NULL. */
const char *chat_find(const char *s, const char *w);
/* Whether any of words (NULL-ended) is in s. */
int chat_any(const char *s, const char *const *words);
/* Blank the first "w" of s; whether it was there. */
int chat_take(char *s, const char *w);
/* The number (digits or a word up to twenty) at p, ended by a blank;
 * -1 when none. */
long chat_number_at(const char *p);
/* The number (digits or a word up to twenty) after the words w; -1 when
 * none. */
long chat_number_after(const char *s, const char *w);

#endif
