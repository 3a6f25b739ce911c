#!/bin/sh
# ft-serve's routes for the owner's corrections, on every store: the
# customers listing with its filters, sort and keyset paging (against
# ft-query); forget with its receipt; merge; and the bad inputs of each
# (unknown ids 404, merging into itself 400, bodies that are not what
# the route takes 400 or 415), which change nothing.  Every write is
# audited with the server's actor and leaves its event on the feed.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"

KEY=k3y-0250-$$
API_KEY_SECRET=$KEY
FT_STATE_DIR=$TEST_DIR/state
FT_CRONTAB=false
export API_KEY_SECRET FT_STATE_DIR FT_CRONTAB
J="Content-Type: application/json"
NOBODY=00000000-0000-4000-8000-000000000000

# is_error FILE STATUS: FILE is a JSON error record of that status with a
# message.
is_error() {
	jq -e --argjson s "$2" '.type == "error" and .status == $s and
		(.message | type == "string" and length > 0)' "$1" >/dev/null ||
		{ echo "not an error record of status $2:" >&3; cat "$1" >&3;
		  return 1; }
}

# pages QUERY: every page of /api/customers?QUERY&limit=7, by "after",
# one id a line.
pages() {
	_after=
	: >"$TEST_DIR/pages"
	while :; do
		test "$(http "$TEST_DIR/page" \
			"/api/customers?$1&limit=7${_after:+&after=$_after}")" \
			= 200 || return 1
		test "$(jq length "$TEST_DIR/page")" -gt 0 || break
		jq -r '.[].id' "$TEST_DIR/page" >>"$TEST_DIR/pages"
		_after=$(jq -r '.[-1].id' "$TEST_DIR/page")
	done
	cat "$TEST_DIR/pages"
}

# rowid UUID: the customer's row id.
rowid() {
	store_sql "SELECT id FROM customers WHERE uuid = '$1'"
}

for store in $(test_stores); do
	use_store "$store"
	seed_demo --customers 50 --visits 300 --days 20 --seed 11 >/dev/null
	store_sql "UPDATE customers SET name = NULL WHERE id % 3 = 0"
	store_sql "UPDATE customers SET consent = (id % 2)"
	serve_start --web "$SRCDIR/web" ||
		test_expect_success "$store: ft-serve starts" 'false'

test_expect_success "$store: customers: every page of every order" '
	for sort in created name last-visit visits; do
		for rev in false true; do
			ft-query customers --sort $sort \
				$(test $rev = false || echo --reverse) |
				jq -r .id >want &&
			test_line_count = 50 want &&
			pages "sort=$sort&reverse=$rev" >got &&
			test_cmp want got || exit 1
		done
	done
'

test_expect_success "$store: customers: name search, named, consent, visits" '
	pages "named=no&consent=yes&min-visits=2" | sort >got &&
	store_sql "SELECT uuid FROM customers WHERE name IS NULL
		AND consent = 1 AND visit_count >= 2" | sort >want &&
	test -s want && test_cmp want got &&
	pages "named=yes&sort=name" >got &&
	store_sql "SELECT uuid FROM customers WHERE name IS NOT NULL" |
		sort >want &&
	sort got >got.sorted && test_cmp want got.sorted &&
	name=$(store_sql "SELECT name FROM customers WHERE name IS NOT NULL
		ORDER BY id LIMIT 1") &&
	part=$(printf %s "$name" | cut -c2-4) &&
	test $(http out "/api/customers?name=$part&limit=100") = 200 &&
	jq -r ".[].id" out | sort >got &&
	ft-query customers --name "$part" | jq -r .id | sort >want &&
	test -s want && test_cmp want got
'

test_expect_success "$store: customers: bad parameters and an unknown page" '
	test $(http out "/api/customers?named=maybe") = 400 &&
	is_error out 400 &&
	test $(http out "/api/customers?limit=0") = 400 &&
	test $(http out "/api/customers?sort=height") = 400 &&
	test $(http out "/api/customers?after=$NOBODY") = 404 &&
	is_error out 404 &&
	test $(http out "/api/customers?after=$NOBODY$NOBODY") = 404
'

test_expect_success "$store: merge: into itself, unknown ids, bad bodies" '
	a=$(ft-query customers --limit 1 | jq -r .id) &&
	store_dump >before &&
	test $(http out "/api/customers/$a/merge" -X POST -H "$J" \
		-d "{\"into\":\"$a\"}") = 400 && is_error out 400 &&
	test_grep itself out &&
	test $(http out "/api/customers/$a/merge" -X POST -H "$J" \
		-d "{\"into\":\"$NOBODY\"}") = 404 && is_error out 404 &&
	test $(http out "/api/customers/$NOBODY/merge" -X POST -H "$J" \
		-d "{\"into\":\"$a\"}") = 404 &&
	test $(http out "/api/customers/$a/merge" -X POST -H "$J" \
		-d "{}") = 400 &&
	test $(http out "/api/customers/$a/merge" -X POST -H "$J" \
		-d "{\"into\":7}") = 400 &&
	test $(http out "/api/customers/$a/merge" -X POST -H "$J" \
		-d "{\"into\":\"$a\",\"also\":1}") = 400 &&
	test $(http out "/api/customers/$a/merge" -X POST \
		-d "{\"into\":\"$a\"}") = 415 &&
	test $(http out "/api/customers/$a/merge") = 405 &&
	store_dump >after &&
	test_cmp before after
'

test_expect_success "$store: merge: visits and samples move, audited" '
	ft-query customers --min-visits 2 --limit 2 | jq -r .id >two &&
	keep=$(sed -n 1p two) && drop=$(sed -n 2p two) &&
	kv=$(store_sql "SELECT visit_count FROM customers
		WHERE uuid = '"'"'$keep'"'"'") &&
	dv=$(store_sql "SELECT visit_count FROM customers
		WHERE uuid = '"'"'$drop'"'"'") &&
	test $(http out "/api/customers/$drop/merge" -X POST -H "$J" \
		-d "{\"into\":\"$keep\"}") = 200 &&
	jq -e --arg k "$keep" --argjson n $((kv + dv)) \
		".type == \"customer\" and .id == \$k and .visits == \$n" out &&
	test $(http out "/api/customers/$drop") = 404 &&
	test "$(store_sql "SELECT count(*) FROM customers
		WHERE uuid = '"'"'$drop'"'"'")" = 0 &&
	ft-query audit --reverse --limit 1 >entry &&
	jq -e --arg k "$keep" --arg d "$drop" ".action == \"merge\" and
		.customer == \$k and .actor == \"ft-serve/api\" and
		.detail.merged == \$d" entry &&
	test "$(store_sql "SELECT kind FROM events ORDER BY id DESC
		LIMIT 1")" = merge
'

test_expect_success "$store: forget: the receipt, nothing left, audited" '
	id=$(ft-query customers --min-visits 1 --limit 1 | jq -r .id) &&
	row=$(rowid "$id") &&
	nv=$(store_sql "SELECT count(*) FROM visits WHERE customer_id = $row") &&
	test $(http out "/api/customers/$id" -X DELETE) = 200 &&
	jq -e --arg id "$id" --argjson v "$nv" ".type == \"erasure\" and
		.customer == \$id and .visits == \$v and
		(.samples | type) == \"number\" and (.ts | test(\"^20\"))" out &&
	test "$(store_sql "SELECT count(*) FROM customers
		WHERE uuid = '"'"'$id'"'"'")" = 0 &&
	test "$(store_sql "SELECT count(*) FROM visits
		WHERE customer_id = $row")" = 0 &&
	ft-query audit --reverse --limit 1 >entry &&
	jq -e ".action == \"forget\" and .actor == \"ft-serve/api\"" entry &&
	test $(http out "/api/customers/$id" -X DELETE) = 404 &&
	is_error out 404 &&
	test $(http out "/api/customers/$NOBODY" -X DELETE) = 404
'

serve_stop
done

test_done
