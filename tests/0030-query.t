#!/bin/sh
# ft-query: every command, its filters and formats, on every store, with
# the figures checked against SQL run by the store's own client on demo
# data from scripts/seed-demo (fixed FT_NOW and seed).
. "$(dirname "$0")/lib.sh"

DAY=86400000
NOW=$(ms_of 2026-11-24T12:00:00Z)
D24=$(ms_of 2026-11-24T00:00:00Z)	# today (UTC)
D23=$((D24 - DAY))
D25=$((D24 + DAY))
D20=$((D24 - 4 * DAY))
D21=$((D24 - 3 * DAY))

# jq: RFC 3339 UTC with ms to milliseconds since the epoch (null: 0).
JQ_MS='def ms: if . == null then 0 else
	((.[0:19] + "Z") | fromdateiso8601) * 1000 + (.[20:23] | tonumber)
	end;'

# json_check FILE JQ-EXPR: FILE has records and EXPR is true for each.
json_check() {
	if ! jq -n -e "[inputs | ($2)] | length > 0 and all" "$1" >/dev/null
	then
		echo "json_check: not true: $2; '$1' holds:" >&3
		head -5 "$1" >&3
		return 1
	fi
}

count() {
	store_sql "SELECT count(*) FROM $1 ${2:+WHERE $2}"
}

# Integer division in the store's SQL.
div() {
	case $STORE in
	sqlite) echo / ;;
	mysql) echo DIV ;;
	esac
}

# series START_MS DAYS [OFFSET_MS]: read "INDEX<tab>COUNT" lines and
# print "DATE COUNT" for each of DAYS days from START_MS (a local
# midnight in a zone OFFSET_MS ahead of UTC), zeros included.
series() {
	perl -MPOSIX=strftime -e '
		my ($start, $days, $off) = @ARGV;
		my %n;
		while (<STDIN>) {
			chomp;
			my ($i, $c) = split /\t/;
			$n{$i} = $c;
		}
		for my $i (0 .. $days - 1) {
			print strftime("%Y-%m-%d",
				gmtime(($start + $off) / 1000 + $i * 86400)),
				" ", $n{$i} // 0, "\n";
		}' "$1" "$2" "${3:-0}"
}

# sql_series TABLE COLUMN START_MS DAYS [OFFSET_MS]: the expected points.
sql_series() {
	store_sql "SELECT ($2 - $3) $(div) $DAY, count(*) FROM $1
		WHERE $2 >= $3 AND $2 < $(($3 + $4 * DAY)) GROUP BY 1" |
		series "$3" "$4" "${5:-0}"
}

# points FILE NAME: a trend series of ft-query as "DATE COUNT" lines.
points() {
	jq -r "select(.name == \"$2\") | .points[] | \"\(.[0]) \(.[1])\"" "$1"
}

# check_table FILE: every cell of an aligned table starts where its
# header does, counted in display columns (wide characters take two).
check_table() {
	perl -CSD -e '
		sub cols {
			my $s = shift;
			$s =~ s/(\p{Ea=W}|\p{Ea=F})/$1\x{0}/g;
			$s =~ s/\p{Mn}//g;
			return $s;
		}
		my $h = <>;
		chomp $h;
		my @start = (0);
		push @start, pos($h) while $h =~ /  (?=\S)/g;
		my $bad = 0;
		while (my $l = <>) {
			chomp $l;
			$l = cols($l);
			for my $k (1 .. $#start) {
				my $p = $start[$k];
				my $end = $k < $#start ? $start[$k + 1] - 2
					: length $l;
				if (substr($l, $p - 1, 1) ne " " or
				    (substr($l, $p, 1) eq " " and
				     substr($l, $p, $end - $p) =~ /\S/)) {
					print STDERR "misaligned column $k: $l\n";
					$bad = 1;
				}
			}
		}
		exit $bad;' "$1" 2>&3
}

# csv_vs_json CSV JSON: the CSV has a header of the records' members
# (without "type") and one row per record with the same values.
csv_vs_json() {
	csv_decode "$1" >"$1.tsv" &&
	head -1 "$1.tsv" | tr '\t' '\n' >"$1.cols" &&
	head -1 "$2" |
		jq -r 'keys_unsorted | map(select(. != "type")) | .[]' \
		>"$1.keys" &&
	test_cmp "$1.keys" "$1.cols" &&
	jq -Rsc 'split("\n") | map(select(. != ""))' "$1.cols" \
		>"$1.cols.json" &&
	jq -r --slurpfile c "$1.cols.json" '[.[$c[0][]] |
		if . == null then "" else tostring end] | join("\t")' "$2" \
		>"$1.want" &&
	sed 1d "$1.tsv" >"$1.got" &&
	test_cmp "$1.want" "$1.got"
}

# rate4 A B: A/B rounded to 4 decimals.
rate4() {
	perl -e 'printf "%.4f", $ARGV[0] / $ARGV[1]' "$1" "$2"
}

seed_args='--customers 300 --visits 3000 --days 30 --seed 42'

for store in $(test_stores); do
mkdir "$TEST_DIR/$store"
cd "$TEST_DIR/$store" || exit 1
use_store "$store"

test_expect_success "$store: an empty store: zeros, no records, status 0" '
	ft-query stats >stats.json &&
	json_check stats.json ".type == \"stat\" and .total_customers == 0 and
		.new_today == 0 and .visits_today == 0 and .visits_week == 0 and
		.returning_rate == 0" &&
	ft-query customers >out && test_must_be_empty out &&
	ft-query visits >out && test_must_be_empty out &&
	ft-query top >out && test_must_be_empty out &&
	ft-query trend --days 3 >trend.json &&
	points trend.json visits_per_day >got &&
	printf "2026-11-22 0\n2026-11-23 0\n2026-11-24 0\n" >want &&
	test_cmp want got &&
	points trend.json new_customers_per_day >got &&
	test_cmp want got
'

test_expect_success "$store: the schema is applied once" '
	n=$(ls "$SRCDIR/sql/$STORE"/*.sql | wc -l) &&
	test "$(count schema_version)" = "$n" &&
	ft-query stats >/dev/null && ft-enroll add --name X >/dev/null &&
	test "$(count schema_version)" = "$n"
'

use_store "$store"

test_expect_success "$store: seed-demo loads the demo data" '
	seed_demo $seed_args >out &&
	test_grep "300 customers and 3000 visits" out &&
	test "$(count customers)" = 300 &&
	test "$(count visits)" = 3000
'

test_expect_success "$store: stats match SQL" '
	ft-query stats >stats.json &&
	test_line_count = 1 stats.json &&
	json_check stats.json ".type == \"stat\" and
		has(\"total_customers\") and has(\"new_today\") and
		has(\"visits_today\") and has(\"visits_week\") and
		has(\"returning_rate\")" &&
	test "$(json_get stats.json .total_customers)" = 300 &&
	test "$(json_get stats.json .new_today)" = \
		"$(count customers "created_at >= $D24 AND created_at < $D25")" &&
	test "$(json_get stats.json .visits_today)" = \
		"$(count visits "ts >= $D24 AND ts < $D25")" &&
	test "$(json_get stats.json .visits_week)" = \
		"$(count visits "ts >= $((D24 - 6 * DAY)) AND ts < $D25")" &&
	json_check stats.json ".visits_today > 0 and
		.visits_week > .visits_today" &&
	visited=$(store_sql "SELECT count(DISTINCT customer_id) FROM visits") &&
	returning=$(store_sql "SELECT count(*) FROM (SELECT customer_id
		FROM visits GROUP BY customer_id HAVING count(*) >= 2) t") &&
	json_check stats.json ".returning_rate == $(rate4 $returning $visited)"
'

test_expect_success "$store: returning_rate is rounded to 4 decimals" '
	(
		use_store "$STORE" &&
		seed_demo --customers 7 --visits 12 --days 10 --seed 1 \
			>/dev/null &&
		ft-query stats >small.json &&
		visited=$(store_sql "SELECT count(DISTINCT customer_id)
			FROM visits") &&
		returning=$(store_sql "SELECT count(*) FROM (SELECT customer_id
			FROM visits GROUP BY customer_id HAVING count(*) >= 2) t") &&
		test "$visited" = 7 &&
		json_check small.json \
			".returning_rate == $(rate4 $returning $visited)" &&
		json_check small.json ".returning_rate * 7 | . != round"
	)
'

test_expect_success "$store: stats count local days (TZ=Europe/Berlin)" '
	FT_NOW=2026-11-24T23:30:00.000Z TZ=Europe/Berlin ft-query stats \
		>berlin.json &&
	json_check berlin.json ".visits_today == 0 and .new_today == 0" &&
	since=$(ms_of 2026-11-18T23:00:00Z) &&
	test "$(json_get berlin.json .visits_week)" = \
		"$(count visits "ts >= $since")" &&
	FT_NOW=2026-11-24T23:30:00.000Z ft-query stats >utc.json &&
	test "$(json_get utc.json .visits_today)" = \
		"$(count visits "ts >= $D24 AND ts < $D25")"
'

test_expect_success "$store: trend: 30 days ending today, both series" '
	ft-query trend >trend.json &&
	test_line_count = 2 trend.json &&
	jq -r "[.type, .name, (.points | length)] | @tsv" trend.json >got &&
	printf "series\tvisits_per_day\t30\nseries\tnew_customers_per_day\t30\n" \
		>want &&
	test_cmp want got &&
	start=$((D24 - 29 * DAY)) &&
	sql_series visits ts $start 30 >want &&
	points trend.json visits_per_day >got &&
	test_cmp want got &&
	sql_series customers created_at $start 30 >want &&
	points trend.json new_customers_per_day >got &&
	test_cmp want got &&
	head -1 got | test_grep "^2026-10-26 " - &&
	tail -1 got | test_grep "^2026-11-24 " -
'

test_expect_success "$store: trend --days 40 includes the days without visits" '
	ft-query trend --days 40 >trend40.json &&
	start=$((D24 - 39 * DAY)) &&
	sql_series visits ts $start 40 >want &&
	points trend40.json visits_per_day >got &&
	test_cmp want got &&
	head -10 got | cut -d" " -f2 | sort -u >zeros &&
	echo 0 >want && test_cmp want zeros &&
	sql_series customers created_at $start 40 >want &&
	points trend40.json new_customers_per_day >got &&
	test_cmp want got &&
	ft-query trend --days 1 >one.json &&
	points one.json visits_per_day >got &&
	echo "2026-11-24 $(count visits "ts >= $D24 AND ts < $D25")" >want &&
	test_cmp want got
'

test_expect_success "$store: trend days are local days (TZ=Europe/Berlin)" '
	TZ=Europe/Berlin ft-query trend --days 20 >berlin.json &&
	start=$(ms_of 2026-11-04T23:00:00Z) &&
	sql_series visits ts $start 20 3600000 >want &&
	points berlin.json visits_per_day >got &&
	test_cmp want got &&
	sql_series customers created_at $start 20 3600000 >want &&
	points berlin.json new_customers_per_day >got &&
	test_cmp want got
'

test_expect_success "$store: trend as CSV and table: one row a day" '
	ft-query trend --days 30 --format csv >trend.csv &&
	csv_decode trend.csv >trend.tsv &&
	head -1 trend.tsv >got && printf "date\tvisits\tnew_customers\n" >want &&
	test_cmp want got &&
	jq -rs "[.[0].points, .[1].points] | transpose | .[] |
		[.[0][0], .[0][1], .[1][1]] | @tsv" trend.json >want &&
	sed 1d trend.tsv >got &&
	test_cmp want got &&
	ft-query trend --format table >table &&
	test_line_count = 31 table &&
	head -1 table | test_grep "^date  *visits  *new_customers *$" - &&
	sed 1d table | tr -s " " "\t" >got &&
	test_cmp want got &&
	check_table table
'

test_expect_success "$store: top: most visits first, counts match SQL" '
	ft-query top >top.json &&
	test_line_count = 10 top.json &&
	json_check top.json ".type == \"customer\" and
		(.visits_in_range | type) == \"number\" and
		.visits_in_range == .visits" &&
	jq -r .visits_in_range top.json >got &&
	store_sql "SELECT count(*) FROM visits GROUP BY customer_id
		ORDER BY count(*) DESC LIMIT 10" >want &&
	test_cmp want got &&
	sort -rn got >sorted && test_cmp sorted got &&
	for id in $(json_get top.json .id); do
		store_sql "SELECT count(*) FROM visits v JOIN customers c
			ON c.id = v.customer_id WHERE c.uuid = '"'"'$id'"'"'" ||
			exit 1
	done >per-id &&
	test_cmp want per-id
'

test_expect_success "$store: top --limit --since --until" '
	ft-query top --limit 5 --since 7d >top7.json &&
	test_line_count = 5 top7.json &&
	store_sql "SELECT count(*) FROM visits WHERE ts >= $((NOW - 7 * DAY))
		GROUP BY customer_id ORDER BY count(*) DESC LIMIT 5" >want &&
	jq -r .visits_in_range top7.json >got &&
	test_cmp want got &&
	ft-query top --limit 3 --since 2026-11-20 --until 2026-11-22 \
		>range.json &&
	store_sql "SELECT count(*) FROM visits
		WHERE ts >= $D20 AND ts < $((D20 + 3 * DAY))
		GROUP BY customer_id ORDER BY count(*) DESC LIMIT 3" >want &&
	jq -r .visits_in_range range.json >got &&
	test_cmp want got &&
	for id in $(json_get range.json .id); do
		store_sql "SELECT count(*) FROM visits v JOIN customers c
			ON c.id = v.customer_id WHERE c.uuid = '"'"'$id'"'"'
			AND ts >= $D20 AND ts < $((D20 + 3 * DAY))" || exit 1
	done >per-id &&
	test_cmp want per-id
'

test_expect_success "$store: customers: every record is what the store holds" '
	ft-query customers >all.json &&
	test_line_count = 300 all.json &&
	jq -r "$JQ_MS"" [.id, .name, (.created | ms), .visits,
		(.last_visit | ms), (if .consent then 1 else 0 end)] | @tsv" \
		all.json | sort >got &&
	store_sql "SELECT c.uuid, c.name, c.created_at, count(v.id),
		COALESCE(max(v.ts), 0), c.consent FROM customers c
		LEFT JOIN visits v ON v.customer_id = c.id
		GROUP BY c.id, c.uuid, c.name, c.created_at, c.consent" |
		sort >want &&
	test_cmp want got
'

test_expect_success "$store: customers: default order is by creation" '
	jq -r .created all.json >got && sort got >want && test_cmp want got &&
	ft-query customers --reverse --limit 7 >rev.json &&
	test_line_count = 7 rev.json &&
	jq -r .created rev.json >got &&
	jq -r .created all.json | sort -r | head -7 >want &&
	test_cmp want got
'

test_expect_success "$store: customers --sort visits|last-visit [--reverse]" '
	ft-query customers --sort visits --reverse >byv.json &&
	jq -r .visits byv.json >got && sort -rn got >want && test_cmp want got &&
	test "$(head -1 got)" = "$(store_sql "SELECT max(visit_count)
		FROM customers")" &&
	ft-query customers --sort last-visit >byl.json &&
	test_line_count = 300 byl.json &&
	jq -r "$JQ_MS"" .last_visit | ms" byl.json >got &&
	sort -n got >want && test_cmp want got
'

test_expect_success "$store: customers --min-visits and --name" '
	ft-query customers --min-visits 10 >min.json &&
	test "$(wc -l <min.json)" = "$(store_sql "SELECT count(*) FROM
		(SELECT customer_id FROM visits GROUP BY customer_id
		 HAVING count(*) >= 10) t")" &&
	json_check min.json ".visits >= 10" &&
	ft-query customers --name SMITH >smith.json &&
	test "$(wc -l <smith.json)" = \
		"$(count customers "lower(name) LIKE '"'"'%smith%'"'"'")" &&
	test -s smith.json &&
	json_check smith.json ".name | test(\"smith\"; \"i\")"
'

test_expect_success "$store: customers --since/--until bound the creation day" '
	ft-query customers --since 2026-11-20 >since.json &&
	test "$(wc -l <since.json)" = "$(count customers "created_at >= $D20")" &&
	ft-query customers --until 2026-11-20 >until.json &&
	test "$(wc -l <until.json)" = "$(count customers "created_at < $D21")" &&
	ft-query customers --since 2026-11-20 --until 2026-11-20 >day.json &&
	test "$(wc -l <day.json)" = \
		"$(count customers "created_at >= $D20 AND created_at < $D21")" &&
	test -s day.json &&
	json_check day.json ".created | startswith(\"2026-11-20\")"
'

test_expect_success "$store: customers --after pages through every order" '
	(
		use_store "$STORE" &&
		seed_demo --customers 90 --visits 200 --days 20 --seed 3 \
			>/dev/null &&
		store_sql "UPDATE customers SET name = NULL
			WHERE id % 3 = 0" &&
		store_sql "UPDATE customers SET last_visit = NULL,
			visit_count = 0 WHERE id % 4 = 0" &&
		store_sql "UPDATE customers SET name = '"'"'Same'"'"'
			WHERE id % 5 = 1" &&
		for sort in created name last-visit visits; do
			for rev in "" --reverse; do
				ft-query customers --sort $sort $rev |
					jq -r .id >want &&
				test_line_count = 90 want &&
				: >got && after= &&
				while :; do
					ft-query customers --sort $sort $rev \
						--limit 7 ${after:+--after $after} |
						jq -r .id >page &&
					test -s page || break
					cat page >>got &&
					after=$(tail -1 page)
				done &&
				test_cmp want got || exit 1
			done
		done &&
		test_exit_status 1 ft-query customers \
			--after 00000000-0000-0000-0000-000000000000
	)
'

test_expect_success "$store: customers --named --consent match SQL" '
	(
		use_store "$STORE" &&
		seed_demo --customers 40 --visits 50 --days 10 --seed 4 \
			>/dev/null &&
		store_sql "UPDATE customers SET name = NULL
			WHERE id % 3 = 0" &&
		store_sql "UPDATE customers SET consent = (id % 2)" &&
		ft-query customers --named no --consent yes | jq -r .id |
			sort >got &&
		store_sql "SELECT uuid FROM customers WHERE name IS NULL
			AND consent = 1" | sort >want &&
		test -s want && test_cmp want got &&
		ft-query customers --named yes --consent no | jq -r .id |
			sort >got &&
		store_sql "SELECT uuid FROM customers WHERE name IS NOT NULL
			AND consent = 0" | sort >want &&
		test -s want && test_cmp want got
	)
'

test_expect_success "$store: customer ID: the record, then its visits" '
	id=$(sed -n 1p top.json | jq -r .id) &&
	ft-query customer "$id" >one.json &&
	sed -n 1p one.json >rec && sed 1d one.json >visits &&
	json_check rec ".type == \"customer\" and .id == \"$id\"" &&
	n=$(json_get rec .visits) &&
	test_line_count = "$n" visits &&
	json_check visits ".type == \"visit\" and .customer == \"$id\"" &&
	jq -se "[.[].number] == [range(1; length + 1)]" visits >/dev/null &&
	jq -r "$JQ_MS"" .ts | ms" visits >got &&
	store_sql "SELECT v.ts FROM visits v JOIN customers c
		ON c.id = v.customer_id WHERE c.uuid = '"'"'$id'"'"'
		ORDER BY v.ts" >want &&
	test_cmp want got &&
	prefix=$(printf %s "$id" | cut -c1-8) &&
	ft-query customer "$prefix" >pre.json &&
	test_cmp one.json pre.json
'

test_expect_success "$store: customer: unknown, short or missing id" '
	test_exit_status 1 ft-query customer \
		00000000-0000-4000-8000-000000000000 >out 2>err &&
	test_must_be_empty out && test_grep "^ft-query: " err &&
	id=$(sed -n 1p top.json | jq -r .id) &&
	rc=0 && ft-query customer "$(printf %s "$id" | cut -c1-7)" >out \
		2>err || rc=$? &&
	test "$rc" = 1 -o "$rc" = 2 && test_must_be_empty out &&
	test_exit_status 2 ft-query customer 2>err &&
	test_exit_status 2 ft-query customer "$id" "$id" 2>err
'

test_expect_success "$store: visits: every visit as the store holds it" '
	ft-query visits >visits.json &&
	test_line_count = 3000 visits.json &&
	json_check visits.json ".type == \"visit\" and .source == \"door\" and
		(.distance | type) == \"number\" and
		.distance >= 0 and .distance <= 1" &&
	jq -r "$JQ_MS"" .ts | ms" visits.json >got &&
	sort -n got >want && test_cmp want got &&
	jq -r "$JQ_MS"" [.id, .customer, .name, (.ts | ms),
		(if .new_customer then 1 else 0 end)] | @tsv" visits.json |
		sort >got &&
	store_sql "SELECT v.id, c.uuid, c.name, v.ts, v.new_customer
		FROM visits v JOIN customers c ON c.id = v.customer_id" |
		sort >want &&
	test_cmp want got
'

test_expect_success "$store: visits: number is the nth visit of the customer" '
	jq -r "[.id, .number] | @tsv" visits.json | sort >got &&
	store_sql "SELECT v.id, (SELECT count(*) FROM visits w
		WHERE w.customer_id = v.customer_id AND
		(w.ts < v.ts OR (w.ts = v.ts AND w.id <= v.id)))
		FROM visits v" | sort >want &&
	test_cmp want got
'

# visits_between SINCE UNTIL ARGS...: ft-query visits ARGS gives exactly
# the visits with SINCE <= ts < UNTIL (ms).
visits_between() {
	_s=$1 _u=$2
	shift 2
	ft-query visits "$@" >vb.json &&
	jq -r .id vb.json >vb.got &&
	store_sql "SELECT id FROM visits WHERE ts >= $_s AND ts < $_u
		ORDER BY ts, id" >vb.want &&
	test -s vb.want &&
	test_cmp vb.want vb.got
}

test_expect_success "$store: visits --until DATE includes that whole day" '
	visits_between $D23 $D24 --since 2026-11-23 --until 2026-11-23 &&
	json_check vb.json ".ts | startswith(\"2026-11-23T\")" &&
	visits_between 0 $D24 --until 2026-11-23 &&
	visits_between $D20 $D24 --since 2026-11-20 --until 2026-11-23
'

test_expect_success "$store: visits: today, yesterday and durations" '
	visits_between $D23 $D24 --since yesterday --until yesterday &&
	visits_between $D24 $D25 --since today &&
	visits_between $D24 $D25 --since today --until today &&
	visits_between $((NOW - 7 * DAY)) $D25 --since 7d &&
	visits_between $((NOW - 12 * 3600000)) $D25 --since 12h &&
	visits_between $((NOW - 3 * DAY)) $((NOW - 12 * 3600000)) \
		--since 3d --until 12h &&
	visits_between 0 $((NOW - 30 * 60000)) --until 30m
'

test_expect_success "$store: visits: moments, zones and seconds" '
	t1=$(ms_of 2026-11-23T09:15:02.120Z) &&
	t2=$(ms_of 2026-11-23T17:00:00Z) &&
	visits_between $t1 $t2 --since 2026-11-23T09:15:02.120Z \
		--until 2026-11-23T17:00 &&
	visits_between $((t1 - 2120)) $t2 --since 2026-11-23T10:15+01:00 \
		--until "2026-11-23 17:00:00" &&
	visits_between $((t1 - 2120)) $t2 --since 2026-11-23T09:15Z \
		--until 2026-11-23T12:00-05:00
'

test_expect_success "$store: visits: local days (TZ=Europe/Berlin)" '
	(
		export TZ=Europe/Berlin &&
		visits_between $(ms_of 2026-11-22T23:00:00Z) \
			$(ms_of 2026-11-23T23:00:00Z) \
			--since 2026-11-23 --until 2026-11-23
	)
'

test_expect_success "$store: visits --customer --source --limit --reverse" '
	id=$(sed -n 2p top.json | jq -r .id) &&
	ft-query visits --customer "$id" >c.json &&
	test_line_count = "$(sed -n 2p top.json | jq -r .visits)" c.json &&
	json_check c.json ".customer == \"$id\"" &&
	ft-query visits --customer "$id" --since 7d >c7.json &&
	test "$(wc -l <c7.json)" = "$(store_sql "SELECT count(*) FROM visits v
		JOIN customers c ON c.id = v.customer_id
		WHERE c.uuid = '"'"'$id'"'"' AND v.ts >= $((NOW - 7 * DAY))")" &&
	ft-query visits --source door >door.json &&
	test_line_count = 3000 door.json &&
	ft-query visits --source nowhere >none.json &&
	test_must_be_empty none.json &&
	ft-query visits --limit 5 >five.json &&
	head -5 visits.json >want && test_cmp want five.json &&
	ft-query visits --reverse --limit 3 >last.json &&
	jq -r .id last.json >got &&
	store_sql "SELECT id FROM visits ORDER BY ts DESC, id DESC LIMIT 3" \
		>want &&
	test_cmp want got
'

test_expect_success "$store: visits --until before --since: nothing, status 0" '
	ft-query visits --since 2026-11-23 --until 2026-11-20 >out &&
	test_must_be_empty out
'

test_expect_success "$store: --jq runs on every record" '
	test "$(ft-query stats --jq .total_customers)" = 300 &&
	ft-query customers --jq "select(.visits >= 10) | .id" >ids &&
	test "$(wc -l <ids)" = "$(wc -l <min.json)" &&
	ft-query customers --limit 4 --jq ".id, .name" >two &&
	test_line_count = 8 two &&
	ft-query visits --jq empty >out && test_must_be_empty out &&
	ft-query --jq "{n: .visits_in_range}" top --limit 2 >n.json &&
	jq -r .n n.json >got && head -2 top.json | jq -r .visits >want &&
	test_cmp want got
'

test_expect_success "$store: --jq errors: 1 at run time, 2 at compile time" '
	test_exit_status 1 ft-query stats --jq "error(\"boom\")" >out 2>err &&
	test_grep "^ft-query: .*boom" err &&
	test_exit_status 2 ft-query stats --jq ".[" >out 2>err &&
	test_must_be_empty out &&
	test_grep "^ft-query: " err
'

test_expect_success "$store: --format csv: header and rows equal the JSON" '
	ft-query stats --format csv >stats.csv &&
	csv_vs_json stats.csv stats.json &&
	ft-query --format csv stats >stats2.csv &&
	test_cmp stats.csv stats2.csv &&
	ft-query customers --format csv >cust.csv &&
	csv_vs_json cust.csv all.json &&
	ft-query visits --limit 50 --format csv >vis.csv &&
	head -50 visits.json >vis50.json &&
	csv_vs_json vis.csv vis50.json &&
	ft-query visits --limit 3 --jq "{id, name}" --format csv >jq.csv &&
	csv_decode jq.csv >got &&
	{ printf "id\tname\n" && head -3 visits.json |
		jq -r "[.id, .name] | @tsv"; } >want &&
	test_cmp want got
'

test_expect_success "$store: CSV lines end in CRLF, fields quoted as needed" '
	ft-enroll add --name "Quote \"Me\", Please" --notes "a
b" >q.json &&
	ft-query customer "$(json_get q.json .id)" --format csv >q.csv &&
	test_grep "\"Quote \"\"Me\"\", Please\"" q.csv &&
	ft-enroll add --name "Comma, Only" >c.json &&
	ft-query customers --name Comma --jq "{name}" --format csv >c.csv &&
	printf "name\r\n\"Comma, Only\"\r\n" >want && test_cmp want c.csv &&
	ft-enroll forget "$(json_get c.json .id)" &&
	head -1 q.csv | od -c | test_grep "\\\\r  *\\\\n" - &&
	csv_decode q.csv | sed -n 2p | cut -f2 >got &&
	echo "Quote \"Me\", Please" >want && test_cmp want got &&
	ft-enroll forget "$(json_get q.json .id)"
'

test_expect_success "$store: --format table: aligned, a header, no type" '
	ft-query stats --format table >stats.table &&
	test_line_count = 2 stats.table &&
	head -1 stats.table | tr -s " " "\n" >got &&
	printf "%s\n" total_customers new_today visits_today visits_week \
		returning_rate footfall_today >want &&
	test_cmp want got &&
	sed -n 2p stats.table | tr -s " " "\n" | sed "/^$/d" >got &&
	jq -r "[.total_customers, .new_today, .visits_today, .visits_week,
		.returning_rate, .footfall_today] | .[]" stats.json >want &&
	test_cmp want got &&
	ft-query customers --format table >cust.table &&
	test_line_count = $(($(count customers) + 1)) cust.table &&
	head -1 cust.table | test_grep "^id  *name  *email" - &&
	test_grep_not -w type cust.table &&
	test_grep -F "芳" cust.table &&
	check_table cust.table &&
	ft-query visits --format table >vis.table &&
	test_line_count = 3001 vis.table &&
	check_table vis.table
'

test_expect_success "$store: count-customers: conditions match SQL" '
	c() { ft-query count-customers "$@" --jq .customers; } &&
	test "$(c)" = 300 &&
	has_email="email IS NOT NULL AND email <> '"''"'" &&
	test "$(c --email yes)" = "$(count customers "$has_email")" &&
	test "$(c --email no)" = "$(count customers "NOT ($has_email)")" &&
	test "$(c --email yes)" -gt 0 && test "$(c --email no)" -gt 0 &&
	test "$(c --consent yes)" = "$(count customers "consent = 1")" &&
	test "$(c --consent no --email yes)" = \
		"$(count customers "consent = 0 AND $has_email")" &&
	test "$(c --named no)" = \
		"$(count customers "name IS NULL OR name = '"''"'")" &&
	test "$(c --min-visits 2)" = "$(count customers "visit_count >= 2")" &&
	test "$(c --since 2026-11-20 --until 2026-11-23)" = \
		"$(count customers "created_at >= $D20 AND created_at < $D24")" &&
	test_exit_status 2 ft-query count-customers --email maybe 2>err &&
	test_grep "bad --email: .maybe. (any, yes or no)\|bad --email" err
'

test_expect_success "$store: averages: visits, visitors, repeats match SQL" '
	ft-query averages --since 2026-11-20 --until 2026-11-23 >a.json &&
	w="ts >= $D20 AND ts < $D24" &&
	v=$(count visits "$w") &&
	u=$(store_sql "SELECT count(DISTINCT customer_id) FROM visits
		WHERE $w") &&
	r=$(store_sql "SELECT count(*) FROM (SELECT customer_id FROM visits
		WHERE $w GROUP BY customer_id HAVING count(*) >= 2) t") &&
	json_check a.json ".type == \"averages\" and .visits == $v and
		.visitors == $u and .repeat_visitors == $r and .days == 4 and
		.first_day == \"2026-11-20\" and .last_day == \"2026-11-23\" and
		.visits_per_day == $v / 4 and .visits_per_customer == $v / $u and
		.repeat_rate == $r / $u" &&
	b=$(store_sql "SELECT count(DISTINCT v.customer_id) FROM visits v
		JOIN customers c ON c.id = v.customer_id WHERE v.ts >= $D20
		AND v.ts < $D24 AND c.created_at < $D20") &&
	json_check a.json ".returning_visitors == $b and
		.new_visitors == $u - $b and $b > 0 and $b < $u" &&
	ft-query averages >avg-all.json &&
	json_check avg-all.json ".visits == 3000 and .last_day == \"2026-11-24\"
		and .returning_visitors == null" &&
	ft-query averages --since 2030-01-01 >none.json &&
	json_check none.json ".visits == 0 and .visits_per_customer == null"
'

test_expect_success "$store: by-time: weekdays and hours of the visits" '
	ft-query by-time --by weekday --since 2026-11-01 >w.json &&
	ft-query visits --since 2026-11-01 |
		jq -r ".ts[0:19] + \"Z\" | fromdate | strftime(\"%A\")" |
		sort | uniq -c | awk "{ print \$2, \$1 }" | sort >want &&
	jq -r ".points[] | select(.[1] > 0) | \"\(.[0]) \(.[1])\"" w.json |
		sort >got &&
	test_cmp want got &&
	jq -r ".points[0][0]" w.json >first && echo Monday >want &&
	test_cmp want first &&
	most=$(sort -k2 -n got | tail -1 | cut -d" " -f2) &&
	json_check w.json ".busiest_visits == $most and
		(.busiest | length) >= 1" &&
	ft-query by-time --by hour >h.json &&
	ft-query visits | jq -r ".ts[11:13]" | sort | uniq -c |
		awk "{ print \$2, \$1 }" >want &&
	jq -r ".points[] | select(.[1] > 0) | \"\(.[0]) \(.[1])\"" h.json \
		>got &&
	test_cmp want got &&
	json_check h.json "(.points | length) == 24" &&
	test_exit_status 2 ft-query by-time 2>err &&
	test_grep "needs --by" err
'

test_expect_success "$store: lapsed: not seen for N days, at least M visits" '
	ft-query lapsed --days 10 --min-visits 3 >l.json &&
	cut=$((NOW - 10 * DAY)) &&
	n=$(count customers "last_visit < $cut AND visit_count >= 3") &&
	test "$n" -gt 0 &&
	head -1 l.json | json_check - ".type == \"count\" and .customers == $n" &&
	sed 1d l.json >list.json &&
	test_line_count = "$n" list.json &&
	json_check list.json ".visits >= 3 and .last_visit < \"2026-11-14T12\"" &&
	jq -r .last_visit list.json >got && sort got >want && test_cmp want got &&
	ft-query lapsed --days 10 --min-visits 3 --limit 2 >l2.json &&
	test_line_count = 3 l2.json
'

test_expect_success "$store: loyal: a visit in every week the period touches" '
	ft-query loyal --since 2026-11-04 --until 2026-11-24 >y.json &&
	mon=$(($(ms_of 2026-11-02T00:00:00Z) / 1000)) &&
	ft-query visits --since 2026-11-04 --until 2026-11-24 |
		jq -s -r --argjson mon "$mon" "group_by(.customer) | map({c:
		.[0].customer, n: length, w: (map(.ts[0:10] + \"T00:00:00Z\" |
		fromdate | (. - \$mon) / 604800 | floor) | unique | length)}) |
		map(select(.w == 4)) | sort_by(-.n, .c) | .[] |
		\"\(.c) \(.n)\"" >want &&
	test "$(wc -l <want)" -gt 0 &&
	head -1 y.json | json_check - ".weeks == 4 and
		.customers == $(wc -l <want)" &&
	sed 1d y.json | jq -r "\"\(.id) \(.visits_in_range)\"" >got &&
	sort want >w1 && sort got >g1 && test_cmp w1 g1 &&
	cut -d" " -f2 got >gn && sort -rn gn >sn && test_cmp sn gn &&
	test_exit_status 2 ft-query loyal --since today 2>err &&
	test_grep "needs --until" err
'

test_expect_success "$store: compare: two periods, differences and per cent" '
	ft-query compare --since 2026-11-20 --until 2026-11-21 \
		--against-since 2026-11-23 --against-until 2026-11-23 >c.json &&
	a=$(count visits "ts >= $D20 AND ts < $D21 + $DAY") &&
	b=$(count visits "ts >= $D23 AND ts < $D24") &&
	json_check c.json ".type == \"comparison\" and .period.visits == $a and
		.against.visits == $b and .change.visits.difference == $a - $b
		and .change.visits.percent == ($a - $b) * 100 / $b" &&
	test_exit_status 2 ft-query compare --since today 2>err &&
	test_grep "needs --until" err
'

test_expect_success "$store: the same seed gives the same data" '
	ft-query visits >v1.json &&
	(
		use_store "$STORE" &&
		seed_demo $seed_args >/dev/null &&
		ft-query customers >c2.json &&
		ft-query visits >v2.json &&
		ft-query stats >s2.json &&
		use_store "$STORE" &&
		seed_demo --customers 300 --visits 3000 --days 30 --seed 43 \
			>/dev/null &&
		ft-query customers >c3.json
	) &&
	test_cmp all.json c2.json &&
	test_cmp v1.json v2.json &&
	test_cmp stats.json s2.json &&
	if cmp -s all.json c3.json; then
		echo "seed 43 gave the same data as seed 42" >&3; exit 1
	fi
'

done

# Both backends must give the same answers for the same data.
if [ -n "${FT_TEST_MYSQL_URL-}" ]; then
	cd "$TEST_DIR" || exit 1
	test_expect_success 'sqlite and mysql agree on every command' '
		for s in sqlite mysql; do
			use_store $s &&
			seed_demo $seed_args >/dev/null &&
			ft-query customers | sort >$s.customers &&
			ft-query visits | jq -c "del(.id)" | sort >$s.visits &&
			ft-query stats >$s.stats &&
			ft-query trend --days 40 >$s.trend &&
			ft-query top --limit 20 --since 14d |
				jq .visits_in_range >$s.top &&
			ft-query customers --min-visits 5 --since 2026-11-01 \
				--until 2026-11-20 | sort >$s.filtered || exit 1
		done &&
		for f in customers visits stats trend top filtered; do
			test_cmp sqlite.$f mysql.$f || exit 1
		done
	'
else
	test_skip 'sqlite and mysql agree on every command' \
		'no MariaDB (FT_TEST_MYSQL_URL unset)'
fi

# Usage: nothing touches the store.
cd "$TEST_DIR" || exit 1
export FT_DB=sqlite:$TEST_DIR/usage.db

usage_error() {
	test_exit_status 2 "$@" >out 2>err &&
	test_must_be_empty out &&
	test_grep "^usage: ft-query" err &&
	test ! -e "$TEST_DIR/usage.db"
}

test_expect_success 'usage errors exit 2 with the usage on stderr' '
	usage_error ft-query &&
	usage_error ft-query bogus &&
	usage_error ft-query stats extra &&
	usage_error ft-query customers --days 3 &&
	usage_error ft-query stats --limit 3 &&
	usage_error ft-query --format xml stats &&
	usage_error ft-query visits --since garbage &&
	usage_error ft-query visits --until 2026-13-01 &&
	usage_error ft-query trend --days 0 &&
	usage_error ft-query trend --days x &&
	usage_error ft-query customers --limit 0 &&
	usage_error ft-query customers --min-visits -1 &&
	usage_error ft-query customers --sort height &&
	usage_error ft-query top --limit many &&
	usage_error ft-query --bogus stats &&
	usage_error ft-query stats --db
'

test_expect_success '--help: usage on stdout, status 0; --version' '
	ft-query --help >out 2>err &&
	test_must_be_empty err &&
	test_grep "^usage: ft-query" out &&
	for c in customers customer visits stats trend top; do
		test_grep -w "$c" out || exit 1
	done &&
	ft-query --version >out &&
	test_grep "^ft-query [0-9][0-9.]*" out &&
	test ! -e usage.db
'

test_done
