#!/usr/bin/env bash
# Multi-validator network tests with zombienet's native provider (no Docker, no downloads
# beyond npm): four validators of the committed `local` chain spec plus two full nodes, run from
# the node binary the tests build.
#
#   scripts/zombienet.sh                 # every zombienet/*.zndsl
#   scripts/zombienet.sh smoke           # just zombienet/smoke.zndsl
#
# Never `zombienet setup`: it downloads polkadot binaries we do not use.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
cargo build --locked --workspace --all-targets
export DEPIN_NODE="$CARGO_TARGET_DIR/debug/depin-node"
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
