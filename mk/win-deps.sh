#!/bin/bash
# Cross-builds the Windows client's dependencies as static mingw-w64 libraries
# into one prefix, and prints that prefix's path on stdout.
#
# Debian ships no mingw builds of gmp, nettle, libtasn1, gnutls, jansson, curl
# or cmocka, so they are built from Debian 12's own source packages (with its
# security patches), fetched through apt with a private sources list: apt
# checks every file against the signed Sources index, dpkg-source against the
# .dsc. ngtcp2 1.11.0 comes from Debian 13 as for Linux (mk/ngtcp2.sh), from
# the same SHA-256-checked tarball in the cache.
#
# The prefix is kept outside the checkout in $SOFTLAN_CACHE/win64-KEY, KEY a
# hash of this script, the source versions, the ngtcp2 tarball and the mingw
# gcc, so it is rebuilt only when one of them changes (cold about 14 minutes,
# warm a few seconds for apt). Needs root for apt the first time.
#
# Usage: win-deps.sh            (prints the prefix)
set -euo pipefail

cache=${SOFTLAN_CACHE:-/var/cache/softlan}
host=x86_64-w64-mingw32
ngtcp2_version=1.11.0
ngtcp2_sha256=382c15bf66b630f26021631b25b7eb1feac42c67c1d6826189d61091dfaa4d09
ngtcp2_tarball=$cache/ngtcp2_$ngtcp2_version.orig.tar.xz
# Debian 12 source packages, in build order.
sources="gmp nettle libtasn1-6 gnutls28 jansson curl cmocka"
tools="gcc-mingw-w64-x86-64 mingw-w64-tools libz-mingw-w64-dev wine wine64 make m4
pkg-config dpkg-dev autoconf automake libtool autopoint gperf bison texinfo cmake xz-utils"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

say() { echo "win-deps: $*" >&2; }
die() {
	say "$*"
	exit 1
}

install_tools() {
	local missing="" p
	for p in $tools; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root)"
	say "installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# The Debian archive's address, from the machine's own apt sources.
archive_uri() {
	local uri
	uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1 || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null)
	[ -n "$uri" ] || die "no Debian archive in the apt sources"
	echo "$uri"
}

# apt_private DIR LINE...: a sources list of its own in DIR, so the machine's
# apt configuration is neither read nor changed.
apt_private() {
	local dir=$1
	shift
	mkdir -p "$dir/lists/partial"
	printf '%s\n' "$@" >"$dir/sources.list"
	chmod 755 "$dir"
	aptopts=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$dir/lists")
	apt-get "${aptopts[@]}" update -qq >/dev/null || die "apt-get update failed for $dir"
}

# The newest version of a source package in the private lists.
src_version() {
	apt-cache "${aptopts[@]}" showsrc "$1" 2>/dev/null |
		sed -n 's/^Version: //p' | sort -V | tail -n 1
}

ngtcp2_tarball_ok() {
	[ -f "$ngtcp2_tarball" ] && echo "$ngtcp2_sha256  $ngtcp2_tarball" | sha256sum -c --status
}

fetch_ngtcp2() {
	local dir=$work/apt-trixie
	say "fetching ngtcp2 $ngtcp2_version (Debian 13's source package) through apt"
	apt_private "$dir" "deb-src [signed-by=$keyring] $uri trixie main"
	# The .dsc may be missing while the tarball is there: judge by the hash.
	(cd "$dir" && apt-get "${aptopts[@]}" source --download-only -qq "ngtcp2=$ngtcp2_version-*" ||
		true) >/dev/null 2>&1
	[ -f "$dir/ngtcp2_$ngtcp2_version.orig.tar.xz" ] || die "apt did not deliver ngtcp2"
	mkdir -p "$cache"
	cp "$dir/ngtcp2_$ngtcp2_version.orig.tar.xz" "$ngtcp2_tarball.tmp"
	mv "$ngtcp2_tarball.tmp" "$ngtcp2_tarball"
}

# ------------------------------------------------------------ one library each

common_flags() {
	echo --host=$host --build=x86_64-linux-gnu --prefix="$P" --enable-static --disable-shared
}

build_gmp() {
	autoreconf -fi >/dev/null 2>&1
	./configure $(common_flags) >/dev/null
	make -j"$jobs" >/dev/null
	make install >/dev/null
}

build_nettle() {
	./configure $(common_flags) --disable-documentation --disable-openssl \
		CPPFLAGS="-I$P/include" LDFLAGS="-L$P/lib" >/dev/null
	make -j"$jobs" >/dev/null
	make install >/dev/null
}

build_libtasn1_6() {
	./configure $(common_flags) --disable-doc --disable-valgrind-tests >/dev/null
	make -C lib -j"$jobs" >/dev/null
	make -C lib install >/dev/null
}

build_gnutls28() {
	# As debian/rules does: its gettext m4 files would ask for gettext 0.20.
	grep -l 'gettext-0.20' m4/*.m4 2>/dev/null | xargs -r rm -f
	GTKDOCIZE=true autoreconf -fi >/dev/null 2>&1
	# Windows threads, or the exe would need libwinpthread-1.dll.
	./configure $(common_flags) --enable-threads=windows --with-included-unistring \
		--without-p11-kit --without-idn --without-zstd --without-brotli --without-zlib \
		--without-tpm --without-tpm2 --disable-libdane --disable-guile --disable-cxx \
		--disable-doc --disable-manpages --disable-gtk-doc --disable-tests --disable-tools \
		--disable-nls --disable-rpath --disable-openssl-compatibility \
		--disable-valgrind-tests --disable-full-test-suite --disable-maintainer-mode \
		CPPFLAGS="-I$P/include" LDFLAGS="-L$P/lib" >/dev/null
	make -j"$jobs" >/dev/null
	make install >/dev/null
	# The header marks data symbols (gnutls_free...) as DLL imports; in a
	# static library they are plain symbols.
	sed -i 's/__declspec(dllimport)//' "$P/include/gnutls/gnutls.h"
}

build_ngtcp2() {
	./configure $(common_flags) --enable-lib-only --with-gnutls --without-openssl \
		--without-boringssl --without-picotls --without-wolfssl --without-libnghttp3 \
		--without-libev --without-jemalloc --without-libbrotlienc --without-libbrotlidec \
		>/dev/null
	make -j"$jobs" >/dev/null
	make install >/dev/null
}

build_jansson() {
	autoreconf -fi >/dev/null 2>&1
	./configure $(common_flags) >/dev/null
	make -C src -j"$jobs" >/dev/null
	make -C src install >/dev/null
	make install-pkgconfigDATA >/dev/null
}

build_curl() {
	# Debian's flavour patches: the unpacked tree is the NSS flavour; the
	# gnutls one is what we build.
	if [ -f debian/patches/99_nss.patch ] && patch -p1 -R --dry-run -s -f \
		<debian/patches/99_nss.patch >/dev/null 2>&1; then
		patch -p1 -R -s -f <debian/patches/99_nss.patch >/dev/null
	fi
	if [ -f debian/patches/90_gnutls.patch ] && patch -p1 --dry-run -s -f \
		<debian/patches/90_gnutls.patch >/dev/null 2>&1; then
		patch -p1 -s -f <debian/patches/90_gnutls.patch >/dev/null
	fi
	autoreconf -fi >/dev/null 2>&1
	# A static gnutls is found only with its own dependencies in LIBS.
	LIBS="$(pkg-config --static --libs-only-l gnutls)" ./configure $(common_flags) \
		--with-gnutls="$P" --without-openssl --without-schannel --with-ca-fallback \
		--without-ca-bundle --without-ca-path --disable-pthreads --disable-ldap \
		--disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
		--disable-pop3 --disable-imap --disable-smtp --disable-gopher --disable-mqtt \
		--disable-smb --disable-ftp --disable-file --disable-manual --without-libpsl \
		--without-libidn2 --without-zstd --without-brotli --without-nghttp2 \
		--without-librtmp --without-libssh2 --without-zlib --without-libgsasl \
		CPPFLAGS="-I$P/include" LDFLAGS="-L$P/lib" >/dev/null
	make -C lib -j"$jobs" >/dev/null
	make -C lib install >/dev/null
	make -C include install >/dev/null
	make install-pkgconfigDATA >/dev/null
	# The gnutls flavour patch names the library libcurl-gnutls; libcurl.pc says -lcurl.
	if [ -f "$P/lib/libcurl-gnutls.a" ] && [ ! -f "$P/lib/libcurl.a" ]; then
		mv "$P/lib/libcurl-gnutls.a" "$P/lib/libcurl.a"
	fi
	[ -f "$P/lib/libcurl.a" ] || die "curl: no static library"
}

build_cmocka() {
	cat >toolchain.cmake <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_C_COMPILER $host-gcc)
set(CMAKE_RC_COMPILER $host-windres)
set(CMAKE_FIND_ROOT_PATH /usr/$host)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
EOF
	# mingw's C99 printf, as the tests use (%zu in cmocka's messages).
	CFLAGS="$CFLAGS -D__USE_MINGW_ANSI_STDIO=1" cmake -S . -B obj \
		-DCMAKE_TOOLCHAIN_FILE="$PWD/toolchain.cmake" \
		-DCMAKE_INSTALL_PREFIX="$P" -DCMAKE_BUILD_TYPE=Release -DWITH_STATIC_LIB=ON \
		-DBUILD_SHARED_LIBS=OFF -DUNIT_TESTING=OFF -DWITH_EXAMPLES=OFF >/dev/null
	cmake --build obj -j"$jobs" >/dev/null
	cmake --install obj >/dev/null
	# Only the static library may be linked: drop the DLL and its import
	# library, and give the static one the plain name.
	if [ -f "$P/lib/libcmocka-static.a" ]; then
		mv "$P/lib/libcmocka-static.a" "$P/lib/libcmocka.a"
	fi
	rm -f "$P/lib/libcmocka.dll.a" "$P"/bin/*cmocka*.dll
	[ -f "$P/lib/libcmocka.a" ] || die "cmocka: no static library"
	# Its printf-like functions check formats as mingw's printf, not msvcrt's.
	sed -i 's/__format__ (__printf__,/__format__ (gnu_printf,/' "$P/include/cmocka.h"
}

build_one() { # NAME DIR
	local name=$1 dir=$2 t0=$SECONDS
	say "building $name"
	(cd "$dir" && "build_${name//-/_}") >"$work/$name.log" 2>&1 ||
		{
			tail -n 40 "$work/$name.log" >&2
			die "$name failed (log above)"
		}
	say "built $name in $((SECONDS - t0)) s"
}

# ------------------------------------------------------------------ main

install_tools
command -v $host-gcc >/dev/null || die "$host-gcc not found"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt downloads as the _apt user, which must reach the private lists.
chmod 755 "$work"
uri=$(archive_uri)
security_uri=${uri%/debian}/debian-security
apt_private "$work/apt-bookworm" \
	"deb-src [signed-by=$keyring] $uri bookworm main" \
	"deb-src [signed-by=$keyring] $uri bookworm-updates main" \
	"deb-src [signed-by=$keyring] $security_uri bookworm-security main"

versions=""
for s in $sources; do
	v=$(src_version "$s")
	[ -n "$v" ] || die "no source package $s in Debian 12"
	versions="$versions $s=$v"
done
ngtcp2_tarball_ok || fetch_ngtcp2
ngtcp2_tarball_ok || {
	rm -f "$ngtcp2_tarball"
	die "SHA-256 mismatch for $ngtcp2_tarball"
}
gccv=$($host-gcc -dumpfullversion)-$(dpkg-query -W -f='${Version}' gcc-mingw-w64-x86-64 2>/dev/null || true)
key=$({
	sha256sum <"$0"
	echo "$versions ngtcp2=$ngtcp2_sha256 gcc=$gccv"
} | sha256sum | cut -c1-16)
P=$cache/win64-$key
stamp=$P/.softlan-win64

if [ -f "$stamp" ]; then
	echo "$P"
	exit 0
fi

# One builder at a time; a second caller waits and then finds the stamp.
mkdir -p "$cache"
exec 9>"$cache/win64.lock"
flock 9
if [ -f "$stamp" ]; then
	echo "$P"
	exit 0
fi

say "cold build into $P:$versions ngtcp2=$ngtcp2_version gcc=$gccv"
rm -rf "$P"
mkdir -p "$P"
jobs=$(nproc)
export PKG_CONFIG_LIBDIR=$P/lib/pkgconfig PKG_CONFIG_PATH= CFLAGS=-O2
t_all=$SECONDS
for s in $sources; do
	v=${versions#* $s=}
	v=${v%% *}
	dir=$work/src-$s
	mkdir -p "$dir"
	chmod 755 "$dir"
	# apt verifies each file's hash against the signed Sources index.
	(cd "$dir" && apt-get "${aptopts[@]}" source --download-only -qq "$s=$v") >/dev/null 2>&1 ||
		die "apt could not fetch $s=$v"
	dsc=$(ls "$dir"/*.dsc)
	# dpkg-source checks every file against the .dsc's checksums.
	dpkg-source -x "$dsc" "$dir/tree" >/dev/null 2>&1 || die "dpkg-source failed for $s"
	build_one "$s" "$dir/tree"
	rm -rf "$dir"
	if [ "$s" = gnutls28 ]; then
		# ngtcp2 needs gnutls, curl does not need ngtcp2: build it here.
		mkdir -p "$work/src-ngtcp2"
		tar -xJf "$ngtcp2_tarball" -C "$work/src-ngtcp2"
		build_one ngtcp2 "$work/src-ngtcp2/ngtcp2-$ngtcp2_version"
		rm -rf "$work/src-ngtcp2"
	fi
done
# Older prefixes (other keys) are of no further use.
for old in "$cache"/win64-*; do
	[ "$old" != "$P" ] && [ -d "$old" ] && rm -rf "$old"
done
echo "$versions ngtcp2=$ngtcp2_version gcc=$gccv" >"$stamp"
say "done in $((SECONDS - t_all)) s"
echo "$P"
