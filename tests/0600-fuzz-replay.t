#!/bin/sh
# The fuzzing targets of tests/fuzz, replayed: each runs, under
# AddressSanitizer and UndefinedBehaviorSanitizer, over every input of
# its seed corpus (tests/fuzz/corpus/TARGET) and every crash found and
# fixed (tests/fuzz/crashes/TARGET), without fuzzing.  An input that
# crashes, leaks, trips a sanitizer or breaks a target's own checks
# fails the test.  make check builds the targets (make fuzz-build);
# make fuzz is what finds new inputs.
. "$(dirname "$0")/lib.sh"

fuzz=$SRCDIR/tests/fuzz

test_expect_success 'every target has a seed corpus' '
	for src in "$fuzz"/fuzz-*.c; do
		t=${src##*/fuzz-} && t=${t%.c} &&
		test -n "$(ls "$fuzz/corpus/$t")" ||
		{ echo "no seeds for $t"; exit 1; }
	done
'

for src in "$fuzz"/fuzz-*.c; do
	t=${src##*/fuzz-}
	t=${t%.c}
	export t
	test_expect_success "$t: built with the sanitizers" '
		test -x "$FT_BUILD/fuzz/fuzz-$t" ||
		{ echo "no $FT_BUILD/fuzz/fuzz-$t: make fuzz-build"; exit 1; }
	'
	test_expect_success "$t: every seed and saved crash runs clean" '
		find "$fuzz/corpus/$t" "$fuzz/crashes/$t" -type f \
			2>/dev/null | sort >inputs &&
		test -s inputs &&
		test_exit_status 0 xargs "$FT_BUILD/fuzz/fuzz-$t" \
			-timeout=30 -rss_limit_mb=2048 <inputs >log 2>&1 ||
		{ cat log; exit 1; } &&
		test "$(grep -c "^Executed " log)" = "$(wc -l <inputs)" ||
		{ cat log; exit 1; }
	'
done

test_done
