/*
 * schedule — running the recognition pipeline: a supervisor that keeps it
 * alive, and the user's crontab block that starts and stops it on a
 * weekly window and mails the nightly report.  ft-schedule and ft-serve's
 * /api/recognition call these same functions.
 *
 * Files live in the state directory (FT_STATE_DIR, else
 * $XDG_STATE_HOME/facetrack, else ~/.local/state/facetrack):
 *   recognition.pid     the supervisor's pid, locked while it runs (the
 *                       lock, not the pid, says whether it runs)
 *   recognition.status  its figures as one JSON object, rewritten at most
 *                       once a second
 *   recognition.log     the pipeline's stderr and the supervisor's messages
 *   crontab.lock        serialises edits of the crontab block
 *
 * Settings read through config.h: FT_PIPELINE (the shell command, default
 * `ft-capture --source "$FT_CAMERA" | ft-recognize`), FT_CAMERA (default
 * /dev/video0), FT_STOP_TIMEOUT (seconds a stopping pipeline gets before
 * SIGKILL, default 10), FT_CRONTAB (the crontab command and its leading
 * arguments, default "crontab").
 *
 * Functions that can fail return a negative value and write a message
 * (lower case, no program name) into err; none prints, except the
 * supervisor, whose stderr is the log.  They block: start waits until the
 * supervisor is up, stop until it has gone.  Safe to call from a threaded
 * program: child processes are started with fork and an immediate exec.
 */
#ifndef FT_SCHEDULE_H
#define FT_SCHEDULE_H

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

/* Results of start and stop that are not errors. */
enum {
	FT_SCHED_DONE = 0,	/* started, or stopped */
	FT_SCHED_ALREADY = 1,	/* was running (start), was not (stop) */
	FT_SCHED_OUTSIDE = 2	/* start --in-window outside the window */
};

/* Parse "HH:MM" into minutes; -1 when it is not a time of day. */
int ft_schedule_parse_time(const char *s);

/* Parse days like "mon-sat", "mon,wed,fri", "fri-mon", "daily" (also
 * "all", "*"); 0 for anything else. */
unsigned ft_schedule_parse_days(const char *s);

/* "mon-sat", "mon,wed-fri", "daily": the shortest form; buf of 32
 * bytes. */
char *ft_schedule_format_days(unsigned days, char *buf);

/* Whether the local time ms lies inside w; when it does and until is not
 * NULL, *until is the end of that stretch of the window. */
int ft_window_contains(const ft_window *w, int64_t ms, int64_t *until);

/* The status record (the caller's):
 * {"type":"recognition","running","pid","since","until","pipeline_pid",
 *  "restarts","last_frame","frames","visits","log","window","report"};
 * "window" is {"from","to","days"} or null and "report" {"at"} or null
 * (both null when no crontab can be read).  Returns 0 or -1. */
int ft_schedule_status(jv *out, char *err, size_t errlen);

/* Start the supervisor in the background.  in_window: only when now is
 * inside the scheduled window (no window: always).  Returns
 * FT_SCHED_DONE, FT_SCHED_ALREADY, FT_SCHED_OUTSIDE or -1. */
int ft_schedule_start(int in_window, char *err, size_t errlen);

/* Stop it (SIGTERM) and wait until it has finished.  Returns
 * FT_SCHED_DONE, FT_SCHED_ALREADY (was not running) or -1. */
int ft_schedule_stop(char *err, size_t errlen);

/* Be the supervisor, in the foreground, until SIGTERM or SIGINT: run the
 * pipeline, count its records, restart it with backoff when it ends, stop
 * it cleanly.  Returns the program's exit status. */
int ft_schedule_supervise(void);

/* Read the crontab block.  *block (when block is not NULL) gets the
 * block's text, or NULL when there is none; the caller frees it.
 * Returns 0 or -1. */
int ft_schedule_read(ft_schedule *out, char **block, char *err,
		     size_t errlen);

/* Write the window, the nightly report, or remove parts (a mask of
 * FT_SCHED_*; the block goes when nothing is left).  Lines outside the
 * block are kept byte for byte.  Return 0 or -1. */
int ft_schedule_set_window(const ft_window *w, char *err, size_t errlen);
int ft_schedule_set_report(int at, char *err, size_t errlen);
int ft_schedule_clear(unsigned what, char *err, size_t errlen);

/* {"window":{...}|null,"report":{...}|null} members set into rec
 * (consumed; the result is the caller's). */
jv ft_schedule_record(jv rec, const ft_schedule *s);

#endif
