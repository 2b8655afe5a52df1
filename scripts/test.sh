#!/usr/bin/env bash
# Sets up the machine if needed, then runs every test of the workspace: pallet and runtime
# unit tests, the runtime's generated integrity tests, and the end-to-end tests that start the
# `depin-node` binary built by this same command. Extra arguments go to `cargo test`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
"$here/setup.sh"
. "$here/env.sh"
echo "[test] CARGO_TARGET_DIR=$CARGO_TARGET_DIR" >&2
exec cargo test --locked --workspace "$@"
