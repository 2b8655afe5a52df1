//! The pallet's types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use pallet_devices::DeviceKind;
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{CheckedAdd, Saturating},
	Perbill,
};

pub use depin_primitives::{
	epoch::EpochIndex,
	rewards::{PendingRewards, RewardEstimate, RewardReceipt, RewardStatus},
};

/// One value per device kind (each kind has its own reward pool), in the order of
/// [`DeviceKind::ALL`]: a new kind adds an entry, not a field.
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
pub struct PerKind<T>(pub [T; DeviceKind::COUNT]);

impl<T: Copy + Default> PerKind<T> {
	/// The value of every kind, from `f`.
	pub fn from_fn(f: impl FnMut(DeviceKind) -> T) -> Self {
		Self(DeviceKind::ALL.map(f))
	}

	/// The value of `kind`'s pool.
	pub fn get(&self, kind: DeviceKind) -> T {
		self.0.get(kind.index()).copied().unwrap_or_default()
	}

	/// The values, in the order of [`DeviceKind::ALL`].
	pub fn values(&self) -> [T; DeviceKind::COUNT] {
		self.0
	}
}

impl<T: Copy + Saturating + Default> PerKind<T> {
	/// Add `amount` to `kind`'s value (saturating: points, which are bounded per epoch).
	pub fn add(&mut self, kind: DeviceKind, amount: T) {
		if let Some(value) = self.0.get_mut(kind.index()) {
			*value = value.saturating_add(amount);
		}
	}

	/// The sum of the values (saturating).
	/// `self` with `amount` added to `kind`, if it does not overflow.
	pub fn checked_add(&self, kind: DeviceKind, amount: T) -> Option<Self>
	where
		T: CheckedAdd,
	{
		let mut sum = *self;
		let value = sum.0.get_mut(kind.index())?;
		*value = value.checked_add(&amount)?;
		Some(sum)
	}

	pub fn total(&self) -> T {
		self.0.iter().fold(T::default(), |sum, v| sum.saturating_add(*v))
	}
}

/// The share of each epoch's emission for each kind's providers: a pool per kind, configured
/// by the runtime (a guarded parameter each).
pub trait PoolShares {
	/// The share of `kind`'s pool.
	fn share(kind: DeviceKind) -> Perbill;
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
