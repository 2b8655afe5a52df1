//! The pallet's own state. The wire types (schemas, attestations, reveals) live in
//! `depin_primitives::sensor`, shared with the runtime API and the provider tools.

use codec::{Decode, Encode, MaxEncodedLen};
use depin_primitives::device::DeviceId;
use frame_support::{CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use scale_info::TypeInfo;
use sp_core::H256;

pub use depin_primitives::{
	epoch::{EpochIndex, EpochInfo},
	h3::H3Cell,
	sensor::*,
};

/// A device's attestation waiting for its audit.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Pending<AccountId> {
	/// The epoch it was made in.
	pub epoch: EpochIndex,
	/// The epoch whose seed samples its readings, and in which they are revealed: the next one,
	/// or the one after for an attestation made in an epoch's last block (whose randomness
	/// seeds the next epoch, so its author would know the samples).
	pub audit_in: EpochIndex,
	/// The root over its readings.
	pub root: H256,
	/// The number of readings.
	pub count: u32,
	/// The time of the first reading.
	pub start: u64,
	/// The time of the last reading.
	pub end: u64,
	/// One summary per field.
	pub summaries: Summaries,
	/// The device's home cell (its registered cell's parent at `NeighbourhoodResolution`),
	/// where it was counted: its neighbourhood is the disk around it.
	pub home: H3Cell,
	/// The device's owner when it attested: its own other devices are not its neighbours,
	/// whoever owns it at the audit.
	pub owner: AccountId,
}

/// A sensor device's record.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct SensorState<AccountId> {
	/// The schema it attests under.
	pub schema: SchemaId,
	/// The time of the last reading it attested: the next batch starts after it.
	pub last_end: u64,
	/// Its last attestation, until audited.
	pub pending: Option<Pending<AccountId>>,
}

/// A device counted in a neighbourhood in an epoch: what its neighbours are compared with.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
pub struct Neighbour<AccountId: Clone + PartialEq + Eq + core::fmt::Debug> {
	/// The device.
	pub device: DeviceId,
	/// Its owner when it attested: devices of one owner do not vouch for each other.
	pub owner: AccountId,
	/// The summaries of its fields.
	pub summaries: Summaries,
}

/// Epochs after an attestation's in which its neighbourhood is read: its audit is in the next
/// epoch, or the one after for an attestation made in an epoch's last block. An epoch's home
/// cells are swept once this many epochs have passed.
pub const AUDIT_EPOCHS: EpochIndex = 2;

/// Domain of a device's rank in a full home cell.
pub const RANK_DOMAIN: &[u8] = b"depin/sensor/rank";

/// The key of a home cell's devices in an epoch: the schema and the cell.
pub type HomeKey = (SchemaId, H3Cell);

/// The key of an area's subscriptions: the schema and the area.
pub type AreaKey = (SchemaId, H3Cell);
