//! Sensors: enrolment, attesting batches of readings, the reveals their audits ask for, a
//! device's record, data subscriptions, and fetching and verifying a bought batch.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use depin_primitives::{
	device::DeviceSignature,
	device::{DeviceKind, DeviceStatus},
	h3::H3Cell,
	sensor::{
		Attestation, CertificateStatement, MakerId, Quality, Reading, Schema, SchemaId,
		SensorStatus, Summary, CERTIFICATE_CONTEXT, MAX_FIELDS, MAX_READINGS,
	},
	DevicePair, EpochIndex,
};
use serde_json::{json, Value};
use subxt_signer::sr25519::Keypair;

use super::{error_text, status_name, Home};
use crate::{
	chain::{bridge, BlockNumber, Chain, ChainDevice, Included},
	depin,
	report::{dpn, hex_h256, Report},
	retrieval,
	sensor::{self, Batch, Claim},
};

impl Home {
	/// The folder of the provider's sensor batches.
	pub fn sensor_dir(&self) -> PathBuf {
		self.0.join(sensor::FOLDER)
	}
}

/// Where the readings of an attestation come from.
#[derive(Clone, Debug)]
pub enum Readings {
	/// A CSV or JSON file of readings (see [`sensor::parse_readings`]).
	File(PathBuf),
	/// Simulated readings, every one due since the device's last attested one: weather around
	/// this temperature (°C), or a meter's registers under a meter's schema
	/// ([`sensor::simulated`]).
	Simulate { around: f64 },
}

/// The sensor device `device`, checked to be one.
async fn sensor_device(chain: &Chain, device: u64) -> Result<ChainDevice> {
	let found =
		chain.device(device).await?.ok_or_else(|| anyhow!("there is no device {device}"))?;
	if found.kind != DeviceKind::Sensor {
		bail!(
			"device {device} is a {} device: only sensor devices attest readings",
			super::kind_name(found.kind)
		);
	}
	Ok(found)
}

/// Maker `maker`'s certificate of `device`'s current key, signed with the maker's key
/// `maker_key` (what the maker's factory does when it makes the device): the statement of the
/// maker, its schema and the device's key, for this chain.
pub async fn certificate(
	chain: &Chain,
	maker: MakerId,
	maker_key: &DevicePair,
	device: u64,
) -> Result<DeviceSignature> {
	let found = sensor_device(chain, device).await?;
	let record =
		chain.maker(maker).await?.ok_or_else(|| anyhow!("no trusted maker has number {maker}"))?;
	let statement = CertificateStatement { maker, schema: record.schema, device_key: found.key };
	Ok(maker_key.sign_statement(CERTIFICATE_CONTEXT, chain.genesis(), &statement))
}

/// Hand the chain maker `maker`'s certificate of a sensor device's key (`certify`), by the
/// device's owner or manager: the maker's signature, or signed here with the maker's key.
pub async fn sensor_certify(
	chain: &Chain,
	signer: &Keypair,
	device: u64,
	maker: MakerId,
	signature: CertificateSource<'_>,
) -> Result<Report> {
	let signature = match signature {
		CertificateSource::Signature(hex) => {
			let bytes = hex::decode(hex.trim_start_matches("0x"))
				.context("--certificate is the maker's signature in hex")?;
			codec::Decode::decode(&mut &bytes[..])
				.context("--certificate is a SCALE-encoded device signature (scheme byte first)")?
		},
		CertificateSource::MakerKey(pair) => certificate(chain, maker, pair, device).await?,
	};
	let call = depin::tx().sensors().certify(device, maker, bridge(&signature)?);
	let included = chain.submit(&call, signer).await?;
	Ok(Report::new(
		format!("device {device}'s key certified by maker {maker}"),
		json!({
			"event": "certified",
			"device": device,
			"maker": maker,
			"block": format!("{:?}", included.block),
		}),
	))
}

/// Where a certificate comes from.
pub enum CertificateSource<'a> {
	/// The maker's signature, SCALE-encoded, in hex.
	Signature(&'a str),
	/// The maker's key, to sign it here.
	MakerKey(&'a DevicePair),
}

/// The live schema `id`.
pub(super) async fn live_schema(chain: &Chain, id: SchemaId) -> Result<Schema> {
	let record = chain
		.sensor_schema(id)
		.await?
		.ok_or_else(|| anyhow!("there is no sensor schema {id} (0 is the weather station)"))?;
	if record.retired {
		bail!("sensor schema {id} is retired: no device enrolls or attests under it");
	}
	Ok(record.schema)
}

/// A schema in words: `weather-station (temperature degC/100, …; a reading every 60 s)`.
pub fn schema_text(schema: &Schema) -> String {
	let fields: Vec<String> = schema
		.fields
		.iter()
		.map(|f| {
			let unit = String::from_utf8_lossy(&f.unit);
			let scale = if f.decimals == 0 {
				unit.into_owned()
			} else {
				format!("{unit}/{}", 10u64.saturating_pow(u32::from(f.decimals)))
			};
			format!("{} {scale}", String::from_utf8_lossy(&f.name))
		})
		.collect();
	format!(
		"{} ({}; a reading every {} s at the most)",
		String::from_utf8_lossy(&schema.name),
		fields.join(", "),
		schema.interval
	)
}

fn summaries_json(summaries: &[Summary]) -> Value {
	json!(summaries
		.iter()
		.map(|s| json!({ "min": s.min, "max": s.max, "mean": s.mean }))
		.collect::<Vec<_>>())
}

/// A quality in words and as JSON.
pub fn quality_text(quality: &Quality) -> (String, Value) {
	match quality {
		Quality::Scored { neighbours, passed, fields } => (
			format!("{passed} of {fields} fields agree with {neighbours} neighbours"),
			json!({ "neighbours": neighbours, "passed": passed, "fields": fields }),
		),
		Quality::NoNeighbours => (
			"unverified: fewer than 3 neighbours of other owners attested nearby".into(),
			json!("noNeighbours"),
		),
	}
}

/// A constant of the sensor pallet.
pub(super) async fn constant<A: subxt::constants::Address>(
	chain: &Chain,
	address: A,
) -> Result<A::Target> {
	let at = chain.client.at_current_block().await.context("cannot read the chain")?;
	at.constants().entry(address).context("the runtime has no sensor pallet")
}

/// Enroll a sensor device under a schema (`enroll`), by its owner or manager.
pub async fn sensor_enroll(
	chain: &Chain,
	signer: &Keypair,
	device: u64,
	schema: SchemaId,
) -> Result<Report> {
	sensor_device(chain, device).await?;
	let found = live_schema(chain, schema).await?;
	let included = chain.submit(&depin::tx().sensors().enroll(device, schema), signer).await?;
	let status = chain
		.sensor_status(device)
		.await?
		.ok_or_else(|| anyhow!("device {device} is not enrolled after all"))?;
	let first = status.last_end.saturating_add(u64::from(found.interval));
	Ok(Report::new(
		format!(
			"device {device} enrolled under schema {schema}, {}; its first reading may be taken \
			 at {first} (Unix seconds) or later",
			schema_text(&found)
		),
		json!({
			"event": "enrolled",
			"device": device,
			"schema": schema,
			"firstReading": first,
			"block": format!("{:?}", included.block),
		}),
	))
}

/// Withdraw a sensor device (`withdraw`), by its owner or manager, once no audit is open.
pub async fn sensor_withdraw(chain: &Chain, signer: &Keypair, device: u64) -> Result<Report> {
	let included = chain.submit(&depin::tx().sensors().withdraw(device), signer).await?;
	let unrevealed = included
		.events
		.find_first::<depin::sensors::events::ReadingsUnrevealed>()
		.transpose()?
		.map(|e| e.epoch);
	let note = unrevealed.map_or(String::new(), |epoch| {
		format!(" (its attestation of epoch {epoch}, left unrevealed, was punished first)")
	});
	Ok(Report::new(
		format!("device {device} withdrawn{note}"),
		json!({
			"event": "withdrawn",
			"device": device,
			"unrevealed": unrevealed,
			"block": format!("{:?}", included.block),
		}),
	))
}

/// Why `device` cannot attest now because of its pending attestation, if it cannot.
fn pending_refusal(device: u64, status: &SensorStatus, epoch: EpochIndex) -> Option<String> {
	let pending = status.pending.as_ref()?;
	Some(if pending.epoch == epoch {
		format!(
			"device {device} attested in epoch {epoch} already (root {}): one attestation an epoch",
			hex_h256(&pending.root)
		)
	} else if epoch <= pending.audit_in {
		format!(
			"device {device}'s attestation of epoch {} waits for its audit in epoch {}: reveal \
			 its sampled readings first (`sensor reveal --device {device}`)",
			pending.epoch, pending.audit_in
		)
	} else {
		format!(
			"device {device} left its attestation of epoch {} unrevealed past its audit (epoch \
			 {}): the chain suspends and slashes it when the device is next touched",
			pending.epoch, pending.audit_in
		)
	})
}

/// `devices` in their order, each once.
fn distinct(devices: &[u64]) -> Vec<u64> {
	let mut seen = std::collections::BTreeSet::new();
	devices.iter().copied().filter(|device| seen.insert(*device)).collect()
}

/// Attest a batch of readings for each of `devices` (their keys in the keystore; each once) in
/// the epoch in progress, in one transaction (anyone may submit): the readings from
/// `readings`, checked against the device's schema and its last attested reading, kept in
/// `<home>/sensor` by root and device, and signed with the device key. Fails, naming each
/// device's reason, if the chain rejects any (the batches it rejected are not kept).
pub async fn sensor_attest(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	devices: &[u64],
	readings: &Readings,
) -> Result<Report> {
	let devices = distinct(devices);
	if devices.is_empty() {
		bail!("name a device to attest for (--device)");
	}
	if matches!(readings, Readings::File(_)) && devices.len() > 1 {
		bail!("a file of readings is one device's: attest it with one --device");
	}
	let epoch = chain.epoch().await?;
	let now = chain.now_secs().await?;
	let max_span = constant(chain, depin::constants().sensors().max_span()).await?;
	let drift = constant(chain, depin::constants().sensors().max_clock_drift()).await?;
	let genesis = chain.genesis();
	let store = home.keystore()?;
	let folder = home.sensor_dir();
	// Each batch with its device and whether its file was kept before, in the order sent: the
	// chain's `ItemRejected` names an item by its index in that order.
	let mut batches: Vec<(u64, Batch, bool)> = Vec::new();
	let mut attestations = Vec::new();
	for &device in &devices {
		let found = sensor_device(chain, device).await?;
		if found.status != DeviceStatus::Active {
			bail!(
				"device {device} is {}: only an active device attests",
				status_name(&found.status)
			);
		}
		let status = chain.sensor_status(device).await?.ok_or_else(|| {
			anyhow!("device {device} is not enrolled (`sensor enroll --device {device}`)")
		})?;
		if let Some(refusal) = pending_refusal(device, &status, epoch.index) {
			bail!(refusal);
		}
		let (_, key) = store.find(&found.key).ok_or_else(|| {
			anyhow!("the key of device {device} is not in the keystore ({})", home.0.display())
		})?;
		let schema = live_schema(chain, status.schema).await?;
		let interval = u64::from(schema.interval);
		let next = status.last_end.saturating_add(interval);
		let list = match readings {
			Readings::File(path) => {
				let text = std::fs::read_to_string(path)
					.with_context(|| format!("cannot read {}", path.display()))?;
				sensor::parse_readings(&text).with_context(|| format!("{}", path.display()))?
			},
			Readings::Simulate { around } => {
				// Within the chain's span, with ten minutes to spare for the block it lands in.
				let earliest = now.saturating_sub(max_span.saturating_sub(600));
				let times = sensor::due_times(status.last_end, earliest, now, schema.interval);
				if times.is_empty() {
					let due =
						sensor::due_times(status.last_end, earliest, u64::MAX, schema.interval)
							.first()
							.copied()
							.unwrap_or(next);
					bail!(
						"device {device}: no reading is due yet: the first after its last attested \
						 one (at {}) is at {due}, in {} s (the chain's clock reads {now})",
						status.last_end,
						due.saturating_sub(now)
					);
				}
				sensor::simulated(&schema, device, *around, &times)
			},
		};
		let mut batch = Batch::new(status.schema, schema.fields.len(), list)?;
		batch.check_schema(&schema).with_context(|| format!("device {device}"))?;
		if batch.start() < next {
			bail!(
				"device {device}: the first reading (at {}) is not after its last attested one (at \
				 {}) by the schema's interval: readings from {next} on",
				batch.start(),
				status.last_end
			);
		}
		if batch.start() < now.saturating_sub(max_span) {
			bail!(
				"device {device}: the first reading (at {}) is more than {max_span} s old (the \
				 chain's clock reads {now}): the chain takes no older readings",
				batch.start()
			);
		}
		if batch.end() > now.saturating_add(drift) {
			bail!(
				"device {device}: the last reading (at {}) is ahead of the chain's clock ({now}) \
				 by more than {drift} s",
				batch.end()
			);
		}
		let attestation = batch.attest(device, epoch.index, found.location, genesis, &key)?;
		// Kept before it is sent: once attested, the readings must be revealed when sampled.
		let existed = sensor::batch_path(&folder, device, batch.root()).exists();
		batch.save(&folder, device)?;
		attestations.push(attestation);
		batches.push((device, batch, existed));
	}
	// Last, so that what is wrong with the readings is said first: whether the epoch still
	// takes attestations.
	let best = chain.best_number().await?;
	if best.saturating_add(1) > epoch.deadline || chain.epoch().await?.index != epoch.index {
		for (device, batch, existed) in &batches {
			if !existed {
				sensor::discard(&folder, *device, batch.root());
			}
		}
		bail!(
			"epoch {}'s attestations closed at block {} (the best block is {best}): attest in \
			 epoch {} from block {}",
			epoch.index,
			epoch.deadline,
			epoch.index.saturating_add(1),
			epoch.next_start
		);
	}
	let call = depin::tx().sensors().attest(bridge(&attestations)?);
	let included = chain.submit(&call, signer).await?;
	let outcome = attested(&included)?;
	let mut lines = Vec::new();
	let mut out = Vec::new();
	for (_, batch, _) in &batches {
		let Some(attestation) = &batch.attestation else { continue };
		let Some(event) = outcome.accepted.iter().find(|a| a.device == attestation.device) else {
			continue;
		};
		lines.push(format!(
			"device {}: attested {} reading(s) from {} to {} in epoch {} under root {}{}; its \
			 audit is in epoch {} (`sensor reveal`)",
			attestation.device,
			attestation.count,
			attestation.start,
			attestation.end,
			attestation.epoch,
			hex_h256(&attestation.root),
			if event.counted { "" } else { " (not counted in its full home cell)" },
			event.audit_in
		));
		out.push(json!({
			"device": attestation.device,
			"epoch": attestation.epoch,
			"root": hex_h256(&attestation.root),
			"readings": attestation.count,
			"start": attestation.start,
			"end": attestation.end,
			"summaries": summaries_json(&attestation.summaries),
			"auditIn": event.audit_in,
			"counted": event.counted,
			"file": sensor::batch_path(&folder, attestation.device, attestation.root)
				.display()
				.to_string(),
		}));
	}
	if !outcome.rejected.is_empty() {
		// A rejected batch need not be kept (unless it was kept before this attempt): the
		// rejected items by their index in the batch sent, never by device, so that an
		// accepted item's file stays whatever else was rejected.
		for (index, (device, batch, existed)) in batches.iter().enumerate() {
			if !existed && outcome.rejected.iter().any(|r| r.index as usize == index) {
				sensor::discard(&folder, *device, batch.root());
			}
		}
		let refused: Vec<String> =
			outcome.rejected.iter().map(|r| format!("device {}: {}", r.device, r.reason)).collect();
		let mut message = format!("the chain rejected: {}", refused.join("; "));
		if !lines.is_empty() {
			message.push_str(&format!(" (accepted: {})", lines.join("; ")));
		}
		bail!(message);
	}
	lines.push(format!("in block {:?}", included.block));
	Ok(Report::new(
		lines.join("\n"),
		json!({ "epoch": epoch.index, "attested": out, "block": format!("{:?}", included.block) }),
	))
}

/// An `Attested` event.
#[derive(Clone, Debug)]
pub struct AttestedEvent {
	pub device: u64,
	pub epoch: EpochIndex,
	pub root: sp_core::H256,
	pub readings: u32,
	pub audit_in: EpochIndex,
	pub counted: bool,
}

/// An item of a batch that the chain rejected (`ItemRejected`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
	/// Its position in the batch sent.
	pub index: u32,
	/// The device it claimed to be from.
	pub device: u64,
	/// The error's name (`Sensors.OutOfRange`).
	pub name: String,
	/// The error in words (`sensors.OutOfRange: what its documentation says`).
	pub reason: String,
}

/// The items of a sensor batch the chain rejected, from its events.
fn rejections(included: &Included) -> Result<Vec<Rejected>> {
	let mut rejected = Vec::new();
	for event in included.events.find::<depin::sensors::events::ItemRejected>() {
		let e = event?;
		rejected.push(Rejected {
			index: e.index,
			device: e.device,
			name: error_text(included, &e.error, false),
			reason: error_text(included, &e.error, true),
		});
	}
	Ok(rejected)
}

/// What a batch of attestations came to.
#[derive(Clone, Debug, Default)]
pub struct AttestOutcome {
	pub accepted: Vec<AttestedEvent>,
	/// Each rejected item.
	pub rejected: Vec<Rejected>,
}

/// The outcome of an `attest` transaction, from its events.
pub fn attested(included: &Included) -> Result<AttestOutcome> {
	let mut outcome = AttestOutcome::default();
	for event in included.events.find::<depin::sensors::events::Attested>() {
		let e = event?;
		outcome.accepted.push(AttestedEvent {
			device: e.device,
			epoch: e.epoch,
			root: sp_core::H256(e.root.0),
			readings: e.readings,
			audit_in: e.audit_in,
			counted: e.counted,
		});
	}
	outcome.rejected = rejections(included)?;
	Ok(outcome)
}

/// What a batch of reveals came to.
#[derive(Clone, Debug, Default)]
pub struct RevealOutcome {
	/// `(device, epoch, readings, quality, points)` of each verified attestation.
	pub verified: Vec<(u64, EpochIndex, u32, Quality, u64)>,
	/// `(subscription, device, epoch, root, readings, paid, fee)` of each sale.
	pub sold: Vec<Sale>,
	/// `(device, epoch, index)` of each reading that gave its device away.
	pub faked: Vec<(u64, EpochIndex, u32)>,
	/// Each rejected item.
	pub rejected: Vec<Rejected>,
	/// What the meters' audits settled and paid in their energy trades.
	pub trades: super::TradeOutcome,
}

/// A `DataSold` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sale {
	pub subscription: u64,
	pub device: u64,
	pub epoch: EpochIndex,
	pub root: sp_core::H256,
	pub readings: u32,
	pub paid: u128,
	pub fee: u128,
}

/// The outcome of a `reveal` transaction, from its events.
pub fn revealed(included: &Included) -> Result<RevealOutcome> {
	use depin::sensors::events::{DataSold, ReadingsFaked, ReadingsVerified};
	let mut outcome = RevealOutcome::default();
	for event in included.events.find::<ReadingsVerified>() {
		let e = event?;
		let quality: Quality = bridge(&e.quality)?;
		outcome.verified.push((e.device, e.epoch, e.readings, quality, e.points));
	}
	for event in included.events.find::<DataSold>() {
		let e = event?;
		outcome.sold.push(Sale {
			subscription: e.subscription,
			device: e.device,
			epoch: e.epoch,
			root: sp_core::H256(e.root.0),
			readings: e.readings,
			paid: e.paid,
			fee: e.fee,
		});
	}
	for event in included.events.find::<ReadingsFaked>() {
		let e = event?;
		outcome.faked.push((e.device, e.epoch, e.index));
	}
	outcome.rejected = rejections(included)?;
	outcome.trades = super::traded(included)?;
	Ok(outcome)
}

/// The reveal of what `device`'s open audit samples, from the batch kept in `folder`, or why
/// there is none to send now.
async fn reveal_of(
	chain: &Chain,
	folder: &Path,
	device: u64,
	epoch: &depin_runtime_api::EpochStatus<BlockNumber>,
	best: BlockNumber,
) -> Result<sensor::Reveal> {
	let status = chain.sensor_status(device).await?.ok_or_else(|| {
		anyhow!("device {device} is not enrolled (`sensor enroll --device {device}`)")
	})?;
	let Some(pending) = &status.pending else {
		bail!("device {device} has no attestation waiting for its audit");
	};
	if status.sampled.is_empty() {
		if epoch.index < pending.audit_in {
			bail!(
				"device {device}'s attestation of epoch {} is audited in epoch {} (this is epoch \
				 {}): its readings are sampled then",
				pending.epoch,
				pending.audit_in,
				epoch.index
			);
		}
		bail!(
			"the audit of device {device}'s attestation of epoch {} closed at its deadline \
			 unrevealed: the chain suspends and slashes the device when it is next touched",
			pending.epoch
		);
	}
	if best.saturating_add(1) > epoch.deadline {
		bail!(
			"epoch {}'s reveals closed at block {} (the best block is {best})",
			epoch.index,
			epoch.deadline
		);
	}
	let batch = Batch::load(folder, device, pending.root).with_context(|| {
		format!(
			"device {device}'s attested readings (root {}) are not kept here: they cannot be \
			 revealed",
			hex_h256(&pending.root)
		)
	})?;
	batch.reveal(device, pending.epoch, &status.sampled)
}

/// Reveal, for each of `devices` (each once), the readings its open audit samples, from the
/// batch kept in `<home>/sensor` (one transaction; anyone may submit). A device that cannot
/// reveal now (its audit not open, its batch not kept here) is skipped with its reason, and
/// the others are revealed all the same: one device must not make the others miss their
/// audits. Reports each attestation's quality and the sales it made, and the devices skipped;
/// fails if none can reveal, or if the chain rejects a reveal or finds a reading faked (naming
/// the others' results too).
pub async fn sensor_reveal(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	devices: &[u64],
) -> Result<Report> {
	let devices = distinct(devices);
	if devices.is_empty() {
		bail!("name a device to reveal for (--device)");
	}
	let epoch = chain.epoch().await?;
	let best = chain.best_number().await?;
	let folder = home.sensor_dir();
	let mut reveals = Vec::new();
	let mut skipped: Vec<(u64, String)> = Vec::new();
	for &device in &devices {
		match reveal_of(chain, &folder, device, &epoch, best).await {
			Ok(reveal) => reveals.push(reveal),
			Err(error) => skipped.push((device, format!("{error:#}"))),
		}
	}
	let skipped_text: Vec<String> =
		skipped.iter().map(|(device, why)| format!("skipped device {device}: {why}")).collect();
	if reveals.is_empty() {
		bail!("nothing to reveal: {}", skipped_text.join("; "));
	}
	let call = depin::tx().sensors().reveal(bridge(&reveals)?);
	let included = chain.submit(&call, signer).await?;
	let outcome = revealed(&included)?;
	let mut problems: Vec<String> =
		outcome.rejected.iter().map(|r| format!("device {}: {}", r.device, r.reason)).collect();
	for (device, epoch, index) in &outcome.faked {
		problems.push(format!(
			"device {device}: reading {index} broke its attestation of epoch {epoch}: the device \
			 is suspended and slashed"
		));
	}
	let mut lines = Vec::new();
	let mut out = Vec::new();
	for (device, epoch, readings, quality, points) in &outcome.verified {
		let (text, value) = quality_text(quality);
		let sales: Vec<&Sale> = outcome.sold.iter().filter(|s| s.device == *device).collect();
		let paid: u128 = sales.iter().map(|s| s.paid).sum();
		let fee: u128 = sales.iter().map(|s| s.fee).sum();
		lines.push(format!(
			"device {device}: {readings} reading(s) of epoch {epoch} verified, {text}: {points} \
			 points, sold to {} subscription(s) for {} ({} burned)",
			sales.len(),
			dpn(paid),
			dpn(fee)
		));
		out.push(json!({
			"device": device,
			"epoch": epoch,
			"readings": readings,
			"quality": value,
			"points": points,
			"sales": sales.iter().map(|s| json!({
				"subscription": s.subscription,
				"root": hex_h256(&s.root),
				"paid": s.paid.to_string(),
				"fee": s.fee.to_string(),
			})).collect::<Vec<_>>(),
		}));
	}
	if !problems.is_empty() {
		let mut message = problems.join("; ");
		if !lines.is_empty() {
			message.push_str(&format!(" (verified: {})", lines.join("; ")));
		}
		if !skipped_text.is_empty() {
			message.push_str(&format!(" ({})", skipped_text.join("; ")));
		}
		bail!(message);
	}
	lines.extend(outcome.trades.lines());
	lines.extend(skipped_text);
	lines.push(format!("in block {:?}", included.block));
	Ok(Report::new(
		lines.join("\n"),
		json!({
			"verified": out,
			"trades": outcome.trades.json(),
			"skipped": skipped.iter().map(|(device, why)| json!({ "device": device, "reason": why })).collect::<Vec<_>>(),
			"block": format!("{:?}", included.block),
		}),
	))
}

/// A sensor device's record: its schema, its last attested reading, its attestation waiting
/// for its audit (and the readings to reveal while the audit is open), and the subscriptions
/// of its area.
pub async fn sensor_status(chain: &Chain, device: u64) -> Result<Report> {
	let found = sensor_device(chain, device).await?;
	let status = chain.sensor_status(device).await?.ok_or_else(|| {
		anyhow!("device {device} is not enrolled (`sensor enroll --device {device}`)")
	})?;
	let epoch = chain.epoch().await?;
	let schema = chain.sensor_schema(status.schema).await?.map(|r| r.schema);
	let mut lines = vec![format!(
		"device {device}: {}, at {:x}, schema {} {}; last attested reading at {}",
		status_name(&found.status),
		found.location.raw(),
		status.schema,
		schema.as_ref().map(schema_text).unwrap_or_default(),
		status.last_end
	)];
	let pending = status.pending.as_ref().map(|p| {
		let audit = if !status.sampled.is_empty() {
			format!("audit open: reveal readings {:?} (`sensor reveal`)", status.sampled)
		} else if epoch.index < p.audit_in {
			format!("audited in epoch {}", p.audit_in)
		} else {
			"audit closed unrevealed".into()
		};
		lines.push(format!(
			"attestation of epoch {}: {} reading(s) from {} to {} under root {}; {audit}",
			p.epoch,
			p.count,
			p.start,
			p.end,
			hex_h256(&p.root)
		));
		json!({
			"epoch": p.epoch,
			"auditIn": p.audit_in,
			"root": hex_h256(&p.root),
			"readings": p.count,
			"start": p.start,
			"end": p.end,
		})
	});
	let subscriptions = chain.area_subscriptions(status.schema, found.location).await?;
	for (id, s) in &subscriptions {
		lines.push(format!(
			"subscription {id} of {}: {} a point, {} left, epochs {} to {}",
			s.buyer,
			dpn(s.price),
			dpn(s.left),
			s.first,
			s.last
		));
	}
	if subscriptions.is_empty() {
		lines.push("no subscription buys this area's data: its readings earn nothing".into());
	}
	Ok(Report::new(
		lines.join("\n"),
		json!({
			"device": device,
			"status": status_name(&found.status),
			"schema": status.schema,
			"lastEnd": status.last_end,
			"pending": pending,
			"sampled": status.sampled,
			"epoch": epoch.index,
			"subscriptions": subscriptions.iter().map(|(id, s)| subscription_json(*id, s)).collect::<Vec<_>>(),
		}),
	))
}

fn subscription_json(id: u64, s: &crate::chain::ChainSubscription) -> Value {
	json!({
		"subscription": id,
		"buyer": s.buyer.to_string(),
		"schema": s.schema,
		"area": format!("{:x}", s.area.raw()),
		"price": s.price.to_string(),
		"left": s.left.to_string(),
		"deposit": s.deposit.to_string(),
		"first": s.first,
		"last": s.last,
	})
}

/// The area (a cell at the runtime's area resolution) holding `cell` (hex).
pub async fn area_of(chain: &Chain, cell: &str) -> Result<H3Cell> {
	let raw = super::parse_cell(cell)?;
	let cell = H3Cell::new(raw).map_err(|e| anyhow!("`{cell}` is not an H3 cell ({e:?})"))?;
	let resolution = constant(chain, depin::constants().sensors().area_resolution()).await?;
	cell.parent(resolution).ok_or_else(|| {
		anyhow!(
			"cell {:x} is of resolution {}: areas are cells of resolution {resolution}; name one of \
			 resolution {resolution} or finer",
			cell.raw(),
			cell.resolution()
		)
	})
}

/// What a subscription buys.
pub struct Order {
	pub schema: SchemaId,
	/// An H3 cell (hex) of the area's resolution or finer.
	pub cell: String,
	/// Planck a point (a second of coverage at full quality).
	pub price: u128,
	/// Planck in all.
	pub budget: u128,
	/// Epochs bought, from `first`.
	pub epochs: u32,
	/// The first epoch bought (default: the current one).
	pub first: Option<EpochIndex>,
}

/// Subscribe to a schema's data in the area holding a cell (`subscribe`): its budget and a
/// deposit are held from the signer.
pub async fn sensor_subscribe(chain: &Chain, signer: &Keypair, order: &Order) -> Result<Report> {
	live_schema(chain, order.schema).await?;
	let area = area_of(chain, &order.cell).await?;
	let most = constant(chain, depin::constants().sensors().max_subscription_epochs()).await?;
	if order.epochs == 0 || order.epochs > most {
		bail!("--epochs must be between 1 and {most}");
	}
	if order.price == 0 || order.budget == 0 {
		bail!("a subscription needs a price and a budget above 0");
	}
	let mut tries = 0;
	let (included, first) = loop {
		let first = match order.first {
			Some(first) => first,
			None => chain.epoch().await?.index,
		};
		let last = first.saturating_add(order.epochs.saturating_sub(1));
		let call = depin::tx().sensors().subscribe(
			order.schema,
			area.raw(),
			order.price,
			order.budget,
			first,
			last,
		);
		match chain.submit(&call, signer).await {
			// The epoch moved on while the transaction waited for its block: try again from
			// the new one.
			Err(error)
				if order.first.is_none()
					&& tries == 0 && error.to_string().contains("InvalidSpan") =>
			{
				tries += 1;
			},
			other => break (other?, first),
		}
	};
	let subscribed = included
		.events
		.find_first::<depin::sensors::events::Subscribed>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain reported no Subscribed event"))?;
	let outbid: Vec<u64> = included
		.events
		.find::<depin::sensors::events::SubscriptionOutbid>()
		.filter_map(|e| e.ok().map(|e| e.subscription))
		.collect();
	let held = chain.subscription(subscribed.subscription).await?;
	let deposit = held.as_ref().map_or(0, |s| s.deposit);
	let note = if outbid.is_empty() {
		String::new()
	} else {
		format!(" (in place of subscription(s) {outbid:?} of the full area)")
	};
	Ok(Report::new(
		format!(
			"subscription {} to schema {}'s data in area {:x}: {} a point, {} budget and {} \
			 deposit held, epochs {first} to {}{note}",
			subscribed.subscription,
			order.schema,
			area.raw(),
			dpn(order.price),
			dpn(order.budget),
			dpn(deposit),
			subscribed.last
		),
		json!({
			"event": "subscribed",
			"subscription": subscribed.subscription,
			"schema": order.schema,
			"area": format!("{:x}", area.raw()),
			"price": order.price.to_string(),
			"budget": order.budget.to_string(),
			"deposit": deposit.to_string(),
			"first": first,
			"last": subscribed.last,
			"outbid": outbid,
			"block": format!("{:?}", included.block),
		}),
	))
}

/// Close a subscription (`close_subscription`): its rest and deposit go back to its buyer.
pub async fn sensor_close(chain: &Chain, signer: &Keypair, subscription: u64) -> Result<Report> {
	if chain.subscription(subscription).await?.is_none() {
		bail!("there is no open subscription {subscription}");
	}
	let call = depin::tx().sensors().close_subscription(subscription);
	let included = chain.submit(&call, signer).await?;
	let closed = included
		.events
		.find_first::<depin::sensors::events::SubscriptionClosed>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain reported no SubscriptionClosed event"))?;
	Ok(Report::new(
		format!("subscription {subscription} closed: {} went back", dpn(closed.refunded)),
		json!({
			"event": "closed",
			"subscription": subscription,
			"refunded": closed.refunded.to_string(),
			"block": format!("{:?}", included.block),
		}),
	))
}

/// The chain's record of a device's attestation of an epoch.
#[derive(Clone, Debug)]
pub struct Record {
	pub root: sp_core::H256,
	pub count: u32,
	/// The span, while the attestation waits for its audit (the chain forgets it after).
	pub span: Option<(u64, u64)>,
	/// What was found: `pending`, `attested in block #n`, `sold in block #n`.
	pub source: String,
	/// The sales of it found on the way.
	pub sales: Vec<Sale>,
}

/// How far back [`find_record`] looks for an attestation's events.
pub const MAX_SCAN: u32 = 2_000;

/// The chain's record of `device`'s attestation of `epoch`: its pending attestation while it
/// waits for its audit, else its `DataSold` or `Attested` events, looked for from the best block
/// back to the start of `epoch` (at most [`MAX_SCAN`] blocks; a node keeps the events of
/// recent blocks only).
pub async fn find_record(chain: &Chain, device: u64, epoch: EpochIndex) -> Result<Option<Record>> {
	if let Some(p) = chain.sensor_status(device).await?.and_then(|s| s.pending) {
		if p.epoch == epoch {
			return Ok(Some(Record {
				root: p.root,
				count: p.count,
				span: Some((p.start, p.end)),
				source: "its attestation waiting for its audit".into(),
				sales: Vec::new(),
			}));
		}
	}
	let now = chain.epoch().await?;
	if epoch > now.index {
		bail!("epoch {epoch} has not started (this is epoch {})", now.index);
	}
	let period = now.next_start.saturating_sub(now.start).max(1);
	let from: BlockNumber =
		now.start.saturating_sub(period.saturating_mul(now.index.saturating_sub(epoch)));
	let best = chain.best_number().await?;
	let lowest = from.max(best.saturating_sub(MAX_SCAN));
	let mut sales = Vec::new();
	let mut sold_in = None;
	let mut number = best;
	while number >= lowest {
		let hash: Option<sp_core::H256> = chain
			.rpc
			.request("chain_getBlockHash", subxt::rpcs::rpc_params![number])
			.await
			.context("cannot read a block hash")?;
		if let Some(hash) = hash {
			let at = chain.client.at_block(hash).await.context("cannot read a block")?;
			let events = at.events().fetch().await.with_context(|| {
				format!("cannot read the events of block #{number} (pruned by the node?)")
			})?;
			for event in events.find::<depin::sensors::events::DataSold>() {
				let e = event?;
				if e.device == device && e.epoch == epoch {
					sold_in.get_or_insert(number);
					sales.push(Sale {
						subscription: e.subscription,
						device,
						epoch,
						root: sp_core::H256(e.root.0),
						readings: e.readings,
						paid: e.paid,
						fee: e.fee,
					});
				}
			}
			for event in events.find::<depin::sensors::events::Attested>() {
				let e = event?;
				if e.device == device && e.epoch == epoch {
					return Ok(Some(Record {
						root: sp_core::H256(e.root.0),
						count: e.readings,
						span: None,
						source: format!("attested in block #{number}"),
						sales,
					}));
				}
			}
		}
		if number == 0 {
			break;
		}
		number -= 1;
	}
	Ok(sales.first().cloned().map(|sale| Record {
		root: sale.root,
		count: sale.readings,
		span: None,
		source: format!("sold in block #{}", sold_in.unwrap_or_default()),
		sales,
	}))
}

/// The chain's record of `device`'s attestation of `epoch`, which must be of `root`: a batch
/// the chain never accepted (signed but never sent, or rejected) has none, and is not verified.
async fn chain_record(
	chain: &Chain,
	device: u64,
	epoch: EpochIndex,
	root: sp_core::H256,
) -> Result<Record> {
	let record = find_record(chain, device, epoch).await?.ok_or_else(|| {
		anyhow!(
			"the chain has no record of device {device}'s attestation of epoch {epoch} (in the \
			 last {MAX_SCAN} blocks): the batch is not one the chain accepted"
		)
	})?;
	if record.root != root {
		bail!(
			"the chain's record of device {device}'s attestation of epoch {epoch} ({}) is of \
			 root {}, not {}: not the batch the chain accepted for that device and epoch",
			record.source,
			hex_h256(&record.root),
			hex_h256(&root)
		);
	}
	Ok(record)
}

/// Fetch the sensor batch of `root` from a provider's retrieval server (`url`) and verify it:
/// the chain's record of the attestation (pending, or its `Attested` and `DataSold` events) is
/// of this root and count; the device's registered key signed the attestation for its cell on
/// this chain; and the readings keep to it: as many as attested (checked before any tree is
/// built), leading to the root leaf by leaf, within the span and their slots, with exactly the
/// attested summaries. The device and epoch are the attestation's; named (`device`, `epoch`),
/// they must be these, and the chain's record is read before the download, whose size it then
/// bounds (else by [`MAX_READINGS`] readings of the most fields a schema has). Writes the batch
/// to `out` if given.
pub async fn sensor_fetch(
	chain: &Chain,
	url: &str,
	root: sp_core::H256,
	device: Option<u64>,
	epoch: Option<EpochIndex>,
	out: Option<&Path>,
) -> Result<Report> {
	let named = match (device, epoch) {
		(Some(device), Some(epoch)) => Some(chain_record(chain, device, epoch, root).await?),
		(None, None) => None,
		_ => bail!("--device and --epoch go together: the chain's record of that attestation"),
	};
	let count = named.as_ref().map_or(MAX_READINGS, |record| record.count);
	// The fields of the named device's schema (else the most a schema has).
	let status = match device {
		Some(device) => chain.sensor_status(device).await?,
		None => None,
	};
	let mut fields = MAX_FIELDS as usize;
	if let Some(status) = status {
		if let Some(record) = chain.sensor_schema(status.schema).await? {
			fields = record.schema.fields.len();
		}
	}
	let http = retrieval::client();
	let limit = sensor::max_file_bytes(count, fields);
	let file = retrieval::fetch_sensor(&http, url, root, device, limit).await?;
	let sensor::BatchFile { readings, attestation, .. } = file;
	let attestation: Attestation = attestation
		.as_ref()
		.ok_or_else(|| anyhow!("{url} sent the batch without its attestation"))?
		.to_attestation()?;
	if attestation.root != root {
		bail!(
			"{url} sent an attestation of another root ({}) for {}",
			hex_h256(&attestation.root),
			hex_h256(&root)
		);
	}
	if device.is_some_and(|d| d != attestation.device)
		|| epoch.is_some_and(|e| e != attestation.epoch)
	{
		bail!(
			"the batch is attested by device {} in epoch {}, not the device and epoch asked for",
			attestation.device,
			attestation.epoch
		);
	}
	// Always the chain's record: a signature alone does not say the chain accepted the batch.
	let record = match named {
		Some(record) => record,
		None => chain_record(chain, attestation.device, attestation.epoch, root).await?,
	};
	if record.count != attestation.count {
		bail!(
			"the chain's record ({}) is of {} readings, where the attestation says {}",
			record.source,
			record.count,
			attestation.count
		);
	}
	if record.span.is_some_and(|span| span != (attestation.start, attestation.end)) {
		bail!("the chain's record ({}) is of another span", record.source);
	}
	let found = sensor_device(chain, attestation.device).await?;
	if !sensor::signed_by(&attestation, &found.key, found.location, chain.genesis()) {
		bail!(
			"the attestation is not signed by device {}'s key for its registered cell {:x} on this \
			 chain",
			attestation.device,
			found.location.raw()
		);
	}
	let schema = chain
		.sensor_schema(attestation.schema)
		.await?
		.ok_or_else(|| anyhow!("there is no sensor schema {}", attestation.schema))?
		.schema;
	if schema.fields.len() != attestation.summaries.len() {
		bail!(
			"the attestation has {} summaries; schema {} has {} fields",
			attestation.summaries.len(),
			attestation.schema,
			schema.fields.len()
		);
	}
	let readings: Vec<Reading> = readings.into_iter().map(Reading::from).collect();
	let summaries = sensor::verify(&readings, &Claim::of(&attestation, Some(schema.interval)))?;
	if let Some(out) = out {
		let file = sensor::BatchFile {
			schema: attestation.schema,
			root: hex_h256(&root),
			attestation: Some(sensor::AttestationJson::from(&attestation)),
			readings: readings.iter().map(sensor::ReadingJson::from).collect(),
		};
		std::fs::write(out, serde_json::to_string_pretty(&file)?)
			.with_context(|| format!("cannot write {}", out.display()))?;
	}
	let sales = if record.sales.is_empty() {
		String::new()
	} else {
		format!(
			", sold to subscription(s) {:?}",
			record.sales.iter().map(|s| s.subscription).collect::<Vec<_>>()
		)
	};
	Ok(Report::new(
		format!(
			"batch {} of device {}, epoch {}: {} reading(s) from {} to {} under schema {}, \
			 verified leaf by leaf against the root, the device's signed attestation and its \
			 summaries; the chain's record agrees ({}{sales})",
			hex_h256(&root),
			attestation.device,
			attestation.epoch,
			attestation.count,
			attestation.start,
			attestation.end,
			schema_text(&schema),
			record.source
		),
		json!({
			"event": "verified",
			"root": hex_h256(&root),
			"device": attestation.device,
			"epoch": attestation.epoch,
			"schema": attestation.schema,
			"readings": attestation.count,
			"start": attestation.start,
			"end": attestation.end,
			"summaries": summaries_json(&summaries),
			"attested": summaries_json(&attestation.summaries),
			"chain": json!({
				"source": record.source,
				"sales": record.sales.iter().map(|s| json!({
					"subscription": s.subscription,
					"paid": s.paid.to_string(),
					"fee": s.fee.to_string(),
				})).collect::<Vec<_>>(),
			}),
			"out": out.map(|p| p.display().to_string()),
		}),
	))
}

#[cfg(test)]
mod tests {
	use super::*;
	use depin_primitives::sensor::PendingAttestation;

	#[test]
	fn a_pending_attestation_says_why_the_device_cannot_attest() {
		let status = |epoch, audit_in| SensorStatus {
			schema: 0,
			last_end: 1_000,
			pending: Some(PendingAttestation {
				epoch,
				audit_in,
				root: sp_core::H256::repeat_byte(1),
				count: 3,
				start: 900,
				end: 1_000,
			}),
			sampled: vec![],
		};
		assert!(pending_refusal(5, &status(7, 8), 7).unwrap().contains("one attestation an epoch"));
		assert!(pending_refusal(5, &status(6, 7), 7).unwrap().contains("reveal"));
		assert!(pending_refusal(5, &status(5, 6), 7).unwrap().contains("unrevealed"));
		let free = SensorStatus { pending: None, ..status(1, 2) };
		assert_eq!(pending_refusal(5, &free, 7), None);
	}

	#[test]
	fn schemas_and_qualities_read_in_words() {
		let text = schema_text(&Schema::weather_station());
		assert!(text.starts_with("weather-station (temperature degC/100, humidity percent/10"));
		assert!(text.ends_with("a reading every 60 s at the most)"), "{text}");
		let (scored, value) =
			quality_text(&Quality::Scored { neighbours: 4, passed: 2, fields: 3 });
		assert_eq!(scored, "2 of 3 fields agree with 4 neighbours");
		assert_eq!(value["passed"], 2);
		assert!(quality_text(&Quality::NoNeighbours).0.starts_with("unverified"));
	}
}
