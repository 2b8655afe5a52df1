//! Simulated weather stations around Paris and a buyer of their data.
//!
//! Each station has an owner of its own (`//depin-sim/station/<n>`, funded by the signer with
//! the hotspot owners): the chain scores a station against the stations of *other* owners
//! nearby, and needs at least three of them. They stand a few hundred metres apart in one
//! resolution-7 home cell and read a smooth field of weather (a daily cycle and a slower swing
//! of the weather, [`weather`]) with a little noise of their own, on the minute grid: honest
//! neighbours agree within the schema's tolerances. Each epoch the relayer (the stations'
//! manager, `//depin-sim/sensor-relayer`) attests every station's readings since its last
//! attested one in one batch, and in the next epoch reveals the readings the chain samples.
//!
//! Three stations misbehave: a **broken** one whose thermometer is stuck at 99.99 °C attests a
//! summary outside the schema's range, and the chain rejects it (`OutOfRange`) every epoch; a
//! **lying** one copies the first station's readings with 4 °C added, which its own samples
//! keep to (no fraud), but its neighbours' medians give it away: its temperature fails, and it
//! is paid for two fields of three; a **faking** one reads 4 °C too warm and attests the
//! summaries its neighbours would agree with, so its first audit reveals readings above its
//! attested maximum: fraud, slashed and suspended (`ReadingsFaked`).
//!
//! Two energy meters stand among them, each with an owner of its own: a household with panels
//! (its meter's `produced` register grows with the wind and the sun, [`meter`]) sells its
//! energy to a household without ([`METER_PRICE`] a watt-hour). The buyer's owner offers the
//! trade and the seller's owner accepts it; the meters are attested and audited with the
//! stations, and every epoch both meters' audits pass settles the smaller of what one produced
//! and the other consumed (`EnergySettled`), paid to the seller once its dispute window is over
//! (`TradePaid`). A new trade is offered when one is over.
//!
//! A buyer (`//depin-sim/buyer`) subscribes to the weather-station schema's data in the
//! stations' area ([`PRICE`] a point, [`BUDGET`]); every verified audit there pays the
//! station's owner, less the protocol fee, burned (`DataSold`). The buyer subscribes again
//! when its subscription is spent or over.
//!
//! It runs in a task of its own, its own accounts sending its transactions, beside the
//! simulator's other devices; it reports what each round did (attestations accepted and
//! rejected, audits and their quality, sales), which the simulator tallies by epoch.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, Context, Result};
use depin_primitives::{
	h3::H3Cell,
	sensor::{Quality, Reading, Schema, SensorStatus},
	DevicePair,
};
use futures::future::try_join_all;
use serde_json::{json, Value};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;
use tokio::sync::mpsc::UnboundedSender;

use super::derive;
use crate::{
	chain::{bridge, Chain, Wait},
	commands::{self, attested, revealed, DeviceSpec, Home, Kind},
	depin,
	keystore::Scheme,
	report::dpn,
	sensor::{due_times, meter, weather, Batch},
};

const DPN: u128 = 1_000_000_000_000;
/// A resolution-12 cell in Paris; stations take its resolution-9 and -10 digits from their
/// number: all in one resolution-8 cell, so one home cell (resolution 7).
const PARIS: u64 = 0x8c1fb46625551ff;
/// The day's mean temperature the stations read, °C.
pub const AROUND: f64 = 14.0;
/// The weather-station schema (the dev chain's schema 0).
pub const SCHEMA: u32 = 0;
/// The energy-meter schema (the dev chain's schema 1: `produced` and `consumed` registers).
pub const METER_SCHEMA: u32 = 1;
/// The price of a watt-hour the consuming meter's owner pays: a kilowatt-hour for 1 DPN.
pub const METER_PRICE: u128 = DPN / 1_000;
/// The most watt-hours a trade settles an epoch.
pub const METER_CAP: u64 = 1_000;
/// Each trade's budget.
const TRADE_BUDGET: u128 = 10 * DPN;
/// The epochs each trade runs.
const TRADE_EPOCHS: u32 = 360;
/// The most honest stations: with the broken, the lying and the faking one, the 16 devices of
/// a schema a home cell counts an epoch (the runtime's `MaxNeighbours`).
pub const MAX_HONEST: u32 = 13;
/// The stations' owners: `//depin-sim/station/<n>`.
pub const OWNERS: &str = "//depin-sim/station";
/// Each owner's funds for its device's deposit and fees.
const OWNER_FUNDS: u128 = 50 * DPN;
/// The buyer's price of a point (a second of coverage at full quality): a minute's reading
/// of a station sells for 0.06 DPN.
pub const PRICE: u128 = DPN / 1_000;
/// The budget of each subscription (less if the buyer has less free).
pub const BUDGET: u128 = 100 * DPN;
/// The buyer's funds for its budgets, deposits and fees; topped up below the floor (a
/// subscription's budget is at most what it has free, less [`BUYER_RESERVE`]).
const BUYER_FUNDS: u128 = 150 * DPN;
const BUYER_FLOOR: u128 = 20 * DPN;
/// What the buyer keeps free of a new subscription's budget, for its deposit and fees.
const BUYER_RESERVE: u128 = 10 * DPN;
/// The relayer's funds for its fees.
const RELAYER_FUNDS: u128 = 20 * DPN;
const RELAYER_FLOOR: u128 = 5 * DPN;
/// The temperature the broken station reads, hundredths of a °C: above the schema's 60 °C.
pub const STUCK_AT: i64 = 9_999;
/// What the lying station adds to the temperature it copies, °C: above the schema's 3 °C
/// tolerance.
pub const LIE: f64 = 4.0;

/// How a station behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
	Honest,
	/// Its thermometer is stuck at [`STUCK_AT`]: its summary leaves the schema's range.
	Broken,
	/// It copies the first station's readings with [`LIE`] °C added.
	Lying,
	/// Its thermometer reads [`LIE`] °C too warm, and it attests the summaries of what it
	/// would read without the error (which its neighbours agree with): its audit reveals
	/// readings above its attested maximum, fraud, and it is slashed and suspended.
	Faking,
	/// It copies the first station's readings as they are (an adversary's station with no
	/// thermometer of its own, under an owner of its own: `sensor-copy`).
	Copying,
	/// An energy meter of a household with panels: it sells.
	Producer,
	/// An energy meter of a household without: it buys.
	Consumer,
}

impl Behaviour {
	pub fn name(self) -> &'static str {
		match self {
			Self::Honest => "honest",
			Self::Broken => "broken",
			Self::Lying => "lying",
			Self::Faking => "faking",
			Self::Copying => "copying",
			Self::Producer => "producing meter",
			Self::Consumer => "consuming meter",
		}
	}

	/// The schema its device attests under.
	pub fn schema(self) -> u32 {
		match self {
			Self::Producer | Self::Consumer => METER_SCHEMA,
			_ => SCHEMA,
		}
	}
}

/// The sensor devices besides `honest` honest stations: a broken, a lying and a faking
/// station, a producing and a consuming meter.
pub const OTHERS: u32 = 5;

/// The behaviour of device `n` of `honest` honest stations (then a broken, a lying and a
/// faking one, then the producing and the consuming meter).
pub fn behaviour(n: u32, honest: u32) -> Behaviour {
	match n.checked_sub(honest) {
		None => Behaviour::Honest,
		Some(0) => Behaviour::Broken,
		Some(1) => Behaviour::Lying,
		Some(2) => Behaviour::Faking,
		Some(3) => Behaviour::Producer,
		Some(_) => Behaviour::Consumer,
	}
}

/// The cell of station `n`: Paris with the resolution-9 and -10 digits (bits 18..21 and
/// 15..18, each 0..=6) set from `n`. Meters stand at the far end (48 and 47), away from the
/// stations.
pub fn station_cell(n: u32) -> u64 {
	let n = u64::from(n) % 49;
	(PARIS & !(0o77 << 15)) | ((n % 7) << 18) | ((n / 7) << 15)
}

/// The cell of device `n` of `honest` honest stations: meters at cells 48 and 47.
fn device_cell(n: u32, honest: u32) -> u32 {
	match behaviour(n, honest) {
		Behaviour::Producer => 48,
		Behaviour::Consumer => 47,
		_ => n,
	}
}

/// Station `n`'s device key (ed25519, a hard derivation), and its secret URI.
pub fn station_key(n: u32) -> Result<(String, DevicePair)> {
	let uri = format!("//depin-sim//station-key//{n}");
	let pair = Scheme::Ed25519.pair(&uri)?;
	Ok((uri, pair))
}

fn owner(n: u32) -> Result<Keypair> {
	derive(&format!("{OWNERS}/{n}"))
}

/// The buyer of the stations' data.
pub fn buyer() -> Result<Keypair> {
	derive("//depin-sim/buyer")
}

/// The stations' manager, which enrolls them and relays their attestations and reveals.
pub fn relayer() -> Result<Keypair> {
	derive("//depin-sim/sensor-relayer")
}

/// What the accounts of `honest` honest stations (and the broken and the lying one) need,
/// as `hotspots::fund` takes it: their owners, the buyer and the relayer.
pub fn wants(honest: u32) -> Result<Vec<(AccountId32, u128, u128)>> {
	let mut wants = top_ups()?;
	for n in 0..honest.saturating_add(OTHERS) {
		wants.push((owner(n)?.public_key().to_account_id(), OWNER_FUNDS / 2, OWNER_FUNDS));
	}
	Ok(wants)
}

/// What the buyer and the relayer are topped up to, below their floors.
pub fn top_ups() -> Result<Vec<(AccountId32, u128, u128)>> {
	Ok(vec![
		(buyer()?.public_key().to_account_id(), BUYER_FLOOR, BUYER_FUNDS),
		(relayer()?.public_key().to_account_id(), RELAYER_FLOOR, RELAYER_FUNDS),
	])
}

/// A simulated station or meter.
pub struct Station {
	pub n: u32,
	/// The schema it attests under.
	pub schema: u32,
	pub id: u64,
	pub key: DevicePair,
	pub behaviour: Behaviour,
	/// The batch of its attestation waiting for its audit.
	pub pending: Option<Batch>,
}

impl Station {
	/// Its readings at `times`, as it reads them (the first station's seed for the liar, which
	/// copies it).
	fn readings(&self, schema: &Schema, times: &[u64]) -> Vec<Reading> {
		self.readings_as(self.behaviour, schema, times)
	}

	/// Its readings at `times` if it behaved as `behaviour`.
	fn readings_as(&self, behaviour: Behaviour, schema: &Schema, times: &[u64]) -> Vec<Reading> {
		match behaviour {
			Behaviour::Producer => return meter::readings(schema, self.id, true, times),
			Behaviour::Consumer => return meter::readings(schema, self.id, false, times),
			_ => {},
		}
		let copies = matches!(behaviour, Behaviour::Lying | Behaviour::Copying);
		let source = if copies { 0 } else { u64::from(self.n) };
		let mut readings = weather::readings(schema, source, AROUND, times);
		let temperature = schema.fields.iter().position(|f| f.name.as_slice() == b"temperature");
		if let Some(t) = temperature {
			let decimals = schema.fields[t].decimals;
			for r in &mut readings {
				match behaviour {
					Behaviour::Honest
					| Behaviour::Copying
					| Behaviour::Producer
					| Behaviour::Consumer => {},
					Behaviour::Broken => r.values[t] = STUCK_AT,
					Behaviour::Lying | Behaviour::Faking => {
						r.values[t] += weather::scaled(LIE, decimals)
					},
				}
			}
		}
		readings
	}

	/// Its batch of readings at `times`, with the summaries it attests: the faking station's
	/// are those of its readings without its thermometer's error.
	fn batch(&self, schema: &Schema, times: &[u64]) -> Result<Batch> {
		let mut batch = Batch::new(self.schema, schema.fields.len(), self.readings(schema, times))?;
		if self.behaviour == Behaviour::Faking {
			let honest = self.readings_as(Behaviour::Honest, schema, times);
			batch.summaries = Batch::new(self.schema, schema.fields.len(), honest)?.summaries;
		}
		Ok(batch)
	}

	/// The batch it attested (`status.pending`), read again on the interval grid, if it is
	/// the one the chain holds (after a restart of the simulator).
	fn rebuild(&self, schema: &Schema, status: &SensorStatus) -> Option<Batch> {
		let pending = status.pending.as_ref()?;
		let interval = u64::from(schema.interval.max(1));
		let times: Vec<u64> = (0..pending.count)
			.map(|i| pending.start.saturating_add(interval.saturating_mul(u64::from(i))))
			.collect();
		if times.last() != Some(&pending.end) {
			return None;
		}
		let batch = self.batch(schema, &times).ok()?;
		(batch.root() == pending.root).then_some(batch)
	}
}

/// What the stations did (in a round, or an epoch).
#[derive(Clone, Debug, Default)]
pub struct Tally {
	/// Attestations accepted.
	pub attested: u32,
	/// Attestations rejected, by reason (`Sensors.OutOfRange`).
	pub rejected: BTreeMap<String, u32>,
	/// Audits passed, by quality (`3/3 fields`, `unverified`).
	pub verified: BTreeMap<String, u32>,
	/// Points of the audits passed.
	pub points: u64,
	/// Readings revealed that broke their attestation.
	pub faked: u32,
	/// Reveals rejected, by reason.
	pub reveals_rejected: BTreeMap<String, u32>,
	/// Sales (`DataSold`), paid to the owners and burned.
	pub sold: u32,
	pub paid: u128,
	pub burned: u128,
	/// Epochs the meters' trade settled, the watt-hours and what they cost the buyer.
	pub settled: u32,
	pub energy: u64,
	pub energy_cost: u128,
	/// What the trade paid the seller (after its dispute window).
	pub energy_paid: u128,
	/// Meter batches that became a new baseline (`RegisterReset`).
	pub resets: u32,
}

fn add_map(into: &mut BTreeMap<String, u32>, from: &BTreeMap<String, u32>) {
	for (k, n) in from {
		*into.entry(k.clone()).or_default() += n;
	}
}

fn map_text(map: &BTreeMap<String, u32>) -> String {
	map.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ")
}

impl Tally {
	pub fn add(&mut self, other: &Tally) {
		self.attested += other.attested;
		add_map(&mut self.rejected, &other.rejected);
		add_map(&mut self.verified, &other.verified);
		self.points += other.points;
		self.faked += other.faked;
		add_map(&mut self.reveals_rejected, &other.reveals_rejected);
		self.sold += other.sold;
		self.paid = self.paid.saturating_add(other.paid);
		self.burned = self.burned.saturating_add(other.burned);
		self.settled += other.settled;
		self.energy = self.energy.saturating_add(other.energy);
		self.energy_cost = self.energy_cost.saturating_add(other.energy_cost);
		self.energy_paid = self.energy_paid.saturating_add(other.energy_paid);
		self.resets += other.resets;
	}

	/// Add what a reveal's events did to the meters' trade.
	fn add_trades(&mut self, trades: &commands::TradeOutcome) {
		for s in &trades.settled {
			self.settled += 1;
			self.energy = self.energy.saturating_add(s.quantity);
			self.energy_cost = self.energy_cost.saturating_add(s.amount);
		}
		for (_, paid) in &trades.paid {
			self.energy_paid = self.energy_paid.saturating_add(*paid);
		}
		self.resets += trades.resets.len() as u32;
	}

	/// Whether anything happened.
	pub fn is_empty(&self) -> bool {
		self.attested == 0
			&& self.rejected.is_empty()
			&& self.verified.is_empty()
			&& self.faked == 0
			&& self.reveals_rejected.is_empty()
			&& self.sold == 0
			&& self.settled == 0
			&& self.energy_paid == 0
			&& self.resets == 0
	}

	pub fn json(&self) -> Value {
		json!({
			"attested": self.attested,
			"rejected": self.rejected,
			"verified": self.verified.values().sum::<u32>(),
			"quality": self.verified,
			"points": self.points,
			"faked": self.faked,
			"revealsRejected": self.reveals_rejected,
			"sold": self.sold,
			"paid": self.paid.to_string(),
			"burned": self.burned.to_string(),
			"energy": {
				"settled": self.settled,
				"wh": self.energy,
				"cost": self.energy_cost.to_string(),
				"paid": self.energy_paid.to_string(),
				"resets": self.resets,
			},
		})
	}

	pub fn text(&self) -> String {
		let rejected = self.rejected.values().sum::<u32>();
		let mut text = format!("{} sensor batch(es) attested, {rejected} rejected", self.attested);
		if rejected > 0 {
			text.push_str(&format!(" ({})", map_text(&self.rejected)));
		}
		let verified = self.verified.values().sum::<u32>();
		text.push_str(&format!(", {verified} audit(s) passed"));
		if verified > 0 {
			text.push_str(&format!(" ({}; {} points)", map_text(&self.verified), self.points));
		}
		if self.faked > 0 {
			text.push_str(&format!(", {} caught faking", self.faked));
		}
		if !self.reveals_rejected.is_empty() {
			text.push_str(&format!(", reveals rejected ({})", map_text(&self.reveals_rejected)));
		}
		text.push_str(&format!(
			", {} sale(s) paid {} ({} burned)",
			self.sold,
			dpn(self.paid),
			dpn(self.burned)
		));
		if self.settled > 0 || self.energy_paid > 0 || self.resets > 0 {
			text.push_str(&format!(
				"; the meters' trade settled {} epoch(s), {} Wh for {} (paid to the seller: {}",
				self.settled,
				self.energy,
				dpn(self.energy_cost),
				dpn(self.energy_paid)
			));
			if self.resets > 0 {
				text.push_str(&format!("; {} new baseline(s)", self.resets));
			}
			text.push(')');
		}
		text
	}
}

/// A quality as the tally keys it.
pub fn quality_key(quality: &Quality) -> String {
	match quality {
		Quality::Scored { passed, fields, .. } => format!("{passed}/{fields} fields"),
		Quality::NoNeighbours => "unverified".into(),
	}
}

/// What the stations' task reports.
pub enum Message {
	/// A line for the simulator's log.
	Line(Value, String),
	/// A round at block `block`, in `epoch`.
	Round { block: u32, epoch: u32, tally: Tally },
}

/// Set up `honest` honest stations, a broken and a lying one, and the buyer's subscription,
/// then play them at every new best block until the task is dropped; `home` is the task's own
/// keystore. What happens goes to `out`.
pub async fn run(chain: Chain, home: Home, honest: u32, out: UnboundedSender<Message>) {
	let line = |json: Value, text: String| {
		let _ = out.send(Message::Line(json, text));
	};
	let mut stations = match prepare(&chain, &home, honest, &line).await {
		Ok(stations) => stations,
		Err(error) => {
			line(
				json!({ "event": "sensorError", "error": format!("{error:#}") }),
				format!("sensor stations: {error:#}"),
			);
			return;
		},
	};
	let mut attempted = BTreeSet::new();
	let mut subscription = None;
	let mut trading = None;
	let mut blocks = chain.best_blocks();
	let lost = |error: String| {
		line(
			json!({ "event": "sensorError", "error": error.clone() }),
			format!("sensor stations: {error}"),
		);
		true
	};
	while let Some(number) = blocks.next(lost).await {
		let round =
			round(&chain, &mut stations, &mut attempted, &mut subscription, &mut trading, &line);
		match round.await {
			Ok((epoch, tally)) => {
				if out.send(Message::Round { block: number, epoch, tally }).is_err() {
					return;
				}
			},
			Err(error) => line(
				json!({ "event": "sensorError", "block": number, "error": format!("{error:#}") }),
				format!("sensor stations at block {number}: {error:#}, trying again"),
			),
		}
	}
}

/// Register (each by its owner, the relayer their manager), enroll (the relayer, in one
/// batch) and subscribe; an earlier run's stations and subscription are reused.
async fn prepare(
	chain: &Chain,
	home: &Home,
	honest: u32,
	line: &impl Fn(Value, String),
) -> Result<Vec<Station>> {
	std::fs::create_dir_all(&home.0)?;
	let relayer = relayer()?;
	let manager = relayer.public_key().to_account_id().to_string();
	let mut store = home.keystore()?;
	let count = honest.saturating_add(OTHERS);
	let mut keys = Vec::new();
	for n in 0..count {
		let (uri, pair) = station_key(n)?;
		if store.pair(&format!("station-{n}")).is_err() {
			store.add(&format!("station-{n}"), &uri, &pair)?;
		}
		keys.push(pair);
	}
	let mut ids = Vec::new();
	for pair in &keys {
		ids.push(chain.device_by_key(&pair.public()).await?.map(|(id, _)| id));
	}
	let registrations = (0..count).filter(|n| ids[*n as usize].is_none()).map(|n| {
		let model = match behaviour(n, honest).schema() {
			METER_SCHEMA => "sim-energy-meter",
			_ => "sim-weather-station",
		};
		let spec = DeviceSpec {
			key: format!("station-{n}"),
			kind: Kind::Sensor,
			location: format!("{:x}", station_cell(device_cell(n, honest))),
			capacity: 0,
			model: model.into(),
			firmware: "1.0.0".into(),
			serial: format!("station-{n}"),
			manager: Some(manager.clone()),
		};
		async move { commands::register(chain, home, &owner(n)?, &[spec]).await }
	});
	let registered = try_join_all(registrations).await?;
	if !registered.is_empty() {
		line(
			json!({ "event": "stationsRegistered", "stations": registered.len() }),
			format!("registered {} weather station(s) and meter(s) near Paris", registered.len()),
		);
	}
	let mut stations = Vec::new();
	for (n, key) in (0..count).zip(keys) {
		let id = match ids[n as usize] {
			Some(id) => id,
			None => chain
				.device_by_key(&key.public())
				.await?
				.map(|(id, _)| id)
				.with_context(|| format!("station {n} did not register"))?,
		};
		let behaviour = behaviour(n, honest);
		let schema = behaviour.schema();
		stations.push(Station { n, schema, id, key, behaviour, pending: None });
	}

	let certified = certify(chain, &stations, &relayer).await?;
	let schemas = schemas(chain).await?;
	let mut enrolments = Vec::new();
	for station in &mut stations {
		match chain.sensor_status(station.id).await? {
			None => enrolments.push(depin::Call::Sensors(
				depin::runtime_types::pallet_sensors::pallet::Call::enroll {
					device: station.id,
					schema: station.schema,
				},
			)),
			Some(status) if status.schema != station.schema => anyhow::bail!(
				"device {} ({}) is enrolled under schema {}, not {}: an earlier run with another \
				 --stations count gave it another role; run on a fresh chain",
				station.id,
				station.behaviour.name(),
				status.schema,
				station.schema
			),
			Some(status) => {
				let schema = &schemas[&station.schema];
				station.pending = station.rebuild(schema, &status);
			},
		}
	}
	let enrolling = async {
		if enrolments.is_empty() {
			return Ok(0);
		}
		let call = depin::tx().utility().force_batch(enrolments);
		let included = chain.submit_until(&call, &relayer, Wait::InBlock).await?;
		Ok::<_, anyhow::Error>(included.events.find::<depin::sensors::events::Enrolled>().count())
	};
	let (subscription, enrolled) = futures::join!(subscribe(chain), enrolling);
	let enrolled = enrolled?;
	let area = area(chain).await?;
	// The buyer's subscription and the meters' trade are best effort: the audits never wait
	// on them, and `round` tries again every epoch.
	let subscription = subscription.map_err(|error| report_upkeep(line, "subscription", &error));
	let trade =
		trade(chain, &stations, line).await.map_err(|error| report_upkeep(line, "trade", &error));
	let (subscription, trade) = (subscription.ok(), trade.ok());
	let names: Vec<String> =
		stations.iter().map(|s| format!("{} {}", s.id, s.behaviour.name())).collect();
	line(
		json!({
			"event": "stations",
			"stations": stations.iter().map(|s| json!({ "device": s.id, "behaviour": s.behaviour.name(), "cell": format!("{:x}", station_cell(device_cell(s.n, honest))) })).collect::<Vec<_>>(),
			"enrolled": enrolled,
			"certified": certified,
			"trade": trade,
			"subscription": subscription,
			"area": format!("{:x}", area.raw()),
		}),
		format!(
			"{} weather station(s) and meter(s) near Paris, each with an owner of its own ({}), \
			 {enrolled} enrolled now; the buyer's subscription {} pays {} a point for the \
			 stations' data (area {:x}); the meters trade under trade {}",
			stations.len(),
			names.join(", "),
			subscription.map_or("(none yet)".into(), |id| id.to_string()),
			dpn(PRICE),
			area.raw(),
			trade.map_or("(none yet)".into(), |id| id.to_string()),
		),
	);
	Ok(stations)
}

/// The dev chains' maker of weather stations (maker 0, the runtime's `DEV_MAKER_SEED`), which
/// the simulator plays: it certifies its stations' keys, as a maker does at the factory.
pub const MAKER: &str = "//depin-dev-maker";

/// Certify, in one batch from the relayer (their manager), the stations of the dev maker's
/// schema whose current key its certificate does not vouch for, when the chain's maker 0 is the
/// dev maker (the dev chains'); elsewhere nothing. Returns how many.
async fn certify(chain: &Chain, stations: &[Station], relayer: &Keypair) -> Result<usize> {
	let maker_key = Scheme::Sr25519.pair(MAKER)?;
	let Some(maker) = chain.maker(0).await? else { return Ok(0) };
	if maker.key != maker_key.public() {
		return Ok(0);
	}
	let mut calls = Vec::new();
	for station in stations.iter().filter(|s| s.schema == maker.schema) {
		if chain.certificate(&station.key.public()).await? == Some(0) {
			continue;
		}
		let signature = commands::certificate(chain, 0, &maker_key, station.id).await?;
		calls.push(depin::Call::Sensors(
			depin::runtime_types::pallet_sensors::pallet::Call::certify {
				device: station.id,
				maker: 0,
				signature: bridge(&signature)?,
			},
		));
	}
	let count = calls.len();
	if count > 0 {
		let call = depin::tx().utility().batch_all(calls);
		chain.submit_until(&call, relayer, Wait::InBlock).await?;
	}
	Ok(count)
}

/// Report a failed upkeep (`what`: the subscription or the trade), to be tried again.
fn report_upkeep(line: &impl Fn(Value, String), what: &str, error: &anyhow::Error) {
	line(
		json!({ "event": "sensorUpkeep", "what": what, "error": format!("{error:#}") }),
		format!("sensor {what}: {error:#}; trying again next epoch"),
	);
}

/// The weather-station and the energy-meter schemas, by number.
async fn schemas(chain: &Chain) -> Result<BTreeMap<u32, Schema>> {
	let mut schemas = BTreeMap::new();
	for (id, name) in [(SCHEMA, "weather-station"), (METER_SCHEMA, "energy-meter")] {
		let record = chain.sensor_schema(id).await?;
		let record = record.ok_or_else(|| anyhow!("the chain has no {name} schema ({id})"))?;
		schemas.insert(id, record.schema);
	}
	Ok(schemas)
}

/// The meters' running trade, else a new one: offered by the consuming meter's owner for
/// [`TRADE_EPOCHS`] from the next epoch, accepted by the producing meter's (an earlier trade
/// over is closed first, once its dispute window allows). Returns its number.
async fn trade(chain: &Chain, stations: &[Station], line: &impl Fn(Value, String)) -> Result<u64> {
	let meter = |behaviour: Behaviour| {
		stations
			.iter()
			.find(|s| s.behaviour == behaviour)
			.ok_or_else(|| anyhow!("no {} among the sensors", behaviour.name()))
	};
	let (producer, consumer) = (meter(Behaviour::Producer)?, meter(Behaviour::Consumer)?);
	let epoch = chain.epoch().await?.index;
	let at = chain.client.at_current_block().await.context("cannot read the chain")?;
	let window = at
		.constants()
		.entry(depin::constants().sensors().trade_dispute_epochs())
		.context("the runtime has no sensor pallet")?;
	let mut offered = None;
	for (id, t) in chain.meter_trades(consumer.id).await? {
		if t.producer != producer.id {
			continue;
		}
		if t.last >= epoch && t.disputed.is_none() {
			if t.seller.is_some() {
				return Ok(id);
			}
			offered = Some(id);
			continue;
		}
		// Over: it is still the trade (the consuming meter buys under one at a time) until
		// the chain lets anyone close it: its last epoch's audits (two epochs) and dispute
		// window are over.
		let closable = t.seller.is_none() || epoch > t.last.saturating_add(2 + window);
		if !closable {
			return Ok(id);
		}
		let closing = depin::tx().sensors().close_trade(id);
		chain.submit_until(&closing, &relayer()?, Wait::InBlock).await?;
	}
	let id = match offered {
		Some(id) => id,
		None => {
			let first = epoch.saturating_add(1);
			let terms = depin_primitives::sensor::TradeTerms {
				consumer: consumer.id,
				producer: producer.id,
				produced_field: depin_primitives::sensor::PRODUCED as u8,
				consumed_field: depin_primitives::sensor::CONSUMED as u8,
				price: METER_PRICE,
				cap: METER_CAP,
				budget: TRADE_BUDGET,
				first,
				last: first.saturating_add(TRADE_EPOCHS - 1),
			};
			commands::offer(chain, &owner(consumer.n)?, &terms, Wait::InBlock).await?.0
		},
	};
	let accept = depin::tx().sensors().accept_trade(id);
	chain.submit_until(&accept, &owner(producer.n)?, Wait::InBlock).await?;
	line(
		json!({ "event": "tradeAccepted", "trade": id, "producer": producer.id, "consumer": consumer.id, "price": METER_PRICE.to_string(), "cap": METER_CAP }),
		format!(
			"trade {id}: meter {} (panels) sells its energy to meter {} at {} a Wh, at most {} Wh \
			 an epoch, for {TRADE_EPOCHS} epochs",
			producer.id,
			consumer.id,
			dpn(METER_PRICE),
			METER_CAP
		),
	);
	Ok(id)
}

/// The stations' area (the parent of their cells at the runtime's area resolution).
async fn area(chain: &Chain) -> Result<H3Cell> {
	let at = chain.client.at_current_block().await.context("cannot read the chain")?;
	let resolution = at
		.constants()
		.entry(depin::constants().sensors().area_resolution())
		.context("the runtime has no sensor pallet")?;
	H3Cell::new(station_cell(0))
		.ok()
		.and_then(|cell| cell.parent(resolution))
		.ok_or_else(|| anyhow!("the stations' cell has no area"))
}

/// The buyer's open subscription to the stations' area that can still pay, else a new one
/// (spent ones closed first). Returns its number.
async fn subscribe(chain: &Chain) -> Result<u64> {
	let buyer = buyer()?;
	let me = crate::chain::account(&buyer.public_key().to_account_id());
	let area = area(chain).await?;
	let epoch = chain.epoch().await?.index;
	let mut spent = Vec::new();
	for (id, s) in chain.area_subscriptions(SCHEMA, area).await? {
		if s.buyer != me {
			continue;
		}
		if s.left >= PRICE.saturating_mul(1_000) && s.last > epoch {
			return Ok(id);
		}
		if s.left == 0 {
			spent.push(id);
		}
	}
	for id in spent {
		let call = depin::tx().sensors().close_subscription(id);
		chain.submit_until(&call, &buyer, Wait::InBlock).await?;
	}
	let free = chain.free_balance(&buyer.public_key().to_account_id()).await?;
	let budget = BUDGET.min(free.saturating_sub(BUYER_RESERVE));
	if budget < PRICE.saturating_mul(1_000) {
		anyhow::bail!("the buyer has {} free: too little for a subscription", dpn(free));
	}
	let at = chain.client.at_current_block().await.context("cannot read the chain")?;
	let most = at
		.constants()
		.entry(depin::constants().sensors().max_subscription_epochs())
		.context("the runtime has no sensor pallet")?;
	let last = epoch.saturating_add(most.saturating_sub(1));
	let call = depin::tx().sensors().subscribe(SCHEMA, area.raw(), PRICE, budget, epoch, last);
	let included = chain.submit_until(&call, &buyer, Wait::InBlock).await?;
	Ok(included
		.events
		.find_first::<depin::sensors::events::Subscribed>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain reported no Subscribed event"))?
		.subscription)
}

/// One round at the best block: once an epoch, the buyer's subscription renewed if it can pay
/// no more; the reveals of the open audits, then the attestations of the stations with
/// readings due and nothing pending, each in one batch from the relayer.
async fn round(
	chain: &Chain,
	stations: &mut [Station],
	attempted: &mut BTreeSet<(u32, u64)>,
	subscription: &mut Option<(u32, u64)>,
	trading: &mut Option<u32>,
	line: &impl Fn(Value, String),
) -> Result<(u32, Tally)> {
	let relayer = relayer()?;
	let view = View::read(chain, stations).await?;
	let epoch = view.epoch.index;
	let (mut tally, revealed_now) = reveal_due(chain, &relayer, stations, &view, line).await?;

	// Once an epoch, after the reveals and best effort: the buyer's subscription and the
	// meters' trade renewed when over.
	if subscription.is_none_or(|(checked, _)| checked != epoch) {
		match subscribe(chain).await {
			Ok(id) => {
				if subscription.is_some_and(|(_, old)| old != id) {
					line(
						json!({ "event": "buyerSubscribed", "epoch": epoch, "subscription": id }),
						format!("the buyer subscribed again (subscription {id}) in epoch {epoch}"),
					);
				}
				*subscription = Some((epoch, id));
			},
			Err(error) => report_upkeep(line, "subscription", &error),
		}
	}
	if trading.is_none_or(|checked| checked != epoch) {
		if let Err(error) = trade(chain, stations, line).await {
			report_upkeep(line, "trade", &error);
		}
		*trading = Some(epoch);
	}

	attest_due(chain, &relayer, stations, &view, attempted, &revealed_now, &mut tally).await?;
	Ok((epoch, tally))
}

/// One round of `stations` at the best block, `signer` sending their reveals and their
/// attestations (an adversary's stations: no buyer, no trade). Returns what the chain did.
pub async fn play(
	chain: &Chain,
	signer: &Keypair,
	stations: &mut [Station],
	attempted: &mut BTreeSet<(u32, u64)>,
	line: &impl Fn(Value, String),
) -> Result<Tally> {
	let view = View::read(chain, stations).await?;
	let (mut tally, revealed_now) = reveal_due(chain, signer, stations, &view, line).await?;
	attest_due(chain, signer, stations, &view, attempted, &revealed_now, &mut tally).await?;
	Ok(tally)
}

/// What a round reads first: the epoch, the schemas, and each station's status.
struct View {
	epoch: depin_runtime_api::EpochStatus<crate::chain::BlockNumber>,
	schemas: BTreeMap<u32, Schema>,
	statuses: Vec<Option<SensorStatus>>,
}

impl View {
	async fn read(chain: &Chain, stations: &[Station]) -> Result<Self> {
		let epoch = chain.epoch().await?;
		let schemas = schemas(chain).await?;
		let mut statuses = Vec::with_capacity(stations.len());
		for station in stations {
			statuses.push(chain.sensor_status(station.id).await?);
		}
		Ok(Self { epoch, schemas, statuses })
	}
}

/// The reveals the open audits of `stations` ask for, in one batch from `signer`. Returns what
/// the chain did and the devices whose audits it settled.
async fn reveal_due(
	chain: &Chain,
	signer: &Keypair,
	stations: &mut [Station],
	view: &View,
	line: &impl Fn(Value, String),
) -> Result<(Tally, BTreeSet<u64>)> {
	let mut tally = Tally::default();
	let mut reveals = Vec::new();
	let best = chain.best_number().await?;
	for (station, status) in stations.iter_mut().zip(&view.statuses) {
		let Some(status) = status else { continue };
		if status.sampled.is_empty() || best.saturating_add(1) > view.epoch.deadline {
			continue;
		}
		let Some(pending) = &status.pending else { continue };
		if station.pending.as_ref().is_none_or(|b| b.root() != pending.root) {
			station.pending = station.rebuild(&view.schemas[&station.schema], status);
		}
		// A station whose batch is lost or cannot reveal is reported and left out: the
		// others' audits go on.
		let reveal = match &station.pending {
			Some(batch) => batch.reveal(station.id, pending.epoch, &status.sampled),
			None => Err(anyhow!("its attested readings (root {:?}) are not kept", pending.root)),
		};
		match reveal {
			Ok(reveal) => reveals.push(reveal),
			Err(error) => line(
				json!({ "event": "sensorSkipped", "device": station.id, "error": format!("{error:#}") }),
				format!("weather station {}: no reveal: {error:#}", station.id),
			),
		}
	}
	let mut revealed_now = BTreeSet::new();
	if reveals.is_empty() {
		return Ok((tally, revealed_now));
	}
	let call = depin::tx().sensors().reveal(bridge(&reveals)?);
	let included = chain.submit_until(&call, signer, Wait::InBlock).await?;
	let outcome = revealed(&included)?;
	for (device, _, _, quality, points) in &outcome.verified {
		revealed_now.insert(*device);
		*tally.verified.entry(quality_key(quality)).or_default() += 1;
		tally.points += points;
	}
	for sale in &outcome.sold {
		tally.sold += 1;
		tally.paid = tally.paid.saturating_add(sale.paid);
		tally.burned = tally.burned.saturating_add(sale.fee);
	}
	tally.add_trades(&outcome.trades);
	tally.faked += outcome.faked.len() as u32;
	for (device, _, _) in &outcome.faked {
		revealed_now.insert(*device);
	}
	for rejected in &outcome.rejected {
		*tally.reveals_rejected.entry(rejected.name.clone()).or_default() += 1;
	}
	for station in stations.iter_mut() {
		if revealed_now.contains(&station.id) {
			station.pending = None;
		}
	}
	Ok((tally, revealed_now))
}

/// The attestations of `stations` with readings due and no attestation pending (or one
/// settled in this round, `revealed_now`), in one batch from `signer`, each tried once an
/// epoch (`attempted`). What the chain did goes to `tally`.
async fn attest_due(
	chain: &Chain,
	signer: &Keypair,
	stations: &mut [Station],
	view: &View,
	attempted: &mut BTreeSet<(u32, u64)>,
	revealed_now: &BTreeSet<u64>,
	tally: &mut Tally,
) -> Result<()> {
	let epoch = &view.epoch;
	let best = chain.best_number().await?;
	if best.saturating_add(1) > epoch.deadline {
		return Ok(());
	}
	let now = chain.now_secs().await?;
	let genesis = chain.genesis();
	let mut batches = Vec::new();
	let mut attestations = Vec::new();
	for (station, status) in stations.iter_mut().zip(&view.statuses) {
		let Some(status) = status else { continue };
		let free = status.pending.is_none() || revealed_now.contains(&station.id);
		if !free || attempted.contains(&(epoch.index, station.id)) {
			continue;
		}
		// The last hour's readings at most: well within the chain's span.
		let schema = &view.schemas[&station.schema];
		let times = due_times(status.last_end, now.saturating_sub(3_600), now, schema.interval);
		if times.is_empty() {
			continue;
		}
		let Some(device) = chain.device(station.id).await? else { continue };
		if !device.is_active() {
			continue;
		}
		let mut batch = station.batch(schema, &times)?;
		attestations.push(batch.attest(
			station.id,
			epoch.index,
			device.location,
			genesis,
			&station.key,
		)?);
		attempted.insert((epoch.index, station.id));
		batches.push((station.id, batch));
	}
	if !attestations.is_empty() {
		let call = depin::tx().sensors().attest(bridge(&attestations)?);
		let included = chain.submit_until(&call, signer, Wait::InBlock).await?;
		let outcome = attested(&included)?;
		tally.attested += outcome.accepted.len() as u32;
		for rejected in &outcome.rejected {
			*tally.rejected.entry(rejected.name.clone()).or_default() += 1;
		}
		for (id, batch) in batches {
			if outcome.accepted.iter().any(|a| a.device == id) {
				if let Some(station) = stations.iter_mut().find(|s| s.id == id) {
					station.pending = Some(batch);
				}
			}
		}
	}
	attempted.retain(|(e, _)| *e >= epoch.index);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn stations_stand_in_one_home_cell_and_one_area() {
		let homes: BTreeSet<u64> = (0..49)
			.map(|n| {
				let cell = H3Cell::new(station_cell(n)).expect("a valid cell");
				assert_eq!(cell.resolution(), 12);
				cell.parent(7).expect("a parent").raw()
			})
			.collect();
		assert_eq!(homes.len(), 1);
		let cells: BTreeSet<u64> = (0..49).map(station_cell).collect();
		assert_eq!(cells.len(), 49);
	}

	#[test]
	fn stations_and_their_accounts_have_keys_of_their_own() {
		let keys: BTreeSet<String> = (0..16)
			.map(|n| crate::keystore::public_hex(&station_key(n).expect("a key").1.public()))
			.collect();
		assert_eq!(keys.len(), 16);
		let accounts: BTreeSet<AccountId32> = wants(MAX_HONEST)
			.expect("accounts")
			.into_iter()
			.map(|(account, _, _)| account)
			.collect();
		assert_eq!(accounts.len(), (MAX_HONEST + OTHERS) as usize + 2);
	}

	#[test]
	fn the_liar_copies_the_first_station_warmer_and_the_broken_one_reads_out_of_range() {
		let schema = Schema::weather_station();
		let station = |n, behaviour: Behaviour| Station {
			n,
			schema: behaviour.schema(),
			id: 100 + u64::from(n),
			key: Scheme::Ed25519.pair("//s").expect("a key"),
			behaviour,
			pending: None,
		};
		let times = [1_800_000_000, 1_800_000_060];
		let first = station(0, Behaviour::Honest).readings(&schema, &times);
		let second = station(1, Behaviour::Honest).readings(&schema, &times);
		let liar = station(5, Behaviour::Lying).readings(&schema, &times);
		let broken = station(4, Behaviour::Broken).readings(&schema, &times);
		assert_ne!(first, second);
		for ((a, l), b) in first.iter().zip(&liar).zip(&broken) {
			assert_eq!(l.values[0], a.values[0] + 400);
			assert_eq!(l.values[1..], a.values[1..]);
			assert_eq!(b.values[0], STUCK_AT);
		}
		assert_eq!(
			[0, 3, 4, 5, 6, 7, 8].map(|n| behaviour(n, 4)),
			[
				Behaviour::Honest,
				Behaviour::Honest,
				Behaviour::Broken,
				Behaviour::Lying,
				Behaviour::Faking,
				Behaviour::Producer,
				Behaviour::Consumer
			]
		);
		// The faker reads warm but attests the summaries of what it would read without the
		// error: every reading it reveals is above its attested maximum.
		let faker = station(6, Behaviour::Faking);
		let batch = faker.batch(&schema, &times).expect("a batch");
		let honest = station(6, Behaviour::Honest).batch(&schema, &times).expect("a batch");
		assert_eq!(batch.summaries, honest.summaries);
		assert_ne!(batch.root(), honest.root());
		assert!(batch.readings.iter().all(|r| r.values[0] > batch.summaries[0].max));
		// The meters: registers, the consumer's without production.
		let meters = Schema::energy_meter();
		let producer = station(7, Behaviour::Producer).readings(&meters, &times);
		let consumer = station(8, Behaviour::Consumer).readings(&meters, &times);
		assert!(producer[1].values[0] > producer[0].values[0] && producer[0].values[0] > 0);
		assert!(consumer.iter().all(|r| r.values[0] == 0));
		assert!(consumer[1].values[1] > consumer[0].values[1]);
		assert_eq!(device_cell(7, 4), 48);
		let home = |n| H3Cell::new(station_cell(n)).ok().and_then(|c| c.parent(7)).map(|c| c.raw());
		assert_eq!(home(48), home(0));
	}

	#[test]
	fn a_tally_reads_in_words() {
		let mut tally = Tally::default();
		assert!(tally.is_empty());
		let mut round = Tally {
			attested: 5,
			sold: 1,
			paid: 48_000_000_000,
			burned: 12_000_000_000,
			..Default::default()
		};
		round.rejected.insert("Sensors.OutOfRange".into(), 1);
		round.verified.insert("3/3 fields".into(), 4);
		tally.add(&round);
		tally.add(&round);
		assert_eq!(tally.attested, 10);
		assert_eq!(tally.verified["3/3 fields"], 8);
		let text = tally.text();
		assert!(
			text.starts_with("10 sensor batch(es) attested, 2 rejected (2 Sensors.OutOfRange)"),
			"{text}"
		);
		assert_eq!(tally.json()["verified"], 8);
		assert_eq!(
			quality_key(&Quality::Scored { neighbours: 4, passed: 2, fields: 3 }),
			"2/3 fields"
		);
	}
}
