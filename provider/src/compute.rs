//! Compute proofs, the provider's side: the epoch's sequential workload really run, its
//! checkpoints committed under a Merkle root, and the segments the chain samples revealed with
//! one multiproof of their checkpoints — built with the chain's own [`work`] functions and statement types (`depin_primitives`), so the
//! runtime recomputes exactly what was run here.
//!
//! The daemon's cycle per epoch (see `DepinApi::compute_challenge`): when the device is
//! challenged, run `segments × segment_len` blake2 steps from the chain's start hash and
//! commit (`compute.commit_work`) before `reveal_at`; once the reveal seed is drawn, the
//! challenge lists the sampled segments; reveal them (`compute.reveal_work`) before the
//! deadline.

use anyhow::{anyhow, Context, Result};
use codec::Encode;
use depin_merkle::{Blake2, MerkleTree};
use depin_primitives::{
	compute::{
		CommitStatement, MaxSamples, MaxWorkTreeDepth, WorkChallenge, WorkCommit, WorkReveal,
		WorkStatus, COMMIT_CONTEXT,
	},
	work, DevicePair,
};
use sp_core::H256;

use crate::{
	chain::{bridge, BlockNumber, Chain, Wait},
	commands::error_name,
	depin,
};
use subxt_signer::sr25519::Keypair;

/// A reveal with the runtime's bounds (`MaxSamples`, `MaxTreeDepth`, which the runtime takes
/// from `depin_primitives` too).
pub type Reveal = WorkReveal<MaxSamples, MaxWorkTreeDepth>;

/// A workload run (or, for the simulator's cheaters, partly made up): its checkpoints and
/// their tree.
pub struct Workload {
	pub device: u64,
	pub epoch: u32,
	pub start: H256,
	pub segment_len: u32,
	pub checkpoints: Vec<[u8; 32]>,
	pub tree: MerkleTree<Blake2>,
	/// The segments really run (the first ones); the rest were made up.
	pub honest: u32,
}

impl Workload {
	/// Run the workload of `challenge`: `segments × segment_len` sequential hashes.
	pub fn run(device: u64, challenge: &WorkChallenge<BlockNumber>) -> Result<Self> {
		Self::run_partly(device, challenge, 1.0)
	}

	/// Run only the first `done` fraction of the segments and make up the remaining
	/// checkpoints, as a device skipping work would. The chain catches it when a sample
	/// lands in the made-up part (or on its first segment).
	pub fn run_partly(
		device: u64,
		challenge: &WorkChallenge<BlockNumber>,
		done: f64,
	) -> Result<Self> {
		let start = challenge.start.to_fixed_bytes();
		let honest = ((f64::from(challenge.segments) * done.clamp(0.0, 1.0)).round() as u32)
			.min(challenge.segments);
		let mut checkpoints = work::checkpoints::<Blake2>(&start, honest, challenge.segment_len);
		for i in honest..challenge.segments {
			checkpoints.push(sp_crypto_hashing::blake2_256(&(b"made up", device, i).encode()));
		}
		let leaves = checkpoints.iter().map(work::checkpoint_leaf::<Blake2>).collect();
		let tree = MerkleTree::from_leaves(leaves).ok_or_else(|| anyhow!("an empty workload"))?;
		Ok(Self {
			device,
			epoch: challenge.epoch,
			start: challenge.start,
			segment_len: challenge.segment_len,
			checkpoints,
			tree,
			honest,
		})
	}

	/// Whether revealing `sampled` would give a made-up checkpoint away: segment `s` ends at
	/// checkpoint `s`, made up from `honest` on.
	pub fn would_be_caught(&self, sampled: &[u32]) -> bool {
		sampled.iter().any(|&s| s >= self.honest)
	}

	pub fn root(&self) -> H256 {
		H256(self.tree.root())
	}

	/// The commitment, signed with the device key.
	pub fn commit(&self, genesis: H256, key: &DevicePair) -> WorkCommit {
		let statement = CommitStatement {
			device: self.device,
			epoch: self.epoch,
			root: self.root(),
			segments: self.checkpoints.len() as u32,
			segment_len: self.segment_len,
		};
		WorkCommit {
			device: self.device,
			epoch: self.epoch,
			root: self.root(),
			signature: key.sign_statement(COMMIT_CONTEXT, genesis, &statement),
		}
	}

	/// The reveal of the `sampled` segments.
	pub fn reveal(&self, sampled: &[u32]) -> Result<Reveal> {
		let (segments, proof) =
			work::reveal::<Blake2>(&self.start.0, &self.checkpoints, &self.tree, sampled)
				.ok_or_else(|| anyhow!("a sampled segment is not in the workload"))?;
		Ok(WorkReveal {
			device: self.device,
			epoch: self.epoch,
			segments: segments.try_into().map_err(|_| anyhow!("too many samples"))?,
			proof: proof.try_into().map_err(|_| anyhow!("a multiproof too long"))?,
		})
	}
}

/// A compute device the daemon or simulator works for.
pub struct Worker {
	pub device: u64,
	pub key: DevicePair,
	/// The fraction of each workload it really runs (1.0: honest).
	pub diligence: f64,
	/// This epoch's workload, once run.
	pub workload: Option<Workload>,
	/// The epoch a cheating device last kept its reveal back in.
	pub withheld_in: Option<u32>,
}

impl Worker {
	/// A worker for `device` with its `key`, running `diligence` (1.0: all) of each workload.
	pub fn new(device: u64, key: DevicePair, diligence: f64) -> Self {
		Self { device, key, diligence, workload: None, withheld_in: None }
	}
}

/// What one round of commitments and reveals came to.
#[derive(Default, Debug)]
pub struct Round {
	/// The epoch the items answered.
	pub epoch: Option<u32>,
	pub committed: u32,
	/// Audits passed (they earn nothing: compute rewards follow paid jobs).
	pub proven: u32,
	/// Time spent running workloads (each on one core).
	pub work: std::time::Duration,
	/// Devices caught faking work.
	pub faked: Vec<u64>,
	/// Cheating devices that saw the sample would catch them and did not reveal (the chain
	/// punishes that as a caught fake once the deadline has passed).
	pub withheld: Vec<u64>,
	/// `(device, pallet error)` of rejected items.
	pub rejected: Vec<(u64, String)>,
}

/// Commit and reveal for every worker whose challenge asks for it now: run and commit the
/// workloads still to be committed before the commit window closes, reveal the committed ones
/// once the chain has sampled them. Transactions wait for the best block only.
pub async fn round(chain: &Chain, signer: &Keypair, workers: &mut [Worker]) -> Result<Round> {
	let genesis = chain.genesis();
	let best = chain.best_number().await?;
	let mut round = Round::default();
	let mut commits = Vec::new();
	let mut reveals = Vec::new();
	for worker in workers.iter_mut() {
		let Some(challenge) = chain.compute_challenge(worker.device).await? else {
			continue;
		};
		if worker.workload.as_ref().is_some_and(|w| w.epoch != challenge.epoch) {
			worker.workload = None;
		}
		match challenge.status {
			WorkStatus::Challenged if best.saturating_add(1) < challenge.reveal_at => {
				if worker.workload.is_none() {
					let device = worker.device;
					let diligence = worker.diligence;
					let c = challenge.clone();
					let started = std::time::Instant::now();
					let workload = tokio::task::spawn_blocking(move || {
						Workload::run_partly(device, &c, diligence)
					})
					.await
					.context("the workload thread failed")??;
					round.work = round.work.saturating_add(started.elapsed());
					worker.workload = Some(workload);
				}
				if let Some(workload) = &worker.workload {
					commits.push(workload.commit(genesis, &worker.key));
					round.epoch = Some(challenge.epoch);
				}
			},
			WorkStatus::Committed(_) if !challenge.sampled.is_empty() => {
				if let Some(workload) = &worker.workload {
					round.epoch = Some(challenge.epoch);
					// A cheater that sees the public sample would catch it keeps quiet, the
					// cheapest way out if the chain let it.
					if worker.diligence < 1.0 && workload.would_be_caught(&challenge.sampled) {
						if worker.withheld_in != Some(challenge.epoch) {
							worker.withheld_in = Some(challenge.epoch);
							round.withheld.push(worker.device);
						}
						continue;
					}
					reveals.push(workload.reveal(&challenge.sampled)?);
				}
			},
			_ => {},
		}
	}
	if !commits.is_empty() {
		let call = depin::tx().compute().commit_work(bridge(&commits)?);
		let included = chain.submit_until(&call, signer, Wait::InBlock).await?;
		round.committed =
			included.events.find::<depin::compute::events::WorkCommitted>().count() as u32;
		collect_rejections(&included, &mut round)?;
	}
	if !reveals.is_empty() {
		let call = depin::tx().compute().reveal_work(bridge(&reveals)?);
		let included = chain.submit_until(&call, signer, Wait::InBlock).await?;
		for proven in included.events.find::<depin::compute::events::WorkProven>() {
			proven?;
			round.proven = round.proven.saturating_add(1);
		}
		for faked in included.events.find::<depin::compute::events::WorkFaked>() {
			round.faked.push(faked?.device);
		}
		collect_rejections(&included, &mut round)?;
	}
	Ok(round)
}

fn collect_rejections(included: &crate::chain::Included, round: &mut Round) -> Result<()> {
	for rejected in included.events.find::<depin::compute::events::ItemRejected>() {
		let rejected = rejected?;
		round.rejected.push((rejected.device, error_name(included, &rejected.error)));
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn challenge(segments: u32) -> WorkChallenge<BlockNumber> {
		WorkChallenge {
			epoch: 3,
			start: H256::repeat_byte(1),
			segments,
			segment_len: 8,
			reveal_at: 10,
			deadline: 12,
			status: WorkStatus::Challenged,
			sampled: vec![],
			consecutive_faults: 0,
		}
	}

	#[test]
	fn a_workload_chains_its_segments_from_the_start() {
		let workload = Workload::run(7, &challenge(5)).unwrap();
		assert_eq!(workload.checkpoints.len(), 5);
		let mut h = [1u8; 32];
		for checkpoint in &workload.checkpoints {
			h = work::iterate::<Blake2>(&h, 8);
			assert_eq!(*checkpoint, h);
		}
		let reveal = workload.reveal(&[0, 4]).unwrap();
		assert_eq!(reveal.segments[0].start, H256::repeat_byte(1));
		assert_eq!(reveal.segments[1].start, H256(workload.checkpoints[3]));
		// Checkpoints 0, 3 and 4 of a tree of depth 3, proven by 4 hashes (their three paths
		// would be 9), as the runtime checks them.
		assert_eq!(reveal.proof.len(), 4);
		let opened = reveal.segments.iter().map(|s| (s.index, s.start.0, s.end.0));
		let leaves = work::revealed_leaves::<Blake2>(opened).unwrap();
		assert_eq!(leaves.iter().map(|(p, _)| *p).collect::<Vec<_>>(), vec![0, 3, 4]);
		let proof: Vec<[u8; 32]> = reveal.proof.iter().map(|h| h.0).collect();
		assert_eq!(
			depin_merkle::root_from_multiproof::<Blake2>(&leaves, 3, &proof),
			Some(workload.root().0)
		);
	}

	#[test]
	fn a_partial_workload_makes_up_the_rest() {
		let honest = Workload::run(7, &challenge(10)).unwrap();
		let lazy = Workload::run_partly(7, &challenge(10), 0.5).unwrap();
		assert_eq!(lazy.checkpoints[..5], honest.checkpoints[..5]);
		assert_ne!(lazy.checkpoints[5], honest.checkpoints[5]);
		assert_ne!(lazy.root(), honest.root());
	}
}
