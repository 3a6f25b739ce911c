#!/bin/sh
# Where the programs take their face models from (FT_MODELS_DIR in
# facetrack.conf(5)): an installed ft-recognize uses the models make
# install put under its own prefix, never the checkout it was built in,
# even when the installed tree is moved; the build tree's ft-recognize
# uses the checkout's models/; FT_MODELS_DIR outranks both.
. "$(dirname "$0")/lib.sh"

# The defaults are under test: no setting may choose for them.
unset FT_MODELS_DIR FT_MODEL_DESCRIPTOR FT_MODEL_SHAPE
ft-recognize --models >/dev/null 2>&1 ||
	skip_all "no face models (make models)"

ROOT=$TEST_DIR/root

# model_dirs: the directories of the model files ft-recognize --models
# lists (the detector has none), one a line.
model_dirs() {
	jq -r 'select(.role != "detector") | .path' |
		sed 's,/[^/]*$,,' | sort -u
}

test_expect_success 'make install puts the programs and the models' '
	make -s -C "$SRCDIR" B="$FT_BUILD" DESTDIR="$ROOT" PREFIX=/usr \
		install >make.out 2>&1 &&
	test -x "$ROOT/usr/bin/ft-recognize" &&
	test -r "$ROOT/usr/share/facetrack/models/shape_predictor_68_face_landmarks.dat" &&
	test -r "$ROOT/usr/share/facetrack/models/dlib_face_recognition_resnet_model_faceapi.dat"
'

test_expect_success 'the installed program takes the installed models' '
	"$ROOT/usr/bin/ft-recognize" --models >out &&
	test_line_count = 3 out &&
	model_dirs <out >dirs &&
	echo "$ROOT/usr/share/facetrack/models" >want &&
	test_cmp want dirs &&
	test_grep_not "$SRCDIR/models" out
'

test_expect_success 'moved elsewhere, it takes the models moved with it' '
	mv "$ROOT/usr" "$ROOT/opt" &&
	"$ROOT/opt/bin/ft-recognize" --models >out &&
	model_dirs <out >dirs &&
	echo "$ROOT/opt/share/facetrack/models" >want &&
	test_cmp want dirs
'

test_expect_success 'the build tree'\''s program takes the checkout'\''s' '
	ft-recognize --models >out &&
	model_dirs <out >dirs &&
	echo "$SRCDIR/models" >want &&
	test_cmp want dirs
'

test_expect_success 'FT_MODELS_DIR outranks both' '
	mkdir m &&
	ln -s "$ROOT/opt/share/facetrack/models/"*.dat m/ &&
	FT_MODELS_DIR=$PWD/m "$ROOT/opt/bin/ft-recognize" --models >out &&
	FT_MODELS_DIR=$PWD/m ft-recognize --models >>out &&
	model_dirs <out >dirs &&
	echo "$PWD/m" >want &&
	test_cmp want dirs
'

test_done
