//! Storage migrations of the coverage pallet.

use crate::{pallet::*, BeaconSlot};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};
use frame_system::pallet_prelude::BlockNumberFor;

/// Version 0 to 1: a recorded beacon keeps the block that recorded it (`Beacon::recorded_at`),
/// which bounds when its receipts are taken. Beacons recorded before the upgrade take their
/// `sent_at`: the stricter choice (their receipts travelled with them).
pub type V0ToV1<T> =
	VersionedMigration<0, 1, v1::Migrate<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v1 {
	use super::*;
	use depin_primitives::{coverage::Beacon, epoch::EpochIndex, DeviceId};
	use sp_core::H256;

	/// A beacon as version 0 stored it.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct OldBeacon<BlockNumber> {
		pub id: H256,
		pub sent_at: BlockNumber,
		pub frequency: u32,
	}

	/// A beaconer's slot as version 0 stored it.
	#[derive(Encode, Decode)]
	pub struct OldBeaconSlot<BlockNumber, MaxWitnesses: Get<u32>> {
		pub epoch: EpochIndex,
		pub challenge: H256,
		pub beacon: Option<OldBeacon<BlockNumber>>,
		pub witnesses: BoundedVec<DeviceId, MaxWitnesses>,
		pub points: u64,
	}

	pub struct Migrate<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Migrate<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut slots: u64 = 0;
			Beaconers::<T>::translate::<OldBeaconSlot<BlockNumberFor<T>, T::MaxWitnesses>, _>(
				|_, old| {
					slots = slots.saturating_add(1);
					Some(BeaconSlot {
						epoch: old.epoch,
						challenge: old.challenge,
						beacon: old.beacon.map(|b| Beacon {
							id: b.id,
							sent_at: b.sent_at,
							frequency: b.frequency,
							recorded_at: b.sent_at,
						}),
						witnesses: old.witnesses,
						points: old.points,
					})
				},
			);
			T::DbWeight::get().reads_writes(slots, slots)
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::*;
	use frame_support::traits::OnRuntimeUpgrade;
	use sp_core::H256;

	#[test]
	fn v1_keeps_every_slot_and_dates_recorded_beacons_at_their_sending() {
		ExtBuilder.build_and_execute(|| {
			StorageVersion::new(0).put::<Coverage>();
			let old = |beacon: Option<v1::OldBeacon<u64>>, witnesses: Vec<u64>| v1::OldBeaconSlot::<
				u64,
				<Test as Config>::MaxWitnesses,
			> {
				epoch: 3,
				challenge: H256::repeat_byte(7),
				beacon,
				witnesses: witnesses.try_into().unwrap(),
				points: 40,
			};
			let recorded =
				v1::OldBeacon { id: H256::repeat_byte(1), sent_at: 31, frequency: 868_100 };
			let key = |device: u64| Beaconers::<Test>::hashed_key_for(device);
			frame_support::storage::unhashed::put(&key(1), &old(Some(recorded), vec![2, 3]));
			frame_support::storage::unhashed::put(&key(4), &old(None, vec![]));

			V0ToV1::<Test>::on_runtime_upgrade();

			assert_eq!(StorageVersion::get::<Coverage>(), 1);
			let slot = Beaconers::<Test>::get(1).expect("kept");
			assert_eq!(
				slot.beacon,
				Some(depin_primitives::coverage::Beacon {
					id: H256::repeat_byte(1),
					sent_at: 31,
					frequency: 868_100,
					recorded_at: 31,
				})
			);
			assert_eq!((slot.epoch, slot.witnesses.into_inner(), slot.points), (3, vec![2, 3], 40));
			assert_eq!(Beaconers::<Test>::get(4).expect("kept").beacon, None);
			// Run again: nothing changes (the version is already 1).
			let weight = V0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(
				weight,
				<<Test as frame_system::Config>::DbWeight as Get<
					frame_support::weights::RuntimeDbWeight,
				>>::get()
				.reads(1)
			);
			// The slots are no beaconers of the current draw: clear them for the invariants.
			let _ = Beaconers::<Test>::clear(u32::MAX, None);
		});
	}
}
