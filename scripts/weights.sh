#!/usr/bin/env bash
# Generate the weights of our pallets by running their benchmarks on this machine.
#
#   scripts/weights.sh                 # every pallet under pallets/ that has benchmarks
#   scripts/weights.sh devices         # just pallets/devices
#   STEPS=2 REPEAT=1 BENCH_PROFILE=dev scripts/weights.sh devices  # a quick smoke run with the
#                                      # test build (weights about 8x too heavy: not for commit)
#   KEEP=merkle_chunk_check,blake2_hashes scripts/weights.sh proofs  # measure every benchmark
#                                      # but these (comma-separated) and keep their functions as
#                                      # the last run wrote them (scripts/keep-weights.py)
#
# KEEP exists for `pallet_proofs::merkle_chunk_check` and `blake2_hashes`, the two benchmarks
# that touch no storage: with benchmark CLI 64.0.0 their analysis ("Median Slopes") grew past
# this machine's 24 GiB (2 GiB every 6 s) on 2026-12-05 and the run was killed. They measure
# blake2 hashing only, which no storage layout or pallet logic changes, so their last
# measured weights stay valid until they are measured again.
#
# It builds `depin-node` with `--features runtime-benchmarks` in the `release` profile (in the
# shared target folder), then runs `depin-node benchmark pallet` against the Wasm runtime with
# the development genesis preset, and writes `pallets/<name>/src/weights.rs` from
# `scripts/templates/pallet-weights.hbs`. The runtime executes as compiled Wasm, as on a
# validator. The node must be optimized because the host functions it provides (storage access,
# hashing, signature checks) are part of every measurement: the test build's dependencies at
# opt-level 1 measured pallet_balances::transfer_keep_alive at 310 µs against 39 µs in the SDK's
# reference weights.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
PROFILE="${BENCH_PROFILE:-release}"
case "$PROFILE" in
	dev) profile_dir=debug ;;
	*) profile_dir="$PROFILE" ;;
esac

if [ "$#" -gt 0 ]; then
	pallets=("$@")
else
	pallets=()
	for dir in pallets/*/; do
		name="$(basename "$dir")"
		[ -f "$dir/src/benchmarking.rs" ] && pallets+=("$name")
	done
fi

# `benchmark storage`'s own test runtime (frame-storage-access-test-runtime) is a second Wasm
# build that `benchmark pallet` never uses, and it fails under our WASM_BUILD_WORKSPACE_HINT
# (.cargo/config.toml): its builder reads our workspace's metadata, where it is no member.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
cargo build --locked --profile "$PROFILE" -p depin-node --features runtime-benchmarks
node="$CARGO_TARGET_DIR/$profile_dir/depin-node"
wbuild="$CARGO_TARGET_DIR/$profile_dir/wbuild/depin-runtime"
wasm="$wbuild/depin_runtime.compact.compressed.wasm"
[ -f "$wasm" ] || wasm="$wbuild/depin_runtime.wasm"

KEEP="${KEEP:-}"
for name in "${pallets[@]}"; do
	crate="pallet_${name//-/_}"
	output="pallets/$name/src/weights.rs"
	echo "==> $crate -> $output (steps $STEPS, repeat $REPEAT${KEEP:+, keeping $KEEP})"
	exclude=()
	if [ -n "$KEEP" ]; then
		exclude=(--exclude-extrinsics "$(echo "$KEEP" | sed "s/\([^,]*\)/$crate::\1/g")")
		cp "$output" "$output.last"
	fi
	"$node" benchmark pallet \
		--runtime "$wasm" \
		--genesis-builder=runtime \
		--genesis-builder-preset=development \
		--pallet "$crate" \
		--extrinsic '*' \
		"${exclude[@]}" \
		--steps "$STEPS" \
		--repeat "$REPEAT" \
		--heap-pages 4096 \
		--template scripts/templates/pallet-weights.hbs \
		--header scripts/templates/header.txt \
		--output "$output"
	if [ -n "$KEEP" ]; then
		python3 scripts/keep-weights.py "$output.last" "$output" "$KEEP"
		rm -f "$output.last"
	fi
done
