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

int
main(int argc, char **argv)
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
	long long ncust = 200, nvisits = 2000, days = 30, seed = 1;
	const char *source = "door";
	int64_t now = ft_time_now(), *day_start, *first_ts;
	double *cum_cust, *cum_day;
	size_t *arrival;
	char *before;		/* a customer from before the range */
	struct visit *v;
	struct timespec t0, t1;
	ft_store *store;
	long long i;
	int opt, rc;

	ft_set_progname("seed-demo");
	ft_set_usage(usage);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'D': ft_config_set("FT_DB", optarg); break;
		case 'c':
			if (ft_parse_int(optarg, 0, 10000000, &ncust))
				ft_usage_error("bad --customers '%s'",
				       optarg);
			break;
		case 'v':
			if (ft_parse_int(optarg, 0, 100000000, &nvisits))
				ft_usage_error("bad --visits '%s'",
				       optarg);
			break;
		case 'd':
			if (ft_parse_int(optarg, 1, 3660, &days))
				ft_usage_error("bad --days '%s'",
				       optarg);
			break;
		case 's':
			if (ft_parse_int(optarg, 0, INT64_MAX, &seed))
				ft_usage_error("bad --seed '%s'",
				       optarg);
			break;
		case 'S': source = optarg; break;
		case 'h':
			fputs(usage, stdout);
			return ft_close_stdout(FT_EXIT_OK);
		case 'V':
			printf("ft-seed-demo %s\n", FT_VERSION);
			return ft_close_stdout(FT_EXIT_OK);
		default:
			ft_usage_error(NULL);
		}
	}
	if (optind != argc)
		ft_usage_error("unexpected argument '%s'", argv[optind]);
	if (nvisits > 0 && ncust == 0)
		ft_usage_error("visits need customers");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rng = (uint64_t)seed;

	/* Weekday weights (Sunday first) and a gentle growth over time. */
	day_start = ft_xcalloc((size_t)days, sizeof *day_start);
	cum_day = ft_xcalloc((size_t)days, sizeof *cum_day);
	for (i = 0; i < days; i++) {
		static const double weekday[] = {
			1.2, 0.8, 0.9, 0.9, 1.0, 1.3, 1.6
		};
		time_t sec;
		struct tm tm;
		double w;

		day_start[i] = ft_time_day_add(now, (int)(i - days + 1));
		sec = (time_t)(day_start[i] / 1000);
		localtime_r(&sec, &tm);
		w = weekday[tm.tm_wday] * (0.8 + 0.4 * (double)i / (double)days);
		/* Today counts only the part of the day already gone. */
		if (i == days - 1) {
			double gone = (double)(now - day_start[i]) / 1000 -
				      8 * 3600;

			w *= gone <= 0 ? 0.0001 : gone >= 12 * 3600 ? 1
			     : gone / (12 * 3600);
		}
		cum_day[i] = (i ? cum_day[i - 1] : 0) + w;
	}
	/* Each customer arrives on a day of the range (a third are already
	 * customers on the first day; busy days bring more newcomers) and
	 * visits only from then on, at a rate of their own: a long tail
	 * with a few regulars. */
	arrival = ft_xcalloc((size_t)ncust + 1, sizeof *arrival);
	before = ft_xcalloc((size_t)ncust + 1, 1);
	cum_cust = ft_xcalloc((size_t)ncust + 1, sizeof *cum_cust);
	for (i = 0; i < ncust; i++) {
		double rate = uniform() < 0.08 ? 3 + 5 * uniform()
					       : 0.2 + uniform();

		before[i] = uniform() < 0.33;
		arrival[i] = before[i] ? 0
			     : pick_from(cum_day, (size_t)days, 0);
		cum_cust[i] = (i ? cum_cust[i - 1] : 0) +
			      rate * (double)(days - (long long)arrival[i]);
	}
	v = ft_xcalloc((size_t)nvisits + 1, sizeof *v);
	for (i = 0; i < nvisits; i++) {
		size_t c, d;
		int64_t ts;

		/* Everyone visits at least once, on the day they arrive;
		 * the rest follow the weights. */
		c = i < ncust ? (size_t)i : pick(cum_cust, (size_t)ncust);
		d = i < ncust && !before[c] ? arrival[c]
			: pick_from(cum_day, (size_t)days, arrival[c]);
		/* A moment still to come today draws another day. */
		for (int tries = 0;; tries++) {
			ts = day_start[d] + 8 * 3600000LL +
			     (int64_t)time_of_day() * 1000 +
			     (int64_t)below(1000);
			if (ts <= now)
				break;
			if (tries == 100) {
				ts = now - (int64_t)below(3600000);
				break;
			}
			if (d > 0)
				d = pick_from(cum_day, d, arrival[c] < d ?
					      arrival[c] : d - 1);
		}
		v[i].customer = (uint32_t)c;
		v[i].ts = ts;
	}
	qsort(v, (size_t)nvisits, sizeof *v, by_time);
	first_ts = ft_xcalloc((size_t)ncust + 1, sizeof *first_ts);
	for (i = nvisits - 1; i >= 0; i--)
		first_ts[v[i].customer] = v[i].ts;

	store = ft_store_open_configured();
	rc = ft_store_begin(store);
	{
		int64_t *ids = ft_xcalloc((size_t)ncust + 1, sizeof *ids);
		char name[128], email[160];

		for (i = 0; rc == FT_OK && i < ncust; i++) {
			size_t f = below(sizeof first / sizeof *first);
			size_t l = below(sizeof last / sizeof *last);
			ft_customer c;

			memset(&c, 0, sizeof c);
			snprintf(name, sizeof name, "%s %s", first[f][0],
				 last[l][0]);
			snprintf(email, sizeof email, "%s.%s%lld@%s",
				 first[f][1], last[l][1], i + 1,
				 domains[below(4)]);
			c.name = name;
			c.email = uniform() < 0.85 ? email : NULL;
			c.consent = uniform() < 0.9;
			c.created_at = before[i] ? day_start[0] -
				(int64_t)(1 + below(365)) * FT_MS_PER_DAY
				: first_ts[i] ? first_ts[i]
				: day_start[below((uint64_t)days)] +
				  8 * 3600000LL;
			if (c.created_at > now)
				c.created_at = now;
			/* Random uuids would break --seed's promise. */
			snprintf(c.uuid, sizeof c.uuid,
				 "%08llx-%04llx-4%03llx-%04llx-%012llx",
				 (unsigned long long)(next() & 0xffffffff),
				 (unsigned long long)(next() & 0xffff),
				 (unsigned long long)(next() & 0xfff),
				 (unsigned long long)((next() & 0x3fff) |
						      0x8000),
				 (unsigned long long)(next() &
						      0xffffffffffffULL));
			rc = ft_store_customer_insert(store, &c);
			ids[i] = c.id;
		}
		for (i = 0; rc == FT_OK && i < nvisits; i++) {
			ft_visit vis;

			memset(&vis, 0, sizeof vis);
			vis.customer_id = ids[v[i].customer];
			vis.ts = v[i].ts;
			vis.source = (char *)source;
			vis.distance = 0.25 + 0.2 * uniform();
			vis.new_customer = !before[v[i].customer] &&
					   v[i].ts == first_ts[v[i].customer];
			rc = ft_store_visit_insert(store, &vis);
		}
		free(ids);
	}
	if (rc == FT_OK)
		rc = ft_store_recount(store);
	if (rc == FT_OK)
		rc = ft_store_commit(store);
	if (rc != FT_OK) {
		ft_warn("%s", ft_store_errmsg(store));
		ft_store_rollback(store);
		ft_store_close(store);
		return ft_store_exit_status(rc);
	}
	ft_store_close(store);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("seeded %lld customers and %lld visits over %lld days in "
	       "%.1f s\n", ncust, nvisits, days,
	       (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(v);
	free(first_ts);
	free(cum_cust);
	free(arrival);
	free(before);
	free(cum_day);
	free(day_start);
	return ft_close_stdout(FT_EXIT_OK);
}
