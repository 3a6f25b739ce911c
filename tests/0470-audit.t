#!/bin/sh
# The audit trail and the export of one customer's data, on every store.
# Enrolment, updates, merges and forgets through ft-enroll, an edit and a
# settings change through ft-serve's API are listed by ft-query audit
# with their actor and action and the names (never the values) of the
# fields changed; after a forget no entry carries the person's id; an
# export holds the profile, visits, samples, events and audit entries of
# the customer, agrees with ft-query, and is itself audited.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"

KEY=k3y-0470-$$-0123456789
API_KEY_SECRET=$KEY
FT_STATE_DIR=$TEST_DIR/state
# A crontab of this test only: a file.
cat >"$TEST_DIR/crontab" <<EOF
#!/bin/sh
f="$TEST_DIR/crontab.txt"
case "\$1" in
-l) if [ -f "\$f" ]; then cat "\$f"; else echo "no crontab" >&2; exit 1; fi ;;
-r) rm -f "\$f" ;;
*) cat >"\$f" ;;
esac
EOF
chmod +x "$TEST_DIR/crontab"
FT_CRONTAB=$TEST_DIR/crontab
export API_KEY_SECRET FT_STATE_DIR FT_CRONTAB

# entry FILE ACTION ID: FILE (ft-query audit) has an entry of ACTION for
# ID by ACTOR with the fields FIELDS (a JSON array).
entry() {
	jq -e -s --arg a "$2" --arg c "$3" --arg who "$4" \
		--argjson f "$5" 'map(select(.type == "audit" and
		.action == $a and .customer == $c and .actor == $who and
		.fields == $f and (.ts | test("^2026-")) and
		(.id | type) == "number")) | length == 1' "$1" >/dev/null || {
		echo "no one '$2' entry of $3 by $4 with $5 in:" >&3
		cat "$1" >&3
		return 1
	}
}

# add_face ROWID: a face sample of random bytes, written directly.
add_face() {
	_hex=$(head -c 512 /dev/urandom | od -An -tx1 | tr -d " \n")
	store_sql "INSERT INTO faces (customer_id, descriptor, quality,
		created_at) VALUES ($1, X'$_hex', 0.75, 0)"
}

rowid() {
	store_sql "SELECT id FROM customers WHERE uuid = '$1'"
}

ME=$(id -un)
VISIT_ADD=$FT_BUILD/tests/visit-add
J="Content-Type: application/json"

test_expect_success 'the visit helper is built (make check-build)' '
	test -x "$VISIT_ADD"
'

for store in $(test_stores); do
mkdir "$TEST_DIR/$store"
cd "$TEST_DIR/$store" || exit 1
use_store "$store"

test_expect_success "$store: an empty trail lists nothing" '
	ft-query audit >out && test_must_be_empty out
'

test_expect_success "$store: enrolment is audited, values left out" '
	ft-enroll add --name "Ann Audit" --email ann@audit.example \
		--consent >ann.json &&
	ANN=$(json_get ann.json .id) &&
	ft-query audit >out &&
	test_line_count = 1 out &&
	entry out add "$ANN" "ft-enroll/$ME" "[\"name\",\"email\",\"consent\"]" &&
	test_grep_not "Ann Audit" out && test_grep_not ann@audit out
'
ANN=$(json_get ann.json .id)

test_expect_success "$store: an update names the fields changed" '
	ft-enroll update "$ANN" --notes "secret note" --no-consent \
		>/dev/null &&
	ft-query audit --customer "$ANN" >out &&
	test_line_count = 2 out &&
	entry out update "$ANN" "ft-enroll/$ME" "[\"notes\",\"consent\"]" &&
	test_grep_not "secret note" out
'

test_expect_success "$store: a merge moves the dropped one's entries" '
	ft-enroll add --name "Ann Twin" >twin.json &&
	TWIN=$(json_get twin.json .id) &&
	ft-enroll merge "$ANN" "$TWIN" >/dev/null &&
	ft-query audit --customer "$ANN" >out &&
	test_line_count = 4 out &&
	entry out add "$ANN" "ft-enroll/$ME" "[\"name\"]" &&
	entry out merge "$ANN" "ft-enroll/$ME" "[]" &&
	jq -e -s --arg t "$TWIN" "map(select(.action == \"merge\"))[0]
		.detail.merged == \$t" out &&
	ft-query audit --customer "$TWIN" >out &&
	test_must_be_empty out
'
TWIN=$(json_get twin.json .id)

serve_start --cache-ms 0 ||
	test_expect_success "$store: ft-serve starts" 'false'

test_expect_success "$store: an edit through ft-serve is audited" '
	test $(http out "/api/customers/$ANN" -X PATCH -H "$J" \
		-d "{\"email\":\"new@audit.example\",\"consent\":true}") \
		= 200 &&
	jq -e ".type == \"customer\" and .email == \"new@audit.example\"
		and .consent == true and .name == \"Ann Audit\"
		and .notes == \"secret note\"" out &&
	ft-query customer "$ANN" | head -1 >cust &&
	jq -e ".email == \"new@audit.example\" and .consent == true" cust &&
	ft-query audit --customer "$ANN" --reverse --limit 1 >out &&
	test_line_count = 1 out &&
	entry out update "$ANN" admin "[\"email\",\"consent\"]"
'

test_expect_success "$store: bad edits are refused and not audited" '
	ft-query audit >before &&
	test $(http out "/api/customers/$ANN" -X PATCH -H "$J" \
		-d "{\"age\":3}") = 400 &&
	test $(http out "/api/customers/$ANN" -X PATCH -H "$J" \
		-d "{\"name\":\"\"}") = 400 &&
	test $(http out "/api/customers/$ANN" -X PATCH -H "$J" \
		-d "{\"consent\":\"yes\"}") = 400 &&
	test $(http out "/api/customers/$ANN" -X PATCH -H "$J" \
		-d "{}") = 400 &&
	test $(http out "/api/customers/00000000-0000-4000-8000-000000000000" \
		-X PATCH -H "$J" -d "{\"notes\":\"x\"}") = 404 &&
	test $(curl -sS -o out -w "%{http_code}" -X PATCH -H "$J" \
		-d "{\"notes\":\"x\"}" "$BASE/api/customers/$ANN") = 401 &&
	ft-query audit >after &&
	test_cmp before after
'

test_expect_success "$store: a settings change through ft-serve is audited" '
	test $(http out /api/recognition -X POST -H "$J" \
		-d "{\"action\":\"report\",\"at\":\"21:30\"}") = 200 &&
	test_grep ft-report "$TEST_DIR/crontab.txt" &&
	ft-query audit --reverse --limit 1 >out &&
	jq -e ".action == \"settings\" and .actor == \"admin\" and
		.customer == null and .fields == [\"report\"]" out
'

test_expect_success "$store: /api/audit lists what ft-query audit does" '
	test $(http out "/api/audit?customer=$ANN&limit=100") = 200 &&
	ft-query audit --customer "$ANN" | jq -s -S . >want &&
	jq -S . out >got && test_cmp want got
'

test_expect_success "$store: the export holds every part, as ft-query" '
	ft-enroll add --name "Carl Export" --email carl@x.example >carl.json &&
	CARL=$(json_get carl.json .id) &&
	"$VISIT_ADD" --source door --at 2026-11-20T10:00:00Z "$CARL" \
		>/dev/null &&
	"$VISIT_ADD" --source till --at 2026-11-22T11:00:00Z "$CARL" \
		>/dev/null &&
	add_face "$(rowid "$CARL")" && add_face "$(rowid "$CARL")" &&
	ft-query export "$CARL" >exp &&
	test_line_count = 1 exp &&
	jq -e ".type == \"export\" and .crops == []" exp &&
	ft-query customer "$CARL" >cv &&
	head -1 cv | jq -S . >want && jq -S .customer exp >got &&
	test_cmp want got &&
	jq -e ".customer.visits == 2 and .customer.faces == 2" exp &&
	ft-query visits --customer "$CARL" | jq -s -S "map(del(.type))" \
		>want &&
	jq -S .visits exp >got && test_cmp want got &&
	jq -e ".faces | length == 2 and all(.quality == 0.75 and
		(.descriptor | type == \"string\" and length == 684))" exp &&
	jq -r ".faces[0].descriptor" exp | base64 -d | wc -c >n &&
	test "$(cat n)" = 512 &&
	test "$(jq ".events | length" exp)" = \
		"$(store_sql "SELECT count(*) FROM events WHERE customer_id =
		$(rowid "$CARL")")" &&
	jq -e "[.events[].kind] == [\"customer\", \"visit\", \"visit\"] and
		.events[1].payload.source == \"door\"" exp &&
	jq -e "[.audit[] | .action + \" \" + .actor] ==
		[\"add ft-enroll/$ME\", \"export ft-query/$ME\"] and
		all(.audit[]; .customer == \"$CARL\")" exp
'
CARL=$(json_get carl.json .id)

test_expect_success "$store: the store keeps the samples the export shows" '
	jq -r ".faces[].descriptor" exp | while read -r d; do
		printf %s "$d" | base64 -d | od -An -tx1 | tr -d " \n"; echo
	done >got &&
	store_sql "SELECT lower(hex(descriptor)) FROM faces
		WHERE customer_id = $(rowid "$CARL") ORDER BY id" >want &&
	test_cmp want got
'

test_expect_success "$store: the API export is a download, and audited" '
	test $(http out "/api/customers/$CARL/export") = 200 &&
	tr -d "\r" <out.h >h &&
	test_grep "^Content-Disposition: attachment; filename=\"facetrack-export-$CARL.json\"" h &&
	test_grep "^Content-Type: application/json" h &&
	jq -e ".customer.id == \"$CARL\" and (.visits | length) == 2 and
		(.faces | length) == 2" out &&
	jq -e "[.audit[].actor] | .[-1] == \"admin\"" out &&
	ft-query audit --customer "$CARL" >a &&
	entry a export "$CARL" "ft-query/$ME" "[]" &&
	entry a export "$CARL" admin "[]"
'

test_expect_success "$store: the export route wants the key, GET and a customer" '
	test $(curl -sS -o out -w "%{http_code}" \
		"$BASE/api/customers/$CARL/export") = 401 &&
	test $(http out "/api/customers/$CARL/export" -X POST) = 405 &&
	test $(http out "/api/customers/00000000-0000-4000-8000-000000000000/export") \
		= 404 &&
	test $(http out "/api/customers/x%27y/export") = 404 &&
	ft-query audit --customer "$CARL" >a2 && test_cmp a a2
'

serve_stop

test_expect_success "$store: export of no such customer fails, usage" '
	test_exit_status 1 ft-query export 00000000-0000-4000-8000-00000000 \
		2>err &&
	test_grep "no customer" err &&
	test_exit_status 2 ft-query --format csv export "$CARL" 2>err &&
	test_grep "do not apply" err &&
	test_exit_status 2 ft-query export 2>err
'

test_expect_success "$store: forget leaves no entry naming the person" '
	ft-enroll forget "$ANN" &&
	ft-query audit >out &&
	test_grep_not "$ANN" out && test_grep_not "$TWIN" out &&
	test_grep_not "Ann" out && test_grep_not "audit.example" out &&
	store_sql "SELECT * FROM audit" >rows &&
	test_grep_not "$ANN" rows && test_grep_not "$TWIN" rows &&
	jq -e -s "map(select(.action == \"forget\")) | length == 1 and
		.[0].customer == \"forgotten\" and .[0].actor ==
		\"ft-enroll/$ME\" and .[0].detail == {visits: 0, faces: 0}" \
		out &&
	jq -e -s "map(select(.customer == \"forgotten\")) | length == 6
		and all(.action | IN(\"add\", \"update\", \"merge\",
		\"forget\"))" out &&
	ft-query audit --customer "$ANN" >none && test_must_be_empty none
'

test_expect_success "$store: forget counts what went" '
	ft-enroll forget "$CARL" &&
	ft-query audit --reverse --limit 1 >out &&
	jq -e ".action == \"forget\" and .customer == \"forgotten\" and
		.detail == {visits: 2, faces: 2}" out
'

test_expect_success "$store: audit filters by time, limit and order" '
	ft-query audit >all &&
	n=$(wc -l <all) && test "$n" -ge 10 &&
	ft-query audit --since 2026-11-24 --until 2026-11-24 >day &&
	test_cmp all day &&
	ft-query audit --until 2026-11-23 >out && test_must_be_empty out &&
	ft-query audit --since 2026-11-25 >out && test_must_be_empty out &&
	ft-query audit --limit 2 >out && head -2 all >want &&
	test_cmp want out &&
	ft-query audit --reverse | jq -s "map(.id)" >rev &&
	jq -s "map(.id) | reverse" all >want && test_cmp want rev &&
	ft-query --format csv audit >csv &&
	head -1 csv | tr -d "\r" >h &&
	echo "id,ts,actor,action,customer,fields,detail" >want &&
	test_cmp want h &&
	test_exit_status 2 ft-query audit --limit 0 2>err &&
	test_exit_status 1 ft-query audit --customer 12345678 2>err &&
	test_grep "no customer" err
'
done

DATA=${FT_TEST_DATA:-$SRCDIR/../shared/data/faces}
# The models make models put beside the sources, wherever the programs
# were built.
FT_MODELS_DIR=${FT_MODELS_DIR:-$SRCDIR/models}
export FT_MODELS_DIR
if [ -f "$DATA/Frank_Solich/0001.jpg" ] &&
	ft-recognize --models >/dev/null 2>&1; then
	use_store sqlite
	test_expect_success 'a registration by ft-recognize is one entry' '
		ft-recognize "$DATA/Frank_Solich/0001.jpg" >rec &&
		id=$(jq -r "select(.type == \"visit\") | .customer" rec) &&
		ft-query audit --customer "$id" >out &&
		test_line_count = 1 out &&
		entry out add "$id" "ft-recognize/$ME" "[]"
	'
else
	test_skip 'a registration by ft-recognize is one entry' \
		'no face data or models'
fi

test_done
