#!/bin/sh
# The edges of pipes and files: `| head -1` ends quietly, a full disk is
# a "write error" with status 1, an unreachable store is status 75
# without the password.
#
# No program of this issue reads JSON lines on stdin (ft-query and
# ft-enroll read the store and CSV), so the reader's edges (a malformed
# line reported as NAME:LINE, a missing final newline, a truncated line,
# the length cap) are tested on lib/jsonl in tests/unit/test-jsonl.c.
. "$(dirname "$0")/lib.sh"

# quiet_head CMD...: `CMD | head -1` gives one line, nothing on stderr,
# status 0 for the pipeline, and CMD itself ends with 0 or by SIGPIPE
# (141), never with a complaint.
quiet_head() {
	rm -f qh.status
	# set -e would end the left side before it records the status.
	{ _r=0; "$@" 2>qh.err || _r=$?; echo $_r >qh.status; } |
		head -1 >qh.out
	_pipe=$?
	_st=$(cat qh.status)
	if [ "$_pipe" -ne 0 ]; then
		echo "quiet_head: pipeline status $_pipe: $*" >&3
		return 1
	fi
	case $_st in
	0|141) ;;
	*)
		echo "quiet_head: status $_st: $*; stderr:" >&3
		cat qh.err >&3
		return 1
		;;
	esac
	test_line_count = 1 qh.out &&
	test_must_be_empty qh.err
}

# full CMD...: CMD >/dev/full says "PROG: write error..." once, status 1.
full() {
	test_exit_status 1 "$@" >/dev/full 2>full.err &&
	test_grep -E "^(ft-[a-z-]+|seed-demo): write error" full.err &&
	test_line_count = 1 full.err
}

for store in $(test_stores); do
mkdir "$TEST_DIR/$store"
cd "$TEST_DIR/$store" || exit 1
use_store "$store"

test_expect_success "$store: seed" '
	seed_demo --customers 400 --visits 4000 --days 30 --seed 3 >out &&
	ft-query top --limit 1 --jq .id >top.id &&
	test -s top.id
'

test_expect_success "$store: | head -1 is quiet, status 0" '
	quiet_head ft-query visits &&
	quiet_head ft-query customers &&
	quiet_head ft-query customers --format csv &&
	quiet_head ft-query visits --format table &&
	quiet_head ft-query visits --jq ".id, .name" &&
	quiet_head ft-query customer "$(jq -r . top.id)" &&
	quiet_head ft-query trend --days 365
'

test_expect_success "$store: | head -1 is quiet when SIGPIPE is ignored too" '
	trap "" PIPE &&
	for cmd in "visits" "customers --format csv" "visits --format table"
	do
		rm -f st &&
		{ r=0; ft-query $cmd 2>err || r=$?; echo $r >st; } |
			head -1 >out &&
		test_line_count = 1 out &&
		test_must_be_empty err || exit 1
	done
'

test_expect_success "$store: >/dev/full is a write error, status 1" '
	full ft-query stats &&
	full ft-query visits &&
	full ft-query customers --format table &&
	full ft-query customers --format csv &&
	full ft-query visits --jq .name &&
	full ft-query trend &&
	full ft-query customer "$(jq -r . top.id)" &&
	full ft-query --help &&
	full ft-query --version &&
	full ft-enroll add --name "Full Disk" &&
	printf "name\nA\nB\n" >two.csv &&
	full ft-enroll import two.csv &&
	full ft-enroll --help &&
	full seed_demo --customers 2 --visits 2 --days 1 --seed 9
'

test_expect_success "$store: output to a regular file is complete" '
	ft-query visits >file.json &&
	test_line_count = "$(store_sql "SELECT count(*) FROM visits")" \
		file.json &&
	ft-query visits | cat >pipe.json &&
	test_cmp file.json pipe.json
'

done

if [ -n "${FT_TEST_MYSQL_URL-}" ]; then
	test_expect_success 'mysql: a wrong password fails without showing it' '
		use_store mysql &&
		url=$(printf %s "$FT_DB" |
			sed "s|^mysql://\([^:]*\):[^@]*@|mysql://\1:Zq7wrongpw@|") &&
		rc=0 && ft-query --db "$url" stats >out 2>err || rc=$? &&
		test "$rc" -ne 0 &&
		test_must_be_empty out &&
		test_grep "^ft-query: " err &&
		test_grep_not -e Zq7 -e wrongpw err
	'
fi

cd "$TEST_DIR" || exit 1
port=$(unused_port)
export FT_DB="mysql://ft:Zq7-pipe-secret@127.0.0.1:$port/facetrack_gone"

# gone CMD...: status 75, the host and database named, no password.
gone() {
	test_exit_status 75 "$@" >out 2>err &&
	test_must_be_empty out &&
	test_grep -F 127.0.0.1 err &&
	test_grep -F facetrack_gone err &&
	test_grep_not -e Zq7 -e pipe-secret err
}

test_expect_success 'unreachable MySQL: every command exits 75' '
	for c in customers "customer 00000000" visits stats trend top; do
		gone ft-query $c || exit 1
	done &&
	gone ft-enroll add --name Ann &&
	gone ft-enroll update 00000000 --name Ann &&
	gone ft-enroll merge 00000000 11111111 &&
	gone ft-enroll forget 00000000 &&
	printf "name\nAnn\n" >one.csv &&
	gone ft-enroll import one.csv &&
	gone seed_demo --customers 1 --visits 1 --days 1 --seed 1
'

test_done
