//! Rewards as devices' owners see them: receipts per epoch, what can be claimed, and what the
//! epoch in progress may pay.

use crate::{device::DeviceKind, epoch::EpochIndex};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// The most points one accepted proof earns: a proof pallet that reports more (for example a
/// compute job of `u64::MAX` units) has its points cut to this.
pub const MAX_POINTS_PER_PROOF: u64 = 1 << 32;

/// The most points one device earns in one epoch: points beyond it are not counted.
///
/// With it, no sum of points can overflow before a kind has 2^24 (about 16.7 million) devices
/// at the cap in one epoch, and the emission pallet refuses points that would overflow a
/// tally rather than saturate it, so `Σ receipts = tally` always holds and the claims of an
/// epoch (`pool × receipt / tally`, rounded down) never add up to more than its pool.
pub const MAX_DEVICE_POINTS_PER_EPOCH: u64 = 1 << 40;

/// Where a device's reward for one epoch stands.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub enum RewardStatus {
	/// The epoch is in progress: points still come in, and the pool is not minted yet (see
	/// [`RewardEstimate`] for a projection).
	InProgress,
	/// The epoch has ended and its reward is not settled yet: a claim while the epoch in
	/// progress is at most `until` settles and pays it, as do the device's next points.
	Claimable {
		/// The last epoch during which the claim is accepted.
		until: EpochIndex,
	},
	/// Paid to the device's owner.
	Claimed,
	/// Not settled in time: the epoch's unclaimed rewards went to the treasury.
	Expired,
	/// Settled into the device's balance (when it earned in a later epoch, or at a claim):
	/// the next claim pays it, and it never expires.
	Accrued,
}

/// A device's reward receipt for one epoch, as the runtime API reports it: the answer to
/// "where are my rewards?".
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct RewardReceipt<Balance> {
	/// The epoch.
	pub epoch: EpochIndex,
	/// The category the points count in.
	pub kind: DeviceKind,
	/// Proof points the device earned in the epoch.
	pub points: u64,
	/// Proof points of the whole category in the epoch (so far, while it is in progress).
	pub category_points: u64,
	/// The category's pool, minted at the epoch's end (zero while the epoch is in progress and
	/// once it has expired).
	pub pool: Balance,
	/// What was paid, or else `pool × points / category_points`, rounded down.
	pub amount: Balance,
	/// Where it stands.
	pub status: RewardStatus,
}

/// What a claim of a device would pay now.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct PendingRewards<Balance> {
	/// The device's balance, with its ended epoch not yet settled.
	pub total: Balance,
	/// The receipts it pays that are still kept (a device keeps its newest few), oldest first.
	pub receipts: Vec<RewardReceipt<Balance>>,
}

/// What a device can expect from the epoch in progress.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct RewardEstimate<Balance> {
	/// The epoch in progress.
	pub epoch: EpochIndex,
	/// Points the device has earned in it so far.
	pub points: u64,
	/// Points it would have if it answered every challenge still open.
	pub potential_points: u64,
	/// Points its category has earned so far.
	pub category_points: u64,
	/// The category's pool, projected from the schedule for the epoch's planned length.
	pub pool: Balance,
	/// `pool × potential / (category points + what the device has still to earn)`: its reward
	/// if it answers every open challenge and no other device earns more points.
	pub amount: Balance,
}
