// An offline map of H3 cells: a local equirectangular projection (longitude scaled by the cosine
// of the view's latitude), a graticule, no tiles. Cells are drawn as their hexagon boundaries
// (h3-js), devices as markers at their cell's centre, links as lines between cells. Wheel or the
// buttons zoom, dragging pans, and "regions" fit the view to each cluster of items.

import { cellToBoundary, cellToLatLng, cellToParent, getResolution, isValidCell } from "h3-js";
import { esc } from "./util";

export interface MapCell {
	cell: string;
	fill: string;
	opacity?: number;
	title: string;
	attrs?: Record<string, string | number>;
}

export interface MapMarker {
	cell: string;
	color: string;
	/** Drawn hollow (e.g. suspended devices). */
	hollow?: boolean;
	title: string;
	href?: string;
	attrs?: Record<string, string | number>;
}

export interface MapEdge {
	from: string;
	to: string;
	color: string;
	title: string;
	dashed?: boolean;
	attrs?: Record<string, string | number>;
}

export interface MapData {
	cells?: MapCell[];
	markers?: MapMarker[];
	edges?: MapEdge[];
}

interface View {
	lat: number;
	lng: number;
	/** Pixels per degree of latitude. */
	scale: number;
}

const WIDTH = 900;
const HEIGHT = 480;

function valid(cell: string): boolean {
	try {
		return isValidCell(cell);
	} catch {
		return false;
	}
}

function attrText(attrs?: Record<string, string | number>): string {
	return Object.entries(attrs ?? {})
		.map(([k, v]) => ` ${k}="${esc(v)}"`)
		.join("");
}

function niceStep(span: number): number {
	const raw = span / 6;
	const mag = 10 ** Math.floor(Math.log10(raw));
	return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
}

/** Mounts a map into `host`; returns `update(data)` to redraw with new data (keeping the view). */
export function mountMap(
	host: HTMLElement,
	data: MapData,
	testId = "map",
	/** "all" fits everything; "largest" fits the region (resolution-3 cluster) with most items. */
	initial: "all" | "largest" = "all",
): { update: (data: MapData) => void } {
	let current = data;
	let view: View | null = null;
	host.innerHTML = `<div class="map" data-testid="${esc(testId)}">
		<div class="map-tools"><button data-z="in" title="Zoom in">+</button><button data-z="out" title="Zoom out">−</button><button data-z="fit" title="Fit everything">fit</button><span class="regions"></span></div>
		<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="xMidYMid meet"></svg>
	</div>`;
	const svg = host.querySelector("svg") as SVGSVGElement;
	const regions = host.querySelector(".regions") as HTMLElement;

	const points = (): [number, number][] => {
		const cells = [...(current.cells ?? []).map((c) => c.cell), ...(current.markers ?? []).map((m) => m.cell)].filter(valid);
		return cells.map((c) => cellToLatLng(c) as [number, number]);
	};

	const fit = (pts: [number, number][]): View => {
		if (!pts.length) return { lat: 20, lng: 10, scale: HEIGHT / 150 };
		const lats = pts.map((p) => p[0]);
		const lngs = pts.map((p) => p[1]);
		const lat = (Math.min(...lats) + Math.max(...lats)) / 2;
		const lng = (Math.min(...lngs) + Math.max(...lngs)) / 2;
		const k = Math.cos((lat * Math.PI) / 180);
		const spanLat = Math.max(Math.max(...lats) - Math.min(...lats), 0.02);
		const spanLng = Math.max((Math.max(...lngs) - Math.min(...lngs)) * k, 0.02);
		const scale = Math.min((HEIGHT * 0.8) / spanLat, (WIDTH * 0.8) / spanLng);
		return { lat, lng, scale };
	};

	const project = (v: View, lat: number, lng: number): [number, number] => {
		const k = Math.cos((v.lat * Math.PI) / 180);
		return [WIDTH / 2 + (lng - v.lng) * k * v.scale, HEIGHT / 2 - (lat - v.lat) * v.scale];
	};

	const groups = (): Map<string, string[]> => {
		// Clusters: the resolution-3 parents of everything drawn (about 100 km across).
		const out = new Map<string, string[]>();
		for (const c of [...(current.cells ?? []).map((x) => x.cell), ...(current.markers ?? []).map((m) => m.cell)]) {
			if (!valid(c)) continue;
			const parent = getResolution(c) > 3 ? cellToParent(c, 3) : c;
			out.set(parent, [...(out.get(parent) ?? []), c]);
		}
		return out;
	};

	const initialView = (): View => {
		if (initial === "largest") {
			const largest = [...groups().values()].sort((a, b) => b.length - a.length)[0];
			if (largest) return fit(largest.map((c) => cellToLatLng(c) as [number, number]));
		}
		return fit(points());
	};

	const draw = () => {
		const v = (view ??= initialView());
		const parts: string[] = [];
		// Graticule.
		const k = Math.cos((v.lat * Math.PI) / 180);
		const halfLat = HEIGHT / 2 / v.scale;
		const halfLng = WIDTH / 2 / (v.scale * k);
		const step = niceStep(halfLat * 2);
		const digits = Math.max(0, -Math.floor(Math.log10(step)));
		for (let lat = Math.ceil((v.lat - halfLat) / step) * step; lat <= v.lat + halfLat; lat += step) {
			if (lat < -90 || lat > 90) continue;
			const [, y] = project(v, lat, v.lng);
			parts.push(`<line x1="0" x2="${WIDTH}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grat"/><text x="4" y="${(y - 3).toFixed(1)}" class="grat-label">${lat.toFixed(digits)}°</text>`);
		}
		const stepLng = niceStep(halfLng * 2);
		const digitsLng = Math.max(0, -Math.floor(Math.log10(stepLng)));
		for (let lng = Math.ceil((v.lng - halfLng) / stepLng) * stepLng; lng <= v.lng + halfLng; lng += stepLng) {
			const [x] = project(v, v.lat, lng);
			parts.push(`<line y1="0" y2="${HEIGHT}" x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" class="grat"/><text y="${HEIGHT - 4}" x="${(x + 3).toFixed(1)}" class="grat-label">${lng.toFixed(digitsLng)}°</text>`);
		}
		const poly = (cell: string) =>
			(cellToBoundary(cell) as [number, number][])
				.map(([lat, lng]) => project(v, lat, lng).map((n) => n.toFixed(1)).join(","))
				.join(" ");
		for (const c of current.cells ?? []) {
			if (!valid(c.cell)) continue;
			parts.push(`<polygon points="${poly(c.cell)}" fill="${c.fill}" fill-opacity="${c.opacity ?? 0.35}" class="cell"${attrText(c.attrs)}><title>${esc(c.title)}</title></polygon>`);
		}
		for (const e of current.edges ?? []) {
			if (!valid(e.from) || !valid(e.to)) continue;
			const [a, b] = [cellToLatLng(e.from), cellToLatLng(e.to)];
			const [x1, y1] = project(v, a[0], a[1]);
			const [x2, y2] = project(v, b[0], b[1]);
			parts.push(`<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${e.color}" class="edge"${e.dashed ? ' stroke-dasharray="5 4"' : ""}${attrText(e.attrs)} marker-end="url(#arrow)"><title>${esc(e.title)}</title></line>`);
		}
		// Markers sharing a cell are spread on a small ring so each stays clickable.
		const byCell = new Map<string, MapMarker[]>();
		for (const m of current.markers ?? []) {
			if (!valid(m.cell)) continue;
			byCell.set(m.cell, [...(byCell.get(m.cell) ?? []), m]);
		}
		for (const [cell, markers] of byCell) {
			const [lat, lng] = cellToLatLng(cell);
			const [cx, cy] = project(v, lat, lng);
			// The device's own cell, once it is big enough to see.
			const own = poly(cell);
			parts.push(`<polygon points="${own}" class="own-cell"/>`);
			markers.forEach((m, i) => {
				const ring = markers.length > 1 ? 9 : 0;
				const angle = (2 * Math.PI * i) / markers.length;
				const x = cx + ring * Math.cos(angle);
				const y = cy + ring * Math.sin(angle);
				const circle = `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="6" fill="${m.hollow ? "#fff" : m.color}" stroke="${m.color}" stroke-width="${m.hollow ? 3 : 1.5}" class="marker"${attrText(m.attrs)}><title>${esc(m.title)}</title></circle>`;
				parts.push(m.href ? `<a href="${esc(m.href)}">${circle}</a>` : circle);
			});
		}
		svg.innerHTML = `<defs><marker id="arrow" viewBox="0 0 10 10" refX="16" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs><rect width="${WIDTH}" height="${HEIGHT}" class="sea"/>${parts.join("")}`;
	};

	const drawRegions = () => {
		const clusters = groups();
		if (clusters.size < 2) {
			regions.innerHTML = "";
			return;
		}
		regions.innerHTML = [...clusters.entries()]
			.map(([parent, cells]) => {
				const [lat, lng] = cellToLatLng(parent);
				return `<button data-region="${esc(parent)}" title="Zoom to this region">${lat.toFixed(1)}°, ${lng.toFixed(1)}° (${cells.length})</button>`;
			})
			.join("");
		regions.querySelectorAll<HTMLButtonElement>("button[data-region]").forEach((b) => {
			b.onclick = () => {
				const cells = clusters.get(b.dataset.region ?? "") ?? [];
				view = fit(cells.map((c) => cellToLatLng(c) as [number, number]));
				draw();
			};
		});
	};

	host.querySelectorAll<HTMLButtonElement>("button[data-z]").forEach((b) => {
		b.onclick = () => {
			if (!view) return;
			if (b.dataset.z === "in") view.scale *= 2;
			else if (b.dataset.z === "out") view.scale /= 2;
			else view = fit(points());
			draw();
		};
	});
	svg.addEventListener(
		"wheel",
		(event) => {
			if (!view) return;
			event.preventDefault();
			view.scale *= event.deltaY < 0 ? 1.25 : 0.8;
			draw();
		},
		{ passive: false },
	);
	let drag: { x: number; y: number; lat: number; lng: number } | null = null;
	svg.addEventListener("pointerdown", (event) => {
		if (!view || (event.target as Element).closest("a")) return;
		drag = { x: event.clientX, y: event.clientY, lat: view.lat, lng: view.lng };
	});
	window.addEventListener("pointerup", () => (drag = null));
	svg.addEventListener("pointermove", (event) => {
		if (!drag || !view) return;
		const ratio = WIDTH / svg.getBoundingClientRect().width;
		const k = Math.cos((view.lat * Math.PI) / 180);
		view.lng = drag.lng - ((event.clientX - drag.x) * ratio) / (view.scale * k);
		view.lat = drag.lat + ((event.clientY - drag.y) * ratio) / view.scale;
		draw();
	});

	draw();
	drawRegions();
	return {
		update(next: MapData) {
			const hadNothing = !points().length;
			current = next;
			if (hadNothing) view = null;
			draw();
			drawRegions();
		},
	};
}
