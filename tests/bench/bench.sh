#!/bin/bash
# make bench / make bench-smoke: softlan against OpenVPN 2.6 (TAP), tinc 1.0
# (switch mode) and plain IP forwarding, each in a fresh copy of the party
# topology (tests/bench/topo.sh), measured by tests/bench/measure.py, then
# tabled by tests/bench/report.py; the relay's capacity by the load
# generator (tests/bench/capacity.sh). See docs/performance.md.
#
#   tests/bench/bench.sh [--smoke] [--systems plain,softlan,openvpn,tinc]
#       [--reps N] [--tcp-seconds S] [--udp-seconds S] [--search-steps N]
#       [--ping-count N] [--tests tcp1,tcp4,tcp1r,udp64,udp1400,ping]
#       [--capacity-steps "1000 10000"] [--no-loadgen]
#       [--out DIR] [--bin DIR] [--label WORD]
#
# Root (network namespaces). Writes DIR/bench-DATE[-WORD].{md,json} and
# DIR/latest.{md,json}; the programs' logs of the last run stay in
# build/bench/logs/SYSTEM/.
set -u
cd "$(dirname "$0")/../.." || exit 1
here=tests/bench
# shellcheck source=tests/e2e/party.sh
. tests/e2e/party.sh
# shellcheck source=tests/bench/topo.sh
. "$here/topo.sh"
# shellcheck source=tests/bench/sys_plain.sh
. "$here/sys_plain.sh"
# shellcheck source=tests/bench/sys_softlan.sh
. "$here/sys_softlan.sh"
# shellcheck source=tests/bench/sys_openvpn.sh
. "$here/sys_openvpn.sh"
# shellcheck source=tests/bench/sys_tinc.sh
. "$here/sys_tinc.sh"
# shellcheck source=tests/bench/capacity.sh
. "$here/capacity.sh"

systems=plain,softlan,openvpn,tinc
tests=tcp1,tcp4,tcp1r,udp64,udp1400,ping
reps=3 tcp_s=5 udp_s=3 steps=5 ping_n=300
out=$here/results
bench_bin=build/bin
loadgen=yes
kind=full
label=
command="${BENCH_COMMAND:-$0 $*}"
while [ $# -gt 0 ]; do
	case $1 in
	--smoke)
		kind=smoke systems=plain,softlan reps=1 tcp_s=2 udp_s=1 steps=2 ping_n=100
		out=build/bench/smoke bench_capacity_steps=50 bench_capacity_seconds=2
		;;
	--systems) systems=$2 && shift ;;
	--tests) tests=$2 && shift ;;
	--reps) reps=$2 && shift ;;
	--tcp-seconds) tcp_s=$2 && shift ;;
	--udp-seconds) udp_s=$2 && shift ;;
	--search-steps) steps=$2 && shift ;;
	--ping-count) ping_n=$2 && shift ;;
	--capacity-steps) bench_capacity_steps=$2 && shift ;;
	--no-loadgen) loadgen=no ;;
	--out) out=$2 && shift ;;
	--bin) bench_bin=$2 && shift ;;
	--label) label=-$2 && shift ;;
	--help | -h) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0" && exit 0 ;;
	*) echo "bench: unknown option $1 (see --help)" >&2 && exit 2 ;;
	esac
	shift
done

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 1; }

# What the benchmark runs (and party.sh checks for), installed when missing:
# Debian 12 packages through apt; OpenVPN and tinc only when they run.
bench_deps() {
	local want=() pair tools="ip:iproute2 ping:iputils-ping iperf3:iperf3 jq:jq curl:curl
		openssl:openssl python3:python3 dnsmasq:dnsmasq-base dhclient:isc-dhcp-client
		prlimit:util-linux"
	[[ ,$systems, == *,openvpn,* ]] && tools+=" openvpn:openvpn"
	[[ ,$systems, == *,tinc,* ]] && tools+=" tincd:tinc"
	for pair in $tools; do
		command -v "${pair%%:*}" >/dev/null || want+=("${pair#*:}")
	done
	[ ${#want[@]} -eq 0 ] && return 0
	echo "bench: installing ${want[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${want[@]}" \
		>/dev/null || { echo "bench: apt-get install ${want[*]} failed" >&2; exit 1; }
}
bench_deps
for b in lanparty-relay lanparty-gateway lanparty-client; do
	[ -x "$bench_bin/$b" ] || { echo "bench: $bench_bin/$b missing (make all)" >&2; exit 1; }
done
bench_bin=$(realpath "$bench_bin")

results=$(mktemp -d /tmp/lpbench.XXXXXX)
trap 'rm -rf "$results"' EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT
trap 'echo "bench: terminated" >&2; exit 143' TERM

bench_fail() {
	echo "bench: $*" >&2
	exit 1
}
bench_rss() { # PID: VmRSS in kB
	awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}
# The overlay carries frames once the player reaches the LAN host through it.
bench_overlay_ready() {
	wait_for 20 in_ns p1 ping -c 1 -W 1 "$sys_target" ||
		bench_fail "$sys: no ping from the player to $sys_target through the overlay within 20 s"
}
load1() { cut -d' ' -f1 /proc/loadavg; }

# bench_system N SYS: one system, run in a subshell of its own: party_init's
# cleanup (EXIT) ends its processes and deletes its namespaces.
bench_system() {
	local n=$1 sys=$2 role v extra pid_args=()
	# shellcheck disable=SC2034 # set by start_SYS, read through ${!v}
	sys_pid_relay='' sys_pid_gateway='' sys_pid_client='' sys_client_dev='' sys_metrics_token=''
	sys_members=0 sys_rss_before=0 sys_rss_after=0 sys_version=''
	party_bin=$bench_bin PARTY_LOG_DIR=build/bench/logs/$sys
	party_init "lpb$n"
	echo "bench: $sys: topology and start"
	bench_topology
	"start_$sys"
	for role in relay gateway client; do
		v="sys_pid_$role"
		[ -n "${!v}" ] && pid_args+=(--pid "$role=${!v}")
	done
	extra=$(jq -nc --arg v "$sys_version" --argjson m "$sys_members" \
		--argjson b "${sys_rss_before:-0}" --argjson a "${sys_rss_after:-0}" --arg l "$(load1)" \
		'{version: $v, members: $m, relay_rss_kb: {before: $b, after: $a}, load1_before: ($l|tonumber)}')
	python3 "$here/measure.py" --system "$sys" --tag "$tag" --target "$sys_target" \
		--plain "$bench_plain_host" "${pid_args[@]}" --client-dev "$sys_client_dev" \
		--metrics-token "$sys_metrics_token" --reps "$reps" --tcp-seconds "$tcp_s" \
		--udp-seconds "$udp_s" --search-steps "$steps" --ping-count "$ping_n" --tests "$tests" \
		--extra "$extra" --out "$tmp/result.json" || bench_fail "$sys: measuring"
	for role in relay gateway client; do
		v="sys_pid_$role"
		if [ -n "${!v}" ] && ! kill -0 "${!v}" 2>/dev/null; then
			bench_fail "$sys: the $role process died during the run"
		fi
	done
	jq --arg l "$(load1)" '.load1_after = ($l|tonumber)' "$tmp/result.json" >"$results/$sys.json"
}

echo "bench: $kind run of $systems ($reps repetitions), $(nproc) cores, load $(load1)"
# The tree the binaries came from: others may commit while the run goes on.
BENCH_SOFTLAN_COMMIT=${BENCH_SOFTLAN_COMMIT:-$(git describe --always --dirty 2>/dev/null)}
export BENCH_SOFTLAN_COMMIT
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
rm -rf build/bench/logs
n=0 files=()
for sys in ${systems//,/ }; do
	n=$((n + 1))
	type "start_$sys" >/dev/null 2>&1 || bench_fail "unknown system $sys"
	(bench_system "$n" "$sys") || bench_fail "$sys failed (its logs: build/bench/logs/$sys/)"
	files+=("$results/$sys.json")
done

capacity=
if [ $loadgen = no ]; then
	:
elif [ -x "$bench_bin/lanparty-loadgen" ]; then
	(bench_capacity "$results/capacity.json") && capacity=$results/capacity.json
else
	echo "bench: no $bench_bin/lanparty-loadgen (make loadgen): capacity not measured"
fi

mkdir -p "$out"
stamp=$(date -u +%Y%m%d-%H%M%S)$label
python3 "$here/report.py" --command "$command" --started "$started" --kind "$kind" \
	--bin "$bench_bin" --out "$out/bench-$stamp" ${capacity:+--loadgen "$capacity"} \
	"${files[@]}" || bench_fail "writing the report"
cp "$out/bench-$stamp.md" "$out/latest.md"
cp "$out/bench-$stamp.json" "$out/latest.json"
cat "$out/latest.md"
echo "bench: results in $out/bench-$stamp.{md,json} (and $out/latest.*)"
