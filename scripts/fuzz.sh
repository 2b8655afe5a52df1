#!/usr/bin/env bash
# The runtime fuzzer's long run (issue 28): random transactions from every pallet on the real
# runtime, the invariants checked after every block (runtime/src/tests/fuzz.rs). Runs seeds one
# after another, each a test process of DEPIN_FUZZ_CALLS calls (default 5,000: the run slows as
# its chain fills with devices, sectors and deals, so many seeds go faster than one long one), until
# DEPIN_FUZZ_TOTAL calls (default 1,000,000) were made; prints each seed's line (calls,
# outcomes, blocks, epochs, invariants checked, calls per second), the totals, and the seeds
# that failed. CI runs one short seed (`scripts/test.sh`).
#
#   scripts/fuzz.sh                       # a million calls from seed 1 on
#   DEPIN_FUZZ_FIRST_SEED=1000 DEPIN_FUZZ_TOTAL=200000 scripts/fuzz.sh
#   DEPIN_FUZZ_SEED=17 DEPIN_FUZZ_CALLS=5000 SKIP_WASM_BUILD=1 cargo test -p depin-runtime \
#       --features try-runtime tests::fuzz -- --nocapture   # replay one seed
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
. "$here/env.sh"
per_seed="${DEPIN_FUZZ_CALLS:-5000}"
total="${DEPIN_FUZZ_TOTAL:-1000000}"
seed="${DEPIN_FUZZ_FIRST_SEED:-1}"
# The runtime as it runs (not its benchmark configuration), with try_state: scripts/test.sh's
# fuzzing step.
build=(cargo test --locked -p depin-runtime --features try-runtime)
export SKIP_WASM_BUILD=1
"${build[@]}" --no-run
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
calls=0
invariants=0
failed=()
started=$SECONDS
while [ "$calls" -lt "$total" ]; do
	if DEPIN_FUZZ_SEED="$seed" DEPIN_FUZZ_CALLS="$per_seed" "${build[@]}" \
		tests::fuzz -- --nocapture --test-threads 1 >"$log" 2>&1; then
		line="$(grep -o '\[fuzz\] seed .*' "$log")"
		echo "$line"
		calls=$((calls + $(sed 's/.*: \([0-9]*\) calls.*/\1/' <<<"$line")))
		invariants=$((invariants + $(sed 's/.* \([0-9]*\) invariants.*/\1/' <<<"$line")))
	else
		echo "[fuzz] seed $seed FAILED:"
		grep -E '\[fuzz\]|panicked|assert' "$log" | head -20
		failed+=("$seed")
		calls=$((calls + per_seed))
	fi
	seed=$((seed + 1))
done
elapsed=$((SECONDS - started))
echo "[fuzz] $calls calls, $invariants invariants checked, in ${elapsed} s" \
	"($((calls / (elapsed > 0 ? elapsed : 1))) calls/s with each seed's genesis and start-up)"
if [ "${#failed[@]}" -gt 0 ]; then
	echo "[fuzz] failing seeds: ${failed[*]} (replay: DEPIN_FUZZ_SEED=<seed> DEPIN_FUZZ_CALLS=$per_seed" \
		"${build[*]} tests::fuzz -- --nocapture)"
	exit 1
fi
echo "[fuzz] no failing seed"
