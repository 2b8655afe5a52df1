//! The types of the proofs pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use pallet_devices::{DeviceId, DeviceSignature};
use scale_info::TypeInfo;
use sp_core::H256;

pub use depin_merkle::{Chunk, CHUNK_SIZE};

/// The index of a proving epoch: 0 at genesis, then one more every proving period.
pub type EpochIndex = u32;

/// A sector's number within its device (never reused by that device).
pub type SectorIndex = u32;

/// The proving epoch in progress.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct EpochInfo<BlockNumber> {
	/// The epoch's index.
	pub index: EpochIndex,
	/// The block it started at.
	pub start: BlockNumber,
	/// Its challenge seed, drawn from the chain's randomness when it started (zero for
	/// epoch 0, which challenges nothing).
	pub seed: H256,
}

/// A committed sector: a Merkle root over `chunks` chunks of [`CHUNK_SIZE`] bytes.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Sector {
	/// The root of the tree (see `depin_merkle`).
	pub root: H256,
	/// The number of chunks (leaves).
	pub chunks: u32,
	/// The epoch it was committed in; it is challenged from the next one on.
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

/// A storage device's proving record.
///
/// Faults are counted lazily: the counters describe epoch `epoch`; when the device is next
/// touched in a later epoch (a proof, a sector change, or the idle-time sweep), that epoch
/// and every untouched epoch after it are settled in O(1).
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct ProverState {
	/// Live sectors.
	pub sectors: u32,
	/// The index the next committed sector gets.
	pub next_sector: SectorIndex,
	/// Bytes committed by the live sectors (at most the device's declared capacity).
	pub committed_bytes: u64,
	/// The epoch the two counters below describe.
	pub epoch: EpochIndex,
	/// Sectors challenged in `epoch` (live when it started).
	pub challenged: u32,
	/// Of those, the ones proven in `epoch`.
	pub proven: u32,
	/// Epochs in a row with a missed proof, up to now.
	pub consecutive_faults: u32,
}

/// One challenged chunk: its index, its data and its Merkle path (bottom up).
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
)]
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
/// their paths, and the device's signature of the [`ProofPayload`].
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
)]
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
	/// The device key's signature of the SCALE-encoded [`ProofPayload`].
	pub signature: DeviceSignature,
}

impl<K: Get<u32>, D: Get<u32>> StorageProof<K, D> {
	/// The longest path in the proof (what the verification weight depends on, with the
	/// number of chunks).
	pub fn depth(&self) -> u32 {
		self.chunks.iter().map(|c| c.path.len() as u32).max().unwrap_or(0)
	}
}

/// What a device signs when it answers a challenge. Binding the chain, the device, the
/// sector, the epoch and the challenge makes a proof useless on another chain, in another
/// epoch, for another sector or device, or for a challenge it does not answer.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct ProofPayload {
	/// Domain separation: [`STORAGE_PROOF_CONTEXT`].
	pub context: [u8; 16],
	/// The chain's genesis block hash.
	pub genesis_hash: H256,
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
pub const STORAGE_PROOF_CONTEXT: [u8; 16] = *b"depin/proof/stor";

/// The randomness subject the epoch seeds are drawn with.
pub const SEED_SUBJECT: &[u8] = b"depin/proofs/epoch-seed";

/// The state of the idle-time fault sweep.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct SweepState {
	/// The epoch the sweep settles devices for.
	pub epoch: EpochIndex,
	/// The last device settled in this pass (`None`: from the start).
	pub last: Option<DeviceId>,
	/// Whether every device has been settled in this epoch.
	pub done: bool,
}

/// The proving epoch in progress, as provider daemons and dApps need it.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct EpochStatus<BlockNumber> {
	/// The epoch's index.
	pub index: EpochIndex,
	/// The block it started at.
	pub start: BlockNumber,
	/// The last block at which its proofs are accepted.
	pub deadline: BlockNumber,
	/// The block the next epoch starts at (if the proving period is not changed before).
	pub next_start: BlockNumber,
	/// Its challenge seed.
	pub seed: H256,
	/// Chunks asked per challenged sector.
	pub challenges_per_sector: u32,
}

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
	/// [`ProofPayload`]).
	pub challenge: H256,
	/// The chunks to reveal, in order.
	pub indices: alloc::vec::Vec<u32>,
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
	pub sectors: alloc::vec::Vec<SectorStatus>,
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
