/*
 * Unit tests of the check of a model's figures against its tools'
 * results: each row is an answer, whether every figure in it is
 * supported by the facts below, and the first figures reported when not.
 */
#include "chat_priv.h"
#include "clock.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the tools of a turn returned, and the question. */
static const char results[] =
	"{\"records\":[{\"type\":\"averages\",\"visits\":2652,"
	"\"visitors\":299,\"visits_per_customer\":8.869565217391305,"
	"\"repeat_rate\":0.9096989966555183,\"first_day\":\"2026-11-01\"}],"
	"\"customer\":{\"id\":\"3fa85f64-5717-4562-b3fc-2c963f66afa6\","
	"\"last_visit\":\"2026-11-23T17:49:40.664Z\"},"
	"\"change\":{\"percent\":-43.29268292682927,\"difference\":-71},"
	"\"busiest\":[\"15\"],\"files\":[\"plots/top-customers-all.png\"]}";
static const char question[] = "how were the last 7 days?";

static const struct row {
	const char *answer;
	int nbad;		/* figures no fact supports */
	const char *bad;	/* the first of them, as written */
} rows[] = {
	{ "2652 visits by 299 customers.", 0, "" },
	{ "2,652 visits by 299 customers.", 0, "" },
	{ "2.652 visits.", 1, "2.652" },
	{ "8.9 visits per customer, 8.87 to be exact, about 9.", 0, "" },
	{ "8.8 visits per customer.", 1, "8.8" },
	{ "91% came back (91.0 per cent, 90.97 percent).", 0, "" },
	{ "0.91 of them came back.", 0, "" },
	{ "92% came back.", 1, "92" },
	{ "Visits fell by 71, 43.3% fewer, -43%.", 0, "" },
	{ "Visits fell by 72.", 1, "72" },
	{ "In the last 7 days since 2026-11-01.", 0, "" },
	{ "Last seen on 23 November 2026 at 18:49.", 0, "" },
	{ "Last seen at 17:49 UTC.", 1, "17" },
	{ "Busiest at 15:00, that is 3 pm; not 4 pm.", 1, "4" },
	{ "Customer 3fa85f64 uses gpt4.", 0, "" },
	{ "Customer 5717 is new.", 0, "" },
	{ "Customer 3 is new.", 1, "3" },
	{ "1. Ann: 2652 visits\n2. Bob: 299 visits\n", 0, "" },
	/* A share rounds to 1, so a 1 always passes. */
	{ "Visits: 1, 2 and 2653.", 2, "2, 2653" },
	{ "The 23rd was busy; the 24th quiet.", 1, "24" },
};

int
main(void)
{
	chat_facts f = { 0 };
	char bad[128];
	size_t i;

	set_tz("Europe/Berlin");
	chat_facts_add_json(&f, jv_parse(results));
	chat_facts_add_text(&f, question);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		char name[128], *p;

		/* One line a test in the output. */
		snprintf(name, sizeof name, "%s", r->answer);
		while ((p = strchr(name, '\n')))
			*p = '/';
		is_int(chat_facts_check(&f, r->answer, bad, sizeof bad),
		       r->nbad, "'%s': unsupported figures", name);
		is_str(bad, r->bad, "'%s': reported", name);
	}
	chat_facts_clear(&f);
	return done();
}
