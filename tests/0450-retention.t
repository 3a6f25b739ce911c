#!/bin/sh
# ft-enroll purge: the retention settings (FT_RETAIN_VISITS_DAYS,
# FT_RETAIN_SAMPLES_DAYS, FT_RETAIN_UNNAMED_DAYS) counted back from now;
# --dry-run counts without removing; unnamed strangers go through the
# forget path (their samples, visits and events with them, a "forget"
# event left); samples of customers still coming are kept, and the crops
# of those that go leave the store with them; counts are
# recomputed; 0 keeps for ever; bad settings and usage refused.
. "$(dirname "$0")/lib.sh"

VISIT_ADD=$FT_BUILD/tests/visit-add
[ -x "$VISIT_ADD" ] || skip_all "no $VISIT_ADD (make check-build)"

# Now is lib.sh's FT_NOW, 2026-11-24T12:00Z: visits before 2024-11-24,
# samples before 2025-11-24 and strangers unseen since 2026-08-26 go.

count() {
	store_sql "SELECT count(*) FROM $1"
}

# customer NAME CREATED [consent]: a customer made at CREATED; prints
# the id.  NAME "-" makes an unnamed one, as a recogniser registers.
customer() {
	if [ "$1" = - ]; then
		FT_NOW=$2 ft-enroll add --name unnamed ${3:+--consent} >c.json
		_id=$(jq -r .id c.json)
		store_sql "UPDATE customers SET name = NULL WHERE uuid = '$_id'"
	else
		FT_NOW=$2 ft-enroll add --name "$1" ${3:+--consent} >c.json
		_id=$(jq -r .id c.json)
	fi
	echo "$_id"
}

# sample ID CREATED: a face sample of customer ID made at CREATED, with a
# crop that names them (JPEG markers around "crop of ID made CREATED").
sample() {
	_blob=$(printf '%01024d' 0)
	_crop=ffd8ff$(printf 'crop of %s made %s' "$1" "$2" | od -An -tx1 | tr -d ' \n')ffd9
	store_sql "INSERT INTO faces (customer_id, descriptor, quality,
		created_at, crop) VALUES ((SELECT id FROM customers
		WHERE uuid = '$1'), X'$_blob', 0.9, $(ms_of "$2"), X'$_crop')"
}

visit() {
	"$VISIT_ADD" --source door --at "$2" "$1" >/dev/null
}

# The world: Ann, named, seen long ago and lately; Bob, named, seen
# last in January 2025; Stray, unnamed, last seen in February; Fresh,
# unnamed, seen last week; Con, unnamed but consenting; Never, unnamed,
# registered in January and never seen since.
world() {
	ann=$(customer Ann 2024-01-01T10:00:00Z) &&
	visit "$ann" 2024-06-01T10:00:00Z &&
	visit "$ann" 2026-11-01T10:00:00Z &&
	sample "$ann" 2025-01-01T10:00:00Z &&
	bob=$(customer Bob 2024-01-01T10:00:00Z) &&
	visit "$bob" 2025-01-01T10:00:00Z &&
	sample "$bob" 2025-01-01T10:00:00Z &&
	sample "$bob" 2026-11-01T10:00:00Z &&
	stray=$(customer - 2026-01-01T10:00:00Z) &&
	visit "$stray" 2026-02-01T10:00:00Z &&
	sample "$stray" 2025-06-01T10:00:00Z &&
	fresh=$(customer - 2026-01-01T10:00:00Z) &&
	visit "$fresh" 2026-11-20T10:00:00Z &&
	con=$(customer - 2026-01-01T10:00:00Z yes) &&
	never=$(customer - 2026-01-01T10:00:00Z) &&
	echo "$ann $bob $stray $fresh $con $never" >ids
}

for store in $(test_stores); do
	use_store "$store"

	test_expect_success "$store: a world of old and new data" '
		world &&
		test "$(count customers)" = 6 &&
		test "$(count faces)" = 4 &&
		test "$(count visits)" = 5
	'

	test_expect_success "$store: --dry-run counts and removes nothing" '
		store_dump >before &&
		ft-enroll purge --dry-run >out &&
		test_line_count = 1 out &&
		jq -e ".type == \"purge\" and .dry_run == true and
		       .customers == 2 and .samples == 1 and .visits == 1" out &&
		jq -e ".visits_before == \"2024-11-24T12:00:00.000Z\" and
		       .samples_before == \"2025-11-24T12:00:00.000Z\" and
		       .unnamed_before == \"2026-08-26T12:00:00.000Z\"" out &&
		store_dump >after &&
		test_cmp before after
	'

	test_expect_success "$store: purge removes what the dry run said" '
		read ann bob stray fresh con never <ids &&
		ft-enroll purge >out &&
		jq -e ".dry_run == false and .customers == 2 and
		       .samples == 1 and .visits == 1" out &&
		test "$(count customers)" = 4 &&
		test "$(count faces)" = 2 &&
		test "$(count visits)" = 3
	'

	test_expect_success "$store: strangers unseen for long are forgotten whole" '
		read ann bob stray fresh con never <ids &&
		test_exit_status 1 ft-enroll faces "$stray" 2>err &&
		test_exit_status 1 ft-enroll faces "$never" 2>err &&
		store_dump >dump &&
		test_grep_not "$stray" dump &&
		test_grep_not "$never" dump &&
		test "$(store_sql "SELECT count(*) FROM events
			WHERE kind = '"'forget'"'")" -ge 2 &&
		ft-enroll faces "$fresh" >/dev/null &&
		ft-enroll faces "$con" >/dev/null
	'

	test_expect_success "$store: old samples go unless their customer still comes" '
		read ann bob stray fresh con never <ids &&
		ft-enroll faces "$ann" >s && test_line_count = 1 s &&
		ft-enroll faces "$bob" >s && test_line_count = 1 s &&
		jq -e ".created == \"2026-11-01T10:00:00.000Z\"" s &&
		ft-query export "$bob" >exp &&
		jq -e --argjson id "$(jq .id s)" ".crops | length == 1 and
			.[0].sample == \$id" exp &&
		jq -r ".crops[0].jpeg" exp | base64 -d | tail -c +4 |
			head -c -2 >got &&
		printf "crop of %s made 2026-11-01T10:00:00Z" "$bob" >want &&
		test_cmp want got &&
		if [ "$STORE" = sqlite ]; then
			! grep -a -q "crop of $bob made 2025" "$STORE_FILE" \
				"$STORE_FILE-wal"
		fi
	'

	test_expect_success "$store: old visits go; the counts follow" '
		read ann bob stray fresh con never <ids &&
		ft-query customer "$ann" >all && head -n 1 all >c &&
		jq -e ".visits == 1 and
		       .last_visit == \"2026-11-01T10:00:00.000Z\"" c &&
		test "$(store_sql "SELECT count(*) FROM visits v JOIN customers c
			ON c.id = v.customer_id WHERE c.uuid = '"'\$ann'"'")" = 1
	'

	test_expect_success "$store: a second purge finds nothing" '
		ft-enroll purge >out &&
		jq -e ".customers == 0 and .samples == 0 and .visits == 0" out
	'

	test_expect_success "$store: 0 keeps for ever; shorter settings take more" '
		FT_RETAIN_VISITS_DAYS=0 FT_RETAIN_SAMPLES_DAYS=0 \
			FT_RETAIN_UNNAMED_DAYS=0 ft-enroll purge --dry-run >out &&
		jq -e ".customers == 0 and .samples == 0 and .visits == 0 and
		       .visits_before == null and .samples_before == null and
		       .unnamed_before == null" out &&
		FT_RETAIN_UNNAMED_DAYS=1 ft-enroll purge --dry-run >out &&
		jq -e ".customers == 1" out &&
		FT_RETAIN_VISITS_DAYS=10 ft-enroll purge --dry-run >out &&
		jq -e ".visits == 2" out
	'

	test_expect_success "$store: visits' events go when as old as visits" '
		test "$(store_sql "SELECT count(*) FROM events
			WHERE kind = '"'visit'"'")" -gt 0 &&
		FT_NOW=2029-01-01T00:00:00Z FT_RETAIN_UNNAMED_DAYS=0 \
			FT_RETAIN_SAMPLES_DAYS=0 ft-enroll purge >out &&
		jq -e ".visits == 3 and .customers == 0" out &&
		test "$(count visits)" = 0 &&
		test "$(store_sql "SELECT count(*) FROM events
			WHERE kind = '"'visit'"'")" = 0 &&
		ft-query customer "$(cut -d" " -f1 ids)" >all &&
		head -n 1 all >c &&
		jq -e ".visits == 0 and .last_visit == null" c
	'
done

test_expect_success 'a bad retention setting: exit 1, named' '
	test_exit_status 1 env FT_RETAIN_SAMPLES_DAYS=soon \
		ft-enroll purge 2>err &&
	test_grep "^ft-enroll: bad FT_RETAIN_SAMPLES_DAYS .soon." err &&
	test_exit_status 1 env FT_RETAIN_VISITS_DAYS=-1 \
		ft-enroll purge --dry-run 2>err &&
	test_grep "FT_RETAIN_VISITS_DAYS" err
'

test_expect_success 'usage: purge takes only --dry-run; --dry-run only purge' '
	test_exit_status 2 ft-enroll purge now 2>err &&
	test_exit_status 2 ft-enroll purge --name X 2>err &&
	test_exit_status 2 ft-enroll forget --dry-run abc 2>err &&
	test_grep "dry-run" err
'

test_expect_success 'purge output to a full disk is a write error' '
	test_exit_status 1 ft-enroll purge --dry-run >/dev/full 2>err &&
	test_grep "write error" err
'

test_done
