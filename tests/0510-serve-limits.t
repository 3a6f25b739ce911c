#!/bin/sh
# ft-serve against careless and hostile clients: report periods bounded,
# concurrent reports each written whole, long work kept from taking every
# thread, connections limited per address, silent connections closed,
# a closed event stream's place freed at once, a FIFO in the web
# directory, charts of the chat left nowhere on disk; named API keys
# with roles enforced on every route, weak keys and careless keys files
# refused, wrong keys logged and slowed down; a SQLite store that is
# missing refused by every program that only reads, and one removed or
# replaced under a running server refused until it is restarted.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
command -v perl >/dev/null 2>&1 || skip_all "perl is not installed"

KEY=k3y-0510-$$-limits
API_KEY_SECRET=$KEY
FT_STATE_DIR=$TEST_DIR/state
FT_CRONTAB=false
FT_REPORTS_DIR=$TEST_DIR/reports
FT_PLOTS_DIR=$TEST_DIR/plots
export API_KEY_SECRET FT_STATE_DIR FT_CRONTAB FT_REPORTS_DIR FT_PLOTS_DIR
unset OPENROUTER_API_KEY FT_LLM_API_KEY
j="Content-Type: application/json"

mkdir -p "$TEST_DIR/web"
echo '<p>dashboard</p>' >"$TEST_DIR/web/index.html"

# hold N FROM REQUEST-TEXT SECONDS: N connections to the server from the
# local address FROM, each sending REQUEST-TEXT (an unfinished request)
# and staying open for SECONDS; prints "ready" once all are open, then,
# at the end, how many the server had closed ("closed N").
hold() {
	perl -MIO::Socket::INET -e '
		my ($port, $n, $from, $text, $secs) = @ARGV;
		$text =~ s/\\r\\n/\r\n/g;
		my @s;
		for (1 .. $n) {
			my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
				PeerPort => $port, LocalAddr => $from)
				or die "connect: $!";
			print $s $text;
			push @s, $s;
		}
		$| = 1;
		print "ready\n";
		sleep $secs;
		my $closed = 0;
		for my $s (@s) {
			$s->blocking(0);
			my $r = sysread($s, my $buf, 1);
			$closed++ if defined $r && $r == 0;
		}
		print "closed $closed\n";
	' "${BASE##*:}" "$@"
}

now_ms() {
	date +%s%3N
}

# wait_for FILE PATTERN: until grep finds PATTERN in FILE (5 s at most).
wait_for() {
	_n=100
	until grep -q -- "$2" "$1" 2>/dev/null; do
		_n=$((_n - 1))
		test "$_n" -gt 0 || { echo "no '$2' in $1" >&3; return 1; }
		sleep 0.05
	done
}

use_store sqlite
seed_demo --customers 200 --visits 6000 --days 60 --seed 5 >/dev/null

serve_start --web "$TEST_DIR/web" --threads 4 --max-busy 4 ||
	test_expect_success 'ft-serve starts' 'false'

test_expect_success 'reports: a period longer than a year is refused' '
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"0001-01-01\",\"to\":\"9999-12-31\"}") = 400 &&
	test_grep "366 days at most" out &&
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"2025-01-01\",\"to\":\"2026-01-02\"}") = 400 &&
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"2024-01-01\",\"to\":\"2024-12-31\"}") = 200
'

test_expect_success 'reports: four identical requests at once all succeed' '
	body="{\"from\":\"2026-09-01\",\"to\":\"2026-11-30\"}" &&
	for i in 1 2 3 4; do
		http out$i /api/reports -X POST -H "$j" -d "$body" \
			>status$i &
	done &&
	wait &&
	cat status1 status2 status3 status4 >all &&
	test "$(cat all)" = 200200200200 &&
	f=$(jq -r .file out1) &&
	rows=$(jq -r .rows out1) &&
	test $(($(wc -l <"$FT_REPORTS_DIR/$f") - 1)) = "$rows" &&
	ls -A "$FT_REPORTS_DIR" >files &&
	test_grep_not "tmp" files
'

test_expect_success 'a FIFO in the web directory: 404 at once, clean stop' '
	mkfifo "$TEST_DIR/web/pipe.html" &&
	test "$(curl -s -o out -w "%{http_code}" --max-time 5 \
		"$BASE/pipe.html")" = 404 &&
	t0=$(now_ms) &&
	serve_stop &&
	test $(($(now_ms) - t0)) -lt 4000
'

test_expect_success 'chat: charts sent inline leave no file behind' '
	serve_start --web "$TEST_DIR/web" &&
	for q in "chart visits per day this month" \
		 "chart the best 3 customers last week"; do
		test $(http out /api/chat -X POST -H "$j" \
			-d "{\"question\":\"$q\"}") = 200 &&
		jq -e ".charts | length >= 1" out >/dev/null || return 1
	done &&
	{ test ! -d "$FT_PLOTS_DIR" || test -z "$(ls -A "$FT_PLOTS_DIR")"; }
'
serve_stop

# A chat question that waits on a slow model takes the only place for
# long work; figures are still answered.
echo '{"delay": 3, "content": "slowly"}' >"$TEST_DIR/llm.script"
llm_start
OPENROUTER_API_KEY=sk-test-0510 \
FT_LLM_URL=http://127.0.0.1:$(cat "$TEST_DIR/llm.port")/v1 \
	serve_start --web "$TEST_DIR/web" --threads 2 --max-busy 1 ||
	test_expect_success 'ft-serve starts' 'false'

test_expect_success 'long work: one at a time with --max-busy 1' '
	http slow /api/chat -X POST -H "$j" \
		-d "{\"question\":\"how many customers?\"}" >slow.status &
	sleep 0.5 &&
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"2026-11-01\",\"to\":\"2026-11-02\"}") = 503 &&
	test_grep -i "^retry-after: 5" out.h &&
	test_grep "busy" out &&
	t0=$(now_ms) &&
	test $(http out /api/stats) = 200 &&
	test $(($(now_ms) - t0)) -lt 1000 &&
	wait &&
	test "$(cat slow.status)" = 200
'
serve_stop
unset OPENROUTER_API_KEY FT_LLM_URL

serve_start --web "$TEST_DIR/web" --max-clients 50 --max-per-address 20 \
	--idle-timeout 2 ||
	test_expect_success 'ft-serve starts' 'false'

test_expect_success 'sixty silent connections of one address leave room' '
	hold 60 127.0.0.2 "GET /api/stats HTTP/1.1\r\nHost: x\r\n" 1 \
		>held 2>held.err &
	wait_for held ready &&
	t0=$(now_ms) &&
	test $(http out /api/stats --max-time 5) = 200 &&
	test $(($(now_ms) - t0)) -lt 2000 &&
	wait
'

test_expect_success 'a connection that never finishes its request is closed' '
	hold 3 127.0.0.3 "GET / HTTP/1.1\r\nHost: x\r\n" 4 >held &&
	test_grep "^closed 3$" held &&
	hold 2 127.0.0.3 "GET / HTTP/1.1\r\nHost: x\r\n" 1 >held &&
	test_grep "^closed 0$" held
'
serve_stop

serve_start --web "$TEST_DIR/web" --max-clients 2 --max-per-address 0 ||
	test_expect_success 'ft-serve starts' 'false'

test_expect_success 'a closed event stream frees its place at once' '
	curl -sN -H "X-API-Key: $KEY" "$BASE/api/events" >ev1 &
	pid=$! &&
	wait_for ev1 "facetrack events" &&
	kill $pid && { wait $pid 2>/dev/null || :; } &&
	sleep 0.5 &&
	curl -sN -H "X-API-Key: $KEY" "$BASE/api/events" >ev2 &
	pid=$! &&
	wait_for ev2 "facetrack events" &&
	test $(http out /api/stats --max-time 3) = 200 &&
	kill $pid && { wait $pid 2>/dev/null || :; }
'
serve_stop

# --- API keys and roles ---

VIEWER=view-$$-0123456789
OPERATOR=oper-$$-0123456789
BOSS=boss-$$-0123456789
umask 077
{
	echo "# name role secret"
	echo "wall viewer $VIEWER"
	echo ""
	echo "desk	operator	$OPERATOR"
	echo "boss admin $BOSS"
} >"$TEST_DIR/keys"

# as SECRET OUT METHOD PATH [CURL-ARGS]: the status of a request with
# SECRET as the key.
as() {
	_k=$1 _out=$2 _m=$3 _p=$4
	shift 4
	curl -sS -o "$_out" -D "$_out.h" -w '%{http_code}' -X "$_m" \
		-H "X-API-Key: $_k" "$@" "$BASE$_p"
}

test_expect_success 'weak keys are refused at start, by name' '
	test_exit_status 1 env API_KEY_SECRET=x ft-serve \
		--listen 127.0.0.1:0 2>err &&
	test_grep "API key .admin. is too weak" err &&
	test_grep_not " x " err &&
	test_exit_status 1 env API_KEY_SECRET=aaaaaaaaaaaaaaaaaaaa ft-serve \
		--listen 127.0.0.1:0 2>err &&
	test_grep "too plain" err &&
	printf "wall viewer short1\n" >weak &&
	test_exit_status 1 env API_KEYS_FILE=weak ft-serve \
		--listen 127.0.0.1:0 2>err &&
	test_grep "weak:1: API key .wall. is too weak" err &&
	test_grep_not short1 err
'

test_expect_success 'a careless keys file is refused' '
	cp "$TEST_DIR/keys" k644 && chmod 644 k644 &&
	test_exit_status 1 env API_KEYS_FILE=k644 ft-serve \
		--listen 127.0.0.1:0 2>err &&
	test_grep "readable by others" err &&
	cp "$TEST_DIR/keys" k620 && chmod 620 k620 &&
	test_exit_status 1 env API_KEYS_FILE=k620 ft-serve \
		--listen 127.0.0.1:0 2>err &&
	test_grep "writable by others" err &&
	printf "wall reader %s\n" "$VIEWER" >kr &&
	test_exit_status 1 env API_KEYS_FILE=kr ft-serve \
		--listen 127.0.0.1:0 2>err &&
	test_grep "kr:1: unknown role .reader." err &&
	printf "a viewer %s\na admin %s\n" "$VIEWER" "$BOSS" >kd &&
	test_exit_status 1 env API_KEYS_FILE=kd ft-serve \
		--listen 127.0.0.1:0 2>err &&
	test_grep "kd:2: API key .a. is named twice" err &&
	test_exit_status 1 env -u API_KEY_SECRET API_KEYS_FILE=nowhere \
		ft-serve --listen 127.0.0.1:0 2>err &&
	test_grep "cannot read API keys file .nowhere." err
'

ID=$(ft-query customers --sort name --limit 1 | jq -r .id)
API_KEYS_FILE=$TEST_DIR/keys serve_start --web "$TEST_DIR/web" ||
	test_expect_success 'ft-serve starts' 'false'

test_expect_success 'whoami names the key and its role' '
	test $(as "$VIEWER" out GET /api/whoami) = 200 &&
	jq -e ".name == \"wall\" and .role == \"viewer\"" out &&
	test $(as "$OPERATOR" out GET /api/whoami) = 200 &&
	jq -e ".name == \"desk\" and .role == \"operator\"" out &&
	test $(as "$KEY" out GET /api/whoami) = 200 &&
	jq -e ".name == \"admin\" and .role == \"admin\"" out
'

test_expect_success 'a viewer reads and asks, and changes nothing' '
	test $(as "$VIEWER" out GET /api/stats) = 200 &&
	test $(as "$VIEWER" out GET "/api/customers/$ID") = 200 &&
	test $(as "$VIEWER" out POST /api/chat -H "$j" \
		-d "{\"question\":\"how many customers?\"}") = 200 &&
	test $(as "$VIEWER" out POST /api/recognition -H "$j" \
		-d "{\"action\":\"start\"}") = 403 &&
	test_grep "the API key .wall. is a viewer.s; this needs the operator" \
		out &&
	test ! -e "$FT_STATE_DIR/pid" &&
	test $(as "$VIEWER" out POST /api/reports -H "$j" \
		-d "{\"from\":\"2026-11-01\",\"to\":\"2026-11-02\"}") = 403 &&
	test $(as "$VIEWER" out PATCH "/api/customers/$ID" -H "$j" \
		-d "{\"notes\":\"viewer was here\"}") = 403 &&
	test $(as "$VIEWER" out GET "/api/customers/$ID/export") = 403 &&
	ft-query customer "$ID" | head -1 >c &&
	test_grep_not "viewer was here" c
'

test_expect_success 'the cameras are read by a viewer, changed by an admin' '
	test $(as "$VIEWER" out GET /api/cameras) = 200 &&
	jq -e ".type == \"cameras\"" out &&
	for k in "$VIEWER" "$OPERATOR"; do
		test $(as "$k" out PUT /api/cameras -H "$j" -d "{\"cameras\":
			[{\"name\":\"x\",\"source\":\"/dev/video9\"}]}") \
			= 403 &&
		test $(as "$k" out DELETE /api/cameras) = 403 || return 1
	done &&
	test ! -e "$FT_STATE_DIR/cameras" &&
	test $(as "$KEY" out PUT /api/cameras -H "$j" -d "{\"cameras\":
		[{\"name\":\"x\",\"source\":\"/dev/video9\"}]}") = 200 &&
	test -e "$FT_STATE_DIR/cameras" &&
	test $(as "$KEY" out DELETE /api/cameras) = 200 &&
	test ! -e "$FT_STATE_DIR/cameras"
'

test_expect_success 'routes yet to come are an admin.s unless read' '
	for m in POST PUT DELETE PATCH; do
		test $(as "$OPERATOR" out $m "/api/customers/$ID/split") \
			= 403 || return 1
		test $(as "$VIEWER" out $m /api/future) = 403 || return 1
	done &&
	test $(as "$VIEWER" out POST /api/search -H "$j" -d "{}") = 415 &&
	test $(as "$BOSS" out DELETE /api/future) = 404
'

test_expect_success 'an operator makes reports, not changes' '
	test $(as "$OPERATOR" out POST /api/reports -H "$j" \
		-d "{\"from\":\"2026-11-01\",\"to\":\"2026-11-02\"}") = 200 &&
	test $(as "$OPERATOR" out POST /api/recognition -H "$j" \
		-d "{\"action\":\"stop\"}") = 200 &&
	test $(as "$OPERATOR" out POST /api/recognition -H "$j" \
		-d "{\"action\":\"unschedule\"}") = 403 &&
	test_grep "its schedule needs the admin role" out &&
	test $(as "$OPERATOR" out PATCH "/api/customers/$ID" -H "$j" \
		-d "{\"notes\":\"operator was here\"}") = 403 &&
	test_grep "needs the admin role" out &&
	test $(as "$OPERATOR" out GET "/api/customers/$ID/export") = 403
'

test_expect_success 'an admin changes, audited under the key.s name' '
	test $(as "$BOSS" out PATCH "/api/customers/$ID" -H "$j" \
		-d "{\"notes\":\"checked\"}") = 200 &&
	ft-query audit --customer "$ID" --reverse --limit 1 >a &&
	jq -e ".actor == \"boss\" and .action == \"update\"" a &&
	test $(as "$KEY" out PATCH "/api/customers/$ID" -H "$j" \
		-d "{\"notes\":\"again\"}") = 200 &&
	ft-query audit --customer "$ID" --reverse --limit 1 >a &&
	jq -e ".actor == \"admin\"" a &&
	test $(as "$BOSS" out GET "/api/customers/$ID/export") = 200
'

test_expect_success 'wrong keys: logged without the key, then refused' '
	for i in 1 2 3 4 5 6 7 8 9 10; do
		test $(as "guess-$i-abcdefghijkl" out GET /api/stats \
			--interface 127.0.0.4) = 401 || return 1
	done &&
	test $(as "$VIEWER" out GET /api/stats --interface 127.0.0.4) = 429 &&
	test_grep -i "^retry-after: [0-9]" out.h &&
	test_grep "too many wrong API keys" out &&
	test $(as "$VIEWER" out GET /api/stats) = 200 &&
	test_grep "wrong API key from 127.0.0.4 at 20[0-9-]*T" \
		"$TEST_DIR/serve.err" &&
	test_grep "(10 in a row)" "$TEST_DIR/serve.err" &&
	test_grep_not "guess-" "$TEST_DIR/serve.err"
'
serve_stop

# --- a store that is not there, or not the one opened ---

test_expect_success 'readers refuse a SQLite store that does not exist' '
	for p in "ft-query stats" "ft-report --yesterday" \
		 "ft-chat -e how-many-customers"; do
		test_exit_status 1 $p --db sqlite:typo.db >out 2>err &&
		test_grep "SQLite store .typo.db. does not exist" err &&
		test_must_be_empty out &&
		test ! -e typo.db || return 1
	done &&
	test_exit_status 1 ft-serve --listen 127.0.0.1:0 \
		--db sqlite:typo.db 2>err &&
	test_grep "^ft-serve: SQLite store .typo.db. does not exist" err &&
	test ! -e typo.db &&
	ft-enroll --db sqlite:typo.db add --name Ann >out &&
	test "$(ft-query stats --db sqlite:typo.db --jq .total_customers)" = 1
'

# Copies of a store in WAL mode are made with its own backup.
sqlite3 "$STORE_FILE" ".backup '$TEST_DIR/a.db'"
seed_demo --customers 3 --visits 3 --days 2 --seed 9 >/dev/null
FT_DB=sqlite:$TEST_DIR/a.db
serve_start --web "$TEST_DIR/web" ||
	test_expect_success 'ft-serve starts' 'false'

# stats_until STATUS: /api/stats answers STATUS within two seconds.
stats_until() {
	_n=40
	until test "$(http out /api/stats)" = "$1"; do
		_n=$((_n - 1))
		test "$_n" -gt 0 || { cat out >&3; return 1; }
		sleep 0.05
	done
}

test_expect_success 'a store file replaced under the server is refused' '
	stats_until 200 &&
	jq -e ".total_customers == 200" out &&
	sqlite3 "$STORE_FILE" ".backup '"'"'$TEST_DIR/b.db'"'"'" &&
	mv "$TEST_DIR/b.db" "$TEST_DIR/a.db" &&
	stats_until 503 &&
	test_grep "removed or replaced while the server ran; restart" out &&
	test_grep "store.s file was removed or replaced" \
		"$TEST_DIR/serve.err" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" "$BASE/")" = 200
'
serve_stop

serve_start --web "$TEST_DIR/web" ||
	test_expect_success 'ft-serve starts again' 'false'

test_expect_success 'after a restart it reads the new one' '
	stats_until 200 &&
	jq -e ".total_customers == 203" out
'

test_expect_success 'a store file removed under the server is refused' '
	rm "$TEST_DIR/a.db" &&
	stats_until 503 &&
	test_grep "restart ft-serve" out
'
serve_stop

test_done
