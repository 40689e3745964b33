# shellcheck shell=bash disable=SC2034,SC2154 # globals shared with bench.sh
# The ceiling: no overlay at all. The kernels forward IP along the same
# namespaces (player -> relay -> gateway box -> LAN host, topo.sh), so the
# "system" is the plain path itself and has no processes to measure.

start_plain() {
	sys_target=$bench_plain_host
	sys_client_dev=
	sys_version="kernel $(uname -r)"
	wait_for 5 in_ns p1 ping -c 1 -W 1 "$sys_target" ||
		bench_fail "plain path: no answer from $sys_target"
}
