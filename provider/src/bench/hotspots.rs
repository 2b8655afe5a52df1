//! The harness's hotspots: groups of [`GROUP`] coverage devices on the beacon roster from
//! genesis, each with an owner of its own (a witness may not share its beaconer's operator) and
//! a resolution-8 cell of its own among its group's, so every beacon can carry a receipt from
//! each of the other 25 that passes every rule: distinct operators and exclusion cells, a few
//! grid steps away, none in the beaconer's own cell.

use anyhow::{anyhow, Result};
use codec::Encode;
use depin_primitives::h3::{H3Cell, MAX_RESOLUTION};
use sp_core::{sr25519, H256};

use crate::{
	coverage::{self, BeaconParams, Bundle, Measurement, FREQUENCY},
	keystore::DevicePair,
};

/// Hotspots a group holds: a beacon and its 25 witnesses (`MaxWitnesses`).
pub const GROUP: u32 = 26;

/// Groups one resolution-4 cell holds (its 49 resolution-6 descendants).
const GROUPS: u32 = 49;

/// The key of hotspot `index`, from a seed (cheap, as the storage devices').
pub fn hotspot_pair(index: u32) -> sr25519::Pair {
	use sp_core::Pair;
	sr25519::Pair::from_seed(&sp_crypto_hashing::blake2_256(
		&("depin-bench/hotspot", index).encode(),
	))
}

/// The seed of hotspot `index`'s owner.
pub fn owner_seed(index: u32) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&("depin-bench/hotspot-owner", index).encode())
}

/// The owner of hotspot `index`.
pub fn owner_pair(index: u32) -> sr25519::Pair {
	use sp_core::Pair;
	sr25519::Pair::from_seed(&owner_seed(index))
}

/// Hotspot `index`'s cell (resolution 8): its group (`index / 26`) picks the resolution-5 and -6
/// digits of the storage devices' cell (Berlin, base cell 15: a hexagon, every digit valid),
/// its place in the group the resolution-7 and -8 digits, so a group's
/// hotspots stand in 26 distinct resolution-8 cells of one resolution-6 cell (at most a few
/// grid steps apart) and groups in distinct resolution-6 cells. At most 49 groups.
pub fn hotspot_cell(index: u32) -> Result<u64> {
	let group = index.checked_div(GROUP).unwrap_or_default();
	let place = index.checked_rem(GROUP).unwrap_or_default();
	if group >= GROUPS {
		return Err(anyhow!("at most {} hotspots", GROUPS.saturating_mul(GROUP)));
	}
	let shift = |resolution: u8| u64::from(MAX_RESOLUTION.saturating_sub(resolution)) * 3;
	let home = H3Cell::new(super::spec::LOCATION)
		.ok()
		.and_then(|cell| cell.parent(8))
		.ok_or_else(|| anyhow!("the harness's location is not a fine cell"))?;
	let mut raw = home.raw();
	for (resolution, digit) in [(5, group / 7), (6, group % 7), (7, place / 7), (8, place % 7)] {
		raw = (raw & !(0b111u64 << shift(resolution))) | (u64::from(digit) << shift(resolution));
	}
	H3Cell::new(raw).map(H3Cell::raw).map_err(|e| anyhow!("hotspot {index}'s cell: {e:?}"))
}

/// A hotspot of the harness: its id on the chain, its key and its cell.
pub struct Hotspot {
	pub index: u32,
	pub id: u64,
	pub key: DevicePair,
	pub cell: u64,
}

/// The bundle of `beaconer`'s beacon, sent at `sent_at` in `epoch` for `challenge`, with a
/// receipt from every other hotspot of its group, heard in the same block.
pub fn bundle(
	genesis: H256,
	hotspots: &[Hotspot],
	beaconer: &Hotspot,
	epoch: u32,
	challenge: H256,
	sent_at: u32,
) -> Result<Bundle> {
	let params = BeaconParams {
		genesis,
		device: beaconer.id,
		epoch,
		challenge,
		sent_at,
		frequency: FREQUENCY,
	};
	let beacon = coverage::beacon(&params, &beaconer.key);
	let id = coverage::beacon_id(&beacon);
	let group = beaconer.index / GROUP;
	let receipts: Vec<coverage::Receipt> = hotspots
		.iter()
		.filter(|h| h.index / GROUP == group && h.id != beaconer.id)
		.map(|h| {
			let measured = Measurement {
				signal: -90,
				snr: 80,
				frequency: FREQUENCY,
				received_at: sent_at,
				cell: h.cell,
			};
			coverage::receipt(genesis, id, h.id, measured, &h.key)
		})
		.collect();
	Ok(Bundle {
		beacon,
		receipts: receipts.try_into().map_err(|_| anyhow!("more than 25 receipts"))?,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_groups_hotspots_stand_in_distinct_cells_a_few_steps_apart() {
		let cells: Vec<H3Cell> = (0..GROUP * 3)
			.map(|i| H3Cell::new(hotspot_cell(i).expect("a cell")).expect("valid"))
			.collect();
		for (i, a) in cells.iter().enumerate() {
			assert_eq!(a.resolution(), 8);
			for (j, b) in cells.iter().enumerate().skip(i + 1) {
				assert_ne!(a, b, "hotspots {i} and {j} share a cell");
				if i as u32 / GROUP == j as u32 / GROUP {
					let steps = a.grid_distance(*b).expect("measurable");
					assert!((1..=40).contains(&steps), "{i} and {j}: {steps} steps");
				}
			}
		}
		assert!(hotspot_cell(GROUP * GROUPS).is_err());
		assert_ne!(owner_seed(1), owner_seed(2));
	}

	#[test]
	fn a_bundle_carries_a_receipt_from_each_other_hotspot_of_the_group() {
		let hotspots: Vec<Hotspot> = (0..GROUP * 2)
			.map(|index| Hotspot {
				index,
				id: 100 + u64::from(index),
				key: DevicePair::Sr25519(hotspot_pair(index)),
				cell: hotspot_cell(index).expect("a cell"),
			})
			.collect();
		let beaconer = &hotspots[30];
		let bundle = bundle(H256::repeat_byte(1), &hotspots, beaconer, 3, H256::zero(), 41)
			.expect("a bundle");
		assert_eq!(bundle.beacon.device, 130);
		assert_eq!(bundle.receipts.len(), 25);
		assert!(bundle
			.receipts
			.iter()
			.all(|r| (126..152).contains(&r.witness) && r.witness != 130));
		assert!(bundle.receipts.iter().all(|r| r.beacon == coverage::beacon_id(&bundle.beacon)));
	}
}
