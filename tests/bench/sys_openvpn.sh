# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with bench.sh
# OpenVPN 2.6 in TAP mode, set up as in docs/MACHINE-FACTS.md: the server
# (mode server, tls-server, proto udp4, client-to-client) in the relay
# namespace; the gateway box and the player as clients (remote-cert-tls
# server) with certificates from an ECDSA P-256 CA made here; the gateway
# box's tap bridged with its LAN veth; the player's tap on the LAN subnet.
# OpenVPN's defaults stay (cipher negotiation, mssfix).

openvpn_pki() { # DIR
	local d=$1 n ext
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=bench-ca -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null || return 1
	for n in server gw p1; do
		ext=clientAuth
		[ $n = server ] && ext=serverAuth
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$n" \
			-keyout "$d/$n.key" -out "$d/$n.csr" 2>/dev/null || return 1
		printf 'keyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=%s\n' \
			$ext >"$d/$n.ext"
		openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
			-days 2 -extfile "$d/$n.ext" -out "$d/$n.crt" 2>/dev/null || return 1
	done
}

# openvpn_start SHORT NAME CONFIG-LINES...: openvpn in namespace SHORT on a
# persistent tap0 made beforehand; sets openvpn_pid.
openvpn_start() {
	local ns=$1 name=$2 d="$tmp/openvpn"
	shift 2
	{
		printf '%s\n' "$@"
		printf '%s\n' "dev tap0" "dev-type tap" "proto udp4" "ca $d/ca.crt" \
			"cert $d/$name.crt" "key $d/$name.key" "verb 3"
	} >"$d/$name.conf"
	ip netns exec "$tag-$ns" openvpn --config "$d/$name.conf" >"$tmp/openvpn-$name.log" 2>&1 &
	openvpn_pid=$!
	pids+=("$!")
}

start_openvpn() {
	local d="$tmp/openvpn" ns
	mkdir -p "$d"
	openvpn_pki "$d" || bench_fail "openvpn: making the certificates with openssl"
	for ns in relay gw p1; do
		in_ns "$ns" ip tuntap add dev tap0 mode tap
		in_ns "$ns" ip link set tap0 up
	done
	in_ns gw ip link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	in_ns gw ip link set lan0 master br0
	in_ns gw ip link set tap0 master br0
	in_ns gw ip link set br0 up
	in_ns p1 ip addr add "$bench_player_lan" dev tap0

	openvpn_start relay server "mode server" "tls-server" "dh none" "client-to-client" \
		"local $bench_relay_ip" "port 1194" "keepalive 10 60"
	sys_pid_relay=$openvpn_pid
	wait_for 10 grep -q "Initialization Sequence Completed" "$tmp/openvpn-server.log" ||
		bench_fail "openvpn: the server did not start: $(tail -5 "$tmp/openvpn-server.log")"
	sys_rss_before=$(bench_rss "$sys_pid_relay")
	openvpn_start gw gw "client" "nobind" "remote $bench_relay_ip 1194" "remote-cert-tls server"
	sys_pid_gateway=$openvpn_pid
	openvpn_start p1 p1 "client" "nobind" "remote $bench_relay_ip 1194" "remote-cert-tls server"
	sys_pid_client=$openvpn_pid
	for ns in gw p1; do
		wait_for 20 grep -q "Initialization Sequence Completed" "$tmp/openvpn-$ns.log" ||
			bench_fail "openvpn: $ns did not connect: $(tail -5 "$tmp/openvpn-$ns.log")"
	done
	sys_target=$bench_lan_host
	sys_client_dev=tap0
	sys_version="$(openvpn --version | head -1 | cut -d' ' -f1-2)"
	bench_overlay_ready
	sys_members=2
	sys_rss_after=$(bench_rss "$sys_pid_relay")
}
