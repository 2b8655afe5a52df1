//! Permanent deals' records: a client pays once, and an endowment pays providers to keep its
//! replicas for as long as it lasts (the schedule's maths is [`super::endowment`]; the rules
//! are the proofs pallet's `permanent` module). The runtime API returns them as they are
//! stored, with the replicas in a `Vec`.

use super::DealId;
use crate::{device::DeviceId, epoch::EpochIndex};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// A permanent deal's number.
pub type PermanentId = u64;

/// A replica a client endows: its data, and the device it is meant for first.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct ReplicaSpec {
	/// The replica's Merkle root (`depin-merkle`, 1 KiB chunks).
	pub root: H256,
	/// Its chunk count.
	pub chunks: u32,
	/// The storage device that may take it first (until `MaxActivationDelay` after the deal is
	/// made); anyone's after that.
	pub device: DeviceId,
}

/// Where a permanent replica stands.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum ReplicaState {
	/// No provider keeps it: any storage device may take it (`take_replica`).
	Open,
	/// A tranche (a term deal the endowment pays) keeps it.
	Dealt(DealId),
	/// Its schedule's price reached nothing, or its endowment cannot pay an epoch: it is over.
	Exhausted,
}

impl ReplicaState {
	/// Its name in JSON (`open`, `dealt`, `exhausted`) and the tranche keeping it, if dealt.
	pub fn name_and_tranche(&self) -> (&'static str, Option<DealId>) {
		match self {
			Self::Open => ("open", None),
			Self::Dealt(tranche) => ("dealt", Some(*tranche)),
			Self::Exhausted => ("exhausted", None),
		}
	}
}

/// One replica of a permanent deal, and its endowment.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Replica<Balance, BlockNumber> {
	/// The replica's root.
	pub root: H256,
	/// Its chunk count.
	pub chunks: u32,
	/// The device that may take it before anyone else, and until which block: the client's
	/// choice when the deal is made, the last provider's when its tranche completes (to
	/// renew).
	pub reserved: Option<(DeviceId, BlockNumber)>,
	/// The device whose tranche of it failed, which may not take it again before this block:
	/// a failed provider hands the replica on.
	pub barred: Option<(DeviceId, BlockNumber)>,
	/// The endowment not committed to a tranche, held from the pot (under the proofs pallet's
	/// `HoldReason::Endowment`).
	pub left: Balance,
	/// Epochs the endowment has paid: the schedule's clock.
	pub served: EpochIndex,
	/// The price of a GiB for an epoch in the schedule year `served` is in.
	pub year_price: Balance,
	/// Where it stands.
	pub state: ReplicaState,
}

/// A permanent deal: the schedule its replicas are paid on, and the replicas (`Replicas`: a
/// bounded vector of [`Replica`]s in storage, a `Vec` in the runtime API).
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Permanent<AccountId, Balance, Replicas> {
	/// Who made and paid it (it has no powers over the deal afterwards).
	pub client: AccountId,
	/// The price of a GiB for an epoch in the first schedule year.
	pub price_per_gib: Balance,
	/// How much cheaper each schedule year is (`EndowmentDecline` when it was made).
	pub decline: sp_runtime::Perbill,
	/// Paid epochs in a schedule year (`EpochsPerYear` when it was made).
	pub epochs_per_year: EpochIndex,
	/// The collateral each tranche's provider stakes.
	pub provider_collateral: Balance,
	/// The replicas.
	pub replicas: Replicas,
}
