# shellcheck shell=bash disable=SC2034,SC2154 # globals of bench.sh and party.sh
# Relay capacity with the load generator (build/bin/lanparty-loadgen, issue 7
# item 3; its flags and JSON are described at the head of tests/bench/loadgen.c):
# for each K in $bench_capacity_steps, a fresh relay alone in a namespace of
# its own (loopback only) and K in-process members joined into rooms of 50
# (one gateway each), then 64-byte frames among them. Sourced by bench.sh.

bench_capacity_steps=${bench_capacity_steps:-1000 10000}
bench_capacity_rate=${bench_capacity_rate:-20000}
bench_capacity_seconds=${bench_capacity_seconds:-5}

# capacity_one K OUT.json: one relay, one load generator run.
capacity_one() {
	local k=$1 json=$2 d="$tmp/k$1" relay_pid rc
	mkdir -p "$d"
	head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$d/token"
	ip netns exec "$tag-cap" "$bench_bin/lanparty-relay" --data-dir "$d/relay" \
		--listen 127.0.0.1:4433 --api-listen http://127.0.0.1:8080 \
		--admin-token-file "$d/token" --public-host 127.0.0.1 >"$tmp/relay-k$k.log" 2>&1 &
	relay_pid=$!
	pids+=("$!")
	wait_for 20 in_ns cap curl -sf --max-time 2 http://127.0.0.1:8080/healthz || {
		echo "bench: capacity: the relay did not start: $(tail -3 "$tmp/relay-k$k.log")" >&2
		return 1
	}
	echo "bench: capacity: $k members"
	# A file per member: the relay's default soft limit of 1024 would be the limit.
	prlimit --nofile=65536 --pid "$relay_pid" >/dev/null 2>&1
	LP_ADMIN_TOKEN=$(cat "$d/token") in_ns cap "$bench_bin/lanparty-loadgen" \
		--api http://127.0.0.1:8080 --members "$k" --gateways --rate "$bench_capacity_rate" \
		--frame-size 64 --duration "$bench_capacity_seconds" --relay-pid "$relay_pid" \
		--json --quiet >"$json" 2>"$tmp/loadgen-k$k.log"
	rc=$?
	kill -TERM "$relay_pid" 2>/dev/null
	wait "$relay_pid" 2>/dev/null
	forget "$relay_pid"
	if [ $rc -ne 0 ] || ! jq -e .members "$json" >/dev/null 2>&1; then
		echo "bench: capacity: the load generator failed (exit $rc): $(tail -3 "$tmp/loadgen-k$k.log")" >&2
		return 1
	fi
}

# bench_capacity OUT.json: every step's report in one object {runs: [...]}.
# Run in a subshell: party_init's cleanup ends what is left.
bench_capacity() {
	local out=$1 k parts=()
	party_bin=$bench_bin PARTY_LOG_DIR=build/bench/logs/capacity
	party_init lpbcap
	party_namespaces+=("$tag-cap")
	ip netns add "$tag-cap" && ip -n "$tag-cap" link set lo up || return 1
	for k in $bench_capacity_steps; do
		capacity_one "$k" "$tmp/k$k.json" && parts+=("$tmp/k$k.json")
	done
	[ ${#parts[@]} -gt 0 ] || return 1
	jq -s '{runs: .}' "${parts[@]}" >"$out"
}
