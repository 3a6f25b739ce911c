# tests/lib.sh — helpers for the shell tests, in the spirit of git's
# t/test-lib.sh.  A test file is a POSIX shell script that sources this
# file, declares its tests and ends with test_done:
#
#	#!/bin/sh
#	. "$(dirname "$0")/lib.sh"
#	test_expect_success 'stats on an empty store' '
#		ft-query stats >out &&
#		test "$(json_get out .total_customers)" = 0
#	'
#	test_done
#
# Output is TAP for prove.  Each test body runs in a subshell with set -e,
# inside a temporary directory that belongs to the test file and is
# removed at exit (FT_TEST_KEEP=1 keeps it).  The output of a failed test
# is shown as "# " lines on stderr.  Bodies should not rely on "! cmd"
# (set -e ignores it): use test_grep_not, test_must_be_empty and
# test_exit_status instead.
#
# Store-touching tests run once per store that test_stores lists:
#
#	for store in $(test_stores); do
#		use_store "$store"
#		test_expect_success "$store: ..." '...'
#	done
#
# FT_TEST_MYSQL_URL (set by scripts/mariadb-test) adds "mysql" to the
# stores; each use_store then creates a database of its own on that
# server and drops it at exit.

# shellcheck shell=sh

TEST_NAME=${0##*/}
TEST_NAME=${TEST_NAME%.t}
TEST_SRCDIR=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$TEST_SRCDIR/.." && pwd)
FT_BUILD=${FT_BUILD:-$SRCDIR/build}
PATH=$FT_BUILD:$PATH
export FT_BUILD PATH

# Nothing of the caller's configuration may leak into a test: the store,
# the seed's DB_* names, other settings, config file locations, and the
# MariaDB client's own variables.
unset FT_DB DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME \
	OPENROUTER_API_KEY SMTP_SERVER SMTP_PORT SMTP_USER SMTP_PASSWORD \
	ADMIN_EMAIL API_KEY_SECRET API_KEYS_FILE XDG_CONFIG_HOME \
	MYSQL_HOST MYSQL_PWD MYSQL_TCP_PORT MYSQL_UNIX_PORT MYSQL_HISTFILE
# Determinism: times and days in UTC, "now" pinned (tests may change
# either), byte-wise sorting.
TZ=UTC
FT_NOW=2026-11-24T12:00:00.000Z
LC_ALL=C
export TZ FT_NOW LC_ALL
unset LANG LANGUAGE
# In a sanitizer build, what libraries keep until exit is not our leak.
LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$SRCDIR/tests/lsan.supp:print_suppressions=0
export LSAN_OPTIONS

TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/facetrack-$TEST_NAME.XXXXXX") || {
	echo "1..0 # SKIP cannot create a temporary directory"
	exit 1
}
HOME=$TEST_DIR/home
FT_SYSCONF=$TEST_DIR/etc/facetrack.conf	# absent unless a test writes it
FT_DB=sqlite:$TEST_DIR/test.db
export TEST_DIR HOME FT_SYSCONF FT_DB
mkdir "$HOME" "$TEST_DIR/etc"
# The store exists, empty, as a shop's does once anything was enrolled:
# programs that only read refuse a SQLite file that does not exist.
: >"$TEST_DIR/test.db"

test_count=0
test_failed=0
store_n=0
STORE=sqlite
STORE_FILE=$TEST_DIR/test.db
STORE_DB=
tab=$(printf '\t')

# Helpers report to fd 3, which is the captured output of the running
# test even when its body redirects stderr.
exec 3>&2

_test_cleanup() {
	# Servers and peers a test started (test_bg) end with it.
	if [ -s "$TEST_DIR/.pids" ]; then
		kill $(cat "$TEST_DIR/.pids") 2>/dev/null
	fi
	if [ -s "$TEST_DIR/.mysql-dbs" ]; then
		while read -r _db; do
			mysql_client -e "DROP DATABASE IF EXISTS \`$_db\`" \
				>/dev/null 2>&1
		done <"$TEST_DIR/.mysql-dbs"
	fi
	cd / || :
	if [ "${FT_TEST_KEEP-}" = 1 ]; then
		echo "# kept $TEST_DIR" >&2
	else
		rm -rf "$TEST_DIR"
	fi
}
trap _test_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$TEST_DIR" || exit 1

# test_expect_success TITLE BODY: run BODY (shell commands) in a subshell
# with set -e; print "ok N - TITLE" or "not ok N - TITLE" with the body
# and its output as diagnostics.
test_expect_success() {
	if [ $# -ne 2 ]; then
		echo "bug in $0: test_expect_success needs 2 arguments" >&2
		exit 1
	fi
	test_count=$((test_count + 1))
	_out=$TEST_DIR/.out
	(
		set -e
		eval "$2"
	) </dev/null >"$_out" 2>&1 3>&2
	_rc=$?
	if [ "$_rc" -eq 0 ]; then
		echo "ok $test_count - $1"
		return 0
	fi
	test_failed=$((test_failed + 1))
	echo "not ok $test_count - $1"
	{
		echo "#   failed (status $_rc): $1"
		printf '%s\n' "$2" | sed -e '/^[[:space:]]*$/d' -e 's/^/#	/'
		echo "#   output:"
		sed 's/^/#   /' "$_out"
	} >&2
	return 0
}

# test_skip TITLE REASON: count a test that cannot run here.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# skip_all REASON: the whole file cannot run here; call before any test.
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

# test_done: print the plan and exit non-zero if a test failed.
test_done() {
	echo "1..$test_count"
	if [ "$test_failed" -gt 0 ]; then
		echo "# failed $test_failed of $test_count tests" >&2
		exit 1
	fi
	exit 0
}

# test_cmp EXPECTED ACTUAL: the files are equal (diff shown if not).
test_cmp() {
	diff -u "$1" "$2" >&3
}

# test_exit_status N CMD...: CMD exits with exactly status N.
test_exit_status() {
	_want=$1
	shift
	_got=0
	"$@" || _got=$?
	if [ "$_got" -ne "$_want" ]; then
		echo "test_exit_status: expected $_want, got $_got: $*" >&3
		return 1
	fi
}

# test_must_be_empty FILE
test_must_be_empty() {
	if [ -s "$1" ]; then
		echo "'$1' is not empty:" >&3
		cat "$1" >&3
		return 1
	fi
}

# test_grep [GREP-OPTIONS] PATTERN FILE: some line matches.
test_grep() {
	eval "_file=\${$#}"
	if ! grep "$@" >/dev/null; then
		echo "test_grep: no match for: $*; '$_file' holds:" >&3
		cat "$_file" >&3
		return 1
	fi
}

# test_grep_not [GREP-OPTIONS] PATTERN FILE: no line matches.
test_grep_not() {
	eval "_file=\${$#}"
	if grep "$@" >/dev/null; then
		echo "test_grep_not: unexpected match for: $*:" >&3
		grep "$@" >&3
		return 1
	fi
}

# test_line_count OP N FILE: the file's line count compares as asked
# (OP is one of test's -eq -lt -gt ... or =).
test_line_count() {
	_n=$(wc -l <"$3" | tr -d ' ')
	if ! test "$_n" "$1" "$2"; then
		echo "test_line_count: '$3' has $_n lines, not $1 $2:" >&3
		head -20 "$3" >&3
		return 1
	fi
}

# test_eq GOT WANT [WHAT]: two strings are equal.
test_eq() {
	if [ "$1" != "$2" ]; then
		echo "test_eq: ${3:-value}: got '$1', want '$2'" >&3
		return 1
	fi
}

# json_get FILE EXPR: jq's raw output of EXPR on each record of FILE.
json_get() {
	jq -r "$2" "$1"
}

# ms_of RFC3339: milliseconds since the epoch (GNU date).
ms_of() {
	date -u -d "$1" +%s%3N
}

# unused_port: a loopback TCP port nothing listens on (bound and let go).
unused_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
			LocalPort => 0, Proto => "tcp", Listen => 1) or die $!;
		print $s->sockport, "\n";'
}

# seed_demo ARGS: scripts/seed-demo into the store FT_DB selects.
# process_gone PID: the process has ended (a zombie nobody has reaped yet
# counts as ended: the init of a container may never reap it).
process_gone() {
	! [ -d "/proc/$1" ] || grep -q "^State:.*Z" "/proc/$1/status" ||
		{ echo "process $1 is still there" >&3; return 1; }
}

# group_gone PGID: no live process is left in the process group.
group_gone() {
	for _p in /proc/[0-9]*; do
		[ "$(cut -d' ' -f5 "$_p/stat" 2>/dev/null)" = "$1" ] || continue
		grep -q "^State:.*Z" "$_p/status" 2>/dev/null && continue
		echo "process ${_p#/proc/} of group $1 is still there" >&3
		return 1
	done
}

# test_bg_pid PID: stop that background process when the test ends,
# even when it was started in a test body (a subshell).
test_bg_pid() {
	echo "$1" >>"$TEST_DIR/.pids"
}

# smtp_start NAME [ARGS...]: a real SMTP server on loopback
# (tests/peers/smtp-server.py, aiosmtpd) keeping the mail it receives in
# $TEST_DIR/NAME; its port goes into $TEST_DIR/NAME.port.  ARGS are the
# peer's (--auth, --starttls, --tls, --reject-rcpt).  Bails out when it
# cannot start: the tests that need it cannot run without it.
smtp_start() {
	_name=$1
	shift
	if [ -z "${SMTP_PY-}" ]; then
		# Debian's python3-aiosmtpd serves the system's python3,
		# which need not be the first on PATH.
		for SMTP_PY in python3 /usr/bin/python3 ''; do
			[ -n "$SMTP_PY" ] &&
				"$SMTP_PY" -c "import aiosmtpd" 2>/dev/null &&
				break
		done
		if [ -z "$SMTP_PY" ]; then
			echo "Bail out! no python3 with aiosmtpd:" \
				"run scripts/install-deps"
			exit 1
		fi
	fi
	mkdir -p "$TEST_DIR/$_name"
	"$SMTP_PY" "$SRCDIR/tests/peers/smtp-server.py" \
		--dir "$TEST_DIR/$_name" --port-file "$TEST_DIR/$_name.port" \
		"$@" >"$TEST_DIR/$_name.log" 2>&1 &
	test_bg_pid $!
	peer_wait "the SMTP peer $_name" "$TEST_DIR/$_name.port" \
		"$TEST_DIR/$_name.log"
}

# llm_start: the scripted OpenAI-compatible peer on loopback
# (tests/peers/llm-server.py), replying as $TEST_DIR/llm.script says and
# logging the requests it receives in $TEST_DIR/llm.log; its port goes
# into $TEST_DIR/llm.port.  Bails out when it cannot start.
llm_start() {
	python3 "$SRCDIR/tests/peers/llm-server.py" \
		--script "$TEST_DIR/llm.script" --log "$TEST_DIR/llm.log" \
		--port-file "$TEST_DIR/llm.port" >"$TEST_DIR/llm-server.err" 2>&1 &
	test_bg_pid $!
	peer_wait "the LLM peer" "$TEST_DIR/llm.port" "$TEST_DIR/llm-server.err"
}

# peer_wait WHAT PORT-FILE LOG: until a peer started in the background
# has written its port; bails out, showing its LOG, after 10 s.
peer_wait() {
	_i=0
	while [ ! -s "$2" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ ! -s "$2" ]; then
		echo "Bail out! $1 did not start:"
		cat "$3"
		exit 1
	fi
}

# schedule_wait SECONDS JQ-EXPR: until ft-schedule's status record
# satisfies EXPR; on time out show the status and the log's end.
schedule_wait() {
	_n=$(($1 * 10))
	while ! ft-schedule status | jq -e "$2" >/dev/null; do
		_n=$((_n - 1))
		if [ "$_n" -le 0 ]; then
			echo "schedule_wait: not $2 after $1 s:" >&3
			ft-schedule status >&3
			tail -5 "$FT_STATE_DIR/recognition.log" >&3 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
}

seed_demo() {
	"$SRCDIR/scripts/seed-demo" "$@"
}

# face_data: set DATA to a directory of face photos laid out as
# ../shared/data/faces is (one folder of photos per person), and
# FACE_DATA to "dev" or "fallback".  FT_TEST_DATA names the directory;
# unset, it is the development data beside the checkout.  Where that
# directory is absent (a plain clone, or FT_TEST_DATA=none), DATA is a
# set cut from face-api's demo photos (tests/face/fallback-faces), built
# once into $FT_BUILD/tests/fallback-faces and kept there, and
# FOOTAGE_PEOPLE (for scripts/make-footage) names five of its people.
# Calls skip_all when neither can be had.
face_data() {
	DATA=${FT_TEST_DATA:-$SRCDIR/../shared/data/faces}
	FACE_DATA=dev
	if [ -d "$DATA" ] && [ ! -e "$DATA/.fallback" ]; then
		return 0
	fi
	[ -d "$DATA" ] || DATA=$FT_BUILD/tests/fallback-faces
	FACE_DATA=fallback
	ft-recognize --models >/dev/null 2>&1 ||
		skip_all "no face data and no face models (make models)"
	_rc=0
	"$SRCDIR/tests/face/fallback-faces" "$DATA" \
		>"$TEST_DIR/.fallback.err" 2>&1 || _rc=$?
	if [ "$_rc" -eq 77 ]; then
		_why="neither the development data nor face-api's demo photos"
		skip_all "no face data: $_why (make models)"
	fi
	if [ "$_rc" -ne 0 ]; then
		sed 's/^/# /' "$TEST_DIR/.fallback.err" >&2
		echo "Bail out! cannot build the fallback face set"
		exit 1
	fi
	FOOTAGE_PEOPLE=$(tr '\n' ' ' <"$DATA/.footage-people")
	export FOOTAGE_PEOPLE
}

# face_person N MIN: the Nth person of DATA, in name order, with at
# least MIN photos.
face_person() {
	for _d in "$DATA"/*/; do
		_d=${_d%/}
		[ "${_d##*/}" != groups ] || continue
		set -- "$1" "$2" "$_d"/*.jpg
		[ $# -ge $(($2 + 2)) ] || continue
		set -- "$1" "$2"
		if [ "$1" -le 1 ]; then
			echo "${_d##*/}"
			return 0
		fi
		set -- $(($1 - 1)) "$2"
	done
	echo "face_person: no person number $1 with $2 photos in $DATA" >&2
	return 1
}

# face_photo PERSON K: the Kth photo of PERSON in DATA, in name order.
face_photo() {
	set -- "$2" "$DATA/$1"/*.jpg
	eval "echo \"\${$(($1 + 1))}\""
}

# face_two_people: A and B, two people of DATA (face_data) that the
# descriptor model tells apart well, A with three photos or more and B
# with two: in the development data two chosen so, else the first two
# of the fallback set.
face_two_people() {
	if [ "$FACE_DATA" = dev ]; then
		A=Frank_Solich B=Ray_Romano
	else
		A=$(face_person 1 3) && B=$(face_person 2 2) || {
			echo "Bail out! too few people in $DATA"
			exit 1
		}
	fi
}

# frame PATH TS [SOURCE]: a frame record that refers to an image file.
frame() {
	jq -nc --arg p "$1" --arg ts "$2" --arg s "${3:-door}" \
		'{type: "frame", source: $s, seq: 1, ts: $ts, path: $p}'
}

# frames PATH TS...: one frame record of source door per time.
frames() {
	_p=$1
	shift
	for _t in "$@"; do frame "$_p" "$_t"; done
}

# csv_decode [FILE]: an RFC 4180 CSV as one line per record, fields
# separated by tabs (the data under test holds no tabs).
csv_decode() {
	perl -e '
		local $/; my $s = <>; my @f; my $q;
		while (length $s) {
			if ($s =~ s/^"((?:[^"]|"")*)"//) {
				($q = $1) =~ s/""/"/g; push @f, $q;
			} elsif ($s =~ s/^([^,"\r\n]*)//) {
				push @f, $1;
			}
			if ($s =~ s/^,//) { next }
			if ($s =~ s/^\r?\n// || !length $s) {
				print join("\t", @f), "\n"; @f = (); next;
			}
			die "csv_decode: bad CSV near: ", substr($s, 0, 20), "\n";
		}' "$@"
}

# test_stores: the stores to run store tests on, one a line.
test_stores() {
	echo sqlite
	if [ -n "${FT_TEST_MYSQL_URL-}" ]; then
		echo mysql
	fi
}

# Parts of FT_TEST_MYSQL_URL (mysql://USER:PASS@HOST:PORT/DB).
_mysql_parse() {
	[ -n "${_mysql_cnf-}" ] && return 0
	_u=${FT_TEST_MYSQL_URL#mysql://}
	MYSQL_USERINFO=${_u%@*}
	_u=${_u##*@}
	MYSQL_HOSTPORT=${_u%%/*}
	MYSQL_BASE=${_u#*/}
	MYSQL_BASE=${MYSQL_BASE%%\?*}
	_user=$(printf '%s' "${MYSQL_USERINFO%%:*}" | _pct_decode)
	_pass=
	case $MYSQL_USERINFO in
	*:*) _pass=$(printf '%s' "${MYSQL_USERINFO#*:}" | _pct_decode) ;;
	esac
	case $MYSQL_HOSTPORT in
	*:*) _host=${MYSQL_HOSTPORT%:*} _port=${MYSQL_HOSTPORT##*:} ;;
	*) _host=$MYSQL_HOSTPORT _port=3306 ;;
	esac
	_mysql_cnf=$TEST_DIR/.mysql-client.cnf
	cat >"$_mysql_cnf" <<EOF
[client]
user="$_user"
password="$_pass"
host="$_host"
port=$_port
protocol=tcp
default-character-set=utf8mb4
EOF
}

_pct_decode() {
	perl -pe 's/%([0-9A-Fa-f]{2})/chr hex $1/ge'
}

# mysql_client ARGS: the mariadb client as the test user of
# FT_TEST_MYSQL_URL (password from a file, not the command line).
mysql_client() {
	_mysql_parse
	mariadb --defaults-file="$_mysql_cnf" "$@"
}

# use_store sqlite|mysql: point FT_DB at a new, empty store of that kind
# (a new SQLite file, or a new database on the test server).  Sets STORE,
# and STORE_FILE or STORE_DB.
use_store() {
	# A counter in a file: names stay unique when called in a subshell.
	store_n=$(($(cat "$TEST_DIR/.store-n" 2>/dev/null || echo 0) + 1))
	echo "$store_n" >"$TEST_DIR/.store-n"
	STORE=$1
	case $1 in
	sqlite)
		STORE_FILE=$TEST_DIR/store-$store_n.db
		STORE_DB=
		FT_DB=sqlite:$STORE_FILE
		# Created as the MySQL database is below: readers want it.
		: >"$STORE_FILE"
		;;
	mysql)
		if [ -z "${FT_TEST_MYSQL_URL-}" ]; then
			echo "use_store: FT_TEST_MYSQL_URL is not set" >&2
			exit 1
		fi
		_mysql_parse
		STORE_FILE=
		STORE_DB=${MYSQL_BASE}_$$_$store_n
		if ! mysql_client -e "CREATE DATABASE \`$STORE_DB\`
			CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" >&2
		then
			echo "use_store: cannot create database $STORE_DB" >&2
			exit 1
		fi
		echo "$STORE_DB" >>"$TEST_DIR/.mysql-dbs"
		FT_DB=mysql://$MYSQL_USERINFO@$MYSQL_HOSTPORT/$STORE_DB
		;;
	*)
		echo "use_store: unknown store '$1'" >&2
		exit 1
		;;
	esac
	export FT_DB
}

# store_sql SQL: run SQL on the current store with its own client (not
# through FaceTrack); rows on stdout, columns separated by tabs, no
# header.  Keep NULLs out of results: the clients print them differently.
store_sql() {
	case $STORE in
	sqlite) sqlite3 -batch -noheader -separator "$tab" "$STORE_FILE" "$1" ;;
	mysql) mysql_client -N -B -r "$STORE_DB" -e "$1" ;;
	esac
}

# store_tables: the tables of the current store, one a line.
store_tables() {
	case $STORE in
	sqlite) store_sql "SELECT name FROM sqlite_master
			   WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
			   ORDER BY name" ;;
	mysql) store_sql "SHOW TABLES" ;;
	esac
}

# store_dump: every row of every table, as text, for looking for traces.
store_dump() {
	for _t in $(store_tables); do
		echo "== $_t"
		store_sql "SELECT * FROM $_t" || return 1
	done
}

# --- ft-serve in tests ---

# serve_start [OPTIONS]: start ft-serve on a free port; sets SERVE_PID
# and BASE (http://127.0.0.1:PORT).  Its messages go to
# $TEST_DIR/serve.err; every server started is killed at exit.
serve_start() {
	: >"$TEST_DIR/serve.err"
	ft-serve --listen 127.0.0.1:0 "$@" 2>"$TEST_DIR/serve.err" &
	SERVE_PID=$!
	echo "$SERVE_PID" >>"$TEST_DIR/.pids"
	_i=0
	until grep -q 'listening on' "$TEST_DIR/serve.err"; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ] || ! kill -0 "$SERVE_PID" 2>/dev/null
		then
			cat "$TEST_DIR/serve.err" >&2
			return 1
		fi
		sleep 0.1
	done
	BASE=$(sed -n 's|.*listening on \(http://[^ ]*\)$|\1|p' \
		"$TEST_DIR/serve.err")
}

serve_stop() {
	kill -TERM "$SERVE_PID" 2>/dev/null || :
	wait "$SERVE_PID" 2>/dev/null || :
}

# http OUT PATH [CURL-ARGS]: request BASE/PATH with the key $KEY; the
# body goes to OUT, the headers to OUT.h; prints the status code.
http() {
	_out=$1 _path=$2
	shift 2
	curl -sS --path-as-is -o "$_out" -D "$_out.h" -w '%{http_code}' \
		-H "Authorization: Bearer $KEY" "$@" "$BASE$_path"
}
