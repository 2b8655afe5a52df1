#!/usr/bin/env bash
# The load harness (issue 25): a release depin-node on a chain with DEVICES storage devices at
# genesis (each with a sparse sector of 2^20 chunks), every device proven every epoch of
# EPOCH_BLOCKS blocks, then an epoch of proofs sent as fast as blocks take them, with HOTSPOTS
# hotspots (groups of 26 on the beacon roster from genesis) an epoch in which every one beacons
# with 25 receipts as fast as blocks take them, with COMPUTE compute devices (enrolled from
# genesis) an epoch in which each runs its workload, commits, and reveals as fast as blocks
# take them, and TRANSFER_BLOCKS blocks of balance transfers. Writes OUT/bench.json and OUT/bench.svg
# (docs/scale.md shows the runs).
#
#   scripts/bench.sh                                  # 1,667 devices on 1-minute epochs
#   DEVICES=16667 scripts/bench.sh                    # as many proofs as a million hourly
#   DEVICES=50000 EPOCH_BLOCKS=30 EPOCHS=1 scripts/bench.sh --no-proof-peak
#   HOTSPOTS=1040 EPOCH_BLOCKS=20 scripts/bench.sh        # coverage's peak beside the others
#   COMPUTE=1000 EPOCH_BLOCKS=60 EPOCHS=0 scripts/bench.sh --no-proof-peak  # compute's peak
#   DEVICES=66667 STORAGE_AUDIT=25 EPOCH_BLOCKS=40 EPOCHS=2 scripts/bench.sh --no-proof-peak
#                                                     # a million audited hourly at 25 %, by rate
#
# The node is the release build scripts/weights.sh makes (`--release --features
# runtime-benchmarks`: the feature adds only the benchmark host functions and subcommand), so
# the two share one build, kept out of the test build; the chain runs the normal runtime's
# code from chain-specs/local.json. The harness is a release build too: it computes and signs
# every device's proof each epoch on the same two cores as the node.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
DEVICES="${DEVICES:-1667}"
EPOCH_BLOCKS="${EPOCH_BLOCKS:-10}"
EPOCHS="${EPOCHS:-3}"
TRANSFER_BLOCKS="${TRANSFER_BLOCKS:-10}"
HOTSPOTS="${HOTSPOTS:-0}"
COMPUTE="${COMPUTE:-0}"
# The share of storage devices audited each epoch, percent (proofs.AuditRate); empty: the dev
# chain's, every device every epoch.
STORAGE_AUDIT="${STORAGE_AUDIT:-}"
OUT="${OUT:-$CARGO_TARGET_DIR/bench/$DEVICES-$EPOCH_BLOCKS}"
NODE="${NODE:-}"
if [ -z "$NODE" ]; then
	cargo build --locked --release -p depin-node --features runtime-benchmarks
	NODE="$CARGO_TARGET_DIR/release/depin-node"
fi
cargo build --locked --release -p depin-provider
audit=()
if [ -n "$STORAGE_AUDIT" ]; then
	audit=(--storage-audit "$STORAGE_AUDIT")
fi
exec "$CARGO_TARGET_DIR/release/depin-provider" bench --node "$NODE" --devices "$DEVICES" \
	--epoch-blocks "$EPOCH_BLOCKS" --epochs "$EPOCHS" --transfer-blocks "$TRANSFER_BLOCKS" \
	--hotspots "$HOTSPOTS" --compute "$COMPUTE" --out "$OUT" "${audit[@]}" "$@"
