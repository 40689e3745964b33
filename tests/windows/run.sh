#!/bin/bash
# Runs the Windows client's tests under wine (make windows-test):
#   run.sh EXE TEST.exe...
# 1. the exe imports only Windows system DLLs (one static exe, nothing to ship);
# 2. the exe starts under wine and answers --version, --help, bad flags and
#    `service` usage as documented, and with a real invite fetches the room
#    config and says that no TAP adapter is installed;
# 3. each cmocka test exe, counted by tests/run-unit.sh (LABEL=windows);
#    test_win_join joins a room of the real relay (RELAY_BIN, the Linux
#    build) started here on loopback, with the invite in LP_TEST_INVITE.
# wine runs in a prefix of its own under WIN_BUILD, started once with its
# output redirected (its helper processes would otherwise hold our pipes
# open) and stopped at the end, also on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

exe=$1
shift
build=$(cd "${WIN_BUILD:-build/win64}" && pwd)
export WINEPREFIX=$build/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export WINEARCH=win64
mkdir -p "$WINEPREFIX"

relay_dir=$(mktemp -d /tmp/lpwin.XXXXXX)
relay_pid=
cleanup() {
	wineserver -k >/dev/null 2>&1 || true
	if [ -n "$relay_pid" ]; then
		kill -TERM "$relay_pid" 2>/dev/null
		wait "$relay_pid" 2>/dev/null
	fi
	rm -rf "$relay_dir"
}
trap cleanup EXIT INT TERM

fail() {
	echo "windows-test: FAIL: $*" >&2
	exit 1
}

# ---------------------------------------------------------------- imports
# Windows' own DLLs (and the api-ms-win-* sets that resolve to them).
system_dlls=" advapi32.dll bcrypt.dll crypt32.dll iphlpapi.dll kernel32.dll msvcrt.dll "
system_dlls+="ncrypt.dll ole32.dll oleaut32.dll rpcrt4.dll secur32.dll shell32.dll user32.dll "
system_dlls+="winmm.dll ws2_32.dll "
imports=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^[[:space:]]*DLL Name: //p' |
	tr 'A-Z' 'a-z' | sort -u)
[ -n "$imports" ] || fail "$exe: no imports found"
for dll in $imports; do
	case "$system_dlls" in
	*" $dll "*) ;;
	api-ms-win-*) ;;
	*) fail "$exe imports $dll, which is not a Windows system DLL" ;;
	esac
done
echo "  $(basename "$exe"): $(du -h "$exe" | cut -f1), imports only system DLLs: $(echo $imports)"

# ---------------------------------------------------------------- wine
wineserver -p </dev/null >/dev/null 2>&1
wine wineboot </dev/null >/dev/null 2>&1 || true

# run_exe OUT EXE ARGS...: output (CR stripped) into OUT, exit status returned.
run_exe() {
	local out=$1 rc=0
	shift
	wine "$@" </dev/null >"$out.raw" 2>&1 || rc=$?
	tr -d '\r' <"$out.raw" >"$out"
	return $rc
}

# expect CODE PATTERN ARGS...: the exe exits with CODE and prints PATTERN.
expect() {
	local code=$1 pattern=$2 rc=0 out=$build/tests/exe.out shown
	shift 2
	# the room code is a secret, also a test room's: never in the output
	shown="$*"
	[ -n "${LP_TEST_INVITE:-}" ] && shown=${shown//"$LP_TEST_INVITE"/INVITE}
	run_exe "$out" "$exe" "$@" || rc=$?
	[ "$rc" = "$code" ] || fail "lanparty-client.exe $shown exited $rc, expected $code: $(head -c 400 "$out")"
	grep -q -- "$pattern" "$out" || fail "lanparty-client.exe $shown did not print '$pattern': $(head -c 400 "$out")"
	echo "  lanparty-client.exe $shown: exit $rc, '$pattern'"
}

mkdir -p "$build/tests"
expect 0 "lanparty-client" --version
expect 0 "--no-firewall-profile" --help
expect 2 "invite" --tap Party
expect 2 "invite must start with lanparty://" --invite "bogus"
expect 2 "service install --invite" service
expect 2 "lanparty-client" service install --bogus-flag
expect 1 "service manager starts" service run

# ---------------------------------------------------------------- a relay
# The real relay on loopback for test_win_join: QUIC and its HTTPS API on one
# port (UDP and TCP), the admin API on another, a room and its client invite.
relay_bin=${RELAY_BIN:-build/bin/lanparty-relay}
port_free() { ! ss -Haun "sport = :$1" | grep -q . && ! ss -Hatn "sport = :$1" | grep -q .; }
for try in 1 2 3 4 5 6 7 8; do
	qport=$((20000 + RANDOM % 20000))
	aport=$((qport + 1))
	port_free "$qport" && port_free "$aport" && break
done
head -c 24 /dev/urandom | base64 | tr -d '=+/' >"$relay_dir/token"
"$relay_bin" --data-dir "$relay_dir/data" --listen "127.0.0.1:$qport" \
	--api-listen "https://127.0.0.1:$qport" --api-listen "http://127.0.0.1:$aport" \
	--admin-token-file "$relay_dir/token" --public-host 127.0.0.1 >"$relay_dir/relay.log" 2>&1 &
relay_pid=$!
for i in $(seq 50); do
	curl -sf --max-time 1 "http://127.0.0.1:$aport/healthz" >/dev/null && break
	[ "$i" = 50 ] && fail "the relay did not start: $(tail -5 "$relay_dir/relay.log")"
	sleep 0.2
done
LP_TEST_INVITE=$(curl -sf --max-time 5 -H "Authorization: Bearer $(cat "$relay_dir/token")" \
	"http://127.0.0.1:$aport/api/v1/rooms" -X POST -d '{"name":"wine","max_clients":4}' |
	jq -r .invites.client)
case "$LP_TEST_INVITE" in
lanparty://127.0.0.1:*) ;;
*) fail "no client invite from the relay: $LP_TEST_INVITE" ;;
esac
export LP_TEST_INVITE
# The exe's whole start-up against it: the room config over HTTPS with the
# pin, then the adapter search, which finds no tap-windows6 under wine.
expect 1 "no TAP adapter is installed: install tap-windows6" --invite "$LP_TEST_INVITE"
grep -q "room_config room=wine" "$build/tests/exe.out" ||
	fail "the exe did not fetch the room config: $(cat "$build/tests/exe.out")"

# ---------------------------------------------------------------- unit tests
wrappers=()
mkdir -p "$build/tests/run"
for t in "$@"; do
	w=$build/tests/run/$(basename "$t" .exe)
	printf '#!/bin/bash\nset -o pipefail\nwine %q </dev/null 2>&1 | tr -d "\\r"\n' \
		"$(cd "$(dirname "$t")" && pwd)/$(basename "$t")" >"$w"
	chmod +x "$w"
	wrappers+=("$w")
done
LABEL=windows tests/run-unit.sh "${wrappers[@]}"
