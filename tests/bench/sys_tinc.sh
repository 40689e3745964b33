# shellcheck shell=bash disable=SC2016,SC2034,SC2154 # globals of bench.sh; tinc-up's $INTERFACE
# tinc 1.0 in switch mode, set up as in docs/MACHINE-FACTS.md: every node
# ConnectTo the relay node, and IndirectData = yes in the host files of the
# gateway box and the player, which forces all data through the relay node;
# RSA keys from tincd -K; the gateway box's tinc0 bridged with its LAN veth.
# tinc's defaults stay (cipher, digest, compression off).

tinc_node() { # NAME UP-SCRIPT-LINE TINC.CONF-LINES...
	local name=$1 up=$2 d="$tmp/tinc/$1"
	shift 2
	mkdir -p "$d/hosts"
	printf '%s\n' "Name = $name" "Mode = switch" "Interface = tinc0" "AddressFamily = ipv4" \
		"$@" >"$d/tinc.conf"
	printf '#!/bin/sh\n%s\n' "$up" >"$d/tinc-up"
	chmod 755 "$d/tinc-up"
	case $name in
	relay) printf 'Address = %s\nPort = 655\n' "$bench_relay_ip" ;;
	*) printf 'IndirectData = yes\n' ;;
	esac >"$d/hosts/$name"
	tincd -c "$d" -K2048 </dev/null >"$tmp/tinc-keygen-$name.log" 2>&1 ||
		bench_fail "tinc: key generation for $name: $(tail -3 "$tmp/tinc-keygen-$name.log")"
}

start_tinc() {
	local n m t="$tmp/tinc"
	tinc_node relay 'ip link set "$INTERFACE" up' "BindToAddress = $bench_relay_ip"
	tinc_node gw 'ip link set "$INTERFACE" master br0 up' "ConnectTo = relay"
	tinc_node p1 "ip addr add $bench_player_lan dev \"\$INTERFACE\" && ip link set \"\$INTERFACE\" up" \
		"ConnectTo = relay"
	# Every node knows every host file (keys, IndirectData).
	for n in relay gw p1; do
		for m in relay gw p1; do
			[ $n = $m ] || cp "$t/$m/hosts/$m" "$t/$n/hosts/$m"
		done
	done
	in_ns gw ip link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	in_ns gw ip link set lan0 master br0
	in_ns gw ip link set br0 up
	for n in relay gw p1; do
		ip netns exec "$tag-$n" tincd -c "$t/$n" -D --pidfile="$t/$n/pid" \
			>"$tmp/tinc-$n.log" 2>&1 &
		printf -v "sys_pid_$n" %s "$!"
		pids+=("$!")
		[ $n = relay ] && sys_rss_before=$(sleep 0.5; bench_rss "$sys_pid_relay")
	done
	# shellcheck disable=SC2154 # set by printf -v above
	sys_pid_gateway=$sys_pid_gw sys_pid_client=$sys_pid_p1
	sys_target=$bench_lan_host
	sys_client_dev=tinc0
	sys_version="$(tincd --version | head -1 | sed 's/ version//')"
	bench_overlay_ready
	sys_members=2
	sys_rss_after=$(bench_rss "$sys_pid_relay")
}
