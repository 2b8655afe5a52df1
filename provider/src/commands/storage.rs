//! Storage: committing sectors, and the daemon proving them.

use std::{
	collections::BTreeSet,
	path::{Path, PathBuf},
};

use anyhow::{anyhow, bail, Context, Result};
use depin_merkle::{Blake2, MerkleTree};
use depin_primitives::device::{DeviceKind, DeviceStatus};
use serde_json::{json, Value};
use sp_core::H256;
use subxt_signer::sr25519::Keypair;

use super::{error_name, kind_name, Home};
use crate::{
	chain::{bridge, Chain, Wait},
	depin,
	keystore::{public_hex, DevicePair},
	prover::{self, Honesty, LoadedSector},
	report::{dpn, Report},
	sector::{LocalSector, SectorData},
};

/// Build the Merkle tree of a file or folder and commit it as a sector of `device`.
pub async fn storage_commit(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	device: u64,
	path: &Path,
	progress: impl FnMut(u64, u64),
) -> Result<Report> {
	check_can_commit(chain, device).await?;
	let hashed = hash_data(path, progress)?;
	commit_tree(chain, home, signer, device, &hashed).await
}

/// Data read for a sector: where it is, its length, its Merkle tree.
pub struct Hashed {
	/// The canonical path of the file or folder.
	pub path: PathBuf,
	pub len: u64,
	pub tree: MerkleTree<Blake2>,
}

impl Hashed {
	/// The root as the chain takes it.
	pub fn root(&self) -> H256 {
		H256(self.tree.root())
	}
}

/// Check that `device` is a storage device that can commit a sector now.
pub async fn check_can_commit(chain: &Chain, device: u64) -> Result<()> {
	let found = chain.device(device).await?.ok_or_else(|| anyhow!("no device {device}"))?;
	if found.kind != DeviceKind::Storage {
		bail!(
			"device {device} is a {} device: only storage devices commit sectors",
			kind_name(found.kind)
		);
	}
	if let Some(why) = cannot_prove(device, &found.status) {
		bail!("{why}: it cannot commit sectors");
	}
	Ok(())
}

/// Read the file or folder at `path` and build its Merkle tree, `progress` called with the
/// bytes read and the total.
pub fn hash_data(path: &Path, progress: impl FnMut(u64, u64)) -> Result<Hashed> {
	let path = path.canonicalize().with_context(|| format!("cannot read {}", path.display()))?;
	let mut data = SectorData::open(&path)?;
	let len = data.len();
	let mut progress = progress;
	let tree = data.tree(|n| progress(n, len))?;
	Ok(Hashed { path, len, tree })
}

/// Commit the data `hashed` as a sector of `device` and remember it in `sectors.json`, so that
/// the daemon proves it. A deal published for its root is activated by the commitment; the
/// report names it.
pub async fn commit_tree(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	device: u64,
	hashed: &Hashed,
) -> Result<Report> {
	let Hashed { path, len, tree } = hashed;
	let call = depin::tx().proofs().commit_sector(device, hashed.root(), tree.chunks());
	let included = chain.submit(&call, signer).await?;
	let committed = included
		.events
		.find_first::<depin::proofs::events::SectorCommitted>()
		.ok_or_else(|| anyhow!("the chain did not report the sector"))??;
	let activated =
		included.events.find_first::<depin::proofs::events::DealActivated>().transpose()?;
	let local = LocalSector {
		device,
		sector: committed.sector,
		root: format!("0x{}", hex::encode(tree.root())),
		chunks: tree.chunks(),
		path: path.clone(),
	};
	home.sectors()?.add(local.clone())?;
	let deal_text = match &activated {
		Some(deal) => {
			format!("; it activates deal {:?}, paid from epoch {}", deal.deal, deal.first_epoch)
		},
		None => String::new(),
	};
	Ok(Report::new(
		format!(
			"committed {} ({} bytes, {} chunks) as sector {} of device {device}, root {}; \
			 first challenged in epoch {}{deal_text}",
			path.display(),
			len,
			tree.chunks(),
			committed.sector,
			local.root,
			committed.first_challenge
		),
		json!({
			"device": device,
			"sector": committed.sector,
			"root": local.root,
			"chunks": tree.chunks(),
			"bytes": len,
			"firstChallenge": committed.first_challenge,
			"deal": activated.as_ref().map(|deal| format!("{:?}", deal.deal)),
			"block": format!("{:?}", included.block),
		}),
	))
}

// ---- Proving ---------------------------------------------------------------------------------

/// What one round of proving did.
#[derive(Default, Debug)]
pub struct Round {
	/// The epoch the proofs answered (the one in progress when they were built).
	pub epoch: Option<u32>,
	pub submitted: u32,
	pub accepted: u32,
	pub rejected: Vec<(u64, String)>,
	pub points: u64,
	/// What the proven epochs' deals owe the devices' owners (`DealPaid`: counted now, moved
	/// when the deal is settled), planck.
	pub deal_paid: u128,
	/// The protocol fees those epochs owe (burned when settled), planck.
	pub deal_fees: u128,
	/// Deal epochs the proofs found missed before them (`DealMissed`).
	pub deal_missed: u32,
}

/// Answer every open challenge of the given sectors in one `submit_storage_proofs`.
pub async fn prove_round(
	chain: &Chain,
	signer: &Keypair,
	sectors: &mut [(LoadedSector, DevicePair, Honesty)],
	answered: &mut BTreeSet<(u64, u32, u32)>,
) -> Result<Round> {
	let genesis = chain.genesis();
	let mut proofs = Vec::new();
	let mut answering = Vec::new();
	let mut epoch = None;
	let devices: BTreeSet<u64> = sectors.iter().map(|(s, _, _)| s.local.device).collect();
	for device in devices {
		for open in chain.open_challenges(device).await? {
			if answered.contains(&(device, open.sector, open.epoch)) {
				continue;
			}
			let Some((loaded, key, honesty)) = sectors
				.iter_mut()
				.find(|(s, _, _)| s.local.device == device && s.local.sector == open.sector)
			else {
				continue;
			};
			let data = &mut loaded.data;
			let proof = prover::prove(
				genesis,
				device,
				&open,
				&loaded.tree,
				|i| data.chunk(i),
				key,
				*honesty,
			)?;
			answering.push((device, open.sector, open.epoch));
			epoch = epoch.max(Some(open.epoch));
			proofs.push(proof);
		}
	}
	let mut round = Round { epoch, ..Round::default() };
	if proofs.is_empty() {
		return Ok(round);
	}
	round.submitted = u32::try_from(proofs.len()).unwrap_or(u32::MAX);
	let call = depin::tx().proofs().submit_storage_proofs(bridge(&proofs)?);
	// In the best block is enough: the response window is only a few blocks longer than
	// finality's lag, and the next round reads the challenges again.
	// A submission that fails leaves its challenges unanswered, for the next round.
	let included = chain.submit_until(&call, signer, Wait::InBlock).await?;
	answered.extend(answering);
	for accepted in included.events.find::<depin::proofs::events::StorageProofAccepted>() {
		let accepted = accepted?;
		round.accepted = round.accepted.saturating_add(1);
		round.points = round.points.saturating_add(accepted.points);
	}
	for rejected in included.events.find::<depin::proofs::events::ItemRejected>() {
		let rejected = rejected?;
		let error = error_name(&included, &rejected.error);
		round.rejected.push((rejected.device, error));
	}
	for paid in included.events.find::<depin::proofs::events::DealPaid>() {
		let paid = paid?;
		round.deal_paid = round.deal_paid.saturating_add(paid.paid);
		round.deal_fees = round.deal_fees.saturating_add(paid.fee);
	}
	for missed in included.events.find::<depin::proofs::events::DealMissed>() {
		let missed = missed?;
		round.deal_missed = round.deal_missed.saturating_add(missed.epochs);
	}
	Ok(round)
}

/// Why `device` cannot prove or commit now, or `None` if it is active.
fn cannot_prove(device: u64, status: &DeviceStatus<u32>) -> Option<String> {
	match status {
		DeviceStatus::Active => None,
		DeviceStatus::Suspended => Some(format!(
			"device {device} is suspended (too many missed epochs, or by governance) and is \
			 not challenged until it is resumed"
		)),
		DeviceStatus::Retired { .. } => Some(format!("device {device} is retired")),
	}
}

/// Load the sectors this provider committed, with the keys of their devices.
pub async fn load_sectors(
	chain: &Chain,
	home: &Home,
) -> Result<Vec<(LoadedSector, DevicePair, Honesty)>> {
	let store = home.keystore()?;
	let mut loaded = Vec::new();
	for local in home.sectors()?.sectors {
		let device = chain
			.device(local.device)
			.await?
			.ok_or_else(|| anyhow!("device {} is not on this chain", local.device))?;
		let (_, pair) = store.find(&device.key).ok_or_else(|| {
			anyhow!(
				"the key of device {} ({}) is not in the keystore",
				local.device,
				public_hex(&device.key)
			)
		})?;
		loaded.push((LoadedSector::load(local)?, pair, Honesty::Honest));
	}
	Ok(loaded)
}

/// Watch the chain and answer the challenges of every committed sector, until `rounds`
/// proving rounds have been submitted (forever if `None`). Each line of `log` says what
/// happened.
pub async fn daemon(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	rounds: Option<u32>,
	mut log: impl FnMut(Value, String),
) -> Result<Report> {
	let mut sectors = load_sectors(chain, home).await?;
	if sectors.is_empty() {
		bail!("no sectors to prove: commit one first (`depin-provider storage commit`)");
	}
	// Say which devices are not challenged now; keep their sectors for when they are resumed.
	let mut devices: Vec<u64> = sectors.iter().map(|(s, _, _)| s.local.device).collect();
	devices.sort_unstable();
	devices.dedup();
	let mut idle = 0usize;
	for device in &devices {
		let status = chain.device(*device).await?.map(|d| d.status);
		let why = match &status {
			Some(status) => cannot_prove(*device, status),
			None => Some(format!("device {device} is no longer registered")),
		};
		if let Some(why) = why {
			idle = idle.saturating_add(1);
			log(json!({ "event": "idle", "device": device, "reason": why }), why);
		}
	}
	if rounds.is_some() && idle == devices.len() {
		bail!("none of the devices with committed sectors can prove now");
	}
	log(
		json!({ "event": "started", "sectors": sectors.len() }),
		format!(
			"proving {} sector(s); compute devices prove with `compute prove`, coverage ones by radio",
			sectors.len()
		),
	);
	let mut answered = BTreeSet::new();
	let mut done = 0u32;
	let mut totals = (0u32, 0u32, 0u64);
	let mut deals_paid: u128 = 0;
	let mut blocks = chain.client.stream_best_blocks().await.context("cannot follow the chain")?;
	while let Some(block) = blocks.next().await {
		let number = block.map_err(|e| anyhow!("lost the chain: {e}"))?.number();
		// A round that fails (a refusal under load, the node out of reach for a moment) is
		// reported and tried again at the next block: its challenges are still unanswered.
		let round = match prove_round(chain, signer, &mut sectors, &mut answered).await {
			Ok(round) => round,
			Err(error) => {
				super::round_failed(&mut log, number, "storage", &error);
				continue;
			},
		};
		if round.submitted == 0 {
			continue;
		}
		done = done.saturating_add(1);
		totals.0 = totals.0.saturating_add(round.accepted);
		totals.1 = totals.1.saturating_add(u32::try_from(round.rejected.len()).unwrap_or(0));
		totals.2 = totals.2.saturating_add(round.points);
		deals_paid = deals_paid.saturating_add(round.deal_paid);
		let rejected: Vec<Value> =
			round.rejected.iter().map(|(d, e)| json!({ "device": d, "error": e })).collect();
		log(
			json!({
				"event": "proved",
				"block": number,
				"accepted": round.accepted,
				"points": round.points,
				"dealsPaid": round.deal_paid.to_string(),
				"rejected": rejected,
			}),
			format!(
				"#{number}: {} proof(s) accepted ({} points, deals paid {}){}",
				round.accepted,
				round.points,
				dpn(round.deal_paid),
				round
					.rejected
					.iter()
					.map(|(d, e)| format!(", device {d} rejected: {e}"))
					.collect::<String>()
			),
		);
		if rounds.is_some_and(|r| done >= r) {
			break;
		}
	}
	Ok(Report::new(
		format!(
			"{done} round(s): {} accepted, {} rejected, {} points; deals paid {}",
			totals.0,
			totals.1,
			totals.2,
			dpn(deals_paid)
		),
		json!({
			"rounds": done,
			"accepted": totals.0,
			"rejected": totals.1,
			"points": totals.2,
			"dealsPaid": deals_paid.to_string(),
		}),
	))
}
