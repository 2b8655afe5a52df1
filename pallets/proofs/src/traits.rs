//! What the proofs pallet tells others.

use crate::types::{EpochIndex, EpochInfo};
use frame_support::weights::Weight;
use pallet_devices::{DeviceId, DeviceKind};

/// Told about every accepted proof: the emission pallet turns proof points into rewards.
/// The proofs pallet knows nothing about money.
pub trait OnProofAccepted {
	/// `device` (of `kind`) earned `points` in `epoch`. Storage proofs earn one point per
	/// KiB of the proven sector.
	fn proof_accepted(device: DeviceId, kind: DeviceKind, epoch: EpochIndex, points: u64);

	/// The most [`OnProofAccepted::proof_accepted`] costs.
	fn weight() -> Weight;
}

impl OnProofAccepted for () {
	fn proof_accepted(_: DeviceId, _: DeviceKind, _: EpochIndex, _: u64) {}

	fn weight() -> Weight {
		Weight::zero()
	}
}

/// Told when a proving epoch ends: from then on no proof counts for it, so its points are final
/// (the emission pallet pays the epoch out).
pub trait OnEpochEnd<BlockNumber> {
	/// Epoch `ended`, which covered blocks `start..end`, is over (block `end` starts the next).
	/// Returns the weight it used.
	fn epoch_ended(ended: EpochIndex, start: BlockNumber, end: BlockNumber) -> Weight;

	/// The most [`OnEpochEnd::epoch_ended`] costs.
	fn weight() -> Weight;
}

impl<BlockNumber> OnEpochEnd<BlockNumber> for () {
	fn epoch_ended(_: EpochIndex, _: BlockNumber, _: BlockNumber) -> Weight {
		Weight::zero()
	}

	fn weight() -> Weight {
		Weight::zero()
	}
}

/// The proving epochs, as the other proof pallets (coverage, compute) see them: they draw
/// their challenges from the same seed and close with the same deadline as storage proofs.
pub trait ProvingEpochs<BlockNumber> {
	/// The epoch in progress: its index, first block and challenge seed.
	fn current() -> EpochInfo<BlockNumber>;

	/// The last block at which proofs for the epoch that started at `start` are accepted.
	fn deadline(start: BlockNumber) -> BlockNumber;

	/// For other pallets' benchmarks: make `epoch` the epoch in progress.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_benchmark_epoch(epoch: EpochInfo<BlockNumber>);
}
