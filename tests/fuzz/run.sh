#!/bin/bash
# Runs each libFuzzer target for FUZZ_SECONDS (default 60) on a scratch copy of
# its seed corpus, then prints the number of executions. New findings land in
# build/fuzz/findings/NAME/; the checked-in corpus is not modified.
set -u
secs=${FUZZ_SECONDS:-60}
status=0
for bin in "$@"; do
	name=$(basename "$bin")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	work=$(dirname "$bin")/work/$name
	findings=$(dirname "$bin")/findings/$name
	mkdir -p "$work" "$findings"
	cp -n "$seeds"/* "$work"/ 2>/dev/null
	log=$(dirname "$bin")/$name.log
	if "$bin" -max_total_time="$secs" -artifact_prefix="$findings/" \
		-print_final_stats=1 "$work" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		printf '  %-40s %ss, %s executions, no finding\n' "$name" "$secs" "$execs"
	else
		tail -n 40 "$log"
		echo "FAIL: $name found a crash: see $findings/"
		status=1
	fi
done
exit $status
