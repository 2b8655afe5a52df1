//! The types of the compute pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use pallet_devices::{DeviceId, DeviceSignature};
use scale_info::TypeInfo;
use sp_core::H256;

pub use pallet_proofs::EpochIndex;

/// A job's number (never reused).
pub type JobId = u64;

/// Where a worker stands in the epoch its record describes.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum WorkStatus {
	/// Not challenged in the epoch: enrolled during it, or inactive when it was settled.
	#[default]
	NotChallenged,
	/// Challenged; no commitment yet.
	Challenged,
	/// Committed to its checkpoints; the reveal is due.
	Committed(WorkCommitment),
	/// Revealed the sampled segments and they were right.
	Proven,
	/// A revealed segment did not recompute to its committed checkpoint: caught.
	Faked,
}

impl WorkStatus {
	/// Whether the epoch was challenged and not proven: a fault when it ends.
	pub fn missed(&self) -> bool {
		matches!(self, Self::Challenged | Self::Committed(_) | Self::Faked)
	}
}

/// What a device committed to in an epoch: the Merkle root over its checkpoints and the
/// workload's shape, fixed when the commitment is made.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct WorkCommitment {
	/// The root over the `segments` checkpoint leaves.
	pub root: H256,
	/// The number of segments (and checkpoints).
	pub segments: u32,
	/// The hash steps per segment.
	pub segment_len: u32,
}

/// A compute device's record, settled lazily like the storage provers' (see
/// `pallet_proofs::ProverState`): `status` describes epoch `epoch`; when the device is next
/// touched in a later epoch (a commitment, a reveal, a withdrawal or the idle-time sweep),
/// that epoch and every untouched one after it are settled in O(1).
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct WorkerState {
	/// The epoch it enrolled in; it is challenged from the next one.
	pub enrolled_in: EpochIndex,
	/// The epoch `status` describes.
	pub epoch: EpochIndex,
	/// Its standing in `epoch`.
	pub status: WorkStatus,
	/// Epochs in a row with a missed challenge, up to `epoch` (excluded).
	pub consecutive_faults: u32,
}

/// A device's commitment to its workload of an epoch, signed by its key.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct WorkCommit {
	/// The device.
	pub device: DeviceId,
	/// The epoch.
	pub epoch: EpochIndex,
	/// The Merkle root over its checkpoint leaves (`work::checkpoint_leaf`).
	pub root: H256,
	/// The device key's signature of the SCALE-encoded [`CommitPayload`].
	pub signature: DeviceSignature,
}

/// What a device signs to commit. The workload's shape is the chain's, so a signature is
/// useless for another chain, device, epoch, root or workload size.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct CommitPayload {
	/// Domain separation: [`COMMIT_CONTEXT`].
	pub context: [u8; 16],
	/// The chain's genesis block hash.
	pub genesis_hash: H256,
	/// The device.
	pub device: DeviceId,
	/// The epoch.
	pub epoch: EpochIndex,
	/// The root.
	pub root: H256,
	/// The segments and steps per segment the chain asks of the device.
	pub segments: u32,
	pub segment_len: u32,
}

/// Context of a commitment signature.
pub const COMMIT_CONTEXT: [u8; 16] = *b"depin/comp/commt";

/// One sampled segment: the checkpoints at both ends with their Merkle paths. The first
/// segment starts at the workload's start (`work::work_start`), which needs no path.
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
pub struct SegmentProof<MaxDepth: Get<u32>> {
	/// The segment's index: checkpoint `index` ends it.
	pub index: u32,
	/// The hash it starts from: checkpoint `index - 1`, or the workload's start.
	pub start: H256,
	/// The path of checkpoint `index - 1` (empty for segment 0).
	pub start_path: BoundedVec<H256, MaxDepth>,
	/// Checkpoint `index`.
	pub end: H256,
	/// Its path.
	pub end_path: BoundedVec<H256, MaxDepth>,
}

/// A device's answer to the sampling of its commitment: one segment per sample, in order.
/// Anyone may submit it: only the committed device's work can match the signed root.
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
#[scale_info(skip_type_params(MaxSamples, MaxDepth))]
pub struct WorkReveal<MaxSamples: Get<u32>, MaxDepth: Get<u32>> {
	/// The device.
	pub device: DeviceId,
	/// The epoch.
	pub epoch: EpochIndex,
	/// The sampled segments.
	pub segments: BoundedVec<SegmentProof<MaxDepth>, MaxSamples>,
}

impl<S: Get<u32>, D: Get<u32>> WorkReveal<S, D> {
	/// The longest path in the reveal.
	pub fn depth(&self) -> u32 {
		self.segments
			.iter()
			.map(|s| s.start_path.len().max(s.end_path.len()) as u32)
			.max()
			.unwrap_or(0)
	}
}

/// The randomness that samples the segments of an epoch, drawn after its commitments.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct RevealSeed {
	/// The epoch.
	pub epoch: EpochIndex,
	/// The seed.
	pub seed: H256,
}

/// Randomness subject of the reveal seeds.
pub const REVEAL_SUBJECT: &[u8] = b"depin/compute/reveal-seed";

/// A compute job: a consumer's payment held for a device's work.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Job<AccountId, Balance, BlockNumber> {
	/// Who pays.
	pub consumer: AccountId,
	/// The device that works.
	pub device: DeviceId,
	/// The most units the job may bill.
	pub max_units: u64,
	/// The price of a unit.
	pub price: Balance,
	/// Held from the consumer: `max_units × price`.
	pub held: Balance,
	/// The block it was opened at.
	pub opened_at: BlockNumber,
	/// Where it stands.
	pub status: JobStatus<Balance, BlockNumber>,
}

/// A job's progress.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum JobStatus<Balance, BlockNumber> {
	/// Waiting for its receipt.
	Open,
	/// Its receipt was submitted; it pays out once the dispute window has passed.
	Submitted {
		/// Units billed.
		units: u64,
		/// `units × price`.
		amount: Balance,
		/// The block the receipt was submitted at.
		submitted_at: BlockNumber,
	},
	/// The consumer disputed the receipt; the dispute origin decides.
	Disputed {
		/// Units billed.
		units: u64,
		/// `units × price`.
		amount: Balance,
	},
}

/// What consumer and device both sign when a job is done.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct JobReceipt<AccountId, Balance, BlockNumber> {
	/// The job.
	pub job: JobId,
	/// The consumer.
	pub consumer: AccountId,
	/// The device.
	pub device: DeviceId,
	/// Units of work delivered.
	pub units: u64,
	/// The price of a unit, as agreed when the job was opened.
	pub price: Balance,
	/// When the work was confirmed: a block number, at or after the job was opened and not
	/// after the block the receipt is submitted in.
	pub timestamp: BlockNumber,
}

/// A receipt with both signatures, as submitted.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct SignedReceipt<AccountId, Balance, BlockNumber, Signature> {
	/// The receipt.
	pub receipt: JobReceipt<AccountId, Balance, BlockNumber>,
	/// The consumer account's signature of the [`ReceiptPayload`].
	pub consumer_signature: Signature,
	/// The device key's signature of the same payload.
	pub device_signature: DeviceSignature,
}

/// The bytes both parties sign.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct ReceiptPayload<AccountId, Balance, BlockNumber> {
	/// Domain separation: [`RECEIPT_CONTEXT`].
	pub context: [u8; 16],
	/// The chain's genesis block hash.
	pub genesis_hash: H256,
	/// The receipt.
	pub receipt: JobReceipt<AccountId, Balance, BlockNumber>,
}

/// Context of a receipt signature.
pub const RECEIPT_CONTEXT: [u8; 16] = *b"depin/comp/rcpt_";

/// The state of the idle-time fault sweep.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct SweepState {
	/// The epoch the sweep settles workers for.
	pub epoch: EpochIndex,
	/// The last device settled in this pass (`None`: from the start).
	pub last: Option<DeviceId>,
	/// Whether every worker has been settled in this epoch.
	pub done: bool,
}

/// A compute device's challenge in the epoch in progress, as provider daemons need it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct WorkChallenge<BlockNumber> {
	/// The epoch.
	pub epoch: EpochIndex,
	/// The workload's first hash (`work::work_start`).
	pub start: H256,
	/// Segments to compute, and hash steps in each.
	pub segments: u32,
	pub segment_len: u32,
	/// Commitments are accepted before this block; the reveal seed is drawn at it.
	pub reveal_at: BlockNumber,
	/// The last block reveals are accepted at.
	pub deadline: BlockNumber,
	/// The device's standing in the epoch.
	pub status: WorkStatus,
	/// Once drawn: the segments to reveal, in order.
	pub sampled: alloc::vec::Vec<u32>,
	/// Epochs missed in a row, counting those the chain has not recorded yet.
	pub consecutive_faults: u32,
}
