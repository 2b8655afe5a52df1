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
//! - `storage-regenerate`: a storage device proving a sector of data it does not keep,
//!   regenerated from a seed whenever a challenge asks for it ([`Seeded`], [`TopLevels`]), to
//!   draw the storage pool without storing anything;
//! - `storage-duplicate`: [`DUPLICATES`] storage devices committing the same data, to be
//!   proven from one copy and draw the storage pool for three sectors while storing one (the
//!   chain keeps a root once: the second and third commitments are refused);
//! - `self-job`: a provider as its own compute consumer, paying its own device for jobs, to draw
//!   the compute pool;
//! - `compute-sybil`: one process passing the capacity audits of [`SYBILS`] compute devices, to
//!   draw the compute pool without serving anyone;
//! - `fault-dodge`: compute devices committing workloads they did not run and, once the sample
//!   would catch them, leaving, moving or changing hands instead of revealing, to escape the
//!   fraud slash;
//! - `relay-grief`: a relayer flooding the chain with batches of invalid storage proofs, to
//!   make the chain do work it is not paid for;
//! - `witness-ring`: [`RING`] coverage hotspots under unrelated accounts, registered on paper
//!   among the honest hotspots (each in a cell of its own), that beacon and witness each other
//!   from one process, to draw the coverage pool without a radio;
//! - `location-spoof`: a hotspot registered among the honest ones where it is not, that hears
//!   nothing and witnesses the beacons it reads on chain while their receipt window is open;
//! - `sensor-lie`: a weather station without a thermometer, among the honest stations, that
//!   attests the first honest station's readings with [`sensors::LIE`] °C added, to be paid by
//!   their buyer for data it never measured;
//! - `sensor-copy`: [`COPIES`] weather stations under unrelated accounts, among the honest
//!   ones, attesting the first honest station's readings as they are (the sensor pallet's
//!   crowd rule shares what a home cell is paid for the same data).
//!
//! The sensor strategies need honest stations to copy and a buyer (`--stations`); `all` leaves
//! them out without. Their books count what the buyer paid them as earned, with the pool.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use anyhow::{anyhow, bail, Result};
use depin_merkle::{Blake2, MerkleTree};
use depin_primitives::device::DeviceStatus;
use serde_json::{json, Value};
use sp_core::H256;
use subxt::{transactions::Payload, utils::AccountId32};
use subxt_signer::sr25519::Keypair;

use super::{
	cell, deals, derive, hotspots, jobs, sector_bytes, sensors, COMPUTE_UNITS, SECTOR_BYTES,
};
use crate::{
	chain::{bridge, Chain, Included, Wait},
	commands::{self, Home, Kind},
	compute::Worker,
	depin,
	keystore::{DevicePair, Scheme},
	prover::{Data, Honesty, LoadedSector, SectorTree, Seeded, StorageProof, TopLevels},
	report::dpn,
	sector::LocalSector,
};

const DPN: u128 = 1_000_000_000_000;
/// What the signer gives each adversary, once.
pub const FUNDS: u128 = 2_000 * DPN;
/// The storage devices that `storage-duplicate` proves from one copy.
pub const DUPLICATES: u32 = 3;
/// The compute devices one `compute-sybil` process carries.
pub const SYBILS: u32 = 4;
/// Invalid proofs in each `relay-grief` batch (one batch a block).
pub const GRIEF_ITEMS: u32 = 16;
/// The hotspots of the `witness-ring`.
pub const RING: u32 = 3;
/// `storage-regenerate` keeps the levels of its sector's tree that have at most this many
/// nodes (for a 64 KiB sector: the 8 nodes over 8 chunks each, and the 7 above them).
const TOP_NODES: u32 = 8;
/// What `fault-dodge` gives its second account to take a device over (its deposit, about
/// 5.6 DPN, and the fee), when it has less.
const SECOND_FUNDS: u128 = 10 * DPN;
/// Where the ring's hotspots stand: cells 4, 5 and 6 of the honest hotspots' density cell
/// ([`hotspots::cell`]), next to the honest ones (cells 0, 1, …).
const RING_FIRST_CELL: u32 = 4;
/// Where the `location-spoof` hotspot claims to stand: the cell after the ring's.
const SPOOF_CELL: u32 = RING_FIRST_CELL + RING;
/// The weather stations of `sensor-copy`.
pub const COPIES: u32 = 3;
/// Where the sensor adversaries' stations stand: cells 40 to 43 of the honest stations' grid
/// ([`sensors::station_cell`]), in their home cell and area (the honest ones use the first,
/// the meters 47 and 48).
const STATION_FIRST_CELL: u32 = 40;
/// What `sensor-copy` gives each of its stations' owners (a registration and an enrolment
/// deposit, and fees), when they have less than half.
const STATION_FUNDS: u128 = 50 * DPN;

/// A way to earn without serving anyone, or to make the chain work for nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strategy {
	SelfDeal,
	StorageRegenerate,
	StorageDuplicate,
	SelfJob,
	ComputeSybil,
	FaultDodge,
	RelayGrief,
	WitnessRing,
	LocationSpoof,
	SensorLie,
	SensorCopy,
}

impl Strategy {
	/// Every strategy, in the order they are reported.
	pub const ALL: [Strategy; 11] = [
		Strategy::SelfDeal,
		Strategy::StorageRegenerate,
		Strategy::StorageDuplicate,
		Strategy::SelfJob,
		Strategy::ComputeSybil,
		Strategy::FaultDodge,
		Strategy::RelayGrief,
		Strategy::WitnessRing,
		Strategy::LocationSpoof,
		Strategy::SensorLie,
		Strategy::SensorCopy,
	];

	/// Its name on the command line and in the reports.
	pub fn name(self) -> &'static str {
		match self {
			Strategy::SelfDeal => "self-deal",
			Strategy::StorageRegenerate => "storage-regenerate",
			Strategy::StorageDuplicate => "storage-duplicate",
			Strategy::SelfJob => "self-job",
			Strategy::ComputeSybil => "compute-sybil",
			Strategy::FaultDodge => "fault-dodge",
			Strategy::RelayGrief => "relay-grief",
			Strategy::WitnessRing => "witness-ring",
			Strategy::LocationSpoof => "location-spoof",
			Strategy::SensorLie => "sensor-lie",
			Strategy::SensorCopy => "sensor-copy",
		}
	}

	/// Whether it plays weather stations, which need honest ones to copy and their buyer.
	pub fn senses(self) -> bool {
		matches!(self, Strategy::SensorLie | Strategy::SensorCopy)
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

	/// `a,b,c` (or `all`) as strategies next to `stations` honest weather stations: without
	/// them, `all` leaves the sensor strategies out and naming one is an error.
	pub fn parse_for(list: &str, stations: u32) -> Result<Vec<Strategy>> {
		let mut strategies = Self::parse_list(list)?;
		if stations == 0 {
			if list.trim() == "all" {
				strategies.retain(|s| !s.senses());
			} else if let Some(s) = strategies.iter().find(|s| s.senses()) {
				bail!(
					"--adversary {} plays weather stations among honest ones: give --stations",
					s.name()
				);
			}
		}
		Ok(strategies)
	}

	/// What it does.
	pub fn plan(self) -> &'static str {
		match self {
			Strategy::SelfDeal => {
				"a provider is its own storage client: it pays its own device 1 DPN an epoch for a \
				 64 KiB sector of its own data and proves it every epoch"
			},
			Strategy::StorageRegenerate => {
				"a storage device commits a 64 KiB sector of data expanded from a 32-byte seed, \
				 without a deal, keeps only the seed and the top of its Merkle tree (the levels \
				 of at most 8 nodes), and rebuilds the chunks and paths each challenge asks for"
			},
			Strategy::StorageDuplicate => {
				"three storage devices try to commit the same 64 KiB of its own data (one root) \
				 as a sector each, without deals, to prove all three every epoch from one copy"
			},
			Strategy::SelfJob => {
				"a provider is its own compute consumer: every epoch it buys a 1 DPN job from its \
				 own device, co-signs the receipt and releases the payment"
			},
			Strategy::ComputeSybil => {
				"one process registers four compute devices of 16 units and passes every capacity \
				 audit the chain draws them for, serving nobody"
			},
			Strategy::FaultDodge => {
				"a compute device commits to a workload it did not run when it is challenged, \
				 keeps quiet once the sample would catch it, and tries to get away before the \
				 deadline, a fresh device for each way: one withdraws from the audits, then \
				 deregisters; the next moves to another cell; the last is handed to a second \
				 account of the adversary"
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
			Strategy::SensorLie => {
				"a weather station without a thermometer, registered among the honest stations, \
				 attests the first honest station's readings with 4 °C added to the temperature, \
				 for their buyer to pay"
			},
			Strategy::SensorCopy => {
				"three weather stations under three unrelated accounts, registered among the \
				 honest stations, attest the first honest station's readings as they are (data \
				 copied, not measured), for their buyer to pay"
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
			Strategy::StorageRegenerate => {
				"only deal-backed storage earns: a deal's data is what its client signed, so \
				 self-chosen data earns nothing, and self-dealt data earns at most the fee it \
				 burned"
			},
			Strategy::StorageDuplicate => {
				"a root is kept once on the whole chain (a live sector or deal holds it), so the \
				 second and third commitments are refused (DuplicateRoot) and one copy is one \
				 sector; that sector earns nothing without a deal, and a client's replicas have \
				 distinct roots (each sealed with its own key by the client tool)"
			},
			Strategy::SelfJob => {
				"compute rewards follow paid jobs only: a job's points are its burned fee (20 %), \
				 and a device's compute reward is at most the fees its jobs burned in the epoch"
			},
			Strategy::ComputeSybil => {
				"a capacity audit earns nothing, and it costs real time: a declared unit is about a \
				 tenth of a second of a core (docs/compute-audits.md) each time the device is \
				 audited (drawn at random each epoch, a quarter of the devices by default, all on \
				 the dev chain); the registration deposits stay locked and a caught fake loses half \
				 of one"
			},
			Strategy::FaultDodge => {
				"a device cannot leave, move or change hands in a way that escapes a pending \
				 fault or slash: its faults are settled before it retires, moves or changes hands \
				 (the registry's `OnDeviceChange`), `withdraw` is refused while its challenge is \
				 open, and a commitment it does not reveal is punished as a caught fake \
				 (suspension, half its deposit) at once when it retires or changes hands (out of \
				 the seller's deposit), else at the deadline wherever it stands; a device moves \
				 at most once a day"
			},
			Strategy::RelayGrief => {
				"every batch pays the fee of the weight its items used; a refused item is charged \
				 the cheap checks it ran"
			},
			Strategy::WitnessRing => {
				"location consistency: witnesses from half the places around a beaconer where its \
				 judges (vouched hotspots that witness their cell's beacons) stand must hear its \
				 beacon, and a newcomer earns nothing and is no pioneer where the cell was \
				 inhabited in the last day until they have; where nobody else is, reciprocity, a \
				 cap per witness and distinct witnesses bound it"
			},
			Strategy::LocationSpoof => {
				"location consistency: a newcomer earns nothing where the cell was inhabited in \
				 the last day until its judges witness a beacon of it, and after three beacons \
				 they did not witness its receipts are refused"
			},
			Strategy::SensorLie => {
				"makers: the weather-station schema takes stations whose key a maker governance \
				 trusts certified only (a key made in the hardware, signed by its maker), so a \
				 station without a real device is refused at enrolment (NotCertified); a real \
				 device that lies is scored down field by field by the neighbour check and paid \
				 for the fields that pass only"
			},
			Strategy::SensorCopy => {
				"makers: the weather-station schema takes certified stations only, so a copy needs \
				 a real device of its own and is refused without one (NotCertified); where a \
				 schema requires no certificate, the crowd rule bounds copies: a home cell pays at \
				 most four devices' worth an epoch for the same data, shared by the devices \
				 saying it, so they split what the buyer pays with the stations they copy"
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
			Strategy::StorageRegenerate => {
				"`a_sector_without_a_deal_is_proven_but_earns_nothing`, \
				 `a_provider_paying_itself_loses_the_fee_every_epoch` (pallet-proofs)"
			},
			Strategy::StorageDuplicate => {
				"`a_deal_evicts_a_squatted_copy_and_a_root_is_kept_once_on_the_chain`, \
				 `a_sector_without_a_deal_is_proven_but_earns_nothing` (pallet-proofs), \
				 `replicas_and_shards_each_have_a_root_of_their_own` (depin-provider)"
			},
			Strategy::SelfJob => {
				"`a_self_paid_compute_job_earns_no_more_than_it_burned` (runtime), \
				 `a_co_signed_receipt_pays_the_owner_after_the_dispute_window` (pallet-jobs)"
			},
			Strategy::ComputeSybil => {
				"`a_proven_workload_passes_the_audit_and_earns_nothing`, \
				 `only_the_devices_an_epochs_draw_audits_are_challenged_in_it` (pallet-compute)"
			},
			Strategy::FaultDodge => {
				"`withdraw_waits_for_the_open_challenge`, \
				 `retiring_does_not_dodge_the_unrevealed_penalty`, \
				 `selling_a_device_does_not_pass_an_unrevealed_commitment_to_the_buyer`, \
				 `moving_does_not_dodge_the_unrevealed_penalty`, \
				 `an_unrevealed_commitment_costs_what_a_caught_fake_costs` (pallet-compute), \
				 `a_sale_settles_the_missed_epochs_out_of_the_sellers_deposit`, \
				 `a_move_settles_the_missed_epochs_first` (pallet-proofs), \
				 `a_retired_device_can_still_be_slashed_before_its_claim`, \
				 `update_location_is_rate_limited` (pallet-devices)"
			},
			Strategy::RelayGrief => {
				"`a_batch_of_receipts_pays_for_what_its_items_used` (pallet-jobs), \
				 `a_batch_of_commitments_pays_for_what_its_items_used` (pallet-compute)"
			},
			Strategy::WitnessRing => {
				"`a_ring_among_honest_hotspots_and_a_deaf_one_earns_nothing_whatever_the_order`, \
				 `a_newcomer_waits_out_a_quiet_spell_of_an_inhabited_cell_before_it_is_a_pioneer`, \
				 `a_newcomer_among_heard_hotspots_earns_once_its_neighbours_have_heard_it`, \
				 `a_hotspot_its_neighbours_do_not_hear_loses_its_coverage_share_until_they_do`, \
				 `pairs_that_keep_meeting_earn_less_and_less` (pallet-coverage)"
			},
			Strategy::LocationSpoof => {
				"`a_newcomer_neither_counts_where_it_is_heard_nor_vouches_for_others`, \
				 `a_hotspot_its_neighbours_do_not_hear_loses_its_coverage_share_until_they_do`, \
				 `a_hotspot_that_moves_is_on_probation_where_it_stands_now` (pallet-coverage)"
			},
			Strategy::SensorLie => {
				"`a_schema_that_requires_certificates_takes_the_devices_a_trusted_maker_certified_only`, \
				 `a_removed_maker_or_a_rotated_key_stops_the_attestations_until_a_new_certificate`, \
				 `a_station_that_copies_a_neighbour_with_an_offset_is_scored_down`, \
				 `a_provider_buying_its_own_data_through_another_account_burns_what_the_pool_can_pay_it` \
				 (pallet-sensors), `the_simulator_keeps_honest_and_cheating_devices_proving` \
				 (depin-provider)"
			},
			Strategy::SensorCopy => {
				"`a_schema_that_requires_certificates_takes_the_devices_a_trusted_maker_certified_only`, \
				 `certify_refuses_what_it_cannot_take` (pallet-sensors), \
				 `the_dev_chains_trust_a_maker_of_weather_stations_and_take_certified_stations_only`, \
				 `a_crowded_cell_pays_four_devices_worth_shared_however_many_attest` (runtime), \
				 `a_home_cells_crowd_on_a_field_is_the_devices_saying_the_same_of_it`, \
				 `a_crowded_home_cell_pays_as_many_devices_worth_as_a_quality_check_needs` \
				 (pallet-sensors)"
			},
		}
	}
}

/// The ways out `fault-dodge` tries, in this order, one device each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
	/// `compute.withdraw`, then `devices.deregister`.
	Leave,
	/// `devices.update_location` to another cell.
	Move,
	/// `devices.transfer_ownership` to the adversary's second account, which accepts it.
	HandOver,
}

const ROUTES: [Route; 3] = [Route::Leave, Route::Move, Route::HandOver];

impl Route {
	fn name(self) -> &'static str {
		match self {
			Route::Leave => "withdraw, then deregister",
			Route::Move => "move to another cell",
			Route::HandOver => "hand over to another account",
		}
	}
}

/// A way out `fault-dodge` tried for a device that kept a faked workload unrevealed: each call
/// and what the chain answered, and what the chain has slashed of the device since.
struct Escape {
	route: Route,
	device: u64,
	/// The epoch of the unrevealed commitment.
	epoch: u32,
	/// Each call and the chain's answer.
	steps: Vec<(&'static str, String)>,
	/// The device's deposit once its way out was tried (the buyer's after a hand-over).
	deposit: u128,
	/// What the calls of its way out slashed at once (`DepositSlashed` in their blocks).
	at_once: u128,
	/// What has been slashed of `deposit` since.
	later: u128,
}

impl Escape {
	fn json(&self) -> Value {
		json!({
			"route": self.route.name(),
			"device": self.device,
			"epoch": self.epoch,
			"steps": self
				.steps
				.iter()
				.map(|(call, answer)| json!({ "call": call, "answer": answer }))
				.collect::<Vec<_>>(),
			"slashed": self.slashed().to_string(),
		})
	}

	fn text(&self) -> String {
		let steps: Vec<String> =
			self.steps.iter().map(|(call, answer)| format!("{call} {answer}")).collect();
		format!(
			"device {} (epoch {}) tried to {}: {}; {}",
			self.device,
			self.epoch,
			self.route.name(),
			steps.join(", "),
			self.slash_text()
		)
	}

	fn slash_text(&self) -> String {
		match self.slashed() {
			0 => "not slashed yet".into(),
			slashed => format!("slashed {}", dpn(slashed)),
		}
	}

	/// Everything slashed of the device since it tried its way out.
	fn slashed(&self) -> u128 {
		self.at_once.saturating_add(self.later)
	}

	/// The device's deposit now (zero once it is gone).
	async fn deposit_now(&self, chain: &Chain) -> Result<u128> {
		Ok(chain.device(self.device).await?.map(|d| d.deposit).unwrap_or_default())
	}

	/// Read what the chain has slashed of the device's deposit since its way out was tried.
	async fn update(&mut self, chain: &Chain) -> Result<()> {
		if chain.device(self.device).await?.is_some() {
			self.later = self.deposit.saturating_sub(self.deposit_now(chain).await?);
		}
		Ok(())
	}
}

/// An adversary: its account, devices and books.
pub struct Adversary {
	pub strategy: Strategy,
	key: Keypair,
	account: AccountId32,
	/// Its keystore, for the devices it registers as it plays (`fault-dodge`).
	home: Home,
	devices: Vec<u64>,
	/// `self-deal`, `storage-regenerate`, `storage-duplicate`: its sectors, proven every block,
	/// and (`self-deal`) its deal.
	sectors: Vec<(LoadedSector, DevicePair, Honesty)>,
	answered: BTreeSet<(u64, u32, u32)>,
	deals: Vec<H256>,
	/// The bytes it keeps to answer its storage challenges: its sectors' data, one copy counted
	/// once (`storage-regenerate`: its seed and the tree nodes it keeps instead).
	stored: u64,
	/// `compute-sybil`: the devices whose audits it passes. `fault-dodge`: the device whose
	/// workload it fakes.
	workers: Vec<Worker>,
	/// `self-job`: itself as a consumer, and the device it buys from.
	consumer: Option<jobs::Consumer>,
	/// `witness-ring`: its hotspots, each with its owner, and the beacons it replayed.
	/// `location-spoof`: the same for its one hotspot, and the beacons it overheard.
	ring: Vec<hotspots::Hotspot>,
	replayed: BTreeSet<(u64, u32)>,
	overheard: BTreeSet<(u64, u32)>,
	/// `fault-dodge`: its second account, the devices handed over to it, and the ways out tried.
	second: Option<Keypair>,
	handed: Vec<u64>,
	escapes: Vec<Escape>,
	/// `sensor-lie`, `sensor-copy`: its weather stations, each with its owner (the adversary's
	/// own account, or one of its own), the epochs each attested in, and what they did.
	stations: Vec<sensors::Station>,
	owners: Vec<Keypair>,
	attempted: BTreeSet<(u32, u64)>,
	sensed: sensors::Tally,
	/// What it owned when it started (free and held).
	start: u128,
	/// Rewards claimed.
	claimed: u128,
	/// Time spent running workloads (one core).
	work: Duration,
	/// Batch items, and `fault-dodge`'s calls, the chain refused.
	refused: u32,
	/// Audits passed.
	audits: u32,
	/// Storage proofs accepted.
	proofs: u32,
	/// Lines to report that came up while it played a block.
	reports: Vec<(Value, String)>,
}

/// The key pair of `uri`.
/// The account of the adversary playing `strategy`.
fn key_of(strategy: Strategy) -> Result<Keypair> {
	derive(&format!("//depin-sim/adversary/{}", strategy.name()))
}

/// The number of the simulated place ([`cell`]) of device `i` of `strategy`: past the honest
/// devices'.
fn place_of(strategy: Strategy, i: u32) -> u32 {
	1_000 + 8 * (strategy as u32) + i
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
			home: home.clone(),
			devices: Vec::new(),
			sectors: Vec::new(),
			answered: BTreeSet::new(),
			deals: Vec::new(),
			stored: 0,
			workers: Vec::new(),
			consumer: None,
			ring: Vec::new(),
			replayed: BTreeSet::new(),
			overheard: BTreeSet::new(),
			second: None,
			handed: Vec::new(),
			escapes: Vec::new(),
			stations: Vec::new(),
			owners: Vec::new(),
			attempted: BTreeSet::new(),
			sensed: sensors::Tally::default(),
			start,
			claimed: 0,
			work: Duration::ZERO,
			refused: 0,
			audits: 0,
			proofs: 0,
			reports: Vec::new(),
		};
		match strategy {
			Strategy::SelfDeal => adversary.prepare_self_deal(chain, home, log).await?,
			Strategy::StorageRegenerate => adversary.prepare_regenerate(chain, home, log).await?,
			Strategy::StorageDuplicate => adversary.prepare_duplicate(chain, home, log).await?,
			Strategy::SelfJob => {
				let pairs = adversary.register(chain, home, Kind::Compute, 0..1, log).await?;
				adversary.workers = workers(&adversary.devices, pairs, 1.0);
				adversary.consumer = Some(jobs::Consumer::own(adversary.key.clone()));
			},
			Strategy::ComputeSybil => {
				let pairs = adversary.register(chain, home, Kind::Compute, 0..SYBILS, log).await?;
				adversary.workers = workers(&adversary.devices, pairs, 1.0);
				adversary.enroll(chain, &adversary.devices).await?;
			},
			Strategy::FaultDodge => {
				adversary.second =
					Some(derive(&format!("//depin-sim/adversary/{}/owner", strategy.name()))?);
				adversary.prepare_fault_dodge(chain, log).await?;
				if !funded {
					// An earlier run's second account counts from the start too.
					let (free, held) = adversary.owned(chain).await?;
					adversary.start = free.saturating_add(held);
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
			Strategy::SensorLie | Strategy::SensorCopy => {
				adversary.prepare_stations(chain, home, log).await?;
				if !funded {
					// An earlier run's stations: their owners' funds count from the start too.
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

	/// The keystore name and derivation path of the adversary's device `i`.
	fn device_key(&self, i: u32) -> (String, String) {
		let name = self.strategy.name();
		(format!("adv-{name}-{i}"), format!("//depin-sim/adversary/{name}/{i}"))
	}

	/// Register (or find, after a restart) the devices `indices` of `kind` owned by the
	/// adversary, with keys derived from its path. Returns their key pairs, in the order they
	/// are appended to `self.devices`.
	async fn register(
		&mut self,
		chain: &Chain,
		home: &Home,
		kind: Kind,
		indices: std::ops::Range<u32>,
		log: &mut impl FnMut(Value, String),
	) -> Result<Vec<DevicePair>> {
		let mut store = home.keystore()?;
		let mut pairs = Vec::new();
		let mut specs = Vec::new();
		for i in indices {
			let (name, uri) = self.device_key(i);
			let pair = Scheme::Sr25519.pair(&uri)?;
			store.add(&name, &uri, &pair)?;
			if chain.device_by_key(&pair.public()).await?.is_none() {
				// In the simulated cities, numbered past the honest devices.
				specs.push(commands::DeviceSpec {
					key: name,
					kind,
					location: format!("{:x}", cell(place_of(self.strategy, i))),
					capacity: match kind {
						Kind::Storage => 1 << 20,
						Kind::Coverage | Kind::Sensor => 0,
						Kind::Compute => COMPUTE_UNITS,
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

	/// Enroll those of the compute `devices` not enrolled yet for capacity challenges, in one
	/// batch.
	async fn enroll(&self, chain: &Chain, devices: &[u64]) -> Result<()> {
		let mut enrolments = Vec::new();
		for &device in devices {
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
					&self.key,
					Wait::InBlock,
				)
				.await?;
		}
		Ok(())
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
		// and not before their beacons have been judged and the cell it claims is inhabited
		// (else it would be a pioneer there: first come, first trusted, see
		// pallets/coverage/README.md).
		let arrival = chain.epoch().await?.index.saturating_add(2);
		while chain.epoch().await?.index < arrival
			|| !chain.inhabited_around(hotspots::cell(first)).await?
		{
			tokio::time::sleep(Duration::from_secs(3)).await;
		}
		let mut store = home.keystore()?;
		let mut devices = Vec::new();
		for i in 0..count {
			let (name, uri) = self.device_key(i);
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

	/// `sensor-lie`: one station of its own that copies the first honest station's readings
	/// warmer. `sensor-copy`: [`COPIES`] stations that copy them as they are, each owned by an
	/// account of its own (funded by the adversary, so its books count them) with the adversary
	/// as their manager. They stand in the honest stations' home cell and area, and are
	/// enrolled under the weather-station schema (an earlier run's are found again).
	async fn prepare_stations(
		&mut self,
		chain: &Chain,
		home: &Home,
		log: &mut impl FnMut(Value, String),
	) -> Result<()> {
		let name = self.strategy.name();
		let (behaviour, owners) = match self.strategy {
			Strategy::SensorCopy => {
				let owners = (0..COPIES)
					.map(|i| derive(&format!("//depin-sim/adversary/{name}/owner/{i}")))
					.collect::<Result<Vec<_>>>()?;
				(sensors::Behaviour::Copying, owners)
			},
			_ => (sensors::Behaviour::Lying, vec![self.key.clone()]),
		};
		let others: Vec<(AccountId32, u128, u128)> = owners
			.iter()
			.map(|o| o.public_key().to_account_id())
			.filter(|a| *a != self.account)
			.map(|a| (a, STATION_FUNDS / 2, STATION_FUNDS))
			.collect();
		if !others.is_empty() {
			hotspots::fund(chain, &self.key, &others).await?;
		}
		// The copies in cells 40, 41 and 42, the liar in 43.
		let first = match self.strategy {
			Strategy::SensorCopy => STATION_FIRST_CELL,
			_ => STATION_FIRST_CELL + COPIES,
		};
		let mut store = home.keystore()?;
		for (i, owner) in (0u32..).zip(owners) {
			let (key_name, uri) = self.device_key(i);
			let pair = Scheme::Sr25519.pair(&uri)?;
			store.add(&key_name, &uri, &pair)?;
			if chain.device_by_key(&pair.public()).await?.is_none() {
				let own = owner.public_key().to_account_id() == self.account;
				let spec = commands::DeviceSpec {
					key: key_name,
					kind: Kind::Sensor,
					location: format!("{:x}", sensors::station_cell(first + i)),
					capacity: 0,
					model: format!("adversary-{name}"),
					firmware: "1.0.0".into(),
					serial: format!("adv-{name}-{i}"),
					manager: (!own).then(|| self.account.to_string()),
				};
				let report = commands::register(chain, home, &owner, &[spec]).await?;
				log(report.json.clone(), report.text.clone());
			}
			let (id, _) = chain
				.device_by_key(&pair.public())
				.await?
				.ok_or_else(|| anyhow!("an adversary's station is not registered"))?;
			self.devices.push(id);
			self.stations.push(sensors::Station {
				n: first + i,
				schema: sensors::SCHEMA,
				id,
				key: pair,
				behaviour,
				pending: None,
			});
			self.owners.push(owner);
		}
		// Enrolled by the adversary, their owner or manager, one at a time: a chain that takes
		// certified stations only refuses them (it has no maker's certificate of their keys),
		// and each refusal is reported and counted.
		for station in &self.stations {
			if chain.sensor_status(station.id).await?.is_some() {
				continue;
			}
			let call = depin::tx().sensors().enroll(station.id, station.schema);
			if let Err(error) = attempt(chain, &call, &self.key).await? {
				self.refused = self.refused.saturating_add(1);
				log(
					json!({ "event": "enrolmentRefused", "strategy": name, "device": station.id, "error": error }),
					format!("adversary {name}: station {} not enrolled: {error}", station.id),
				);
			}
		}
		Ok(())
	}

	/// The sector of `root` on each of `devices`: the one an earlier run committed, or one
	/// committed now (one batch for all). In the order of `devices`.
	async fn commit_sectors(
		&self,
		chain: &Chain,
		devices: &[u64],
		root: H256,
		chunks: u32,
	) -> Result<Vec<u32>> {
		let mut sectors = Vec::new();
		let mut commits = Vec::new();
		for &device in devices {
			let committed = chain.proof_status(device).await?.and_then(|status| {
				status.sectors.iter().find(|x| x.sector.root == root).map(|x| x.index)
			});
			if committed.is_none() {
				commits.push(depin::Call::Proofs(
					depin::runtime_types::pallet_proofs::pallet::Call::commit_sector {
						device,
						root,
						chunks,
					},
				));
			}
			sectors.push((device, committed));
		}
		if !commits.is_empty() {
			let call = depin::tx().utility().batch_all(commits);
			let included = chain.submit_until(&call, &self.key, Wait::InBlock).await?;
			for event in included.events.find::<depin::proofs::events::SectorCommitted>() {
				let event = event?;
				for (device, sector) in &mut sectors {
					if *device == event.device && event.root.0 == root.0 && sector.is_none() {
						*sector = Some(event.sector);
					}
				}
			}
		}
		sectors
			.into_iter()
			.map(|(device, sector)| {
				sector.ok_or_else(|| anyhow!("the chain did not report device {device}'s sector"))
			})
			.collect()
	}

	/// One storage device, a sector of the adversary's own data under a deal with itself as
	/// the client, committed.
	async fn prepare_self_deal(
		&mut self,
		chain: &Chain,
		home: &Home,
		log: &mut impl FnMut(Value, String),
	) -> Result<()> {
		let (device, pair) = self.one_storage_device(chain, home, log).await?;
		let bytes = sector_bytes(1_000_000);
		let tree =
			MerkleTree::<Blake2>::from_bytes(&bytes).ok_or_else(|| anyhow!("empty sector"))?;
		let root = H256(tree.root());
		let status = chain.proof_status(device).await?;
		let committed =
			status.as_ref().is_some_and(|s| s.sectors.iter().any(|x| x.sector.root == root));
		let replica = deals::Replica { device, root, chunks: tree.chunks(), committed };
		let key = self.key.clone();
		// The deal first: committing the sector activates the deal published for its root.
		let deal_of =
			deals::prepare(chain, &key, &key, std::slice::from_ref(&replica), log).await?;
		self.deals = deal_of.values().copied().collect();
		let sectors = self.commit_sectors(chain, &[device], root, tree.chunks()).await?;
		let sector = sectors.first().copied().unwrap_or_default();
		self.stored = bytes.len() as u64;
		self.keep_sector(device, sector, Data::Memory(bytes.into()), SectorTree::Whole(tree), pair);
		Ok(())
	}

	/// One storage device, a sector of data expanded from a seed committed without a deal;
	/// only the seed and the top of its tree kept.
	async fn prepare_regenerate(
		&mut self,
		chain: &Chain,
		home: &Home,
		log: &mut impl FnMut(Value, String),
	) -> Result<()> {
		let (device, pair) = self.one_storage_device(chain, home, log).await?;
		let seeded = Seeded {
			seed: sp_crypto_hashing::blake2_256(b"//depin-sim/adversary/storage-regenerate"),
			chunks: (SECTOR_BYTES / depin_merkle::CHUNK_SIZE) as u32,
		};
		// The data is hashed once, to commit its root; then it is gone.
		let top = TopLevels::build(seeded.chunks, TOP_NODES, |i| seeded.chunk(i))?;
		let root = H256(top.root());
		let sectors = self.commit_sectors(chain, &[device], root, seeded.chunks).await?;
		let sector = sectors.first().copied().unwrap_or_default();
		self.stored = (seeded.seed.len() as u64).saturating_add(top.bytes());
		self.keep_sector(device, sector, Data::Seeded(seeded), SectorTree::Top(top), pair);
		Ok(())
	}

	/// [`DUPLICATES`] storage devices, each with a sector of the same data committed without a
	/// deal, all proven from one copy of it.
	async fn prepare_duplicate(
		&mut self,
		chain: &Chain,
		home: &Home,
		log: &mut impl FnMut(Value, String),
	) -> Result<()> {
		let pairs = self.register(chain, home, Kind::Storage, 0..DUPLICATES, log).await?;
		let bytes: Arc<[u8]> = sector_bytes(2_000_000).into();
		let tree =
			MerkleTree::<Blake2>::from_bytes(&bytes).ok_or_else(|| anyhow!("empty sector"))?;
		let root = H256(tree.root());
		let devices = self.devices.clone();
		let (Some((&first, others)), Some(pair)) =
			(devices.split_first(), pairs.into_iter().next())
		else {
			bail!("the storage-duplicate adversary has no device");
		};
		let sectors = self.commit_sectors(chain, &[first], root, tree.chunks()).await?;
		let Some(&sector) = sectors.first() else { bail!("no sector committed") };
		// The same root on its other devices: the chain keeps a root once.
		for &device in others {
			let call = depin::tx().proofs().commit_sector(device, root, tree.chunks());
			match attempt(chain, &call, &self.key).await? {
				Ok(_) => bail!("the chain took root {root:?} again, on device {device}"),
				Err(error) => {
					log(
						json!({ "event": "duplicateRefused", "device": device, "error": error }),
						format!("adversary storage-duplicate: device {device} refused ({error})"),
					);
					self.refused = self.refused.saturating_add(1);
				},
			}
		}
		self.stored = bytes.len() as u64;
		let data = Data::Memory(bytes.clone());
		self.keep_sector(first, sector, data, SectorTree::Whole(tree.clone()), pair);
		Ok(())
	}

	/// The adversary's one storage device, registered or found: its id and key pair.
	async fn one_storage_device(
		&mut self,
		chain: &Chain,
		home: &Home,
		log: &mut impl FnMut(Value, String),
	) -> Result<(u64, DevicePair)> {
		let pairs = self.register(chain, home, Kind::Storage, 0..1, log).await?;
		match (self.devices.first(), pairs.into_iter().next()) {
			(Some(&device), Some(pair)) => Ok((device, pair)),
			_ => bail!("the {} adversary has no device", self.strategy.name()),
		}
	}

	/// Prove `device`'s committed sector `sector` (of `tree`'s root) every block from `data`.
	fn keep_sector(
		&mut self,
		device: u64,
		sector: u32,
		data: Data,
		tree: SectorTree,
		pair: DevicePair,
	) {
		let local = local(device, sector, H256(tree.root()), tree.chunks());
		self.sectors.push((LoadedSector { local, data, tree }, pair, Honesty::Honest));
	}

	/// `fault-dodge`: the device of the first way out not tried yet (by an earlier run: its
	/// device retired, suspended or handed over), registered or found, enrolled and faking.
	async fn prepare_fault_dodge(
		&mut self,
		chain: &Chain,
		log: &mut impl FnMut(Value, String),
	) -> Result<()> {
		let me = crate::chain::account(&self.account);
		for index in 0..ROUTES.len() as u32 {
			let pair = Scheme::Sr25519.pair(&self.device_key(index).1)?;
			match chain.device_by_key(&pair.public()).await? {
				Some((id, device))
					if device.status != DeviceStatus::Active || device.owner != me =>
				{
					self.devices.push(id);
					if device.owner != me {
						self.handed.push(id);
					}
				},
				_ => return self.enlist(chain, index, log).await,
			}
		}
		Ok(())
	}

	/// `fault-dodge`: register (or find) the device of way out `index`, enroll it, and fake
	/// its every workload; fund the second account before a handover.
	async fn enlist(
		&mut self,
		chain: &Chain,
		index: u32,
		log: &mut impl FnMut(Value, String),
	) -> Result<()> {
		let home = self.home.clone();
		let pairs = self.register(chain, &home, Kind::Compute, index..index + 1, log).await?;
		let (Some(&device), Some(pair)) = (self.devices.last(), pairs.into_iter().next()) else {
			bail!("the fault-dodging adversary has no device");
		};
		self.enroll(chain, &[device]).await?;
		// It runs none of the workload: every checkpoint is made up.
		self.workers.push(Worker::new(device, pair, 0.0));
		if ROUTES.get(index as usize) == Some(&Route::HandOver) {
			if let Some(second) = &self.second {
				let to = second.public_key().to_account_id();
				hotspots::fund(chain, &self.key, &[(to, SECOND_FUNDS, SECOND_FUNDS)]).await?;
			}
		}
		Ok(())
	}

	/// What the adversary does in every block.
	pub async fn block(&mut self, chain: &Chain, number: u32) -> Result<()> {
		match self.strategy {
			Strategy::SelfDeal | Strategy::StorageRegenerate | Strategy::StorageDuplicate => {
				let round =
					commands::prove_round(chain, &self.key, &mut self.sectors, &mut self.answered)
						.await?;
				self.proofs = self.proofs.saturating_add(round.accepted);
				self.refused = self.refused.saturating_add(round.rejected.len() as u32);
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
			Strategy::FaultDodge => {
				let round = crate::compute::round(chain, &self.key, &mut self.workers).await?;
				self.work = self.work.saturating_add(round.work);
				self.refused = self.refused.saturating_add(round.rejected.len() as u32);
				// The devices that kept quiet because the sample would catch them.
				for device in round.withheld {
					self.dodge(chain, device).await?;
				}
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
			Strategy::SensorLie | Strategy::SensorCopy => {
				let lines = std::sync::Mutex::new(Vec::new());
				let line = |json: Value, text: String| {
					if let Ok(mut lines) = lines.lock() {
						lines.push((json, text));
					}
				};
				let round =
					sensors::play(chain, &self.key, &mut self.stations, &mut self.attempted, &line)
						.await;
				self.reports.extend(lines.into_inner().unwrap_or_default());
				let round = round?;
				let refused = round.rejected.values().chain(round.reveals_rejected.values());
				self.refused = self.refused.saturating_add(refused.sum::<u32>());
				self.audits = self.audits.saturating_add(round.verified.values().sum::<u32>());
				self.sensed.add(&round);
			},
		}
		Ok(())
	}

	/// `fault-dodge`: `device` kept a faked workload unrevealed; try its way out before the
	/// deadline, report what the chain did, and enlist the next way's device (whatever this
	/// one's came to).
	async fn dodge(&mut self, chain: &Chain, device: u64) -> Result<()> {
		self.workers.retain(|w| w.device != device);
		let index = self.devices.iter().position(|&d| d == device).unwrap_or(usize::MAX);
		let Some(&route) = ROUTES.get(index) else { return Ok(()) };
		let epoch = chain.epoch().await?.index;
		let mut escape =
			Escape { route, device, epoch, steps: Vec::new(), deposit: 0, at_once: 0, later: 0 };
		let tried = self.try_way_out(chain, &mut escape).await;
		// What it slashed at once is in `at_once`; later slashes are counted from here (from
		// the buyer's deposit after a hand-over).
		let updated = escape.deposit_now(chain).await.map(|d| escape.deposit = d);
		let name = self.strategy.name();
		self.reports.push((
			json!({ "event": "adversaryEscape", "strategy": name, "escape": escape.json() }),
			format!("adversary {name}: {}", escape.text()),
		));
		self.escapes.push(escape);
		let mut lines = Vec::new();
		let next = u32::try_from(index.saturating_add(1))?;
		if (next as usize) < ROUTES.len() {
			self.enlist(chain, next, &mut |json, text| lines.push((json, text))).await?;
		}
		self.reports.extend(lines);
		tried.and(updated)
	}

	/// The calls of `escape`'s way out, each answer recorded in it as it comes: a refusal is
	/// an answer.
	async fn try_way_out(&mut self, chain: &Chain, escape: &mut Escape) -> Result<()> {
		let device = escape.device;
		match escape.route {
			Route::Leave => {
				let call = depin::tx().compute().withdraw(device);
				let answer = attempt(chain, &call, &self.key).await?;
				self.note(escape, "compute.withdraw", answer);
				let call = depin::tx().devices().deregister(device);
				let answer = attempt(chain, &call, &self.key).await?;
				self.note(escape, "devices.deregister", answer);
			},
			Route::Move => {
				let index = self.devices.iter().position(|&d| d == device).unwrap_or_default();
				let place = place_of(self.strategy, u32::try_from(index)?);
				// Three places on: another cell of the same city (see `cell`).
				let call = depin::tx().devices().update_location(device, cell(place + 3));
				let answer = attempt(chain, &call, &self.key).await?;
				self.note(escape, "devices.update_location", answer);
			},
			Route::HandOver => {
				let second = self.second.clone().ok_or_else(|| anyhow!("no second account"))?;
				let to = second.public_key().to_account_id();
				let call = depin::tx().devices().transfer_ownership(device, Some(to));
				let answer = attempt(chain, &call, &self.key).await?;
				if self.note(escape, "devices.transfer_ownership", answer) {
					let call = depin::tx().devices().accept_ownership(device);
					let answer = attempt(chain, &call, &second).await?;
					if self.note(escape, "devices.accept_ownership", answer) {
						self.handed.push(device);
					}
				}
			},
		}
		Ok(())
	}

	/// Record the chain's `answer` to `call` in `escape`, counting a refusal. Returns whether
	/// the call went through.
	fn note(&mut self, escape: &mut Escape, call: &'static str, answer: Answer) -> bool {
		let text = match &answer {
			Ok(Some(slashed)) => {
				escape.at_once = escape.at_once.saturating_add(*slashed);
				format!(
					"done, the commitment punished at once (WorkUnrevealed, {} slashed)",
					dpn(*slashed)
				)
			},
			Ok(None) => "done".to_string(),
			Err(error) => {
				self.refused = self.refused.saturating_add(1);
				format!("refused ({error})")
			},
		};
		escape.steps.push((call, text));
		answer.is_ok()
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
	/// next epoch's job, see what was slashed, and report the books.
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
			Strategy::FaultDodge => {
				// A commitment left unrevealed is punished once its deadline has passed.
				for escape in &mut self.escapes {
					escape.update(chain).await?;
				}
			},
			_ => {},
		}
		// Each device's owner claims it: the adversary, each ring hotspot's or station's own
		// account, or the second account the devices handed over to it.
		let mut claims: Vec<(&Keypair, Vec<u64>)> =
			self.ring.iter().map(|hotspot| (&hotspot.owner, vec![hotspot.id])).collect();
		let stations = self.stations.iter().zip(&self.owners);
		claims.extend(
			stations
				.filter(|(_, owner)| owner.public_key().to_account_id() != self.account)
				.map(|(station, owner)| (owner, vec![station.id])),
		);
		let others: BTreeSet<u64> = claims.iter().flat_map(|(_, d)| d.iter().copied()).collect();
		let own: Vec<u64> = self
			.devices
			.iter()
			.copied()
			.filter(|d| !self.handed.contains(d) && !others.contains(d))
			.collect();
		if !own.is_empty() {
			claims.push((&self.key, own));
		}
		if let (Some(second), false) = (&self.second, self.handed.is_empty()) {
			claims.push((second, self.handed.clone()));
		}
		for (owner, devices) in claims {
			let claim = commands::claim(chain, owner, &devices, Wait::InBlock).await?;
			let total: u128 =
				claim.json["total"].as_str().and_then(|t| t.parse().ok()).unwrap_or_default();
			self.claimed = self.claimed.saturating_add(total);
		}
		self.books(chain, ended).await
	}

	/// What the adversary owns, free and held: its account's, its ring's and its stations'
	/// owners' and its second account's.
	async fn owned(&self, chain: &Chain) -> Result<(u128, u128)> {
		let mut accounts = vec![self.account];
		accounts.extend(self.ring.iter().map(|h| h.owner.public_key().to_account_id()));
		let owners = self.owners.iter().map(|o| o.public_key().to_account_id());
		accounts.extend(owners.filter(|a| *a != self.account));
		accounts.extend(self.second.iter().map(|s| s.public_key().to_account_id()));
		let (mut free, mut held) = (0u128, 0u128);
		for account in &accounts {
			let (f, h) = chain.balances(account).await?;
			free = free.saturating_add(f);
			held = held.saturating_add(h);
		}
		Ok((free, held))
	}

	/// What the adversary spent, earned and locked so far, as a report line.
	async fn books(&self, chain: &Chain, epoch: u32) -> Result<(Value, String)> {
		let (free, held) = self.owned(chain).await?;
		let owned = free.saturating_add(held);
		// Earned: claimed from the pools, and what a buyer paid its stations.
		let earned = self.claimed.saturating_add(self.sensed.paid);
		let spent = self.start.saturating_add(earned).saturating_sub(owned);
		let ratio = if spent == 0 { 0.0 } else { earned as f64 / spent as f64 };
		let slashes = self.escapes.iter().filter(|e| e.slashed() > 0).count();
		let json = json!({
			"event": "adversaryBooks",
			"strategy": self.strategy.name(),
			"epoch": epoch,
			"spent": spent.to_string(),
			"earned": earned.to_string(),
			"claimed": self.claimed.to_string(),
			"sold": self.sensed.paid.to_string(),
			"rewardPerCost": ratio,
			"locked": held.to_string(),
			"workSeconds": self.work.as_secs_f64(),
			"audits": self.audits,
			"refusedItems": self.refused,
			"proofs": self.proofs,
			"bytesStored": self.stored,
			"escapesTried": self.escapes.len(),
			"slashes": slashes,
			"escapes": self.escapes.iter().map(Escape::json).collect::<Vec<_>>(),
			"sensors": self.sensed.json(),
		});
		let text = format!(
			"adversary {}: spent {}, earned {} (reward/cost {ratio:.3}), {} locked{}",
			self.strategy.name(),
			dpn(spent),
			dpn(earned),
			dpn(held),
			match self.strategy {
				Strategy::StorageRegenerate => format!(
					", {} proofs accepted keeping {} bytes (its seed and the top of its tree) \
					 for {} KiB of data",
					self.proofs,
					self.stored,
					SECTOR_BYTES / 1024
				),
				Strategy::StorageDuplicate => format!(
					", {} proofs of its one sector accepted keeping one copy of {} bytes, {} \
					 commitments of the same root on its other devices refused",
					self.proofs, self.stored, self.refused
				),
				Strategy::ComputeSybil => format!(
					", {} audits passed with {:.1} s of work",
					self.audits,
					self.work.as_secs_f64()
				),
				Strategy::FaultDodge => {
					let tried: Vec<String> = self
						.escapes
						.iter()
						.map(|e| format!("{}: {}", e.route.name(), e.slash_text()))
						.collect();
					format!(
						", {} escapes tried, {slashes} slashed{}, {} calls refused",
						self.escapes.len(),
						if tried.is_empty() {
							String::new()
						} else {
							format!(" ({})", tried.join("; "))
						},
						self.refused
					)
				},
				Strategy::RelayGrief => format!(", {} items refused", self.refused),
				Strategy::WitnessRing | Strategy::LocationSpoof => {
					format!(", {} receipts refused", self.refused)
				},
				Strategy::SensorLie | Strategy::SensorCopy => format!(
					" ({} paid by the buyer, {} claimed from the pool): {}",
					dpn(self.sensed.paid),
					dpn(self.claimed),
					self.sensed.text()
				),
				_ => String::new(),
			}
		);
		Ok((json, text))
	}
}

/// The chain's answer to a call: it went through (and whether a compute commitment was
/// punished unrevealed by it), or it was refused with this pallet error.
/// Went through (with what an unrevealed commitment's punishment slashed at once, if it came),
/// or refused with the pallet error's name.
type Answer = std::result::Result<Option<u128>, String>;

/// Submit `call` signed by `signer` and wait for it in the best block. A refusal by the chain
/// is an [`Answer`]; anything else that goes wrong is an error.
async fn attempt<C: Payload>(chain: &Chain, call: &C, signer: &Keypair) -> Result<Answer> {
	match chain.submit_until(call, signer, Wait::InBlock).await {
		Ok(included) => Ok(Ok(unrevealed(&included)?)),
		Err(error) => match refusal(&error.to_string()) {
			Some(name) => Ok(Err(name)),
			None => Err(error),
		},
	}
}

/// If a compute commitment was punished unrevealed in `included`: what was slashed with it.
fn unrevealed(included: &Included) -> Result<Option<u128>> {
	let Some(punished) =
		included.events.find_first::<depin::compute::events::WorkUnrevealed>().transpose()?
	else {
		return Ok(None);
	};
	let mut slashed = 0u128;
	for event in included.events.find::<depin::devices::events::DepositSlashed>() {
		let event = event?;
		if event.device == punished.device {
			slashed = slashed.saturating_add(event.amount);
		}
	}
	Ok(Some(slashed))
}

/// The pallet error (`pallet.Error`) a failed transaction's message names
/// ([`crate::chain::explain_dispatch`]), if it names one.
fn refusal(message: &str) -> Option<String> {
	let (name, _) = message.split_once(": ")?;
	let (pallet, error) = name.split_once('.')?;
	let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
	let named = word(pallet)
		&& word(error)
		&& pallet.starts_with(|c: char| c.is_ascii_lowercase())
		&& error.starts_with(|c: char| c.is_ascii_uppercase());
	named.then(|| name.to_string())
}

/// Play `adversary` on its own until the task is dropped: its own stream of best blocks, so
/// that it never slows the honest devices down, acting on the latest block only. Its books at
/// every epoch end, what else it reports, and its errors (its own: the network goes on), go
/// to `out`.
pub async fn play(
	mut adversary: Adversary,
	chain: Chain,
	out: tokio::sync::mpsc::UnboundedSender<(Value, String)>,
) {
	let name = adversary.strategy.name();
	let error = |error: anyhow::Error| {
		(
			json!({ "event": "adversaryError", "strategy": name, "error": error.to_string() }),
			format!("adversary {name}: {error}"),
		)
	};
	let mut epoch = None;
	let mut blocks = chain.best_blocks();
	let lost = |e: String| {
		let _ = out.send(error(anyhow!(e)));
		false
	};
	while let Some(number) = blocks.next(lost).await {
		let step = async {
			adversary.block(&chain, number).await?;
			let now = chain.epoch().await?.index;
			let ended = match epoch {
				Some(last) if last != now => Some(adversary.epoch_ended(&chain, last, now).await?),
				_ => None,
			};
			epoch = Some(now);
			anyhow::Ok(ended)
		};
		let step = step.await;
		for line in adversary.reports.drain(..) {
			let _ = out.send(line);
		}
		match step {
			Ok(Some(books)) => {
				let _ = out.send(books);
			},
			Ok(None) => {},
			Err(e) => {
				let _ = out.send(error(e));
			},
		}
	}
}

/// Workers for `devices` with their `pairs`, each running `diligence` of its workloads.
fn workers(devices: &[u64], pairs: Vec<DevicePair>, diligence: f64) -> Vec<Worker> {
	devices.iter().zip(pairs).map(|(&device, key)| Worker::new(device, key, diligence)).collect()
}

/// A sector the simulator holds in memory.
fn local(device: u64, sector: u32, root: H256, chunks: u32) -> LocalSector {
	LocalSector {
		device,
		sector,
		root: format!("0x{}", hex::encode(root.0)),
		chunks,
		path: "memory:adversary".into(),
	}
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
		// The sensor strategies need honest stations: `all` leaves them out without any.
		let without = Strategy::parse_for("all", 0).unwrap();
		assert_eq!(without.len(), Strategy::ALL.len() - 2);
		assert!(without.iter().all(|s| !s.senses()));
		assert_eq!(Strategy::parse_for("all", 4).unwrap(), Strategy::ALL.to_vec());
		let error = Strategy::parse_for("self-job,sensor-copy", 0).unwrap_err().to_string();
		assert!(error.contains("--adversary sensor-copy plays weather stations"), "{error}");
	}

	#[test]
	fn the_new_strategies_parse_and_report_in_order() {
		assert_eq!(
			Strategy::parse_list("fault-dodge,storage-duplicate,storage-regenerate").unwrap(),
			vec![Strategy::StorageRegenerate, Strategy::StorageDuplicate, Strategy::FaultDodge]
		);
		// Every name parses back to its strategy, and the list is in the reporting order.
		for strategy in Strategy::ALL {
			assert_eq!(Strategy::parse_list(strategy.name()).unwrap(), vec![strategy]);
		}
		let mut sorted = Strategy::ALL.to_vec();
		sorted.sort();
		assert_eq!(sorted, Strategy::ALL.to_vec());
		// Eight places each: the devices of two strategies never share a simulated place.
		let places: BTreeSet<u32> =
			Strategy::ALL.iter().flat_map(|&s| (0..8).map(move |i| place_of(s, i))).collect();
		assert_eq!(places.len(), 8 * Strategy::ALL.len());
	}

	#[test]
	fn a_pallet_error_is_a_refusal_and_other_failures_are_not() {
		assert_eq!(
			refusal("compute.ChallengeOpen: The device's challenge of this epoch is still open."),
			Some("compute.ChallengeOpen".into())
		);
		assert_eq!(
			refusal("devices.LocationChangeTooSoon: "),
			Some("devices.LocationChangeTooSoon".into())
		);
		assert_eq!(refusal("insufficient funds: the account cannot pay the fee"), None);
		assert_eq!(refusal("the node refused the transaction: 1010: Invalid"), None);
		assert_eq!(refusal("lost track of the transaction: a.b"), None);
	}
}
