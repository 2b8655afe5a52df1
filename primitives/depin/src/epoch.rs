//! The proving epoch: every proof kind challenges per epoch, drawn from the chain's
//! randomness when the epoch starts.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// The index of a proving epoch: 0 at genesis, then one more every proving period.
pub type EpochIndex = u32;

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
