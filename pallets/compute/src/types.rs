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

/// Randomness subject of the reveal seeds.
pub const REVEAL_SUBJECT: &[u8] = b"depin/compute/reveal-seed";

impl depin_proving::Ledger for WorkerState {
	fn epoch(&self) -> EpochIndex {
		self.epoch
	}

	/// A compute device misses an epoch it was challenged in and did not prove; every
	/// untouched epoch after it (they all follow its enrolment epoch) was challenged and never
	/// answered.
	fn count_missed(&mut self, current: EpochIndex) -> u32 {
		let mut missed: u32 = 0;
		if self.status.missed() {
			missed = 1;
			self.consecutive_faults = self.consecutive_faults.saturating_add(1);
		} else if self.status == WorkStatus::Proven {
			self.consecutive_faults = 0;
		}
		let gap = current.saturating_sub(self.epoch).saturating_sub(1);
		self.consecutive_faults = self.consecutive_faults.saturating_add(gap);
		missed.saturating_add(gap)
	}

	/// A challenge not proven is missed, and no longer open.
	fn close(&mut self) -> u32 {
		let missed = self.count_missed(self.epoch.saturating_add(1));
		if self.status.missed() {
			self.status = WorkStatus::NotChallenged;
		}
		missed
	}

	/// An active device is challenged from the epoch after its enrolment.
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
