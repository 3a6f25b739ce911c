#!/bin/sh
# make install and make uninstall into a staging directory, as a package
# build runs them (DESTDIR, PREFIX=/usr): every program the README names
# goes in and runs from there, with the man pages, the dashboard and its
# Chart.js, and the models; the benchmark tools stay out; uninstall with
# the same variables leaves no file behind.  make runs on the build under
# test (B=$FT_BUILD), which make check has brought up to date.
. "$(dirname "$0")/lib.sh"

[ -f "$SRCDIR/models/models.sha256" ] ||
	skip_all "no face models (make models)"
[ -f "$SRCDIR/web/node_modules/chart.js/dist/chart.umd.min.js" ] ||
	skip_all "no Chart.js for the dashboard (make web)"

ROOT=$TEST_DIR/root
MAKE=${MAKE:-make}

# ft_make GOAL: make GOAL into $ROOT, its output in make.out.
ft_make() {
	$MAKE -C "$SRCDIR" B="$FT_BUILD" DESTDIR="$ROOT" PREFIX=/usr "$1" \
		>make.out 2>&1 || {
		cat make.out >&3
		exit 1
	}
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
	test_line_count = 2 sums &&
	sha256sum --check --quiet sums
'

test_expect_success 'make uninstall with the same variables removes it all' '
	ft_make uninstall &&
	find "$ROOT" ! -type d >left &&
	test_must_be_empty left
'

test_done
