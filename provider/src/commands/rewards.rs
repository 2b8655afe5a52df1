//! Rewards: claiming them, and a device's reward receipts.

use anyhow::{anyhow, Result};
use serde_json::json;
use subxt_signer::sr25519::Keypair;

use super::kind_name;
use crate::{
	chain::{Chain, Wait},
	depin,
	report::{dpn, Report},
};

/// Claim everything the given devices (all of the signer's if empty) have earned: one call per
/// device with something to pay, whatever the number of epochs (the chain settles rewards
/// lazily), waiting for the claim as `wait` says.
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
		let pending = chain.pending_rewards(device).await?;
		// An ended epoch worth nothing (its share rounded to 0, or no fees burned) is settled
		// by a claim too: until then it keeps the device from being removed.
		let unsettled = pending.total == 0
			&& chain
				.reward_receipts(device)
				.await?
				.iter()
				.any(|r| matches!(r.status, depin_runtime_api::RewardStatus::Claimable { .. }));
		if pending.total > 0 || unsettled {
			calls.push(depin::Call::Emission(
				depin::runtime_types::pallet_emission::pallet::Call::claim { device },
			));
			expected = expected.saturating_add(pending.total);
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
			"amount": event.amount.to_string(),
		}));
	}
	Ok(Report::new(
		format!(
			"claimed the rewards of {count} device(s): {} (in block {:?})",
			dpn(total),
			included.block
		),
		json!({ "claimed": claimed, "total": total.to_string(), "expected": expected.to_string() }),
	))
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
			depin_runtime_api::RewardStatus::Accrued => "in its balance".into(),
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
