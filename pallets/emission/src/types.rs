//! The pallet's types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use pallet_devices::DeviceKind;
use scale_info::TypeInfo;
use sp_runtime::traits::Saturating;

pub use depin_primitives::{
	epoch::EpochIndex,
	rewards::{PendingRewards, RewardEstimate, RewardReceipt, RewardStatus},
};

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
