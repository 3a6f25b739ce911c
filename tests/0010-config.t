#!/bin/sh
# Configuration: where the store comes from.  Precedence is
# --db > environment > ./.env > user file > FT_SYSCONF file > default,
# seen through which SQLite file a program creates, which missing store
# `ft-query stats` refuses to read (readers create no store), and which
# store it reads; DB_* select MySQL, and an unreachable server
# gives status 75 with a message that names host and database but never
# the password.
. "$(dirname "$0")/lib.sh"

unset FT_DB
userconf=$HOME/.config/facetrack/facetrack.conf
mkdir -p "$HOME/.config/facetrack"

# only_db DIR FILE: FILE is the one SQLite store created in DIR ("": none).
# fresh_config: no user or system file left over from an earlier test.
fresh_config() {
	rm -f "$userconf" "$FT_SYSCONF"
}

# reads_from FILE: ft-query stats chose the SQLite store FILE (in this
# directory) and, as it does not exist, refused it and created nothing.
reads_from() {
	test_exit_status 1 ft-query stats >"$TEST_DIR/.out" \
		2>"$TEST_DIR/.err" &&
	test_grep "SQLite store .$PWD/$1. does not exist" "$TEST_DIR/.err" &&
	test_must_be_empty "$TEST_DIR/.out" &&
	only_db . ""
}

only_db() {
	ls "$1" | grep '\.db$' >"$TEST_DIR/.dbs" || :
	if [ -n "$2" ]; then
		echo "$2" >"$TEST_DIR/.want"
	else
		: >"$TEST_DIR/.want"
	fi
	test_cmp "$TEST_DIR/.want" "$TEST_DIR/.dbs"
}

test_expect_success 'no setting at all: ./facetrack.db' '
	fresh_config &&
	mkdir default && cd default &&
	test_exit_status 1 ft-query stats >out 2>err &&
	test_grep "SQLite store .\./facetrack.db. does not exist" err &&
	only_db . "" &&
	ft-enroll add --name Ann >out &&
	ft-query stats >out &&
	test "$(json_get out .total_customers)" = 1 &&
	only_db . facetrack.db &&
	sqlite3 facetrack.db .tables >tables &&
	test_grep -w customers tables &&
	test_grep -w visits tables
'

test_expect_success 'the FT_SYSCONF file names the store' '
	fresh_config &&
	mkdir sys && cd sys &&
	echo "FT_DB=sqlite:$PWD/sys.db" >"$FT_SYSCONF" &&
	reads_from sys.db
'

test_expect_success 'the user file outranks the system file' '
	fresh_config &&
	mkdir user && cd user &&
	echo "FT_DB=sqlite:$PWD/sys.db" >"$FT_SYSCONF" &&
	echo "FT_DB=sqlite:$PWD/user.db" >"$userconf" &&
	reads_from user.db
'

test_expect_success 'XDG_CONFIG_HOME moves the user file' '
	fresh_config &&
	mkdir xdg xdg/conf xdg/conf/facetrack && cd xdg &&
	echo "FT_DB=sqlite:$PWD/user.db" >"$userconf" &&
	echo "FT_DB=sqlite:$PWD/xdg.db" >conf/facetrack/facetrack.conf &&
	XDG_CONFIG_HOME=$PWD/conf reads_from xdg.db
'

test_expect_success './.env outranks the user file' '
	fresh_config &&
	mkdir dotenv && cd dotenv &&
	echo "FT_DB=sqlite:$PWD/user.db" >"$userconf" &&
	echo "FT_DB=sqlite:$PWD/dotenv.db" >.env &&
	reads_from dotenv.db
'

test_expect_success 'the environment outranks ./.env' '
	fresh_config &&
	mkdir env && cd env &&
	echo "FT_DB=sqlite:$PWD/dotenv.db" >.env &&
	FT_DB=sqlite:$PWD/env.db reads_from env.db
'

test_expect_success '--db outranks the environment, before or after COMMAND' '
	fresh_config &&
	mkdir opt && cd opt &&
	echo "FT_DB=sqlite:$PWD/dotenv.db" >.env &&
	FT_DB=sqlite:$PWD/env.db ft-enroll --db "sqlite:$PWD/a.db" \
		add --name Ann >out &&
	FT_DB=sqlite:$PWD/env.db ft-enroll add --db "sqlite:$PWD/b.db" \
		--name Bob >out &&
	FT_DB=sqlite:$PWD/env.db ft-query --db "sqlite:$PWD/a.db" stats \
		--jq .total_customers >got1 &&
	FT_DB=sqlite:$PWD/env.db test_exit_status 1 ft-query stats \
		--db "sqlite:$PWD/c.db" 2>err &&
	test_grep "c.db. does not exist" err &&
	echo 1 >want1 && test_cmp want1 got1 &&
	printf "a.db\nb.db\n" >want &&
	ls | grep "\.db$" >got &&
	test_cmp want got
'

test_expect_success 'ft-enroll and seed-demo follow the same order' '
	fresh_config &&
	mkdir same && cd same &&
	echo "FT_DB=sqlite:$PWD/dotenv.db" >.env &&
	ft-enroll add --name Ann >out &&
	seed_demo --customers 3 --visits 5 --days 2 --seed 1 >out &&
	only_db . dotenv.db &&
	test "$(ft-query stats --jq .total_customers)" = 4
'

# Five stores holding 1..5 customers, one per source; taking the sources
# away one by one must walk down the order.
test_expect_success 'ft-query stats reads the store of the strongest source' '
	fresh_config &&
	mkdir walk && cd walk &&
	n=0 &&
	for s in opt env dotenv user sys; do
		n=$((n + 1)) && i=0 &&
		while [ $i -lt $n ]; do
			i=$((i + 1)) &&
			ft-enroll --db "sqlite:$PWD/$s.db" add --name "c$i" \
				>/dev/null || exit 1
		done
	done &&
	echo "FT_DB=sqlite:$PWD/sys.db" >"$FT_SYSCONF" &&
	echo "FT_DB=sqlite:$PWD/user.db" >"$userconf" &&
	echo "FT_DB=sqlite:$PWD/dotenv.db" >.env &&
	export FT_DB=sqlite:$PWD/env.db &&
	ft-query stats --db "sqlite:$PWD/opt.db" --jq .total_customers >got &&
	ft-query stats --jq .total_customers >>got &&
	unset FT_DB &&
	ft-query stats --jq .total_customers >>got &&
	rm .env &&
	ft-query stats --jq .total_customers >>got &&
	rm "$userconf" &&
	ft-query stats --jq .total_customers >>got &&
	rm "$FT_SYSCONF" &&
	test_exit_status 1 ft-query stats 2>err &&
	test_grep "facetrack.db. does not exist" err &&
	printf "1\n2\n3\n4\n5\n" >want &&
	test_cmp want got &&
	test ! -f facetrack.db
'

test_expect_success 'config file syntax: export, quotes, comments, blanks' '
	fresh_config &&
	mkdir syntax && cd syntax &&
	cat >.env <<-EOF &&
	# the store of this directory

	   # indented comment
	export FT_DB="sqlite:$PWD/quoted one.db"
	EOF
	reads_from "quoted one.db" &&
	cat >"$userconf" <<-EOF &&
	FT_DB='"'"'sqlite:$PWD/single.db'"'"'
	EOF
	rm .env &&
	reads_from single.db &&
	printf "FT_DB = sqlite:$PWD/spaced.db   # a comment\n" >.env &&
	reads_from spaced.db
'

port=$(unused_port)
secret=Zq7-not-for-eyes

# no_secret FILE...: the password (or any piece of it) is in none.
no_secret() {
	for f; do
		test_grep_not -e Zq7 -e not-for-eyes -e "not%2Dfor" \
			-e "p@ss" -e "p%40ss" "$f" || return 1
	done
}

# unreachable CMD...: status 75, nothing on stdout, a message naming
# 127.0.0.1 and shopdb on stderr, and no password anywhere.
unreachable() {
	test_exit_status 75 "$@" >out 2>err &&
	test_must_be_empty out &&
	test_grep -F 127.0.0.1 err &&
	test_grep -F shopdb err &&
	no_secret out err
}

test_expect_success 'DB_* select MySQL: unreachable server gives 75' '
	fresh_config &&
	export DB_HOST=127.0.0.1 DB_PORT=$port DB_USER=ft \
		DB_PASSWORD=$secret DB_NAME=shopdb &&
	unreachable ft-query stats &&
	test_grep "^ft-query: " err &&
	unreachable ft-query customers --format table &&
	unreachable ft-enroll add --name Ann &&
	unreachable seed_demo --customers 1 --visits 1 --days 1 --seed 1
'

test_expect_success 'DB_* in ./.env select MySQL too' '
	fresh_config &&
	mkdir dbenv && cd dbenv &&
	cat >.env <<-EOF &&
	DB_HOST=127.0.0.1
	DB_PORT=$port
	DB_USER=ft
	DB_PASSWORD="$secret"
	DB_NAME=shopdb
	EOF
	unreachable ft-query stats &&
	unreachable ft-enroll add --name Ann &&
	only_db . ""
'

test_expect_success 'DB_* in the user file select MySQL too' '
	fresh_config &&
	mkdir dbuser && cd dbuser &&
	printf "DB_HOST=127.0.0.1\nDB_PORT=%s\nDB_USER=ft\n" $port \
		>"$userconf" &&
	printf "DB_PASSWORD=%s\nDB_NAME=shopdb\n" $secret >>"$userconf" &&
	unreachable ft-query stats &&
	rm "$userconf"
'

test_expect_success 'a password holding URL delimiters stays secret' '
	fresh_config &&
	export DB_HOST=127.0.0.1 DB_PORT=$port DB_USER=ft \
		DB_PASSWORD="Zq7:p@ss/w#rd?x" DB_NAME=shopdb &&
	unreachable ft-query stats
'

test_expect_success 'a mysql:// URL in FT_DB or --db: 75, no password' '
	fresh_config &&
	(
		export FT_DB="mysql://ft:$secret@127.0.0.1:$port/shopdb" &&
		unreachable ft-query stats
	) &&
	unreachable ft-query --db "mysql://ft:$secret@127.0.0.1:$port/shopdb" \
		visits --since today &&
	unreachable ft-enroll --db "mysql://ft:$secret@127.0.0.1:$port/shopdb" \
		forget 00000000-0000-4000-8000-000000000000
'

test_expect_success 'FT_DB, from any source, outranks DB_*' '
	fresh_config &&
	mkdir ftdb && cd ftdb &&
	export DB_HOST=127.0.0.1 DB_PORT=$port DB_USER=ft \
		DB_PASSWORD=$secret DB_NAME=shopdb &&
	FT_DB=sqlite:$PWD/local.db reads_from local.db &&
	echo "FT_DB=sqlite:$PWD/dotenv.db" >.env &&
	reads_from dotenv.db
'

test_expect_success 'a store URL of no known kind: status 1 or 2, a message' '
	fresh_config &&
	rc=0 &&
	ft-query --db "postgres://ft:$secret@h/shopdb" stats >out 2>err ||
		rc=$? &&
	case $rc in 1|2) ;; *) echo "status $rc" >&3; exit 1 ;; esac &&
	test_must_be_empty out &&
	test_grep "^ft-query: " err &&
	no_secret err
'

test_done
