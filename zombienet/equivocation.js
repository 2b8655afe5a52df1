// Dave equivocates: a second node with Dave's BABE key (his twin) joins the network, and in
// Dave's slots both nodes author a block, two blocks for one slot. The other nodes report the
// equivocation through the runtime (an unsigned report only the reporting node's own block
// includes); the chain records the offence, disables Dave at once and removes him from the
// validator set (he leaves BABE's and GRANDPA's sets two sessions later). Returns 1 when a
// finalized block holds the report with those effects, and the network keeps producing and
// finalizing.
//
// GRANDPA's equivocations are not part of it: a twin with Dave's GRANDPA key votes for another
// block than Dave's node only while it lags behind (the nodes vote two blocks below their
// best), which depends on timing (in 2 of 3 runs a twin catching up did: reported and
// recorded as `grandpa:equivoca`). Their reports take the same path through the runtime,
// tested in runtime/src/tests/equivocation.rs.
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

	// The twin, with Dave's BABE key: in each of Dave's slots both nodes author a block.
	const name = "dave-twin";
	prepare(name, ["babe"]);
	const started = next - 1;
	const twin = await startNode(networkInfo, name, chain, ["--validator", boot]);
	let babe;
	try {
		babe = await waitUntil("a report of Dave's BABE equivocation, finalized", 240, async () => {
			await scan();
			return offence("babe:");
		});
	} finally {
		twin.stop();
	}
	console.log(`the twin started after #${started}; the report is in #${babe.number}`);

	// The offence disabled Dave and removed him from the set.
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

	// The network goes on producing and finalizing (Dave, disabled, authors no more blocks;
	// he votes in GRANDPA until he leaves its set, two session boundaries later).
	const target = babe.number + 3;
	await waitUntil(`finality of #${target}`, 120, async () => (await finalizedNumber(uri)) >= target);
	console.log(`finalized #${target}`);
	await api.disconnect();
	return 1;
}

module.exports = { run };
