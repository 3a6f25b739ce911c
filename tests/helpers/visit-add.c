/*
 * visit-add — record one visit of a customer through the store's own
 * ft_store_visit_add(), as a recogniser does, for tests that must see a
 * visit arrive from another process (its "visit" event included).
 *
 *   visit-add [--source NAME] [--at TIME] [--face SAMPLE] CUSTOMER-ID
 *
 * --face names the sample the visit was recognised by.
 *
 * Prints the visit record; exits like the programs do (75: store away).
 */
#include "record.h"
#include "jsonl.h"
#include "store.h"
#include "times.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "at", required_argument, NULL, 'a' },
		{ "face", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	ft_visit v = { 0 };
	ft_customer c;
	ft_store *s;
	int64_t now = ft_time_now();
	int opt, rc;

	ft_set_progname(argv[0]);
	ft_set_usage("usage: visit-add [--source NAME] [--at TIME] "
		     "[--face SAMPLE] ID\n");
	v.ts = now;
	v.source = "test";
	v.distance = 0.42;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 's')
			v.source = optarg;
		else if (opt == 'a') {
			if (ft_time_parse(optarg, now, 0, &v.ts) != 0)
				ft_usage_error("bad --at: '%s'", optarg);
		} else if (opt == 'f') {
			long long id;

			if (ft_parse_int(optarg, 1, INT64_MAX, &id))
				ft_usage_error("bad --face: '%s'", optarg);
			v.face_id = id;
		} else
			ft_usage_error(NULL);
	}
	if (argc - optind != 1)
		ft_usage_error("one customer id expected");
	s = ft_store_open_configured();
	if ((rc = ft_store_customer_get(s, argv[optind], &c)) != FT_OK) {
		ft_warn("%s", ft_store_errmsg(s));
		return ft_store_exit_status(rc);
	}
	v.customer_id = c.id;
	if ((rc = ft_store_visit_add(s, &v)) != FT_OK) {
		ft_warn("%s", ft_store_errmsg(s));
		ft_customer_clear(&c);
		return ft_store_exit_status(rc);
	}
	ft_jsonl_write(stdout, ft_record_visit(&v, &c));
	ft_customer_clear(&c);
	ft_store_close(s);
	return ft_close_stdout(FT_EXIT_OK);
}
