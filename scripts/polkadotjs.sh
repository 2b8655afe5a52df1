#!/usr/bin/env bash
# The Polkadot.js compatibility suite (polkadotjs/): @polkadot/api 16.5.6 against a real dev
# node built by cargo — metadata, every type of ours, storage, the runtime API, the depin_* RPC
# methods, extrinsics signed with the keyring. `scripts/test.sh` runs it, so CI does.
#
#   scripts/polkadotjs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
# The same build as the tests: after `cargo test` there is nothing to compile.
cargo build --locked --workspace --bins
export DEPIN_NODE="$CARGO_TARGET_DIR/debug/depin-node"
cd polkadotjs
[ -d node_modules/@polkadot/api ] || npm ci --no-audit --no-fund
npm test
