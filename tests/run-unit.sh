#!/bin/bash
# Runs each cmocka unit-test binary given and prints one summary line:
# "LABEL: N passed, N failed" (LABEL defaults to unit) counted in test cases across all binaries.
set -u
passed=0
failed=0
bad_bins=()
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	# cmocka's own totals: "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' <<<"$out" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:$/\1/p' <<<"$out" | awk '{s+=$1} END {print s+0}')
	if [ $rc -ne 0 ]; then
		echo "$out"
		echo "FAIL: $t (exit $rc)"
		bad_bins+=("$t")
		[ "$f" -eq 0 ] && f=1
	else
		printf '  %-40s %3d passed\n' "$(basename "$t")" "$p"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "${LABEL:-unit}: $passed passed, $failed failed"
[ ${#bad_bins[@]} -eq 0 ]
