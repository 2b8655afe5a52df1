// A dependency-free SVG chart: lines and bars over a numeric x axis, with ticks and a legend.
// Enough for emission curves, reward history and approval/support curves.

import { esc } from "./util";

export interface Series {
	name: string;
	color: string;
	points: [number, number][];
	/** "line" (default), "step", "bars" or "dots". */
	style?: "line" | "step" | "bars" | "dots";
	dashed?: boolean;
}

export interface ChartOptions {
	width?: number;
	height?: number;
	xLabel?: string;
	yLabel?: string;
	xFormat?: (x: number) => string;
	yFormat?: (y: number) => string;
	yMin?: number;
	yMax?: number;
	xMin?: number;
	xMax?: number;
	/** Vertical markers (e.g. "now"). */
	markers?: { x: number; label: string; color?: string }[];
	testId?: string;
}

/** Round tick steps: 1, 2, 5 × 10^k. */
function ticks(min: number, max: number, count = 5): number[] {
	if (!(max > min)) return [min];
	const raw = (max - min) / count;
	const mag = 10 ** Math.floor(Math.log10(raw));
	const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
	const out: number[] = [];
	for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
	return out;
}

export function compact(n: number): string {
	const abs = Math.abs(n);
	if (abs >= 1e9) return `${(n / 1e9).toFixed(abs >= 1e10 ? 0 : 1)}G`;
	if (abs >= 1e6) return `${(n / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
	if (abs >= 1e3) return `${(n / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}k`;
	if (abs > 0 && abs < 0.01) return n.toExponential(0);
	return Number(n.toPrecision(3)).toString();
}

export function chart(series: Series[], options: ChartOptions = {}): string {
	const width = options.width ?? 640;
	const height = options.height ?? 240;
	const pad = { left: 58, right: 16, top: 14, bottom: 40 };
	const all = series.flatMap((s) => s.points);
	const xs = all.map(([x]) => x);
	const ys = all.map(([, y]) => y);
	let xMin = options.xMin ?? (xs.length ? Math.min(...xs) : 0);
	let xMax = options.xMax ?? (xs.length ? Math.max(...xs) : 1);
	const hasBars = series.some((s) => s.style === "bars");
	if (hasBars) {
		xMin -= 0.5;
		xMax += 0.5;
	}
	if (xMax <= xMin) xMax = xMin + 1;
	const yMin = options.yMin ?? Math.min(0, ...ys);
	let yMax = options.yMax ?? (ys.length ? Math.max(...ys) : 1);
	if (yMax <= yMin) yMax = yMin + 1;
	const plotW = width - pad.left - pad.right;
	const plotH = height - pad.top - pad.bottom;
	const sx = (x: number) => pad.left + ((x - xMin) / (xMax - xMin)) * plotW;
	const sy = (y: number) => pad.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
	const xf = options.xFormat ?? compact;
	const yf = options.yFormat ?? compact;
	const parts: string[] = [];
	for (const t of ticks(yMin, yMax)) {
		parts.push(
			`<line x1="${pad.left}" x2="${width - pad.right}" y1="${sy(t)}" y2="${sy(t)}" class="grid"/>`,
			`<text x="${pad.left - 6}" y="${sy(t) + 4}" text-anchor="end" class="tick">${esc(yf(t))}</text>`,
		);
	}
	for (const t of ticks(xMin, xMax, 6)) {
		if (hasBars && !Number.isInteger(t)) continue;
		parts.push(`<text x="${sx(t)}" y="${height - pad.bottom + 16}" text-anchor="middle" class="tick">${esc(xf(t))}</text>`);
	}
	parts.push(
		`<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${pad.top + plotH}" class="axis"/>`,
		`<line x1="${pad.left}" x2="${width - pad.right}" y1="${pad.top + plotH}" y2="${pad.top + plotH}" class="axis"/>`,
	);
	const barSeries = series.filter((s) => s.style === "bars");
	const barWidth = Math.max(2, (plotW / Math.max(1, xMax - xMin)) * 0.8) / Math.max(1, barSeries.length);
	series.forEach((s) => {
		const pts = [...s.points].sort((a, b) => a[0] - b[0]);
		if (s.style === "bars") {
			const k = barSeries.indexOf(s);
			for (const [x, y] of pts) {
				const x0 = sx(x) - (barWidth * barSeries.length) / 2 + k * barWidth;
				const top = sy(Math.max(y, yMin));
				parts.push(
					`<rect x="${x0.toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(sy(yMin) - top).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name}: ${xf(x)} → ${yf(y)}`)}</title></rect>`,
				);
			}
			return;
		}
		if (s.style === "dots") {
			for (const [x, y] of pts) {
				parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="4" fill="${s.color}"><title>${esc(`${s.name}: ${xf(x)}, ${yf(y)}`)}</title></circle>`);
			}
			return;
		}
		let d = "";
		pts.forEach(([x, y], i) => {
			if (i === 0) d += `M${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
			else if (s.style === "step") d += `H${sx(x).toFixed(1)}V${sy(y).toFixed(1)}`;
			else d += `L${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
		});
		if (d) {
			parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
		}
	});
	for (const m of options.markers ?? []) {
		const x = sx(m.x);
		parts.push(
			`<line x1="${x}" x2="${x}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="${m.color ?? "#888"}" stroke-dasharray="3 3"/>`,
			`<text x="${x + 4}" y="${pad.top + 12}" class="tick" fill="${m.color ?? "#888"}">${esc(m.label)}</text>`,
		);
	}
	if (options.xLabel) {
		parts.push(`<text x="${pad.left + plotW / 2}" y="${height - 6}" text-anchor="middle" class="label">${esc(options.xLabel)}</text>`);
	}
	if (options.yLabel) {
		parts.push(`<text x="12" y="${pad.top + plotH / 2}" text-anchor="middle" class="label" transform="rotate(-90 12 ${pad.top + plotH / 2})">${esc(options.yLabel)}</text>`);
	}
	const legend = series
		.map((s) => `<span class="legend-item"><i style="background:${s.color}"></i>${esc(s.name)}</span>`)
		.join("");
	const testId = options.testId ? ` data-testid="${esc(options.testId)}"` : "";
	return `<figure class="chart"${testId}><svg viewBox="0 0 ${width} ${height}" role="img">${parts.join("")}</svg><figcaption>${legend}</figcaption></figure>`;
}
