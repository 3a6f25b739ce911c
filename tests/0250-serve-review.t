#!/bin/sh
# ft-serve's routes for the owner's corrections, on every store: the
# customers listing with its filters, sort and keyset paging (against
# ft-query); forget with its receipt; merge; a sample's face crop;
# removing a sample or a visit; splitting samples off; marking two
# people; the suggestions of likely duplicates; search by photo (with the
# face models and data when they are here; without the models it says
# so with 503); and the bad inputs of each (unknown ids 404, merging into
# itself 400, splitting every sample away 409, a photo without a face
# 422, bodies that are not what the route takes 400, 413 or 415), which
# change nothing.  Every write is audited with the key's name as actor
# and leaves its event on the feed.
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

# add_face ROWID [VALUE]: a face sample written directly, its descriptor
# random (far from every other) or VALUE in each of its 128 floats;
# prints its id.
add_face() {
	_hex=$(perl -e 'print unpack("H*", pack("f<*", map {
		defined $ARGV[0] ? $ARGV[0] : rand() - 0.5 } 1..128))' -- ${2-})
	store_sql "INSERT INTO faces (customer_id, descriptor, quality,
		created_at) VALUES ($1, X'$_hex', 0.75, 0)" &&
	store_sql "SELECT max(id) FROM faces"
}

# grey_png FILE: a small grey PNG, a photo of no face.
grey_png() {
	perl -MCompress::Zlib -e '
		my ($w, $h) = (64, 64);
		my $raw = join "", map { "\0" . ("\x80" x $w) } 1 .. $h;
		sub ch { my ($t, $d) = @_;
			pack("N", length $d) . $t . $d . pack("N", crc32($t . $d)) }
		print "\x89PNG\r\n\x1a\n",
			ch("IHDR", pack("NNCCCCC", $w, $h, 8, 0, 0, 0, 0)),
			ch("IDAT", compress($raw)), ch("IEND", "");' >"$1"
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

# Search by photo needs the face models and photos of one person.
FACES=
if ft-recognize --models >/dev/null 2>&1; then
	DATA=${FT_TEST_DATA:-$SRCDIR/../shared/data/faces}
	if [ -d "$DATA" ] && P1=$(face_person 1 2 2>/dev/null); then
		FACES=1
	fi
fi

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

test_expect_success "$store: a sample's crop as image/jpeg; none is 404" '
	id=$(ft-query customers --limit 1 --sort visits | jq -r .id) &&
	f=$(add_face $(rowid "$id")) && g=$(add_face $(rowid "$id")) &&
	printf "\377\330\377\340 crop of %s \377\331" "$f" >crop.jpg &&
	hex=$(od -An -tx1 crop.jpg | tr -d " \n") &&
	store_sql "UPDATE faces SET crop = X'"'"'$hex'"'"' WHERE id = $f" &&
	test $(http out "/api/faces/$f/crop") = 200 &&
	test_grep -i "^content-type: image/jpeg" out.h &&
	test_grep -i "^cache-control: no-store" out.h &&
	cmp crop.jpg out &&
	test $(http out "/api/faces/$g/crop") = 404 && is_error out 404 &&
	test $(http out "/api/faces/999999/crop") = 404 &&
	test $(http out "/api/faces/x/crop") = 404 &&
	test $(http out "/api/faces/$f/crop" -X DELETE) = 405
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

test_expect_success "$store: suggestions: the near pair, not the far one" '
	ft-query customers --named yes --sort name --reverse --limit 3 |
		jq -r .id >three &&
	x=$(sed -n 1p three) && y=$(sed -n 2p three) && z=$(sed -n 3p three) &&
	add_face $(rowid "$x") 0.1 >/dev/null &&
	add_face $(rowid "$x") 0.1 >/dev/null &&
	add_face $(rowid "$y") 0.1 >/dev/null &&
	add_face $(rowid "$z") -0.1 >/dev/null &&
	nx=$(store_sql "SELECT count(*) FROM faces
		WHERE customer_id = $(rowid "$x")") &&
	ny=$(store_sql "SELECT count(*) FROM faces
		WHERE customer_id = $(rowid "$y")") &&
	test $(http out "/api/suggestions?limit=50") = 200 &&
	jq -e --arg x "$x" --arg y "$y" --argjson nx $nx --argjson ny $ny \
		"map(select(.type == \"suggestion\" and
		.customers as \$c | \$c == [\$x, \$y] or \$c == [\$y, \$x])
		| select(.distance < 0.01 and
		(.samples | sort) == ([\$nx, \$ny] | sort))) | length == 1" out &&
	jq -e --arg z "$z" "map(select(.customers | index(\$z))) |
		length == 0" out &&
	jq -e "[.[].rank] == [range(1; length + 1)]" out &&
	echo "$x $y" >"$TEST_DIR/near-pair"
'

test_expect_success "$store: suggestions: a pair marked two people is gone" '
	read x y <"$TEST_DIR/near-pair" &&
	test $(http out /api/different -X POST -H "$J" \
		-d "{\"customers\":[\"$y\",\"$x\"]}") = 200 &&
	test $(http out "/api/suggestions?limit=50") = 200 &&
	jq -e --arg x "$x" "map(select(.customers | index(\$x))) |
		length == 0" out
'

test_expect_success "$store: suggestions: bad parameters" '
	test $(http out "/api/suggestions?limit=0") = 400 && is_error out 400 &&
	test $(http out "/api/suggestions?limit=201") = 400 &&
	test $(http out "/api/suggestions?limit=x") = 400 &&
	test $(http out "/api/suggestions?count=3") = 400 &&
	test $(http out "/api/suggestions" -X POST) = 405
'

test_expect_success "$store: search: bodies that are no photo" '
	test $(http out /api/search -X POST -H "Content-Type: image/jpeg" \
		--data-binary "hello") = 415 && is_error out 415 &&
	test $(http out /api/search -X POST -H "Content-Type: image/jpeg") \
		= 415 &&
	printf "\377\330\377\340junk" >bad.jpg &&
	test $(http out /api/search -X POST --data-binary @bad.jpg) = 400 &&
	head -c 17000000 /dev/zero >big.bin &&
	test $(http out /api/search -X POST --data-binary @big.bin) = 413 &&
	test $(http out "/api/search?limit=0" -X POST \
		--data-binary @bad.jpg) = 400 &&
	test $(http out /api/search) = 405
'

if [ -n "$FACES" ]; then
test_expect_success "$store: search: a photo finds its customer; no face 422" '
	(
		# A store of real samples only: the rows written above have
		# no model recorded, and the store will not mix them.
		use_store "$STORE" &&
		serve_start --web "$SRCDIR/web" &&
		id=$(ft-enroll add --name "Photo Person" \
			"$(face_photo "$P1" 1)" | jq -r .id) &&
		test $(http out "/api/search?limit=3" -X POST \
			-H "Content-Type: image/jpeg" \
			--data-binary @"$(face_photo "$P1" 2)") = 200 &&
		jq -e --arg id "$id" ".[0].type == \"search\" and
			.[0].customer == \$id and .[0].rank == 1 and
			.[0].name == \"Photo Person\" and .[0].distance < 0.6
			and length <= 3" out &&
		grey_png grey.png &&
		test $(http out /api/search -X POST -H "Content-Type: image/png" \
			--data-binary @grey.png) = 422 && is_error out 422 &&
		test_grep "no face" out &&
		serve_stop
	)
'
else
	test_skip "$store: search: a photo finds its customer; no face 422" \
		"no face models or face data"
fi

serve_stop

test_expect_success "$store: search without the face models: 503 says so" '
	FT_MODELS_DIR=$TEST_DIR/no-models serve_start --web "$SRCDIR/web" &&
	grey_png grey.png &&
	test $(http out /api/search -X POST -H "Content-Type: image/png" \
		--data-binary @grey.png) = 503 &&
	is_error out 503 && test_grep "face models" out &&
	test_grep "Retry-After" out.h &&
	serve_stop
'
done

test_done
