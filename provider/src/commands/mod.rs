//! The commands of `depin-provider`, one function each, returning a
//! [`Report`](crate::report::Report).

mod compute;
mod coverage;
mod deals;
mod devices;
mod jobs;
mod keys;
mod permanent;
mod rewards;
mod sensor;
mod status;
mod storage;
mod store;
mod trade;

use std::{path::PathBuf, time::Duration};

use anyhow::{bail, Result};
use depin_primitives::device::{DeviceKind, DeviceStatus};

use crate::{
	chain::{Chain, Included},
	depin,
	keystore::Keystore,
	sector::Sectors,
};

pub use compute::{compute_calibrate, compute_challenge, compute_enrolment, compute_prove};
pub use coverage::{coverage_beacons, coverage_roster};
pub use deals::{
	deal_list, deal_propose, deal_publish, deal_settle, deal_show, deal_terminate,
	publish as publish_deals, Publication, Refusal, Terms,
};
pub use devices::{parse_account, parse_cell, register, registration, DeviceSpec, Kind};
pub use jobs::{job_action, job_open, job_show, job_sign, job_submit, JobAction};
pub use keys::{keys_generate, keys_import, keys_list};
pub use permanent::{
	deal_take, endow, permanent_propose, permanent_show, quote, Endowed, PermanentTerms, Quote,
};
pub use rewards::{claim, rewards};
pub use sensor::{
	area_of, attested, certificate, find_record, quality_text, revealed, schema_text,
	sensor_attest, sensor_certify, sensor_close, sensor_enroll, sensor_fetch, sensor_reveal,
	sensor_status, sensor_subscribe, sensor_withdraw, AttestOutcome, AttestedEvent,
	CertificateSource, Order, Readings, Record, Rejected, RevealOutcome, Sale,
};
pub use status::status;
pub use storage::{
	check_can_commit, commit_tree, daemon, hash_data, load_sectors, prove_round, storage_commit,
	Hashed, Round,
};
pub use store::{deal_bench, deal_retrieve, deal_store, read_manifest, Offer, Placement};
pub use trade::{
	offer, trade_action, trade_json, trade_offer, trade_show, trade_text, traded, Settled,
	TradeAction, TradeOrder, TradeOutcome,
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

/// Report a daemon's `round` (storage, coverage, compute) that failed at block `block`: the
/// next block's round tries again (its challenges are still unanswered, its workloads kept).
pub fn round_failed(
	log: &mut dyn FnMut(serde_json::Value, String),
	block: u64,
	round: &str,
	error: &anyhow::Error,
) {
	log(
		serde_json::json!({ "event": "roundFailed", "round": round, "block": block, "error": format!("{error:#}") }),
		format!("#{block}: the {round} round failed, trying again at the next block: {error:#}"),
	);
}

pub fn kind_name(kind: DeviceKind) -> &'static str {
	match kind {
		DeviceKind::Storage => "storage",
		DeviceKind::Coverage => "coverage",
		DeviceKind::Compute => "compute",
		DeviceKind::Sensor => "sensor",
	}
}

pub fn status_name(status: &DeviceStatus<u32>) -> String {
	match status {
		DeviceStatus::Active => "active".into(),
		DeviceStatus::Suspended => "suspended".into(),
		DeviceStatus::Retired { unbonds_at } => format!("retired (unbonds at #{unbonds_at})"),
	}
}

/// The name of an error an event carries (`Pallet.Error`), looked up in the metadata of the
/// block it happened in.
pub fn error_name(
	included: &Included,
	error: &depin::runtime_types::sp_runtime::DispatchError,
) -> String {
	error_text(included, error, false)
}

/// The error an event carries, looked up in the metadata of the block it happened in: its name
/// (`Pallet.Error`), or `with_docs` in words as [`crate::chain::explain_dispatch`] puts a failed
/// call's (`pallet.Error: what its documentation says`).
pub fn error_text(
	included: &Included,
	error: &depin::runtime_types::sp_runtime::DispatchError,
	with_docs: bool,
) -> String {
	let depin::runtime_types::sp_runtime::DispatchError::Module(module) = error else {
		return format!("{error:?}");
	};
	let (pallet, index) = (module.index, module.error[0]);
	included
		.metadata
		.pallet_by_error_index(pallet)
		.and_then(|p| {
			p.error_variant_by_index(index).map(|v| {
				if with_docs {
					let docs = v.docs.join(" ");
					format!("{}.{}: {}", crate::chain::lower_first(p.name()), v.name, docs.trim())
				} else {
					format!("{}.{}", p.name(), v.name)
				}
			})
		})
		.unwrap_or_else(|| format!("error {index} of pallet {pallet}"))
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
