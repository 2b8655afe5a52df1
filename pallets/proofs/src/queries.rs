//! Read-only queries for the runtime API (`depin-runtime-api`): the epoch, a device's open
//! challenges and its proving record. They never write and are not used by extrinsics.

use crate::{pallet::*, types::*, ProvingEpochs};
use alloc::vec::Vec;
use depin_primitives::deals::DealState;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry, DeviceStatus};
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// The epoch in progress.
	pub fn epoch_status() -> EpochStatus<BlockNumberFor<T>> {
		let epoch = T::Epochs::current();
		EpochStatus {
			index: epoch.index,
			start: epoch.start,
			deadline: T::Epochs::deadline(epoch.start),
			next_start: T::Epochs::next_start(epoch.start),
			seed: epoch.seed,
			challenges_per_sector: Self::challenges_per_sector(),
		}
	}

	/// The device's proving record as settling it now would leave it, the faults that
	/// settling would record, and whether the device is active (only an active device can
	/// answer a challenge); `None` if it is not a registered storage device.
	pub(crate) fn settled_state(device: DeviceId) -> Option<(ProverState, u32, bool)> {
		if T::Registry::kind(device)? != DeviceKind::Storage {
			return None;
		}
		let active = matches!(T::Registry::status(device), Some(DeviceStatus::Active));
		let mut state = Provers::<T>::get(device).unwrap_or_default();
		let epoch = T::Epochs::current();
		let missed = depin_proving::Ledger::advance(
			&mut Self::ledger(device, &mut state, &epoch),
			epoch.index,
			active,
		);
		Some((state, missed, active))
	}

	/// The challenges `device` can answer now: its sectors challenged in the epoch in progress
	/// and not proven yet, while the response window is open. Empty for a device that is
	/// unknown, not a storage device, or not active.
	pub fn open_challenges(device: DeviceId) -> Vec<OpenChallenge<BlockNumberFor<T>>> {
		let Some((state, _, active)) = Self::settled_state(device) else { return Vec::new() };
		let status = Self::epoch_status();
		if !active
			|| state.challenged == 0
			|| frame_system::Pallet::<T>::block_number() > status.deadline
		{
			return Vec::new();
		}
		Sectors::<T>::iter_prefix(device)
			.filter(|(_, sector)| Self::is_open(sector, status.index))
			.filter_map(|(index, sector)| {
				let (challenge, indices) =
					Self::storage_challenge(device, index, status.index).ok()?;
				Some(OpenChallenge {
					sector: index,
					root: sector.root,
					chunks: sector.chunks,
					epoch: status.index,
					challenge,
					indices,
					deadline: status.deadline,
				})
			})
			.collect()
	}

	/// A storage device's proving record brought up to the epoch in progress, or `None` if it
	/// is not a registered storage device.
	pub fn proof_status(device: DeviceId) -> Option<ProofStatus> {
		let (state, unrecorded_faults, active) = Self::settled_state(device)?;
		let epoch = T::Epochs::current().index;
		let mut sectors: Vec<SectorStatus> = Sectors::<T>::iter_prefix(device)
			.map(|(index, sector)| SectorStatus {
				index,
				sector,
				open: active && state.challenged > 0 && Self::is_open(&sector, epoch),
			})
			.collect();
		sectors.sort_by_key(|s| s.index);
		Some(ProofStatus {
			epoch,
			sectors,
			committed_bytes: state.committed_bytes,
			challenged: state.challenged,
			proven: state.proven,
			consecutive_faults: state.consecutive_faults,
			unrecorded_faults,
			fault_threshold: T::FaultThreshold::get(),
		})
	}

	/// The points `device` would have in the epoch in progress if it answered every
	/// challenge: the fee, in points, of the epochs each challenged sector's deal would pay,
	/// in arrears (since its last payment or the last audit it missed, up to this epoch or its
	/// last).
	pub fn potential_points(device: DeviceId) -> u64 {
		let Some((state, _, active)) = Self::settled_state(device) else { return 0 };
		if !active {
			return 0;
		}
		if state.challenged == 0 {
			return 0;
		}
		let epoch = T::Epochs::current().index;
		let audits = crate::deals::ClosedAudits::of(&state, epoch, Self::every_epoch());
		// Only a sector whose deal pays earns: the fee of the epochs it pays, in points.
		Sectors::<T>::iter_prefix(device)
			.filter(|(_, sector)| sector.committed_in < epoch)
			.filter_map(|(index, _)| SectorDeals::<T>::get(device, index))
			.filter_map(Deals::<T>::get)
			.fold(0u64, |sum, deal| {
				let DealState::Active(progress) = deal.state else { return sum };
				let last = progress.last_epoch(deal.proposal.duration);
				let from = progress.settled_through.max(audits.last.min(last));
				let epochs = epoch.min(last).saturating_sub(from);
				let fee = deal.epoch_fee.saturating_mul(epochs.into());
				sum.saturating_add(Self::fee_points(fee))
			})
	}

	/// Whether `sector` is challenged in `epoch` and not proven in it yet.
	fn is_open(sector: &Sector, epoch: EpochIndex) -> bool {
		sector.committed_in < epoch && sector.proven_in != Some(epoch)
	}
}
