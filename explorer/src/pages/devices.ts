// Devices: every device on a map of H3 cells (coloured by kind, hollow when suspended, grey when
// retired; resolution-7 density cells shaded by how many devices they hold), search by id, key
// or owner, and a page per device: status, sectors, challenges, proof history epoch by epoch,
// faults, slashes and rewards (sensors: attestations, audits, sales).

import { cellToParent, getResolution, isValidCell } from "h3-js";
import { chart } from "../chart";
import { allDevices, KINDS, kindColor, STATUS_COLORS, type DeviceView } from "../devices";
import { mountMap, type MapCell, type MapMarker } from "../map";
import { live, type Page } from "../page";
import type { LoggedEvent } from "../chain";
import { dpn, dpnFloat, esc, html, num, raw, short } from "../util";

/** The density resolution the registry indexes (`CellDeviceCount`). */
const DENSITY_RES = 7;

function densityCell(cell: string): string | null {
	try {
		if (!isValidCell(cell)) return null;
		return getResolution(cell) > DENSITY_RES ? cellToParent(cell, DENSITY_RES) : cell;
	} catch {
		return null;
	}
}

export function deviceMarkers(devices: DeviceView[]): { cells: MapCell[]; markers: MapMarker[] } {
	const density = new Map<string, DeviceView[]>();
	for (const d of devices) {
		if (d.status === "retired") continue;
		const cell = densityCell(d.location);
		if (cell) density.set(cell, [...(density.get(cell) ?? []), d]);
	}
	const most = Math.max(1, ...[...density.values()].map((list) => list.length));
	const cells: MapCell[] = [...density.entries()].map(([cell, list]) => ({
		cell,
		fill: "#ff7f0e",
		opacity: 0.12 + 0.5 * (list.length / most),
		title: `cell ${cell}: ${list.length} device(s) (${list.map((d) => d.id).join(", ")})`,
		attrs: { "data-cell": cell, "data-count": list.length },
	}));
	const markers: MapMarker[] = devices.map((d) => ({
		cell: d.location,
		color: d.status === "retired" ? STATUS_COLORS.retired : kindColor(d.kind),
		hollow: d.status === "suspended",
		title: `device ${d.id}: ${d.kind}, ${d.status}, ${d.model}`,
		href: `#/device/${d.id}`,
		attrs: { "data-device": d.id, "data-kind": d.kind, "data-status": d.status },
	}));
	return { cells, markers };
}

function matches(d: DeviceView, q: string): boolean {
	if (!q) return true;
	const lower = q.toLowerCase();
	if (/^\d+$/.test(q)) return d.id === Number(q);
	return d.owner === q || d.manager === q || d.key.public.toLowerCase() === lower || d.location === lower.replace(/^0x/, "");
}

export function statusBadge(status: string): string {
	return `<span class="badge" style="border-color:${STATUS_COLORS[status] ?? "#888"};color:${STATUS_COLORS[status] ?? "#888"}" data-testid="status">${esc(status)}</span>`;
}

export function kindBadge(kind: string): string {
	return `<span class="badge" style="background:${kindColor(kind)};color:#fff">${esc(kind)}</span>`;
}

export const devicesPage: Page = async (el, ctx) => {
	const { chain } = ctx;
	const q = ctx.query.get("q")?.trim() ?? "";
	el.innerHTML = html`<h1>Devices</h1>
	<form class="search" data-testid="device-search"><input name="q" value="${q}" placeholder="device id, device key (0x…), owner or manager address, H3 cell" size="60"/><button>search</button>${q ? raw(`<a href="#/devices">clear</a>`) : ""}</form>
	<div id="summary"></div>
	<div id="map"></div>
	<p class="legend">${KINDS.map((k) => raw(`<span><i class="dot" style="background:${kindColor(k)}"></i>${k}</span>`))}<span><i class="dot hollow"></i>suspended</span><span><i class="dot" style="background:${STATUS_COLORS.retired}"></i>retired</span><span><i class="sq"></i>devices per resolution-7 cell</span></p>
	<div id="table"></div>`.html;
	(el.querySelector("form.search") as HTMLFormElement).addEventListener("submit", (event) => {
		event.preventDefault();
		const value = ((event.target as HTMLFormElement).elements.namedItem("q") as HTMLInputElement).value.trim();
		window.location.hash = value ? `#/devices?q=${encodeURIComponent(value)}` : "#/devices";
	});
	const $ = (sel: string) => el.querySelector(sel) as HTMLElement;
	let map: ReturnType<typeof mountMap> | null = null;

	const refresh = async () => {
		const devices = await allDevices(chain);
		// Every key is stored as its public key's bytes (any scheme), so matching here is complete.
		const shown = devices.filter((d) => matches(d, q));
		if (!ctx.alive()) return;
		if (q && shown.length === 1 && /^\d+$/.test(q)) {
			window.location.hash = `#/device/${shown[0].id}`;
			return;
		}
		const count = (pred: (d: DeviceView) => boolean) => devices.filter(pred).length;
		$("#summary").innerHTML = html`<p><b data-testid="device-count">${devices.length}</b> devices:
			${KINDS.map((k) => html`<span data-testid="kind-${k}">${count((d) => d.kind === k)}</span> ${k}, `)}
			<span data-testid="status-active">${count((d) => d.status === "active")}</span> active,
			<span data-testid="status-suspended">${count((d) => d.status === "suspended")}</span> suspended,
			<span data-testid="status-retired">${count((d) => d.status === "retired")}</span> retired.
			${q ? html`<b data-testid="search-count">${shown.length}</b> match “${q}”.` : ""}</p>`.html;
		const data = deviceMarkers(shown);
		if (!map) map = mountMap($("#map"), data, "device-map");
		else map.update(data);
		$("#table").innerHTML = html`<table class="list" data-testid="device-table"><thead><tr><th>id</th><th>kind</th><th>status</th><th>cell</th><th>owner</th><th>model</th><th>faults</th><th>deposit</th></tr></thead><tbody>${shown.map(
			(d) => html`<tr data-device="${d.id}"><td><a href="#/device/${d.id}">${d.id}</a></td><td>${raw(kindBadge(d.kind))}</td><td>${raw(statusBadge(d.status))}</td><td class="mono">${d.location}</td><td class="mono" title="${d.owner}"><a href="#/devices?q=${encodeURIComponent(d.owner)}">${short(d.owner, 6)}</a></td><td>${d.model}</td><td>${d.faults}</td><td>${dpn(d.deposit, 2)}</td></tr>`,
		)}</tbody></table>`.html;
	};
	return live(ctx, refresh, 3000);
};

/** One row per epoch of a device's history, from the event log. */
function history(events: LoggedEvent[], id: number, epochAt: (block: number) => number | null) {
	type Row = { epoch: number | null; accepted: number; points: number; rejected: string[]; faults: string[]; slashed: bigint; other: string[] };
	const rows = new Map<string, Row>();
	const row = (epoch: number | null): Row => {
		const key = String(epoch);
		if (!rows.has(key)) rows.set(key, { epoch, accepted: 0, points: 0, rejected: [], faults: [], slashed: 0n, other: [] });
		return rows.get(key) as Row;
	};
	for (const e of events) {
		const d = e.data;
		const kind = `${e.section}.${e.method}`;
		const mine = d.device === id || d.witness === id || d.beaconer === id;
		if (!mine) continue;
		const epoch = typeof d.epoch === "number" ? d.epoch : epochAt(e.block);
		switch (kind) {
			case "proofs.StorageProofAccepted":
			case "coverage.BeaconConfirmed":
			case "jobs.JobSettled":
				row(epoch).accepted += 1;
				row(epoch).points += Number(d.points);
				break;
			// A capacity audit passed: it earns nothing (compute rewards follow paid jobs).
			case "compute.WorkProven":
				row(epoch).accepted += 1;
				break;
			case "coverage.WitnessAccepted":
				if (d.witness === id) {
					row(epoch).accepted += 1;
					row(epoch).points += Number(d.points);
				}
				break;
			// A sensor's audit passed: points for its readings' coverage, times their quality.
			case "sensors.ReadingsVerified":
				row(epoch).accepted += 1;
				row(epoch).points += Number(d.points);
				break;
			case "proofs.ItemRejected":
			case "compute.ItemRejected":
			case "coverage.ItemRejected":
			case "sensors.ItemRejected":
				row(epoch).rejected.push(`${d.error} (block ${e.block})`);
				break;
			case "coverage.WitnessRejected":
				row(epoch).rejected.push(d.witness === id ? `receipt for ${d.beaconer}'s beacon: ${d.reason}` : `${d.witness}'s receipt of its beacon: ${d.reason}`);
				break;
			case "compute.WorkFaked":
				row(epoch).rejected.push(`work faked (segment ${d.segment})`);
				break;
			case "compute.WorkUnrevealed":
				row(epoch).rejected.push("work not revealed");
				break;
			case "sensors.ReadingsFaked":
				row(epoch).rejected.push(`readings faked (reading ${d.index})`);
				break;
			case "sensors.ReadingsUnrevealed":
				row(epoch).rejected.push("sampled readings not revealed");
				break;
			case "proofs.FaultsRecorded":
			case "compute.FaultsRecorded":
				row(epoch).faults.push(`${d.missed} missed, ${d.consecutive} in a row`);
				break;
			case "proofs.SuspendedForFaults":
			case "compute.SuspendedForFaults":
				row(epoch).faults.push(`suspended after ${d.consecutive} in a row`);
				break;
			case "devices.DeviceSuspended":
				row(epoch).other.push("suspended");
				break;
			case "devices.DeviceResumed":
				row(epoch).other.push("resumed");
				break;
			case "devices.DepositSlashed":
				row(epoch).slashed += BigInt(d.amount);
				break;
			case "devices.DeviceRegistered":
				row(epoch).other.push(`registered at block ${e.block}`);
				break;
			case "proofs.SectorCommitted":
				row(epoch).other.push(`sector ${d.sector} committed`);
				break;
			case "compute.WorkCommitted":
				row(epoch).other.push(`work committed (${d.segments} segments)`);
				break;
			case "coverage.BeaconRecorded":
				row(epoch).other.push("beaconed");
				break;
			case "coverage.Joined":
				row(epoch).other.push("joined the beacon roster");
				break;
			case "compute.Enrolled":
				row(epoch).other.push("enrolled for capacity challenges");
				break;
			case "sensors.Enrolled":
				row(epoch).other.push(`enrolled under sensor schema ${d.schema}`);
				break;
			case "sensors.Attested":
				row(epoch).other.push(`attested ${d.readings} readings`);
				break;
			case "sensors.DataSold":
				row(epoch).other.push(`data sold to subscription ${d.subscription} for ${dpn(d.paid)}`);
				break;
			case "sensors.RegisterReset":
				row(epoch).other.push("meter registers reset");
				break;
			default:
				break;
		}
	}
	return [...rows.values()].sort((a, b) => (b.epoch ?? -1) - (a.epoch ?? -1));
}

export const devicePage: Page = async (el, ctx) => {
	const { chain } = ctx;
	const id = Number(ctx.args[0]);
	if (!Number.isInteger(id) || id < 0) {
		el.innerHTML = html`<h1>Device</h1><p class="banner warn" data-testid="not-found">“${ctx.args[0] ?? ""}” is not a device id.</p>`.html;
		return;
	}
	el.innerHTML = html`<h1>Device <span data-testid="device-id">${id}</span></h1><div id="body"><p class="muted">Loading…</p></div>`.html;
	const $ = (sel: string) => el.querySelector(sel) as HTMLElement;
	let map: ReturnType<typeof mountMap> | null = null;
	const refresh = async () => {
		const device = await chain.depin("device", id);
		if (!ctx.alive()) return;
		if (!device) {
			$("#body").innerHTML = html`<p class="banner warn" data-testid="not-found">No device ${id} on this chain (yet).</p>`.html;
			return;
		}
		const [proof, challenges, compute, receipts, pending, estimate, rosterSlot] = await Promise.all([
			device.kind === "storage" ? chain.depin("proofStatus", id) : null,
			device.kind === "storage" ? chain.depin("openChallenges", id) : [],
			device.kind === "compute" ? chain.depin("computeChallenge", id) : null,
			chain.depin("rewardReceipts", id, null, 1000),
			chain.depin("pendingRewards", id),
			chain.depin("rewardEstimate", id),
			device.kind === "coverage" ? (chain.api.query as any).coverage.rosterSlotOf(id) : null,
		]);
		if (!ctx.alive()) return;
		const rows = history(chain.events, id, (b) => chain.epochAt(b));
		const slashedTotal = rows.reduce((sum, r) => sum + r.slashed, 0n);
		const rewardPoints: [number, number][] = receipts.map((r: any) => [r.epoch, dpnFloat(r.amount)]);
		const earned = receipts.reduce((sum: bigint, r: any) => sum + BigInt(r.amount), 0n);
		const details = html`<table class="kv" data-testid="device-details">
			<tr><th>Kind</th><td data-testid="kind">${raw(kindBadge(device.kind))}</td></tr>
			<tr><th>Status</th><td>${raw(statusBadge(device.status))}${device.unbondsAt ? ` (deposit back from block ${device.unbondsAt})` : ""}</td></tr>
			<tr><th>Owner</th><td class="mono"><a data-testid="owner" href="#/devices?q=${encodeURIComponent(device.owner)}">${device.owner}</a></td></tr>
			${device.manager ? html`<tr><th>Manager</th><td class="mono">${device.manager}</td></tr>` : ""}
			<tr><th>Key</th><td class="mono" data-testid="key">${device.key.scheme} ${device.key.public}</td></tr>
			<tr><th>Location</th><td class="mono"><span data-testid="location">${device.location}</span> (resolution ${device.locationResolution})</td></tr>
			<tr><th>Capacity</th><td data-testid="capacity">${device.kind === "storage" ? `${num(device.capacity)} bytes` : device.kind === "compute" ? `${num(device.capacity)} work units` : "–"}</td></tr>
			<tr><th>Model / firmware</th><td>${device.model} / ${device.firmware}</td></tr>
			<tr><th>Registered</th><td>block ${device.registeredAt}, moved last at block ${device.locationChangedAt}</td></tr>
			<tr><th>Deposit</th><td data-testid="deposit" data-planck="${device.deposit}">${dpn(device.deposit)}</td></tr>
			<tr><th>Faults</th><td data-testid="faults">${device.faults}</td></tr>
			<tr><th>Slashed (last ${num(chain.best - chain.logFrom + 1)} blocks)</th><td data-testid="slashed">${dpn(slashedTotal)}</td></tr>
		</table>`;
		let kindSection = "";
		if (proof) {
			kindSection = html`<h2>Sectors</h2><p>Epoch ${proof.epoch}: ${proof.challenged} challenged, ${proof.proven} proven; ${num(proof.committedBytes)} bytes committed; <span data-testid="consecutive-faults">${proof.consecutiveFaults}</span> consecutive fault(s) of ${proof.faultThreshold} allowed${proof.unrecordedFaults ? `, ${proof.unrecordedFaults} not recorded yet` : ""}.</p>
			<table class="list" data-testid="sectors"><tr><th>sector</th><th>root</th><th>chunks</th><th>committed in</th><th>proven in</th><th>open</th></tr>${proof.sectors.map(
				(s: any) => html`<tr><td>${s.index}</td><td class="mono" title="${s.root}">${short(s.root, 8)}</td><td>${num(s.chunks)}</td><td>${s.committedIn}</td><td>${s.provenIn ?? "–"}</td><td>${s.open ? "yes" : "no"}</td></tr>`,
			)}</table>
			${challenges.length ? html`<h3>Open challenges</h3><table class="list"><tr><th>sector</th><th>chunks asked</th><th>due by block</th></tr>${challenges.map((c: any) => html`<tr><td>${c.sector}</td><td>${c.indices.join(", ")}</td><td>${c.deadline}</td></tr>`)}</table>` : ""}`.html;
		} else if (compute) {
			kindSection = html`<h2>Capacity challenge</h2><table class="kv" data-testid="compute-challenge"><tr><th>Epoch ${compute.epoch}</th><td data-testid="challenge-status">${compute.status}</td></tr><tr><th>Workload</th><td>${num(compute.segments)} segments × ${num(compute.segmentLength)} blake2 steps</td></tr><tr><th>Commit before / reveal by</th><td>block ${compute.revealAt} / block ${compute.deadline}</td></tr><tr><th>Committed root</th><td class="mono">${compute.root ?? "not yet"}</td></tr><tr><th>Sampled segments</th><td>${compute.sampled.length ? compute.sampled.join(", ") : "not drawn yet"}</td></tr><tr><th>Consecutive faults</th><td>${compute.consecutiveFaults}</td></tr></table>`.html;
		} else if (device.kind === "coverage") {
			kindSection = html`<h2>Beacon roster</h2><p data-testid="roster">${rosterSlot && rosterSlot.isSome ? `On the roster (slot ${rosterSlot.unwrap().toNumber()}).` : "Not on the beacon roster."}</p>`.html;
		}
		const rewardsChart = rewardPoints.length
			? chart([{ name: "reward (DPN)", color: kindColor(device.kind), points: rewardPoints, style: "bars" }], { xLabel: "epoch", yLabel: "DPN", testId: "rewards-chart", xFormat: (x) => String(Math.round(x)) })
			: `<p class="muted">No rewards yet.</p>`;
		$("#body").innerHTML = html`<div class="two"><div>${details}</div><div id="device-map"></div></div>
			${raw(kindSection)}
			<h2>Rewards</h2>
			<p>Earned <b data-testid="earned" data-planck="${earned}">${dpn(earned)}</b> in the ${receipts.length} epoch(s) the chain keeps (the one in progress and the newest settled); a claim pays now <b data-testid="pending" data-planck="${pending.total}">${dpn(pending.total)}</b>, every settled epoch at once${estimate ? html`; this epoch (${estimate.epoch}) may pay up to ${dpn(estimate.amount)} (${estimate.points}/${estimate.potentialPoints} points so far)` : ""}.</p>
			${raw(rewardsChart)}
			<table class="list" data-testid="receipts"><tr><th>epoch</th><th>points</th><th>of category</th><th>pool</th><th>amount</th><th>status</th></tr>${[...receipts].reverse().map(
				(r: any) => html`<tr data-epoch="${r.epoch}"><td>${r.epoch}</td><td>${num(r.points)}</td><td>${num(r.categoryPoints)}</td><td>${dpn(r.pool, 2)}</td><td data-planck="${r.amount}">${dpn(r.amount)}</td><td>${r.status}${r.claimableUntil ? ` until ${r.claimableUntil}` : ""}</td></tr>`,
			)}</table>
			<h2>Proof history</h2>
			<p class="muted">Epoch by epoch from the events of blocks ${chain.logFrom}–${chain.best}${chain.logReady ? "" : " (still reading past blocks…)"}.</p>
			<table class="list" data-testid="history"><tr><th>epoch</th><th>accepted</th><th>points</th><th>rejected</th><th>faults</th><th>slashed</th><th>other</th></tr>${rows.map(
				(r) => html`<tr data-epoch="${r.epoch ?? ""}"><td>${r.epoch ?? "?"}</td><td class="accepted">${r.accepted}</td><td>${num(r.points)}</td><td class="rejected">${r.rejected.join("; ")}</td><td class="faults">${r.faults.join("; ")}</td><td>${r.slashed ? dpn(r.slashed) : ""}</td><td>${r.other.join("; ")}</td></tr>`,
			)}</table>`.html;
		map = mountMap($("#device-map"), deviceMarkers([device as DeviceView]), "device-location");
	};
	const off = live(ctx, refresh, 3000);
	return () => {
		off();
		map = null;
	};
};
