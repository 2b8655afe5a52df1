#!/usr/bin/env bash
# Checks that the binaries' build (`cargo build --workspace --bins`, which polkadotjs.sh,
# zombienet.sh and chain-specs.sh run; scripts/dev.sh builds the same two binaries one at a
# time) is a subset of the test build (`cargo
# test --workspace`): every unit the first compiles, with the same features, profile and
# dependencies, is one the second compiles too, so running the tests after ./scripts/dev.sh
# reuses the binaries' artifacts and compiles only the test targets and dev-dependencies. A
# dev-dependency that turns on a feature deep in the tree breaks this (the whole tree above it
# is compiled twice); the fix is a line in node/workspace-hack/Cargo.toml. Plans the two builds
# with cargo's unit graph (`-Z unstable-options --unit-graph`, allowed on a stable toolchain
# with RUSTC_BOOTSTRAP=1 for this read-only query); compiles nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
plans="$(mktemp -d)"
trap 'rm -rf "$plans"' EXIT
RUSTC_BOOTSTRAP=1 cargo build --locked --workspace --bins -Z unstable-options --unit-graph \
	>"$plans/bins.json"
RUSTC_BOOTSTRAP=1 cargo test --locked --workspace --no-run -Z unstable-options --unit-graph \
	>"$plans/tests.json"
python3 - "$plans/bins.json" "$plans/tests.json" <<'PY'
import hashlib, json, sys

def units(path):
    """Each unit keyed by what makes its artifact: package, features, target, mode, profile
    (its name aside: tests build dependencies in the dev profile too) and, recursively, its
    dependencies."""
    graph = json.load(open(path))["units"]
    keys = {}

    def key(i):
        if i not in keys:
            u = graph[i]
            profile = {k: v for k, v in u["profile"].items() if k != "name"}
            parts = [u["pkg_id"], sorted(u["features"]), u["platform"], u["mode"],
                     u["target"]["name"], profile,
                     sorted(key(d["index"]) for d in u["dependencies"])]
            keys[i] = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
        return keys[i]

    return {key(i): graph[i] for i in range(len(graph))}

bins, tests = units(sys.argv[1]), units(sys.argv[2])
extra = [u for k, u in bins.items() if k not in tests]
print(f"[unified] binaries' build: {len(bins)} units, test build: {len(tests)} units, "
      f"compiled only for the binaries: {len(extra)}", file=sys.stderr)
for u in sorted(extra, key=lambda u: u["pkg_id"]):
    print(f"  {u['pkg_id']} [{','.join(u['features'])}] {u['target']['name']}", file=sys.stderr)
sys.exit(1 if extra else 0)
PY
