// A runtime upgrade enacted on the live network through a root referendum: the runtime
// `cargo test` built, whose `spec_version` is above the chain's. The network started on an
// earlier runtime (scripts/zombienet.sh), so the upgrade's migrations run for real. Returns 1
// when the migrations raised storage versions and kept every device and account, every node
// runs the new version and every validator keeps producing and finalizing.
const { execFileSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const { rpc, bestNumber, finalizedNumber, waitUntil } = require("./lib.js");

// What starts a compressed code blob (`sp-maybe-compressed-blob`).
const ZSTD_PREFIX = Buffer.from([0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e, 0x05]);

// Unsigned LEB128 at `pos`: [value, bytes read].
function leb128(bytes, pos) {
	let value = 0;
	let shift = 0;
	for (let read = 1; ; read++, shift += 7) {
		const byte = bytes[pos + read - 1];
		value += (byte & 0x7f) * 2 ** shift;
		if (byte < 0x80) return [value, read];
	}
}

// SCALE compact length prefix at `pos`: [value, bytes read].
function compact(bytes, pos) {
	switch (bytes[pos] & 3) {
		case 0:
			return [bytes[pos] >> 2, 1];
		case 1:
			return [bytes.readUInt16LE(pos) >> 2, 2];
		case 2:
			return [bytes.readUInt32LE(pos) >>> 2, 4];
		default:
			throw new Error("a runtime name longer than 2^30 bytes");
	}
}

// The offset of `spec_version` in the `runtime_version` custom section of a Wasm runtime (a
// SCALE `RuntimeVersion`: spec_name, impl_name, authoring_version, spec_version, ...).
function specVersionOffset(wasm) {
	if (wasm.readUInt32BE(0) !== 0x0061736d) throw new Error("not a Wasm module (compressed?)");
	let pos = 8;
	while (pos < wasm.length) {
		const id = wasm[pos];
		const [size, sizeBytes] = leb128(wasm, pos + 1);
		const body = pos + 1 + sizeBytes;
		if (id === 0) {
			const [nameLength, nameBytes] = leb128(wasm, body);
			const name = wasm.subarray(body + nameBytes, body + nameBytes + nameLength).toString();
			if (name === "runtime_version") {
				let at = body + nameBytes + nameLength;
				for (let text = 0; text < 2; text++) {
					const [length, lengthBytes] = compact(wasm, at);
					at += lengthBytes + length;
				}
				return at + 4; // after authoring_version
			}
		}
		pos = body + size;
	}
	throw new Error("no runtime_version section");
}

// The runtime code's storage key, `:code`.
const CODE = "0x3a636f6465";
// Our pallets, whose storage versions the upgrade's migrations raise.
const PALLETS = ["devices", "epochs", "proofs", "coverage", "compute", "jobs", "emission"];
// twox128(":__STORAGE_VERSION__:"), after a pallet's twox128 prefix.
const STORAGE_VERSION = "4e7b9012096b41c4eb3aaf947f6ea429";

// The twox128 prefix of `pallet`'s storage (from any of its items' keys).
function palletPrefix(api, pallet) {
	const item = Object.values(api.query[pallet]).find((entry) => entry.keyPrefix);
	return item.keyPrefix().slice(0, 34);
}

// Each of our pallets' storage version at block `at`.
async function storageVersions(api, at) {
	const versions = {};
	for (const pallet of PALLETS) {
		const raw = await api.rpc.state.getStorage(palletPrefix(api, pallet) + STORAGE_VERSION, at);
		versions[pallet] = raw.isSome ? raw.unwrap().toU8a(true)[0] : 0;
	}
	return versions;
}

// Every key and value under `prefix` at block `at`, as a Map of hex strings.
async function storageUnder(api, prefix, at) {
	const pairs = new Map();
	let start = null;
	for (;;) {
		const keys = await api.rpc.state.getKeysPaged(prefix, 500, start, at);
		if (keys.length === 0) break;
		const values = await Promise.all(keys.map((key) => api.rpc.state.getStorage(key, at)));
		keys.forEach((key, i) => pairs.set(key.toHex(), values[i].toHex()));
		start = keys[keys.length - 1];
		if (keys.length < 500) break;
	}
	return pairs;
}

async function run(nodeName, networkInfo) {
	const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
	const wasmPath = process.env.DEPIN_RUNTIME_WASM;
	if (!wasmPath) throw new Error("DEPIN_RUNTIME_WASM is not set (scripts/zombienet.sh sets it)");
	const api = await zombie.connect(wsUri, userDefinedTypes);
	await zombie.util.cryptoWaitReady();
	const alice = new zombie.Keyring({ type: "sr25519" }).addFromUri("//Alice");

	const before = (await api.rpc.state.getRuntimeVersion()).specVersion.toNumber();
	const wasm = fs.readFileSync(wasmPath);
	// The runtime runs its migrations when its own spec_version is above the one the chain
	// last upgraded to.
	const target = wasm.readUInt32LE(specVersionOffset(wasm));
	if (target <= before)
		throw new Error(`the runtime's spec_version ${target} is not above the chain's ${before}: raise it`);
	// Compressed, as production upgrades are (the test build skips the Wasm builder's
	// compressed blob): the node's zstd-compressed code format, a magic prefix and one zstd
	// frame. Uncompressed, the runtime no longer fits a normal transaction.
	const code = Buffer.concat([
		ZSTD_PREFIX,
		execFileSync("zstd", ["-19", "-q", "-c", wasmPath], { maxBuffer: 64 << 20 }),
	]);
	console.log(
		`upgrading spec_version ${before} -> ${target} with ${wasm.length} bytes of Wasm ` +
			`(${code.length} compressed)`,
	);

	// Through the root track, as on a production chain: Alice notes the call as a preimage,
	// submits it as a root referendum, places the decision deposit and votes; Bob, Charlie and
	// Dave vote too. (On the local chain a governance day lasts a block.)
	const call = api.tx.system.setCode("0x" + code.toString("hex"));
	const proposal = { Lookup: { hash: call.method.hash, len: call.method.encodedLength } };
	const index = (await api.query.referenda.referendumCount()).toNumber();
	const vote = async (who) => {
		const free = (await api.query.system.account(who.address)).data.free.toBigInt();
		const stake = free / 2n < 900_000n * 10n ** 12n ? free / 2n : 900_000n * 10n ** 12n;
		const vote = { aye: true, conviction: "Locked1x" };
		return api.tx.convictionVoting.vote(index, { Standard: { vote, balance: stake } });
	};
	const keyring = new zombie.Keyring({ type: "sr25519" });
	const finalized = (tx, who) =>
		new Promise((resolve, reject) => {
			tx.signAndSend(who, ({ status, dispatchError }) => {
				if (dispatchError) reject(new Error(dispatchError.toString()));
				if (status.isFinalized) resolve(status.asFinalized);
			}).catch(reject);
		});
	// Activity for the migrations to work on: sectors on Alice's storage device of the genesis
	// (device 0), two of them with one root (the earlier runtime let a device keep a root twice;
	// the proofs migration indexes every root once and drops the second copy). Then Alice (the
	// sudo key) suspends the device: nobody proves its sectors here, and a suspended device's
	// sectors are not challenged, so no fault changes it while the upgrade is under way.
	const roots = [0, 1].map(() => "0x" + crypto.randomBytes(32).toString("hex"));
	await finalized(
		api.tx.utility.batchAll([
			...[roots[0], roots[1], roots[0]].map((root) => api.tx.proofs.commitSector(0, root, 64)),
			api.tx.sudo.sudo(api.tx.devices.suspend(0)),
		]),
		alice,
	);
	const sectorsBefore = (await api.query.proofs.sectors.entries(0)).map(([, s]) => s.unwrap().root.toHex());
	console.log(`device 0 keeps ${sectorsBefore.length} sectors before the upgrade: ${sectorsBefore.join(", ")}`);
	if (!roots.every((root) => sectorsBefore.includes(root))) throw new Error("the sectors were not committed");
	const { status } = (await api.query.devices.devices(0)).unwrap();
	if (!status.isSuspended) throw new Error(`device 0 is ${status.toString()}, not suspended`);

	const proposed = await finalized(
		api.tx.utility.batchAll([
			api.tx.preimage.notePreimage(call.method.toHex()),
			api.tx.referenda.submit({ system: "Root" }, proposal, { After: 1 }),
			api.tx.referenda.placeDecisionDeposit(index),
			await vote(alice),
		]),
		alice,
	);
	const proposedAt = (await api.rpc.chain.getHeader(proposed)).number.toNumber();
	console.log(`referendum ${index} submitted and voted in block #${proposedAt}`);
	await Promise.all(
		["//Bob", "//Charlie", "//Dave"].map(async (uri) => {
			const voter = keyring.addFromUri(uri);
			return finalized(await vote(voter), voter);
		}),
	);

	// Enacted: the block whose events hold the referendum's `CodeUpdated`.
	let enactedAt = proposedAt;
	let block = null;
	await waitUntil("the referendum enacting the upgrade", 300, async () => {
		const finalizedAt = await finalizedNumber(wsUri);
		for (; enactedAt <= finalizedAt; enactedAt++) {
			const hash = await api.rpc.chain.getBlockHash(enactedAt);
			const events = await api.query.system.events.at(hash);
			if (events.some(({ event }) => api.events.system.CodeUpdated.is(event))) {
				block = hash;
				return true;
			}
		}
		return false;
	});
	console.log(`CodeUpdated in block #${enactedAt} (${block.toHex()}), finalized`);

	// The state the migrations run on (the enacting block's: the next block runs them), for
	// the try-runtime test of the same upgrade offline (runtime/src/tests/snapshot.rs):
	// `block <number>`, then a `<key> <value>` line for every key but the runtime code.
	if (process.env.DEPIN_SNAPSHOT) {
		const state = await storageUnder(api, "0x", block);
		const lines = [`block ${enactedAt}`];
		for (const [key, value] of state) if (key !== CODE) lines.push(`${key} ${value}`);
		fs.writeFileSync(process.env.DEPIN_SNAPSHOT, lines.join("\n") + "\n");
		console.log(`${lines.length - 1} keys of #${enactedAt} written to ${process.env.DEPIN_SNAPSHOT}`);
	}

	// The migrations run in the first block on the new runtime: each pallet's storage version
	// there against its parent's, the devices' storage untouched, and no account changed but
	// those the block's balance events name.
	await waitUntil(`block #${enactedAt + 1} finalized`, 120, async () => {
		return (await finalizedNumber(wsUri)) >= enactedAt + 1;
	});
	const first = await api.rpc.chain.getBlockHash(enactedAt + 1);
	const [old, now] = [await storageVersions(api, block), await storageVersions(api, first)];
	console.log(`storage versions before ${JSON.stringify(old)}, after ${JSON.stringify(now)}`);
	const raised = PALLETS.filter((p) => now[p] > old[p]);
	if (raised.length === 0) throw new Error("no pallet's storage was migrated");
	if (PALLETS.some((p) => now[p] < old[p])) throw new Error("a storage version went down");
	const devicesPrefix = palletPrefix(api, "devices");
	const [devicesBefore, devicesAfter] = [
		await storageUnder(api, devicesPrefix, block),
		await storageUnder(api, devicesPrefix, first),
	];
	if (devicesBefore.size === 0) throw new Error("no devices to keep");
	for (const [key, value] of devicesBefore) {
		if (devicesAfter.get(key) !== value) throw new Error(`device storage ${key} changed`);
	}
	if (devicesAfter.size !== devicesBefore.size) throw new Error("device storage grew");
	// Every root of device 0's sectors indexed once, to device 0; one sector of each root kept.
	const upgraded = await api.at(first);
	const sectorsAfter = (await upgraded.query.proofs.sectors.entries(0)).map(([, s]) => s.unwrap().root.toHex());
	const distinct = [...new Set(sectorsBefore)];
	if (sectorsAfter.length !== distinct.length || !distinct.every((root) => sectorsAfter.includes(root)))
		throw new Error(`device 0's sectors after the migration: ${sectorsAfter}, expected one of each of ${distinct}`);
	for (const root of distinct) {
		const holder = (await upgraded.query.proofs.rootHolders(root)).unwrap();
		if (holder.device.toNumber() !== 0 || holder.sector.isNone)
			throw new Error(`root ${root} indexed as ${holder.toString()}`);
	}
	console.log(`device 0: ${sectorsBefore.length} sectors before, ${sectorsAfter.length} after (one a root), every root indexed`);
	const accountsPrefix = api.query.system.account.keyPrefix();
	const [accountsBefore, accountsAfter] = [
		await storageUnder(api, accountsPrefix, block),
		await storageUnder(api, accountsPrefix, first),
	];
	// Accounts the block's own balance events name (fees to its author, an epoch's emission)
	// may change; nobody else's.
	const allowed = new Set();
	for (const { event } of await api.query.system.events.at(first)) {
		if (event.section !== "balances") continue;
		event.data.forEach((value, i) => {
			if (event.typeDef[i].type.includes("AccountId"))
				allowed.add(api.query.system.account.key(value));
		});
	}
	const changed = [...accountsBefore.keys()].filter(
		(key) => accountsAfter.get(key) !== accountsBefore.get(key) && !allowed.has(key),
	);
	if (changed.length > 0 || accountsAfter.size !== accountsBefore.size)
		throw new Error(`accounts changed by the migrations: ${changed}`);
	console.log(
		`migrated ${raised.join(", ")} in #${enactedAt + 1}; ${devicesBefore.size} device entries and ` +
			`${accountsBefore.size} accounts kept (${allowed.size} paid in the block aside)`,
	);
	// The earlier runtime's genesis knew no beacon lottery, so the network runs at the
	// runtime's odds (a beacon a day): set the dev chains' (every epoch) so the simulator's
	// hotspots beacon each epoch of the spam test, as on the dev chains. The parameter's SCALE
	// encoding: `RuntimeParameters::Coverage` (5), `BeaconInterval` (6), `Some(1)`.
	await waitUntil("the client on the new runtime", 60, async () => api.runtimeVersion.specVersion.toNumber() === target);
	const oddsSet = await finalized(api.tx.sudo.sudo(api.tx.parameters.setParameter("0x05060101000000")), alice);
	const oddsEvents = await api.query.system.events.at(oddsSet);
	if (!oddsEvents.some(({ event }) => event.section === "parameters" && event.method === "Updated"))
		throw new Error("the beacon lottery's odds were not set");
	console.log("the beacon lottery's odds set to one (every hotspot on the roster beacons every epoch)");
	await api.disconnect();

	// Every node runs the new runtime, and every validator builds and finalizes on it.
	for (const node of networkInfo.relay) {
		await waitUntil(`${node.name} on spec_version ${target}`, 120, async () => {
			const version = await rpc(node.wsUri, "state_getRuntimeVersion");
			return version.specVersion === target;
		});
	}
	for (const name of ["alice", "bob", "charlie", "dave"]) {
		const { wsUri: uri } = networkInfo.nodesByName[name];
		await waitUntil(`${name} finalizing past #${enactedAt + 5}`, 180, async () => {
			return (await finalizedNumber(uri)) >= enactedAt + 5;
		});
		console.log(`${name}: best #${await bestNumber(uri)}, finalized #${await finalizedNumber(uri)}`);
	}
	return 1;
}

module.exports = { run };
