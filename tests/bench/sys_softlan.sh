# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with bench.sh
# softlan: lanparty-relay in the relay namespace, lanparty-gateway on the
# gateway box's lan0 (AF_PACKET), lanparty-client in the player namespace
# with its TAP lp0 on a static address; release binaries ($bench_bin).

start_softlan() {
	local d=$tmp
	head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$d/token"
	ip netns exec "$tag-relay" "$bench_bin/lanparty-relay" --data-dir "$d/relay" \
		--listen "$bench_relay_ip:4433" --api-listen "https://$bench_relay_ip:4433" \
		--api-listen http://127.0.0.1:8080 --admin-token-file "$d/token" \
		--public-host "$bench_relay_ip" >"$d/relay.log" 2>&1 &
	sys_pid_relay=$!
	pids+=("$!")
	wait_for 20 in_ns relay curl -sf --max-time 2 http://127.0.0.1:8080/healthz ||
		bench_fail "softlan: the relay did not answer /healthz: $(tail -5 "$d/relay.log")"
	in_ns relay curl -sf --max-time 5 -H "Authorization: Bearer $(cat "$d/token")" \
		http://127.0.0.1:8080/api/v1/rooms -X POST -d '{"name":"bench","max_clients":8}' \
		>"$d/room.json" || bench_fail "softlan: creating the room"
	jq -r .invites.gateway "$d/room.json" >"$d/gateway.invite"
	jq -r .invites.client "$d/room.json" >"$d/client.invite"
	sys_rss_before=$(bench_rss "$sys_pid_relay")

	ip netns exec "$tag-gw" "$bench_bin/lanparty-gateway" --invite-file "$d/gateway.invite" \
		--interface lan0 --status-file "$d/gw.status" >"$d/gateway.log" 2>&1 &
	sys_pid_gateway=$!
	pids+=("$!")
	ip netns exec "$tag-p1" "$bench_bin/lanparty-client" --invite-file "$d/client.invite" \
		--tap lp0 --address "$bench_player_lan" --name bench --state-dir "$d/p1.state" \
		--status-file "$d/p1.status" >"$d/client.log" 2>&1 &
	sys_pid_client=$!
	pids+=("$!")
	wait_for 20 softlan_connected gateway "$d/gw.status" ||
		bench_fail "softlan: the gateway did not connect: $(tail -5 "$d/gateway.log")"
	wait_for 20 softlan_connected client "$d/p1.status" ||
		bench_fail "softlan: the player did not connect: $(tail -5 "$d/client.log")"
	sys_target=$bench_lan_host
	sys_client_dev=lp0
	sys_metrics_token=$(cat "$d/token")
	sys_version="softlan $("$bench_bin/lanparty-relay" --version | head -1) ($(git rev-parse --short HEAD 2>/dev/null))"
	bench_overlay_ready
	sys_members=2
	sys_rss_after=$(bench_rss "$sys_pid_relay")
}
softlan_connected() { # gateway|client STATUS-FILE
	"$bench_bin/lanparty-$1" status --status-file "$2" 2>/dev/null | grep -q '^state *connected'
}
