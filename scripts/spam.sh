#!/usr/bin/env bash
# The spam flood (issue 28): four validators of the committed `local` chain spec, honest devices
# of the simulator proving, and for SPAM_SECONDS (default 600) floods of invalid storage
# proofs, junk batches and remarks from many funded accounts, planned at SPAM_MULTIPLE
# (default 10) times what blocks hold; what was sent is reported beside it (on this 2-core
# machine about 4 blocks' worth: zombienet/spam.js says how each figure is measured). Writes the figures to
# SPAM_REPORT (default docs/spam.json); docs/spam.md shows them. `scripts/test.sh` runs a
# one-minute flood in zombienet/live.zndsl.
#
#   scripts/spam.sh                      # ten minutes
#   SPAM_SECONDS=120 scripts/spam.sh     # two
set -euo pipefail
cd "$(dirname "$0")/.."
export SPAM_SECONDS="${SPAM_SECONDS:-600}"
export SPAM_REPORT="${SPAM_REPORT:-$PWD/docs/spam.json}"
export DEPIN_CHAIN_SPEC="$PWD/chain-specs/local.raw.json"
# No upgrade runs here: keep scripts/zombienet.sh off the live suite's snapshot.
export DEPIN_SNAPSHOT="${TMPDIR:-/tmp}/depin-spam-no-snapshot.txt"
exec scripts/zombienet.sh spam/flood
