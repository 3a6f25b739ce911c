#!/bin/sh
# Face crops and bulk enrolment.  Every sample ft-enroll or ft-recognize
# stores keeps the JPEG of its aligned chip (150x150), none with
# FT_FACE_CROPS=0; ft-query customer --faces DIR writes them as
# DIR/SAMPLEID.jpg (private, replacing only its own regular files) and
# the export carries them in base64.  Enrolling a folder skips a photo
# without a face and a corrupt one, names them, sums up and exits 3;
# --strict refuses the batch; import DIR makes a customer of each photo
# and folder; an enrolment records no visit; a terminal gets a progress
# line.  On photos of the development data or of the fallback set.
. "$(dirname "$0")/lib.sh"

ft-recognize --models >/dev/null 2>&1 ||
	skip_all "no face models (make models)"
command -v ffmpeg >/dev/null || skip_all "ffmpeg is missing"
command -v ffprobe >/dev/null || skip_all "ffprobe is missing"
face_data

if [ "$FACE_DATA" = dev ]; then
	A=Frank_Solich B=Ray_Romano
else
	A=$(face_person 1 3) && B=$(face_person 2 2) || {
		echo "Bail out! too few people in $DATA"
		exit 1
	}
fi
A1=$(face_photo "$A" 1)
A2=$(face_photo "$A" 2)
A3=$(face_photo "$A" 3)
B1=$(face_photo "$B" 1)
B2=$(face_photo "$B" 2)
ffmpeg -nostdin -v error -f lavfi -i testsrc=size=320x240 -frames:v 1 \
	noface.jpg
# A JPEG's first bytes, then garbage: named like a photo, not one.
head -c 600 "$A1" >corrupt.jpg
printf 'not the rest of a photo' >>corrupt.jpg

# A folder of photos as an owner would have it: two of A, two that
# cannot be used, and a note that is not a photo.
mkdir batch
cp "$A2" batch/a2.jpg
cp "$A3" batch/a3.jpg
cp noface.jpg batch/b-noface.jpg
cp corrupt.jpg batch/c-corrupt.jpg
echo "photos of the shop" >batch/README

count() {
	store_sql "SELECT count(*) FROM $1"
}

# is_chip FILE: a JPEG of 150x150.
is_chip() {
	test "$(head -c 3 "$1" | od -An -tx1 | tr -d ' ')" = ffd8ff &&
	test "$(ffprobe -v error -select_streams v:0 -show_entries \
		stream=codec_name,width,height -of csv=p=0 "$1")" = \
		"mjpeg,150,150"
}

for store in $(test_stores); do
	use_store "$store"
	mkdir "$TEST_DIR/$store"
	cd "$TEST_DIR/$store" || exit 1

	test_expect_success "$store: an enrolled sample keeps its crop" '
		ft-enroll add --name "Crop Person" "$A1" >c 2>err &&
		test_must_be_empty err &&
		ID=$(jq -r .id c) && echo "$ID" >id &&
		test "$(count faces)" = 1 &&
		test "$(store_sql "SELECT count(*) FROM faces
			WHERE crop IS NULL")" = 0 &&
		test "$(store_sql "SELECT length(crop) FROM faces")" -gt 1000
	'

	test_expect_success "$store: --faces DIR writes each crop as a JPEG" '
		ID=$(cat id) &&
		ft-query customer "$ID" --faces crops >out 2>err &&
		test "$(jq -r .id out)" = "$ID" &&
		test_grep "^ft-query: 1 face crop written to .crops." err &&
		sample=$(ft-enroll faces "$ID" | jq -r .id) &&
		ls crops >files && echo "$sample.jpg" >want &&
		test_cmp want files &&
		is_chip "crops/$sample.jpg" &&
		test "$(stat -c %a crops)" = 700 &&
		test "$(stat -c %a "crops/$sample.jpg")" = 600
	'

	test_expect_success "$store: the export carries the crops in base64" '
		ID=$(cat id) &&
		sample=$(ft-enroll faces "$ID" | jq -r .id) &&
		ft-query export "$ID" >exp &&
		jq -e --argjson s "$sample" ".crops | length == 1 and
			.[0].sample == \$s" exp &&
		jq -r ".crops[0].jpeg" exp | base64 -d >decoded.jpg &&
		cmp decoded.jpg "crops/$sample.jpg" &&
		ft-query audit --customer "$ID" >audit &&
		jq -se "map(.action) | index(\"export-crops\") != null" audit
	'

	test_expect_success "$store: --faces replaces only its own files" '
		ID=$(cat id) &&
		sample=$(ft-enroll faces "$ID" | jq -r .id) &&
		echo keep >crops/notes.txt &&
		echo old >"crops/$sample.jpg" &&
		ft-query customer "$ID" --faces crops >/dev/null 2>err &&
		is_chip "crops/$sample.jpg" &&
		test "$(cat crops/notes.txt)" = keep &&
		echo mine >elsewhere &&
		rm "crops/$sample.jpg" &&
		ln -s ../elsewhere "crops/$sample.jpg" &&
		test_exit_status 1 ft-query customer "$ID" --faces crops \
			>/dev/null 2>err &&
		test_grep "symbolic link" err &&
		test_grep "0 face crops written" err &&
		test "$(cat elsewhere)" = mine &&
		echo file >plain &&
		test_exit_status 1 ft-query customer "$ID" --faces plain \
			>/dev/null 2>err &&
		test_grep "cannot make directory .plain." err &&
		test_exit_status 2 ft-query stats --faces crops 2>err &&
		test_grep "goes with .customer." err
	'

	test_expect_success "$store: FT_FACE_CROPS=0 keeps none; a bad value fails" '
		FT_FACE_CROPS=0 ft-enroll add --name "No Crop" "$B1" >nc &&
		test "$(store_sql "SELECT count(*) FROM faces f JOIN customers c
			ON c.id = f.customer_id WHERE c.name = '"'No Crop'"'
			AND f.crop IS NULL")" = 1 &&
		ft-query customer "$(jq -r .id nc)" --faces none 2>err &&
		test_grep "0 face crops written" err &&
		ft-query export "$(jq -r .id nc)" | jq -e ".crops == [] and
			(.faces | length) == 1" &&
		test_exit_status 1 env FT_FACE_CROPS=maybe \
			ft-enroll add --name X "$B1" 2>err &&
		test_grep "bad FT_FACE_CROPS .maybe." err &&
		test "$(count customers)" = 2 &&
		FT_FACE_CROPS=maybe ft-enroll faces "$(jq -r .id nc)" >s &&
		test_line_count = 1 s
	'

	test_expect_success "$store: add-faces of a folder skips what it cannot use" '
		ID=$(cat id) &&
		test_exit_status 3 ft-enroll add-faces "$ID" ../batch >c 2>err &&
		test "$(jq -r .faces c)" = 3 &&
		test_grep "skipping .\.\./batch/b-noface\.jpg.: no face found" err &&
		test_grep "skipping .\.\./batch/c-corrupt\.jpg.: " err &&
		test_grep "2 of 4 photos enrolled, 2 skipped" err &&
		test_grep_not README err &&
		test_grep_not "photos, " err &&
		test "$(store_sql "SELECT count(*) FROM faces
			WHERE crop IS NULL")" = 1
	'

	test_expect_success "$store: --strict refuses the whole folder" '
		ID=$(cat id) &&
		test_exit_status 1 ft-enroll add-faces --strict "$ID" ../batch \
			>out 2>err &&
		test_must_be_empty out &&
		test_grep "cannot use .\.\./batch/b-noface\.jpg.: no face found" \
			err &&
		test "$(ft-enroll faces "$ID" | wc -l)" = 3 &&
		test_exit_status 1 ft-enroll add-faces "$ID" ../noface.jpg \
			../corrupt.jpg >out 2>err &&
		test_grep "no photo could be used: nothing stored" err &&
		test "$(ft-enroll faces "$ID" | wc -l)" = 3
	'

	test_expect_success "$store: import DIR: a customer per photo and folder" '
		mkdir people people/"Ann_Example" people/Nobody &&
		cp "$A1" "$A2" people/Ann_Example/ &&
		cp "$B2" people/Bob_Example.jpg &&
		cp ../noface.jpg people/Nobody/ &&
		before=$(count customers) &&
		test_exit_status 3 ft-enroll import people >imp 2>err &&
		jq -sc "map([.name, .faces])" imp >got &&
		echo "[[\"Bob Example\",1],[\"Ann Example\",2]]" >want &&
		test_cmp want got &&
		test_grep "skipping .people/Nobody/noface\.jpg.: no face found" \
			err &&
		test_grep "3 of 4 photos enrolled, 1 skipped" err &&
		test "$(count customers)" = $((before + 2)) &&
		test_exit_status 2 ft-enroll import --strict imp 2>err
	'

	test_expect_success "$store: an enrolment records no visit" '
		test "$(count visits)" = 0 &&
		ft-query customers | jq -se "all(.visits == 0 and
			.last_visit == null)"
	'

	test_expect_success "$store: ft-recognize keeps a crop with each sample" '
		use_store "$store" &&
		ft-recognize "$A1" "$B1" "$A2" >rec &&
		test "$(jq -c "select(.type == \"visit\")" rec | wc -l)" -ge 2 &&
		test "$(count faces)" -ge 2 &&
		test "$(store_sql "SELECT count(*) FROM faces
			WHERE crop IS NULL")" = 0 &&
		for id in $(ft-query customers | jq -r .id); do
			ft-query customer "$id" --faces "rec-$id" \
				>/dev/null 2>&1 || return 1
		done &&
		n=0 && for f in rec-*/*.jpg; do
			is_chip "$f" || return 1
			n=$((n + 1))
		done &&
		test "$n" = "$(count faces)" &&
		use_store "$store" &&
		FT_FACE_CROPS=0 ft-recognize "$A1" >/dev/null &&
		test "$(count faces)" -ge 1 &&
		test "$(store_sql "SELECT count(*) FROM faces
			WHERE crop IS NOT NULL")" = 0
	'
done

use_store sqlite
cd "$TEST_DIR" || exit 1

# The average size of the crops of the folder's people, for the record.
test_expect_success 'crops are a few KB' '
	ft-enroll add --name Size "$A1" "$A2" "$A3" "$B1" "$B2" >/dev/null &&
	avg=$(store_sql "SELECT CAST(avg(length(crop)) AS INTEGER)
		FROM faces") &&
	echo "$avg" >avg &&
	test "$avg" -gt 1000 && test "$avg" -lt 16000
'
[ -s avg ] && echo "# average crop: $(cat avg) bytes over 5 samples"

# script(1) gives ft-enroll a terminal for stderr.
if command -v script >/dev/null 2>&1; then
	test_expect_success 'a terminal gets a progress line, rewritten' '
		ID=$(ft-enroll add --name Progress | jq -r .id) &&
		script -qec "ft-enroll add-faces $ID batch >/dev/null" \
			typescript >/dev/null 2>&1 </dev/null || :
		tr "\r" "\n" <typescript >lines &&
		test_grep "ft-enroll: 0 of 4 photos, 0 skipped" lines &&
		test_grep "ft-enroll: 4 of 4 photos, 2 skipped" lines &&
		test_grep "2 of 4 photos enrolled, 2 skipped" lines &&
		test "$(ft-enroll faces "$ID" | wc -l)" = 2
	'
else
	test_skip 'a terminal gets a progress line' 'script is not installed'
fi

test_done
