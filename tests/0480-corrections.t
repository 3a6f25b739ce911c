#!/bin/sh
# Corrections of who is who, on every store: ft-query faces lists the
# sample ids; ft-enroll split moves samples and the visits they explain
# (by the sample a visit names, else by the sample made nearest in time)
# to a new customer or another one; unvisit removes visits; remove-face
# removes samples and leaves no byte of their descriptors in the store's
# files; different marks two people, a mark that merge moves and forget
# removes.  Refused input (unknown ids, every sample, a customer into
# itself, A == A, one bad id among several) changes nothing.  Every
# correction leaves its event on the feed and an audit entry.  On
# SQLite: GET /api/faces, and a running ft-recognize that follows a
# split of a face enrolled under the wrong customer.
. "$(dirname "$0")/lib.sh"

command -v perl >/dev/null 2>&1 || skip_all "perl is not installed"

VISIT_ADD=$FT_BUILD/tests/visit-add
KEY=k3y-0480-$$-0123456789
API_KEY_SECRET=$KEY
FT_STATE_DIR=$TEST_DIR/state
FT_CRONTAB=false
export API_KEY_SECRET FT_STATE_DIR FT_CRONTAB

# hexdesc N: a descriptor (128 distinctive float32, little-endian) as
# hex; N varies it.
hexdesc() {
	perl -e 'my $n = shift; print unpack("H*", pack("f<128",
		map { (($_ * 41 + $n * 13) % 97 - 48) / 331.0 +
		0.000171 * $_ + $n / 991.0 } 0 .. 127)), "\n"' "$1"
}

# sample UUID N CREATED: a sample of descriptor N made at CREATED
# (RFC 3339), written with the store's own client (ft-enroll describes
# only photos); prints its id.
sample() {
	_row=$(store_sql "SELECT id FROM customers WHERE uuid = '$1'") &&
	store_sql "INSERT INTO faces (customer_id, descriptor, quality,
		created_at) VALUES ($_row, X'$(hexdesc "$2")', 0.9,
		$(ms_of "$3"))" &&
	store_sql "SELECT max(id) FROM faces"
}

# visit UUID TIME [SAMPLE]: a visit through the store's own code,
# recognised by SAMPLE when given; prints its id.
visit() {
	"$VISIT_ADD" --at "$2" ${3:+--face "$3"} "$1" | jq -r .id
}

# state: what a refused correction must leave as it was.
state() {
	store_sql "SELECT id, customer_id FROM faces ORDER BY id" &&
	store_sql "SELECT id, customer_id FROM visits ORDER BY id" &&
	store_sql "SELECT id, visit_count, COALESCE(last_visit, 0)
		FROM customers ORDER BY id" &&
	store_sql "SELECT a, b FROM different ORDER BY a, b" &&
	store_sql "SELECT count(*) FROM events" &&
	store_sql "SELECT count(*) FROM audit"
}

# refused STATUS CMD...: CMD exits with STATUS, says why and changes
# nothing.
refused() {
	_want=$1
	shift
	state >before &&
	test_exit_status "$_want" "$@" >out 2>err &&
	test_must_be_empty out &&
	test_grep "^ft-enroll: " err &&
	state >after &&
	test_cmp before after
}

# last_event KIND: the payload of the newest event of KIND.
last_event() {
	store_sql "SELECT payload FROM events WHERE kind = '$1'
		ORDER BY id DESC LIMIT 1"
}

# audited ACTION UUID: an audit entry of ACTION for the customer.
audited() {
	ft-query audit --customer "$2" | jq -e --arg a "$1" \
		'select(.action == $a)' >/dev/null
}

T=2026-11-24T

for store in $(test_stores); do
use_store "$store"

test_expect_success "$store: set up two customers, samples and visits" '
	ft-enroll add --name Ann >ann.json &&
	ft-enroll add --name Bob >bob.json &&
	ANN=$(jq -r .id ann.json) && BOB=$(jq -r .id bob.json) &&
	s1=$(sample "$ANN" 1 ${T}09:00:00Z) &&
	s2=$(sample "$ANN" 2 ${T}10:00:00Z) &&
	s3=$(sample "$ANN" 3 ${T}11:00:00Z) &&
	s4=$(sample "$BOB" 4 ${T}09:00:00Z) &&
	v1=$(visit "$ANN" ${T}09:00:00Z "$s1") &&
	v2=$(visit "$ANN" ${T}12:00:00Z "$s2") &&
	v3=$(visit "$ANN" ${T}11:10:00Z) &&
	v4=$(visit "$ANN" ${T}09:30:00Z) &&
	v5=$(visit "$BOB" ${T}09:05:00Z "$s4") &&
	echo "ANN=$ANN BOB=$BOB s1=$s1 s2=$s2 s3=$s3 s4=$s4" >ids &&
	echo "v1=$v1 v2=$v2 v3=$v3 v4=$v4 v5=$v5" >>ids
'
. ./ids

test_expect_success "$store: ft-query faces lists the sample ids" '
	ft-query faces "$ANN" >out &&
	test "$(jq -r .id out | tr "\n" " ")" = "$s1 $s2 $s3 " &&
	jq -c --arg c "$ANN" "select(.type != \"sample\" or .customer != \$c
		or .quality != 0.9)" out >bad && test_must_be_empty bad &&
	test "$(jq -r .created out | head -1)" = "${T}09:00:00.000Z" &&
	test_exit_status 1 ft-query faces 00000000-0000-4000-8000-00000000000f \
		>out 2>err && test_must_be_empty out &&
	ft-query visits --format table >table &&
	head -1 table | test_grep -w id
'

test_expect_success "$store: refused corrections change nothing" '
	refused 1 ft-enroll split "$ANN" --face "$s1" --face "$s2" \
		--face "$s3" &&
	test_grep "every sample" err &&
	refused 1 ft-enroll split "$ANN" --into "$ANN" --face "$s1" &&
	test_grep "into themself" err &&
	refused 1 ft-enroll split "$ANN" --face "$s1" --face "$s4" &&
	test_grep "#$s4 is not one of" err &&
	refused 1 ft-enroll split "$ANN" --face 999999 &&
	refused 1 ft-enroll split 00000000-0000-4000-8000-00000000000f \
		--face "$s1" &&
	refused 1 ft-enroll split "$ANN" --face "$s1" \
		--into 00000000-0000-4000-8000-00000000000f &&
	refused 1 ft-enroll unvisit "$v1" 999999 &&
	test_grep "no visit #999999" err &&
	refused 1 ft-enroll remove-face "$BOB" "$s4" &&
	test_grep "last of customer" err &&
	refused 1 ft-enroll remove-face "$ANN" "$s2" "$s4" &&
	test_grep "no sample #$s4 of customer" err &&
	refused 1 ft-enroll different "$ANN" "$ANN" &&
	refused 1 ft-enroll different "$ANN" \
		00000000-0000-4000-8000-00000000000f &&
	refused 2 ft-enroll split "$ANN" &&
	refused 2 ft-enroll split "$ANN" --face x1 &&
	refused 2 ft-enroll unvisit &&
	refused 2 ft-enroll unvisit 0 &&
	refused 2 ft-enroll remove-face "$ANN" &&
	refused 2 ft-enroll different "$ANN" &&
	refused 2 ft-enroll merge "$ANN" "$BOB" --face "$s1" &&
	refused 2 ft-enroll remove-face "$ANN" "$s2" --into "$BOB"
'

# s2 and s3 go.  v2 names s2; v3 names none and s3 was made nearest to
# it; v4 names none and lies as near s1 as s2 (the earlier keeps it);
# v1 names s1.
test_expect_success "$store: split moves samples and the visits they explain" '
	ft-enroll split "$ANN" --face "$s2" --face "$s3" >new &&
	test_line_count = 1 new &&
	NEW=$(jq -r .id new) && test "$NEW" != "$ANN" && test "$NEW" != "$BOB" &&
	jq -e ".type == \"customer\" and .name == null and .faces == 2 and
		.visits == 2 and .last_visit == \"${T}12:00:00.000Z\" and
		.created == \"${T}10:00:00.000Z\"" new >/dev/null &&
	test "$(ft-query faces "$NEW" | jq -r .id | tr "\n" " ")" = \
		"$s2 $s3 " &&
	test "$(ft-query visits --customer "$NEW" | jq -r .id |
		tr "\n" " ")" = "$v3 $v2 " &&
	test "$(ft-query visits --customer "$ANN" | jq -r .id |
		tr "\n" " ")" = "$v1 $v4 " &&
	ft-query customer "$ANN" | head -1 | jq -e ".faces == 1 and
		.visits == 2 and .last_visit == \"${T}09:30:00.000Z\"" \
		>/dev/null &&
	last_event split >ev &&
	jq -e --arg a "$ANN" --arg n "$NEW" --argjson f2 "$s2" \
		--argjson f3 "$s3" ".customer == \$a and .into == \$n and
		.faces == [\$f2, \$f3] and .visits == 2" ev >/dev/null &&
	audited split "$ANN" && audited split "$NEW" &&
	echo "NEW=$NEW" >>ids
'
. ./ids

test_expect_success "$store: split --into moves a sample to another customer" '
	ft-enroll split "$NEW" --into "$BOB" --face "$s3" >out &&
	jq -e --arg b "$BOB" ".id == \$b and .faces == 2 and .visits == 2" \
		out >/dev/null &&
	test "$(ft-query visits --customer "$BOB" | jq -r .id |
		tr "\n" " ")" = "$v5 $v3 " &&
	ft-query customer "$NEW" | head -1 | jq -e ".faces == 1 and
		.visits == 1" >/dev/null
'

test_expect_success "$store: unvisit removes visits, counts follow" '
	ft-enroll unvisit "$v1" "$v4" >out &&
	test "$(jq -r .id out | tr "\n" " ")" = "$v1 $v4 " &&
	jq -c --arg a "$ANN" "select(.type != \"visit\" or .customer != \$a)" \
		out >bad && test_must_be_empty bad &&
	ft-query customer "$ANN" | head -1 | jq -e ".visits == 0 and
		.last_visit == null" >/dev/null &&
	test "$(ft-query visits --customer "$ANN" | wc -l)" = 0 &&
	test "$(store_sql "SELECT count(*) FROM events WHERE kind = '"'"'visit'"'"'
		AND payload LIKE '"'"'%\"id\":$v1,%'"'"'")" = 0 &&
	last_event unvisit | jq -e --arg a "$ANN" --argjson v "$v4" \
		".id == \$v and .customer == \$a" >/dev/null &&
	audited unvisit "$ANN"
'

test_expect_success "$store: remove-face removes samples" '
	s5=$(sample "$BOB" 5 ${T}13:00:00Z) &&
	v6=$(visit "$BOB" ${T}13:05:00Z "$s5") &&
	ft-enroll remove-face "$BOB" "$s3" "$s5" >out &&
	jq -e ".faces == 1" out >/dev/null &&
	test "$(ft-query faces "$BOB" | jq -r .id)" = "$s4" &&
	test "$(store_sql "SELECT count(*) FROM faces WHERE id IN ($s3, $s5)")" = 0 &&
	test "$(store_sql "SELECT count(*) FROM visits
		WHERE id = $v6 AND face_id IS NULL")" = 1 &&
	ft-query customer "$BOB" | head -1 | jq -e ".visits == 3" >/dev/null &&
	last_event face_removed | jq -e --arg b "$BOB" --argjson f "$s5" \
		".customer == \$b and .face == \$f" >/dev/null &&
	audited face_removed "$BOB"
'

test_expect_success "$store: different marks a pair once, in either order" '
	ft-enroll different "$BOB" "$ANN" >out &&
	jq -e --arg a "$ANN" --arg b "$BOB" ".type == \"different\" and
		.customers == [\$b, \$a]" out >/dev/null &&
	ft-enroll different "$ANN" "$BOB" >/dev/null &&
	test "$(store_sql "SELECT count(*) FROM different")" = 1 &&
	test "$(store_sql "SELECT count(*) FROM events
		WHERE kind = '"'"'different'"'"'")" = 1 &&
	last_event different | jq -e --arg a "$ANN" --arg b "$BOB" \
		".customers | sort == ([\$a, \$b] | sort)" >/dev/null &&
	audited different "$ANN" && audited different "$BOB"
'

test_expect_success "$store: merge moves the mark, forget removes it" '
	ft-enroll merge "$NEW" "$ANN" >/dev/null &&
	row() { store_sql "SELECT id FROM customers WHERE uuid = '"'"'$1'"'"'"; } &&
	n=$(row "$NEW") && b=$(row "$BOB") &&
	if [ "$n" -lt "$b" ]; then want="$n$tab$b"; else want="$b$tab$n"; fi &&
	test "$(store_sql "SELECT a, b FROM different")" = "$want" &&
	ft-enroll merge "$NEW" "$BOB" >/dev/null &&
	test "$(store_sql "SELECT count(*) FROM different")" = 0 &&
	ft-enroll add --name Cy >cy.json && CY=$(jq -r .id cy.json) &&
	ft-enroll different "$CY" "$NEW" >/dev/null &&
	ft-enroll split "$NEW" --into "$CY" --face "$s2" >/dev/null &&
	ft-enroll forget "$CY" >/dev/null &&
	test "$(store_sql "SELECT count(*) FROM different")" = 0 &&
	test "$(store_sql "SELECT count(*) FROM events
		WHERE payload LIKE '"'"'%$CY%'"'"'")" = 0
'

# The descriptor of a removed sample: no byte of it stays in the files.
test_expect_success "$store: a removed sample leaves no trace in the files" '
	ft-enroll add --name Eve >eve.json && EVE=$(jq -r .id eve.json) &&
	sample "$EVE" 8 ${T}09:00:00Z >keep.id &&
	gone=$(sample "$EVE" 9 ${T}10:00:00Z) &&
	hexdesc 9 >gone.hex &&
	if [ "$STORE" = sqlite ]; then
		files="$STORE_FILE $STORE_FILE-wal $STORE_FILE-journal"
		mkfifo reader.in &&
		{ sqlite3 "$STORE_FILE" <reader.in >/dev/null 2>&1 & } &&
		exec 8>reader.in &&
		echo "SELECT count(*) FROM meta;" >&8
	else
		files=$FT_TEST_MYSQL_DIR/data/$STORE_DB/faces.ibd
		flush() {
			mariadb --no-defaults -S "$FT_TEST_MYSQL_DIR/sock" \
				-u "$(id -un)" -e "FLUSH TABLES
				\`$STORE_DB\`.faces FOR EXPORT; UNLOCK TABLES"
		}
	fi &&
	pieces() {
		[ "$STORE" = sqlite ] || flush &&
		perl -e "my \$d = pack(\"H*\", shift); my \$n = 0;
			for my \$f (@ARGV) { open my \$h, \"<\", \$f or next;
			binmode \$h; local \$/; my \$t = <\$h>;
			for my \$i (0 .. 63) {
				\$n++ if index(\$t, substr(\$d, 8 * \$i, 8)) >= 0 } }
			print \$n, \"\\n\"" "$(cat gone.hex)" $files
	} &&
	test "$(pieces)" -gt 0 &&
	ft-enroll remove-face "$EVE" "$gone" >/dev/null &&
	test "$(pieces)" = 0 &&
	if [ "$STORE" = sqlite ]; then exec 8>&-; wait; fi
'

done

# --- ft-serve and a running recogniser, on SQLite ---

use_store sqlite

mkdir -p "$TEST_DIR/web" && echo "<!doctype html>" >"$TEST_DIR/web/index.html"
serve_start --web "$TEST_DIR/web" ||
	test_expect_success "ft-serve starts" 'false'

test_expect_success 'GET /api/faces?customer=ID lists the samples' '
	ft-enroll add --name Fay >fay.json && FAY=$(jq -r .id fay.json) &&
	f1=$(sample "$FAY" 10 ${T}09:00:00Z) &&
	test "$(http out "/api/faces?customer=$FAY")" = 200 &&
	test "$(jq -r ".[].id" out)" = "$f1" &&
	test "$(http out /api/faces)" = 400 &&
	test "$(http out "/api/faces?customer=00000000-0000-4000-8000-00000000000f")" = 404
'

# resume FILE: one second of a stream resuming from the start.
resume() {
	curl -sN --max-time 1 -H "X-API-Key: $KEY" -H "Last-Event-ID: 0" \
		"$BASE/api/events" >"$1" 2>/dev/null || :
}

# replay FILE KIND: what a stream resuming from the start is sent, into
# FILE, once the server has read an event of KIND (one that came live
# may follow a replay of the ring as it was: the next stream's is
# taken).
replay() {
	_i=0
	while [ $_i -lt 20 ]; do
		resume "$1"
		if grep -q "^event: $2" "$1"; then
			resume "$1"
			return 0
		fi
		_i=$((_i + 1))
	done
	return 1
}

test_expect_success 'a forgotten customer is not replayed in a correction' '
	FAY=$(jq -r .id fay.json) &&
	ft-enroll add --name Gil >gil.json && GIL=$(jq -r .id gil.json) &&
	ft-enroll different "$FAY" "$GIL" >/dev/null &&
	replay before different &&
	test_grep "$GIL" before &&
	ft-enroll forget "$GIL" >/dev/null &&
	replay after forget &&
	test_grep_not "$GIL" after
'
serve_stop

if ! ft-recognize --models >/dev/null 2>&1; then
	test_skip "a running recogniser follows a split" \
		"no face models (make models)"
	test_done
fi
face_data
face_two_people

# B's face enrolled under A's name by mistake: B is taken for A until
# the sample is split off, and a recogniser running all along then
# takes B for the new customer, with the visit it recorded moved along.
use_store sqlite
test_expect_success 'a running recogniser follows a split' '
	ft-enroll add --name "$A" "$(face_photo "$A" 1)" >a.json &&
	ID=$(jq -r .id a.json) &&
	ft-enroll add-faces "$ID" "$(face_photo "$B" 1)" >/dev/null &&
	wrong=$(ft-query faces "$ID" | jq -r .id | tail -1) &&
	mkfifo feed &&
	{ ft-recognize --threads 1 <feed >out 2>err & } &&
	exec 7>feed &&
	frames "$(face_photo "$B" 2)" ${T}09:00:00.000Z >&7 &&
	i=0 && while [ "$(store_sql "SELECT count(*) FROM visits")" != 1 ] &&
		[ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done &&
	test "$(store_sql "SELECT face_id FROM visits")" = "$wrong" &&
	ft-enroll split "$ID" --face "$wrong" >new.json &&
	NEW=$(jq -r .id new.json) &&
	jq -e ".visits == 1" new.json >/dev/null &&
	sleep 1.5 &&
	frames "$(face_photo "$B" 2)" ${T}12:00:00.000Z >&7 &&
	exec 7>&- &&
	wait &&
	jq -r "select(.type == \"face\") | .customer" out >who &&
	printf "%s\n%s\n" "$ID" "$NEW" >want &&
	test_cmp want who &&
	test "$(ft-query visits --customer "$NEW" | wc -l)" = 2 &&
	test "$(ft-query visits --customer "$ID" | wc -l)" = 0
'

test_done
