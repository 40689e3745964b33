#!/bin/bash
# The whole LAN party in network namespaces (issue 5): relay, gateway on the
# party LAN (LAN host with dnsmasq as the party's DHCP server), two players
# with lanparty-client. Topology and helpers: tests/e2e/party.sh.
#
# Scenarios, one PASS/FAIL line each: DHCP leases through the tunnel; ARP
# and ping player<->LAN host and player<->player; broadcast discovery with
# unicast answers both ways; mDNS and SSDP multicast both ways; 1472-byte
# don't-fragment pings and 8 MiB TCP transfers player <-> LAN host (sha256);
# a rogue DHCP server on a player reaches nobody and counts as
# drops.dhcp_server; orderly SIGTERM with no sanitizer report. Needs root.
# Logs of the last run: build/e2e/party/.
set -eu

cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/party.sh
. tests/e2e/party.sh
party_init lpparty

# ---------------------------------------------------------------- the party
party_topology
party_relay
party_room
party_gateway
party_player 1
party_player 2
pass "party up: relay, room $room, gateway, players $p1_mac and $p2_mac connected"

# ---------------------------------------------------------------- 1. DHCP
party_dhcp 1
party_dhcp 2
[ "$p1_ip" != "$p2_ip" ] || fail "both players got $p1_ip"
for n in 1 2; do
	grep -q "dhcp-server-identifier $lan_host_ip;" "$tmp/dhc-p$n.leases" ||
		fail "player $n's lease is not from $lan_host_ip: $(cat "$tmp/dhc-p$n.leases")"
	grep -qi "$(eval echo "\$p${n}_mac")" "$tmp/lan.leases" ||
		fail "dnsmasq has no lease for player $n: $(cat "$tmp/lan.leases")"
	in_ns "p$n" ip route | grep -q '^default' && fail "player $n got a default route"
done
pass "DHCP: player 1 got $p1_ip, player 2 got $p2_ip from the LAN's dnsmasq (no default route)"

# ---------------------------------------------------------------- 2. ARP, ping
neigh_mac() { # SHORT IFACE ADDR
	ip -n "$tag-$1" -j neigh show "$3" dev "$2" |
		jq -r '.[0] | select(.lladdr != null) |
			select(.state | any(. == "FAILED" or . == "INCOMPLETE") | not) | .lladdr'
}
ping_ok() { # SHORT DST [ping flags]: 3 pings, every one answered
	local ns=$1 dst=$2 out
	shift 2
	out=$(in_ns "$ns" ping -c 3 -i 0.2 -W 2 "$@" "$dst" 2>&1) ||
		fail "ping${*:+ $*} $dst from $ns: $out"
	echo "$out" | grep -q ' 3 received' || fail "ping${*:+ $*} $dst from $ns lost replies: $out"
}
flush_neigh() {
	ip -n "$tag-p1" neigh flush dev lp0
	ip -n "$tag-p2" neigh flush dev lp0
	ip -n "$tag-host" neigh flush dev eth0
}
# ping_arp FROM-SHORT FROM-IF DST WANT-MAC
ping_arp() {
	local got
	flush_neigh
	ping_ok "$1" "$3"
	got=$(neigh_mac "$1" "$2" "$3")
	[ "$got" = "$4" ] || fail "ARP on $1 for $3: want $4, got '$got'"
}
ping_arp p1 lp0 "$lan_host_ip" "$host_mac"
ping_arp p2 lp0 "$lan_host_ip" "$host_mac"
ping_arp host eth0 "$p1_ip" "$p1_mac"
ping_arp host eth0 "$p2_ip" "$p2_mac"
ping_arp p1 lp0 "$p2_ip" "$p2_mac"
ping_arp p2 lp0 "$p1_ip" "$p1_mac"
pass "ARP and ping: players <-> LAN host, player 1 <-> player 2"

# ---------------------------------------------------------------- 3./4. discovery
# A responder per node answers every datagram unicast: broadcast on 7778,
# mDNS 224.0.0.251:5353 and SSDP 239.255.255.250:1900 (groups joined on the
# party device).
respond() { # SHORT IFNAME
	ip netns exec "$tag-$1" python3 -u "$tmp/net.py" respond "$2" 7778 5353:224.0.0.251 \
		1900:239.255.255.250 >"$tmp/respond-$1.log" 2>&1 &
	pids+=("$!")
	wait_for 5 grep -q ready "$tmp/respond-$1.log" || fail "responder in $1: $(cat "$tmp/respond-$1.log")"
}
respond host eth0
respond p1 lp0
respond p2 lp0
probe() { # SHORT IFNAME DST PORT WANT-IP...
	local ns=$1 ifname=$2 dst=$3 port=$4 out
	shift 4
	out=$(in_ns "$ns" python3 "$tmp/net.py" probe "$ifname" "$dst" "$port" "from-$ns-$dst" "$@" 2>&1) ||
		fail "$dst:$port from $ns: want answers from $*, $out"
}
probe p1 lp0 255.255.255.255 7778 "$lan_host_ip" "$p2_ip"
probe p1 lp0 10.77.0.255 7778 "$lan_host_ip" "$p2_ip"
probe p2 lp0 255.255.255.255 7778 "$lan_host_ip" "$p1_ip"
probe p2 lp0 10.77.0.255 7778 "$lan_host_ip" "$p1_ip"
probe host eth0 255.255.255.255 7778 "$p1_ip" "$p2_ip"
probe host eth0 10.77.0.255 7778 "$p1_ip" "$p2_ip"
pass "broadcast discovery: 255.255.255.255 and 10.77.0.255 from each player and the LAN host reach the other two; unicast answers return"

probe p1 lp0 224.0.0.251 5353 "$lan_host_ip" "$p2_ip"
probe p2 lp0 224.0.0.251 5353 "$lan_host_ip" "$p1_ip"
probe host eth0 224.0.0.251 5353 "$p1_ip" "$p2_ip"
probe p1 lp0 239.255.255.250 1900 "$lan_host_ip" "$p2_ip"
probe p2 lp0 239.255.255.250 1900 "$lan_host_ip" "$p1_ip"
probe host eth0 239.255.255.250 1900 "$p1_ip" "$p2_ip"
pass "multicast: mDNS 224.0.0.251:5353 and SSDP 239.255.255.250:1900 from each player and the LAN host reach the other two; unicast answers return"

# ---------------------------------------------------------------- 6. full size
ping_ok p1 "$lan_host_ip" -M 'do' -s 1472
ping_ok host "$p1_ip" -M 'do' -s 1472
ping_ok p1 "$p2_ip" -M 'do' -s 1472
ping_ok p2 "$p1_ip" -M 'do' -s 1472
pass "ping -M do -s 1472 (1500-byte packets) player <-> LAN host and player <-> player"

head -c 8388608 /dev/urandom >"$tmp/blob"
ip netns exec "$tag-host" python3 -u "$tmp/net.py" sink 7000 "$tmp/blob.recv" >"$tmp/sink.log" 2>&1 &
sink_pid=$!
pids+=("$sink_pid")
wait_for 5 grep -q ready "$tmp/sink.log" || fail "TCP sink on the LAN host did not start"
tx0=$SECONDS
p1 timeout 30 python3 "$tmp/net.py" send "$lan_host_ip" 7000 "$tmp/blob" ||
	fail "sending 8 MiB player 1 -> LAN host"
wait "$sink_pid" || fail "TCP sink: $(cat "$tmp/sink.log")"
forget "$sink_pid"
want=$(sha256sum <"$tmp/blob" | cut -d' ' -f1)
got=$(sha256sum <"$tmp/blob.recv" | cut -d' ' -f1)
[ "$want" = "$got" ] || fail "8 MiB TCP transfer: sha256 $got, want $want ($(stat -c %s "$tmp/blob.recv") bytes)"
pass "8 MiB TCP player 1 -> LAN host intact, sha256 ${want:0:16}... ($((SECONDS - tx0)) s)"

# The other way: a download from the LAN, joined into super-frames on the
# player's TAP (client/tap_linux.c); the sha256 says the runs were right.
ip netns exec "$tag-p1" python3 -u "$tmp/net.py" sink 7001 "$tmp/blob.down" >"$tmp/sink.log" 2>&1 &
sink_pid=$!
pids+=("$sink_pid")
wait_for 5 grep -q ready "$tmp/sink.log" || fail "TCP sink on player 1 did not start"
tx0=$SECONDS
lanhost timeout 30 python3 "$tmp/net.py" send "$p1_ip" 7001 "$tmp/blob" ||
	fail "sending 8 MiB LAN host -> player 1"
wait "$sink_pid" || fail "TCP sink: $(cat "$tmp/sink.log")"
forget "$sink_pid"
got=$(sha256sum <"$tmp/blob.down" | cut -d' ' -f1)
[ "$want" = "$got" ] || fail "8 MiB TCP download: sha256 $got, want $want ($(stat -c %s "$tmp/blob.down") bytes)"
pass "8 MiB TCP LAN host -> player 1 intact ($((SECONDS - tx0)) s)"

# ---------------------------------------------------------------- 5. rogue DHCP
# Player 2 runs a DHCP server on its TAP (range outside the party's). Player
# 1 asks for a fresh lease while the LAN host and player 1 watch for DHCP
# server frames from player 2's MAC.
cat >"$tmp/rogue.conf" <<EOF
port=0
no-resolv
no-hosts
user=root
interface=lp0
bind-interfaces
dhcp-range=10.77.0.200,10.77.0.210,255.255.255.0,1h
dhcp-authoritative
dhcp-leasefile=$tmp/rogue.leases
pid-file=$tmp/rogue.pid
log-dhcp
EOF
ip netns exec "$tag-p2" dnsmasq --conf-file="$tmp/rogue.conf" --keep-in-foreground --log-facility=- \
	>"$tmp/rogue.log" 2>&1 &
pids+=("$!")
wait_for 5 grep -q "DHCP, IP range" "$tmp/rogue.log" || fail "rogue dnsmasq did not start: $(cat "$tmp/rogue.log")"
drops0=$(party_api "/api/v1/rooms/$room/stats" | jq .drops.dhcp_server)
for w in host:eth0 p1:lp0; do
	ip netns exec "$tag-${w%%:*}" python3 -u "$tmp/net.py" sniff "${w##*:}" 8 "$p2_mac" >"$tmp/sniff-${w%%:*}.log" 2>&1 &
	eval "sniff_${w%%:*}=$!"
	pids+=("$!")
	wait_for 5 grep -q ready "$tmp/sniff-${w%%:*}.log" || fail "sniffer in ${w%%:*}"
done
party_undhcp 1
party_dhcp 1
grep -q "dhcp-server-identifier $lan_host_ip;" "$tmp/dhc-p1.leases" ||
	fail "player 1's new lease is not from the LAN: $(cat "$tmp/dhc-p1.leases")"
# shellcheck disable=SC2154
for w in host p1; do
	eval "pid=\$sniff_$w"
	wait "$pid" || fail "sniffer in $w: $(cat "$tmp/sniff-$w.log")"
	forget "$pid"
	[ "$(tail -n 1 "$tmp/sniff-$w.log")" = 0 ] ||
		fail "$w saw $(tail -n 1 "$tmp/sniff-$w.log") DHCP server frames from player 2"
done
grep -q "DHCPOFFER(lp0)" "$tmp/rogue.log" ||
	fail "the rogue server never offered (test proves nothing): $(tail -n 20 "$tmp/rogue.log")"
drops1=$(party_api "/api/v1/rooms/$room/stats" | jq .drops.dhcp_server)
[ "$drops1" -gt "$drops0" ] || fail "drops.dhcp_server did not grow ($drops0 -> $drops1)"
pass "rogue DHCP server on player 2: its offers reach neither the LAN host nor player 1, player 1 leased $p1_ip from the LAN, drops.dhcp_server $drops0 -> $drops1"

# ---------------------------------------------------------------- orderly stop
stop() { # PID NAME: SIGTERM, exit 0 within 10 s
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
party_undhcp 1
party_undhcp 2
stop "$p1_pid" "player 1"
stop "$p2_pid" "player 2"
stop "$gw_pid" gateway
stop "$relay_pid" relay
for f in relay gateway p1 p2; do
	if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$tmp/$f.log"; then
		fail "sanitizer report in $f.log"
	fi
done
pass "SIGTERM: players, gateway and relay exit 0; no sanitizer reports"
echo "party: all checks passed in $((SECONDS - t0)) s"
