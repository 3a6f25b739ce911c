/*
 * ft-seed-demo — load realistic, deterministic demo data into the store
 * FT_DB selects (run through scripts/seed-demo).
 *
 * Customers get names and e-mail addresses from small name lists; visits
 * fall on the last D days up to now, more on Fridays and weekends, at
 * opening hours with a lunch and an after-work peak; a few regulars make
 * most of the visits, as in a real shop.  Every customer's first visit is
 * the moment they were registered.  The same --seed gives the same data
 * for the same FT_NOW (and TZ).
 *
 * All rows go in one transaction through the store's bulk calls, so a
 * failed load leaves the store as it was.
 */
#include "config.h"
#include "store.h"
#include "times.h"
#include "util.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
"usage: seed-demo [--db URL] [--customers N] [--visits M] [--days D]\n"
"                 [--seed S] [--source NAME]\n";

/* Display name, then the ASCII form used in e-mail addresses. */
static const char *const first[][2] = {
	{ "Anna", "anna" }, { "Ben", "ben" }, { "Chloé", "chloe" },
	{ "David", "david" }, { "Emma", "emma" }, { "Felix", "felix" },
	{ "Greta", "greta" }, { "Hugo", "hugo" }, { "Ines", "ines" },
	{ "Jonas", "jonas" }, { "Karin", "karin" }, { "Luis", "luis" },
	{ "Maya", "maya" }, { "Noah", "noah" }, { "Olivia", "olivia" },
	{ "Paul", "paul" }, { "Rosa", "rosa" }, { "Samir", "samir" },
	{ "Tom", "tom" }, { "Uma", "uma" }, { "Vera", "vera" },
	{ "William", "william" }, { "Yusuf", "yusuf" }, { "Zoë", "zoe" },
	{ "Aiko", "aiko" }, { "Björn", "bjorn" }, { "Carmen", "carmen" },
	{ "Dmitri", "dmitri" }, { "Elif", "elif" }, { "Fatima", "fatima" },
	{ "Giulia", "giulia" }, { "Hana", "hana" }, { "Ivan", "ivan" },
	{ "José", "jose" }, { "Lena", "lena" }, { "Mateo", "mateo" },
	{ "Nora", "nora" }, { "Omar", "omar" }, { "Priya", "priya" },
	{ "Søren", "soren" }, { "芳", "fang" }, { "Wei", "wei" },
};
static const char *const last[][2] = {
	{ "Müller", "mueller" }, { "Schmidt", "schmidt" },
	{ "Smith", "smith" }, { "García", "garcia" }, { "Rossi", "rossi" },
	{ "Dubois", "dubois" }, { "Novak", "novak" }, { "Kowalski",
	"kowalski" }, { "Johansson", "johansson" }, { "Yılmaz", "yilmaz" },
	{ "Tanaka", "tanaka" }, { "Kim", "kim" }, { "Nguyen", "nguyen" },
	{ "O'Brien", "obrien" }, { "Silva", "silva" }, { "Jensen",
	"jensen" }, { "Fischer", "fischer" }, { "Ünal", "unal" },
	{ "Okafor", "okafor" }, { "Patel", "patel" }, { "Cohen", "cohen" },
	{ "Larsen", "larsen" }, { "Moreau", "moreau" }, { "Wang", "wang" },
	{ "Haddad", "haddad" }, { "Costa", "costa" }, { "Weber", "weber" },
	{ "Ivanova", "ivanova" }, { "Brown", "brown" }, { "Meyer", "meyer" },
};
static const char *const domains[] = {
	"example.com", "example.org", "example.net", "mail.example"
};

/* splitmix64: small, fast and the same on every platform. */
static uint64_t rng;

static uint64_t
next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
uniform(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static uint64_t
below(uint64_t n)
{
	return next() % n;
}

/* Pick an index in [from, n) by the cumulative weights cum[0..n). */
static size_t
pick_from(const double *cum, size_t n, size_t from)
{
	double base = from ? cum[from - 1] : 0;
	double x = base + uniform() * (cum[n - 1] - base);
	size_t lo = from, hi = n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static size_t
pick(const double *cum, size_t n)
{
	return pick_from(cum, n, 0);
}

/* Seconds after opening (08:00) of a visit: a lunch and an after-work
 * peak over a flat day until 20:00. */
static int
time_of_day(void)
{
	double u = uniform(), h;

	if (u < 0.3)
		h = 12.5 + 0.6 * (uniform() + uniform() + uniform() - 1.5);
	else if (u < 0.6)
		h = 17.5 + 0.8 * (uniform() + uniform() + uniform() - 1.5);
	else
		h = 8 + 12 * uniform();
	if (h < 8)
		h = 8;
	if (h >= 20)
		h = 19.99;
	return (int)((h - 8) * 3600);
}

struct visit {
	int64_t ts;
	uint32_t customer;
};

static int
by_time(const void *a, const void *b)
{
	const struct visit *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->customer < y->customer ? -1 : x->customer > y->customer;
}

/* What is seeded: the options, then the drawn days, customers and
 * visits. */
struct seed {
	long long ncust, nvisits, days, seed;
	const char *source;
	int64_t now;
	int64_t *day_start;	/* local midnight of each day */
	double *cum_day;	/* cumulative weights of the days */
	size_t *arrival;	/* each customer's first day */
	char *before;		/* a customer from before the range */
	double *cum_cust;	/* cumulative visit rates of the customers */
	struct visit *v;	/* the visits, by time */
	int64_t *first_ts;	/* each customer's first visit */
};

static void
parse_options(int argc, char **argv, struct seed *sd)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "customers", required_argument, NULL, 'c' },
		{ "visits", required_argument, NULL, 'v' },
		{ "days", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "source", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'D': ft_config_set("FT_DB", optarg); break;
		case 'c':
			if (ft_parse_int(optarg, 0, 10000000, &sd->ncust))
				ft_usage_error("bad --customers '%s'",
				       optarg);
			break;
		case 'v':
			if (ft_parse_int(optarg, 0, 100000000, &sd->nvisits))
				ft_usage_error("bad --visits '%s'",
				       optarg);
			break;
		case 'd':
			if (ft_parse_int(optarg, 1, 3660, &sd->days))
				ft_usage_error("bad --days '%s'",
				       optarg);
			break;
		case 's':
			if (ft_parse_int(optarg, 0, INT64_MAX, &sd->seed))
				ft_usage_error("bad --seed '%s'",
				       optarg);
			break;
		case 'S': sd->source = optarg; break;
		case 'h':
			fputs(usage, stdout);
			exit(ft_close_stdout(FT_EXIT_OK));
		case 'V':
			printf("ft-seed-demo %s\n", FT_VERSION);
			exit(ft_close_stdout(FT_EXIT_OK));
		default:
			ft_usage_error(NULL);
		}
	}
	if (optind != argc)
		ft_usage_error("unexpected argument '%s'", argv[optind]);
	if (sd->nvisits > 0 && sd->ncust == 0)
		ft_usage_error("visits need customers");
}

/* Weekday weights (Sunday first) and a gentle growth over time. */
static void
draw_days(struct seed *sd)
{
	static const double weekday[] = { 1.2, 0.8, 0.9, 0.9, 1.0, 1.3, 1.6 };
	long long i, days = sd->days;

	sd->day_start = ft_xcalloc((size_t)days, sizeof *sd->day_start);
	sd->cum_day = ft_xcalloc((size_t)days, sizeof *sd->cum_day);
	for (i = 0; i < days; i++) {
		struct tm tm;
		double w;

		sd->day_start[i] = ft_time_day_add(sd->now, (int)(i - days + 1));
		ft_time_local(sd->day_start[i], &tm);
		w = weekday[tm.tm_wday] * (0.8 + 0.4 * (double)i / (double)days);
		/* Today counts only the part of the day already gone. */
		if (i == days - 1) {
			double gone = (double)(sd->now - sd->day_start[i]) /
				      1000 - 8 * 3600;

			w *= gone <= 0 ? 0.0001 : gone >= 12 * 3600 ? 1
			     : gone / (12 * 3600);
		}
		sd->cum_day[i] = (i ? sd->cum_day[i - 1] : 0) + w;
	}
}

/* Each customer arrives on a day of the range (a third are already
 * customers on the first day; busy days bring more newcomers) and
 * visits only from then on, at a rate of their own: a long tail with a
 * few regulars. */
static void
draw_customers(struct seed *sd)
{
	long long i;

	sd->arrival = ft_xcalloc((size_t)sd->ncust + 1, sizeof *sd->arrival);
	sd->before = ft_xcalloc((size_t)sd->ncust + 1, 1);
	sd->cum_cust = ft_xcalloc((size_t)sd->ncust + 1,
				  sizeof *sd->cum_cust);
	for (i = 0; i < sd->ncust; i++) {
		double rate = uniform() < 0.08 ? 3 + 5 * uniform()
					       : 0.2 + uniform();

		sd->before[i] = uniform() < 0.33;
		sd->arrival[i] = sd->before[i] ? 0
			: pick_from(sd->cum_day, (size_t)sd->days, 0);
		sd->cum_cust[i] = (i ? sd->cum_cust[i - 1] : 0) +
			rate * (double)(sd->days - (long long)sd->arrival[i]);
	}
}

/* The visits, by time, and each customer's first. */
static void
draw_visits(struct seed *sd)
{
	long long i;

	sd->v = ft_xcalloc((size_t)sd->nvisits + 1, sizeof *sd->v);
	for (i = 0; i < sd->nvisits; i++) {
		size_t c, d;
		int64_t ts;

		/* Everyone visits at least once, on the day they arrive;
		 * the rest follow the weights. */
		c = i < sd->ncust ? (size_t)i
			: pick(sd->cum_cust, (size_t)sd->ncust);
		d = i < sd->ncust && !sd->before[c] ? sd->arrival[c]
			: pick_from(sd->cum_day, (size_t)sd->days,
				    sd->arrival[c]);
		/* A moment still to come today draws another day. */
		for (int tries = 0;; tries++) {
			ts = sd->day_start[d] + 8 * 3600000LL +
			     (int64_t)time_of_day() * 1000 +
			     (int64_t)below(1000);
			if (ts <= sd->now)
				break;
			if (tries == 100) {
				ts = sd->now - (int64_t)below(3600000);
				break;
			}
			if (d > 0)
				d = pick_from(sd->cum_day, d,
					      sd->arrival[c] < d ?
					      sd->arrival[c] : d - 1);
		}
		sd->v[i].customer = (uint32_t)c;
		sd->v[i].ts = ts;
	}
	qsort(sd->v, (size_t)sd->nvisits, sizeof *sd->v, by_time);
	sd->first_ts = ft_xcalloc((size_t)sd->ncust + 1,
				  sizeof *sd->first_ts);
	for (i = sd->nvisits - 1; i >= 0; i--)
		sd->first_ts[sd->v[i].customer] = sd->v[i].ts;
}

/* Customer i, with a name, an e-mail most of the time and an id that
 * --seed decides. */
static void
make_customer(const struct seed *sd, long long i, ft_customer *c,
	      char *name, size_t namelen, char *email, size_t emaillen)
{
	size_t f = below(sizeof first / sizeof *first);
	size_t l = below(sizeof last / sizeof *last);

	memset(c, 0, sizeof *c);
	snprintf(name, namelen, "%s %s", first[f][0], last[l][0]);
	snprintf(email, emaillen, "%s.%s%lld@%s", first[f][1], last[l][1],
		 i + 1, domains[below(4)]);
	c->name = name;
	c->email = uniform() < 0.85 ? email : NULL;
	c->consent = uniform() < 0.9;
	c->created_at = sd->before[i] ? sd->day_start[0] -
		(int64_t)(1 + below(365)) * FT_MS_PER_DAY
		: sd->first_ts[i] ? sd->first_ts[i]
		: sd->day_start[below((uint64_t)sd->days)] + 8 * 3600000LL;
	if (c->created_at > sd->now)
		c->created_at = sd->now;
	/* Random uuids would break --seed's promise. */
	snprintf(c->uuid, sizeof c->uuid,
		 "%08llx-%04llx-4%03llx-%04llx-%012llx",
		 (unsigned long long)(next() & 0xffffffff),
		 (unsigned long long)(next() & 0xffff),
		 (unsigned long long)(next() & 0xfff),
		 (unsigned long long)((next() & 0x3fff) | 0x8000),
		 (unsigned long long)(next() & 0xffffffffffffULL));
}

/* Write the customers and visits in one transaction. */
static int
write_store(ft_store *store, const struct seed *sd)
{
	int64_t *ids = ft_xcalloc((size_t)sd->ncust + 1, sizeof *ids);
	char name[128], email[160];
	long long i;
	int rc = ft_store_begin(store);

	for (i = 0; rc == FT_OK && i < sd->ncust; i++) {
		ft_customer c;

		make_customer(sd, i, &c, name, sizeof name, email,
			      sizeof email);
		rc = ft_store_customer_insert(store, &c);
		ids[i] = c.id;
	}
	for (i = 0; rc == FT_OK && i < sd->nvisits; i++) {
		const struct visit *v = &sd->v[i];
		ft_visit vis;

		memset(&vis, 0, sizeof vis);
		vis.customer_id = ids[v->customer];
		vis.ts = v->ts;
		vis.source = (char *)sd->source;
		vis.distance = 0.25 + 0.2 * uniform();
		vis.new_customer = !sd->before[v->customer] &&
				   v->ts == sd->first_ts[v->customer];
		rc = ft_store_visit_insert(store, &vis);
	}
	free(ids);
	if (rc == FT_OK)
		rc = ft_store_recount(store);
	if (rc == FT_OK)
		rc = ft_store_commit(store);
	return rc;
}

int
main(int argc, char **argv)
{
	struct seed sd = { .ncust = 200, .nvisits = 2000, .days = 30,
			   .seed = 1, .source = "door" };
	struct timespec t0, t1;
	ft_store *store;
	int rc;

	ft_set_progname("seed-demo");
	ft_set_usage(usage);
	sd.now = ft_time_now();
	parse_options(argc, argv, &sd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rng = (uint64_t)sd.seed;
	draw_days(&sd);
	draw_customers(&sd);
	draw_visits(&sd);

	store = ft_store_open_configured();
	if ((rc = write_store(store, &sd)) != FT_OK) {
		ft_warn("%s", ft_store_errmsg(store));
		ft_store_rollback(store);
		ft_store_close(store);
		return ft_store_exit_status(rc);
	}
	ft_store_close(store);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("seeded %lld customers and %lld visits over %lld days in "
	       "%.1f s\n", sd.ncust, sd.nvisits, sd.days,
	       (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(sd.v);
	free(sd.first_ts);
	free(sd.cum_cust);
	free(sd.arrival);
	free(sd.before);
	free(sd.cum_day);
	free(sd.day_start);
	return ft_close_stdout(FT_EXIT_OK);
}
