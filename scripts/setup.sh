#!/usr/bin/env bash
# Installs what building depin-node needs; safe to run again (it only installs what is missing).
#
#   - Debian packages: protobuf-compiler (libp2p), clang + libclang-dev (bindgen), libssl-dev +
#     pkg-config (litep2p's WebRTC links the system's OpenSSL: .cargo/config.toml), chromium (the
#     explorer's browser tests); Node.js and
#     npm (the zombienet network tests) when there is no `node` and `npm` yet;
#   - the Wasm target of the pinned toolchain (rust-toolchain.toml): `rustup target add
#     wasm32v1-none`. When rustup cannot download it, falls back to Debian's rustc-web
#     toolchain (rust-web-src ships the sources of core and alloc, built for Wasm with
#     build-std; rust-web-llvm and lld link), linked into rustup as `debweb` and selected for
#     the runtime build through WASM_BUILD_TOOLCHAIN.
#
# The fallback writes its settings to "$DEPIN_ENV_FILE" (default
# ~/.config/depin/wasm.env), which scripts/env.sh loads for every build. DEPIN_WASM_FALLBACK=1
# takes the fallback even where rustup works (to test it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
env_file="${DEPIN_ENV_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/depin/wasm.env}"

log() { printf '[setup] %s\n' "$*" >&2; }

sudo_if_needed() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
	local missing=()
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	log "installing Debian packages: ${missing[*]}"
	sudo_if_needed apt-get update -qq
	sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# 1. System packages.
apt_install protobuf-compiler clang libclang-dev libssl-dev pkg-config
# zstd: the zombienet upgrade test compresses the runtime it sets, as a production upgrade is.
apt_install zstd
# Chromium for the explorer's browser tests (playwright-core drives it; it downloads no browser).
apt_install chromium
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	apt_install nodejs npm
fi

# 2. The toolchain pinned in rust-toolchain.toml and its Wasm target.
toolchain="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$root/rust-toolchain.toml")"
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
	log "installing the pinned toolchain $toolchain"
	rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy
fi

if [ "${DEPIN_WASM_FALLBACK:-0}" != 1 ] &&
	rustup target list --installed --toolchain "$toolchain" | grep -qx wasm32v1-none; then
	log "wasm32v1-none is installed for $toolchain"
	rm -f "$env_file"
elif [ "${DEPIN_WASM_FALLBACK:-0}" != 1 ] &&
	rustup target add wasm32v1-none --toolchain "$toolchain" >&2; then
	log "installed wasm32v1-none for $toolchain"
	rm -f "$env_file"
else
	log "rustup cannot install wasm32v1-none: falling back to Debian's rustc-web"
	apt_install rustc-web cargo-web rust-web-src rust-web-llvm
	# rust-web-llvm's /usr/bin/rust-lld (the Wasm linker) points at a versioned lld.
	lld="$(readlink /usr/bin/rust-lld || true)"
	[ -n "$lld" ] && apt_install "$(basename "$lld")"
	tc_dir="${XDG_DATA_HOME:-$HOME/.local/share}/depin/debweb-toolchain"
	mkdir -p "$tc_dir/bin"
	ln -sfn /usr/bin/rustc "$tc_dir/bin/rustc"
	ln -sfn /usr/lib "$tc_dir/lib"
	cat >"$tc_dir/bin/cargo" <<'WRAP'
#!/bin/sh
# Debian's rustc-web builds core and alloc for Wasm from source (rust-web-src).
export RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=core,alloc
exec /usr/bin/cargo "$@"
WRAP
	chmod +x "$tc_dir/bin/cargo"
	rustup toolchain link debweb "$tc_dir"
	mkdir -p "$(dirname "$env_file")"
	cat >"$env_file" <<'ENV'
export WASM_BUILD_TOOLCHAIN=debweb
export WASM_BUILD_RUSTFLAGS="-C link-arg=--allow-undefined"
ENV
	log "the runtime's Wasm will be built with the debweb toolchain ($env_file)"
fi
log "setup complete"
