//! Sensor data, the same code on chain and in provider tools: schemas (what a kind of station
//! measures), readings and the Merkle tree over them, the attestation a device signs for a
//! batch of readings, the readings an audit samples, and the neighbour check.
//!
//! A device keeps its raw readings; the chain sees one signed attestation per batch: the root
//! of a tree over the readings, their count and time span, and a summary (min, max, mean) per
//! field. Each reading is a leaf `blake2_256(0x03 ‖ SCALE(index, time, values))` of a tree with
//! `depin_merkle`'s node hashing, padded with empty leaves. After the attestation, randomness
//! the device could not know picks readings by index ([`sample_reading`]); the device reveals
//! them with their paths, and a revealed reading outside its own attested summary, or outside
//! the time slot its index leaves it ([`slot`]), is fraud signed by the device.
//!
//! Values are integers in a field's unit scaled by `10^decimals` (21.37 °C with two decimals
//! is 2137): no floating point on chain.

use crate::{
	device::{DeviceId, DeviceKey, DeviceSignature},
	envelope::Domain,
	epoch::EpochIndex,
	h3::H3Cell,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use derive_where::derive_where;
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_core::{ConstU32, Get, H256};
use sp_runtime::BoundedVec;

pub use depin_merkle::{Hash, Hasher};

/// A schema's number (never reused).
pub type SchemaId = u32;

/// The most fields a schema has.
pub const MAX_FIELDS: u32 = 8;

/// [`MAX_FIELDS`] as a type.
pub type MaxFields = ConstU32<MAX_FIELDS>;

/// The deepest reading tree: one attestation covers at most `2^MAX_READINGS_DEPTH` readings.
pub const MAX_READINGS_DEPTH: u32 = 20;

/// [`MAX_READINGS_DEPTH`] as a type: the bound of a revealed reading's path.
pub type MaxReadingsDepth = ConstU32<MAX_READINGS_DEPTH>;

/// The most readings one attestation covers.
pub const MAX_READINGS: u32 = 1 << MAX_READINGS_DEPTH;

/// The most readings sampled from one attestation: the bound of [`ReadingsReveal::readings`]
/// in provider tools.
pub const MAX_SAMPLES: u32 = 8;

/// A schema's or a field's name, or a unit: at most 32 bytes of UTF-8.
pub type Label = BoundedVec<u8, ConstU32<32>>;

/// Context of an attestation signature.
pub const ATTESTATION_CONTEXT: Domain = *b"depin/sensor/att";

/// Domain of the sampled readings.
pub const SAMPLE_DOMAIN: &[u8] = b"depin/sensor/sample";

/// Leaf prefix of a reading (storage chunks use 0x00, nodes 0x01, compute checkpoints 0x02).
pub const READING_LEAF: u8 = 0x03;

/// One measured quantity of a schema.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	Serialize,
	Deserialize,
)]
pub struct Field {
	/// Its name, such as `temperature`.
	pub name: Label,
	/// Its unit, such as `degC`.
	pub unit: Label,
	/// Values are the quantity times `10^decimals`.
	pub decimals: u8,
	/// The lowest valid value (scaled).
	pub min: i64,
	/// The highest valid value (scaled).
	pub max: i64,
	/// How far (scaled) a device's mean may lie from the median of its neighbours' means and
	/// still pass the neighbour check.
	pub tolerance: u64,
}

/// What a kind of station measures: registered by governance, each device attests under one.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	Serialize,
	Deserialize,
)]
pub struct Schema {
	/// Its name, such as `weather-station`.
	pub name: Label,
	/// The fields of every reading, in order.
	pub fields: BoundedVec<Field, MaxFields>,
	/// The fewest seconds between two readings: an attestation of `count` readings spans at
	/// least `(count − 1) × interval` seconds, so no device claims more readings than the
	/// schema's rate allows.
	pub interval: u32,
}

/// A schema as the chain keeps it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SchemaRecord {
	/// The schema.
	pub schema: Schema,
	/// Retired by governance: no device enrolls or attests under it any more.
	pub retired: bool,
}

/// A maker's number (never reused).
pub type MakerId = u32;

/// Context of a maker's certificate of a device key.
pub const CERTIFICATE_CONTEXT: Domain = *b"depin/sensor/mkr";

/// A maker of sensor hardware that governance trusts to vouch for device keys: a key its
/// devices' keys are certified with (each device's key made in a secure element at the
/// factory, and signed there), the schema its devices measure, and how many it may certify.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Maker {
	/// The key it signs certificates with.
	pub key: DeviceKey,
	/// The schema of the devices it makes.
	pub schema: SchemaId,
	/// The most device keys it may certify (set by governance, as a maker earns trust).
	pub cap: u32,
	/// The certificates taken so far.
	pub certified: u32,
}

/// What a maker signs for a device it made, under [`CERTIFICATE_CONTEXT`]: its own number, the
/// schema, and the device's key. The chain takes the certificate once for a device and key.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct CertificateStatement {
	/// The maker.
	pub maker: MakerId,
	/// The schema the device measures under.
	pub schema: SchemaId,
	/// The device's key.
	pub device_key: DeviceKey,
}

/// A subscription's number (never reused).
pub type SubscriptionId = u64;

/// A data buyer's standing order for a schema's data in an area: it pays for every audited
/// attestation made in the area over its span of epochs, `points × price` each, out of its
/// held budget, until the budget runs out.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Subscription<AccountId, Balance> {
	/// The buyer, whose hold pays.
	pub buyer: AccountId,
	/// The schema of the data bought.
	pub schema: SchemaId,
	/// The area: a cell at the runtime's area resolution, holding the home cells whose data it
	/// buys.
	pub area: H3Cell,
	/// The price of a point: a second of coverage at full quality.
	pub price: Balance,
	/// What is left of the budget (held).
	pub left: Balance,
	/// The deposit for its storage (held, returned when it closes).
	pub deposit: Balance,
	/// The first epoch whose attestations it pays for.
	pub first: EpochIndex,
	/// The last epoch whose attestations it pays for.
	pub last: EpochIndex,
}

/// An energy trade's number (never reused).
pub type TradeId = u64;

/// The longest dispute window of an energy trade, in epochs: the bound of its unpaid
/// settlements.
pub const MAX_DISPUTE_EPOCHS: u32 = 48;

/// The most settlements of one trade waiting out their dispute window: at most one per epoch
/// of the window and the current one.
pub type MaxOwed = ConstU32<{ MAX_DISPUTE_EPOCHS + 1 }>;

/// A meter in a trade, as its last audit left it: the registers its last reading showed,
/// and how much of their advance over the audit before is not yet settled in a trade.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct MeterState {
	/// The epoch of the audited batch.
	pub epoch: EpochIndex,
	/// The values of its last reading (revealed at every audit): for a trade's field, a
	/// register that only grows (the watt-hours produced or consumed since installation).
	pub registers: Values,
	/// Per field, the advance of the register over the previous audited batch not yet settled
	/// in a trade (zero for the first batch after the meter entered a trade: its baseline).
	pub left: BoundedVec<u64, MaxFields>,
}

/// A settled epoch of a trade whose dispute window is open: still held, paid when it closes.
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
pub struct Owed<Balance> {
	/// The epoch it was settled in.
	pub settled_in: EpochIndex,
	/// What it pays the seller, the protocol fee included.
	pub amount: Balance,
}

/// What a consuming meter's operator offers a producing meter's: the terms of an
/// [`EnergyTrade`].
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct TradeTerms<Balance> {
	/// The consuming meter (the offerer operates it).
	pub consumer: DeviceId,
	/// The producing meter.
	pub producer: DeviceId,
	/// The field of the producer's schema that registers what it produced.
	pub produced_field: u8,
	/// The field of the consumer's schema that registers what it consumed.
	pub consumed_field: u8,
	/// The price of a unit.
	pub price: Balance,
	/// The most units settled in one epoch.
	pub cap: u64,
	/// The budget, held.
	pub budget: Balance,
	/// The first epoch whose readings it settles.
	pub first: EpochIndex,
	/// The last.
	pub last: EpochIndex,
}

/// An energy trade between two meters in one home cell: the consuming meter's owner (the buyer)
/// pays the producing meter's (the seller) `price` a unit of the smaller of the advances of
/// the producing meter's register (what it produced) and the consuming meter's (what it
/// consumed) over each epoch of the span, as their audited last readings show them (at most
/// `cap` units an epoch, and a meter's advance is settled once across its trades). Each settled
/// epoch waits out a dispute window before it is paid.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct EnergyTrade<AccountId, Balance> {
	/// Who offered it, the consuming meter's owner, whose hold pays.
	pub buyer: AccountId,
	/// Who accepted it, the producing meter's owner, who is paid: `None` while it is an
	/// offer.
	pub seller: Option<AccountId>,
	/// The producing meter.
	pub producer: DeviceId,
	/// The consuming meter.
	pub consumer: DeviceId,
	/// The field of the producer's schema that registers what it produced.
	pub produced_field: u8,
	/// The field of the consumer's schema that registers what it consumed (same unit and
	/// decimals).
	pub consumed_field: u8,
	/// The price of a unit (a scaled value of the field: a watt-hour for the dev chain's
	/// meter).
	pub price: Balance,
	/// The most units settled in one epoch.
	pub cap: u64,
	/// What is left of the budget (held).
	pub left: Balance,
	/// The deposit for its storage (held, returned when it closes).
	pub deposit: Balance,
	/// The first epoch whose readings it settles.
	pub first: EpochIndex,
	/// The last epoch whose readings it settles.
	pub last: EpochIndex,
	/// Settled epochs waiting out their dispute window (held, oldest first).
	pub owed: BoundedVec<Owed<Balance>, MaxOwed>,
	/// The epoch a party disputed it in: nothing more settles, and what is owed waits for the
	/// dispute origin's decision, or for the dispute to lapse a dispute window later.
	pub disputed: Option<EpochIndex>,
}

/// An attestation waiting for its audit, as the runtime API shows it.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct PendingAttestation {
	/// The epoch it was made in.
	pub epoch: EpochIndex,
	/// The epoch its readings are revealed in (before that epoch's deadline).
	pub audit_in: EpochIndex,
	/// The root over its readings.
	pub root: H256,
	/// The number of readings.
	pub count: u32,
	/// The time of the first reading.
	pub start: u64,
	/// The time of the last reading.
	pub end: u64,
}

/// A sensor device's record, as the runtime API shows it: what its provider's tool needs to
/// attest its next batch and to answer its audit.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct SensorStatus {
	/// The schema it attests under.
	pub schema: SchemaId,
	/// The time of the last reading it attested: its next batch starts at least a schema
	/// interval after it.
	pub last_end: u64,
	/// Its last attestation, until audited.
	pub pending: Option<PendingAttestation>,
	/// While the audit of `pending` is open: the indices of the readings to reveal, in order.
	/// Empty otherwise.
	pub sampled: Vec<u32>,
}

/// Why a schema cannot be registered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SchemaError {
	/// It has no field.
	NoFields,
	/// A field's `min` is above its `max`.
	EmptyRange,
	/// The interval is zero.
	ZeroInterval,
}

/// The index of the energy produced in an [`Schema::energy_meter`] reading.
pub const PRODUCED: usize = 0;

/// The index of the energy consumed in an [`Schema::energy_meter`] reading.
pub const CONSUMED: usize = 1;

impl Schema {
	/// A weather station's schema (the dev chain's schema 0): temperature in hundredths of a
	/// degree Celsius, relative humidity in tenths of a percent and pressure in tenths of a
	/// hectopascal, a reading a minute at the most. Neighbours within 3 °C, 10 % and 5 hPa
	/// agree.
	pub fn weather_station() -> Self {
		Self::of(
			"weather-station",
			&[
				("temperature", "degC", 2, -5_000, 6_000, 300),
				("humidity", "percent", 1, 0, 1_000, 100),
				("pressure", "hPa", 1, 8_700, 10_850, 50),
			],
			60,
		)
	}

	/// An energy meter's schema (the dev chain's schema 1): its registers of the watt-hours
	/// produced ([`PRODUCED`]) and consumed ([`CONSUMED`]) since it was installed, read every
	/// quarter of an hour at most, up to a terawatt-hour each. Households differ, so any two
	/// meters agree (the tolerance is the whole range): a meter's data is not sold on its
	/// neighbours' word; its registers settle energy trades.
	pub fn energy_meter() -> Self {
		Self::of(
			"energy-meter",
			&[
				("produced", "Wh", 0, 0, 1_000_000_000_000, 1_000_000_000_000),
				("consumed", "Wh", 0, 0, 1_000_000_000_000, 1_000_000_000_000),
			],
			900,
		)
	}

	/// A schema of `fields` (name, unit, decimals, min, max, tolerance) at `interval`, its
	/// labels truncated to their bound.
	pub fn of(name: &str, fields: &[(&str, &str, u8, i64, i64, u64)], interval: u32) -> Self {
		let label = |s: &str| Label::truncate_from(s.as_bytes().to_vec());
		Self {
			name: label(name),
			fields: BoundedVec::truncate_from(
				fields
					.iter()
					.map(|&(name, unit, decimals, min, max, tolerance)| Field {
						name: label(name),
						unit: label(unit),
						decimals,
						min,
						max,
						tolerance,
					})
					.collect(),
			),
			interval,
		}
	}

	/// Whether the schema can be attested under.
	pub fn check(&self) -> Result<(), SchemaError> {
		if self.fields.is_empty() {
			return Err(SchemaError::NoFields);
		}
		if self.fields.iter().any(|f| f.min > f.max) {
			return Err(SchemaError::EmptyRange);
		}
		if self.interval == 0 {
			return Err(SchemaError::ZeroInterval);
		}
		Ok(())
	}
}

/// A field's summary over a batch of readings.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Summary {
	/// The lowest value.
	pub min: i64,
	/// The highest value.
	pub max: i64,
	/// The mean, rounded toward zero.
	pub mean: i64,
}

impl Summary {
	/// Whether the summary is possible (`min ≤ mean ≤ max`) and within `field`'s range.
	pub fn fits(&self, field: &Field) -> bool {
		self.min <= self.mean
			&& self.mean <= self.max
			&& field.min <= self.min
			&& self.max <= field.max
	}

	/// Whether `value` lies within the summary's range.
	pub fn covers(&self, value: i64) -> bool {
		self.min <= value && value <= self.max
	}
}

/// The summaries of an attestation, one per field.
pub type Summaries = BoundedVec<Summary, MaxFields>;

/// The values of one reading, one per field.
pub type Values = BoundedVec<i64, MaxFields>;

/// What a device signs for a batch of readings, under [`ATTESTATION_CONTEXT`]. The cell is the
/// device's registered location: a signature made for one place does not count for another.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct AttestationStatement {
	/// The device.
	pub device: DeviceId,
	/// The epoch it attests in.
	pub epoch: EpochIndex,
	/// The schema of its readings.
	pub schema: SchemaId,
	/// Where the device is registered.
	pub cell: H3Cell,
	/// The root of the tree over the readings ([`reading_leaf`]).
	pub root: H256,
	/// The number of readings.
	pub count: u32,
	/// The time of the first reading (Unix seconds).
	pub start: u64,
	/// The time of the last reading (Unix seconds).
	pub end: u64,
	/// One summary per field of the schema.
	pub summaries: Summaries,
}

/// A device's attestation of a batch of readings, signed by its key; anyone may submit it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct Attestation {
	/// The device.
	pub device: DeviceId,
	/// The epoch it attests in.
	pub epoch: EpochIndex,
	/// The schema of its readings.
	pub schema: SchemaId,
	/// The root of the tree over the readings.
	pub root: H256,
	/// The number of readings.
	pub count: u32,
	/// The time of the first reading (Unix seconds).
	pub start: u64,
	/// The time of the last reading (Unix seconds).
	pub end: u64,
	/// One summary per field.
	pub summaries: Summaries,
	/// The device key's signature of the enveloped [`AttestationStatement`].
	pub signature: DeviceSignature,
}

impl Attestation {
	/// The statement the signature covers, for a device registered at `cell`.
	pub fn statement(&self, cell: H3Cell) -> AttestationStatement {
		AttestationStatement {
			device: self.device,
			epoch: self.epoch,
			schema: self.schema,
			cell,
			root: self.root,
			count: self.count,
			start: self.start,
			end: self.end,
			summaries: self.summaries.clone(),
		}
	}
}

/// One sampled reading with its Merkle path.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct RevealedReading {
	/// Its index in the batch.
	pub index: u32,
	/// Its time (Unix seconds).
	pub time: u64,
	/// Its values, one per field.
	pub values: Values,
	/// The path from its leaf to the attested root.
	pub path: BoundedVec<H256, MaxReadingsDepth>,
}

/// The readings of an attestation that the audit sampled; no signature: the paths lead to the
/// root the device signed.
#[derive_where(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(skip_type_params(MaxSamples))]
pub struct ReadingsReveal<MaxSamples: Get<u32>> {
	/// The device.
	pub device: DeviceId,
	/// The epoch of the attestation.
	pub epoch: EpochIndex,
	/// The sampled readings, in the order the samples were drawn.
	pub readings: BoundedVec<RevealedReading, MaxSamples>,
}

/// What happened to an attestation in its audit.
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
pub enum Quality {
	/// Compared with `neighbours` devices of other owners in its neighbourhood: `passed` of
	/// its fields lay within their tolerance of the neighbours' median.
	Scored {
		/// Neighbours compared with.
		neighbours: u32,
		/// Fields within tolerance.
		passed: u32,
		/// Fields in all.
		fields: u32,
	},
	/// Too few neighbours to compare with: its data is unverified.
	NoNeighbours,
}

/// The Merkle leaf of reading `index`.
pub fn reading_leaf<H: Hasher>(index: u32, time: u64, values: &[i64]) -> Hash {
	H::hash(&(READING_LEAF, index, time, values).encode())
}

/// The `i`-th sampled reading of a batch of `count` that `device` attested in `epoch`: the
/// first 8 bytes (LE) of `blake2_256(SAMPLE_DOMAIN ‖ seed ‖ device ‖ epoch ‖ i)` modulo
/// `count`. The seed is drawn after the attestation, so the device could not know the samples
/// when it signed its root; the root need not be hashed in.
pub fn sample_reading<H: Hasher>(
	seed: &Hash,
	device: DeviceId,
	epoch: EpochIndex,
	i: u32,
	count: u32,
) -> Option<u32> {
	crate::hash_index::<H>(&(SAMPLE_DOMAIN, seed, device, epoch, i).encode(), count)
}

/// The earliest and latest time reading `index` of `count` readings from `start` to `end` may
/// have, at least `interval` seconds apart: room for `index` readings before it and
/// `count − 1 − index` after. `None` if the batch cannot hold `count` readings.
pub fn slot(index: u32, count: u32, start: u64, end: u64, interval: u32) -> Option<(u64, u64)> {
	let after = count.checked_sub(index)?.checked_sub(1)?;
	let earliest = start.checked_add(u64::from(index).checked_mul(u64::from(interval))?)?;
	let latest = end.checked_sub(u64::from(after).checked_mul(u64::from(interval))?)?;
	(earliest <= latest).then_some((earliest, latest))
}

/// The median of `values` (sorted in place): the middle one, or the mean of the two middle
/// ones rounded toward zero. `None` if there are none.
pub fn median(values: &mut [i64]) -> Option<i64> {
	values.sort_unstable();
	let n = values.len();
	let upper = *values.get(n / 2)?;
	if n % 2 == 1 {
		return Some(upper);
	}
	let lower = *values.get(n.checked_sub(1)? / 2)?;
	// The mean of two i64 fits an i64.
	i64::try_from(i128::from(lower).checked_add(i128::from(upper))? / 2).ok()
}

/// Whether `mean` lies within `tolerance` of `median`.
pub fn within(mean: i64, median: i64, tolerance: u64) -> bool {
	// Two i64 differ by less than 2^64: no overflow in i128.
	i128::from(mean)
		.checked_sub(i128::from(median))
		.is_some_and(|difference| difference.unsigned_abs() <= u128::from(tolerance))
}

/// One reading, as a device keeps it (provider tools).
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct Reading {
	/// Its time (Unix seconds).
	pub time: u64,
	/// Its values, one per field.
	pub values: Vec<i64>,
}

/// The summaries of `readings` over `fields` fields; `None` without readings or if a reading
/// has another number of values.
pub fn summarize(readings: &[Reading], fields: usize) -> Option<Vec<Summary>> {
	let count = i128::try_from(readings.len()).ok().filter(|n| *n > 0)?;
	if readings.iter().any(|r| r.values.len() != fields) {
		return None;
	}
	(0..fields)
		.map(|f| {
			let values = readings.iter().map(|r| r.values.get(f).copied());
			let (mut min, mut max, mut sum) = (i64::MAX, i64::MIN, 0i128);
			for value in values {
				let value = value?;
				min = min.min(value);
				max = max.max(value);
				sum = sum.checked_add(i128::from(value))?;
			}
			let mean = i64::try_from(sum.checked_div(count)?).ok()?;
			Some(Summary { min, max, mean })
		})
		.collect()
}

/// The leaves of `readings`, in order.
pub fn reading_leaves<H: Hasher>(readings: &[Reading]) -> Vec<Hash> {
	readings
		.iter()
		.zip(0u32..)
		.map(|(r, index)| reading_leaf::<H>(index, r.time, &r.values))
		.collect()
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
	use super::*;
	use crate::RuntimeHasher as H;

	fn readings() -> Vec<Reading> {
		(0..10u64)
			.map(|i| Reading { time: 1_000 + 60 * i, values: vec![2_000 + i as i64, -5] })
			.collect()
	}

	#[test]
	fn a_batch_summarizes_each_field() {
		let summaries = summarize(&readings(), 2).unwrap();
		assert_eq!(summaries[0], Summary { min: 2_000, max: 2_009, mean: 2_004 });
		assert_eq!(summaries[1], Summary { min: -5, max: -5, mean: -5 });
		assert_eq!(summarize(&[], 2), None);
		assert_eq!(summarize(&readings(), 3), None);
	}

	#[test]
	fn a_revealed_reading_leads_to_the_root_of_its_batch() {
		let readings = readings();
		let tree =
			depin_merkle::MerkleTree::<H>::from_leaves(reading_leaves::<H>(&readings)).unwrap();
		let index = sample_reading::<H>(&[7; 32], 3, 5, 0, 10).unwrap();
		assert!(index < 10);
		let path = tree.proof(index).unwrap();
		let reading = &readings[index as usize];
		let leaf = reading_leaf::<H>(index, reading.time, &reading.values);
		assert_eq!(depin_merkle::root_from_path::<H>(leaf, index, &path), tree.root());
		// Another index, or other values, lead elsewhere.
		let other = reading_leaf::<H>(index, reading.time, &[reading.values[0] + 1, -5]);
		assert_ne!(depin_merkle::root_from_path::<H>(other, index, &path), tree.root());
	}

	#[test]
	fn a_slot_leaves_room_for_the_readings_around_it() {
		// 10 readings a minute apart fill 9 minutes exactly: each has one possible time.
		assert_eq!(slot(0, 10, 1_000, 1_540, 60), Some((1_000, 1_000)));
		assert_eq!(slot(9, 10, 1_000, 1_540, 60), Some((1_540, 1_540)));
		assert_eq!(slot(4, 10, 1_000, 1_600, 60), Some((1_240, 1_300)));
		// Too many readings for the span, or an index past the count.
		assert_eq!(slot(0, 11, 1_000, 1_540, 60), None);
		assert_eq!(slot(10, 10, 1_000, 1_540, 60), None);
	}

	#[test]
	fn the_median_is_the_middle_value() {
		assert_eq!(median(&mut [5, 1, 3]), Some(3));
		assert_eq!(median(&mut [4, 1, 3, 10]), Some(3));
		assert_eq!(median(&mut [i64::MAX, i64::MAX]), Some(i64::MAX));
		assert_eq!(median(&mut []), None);
		assert!(within(10, 7, 3));
		assert!(!within(11, 7, 3));
		assert!(within(i64::MIN, i64::MIN, 0));
	}

	#[test]
	fn samples_spread_over_the_batch() {
		let seen: std::collections::BTreeSet<u32> =
			(0..64).filter_map(|i| sample_reading::<H>(&[1; 32], 9, 2, i, 16)).collect();
		assert!(seen.len() > 10, "{seen:?}");
		assert_eq!(sample_reading::<H>(&[1; 32], 9, 2, 0, 0), None);
	}

	#[test]
	fn a_schema_needs_fields_ranges_and_an_interval() {
		let field = |min, max| Field {
			name: Label::truncate_from(b"t".to_vec()),
			unit: Label::truncate_from(b"degC".to_vec()),
			decimals: 2,
			min,
			max,
			tolerance: 100,
		};
		let schema = |fields: Vec<Field>, interval| Schema {
			name: Label::truncate_from(b"weather".to_vec()),
			fields: BoundedVec::truncate_from(fields),
			interval,
		};
		assert_eq!(schema(vec![field(-50, 50)], 60).check(), Ok(()));
		assert_eq!(schema(vec![], 60).check(), Err(SchemaError::NoFields));
		assert_eq!(schema(vec![field(5, 4)], 60).check(), Err(SchemaError::EmptyRange));
		assert_eq!(schema(vec![field(4, 5)], 0).check(), Err(SchemaError::ZeroInterval));
		let summary = Summary { min: -10, max: 10, mean: 0 };
		assert!(summary.fits(&field(-50, 50)));
		assert!(!summary.fits(&field(-5, 50)));
		assert!(!Summary { min: 0, max: 10, mean: 11 }.fits(&field(-50, 50)));
		assert!(summary.covers(10) && !summary.covers(11));
	}
}
