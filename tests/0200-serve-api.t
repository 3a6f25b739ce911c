#!/bin/sh
# ft-serve's HTTP API with curl: the key on every route, each read route
# against ft-query, bad parameters and bodies, size caps, static paths
# that try to leave the web directory, server-sent events of visits that
# another process records (tests/helpers/visit-add, built by make check,
# calls ft_store_visit_add as a recogniser does), recognition control, and
# a clean stop on SIGTERM with streams open.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"

KEY=k3y-0200-$$-0123456789
API_KEY_SECRET=$KEY
# Recognition control acts on files of this test only, and no crontab
# of this machine is read or written ("false" stands for crontab).
FT_STATE_DIR=$TEST_DIR/state
FT_CRONTAB=false
export API_KEY_SECRET FT_STATE_DIR FT_CRONTAB

# bare OUT PATH [CURL-ARGS]: the same without the key.
bare() {
	_out=$1 _path=$2
	shift 2
	curl -sS --path-as-is -o "$_out" -D "$_out.h" -w '%{http_code}' \
		"$@" "$BASE$_path"
}

# is_error FILE STATUS: FILE is a JSON error record of that status with a
# message.
is_error() {
	jq -e --argjson s "$2" '.type == "error" and .status == $s and
		(.message | type == "string" and length > 0)' "$1" >/dev/null ||
		{ echo "not an error record of status $2:" >&3; cat "$1" >&3;
		  return 1; }
}

# wait_for FILE PATTERN [SECONDS]: until grep finds PATTERN in FILE.
wait_for() {
	_n=$(( ${3:-5} * 20 ))
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		_n=$((_n - 1))
		if [ "$_n" -le 0 ]; then
			echo "wait_for: no '$2' in '$1':" >&3
			cat "$1" >&3 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
}

# until_stats JQ-EXPR: /api/stats satisfies EXPR within two seconds (the
# time the dashboard has to show a change).
until_stats() {
	_n=40
	while :; do
		test "$(http "$TEST_DIR/stats" /api/stats)" = 200 &&
			jq -e "$1" "$TEST_DIR/stats" >/dev/null && return 0
		_n=$((_n - 1))
		if [ "$_n" -le 0 ]; then
			echo "until_stats: not $1 after 2 s:" >&3
			cat "$TEST_DIR/stats" >&3
			return 1
		fi
		sleep 0.05
	done
}

# stop_client PID: end a curl started in the background.
stop_client() {
	kill "$1" 2>/dev/null || :
	wait "$1" 2>/dev/null || :
}

VISIT_ADD=$FT_BUILD/tests/visit-add

test_expect_success 'the visit helper is built (make check-build)' '
	test -x "$VISIT_ADD"
'

test_expect_success 'usage: --help, --version, a bad option' '
	ft-serve --help >out &&
	test_grep "^usage: ft-serve" out &&
	ft-serve --version >out &&
	test_grep "^ft-serve [0-9]" out &&
	test_exit_status 2 ft-serve --bogus 2>err &&
	test_grep "^usage: ft-serve" err &&
	test_exit_status 2 ft-serve --threads 0 2>err &&
	test_grep "ft-serve: bad --threads" err
'

test_expect_success 'no API key set: refuses to start' '
	test_exit_status 1 env -u API_KEY_SECRET ft-serve \
		--listen 127.0.0.1:0 2>err &&
	test_grep "ft-serve: API_KEY_SECRET is not set" err
'

test_expect_success 'a bad or busy address is reported' '
	test_exit_status 1 ft-serve --listen nonsense 2>err &&
	test_grep "ft-serve: bad listen address .nonsense." err &&
	port=$(unused_port)
	perl -MIO::Socket::INET -e "
		my \$s = IO::Socket::INET->new(LocalAddr => q(127.0.0.1),
			LocalPort => $port, Listen => 1, ReuseAddr => 1) or die;
		sleep 5" &
	holder=$!
	sleep 0.5 &&
	rc=0 &&
	test_exit_status 1 ft-serve --listen 127.0.0.1:$port 2>err ||
		rc=$? ;
	stop_client $holder &&
	test $rc = 0 &&
	test_grep "cannot listen on .127.0.0.1:$port.: Address already in use" err
'

test_expect_success 'an unreachable store: exit 75, no password shown' '
	port=$(unused_port) &&
	test_exit_status 75 ft-serve --listen 127.0.0.1:0 \
		--db "mysql://ft:hunter2secret@127.0.0.1:$port/nowhere" 2>err &&
	test_grep "^ft-serve: " err &&
	test_grep_not hunter2secret err
'

# A web directory of our own, with a file outside it that a symbolic
# link points at: neither the link nor ".." may reach it.
mkdir -p "$TEST_DIR/web/css" "$TEST_DIR/web/sub"
echo '<p>dashboard</p>' >"$TEST_DIR/web/index.html"
echo 'body{}' >"$TEST_DIR/web/css/app.css"
echo 'inner' >"$TEST_DIR/web/sub/index.html"
echo 'hidden' >"$TEST_DIR/web/.secret"
echo 'SECRET-OUTSIDE' >"$TEST_DIR/outside.txt"
ln -s "$TEST_DIR/outside.txt" "$TEST_DIR/web/escape.txt"
ln -s "$TEST_DIR" "$TEST_DIR/web/up"

for store in $(test_stores); do
	use_store "$store"
	seed_demo --customers 60 --visits 500 --days 20 --seed 7 >/dev/null
	ID=$(ft-query customers --sort name --limit 1 | jq -r .id)
	serve_start --web "$TEST_DIR/web" ||
		test_expect_success "$store: ft-serve starts" 'false'

	test_expect_success "$store: no key, a wrong key: 401 with a message" '
		test $(bare out /api/stats) = 401 &&
		is_error out 401 &&
		test_grep -i "^www-authenticate: Bearer" out.h &&
		test_grep "missing API key" out &&
		test $(bare out /api/stats -H "Authorization: Bearer nope") \
			= 401 &&
		is_error out 401 &&
		test_grep "wrong API key" out &&
		test $(bare out /api/stats -H "X-API-Key: ${KEY}x") = 401 &&
		test $(bare out /api/stats -H "X-API-Key: ${KEY%?}") = 401 &&
		test $(bare out /api/stats -H "Authorization: Basic $KEY") \
			= 401 &&
		test_grep_not "total_customers" out
	'

	test_expect_success "$store: the right key, as Bearer or X-API-Key" '
		test $(bare out /api/stats -H "Authorization: Bearer $KEY") \
			= 200 &&
		jq -e ".type == \"stat\"" out >/dev/null &&
		test $(bare out /api/stats -H "X-API-Key: $KEY") = 200 &&
		jq -e ".type == \"stat\"" out >/dev/null &&
		test_grep -i "^content-type: application/json" out.h
	'

	test_expect_success "$store: every /api route wants the key" '
		for r in stats trend top customers "customers/$ID" visits \
			 events recognition cameras chat reports nope; do
			test $(bare out "/api/$r" --max-time 5) = 401 ||
				{ echo "GET /api/$r" >&3; exit 1; }
			is_error out 401
		done &&
		for r in recognition chat reports; do
			test $(bare out "/api/$r" -X POST \
				-H "Content-Type: application/json" \
				-d "{\"action\":\"start\",\"question\":\"x\"}") \
				= 401 || { echo "POST /api/$r" >&3; exit 1; }
		done &&
		test $(bare out /api/cameras -X PUT \
			-H "Content-Type: application/json" -d "{\"cameras\":
			[{\"name\":\"x\",\"source\":\"/x\"}]}") = 401 &&
		test $(bare out /api/cameras -X DELETE) = 401 &&
		test ! -e "$FT_STATE_DIR/cameras" &&
		test ! -e "$FT_STATE_DIR/recognition.pid"
	'

	test_expect_success "$store: /api/stats is ft-query stats" '
		test $(http out /api/stats) = 200 &&
		ft-query stats >want &&
		jq -S . want >want.s && jq -S . out >out.s &&
		test_cmp want.s out.s &&
		test "$(jq .total_customers out)" = 60
	'

	test_expect_success "$store: /api/trend is ft-query trend" '
		test $(http out "/api/trend?days=9") = 200 &&
		ft-query trend --days 9 | jq -s -S . >want &&
		jq -S . out >got && test_cmp want got &&
		test "$(jq ".[0].points | length" out)" = 9 &&
		test $(http out /api/trend) = 200 &&
		test "$(jq ".[0].points | length" out)" = 30
	'

	test_expect_success "$store: /api/top is ft-query top" '
		test $(http out "/api/top?limit=5&since=7d") = 200 &&
		ft-query top --limit 5 --since 7d | jq -s -S . >want &&
		jq -S . out >got && test_cmp want got &&
		test "$(jq length out)" = 5
	'

	test_expect_success "$store: /api/customers is ft-query customers" '
		test $(http out "/api/customers?sort=visits&reverse=1&limit=7&min-visits=2") = 200 &&
		ft-query customers --sort visits --reverse --limit 7 \
			--min-visits 2 | jq -s -S . >want &&
		jq -S . out >got && test_cmp want got &&
		test "$(jq length out)" = 7 &&
		test $(http out "/api/customers?name=a&since=2026-11-01&until=yesterday") = 200 &&
		ft-query customers --name a --since 2026-11-01 \
			--until yesterday --limit 100 | jq -s -S . >want &&
		jq -S . out >got && test_cmp want got
	'

	test_expect_success "$store: /api/customers/ID is ft-query customer" '
		prefix=$(echo "$ID" | cut -c1-8) &&
		test $(http out "/api/customers/$prefix") = 200 &&
		ft-query customer "$prefix" | jq -s -S . >want &&
		jq -S . out >got && test_cmp want got &&
		test "$(jq -r ".[0].id" out)" = "$ID"
	'

	test_expect_success "$store: /api/visits is ft-query visits" '
		test $(http out "/api/visits?customer=$ID&reverse=true&limit=3") = 200 &&
		ft-query visits --customer "$ID" --reverse --limit 3 |
			jq -s -S . >want &&
		jq -S . out >got && test_cmp want got &&
		test $(http out "/api/visits?since=today&source=door") = 200 &&
		ft-query visits --since today --source door --limit 100 |
			jq -s -S . >want &&
		jq -S . out >got && test_cmp want got
	'

	test_expect_success "$store: the new operations are as ft-query gives them" '
		for q in "count-customers?email=no&consent=yes" \
			"averages?since=2026-11-16&until=2026-11-22" \
			"by-time?by=hour&since=7d" \
			"lapsed?days=3&min-visits=2&limit=100" \
			"loyal?since=2026-11-09&until=2026-11-22&limit=100" \
			"compare?since=today&until=today&against-since=yesterday&against-until=yesterday"
		do
			test $(http out "/api/$q") = 200 &&
			opts=$(echo "${q#*\?}" | tr "&" "\n" |
				sed "s/^/--/; s/=/ /") &&
			ft-query ${q%%\?*} $opts | jq -s -S . >want &&
			jq -S . out >got && test_cmp want got || exit 1
		done &&
		test $(http out "/api/compare?since=today") = 400 &&
		test_grep "until. is required" out &&
		test $(http out "/api/by-time?by=month") = 400
	'

	test_expect_success "$store: bad parameters: 400 naming them" '
		test $(http out "/api/stats?x=1") = 400 && is_error out 400 &&
		test_grep "unknown parameter .x." out &&
		test $(http out "/api/trend?days=0") = 400 &&
		test_grep "bad .days." out &&
		test $(http out "/api/trend?days=abc") = 400 &&
		test $(http out "/api/top?limit=-1") = 400 &&
		test $(http out "/api/visits?since=someday") = 400 &&
		test_grep "bad .since." out &&
		test $(http out "/api/customers?sort=shoe") = 400 &&
		test $(http out "/api/customers?reverse=maybe") = 400 &&
		test $(http out "/api/customers?days=3") = 400 &&
		is_error out 400
	'

	test_expect_success "$store: unknown customers and routes: 404" '
		test $(http out /api/customers/ffffffff-0000) = 404 &&
		is_error out 404 &&
		test $(http out "/api/visits?customer=ffffffffff") = 404 &&
		is_error out 404 &&
		test $(http out /api/customers/a/b) = 404 &&
		test $(http out /api/nothing) = 404 && is_error out 404
	'

	test_expect_success "$store: a wrong method: 405 with Allow" '
		test $(http out /api/stats -X POST) = 405 && is_error out 405 &&
		test_grep -i "^allow: GET, HEAD" out.h &&
		test $(http out /api/chat) = 405 &&
		test_grep -i "^allow: POST" out.h &&
		test $(http out /index.html -X DELETE) = 405
	'

	test_expect_success "$store: bodies must be JSON objects" '
		j="Content-Type: application/json" &&
		test $(http out /api/recognition -X POST -H "$j" \
			-d "{\"action\":") = 400 &&
		is_error out 400 && test_grep "not valid JSON" out &&
		test $(http out /api/recognition -X POST -H "$j" -d "[1]") \
			= 400 && test_grep "JSON object" out &&
		test $(http out /api/recognition -X POST -H "$j" \
			-d "{\"action\":\"fly\"}") = 400 &&
		test_grep "unknown action .fly." out &&
		test $(http out /api/recognition -X POST -H "$j" \
			-d "{\"action\":\"stop\",\"extra\":1}") = 400 &&
		test_grep "unknown member .extra." out &&
		test $(http out /api/recognition -X POST -H "$j" \
			-d "{\"action\":5}") = 400 &&
		test $(http out /api/recognition -X POST \
			-d "{\"action\":\"stop\"}") = 415 &&
		is_error out 415 &&
		test $(http out /api/recognition -X POST -H "$j") = 400 &&
		test $(http out /api/chat -X POST -H "$j" \
			-d "{\"question\":\"\"}") = 400
	'

	test_expect_success "$store: bodies over 16 KiB: 413" '
		head -c 20000 /dev/zero | tr "\0" a >big &&
		printf "{\"question\":\"%s\"}" "$(cat big)" >big.json &&
		test $(http out /api/chat -X POST \
			-H "Content-Type: application/json" \
			--data-binary @big.json) = 413 &&
		is_error out 413 &&
		test $(http out /api/chat -X POST \
			-H "Content-Type: application/json" \
			-H "Transfer-Encoding: chunked" \
			--data-binary @big.json) = 413 &&
		is_error out 413 &&
		test $(http out /api/stats) = 200
	'

	test_expect_success "$store: static files, and no way out of web/" '
		test $(bare out /) = 200 && test_grep dashboard out &&
		test_grep -i "^content-security-policy: default-src .self." \
			out.h &&
		test_grep -i "^content-type: text/html" out.h &&
		test $(bare out /css/app.css) = 200 &&
		test_grep -i "^content-type: text/css" out.h &&
		test $(bare out /sub/) = 200 && test_grep inner out &&
		for p in /../outside.txt /css/../../outside.txt \
			 /%2e%2e/outside.txt /css/%2e%2e/%2e%2e/outside.txt \
			 /..%2foutside.txt /escape.txt /up/outside.txt \
			 /.secret /css/..%5c..%5coutside.txt /nonexistent; do
			code=$(bare out "$p") &&
			test "$code" = 404 ||
				{ echo "$p answered $code" >&3; exit 1; }
			is_error out 404 &&
			test_grep_not SECRET-OUTSIDE out &&
			test_grep_not hidden out
		done
	'

	test_expect_success "$store: a visit from another process arrives as an event" '
		curl -sN -H "X-API-Key: $KEY" "$BASE/api/events" \
			>stream 2>&1 &
		cpid=$! &&
		wait_for stream "facetrack events" &&
		test $(http before /api/stats) = 200 &&
		"$VISIT_ADD" --source till "$ID" >visit &&
		vid=$(jq .id visit) &&
		wait_for stream "\"id\":$vid," &&
		stop_client $cpid &&
		grep "^event: visit" stream &&
		grep "^id: " stream &&
		sed -n "s/^data: //p" stream | jq -e -s --arg id "$ID" \
			"map(select(.type == \"visit\" and .customer == \$id
			     and .source == \"till\")) | length == 1" &&
		want=$(($(jq .visits_today before) + 1)) &&
		until_stats ".visits_today == $want"
	'

	test_expect_success "$store: a new customer arrives as an event" '
		curl -sN -H "X-API-Key: $KEY" "$BASE/api/events" \
			>stream 2>&1 &
		cpid=$! &&
		wait_for stream "facetrack events" &&
		ft-enroll add --name "Streamed Person" >new &&
		wait_for stream "Streamed Person" &&
		stop_client $cpid &&
		grep "^event: customer" stream &&
		until_stats ".total_customers == 61"
	'

	test_expect_success "$store: Last-Event-ID resumes after the last event seen" '
		"$VISIT_ADD" "$ID" >v1
		"$VISIT_ADD" "$ID" >v2
		curl -sN -H "X-API-Key: $KEY" "$BASE/api/events" \
			>stream 2>&1 &
		cpid=$! &&
		wait_for stream "facetrack events" &&
		"$VISIT_ADD" "$ID" >v3 &&
		wait_for stream "\"id\":$(jq .id v3)," &&
		stop_client $cpid &&
		last=$(sed -n "s/^id: //p" stream | tail -1)
		curl -sN -H "X-API-Key: $KEY" -H "Last-Event-ID: $((last - 2))" \
			"$BASE/api/events" >again 2>&1 &
		cpid=$! &&
		wait_for again "\"id\":$(jq .id v3)," &&
		stop_client $cpid &&
		grep -q "\"id\":$(jq .id v2)," again &&
		test_grep_not "\"id\":$(jq .id v1)," again
	'

	test_expect_success "$store: after a forget, nothing replays or caches the customer" '
		curl -sN -H "X-API-Key: $KEY" "$BASE/api/events" \
			>stream 2>&1 &
		cpid=$! &&
		wait_for stream "facetrack events" &&
		ft-enroll add --name "Replay Forgotten Qx" \
			--email replay.qx@erase.example >rf &&
		"$VISIT_ADD" "$(jq -r .id rf)" >rv &&
		wait_for stream "\"id\":$(jq .id rv)," &&
		test $(http found "/api/customers?name=Forgotten%20Qx") = 200 &&
		test_grep "replay.qx@erase.example" found &&
		ft-enroll forget "$(jq -r .id rf)" >receipt &&
		wait_for stream "^event: forget" &&
		stop_client $cpid &&
		test $(http found "/api/customers?name=Forgotten%20Qx") = 200 &&
		test_grep_not "Forgotten Qx" found &&
		curl -sN -H "X-API-Key: $KEY" -H "Last-Event-ID: 0" \
			"$BASE/api/events" >again 2>&1 &
		cpid=$! &&
		wait_for again "^event: forget" &&
		stop_client $cpid &&
		test_grep "^event: customer" stream &&
		test_grep "Replay Forgotten Qx" stream &&
		test_grep_not -e "Replay Forgotten Qx" -e "replay.qx@" again &&
		test_grep_not "\"id\":$(jq .id rv)," again &&
		test_grep "\"id\":$(jq .id v3)," again
	'

	test_expect_success "$store: clients that vanish do not hurt the server" '
		for i in 1 2 3; do
			curl -sN -H "X-API-Key: $KEY" "$BASE/api/events" \
				>/dev/null 2>&1 &
			echo $! >>vanish
		done
		sleep 0.5 &&
		for p in $(cat vanish); do kill -9 $p; done &&
		"$VISIT_ADD" "$ID" >/dev/null &&
		curl -sS -H "X-API-Key: $KEY" "$BASE/api/visits?limit=10000" |
			head -c 10 >/dev/null &&
		sleep 0.5 &&
		kill -0 $SERVE_PID &&
		test $(http out /api/stats) = 200
	'

	serve_stop
done

# Recognition, chat and reports need no demo data.
use_store sqlite
FOOTAGE=$TEST_DIR/footage.jsonl
for i in 1 2 3; do
	echo "{\"type\":\"frame\",\"source\":\"cam0\",\"seq\":$i,\"ts\":\"2026-11-24T10:00:0$i.000Z\",\"path\":\"/f/$i.jpg\"}"
done >"$FOOTAGE"
FT_PIPELINE="while :; do cat '$FOOTAGE'; sleep 0.2; done | grep --line-buffered frame"
export FT_PIPELINE
serve_start --web "$TEST_DIR/web" ||
	test_expect_success 'ft-serve starts' 'false'

test_expect_success 'recognition: status, start, stop through the API' '
	j="Content-Type: application/json" &&
	test $(http out /api/recognition) = 200 &&
	jq -e ".type == \"recognition\" and .running == false" out &&
	test $(http out /api/recognition -X POST -H "$j" \
		-d "{\"action\":\"start\"}") = 200 &&
	jq -e ".running == true and (.pid | type) == \"number\"" out &&
	pid=$(jq .pid out) && kill -0 $pid &&
	ft-schedule status >st &&
	test "$(jq .pid st)" = $pid &&
	sleep 1.5 &&
	test $(http out /api/recognition) = 200 &&
	jq -e ".frames > 0" out &&
	test $(http out /api/recognition -X POST -H "$j" \
		-d "{\"action\":\"stop\"}") = 200 &&
	jq -e ".running == false" out &&
	process_gone $pid
'

test_expect_success 'recognition: schedule errors are reported' '
	j="Content-Type: application/json" &&
	test $(http out /api/recognition -X POST -H "$j" \
		-d "{\"action\":\"schedule\",\"from\":\"9\",\"to\":\"18:00\"}") \
		= 400 && is_error out 400 &&
	test $(http out /api/recognition -X POST -H "$j" \
		-d "{\"action\":\"schedule\",\"from\":\"09:00\",\"to\":\"18:00\",\"days\":\"someday\"}") \
		= 400 && test_grep "bad .days." out &&
	test $(http out /api/recognition -X POST -H "$j" \
		-d "{\"action\":\"schedule\",\"from\":\"09:00\",\"to\":\"18:00\"}") \
		= 500 && is_error out 500 &&
	test_grep_not "false" out
'

test_expect_success 'cameras: shown and changed through the API' '
	j="Content-Type: application/json" &&
	test $(http out /api/cameras) = 200 &&
	jq -e ".type == \"cameras\" and .from == \"FT_CAMERA\" and
		.cameras == [{\"name\": null, \"source\": \"/dev/video0\"}]" out &&
	test $(http out /api/cameras -X PUT -H "$j" -d "{\"cameras\":[
		{\"name\":\"door\",\"source\":\"rtsp://ad:s3cret@10.0.0.7/s1\"},
		{\"name\":\"till\",\"source\":\"/dev/video1\"}]}") = 200 &&
	jq -e ".from == \"settings\" and
		[.cameras[].name] == [\"door\", \"till\"] and
		.cameras[0].source == \"rtsp://ad:***@10.0.0.7/s1\"" out &&
	test_grep_not s3cret out &&
	test "$(stat -c %a "$FT_STATE_DIR/cameras")" = 600 &&
	ft-query audit --reverse --limit 1 >audit &&
	jq -e ".action == \"settings\" and .fields == [\"cameras\"]" audit &&
	ft-schedule cameras >cams &&
	jq -e "[.cameras[].name] == [\"door\", \"till\"]" cams
'

test_expect_success 'cameras: a null source keeps the one a camera has' '
	j="Content-Type: application/json" &&
	test $(http out /api/cameras -X PUT -H "$j" -d "{\"cameras\":[
		{\"name\":\"door\",\"source\":null},
		{\"name\":\"back\",\"source\":\"/dev/video2\"}]}") = 200 &&
	printf "%s\n" door=rtsp://ad:s3cret@10.0.0.7/s1 back=/dev/video2 \
		>want &&
	test_cmp want "$FT_STATE_DIR/cameras"
'

test_expect_success 'cameras: a bad list is refused and changes nothing' '
	j="Content-Type: application/json" &&
	long=$(head -c 1100 /dev/zero | tr "\0" x) &&
	for body in "{}" "{\"cameras\":[]}" "{\"cameras\":\"door\"}" \
		"{\"cameras\":[1]}" "{\"x\":1}" \
		"{\"cameras\":[{\"name\":\"a b\",\"source\":\"/dev/v\"}]}" \
		"{\"cameras\":[{\"name\":\"a\",\"source\":\"-x\"}]}" \
		"{\"cameras\":[{\"name\":\"a\",\"source\":\"/d ev\"}]}" \
		"{\"cameras\":[{\"name\":\"a\",\"source\":\"$long\"}]}" \
		"{\"cameras\":[{\"name\":\"a\",\"source\":\"/d\",\"x\":1}]}" \
		"{\"cameras\":[{\"name\":\"a\",\"source\":\"/d\"},
			{\"name\":\"a\",\"source\":\"/e\"}]}" \
		"{\"cameras\":[{\"name\":\"new\"}]}"; do
		test $(http out /api/cameras -X PUT -H "$j" -d "$body") = 400 &&
		is_error out 400 || { echo "taken: $body" >&3; exit 1; }
	done &&
	seq 17 | jq -R "{name: (\"c\" + .), source: \"/dev/null\"}" |
		jq -s "{cameras: .}" >many &&
	test $(http out /api/cameras -X PUT -H "$j" -d @many) = 400 &&
	test_grep "1 to 16 cameras" out &&
	test $(http out /api/cameras -X POST -H "$j" -d "{}") = 405 &&
	test_cmp want "$FT_STATE_DIR/cameras"
'

test_expect_success 'cameras: DELETE goes back to the configuration' '
	test $(http out /api/cameras -X DELETE) = 200 &&
	jq -e ".from == \"FT_CAMERA\"" out &&
	test ! -e "$FT_STATE_DIR/cameras"
'

serve_stop

# Chat and reports on demo data, with a real SMTP server on loopback for
# the mailed report (tests/peers/smtp-server.py).
use_store sqlite
seed_demo --customers 120 --visits 2400 --days 40 --seed 11 >/dev/null
smtp_start mail
MAILDIR=$TEST_DIR/mail
SMTP_SERVER=127.0.0.1 SMTP_PORT=$(cat "$TEST_DIR/mail.port") SMTP_TLS=none
ADMIN_EMAIL="Owner <owner@example.test>"
FT_REPORTS_DIR=$TEST_DIR/reports FT_PLOTS_DIR=$TEST_DIR/plots
export SMTP_SERVER SMTP_PORT SMTP_TLS ADMIN_EMAIL FT_REPORTS_DIR FT_PLOTS_DIR
unset OPENROUTER_API_KEY FT_LLM_API_KEY
serve_start --web "$TEST_DIR/web" ||
	test_expect_success 'ft-serve starts' 'false'
j="Content-Type: application/json"

test_expect_success 'chat: the answer states ft-query figures' '
	test $(http out /api/chat -X POST -H "$j" \
		-d "{\"question\":\"how many customers do we have?\"}") = 200 &&
	jq -e ".type == \"answer\" and .understood == true" out &&
	total=$(ft-query stats --jq .total_customers) &&
	jq -r .answer out | grep -qw "$total" &&
	test $(http out /api/chat -X POST -H "$j" \
		-d "{\"question\":\"how many visits on 2026-11-20?\"}") = 200 &&
	n=$(ft-query visits --since 2026-11-20 --until 2026-11-20 | wc -l) &&
	jq -r .answer out | grep -qw "$n"
'

test_expect_success 'chat: a chart comes inline as a PNG' '
	test $(http out /api/chat -X POST -H "$j" \
		-d "{\"question\":\"chart visits per day this month\"}") = 200 &&
	jq -e ".charts | length >= 1" out &&
	jq -r ".charts[0].png" out | base64 -d >chart.png &&
	test "$(head -c 8 chart.png | od -An -tx1 | tr -d " \n")" = \
		89504e470d0a1a0a &&
	file=$(jq -r ".charts[0].file" out) &&
	test ! -e "$FT_PLOTS_DIR/$file" && test -n "$file" &&
	jq -r .answer out >answer &&
	test_grep "shown below" answer &&
	test_grep_not "plots\|written to\|\.png" answer
'

test_expect_success 'chat: beyond the offline engine it says so' '
	test $(http out /api/chat -X POST -H "$j" \
		-d "{\"question\":\"what is the meaning of life?\"}") = 200 &&
	jq -e ".understood == false and (.answer | length > 0)" out
'

test_expect_success 'reports: the CSV of the range, its figures' '
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"2026-11-01\",\"to\":\"2026-11-23\"}") = 200 &&
	jq -e ".type == \"report\" and .emailed == null" out &&
	n=$(ft-query visits --since 2026-11-01 --until 2026-11-23 | wc -l) &&
	test "$(jq .rows out)" = "$n" && test "$(jq .visits out)" = "$n" &&
	csv=$FT_REPORTS_DIR/$(jq -r .file out) &&
	test "$(csv_decode "$csv" | wc -l)" = $((n + 1)) &&
	test_grep_not "$TEST_DIR" out
'

test_expect_success 'reports: mailed to ADMIN_EMAIL with the CSV attached' '
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"2026-11-20\",\"to\":\"2026-11-22\",\"email\":true}") \
		= 200 &&
	jq -e ".emailed | test(\"owner@example.test\")" out &&
	test -s "$MAILDIR/1.eml" &&
	csv=$FT_REPORTS_DIR/$(jq -r .file out) &&
	python3 -c "
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], \"rb\"))
att = [p for p in m.walk() if p.get_content_type() == \"text/csv\"]
sys.stdout.buffer.write(att[0].get_payload(decode=True))
" "$MAILDIR/1.eml" >attached.csv &&
	cmp attached.csv "$csv"
'

test_expect_success 'reports: bad ranges and bodies are 400' '
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"2026-11-23\",\"to\":\"2026-11-01\"}") = 400 &&
	is_error out 400 &&
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"someday\",\"to\":\"2026-11-01\"}") = 400 &&
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"2026-11-01\"}") = 400 &&
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"2026-11-01\",\"to\":\"2026-11-02\",\"email\":5}") \
		= 400 && is_error out 400
'
serve_stop

test_expect_success 'reports: a mail server that refuses: 503, CSV kept' '
	SMTP_PORT=1 serve_start --web "$TEST_DIR/web" &&
	test $(http out /api/reports -X POST -H "$j" \
		-d "{\"from\":\"2026-11-02\",\"to\":\"2026-11-02\",\"email\":true}") \
		= 503 && is_error out 503 &&
	test_grep "not mailed" out &&
	test -f "$FT_REPORTS_DIR/visits-2026-11-02.csv"
'
serve_stop

test_expect_success 'SIGTERM ends open event streams cleanly, then the server' '
	serve_start --web "$TEST_DIR/web"
	curl -sN -H "X-API-Key: $KEY" "$BASE/api/events" >s1 2>&1 &
	c1=$!
	curl -sN -H "X-API-Key: $KEY" "$BASE/api/events" >s2 2>&1 &
	c2=$!
	wait_for s1 "facetrack events" && wait_for s2 "facetrack events" &&
	kill -TERM $SERVE_PID &&
	rc=0 && { wait $SERVE_PID || rc=$?; } &&
	test $rc = 0 &&
	r1=0 && { wait $c1 || r1=$?; } &&
	r2=0 && { wait $c2 || r2=$?; } &&
	test "$r1$r2" = 00 &&
	test_grep_not -i "error" "$TEST_DIR/serve.err"
'

test_expect_success 'the real dashboard is served from web/' '
	serve_start --web "$SRCDIR/web" &&
	test $(bare out /) = 200 &&
	test_grep "<title>FaceTrack" out &&
	test $(bare out /js/api.js) = 200 &&
	test_grep -i "^content-type: text/javascript" out.h &&
	test $(bare out /node_modules/chart.js/dist/chart.umd.min.js) = 200 &&
	kill -TERM $SERVE_PID && wait $SERVE_PID
'

if [ "$(cd "$FT_BUILD/.." && pwd)" = "$SRCDIR" ]; then
	test_expect_success 'by default web/ beside the build directory' '
		serve_start &&
		test $(bare out /) = 200 &&
		test_grep "<title>FaceTrack" out &&
		kill -TERM $SERVE_PID && wait $SERVE_PID
	'
else
	test_skip 'by default web/ beside the build directory' \
		'FT_BUILD is not the build directory of this tree'
fi

test_done
