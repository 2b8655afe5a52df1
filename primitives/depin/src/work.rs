//! Sequential work, the same code on chain and in provider tools (no_std, no allocation on
//! the verifying side).
//!
//! A device's workload in an epoch is a hash chain: `h_0 = work_start(seed, device, epoch)`,
//! `h_{i+1} = blake2_256(h_i)`, for `steps = segments × segment_len` steps. It commits to the
//! checkpoints `h_{M}, h_{2M}, …, h_{segments·M}` (M = `segment_len`) as the leaves
//! `blake2_256(0x02 ‖ h)` of a Merkle tree (`depin_merkle`'s node hashing, padded with empty
//! leaves). After the commitment, randomness the device could not know picks `s` segments;
//! for each, it reveals the checkpoints at both ends, all of them proven by one Merkle
//! multiproof ([`revealed_leaves`]), and the verifier recomputes the `M` steps between them.
//!
//! Each step needs the previous one, so the work cannot be spread over more cores, and a
//! device that skipped a fraction `f` of the segments (committing checkpoints it did not
//! compute) is caught with probability `1 − (1 − f)^s`.

use codec::Encode;

pub use depin_merkle::{Hash, Hasher};

/// Domain of a workload's first hash.
pub const START_DOMAIN: &[u8] = b"depin/compute/start";
/// Domain of the sampled segments.
pub const SAMPLE_DOMAIN: &[u8] = b"depin/compute/sample";
/// Leaf prefix of a checkpoint (storage leaves use 0x00, nodes 0x01).
pub const CHECKPOINT_LEAF: u8 = 0x02;
/// Domain of the audit draw.
pub const AUDIT_DOMAIN: &[u8] = b"depin/compute/audit";
pub use crate::BILLION;

/// The first hash of `device`'s workload in `epoch`.
pub fn work_start<H: Hasher>(seed: &Hash, device: u64, epoch: u32) -> Hash {
	H::hash(&(START_DOMAIN, seed, device, epoch).encode())
}

/// `steps` sequential hashes from `start`.
pub fn iterate<H: Hasher>(start: &Hash, steps: u32) -> Hash {
	let mut h = *start;
	for _ in 0..steps {
		h = H::hash(&h);
	}
	h
}

/// Whether `device` is audited in `epoch`: drawn from the epoch's seed with probability
/// `rate_ppb` parts per billion ([`crate::drawn`] under [`AUDIT_DOMAIN`]).
pub fn audited<H: Hasher>(seed: &Hash, device: u64, epoch: u32, rate_ppb: u32) -> bool {
	crate::drawn::<H>(AUDIT_DOMAIN, seed, device, epoch, rate_ppb)
}

/// The Merkle leaf of a checkpoint.
pub fn checkpoint_leaf<H: Hasher>(checkpoint: &Hash) -> Hash {
	let mut data = [0u8; 33];
	data[0] = CHECKPOINT_LEAF;
	data[1..].copy_from_slice(checkpoint);
	H::hash(&data)
}

/// The checkpoints a reveal opens, as the leaves of its multiproof
/// (`depin_merkle::root_from_multiproof`): each segment `(index, start, end)` opens checkpoint
/// `index` (its end) and checkpoint `index - 1` (its start; segment 0 starts at the
/// workload's start, which is not in the tree). In ascending position, each once; `None` if
/// a checkpoint is revealed with two values.
pub fn revealed_leaves<H: Hasher>(
	segments: impl IntoIterator<Item = (u32, Hash, Hash)>,
) -> Option<alloc::vec::Vec<(u32, Hash)>> {
	let mut opened = alloc::vec::Vec::new();
	for (index, start, end) in segments {
		if let Some(previous) = index.checked_sub(1) {
			opened.push((previous, start));
		}
		opened.push((index, end));
	}
	opened.sort_by_key(|(position, _)| *position);
	opened.dedup();
	if opened.windows(2).any(|pair| matches!(pair, [(a, _), (b, _)] if a == b)) {
		return None;
	}
	Some(
		opened
			.into_iter()
			.map(|(position, checkpoint)| (position, checkpoint_leaf::<H>(&checkpoint)))
			.collect(),
	)
}

/// The `i`-th sampled segment of `segments`: the first 8 bytes (LE) of
/// `blake2_256(SAMPLE_DOMAIN ‖ reveal_seed ‖ device ‖ root ‖ i)` modulo `segments`.
pub fn sample_segment<H: Hasher>(
	reveal_seed: &Hash,
	device: u64,
	root: &Hash,
	i: u32,
	segments: u32,
) -> Option<u32> {
	crate::hash_index::<H>(&(SAMPLE_DOMAIN, reveal_seed, device, root, i).encode(), segments)
}

/// Probability (parts per million) that `s` sampled segments catch a device that faked a
/// fraction `faked_ppm` (parts per million) of them: `1 − (1 − f)^s`, for the docs and tests.
#[cfg(feature = "std")]
pub fn detection_probability(faked: f64, samples: u32) -> f64 {
	1.0 - (1.0 - faked).powi(samples as i32)
}

/// The device's side of a reveal (tools only): the segments at `sampled` of the workload from
/// `start` whose checkpoints are `checkpoints` (and `tree` their tree), and the multiproof of
/// the checkpoints they open; `None` if a sample is out of range.
#[cfg(feature = "std")]
pub fn reveal<H: Hasher>(
	start: &Hash,
	checkpoints: &[Hash],
	tree: &depin_merkle::MerkleTree<H>,
	sampled: &[u32],
) -> Option<(Vec<crate::compute::RevealedSegment>, Vec<sp_core::H256>)> {
	let segments = sampled
		.iter()
		.map(|&index| {
			let start = match index.checked_sub(1) {
				None => *start,
				Some(previous) => *checkpoints.get(previous as usize)?,
			};
			Some((index, start, *checkpoints.get(index as usize)?))
		})
		.collect::<Option<Vec<_>>>()?;
	let positions: Vec<u32> =
		revealed_leaves::<H>(segments.iter().copied())?.into_iter().map(|(p, _)| p).collect();
	let proof = tree.multiproof(&positions)?.into_iter().map(sp_core::H256).collect();
	let segments = segments
		.into_iter()
		.map(|(index, start, end)| crate::compute::RevealedSegment {
			index,
			start: start.into(),
			end: end.into(),
		})
		.collect();
	Some((segments, proof))
}

/// All checkpoints of a workload (tools only: this is the work itself).
#[cfg(feature = "std")]
pub fn checkpoints<H: Hasher>(start: &Hash, segments: u32, segment_len: u32) -> Vec<Hash> {
	let mut out = Vec::with_capacity(segments as usize);
	let mut h = *start;
	for _ in 0..segments {
		h = iterate::<H>(&h, segment_len);
		out.push(h);
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::RuntimeHasher as H;

	#[test]
	fn a_reveal_opens_each_checkpoint_once_and_refuses_one_with_two_values() {
		let c = |i: u8| [i; 32];
		let leaf = |i: u8| checkpoint_leaf::<H>(&c(i));
		// Segment 0 opens only its end; segments 3 and 4 share checkpoint 3.
		let opened = revealed_leaves::<H>([(4, c(3), c(4)), (0, c(99), c(0)), (3, c(2), c(3))]);
		assert_eq!(opened, Some(vec![(0, leaf(0)), (2, leaf(2)), (3, leaf(3)), (4, leaf(4))]));
		// The same segment twice is the same checkpoints.
		assert_eq!(
			revealed_leaves::<H>([(1, c(0), c(1)), (1, c(0), c(1))]).map(|l| l.len()),
			Some(2)
		);
		// Checkpoint 3 as segment 3's end and segment 4's start, with two values.
		assert_eq!(revealed_leaves::<H>([(3, c(2), c(3)), (4, c(7), c(4))]), None);
	}

	#[test]
	fn the_audit_draw_follows_its_rate_and_differs_by_epoch_and_device() {
		let seed = [9u8; 32];
		let drawn = |rate: u32, epoch: u32| {
			(0..10_000u64).filter(|&device| audited::<H>(&seed, device, epoch, rate)).count()
		};
		// A quarter of 10,000 devices, within five standard deviations (about 43).
		let quarter = drawn(250_000_000, 1);
		assert!((2_280..=2_720).contains(&quarter), "{quarter}");
		assert_eq!(drawn(0, 1), 0);
		assert_eq!(drawn(1_000_000_000, 1), 10_000);
		assert_eq!(drawn(u32::MAX, 1), 10_000);
		// Another epoch draws other devices.
		let both = (0..10_000u64)
			.filter(|&d| audited::<H>(&seed, d, 1, 250_000_000))
			.filter(|&d| audited::<H>(&seed, d, 2, 250_000_000))
			.count();
		assert!(both < 1_000, "{both}");
		// Another seed too.
		let other = (0..10_000u64)
			.filter(|&d| audited::<H>(&seed, d, 1, 250_000_000))
			.filter(|&d| audited::<H>(&[8; 32], d, 1, 250_000_000))
			.count();
		assert!(other < 1_000, "{other}");
	}
}
