//! The rules against rings of hotspots that witness each other from one room.
//!
//! A ring is `k` hotspots under unrelated accounts, registered on paper 0.5–37 km apart,
//! that sign each other's beacons and receipts without a radio between them. No chain can
//! tell a forwarded packet from a heard one; what it can do is make a ring earn little and
//! make it visible where honest hotspots stand. Four rules, each a pure function here or a
//! check in `impls.rs`, and each with its guarded parameter:
//!
//! - **Reciprocity** ([`pair_scale`]): two devices that keep meeting (one witnessing the
//!   other's beacon, either way round) earn less and less from each other. Each device keeps
//!   its last `MaxPartners` partners with a count halved every `ReciprocityHalfLife` epochs;
//!   the first `ReciprocityFree` meetings pay in full, the `n`-th after that `free / n`.
//! - **A cap per witness**: at most `WitnessCap` of a device's receipts earn points in one
//!   epoch (the rest still confirm their beacons).
//! - **Diversity**: a beacon's witnesses are of distinct operators (no owner or manager in
//!   common) and stand in distinct cells at the exclusion resolution.
//! - **Location consistency** ([`neighbour_verdict`]): after its epoch ends, each beacon is
//!   judged against the places around its beaconer where vouched hotspots were heard: the
//!   exclusion cells of its density cell (its own aside) in which one was heard in that epoch
//!   (up to the beacon's last bundle) or the one before. If there were any, witnesses from at
//!   least `NeighbourQuorum` of them must have heard its beacon; a winner that sends none is
//!   not judged, but its vouching lapses `VouchingLasts` intervals on; a beaconer unheard
//!   `UnheardLimit` times in a row loses its coverage share (earns nothing and its receipts
//!   are refused) until its neighbours witness a beacon of it again. Only devices in good
//!   standing (their last judged beacon heard) count, as heard or as witnessing neighbours.
//!   Cells, not devices, because a beacon's witnesses stand in distinct exclusion cells: ten
//!   hotspots on one block count once, as the one witness they can give. With the quorum at
//!   a half, a ring placed among honest hotspots must outnumber them, cell for cell, in
//!   every density cell it claims.

use sp_runtime::Perbill;

/// The share of its points a meeting pays when the two devices met `met` times recently
/// (before this one): in full for the first `free`, then `free / (met + 1)`. A `free` of 0
/// counts as 1.
pub fn pair_scale(met: u32, free: u32) -> Perbill {
	let free = free.max(1);
	if met < free {
		Perbill::one()
	} else {
		Perbill::from_rational(free, met.saturating_add(1))
	}
}

/// What an ended epoch makes of a beacon's neighbours.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NeighbourVerdict {
	/// No other hotspot was heard in the beaconer's density cell: nothing to judge by.
	Untested,
	/// At least the quorum of them witnessed it.
	Heard,
	/// Fewer did.
	Unheard,
}

/// The verdict on a beacon whose density cell had `others` other hotspots heard, `witnessed`
/// of which witnessed it: heard if `witnessed ≥ ⌈quorum × others⌉` (and at least one).
pub fn neighbour_verdict(others: u32, witnessed: u32, quorum: Perbill) -> NeighbourVerdict {
	if others == 0 {
		return NeighbourVerdict::Untested;
	}
	if witnessed >= quorum.mul_ceil(others).max(1) {
		NeighbourVerdict::Heard
	} else {
		NeighbourVerdict::Unheard
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_first_free_meetings_pay_in_full_then_less_and_less() {
		let scales: Vec<u32> =
			(0..8).map(|met| pair_scale(met, 3).deconstruct() / 10_000_000).collect();
		assert_eq!(scales, vec![100, 100, 100, 75, 60, 50, 42, 37]);
		assert_eq!(pair_scale(0, 0), Perbill::one());
		assert_eq!(pair_scale(1, 0), Perbill::from_percent(50));
		assert_eq!(pair_scale(u32::MAX, 1), Perbill::zero());
	}

	#[test]
	fn a_beacon_is_heard_when_a_quorum_of_its_heard_neighbours_witness_it() {
		let third = Perbill::from_rational(1u32, 3);
		assert_eq!(neighbour_verdict(0, 0, third), NeighbourVerdict::Untested);
		assert_eq!(neighbour_verdict(0, 5, third), NeighbourVerdict::Untested);
		assert_eq!(neighbour_verdict(1, 0, third), NeighbourVerdict::Unheard);
		assert_eq!(neighbour_verdict(1, 1, third), NeighbourVerdict::Heard);
		assert_eq!(neighbour_verdict(6, 1, third), NeighbourVerdict::Unheard);
		assert_eq!(neighbour_verdict(6, 2, third), NeighbourVerdict::Heard);
		// A quorum of zero still asks for one neighbour.
		assert_eq!(neighbour_verdict(3, 0, Perbill::zero()), NeighbourVerdict::Unheard);
	}
}
