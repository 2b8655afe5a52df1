// Compute and storage: paid compute jobs with their states and payments (storage holds the
// jobs not settled yet; settled and cancelled ones come from the event log), the compute
// devices' capacity challenges, and the storage devices' sectors and proving records.

import { allDevices } from "../devices";
import { live, type Page } from "../page";
import { dpn, enumName, enumValue, html, num } from "../util";

interface JobRow {
	id: number;
	consumer: string;
	device: number;
	maxUnits: number;
	price: bigint;
	held: bigint | null;
	openedAt: number | null;
	status: string;
	units: number | null;
	amount: bigint | null;
	paid: bigint | null;
	refunded: bigint | null;
	/** The protocol fee burned at settlement: the job's compute points, and the most they are paid. */
	fee: bigint | null;
	payableAt: number | null;
}

export const computePage: Page = async (el, ctx) => {
	const { chain } = ctx;
	const api: any = chain.api;
	el.innerHTML = `<h1>Compute and storage</h1>
	<section><h2>Compute jobs</h2><div id="jobs"></div></section>
	<section><h2>Capacity challenges</h2><div id="workers"></div></section>
	<section><h2>Storage sectors</h2><div id="storage"></div></section>`;
	const $ = (sel: string) => el.querySelector(sel) as HTMLElement;

	const refresh = async () => {
		const [stored, nextJob, devices] = await Promise.all([api.query.jobs.jobs.entries(), api.query.jobs.nextJobId(), allDevices(chain)]);
		const computeDevices = devices.filter((d) => d.kind === "compute");
		const storageDevices = devices.filter((d) => d.kind === "storage");
		const [challenges, proofs] = await Promise.all([
			Promise.all(computeDevices.map((d) => chain.depin("computeChallenge", d.id))),
			Promise.all(storageDevices.map((d) => chain.depin("proofStatus", d.id))),
		]);
		if (!ctx.alive()) return;
		// Jobs: storage first, then what the events add (settled and cancelled jobs are removed).
		const jobs = new Map<number, JobRow>();
		for (const [key, value] of stored as [any, any][]) {
			const job = value.unwrap();
			const json = job.toJSON();
			const status = enumName(json.status);
			const detail = enumValue(json.status) ?? {};
			jobs.set(key.args[0].toNumber(), {
				id: key.args[0].toNumber(),
				consumer: job.consumer.toString(),
				device: Number(json.device),
				maxUnits: Number(json.maxUnits),
				price: job.price.toBigInt(),
				held: job.held.toBigInt(),
				openedAt: Number(json.openedAt),
				status,
				units: detail.units ?? null,
				amount: detail.amount !== undefined ? BigInt(detail.amount) : null,
				paid: null,
				refunded: null,
				fee: null,
				payableAt: null,
			});
		}
		for (const e of chain.find("jobs.JobOpened", "jobs.ReceiptAccepted", "jobs.JobDisputed", "jobs.JobSettled", "jobs.JobCancelled")) {
			const d = e.data;
			const id = Number(d.job);
			let row = jobs.get(id);
			if (e.method === "JobOpened" && !row) {
				row = { id, consumer: d.consumer, device: d.device, maxUnits: Number(d.maxUnits), price: BigInt(d.price), held: null, openedAt: e.block, status: "open", units: null, amount: null, paid: null, refunded: null, fee: null, payableAt: null };
				jobs.set(id, row);
			}
			if (!row) continue;
			if (e.method === "ReceiptAccepted") {
				row.units = Number(d.units);
				row.amount = BigInt(d.amount);
				row.payableAt = Number(d.payableAt);
			} else if (e.method === "JobSettled") {
				row.status = "settled";
				row.paid = BigInt(d.paid);
				row.refunded = BigInt(d.refunded);
				row.fee = d.fee !== undefined ? BigInt(d.fee) : null;
			} else if (e.method === "JobCancelled" && !stored.some(([k]: [any]) => k.args[0].toNumber() === id)) {
				row.status = "cancelled";
			}
		}
		const rows = [...jobs.values()].sort((a, b) => b.id - a.id);
		const counts = new Map<string, number>();
		for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
		const paidTotal = rows.reduce((s, r) => s + (r.paid ?? 0n), 0n);
		$("#jobs").innerHTML = html`<p><b data-testid="jobs-total">${nextJob.toNumber()}</b> job(s) opened on this chain; <b data-testid="jobs-stored">${stored.length}</b> not settled yet (in storage). ${[...counts.entries()].map(([s, n]) => html`<span data-testid="jobs-${s}">${n}</span> ${s}; `)} paid out in the logged blocks: <b data-testid="jobs-paid">${dpn(paidTotal)}</b>.</p>
			${rows.length ? html`<table class="list" data-testid="job-table"><tr><th>job</th><th>device</th><th>consumer</th><th>max units</th><th>price / unit</th><th>held</th><th>status</th><th>units billed</th><th>amount</th><th>payable at</th><th>paid</th><th>fee burned</th><th>refunded</th></tr>${rows.map(
				(r) => html`<tr data-job="${r.id}"><td>${r.id}</td><td><a href="#/device/${r.device}">${r.device}</a></td><td class="mono" title="${r.consumer}">${r.consumer.slice(0, 8)}…</td><td>${num(r.maxUnits)}</td><td>${dpn(r.price)}</td><td class="held" data-planck="${r.held ?? ""}">${r.held !== null ? dpn(r.held) : "–"}</td><td class="job-status">${r.status}</td><td>${r.units ?? "–"}</td><td>${r.amount !== null ? dpn(r.amount) : "–"}</td><td>${r.payableAt ?? "–"}</td><td>${r.paid !== null ? dpn(r.paid) : "–"}</td><td>${r.fee !== null ? dpn(r.fee) : "–"}</td><td>${r.refunded !== null ? dpn(r.refunded) : "–"}</td></tr>`,
			)}</table>` : html`<p class="muted">No jobs yet: a consumer opens one with <code>depin-provider compute job open --device ID --units N --price DPN</code>.</p>`}`.html;
		// Capacity challenges.
		const enrolled = computeDevices.map((d, i) => ({ d, c: challenges[i] })).filter((x) => x.c);
		$("#workers").innerHTML = html`<p><b data-testid="enrolled-count">${enrolled.length}</b> of ${computeDevices.length} compute device(s) enrolled.</p>
			<table class="list" data-testid="worker-table"><tr><th>device</th><th>status</th><th>capacity</th><th>workload</th><th>committed root</th><th>sampled segments</th><th>consecutive faults</th></tr>${enrolled.map(
				({ d, c }) => html`<tr data-device="${d.id}"><td><a href="#/device/${d.id}">${d.id}</a></td><td class="challenge-status">${c.status}</td><td>${num(d.capacity)} units</td><td>${num(c.segments)} × ${num(c.segmentLength)} steps</td><td class="mono">${c.root ? `${String(c.root).slice(0, 10)}…` : "–"}</td><td>${c.sampled.length ? c.sampled.join(", ") : "–"}</td><td>${c.consecutiveFaults}</td></tr>`,
			)}</table>`.html;
		// Storage.
		const committed = proofs.reduce((s: number, p: any) => s + (p ? Number(p.committedBytes) : 0), 0);
		$("#storage").innerHTML = html`<p><b data-testid="sector-count">${proofs.reduce((s: number, p: any) => s + (p ? p.sectors.length : 0), 0)}</b> sector(s) holding <b data-testid="committed-bytes">${num(committed)}</b> bytes on ${storageDevices.length} storage device(s).</p>
			<table class="list" data-testid="storage-table"><tr><th>device</th><th>status</th><th>sectors</th><th>committed bytes</th><th>challenged / proven this epoch</th><th>consecutive faults</th></tr>${storageDevices.map(
				(d, i) => html`<tr data-device="${d.id}"><td><a href="#/device/${d.id}">${d.id}</a></td><td>${d.status}</td><td>${proofs[i]?.sectors.length ?? 0}</td><td>${num(proofs[i]?.committedBytes ?? 0)}</td><td>${proofs[i] ? `${proofs[i].challenged} / ${proofs[i].proven}` : "–"}</td><td>${proofs[i]?.consecutiveFaults ?? 0}</td></tr>`,
			)}</table>`.html;
	};
	return live(ctx, refresh, 3000);
};
