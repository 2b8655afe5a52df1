// The explorer in a real browser against a real chain: a dev node with the device simulator,
// the built app, headless Chromium. Each page renders and shows what storage and the depin_*
// RPC say (numbers compared, not just presence), a device registered during the test appears
// on the map, a vote with a dev account changes a referendum's tally, the parameter preview
// answers as GuardedParametersApi does, the sensors page shows the simulated weather stations'
// and energy meters' schemas, enrolments, subscription and trade as storage holds them, an
// unreachable node gives a readable banner, and no page logs a console error. Screenshots go
// to explorer/test-artifacts/.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { ApiPromise, Keyring, WsProvider } from "@polkadot/api";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { stringToU8a, u8aConcat } from "@polkadot/util";
import { cellToParent, isValidCell } from "h3-js";
import { eventually, freePort, launchBrowser, rpc as rawRpc, openPage, screenshot, serveDist, startDevNode, startSimulator, submit, registration } from "./harness.mjs";

const require = createRequire(import.meta.url);
const { rpc } = require("../../polkadotjs/depin.js");

// A resolution-12 cell in Nairobi, away from the simulator's devices.
const NEW_DEVICE_CELL = 0x8c7a6e428b2d1ffn;
assert.ok(isValidCell(NEW_DEVICE_CELL.toString(16)), "the test's cell is an H3 cell");

/** The integer in an element's data-planck (or its text). */
async function planck(page, selector) {
	const value = await page.locator(selector).first().getAttribute("data-planck");
	return BigInt(value);
}

async function numberIn(page, selector) {
	const text = await page.locator(selector).first().textContent();
	return Number(text.replace(/[^0-9]/g, ""));
}

describe("the explorer against a dev chain with simulated devices", () => {
	let node;
	let sim;
	let server;
	let browser;
	let api;
	let alice;
	let bob;
	let base;
	const pageErrors = [];

	before(async () => {
		await cryptoWaitReady();
		node = await startDevNode();
		// With four weather stations (and a broken, a lying and a faking one, a buyer of their
		// data and two energy meters trading) for the sensors page; they set up beside the rest.
		sim = startSimulator(node.ws, 12, 0.25, 4);
		server = await serveDist();
		browser = await launchBrowser();
		api = await ApiPromise.create({ provider: new WsProvider(node.ws), rpc, noInitWarn: true });
		const keyring = new Keyring({ type: "sr25519" });
		alice = keyring.addFromUri("//Alice");
		bob = keyring.addFromUri("//Bob");
		base = `${server.url}?rpc=${encodeURIComponent(node.ws)}`;
		// The simulator has registered its devices and a proving epoch has closed.
		await eventually(async () => (await api.query.devices.nextDeviceId()).toNumber() >= 15, "the simulator registers 12 devices", 240_000, 2000);
		await eventually(async () => (await api.query.emission.rewards.entries()).length >= 1, "a proving epoch closes", 240_000, 2000);
	});

	after(async () => {
		await api?.disconnect().catch(() => {});
		await browser?.stop();
		await server?.stop();
		sim?.stop();
		node?.stop();
	});

	/** Opens `hash` in a new page; remembers its console errors for the last test. */
	async function open(hash) {
		const { page, errors } = await openPage(browser.context);
		pageErrors.push({ hash, errors });
		await page.goto(`${base}${hash}`);
		await page.locator('[data-testid="best"]').filter({ hasText: /\d/ }).waitFor({ timeout: 60_000 });
		return page;
	}

	it("network: heads, epoch, validators, emission and treasury match the chain", async () => {
		const page = await open("#/network");
		await page.locator('[data-testid="minted"]').waitFor({ timeout: 60_000 });
		// Heads: the page's best block is the node's, give or take the block in flight.
		const best = (await api.rpc.chain.getHeader()).number.toNumber();
		assert.ok(Math.abs((await numberIn(page, '[data-testid="net-best"]')) - best) <= 2);
		// The epoch index is the RPC's (retry across an epoch boundary).
		await eventually(async () => (await numberIn(page, '[data-testid="epoch-index"]')) === (await api.rpc.depin.epoch()).toJSON().index, "epoch index");
		const epoch = (await api.rpc.depin.epoch()).toJSON();
		assert.equal(await numberIn(page, '[data-testid="epoch-next"]'), epoch.nextStart);
		const validators = (await api.query.session.validators()).length;
		assert.equal(await numberIn(page, '[data-testid="validator-count"]'), validators);
		// Emission books and the treasury, as storage holds them.
		await eventually(async () => (await planck(page, '[data-testid="minted"]')) === (await api.query.emission.minted()).toBigInt(), "minted = emission.minted", 30_000);
		await eventually(async () => (await planck(page, '[data-testid="issuance"]')) === (await api.query.balances.totalIssuance()).toBigInt(), "issuance", 30_000);
		// The pool split is the last closed epoch's.
		const closed = (await api.query.emission.rewards.entries()).map(([k, v]) => [k.args[0].toNumber(), v.unwrap()]).sort((a, b) => a[0] - b[0]);
		await eventually(async () => (await numberIn(page, '[data-testid="pools-epoch"]')) === closed[closed.length - 1][0] || (await api.query.emission.rewards.entries()).length !== closed.length, "pool epoch");
		if ((await numberIn(page, '[data-testid="pools-epoch"]')) === closed[closed.length - 1][0]) {
			const last = closed[closed.length - 1][1];
			assert.equal(await planck(page, '[data-testid="pool-validators"]'), last.validators.toBigInt());
			assert.equal(await planck(page, '[data-testid="pool-treasury"]'), last.treasury.toBigInt());
		}
		const palletId = api.consts.treasury.palletId.toU8a();
		const treasury = u8aConcat(stringToU8a("modl"), palletId, new Uint8Array(32)).subarray(0, 32);
		await eventually(async () => (await planck(page, '[data-testid="treasury"]')) === (await api.query.system.account(treasury)).data.free.toBigInt(), "treasury balance", 30_000);
		assert.equal(await page.locator('[data-testid="emission-curve"] svg').count(), 1);
		await screenshot(page, "network");
		await page.close();
	});

	it("devices: every stored device is on the map, counted by kind; search finds by owner", async () => {
		const page = await open("#/devices");
		const stored = await api.query.devices.devices.entries();
		await eventually(async () => (await numberIn(page, '[data-testid="device-count"]')) === (await api.query.devices.devices.entries()).length, "device count");
		const ids = (await api.query.devices.devices.entries()).map(([k]) => k.args[0].toNumber()).sort((a, b) => a - b);
		const onMap = await page.locator('[data-testid="device-map"] circle[data-device]').evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-device"))));
		assert.deepEqual([...new Set(onMap)].sort((a, b) => a - b).slice(0, stored.length), ids.slice(0, stored.length));
		const kinds = { storage: 0, coverage: 0, compute: 0, sensor: 0 };
		for (const [, v] of stored) kinds[v.unwrap().kind.type.toLowerCase()] += 1;
		if ((await numberIn(page, '[data-testid="device-count"]')) === stored.length) {
			for (const kind of Object.keys(kinds)) assert.equal(await numberIn(page, `[data-testid="kind-${kind}"]`), kinds[kind], kind);
		}
		// Density cells: the resolution-7 cell of Berlin holds what CellDeviceCount says.
		const cells = await page.locator('[data-testid="device-map"] polygon[data-cell]').evaluateAll((els) => els.map((e) => [e.getAttribute("data-cell"), Number(e.getAttribute("data-count"))]));
		assert.ok(cells.length >= 3, "Berlin, Paris and Nairobi at least");
		await screenshot(page, "devices");
		// Search by owner: Alice's devices, as depin_devicesOf lists them.
		await page.goto(`${base}#/devices?q=${alice.address}`);
		const owned = (await api.rpc.depin.devicesOf(alice.address, null, 1000)).toJSON().filter((d) => d.status !== undefined);
		await eventually(async () => (await numberIn(page, '[data-testid="search-count"]')) === owned.length || (await api.rpc.depin.devicesOf(alice.address, null, 1000)).length !== owned.length, "search by owner");
		await page.close();
	});

	it("a device registered during the test appears on the map and its page matches depin_device", async () => {
		const page = await open("#/devices");
		await page.locator('[data-testid="device-map"] circle[data-device]').first().waitFor({ timeout: 60_000 });
		const devicePair = new Keyring({ type: "sr25519" }).addFromUri("//explorer-test-device");
		const reg = await registration(api, devicePair, bob.address, {
			kind: "Compute",
			location: NEW_DEVICE_CELL,
			capacity: 500,
			metadata: { model: "explorer-box", firmware: "2.0.0", serialHash: `0x${"22".repeat(32)}` },
			manager: null,
		});
		const { events } = await submit(api, api.tx.devices.register(reg), bob);
		const registered = events.find((e) => api.events.devices.DeviceRegistered.is(e));
		assert.ok(registered, "DeviceRegistered");
		const id = registered.data.device.toNumber();
		// The open page picks it up by itself (live), on its new cell.
		const marker = page.locator(`[data-testid="device-map"] circle[data-device="${id}"]`);
		await marker.waitFor({ timeout: 60_000 });
		assert.equal(await marker.getAttribute("data-kind"), "compute");
		// Its resolution-7 density cell is drawn, holding what the registry's index counts.
		const area = cellToParent(NEW_DEVICE_CELL.toString(16), 7);
		// (Raw JSON-RPC: a list before DepinApi version 2, `{devices, next}` since.)
		const answer = await rawRpc(node.http, "depin_devicesInArea", [area]);
		const inArea = (Array.isArray(answer) ? answer : answer.devices).length;
		assert.equal(inArea, 1);
		await eventually(async () => {
			const counts = await page.locator(`[data-testid="device-map"] polygon[data-cell="${area}"]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-count"))));
			return counts.length === 1 && counts[0] === inArea;
		}, "density cell count", 30_000);
		await screenshot(page, "devices-after-registration");
		// Its page says what depin_device says.
		await page.goto(`${base}#/device/${id}`);
		await page.locator('[data-testid="device-details"]').waitFor({ timeout: 30_000 });
		const json = (await api.rpc.depin.device(id)).unwrap().toJSON();
		assert.equal(await page.locator('[data-testid="location"]').textContent(), json.location);
		assert.equal(await page.locator('[data-testid="owner"]').textContent(), bob.address);
		assert.equal(await planck(page, '[data-testid="deposit"]'), BigInt(json.deposit));
		assert.equal(await page.locator('[data-testid="status"]').first().textContent(), "active");
		assert.equal(json.capacity, 500);
		assert.match(await page.locator('[data-testid="capacity"]').textContent(), /^500 work units$/);
		await page.close();
	});

	it("device page: faults, rewards and receipts of a simulated storage device match the RPC", async () => {
		// The simulator's first storage device with a reward receipt.
		const storage = (await api.query.devices.devices.entries()).map(([k, v]) => [k.args[0].toNumber(), v.unwrap()]).filter(([id, d]) => id >= 3 && d.kind.isStorage);
		let chosen = null;
		await eventually(async () => {
			for (const [id] of storage) {
				const receipts = (await api.rpc.depin.rewardReceipts(id, null, 1000)).toJSON();
				if (receipts.length) {
					chosen = id;
					return true;
				}
			}
			return false;
		}, "a storage device earns", 180_000, 3000);
		const page = await open(`#/device/${chosen}`);
		await page.locator('[data-testid="device-details"]').waitFor({ timeout: 30_000 });
		await eventually(async () => {
			const receipts = (await api.rpc.depin.rewardReceipts(chosen, null, 1000)).toJSON();
			const earned = receipts.reduce((s, r) => s + BigInt(r.amount), 0n);
			const rows = await page.locator('[data-testid="receipts"] tr[data-epoch]').count();
			return (await planck(page, '[data-testid="earned"]')) === earned && rows === receipts.length;
		}, "earned = sum of depin_rewardReceipts", 30_000);
		await eventually(async () => (await numberIn(page, '[data-testid="faults"]')) === (await api.rpc.depin.device(chosen)).unwrap().toJSON().faults, "faults", 30_000);
		await eventually(async () => (await planck(page, '[data-testid="pending"]')) === BigInt((await api.rpc.depin.pendingRewards(chosen)).toJSON().total), "pending", 30_000);
		const sectors = (await api.rpc.depin.proofStatus(chosen)).unwrap().toJSON().sectors.length;
		assert.equal(await page.locator('[data-testid="sectors"] tr').count(), sectors + 1);
		assert.equal(await page.locator('[data-testid="rewards-chart"] rect').count(), (await api.rpc.depin.rewardReceipts(chosen, null, 1000)).length);
		// The proof history has accepted proofs in some epoch.
		await eventually(async () => (await page.locator('[data-testid="history"] td.accepted').allTextContents()).some((t) => Number(t) > 0), "accepted proofs in the history", 30_000);
		await screenshot(page, "device");
		await page.close();
	});

	it("coverage: the epoch's beacons and witnesses are depin_coverageBeacons'; rejections are counted by reason", async () => {
		await eventually(async () => (await api.rpc.depin.coverageBeacons()).length > 0, "beaconers drawn", 180_000, 2000);
		const page = await open("#/coverage");
		await page.locator('[data-testid="beacon-count"]').waitFor({ timeout: 30_000 });
		await eventually(async () => {
			const beacons = (await api.rpc.depin.coverageBeacons()).toJSON();
			const shown = await numberIn(page, '[data-testid="beacon-count"]');
			const witnesses = beacons.reduce((n, b) => n + b.witnesses.length, 0);
			const edges = await page.locator('[data-testid="coverage-map"] line[data-edge]').count();
			return shown === beacons.length && (await numberIn(page, '[data-testid="witness-count"]')) === witnesses && edges === witnesses;
		}, "beacons and witness edges", 30_000);
		assert.equal(await numberIn(page, '[data-testid="roster-size"]'), (await api.query.coverage.rosterSize()).toNumber());
		// The lying hotspot's receipts are rejected; the table sums to the total.
		await eventually(async () => (await numberIn(page, '[data-testid="rejected-total"]')) > 0, "a rejected receipt", 120_000, 2000);
		const totals = await page.locator('[data-testid="rejections"] td.total').allTextContents();
		assert.equal(totals.reduce((s, t) => s + Number(t), 0), await numberIn(page, '[data-testid="rejected-total"]'));
		await screenshot(page, "coverage");
		await page.close();
	});

	it("compute and storage: a job opened during the test shows its held payment; sectors match", async () => {
		const { events } = await submit(api, api.tx.jobs.openJob(2, 7, 3n * 10n ** 12n), bob);
		const opened = events.find((e) => api.events.jobs.JobOpened.is(e));
		assert.ok(opened, "JobOpened");
		const job = opened.data.job.toNumber();
		const page = await open("#/compute");
		const row = page.locator(`[data-testid="job-table"] tr[data-job="${job}"]`);
		await row.waitFor({ timeout: 30_000 });
		assert.equal(BigInt(await row.locator("td.held").getAttribute("data-planck")), 21n * 10n ** 12n);
		assert.equal(await row.locator("td.job-status").textContent(), "open");
		assert.equal(await numberIn(page, '[data-testid="jobs-total"]'), (await api.query.jobs.nextJobId()).toNumber());
		const enrolled = (await api.query.compute.workers.entries()).length;
		await eventually(async () => (await numberIn(page, '[data-testid="enrolled-count"]')) === (await api.query.compute.workers.entries()).length, `enrolled = ${enrolled}`, 30_000);
		await eventually(async () => {
			const sectors = (await api.query.proofs.sectors.entries()).length;
			return (await numberIn(page, '[data-testid="sector-count"]')) === sectors;
		}, "sector count = proofs.sectors", 30_000);
		await screenshot(page, "compute");
		await page.close();
	});

	it("sensors: schemas, enrolled stations and meters, the buyer's subscription and the meters' trade match storage", async () => {
		const page = await open("#/sensors");
		// The simulator's stations and meters enroll, the buyer subscribes and the meters trade.
		await eventually(
			async () =>
				(await numberIn(page, '[data-testid="sensor-count"]')) >= 4 &&
				(await page.locator('[data-testid="schema-table"] td.name').allTextContents()).includes("energy-meter") &&
				(await numberIn(page, '[data-testid="subscription-count"]')) >= 1 &&
				(await numberIn(page, '[data-testid="trade-count"]')) >= 1,
			"the sensors page shows 4 sensors, both schemas, a subscription and a trade",
			300_000,
			2000,
		);
		// Schemas: names, intervals, and each field's range and tolerance in its own unit.
		const scale = (v, decimals) => {
			const n = BigInt(v);
			const abs = n < 0n ? -n : n;
			const base = 10n ** BigInt(decimals);
			const whole = (abs / base).toLocaleString("en-US");
			return `${n < 0n ? "-" : ""}${decimals ? `${whole}.${(abs % base).toString().padStart(decimals, "0")}` : whole}`;
		};
		const schemas = (await api.query.sensors.schemas.entries()).map(([k, v]) => [k.args[0].toNumber(), v.unwrap()]);
		assert.equal(await numberIn(page, '[data-testid="schema-count"]'), schemas.length);
		const names = new Map(schemas.map(([id, r]) => [id, r.schema.name.toUtf8()]));
		assert.ok([...names.values()].includes("weather-station") && [...names.values()].includes("energy-meter"), "the dev chain's two schemas");
		for (const [id, record] of schemas) {
			const rows = page.locator(`[data-testid="schema-table"] tr[data-schema="${id}"]`);
			assert.equal(await rows.count(), record.schema.fields.length, `schema ${id}: a row per field`);
			assert.equal(await rows.first().locator("td.name").textContent(), names.get(id));
			assert.equal(Number(await rows.first().locator("td.interval").getAttribute("data-seconds")), record.schema.interval.toNumber());
			assert.equal(await rows.first().locator("td.retired").textContent(), record.retired.isTrue ? "retired" : "open");
			for (const f of record.schema.fields) {
				const [name, unit, decimals] = [f.name.toUtf8(), f.unit.toUtf8(), f.decimals.toNumber()];
				const row = page.locator(`[data-testid="schema-table"] tr[data-schema="${id}"][data-field="${name}"]`);
				assert.equal(await row.locator("td.range").textContent(), `${scale(f.min.toBigInt(), decimals)} … ${scale(f.max.toBigInt(), decimals)} ${unit}`);
				assert.equal(await row.locator("td.tolerance").textContent(), `± ${scale(f.tolerance.toBigInt(), decimals)} ${unit}`);
			}
		}
		const station = schemas.find(([id]) => names.get(id) === "weather-station")[0];
		const meter = schemas.find(([id]) => names.get(id) === "energy-meter")[0];
		assert.equal(await page.locator(`[data-testid="schema-table"] tr[data-schema="${station}"][data-field="temperature"] td.range`).textContent(), "-50.00 … 60.00 degC");
		// Enrolled sensors: as many as storage holds, each under its schema, on its registered cell.
		await eventually(async () => (await numberIn(page, '[data-testid="sensor-count"]')) === (await api.query.sensors.sensors.entries()).length, "sensor count = sensors.sensors", 30_000);
		const sensors = (await api.query.sensors.sensors.entries()).map(([k, v]) => [k.args[0].toNumber(), v.unwrap()]);
		for (const [id, state] of sensors) {
			const row = page.locator(`[data-testid="sensor-table"] tr[data-device="${id}"]`);
			await row.waitFor({ timeout: 30_000 });
			assert.equal(Number(await row.getAttribute("data-schema")), state.schema.toNumber(), `sensor ${id}'s schema`);
			const location = (await api.query.devices.devices(id)).unwrap().location.toBigInt().toString(16);
			assert.equal(await row.locator("td.cell").textContent(), location, `sensor ${id}'s cell`);
			assert.equal(await row.locator("a").first().getAttribute("href"), `#/device/${id}`);
		}
		assert.ok(sensors.filter(([, s]) => s.schema.toNumber() === station).length >= 4, "four stations at least");
		// The buyer's subscription: buyer, schema, area and price as stored; its budget left too.
		const subscriptions = (await api.query.sensors.subscriptions.entries()).map(([k, v]) => [k.args[0].toNumber(), v.unwrap()]);
		assert.ok(subscriptions.length >= 1, "a subscription");
		for (const [id, sub] of subscriptions) {
			const row = page.locator(`[data-testid="subscription-table"] tr[data-subscription="${id}"]`);
			await row.waitFor({ timeout: 30_000 });
			assert.equal(await row.locator("td.buyer").getAttribute("title"), sub.buyer.toString());
			assert.equal(Number(await row.locator("td.schema").getAttribute("data-schema")), sub.schema.toNumber());
			assert.equal(await row.locator("td.area").textContent(), sub.area.toBigInt().toString(16));
			assert.equal(BigInt(await row.locator("td.price").getAttribute("data-planck")), sub.price.toBigInt());
			assert.equal(await row.locator("td.epochs").textContent(), `${sub.first.toNumber()}–${sub.last.toNumber()}`);
			await eventually(
				async () => {
					const stored = await api.query.sensors.subscriptions(id);
					return stored.isNone || BigInt(await row.locator("td.left").getAttribute("data-planck")) === stored.unwrap().left.toBigInt();
				},
				`subscription ${id}'s budget left`,
				30_000,
			);
		}
		// The meters' trade: producer and consumer, price and cap as stored; both meters are
		// enrolled as energy meters.
		const trades = (await api.query.sensors.trades.entries()).map(([k, v]) => [k.args[0].toNumber(), v.unwrap()]);
		assert.ok(trades.length >= 1, "an energy trade");
		for (const [id, trade] of trades) {
			const row = page.locator(`[data-testid="trade-table"] tr[data-trade="${id}"]`);
			await row.waitFor({ timeout: 30_000 });
			const [producer, consumer] = [trade.producer.toNumber(), trade.consumer.toNumber()];
			assert.equal(Number(await row.getAttribute("data-producer")), producer);
			assert.equal(Number(await row.getAttribute("data-consumer")), consumer);
			assert.equal(await row.locator(".producer").textContent(), String(producer));
			assert.equal(await row.locator(".consumer").textContent(), String(consumer));
			assert.equal(await row.locator("td.buyer").getAttribute("title"), trade.buyer.toString());
			assert.equal(BigInt(await row.locator("td.price").getAttribute("data-planck")), trade.price.toBigInt());
			assert.equal(BigInt(await row.locator("td.cap").getAttribute("data-raw")), trade.cap.toBigInt());
			assert.match(await row.locator("td.price").textContent(), / DPN \/ Wh$/);
			for (const m of [producer, consumer]) {
				assert.equal(Number(await page.locator(`[data-testid="sensor-table"] tr[data-device="${m}"]`).getAttribute("data-schema")), meter, `meter ${m} is an energy meter`);
			}
		}
		// The event log holds the sensors' history: every stored sensor's enrolment (the chain is
		// younger than the 600 blocks the explorer reads back), the subscription and the offer.
		if ((await api.rpc.chain.getHeader()).number.toNumber() < 600) {
			const logged = async (kind) => {
				const cell = page.locator(`[data-testid="sensor-event-counts"] tr[data-kind="${kind}"] td.count`);
				return (await cell.count()) ? Number(await cell.textContent()) : 0;
			};
			await eventually(async () => (await logged("Enrolled")) >= sensors.length, "an Enrolled event per sensor", 60_000);
			assert.ok((await logged("Subscribed")) >= 1, "Subscribed logged");
			assert.ok((await logged("TradeOffered")) >= 1, "TradeOffered logged");
			assert.ok((await page.locator('[data-testid="sensor-events"] tr[data-kind]').count()) >= 1, "recent sensor events listed");
		}
		await screenshot(page, "sensors");
		await page.close();
	});

	it("governance: a vote with a dev account changes the referendum's tally; the parameter preview answers as check_parameter", async () => {
		// A remark on the parameters track (anyone may submit; 10 DPN held). No decision
		// deposit: it stays in preparation, so the vote is counted while the test looks.
		const remark = api.tx.system.remark("explorer test");
		const { events } = await submit(api, api.tx.referenda.submit({ Origins: "ParameterAdmin" }, { Inline: remark.method.toHex() }, { After: 1 }), bob);
		const submitted = events.find((e) => api.events.referenda.Submitted.is(e));
		assert.ok(submitted, "Submitted");
		const index = submitted.data.index.toNumber();
		const page = await open("#/governance");
		const card = page.locator(`[data-referendum="${index}"]`);
		await card.waitFor({ timeout: 30_000 });
		assert.equal(await card.locator('[data-testid="ayes"]').getAttribute("data-planck"), "0");
		// Charlie (a dev account, offered on development chains; the simulator signs as Alice
		// all the time, so her nonce is busy) votes aye with 25 DPN at 2x.
		const charlie = new Keyring({ type: "sr25519" }).addFromUri("//Charlie");
		await page.locator("#signer").selectOption(charlie.address);
		await card.locator('input[name="amount"]').fill("25");
		await card.locator('select[name="conviction"]').selectOption("Locked2x");
		await card.locator(`[data-testid="vote-${index}"]`).click();
		const status = page.locator(`[data-testid="vote-status-${index}"]`);
		await eventually(async () => {
			const text = await status.textContent();
			if (/failed/.test(text)) throw new Error(text);
			return /voted in block/.test(text);
		}, "the vote is in a block", 60_000);
		const tally = (await api.query.referenda.referendumInfoFor(index)).unwrap().asOngoing.tally;
		assert.equal(tally.ayes.toBigInt(), 50n * 10n ** 12n, "25 DPN × 2");
		const voting = await api.query.convictionVoting.votingFor(charlie.address, submitted.data.track);
		assert.ok(voting.isCasting && voting.asCasting.votes.some(([i]) => i.toNumber() === index), "Charlie's vote is recorded");
		assert.equal(tally.support.toBigInt(), 25n * 10n ** 12n);
		await eventually(async () => BigInt((await page.locator(`[data-referendum="${index}"] [data-testid="ayes"]`).getAttribute("data-planck")) ?? -1) === tally.ayes.toBigInt(), "the page shows the new tally", 30_000);
		assert.equal(BigInt(await page.locator(`[data-referendum="${index}"] [data-testid="support"]`).getAttribute("data-planck")), tally.support.toBigInt());
		assert.match(await page.locator(`[data-referendum="${index}"] [data-testid="approval"]`).textContent(), /^100\.00%/);
		await screenshot(page, "governance");

		// Guarded parameters: the table's bounds are check_parameter's, and the preview refuses
		// an out-of-bounds value and accepts a small step.
		const row = page.locator('[data-testid="params"] tr[data-param="Proofs.ProvingPeriod"]');
		await row.waitFor({ timeout: 10_000 });
		const current = await row.locator("td.current").getAttribute("data-raw");
		const check = await api.call.guardedParametersApi.checkParameter({ Proofs: { ProvingPeriod: [null, Number(current)] } });
		assert.ok(check.isOk, "the current value passes its own guard");
		assert.equal(await row.locator("td.min").getAttribute("data-raw"), check.asOk.guard.min.toString());
		assert.equal(await row.locator("td.max").getAttribute("data-raw"), check.asOk.guard.max.toString());
		assert.equal(current, check.asOk.current.toString());
		await row.locator('input[name="param"]').check();
		const form = page.locator('[data-testid="preview-form"]');
		await form.locator('input[name="value"]').fill(String(check.asOk.guard.max.toBigInt() + 1n));
		await form.locator("button").click();
		await page.locator('[data-testid="refusal"]').filter({ hasText: "OutOfBounds" }).waitFor({ timeout: 10_000 });
		const step = Number(current) + 1;
		const expected = await api.call.guardedParametersApi.checkParameter({ Proofs: { ProvingPeriod: [null, step] } });
		await form.locator('input[name="value"]').fill(String(step));
		await form.locator("button").click();
		if (expected.isOk) {
			await page.locator('[data-testid="preview-ok"]').waitFor({ timeout: 10_000 });
			assert.equal(await numberIn(page, '[data-testid="preview-proposed"]'), step);
		} else {
			await page.locator('[data-testid="refusal"]').filter({ hasText: expected.asErr.type }).waitFor({ timeout: 10_000 });
		}
		await screenshot(page, "governance-preview");
		await page.close();
	});

	it("an unreachable node gives a readable banner", async () => {
		const { page } = await openPage(browser.context);
		const closed = `ws://127.0.0.1:${await freePort()}`;
		await page.goto(`${server.url}?rpc=${encodeURIComponent(closed)}#/devices`);
		const banner = page.locator('[data-testid="banner"]');
		await banner.filter({ hasText: `Cannot reach the node at ${closed}` }).waitFor({ timeout: 30_000 });
		assert.match(await banner.textContent(), /Retrying every 3 seconds/);
		await screenshot(page, "unreachable");
		await page.close();
	});

	it("no page logged a console error", () => {
		const all = pageErrors.flatMap(({ hash, errors }) => errors.map((e) => `${hash}: ${e}`));
		assert.deepEqual(all, []);
	});
});
