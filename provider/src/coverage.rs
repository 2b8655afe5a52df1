//! Coverage proofs, the provider's side: beacons and witness receipts, built and signed the
//! way `pallet-coverage` checks them, and a simple radio model for the simulator.
//!
//! A lottery winner (see `DepinApi::coverage_ticket`) signs a [`BeaconStatement`] binding the
//! chain, itself, the epoch, its challenge, the block it transmits at and the frequency; the
//! SCALE-encoded [`BeaconReport`] is the radio packet, and its blake2-256 hash the beacon id.
//! A witness that hears the packet signs a [`ReceiptStatement`] with the id and what it measured.
//! Anyone then submits the beacon and the receipts together (`coverage.submit_beacons`).

use depin_primitives::{
	coverage::{
		BeaconReport, BeaconStatement, MaxWitnesses, ReceiptStatement, WitnessReceipt,
		BEACON_CONTEXT, RECEIPT_CONTEXT,
	},
	h3::H3Cell,
	DevicePair,
};
use sp_core::H256;

use crate::chain::BlockNumber;

/// A bundle with the runtime's bound on receipts (`MaxWitnesses`, which the runtime takes from
/// `depin_primitives` too).
pub type Bundle = depin_primitives::coverage::BeaconBundle<BlockNumber, MaxWitnesses>;
/// A receipt as the chain takes it.
pub type Receipt = WitnessReceipt<BlockNumber>;
/// A beacon as transmitted.
pub type Beacon = BeaconReport<BlockNumber>;

/// The LoRa uplink frequency the simulator's beacons use, kHz (EU868 channel 1).
pub const FREQUENCY: u32 = 868_100;

/// What the beaconer signs and transmits.
pub struct BeaconParams {
	pub genesis: H256,
	pub device: u64,
	pub epoch: u32,
	pub challenge: H256,
	pub sent_at: BlockNumber,
	pub frequency: u32,
}

/// The beacon of a lottery winner, signed with its device key.
pub fn beacon(params: &BeaconParams, key: &DevicePair) -> Beacon {
	let statement = BeaconStatement {
		device: params.device,
		epoch: params.epoch,
		challenge: params.challenge,
		sent_at: params.sent_at,
		frequency: params.frequency,
	};
	BeaconReport {
		device: params.device,
		epoch: params.epoch,
		sent_at: params.sent_at,
		frequency: params.frequency,
		signature: key.sign_statement(BEACON_CONTEXT, params.genesis, &statement),
	}
}

/// A beacon's id: what witnesses sign.
pub fn beacon_id(beacon: &Beacon) -> H256 {
	beacon.id()
}

/// What a witness measured when it heard a beacon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measurement {
	/// dBm.
	pub signal: i16,
	/// Tenths of a dB.
	pub snr: i16,
	/// kHz.
	pub frequency: u32,
	/// The latest block the witness knew.
	pub received_at: BlockNumber,
	/// Where it was (raw H3 index).
	pub cell: u64,
}

/// A witness receipt of beacon `beacon` by device `witness`, signed with its key.
pub fn receipt(
	genesis: H256,
	beacon: H256,
	witness: u64,
	measured: Measurement,
	key: &DevicePair,
) -> Receipt {
	let statement = ReceiptStatement {
		beacon,
		witness,
		signal: measured.signal,
		snr: measured.snr,
		frequency: measured.frequency,
		received_at: measured.received_at,
		cell: measured.cell,
	};
	let signature = key.sign_statement(RECEIPT_CONTEXT, genesis, &statement);
	WitnessReceipt {
		witness,
		beacon,
		signal: statement.signal,
		snr: statement.snr,
		frequency: statement.frequency,
		received_at: statement.received_at,
		cell: statement.cell,
		signature,
	}
}

/// A crude radio model: how a witness at `to` hears a beacon from `from`, both raw H3 cells,
/// with distance in resolution-8 grid steps (about 0.9 km each). `None` when out of range
/// (more than `range` steps, or a distance H3 cannot measure on one grid).
pub fn hear(from: u64, to: u64, range: u32) -> Option<(i16, i16)> {
	let at8 = |raw| H3Cell::new(raw).ok().and_then(|c| c.parent(8));
	let steps = at8(from)?.grid_distance(at8(to)?)?;
	if steps > range {
		return None;
	}
	// Free-space-like fall-off: -70 dBm next door, 6 dB weaker per step; SNR from +9 dB down.
	let steps = i16::try_from(steps).ok()?;
	Some((-70 - 6 * steps, 90 - 25 * steps))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::keystore::Scheme;

	#[test]
	fn beacons_and_receipts_verify_against_their_device_keys() {
		for scheme in [Scheme::Sr25519, Scheme::Ed25519, Scheme::Ecdsa] {
			let beaconer = scheme.pair("//beaconer").expect("key");
			let witness = scheme.pair("//witness").expect("key");
			let params = BeaconParams {
				genesis: H256::repeat_byte(1),
				device: 4,
				epoch: 7,
				challenge: H256::repeat_byte(2),
				sent_at: 71,
				frequency: FREQUENCY,
			};
			let b = beacon(&params, &beaconer);
			let statement = BeaconStatement {
				device: 4,
				epoch: 7,
				challenge: params.challenge,
				sent_at: 71,
				frequency: FREQUENCY,
			};
			assert!(beaconer.public().verify_statement(
				BEACON_CONTEXT,
				params.genesis,
				&statement,
				&b.signature
			));
			let measured = Measurement {
				signal: -90,
				snr: 40,
				frequency: FREQUENCY,
				received_at: 71,
				cell: 0x8c1f1d48945d9ff,
			};
			let r = receipt(params.genesis, beacon_id(&b), 9, measured, &witness);
			let statement = r.statement();
			assert_eq!(statement.beacon, beacon_id(&b));
			assert_eq!((statement.witness, statement.signal, statement.snr), (9, -90, 40));
			assert!(witness.public().verify_statement(
				RECEIPT_CONTEXT,
				params.genesis,
				&statement,
				&r.signature
			));
			assert!(!beaconer.public().verify_statement(
				RECEIPT_CONTEXT,
				params.genesis,
				&statement,
				&r.signature
			));
		}
	}

	#[test]
	fn the_radio_model_fades_with_distance_and_stops_at_its_range() {
		let here = 0x8c1f1d48945d9ff;
		let (signal, snr) = hear(here, here, 10).expect("heard");
		assert_eq!((signal, snr), (-70, 90));
		// Paris from Berlin: another base cell, never heard.
		assert_eq!(hear(here, 0x8c1fb46625551ff, 1_000), None);
	}
}
