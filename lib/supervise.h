/*
 * supervise — running the recognition pipeline: a supervisor that keeps
 * it alive in the background, and the calls that start, stop and ask
 * after it.  ft-schedule and ft-serve's /api/recognition call these same
 * functions; the crontab block of schedule.h calls ft-schedule.
 *
 * Files live in the state directory (ft_config_state_dir):
 *   recognition.pid     the supervisor's pid, locked while it runs (the
 *                       lock, not the pid, says whether it runs)
 *   recognition.status  its figures as one JSON object, rewritten at most
 *                       once a second
 *   recognition.log     the pipeline's stderr and the supervisor's messages
 *
 * Settings read through config.h: FT_PIPELINE (the shell command, default
 * `ft-capture --source "$FT_CAMERA" ${FT_CAMERA_NAME:+--name
 * "$FT_CAMERA_NAME"} | ft-recognize`), FT_STOP_TIMEOUT (seconds a
 * stopping pipeline gets before SIGKILL, default 10).  The pipeline runs
 * once for each camera of cameras.h, with its FT_CAMERA and
 * FT_CAMERA_NAME, and is restarted on its own.
 *
 * Functions that can fail return an FT_E* code of errors.h and write a
 * message (lower case, no program name) into err; none prints, except the
 * supervisor, whose stderr is the log.  They block: start waits until the
 * supervisor is up, stop until it has gone.  Safe to call from a threaded
 * program: child processes are started with fork and an immediate exec.
 */
#ifndef FT_SUPERVISE_H
#define FT_SUPERVISE_H

#include "cameras.h"
#include "errors.h"

#include <stddef.h>

#include <jv.h>

#define FT_SUPERVISE_MAX_SOURCES FT_CAMERAS_MAX /* pipelines one
						 * supervisor runs */

/* Results of start and stop that are not errors. */
enum {
	FT_SUPERVISE_DONE = FT_OK,	/* started, or stopped */
	FT_SUPERVISE_ALREADY = 1,	/* was running (start), was not
					 * (stop) */
	FT_SUPERVISE_OUTSIDE = 2	/* start --in-window outside the
					 * window */
};

/* The status record (the caller's):
 * {"type":"recognition","running","pid","since","until","pipeline_pid",
 *  "restarts","last_frame","frames","visits","sources","log","window",
 *  "report"}; pipeline_pid is the first pipeline's, frames, visits and
 *  restarts are of them all, and sources holds each pipeline's
 *  {"name","pipeline_pid","restarts","frames","last_frame"} (name null
 *  for an unnamed camera).
 * "window" and "report" as ft_schedule_record gives them (both null when
 * no crontab can be read).  Returns FT_OK, or the code of
 * ft_config_state_dir when there is no state directory. */
int ft_supervise_status(jv *out, char *err, size_t errlen);

/* Start the supervisor in the background.  in_window: only when now is
 * inside the scheduled window (no window: always).  Returns
 * FT_SUPERVISE_DONE, FT_SUPERVISE_ALREADY, FT_SUPERVISE_OUTSIDE, or an
 * FT_E* code (FT_EFAIL when it did not start). */
int ft_supervise_start(int in_window, char *err, size_t errlen);

/* Stop it (SIGTERM) and wait until it has finished, FT_STOP_TIMEOUT
 * and 5 s more at most.  Returns FT_SUPERVISE_DONE, FT_SUPERVISE_ALREADY
 * (was not running), or an FT_E* code (FT_EFAIL when it did not stop). */
int ft_supervise_stop(char *err, size_t errlen);

/* Be the supervisor, in the foreground, until SIGTERM or SIGINT or the
 * end of the window it started in: run the pipeline, count its records,
 * restart it with backoff when it ends, stop it cleanly.  Returns the
 * program's exit status (FT_EXIT_*). */
int ft_supervise_run(void);

#endif
