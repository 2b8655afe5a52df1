// Coverage: the epoch's beaconers and witness edges on the map (accepted receipts as solid lines
// witness → beaconer, rejected ones dashed red), the beacons' table, and rejected receipts by
// the chain's reason (from `coverage.WitnessRejected` events).

import { allDevices, kindColor, type DeviceView } from "../devices";
import { mountMap, type MapEdge, type MapMarker } from "../map";
import { live, type Page } from "../page";
import { html, num, short } from "../util";

export const coveragePage: Page = async (el, ctx) => {
	const { chain } = ctx;
	el.innerHTML = `<h1>Coverage</h1>
	<div id="cov-summary"></div>
	<div id="cov-map"></div>
	<p class="legend"><span><i class="dot" style="background:${kindColor("coverage")}"></i>beaconer this epoch</span><span><i class="dot hollow" style="border-color:${kindColor("coverage")}"></i>other hotspot</span><span><i class="line"></i>witness → beaconer (accepted)</span><span><i class="line red"></i>rejected receipt</span></p>
	<section><h2>Beacons of the epoch</h2><div id="beacons"></div></section>
	<section><h2>Rejected receipts by reason</h2><div id="rejections"></div></section>`;
	const $ = (sel: string) => el.querySelector(sel) as HTMLElement;
	let map: ReturnType<typeof mountMap> | null = null;

	const refresh = async () => {
		const [beacons, epoch, devices, rosterSize] = await Promise.all([
			chain.depin("coverageBeacons"),
			chain.depin("epoch"),
			allDevices(chain),
			(chain.api.query as any).coverage.rosterSize(),
		]);
		if (!ctx.alive()) return;
		const byId = new Map<number, DeviceView>(devices.map((d) => [d.id, d]));
		const hotspots = devices.filter((d) => d.kind === "coverage");
		const beaconers = new Set<number>(beacons.map((b: any) => b.device));
		const markers: MapMarker[] = hotspots.map((d) => ({
			cell: d.location,
			color: kindColor("coverage"),
			hollow: !beaconers.has(d.id),
			title: `hotspot ${d.id} (${d.status})${beaconers.has(d.id) ? ", beaconer this epoch" : ""}`,
			href: `#/device/${d.id}`,
			attrs: { "data-device": d.id, "data-beaconer": beaconers.has(d.id) ? 1 : 0 },
		}));
		const edges: MapEdge[] = [];
		for (const b of beacons) {
			const to = byId.get(b.device);
			for (const w of b.witnesses as number[]) {
				const from = byId.get(w);
				if (from && to) {
					edges.push({ from: from.location, to: to.location, color: "#2ca02c", title: `${w} heard ${b.device}'s beacon`, attrs: { "data-edge": `${w}-${b.device}` } });
				}
			}
		}
		// This epoch's rejected receipts (events since the epoch started).
		const rejected = chain.find("coverage.WitnessRejected");
		for (const e of rejected.filter((e) => e.block >= epoch.start)) {
			const from = byId.get(e.data.witness);
			const to = byId.get(e.data.beaconer);
			if (from && to) {
				edges.push({ from: from.location, to: to.location, color: "#d62728", dashed: true, title: `${e.data.witness}'s receipt of ${e.data.beaconer}'s beacon rejected: ${e.data.reason}`, attrs: { "data-rejected": `${e.data.witness}-${e.data.beaconer}` } });
			}
		}
		const data = { markers, edges };
		if (!map) map = mountMap($("#cov-map"), data, "coverage-map", "largest");
		else map.update(data);
		const witnessCount = beacons.reduce((n: number, b: any) => n + b.witnesses.length, 0);
		$("#cov-summary").innerHTML = html`<p>Epoch <b data-testid="cov-epoch">${epoch.index}</b>: <b data-testid="beacon-count">${beacons.length}</b> beacon(s) recorded by lottery winners among <b data-testid="roster-size">${rosterSize.toNumber()}</b> hotspots on the roster (${hotspots.length} coverage devices registered), <b data-testid="witness-count">${witnessCount}</b> accepted witness receipt(s).</p>`.html;
		$("#beacons").innerHTML = beacons.length
			? html`<table class="list" data-testid="beacon-table"><tr><th>beaconer</th><th>challenge</th><th>beacon</th><th>sent at</th><th>frequency</th><th>witnesses</th><th>points</th><th>receipts due by</th></tr>${beacons.map(
					(b: any) => html`<tr data-device="${b.device}"><td><a href="#/device/${b.device}">${b.device}</a></td><td class="mono" title="${b.challenge}">${short(b.challenge)}</td><td class="mono">${b.beacon ? short(b.beacon) : "not yet"}</td><td>${b.sentAt ?? "–"}</td><td>${b.frequency ? `${(b.frequency / 1000).toFixed(1)} MHz` : "–"}</td><td class="witnesses">${(b.witnesses as number[]).map((w) => html`<a href="#/device/${w}">${w}</a> `)}</td><td>${num(b.points)}</td><td>${b.deadline}</td></tr>`,
				)}</table>`.html
			: `<p class="muted">No beacons recorded in this epoch yet (hotspots on the roster beacon in the epochs their lottery tickets win).</p>`;
		// Rejections by reason, over the logged blocks, with the epoch in progress apart.
		const reasons = new Map<string, { total: number; now: number }>();
		for (const e of rejected) {
			const reason = String(e.data.reason);
			const entry = reasons.get(reason) ?? { total: 0, now: 0 };
			entry.total += 1;
			if (e.block >= epoch.start) entry.now += 1;
			reasons.set(reason, entry);
		}
		const sorted = [...reasons.entries()].sort((a, b) => b[1].total - a[1].total);
		const most = Math.max(1, ...sorted.map(([, v]) => v.total));
		$("#rejections").innerHTML = html`<p class="muted">From the <code>coverage.WitnessRejected</code> events of blocks ${chain.logFrom}–${chain.best}${chain.logReady ? "" : " (still reading past blocks…)"}: <b data-testid="rejected-total">${rejected.length}</b> receipt(s) rejected.</p>
			<table class="list" data-testid="rejections"><tr><th>reason</th><th>this epoch</th><th>all logged</th><th></th></tr>${sorted.map(
				([reason, v]) => html`<tr data-reason="${reason}"><td>${reason}</td><td>${v.now}</td><td class="total">${v.total}</td><td><div class="hbar" style="width:${((v.total / most) * 200).toFixed(0)}px"></div></td></tr>`,
			)}</table>
			<h3>Latest rejections</h3><table class="list"><tr><th>block</th><th>witness</th><th>beaconer</th><th>reason</th></tr>${rejected
				.slice(-15)
				.reverse()
				.map((e) => html`<tr><td>${e.block}</td><td><a href="#/device/${e.data.witness}">${e.data.witness}</a></td><td><a href="#/device/${e.data.beaconer}">${e.data.beaconer}</a></td><td>${e.data.reason}</td></tr>`)}</table>`.html;
	};
	return live(ctx, refresh, 3000);
};
