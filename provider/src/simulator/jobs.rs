//! The simulated compute consumer. Compute rewards follow paid jobs only (a capacity audit
//! earns nothing), so a simulated consumer, derived from `//depin-sim/consumer` and funded by
//! the signer, buys work from every active compute device each epoch: it opens a job of
//! [`UNITS`] units at [`PRICE`] (1 DPN), signs the receipt of the units delivered, the device
//! co-signs it with its key, and the signer submits the receipts in one batch. Once a receipt's
//! dispute window has passed, the simulator releases the job (anyone may): the device's owner
//! is paid less the protocol fee, which is burned and is the job's compute points — the most
//! those points are paid from the compute pool.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use depin_primitives::device::DeviceStatus;
use serde_json::{json, Value};
use subxt_signer::sr25519::Keypair;

use super::hotspots;
use crate::{
	chain::{bridge, BlockNumber, Chain, Included, Wait},
	compute::Worker,
	depin,
	jobs::{ConsumerReceipt, Receipt},
	report::dpn,
};

const DPN: u128 = 1_000_000_000_000;
/// Units of each simulated job.
pub const UNITS: u64 = 10;
/// The price of a unit: a job costs 1 DPN.
pub const PRICE: u128 = DPN / 10;
/// What the consumer keeps free for its jobs and fees; topped up below [`LOW`].
const FUNDS: u128 = 100 * DPN;
const LOW: u128 = 20 * DPN;

/// The simulated consumer.
pub fn consumer() -> Result<Keypair> {
	super::derive("//depin-sim/consumer")
}

/// What the consumer's jobs came to (in an epoch).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
	/// Jobs opened (and their receipts submitted).
	pub opened: u32,
	/// Jobs released.
	pub settled: u32,
	/// Paid to the devices' owner, planck.
	pub paid: u128,
	/// Burned as the protocol fee, planck.
	pub burned: u128,
	/// Compute points the fees earned.
	pub points: u64,
}

impl Tally {
	pub fn add(&mut self, other: Tally) {
		self.opened = self.opened.saturating_add(other.opened);
		self.settled = self.settled.saturating_add(other.settled);
		self.paid = self.paid.saturating_add(other.paid);
		self.burned = self.burned.saturating_add(other.burned);
		self.points = self.points.saturating_add(other.points);
	}

	pub fn json(&self) -> Value {
		json!({
			"opened": self.opened,
			"settled": self.settled,
			"paid": self.paid.to_string(),
			"burned": self.burned.to_string(),
			"points": self.points,
		})
	}

	pub fn text(&self) -> String {
		format!(
			"{} job(s) opened, {} paid out ({} to the owner, {} burned, {} compute points)",
			self.opened,
			self.settled,
			dpn(self.paid),
			dpn(self.burned),
			self.points
		)
	}
}

/// The consumer and the jobs it waits to release.
pub struct Consumer {
	key: Keypair,
	/// Jobs with an accepted receipt, by the first block they can be released at.
	pending: BTreeMap<u64, BlockNumber>,
}

impl Consumer {
	/// The simulated consumer, funded by `signer` if it is short.
	pub async fn prepare(
		chain: &Chain,
		signer: &Keypair,
		log: &mut impl FnMut(Value, String),
	) -> Result<Self> {
		let key = consumer()?;
		let id = key.public_key().to_account_id();
		if hotspots::fund(chain, signer, &[(id, LOW, FUNDS)])
			.await
			.context("cannot fund the simulated consumer")?
			> 0
		{
			log(
				json!({ "event": "funded", "consumer": id.to_string(), "amount": FUNDS.to_string() }),
				format!("funded the simulated compute consumer {id} with {}", dpn(FUNDS)),
			);
		}
		Ok(Self::own(key))
	}

	/// `key` as a consumer that pays its own way (the self-dealing adversary, buying from its
	/// own devices).
	pub fn own(key: Keypair) -> Self {
		Self { key, pending: BTreeMap::new() }
	}

	/// Top the consumer up from `signer` if it runs low (not a consumer that is the signer: it
	/// pays its own way).
	pub async fn top_up(&self, chain: &Chain, signer: &Keypair) -> Result<()> {
		let me = self.key.public_key().to_account_id();
		if me != signer.public_key().to_account_id() {
			hotspots::fund(chain, signer, &[(me, LOW, FUNDS)]).await?;
		}
		Ok(())
	}

	/// Buy a job from every active worker: open the jobs (one batch), then sign the receipts,
	/// have each device co-sign its own, and submit them (one batch; anyone may). Every
	/// transaction is the consumer's own, so this runs beside the devices' owner's.
	pub async fn buy(&mut self, chain: &Chain, workers: &[Worker]) -> Result<Tally> {
		let mut tally = Tally::default();
		let me = self.key.public_key().to_account_id();
		let mut active = Vec::new();
		for worker in workers {
			let status = chain.device(worker.device).await?.map(|d| d.status);
			if matches!(status, Some(DeviceStatus::Active)) {
				active.push(worker);
			}
		}
		if active.is_empty() {
			return Ok(tally);
		}
		let opens = active
			.iter()
			.map(|w| {
				depin::Call::Jobs(depin::runtime_types::pallet_jobs::pallet::Call::open_job {
					device: w.device,
					max_units: UNITS,
					price: PRICE,
				})
			})
			.collect();
		let opened = chain
			.submit_until(&depin::tx().utility().force_batch(opens), &self.key, Wait::InBlock)
			.await?;
		let timestamp = chain.best_number().await?;
		let genesis = chain.genesis();
		let mut receipts = Vec::new();
		for event in opened.events.find::<depin::jobs::events::JobOpened>() {
			let event = event?;
			let Some(worker) = active.iter().find(|w| w.device == event.device) else { continue };
			let receipt = Receipt {
				job: event.job,
				consumer: crate::chain::account(&me),
				device: event.device,
				units: UNITS,
				price: PRICE,
				timestamp,
			};
			let signed = ConsumerReceipt::sign(genesis, &receipt, &self.key);
			receipts.push(signed.co_sign(genesis, &worker.key)?);
			tally.opened = tally.opened.saturating_add(1);
		}
		if receipts.is_empty() {
			return Ok(tally);
		}
		let call = depin::tx().jobs().submit_receipts(bridge(&receipts)?);
		let included = chain.submit_until(&call, &self.key, Wait::InBlock).await?;
		for accepted in included.events.find::<depin::jobs::events::ReceiptAccepted>() {
			let accepted = accepted?;
			self.pending.insert(accepted.job, accepted.payable_at);
		}
		Ok(tally)
	}

	/// Release every job whose dispute window has passed by block `now` (one batch, from the
	/// consumer: anyone may).
	pub async fn release(&mut self, chain: &Chain, now: BlockNumber) -> Result<Tally> {
		let due: Vec<u64> =
			self.pending.iter().filter(|(_, at)| **at <= now).map(|(job, _)| *job).collect();
		let mut tally = Tally::default();
		if due.is_empty() {
			return Ok(tally);
		}
		let calls = due
			.iter()
			.map(|job| {
				depin::Call::Jobs(depin::runtime_types::pallet_jobs::pallet::Call::release_job {
					job: *job,
				})
			})
			.collect();
		let included = chain
			.submit_until(&depin::tx().utility().force_batch(calls), &self.key, Wait::InBlock)
			.await?;
		add_settlements(&included, &mut tally)?;
		// Released, or gone (settled by someone else): either way, no longer pending.
		for job in due {
			self.pending.remove(&job);
		}
		Ok(tally)
	}
}

fn add_settlements(included: &Included, tally: &mut Tally) -> Result<()> {
	for settled in included.events.find::<depin::jobs::events::JobSettled>() {
		let settled = settled?;
		tally.settled = tally.settled.saturating_add(1);
		tally.paid = tally.paid.saturating_add(settled.paid);
		tally.burned = tally.burned.saturating_add(settled.fee);
		tally.points = tally.points.saturating_add(settled.points);
	}
	Ok(())
}
