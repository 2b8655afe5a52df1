// Dave equivocates: a second node with Dave's session keys (his twin) joins the network, with
// Dave's BABE key alone: in Dave's slots both nodes author, two blocks for one slot. The other
// nodes report the equivocation through the runtime (an unsigned report only the reporting
// node's own block includes); the chain records the offence, disables Dave at once and
// removes him from the validator set (he leaves BABE's and GRANDPA's sets two sessions
// later). Then a new twin with Dave's GRANDPA key votes: two different votes of Dave in one
// round, which GRANDPA's voters report, a second offence. Returns 1 when finalized blocks hold
// both reports with those effects, and the three others keep producing and finalizing.
const { execFileSync } = require("child_process");
const path = require("path");
const { finalizedNumber, waitUntil, bootnode, startNode } = require("./lib.js");

async function run(nodeName, networkInfo) {
	const { wsUri: uri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
	const api = await zombie.connect(uri, userDefinedTypes);
	await zombie.util.cryptoWaitReady();
	const keyring = new zombie.Keyring({ type: "sr25519" });
	const dave = keyring.addFromUri("//Dave").address;
	const validators = (await api.query.session.validators()).map((v) => v.toString());
	const daveIndex = validators.indexOf(dave);
	if (daveIndex < 0) throw new Error(`Dave is not among the validators ${validators}`);

	// A twin's node: Dave's keys of `types` (as zombienet gave them to Dave's node) in its
	// keystore, and a network key of its own (a validator's node needs one).
	const chain = networkInfo.chainSpecPath;
	const prepare = (name, types) => {
		const basePath = path.join(networkInfo.tmpDir, name);
		const node = (...args) =>
			execFileSync(process.env.DEPIN_NODE, [...args, `--chain=${chain}`, `--base-path=${basePath}`]);
		for (const type of types) {
			const scheme = type === "gran" ? "ed25519" : "sr25519";
			node("key", "insert", `--scheme=${scheme}`, "--suri=//Dave", `--key-type=${type}`);
		}
		node("key", "generate-node-key");
	};
	const boot = `--bootnodes=${await bootnode(uri)}`;

	// The finalized blocks from `next` on, scanned for offences.
	let next = (await finalizedNumber(uri)) + 1;
	const offences = [];
	const scan = async () => {
		const finalized = await finalizedNumber(uri);
		for (; next <= finalized; next++) {
			const hash = await api.rpc.chain.getBlockHash(next);
			const events = await api.query.system.events.at(hash);
			const names = events.map(({ event }) => `${event.section}.${event.method}`);
			for (const { event } of events) {
				if (event.section !== "offences" || event.method !== "Offence") continue;
				const kind = Buffer.from(event.data[0]).toString();
				const { block } = await api.rpc.chain.getBlock(hash);
				const reports = block.extrinsics
					.map((xt) => `${xt.method.section}.${xt.method.method}`)
					.filter((call) => call.includes("reportEquivocation"));
				offences.push({ number: next, hash, kind, names, reports });
				console.log(`#${next}: offence ${kind} (${reports.join(", ")}); events ${[...new Set(names)].join(", ")}`);
			}
		}
	};
	const offence = (prefix) => offences.find(({ kind }) => kind.startsWith(prefix));
	const twin = async (what, name, types, prefix) => {
		prepare(name, types);
		const started = next - 1;
		const node = await startNode(networkInfo, name, chain, ["--validator", boot]);
		try {
			const found = await waitUntil(`a report of Dave's ${what} equivocation, finalized`, 240, async () => {
				await scan();
				return offence(prefix);
			});
			console.log(`${what}: the twin started after #${started}, the report is in #${found.number}`);
			return found;
		} finally {
			node.stop();
		}
	};

	// BABE: two blocks for one of Dave's slots (the twin with Dave's BABE key alone, so that
	// it does not vote in GRANDPA).
	const babe = await twin("BABE", "dave-twin", ["babe"], "babe:");
	for (const expected of ["session.ValidatorDisabled", "validatorSet.InvulnerableRemoved"]) {
		if (!babe.names.includes(expected)) throw new Error(`no ${expected} event in #${babe.number}`);
	}
	const at = await api.at(babe.hash);
	const disabled = (await at.query.session.disabledValidators()).map(([index]) => index.toNumber());
	const invulnerables = (await at.query.validatorSet.invulnerables()).map((v) => v.toString());
	console.log(`after #${babe.number}: disabled validators ${disabled}; the validator set has ${invulnerables.length}`);
	if (!disabled.includes(daveIndex)) throw new Error(`Dave (index ${daveIndex}) is not disabled`);
	if (invulnerables.includes(dave) || invulnerables.length !== 3)
		throw new Error(`Dave is still in the validator set ${invulnerables}`);

	// GRANDPA: two votes of Dave in one round (Dave is disabled for blocks, not for votes,
	// until he leaves the set). A new twin with Dave's GRANDPA key, still catching up when it
	// votes, votes for other blocks than Dave's node.
	const grandpa = await twin("GRANDPA", "dave-twin-grandpa", ["gran"], "grandpa:");

	// The three others go on producing and finalizing without Dave.
	const target = grandpa.number + 3;
	await waitUntil(`finality of #${target}`, 120, async () => (await finalizedNumber(uri)) >= target);
	console.log(`finalized #${target} without Dave`);
	await api.disconnect();
	return 1;
}

module.exports = { run };
