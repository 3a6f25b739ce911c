#!/bin/sh
# lib/face on photos of ../shared/data, and the converted descriptor and
# detector models against face-api itself, in TAP (one plan for all
# parts).
#
#   tests/face/run.sh		from any directory
#
# Builds what it lacks, quickly when nothing changed:
#   - the models, with make -f models/models.mk models, unless
#     FT_MODEL_DESCRIPTOR and FT_MODEL_SHAPE name model files;
#   - face-api and TF.js under tests/face, with npm ci from the lock;
#   - the face-test program, in $FT_BUILD (default build/).
# The photos are read in place from ../shared/data/faces (relative to the
# top of the repository; FT_DATA names another data directory, or
# FT_TEST_DATA another faces directory, as for tests/lib.sh).  Without
# them, from the fallback set cut from face-api's demo photos
# (tests/face/fallback-faces, built once into $FT_BUILD/tests); without
# those either, the test is skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
faces=${FT_TEST_DATA:-${FT_DATA:-../shared/data}/faces}
MAKE=${MAKE:-make}

bail() {
	echo "Bail out! $*"
	exit 1
}

# Build output is for people, not for the TAP reader: stderr.
if [ -z "${FT_MODEL_DESCRIPTOR:-}" ] || [ -z "${FT_MODEL_SHAPE:-}" ] ||
    [ -z "${FT_MODEL_DETECTOR:-}" ]; then
	$MAKE -s -f models/models.mk models >&2 ||
		bail "make models failed"
	FT_MODEL_DESCRIPTOR=models/dlib_face_recognition_resnet_model_faceapi.dat
	FT_MODEL_SHAPE=models/shape_predictor_68_face_landmarks.dat
	FT_MODEL_DETECTOR=models/tiny_face_detector_faceapi.yml
fi
faceapi_model=models/npm/node_modules/@vladmandic/face-api/model
faceapi_demo=models/npm/node_modules/@vladmandic/face-api/demo

if [ ! tests/face/node_modules/.package-lock.json -nt \
    tests/face/package-lock.json ]; then
	(cd tests/face && npm ci --ignore-scripts --no-audit --no-fund) >&2 ||
		bail "npm ci in tests/face failed"
fi

# make check has built it; alone, make it here (quick when up to date).
build=${FT_BUILD:-$root/build}
face_test=$build/tests/face-test
$MAKE -s B="$build" "$face_test" "$build/tests/detect-test" \
	"$build/tests/make-shape5" >&2 || bail "cannot build face-test"

# In a plain clone, photos ft-recognize cuts from face-api's demo photos.
fallback=
if [ ! -d "$faces" ] || [ -e "$faces/.fallback" ]; then
	[ -d "$faces" ] || faces=$build/tests/fallback-faces
	fallback=-a
	rc=0
	PATH=$build:$PATH FT_MODEL_DESCRIPTOR=$FT_MODEL_DESCRIPTOR \
		FT_MODEL_SHAPE=$FT_MODEL_SHAPE \
		"$here/fallback-faces" "$faces" >&2 || rc=$?
	if [ "$rc" -eq 77 ]; then
		echo "1..0 # SKIP no face photos: neither the development" \
			"data nor face-api's demo photos"
		exit 0
	fi
	[ "$rc" -eq 0 ] || bail "cannot build the fallback face set"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ft-face.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Pairs of photos of one person: the first two of each of the first eight
# people (in name order) who have two or more.
images=$(LC_ALL=C ls "$faces" | grep -vx groups | while read -r who; do
	set -- "$faces/$who"/*.jpg
	[ $# -ge 2 ] && [ -f "$2" ] && echo "$1 $2"
done | head -n 8)

# A 5-point model like dlib's, trained here on the 68-point model's
# points of the first photo of 40 other people (seconds); the fallback
# set has too few people, so there on the photos the pairs leave out.
if [ -z "$fallback" ]; then
	LC_ALL=C ls "$faces" | grep -vx groups | sed -n '21,60p' |
		while read -r who; do
			set -- "$faces/$who"/*.jpg
			echo "$1"
		done
else
	LC_ALL=C ls "$faces" | grep -vx groups | while read -r who; do
		set -- "$faces/$who"/*.jpg
		shift 2
		[ $# -eq 0 ] || [ ! -f "$1" ] || printf '%s\n' "$@"
	done
fi >"$tmp/train"
# shellcheck disable=SC2046 # the paths hold no blanks
"$build/tests/make-shape5" "$FT_MODEL_SHAPE" "$tmp/shape5.dat" \
	$(cat "$tmp/train") >&2 || bail "cannot train a 5-point model"

# shellcheck disable=SC2086 # the paths hold no blanks
FT_EXPECT_SHA256=$(sha256sum <"$FT_MODEL_DESCRIPTOR" | cut -c1-64) \
FT_EXPECT_SHAPE_SHA256=$(sha256sum <"$FT_MODEL_SHAPE" | cut -c1-64) \
	"$face_test" $fallback -o "$tmp" -g "$faces/groups" -5 "$tmp/shape5.dat" \
	"$FT_MODEL_DESCRIPTOR" "$FT_MODEL_SHAPE" \
	$images >"$tmp/c.tap"
node tests/face/faceapi-ref.js "$faceapi_model" "$tmp" >"$tmp/n.tap"

# The detector: on the demo photos against face-api, on the group photos
# against HOG (skipped without them).
groups=
[ -f "$faces/groups/boxes.csv" ] && groups="-g $faces/groups"
# shellcheck disable=SC2086 # the paths hold no blanks
"$build/tests/detect-test" -o "$tmp" $groups "$FT_MODEL_DETECTOR" \
	"$FT_MODEL_SHAPE" "$faceapi_demo"/sample*.jpg >"$tmp/d.tap"
node tests/face/faceapi-detect.js "$faceapi_model" "$tmp" >"$tmp/e.tap"

# One TAP stream: both plans added up, the tests numbered on.  A part
# that died early runs short of its plan, which fails the whole.
awk '
FNR == 1 && /^1\.\.[0-9]+/ { plan += substr($0, 4); next }
/^(not )?ok( |$)/ {
	n++
	if (/^not /)
		failed++
	sub(/ok( [0-9]+)?/, "ok " n)
}
{ line[++lines] = $0 }
END {
	if (plan == 0)
		plan = 1
	print "1.." plan
	for (i = 1; i <= lines; i++)
		print line[i]
	exit failed > 0 || n != plan
}' "$tmp/c.tap" "$tmp/n.tap" "$tmp/d.tap" "$tmp/e.tap"
