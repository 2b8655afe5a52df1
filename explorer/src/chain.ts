// The connection to the node and what the pages share: the API (with our `depin_*` RPC
// definitions from polkadotjs/depin.js), the best and finalized heads, and a log of the DePIN
// events of recent blocks (storage holds the present; history such as rejected proofs,
// rejected receipts, slashes and payments exists only as events).

import { ApiPromise, WsProvider } from "@polkadot/api";
import { rpc } from "virtual:depin-rpc";

export const DEFAULT_RPC = "ws://127.0.0.1:9944";

/** The node URL: `?rpc=ws://…` in the page URL, else the default. */
export function nodeUrl(): string {
	const fromQuery = new URLSearchParams(window.location.search).get("rpc");
	return fromQuery && /^wss?:\/\//.test(fromQuery) ? fromQuery : DEFAULT_RPC;
}

/** How many recent blocks the event log reads when the explorer starts (`?blocks=N`). */
export function historyBlocks(): number {
	const n = Number(new URLSearchParams(window.location.search).get("blocks"));
	return Number.isInteger(n) && n > 0 ? Math.min(n, 10_000) : 600;
}

export interface LoggedEvent {
	block: number;
	index: number;
	section: string;
	method: string;
	/** Field name → JSON value (`toJSON()` of each field). */
	data: Record<string, any>;
}

type Listener = () => void;

/** The sections whose events the log keeps. */
const SECTIONS = new Set(["devices", "proofs", "coverage", "compute", "jobs", "sensors", "emission", "epochs", "referenda", "convictionVoting", "guardedParameters", "parameters", "treasury"]);

export class Chain {
	api: ApiPromise;
	url: string;
	best = 0;
	finalized = 0;
	/** "Development", "Local", "Live", … */
	chainType = "";
	chainName = "";
	events: LoggedEvent[] = [];
	/** The lowest block the event log covers. */
	logFrom = 0;
	logReady = false;
	private listeners = new Set<Listener>();
	private eventBlocks = new Set<number>();

	constructor(url: string, onStatus: (connected: boolean, error?: string) => void) {
		this.url = url;
		const provider = new WsProvider(url, 3000);
		provider.on("connected", () => onStatus(true));
		provider.on("disconnected", () => onStatus(false));
		provider.on("error", (e: unknown) => onStatus(false, e instanceof Error ? e.message : undefined));
		this.api = new ApiPromise({ provider, rpc: rpc as any, noInitWarn: true });
	}

	async start(): Promise<void> {
		await this.api.isReady;
		const [chainType, chainName] = await Promise.all([this.api.rpc.system.chainType(), this.api.rpc.system.chain()]);
		this.chainType = chainType.toString();
		this.chainName = chainName.toString();
		await this.api.rpc.chain.subscribeNewHeads((header) => {
			const number = header.number.toNumber();
			this.best = number;
			this.emit();
			void this.logBlock(number, header.hash.toHex()).catch((e) => console.warn("event log", e));
		});
		await this.api.rpc.chain.subscribeFinalizedHeads((header) => {
			this.finalized = header.number.toNumber();
			this.emit();
		});
		void this.backfill();
	}

	get isDev(): boolean {
		return this.chainType === "Development";
	}

	/** Called on every new head (and when the event log has read the past). */
	onChange(listener: Listener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private emit(): void {
		for (const listener of this.listeners) listener();
	}

	private async backfill(): Promise<void> {
		const head = (await this.api.rpc.chain.getHeader()).number.toNumber();
		const from = Math.max(1, head - historyBlocks() + 1);
		this.logFrom = from;
		const numbers: number[] = [];
		for (let n = head; n >= from; n--) numbers.push(n);
		const workers = Array.from({ length: 6 }, async () => {
			for (let n = numbers.shift(); n !== undefined; n = numbers.shift()) {
				const hash = await this.api.rpc.chain.getBlockHash(n);
				await this.logBlock(n, hash.toHex());
			}
		});
		await Promise.all(workers);
		this.logReady = true;
		this.emit();
	}

	private async logBlock(number: number, hash: string): Promise<void> {
		const records: any = await this.api.query.system.events.at(hash);
		// A block seen again (a re-org of the best chain) replaces what was logged for its number.
		if (this.eventBlocks.has(number)) this.events = this.events.filter((e) => e.block !== number);
		this.eventBlocks.add(number);
		const logged: LoggedEvent[] = [];
		records.forEach((record: any, index: number) => {
			const { event } = record;
			if (!SECTIONS.has(event.section)) return;
			const names: string[] = event.data.names ?? event.data.map((_: unknown, i: number) => String(i));
			const data: Record<string, any> = {};
			names.forEach((name, i) => (data[name] = this.plain(event.data[i])));
			logged.push({ block: number, index, section: event.section, method: event.method, data });
		});
		if (logged.length) {
			this.events.push(...logged);
			this.events.sort((a, b) => a.block - b.block || a.index - b.index);
			this.emit();
		}
	}

	/** A field as JSON; a `DispatchError` as its name (`proofs.InvalidMerkleProof`, `BadOrigin`). */
	private plain(value: any): any {
		if (value && typeof value.isModule === "boolean" && typeof value.type === "string") {
			if (value.isModule) {
				const { section, name } = this.api.registry.findMetaError(value.asModule);
				return `${section}.${name}`;
			}
			return value.type;
		}
		return value.toJSON();
	}

	/** The proving epoch a block belongs to, from the `epochs.EpochStarted` events logged. */
	epochAt(block: number): number | null {
		let found: number | null = null;
		for (const e of this.events) {
			if (e.section !== "epochs" || e.method !== "EpochStarted") continue;
			if (e.block <= block) found = e.data.epoch;
			else break;
		}
		return found;
	}

	/** Logged events of `section.method` (e.g. "coverage.WitnessRejected"). */
	find(...kinds: string[]): LoggedEvent[] {
		const wanted = new Set(kinds);
		return this.events.filter((e) => wanted.has(`${e.section}.${e.method}`));
	}

	/** The `depin_*` RPC method's answer as plain JSON. */
	async depin(method: string, ...params: unknown[]): Promise<any> {
		const fn = (this.api.rpc as any).depin[method];
		const result = await fn(...params);
		if (result && typeof result.isNone === "boolean") return result.isNone ? null : result.unwrap().toJSON();
		return result.toJSON();
	}
}
