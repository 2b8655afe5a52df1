//! Read-only views for the runtime API, and the pallet's invariants.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use depin_proving::ProvingEpochs;
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{DeviceId, DeviceRegistry};

impl<T: Config> Pallet<T> {
	/// `device`'s capacity challenge in the epoch in progress, if it is enrolled: what to
	/// compute, when to commit and reveal, and once the reveal seed is drawn, which segments.
	pub fn work_challenge(device: DeviceId) -> Option<WorkChallenge<BlockNumberFor<T>>> {
		let mut state = Workers::<T>::get(device)?;
		let capacity = T::Registry::capacity(device)?;
		let epoch = T::Epochs::current();
		// As the next touch would settle it.
		if state.epoch < epoch.index {
			depin_proving::Ledger::advance(&mut state, epoch.index, T::Registry::is_active(device));
			Self::enter_audit(device, &mut state, &epoch);
		}
		let sampled = match (state.status, Self::reveal_seed(epoch.index)) {
			// An outdated commitment has nothing to reveal (`WorkloadChanged`): it is excused.
			(WorkStatus::Committed(commitment), Some(seed)) if !Self::outdated(&commitment) => (0
				..Self::samples())
				.filter_map(|i| Self::sampled_segment(&seed, device, &commitment, i))
				.collect(),
			_ => Vec::new(),
		};
		// A commitment keeps the shape it was made with, whatever the chain asks now.
		let (segments, segment_len) = match state.status {
			WorkStatus::Committed(c) => (c.segments, c.segment_len),
			_ => (Self::segments_for(capacity), Self::segment_len()),
		};
		Some(WorkChallenge {
			epoch: epoch.index,
			start: Self::work_start(&epoch, device),
			segments,
			segment_len,
			reveal_at: Self::reveal_at(epoch.start),
			deadline: T::Epochs::deadline(epoch.start),
			status: state.status,
			sampled,
			consecutive_faults: state.consecutive_faults,
		})
	}

	/// The pallet's invariants:
	///
	/// - every worker's record describes an epoch no later than the current one and no earlier
	///   than its enrolment; it is challenged only after its enrolment epoch; a commitment has
	///   at least one segment of at least one step, within `2^MaxTreeDepth` segments;
	/// - the reveal seed and the sweep are never ahead of the current epoch.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::{ensure, traits::Get};
		let current = T::Epochs::current().index;
		for (_, state) in Workers::<T>::iter() {
			ensure!(state.epoch <= current, "a worker record from the future");
			ensure!(state.enrolled_in <= state.epoch, "a worker record before its enrolment");
			if state.status != WorkStatus::NotChallenged {
				ensure!(state.enrolled_in < state.epoch, "challenged in its enrolment epoch");
			}
			if let WorkStatus::Committed(c) = state.status {
				ensure!(
					c.segments >= 1
						&& c.segment_len >= 1
						&& u64::from(c.segments) <= 1u64 << T::MaxTreeDepth::get().min(31),
					"a commitment of an impossible workload"
				);
			}
		}
		if let Some(seed) = RevealSeeds::<T>::get() {
			ensure!(seed.epoch <= current, "a reveal seed from the future");
		}
		ensure!(Sweep::<T>::get().epoch <= current, "the sweep is ahead of the epoch");

		Ok(())
	}
}
