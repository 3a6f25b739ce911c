/*
 * ft-schedule — start and stop recognition, now or on a schedule.
 *
 * start, stop, restart and status drive a supervisor that runs the
 * recognition pipeline (FT_PIPELINE, once for each camera) in the
 * background; run is that supervisor in the foreground; cameras shows
 * and changes the list of cameras.  set, report, show and clear keep one
 * marked block in the user's crontab.  The work is in lib/supervise.c,
 * lib/cameras.c and lib/schedule.c, which ft-serve calls too; this file
 * parses options.
 *
 * start and stop say nothing when they have nothing to say (already
 * running, not running, outside the window), so the crontab lines that
 * call them mail nobody on an ordinary day.
 */
#include "cameras.h"
#include "config.h"
#include "jsonl.h"
#include "schedule.h"
#include "supervise.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: ft-schedule COMMAND [ARGS]\n"
"commands:\n"
"  start [--in-window]\n"
"  stop\n"
"  restart\n"
"  status\n"
"  run\n"
"  cameras [set NAME[=SOURCE]... | reset]\n"
"  set --from HH:MM --to HH:MM [--days DAYS]\n"
"  report --at HH:MM\n"
"  show\n"
"  clear [window|report]\n"
"DAYS: mon-sat, mon,wed,fri, fri-mon or daily\n";

enum { O_IN_WINDOW = 256, O_FROM, O_TO, O_DAYS, O_AT, O_VERSION };

static const struct option longopts[] = {
	{ "in-window", no_argument, NULL, O_IN_WINDOW },
	{ "from", required_argument, NULL, O_FROM },
	{ "to", required_argument, NULL, O_TO },
	{ "days", required_argument, NULL, O_DAYS },
	{ "at", required_argument, NULL, O_AT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

#define BIT(o) (1u << ((o) - O_IN_WINDOW))
static const struct command {
	const char *name;
	unsigned opts;
	int min_args, max_args;
} commands[] = {
	{ "start", BIT(O_IN_WINDOW), 0, 0 },
	{ "stop", 0, 0, 0 },
	{ "restart", 0, 0, 0 },
	{ "status", 0, 0, 0 },
	{ "run", 0, 0, 0 },
	{ "cameras", 0, 0, 1 + FT_CAMERAS_MAX },
	{ "set", BIT(O_FROM) | BIT(O_TO) | BIT(O_DAYS), 0, 0 },
	{ "report", BIT(O_AT), 0, 0 },
	{ "show", 0, 0, 0 },
	{ "clear", 0, 0, 1 },
	{ NULL, 0, 0, 0 }
};

/* What the options said. */
struct opts {
	const char *from, *to, *days, *at;
	int in_window;
};

static int
fail(const char *err)
{
	ft_warn("%s", err);
	return FT_EXIT_FAIL;
}

static int
parse_time(const char *opt, const char *arg)
{
	int t = ft_schedule_parse_time(arg);

	if (t < 0)
		ft_usage_error("bad --%s: '%s' (HH:MM, 00:00 to 23:59)", opt,
			       arg);
	return t;
}

static int
set_window(const struct opts *o, char *err, size_t errlen)
{
	ft_window w;

	if (!o->from || !o->to)
		ft_usage_error("'set' needs --from and --to");
	w.from = parse_time("from", o->from);
	w.to = parse_time("to", o->to);
	if (w.from == w.to)
		ft_usage_error("--from and --to are the same time");
	w.days = ft_schedule_parse_days(o->days ? o->days : "daily");
	if (!w.days)
		ft_usage_error("bad --days: '%s'", o->days);
	return ft_schedule_set_window(&w, err, errlen);
}

static int
show(char *err, size_t errlen)
{
	ft_schedule s;
	char *block;
	int rc = ft_schedule_read(&s, &block, err, errlen);

	if (rc == FT_OK && block)
		fputs(block, stdout);
	free(block);
	return rc;
}

static int
clear(const char *part, char *err, size_t errlen)
{
	unsigned what = FT_SCHED_WINDOW | FT_SCHED_REPORT;

	if (part && !strcmp(part, "window"))
		what = FT_SCHED_WINDOW;
	else if (part && !strcmp(part, "report"))
		what = FT_SCHED_REPORT;
	else if (part)
		ft_usage_error("bad part to clear: '%s' (window or report)",
			       part);
	return ft_schedule_clear(what, err, errlen);
}

/* The nightly report runs from cron, without this shell's environment:
 * say which settings it would not find. */
static void
warn_unseen(void)
{
	char *keys = ft_schedule_report_unseen();

	if (keys)
		ft_warn("warning: cron runs the report without this "
			"environment, and no config file sets %s; put them in "
			"~/.config/facetrack/facetrack.conf (see "
			"facetrack.conf(5))", keys);
	free(keys);
}

/* The cameras NAME=SOURCE or NAME (keep its source) of args as the
 * list ft_cameras_set takes. */
static jv
camera_list(int n, char **args)
{
	jv list = jv_array();
	int i;

	for (i = 0; i < n; i++) {
		const char *eq = ft_camera_name_end(args[i], strlen(args[i]));
		jv cam = jv_object();

		if (!eq && strpbrk(args[i], ":/"))
			ft_usage_error("'%s' is not NAME=SOURCE (a camera needs "
				       "a name)", args[i]);
		cam = jv_object_set(cam, jv_string("name"), eq ?
				    jv_string_sized(args[i],
						    (int)(eq - args[i]))
				    : jv_string(args[i]));
		if (eq)
			cam = jv_object_set(cam, jv_string("source"),
					    jv_string(eq + 1));
		list = jv_array_append(list, cam);
	}
	return list;
}

/* cameras [set ... | reset]; FT_OK or an FT_E* code. */
static int
cameras(int n, char **args, char *err, size_t errlen)
{
	ft_cameras c;
	jv rec;
	int rc;

	if (!n) {
		if ((rc = ft_cameras_load(&c, err, errlen)) != FT_OK)
			return rc;
		rc = ft_jsonl_write(stdout, ft_cameras_record(&c));
		ft_cameras_clear(&c);
		if (rc != FT_OK)
			ft_seterr(err, errlen, "cannot write the cameras");
		return rc;
	}
	if (!strcmp(args[0], "set")) {
		if (n < 2)
			ft_usage_error("'cameras set' needs NAME=SOURCE");
		rc = ft_cameras_set(camera_list(n - 1, args + 1), err,
				    errlen);
	} else if (!strcmp(args[0], "reset") && n == 1) {
		rc = ft_cameras_reset(err, errlen);
	} else {
		ft_usage_error("bad 'cameras' command: '%s' (set or reset)",
			       args[0]);
	}
	/* A running supervisor keeps the cameras it started with. */
	if (rc == FT_OK && ft_supervise_status(&rec, err, errlen) == FT_OK) {
		jv on = jv_object_get(rec, jv_string("running"));

		if (jv_get_kind(on) == JV_KIND_TRUE)
			ft_warn("recognition runs on the cameras it started "
				"with; 'ft-schedule restart' uses the new "
				"ones");
		jv_free(on);
	}
	return rc;
}

/* Do command name with its n arguments args; the exit status. */
static int
run(const char *name, const struct opts *o, int n, char **args)
{
	const char *arg = n ? args[0] : NULL;
	char err[1024];
	int rc;
	jv rec;

	/* A pipeline or a cron line set from an untrusted ./.env must not
	 * run, and the user who put settings there should learn why they do
	 * not apply. */
	if (ft_config_ignored())
		ft_warn("%s", ft_config_ignored());
	if (!strcmp(name, "run"))
		return ft_supervise_run();
	if (!strcmp(name, "start")) {
		rc = ft_supervise_start(o->in_window, err, sizeof err);
	} else if (!strcmp(name, "stop")) {
		rc = ft_supervise_stop(err, sizeof err);
	} else if (!strcmp(name, "restart")) {
		if ((rc = ft_supervise_stop(err, sizeof err)) >= 0)
			rc = ft_supervise_start(0, err, sizeof err);
	} else if (!strcmp(name, "status")) {
		if ((rc = ft_supervise_status(&rec, err, sizeof err)) == FT_OK &&
		    ft_jsonl_write(stdout, rec) != FT_OK)
			return FT_EXIT_FAIL;
	} else if (!strcmp(name, "set")) {
		rc = set_window(o, err, sizeof err);
	} else if (!strcmp(name, "report")) {
		if (!o->at)
			ft_usage_error("'report' needs --at");
		rc = ft_schedule_set_report(parse_time("at", o->at), err,
					    sizeof err);
		if (rc >= 0)
			warn_unseen();
	} else if (!strcmp(name, "cameras")) {
		rc = cameras(n, args, err, sizeof err);
	} else if (!strcmp(name, "show")) {
		rc = show(err, sizeof err);
	} else {
		rc = clear(arg, err, sizeof err);
	}
	return rc < 0 ? fail(err) : FT_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct opts o = { NULL, NULL, NULL, NULL, 0 };
	const struct command *cmd;
	const char *name;
	unsigned given = 0;
	int c;

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c >= O_IN_WINDOW && c <= O_AT)
			given |= BIT(c);
		switch (c) {
		case O_IN_WINDOW: o.in_window = 1; break;
		case O_FROM: o.from = optarg; break;
		case O_TO: o.to = optarg; break;
		case O_DAYS: o.days = optarg; break;
		case O_AT: o.at = optarg; break;
		case 'h':
			fputs(usage, stdout);
			return ft_close_stdout(FT_EXIT_OK);
		case O_VERSION:
			printf("ft-schedule %s\n", FT_VERSION);
			return ft_close_stdout(FT_EXIT_OK);
		default:
			ft_usage_error(NULL);
		}
	}
	if (optind >= argc)
		ft_usage_error("no command given");
	name = argv[optind++];
	for (cmd = commands; cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			break;
	if (!cmd->name)
		ft_usage_error("unknown command '%s'", name);
	if (given & ~cmd->opts) {
		const struct option *lo = longopts;

		while (!(lo->val >= O_IN_WINDOW && lo->val <= O_AT &&
			 (given & ~cmd->opts & BIT(lo->val))))
			lo++;
		ft_usage_error("--%s is not an option of '%s'", lo->name,
			       name);
	}
	if (argc - optind < cmd->min_args || argc - optind > cmd->max_args)
		ft_usage_error(cmd->max_args ? "too many arguments to '%s'"
			       : "'%s' takes no arguments", name);
	return ft_close_stdout(run(name, &o, argc - optind, argv + optind));
}
