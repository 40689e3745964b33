# shellcheck shell=bash
# The whole LAN party in network namespaces, as a library to source (issue 5):
# tests/e2e/test_party.sh and mk/demo.sh build the same party with it.
#
#                    "internet" 10.98.0.0/24 (bridge inet, ns inet)
#     .1 wan0 ------------- .2 wan0 ------------- .3 wan0 ------------- .4 wan0
#    ns relay              ns gw                 ns p1                 ns p2
#  lanparty-relay     lanparty-gateway       lanparty-client       lanparty-client
#                       --interface lan0       TAP lp0 (DHCP)        TAP lp0 (DHCP)
#                            |
#    party LAN 10.77.0.0/24  | lan0 (no address)
#    ns lan:  bridge lan ---- gwp + hostp
#                                    |
#    ns host: eth0 10.77.0.10/24, dnsmasq = the party's DHCP server
#             (range 10.77.0.100-10.77.0.150, hands out router 10.77.0.1)
#
# Use:
#   . tests/e2e/party.sh
#   party_init lpparty            # namespaces' prefix; sets the cleanup trap
#   party_topology; party_relay; party_room; party_gateway
#   party_player 1; party_player 2; party_dhcp 1; party_dhcp 2
# Then: in_ns NS cmd..., p1/p2/lanhost/relay cmd..., party_api PATH, pass/fail.
# LP_BIN_DIR picks the binaries (default build/asan/bin). Every address
# lives inside the namespaces made here. The cleanup (trap on EXIT, INT and
# TERM) ends every process by the PID kept, then any left in these
# namespaces, deletes the namespaces and the temp dir; the programs' logs of
# the last run are copied to $PARTY_LOG_DIR (default build/e2e/party).

party_bin=${LP_BIN_DIR:-build/asan/bin}
PARTY_LOG_DIR=${PARTY_LOG_DIR:-build/e2e/party}
party_namespaces=()
pids=()
tmp=
t0=$SECONDS
tag=
declare -A party_ip=([relay]=10.98.0.1 [gw]=10.98.0.2 [p1]=10.98.0.3 [p2]=10.98.0.4)
lan_host_ip=10.77.0.10
# The host invites name (--public-host): the relay itself unless
# party_netem puts the lossy forwarder in front of it.
party_public_host=${party_ip[relay]}
# Set by party_player N and party_dhcp N (printf -v).
# shellcheck disable=SC2034 # read by the scripts that source this file
p1_pid="" p2_pid="" p1_mac="" p2_mac="" p1_ip="" p2_ip="" dhc1_pid="" dhc2_pid="" host_mac="" room=""

party_cleanup() {
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
	# Helpers that daemonised or were started in a namespace without a
	# kept PID (dhclient, dnsmasq of the rogue test) end here.
	for ns in "${party_namespaces[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for ns in "${party_namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$tmp" ]; then
		rm -rf "$PARTY_LOG_DIR" && mkdir -p "$PARTY_LOG_DIR" &&
			cp "$tmp"/*.log "$PARTY_LOG_DIR"/ 2>/dev/null
		rm -rf "$tmp"
	fi
	exit "$rc"
}

# party_init PREFIX: checks root and tools, finds the binaries, sets the trap
# and makes the temp dir.
party_init() {
	local b tool
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 0; }
	for b in lanparty-relay lanparty-gateway lanparty-client; do
		[ -x "$party_bin/$b" ] || make -s "$party_bin/$b" || exit 1
	done
	relay_bin=$(realpath "$party_bin/lanparty-relay")
	gw_bin=$(realpath "$party_bin/lanparty-gateway")
	cl_bin=$(realpath "$party_bin/lanparty-client")
	for tool in ip ping curl jq python3 dnsmasq dhclient; do
		command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (make deps)"; exit 1; }
	done
	tag="$1-$$"
	trap party_cleanup EXIT
	trap 'echo "FAIL: interrupted"; exit 130' INT
	trap 'echo "FAIL: terminated"; exit 143' TERM
	tmp=$(mktemp -d /tmp/lpparty.XXXXXX)
	chmod 755 "$tmp"
	party_write_net_py
}

fail() {
	local f ns
	echo "FAIL: $*"
	for f in relay gateway p1 p2 dnsmasq netem; do
		[ -f "$tmp/$f.log" ] && { echo "--- $f.log (last 30 lines)"; tail -n 30 "$tmp/$f.log"; }
	done
	for ns in p1 p2 host; do
		echo "--- $ns: addresses, routes, neighbours"
		ip -n "$tag-$ns" -br addr 2>/dev/null
		ip -n "$tag-$ns" route 2>/dev/null
		ip -n "$tag-$ns" neigh 2>/dev/null
	done
	exit 1
}
pass() { echo "PASS: $* ($((SECONDS - t0)) s)"; }
# forget PID: an ended, waited-for process leaves the list, so the cleanup
# never signals a PID the system has handed out again.
forget() {
	local p keep=()
	for p in "${pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	pids=("${keep[@]}")
}

# in_ns SHORT cmd...: run in namespace $tag-SHORT. In the foreground only: a
# function started with & is a subshell, so $! would not be the program's
# PID; background programs are started with ip netns exec itself (which
# execs the program: $! is then its own PID).
in_ns() {
	local ns=$1
	shift
	ip netns exec "$tag-$ns" "$@"
}
relay() { in_ns relay "$@"; }
lanhost() { in_ns host "$@"; }
p1() { in_ns p1 "$@"; }
p2() { in_ns p2 "$@"; }

# wait_for SECONDS COMMAND...: retry COMMAND every 0.2 s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
}

# A bridge is a switch: no STP, no multicast snooping (floods like a cheap
# switch).
party_bridge() { # NS NAME
	ip -n "$1" link add "$2" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	ip -n "$1" link set "$2" up
}
party_plug() { # NS-A IF-A NS-B IF-B
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}
party_links_up() {
	local ns
	for ns in "${party_namespaces[@]}"; do
		ip -n "$ns" -j link show | jq -e \
			'all(.[] | select(.ifname != "lo"); .operstate == "UP")' >/dev/null || return 1
	done
}

party_topology() {
	local n ns
	for n in inet relay gw lan host p1 p2; do
		ns="$tag-$n"
		party_namespaces+=("$ns") # first: an interrupt in between still deletes it
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	party_bridge "$tag-inet" inet
	for n in relay gw p1 p2; do
		party_plug "$tag-inet" "to-$n" "$tag-$n" wan0
		ip -n "$tag-inet" link set "to-$n" master inet
		ip -n "$tag-$n" addr add "${party_ip[$n]}/24" dev wan0
	done
	party_bridge "$tag-lan" lan
	party_plug "$tag-lan" gwp "$tag-gw" lan0
	party_plug "$tag-lan" hostp "$tag-host" eth0
	ip -n "$tag-lan" link set gwp master lan
	ip -n "$tag-lan" link set hostp master lan
	ip -n "$tag-host" addr add "$lan_host_ip/24" dev eth0
	# Like any PC on a LAN it has a default route (to the party's router,
	# absent here); without one Linux refuses to send to 255.255.255.255.
	ip -n "$tag-host" route add default via 10.77.0.1 dev eth0
	# shellcheck disable=SC2034
	host_mac=$(ip -n "$tag-host" -j link show eth0 | jq -r '.[0].address')
	wait_for 5 party_links_up || fail "links not up after 5 s"
	party_lan_dhcp
}

# The party's DHCP server on the LAN host: its own conf, leases, pid and log
# in the temp dir (nothing under /etc or /var). It hands out a router and a
# DNS server like a real party box; the players' DHCP script ignores both.
party_lan_dhcp() {
	cat >"$tmp/dnsmasq.conf" <<EOF
port=0
no-resolv
no-hosts
user=root
interface=eth0
bind-interfaces
dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h
dhcp-option=option:router,10.77.0.1
dhcp-option=option:dns-server,10.77.0.1
dhcp-authoritative
dhcp-leasefile=$tmp/lan.leases
pid-file=$tmp/dnsmasq.pid
log-dhcp
EOF
	ip netns exec "$tag-host" dnsmasq --conf-file="$tmp/dnsmasq.conf" --keep-in-foreground \
		--log-facility=- >"$tmp/dnsmasq.log" 2>&1 &
	pids+=("$!")
	wait_for 5 grep -q "DHCP, IP range" "$tmp/dnsmasq.log" ||
		fail "dnsmasq on the LAN host did not start: $(cat "$tmp/dnsmasq.log")"
}

party_relay() {
	head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$tmp/token"
	party_relay_start
}
# party_relay_start: starts the relay on the data dir and token already in
# $tmp (again after a stop: same ports, the log appended), waits for /healthz.
party_relay_start() {
	# ip netns exec execs the binary: $! is the relay's own PID.
	ip netns exec "$tag-relay" "$relay_bin" --data-dir "$tmp/relay" --listen 10.98.0.1:4433 \
		--api-listen https://10.98.0.1:4433 --api-listen http://127.0.0.1:8080 \
		--admin-token-file "$tmp/token" --public-host "$party_public_host" >>"$tmp/relay.log" 2>&1 &
	relay_pid=$!
	pids+=("$relay_pid")
	wait_for 20 relay curl -sf --max-time 2 http://127.0.0.1:8080/healthz ||
		fail "the relay did not answer /healthz within 20 s"
}
# party_netem LOSS DELAY-MS: a bad internet (no netem qdisc on this kernel):
# tests/e2e/netem.py on the "internet" bridge at 10.98.0.254:4433 forwards
# to the relay (UDP with LOSS and DELAY-MS each way, TCP as is), and the
# relay started after this names it in its invites, so every agent's path
# goes through it. Log $tmp/netem.log; sets netem_pid. Call before
# party_relay.
party_netem() {
	local loss=$1 delay=$2 nip=10.98.0.254
	ip -n "$tag-inet" addr add "$nip/24" dev inet
	ip netns exec "$tag-inet" python3 -u tests/e2e/netem.py --listen "$nip:4433" \
		--to "${party_ip[relay]}:4433" --loss "$loss" --delay-ms "$delay" \
		>"$tmp/netem.log" 2>&1 &
	netem_pid=$!
	pids+=("$netem_pid")
	wait_for 5 grep -q ready "$tmp/netem.log" || fail "netem.py did not start: $(cat "$tmp/netem.log")"
	party_public_host=$nip
}
# party_api PATH [curl args]: the admin API inside the relay namespace.
party_api() {
	local path=$1
	shift
	relay curl -sf --max-time 5 -H "Authorization: Bearer $(cat "$tmp/token")" \
		"http://127.0.0.1:8080$path" "$@"
}
party_room() {
	local role
	party_api /api/v1/rooms -X POST -d '{"name":"party","max_clients":4}' \
		>"$tmp/room.json" || fail "creating the room through the admin API"
	# shellcheck disable=SC2034
	room=$(jq -r .id "$tmp/room.json")
	for role in gateway client; do
		jq -r ".invites.$role" "$tmp/room.json" >"$tmp/$role.invite"
		grep -q "^lanparty://${party_public_host//./\\.}[:/]" "$tmp/$role.invite" ||
			fail "the room's invites: $(cat "$tmp/room.json")"
	done
}
party_gateway() {
	ip netns exec "$tag-gw" "$gw_bin" --invite-file "$tmp/gateway.invite" --interface lan0 \
		--status-file "$tmp/gw.status" --log-level debug >"$tmp/gateway.log" 2>&1 &
	gw_pid=$!
	pids+=("$gw_pid")
	wait_for 20 party_connected "$gw_bin" "$tmp/gw.status" ||
		fail "the gateway did not connect within 20 s"
}
party_connected() { # BIN STATUS-FILE
	"$1" status --status-file "$2" 2>/dev/null | grep -q '^state *connected'
}
# party_player N: lanparty-client in ns pN, TAP lp0 without an address (the
# address comes from the party's DHCP server: party_dhcp N).
party_player() {
	local n=$1
	ip netns exec "$tag-p$n" "$cl_bin" --invite-file "$tmp/client.invite" --tap lp0 --name "player$n" \
		--state-dir "$tmp/p$n.state" --status-file "$tmp/p$n.status" \
		--log-level debug >"$tmp/p$n.log" 2>&1 &
	printf -v "p${n}_pid" %s "$!"
	pids+=("$!")
	wait_for 20 party_connected "$cl_bin" "$tmp/p$n.status" ||
		fail "player $n did not connect within 20 s"
	printf -v "p${n}_mac" %s "$(ip -n "$tag-p$n" -j link show lp0 | jq -r '.[0].address')"
}

# The players' DHCP client script: address and subnet from the lease, never
# the router or DNS (docs/client.md, Addressing); nothing outside lp0.
party_dhcp_script() {
	[ -f "$tmp/dhclient-script" ] && return 0
	cat >"$tmp/dhclient-script" <<'EOF'
#!/bin/sh
case "$reason" in
PREINIT) ip link set dev "$interface" up ;;
BOUND | RENEW | REBIND | REBOOT)
	if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
		ip -4 addr flush dev "$interface"
	fi
	ip addr replace "$new_ip_address/$new_subnet_mask" broadcast + dev "$interface"
	;;
EXPIRE | FAIL | RELEASE | STOP) ip -4 addr flush dev "$interface" ;;
esac
exit 0
EOF
	chmod 755 "$tmp/dhclient-script"
	: >"$tmp/dhclient.conf"
}
# party_dhcp N: a DHCP lease for player N's lp0 (dhclient in the foreground,
# kept by PID); waits for the address. Sets pN_ip.
party_dhcp() {
	local n=$1 ip
	party_dhcp_script
	ip netns exec "$tag-p$n" dhclient -d -1 -v -cf "$tmp/dhclient.conf" -sf "$tmp/dhclient-script" \
		-pf "$tmp/dhc-p$n.pid" -lf "$tmp/dhc-p$n.leases" lp0 >"$tmp/dhclient-p$n.log" 2>&1 &
	printf -v "dhc${n}_pid" %s "$!"
	pids+=("$!")
	wait_for 30 party_has_addr "p$n" || fail "player $n got no DHCP lease within 30 s: $(cat "$tmp/dhclient-p$n.log")"
	ip=$(ip -n "$tag-p$n" -j -4 addr show dev lp0 | jq -r '.[0].addr_info[0].local')
	printf -v "p${n}_ip" %s "$ip"
}
party_has_addr() { # SHORT: lp0 has an IPv4 address
	ip -n "$tag-$1" -4 -br addr show dev lp0 | grep -q '10\.77\.0\.'
}
# party_undhcp N: ends player N's dhclient and removes its address.
party_undhcp() {
	local n=$1 pid pid_var
	pid_var="dhc${n}_pid"
	pid=${!pid_var}
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	forget "$pid"
	ip -n "$tag-p$n" -4 addr flush dev lp0
	rm -f "$tmp/dhc-p$n.leases"
}

# $tmp/net.py: the test's own small network tools (python3, no packages).
#   respond IFNAME PORT[:GROUP]...   answer every datagram with "ack PAYLOAD"
#                                    unicast (joins GROUP on IFNAME)
#   probe IFNAME DST PORT PAYLOAD IP...  send PAYLOAD to DST:PORT every 0.3 s
#                                    until each IP answered (exit 1 after 6 s)
#   sink PORT FILE                   accept one TCP connection, save it
#   send IP PORT FILE                send FILE over TCP
#   sniff IFNAME SECONDS MAC         count UDP frames from source port 67 sent
#                                    by MAC (AF_PACKET)
party_write_net_py() {
	cat >"$tmp/net.py" <<'EOF'
import select, socket, struct, sys, time

def mreqn(group, ifname):
    return struct.pack('4s4si', socket.inet_aton(group), socket.inet_aton('0.0.0.0'),
                       socket.if_nametoindex(ifname))

def respond(ifname, specs):
    socks = []
    for spec in specs:
        port, _, group = spec.partition(':')
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.bind(('', int(port)))
        if group:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn(group, ifname))
        socks.append(s)
    print('ready', flush=True)
    while True:
        for s in select.select(socks, [], [])[0]:
            data, peer = s.recvfrom(2048)
            print('got', s.getsockname()[1], data.decode(errors='replace'), peer[0], flush=True)
            s.sendto(b'ack ' + data, peer)

def probe(ifname, dst, port, payload, want):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    if socket.inet_aton(dst)[0] >> 4 == 14:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn(dst, ifname))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    want, got = set(want), set()
    end = time.monotonic() + 6
    nxt = 0
    while not want <= got and time.monotonic() < end:
        if time.monotonic() >= nxt:
            s.sendto(payload.encode(), (dst, int(port)))
            nxt = time.monotonic() + 0.3
        if select.select([s], [], [], 0.05)[0]:
            data, peer = s.recvfrom(2048)
            if data == b'ack ' + payload.encode():
                got.add(peer[0])
    print('answered by', ' '.join(sorted(got)) or 'nobody', flush=True)
    sys.exit(0 if want <= got else 1)

def sink(port, path):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('', int(port)))
    ls.listen(1)
    print('ready', flush=True)
    c, _ = ls.accept()
    with open(path, 'wb') as f:
        while True:
            b = c.recv(65536)
            if not b:
                break
            f.write(b)

def send(ip, port, path):
    c = socket.create_connection((ip, int(port)), timeout=20)
    with open(path, 'rb') as f:
        c.sendall(f.read())
    c.shutdown(socket.SHUT_WR)
    c.settimeout(20)
    c.recv(1)

def sniff(ifname, secs, mac):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((ifname, 0))
    mac = bytes.fromhex(mac.replace(':', ''))
    n = 0
    print('ready', flush=True)
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        if not select.select([s], [], [], 0.1)[0]:
            continue
        f, addr = s.recvfrom(65535)
        if addr[2] == socket.PACKET_OUTGOING or len(f) < 14 + 28:
            continue
        ihl = (f[14] & 15) * 4
        if f[6:12] == mac and f[23] == 17 and struct.unpack('!H', f[14 + ihl:16 + ihl])[0] == 67:
            n += 1
    print(n, flush=True)

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == 'respond': respond(args[0], args[1:])
elif cmd == 'probe': probe(args[0], args[1], args[2], args[3], args[4:])
elif cmd == 'sink': sink(*args)
elif cmd == 'send': send(*args)
elif cmd == 'sniff': sniff(*args)
EOF
}
