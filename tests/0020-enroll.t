#!/bin/sh
# ft-enroll: add, update, merge, forget and import customers, on every
# store.  Names that are SQL or hold non-ASCII text must come back
# exactly, through JSON, CSV and tables; a merge keeps every visit; a
# forget leaves no trace in any table; a bad import row is reported with
# its line and commits nothing; usage errors exit 2.
. "$(dirname "$0")/lib.sh"

# json_check FILE JQ-EXPR: FILE has records and EXPR is true for each.
json_check() {
	if ! jq -n -e "[inputs | ($2)] | length > 0 and all" "$1" >/dev/null
	then
		echo "json_check: not true: $2; '$1' holds:" >&3
		cat "$1" >&3
		return 1
	fi
}

# count TABLE [WHERE]: rows of TABLE, counted by the store's own client.
count() {
	store_sql "SELECT count(*) FROM $1 ${2:+WHERE $2}"
}

# rowid UUID: the customer's internal row id.
rowid() {
	store_sql "SELECT id FROM customers WHERE uuid = '$1'"
}

# add_face ROWID: a face sample for the customer, written directly (the
# face pipeline that adds samples comes later).
add_face() {
	case $STORE in
	sqlite) store_sql "INSERT INTO faces (customer_id, descriptor,
		quality, created_at) VALUES ($1, zeroblob(512), 0.9, 0)" ;;
	mysql) store_sql "INSERT INTO faces (customer_id, descriptor,
		quality, created_at) VALUES ($1, UNHEX(REPEAT('00', 512)),
		0.9, 0)" ;;
	esac
}

# add_event ROWID: an event about the customer, written directly.
add_event() {
	store_sql "INSERT INTO events (ts, kind, customer_id, payload)
		VALUES (0, 'visit', $1, '{\"name\":\"Forget Me Zyx\"}')"
}

uuid_re='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
inject="Robert'); DROP TABLE customers;--"

for store in $(test_stores); do
mkdir "$TEST_DIR/$store"
cd "$TEST_DIR/$store" || exit 1
use_store "$store"

test_expect_success "$store: add prints the new customer" '
	ft-enroll add --name "Ann Example" --email ann@example.com \
		--notes "likes tea" --consent >ann.json 2>err &&
	test_must_be_empty err &&
	test_line_count = 1 ann.json &&
	json_check ann.json "
		.type == \"customer\" and
		(.id | test(\"$uuid_re\")) and
		.name == \"Ann Example\" and .email == \"ann@example.com\" and
		.notes == \"likes tea\" and .consent == true and
		.created == \"2026-11-24T12:00:00.000Z\" and
		.last_visit == null and .visits == 0 and .faces == 0" &&
	id=$(json_get ann.json .id) &&
	store_sql "SELECT name, email, notes, consent, created_at
		FROM customers WHERE uuid = '"'"'$id'"'"'" >row &&
	printf "Ann Example\tann@example.com\tlikes tea\t1\t%s\n" \
		"$(ms_of 2026-11-24T12:00:00Z)" >want &&
	test_cmp want row
'

test_expect_success "$store: add with only a name; ids are unique" '
	ft-enroll add --name "Bob Stone" >bob.json &&
	json_check bob.json ".name == \"Bob Stone\" and .email == null and
		.notes == null and .consent == false" &&
	test "$(json_get bob.json .id)" != "$(json_get ann.json .id)"
'

test_expect_success "$store: ft-query customer shows what add printed" '
	ft-query customer "$(json_get ann.json .id)" >got &&
	test_cmp ann.json got
'

test_expect_success "$store: update changes only the fields given" '
	id=$(json_get ann.json .id) &&
	ft-enroll update "$id" --email ann@new.example >upd.json &&
	json_check upd.json ".id == \"$id\" and .name == \"Ann Example\" and
		.email == \"ann@new.example\" and .notes == \"likes tea\" and
		.consent == true and .created == \"2026-11-24T12:00:00.000Z\"" &&
	ft-enroll update "$id" --no-consent --notes "Robert'"'"'); DROP TABLE customers;--" \
		>upd.json &&
	json_check upd.json ".consent == false and
		.notes == \"Robert'"'"'); DROP TABLE customers;--\" and
		.email == \"ann@new.example\"" &&
	ft-enroll update "$id" --consent --name "Ann Example-Smith" \
		>upd.json &&
	json_check upd.json ".consent == true and
		.name == \"Ann Example-Smith\"" &&
	ft-query customer "$id" >got &&
	test_cmp upd.json got
'

test_expect_success "$store: update and forget take an 8-character prefix" '
	id=$(json_get bob.json .id) &&
	prefix=$(printf %s "$id" | cut -c1-8) &&
	ft-enroll update "$prefix" --name "Bob Stone II" >upd.json &&
	json_check upd.json ".id == \"$id\" and .name == \"Bob Stone II\""
'

test_expect_success "$store: a prefix of 7 characters is not an id" '
	id=$(json_get bob.json .id) &&
	short=$(printf %s "$id" | cut -c1-7) &&
	rc=0 && ft-enroll update "$short" --name X >out 2>err || rc=$? &&
	test "$rc" -ne 0 && test "$rc" -ne 75 &&
	test_must_be_empty out &&
	test "$(ft-query customer "$id" --jq .name)" = "\"Bob Stone II\""
'

test_expect_success "$store: update of an unknown customer fails with 1" '
	test_exit_status 1 ft-enroll update \
		00000000-0000-4000-8000-000000000000 --name X >out 2>err &&
	test_must_be_empty out &&
	test_grep "^ft-enroll: .*00000000-0000-4000-8000-000000000000" err
'

# Names and notes that break naive SQL, CSV or byte handling.
cat >names <<EOF
$inject
Zoë Ünal
王芳
O'Brien, "Bob"
Smith, Anna
100% _under
back\\slash
EOF

test_expect_success "$store: awkward names round-trip through add" '
	while IFS= read -r n; do
		ft-enroll add --name "$n" --email "x@example.com" \
			--notes "two
lines" >one.json || exit 1
		printf "%s\n" "$n" >want &&
		json_get one.json .name >got &&
		test_cmp want got || exit 1
		json_check one.json ".notes == \"two\nlines\"" || exit 1
		json_get one.json .id >>ids
	done <names &&
	test_line_count = 7 ids
'

test_expect_success "$store: the store holds the names byte for byte" '
	store_sql "SELECT name FROM customers WHERE email = '"'"'x@example.com'"'"'
		ORDER BY id" >got &&
	test_cmp names got &&
	test "$(count customers)" = 9
'

test_expect_success "$store: ft-query gives them back in JSON" '
	while read -r id; do
		ft-query customer "$id" --jq .name >>got.json || exit 1
	done <ids &&
	jq -r . got.json >got &&
	test_cmp names got
'

test_expect_success "$store: ... in CSV" '
	ft-query customers --format csv >raw.csv &&
	csv_decode raw.csv >all &&
	head -1 all | tr "\t" "\n" >header &&
	col=$(grep -n -x name header | cut -d: -f1) &&
	test -n "$col" &&
	test_grep_not -x type header &&
	sed 1d all | cut -f"$col" >got.all &&
	grep -F -x -f names got.all >got &&
	test_cmp names got &&
	ft-query customers --jq "{name}" --format csv >one.csv &&
	head -1 one.csv | tr -d "\r" >h && echo name >want && test_cmp want h &&
	csv_decode one.csv | sed 1d | grep -F -x -f names >got &&
	test_cmp names got
'

test_expect_success "$store: ... and in a table" '
	ft-query customers --format table >table &&
	head -1 table >header &&
	test_grep "^id  *name  *email" header &&
	test_grep_not -w type header &&
	while IFS= read -r n; do
		test_grep -F -e "$n" table || exit 1
	done <names
'

test_expect_success "$store: --name finds them, wildcards taken literally" '
	ft-query customers --name "DROP TABLE" --jq .name >got &&
	printf "\"%s\"\n" "$inject" >want && test_cmp want got &&
	ft-query customers --name "zoë" --jq .name >got &&
	test_grep -F "Zoë Ünal" got && test_line_count = 1 got &&
	ft-query customers --name "%" --jq .name >got &&
	test_line_count = 1 got && test_grep -F "100%" got &&
	ft-query customers --name "_" --jq .name >got &&
	test_line_count = 1 got && test_grep -F "_under" got &&
	ft-query customers --name "\\" --jq .name >got &&
	test_line_count = 1 got && test_grep -F "back" got &&
	ft-query customers --name "王" --jq .name >got &&
	test_line_count = 1 got
'

test_expect_success "$store: the tables are all still there" '
	store_tables >tables &&
	for t in customers faces visits events; do
		test_grep -x "$t" tables || exit 1
	done
'

# Merge and forget need visits: a seeded store of their own.
use_store "$store"

test_expect_success "$store: seed a store with visits" '
	seed_demo --customers 60 --visits 900 --days 14 --seed 5 >out &&
	ft-query customers --min-visits 3 --sort visits --reverse --limit 3 \
		>top.json &&
	test_line_count = 3 top.json
'

test_expect_success "$store: merge moves every visit and sample to KEEP" '
	sed -n 2p top.json >keep.json && sed -n 3p top.json >drop.json &&
	keep=$(json_get keep.json .id) && drop=$(json_get drop.json .id) &&
	nk=$(json_get keep.json .visits) && nd=$(json_get drop.json .visits) &&
	rk=$(rowid "$keep") && rd=$(rowid "$drop") &&
	test "$(count visits "customer_id = $rd")" = "$nd" &&
	add_face "$rd" &&
	total=$(count visits) && customers=$(count customers) &&
	ft-enroll merge "$keep" "$drop" >merged.json 2>err &&
	test_must_be_empty err &&
	test_line_count = 1 merged.json &&
	last=$(jq -rs "map(.last_visit) | max" keep.json drop.json) &&
	first=$(jq -rs "map(.created) | min" keep.json drop.json) &&
	json_check merged.json ".id == \"$keep\" and
		.visits == $nk + $nd and .faces == 1 and
		.last_visit == \"$last\" and .created == \"$first\"" &&
	test "$(count visits)" = "$total" &&
	test "$(count customers)" = $((customers - 1)) &&
	test "$(count visits "customer_id = $rk")" = $((nk + nd)) &&
	test "$(count visits "customer_id = $rd")" = 0 &&
	test "$(count faces "customer_id = $rd")" = 0 &&
	test "$(count faces "customer_id = $rk")" = 1 &&
	test "$(count customers "id = $rd")" = 0 &&
	test "$(store_sql "SELECT visit_count FROM customers
		WHERE id = $rk")" = $((nk + nd))
'

test_expect_success "$store: after a merge, visits are numbered afresh" '
	keep=$(json_get keep.json .id) &&
	ft-query visits --customer "$keep" >v.json &&
	test_line_count = "$(json_get merged.json .visits)" v.json &&
	json_check v.json ".customer == \"$keep\"" &&
	jq -se "[.[].number] == [range(1; length + 1)] and
		([.[].ts] | . == sort)" v.json >/dev/null
'

test_expect_success "$store: the dropped customer is gone" '
	drop=$(json_get drop.json .id) &&
	test_exit_status 1 ft-query customer "$drop" >out 2>err &&
	test_must_be_empty out
'

test_expect_success "$store: merging a customer into itself changes nothing" '
	keep=$(json_get keep.json .id) &&
	before=$(count visits) &&
	rc=0 && ft-enroll merge "$keep" "$keep" >out 2>err || rc=$? &&
	test "$rc" = 1 -o "$rc" = 2 &&
	test_must_be_empty out && test_grep "^ft-enroll: " err &&
	ft-query customer "$keep" --jq "select(.type == \"customer\") |
		.visits" >n &&
	test "$(cat n)" = "$(json_get merged.json .visits)" &&
	test "$(count visits)" = "$before"
'

test_expect_success "$store: merge with an unknown customer fails, changes nothing" '
	keep=$(json_get keep.json .id) &&
	before=$(count visits) && cbefore=$(count customers) &&
	test_exit_status 1 ft-enroll merge "$keep" \
		00000000-0000-4000-8000-000000000000 >out 2>err &&
	test_exit_status 1 ft-enroll merge \
		00000000-0000-4000-8000-000000000000 "$keep" >>out 2>>err &&
	test_must_be_empty out &&
	test "$(count visits)" = "$before" &&
	test "$(count customers)" = "$cbefore"
'

test_expect_success "$store: forget leaves no trace in any table" '
	ft-enroll add --name "Forget Me Zyx" --email forget.me@zyx.example \
		--notes "private note qqv" >fm.json &&
	fm=$(json_get fm.json .id) &&
	victim=$(sed -n 1p top.json | jq -r .id) &&
	nv=$(sed -n 1p top.json | jq -r .visits) &&
	ft-enroll merge "$fm" "$victim" >m.json &&
	json_check m.json ".visits == $nv" &&
	rf=$(rowid "$fm") && add_face "$rf" && add_event "$rf" &&
	total=$(count visits) && customers=$(count customers) &&
	others=$(store_sql "SELECT count(*) FROM visits
		WHERE customer_id <> $rf") &&
	store_dump >before &&
	test_grep -a -F "$fm" before &&
	test_grep -a -F "Forget Me Zyx" before &&
	test_grep -a -F "forget.me@zyx.example" before &&
	ft-enroll forget "$fm" >out 2>err &&
	test_must_be_empty err &&
	# Events: its "customer" from add, the merge and the one written.
	json_check out ".type == \"erasure\" and .customer == \"$fm\" and
		.visits == $nv and .samples == 1 and .events == 3" &&
	store_dump >after &&
	test_grep_not -a -F -e "$fm" -e "$victim" -e "Forget Me Zyx" \
		-e "forget.me@zyx" -e "qqv" after &&
	test "$(count customers "id = $rf")" = 0 &&
	test "$(count faces "customer_id = $rf")" = 0 &&
	test "$(count visits "customer_id = $rf")" = 0 &&
	test "$(count events "customer_id = $rf")" = 0 &&
	test "$(count customers)" = $((customers - 1)) &&
	test "$(count visits)" = "$others" &&
	test "$others" = $((total - nv))
'

test_expect_success "$store: a forgotten customer cannot be found or forgotten again" '
	fm=$(json_get fm.json .id) &&
	test_exit_status 1 ft-query customer "$fm" >out 2>/dev/null &&
	test_must_be_empty out &&
	ft-query visits --jq .customer >all &&
	test_grep_not -F "$fm" all &&
	test_exit_status 1 ft-enroll forget "$fm" 2>err &&
	test_grep "^ft-enroll: " err
'

test_expect_success "$store: forget takes a prefix and prints a receipt" '
	id=$(sed -n 2p top.json | jq -r .id) &&
	ft-enroll forget "$(printf %s "$id" | cut -c1-8)" >out &&
	test_line_count = 1 out &&
	json_check out ".type == \"erasure\" and .customer == \"$id\"" &&
	test "$(count customers "uuid = '"'"'$id'"'"'")" = 0
'

# Import, in a fresh store.
use_store "$store"

test_expect_success "$store: import adds every row, columns in any order" '
	printf "%s\n" \
		"email,name,consent,notes" \
		"ann@example.com,Ann Example,yes," \
		",\"$inject\",no,\"has a, comma\"" \
		"zoe@example.com,Zoë Ünal,1,\"two" \
		"lines\"" \
		>good.csv &&
	printf ",王芳,,\"say \"\"hi\"\"\"" >>good.csv &&
	ft-enroll import good.csv >out.json 2>err &&
	test_must_be_empty err &&
	test_line_count = 4 out.json &&
	jq -c "{name, email, notes, consent}" out.json >got &&
	jq -nc --arg inj "$inject" "
		{name: \"Ann Example\", email: \"ann@example.com\",
		 notes: null, consent: true},
		{name: \$inj, email: null, notes: \"has a, comma\",
		 consent: false},
		{name: \"Zoë Ünal\", email: \"zoe@example.com\",
		 notes: \"two\nlines\", consent: true},
		{name: \"王芳\", email: null, notes: \"say \\\"hi\\\"\",
		 consent: false}" >want &&
	test_cmp want got &&
	test "$(count customers)" = 4 &&
	json_check out.json ".type == \"customer\" and .visits == 0"
'

test_expect_success "$store: imported customers read back the same" '
	for id in $(json_get out.json .id); do
		ft-query customer "$id" || exit 1
	done >back.json &&
	test_cmp out.json back.json
'

test_expect_success "$store: import reads CRLF lines and stdin" '
	printf "name,consent\r\nCRLF Person,yes\r\nSecond Line,no\r\n" |
		ft-enroll import - >crlf.json &&
	jq -c "[.name, .consent]" crlf.json >got &&
	printf "%s\n" "[\"CRLF Person\",true]" "[\"Second Line\",false]" \
		>want &&
	test_cmp want got
'

test_expect_success "$store: a bad row: FILE:LINE, status 3, nothing committed" '
	before=$(count customers) &&
	printf "%s\n" "name,email" "Good One,g1@example.com" \
		"Good Two,g2@example.com" ",nobody@example.com" \
		"Good Three,g3@example.com" >bad.csv &&
	test_exit_status 3 ft-enroll import bad.csv >out 2>err &&
	test_must_be_empty out &&
	test_grep "^ft-enroll: bad.csv:4: " err &&
	test_line_count = 1 err &&
	test "$(count customers)" = "$before" &&
	test "$(count customers "email LIKE '"'"'g_@example.com'"'"'")" = 0
'

test_expect_success "$store: a row with too many fields is a bad row" '
	before=$(count customers) &&
	printf "%s\n" "name,email" "Good One,g1@example.com" \
		"Too,many,fields" >many.csv &&
	test_exit_status 3 ft-enroll import many.csv >out 2>err &&
	test_grep "^ft-enroll: many.csv:3: " err &&
	test "$(count customers)" = "$before"
'

test_expect_success "$store: a bad consent value is a bad row" '
	printf "%s\n" "name,consent" "A,yes" "B,maybe" >consent.csv &&
	test_exit_status 3 ft-enroll import consent.csv >out 2>err &&
	test_grep "^ft-enroll: consent.csv:3: " err &&
	test_must_be_empty out
'

test_expect_success "$store: a bad header is line 1" '
	printf "%s\n" "name,phone" "A,123" >hdr.csv &&
	test_exit_status 3 ft-enroll import hdr.csv >out 2>err &&
	test_grep "^ft-enroll: hdr.csv:1: " err &&
	printf "%s\n" "email" "a@example.com" >noname.csv &&
	test_exit_status 3 ft-enroll import noname.csv >out 2>err &&
	test_grep "^ft-enroll: noname.csv:1: " err
'

test_expect_success "$store: an unterminated quote is a bad row" '
	before=$(count customers) &&
	printf "name\nFine\n\"Unclosed\n" >quote.csv &&
	test_exit_status 3 ft-enroll import quote.csv >out 2>err &&
	test_grep "^ft-enroll: quote.csv:[0-9][0-9]*: " err &&
	test "$(count customers)" = "$before"
'

test_expect_success "$store: bad rows on stdin are reported as stdin:LINE" '
	printf "name,email\nA,a@example.com\n,b@example.com\n" |
		test_exit_status 3 ft-enroll import - >out 2>err &&
	test_grep "^ft-enroll: stdin:3: " err
'

test_expect_success "$store: one bad row among 500 commits none of them" '
	before=$(count customers) &&
	{ echo name,email &&
	  i=0 && while [ $i -lt 500 ]; do
		i=$((i + 1)) && echo "Bulk $i,bulk$i@example.com"
	  done && echo ",nobody@example.com"; } >bulk.csv &&
	test_exit_status 3 ft-enroll import bulk.csv >out 2>err &&
	test_grep "^ft-enroll: bulk.csv:502: " err &&
	test "$(count customers)" = "$before" &&
	sed \$d bulk.csv >good-bulk.csv &&
	ft-enroll import good-bulk.csv >out &&
	test_line_count = 500 out &&
	test "$(count customers)" = $((before + 500))
'

test_expect_success "$store: import of a missing file: status 1" '
	test_exit_status 1 ft-enroll import nope.csv >out 2>err &&
	test_grep "^ft-enroll: .*'"'"'nope.csv'"'"'" err
'

done

# Usage: no store is touched, usage on stderr, status 2.
cd "$TEST_DIR" || exit 1
export FT_DB=sqlite:$TEST_DIR/usage.db

usage_error() {
	test_exit_status 2 "$@" >out 2>err &&
	test_must_be_empty out &&
	test_grep "^usage: ft-enroll" err &&
	test ! -e "$TEST_DIR/usage.db"
}

test_expect_success 'usage errors exit 2 with the usage on stderr' '
	usage_error ft-enroll &&
	usage_error ft-enroll frobnicate &&
	usage_error ft-enroll add &&
	usage_error ft-enroll add --name "" &&
	usage_error ft-enroll add --bogus &&
	usage_error ft-enroll update &&
	usage_error ft-enroll update 00000000-0000-4000-8000-000000000000 &&
	usage_error ft-enroll merge 00000000-0000-4000-8000-000000000000 &&
	usage_error ft-enroll forget &&
	usage_error ft-enroll forget a b &&
	usage_error ft-enroll import &&
	usage_error ft-enroll import a.csv b.csv &&
	usage_error ft-enroll --db
'

test_expect_success 'add with a photo that cannot be read: 1, nobody added' '
	FT_DB=sqlite:$TEST_DIR/photo.db \
		test_exit_status 1 ft-enroll add --name A no-such.jpg >out 2>err &&
	test_must_be_empty out &&
	test_grep "no-such.jpg" err &&
	test "$(FT_DB=sqlite:$TEST_DIR/photo.db ft-query customers | wc -l)" = 0
'

test_expect_success '--help: usage on stdout, status 0' '
	ft-enroll --help >out 2>err &&
	test_must_be_empty err &&
	test_grep "^usage: ft-enroll" out &&
	for c in add update merge forget import; do
		test_grep -w "$c" out || exit 1
	done &&
	ft-enroll -h >out2 && test_cmp out out2 &&
	test ! -e usage.db
'

test_expect_success '--version' '
	ft-enroll --version >out &&
	test_grep "^ft-enroll [0-9][0-9.]*" out
'

test_done
