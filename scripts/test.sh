#!/usr/bin/env bash
# Sets up the machine if needed, checks formatting (rustfmt) and that the binaries' build is
# one the tests reuse (scripts/check-unified.sh), then builds and runs every test of the
# workspace: pallet and runtime unit tests, the runtime's generated integrity tests, and the
# end-to-end tests that start the `depin-node` binary built by this same command. Our crates
# are compiled by clippy-driver (scripts/lint-rustc, set by scripts/env.sh), so the same build
# lints them, every warning an error. Then the pallets again with their benchmarks (each
# benchmark runs once against the pallet's mock) and try-runtime checks, and the runtime
# compiled and linted with those features too; the runtime fuzzer's short fixed seed (the
# runtime with try-runtime alone), with beside them the Polkadot.js suite (@polkadot/api
# against a dev node) and the explorer's browser tests (headless Chromium on the explorer against
# a dev node with the simulator); and last the zombienet network tests (four validators and
# more). All use the node binary the first command built. Extra arguments go to the first
# build (`cargo test --no-run`: cargo's options, such as `--timings`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
"$here/setup.sh"
. "$here/env.sh"
echo "[test] CARGO_TARGET_DIR=$CARGO_TARGET_DIR" >&2
# Each step's line says when it started (seconds into the run): where CI's minutes go.
step() { echo "[test] ${SECONDS} s: $*" >&2; }

# The runtime crates with benchmarks and try-runtime checks: every package under pallets/ with
# a `runtime-benchmarks` feature (the pallets and the proving kit; not the test utilities).
pallets=()
for manifest in pallets/*/Cargo.toml; do
	grep -q '^runtime-benchmarks' "$manifest" || continue
	pallets+=(-p "$(sed -n 's/^name = "\(.*\)"/\1/p' "$manifest" | head -n 1)")
done

step "rustfmt"
cargo fmt --all --check
step "the binaries' build is a subset of the test build"
"$here/check-unified.sh"

step "build and lint (clippy) the workspace and its tests"
cargo test --locked --workspace --no-run "$@"

# The provider's end-to-end tests (`--test cli`) spend their minutes waiting for their dev
# nodes' epochs, so they run beside the rest rather than after it; their output follows.
step "run the workspace's tests (the provider's end-to-end tests alongside)"
cli_log="$(mktemp)"
cli_skips=()
while read -r name; do
	cli_skips+=(--skip "$name")
done < <(cargo test --locked --workspace --test cli -- --list --format terse 2>/dev/null |
	sed -n 's/: test$//p')
[ "${#cli_skips[@]}" -gt 0 ] || { echo "[test] no provider end-to-end tests found" >&2; exit 1; }
# All four at once: the simulator's is the longest, and the others would queue behind it.
RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}" cargo test --locked --workspace --test cli >"$cli_log" 2>&1 &
cli_pid=$!
# Several end-to-end tests at a time: they wait on block production more than they compute.
status=0
RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}" cargo test --locked --workspace -- "${cli_skips[@]}" ||
	status=$?
wait "$cli_pid" || status=$?
echo "[test] the provider's end-to-end tests:" >&2
cat "$cli_log"
rm -f "$cli_log"
[ "$status" -eq 0 ] || exit "$status"

# The Polkadot.js suite and the explorer's browser tests spend their minutes waiting for their
# dev nodes' blocks: they run beside the two feature builds below, each into its own log, shown
# when it ends.
step "Polkadot.js suite and explorer (headless Chromium against a dev node with simulated devices), alongside"
pjs_log="$(mktemp)"
(
	cd polkadotjs
	[ -d node_modules/@polkadot/api ] || npm ci --no-audit --no-fund
	DEPIN_NODE="$CARGO_TARGET_DIR/debug/depin-node" npm test
) >"$pjs_log" 2>&1 &
pjs_pid=$!
explorer_log="$(mktemp)"
(
	cd explorer
	[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
	DEPIN_NODE="$CARGO_TARGET_DIR/debug/depin-node" \
		DEPIN_PROVIDER="$CARGO_TARGET_DIR/debug/depin-provider" npm test
) >"$explorer_log" 2>&1 &
explorer_pid=$!

# One build with the features for the pallets and the runtime: FRAME compiles once more, not
# twice. The runtime's own tests run above (they assume the production configuration); here
# it is compiled, linted and its generated integrity tests run. No Wasm: nothing here runs it.
status=0
step "benchmarks and try-runtime checks of the pallets; the runtime with both features"
SKIP_WASM_BUILD=1 cargo test --locked "${pallets[@]}" -p depin-runtime \
	--features runtime-benchmarks,try-runtime || status=$?

# The runtime fuzzer (runtime/src/tests/fuzz.rs), one short fixed seed: random transactions
# from every pallet, every invariant after every block. It needs try_state on the runtime as it
# runs, not in its benchmark configuration above. scripts/fuzz.sh runs a million calls.
if [ "$status" -eq 0 ]; then
	step "the runtime fuzzer: a short fixed seed"
	SKIP_WASM_BUILD=1 cargo test --locked -p depin-runtime --features try-runtime tests::fuzz -- \
		--nocapture || status=$?
fi

wait "$pjs_pid" || status=$?
step "the Polkadot.js suite ended:"
cat "$pjs_log"
wait "$explorer_pid" || status=$?
step "the explorer's tests ended:"
cat "$explorer_log"
rm -f "$pjs_log" "$explorer_log"
[ "$status" -eq 0 ] || exit "$status"

step "zombienet network tests"
DEPIN_SNAPSHOT="$CARGO_TARGET_DIR/zombienet-snapshot.txt" "$here/zombienet.sh"

# The live network's upgrade again, offline: its migrations on the state they ran on there,
# with try-runtime's checks before and after and every pallet's try_state (the fuzzer's build).
step "the upgrade's migrations on the live network's snapshot (try-runtime)"
DEPIN_SNAPSHOT="$CARGO_TARGET_DIR/zombienet-snapshot.txt" SKIP_WASM_BUILD=1 \
	cargo test --locked -p depin-runtime --features try-runtime tests::snapshot -- --ignored \
	--nocapture
step "done"
