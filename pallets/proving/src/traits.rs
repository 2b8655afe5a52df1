//! How proof pallets and the pallets around them talk: the proving epochs every kind shares,
//! accepted proofs turned into reward points, and the end of an epoch.

use depin_primitives::{
	epoch::{EpochIndex, EpochInfo},
	DeviceId, DeviceKind,
};
use frame_support::weights::Weight;

/// Told about every accepted proof: the emission pallet turns proof points into rewards.
/// Proof pallets know nothing about money.
pub trait OnProofAccepted {
	/// `device` (of `kind`) earned `points` in `epoch`. Storage proofs earn one point per
	/// KiB of the proven sector.
	fn proof_accepted(device: DeviceId, kind: DeviceKind, epoch: EpochIndex, points: u64);

	/// The most [`OnProofAccepted::proof_accepted`] costs.
	fn weight() -> Weight;

	/// `device` (of `kind`) burned `amount` in protocol fees in `epoch` on usage it was paid
	/// for (a storage deal's epoch). For kinds whose rewards are capped by usage (HIP-10
	/// style), this is the most the device's points may draw from its pool that epoch: paying
	/// yourself for usage can never earn more than it burns.
	fn fee_burned(_device: DeviceId, _kind: DeviceKind, _epoch: EpochIndex, _amount: u128) {}

	/// The most [`OnProofAccepted::fee_burned`] costs.
	fn fee_weight() -> Weight {
		Weight::zero()
	}
}

impl OnProofAccepted for () {
	fn proof_accepted(_: DeviceId, _: DeviceKind, _: EpochIndex, _: u64) {}

	fn weight() -> Weight {
		Weight::zero()
	}
}

/// Told when a proving epoch ends: from then on no proof counts for it, so its points are final
/// (the emission pallet pays the epoch out).
pub trait OnEpochEnd<BlockNumber> {
	/// Epoch `ended`, which covered blocks `start..end`, is over (block `end` starts the next).
	/// Returns the weight it used.
	fn epoch_ended(ended: EpochIndex, start: BlockNumber, end: BlockNumber) -> Weight;

	/// The most [`OnEpochEnd::epoch_ended`] costs.
	fn weight() -> Weight;
}

impl<BlockNumber> OnEpochEnd<BlockNumber> for () {
	fn epoch_ended(_: EpochIndex, _: BlockNumber, _: BlockNumber) -> Weight {
		Weight::zero()
	}

	fn weight() -> Weight {
		Weight::zero()
	}
}

/// Told when a proving epoch starts, in the block that starts it, with its seed: a proof kind
/// draws what it needs for the epoch here (coverage draws its beaconers) rather than checking
/// for a new epoch in every block's `on_initialize`.
pub trait OnEpochStart<BlockNumber> {
	/// Epoch `epoch` has started. Returns the weight it used.
	fn epoch_started(epoch: &EpochInfo<BlockNumber>) -> Weight;

	/// The most [`OnEpochStart::epoch_started`] costs.
	fn weight() -> Weight;
}

impl<BlockNumber> OnEpochStart<BlockNumber> for () {
	fn epoch_started(_: &EpochInfo<BlockNumber>) -> Weight {
		Weight::zero()
	}

	fn weight() -> Weight {
		Weight::zero()
	}
}

/// A change to a device after which its past can no longer be charged to it as it stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DeviceChange {
	/// It retires: it can answer no challenge any more, and its deposit only unbonds.
	Retire,
	/// It moves to another location.
	Move,
	/// It changes hands: the previous owner's deposit is released.
	Transfer,
	/// Its deposit is claimed back and it is removed for good (it retired earlier): a proof
	/// kind deletes what it still keeps of it.
	Remove,
}

/// Told by the device registry before a device changes ([`DeviceChange`]): each proof kind
/// settles what the device owes first (the epochs it missed, and the suspension and slash they
/// trigger), so a device cannot escape a fault by leaving, moving or being sold before it is
/// settled. Implemented for tuples: the runtime lists its proof pallets.
pub trait OnDeviceChange {
	/// Whether `device` may undergo `change` now. A kind refuses while the change would leave
	/// something the device owes neither payable nor punishable (an audit still open whose
	/// answer stays with the seller, or whose deposit is about to be released), so that the
	/// caller waits until it is answered or lapses, rather than the kind forgiving it or
	/// charging it to someone who could not answer. Checked before
	/// [`OnDeviceChange::before_change`], within [`OnDeviceChange::weight`]. Yes by default.
	fn can_change(_device: DeviceId, _change: DeviceChange) -> sp_runtime::DispatchResult {
		Ok(())
	}

	/// `device` is about to undergo `change`; settle it. Errors are the kinds' own business:
	/// the change goes ahead.
	fn before_change(device: DeviceId, change: DeviceChange);

	/// The most [`OnDeviceChange::before_change`] costs for `change`.
	fn weight(change: DeviceChange) -> Weight;
}

impl OnDeviceChange for () {
	fn before_change(_: DeviceId, _: DeviceChange) {}

	fn weight(_: DeviceChange) -> Weight {
		Weight::zero()
	}
}

macro_rules! impl_on_device_change_for_tuples {
	($($kind:ident),+) => {
		impl<$($kind: OnDeviceChange),+> OnDeviceChange for ($($kind,)+) {
			fn can_change(device: DeviceId, change: DeviceChange) -> sp_runtime::DispatchResult {
				$($kind::can_change(device, change)?;)+
				Ok(())
			}

			fn before_change(device: DeviceId, change: DeviceChange) {
				$($kind::before_change(device, change);)+
			}

			fn weight(change: DeviceChange) -> Weight {
				Weight::zero()$(.saturating_add($kind::weight(change)))+
			}
		}
	};
}

impl_on_device_change_for_tuples!(A);
impl_on_device_change_for_tuples!(A, B);
impl_on_device_change_for_tuples!(A, B, C);
impl_on_device_change_for_tuples!(A, B, C, D);
impl_on_device_change_for_tuples!(A, B, C, D, E);
impl_on_device_change_for_tuples!(A, B, C, D, E, F);

/// Asked by the device registry before it removes a device for good (`claim_deposit`):
/// whether rewards the device earned are still waiting to be claimed. Claims are paid to the
/// device's owner, whom the registry forgets with the device, so it is kept until they are
/// claimed (or expire).
pub trait UnclaimedRewards {
	/// Whether `device` has rewards not yet claimed.
	fn has_unclaimed(device: DeviceId) -> bool;

	/// The most [`UnclaimedRewards::has_unclaimed`] costs.
	fn weight() -> Weight;
}

impl UnclaimedRewards for () {
	fn has_unclaimed(_: DeviceId) -> bool {
		false
	}

	fn weight() -> Weight {
		Weight::zero()
	}
}

/// The proving epochs, as every proof pallet sees them: each kind draws its challenges from
/// the same seed and closes with the same deadline. The epochs pallet (`pallet-epochs`) keeps
/// the clock.
pub trait ProvingEpochs<BlockNumber> {
	/// The epoch in progress: its index, first block and challenge seed.
	fn current() -> EpochInfo<BlockNumber>;

	/// The last block at which proofs for the epoch that started at `start` are accepted.
	fn deadline(start: BlockNumber) -> BlockNumber;

	/// The first block of the epoch after the one that started at `start`, with the proving
	/// period as it stands now.
	fn next_start(start: BlockNumber) -> BlockNumber;

	/// For other pallets' benchmarks: make `epoch` the epoch in progress.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_benchmark_epoch(epoch: EpochInfo<BlockNumber>);
}
