//! Batches with per-item verdicts.
//!
//! A provider submits many items in one extrinsic (proofs, beacons, commitments, reveals,
//! receipts, registrations). Each item is checked on its own: a bad item is rejected with its
//! reason in a per-item event (`index`, the item's device or job, `error`), the good ones
//! count, and the batch ends with one summary event (`accepted`, `rejected`). The call
//! itself succeeds, so one bad item never costs the others their place. Each item runs in
//! its own storage layer, and each is charged what its check spent: a pallet measures a
//! cheap rejection (before the signature) and a full check with its benchmarks, and refunds
//! the rest of the worst case it charged before dispatch.

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

/// A rejection inside an item's storage layer (which needs an error it can make from a
/// `DispatchError`: the layer's own, when storage layers nest too deep).
struct Rolled(Rejection);

impl From<DispatchError> for Rolled {
	fn from(error: DispatchError) -> Self {
		// Nothing of the item ran: it spent nothing.
		Rolled((error, Weight::zero()))
	}
}

/// Check each of `items` on its own with `check`, which returns the weight it spent, whether
/// it accepted the item (`Ok`) or rejected it (`Err`); tell `rejected` the index of each
/// rejected item and why (for the pallet's per-item event). `base` is what the batch costs
/// beyond its items.
///
/// Each item is checked in its own storage layer: whatever a rejected item wrote is rolled
/// back, so the chain is as if the item had not been sent. What must stand whatever the item
/// is worth, the device's settlement (the faults of the epochs it missed, and the suspension
/// and slash they trigger), is done first, outside the layer, by `settle`, which returns the
/// weight it spent ([`nothing_to_settle`] for a kind without a fault ledger). A device cannot
/// escape its faults by sending a bad item.
pub fn process<Item>(
	items: &[Item],
	base: Weight,
	mut settle: impl FnMut(&Item) -> Weight,
	mut check: impl FnMut(&Item) -> Result<Weight, Rejection>,
	mut rejected: impl FnMut(u32, &Item, DispatchError),
) -> Verdicts {
	let mut verdicts = Verdicts { accepted: 0, rejected: 0, weight: base };
	for (index, item) in items.iter().enumerate() {
		verdicts.weight = verdicts.weight.saturating_add(settle(item));
		let verdict = frame_support::storage::with_storage_layer(|| check(item).map_err(Rolled))
			.map_err(|Rolled(rejection)| rejection);
		match verdict {
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

/// What a block would make of one item of a batch, as the transaction pool ranks it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Progress {
	/// Accepted, and it adds something (a proof, a beacon, a receipt): the weight spent.
	New(Weight),
	/// Refused or accepted as work already done (a proof already proven, say by a copy of it
	/// relayed first), which a relayer's batch cannot be blamed for: the weight spent.
	Done(Weight),
	/// Refused for anything else.
	Refused,
}

impl Progress {
	/// The verdict of a block's `check` of an item, where `done` are the refusals of work
	/// already done.
	pub fn of(check: Result<Weight, Rejection>, done: &[DispatchError]) -> Self {
		match check {
			Ok(spent) => Progress::New(spent),
			Err((error, spent)) if done.contains(&error) => Progress::Done(spent),
			Err(_) => Progress::Refused,
		}
	}
}

/// Whether a batch makes progress, as the transaction pool ranks it: each item settled by
/// `settle` and checked by `check` (the checks a block runs, see [`Progress`]), in order, and
/// nothing they write kept. It does when at least one item is [`Progress::New`] and none is
/// [`Progress::Refused`]; the checks stop at the first refusal, and once they have spent
/// `budget` (what the pool, which charges nobody, spends on one transaction at most), with
/// no verdict. An empty batch makes none.
pub fn makes_progress<Item>(
	items: &[Item],
	budget: Weight,
	mut settle: impl FnMut(&Item) -> Weight,
	mut check: impl FnMut(&Item) -> Progress,
) -> bool {
	use frame_support::storage::{with_transaction, TransactionOutcome};
	let verdict = with_transaction(|| {
		let (mut spent, mut new) = (Weight::zero(), false);
		for item in items {
			spent = spent.saturating_add(settle(item));
			match check(item) {
				Progress::New(weight) => {
					new = true;
					spent = spent.saturating_add(weight);
				},
				Progress::Done(weight) => spent = spent.saturating_add(weight),
				Progress::Refused => return TransactionOutcome::Rollback(Ok(false)),
			}
			if spent.any_gt(budget) {
				return TransactionOutcome::Rollback(Ok(false));
			}
		}
		TransactionOutcome::Rollback(Ok::<_, DispatchError>(new))
	});
	// Too deep in storage layers to check: no verdict.
	verdict.unwrap_or(false)
}

/// The `settle` of [`process`] for items that touch no fault ledger.
pub fn nothing_to_settle<Item>(_: &Item) -> Weight {
	Weight::zero()
}

#[cfg(test)]
mod tests {
	use super::*;
	use frame_support::storage::unhashed;

	#[test]
	fn every_item_gets_a_verdict_and_its_weight() {
		sp_io::TestExternalities::default().execute_with(|| {
			let items = [1u32, 2, 3, 4];
			let mut rejections = Vec::new();
			let verdicts = process(
				&items,
				Weight::from_parts(100, 0),
				nothing_to_settle,
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
		});
	}

	#[test]
	fn a_batch_makes_progress_with_a_new_item_and_no_refusal_within_the_budget() {
		sp_io::TestExternalities::default().execute_with(|| {
			// 1 and 3 are new, 2 was done already, 4 is refused; each check costs 10.
			let check = |item: &u8| {
				unhashed::put(&[*item], item);
				let result = match item {
					2 => Err((DispatchError::Other("done"), Weight::from_parts(10, 0))),
					4 => Err((DispatchError::Other("refused"), Weight::from_parts(10, 0))),
					_ => Ok(Weight::from_parts(10, 0)),
				};
				Progress::of(result, &[DispatchError::Other("done")])
			};
			let settle = |item: &u8| {
				unhashed::put(&[item + 10], item);
				Weight::zero()
			};
			let budget = Weight::from_parts(30, 0);
			// Whether `items` make progress, and the items checked.
			let run = |items: &[u8]| {
				let mut checked = Vec::new();
				let progress = makes_progress(items, budget, settle, |item| {
					checked.push(*item);
					check(item)
				});
				(progress, checked)
			};
			assert_eq!(run(&[1, 2, 3]), (true, vec![1, 2, 3]));
			// Work already done is no one's fault, but it is no progress either.
			assert_eq!(run(&[2, 2]), (false, vec![2, 2]));
			// It stops at the first refusal.
			assert_eq!(run(&[1, 4, 3]), (false, vec![1, 4]));
			// And once past the budget.
			assert_eq!(run(&[1, 3, 3, 3]), (false, vec![1, 3, 3, 3]));
			assert_eq!(run(&[1, 3, 3, 3, 3]), (false, vec![1, 3, 3, 3]));
			assert_eq!(run(&[]), (false, vec![]));
			// Neither the checks' writes nor the settlements stay.
			for key in [1u8, 2, 3, 4, 11, 12, 13, 14] {
				assert_eq!(unhashed::get::<u8>(&[key]), None, "{key}");
			}
		});
	}

	#[test]
	fn a_rejected_item_leaves_nothing_behind_but_its_settlement() {
		sp_io::TestExternalities::default().execute_with(|| {
			let items = [1u8, 2, 3];
			let verdicts = process(
				&items,
				Weight::zero(),
				|item| {
					// Settled outside the item's layer: it stays, whatever the verdict.
					unhashed::put(&[item + 10], item);
					Weight::from_parts(10, 0)
				},
				|item| {
					unhashed::put(&[*item], item);
					if *item == 2 {
						Err((DispatchError::Other("two"), Weight::from_parts(5, 0)))
					} else {
						Ok(Weight::from_parts(1, 0))
					}
				},
				|_, _, _| {},
			);
			assert_eq!(
				verdicts,
				Verdicts { accepted: 2, rejected: 1, weight: Weight::from_parts(37, 0) }
			);
			assert_eq!(unhashed::get::<u8>(&[12]), Some(2));
			assert_eq!(unhashed::get::<u8>(&[1]), Some(1));
			assert_eq!(unhashed::get::<u8>(&[2]), None);
			assert_eq!(unhashed::get::<u8>(&[3]), Some(3));
		});
	}
}
