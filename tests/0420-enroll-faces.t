#!/bin/sh
# ft-enroll with images: a customer added with face samples, refused with
# --strict for an image with no face or several (unless --largest) with
# nothing written, samples added to an existing customer and listed, forgotten
# with the customer; --largest taking the main face (large and central),
# not the largest; the models' absence reported.  On photos of the
# development data, or of the fallback set (face_data in lib.sh).
. "$(dirname "$0")/lib.sh"

ft-recognize --models >/dev/null 2>&1 ||
	skip_all "no face models (make models)"
command -v ffmpeg >/dev/null || skip_all "ffmpeg is missing"
face_data

# A person with three photos and another with two (as in 0410).
face_two_people
A1=$(face_photo "$A" 1)
A2=$(face_photo "$A" 2)
A3=$(face_photo "$A" 3)
B1=$(face_photo "$B" 1)
B2=$(face_photo "$B" 2)
# Two faces of B: whichever --largest takes, the customer is not A.
ffmpeg -nostdin -v error -i "$B1" -i "$B1" -filter_complex hstack two.jpg
ffmpeg -nostdin -v error -f lavfi -i testsrc=size=320x240 -frames:v 1 \
	noface.jpg
# A in the middle, B larger (300 px square) at the right edge.
ffmpeg -nostdin -v error -i "$A1" -i "$B1" -filter_complex \
	"color=c=gray:s=850x300[bg];[1]scale=300:300[b];
	[bg][0]overlay=250:25:shortest=1[t];[t][b]overlay=550:0" \
	-frames:v 1 main.jpg

count() {
	store_sql "SELECT count(*) FROM $1"
}

for store in $(test_stores); do
	use_store "$store"
	test_expect_success "$store: add with an image stores its face" '
		ft-enroll add --name "Frank Example" "$A1" >c &&
		test "$(jq -r .faces c)" = 1 &&
		ft-enroll faces "$(jq -r .id c)" >s &&
		test_line_count = 1 s &&
		test "$(jq -r .type s)" = sample &&
		test "$(jq -r .customer s)" = "$(jq -r .id c)" &&
		test "$(jq -r ".quality > 0 and .quality <= 1" s)" = true &&
		test "$(store_sql "SELECT length(descriptor) FROM faces")" \
			= 512
	'

	test_expect_success "$store: --strict refuses no face, or several" '
		test_exit_status 1 ft-enroll add --strict --name X "$A2" \
			noface.jpg >out 2>err &&
		test_grep "cannot use .noface.jpg.: no face found" err &&
		test_exit_status 1 ft-enroll add --strict --name X two.jpg \
			>out 2>err &&
		test_grep "cannot use .two.jpg.: 2 faces found" err &&
		test_must_be_empty out &&
		test "$(count customers)" = 1 &&
		test "$(count faces)" = 1 &&
		ft-enroll add --name Pair --largest two.jpg >c2 &&
		test "$(jq -r .faces c2)" = 1
	'

	test_expect_success "$store: add-faces adds samples to a customer" '
		ft-enroll add-faces "$(jq -r .id c)" "$A2" >c3 &&
		test "$(jq -r .faces c3)" = 2 &&
		ft-enroll faces "$(jq -r .id c)" >s &&
		test_line_count = 2 s &&
		test_exit_status 1 ft-enroll add-faces --strict \
			"$(jq -r .id c)" noface.jpg 2>err &&
		test "$(ft-enroll faces "$(jq -r .id c)" | wc -l)" = 2 &&
		test_exit_status 2 ft-enroll add-faces "$(jq -r .id c)" 2>err
	'

	test_expect_success "$store: the enrolled face is recognised" '
		ft-recognize "$A3" >out &&
		test "$(jq -r "select(.type == \"face\") | .name" out)" = \
			"Frank Example"
	'

	test_expect_success "$store: forget takes the samples too" '
		ft-enroll forget "$(jq -r .id c)" &&
		test "$(store_sql "SELECT count(*) FROM faces f
			JOIN customers c ON c.id = f.customer_id
			WHERE c.name = \"Frank Example\"")" = 0 &&
		test "$(count faces)" = "$(store_sql "SELECT count(*) FROM
			faces f JOIN customers c ON c.id = f.customer_id")"
	'
done

test_expect_success '--largest takes the main face, not the largest' '
	use_store sqlite &&
	ft-enroll add --name Middle --largest main.jpg >c &&
	test "$(jq -r .faces c)" = 1 &&
	ft-recognize "$A3" >out &&
	test "$(jq -r "select(.type == \"face\") | .name" out)" = Middle &&
	ft-recognize "$B2" >out &&
	test "$(jq -r "select(.type == \"face\") | .name" out)" != Middle
'

test_expect_success 'a missing model is reported before anything is written' '
	use_store sqlite &&
	FT_MODELS_DIR=$PWD/nowhere \
		test_exit_status 1 ft-enroll add --name X "$A1" >out 2>err &&
	test_grep "cannot read the model" err &&
	test_must_be_empty out &&
	test ! -s "$STORE_FILE"
'

test_done
