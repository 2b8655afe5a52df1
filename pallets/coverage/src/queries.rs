//! Read-only answers for the `DepinApi` runtime API: what provider tools and dApps ask.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use depin_proving::ProvingEpochs;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{DeviceId, DeviceRegistry};

impl<T: Config> Pallet<T> {
	/// The beacons of the epoch in progress, in draw order: each beaconer's challenge, its
	/// beacon once submitted, the witnesses counted and the points earned. Empty before the
	/// epoch's beaconers are drawn.
	pub fn beacons() -> Vec<BeaconStatus<BlockNumberFor<T>>> {
		let epoch = T::Epochs::current();
		if DrawnEpoch::<T>::get() != Some(epoch.index) {
			return Vec::new();
		}
		let deadline = T::Epochs::deadline(epoch.start);
		BeaconList::<T>::get()
			.into_iter()
			.filter_map(|device| {
				let slot = Beaconers::<T>::get(device)?;
				Some(BeaconStatus {
					device,
					epoch: slot.epoch,
					challenge: slot.challenge,
					beacon: slot.beacon,
					witnesses: slot.witnesses.into_inner(),
					points: slot.points,
					deadline,
				})
			})
			.collect()
	}

	/// The points `device` earns in the epoch in progress if it beacons and a valid witness
	/// confirms it: its density-scaled beacon points if it was drawn and is not confirmed
	/// yet and it has not lost its coverage share, else 0 (witnessing cannot be foreseen).
	pub fn potential_points(device: DeviceId) -> u64 {
		let epoch = T::Epochs::current();
		let Some(slot) = Beaconers::<T>::get(device).filter(|s| s.epoch == epoch.index) else {
			return 0;
		};
		if !slot.witnesses.is_empty()
			|| Standings::<T>::get(device).silenced(T::UnheardLimit::get())
		{
			return 0;
		}
		let Some(location) = T::Registry::location(device) else { return 0 };
		Self::points_at(T::BeaconPoints::get(), T::Registry::density_cell(location))
	}

	/// The device's slot in the beacon roster, if it joined.
	pub fn roster_slot(device: DeviceId) -> Option<RosterSlot> {
		RosterSlotOf::<T>::get(device)
	}
}
