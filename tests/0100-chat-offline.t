#!/bin/sh
# ft-chat without a language model: the offline engine's answers to the
# common questions, each figure checked against ft-query on the same demo
# data (FT_NOW is Tuesday 2026-11-24, days in UTC), charts, questions on
# stdin, the pipe edges and usage errors.
. "$(dirname "$0")/lib.sh"

# The figures as ft-query gives them, for a period of whole days.
visits_in() {
	ft-query visits --since "$1" --until "$2" | wc -l | tr -d ' '
}
visitors_in() {
	ft-query visits --since "$1" --until "$2" | jq -r .customer |
		sort -u | wc -l | tr -d ' '
}
new_in() {
	ft-query customers --since "$1" --until "$2" | wc -l | tr -d ' '
}
stat() {
	ft-query stats --jq ".$1"
}

# The questions, and how ft-query gets the figure each answer must state
# first, as a plain number.
cat >"$TEST_DIR/questions" <<'EOF'
how many customers visited last week?	visitors_in 2026-11-16 2026-11-22
How many visits yesterday?	visits_in 2026-11-23 2026-11-23
how many visits today	stat visits_today
how many new customers this week?	new_in 2026-11-23 2026-11-24
How many new customers today?	stat new_today
how many visits in the last 7 days?	stat visits_week
how many visits from 2026-11-01 to 2026-11-15?	visits_in 2026-11-01 2026-11-15
how many visits on 2026-11-20?	visits_in 2026-11-20 2026-11-20
number of visitors this month	visitors_in 2026-11-01 2026-11-24
how many customers do we have?	stat total_customers
How many visits in November?	visits_in 2026-11-01 2026-11-30
how many customers came last month?	visitors_in 2026-10-01 2026-10-31
how many new customers since 2026-11-20?	new_in 2026-11-20 2026-11-24
how many visits were there in the last 3 days	visits_in 2026-11-22 2026-11-24
how many customers visited this week	visitors_in 2026-11-23 2026-11-24
EOF

# points FILE NAME FIRST LAST: "DATE COUNT" lines of an ft-query trend
# series between two dates.
points() {
	jq -r --arg a "$3" --arg b "$4" "select(.name == \"$2\") | .points[] |
		select(.[0] >= \$a and .[0] <= \$b) | \"\(.[0]) \(.[1])\"" "$1"
}

for store in $(test_stores); do
mkdir "$TEST_DIR/$store"
cd "$TEST_DIR/$store" || exit 1
use_store "$store"

test_expect_success "$store: demo data" '
	seed_demo --customers 300 --visits 3000 --days 40 --seed 42 >/dev/null &&
	test "$(ft-query stats --jq .total_customers)" = 300
'

test_expect_success "$store: each question's figure is ft-query's" '
	n=0 &&
	while IFS="$tab" read -r q how; do
		n=$((n + 1)) &&
		ft-chat -e "$q" >answer 2>err &&
		test_must_be_empty err &&
		want=$($how) &&
		got=$(sed -n "1s/^\([0-9][0-9]*\) .*/\1/p" answer) &&
		if [ "$got" != "$want" ]; then
			echo "question: $q: want $want; answer:" >&3
			cat answer >&3
			exit 1
		fi &&
		if [ "$want" -gt 0 ]; then echo "$q" >>nonzero; fi ||
		exit 1
	done <"$TEST_DIR/questions" &&
	test "$n" = 15 &&
	test_line_count -ge 14 nonzero
'

test_expect_success "$store: answers name their period" '
	ft-chat -e "how many customers visited last week?" >a &&
	test_grep "last week (2026-11-16 to 2026-11-22)" a &&
	ft-chat -e "how many visits yesterday?" >a &&
	test_grep "yesterday (2026-11-23)" a &&
	ft-chat -e "how many visits from 2026-11-01 to 2026-11-15?" >a &&
	test_grep "from 2026-11-01 to 2026-11-15" a
'

test_expect_success "$store: new customers per day this month" '
	ft-chat -e "new customers per day this month" >a &&
	test_grep "^New customers per day this month (2026-11-01 to 2026-11-24):" a &&
	sed -n "s/^  \(2026-[0-9-]*\)  \([0-9]*\)$/\1 \2/p" a >got &&
	ft-query trend --days 24 >trend.json &&
	points trend.json new_customers_per_day 2026-11-01 2026-11-24 >want &&
	test_line_count = 24 want &&
	test_cmp want got &&
	total=$(awk "{ s += \$2 } END { print s }" want) &&
	test_grep "^Total: $total$" a &&
	test "$total" = "$(new_in 2026-11-01 2026-11-24)"
'

test_expect_success "$store: visits per day last week" '
	ft-chat -e "visits each day last week?" >a &&
	sed -n "s/^  \(2026-[0-9-]*\)  \([0-9]*\)$/\1 \2/p" a >got &&
	ft-query trend --days 9 >trend.json &&
	points trend.json visits_per_day 2026-11-16 2026-11-22 >want &&
	test_line_count = 7 want &&
	test_cmp want got
'

test_expect_success "$store: the top visitors this month" '
	ft-chat -e "who are the top 5 visitors this month?" >a &&
	test_grep "^Top 5 visitors this month (2026-11-01 to 2026-11-24):" a &&
	sed -n "s/^  [1-5]\. \(.*\): \([0-9]*\) visits*$/\1\t\2/p" a >got &&
	ft-query top --limit 5 --since 2026-11-01 --until 2026-11-24 |
		jq -r "[.name, .visits_in_range] | @tsv" >want &&
	test_line_count = 5 want &&
	test_cmp want got &&
	ft-chat -e "our most loyal customers" >a &&
	sed -n "s/^  [0-9]*\. \(.*\): \([0-9]*\) visits*$/\1\t\2/p" a >got &&
	ft-query top --limit 10 | jq -r "[.name, .visits_in_range] | @tsv" \
		>want &&
	test_line_count = 10 want &&
	test_cmp want got
'

test_expect_success "$store: when a named customer last visited" '
	ft-query customers --sort visits --reverse | jq -r .name >names &&
	while read -r name; do
		if [ "$(ft-query customers --name "$name" | wc -l)" = 1 ]; then
			break
		fi
	done <names &&
	ft-query customers --name "$name" >c.json &&
	when=$(jq -r ".last_visit[0:16] | sub(\"T\"; \" \")" c.json) &&
	visits=$(jq -r .visits c.json) &&
	ft-chat -e "When did $name last visit?" >a &&
	echo "$name last visited on $when UTC ($visits visits in all)." >want &&
	test_cmp want a &&
	ft-chat -e "last visit of $name" >a2 &&
	test_cmp want a2
'

test_expect_success "$store: a name several customers share; one nobody has" '
	first=$(ft-query customers --limit 1 | jq -r .name | cut -d" " -f1) &&
	n=$(ft-query customers --name "$first" | wc -l) &&
	test "$n" -gt 1 &&
	ft-chat -e "when did $first last visit?" >a &&
	if [ "$n" -gt 10 ]; then
		test_grep "^More than 10 customers match .$first.; the 10 most recent visitors:" a
	else
		test_grep "^$n customers match .$first.; the most recent visitors first:" a
	fi &&
	ft-query customers --name "$first" --sort last-visit --reverse \
		--limit 10 | jq -r .name >want &&
	sed -n "s/^  \(.*\): last visit .*/\1/p" a >got &&
	test_cmp want got &&
	ft-chat -e "when did Zacharias Nobody last visit?" >a &&
	test_grep "No customer.s name contains .Zacharias Nobody." a
'

test_expect_success "$store: stats" '
	ft-chat -e stats >a &&
	ft-query stats >s.json &&
	test_grep "^Customers: $(jq .total_customers s.json)$" a &&
	test_grep "^Visits today: $(jq .visits_today s.json)$" a &&
	test_grep "^Visits in the last 7 days: $(jq .visits_week s.json)$" a
'

test_expect_success "$store: this week so far against the same days of last week" '
	ft-chat -e "this week vs last week" >a &&
	ft-query compare --since 2026-11-23 --until 2026-11-24 \
		--against-since 2026-11-16 --against-until 2026-11-17 >c.json &&
	v=$(jq .period.visits c.json) && w=$(jq .against.visits c.json) &&
	test_grep "^Visits: $v this week (2026-11-23 to 2026-11-24) against $w the same days of last week (2026-11-16 to 2026-11-17): " a &&
	test_grep_not "differ in length" a &&
	test "$(visits_in 2026-11-16 2026-11-22)" != "$w"
'

test_expect_success "$store: this month so far against the same days of last month" '
	ft-chat -e "compare new customers this month with last month" >a &&
	n=$(new_in 2026-11-01 2026-11-24) && m=$(new_in 2026-10-01 2026-10-24) &&
	test_grep "^New customers: $n this month (2026-11-01 to 2026-11-24) against $m the same days of last month (2026-10-01 to 2026-10-24): " a &&
	ft-chat -e "compare visits in november with october" >b &&
	test_grep "^Visits: $(visits_in 2026-11-01 2026-11-24) 2026-11 so far (2026-11-01 to 2026-11-24) against $(visits_in 2026-10-01 2026-10-24) the same days of 2026-10 (2026-10-01 to 2026-10-24): " b
'

test_expect_success "$store: past periods are compared whole" '
	ft-chat -e "compare 2026-11-09 to 2026-11-15 with 2026-11-16 to 2026-11-22" >a &&
	test_grep "^Visits: $(visits_in 2026-11-09 2026-11-15) from 2026-11-09 to 2026-11-15 against $(visits_in 2026-11-16 2026-11-22) from 2026-11-16 to 2026-11-22: " a
'

test_expect_success "$store: a chart of visits per day this month" '
	ft-chat --plots plots -e "chart visits per day this month" >a 2>err &&
	test_must_be_empty err &&
	f=plots/visits-per-day-2026-11-01_2026-11-24.png &&
	test_grep "written to $f\.$" a &&
	head -c 8 "$f" | od -An -c | tr -d " " >magic &&
	printf "%s\n" "211PNG\\r\\n032\\n" >want && test_cmp want magic &&
	ft-query trend --days 24 >trend.json &&
	points trend.json visits_per_day 2026-11-01 2026-11-24 >want &&
	sed -n "s/^\(2026-[0-9-]*\) .* \([0-9][0-9]*\)$/\1 \2/p" a >got &&
	test_cmp want got &&
	total=$(awk "{ s += \$2 } END { print s }" want) &&
	test_grep ", $total in all, written to" a
'

test_expect_success "$store: a chart of visits by weekday, ft-query figures" '
	ft-chat --plots plots -e "plot visits by weekday last month" >a &&
	f=plots/visits-by-weekday-2026-10-01_2026-10-31.png &&
	test_grep "^Chart of visits by day of the week last month .*written to $f\.$" a &&
	test -s "$f" &&
	ft-query by-time --by weekday --since 2026-10-01 --until 2026-10-31 |
		jq -r ".points[] | \"\(.[0]) \(.[1])\"" >want &&
	sed -n "s/^\([A-Z][a-z]*day\) .* \([0-9][0-9]*\)$/\1 \2/p" a >got &&
	test_cmp want got &&
	rm "$f"
'

test_expect_success "$store: a chart of the top customers, ft-query figures" '
	ft-chat --plots bars -e "chart the best 3 customers last week" >a &&
	f=bars/top-customers-2026-11-16_2026-11-22.png &&
	test "$(head -c 8 "$f" | od -An -tx1 | tr -d " \n")" = \
		89504e470d0a1a0a &&
	ft-query top --limit 3 --since 2026-11-16 --until 2026-11-22 |
		jq -r "\"\(.name) \(.visits_in_range)\"" | paste -sd, - |
		sed "s/,/, /g" >want &&
	sed -n "s/^Chart of the top 3 customers by visits last week (2026-11-16 to 2026-11-22): \(.*\); written to $(echo "$f" | sed "s,/,\\\\/,g")\.$/\1/p" a >got &&
	test_cmp want got
'

test_expect_success "$store: a chart of this week against the same days of last" '
	ft-chat --plots bars -e "chart visits this week vs last week" >a &&
	f=bars/compare-2026-11-23_2026-11-24-2026-11-16_2026-11-17.png &&
	test "$(head -c 8 "$f" | od -An -tx1 | tr -d " \n")" = \
		89504e470d0a1a0a &&
	ft-query compare --since 2026-11-23 --until 2026-11-24 \
		--against-since 2026-11-16 --against-until 2026-11-17 >c.json &&
	want=$(jq -r "\"visits A \(.period.visits), visits B \(.against.visits), visitors A \(.period.visitors), visitors B \(.against.visitors), new A \(.period.new_customers), new B \(.against.new_customers)\"" c.json) &&
	test_grep "^Chart of this week (2026-11-23 to 2026-11-24) (A) against the same days of last week (2026-11-16 to 2026-11-17) (B): $want; written to $f\.$" a
'

test_expect_success "$store: a chart of one customer's visits per month" '
	ft-query top --limit 20 | jq -r ".name" | grep -v "'"'"'" >names &&
	while read -r name; do
		if [ "$(ft-query customers --name "$name" | wc -l)" = 1 ]; then
			break
		fi
	done <names &&
	id=$(ft-query customers --name "$name" | jq -r .id) &&
	ft-chat --plots bars -e "plot $name'"'"'s visits" >a &&
	ft-query visits --customer "$id" | jq -r ".ts[0:7]" | uniq -c |
		awk "{ printf \"%s%s %s\", (NR > 1 ? \", \" : \"\"), \$2, \$1 }
		END { print \"\" }" >want &&
	sed -n "s/^Chart of the visits of .* per month: \(.*\); written to .*$/\1/p" a >got &&
	test_cmp want got &&
	f=$(sed -n "s/.*written to \(.*\)\.$/\1/p" a) &&
	case $f in bars/customer-visits-$(echo "$id" | cut -c1-8)-*.png) ;;
		*) false ;; esac &&
	test "$(head -c 8 "$f" | od -An -tx1 | tr -d " \n")" = \
		89504e470d0a1a0a
'

test_expect_success "$store: charts never overwrite; SVG too" '
	ft-chat --plots plots --chart-format both \
		-e "plot visits per day this month" >a &&
	png=plots/visits-per-day-2026-11-01_2026-11-24-2.png &&
	svg=plots/visits-per-day-2026-11-01_2026-11-24.svg &&
	test_grep "written to $png and $svg\.$" a &&
	test -s "$png" && test -s "$svg" &&
	test_grep "<svg" "$svg" &&
	ft-chat --plots plots -e "graph of new customers per day last week" \
		>a &&
	test_grep "plots/new-customers-per-day-2026-11-16_2026-11-22.png" a &&
	test "$(ls plots | wc -l)" = 4
'

done

cd "$TEST_DIR" || exit 1
use_store sqlite
seed_demo --customers 50 --visits 400 --days 10 --seed 7 >/dev/null

test_expect_success 'a question beyond the offline engine: exit 1, says so' '
	test_exit_status 1 ft-chat -e "what is the meaning of life?" >a 2>err &&
	test_grep "beyond what I can answer offline" a &&
	test_grep "how many customers visited last week" a &&
	test_grep "OPENROUTER_API_KEY" a
'

test_expect_success 'a part not understood is a refusal that names it' '
	test_exit_status 1 ft-chat -e "how many visits before last week?" >a &&
	test_grep "^I understood: a count, visits, the period last week" a &&
	test_grep "^I did not understand: .before.\.$" a &&
	test_grep "^The nearest question I can answer: how many visits last week" a &&
	test_exit_status 1 ft-chat -e "how many vists yesterday" >a &&
	test_grep "^I did not understand: .vists.\.$" a &&
	test_exit_status 1 ft-chat -e "how many visits in the last minute" >a &&
	test_grep "did not understand: .last., .minute." a
'

test_expect_success 'a lapse without its days: refused, pointed to one' '
	test_exit_status 1 ft-chat -e "regulars who stopped coming" >a &&
	test_grep "^The nearest question I can answer: which customers with at least 3 visits have not come for 30 days?$" a &&
	ft-chat -e "which customers with at least 3 visits have not come for 30 days?" >b &&
	test_grep "customers who came at least 3 times have not been seen for more than 30 days" b &&
	test_exit_status 1 ft-chat -e "customers who came at least 5 times last month" >a &&
	test_grep "^I understood: .*a least number of visits, the period last month" a &&
	test_grep "^The nearest question I can answer: how many customers came at least 5 times?$" a
'

test_expect_success 'ranking words with a number; a number only for the top' '
	ft-chat -e "best 3 customers last month" >a &&
	ft-query top --limit 3 --since 2026-10-01 --until 2026-10-31 |
		jq -r ".visits_in_range" >want &&
	sed -n "s/^  [0-9]\. .*: \([0-9]*\) visits\{0,1\}$/\1/p" a >got &&
	test_cmp want got &&
	ft-chat -e "the five most loyal customers" >a &&
	test_grep "^Top 5 visitors of all time:$" a &&
	test_exit_status 1 ft-chat -e "which 3 weekdays have the most visits" >a &&
	test_grep "did not understand: .3." a
'

test_expect_success 'parts understood that make no question: refused' '
	test_exit_status 1 ft-chat -e "how many customers did not visit yesterday" \
		>a &&
	test_grep "I understood: a count, customers, who came, a negation" a &&
	test_grep "^I cannot answer these together" a &&
	test_exit_status 1 ft-chat -e "how many visits yesterday in all" >a &&
	test_exit_status 1 ft-chat -e "stats for last week" >a &&
	test_exit_status 1 ft-chat -e "top 500 customers" >a
'

test_expect_success 'questions one a line on stdin, answered in order' '
	printf "how many visits today?\n\n  \nhow many customers do we have?" \
		>q &&
	ft-chat <q >a 2>err &&
	test_must_be_empty err &&
	test_line_count = 2 a &&
	sed -n 1p a | test_grep "^$(ft-query stats --jq .visits_today) visits* today" - &&
	sed -n 2p a | test_grep "^50 customers in all" - &&
	printf "how many visits today?\nwho is the president?\nstats\n" >q &&
	test_exit_status 1 ft-chat <q >a &&
	test_grep "^Customers: 50$" a
'

test_expect_success '-e more than once; --offline ignores the key' '
	port=$(unused_port) &&
	OPENROUTER_API_KEY=sk-or-offline-test FT_LLM_URL=http://127.0.0.1:$port \
		ft-chat --offline -e "how many customers do we have?" \
		-e "how many visits today" >a 2>err &&
	test_must_be_empty err &&
	test_line_count = 2 a &&
	test_grep "^50 customers in all" a
'

test_expect_success 'pipes: | head -1 ends quietly; /dev/full is a write error' '
	{ ft-chat -e "visits per day this month" 2>err; echo $? >rc; } |
		head -1 >out &&
	test_line_count = 1 out &&
	test_must_be_empty err &&
	test_exit_status 1 ft-chat -e stats >/dev/full 2>err &&
	test_grep "^ft-chat: write error" err
'

test_expect_success 'an unreachable store: exit 75, no password shown' '
	port=$(unused_port) &&
	test_exit_status 75 ft-chat --db "mysql://ft:s3cret@127.0.0.1:$port/x" \
		-e stats >out 2>err &&
	test_grep "^ft-chat: " err &&
	test_grep_not s3cret err
'

test_expect_success 'a store that fails mid-answer: exit 1, the store says why' '
	cp "$STORE_FILE" broken.db &&
	sqlite3 broken.db "DROP TABLE visits" &&
	test_exit_status 1 ft-chat --db sqlite:broken.db \
		-e "how many visits yesterday?" >out 2>err &&
	test_grep "^ft-chat: .*visits" err &&
	test_exit_status 1 ft-chat --db sqlite:broken.db \
		-e "chart visits per day in the last 400 days" >out 2>err &&
	test_grep "^ft-chat: a chart covers at most 366 days, not 400$" err
'

test_expect_success 'bad settings exit 1 with the setting named' '
	test_exit_status 1 env FT_LLM_TIMEOUT=soon ft-chat -e stats 2>err &&
	test_grep "FT_LLM_TIMEOUT" err &&
	test_exit_status 1 env FT_CHART_FORMAT=gif ft-chat -e stats 2>err &&
	test_grep "FT_CHART_FORMAT" err
'

usage_error() {
	test_exit_status 2 "$@" >out 2>err &&
	test_must_be_empty out &&
	test_grep "^usage: ft-chat" err
}

test_expect_success 'usage errors exit 2; --help and --version' '
	usage_error ft-chat --bogus &&
	usage_error ft-chat how many visits &&
	usage_error ft-chat --chart-format gif -e stats &&
	usage_error ft-chat -e &&
	ft-chat --help >out 2>err &&
	test_must_be_empty err &&
	test_grep "^usage: ft-chat" out &&
	ft-chat --version >out &&
	test_grep "^ft-chat [0-9][0-9.]*$" out
'

test_done
