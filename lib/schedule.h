/*
 * schedule — the weekly recognition window and the user's crontab block
 * that starts and stops recognition on it and mails the nightly report.
 * ft-schedule and ft-serve's /api/recognition call these same functions;
 * supervise.h runs what the block starts.
 *
 * The block is read with `crontab -l` and written with `crontab -`
 * (FT_CRONTAB, read through config.h, gives the command and its leading
 * arguments; default "crontab"), so the cron daemon's own checks apply.
 * Edits are serialised by crontab.lock in the state directory
 * (ft_config_state_dir).
 *
 * Functions that can fail return FT_OK or an FT_E* code of errors.h and
 * write a message (lower case, no program name) into err; none prints.
 * Those that touch the crontab block while the crontab command runs; the
 * others are pure.  Safe to call from a threaded program.
 */
#ifndef FT_SCHEDULE_H
#define FT_SCHEDULE_H

#include "errors.h"

#include <stdint.h>
#include <stddef.h>

#include <jv.h>

/* A weekly window: from and to are minutes after local midnight; a
 * window with to < from runs past midnight into the next day. */
typedef struct ft_window {
	int from;
	int to;
	unsigned days;		/* bit 0 Sunday ... bit 6 Saturday */
} ft_window;

/* What the crontab block holds. */
typedef struct ft_schedule {
	int has_window;
	ft_window window;
	int has_report;
	int report_at;		/* minutes after midnight */
} ft_schedule;

/* Parts of the block for ft_schedule_clear. */
enum { FT_SCHED_WINDOW = 1, FT_SCHED_REPORT = 2 };

/* --- windows (pure) --- */

/* Parse "HH:MM" into minutes; -1 (FT_EFAIL) when it is not a time of
 * day. */
int ft_schedule_parse_time(const char *s);

/* Parse days like "mon-sat", "mon,wed,fri", "fri-mon", "daily" (also
 * "all", "*"); 0 for anything else. */
unsigned ft_schedule_parse_days(const char *s);

/* "mon-sat", "mon,wed-fri", "daily": the shortest form; buf of 32
 * bytes, returned. */
char *ft_schedule_format_days(unsigned days, char *buf);

/* FT_OK when w can be scheduled (times of day that differ, some day),
 * FT_EINVAL when not. */
int ft_schedule_check_window(const ft_window *w);

/* Whether the local time ms lies inside w (1) or not (0); when it does
 * and until is not NULL, *until is the end of that stretch of the
 * window. */
int ft_schedule_inside(const ft_window *w, int64_t ms, int64_t *until);

/* --- the crontab block, as text (pure) --- */

/*
 * Find our block in a crontab's text and read it into *out (all zero
 * when there is none).  [*begin, *end) are the block's bytes, its end
 * line's newline included; both strlen(crontab) when there is none.
 * Returns 1 when found, 0 when not, FT_EINVAL with a message in err for
 * a begin line without its end line.  Lines of the block that do not
 * parse leave their part unset.
 */
int ft_schedule_parse(const char *crontab, ft_schedule *out, size_t *begin,
		      size_t *end, char *err, size_t errlen);

/*
 * The block for s, whose lines run schedule_cmd (start and stop) and
 * report_cmd, and purge_cmd (ft-enroll) with "purge" every night at
 * FT_SCHEDULE_PURGE_AT: "" when s holds neither a window nor a report.
 * NULL with a message in err when a path cannot be written into a
 * crontab line (a quote, a percent sign or a line break in it).  The
 * caller frees the result.
 */
char *ft_schedule_compose(const ft_schedule *s, const char *schedule_cmd,
			  const char *report_cmd, const char *purge_cmd,
			  char *err, size_t errlen);

/* When the nightly purge runs, minutes after midnight (04:15): after a
 * late report, before a shop opens. */
#define FT_SCHEDULE_PURGE_AT (4 * 60 + 15)

/*
 * crontab with its bytes [begin, end) replaced by block (as
 * ft_schedule_parse found them); a last line without its newline gets
 * one before a block appended after it.  The caller frees the result.
 */
char *ft_schedule_splice(const char *crontab, size_t begin, size_t end,
			 const char *block);

/* {"window":{"from","to","days"}|null,"report":{"at"}|null} members set
 * into rec (consumed; the result is the caller's), with the privacy
 * settings in force: "recognition" (FT_RECOGNITION's mode, null when
 * bad) and "retention" {"visits_days","samples_days","unnamed_days"
 * (null when a setting is bad),"purge_at" (null without a block)}. */
jv ft_schedule_record(jv rec, const ft_schedule *s);

/* --- the user's crontab (runs FT_CRONTAB) --- */

/* Read the crontab block.  *block (when block is not NULL) gets the
 * block's text, or NULL when there is none; the caller frees it.
 * Returns FT_OK, FT_EINVAL for a block without its end line, or
 * FT_EFAIL when the crontab cannot be read. */
int ft_schedule_read(ft_schedule *out, char **block, char *err,
		     size_t errlen);

/* Write the window, the nightly report, or remove parts (a mask of
 * FT_SCHED_*; the block goes when nothing is left).  Lines outside the
 * block are kept byte for byte.  Return FT_OK; FT_EINVAL for a bad
 * window or time, or a block without its end line; FT_EFAIL when the
 * crontab cannot be read or written. */
int ft_schedule_set_window(const ft_window *w, char *err, size_t errlen);
int ft_schedule_set_report(int at, char *err, size_t errlen);

/* The settings the nightly report would lack under cron, which runs it
 * with a bare environment and reads only the user's and the system's
 * config files: SMTP_SERVER and ADMIN_EMAIL when no file sets them, and
 * the other mail and store settings set now (in the environment or
 * ./.env) but in no file.  A malloc'd list ("SMTP_SERVER, SMTP_PASSWORD")
 * of names, never values, or NULL when cron would see them all. */
char *ft_schedule_report_unseen(void);
int ft_schedule_clear(unsigned what, char *err, size_t errlen);

#endif
