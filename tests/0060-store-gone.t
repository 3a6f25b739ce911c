#!/bin/sh
# A MySQL server that goes away while programs use it: a temporary failure
# (status 75) with a clear message, and nothing that was committed lost.
. "$(dirname "$0")/lib.sh"

command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] ||
	skip_all "no MariaDB server (scripts/install-deps installs it)"

srv=$TEST_DIR/server
stop_server() {
	"$SRCDIR/scripts/mariadb-test" stop "$srv" >/dev/null 2>&1 || :
}

test_expect_success 'a private server to kill' '
	"$SRCDIR/scripts/mariadb-test" start "$srv" >url.out &&
	test -s "$srv/url"
'
FT_DB=$(cat "$srv/url" 2>/dev/null)
export FT_DB

test_expect_success 'data committed before the server goes away' '
	seed_demo --customers 300 --visits 60000 --days 30 --seed 3 >/dev/null &&
	ft-enroll add --name "Kept Customer" >kept.json &&
	test "$(ft-query stats --jq .total_customers)" = 301
'

test_expect_success 'a listing cut off by the server dying: 75 and why' '
	{
		status=0
		ft-query visits >visits.out 2>visits.err || status=$?
		echo $status >visits.status
	} &
	reader=$! &&
	sleep 0.3 &&
	kill -9 "$(cat "$srv/server.pid")" &&
	wait "$reader" &&
	test_eq "$(cat visits.status)" 75 "status" &&
	test_grep "^ft-query: .*MySQL .*ft@127.0.0.1:[0-9]*/facetrack_test" \
		visits.err &&
	test_grep_not -e "s3cr" -e "%3A" visits.err
'

test_expect_success 'writes while it is away: 75, nothing half done' '
	test_exit_status 75 ft-enroll add --name "Lost Customer" \
		>add.out 2>add.err &&
	test_must_be_empty add.out &&
	test_grep "cannot connect to MySQL" add.err
'

test_expect_success 'back again: every committed row is there' '
	stop_server
	server=$(command -v mariadbd || echo /usr/sbin/mariadbd)
	port=$(echo "$FT_DB" | sed "s/.*:\([0-9]*\)\/.*/\1/")
	"$server" --no-defaults --datadir="$srv/data" --user="$(id -un)" \
		--bind-address=127.0.0.1 --port="$port" --socket="$srv/sock" \
		--pid-file="$srv/pid" --log-error="$srv/error.log" \
		--tmpdir="$srv/tmp" >"$srv/restart.out" 2>&1 &
	echo $! >"$srv/server.pid"
	i=0
	until ft-query stats >stats.json 2>stats.err; do
		i=$((i + 1))
		test $i -lt 150 || break
		sleep 0.2
	done
	test "$(json_get stats.json .total_customers)" = 301 &&
	ft-query customer "$(json_get kept.json .id)" >kept.out &&
	test_line_count = 1 kept.out &&
	test "$(ft-query customers --name Lost | wc -l)" = 0
'

stop_server
test_done
