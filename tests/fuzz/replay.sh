#!/bin/bash
# Replays each fuzz target's checked-in corpus (tests/fuzz/corpus/NAME/) once.
# A crash, leak or sanitizer report in any input fails the run.
set -u
status=0
for bin in "$@"; do
	name=$(basename "$bin")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
		echo "FAIL: $name has no seed corpus in $corpus"
		status=1
		continue
	fi
	n=$(find "$corpus" -type f | wc -l)
	if "$bin" -runs=0 "$corpus" >"$bin.replay.log" 2>&1; then
		printf '  %-40s %4d inputs ok\n' "$name" "$n"
	else
		cat "$bin.replay.log"
		echo "FAIL: $name"
		status=1
	fi
done
exit $status
