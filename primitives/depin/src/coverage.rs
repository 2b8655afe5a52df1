//! Coverage proofs: beacons won in a lottery on the epoch's seed, and the receipts of the
//! hotspots that heard them.
//!
//! Each epoch every hotspot on the roster holds a lottery ticket ([`beacon_ticket`]); one under
//! the epoch's odds ([`wins_beacon`]) beacons, with a [`beacon_challenge`]. Nothing is drawn:
//! anyone can tell who won from the seed alone. A winner transmits a [`BeaconReport`] signed over a
//! [`BeaconStatement`]; hotspots that hear it sign a [`ReceiptStatement`] about what they
//! measured. A provider submits a [`BeaconBundle`]: a beacon and the receipts of its
//! witnesses.

use crate::{
	device::{DeviceId, DeviceSignature},
	envelope::Domain,
	epoch::EpochIndex,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use derive_where::derive_where;
use scale_info::TypeInfo;
use sp_core::{ConstU32, Get, H256};
use sp_runtime::BoundedVec;

/// The most witnesses a beacon counts: the bound of [`BeaconBundle::receipts`] in the
/// runtime (`MaxWitnesses`) and in provider tools.
pub const MAX_WITNESSES: u32 = 25;

/// [`MAX_WITNESSES`] as a type.
pub type MaxWitnesses = ConstU32<MAX_WITNESSES>;

/// A position in the beacon roster (`0..RosterSize`).
pub type RosterSlot = u32;

/// Context of a beacon's signature.
pub const BEACON_CONTEXT: Domain = *b"depin/cov/beacon";

/// Context of a witness receipt's signature.
pub const RECEIPT_CONTEXT: Domain = *b"depin/cov/receip";

/// Domain of a beaconer's challenge (see [`beacon_challenge`]).
pub const CHALLENGE_DOMAIN: &[u8] = b"depin/cov/challenge";

/// Domain of the beacon lottery (see [`beacon_ticket`]).
pub const LOTTERY_DOMAIN: &[u8] = b"depin/cov/lottery";

/// The challenge a drawn beaconer signs: `blake2_256(CHALLENGE_DOMAIN ‖ seed ‖ epoch ‖ device)`
/// (SCALE). It exists only once the epoch's seed does, so no beacon can be made in advance.
pub fn beacon_challenge(seed: &H256, epoch: EpochIndex, device: DeviceId) -> H256 {
	H256(sp_io::hashing::blake2_256(&(CHALLENGE_DOMAIN, seed, epoch, device).encode()))
}

/// A hotspot's lottery ticket for an epoch: the first 8 bytes (little endian) of
/// `blake2_256(LOTTERY_DOMAIN ‖ seed ‖ epoch ‖ device)` (SCALE). Nobody knows it before the
/// epoch's seed exists, and nobody can choose it: a device's id is given by the registry.
pub fn beacon_ticket(seed: &H256, epoch: EpochIndex, device: DeviceId) -> u64 {
	crate::hash_word::<crate::RuntimeHasher>(&(LOTTERY_DOMAIN, seed, epoch, device).encode())
}

/// Whether `device` beacons in `epoch`: its ticket is at most `u64::MAX / interval`, so each
/// hotspot beacons in one epoch in `interval` on average, each epoch on its own, however many
/// hotspots there are. An interval of 0 or 1 lets every hotspot beacon every epoch.
pub fn wins_beacon(seed: &H256, epoch: EpochIndex, device: DeviceId, interval: u32) -> bool {
	let odds = u64::MAX.checked_div(u64::from(interval)).unwrap_or(u64::MAX);
	beacon_ticket(seed, epoch, device) <= odds
}

/// A beacon as recorded: what the radio packet said, and its id.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Beacon<BlockNumber> {
	/// The beacon's id ([`BeaconReport::id`]): what witnesses sign.
	pub id: H256,
	/// The block the beaconer says it transmitted at.
	pub sent_at: BlockNumber,
	/// The frequency it transmitted on, in kHz.
	pub frequency: u32,
	/// The block whose bundle first recorded it: receipts are taken for `ReceiptWindow`
	/// blocks after it, no later.
	pub recorded_at: BlockNumber,
}

/// A beacon as transmitted over the radio and submitted on chain. Only the beaconer can sign
/// it; once a bundle records it, its id is public, so receipts are taken only from devices
/// registered where they are before the beacon was sent, and only for a few blocks after it was
/// recorded (see [`WitnessRejection::JoinedAfterBeacon`] and [`WitnessRejection::TooLate`]).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct BeaconReport<BlockNumber> {
	/// The beaconer.
	pub device: DeviceId,
	/// The epoch it was drawn for.
	pub epoch: EpochIndex,
	/// The block it transmitted at (at or after the epoch's start, not after the block the
	/// report is submitted in).
	pub sent_at: BlockNumber,
	/// The frequency it transmitted on, in kHz.
	pub frequency: u32,
	/// The device key's signature of the enveloped [`BeaconStatement`].
	pub signature: DeviceSignature,
}

/// Domain of beacon ids.
pub const BEACON_ID_DOMAIN: &[u8; 16] = b"depin/cov/beacid";

impl<BlockNumber: Encode> BeaconReport<BlockNumber> {
	/// The beacon's id, what witnesses sign: `blake2_256` of [`BEACON_ID_DOMAIN`] and the
	/// SCALE-encoded device, epoch, `sent_at` and frequency. The signature is left out on
	/// purpose: an id must not change with the signature's encoding, or an observer could
	/// re-encode an honest beacon's signature, get its copy recorded first and have the honest
	/// bundle refused. (Device signatures are canonical anyway: see
	/// [`crate::device::is_canonical_ecdsa`].)
	pub fn id(&self) -> H256 {
		let fields = (BEACON_ID_DOMAIN, self.device, self.epoch, &self.sent_at, self.frequency);
		H256(sp_io::hashing::blake2_256(&fields.encode()))
	}
}

/// What a beaconer signs, under [`BEACON_CONTEXT`].
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct BeaconStatement<BlockNumber> {
	/// The beaconer.
	pub device: DeviceId,
	/// The epoch.
	pub epoch: EpochIndex,
	/// The beaconer's challenge in that epoch ([`beacon_challenge`]).
	pub challenge: H256,
	/// When and where it transmits.
	pub sent_at: BlockNumber,
	pub frequency: u32,
}

/// A witness's signed statement that it heard a beacon.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct WitnessReceipt<BlockNumber> {
	/// The witness.
	pub witness: DeviceId,
	/// The id of the beacon it heard.
	pub beacon: H256,
	/// Received signal strength, in dBm.
	pub signal: i16,
	/// Signal-to-noise ratio, in tenths of a dB.
	pub snr: i16,
	/// The frequency it heard the beacon on, in kHz.
	pub frequency: u32,
	/// The latest block the witness knew when it heard the beacon.
	pub received_at: BlockNumber,
	/// Where the witness was: a raw H3 cell index, inside its registered location.
	pub cell: u64,
	/// The witness key's signature of the enveloped [`ReceiptStatement`].
	pub signature: DeviceSignature,
}

impl<BlockNumber: Clone> WitnessReceipt<BlockNumber> {
	/// What the witness signed: the receipt without its signature.
	pub fn statement(&self) -> ReceiptStatement<BlockNumber> {
		ReceiptStatement {
			beacon: self.beacon,
			witness: self.witness,
			signal: self.signal,
			snr: self.snr,
			frequency: self.frequency,
			received_at: self.received_at.clone(),
			cell: self.cell,
		}
	}
}

/// What a witness signs, under [`RECEIPT_CONTEXT`].
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct ReceiptStatement<BlockNumber> {
	/// The beacon's id.
	pub beacon: H256,
	/// The witness and what it measured.
	pub witness: DeviceId,
	pub signal: i16,
	pub snr: i16,
	pub frequency: u32,
	pub received_at: BlockNumber,
	pub cell: u64,
}

/// One beacon and receipts of witnesses that heard it. The first bundle of a beacon records
/// it; later bundles of the same beacon (same report) add receipts, up to `MaxWitnesses` in
/// all.
#[derive_where(Clone, PartialEq, Eq, Debug; BlockNumber)]
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(skip_type_params(MaxWitnesses))]
pub struct BeaconBundle<
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxWitnesses: Get<u32>,
> {
	/// The beacon, as transmitted.
	pub beacon: BeaconReport<BlockNumber>,
	/// Receipts of witnesses that heard it.
	pub receipts: BoundedVec<WitnessReceipt<BlockNumber>, MaxWitnesses>,
}

/// Why a witness receipt did not count. Each is reported in a `WitnessRejected` event; the
/// other receipts of the bundle are unaffected.
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
pub enum WitnessRejection {
	/// The beacon already has `MaxWitnesses` witnesses.
	WitnessLimit,
	/// The beaconer cannot witness its own beacon.
	SelfWitness,
	/// The same witness appears twice in the bundle.
	DuplicateWitness,
	/// The witness was already counted for this beacon (a duplicate receipt).
	AlreadyWitnessed,
	/// The receipt is for another beacon.
	WrongBeacon,
	/// The receipt's frequency is not the beacon's.
	WrongFrequency,
	/// The signal strength or SNR is outside what a radio can report
	/// (`SignalRange`, `SnrRange`).
	ImplausibleSignal,
	/// Received before the beacon was sent or more than `FreshnessWindow` blocks after.
	NotFresh,
	/// Received at a block that has not happened yet.
	FromTheFuture,
	/// No such device.
	UnknownWitness,
	/// Only coverage devices witness beacons.
	NotCoverageDevice,
	/// The witness is suspended or retired.
	WitnessNotActive,
	/// The witness is owned or managed by the beaconer's owner or manager.
	SameOperator,
	/// The receipt's cell is not a valid H3 cell.
	InvalidCell,
	/// The receipt's cell is not inside the witness's registered location (or vice versa).
	LocationMismatch,
	/// The witness's position is coarser than `DistanceResolution`: its distance cannot be
	/// measured.
	LocationTooCoarse,
	/// The witness is in the beaconer's own cell at `ExclusionResolution`.
	TooClose,
	/// The witness is more than `MaxWitnessDistance` grid steps away.
	TooFar,
	/// The distance cannot be measured on chain: the two cells lie in different H3 base
	/// cells or in a pentagon base cell.
	DistanceUnknown,
	/// The witness key did not sign this receipt for this chain.
	BadSignature,
	/// The witness was registered, or last moved, at or after the block the beacon was sent:
	/// it was not there to hear it.
	JoinedAfterBeacon,
	/// The receipt came more than `ReceiptWindow` blocks after the block that recorded the
	/// beacon (whose id is public from then on).
	TooLate,
	/// Another witness of this beacon is owned or managed by this witness's owner or manager:
	/// a beacon's witnesses are of distinct operators.
	SameWitnessOperator,
	/// Another witness of this beacon stands in this witness's cell at `ExclusionResolution`:
	/// a beacon's witnesses are in distinct cells.
	SameWitnessCell,
	/// The witness has lost its coverage share: the hotspots heard around its registered
	/// location did not witness its last `UnheardLimit` beacons. Its receipts count again once
	/// a beacon of its own is witnessed by its neighbours.
	UnheardByNeighbours,
}

/// A beacon of the epoch in progress, as provider tools and dApps see it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct BeaconStatus<BlockNumber> {
	/// The beaconer.
	pub device: DeviceId,
	/// The epoch.
	pub epoch: EpochIndex,
	/// The challenge the beaconer signs.
	pub challenge: H256,
	/// The beacon, once submitted.
	pub beacon: Option<Beacon<BlockNumber>>,
	/// Witnesses counted so far.
	pub witnesses: Vec<DeviceId>,
	/// Points the beaconer earned.
	pub points: u64,
	/// The last block beacons and receipts of the epoch are accepted at.
	pub deadline: BlockNumber,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_lottery_gives_each_hotspot_one_epoch_in_interval_whatever_the_roster() {
		let seed = H256::repeat_byte(7);
		// Every hotspot wins at odds of one.
		assert!((0..1_000).all(|device| wins_beacon(&seed, 3, device, 1)));
		assert!((0..1_000).all(|device| wins_beacon(&seed, 3, device, 0)));
		// About one in `interval`, for any number of hotspots, in each epoch.
		for (devices, interval) in [(24_000u64, 24u32), (100_000, 24), (10_000, 4)] {
			let won = (0..devices).filter(|d| wins_beacon(&seed, 5, *d, interval)).count() as u64;
			let expected = devices / u64::from(interval);
			assert!(won.abs_diff(expected) * 10 < expected, "{won} of {devices} at 1/{interval}");
		}
		// Another epoch or seed, other winners.
		let winners = |seed: &H256, epoch| {
			(0..2_000u64).filter(|d| wins_beacon(seed, epoch, *d, 24)).collect::<Vec<_>>()
		};
		assert_ne!(winners(&seed, 5), winners(&seed, 6));
		assert_ne!(winners(&seed, 5), winners(&H256::repeat_byte(8), 5));
		// The ticket is the hash's first eight bytes.
		let hash = sp_io::hashing::blake2_256(&(LOTTERY_DOMAIN, &seed, 5u32, 9u64).encode());
		let mut first = [0u8; 8];
		first.copy_from_slice(&hash[..8]);
		assert_eq!(beacon_ticket(&seed, 5, 9), u64::from_le_bytes(first));
	}
}
