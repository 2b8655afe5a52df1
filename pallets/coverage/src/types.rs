//! The types of the coverage pallet. The wire types (beacons, receipts, bundles, rejections,
//! statuses) and the draws live in `depin_primitives::coverage`, shared with the runtime API
//! and the provider tools; what is here is the pallet's own state.

use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use pallet_devices::DeviceId;
use scale_info::TypeInfo;
use sp_core::H256;

pub use depin_primitives::{coverage::*, epoch::EpochIndex};

/// A beaconer drawn for the epoch in progress, and what became of its beacon.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(MaxWitnesses))]
pub struct BeaconSlot<
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxWitnesses: Get<u32>,
> {
	/// The epoch the beaconer was drawn for.
	pub epoch: EpochIndex,
	/// The challenge it signs ([`beacon_challenge`]).
	pub challenge: H256,
	/// The beacon, once submitted.
	pub beacon: Option<Beacon<BlockNumber>>,
	/// The witnesses counted for it, in the order they were accepted.
	pub witnesses: BoundedVec<DeviceId, MaxWitnesses>,
	/// The points the beaconer earned (0 until the first valid witness confirms the beacon).
	pub points: u64,
}

/// The coverage devices heard in one density cell (a witness receipt accepted, or a beacon
/// confirmed): in epoch `epoch` so far, and in the epoch before it. Points scale by these, not
/// by the devices registered in the cell, so decoys parked there that are never heard do not
/// dilute the hotspots that are.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct HeardCount {
	/// The epoch `current` counts.
	pub epoch: EpochIndex,
	/// Devices heard so far in `epoch`.
	pub current: u32,
	/// Devices heard in the epoch before `epoch`.
	pub previous: u32,
}

impl HeardCount {
	/// The counts as of `epoch`: rolled forward when they describe an earlier epoch.
	pub fn at(self, epoch: EpochIndex) -> Self {
		if self.epoch >= epoch {
			self
		} else if self.epoch.saturating_add(1) == epoch {
			Self { epoch, current: 0, previous: self.current }
		} else {
			Self { epoch, current: 0, previous: 0 }
		}
	}

	/// The density points scale by: the devices heard in the previous epoch or so far in this
	/// one, whichever is more; at least 1.
	pub fn density(&self) -> u32 {
		self.current.max(self.previous).max(1)
	}
}
