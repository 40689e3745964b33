#!/bin/bash
# The LAN party's safety, admission, kick/ban and resilience (issue 5), with
# the real binaries in network namespaces. Topology and helpers:
# tests/e2e/party.sh (same party as test_party.sh, plus a namespace p3 on
# the "internet" for extra agents; players get static addresses).
#
# Scenarios, one PASS/FAIL line each: an IPv6 RA, an STP BPDU and a frame
# with a spoofed source MAC from a player never reach the LAN host and count
# as drops.ipv6_ra / switch_control / spoofed_mac in the room's /stats (a
# plain broadcast sent the same way does arrive: the control); admission
# refusals with the agent's words (room full, second gateway, duplicate
# MAC: retried; unknown code, client code as gateway: exit 3); kick through
# the API (exit 3, gone from /members and from the LAN) and a ban (exit 3);
# the relay restarted: agents come back, traffic resumes, room and ban kept;
# a player killed with SIGKILL rejoins at once with its MAC. Needs root.
# Logs of the last run: build/e2e/party/.
set -eu

cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/party.sh
. tests/e2e/party.sh
party_init lpsafe

p1_addr=10.77.0.201
p2_addr=10.77.0.202

# ---------------------------------------------------------------- helpers
# $tmp/safety.py: raw frames on a party device and a sniffer.
#   send IFNAME KIND SRCMAC MARKER    one frame: ra (ICMPv6 router
#                                     advertisement to ff02::1), bpdu (STP,
#                                     01:80:c2:00:00:00, LLC), bcast (a
#                                     broadcast, ethertype 0x88b5)
#   sniff IFNAME SECONDS MARKER...    count received frames holding each
#                                     MARKER; prints "MARKER COUNT" lines
cat >"$tmp/safety.py" <<'EOF'
import select, socket, struct, sys, time

def mac(s):
    return bytes.fromhex(s.replace(':', ''))

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(kind, src, marker):
    m = marker.encode()
    if kind == 'ra':
        sip = socket.inet_pton(socket.AF_INET6, 'fe80::5:1')
        dip = socket.inet_pton(socket.AF_INET6, 'ff02::1')
        # An unknown option (253, experimental) carries the marker.
        opt = bytes([253, 2]) + m.ljust(14, b'\0')[:14]
        icmp = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 1800, 0, 0) + opt
        pseudo = sip + dip + struct.pack('!I3xB', len(icmp), 58)
        icmp = icmp[:2] + struct.pack('!H', csum(pseudo + icmp)) + icmp[4:]
        ip6 = struct.pack('!IHBB', 0x60000000, len(icmp), 58, 255) + sip + dip
        return mac('33:33:00:00:00:01') + src + b'\x86\xdd' + ip6 + icmp
    if kind == 'bpdu':
        bpdu = b'\x00\x00\x00\x00' + bytes(31) + m
        llc = b'\x42\x42\x03' + bpdu
        return mac('01:80:c2:00:00:00') + src + struct.pack('!H', len(llc)) + llc
    if kind == 'bcast':
        return (b'\xff' * 6 + src + b'\x88\xb5' + m).ljust(60, b'\0')
    raise SystemExit('unknown kind ' + kind)

def send(ifname, kind, src, marker):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    s.send(frame(kind, mac(src), marker))

def sniff(ifname, secs, markers):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifname, 0))
    n = {m: 0 for m in markers}
    print('ready', flush=True)
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        if not select.select([s], [], [], 0.1)[0]:
            continue
        f, addr = s.recvfrom(65535)
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        for m in markers:
            if m.encode() in f:
                n[m] += 1
    for m in markers:
        print(m, n[m], flush=True)

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == 'send': send(*args)
elif cmd == 'sniff': sniff(args[0], args[1], args[2:])
EOF

# A static address on player N's lp0 (DHCP is test_party's business).
player_addr() { # N ADDR
	ip -n "$tag-p$1" link set lp0 up
	ip -n "$tag-p$1" addr replace "$2/24" dev lp0
}
ping1() { # SHORT DST: one ping answered within a second
	in_ns "$1" ping -c 1 -W 1 "$2"
}
stat_drop() { # REASON: the room's drops.REASON
	party_api "/api/v1/rooms/$room/stats" | jq -e ".drops.$1"
}
members() { party_api "/api/v1/rooms/$room/members"; }
member_count() { # MAC: how many members hold MAC
	members | jq --arg m "$1" '[.members[] | select(.mac == $m)] | length'
}
# agent NAME SHORT BIN ARGS...: an agent in ns SHORT in the background, log
# $tmp/NAME.log; sets agent_pid.
agent_pid=
agent() {
	local name=$1 ns=$2 bin=$3
	shift 3
	ip netns exec "$tag-$ns" "$bin" "$@" --status-file "$tmp/$name.status" --log-level debug \
		>"$tmp/$name.log" 2>&1 &
	agent_pid=$!
	pids+=("$agent_pid")
}
# expect_exit NAME PID CODE SECONDS REGEX: the agent exits CODE within
# SECONDS and its log matches REGEX (grep -E -i).
expect_exit() {
	local name=$1 pid=$2 code=$3 deadline=$((SECONDS + $4)) rx=$5 rc=0
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "$name still runs after $4 s: $(tail -n 5 "$tmp/$name.log")"
	wait "$pid" || rc=$?
	forget "$pid"
	[ "$rc" -eq "$code" ] || fail "$name exited $rc, want $code: $(tail -n 5 "$tmp/$name.log")"
	grep -Eiq "$rx" "$tmp/$name.log" || fail "$name's log does not say /$rx/: $(tail -n 5 "$tmp/$name.log")"
}
# expect_log_then_stop NAME PID SECONDS REGEX: the (retrying) agent's log
# matches REGEX within SECONDS; then it is ended (SIGTERM).
expect_log_then_stop() {
	local name=$1 pid=$2 rx=$4
	wait_for "$3" grep -Eiq "$rx" "$tmp/$name.log" ||
		fail "$name's log does not say /$rx/ within $3 s: $(tail -n 5 "$tmp/$name.log")"
	kill -0 "$pid" 2>/dev/null || fail "$name exited, but this refusal is retried: $(tail -n 5 "$tmp/$name.log")"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	forget "$pid"
}

# ---------------------------------------------------------------- the party
party_topology
# p3: a spare machine on the "internet" for the refused agents, with a veth
# pair as a LAN interface for a second gateway.
party_namespaces+=("$tag-p3")
ip netns add "$tag-p3"
ip -n "$tag-p3" link set lo up
party_plug "$tag-inet" to-p3 "$tag-p3" wan0
ip -n "$tag-inet" link set to-p3 master inet
ip -n "$tag-p3" addr add 10.98.0.5/24 dev wan0
ip -n "$tag-p3" link add lan9 type veth peer name lan9p
ip -n "$tag-p3" link set lan9 up
ip -n "$tag-p3" link set lan9p up
wait_for 5 party_links_up || fail "links not up after 5 s"
party_relay
party_room
party_gateway
party_player 1
party_player 2
player_addr 1 "$p1_addr"
player_addr 2 "$p2_addr"
wait_for 10 ping1 p1 "$lan_host_ip" || fail "player 1 cannot ping the LAN host"
wait_for 10 ping1 p2 "$lan_host_ip" || fail "player 2 cannot ping the LAN host"
pass "party up: room $room, gateway, players $p1_mac ($p1_addr) and $p2_mac ($p2_addr) ping the LAN host"

# ---------------------------------------------------------------- 1. safety
mk="$$-$RANDOM"
spoof_mac=02:de:ad:be:ef:01
declare -A d0 d1
for r in ipv6_ra switch_control spoofed_mac; do
	d0[$r]=$(stat_drop "$r") || fail "no drops.$r in /stats"
done
lanhost python3 -u "$tmp/safety.py" sniff eth0 4 "RA$mk" "BPDU$mk" "SPOOF$mk" "OK$mk" \
	>"$tmp/sniff-safety.log" 2>&1 &
sniff_pid=$!
pids+=("$sniff_pid")
wait_for 5 grep -q ready "$tmp/sniff-safety.log" || fail "sniffer on the LAN host did not start"
for _ in 1 2 3; do
	p1 python3 "$tmp/safety.py" send lp0 ra "$p1_mac" "RA$mk"
	p1 python3 "$tmp/safety.py" send lp0 bpdu "$p1_mac" "BPDU$mk"
	p1 python3 "$tmp/safety.py" send lp0 bcast "$spoof_mac" "SPOOF$mk"
	p1 python3 "$tmp/safety.py" send lp0 bcast "$p1_mac" "OK$mk"
	sleep 0.2
done
wait "$sniff_pid" || fail "sniffer: $(cat "$tmp/sniff-safety.log")"
forget "$sniff_pid"
seen() { awk -v m="$1" '$1 == m { print $2 }' "$tmp/sniff-safety.log"; }
[ "$(seen "OK$mk")" -ge 1 ] ||
	fail "the control broadcast from player 1 never reached the LAN host (test proves nothing): $(cat "$tmp/sniff-safety.log")"
for m in RA BPDU SPOOF; do
	[ "$(seen "$m$mk")" = 0 ] || fail "the LAN host received $(seen "$m$mk") $m frames from player 1"
done
for r in ipv6_ra switch_control spoofed_mac; do
	wait_for 3 test "$(stat_drop "$r")" -gt "${d0[$r]}" || true
	d1[$r]=$(stat_drop "$r")
	[ "${d1[$r]}" -gt "${d0[$r]}" ] || fail "drops.$r did not grow (${d0[$r]} -> ${d1[$r]})"
done
pass "safety: RA, BPDU and spoofed-MAC frames from player 1 never reach the LAN host (a plain broadcast does, $(seen "OK$mk")x); drops.ipv6_ra ${d0[ipv6_ra]} -> ${d1[ipv6_ra]}, switch_control ${d0[switch_control]} -> ${d1[switch_control]}, spoofed_mac ${d0[spoofed_mac]} -> ${d1[spoofed_mac]}"

# ---------------------------------------------------------------- 2. admission
# The client limit: 2 players online, limit lowered to 2, a third one.
party_api "/api/v1/rooms/$room" -X PATCH -d '{"max_clients":2}' >/dev/null || fail "PATCH max_clients 2"
agent full p3 "$cl_bin" --invite-file "$tmp/client.invite" --tap t3 --name third \
	--state-dir "$tmp/full.state" --no-broadcast-routes
expect_log_then_stop full "$agent_pid" 15 'room party is full: 2 of 2'
party_api "/api/v1/rooms/$room" -X PATCH -d '{"max_clients":4}' >/dev/null || fail "PATCH max_clients 4"
pass "admission: a third player in a room with max_clients 2 is refused and told the room is full (retrying)"

agent gw2 p3 "$gw_bin" --invite-file "$tmp/gateway.invite" --interface lan9
expect_log_then_stop gw2 "$agent_pid" 15 'already has its LAN gateway connected'
pass "admission: a second gateway is refused with gateway_present (retrying)"

agent dupmac p3 "$cl_bin" --invite-file "$tmp/client.invite" --tap t4 --name dup --mac "$p1_mac" \
	--state-dir "$tmp/dupmac.state" --no-broadcast-routes
expect_log_then_stop dupmac "$agent_pid" 15 'already uses this MAC address'
[ "$(member_count "$p1_mac")" = 1 ] || fail "player 1's MAC is held by $(member_count "$p1_mac") members"
pass "admission: a duplicate MAC ($p1_mac) is refused with mac_in_use (retrying); player 1 keeps it"

# An unknown code that is well formed: a deleted room's client invite.
party_api /api/v1/rooms -X POST -d '{"name":"gone"}' >"$tmp/gone.json" || fail "creating room gone"
jq -r .invites.client "$tmp/gone.json" >"$tmp/gone.invite"
party_api "/api/v1/rooms/$(jq -r .id "$tmp/gone.json")" -X DELETE >/dev/null || fail "deleting room gone"
agent badcode p3 "$cl_bin" --invite-file "$tmp/gone.invite" --tap t5 --name bad \
	--state-dir "$tmp/badcode.state" --no-broadcast-routes
expect_exit badcode "$agent_pid" 3 15 'the invite code is unknown'
pass "admission: an unknown code ends the client with exit 3 and the words 'code is unknown'"

# The gateway refuses a player invite itself (exit 2, bad option); the same
# code given as --room reaches the relay, which names the other role.
agent wrongrole p3 "$gw_bin" --invite-file "$tmp/client.invite" --interface lan9
expect_exit wrongrole "$agent_pid" 2 10 'player invite'
inv=$(cat "$tmp/client.invite")
code=${inv#*/client/}
code=${code%%\?*}
pin=${inv#*pin=}
pin=${pin%%&*}
agent wrongrole2 p3 "$gw_bin" --relay 10.98.0.1:4433 --room "$code" --pin "$pin" --interface lan9
expect_exit wrongrole2 "$agent_pid" 3 15 'admits a player, but this is the gateway|other role'
pass "admission: a client code used as gateway: the invite refused locally (exit 2), the bare code refused by the relay (exit 3, other role)"

# ---------------------------------------------------------------- 3. kick, ban
p2_id=$(members | jq -r --arg m "$p2_mac" '.members[] | select(.mac == $m) | .id')
[ -n "$p2_id" ] || fail "player 2 ($p2_mac) is not in /members"
party_api "/api/v1/rooms/$room/members/$p2_id" -X DELETE >/dev/null || fail "DELETE member $p2_id"
expect_exit p2 "$p2_pid" 3 10 'removed you|kicked'
[ "$(member_count "$p2_mac")" = 0 ] || fail "player 2's MAC still in /members after the kick"
ping1 host "$p2_addr" >/dev/null 2>&1 && fail "the LAN host still reaches player 2 ($p2_addr) after the kick"
pass "kick: DELETE member $p2_id: player 2 logs it was removed, exits 3, its MAC leaves /members and the LAN"

party_api "/api/v1/rooms/$room/bans" -X POST -d "{\"mac\":\"$p2_mac\",\"reason\":\"e2e\"}" >/dev/null ||
	fail "POST ban $p2_mac"
agent p2-banned p2 "$cl_bin" --invite-file "$tmp/client.invite" --tap lp0 --name player2 \
	--state-dir "$tmp/p2.state"
expect_exit p2-banned "$agent_pid" 3 15 'banned'
grep -qi "$p2_mac" "$tmp/p2-banned.log" || echo "note: p2-banned.log does not name the MAC"
pass "ban: player 2 ($p2_mac) started again is refused: 'banned', exit 3"

# ---------------------------------------------------------------- 4. resilience
r0=$SECONDS
kill -TERM "$relay_pid"
rc=0
wait "$relay_pid" || rc=$?
forget "$relay_pid"
[ $rc -eq 0 ] || fail "the relay exited $rc after SIGTERM"
party_relay_start
wait_for 20 ping1 p1 "$lan_host_ip" || fail "player 1 -> LAN host does not ping within 20 s of the relay's restart"
wait_for 5 ping1 host "$p1_addr" || fail "LAN host -> player 1 does not ping after the relay's restart"
secs=$((SECONDS - r0))
[ $secs -le 17 ] || fail "traffic resumed only after $secs s"
[ "$(party_api "/api/v1/rooms/$room" | jq -r .name)" = party ] || fail "room $room lost in the restart"
party_api "/api/v1/rooms/$room/bans" | jq -e --arg m "$p2_mac" 'any(.. | objects | select(has("mac")); .mac == $m)' \
	>/dev/null || fail "the ban on $p2_mac lost in the restart: $(party_api "/api/v1/rooms/$room/bans")"
agent p2-banned2 p2 "$cl_bin" --invite-file "$tmp/client.invite" --tap lp0 --name player2 \
	--state-dir "$tmp/p2.state"
expect_exit p2-banned2 "$agent_pid" 3 15 'banned'
pass "relay restart: agents reconnect, ping player 1 <-> LAN host again after $secs s; room and ban kept (player 2 still 'banned')"

# The state dir keeps DEV.mac and DEV.resume (DEV = the TAP's name).
{ [ -s "$tmp/p1.state/lp0.mac" ] && [ -s "$tmp/p1.state/lp0.resume" ]; } ||
	fail "player 1's state dir lacks lp0.mac/lp0.resume: $(ls -la "$tmp/p1.state")"
kill -KILL "$p1_pid"
wait "$p1_pid" 2>/dev/null || true
forget "$p1_pid"
rm -f "$tmp/p1.status"
k0=$SECONDS
ip netns exec "$tag-p1" "$cl_bin" --invite-file "$tmp/client.invite" --tap lp0 --name player1 \
	--state-dir "$tmp/p1.state" --status-file "$tmp/p1.status" \
	--log-level debug >"$tmp/p1-again.log" 2>&1 &
p1_pid=$!
pids+=("$p1_pid")
wait_for 5 party_connected "$cl_bin" "$tmp/p1.status" ||
	fail "player 1 did not rejoin within 5 s after SIGKILL: $(tail -n 5 "$tmp/p1-again.log")"
grep -q 'resume_presented=yes' "$tmp/p1-again.log" ||
	fail "player 1 did not present its resume secret: $(grep -E 'hello_sent|welcome' "$tmp/p1-again.log")"
mac=$(ip -n "$tag-p1" -j link show lp0 | jq -r '.[0].address')
[ "$mac" = "$p1_mac" ] || fail "player 1 came back with $mac, want $p1_mac"
player_addr 1 "$p1_addr"
wait_for 5 ping1 p1 "$lan_host_ip" || fail "player 1 -> LAN host does not ping within 5 s of rejoining"
[ "$(member_count "$p1_mac")" = 1 ] || fail "/members holds $(member_count "$p1_mac") members with $p1_mac"
pass "SIGKILL: player 1 started again rejoins with $p1_mac (resume secret from lp0.resume) in $((SECONDS - k0)) s, one member with its MAC, ping works"

for f in relay gateway p1 p1-again; do
	if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$tmp/$f.log"; then
		fail "sanitizer report in $f.log"
	fi
done
echo "party safety: all checks passed in $((SECONDS - t0)) s"
