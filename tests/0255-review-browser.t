#!/bin/sh
# The owner's corrections in headless Chromium (tests/browser/review.mjs):
# an unnamed customer found with the filter, their face crops seen, a
# sample of someone else removed and the customer named; a suggested
# pair (one person enrolled twice) merged from the review queue, another
# pair marked "not the same" and gone from the queue for good; a dropped
# photo finding its customer; a customer forgotten elsewhere leaving the
# open page; a viewer's key shown no control that changes customer data.
# Faces come from the face data (tests/lib.sh face_data) and are enrolled
# with ft-enroll, so the models are needed.
. "$(dirname "$0")/lib.sh"

command -v node >/dev/null 2>&1 || skip_all "node is not installed"
[ -x /usr/bin/chromium ] || skip_all "no /usr/bin/chromium (Debian package chromium)"
[ -d "$SRCDIR/tests/browser/node_modules/playwright-core" ] ||
	skip_all "playwright-core is not installed (make check-build)"
ft-recognize --models >/dev/null 2>&1 ||
	skip_all "no face models (make models)"
face_data

KEY=review-key-$$-0123456789
API_KEY_SECRET=$KEY
# A viewer's key, whose pages show no control that changes customer data.
VIEWER_KEY=review-viewer-$$-0123456789
API_KEYS_FILE=$TEST_DIR/keys
(umask 077 && echo "wall viewer $VIEWER_KEY" >"$API_KEYS_FILE")
SHOTS=$FT_BUILD/screenshots
USER_DATA=$TEST_DIR/chromium-profile
export API_KEY_SECRET KEY VIEWER_KEY API_KEYS_FILE SHOTS USER_DATA

# Five people with three photos or more: one enrolled twice (a pair to
# merge), one twice more (a pair to tell apart), one unnamed with a
# sample of a fourth among theirs, and a fifth to forget.
P1=$(face_person 1 3) && P2=$(face_person 2 3) && P3=$(face_person 3 3) &&
P4=$(face_person 4 3) && P5=$(face_person 5 3) ||
	skip_all "the face data has too few people with three photos"

# enrol NAME PHOTO...: the new customer's id.
enrol() {
	_n=$1
	shift
	ft-enroll add --name "$_n" "$@" | jq -r .id
}

test_expect_success 'setup: customers with faces, ft-serve' '
	seed_demo --customers 30 --visits 200 --days 20 --seed 5 >/dev/null &&
	A=$(enrol "Same One" "$(face_photo "$P1" 1)") &&
	B=$(enrol "Same Two" "$(face_photo "$P1" 2)") &&
	C=$(enrol "Apart One" "$(face_photo "$P2" 1)") &&
	D=$(enrol "Apart Two" "$(face_photo "$P2" 2)") &&
	U=$(enrol "To Be Unnamed" "$(face_photo "$P3" 1)" \
		"$(face_photo "$P3" 2)" "$(face_photo "$P4" 1)") &&
	F=$(enrol "To Forget" "$(face_photo "$P5" 1)") &&
	store_sql "UPDATE customers SET name = NULL WHERE uuid = '"'"'$U'"'"'" &&
	W=$(ft-query faces "$U" | jq -r .id | tail -1) &&
	test -n "$W" &&
	{
		echo "UNNAMED=$U"
		echo "WRONG=$W"
		echo "PAIR_SAME=\"$A $B\""
		echo "PAIR_APART=\"$C $D\""
		echo "FORGET=$F"
	} >"$TEST_DIR/world"
'

[ -f "$TEST_DIR/world" ] || { test_done; exit 1; }
. "$TEST_DIR/world"
PHOTO=$(face_photo "$P3" 3)
export UNNAMED WRONG PAIR_SAME PAIR_APART FORGET PHOTO

# Real time for the browser and the server.
unset FT_NOW
serve_start --web "$SRCDIR/web" ||
	test_expect_success 'ft-serve starts' 'false'
export BASE

test_expect_success 'the browser session runs' '
	node "$SRCDIR/tests/browser/review.mjs" >"$TEST_DIR/results" 2>&1;
	rc=$?; cat "$TEST_DIR/results"; test $rc = 0
'

for s in unnamed-found:"an unnamed customer is found with the filter" \
	 faces-shown:"their face crops are shown" \
	 wrong-sample-removed:"a sample of someone else is removed" \
	 customer-named:"the customer is named" \
	 review-merge:"a suggested pair is merged from the queue" \
	 review-not-the-same:"a pair marked not the same leaves the queue" \
	 photo-finds-customer:"a dropped photo finds its customer" \
	 pages-fit-a-phone:"the three pages fit a phone" \
	 forgotten-leaves-page:"a customer forgotten elsewhere leaves the page" \
	 viewer-sees-no-changes:"a viewer's key shows no control that changes data" \
	 no-console-errors:"no console errors"; do
	name=${s%%:*}
	test_expect_success "${s#*:}" "
		grep -q '^ok $name\$' \"\$TEST_DIR/results\" ||
		{ grep '^not ok $name' \"\$TEST_DIR/results\" >&3; false; }
	"
done

test_expect_success 'the pair told apart is recorded, the merge audited' '
	test "$(store_sql "SELECT count(*) FROM different")" = 1 &&
	ft-query audit >audit &&
	jq -e -s "map(select(.action == \"merge\" and .actor == \"admin\"))
		| length == 1" audit
'

serve_stop
test_done
