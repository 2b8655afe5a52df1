//! Sensor data, the provider's side: a batch of readings kept as the chain's audit and its
//! buyers need it, built with the chain's own functions (`depin_primitives::sensor`), so that
//! what is signed and revealed here is what the runtime checks.
//!
//! - [`Batch`]: the readings of one attestation, their Merkle tree (the reading leaves under
//!   [`RuntimeHasher`], the hasher the pallet uses) and their summaries. It signs the
//!   attestation with the device key ([`Batch::attest`]) and builds the reveal of the readings
//!   an audit samples ([`Batch::reveal`]).
//! - Batches are kept by root and device in the provider's home,
//!   `<home>/sensor/0x<root>/<device>.json` ([`BatchFile`]: the readings and the device's
//!   signed attestation; two devices may attest the same readings), which is also what the
//!   retrieval server answers `GET /v1/sensor/0x<root>[?device=<device>]` with.
//! - [`verify`]: a buyer's check of a fetched batch against what was attested: the count
//!   first (no tree is built for more readings than attested), the root recomputed leaf by
//!   leaf, every time within the span (and within the slot its index leaves it), and the
//!   summaries recomputed from the readings equal to the attested ones.
//! - [`weather`]: a smooth, deterministic field of weather (and energy) values for simulated
//!   stations: neighbours read nearly the same, as real ones do.

use std::{
	fs,
	io::Write,
	path::{Path, PathBuf},
};

use anyhow::{anyhow, bail, Context, Result};
use codec::{Decode, Encode};
use depin_merkle::MerkleTree;
use depin_primitives::{
	envelope,
	h3::H3Cell,
	sensor::{
		reading_leaves, slot, summarize, Attestation, AttestationStatement, Reading,
		ReadingsReveal, RevealedReading, Schema, SchemaId, Summary, ATTESTATION_CONTEXT,
		MAX_FIELDS, MAX_READINGS, MAX_SAMPLES,
	},
	DeviceId, DeviceKey, DevicePair, DeviceSignature, EpochIndex, RuntimeHasher,
};
use serde::{Deserialize, Deserializer, Serialize};
use sp_core::{ConstU32, H256};

pub use crate::report::{hex_h256, parse_h256};

/// A reveal as the pallet's `reveal` call takes it (its bound is the tools' [`MAX_SAMPLES`],
/// at least the runtime's; the encoding does not depend on it).
pub type Reveal = ReadingsReveal<ConstU32<MAX_SAMPLES>>;

/// The folder of a provider's sensor batches inside its home.
pub const FOLDER: &str = "sensor";

/// The readings of one attestation, as a provider keeps them.
pub struct Batch {
	/// The schema the readings follow.
	pub schema: SchemaId,
	/// The readings, in order (the leaves' order).
	pub readings: Vec<Reading>,
	/// One summary per field.
	pub summaries: Vec<Summary>,
	/// Its attestation, once signed.
	pub attestation: Option<Attestation>,
	tree: MerkleTree<RuntimeHasher>,
}

impl std::fmt::Debug for Batch {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Batch")
			.field("schema", &self.schema)
			.field("root", &self.root())
			.field("count", &self.count())
			.field("summaries", &self.summaries)
			.finish()
	}
}

impl Batch {
	/// A batch of `readings` with `fields` values each, under schema `schema`: at least one
	/// reading and at most `2^20`, every one with a value per field.
	pub fn new(schema: SchemaId, fields: usize, readings: Vec<Reading>) -> Result<Self> {
		if readings.is_empty() {
			bail!("a batch needs at least one reading");
		}
		if readings.len() > MAX_READINGS as usize {
			bail!("{} readings: one attestation covers at most {MAX_READINGS}", readings.len());
		}
		if let Some((i, r)) = readings.iter().enumerate().find(|(_, r)| r.values.len() != fields) {
			bail!(
				"reading {i} (time {}) has {} value(s); the schema has {fields} field(s)",
				r.time,
				r.values.len()
			);
		}
		let summaries = summarize(&readings, fields)
			.ok_or_else(|| anyhow!("the readings' values overflow their summaries"))?;
		let tree = MerkleTree::from_leaves(reading_leaves::<RuntimeHasher>(&readings))
			.ok_or_else(|| anyhow!("a batch needs at least one reading"))?;
		Ok(Self { schema, readings, summaries, attestation: None, tree })
	}

	/// The root over the readings.
	pub fn root(&self) -> H256 {
		H256(self.tree.root())
	}

	/// The number of readings.
	pub fn count(&self) -> u32 {
		self.readings.len() as u32
	}

	/// The time of the first reading.
	pub fn start(&self) -> u64 {
		self.readings.first().map_or(0, |r| r.time)
	}

	/// The time of the last reading.
	pub fn end(&self) -> u64 {
		self.readings.last().map_or(0, |r| r.time)
	}

	/// Check the readings against `schema` as the chain and an honest audit need them: a value
	/// per field within the field's range, times in order and at least the schema's interval
	/// apart (so that every reading lies in the slot its index leaves it: a reading out of its
	/// slot, revealed, is fraud).
	pub fn check_schema(&self, schema: &Schema) -> Result<()> {
		let name = String::from_utf8_lossy(&schema.name).into_owned();
		if self.summaries.len() != schema.fields.len() {
			bail!(
				"the readings have {} value(s) each; schema {name} has {} field(s)",
				self.summaries.len(),
				schema.fields.len()
			);
		}
		for (i, r) in self.readings.iter().enumerate() {
			for (value, field) in r.values.iter().zip(schema.fields.iter()) {
				if *value < field.min || *value > field.max {
					bail!(
						"reading {i} (time {}): {} = {value} is outside the schema's range {}..={} \
						 ({} × 10^{}: values are integers scaled by 10^decimals)",
						r.time,
						String::from_utf8_lossy(&field.name),
						field.min,
						field.max,
						String::from_utf8_lossy(&field.unit),
						field.decimals
					);
				}
			}
		}
		for (i, pair) in self.readings.windows(2).enumerate() {
			let (a, b) = (&pair[0], &pair[1]);
			if b.time < a.time.saturating_add(u64::from(schema.interval)) {
				bail!(
					"readings {i} and {} (times {} and {}) are less than {} s apart: schema {name} \
					 takes a reading every {} s at the most, in time order",
					i + 1,
					a.time,
					b.time,
					schema.interval,
					schema.interval
				);
			}
		}
		Ok(())
	}

	/// Sign the attestation of this batch for `device`, registered at `cell`, in `epoch`, on
	/// the chain of `genesis`, with the device key; the batch keeps it.
	pub fn attest(
		&mut self,
		device: DeviceId,
		epoch: EpochIndex,
		cell: H3Cell,
		genesis: H256,
		key: &DevicePair,
	) -> Result<Attestation> {
		let summaries = self
			.summaries
			.clone()
			.try_into()
			.map_err(|_| anyhow!("more fields than an attestation carries"))?;
		let statement = AttestationStatement {
			device,
			epoch,
			schema: self.schema,
			cell,
			root: self.root(),
			count: self.count(),
			start: self.start(),
			end: self.end(),
			summaries,
		};
		let signature = key.sign(&envelope::message(ATTESTATION_CONTEXT, genesis, &statement));
		let attestation = Attestation {
			device,
			epoch,
			schema: self.schema,
			root: statement.root,
			count: statement.count,
			start: statement.start,
			end: statement.end,
			summaries: statement.summaries,
			signature,
		};
		self.attestation = Some(attestation.clone());
		Ok(attestation)
	}

	/// The reveal of the readings at `sampled` (the indices `sensor_status` lists while the
	/// audit is open), in that order, for `device`'s attestation of `epoch`.
	pub fn reveal(&self, device: DeviceId, epoch: EpochIndex, sampled: &[u32]) -> Result<Reveal> {
		if sampled.len() > MAX_SAMPLES as usize {
			bail!("{} readings sampled: a reveal carries at most {MAX_SAMPLES}", sampled.len());
		}
		let mut readings = Vec::with_capacity(sampled.len());
		for &index in sampled {
			let reading = self.readings.get(index as usize).ok_or_else(|| {
				anyhow!("reading {index} is sampled, but the batch has {} readings", self.count())
			})?;
			let path = self
				.tree
				.proof(index)
				.ok_or_else(|| anyhow!("reading {index} is not in the batch"))?
				.into_iter()
				.map(H256)
				.collect::<Vec<_>>();
			readings.push(RevealedReading {
				index,
				time: reading.time,
				values: reading
					.values
					.clone()
					.try_into()
					.map_err(|_| anyhow!("reading {index} has more values than a schema fields"))?,
				path: path.try_into().map_err(|_| anyhow!("the batch's tree is too deep"))?,
			});
		}
		Ok(ReadingsReveal {
			device,
			epoch,
			readings: readings.try_into().map_err(|_| anyhow!("too many samples"))?,
		})
	}

	/// The batch as it is stored and served.
	pub fn file(&self) -> BatchFile {
		BatchFile {
			schema: self.schema,
			root: hex_h256(&self.root()),
			attestation: self.attestation.as_ref().map(AttestationJson::from),
			readings: self.readings.iter().map(ReadingJson::from).collect(),
		}
	}

	/// The batch a stored or fetched file holds, checked: its readings lead to the root it
	/// names, and its attestation (if any) is of that root.
	pub fn from_file(file: BatchFile) -> Result<Self> {
		let root = parse_h256(&file.root)?;
		let readings: Vec<Reading> = file.readings.into_iter().map(Reading::from).collect();
		let fields = readings.first().map_or(0, |r| r.values.len());
		let mut batch = Self::new(file.schema, fields, readings)?;
		if batch.root() != root {
			bail!(
				"the readings lead to the root {}, not to {} as the file says",
				hex_h256(&batch.root()),
				file.root
			);
		}
		if let Some(attestation) = file.attestation {
			let attestation = attestation.to_attestation()?;
			if attestation.root != root {
				bail!("the file's attestation is of another root ({:?})", attestation.root);
			}
			batch.attestation = Some(attestation);
		}
		Ok(batch)
	}

	/// Store the batch as `device`'s, `<folder>/0x<root>/<device>.json` (written to a temporary
	/// file, then renamed over any older copy). Returns the path.
	pub fn save(&self, folder: &Path, device: DeviceId) -> Result<PathBuf> {
		let dir = root_dir(folder, self.root());
		fs::create_dir_all(&dir)
			.with_context(|| format!("cannot create the folder {}", dir.display()))?;
		let path = batch_path(folder, device, self.root());
		let tmp = path.with_extension("json.tmp");
		let text = serde_json::to_string(&self.file())?;
		let mut file =
			fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
		file.write_all(text.as_bytes())
			.and_then(|()| file.sync_all())
			.with_context(|| format!("cannot write {}", tmp.display()))?;
		fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
		Ok(path)
	}

	/// `device`'s batch of `root` stored in `folder`.
	pub fn load(folder: &Path, device: DeviceId, root: H256) -> Result<Self> {
		let path = batch_path(folder, device, root);
		let text = fs::read_to_string(&path).with_context(|| {
			format!(
				"no batch of root {} for device {device} in {} (cannot read it)",
				hex_h256(&root),
				folder.display()
			)
		})?;
		let file: BatchFile = serde_json::from_str(&text)
			.with_context(|| format!("{} is not a sensor batch", path.display()))?;
		Self::from_file(file).with_context(|| format!("the batch {}", path.display()))
	}
}

/// The folder of the batches of `root` in `folder`: `<folder>/0x<root>`.
fn root_dir(folder: &Path, root: H256) -> PathBuf {
	folder.join(hex_h256(&root))
}

/// Where `device`'s batch of `root` is kept in `folder`: `<folder>/0x<root>/<device>.json`.
/// Two devices may attest the same readings (one root), each with an attestation of its own.
pub fn batch_path(folder: &Path, device: DeviceId, root: H256) -> PathBuf {
	root_dir(folder, root).join(format!("{device}.json"))
}

/// The kept batch of `root` in `folder`: `device`'s, or with no device named, that of the
/// lowest device number keeping one. `None` if there is none.
pub fn find_batch(folder: &Path, root: H256, device: Option<DeviceId>) -> Option<PathBuf> {
	if let Some(device) = device {
		let path = batch_path(folder, device, root);
		return path.is_file().then_some(path);
	}
	fs::read_dir(root_dir(folder, root))
		.ok()?
		.filter_map(|entry| {
			let name = entry.ok()?.file_name();
			name.to_str()?.strip_suffix(".json")?.parse::<DeviceId>().ok()
		})
		.min()
		.map(|device| batch_path(folder, device, root))
}

/// Forget `device`'s batch of `root` in `folder` (and the root's folder, once empty).
pub fn discard(folder: &Path, device: DeviceId, root: H256) {
	let _ = fs::remove_file(batch_path(folder, device, root));
	let _ = fs::remove_dir(root_dir(folder, root));
}

/// The most bytes a stored batch of `count` readings of `fields` values each takes as JSON
/// (what [`Batch::save`] writes, with room to spare): what a buyer reads of a provider's
/// answer at most, before parsing any of it.
pub fn max_file_bytes(count: u32, fields: usize) -> usize {
	// `{"time":<20 digits>,"values":[…]},` a reading, `<a sign and 19 digits>,` a value; the
	// root, the attestation (its summaries and signature) and the keys around them in the rest.
	const READING: usize = 48;
	const VALUE: usize = 22;
	const REST: usize = 4096 + MAX_FIELDS as usize * 3 * VALUE * 2;
	let per_reading = READING.saturating_add(VALUE.saturating_mul(fields.min(MAX_FIELDS as usize)));
	(count.min(MAX_READINGS) as usize).saturating_mul(per_reading).saturating_add(REST)
}

/// A JSON list of at most `most` items: what a hostile file or server sends past that is
/// refused while it is read, not held.
fn bounded<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
	deserializer: D,
	most: usize,
) -> std::result::Result<Vec<T>, D::Error> {
	struct Bounded<T> {
		most: usize,
		item: std::marker::PhantomData<T>,
	}
	impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Bounded<T> {
		type Value = Vec<T>;
		fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
			write!(f, "a list of at most {} items", self.most)
		}
		fn visit_seq<A: serde::de::SeqAccess<'de>>(
			self,
			mut seq: A,
		) -> std::result::Result<Vec<T>, A::Error> {
			let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
			while let Some(item) = seq.next_element::<T>()? {
				if items.len() >= self.most {
					return Err(serde::de::Error::custom(format!(
						"more than {} items in a list",
						self.most
					)));
				}
				items.push(item);
			}
			Ok(items)
		}
	}
	deserializer.deserialize_seq(Bounded { most, item: std::marker::PhantomData })
}

fn at_most_readings<'de, D: Deserializer<'de>>(
	deserializer: D,
) -> std::result::Result<Vec<ReadingJson>, D::Error> {
	bounded(deserializer, MAX_READINGS as usize)
}

fn at_most_fields<'de, D: Deserializer<'de>>(
	deserializer: D,
) -> std::result::Result<Vec<i64>, D::Error> {
	bounded(deserializer, MAX_FIELDS as usize)
}

/// A batch as stored in `<home>/sensor/0x<root>/<device>.json` and served over HTTP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchFile {
	/// The schema the readings follow.
	pub schema: SchemaId,
	/// The root over the readings (`0x…`).
	pub root: String,
	/// The device's signed attestation of the batch, once made.
	#[serde(default)]
	pub attestation: Option<AttestationJson>,
	/// The readings, in order (at most [`MAX_READINGS`], refused while parsed past that).
	#[serde(deserialize_with = "at_most_readings")]
	pub readings: Vec<ReadingJson>,
}

/// One reading as JSON: Unix seconds and one integer a field, scaled by `10^decimals`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadingJson {
	pub time: u64,
	/// At most [`MAX_FIELDS`], refused while parsed past that.
	#[serde(deserialize_with = "at_most_fields")]
	pub values: Vec<i64>,
}

impl From<&Reading> for ReadingJson {
	fn from(r: &Reading) -> Self {
		Self { time: r.time, values: r.values.clone() }
	}
}

impl From<ReadingJson> for Reading {
	fn from(r: ReadingJson) -> Self {
		Self { time: r.time, values: r.values }
	}
}

/// A field's summary as JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryJson {
	pub min: i64,
	pub max: i64,
	pub mean: i64,
}

impl From<&Summary> for SummaryJson {
	fn from(s: &Summary) -> Self {
		Self { min: s.min, max: s.max, mean: s.mean }
	}
}

impl From<SummaryJson> for Summary {
	fn from(s: SummaryJson) -> Self {
		Self { min: s.min, max: s.max, mean: s.mean }
	}
}

/// A signed attestation as JSON; the signature is the SCALE encoding of the device's
/// signature (its scheme, then its bytes), in hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttestationJson {
	pub device: DeviceId,
	pub epoch: EpochIndex,
	pub schema: SchemaId,
	pub root: String,
	pub count: u32,
	pub start: u64,
	pub end: u64,
	pub summaries: Vec<SummaryJson>,
	pub signature: String,
}

impl From<&Attestation> for AttestationJson {
	fn from(a: &Attestation) -> Self {
		Self {
			device: a.device,
			epoch: a.epoch,
			schema: a.schema,
			root: hex_h256(&a.root),
			count: a.count,
			start: a.start,
			end: a.end,
			summaries: a.summaries.iter().map(SummaryJson::from).collect(),
			signature: format!("0x{}", hex::encode(a.signature.encode())),
		}
	}
}

impl AttestationJson {
	/// The attestation it describes.
	pub fn to_attestation(&self) -> Result<Attestation> {
		let bytes = hex::decode(self.signature.trim_start_matches("0x"))
			.context("the attestation's signature is not hex")?;
		let signature = DeviceSignature::decode(&mut &bytes[..])
			.map_err(|_| anyhow!("the attestation's signature is not a device signature"))?;
		let summaries: Vec<Summary> = self.summaries.iter().copied().map(Summary::from).collect();
		Ok(Attestation {
			device: self.device,
			epoch: self.epoch,
			schema: self.schema,
			root: parse_h256(&self.root)?,
			count: self.count,
			start: self.start,
			end: self.end,
			summaries: summaries
				.try_into()
				.map_err(|_| anyhow!("the attestation has more summaries than a schema fields"))?,
			signature,
		})
	}
}

/// Whether `attestation` is signed by `key` for a device registered at `cell` on the chain of
/// `genesis`: the check the pallet makes.
pub fn signed_by(attestation: &Attestation, key: &DeviceKey, cell: H3Cell, genesis: H256) -> bool {
	let message = envelope::message(ATTESTATION_CONTEXT, genesis, &attestation.statement(cell));
	key.verify(&message, &attestation.signature)
}

/// What a batch claims to be, as the device's attestation says (and the chain's record of it
/// confirms): what a fetched batch is verified against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
	pub root: H256,
	pub count: u32,
	pub start: u64,
	pub end: u64,
	/// The schema's interval: each reading's time must lie in the slot its index leaves it.
	pub interval: Option<u32>,
	/// The attested summaries, one per field: the readings' own must be these.
	pub summaries: Vec<Summary>,
}

impl Claim {
	/// What `attestation` claims, under a schema of `interval`.
	pub fn of(attestation: &Attestation, interval: Option<u32>) -> Self {
		Self {
			root: attestation.root,
			count: attestation.count,
			start: attestation.start,
			end: attestation.end,
			interval,
			summaries: attestation.summaries.to_vec(),
		}
	}
}

/// Check `readings` against `claim`: first that there are as many as it says (at most
/// [`MAX_READINGS`]) with a value per attested field, so that no tree is built for more; then
/// leaf by leaf that they lead to its root (the tree recomputed from every reading's leaf);
/// that every time lies within its span (and, with the interval, within the slot its index
/// leaves it), the first and the last at its ends; and that the readings' summaries (min, max
/// and mean, which the chain's audit only samples) are exactly the attested ones. Returns them.
pub fn verify(readings: &[Reading], claim: &Claim) -> Result<Vec<Summary>> {
	if claim.count == 0 || claim.count > MAX_READINGS {
		bail!("the attestation claims {} readings: one covers 1 to {MAX_READINGS}", claim.count);
	}
	if readings.len() != claim.count as usize {
		bail!("{} readings, where {} were attested", readings.len(), claim.count);
	}
	let fields = claim.summaries.len();
	if let Some((i, r)) = readings.iter().enumerate().find(|(_, r)| r.values.len() != fields) {
		bail!("reading {i} has {} value(s), where {fields} were attested", r.values.len());
	}
	let root = MerkleTree::<RuntimeHasher>::from_leaves(reading_leaves::<RuntimeHasher>(readings))
		.map(|tree| H256(tree.root()))
		.ok_or_else(|| anyhow!("the batch has no readings"))?;
	if root != claim.root {
		bail!(
			"the readings lead to the root {}, not to the attested {}: they are not the data \
			 attested",
			hex_h256(&root),
			hex_h256(&claim.root)
		);
	}
	for (i, r) in readings.iter().enumerate() {
		if r.time < claim.start || r.time > claim.end {
			bail!(
				"reading {i} is of time {}, outside the attested span {}..={}",
				r.time,
				claim.start,
				claim.end
			);
		}
		if let Some(interval) = claim.interval {
			let fits = slot(i as u32, claim.count, claim.start, claim.end, interval)
				.is_some_and(|(earliest, latest)| earliest <= r.time && r.time <= latest);
			if !fits {
				bail!(
					"reading {i} (time {}) lies outside the slot its index leaves it in {} readings \
					 from {} to {} at least {interval} s apart",
					r.time,
					claim.count,
					claim.start,
					claim.end
				);
			}
		}
		if let Some((f, (value, s))) =
			r.values.iter().zip(&claim.summaries).enumerate().find(|(_, (v, s))| !s.covers(**v))
		{
			bail!(
				"reading {i}: field {f} = {value} lies outside its attested summary {}..={}",
				s.min,
				s.max
			);
		}
	}
	let (first, last) = (readings.first().map(|r| r.time), readings.last().map(|r| r.time));
	if first != Some(claim.start) || last != Some(claim.end) {
		bail!(
			"the readings run from {} to {}, not over the attested span {}..={}",
			first.unwrap_or_default(),
			last.unwrap_or_default(),
			claim.start,
			claim.end
		);
	}
	let summaries =
		summarize(readings, fields).ok_or_else(|| anyhow!("the readings' values overflow"))?;
	if let Some((f, (own, attested))) = summaries
		.iter()
		.zip(&claim.summaries)
		.enumerate()
		.find(|(_, (own, attested))| own != attested)
	{
		bail!(
			"field {f}: the readings' summary (min {}, max {}, mean {}) is not the attested one \
			 (min {}, max {}, mean {}): they are not the data attested",
			own.min,
			own.max,
			own.mean,
			attested.min,
			attested.max,
			attested.mean
		);
	}
	Ok(summaries)
}

/// The times a station with schema `interval` reads at, from the first after `last_end` (the
/// chain's record of its last attested reading) and no earlier than `earliest`, to `now`: on
/// the grid of multiples of the interval, so that neighbours read at the same moments.
pub fn due_times(last_end: u64, earliest: u64, now: u64, interval: u32) -> Vec<u64> {
	let interval = u64::from(interval.max(1));
	let from = last_end.saturating_add(interval).max(earliest);
	let first = from.div_ceil(interval).saturating_mul(interval);
	let mut times = Vec::new();
	let mut t = first;
	while t <= now && times.len() < MAX_READINGS as usize {
		times.push(t);
		t = t.saturating_add(interval);
	}
	times
}

/// Simulated weather: a smooth field over time, the same for neighbouring stations up to a
/// little noise of their own, so that neighbours agree as real ones do.
pub mod weather {
	use super::*;
	use std::f64::consts::TAU;

	const DAY: f64 = 86_400.0;

	/// A uniform value in `[-1, 1]`, fixed by `(station, time, what)`.
	fn noise(station: u64, time: u64, what: u32) -> f64 {
		let hash =
			sp_crypto_hashing::blake2_256(&(b"depin/sim/weather", station, time, what).encode());
		let mut word = [0u8; 8];
		word.copy_from_slice(&hash[..8]);
		(u64::from_le_bytes(word) as f64 / u64::MAX as f64) * 2.0 - 1.0
	}

	/// The temperature (°C) at `time` where the day's mean is `around`: a daily cycle (warmest
	/// mid-afternoon), a slower swing of the weather, and, for `station`, a constant offset of
	/// at most 0.2 °C and noise of at most 0.15 °C.
	pub fn temperature(station: u64, around: f64, time: u64) -> f64 {
		let t = time as f64;
		around
			+ 4.0 * (TAU * (t - 9.0 * 3_600.0) / DAY).sin()
			+ 1.0 * (TAU * t / (3.0 * DAY)).sin()
			+ 0.2 * noise(station, 0, 0)
			+ 0.15 * noise(station, time, 1)
	}

	/// The values of `schema`'s fields that `station` reads at `time`, scaled by each field's
	/// `10^decimals` and kept within its range: a field named `temperature` (°C) around
	/// `around`, `humidity` (%) falling as it warms, `pressure` (hPa) near 1013, any other field
	/// near the middle of its range (a meter's registers are [`super::meter`]'s).
	pub fn values(schema: &Schema, station: u64, around: f64, time: u64) -> Vec<i64> {
		let t = time as f64;
		let temperature = temperature(station, around, time);
		schema
			.fields
			.iter()
			.enumerate()
			.map(|(f, field)| {
				let n = noise(station, time, 10 + f as u32);
				let value = match field.name.as_slice() {
					b"temperature" => temperature,
					b"humidity" => 60.0 - 2.0 * (temperature - around) + 0.5 * n,
					b"pressure" => 1_013.0 + 3.0 * (TAU * t / (4.0 * DAY)).sin() + 0.2 * n,
					_ => {
						let scale = 10f64.powi(i32::from(field.decimals));
						let middle = (field.min as f64 + field.max as f64) / 2.0 / scale;
						let span = (field.max as f64 - field.min as f64) / scale;
						middle + 0.01 * span * n
					},
				};
				scaled(value, field.decimals).clamp(field.min, field.max)
			})
			.collect()
	}

	/// `value` in a field's unit as the chain keeps it: times `10^decimals`, rounded.
	pub fn scaled(value: f64, decimals: u8) -> i64 {
		(value * 10f64.powi(i32::from(decimals))).round() as i64
	}

	/// `station`'s readings at `times`.
	pub fn readings(schema: &Schema, station: u64, around: f64, times: &[u64]) -> Vec<Reading> {
		times
			.iter()
			.map(|&time| Reading { time, values: values(schema, station, around, time) })
			.collect()
	}
}

/// Simulated energy meters: `produced` and `consumed` are registers, the watt-hours a
/// household's meter counted since it was installed (on [`meter::INSTALLED`]), which only grow.
/// Power follows closed-form curves, so a register at any time is an integral computed at
/// once: consumption of 500 W ± 200 W (highest in the evening), and for a household with
/// panels, 300 W of a small wind turbine plus solar peaking at 1.7 kW at noon (UTC).
pub mod meter {
	use super::*;
	use std::f64::consts::{PI, TAU};

	/// When the simulated meters were installed: 2026-01-01 00:00 UTC.
	pub const INSTALLED: u64 = 1_767_225_600;
	const DAY: f64 = 86_400.0;
	const OMEGA: f64 = TAU / DAY;

	/// `∫ max(0, sin u) du` from 0 to `x`.
	fn positive_sine(x: f64) -> f64 {
		let periods = (x / TAU).floor();
		let y = x - periods * TAU;
		2.0 * periods + if y < PI { 1.0 - y.cos() } else { 2.0 }
	}

	/// A meter's own scale, 1.0 to 1.4: households differ.
	fn scale(meter: u64) -> f64 {
		1.0 + 0.1 * (meter % 5) as f64
	}

	/// Joules of `power` (watts, of seconds since midnight UTC) from [`INSTALLED`] to `time`,
	/// given its antiderivative.
	fn energy(time: u64, antiderivative: impl Fn(f64) -> f64) -> f64 {
		let t = time.max(INSTALLED) as f64;
		antiderivative(t) - antiderivative(INSTALLED as f64)
	}

	/// Watt-hours `meter` counted as produced up to `time` (none without panels).
	pub fn produced(meter: u64, panels: bool, time: u64) -> i64 {
		if !panels {
			return 0;
		}
		let joules = energy(time, |t| {
			300.0 * t + 1_700.0 * positive_sine(OMEGA * (t - 6.0 * 3_600.0)) / OMEGA
		});
		(scale(meter) * joules / 3_600.0).floor() as i64
	}

	/// Watt-hours `meter` counted as consumed up to `time`.
	pub fn consumed(meter: u64, time: u64) -> i64 {
		let joules =
			energy(time, |t| 500.0 * t + 200.0 * (OMEGA * (t - 18.0 * 3_600.0)).sin() / OMEGA);
		(scale(meter) * joules / 3_600.0).floor() as i64
	}

	/// The values of `schema`'s fields that `meter` reads at `time`: the registers by their
	/// names, any other field as [`weather::values`] reads it.
	pub fn values(schema: &Schema, meter: u64, panels: bool, time: u64) -> Vec<i64> {
		let mut values = weather::values(schema, meter, 14.0, time);
		for (value, field) in values.iter_mut().zip(schema.fields.iter()) {
			let register = match field.name.as_slice() {
				b"produced" => produced(meter, panels, time),
				b"consumed" => consumed(meter, time),
				_ => continue,
			};
			*value = register.clamp(field.min, field.max);
		}
		values
	}

	/// Whether `schema` is a meter's: it has a `produced` or a `consumed` field.
	pub fn is_meter(schema: &Schema) -> bool {
		schema.fields.iter().any(|f| matches!(f.name.as_slice(), b"produced" | b"consumed"))
	}

	/// `meter`'s readings at `times`.
	pub fn readings(schema: &Schema, meter: u64, panels: bool, times: &[u64]) -> Vec<Reading> {
		times
			.iter()
			.map(|&time| Reading { time, values: values(schema, meter, panels, time) })
			.collect()
	}
}

/// Simulated readings of `device` under `schema` at `times`: a meter's registers (a household
/// with panels) for a meter's schema, else weather around `around` °C.
pub fn simulated(schema: &Schema, device: u64, around: f64, times: &[u64]) -> Vec<Reading> {
	if meter::is_meter(schema) {
		meter::readings(schema, device, true, times)
	} else {
		weather::readings(schema, device, around, times)
	}
}

/// Readings from a file: JSON (a list of `{"time": …, "values": […]}`, or a stored batch) or
/// CSV (`time,value,value,…` a line, an optional header line). Times are Unix seconds; values
/// are integers in each field's unit scaled by `10^decimals` (21.37 °C with two decimals is
/// 2137).
pub fn parse_readings(text: &str) -> Result<Vec<Reading>> {
	let trimmed = text.trim_start();
	if trimmed.starts_with('[') {
		let list: Vec<ReadingJson> = serde_json::from_str(trimmed).context(
			"not a JSON list of readings ({\"time\": unix seconds, \"values\": [integers]})",
		)?;
		return Ok(list.into_iter().map(Reading::from).collect());
	}
	if trimmed.starts_with('{') {
		let file: BatchFile =
			serde_json::from_str(trimmed).context("not a stored sensor batch (JSON)")?;
		return Ok(file.readings.into_iter().map(Reading::from).collect());
	}
	let mut readings = Vec::new();
	for (n, line) in text.lines().enumerate() {
		let line = line.trim();
		if line.is_empty() || line.starts_with('#') {
			continue;
		}
		let cells: Vec<&str> = line.split(',').map(str::trim).collect();
		let Some((time, values)) = cells.split_first() else { continue };
		let Ok(time) = time.parse::<u64>() else {
			if readings.is_empty() && time.parse::<f64>().is_err() {
				// A header line.
				continue;
			}
			bail!("line {}: `{time}` is not a time (Unix seconds)", n + 1);
		};
		let values = values
			.iter()
			.map(|v| {
				v.parse::<i64>().map_err(|_| {
					if v.contains('.') {
						anyhow!(
							"line {}: `{v}` is not an integer: values are scaled by 10^decimals \
							 (21.37 °C with two decimals is 2137)",
							n + 1
						)
					} else {
						anyhow!("line {}: `{v}` is not an integer value", n + 1)
					}
				})
			})
			.collect::<Result<Vec<i64>>>()?;
		readings.push(Reading { time, values });
	}
	if readings.is_empty() {
		bail!("no readings (CSV lines `time,value,…`, or a JSON list)");
	}
	Ok(readings)
}

#[cfg(test)]
mod tests {
	use super::*;
	use depin_primitives::sensor::{reading_leaf, sample_reading};
	use sp_core::Pair as _;

	fn schema() -> Schema {
		Schema::weather_station()
	}

	fn readings(n: u64) -> Vec<Reading> {
		weather::readings(
			&schema(),
			7,
			20.0,
			&(0..n).map(|i| 1_800_000_000 + 60 * i).collect::<Vec<_>>(),
		)
	}

	fn key() -> DevicePair {
		DevicePair::Ed25519(sp_core::ed25519::Pair::from_seed(&[3; 32]))
	}

	fn cell() -> H3Cell {
		H3Cell::new(0x8c1fb46625551ff).unwrap()
	}

	#[test]
	fn a_batch_signs_what_the_pallet_checks_and_reveals_paths_to_its_root() {
		let mut batch = Batch::new(0, 3, readings(10)).unwrap();
		batch.check_schema(&schema()).unwrap();
		let genesis = H256::repeat_byte(9);
		let attestation = batch.attest(5, 12, cell(), genesis, &key()).unwrap();
		assert_eq!((attestation.count, attestation.root), (10, batch.root()));
		assert_eq!(attestation.summaries.to_vec(), batch.summaries);
		assert!(signed_by(&attestation, &key().public(), cell(), genesis));
		// Another cell or chain, or a changed field, does not verify.
		let elsewhere = H3Cell::new(0x8c1f1d48945d9ff).unwrap();
		assert!(!signed_by(&attestation, &key().public(), elsewhere, genesis));
		assert!(!signed_by(&attestation, &key().public(), cell(), H256::zero()));
		let mut inflated = attestation.clone();
		inflated.count = 11;
		assert!(!signed_by(&inflated, &key().public(), cell(), genesis));

		// Every sampled reading leads to the root with a path of the tree's depth, as the
		// pallet checks it.
		let seed = [4u8; 32];
		let sampled: Vec<u32> =
			(0..4).filter_map(|i| sample_reading::<RuntimeHasher>(&seed, 5, 12, i, 10)).collect();
		let reveal = batch.reveal(5, 12, &sampled).unwrap();
		assert_eq!(reveal.readings.len(), 4);
		for r in reveal.readings.iter() {
			assert_eq!(r.path.len() as u32, depin_merkle::depth_for(10));
			let leaf = reading_leaf::<RuntimeHasher>(r.index, r.time, &r.values);
			let path: Vec<[u8; 32]> = r.path.iter().map(|h| h.0).collect();
			assert_eq!(
				depin_merkle::root_from_path::<RuntimeHasher>(leaf, r.index, &path),
				batch.root().0
			);
			assert!(attestation.summaries.iter().zip(r.values.iter()).all(|(s, v)| s.covers(*v)));
		}
		assert!(batch.reveal(5, 12, &[10]).is_err());
		assert!(batch.reveal(5, 12, &[0; 9]).is_err());
	}

	#[test]
	fn batches_are_kept_by_root_and_device_and_read_back_with_their_attestation() {
		let dir = tempfile::tempdir().unwrap();
		let mut batch = Batch::new(0, 3, readings(5)).unwrap();
		batch.attest(5, 12, cell(), H256::repeat_byte(9), &key()).unwrap();
		let path = batch.save(dir.path(), 5).unwrap();
		assert_eq!(path, dir.path().join(hex_h256(&batch.root())).join("5.json"));
		let back = Batch::load(dir.path(), 5, batch.root()).unwrap();
		assert_eq!(back.readings, batch.readings);
		assert_eq!(back.attestation, batch.attestation);
		assert_eq!(back.summaries, batch.summaries);

		// Another device attesting the same readings keeps its own attestation beside it; by
		// root alone, the lowest device's batch is found.
		let mut same = Batch::new(0, 3, readings(5)).unwrap();
		same.attest(3, 12, cell(), H256::repeat_byte(9), &key()).unwrap();
		let other = same.save(dir.path(), 3).unwrap();
		assert_ne!(other, path);
		assert_eq!(
			Batch::load(dir.path(), 5, batch.root()).unwrap().attestation,
			batch.attestation
		);
		assert_eq!(Batch::load(dir.path(), 3, batch.root()).unwrap().attestation, same.attestation);
		assert_eq!(find_batch(dir.path(), batch.root(), None), Some(other.clone()));
		assert_eq!(find_batch(dir.path(), batch.root(), Some(5)), Some(path.clone()));
		assert_eq!(find_batch(dir.path(), batch.root(), Some(4)), None);
		discard(dir.path(), 3, batch.root());
		assert_eq!(find_batch(dir.path(), batch.root(), None), Some(path.clone()));

		// A file whose readings were changed no longer leads to its root.
		let mut file = batch.file();
		file.readings[2].values[0] += 1;
		std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
		let error = format!("{:#}", Batch::load(dir.path(), 5, batch.root()).unwrap_err());
		assert!(error.contains("lead to the root"), "{error}");
		let missing =
			format!("{:#}", Batch::load(dir.path(), 5, H256::repeat_byte(1)).unwrap_err());
		assert!(missing.contains("no batch of root"), "{missing}");
	}

	#[test]
	fn a_batch_file_is_refused_while_it_is_read_past_its_bounds() {
		let batch = Batch::new(0, 3, readings(3)).unwrap();
		let text = serde_json::to_string(&batch.file()).unwrap();
		assert!(text.len() <= max_file_bytes(3, 3), "{} > {}", text.len(), max_file_bytes(3, 3));
		let mut file = batch.file();
		file.readings[0].values = vec![1; MAX_FIELDS as usize + 1];
		let text = serde_json::to_string(&file).unwrap();
		let error = serde_json::from_str::<BatchFile>(&text).unwrap_err().to_string();
		assert!(error.contains("more than 8 items"), "{error}");
		assert_eq!(max_file_bytes(MAX_READINGS + 1, 99), max_file_bytes(MAX_READINGS, 8));
	}

	#[test]
	fn a_fetched_batch_is_verified_leaf_by_leaf_against_its_attestation() {
		let mut batch = Batch::new(0, 3, readings(6)).unwrap();
		let attestation = batch.attest(5, 12, cell(), H256::repeat_byte(9), &key()).unwrap();
		let claim = Claim::of(&attestation, Some(60));
		assert_eq!(verify(&batch.readings, &claim).unwrap(), batch.summaries);

		let error =
			|readings: &[Reading], claim: &Claim| verify(readings, claim).unwrap_err().to_string();
		// A changed value, a reordered reading: another root; a dropped one: another count,
		// refused before any tree is built.
		let mut changed = batch.readings.clone();
		changed[3].values[1] += 1;
		assert!(error(&changed, &claim).contains("not the data attested"));
		assert!(error(&batch.readings[..5], &claim).contains("6 were attested"));
		assert!(error(&batch.readings[..0], &Claim { count: MAX_READINGS + 1, ..claim.clone() })
			.contains("one covers 1 to"));
		let mut swapped = batch.readings.clone();
		swapped.swap(0, 1);
		assert!(error(&swapped, &claim).contains("not the data attested"));
		// The right root, but a claim it does not keep to: another count, a span that leaves
		// a reading out, a summary a value lies outside, slots too narrow.
		assert!(error(&batch.readings, &Claim { count: 7, ..claim.clone() })
			.contains("7 were attested"));
		assert!(error(&batch.readings, &Claim { start: claim.start + 1, ..claim.clone() })
			.contains("outside the attested span"));
		let mut narrow = attestation.summaries.to_vec();
		narrow[0].max -= 1;
		let narrow = Claim { summaries: narrow, ..claim.clone() };
		assert!(error(&batch.readings, &narrow).contains("outside its attested summary"));
		assert!(error(&batch.readings, &Claim { interval: Some(61), ..claim.clone() })
			.contains("outside the slot"));
		// Summaries whose ranges cover every value but whose mean (or exact range) is not the
		// readings' own: what a buyer pays for is checked, not only sampled.
		let mut mean = attestation.summaries.to_vec();
		mean[1].mean += 1;
		let mean = Claim { summaries: mean, ..claim.clone() };
		assert!(error(&batch.readings, &mean).contains("is not the attested one"));
		let mut wide = attestation.summaries.to_vec();
		wide[2].min -= 1;
		let wide = Claim { summaries: wide, ..claim.clone() };
		assert!(error(&batch.readings, &wide).contains("is not the attested one"));
		// A span wider than the readings run.
		let early = Claim { start: claim.start - 1, interval: None, ..claim.clone() };
		assert!(error(&batch.readings, &early).contains("not over the attested span"));
		// Without the interval, the slots are not checked.
		let loose = Claim { interval: None, ..claim };
		assert!(verify(&batch.readings, &loose).is_ok());
	}

	#[test]
	fn readings_are_checked_against_their_schema_before_they_are_attested() {
		let error = |readings: Vec<Reading>| {
			let batch = Batch::new(0, readings[0].values.len(), readings).unwrap();
			batch.check_schema(&schema()).unwrap_err().to_string()
		};
		let mut hot = readings(3);
		hot[1].values[0] = 9_999;
		assert!(error(hot).contains("outside the schema's range"));
		let mut close = readings(3);
		close[2].time = close[1].time + 59;
		assert!(error(close).contains("less than 60 s apart"));
		let mut backwards = readings(3);
		backwards.swap(0, 2);
		assert!(error(backwards).contains("in time order"));
		let two = readings(2).into_iter().map(|r| Reading { values: r.values[..2].to_vec(), ..r });
		assert!(error(two.collect()).contains("2 value(s) each"));
		assert!(Batch::new(0, 3, vec![]).is_err());
		let short = vec![Reading { time: 1, values: vec![1, 2] }];
		assert!(Batch::new(0, 3, short).unwrap_err().to_string().contains("has 2 value(s)"));
	}

	#[test]
	fn readings_parse_from_csv_and_json() {
		let csv = "time,temperature,humidity,pressure\n1800000000,2137,455,10132\n\n1800000060, 2140,454,10131\n";
		let parsed = parse_readings(csv).unwrap();
		assert_eq!(
			parsed,
			vec![
				Reading { time: 1_800_000_000, values: vec![2137, 455, 10132] },
				Reading { time: 1_800_000_060, values: vec![2140, 454, 10131] },
			]
		);
		let json = r#"[{"time": 1800000000, "values": [2137, 455, 10132]}]"#;
		assert_eq!(parse_readings(json).unwrap(), parsed[..1]);
		let stored =
			serde_json::to_string(&Batch::new(0, 3, parsed.clone()).unwrap().file()).unwrap();
		assert_eq!(parse_readings(&stored).unwrap(), parsed);
		assert!(parse_readings("1800000000,21.37,455,10132")
			.unwrap_err()
			.to_string()
			.contains("scaled"));
		assert!(parse_readings("1800000000,2137\nsoon,1")
			.unwrap_err()
			.to_string()
			.contains("not a time"));
		assert!(parse_readings("time,t\n").is_err());
		assert!(parse_readings("[{\"time\": 1}]").is_err());
	}

	#[test]
	fn stations_read_on_the_interval_grid_after_their_last_attested_reading() {
		assert_eq!(due_times(1_000, 0, 1_250, 60), vec![1_080, 1_140, 1_200]);
		assert_eq!(due_times(1_020, 0, 1_079, 60), Vec::<u64>::new());
		// No earlier than `earliest`.
		assert_eq!(due_times(0, 1_190, 1_250, 60), vec![1_200]);
	}

	#[test]
	fn meters_count_energy_in_registers_that_only_grow() {
		let schema = Schema::energy_meter();
		assert!(meter::is_meter(&schema) && !meter::is_meter(&Schema::weather_station()));
		assert_eq!(meter::values(&schema, 1, true, meter::INSTALLED), vec![0, 0]);
		// A day: 300 W of wind and solar of 1.7 kW × 2/π on average, 500 W of consumption.
		let day = meter::INSTALLED + 86_400;
		let solar = 1_700.0 * 2.0 / std::f64::consts::PI / 2.0;
		let produced = meter::produced(0, true, day) as f64;
		assert!((produced - 24.0 * (300.0 + solar)).abs() < 2.0, "{produced}");
		assert!((meter::consumed(0, day) - 12_000).abs() <= 1);
		assert_eq!(meter::produced(0, false, day), 0);
		// Minute by minute over two days, at a meter's scale: never back, at most 2.8 kW × 1.4.
		let mut last = meter::values(&schema, 3, true, day);
		for minute in 1..2 * 1_440 {
			let now = meter::values(&schema, 3, true, day + 60 * minute);
			for (a, b) in last.iter().zip(&now) {
				assert!(b >= a && b - a <= 70, "minute {minute}: {last:?} then {now:?}");
			}
			last = now;
		}
		let readings = simulated(&schema, 3, 20.0, &[day]);
		assert_eq!(readings[0].values, meter::values(&schema, 3, true, day));
	}

	#[test]
	fn neighbouring_stations_agree_and_stay_in_range() {
		let schema = schema();
		let times: Vec<u64> = (0..200).map(|i| 1_800_000_000 + 600 * i).collect();
		for &time in &times {
			let a = weather::values(&schema, 1, 20.0, time);
			let b = weather::values(&schema, 2, 20.0, time);
			for ((x, y), field) in a.iter().zip(&b).zip(schema.fields.iter()) {
				assert!((x - y).unsigned_abs() <= field.tolerance / 2, "{time}: {a:?} {b:?}");
				assert!(field.min <= *x && *x <= field.max);
			}
		}
		assert_eq!(weather::scaled(21.374, 2), 2137);
		assert_eq!(weather::scaled(-0.05, 1), -1);
	}
}
