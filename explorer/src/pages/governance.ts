// Governance: referenda with their tallies against the track's approval and support curves,
// voting (the Polkadot.js browser extension, or on development chains a dev account), and the
// guarded parameters with their bounds and a preview of a change
// (`GuardedParametersApi::check_parameter`).

import { Keyring } from "@polkadot/keyring";
import type { KeyringPair } from "@polkadot/keyring/types";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { chart } from "../chart";
import type { Chain } from "../chain";
import { describe, threshold } from "../curves";
import { live, type Page } from "../page";
import { dpn, enumName, esc, html, num, pct, PLANCK_PER_DPN, raw, short, upperFirst } from "../util";

const DEV_ACCOUNTS = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];
const CONVICTIONS = ["None", "Locked1x", "Locked2x", "Locked3x", "Locked4x", "Locked5x", "Locked6x"];

interface Signer {
	label: string;
	address: string;
	pair?: KeyringPair;
	/** An extension account: sign through the extension. */
	source?: string;
}

let devPairs: Signer[] | null = null;
let extensionSigners: Signer[] = [];

async function devSigners(): Promise<Signer[]> {
	if (devPairs) return devPairs;
	await cryptoWaitReady();
	const keyring = new Keyring({ type: "sr25519", ss58Format: 42 });
	devPairs = DEV_ACCOUNTS.map((name) => {
		const pair = keyring.addFromUri(`//${name}`);
		return { label: `${name} (dev)`, address: pair.address, pair };
	});
	return devPairs;
}

async function connectExtension(): Promise<string> {
	const { web3Enable, web3Accounts } = await import("@polkadot/extension-dapp");
	const extensions = await web3Enable("DePIN explorer");
	if (!extensions.length) return "No Polkadot.js extension answered (install it, or allow this site in it).";
	const accounts = await web3Accounts();
	extensionSigners = accounts.map((a) => ({ label: `${a.meta.name ?? "account"} (${a.meta.source})`, address: a.address, source: a.meta.source }));
	return `${accounts.length} account(s) from ${extensions.map((e) => e.name).join(", ")}.`;
}

/** Signs and submits `tx`; resolves once it is in a block, rejects with the dispatch error. */
async function send(chain: Chain, tx: any, signer: Signer, onStatus: (s: string) => void): Promise<string> {
	let options: any = {};
	let account: any = signer.pair ?? signer.address;
	if (signer.source) {
		const { web3FromSource } = await import("@polkadot/extension-dapp");
		options = { signer: (await web3FromSource(signer.source)).signer };
		account = signer.address;
	}
	return new Promise((resolve, reject) => {
		tx.signAndSend(account, options, ({ status, dispatchError }: any) => {
			if (dispatchError) {
				if (dispatchError.isModule) {
					const { section, name, docs } = chain.api.registry.findMetaError(dispatchError.asModule);
					reject(new Error(`${section}.${name}: ${docs.join(" ")}`));
				} else reject(new Error(dispatchError.toString()));
			} else if (status.isInBlock) resolve(status.asInBlock.toHex());
			else onStatus(`${status.type}…`);
		}).catch(reject);
	});
}

interface TrackInfo {
	id: number;
	name: string;
	decisionPeriod: number;
	minApproval: any;
	minSupport: any;
}

function tracks(api: any): Map<number, TrackInfo> {
	const out = new Map<number, TrackInfo>();
	for (const [id, info] of api.consts.referenda.tracks as any[]) {
		const json = info.toJSON();
		// `Text` in older pallet-referenda, a fixed, zero-padded byte array in newer ones.
		const text = info.name.toRawType() === "Text" ? info.name.toString() : new TextDecoder().decode(info.name.toU8a(true));
		const name = text.replace(/\u0000+/g, "");
		out.set(id.toNumber(), { id: id.toNumber(), name, decisionPeriod: Number(json.decisionPeriod), minApproval: json.minApproval, minSupport: json.minSupport });
	}
	return out;
}

/** The proposal's call, when it is inline (`Inline` bounded calls), as `section.method(args)`. */
function proposalText(api: any, proposal: any): string {
	try {
		if (proposal.isInline) {
			const call = api.createType("Call", proposal.asInline);
			return `${call.section}.${call.method}(${JSON.stringify(call.toHuman().args)})`;
		}
		if (proposal.isLookup) return `preimage ${short(proposal.asLookup.hash_?.toHex?.() ?? proposal.asLookup.hash.toHex(), 8)}`;
		if (proposal.isLegacy) return `preimage ${short(proposal.asLegacy.hash_?.toHex?.() ?? "", 8)}`;
	} catch {
		// fall through
	}
	return JSON.stringify(proposal.toHuman());
}

export const governancePage: Page = async (el, ctx) => {
	const { chain } = ctx;
	const api: any = chain.api;
	const trackInfo = tracks(api);
	el.innerHTML = html`<h1>Governance</h1>
	<section><h2>Referenda</h2>
		<div class="signer" data-testid="signer">Vote as <select id="signer"></select>
		<button id="connect-ext" type="button">use the Polkadot.js extension</button> <span id="ext-status" class="muted"></span></div>
		<div id="referenda"></div></section>
	<section><h2>Guarded parameters</h2><p class="muted">The parameters track may change these only within their bounds and by at most the step per enactment; preview a change before proposing it (<code>GuardedParametersApi::check_parameter</code>, writes nothing).</p><div id="params"></div></section>
	<section><h2>Tracks</h2><table class="list" data-testid="tracks"><tr><th>id</th><th>track</th><th>decision period</th><th>approval</th><th>support</th></tr>${[...trackInfo.values()].map(
		(t) => html`<tr><td>${t.id}</td><td>${t.name}</td><td>${num(t.decisionPeriod)} blocks</td><td>${describe(t.minApproval)}</td><td>${describe(t.minSupport)}</td></tr>`,
	)}</table></section>`.html;
	const $ = (sel: string) => el.querySelector(sel) as HTMLElement;
	const signerSelect = $("#signer") as HTMLSelectElement;
	const fillSigners = async () => {
		const signers = [...extensionSigners, ...(chain.isDev ? await devSigners() : [])];
		signerSelect.innerHTML = signers.length
			? signers.map((s) => `<option value="${esc(s.address)}">${esc(s.label)} ${esc(short(s.address, 5))}</option>`).join("")
			: `<option value="">no account: connect the extension</option>`;
		return signers;
	};
	let signers = await fillSigners();
	$("#connect-ext").onclick = async () => {
		$("#ext-status").textContent = await connectExtension().catch((e) => `The extension failed: ${e.message}`);
		signers = await fillSigners();
	};
	if (!chain.isDev) $("#ext-status").textContent = "Dev accounts are offered on development chains only.";

	// Referenda, refreshed as blocks arrive: a card per referendum, made once, whose tally and
	// curves are redrawn in place (the vote form keeps what is being typed).
	const cardsHost = () => el.querySelector("#referenda-cards") as HTMLElement | null;
	$("#referenda").innerHTML = `<p id="referenda-summary"></p><div id="referenda-cards"></div>`;
	const renderReferenda = async () => {
		const [entries, issuance, inactive, count] = await Promise.all([
			api.query.referenda.referendumInfoFor.entries(),
			api.query.balances.totalIssuance(),
			api.query.balances.inactiveIssuance(),
			api.query.referenda.referendumCount(),
		]);
		if (!ctx.alive()) return;
		const electorate = Number((BigInt(issuance.toString()) - BigInt(inactive.toString())) / 10n ** 6n);
		const list = entries
			.map(([key, value]: [any, any]) => ({ index: key.args[0].toNumber(), info: value.unwrap() }))
			.sort((a: any, b: any) => b.index - a.index);
		$("#referenda-summary").innerHTML = html`<b data-testid="referendum-count">${count.toNumber()}</b> referendum(s) submitted; <b data-testid="referenda-ongoing">${list.filter((r: any) => r.info.isOngoing).length}</b> ongoing.`.html;
		const host = cardsHost();
		if (!host) return;
		list.forEach(({ index, info }: any, position: number) => {
			const state = info.isOngoing ? "Ongoing" : (info.type as string);
			let card = host.querySelector<HTMLElement>(`[data-referendum="${index}"]`);
			if (card && card.dataset.state !== state) {
				card.remove();
				card = null;
			}
			if (!card) {
				card = document.createElement("div");
				card.className = info.isOngoing ? "referendum" : "referendum done";
				card.dataset.referendum = String(index);
				card.dataset.state = state;
				card.innerHTML = info.isOngoing ? ongoingCard(index) : finishedCard(index, info);
				const form = card.querySelector("form.vote") as HTMLFormElement | null;
				form?.addEventListener("submit", (event) => {
					event.preventDefault();
					void vote(form);
				});
				const before = host.children[position] ?? null;
				host.insertBefore(card, before);
			}
			if (info.isOngoing) updateTally(card, index, info.asOngoing, electorate);
		});
		// Referenda no longer stored (none are removed by the pallet, but a re-org could).
		host.querySelectorAll<HTMLElement>("[data-referendum]").forEach((card) => {
			if (!list.some((r: any) => String(r.index) === card.dataset.referendum)) card.remove();
		});
	};

	const finishedCard = (index: number, info: any): string => {
		const value = info.value as any;
		const since = Array.isArray(value) ? value[0] : value;
		return html`<h3>#${index} <span class="badge" data-testid="ref-state">${info.type}</span></h3><p class="muted">at block ${since?.toNumber?.() ?? "?"}</p>`.html;
	};

	const ongoingCard = (index: number): string =>
		html`<h3>#${index} <span class="badge" data-testid="ref-state"></span> on <b class="track"></b></h3>
		<div class="two"><div><p class="mono proposal"></p><div class="tally"></div>
		<form class="vote" data-index="${index}">
			<label><input type="radio" name="aye" value="1" checked/> aye</label>
			<label><input type="radio" name="aye" value="0"/> nay</label>
			<input name="amount" value="10" size="8" aria-label="DPN"/> DPN
			<select name="conviction">${CONVICTIONS.map((c, i) => raw(`<option value="${c}"${i === 1 ? " selected" : ""}>${c}${i ? ` (×${i}, locked ${2 ** (i - 1)} periods)` : " (×0.1)"}</option>`))}</select>
			<button data-testid="vote-${index}">vote</button> <span class="vote-status" data-testid="vote-status-${index}"></span>
		</form></div><div class="curves"></div></div>`.html;

	const updateTally = (card: HTMLElement, index: number, o: any, electorate: number) => {
		const track = trackInfo.get(o.track.toNumber());
		const ayes = o.tally.ayes.toBigInt();
		const nays = o.tally.nays.toBigInt();
		const support = o.tally.support.toBigInt();
		const approval = ayes + nays > 0n ? Number((ayes * 1_000_000n) / (ayes + nays)) / 1e6 : 0;
		const supportPart = electorate > 0 ? Number(support / 10n ** 6n) / electorate : 0;
		const deciding = o.deciding.isSome ? o.deciding.unwrap() : null;
		const since = deciding ? deciding.since.toNumber() : null;
		const elapsed = since !== null && track ? Math.min(1, (chain.best - since) / Math.max(1, track.decisionPeriod)) : 0;
		(card.querySelector('[data-testid="ref-state"]') as HTMLElement).textContent = deciding ? (deciding.confirming.isSome ? "confirming" : "deciding") : "preparing";
		(card.querySelector(".track") as HTMLElement).textContent = track?.name ?? o.track.toString();
		(card.querySelector(".proposal") as HTMLElement).textContent = proposalText(api, o.proposal);
		(card.querySelector(".tally") as HTMLElement).innerHTML = html`<table class="kv">
			<tr><th>Ayes</th><td data-testid="ayes" data-planck="${ayes}">${dpn(ayes)}</td></tr>
			<tr><th>Nays</th><td data-testid="nays" data-planck="${nays}">${dpn(nays)}</td></tr>
			<tr><th>Support</th><td data-testid="support" data-planck="${support}">${dpn(support)} (${pct(supportPart, 4)} of the electorate; needs ${track ? pct(threshold(track.minSupport, elapsed), 2) : "?"})</td></tr>
			<tr><th>Approval</th><td data-testid="approval">${pct(approval, 2)} (needs ${track ? pct(threshold(track.minApproval, elapsed), 2) : "?"})</td></tr>
			<tr><th>Submitted</th><td>block ${o.submitted.toNumber()}; ${deciding ? `deciding since block ${since}` : o.decisionDeposit.isSome ? "decision deposit placed, waiting for a slot" : "waiting for its decision deposit"}</td></tr>
		</table>`.html;
		if (track) {
			const xs = Array.from({ length: 51 }, (_, i) => i / 50);
			(card.querySelector(".curves") as HTMLElement).innerHTML = chart(
				[
					{ name: "approval needed", color: "#2ca02c", points: xs.map((x) => [x * 100, threshold(track.minApproval, x) * 100]), dashed: true },
					{ name: "support needed", color: "#1f77b4", points: xs.map((x) => [x * 100, threshold(track.minSupport, x) * 100]), dashed: true },
					{ name: "approval now", color: "#2ca02c", points: [[elapsed * 100, approval * 100]], style: "dots" },
					{ name: "support now", color: "#1f77b4", points: [[elapsed * 100, supportPart * 100]], style: "dots" },
				],
				{ width: 480, height: 200, xLabel: "% of the decision period", yLabel: "%", yMin: 0, yMax: 100, xMin: 0, xMax: 100, testId: `curves-${index}` },
			);
		}
	};

	const vote = async (form: HTMLFormElement) => {
		const status = form.querySelector(".vote-status") as HTMLElement;
		const signer = signers.find((s) => s.address === signerSelect.value);
		if (!signer) {
			status.textContent = "Choose an account first.";
			return;
		}
		const index = Number(form.dataset.index);
		const data = new FormData(form);
		const amountText = String(data.get("amount") ?? "0").trim();
		if (!/^\d+(\.\d{1,12})?$/.test(amountText)) {
			status.textContent = "The amount is a number of DPN, e.g. 10 or 0.5.";
			return;
		}
		const [whole, frac = ""] = amountText.split(".");
		const balance = BigInt(whole) * PLANCK_PER_DPN + BigInt(frac.padEnd(12, "0"));
		const tx = api.tx.convictionVoting.vote(index, {
			Standard: { vote: { aye: data.get("aye") === "1", conviction: String(data.get("conviction")) }, balance },
		});
		(form.querySelector("button") as HTMLButtonElement).disabled = true;
		status.className = "vote-status";
		status.textContent = "signing…";
		try {
			const block = await send(chain, tx, signer, (s) => (status.textContent = s));
			status.textContent = `voted in block ${short(block, 6)}`;
			status.dataset.done = "1";
		} catch (e) {
			status.className = "vote-status error";
			status.textContent = `The vote failed: ${e instanceof Error ? e.message : String(e)}`;
		} finally {
			(form.querySelector("button") as HTMLButtonElement).disabled = false;
			void renderReferenda();
		}
	};

	const params = await parameterRows(chain);
	renderParams(el.querySelector("#params") as HTMLElement, chain, params);
	return live(ctx, renderReferenda, 3000);
};

// ---- Guarded parameters ----

interface ParamRow {
	pallet: string;
	name: string;
	valueType: string;
	/** The `RuntimeParameters` value for `value` (for check_parameter). */
	build: (value: string) => any;
	current: string | null;
	guard: { min: string; max: string; maxChange: number; minStep: string } | null;
	/** Why check_parameter refused the value probed (when no guard could be read). */
	refusal?: string;
}

/** Every guarded-parameter candidate, from the metadata's `RuntimeParameters` type. */
async function parameterRows(chain: Chain): Promise<ParamRow[]> {
	const api: any = chain.api;
	if (!api.tx.guardedParameters || !api.call.guardedParametersApi) return [];
	const lookup = api.registry.lookup;
	const argType = api.tx.guardedParameters.setParameter.meta.fields[0].type.toNumber();
	const outer = lookup.getSiType(argType).def.asVariant.variants;
	const rows: ParamRow[] = [];
	for (const palletVariant of outer) {
		const pallet = palletVariant.name.toString();
		const innerType = palletVariant.fields[0].type.toNumber();
		for (const v of lookup.getSiType(innerType).def.asVariant.variants) {
			const name = v.name.toString();
			const optionType = v.fields[1]?.type.toNumber();
			const valueTypeId = optionType !== undefined ? lookup.getSiType(optionType).params[0]?.type.unwrap().toNumber() : undefined;
			const valueType = valueTypeId !== undefined ? lookup.getTypeDef(valueTypeId).type : "?";
			const build = (value: string) => {
				const parsed = valueType === "bool" ? value === "true" || value === "1" : value;
				return api.createType(lookup.getTypeDef(argType).lookupName ?? lookup.createLookupType(argType), { [pallet]: { [name]: [null, parsed] } });
			};
			rows.push({ pallet, name, valueType, build, current: null, guard: null });
		}
	}
	// Current values: set ones from `parameters.parameters`; defaults from the check itself,
	// probing with the pallet constant of the same name when the runtime exposes one.
	await Promise.all(
		rows.map(async (row) => {
			try {
				const stored = await api.query.parameters.parameters({ [row.pallet]: { [row.name]: null } });
				if (stored.isSome) {
					const value = stored.unwrap().toJSON();
					const inner = Object.values(Object.values(value)[0] as object)[0];
					row.current = String(inner);
				}
			} catch {
				// no such storage or key shape: fall back below
			}
			// A pallet constant of the same name reads the parameter (epochs.provingPeriod for
			// proofs.ProvingPeriod, jobs.disputeWindow for compute.DisputeWindow…).
			const constName = row.name[0].toLowerCase() + row.name.slice(1);
			const sections = Object.keys(api.consts).sort((a, b) => Number(b === row.pallet.toLowerCase()) - Number(a === row.pallet.toLowerCase()));
			const section = sections.find((sec) => api.consts[sec]?.[constName] !== undefined);
			const constant = section ? api.consts[section][constName] : undefined;
			let probes: string[] = [];
			if (row.current !== null) probes = [row.current];
			else if (constant !== undefined) probes = [row.valueType === "bool" ? (constant.isTrue ? "1" : "0") : BigInt(constant.toString()).toString()];
			// Else a percentage: its default is a whole percent, found by the first value the
			// check accepts (it answers the current value with it).
			else if (row.valueType === "Perbill") probes = Array.from({ length: 101 }, (_, i) => String(i * 10_000_000));
			else if (row.valueType === "bool") probes = ["0", "1"];
			for (const probe of probes) {
				const result = await checkParameter(chain, row, probe).catch(() => null);
				if (result && !result.ok) row.refusal = result.refusal;
				if (result?.ok) {
					row.current = result.change.current;
					row.guard = result.change.guard;
					break;
				}
			}
		}),
	);
	return rows;
}

async function checkParameter(chain: Chain, row: ParamRow, value: string): Promise<{ ok: true; change: any } | { ok: false; refusal: string }> {
	const result = await (chain.api.call as any).guardedParametersApi.checkParameter(row.build(value));
	if (result.isOk) {
		const c = result.asOk;
		return {
			ok: true,
			change: {
				guard: { min: c.guard.min.toString(), max: c.guard.max.toString(), maxChange: c.guard.maxChange.toNumber() / 1e9, minStep: c.guard.minStep.toString() },
				current: c.current.toString(),
				proposed: c.proposed.toString(),
				baseline: c.baseline.toString(),
			},
		};
	}
	return { ok: false, refusal: enumName(result.asErr.toJSON()) };
}

function unitHint(row: ParamRow): string {
	if (row.valueType === "Perbill") return "parts per billion";
	if (row.valueType === "bool") return "true / false";
	if (row.valueType === "u128") return "planck (10¹² = 1 DPN)";
	return /Period|Interval|Window|Timeout/.test(row.name) ? "blocks" : "";
}

function renderParams(host: HTMLElement, chain: Chain, rows: ParamRow[]): void {
	if (!rows.length) {
		host.innerHTML = `<p class="muted">This runtime has no guarded parameters.</p>`;
		return;
	}
	const fmt = (row: ParamRow, v: string | null) => {
		if (v === null) return "–";
		if (row.valueType === "Perbill") return pct(Number(v) / 1e9, 2);
		if (row.valueType === "u128" && row.pallet !== "Governance") return dpn(v);
		if (row.valueType === "bool") return v === "1" || v === "true" ? "true" : "false";
		return num(Number(v));
	};
	host.innerHTML = html`<table class="list" data-testid="params"><tr><th>parameter</th><th>current</th><th>min</th><th>max</th><th>step per enactment</th></tr>${rows.map(
		(r, i) => html`<tr data-param="${r.pallet}.${r.name}"><td><label><input type="radio" name="param" value="${i}"${i === 0 ? " checked" : ""}/> ${r.pallet.toLowerCase()}.${r.name}</label></td><td class="current" data-raw="${r.current ?? ""}">${fmt(r, r.current)}</td><td class="min" data-raw="${r.guard?.min ?? ""}">${r.guard ? fmt(r, r.guard.min) : r.refusal === "notGuarded" ? "root only" : r.refusal ? `the current value is refused: ${upperFirst(r.refusal)}` : "–"}</td><td class="max" data-raw="${r.guard?.max ?? ""}">${r.guard ? fmt(r, r.guard.max) : ""}</td><td>${r.guard ? (r.valueType === "bool" ? "either way" : `${pct(r.guard.maxChange, 0)}, at least ${fmt(r, r.guard.minStep)}`) : ""}</td></tr>`,
	)}</table>
	<form class="preview" data-testid="preview-form">Propose <b class="which"></b> = <input name="value" size="24" aria-label="proposed value"/> <span class="muted hint"></span> <button>preview</button></form>
	<div class="preview-result" data-testid="preview-result"></div>`.html;
	const form = host.querySelector("form.preview") as HTMLFormElement;
	const selected = () => rows[Number((host.querySelector('input[name="param"]:checked') as HTMLInputElement)?.value ?? 0)];
	const sync = () => {
		const row = selected();
		(form.querySelector(".which") as HTMLElement).textContent = `${row.pallet.toLowerCase()}.${row.name}`;
		(form.querySelector(".hint") as HTMLElement).textContent = unitHint(row);
		(form.elements.namedItem("value") as HTMLInputElement).value = row.current ?? "";
	};
	host.querySelectorAll('input[name="param"]').forEach((input) => input.addEventListener("change", sync));
	sync();
	form.addEventListener("submit", async (event) => {
		event.preventDefault();
		const row = selected();
		const value = (form.elements.namedItem("value") as HTMLInputElement).value.trim();
		const out = host.querySelector(".preview-result") as HTMLElement;
		try {
			const result = await checkParameter(chain, row, value);
			if (result.ok) {
				const c = result.change;
				out.innerHTML = html`<p class="ok" data-testid="preview-ok">Allowed: ${row.pallet.toLowerCase()}.${row.name} from <b data-testid="preview-current">${fmt(row, c.current)}</b> to <b data-testid="preview-proposed">${fmt(row, c.proposed)}</b> (bounds ${fmt(row, c.guard.min)} – ${fmt(row, c.guard.max)}, step measured from ${fmt(row, c.baseline)}: at most ${pct(c.guard.maxChange, 0)} or ${fmt(row, c.guard.minStep)}).</p>`.html;
			} else {
				out.innerHTML = html`<p class="error" data-testid="preview-refused">Refused: <b data-testid="refusal">${upperFirst(result.refusal)}</b>${
					{ outOfBounds: " — outside the parameter's bounds.", changeTooLarge: " — a larger step than one enactment may take; pass several referenda (the step is measured from the value when the change window opened).", notGuarded: " — only root may set it.", cannotUnset: " — a value is required.", breaksRelation: " — it would break a relation between parameters (e.g. the response window within the proving period)." }[result.refusal] ?? ""
				}</p>`.html;
			}
		} catch (e) {
			out.innerHTML = html`<p class="error" data-testid="preview-error">Not a valid value for ${row.valueType}: ${e instanceof Error ? e.message : String(e)}</p>`.html;
		}
	});
}
