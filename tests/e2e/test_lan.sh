#!/bin/bash
# One player on the party LAN through the relay, in network namespaces made
# here (issue 4's end-to-end test; issue 5's harness grows from it):
#
#                       "internet" 10.98.0.0/24 (bridge inet, ns inet)
#            .1 wan0 ---------------- .2 wan0 ---------------- .3 wan0
#          ns relay                  ns gw                    ns client
#       lanparty-relay         lanparty-gateway         lanparty-client
#                                --interface lan0         TAP lp0 10.77.0.50/24
#                                     |
#       party LAN 10.77.0.0/24        | lan0 (no address)
#       ns lan:  bridge lan  ---- gwp + hostp
#                                        |
#       ns host: eth0 10.77.0.10/24 (the LAN host)
#
# Checks: ARP resolves both ways, ping both ways, 1472-byte don't-fragment
# ping both ways, UDP broadcasts (255.255.255.255 and 10.77.0.255) from the
# client reach the LAN host and one from the LAN host reaches the client,
# both agents' status says connected, everything exits 0 on SIGTERM with no
# sanitizer report. Needs root. Every address lives inside these namespaces:
# nothing is linked or routed to the host's interfaces. A trap ends every
# process by PID and deletes every namespace and temporary file, also when a
# check fails or on Ctrl-C. The programs' logs of the last run are kept in
# build/e2e/lan/.
set -eu

cd "$(dirname "$0")/../.." || exit 1
bin=${LP_BIN_DIR:-build/asan/bin}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 0; }
for b in lanparty-relay lanparty-gateway lanparty-client; do
	[ -x "$bin/$b" ] || make -s "$bin/$b"
done
relay_bin=$(realpath "$bin/lanparty-relay")
gw_bin=$(realpath "$bin/lanparty-gateway")
cl_bin=$(realpath "$bin/lanparty-client")
for tool in ip ping curl jq python3; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (make deps)"; exit 1; }
done

tag="lplan-$$"
ns_inet="$tag-inet"
ns_relay="$tag-relay"
ns_gw="$tag-gw"
ns_lan="$tag-lan"
ns_host="$tag-host"
ns_cl="$tag-client"
namespaces=()
pids=()
tmp=
t0=$SECONDS

# Ends every process this test started: first by the PIDs it kept, then any
# other left in its own namespaces (helpers started there), then deletes the
# namespaces (their veths, bridges and TAP go with them) and the files.
cleanup() {
	local rc=$? pid deadline ns
	trap - EXIT INT TERM
	set +e
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	deadline=$((SECONDS + 5))
	for pid in "${pids[@]}"; do
		while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in "${namespaces[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for ns in "${namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$tmp" ]; then
		# The three programs' logs of the last run stay for reading.
		rm -rf build/e2e/lan && mkdir -p build/e2e/lan && cp "$tmp"/*.log build/e2e/lan/ 2>/dev/null
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted"; exit 130' INT
trap 'echo "FAIL: terminated"; exit 143' TERM
tmp=$(mktemp -d /tmp/lplan.XXXXXX)

fail() {
	local f
	echo "FAIL: $*"
	for f in relay gateway client; do
		[ -f "$tmp/$f.log" ] && { echo "--- $f.log (last 40 lines)"; tail -n 40 "$tmp/$f.log"; }
	done
	for ns in "$ns_cl" "$ns_host"; do
		echo "--- $ns: addresses, routes, neighbours"
		ip -n "$ns" -br addr 2>/dev/null
		ip -n "$ns" route 2>/dev/null
		ip -n "$ns" neigh 2>/dev/null
	done
	exit 1
}
pass() { echo "PASS: $* ($((SECONDS - t0)) s)"; }
# forget PID: a process that has ended and been waited for leaves the list,
# so the cleanup never signals a PID the system has handed out again.
forget() {
	local p keep=()
	for p in "${pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	pids=("${keep[@]}")
}

relay() { ip netns exec "$ns_relay" "$@"; }
cl() { ip netns exec "$ns_cl" "$@"; }

# wait_for SECONDS COMMAND...: retry COMMAND every 0.2 s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
}

# ---------------------------------------------------------------- topology
for ns in "$ns_inet" "$ns_relay" "$ns_gw" "$ns_lan" "$ns_host" "$ns_cl"; do
	namespaces+=("$ns") # first: an interrupt in between still deletes it
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done

# A bridge is a switch: no STP (ports forward at once), no multicast
# snooping (multicast floods like on a cheap switch).
mkbridge() { # NS NAME
	ip -n "$1" link add "$2" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	ip -n "$1" link set "$2" up
}
# plug NS-A IF-A NS-B IF-B: a veth from NS-A to NS-B, made inside them.
plug() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

mkbridge "$ns_inet" inet
for end in relay:1 gw:2 client:3; do
	name=${end%%:*}
	ns="$tag-$name"
	plug "$ns_inet" "to-$name" "$ns" wan0
	ip -n "$ns_inet" link set "to-$name" master inet
	ip -n "$ns" addr add "10.98.0.${end##*:}/24" dev wan0
done

mkbridge "$ns_lan" lan
plug "$ns_lan" gwp "$ns_gw" lan0
plug "$ns_lan" hostp "$ns_host" eth0
ip -n "$ns_lan" link set gwp master lan
ip -n "$ns_lan" link set hostp master lan
ip -n "$ns_host" addr add 10.77.0.10/24 dev eth0
host_mac=$(ip -n "$ns_host" -j link show eth0 | jq -r '.[0].address')
# The kernel marks a link operationally up (what bridges forward on, and
# what the gateway's carrier check reads) up to a second after its carrier
# came: wait for every link, as a box long plugged into its switch has.
links_up() {
	local ns
	for ns in "${namespaces[@]}"; do
		ip -n "$ns" -j link show | jq -e \
			'all(.[] | select(.ifname != "lo"); .operstate == "UP")' >/dev/null || return 1
	done
}
wait_for 5 links_up ||
	fail "links not up after 5 s: $(for n in "${namespaces[@]}"; do ip -n "$n" -br link; done)"
pass "topology: 6 namespaces, internet and party LAN bridges"

# ---------------------------------------------------------------- relay and room
head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$tmp/token"
# ip netns exec execs the binary: $! is then the relay's own PID.
ip netns exec "$ns_relay" "$relay_bin" --data-dir "$tmp/relay" --listen 10.98.0.1:4433 \
	--api-listen https://10.98.0.1:4433 --api-listen http://127.0.0.1:8080 \
	--admin-token-file "$tmp/token" --public-host 10.98.0.1 >"$tmp/relay.log" 2>&1 &
relay_pid=$!
pids+=("$relay_pid")
api() { relay curl -sf --max-time 5 -H "Authorization: Bearer $(cat "$tmp/token")" "$@"; }
wait_for 20 relay curl -sf --max-time 2 http://127.0.0.1:8080/healthz ||
	fail "the relay did not answer /healthz within 20 s"
api -X POST http://127.0.0.1:8080/api/v1/rooms -d '{"name":"lan","max_clients":4}' \
	>"$tmp/room.json" || fail "creating the room through the admin API"
room=$(jq -r .id "$tmp/room.json")
for role in gateway client; do
	jq -r ".invites.$role" "$tmp/room.json" >"$tmp/$role.invite"
	grep -Eq "^lanparty://10\.98\.0\.1(:4433)?/$role/" "$tmp/$role.invite" ||
		fail "the room's invites: $(cat "$tmp/room.json")"
done
pass "relay up; room $room created through the admin API, both invites written"

# ---------------------------------------------------------------- gateway and client
ip netns exec "$ns_gw" "$gw_bin" --invite-file "$tmp/gateway.invite" --interface lan0 \
	--status-file "$tmp/gw.status" --log-level debug >"$tmp/gateway.log" 2>&1 &
gw_pid=$!
pids+=("$gw_pid")
gw_connected() { "$gw_bin" status --status-file "$tmp/gw.status" | grep -q '^state *connected'; }
wait_for 20 gw_connected || fail "the gateway did not connect within 20 s"

ip netns exec "$ns_cl" "$cl_bin" --invite-file "$tmp/client.invite" --tap lp0 \
	--address 10.77.0.50/24 --state-dir "$tmp/cstate" --status-file "$tmp/cl.status" \
	--log-level debug >"$tmp/client.log" 2>&1 &
cl_pid=$!
pids+=("$cl_pid")
cl_connected() { "$cl_bin" status --status-file "$tmp/cl.status" | grep -q '^state *connected'; }
wait_for 20 cl_connected || fail "the client did not connect within 20 s"
wait_for 10 grep -q "remote_macs count=1" "$tmp/gateway.log" ||
	fail "the gateway did not learn the client's MAC"
cl_mac=$(ip -n "$ns_cl" -j link show lp0 | jq -r '.[0].address')
pass "gateway and client connected; client lp0 has MAC $cl_mac"

# ---------------------------------------------------------------- routes on the client
cl ip route get 255.255.255.255 | grep -q ' dev lp0 ' ||
	fail "255.255.255.255 is not routed through lp0: $(cl ip route get 255.255.255.255 2>&1)"
cl ip route show 224.0.0.0/4 | grep -q 'dev lp0' || fail "no 224.0.0.0/4 route on lp0"
cl ip route get 10.77.0.10 | grep -q ' dev lp0 ' || fail "10.77.0.10 is not routed through lp0"
pass "the client routes 255.255.255.255, 224.0.0.0/4 and 10.77.0.0/24 through lp0"

# ---------------------------------------------------------------- ARP and ping
# neigh_mac NS IFACE ADDR: the MAC the neighbour table resolved ADDR to.
neigh_mac() {
	ip -n "$1" -j neigh show "$3" dev "$2" |
		jq -r '.[0] | select(.lladdr != null) |
			select(.state | any(. == "FAILED" or . == "INCOMPLETE") | not) | .lladdr'
}
# ping_ok NS DST [ping flags]: 3 pings, every one answered.
ping_ok() {
	local ns=$1 dst=$2 out what
	shift 2
	what="ping${*:+ $*} $dst from ${ns#"$tag"-}"
	out=$(ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 "$@" "$dst" 2>&1) || fail "$what: $out"
	echo "$out" | grep -q ' 3 received' || fail "$what lost replies: $out"
}

# Client -> LAN host: the client's ARP request is a broadcast up to the relay
# and down to the LAN; the answer is unicast to a remote MAC, which the
# gateway sends up.
ip -n "$ns_cl" neigh flush dev lp0
ip -n "$ns_host" neigh flush dev eth0
ping_ok "$ns_cl" 10.77.0.10
got=$(neigh_mac "$ns_cl" lp0 10.77.0.10)
[ "$got" = "$host_mac" ] || fail "client's ARP for 10.77.0.10: want $host_mac, got '$got'"
pass "ARP client -> LAN host: 10.77.0.10 is at $host_mac"
pass "ping -c 3 client -> LAN host"

# LAN host -> client, with both tables emptied first so the host has to ask.
ip -n "$ns_cl" neigh flush dev lp0
ip -n "$ns_host" neigh flush dev eth0
ping_ok "$ns_host" 10.77.0.50
got=$(neigh_mac "$ns_host" eth0 10.77.0.50)
[ "$got" = "$cl_mac" ] || fail "LAN host's ARP for 10.77.0.50: want $cl_mac, got '$got'"
pass "ARP LAN host -> client: 10.77.0.50 is at $cl_mac"
pass "ping -c 3 LAN host -> client"

# Full-size frames: 1472 + 8 + 20 = 1500, the room MTU, with don't-fragment.
ping_ok "$ns_cl" 10.77.0.10 -M 'do' -s 1472
pass "ping -M do -s 1472 client -> LAN host (1500-byte IP packets)"
ping_ok "$ns_host" 10.77.0.50 -M 'do' -s 1472
pass "ping -M do -s 1472 LAN host -> client (1500-byte IP packets)"

# ---------------------------------------------------------------- broadcast
# bcast_recv NS PORT WANT...: in the background, a receiver on 0.0.0.0:PORT
# that prints "PAYLOAD FROM" for each datagram and exits 0 once it has seen
# every WANT payload (1 after 10 s otherwise). Its PID is in $recv_pid.
bcast_recv() {
	local ns=$1 port=$2
	shift 2
	ip netns exec "$ns" python3 -u - "$port" "$@" >"$tmp/recv-$port.log" 2>&1 <<'EOF' &
import socket, sys, time
port, want = int(sys.argv[1]), set(sys.argv[2:])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(('0.0.0.0', port))
print('listening', flush=True)
end = time.monotonic() + 10
while want and time.monotonic() < end:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        break
    print(data.decode(errors='replace'), peer[0], flush=True)
    want.discard(data.decode(errors='replace'))
sys.exit(1 if want else 0)
EOF
	recv_pid=$!
	pids+=("$recv_pid")
	wait_for 5 grep -q listening "$tmp/recv-$port.log" || fail "receiver on port $port did not start"
}
# bcast_send NS DST:PAYLOAD...: each payload 3 times (UDP may drop one), no
# SO_BINDTODEVICE: the routing table has to pick the party device.
bcast_send() {
	local ns=$1
	shift
	ip netns exec "$ns" python3 - "$@" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for _ in range(3):
    for arg in sys.argv[1:]:
        dst, payload = arg.split(':', 1)
        s.sendto(payload.encode(), (dst, 7778))
    time.sleep(0.1)
EOF
}
bcast_wait() { # what
	wait "$recv_pid" || fail "$1: the receiver got: $(cat "$tmp/recv-7778.log")"
	forget "$recv_pid"
	rm -f "$tmp/recv-7778.log"
}

bcast_recv "$ns_host" 7778 all-ones subnet
bcast_send "$ns_cl" 255.255.255.255:all-ones 10.77.0.255:subnet ||
	fail "sending broadcasts from the client"
bcast_wait "broadcast from the client to the LAN host"
pass "UDP broadcast client -> 255.255.255.255 and -> 10.77.0.255 reach the LAN host"

bcast_recv "$ns_cl" 7778 from-lan
bcast_send "$ns_host" 10.77.0.255:from-lan || fail "sending a broadcast from the LAN host"
bcast_wait "broadcast from the LAN host to the client"
pass "UDP broadcast LAN host -> 10.77.0.255 reaches the client"

# ---------------------------------------------------------------- status
"$cl_bin" status --status-file "$tmp/cl.status" >"$tmp/cl.status.txt" 2>&1 ||
	fail "lanparty-client status: $(cat "$tmp/cl.status.txt")"
sed 's/^/# /' "$tmp/cl.status.txt"
grep -q '^state *connected' "$tmp/cl.status.txt" || fail "client status is not connected"
grep -q '^members *2 online' "$tmp/cl.status.txt" || fail "client status does not show 2 members"
pass "lanparty-client status: connected, 2 members"
"$gw_bin" status --status-file "$tmp/gw.status" | grep -q '^state *connected' ||
	fail "lanparty-gateway status is not connected"
api "http://127.0.0.1:8080/api/v1/rooms/$room" >"$tmp/room-now.json" || fail "GET room"
[ "$(jq -c .online "$tmp/room-now.json")" = '{"clients":1,"gateway":true}' ] ||
	fail "the relay lists: $(jq -c .online "$tmp/room-now.json")"
pass "lanparty-gateway status connected; the relay lists the gateway and 1 client"

# ---------------------------------------------------------------- orderly stop
# stop PID NAME: SIGTERM, then it must exit 0 within 10 s.
stop() {
	local pid=$1 rc=0 deadline=$((SECONDS + 10))
	kill -TERM "$pid"
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "$2 still runs 10 s after SIGTERM"
	wait "$pid" || rc=$?
	forget "$pid"
	[ $rc -eq 0 ] || fail "$2 exited $rc after SIGTERM"
}
stop "$cl_pid" client
ip -n "$ns_cl" link show lp0 >/dev/null 2>&1 && fail "lp0 is still there after the client left"
cl ip route get 255.255.255.255 2>/dev/null | grep -q 'dev lp0' && fail "a broadcast route is left"
stop "$gw_pid" gateway
stop "$relay_pid" relay
pass "SIGTERM: client (lp0 and its routes removed), gateway and relay exit 0"
for f in relay gateway client; do
	if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$tmp/$f.log"; then
		fail "sanitizer report in $f.log"
	fi
done
pass "no sanitizer reports"
echo "lan: all checks passed in $((SECONDS - t0)) s"
