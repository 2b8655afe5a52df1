//! Batches with per-item verdicts.
//!
//! A provider submits many items in one extrinsic (proofs, beacons, commitments, reveals,
//! receipts, registrations). Each item is checked on its own: a bad item is rejected with its
//! reason in a per-item event (`index`, the item's device or job, `error`), the good ones
//! count, and the batch ends with one summary event (`accepted`, `rejected`). The call
//! itself succeeds, so one bad item never costs the others their place.

use frame_support::weights::Weight;
use sp_runtime::DispatchError;

/// A rejected item: why, and the weight spent on it.
pub type Rejection = (DispatchError, Weight);

/// What a batch came to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Verdicts {
	/// Items accepted.
	pub accepted: u32,
	/// Items rejected.
	pub rejected: u32,
	/// The weight spent: the batch's base weight plus what each item's check spent.
	pub weight: Weight,
}

/// Check each of `items` on its own with `check`, which returns the weight it spent, whether
/// it accepted the item (`Ok`) or rejected it (`Err`); tell `rejected` the index of each
/// rejected item and why (for the pallet's per-item event). `base` is what the batch costs
/// beyond its items.
pub fn process<Item>(
	items: &[Item],
	base: Weight,
	mut check: impl FnMut(&Item) -> Result<Weight, Rejection>,
	mut rejected: impl FnMut(u32, &Item, DispatchError),
) -> Verdicts {
	let mut verdicts = Verdicts { accepted: 0, rejected: 0, weight: base };
	for (index, item) in items.iter().enumerate() {
		match check(item) {
			Ok(spent) => {
				verdicts.accepted = verdicts.accepted.saturating_add(1);
				verdicts.weight = verdicts.weight.saturating_add(spent);
			},
			Err((error, spent)) => {
				verdicts.rejected = verdicts.rejected.saturating_add(1);
				verdicts.weight = verdicts.weight.saturating_add(spent);
				// A batch is bounded by a `u32` constant.
				rejected(u32::try_from(index).unwrap_or(u32::MAX), item, error);
			},
		}
	}
	verdicts
}

/// Run `check` in its own storage layer: whatever a rejected item wrote is rolled back.
pub fn isolated<R, E: From<DispatchError>>(check: impl FnOnce() -> Result<R, E>) -> Result<R, E> {
	frame_support::storage::with_storage_layer(check)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_item_gets_a_verdict_and_its_weight() {
		let items = [1u32, 2, 3, 4];
		let mut rejections = Vec::new();
		let verdicts = process(
			&items,
			Weight::from_parts(100, 0),
			|item| {
				let spent = Weight::from_parts(u64::from(*item), 0);
				if item % 2 == 0 {
					Err((DispatchError::Other("even"), spent))
				} else {
					Ok(spent)
				}
			},
			|index, item, error| rejections.push((index, *item, error)),
		);
		assert_eq!(
			verdicts,
			Verdicts { accepted: 2, rejected: 2, weight: Weight::from_parts(110, 0) }
		);
		assert_eq!(
			rejections,
			vec![(1, 2, DispatchError::Other("even")), (3, 4, DispatchError::Other("even"))]
		);
	}
}
