/*
 * ft-report — CSV reports of visits, mailed to the administrator.
 *
 * Reads the visits of a period of whole days from the store; writes a
 * CSV file into the reports directory and prints its path on stdout;
 * with --email mails it, with the period's figures and a chart, through
 * the configured SMTP server.
 *
 * The CSV is written before any mail is attempted and stays when the
 * mail fails, which exits 75 so that cron (or a wrapper) tries again
 * later.  The report streams from the store (lib/report.c), so a long
 * period costs time, not memory.
 */
#include "config.h"
#include "mail.h"
#include "report.h"
#include "store.h"
#include "times.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
"usage: ft-report [--db URL] [--dir DIR] [--summary] [--email [ADDRESS]]\n"
"                 --from DATE --to DATE | --yesterday | --last-week |\n"
"                 --month YYYY-MM\n";

enum {
	O_DB = 256, O_DIR, O_SUMMARY, O_EMAIL, O_FROM, O_TO, O_YESTERDAY,
	O_LAST_WEEK, O_MONTH, O_VERSION
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, O_DB },
	{ "dir", required_argument, NULL, O_DIR },
	{ "summary", no_argument, NULL, O_SUMMARY },
	{ "email", optional_argument, NULL, O_EMAIL },
	{ "from", required_argument, NULL, O_FROM },
	{ "to", required_argument, NULL, O_TO },
	{ "yesterday", no_argument, NULL, O_YESTERDAY },
	{ "last-week", no_argument, NULL, O_LAST_WEEK },
	{ "month", required_argument, NULL, O_MONTH },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *month = NULL, *email = NULL;
	int c, rc, periods = 0, yesterday = 0, last_week = 0, mail = 0;
	int64_t now = ft_time_now();
	ft_report_opts o = { 0 };
	ft_mail_server srv;
	ft_report r;
	ft_store *s;
	char err[1024], **addrs;
	size_t i;

	ft_set_progname(argv[0]);
	ft_set_usage(usage);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB: ft_config_set("FT_DB", optarg); break;
		case O_DIR: ft_config_set("FT_REPORTS_DIR", optarg); break;
		case O_SUMMARY: o.summary = 1; break;
		case O_EMAIL:
			mail = 1;
			email = optarg;
			break;
		case O_FROM: from = optarg; break;
		case O_TO: to = optarg; break;
		case O_YESTERDAY: yesterday = 1; periods++; break;
		case O_LAST_WEEK: last_week = 1; periods++; break;
		case O_MONTH: month = optarg; periods++; break;
		case 'h':
			fputs(usage, stdout);
			return ft_close_stdout(FT_EXIT_OK);
		case O_VERSION:
			printf("ft-report %s\n", FT_VERSION);
			return ft_close_stdout(FT_EXIT_OK);
		default:
			ft_usage_error(NULL);
		}
	}
	/* "--email ADDRESS" as well as "--email=ADDRESS": the one word
	 * left over is the address. */
	if (mail && !email && argc - optind == 1)
		email = argv[optind++];
	if (optind < argc)
		ft_usage_error("unexpected argument '%s'", argv[optind]);
	if (from || to)
		periods++;
	if (periods == 0)
		ft_usage_error("no period given");
	if (periods > 1)
		ft_usage_error("give one period: --from and --to, "
			       "--yesterday, --last-week or --month");
	if (from || to) {
		if (!from || !to)
			ft_usage_error("--from and --to go together");
		if (ft_times_period_parse(from, to, now, &o.period, err,
					   sizeof err) != 0)
			ft_usage_error("%s", err);
	} else if (yesterday) {
		ft_times_period_named(FT_PERIOD_YESTERDAY, 0, now, &o.period);
	} else if (last_week) {
		ft_times_period_named(FT_PERIOD_LAST_WEEK, 0, now, &o.period);
	} else if (ft_times_period_parse_month(month, &o.period) != 0) {
		ft_usage_error("bad --month: '%s' (YYYY-MM)", month);
	}
	if (mail) {
		if (!email || !*email)
			email = ft_config_get("ADMIN_EMAIL", NULL);
		if (!email || !*email)
			ft_usage_error("--email needs an address, or "
				       "ADMIN_EMAIL set");
		if (!(addrs = ft_mail_addresses(email, err, sizeof err)))
			ft_usage_error("%s", err);
		for (i = 0; addrs[i]; i++)
			free(addrs[i]);
		free(addrs);
		/* Settings are checked before any work is done. */
		if (ft_mail_server_configured(&srv, err, sizeof err) != 0)
			ft_die(FT_EXIT_FAIL, "%s", err);
	}
	o.dir = ft_config_get("FT_REPORTS_DIR", "./reports");

	/* A reader: a mistyped store is an error, not an empty store. */
	ft_store_need_existing();
	s = ft_store_open_configured();
	rc = ft_report_write(s, &o, now, &r, err, sizeof err);
	if (rc != FT_OK) {
		ft_warn("%s", err);
		ft_store_close(s);
		return ft_close_stdout(ft_store_exit_status(rc));
	}
	printf("%s\n", r.path);
	fflush(stdout);
	if (mail) {
		rc = ft_report_email(s, &r, email, now, err, sizeof err);
		if (rc != FT_OK) {
			ft_warn("cannot mail '%s': %s", r.path, err);
			rc = rc == FT_ETEMP ? FT_EXIT_TEMPFAIL
			     : ft_store_exit_status(rc);
		}
	}
	ft_report_clear(&r);
	ft_store_close(s);
	return ft_close_stdout(rc == FT_OK ? FT_EXIT_OK : rc);
}
