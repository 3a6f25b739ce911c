#!/bin/sh
# Recognition modes (FT_RECOGNITION, ft-recognize --recognition): bad
# values refused; ft-enroll stores no samples of a customer without
# consent in the consented mode, and none at all in the anonymous one.
# With the development faces: in the consented mode a consenting
# customer is recognised while a stranger and a customer without consent
# are counted once per track as footfall, with no customer, visit,
# sample, crop or descriptor of theirs written (a stranger registered in
# the mode all has crops: the control); in the anonymous mode every
# track is footfall and nobody is recognised.
. "$(dirname "$0")/lib.sh"

count() {
	store_sql "SELECT count(*) FROM $1"
}

# no_customers: the store holds none (or was never made).
no_customers() {
	if [ "$STORE" = sqlite ] && ! [ -e "$STORE_FILE" ]; then
		return 0
	fi
	store_tables | grep -qx customers || return 0
	test "$(count customers)" = 0
}

footfall() {
	store_sql "SELECT COALESCE(SUM(visits), 0) FROM footfall"
}

test_expect_success 'a bad FT_RECOGNITION: exit 1, named; a bad option: 2' '
	test_exit_status 1 env FT_RECOGNITION=some ft-recognize --no-store \
		</dev/null 2>err &&
	test_grep "^ft-recognize: bad FT_RECOGNITION .some." err &&
	test_exit_status 2 ft-recognize --no-store --recognition nobody \
		</dev/null 2>err &&
	test_grep "bad --recognition .nobody." err &&
	test_exit_status 1 env FT_RECOGNITION=Consented \
		ft-enroll add --name X x.jpg 2>err &&
	test_grep "bad FT_RECOGNITION" err
'

# The settings in force, as ft-schedule status and the dashboard's
# /api/recognition show them.
FT_STATE_DIR=$TEST_DIR/state
FT_CRONTAB=false
export FT_STATE_DIR FT_CRONTAB

test_expect_success 'ft-schedule status shows the mode and the retention' '
	ft-schedule status >st &&
	jq -e ".recognition == \"all\" and .retention == {\"visits_days\":730,
		\"samples_days\":365,\"unnamed_days\":90,\"purge_at\":null}" st &&
	FT_RECOGNITION=anonymous FT_RETAIN_VISITS_DAYS=0 ft-schedule status >st &&
	jq -e ".recognition == \"anonymous\" and
		.retention.visits_days == 0" st
'

if command -v curl >/dev/null 2>&1; then
	test_expect_success 'the dashboard API shows the privacy settings' '
		FT_RECOGNITION=consented FT_RETAIN_UNNAMED_DAYS=30 \
			API_KEY_SECRET=k3y-0440-strong1 ft-serve --listen 127.0.0.1:0 \
			2>serve.err &
		pid=$! &&
		i=0 &&
		until grep -q "listening on" serve.err; do
			i=$((i + 1))
			if [ "$i" -gt 100 ]; then
				kill "$pid"
				exit 1
			fi
			sleep 0.1
		done &&
		base=$(sed -n "s|.*listening on \(http://[^ ]*\)$|\1|p" \
			serve.err) &&
		curl -sS -H "Authorization: Bearer k3y-0440-strong1" \
			"$base/api/recognition" >st;
		rc=$?
		kill "$pid" && wait "$pid" 2>/dev/null;
		test "$rc" = 0 &&
		jq -e ".recognition == \"consented\" and
			.retention.unnamed_days == 30 and
			.retention.samples_days == 365" st
	'
else
	test_skip 'the dashboard API shows the privacy settings' \
		'curl is not installed'
fi

for store in $(test_stores); do
	use_store "$store"
	test_expect_success "$store: consented: add with images needs --consent" '
		test_exit_status 1 env FT_RECOGNITION=consented \
			ft-enroll add --name Ann ann.jpg 2>err &&
		test_grep "has not consented" err &&
		test_grep "add --consent" err &&
		no_customers
	'
	test_expect_success "$store: anonymous: no samples at all" '
		test_exit_status 1 env FT_RECOGNITION=anonymous \
			ft-enroll add --name Ann --consent ann.jpg 2>err &&
		test_grep "FT_RECOGNITION is anonymous" err &&
		no_customers
	'
	test_expect_success "$store: profiles without samples are not refused" '
		FT_RECOGNITION=anonymous ft-enroll add --name Ann >c &&
		FT_RECOGNITION=consented ft-enroll update "$(jq -r .id c)" \
			--notes regular >/dev/null &&
		test "$(count customers)" = 1 &&
		test "$(footfall)" = 0
	'
done

DATA=${FT_TEST_DATA:-$SRCDIR/../shared/data/faces}
if ! [ -d "$DATA/Frank_Solich" ]; then
	test_skip 'recognition in the modes' \
		"no development face data at $DATA (see SOURCES.md)"
	test_done
fi
if ! ft-recognize --models >/dev/null 2>&1; then
	test_skip 'recognition in the modes' 'no face models (make models)'
	test_done
fi
if ! command -v ffmpeg >/dev/null; then
	test_skip 'recognition in the modes' 'ffmpeg is missing'
	test_done
fi

A1=$DATA/Frank_Solich/0001.jpg
A2=$DATA/Frank_Solich/0002.jpg
B1=$DATA/Ray_Romano/0001.jpg
B2=$DATA/Ray_Romano/0002.jpg
C1=$DATA/Abdoulaye_Wade/0001.jpg
ffmpeg -nostdin -v error -i "$A1" -i "$B1" -i "$C1" \
	-filter_complex hstack=inputs=3 three.jpg

frames three.jpg 2026-11-24T10:00:00.000Z 2026-11-24T10:00:00.100Z \
	2026-11-24T10:00:00.200Z 2026-11-24T10:00:00.300Z >four

# faces OUT NAME FIELD: FIELD of the face records of the face whose x is
# least (left), in the middle or greatest (right).
faces() {
	case $2 in
	left) _sel='min_by(.box[0])' ;;
	middle) _sel='sort_by(.box[0]) | .[1]' ;;
	right) _sel='max_by(.box[0])' ;;
	esac
	jq -sc "[.[] | select(.type == \"face\")] | group_by(.seq, .ts) |
		map($_sel | .$3)" "$1"
}

for store in $(test_stores); do
	use_store "$store"
	test_expect_success "$store: a consenting Frank; Ray without consent" '
		ft-enroll add --name Frank --consent "$A2" >frank &&
		ft-enroll add --name Ray "$B2" >ray &&
		test "$(count faces)" = 2
	'
	test_expect_success "$store: consented: add-faces refused without consent" '
		test_exit_status 1 env FT_RECOGNITION=consented \
			ft-enroll add-faces "$(jq -r .id ray)" "$B1" 2>err &&
		test_grep "has not consented" err &&
		test "$(count faces)" = 2 &&
		FT_RECOGNITION=consented ft-enroll add-faces \
			"$(jq -r .id frank)" "$A1" >/dev/null &&
		test "$(count faces)" = 3
	'
	test_expect_success "$store: consented: Frank known; Ray and a stranger footfall" '
		FT_RECOGNITION=consented ft-recognize --descriptors <four > cons &&
		test "$(faces cons left name)" = "[\"Frank\",\"Frank\",\"Frank\",\"Frank\"]" &&
		test "$(faces cons middle status)" = \
			"[\"pending\",\"pending\",\"anonymous\",\"anonymous\"]" &&
		test "$(faces cons right status)" = \
			"[\"pending\",\"pending\",\"anonymous\",\"anonymous\"]" &&
		test "$(faces cons middle customer)" = "[null,null,null,null]" &&
		test "$(faces cons right customer)" = "[null,null,null,null]" &&
		test "$(jq -c "select(.type == \"face\" and .name != \"Frank\"
			and has(\"descriptor\"))" cons)" = "" &&
		test "$(jq -c "select(.type == \"footfall\")" cons | wc -l)" = 2 &&
		jq -se "map(select(.type == \"footfall\")) | all(.source ==
			\"door\" and .ts == \"2026-11-24T10:00:00.200Z\" and
			(has(\"customer\") | not))" cons &&
		test "$(jq -r "select(.type == \"visit\") | .name" cons)" = Frank &&
		test "$(count customers)" = 2 &&
		test "$(count visits)" = 1 &&
		test "$(store_sql "SELECT count(*) FROM faces f JOIN customers c
			ON c.id = f.customer_id WHERE c.name = '"'Ray'"'")" = 1 &&
		test "$(footfall)" = 2 &&
		ft-query stats >st &&
		jq -e ".footfall_today == 2 and .visits_today == 1" st
	'
	# Crops follow the samples: the only ones are Frank'"'"'s and the one
	# Ray was enrolled with.
	test_expect_success "$store: consented: no crop of Ray or the stranger" '
		test "$(store_sql "SELECT count(*) FROM faces
			WHERE crop IS NULL")" = 0 &&
		test "$(store_sql "SELECT count(*) FROM faces f JOIN customers c
			ON c.id = f.customer_id WHERE c.name <> '"'Frank'"'")" = 1
	'
	test_expect_success "$store: consented: a photo of a stranger is footfall at once" '
		FT_RECOGNITION=consented ft-recognize "$C1" >out &&
		test "$(jq -r "select(.type == \"face\") | .status" out)" = \
			anonymous &&
		test "$(jq -r "select(.type == \"footfall\") | .track" out |
			wc -l)" = 1 &&
		test "$(count customers)" = 2 &&
		test "$(footfall)" = 3
	'
	test_expect_success "$store: anonymous: nobody recognised, every track footfall" '
		ft-recognize --recognition anonymous --descriptors <four >out &&
		test "$(jq -r "select(.type == \"face\") | .status" out |
			sort -u | tr "\n" " ")" = "anonymous pending " &&
		test "$(jq -c "select(.type == \"face\" and
			(.customer != null or has(\"descriptor\")))" out)" = "" &&
		test "$(jq -c "select(.type == \"footfall\")" out | wc -l)" = 3 &&
		test "$(jq -c "select(.type == \"visit\")" out)" = "" &&
		test "$(count customers)" = 2 &&
		test "$(count visits)" = 1 &&
		test "$(footfall)" = 6
	'
	test_expect_success "$store: all: the stranger is registered as before" '
		ft-recognize <four >out &&
		test "$(count customers)" = 3 &&
		test "$(store_sql "SELECT count(*) FROM faces f JOIN customers c
			ON c.id = f.customer_id WHERE c.name IS NULL
			AND f.crop IS NOT NULL")" -ge 1 &&
		test "$(store_sql "SELECT count(*) FROM faces
			WHERE crop IS NULL")" = 0
	'
done

test_done
