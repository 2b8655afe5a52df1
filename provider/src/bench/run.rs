//! `depin-provider bench`: the load harness's run. It writes the bench chain spec, starts the
//! node on it, and plays three phases, recording every block:
//!
//! 1. **steady**: each epoch, every device's storage proof, sent at the pace the epoch demands
//!    (spread over its response window);
//! 2. **proof peak**: one epoch's proofs of every device sent as fast as blocks take them (the
//!    harness keeps a few blocks' worth waiting in the pool);
//! 3. **coverage peak** (with hotspots): an epoch in which every hotspot beacons with 25
//!    receipts, the bundles sent as fast as blocks take them;
//! 4. **compute** (with compute devices): an epoch in which every compute device runs its
//!    workload and commits ("compute commits"), then reveals the sampled segments as fast as
//!    blocks take them ("compute peak");
//! 5. **transfer peak**: balance transfers from many accounts, sent the same way.
//!
//! Proofs are pre-signed by the harness (no per-proof RPC): each epoch's seed is read once and
//! every device's challenge follows from it (`prove`).

use anyhow::{anyhow, bail, Context, Result};
use depin_primitives::compute::WorkCommit;
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use sp_core::{Pair, H256};
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
	time::{Duration, Instant},
};
use subxt::{config::polkadot::PolkadotExtrinsicParamsBuilder, rpcs::rpc_params};
use subxt_signer::sr25519::Keypair;

use super::{
	hotspots::{self, Hotspot},
	metrics::{self, BlockRecord, Limits},
	node::Node,
	process,
	prove::{prove, Challenged},
	sparse::SparseSector,
	spec::{self, Population},
	svg,
};
use crate::{
	chain::{bridge, Chain, Config},
	compute::{Reveal, Workload},
	depin,
	keystore::DevicePair,
	prover::StorageProof,
};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
	/// The node binary (a release build: `scripts/bench.sh` builds it).
	pub node: PathBuf,
	/// A chain spec whose runtime `code` the chain runs (the committed `local` spec: the
	/// normal runtime, whatever features the node binary was built with).
	pub code_spec: PathBuf,
	pub population: Population,
	/// Epochs of the steady phase.
	pub epochs: u32,
	/// Whether to play the proof peak epoch.
	pub proof_peak: bool,
	/// Blocks of the transfer peak (0: none).
	pub transfer_blocks: u32,
	/// Proofs per `submit_storage_proofs`.
	pub batch: u32,
	/// Beacon bundles per `submit_beacons`.
	pub bundles: u32,
	/// Where the spec, the node's database, `bench.json` and `bench.svg` go.
	pub out: PathBuf,
	pub rpc_port: u16,
}

/// One block of the run: the chain's record and the node's costs.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
	#[serde(flatten)]
	pub chain: BlockRecord,
	pub phase: &'static str,
	/// The author's time to build it (its log), ms.
	pub build_ms: Option<u64>,
	/// The node's CPU use since the block before, % of one core.
	pub node_cpu_percent: f64,
	pub node_rss_bytes: u64,
	pub database_bytes: u64,
	/// Proofs (or transfers) the harness had sent and no block had yet taken, after it.
	pub waiting: u64,
}

/// A phase's figures.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseSummary {
	pub blocks: u32,
	pub storage_proofs: u64,
	pub rejected: u64,
	pub transfers: u64,
	/// Coverage beacons recorded and receipts accepted; bundles and receipts refused.
	pub beacons: u64,
	pub receipts: u64,
	pub bundles_rejected: u64,
	pub receipts_rejected: u64,
	/// Compute commitments accepted, reveals that passed their audit, compute items refused.
	pub commits: u64,
	pub reveals: u64,
	pub compute_rejected: u64,
	/// Per second of chain time (6 s a block) over the phase's blocks.
	pub proofs_per_second: f64,
	pub transfers_per_second: f64,
	/// Device-signed coverage items (beacons and receipts) per second.
	pub coverage_per_second: f64,
	/// Compute items (commitments and reveals) per second.
	pub compute_per_second: f64,
	/// Over the blocks that had work waiting after them (the chain, not the harness, was
	/// the limit): items (proofs, transfers, beacons, receipts, commitments and reveals) per
	/// second, and how many such blocks.
	pub saturated_blocks: u32,
	pub saturated_per_second: f64,
	pub max_weight_percent: f64,
	pub mean_weight_percent: f64,
	/// The hooks' weight (mandatory class: epoch starts, idle sweeps), of the normal class's
	/// limit.
	pub max_hooks_percent: f64,
	pub mean_hooks_percent: f64,
	pub max_length_percent: f64,
	pub mean_length_percent: f64,
	pub max_build_ms: u64,
	pub missed_slots: u64,
}

/// The whole run, as `bench.json` holds it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
	pub devices: u32,
	pub hotspots: u32,
	/// Compute devices (one unit of capacity each).
	pub compute: u32,
	pub sector_depth: u32,
	pub epoch_blocks: u32,
	/// The share of storage devices audited each epoch, percent.
	pub storage_audit_percent: f64,
	/// Devices audited hourly at that share that give the same proofs per second:
	/// `devices × 600 / epoch_blocks`.
	pub hourly_equivalent: u64,
	pub batch: u32,
	/// The encoded bytes of one storage proof.
	pub proof_bytes: u64,
	/// The encoded bytes of one beacon bundle (its report and 25 receipts).
	pub bundle_bytes: u64,
	/// The encoded bytes of one compute reveal, and seconds of one core per workload run.
	pub reveal_bytes: u64,
	pub workload_seconds: f64,
	pub genesis_seconds: f64,
	pub limits: LimitsRecord,
	pub steady: PhaseSummary,
	pub proof_peak: PhaseSummary,
	pub coverage_peak: PhaseSummary,
	pub compute_commits: PhaseSummary,
	pub compute_peak: PhaseSummary,
	pub transfer_peak: PhaseSummary,
	pub max_rss_bytes: u64,
	pub database_bytes: u64,
	/// Submissions the pool refused for a while (full): each was sent again later.
	pub pool_refusals: u64,
	/// How many times the pool gave each reason.
	pub refusal_reasons: BTreeMap<String, u64>,
	pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitsRecord {
	pub normal_weight: u64,
	pub operational_weight: u64,
	pub normal_length: u32,
}

/// A transaction signed ahead and how much work (proofs or transfers) it carries.
struct Signed {
	bytes: Vec<u8>,
	items: u64,
}

/// The harness's view of the running chain: the node, the client, what was recorded.
struct Harness {
	node: Node,
	chain: Chain,
	limits: Limits,
	database: PathBuf,
	blocks: Vec<Block>,
	/// The last block recorded, and the node's CPU seconds then.
	recorded: u32,
	cpu: f64,
	/// Next nonce per signing account.
	nonces: BTreeMap<[u8; 32], u64>,
	/// Submissions the pool refused (sent again at the next block).
	refused: u64,
	/// How many times the pool gave each reason.
	refusals: BTreeMap<String, u64>,
	/// Seconds of one core spent running compute workloads.
	workload_seconds: f64,
	/// The storage audit rate, parts per billion: which devices an epoch challenges.
	storage_audit: u32,
}

/// Run the harness; `log` hears its progress.
pub async fn run(options: &Options, log: &mut dyn FnMut(String)) -> Result<Run> {
	let population = options.population;
	if population.storage == 0 {
		bail!("the harness needs at least one device");
	}
	if !population.hotspots.is_multiple_of(hotspots::GROUP) {
		bail!("hotspots come in groups of {}", hotspots::GROUP);
	}
	if options.bundles == 0 || options.bundles > 64 {
		bail!("a submission holds 1 to 64 bundles (the runtime's MaxBatch)");
	}
	if options.batch == 0 || options.batch > 1_000 {
		bail!("a batch holds 1 to 1,000 proofs (the runtime's MaxBatch)");
	}
	std::fs::create_dir_all(&options.out)
		.with_context(|| format!("cannot create {}", options.out.display()))?;
	let (template, code) = template_and_code(options)?;
	let first = spec::template_devices(&template);
	log(format!(
		"writing the spec: {} devices with a sector each, {} hotspots",
		population.storage, population.hotspots
	));
	let spec = spec::bench_spec(&template, &code, population)?;
	let spec_path = options.out.join("spec.json");
	std::fs::write(&spec_path, serde_json::to_vec(&spec)?)
		.with_context(|| format!("cannot write {}", spec_path.display()))?;
	drop(spec);

	let database = options.out.join("db");
	let _ = std::fs::remove_dir_all(&database);
	let started = Instant::now();
	let mut node = Node::start(&options.node, &spec_path, &database, options.rpc_port)?;
	let chain = connect(&mut node, options.rpc_port, Duration::from_secs(1_800)).await?;
	let genesis_seconds = started.elapsed().as_secs_f64();
	log(format!("the node is up after {genesis_seconds:.1} s"));
	let limits = metrics::limits(&chain).await?;
	let mut harness = Harness {
		node,
		chain,
		limits,
		database,
		blocks: Vec::new(),
		recorded: 0,
		cpu: 0.0,
		nonces: BTreeMap::new(),
		refused: 0,
		refusals: BTreeMap::new(),
		workload_seconds: 0.0,
		storage_audit: population.storage_audit_ppb(),
	};
	harness.check_device(first, 0, population).await?;

	// The devices: their sectors and keys, made once.
	log("building the devices' sectors and keys".into());
	let devices: Vec<(u64, SparseSector, DevicePair)> = (0..population.storage)
		.map(|index| {
			let id = spec::device_id(first, index);
			(
				id,
				SparseSector::new(id, 0, population.sector_depth),
				DevicePair::Sr25519(spec::device_pair(index)),
			)
		})
		.collect();
	let owners: Vec<Keypair> = (0..spec::owners(population))
		.map(|group| spec::signer(spec::owner_seed(group)))
		.collect::<Result<_>>()?;
	let hotspots: Vec<Hotspot> = (0..population.hotspots)
		.map(|index| {
			Ok(Hotspot {
				index,
				id: spec::hotspot_id(first, population, index),
				key: DevicePair::Sr25519(hotspots::hotspot_pair(index)),
				cell: hotspots::hotspot_cell(index)?,
			})
		})
		.collect::<Result<_>>()?;
	if let Some(hotspot) = hotspots.last() {
		let found = harness.chain.device_by_key(&hotspot.key.public()).await?;
		if found.map(|(id, _)| id) != Some(hotspot.id) {
			bail!("the chain did not number the genesis hotspots as expected");
		}
	}

	let mut proof_bytes = 0;
	// Steady: from epoch 1 (the sectors' first challenged epoch).
	for n in 0..options.epochs {
		// The blocks before the first epoch are the setup's; the rest are the steady load's.
		let before = if n == 0 { "setup" } else { "steady" };
		let epoch = harness.next_epoch(before, log).await?;
		// Spread over the window but its last two blocks (a margin for the pool's lag), in
		// batches no larger than a block's share.
		let window = epoch.deadline.saturating_sub(epoch.start).max(1);
		let audited = audited(&devices, &epoch, population.storage_audit_ppb()).count() as u32;
		let per_block = audited.div_ceil(window.saturating_sub(2).max(1)).max(1);
		let batch = options.batch.min(per_block);
		let (signed, bytes) = harness.sign_proofs(&devices, &owners, &epoch, batch).await?;
		proof_bytes = bytes;
		log(format!(
			"epoch {}: {audited} proofs (of {} devices, the audited), {per_block} a block over \
			 {window} blocks",
			epoch.index, population.storage
		));
		harness
			.pace(signed, Pace::PerBlock(u64::from(per_block)), epoch.deadline, "steady")
			.await?;
	}
	if options.proof_peak {
		let before = if options.epochs == 0 { "setup" } else { "steady" };
		let epoch = harness.next_epoch(before, log).await?;
		let (signed, bytes) = harness.sign_proofs(&devices, &owners, &epoch, options.batch).await?;
		proof_bytes = bytes;
		log(format!("epoch {}: every proof as fast as blocks take them", epoch.index));
		harness
			.pace(signed, Pace::Waiting(PEAK_WAITING_PROOFS), epoch.deadline, "proof peak")
			.await?;
	}
	let mut bundle_bytes = 0;
	if !hotspots.is_empty() {
		let before = if options.epochs == 0 && !options.proof_peak { "setup" } else { "steady" };
		let epoch = harness.next_epoch(before, log).await?;
		let (signed, bytes) = harness.sign_beacons(&hotspots, &epoch, options.bundles).await?;
		bundle_bytes = bytes;
		let beacons: u64 = signed.iter().map(|s| s.items).sum();
		if beacons == 0 {
			bail!("no hotspot won epoch {}'s beacon lottery (the chain's odds)", epoch.index);
		}
		log(format!(
			"epoch {}: {beacons} of {} hotspots won; their beacons of 25 receipts as fast as \
			 blocks take them",
			epoch.index,
			hotspots.len()
		));
		harness
			.pace(signed, Pace::Waiting(PEAK_WAITING_BUNDLES), epoch.deadline, "coverage peak")
			.await?;
	}
	let (mut reveal_bytes, mut workload_seconds) = (0, 0.0);
	if population.compute > 0 {
		let before = if options.epochs == 0 && !options.proof_peak && hotspots.is_empty() {
			"setup"
		} else {
			"steady"
		};
		let epoch = harness.next_epoch(before, log).await?;
		let workers: Vec<(u64, DevicePair)> = (0..population.compute)
			.map(|index| {
				let id = spec::compute_id(first, population, index);
				(id, DevicePair::Sr25519(spec::compute_pair(index)))
			})
			.collect();
		let (workloads, reveal_at) = harness.run_workloads(&workers, epoch.index).await?;
		let ran = workloads.iter().flatten().count();
		if ran == 0 {
			bail!(
				"no compute device is challenged in epoch {} (the chain's audit rate)",
				epoch.index
			);
		}
		workload_seconds = harness.workload_seconds / ran as f64;
		let best = harness.chain.best_number().await?;
		if best.saturating_add(1) >= reveal_at {
			bail!(
				"the workloads ran until block {best}, past the commit window (it closes at block \
				 {reveal_at}): fewer compute devices or longer epochs"
			);
		}
		let signed = harness.sign_commits(&workers, &workloads).await?;
		log(format!(
			"epoch {}: {ran} of {} compute devices challenged, their workloads run ({:.2} s \
			 each); commitments until block {reveal_at}, then reveals as fast as blocks take them",
			epoch.index,
			workers.len(),
			workload_seconds
		));
		harness
			.pace(
				signed,
				Pace::Waiting(PEAK_WAITING_COMMITS),
				reveal_at.saturating_sub(1),
				"compute commits",
			)
			.await?;
		// The reveal seed is drawn from the first randomness nobody knew before `reveal_at`
		// (with BABE, the block after it): the challenges list the samples from then on.
		let first = workers
			.iter()
			.zip(&workloads)
			.find_map(|((id, _), workload)| workload.as_ref().map(|_| *id))
			.ok_or_else(|| anyhow!("no workload"))?;
		loop {
			let best = harness.chain.best_number().await?;
			harness.record_until(best, "compute commits", 0).await?;
			let sampled = harness
				.chain
				.compute_challenge(first)
				.await?
				.is_some_and(|c| c.epoch == epoch.index && !c.sampled.is_empty());
			if sampled {
				break;
			}
			if best >= epoch.deadline {
				bail!("epoch {}'s reveal seed was not drawn by its deadline", epoch.index);
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
		let (signed, bytes) = harness.sign_reveals(&workers, &workloads).await?;
		reveal_bytes = bytes;
		harness
			.pace(signed, Pace::Waiting(PEAK_WAITING_REVEALS), epoch.deadline, "compute peak")
			.await?;
	}
	if options.transfer_blocks > 0 {
		let signed = harness.sign_transfers(population.senders, options.transfer_blocks).await?;
		let from = harness.chain.best_number().await?;
		// The blocks built while the harness signed are not the peak's.
		harness.record_until(from, "signing", 0).await?;
		let until = from.saturating_add(options.transfer_blocks);
		log(format!("transfers: {} signed, sent until block {until}", signed.len()));
		harness.pace(signed, Pace::Waiting(PEAK_WAITING_TRANSFERS), until, "transfer peak").await?;
	}
	// The last blocks.
	let best = harness.chain.best_number().await?;
	harness.record_until(best, "tail", 0).await?;

	let summary = |phase: &str| summarize(&harness.blocks, phase);
	let run = Run {
		devices: population.storage,
		hotspots: population.hotspots,
		compute: population.compute,
		sector_depth: population.sector_depth,
		epoch_blocks: population.epoch_blocks,
		storage_audit_percent: f64::from(population.storage_audit_ppb()) / 1e7,
		hourly_equivalent: u64::from(population.storage)
			.saturating_mul(600)
			.checked_div(u64::from(population.epoch_blocks))
			.unwrap_or_default(),
		batch: options.batch,
		proof_bytes,
		bundle_bytes,
		reveal_bytes,
		workload_seconds,
		genesis_seconds,
		limits: LimitsRecord {
			normal_weight: limits.normal_weight,
			operational_weight: limits.operational_weight,
			normal_length: limits.normal_length,
		},
		steady: summary("steady"),
		proof_peak: summary("proof peak"),
		coverage_peak: summary("coverage peak"),
		compute_commits: summary("compute commits"),
		compute_peak: summary("compute peak"),
		transfer_peak: summary("transfer peak"),
		max_rss_bytes: harness.blocks.iter().map(|b| b.node_rss_bytes).max().unwrap_or_default(),
		database_bytes: process::disk_bytes(&harness.database),
		pool_refusals: harness.refused,
		refusal_reasons: harness.refusals.clone(),
		blocks: harness.blocks.clone(),
	};
	std::fs::write(options.out.join("bench.json"), serde_json::to_vec_pretty(&run)?)?;
	std::fs::write(options.out.join("bench.svg"), chart(&run))?;
	Ok(run)
}

/// The devices `epoch` audits at `rate` parts per billion (the chain's draw,
/// `depin_primitives::storage::audited`): only they are challenged.
fn audited<'a>(
	devices: &'a [(u64, SparseSector, DevicePair)],
	epoch: &depin_primitives::epoch::EpochStatus<u32>,
	rate: u32,
) -> impl Iterator<Item = &'a (u64, SparseSector, DevicePair)> {
	let (seed, index) = (epoch.seed, epoch.index);
	devices
		.iter()
		.filter(move |(id, ..)| depin_primitives::storage::audited(&seed, *id, index, rate))
}

/// Commitments a submission carries: the runtime's `MaxBatch` for them.
const COMMITS_PER_TRANSACTION: usize = 64;
/// Reveals a submission carries: the runtime's `MaxRevealBatch`.
const REVEALS_PER_TRANSACTION: usize = 32;

/// Proofs kept waiting in the pool at the peak: about three blocks' worth, within the pool's
/// 20 MiB.
const PEAK_WAITING_PROOFS: u64 = 4_000;
/// Bundles kept waiting at the peak: about three blocks' worth (a bundle is charged about
/// 17 ms: a block takes about 85).
const PEAK_WAITING_BUNDLES: u64 = 256;
/// Commitments kept waiting: about four blocks' worth (a commitment is charged about 1.2 ms).
const PEAK_WAITING_COMMITS: u64 = 5_000;
/// Reveals kept waiting at the peak: about three blocks' worth (a reveal of a one-unit
/// workload is about 3 KB and is charged about 4.5 ms).
const PEAK_WAITING_REVEALS: u64 = 1_000;
/// Transfers kept waiting at the peak: about a block and a half's worth, well within the pool's
/// 8,192 transactions (a pool over its limit drops some, and every later nonce of their
/// senders waits behind the gap).
const PEAK_WAITING_TRANSFERS: u64 = 5_000;

/// How work is sent: a quota each block, or as much as keeps `n` items waiting.
#[derive(Clone, Copy)]
enum Pace {
	PerBlock(u64),
	Waiting(u64),
}

impl Harness {
	/// Device `index`'s record is the one the spec made: the ids are as the harness counts
	/// them.
	async fn check_device(&self, first: u32, index: u32, population: Population) -> Result<()> {
		let id = spec::device_id(first, index);
		let key = crate::keystore::DevicePair::Sr25519(spec::device_pair(index)).public();
		let found = self.chain.device_by_key(&key).await?;
		if found.map(|(found, _)| found) != Some(id) {
			bail!("the chain did not number the genesis devices as expected (device {id})");
		}
		let _ = population;
		Ok(())
	}

	/// Wait for the next epoch to start; its status.
	/// The blocks before it are recorded as `phase`.
	async fn next_epoch(
		&mut self,
		phase: &'static str,
		log: &mut dyn FnMut(String),
	) -> Result<depin_primitives::epoch::EpochStatus<u32>> {
		let now = self.chain.epoch().await?;
		let target = now.index.saturating_add(1).max(1);
		log(format!("waiting for epoch {target} (block #{})", now.next_start));
		loop {
			let best = self.chain.best_number().await?;
			self.record_until(best, phase, 0).await?;
			let epoch = self.chain.epoch().await?;
			if epoch.index >= target {
				return Ok(epoch);
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	/// Read the nonces of `keys` from the best block: a round whose transactions a block
	/// never took (the pool full, the epoch over) leaves no gap before the next round's.
	async fn sync_nonces(&mut self, keys: &[Keypair]) -> Result<()> {
		let at = self.chain.client.at_current_block().await.context("cannot read the chain")?;
		for key in keys {
			let id = subxt::utils::AccountId32(key.public_key().0);
			let account = at
				.storage()
				.try_fetch(depin::storage().system().account(), (id,))
				.await
				.context("cannot read an account")?;
			let nonce = match account {
				Some(value) => value.decode().context("cannot decode an account")?.nonce,
				None => 0,
			};
			self.nonces.insert(key.public_key().0, u64::from(nonce));
		}
		Ok(())
	}

	/// Every audited device's proof for `epoch`, in signed batches (owners take turns
	/// signing); and the bytes of one proof.
	async fn sign_proofs(
		&mut self,
		devices: &[(u64, SparseSector, DevicePair)],
		owners: &[Keypair],
		epoch: &depin_primitives::epoch::EpochStatus<u32>,
		batch: u32,
	) -> Result<(Vec<Signed>, u64)> {
		let genesis = self.chain.genesis();
		let mut proofs: Vec<StorageProof> = Vec::with_capacity(devices.len());
		for (id, sparse, key) in audited(devices, epoch, self.storage_audit) {
			let at = Challenged {
				device: *id,
				sector: 0,
				epoch: epoch.index,
				seed: epoch.seed,
				count: epoch.challenges_per_sector,
			};
			proofs.push(prove(genesis, at, sparse, key)?);
		}
		let proof_bytes = proofs.first().map_or(0, |p| codec::Encode::encoded_size(p) as u64);
		self.sync_nonces(owners).await?;
		let at = self.chain.client.at_current_block().await.context("cannot read the chain")?;
		let transactions = at.transactions();
		let mut signed = Vec::new();
		for (turn, chunk) in proofs.chunks(batch as usize).enumerate() {
			let owner = owners
				.get(turn.checked_rem(owners.len()).unwrap_or_default())
				.ok_or_else(|| anyhow!("no owner"))?;
			let call = depin::tx().proofs().submit_storage_proofs(bridge(&chunk.to_vec())?);
			let bytes = sign(&transactions, &mut self.nonces, &call, owner)?;
			signed.push(Signed { bytes, items: chunk.len() as u64 });
		}
		Ok((signed, proof_bytes))
	}

	/// Every hotspot's beacon in `epoch` (each asks the chain for its ticket) with a receipt
	/// from each other hotspot of its group, `per_transaction` bundles a submission relayed by
	/// the owner of its first beaconer; and the bytes of one bundle.
	async fn sign_beacons(
		&mut self,
		hotspots: &[Hotspot],
		epoch: &depin_primitives::epoch::EpochStatus<u32>,
		per_transaction: u32,
	) -> Result<(Vec<Signed>, u64)> {
		let genesis = self.chain.genesis();
		let chain = &self.chain;
		let tickets: Vec<Result<Option<_>>> = futures::stream::iter(hotspots.iter())
			.map(|h| async move { chain.coverage_ticket(h.id).await })
			.buffered(32)
			.collect()
			.await;
		let sent_at = self.chain.best_number().await?.max(epoch.start);
		let mut bundles = Vec::new();
		for (hotspot, ticket) in hotspots.iter().zip(tickets) {
			let Some(ticket) = ticket? else { continue };
			if ticket.epoch != epoch.index || ticket.beacon.is_some() {
				continue;
			}
			let bundle = hotspots::bundle(
				genesis,
				hotspots,
				hotspot,
				epoch.index,
				ticket.challenge,
				sent_at,
			)?;
			bundles.push((hotspot.index, bundle));
		}
		let bundle_bytes =
			bundles.first().map_or(0, |(_, b)| codec::Encode::encoded_size(b) as u64);
		let signed = self
			.sign_batches(&bundles, per_transaction as usize, hotspots::owner_seed, |list| {
				Ok(depin::tx().coverage().submit_beacons(bridge(&list.to_vec())?))
			})
			.await?;
		Ok((signed, bundle_bytes))
	}

	/// Each of `workers`' challenge in the epoch in progress, as the daemon asks for it.
	async fn compute_challenges(
		&self,
		workers: &[(u64, DevicePair)],
	) -> Vec<Result<Option<depin_primitives::compute::WorkChallenge<u32>>>> {
		let chain = &self.chain;
		futures::stream::iter(workers.iter())
			.map(|(id, _)| async move { chain.compute_challenge(*id).await })
			.buffered(32)
			.collect()
			.await
	}

	/// Run the workload of every compute device challenged in `epoch` (each asks the chain
	/// for its challenge, as the daemon does), one after another on one core; the workloads
	/// (`None` for a device not challenged) and the block the commit window closes at.
	async fn run_workloads(
		&mut self,
		workers: &[(u64, DevicePair)],
		epoch: u32,
	) -> Result<(Vec<Option<Workload>>, u32)> {
		let challenges = self.compute_challenges(workers).await;
		let mut wanted = Vec::with_capacity(workers.len());
		let mut reveal_at = u32::MAX;
		for ((id, _), challenge) in workers.iter().zip(challenges) {
			let challenge = challenge?.filter(|c| {
				c.epoch == epoch && c.status == depin_primitives::compute::WorkStatus::Challenged
			});
			if let Some(c) = &challenge {
				reveal_at = reveal_at.min(c.reveal_at);
			}
			wanted.push((*id, challenge));
		}
		let started = Instant::now();
		let workloads = tokio::task::spawn_blocking(move || {
			wanted
				.into_iter()
				.map(|(id, challenge)| challenge.map(|c| Workload::run(id, &c)).transpose())
				.collect::<Result<Vec<_>>>()
		})
		.await
		.context("the workload thread failed")??;
		self.workload_seconds += started.elapsed().as_secs_f64();
		Ok((workloads, reveal_at))
	}

	/// The commitments of `workloads`, signed by their devices, in batches of the runtime's
	/// `MaxBatch` relayed by the owner of each batch's first device.
	async fn sign_commits(
		&mut self,
		workers: &[(u64, DevicePair)],
		workloads: &[Option<Workload>],
	) -> Result<Vec<Signed>> {
		let genesis = self.chain.genesis();
		let commits: Vec<(u32, WorkCommit)> = workers
			.iter()
			.zip(workloads)
			.enumerate()
			.filter_map(|(index, ((_, key), workload))| {
				workload.as_ref().map(|w| (index as u32, w.commit(genesis, key)))
			})
			.collect();
		self.sign_batches(&commits, COMMITS_PER_TRANSACTION, spec::compute_owner_seed_of, |list| {
			Ok(depin::tx().compute().commit_work(bridge(&list.to_vec())?))
		})
		.await
	}

	/// The reveals of `workloads` of the segments the chain sampled (each device asks for its
	/// challenge again), in batches of the runtime's `MaxRevealBatch`; and one reveal's bytes.
	async fn sign_reveals(
		&mut self,
		workers: &[(u64, DevicePair)],
		workloads: &[Option<Workload>],
	) -> Result<(Vec<Signed>, u64)> {
		let challenges = self.compute_challenges(workers).await;
		let mut reveals: Vec<(u32, Reveal)> = Vec::new();
		for (index, (workload, challenge)) in workloads.iter().zip(challenges).enumerate() {
			let (Some(workload), Some(challenge)) = (workload, challenge?) else { continue };
			if challenge.epoch != workload.epoch || challenge.sampled.is_empty() {
				continue;
			}
			reveals.push((index as u32, workload.reveal(&challenge.sampled)?));
		}
		let bytes = reveals.first().map_or(0, |(_, r)| codec::Encode::encoded_size(r) as u64);
		let signed = self
			.sign_batches(&reveals, REVEALS_PER_TRANSACTION, spec::compute_owner_seed_of, |list| {
				Ok(depin::tx().compute().reveal_work(bridge(&list.to_vec())?))
			})
			.await?;
		Ok((signed, bytes))
	}

	/// `items` (each with its device's index) in submissions of `per_transaction` made by
	/// `call`, each relayed by the owner of its first device (the key of `relayer_seed` of its
	/// index).
	async fn sign_batches<Item: Clone, P: subxt::tx::Payload>(
		&mut self,
		items: &[(u32, Item)],
		per_transaction: usize,
		relayer_seed: impl Fn(u32) -> [u8; 32],
		call: impl Fn(&[Item]) -> Result<P>,
	) -> Result<Vec<Signed>> {
		let relayers: Vec<Keypair> = items
			.chunks(per_transaction)
			.filter_map(|chunk| chunk.first())
			.map(|(index, _)| spec::signer(relayer_seed(*index)))
			.collect::<Result<_>>()?;
		self.sync_nonces(&relayers).await?;
		let at = self.chain.client.at_current_block().await.context("cannot read the chain")?;
		let transactions = at.transactions();
		let mut signed = Vec::new();
		for (chunk, relayer) in items.chunks(per_transaction).zip(&relayers) {
			let list: Vec<Item> = chunk.iter().map(|(_, item)| item.clone()).collect();
			let bytes = sign(&transactions, &mut self.nonces, &call(&list)?, relayer)?;
			signed.push(Signed { bytes, items: chunk.len() as u64 });
		}
		Ok(signed)
	}

	/// `blocks` blocks' worth of transfers (as many as a block could take of the normal
	/// class's length), from `senders` accounts in turn, to owner 0.
	async fn sign_transfers(&mut self, senders: u32, blocks: u32) -> Result<Vec<Signed>> {
		if senders == 0 {
			bail!("the transfer peak needs senders (--senders)");
		}
		let keys: Vec<Keypair> =
			(0..senders).map(|i| spec::signer(spec::sender_seed(i))).collect::<Result<_>>()?;
		let dest = subxt::utils::AccountId32(spec::owner_pair(0).public().0);
		// A transfer is about 150 bytes: the length limit bounds a block at about 25,000, and
		// its weight (about 100 µs each with the extrinsic's base) at about 15,000.
		let per_block =
			u64::from(self.limits.normal_length).checked_div(150).unwrap_or(1).min(15_000);
		let total = per_block.saturating_mul(u64::from(blocks));
		self.sync_nonces(&keys).await?;
		let at = self.chain.client.at_current_block().await.context("cannot read the chain")?;
		let transactions = at.transactions();
		let mut signed = Vec::new();
		for i in 0..total {
			let key = keys
				.get(usize::try_from(i.checked_rem(u64::from(senders)).unwrap_or_default())?)
				.ok_or_else(|| anyhow!("no sender"))?;
			let call = depin::tx().balances().transfer_keep_alive(dest.into(), 1_000_000);
			signed.push(Signed {
				bytes: sign(&transactions, &mut self.nonces, &call, key)?,
				items: 1,
			});
		}
		Ok(signed)
	}

	/// Send `signed` at `pace`, block by block, until block `until`; record each block as
	/// `phase`. Items a block took are counted from its events (proofs accepted or refused,
	/// transfers).
	async fn pace(
		&mut self,
		signed: Vec<Signed>,
		pace: Pace,
		until: u32,
		phase: &'static str,
	) -> Result<()> {
		let mut queue: std::collections::VecDeque<Signed> = signed.into();
		let (mut sent, mut taken): (u64, u64) = (0, 0);
		let mut last = self.chain.best_number().await?;
		loop {
			let budget = match pace {
				Pace::PerBlock(quota) => quota,
				Pace::Waiting(target) => target.saturating_sub(sent.saturating_sub(taken)),
			};
			// This block's share, sent 32 at a time (fire and forget: what a block takes is
			// read from its events).
			let mut batch = Vec::new();
			let mut items = 0u64;
			while items < budget {
				let Some(next) = queue.pop_front() else { break };
				items = items.saturating_add(next.items);
				batch.push(next);
			}
			let rpc = &self.chain.rpc;
			let results: Vec<Result<H256, String>> = futures::stream::iter(batch.iter())
				.map(|signed| async move {
					let hex = format!("0x{}", hex::encode(&signed.bytes));
					rpc.request::<H256>("author_submitExtrinsic", rpc_params![hex])
						.await
						.map_err(|e| e.to_string())
				})
				.buffered(32)
				.collect()
				.await;
			// A transaction the pool refused (full) goes back to the queue's front, in order,
			// for the next block.
			let mut sending = 0u64;
			let mut refused = Vec::new();
			for (signed, result) in batch.into_iter().zip(results) {
				match result {
					Ok(_) => sending = sending.saturating_add(signed.items),
					Err(why) => {
						let count = self.refusals.entry(why).or_default();
						*count = count.saturating_add(1);
						refused.push(signed);
					},
				}
			}
			self.refused = self.refused.saturating_add(refused.len() as u64);
			for signed in refused.into_iter().rev() {
				queue.push_front(signed);
			}
			sent = sent.saturating_add(sending);
			// Wait for the next block.
			let best = loop {
				let best = self.chain.best_number().await?;
				if best > last {
					break best;
				}
				tokio::time::sleep(Duration::from_millis(100)).await;
			};
			for block in self.record_until(best, phase, 0).await? {
				// A bundle is taken once its beacon is recorded or it is refused as a whole.
				let items = u64::from(block.chain.storage_proofs)
					.saturating_add(u64::from(block.chain.rejected))
					.saturating_add(u64::from(block.chain.transfers))
					.saturating_add(u64::from(block.chain.beacons))
					.saturating_add(u64::from(block.chain.bundles_rejected))
					.saturating_add(u64::from(block.chain.commits))
					.saturating_add(u64::from(block.chain.reveals))
					.saturating_add(u64::from(block.chain.compute_rejected));
				taken = taken.saturating_add(items);
			}
			if let Some(block) = self.blocks.last_mut() {
				block.waiting = sent.saturating_sub(taken);
			}
			last = best;
			if best >= until || (queue.is_empty() && sent <= taken) {
				return Ok(());
			}
		}
	}

	/// Record blocks after the last recorded up to `best`, as `phase`; the new records.
	async fn record_until(
		&mut self,
		best: u32,
		phase: &'static str,
		waiting: u64,
	) -> Result<Vec<Block>> {
		let mut new = Vec::new();
		while self.recorded < best {
			let number = self.recorded.saturating_add(1);
			let Some(chain) = metrics::record(&self.chain, number, self.limits).await? else {
				break;
			};
			let sample = process::sample(&self.node.pid().to_string())?;
			let cpu_percent = if let Some(previous) = self.blocks.last() {
				let slots = chain_slot_seconds(previous.chain.slot, chain.slot);
				(sample.cpu_seconds - self.cpu) * 100.0 / slots
			} else {
				0.0
			};
			self.cpu = sample.cpu_seconds;
			let build_ms = self.node.proposed.lock().ok().and_then(|m| m.get(&number).copied());
			let block = Block {
				chain,
				phase,
				build_ms,
				node_cpu_percent: cpu_percent,
				node_rss_bytes: sample.rss_bytes,
				database_bytes: process::disk_bytes(&self.database),
				waiting,
			};
			self.blocks.push(block.clone());
			new.push(block);
			self.recorded = number;
		}
		Ok(new)
	}
}

/// `call` signed by `key` at its next nonce (counted in `nonces`: the harness is each of its
/// accounts' only user), immortal, without a tip; the transaction's bytes.
fn sign<C: subxt::client::OfflineClientAtBlockT<Config>>(
	transactions: &subxt::tx::TransactionsClient<Config, C>,
	nonces: &mut BTreeMap<[u8; 32], u64>,
	call: &impl subxt::tx::Payload,
	key: &Keypair,
) -> Result<Vec<u8>> {
	let nonce = nonces.entry(key.public_key().0).or_default();
	let params = PolkadotExtrinsicParamsBuilder::<Config>::new().nonce(*nonce).build();
	*nonce = nonce.saturating_add(1);
	Ok(transactions
		.create_signable_offline(call, params)
		.and_then(|mut signable| signable.sign(key))
		.map_err(|e| anyhow!("cannot sign a transaction: {e}"))?
		.into_encoded())
}

/// Seconds of chain time between two slots (at least one slot's).
fn chain_slot_seconds(from: u64, to: u64) -> f64 {
	(to.saturating_sub(from).max(1) as f64) * 6.0
}

/// The template spec (the node's `dev`) and the code of `options.code_spec`.
fn template_and_code(options: &Options) -> Result<(Value, String)> {
	let output = std::process::Command::new(&options.node)
		.args(["export-chain-spec", "--chain", "dev"])
		.output()
		.with_context(|| format!("cannot run {}", options.node.display()))?;
	if !output.status.success() {
		bail!(
			"{} export-chain-spec failed: {}",
			options.node.display(),
			String::from_utf8_lossy(&output.stderr)
		);
	}
	let template: Value =
		serde_json::from_slice(&output.stdout).context("the node's dev spec is not JSON")?;
	let code_spec: Value = serde_json::from_slice(
		&std::fs::read(&options.code_spec)
			.with_context(|| format!("cannot read {}", options.code_spec.display()))?,
	)
	.with_context(|| format!("{} is not JSON", options.code_spec.display()))?;
	let code = code_spec
		.pointer("/genesis/runtimeGenesis/code")
		.and_then(Value::as_str)
		.ok_or_else(|| anyhow!("{} has no runtime code", options.code_spec.display()))?
		.to_string();
	Ok((template, code))
}

/// Connect to `node` on `port`, waiting up to `timeout` while it builds its genesis; an error
/// with its log's end if it stops first (a genesis the runtime cannot build, say).
async fn connect(node: &mut Node, port: u16, timeout: Duration) -> Result<Chain> {
	let started = Instant::now();
	loop {
		if let Some(why) = node.exited() {
			bail!("{why}");
		}
		match Chain::connect(&format!("ws://127.0.0.1:{port}")).await {
			Ok(chain) => return Ok(chain),
			Err(e) if started.elapsed() > timeout => {
				return Err(e.context("the node did not answer in time"))
			},
			Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
		}
	}
}

/// A phase's figures from its blocks.
pub fn summarize(blocks: &[Block], phase: &str) -> PhaseSummary {
	let of: Vec<&Block> = blocks.iter().filter(|b| b.phase == phase).collect();
	let mut summary = PhaseSummary::default();
	if of.is_empty() {
		return summary;
	}
	let n = of.len() as f64;
	summary.blocks = u32::try_from(of.len()).unwrap_or(u32::MAX);
	let weight = |b: &Block| b.chain.weight_percent;
	let hooks = |b: &Block| b.chain.weight_mandatory_percent;
	for block in &of {
		summary.storage_proofs =
			summary.storage_proofs.saturating_add(block.chain.storage_proofs.into());
		summary.rejected = summary.rejected.saturating_add(block.chain.rejected.into());
		summary.transfers = summary.transfers.saturating_add(block.chain.transfers.into());
		summary.beacons = summary.beacons.saturating_add(block.chain.beacons.into());
		summary.receipts = summary.receipts.saturating_add(block.chain.receipts.into());
		summary.bundles_rejected =
			summary.bundles_rejected.saturating_add(block.chain.bundles_rejected.into());
		summary.receipts_rejected =
			summary.receipts_rejected.saturating_add(block.chain.receipts_rejected.into());
		summary.commits = summary.commits.saturating_add(block.chain.commits.into());
		summary.reveals = summary.reveals.saturating_add(block.chain.reveals.into());
		summary.compute_rejected =
			summary.compute_rejected.saturating_add(block.chain.compute_rejected.into());
		summary.max_weight_percent = summary.max_weight_percent.max(weight(block));
		summary.max_hooks_percent = summary.max_hooks_percent.max(hooks(block));
		summary.max_length_percent = summary.max_length_percent.max(block.chain.length_percent);
		summary.max_build_ms = summary.max_build_ms.max(block.build_ms.unwrap_or_default());
	}
	summary.mean_weight_percent = of.iter().map(|b| weight(b)).sum::<f64>() / n;
	summary.mean_hooks_percent = of.iter().map(|b| hooks(b)).sum::<f64>() / n;
	summary.mean_length_percent = of.iter().map(|b| b.chain.length_percent).sum::<f64>() / n;
	summary.proofs_per_second = summary.storage_proofs as f64 / (n * 6.0);
	summary.transfers_per_second = summary.transfers as f64 / (n * 6.0);
	summary.coverage_per_second =
		summary.beacons.saturating_add(summary.receipts) as f64 / (n * 6.0);
	summary.compute_per_second = summary.commits.saturating_add(summary.reveals) as f64 / (n * 6.0);
	let saturated: Vec<&&Block> = of.iter().filter(|b| b.waiting > 0).collect();
	summary.saturated_blocks = u32::try_from(saturated.len()).unwrap_or(u32::MAX);
	if !saturated.is_empty() {
		let items: u64 = saturated
			.iter()
			.map(|b| {
				u64::from(b.chain.storage_proofs)
					.saturating_add(b.chain.transfers.into())
					.saturating_add(b.chain.beacons.into())
					.saturating_add(b.chain.receipts.into())
					.saturating_add(b.chain.commits.into())
					.saturating_add(b.chain.reveals.into())
			})
			.sum();
		summary.saturated_per_second = items as f64 / (saturated.len() as f64 * 6.0);
	}
	// Slots with no block before each of the phase's blocks (since the block before it,
	// whatever that one's phase).
	for pair in blocks.windows(2) {
		if let [before, block] = pair {
			if block.phase == phase {
				let gap = block.chain.slot.saturating_sub(before.chain.slot).saturating_sub(1);
				summary.missed_slots = summary.missed_slots.saturating_add(gap);
			}
		}
	}
	summary
}

/// The run's chart: per block, proofs and transfers taken, weight and length used, build time,
/// node CPU and memory.
fn chart(run: &Run) -> String {
	let series = |f: &dyn Fn(&Block) -> f64| -> Vec<(f64, f64)> {
		run.blocks.iter().map(|b| (f64::from(b.chain.number), f(b))).collect()
	};
	let panels = [
		svg::Panel {
			title: "storage proofs accepted",
			unit: "per block",
			points: series(&|b| b.chain.storage_proofs.into()),
		},
		svg::Panel {
			title: "coverage receipts accepted",
			unit: "per block",
			points: series(&|b| b.chain.receipts.into()),
		},
		svg::Panel {
			title: "compute commitments and reveals accepted",
			unit: "per block",
			points: series(&|b| f64::from(b.chain.commits) + f64::from(b.chain.reveals)),
		},
		svg::Panel {
			title: "balance transfers",
			unit: "per block",
			points: series(&|b| b.chain.transfers.into()),
		},
		svg::Panel {
			title: "weight used by transactions (normal + operational)",
			unit: "% of normal",
			points: series(&|b| b.chain.weight_percent),
		},
		svg::Panel {
			title: "length used",
			unit: "% of normal",
			points: series(&|b| b.chain.length_percent),
		},
		svg::Panel {
			title: "author's build time",
			unit: "ms",
			points: series(&|b| b.build_ms.unwrap_or_default() as f64),
		},
		svg::Panel {
			title: "node CPU",
			unit: "% of a core",
			points: series(&|b| b.node_cpu_percent),
		},
		svg::Panel {
			title: "node RSS",
			unit: "MiB",
			points: series(&|b| b.node_rss_bytes as f64 / 1_048_576.0),
		},
	];
	svg::chart(
		&format!(
			"{} storage devices ({}% audited each epoch), {} hotspots and {} compute devices on \
			 {}-block epochs ({} audited hourly)",
			run.devices,
			run.storage_audit_percent,
			run.hotspots,
			run.compute,
			run.epoch_blocks,
			run.hourly_equivalent
		),
		"block",
		&panels,
	)
}

/// The text report of a run.
pub fn describe(run: &Run, out: &Path) -> String {
	let phase = |name: &str, p: &PhaseSummary| {
		format!(
			"{name}: {} blocks, {} proofs ({:.1}/s), {} rejected, {} beacons and {} receipts \
			 ({:.1}/s), {} bundles and {} receipts refused, {} commitments and {} reveals \
			 ({:.1}/s), {} refused, {} transfers ({:.1}/s); saturated {} \
			 blocks at {:.1}/s; weight {:.1} % mean, {:.1} % max; hooks {:.1} % \
			 mean, {:.1} % max; length {:.1} % mean, {:.1} % max; build ≤ {} ms; {} missed \
			 slots",
			p.blocks,
			p.storage_proofs,
			p.proofs_per_second,
			p.rejected,
			p.beacons,
			p.receipts,
			p.coverage_per_second,
			p.bundles_rejected,
			p.receipts_rejected,
			p.commits,
			p.reveals,
			p.compute_per_second,
			p.compute_rejected,
			p.transfers,
			p.transfers_per_second,
			p.saturated_blocks,
			p.saturated_per_second,
			p.mean_weight_percent,
			p.max_weight_percent,
			p.mean_hooks_percent,
			p.max_hooks_percent,
			p.mean_length_percent,
			p.max_length_percent,
			p.max_build_ms,
			p.missed_slots
		)
	};
	format!(
		"{} devices, {} hotspots and {} compute devices, {}-block epochs ({} audited hourly at \
		 {}%), sectors of 2^{} chunks, {} bytes a proof, {} a bundle, {} a reveal ({:.2} s a \
		 workload), genesis {:.1} s\n{}\n{}\n{}\n{}\n{}\n{}\nnode RSS ≤ {:.0} MiB, database {:.0} \
		 MiB\n{} and {}",
		run.devices,
		run.hotspots,
		run.compute,
		run.epoch_blocks,
		run.hourly_equivalent,
		run.storage_audit_percent,
		run.sector_depth,
		run.proof_bytes,
		run.bundle_bytes,
		run.reveal_bytes,
		run.workload_seconds,
		run.genesis_seconds,
		phase("steady", &run.steady),
		phase("proof peak", &run.proof_peak),
		phase("coverage peak", &run.coverage_peak),
		phase("compute commits", &run.compute_commits),
		phase("compute peak", &run.compute_peak),
		phase("transfer peak", &run.transfer_peak),
		run.max_rss_bytes as f64 / 1_048_576.0,
		run.database_bytes as f64 / 1_048_576.0,
		out.join("bench.json").display(),
		out.join("bench.svg").display(),
	)
}
