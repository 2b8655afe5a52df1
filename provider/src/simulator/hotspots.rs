//! Simulated coverage hotspots: real H3 cells around Berlin, one owner each (a beacon's
//! witnesses must not share its operator), joined to the beacon roster. Whenever the chain
//! draws one of them, it beacons; the others that "hear" it (the radio model of
//! [`crate::coverage::hear`]) sign receipts, and the simulator relays the bundle.
//!
//! Cheating hotspots witness implausibly, a different way each epoch: from a cell they are not
//! registered at, with a signal no radio reports, or for a moment before the beacon was sent.
//! The chain rejects each of those receipts with its reason; hotspots sharing a
//! resolution-8 cell (from the eighth on) are rejected as too close, as real ones would be.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use depin_primitives::DevicePair;
use futures::future::try_join_all;
use serde_json::json;
use sp_core::H256;
use subxt::utils::{AccountId32, MultiAddress};
use subxt_signer::sr25519::Keypair;

use crate::{
	chain::{bridge, BlockNumber, Chain, Wait},
	commands::{self, error_name, DeviceSpec, Home, Kind},
	coverage::{self, BeaconParams, Measurement, FREQUENCY},
	depin,
};

type BeaconStatus = depin_primitives::coverage::BeaconStatus<BlockNumber>;
type RecordedBeacon = depin_primitives::coverage::Beacon<BlockNumber>;

/// A resolution-12 cell in Berlin; hotspots take its resolution-8 and -9 digits from their
/// number, so the first seven stand in seven neighbouring resolution-8 cells (one or two grid
/// steps apart) of one resolution-7 cell.
const BERLIN: u64 = 0x8c1f1d48945d9ff;
/// Each hotspot owner's funds for its deposit and fees.
const FUNDING: u128 = 50_000_000_000_000;
/// How far a simulated hotspot hears, in resolution-8 grid steps.
const RANGE: u32 = 10;

/// The cell of hotspot number `n` (0, 1, …).
pub fn cell(n: u32) -> u64 {
	let near = u64::from(n % 7);
	let far = u64::from((n / 7) % 7);
	(BERLIN & !(0o77 << 18)) | (near << 21) | (far << 18)
}

/// A simulated hotspot.
pub struct Hotspot {
	pub id: u64,
	pub key: DevicePair,
	pub owner: Keypair,
	pub cell: u64,
	pub cheats: bool,
}

/// What the hotspots did in one round.
#[derive(Default, Debug, Clone)]
pub struct Round {
	/// The epoch the beacons belong to.
	pub epoch: Option<u32>,
	pub beacons: u32,
	pub confirmed: u32,
	pub witnesses: u32,
	pub points: u64,
	/// Rejected receipts and beacons, with their reasons.
	pub rejected: Vec<(u64, String)>,
}

/// The honest hotspots' owners: `//depin-sim/owner/<n>`.
pub const OWNERS: &str = "//depin-sim/owner";

fn owner_of(owners: &str, n: u32) -> Result<Keypair> {
	super::derive(&format!("{owners}/{n}"))
}

/// Fund simulated accounts from the signer, in one batch: each `(account, floor, amount)`
/// whose free balance is below `floor` gets `amount`. Returns how many were funded.
pub async fn fund(
	chain: &Chain,
	signer: &Keypair,
	wants: &[(AccountId32, u128, u128)],
) -> Result<usize> {
	let mut transfers = Vec::new();
	for (who, floor, amount) in wants {
		if chain.free_balance(who).await? < *floor {
			transfers.push(depin::Call::Balances(
				depin::runtime_types::pallet_balances::pallet::Call::transfer_keep_alive {
					dest: MultiAddress::Id(*who),
					value: *amount,
				},
			));
		}
	}
	let funded = transfers.len();
	if funded > 0 {
		chain
			.submit_until(&depin::tx().utility().batch_all(transfers), signer, Wait::InBlock)
			.await?;
	}
	Ok(funded)
}

/// What the owners of `count` hotspots under `owners` need, as [`fund`] takes it: the caller
/// may fund them with other accounts in one batch before [`prepare`], which then funds none.
pub fn owner_wants(owners: &str, count: usize) -> Result<Vec<(AccountId32, u128, u128)>> {
	(0..count)
		.map(|n| {
			let owner = owner_of(owners, u32::try_from(n)?)?;
			Ok((owner.public_key().to_account_id(), FUNDING / 2, FUNDING))
		})
		.collect()
}

/// Where hotspots stand and who owns them: hotspot `n` (0, 1, …) stands in cell
/// `cell(first + n)` and is owned by `<owners>/<n>`, funded by `signer`.
pub struct Placement<'a> {
	pub owners: &'a str,
	pub first: u32,
}

/// Fund, register and join the hotspots `(key name, device key)`, in order, as `placement`
/// says; devices an earlier run registered are reused. The last `cheaters` of them cheat.
pub async fn prepare(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	devices: Vec<(String, DevicePair)>,
	cheaters: usize,
	placement: Placement<'_>,
	log: &mut impl FnMut(serde_json::Value, String),
) -> Result<Vec<Hotspot>> {
	let count = devices.len();
	let mut owners = Vec::with_capacity(count);
	for n in 0..count {
		owners.push(owner_of(placement.owners, u32::try_from(n)?)?);
	}
	let cell_of = |n: usize| cell(placement.first.saturating_add(n as u32));

	// Funds for the owners that need them, in one batch from the signer (none if the caller
	// funded them already, [`owner_wants`]).
	let wants = owner_wants(placement.owners, count)?;
	let funded = fund(chain, signer, &wants).await.context("cannot fund the hotspot owners")?;
	if funded > 0 {
		log(
			json!({ "event": "funded", "owners": funded }),
			format!("funded {funded} hotspot owner(s)"),
		);
	}

	// Registrations, each by its own owner, all at once.
	let mut ids = Vec::with_capacity(count);
	for (_, key) in &devices {
		ids.push(chain.device_by_key(&key.public()).await?.map(|(id, _)| id));
	}
	let registrations =
		devices.iter().enumerate().filter(|(n, _)| ids[*n].is_none()).map(|(n, (name, _))| {
			let spec = DeviceSpec {
				key: name.clone(),
				kind: Kind::Coverage,
				location: format!("{:x}", cell_of(n)),
				capacity: 0,
				model: "sim-hotspot".into(),
				firmware: "1.0.0".into(),
				serial: name.clone(),
				manager: None,
			};
			let owner = &owners[n];
			async move { commands::register(chain, home, owner, &[spec]).await }
		});
	for report in try_join_all(registrations).await? {
		log(report.json.clone(), report.text.clone());
	}
	let mut hotspots = Vec::with_capacity(count);
	for (n, ((name, key), owner)) in devices.into_iter().zip(owners).enumerate() {
		let id = match ids[n] {
			Some(id) => id,
			None => chain
				.device_by_key(&key.public())
				.await?
				.map(|(id, _)| id)
				.with_context(|| format!("hotspot {name} did not register"))?,
		};
		let cheats = n >= count.saturating_sub(cheaters);
		hotspots.push(Hotspot { id, key, owner, cell: cell_of(n), cheats });
	}

	// Into the beacon roster.
	let mut joins = Vec::new();
	for hotspot in &hotspots {
		if !chain.in_roster(hotspot.id).await? {
			joins.push(async move {
				let call = depin::tx().coverage().join(hotspot.id);
				chain
					.submit_roster_change(&call, &hotspot.owner, Wait::InBlock)
					.await
					.map(|_| hotspot.id)
			});
		}
	}
	let joined = try_join_all(joins).await?;
	if !joined.is_empty() {
		log(
			json!({ "event": "joined", "devices": joined }),
			format!("{} hotspot(s) joined the beacon roster", joined.len()),
		);
	}
	Ok(hotspots)
}

/// The receipt `witness` signs for a beacon from `from` sent at `sent_at`, honest or (for a
/// cheater) implausible in the way of `epoch`; `None` if an honest witness did not hear it.
fn witness(
	genesis: H256,
	beacon: H256,
	from: u64,
	sent_at: BlockNumber,
	epoch: u32,
	witness: &Hotspot,
) -> Option<coverage::Receipt> {
	let (signal, snr) = coverage::hear(from, witness.cell, RANGE)?;
	let mut measured =
		Measurement { signal, snr, frequency: FREQUENCY, received_at: sent_at, cell: witness.cell };
	if witness.cheats {
		match epoch % 3 {
			// Claims to stand right next to the beaconer.
			0 => measured.cell = from,
			// A signal stronger than any radio reports.
			1 => measured.signal = 20,
			// Heard before it was sent.
			_ => measured.received_at = sent_at.saturating_sub(1),
		}
	}
	Some(coverage::receipt(genesis, beacon, witness.id, measured, &witness.key))
}

/// The receipts the cheating hotspots sign for a beacon they read on chain after it was
/// recorded, once its receipt window has closed: each claims to have heard it when it was sent.
/// The chain refuses them (`TooLate`): a recorded beacon's id is public, so a late receipt
/// proves nothing.
fn late_receipts(
	genesis: H256,
	status: &BeaconStatus,
	recorded: &RecordedBeacon,
	hotspots: &[Hotspot],
) -> Vec<coverage::Receipt> {
	hotspots
		.iter()
		.filter(|h| h.cheats && h.id != status.device && !status.witnesses.contains(&h.id))
		.filter_map(|h| {
			let (signal, snr) = coverage::hear(cell_of(hotspots, status.device)?, h.cell, RANGE)?;
			let measured = Measurement {
				signal,
				snr,
				frequency: recorded.frequency,
				received_at: recorded.sent_at,
				cell: h.cell,
			};
			Some(coverage::receipt(genesis, recorded.id, h.id, measured, &h.key))
		})
		.collect()
}

/// What `spoofers` (hotspots registered somewhere they are not) do: they hear no radio, so
/// they read the beacons other hotspots have just recorded and, while a beacon's receipt
/// window is open, relay it again (its report rebuilt from the recorded fields: a recorded
/// beacon is matched by its id, not its signature) with a receipt of their own that claims a
/// plausible signal. The chain takes the receipts (the rules cannot tell them from heard ones)
/// and pays them nothing while the spoofers are on probation. `overheard` remembers the
/// beacons already answered.
pub async fn overhear(
	chain: &Chain,
	relayer: &Keypair,
	spoofers: &[Hotspot],
	now: BlockNumber,
	overheard: &mut BTreeSet<(u64, u32)>,
) -> Result<Round> {
	let genesis = chain.genesis();
	let window = receipt_window(chain).await?;
	let mut bundles = Vec::new();
	for status in chain.coverage_beacons().await? {
		let Some(recorded) = &status.beacon else { continue };
		if spoofers.iter().any(|s| s.id == status.device)
			|| now > recorded.recorded_at.saturating_add(window)
			|| !overheard.insert((status.device, status.epoch))
		{
			continue;
		}
		let receipts: Vec<coverage::Receipt> = spoofers
			.iter()
			.filter(|s| !status.witnesses.contains(&s.id))
			.map(|s| {
				let measured = Measurement {
					signal: -95,
					snr: 40,
					frequency: recorded.frequency,
					received_at: recorded.sent_at,
					cell: s.cell,
				};
				coverage::receipt(genesis, recorded.id, s.id, measured, &s.key)
			})
			.collect();
		if receipts.is_empty() {
			continue;
		}
		// The report as recorded; its signature is not checked again (nor known).
		let beacon = coverage::Beacon {
			device: status.device,
			epoch: status.epoch,
			sent_at: recorded.sent_at,
			frequency: recorded.frequency,
			signature: depin_primitives::DeviceSignature::Sr25519(
				sp_core::sr25519::Signature::from_raw([0; 64]),
			),
		};
		bundles.push(coverage::Bundle {
			beacon,
			receipts: receipts.try_into().map_err(|_| anyhow::anyhow!("more than 25 receipts"))?,
		});
	}
	submit(chain, relayer, bundles, Round::default()).await
}

/// The blocks after a beacon is recorded during which receipts for it are taken.
async fn receipt_window(chain: &Chain) -> Result<BlockNumber> {
	chain
		.client
		.at_current_block()
		.await
		.context("cannot read the chain")?
		.constants()
		.entry(depin::constants().coverage().receipt_window())
		.context("the runtime has no coverage receipt window")
}

fn cell_of(hotspots: &[Hotspot], device: u64) -> Option<u64> {
	hotspots.iter().find(|h| h.id == device).map(|h| h.cell)
}

/// Beacon for every hotspot the chain drew and that has not beaconed yet, with the receipts
/// of every other hotspot that hears it; relay all bundles in one transaction signed by
/// `relayer`. Beacons recorded earlier get the cheaters' late receipts once (`replayed`
/// remembers which).
pub async fn round(
	chain: &Chain,
	relayer: &Keypair,
	hotspots: &[Hotspot],
	now: BlockNumber,
	replayed: &mut BTreeSet<(u64, u32)>,
) -> Result<Round> {
	let genesis = chain.genesis();
	let mut bundles = Vec::new();
	let mut round = Round::default();
	// The block we heard of may trail the best block the node answers from: never date a
	// beacon before its epoch started.
	let now = now.max(chain.epoch().await?.start);
	let window = receipt_window(chain).await?;
	// Each hotspot asks whether it won this epoch's lottery.
	let mut tickets = Vec::new();
	for hotspot in hotspots {
		tickets.extend(chain.coverage_ticket(hotspot.id).await?);
	}
	for status in tickets {
		if now > status.deadline {
			continue;
		}
		if let Some(recorded) = &status.beacon {
			let Some(beaconer) = hotspots.iter().find(|h| h.id == status.device) else { continue };
			if now <= recorded.recorded_at.saturating_add(window)
				|| !replayed.insert((status.device, status.epoch))
			{
				continue;
			}
			let receipts = late_receipts(genesis, &status, recorded, hotspots);
			if receipts.is_empty() {
				continue;
			}
			let params = BeaconParams {
				genesis,
				device: beaconer.id,
				epoch: status.epoch,
				challenge: status.challenge,
				sent_at: recorded.sent_at,
				frequency: recorded.frequency,
			};
			bundles.push(coverage::Bundle {
				beacon: coverage::beacon(&params, &beaconer.key),
				receipts: receipts
					.try_into()
					.map_err(|_| anyhow::anyhow!("more than 25 receipts"))?,
			});
			continue;
		}
		let Some(beaconer) = hotspots.iter().find(|h| h.id == status.device) else { continue };
		round.epoch = round.epoch.max(Some(status.epoch));
		let params = BeaconParams {
			genesis,
			device: beaconer.id,
			epoch: status.epoch,
			challenge: status.challenge,
			sent_at: now,
			frequency: FREQUENCY,
		};
		let beacon = coverage::beacon(&params, &beaconer.key);
		let id = coverage::beacon_id(&beacon);
		round.beacons = round.beacons.saturating_add(1);
		let receipts: Vec<coverage::Receipt> = hotspots
			.iter()
			.filter(|h| h.id != beaconer.id)
			.filter_map(|h| witness(genesis, id, beaconer.cell, now, status.epoch, h))
			.take(25)
			.collect();
		bundles.push(coverage::Bundle {
			beacon,
			receipts: receipts.try_into().map_err(|_| anyhow::anyhow!("more than 25 receipts"))?,
		});
	}
	submit(chain, relayer, bundles, round).await
}

/// Relay `bundles` in one transaction signed by `relayer`, and add what the chain made of them
/// to `round`.
async fn submit(
	chain: &Chain,
	relayer: &Keypair,
	bundles: Vec<coverage::Bundle>,
	mut round: Round,
) -> Result<Round> {
	if bundles.is_empty() {
		return Ok(round);
	}
	let call = depin::tx().coverage().submit_beacons(bridge(&bundles)?);
	let included = chain.submit_until(&call, relayer, Wait::InBlock).await?;
	use depin::coverage::events::{
		BeaconConfirmed, ItemRejected, WitnessAccepted, WitnessRejected,
	};
	for event in included.events.find::<WitnessAccepted>() {
		let event = event?;
		round.witnesses = round.witnesses.saturating_add(1);
		round.points = round.points.saturating_add(event.points);
	}
	// A beacon is confirmed once; a fresher witness in a later bundle may add to its points in
	// another event.
	let mut confirmed = BTreeSet::new();
	for event in included.events.find::<BeaconConfirmed>() {
		let event = event?;
		if confirmed.insert(event.device) {
			round.confirmed = round.confirmed.saturating_add(1);
		}
		round.points = round.points.saturating_add(event.points);
	}
	for event in included.events.find::<WitnessRejected>() {
		let event = event?;
		let reason: depin_primitives::coverage::WitnessRejection = bridge(&event.reason)?;
		round.rejected.push((event.witness, format!("{reason:?}")));
	}
	for event in included.events.find::<ItemRejected>() {
		let event = event?;
		round.rejected.push((event.device, error_name(&included, &event.error)));
	}
	Ok(round)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn hotspot_cells_are_valid_neighbours_in_one_density_cell() {
		use depin_primitives::h3::H3Cell;
		let first = H3Cell::new(cell(0)).expect("valid");
		for n in 0..49 {
			let c = H3Cell::new(cell(n)).expect("a valid cell");
			assert_eq!(c.resolution(), 12);
			assert_eq!(c.parent(7), first.parent(7), "one density cell");
		}
		for n in 1..7 {
			let steps = first
				.parent(8)
				.and_then(|f| f.grid_distance(H3Cell::new(cell(n)).ok()?.parent(8)?));
			assert!(matches!(steps, Some(1..=2)), "hotspot {n}: {steps:?}");
			assert!(coverage::hear(cell(0), cell(n), RANGE).is_some());
		}
	}
}
