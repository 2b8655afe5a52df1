//! Paid usage: what a device earns for service a client paid for (a storage deal's epoch, a
//! compute job).
//!
//! Every kind rewarded for usage follows one rule (Helium's HIP-10, Filecoin's verified deals
//! without the notary): the payment moves out of the client's hold to the device's owner less
//! a protocol fee, which goes to the runtime's fee destination (burned); the fee, in whole
//! `per_point`s, is the device's points in its kind's reward pool; and the emission pallet pays
//! those points at most the fee burned ([`OnProofAccepted::fee_burned`]). A provider paying
//! itself therefore gets back at most what it burned, and pays the transaction fees on top:
//! the loop always loses money.

use crate::OnProofAccepted;
use depin_primitives::{DeviceId, DeviceKind, EpochIndex};
use frame_support::{
	traits::{
		fungible::{BalancedHold, Credit, Inspect, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
		Imbalance, OnUnbalanced,
	},
	weights::Weight,
};
use sp_runtime::traits::{CheckedDiv, One, UniqueSaturatedInto, Zero};

/// The balance of currency `C`.
pub type BalanceOf<AccountId, C> = <C as Inspect<AccountId>>::Balance;

/// The points a usage `fee` earns: whole `per_point`s of it (a zero `per_point` counts as
/// one). Past `u64::MAX` it saturates, far above what the emission pallet counts of one report.
pub fn fee_points<B>(fee: B, per_point: B) -> u64
where
	B: CheckedDiv + One + Ord + UniqueSaturatedInto<u64> + Default,
{
	let unit = per_point.max(One::one());
	fee.checked_div(&unit).unwrap_or_default().unique_saturated_into()
}

/// Tell the reward hook `H` that `device` (of `kind`) was paid for usage in `epoch` and burned
/// `fee` doing so: it earns [`fee_points`] of it, capped by the fee. Returns the points.
pub fn report<H: OnProofAccepted, B>(
	device: DeviceId,
	kind: DeviceKind,
	epoch: EpochIndex,
	fee: B,
	per_point: B,
) -> u64
where
	B: CheckedDiv
		+ One
		+ Ord
		+ UniqueSaturatedInto<u64>
		+ UniqueSaturatedInto<u128>
		+ Default
		+ Copy,
{
	let points = fee_points(fee, per_point);
	H::proof_accepted(device, kind, epoch, points);
	H::fee_burned(device, kind, epoch, fee.unique_saturated_into());
	points
}

/// The most [`report`] costs.
pub fn report_weight<H: OnProofAccepted>() -> Weight {
	H::weight().saturating_add(H::fee_weight())
}

/// What [`pay_from_hold`] moved.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Payment<B> {
	/// Paid to the payee.
	pub paid: B,
	/// Taken as the protocol fee.
	pub fee: B,
}

/// Pay `share` of `payer`'s hold `reason` to `payee` and take `fee` of it to `D` (the
/// runtime burns it). `Fortitude::Force`: a freeze on the payer's balance (a conviction vote's
/// lock) cannot stop a payment it owes; best effort, so a hold smaller than owed pays what it
/// has (the callers' invariants keep their holds covering what they owe).
pub fn pay_from_hold<AccountId, C, D>(
	reason: &C::Reason,
	payer: &AccountId,
	payee: &AccountId,
	share: BalanceOf<AccountId, C>,
	fee: BalanceOf<AccountId, C>,
) -> Payment<BalanceOf<AccountId, C>>
where
	C: MutateHold<AccountId> + BalancedHold<AccountId>,
	D: OnUnbalanced<Credit<AccountId, C>>,
{
	let paid = if share.is_zero() {
		Zero::zero()
	} else {
		C::transfer_on_hold(
			reason,
			payer,
			payee,
			share,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_else(|_| Zero::zero())
	};
	let mut taken = Zero::zero();
	if !fee.is_zero() {
		let (credit, _) = C::slash(reason, payer, fee);
		taken = credit.peek();
		D::on_unbalanced(credit);
	}
	Payment { paid, fee: taken }
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn points_are_whole_fee_units() {
		assert_eq!(fee_points(2_999u128, 1_000), 2);
		assert_eq!(fee_points(999u128, 1_000), 0);
		// A zero unit counts as one; a huge fee saturates.
		assert_eq!(fee_points(7u128, 0), 7);
		assert_eq!(fee_points(u128::MAX, 1), u64::MAX);
	}
}
