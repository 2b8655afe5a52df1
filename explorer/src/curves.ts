// pallet-referenda's approval and support curves, evaluated as fractions (0..1) of the decision
// period elapsed: `LinearDecreasing`, `SteppedDecreasing` and `Reciprocal`, as the pallet
// defines them (Perbill parts / 1e9, FixedI64 / 1e18).

const PERBILL = 1e9;
const FIXED = 1e18;

function perbill(v: unknown): number {
	return Number(v) / PERBILL;
}

/** The threshold of `curve` (its JSON) at `x`, the part of the decision period elapsed. */
export function threshold(curve: any, x: number): number {
	const clamp = (v: number) => Math.min(1, Math.max(0, v));
	const t = clamp(x);
	if (curve.linearDecreasing) {
		const { length, floor, ceil } = curve.linearDecreasing;
		const l = perbill(length);
		const progress = l > 0 ? Math.min(t, l) / l : 1;
		return clamp(perbill(ceil) - (perbill(ceil) - perbill(floor)) * progress);
	}
	if (curve.steppedDecreasing) {
		const { begin, end, step, period } = curve.steppedDecreasing;
		const steps = perbill(period) > 0 ? Math.floor(t / perbill(period)) : 0;
		return clamp(Math.max(perbill(end), perbill(begin) - steps * perbill(step)));
	}
	if (curve.reciprocal) {
		const { factor, xOffset, yOffset } = curve.reciprocal;
		return clamp(Number(factor) / FIXED / (t + Number(xOffset) / FIXED) + Number(yOffset) / FIXED);
	}
	return NaN;
}

/** A human description of a curve. */
export function describe(curve: any): string {
	const p = (v: unknown) => `${(perbill(v) * 100).toFixed(0)}%`;
	if (curve.linearDecreasing) {
		const { floor, ceil } = curve.linearDecreasing;
		return `${p(ceil)} → ${p(floor)}, linear`;
	}
	if (curve.steppedDecreasing) return `${p(curve.steppedDecreasing.begin)} → ${p(curve.steppedDecreasing.end)}, stepped`;
	if (curve.reciprocal) return "reciprocal";
	return JSON.stringify(curve);
}
