#!/bin/sh
# Reviewing recognition's mistakes, on photos of the development data
# (or of the fallback set: face_data in lib.sh): ft-enroll calibrate
# asks for more evidence, then prints the rates by threshold and draws
# them; a person enrolled as two customers is suggested, and no longer
# once the pair is marked different; a photo of an enrolled person finds
# them first with ft-enroll search and ft-query search, a photo without
# a face or an unreadable one fails with a message; usage errors.
. "$(dirname "$0")/lib.sh"

ft-recognize --models >/dev/null 2>&1 ||
	skip_all "no face models (make models)"
command -v ffmpeg >/dev/null || skip_all "ffmpeg is missing"
face_data

# Eight people of three photos or more: two photos of each are enrolled,
# the third of the first two is kept back.
i=1
while [ $i -le 8 ]; do
	p=$(face_person $i 3) || {
		echo "Bail out! too few people in $DATA"
		exit 1
	}
	eval "P$i=\$p"
	i=$((i + 1))
done
ffmpeg -nostdin -v error -f lavfi -i testsrc=size=320x240 -frames:v 1 \
	noface.jpg
printf 'not a photo\n' >text.jpg

# enroll FIRST LAST: enrol people FIRST to LAST as "Person N" with their
# first two photos.
enroll() {
	_i=$1
	while [ "$_i" -le "$2" ]; do
		eval "_p=\$P$_i"
		ft-enroll add --name "Person $_i" "$(face_photo "$_p" 1)" \
			"$(face_photo "$_p" 2)" >"person-$_i" || return 1
		_i=$((_i + 1))
	done
}

# ids A B: the two customers of a suggestion record, in order.
pair() {
	jq -r '.customers | sort | join(" ")'
}

for store in $(test_stores); do
	use_store "$store"

	test_expect_success "$store: calibrate asks for more evidence" '
		enroll 1 3 &&
		test_exit_status 1 ft-enroll calibrate >out 2>err &&
		test_must_be_empty out &&
		test_grep "too little evidence to calibrate: 3 named customers with two samples or more, 8 needed (5 more)" err
	'

	test_expect_success "$store: calibrate prints rates and draws them" '
		enroll 4 8 &&
		ft-enroll calibrate --chart rates.png >out &&
		test "$(jq -s "map(select(.type == \"threshold\")) | length" \
			out)" = 26 &&
		jq -s -e "map(select(.type == \"threshold\")) |
			.[0].threshold == 0.3 and .[25].threshold == 0.8 and
			.[0].split >= .[25].split and
			.[0].merge <= .[25].merge and
			all(.split >= 0 and .split <= 1 and
			    .merge >= 0 and .merge <= 1)" out &&
		jq -s -e "map(select(.type == \"calibration\")) | length == 1
			and (.[0] | .people == 8 and .same_pairs == 8 and
			.different_pairs == 112 and .threshold >= 0.3 and
			.threshold <= 0.8 and .default_threshold == 0.5 and
			.margin >= 0)" out &&
		test "$(head -c 8 rates.png | od -An -tx1 | tr -d " \n")" = \
			89504e470d0a1a0a
	'

	test_expect_success "$store: a person enrolled twice is suggested" '
		ft-enroll add --name "Person 1 again" \
			"$(face_photo "$P1" 3)" >again &&
		ft-enroll suggest >out &&
		test "$(jq -r .type out | sort -u)" = suggestion &&
		test "$(head -1 out | pair)" = "$(jq -r .id person-1 again |
			sort | tr "\n" " " | sed "s/ $//")" &&
		test "$(head -1 out | jq -r .rank)" = 1 &&
		jq -e ".distance > 0 and .distance < 0.7" out >/dev/null &&
		ft-enroll suggest --limit 1 >one &&
		test_line_count = 1 one
	'

	test_expect_success "$store: a pair marked different is not" '
		ft-enroll different "$(jq -r .id person-1)" \
			"$(jq -r .id again)" >/dev/null &&
		ft-enroll suggest >out &&
		test_grep_not "$(jq -r .id again)" out
	'

	test_expect_success "$store: search finds the person of a photo" '
		ft-enroll search "$(face_photo "$P2" 3)" >out &&
		test "$(head -1 out | jq -r .customer)" = \
			"$(jq -r .id person-2)" &&
		test "$(head -1 out | jq -r ".type, .rank, .name")" = \
			"$(printf "search\n1\nPerson 2")" &&
		test_line_count = 5 out &&
		ft-query --format csv search --limit 2 \
			"$(face_photo "$P2" 3)" >csv &&
		test_line_count = 3 csv &&
		test_grep "Person 2" csv
	'

	test_expect_success "$store: a photo without a face fails cleanly" '
		test_exit_status 1 ft-enroll search noface.jpg \
			"$(face_photo "$P2" 3)" >out 2>err &&
		test_grep "^ft-enroll: cannot use .noface.jpg.: no face found" \
			err &&
		test "$(head -1 out | jq -r .name)" = "Person 2" &&
		test_exit_status 1 ft-query search text.jpg >out 2>err &&
		test_must_be_empty out &&
		test_grep "^ft-query: cannot read .text.jpg." err
	'
done

test_expect_success 'usage errors' '
	use_store sqlite &&
	test_exit_status 2 ft-enroll suggest --limit 0 2>err &&
	test_grep "bad --limit" err &&
	test_exit_status 2 ft-enroll suggest extra 2>err &&
	test_exit_status 2 ft-enroll search 2>err &&
	test_exit_status 2 ft-enroll calibrate --limit 3 2>err &&
	test_exit_status 2 ft-enroll add --name X --chart c.png 2>err &&
	test_exit_status 2 ft-query search 2>err &&
	test_exit_status 2 ft-query search --name X a.jpg 2>err &&
	test_grep "not an option of .search." err
'

test_done
