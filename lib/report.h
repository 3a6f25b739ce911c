/*
 * report — the figures of a period and the CSV visit reports that
 * ft-report writes and mails.  Periods (ft_period) are lib/times', so
 * "last week" means one thing in reports, the chat and the dashboard.
 * The figures of a period come from ft_query_count (query.h), as the
 * chat's do.
 *
 * Reports stream: visits are read from the store and written one row at
 * a time, so a year of visits needs no more memory than a day's.  What
 * is kept grows with the customers seen (a set of ids, and per customer
 * figures for the summary), never with the visits.
 *
 * Functions return FT_OK or a code of errors.h, as the store and mail
 * modules give them; the message is in err.  FT_ETEMP means the store
 * could not be reached.
 */
#ifndef FT_REPORT_H
#define FT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "times.h"

/* The figures of a period. */
typedef struct ft_figures {
	int64_t visits;
	int64_t visitors;
	int64_t new_customers;
} ft_figures;

typedef struct ft_report_opts {
	ft_period period;
	int summary;		/* one row per customer instead of visits */
	const char *dir;	/* reports directory, created when missing */
} ft_report_opts;

/* What ft_report_write wrote and saw; release with
 * ft_report_result_clear. */
typedef struct ft_report {
	ft_period period;
	int summary;
	char *path;		/* the CSV file */
	char *name;		/* its last component */
	int64_t rows;		/* data rows written */
	ft_figures fig;		/* visits, visitors and new customers */
	size_t nbins;		/* visits per hour (one day) or per day */
	char (*labels)[16];	/* "09:00" or "2026-11-23" */
	double *bins;
	int hourly;		/* bins are hours of the one day */
} ft_report;

/*
 * Write the CSV of o's period into o->dir: visits-FIRST[_LAST].csv, one
 * row per visit (customer_id, name, email, visit_time, source,
 * visit_number) in time order, or with o->summary summary-FIRST[_LAST].csv,
 * one row per customer who visited (customer_id, name, email, visits,
 * first_visit, last_visit), most visits first.  The file is written
 * aside and renamed into place, so it is whole or absent.  Fills *r
 * (cleared first).  Blocks on the store and the file system.
 */
int ft_report_write(ft_store *s, const ft_report_opts *o, int64_t now,
		    ft_report *r, char *err, size_t errlen);

void ft_report_clear(ft_report *r);

/*
 * Mail the report r to the addresses in to (comma-separated), through
 * the mail server the configuration names (see mail.h): a short text
 * with the period's figures and top visitors, the chart of r's bins as a
 * PNG, and the CSV attached.  Returns FT_OK; FT_ETEMP when the mail
 * could not be sent (the message says why: DNS, refused connection,
 * authentication, TLS ...); FT_EINVAL for a bad address or missing
 * setting; a store code when reading the top visitors failed.
 */
int ft_report_email(ft_store *s, const ft_report *r, const char *to,
		    int64_t now, char *err, size_t errlen);

#endif
