// What every page gets, and the helper that re-renders a page as blocks arrive.

import type { Chain } from "./chain";

export interface PageContext {
	chain: Chain;
	/** The route's arguments: `#/device/3` → ["3"]. */
	args: string[];
	/** The route's query: `#/devices?q=5Grw` → q=5Grw. */
	query: URLSearchParams;
	/** Is this page still the one shown? (async work checks before writing to the DOM) */
	alive: () => boolean;
}

export type Page = (el: HTMLElement, ctx: PageContext) => Promise<(() => void) | void>;

/**
 * Runs `refresh` now and again on new heads, at most every `minMs` and never two at once.
 * Returns the unsubscribe function.
 */
export function live(ctx: PageContext, refresh: () => Promise<void>, minMs = 2000): () => void {
	let running = false;
	let pending = false;
	let last = 0;
	let timer: number | undefined;
	const run = async () => {
		if (!ctx.alive()) return;
		if (running) {
			pending = true;
			return;
		}
		const wait = last + minMs - Date.now();
		if (wait > 0) {
			if (timer === undefined) timer = window.setTimeout(() => ((timer = undefined), void run()), wait);
			return;
		}
		running = true;
		last = Date.now();
		try {
			await refresh();
			const box = document.getElementById("page-error");
			if (box && ctx.alive()) box.hidden = true;
		} catch (e) {
			console.warn("refresh failed", e);
			showPageError(e);
		} finally {
			running = false;
		}
		if (pending) {
			pending = false;
			void run();
		}
	};
	void run();
	const off = ctx.chain.onChange(() => void run());
	return () => {
		off();
		if (timer !== undefined) window.clearTimeout(timer);
	};
}

/** A readable error above the page (the page keeps its last good state). */
export function showPageError(e: unknown): void {
	const box = document.getElementById("page-error");
	if (!box) return;
	const message = e instanceof Error ? e.message : String(e);
	box.textContent = `Could not refresh this page: ${message}`;
	box.hidden = false;
}
