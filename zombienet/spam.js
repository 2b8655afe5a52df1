// A spam flood against the four validators, with honest devices proving through it.
//
// Honest side: `depin-provider simulate` (Eve's account, no cheaters) registers devices and
// proves every epoch; when the pool refuses or drops one of its transactions for the
// flood's, it signs it again with a tip (provider/src/chain.rs, `submit_until`). Attacker
// side: accounts funded by Ferdie flood every validator's RPC for SPAM_SECONDS with three
// kinds of junk, SPAM_MULTIPLE blocks' worth (10) every block in all:
//
//   proof   one invalid storage proof a transaction, naming an honest device's sector in the
//           current epoch with random chunks and a bad signature (refused at the signature,
//           the most a refused item can make the chain do); thousands fit a block, so this
//           machine signs at most SPAM_PROOF_RATE (100) a second;
//   batch   SPAM_BATCH (64) such proofs in one transaction (a junk batch);
//   remark  a SPAM_REMARK_BYTES-byte (16 KiB) `system.remark`: a cheap call, paying by length;
//
// the batches and the remarks half each of what the single proofs leave. What a block holds
// of each kind comes from the chain: the class's weight and length limits against what one
// included transaction of the kind used (a probe of each before the flood). The flood starts
// with an epoch that challenges the honest sectors.
//
// Measured on the chain, block by block: missed slots (slots of the best chain's span with no
// block on any validator; a slot the best chain skips while a block of it lost a fork is
// counted apart), finality lag (sampled every second), the transaction pool (the validators'
// ready and mempool counts from their Prometheus gauges) and the nodes' resident memory, the
// honest devices' work in every epoch whose response window closed during the flood (storage
// proofs, compute commitments and reveals, beacons), and what the attacker paid: per kind, the
// fee of each included transaction and of each refused item against the block space it used,
// beside a plain transfer's.
//
// Returns 1 when there were no missed slots, finality kept within SPAM_MAX_LAG blocks and
// caught up after the flood; in every checked epoch every honest sector was proven, every
// honest compute device challenged passed its audit and every honest hotspot drawn beaconed,
// with no honest fault; the pool stayed within its limits and every kind paid at least a
// transfer's fee for the block share it used. Writes the figures to SPAM_REPORT (JSON).
// scripts/spam.sh runs ten minutes (docs/spam.md); live.zndsl a one-minute flood with three
// honest devices (one of each kind).
const { spawn, execFileSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { rpc, bestNumber, finalizedNumber, waitUntil, sleep } = require("./lib.js");

const DPN = 10n ** 12n;
const number = (name, fallback) => Number(process.env[name] ?? fallback);
const MULTIPLE = number("SPAM_MULTIPLE", 10);
const ACCOUNTS = number("SPAM_ACCOUNTS", 8); // per kind
const BATCH = number("SPAM_BATCH", 64);
const REMARK_BYTES = number("SPAM_REMARK_BYTES", 16 * 1024);
const PROOF_RATE = number("SPAM_PROOF_RATE", 100);
// Submissions in flight at once, over all validators.
const IN_FLIGHT = 256;
const MAX_LAG = number("SPAM_MAX_LAG", 8);
const MAX_MISSED = number("SPAM_MAX_MISSED", 0);
// The node's transaction pool defaults: `--pool-limit` ready transactions, and a tenth of it
// more in the future queue (sc-transaction-pool's builder); the flood must not take the pool
// past them.
const POOL_LIMIT = 8192;
const MEMPOOL_LIMIT = POOL_LIMIT + POOL_LIMIT / 10;
const VALIDATORS = ["alice", "bob", "charlie", "dave"];
const KINDS = ["proof", "batch", "remark"];

// The BABE slot of a block `header`: its pre-runtime digest is the BABE pre-digest, a variant
// byte, the author's index (u32) and the slot (u64), little-endian.
function babeSlot(header) {
	for (const log of header.digest.logs) {
		if (!log.isPreRuntime) continue;
		const [engine, data] = log.asPreRuntime;
		if (engine.isBabe) return Number(Buffer.from(data.toU8a(true)).readBigUInt64LE(5));
	}
	return null;
}

// A percentage with two decimals.
const pct = (part, whole) => Math.round((10000 * part) / whole) / 100;

// The validators' resident memory (kB), summed over their processes, and the largest.
function nodeMemory() {
	try {
		const out = execFileSync("ps", ["-C", "depin-node", "-o", "rss="]).toString();
		const rss = out.split("\n").filter(Boolean).map(Number);
		return { max: Math.max(...rss), sum: rss.reduce((a, b) => a + b, 0) };
	} catch (_) {
		return { max: 0, sum: 0 };
	}
}

// A node's transaction pool, from its Prometheus gauges: ready transactions, and every
// transaction its (fork-aware) mempool keeps, watched or not.
async function pool(prometheusUri) {
	const text = await (await fetch(prometheusUri, { signal: AbortSignal.timeout(5000) })).text();
	const gauge = (name) => {
		const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
		return line ? Number(line.split(" ").pop()) : 0;
	};
	return {
		ready: gauge("substrate_ready_transactions_number"),
		mempool: gauge("substrate_sub_txpool_watched_txs") + gauge("substrate_sub_txpool_unwatched_txs"),
	};
}

// `args` (zombienet's `with "…"`): `seconds=N,devices=M` as defaults under SPAM_SECONDS and
// SPAM_DEVICES (the simulator's devices, storage ones first).
async function run(nodeName, networkInfo, args = []) {
	// What to stop however the flood ends (the simulator, the sampler): the network goes on
	// to the next test.
	const cleanup = [];
	try {
		return await flood(nodeName, networkInfo, args, cleanup);
	} finally {
		for (const stop of cleanup) stop();
	}
}

async function flood(nodeName, networkInfo, args, cleanup) {
	const given = Object.fromEntries(
		args.join(",").split(",").filter(Boolean).map((pair) => pair.trim().split("=")),
	);
	const SECONDS = number("SPAM_SECONDS", given.seconds ?? 60);
	const DEVICES = number("SPAM_DEVICES", given.devices ?? 6);
	const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
	const api = await zombie.connect(wsUri, userDefinedTypes);
	await zombie.util.cryptoWaitReady();
	const keyring = new zombie.Keyring({ type: "sr25519" });
	const funder = keyring.addFromUri("//Ferdie");
	const honestOwner = keyring.addFromUri("//Eve").address;
	const validators = VALIDATORS.map((name) => networkInfo.nodesByName[name]);
	const report = process.env.SPAM_REPORT || path.join(networkInfo.tmpDir, "spam.json");
	const genesis = api.genesisHash;

	// ---- Honest devices -------------------------------------------------------------------
	const provider = process.env.DEPIN_PROVIDER;
	if (!provider) throw new Error("DEPIN_PROVIDER is not set (scripts/zombienet.sh sets it)");
	const simLog = path.join(networkInfo.tmpDir, "spam-simulator.log");
	const simHome = path.join(networkInfo.tmpDir, "spam-simulator");
	const simulator = spawn(
		provider,
		["--url", validators[1].wsUri, "--suri", "//Eve", "--home", simHome, "simulate", "--devices", String(DEVICES), "--cheaters", "0"],
		{ stdio: ["ignore", fs.openSync(simLog, "w"), fs.openSync(simLog, "a")] },
	);
	const stopSimulator = () => simulator.exitCode === null && simulator.kill("SIGKILL");
	process.once("exit", stopSimulator);
	cleanup.push(stopSimulator);
	console.log(`simulator started (Eve's devices), log ${simLog}`);

	// The simulator's devices (once it has registered them): Eve's (storage and compute), and
	// the hotspots, each owned by an account of its own (//depin-sim/owner/<n>).
	let honestDevices = new Set();
	let honestHotspots = new Set();

	// The proving epoch in progress: index, start, deadline (the last block of its response
	// window), challengesPerSector.
	const epochNow = () => rpc(wsUri, "depin_epoch");
	const honestSectors = async () => {
		const owned = await api.query.devices.ownerDevices.keys(honestOwner);
		const sectors = [];
		for (const key of owned) {
			const device = key.args[1].toNumber();
			for (const [skey, sector] of await api.query.proofs.sectors.entries(device)) {
				const s = sector.unwrap();
				const committedIn = s.committedIn.toNumber();
				sectors.push({ device, sector: skey.args[1].toNumber(), chunks: s.chunks.toNumber(), committedIn });
			}
		}
		return sectors;
	};
	// ---- Attacker accounts ----------------------------------------------------------------
	const accounts = {};
	for (const kind of [...KINDS, "transfer"])
		accounts[kind] = Array.from({ length: kind === "transfer" ? 1 : ACCOUNTS }, (_, i) => ({
			pair: keyring.addFromUri(`//Ferdie//spam//${kind}//${i}`),
			nonce: null,
			// Each account sends to one validator, whose pool knows all its transactions (its
			// next nonce is asked of the same pool).
			node: validators[i % validators.length],
		}));
	// Attackers' accounts by address in the chain's format (as a transaction's signer reads).
	const address = (who) => api.createType("AccountId", who).toString();
	const kindOf = new Map();
	for (const kind of Object.keys(accounts)) for (const a of accounts[kind]) kindOf.set(address(a.pair.address), kind);
	const all = Object.values(accounts).flat();
	await new Promise((resolve, reject) => {
		api.tx.utility
			.batchAll(all.map((a) => api.tx.balances.transferKeepAlive(a.pair.address, 20_000n * DPN)))
			.signAndSend(funder, ({ status, dispatchError }) => {
				if (dispatchError) reject(new Error(`funding: ${dispatchError.toString()}`));
				if (status.isInBlock) resolve();
			})
			.catch(reject);
	});
	console.log(`funded ${all.length} attacker accounts with 20,000 DPN each`);

	// ---- The junk ---------------------------------------------------------------------------
	const current = await epochNow();
	const challenges = current.challengesPerSector;
	const window = current.deadline - current.start;
	let epoch = current.index;
	const chunk = "0x" + crypto.randomBytes(1024).toString("hex");
	// The proofs' targets: until the simulator's sectors exist (the probes), a sector of the
	// genesis storage device of the simulator's size (refused sooner, at the same length).
	let targets = [{ device: 0, sector: 0, chunks: 64 }];
	// The chunk indices each honest sector is challenged on in the current epoch
	// (`depin_openChallenges`, read every second during the flood): with them a junk proof
	// passes the index check and is refused at its signature, the most a refused item makes the
	// chain do (until the honest proof lands: then it is refused as already proven).
	const indices = new Map();
	const junkItem = (i) => {
		const target = targets[i % targets.length];
		const depth = target.chunks <= 1 ? 0 : 32 - Math.clz32(target.chunks - 1);
		return {
			device: target.device,
			sector: target.sector,
			epoch,
			chunks: Array.from({ length: challenges }, (_, c) => ({
				index: indices.get(`${target.device}/${target.sector}/${epoch}`)?.[c] ?? c,
				chunk,
				path: Array.from({ length: depth }, () => "0x" + crypto.randomBytes(32).toString("hex")),
			})),
			signature: { Sr25519: "0x" + crypto.randomBytes(64).toString("hex") },
		};
	};
	const remark = "0x" + crypto.randomBytes(REMARK_BYTES).toString("hex");
	const build = {
		proof: () => api.tx.proofs.submitStorageProofs([junkItem(Math.floor(Math.random() * 1e6))]),
		batch: () => api.tx.proofs.submitStorageProofs(Array.from({ length: BATCH }, (_, i) => junkItem(i))),
		remark: () => api.tx.system.remark(remark),
		transfer: () => api.tx.balances.transferKeepAlive(accounts.proof[0].pair.address, 1n),
	};

	// Signs and submits one transaction of `kind` from its next account, to its validator.
	// An account's nonce is asked of the pool once a block and counted locally in between; asked
	// again after a refusal too (a refused transaction leaves its nonce unused).
	const submitted = Object.fromEntries(Object.keys(accounts).map((k) => [k, 0]));
	const refused = {};
	const submit = async (kind) => {
		const list = accounts[kind];
		const account = list[submitted[kind] % list.length];
		const { node } = account;
		submitted[kind]++;
		try {
			if (account.nonce === null) {
				account.asking =
					account.asking ??
					rpc(node.wsUri, "system_accountNextIndex", [account.pair.address])
						.then((next) => (account.nonce = Number(next)))
						.finally(() => (account.asking = null));
				await account.asking;
				if (account.nonce === null) throw new Error("no nonce: asked again");
			}
			const nonce = account.nonce++;
			const tx = await build[kind]().signAsync(account.pair, { nonce, era: 0, blockHash: genesis });
			await rpc(node.wsUri, "author_submitExtrinsic", [tx.toHex()]);
			return true;
		} catch (error) {
			account.nonce = null; // ask the pool again
			const reason = (error.rpc?.message ?? error.message).replace(/0x[0-9a-f]+/g, "…").slice(0, 80);
			refused[kind] = refused[kind] ?? {};
			refused[kind][reason] = (refused[kind][reason] ?? 0) + 1;
			return false;
		}
	};

	// ---- Reading blocks ---------------------------------------------------------------------
	const weights = api.consts.system.blockWeights;
	const lengths = api.consts.system.blockLength.max;
	const limits = {
		normal: { weight: weights.perClass.normal.maxTotal.unwrap().refTime.toBigInt(), length: lengths.normal.toNumber() },
		operational: {
			weight: weights.perClass.operational.maxTotal.unwrap().refTime.toBigInt(),
			length: lengths.operational.toNumber(),
		},
	};

	// What block `number` holds: its slot, the attackers' transactions (weight, length, fee,
	// items rejected), the honest proofs and faults, and the block's use of each class.
	const readBlock = async (number, at = null) => {
		const hash = at ?? (await api.rpc.chain.getBlockHash(number));
		const [signed, events, slotMs, used, epochInfo] = await Promise.all([
			api.rpc.chain.getBlock(hash),
			api.query.system.events.at(hash),
			api.query.timestamp.now.at(hash),
			api.query.system.blockWeight.at(hash),
			api.query.epochs.currentEpoch.at(hash),
		]);
		const extrinsics = signed.block.extrinsics;
		const block = {
			number,
			slot: Number(slotMs.toBigInt() / 6000n),
			epoch: epochInfo.index.toNumber(),
			epochStart: epochInfo.start.toNumber(),
			extrinsics: extrinsics.length,
			length: extrinsics.reduce((n, xt) => n + xt.encodedLength, 0),
			weight: { normal: used.normal.refTime.toBigInt(), operational: used.operational.refTime.toBigInt() },
			txs: [],
			honestProofs: [],
			honestFaults: [],
			// The honest compute devices' commitments and passed audits, and the honest
			// hotspots' beacons recorded: { device, epoch }.
			committed: [],
			audited: [],
			beacons: [],
		};
		const byIndex = new Map();
		extrinsics.forEach((xt, index) => {
			if (!xt.isSigned) return;
			const kind = kindOf.get(address(xt.signer.toString()));
			if (kind) byIndex.set(index, { kind, length: xt.encodedLength, weight: 0n, fee: 0n, rejected: 0, class: "normal" });
		});
		for (const { phase, event } of events) {
			const index = phase.isApplyExtrinsic ? phase.asApplyExtrinsic.toNumber() : null;
			const tx = index === null ? null : byIndex.get(index);
			const name = `${event.section}.${event.method}`;
			if (tx && (name === "system.ExtrinsicSuccess" || name === "system.ExtrinsicFailed")) {
				const info = name === "system.ExtrinsicSuccess" ? event.data[0] : event.data[1];
				tx.class = info.class.isOperational ? "operational" : "normal";
				// (frame-system's event weight has the class's base extrinsic weight in it.)
				tx.weight = info.weight.refTime.toBigInt();
			} else if (tx && name === "transactionPayment.TransactionFeePaid") {
				tx.fee = event.data[1].toBigInt();
			} else if (tx && name === "proofs.ItemRejected") {
				tx.rejected++;
			} else if (name === "proofs.StorageProofAccepted" && honestDevices.has(event.data[0].toNumber())) {
				block.honestProofs.push({ device: event.data[0].toNumber(), sector: event.data[1].toNumber(), epoch: event.data[2].toNumber() });
			} else if (name === "proofs.FaultsRecorded" && honestDevices.has(event.data[0].toNumber())) {
				block.honestFaults.push({ kind: "storage", device: event.data[0].toNumber(), missed: event.data[1].toNumber() });
			} else if (name === "compute.FaultsRecorded" && honestDevices.has(event.data[0].toNumber())) {
				block.honestFaults.push({ kind: "compute", device: event.data[0].toNumber(), missed: event.data[1].toNumber() });
			} else if (
				(name === "compute.WorkUnrevealed" || name === "compute.WorkFaked") &&
				honestDevices.has(event.data[0].toNumber())
			) {
				block.honestFaults.push({ kind: name, device: event.data[0].toNumber(), epoch: event.data[1].toNumber() });
			} else if (name === "compute.WorkCommitted" && honestDevices.has(event.data[0].toNumber())) {
				block.committed.push({ device: event.data[0].toNumber(), epoch: event.data[1].toNumber() });
			} else if (name === "compute.WorkProven" && honestDevices.has(event.data[0].toNumber())) {
				block.audited.push({ device: event.data[0].toNumber(), epoch: event.data[1].toNumber() });
			} else if (name === "coverage.BeaconRecorded" && honestHotspots.has(event.data[0].toNumber())) {
				block.beacons.push({ device: event.data[0].toNumber(), epoch: event.data[1].toNumber() });
			}
		}
		block.txs = [...byIndex.values()];
		return block;
	};

	// ---- Probes: what one transaction of each kind uses -------------------------------------
	const probes = {};
	const probed = await Promise.all(
		[...KINDS, "transfer"].map(
			(kind) =>
				new Promise((resolve, reject) => {
					build[kind]()
						.signAndSend(accounts[kind][0].pair, async ({ status }) => {
							if (status.isInBlock) {
								const hash = status.asInBlock;
								resolve([(await api.rpc.chain.getHeader(hash)).number.toNumber(), hash]);
							} else if (status.isInvalid || status.isDropped || status.isUsurped) {
								reject(new Error(`the ${kind} probe was ${status.type}`));
							}
						})
						.catch(reject);
				}),
		),
	);
	for (const [i, kind] of [...KINDS, "transfer"].entries()) {
		const [number, hash] = probed[i];
		const probe = (await readBlock(number, hash)).txs.find((t) => t.kind === kind);
		if (!probe) throw new Error(`the ${kind} probe is not in block ${number}`);
		const limit = limits[probe.class];
		const fits = Math.min(Number(limit.weight / probe.weight), Math.floor(limit.length / probe.length));
		probes[kind] = { ...probe, perBlock: fits };
		console.log(`probe ${kind}: ${probe.class}, weight ${probe.weight} (${pct(Number(probe.weight), Number(limit.weight))} %), ${probe.length} bytes (${pct(probe.length, limit.length)} %), fee ${probe.fee}, ${probe.rejected} rejected: ${fits} a block`);
	}
	for (const a of all) a.nonce = null;

	// Its devices set up (registered, funded, sectors committed, enrolled), as it reports.
	await waitUntil("the simulator's devices", 240, () => {
		if (simulator.exitCode !== null) throw new Error(`the simulator exited: ${fs.readFileSync(simLog, "utf8").slice(-500)}`);
		return fs.readFileSync(simLog, "utf8").includes("simulating ");
	}).catch((error) => {
		if (simulator.exitCode !== null) throw new Error(`the simulator exited; its log: ${fs.readFileSync(simLog, "utf8").slice(-800)}`);
		throw error;
	});
	// Its storage sectors, challenged from the epoch after the one they were committed in:
	// the flood starts with that epoch (or the next one, if it has begun), and its junk names
	// them.
	const honest = await waitUntil("the simulator's storage sectors", 120, async () => {
		const sectors = await honestSectors();
		return sectors.length > 0 ? sectors : null;
	});
	targets = honest;
	const owned = async (owner) => (await api.query.devices.ownerDevices.keys(owner)).map((k) => k.args[1].toNumber());
	honestDevices = new Set(await owned(honestOwner));
	for (let n = 0; n < DEVICES; n++)
		for (const device of await owned(keyring.addFromUri(`//depin-sim/owner/${n}`).address)) honestHotspots.add(device);
	console.log(
		`honest: ${honestDevices.size} devices of Eve's and ${honestHotspots.size} hotspots, storage sectors ${JSON.stringify(honest)}`,
	);

	// ---- The flood ------------------------------------------------------------------------
	// SPAM_MULTIPLE blocks' worth each block, a third of it of each kind; single proofs are
	// small (thousands fit a block), so this machine signs at most SPAM_PROOF_RATE of them a
	// second, and what they leave of their third goes to the batches and the remarks.
	const proofShare = Math.min(MULTIPLE / KINDS.length, (PROOF_RATE * 6) / probes.proof.perBlock);
	const shares = { proof: proofShare, batch: (MULTIPLE - proofShare) / 2, remark: (MULTIPLE - proofShare) / 2 };
	const perSecond = Object.fromEntries(KINDS.map((k) => [k, (shares[k] * probes[k].perBlock) / 6]));
	// The flood starts with an epoch that challenges every honest sector: their proofs come
	// during it.
	const first = Math.max(...honest.map((h) => h.committedIn)) + 1;
	const now = await epochNow();
	const floodFrom = now.index < first ? now.start + (first - now.index) * (now.nextStart - now.start) : now.nextStart;
	await waitUntil(`block #${floodFrom - 1}`, 180, async () => (await bestNumber(wsUri)) >= floodFrom - 1);
	// Every block any validator imports, on any fork, by its BABE slot: a slot the best chain
	// skips is missed when no validator has a block for it, and lost to a fork when one has
	// (two authors of one height, the chain went on from the other).
	const authored = new Map();
	for (const validator of validators) {
		const watcher = await zombie.connect(validator.wsUri, userDefinedTypes);
		const unsubscribe = await watcher.rpc.chain.subscribeAllHeads((header) => {
			const slot = babeSlot(header);
			if (slot !== null) authored.set(slot, (authored.get(slot) ?? new Set()).add(header.hash.toHex()));
		});
		cleanup.push(() => {
			unsubscribe();
			watcher.disconnect();
		});
	}
	const startBlock = (await bestNumber(wsUri)) + 1;
	const started = Date.now();
	const samples = { lag: [], pool: [], memory: [] };
	let flooding = true;
	cleanup.push(() => (flooding = false));
	let pending = 0;
	let lastBest = 0;
	const sampler = (async () => {
		for (let tick = 0; flooding; tick++) {
			try {
				const [best, finalized] = await Promise.all([bestNumber(wsUri), finalizedNumber(wsUri)]);
				samples.lag.push(best - finalized);
				// Each new block, every account asks the pool for its next nonce again: a transaction
				// the pool evicted (its byte limit) leaves a gap that would hold every later one in
				// the future queue, never included; asked again, the pool names the gap.
				if (best !== lastBest) {
					lastBest = best;
					for (const a of all) a.nonce = null;
				}
				epoch = (await epochNow()).index;
				for (const device of new Set(targets.map((t) => t.device))) {
					for (const open of await rpc(wsUri, "depin_openChallenges", [device]))
						indices.set(`${device}/${open.sector}/${open.epoch}`, open.indices);
				}
			} catch (error) {
				samples.errors = (samples.errors ?? 0) + 1; // a node slow to answer: sample again
			}
			await sleep(1000);
		}
	})();
	// The pools and the nodes' memory, every two seconds, on their own: the RPC calls above may
	// wait behind the flood, and the pools are what the flood is about.
	const poolSampler = (async () => {
		while (flooding) {
			const pools = await Promise.all(validators.map((v) => pool(v.prometheusUri).catch(() => null)));
			const read = pools.filter(Boolean);
			if (read.length > 0) {
				samples.pool.push({
					ready: Math.max(0, ...read.map((p) => p.ready)),
					mempool: Math.max(0, ...read.map((p) => p.mempool)),
				});
			}
			samples.memory.push(nodeMemory().max);
			await sleep(2000);
		}
	})();
	console.log(`flooding for ${SECONDS} s from block ${startBlock}: ${JSON.stringify(perSecond)} transactions a second`);
	const sent = Object.fromEntries(KINDS.map((k) => [k, 0]));
	const accepted = Object.fromEntries(KINDS.map((k) => [k, 0]));
	while (Date.now() - started < SECONDS * 1000) {
		const elapsed = (Date.now() - started) / 1000;
		// What each kind is due, taken in turn (one of each, then again), as far as the
		// submissions in flight allow.
		const batch = [];
		const due = Object.fromEntries(KINDS.map((k) => [k, Math.floor(perSecond[k] * elapsed) - sent[k]]));
		while (pending + batch.length < IN_FLIGHT && KINDS.some((k) => due[k] > 0)) {
			for (const kind of KINDS) {
				if (due[kind] <= 0 || pending + batch.length >= IN_FLIGHT) continue;
				due[kind]--;
				sent[kind]++;
				batch.push(kind);
			}
		}
		for (const kind of batch) {
			pending++;
			submit(kind).then((ok) => {
				pending--;
				if (ok) accepted[kind]++;
			});
		}
		await sleep(100);
	}
	const endBlock = await bestNumber(wsUri);
	flooding = false;
	await sampler;
	await poolSampler;
	await waitUntil("the submissions in flight", 60, () => pending === 0);
	const caughtUp = await waitUntil("finality to catch up with the flood's last block", 90, async () =>
		(await finalizedNumber(wsUri)) >= endBlock ? Date.now() : null,
	).catch(() => null);
	const catchUpSeconds = caughtUp ? Math.round((caughtUp - started) / 1000 - SECONDS) : null;

	// ---- Figures ----------------------------------------------------------------------------
	const blocks = [];
	for (let n = startBlock; n <= endBlock; n++) blocks.push(await readBlock(n));
	const simulatorRan = simulator.exitCode === null;
	if (!simulatorRan) console.log(`the simulator exited during the flood: ${fs.readFileSync(simLog, "utf8").slice(-800)}`);
	const outbid = (fs.readFileSync(simLog, "utf8").match(/outbid in the pool/g) ?? []).length;
	stopSimulator();
	let missed = 0;
	let lostToForks = 0;
	for (let i = 1; i < blocks.length; i++)
		for (let slot = blocks[i - 1].slot + 1; slot < blocks[i].slot; slot++)
			if (authored.has(slot)) lostToForks++;
			else missed++;

	// Honest proofs: every epoch that began during the flood. (The chain accepts a proof, a
	// reveal or a beacon only within its epoch's response window: accepted is on time. The
	// delay is the blocks from the epoch's first block to the proof's.) In each: every honest
	// storage sector its device's audit challenged proven, every honest compute device challenged in it (enrolled before it)
	// committed and passed its audit, every honest hotspot that won its beacon lottery beaconed.
	const proofsByEpoch = new Map();
	for (const b of blocks)
		for (const p of b.honestProofs) {
			const list = proofsByEpoch.get(p.epoch) ?? [];
			list.push({ ...p, delay: b.number - b.epochStart });
			proofsByEpoch.set(p.epoch, list);
		}
	const faults = blocks.flatMap((b) => b.honestFaults);
	const checked = [];
	for (const b of blocks) {
		// Epochs that began after the flood did, whose response window closed before it ended.
		if (b.epochStart !== b.number || b.number + window > endBlock) continue;
		const list = proofsByEpoch.get(b.epoch) ?? [];
		const proven = new Set(list.map((p) => `${p.device}/${p.sector}`)).size;
		const hash = await api.rpc.chain.getBlockHash(b.number);
		// The honest sectors challenged in it: those of devices its draw audits
		// (`proofs.AuditRate`: a quarter after the upgrade, every device on a dev genesis).
		let sectors = 0;
		for (const h of honest) {
			const status = await rpc(wsUri, "depin_proofStatus", [h.device, hash.toHex()]);
			if (status && status.challenged > 0) sectors++;
		}
		const at = await api.at(hash);
		const challenged = (await at.query.compute.workers.entries())
			.filter(([key, state]) => honestDevices.has(key.args[0].toNumber()) && state.unwrap().enrolledIn.toNumber() < b.epoch)
			.map(([key]) => key.args[0].toNumber());
		// The honest hotspots that won the epoch's beacon lottery.
		const drawn = [];
		for (const device of honestHotspots)
			if ((await rpc(wsUri, "depin_coverageTicket", [device, hash.toHex()])) !== null) drawn.push(device);
		const of = (kind) => new Set(blocks.flatMap((x) => x[kind]).filter((e) => e.epoch === b.epoch).map((e) => e.device));
		const [committed, audited, beaconed] = [of("committed"), of("audited"), of("beacons")];
		checked.push({
			epoch: b.epoch,
			start: b.number,
			proven,
			sectors,
			compute: { challenged: challenged.length, committed: committed.size, audited: challenged.filter((d) => audited.has(d)).length },
			coverage: { drawn: drawn.length, beaconed: drawn.filter((d) => beaconed.has(d)).length },
		});
	}
	const honestOk =
		simulatorRan &&
		checked.length > 0 &&
		checked.every(
			(c) => c.proven >= c.sectors && c.compute.audited === c.compute.challenged && c.coverage.beaconed === c.coverage.drawn,
		) &&
		faults.length === 0;

	// What the attacker paid, per kind, against the block space it used.
	const table = {};
	for (const kind of [...KINDS, "transfer"]) {
		const txs = kind === "transfer" ? [probes.transfer] : blocks.flatMap((b) => b.txs.filter((t) => t.kind === kind));
		if (txs.length === 0) continue;
		const cls = txs[0].class;
		const sum = (f) => txs.reduce((a, t) => a + f(t), 0);
		const fee = txs.reduce((a, t) => a + t.fee, 0n);
		const weight = txs.reduce((a, t) => a + t.weight, 0n);
		const share = txs.reduce(
			(a, t) => a + Math.max(Number(t.weight) / Number(limits[cls].weight), t.length / limits[cls].length),
			0,
		);
		const items = sum((t) => t.rejected);
		table[kind] = {
			class: cls,
			included: txs.length,
			rejectedItems: items,
			feePerTx: Number(fee / BigInt(txs.length)) / 1e12,
			feePerItem: items ? Number(fee / BigInt(items)) / 1e12 : null,
			weightPerTx: pct(Number(weight) / txs.length, Number(limits[cls].weight)),
			bytesPerTx: Math.round(sum((t) => t.length) / txs.length),
			// DPN paid for each 1 % of a block's class (weight or length, whichever it used more of).
			feePerBlockPercent: Number(fee) / 1e12 / (share * 100),
		};
	}
	const floor = table.transfer.feePerBlockPercent;
	const paysOk = KINDS.every((k) => !table[k] || table[k].feePerBlockPercent >= floor);
	const poolMax = {
		ready: Math.max(0, ...samples.pool.map((p) => p.ready)),
		mempool: Math.max(0, ...samples.pool.map((p) => p.mempool)),
	};
	const lagMax = Math.max(...samples.lag);
	const figures = {
		seconds: SECONDS,
		multiple: MULTIPLE,
		blocks: { from: startBlock, to: endBlock, count: blocks.length },
		offeredPerBlock: Object.fromEntries(KINDS.map((k) => [k, Math.round(perSecond[k] * 6)])),
		// Blocks' worth planned each block, by kind (SPAM_MULTIPLE in all), and what was sent:
		// the submissions in flight (IN_FLIGHT) and this machine's signing bound it.
		blocksOffered: Object.fromEntries(KINDS.map((k) => [k, Math.round(shares[k] * 100) / 100])),
		blocksSent: Object.fromEntries(
			KINDS.map((k) => [k, Math.round((100 * sent[k]) / blocks.length / probes[k].perBlock) / 100]),
		),
		capacityPerBlock: Object.fromEntries(KINDS.map((k) => [k, probes[k].perBlock])),
		sent,
		acceptedByPool: accepted,
		refusedByPool: refused,
		// Slots of the flood's best chain without a block of it: missed (no validator has a
		// block for the slot) and lost to a fork (one has, on a fork the chain left).
		missedSlots: missed,
		slotsLostToForks: lostToForks,
		slotsWithBlocksOnForks: [...authored.entries()].filter(
			([slot, hashes]) => slot >= blocks[0].slot && slot <= blocks.at(-1).slot && hashes.size > 1,
		).length,
		finality: { maxLag: lagMax, catchUpSeconds },
		pool: { maxReady: poolMax.ready, readyLimit: POOL_LIMIT, maxMempool: poolMax.mempool, mempoolLimit: MEMPOOL_LIMIT },
		memory: { maxNodeRssMiB: Math.round(Math.max(...samples.memory) / 1024) },
		blockUse: {
			normalMaxPercent: Math.max(...blocks.map((b) => pct(Number(b.weight.normal), Number(limits.normal.weight)))),
			operationalMaxPercent: Math.max(...blocks.map((b) => pct(Number(b.weight.operational), Number(limits.operational.weight)))),
			lengthMaxPercent: Math.max(...blocks.map((b) => pct(b.length, limits.normal.length))),
			lengthMeanPercent: pct(blocks.reduce((a, b) => a + b.length, 0) / blocks.length, limits.normal.length),
			operationalMeanPercent: pct(
				blocks.reduce((a, b) => a + Number(b.weight.operational), 0) / blocks.length,
				Number(limits.operational.weight),
			),
		},
		honest: { simulatorRan, resubmittedWithTip: outbid, devices: honestDevices.size, sectors: honest.length, epochs: checked, faults, maxDelayBlocks: Math.max(0, ...[...proofsByEpoch.values()].flat().map((p) => p.delay)) },
		fees: table,
	};
	fs.writeFileSync(report, JSON.stringify(figures, null, 2));
	console.log(JSON.stringify(figures, null, 2));

	const ok = {
		"no missed slots": missed <= MAX_MISSED,
		"finality kept up": lagMax <= MAX_LAG && catchUpSeconds !== null,
		"honest proofs, reveals and beacons landed": honestOk,
		"pool bounded": samples.pool.length > 0 && poolMax.mempool > 0 && poolMax.ready <= POOL_LIMIT && poolMax.mempool <= MEMPOOL_LIMIT,
		"node memory under 2 GiB": Math.max(...samples.memory) > 0 && Math.max(...samples.memory) < 2 * 1024 * 1024,
		"the attacker paid for its block space": paysOk,
	};
	for (const [what, passed] of Object.entries(ok)) console.log(`${passed ? "ok" : "FAILED"}: ${what}`);
	return Object.values(ok).every(Boolean) ? 1 : 0;
}

module.exports = { run };
