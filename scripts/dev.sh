#!/usr/bin/env bash
# Sets up the machine if needed, builds the node and the provider, and starts a development chain with a
# living network on it: `depin-node --dev` (Alice authors a block every 6 s with BABE and
# finalizes it with GRANDPA, ParityDB under a temporary folder; set DEPIN_BASE_PATH to keep
# the chain) and `depin-provider simulate`, which registers simulated devices of every kind
# and keeps the storage ones proving and the coverage hotspots beaconing and witnessing — a
# quarter of each cheating, so faults, suspensions, slashes and rejected receipts show up next
# to rewards — and adversaries, each with an account of its own, whose books (spent, earned)
# are printed every epoch, and weather stations near Paris (four honest ones, a broken, a
# lying and a faking one) with a buyer of their data, and two energy meters trading energy;
# and the block explorer (scripts/explorer.sh). RPC on ws://127.0.0.1:9944.
#
#   ./scripts/dev.sh                      # node + 12 simulated devices + every adversary
#   DEPIN_SIM_DEVICES=30 ./scripts/dev.sh # more devices
#   DEPIN_SIM_ADVERSARIES=self-job ./scripts/dev.sh  # some adversaries (`none`: no adversary)
#   DEPIN_SIM_STATIONS=0 ./scripts/dev.sh # no weather stations (4 honest ones by default)
#   DEPIN_SIM_DEVICES=0 ./scripts/dev.sh  # the node alone
#   DEPIN_EXPLORER=0 ./scripts/dev.sh     # without the explorer (served on http://127.0.0.1:4173)
#
# Extra arguments go to depin-node. Ctrl-C stops both.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
"$here/setup.sh"
. "$here/env.sh"
# Only the binaries, the node first so the chain starts as early as it can, then the provider
# while the chain runs; with the same profile and features as the test build
# (scripts/check-unified.sh checks it), so the tests reuse every artifact built here.
# DEPIN_CARGO_ARGS: extra arguments for both builds (scripts/cold-build.sh passes --timings).
read -r -a cargo_args <<<"${DEPIN_CARGO_ARGS:-}"
cargo build --locked --workspace --bin depin-node "${cargo_args[@]}"
node="$CARGO_TARGET_DIR/debug/depin-node"
provider="$CARGO_TARGET_DIR/debug/depin-provider"
if [ -n "${DEPIN_BASE_PATH:-}" ]; then
	base=(--base-path "$DEPIN_BASE_PATH")
else
	base=(--tmp)
fi
devices="${DEPIN_SIM_DEVICES:-12}"
if [ "$devices" = 0 ]; then
	exec "$node" --dev "${base[@]}" "$@"
fi
log="${TMPDIR:-/tmp}/depin-dev-node.log"
"$node" --dev "${base[@]}" "$@" >"$log" 2>&1 &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null' EXIT INT TERM
echo "[dev] depin-node running (pid $node_pid, log $log), RPC ws://127.0.0.1:9944" >&2
if [ "${DEPIN_EXPLORER:-1}" != 0 ]; then
	explorer_log="${TMPDIR:-/tmp}/depin-explorer.log"
	"$here/explorer.sh" >"$explorer_log" 2>&1 &
	explorer_pid=$!
	trap 'kill "$node_pid" "$explorer_pid" 2>/dev/null; wait "$node_pid" "$explorer_pid" 2>/dev/null' EXIT INT TERM
	echo "[dev] explorer on http://127.0.0.1:${EXPLORER_PORT:-4173}/ (log $explorer_log; DEPIN_EXPLORER=0 skips it)" >&2
fi
cargo build --locked --workspace --bin depin-provider "${cargo_args[@]}"
for _ in $(seq 1 120); do
	"$provider" status >/dev/null 2>&1 && break
	kill -0 "$node_pid" 2>/dev/null || { echo "[dev] the node exited; see $log" >&2; exit 1; }
	sleep 1
done
adversaries=()
if [ "${DEPIN_SIM_ADVERSARIES:-all}" != none ]; then
	adversaries=(--adversary "${DEPIN_SIM_ADVERSARIES:-all}")
fi
echo "[dev] simulating $devices devices (depin-provider simulate); Ctrl-C stops both" >&2
stations="${DEPIN_SIM_STATIONS:-4}"
"$provider" simulate --devices "$devices" --cheaters 0.25 --stations "$stations" "${adversaries[@]}"
