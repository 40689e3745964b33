#!/bin/bash
# Runs each end-to-end suite given (tests/e2e/test_*.sh), one after the other
# (they build namespaces and share 2 cores), and prints one line per suite
# and a final "e2e: N passed, N failed". A failing suite's output is shown
# in full; a passing one's is kept in build/e2e/<suite>.log.
#
#   tests/e2e/run.sh tests/e2e/test_*.sh
#   E2E_VERBOSE=1 tests/e2e/run.sh ...   (show every suite's output)
set -u
cd "$(dirname "$0")/../.." || exit 1
log_dir=build/e2e
mkdir -p "$log_dir"
passed=0
failed=0
for suite in "$@"; do
	name=$(basename "$suite" .sh)
	log="$log_dir/$name.log"
	start=$(date +%s)
	if [ -n "${E2E_VERBOSE:-}" ]; then
		bash "$suite" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	else
		bash "$suite" >"$log" 2>&1
		rc=$?
	fi
	secs=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ]; then
		printf '  %-40s pass (%ds)\n' "$name" "$secs"
		passed=$((passed + 1))
	else
		[ -z "${E2E_VERBOSE:-}" ] && cat "$log"
		printf '  %-40s FAIL (exit %d, %ds; log: %s)\n' "$name" "$rc" "$secs" "$log"
		failed=$((failed + 1))
	fi
done
echo "e2e: $passed passed, $failed failed"
[ $failed -eq 0 ]
