#!/bin/sh
# The door camera's day: footage in which five people pass several times
# (scripts/make-footage scenario, from the development data, or from the
# fallback set of a plain clone: face_data in lib.sh) goes through
# ft-capture | ft-recognize and yields exactly five customers, each with
# the visits the schedule gives them; the same footage played again the
# next day adds visits, not customers.
. "$(dirname "$0")/lib.sh"

command -v ffmpeg >/dev/null || skip_all "ffmpeg is missing"
ft-recognize --models >/dev/null 2>&1 || skip_all "no face models (make models)"
face_data

"$SRCDIR/scripts/make-footage" scenario footage "$DATA" 2>err || {
	sed 's/^/# /' err >&2
	echo "Bail out! cannot build the footage"
	exit 1
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

# The next day every face is known but those too poor to gather
# (under ft-recognize's floor of quality, 0.15: the first frame of a
# pass may be one), which stay unknown and add nothing either.
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
		jq -e -s "map(select(.type == \"face\")) |
			all(.status == \"known\" or (.status == \"unknown\"
			    and .quality < 0.15)) and
			any(.status == \"known\")" out
	'
done

test_done
