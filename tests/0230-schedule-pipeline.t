#!/bin/sh
# ft-schedule running the real recognition pipeline: ft-capture replaying
# a day of door footage (scripts/make-footage scenario, from the
# development data or the fallback set: face_data in lib.sh) into
# ft-recognize and the store, while ft-serve streams the visits and
# customers it records.  The supervisor counts the frames and visits the
# pipeline writes, restarts it when ft-recognize is killed, and a
# restarted pipeline replaying the same footage adds neither customers
# nor visits; stop ends it cleanly.
. "$(dirname "$0")/lib.sh"

command -v ffmpeg >/dev/null || skip_all "ffmpeg is missing"
ft-recognize --models >/dev/null 2>&1 || skip_all "no face models (make models)"
face_data

FT_STATE_DIR=$TEST_DIR/state
export FT_STATE_DIR
use_store sqlite

KEY=k3y-0230-$$-0123456789
API_KEY_SECRET=$KEY
export API_KEY_SECRET
trap 'ft-schedule stop >/dev/null 2>&1; _test_cleanup' EXIT

# The footage plays in a loop, as a camera would keep sending, always with
# the same times, so each replay is the same day seen again.
FOOTAGE=$TEST_DIR/footage/scenario.mp4
FT_PIPELINE="while :; do ft-capture --start-time 2026-11-24T09:00:00Z '$FOOTAGE' || exit 1; sleep 0.5; done | ft-recognize"
export FT_PIPELINE

expected_total() {
	awk '{ n += $2 } END { print n }' "$TEST_DIR/footage/scenario.expected"
}

test_expect_success 'footage of five people passing a door over a day' '
	"$SRCDIR/scripts/make-footage" scenario "$TEST_DIR/footage" "$DATA" &&
	test -s "$FOOTAGE" &&
	test "$(wc -l <"$TEST_DIR/footage/scenario.expected")" = 5
'

test_expect_success 'ft-serve streams the events of the store' '
	ft-serve --listen 127.0.0.1:0 2>serve.err &
	test_bg_pid $!
	n=0
	until grep -qs "listening on" serve.err || test $n -gt 100; do
		n=$((n + 1))
		sleep 0.1
	done
	base=$(sed -n "s|.*listening on \(http://[^ ]*\)$|\1|p" serve.err) &&
	test -n "$base" &&
	{ curl -sN -H "X-API-Key: $KEY" "$base/api/events" >"$TEST_DIR/stream" 2>&1 & } &&
	test_bg_pid $! &&
	n=0 &&
	until grep -qs "facetrack events" "$TEST_DIR/stream" || test $n -gt 100; do
		n=$((n + 1))
		sleep 0.1
	done &&
	grep -q "facetrack events" "$TEST_DIR/stream"
'

test_expect_success 'start: the pipeline records the day' '
	ft-schedule start >out &&
	jq -e ".running == true" out &&
	schedule_wait 240 ".visits >= $(expected_total)" &&
	test "$(ft-query stats --jq .total_customers)" = 5 &&
	test "$(ft-query visits | wc -l)" = "$(expected_total)" &&
	ft-schedule status >st &&
	jq -e ".frames > 0 and .last_frame != null and .restarts == 0" st
'

test_expect_success 'the dashboard feed got every visit and new customer' '
	n=0 &&
	until test "$(grep -c "^event: visit" "$TEST_DIR/stream")" -ge \
		"$(expected_total)" || test $n -gt 50; do
		n=$((n + 1))
		sleep 0.1
	done &&
	test "$(grep -c "^event: visit" "$TEST_DIR/stream")" = "$(expected_total)" &&
	test "$(grep -c "^event: customer" "$TEST_DIR/stream")" = 5 &&
	sed -n "s/^data: //p" "$TEST_DIR/stream" |
		jq -e -s "map(select(.type == \"visit\") | .source) | unique
			  == [\"scenario\"]"
'

test_expect_success 'ft-recognize killed: restarted, nothing counted twice' '
	pgid=$(ft-schedule status | jq -r .pipeline_pid) &&
	rec=$(pgrep -g "$pgid" -x ft-recognize | head -1) &&
	test -n "$rec" &&
	kill -9 "$rec" &&
	schedule_wait 60 ".restarts >= 1 and .running == true" &&
	new=$(ft-schedule status | jq -r .pipeline_pid) &&
	test "$new" != "$pgid" &&
	frames=$(ft-schedule status | jq .frames) &&
	schedule_wait 120 ".frames > $frames + 100" &&
	test "$(ft-query stats --jq .total_customers)" = 5 &&
	test "$(ft-query visits | wc -l)" = "$(expected_total)"
'

test_expect_success 'stop ends the pipeline and its processes' '
	pgid=$(ft-schedule status | jq -r .pipeline_pid) &&
	ft-schedule stop &&
	ft-schedule status >st &&
	jq -e ".running == false" st &&
	group_gone "$pgid" &&
	test "$(ft-query stats --jq .total_customers)" = 5
'

test_done
