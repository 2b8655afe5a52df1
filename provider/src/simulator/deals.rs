//! The simulated storage devices' deals. Only a deal-backed sector earns storage points (and a
//! device's storage reward in an epoch is at most the deal fees it burned), so every simulated
//! storage device, honest or cheating, keeps its sector under a deal: one simulated client,
//! derived from `//depin-sim/client` and funded by the signer, signs a proposal per device for
//! its sector's data (1 DPN an epoch for a 64 KiB sector, 1,000 epochs, 5 DPN of provider
//! collateral and 1 DPN of client collateral), and the signer, the devices' owner, publishes
//! them (`publish_deals` batches) before it commits the sectors, which activates the deals.
//!
//! Each epoch a device proves its sector, its deal counts the epoch as paid; at every epoch
//! end the simulator settles the deals (anyone may), which moves the proven epochs' prices to
//! the owner (less the burned fee), and counts the cheaters' missed epochs, the collateral
//! they pay the client, and at the sixth miss in a row the deal's end: all in the epoch's
//! line.

use std::collections::BTreeMap;

use anyhow::{anyhow, Context, Result};
use depin_primitives::deals::DealState;
use serde_json::{json, Value};
use sp_core::H256;
use subxt_signer::sr25519::Keypair;

use super::hotspots;
use crate::{
	chain::{account, BlockNumber, Chain, Included, Wait},
	commands::{self, Round},
	deals::Proposal,
	depin,
	report::dpn,
};

const DPN: u128 = 1_000_000_000_000;
/// The price of a GiB for an epoch: a 64 KiB sector's epoch costs 1 DPN.
pub const PRICE_PER_GIB: u128 = 16_384 * DPN;
/// Epochs each deal pays for.
pub const DURATION: u32 = 1_000;
/// Held from the devices' owner for each deal.
pub const PROVIDER_COLLATERAL: u128 = 5 * DPN;
/// Held from the client for each deal.
pub const CLIENT_COLLATERAL: u128 = DPN;
/// Blocks from the best one until a deal's sector must be committed.
pub const DEADLINE_BLOCKS: BlockNumber = 600;
/// What the client keeps free on top of what its new deals hold: fees, the existential
/// deposit.
const MARGIN: u128 = 10 * DPN;

/// The simulated client.
pub fn client() -> Result<Keypair> {
	super::derive("//depin-sim/client")
}

/// A storage device's sector to keep under a deal.
pub struct Replica {
	pub device: u64,
	pub root: H256,
	pub chunks: u32,
	/// Whether an earlier run committed it already.
	pub committed: bool,
}

/// What deals earned, paid and missed (in an epoch).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
	/// What proven epochs owe the devices' owner (`DealPaid`), planck.
	pub earned: u128,
	/// Paid to the devices' owner when the deals were settled (`DealSettled`), planck.
	pub paid: u128,
	/// Burned as the protocol fee when they were settled, planck.
	pub burned: u128,
	/// Epochs missed.
	pub missed: u32,
	/// Provider collateral paid to the client for them, planck.
	pub penalties: u128,
	/// Deals that ended.
	pub ended: u32,
}

impl Tally {
	/// Add what a proving round's deals did.
	pub fn add_round(&mut self, round: &Round) {
		self.earned = self.earned.saturating_add(round.deal_paid);
		self.missed = self.missed.saturating_add(round.deal_missed);
	}

	/// Add another tally.
	pub fn add(&mut self, other: Tally) {
		self.earned = self.earned.saturating_add(other.earned);
		self.paid = self.paid.saturating_add(other.paid);
		self.burned = self.burned.saturating_add(other.burned);
		self.missed = self.missed.saturating_add(other.missed);
		self.penalties = self.penalties.saturating_add(other.penalties);
		self.ended = self.ended.saturating_add(other.ended);
	}

	/// Add the deal events of a settlement.
	fn add_events(&mut self, included: &Included) -> Result<()> {
		for settled in included.events.find::<depin::proofs::events::DealSettled>() {
			let settled = settled?;
			self.paid = self.paid.saturating_add(settled.paid);
			self.burned = self.burned.saturating_add(settled.fee);
			self.penalties = self.penalties.saturating_add(settled.penalty);
		}
		for missed in included.events.find::<depin::proofs::events::DealMissed>() {
			let missed = missed?;
			self.missed = self.missed.saturating_add(missed.epochs);
		}
		for ended in included.events.find::<depin::proofs::events::DealEnded>() {
			ended?;
			self.ended = self.ended.saturating_add(1);
		}
		Ok(())
	}

	/// As the epoch event's `deals` field.
	pub fn json(&self) -> Value {
		json!({
			"earned": self.earned.to_string(),
			"paid": self.paid.to_string(),
			"burned": self.burned.to_string(),
			"missed": self.missed,
			"penalties": self.penalties.to_string(),
			"ended": self.ended,
		})
	}

	/// As a clause of the epoch line.
	pub fn text(&self) -> String {
		format!(
			"deals settled: {} paid to the owner, {} burned, {} deal epoch(s) missed ({} of \
			 collateral to the client), {} deal(s) ended",
			dpn(self.paid),
			dpn(self.burned),
			self.missed,
			dpn(self.penalties),
			self.ended
		)
	}
}

/// Put every replica under a deal: reuse the live deal of its root (an earlier run's), or,
/// for a replica not committed yet, have `client` sign a proposal, funded by the signer (a
/// client that is the signer pays for itself: the self-dealing adversary), and the signer
/// publish them all in one batch. Returns each device's deal; a sector an earlier run
/// committed without a deal has none, and earns nothing.
pub async fn prepare(
	chain: &Chain,
	signer: &Keypair,
	client: &Keypair,
	replicas: &[Replica],
	log: &mut impl FnMut(Value, String),
) -> Result<BTreeMap<u64, H256>> {
	let client_id = client.public_key().to_account_id();
	let mut deals = BTreeMap::new();
	let best = chain.best_number().await?;
	let mut proposals = Vec::new();
	for replica in replicas {
		if let Some((id, _)) = chain.deal_by_root(replica.device, replica.root).await? {
			deals.insert(replica.device, id);
			continue;
		}
		if replica.committed {
			log(
				json!({ "event": "noDeal", "device": replica.device }),
				format!(
					"device {}'s sector was committed without a live deal: it earns nothing",
					replica.device
				),
			);
			continue;
		}
		proposals.push(Proposal {
			client: account(&client_id),
			device: replica.device,
			root: replica.root,
			chunks: replica.chunks,
			price_per_gib: PRICE_PER_GIB,
			activation_deadline: best.saturating_add(DEADLINE_BLOCKS),
			duration: DURATION,
			provider_collateral: PROVIDER_COLLATERAL,
			client_collateral: CLIENT_COLLATERAL,
		});
	}
	if proposals.is_empty() {
		return Ok(deals);
	}

	// The client's funds for what its deals hold.
	let mut need = MARGIN;
	for proposal in &proposals {
		let hold = crate::deals::client_hold(proposal)
			.ok_or_else(|| anyhow!("a simulated deal's payment overflows"))?;
		need = need.saturating_add(hold);
	}
	let funded = if client_id == signer.public_key().to_account_id() {
		0
	} else {
		hotspots::fund(chain, signer, &[(client_id, need, need)])
			.await
			.context("cannot fund the simulated client")?
	};
	if funded > 0 {
		log(
			json!({
				"event": "funded",
				"client": client_id.to_string(),
				"amount": need.to_string(),
			}),
			format!("funded the simulated client {client_id} with {}", dpn(need)),
		);
	}

	// Signed by the client, published by the devices' owner.
	let genesis = chain.genesis();
	let signed: Vec<crate::deals::Signed> =
		proposals.iter().map(|p| crate::deals::sign(genesis, p, client)).collect();
	let publication = commands::publish_deals(chain, signer, &signed).await?;
	let mut published = 0u32;
	for event in &publication.published {
		deals.insert(event.device, event.deal);
		published = published.saturating_add(1);
	}
	let rejected: Vec<(Option<u64>, String)> = publication
		.rejected
		.iter()
		.map(|r| (proposals.get(r.index).map(|p| p.device), r.error.clone()))
		.collect();
	let reasons: Vec<String> = rejected
		.iter()
		.map(|(device, error)| match device {
			Some(device) => format!("device {device}: {error}"),
			None => error.clone(),
		})
		.collect();
	log(
		json!({
			"event": "published",
			"deals": published,
			"rejected": rejected
				.iter()
				.map(|(device, error)| json!({ "device": device, "error": error }))
				.collect::<Vec<_>>(),
			"client": client_id.to_string(),
			"blocks": publication.blocks.iter().map(|b| format!("{b:?}")).collect::<Vec<_>>(),
		}),
		format!(
			"the client {client_id} has {published} deal(s) published, 1 DPN an epoch for \
			 {DURATION} epochs each, with {} of provider collateral{}",
			dpn(PROVIDER_COLLATERAL),
			if reasons.is_empty() {
				String::new()
			} else {
				format!("; rejected: {}", reasons.join(", "))
			}
		),
	);
	Ok(deals)
}

/// Settle `deals` (anyone may settle a deal): the proven epochs' prices move to the devices'
/// owner and their fees are burned; the epochs up to the one before `now` that went unproven
/// are counted, each paying the client back with a slice of the provider's collateral. Only
/// deals with something to settle; one `utility.force_batch`, so that a deal settled meanwhile
/// fails alone.
pub async fn settle(chain: &Chain, signer: &Keypair, deals: &[H256], now: u32) -> Result<Tally> {
	let mut calls = Vec::new();
	for id in deals {
		let Some(deal) = chain.deal(*id).await? else { continue };
		let DealState::Active(progress) = deal.state else { continue };
		let owed = progress.paid > progress.collected;
		if owed || progress.settled_through.saturating_add(1) < now {
			calls.push(depin::Call::Proofs(
				depin::runtime_types::pallet_proofs::pallet::Call::settle_deal { deal: *id },
			));
		}
	}
	let mut tally = Tally::default();
	if calls.is_empty() {
		return Ok(tally);
	}
	let included = chain
		.submit_until(&depin::tx().utility().force_batch(calls), signer, Wait::InBlock)
		.await?;
	tally.add_events(&included)?;
	Ok(tally)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_simulated_deal_costs_1_dpn_an_epoch_for_a_64_kib_sector() {
		let proposal = Proposal {
			client: sp_core::crypto::AccountId32::new([1; 32]),
			device: 0,
			root: H256::repeat_byte(1),
			chunks: 64,
			price_per_gib: PRICE_PER_GIB,
			activation_deadline: DEADLINE_BLOCKS,
			duration: DURATION,
			provider_collateral: PROVIDER_COLLATERAL,
			client_collateral: CLIENT_COLLATERAL,
		};
		assert_eq!(proposal.bytes(), super::super::SECTOR_BYTES as u64);
		assert_eq!(crate::deals::epoch_price_of(&proposal), Some(DPN));
		assert_eq!(crate::deals::client_hold(&proposal), Some(1_001 * DPN));
		assert!(crate::deals::check_terms(&proposal, 1).is_ok());
	}
}
