#!/bin/sh
# ft-chat with a language model: an OpenAI-compatible server on loopback
# (tests/peers/llm-server.py) replays scripted replies, streamed and not,
# tool calls included, and logs every request.  The tests check what
# ft-chat sends (tools declared, arguments, the tool results it returns),
# what it prints, and how it meets 401, 429, 5xx, timeouts, malformed
# replies, a broken connection and Ctrl-C.  The API key must appear in no
# output.
. "$(dirname "$0")/lib.sh"

KEY=sk-or-v1-test-$$-0123456789abcdef
MODEL=test/model-1
LOG=$TEST_DIR/llm.log
SCRIPT=$TEST_DIR/llm.script

llm_start
PORT=$(cat "$TEST_DIR/llm.port")
OPENROUTER_API_KEY=$KEY
FT_LLM_URL=http://127.0.0.1:$PORT/v1
FT_LLM_MODEL=$MODEL
export OPENROUTER_API_KEY FT_LLM_URL FT_LLM_MODEL

# script LINE...: the replies of the next requests, in order; the log
# starts anew.
script() {
	printf '%s\n' "$@" | jq -c . >"$SCRIPT" &&
	: >"$LOG"
}

# req N JQ: jq -c of request N's log entry.
req() {
	sed -n "$1p" "$LOG" | jq -c "$2"
}

# chat NAME ARGS...: ft-chat ARGS with stdout in NAME.out and stderr in
# NAME.err (kept for the final look for the key); status as ft-chat's.
chat() {
	_n=$1
	shift
	ft-chat "$@" >"$_n.out" 2>"$_n.err"
}

visitors_in() {
	ft-query visits --since "$1" --until "$2" | jq -r .customer |
		sort -u | wc -l | tr -d ' '
}

seed_demo --customers 300 --visits 3000 --days 30 --seed 42 >/dev/null

VISITORS=$(visitors_in 2026-11-16 2026-11-22)

test_expect_success 'a tool call and an answer, not streamed' '
	script "{\"tool_calls\": [{\"id\": \"c1\", \"name\": \"count\",
		\"arguments\": {\"what\": \"visitors\", \"since\": \"2026-11-16\",
		\"until\": \"2026-11-22\"}}]}" \
		"{\"content\": \"$VISITORS customers visited last week.\"}" &&
	chat plain --no-stream -e "How many customers visited last week?" &&
	echo "$VISITORS customers visited last week." >want &&
	test_cmp want plain.out &&
	test_must_be_empty plain.err &&
	test_line_count = 2 "$LOG" &&
	test "$(req 1 .method)" = "\"POST\"" &&
	test "$(req 1 .path)" = "\"/v1/chat/completions\"" &&
	test "$(req 1 .headers.authorization)" = "\"Bearer $KEY\"" &&
	test "$(req 1 .headers[\"content-type\"])" = "\"application/json\"" &&
	test "$(req 1 .body.model)" = "\"$MODEL\"" &&
	test "$(req 1 .body.stream)" = false &&
	test "$(req 1 .body.tool_choice)" = "\"auto\"" &&
	test "$(req 1 "[.body.messages[].role]")" = "[\"system\",\"user\"]" &&
	test "$(req 1 .body.messages[1].content)" = \
		"\"How many customers visited last week?\"" &&
	req 1 .body.messages[0].content | test_grep "2026-11-24" - &&
	req 1 "[.body.tools[] | .type] | unique" >got &&
	echo "[\"function\"]" >want && test_cmp want got &&
	req 1 "[.body.tools[].function.name] | sort" >got &&
	echo "[\"compare_periods\",\"count\",\"count_customers\",\"find_customers\",\"get_averages\",\"get_customer\",\"get_stats\",\"get_trend\",\"lapsed_customers\",\"list_visits\",\"loyal_customers\",\"make_chart\",\"top_customers\",\"visits_by_time\"]" \
		>want &&
	test_cmp want got &&
	req 1 "[.body.tools[].function | .parameters.type,
		.parameters.additionalProperties] | unique" >got &&
	echo "[false,\"object\"]" >want && test_cmp want got &&
	req 1 ".body.tools[].function | select(.name == \"count\") |
		.parameters | [.required, .properties.what.enum]" >got &&
	echo "[[\"what\"],[\"visits\",\"visitors\",\"new_customers\"]]" >want &&
	test_cmp want got &&
	req 1 ".body.tools[].function | select(.name == \"top_customers\") |
		.parameters.properties.limit | [.type, .minimum, .maximum]" >got &&
	echo "[\"integer\",1,100]" >want && test_cmp want got
'

test_expect_success 'the tool result goes back to the model with its call' '
	test "$(req 2 "[.body.messages[].role]")" = \
		"[\"system\",\"user\",\"assistant\",\"tool\"]" &&
	test "$(req 2 .body.messages[2].tool_calls[0].id)" = "\"c1\"" &&
	test "$(req 2 .body.messages[2].tool_calls[0].function.name)" = \
		"\"count\"" &&
	test "$(req 2 .body.messages[3].tool_call_id)" = "\"c1\"" &&
	req 2 ".body.messages[3].content | fromjson" >result &&
	test "$(jq .value result)" = "$VISITORS" &&
	test "$(jq -r .what result)" = visitors &&
	test "$(jq -r .first_day result)" = 2026-11-16 &&
	test "$(jq -r .last_day result)" = 2026-11-22
'

test_expect_success 'the same question offline gives the same figure' '
	ft-chat --offline -e "How many customers visited last week?" >off &&
	test "$(cut -d" " -f1 off)" = "$VISITORS"
'

test_expect_success 'new operations as tools, one step after another' '
	ft-query compare --since 2026-11-23 --until 2026-11-24 \
		--against-since 2026-11-16 --against-until 2026-11-22 >cmp.json &&
	noemail=$(ft-query count-customers --email no --jq .customers) &&
	script "{\"tool_calls\": [{\"id\": \"m1\",
		\"name\": \"compare_periods\", \"arguments\": {
		\"since\": \"2026-11-23\", \"until\": \"2026-11-24\",
		\"against_since\": \"2026-11-16\",
		\"against_until\": \"2026-11-22\"}}]}" \
		"{\"tool_calls\": [{\"id\": \"m2\",
		\"name\": \"count_customers\",
		\"arguments\": {\"email\": \"no\"}}]}" \
		"{\"tool_calls\": [{\"id\": \"m3\",
		\"name\": \"compare_periods\",
		\"arguments\": {\"since\": \"2026-11-23\"}}]}" \
		"{\"content\": \"Done.\"}" &&
	chat multi -e "this week against last, and who has no e-mail?" &&
	echo Done. >want && test_cmp want multi.out &&
	test_line_count = 4 "$LOG" &&
	req 2 ".body.tools | map(.function.name) | index(\"compare_periods\")
		!= null" >has && echo true >want && test_cmp want has &&
	req 2 ".body.messages[3].content | fromjson | .records[0]" >r1 &&
	jq -c . cmp.json >want && test_cmp want r1 &&
	test "$(req 3 "[.body.messages[].role]")" = \
		"[\"system\",\"user\",\"assistant\",\"tool\",\"assistant\",\"tool\"]" &&
	test "$(req 3 ".body.messages[5].content | fromjson |
		.records[0].customers")" = "$noemail" &&
	req 4 ".body.messages[7].content | fromjson | .error" >e &&
	test_grep "compare_periods needs the argument .until." e
'

test_expect_success 'an answer with a figure no tool gave is not shown' '
	wrong=$((VISITORS + 7)) &&
	script "{\"tool_calls\": [{\"id\": \"f1\", \"name\": \"count\",
		\"arguments\": {\"what\": \"visitors\", \"since\": \"2026-11-16\",
		\"until\": \"2026-11-22\"}}]}" \
		"{\"content\": \"Last week $wrong customers visited.\",
		\"chunk\": 3}" &&
	chat invent -e "How many customers visited last week?" &&
	test_grep_not "$wrong customers visited" invent.out &&
	test_grep "^Last week \.\.\.$" invent.out &&
	test_grep "^The model.s answer quoted $wrong, which no tool returned, so it is not shown\.$" \
		invent.out &&
	test_grep "^The offline engine answers:$" invent.out &&
	tail -1 invent.out | test_grep "^$VISITORS customers visited" - &&
	test_must_be_empty invent.err
'

test_expect_success 'the withheld answer is not passed on as said' '
	script "{\"content\": \"We had 9999 visits.\"}" \
		"{\"content\": \"No figure here.\"}" &&
	test_exit_status 1 chat withheld -e "what is the weather like?" \
		-e "and now?" &&
	test_grep "quoted 9999, which no tool returned" withheld.out &&
	test_grep "No tool was asked for a figure" withheld.out &&
	test_grep "^No figure here\.$" withheld.out &&
	req 2 "[.body.messages[] | select(.role == \"assistant\") |
		.content] | .[0]" >said &&
	test_grep_not 9999 said &&
	test_grep "withheld" said
'

test_expect_success 'beyond the offline engine: the invented answer refused' '
	script "{\"content\": \"It will be 21 degrees.\"}" &&
	test_exit_status 1 chat refuse -e "what is the weather like?" &&
	test_grep "quoted 21, which no tool returned" refuse.out &&
	test_grep "No tool was asked for a figure, so there is nothing to show" \
		refuse.out &&
	test_grep_not "21 degrees" refuse.out
'

test_expect_success 'beyond the offline engine: what the tools returned' '
	ft-query stats --jq .total_customers >total &&
	script "{\"tool_calls\": [{\"id\": \"g1\", \"name\": \"get_stats\",
		\"arguments\": {}}]}" \
		"{\"content\": \"Weather aside, you have $(($(cat total) + 1)) customers.\"}" &&
	chat shown -e "what is the weather like, and how is business?" &&
	test_grep "quoted $(($(cat total) + 1)), which no tool returned" shown.out &&
	test_grep "^What the tools returned:$" shown.out &&
	test_grep "^get_stats {}: {.*\"total_customers\":$(cat total)[,}]" \
		shown.out
'

test_expect_success 'reformatted figures pass: separators, shares, dates' '
	TZ=Europe/Berlin ft-query averages --since 2026-11-01 \
		--until 2026-11-23 >avg &&
	nvisits=$(jq .visits avg) &&
	sep=$(printf "%d" "$nvisits" |
		sed -e ":a" -e "s/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/;ta") &&
	test "$sep" != "$nvisits" &&
	pct=$(jq -r ".repeat_rate * 1000 | round / 10" avg) &&
	per=$(jq -r ".visits_per_customer * 10 | round / 10" avg) &&
	id=$(ft-query top --limit 1 | jq -r .id) &&
	last=$(ft-query customer "$id" | jq -r "select(.type == \"customer\") |
		.last_visit") &&
	when=$(TZ=Europe/Berlin date -d "$last" "+%-d %B %Y at %H:%M") &&
	text="$sep visits from 2026-11-01 to 2026-11-23, $per per customer; $pct% came back. Their last visit: $when." &&
	script "{\"tool_calls\": [{\"id\": \"r1\", \"name\": \"get_averages\",
		\"arguments\": {\"since\": \"2026-11-01\", \"until\": \"2026-11-23\"}},
		{\"id\": \"r2\", \"name\": \"get_customer\",
		\"arguments\": {\"id\": \"$id\", \"visits\": 1}}]}" \
		"$(jq -n --arg t "$text" "{content: \$t}")" &&
	TZ=Europe/Berlin chat reformat -e "how did this month go?" &&
	echo "$text" >want &&
	test_cmp want reformat.out &&
	test_must_be_empty reformat.err
'

test_expect_success 'the same reply with a figure off by one is caught' '
	nvisits=$(jq .visits avg) &&
	script "{\"tool_calls\": [{\"id\": \"r1\", \"name\": \"get_averages\",
		\"arguments\": {\"since\": \"2026-11-01\", \"until\": \"2026-11-23\"}}]}" \
		"$(jq -n --arg t "$((nvisits + 1)) visits this month." \
		"{content: \$t}")" &&
	chat offbyone -e "how did this month go?" &&
	test_grep "quoted $((nvisits + 1)), which no tool returned" offbyone.out
'

test_expect_success 'a numbered list: the numbers of its items are no figures' '
	ft-query top --limit 3 --since 2026-11-16 --until 2026-11-22 |
		jq -r "\"\(.name): \(.visits_in_range) visits\"" |
		awk "{ print NR \". \" \$0 }" >list &&
	test_line_count = 3 list &&
	script "{\"tool_calls\": [{\"id\": \"l1\", \"name\": \"top_customers\",
		\"arguments\": {\"limit\": 3, \"since\": \"2026-11-16\",
		\"until\": \"2026-11-22\"}}]}" \
		"$(jq -Rsn --rawfile t list "{content: \$t}")" &&
	chat list -e "who came most last week?" &&
	test_cmp list list.out &&
	sed "3s/: \([0-9]*\) visits/: 1\1 visits/" list >wrong &&
	script "{\"tool_calls\": [{\"id\": \"l1\", \"name\": \"top_customers\",
		\"arguments\": {\"limit\": 3, \"since\": \"2026-11-16\",
		\"until\": \"2026-11-22\"}}]}" \
		"$(jq -Rsn --rawfile t wrong "{content: \$t}")" &&
	chat wronglist -e "who came most last week?" &&
	test_grep "which no tool returned, so it is not shown" wronglist.out
'

test_expect_success 'multi-step new operations with a checked answer' '
	ft-query compare --since 2026-11-23 --until 2026-11-24 \
		--against-since 2026-11-16 --against-until 2026-11-22 >cmp.json &&
	v=$(jq .period.visits cmp.json) && w=$(jq .against.visits cmp.json) &&
	pc=$(jq -r ".change.visits.percent | fabs | round" cmp.json) &&
	loyal=$(ft-query loyal --since 2026-11-09 --until 2026-11-22 \
		--jq "select(.type == \"count\") | .customers") &&
	busy=$(ft-query by-time --by hour | jq -r ".busiest[0]") &&
	text="This week so far: $v visits against $w last week ($pc% apart); $loyal customers came every week of the fortnight to 22 November; the busiest hour starts at $busy:00." &&
	script "{\"tool_calls\": [{\"id\": \"n1\",
		\"name\": \"compare_periods\", \"arguments\": {
		\"since\": \"2026-11-23\", \"until\": \"2026-11-24\",
		\"against_since\": \"2026-11-16\",
		\"against_until\": \"2026-11-22\"}}]}" \
		"{\"tool_calls\": [{\"id\": \"n2\", \"name\": \"loyal_customers\",
		\"arguments\": {\"since\": \"2026-11-09\",
		\"until\": \"2026-11-22\"}}]}" \
		"{\"tool_calls\": [{\"id\": \"n3\", \"name\": \"visits_by_time\",
		\"arguments\": {\"by\": \"hour\"}}]}" \
		"$(jq -n --arg t "$text" "{content: \$t}")" &&
	chat steps -e "how is this week going, who is loyal, when is it busy?" &&
	echo "$text" >want &&
	test_cmp want steps.out &&
	test_line_count = 4 "$LOG"
'

test_expect_success 'a remark before the tool calls with an invented figure' '
	script "{\"content\": \"You had 31337 visits; checking.\",
		\"tool_calls\": [{\"id\": \"k1\", \"name\": \"get_stats\",
		\"arguments\": {}}]}" \
		"{\"content\": \"Done.\"}" &&
	chat remark -e "how is business?" &&
	test_grep_not 31337 remark.out &&
	test_grep "left out a remark of the model quoting 31337" remark.err &&
	test "$(tail -1 remark.out)" = Done.
'

test_expect_success 'a streamed answer is printed whole, as it comes' '
	ft-query top --limit 1 >top1 &&
	name=$(jq -r .name top1) && n=$(jq -r .visits_in_range top1) &&
	script "{\"tool_calls\": [{\"id\": \"s1\",
		\"name\": \"top_customers\", \"arguments\": {\"limit\": 1}}]}" \
		"$(jq -n --arg t "$name came $n times — more than anyone." \
		"{content: \$t, chunk: 2}")" &&
	chat stream -e "Who came most?" &&
	echo "$name came $n times — more than anyone." >want &&
	test_cmp want stream.out &&
	test_must_be_empty stream.err &&
	test "$(req 2 .body.stream)" = true &&
	req 2 .headers.accept | test_grep "text/event-stream" -
'

test_expect_success 'streamed tool calls, two in one reply, without index' '
	script "{\"no_index\": true, \"tool_calls\": [
		{\"id\": \"a1\", \"name\": \"top_customers\",
		 \"arguments\": {\"limit\": 3, \"since\": \"2026-11-01\"}},
		{\"id\": \"a2\", \"name\": \"get_stats\", \"arguments\": {}}]}" \
		"{\"content\": \"Done.\"}" &&
	chat two -e "top three this month, and the figures" &&
	echo Done. >want && test_cmp want two.out &&
	test "$(req 2 "[.body.messages[].role]")" = \
		"[\"system\",\"user\",\"assistant\",\"tool\",\"tool\"]" &&
	test "$(req 2 "[.body.messages[2].tool_calls[].function.arguments |
		fromjson]")" = "[{\"limit\":3,\"since\":\"2026-11-01\"},{}]" &&
	test "$(req 2 "[.body.messages[3,4].tool_call_id]")" = \
		"[\"a1\",\"a2\"]" &&
	req 2 ".body.messages[3].content | fromjson | .records[] |
		[.id, .visits_in_range]" >got &&
	ft-query top --limit 3 --since 2026-11-01 |
		jq -c "[.id, .visits_in_range]" >want &&
	test_line_count = 3 want &&
	test_cmp want got &&
	req 2 ".body.messages[4].content | fromjson | del(.type)" >got &&
	ft-query stats | jq -c "del(.type)" >want &&
	test_cmp want got
'

test_expect_success 'bad tool calls get an error back, not a crash' '
	script "{\"tool_calls\": [
		{\"id\": \"b1\", \"name\": \"count\", \"arguments\": {\"what\": \"sales\"}},
		{\"id\": \"b2\", \"name\": \"count\", \"arguments\": {\"what\": \"visits\", \"sql\": \"DROP TABLE visits\"}},
		{\"id\": \"b3\", \"name\": \"count\", \"arguments\": {\"what\": \"visits\", \"since\": \"last tuesday\"}},
		{\"id\": \"b4\", \"name\": \"run_sql\", \"arguments\": {\"q\": \"DELETE FROM visits\"}},
		{\"id\": \"b5\", \"name\": \"top_customers\", \"arguments\": \"{not json\"},
		{\"id\": \"b6\", \"name\": \"top_customers\", \"arguments\": {\"limit\": 100000}},
		{\"id\": \"b7\", \"name\": \"get_customer\", \"arguments\": {}},
		{\"id\": \"b8\", \"name\": \"get_customer\", \"arguments\": {\"id\": \"00000000-dead\"}}]}" \
		"{\"content\": \"I could not do that.\"}" &&
	n=$(ft-query visits | wc -l) &&
	chat bad -e "delete everything" &&
	echo "I could not do that." >want && test_cmp want bad.out &&
	req 2 "[.body.messages[] | select(.role == \"tool\") |
		.content | fromjson | .error]" >errors &&
	test "$(jq "length" errors)" = 8 &&
	test "$(jq "map(select(type == \"string\")) | length" errors)" = 8 &&
	jq -r ".[]" errors >e &&
	test_grep "^.what. must be one of visits, visitors, new_customers$" e &&
	test_grep "^count takes no argument .sql.$" e &&
	test_grep "^.since. is not a time: .last tuesday." e &&
	test_grep "^no tool .run_sql.$" e &&
	test_grep "^the arguments of top_customers are not JSON$" e &&
	test_grep "^.limit. must be an integer from 1 to 100$" e &&
	test_grep "^get_customer needs the argument .id.$" e &&
	test_grep "^no customer .00000000-dead." e &&
	test "$(ft-query visits | wc -l)" = "$n"
'

test_expect_success 'a chart asked for by the model: file, bars, the answer' '
	script "{\"tool_calls\": [{\"id\": \"m1\", \"name\": \"make_chart\",
		\"arguments\": {\"series\": \"visits_per_day\",
		\"since\": \"2026-11-18\", \"until\": \"2026-11-24\"}}]}" \
		"{\"content\": \"The chart is in plots/visits-per-day-2026-11-18_2026-11-24.png.\"}" &&
	chat chart --plots plots -e "chart visits per day this week" &&
	test -s plots/visits-per-day-2026-11-18_2026-11-24.png &&
	req 2 ".body.messages[3].content | fromjson" >res &&
	test "$(jq -c .files res)" = \
		"[\"plots/visits-per-day-2026-11-18_2026-11-24.png\"]" &&
	ft-query trend --days 7 | jq -r "select(.name == \"visits_per_day\") |
		.points[] | \"\(.[0]) \(.[1])\"" >want &&
	sed -n "s/^\(2026-[0-9-]*\) .* \([0-9][0-9]*\)$/\1 \2/p" chart.out >got &&
	test_cmp want got &&
	test "$(jq .total res)" = "$(awk "{ s += \$2 } END { print s }" want)" &&
	tail -1 chart.out | test_grep "^The chart is in plots/" -
'

test_expect_success 'charts of the top customers, a comparison, a customer' '
	id=$(ft-query top --limit 1 | jq -r .id) &&
	script "{\"tool_calls\": [{\"id\": \"t1\", \"name\": \"make_chart\",
		\"arguments\": {\"series\": \"top_customers\", \"limit\": 3,
		\"since\": \"2026-11-01\"}},
		{\"id\": \"t2\", \"name\": \"make_chart\",
		\"arguments\": {\"series\": \"compare\",
		\"since\": \"2026-11-23\", \"until\": \"2026-11-24\",
		\"against_since\": \"2026-11-16\",
		\"against_until\": \"2026-11-17\"}},
		{\"id\": \"t3\", \"name\": \"make_chart\",
		\"arguments\": {\"series\": \"customer_visits\",
		\"customer\": \"$id\"}},
		{\"id\": \"t4\", \"name\": \"make_chart\",
		\"arguments\": {\"series\": \"compare\"}}]}" \
		"{\"content\": \"Shown.\"}" &&
	chat bars --plots bars -e "chart the top three, this week against last, and the best one" &&
	for f in bars/top-customers-2026-11-01_2026-11-24.png \
	    bars/compare-2026-11-23_2026-11-24-2026-11-16_2026-11-17.png \
	    "bars/customer-visits-$(echo "$id" | cut -c1-8)-2026-10_2026-11.png"; do
		head -c 8 "$f" | od -An -c | tr -d " " >magic &&
		printf "%s\n" "211PNG\\r\\n032\\n" >want && test_cmp want magic ||
		exit 1
	done &&
	req 2 "[.body.messages[] | select(.role == \"tool\") | .content |
		fromjson]" >res &&
	ft-query top --limit 3 --since 2026-11-01 |
		jq -c "[.name, .visits_in_range]" >want &&
	jq -c ".[0].points[]" res >got && test_cmp want got &&
	ft-query compare --since 2026-11-23 --until 2026-11-24 \
		--against-since 2026-11-16 --against-until 2026-11-17 |
		jq -c "[.period.visits, .against.visits, .period.visitors,
		.against.visitors, .period.new_customers,
		.against.new_customers]" >want &&
	jq -c ".[1].points | map(.[1])" res >got && test_cmp want got &&
	jq -c ".[1].points | map(.[0])" res >got &&
	echo "[\"visits A\",\"visits B\",\"visitors A\",\"visitors B\",\"new A\",\"new B\"]" >want &&
	test_cmp want got &&
	ft-query visits --customer "$id" | jq -r ".ts[0:7]" | uniq -c |
		awk "{ print \$2, \$1 }" >want &&
	jq -r ".[2].points[] | \"\(.[0]) \(.[1])\"" res >got &&
	test_cmp want got &&
	sed -n "s/^\(2026-[0-9][0-9]\) .* \([0-9][0-9]*\)$/\1 \2/p" bars.out >got &&
	test_cmp want got &&
	test "$(jq -r ".[3].error" res)" = \
		"a compare chart needs since, until, against_since and against_until"
'

test_expect_success 'a chart of the customers who came every week' '
	script "{\"tool_calls\": [{\"id\": \"y1\", \"name\": \"make_chart\",
		\"arguments\": {\"series\": \"loyal_customers\", \"limit\": 5,
		\"since\": \"2026-11-09\", \"until\": \"2026-11-22\"}},
		{\"id\": \"y2\", \"name\": \"make_chart\",
		\"arguments\": {\"series\": \"loyal_customers\"}}]}" \
		"{\"content\": \"Shown.\"}" &&
	chat loyalc --plots bars -e "chart the loyal ones" &&
	f=bars/loyal-customers-2026-11-09_2026-11-22.png &&
	test "$(head -c 8 "$f" | od -An -tx1 | tr -d " \n")" = \
		89504e470d0a1a0a &&
	req 2 "[.body.messages[] | select(.role == \"tool\") | .content |
		fromjson]" >res &&
	ft-query loyal --since 2026-11-09 --until 2026-11-22 --limit 5 >l.json &&
	jq -c "select(.type == \"customer\") | [.name, .visits_in_range]" \
		l.json >want &&
	test_line_count -ge 1 want &&
	jq -c ".[0].points[]" res >got && test_cmp want got &&
	jq -r ".[0].title" res | test_grep "($(jq -s ".[0].customers" l.json) of them)" - &&
	test "$(jq -r ".[1].error" res)" = \
		"a loyal_customers chart needs since and until"
'

test_expect_success '--model and --url outrank the settings' '
	script "{\"content\": \"ok\"}" &&
	chat opts --model other/model-2 --url "http://127.0.0.1:$PORT/alt/" \
		-e "anything" &&
	echo ok >want && test_cmp want opts.out &&
	test "$(req 1 .body.model)" = "\"other/model-2\"" &&
	test "$(req 1 .path)" = "\"/alt/chat/completions\""
'

test_expect_success 'a follow-up question carries the conversation' '
	script "{\"content\": \"First answer.\"}" \
		"{\"content\": \"Second answer.\"}" &&
	chat follow -e "first question" -e "and then?" &&
	printf "First answer.\nSecond answer.\n" >want &&
	test_cmp want follow.out &&
	req 2 "[.body.messages[] | [.role, .content]]" >got &&
	test "$(jq -c ".[1:]" got)" = \
		"[[\"user\",\"first question\"],[\"assistant\",\"First answer.\"],[\"user\",\"and then?\"]]"
'

test_expect_success 'a model that only ever calls tools is stopped' '
	call="{\"tool_calls\": [{\"name\": \"get_stats\", \"arguments\": {}}]}" &&
	script "$call" "$call" "$call" "$call" "$call" "$call" "$call" "$call" \
		"$call" &&
	test_exit_status 1 chat loop -e "loop" &&
	test_grep "asked for tools 8 times without answering" loop.err &&
	test_line_count = 8 "$LOG"
'

test_expect_success '401: the key is refused, said once, never shown' '
	script "{\"status\": 401, \"error\": \"No auth credentials found for $KEY\"}" &&
	test_exit_status 1 chat auth -e "how many visits today" &&
	test_must_be_empty auth.out &&
	test_grep "^ft-chat: .127.0.0.1:$PORT. refused the API key (HTTP 401" \
		auth.err &&
	test_line_count = 1 "$LOG"
'

test_expect_success '429 with Retry-After: waits that long, then answers' '
	script "{\"status\": 429, \"error\": \"slow down\",
		\"headers\": {\"Retry-After\": \"1\"}}" \
		"{\"content\": \"Fine now.\"}" &&
	chat r429 -e "anything" &&
	echo "Fine now." >want && test_cmp want r429.out &&
	test_grep "rate limiting requests (HTTP 429: slow down); trying again in 1.0 s" \
		r429.err &&
	test_line_count = 2 "$LOG" &&
	gap=$(jq -s ".[1].t - .[0].t" "$LOG") &&
	awk "BEGIN { exit !($gap >= 0.95) }"
'

test_expect_success '429 asking for a longer wait than we take: exit 75' '
	script "{\"status\": 429, \"error\": \"quota\",
		\"headers\": {\"Retry-After\": \"3600\"}}" &&
	test_exit_status 75 chat long -e "what is the weather like?" &&
	test_grep "asks to wait 3600 s" long.err &&
	test_line_count = 1 "$LOG"
'

test_expect_success '5xx is retried with backoff' '
	script "{\"status\": 500, \"error\": \"oops\"}" \
		"{\"status\": 502, \"error\": \"bad gateway\"}" \
		"{\"content\": \"Third time lucky.\"}" &&
	chat r5xx -e "anything" &&
	echo "Third time lucky." >want && test_cmp want r5xx.out &&
	test_grep "failed (HTTP 500: oops); trying again in 1.0 s" r5xx.err &&
	test_grep "failed (HTTP 502: bad gateway); trying again in 2.0 s" \
		r5xx.err &&
	test_line_count = 3 "$LOG"
'

test_expect_success '5xx after the retries: exit 75, or the offline answer' '
	script "{\"status\": 503, \"error\": \"down\"}" \
		"{\"status\": 503, \"error\": \"down\"}" &&
	FT_LLM_RETRIES=1 test_exit_status 75 chat down \
		-e "what is the weather like?" &&
	test_must_be_empty down.out &&
	test_grep "failed (HTTP 503: down) (2 attempts)" down.err &&
	test_line_count = 2 "$LOG" &&
	script "{\"status\": 503, \"error\": \"down\"}" &&
	FT_LLM_RETRIES=0 chat fallback \
		-e "How many customers visited last week?" &&
	test_grep "failed (HTTP 503: down); answering offline" fallback.err &&
	test "$(cut -d" " -f1 fallback.out)" = "$VISITORS"
'

test_expect_success 'a timeout: said plainly, exit 75' '
	script "{\"delay\": 4, \"content\": \"too late\"}" &&
	FT_LLM_TIMEOUT=1 test_exit_status 75 chat slow \
		-e "what is the weather like?" &&
	test_grep "no reply from .127.0.0.1:$PORT. within 1 s" slow.err &&
	test_grep_not "too late" slow.out
'

test_expect_success 'malformed replies: exit 1 with what was wrong' '
	script "{\"raw\": \"<html>gateway</html>\", \"stream\": false}" &&
	test_exit_status 1 chat mal1 --no-stream -e "anything" &&
	test_grep "malformed reply from .127.0.0.1:$PORT.: the reply is not a JSON object" \
		mal1.err &&
	script "{\"raw\": \"{\\\"choices\\\": []}\"}" &&
	test_exit_status 1 chat mal2 --no-stream -e "anything" &&
	test_grep "malformed reply .*no choices\[0\]\.message" mal2.err &&
	script "{\"raw\": \"data: {broken\\n\\n\",
		\"content_type\": \"text/event-stream\"}" &&
	test_exit_status 1 chat mal3 -e "anything" &&
	test_grep "malformed reply .*not a JSON object" mal3.err
'

test_expect_success 'an error event in the middle of a stream' '
	script "{\"content\": \"Half an ans\", \"stream_error\": \"overloaded\",
		\"code\": 502}" &&
	test_exit_status 75 chat broken -e "what is the weather like?" &&
	test_grep "^Half an ans" broken.out &&
	test_grep "failed (error 502: overloaded)" broken.err &&
	test_line_count = 1 "$LOG"
'

test_expect_success 'a stream broken after a figure: the figure is not shown' '
	script "{\"content\": \"We had 4321 visits and\",
		\"stream_error\": \"overloaded\", \"code\": 502}" &&
	test_exit_status 75 chat brokenfig -e "what is the weather like?" &&
	test_grep "^We had" brokenfig.out &&
	test_grep_not 4321 brokenfig.out &&
	test_grep "failed (error 502: overloaded)" brokenfig.err
'

test_expect_success 'no server: the offline engine answers what it can' '
	gone=$(unused_port) &&
	FT_LLM_URL=http://127.0.0.1:$gone/v1 chat nosrv \
		-e "How many customers visited last week?" &&
	test_grep "cannot connect to .127.0.0.1:$gone.*answering offline" \
		nosrv.err &&
	test "$(cut -d" " -f1 nosrv.out)" = "$VISITORS" &&
	FT_LLM_URL=http://127.0.0.1:$gone/v1 test_exit_status 75 chat nosrv2 \
		-e "what is the weather like?" &&
	test_grep "cannot connect to .127.0.0.1:$gone.*; and the question is beyond what the offline engine answers" \
		nosrv2.err
'

test_expect_success 'Ctrl-C cancels the answer in progress: exit 130' '
	script "{\"delay\": 8, \"content\": \"too late\"}"
	ft-chat -e "what is the weather like?" >int.out 2>int.err &
	pid=$!
	i=0 &&
	while [ ! -s "$LOG" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done &&
	kill -INT $pid &&
	rc=0 && wait $pid || rc=$? &&
	test "$rc" = 130 &&
	test_grep "^ft-chat: cancelled" int.err &&
	test_must_be_empty int.out
'

test_expect_success 'the API key appears in no output' '
	ls *.out *.err >files &&
	test_line_count -ge 30 files &&
	for f in *.out *.err; do
		test_grep_not -F "$KEY" "$f" || exit 1
	done &&
	test_grep -F "$KEY" "$LOG"
'

test_done
