#!/bin/bash
# The player's own routes survive the party's DHCP (issue 8, its Linux part).
#
# Player 1 has its own internet: a default route via 10.98.0.254 on wan0
# with metric 100 (what NetworkManager gives a wired link). It joins the
# party, then takes a lease on its party device with dhclient and Debian's
# stock dhclient-script, which installs the party router (dnsmasq's router
# option, 10.77.0.1) as a default route with metric 0: the trap that sends a
# player's internet traffic into the party. Checked, one PASS/FAIL line
# each: the client pins the relay's host route (proto 76) before anything;
# the party's default route is removed within seconds and the player's own
# stays as it was; the relay's pin stays; the connection to the relay
# survives (no reconnect) and the party LAN answers through the tunnel; a
# lease renewal that installs the route again is handled the same; at exit
# the pin goes and the player's own default route is still there.
# Topology and helpers: tests/e2e/party.sh. Needs root.
set -eu

cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/party.sh
. tests/e2e/party.sh
party_init lproutes

# dhclient's stock script writes /etc/resolv.conf: inside `ip netns exec` the
# file /etc/netns/NS/resolv.conf is mounted over it, so the machine's own is
# never touched (MACHINE-FACTS.md). A symlinked /etc/resolv.conf would be
# followed out of that mount: refuse rather than risk the machine's file.
[ ! -L /etc/resolv.conf ] || { echo "FAIL: /etc/resolv.conf is a symlink"; exit 1; }
netns_etc=
routes_cleanup() {
	local rc=$?
	[ -n "$netns_etc" ] && rm -rf "$netns_etc"
	(exit "$rc")
	party_cleanup
}
trap routes_cleanup EXIT

own_default="default via 10.98.0.254 dev wan0 metric 100"
relay_ip=${party_ip[relay]}

p1_routes() { ip -n "$tag-p1" route show "$@"; }
# the route the kernel picks for DST in p1: "DEV GATEWAY"
p1_path() { ip -n "$tag-p1" -j route get "$1" | jq -r '.[0] | "\(.dev) \(.gateway // "-")"'; }
p1_defaults() { p1_routes default | sed 's/ *$//' | sort; }
no_party_default() { ! p1_routes default | grep -q 'dev lp0'; }
p1_status() { "$cl_bin" status --status-file "$tmp/p1.status"; }
# "agent     pid 123, 0 reconnects, updated 1 s ago"
reconnects() { p1_status | sed -n 's/^agent .*pid [0-9]*, \([0-9]*\) reconnect.*/\1/p'; }

# ---------------------------------------------------------------- the party
party_topology
ip -n "$tag-p1" route add default via 10.98.0.254 dev wan0 metric 100
party_relay
party_room
party_gateway
party_player 1
[ "$(p1_defaults)" = "$own_default" ] || fail "p1's default routes: $(p1_defaults)"
p1_routes proto 76 | grep -q "^$relay_ip dev wan0" ||
	fail "no pinned host route to the relay: $(p1_routes proto 76)"
[ "$(p1_path "$relay_ip")" = "wan0 -" ] || fail "relay path: $(p1_path "$relay_ip")"
rc0=$(reconnects)
[ -n "$rc0" ] || fail "no reconnect count in the status: $(p1_status)"
pass "player 1 connected; relay $relay_ip pinned on wan0 (proto 76); own default route: $own_default"

# ---------------------------------------------------------------- the lease
netns_etc=/etc/netns/$tag-p1
mkdir -p "$netns_etc"
: >"$netns_etc/resolv.conf"
ip netns exec "$tag-p1" dhclient -d -1 -v -pf "$tmp/dhc-stock.pid" -lf "$tmp/dhc-stock.leases" \
	lp0 >"$tmp/dhclient-stock.log" 2>&1 &
dhc_pid=$!
pids+=("$dhc_pid")
wait_for 30 party_has_addr p1 || fail "no DHCP lease on lp0 in 30 s: $(cat "$tmp/dhclient-stock.log")"
p1_ip=$(ip -n "$tag-p1" -j -4 addr show dev lp0 | jq -r '.[0].addr_info[0].local')
grep -q 'option routers 10.77.0.1;' "$tmp/dhc-stock.leases" ||
	fail "the lease carries no router: $(cat "$tmp/dhc-stock.leases")"
grep -q 'nameserver 10.77.0.1' "$netns_etc/resolv.conf" ||
	fail "dhclient-script did not write the namespace's resolv.conf"
# The script did install the party's route: the client removes it.
wait_for 6 grep -q 'party_default_route_removed dst=0.0.0.0/0' "$tmp/p1.log" ||
	fail "the client did not remove the party's default route: $(p1_routes)"
wait_for 6 no_party_default || fail "a default route through lp0 is left: $(p1_routes default)"
pass "lease $p1_ip with router 10.77.0.1 taken by dhclient's stock script; the party's default route was removed"

[ "$(p1_defaults)" = "$own_default" ] || fail "p1's default routes now: $(p1_defaults)"
[ "$(p1_path 198.51.100.7)" = "wan0 10.98.0.254" ] ||
	fail "internet traffic leaves through $(p1_path 198.51.100.7)"
p1_routes proto 76 | grep -q "^$relay_ip dev wan0" || fail "the relay's pin is gone: $(p1_routes)"
[ "$(p1_path "$relay_ip")" = "wan0 -" ] || fail "relay path now: $(p1_path "$relay_ip")"
pass "own default route unchanged ($own_default), internet via 10.98.0.254, relay still pinned on wan0"

# ---------------------------------------------------------------- the connection
out=$(in_ns p1 ping -c 3 -i 0.2 -W 2 "$lan_host_ip" 2>&1) || fail "ping the LAN host: $out"
echo "$out" | grep -q ' 3 received' || fail "ping the LAN host lost replies: $out"
p1_status | grep -q '^state *connected' || fail "player 1 is not connected: $(p1_status)"
[ "$(reconnects)" = "$rc0" ] || fail "player 1 reconnected meanwhile: $(p1_status)"
pass "connection to the relay survived (no reconnect); LAN host $lan_host_ip answers through the tunnel"

# ---------------------------------------------------------------- a renewal
# Whatever puts it back (a renewal, NetworkManager) meets the same guard.
n0=$(grep -c 'party_default_route_removed dst=0.0.0.0/0' "$tmp/p1.log")
ip -n "$tag-p1" route add default via 10.77.0.1 dev lp0
wait_for 6 no_party_default || fail "the re-added party default route stayed: $(p1_routes default)"
n1=$(grep -c 'party_default_route_removed dst=0.0.0.0/0' "$tmp/p1.log")
[ "$n1" -gt "$n0" ] || fail "no log line for the second removal"
[ "$(p1_defaults)" = "$own_default" ] || fail "p1's default routes: $(p1_defaults)"
pass "a party default route added again is removed again; own default route still in place"

# ---------------------------------------------------------------- exit
kill -TERM "$dhc_pid"
wait "$dhc_pid" 2>/dev/null || true
forget "$dhc_pid"
kill -TERM "$p1_pid"
wait "$p1_pid" || fail "the client exited $? after SIGTERM"
forget "$p1_pid"
[ -z "$(p1_routes proto 76)" ] || fail "routes of the client are left: $(p1_routes proto 76)"
[ "$(p1_defaults)" = "$own_default" ] || fail "p1's default routes after exit: $(p1_defaults)"
pass "at exit the relay's pin is removed and the player's own default route is as before"
