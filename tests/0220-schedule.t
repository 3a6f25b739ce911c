#!/bin/sh
# ft-schedule: the supervisor runs a real pipeline that produces records
# over time (a shell loop replaying footage.jsonl, frame and visit records
# as ft-capture | ft-recognize would write them, into a last stage that
# finishes its record in hand on SIGTERM); the tests kill the pipeline and
# see it restarted with backoff, stop it and find nothing lost, and edit a
# real crontab (Debian's crontab -u, for a test user) with foreign lines
# that must stay untouched.
. "$(dirname "$0")/lib.sh"

FT_STATE_DIR=$TEST_DIR/state
FOOTAGE=$TEST_DIR/footage.jsonl
OUT=$TEST_DIR/pipeline-out.jsonl
export FT_STATE_DIR

# Four frames and a visit per pass, a pass every 0.2 s.
for i in 1 2 3 4; do
	echo "{\"type\":\"frame\",\"source\":\"cam0\",\"seq\":$i,\"ts\":\"2026-11-24T10:00:0$i.000Z\",\"path\":\"/f/$i.jpg\"}"
done >"$FOOTAGE"
echo '{"type":"visit","id":1,"customer":"c","source":"cam0","ts":"2026-11-24T10:00:04.000Z"}' >>"$FOOTAGE"

# The last stage ignores SIGTERM, passes lines on (keeping a copy) until
# its input ends, then writes one last visit: a stage that finishes its
# work before it exits, as ft-recognize does.
cat >"$TEST_DIR/last-stage" <<EOF
#!/bin/sh
trap '' TERM
while IFS= read -r line; do
	printf '%s\n' "\$line" >>'$OUT'
	printf '%s\n' "\$line"
done
echo '{"type":"visit","id":99,"customer":"c","source":"cam0","ts":"2026-11-24T10:00:09.000Z","last":true}' >>'$OUT'
echo '{"type":"visit","id":99,"customer":"c","source":"cam0","ts":"2026-11-24T10:00:09.000Z","last":true}'
EOF
chmod +x "$TEST_DIR/last-stage"
FT_PIPELINE="while :; do cat '$FOOTAGE'; sleep 0.2; done | '$TEST_DIR/last-stage'"
export FT_PIPELINE

# Supervisors left by a failed test are stopped at exit.
trap 'for p in $(cat "$TEST_DIR/sup.pids" 2>/dev/null); do
	kill -9 "$p" 2>/dev/null; done
	[ -n "${CRON_USER-}" ] && crontab -u "$CRON_USER" -r 2>/dev/null
	[ -n "${CRON_USER_MADE-}" ] && userdel facetrack-test 2>/dev/null
	_test_cleanup' EXIT

status() {
	ft-schedule status
}

field() {
	ft-schedule status | jq -r ".$1"
}

test_expect_success 'usage errors exit 2' '
	ft-schedule --help >out && test_grep "^usage: ft-schedule" out &&
	test_exit_status 2 ft-schedule 2>err &&
	test_grep "no command given" err &&
	test_exit_status 2 ft-schedule fly 2>err &&
	test_grep "unknown command .fly." err &&
	test_exit_status 2 ft-schedule stop --at 10:00 2>err &&
	test_grep "\-\-at is not an option of .stop." err &&
	test_exit_status 2 ft-schedule set --from 9:00 --to 18:00 2>err &&
	test_grep "bad --from: .9:00." err &&
	test_exit_status 2 ft-schedule set --from 09:00 --to 24:00 2>err &&
	test_exit_status 2 ft-schedule set --from 09:00 --to 09:00 2>err &&
	test_exit_status 2 ft-schedule set --from 09:00 2>err &&
	test_exit_status 2 ft-schedule set --from 09:00 --to 18:00 \
		--days mon-xyz 2>err &&
	test_grep "bad --days" err &&
	test_exit_status 2 ft-schedule clear everything 2>err &&
	test_exit_status 2 ft-schedule status extra 2>err
'

test_expect_success 'not running: status says so, stop is quiet' '
	status >st &&
	jq -e ".type == \"recognition\" and .running == false and
	       .pid == null and .frames == 0" st &&
	test_line_count = 1 st &&
	ft-schedule stop >out 2>err &&
	test_must_be_empty out && test_must_be_empty err
'

test_expect_success 'start runs the supervisor and the pipeline' '
	ft-schedule start >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	status >st &&
	jq -e ".running == true and (.pid | type) == \"number\" and
	       (.pipeline_pid | type) == \"number\" and .restarts == 0" st &&
	jq .pid st >>"$TEST_DIR/sup.pids" &&
	test "$(cat "$FT_STATE_DIR/recognition.pid")" = "$(jq .pid st)" &&
	kill -0 "$(jq .pid st)" && kill -0 "$(jq .pipeline_pid st)" &&
	test_grep "pipeline started" "$FT_STATE_DIR/recognition.log"
'

test_expect_success 'a second start leaves the running one alone' '
	pid=$(field pid) &&
	ft-schedule start 2>err && test_must_be_empty err &&
	test "$(field pid)" = "$pid" &&
	sleep 0.3 &&
	test "$(grep -c "recognition started" "$FT_STATE_DIR/recognition.log")" \
		= 1 &&
	test_grep_not "already running" "$FT_STATE_DIR/recognition.log"
'

test_expect_success 'frames and visits are counted from the pipeline' '
	schedule_wait 5 ".frames >= 8 and .visits >= 2" &&
	status >st &&
	jq -e ".last_frame | test(\"^2026-11-24T10:00:0[1-4].000Z$\")" st
'

test_expect_success 'a killed pipeline is restarted' '
	old=$(field pipeline_pid) &&
	frames=$(field frames) &&
	kill -9 -$old &&
	schedule_wait 5 ".restarts == 1 and .pipeline_pid != null and
		      .pipeline_pid != $old" &&
	group_gone $old &&
	schedule_wait 5 ".frames > $frames" &&
	test_grep "pipeline killed by signal 9" \
		"$FT_STATE_DIR/recognition.log" &&
	test_grep "restarting in 1.000 s" "$FT_STATE_DIR/recognition.log"
'

test_expect_success 'restarts back off when the pipeline keeps dying' '
	old=$(field pipeline_pid) &&
	kill -9 -$old &&
	sleep 0.3 &&
	test_grep "restarting in 2.000 s" "$FT_STATE_DIR/recognition.log" &&
	sleep 1.2 &&
	test "$(field pipeline_pid)" = null &&
	schedule_wait 3 ".restarts == 2 and .pipeline_pid != null"
'

test_expect_success 'one stage killed: the rest of the pipeline goes too' '
	pgid=$(field pipeline_pid) &&
	stage=$(pgrep -g $pgid -f last-stage | head -1) &&
	test -n "$stage" &&
	kill -9 $stage &&
	schedule_wait 5 ".restarts == 3 and .pipeline_pid != null" &&
	group_gone $pgid
'

test_expect_success 'stop: clean, and the last record is not lost' '
	pid=$(field pid) &&
	pgid=$(field pipeline_pid) &&
	ft-schedule stop >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	status >st &&
	jq -e ".running == false and .pid == null" st &&
	process_gone $pid && group_gone $pgid &&
	test ! -e "$FT_STATE_DIR/recognition.pid" &&
	tail -1 "$OUT" | jq -e ".last == true" &&
	visits=$(grep -c "\"type\":\"visit\"" "$OUT") &&
	frames=$(grep -c "\"type\":\"frame\"" "$OUT") &&
	test_grep "recognition stopped after $frames frames and $visits visits" \
		"$FT_STATE_DIR/recognition.log"
'

test_expect_success 'restart gives a new supervisor' '
	ft-schedule start &&
	old=$(field pid) && echo $old >>"$TEST_DIR/sup.pids" &&
	ft-schedule restart &&
	new=$(field pid) && echo $new >>"$TEST_DIR/sup.pids" &&
	test "$new" != "$old" && process_gone $old &&
	test "$(field running)" = true &&
	ft-schedule stop && test "$(field running)" = false
'

test_expect_success 'a supervisor killed outright is not taken as running' '
	ft-schedule start &&
	pid=$(field pid) && echo $pid >>"$TEST_DIR/sup.pids" &&
	pgid=$(field pipeline_pid) &&
	kill -9 $pid &&
	sleep 0.3 &&
	test "$(field running)" = false &&
	kill -9 -$pgid 2>/dev/null;
	ft-schedule start &&
	test "$(field running)" = true &&
	test "$(field pid)" != $pid &&
	field pid >>"$TEST_DIR/sup.pids" &&
	ft-schedule stop
'

test_expect_success 'run: the supervisor in the foreground ends on SIGTERM' '
	ft-schedule run 2>run.err &
	pid=$! &&
	echo $pid >>"$TEST_DIR/sup.pids" &&
	schedule_wait 5 ".running == true and .frames > 0" &&
	test "$(field pid)" = $pid &&
	kill -TERM $pid &&
	rc=0 && { wait $pid || rc=$?; } &&
	test $rc = 0 &&
	test_grep "recognition stopped after" run.err
'

test_expect_success 'a pipeline that cannot start is retried, not fatal' '
	FT_PIPELINE="exit 3" ft-schedule start &&
	field pid >>"$TEST_DIR/sup.pids" &&
	sleep 1.5 &&
	test_grep "pipeline exited with status 3" \
		"$FT_STATE_DIR/recognition.log" &&
	test "$(field running)" = true &&
	ft-schedule stop
'

# --- the crontab ---

if ! command -v crontab >/dev/null 2>&1; then
	test_skip 'crontab block' 'no crontab command (Debian package cron)'
	test_done
fi
if [ "$(id -u)" != 0 ]; then
	test_skip 'crontab block' 'needs root for a test user'"'"'s crontab'
	test_done
fi
if ! id facetrack-test >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
		facetrack-test && CRON_USER_MADE=1
fi
CRON_USER=facetrack-test
FT_CRONTAB="crontab -u $CRON_USER"
export FT_CRONTAB
crontab -u "$CRON_USER" -r 2>/dev/null
SELF=$(command -v ft-schedule)
REPORT=$(dirname "$SELF")/ft-report
ENROLL=$(dirname "$SELF")/ft-enroll

ct() {
	crontab -u "$CRON_USER" -l
}

test_expect_success 'no crontab: show prints nothing, clear is fine' '
	ft-schedule show >out && test_must_be_empty out &&
	ft-schedule clear && ft-schedule show >out &&
	test_must_be_empty out
'

cat >"$TEST_DIR/foreign" <<'EOF'
# the shop's own jobs
MAILTO=""
SHELL=/bin/sh

*/5 * * * * /usr/bin/true   # keep  this   spacing
@daily	/bin/echo tabbed
EOF

test_expect_success 'set writes one marked block; other lines untouched' '
	crontab -u "$CRON_USER" "$TEST_DIR/foreign" &&
	ft-schedule set --from 09:00 --to 18:00 --days mon-sat &&
	ct >now &&
	cat "$TEST_DIR/foreign" >want &&
	cat >>want <<-EOF &&
	# BEGIN FaceTrack schedule (written by ft-schedule; change it with ft-schedule)
	# window 09:00 18:00 mon-sat
	0 9 * * 1-6 '"'"'$SELF'"'"' start --in-window
	0 18 * * 1-6 '"'"'$SELF'"'"' stop
	@reboot '"'"'$SELF'"'"' start --in-window
	15 4 * * * '"'"'$ENROLL'"'"' purge >/dev/null
	# END FaceTrack schedule
	EOF
	test_cmp want now
'

test_expect_success 'report adds the nightly report to the same block' '
	ft-schedule report --at 23:30 &&
	ct >now &&
	test "$(grep -c "BEGIN FaceTrack" now)" = 1 &&
	test_grep "^# report 23:30$" now &&
	test_grep "^30 23 \* \* \* '"'"'$REPORT'"'"' --yesterday --email$" now &&
	ft-schedule show >shown &&
	sed -n "/^# BEGIN FaceTrack/,/^# END FaceTrack/p" now >block &&
	test_cmp block shown &&
	ft-schedule status >st &&
	jq -e ".window == {\"from\":\"09:00\",\"to\":\"18:00\",\"days\":\"mon-sat\"}
	       and .report == {\"at\":\"23:30\"}" st
'

test_expect_success 'a new window replaces the old one in place' '
	{ ct; echo "15 4 * * * /bin/echo after-block"; } >edited &&
	crontab -u "$CRON_USER" edited &&
	ft-schedule set --from 22:00 --to 06:00 --days fri-sun &&
	ct >now &&
	test "$(grep -c "BEGIN FaceTrack" now)" = 1 &&
	tail -1 now | grep -q after-block &&
	test_grep "^0 22 \* \* 0,5-6 .* start --in-window$" now &&
	test_grep "^0 6 \* \* 0-1,6 .* stop$" now &&
	test_grep "^# report 23:30$" now &&
	head -n "$(wc -l <"$TEST_DIR/foreign")" now >head &&
	test_cmp "$TEST_DIR/foreign" head
'

test_expect_success 'clear report, then clear window: the crontab as it was' '
	ft-schedule clear report &&
	ct >now && test_grep_not "report" now &&
	test_grep "^# window 22:00 06:00 fri-sun$" now &&
	ft-schedule clear window &&
	ct >now &&
	test_grep_not "FaceTrack" now &&
	{ cat "$TEST_DIR/foreign"; echo "15 4 * * * /bin/echo after-block"; } \
		>want &&
	test_cmp want now &&
	ft-schedule show >out && test_must_be_empty out
'

test_expect_success 'clear removes the whole block' '
	ft-schedule set --from 08:00 --to 20:00 &&
	ft-schedule report --at 01:15 &&
	ft-schedule clear &&
	ct >now && test_grep_not "FaceTrack" now
'

test_expect_success 'a block without its end line is refused, nothing changed' '
	{ cat "$TEST_DIR/foreign";
	  echo "# BEGIN FaceTrack schedule (written by ft-schedule; change it with ft-schedule)";
	  echo "0 9 * * * /bin/true"; } >broken &&
	crontab -u "$CRON_USER" broken &&
	test_exit_status 1 ft-schedule set --from 09:00 --to 17:00 2>err &&
	test_grep "ft-schedule: the crontab has a FaceTrack block without its end line" err &&
	ct >now && test_cmp broken now &&
	crontab -u "$CRON_USER" "$TEST_DIR/foreign"
'

test_expect_success 'a crontab that cannot be written: exit 1 with the reason' '
	test_exit_status 1 env FT_CRONTAB="crontab -u no-such-user-ft" \
		ft-schedule set --from 09:00 --to 17:00 2>err &&
	test_grep "^ft-schedule: cannot read the crontab" err
'

# HH:MM of now plus N minutes (TZ is UTC here).
hhmm() {
	date -u -d "@$(( $(date +%s) + $1 * 60 ))" +%H:%M
}

# The configuration a cron job sees: no environment of ours, so it is in
# the user's configuration file.
mkdir -p "$HOME/.config/facetrack"
cat >"$HOME/.config/facetrack/facetrack.conf" <<EOF
FT_PIPELINE="$FT_PIPELINE"
FT_STATE_DIR=$FT_STATE_DIR
FT_CRONTAB=$FT_CRONTAB
EOF

# cron_line WORD: the command of our crontab line ending in WORD, run as
# cron would run it (sh -c, a bare environment).
cron_line() {
	_cmd=$(ct | sed -n "/^# BEGIN FaceTrack/,/^# END FaceTrack/p" |
		grep -v "^#" | grep -v "^@" | grep " $1" | head -1 |
		cut -d" " -f6-)
	[ -n "$_cmd" ] || { echo "no crontab line for $1" >&3; return 1; }
	env -i HOME="$HOME" LOGNAME=root PATH=/usr/bin:/bin SHELL=/bin/sh \
		TZ=UTC /bin/sh -c "$_cmd"
}

test_expect_success 'the crontab lines start and stop recognition as cron would' '
	ft-schedule set --from "$(hhmm -1)" --to "$(hhmm 30)" &&
	cron_line "start --in-window" &&
	field pid >>"$TEST_DIR/sup.pids" &&
	status >st &&
	jq -e ".running == true and .until != null" st &&
	cron_line stop &&
	test "$(field running)" = false
'

test_expect_success 'the nightly purge line applies the retention as cron would' '
	mkdir cronpurge && (cd cronpurge && cron_line "purge >/dev/null" >out) &&
	test_must_be_empty cronpurge/out &&
	test "$(sqlite3 cronpurge/facetrack.db "SELECT count(*) FROM footfall")" = 0
'

test_expect_success 'start --in-window outside the window starts nothing' '
	ft-schedule set --from "$(hhmm 120)" --to "$(hhmm 180)" &&
	ft-schedule start --in-window >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	test "$(field running)" = false &&
	ft-schedule start &&
	field pid >>"$TEST_DIR/sup.pids" &&
	test "$(field running)" = true &&
	test "$(field until)" = null &&
	ft-schedule stop
'

test_expect_success 'started by hand inside the window, it stops at its end' '
	s=$(date +%S | sed "s/^0//") &&
	if [ "$s" -lt 45 ]; then n=1; else n=2; fi &&
	end=$(hhmm $n) &&
	until=$(date -u -d "@$(( $(date +%s) + n * 60 ))" \
		+%Y-%m-%dT%H:%M:00.000Z) &&
	ft-schedule set --from "$(hhmm -2)" --to "$end" &&
	ft-schedule start &&
	pid=$(field pid) && echo $pid >>"$TEST_DIR/sup.pids" &&
	test "$(field until)" = "$until" &&
	schedule_wait 140 ".running == false" &&
	process_gone $pid &&
	test_grep "the recognition window has ended" \
		"$FT_STATE_DIR/recognition.log"
'

test_expect_success 'the test user crontab is left as it was found' '
	ft-schedule clear &&
	ct >now &&
	test_cmp "$TEST_DIR/foreign" now
'

test_done
