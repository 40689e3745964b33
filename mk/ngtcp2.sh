#!/bin/sh
# Makes ngtcp2 1.x (with its gnutls crypto helper) available to the build.
#
# Debian 12 ships ngtcp2 0.12.1: an old API with a DATAGRAM stall bug, so we
# never build on it. If pkg-config already finds ngtcp2 >= 1.0 with the gnutls
# helper, that is used. Otherwise Debian 13's source package is fetched through
# apt with a private sources list (nothing outside Debian's archive), its
# tarball's SHA-256 is checked, and static libraries are built into PREFIX.
#
# Usage: ngtcp2.sh PREFIX
set -eu

version=1.11.0
sha256=382c15bf66b630f26021631b25b7eb1feac42c67c1d6826189d61091dfaa4d09
prefix=$1
cache=${SOFTLAN_CACHE:-/var/cache/softlan}
tarball=$cache/ngtcp2_$version.orig.tar.xz
stamp=$prefix/.softlan-ngtcp2-$version

if pkg-config --atleast-version=1.0 libngtcp2 2>/dev/null &&
	pkg-config --exists libngtcp2_crypto_gnutls 2>/dev/null; then
	exit 0
fi
[ -f "$stamp" ] && exit 0

tarball_ok() {
	[ -f "$tarball" ] && echo "$sha256  $tarball" | sha256sum -c --status
}

fetch_tarball() {
	mkdir -p "$cache"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	# Take the archive's address from the machine's own apt sources.
	uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
	if [ -z "$uri" ]; then
		uri=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' \
			/etc/apt/sources.list 2>/dev/null)
	fi
	[ -n "$uri" ] || { echo "ngtcp2: no Debian archive in the apt sources" >&2; exit 1; }
	echo "deb-src $uri trixie main" >"$work/sources.list"
	chmod 755 "$work"
	mkdir -p "$work/lists/partial"
	aptopts="-o Dir::Etc::sourcelist=$work/sources.list -o Dir::Etc::sourceparts=-
		-o Dir::State::Lists=$work/lists"
	echo "ngtcp2: fetching Debian 13's source package through apt"
	# shellcheck disable=SC2086
	apt-get $aptopts update -qq
	# The .dsc may be missing from the archive while the tarball is there, so
	# a failure of apt-get source is judged by the tarball's hash alone.
	# shellcheck disable=SC2086
	(cd "$work" && apt-get $aptopts source --download-only -qq "ngtcp2=$version-*" ||
		apt-get $aptopts source --download-only -qq ngtcp2 || true) >/dev/null 2>&1
	[ -f "$work/ngtcp2_$version.orig.tar.xz" ] ||
		{ echo "ngtcp2: apt did not deliver ngtcp2_$version.orig.tar.xz" >&2; exit 1; }
	cp "$work/ngtcp2_$version.orig.tar.xz" "$tarball.tmp"
	mv "$tarball.tmp" "$tarball"
}

tarball_ok || fetch_tarball
tarball_ok || { echo "ngtcp2: SHA-256 mismatch for $tarball" >&2; rm -f "$tarball"; exit 1; }

echo "ngtcp2: building $version (static, gnutls) into $prefix"
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
tar -xJf "$tarball" -C "$src"
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
(
	cd "$src/ngtcp2-$version"
	./configure -q --prefix="$prefix" --with-gnutls --without-openssl \
		--without-libev --without-libnghttp3 --enable-lib-only \
		--disable-shared --enable-static CFLAGS="-O2 -g -fPIC" >/dev/null
	make -s -j"$(nproc)" >/dev/null
	make -s install >/dev/null
)
touch "$stamp"
