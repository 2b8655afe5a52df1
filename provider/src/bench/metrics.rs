//! What one block carried and cost: read from the chain (its body, its events, the weight the
//! runtime recorded for it) once it is imported.

use anyhow::{Context, Result};
use serde::Serialize;
use sp_core::H256;
use subxt::rpcs::rpc_params;

use crate::{chain::Chain, depin};

/// One block, as the harness reports it.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockRecord {
	pub number: u32,
	/// Its BABE slot (6 s each), from its timestamp: a gap before it is a missed slot.
	pub slot: u64,
	/// Signed extrinsics (inherents aside).
	pub extrinsics: u32,
	/// The encoded length of all its extrinsics, bytes.
	pub length: u64,
	/// Of the normal class's length limit.
	pub length_percent: f64,
	/// Weight used per class, picoseconds of execution.
	pub weight_normal: u64,
	pub weight_operational: u64,
	pub weight_mandatory: u64,
	/// Of the normal class's limit (proofs are operational: they can exceed 100 % of it).
	pub weight_normal_percent: f64,
	pub weight_operational_percent: f64,
	/// The hooks' (mandatory class), of the normal class's limit.
	pub weight_mandatory_percent: f64,
	/// The transactions' (normal and operational), of the normal class's limit: what the
	/// issue's budget is stated against.
	pub weight_percent: f64,
	/// Storage proofs accepted and refused (items of batches).
	pub storage_proofs: u32,
	pub rejected: u32,
	/// Balance transfers.
	pub transfers: u32,
	/// Coverage beacons recorded and witness receipts accepted; bundles refused as a whole,
	/// and receipts refused.
	pub beacons: u32,
	pub receipts: u32,
	pub bundles_rejected: u32,
	pub receipts_rejected: u32,
	/// Compute commitments accepted, reveals that passed their audit, and items of either
	/// refused.
	pub commits: u32,
	pub reveals: u32,
	pub compute_rejected: u32,
}

/// The limits a block's use is measured against.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
	pub normal_weight: u64,
	pub operational_weight: u64,
	pub normal_length: u32,
}

/// The runtime's block limits (`System::BlockWeights`, `System::BlockLength`).
pub async fn limits(chain: &Chain) -> Result<Limits> {
	let at = chain.client.at_current_block().await.context("cannot read the chain")?;
	let weights = at
		.constants()
		.entry(depin::constants().system().block_weights())
		.context("the runtime has no block weights")?;
	let length = at
		.constants()
		.entry(depin::constants().system().block_length())
		.context("the runtime has no block length")?;
	let max = weights.max_block.ref_time;
	let total = |class: &Option<depin::runtime_types::sp_weights::weight_v2::Weight>| {
		class.as_ref().map_or(max, |w| w.ref_time)
	};
	Ok(Limits {
		normal_weight: total(&weights.per_class.normal.max_total),
		operational_weight: total(&weights.per_class.operational.max_total),
		normal_length: length.max.normal,
	})
}

fn percent(part: u64, whole: u64) -> f64 {
	if whole == 0 {
		0.0
	} else {
		part as f64 * 100.0 / whole as f64
	}
}

/// The record of block `number` of the best chain, if there is one.
pub async fn record(chain: &Chain, number: u32, limits: Limits) -> Result<Option<BlockRecord>> {
	let hash: Option<H256> = chain
		.rpc
		.request("chain_getBlockHash", rpc_params![number])
		.await
		.context("cannot read a block hash")?;
	let Some(hash) = hash else { return Ok(None) };
	let at = chain.client.at_block(hash).await.context("cannot read a block")?;
	let mut record = BlockRecord { number, ..Default::default() };
	let extrinsics = at.extrinsics().fetch().await.context("cannot read a block's body")?;
	for extrinsic in extrinsics.iter() {
		let extrinsic = extrinsic.context("cannot decode an extrinsic")?;
		record.length = record.length.saturating_add(extrinsic.bytes().len() as u64);
		if extrinsic.is_signed() {
			record.extrinsics = record.extrinsics.saturating_add(1);
		}
	}
	let now = at
		.storage()
		.fetch(depin::storage().timestamp().now(), ())
		.await
		.context("cannot read the block's time")?
		.decode()
		.context("cannot decode the block's time")?;
	record.slot = now.checked_div(6_000).unwrap_or_default();
	let weight = at
		.storage()
		.fetch(depin::storage().system().block_weight(), ())
		.await
		.context("cannot read the block's weight")?
		.decode()
		.context("cannot decode the block's weight")?;
	record.weight_normal = weight.normal.ref_time;
	record.weight_operational = weight.operational.ref_time;
	record.weight_mandatory = weight.mandatory.ref_time;
	record.weight_normal_percent = percent(record.weight_normal, limits.normal_weight);
	record.weight_operational_percent =
		percent(record.weight_operational, limits.operational_weight);
	record.weight_mandatory_percent = percent(record.weight_mandatory, limits.normal_weight);
	record.weight_percent = percent(
		record.weight_normal.saturating_add(record.weight_operational),
		limits.normal_weight,
	);
	record.length_percent = percent(record.length, u64::from(limits.normal_length));
	let events = at.events().fetch().await.context("cannot read a block's events")?;
	for event in events.iter() {
		let event = event.context("cannot decode an event")?;
		let count = match (event.pallet_name(), event.event_name()) {
			("Proofs", "StorageProofAccepted") => &mut record.storage_proofs,
			("Proofs", "ItemRejected") => &mut record.rejected,
			("Balances", "Transfer") => &mut record.transfers,
			("Coverage", "BeaconRecorded") => &mut record.beacons,
			("Coverage", "WitnessAccepted") => &mut record.receipts,
			("Coverage", "ItemRejected") => &mut record.bundles_rejected,
			("Coverage", "WitnessRejected") => &mut record.receipts_rejected,
			("Compute", "WorkCommitted") => &mut record.commits,
			("Compute", "WorkProven") => &mut record.reveals,
			("Compute", "ItemRejected") => &mut record.compute_rejected,
			_ => continue,
		};
		*count = count.saturating_add(1);
	}
	Ok(Some(record))
}
