#!/bin/sh
# ft-serve's routes for the owner's corrections, on every store: the
# customers listing with its filters, sort and keyset paging (against
# ft-query); forget with its receipt; merge; and the bad inputs of each
# (unknown ids 404, merging into itself 400, bodies that are not what
# the route takes 400 or 415), which change nothing.  Every write is
# audited with the key's name as actor and leaves its event on the feed.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"

KEY=k3y-0250-$$-0123456789
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

# add_face ROWID: a face sample of random bytes, written directly; prints
# its id.
add_face() {
	_hex=$(head -c 512 /dev/urandom | od -An -tx1 | tr -d " \n")
	store_sql "INSERT INTO faces (customer_id, descriptor, quality,
		created_at) VALUES ($1, X'$_hex', 0.75, 0)" &&
	store_sql "SELECT max(id) FROM faces"
}

# last_audit ACTION UUID: the newest audit entry is ACTION of UUID by
# the server.
last_audit() {
	ft-query audit --reverse --limit 1 >"$TEST_DIR/entry" &&
	jq -e --arg a "$1" --arg c "$2" '.action == $a and .customer == $c
		and .actor == "admin"' "$TEST_DIR/entry" >/dev/null ||
		{ echo "not a $1 entry of $2:" >&3; cat "$TEST_DIR/entry" >&3;
		  return 1; }
}

# last_event KIND: the newest event is of KIND.
last_event() {
	test "$(store_sql "SELECT kind FROM events ORDER BY id DESC
		LIMIT 1")" = "$1"
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
		.customer == \$k and .actor == \"admin\" and
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
	jq -e ".action == \"forget\" and .actor == \"admin\"" entry &&
	test $(http out "/api/customers/$id" -X DELETE) = 404 &&
	is_error out 404 &&
	test $(http out "/api/customers/$NOBODY" -X DELETE) = 404
'

test_expect_success "$store: remove a sample: audited, the last one refused" '
	id=$(ft-query customers --limit 1 --named yes | jq -r .id) &&
	row=$(rowid "$id") &&
	f1=$(add_face $row) && f2=$(add_face $row) &&
	test $(http out "/api/faces/$f1" -X DELETE) = 200 &&
	jq -e --arg id "$id" ".type == \"customer\" and .id == \$id and
		.faces == 1" out &&
	test "$(store_sql "SELECT count(*) FROM faces WHERE id = $f1")" = 0 &&
	last_event face_removed && last_audit face_removed "$id" &&
	store_dump >before &&
	test $(http out "/api/faces/$f2" -X DELETE) = 409 &&
	is_error out 409 && test_grep "last" out &&
	test $(http out "/api/faces/$f1" -X DELETE) = 404 &&
	test $(http out "/api/faces/x1" -X DELETE) = 404 &&
	test $(http out "/api/faces/$f2") = 405 &&
	store_dump >after && test_cmp before after
'

test_expect_success "$store: delete a visit: counts follow, audited" '
	id=$(ft-query customers --min-visits 3 --limit 1 | jq -r .id) &&
	row=$(rowid "$id") &&
	n=$(store_sql "SELECT visit_count FROM customers WHERE id = $row") &&
	v=$(store_sql "SELECT max(id) FROM visits WHERE customer_id = $row") &&
	test $(http out "/api/visits/$v" -X DELETE) = 200 &&
	jq -e --arg id "$id" --argjson n $((n - 1)) ".id == \$id and
		.visits == \$n" out &&
	test "$(store_sql "SELECT count(*) FROM visits WHERE id = $v")" = 0 &&
	last_event unvisit && last_audit unvisit "$id" &&
	test $(http out "/api/visits/$v" -X DELETE) = 404 &&
	is_error out 404 &&
	test $(http out "/api/visits/0" -X DELETE) = 404 &&
	test $(http out "/api/visits/$v" -X POST) = 405
'

test_expect_success "$store: split: bad requests change nothing" '
	ft-query customers --named yes --limit 2 --sort name | jq -r .id >two &&
	a=$(sed -n 1p two) && b=$(sed -n 2p two) &&
	row=$(rowid "$a") &&
	s1=$(add_face $row) && s2=$(add_face $row) && s3=$(add_face $row) &&
	other=$(add_face $(rowid "$b")) &&
	echo "$s1 $s2 $s3" >"$TEST_DIR/split-faces" &&
	store_dump >before &&
	test $(http out "/api/customers/$a/split" -X POST -H "$J" \
		-d "{\"faces\":[$s1,$s2,$s3]}") = 409 && is_error out 409 &&
	test $(http out "/api/customers/$a/split" -X POST -H "$J" \
		-d "{\"faces\":[]}") = 400 &&
	test $(http out "/api/customers/$a/split" -X POST -H "$J" \
		-d "{\"faces\":[$s1,$s1]}") = 400 &&
	test $(http out "/api/customers/$a/split" -X POST -H "$J" \
		-d "{\"faces\":[\"$s1\"]}") = 400 &&
	test $(http out "/api/customers/$a/split" -X POST -H "$J" \
		-d "{\"faces\":[$other]}") = 404 && is_error out 404 &&
	test $(http out "/api/customers/$a/split" -X POST -H "$J" \
		-d "{\"faces\":[$s1],\"into\":\"$a\"}") = 400 &&
	test $(http out "/api/customers/$a/split" -X POST -H "$J" \
		-d "{\"faces\":[$s1],\"into\":\"$NOBODY\"}") = 404 &&
	test $(http out "/api/customers/$NOBODY/split" -X POST -H "$J" \
		-d "{\"faces\":[$s1]}") = 404 &&
	test $(http out "/api/customers/$a/split" -X POST -H "$J" \
		-d "{\"faces\":[$s1],\"why\":1}") = 400 &&
	store_dump >after && test_cmp before after
'

test_expect_success "$store: split: into a new customer, and into another" '
	ft-query customers --named yes --limit 2 --sort name | jq -r .id >two &&
	a=$(sed -n 1p two) && b=$(sed -n 2p two) &&
	read s1 s2 s3 <"$TEST_DIR/split-faces" &&
	test $(http out "/api/customers/$a/split" -X POST -H "$J" \
		-d "{\"faces\":[$s1]}") = 200 &&
	jq -e --arg a "$a" ".type == \"split\" and .from.id == \$a and
		.from.faces == 2 and .into.faces == 1 and .into.id != \$a and
		.into.name == null" out &&
	new=$(jq -r .into.id out) &&
	test "$(store_sql "SELECT c.uuid FROM faces f JOIN customers c
		ON c.id = f.customer_id WHERE f.id = $s1")" = "$new" &&
	last_event split &&
	test $(http out "/api/customers/$a/split" -X POST -H "$J" \
		-d "{\"faces\":[$s2],\"into\":\"$b\"}") = 200 &&
	jq -e --arg b "$b" ".into.id == \$b and .from.faces == 1" out &&
	ft-query audit --customer "$b" --reverse --limit 1 >entry &&
	jq -e ".action == \"split\" and .actor == \"admin\"" entry
'

test_expect_success "$store: different: recorded, then no merge of the pair" '
	ft-query customers --limit 2 --sort visits | jq -r .id >two &&
	a=$(sed -n 1p two) && b=$(sed -n 2p two) &&
	test $(http out /api/different -X POST -H "$J" \
		-d "{\"customers\":[\"$a\",\"$b\"]}") = 200 &&
	jq -e --arg a "$a" --arg b "$b" ".type == \"different\" and
		.customers == [\$a, \$b]" out &&
	last_event different &&
	test "$(store_sql "SELECT count(*) FROM different")" -ge 1 &&
	store_dump >before &&
	test $(http out "/api/customers/$a/merge" -X POST -H "$J" \
		-d "{\"into\":\"$b\"}") = 409 && is_error out 409 &&
	test $(http out /api/different -X POST -H "$J" \
		-d "{\"customers\":[\"$a\",\"$a\"]}") = 400 &&
	test $(http out /api/different -X POST -H "$J" \
		-d "{\"customers\":[\"$a\",\"$NOBODY\"]}") = 404 &&
	test $(http out /api/different -X POST -H "$J" \
		-d "{\"customers\":[\"$a\"]}") = 400 &&
	test $(http out /api/different -X POST -H "$J" \
		-d "{\"customers\":[\"$a\",3]}") = 400 &&
	test $(http out /api/different -X POST -H "$J" \
		-d "{\"pair\":[]}") = 400 &&
	test $(http out /api/different) = 405 &&
	store_dump >after && test_cmp before after
'

serve_stop
done

test_done
