#!/usr/bin/env bash
# Sets up the machine if needed, then runs every test of the workspace: pallet and runtime
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
cargo test --locked --workspace "$@"

pallets=()
for manifest in pallets/*/Cargo.toml; do
	pallets+=(-p "pallet-$(basename "$(dirname "$manifest")")")
done
echo "[test] benchmarks and try-runtime checks of the pallets" >&2
cargo test --locked "${pallets[@]}" --features runtime-benchmarks,try-runtime

echo "[test] Polkadot.js suite" >&2
"$here/polkadotjs.sh"

echo "[test] zombienet network tests" >&2
"$here/zombienet.sh"
