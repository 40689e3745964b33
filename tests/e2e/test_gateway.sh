#!/bin/bash
# lanparty-gateway against a real relay, in network namespaces made here:
#
#   relay ns  r0 10.98.0.1 ---- up0 10.98.0.2  gw ns  lan0 ---- eth0 10.77.0.10  lan ns
#   lanparty-relay                  lanparty-gateway --interface lan0      (a LAN host)
#
# Start-up errors read as documented (interface missing, down, MTU below the
# room's, no CAP_NET_RAW, a player invite); the gateway connects and reports
# it in `status`; broadcast from the LAN goes to the relay and LAN-local
# unicast does not; SIGTERM leaves the room and exits 0. Needs root; touches
# nothing outside its namespaces; processes are ended by PID.
set -eu

cd "$(dirname "$0")/../.." || exit 1
bin=${LP_BIN_DIR:-build/asan/bin}
for b in lanparty-relay lanparty-gateway lanparty-client; do
	[ -x "$bin/$b" ] || make -s "$bin/$b"
done
relay_bin=$(realpath "$bin/lanparty-relay")
gw_bin=$(realpath "$bin/lanparty-gateway")
cl_bin=$(realpath "$bin/lanparty-client")

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 0; }

ns_relay="lpgw-relay-$$"
ns_gw="lpgw-gw-$$"
ns_lan="lpgw-lan-$$"
ns_cl="lpgw-client-$$"
tmp=$(mktemp -d /tmp/lpgw.XXXXXX)
pids=()

cleanup() {
	set +e
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in "$ns_relay" "$ns_gw" "$ns_lan" "$ns_cl"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	for f in "$tmp"/*.log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
	done
	exit 1
}
ok() { echo "ok - $*"; }

relay() { ip netns exec "$ns_relay" "$@"; }
gw() { ip netns exec "$ns_gw" "$@"; }
lan() { ip netns exec "$ns_lan" "$@"; }
cl() { ip netns exec "$ns_cl" "$@"; }

# wait_for SECONDS COMMAND...: retry COMMAND every 0.2 s.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
}

# ---------------------------------------------------------------- topology
for ns in "$ns_relay" "$ns_gw" "$ns_lan" "$ns_cl"; do
	ip netns add "$ns"
	ip netns exec "$ns" ip link set lo up
	# No IPv6 chatter (ND, MLD): the frame counts below are then exact.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
relay ip link add r0 type veth peer name up0
relay ip link set up0 netns "$ns_gw"
relay ip addr add 10.98.0.1/24 dev r0
relay ip link set r0 up
gw ip addr add 10.98.0.2/24 dev up0
gw ip link set up0 up
gw ip link add lan0 type veth peer name eth0
gw ip link set eth0 netns "$ns_lan"
gw ip link set lan0 up
lan ip addr add 10.77.0.10/24 dev eth0
lan ip link set eth0 up
relay ip link add r1 type veth peer name wan0
relay ip link set wan0 netns "$ns_cl"
relay ip addr add 10.98.1.1/24 dev r1
relay ip link set r1 up
cl ip addr add 10.98.1.3/24 dev wan0
cl ip link set wan0 up
cl ip route add default via 10.98.1.1

# ---------------------------------------------------------------- relay and room
head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$tmp/token"
# Started with ip netns exec itself, not a shell function: $! is then the relay's PID.
ip netns exec "$ns_relay" "$relay_bin" --data-dir "$tmp/relay" --listen 10.98.0.1:4433 \
	--api-listen https://10.98.0.1:4433 --api-listen http://127.0.0.1:8080 \
	--admin-token-file "$tmp/token" --public-host 10.98.0.1 >"$tmp/relay.log" 2>&1 &
pids+=("$!")
api() { relay curl -sf -H "Authorization: Bearer $(cat "$tmp/token")" "$@"; }
wait_for 20 relay curl -sf http://127.0.0.1:8080/healthz || fail "relay did not start"
api -X POST http://127.0.0.1:8080/api/v1/rooms -d '{"name":"lan","max_clients":4}' \
	>"$tmp/room.json" || fail "create room"
room=$(jq -r .id "$tmp/room.json")
jq -r .invites.gateway "$tmp/room.json" >"$tmp/gw.invite"
jq -r .invites.client "$tmp/room.json" >"$tmp/client.invite"
ok "relay up, room $room created"

# ---------------------------------------------------------------- start-up errors
expect_exit() { # CODE WANT-SUBSTRING [prefix...] :: ARGS...
	local code=$1 want=$2 pre=()
	shift 2
	while [ "$1" != "::" ]; do pre+=("$1"); shift; done
	shift
	local rc=0
	gw "${pre[@]}" "$gw_bin" --status-file "$tmp/err.status" "$@" >"$tmp/err.out" 2>&1 ||
		rc=$?
	[ $rc -eq "$code" ] || fail "want exit $code, got $rc: $(cat "$tmp/err.out")"
	grep -qF -- "$want" "$tmp/err.out" || fail "want '$want' in: $(cat "$tmp/err.out")"
	ok "exit $code: $want"
}
inv=(--invite-file "$tmp/gw.invite")
expect_exit 1 "interface nosuch0 does not exist" :: "${inv[@]}" --interface nosuch0
gw ip link set lan0 down
expect_exit 1 "interface lan0 is down" :: "${inv[@]}" --interface lan0
gw ip link set lan0 up
gw ip link set lan0 mtu 1400
expect_exit 1 "interface lan0 has MTU 1400, below the room MTU 1500" :: "${inv[@]}" --interface lan0
gw ip link set lan0 mtu 1500
expect_exit 1 "needs CAP_NET_RAW" setpriv --bounding-set=-net_raw --inh-caps=-net_raw -- \
	:: "${inv[@]}" --interface lan0
expect_exit 2 "this is a player invite" :: --invite-file "$tmp/client.invite" --interface lan0
expect_exit 2 "--interface" :: "${inv[@]}"

# ---------------------------------------------------------------- connect
ip netns exec "$ns_gw" "$gw_bin" "${inv[@]}" --interface lan0 --status-file "$tmp/gw.status" \
	--log-level debug \
	>"$tmp/gateway.log" 2>&1 &
gw_pid=$!
pids+=("$gw_pid")
connected() { "$gw_bin" status --status-file "$tmp/gw.status" | grep -q connected; }
wait_for 20 connected || fail "the gateway did not connect"
"$gw_bin" status --status-file "$tmp/gw.status" | sed 's/^/# /'
[ "$(api "http://127.0.0.1:8080/api/v1/rooms/$room" | jq -r .online.gateway)" = true ] ||
	fail "the relay does not list the gateway"
ok "gateway connected; the relay lists it"
grep -q "capture_open iface=lan0" "$tmp/gateway.log" || fail "no capture_open line"
grep -q "^CapEff:[[:space:]]*0*$" "/proc/$gw_pid/status" ||
	fail "the running gateway kept capabilities: $(grep CapEff "/proc/$gw_pid/status")"
ok "the running gateway holds no capabilities"

# ---------------------------------------------------------------- what goes up
# Frames of the local experimental ethertype from the LAN host, by Python.
send_frames() { # COUNT DST-MAC
	lan python3 - "$1" "$2" <<'EOF'
import socket, sys
n, dst = int(sys.argv[1]), bytes.fromhex(sys.argv[2].replace(':', ''))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
src = bytes.fromhex('02770000000a')
for i in range(n):
    s.send(dst + src + b'\x88\xb5' + i.to_bytes(2, 'big') + b'\0' * 44)
EOF
}
up_frames() { # CAST
	jq -r ".traffic.up.$1.frames" "$tmp/gw.status"
}
status_fresh() { # wait for the status file to be rewritten after now
	local t
	t=$(date +%s)
	wait_for 10 bash -c "[ \$(jq -r .updated_at '$tmp/gw.status') -gt $t ]"
}

status_fresh
b0=$(up_frames broadcast)
u0=$(up_frames unicast)
send_frames 40 02:77:00:00:00:0b
send_frames 25 ff:ff:ff:ff:ff:ff
status_fresh
b1=$(up_frames broadcast)
u1=$(up_frames unicast)
[ $((b1 - b0)) -eq 25 ] || fail "want 25 broadcasts sent up, got $((b1 - b0))"
ok "25 broadcasts from the LAN went to the relay"
[ $((u1 - u0)) -eq 0 ] || fail "LAN-local unicast went up: $((u1 - u0)) frames"
ok "40 LAN-local unicast frames stayed on the LAN"

# ---------------------------------------------------------------- a player
# The client's TAP gets a static address on the LAN's subnet; its MAC is fixed.
cl_mac=02:1a:2b:3c:4d:5e
ip netns exec "$ns_cl" "$cl_bin" --invite-file "$tmp/client.invite" --tap party0 \
	--mac "$cl_mac" --address 10.77.0.50/24 --state-dir "$tmp/cstate" \
	--status-file "$tmp/cl.status" --log-level debug >"$tmp/client.log" 2>&1 &
cl_pid=$!
pids+=("$cl_pid")
cl_connected() { "$cl_bin" status --status-file "$tmp/cl.status" | grep -q connected; }
wait_for 20 cl_connected || fail "the client did not connect"
wait_for 10 grep -q "remote_macs count=1" "$tmp/gateway.log" ||
	fail "the gateway did not learn the client's MAC"
ok "a client joined; the gateway knows its MAC as remote"

# UDP echo: ARP by broadcast, then unicast both ways through the gateway. The
# LAN host's datagrams leave its veth with unfinished checksums: the client's
# kernel accepts them only if the gateway finished them.
ip netns exec "$ns_cl" python3 - >"$tmp/echo.log" 2>&1 <<'EOF' &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('10.77.0.50', 7777))
s.settimeout(20)
for _ in range(3):
    data, peer = s.recvfrom(2048)
    s.sendto(data, peer)
EOF
echo_pid=$!
pids+=("$echo_pid")
sleep 0.5
lan python3 - <<'EOF' || fail "UDP echo between the LAN host and the client"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for size in (32, 1400, 1472):
    msg = bytes(i % 251 for i in range(size))
    for attempt in range(5):
        s.sendto(msg, ('10.77.0.50', 7777))
        try:
            data, _ = s.recvfrom(2048)
            break
        except socket.timeout:
            continue
    else:
        sys.exit('no echo for %d bytes' % size)
    if data != msg:
        sys.exit('echo differs for %d bytes' % size)
EOF
ok "UDP echo LAN host <-> client: 32, 1400 and 1472 bytes (full-size frames)"

# A broadcast from the client reaches the LAN host.
ip netns exec "$ns_lan" python3 - >"$tmp/bcast.log" 2>&1 <<'EOF' &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 7778))
s.settimeout(10)
data, peer = s.recvfrom(2048)
print(data.decode(), peer[0])
EOF
bc_pid=$!
pids+=("$bc_pid")
sleep 0.5
cl python3 - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'party0')
for _ in range(3):
    s.sendto(b'hello lan', ('10.77.0.255', 7778))
EOF
wait "$bc_pid" || fail "the LAN host got no broadcast from the client: $(cat "$tmp/bcast.log")"
grep -q "hello lan 10.77.0.50" "$tmp/bcast.log" || fail "broadcast: $(cat "$tmp/bcast.log")"
ok "a broadcast from the client reaches the LAN host"

# The client leaves: its MAC is LAN-local again for the gateway.
kill -TERM "$cl_pid"
rc=0
wait "$cl_pid" || rc=$?
[ $rc -eq 0 ] || fail "client exit status $rc after SIGTERM"
wait_for 10 grep -q "remote_macs count=0" "$tmp/gateway.log" ||
	fail "the gateway did not forget the client's MAC"
status_fresh
u0=$(up_frames unicast)
send_frames 10 "$cl_mac"
status_fresh
u1=$(up_frames unicast)
[ $((u1 - u0)) -eq 0 ] || fail "unicast to a departed client went up: $((u1 - u0)) frames"
ok "the client left; frames to its MAC stay on the LAN"

# ---------------------------------------------------------------- stop
kill -TERM "$gw_pid"
rc=0
for _ in $(seq 50); do
	kill -0 "$gw_pid" 2>/dev/null || break
	sleep 0.1
done
wait "$gw_pid" || rc=$?
pids=("${pids[@]/$gw_pid/}")
[ $rc -eq 0 ] || fail "gateway exit status $rc after SIGTERM"
wait_for 10 bash -c "[ \"\$(ip netns exec $ns_relay curl -sf -H 'Authorization: Bearer $(cat "$tmp/token")' http://127.0.0.1:8080/api/v1/rooms/$room | jq -r .online.gateway)\" = false ]" ||
	fail "the relay still lists the gateway"
ok "SIGTERM: the gateway left the room and exited 0"
grep -q "stopping signal=15" "$tmp/gateway.log" || fail "no stopping line"

# ---------------------------------------------------------------- interface removed
# A USB adapter pulled out: the gateway exits 1 (systemd starts it anew).
ip netns exec "$ns_gw" "$gw_bin" "${inv[@]}" --interface lan0 --status-file "$tmp/gw.status" \
	>"$tmp/gateway2.log" 2>&1 &
gw_pid=$!
pids+=("$gw_pid")
wait_for 20 connected || fail "the gateway did not connect again"
gw ip link del lan0
rc=0
for _ in $(seq 100); do
	kill -0 "$gw_pid" 2>/dev/null || break
	sleep 0.1
done
wait "$gw_pid" || rc=$?
pids=("${pids[@]/$gw_pid/}")
[ $rc -eq 1 ] || fail "want exit 1 after the interface was removed, got $rc"
grep -q "capture_lost iface=lan0" "$tmp/gateway2.log" || fail "no capture_lost line"
ok "interface removed: capture_lost, exit 1"

for f in "$tmp/gateway.log" "$tmp/gateway2.log"; do
	if grep -q "ERROR: AddressSanitizer\|runtime error:" "$f"; then
		fail "sanitizer report in $f"
	fi
done
echo "gateway: all checks passed"
