//! A living network on a dev chain: `depin-provider simulate --devices N`.
//!
//! The simulator registers N devices of every kind (storage, coverage, compute in turn) with
//! keys derived from `//depin-sim/<i>`, spread over real H3 cells around Berlin, Paris and
//! Nairobi, owned by the signing account. Each storage device commits a 64 KiB sector of
//! its own pseudo-random data and answers its challenges every epoch — honestly, or, for
//! the `--cheaters` fraction, with chunks it does not have, so the chain rejects their proofs,
//! records faults, and at the fault threshold suspends and slashes them. Only deal-backed
//! sectors earn, so every sector is kept under a storage deal ([`deals`]): a simulated client
//! derived from `//depin-sim/client`, funded by the signer, signs a proposal per device (1 DPN
//! an epoch), the signer publishes them and then commits the sectors, which activates the
//! deals; each proven epoch pays the owner, each missed one pays the client out of the
//! provider's collateral. Every epoch the simulator claims what the honest devices earned and
//! reports what happened, the deals' payments and misses included.
//!
//! Coverage devices are hotspots around Berlin, each with an owner of its own derived from
//! `//depin-sim/owner/<n>` and funded by the signer (a witness may not share its beaconer's
//! operator); they join the beacon roster, beacon when the chain draws them, and witness each
//! other's beacons ([`hotspots`]); the `--cheaters` fraction of them witnesses implausibly
//! and is rejected with the chain's reasons. Each hotspot's owner claims its rewards.
//!
//! Compute devices enroll for capacity audits and, in every epoch the chain audits them, really
//! run their workload ([`COMPUTE_UNITS`] units: 8.4 million sequential blake2 steps, about 1.5 s
//! of a core in a release build), commit to its checkpoints and
//! reveal the segments the chain samples ([`crate::compute`]); the `--cheaters` fraction runs
//! only half of each workload and makes up the rest, and is caught when a sample lands there.
//! An audit earns nothing: compute rewards follow paid jobs, so a simulated consumer buys a
//! job from every active compute device each epoch ([`jobs`]), and the burned fees of the
//! jobs released are the compute points.
//!
//! Sensor devices are weather stations near Paris ([`sensors`]; `--stations`, none by
//! default), each with an owner of its own (the chain scores a station against at least three
//! neighbours of other owners), attesting their readings every epoch and revealing the ones
//! the next epoch's audit samples; a broken station attests a summary out of the schema's
//! range (rejected), a lying one copies a neighbour's readings 4 °C warmer (scored down), and a
//! faking one attests summaries its readings break (caught by its audit, slashed). A
//! buyer subscribes to their area's data, and every audit passed pays the station's owner.
//! Two energy meters stand with them: a household with panels sells its energy to one without,
//! and every epoch both meters' audited registers settle their trade.
//!
//! It is restartable: devices already registered, sectors already committed and their live
//! deals are reused.

mod adversary;
mod deals;
mod hotspots;
mod jobs;
pub mod sensors;

pub use adversary::Strategy;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use depin_merkle::{Blake2, MerkleTree};
use depin_primitives::device::{DeviceKind, DeviceStatus};
use serde_json::{json, Value};
use sp_core::H256;
use subxt_signer::sr25519::Keypair;

use crate::{
	chain::{Chain, Wait},
	commands::{self, Home, Kind},
	depin,
	keystore::Scheme,
	prover::{Data, Honesty, LoadedSector, SectorTree},
	report::{dpn, Report},
	sector::LocalSector,
};

/// What to simulate.
#[derive(Clone, Debug)]
pub struct Options {
	pub devices: u32,
	/// Fraction (0..=1) of the storage devices that cheat.
	pub cheaters: f64,
	/// Stop after this many epochs.
	pub epochs: Option<u32>,
	/// Adversaries to play next to the honest devices, each with an account of its own.
	pub adversaries: Vec<Strategy>,
	/// Honest weather stations (and, with any, a broken and a lying one); 0: none.
	pub stations: u32,
}

/// Cells the simulated devices stand in (resolution 12, non-pentagon base cells).
const CITIES: [u64; 3] = [0x8c1f1d48945d9ff, 0x8c1fb46625551ff, 0x8c7a6e42ca207ff];
/// Bytes in each simulated sector.
const SECTOR_BYTES: usize = 64 * 1024;
/// The capacity every simulated compute device declares (the dev chain's own compute device's
/// too): 16 units of `depin_primitives::compute::SEGMENTS_PER_UNIT` segments.
pub const COMPUTE_UNITS: u64 = 16;

/// The H3 cell of simulated device `i`: its city's cell with the resolution-11 and -12
/// digits (bits 12..15 and 9..12, each 0..=6) set from `i`.
pub fn cell(i: u32) -> u64 {
	let city = CITIES.get((i % 3) as usize).copied().unwrap_or(CITIES[0]);
	let n = u64::from(i / 3) % 49;
	(city & !(0o77 << 9)) | ((n / 7) << 12) | ((n % 7) << 9)
}

fn kind(i: u32) -> Kind {
	match i % 3 {
		0 => Kind::Storage,
		1 => Kind::Coverage,
		_ => Kind::Compute,
	}
}

/// Device `i`'s sector: bytes from a xorshift stream seeded by `i`.
pub fn sector_bytes(i: u32) -> Vec<u8> {
	let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(i).wrapping_mul(0xff51_afd7_ed55_8ccd);
	let mut out = Vec::with_capacity(SECTOR_BYTES);
	while out.len() < SECTOR_BYTES {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		out.extend_from_slice(&state.to_le_bytes());
	}
	out.truncate(SECTOR_BYTES);
	out
}

/// Run the simulation; `log` gets one line (and one JSON value) per event worth telling.
pub async fn run(
	chain: &Chain,
	signer: &Keypair,
	options: Options,
	mut log: impl FnMut(Value, String),
) -> Result<Report> {
	if options.devices == 0 || options.devices > 1_000 {
		bail!("--devices must be between 1 and 1000");
	}
	if !(0.0..=1.0).contains(&options.cheaters) {
		bail!("--cheaters is a fraction between 0 and 1");
	}
	if options.stations > sensors::MAX_HONEST {
		bail!(
			"--stations must be at most {}: a home cell counts 16 stations of a schema an epoch, \
			 and the broken, the lying and the faking one stand there too",
			sensors::MAX_HONEST
		);
	}
	let sensing = options.adversaries.iter().any(|s| s.senses());
	let room = sensors::MAX_HONEST.saturating_sub(adversary::COPIES + 1);
	if sensing && options.stations > room {
		bail!(
			"--stations must be at most {room} with the sensor adversaries: their {} stations \
			 stand in the honest stations' home cell, which counts 16 an epoch",
			adversary::COPIES + 1
		);
	}
	let owner = signer.public_key().to_account_id();
	let dir = tempfile_dir()?;
	let home = Home(dir.clone());

	// Keys, and which of them the chain already knows.
	let mut store = home.keystore()?;
	let mut pairs = Vec::new();
	for i in 0..options.devices {
		let uri = format!("//depin-sim/{i}");
		let pair = Scheme::Sr25519.pair(&uri)?;
		store.add(&format!("sim-{i}"), &uri, &pair)?;
		pairs.push(pair);
	}
	let mut ids: Vec<Option<u64>> = Vec::new();
	for pair in &pairs {
		ids.push(chain.device_by_key(&pair.public()).await?.map(|(id, _)| id));
	}

	// Register the missing storage and compute devices, 50 to a transaction, owned by the
	// signer. Coverage hotspots have owners of their own (below).
	let missing: Vec<u32> = (0..options.devices)
		.filter(|&i| ids[i as usize].is_none() && kind(i) != Kind::Coverage)
		.collect();
	for batch in missing.chunks(50) {
		let specs: Vec<commands::DeviceSpec> = batch
			.iter()
			.map(|&i| commands::DeviceSpec {
				key: format!("sim-{i}"),
				kind: kind(i),
				location: format!("{:x}", cell(i)),
				capacity: match kind(i) {
					Kind::Storage => 1 << 20,
					Kind::Coverage | Kind::Sensor => 0,
					Kind::Compute => COMPUTE_UNITS,
				},
				model: format!("sim-{}", commands::kind_name(kind(i).into())),
				firmware: "1.0.0".into(),
				serial: format!("sim-{i}"),
				manager: None,
			})
			.collect();
		let report = commands::register(chain, &home, signer, &specs).await?;
		log(report.json.clone(), report.text.clone());
	}

	// Coverage hotspots: funded, registered and joined to the beacon roster by their owners.
	// Funded in one batch with the weather stations' accounts, which set their stations up in
	// a task of their own from here on, beside everything else.
	let coverage: Vec<u32> = (0..options.devices).filter(|&i| kind(i) == Kind::Coverage).collect();
	let lying = (options.cheaters * coverage.len() as f64).round() as usize;
	let mut wants = hotspots::owner_wants(hotspots::OWNERS, coverage.len())?;
	if options.stations > 0 {
		wants.extend(sensors::wants(options.stations)?);
	}
	let funded = hotspots::fund(chain, signer, &wants).await?;
	if funded > 0 {
		log(
			json!({ "event": "funded", "accounts": funded }),
			format!("funded {funded} hotspot owner(s) and sensor account(s)"),
		);
	}
	let (sensor_out, mut sensor_messages) = tokio::sync::mpsc::unbounded_channel();
	let sensing = (options.stations > 0).then(|| {
		let home = Home(dir.join("sensors"));
		tokio::spawn(sensors::run(chain.clone(), home, options.stations, sensor_out))
	});
	let hotspots = hotspots::prepare(
		chain,
		&home,
		signer,
		coverage.iter().map(|&i| (format!("sim-{i}"), pairs[i as usize].clone())).collect(),
		lying,
		hotspots::Placement { owners: hotspots::OWNERS, first: 0 },
		&mut log,
	)
	.await?;
	for (&i, hotspot) in coverage.iter().zip(&hotspots) {
		ids[i as usize] = Some(hotspot.id);
	}
	for (i, pair) in pairs.iter().enumerate() {
		if ids[i].is_none() {
			ids[i] = chain.device_by_key(&pair.public()).await?.map(|(id, _)| id);
		}
	}
	let ids: Vec<u64> = ids.into_iter().flatten().collect();
	if ids.len() != options.devices as usize {
		bail!("only {} of {} simulated devices are registered", ids.len(), options.devices);
	}
	let hotspot_ids: Vec<u64> = hotspots.iter().map(|h| h.id).collect();
	let owned: Vec<u64> = ids.iter().copied().filter(|id| !hotspot_ids.contains(id)).collect();

	// Storage devices: put their sectors under deals, commit them (one batch), remember which
	// cheat.
	let storage: Vec<u32> = (0..options.devices).filter(|&i| kind(i) == Kind::Storage).collect();
	let cheating = (options.cheaters * storage.len() as f64).round() as usize;
	let mut sectors = Vec::new();
	let mut commits = Vec::new();
	let mut replicas = Vec::new();
	for (n, &i) in storage.iter().enumerate() {
		let device = ids[i as usize];
		let bytes = sector_bytes(i);
		let tree = MerkleTree::<Blake2>::from_bytes(&bytes)
			.ok_or_else(|| anyhow::anyhow!("empty sector"))?;
		// A sector committed by an earlier run is reused; a new one gets its number from the
		// chain's `SectorCommitted` event below.
		let status = chain.proof_status(device).await?;
		let committed = status.as_ref().and_then(|s| {
			s.sectors.iter().find(|x| x.sector.root == H256(tree.root())).map(|x| x.index)
		});
		replicas.push(deals::Replica {
			device,
			root: H256(tree.root()),
			chunks: tree.chunks(),
			committed: committed.is_some(),
		});
		if committed.is_none() {
			commits.push(depin::Call::Proofs(
				depin::runtime_types::pallet_proofs::pallet::Call::commit_sector {
					device,
					root: H256(tree.root()),
					chunks: tree.chunks(),
				},
			));
		}
		let sector = committed.unwrap_or_default();
		let honesty = if n < cheating { Honesty::Cheating } else { Honesty::Honest };
		let local = LocalSector {
			device,
			sector,
			root: format!("0x{}", hex::encode(tree.root())),
			chunks: tree.chunks(),
			path: format!("memory:sim-{i}").into(),
		};
		sectors.push((
			LoadedSector { local, data: Data::Memory(bytes.into()), tree: SectorTree::Whole(tree) },
			pairs[i as usize].clone(),
			honesty,
		));
	}
	// The deals first: committing a sector activates the deal published for its root.
	let deal_of = deals::prepare(chain, signer, &deals::client()?, &replicas, &mut log).await?;
	// Every deal, settled at each epoch end: the honest devices' proven epochs are paid out,
	// the cheaters' (their proofs rejected, nothing counted) missed epochs counted.
	let all_deals: Vec<H256> = deal_of.values().copied().collect();
	if !commits.is_empty() {
		let count = commits.len();
		let included = chain.submit(&depin::tx().utility().batch_all(commits), signer).await?;
		let activated = included.events.find::<depin::proofs::events::DealActivated>().count();
		let mut first_challenge = None;
		for event in included.events.find::<depin::proofs::events::SectorCommitted>() {
			let event = event?;
			first_challenge = first_challenge.max(Some(event.first_challenge));
			for (loaded, _, _) in &mut sectors {
				if loaded.local.device == event.device && loaded.tree.root() == event.root.0 {
					loaded.local.sector = event.sector;
				}
			}
		}
		log(
			json!({
				"event": "committed",
				"sectors": count,
				"firstChallenge": first_challenge,
				"deals": activated,
				"block": format!("{:?}", included.block),
			}),
			format!("committed {count} sector(s) of 64 KiB, activating {activated} deal(s)"),
		);
	}
	// Compute devices: enrolled for capacity challenges; the cheating share runs only half of
	// each workload and makes up the other half's checkpoints.
	let compute: Vec<u32> = (0..options.devices).filter(|&i| kind(i) == Kind::Compute).collect();
	let lazy = (options.cheaters * compute.len() as f64).round() as usize;
	let mut workers = Vec::new();
	let mut enrolments = Vec::new();
	for (n, &i) in compute.iter().enumerate() {
		let device = ids[i as usize];
		if chain.compute_challenge(device).await?.is_none() {
			enrolments.push(depin::Call::Compute(
				depin::runtime_types::pallet_compute::pallet::Call::enroll { device },
			));
		}
		let diligence = if n < lazy { 0.5 } else { 1.0 };
		workers.push(crate::compute::Worker::new(device, pairs[i as usize].clone(), diligence));
	}
	if !enrolments.is_empty() {
		let count = enrolments.len();
		let included = chain.submit(&depin::tx().utility().batch_all(enrolments), signer).await?;
		let first = included
			.events
			.find::<depin::compute::events::Enrolled>()
			.filter_map(|e| e.ok().map(|e| e.first_challenge))
			.max();
		log(
			json!({ "event": "enrolled", "devices": count, "firstChallenge": first }),
			format!("enrolled {count} compute device(s) for capacity challenges"),
		);
	}
	let mut consumer = jobs::Consumer::prepare(chain, signer, &mut log).await?;
	// The compute workers' relayer (anyone may send commitments and reveals): an account of
	// its own, so that they go out beside the owner's transactions.
	let relayer = relayer()?;
	let top_ups = if options.stations > 0 { sensors::top_ups()? } else { Vec::new() };
	fund_relayer(chain, signer, &relayer, &top_ups).await?;
	// The relayer plays the compute rounds in a task of its own, block by block: their reveal
	// window is the shortest (a few blocks), and the owner's rounds and end-of-epoch claims
	// each wait for a block, which under load can take several. The consumer buys jobs from
	// copies of the workers (their devices and keys).
	let sellers: Vec<_> = workers
		.iter()
		.map(|w| crate::compute::Worker::new(w.device, w.key.clone(), w.diligence))
		.collect();
	let (work_out, mut work_rounds) = tokio::sync::mpsc::unbounded_channel();
	let computing = (!workers.is_empty())
		.then(|| tokio::spawn(play_compute(chain.clone(), relayer.clone(), workers, work_out)));
	// The adversaries: funded here (the signer's transactions are this task's), then each
	// set up and played in a task of its own, with a keystore of its own, so that none slows
	// the honest devices down. Their lines arrive on `adversary_lines`.
	let funded = adversary::fund(chain, signer, &options.adversaries, &mut log).await?;
	let (adversary_out, mut adversary_lines) = tokio::sync::mpsc::unbounded_channel();
	let mut playing = Vec::new();
	for &strategy in &options.adversaries {
		let home = Home(dir.join(format!("adversary-{}", strategy.name())));
		std::fs::create_dir_all(&home.0)?;
		playing.push(tokio::spawn(adversary::run(
			strategy,
			chain.clone(),
			home,
			funded.contains(&strategy),
			adversary_out.clone(),
		)));
	}
	let mut books: BTreeMap<String, Value> = BTreeMap::new();
	let take_lines = |lines: &mut tokio::sync::mpsc::UnboundedReceiver<(Value, String)>,
	                  books: &mut BTreeMap<String, Value>,
	                  log: &mut dyn FnMut(Value, String)| {
		while let Ok(line) = lines.try_recv() {
			note_adversary_line(line, books, log);
		}
	};
	log(
		json!({
			"event": "started",
			"devices": ids.len(),
			"storage": storage.len(),
			"cheating": cheating,
			"deals": deal_of.len(),
			"hotspots": hotspots.len(),
			"lying": lying,
			"compute": compute.len(),
			"lazy": lazy,
			"adversaries": options.adversaries.iter().map(|s| s.name()).collect::<Vec<_>>(),
			"stations": options.stations,
			"owner": owner.to_string(),
		}),
		format!(
			"simulating {} devices ({} storage, {cheating} of them cheating, {} under deals; {} \
			 coverage hotspots, {lying} of them witnessing falsely; {} compute, {lazy} of them \
			 skipping half their work) owned by {owner} and the hotspots' owners",
			ids.len(),
			storage.len(),
			deal_of.len(),
			hotspots.len(),
			compute.len()
		),
	);

	// Prove every block, report and claim every epoch.
	let mut answered = BTreeSet::new();
	// Beacons the cheating hotspots have replayed late, by beaconer and epoch.
	let mut replayed = BTreeSet::new();
	let mut epoch = chain.epoch().await?.index;
	let mut seen = 0u32;
	// Accepted, rejected, points, by the epoch the proofs answered: a block's proofs are sent
	// before its epoch change is reported, so they may belong to the next epoch's tally.
	let mut tallies: BTreeMap<u32, (u32, u32, u64)> = BTreeMap::new();
	let mut deal_tallies: BTreeMap<u32, deals::Tally> = BTreeMap::new();
	let mut coverage_tallies: BTreeMap<u32, hotspots::Round> = BTreeMap::new();
	let mut compute_tallies: BTreeMap<u32, crate::compute::Round> = BTreeMap::new();
	let mut job_tallies: BTreeMap<u32, jobs::Tally> = BTreeMap::new();
	let mut sensor_tallies: BTreeMap<u32, sensors::Tally> = BTreeMap::new();
	let mut claimed_total: u128 = 0;
	let mut blocks = chain.client.stream_best_blocks().await?;
	while let Some(block) = blocks.next().await {
		let number = block.map_err(|e| anyhow::anyhow!("lost the chain: {e}"))?.number();
		take_lines(&mut adversary_lines, &mut books, &mut log);
		if u32::try_from(number)? < chain.best_number().await? {
			// A notification that queued up while the last block was played: act on the
			// latest block only.
			continue;
		}
		// The owner's proofs and bundles, and beside them (another account, so no nonce is
		// shared) the consumer's releases of jobs whose dispute window has passed (their
		// points count in the epoch in progress).
		let block_number = u32::try_from(number)?;
		let owners = async {
			let round = commands::prove_round(chain, signer, &mut sectors, &mut answered).await;
			let beacons =
				hotspots::round(chain, signer, &hotspots, block_number, &mut replayed).await;
			(round, beacons)
		};
		let ((round, beacons), released) =
			futures::join!(owners, consumer.release(chain, block_number));
		// A round that fails (a refusal under load, the node out of reach for a moment) is
		// reported, and the next block's round tries again, as the `prove` daemon does.
		let mut failed = |what: &str, error: anyhow::Error| {
			commands::round_failed(&mut log, number, what, &error)
		};
		match round {
			Ok(round) => {
				let tally = tallies.entry(round.epoch.unwrap_or(epoch)).or_default();
				tally.0 = tally.0.saturating_add(round.accepted);
				tally.1 = tally.1.saturating_add(round.rejected.len() as u32);
				tally.2 = tally.2.saturating_add(round.points);
				deal_tallies.entry(round.epoch.unwrap_or(epoch)).or_default().add_round(&round);
			},
			Err(error) => failed("storage", error),
		}
		match beacons {
			Ok(beacons) => {
				let tally = coverage_tallies.entry(beacons.epoch.unwrap_or(epoch)).or_default();
				tally.beacons = tally.beacons.saturating_add(beacons.beacons);
				tally.confirmed = tally.confirmed.saturating_add(beacons.confirmed);
				tally.witnesses = tally.witnesses.saturating_add(beacons.witnesses);
				tally.points = tally.points.saturating_add(beacons.points);
				tally.rejected.extend(beacons.rejected);
			},
			Err(error) => failed("coverage", error),
		}
		let released = released?;
		take_work(&mut work_rounds, &mut compute_tallies, &mut log);
		take_sensors(&mut sensor_messages, &mut sensor_tallies, &mut log);
		let now = chain.epoch().await?.index;
		job_tallies.entry(now).or_default().add(released);
		if now == epoch {
			continue;
		}
		// An epoch ended: settle the deals (the proven epochs paid out, the cheaters' misses
		// counted: they belong to the epoch that ended), while the consumer buys a job from
		// every active compute device for the new one; count what the devices look like now,
		// claim what they earned.
		consumer.top_up(chain, signer).await?;
		fund_relayer(chain, signer, &relayer, &top_ups).await?;
		let (settled, bought) = futures::join!(
			deals::settle(chain, signer, &all_deals, now),
			consumer.buy(chain, &sellers)
		);
		job_tallies.entry(now).or_default().add(bought?);
		deal_tallies.entry(epoch).or_default().add(settled?);
		let devices = chain.devices_of(&owner).await?;
		let mine: Vec<_> = devices.iter().filter(|(id, _)| ids.contains(id)).collect();
		let suspended = mine.iter().filter(|(_, d)| d.status == DeviceStatus::Suspended).count();
		// Missed epochs in a row, the ones the chain has not recorded yet included.
		let mut faults = 0u32;
		for (id, _) in &mine {
			if let Some(status) = chain.proof_status(*id).await? {
				faults = faults.saturating_add(status.consecutive_faults);
			}
		}
		let total = |report: &Report| -> u128 {
			report.json["total"].as_str().and_then(|t| t.parse().ok()).unwrap_or_default()
		};
		let claim = commands::claim(chain, signer, &owned, Wait::InBlock).await?;
		let mut claimed: u128 = total(&claim);
		// Each hotspot's owner claims its own rewards.
		let claims = hotspots
			.iter()
			.map(|h| commands::claim(chain, &h.owner, std::slice::from_ref(&h.id), Wait::InBlock));
		for report in futures::future::try_join_all(claims).await? {
			claimed = claimed.saturating_add(total(&report));
		}
		claimed_total = claimed_total.saturating_add(claimed);
		let tally = tallies.remove(&epoch).unwrap_or_default();
		let deal_tally = deal_tallies.remove(&epoch).unwrap_or_default();
		let beacons = coverage_tallies.remove(&epoch).unwrap_or_default();
		take_work(&mut work_rounds, &mut compute_tallies, &mut log);
		let work = compute_tallies.remove(&epoch).unwrap_or_default();
		take_sensors(&mut sensor_messages, &mut sensor_tallies, &mut log);
		let stations = sensor_tallies.remove(&epoch).unwrap_or_default();
		let stations_text =
			if options.stations > 0 { format!("; {}", stations.text()) } else { String::new() };
		let jobs = job_tallies.remove(&epoch).unwrap_or_default();
		let mut reasons: BTreeMap<&str, u32> = BTreeMap::new();
		for (_, reason) in &beacons.rejected {
			*reasons.entry(reason.as_str()).or_default() += 1;
		}
		let reasons_text = if reasons.is_empty() {
			String::new()
		} else {
			let list: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
			format!(" ({})", list.join(", "))
		};
		log(
			json!({
				"event": "epoch",
				"epoch": epoch,
				"block": number,
				"accepted": tally.0,
				"rejected": tally.1,
				"points": tally.2,
				"faults": faults,
				"suspended": suspended,
				"deals": deal_tally.json(),
				"coverage": {
					"beacons": beacons.beacons,
					"confirmed": beacons.confirmed,
					"witnesses": beacons.witnesses,
					"points": beacons.points,
					"rejected": reasons,
				},
				"compute": {
					"committed": work.committed,
					"proven": work.proven,
					"points": jobs.points,
					"jobs": jobs.json(),
					"faked": work.faked,
					"withheld": work.withheld,
					"rejected": work.rejected.iter().map(|(d, e)| json!({ "device": d, "error": e })).collect::<Vec<_>>(),
				},
				"sensors": stations.json(),
				"claimed": claimed.to_string(),
			}),
			format!(
				"epoch {epoch} ended: {} proofs accepted ({} points), {} rejected; {}; \
				 {faults} consecutive faults on record, {suspended} device(s) suspended; \
				 {} beacons ({} confirmed), {} witnesses accepted ({} coverage points), {} \
				 receipts rejected{reasons_text}; {} workloads committed, {} audits passed, {} \
				 caught faking, {} kept a reveal back; {}{stations_text}; claimed {}",
				tally.0,
				tally.2,
				tally.1,
				deal_tally.text(),
				beacons.beacons,
				beacons.confirmed,
				beacons.witnesses,
				beacons.points,
				beacons.rejected.len(),
				work.committed,
				work.proven,
				work.faked.len(),
				work.withheld.len(),
				jobs.text(),
				dpn(claimed)
			),
		);
		take_lines(&mut adversary_lines, &mut books, &mut log);
		let ended = epoch;
		epoch = now;
		seen = seen.saturating_add(1);
		if options.epochs.is_some_and(|e| seen >= e) {
			// The adversaries' books of the last epoch, as they close them (a minute at most).
			let wait = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
			while options.adversaries.iter().any(|s| {
				books.get(s.name()).and_then(|b| b["epoch"].as_u64()) < Some(u64::from(ended))
			}) {
				match tokio::time::timeout_at(wait, adversary_lines.recv()).await {
					Ok(Some(line)) => note_adversary_line(line, &mut books, &mut log),
					_ => break,
				}
			}
			break;
		}
	}
	for task in playing.into_iter().chain(computing).chain(sensing) {
		task.abort();
	}
	let kinds =
		|k: DeviceKind| (0..options.devices).filter(|&i| DeviceKind::from(kind(i)) == k).count();
	Ok(Report::new(
		format!("simulated {seen} epoch(s); claimed {} in all", dpn(claimed_total)),
		json!({
			"epochs": seen,
			"claimed": claimed_total.to_string(),
			"devices": { "storage": kinds(DeviceKind::Storage), "coverage": kinds(DeviceKind::Coverage), "compute": kinds(DeviceKind::Compute) },
			"sensors": {
				"honest": options.stations,
				"broken": u32::from(options.stations > 0),
				"lying": u32::from(options.stations > 0),
				"faking": u32::from(options.stations > 0),
				"meters": if options.stations > 0 { 2 } else { 0 },
			},
			"adversaries": books.into_values().collect::<Vec<_>>(),
		}),
	))
}

/// A compute round the relayer played: the block it started at, and what it came to (or why
/// it failed).
type WorkRound = (u32, Result<crate::compute::Round>);

/// Play the compute workers' rounds with `relayer` at every new best block, sending each round
/// to `out`. A round that fails (a transaction refused, the node unreachable for a moment) is
/// reported, and the next block's round tries again, as a daemon would: the workers keep
/// their workloads, so a commitment or a reveal still due goes out then.
async fn play_compute(
	chain: Chain,
	relayer: Keypair,
	mut workers: Vec<crate::compute::Worker>,
	out: tokio::sync::mpsc::UnboundedSender<WorkRound>,
) {
	let mut blocks = chain.best_blocks();
	let lost = |error: String| out.send((0, Err(anyhow::anyhow!(error)))).is_ok();
	while let Some(number) = blocks.next(lost).await {
		let round = crate::compute::round(&chain, &relayer, &mut workers).await;
		if out.send((number, round)).is_err() {
			return;
		}
	}
}

/// Tally the compute rounds played since the last call, by the epoch they answered, and log
/// each (the block it started at, what it sent and what came of it).
fn take_work(
	rounds: &mut tokio::sync::mpsc::UnboundedReceiver<WorkRound>,
	tallies: &mut BTreeMap<u32, crate::compute::Round>,
	log: &mut dyn FnMut(Value, String),
) {
	while let Ok((block, round)) = rounds.try_recv() {
		let work = match round {
			Ok(work) => work,
			Err(error) => {
				log(
					json!({ "event": "computeError", "block": block, "error": format!("{error:#}") }),
					format!("compute relayer at block {block}: {error:#}"),
				);
				continue;
			},
		};
		let Some(epoch) = work.epoch else { continue };
		let sent = work.committed > 0
			|| work.proven > 0
			|| !(work.faked.is_empty() && work.withheld.is_empty() && work.rejected.is_empty());
		if !sent {
			continue;
		}
		log(
			json!({
				"event": "computeRound",
				"block": block,
				"epoch": epoch,
				"committed": work.committed,
				"proven": work.proven,
				"faked": work.faked,
				"withheld": work.withheld,
				"rejected": work.rejected.iter().map(|(d, e)| json!({ "device": d, "error": e })).collect::<Vec<_>>(),
			}),
			format!(
				"compute relayer at block {block} (epoch {epoch}): {} committed, {} revealed and \
				 proven, {} caught faking, {} kept back, {} rejected",
				work.committed,
				work.proven,
				work.faked.len(),
				work.withheld.len(),
				work.rejected.len()
			),
		);
		let tally = tallies.entry(epoch).or_default();
		tally.committed = tally.committed.saturating_add(work.committed);
		tally.proven = tally.proven.saturating_add(work.proven);
		tally.faked.extend(work.faked);
		tally.withheld.extend(work.withheld);
		tally.rejected.extend(work.rejected);
	}
}

/// What the compute relayer is topped up to, below its floor.
const RELAYER_FUNDS: u128 = 20_000_000_000_000;
const RELAYER_FLOOR: u128 = 5_000_000_000_000;

/// The simulator's account derived from the dev phrase at `uri` (`//depin-sim/…`).
pub(crate) fn derive(uri: &str) -> Result<Keypair> {
	let parsed: subxt_signer::SecretUri =
		uri.parse().map_err(|e| anyhow::anyhow!("bad derivation path {uri}: {e}"))?;
	Keypair::from_uri(&parsed).map_err(|e| anyhow::anyhow!("cannot derive {uri}: {e}"))
}

/// The account that sends the compute workers' commitments and reveals.
fn relayer() -> Result<Keypair> {
	derive("//depin-sim/relayer")
}

/// Top the relayer (and the accounts of `others`: `(account, floor, amount)`) up from
/// `signer` when it runs below its floor, in one batch.
async fn fund_relayer(
	chain: &Chain,
	signer: &Keypair,
	relayer: &Keypair,
	others: &[(subxt::utils::AccountId32, u128, u128)],
) -> Result<()> {
	let id = relayer.public_key().to_account_id();
	let mut wants = vec![(id, RELAYER_FLOOR, RELAYER_FUNDS)];
	wants.extend_from_slice(others);
	hotspots::fund(chain, signer, &wants).await?;
	Ok(())
}

/// Tally the weather stations' rounds since the last call by the epoch they played in, and log
/// each that did something, and the stations' own lines.
fn take_sensors(
	messages: &mut tokio::sync::mpsc::UnboundedReceiver<sensors::Message>,
	tallies: &mut BTreeMap<u32, sensors::Tally>,
	log: &mut dyn FnMut(Value, String),
) {
	while let Ok(message) = messages.try_recv() {
		match message {
			sensors::Message::Line(json, text) => log(json, text),
			sensors::Message::Round { block, epoch, tally } => {
				if tally.is_empty() {
					continue;
				}
				let mut json = tally.json();
				json["event"] = json!("sensorRound");
				json["block"] = json!(block);
				json["epoch"] = json!(epoch);
				log(json, format!("sensors at block {block} (epoch {epoch}): {}", tally.text()));
				tallies.entry(epoch).or_default().add(&tally);
			},
		}
	}
}

/// Log a line an adversary reported, keeping its books (the last `adversaryBooks` of each).
fn note_adversary_line(
	(json, text): (Value, String),
	books: &mut BTreeMap<String, Value>,
	log: &mut dyn FnMut(Value, String),
) {
	if json["event"] == "adversaryBooks" {
		books.insert(json["strategy"].as_str().unwrap_or_default().to_string(), json.clone());
	}
	log(json, text);
}

/// The simulator's throwaway keystore (derived keys; nothing secret).
fn tempfile_dir() -> Result<std::path::PathBuf> {
	let dir = std::env::temp_dir().join(format!("depin-sim-{}", std::process::id()));
	if dir.exists() {
		std::fs::remove_dir_all(&dir)?;
	}
	std::fs::create_dir_all(&dir)?;
	Ok(dir)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn simulated_cells_are_valid_distinct_h3_cells_at_resolution_12() {
		let cells: BTreeSet<u64> = (0..147).map(cell).collect();
		assert_eq!(cells.len(), 147);
		for c in cells {
			let valid = depin_primitives::h3::H3Cell::new(c).expect("a valid cell");
			assert_eq!(valid.resolution(), 12);
		}
	}

	#[test]
	fn simulated_sectors_are_distinct_and_deterministic() {
		assert_eq!(sector_bytes(3), sector_bytes(3));
		assert_ne!(sector_bytes(3), sector_bytes(4));
		assert_eq!(sector_bytes(0).len(), SECTOR_BYTES);
	}
}
