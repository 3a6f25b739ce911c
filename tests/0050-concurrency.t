#!/bin/sh
# Several processes on one store: readers and writers at once, two
# writers at once, and programs racing to create a new store.  None may
# fail, and a reader never sees half of a writer's transaction.
. "$(dirname "$0")/lib.sh"

# no_failures FILE...: none of the failure logs exists; else show them.
no_failures() {
	_ok=0
	for _f; do
		if [ -e "$_f" ]; then
			echo "$_f:" >&3
			cat "$_f" >&3
			_ok=1
		fi
	done
	return $_ok
}

# Each seed run below adds this many visits, all within the last week.
per_seed=3000

for store in $(test_stores); do
mkdir "$TEST_DIR/$store"
cd "$TEST_DIR/$store" || exit 1
use_store "$store"

if [ "$store" = sqlite ]; then
	test_expect_success 'sqlite: the store is in WAL mode' '
		ft-query stats >/dev/null &&
		test "$(sqlite3 "$STORE_FILE" "PRAGMA journal_mode")" = wal
	'
fi

test_expect_success "$store: a writer and a reader at once both succeed" '
	seed_demo --customers 100 --visits $per_seed --days 7 --seed 1 \
		>/dev/null &&
	base=$(ft-query stats --jq .visits_week) &&
	test "$base" = $per_seed &&
	(
		for s in 2 3 4 5 6 7 8 9; do
			seed_demo --customers 100 --visits $per_seed --days 7 \
				--seed $s >/dev/null 2>>writer.err ||
				echo "seed $s: $?" >>writer.fail
			a=0
			while [ $a -lt 20 ]; do
				a=$((a + 1))
				ft-enroll add --name "Writer $s $a" >/dev/null \
					2>>writer.err ||
					echo "add $s $a: $?" >>writer.fail
			done
		done
		touch writer.done
	) &
	i=0 &&
	while [ ! -f writer.done ] || [ $i -lt 10 ]; do
		i=$((i + 1))
		ft-query stats --jq .visits_week >>seen 2>>reader.err ||
			echo "stats: $?" >>reader.fail
		ft-query customers --limit 5 >/dev/null 2>>reader.err ||
			echo "customers: $?" >>reader.fail
		if [ $((i % 10)) = 0 ]; then
			ft-query visits --since 7d --jq empty 2>>reader.err ||
				echo "visits: $?" >>reader.fail
		fi
	done &&
	wait &&
	no_failures writer.fail reader.fail &&
	test_must_be_empty writer.err && test_must_be_empty reader.err &&
	test "$(ft-query stats --jq .visits_week)" = $((9 * per_seed)) &&
	test "$(ft-query stats --jq .total_customers)" = 1060 &&
	awk -v b=$base -v p=$per_seed "
		(\$1 - b) % p != 0 { print \"half a transaction: \" \$1; bad = 1 }
		END { exit bad }" seen >&3 &&
	sort -u seen | wc -l >kinds &&
	echo "reader saw $(cat kinds) states in $i rounds" >&3
'

test_expect_success "$store: two writers at once both succeed" '
	before=$(ft-query stats --jq .total_customers) &&
	for w in a b; do
		(
			n=0
			while [ $n -lt 25 ]; do
				n=$((n + 1))
				ft-enroll add --name "$w $n" >/dev/null \
					2>>$w.err || echo "$w $n: $?" >>$w.fail
			done
		) &
	done &&
	wait &&
	no_failures a.fail b.fail &&
	test_must_be_empty a.err && test_must_be_empty b.err &&
	test "$(ft-query stats --jq .total_customers)" = $((before + 50))
'

test_expect_success "$store: programs racing to create a new store" '
	for round in 1 2 3 4 5 6; do
		(
			use_store "$STORE" &&
			for p in 1 2 3 4; do
				{ ft-query stats >/dev/null 2>>race.err ||
					echo "stats $?" >>race.fail; } &
				{ ft-enroll add --name "Racer $p" >/dev/null \
					2>>race.err || echo "add $?" >>race.fail; } &
			done
			wait
			no_failures race.fail && test_must_be_empty race.err &&
			test "$(ft-query stats --jq .total_customers)" = 4 &&
			n=$(ls "$SRCDIR/sql/$STORE"/*.sql | wc -l) &&
			test "$(store_sql "SELECT count(*) FROM schema_version")" \
				= "$n"
		) || exit 1
	done
'

done

test_done
