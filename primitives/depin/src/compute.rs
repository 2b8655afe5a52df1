//! Compute: capacity challenges (a sequential workload, see [`crate::work`]) and jobs that
//! consumers pay devices for.

use crate::{
	device::{DeviceId, DeviceSignature},
	envelope::Domain,
	epoch::EpochIndex,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use derive_where::derive_where;
use scale_info::TypeInfo;
use sp_core::{ConstU32, Get, H256};
use sp_runtime::BoundedVec;

/// The most segments sampled from one commitment: the bound of [`WorkReveal::segments`] in
/// the runtime (`MaxSamples`) and in provider tools.
pub const MAX_SAMPLES: u32 = 16;

/// The deepest checkpoint tree (2^22 segments, 2,048 units): the bound of a reveal's
/// multiproof in the runtime (`MaxTreeDepth`) and in provider tools.
pub const MAX_WORK_TREE_DEPTH: u32 = 22;

/// Hash steps per segment (the checkpoint interval): a sampled segment costs the runtime this
/// many blake2 host calls. Shorter segments make an audit cheaper to check (the runtime
/// recomputes `samples × SEGMENT_LENGTH` steps) at two more tree levels for every factor of
/// four, and catch a skipped fraction of the work as surely (the sampling is of segments);
/// 1,024 until `spec_version` 116.
pub const SEGMENT_LENGTH: u32 = 256;

/// Segments per unit of declared capacity: a unit is `SEGMENTS_PER_UNIT × SEGMENT_LENGTH`
/// sequential blake2-256 steps, calibrated so that it costs a tenth of a second of one core on
/// the reference machine (`depin-provider compute calibrate`, `scripts/calibrate-compute.sh`,
/// docs/compute-audits.md). A device audited in an epoch runs its whole declared capacity
/// within the commit window; a process carrying many devices pays their time when they are
/// audited together.
pub const SEGMENTS_PER_UNIT: u32 = 2_048;

/// [`MAX_SAMPLES`] as a type.
pub type MaxSamples = ConstU32<MAX_SAMPLES>;

/// [`MAX_WORK_TREE_DEPTH`] as a type.
pub type MaxWorkTreeDepth = ConstU32<MAX_WORK_TREE_DEPTH>;

/// The most hashes a reveal's multiproof may carry: the paths of two checkpoints a sample,
/// none shared (`2 × MaxSamples × MaxDepth`).
pub struct MaxProofHashes<MaxSamples, MaxDepth>(core::marker::PhantomData<(MaxSamples, MaxDepth)>);

impl<S: Get<u32>, D: Get<u32>> Get<u32> for MaxProofHashes<S, D> {
	fn get() -> u32 {
		S::get().saturating_mul(D::get()).saturating_mul(2)
	}
}

/// A job's number (never reused).
pub type JobId = u64;

/// Where a worker stands in the epoch its record describes.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum WorkStatus {
	/// Not challenged in the epoch: enrolled during it, not drawn for audit in it, or inactive
	/// when it was settled.
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

/// A device's commitment to its workload of an epoch, signed by its key.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct WorkCommit {
	/// The device.
	pub device: DeviceId,
	/// The epoch.
	pub epoch: EpochIndex,
	/// The Merkle root over its checkpoint leaves (`crate::work::checkpoint_leaf`).
	pub root: H256,
	/// The device key's signature of the enveloped [`CommitStatement`].
	pub signature: DeviceSignature,
}

/// What a device signs to commit, under [`COMMIT_CONTEXT`]. The workload's shape is the
/// chain's, so a signature is useless for another chain, device, epoch, root or workload size.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct CommitStatement {
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
pub const COMMIT_CONTEXT: Domain = *b"depin/comp/commt";

/// One sampled segment: the checkpoints at both ends. The first segment starts at the
/// workload's start (`crate::work::work_start`), which is not in the tree.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct RevealedSegment {
	/// The segment's index: checkpoint `index` ends it.
	pub index: u32,
	/// The hash it starts from: checkpoint `index - 1`, or the workload's start.
	pub start: H256,
	/// Checkpoint `index`.
	pub end: H256,
}

/// A device's answer to the sampling of its commitment: one segment per sample, in order,
/// and one Merkle multiproof of every checkpoint they reveal
/// (`depin_merkle::root_from_multiproof` over `crate::work::revealed_leaves`). A segment's two
/// checkpoints are neighbours in the tree, so it costs about one path, not two. Anyone may
/// submit it: only the committed device's work can match the signed root.
#[derive_where(Clone, PartialEq, Eq, Debug)]
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(skip_type_params(MaxSamples, MaxDepth))]
pub struct WorkReveal<MaxSamples: Get<u32>, MaxDepth: Get<u32>> {
	/// The device.
	pub device: DeviceId,
	/// The epoch.
	pub epoch: EpochIndex,
	/// The sampled segments.
	pub segments: BoundedVec<RevealedSegment, MaxSamples>,
	/// The siblings that prove the revealed checkpoints against the committed root, each once.
	pub proof: BoundedVec<H256, MaxProofHashes<MaxSamples, MaxDepth>>,
}

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

/// What consumer and device both sign (under [`RECEIPT_CONTEXT`]) when a job is done.
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
	/// The consumer account's signature of the enveloped [`JobReceipt`] (under
	/// [`RECEIPT_CONTEXT`]).
	pub consumer_signature: Signature,
	/// The device key's signature of the same payload.
	pub device_signature: DeviceSignature,
}

/// Context of a receipt signature.
pub const RECEIPT_CONTEXT: Domain = *b"depin/comp/rcpt_";

/// A compute device's challenge in the epoch in progress, as provider daemons need it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct WorkChallenge<BlockNumber> {
	/// The epoch.
	pub epoch: EpochIndex,
	/// The workload's first hash (`crate::work::work_start`).
	pub start: H256,
	/// Segments to compute, and hash steps in each.
	pub segments: u32,
	pub segment_len: u32,
	/// Commitments are accepted before this block; the reveal seed is drawn from randomness
	/// known only since it (BABE's: at the block after).
	pub reveal_at: BlockNumber,
	/// The last block reveals are accepted at.
	pub deadline: BlockNumber,
	/// The device's standing in the epoch.
	pub status: WorkStatus,
	/// Once drawn: the segments to reveal, in order.
	pub sampled: Vec<u32>,
	/// Epochs missed in a row, counting those the chain has not recorded yet.
	pub consecutive_faults: u32,
}
