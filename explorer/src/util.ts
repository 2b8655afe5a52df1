// Small helpers shared by the pages: HTML escaping, number formatting, DPN amounts.

/** DPN has 12 decimals. */
export const DECIMALS = 12n;
export const PLANCK_PER_DPN = 10n ** DECIMALS;

/** Escapes text for HTML. Every value from the chain goes through this (or `html`). */
export function esc(value: unknown): string {
	return String(value ?? "")
		.replace(/&/g, "&amp;")
		.replace(/</g, "&lt;")
		.replace(/>/g, "&gt;")
		.replace(/"/g, "&quot;")
		.replace(/'/g, "&#39;");
}

/** A raw HTML fragment that `html` does not escape. */
export class Raw {
	constructor(readonly html: string) {}
	toString(): string {
		return this.html;
	}
}

export const raw = (s: string): Raw => new Raw(s);

/** Tagged template: interpolated values are escaped unless they are `Raw` (or arrays of them). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
	let out = strings[0];
	values.forEach((value, i) => {
		out += piece(value) + strings[i + 1];
	});
	return new Raw(out);
}

function piece(value: unknown): string {
	if (value instanceof Raw) return value.html;
	if (Array.isArray(value)) return value.map(piece).join("");
	if (value === null || value === undefined || value === false) return "";
	return esc(value);
}

/** A planck amount (bigint, number or decimal string) as DPN with up to `digits` decimals. */
export function dpn(planck: bigint | number | string, digits = 4): string {
	const value = BigInt(planck);
	const negative = value < 0n;
	const abs = negative ? -value : value;
	const whole = abs / PLANCK_PER_DPN;
	const frac = abs % PLANCK_PER_DPN;
	let fracText = frac.toString().padStart(Number(DECIMALS), "0").slice(0, digits).replace(/0+$/, "");
	const text = `${whole.toLocaleString("en-US")}${fracText ? `.${fracText}` : ""}`;
	return `${negative ? "-" : ""}${text} DPN`;
}

/** A planck amount as a float of DPN (for charts only). */
export function dpnFloat(planck: bigint | number | string): number {
	const value = BigInt(planck);
	return Number(value / 10n ** 6n) / 1e6;
}

export function num(n: number | bigint | string): string {
	return typeof n === "string" ? n : n.toLocaleString("en-US");
}

export function pct(part: number, digits = 1): string {
	return `${(part * 100).toFixed(digits)}%`;
}

/** `0x1234…abcd` */
export function short(hex: string, keep = 6): string {
	return hex.length > 2 * keep + 3 ? `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}` : hex;
}

/** A u64 H3 cell (number, bigint or decimal/hex string) as the usual 15-digit hex string. */
export function cellHex(cell: unknown): string {
	if (typeof cell === "string") {
		if (/^0x/i.test(cell)) return BigInt(cell).toString(16);
		if (/^[0-9]+$/.test(cell)) return BigInt(cell).toString(16);
		return cell.toLowerCase();
	}
	if (typeof cell === "bigint" || typeof cell === "number") return BigInt(cell).toString(16);
	const anyCell = cell as { toBigInt?: () => bigint };
	if (anyCell && typeof anyCell.toBigInt === "function") return anyCell.toBigInt().toString(16);
	return String(cell);
}

/** camelCase → words ("notFresh" → "NotFresh" stays as the chain names it). */
export function upperFirst(s: string): string {
	return s ? s[0].toUpperCase() + s.slice(1) : s;
}

export function lowerFirst(s: string): string {
	return s ? s[0].toLowerCase() + s.slice(1) : s;
}

/** The name of a Polkadot.js enum as JSON: `"Active"`, `{retired: {...}}` → `"retired"`. */
export function enumName(json: unknown): string {
	if (typeof json === "string") return lowerFirst(json);
	if (json && typeof json === "object") return lowerFirst(Object.keys(json as object)[0] ?? "");
	return String(json);
}

export function enumValue(json: unknown): any {
	if (json && typeof json === "object") return Object.values(json as object)[0];
	return null;
}
