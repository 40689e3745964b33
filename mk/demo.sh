#!/bin/bash
# make demo: the whole LAN party of tests/e2e/test_party.sh in network
# namespaces, with the release binaries (build/bin): relay, gateway on the
# party LAN (LAN host 10.77.0.10 running dnsmasq as its DHCP server), two
# players that lease their addresses through the tunnel. Prints what to try,
# stays up until Ctrl-C, then ends every process and deletes every namespace.
# Needs root. Logs of the last demo: build/e2e/demo/.
set -eu

cd "$(dirname "$0")/.." || exit 1
export LP_BIN_DIR=${LP_BIN_DIR:-build/bin}
export PARTY_LOG_DIR=build/e2e/demo
# shellcheck source=tests/e2e/party.sh
. tests/e2e/party.sh
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (network namespaces): sudo make demo"; exit 1; }
party_init lpdemo
trap 'echo; echo "demo: cleaning up"; exit 0' INT TERM

echo "demo: building the party in namespaces $tag-*"
party_topology
party_relay
party_room
party_gateway
party_player 1
party_player 2
party_dhcp 1
party_dhcp 2
token=$(cat "$tmp/token")

cat <<EOF

  softlan demo: a LAN party in network namespaces (Ctrl-C ends it)

  relay      ns $tag-relay   QUIC 10.98.0.1:4433, room $room
             admin API: http://127.0.0.1:8080 inside that namespace
  gateway    ns $tag-gw      on the party LAN (bridge in ns $tag-lan)
  LAN host   ns $tag-host    10.77.0.10, dnsmasq hands out 10.77.0.100-150
  player 1   ns $tag-p1      lp0 $p1_ip ($p1_mac)
  player 2   ns $tag-p2      lp0 $p2_ip ($p2_mac)

  Try, as root in another terminal:

  # ping the LAN host and the other player through the relay
  ip netns exec $tag-p1 ping -c 3 10.77.0.10
  ip netns exec $tag-p1 ping -c 3 $p2_ip

  # a game-style broadcast: listen on player 2 and the LAN host, send from player 1
  ip netns exec $tag-p2 python3 -c 'import socket; s=socket.socket(2,2); s.bind(("",7778)); print(s.recvfrom(99))'
  ip netns exec $tag-host python3 -c 'import socket; s=socket.socket(2,2); s.bind(("",7778)); print(s.recvfrom(99))'
  ip netns exec $tag-p1 python3 -c 'import socket; s=socket.socket(2,2); s.setsockopt(1,6,1); s.sendto(b"hello party",("255.255.255.255",7778))'

  # the room's traffic and drop counters, and who is online
  ip netns exec $tag-relay curl -s -H "Authorization: Bearer $token" http://127.0.0.1:8080/api/v1/rooms/$room/stats | jq
  ip netns exec $tag-relay curl -s -H "Authorization: Bearer $token" http://127.0.0.1:8080/api/v1/rooms/$room/members | jq

  # the agents' own view
  $cl_bin status --status-file $tmp/p1.status
  $gw_bin status --status-file $tmp/gw.status

  Logs while it runs: $tmp/*.log (kept in $PARTY_LOG_DIR/ afterwards)

EOF
echo "demo: up; Ctrl-C to stop"
while :; do
	sleep 1 &
	wait $! || true
	for pid in "$relay_pid" "$gw_pid" "$p1_pid" "$p2_pid"; do
		kill -0 "$pid" 2>/dev/null || { echo "demo: a program ended (PID $pid); see $tmp/*.log"; exit 1; }
	done
done
