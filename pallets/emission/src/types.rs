//! The pallet's types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use pallet_devices::DeviceKind;
use scale_info::TypeInfo;
use sp_runtime::traits::Saturating;

pub use pallet_proofs::EpochIndex;

/// One value per provider category (the device kinds).
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct PerKind<T> {
	pub storage: T,
	pub coverage: T,
	pub compute: T,
}

impl<T: Copy> PerKind<T> {
	/// The value of `kind`'s category.
	pub fn get(&self, kind: DeviceKind) -> T {
		match kind {
			DeviceKind::Storage => self.storage,
			DeviceKind::Coverage => self.coverage,
			DeviceKind::Compute => self.compute,
		}
	}

	/// The value of `kind`'s category, to change.
	pub fn get_mut(&mut self, kind: DeviceKind) -> &mut T {
		match kind {
			DeviceKind::Storage => &mut self.storage,
			DeviceKind::Coverage => &mut self.coverage,
			DeviceKind::Compute => &mut self.compute,
		}
	}

	/// The three values, storage first.
	pub fn values(&self) -> [T; 3] {
		[self.storage, self.coverage, self.compute]
	}
}

impl<T: Copy + Saturating + Default> PerKind<T> {
	/// The sum of the three values (saturating).
	pub fn total(&self) -> T {
		self.values().into_iter().fold(T::default(), |sum, v| sum.saturating_add(v))
	}
}

/// What the epoch in progress has earned so far.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Tally {
	/// Proof points, per category.
	pub points: PerKind<u64>,
	/// Blocks authored.
	pub blocks: u32,
}

/// A closed epoch's rewards, claimable until it expires.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct EpochRewards<Balance> {
	/// The epoch's proof points, per category.
	pub points: PerKind<u64>,
	/// The blocks authored in the epoch.
	pub blocks: u32,
	/// What the schedule allowed for the epoch, after the supply cap.
	pub emission: Balance,
	/// Minted for the providers of each category, shared by points. Zero for a category
	/// without points: that share is not minted.
	pub pools: PerKind<Balance>,
	/// Minted for the block authors, shared by blocks.
	pub validators: Balance,
	/// Minted straight to the treasury.
	pub treasury: Balance,
	/// Paid out of `pools` and `validators` so far.
	pub claimed: Balance,
}

impl<Balance: Copy + Saturating + Default> EpochRewards<Balance> {
	/// What the pot holds for this epoch: minted for claims and not yet claimed.
	pub fn unclaimed(&self) -> Balance {
		self.pools.total().saturating_add(self.validators).saturating_sub(self.claimed)
	}
}

/// A device's reward receipt for one epoch: the points it earned, and once claimed, what it
/// was paid. Its reward before the claim is `pool × points / category points` of the epoch
/// ([`crate::Pallet::reward_receipt`]).
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Receipt<Balance> {
	/// The category the points count in.
	pub kind: DeviceKind,
	/// Proof points earned in the epoch.
	pub points: u64,
	/// What the claim paid (to the device's owner), once claimed.
	pub paid: Option<Balance>,
}

/// A validator's reward receipt for one epoch.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct AuthorReceipt<Balance> {
	/// Blocks authored in the epoch.
	pub blocks: u32,
	/// What the claim paid, once claimed.
	pub paid: Option<Balance>,
}

/// Where a device's reward for one epoch stands.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub enum RewardStatus {
	/// The epoch is in progress: points still come in, and the pool is not minted yet (see
	/// [`RewardEstimate`] for a projection).
	InProgress,
	/// The epoch has ended and the reward can be claimed while the epoch in progress is at
	/// most `until`.
	Claimable {
		/// The last epoch during which the claim is accepted.
		until: EpochIndex,
	},
	/// Paid to the device's owner.
	Claimed,
	/// Not claimed in time: the epoch's unclaimed rewards went to the treasury.
	Expired,
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

/// A device's rewards that can be claimed now.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct PendingRewards<Balance> {
	/// The sum of `receipts`' amounts.
	pub total: Balance,
	/// The claimable receipts, oldest first (the first expires first).
	pub receipts: alloc::vec::Vec<RewardReceipt<Balance>>,
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
