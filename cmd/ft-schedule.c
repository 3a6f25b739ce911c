/*
 * ft-schedule — start and stop recognition, now or on a schedule.
 *
 * start, stop, restart and status drive a supervisor that runs the
 * recognition pipeline (FT_PIPELINE) in the background; run is that
 * supervisor in the foreground.  set, report, show and clear keep one
 * marked block in the user's crontab.  The work is in lib/supervise.c
 * and lib/schedule.c, which ft-serve calls too; this file parses
 * options.
 *
 * start and stop say nothing when they have nothing to say (already
 * running, not running, outside the window), so the crontab lines that
 * call them mail nobody on an ordinary day.
 */
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
	{ "set", BIT(O_FROM) | BIT(O_TO) | BIT(O_DAYS), 0, 0 },
	{ "report", BIT(O_AT), 0, 0 },
	{ "show", 0, 0, 0 },
	{ "clear", 0, 0, 1 },
	{ NULL, 0, 0, 0 }
};

static int
fail(const char *err)
{
	ft_warn("%s", err);
	return ft_close_stdout(FT_EXIT_FAIL);
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

int
main(int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *days = NULL, *at = NULL;
	const struct command *cmd;
	const char *name;
	unsigned given = 0;
	int c, in_window = 0, rc;
	char err[1024];

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c >= O_IN_WINDOW && c <= O_AT)
			given |= BIT(c);
		switch (c) {
		case O_IN_WINDOW: in_window = 1; break;
		case O_FROM: from = optarg; break;
		case O_TO: to = optarg; break;
		case O_DAYS: days = optarg; break;
		case O_AT: at = optarg; break;
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

	if (!strcmp(name, "start")) {
		if (ft_supervise_start(in_window, err, sizeof err) < 0)
			return fail(err);
	} else if (!strcmp(name, "stop")) {
		if (ft_supervise_stop(err, sizeof err) < 0)
			return fail(err);
	} else if (!strcmp(name, "restart")) {
		if (ft_supervise_stop(err, sizeof err) < 0 ||
		    ft_supervise_start(0, err, sizeof err) < 0)
			return fail(err);
	} else if (!strcmp(name, "status")) {
		jv rec;

		if (ft_supervise_status(&rec, err, sizeof err) != 0)
			return fail(err);
		if (ft_jsonl_write(stdout, rec) != 0)
			return ft_close_stdout(FT_EXIT_FAIL);
	} else if (!strcmp(name, "run")) {
		return ft_close_stdout(ft_supervise_run());
	} else if (!strcmp(name, "set")) {
		ft_window w;

		if (!from || !to)
			ft_usage_error("'set' needs --from and --to");
		w.from = parse_time("from", from);
		w.to = parse_time("to", to);
		if (w.from == w.to)
			ft_usage_error("--from and --to are the same time");
		w.days = ft_schedule_parse_days(days ? days : "daily");
		if (!w.days)
			ft_usage_error("bad --days: '%s'", days);
		if (ft_schedule_set_window(&w, err, sizeof err) != 0)
			return fail(err);
	} else if (!strcmp(name, "report")) {
		if (!at)
			ft_usage_error("'report' needs --at");
		if (ft_schedule_set_report(parse_time("at", at), err,
					   sizeof err) != 0)
			return fail(err);
	} else if (!strcmp(name, "show")) {
		ft_schedule s;
		char *block;

		if (ft_schedule_read(&s, &block, err, sizeof err) != 0)
			return fail(err);
		if (block)
			fputs(block, stdout);
		free(block);
	} else {
		unsigned what = FT_SCHED_WINDOW | FT_SCHED_REPORT;

		if (optind < argc) {
			if (!strcmp(argv[optind], "window"))
				what = FT_SCHED_WINDOW;
			else if (!strcmp(argv[optind], "report"))
				what = FT_SCHED_REPORT;
			else
				ft_usage_error("bad part to clear: '%s' "
					       "(window or report)",
					       argv[optind]);
		}
		if (ft_schedule_clear(what, err, sizeof err) != 0)
			return fail(err);
	}
	rc = FT_EXIT_OK;
	return ft_close_stdout(rc);
}
