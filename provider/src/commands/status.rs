//! Status: the signer's devices, their proving record and rewards waiting.

use anyhow::Result;
use serde_json::{json, Value};
use subxt_signer::sr25519::Keypair;

use super::{kind_name, status_name};
use crate::{
	chain::{Chain, ChainDevice},
	keystore::public_hex,
	report::{dpn, Report},
};

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
	proofs: Option<&depin_primitives::storage::ProofStatus>,
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
