#!/bin/sh
# ft-report without mail: the CSV of visits and the summary CSV of a
# period of whole days, checked against ft-query on demo data; the named
# periods, local days, an empty range, and errors.
. "$(dirname "$0")/lib.sh"

# want_visits SINCE UNTIL: the rows the visits CSV must hold, from
# ft-query (e-mails from the customer records), as tab-separated lines.
want_visits() {
	ft-query customers >cust.json &&
	ft-query visits --since "$1" --until "$2" |
		jq -r --slurpfile c cust.json '
			($c | map({(.id): (.email // "")}) | add) as $mail |
			[.customer, (.name // ""), $mail[.customer], .ts,
			 (.source // ""), .number] | map(tostring) | @tsv'
}

# want_summary SINCE UNTIL: the summary rows, most visits first, ties by
# name then id.
want_summary() {
	ft-query customers >cust.json &&
	ft-query visits --since "$1" --until "$2" |
		jq -rs --slurpfile c cust.json '
			($c | map({(.id): (.email // "")}) | add) as $mail |
			group_by(.customer) |
			map({id: .[0].customer, name: (.[0].name // ""),
			     n: length, first: (map(.ts) | min),
			     last: (map(.ts) | max)}) |
			sort_by(-.n, .name, .id) | .[] |
			[.id, .name, $mail[.id], .n, .first, .last] |
			map(tostring) | @tsv'
}

VHEAD="customer_id${tab}name${tab}email${tab}visit_time${tab}source${tab}visit_number"
SHEAD="customer_id${tab}name${tab}email${tab}visits${tab}first_visit${tab}last_visit"

for store in $(test_stores); do
mkdir "$TEST_DIR/$store"
cd "$TEST_DIR/$store" || exit 1
use_store "$store"

test_expect_success "$store: demo data" '
	seed_demo --customers 300 --visits 3000 --days 40 --seed 42 >/dev/null
'

test_expect_success "$store: --from --to: every visit of the days, in order" '
	ft-report --from 2026-11-16 --to 2026-11-22 >out 2>err &&
	test_must_be_empty err &&
	echo ./reports/visits-2026-11-16_2026-11-22.csv >want &&
	test_cmp want out &&
	f=reports/visits-2026-11-16_2026-11-22.csv &&
	csv_decode "$f" >got &&
	{ echo "$VHEAD" && want_visits 2026-11-16 2026-11-22; } >want &&
	test_line_count -gt 500 want &&
	test_cmp want got &&
	test_grep -F "芳" "$f" &&
	test "$(head -1 "$f" | od -An -c | tr -d " " | tail -c 5)" = "\\r\\n"
'

test_expect_success "$store: --last-week, --yesterday and --month" '
	ft-report --dir lw --last-week >out &&
	echo lw/visits-2026-11-16_2026-11-22.csv >want && test_cmp want out &&
	cmp lw/visits-2026-11-16_2026-11-22.csv \
		reports/visits-2026-11-16_2026-11-22.csv &&
	ft-report --yesterday >out &&
	echo ./reports/visits-2026-11-23.csv >want && test_cmp want out &&
	csv_decode reports/visits-2026-11-23.csv >got &&
	{ echo "$VHEAD" && want_visits 2026-11-23 2026-11-23; } >want &&
	test_line_count -gt 10 want &&
	test_cmp want got &&
	ft-report --month 2026-10 >out &&
	echo ./reports/visits-2026-10-01_2026-10-31.csv >want &&
	test_cmp want out &&
	csv_decode reports/visits-2026-10-01_2026-10-31.csv >got &&
	{ echo "$VHEAD" && want_visits 2026-10-01 2026-10-31; } >want &&
	test_line_count -gt 100 want &&
	test_cmp want got
'

test_expect_success "$store: --summary: one row per customer who came" '
	FT_REPORTS_DIR=sum ft-report --summary --from 2026-11-01 \
		--to 2026-11-24 >out &&
	echo sum/summary-2026-11-01_2026-11-24.csv >want && test_cmp want out &&
	csv_decode sum/summary-2026-11-01_2026-11-24.csv >got &&
	{ echo "$SHEAD" && want_summary 2026-11-01 2026-11-24; } >want &&
	test_line_count -gt 100 want &&
	test_cmp want got
'

test_expect_success "$store: an empty range: the header alone, status 0" '
	ft-report --from 2025-01-01 --to 2025-01-02 >out &&
	csv_decode reports/visits-2025-01-01_2025-01-02.csv >got &&
	echo "$VHEAD" >want && test_cmp want got &&
	ft-report --summary --from 2025-01-01 --to 2025-01-01 >out &&
	csv_decode reports/summary-2025-01-01.csv >got &&
	echo "$SHEAD" >want && test_cmp want got
'

test_expect_success "$store: days are local days (TZ=Europe/Berlin)" '
	TZ=Europe/Berlin ft-report --dir berlin --from 2026-11-23 \
		--to 2026-11-23 >out &&
	csv_decode berlin/visits-2026-11-23.csv | sed 1d | cut -f4 >got &&
	ft-query visits --since 2026-11-22T23:00Z --until 2026-11-23T23:00Z |
		jq -r .ts >want &&
	test_line_count -gt 10 want &&
	test_cmp want got
'

done

cd "$TEST_DIR" || exit 1
use_store sqlite
seed_demo --customers 50 --visits 400 --days 10 --seed 7 >/dev/null

test_expect_success 'a second run replaces the file and leaves nothing aside' '
	ft-report --dir again --yesterday >/dev/null &&
	echo garbage >again/visits-2026-11-23.csv &&
	ft-report --dir again --yesterday >/dev/null &&
	test_grep "^customer_id,name" again/visits-2026-11-23.csv &&
	test "$(ls -A again)" = visits-2026-11-23.csv
'

test_expect_success 'a reports directory that cannot be made: exit 1' '
	echo file >notadir &&
	test_exit_status 1 ft-report --dir notadir/sub --yesterday >out 2>err &&
	test_must_be_empty out &&
	test_grep "^ft-report: cannot create .notadir/sub." err
'

test_expect_success 'an unreachable store: exit 75, no password shown' '
	port=$(unused_port) &&
	test_exit_status 75 ft-report --db "mysql://ft:s3cret@127.0.0.1:$port/x" \
		--yesterday >out 2>err &&
	test_must_be_empty out &&
	test_grep "^ft-report: " err &&
	test_grep_not s3cret err
'

test_expect_success '>/dev/full is a write error' '
	test_exit_status 1 ft-report --dir full --yesterday >/dev/full 2>err &&
	test_grep "^ft-report: write error" err
'

usage_error() {
	test_exit_status 2 "$@" >out 2>err &&
	test_must_be_empty out &&
	test_grep "^usage: ft-report" err
}

test_expect_success 'usage errors exit 2 and write nothing' '
	usage_error ft-report --dir u &&
	usage_error ft-report --dir u --from 2026-11-01 &&
	usage_error ft-report --dir u --to 2026-11-01 &&
	usage_error ft-report --dir u --from 2026-11-05 --to 2026-11-01 &&
	usage_error ft-report --dir u --from 2026-11-5 --to 2026-11-06 &&
	usage_error ft-report --dir u --from 7d --to today &&
	usage_error ft-report --dir u --yesterday --last-week &&
	usage_error ft-report --dir u --month 2026-13 &&
	usage_error ft-report --dir u --month 2026-1 &&
	usage_error ft-report --dir u --bogus --yesterday &&
	usage_error ft-report --dir u --yesterday extra words &&
	test ! -e u &&
	ft-report --help >out &&
	test_grep "^usage: ft-report" out &&
	ft-report --version >out &&
	test_grep "^ft-report [0-9][0-9.]*$" out
'

test_done
