//! Read-only answers for the `DepinApi` runtime API: what provider tools and dApps ask.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use depin_proving::ProvingEpochs;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{DeviceId, DeviceRegistry};

impl<T: Config> Pallet<T> {
	/// The beacons recorded in the epoch in progress: each beaconer's challenge, its beacon,
	/// the witnesses counted and the points earned (at most `MaxBeacons`).
	pub fn beacons() -> Vec<BeaconStatus<BlockNumberFor<T>>> {
		let epoch = T::Epochs::current();
		let deadline = T::Epochs::deadline(epoch.start);
		Beacons::<T>::iter_prefix(epoch.index)
			.map(|(device, slot)| Self::status(device, slot, deadline))
			.collect()
	}

	/// `device`'s beacon in the epoch in progress, if it wins the lottery: its challenge, and
	/// once recorded its beacon, witnesses and points. `None` if it does not beacon in this
	/// epoch: not an active coverage device on the roster, or its ticket did not win. What a hotspot's daemon asks
	/// each epoch.
	pub fn ticket(device: DeviceId) -> Option<BeaconStatus<BlockNumberFor<T>>> {
		let epoch = T::Epochs::current();
		let deadline = T::Epochs::deadline(epoch.start);
		if let Some(slot) = Beacons::<T>::get(epoch.index, device) {
			return Some(Self::status(device, slot, deadline));
		}
		let usable = depin_proving::devices::usable_device::<_, T::Registry>(
			device,
			None,
			pallet_devices::DeviceKind::Coverage,
		)
		.is_ok();
		if !usable || !Self::wins(device, epoch.index, &epoch.seed) {
			return None;
		}
		let challenge = beacon_challenge(&epoch.seed, epoch.index, device);
		Some(Self::status(device, BeaconSlot::won(epoch.index, challenge), deadline))
	}

	fn status(
		device: DeviceId,
		slot: crate::BeaconSlotOf<T>,
		deadline: BlockNumberFor<T>,
	) -> BeaconStatus<BlockNumberFor<T>> {
		BeaconStatus {
			device,
			epoch: slot.epoch,
			challenge: slot.challenge,
			beacon: slot.beacon,
			witnesses: slot.witnesses.into_inner(),
			points: slot.points,
			deadline,
		}
	}

	/// The points `device` earns in the epoch in progress if it beacons and a valid witness
	/// confirms it: its density-scaled beacon points if it wins the lottery, is not confirmed
	/// yet and has not lost its coverage share, else 0 (witnessing cannot be foreseen).
	pub fn potential_points(device: DeviceId) -> u64 {
		let Some(ticket) = Self::ticket(device) else { return 0 };
		if !ticket.witnesses.is_empty()
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
