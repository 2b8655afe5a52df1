//! Storage migrations of the coverage pallet.

use crate::{pallet::*, BeaconSlot};
#[cfg(feature = "try-runtime")]
use alloc::vec::Vec;
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

	/// A beaconer's slot as version 1 stored it.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct BeaconSlotV1<BlockNumber, MaxWitnesses: Get<u32>> {
		pub epoch: EpochIndex,
		pub challenge: H256,
		pub beacon: Option<Beacon<BlockNumber>>,
		pub witnesses: BoundedVec<DeviceId, MaxWitnesses>,
		pub points: u64,
	}

	/// `Beaconers` as version 1 typed it.
	#[frame_support::storage_alias]
	pub type Beaconers<T: Config> = StorageMap<
		Pallet<T>,
		Twox64Concat,
		DeviceId,
		BeaconSlotV1<BlockNumberFor<T>, <T as Config>::MaxWitnesses>,
	>;

	pub struct Migrate<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Migrate<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut slots: u64 = 0;
			Beaconers::<T>::translate::<OldBeaconSlot<BlockNumberFor<T>, T::MaxWitnesses>, _>(
				|_, old| {
					slots = slots.saturating_add(1);
					Some(BeaconSlotV1 {
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

/// Version 1 to 2: a beacon's slot keeps its witnesses' marks (operators and cells, for the
/// diversity rules), its neighbours among them and its points before reciprocity
/// (`BeaconSlot::{marks, neighbours, full_points}`). Only the epoch in progress has slots:
/// theirs start with no marks and no neighbours (the diversity rules see the witnesses added
/// after the upgrade, and the neighbour check counts only those, for that one epoch), and
/// with `full_points` the points already paid. Every device heard before the upgrade (in
/// `LastHeard`) is vouched for: the network already there is what newcomers are judged by,
/// rather than each cell waiting for a pioneer, whoever beacons first. One pass over
/// `LastHeard` in the upgrade block: fine for the hotspots this chain has (thousands); a
/// network of hundreds of thousands would need a multi-block migration.
pub type V1ToV2<T> =
	VersionedMigration<1, 2, v2::Migrate<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v2 {
	use super::*;

	/// A beaconer's slot as version 1 stored it.
	pub use super::v1::BeaconSlotV1 as OldBeaconSlot;

	pub struct Migrate<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Migrate<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut slots: u64 = 0;
			super::v4::Beaconers::<T>::translate::<
				OldBeaconSlot<BlockNumberFor<T>, T::MaxWitnesses>,
				_,
			>(|_, old| {
				slots = slots.saturating_add(1);
				Some(super::v4::BeaconSlotV2 {
					epoch: old.epoch,
					challenge: old.challenge,
					beacon: old.beacon,
					witnesses: old.witnesses,
					points: old.points,
					full_points: old.points,
					marks: BoundedVec::new(),
					neighbours: 0,
				})
			});
			let mut heard: u64 = 0;
			for device in LastHeard::<T>::iter_keys() {
				heard = heard.saturating_add(1);
				super::v4::Standings::<T>::mutate(device, |standing| standing.vouched = true);
			}
			T::DbWeight::get().reads_writes(
				slots.saturating_add(heard.saturating_mul(2)),
				slots.saturating_add(heard),
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((super::v4::Beaconers::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("the pre-upgrade count"))?;
			let after = super::v4::Beaconers::<T>::iter().count() as u64;
			ensure!(before == after, "a beaconer's slot lost in the migration");
			ensure!(
				LastHeard::<T>::iter_keys()
					.all(|device| super::v4::Standings::<T>::get(device).vouched),
				"a device heard before the upgrade left on probation"
			);
			Ok(())
		}
	}
}

/// Version 2 to 3: a density cell's judges are the vouched hotspots in good standing that
/// *witnessed* there (a hotspot that never witnesses cannot be expected to hear anyone), and
/// each exclusion cell remembers whether one witnessed this epoch and the one before
/// (`LastVouchedIn` becomes a [`crate::HeardCount`] of 0 or 1), so a beacon is judged
/// without its own cell in either epoch. A cell's last epoch becomes a count of one in it
/// (whether it also counted in the epoch before is not known: the version 2 reading, for
/// that one epoch). `VouchedCellsIn` is kept as it is (it counted beaconers too: for two
/// epochs, more judges than witnessed, the stricter side). A density cell is inhabited
/// (`InhabitedIn`, new) as of the last epoch vouched devices or judges were heard there, so
/// the upgrade opens no cell to pioneers. `VouchedInCell`, the vouched devices heard per
/// density cell, is read no more: removed. A device out of the beacon roster is vouched for
/// no more (version 2 vouched for every device heard; one never drawn is never judged, and
/// would judge its cell for ever). One pass over the four maps in the upgrade block, one
/// entry per exclusion or density cell heard and per coverage device: fine for the hotspots
/// this chain has (thousands).
pub type V2ToV3<T> =
	VersionedMigration<2, 3, v3::Migrate<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v3 {
	use super::*;
	use crate::HeardCount;
	use depin_primitives::epoch::EpochIndex;
	use pallet_devices::h3::H3Cell;

	/// `LastVouchedIn` as version 2 typed it: each exclusion cell's last epoch.
	#[frame_support::storage_alias]
	pub type LastVouchedIn<T: Config> = StorageMap<Pallet<T>, Blake2_128Concat, H3Cell, EpochIndex>;

	/// `VouchedInCell` of version 2: removed by this migration.
	#[frame_support::storage_alias]
	pub type VouchedInCell<T: Config> =
		StorageMap<Pallet<T>, Blake2_128Concat, H3Cell, HeardCount, ValueQuery>;

	pub struct Migrate<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Migrate<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut cells: u64 = 0;
			crate::LastVouchedIn::<T>::translate::<EpochIndex, _>(|_, epoch| {
				cells = cells.saturating_add(1);
				Some(HeardCount { epoch, current: 1, previous: 0 })
			});
			// A density cell where vouched devices or judges were heard is inhabited.
			let mut inhabited: u64 = 0;
			for (cell, judges) in crate::VouchedCellsIn::<T>::iter() {
				let vouched = VouchedInCell::<T>::get(cell).last();
				if let Some(last) = judges.last().max(vouched) {
					inhabited = inhabited.saturating_add(1);
					crate::InhabitedIn::<T>::insert(cell, last);
				}
			}
			let removed = u64::from(VouchedInCell::<T>::clear(u32::MAX, None).unique);
			// Vouching is for devices judged as they beacon: version 2 vouched for every device
			// heard, in the roster or not, and one never drawn would never be judged again.
			// Out of the roster, out of the vouched (as `leave` does).
			let mut standings: u64 = 0;
			super::v4::Standings::<T>::translate::<super::v4::OldStanding<T::MaxPartners>, _>(
				|device, mut standing| {
					standings = standings.saturating_add(1);
					if standing.vouched && !RosterSlotOf::<T>::contains_key(device) {
						standing.vouched = false;
					}
					Some(standing)
				},
			);
			let reads = cells
				.saturating_add(inhabited.saturating_mul(2))
				.saturating_add(removed)
				.saturating_add(standings.saturating_mul(2));
			let writes =
				cells.saturating_add(inhabited).saturating_add(removed).saturating_add(standings);
			T::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			let cells: Vec<(H3Cell, EpochIndex)> = LastVouchedIn::<T>::iter().collect();
			Ok(cells.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = Vec::<(H3Cell, EpochIndex)>::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("the pre-upgrade cells"))?;
			ensure!(
				crate::LastVouchedIn::<T>::iter().count() == before.len(),
				"an exclusion cell lost in the migration"
			);
			for (cell, epoch) in before {
				ensure!(
					crate::LastVouchedIn::<T>::get(cell)
						== HeardCount { epoch, current: 1, previous: 0 },
					"an exclusion cell's epoch not kept"
				);
			}
			ensure!(VouchedInCell::<T>::iter_keys().next().is_none(), "VouchedInCell left");
			ensure!(
				super::v4::Standings::<T>::iter()
					.all(|(device, s)| !s.vouched || RosterSlotOf::<T>::contains_key(device)),
				"a device out of the roster left vouched for"
			);
			for (cell, judges) in crate::VouchedCellsIn::<T>::iter() {
				ensure!(
					judges.last() <= crate::InhabitedIn::<T>::get(cell),
					"a cell with judges not inhabited"
				);
			}
			Ok(())
		}
	}
}

/// Version 3 to 4: the beacon lottery. Beaconers are no longer drawn when an epoch starts: a
/// device on the roster beacons when its ticket wins, its slot made by its first beacon and
/// kept under its epoch ([`Beacons`]) until judged in the blocks after the epoch
/// ([`Pallet::judge_ended`]). The drawn beaconers of the epoch in progress (`Beaconers`, at most
/// `MaxBeacons` of version 3, 256 in the runtime) move there if they beaconed, counted in
/// [`BeaconCount`]; those that did not are dropped, as a winner that sends nothing is no
/// longer judged. `BeaconList` and `DrawnEpoch` are removed, and judging starts from the
/// epoch in progress (`JudgedFrom`). A device's vouching now lapses `VouchingLasts` beacon
/// intervals after the beacon that last renewed it (`Standing::vouched_until`): every standing
/// starts its count at the upgrade's epoch. A recorded beacon is judged by the judges around it
/// when its last bundle was taken (`BeaconSlot::judges`): the migrated ones, by those around
/// them at the upgrade. One pass over the roster's standings in the
/// upgrade block: fine for the hotspots this chain has (thousands); a network of hundreds of
/// thousands would need a multi-block migration.
pub type V3ToV4<T> =
	VersionedMigration<3, 4, v4::Migrate<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v4 {
	use super::*;
	use crate::{Partner, Standing, WitnessMark};
	use depin_primitives::{coverage::Beacon, epoch::EpochIndex, DeviceId};
	use depin_proving::ProvingEpochs;
	use pallet_devices::DeviceRegistry;
	use sp_core::H256;

	/// A beaconer's slot as versions 2 and 3 stored it.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct BeaconSlotV2<BlockNumber, MaxWitnesses: Get<u32>> {
		pub epoch: EpochIndex,
		pub challenge: H256,
		pub beacon: Option<Beacon<BlockNumber>>,
		pub witnesses: BoundedVec<DeviceId, MaxWitnesses>,
		pub points: u64,
		pub full_points: u64,
		pub marks: BoundedVec<WitnessMark, MaxWitnesses>,
		pub neighbours: u32,
	}

	/// The drawn beaconers of versions 1 to 3, by device.
	#[frame_support::storage_alias]
	pub type Beaconers<T: Config> = StorageMap<
		Pallet<T>,
		Twox64Concat,
		DeviceId,
		BeaconSlotV2<BlockNumberFor<T>, <T as Config>::MaxWitnesses>,
	>;

	/// The draw order of version 3's beaconers.
	#[frame_support::storage_alias]
	pub type BeaconList<T: Config> = StorageValue<Pallet<T>, alloc::vec::Vec<DeviceId>>;

	/// The epoch version 3 last drew beaconers for.
	#[frame_support::storage_alias]
	pub type DrawnEpoch<T: Config> = StorageValue<Pallet<T>, EpochIndex>;

	/// A standing as versions 2 and 3 stored it.
	#[derive(Encode, Decode, frame_support::DefaultNoBound)]
	pub struct OldStanding<MaxPartners: Get<u32>> {
		pub epoch: EpochIndex,
		pub witnessed: u32,
		pub unheard: u32,
		pub vouched: bool,
		pub partners: BoundedVec<Partner, MaxPartners>,
	}

	/// `Standings` as versions 2 and 3 typed it (their migrations read and write this layout).
	#[frame_support::storage_alias]
	pub type Standings<T: Config> = StorageMap<
		Pallet<T>,
		Twox64Concat,
		DeviceId,
		OldStanding<<T as Config>::MaxPartners>,
		ValueQuery,
	>;

	pub struct Migrate<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Migrate<T> {
		fn on_runtime_upgrade() -> Weight {
			let current = T::Epochs::current().index;
			let (mut slots, mut kept, mut from): (u64, u32, EpochIndex) = (0, 0, current);
			for (device, old) in Beaconers::<T>::drain() {
				slots = slots.saturating_add(1);
				if old.beacon.is_none() || old.epoch > current {
					continue;
				}
				// Judged by the judges around it now, as a beacon's last bundle sets them.
				let judges = T::Registry::device(device)
					.and_then(|d| {
						let cell = T::Registry::density_cell(d.location)?;
						let exclusion = d.location.parent(T::ExclusionResolution::get())?;
						Some(Pallet::<T>::judges_around(cell, exclusion, old.epoch))
					})
					.unwrap_or_default();
				let slot = BeaconSlot {
					epoch: old.epoch,
					challenge: old.challenge,
					beacon: old.beacon,
					witnesses: old.witnesses,
					points: old.points,
					full_points: old.full_points,
					marks: old.marks,
					neighbours: old.neighbours,
					judges,
				};
				from = from.min(slot.epoch);
				BeaconCount::<T>::mutate(slot.epoch, |count| *count = count.saturating_add(1));
				Beacons::<T>::insert(slot.epoch, device, slot);
				kept = kept.saturating_add(1);
			}
			JudgedFrom::<T>::put(from);
			BeaconList::<T>::kill();
			DrawnEpoch::<T>::kill();
			let mut standings: u64 = 0;
			crate::Standings::<T>::translate::<OldStanding<T::MaxPartners>, _>(|_, old| {
				standings = standings.saturating_add(1);
				Some(Standing {
					epoch: old.epoch,
					witnessed: old.witnessed,
					unheard: old.unheard,
					vouched: old.vouched,
					vouched_until: current.saturating_add(Pallet::<T>::vouching_epochs()),
					partners: old.partners,
				})
			});
			let kept = u64::from(kept);
			T::DbWeight::get().reads_writes(
				slots.saturating_add(standings).saturating_add(kept).saturating_add(1),
				slots
					.saturating_add(standings)
					.saturating_add(kept.saturating_mul(2))
					.saturating_add(3),
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			let beacons = Beaconers::<T>::iter_values().filter(|s| s.beacon.is_some()).count();
			let standings = crate::Standings::<T>::iter_keys().count();
			Ok((beacons as u64, standings as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let (beacons, standings) = <(u64, u64)>::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("the pre-upgrade counts"))?;
			ensure!(Beaconers::<T>::iter_keys().next().is_none(), "Beaconers left");
			ensure!(!BeaconList::<T>::exists() && !DrawnEpoch::<T>::exists(), "the draw left");
			ensure!(Beacons::<T>::iter().count() as u64 == beacons, "a recorded beacon lost");
			ensure!(
				crate::Standings::<T>::iter_keys().count() as u64 == standings,
				"a standing lost in the migration"
			);
			Ok(())
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
			let key = |device: u64| v4::Beaconers::<Test>::hashed_key_for(device);
			frame_support::storage::unhashed::put(&key(1), &old(Some(recorded), vec![2, 3]));
			frame_support::storage::unhashed::put(&key(4), &old(None, vec![]));

			V0ToV1::<Test>::on_runtime_upgrade();

			assert_eq!(StorageVersion::get::<Coverage>(), 1);
			let slot = v1::Beaconers::<Test>::get(1).expect("kept");
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
			assert_eq!(v1::Beaconers::<Test>::get(4).expect("kept").beacon, None);
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
			let _ = v4::Beaconers::<Test>::clear(u32::MAX, None);
		});
	}

	#[test]
	fn v2_keeps_every_slot_with_its_witnesses_and_points() {
		ExtBuilder.build_and_execute(|| {
			StorageVersion::new(1).put::<Coverage>();
			let beacon = depin_primitives::coverage::Beacon {
				id: H256::repeat_byte(1),
				sent_at: 31u64,
				frequency: 868_100,
				recorded_at: 32,
			};
			let old = |beacon, witnesses: Vec<u64>, points| v2::OldBeaconSlot::<
				u64,
				<Test as Config>::MaxWitnesses,
			> {
				epoch: 3,
				challenge: H256::repeat_byte(7),
				beacon,
				witnesses: witnesses.try_into().unwrap(),
				points,
			};
			let key = |device: u64| v4::Beaconers::<Test>::hashed_key_for(device);
			frame_support::storage::unhashed::put(&key(1), &old(Some(beacon), vec![2, 3], 40));
			frame_support::storage::unhashed::put(&key(4), &old(None, vec![], 0));
			// A device heard before the upgrade, and one that never was.
			let (heard, unheard) = (97, 98);
			LastHeard::<Test>::insert(heard, 2);

			V1ToV2::<Test>::on_runtime_upgrade();

			assert_eq!(StorageVersion::get::<Coverage>(), 2);
			let slot = v4::Beaconers::<Test>::get(1).expect("kept");
			assert_eq!(slot.beacon, Some(beacon));
			assert_eq!(
				(slot.epoch, slot.challenge, slot.witnesses.into_inner(), slot.points),
				(3, H256::repeat_byte(7), vec![2, 3], 40)
			);
			assert_eq!((slot.full_points, slot.marks.len(), slot.neighbours), (40, 0, 0));
			let silent = v4::Beaconers::<Test>::get(4).expect("kept");
			assert_eq!((silent.beacon, silent.witnesses.len(), silent.points), (None, 0, 0));
			assert!(v4::Standings::<Test>::get(heard).vouched, "the network there is vouched for");
			assert!(!v4::Standings::<Test>::contains_key(unheard));
			// Again: nothing changes (the version is already 2).
			V1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(v4::Beaconers::<Test>::get(1).expect("kept").points, 40);
			let _ = v4::Beaconers::<Test>::clear(u32::MAX, None);
			LastHeard::<Test>::remove(heard);
			v4::Standings::<Test>::remove(heard);
		});
	}

	#[test]
	fn v3_keeps_each_exclusion_cells_epoch_and_removes_the_vouched_counts() {
		ExtBuilder.build_and_execute(|| {
			StorageVersion::new(2).put::<Coverage>();
			// Two hotspots vouched for in version 2's layout, one of them in the roster, with a
			// partner each.
			join(NEAR_BOB);
			let _ = Standings::<Test>::clear(u32::MAX, None);
			for (device, partner) in [(NEAR_BOB, NEAR_CHARLIE), (NEAR_CHARLIE, NEAR_BOB)] {
				v4::Standings::<Test>::insert(
					device,
					v4::OldStanding {
						epoch: 0,
						witnessed: 1,
						unheard: 0,
						vouched: true,
						partners: vec![crate::Partner { device: partner, count: 3, epoch: 0 }]
							.try_into()
							.unwrap(),
					},
				);
			}
			let cell = |raw: u64| pallet_devices::h3::H3Cell::new(raw).unwrap();
			let a = cell(location_of(BEACONER)).parent(8).unwrap();
			let density = cell(location_of(BEACONER)).parent(7).unwrap();
			v3::LastVouchedIn::<Test>::insert(a, 0);
			v3::VouchedInCell::<Test>::insert(
				density,
				crate::HeardCount { epoch: 0, current: 2, previous: 0 },
			);
			HeardInCell::<Test>::insert(
				density,
				crate::HeardCount { epoch: 0, current: 2, previous: 0 },
			);
			VouchedCellsIn::<Test>::insert(
				density,
				crate::HeardCount { epoch: 0, current: 1, previous: 0 },
			);

			#[cfg(feature = "try-runtime")]
			let state = <v3::Migrate<Test> as UncheckedOnRuntimeUpgrade>::pre_upgrade().unwrap();
			V2ToV3::<Test>::on_runtime_upgrade();
			#[cfg(feature = "try-runtime")]
			<v3::Migrate<Test> as UncheckedOnRuntimeUpgrade>::post_upgrade(state).unwrap();

			assert_eq!(StorageVersion::get::<Coverage>(), 3);
			assert_eq!(
				LastVouchedIn::<Test>::get(a),
				crate::HeardCount { epoch: 0, current: 1, previous: 0 }
			);
			assert!(!v3::VouchedInCell::<Test>::contains_key(density));
			// The judges' count is kept, and the cell is inhabited as of its last vouched
			// device heard.
			assert_eq!(VouchedCellsIn::<Test>::get(density).current, 1);
			assert_eq!(InhabitedIn::<Test>::get(density), Some(0));
			assert!(Coverage::inhabited(density, 0));
			assert!(v4::Standings::<Test>::get(NEAR_BOB).vouched, "in the roster: still vouched");
			assert!(!v4::Standings::<Test>::get(NEAR_CHARLIE).vouched, "never drawn: no more");
			assert_eq!(v4::Standings::<Test>::get(NEAR_BOB).partners.len(), 1);
			// Again: nothing changes (the version is already 3).
			V2ToV3::<Test>::on_runtime_upgrade();
			assert_eq!(LastVouchedIn::<Test>::get(a).current, 1);
			// And on to version 4, as an upgrade from version 2 runs them: the standings keep
			// their partners and vouching in the new layout.
			V3ToV4::<Test>::on_runtime_upgrade();
			let bob = Standings::<Test>::get(NEAR_BOB);
			assert_eq!((bob.vouched, bob.witnessed, bob.partners.len()), (true, 1, 1));
			assert_eq!(bob.partners[0].device, NEAR_CHARLIE);
			assert!(!Standings::<Test>::get(NEAR_CHARLIE).vouched);
			assert_eq!(Standings::<Test>::iter().count(), 2);
		});
	}

	#[test]
	fn v4_keeps_the_recorded_beacons_under_their_epoch_and_starts_every_vouching_now() {
		ExtBuilder.build_and_execute(|| {
			run_to_epoch(2);
			StorageVersion::new(3).put::<Coverage>();
			// Version 3's draw for epoch 2: one beaconer that beaconed, one that did not.
			let beacon = depin_primitives::coverage::Beacon {
				id: H256::repeat_byte(1),
				sent_at: 20u64,
				frequency: 868_100,
				recorded_at: 21,
			};
			let old_slot = |challenge, beacon, witnesses: Vec<u64>, points| v4::BeaconSlotV2::<
				u64,
				<Test as Config>::MaxWitnesses,
			> {
				epoch: 2,
				challenge,
				beacon,
				witnesses: witnesses.try_into().unwrap(),
				points,
				full_points: points,
				marks: Default::default(),
				neighbours: 1,
			};
			let beaconed = old_slot(H256::repeat_byte(7), Some(beacon), vec![NEAR_BOB], 40);
			v4::Beaconers::<Test>::insert(BEACONER, beaconed.clone());
			let silent = old_slot(H256::repeat_byte(8), None, vec![], 0);
			v4::Beaconers::<Test>::insert(NEAR_CHARLIE, silent);
			// Judges heard around the beaconer: two exclusion cells of its density cell.
			let judges = crate::HeardCount { epoch: 2, current: 2, previous: 0 };
			VouchedCellsIn::<Test>::insert(
				pallet_devices::h3::H3Cell::new(location_of(BEACONER)).unwrap().parent(7).unwrap(),
				judges,
			);
			v4::BeaconList::<Test>::put(vec![BEACONER, NEAR_CHARLIE]);
			v4::DrawnEpoch::<Test>::put(2);
			// Standings as version 3 stored them.
			let _ = Standings::<Test>::clear(u32::MAX, None);
			let old = |vouched, unheard| v4::OldStanding::<<Test as Config>::MaxPartners> {
				epoch: 1,
				witnessed: 3,
				unheard,
				vouched,
				partners: vec![crate::Partner { device: FAR_EVE, count: 2, epoch: 1 }]
					.try_into()
					.unwrap(),
			};
			let key = |device: u64| Standings::<Test>::hashed_key_for(device);
			frame_support::storage::unhashed::put(&key(BEACONER), &old(true, 0));
			frame_support::storage::unhashed::put(&key(NEAR_BOB), &old(false, 2));

			#[cfg(feature = "try-runtime")]
			let state = <v4::Migrate<Test> as UncheckedOnRuntimeUpgrade>::pre_upgrade().unwrap();
			V3ToV4::<Test>::on_runtime_upgrade();
			#[cfg(feature = "try-runtime")]
			<v4::Migrate<Test> as UncheckedOnRuntimeUpgrade>::post_upgrade(state).unwrap();

			assert_eq!(StorageVersion::get::<Coverage>(), 4);
			assert_eq!(v4::Beaconers::<Test>::iter().count(), 0);
			assert!(!v4::BeaconList::<Test>::exists() && !v4::DrawnEpoch::<Test>::exists());
			// The beacon is kept under its epoch, counted, and judged once the epoch ends; the
			// silent beaconer is dropped.
			let kept = Beacons::<Test>::get(2, BEACONER).unwrap();
			assert_eq!(
				(kept.challenge, kept.beacon, kept.witnesses.clone(), kept.points, kept.neighbours),
				(beaconed.challenge, Some(beacon), beaconed.witnesses, 40, 1)
			);
			assert_eq!((kept.full_points, kept.judges), (40, 2));
			VouchedCellsIn::<Test>::remove(
				pallet_devices::h3::H3Cell::new(location_of(BEACONER)).unwrap().parent(7).unwrap(),
			);
			assert_eq!(Beacons::<Test>::get(2, NEAR_CHARLIE), None);
			assert_eq!((BeaconCount::<Test>::get(2), JudgedFrom::<Test>::get()), (1, 2));
			let beaconer = Standings::<Test>::get(BEACONER);
			assert_eq!(
				(
					beaconer.vouched,
					beaconer.vouched_until,
					beaconer.witnessed,
					beaconer.partners.len()
				),
				(true, 2 + 1_000, 3, 1)
			);
			let bob = Standings::<Test>::get(NEAR_BOB);
			assert_eq!((bob.vouched, bob.unheard, bob.vouched_until), (false, 2, 2 + 1_000));
			run_to_epoch(3);
			assert_eq!(Beacons::<Test>::iter().count(), 0);
			assert_eq!(JudgedFrom::<Test>::get(), 3);
			// Again: nothing changes (the version is already 4).
			V3ToV4::<Test>::on_runtime_upgrade();
			assert_eq!(Standings::<Test>::get(BEACONER).vouched_until, 2 + 1_000);
		});
	}
}
