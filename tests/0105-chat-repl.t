#!/bin/sh
# ft-chat at a terminal: the readline prompt, run on a pseudo-terminal by
# script(1), with keys typed one line at a time: answers, the history
# file, Ctrl-C clearing the line at the prompt and cancelling an answer
# in progress, /reset, /quit and Ctrl-D.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null 2>&1 || {
	echo "Bail out! script(1) from util-linux (bsdutils) is missing"
	exit 1
}

# type KEYS...: each argument is written to the terminal a moment after
# the one before (printf escapes allowed), and the session's output,
# without carriage returns and escape sequences, goes to stdout.
type() {
	{
		for k in "$@"; do
			sleep 0.5
			printf "$k"
		done
		sleep 1
	} | timeout 30 script -qec "ft-chat" /dev/null |
		sed -e 's/\x1b\[[?0-9;]*[a-zA-Z]//g' -e 's/\r//g'
}

seed_demo --customers 40 --visits 300 --days 10 --seed 3 >/dev/null
TOTAL=$(ft-query stats --jq .total_customers)

test_expect_success 'a question at the prompt, then Ctrl-D' '
	type "how many customers do we have?\n" "\004" >out &&
	test_grep "^FaceTrack chat, offline" out &&
	test_grep "^$TOTAL customers in all\.$" out
'

test_expect_success 'the history is kept, readable by its owner only' '
	h=$HOME/.local/state/facetrack/chat_history &&
	test "$(stat -c %a "$h")" = 600 &&
	test "$(stat -c %a "$(dirname "$h")")" = 700 &&
	echo "how many customers do we have?" >want &&
	test_cmp want "$h" &&
	type "stats\n" "/quit\n" >out &&
	printf "how many customers do we have?\nstats\n/quit\n" >want &&
	test_cmp want "$h" &&
	XDG_STATE_HOME=$TEST_DIR/state type "stats\n" "\004" >out &&
	echo stats >want && test_cmp want "$TEST_DIR/state/facetrack/chat_history"
'

test_expect_success 'Ctrl-C at the prompt drops the line, not the program' '
	type "how many visits" "\003" "how many customers do we have?\n" \
		"\004" >out &&
	test_grep "^$TOTAL customers in all\.$" out &&
	test_grep_not "visits today" out &&
	test_grep_not "visit.* in all" out
'

test_expect_success '/help and /reset' '
	type "/help\n" "/reset\n" "\004" >out &&
	test_grep "Ctrl-C cancels an answer" out &&
	test_grep "how many customers visited last week" out &&
	test_grep "^(a new conversation)$" out
'

llm_start

test_expect_success 'Ctrl-C cancels an answer in progress; the next one comes' '
	printf "%s\n" "{\"delay\": 6, \"content\": \"too late\"}" \
		"{\"content\": \"The second answer.\"}" >"$TEST_DIR/llm.script" &&
	: >"$TEST_DIR/llm.log" &&
	OPENROUTER_API_KEY=sk-test-repl \
	FT_LLM_URL=http://127.0.0.1:$(cat "$TEST_DIR/llm.port")/v1 \
		type "what is the weather like?\n" "\003" "and now?\n" \
		"\004" >out &&
	test_grep "^FaceTrack chat, openai/gpt-4o-mini at http://127.0.0.1:" out &&
	test_grep "cancelled" out &&
	test_grep "^The second answer\.$" out &&
	test_grep_not "too late" out &&
	test_line_count = 2 "$TEST_DIR/llm.log"
'

test_done
