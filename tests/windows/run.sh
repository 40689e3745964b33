#!/bin/bash
# Runs the Windows client's tests under wine (make windows-test):
#   run.sh EXE TEST.exe...
# 1. the exe imports only Windows system DLLs (one static exe, nothing to ship);
# 2. the exe starts under wine and answers --version, --help, bad flags,
#    `status` and `service` usage as documented;
# 3. each cmocka test exe, counted by tests/run-unit.sh (LABEL=windows).
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

cleanup() { wineserver -k >/dev/null 2>&1 || true; }
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
	local code=$1 pattern=$2 rc=0 out=$build/tests/exe.out
	shift 2
	run_exe "$out" "$exe" "$@" || rc=$?
	[ "$rc" = "$code" ] || fail "lanparty-client.exe $* exited $rc, expected $code: $(head -c 400 "$out")"
	grep -q -- "$pattern" "$out" || fail "lanparty-client.exe $* did not print '$pattern': $(head -c 400 "$out")"
	echo "  lanparty-client.exe $*: exit $rc, '$pattern'"
}

mkdir -p "$build/tests"
expect 0 "lanparty-client" --version
expect 0 "--no-firewall-profile" --help
expect 2 "invite" --tap Party
expect 2 "invite must start with lanparty://" --invite "bogus"
expect 2 "service install --invite" service
expect 2 "lanparty-client" service install --bogus-flag
expect 1 "service manager starts" service run

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
