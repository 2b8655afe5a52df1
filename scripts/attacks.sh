#!/usr/bin/env bash
# Plays every adversary of the simulator (`depin-provider simulate --adversary all`) on a fresh
# dev chain next to the honest devices, for DEPIN_ATTACK_EPOCHS epochs (default 8, a minute
# each), and writes docs/attacks.md from that run: for each strategy what it spent (transaction
# fees, burned fees, slashes), what it earned (rewards claimed), reward/cost, what it locked,
# the rule that stops it and the tests that show the rule. Nothing in the table is typed.
#
#   ./scripts/attacks.sh                   # 8 epochs, writes docs/attacks.md
#   DEPIN_ATTACK_EPOCHS=3 ./scripts/attacks.sh /tmp/attacks.md   # a short run elsewhere
#   DEPIN_ATTACK_KEEP=/tmp/run.jsonl ./scripts/attacks.sh          # keep the run's JSON lines
#   DEPIN_ATTACK_FROM=/tmp/run.jsonl DEPIN_ATTACK_STARTED=2026-12-05T02:38Z ./scripts/attacks.sh
#                                          # write the page again from a kept run (no new run)
#
# Builds the node and the provider (debug, the test build's profile) if needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
. "$here/env.sh"
out="${1:-docs/attacks.md}"
epochs="${DEPIN_ATTACK_EPOCHS:-8}"
port="${DEPIN_ATTACK_PORT:-9977}"

work="$(mktemp -d)"
if [ -n "${DEPIN_ATTACK_FROM:-}" ]; then
	cp "$DEPIN_ATTACK_FROM" "$work/run.jsonl"
	started="${DEPIN_ATTACK_STARTED:?DEPIN_ATTACK_STARTED: when the kept run started}"
	trap 'rm -rf "$work"' EXIT INT TERM
else
cargo build --locked --workspace --bin depin-node --bin depin-provider
node="$CARGO_TARGET_DIR/debug/depin-node"
provider="$CARGO_TARGET_DIR/debug/depin-provider"
"$node" --dev --base-path "$work/chain" --rpc-port "$port" --port "${DEPIN_ATTACK_P2P_PORT:-30377}" \
	--no-prometheus --no-telemetry --no-mdns >"$work/node.log" 2>&1 &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
url="ws://127.0.0.1:$port"
for _ in $(seq 1 120); do
	DEPIN_PROVIDER_HOME="$work/home" "$provider" --url "$url" status >/dev/null 2>&1 && break
	kill -0 "$node_pid" 2>/dev/null || { echo "[attacks] the node exited; see $work/node.log" >&2; cat "$work/node.log" >&2; exit 1; }
	sleep 1
done
started="$(date -u +%Y-%m-%dT%H:%MZ)"
echo "[attacks] $epochs epochs of every adversary next to 9 honest devices and 4 weather stations ($url)" >&2
DEPIN_PROVIDER_HOME="$work/home" "$provider" --url "$url" --json simulate --devices 9 --cheaters 0.34 --adversary all \
	--stations 4 --epochs "$epochs" >"$work/run.jsonl"
# The run's JSON lines, kept where DEPIN_ATTACK_KEEP says (to read the adversaries' own lines).
if [ -n "${DEPIN_ATTACK_KEEP:-}" ]; then cp "$work/run.jsonl" "$DEPIN_ATTACK_KEEP"; fi
fi
python3 - "$work/run.jsonl" "$out" "$epochs" "$started" <<'EOF'
import json, sys
run, out, epochs, started = sys.argv[1:]
order = [
    "self-deal", "storage-regenerate", "storage-duplicate", "self-job", "compute-sybil",
    "fault-dodge", "relay-grief", "witness-ring", "location-spoof", "sensor-lie", "sensor-copy",
]
lines = [json.loads(l) for l in open(run) if l.strip()]
plans = {l["strategy"]: l["plan"] for l in lines if l.get("event") == "adversary"}
rules = {l["strategy"]: (l["rule"], l["tests"]) for l in lines if l.get("event") == "adversary"}
summary = lines[-1]
books = {b["strategy"]: b for b in summary.get("adversaries", [])}
errors = [l for l in lines if l.get("event") == "adversaryError"]
dpn = lambda planck: f"{int(planck) / 1e12:.4f}"
rows = []
for strategy, plan in sorted(plans.items(), key=lambda p: order.index(p[0]) if p[0] in order else len(order)):
    b = books.get(strategy)
    rule, tests = rules.get(strategy, ("", ""))
    if b is None:
        rows.append(f"| `{strategy}` | {plan} | – | – | – | – | {rule} | {tests} |")
        continue
    ratio = f"{b['rewardPerCost']:.3f}"
    extra = ""
    if strategy == "storage-regenerate":
        extra = f" ({b['proofs']} proofs accepted, keeping {b['bytesStored']} bytes for 64 KiB of data)"
    if strategy == "storage-duplicate":
        extra = (f" ({b['refusedItems']} of its three commitments refused; {b['proofs']} proofs of its one"
                 f" sector accepted, keeping one copy of {b['bytesStored']} bytes)")
    if strategy == "fault-dodge":
        def escape(e):
            steps = ", ".join(f"`{s['call']}` {s['answer']}" for s in e["steps"])
            slashed = f"slashed {dpn(e['slashed'])} DPN" if int(e["slashed"]) else "not slashed by the end of the run"
            return f"{e['route']}: {steps}; {slashed}"
        tried = "; ".join(escape(e) for e in b["escapes"])
        extra = f" ({b['escapesTried']} escapes tried" + (f": {tried}" if tried else "") + ")"
    if strategy == "compute-sybil":
        extra = f" ({b['audits']} audits passed, {b['workSeconds']:.1f} s of work)"
    if strategy == "relay-grief":
        extra = f" ({b['refusedItems']} items refused)"
    if strategy == "witness-ring":
        extra = f" ({b['refusedItems']} receipts refused once its hotspots lost their share)"
    if strategy == "location-spoof":
        extra = f" ({b['refusedItems']} receipts refused once it lost its share)"
    if strategy in ("sensor-lie", "sensor-copy") and b["sensors"]["attested"] == 0:
        extra = f" ({b['refusedItems']} enrolment(s) refused: no maker's certificate of its keys)"
    elif strategy in ("sensor-lie", "sensor-copy"):
        s = b["sensors"]
        quality = ", ".join(f"{n} at {q}" for q, n in s["quality"].items()) or "none"
        extra = (f" ({s['attested']} batches attested, {s['verified']} audits passed: {quality};"
                 f" {dpn(b['sold'])} DPN paid by the buyer, {dpn(b['claimed'])} claimed from the pool)")
    rows.append(
        f"| `{strategy}` | {plan}{extra} | {dpn(b['spent'])} | {dpn(b['earned'])} | {ratio} | "
        f"{dpn(b['locked'])} | {rule} | {tests} |"
    )
honest = [l for l in lines if l.get("event") == "epoch"]
claimed = sum(int(l["claimed"]) for l in honest)
stations_paid = sum(int(l.get("sensors", {}).get("paid", 0)) for l in honest)
lie, copy = books.get("sensor-lie"), books.get("sensor-copy")
paid = [s for s, b in books.items() if b.get("rewardPerCost", 0) >= 1]
ring = books.get("witness-ring", {})
ring_paid = ring.get("rewardPerCost", 0) >= 1
with open(out, "w") as f:
    f.write(f"""# Attacks: what each way of farming rewards costs and earns

Generated by `./scripts/attacks.sh` (do not edit by hand) from a run of
`depin-provider simulate --devices 9 --cheaters 0.34 --adversary all --stations 4 --epochs {epochs}` on a
fresh dev chain (debug build, started {started}, one-minute epochs). Each
adversary is an account of its own, funded once; **spent** is what left its books other than
into its own holds (transaction fees, burned protocol fees, slashes), **earned** what it
claimed from the reward pools and what a buyer paid its stations, **locked** what it holds as deposits and collateral at the end
(its own money, returned when it leaves). A strategy pays when reward/cost reaches 1. Amounts in
DPN.

| strategy | what it does | spent | earned | reward/cost | locked | the rule that stops it | the tests |
|---|---|---|---|---|---|---|---|
""")
    f.write("\n".join(rows) + "\n")
    if paid:
        f.write("\n**Paid in this run** (reward/cost at least 1, a rule that did not hold): "
                + ", ".join(f"`{s}`" for s in paid) + ". See below.\n")
    f.write(f"""
Next to them the honest devices (three storage, three coverage, three compute; a third of each
cheating as `./scripts/dev.sh` shows) claimed {dpn(claimed)} DPN over the same epochs, and the
simulator's weather stations (four honest ones, a lying and a faking one) were paid
{dpn(stations_paid)} DPN by their buyer.

The self-dealers come closest to 1, and cannot reach it: the pool pays a device's storage or
compute points at most the fees its deals or jobs burned in the epoch, so the best a provider
paying itself can do is get its fee back, and it pays the transaction fees on top. Nor does it
take anything from honest providers while it breaks even: each of them is capped by its own
fees too, and what the caps hold back goes to the treasury. It dilutes their shares only when
the fees paid in an epoch outgrow the pool, and then it gets back less than it burned.

The witness ring arrives among established hotspots: its newcomers are on probation (they earn
nothing, and make no pioneers, where the cell was inhabited in the last `PioneerAfter` epochs)
until the judges of their cell (vouched hotspots that witness its beacons) witness a beacon of
theirs, which they never do; and once its beacons have been judged unheard `UnheardLimit`
times in a row, its receipts are refused. In a cell nobody inhabited for that long it would
earn like an honest cluster of its size: see pallets/coverage/README.md, "Rings" (a run of
2026-12-05 paid it 203 times its cost, the rules were changed, and the regression test plays
that run's world 160 ways). The location spoofer is a ring of one: its receipts (copied
beacons, within their receipt window) are taken and pay nothing while it is on probation, and
refused once it has lost its share.
""")
    if ring_paid:
        by_epoch = [(l["epoch"], int(l["earned"])) for l in lines
                    if l.get("event") == "adversaryBooks" and l.get("strategy") == "witness-ring"]
        first = next((e for e, earned in by_epoch if earned > 0), None)
        f.write(f"""
**In this run the ring was paid**: it earned {dpn(ring['earned'])} DPN for {dpn(ring['spent'])}
spent, all of it in the claim its books show from epoch {first} on, before its receipts were
refused. The rules above did not keep it from earning in that epoch: a rule that did not hold
(the known gaps are in pallets/coverage/README.md, "What remains possible"). Another run may
show the ring earning nothing (the draws differ), but one run where it is paid is enough:
coverage rewards can be farmed this way until it is fixed.
""")
    refused = lie and copy and lie["sensors"]["attested"] == 0 and copy["sensors"]["attested"] == 0
    if refused:
        f.write(f"""
The sensor adversaries have no real device: the dev chain's weather-station schema takes
stations whose key a maker governance trusts certified only (a key made in the hardware and
signed by its maker at the factory; pallets/sensors/README.md, "Makers"), so their
{int(lie['refusedItems']) + int(copy['refusedItems'])} enrolments are refused (`NotCertified`)
and they attest, sell and earn nothing; they paid their registration fees and keep their
deposits locked. Without that rule (a schema that requires no certificate) the run of
2026-12-07 before it paid the liar 1.83 times its cost and the copies 3.46 times theirs, out of
what the buyer paid for the cell: the neighbour check scores what a station says, not whether
it has a thermometer, and the crowd rule bounds what copies take from the stations they copy
without stopping it. What is left is a real device that lies or copies: it is scored against
its neighbours, and it costs what a station costs.
""")
    elif lie and copy:
        lie_paid, copy_paid = lie.get("rewardPerCost", 0) >= 1, copy.get("rewardPerCost", 0) >= 1
        f.write(f"""
The sensor adversaries sell data they never measured to a real buyer, and nothing on chain
tells copied readings from measured ones: the neighbour check scores what a station says, not
whether it has a thermometer. The liar is paid for the fields its neighbours agree with (it
copies them) and not for the temperature it moved; the copies pass every field, and the crowd
rule shares each field's points among the stations saying the same (four devices' worth a home
cell an epoch), so the buyer's bill for the cell does not grow with them: what they take comes
out of the honest stations' share of it. In this run the liar earned {dpn(lie['earned'])} DPN
for {dpn(lie['spent'])} spent and the copies {dpn(copy['earned'])} DPN for {dpn(copy['spent'])}
spent.""")
        if lie_paid or copy_paid:
            f.write(""" **Both rules bound what a sensor adversary is paid; neither makes it
unprofitable**: a station that copies its neighbours earns more than its transaction fees as long
as somebody buys the cell's data. The answer is a device key a fake cannot have (keys attested by
the maker of the hardware, as Helium's and WeatherXM's onboarding does), which
the schema does not require (pallets/sensors/README.md, "Makers").
""")
        else:
            f.write("\n")
    f.write("""
The storage regenerator has its proofs accepted: the chain cannot tell data regenerated from
a seed from data stored. It earns nothing all the same, because only deal-backed storage earns
(pallets/proofs/README.md), and a client's deal cannot be served that way: the client chose
its data, and the client tool seals each replica with a key of its own, so replicas share no
root and none regenerates from another. The duplicator gets one sector: the chain keeps a root
once on the whole chain (`RootHolders`), so its second and third commitments of the same root
are refused (`DuplicateRoot`), and that one sector earns nothing without a deal.

The fault dodger's ways out are refused (`withdraw` while its challenge is open, a move within
a day of the last) or do not help: a commitment it does not reveal is punished as a caught
fake at once when the device retires or changes hands (out of the seller's deposit: the buyer
cannot reveal checkpoints it never ran), otherwise at the deadline wherever the device stands.

The compute sybil passes every audit it is drawn for and earns nothing; what it pays is the
work: a declared unit is about a tenth of a second of a core per audit
([compute-audits.md](compute-audits.md)), so a process carrying many devices pays their time
whenever the draw audits them together (every device every epoch on the dev chain, a quarter
of them at random by default).
""")
    if errors:
        f.write("\nErrors during the run (an adversary's failed transaction):\n\n")
        for e in errors:
            f.write(f"- `{e['strategy']}`: {e['error']}\n")
print(f"[attacks] wrote {out}", file=sys.stderr)
EOF
