#!/bin/sh
# Installs every build and test dependency of softlan on Debian 12 (as root).
# Idempotent: when everything is present it only checks, in well under a second.
set -eu

# Build and unit-test dependencies. Later suites append to EXTRA_PACKAGES.
packages="build-essential pkg-config clang llvm libclang-rt-14-dev clang-format
libgnutls28-dev libmicrohttpd-dev libsqlite3-dev sqlite3 libjansson-dev
libcurl4-gnutls-dev libcmocka-dev xz-utils ca-certificates
iproute2 iputils-ping curl jq python3 dnsmasq-base isc-dhcp-client ${EXTRA_PACKAGES:-}"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages:$missing (run 'make deps' as root)" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# promtool (checks the relay's /metrics) comes from Debian's prometheus
# package; only the one binary is extracted, so no Prometheus server is
# installed or started on the machine.
cache=${SOFTLAN_CACHE:-/var/cache/softlan}
if ! command -v promtool >/dev/null 2>&1 && [ ! -x "$cache/bin/promtool" ] && [ "$(id -u)" = 0 ]; then
	echo "deps: extracting promtool from Debian's prometheus package"
	work=$(mktemp -d)
	chmod 755 "$work"
	(cd "$work" && apt-get download -qq prometheus >/dev/null 2>&1) || true
	deb=$(ls "$work"/prometheus_*.deb 2>/dev/null | head -n 1)
	if [ -n "$deb" ]; then
		dpkg-deb -x "$deb" "$work/x"
		mkdir -p "$cache/bin"
		cp "$work/x/usr/bin/promtool" "$cache/bin/promtool"
	else
		echo "deps: could not download prometheus; /metrics will be checked without promtool" >&2
	fi
	rm -rf "$work"
fi

exec "$(dirname "$0")/ngtcp2.sh" "$@"
