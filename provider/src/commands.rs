//! The commands of `depin-provider`, one function each, returning a [`Report`].

use std::{
	collections::BTreeSet,
	path::{Path, PathBuf},
	time::Duration,
};

use anyhow::{anyhow, bail, Context, Result};

use codec::Encode;
use pallet_devices::{
	DeviceKind, DeviceMetadata, DeviceStatus, PossessionPayload, Registration, REGISTER_CONTEXT,
};
use serde::Deserialize;
use serde_json::{json, Value};
use sp_core::H256;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

use crate::{
	chain::{account, bridge, Chain, ChainDevice, Included, Wait},
	depin,
	keystore::{public_hex, DevicePair, Keystore, Scheme},
	prover::{self, Honesty, LoadedSector},
	report::{dpn, Report},
	sector::{LocalSector, SectorData, Sectors},
};

/// Where the provider keeps its files: `keystore.json` (0600) and `sectors.json`.
#[derive(Clone)]
pub struct Home(pub PathBuf);

impl Home {
	pub fn keystore(&self) -> Result<Keystore> {
		Keystore::open(&self.0.join("keystore.json"))
	}
	pub fn sectors(&self) -> Result<Sectors> {
		Sectors::open(&self.0.join("sectors.json"))
	}
}

// ---- Keys ------------------------------------------------------------------------------------

pub fn keys_generate(home: &Home, name: &str, scheme: Scheme) -> Result<Report> {
	let mut store = home.keystore()?;
	let (pair, phrase) = scheme.generate();
	let stored = store.add(name, &phrase, &pair)?;
	Ok(Report::new(
		format!("generated {} key `{}`: {}", scheme.as_str(), stored.name, stored.public),
		json!({ "name": stored.name, "scheme": scheme.as_str(), "public": stored.public }),
	))
}

pub fn keys_import(home: &Home, name: &str, scheme: Scheme, secret: &str) -> Result<Report> {
	let mut store = home.keystore()?;
	let pair = scheme.pair(secret)?;
	let stored = store.add(name, secret, &pair)?;
	Ok(Report::new(
		format!("imported {} key `{}`: {}", scheme.as_str(), stored.name, stored.public),
		json!({ "name": stored.name, "scheme": scheme.as_str(), "public": stored.public }),
	))
}

pub fn keys_list(home: &Home) -> Result<Report> {
	let store = home.keystore()?;
	let text = if store.keys().is_empty() {
		"no keys yet: `depin-provider keys generate --name <name>`".to_string()
	} else {
		store
			.keys()
			.iter()
			.map(|k| format!("{:<20} {}", k.name, k.public))
			.collect::<Vec<_>>()
			.join("\n")
	};
	let keys: Vec<Value> = store
		.keys()
		.iter()
		.map(|k| json!({ "name": k.name, "scheme": k.scheme.as_str(), "public": k.public }))
		.collect();
	Ok(Report::new(text, json!(keys)))
}

// ---- Registration ----------------------------------------------------------------------------

/// A device to register (also one entry of a batch file).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceSpec {
	/// The name of its key in the keystore.
	pub key: String,
	pub kind: Kind,
	/// H3 cell, hex (`8c1f1d48945d9ff`).
	pub location: String,
	/// Bytes for storage, units for compute, 0 for coverage.
	#[serde(default)]
	pub capacity: u64,
	#[serde(default)]
	pub model: String,
	#[serde(default)]
	pub firmware: String,
	/// The serial number; only its blake2-256 hash goes on chain.
	#[serde(default)]
	pub serial: String,
	/// An account allowed to operate the device.
	#[serde(default)]
	pub manager: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
	Storage,
	Coverage,
	Compute,
}

impl From<Kind> for DeviceKind {
	fn from(kind: Kind) -> Self {
		match kind {
			Kind::Storage => DeviceKind::Storage,
			Kind::Coverage => DeviceKind::Coverage,
			Kind::Compute => DeviceKind::Compute,
		}
	}
}

pub fn kind_name(kind: DeviceKind) -> &'static str {
	match kind {
		DeviceKind::Storage => "storage",
		DeviceKind::Coverage => "coverage",
		DeviceKind::Compute => "compute",
	}
}

pub fn status_name(status: &DeviceStatus<u32>) -> String {
	match status {
		DeviceStatus::Active => "active".into(),
		DeviceStatus::Suspended => "suspended".into(),
		DeviceStatus::Retired { unbonds_at } => format!("retired (unbonds at #{unbonds_at})"),
	}
}

pub fn parse_cell(text: &str) -> Result<u64> {
	let digits = text.trim_start_matches("0x");
	u64::from_str_radix(digits, 16)
		.map_err(|_| anyhow!("`{text}` is not an H3 cell (15 hex digits, e.g. 8c1f1d48945d9ff)"))
}

pub fn parse_account(text: &str) -> Result<AccountId32> {
	text.parse::<AccountId32>().map_err(|_| anyhow!("`{text}` is not an SS58 address"))
}

/// The registration of a device: its key proves possession by signing the payload that
/// binds it to this chain, this owner and the key's nonce.
pub async fn registration(
	chain: &Chain,
	store: &Keystore,
	owner: &AccountId32,
	spec: &DeviceSpec,
) -> Result<Registration<sp_core::crypto::AccountId32>> {
	let pair = store.pair(&spec.key)?;
	let key = pair.public();
	let at = chain.client.at_current_block().await.context("cannot read the chain")?;
	let nonce = at
		.storage()
		.fetch(depin::storage().devices().key_nonces(), (bridge(&key)?,))
		.await
		.context("cannot read the key's nonce")?
		.decode()
		.context("cannot decode the key's nonce")?;
	let payload = PossessionPayload {
		context: REGISTER_CONTEXT,
		genesis_hash: chain.genesis(),
		owner: account(owner),
		key,
		nonce,
	};
	let field = |text: &str, what: &str| {
		text.as_bytes()
			.to_vec()
			.try_into()
			.map_err(|_| anyhow!("the {what} `{text}` is longer than 64 bytes"))
	};
	Ok(Registration {
		key,
		proof: pair.sign(&payload.encode()),
		nonce,
		kind: spec.kind.into(),
		location: parse_cell(&spec.location)?,
		capacity: spec.capacity,
		metadata: DeviceMetadata {
			model: field(&spec.model, "model")?,
			firmware: field(&spec.firmware, "firmware")?,
			serial_hash: H256(sp_crypto_hashing::blake2_256(spec.serial.as_bytes())),
		},
		manager: spec.manager.as_deref().map(parse_account).transpose()?.as_ref().map(account),
	})
}

/// Register one device, or many in one `register_batch` transaction.
pub async fn register(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	specs: &[DeviceSpec],
) -> Result<Report> {
	let store = home.keystore()?;
	let owner = signer.public_key().to_account_id();
	let mut registrations = Vec::with_capacity(specs.len());
	for spec in specs {
		registrations.push(registration(chain, &store, &owner, spec).await?);
	}
	let included = match registrations.as_slice() {
		[] => bail!("no devices to register"),
		[one] => chain.submit(&depin::tx().devices().register(bridge(one)?), signer).await?,
		many => {
			let batch = bridge(&many.to_vec())?;
			chain.submit(&depin::tx().devices().register_batch(batch), signer).await?
		},
	};
	let names: Vec<(pallet_devices::DeviceKey, String)> =
		registrations.iter().zip(specs).map(|(r, s)| (r.key, s.key.clone())).collect();
	registered_report(&included, &names)
}

fn registered_report(
	included: &Included,
	names: &[(pallet_devices::DeviceKey, String)],
) -> Result<Report> {
	use depin::devices::events::{BatchItemFailed, DeviceRegistered};
	let mut lines = Vec::new();
	let mut devices = Vec::new();
	for event in included.events.find::<DeviceRegistered>() {
		let event = event?;
		let key: pallet_devices::DeviceKey = bridge(&event.key)?;
		let name =
			names.iter().find(|(k, _)| *k == key).map(|(_, n)| n.clone()).unwrap_or_default();
		lines.push(format!("registered device {} ({name})", event.device));
		devices.push(json!({ "device": event.device, "key": name }));
	}
	let mut failures = Vec::new();
	for event in included.events.find::<BatchItemFailed>() {
		let event = event?;
		let name = names.get(event.index as usize).map(|(_, n)| n.clone()).unwrap_or_default();
		let error = error_name(included, &event.error);
		lines.push(format!("not registered: item {} ({name}): {error}", event.index));
		failures.push(json!({ "index": event.index, "key": name, "error": error }));
	}
	lines.push(format!("in block {:?}", included.block));
	Ok(Report::new(
		lines.join("\n"),
		json!({ "block": format!("{:?}", included.block), "registered": devices, "failed": failures }),
	))
}

/// The name of an error an event carries (`Pallet.Error`), looked up in the metadata of the
/// block it happened in.
pub fn error_name(
	included: &Included,
	error: &depin::runtime_types::sp_runtime::DispatchError,
) -> String {
	let depin::runtime_types::sp_runtime::DispatchError::Module(module) = error else {
		return format!("{error:?}");
	};
	let (pallet, error) = (module.index, module.error[0]);
	included
		.metadata
		.pallet_by_error_index(pallet)
		.and_then(|p| p.error_variant_by_index(error).map(|v| format!("{}.{}", p.name(), v.name)))
		.unwrap_or_else(|| format!("error {error} of pallet {pallet}"))
}

// ---- Storage ---------------------------------------------------------------------------------

/// Build the Merkle tree of a file or folder and commit it as a sector of `device`.
pub async fn storage_commit(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	device: u64,
	path: &Path,
	progress: impl FnMut(u64, u64),
) -> Result<Report> {
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
	let path = path.canonicalize().with_context(|| format!("cannot read {}", path.display()))?;
	let mut data = SectorData::open(&path)?;
	let len = data.len();
	let mut progress = progress;
	let tree = data.tree(|n| progress(n, len))?;
	let call = depin::tx().proofs().commit_sector(device, H256(tree.root()), tree.chunks());
	let included = chain.submit(&call, signer).await?;
	let committed = included
		.events
		.find_first::<depin::proofs::events::SectorCommitted>()
		.ok_or_else(|| anyhow!("the chain did not report the sector"))??;
	let local = LocalSector {
		device,
		sector: committed.sector,
		root: format!("0x{}", hex::encode(tree.root())),
		chunks: tree.chunks(),
		path: path.clone(),
	};
	home.sectors()?.add(local.clone())?;
	Ok(Report::new(
		format!(
			"committed {} ({} bytes, {} chunks) as sector {} of device {device}, root {}; \
			 first challenged in epoch {}",
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
			answered.insert((device, open.sector, open.epoch));
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
	let included = chain.submit_until(&call, signer, Wait::InBlock).await?;
	for accepted in included.events.find::<depin::proofs::events::StorageProofAccepted>() {
		let accepted = accepted?;
		round.accepted = round.accepted.saturating_add(1);
		round.points = round.points.saturating_add(accepted.points);
	}
	for rejected in included.events.find::<depin::proofs::events::ProofRejected>() {
		let rejected = rejected?;
		let error = error_name(&included, &rejected.error);
		round.rejected.push((rejected.device, error));
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
	let mut blocks = chain.client.stream_best_blocks().await.context("cannot follow the chain")?;
	while let Some(block) = blocks.next().await {
		let number = block.map_err(|e| anyhow!("lost the chain: {e}"))?.number();
		let round = prove_round(chain, signer, &mut sectors, &mut answered).await?;
		if round.submitted == 0 {
			continue;
		}
		done = done.saturating_add(1);
		totals.0 = totals.0.saturating_add(round.accepted);
		totals.1 = totals.1.saturating_add(u32::try_from(round.rejected.len()).unwrap_or(0));
		totals.2 = totals.2.saturating_add(round.points);
		let rejected: Vec<Value> =
			round.rejected.iter().map(|(d, e)| json!({ "device": d, "error": e })).collect();
		log(
			json!({
				"event": "proved",
				"block": number,
				"accepted": round.accepted,
				"points": round.points,
				"rejected": rejected,
			}),
			format!(
				"#{number}: {} proof(s) accepted ({} points){}",
				round.accepted,
				round.points,
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
			"{done} round(s): {} accepted, {} rejected, {} points",
			totals.0, totals.1, totals.2
		),
		json!({ "rounds": done, "accepted": totals.0, "rejected": totals.1, "points": totals.2 }),
	))
}

// ---- Rewards ---------------------------------------------------------------------------------

/// Claim every claimable reward of the given devices (all of the signer's if empty), waiting
/// for the claim as `wait` says.
pub async fn claim(chain: &Chain, signer: &Keypair, devices: &[u64], wait: Wait) -> Result<Report> {
	let owner = signer.public_key().to_account_id();
	let devices: Vec<u64> = if devices.is_empty() {
		chain.devices_of(&owner).await?.into_iter().map(|(id, _)| id).collect()
	} else {
		devices.to_vec()
	};
	let mut calls = Vec::new();
	let mut expected: u128 = 0;
	for &device in &devices {
		for receipt in chain.pending_rewards(device).await?.receipts {
			calls.push(depin::Call::Emission(
				depin::runtime_types::pallet_emission::pallet::Call::claim {
					device,
					epoch: receipt.epoch,
				},
			));
			expected = expected.saturating_add(receipt.amount);
		}
	}
	if calls.is_empty() {
		return Ok(Report::new("nothing to claim", json!({ "claimed": [], "total": "0" })));
	}
	let count = calls.len();
	let included =
		chain.submit_until(&depin::tx().utility().batch_all(calls), signer, wait).await?;
	let mut claimed = Vec::new();
	let mut total: u128 = 0;
	for event in included.events.find::<depin::emission::events::RewardClaimed>() {
		let event = event?;
		total = total.saturating_add(event.amount);
		claimed.push(json!({
			"device": event.device,
			"epoch": event.epoch,
			"amount": event.amount.to_string(),
		}));
	}
	Ok(Report::new(
		format!("claimed {count} reward(s): {} (in block {:?})", dpn(total), included.block),
		json!({ "claimed": claimed, "total": total.to_string(), "expected": expected.to_string() }),
	))
}

/// The signer's devices: status, proving record and rewards waiting.
pub async fn status(chain: &Chain, signer: &Keypair) -> Result<Report> {
	let owner = signer.public_key().to_account_id();
	let devices = chain.devices_of(&owner).await?;
	let epoch = chain.epoch().await?;
	let balance = chain.free_balance(&owner).await?;
	let mut lines = vec![format!(
		"account {owner}: {} free; epoch {} (blocks #{}..#{}, proofs until #{})",
		dpn(balance),
		epoch.index,
		epoch.start,
		epoch.next_start,
		epoch.deadline
	)];
	let mut out = Vec::new();
	for (id, device) in &devices {
		let pending = chain.pending_rewards(*id).await?;
		let proofs = chain.proof_status(*id).await?;
		let mut line = format!(
			"device {id}: {} {}, {:x}",
			kind_name(device.kind),
			status_name(&device.status),
			device.location.raw(),
		);
		if let Some(p) = &proofs {
			line.push_str(&format!(
				", {} sector(s), {} of {} challenged sector(s) proven in epoch {}, {} epoch(s) missed in a row",
				p.sectors.len(),
				p.proven,
				p.challenged,
				p.epoch,
				p.consecutive_faults
			));
		}
		line.push_str(&format!(", {} fault(s) recorded", device.faults));
		line.push_str(&format!(", {} claimable", dpn(pending.total)));
		lines.push(line);
		out.push(device_json(*id, device, pending.total, proofs.as_ref()));
	}
	if devices.is_empty() {
		lines.push("no devices: `depin-provider register`".into());
	}
	Ok(Report::new(
		lines.join("\n"),
		json!({
			"account": owner.to_string(),
			"free": balance.to_string(),
			"epoch": { "index": epoch.index, "start": epoch.start, "nextStart": epoch.next_start, "proofDeadline": epoch.deadline },
			"devices": out,
		}),
	))
}

fn device_json(
	id: u64,
	device: &ChainDevice,
	claimable: u128,
	proofs: Option<&pallet_proofs::ProofStatus>,
) -> Value {
	json!({
		"device": id,
		"kind": kind_name(device.kind),
		"status": status_name(&device.status),
		"location": format!("{:x}", device.location.raw()),
		"key": public_hex(&device.key),
		"faults": device.faults,
		"claimable": claimable.to_string(),
		"proofs": proofs.map(|p| json!({
			"sectors": p.sectors.len(),
			"challenged": p.challenged,
			"proven": p.proven,
			"consecutiveFaults": p.consecutive_faults,
			"unrecordedFaults": p.unrecorded_faults,
			"faultThreshold": p.fault_threshold,
		})),
	})
}

/// A device's reward receipts.
pub async fn rewards(chain: &Chain, device: u64) -> Result<Report> {
	chain.device(device).await?.ok_or_else(|| anyhow!("no device {device}"))?;
	let receipts = chain.reward_receipts(device).await?;
	let mut lines = Vec::new();
	let mut out = Vec::new();
	for r in &receipts {
		let status = match r.status {
			depin_runtime_api::RewardStatus::InProgress => "in progress".to_string(),
			depin_runtime_api::RewardStatus::Claimable { until } => {
				format!("claimable until epoch {until}")
			},
			depin_runtime_api::RewardStatus::Claimed => "claimed".into(),
			depin_runtime_api::RewardStatus::Expired => "expired".into(),
		};
		lines.push(format!(
			"epoch {}: {} of {} {} points, {} ({status})",
			r.epoch,
			r.points,
			r.category_points,
			kind_name(r.kind),
			dpn(r.amount)
		));
		out.push(json!({
			"epoch": r.epoch,
			"points": r.points,
			"categoryPoints": r.category_points,
			"amount": r.amount.to_string(),
			"status": status,
		}));
	}
	if receipts.is_empty() {
		lines.push(format!("device {device} has no reward receipts yet"));
	}
	Ok(Report::new(lines.join("\n"), json!(out)))
}

/// Wait until the chain has finalized a block past `number`.
pub async fn wait_past(chain: &Chain, number: u32, timeout: Duration) -> Result<()> {
	let start = std::time::Instant::now();
	loop {
		if chain.finalized().await?.1 > number {
			return Ok(());
		}
		if start.elapsed() > timeout {
			bail!("the chain did not reach block #{number} within {timeout:?}");
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

// ---- Coverage --------------------------------------------------------------------------------

/// Put a coverage device in the beacon roster (`join`) or take it out.
pub async fn coverage_roster(
	chain: &Chain,
	signer: &Keypair,
	device: u64,
	join: bool,
) -> Result<Report> {
	let included = if join {
		chain.submit(&depin::tx().coverage().join(device), signer).await?
	} else {
		chain.submit(&depin::tx().coverage().leave(device), signer).await?
	};
	let (verb, event) = if join { ("joined", "joined") } else { ("left", "left") };
	Ok(Report::new(
		format!("device {device} {verb} the beacon roster (in block {:?})", included.block),
		json!({ "event": event, "device": device, "block": format!("{:?}", included.block) }),
	))
}

/// The beacons of the epoch in progress: who was drawn, who beaconed, who witnessed.
pub async fn coverage_beacons(chain: &Chain) -> Result<Report> {
	let beacons = chain.coverage_beacons().await?;
	let epoch = chain.epoch().await?;
	let mut lines = vec![format!("epoch {}: {} beaconer(s) drawn", epoch.index, beacons.len())];
	let mut out = Vec::new();
	for b in &beacons {
		let beacon = b.beacon.map(|x| format!("0x{}", hex::encode(x.id)));
		lines.push(format!(
			"device {}: challenge 0x{}, {}, {} witness(es), {} points; until block {}",
			b.device,
			hex::encode(b.challenge),
			beacon.as_deref().map_or("not beaconed yet".into(), |id| format!("beacon {id}")),
			b.witnesses.len(),
			b.points,
			b.deadline
		));
		out.push(json!({
			"device": b.device,
			"challenge": format!("0x{}", hex::encode(b.challenge)),
			"beacon": beacon,
			"witnesses": b.witnesses,
			"points": b.points,
			"deadline": b.deadline,
		}));
	}
	Ok(Report::new(lines.join("\n"), json!({ "epoch": epoch.index, "beacons": out })))
}

// ---- Compute ---------------------------------------------------------------------------------

/// Enroll a compute device for capacity challenges (`enroll`) or withdraw it.
pub async fn compute_enrolment(
	chain: &Chain,
	signer: &Keypair,
	device: u64,
	enroll: bool,
) -> Result<Report> {
	let included = if enroll {
		chain.submit(&depin::tx().compute().enroll(device), signer).await?
	} else {
		chain.submit(&depin::tx().compute().withdraw(device), signer).await?
	};
	let first = included
		.events
		.find_first::<depin::compute::events::Enrolled>()
		.transpose()?
		.map(|e| e.first_challenge);
	let text = match first {
		Some(epoch) => format!("device {device} enrolled; challenged from epoch {epoch}"),
		None => format!("device {device} withdrawn"),
	};
	Ok(Report::new(
		text,
		json!({
			"event": if enroll { "enrolled" } else { "withdrawn" },
			"device": device,
			"firstChallenge": first,
			"block": format!("{:?}", included.block),
		}),
	))
}

/// A compute device's challenge in the epoch in progress.
pub async fn compute_challenge(chain: &Chain, device: u64) -> Result<Report> {
	let Some(c) = chain.compute_challenge(device).await? else {
		bail!("device {device} is not enrolled for capacity challenges (`compute enroll`)");
	};
	let status = match c.status {
		pallet_compute::WorkStatus::NotChallenged => "not challenged".to_string(),
		pallet_compute::WorkStatus::Challenged => "challenged, not committed".to_string(),
		pallet_compute::WorkStatus::Committed(w) => {
			format!("committed to 0x{}", hex::encode(w.root))
		},
		pallet_compute::WorkStatus::Proven => "proven".to_string(),
		pallet_compute::WorkStatus::Faked => "caught faking work".to_string(),
	};
	Ok(Report::new(
		format!(
			"epoch {}: {} segments of {} steps from 0x{}; commit before block {}, reveal by {}; \
			 {status}; sampled {:?}; {} consecutive fault(s)",
			c.epoch,
			c.segments,
			c.segment_len,
			hex::encode(c.start),
			c.reveal_at,
			c.deadline,
			c.sampled,
			c.consecutive_faults
		),
		json!({
			"epoch": c.epoch,
			"start": format!("0x{}", hex::encode(c.start)),
			"segments": c.segments,
			"segmentLength": c.segment_len,
			"revealAt": c.reveal_at,
			"deadline": c.deadline,
			"status": status,
			"sampled": c.sampled,
			"consecutiveFaults": c.consecutive_faults,
		}),
	))
}

/// Run, commit and reveal the workloads of `devices` every epoch, until `epochs` epochs have
/// been proven (forever if `None`).
pub async fn compute_prove(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	devices: &[u64],
	epochs: Option<u32>,
	mut log: impl FnMut(Value, String),
) -> Result<Report> {
	let store = home.keystore()?;
	let mut workers = Vec::new();
	for &device in devices {
		let on_chain = chain
			.device(device)
			.await?
			.ok_or_else(|| anyhow!("device {device} is not registered"))?;
		let (_, key) = store.find(&on_chain.key).ok_or_else(|| {
			anyhow!("the key of device {device} is not in the keystore ({})", home.0.display())
		})?;
		if chain.compute_challenge(device).await?.is_none() {
			bail!("device {device} is not enrolled for capacity challenges (`compute enroll`)");
		}
		workers.push(crate::compute::Worker { device, key, diligence: 1.0, workload: None });
	}
	let mut proven_epochs = 0u32;
	let mut totals = (0u32, 0u64, 0u32);
	let mut blocks = chain.client.stream_best_blocks().await.context("cannot follow the chain")?;
	while let Some(block) = blocks.next().await {
		let number = block.map_err(|e| anyhow!("lost the chain: {e}"))?.number();
		let round = crate::compute::round(chain, signer, &mut workers).await?;
		if round.committed > 0 {
			log(
				json!({ "event": "committed", "block": number, "epoch": round.epoch, "devices": round.committed }),
				format!("#{number}: {} workload(s) run and committed", round.committed),
			);
		}
		for (device, error) in &round.rejected {
			log(
				json!({ "event": "rejected", "block": number, "device": device, "error": error }),
				format!("#{number}: device {device} rejected: {error}"),
			);
		}
		if round.proven > 0 || !round.faked.is_empty() {
			totals.0 = totals.0.saturating_add(round.proven);
			totals.1 = totals.1.saturating_add(round.points);
			totals.2 = totals.2.saturating_add(round.faked.len() as u32);
			proven_epochs = proven_epochs.saturating_add(1);
			log(
				json!({
					"event": "proved",
					"block": number,
					"epoch": round.epoch,
					"proven": round.proven,
					"points": round.points,
					"faked": round.faked,
				}),
				format!("#{number}: {} workload(s) proven ({} points)", round.proven, round.points),
			);
			if epochs.is_some_and(|e| proven_epochs >= e) {
				break;
			}
		}
	}
	Ok(Report::new(
		format!("{proven_epochs} epoch(s): {} workloads proven, {} points", totals.0, totals.1),
		json!({ "epochs": proven_epochs, "proven": totals.0, "points": totals.1, "faked": totals.2 }),
	))
}

// ---- Compute jobs ----------------------------------------------------------------------------

/// What a consumer (or anyone, for `Release`) does to a job after opening it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobAction {
	/// The consumer contests the receipt within the dispute window.
	Dispute,
	/// Anyone pays the device's owner once the dispute window has passed.
	Release,
	/// The consumer takes back the payment of a job that never got a receipt.
	Cancel,
}

fn job_status_text(status: &pallet_compute::JobStatus<u128, u32>) -> (String, Value) {
	use pallet_compute::JobStatus::*;
	match status {
		Open => ("open, waiting for its receipt".into(), json!({ "status": "open" })),
		Submitted { units, amount, submitted_at } => (
			format!(
				"receipt of {units} units ({}) submitted at block {submitted_at}",
				dpn(*amount)
			),
			json!({ "status": "submitted", "units": units, "amount": amount.to_string(), "submittedAt": submitted_at }),
		),
		Disputed { units, amount } => (
			format!("receipt of {units} units ({}) disputed, waiting for a decision", dpn(*amount)),
			json!({ "status": "disputed", "units": units, "amount": amount.to_string() }),
		),
	}
}

/// Open a job on a compute device: `units × price` is held from the signer until the job
/// settles.
pub async fn job_open(
	chain: &Chain,
	signer: &Keypair,
	device: u64,
	units: u64,
	price: u128,
) -> Result<Report> {
	let included =
		chain.submit(&depin::tx().compute().open_job(device, units, price), signer).await?;
	let opened = included
		.events
		.find_first::<depin::compute::events::JobOpened>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain reported no JobOpened event"))?;
	let held = price.saturating_mul(u128::from(units));
	Ok(Report::new(
		format!(
			"job {} opened on device {device}: up to {units} units at {} each, {} held",
			opened.job,
			dpn(price),
			dpn(held)
		),
		json!({
			"event": "opened",
			"job": opened.job,
			"device": device,
			"maxUnits": units,
			"price": price.to_string(),
			"held": held.to_string(),
			"block": format!("{:?}", included.block),
		}),
	))
}

/// A job as the chain holds it.
pub async fn job_show(chain: &Chain, job: u64) -> Result<Report> {
	let found =
		crate::jobs::job(chain, job).await?.ok_or_else(|| anyhow!("there is no job {job}"))?;
	let (status, mut value) = job_status_text(&found.status);
	value["job"] = json!(job);
	value["consumer"] = json!(found.consumer.to_string());
	value["device"] = json!(found.device);
	value["maxUnits"] = json!(found.max_units);
	value["price"] = json!(found.price.to_string());
	value["held"] = json!(found.held.to_string());
	value["openedAt"] = json!(found.opened_at);
	Ok(Report::new(
		format!(
			"job {job} of {} on device {}: up to {} units at {}, {} held since block {}; {status}",
			found.consumer,
			found.device,
			found.max_units,
			dpn(found.price),
			dpn(found.held),
			found.opened_at
		),
		value,
	))
}

/// The consumer's half of a receipt: `units` of `job` delivered, confirmed at `timestamp`
/// (default: the best block), signed with the signer's account key. Its text is one line of
/// JSON, to hand to the provider (`compute job submit`).
pub async fn job_sign(
	chain: &Chain,
	signer: &Keypair,
	job: u64,
	units: u64,
	timestamp: Option<u32>,
) -> Result<Report> {
	let found =
		crate::jobs::job(chain, job).await?.ok_or_else(|| anyhow!("there is no job {job}"))?;
	let me = account(&signer.public_key().to_account_id());
	if found.consumer != me {
		bail!("job {job} is {}'s: only its consumer signs its receipt", found.consumer);
	}
	let best = chain.best_number().await?;
	let receipt = crate::jobs::Receipt {
		job,
		consumer: me,
		device: found.device,
		units,
		price: found.price,
		timestamp: timestamp.unwrap_or(best),
	};
	crate::jobs::check_against(&found, &receipt, best)?;
	let signed = crate::jobs::ConsumerReceipt::sign(chain.genesis(), &receipt, signer);
	Ok(Report::new(serde_json::to_string(&signed)?, serde_json::to_value(&signed)?))
}

/// The provider's half: check a consumer's receipt (chain, signature, job), co-sign it with the
/// device key from the keystore and submit it. The device's owner is paid once the dispute
/// window has passed (`compute job release`).
pub async fn job_submit(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	file: &Path,
) -> Result<Report> {
	let text =
		std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
	let consumer: crate::jobs::ConsumerReceipt =
		serde_json::from_str(&text).with_context(|| {
			format!("{} is not a receipt (`compute job sign` writes one)", file.display())
		})?;
	let genesis = chain.genesis();
	let receipt = consumer.verify(genesis)?;
	let found = crate::jobs::job(chain, receipt.job)
		.await?
		.ok_or_else(|| anyhow!("there is no job {}", receipt.job))?;
	crate::jobs::check_against(&found, &receipt, chain.best_number().await?)?;
	let device = chain
		.device(receipt.device)
		.await?
		.ok_or_else(|| anyhow!("device {} is not registered", receipt.device))?;
	let (_, key) = home.keystore()?.find(&device.key).ok_or_else(|| {
		anyhow!(
			"the key of device {} is not in the keystore ({})",
			receipt.device,
			home.0.display()
		)
	})?;
	let co_signed = consumer.co_sign(genesis, &key)?;
	let call = depin::tx().compute().submit_receipts(bridge(&vec![co_signed])?);
	let included = chain.submit(&call, signer).await?;
	if let Some(rejected) =
		included.events.find_first::<depin::compute::events::ReceiptRejected>().transpose()?
	{
		bail!("the chain rejected the receipt: {}", error_name(&included, &rejected.error));
	}
	let accepted = included
		.events
		.find_first::<depin::compute::events::ReceiptAccepted>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain reported no ReceiptAccepted event"))?;
	Ok(Report::new(
		format!(
			"receipt of job {} accepted: {} units, {} paid to device {}'s owner from block {}",
			accepted.job,
			accepted.units,
			dpn(accepted.amount),
			accepted.device,
			accepted.payable_at
		),
		json!({
			"event": "receiptAccepted",
			"job": accepted.job,
			"device": accepted.device,
			"units": accepted.units,
			"amount": accepted.amount.to_string(),
			"payableAt": accepted.payable_at,
			"block": format!("{:?}", included.block),
		}),
	))
}

/// Dispute, release or cancel a job.
pub async fn job_action(
	chain: &Chain,
	signer: &Keypair,
	job: u64,
	action: JobAction,
) -> Result<Report> {
	let included = match action {
		JobAction::Dispute => chain.submit(&depin::tx().compute().dispute(job), signer).await?,
		JobAction::Release => chain.submit(&depin::tx().compute().release_job(job), signer).await?,
		JobAction::Cancel => chain.submit(&depin::tx().compute().cancel_job(job), signer).await?,
	};
	let block = format!("{:?}", included.block);
	if let Some(settled) =
		included.events.find_first::<depin::compute::events::JobSettled>().transpose()?
	{
		return Ok(Report::new(
			format!(
				"job {job} settled: {} paid to device {}'s owner, {} refunded, {} usage points",
				dpn(settled.paid),
				settled.device,
				dpn(settled.refunded),
				settled.points
			),
			json!({
				"event": "settled",
				"job": job,
				"device": settled.device,
				"paid": settled.paid.to_string(),
				"refunded": settled.refunded.to_string(),
				"points": settled.points,
				"block": block,
			}),
		));
	}
	let (text, event) = match action {
		JobAction::Dispute => {
			(format!("job {job} disputed: a decision will settle it"), "disputed")
		},
		JobAction::Cancel => (format!("job {job} cancelled: its payment is released"), "cancelled"),
		JobAction::Release => bail!("the chain reported no JobSettled event for job {job}"),
	};
	Ok(Report::new(text, json!({ "event": event, "job": job, "block": block })))
}
