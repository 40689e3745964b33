#!/bin/sh
# Installs what `make browser-test` needs, idempotently (well under a second
# when everything is present):
#   - Debian's chromium (apt), driven headless; Playwright never downloads a browser;
#   - node and npm (apt's nodejs and npm, only when npm is missing: a newer
#     node from elsewhere is kept);
#   - playwright-core at the version pinned by tests/browser/package-lock.json,
#     from the npm registry into DIR (outside the checkout), with `npm ci`.
#
# Usage: browser-deps.sh DIR     (DIR: e.g. /var/cache/softlan/browser-test)
set -eu
dir=$1
src=$(cd "$(dirname "$0")/../tests/browser" && pwd)

apt_install() {
	if [ "$(id -u)" != 0 ]; then
		echo "browser-deps: missing $* (run 'make browser-deps' as root)" >&2
		exit 1
	fi
	echo "browser-deps: installing $*"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Another apt run (the lead's, at machine setup) may be installing chromium
# right now: give it a while before installing it ourselves.
if [ ! -x /usr/bin/chromium ] && pgrep -x apt-get >/dev/null 2>&1; then
	echo "browser-deps: waiting for a running apt-get to finish" >&2
	i=0
	while [ ! -x /usr/bin/chromium ] && pgrep -x apt-get >/dev/null 2>&1 && [ $i -lt 300 ]; do
		sleep 2
		i=$((i + 2))
	done
fi
[ -x /usr/bin/chromium ] || apt_install chromium
command -v npm >/dev/null 2>&1 || apt_install nodejs npm

# Installed already from the same lock file: nothing to do.
if [ -f "$dir/node_modules/playwright-core/package.json" ] &&
	cmp -s "$src/package-lock.json" "$dir/package-lock.json"; then
	exit 0
fi
echo "browser-deps: installing playwright-core into $dir"
mkdir -p "$dir"
cp "$src/package.json" "$src/package-lock.json" "$dir/"
(cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund \
	--loglevel=error >/dev/null)
