/*
 * report — periods, figures and CSV visit reports.
 */
#include "report.h"
#include "chart.h"
#include "csvio.h"
#include "mail.h"
#include "query.h"
#include "times.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* --- reports --- */

/* A set of customer row ids, by open addressing. */
struct idset {
	int64_t *id;
	size_t *at;		/* index into the summary's rows */
	size_t cap, used;
};

static size_t
idset_slot(const struct idset *t, int64_t id)
{
	size_t i = (size_t)((uint64_t)id * 0x9e3779b97f4a7c15ULL) &
		   (t->cap - 1);

	while (t->id[i] && t->id[i] != id)
		i = (i + 1) & (t->cap - 1);
	return i;
}

/* The slot of id, added (with at = SIZE_MAX) when new; *fresh says. */
static size_t
idset_add(struct idset *t, int64_t id, int *fresh)
{
	size_t i, j;

	if (2 * (t->used + 1) > t->cap) {
		struct idset big = { 0 };

		big.cap = t->cap ? t->cap * 2 : 1024;
		big.id = ft_xcalloc(big.cap, sizeof *big.id);
		big.at = ft_xcalloc(big.cap, sizeof *big.at);
		for (j = 0; j < t->cap; j++) {
			if (!t->id[j])
				continue;
			i = idset_slot(&big, t->id[j]);
			big.id[i] = t->id[j];
			big.at[i] = t->at[j];
		}
		big.used = t->used;
		free(t->id);
		free(t->at);
		*t = big;
	}
	i = idset_slot(t, id);
	*fresh = !t->id[i];
	if (*fresh) {
		t->id[i] = id;
		t->at[i] = (size_t)-1;
		t->used++;
	}
	return i;
}

struct row {
	char uuid[FT_UUID_LEN + 1];
	char *name, *email;
	int64_t visits, first, last;
};

struct writer {
	FILE *f;
	ft_report *r;
	int summary;
	struct idset seen;
	struct row *rows;
	size_t nrows, caprows;
	int64_t *bounds;	/* nbins + 1 day starts */
	size_t cursor;
	int werr;		/* errno of a failed write */
};

/* The columns that hold numbers, written as they are; the others are
 * text, neutralised for spreadsheets (csvio.h). */
static const unsigned char number_col[6] = { 0, 0, 0, 0, 0, 1 };
static const unsigned char count_col[6] = { 0, 0, 0, 1, 0, 0 };

static int
on_visit(void *p, const ft_visit *v)
{
	struct writer *w = p;
	ft_report *r = w->r;
	char ts[FT_TIME_BUFSZ], num[24];
	size_t slot;
	int fresh;

	slot = idset_add(&w->seen, v->customer_id, &fresh);
	if (!w->summary) {
		const char *f[6];

		ft_time_format(v->ts, ts);
		snprintf(num, sizeof num, "%lld", (long long)v->number);
		f[0] = v->customer;
		f[1] = v->name;
		f[2] = v->email;
		f[3] = ts;
		f[4] = v->source;
		f[5] = num;
		if (ft_csv_row_typed(w->f, f, number_col, 6) != 0) {
			w->werr = errno ? errno : EIO;
			return 1;
		}
		r->rows++;
	} else {
		struct row *row;

		if (fresh) {
			if (w->nrows == w->caprows) {
				w->caprows = w->caprows ? w->caprows * 2 : 256;
				w->rows = ft_xrealloc(w->rows, w->caprows *
						      sizeof *w->rows);
			}
			row = &w->rows[w->nrows];
			memset(row, 0, sizeof *row);
			snprintf(row->uuid, sizeof row->uuid, "%s",
				 v->customer);
			row->name = ft_xstrdup(v->name);
			row->email = ft_xstrdup(v->email);
			row->first = v->ts;
			w->seen.at[slot] = w->nrows++;
		}
		row = &w->rows[w->seen.at[slot]];
		row->visits++;
		if (v->ts < row->first)
			row->first = v->ts;
		if (v->ts > row->last)
			row->last = v->ts;
	}
	r->fig.visits++;
	if (r->hourly) {
		struct tm tm;

		ft_time_local(v->ts, &tm);
		r->bins[tm.tm_hour]++;
	} else {
		while (w->cursor + 1 < r->nbins &&
		       v->ts >= w->bounds[w->cursor + 1])
			w->cursor++;
		r->bins[w->cursor]++;
	}
	return 0;
}

/* Keep the one record of a query in *(jv *)p. */
static int
keep_record(void *p, jv rec)
{
	jv *keep = p;

	jv_free(*keep);
	*keep = rec;
	return 0;
}

static int
by_visits(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->visits != y->visits)
		return x->visits > y->visits ? -1 : 1;
	c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
	return c ? c : strcmp(x->uuid, y->uuid);
}

/* Bins of the chart: 24 hours for one day, else one per day. */
static void
make_bins(ft_report *r, struct writer *w)
{
	size_t i;

	r->hourly = r->period.days == 1;
	r->nbins = r->hourly ? 24 : (size_t)r->period.days;
	r->labels = ft_xcalloc(r->nbins, sizeof *r->labels);
	r->bins = ft_xcalloc(r->nbins, sizeof *r->bins);
	w->bounds = ft_xcalloc(r->nbins + 1, sizeof *w->bounds);
	for (i = 0; i < r->nbins; i++) {
		if (r->hourly) {
			snprintf(r->labels[i], sizeof r->labels[i],
				 "%02d:00", (int)i);
		} else {
			w->bounds[i] = ft_time_day_add(r->period.since,
						       (int)i);
			ft_time_date(w->bounds[i], r->labels[i]);
		}
	}
	w->bounds[r->nbins] = r->period.until;
}

/*
 * A new file beside name in dir to write the report into, its path in
 * *tmp (the caller's to free).  Its name is the process's and a counter
 * of its own, created exclusively: threads or processes writing the same
 * report at once each write their own file and the last rename wins,
 * whole.  NULL with errno set on failure.
 */
static FILE *
open_aside(const char *dir, const char *name, char **tmp)
{
	static atomic_uint serial;
	FILE *f;
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		*tmp = ft_xasprintf("%s/.%s.%ld.%u.tmp", dir, name,
				    (long)getpid(),
				    atomic_fetch_add(&serial, 1));
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0666);
		if (fd >= 0) {
			if ((f = fdopen(fd, "w")))
				return f;
			close(fd);
			unlink(*tmp);
			return NULL;
		}
		if (errno != EEXIST)
			return NULL;
		free(*tmp);
	}
	*tmp = ft_xasprintf("%s/.%s.tmp", dir, name);
	errno = EEXIST;
	return NULL;
}

int
ft_report_write(ft_store *s, const ft_report_opts *o, int64_t now,
		ft_report *r, char *err, size_t errlen)
{
	static const char *const vhead[] = {
		"customer_id", "name", "email", "visit_time", "source",
		"visit_number"
	};
	static const char *const shead[] = {
		"customer_id", "name", "email", "visits", "first_visit",
		"last_visit"
	};
	struct writer w = { 0 };
	ft_visit_filter vf = { 0 };
	char *tmp = NULL;
	size_t i;
	int rc = FT_OK;

	memset(r, 0, sizeof *r);
	r->period = o->period;
	r->summary = o->summary;
	if (ft_mkdirs(o->dir, 0777, err, errlen) != 0)
		return FT_EFAIL;
	if (o->period.days > 1)
		r->name = ft_xasprintf("%s-%s_%s.csv", o->summary ? "summary"
				       : "visits", o->period.first,
				       o->period.last);
	else
		r->name = ft_xasprintf("%s-%s.csv", o->summary ? "summary"
				       : "visits", o->period.first);
	r->path = ft_xasprintf("%s/%s", o->dir, r->name);
	/* Written aside and renamed: the report is whole or absent. */
	if (!(w.f = open_aside(o->dir, r->name, &tmp))) {
		ft_seterr(err, errlen, "cannot create '%s': %s", tmp,
		       strerror(errno));
		free(tmp);
		return FT_EFAIL;
	}
	setvbuf(w.f, NULL, _IOFBF, 1 << 20);
	w.r = r;
	w.summary = o->summary;
	make_bins(r, &w);
	if (ft_csv_row(w.f, o->summary ? shead : vhead, 6) != 0)
		w.werr = errno ? errno : EIO;

	vf.since = o->period.since;
	vf.until = o->period.until;
	if (!w.werr) {
		rc = ft_store_visits(s, &vf, on_visit, &w);
		if (rc < 0)
			ft_seterr(err, errlen, "%s", ft_store_errmsg(s));
	}
	if (rc >= 0 && !w.werr && o->summary) {
		if (w.nrows)
			qsort(w.rows, w.nrows, sizeof *w.rows, by_visits);
		for (i = 0; i < w.nrows && !w.werr; i++) {
			char n[24], a[FT_TIME_BUFSZ], b[FT_TIME_BUFSZ];
			const char *f[6];

			snprintf(n, sizeof n, "%lld",
				 (long long)w.rows[i].visits);
			f[0] = w.rows[i].uuid;
			f[1] = w.rows[i].name;
			f[2] = w.rows[i].email;
			f[3] = n;
			f[4] = ft_time_format(w.rows[i].first, a);
			f[5] = ft_time_format(w.rows[i].last, b);
			if (ft_csv_row_typed(w.f, f, count_col, 6) != 0)
				w.werr = errno ? errno : EIO;
			else
				r->rows++;
		}
	}
	if (fflush(w.f) != 0 && !w.werr)
		w.werr = errno;
	if (fclose(w.f) != 0 && !w.werr)
		w.werr = errno;
	if (w.werr && rc >= 0) {
		ft_seterr(err, errlen, "cannot write '%s': %s", tmp,
		       strerror(w.werr));
		rc = FT_EFAIL;
	}
	r->fig.visitors = (int64_t)w.seen.used;
	if (rc == FT_OK) {
		jv count = jv_invalid();

		rc = ft_query_count(s, o->period.since, o->period.until,
				    FT_COUNT_NEW, keep_record, &count);
		if (rc == FT_OK) {
			jv n = jv_object_get(count,
					     jv_string("new_customers"));

			r->fig.new_customers = (int64_t)jv_number_value(n);
			jv_free(n);
		} else {
			jv_free(count);
			ft_seterr(err, errlen, "%s", ft_store_errmsg(s));
		}
	}
	if (rc == FT_OK && rename(tmp, r->path) != 0) {
		ft_seterr(err, errlen, "cannot rename '%s' to '%s': %s", tmp,
		       r->path, strerror(errno));
		rc = FT_EFAIL;
	}
	if (rc != FT_OK)
		unlink(tmp);
	free(tmp);
	for (i = 0; i < w.nrows; i++) {
		free(w.rows[i].name);
		free(w.rows[i].email);
	}
	free(w.rows);
	free(w.seen.id);
	free(w.seen.at);
	free(w.bounds);
	if (rc != FT_OK)
		ft_report_clear(r);
	return rc < 0 ? rc : rc ? FT_EFAIL : FT_OK;
}

void
ft_report_clear(ft_report *r)
{
	free(r->path);
	free(r->name);
	free(r->labels);
	free(r->bins);
	memset(r, 0, sizeof *r);
}

/* --- the report by mail --- */

struct top {
	FILE *f;
	int n;
};

static int
top_line(void *p, jv rec)
{
	struct top *t = p;
	jv name = jv_object_get(jv_copy(rec), jv_string("name"));
	jv id = jv_object_get(jv_copy(rec), jv_string("id"));
	jv n = jv_object_get(rec, jv_string("visits_in_range"));
	long long k = jv_get_kind(n) == JV_KIND_NUMBER ?
		      (long long)jv_number_value(n) : 0;

	if (!t->n++)
		fputs("\nTop visitors:\n", t->f);
	if (jv_get_kind(name) == JV_KIND_STRING && *jv_string_value(name))
		fprintf(t->f, "  %d. %s: %lld visit%s\n", t->n,
			jv_string_value(name), k, k == 1 ? "" : "s");
	else
		fprintf(t->f, "  %d. (no name, %.8s): %lld visit%s\n", t->n,
			jv_get_kind(id) == JV_KIND_STRING ?
			jv_string_value(id) : "?", k, k == 1 ? "" : "s");
	jv_free(name);
	jv_free(id);
	jv_free(n);
	return 0;
}

/* FNV-1a of a file, for a Message-ID that is the same for the same
 * report: a receiver can tell a repeated delivery from a new one. */
static uint64_t
file_hash(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char buf[65536];
	size_t n, i;
	FILE *f = fopen(path, "rb");

	if (!f)
		return 0;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		for (i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL;
	fclose(f);
	return h;
}

/* A report's figures: visits, visitors, the busiest day
 * and the top visitors, into f. */
static int
report_figures(ft_store *s, const ft_report *r, FILE *f, char *err,
	       size_t errlen)
{
	struct top top = { 0 };
	size_t i, best = 0;
	int rc;

	if (!r->fig.visits) {
		fputs("There were no visits in this period.\n", f);
		fprintf(f, "New customers: %lld\n",
			(long long)r->fig.new_customers);
		return FT_OK;
	}
	fprintf(f, "Visits: %lld\n", (long long)r->fig.visits);
	fprintf(f, "Customers who visited: %lld\n",
		(long long)r->fig.visitors);
	fprintf(f, "New customers: %lld\n", (long long)r->fig.new_customers);
	if (!r->hourly) {
		for (i = 1; i < r->nbins; i++)
			if (r->bins[i] > r->bins[best])
				best = i;
		fprintf(f, "Busiest day: %s, %.0f visits\n", r->labels[best],
			r->bins[best]);
	}
	top.f = f;
	rc = ft_query_top(s, r->period.since, r->period.until, 5, top_line,
			  &top);
	if (rc != FT_OK)
		ft_seterr(err, errlen, "%s", ft_store_errmsg(s));
	return rc;
}

/* The mail's text into *text (to free); a store code on failure. */
static int
report_text(ft_store *s, const ft_report *r, const char *range,
	    char **text, char *err, size_t errlen)
{
	char zone[16];
	size_t len = 0;
	struct tm tm;
	FILE *f;
	int rc;

	ft_time_local(r->period.since, &tm);
	if (!strftime(zone, sizeof zone, "%Z", &tm))
		snprintf(zone, sizeof zone, "local time");
	*text = NULL;
	f = open_memstream(text, &len);
	fprintf(f, "FaceTrack %s report for %s (%d day%s; days in %s).\n\n",
		r->summary ? "summary" : "visit", range, r->period.days,
		r->period.days == 1 ? "" : "s", zone);
	if ((rc = report_figures(s, r, f, err, errlen)) != FT_OK) {
		fclose(f);
		free(*text);
		*text = NULL;
		return rc;
	}
	fputc('\n', f);
	if (r->summary)
		fprintf(f, "The attached file %s lists the %lld customers who "
			"visited, with their visits in the period and their "
			"first and last visit", r->name, (long long)r->rows);
	else
		fprintf(f, "The attached file %s lists the %lld visits: "
			"customer id, name, e-mail, visit time (UTC), source "
			"and the visit's number in the customer's history",
			r->name, (long long)r->rows);
	fputs(r->rows ? ".\n" : "; it holds only its header row.\n", f);
	if (r->fig.visits)
		fprintf(f, "The chart shows the visits per %s.\n",
			r->hourly ? "hour" : "day");
	fclose(f);
	return FT_OK;
}

/* The chart of r's bins as an inline PNG part; its name goes into name
 * (80 bytes), its bytes into *png (to free).  -1 with a message. */
static int
chart_part(const ft_report *r, const char *range, ft_mail_part *part,
	   char *name, unsigned char **png, char *err, size_t errlen)
{
	ft_chart ch = { 0 };
	const char **labels = ft_xcalloc(r->nbins, sizeof *labels);
	char title[96];
	size_t j, len = 0;
	int rc;

	for (j = 0; j < r->nbins; j++)
		labels[j] = r->labels[j];
	snprintf(title, sizeof title, "Visits per %s, %s",
		 r->hourly ? "hour" : "day", range);
	ch.title = title;
	ch.xlabel = r->hourly ? "hour" : "day";
	ch.ylabel = "visits";
	ch.n = r->nbins;
	ch.labels = labels;
	ch.values = r->bins;
	rc = ft_chart_png(&ch, png, &len, err, errlen);
	free(labels);
	if (rc != 0)
		return -1;
	if (r->period.days > 1)
		snprintf(name, 80, "visits-per-day-%s_%s.png", r->period.first,
			 r->period.last);
	else
		snprintf(name, 80, "visits-per-hour-%s.png", r->period.first);
	memset(part, 0, sizeof *part);
	part->content_type = "image/png";
	part->filename = name;
	part->is_inline = 1;
	part->data = *png;
	part->len = len;
	return 0;
}

static void
free_addresses(char **addrs)
{
	size_t i;

	for (i = 0; addrs[i]; i++)
		free(addrs[i]);
	free(addrs);
}

/* Send the mail of report r, its text and parts made. */
static int
send_report(const ft_report *r, const char *to, char **addrs,
	    const char *range, const char *text, ft_mail_part *parts,
	    size_t nparts, int64_t now, const ft_mail_server *srv, char *err,
	    size_t errlen)
{
	ft_mail m = { 0 };
	char *subject, *msgid, *from;
	int rc;

	if (r->fig.visits)
		subject = ft_xasprintf("FaceTrack %s %s: %lld visit%s",
				       r->summary ? "summary" : "report",
				       range, (long long)r->fig.visits,
				       r->fig.visits == 1 ? "" : "s");
	else
		subject = ft_xasprintf("FaceTrack %s %s: no visits",
				       r->summary ? "summary" : "report",
				       range);
	msgid = ft_xasprintf("%s.%s.%s.%016llx@%s",
			     r->summary ? "summary" : "visits",
			     r->period.first, r->period.last,
			     (unsigned long long)file_hash(r->path),
			     strchr(addrs[0], '@') + 1);
	/* Without a sender configured, reports come from the first
	 * recipient, which is where a cron job's mail goes anyway. */
	from = ft_xasprintf("FaceTrack <%s>", addrs[0]);
	m.from = ft_mail_from_configured(from);
	m.to = to;
	m.subject = subject;
	m.text = text;
	m.parts = parts;
	m.nparts = nparts;
	m.message_id = msgid;
	m.date = now;
	rc = ft_mail_send(&m, srv, err, errlen);
	free(from);
	free(subject);
	free(msgid);
	switch (rc) {
	case FT_MAIL_OK: return FT_OK;
	case FT_MAIL_EINVAL: return FT_EINVAL;
	case FT_MAIL_ETEMP: return FT_ETEMP;
	default: return FT_EFAIL;
	}
}

int
ft_report_email(ft_store *s, const ft_report *r, const char *to,
		int64_t now, char *err, size_t errlen)
{
	ft_mail_server srv;
	ft_mail_part parts[2];
	char range[40], chartname[80], *text = NULL, **addrs;
	unsigned char *png = NULL;
	size_t n = 0;
	int rc;

	if (ft_mail_server_configured(&srv, err, errlen) != FT_MAIL_OK)
		return FT_EINVAL;
	if (!(addrs = ft_mail_addresses(to, err, errlen)))
		return FT_EINVAL;
	if (r->period.days > 1)
		snprintf(range, sizeof range, "%s to %s", r->period.first,
			 r->period.last);
	else
		snprintf(range, sizeof range, "%s", r->period.first);
	rc = report_text(s, r, range, &text, err, errlen);
	if (rc == FT_OK && r->fig.visits &&
	    chart_part(r, range, &parts[n++], chartname, &png, err,
		       errlen) != 0)
		rc = FT_EFAIL;
	if (rc == FT_OK) {
		memset(&parts[n], 0, sizeof parts[n]);
		parts[n].content_type = "text/csv; charset=UTF-8";
		parts[n].filename = r->name;
		parts[n].path = r->path;
		n++;
		rc = send_report(r, to, addrs, range, text, parts, n, now,
				 &srv, err, errlen);
	}
	free(text);
	free(png);
	free_addresses(addrs);
	return rc;
}
