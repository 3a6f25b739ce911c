#!/bin/sh
# The bank of offline questions (tests/chat-bank/bank.tsv): paraphrases,
# typos, mixed case, periods written many ways, and questions that look
# answerable but are not.  Each answer is checked against the figures and
# periods ft-query gives for it; an answer is right, wrong, or a refusal.
# None may be wrong, and every question marked "refuse" must be refused.
# A second set (held-out.tsv), written apart from the engine's rules,
# shows how far they generalise; it too must get no wrong answer.
. "$(dirname "$0")/lib.sh"

BANK=$SRCDIR/tests/chat-bank

# An answer reduced to what can be checked: its numbers, then the dates
# it names, "N N ... ; D D ...".  Times of day and the id of an unnamed
# customer are dropped; dates are not numbers.
reduce() {
	perl -e '
		local $/; $_ = <STDIN>;
		s/\(no name, [0-9a-f]+\)//g;
		my @d = /(\d{4}-\d\d-\d\d)/g; s/\d{4}-\d\d(?:-\d\d)?//g;
		@d = grep { $_ ne ($p // "") and ($p = $_ or 1) } @d;
		s/\b\d\d:\d\d\b//g;
		s/\b(?:last|past) \d+ (?:days|hours|minutes)\b//g;
		my @n = /([-+]?\d+(?:\.\d+)?)/g;
		print join(" ", @n), " ; ", join(" ", @d), "\n";'
}

# days A B: the dates an answer names for the days A to B.
days() {
	if [ -z "$1" ]; then :; elif [ "$1" = "$2" ]; then echo "$1"
	else echo "$1 $2"; fi
}
# range A B: ft-query's options for the days A to B (none: all time).
range() {
	if [ -n "$1" ]; then echo "--since $1 --until $2"; fi
}
out() {
	echo "$1" "$2" | reduce
}

# The expectations: each prints the reduced answer ft-query's figures
# make.
V() { out "$(ft-query visits $(range "$@") | wc -l) ;" "$(days "$@")"; }
VALL() { V; }
U() {
	out "$(ft-query visits $(range "$@") | jq -r .customer | sort -u |
		wc -l)" "$(days "$@")"
}
UALL() { U; }
N() { out "$(ft-query customers $(range "$@") | wc -l)" "$(days "$@")"; }
TOTAL() { out "$(ft-query stats --jq .total_customers)"; }
C() {
	since= until=
	n=$(ft-query count-customers "$@" --jq .customers)
	while [ $# -gt 0 ]; do
		case $1 in
		--since) since=$2 ;;
		--until) until=$2 ;;
		esac
		shift
	done
	out "$n" "$(days "$since" "$until")"
}
# CM N [OPTIONS]: customers with N or more visits, as count-customers
# counts them; N is said in the answer from 3 on ("two or more").
CM() {
	least=$1; shift
	since= until=
	n=$(ft-query count-customers --min-visits "$least" "$@" \
		--jq .customers)
	while [ $# -gt 0 ]; do
		case $1 in
		--since) since=$2 ;;
		--until) until=$2 ;;
		esac
		shift
	done
	if [ "$least" -gt 2 ]; then n="$n $least"; fi
	out "$n" "$(days "$since" "$until")"
}
APC() {
	ft-query averages $(range "$@") | jq -r '"\(.visits) \(.visitors)"' |
		{ read -r v u; out "$(perl -e 'printf "%.2f %d %d", $ARGV[0] /
			$ARGV[1], @ARGV' "$v" "$u")" "$(days "$@")"; }
}
APD() {
	ft-query averages $(range "$@") | jq -r '"\(.visits) \(.days)"' |
		{ read -r v d; out "$(perl -e 'printf "%.2f %d %d", $ARGV[0] /
			$ARGV[1], @ARGV' "$v" "$d")" "$(days "$@")"; }
}
REP() {
	ft-query averages $(range "$@") |
		jq -r '"\(.repeat_visitors) \(.visitors)"' |
		{ read -r r u; out "$(perl -e 'printf "%.2f %d %d",
			100 * $ARGV[0] / $ARGV[1], @ARGV' "$r" "$u")" \
			"$(days "$@")"; }
}
RET() {
	ft-query averages --since "$1" --until "$2" |
		jq -r '"\(.returning_visitors) \(.visitors)"' |
		{ read -r b u; out "$b $u $((u - b))" "$(days "$1" "$2")"; }
}
BUSY() {
	by=$1; shift
	ft-query by-time --by "$by" $(range "$@") >bt.json &&
	out "$(jq -r '[.busiest_visits] + [.points[][1]] | map(tostring) |
		join(" ")' bt.json)" "$(days "$@")"
}
BY() {
	by=$1; shift
	ft-query by-time --by "$by" $(range "$@") >bt.json &&
	out "$(jq -r '[.points[][1]] | map(tostring) | join(" ")' bt.json)" \
		"$(days "$@")"
}
LAPSED() {
	ft-query lapsed --days "$1" --min-visits "$2" --limit 20 >l.json &&
	out "$(jq -rs --arg d "$1" --arg m "$2" '[.[0].customers, ($m |
		tonumber), ($d | tonumber)] + (if .[0].customers > 20 then
		[20] else [] end) + (.[1:] | map(.visits)) |
		map(tostring) | join(" ")' l.json)" \
		"$(jq -r 'select(.type == "customer") | .last_visit[0:10]' \
		l.json | tr '\n' ' ')"
}
LOYAL() {
	ft-query loyal --since "$1" --until "$2" --limit 20 >y.json &&
	out "$(jq -rs '[.[0].customers, .[0].weeks] + (if .[0].customers >
		20 then [20] else [] end) + (.[1:] | map(.visits_in_range)) |
		map(tostring) | join(" ")' y.json)" "$(days "$1" "$2")"
}
CMP() {
	ft-query compare --since "$1" --until "$2" --against-since "$3" \
		--against-until "$4" >c.json &&
	nums= dates= &&
	for k in visits visitors new_customers; do
		case $k$5 in
		visits[1357]|visitors[2367]|new_customers[4567]) ;;
		*) continue ;;
		esac
		nums="$nums $(jq -r --arg k "$k" '[.period[$k], .against[$k],
			.change[$k].difference, .change[$k].percent] |
			"\(.[0]) \(.[1]) \(.[2]) \(.[3])"' c.json |
			perl -ane 'printf "%d %d %+.0f", @F[0..2];
				printf " %+.1f", $F[3] if $F[3] ne "null"')"
		dates="$dates $(days "$1" "$2") $(days "$3" "$4")"
	done
	a=$(( ($(ms_of "${2}T00:00:00Z") - $(ms_of "${1}T00:00:00Z")) / 86400000 + 1))
	b=$(( ($(ms_of "${4}T00:00:00Z") - $(ms_of "${3}T00:00:00Z")) / 86400000 + 1))
	if [ "$a" != "$b" ]; then nums="$nums $a $b"; fi
	out "$nums" "$dates"
}
TOP() {
	n=$1; shift
	ft-query top --limit "$n" $(range "$@") >t.json &&
	out "$(wc -l <t.json) $(jq -r '.visits_in_range' t.json |
		awk '{ printf "%d %s ", NR, $1 }')" "$(days "$@")"
}
PD() {
	s=visits_per_day
	if [ "$1" = new ]; then s=new_customers_per_day; fi
	back=$(( ($(ms_of 2026-11-24T00:00:00Z) - $(ms_of "${2}T00:00:00Z")) /
		86400000 + 1))
	ft-query trend --days "$back" |
		jq -r --arg s "$s" --arg a "$2" --arg b "$3" 'select(.name ==
		$s) | .points[] | select(.[0] >= $a and .[0] <= $b) |
		"\(.[0]) \(.[1])"' >pd.txt &&
	out "$(cut -d" " -f2 pd.txt | tr '\n' ' ') $(awk '{ s += $2 }
		END { print s }' pd.txt)" "$2 $3 $(cut -d" " -f1 pd.txt |
		tr '\n' ' ')"
}
# one NAME: the one customer of that name, as one.json.
one() {
	ft-query customers --name "$*" |
		jq -c --arg n "$*" 'select(.name == $n)' >one.json &&
	test_line_count = 1 one.json
}
ONE() {
	one "$@" &&
	first=$(ft-query visits --customer "$(jq -r .id one.json)" --limit 1 |
		jq -r '.ts[0:10]') &&
	out "$(jq .visits one.json)" \
		"$first $(jq -r '.last_visit[0:10]' one.json)"
}
LAST() {
	one "$@" &&
	out "$(jq .visits one.json)" "$(jq -r '.last_visit[0:10]' one.json)"
}
AMBIG() {
	ft-query customers --name "$*" --sort last-visit --reverse >m.json &&
	n=$(wc -l <m.json) &&
	if [ "$n" -gt 10 ]; then n="10 10"; fi &&
	out "$n" "$(head -10 m.json | jq -r '.last_visit[0:10]' | tr '\n' ' ')"
}
STATS() {
	ft-query stats | jq -r '[.total_customers, .new_today, .visits_today,
		.visits_week, .returning_rate] | map(tostring) | join(" ")' |
		{ read -r a b c e f; out "$a $b $c $e $(perl -e \
			'printf "%.2f", 100 * $ARGV[0]' "$f")"; }
}

# run_bank FILE: ask each question of FILE; write one line per question
# to "verdicts" (right, wrong, refused, or "missed" for a question that
# had to be refused and was answered) with the question, and the
# details of each one not right to "details".
run_bank() {
	: >verdicts && : >details &&
	grep -v "^#" "$1" | while IFS="$tab" read -r q how; do
		rc=0
		ft-chat --offline -e "$q" >answer 2>err || rc=$?
		if [ "$rc" = 1 ] && grep -q "beyond what I can answer offline" \
			answer; then
			if [ "$how" = refuse ]; then v=right; else v=refused; fi
		elif [ "$rc" != 0 ] || [ -s err ]; then
			v=wrong
		elif [ "$how" = refuse ]; then
			v=wrong
		elif [ "$how" = HELP ]; then
			if grep -q "^I answer questions about" answer; then v=right
			else v=wrong; fi
		else
			want=$($how) && got=$(reduce <answer) &&
			if [ "$got" = "$want" ]; then v=right; else v=wrong; fi
		fi
		echo "$v	$how	$q" >>verdicts
		if [ "$v" != right ]; then
			{ echo "$v: $q ($how)"; sed "s/^/    /" answer err
			  if [ "$v" = wrong ] && [ -n "${want-}" ]; then
				echo "    want: $want"; echo "    got:  $got"; fi
			} >>details
		fi
		want=
	done
}

# tally FILE: "right R, wrong W, refused F of N (A answerable...)".
tally() {
	awk -F"$tab" '{ n++; c[$1]++; if ($2 != "refuse") a++ }
		END { printf "right %d, wrong %d, refused %d of %d (%d " \
			"answerable, %.0f%% of them answered right)\n",
			c["right"], c["wrong"], c["refused"], n, a,
			100 * (c["right"] - (n - a)) / a }' "$1"
}

for store in $(test_stores); do
mkdir "$TEST_DIR/$store"
cd "$TEST_DIR/$store" || exit 1
use_store "$store"

test_expect_success "$store: demo data" '
	seed_demo --customers 300 --visits 3000 --days 40 --seed 42 >/dev/null &&
	test "$(ft-query count-customers --email no --jq .customers)" -gt 0 &&
	test "$(ft-query count-customers --consent no --jq .customers)" -gt 0
'

test_expect_success "$store: the bank: no wrong answer, every trap refused" '
	run_bank "$BANK/bank.tsv" &&
	cp verdicts bank.verdicts &&
	if grep -q "^wrong" verdicts; then
		grep -A30 "^wrong" details >&3; exit 1
	fi &&
	test "$(grep -vc "^#" "$BANK/bank.tsv")" -ge 150
'

test_expect_success "$store: the bank: nine in ten answerable ones answered" '
	awk -F"$tab" "\$2 != \"refuse\" { a++; if (\$1 == \"right\") r++ }
		END { exit !(r * 10 >= a * 9) }" bank.verdicts ||
	{ grep -A8 "^refused" details >&3; exit 1; }
'

test_expect_success "$store: the held-out set: no wrong answer" '
	run_bank "$BANK/held-out.tsv" &&
	cp verdicts held-out.verdicts &&
	if grep -q "^wrong" verdicts; then
		grep -A30 "^wrong" details >&3; exit 1
	fi
'

for set in bank held-out; do
	if [ -f "$set.verdicts" ]; then
		echo "# $set, $store: $(tally "$set.verdicts")"
	fi
done

done

test_done
