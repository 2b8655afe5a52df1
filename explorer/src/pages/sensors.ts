// Sensors: the schemas governance registered (fields with their units, ranges and neighbour
// tolerances in the field's own scale), the enrolled sensor devices with the attestation each
// has waiting for its audit, the data buyers' subscriptions, the energy trades between meters,
// and the recent `sensors.*` events (attestations, audits, sales, fraud, settlements) from the
// event log. Storage holds the present (`sensors.{schemas,sensors,subscriptions,trades}`, one
// `entries()` read each per refresh); closed subscriptions and trades, and what audits paid,
// exist only as events.

import type { LoggedEvent } from "../chain";
import { allDevices, kindColor, type DeviceView } from "../devices";
import { live, type Page } from "../page";
import { cellHex, dpn, enumName, enumValue, html, num, raw, short, type Raw } from "../util";
import { statusBadge } from "./devices";

interface FieldView {
	name: string;
	unit: string;
	decimals: number;
	min: bigint;
	max: bigint;
	tolerance: bigint;
}

interface SchemaView {
	id: number;
	name: string;
	fields: FieldView[];
	interval: number;
	retired: boolean;
}

interface SensorView {
	device: number;
	schema: number;
	lastEnd: number;
	pending: { epoch: number; auditIn: number; root: string; count: number; start: number; end: number } | null;
}

interface SubscriptionView {
	id: number;
	buyer: string;
	schema: number;
	area: string;
	price: bigint;
	left: bigint;
	deposit: bigint;
	first: number;
	last: number;
}

interface TradeView {
	id: number;
	buyer: string;
	seller: string | null;
	producer: number;
	consumer: number;
	producedField: number;
	consumedField: number;
	price: bigint;
	cap: bigint;
	left: bigint;
	deposit: bigint;
	first: number;
	last: number;
	owed: { settledIn: number; amount: bigint }[];
	disputed: number | null;
}

/** How many recent sensor events the page lists. */
const RECENT = 40;

/** A scaled integer of a field (`2137`, 2 decimals) as its quantity (`21.37`). */
export function scaled(value: bigint, decimals: number): string {
	const negative = value < 0n;
	const abs = negative ? -value : value;
	const sign = negative ? "-" : "";
	if (decimals <= 0) return `${sign}${abs.toLocaleString("en-US")}`;
	const base = 10n ** BigInt(decimals);
	return `${sign}${(abs / base).toLocaleString("en-US")}.${(abs % base).toString().padStart(decimals, "0")}`;
}

/** Unix seconds as a UTC date and time; 0 as "never". */
function utc(seconds: number): string {
	if (!seconds) return "never";
	return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A bounded byte string (a schema's or a field's name, a unit) as text. */
function label(bytes: any): string {
	return typeof bytes?.toUtf8 === "function" ? bytes.toUtf8() : String(bytes ?? "");
}

function schemaView(id: number, record: any): SchemaView {
	const schema = record.schema;
	return {
		id,
		name: label(schema.name),
		fields: schema.fields.map((f: any) => ({
			name: label(f.name),
			unit: label(f.unit),
			decimals: f.decimals.toNumber(),
			min: f.min.toBigInt(),
			max: f.max.toBigInt(),
			tolerance: f.tolerance.toBigInt(),
		})),
		interval: schema.interval.toNumber(),
		retired: record.retired.isTrue,
	};
}

function sensorView(device: number, state: any): SensorView {
	let pending: SensorView["pending"] = null;
	if (state.pending.isSome) {
		const p = state.pending.unwrap();
		pending = {
			epoch: p.epoch.toNumber(),
			auditIn: p.auditIn.toNumber(),
			root: p.root.toHex(),
			count: p.count.toNumber(),
			start: p.start.toNumber(),
			end: p.end.toNumber(),
		};
	}
	return { device, schema: state.schema.toNumber(), lastEnd: state.lastEnd.toNumber(), pending };
}

function subscriptionView(id: number, s: any): SubscriptionView {
	return {
		id,
		buyer: s.buyer.toString(),
		schema: s.schema.toNumber(),
		area: cellHex(s.area.toBigInt()),
		price: s.price.toBigInt(),
		left: s.left.toBigInt(),
		deposit: s.deposit.toBigInt(),
		first: s.first.toNumber(),
		last: s.last.toNumber(),
	};
}

function tradeView(id: number, t: any): TradeView {
	return {
		id,
		buyer: t.buyer.toString(),
		seller: t.seller.isSome ? t.seller.unwrap().toString() : null,
		producer: t.producer.toNumber(),
		consumer: t.consumer.toNumber(),
		producedField: t.producedField.toNumber(),
		consumedField: t.consumedField.toNumber(),
		price: t.price.toBigInt(),
		cap: t.cap.toBigInt(),
		left: t.left.toBigInt(),
		deposit: t.deposit.toBigInt(),
		first: t.first.toNumber(),
		last: t.last.toNumber(),
		owed: t.owed.map((o: any) => ({ settledIn: o.settledIn.toNumber(), amount: o.amount.toBigInt() })),
		disputed: t.disputed.isSome ? t.disputed.unwrap().toNumber() : null,
	};
}

const deviceLink = (id: unknown): Raw => html`<a href="#/device/${id}">${id}</a>`;

const account = (address: unknown): Raw => html`<span class="mono" title="${address}">${short(String(address ?? ""), 6)}</span>`;

/** A field's unit as prices and caps count it: the unit, or its scaled step (`degC/100`). */
function stepUnit(field: FieldView | undefined): string {
	if (!field) return "unit";
	return field.decimals > 0 ? `${field.unit}/${10 ** field.decimals}` : field.unit;
}

/** A `Quality` (JSON) in words. */
function quality(json: unknown): string {
	const name = enumName(json);
	if (name === "scored") {
		const q = enumValue(json) ?? {};
		return `${q.passed}/${q.fields} fields agree with ${q.neighbours} neighbours`;
	}
	if (name === "noNeighbours") return "unverified (too few neighbours)";
	return name;
}

/** Whether an epoch span is before, in or after the current epoch. */
function spanState(first: number, last: number, epoch: number): string {
	if (epoch < first) return "not started";
	if (epoch > last) return "over";
	return "running";
}

/** One logged sensor event in words, its devices, subscriptions and trades linked. */
function describe(e: LoggedEvent, schemaName: (id: number) => string): Raw {
	const d = e.data;
	switch (e.method) {
		case "SchemaRegistered":
			return html`schema ${d.schema} (${schemaName(d.schema)}), ${d.fields} field(s)`;
		case "SchemaRetired":
			return html`schema ${d.schema} (${schemaName(d.schema)}) retired`;
		case "Enrolled":
			return html`device ${deviceLink(d.device)} under schema ${d.schema} (${schemaName(d.schema)})`;
		case "Withdrawn":
			return html`device ${deviceLink(d.device)}`;
		case "Attested":
			return html`device ${deviceLink(d.device)}: ${num(Number(d.readings))} readings of epoch ${d.epoch}, root <span class="mono" title="${d.root}">${short(String(d.root))}</span>, audit in epoch ${d.auditIn}${d.counted ? "" : ", not counted as a neighbour"}`;
		case "ReadingsVerified":
			return html`device ${deviceLink(d.device)}, epoch ${d.epoch}: ${num(Number(d.readings))} readings, ${quality(d.quality)}, ${num(Number(d.points))} points`;
		case "Subscribed":
			return html`subscription ${d.subscription} by ${account(d.buyer)}: schema ${d.schema} in area <span class="mono">${cellHex(d.area)}</span>, ${dpn(d.price, 6)} a point, budget ${dpn(d.budget)}, epochs ${d.first}–${d.last}`;
		case "DataSold":
			return html`subscription ${d.subscription} bought device ${deviceLink(d.device)}'s ${num(Number(d.readings))} readings of epoch ${d.epoch}: ${dpn(d.paid)} paid, ${dpn(d.fee)} fee burned`;
		case "SubscriptionClosed":
			return html`subscription ${d.subscription}: ${dpn(d.refunded)} back to the buyer`;
		case "SubscriptionOutbid":
			return html`subscription ${d.subscription} outbid by ${d.by}: ${dpn(d.refunded)} back to the buyer`;
		case "TradeOffered":
			return html`trade ${d.trade} by ${account(d.buyer)}: meter ${deviceLink(d.producer)} → meter ${deviceLink(d.consumer)}, ${dpn(d.price, 6)} a unit, at most ${num(Number(d.cap))} an epoch, budget ${dpn(d.budget)}, epochs ${d.first}–${d.last}`;
		case "TradeAccepted":
			return html`trade ${d.trade} accepted by ${account(d.seller)}`;
		case "EnergySettled":
			return html`trade ${d.trade}, epoch ${d.epoch}: ${num(Number(d.quantity))} unit(s) for ${dpn(d.amount)}`;
		case "TradePaid":
			return html`trade ${d.trade}: ${dpn(d.paid)} paid to the seller`;
		case "TradeEnded":
			return html`trade ${d.trade} settles no epoch after ${d.last}`;
		case "TradeDisputed":
			return html`trade ${d.trade} disputed by ${account(d.by)}`;
		case "TradeClosed":
			return html`trade ${d.trade}: ${dpn(d.paid)} to the seller, ${dpn(d.refunded)} back to the buyer`;
		case "RegisterReset":
			return html`meter ${deviceLink(d.device)}, epoch ${d.epoch}: its registers start again from this batch`;
		case "ReadingsFaked":
			return html`device ${deviceLink(d.device)}, epoch ${d.epoch}: reading ${d.index} breaks its attestation (suspended and slashed)`;
		case "ReadingsUnrevealed":
			return html`device ${deviceLink(d.device)}, epoch ${d.epoch}: sampled readings not revealed (suspended and slashed)`;
		case "ItemRejected":
			return html`device ${deviceLink(d.device)}: ${d.error} (item ${d.index})`;
		case "BatchProcessed":
			return html`${d.accepted} accepted, ${d.rejected} rejected`;
		default:
			return html`<span class="mono">${JSON.stringify(d)}</span>`;
	}
}

export const sensorsPage: Page = async (el, ctx) => {
	const { chain } = ctx;
	const api: any = chain.api;
	if (!api.query.sensors) {
		el.innerHTML = `<h1>Sensors</h1><p class="banner warn" data-testid="no-sensors">This chain's runtime has no sensors pallet.</p>`;
		return;
	}
	el.innerHTML = `<h1>Sensors</h1>
	<div id="sensor-summary"></div>
	<section><h2>Schemas</h2><div id="schemas"></div></section>
	<section><h2>Enrolled sensors</h2><div id="sensors"></div></section>
	<section><h2>Data subscriptions</h2><div id="subscriptions"></div></section>
	<section><h2>Energy trades</h2><div id="trades"></div></section>
	<section><h2>Recent sensor events</h2><div id="sensor-events"></div></section>`;
	const $ = (sel: string) => el.querySelector(sel) as HTMLElement;

	const refresh = async () => {
		const [schemaEntries, sensorEntries, subscriptionEntries, tradeEntries, devices, epoch] = await Promise.all([
			api.query.sensors.schemas.entries(),
			api.query.sensors.sensors.entries(),
			api.query.sensors.subscriptions.entries(),
			api.query.sensors.trades.entries(),
			allDevices(chain),
			chain.depin("epoch"),
		]);
		if (!ctx.alive()) return;
		const schemas: SchemaView[] = schemaEntries
			.map(([key, value]: [any, any]) => schemaView(key.args[0].toNumber(), value.unwrap()))
			.sort((a: SchemaView, b: SchemaView) => a.id - b.id);
		const sensors: SensorView[] = sensorEntries
			.map(([key, value]: [any, any]) => sensorView(key.args[0].toNumber(), value.unwrap()))
			.sort((a: SensorView, b: SensorView) => a.device - b.device);
		const subscriptions: SubscriptionView[] = subscriptionEntries
			.map(([key, value]: [any, any]) => subscriptionView(key.args[0].toNumber(), value.unwrap()))
			.sort((a: SubscriptionView, b: SubscriptionView) => b.id - a.id);
		const trades: TradeView[] = tradeEntries
			.map(([key, value]: [any, any]) => tradeView(key.args[0].toNumber(), value.unwrap()))
			.sort((a: TradeView, b: TradeView) => b.id - a.id);
		const bySchema = new Map<number, SchemaView>(schemas.map((s) => [s.id, s]));
		const byDevice = new Map<number, DeviceView>(devices.map((d) => [d.id, d]));
		const bySensor = new Map<number, SensorView>(sensors.map((s) => [s.device, s]));
		const schemaName = (id: number) => bySchema.get(Number(id))?.name ?? "?";
		const now = Number(epoch.index);

		// One pass over the logged sensor events: counts by kind, each device's latest audit,
		// what each subscription sold and each trade settled and paid.
		const events = chain.events.filter((e) => e.section === "sensors");
		const kinds = new Map<string, number>();
		const audits = new Map<number, { epoch: number; text: string; bad: boolean }>();
		const sold = new Map<number, { sales: number; paid: bigint; fee: bigint }>();
		const settled = new Map<number, { epochs: number; units: bigint; amount: bigint; paid: bigint }>();
		let soldPaid = 0n;
		let soldFee = 0n;
		for (const e of events) {
			kinds.set(e.method, (kinds.get(e.method) ?? 0) + 1);
			const d = e.data;
			switch (e.method) {
				case "ReadingsVerified":
					audits.set(Number(d.device), { epoch: d.epoch, text: `${quality(d.quality)}, ${num(Number(d.points))} points`, bad: false });
					break;
				case "ReadingsFaked":
					audits.set(Number(d.device), { epoch: d.epoch, text: `faked (reading ${d.index})`, bad: true });
					break;
				case "ReadingsUnrevealed":
					audits.set(Number(d.device), { epoch: d.epoch, text: "not revealed", bad: true });
					break;
				case "ItemRejected":
					audits.set(Number(d.device), { epoch: chain.epochAt(e.block) ?? NaN, text: `rejected: ${d.error}`, bad: true });
					break;
				case "DataSold": {
					const s = sold.get(Number(d.subscription)) ?? { sales: 0, paid: 0n, fee: 0n };
					s.sales += 1;
					s.paid += BigInt(d.paid);
					s.fee += BigInt(d.fee);
					sold.set(Number(d.subscription), s);
					soldPaid += BigInt(d.paid);
					soldFee += BigInt(d.fee);
					break;
				}
				case "EnergySettled":
				case "TradePaid": {
					const t = settled.get(Number(d.trade)) ?? { epochs: 0, units: 0n, amount: 0n, paid: 0n };
					if (e.method === "EnergySettled") {
						t.epochs += 1;
						t.units += BigInt(d.quantity);
						t.amount += BigInt(d.amount);
					} else {
						t.paid += BigInt(d.paid);
					}
					settled.set(Number(d.trade), t);
					break;
				}
				default:
					break;
			}
		}
		const logged = html`blocks ${chain.logFrom}–${chain.best}${chain.logReady ? "" : " (still reading past blocks…)"}`;

		const sensorDevices = devices.filter((d) => d.kind === "sensor");
		$("#sensor-summary").innerHTML = html`<p>Epoch ${now}: <b data-testid="schema-count">${schemas.length}</b> schema(s) (${schemas.filter((s) => s.retired).length} retired),
			<b data-testid="sensor-count">${sensors.length}</b> sensor(s) enrolled of <span data-testid="sensor-devices">${sensorDevices.length}</span> sensor device(s) registered,
			<b data-testid="subscription-count">${subscriptions.length}</b> open data subscription(s), <b data-testid="trade-count">${trades.length}</b> open energy trade(s).
			Data sold in ${logged}: <b data-testid="sold-paid" data-planck="${soldPaid}">${dpn(soldPaid)}</b> to the sensors' owners, ${dpn(soldFee)} burned as the protocol fee.</p>`.html;

		// Schemas, a row per field.
		$("#schemas").innerHTML = schemas.length
			? html`<table class="list" data-testid="schema-table"><thead><tr><th>schema</th><th>name</th><th>interval</th><th>status</th><th>field</th><th>unit</th><th>decimals</th><th>valid range</th><th>neighbour tolerance</th></tr></thead><tbody>${schemas.map((s) =>
					s.fields.map(
						(f, i) => html`<tr data-schema="${s.id}" data-field="${f.name}">${
							i === 0
								? html`<td rowspan="${s.fields.length}">${s.id}</td><td rowspan="${s.fields.length}" class="name">${s.name}</td><td rowspan="${s.fields.length}" class="interval" data-seconds="${s.interval}">${num(s.interval)} s</td><td rowspan="${s.fields.length}" class="retired">${s.retired ? "retired" : "open"}</td>`
								: ""
						}<td class="field">${f.name}</td><td>${f.unit}</td><td>${f.decimals}</td><td class="range" data-min="${f.min}" data-max="${f.max}">${scaled(f.min, f.decimals)} … ${scaled(f.max, f.decimals)} ${f.unit}</td><td class="tolerance" data-raw="${f.tolerance}">± ${scaled(f.tolerance, f.decimals)} ${f.unit}</td></tr>`,
					),
				)}</tbody></table>`.html
			: `<p class="muted">No schemas: governance registers them (<code>sensors.registerSchema</code>).</p>`;

		// Enrolled sensors.
		$("#sensors").innerHTML = sensors.length
			? html`<table class="list" data-testid="sensor-table"><thead><tr><th>device</th><th>status</th><th>schema</th><th>cell</th><th>owner</th><th>last attested reading</th><th>pending attestation (epoch → audit)</th><th>readings</th><th>root</th><th>latest audit (logged)</th></tr></thead><tbody>${sensors.map((s) => {
					const device = byDevice.get(s.device);
					const audit = audits.get(s.device);
					const p = s.pending;
					return html`<tr data-device="${s.device}" data-schema="${s.schema}"><td><a href="#/device/${s.device}"><i class="dot" style="background:${kindColor("sensor")}"></i>${s.device}</a></td><td>${device ? raw(statusBadge(device.status)) : "–"}</td><td class="schema">${s.schema} (${schemaName(s.schema)})</td><td class="mono cell">${device?.location ?? "–"}</td><td>${device ? account(device.owner) : "–"}</td><td class="last-end" data-seconds="${s.lastEnd}">${utc(s.lastEnd)}</td><td class="pending" data-epoch="${p?.epoch ?? ""}">${p ? html`${p.epoch} → ${p.auditIn}${p.auditIn === now ? " (open)" : p.auditIn < now ? " (overdue)" : ""}` : "none"}</td><td class="count">${p ? num(p.count) : "–"}</td><td class="mono root" title="${p?.root ?? ""}">${p ? short(p.root) : "–"}</td><td class="audit${audit?.bad ? " rejected" : ""}">${audit ? `epoch ${Number.isNaN(audit.epoch) ? "?" : audit.epoch}: ${audit.text}` : "–"}</td></tr>`;
				})}</tbody></table>`.html
			: `<p class="muted">No sensor device is enrolled: an operator enrolls one under a schema with <code>depin-provider sensor enroll</code>.</p>`;

		// Data subscriptions.
		$("#subscriptions").innerHTML = subscriptions.length
			? html`<table class="list" data-testid="subscription-table"><thead><tr><th>id</th><th>buyer</th><th>schema</th><th>area cell</th><th>price / point</th><th>budget left</th><th>epochs</th><th>state</th><th>sales (logged)</th></tr></thead><tbody>${subscriptions.map((s) => {
					const sales = sold.get(s.id);
					return html`<tr data-subscription="${s.id}"><td>${s.id}</td><td class="buyer" title="${s.buyer}">${account(s.buyer)}</td><td class="schema" data-schema="${s.schema}">${s.schema} (${schemaName(s.schema)})</td><td class="mono area">${s.area}</td><td class="price" data-planck="${s.price}">${dpn(s.price, 6)}</td><td class="left" data-planck="${s.left}">${dpn(s.left)}</td><td class="epochs">${s.first}–${s.last}</td><td>${spanState(s.first, s.last, now)}</td><td>${sales ? html`${sales.sales}: ${dpn(sales.paid)} paid, ${dpn(sales.fee)} burned` : "–"}</td></tr>`;
				})}</tbody></table>`.html
			: `<p class="muted">No open subscriptions: a buyer subscribes to a schema's data in an area with <code>sensors.subscribe</code>.</p>`;

		// Energy trades.
		$("#trades").innerHTML = trades.length
			? html`<table class="list" data-testid="trade-table"><thead><tr><th>id</th><th>producer → consumer</th><th>buyer</th><th>seller</th><th>price / unit</th><th>cap / epoch</th><th>budget left</th><th>epochs</th><th>owed (disputable)</th><th>disputed</th><th>settled (logged)</th></tr></thead><tbody>${trades.map((t) => {
					const field = bySchema.get(bySensor.get(t.producer)?.schema ?? -1)?.fields[t.producedField];
					const unit = stepUnit(field);
					const owed = t.owed.reduce((sum, o) => sum + o.amount, 0n);
					const done = settled.get(t.id);
					return html`<tr data-trade="${t.id}" data-producer="${t.producer}" data-consumer="${t.consumer}"><td>${t.id}</td><td><span class="producer">${deviceLink(t.producer)}</span> → <span class="consumer">${deviceLink(t.consumer)}</span></td><td class="buyer" title="${t.buyer}">${account(t.buyer)}</td><td class="seller" title="${t.seller ?? ""}">${t.seller ? account(t.seller) : "offer (not accepted)"}</td><td class="price" data-planck="${t.price}">${dpn(t.price, 6)} / ${unit}</td><td class="cap" data-raw="${t.cap}">${num(t.cap)} ${unit}</td><td class="left" data-planck="${t.left}">${dpn(t.left)}</td><td class="epochs">${t.first}–${t.last} (${spanState(t.first, t.last, now)})</td><td class="owed" data-planck="${owed}">${dpn(owed)}${t.owed.length ? ` (${t.owed.length} epoch(s))` : ""}</td><td class="disputed">${t.disputed !== null ? `since epoch ${t.disputed}` : "no"}</td><td>${done ? html`${done.epochs} epoch(s), ${num(done.units)} ${unit} for ${dpn(done.amount)}; ${dpn(done.paid)} paid` : "–"}</td></tr>`;
				})}</tbody></table>`.html
			: `<p class="muted">No open energy trades: a consuming meter's owner offers one with <code>sensors.offerTrade</code>, the producing meter's owner accepts it.</p>`;

		// Recent events (a batch's summary event left out of the list: its items have their own).
		const recent = events.filter((e) => e.method !== "BatchProcessed").slice(-RECENT).reverse();
		const counted = [...kinds.entries()].sort((a, b) => b[1] - a[1]);
		$("#sensor-events").innerHTML = html`<p class="muted">From the <code>sensors.*</code> events of ${logged}.</p>
			<table class="list" data-testid="sensor-event-counts"><thead><tr><th>event</th><th>logged</th></tr></thead><tbody>${counted.map(
				([kind, n]) => html`<tr data-kind="${kind}"><td>${kind}</td><td class="count">${n}</td></tr>`,
			)}</tbody></table>
			<h3>Latest ${recent.length}</h3>
			${recent.length
				? html`<table class="list" data-testid="sensor-events"><thead><tr><th>block</th><th>event</th><th>what</th></tr></thead><tbody>${recent.map(
						(e) => html`<tr data-kind="${e.method}" data-block="${e.block}"><td>${e.block}</td><td>${e.method}</td><td>${describe(e, schemaName)}</td></tr>`,
					)}</tbody></table>`
				: html`<p class="muted">No sensor events in the logged blocks.</p>`}`.html;
	};
	return live(ctx, refresh, 3000);
};
