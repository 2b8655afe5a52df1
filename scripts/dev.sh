#!/usr/bin/env bash
# Sets up the machine if needed, builds depin-node and starts a development chain: Alice
# authors a block every 6 s (BABE) and finalizes it (GRANDPA), stored in ParityDB under a
# temporary folder (set DEPIN_BASE_PATH to keep the chain between runs). RPC on ws://127.0.0.1:9944.
# Extra arguments go to depin-node.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
"$here/setup.sh"
. "$here/env.sh"
# Built with every target so that the binary and its dependencies are the very artifacts the
# tests use (same profile, same features): running the tests afterwards compiles nothing again.
cargo build --locked --workspace --all-targets
node="$CARGO_TARGET_DIR/debug/depin-node"
if [ -n "${DEPIN_BASE_PATH:-}" ]; then
	exec "$node" --dev --base-path "$DEPIN_BASE_PATH" "$@"
else
	exec "$node" --dev --tmp "$@"
fi
