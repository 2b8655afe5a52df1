// The Polkadot.js compatibility contract: @polkadot/api 16.5.6 against the real dev node.
// What a dApp does — decode the metadata and every type of ours, read storage, call the
// runtime API and the depin_* RPC methods, sign and submit extrinsics with the keyring — works.

const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { ApiPromise, WsProvider, Keyring } = require("@polkadot/api");
const { cryptoWaitReady } = require("@polkadot/util-crypto");
const { stringToU8a, u8aToHex } = require("@polkadot/util");
const { rpc } = require("../depin");
const { startDevNode, registration, submit, typeAt } = require("./node");
const { blake2AsHex } = require("@polkadot/util-crypto");

// Alice's genesis storage device is in Berlin (resolution 12); its resolution-7 parent is the
// density cell the registry indexes.
const BERLIN = 0x8c1f1d48945d9ffn;
const BERLIN_AREA = "871f1d489ffffff";

/** The events of the block `hash`. */
async function eventsAt(api, hash) {
	return (await api.query.system.events.at(hash)).map(({ event }) => event);
}

describe("Polkadot.js against the dev node", () => {
	let node;
	let api;
	let alice;
	let bob;

	before(async () => {
		await cryptoWaitReady();
		node = await startDevNode();
		api = await ApiPromise.create({ provider: new WsProvider(node.ws), rpc, noInitWarn: true });
		const keyring = new Keyring({ type: "sr25519" });
		alice = keyring.addFromUri("//Alice");
		bob = keyring.addFromUri("//Bob");
	});

	after(async () => {
		if (api) await api.disconnect();
		if (node) node.stop();
	});

	it("decodes the metadata: our pallets, calls, events and the DepinApi runtime API", () => {
		assert.ok(api.runtimeMetadata.version >= 15, `metadata v${api.runtimeMetadata.version}`);
		for (const pallet of ["devices", "proofs", "coverage", "compute", "jobs", "sensors", "emission"]) {
			assert.ok(api.query[pallet], `storage of ${pallet}`);
			assert.ok(api.tx[pallet], `calls of ${pallet}`);
			assert.ok(api.events[pallet], `events of ${pallet}`);
		}
		// The proving clock: storage and events, no calls.
		assert.ok(api.query.epochs?.currentEpoch, "storage of epochs");
		assert.ok(api.events.epochs?.EpochStarted, "events of epochs");
		// The governance guard over pallet-parameters: calls only, no storage of its own.
		assert.equal(typeof api.tx.guardedParameters.setParameter, "function");
		assert.equal(typeof api.tx.devices.register, "function");
		assert.equal(typeof api.tx.proofs.submitStorageProofs, "function");
		assert.equal(typeof api.tx.emission.claim, "function");
		// Lazy rewards: one claim per device pays every settled epoch, so it names no epoch.
		assert.deepEqual(api.tx.emission.claim.meta.args.map((a) => a.name.toString()), ["device"]);
		assert.ok(api.query.emission.deviceEarnings, "each device's earnings");
		assert.equal(typeof api.tx.coverage.submitBeacons, "function");
		const methods = Object.keys(api.call.depinApi).sort();
		assert.deepEqual(methods, [
			"areaSubscriptions",
			"computeChallenge",
			"computeJob",
			"coverageBeacons",
			"coverageTicket",
			"deal",
			"dealByRoot",
			"dealsOfClient",
			"dealsOfDevice",
			"device",
			"deviceByKey",
			"devicesInArea",
			"devicesOf",
			"energyTrade",
			"epoch",
			"meterTrades",
			"openChallenges",
			"pendingRewards",
			"permanentDeal",
			"permanentDeals",
			"proofStatus",
			"replicaByRoot",
			"rewardEstimate",
			"rewardReceipts",
			"sensorSchema",
			"sensorStatus",
			"subscription",
		]);
		assert.equal(typeof api.call.guardedParametersApi.checkParameter, "function");
	});

	it("builds, encodes and decodes every type of our runtime", () => {
		const ours = /^(pallet_devices|pallet_epochs|pallet_proofs|pallet_coverage|pallet_compute|pallet_jobs|pallet_sensors|pallet_emission|pallet_guarded_parameters|depin_runtime|depin_primitives|depin_merkle)::/;
		let checked = 0;
		for (const { id, type } of api.registry.lookup.types) {
			const path = type.path.map((p) => p.toString()).join("::");
			if (!ours.test(path)) continue;
			if (type.params.some((p) => p.type.isNone)) continue; // unused generic parameter
			// The aggregated RuntimeEvent/RuntimeCall/... enums: Polkadot.js builds no faithful
			// default for them; real ones are decoded from blocks below.
			if (/^depin_runtime::Runtime[A-Z]/.test(path)) continue;
			const name = api.registry.createLookupType(id);
			const value = api.registry.createType(name);
			const again = api.registry.createType(name, value.toU8a());
			assert.equal(u8aToHex(again.toU8a()), u8aToHex(value.toU8a()), path);
			checked += 1;
		}
		assert.ok(checked >= 40, `only ${checked} types of ours in the metadata`);
	});

	it("reads storage: devices, indexes, epochs and the emission books", async () => {
		const device = await api.query.devices.devices(0);
		assert.ok(device.isSome);
		const d = device.unwrap();
		assert.equal(d.owner.toString(), alice.address);
		assert.ok(d.kind.isStorage);
		assert.ok(d.status.isActive);
		assert.ok(d.key.isSr25519);
		assert.equal(d.location.toBigInt(), BERLIN);
		assert.ok(d.deposit.toBigInt() > 0n);
		assert.equal((await api.query.devices.nextDeviceId()).toNumber(), 3);
		assert.equal((await api.query.devices.ownerDeviceCount(alice.address)).toNumber(), 3);
		assert.equal((await api.query.devices.cellDevices.entries()).length, 3);
		const epoch = await api.query.epochs.currentEpoch();
		assert.ok(epoch.index.toNumber() >= 0);
		assert.ok((await api.query.emission.genesisIssuance()).toBigInt() > 0n);
		const pot = await api.query.emission.minted();
		assert.ok(pot.toBigInt() >= 0n);
		const id = await api.query.devices.deviceByKey(d.key);
		assert.equal(id.unwrap().toNumber(), 0);
	});

	it("calls the DepinApi runtime API through api.call", async () => {
		const device = await api.call.depinApi.device(0);
		assert.ok(device.isSome);
		assert.equal(device.unwrap().owner.toString(), alice.address);
		const byKey = await api.call.depinApi.deviceByKey(device.unwrap().key);
		assert.equal(byKey.unwrap()[0].toNumber(), 0);
		const owned = await api.call.depinApi.devicesOf(alice.address, null, 10);
		assert.deepEqual(owned.map(([id]) => id.toNumber()).sort(), [0, 1, 2]);
		const area = await api.call.depinApi.devicesInArea(`0x${BERLIN_AREA}`, null, null, 10);
		assert.ok(area.isOk);
		assert.deepEqual(area.asOk.devices.map(([id]) => id.toNumber()), [0]);
		assert.ok(area.asOk.next.isNone);
		const coarse = await api.call.depinApi.devicesInArea(0x831f1dfffffffffn, null, null, 10);
		assert.ok(coarse.isErr && coarse.asErr.isCellTooCoarse);
		assert.equal(coarse.asErr.asCellTooCoarse.minResolution.toNumber(), 7);
		const epoch = await api.call.depinApi.epoch();
		assert.equal(epoch.nextStart.toNumber() - epoch.start.toNumber(), 10);
		assert.equal(epoch.challengesPerSector.toNumber(), 2);
		assert.ok((await api.call.depinApi.proofStatus(1)).isNone);
		const status = await api.call.depinApi.proofStatus(0);
		assert.equal(status.unwrap().faultThreshold.toNumber(), 3);
		assert.equal((await api.call.depinApi.openChallenges(0)).length, 0);
		assert.equal((await api.call.depinApi.pendingRewards(0)).total.toBigInt(), 0n);
		assert.equal((await api.call.depinApi.rewardReceipts(0, null, 10)).length, 0);
		const estimate = await api.call.depinApi.rewardEstimate(0);
		assert.ok(estimate.unwrap().pool.toBigInt() > 0n);
		assert.ok((await api.call.depinApi.rewardEstimate(99)).isNone);
	});

	it("calls the depin_* RPC methods with the definitions dApps import", async () => {
		const device = (await api.rpc.depin.device(0)).toJSON();
		assert.equal(device.id, 0);
		assert.equal(device.owner, alice.address);
		assert.equal(device.kind, "storage");
		assert.equal(device.location, BERLIN.toString(16));
		assert.equal((await api.rpc.depin.device(99)).toJSON(), null);
		const byKey = (await api.rpc.depin.deviceByKey(device.key)).toJSON();
		assert.equal(byKey.id, 0);
		const owned = (await api.rpc.depin.devicesOf(alice.address)).toJSON();
		assert.deepEqual(owned.map((d) => d.id).sort(), [0, 1, 2]);
		const area = (await api.rpc.depin.devicesInArea(BERLIN_AREA, "storage")).toJSON();
		assert.deepEqual(area.devices.map((d) => d.id), [0]);
		assert.equal(area.next, null);
		await assert.rejects(api.rpc.depin.devicesInArea("831f1dfffffffff"), /coarser than the indexed resolution 7/);
		const epoch = (await api.rpc.depin.epoch()).toJSON();
		assert.equal(epoch.nextStart - epoch.start, 10);
		assert.deepEqual((await api.rpc.depin.openChallenges(0)).toJSON(), []);
		assert.equal((await api.rpc.depin.proofStatus(0)).toJSON().faultThreshold, 3);
		assert.deepEqual((await api.rpc.depin.rewardReceipts(0)).toJSON(), []);
		assert.deepEqual((await api.rpc.depin.pendingRewards(0)).toJSON(), { total: "0", receipts: [] });
		assert.equal((await api.rpc.depin.rewardEstimate(0)).toJSON().points, 0);
	});

	it("signs extrinsics with the keyring: Bob registers a device and commits a sector", async () => {
		// The device proves possession of its key (node.js: `registration`).
		const devicePair = new Keyring({ type: "sr25519" }).addFromUri("//polkadotjs-device");
		const reg = await registration(api, devicePair, bob.address, {
			kind: "Storage",
			location: BERLIN,
			capacity: 1n << 30n,
			metadata: { model: "pjs-box", firmware: "1.0.0", serialHash: `0x${"11".repeat(32)}` },
			manager: null,
		});
		const { block: registeredIn } = await submit(api, api.tx.devices.register(reg), bob);
		const events = await eventsAt(api, registeredIn);
		const registered = events.find((e) => api.events.devices.DeviceRegistered.is(e));
		assert.ok(registered, "a DeviceRegistered event");
		assert.equal(registered.data.owner.toString(), bob.address);
		assert.ok(registered.data.kind.isStorage);
		const id = registered.data.device.toNumber();
		// Every event of the block decodes to readable values.
		for (const event of events) assert.ok(event.toHuman());

		const owned = await api.call.depinApi.devicesOf(bob.address, null, 10);
		assert.deepEqual(owned.map(([d]) => d.toNumber()), [id]);
		const area = (await api.rpc.depin.devicesInArea(BERLIN_AREA)).toJSON();
		assert.deepEqual(area.devices.map((d) => d.id).sort(), [0, id]);
		// A page of one says where the next starts; the next holds the other device.
		const first = (await api.rpc.depin.devicesInArea(BERLIN_AREA, null, null, 1)).toJSON();
		assert.equal(first.devices.length, 1);
		assert.equal(first.next, first.devices[0].id);
		const second = (await api.rpc.depin.devicesInArea(BERLIN_AREA, null, first.next, 1)).toJSON();
		assert.deepEqual([first.devices[0].id, second.devices[0].id].sort(), [0, id]);
		assert.equal(second.next, null);

		const root = `0x${"ab".repeat(32)}`;
		const { block: committedIn } = await submit(api, api.tx.proofs.commitSector(id, root, 4), bob);
		const committed = (await eventsAt(api, committedIn)).find((e) =>
			api.events.proofs.SectorCommitted.is(e),
		);
		assert.ok(committed, "a SectorCommitted event");
		assert.equal(committed.data.device.toNumber(), id);
		const status = (await api.rpc.depin.proofStatus(id, committedIn)).toJSON();
		assert.equal(status.sectors.length, 1);
		assert.equal(status.sectors[0].root, root);
		assert.equal(status.committedBytes, 4 * 1024);
	});

	it("publishes Bob's signed storage deal for Alice's device and activates it by committing its root", async () => {
		// Bob, a storage client, signs a proposal with his account key: the envelope is the
		// context "depin/stor/deal_", the genesis hash and the SCALE proposal.
		const root = `0x${"cd".repeat(32)}`;
		const best = (await api.rpc.chain.getHeader()).number.toNumber();
		const proposal = api.createType(typeAt(api, "depin_primitives::deals::DealProposal"), {
			client: bob.address,
			device: 0,
			root,
			chunks: 4,
			// 4 KiB at 262,144 × 10⁶ planck per GiB: 10⁶ planck an epoch.
			pricePerGib: 262_144n * 10n ** 6n,
			activationDeadline: best + 100,
			duration: 5,
			providerCollateral: 10n ** 12n,
			clientCollateral: 10n ** 11n,
		});
		const payload = Uint8Array.from([
			...new TextEncoder().encode("depin/stor/deal_"),
			...api.genesisHash.toU8a(),
			...proposal.toU8a(),
		]);
		const signed = { proposal, signature: { Sr25519: bob.sign(payload) } };
		const id = blake2AsHex(proposal.toU8a());
		// Only the device's operator publishes; a tampered proposal is refused item by item.
		const { events: refused } = await submit(api, api.tx.proofs.publishDeals([{ ...signed, signature: { Sr25519: bob.sign(stringToU8a("other")) } }]), alice);
		const rejected = refused.find((e) => api.events.proofs.ProposalRejected.is(e));
		assert.equal(rejected.data.deal.toHex(), id);
		const { events } = await submit(api, api.tx.proofs.publishDeals([signed]), alice);
		const published = events.find((e) => api.events.proofs.DealPublished.is(e));
		assert.ok(published, "a DealPublished event");
		assert.equal(published.data.deal.toHex(), id);
		assert.equal(published.data.client.toString(), bob.address);
		const deal = (await api.rpc.depin.deal(id)).toJSON();
		assert.equal(deal.state, "published");
		assert.equal(deal.epochPrice, "1000000");
		assert.equal(deal.epochFee, "200000");
		// Alice published it: her collateral and the deal's storage deposit are held; each missed
		// epoch would pay Bob a tenth of her collateral.
		assert.equal(deal.provider, alice.address);
		assert.equal(deal.deposit, api.consts.proofs.dealDeposit.toString());
		assert.equal(deal.missPenalty, (10n ** 11n).toString());
		// Committing the root activates it.
		const { events: committed } = await submit(api, api.tx.proofs.commitSector(0, root, 4), alice);
		const activated = committed.find((e) => api.events.proofs.DealActivated.is(e));
		assert.ok(activated, "a DealActivated event");
		const active = (await api.rpc.depin.dealByRoot(0, root)).toJSON();
		assert.equal(active.id, id);
		assert.equal(active.state, "active");
		assert.equal(active.firstEpoch, activated.data.firstEpoch.toNumber());
		assert.deepEqual((await api.rpc.depin.dealsOfClient(bob.address)).toJSON().map((d) => d.id), [id]);
		assert.deepEqual((await api.rpc.depin.dealsOfDevice(0)).toJSON().map((d) => d.id), [id]);
		assert.ok((await api.call.depinApi.deal(id)).isSome);
		// The root is the deal's on this device now: it is not committed again.
		await assert.rejects(submit(api, api.tx.proofs.commitSector(0, root, 4), alice), /proofs\.DuplicateRoot/);
	});

	it("endows Bob's permanent replica; Alice's device takes it and the endowment pays its tranche", async () => {
		// Bob pays once for a 4 KiB replica kept for as long as its endowment lasts, meant first
		// for Alice's device 0; a tranche's provider stakes a year of the first year's price.
		const root = `0x${"ef".repeat(32)}`;
		const id = (await api.query.proofs.nextPermanentId()).toNumber();
		const pricePerGib = 262_144n * 10n ** 6n;
		const collateral = 10n ** 12n;
		const { events } = await submit(
			api,
			api.tx.proofs.createPermanentDeal([{ root, chunks: 4, device: 0 }], pricePerGib, collateral, 10n ** 18n),
			bob,
		);
		const created = events.find((e) => api.events.proofs.PermanentDealCreated.is(e));
		assert.ok(created, "a PermanentDealCreated event");
		assert.equal(created.data.id.toNumber(), id);
		const made = (await api.rpc.depin.permanentDeal(id)).toJSON();
		assert.equal(made.client, bob.address);
		assert.equal(made.pricePerGib, pricePerGib.toString());
		assert.equal(made.providerCollateral, collateral.toString());
		assert.equal(made.replicas.length, 1);
		const open = made.replicas[0];
		assert.equal(open.state, "open");
		assert.equal(open.reservedFor, 0);
		assert.equal(open.left, created.data.endowment.toString());
		// (A JSON pair comes back as an object keyed 0 and 1.)
		const bound = (await api.rpc.depin.replicaByRoot(root)).toJSON();
		assert.deepEqual([bound[0], bound[1]], [id, 0]);
		assert.ok((await api.rpc.depin.permanentDeals()).toJSON().some((d) => d.id === id));
		// Reserved for device 0: only its operator takes it now.
		await assert.rejects(submit(api, api.tx.proofs.takeReplica(id, 1, 0), alice), /proofs\.UnknownReplica/);
		const { events: taken } = await submit(api, api.tx.proofs.takeReplica(id, 0, 0), alice);
		const took = taken.find((e) => api.events.proofs.ReplicaTaken.is(e));
		assert.ok(took, "a ReplicaTaken event");
		const tranche = took.data.deal.toHex();
		const dealt = (await api.rpc.depin.permanentDeal(id)).toJSON().replicas[0];
		assert.equal(dealt.state, "dealt");
		assert.equal(dealt.tranche, tranche);
		assert.equal(BigInt(dealt.left), BigInt(open.left) - took.data.payment.toBigInt());
		// The tranche is a term deal whose client is the endowment pot, published by Alice.
		const deal = (await api.rpc.depin.deal(tranche)).toJSON();
		assert.equal(deal.state, "published");
		assert.equal(deal.provider, alice.address);
		assert.notEqual(deal.client, bob.address);
		assert.equal(deal.duration, took.data.epochs.toNumber());
		assert.ok((await api.call.depinApi.permanentDeal(id)).isSome);
	});

	it("subscribes Bob to Berlin's weather: the genesis schemas, the held budget, the RPC and runtime API", async () => {
		const schema = (await api.rpc.depin.sensorSchema(0)).toJSON();
		assert.equal(schema.name, "weather-station");
		assert.deepEqual(schema.fields.map((f) => f.name), ["temperature", "humidity", "pressure"]);
		assert.equal(schema.interval, 60);
		assert.equal((await api.rpc.depin.sensorSchema(1)).toJSON().name, "energy-meter");
		assert.equal((await api.rpc.depin.sensorSchema(9)).toJSON(), null);
		assert.ok((await api.call.depinApi.sensorSchema(0)).isSome);
		assert.equal((await api.rpc.depin.sensorStatus(0)).toJSON(), null);
		// The area is Berlin's cell at resolution 5: its index with resolution 5 and the finer
		// digits unused (7).
		let area = (BERLIN & ~(0xfn << 52n)) | (5n << 52n);
		for (let r = 6n; r <= 15n; r++) area |= 7n << ((15n - r) * 3n);
		const first = (await api.query.epochs.currentEpoch()).index.toNumber();
		await assert.rejects(
			submit(api, api.tx.sensors.subscribe(0, BERLIN, 1000, 10n ** 12n, first, first + 1), bob),
			/sensors\.InvalidArea/,
		);
		const id = (await api.query.sensors.nextSubscription()).toNumber();
		const { events } = await submit(api, api.tx.sensors.subscribe(0, area, 1000, 10n ** 12n, first, first + 1), bob);
		const subscribed = events.find((e) => api.events.sensors.Subscribed.is(e));
		assert.ok(subscribed, "a Subscribed event");
		assert.equal(subscribed.data.subscription.toNumber(), id);
		const json = (await api.rpc.depin.subscription(id)).toJSON();
		assert.equal(json.buyer, bob.address);
		assert.equal(json.area, area.toString(16));
		assert.equal(json.price, "1000");
		assert.equal(json.left, (10n ** 12n).toString());
		assert.deepEqual([json.first, json.last], [first, first + 1]);
		const inArea = (await api.rpc.depin.areaSubscriptions(0, BERLIN.toString(16))).toJSON();
		assert.deepEqual(inArea.map((s) => s.id), [id]);
		assert.deepEqual((await api.rpc.depin.areaSubscriptions(1, BERLIN.toString(16))).toJSON(), []);
		const scale = await api.call.depinApi.subscription(id);
		assert.equal(scale.unwrap().buyer.toString(), bob.address);
		// Running: its epochs' audits are not over.
		await assert.rejects(submit(api, api.tx.sensors.closeSubscription(id), bob), /sensors\.SubscriptionRunning/);
	});

	it("refuses an energy trade from a device that is not a meter; no trade over the RPC and runtime API", async () => {
		const first = (await api.query.epochs.currentEpoch()).index.toNumber();
		// Alice's storage server (device 0) is no meter.
		const terms = {
			consumer: 0,
			producer: 1,
			producedField: 0,
			consumedField: 1,
			price: 1000,
			cap: 5000,
			budget: 10n ** 12n,
			first,
			last: first + 1,
		};
		await assert.rejects(submit(api, api.tx.sensors.offerTrade(terms), alice), /sensors\.NotSensorDevice/);
		assert.equal((await api.query.sensors.nextTrade()).toNumber(), 0);
		assert.equal((await api.rpc.depin.energyTrade(0)).toJSON(), null);
		assert.deepEqual((await api.rpc.depin.meterTrades(0)).toJSON(), []);
		assert.ok((await api.call.depinApi.energyTrade(0)).isNone);
		assert.equal((await api.call.depinApi.meterTrades(0)).length, 0);
	});

	it("joins Alice's coverage hotspot to the beacon roster; a stranger cannot", async () => {
		await assert.rejects(submit(api, api.tx.coverage.join(1), bob), /coverage\.NotDeviceOperator/);
		assert.equal((await api.query.coverage.rosterSize()).toNumber(), 0);
		// The roster is closed in an epoch's last block (coverage.RosterClosed): then the next.
		let joinedIn;
		for (let tries = 0; joinedIn === undefined; tries++) {
			try {
				({ block: joinedIn } = await submit(api, api.tx.coverage.join(1), alice));
			} catch (error) {
				if (tries >= 3 || !/coverage\.RosterClosed/.test(String(error))) throw error;
			}
		}
		const joined = (await eventsAt(api, joinedIn)).find((e) => api.events.coverage.Joined.is(e));
		assert.ok(joined, "a Joined event");
		assert.equal(joined.data.device.toNumber(), 1);
		assert.equal((await api.query.coverage.rosterSlotOf(1)).unwrap().toNumber(), 0);
		// The epoch's recorded beacons, each with its challenge; a hotspot on the roster holds a
		// ticket in each epoch's lottery (the dev chain's odds are one: it wins every epoch
		// after epoch 0), with its challenge.
		const beacons = await api.call.depinApi.coverageBeacons();
		for (const b of beacons) assert.equal(b.challenge.length, 32);
		const json = (await api.rpc.depin.coverageBeacons()).toJSON();
		assert.deepEqual(json.map((b) => b.device), beacons.map((b) => b.device.toNumber()));
		const hash = await api.rpc.chain.getBlockHash();
		const ticket = await (await api.at(hash)).call.depinApi.coverageTicket(1);
		const epoch = (await api.rpc.depin.epoch(hash)).toJSON();
		assert.equal(ticket.isSome, epoch.index > 0);
		if (ticket.isSome) {
			assert.equal(ticket.unwrap().challenge.length, 32);
			assert.equal((await api.rpc.depin.coverageTicket(1, hash)).unwrap().toJSON().device, 1);
		}
		assert.ok((await api.call.depinApi.coverageTicket(2)).isNone, "a compute device holds no ticket");
	});

	it("enrolls Alice's compute device for capacity challenges and opens a job for it", async () => {
		// Alice's dev compute device is device 2 (16 units of 2,048 segments of 256 steps).
		await assert.rejects(submit(api, api.tx.compute.enroll(2), bob), /compute\.NotDeviceOperator/);
		assert.ok((await api.call.depinApi.computeChallenge(2)).isNone);
		const { block: enrolledIn } = await submit(api, api.tx.compute.enroll(2), alice);
		const enrolled = (await eventsAt(api, enrolledIn)).find((e) => api.events.compute.Enrolled.is(e));
		assert.ok(enrolled, "an Enrolled event");
		const challenge = (await api.call.depinApi.computeChallenge(2)).unwrap();
		assert.equal(challenge.segments.toNumber(), 16 * 2048);
		assert.equal(challenge.segmentLen.toNumber(), 256);
		assert.equal(challenge.start.length, 32);
		assert.ok(challenge.revealAt.toNumber() <= challenge.deadline.toNumber());
		const json = (await api.rpc.depin.computeChallenge(2)).unwrap().toJSON();
		assert.equal(json.segments, 16 * 2048);
		assert.equal(json.segmentLength, 256);
		assert.equal(json.start, challenge.start.toHex());
		// Bob opens a job: 10 units at 1 DPN, held from his balance.
		await assert.rejects(submit(api, api.tx.jobs.openJob(2, 0, 10n ** 12n), bob), /jobs\.EmptyJob/);
		const { block: openedIn } = await submit(api, api.tx.jobs.openJob(2, 10, 10n ** 12n), bob);
		const opened = (await eventsAt(api, openedIn)).find((e) => api.events.jobs.JobOpened.is(e));
		assert.ok(opened, "a JobOpened event");
		const job = (await api.call.depinApi.computeJob(opened.data.job)).unwrap();
		assert.equal(job.held.toBigInt(), 10n * 10n ** 12n);
		assert.ok(job.status.isOpen);
		await assert.rejects(submit(api, api.tx.jobs.cancelJob(opened.data.job), bob), /jobs\.TooEarly/);
	});

	it("refuses bad input with a clear error and changes nothing", async () => {
		const before = (await api.query.devices.nextDeviceId()).toNumber();
		const devicePair = new Keyring({ type: "sr25519" }).addFromUri("//polkadotjs-forged");
		const registration = {
			key: { Sr25519: devicePair.publicKey },
			proof: { Sr25519: devicePair.sign(stringToU8a("not the payload")) },
			signedAt: (await api.rpc.chain.getHeader()).number.toNumber(),
			kind: "Storage",
			location: BERLIN,
			capacity: 1n << 30n,
			metadata: { model: "", firmware: "", serialHash: `0x${"00".repeat(32)}` },
			manager: null,
		};
		await assert.rejects(submit(api, api.tx.devices.register(registration), bob), /devices\.BadPossessionProof/);
		assert.equal((await api.query.devices.nextDeviceId()).toNumber(), before);
	});
});
