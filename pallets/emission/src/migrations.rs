//! Storage migrations of the emission pallet.

use crate::{pallet::*, types::*, BalanceOf};
use alloc::{collections::BTreeMap, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry};
use sp_runtime::traits::{Saturating, Zero};

/// Version 0 to 1: lazy rewards. Version 0 kept a receipt per device and epoch
/// (`Receipts`, `UsageCaps`, `UnpaidReceipts`), each claimed on its own; version 1 keeps one
/// record per device ([`DeviceEarnings`]) whose balance one claim pays. See [`v1::Lazy`]. It
/// writes the closed epochs in version 1's layout (three kinds: [`v1::EpochRewardsV1`]), which
/// [`V1ToV2`] then widens.
pub type V0ToV1<T> =
	VersionedMigration<0, 1, v1::Lazy<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v1 {
	use super::*;

	/// Version 0's receipt of a device for an epoch.
	#[derive(Clone, Copy, Encode, Decode)]
	pub struct OldReceipt<Balance> {
		pub kind: DeviceKind,
		pub points: u64,
		pub paid: Option<Balance>,
	}

	/// Version 0's closed epoch: one `claimed` for devices and validators together.
	#[derive(Clone, Copy, Encode, Decode)]
	pub struct OldEpochRewards<Balance> {
		pub points: PerKindV1<u64>,
		pub blocks: u32,
		pub emission: Balance,
		pub pools: PerKindV1<Balance>,
		pub validators: Balance,
		pub treasury: Balance,
		pub claimed: Balance,
	}

	/// The kinds of versions 0 and 1: storage, coverage, compute.
	pub const KINDS_V1: usize = 3;

	/// A [`PerKind`] of versions 0 and 1: an entry for each of the first [`KINDS_V1`] kinds of
	/// [`DeviceKind::ALL`].
	#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, Debug)]
	pub struct PerKindV1<T>(pub [T; KINDS_V1]);

	impl<T: Copy + Default> PerKindV1<T> {
		/// The same values with an entry for every kind of today: the kinds added since hold
		/// the default (zero).
		pub fn widen(self) -> PerKind<T> {
			PerKind::from_fn(|kind| self.0.get(kind.index()).copied().unwrap_or_default())
		}

		/// The entries of the first [`KINDS_V1`] kinds of `values` (the kinds added since are
		/// dropped: the caller knows them to be zero).
		pub fn narrow(values: &PerKind<T>) -> Self {
			Self(core::array::from_fn(|i| values.0.get(i).copied().unwrap_or_default()))
		}
	}

	/// [`Tally`] as versions 0 and 1 stored it.
	#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, Debug)]
	pub struct TallyV1 {
		pub points: PerKindV1<u64>,
		pub blocks: u32,
	}

	impl From<TallyV1> for Tally {
		fn from(old: TallyV1) -> Self {
			Self { points: old.points.widen(), blocks: old.blocks }
		}
	}

	/// [`EpochRewards`] as version 1 stored it.
	#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, Debug)]
	pub struct EpochRewardsV1<Balance> {
		pub points: PerKindV1<u64>,
		pub blocks: u32,
		pub emission: Balance,
		pub pools: PerKindV1<Balance>,
		pub validators: Balance,
		pub treasury: Balance,
		pub settled_points: PerKindV1<u64>,
		pub settled: PerKindV1<Balance>,
		pub validators_paid: Balance,
	}

	impl<Balance: Copy + Default> From<EpochRewardsV1<Balance>> for EpochRewards<Balance> {
		fn from(old: EpochRewardsV1<Balance>) -> Self {
			Self {
				points: old.points.widen(),
				blocks: old.blocks,
				emission: old.emission,
				pools: old.pools.widen(),
				validators: old.validators,
				treasury: old.treasury,
				settled_points: old.settled_points.widen(),
				settled: old.settled.widen(),
				validators_paid: old.validators_paid,
			}
		}
	}

	impl<Balance: Copy + Default> EpochRewardsV1<Balance> {
		/// `rewards` in version 1's layout: only the kinds of version 1 (the others are zero
		/// in books written by version 1's code).
		pub fn narrow(rewards: &EpochRewards<Balance>) -> Self {
			Self {
				points: PerKindV1::narrow(&rewards.points),
				blocks: rewards.blocks,
				emission: rewards.emission,
				pools: PerKindV1::narrow(&rewards.pools),
				validators: rewards.validators,
				treasury: rewards.treasury,
				settled_points: PerKindV1::narrow(&rewards.settled_points),
				settled: PerKindV1::narrow(&rewards.settled),
				validators_paid: rewards.validators_paid,
			}
		}
	}

	/// The maps that hold [`PerKind`] values, typed as versions 0 and 1 stored them (their
	/// storage names are the pallet's: an alias is named as its map).
	pub mod layout {
		use super::*;

		/// `Tallies` in versions 0 and 1.
		#[frame_support::storage_alias]
		pub type Tallies<T: Config> =
			StorageMap<Pallet<T>, Twox64Concat, EpochIndex, TallyV1, ValueQuery>;

		/// `Rewards` in version 1.
		#[frame_support::storage_alias]
		pub type Rewards<T: Config> = StorageMap<
			Pallet<T>,
			Twox64Concat,
			EpochIndex,
			EpochRewardsV1<BalanceOf<T>>,
			OptionQuery,
		>;
	}

	#[frame_support::storage_alias]
	pub type Receipts<T: Config> = StorageDoubleMap<
		Pallet<T>,
		Twox64Concat,
		EpochIndex,
		Twox64Concat,
		DeviceId,
		OldReceipt<BalanceOf<T>>,
		OptionQuery,
	>;

	#[frame_support::storage_alias]
	pub type UsageCaps<T: Config> = StorageDoubleMap<
		Pallet<T>,
		Twox64Concat,
		EpochIndex,
		Twox64Concat,
		DeviceId,
		BalanceOf<T>,
		ValueQuery,
	>;

	#[frame_support::storage_alias]
	pub type UnpaidReceipts<T: Config> =
		StorageMap<Pallet<T>, Twox64Concat, DeviceId, u32, ValueQuery>;

	/// A version 0 receipt and its epoch.
	type EpochReceipt<T> = (EpochIndex, OldReceipt<BalanceOf<T>>);

	/// Turn every device's receipts into its earnings, in one block (chains of version 0 run
	/// a few dozen devices; each receipt is a read and each device a write):
	///
	/// - the receipt of the epoch in progress, with its usage cap, becomes the open epoch (a
	///   cap without points too);
	/// - an unpaid receipt of a claimable epoch is settled: its amount, as the claim would
	///   have paid it, goes to the balance and the epoch's settled sums;
	/// - paid receipts, and unpaid ones of expired epochs, are kept as settled epochs (the
	///   newest [`RECENT_RECEIPTS`]);
	/// - each epoch's `claimed` splits into what devices of each kind were paid (their
	///   receipts) and what validators were paid (theirs).
	pub struct Lazy<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for Lazy<T> {
		fn on_runtime_upgrade() -> Weight {
			let current = CurrentEpoch::<T>::get();
			let mut reads: u64 = 2;
			let mut writes: u64 = 0;
			// The books are kept with today's kinds while they are worked on, and written in
			// version 1's layout.
			let mut epochs: BTreeMap<EpochIndex, EpochRewards<BalanceOf<T>>> = BTreeMap::new();
			layout::Rewards::<T>::translate::<OldEpochRewards<BalanceOf<T>>, _>(|epoch, old| {
				reads.saturating_inc();
				let validators_paid = AuthorReceipts::<T>::iter_prefix_values(epoch)
					.filter_map(|r| r.paid)
					.fold(Zero::zero(), |sum: BalanceOf<T>, paid| sum.saturating_add(paid));
				let new = EpochRewards {
					points: old.points.widen(),
					blocks: old.blocks,
					emission: old.emission,
					pools: old.pools.widen(),
					validators: old.validators,
					treasury: old.treasury,
					settled_points: PerKind::default(),
					settled: PerKind::default(),
					validators_paid,
				};
				epochs.insert(epoch, new);
				None
			});

			let mut receipts: BTreeMap<DeviceId, Vec<EpochReceipt<T>>> = BTreeMap::new();
			for (epoch, device, receipt) in Receipts::<T>::drain() {
				reads.saturating_inc();
				receipts.entry(device).or_default().push((epoch, receipt));
			}
			let caps: BTreeMap<(EpochIndex, DeviceId), BalanceOf<T>> = UsageCaps::<T>::drain()
				.map(|(epoch, device, cap)| ((epoch, device), cap))
				.collect();
			reads = reads.saturating_add(caps.len() as u64);
			let cap = |epoch: EpochIndex, device: DeviceId| {
				caps.get(&(epoch, device)).copied().unwrap_or_else(Zero::zero)
			};

			let mut earnings: BTreeMap<DeviceId, Earnings<BalanceOf<T>>> = BTreeMap::new();
			for (device, mut list) in receipts {
				list.sort_by_key(|(epoch, _)| *epoch);
				let Some((_, first)) = list.first() else { continue };
				let mut record = Earnings::new(first.kind);
				// A device removed since: its paid receipts still count in their epochs'
				// books, but it keeps no record (no removal will come to delete it).
				let registered = T::Registry::owner(device).is_some();
				for (epoch, receipt) in list {
					if receipt.kind != record.kind {
						continue;
					}
					if epoch >= current {
						record.open = Some(OpenEpoch {
							epoch,
							points: receipt.points,
							fees: cap(epoch, device),
						});
						continue;
					}
					// What was paid counts in its epoch's books while they are kept (an epoch
					// past its window may still wait for its expiry); unpaid receipts of an
					// expired epoch are not settled.
					let expired = Pallet::<T>::expired(epoch, current);
					let books = epochs.get_mut(&epoch);
					let live = match receipt.paid {
						Some(_) => books,
						None => books.filter(|_| !expired),
					};
					let (amount, settlement) = match (receipt.paid, live) {
						(Some(paid), Some(rewards)) => {
							rewards.settled.add(receipt.kind, paid);
							rewards.settled_points.add(receipt.kind, receipt.points);
							(paid, Settlement::Paid)
						},
						(Some(paid), None) => (paid, Settlement::Paid),
						(None, Some(rewards)) if registered => {
							let amount = Pallet::<T>::epoch_share(
								rewards,
								receipt.kind,
								receipt.points,
								cap(epoch, device),
							);
							rewards.settled.add(receipt.kind, amount);
							rewards.settled_points.add(receipt.kind, receipt.points);
							record.accrued = record.accrued.saturating_add(amount);
							(amount, Settlement::Accrued)
						},
						(None, _) => (Zero::zero(), Settlement::Expired),
					};
					if record.recent.is_full() {
						record.recent.remove(0);
					}
					let _ = record.recent.try_push(SettledEpoch {
						epoch,
						points: receipt.points,
						amount,
						settlement,
					});
				}
				if registered {
					earnings.insert(device, record);
				}
			}
			// Fees burned in the epoch in progress by devices without points in it yet.
			for ((epoch, device), fees) in caps.iter().map(|(key, fees)| (*key, *fees)) {
				if epoch < current {
					continue;
				}
				let Some(kind) = T::Registry::kind(device) else { continue };
				let record = earnings.entry(device).or_insert_with(|| Earnings::new(kind));
				if record.open.is_none() {
					record.open = Some(OpenEpoch { epoch, points: 0, fees });
				}
			}

			for (epoch, rewards) in epochs {
				layout::Rewards::<T>::insert(epoch, EpochRewardsV1::narrow(&rewards));
				writes.saturating_inc();
			}
			for (device, record) in earnings {
				DeviceEarnings::<T>::insert(device, record);
				writes.saturating_inc();
			}
			let unpaid = UnpaidReceipts::<T>::drain().count() as u64;
			writes = writes.saturating_add(unpaid).saturating_add(reads);
			T::DbWeight::get().reads_writes(reads.saturating_add(unpaid), writes)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(Vec::new())
		}

		/// The pallet's invariants are checked after [`V1ToV2`], once the books are in
		/// today's layout.
		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(Receipts::<T>::iter().next().is_none(), "receipts left");
			ensure!(UsageCaps::<T>::iter().next().is_none(), "usage caps left");
			ensure!(
				layout::Rewards::<T>::iter().count() == layout::Rewards::<T>::iter_keys().count(),
				"a closed epoch not in version 1's layout"
			);
			Ok(())
		}
	}
}

/// Version 1 to 2: a fourth device kind, [`DeviceKind::Sensor`]. A [`PerKind`] holds an entry
/// per kind, so every stored one grows from three entries to four, the sensor's zero: the
/// tally of the epoch in progress (`Tallies`) and the books of the closed epochs still in
/// their claim window (`Rewards`). Nothing else stores one (a device's `Earnings` names its
/// kind, whose encoding does not change: a new kind goes at the end). One pass over both in
/// the upgrade block: about `ClaimWindow` + 1 entries (721 on the runtime), each a read and a
/// write. See [`v2::AddSensor`].
pub type V1ToV2<T> =
	VersionedMigration<1, 2, v2::AddSensor<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

pub mod v2 {
	use super::{
		v1::{EpochRewardsV1, TallyV1},
		*,
	};

	/// Widen every stored [`Tally`] and [`EpochRewards`] from version 1's three kinds to
	/// today's, the sensor's entries zero: an epoch's books say the same, and no sensor device
	/// had points, a pool or a settlement in it.
	pub struct AddSensor<T>(core::marker::PhantomData<T>);

	/// What the checks before the upgrade saw: every tally and every closed epoch, as
	/// version 1 stored them.
	#[cfg(feature = "try-runtime")]
	type Seen<Balance> = (Vec<(EpochIndex, TallyV1)>, Vec<(EpochIndex, EpochRewardsV1<Balance>)>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for AddSensor<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut entries: u64 = 0;
			Tallies::<T>::translate::<TallyV1, _>(|_, old| {
				entries.saturating_inc();
				Some(old.into())
			});
			Rewards::<T>::translate::<EpochRewardsV1<BalanceOf<T>>, _>(|_, old| {
				entries.saturating_inc();
				Some(old.into())
			});
			T::DbWeight::get().reads_writes(entries, entries)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			use super::v1::layout;
			let tallies: Vec<_> = layout::Tallies::<T>::iter().collect();
			let rewards: Vec<_> = layout::Rewards::<T>::iter().collect();
			ensure!(
				tallies.len() == layout::Tallies::<T>::iter_keys().count(),
				"a tally not in version 1's layout"
			);
			ensure!(
				rewards.len() == layout::Rewards::<T>::iter_keys().count(),
				"a closed epoch not in version 1's layout"
			);
			Ok((tallies, rewards).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let (tallies, rewards) = Seen::<BalanceOf<T>>::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("the pre-upgrade books"))?;
			ensure!(Tallies::<T>::iter().count() == tallies.len(), "a tally lost in the migration");
			ensure!(
				Rewards::<T>::iter().count() == rewards.len(),
				"a closed epoch lost in the migration"
			);
			for (epoch, old) in tallies {
				ensure!(
					Tallies::<T>::try_get(epoch) == Ok(Tally::from(old)),
					"a tally changed in the migration"
				);
			}
			for (epoch, old) in rewards {
				ensure!(
					Rewards::<T>::get(epoch) == Some(EpochRewards::from(old)),
					"a closed epoch changed in the migration"
				);
			}
			Pallet::<T>::do_try_state()
		}
	}
}

#[cfg(test)]
mod tests {
	// Test code: an overflow panics, which fails the test.
	#![allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]

	use super::{v1::*, *};
	use crate::mock::*;
	use frame_support::{
		assert_ok,
		traits::{fungible::Mutate, GetStorageVersion, OnRuntimeUpgrade},
	};

	mod old {
		use super::*;

		/// Version 0's closed epochs.
		#[frame_support::storage_alias]
		pub type Rewards<T: Config> = StorageMap<
			Pallet<T>,
			Twox64Concat,
			EpochIndex,
			OldEpochRewards<BalanceOf<T>>,
			OptionQuery,
		>;
	}

	/// Version 0's books: epoch 0 (B and validator 1 paid, A not), epoch 1 (A not paid), and
	/// A's points in epoch 2, in progress; upgraded as the runtime does, to version 1 then 2.
	#[test]
	fn receipts_become_each_devices_earnings() {
		build().execute_with(|| {
			StorageVersion::new(0).put::<Pallet<Test>>();
			CurrentEpoch::<Test>::put(2);
			let old =
				|points: [u64; 3], pools: [Balance; 3], validators, claimed| OldEpochRewards {
					points: PerKindV1(points),
					blocks: 4,
					emission: 10_000,
					pools: PerKindV1(pools),
					validators,
					treasury: 1_000,
					claimed,
				};
			old::Rewards::<Test>::insert(0, old([4, 5, 2], [4_000, 2_500, 1_500], 1_000, 1_750));
			old::Rewards::<Test>::insert(1, old([1, 0, 0], [4_000, 0, 0], 0, 0));
			let minted = 9_000 - 1_750 + 4_000;
			Balances::mint_into(&Pallet::<Test>::pot(), minted).unwrap();
			Minted::<Test>::put(minted);
			Scheduled::<Test>::put(20_000);
			let receipt = |points, paid| OldReceipt { kind: DeviceKind::Storage, points, paid };
			Receipts::<Test>::insert(0, STORAGE_A, receipt(3, None));
			Receipts::<Test>::insert(0, STORAGE_B, receipt(1, Some(1_000)));
			Receipts::<Test>::insert(1, STORAGE_A, receipt(1, None));
			Receipts::<Test>::insert(2, STORAGE_A, receipt(5, None));
			UsageCaps::<Test>::insert(2, STORAGE_A, 70);
			UnpaidReceipts::<Test>::insert(STORAGE_A, 3);
			AuthorReceipts::<Test>::insert(0, VAL_1, AuthorReceipt { blocks: 3, paid: Some(750) });
			AuthorReceipts::<Test>::insert(0, VAL_2, AuthorReceipt { blocks: 1, paid: None });
			layout::Tallies::<Test>::insert(2, TallyV1 { points: PerKindV1([5, 0, 0]), blocks: 0 });

			V0ToV1::<Test>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			assert_eq!(Receipts::<Test>::iter().count(), 0);
			assert_eq!(UsageCaps::<Test>::iter().count(), 0);
			assert_eq!(UnpaidReceipts::<Test>::iter().count(), 0);
			// Version 1's layout: three kinds.
			let epoch0 = layout::Rewards::<Test>::get(0).unwrap();
			assert_eq!(epoch0.settled, PerKindV1([4_000, 0, 0]));
			assert_eq!(epoch0.settled_points, PerKindV1([4, 0, 0]));
			assert_eq!(epoch0.validators_paid, 750);
			assert_eq!(layout::Rewards::<Test>::get(1).unwrap().settled, PerKindV1([4_000, 0, 0]));

			V1ToV2::<Test>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 2);
			let epoch0 = Rewards::<Test>::get(0).unwrap();
			assert_eq!(epoch0.points, PerKind([4, 5, 2, 0]));
			assert_eq!(epoch0.pools, PerKind([4_000, 2_500, 1_500, 0]));
			assert_eq!(epoch0.settled, PerKind([4_000, 0, 0, 0]));
			assert_eq!(epoch0.settled_points, PerKind([4, 0, 0, 0]));
			assert_eq!(Rewards::<Test>::get(1).unwrap().settled, PerKind([4_000, 0, 0, 0]));
			assert_eq!(Tallies::<Test>::get(2), Tally { points: PerKind([5, 0, 0, 0]), blocks: 0 });
			let a = DeviceEarnings::<Test>::get(STORAGE_A).unwrap();
			assert_eq!(a.accrued, 7_000);
			assert_eq!(
				a.recent.iter().map(|r| (r.epoch, r.amount, r.settlement)).collect::<Vec<_>>(),
				vec![(0, 3_000, Settlement::Accrued), (1, 4_000, Settlement::Accrued)]
			);
			assert_eq!(a.open, Some(OpenEpoch { epoch: 2, points: 5, fees: 70 }));
			let b = DeviceEarnings::<Test>::get(STORAGE_B).unwrap();
			assert_eq!(b.accrued, 0);
			assert_eq!(b.recent.first().map(|r| r.settlement), Some(Settlement::Paid));
			Pallet::<Test>::do_try_state().unwrap();

			// A's owner claims both epochs at once.
			let alice = balance(ALICE);
			assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
			assert_eq!(balance(ALICE) - alice, 7_000);

			// Run again, nothing changes: the migrations are versioned.
			let before = DeviceEarnings::<Test>::iter().collect::<Vec<_>>();
			V0ToV1::<Test>::on_runtime_upgrade();
			V1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(DeviceEarnings::<Test>::iter().collect::<Vec<_>>(), before);
		});
	}

	/// Receipts of a device removed since, and of an epoch past its window whose expiry is still
	/// queued: what they were paid counts in their epochs' books (else the expiry would send
	/// the treasury money the pot owes), and the removed device keeps no record.
	#[test]
	fn paid_receipts_count_in_their_books_whatever_became_of_the_device_or_the_epoch() {
		build().execute_with(|| {
			StorageVersion::new(0).put::<Pallet<Test>>();
			CurrentEpoch::<Test>::put(5);
			// Epoch 0 is past its 3-epoch window, its expiry not done yet.
			ExpiredBefore::<Test>::put(0);
			old::Rewards::<Test>::insert(
				0,
				OldEpochRewards {
					points: PerKindV1([4, 0, 0]),
					blocks: 0,
					emission: 10_000,
					pools: PerKindV1([4_000, 0, 0]),
					validators: 0,
					treasury: 1_000,
					claimed: 4_000,
				},
			);
			Balances::mint_into(&Pallet::<Test>::pot(), 1).unwrap();
			Minted::<Test>::put(1);
			Scheduled::<Test>::put(20_000);
			let paid = |points, paid| OldReceipt { kind: DeviceKind::Storage, points, paid };
			Receipts::<Test>::insert(0, STORAGE_A, paid(3, Some(3_000)));
			Receipts::<Test>::insert(0, UNKNOWN, paid(1, Some(1_000)));

			V0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(layout::Rewards::<Test>::get(0).unwrap().settled, PerKindV1([4_000, 0, 0]));
			V1ToV2::<Test>::on_runtime_upgrade();

			let epoch0 = Rewards::<Test>::get(0).unwrap();
			assert_eq!(epoch0.settled, PerKind([4_000, 0, 0, 0]));
			assert_eq!(epoch0.unclaimed(), 0, "nothing left for the treasury");
			assert!(!DeviceEarnings::<Test>::contains_key(UNKNOWN));
			let a = DeviceEarnings::<Test>::get(STORAGE_A).unwrap();
			assert_eq!(
				a.recent.iter().map(|r| (r.epoch, r.amount, r.settlement)).collect::<Vec<_>>(),
				vec![(0, 3_000, Settlement::Paid)]
			);
			Pallet::<Test>::do_try_state().unwrap();
		});
	}

	/// Version 1's books of a closed epoch (one device of each kind paid or not, validators)
	/// and the epoch in progress's tally, each widened to today's kinds: the books say the
	/// same, the sensor's entries are zero, and claims pay what they would have paid.
	#[test]
	fn v2_gives_the_sensor_a_zero_entry_in_every_tally_and_book() {
		build_and_execute(|| {
			prove(STORAGE_A, DeviceKind::Storage, 3);
			prove(COVERAGE, DeviceKind::Coverage, 5);
			prove(COMPUTE, DeviceKind::Compute, 2);
			author(VAL_1, 2);
			assert_eq!(end_epoch(), 0);
			assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
			prove(STORAGE_B, DeviceKind::Storage, 4);
			author(VAL_2, 1);
			let rewards = Rewards::<Test>::iter().collect::<Vec<_>>();
			let tallies = Tallies::<Test>::iter().collect::<Vec<_>>();
			assert_eq!((rewards.len(), tallies.len()), (1, 1));

			// The chain as version 1 left it: three kinds in every stored `PerKind`.
			for (epoch, books) in &rewards {
				layout::Rewards::<Test>::insert(epoch, EpochRewardsV1::narrow(books));
			}
			for (epoch, tally) in &tallies {
				let old =
					TallyV1 { points: PerKindV1::narrow(&tally.points), blocks: tally.blocks };
				layout::Tallies::<Test>::insert(epoch, old);
			}
			StorageVersion::new(1).put::<Pallet<Test>>();
			// Today's code cannot read them.
			assert_eq!(Rewards::<Test>::get(0), None);
			assert_eq!(Tallies::<Test>::get(1), Tally::default());

			// With its pre- and post-upgrade checks where they are built.
			#[cfg(feature = "try-runtime")]
			assert_ok!(V1ToV2::<Test>::try_on_runtime_upgrade(true));
			#[cfg(not(feature = "try-runtime"))]
			V1ToV2::<Test>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 2);
			assert_eq!(Rewards::<Test>::iter().collect::<Vec<_>>(), rewards);
			assert_eq!(Tallies::<Test>::iter().collect::<Vec<_>>(), tallies);
			let epoch0 = Rewards::<Test>::get(0).unwrap();
			assert_eq!(epoch0.points, PerKind([3, 5, 2, 0]));
			assert_eq!(epoch0.pools, PerKind([4_000, 2_500, 1_500, 0]));
			assert_eq!(epoch0.settled, PerKind([4_000, 0, 0, 0]));
			assert_eq!(Tallies::<Test>::get(1), Tally { points: PerKind([4, 0, 0, 0]), blocks: 1 });
			Pallet::<Test>::do_try_state().unwrap();

			// The unsettled devices and the validator are paid what the books promised.
			let (alice, charlie, validator) = (balance(ALICE), balance(CHARLIE), balance(VAL_1));
			assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), COVERAGE));
			assert_ok!(Emission::claim(RuntimeOrigin::signed(CHARLIE), COMPUTE));
			assert_ok!(Emission::claim_validator(RuntimeOrigin::signed(VAL_1), 0));
			assert_eq!(balance(ALICE) - alice, 2_500);
			assert_eq!(balance(CHARLIE) - charlie, 1_500);
			assert_eq!(balance(VAL_1) - validator, 1_000);

			// Run again: nothing changes (the version is already 2).
			let before = Rewards::<Test>::iter().collect::<Vec<_>>();
			let weight = V1ToV2::<Test>::on_runtime_upgrade();
			let db = <<Test as frame_system::Config>::DbWeight as Get<
				frame_support::weights::RuntimeDbWeight,
			>>::get();
			assert_eq!(weight, db.reads(1));
			assert_eq!(Rewards::<Test>::iter().collect::<Vec<_>>(), before);
		});
	}

	/// The layouts of version 1 keep their three entries, in the order of `DeviceKind::ALL`,
	/// and widening puts the kinds added since at zero.
	#[test]
	fn a_version_1_per_kind_widens_to_every_kind_of_today() {
		let old = PerKindV1([7u64, 8, 9]);
		assert_eq!(old.encode().len(), 3 * 8);
		let new = old.widen();
		assert_eq!(new.get(DeviceKind::Storage), 7);
		assert_eq!(new.get(DeviceKind::Coverage), 8);
		assert_eq!(new.get(DeviceKind::Compute), 9);
		assert_eq!(new.get(DeviceKind::Sensor), 0);
		assert_eq!(new.encode().len(), DeviceKind::COUNT * 8);
		assert_eq!(PerKindV1::narrow(&new), old);
	}
}
