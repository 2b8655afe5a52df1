//! The types of the compute pallet. The wire types (commitments, reveals, jobs, receipts,
//! challenges) live in `depin_primitives::compute`, shared with the runtime API and the
//! provider tools; what is here is the pallet's own state.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

pub use depin_primitives::{compute::*, epoch::EpochIndex};
pub use depin_proving::SweepState;

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

/// The randomness that samples the segments of an epoch, drawn after its commitments.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct RevealSeed {
	/// The epoch.
	pub epoch: EpochIndex,
	/// The seed.
	pub seed: H256,
}

/// The segment length in force, and the first epoch whose commitments could be revealed only
/// under it: set at genesis, and by the runtime upgrade that changes `SegmentLength`
/// (`Pallet::note_segment_length`).
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct LengthSince {
	/// Hash steps per segment.
	pub segment_len: u32,
	/// The first epoch whose reveal window was still open when it came in force.
	pub epoch: EpochIndex,
}

/// Randomness subject of the reveal seeds.
pub const REVEAL_SUBJECT: &[u8] = b"depin/compute/reveal-seed";

impl depin_proving::Ledger for WorkerState {
	fn epoch(&self) -> EpochIndex {
		self.epoch
	}

	/// A compute device misses an epoch it was audited in and did not prove. An untouched
	/// epoch after it (nobody entered the record into it: not the device, not the idle sweep)
	/// is not counted: only the epoch's seed tells whether the device was audited in it, and
	/// the pallet keeps the current one only. The sweep enters every worker into every epoch
	/// while blocks have room, so only an epoch of full blocks leaves such a gap.
	fn count_missed(&mut self, _current: EpochIndex) -> u32 {
		if self.status.missed() {
			self.consecutive_faults = self.consecutive_faults.saturating_add(1);
			return 1;
		}
		if self.status == WorkStatus::Proven {
			self.consecutive_faults = 0;
		}
		0
	}

	/// A challenge not proven is missed, and no longer open.
	fn close(&mut self) -> u32 {
		let missed = self.count_missed(self.epoch.saturating_add(1));
		if self.status.missed() {
			self.status = WorkStatus::NotChallenged;
		}
		missed
	}

	/// An active device is challenged from the epoch after its enrolment, if the epoch's draw
	/// audits it: the pallet applies the draw when the record enters an epoch
	/// (`Pallet::enter_audit`), which needs the epoch's seed.
	fn enter(&mut self, current: EpochIndex, active: bool) {
		self.epoch = current;
		self.status = if active && self.enrolled_in < current {
			WorkStatus::Challenged
		} else {
			WorkStatus::NotChallenged
		};
	}

	fn consecutive_faults(&self) -> u32 {
		self.consecutive_faults
	}

	fn reset_faults(&mut self) {
		self.consecutive_faults = 0;
		self.status = WorkStatus::NotChallenged;
	}
}
