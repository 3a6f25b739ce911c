#!/bin/sh
# The door camera's day: footage in which five people pass several times
# (scripts/make-footage scenario, from the development data) goes
# through ft-capture | ft-recognize and yields exactly five customers,
# each with the visits the schedule gives them; the same footage played
# again the next day adds visits, not customers.
. "$(dirname "$0")/lib.sh"

DATA=${FT_TEST_DATA:-$SRCDIR/../shared/data/faces}
[ -d "$DATA" ] || skip_all "no development face data at $DATA"
command -v ffmpeg >/dev/null || skip_all "ffmpeg is missing"
ft-recognize --models >/dev/null 2>&1 || skip_all "no face models"

"$SRCDIR/scripts/make-footage" scenario footage "$DATA" 2>err || {
	cat err >&2
	skip_all "cannot build the footage"
}

# visits_per_customer: the visit counts of the store's customers, sorted.
visits_per_customer() {
	ft-query customers --jq .visits | sort -n | tr "\n" " "
}

# expected_visits [TIMES]: the schedule's counts (times TIMES), sorted.
expected_visits() {
	awk -v k="${1:-1}" '{ print $2 * k }' footage/scenario.expected |
		sort -n | tr "\n" " "
}

for store in $(test_stores); do
	use_store "$store"
	test_expect_success "$store: five people over a day: five customers" '
		ft-capture --start-time 2026-11-24T09:00:00Z \
			footage/scenario.mp4 | ft-recognize >out &&
		test "$(ft-query stats --jq .total_customers)" = 5 &&
		test "$(visits_per_customer)" = "$(expected_visits)" &&
		test "$(jq -r "select(.type == \"visit\")" out | jq -s length)" \
			= "$(awk "{ n += \$2 } END { print n }" \
				footage/scenario.expected)" &&
		test "$(jq -r "select(.type == \"visit\" and .new_customer)" out |
			jq -s length)" = 5
	'

	test_expect_success "$store: the same footage the next day: visits only" '
		ft-capture --start-time 2026-11-25T09:00:00Z \
			footage/scenario.mp4 | ft-recognize >out &&
		test "$(ft-query stats --jq .total_customers)" = 5 &&
		test "$(visits_per_customer)" = "$(expected_visits 2)" &&
		test "$(jq -r "select(.type == \"face\") | .status" out |
			sort -u | tr "\n" " ")" = "known "
	'
done

test_done
