#!/bin/sh
# ft-schedule with several cameras (FT_SOURCES): one pipeline for each,
# started with its FT_CAMERA and FT_CAMERA_NAME, each replaying footage
# of a different person (scripts/make-footage photos, from the
# development data or the fallback set) into one store.  Both sources'
# visits reach the store; the status names each pipeline; a pipeline
# killed is restarted on its own while the other runs on; stop ends
# them all; a malformed FT_SOURCES is refused.  The cameras of the
# settings (ft-schedule cameras set, as the settings page does) take the
# place of FT_SOURCES, each with its own frames.
. "$(dirname "$0")/lib.sh"

command -v ffmpeg >/dev/null || skip_all "ffmpeg is missing"
ft-recognize --models >/dev/null 2>&1 || skip_all "no face models (make models)"
face_data
face_two_people

FT_STATE_DIR=$TEST_DIR/state
export FT_STATE_DIR
use_store sqlite
trap 'ft-schedule stop >/dev/null 2>&1; _test_cleanup' EXIT

# A file source ends: its pipeline is restarted, and the replay, with
# the same times, adds nothing.
FT_PIPELINE='ft-capture --start-time 2026-11-24T09:00:00Z --name "$FT_CAMERA_NAME" "$FT_CAMERA" | ft-recognize'
export FT_PIPELINE

test_expect_success 'footage of one person for each of two cameras' '
	"$SRCDIR/scripts/make-footage" photos "$TEST_DIR/door" \
		"$(face_photo "$A" 1)" &&
	"$SRCDIR/scripts/make-footage" photos "$TEST_DIR/till" \
		"$(face_photo "$B" 1)" &&
	test -s "$TEST_DIR/door/photos.mp4" &&
	test -s "$TEST_DIR/till/photos.mp4"
'

test_expect_success 'a malformed FT_SOURCES is refused' '
	rc=0 &&
	FT_SOURCES="door=$TEST_DIR/a b@d=x" ft-schedule start 2>err ||
		rc=$? &&
	test "$rc" = 1 &&
	grep -q "FT_SOURCES: bad entry .b@d." err &&
	rc=0 &&
	FT_SOURCES="a=/dev/null a=/dev/zero" ft-schedule start 2>err ||
		rc=$? &&
	test "$rc" = 1 &&
	grep -q "FT_SOURCES: two cameras named .a." err &&
	ft-schedule status | jq -e ".running == false"
'

FT_SOURCES="door=$TEST_DIR/door/photos.mp4
	till=$TEST_DIR/till/photos.mp4"
export FT_SOURCES

test_expect_success 'start: a pipeline for each source' '
	ft-schedule start &&
	ft-schedule status >st &&
	jq -e "[.sources[].name] == [\"door\", \"till\"]" st &&
	jq -e "[.sources[].pipeline_pid] | unique | length == 2" st &&
	jq -e ".pipeline_pid == .sources[0].pipeline_pid" st
'

test_expect_success 'both sources visits reach the store' '
	schedule_wait 240 ".visits >= 4" &&
	ft-query visits >visits &&
	jq -s -e "map(.source) | unique == [\"door\", \"till\"]" visits &&
	test "$(jq -s "map(select(.source == \"door\")) | length" visits)" = 2 &&
	test "$(jq -s "map(select(.source == \"till\")) | length" visits)" = 2 &&
	test "$(ft-query stats --jq .total_customers)" = 2 &&
	test "$(jq -s "map(.customer) | unique | length" visits)" = 2
'

test_expect_success 'one pipeline ends: it alone is restarted' '
	schedule_wait 60 ".sources | all(.pipeline_pid != null)" &&
	ft-schedule status >before &&
	door=$(jq -r ".sources[0].restarts" before) &&
	till=$(jq -r ".sources[1].restarts" before) &&
	schedule_wait 60 ".sources[0].restarts > $door or
			 .sources[1].restarts > $till" &&
	grep -q "pipeline of .door. started" "$FT_STATE_DIR/recognition.log" &&
	grep -q "pipeline of .till. started" "$FT_STATE_DIR/recognition.log" &&
	test "$(ft-query visits | wc -l)" = 4
'

test_expect_success 'stop ends every pipeline' '
	ft-schedule status >st &&
	ft-schedule stop &&
	for g in $(jq -r ".sources[].pipeline_pid // empty" st); do
		group_gone "$g" || return 1
	done &&
	ft-schedule status | jq -e ".running == false and .sources == []"
'

test_expect_success 'the cameras of the settings replace FT_SOURCES' '
	ft-schedule cameras set "solo=$TEST_DIR/till/photos.mp4" &&
	ft-schedule cameras >cams &&
	jq -e ".from == \"settings\" and [.cameras[].name] == [\"solo\"]" \
		cams &&
	ft-schedule start &&
	ft-schedule status >st &&
	jq -e "[.sources[].name] == [\"solo\"]" st &&
	schedule_wait 120 ".sources[0].frames > 0 and
			  (.sources[0].last_frame | type) == \"string\"" &&
	grep -q "1 camera of settings" "$FT_STATE_DIR/recognition.log" &&
	ft-schedule stop
'

test_expect_success 'a camera changed while running waits for a restart' '
	ft-schedule start &&
	ft-schedule cameras set solo "door=$TEST_DIR/door/photos.mp4" 2>err &&
	test_grep "restart" err &&
	ft-schedule status | jq -e "[.sources[].name] == [\"solo\"]" &&
	ft-schedule restart &&
	ft-schedule status |
		jq -e "[.sources[].name] == [\"solo\", \"door\"]" &&
	ft-schedule stop
'

test_expect_success 'cameras reset: FT_SOURCES again' '
	ft-schedule cameras reset &&
	test ! -e "$FT_STATE_DIR/cameras" &&
	ft-schedule cameras | jq -e ".from == \"FT_SOURCES\" and
		[.cameras[].name] == [\"door\", \"till\"]"
'

test_expect_success 'a malformed file of cameras is refused' '
	printf "x=/dev/null\nb@d=1\n" >"$FT_STATE_DIR/cameras" &&
	rc=0 && ft-schedule start 2>err || rc=$? &&
	test "$rc" = 1 &&
	test_grep "cameras: bad entry .b@d." err &&
	ft-schedule status | jq -e ".running == false" &&
	ft-schedule cameras reset
'

test_done
