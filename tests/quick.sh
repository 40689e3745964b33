#!/bin/bash
# Developer shortcut: build one unit test or fuzz target from just the sources
# named, with the project's warnings and sanitizers, and run it. Lets one
# module be worked on while others are mid-edit.
#
#   tests/quick.sh tests/unit/test_mac.c shared/mac.c shared/err.c
#   tests/quick.sh tests/fuzz/fuzz_invite.c shared/invite.c ... [-- libFuzzer args]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/config.mk ] || make build/config.mk >/dev/null
pkg_cflags=$(sed -n 's/^PKG_CFLAGS := //p' build/config.mk)
pkg_libs=$(sed -n 's/^PKG_LIBS := //p' build/config.mk)
srcs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do srcs+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
warn="-std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
 -Wmissing-prototypes -Wpointer-arith -Wwrite-strings -Wvla -Wformat=2 -Wformat-security"
mkdir -p build/quick
out=build/quick/$(basename "${srcs[0]}" .c)
if [[ ${srcs[0]} == tests/fuzz/* ]]; then
	# shellcheck disable=SC2086
	clang $warn -Ishared -Irelay -Iadmin -Igateway -Iclient -DLP_VERSION='"dev"' $pkg_cflags -O1 -g \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o "$out" "${srcs[@]}" $pkg_libs
else
	# shellcheck disable=SC2086
	${CC:-cc} $warn -Ishared -Irelay -Iadmin -Igateway -Iclient -DLP_VERSION='"dev"' $pkg_cflags -O1 -g \
		-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
		-o "$out" "${srcs[@]}" $pkg_libs -lcmocka
fi
exec "$out" "$@"
