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
