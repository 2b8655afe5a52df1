//! Sequential work, the same code on chain and in provider tools (no_std, no allocation on
//! the verifying side).
//!
//! A device's workload in an epoch is a hash chain: `h_0 = work_start(seed, device, epoch)`,
//! `h_{i+1} = blake2_256(h_i)`, for `steps = segments × segment_len` steps. It commits to the
//! checkpoints `h_{M}, h_{2M}, …, h_{segments·M}` (M = `segment_len`) as the leaves
//! `blake2_256(0x02 ‖ h)` of a Merkle tree (`depin_merkle`'s node hashing, padded with empty
//! leaves). After the commitment, randomness the device could not know picks `s` segments;
//! for each, it reveals the checkpoints at both ends with their paths, and the verifier
//! recomputes the `M` steps between them.
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
