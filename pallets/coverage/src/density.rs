//! Density scaling: fewer points each where many coverage devices crowd one place.
//!
//! In the spirit of Helium's HIP-17, but computed from the registry's own per-cell counts at
//! its density resolution (runtime: H3 resolution 7, about 5 km² a cell) and without
//! neighbour rules:
//!
//! - up to `target` devices, a cell earns in full: each device's scale is 1;
//! - between `target` and `max`, each extra device adds only **half** a device's worth to the
//!   cell;
//! - beyond `max`, extra devices add nothing.
//!
//! So a cell of `n` devices earns as `units(n) = min(n, t) + (min(n, m) − min(n, t)) / 2`
//! devices, shared equally: `scale(n) = units(n) / n`. The cell's total never falls when a
//! device joins (nobody is punished for a newcomer beyond sharing), each device's share never
//! rises, and the cell's total is capped at `(t + m) / 2` devices' worth: packing hotspots
//! into one place buys little.
//!
//! | n (t = 4, m = 12) | 1 | 4 | 5 | 8 | 12 | 16 | 24 |
//! |---|---|---|---|---|---|---|---|
//! | units | 1 | 4 | 4.5 | 6 | 8 | 8 | 8 |
//! | scale | 1 | 1 | 0.9 | 0.75 | 0.667 | 0.5 | 0.333 |

use sp_runtime::Perbill;

/// The share of full points one of `n` devices in a cell earns, for a cell `target` and
/// `max` (a `max` below `target` counts as `target`; an empty cell, `n = 0`, as one device).
/// Exact to a part per billion, rounding down; integers only.
pub fn density_scale(n: u32, target: u32, max: u32) -> Perbill {
	let n = u64::from(n.max(1));
	let target = u64::from(target);
	let max = u64::from(max).max(target);
	let full = n.min(target);
	let half = n.min(max).saturating_sub(full);
	// units(n) / n = (2·full + half) / (2·n); all below 2^34.
	Perbill::from_rational(full.saturating_mul(2).saturating_add(half), n.saturating_mul(2))
}

/// `points` scaled by [`density_scale`] (rounding down).
pub fn scaled_points(points: u64, n: u32, target: u32, max: u32) -> u64 {
	density_scale(n, target, max).mul_floor(points)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn units(n: u32, t: u32, m: u32) -> f64 {
		f64::from(n) * (density_scale(n, t, m).deconstruct() as f64 / 1e9)
	}

	#[test]
	fn a_cell_at_or_under_its_target_earns_in_full() {
		for n in 0..=4 {
			assert_eq!(density_scale(n, 4, 12), Perbill::one());
		}
	}

	#[test]
	fn the_table_in_the_docs_holds() {
		let expected =
			[(1, 1.0), (4, 1.0), (5, 0.9), (8, 0.75), (12, 2.0 / 3.0), (16, 0.5), (24, 1.0 / 3.0)];
		for (n, scale) in expected {
			let got = density_scale(n, 4, 12).deconstruct() as f64 / 1e9;
			assert!((got - scale).abs() < 1e-8, "n = {n}: {got} != {scale}");
		}
		assert_eq!(scaled_points(1_000, 5, 4, 12), 900);
		assert_eq!(scaled_points(1_000, 16, 4, 12), 500);
		assert_eq!(scaled_points(100, 12, 4, 12), 66);
	}

	#[test]
	fn shares_never_rise_and_the_cell_total_never_falls_nor_passes_its_cap() {
		for (t, m) in [(1, 1), (1, 4), (4, 12), (3, 3), (10, 100)] {
			let cap = (f64::from(t) + f64::from(m)) / 2.0;
			for n in 1..300 {
				assert!(density_scale(n + 1, t, m) <= density_scale(n, t, m));
				assert!(units(n + 1, t, m) + 1e-6 >= units(n, t, m), "t {t} m {m} n {n}");
				assert!(units(n, t, m) <= cap + 1e-6);
			}
			assert!((units(300, t, m) - cap).abs() < 1e-5);
		}
	}

	#[test]
	fn degenerate_parameters_stay_sane() {
		// No target: nobody earns in full, and a max below the target is the target.
		assert_eq!(density_scale(1, 0, 0), Perbill::zero());
		assert_eq!(density_scale(2, 0, 2), Perbill::from_percent(50));
		assert_eq!(density_scale(8, 4, 1), Perbill::from_percent(50));
		assert_eq!(density_scale(u32::MAX, u32::MAX, u32::MAX), Perbill::one());
		assert_eq!(scaled_points(u64::MAX, 1, 1, 1), u64::MAX);
	}
}
