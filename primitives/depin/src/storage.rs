//! Storage proofs: sectors, their challenges and the proofs that answer them.
//!
//! A storage device commits a sector as the Merkle root of its chunks (`depin_merkle`). In each
//! epoch its seed audits ([`audited`], at the chain's audit rate) the chain challenges every
//! live sector of the device: [`challenge`] mixes the epoch's seed with the
//! device, the sector and its root, and [`challenge_indices`] picks the chunks to reveal. The
//! device answers with the chunks and their paths, and signs a [`StorageProofStatement`].

use crate::{
	device::{DeviceId, DeviceSignature},
	envelope::Domain,
	epoch::EpochIndex,
	RuntimeHasher,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use derive_where::derive_where;
use scale_info::TypeInfo;
use sp_core::{ConstU32, Get, H256};
use sp_runtime::BoundedVec;

pub use depin_merkle::{Chunk, CHUNK_SIZE};

/// The most chunks one sector is challenged on in an epoch: the bound of
/// [`StorageProof::chunks`] in the runtime (`MaxChallengesPerSector`) and in provider tools.
pub const MAX_CHALLENGES_PER_SECTOR: u32 = 8;

/// The deepest sector tree (2^30 chunks of 1 KiB: 1 TiB a sector): the bound of
/// [`ChunkProof::path`] in the runtime (`MaxTreeDepth`) and in provider tools.
pub const MAX_TREE_DEPTH: u32 = 30;

/// [`MAX_CHALLENGES_PER_SECTOR`] as a type.
pub type MaxChallengesPerSector = ConstU32<MAX_CHALLENGES_PER_SECTOR>;

/// [`MAX_TREE_DEPTH`] as a type.
pub type MaxTreeDepth = ConstU32<MAX_TREE_DEPTH>;

/// A sector's number within its device (never reused by that device).
pub type SectorIndex = u32;

/// A committed sector: a Merkle root over `chunks` chunks of [`CHUNK_SIZE`] bytes.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Sector {
	/// The root of the tree (see `depin_merkle`).
	pub root: H256,
	/// The number of chunks (leaves).
	pub chunks: u32,
	/// The epoch it counts as committed in: the epoch of its block, or the next one if that
	/// was the epoch's last block (whose VRF output seeds the next epoch's challenges). It is
	/// challenged from the epoch after this one on.
	pub committed_in: EpochIndex,
	/// The last epoch it was proven in.
	pub proven_in: Option<EpochIndex>,
}

impl Sector {
	/// The bytes the sector occupies.
	pub fn bytes(&self) -> u64 {
		u64::from(self.chunks).saturating_mul(CHUNK_SIZE as u64)
	}

	/// The depth of its tree: the length of every Merkle path.
	pub fn depth(&self) -> u32 {
		depin_merkle::depth_for(self.chunks)
	}
}

/// One challenged chunk: its index, its data and its Merkle path (bottom up).
#[derive_where(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(skip_type_params(MaxDepth))]
pub struct ChunkProof<MaxDepth: Get<u32>> {
	/// The chunk index the challenge asked for.
	pub index: u32,
	/// The chunk, zero-padded if it is the last one.
	pub chunk: Chunk,
	/// The sibling hashes from the leaf up; exactly the sector's depth.
	pub path: BoundedVec<H256, MaxDepth>,
}

/// A proof that a storage device holds one sector in one epoch: the challenged chunks with
/// their paths, and the device's signature of the [`StorageProofStatement`].
#[derive_where(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(skip_type_params(MaxChallenges, MaxDepth))]
pub struct StorageProof<MaxChallenges: Get<u32>, MaxDepth: Get<u32>> {
	/// The device.
	pub device: DeviceId,
	/// The sector.
	pub sector: SectorIndex,
	/// The epoch whose challenge this answers.
	pub epoch: EpochIndex,
	/// One chunk per challenge index, in order.
	pub chunks: BoundedVec<ChunkProof<MaxDepth>, MaxChallenges>,
	/// The device key's signature of the enveloped [`StorageProofStatement`].
	pub signature: DeviceSignature,
}

impl<K: Get<u32>, D: Get<u32>> StorageProof<K, D> {
	/// The longest path in the proof (what the verification weight depends on, with the
	/// number of chunks).
	pub fn depth(&self) -> u32 {
		self.chunks.iter().map(|c| c.path.len() as u32).max().unwrap_or(0)
	}
}

/// What a device signs (under [`STORAGE_PROOF_CONTEXT`]) when it answers a challenge.
/// Binding the device, the sector, the epoch and the challenge (and, by the envelope, the
/// chain) makes a proof useless on another chain, in another epoch, for another sector or
/// device, or for a challenge it does not answer.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct StorageProofStatement {
	/// The device.
	pub device: DeviceId,
	/// The sector.
	pub sector: SectorIndex,
	/// The epoch.
	pub epoch: EpochIndex,
	/// The challenge: `depin_merkle::storage_challenge(seed, device, sector, root)`.
	pub challenge: H256,
}

/// Context of a storage-proof signature.
pub const STORAGE_PROOF_CONTEXT: Domain = *b"depin/proof/stor";

/// A challenge a storage device can answer now.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct OpenChallenge<BlockNumber> {
	/// The challenged sector.
	pub sector: SectorIndex,
	/// Its Merkle root and chunk count, as committed.
	pub root: H256,
	pub chunks: u32,
	/// The epoch the challenge belongs to (the one in progress).
	pub epoch: EpochIndex,
	/// The challenge the device signs (with the sector, epoch and device in
	/// [`StorageProofStatement`]).
	pub challenge: H256,
	/// The chunks to reveal, in order.
	pub indices: Vec<u32>,
	/// The last block the proof is accepted at.
	pub deadline: BlockNumber,
}

/// A sector as [`ProofStatus`] reports it.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct SectorStatus {
	/// Its number within the device.
	pub index: SectorIndex,
	/// The sector record.
	pub sector: Sector,
	/// Whether it is challenged in the epoch in progress and not proven yet.
	pub open: bool,
}

/// A storage device's proving record, brought up to the epoch in progress.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct ProofStatus {
	/// The epoch in progress.
	pub epoch: EpochIndex,
	/// Live sectors, by number.
	pub sectors: Vec<SectorStatus>,
	/// Bytes they commit.
	pub committed_bytes: u64,
	/// Sectors challenged in the epoch in progress, and of those the ones proven.
	pub challenged: u32,
	pub proven: u32,
	/// Epochs missed in a row, counting those not recorded on chain yet.
	pub consecutive_faults: u32,
	/// Of those, the epochs missed that the chain has not recorded yet (they are recorded,
	/// and acted on, the next time the device is touched or swept).
	pub unrecorded_faults: u32,
	/// Consecutive faults that suspend the device and slash its deposit.
	pub fault_threshold: u32,
}

/// Domain of the storage audit draw.
pub const AUDIT_DOMAIN: &[u8] = b"depin/storage/audit";

/// Whether `device`'s sectors are challenged in `epoch` (whose seed is `seed`), at the audit
/// rate `rate_ppb` parts per billion ([`crate::drawn`] under [`AUDIT_DOMAIN`]): a storage
/// device is audited, every live sector of it, in a seed-drawn share of epochs.
pub fn audited(seed: &H256, device: DeviceId, epoch: EpochIndex, rate_ppb: u32) -> bool {
	crate::drawn::<RuntimeHasher>(AUDIT_DOMAIN, seed.as_fixed_bytes(), device, epoch, rate_ppb)
}

/// The challenge of `sector` (committed with `root`) of `device` in the epoch with `seed`:
/// `depin_merkle::storage_challenge`. It exists only once the epoch's seed does.
pub fn challenge(seed: &H256, device: DeviceId, sector: SectorIndex, root: &H256) -> H256 {
	H256(depin_merkle::storage_challenge::<RuntimeHasher>(
		seed.as_fixed_bytes(),
		device,
		sector,
		root.as_fixed_bytes(),
	))
}

/// The `count` chunk indices a challenge asks of a sector of `chunks` chunks, in order;
/// `None` for an empty sector.
pub fn challenge_indices(challenge: &H256, count: u32, chunks: u32) -> Option<Vec<u32>> {
	(0..count)
		.map(|i| {
			depin_merkle::challenge_index::<RuntimeHasher>(challenge.as_fixed_bytes(), i, chunks)
		})
		.collect()
}
