#!/bin/sh
# Erasure that is real: after ft-enroll forget, and for the customer a
# merge drops, no descriptor, face crop, name or e-mail of theirs is left
# in any file of the store.  The files are searched byte for byte: on SQLite the
# database, its -wal, -journal and -shm (with another connection open, as
# ft-serve's would be, so the WAL outlives the program); on MariaDB the
# database's table files at once, and the table files and system
# tablespace once InnoDB's purge has run, and the redo log after the
# resize facetrack(7) tells operators about.  The descriptor is looked
# for as stored (128 little-endian float32), in 8-byte pieces, so even
# a part of it counts; so is the crop (4000 bytes).  Also: the receipt, event ids never given twice.
. "$(dirname "$0")/lib.sh"

command -v perl >/dev/null 2>&1 || skip_all "perl is not installed"

VISIT_ADD=$FT_BUILD/tests/visit-add

# descriptor FILE N: 128 distinctive float32 (little-endian), raw bytes
# in FILE and as hex on stdout; N varies them.
descriptor() {
	perl -e '
		my ($file, $n) = @ARGV;
		my @v = map { (($_ * 37 + $n * 11) % 101 - 50) / 313.0 +
			0.000123 * $_ + $n / 977.0 } 0 .. 127;
		my $b = pack("f<128", @v);
		open my $f, ">", $file or die "$file: $!";
		binmode $f; print $f $b; close $f;
		print unpack("H*", $b), "\n";' "$1" "$2"
}

# crop FILE N: a stand-in for a face crop of 4000 bytes (a JPEG's
# markers around bytes as varied as its compressed data), raw bytes in
# FILE and as hex on stdout; N varies them.
crop() {
	perl -e '
		my ($file, $n) = @ARGV;
		my ($x, $b) = (12345 + 977 * $n, "\xff\xd8\xff\xe0");
		for (1 .. 3992) {
			$x = ($x * 1103515245 + 12345) % 2147483648;
			$b .= chr(($x >> 16) & 255);
		}
		$b .= "\xff\xd9\xff\xd9";
		open my $f, ">", $file or die "$file: $!";
		binmode $f; print $f $b; close $f;
		print unpack("H*", $b), "\n";' "$1" "$2"
}

# traces DESC NAME EMAIL FILE...: print each trace of the customer found
# in the files (a missing file holds none; "-" looks for nothing);
# status 1 when there is one.
traces() {
	perl -e '
		my ($desc, $name, $email, @files) = @ARGV;
		my $d = "";
		if ($desc ne "-") {
			open my $f, "<", $desc or die "$desc: $!";
			binmode $f; local $/; $d = <$f>; close $f;
		}
		my $hits = 0;
		for my $file (@files) {
			open my $h, "<", $file or next;
			binmode $h; local $/; my $t = <$h>; close $h;
			next unless defined $t;
			my $n = 0;
			for my $i (0 .. length($d) / 8 - 1) {
				$n++ if index($t, substr($d, 8 * $i, 8)) >= 0;
			}
			if ($n) {
				my $all = int(length($d) / 8);
				print "$file: $desc ($n of $all pieces)\n";
				$hits++;
			}
			for my $s ($name, $email) {
				next if $s eq "-" || index($t, $s) < 0;
				print "$file: $s\n";
				$hits++;
			}
		}
		exit($hits ? 1 : 0);' "$@"
}

# no_traces DESC NAME EMAIL FILE...: nothing found, or say what was.
no_traces() {
	traces "$@" >found || { cat found >&3; return 1; }
}

# some_traces DESC NAME EMAIL FILE...: something found (the search works).
some_traces() {
	if traces "$@" >found; then
		echo "no trace found in: $*" >&3
		return 1
	fi
}

# enroll NAME EMAIL DESC-FILE N: a customer with one face sample of the
# descriptor and its crop (in crop.N; written with the store's own
# client: ft-enroll describes images only) and two visits through the
# store's own code (their "visit" events name them); prints the
# customer's id.
enroll() {
	ft-enroll add --name "$1" --email "$2" >"enrolled.$4" &&
	_id=$(jq -r .id "enrolled.$4") &&
	_row=$(store_sql "SELECT id FROM customers WHERE uuid = '$_id'") &&
	_hex=$(descriptor "$3" "$4") &&
	_chex=$(crop "crop.$4" "$4") &&
	store_sql "INSERT INTO faces (customer_id, descriptor, quality,
		created_at, crop) VALUES ($_row, X'$_hex', 0.9, 0,
		X'$_chex')" &&
	"$VISIT_ADD" "$_id" >/dev/null &&
	"$VISIT_ADD" --source till "$_id" >/dev/null &&
	echo "$_id"
}

# others N: customers sharing the pages with the ones erased.
others() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		ft-enroll add --name "Bystander $_i" \
			--email "bystander$_i@example.test" >/dev/null || return 1
		_i=$((_i + 1))
	done
}

# --- MariaDB: the server's files, through an administrator's client ---

admin_sql() {
	mariadb --no-defaults -S "$FT_TEST_MYSQL_DIR/sock" -u "$(id -un)" \
		-N -B -e "$1"
}

# The table files of the current database, written out: FLUSH TABLES
# ... FOR EXPORT writes the tables' dirty pages to their .ibd files.
flush_tables() {
	admin_sql "FLUSH TABLES \`$STORE_DB\`.customers, \`$STORE_DB\`.faces,
		\`$STORE_DB\`.visits, \`$STORE_DB\`.events FOR EXPORT;
		UNLOCK TABLES"
}

# Wait for InnoDB's purge to have removed every deleted row, then flush.
purge_tables() {
	admin_sql "SET GLOBAL innodb_max_purge_lag_wait = 0" && flush_tables
}

# snapshot_start: a transaction reading an old snapshot, as a long
# report would, open until snapshot_stop: InnoDB's purge keeps every
# row version it may read, so deleted rows stay in their pages as they
# were unless they were overwritten before the DELETE.  It reads meta
# only: FLUSH TABLES ... FOR EXPORT waits for transactions that used the
# tables it flushes.
snapshot_start() {
	mkfifo "$TEST_DIR/snapshot.in" || return 1
	mysql_client --unbuffered "$STORE_DB" <"$TEST_DIR/snapshot.in" \
		>"$TEST_DIR/snapshot.out" 2>&1 &
	echo $! >"$TEST_DIR/snapshot.pid"
	test_bg_pid "$(cat "$TEST_DIR/snapshot.pid")"
	exec 9>"$TEST_DIR/snapshot.in"
	echo "START TRANSACTION WITH CONSISTENT SNAPSHOT;
		SELECT 'snapshot', count(*) FROM meta;" >&9
	_i=0
	until grep -q snapshot "$TEST_DIR/snapshot.out" 2>/dev/null; do
		_i=$((_i + 1))
		[ "$_i" -gt 100 ] && return 1
		sleep 0.1
	done
}

snapshot_stop() {
	echo "COMMIT;" >&9
	exec 9>&-
	wait "$(cat "$TEST_DIR/snapshot.pid")" 2>/dev/null || :
	rm -f "$TEST_DIR/snapshot.in"
}

ibd() {
	echo "$FT_TEST_MYSQL_DIR/data/$STORE_DB/$1.ibd"
}

# --- SQLite: every file of the store ---

sqlite_files() {
	echo "$STORE_FILE" "$STORE_FILE-wal" "$STORE_FILE-journal" \
		"$STORE_FILE-shm"
}

# reader_start: another connection to the store, open (no transaction)
# until reader_stop, as ft-serve's are: the WAL then outlives each
# program, as it does in a shop.
reader_start() {
	mkfifo "$TEST_DIR/reader.in" || return 1
	sqlite3 "$STORE_FILE" <"$TEST_DIR/reader.in" >/dev/null 2>&1 &
	echo $! >"$TEST_DIR/reader.pid"
	test_bg_pid "$(cat "$TEST_DIR/reader.pid")"
	exec 8>"$TEST_DIR/reader.in"
	echo "SELECT count(*) FROM meta;" >&8
}

reader_stop() {
	exec 8>&-
	wait "$(cat "$TEST_DIR/reader.pid")" 2>/dev/null || :
	rm -f "$TEST_DIR/reader.in"
}

NAME="Quillon Vexmoor"
EMAIL=quillon.vexmoor@erase.example
MNAME="Marlo Thessaly"
MEMAIL=marlo.thessaly@erase.example

if [ -z "${FT_TEST_MYSQL_URL-}" ]; then
	test_skip "mysql: erasure" "no MariaDB (FT_TEST_MYSQL_URL unset)"
fi

for store in $(test_stores); do
mkdir "$TEST_DIR/$store"
cd "$TEST_DIR/$store" || exit 1
use_store "$store"
if [ "$store" = sqlite ] && ! { ft-query stats >/dev/null && reader_start; }
then
	echo "Bail out! cannot keep a connection to the SQLite store open"
	exit 1
fi

test_expect_success "$store: the customers are in the store files" '
	test -x "$VISIT_ADD" &&
	others 30 &&
	enroll "$NAME" "$EMAIL" desc.bin 1 >forget.id &&
	ft-enroll add --name "Keeper Person" --email keeper@example.test \
		>keep.json &&
	enroll "$MNAME" "$MEMAIL" mdesc.bin 2 >merge.id &&
	others 10 &&
	if [ "$STORE" = mysql ]; then
		flush_tables &&
		some_traces desc.bin "$NAME" "$EMAIL" "$(ibd faces)" &&
		some_traces crop.1 - - "$(ibd faces)" &&
		some_traces - "$NAME" "$EMAIL" "$(ibd customers)" &&
		some_traces - "$MNAME" "$MEMAIL" "$(ibd events)"
	else
		some_traces desc.bin "$NAME" "$EMAIL" $(sqlite_files) &&
		some_traces crop.1 - - $(sqlite_files) &&
		some_traces - "$MNAME" "$MEMAIL" $(sqlite_files)
	fi
'

if [ "$store" = mysql ] && ! snapshot_start; then
	echo "Bail out! cannot open a snapshot on MariaDB:"
	sed 's/^/# /' "$TEST_DIR/snapshot.out"
	exit 1
fi

test_expect_success "$store: forget prints a receipt of what went" '
	id=$(cat forget.id) &&
	before=$(store_sql "SELECT max(id) FROM events") &&
	ft-enroll forget "$id" >receipt 2>err &&
	test_must_be_empty err &&
	test_line_count = 1 receipt &&
	jq -e --arg id "$id" ".type == \"erasure\" and .customer == \$id and
		.samples == 1 and .visits == 2 and .events == 3 and
		.ts == \"2026-11-24T12:00:00.000Z\"" receipt >/dev/null &&
	test "$(store_sql "SELECT count(*) FROM customers
		WHERE uuid = '"'"'$id'"'"'")" = 0 &&
	forget=$(store_sql "SELECT max(id) FROM events
		WHERE kind = '"'"'forget'"'"'") &&
	test "$forget" -gt "$before" &&
	store_sql "SELECT payload FROM events WHERE id = $forget" >payload &&
	echo "{\"type\":\"forget\"}" >want && test_cmp want payload
'

test_expect_success "$store: merge keeps the samples, erases the name" '
	keep=$(jq -r .id keep.json) &&
	ft-enroll merge "$keep" "$(cat merge.id)" >merged &&
	jq -e ".name == \"Keeper Person\" and .email == \"keeper@example.test\"
		and .faces == 1 and .visits == 2" merged >/dev/null
'

# SQLite without AUTOINCREMENT gave the forget event the id of the
# newest event it had just deleted: a follower of the feed that had seen
# that id skipped the forget.
test_expect_success "$store: event ids are never given twice" '
	ft-enroll add --name "Newest Event" >newest.json &&
	id=$(jq -r .id newest.json) &&
	last=$(store_sql "SELECT max(id) FROM events") &&
	test "$(store_sql "SELECT kind FROM events WHERE id = $last")" = \
		customer &&
	ft-enroll forget "$id" >/dev/null &&
	test "$(store_sql "SELECT count(*) FROM events WHERE id = $last")" = 0 &&
	test "$(store_sql "SELECT min(id) FROM events
		WHERE kind = '"'"'forget'"'"' AND id > $last")" -gt "$last"
'

if [ "$store" = sqlite ]; then
	test_expect_success "sqlite: no trace in the database, WAL or journal" '
		test -f "$STORE_FILE-wal" &&
		test ! -s "$STORE_FILE-wal" &&
		no_traces desc.bin "$NAME" "$EMAIL" $(sqlite_files) &&
		no_traces crop.1 "$NAME" "$EMAIL" $(sqlite_files) &&
		no_traces - "$MNAME" "$MEMAIL" $(sqlite_files)
	'

	# Without secure_delete the same search finds the deleted row: the
	# test above could fail.
	test_expect_success "sqlite: without secure_delete the search finds rows" '
		sqlite3 "$STORE_FILE" ".backup control.db" &&
		id=$(jq -r .id keep.json) &&
		sqlite3 control.db "PRAGMA secure_delete = OFF;
			DELETE FROM events; DELETE FROM visits;
			DELETE FROM faces; DELETE FROM customers;
			PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null &&
		some_traces - "Keeper Person" keeper@example.test control.db
	'
	reader_stop
else
	# The old snapshot keeps purge from removing the deleted rows: what
	# they hold in their pages is what the erasure wrote before deleting
	# them.  The old name stays in the customers_name index (and the old
	# values in the undo log) until purge: facetrack(7).
	test_expect_success "mysql: the erased rows hold zeros before purge" '
		flush_tables &&
		no_traces desc.bin "$NAME" "$EMAIL" "$(ibd faces)" \
			"$(ibd events)" "$(ibd visits)" &&
		no_traces crop.1 "$NAME" "$EMAIL" "$(ibd faces)" &&
		no_traces - "$MNAME" "$MEMAIL" "$(ibd events)" &&
		no_traces - "$EMAIL" "$MEMAIL" "$(ibd customers)"
	'
	snapshot_stop

	test_expect_success "mysql: after purge, no trace in any table file" '
		purge_tables &&
		no_traces desc.bin "$NAME" "$EMAIL" \
			"$FT_TEST_MYSQL_DIR"/data/"$STORE_DB"/*.ibd \
			"$FT_TEST_MYSQL_DIR/data/ibdata1" &&
		no_traces crop.1 "$NAME" "$EMAIL" \
			"$FT_TEST_MYSQL_DIR"/data/"$STORE_DB"/*.ibd \
			"$FT_TEST_MYSQL_DIR/data/ibdata1" &&
		no_traces - "$MNAME" "$MEMAIL" \
			"$FT_TEST_MYSQL_DIR"/data/"$STORE_DB"/*.ibd \
			"$FT_TEST_MYSQL_DIR/data/ibdata1"
	'

	# The redo log keeps the rows as written until it wraps around;
	# facetrack(7) tells the operator to resize it, which writes a new
	# one.  The server's size is put back afterwards.
	test_expect_success "mysql: a resized redo log holds no trace" '
		log=$FT_TEST_MYSQL_DIR/data/ib_logfile0 &&
		some_traces - "$NAME" "$EMAIL" "$log" &&
		size=$(admin_sql "SELECT @@innodb_log_file_size") &&
		admin_sql "SET GLOBAL innodb_log_file_size = $size + 1048576" &&
		no_traces desc.bin "$NAME" "$EMAIL" "$log" &&
		no_traces crop.1 "$NAME" "$EMAIL" "$log" &&
		no_traces - "$MNAME" "$MEMAIL" "$log" &&
		admin_sql "SET GLOBAL innodb_log_file_size = $size"
	'
fi
done

test_done
