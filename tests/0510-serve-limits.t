#!/bin/sh
# ft-serve against careless and hostile clients: report periods bounded,
# concurrent reports each written whole, long work kept from taking every
# thread, connections limited per address, silent connections closed,
# a closed event stream's place freed at once, a FIFO in the web
# directory, and charts of the chat left nowhere on disk.
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

test_done
