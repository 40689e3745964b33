# shellcheck shell=bash disable=SC2034,SC2154 # globals of bench.sh and party.sh
# The benchmark's network, as a library to source (tests/bench/bench.sh): the
# party topology of tests/e2e (party_topology in tests/e2e/party.sh: relay,
# gateway box, players p1 and p2, the party LAN bridge and the LAN host with
# its DHCP server), plus a routed leg beside the LAN so that a plain IP path
# exists in every run. Only p1 plays; p2 and the DHCP server stay idle.
#
#                "internet" 10.98.0.0/24 (bridge inet, ns inet)
#     .1 wan0 ---------------- .2 wan0 ---------------- .3 wan0       (.4 p2)
#    ns relay                 ns gw                    ns p1
#    (relay of the system)    (gateway of the system)  (player: overlay device
#     forwards 10.78/24        lan0: the overlay's leg   10.77.0.50/24)
#     to .2 (plain path)       rt0 10.78.0.1 (plain leg)
#                                |        |
#    ns lan: bridge lan ------- gwp      gwr ------ hostp
#                                                    |
#    ns host: eth0 10.77.0.10/24 (LAN host, over the overlay)
#                  10.78.0.10/24 (the same host over the plain path)
#
# The plain path crosses the same namespaces and veths as the overlay:
# player -> relay -> gateway box -> LAN bridge -> LAN host, forwarded by the
# kernels (ICMP redirects off, the return route pinned through the relay).
# Names: lpbN-PID-NAME (N: the system's turn), so a benchmark never collides
# with a test. party_init's cleanup ends every kept PID (pids) and deletes
# the namespaces when the (sub)shell of one system exits.

bench_relay_ip=${party_ip[relay]}
bench_gw_ip=${party_ip[gw]}
bench_p1_ip=${party_ip[p1]}
bench_lan_host=$lan_host_ip
bench_plain_host=10.78.0.10
bench_player_lan=10.77.0.50/24

bench_sysctl() { # SHORT KEY=VALUE...
	local ns=$1
	shift
	in_ns "$ns" sysctl -qw "$@"
}

# bench_topology: the party's namespaces and links ($tag-NAME), then the
# plain leg.
bench_topology() {
	local n
	party_topology
	party_plug "$tag-lan" gwr "$tag-gw" rt0
	ip -n "$tag-lan" link set gwr master lan
	ip -n "$tag-host" addr add "$bench_plain_host/24" dev eth0
	ip -n "$tag-host" route add "${bench_p1_ip%.*}.0/24" via 10.78.0.1
	ip -n "$tag-gw" addr add 10.78.0.1/24 dev rt0
	# The plain path: player -> relay -> gateway box -> LAN host and back
	# the same way (without the /32 the gateway box would answer the
	# player directly across the internet bridge).
	ip -n "$tag-p1" route add 10.78.0.0/24 via "$bench_relay_ip"
	ip -n "$tag-relay" route add 10.78.0.0/24 via "$bench_gw_ip"
	ip -n "$tag-gw" route add "$bench_p1_ip/32" via "$bench_relay_ip"
	for n in relay gw; do
		bench_sysctl "$n" net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
			net.ipv4.conf.wan0.send_redirects=0
	done
	for n in p1 gw; do
		bench_sysctl "$n" net.ipv4.conf.all.accept_redirects=0 \
			net.ipv4.conf.wan0.accept_redirects=0
	done
	wait_for 5 party_links_up || bench_fail "links not up after 5 s"
}
