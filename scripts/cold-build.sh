#!/usr/bin/env bash
# Measures a newcomer's first run, as docs/build-times.md reports it: on a fresh clone of this
# repository (its HEAD) and an empty target folder, `./scripts/dev.sh` until the node has
# finalized its first block, then `./scripts/test.sh --timings` (everything CI runs, with
# cargo's build timing report). Crates already in ~/.cargo are not downloaded again (time
# `cargo fetch --locked` for that). Writes the logs, each line prefixed with the seconds since
# its step began, cargo's timing reports (dev.sh's two builds and the test build) and the
# figures, with each report's summary (scripts/build-timings.py), under $DEPIN_COLD_DIR
# (default /tmp/depin-cold).
#
#   scripts/cold-build.sh               # a new target folder under $DEPIN_COLD_DIR
#   scripts/cold-build.sh ~/.cache/depin-target   # an empty folder of your choice
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${DEPIN_COLD_DIR:-/tmp/depin-cold}"
target="${1:-$work/target}"
if [ -d "$target" ] && [ -n "$(ls -A "$target")" ]; then
	echo "[cold] $target is not empty: a cold build needs an empty target folder" >&2
	exit 1
fi
rm -rf "$work/clone" "$work/tmp"
mkdir -p "$work/tmp" "$target"
git clone -q "$root" "$work/clone"
cd "$work/clone"
commit="$(git rev-parse --short HEAD)"
export CARGO_TARGET_DIR="$target" TMPDIR="$work/tmp"
stamp() { while IFS= read -r line; do printf '%5d %s\n' "$SECONDS" "$line"; done; }

echo "[cold] $commit: ./scripts/dev.sh until the first finalized block" >&2
SECONDS=0
DEPIN_CARGO_ARGS=--timings setsid scripts/dev.sh > >(stamp >"$work/dev.out") 2>&1 &
dev_pid=$!
node_log="$TMPDIR/depin-dev-node.log"
until grep -q 'finalized #[1-9]' "$node_log" 2>/dev/null; do
	if ! kill -0 "$dev_pid" 2>/dev/null; then
		echo "[cold] dev.sh stopped before the first finalized block; see $work/dev.out" >&2
		exit 1
	fi
	sleep 2
done
dev_finalized=$SECONDS
dev_built="$(sed -n 's/^ *\([0-9]*\) .*depin-node running.*/\1/p' "$work/dev.out" | head -n 1)"
kill -- "-$dev_pid" 2>/dev/null || true
sleep 3

echo "[cold] $commit: ./scripts/test.sh --timings after it" >&2
SECONDS=0
status=0
scripts/test.sh --timings 2>&1 | stamp >"$work/test.out" || status=$?
test_total=$SECONDS
test_built="$(grep -m1 -n 'Running unittests\|Running tests/' "$work/test.out" | sed 's/^[0-9]*: *\([0-9]*\) .*/\1/' || true)"
# cargo's timing reports, oldest first: dev.sh's node build, its provider build, the test build.
reports=()
for report in "$target"/cargo-timings/cargo-timing-*.html; do
	[ -f "$report" ] || continue
	cp "$report" "$work/"
	reports+=("$work/$(basename "$report")")
done
{
	echo "commit $commit, $(date -u +%Y-%m-%d), $(nproc) cores"
	echo "dev.sh: build done and node started at ${dev_built:-?} s, first finalized block at $dev_finalized s"
	echo "test.sh after dev.sh: first test binary ran at ${test_built:-?} s, finished at $test_total s (exit $status)"
	for report in "${reports[@]}"; do
		echo
		echo "$(basename "$report"):"
		"$root/scripts/build-timings.py" "$report"
	done
} | tee "$work/figures.txt"
exit "$status"
