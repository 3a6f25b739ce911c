#!/bin/sh
# make install and make uninstall into a staging directory, as a package
# build runs them (DESTDIR, PREFIX=/usr): every program the README names
# goes in and runs from there, with the man pages, the dashboard and its
# Chart.js, and the models; the benchmark tools stay out; the installed
# ft-recognize takes the installed models, never the checkout's, even
# when the installed tree is moved, while the build's takes the
# checkout's, and FT_MODELS_DIR outranks both; uninstall with the same
# variables leaves no file behind.  make runs on the build under
# test (B=$FT_BUILD), which make check has brought up to date.
. "$(dirname "$0")/lib.sh"

[ -f "$SRCDIR/models/models.sha256" ] ||
	skip_all "no face models (make models)"
[ -f "$SRCDIR/web/node_modules/chart.js/dist/chart.umd.min.js" ] ||
	skip_all "no Chart.js for the dashboard (make web)"

ROOT=$TEST_DIR/root
MAKE=${MAKE:-make}
# Where the models are looked for by default is under test.
unset FT_MODELS_DIR FT_MODEL_DESCRIPTOR FT_MODEL_SHAPE

# ft_make GOAL: make GOAL into $ROOT, its output in make.out.
ft_make() {
	$MAKE -C "$SRCDIR" B="$FT_BUILD" DESTDIR="$ROOT" PREFIX=/usr "$1" \
		>make.out 2>&1 || {
		cat make.out >&3
		exit 1
	}
}

# model_dirs: the directories of the model files ft-recognize --models
# lists on stdin (HOG, compiled in, has none), one a line.
model_dirs() {
	jq -r 'select(.path != "(built in)") | .path' |
		sed 's,/[^/]*$,,' | sort -u
}

# The programs the README names, whatever it shows them doing.
grep -oE '\bft-[a-z]+(-[a-z]+)*' "$SRCDIR/README.md" | sort -u >programs
test_expect_success 'the README names the programs and ft-seed-demo' '
	test_grep -x ft-query programs &&
	test_grep -x ft-serve programs &&
	test_grep -x ft-seed-demo programs
'

test_expect_success 'make install DESTDIR PREFIX=/usr' '
	ft_make install &&
	test -d "$ROOT/usr/bin"
'

test_expect_success 'every program the README names is installed and runs' '
	while read -r p; do
		test -x "$ROOT/usr/bin/$p" || {
			echo "$p is not installed" >&3
			exit 1
		}
		"$ROOT/usr/bin/$p" --version >out &&
		test_grep "^$p [0-9]" out || exit 1
	done <programs
'

test_expect_success 'the benchmark tools are not installed' '
	ls "$ROOT/usr/bin" >bin &&
	test_grep_not "^ft-bench-" bin
'

test_expect_success 'the man pages, one for each program with one' '
	for f in "$SRCDIR"/man/*.[1-8]; do
		name=${f##*/}
		cmp "$f" "$ROOT/usr/share/man/man${name##*.}/$name" || exit 1
	done &&
	while read -r p; do
		[ "$p" = ft-seed-demo ] ||
		test -f "$ROOT/usr/share/man/man1/$p.1" || {
			echo "no man page for $p" >&3
			exit 1
		}
	done <programs &&
	test -f "$ROOT/usr/share/man/man7/facetrack.7"
'

WEB=$ROOT/usr/share/facetrack/web
test_expect_success 'the dashboard and every file its pages load' '
	test -f "$WEB/index.html" &&
	test -s "$WEB/node_modules/chart.js/dist/chart.umd.min.js" &&
	for page in "$WEB"/*.html; do
		grep -oE "(src|href)=\"[^\":]*[^/\":]\"" "$page" |
		sed -e "s/^[a-z]*=\"//" -e "s/\"\$//" >refs &&
		test -s refs || exit 1
		while read -r ref; do
			test -f "$WEB/$ref" || {
				echo "${page##*/}: $ref is not installed" >&3
				exit 1
			}
		done <refs
	done
'

test_expect_success 'the models, as make models checked them' '
	models=$ROOT/usr/share/facetrack/models &&
	while read -r sum path; do
		echo "$sum  $models/${path##*/}"
	done <"$SRCDIR/models/models.sha256" >sums &&
	test_line_count = 3 sums &&
	sha256sum --check --quiet sums
'

test_expect_success 'the installed ft-recognize takes the installed models' '
	"$ROOT/usr/bin/ft-recognize" --models >out &&
	test_line_count = 4 out &&
	model_dirs <out >dirs &&
	echo "$ROOT/usr/share/facetrack/models" >want &&
	test_cmp want dirs &&
	test_grep_not "$SRCDIR/models" out
'

test_expect_success 'moved elsewhere, it takes the models moved with it' '
	mv "$ROOT/usr" "$ROOT/opt" &&
	{ "$ROOT/opt/bin/ft-recognize" --models >out || :; } &&
	mv "$ROOT/opt" "$ROOT/usr" &&
	model_dirs <out >dirs &&
	echo "$ROOT/opt/share/facetrack/models" >want &&
	test_cmp want dirs
'

test_expect_success 'the build'\''s ft-recognize takes the checkout'\''s' '
	ft-recognize --models >out &&
	model_dirs <out >dirs &&
	echo "$SRCDIR/models" >want &&
	test_cmp want dirs
'

test_expect_success 'FT_MODELS_DIR outranks both' '
	mkdir m &&
	ln -s "$ROOT/usr/share/facetrack/models/"*.dat \
		"$ROOT/usr/share/facetrack/models/"*.yml m/ &&
	FT_MODELS_DIR=$PWD/m "$ROOT/usr/bin/ft-recognize" --models >out &&
	FT_MODELS_DIR=$PWD/m ft-recognize --models >>out &&
	model_dirs <out >dirs &&
	echo "$PWD/m" >want &&
	test_cmp want dirs
'

test_expect_success 'make uninstall with the same variables removes it all' '
	ft_make uninstall &&
	find "$ROOT" ! -type d >left &&
	test_must_be_empty left
'

test_done
