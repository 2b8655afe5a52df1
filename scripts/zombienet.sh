#!/usr/bin/env bash
# Multi-validator network tests with zombienet's native provider (no Docker, no downloads
# beyond npm): four validators of the committed `local` chain spec plus full nodes, run from
# the node binary the tests build (after `cargo test` the build below has nothing to do).
# `scripts/test.sh` ends with it.
#
#   scripts/zombienet.sh                 # every zombienet/*.zndsl
#   scripts/zombienet.sh live            # just zombienet/live.zndsl
#   scripts/zombienet.sh spam/flood      # the ten-minute spam flood (scripts/spam.sh sets it up)
#
# Never `zombienet setup`: it downloads polkadot binaries we do not use.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
cargo build --locked --workspace --bins
export DEPIN_NODE="$CARGO_TARGET_DIR/debug/depin-node"
# The spam flood's honest devices (spam.js) run the simulator.
export DEPIN_PROVIDER="$CARGO_TARGET_DIR/debug/depin-provider"
# The upgrade test sets this runtime (with a higher spec_version) on the live network.
export DEPIN_RUNTIME_WASM="$CARGO_TARGET_DIR/debug/wbuild/depin-runtime/depin_runtime.wasm"
# The network starts on the `local` chain spec of an earlier runtime, so the upgrade test
# enacts that runtime's migrations to this one: e8d4eeb's has the proofs pallet at storage
# version 0 and the coverage pallet at 2 (both migrate). Taken from git history.
previous="${DEPIN_PREVIOUS_RUNTIME:-e8d4eeb}"
git show "$previous:chain-specs/local.raw.json" >zombienet/previous-local.raw.json || {
	echo "[zombienet] cannot read chain-specs/local.raw.json of $previous from git (a clone with its history is needed)" >&2
	exit 1
}
# `upgrade.js` writes the state its upgrade's migrations ran on here, for the try-runtime test
# of the same upgrade (runtime/src/tests/snapshot.rs, run by scripts/test.sh after this).
export DEPIN_SNAPSHOT="${DEPIN_SNAPSHOT:-$CARGO_TARGET_DIR/zombienet-snapshot.txt}"
rm -f "$DEPIN_SNAPSHOT"
cd zombienet
[ -x node_modules/.bin/zombienet ] || npm ci --no-audit --no-fund
if [ "$#" -gt 0 ]; then
	tests=("${@/%/.zndsl}")
else
	tests=(*.zndsl)
fi
for test in "${tests[@]}"; do
	echo "==> zombienet $test"
	npx zombienet -p native test "$test"
done
