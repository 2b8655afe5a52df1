//! Adversaries, played on the dev chain next to the honest devices:
//! `depin-provider simulate --adversary self-deal,self-job,compute-sybil,relay-grief`.
//!
//! Each adversary is an account of its own (`//depin-sim/adversary/<strategy>`), funded once by
//! the signer with [`FUNDS`], that registers its own devices and plays its strategy every block
//! and every epoch. Its books are the chain's: what it owns (free balance and holds) when it
//! starts, what it claims from the reward pools, and what it owns now. **Spent** = owned at the
//! start + claimed − owned now: the transaction fees, protocol fees and slashes it paid out.
//! Deposits and collaterals it only locked stay in what it owns and are reported as **locked**.
//! A strategy pays when what it claimed is more than what it spent: `reward/cost` ≥ 1.
//!
//! The strategies (`docs/attacks.md` is generated from a run of them, `scripts/attacks.sh`):
//!
//! - `self-deal`: a provider as its own storage client, paying its own device for a sector of
//!   its own data, to draw the storage pool;
//! - `self-job`: a provider as its own compute consumer, paying its own device for jobs, to draw
//!   the compute pool;
//! - `compute-sybil`: one process passing the capacity audits of [`SYBILS`] compute devices, to
//!   draw the compute pool without serving anyone;
//! - `relay-grief`: a relayer flooding the chain with batches of invalid storage proofs, to
//!   make the chain do work it is not paid for;
//! - `witness-ring`: [`RING`] coverage hotspots under unrelated accounts, registered on paper
//!   among the honest hotspots (each in a cell of its own), that beacon and witness each other
//!   from one process, to draw the coverage pool without a radio;
//! - `location-spoof`: a hotspot registered among the honest ones where it is not, that hears
//!   nothing and witnesses the beacons it reads on chain while their receipt window is open.

use std::{collections::BTreeSet, time::Duration};

use anyhow::{anyhow, bail, Result};
use depin_merkle::{Blake2, MerkleTree};
use serde_json::{json, Value};
use sp_core::H256;
use subxt::utils::AccountId32;
use subxt_signer::{sr25519::Keypair, SecretUri};

use super::{cell, deals, hotspots, jobs, sector_bytes};
use crate::{
	chain::{bridge, Chain, Wait},
	commands::{self, Home, Kind},
	depin,
	keystore::{DevicePair, Scheme},
	prover::{Data, Honesty, LoadedSector, StorageProof},
	report::dpn,
	sector::LocalSector,
};

const DPN: u128 = 1_000_000_000_000;
/// What the signer gives each adversary, once.
pub const FUNDS: u128 = 2_000 * DPN;
/// The compute devices one `compute-sybil` process carries.
pub const SYBILS: u32 = 4;
/// Invalid proofs in each `relay-grief` batch (one batch a block).
pub const GRIEF_ITEMS: u32 = 16;
/// The hotspots of the `witness-ring`.
pub const RING: u32 = 3;
/// Where the ring's hotspots stand: cells 4, 5 and 6 of the honest hotspots' density cell
/// ([`hotspots::cell`]), next to the honest ones (cells 0, 1, …).
const RING_FIRST_CELL: u32 = 4;
/// Where the `location-spoof` hotspot claims to stand: the cell after the ring's.
const SPOOF_CELL: u32 = RING_FIRST_CELL + RING;

/// A way to earn without serving anyone, or to make the chain work for nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strategy {
	SelfDeal,
	SelfJob,
	ComputeSybil,
	RelayGrief,
	WitnessRing,
	LocationSpoof,
}

impl Strategy {
	/// Every strategy, in the order they are reported.
	pub const ALL: [Strategy; 6] = [
		Strategy::SelfDeal,
		Strategy::SelfJob,
		Strategy::ComputeSybil,
		Strategy::RelayGrief,
		Strategy::WitnessRing,
		Strategy::LocationSpoof,
	];

	/// Its name on the command line and in the reports.
	pub fn name(self) -> &'static str {
		match self {
			Strategy::SelfDeal => "self-deal",
			Strategy::SelfJob => "self-job",
			Strategy::ComputeSybil => "compute-sybil",
			Strategy::RelayGrief => "relay-grief",
			Strategy::WitnessRing => "witness-ring",
			Strategy::LocationSpoof => "location-spoof",
		}
	}

	/// `a,b,c` (or `all`) as strategies, each once.
	pub fn parse_list(list: &str) -> Result<Vec<Strategy>> {
		if list.trim() == "all" {
			return Ok(Self::ALL.to_vec());
		}
		let mut out = BTreeSet::new();
		for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
			let strategy = Self::ALL.into_iter().find(|s| s.name() == name).ok_or_else(|| {
				let known: Vec<&str> = Self::ALL.iter().map(|s| s.name()).collect();
				anyhow!("unknown adversary `{name}`: one of {} (or `all`)", known.join(", "))
			})?;
			out.insert(strategy);
		}
		if out.is_empty() {
			bail!("--adversary needs at least one strategy");
		}
		Ok(out.into_iter().collect())
	}

	/// What it does.
	pub fn plan(self) -> &'static str {
		match self {
			Strategy::SelfDeal => {
				"a provider is its own storage client: it pays its own device 1 DPN an epoch for a \
				 64 KiB sector of its own data and proves it every epoch"
			},
			Strategy::SelfJob => {
				"a provider is its own compute consumer: every epoch it buys a 1 DPN job from its \
				 own device, co-signs the receipt and releases the payment"
			},
			Strategy::ComputeSybil => {
				"one process registers four compute devices and passes all their capacity audits, \
				 serving nobody"
			},
			Strategy::RelayGrief => {
				"a relayer sends a batch of 16 invalid storage proofs every block, naming other \
				 providers' devices"
			},
			Strategy::WitnessRing => {
				"three hotspots under three unrelated accounts, registered on paper among the \
				 honest hotspots two epochs after them, beacon and witness each other from one \
				 process"
			},
			Strategy::LocationSpoof => {
				"a hotspot registered among the honest ones two epochs after them, where it is \
				 not: it hears nothing, witnesses the beacons it reads on chain within their \
				 receipt window, and beacons to nobody"
			},
		}
	}

	/// The rule that stops it.
	pub fn rule(self) -> &'static str {
		match self {
			Strategy::SelfDeal => {
				"only deal-backed storage earns, its points are the deal fee burned (20 %), and a \
				 device's storage reward is at most the fees its deals burned in the epoch"
			},
			Strategy::SelfJob => {
				"compute rewards follow paid jobs only: a job's points are its burned fee (20 %), \
				 and a device's compute reward is at most the fees its jobs burned in the epoch"
			},
			Strategy::ComputeSybil => {
				"a capacity audit earns nothing; the registration deposits stay locked and a \
				 caught fake loses half of one"
			},
			Strategy::RelayGrief => {
				"every batch pays the fee of the weight its items used; a refused item is charged \
				 the cheap checks it ran"
			},
			Strategy::WitnessRing => {
				"location consistency: witnesses from half the places around a beaconer where \
				 vouched hotspots were heard must hear its beacon, and a newcomer earns nothing \
				 where vouched hotspots are heard until they have; where nobody else is heard, \
				 reciprocity, a cap per witness and distinct witnesses bound it"
			},
			Strategy::LocationSpoof => {
				"location consistency: a newcomer earns nothing where vouched hotspots are heard \
				 until they witness a beacon of it, and after three beacons they did not witness \
				 its receipts are refused"
			},
		}
	}

	/// The tests that show the rule.
	pub fn tests(self) -> &'static str {
		match self {
			Strategy::SelfDeal => {
				"`alices_dev_storage_device_proves_a_self_dealt_sector_and_earns_no_more_than_it_burned` \
				 (runtime), `a_provider_paying_itself_loses_the_fee_every_epoch` (pallet-proofs)"
			},
			Strategy::SelfJob => {
				"`a_self_paid_compute_job_earns_no_more_than_it_burned` (runtime), \
				 `a_co_signed_receipt_pays_the_owner_after_the_dispute_window` (pallet-jobs)"
			},
			Strategy::ComputeSybil => {
				"`a_proven_workload_passes_the_audit_and_earns_nothing` (pallet-compute)"
			},
			Strategy::RelayGrief => {
				"`a_batch_of_receipts_pays_for_what_its_items_used` (pallet-jobs), \
				 `a_batch_of_commitments_pays_for_what_its_items_used` (pallet-compute)"
			},
			Strategy::WitnessRing => {
				"`a_newcomer_among_heard_hotspots_earns_once_its_neighbours_have_heard_it`, \
				 `a_hotspot_its_neighbours_do_not_hear_loses_its_coverage_share_until_they_do`, \
				 `pairs_that_keep_meeting_earn_less_and_less` (pallet-coverage)"
			},
			Strategy::LocationSpoof => {
				"`a_newcomer_neither_counts_where_it_is_heard_nor_vouches_for_others`, \
				 `a_hotspot_its_neighbours_do_not_hear_loses_its_coverage_share_until_they_do`, \
				 `a_hotspot_that_moves_is_on_probation_where_it_stands_now` (pallet-coverage)"
			},
		}
	}
}

/// An adversary: its account, devices and books.
pub struct Adversary {
	pub strategy: Strategy,
	key: Keypair,
	account: AccountId32,
	devices: Vec<u64>,
	/// `self-deal`: its sector, proven every block, and its deal.
	sectors: Vec<(LoadedSector, DevicePair, Honesty)>,
	answered: BTreeSet<(u64, u32, u32)>,
	deals: Vec<H256>,
	/// `compute-sybil`: the devices whose audits it passes.
	workers: Vec<crate::compute::Worker>,
	/// `self-job`: itself as a consumer, and the device it buys from.
	consumer: Option<jobs::Consumer>,
	/// `witness-ring`: its hotspots, each with its owner, and the beacons it replayed.
	/// `location-spoof`: the same for its one hotspot, and the beacons it overheard.
	ring: Vec<hotspots::Hotspot>,
	replayed: BTreeSet<(u64, u32)>,
	overheard: BTreeSet<(u64, u32)>,
	/// What it owned when it started (free and held).
	start: u128,
	/// Rewards claimed.
	claimed: u128,
	/// Time spent running workloads (one core).
	work: Duration,
	/// Batch items the chain refused.
	refused: u32,
	/// Audits passed.
	audits: u32,
}

/// The account of the adversary playing `strategy`.
fn key_of(strategy: Strategy) -> Result<Keypair> {
	let uri: SecretUri = format!("//depin-sim/adversary/{}", strategy.name())
		.parse()
		.map_err(|e| anyhow!("bad derivation path: {e}"))?;
	Keypair::from_uri(&uri).map_err(|e| anyhow!("cannot derive an adversary's key: {e}"))
}

/// Fund, in one batch from `signer`, every adversary of `strategies` that owns nothing yet
/// (an earlier run's keep what they have). Returns the ones funded now.
pub async fn fund(
	chain: &Chain,
	signer: &Keypair,
	strategies: &[Strategy],
	log: &mut impl FnMut(Value, String),
) -> Result<BTreeSet<Strategy>> {
	let mut funded = BTreeSet::new();
	let mut wants = Vec::new();
	for &strategy in strategies {
		let account = key_of(strategy)?.public_key().to_account_id();
		let (free, held) = chain.balances(&account).await?;
		if free.saturating_add(held) == 0 {
			wants.push((account, FUNDS, FUNDS));
			funded.insert(strategy);
		}
	}
	if !wants.is_empty() {
		hotspots::fund(chain, signer, &wants).await?;
		let names: Vec<&str> = funded.iter().map(|s| s.name()).collect();
		log(
			json!({ "event": "adversariesFunded", "strategies": names, "each": FUNDS.to_string() }),
			format!("funded the adversaries {} with {} each", names.join(", "), dpn(FUNDS)),
		);
	}
	Ok(funded)
}

/// Set up the adversary playing `strategy` and play it ([`play`]) until the task is dropped,
/// with `home` its own keystore. `funded`: whether [`fund`] gave it [`FUNDS`] just now (its
/// books start there; an earlier run's adversary starts from what it owns). What it reports
/// goes to `out`.
pub async fn run(
	strategy: Strategy,
	chain: Chain,
	home: Home,
	funded: bool,
	out: tokio::sync::mpsc::UnboundedSender<(Value, String)>,
) {
	let mut log = |json: Value, text: String| {
		let _ = out.send((json, text));
	};
	match Adversary::prepare(&chain, &home, strategy, funded, &mut log).await {
		Ok(adversary) => play(adversary, chain, out.clone()).await,
		Err(error) => log(
			json!({ "event": "adversaryError", "strategy": strategy.name(), "error": error.to_string() }),
			format!("adversary {}: {error}", strategy.name()),
		),
	}
}

impl Adversary {
	/// The adversary's devices registered and its strategy set up, with its own account.
	pub async fn prepare(
		chain: &Chain,
		home: &Home,
		strategy: Strategy,
		funded: bool,
		log: &mut impl FnMut(Value, String),
	) -> Result<Self> {
		let key = key_of(strategy)?;
		let account = key.public_key().to_account_id();
		let start = if funded {
			FUNDS
		} else {
			let (free, held) = chain.balances(&account).await?;
			free.saturating_add(held)
		};
		let mut adversary = Self {
			strategy,
			key,
			account,
			devices: Vec::new(),
			sectors: Vec::new(),
			answered: BTreeSet::new(),
			deals: Vec::new(),
			workers: Vec::new(),
			consumer: None,
			ring: Vec::new(),
			replayed: BTreeSet::new(),
			overheard: BTreeSet::new(),
			start,
			claimed: 0,
			work: Duration::ZERO,
			refused: 0,
			audits: 0,
		};
		match strategy {
			Strategy::SelfDeal => adversary.prepare_self_deal(chain, home, log).await?,
			Strategy::SelfJob => {
				let pairs = adversary.register(chain, home, Kind::Compute, 1, log).await?;
				adversary.workers = workers(&adversary.devices, pairs);
				adversary.consumer = Some(jobs::Consumer::own(adversary.key.clone()));
			},
			Strategy::ComputeSybil => {
				let pairs = adversary.register(chain, home, Kind::Compute, SYBILS, log).await?;
				adversary.workers = workers(&adversary.devices, pairs);
				let mut enrolments = Vec::new();
				for &device in &adversary.devices {
					if chain.compute_challenge(device).await?.is_none() {
						enrolments.push(depin::Call::Compute(
							depin::runtime_types::pallet_compute::pallet::Call::enroll { device },
						));
					}
				}
				if !enrolments.is_empty() {
					chain
						.submit_until(
							&depin::tx().utility().batch_all(enrolments),
							&adversary.key,
							Wait::InBlock,
						)
						.await?;
				}
			},
			Strategy::RelayGrief => {},
			Strategy::WitnessRing | Strategy::LocationSpoof => {
				let (count, first) = match strategy {
					Strategy::WitnessRing => (RING, RING_FIRST_CELL),
					_ => (1, SPOOF_CELL),
				};
				adversary.prepare_hotspots(chain, home, count, first, log).await?;
				if !funded {
					// An earlier run's ring: its owners' funds count from the start too.
					let (free, held) = adversary.owned(chain).await?;
					adversary.start = free.saturating_add(held);
				}
			},
		}
		log(
			json!({
				"event": "adversary",
				"strategy": strategy.name(),
				"account": adversary.account.to_string(),
				"devices": adversary.devices,
				"plan": strategy.plan(),
				"rule": strategy.rule(),
				"tests": strategy.tests(),
			}),
			format!(
				"adversary {}: {} (devices {:?})",
				strategy.name(),
				strategy.plan(),
				adversary.devices
			),
		);
		Ok(adversary)
	}

	/// Register (or find, after a restart) `count` devices of `kind` owned by the adversary,
	/// with keys derived from its path. Returns their key pairs, in the order of
	/// `self.devices`.
	async fn register(
		&mut self,
		chain: &Chain,
		home: &Home,
		kind: Kind,
		count: u32,
		log: &mut impl FnMut(Value, String),
	) -> Result<Vec<DevicePair>> {
		let mut store = home.keystore()?;
		let mut pairs = Vec::new();
		let mut specs = Vec::new();
		for i in 0..count {
			let name = format!("adv-{}-{i}", self.strategy.name());
			let uri = format!("//depin-sim/adversary/{}/{i}", self.strategy.name());
			let pair = Scheme::Sr25519.pair(&uri)?;
			store.add(&name, &uri, &pair)?;
			if chain.device_by_key(&pair.public()).await?.is_none() {
				// In the simulated cities, numbered past the honest devices.
				let n = 1_000 + 8 * (self.strategy as u32) + i;
				specs.push(commands::DeviceSpec {
					key: name,
					kind,
					location: format!("{:x}", cell(n)),
					capacity: match kind {
						Kind::Storage => 1 << 20,
						Kind::Coverage => 0,
						Kind::Compute => 1_000,
					},
					model: format!("adversary-{}", self.strategy.name()),
					firmware: "1.0.0".into(),
					serial: format!("adv-{}-{i}", self.strategy.name()),
					manager: None,
				});
			}
			pairs.push(pair);
		}
		if !specs.is_empty() {
			let report = commands::register(chain, home, &self.key, &specs).await?;
			log(report.json.clone(), report.text.clone());
		}
		for pair in &pairs {
			let (id, _) = chain
				.device_by_key(&pair.public())
				.await?
				.ok_or_else(|| anyhow!("an adversary's device is not registered"))?;
			self.devices.push(id);
		}
		Ok(pairs)
	}

	/// `count` hotspots, each owned by an account of its own (funded by the adversary, so its
	/// books count them), registered in cells `first..` of the honest hotspots' density cell
	/// ([`hotspots::cell`]) and joined to the beacon roster.
	async fn prepare_hotspots(
		&mut self,
		chain: &Chain,
		home: &Home,
		count: u32,
		first: u32,
		log: &mut impl FnMut(Value, String),
	) -> Result<()> {
		// It attacks an established network: it arrives two epochs after the honest hotspots,
		// and not before their beacons have been judged and they are heard vouched for in the
		// cell it claims (else it would be a pioneer there: first come, first trusted, see
		// pallets/coverage/README.md).
		let arrival = chain.epoch().await?.index.saturating_add(2);
		while chain.epoch().await?.index < arrival
			|| !chain.vouched_heard_around(hotspots::cell(first)).await?
		{
			tokio::time::sleep(Duration::from_secs(3)).await;
		}
		let mut store = home.keystore()?;
		let mut devices = Vec::new();
		for i in 0..count {
			let name = format!("adv-{}-{i}", self.strategy.name());
			let uri = format!("//depin-sim/adversary/{}/{i}", self.strategy.name());
			let pair = Scheme::Sr25519.pair(&uri)?;
			store.add(&name, &uri, &pair)?;
			devices.push((name, pair));
		}
		let owners = format!("//depin-sim/adversary/{}/owner", self.strategy.name());
		let placement = hotspots::Placement { owners: &owners, first };
		self.ring = hotspots::prepare(chain, home, &self.key, devices, 0, placement, log).await?;
		self.devices = self.ring.iter().map(|h| h.id).collect();
		Ok(())
	}

	/// One storage device, a sector of the adversary's own data under a deal with itself as
	/// the client, committed.
	async fn prepare_self_deal(
		&mut self,
		chain: &Chain,
		home: &Home,
		log: &mut impl FnMut(Value, String),
	) -> Result<()> {
		let pairs = self.register(chain, home, Kind::Storage, 1, log).await?;
		let (Some(&device), Some(pair)) = (self.devices.first(), pairs.into_iter().next()) else {
			bail!("the self-dealing adversary has no device");
		};
		let bytes = sector_bytes(1_000_000);
		let tree =
			MerkleTree::<Blake2>::from_bytes(&bytes).ok_or_else(|| anyhow!("empty sector"))?;
		let root = H256(tree.root());
		let status = chain.proof_status(device).await?;
		let committed = status
			.as_ref()
			.and_then(|s| s.sectors.iter().find(|x| x.sector.root == root).map(|x| x.index));
		let replica =
			deals::Replica { device, root, chunks: tree.chunks(), committed: committed.is_some() };
		let key = self.key.clone();
		let deal_of =
			deals::prepare(chain, &key, &key, std::slice::from_ref(&replica), log).await?;
		self.deals = deal_of.values().copied().collect();
		let mut sector = committed.unwrap_or_default();
		if committed.is_none() {
			let call = depin::tx().proofs().commit_sector(device, root, tree.chunks());
			let included = chain.submit_until(&call, &self.key, Wait::InBlock).await?;
			if let Some(event) = included
				.events
				.find_first::<depin::proofs::events::SectorCommitted>()
				.transpose()?
			{
				sector = event.sector;
			}
		}
		let local = LocalSector {
			device,
			sector,
			root: format!("0x{}", hex::encode(tree.root())),
			chunks: tree.chunks(),
			path: "memory:adversary".into(),
		};
		self.sectors.push((
			LoadedSector { local, data: Data::Memory(bytes), tree },
			pair,
			Honesty::Honest,
		));
		Ok(())
	}

	/// What the adversary does in every block.
	pub async fn block(&mut self, chain: &Chain, number: u32) -> Result<()> {
		match self.strategy {
			Strategy::SelfDeal => {
				commands::prove_round(chain, &self.key, &mut self.sectors, &mut self.answered)
					.await?;
			},
			Strategy::SelfJob => {
				if let Some(consumer) = &mut self.consumer {
					consumer.release(chain, number).await?;
				}
			},
			Strategy::ComputeSybil => {
				let round = crate::compute::round(chain, &self.key, &mut self.workers).await?;
				self.work = self.work.saturating_add(round.work);
				self.audits = self.audits.saturating_add(round.proven);
				self.refused = self.refused.saturating_add(round.rejected.len() as u32);
			},
			Strategy::RelayGrief => {
				self.refused = self.refused.saturating_add(self.grief(chain).await?)
			},
			Strategy::WitnessRing => {
				let round =
					hotspots::round(chain, &self.key, &self.ring, number, &mut self.replayed)
						.await?;
				self.refused = self.refused.saturating_add(round.rejected.len() as u32);
			},
			Strategy::LocationSpoof => {
				let own = hotspots::round(chain, &self.key, &self.ring, number, &mut self.replayed)
					.await?;
				let overheard =
					hotspots::overhear(chain, &self.key, &self.ring, number, &mut self.overheard)
						.await?;
				let refused = own.rejected.len().saturating_add(overheard.rejected.len());
				self.refused = self.refused.saturating_add(refused as u32);
			},
		}
		Ok(())
	}

	/// A batch of [`GRIEF_ITEMS`] storage proofs for the epoch in progress, naming devices the
	/// griefer does not hold, with nothing in them: every one is refused. Returns how many were.
	async fn grief(&self, chain: &Chain) -> Result<u32> {
		let epoch = chain.epoch().await?.index;
		let proofs: Vec<StorageProof> = (0..u64::from(GRIEF_ITEMS))
			.map(|device| StorageProof {
				device,
				sector: 0,
				epoch,
				chunks: Default::default(),
				signature: depin_primitives::DeviceSignature::Sr25519(
					sp_core::sr25519::Signature::from_raw([7; 64]),
				),
			})
			.collect();
		let call = depin::tx().proofs().submit_storage_proofs(bridge(&proofs)?);
		let included = chain.submit_until(&call, &self.key, Wait::InBlock).await?;
		Ok(included.events.find::<depin::proofs::events::ItemRejected>().count() as u32)
	}

	/// An epoch ended (`now` has begun): settle and claim what the strategy earned, buy the
	/// next epoch's job, and report the books.
	pub async fn epoch_ended(
		&mut self,
		chain: &Chain,
		ended: u32,
		now: u32,
	) -> Result<(Value, String)> {
		match self.strategy {
			Strategy::SelfDeal => {
				deals::settle(chain, &self.key, &self.deals, now).await?;
			},
			Strategy::SelfJob => {
				if let Some(consumer) = &mut self.consumer {
					consumer.buy(chain, &self.workers).await?;
				}
			},
			_ => {},
		}
		// Each device's owner claims it: the adversary, or each ring hotspot's own account.
		let mut claims: Vec<(&Keypair, Vec<u64>)> =
			self.ring.iter().map(|hotspot| (&hotspot.owner, vec![hotspot.id])).collect();
		if self.ring.is_empty() && !self.devices.is_empty() {
			claims.push((&self.key, self.devices.clone()));
		}
		for (owner, devices) in claims {
			let claim = commands::claim(chain, owner, &devices, Wait::InBlock).await?;
			let total: u128 =
				claim.json["total"].as_str().and_then(|t| t.parse().ok()).unwrap_or_default();
			self.claimed = self.claimed.saturating_add(total);
		}
		self.books(chain, ended).await
	}

	/// What the adversary owns, free and held: its account's, and its ring's owners'.
	async fn owned(&self, chain: &Chain) -> Result<(u128, u128)> {
		let (mut free, mut held) = chain.balances(&self.account).await?;
		for hotspot in &self.ring {
			let (f, h) = chain.balances(&hotspot.owner.public_key().to_account_id()).await?;
			free = free.saturating_add(f);
			held = held.saturating_add(h);
		}
		Ok((free, held))
	}

	/// What the adversary spent, earned and locked so far, as a report line.
	async fn books(&self, chain: &Chain, epoch: u32) -> Result<(Value, String)> {
		let (free, held) = self.owned(chain).await?;
		let owned = free.saturating_add(held);
		let spent = self.start.saturating_add(self.claimed).saturating_sub(owned);
		let ratio = if spent == 0 { 0.0 } else { self.claimed as f64 / spent as f64 };
		let json = json!({
			"event": "adversaryBooks",
			"strategy": self.strategy.name(),
			"epoch": epoch,
			"spent": spent.to_string(),
			"earned": self.claimed.to_string(),
			"rewardPerCost": ratio,
			"locked": held.to_string(),
			"workSeconds": self.work.as_secs_f64(),
			"audits": self.audits,
			"refusedItems": self.refused,
		});
		let text = format!(
			"adversary {}: spent {}, earned {} (reward/cost {ratio:.3}), {} locked{}",
			self.strategy.name(),
			dpn(spent),
			dpn(self.claimed),
			dpn(held),
			match self.strategy {
				Strategy::ComputeSybil => format!(
					", {} audits passed with {:.1} s of work",
					self.audits,
					self.work.as_secs_f64()
				),
				Strategy::RelayGrief => format!(", {} items refused", self.refused),
				Strategy::WitnessRing | Strategy::LocationSpoof => {
					format!(", {} receipts refused", self.refused)
				},
				_ => String::new(),
			}
		);
		Ok((json, text))
	}
}

/// Play `adversary` on its own until the task is dropped: its own stream of best blocks, so
/// that it never slows the honest devices down, acting on the latest block only. Its books at
/// every epoch end, and its errors (its own: the network goes on), go to `out`.
pub async fn play(
	mut adversary: Adversary,
	chain: Chain,
	out: tokio::sync::mpsc::UnboundedSender<(Value, String)>,
) {
	let error = |adversary: &Adversary, error: anyhow::Error| {
		let name = adversary.strategy.name();
		(
			json!({ "event": "adversaryError", "strategy": name, "error": error.to_string() }),
			format!("adversary {name}: {error}"),
		)
	};
	let mut epoch = None;
	let mut blocks = match chain.client.stream_best_blocks().await {
		Ok(blocks) => blocks,
		Err(e) => {
			let _ = out.send(error(&adversary, anyhow!("cannot follow the chain: {e}")));
			return;
		},
	};
	while let Some(block) = blocks.next().await {
		let step = async {
			let number =
				u32::try_from(block.map_err(|e| anyhow!("lost the chain: {e}"))?.number())?;
			if number < chain.best_number().await? {
				// A notification that queued up while the last block was played.
				return Ok(None);
			}
			adversary.block(&chain, number).await?;
			let now = chain.epoch().await?.index;
			let ended = match epoch {
				Some(last) if last != now => Some(adversary.epoch_ended(&chain, last, now).await?),
				_ => None,
			};
			epoch = Some(now);
			anyhow::Ok(ended)
		};
		match step.await {
			Ok(Some(books)) => {
				let _ = out.send(books);
			},
			Ok(None) => {},
			Err(e) => {
				let _ = out.send(error(&adversary, e));
			},
		}
	}
}

/// Honest workers for `devices` with their `pairs`.
fn workers(devices: &[u64], pairs: Vec<DevicePair>) -> Vec<crate::compute::Worker> {
	devices
		.iter()
		.zip(pairs)
		.map(|(&device, key)| crate::compute::Worker::new(device, key, 1.0))
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn strategies_parse_by_name_each_once() {
		assert_eq!(
			Strategy::parse_list("self-job, relay-grief,self-job").unwrap(),
			vec![Strategy::SelfJob, Strategy::RelayGrief]
		);
		assert_eq!(Strategy::parse_list("all").unwrap(), Strategy::ALL.to_vec());
		let error = Strategy::parse_list("self-job,moon").unwrap_err().to_string();
		assert!(error.contains("unknown adversary `moon`"), "{error}");
		assert!(Strategy::parse_list(" , ").is_err());
	}
}
