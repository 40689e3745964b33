#!/bin/bash
# The gateway's capture (gateway/capture_linux.c) on a veth pair between two
# network namespaces made here: what the peer sends is captured as sent,
# what the capture injects reaches the peer and is never captured back, and
# the start-up errors (missing, down, not Ethernet, MTU, no CAP_NET_RAW) read
# as they should. Needs root; touches nothing outside its own namespaces.
set -eu

cd "$(dirname "$0")/../.." || exit 1
ns_gw="lpcap-gw-$$"
ns_peer="lpcap-peer-$$"
bin_dir=$(mktemp -d /tmp/lpcap.XXXXXX)
pids=()

cleanup() {
	set +e
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	ip netns del "$ns_gw" 2>/dev/null
	ip netns del "$ns_peer" 2>/dev/null
	rm -rf "$bin_dir"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 0; }

gw() { ip netns exec "$ns_gw" "$@"; }
peer() { ip netns exec "$ns_peer" "$@"; }

# ---------------------------------------------------------------- build
probe="$bin_dir/capture_test"
${CC:-cc} -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wwrite-strings -Wvla -Wformat=2 -Wformat-security \
	-Ishared -Igateway -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -o "$probe" tests/e2e/capture_test.c gateway/capture_linux.c \
	gateway/link_linux.c shared/tcp_merge.c shared/tso.c shared/csum.c shared/eth.c shared/mac.c shared/mtu.c shared/err.c

# ---------------------------------------------------------------- topology
ip netns add "$ns_gw"
ip netns add "$ns_peer"
gw ip link set lo up
peer ip link set lo up
gw ip link add gw0 type veth peer name peer0
gw ip link set peer0 netns "$ns_peer"
gw ip link set gw0 up
peer ip link set peer0 up
peer ip addr add 10.99.0.2/24 dev peer0
gw ip link add down0 type veth peer name down1
gw ip link add gone0 type veth peer name gone1
gw ip link set gone0 up

# ---------------------------------------------------------------- start-up errors
expect_open() { # IFACE MTU WANT-SUBSTRING [prefix command...]
	local ifc=$1 mtu=$2 want=$3
	shift 3
	local out rc=0
	out=$(gw "$@" "$probe" open "$ifc" "$mtu" 2>&1) || rc=$?
	if [[ $want == ok ]]; then
		if [ $rc -ne 0 ] || [[ $out != ok ]]; then
			fail "open $ifc: want ok, got: $out"
		fi
	elif [ $rc -eq 0 ] || [[ $out != *"$want"* ]]; then
		fail "open $ifc: want '$want', got: $out"
	fi
	echo "ok - open $ifc (room MTU $mtu): ${out%%$'\n'*}"
}

expect_open gw0 1500 ok
expect_open nosuch0 1500 "interface nosuch0 does not exist"
expect_open down0 1500 "interface down0 is down: bring it up with 'ip link set down0 up'"
expect_open lo 1500 "interface lo is not an Ethernet interface"
expect_open gw0 9000 "interface gw0 has MTU 1500, below the room MTU 9000"
expect_open "" 1500 "is not an interface name"
expect_open averyveryverylongname 1500 "is not an interface name"
if command -v setpriv >/dev/null; then
	expect_open gw0 1500 "no permission to capture on gw0: lanparty-gateway needs CAP_NET_RAW" \
		setpriv --bounding-set=-net_raw --inh-caps=-net_raw --
else
	echo "ok - # SKIP no setpriv: CAP_NET_RAW check not run"
fi

# ---------------------------------------------------------------- capture and inject
out=$(gw "$probe" run gw0 "$ns_peer" peer0 10.99.0.2 10.99.0.255 gone0 2>&1) || {
	echo "$out"
	fail "capture checks"
}
echo "$out"
grep -q '^not ok' <<<"$out" && fail "capture checks"
echo "capture: all checks passed"
