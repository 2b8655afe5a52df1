//! Coverage: the beacon roster and the beacons of the epoch in progress.

use anyhow::Result;
use serde_json::json;
use subxt_signer::sr25519::Keypair;

use crate::{
	chain::{Chain, Wait},
	depin,
	report::Report,
};

/// Put a coverage device in the beacon roster (`join`) or take it out.
pub async fn coverage_roster(
	chain: &Chain,
	signer: &Keypair,
	device: u64,
	join: bool,
) -> Result<Report> {
	let included = if join {
		chain
			.submit_roster_change(&depin::tx().coverage().join(device), signer, Wait::Finalized)
			.await?
	} else {
		chain
			.submit_roster_change(&depin::tx().coverage().leave(device), signer, Wait::Finalized)
			.await?
	};
	let (verb, event) = if join { ("joined", "joined") } else { ("left", "left") };
	Ok(Report::new(
		format!("device {device} {verb} the beacon roster (in block {:?})", included.block),
		json!({ "event": event, "device": device, "block": format!("{:?}", included.block) }),
	))
}

/// The beacons recorded in the epoch in progress: who beaconed, who witnessed.
pub async fn coverage_beacons(chain: &Chain) -> Result<Report> {
	let beacons = chain.coverage_beacons().await?;
	let epoch = chain.epoch().await?;
	let mut lines = vec![format!("epoch {}: {} beacon(s) recorded", epoch.index, beacons.len())];
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
