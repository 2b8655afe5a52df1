#!/usr/bin/env bash
# Regenerate the committed chain specifications from the current runtime's genesis presets:
#
#   scripts/chain-specs.sh      # writes chain-specs/{local,testnet}.json and {local,testnet}.raw.json
#
# Run it after changing the runtime or a preset, and commit the result. The end-to-end test
# `committed_chain_specs_match_the_runtime` (part of scripts/test.sh, so of CI) fails while the
# committed files differ from what the runtime produces.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
# The same build as the tests and scripts/dev.sh: nothing is compiled twice.
cargo build --locked --workspace --bins
node="$CARGO_TARGET_DIR/debug/depin-node"
for chain in local testnet; do
	"$node" export-chain-spec --chain "$chain" > "chain-specs/$chain.json"
	"$node" export-chain-spec --chain "$chain" --raw > "chain-specs/$chain.raw.json"
	echo "chain-specs/$chain.json, chain-specs/$chain.raw.json"
done
