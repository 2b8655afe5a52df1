// Network: best and finalized blocks (live), validators, the proving epoch's progress, emission
// to date against the capped curve, the pool split of the last closed epoch, the treasury.

import { u8aConcat, u8aToHex } from "@polkadot/util";
import { chart, type Series } from "../chart";
import type { Page } from "../page";
import { live } from "../page";
import { dpn, dpnFloat, esc, html, num, pct, raw } from "../util";
import { KINDS, kindColor } from "../devices";

/** Seconds per block on this chain (BABE's expected block time). */
function blockSeconds(api: any): number {
	const ms = api.consts.babe?.expectedBlockTime?.toNumber?.() ?? 6000;
	return ms / 1000;
}

/**
 * The capped emission schedule: what `blocks` blocks have emitted, `reward` per block halving
 * every `halving` blocks, never more than `room` (cap minus genesis issuance).
 */
export function scheduled(blocks: bigint, reward: bigint, halving: bigint, room: bigint): bigint {
	let total = 0n;
	for (let k = 0n; k < 128n && reward >> k > 0n; k++) {
		const start = k * halving;
		if (blocks <= start) break;
		const span = blocks - start < halving ? blocks - start : halving;
		total += (reward >> k) * span;
	}
	return total < room ? total : room;
}

/** The treasury's account: the `potAccount` constant, else "modl" + the pallet id, zero-padded. */
function treasuryAccount(api: any): string | null {
	if (api.consts.treasury?.potAccount) return u8aToHex(api.consts.treasury.potAccount.toU8a());
	const id = api.consts.treasury?.palletId;
	if (!id) return null;
	return u8aToHex(u8aConcat(new TextEncoder().encode("modl"), id.toU8a(), new Uint8Array(32)).subarray(0, 32));
}

/** A `PerKind` value (a struct by kind, or a list in `DeviceKind::ALL` order) as kind → value. */
export function perKind(json: any): Record<string, any> {
	if (Array.isArray(json)) {
		return Object.fromEntries(json.map((v, i) => [KINDS[i] ?? `kind${i}`, v]));
	}
	if (json && typeof json === "object") {
		const inner = Object.keys(json).length === 1 && typeof Object.values(json)[0] === "object" ? Object.values(json)[0] : json;
		if (Array.isArray(inner)) return perKind(inner);
		return inner as Record<string, any>;
	}
	return {};
}

/** The configured split: `emission.poolShares` and `emission.validatorShare`, the rest to the treasury. */
function configuredShares(api: any): string {
	const pools = api.consts.emission.poolShares;
	const validators = api.consts.emission.validatorShare;
	if (!pools || !validators) return "";
	const parts: [string, number][] = (pools.toJSON() as [string, number][]).map(([kind, share]) => [String(kind).toLowerCase(), share / 1e9]);
	parts.push(["validators", validators.toNumber() / 1e9]);
	const rest = 1 - parts.reduce((s, [, v]) => s + v, 0);
	return esc(`Configured: ${parts.map(([k, v]) => `${k} ${pct(v, 0)}`).join(", ")}, treasury ${pct(Math.max(0, rest), 0)}; pools without points are not minted.`);
}

export const networkPage: Page = async (el, ctx) => {
	const { chain } = ctx;
	const api: any = chain.api;
	el.innerHTML = `
	<h1>Network</h1>
	<section class="cards">
		<div class="card"><h3>Best block</h3><div class="big" data-testid="net-best">–</div></div>
		<div class="card"><h3>Finalized block</h3><div class="big" data-testid="net-finalized">–</div></div>
		<div class="card"><h3>Proving epoch</h3><div class="big" data-testid="epoch-index">–</div><div id="epoch-detail"></div></div>
		<div class="card"><h3>Treasury</h3><div class="big" data-testid="treasury">–</div><div class="muted mono" id="treasury-account"></div></div>
	</section>
	<section><h2>Emission</h2><div id="emission"></div></section>
	<section class="two"><div><h2>Pool split</h2><div id="pools"></div></div><div><h2>Validators</h2><div id="validators"></div></div></section>`;
	const $ = (sel: string) => el.querySelector(sel) as HTMLElement;
	const treasury = treasuryAccount(api);
	const seconds = blockSeconds(api);

	const heads = () => {
		$('[data-testid="net-best"]').textContent = num(chain.best);
		$('[data-testid="net-finalized"]').textContent = num(chain.finalized);
	};
	heads();
	const offHeads = chain.onChange(heads);

	const refresh = async () => {
		const [epoch, validators, minted, scheduledSoFar, genesis, burned, issuance, rewards, treasuryInfo] = await Promise.all([
			chain.depin("epoch"),
			api.query.session.validators(),
			api.query.emission.minted(),
			api.query.emission.scheduled(),
			api.query.emission.genesisIssuance(),
			api.query.emission.burned(),
			api.query.balances.totalIssuance(),
			api.query.emission.rewards.entries(),
			treasury ? api.query.system.account(treasury) : Promise.resolve(null),
		]);
		if (!ctx.alive()) return;
		// Epoch progress.
		const length = epoch.nextStart - epoch.start;
		const into = Math.min(Math.max(chain.best - epoch.start, 0), length);
		$('[data-testid="epoch-index"]').textContent = num(epoch.index);
		$("#epoch-detail").innerHTML = html`<div class="progress" title="${into} of ${length} blocks"><i style="width:${pct(into / length)}"></i></div>
			<div class="muted"><span data-testid="epoch-start">${epoch.start}</span> → <span data-testid="epoch-next">${epoch.nextStart}</span> (proofs due by block <span data-testid="epoch-deadline">${epoch.deadline}</span>), ${into}/${length} blocks</div>`.html;
		// Treasury.
		if (treasuryInfo) {
			$('[data-testid="treasury"]').textContent = dpn(treasuryInfo.data.free.toBigInt(), 2);
			$('[data-testid="treasury"]').dataset.planck = treasuryInfo.data.free.toBigInt().toString();
			$("#treasury-account").textContent = api.createType("AccountId", treasury).toString();
		}
		// Emission against the capped curve.
		const cap: bigint = api.consts.emission.maxSupply.toBigInt();
		const genesisIssuance: bigint = genesis.toBigInt();
		const room = cap - genesisIssuance;
		const reward: bigint | null = api.consts.emission.blockReward?.toBigInt?.() ?? null;
		const halving: bigint | null = api.consts.emission.halvingPeriod ? BigInt(api.consts.emission.halvingPeriod.toString()) : null;
		const closed = rewards
			.map(([key, value]: [any, any]) => ({ epoch: key.args[0].toNumber(), r: value.unwrap() }))
			.sort((a: any, b: any) => a.epoch - b.epoch);
		const figures = html`<table class="kv">
			<tr><th>Minted by emission</th><td data-testid="minted" data-planck="${minted.toBigInt()}">${dpn(minted.toBigInt(), 2)}</td></tr>
			<tr><th>Allowed by the schedule so far</th><td data-testid="scheduled" data-planck="${scheduledSoFar.toBigInt()}">${dpn(scheduledSoFar.toBigInt(), 2)}</td></tr>
			<tr><th>Burned</th><td data-testid="burned">${dpn(burned.toBigInt(), 2)}</td></tr>
			<tr><th>Total issuance</th><td data-testid="issuance" data-planck="${issuance.toBigInt()}">${dpn(issuance.toBigInt(), 2)}</td></tr>
			<tr><th>Supply cap</th><td data-testid="cap">${dpn(cap, 0)} (${pct(Number((issuance.toBigInt() * 1_000_000n) / cap) / 1e6, 4)} reached)</td></tr>
			${reward !== null ? html`<tr><th>Block reward</th><td>${dpn(reward)}${halving !== null ? html`, halving every ${num(Number(halving))} blocks (${((Number(halving) * seconds) / 31_557_600).toFixed(1)} years)` : ""}</td></tr>` : ""}
		</table>`;
		let charts = "";
		if (reward !== null && halving !== null && halving > 0n) {
			// The whole capped curve, in years, with today marked.
			const horizon = halving * 10n;
			const steps = 200n;
			const curve: [number, number][] = [];
			for (let i = 0n; i <= steps; i++) {
				const b = (horizon * i) / steps;
				curve.push([(Number(b) * seconds) / 31_557_600, dpnFloat(genesisIssuance + scheduled(b, reward, halving, room))]);
			}
			const nowYears = (chain.best * seconds) / 31_557_600;
			const series: Series[] = [
				{ name: "total issuance on the schedule", color: "#1f77b4", points: curve },
				{ name: "cap", color: "#d62728", points: [[0, dpnFloat(cap)], [curve[curve.length - 1][0], dpnFloat(cap)]], dashed: true },
				{ name: "today", color: "#ff7f0e", points: [[nowYears, dpnFloat(issuance.toBigInt())]], style: "dots" },
			];
			charts += chart(series, { xLabel: "years since genesis", yLabel: "DPN", testId: "emission-curve", markers: [{ x: nowYears, label: "now" }] });
			// Recent epochs: minted per closed epoch against what the schedule allowed.
			if (closed.length) {
				const perEpoch: [number, number][] = closed.map((c: any) => [c.epoch, dpnFloat(c.r.emission.toBigInt())]);
				const points: [number, number][] = closed.map((c: any) => [c.epoch, c.r.blocks.toNumber() * dpnFloat(reward)]);
				charts += chart(
					[
						{ name: "emission of the epoch", color: "#2ca02c", points: perEpoch, style: "bars" },
						{ name: "schedule (blocks × block reward)", color: "#d62728", points, style: "step", dashed: true },
					],
					{ xLabel: "epoch", yLabel: "DPN", testId: "emission-epochs", xFormat: (x) => String(Math.round(x)) },
				);
			}
		}
		$("#emission").innerHTML = `<div class="two"><div>${figures.html}</div><div>${charts}</div></div>`;
		// Pool split of the last closed epoch.
		const last = closed[closed.length - 1];
		if (last) {
			const r = last.r;
			const emission: bigint = r.emission.toBigInt();
			const pools = perKind(r.pools.toJSON());
			const rows = [
				...Object.entries(pools).map(([kind, v]) => ({ name: `${kind} providers`, amount: BigInt(v as any), color: kindColor(kind), key: kind })),
				{ name: "validators", amount: r.validators.toBigInt() as bigint, color: "#8c564b", key: "validators" },
				{ name: "treasury", amount: r.treasury.toBigInt() as bigint, color: "#e377c2", key: "treasury" },
			];
			const bar = rows
				.map((row) => `<i style="width:${pct(emission ? Number((row.amount * 10_000n) / emission) / 10_000 : 0)};background:${row.color}" title="${esc(row.name)}"></i>`)
				.join("");
			$("#pools").innerHTML = html`<p>Epoch <b data-testid="pools-epoch">${last.epoch}</b>: ${dpn(emission)} emitted over ${r.blocks.toNumber()} blocks. ${raw(configuredShares(api))}</p>
				<div class="stack">${raw(bar)}</div>
				<table class="list"><tr><th></th><th>share</th><th>amount</th></tr>${rows.map(
					(row) => html`<tr data-testid="pool-${row.key}" data-planck="${row.amount}"><td><i class="dot" style="background:${row.color}"></i>${row.name}</td><td>${emission ? pct(Number((row.amount * 10_000n) / emission) / 10_000) : "–"}</td><td>${dpn(row.amount)}</td></tr>`,
				)}</table>`.html;
		} else {
			$("#pools").innerHTML = `<p class="muted" data-testid="pools-none">No proving epoch has closed yet.</p>`;
		}
		// Validators.
		const list = validators.map((v: any) => v.toString());
		$("#validators").innerHTML = html`<p><b data-testid="validator-count">${list.length}</b> in the session.</p><ul class="mono" data-testid="validators">${list.map((v: string) => html`<li>${v}</li>`)}</ul>`.html;
	};
	const off = live(ctx, refresh, 3000);
	return () => {
		off();
		offHeads();
	};
};
