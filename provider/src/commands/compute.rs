//! Compute: enrolment for capacity challenges, and running, committing and revealing the
//! workloads.

use anyhow::{anyhow, bail, Context, Result};
use depin_primitives::compute::WorkStatus;
use serde_json::{json, Value};
use subxt_signer::sr25519::Keypair;

use super::Home;
use crate::{chain::Chain, depin, report::Report};

/// Enroll a compute device for capacity challenges (`enroll`) or withdraw it.
pub async fn compute_enrolment(
	chain: &Chain,
	signer: &Keypair,
	device: u64,
	enroll: bool,
) -> Result<Report> {
	let included = if enroll {
		chain.submit(&depin::tx().compute().enroll(device), signer).await?
	} else {
		chain.submit(&depin::tx().compute().withdraw(device), signer).await?
	};
	let first = included
		.events
		.find_first::<depin::compute::events::Enrolled>()
		.transpose()?
		.map(|e| e.first_challenge);
	let text = match first {
		Some(epoch) => format!("device {device} enrolled; challenged from epoch {epoch}"),
		None => format!("device {device} withdrawn"),
	};
	Ok(Report::new(
		text,
		json!({
			"event": if enroll { "enrolled" } else { "withdrawn" },
			"device": device,
			"firstChallenge": first,
			"block": format!("{:?}", included.block),
		}),
	))
}

/// What one unit of declared capacity costs this machine: the workload of `units` units run as
/// a device runs it when audited (`SEGMENTS_PER_UNIT × SEGMENT_LENGTH` sequential blake2-256
/// steps a unit on one core, and the Merkle tree over its checkpoints), timed. Reports the
/// steps per second, the seconds a unit costs, and the most units this machine can prove
/// within a commit window of `window_seconds`. Offline: it needs no chain.
pub fn compute_calibrate(units: u32, window_seconds: f64) -> Result<Report> {
	use depin_primitives::compute::{WorkChallenge, SEGMENTS_PER_UNIT, SEGMENT_LENGTH};
	if units == 0 {
		bail!("--units must be at least 1");
	}
	let segments = units
		.checked_mul(SEGMENTS_PER_UNIT)
		.filter(|&s| u64::from(s) <= 1u64 << depin_primitives::compute::MAX_WORK_TREE_DEPTH)
		.ok_or_else(|| anyhow!("{units} units are more segments than a workload may have"))?;
	let challenge = WorkChallenge::<crate::chain::BlockNumber> {
		epoch: 1,
		start: sp_core::H256([7; 32]),
		segments,
		segment_len: SEGMENT_LENGTH,
		reveal_at: 0,
		deadline: 0,
		status: WorkStatus::Challenged,
		sampled: Vec::new(),
		consecutive_faults: 0,
	};
	let began = std::time::Instant::now();
	let workload = crate::compute::Workload::run(0, &challenge)?;
	let seconds = began.elapsed().as_secs_f64().max(f64::EPSILON);
	let steps = u64::from(segments) * u64::from(SEGMENT_LENGTH);
	let per_second = steps as f64 / seconds;
	let unit_seconds = seconds / f64::from(units);
	let most_units = (window_seconds / unit_seconds).floor();
	Ok(Report::new(
		format!(
			"{units} unit(s): {steps} sequential blake2-256 steps ({segments} segments of \
			 {SEGMENT_LENGTH}) and their tree in {seconds:.3} s on one core: {:.2} M steps/s, \
			 {unit_seconds:.4} s a unit; a {window_seconds:.0} s commit window holds {most_units} \
			 unit(s) (root 0x{})",
			per_second / 1e6,
			hex::encode(workload.root()),
		),
		json!({
			"units": units,
			"segmentsPerUnit": SEGMENTS_PER_UNIT,
			"segmentLength": SEGMENT_LENGTH,
			"maxTreeDepth": depin_primitives::compute::MAX_WORK_TREE_DEPTH,
			"steps": steps,
			"seconds": seconds,
			"stepsPerSecond": per_second,
			"unitSeconds": unit_seconds,
			"windowSeconds": window_seconds,
			"unitsInWindow": most_units,
		}),
	))
}

/// A compute device's challenge in the epoch in progress.
pub async fn compute_challenge(chain: &Chain, device: u64) -> Result<Report> {
	let Some(c) = chain.compute_challenge(device).await? else {
		bail!("device {device} is not enrolled for capacity challenges (`compute enroll`)");
	};
	let status = match c.status {
		WorkStatus::NotChallenged => "not challenged".to_string(),
		WorkStatus::Challenged => "challenged, not committed".to_string(),
		WorkStatus::Committed(w) => {
			format!("committed to 0x{}", hex::encode(w.root))
		},
		WorkStatus::Proven => "proven".to_string(),
		WorkStatus::Faked => "caught faking work".to_string(),
	};
	Ok(Report::new(
		format!(
			"epoch {}: {} segments of {} steps from 0x{}; commit before block {}, reveal by {}; \
			 {status}; sampled {:?}; {} consecutive fault(s)",
			c.epoch,
			c.segments,
			c.segment_len,
			hex::encode(c.start),
			c.reveal_at,
			c.deadline,
			c.sampled,
			c.consecutive_faults
		),
		json!({
			"epoch": c.epoch,
			"start": format!("0x{}", hex::encode(c.start)),
			"segments": c.segments,
			"segmentLength": c.segment_len,
			"revealAt": c.reveal_at,
			"deadline": c.deadline,
			"status": status,
			"sampled": c.sampled,
			"consecutiveFaults": c.consecutive_faults,
		}),
	))
}

/// Run, commit and reveal the workloads of `devices` every epoch, until `epochs` epochs have
/// been proven (forever if `None`).
pub async fn compute_prove(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	devices: &[u64],
	epochs: Option<u32>,
	mut log: impl FnMut(Value, String),
) -> Result<Report> {
	let store = home.keystore()?;
	let mut workers = Vec::new();
	for &device in devices {
		let on_chain = chain
			.device(device)
			.await?
			.ok_or_else(|| anyhow!("device {device} is not registered"))?;
		let (_, key) = store.find(&on_chain.key).ok_or_else(|| {
			anyhow!("the key of device {device} is not in the keystore ({})", home.0.display())
		})?;
		if chain.compute_challenge(device).await?.is_none() {
			bail!("device {device} is not enrolled for capacity challenges (`compute enroll`)");
		}
		workers.push(crate::compute::Worker::new(device, key, 1.0));
	}
	let mut proven_epochs = 0u32;
	let mut totals = (0u32, 0u32);
	let mut blocks = chain.client.stream_best_blocks().await.context("cannot follow the chain")?;
	while let Some(block) = blocks.next().await {
		let number = block.map_err(|e| anyhow!("lost the chain: {e}"))?.number();
		// A round that fails is reported and tried again at the next block: the workers keep
		// their workloads, so a commitment or a reveal still due goes out then.
		let round = match crate::compute::round(chain, signer, &mut workers).await {
			Ok(round) => round,
			Err(error) => {
				super::round_failed(&mut log, number, "compute", &error);
				continue;
			},
		};
		if round.committed > 0 {
			log(
				json!({ "event": "committed", "block": number, "epoch": round.epoch, "devices": round.committed }),
				format!("#{number}: {} workload(s) run and committed", round.committed),
			);
		}
		for (device, error) in &round.rejected {
			log(
				json!({ "event": "rejected", "block": number, "device": device, "error": error }),
				format!("#{number}: device {device} rejected: {error}"),
			);
		}
		if round.proven > 0 || !round.faked.is_empty() {
			totals.0 = totals.0.saturating_add(round.proven);
			totals.1 = totals.1.saturating_add(round.faked.len() as u32);
			proven_epochs = proven_epochs.saturating_add(1);
			log(
				json!({
					"event": "proved",
					"block": number,
					"epoch": round.epoch,
					"proven": round.proven,
					"faked": round.faked,
				}),
				format!("#{number}: {} workload(s) proven (audits passed)", round.proven),
			);
			if epochs.is_some_and(|e| proven_epochs >= e) {
				break;
			}
		}
	}
	Ok(Report::new(
		format!(
			"{proven_epochs} epoch(s): {} workloads proven (capacity audits earn nothing: compute \
			 rewards follow paid jobs)",
			totals.0
		),
		json!({ "epochs": proven_epochs, "proven": totals.0, "faked": totals.1 }),
	))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn calibration_times_the_workload_of_the_units_asked_for_and_refuses_impossible_ones() {
		let report = compute_calibrate(1, 24.0).expect("one unit runs");
		let steps = u64::from(depin_primitives::compute::SEGMENTS_PER_UNIT)
			* u64::from(depin_primitives::compute::SEGMENT_LENGTH);
		assert_eq!(report.json["steps"].as_u64(), Some(steps));
		assert!(report.json["unitSeconds"].as_f64().is_some_and(|s| s > 0.0));
		let refusal = |units| compute_calibrate(units, 24.0).err().expect("refused").to_string();
		let error = refusal(0);
		assert!(error.contains("--units must be at least 1"), "{error}");
		let error = refusal(u32::MAX);
		assert!(error.contains("more segments than a workload may have"), "{error}");
		// Past 2^22 segments: 2,049 units of 2,048.
		assert_eq!(report.json["maxTreeDepth"].as_u64(), Some(22));
		assert!(refusal(2_049).contains("more segments than a workload may have"));
	}
}
