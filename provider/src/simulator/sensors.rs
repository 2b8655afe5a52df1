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
//! Two stations misbehave: a **broken** one whose thermometer is stuck at 99.99 °C attests a
//! summary outside the schema's range, and the chain rejects it (`OutOfRange`) every epoch; a
//! **lying** one copies the first station's readings with 4 °C added, which its own samples
//! keep to (no fraud), but its neighbours' medians give it away: its temperature fails, and it
//! is paid for two fields of three.
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
	sensor::{due_times, weather, Batch},
};

const DPN: u128 = 1_000_000_000_000;
/// A resolution-12 cell in Paris; stations take its resolution-9 and -10 digits from their
/// number: all in one resolution-8 cell, so one home cell (resolution 7).
const PARIS: u64 = 0x8c1fb46625551ff;
/// The day's mean temperature the stations read, °C.
pub const AROUND: f64 = 14.0;
/// The weather-station schema (the dev chain's schema 0).
pub const SCHEMA: u32 = 0;
/// The most honest stations: with the broken and the lying one, the 16 devices of a schema a
/// home cell counts an epoch (the runtime's `MaxNeighbours`).
pub const MAX_HONEST: u32 = 14;
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
}

impl Behaviour {
	pub fn name(self) -> &'static str {
		match self {
			Self::Honest => "honest",
			Self::Broken => "broken",
			Self::Lying => "lying",
		}
	}
}

/// The behaviour of station `n` of `honest` honest ones (then a broken and a lying one).
pub fn behaviour(n: u32, honest: u32) -> Behaviour {
	match n.checked_sub(honest) {
		None => Behaviour::Honest,
		Some(0) => Behaviour::Broken,
		Some(_) => Behaviour::Lying,
	}
}

/// The cell of station `n`: Paris with the resolution-9 and -10 digits (bits 18..21 and
/// 15..18, each 0..=6) set from `n`.
pub fn station_cell(n: u32) -> u64 {
	let n = u64::from(n) % 49;
	(PARIS & !(0o77 << 15)) | ((n % 7) << 18) | ((n / 7) << 15)
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
	for n in 0..honest.saturating_add(2) {
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

/// A simulated station.
pub struct Station {
	pub n: u32,
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
		let source = if self.behaviour == Behaviour::Lying { 0 } else { u64::from(self.n) };
		let mut readings = weather::readings(schema, source, AROUND, times);
		let temperature = schema.fields.iter().position(|f| f.name.as_slice() == b"temperature");
		if let Some(t) = temperature {
			let decimals = schema.fields[t].decimals;
			for r in &mut readings {
				match self.behaviour {
					Behaviour::Honest => {},
					Behaviour::Broken => r.values[t] = STUCK_AT,
					Behaviour::Lying => r.values[t] += weather::scaled(LIE, decimals),
				}
			}
		}
		readings
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
		let batch = Batch::new(SCHEMA, schema.fields.len(), self.readings(schema, &times)).ok()?;
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
	}

	/// Whether anything happened.
	pub fn is_empty(&self) -> bool {
		self.attested == 0
			&& self.rejected.is_empty()
			&& self.verified.is_empty()
			&& self.faked == 0
			&& self.reveals_rejected.is_empty()
			&& self.sold == 0
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
	loop {
		let mut blocks = match chain.client.stream_best_blocks().await {
			Ok(blocks) => blocks,
			Err(e) => {
				line(
					json!({ "event": "sensorError", "error": format!("cannot follow the chain: {e}") }),
					format!("sensor stations: cannot follow the chain: {e}"),
				);
				tokio::time::sleep(std::time::Duration::from_secs(6)).await;
				continue;
			},
		};
		while let Some(block) = blocks.next().await {
			let Ok(number) = block.map(|b| b.number()) else { continue };
			let number = u32::try_from(number).unwrap_or(u32::MAX);
			if chain.best_number().await.is_ok_and(|best| number < best) {
				continue;
			}
			match round(&chain, &mut stations, &mut attempted, &mut subscription, &line).await {
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
	let count = honest.saturating_add(2);
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
		let spec = DeviceSpec {
			key: format!("station-{n}"),
			kind: Kind::Sensor,
			location: format!("{:x}", station_cell(n)),
			capacity: 0,
			model: "sim-weather-station".into(),
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
			format!("registered {} weather station(s) near Paris", registered.len()),
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
		stations.push(Station { n, id, key, behaviour: behaviour(n, honest), pending: None });
	}

	let schema = schema(chain).await?;
	let mut enrolments = Vec::new();
	for station in &mut stations {
		match chain.sensor_status(station.id).await? {
			None => enrolments.push(depin::Call::Sensors(
				depin::runtime_types::pallet_sensors::pallet::Call::enroll {
					device: station.id,
					schema: SCHEMA,
				},
			)),
			Some(status) => station.pending = station.rebuild(&schema, &status),
		}
	}
	let buying = async {
		let id = subscribe(chain).await?;
		Ok::<_, anyhow::Error>(id)
	};
	let enrolling = async {
		if enrolments.is_empty() {
			return Ok(0);
		}
		let call = depin::tx().utility().force_batch(enrolments);
		let included = chain.submit_until(&call, &relayer, Wait::InBlock).await?;
		Ok::<_, anyhow::Error>(included.events.find::<depin::sensors::events::Enrolled>().count())
	};
	let (subscription, enrolled) = futures::join!(buying, enrolling);
	let (subscription, enrolled) = (subscription?, enrolled?);
	let area = area(chain).await?;
	let names: Vec<String> =
		stations.iter().map(|s| format!("{} {}", s.id, s.behaviour.name())).collect();
	line(
		json!({
			"event": "stations",
			"stations": stations.iter().map(|s| json!({ "device": s.id, "behaviour": s.behaviour.name(), "cell": format!("{:x}", station_cell(s.n)) })).collect::<Vec<_>>(),
			"enrolled": enrolled,
			"subscription": subscription,
			"area": format!("{:x}", area.raw()),
		}),
		format!(
			"{} weather station(s) near Paris, each with an owner of its own ({}), {enrolled} \
			 enrolled now; the buyer's subscription {subscription} pays {} a point for their data \
			 (area {:x})",
			stations.len(),
			names.join(", "),
			dpn(PRICE),
			area.raw()
		),
	);
	Ok(stations)
}

async fn schema(chain: &Chain) -> Result<Schema> {
	Ok(chain
		.sensor_schema(SCHEMA)
		.await?
		.ok_or_else(|| anyhow!("the chain has no weather-station schema ({SCHEMA})"))?
		.schema)
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
	line: &impl Fn(Value, String),
) -> Result<(u32, Tally)> {
	let relayer = relayer()?;
	let epoch = chain.epoch().await?;
	let mut tally = Tally::default();
	if subscription.is_none_or(|(checked, _)| checked != epoch.index) {
		let id = subscribe(chain).await?;
		if subscription.is_some_and(|(_, old)| old != id) {
			line(
				json!({ "event": "buyerSubscribed", "epoch": epoch.index, "subscription": id }),
				format!("the buyer subscribed again (subscription {id}) in epoch {}", epoch.index),
			);
		}
		*subscription = Some((epoch.index, id));
	}
	let schema = schema(chain).await?;
	let mut statuses = Vec::with_capacity(stations.len());
	for station in stations.iter() {
		statuses.push(chain.sensor_status(station.id).await?);
	}

	// The reveals the open audits ask for.
	let mut reveals = Vec::new();
	let best = chain.best_number().await?;
	for (station, status) in stations.iter_mut().zip(&statuses) {
		let Some(status) = status else { continue };
		if status.sampled.is_empty() || best.saturating_add(1) > epoch.deadline {
			continue;
		}
		let Some(pending) = &status.pending else { continue };
		if station.pending.as_ref().is_none_or(|b| b.root() != pending.root) {
			station.pending = station.rebuild(&schema, status);
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
	if !reveals.is_empty() {
		let call = depin::tx().sensors().reveal(bridge(&reveals)?);
		let included = chain.submit_until(&call, &relayer, Wait::InBlock).await?;
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
	}

	// The attestations of the stations with readings due and no attestation pending.
	let best = chain.best_number().await?;
	if best.saturating_add(1) > epoch.deadline {
		return Ok((epoch.index, tally));
	}
	let now = chain.now_secs().await?;
	let genesis = chain.genesis();
	let mut batches = Vec::new();
	let mut attestations = Vec::new();
	for (station, status) in stations.iter_mut().zip(&statuses) {
		let Some(status) = status else { continue };
		let free = status.pending.is_none() || revealed_now.contains(&station.id);
		if !free || attempted.contains(&(epoch.index, station.id)) {
			continue;
		}
		// The last hour's readings at most: well within the chain's span.
		let times = due_times(status.last_end, now.saturating_sub(3_600), now, schema.interval);
		if times.is_empty() {
			continue;
		}
		let Some(device) = chain.device(station.id).await? else { continue };
		if !device.is_active() {
			continue;
		}
		let mut batch = Batch::new(SCHEMA, schema.fields.len(), station.readings(&schema, &times))?;
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
		let included = chain.submit_until(&call, &relayer, Wait::InBlock).await?;
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
	Ok((epoch.index, tally))
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
		assert_eq!(accounts.len(), MAX_HONEST as usize + 2 + 2);
	}

	#[test]
	fn the_liar_copies_the_first_station_warmer_and_the_broken_one_reads_out_of_range() {
		let schema = Schema::weather_station();
		let station = |n, behaviour| Station {
			n,
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
			[0, 3, 4, 5].map(|n| behaviour(n, 4)),
			[Behaviour::Honest, Behaviour::Honest, Behaviour::Broken, Behaviour::Lying]
		);
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
