//! What the proofs pallet tells others.

use crate::types::EpochIndex;
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
