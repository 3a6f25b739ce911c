#!/bin/sh
# The dashboard in headless Chromium (Debian's, driven by playwright-core
# from tests/browser): the API key asked once and a wrong one explained,
# KPI figures equal to ft-query stats, a visit recorded by another process
# (tests/helpers/visit-add) on screen within two seconds without a reload,
# a forgotten customer's visit gone from the open page,
# phone width, recognition started and stopped from Settings, a report
# mailed, the chat answering with a figure and a chart, and no console
# errors.  Screenshots of each page go
# to $FT_BUILD/screenshots.
. "$(dirname "$0")/lib.sh"

command -v node >/dev/null 2>&1 || skip_all "node is not installed"
[ -x /usr/bin/chromium ] || skip_all "no /usr/bin/chromium (Debian package chromium)"
[ -d "$SRCDIR/tests/browser/node_modules/playwright-core" ] ||
	skip_all "playwright-core is not installed (make check-build)"
[ -d "$SRCDIR/web/node_modules/chart.js" ] ||
	skip_all "chart.js is not installed (make web)"

KEY=browser-key-$$-0123456789
API_KEY_SECRET=$KEY
FT_STATE_DIR=$TEST_DIR/state
SHOTS=$FT_BUILD/screenshots
# A second key, a viewer's, whose pages show no controls.
VIEWER_KEY=browser-viewer-$$-0123456789
API_KEYS_FILE=$TEST_DIR/keys
(umask 077 && echo "wall viewer $VIEWER_KEY" >"$API_KEYS_FILE")
export API_KEY_SECRET FT_STATE_DIR API_KEYS_FILE VIEWER_KEY

# Recognition from Settings runs a pipeline replaying frame records.
for i in 1 2 3; do
	echo "{\"type\":\"frame\",\"source\":\"door\",\"seq\":$i,\"ts\":\"2026-11-24T10:00:0$i.000Z\",\"path\":\"/f/$i.jpg\"}"
done >"$TEST_DIR/footage.jsonl"
FT_PIPELINE="while :; do cat '$TEST_DIR/footage.jsonl'; sleep 0.2; done | grep --line-buffered frame"
export FT_PIPELINE

# The schedule form writes a real crontab: a test user's, as root.
CRON=0
FT_CRONTAB=false
if [ "$(id -u)" = 0 ] && command -v crontab >/dev/null 2>&1; then
	if ! id facetrack-test >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin \
			facetrack-test && CRON_USER_MADE=1
	fi
	if id facetrack-test >/dev/null 2>&1; then
		FT_CRONTAB="crontab -u facetrack-test"
		crontab -u facetrack-test -r 2>/dev/null
		CRON=1
	fi
fi
export FT_CRONTAB CRON

trap 'kill -9 $SERVE_PID 2>/dev/null
	ft-schedule stop 2>/dev/null
	[ "$CRON" = 1 ] && crontab -u facetrack-test -r 2>/dev/null
	[ -n "${CRON_USER_MADE-}" ] && userdel facetrack-test 2>/dev/null
	_test_cleanup' EXIT

VISIT_ADD=$FT_BUILD/tests/visit-add
test_expect_success 'setup: the visit helper, demo data, ft-serve' '
	test -x "$VISIT_ADD" &&
	seed_demo --customers 400 --visits 6000 --days 45 --seed 3 >/dev/null
'

# Reports from Settings are mailed through a real SMTP server on
# loopback; the chat is the offline engine (no API key).
smtp_start mail
MAILDIR=$TEST_DIR/mail
SMTP_SERVER=127.0.0.1 SMTP_PORT=$(cat "$TEST_DIR/mail.port") SMTP_TLS=none
ADMIN_EMAIL=owner@example.test
FT_REPORTS_DIR=$TEST_DIR/reports FT_PLOTS_DIR=$TEST_DIR/plots
export SMTP_SERVER SMTP_PORT SMTP_TLS ADMIN_EMAIL FT_REPORTS_DIR FT_PLOTS_DIR
export MAILDIR
unset OPENROUTER_API_KEY FT_LLM_API_KEY

# Real time for the browser and the server: the page shows times of day.
unset FT_NOW
ft-serve --listen 127.0.0.1:0 --web "$SRCDIR/web" 2>"$TEST_DIR/serve.err" &
SERVE_PID=$!
n=0
until grep -qs "listening on" "$TEST_DIR/serve.err"; do
	n=$((n + 1))
	[ $n -gt 100 ] && break
	sleep 0.1
done
BASE=$(sed -n 's|.*listening on \(http://[^ ]*\)$|\1|p' "$TEST_DIR/serve.err")
CUSTOMER=$(ft-query customers --sort visits --reverse --limit 1 | jq -r .id)
export BASE KEY SHOTS VISIT_ADD CUSTOMER
USER_DATA=$TEST_DIR/chromium-profile
export USER_DATA

test_expect_success 'the browser session runs' '
	test -n "$BASE" &&
	node "$SRCDIR/tests/browser/dashboard.mjs" >"$TEST_DIR/results" 2>&1;
	rc=$?; cat "$TEST_DIR/results"; test $rc = 0
'

for s in key-asked:"the API key is asked for" \
	 key-wrong-message:"a wrong key gets a clear message" \
	 kpis-equal-ft-query:"KPI cards show ft-query stats" \
	 charts-drawn:"trend and top visitors charts are drawn" \
	 key-kept-after-reload:"the key is kept in the browser" \
	 live-visit-within-2s:"another process's visit shows within 2 s" \
	 forgotten-leaves-page:"a forgotten customer leaves the open page" \
	 dashboard-screenshot:"a screenshot of the dashboard" \
	 phone-width:"the dashboard fits a phone" \
	 settings-start-stop:"Settings starts and stops recognition" \
	 settings-cameras:"Settings edits the cameras, one pipeline each" \
	 settings-schedule:"Settings writes the schedule window" \
	 settings-report-message:"a report from Settings is mailed" \
	 chat-answers:"the chat answers with a figure and a chart" \
	 viewer-sees-no-controls:"a viewer's key shows no controls" \
	 wrong-keys-refused:"after ten wrong keys the dialog says why" \
	 no-console-errors:"no console errors"; do
	name=${s%%:*}
	test_expect_success "${s#*:}" "
		grep -q '^ok $name\$' \"\$TEST_DIR/results\" ||
		{ grep '^not ok $name' \"\$TEST_DIR/results\" >&3; false; }
	"
done

test_expect_success 'screenshots are saved' '
	for f in dashboard dashboard-phone settings settings-cameras chat \
		key-wrong; do
		test -s "$SHOTS/$f.png" || { echo "no $f.png" >&3; exit 1; }
	done
'

test_done
