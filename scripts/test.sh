#!/usr/bin/env bash
# Sets up the machine if needed, checks formatting (rustfmt) and lints (clippy, every warning
# an error, with and without the benchmark and try-runtime features), then runs every test of
# the workspace: pallet and runtime
# unit tests, the runtime's generated integrity tests, and the end-to-end tests that start the
# `depin-node` binary built by this same command; then the pallets again with their
# benchmarks (each benchmark runs once against the pallet's mock) and try-runtime checks; then
# the Polkadot.js suite (@polkadot/api against a dev node); and last the zombienet network
# tests (four validators and more). Both use the node binary the first command built.
# Extra arguments go to the first `cargo test`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
"$here/setup.sh"
. "$here/env.sh"
echo "[test] CARGO_TARGET_DIR=$CARGO_TARGET_DIR" >&2

# The runtime crates with benchmarks and try-runtime checks: every package under pallets/ with
# a `runtime-benchmarks` feature (the pallets and the proving kit; not the test utilities).
pallets=()
for manifest in pallets/*/Cargo.toml; do
	grep -q '^runtime-benchmarks' "$manifest" || continue
	pallets+=(-p "$(sed -n 's/^name = "\(.*\)"/\1/p' "$manifest" | head -n 1)")
done

echo "[test] rustfmt" >&2
cargo fmt --all --check
# Lints need no Wasm runtime: clippy checks the runtime crates natively.
echo "[test] clippy" >&2
SKIP_WASM_BUILD=1 cargo clippy --locked --workspace --all-targets -- -D warnings
echo "[test] clippy with the benchmark and try-runtime features (runtime crates)" >&2
SKIP_WASM_BUILD=1 cargo clippy --locked "${pallets[@]}" -p depin-runtime --all-targets \
	--features runtime-benchmarks,try-runtime -- -D warnings

cargo test --locked --workspace "$@"

echo "[test] benchmarks and try-runtime checks of the pallets" >&2
cargo test --locked "${pallets[@]}" --features runtime-benchmarks,try-runtime

echo "[test] Polkadot.js suite" >&2
"$here/polkadotjs.sh"

echo "[test] zombienet network tests" >&2
"$here/zombienet.sh"
