#!/usr/bin/env bash
# Measure what a storage read and write cost this machine's ParityDB at a large state, against
# the database weights the runtime charges (`frame_support`'s `ParityDbWeight`: 8 µs a read,
# 50 µs a write), as `depin-node benchmark storage` measures them:
#
#   scripts/db-weights.sh                   # 50,000 storage devices and 1,040 hotspots
#   DEVICES=5000 HOTSPOTS=0 scripts/db-weights.sh
#
# The state is the load harness's (scripts/bench.sh with no steady epoch: the devices, their
# sectors and the hotspots at genesis, then coverage's peak if HOTSPOTS > 0), left in OUT/db.
# Every key of the head's state is read once with the trie cache off (a cold read), then
# overwritten in batches of BATCH keys, each batch committed with its storage root (a block's
# writes share that cost). The results go to OUT/paritydb_weights.rs, in the form of a
# generated weights file; docs/scale.md records them. The runtime keeps `ParityDbWeight`
# while the measured costs at the state of a million devices are not known to be lower.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
DEVICES="${DEVICES:-50000}"
HOTSPOTS="${HOTSPOTS:-1040}"
BATCH="${BATCH:-1000}"
OUT="${OUT:-$CARGO_TARGET_DIR/bench/db-weights-$DEVICES}"
NODE="${NODE:-}"
if [ -z "$NODE" ]; then
	export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
	cargo build --locked --release -p depin-node --features runtime-benchmarks
	NODE="$CARGO_TARGET_DIR/release/depin-node"
fi
DEVICES="$DEVICES" HOTSPOTS="$HOTSPOTS" EPOCH_BLOCKS=20 EPOCHS=0 TRANSFER_BLOCKS=0 \
	NODE="$NODE" OUT="$OUT" scripts/bench.sh --no-proof-peak > "$OUT.bench.log"
"$NODE" benchmark storage --chain "$OUT/spec.json" --base-path "$OUT/db" --db paritydb \
	--state-version 1 --batch-size "$BATCH" --weight-path "$OUT" 2>&1 |
	grep -E "Reading|Writing|Average|Percentiles" || true
echo "$OUT/paritydb_weights.rs:"
grep -E "^\s+(read|write):" "$OUT/paritydb_weights.rs"
