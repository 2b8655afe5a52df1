//! The pallet's types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
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

	/// The sum of the values (saturating).
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
	/// Points of each category settled so far (each device's once, into its balance): at most
	/// `points`, so no device's points are paid twice.
	pub settled_points: PerKind<u64>,
	/// What each category's settled points were worth: at most its pool.
	pub settled: PerKind<Balance>,
	/// Paid to block authors so far: at most `validators`.
	pub validators_paid: Balance,
}

impl<Balance: Copy + Saturating + Default> EpochRewards<Balance> {
	/// What the pot holds for this epoch: minted for rewards and not yet settled or paid.
	pub fn unclaimed(&self) -> Balance {
		self.pools
			.total()
			.saturating_add(self.validators)
			.saturating_sub(self.settled.total())
			.saturating_sub(self.validators_paid)
	}
}

/// How many settled epochs a device's [`Earnings`] keep (the newest), for the runtime API's
/// receipts. Older ones are in the `RewardAccrued` events.
pub const RECENT_RECEIPTS: u32 = 4;

/// A device's points (and, for a kind capped by usage, the fees its usage burned) in one
/// epoch, not yet settled into its balance.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct OpenEpoch<Balance> {
	/// The epoch.
	pub epoch: EpochIndex,
	/// Proof points earned in it.
	pub points: u64,
	/// Protocol fees its paid usage burned in it: the most it can earn in a capped kind.
	pub fees: Balance,
}

/// What became of one settled epoch of a device.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum Settlement {
	/// Added to the device's balance, waiting for a claim.
	Accrued,
	/// Added to the balance, then paid to the owner by a claim.
	Paid,
	/// Settled after the epoch's claim window closed: its pool had gone to the treasury.
	Expired,
}

/// One settled epoch of a device.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct SettledEpoch<Balance> {
	/// The epoch.
	pub epoch: EpochIndex,
	/// The device's points in it.
	pub points: u64,
	/// What they were worth: `pool × points / category points`, rounded down, and for a kind
	/// capped by usage at most the fees burned.
	pub amount: Balance,
	/// Where the amount went.
	pub settlement: Settlement,
}

/// A device's rewards, settled lazily (Helium's lazy distributor, on chain): the epoch it is
/// earning points in, and the balance of the epochs before, which one claim pays out whatever
/// their number.
///
/// When points (or fees) come in for a later epoch than `open`'s, or the owner claims after
/// it ended, `open` is settled: its share of its epoch's pool is added to `accrued`. Each step
/// is O(1), so a device need not claim every epoch: one claim at any time pays everything.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Earnings<Balance> {
	/// The category the device's points count in.
	pub kind: DeviceKind,
	/// The epoch it last earned in, not yet settled.
	pub open: Option<OpenEpoch<Balance>>,
	/// Settled and not yet claimed: the pot holds it for the owner, and it never expires.
	pub accrued: Balance,
	/// The newest settled epochs, oldest first.
	pub recent: BoundedVec<SettledEpoch<Balance>, ConstU32<RECENT_RECEIPTS>>,
}

impl<Balance: Default> Earnings<Balance> {
	/// A device's earnings before its first points.
	pub fn new(kind: DeviceKind) -> Self {
		Self { kind, open: None, accrued: Default::default(), recent: Default::default() }
	}
}

/// A validator's reward receipt for one epoch.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct AuthorReceipt<Balance> {
	/// Blocks authored in the epoch.
	pub blocks: u32,
	/// What the claim paid, once claimed.
	pub paid: Option<Balance>,
}
