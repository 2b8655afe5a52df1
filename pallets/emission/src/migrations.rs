//! Storage migrations of the emission pallet.

use crate::{pallet::*, types::*, BalanceOf};
use alloc::{collections::BTreeMap, vec::Vec};
use codec::{Decode, Encode};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry};
use sp_runtime::traits::{Saturating, Zero};

/// Version 0 to 1: lazy rewards. Version 0 kept a receipt per device and epoch
/// (`Receipts`, `UsageCaps`, `UnpaidReceipts`), each claimed on its own; version 1 keeps one
/// record per device ([`DeviceEarnings`]) whose balance one claim pays. See [`v1::Lazy`].
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
		pub points: PerKind<u64>,
		pub blocks: u32,
		pub emission: Balance,
		pub pools: PerKind<Balance>,
		pub validators: Balance,
		pub treasury: Balance,
		pub claimed: Balance,
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
			let mut epochs: BTreeMap<EpochIndex, EpochRewards<BalanceOf<T>>> = BTreeMap::new();
			Rewards::<T>::translate::<OldEpochRewards<BalanceOf<T>>, _>(|epoch, old| {
				reads.saturating_inc();
				let validators_paid = AuthorReceipts::<T>::iter_prefix_values(epoch)
					.filter_map(|r| r.paid)
					.fold(Zero::zero(), |sum: BalanceOf<T>, paid| sum.saturating_add(paid));
				let new = EpochRewards {
					points: old.points,
					blocks: old.blocks,
					emission: old.emission,
					pools: old.pools,
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
				Rewards::<T>::insert(epoch, rewards);
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

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(Receipts::<T>::iter().next().is_none(), "receipts left");
			ensure!(UsageCaps::<T>::iter().next().is_none(), "usage caps left");
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
	/// A's points in epoch 2, in progress.
	#[test]
	fn receipts_become_each_devices_earnings() {
		build().execute_with(|| {
			StorageVersion::new(0).put::<Pallet<Test>>();
			CurrentEpoch::<Test>::put(2);
			let old =
				|points: [u64; 3], pools: [Balance; 3], validators, claimed| OldEpochRewards {
					points: PerKind(points),
					blocks: 4,
					emission: 10_000,
					pools: PerKind(pools),
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
			Tallies::<Test>::insert(2, Tally { points: PerKind([5, 0, 0]), blocks: 0 });

			V0ToV1::<Test>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			assert_eq!(Receipts::<Test>::iter().count(), 0);
			assert_eq!(UsageCaps::<Test>::iter().count(), 0);
			assert_eq!(UnpaidReceipts::<Test>::iter().count(), 0);
			let epoch0 = Rewards::<Test>::get(0).unwrap();
			assert_eq!(epoch0.settled, PerKind([4_000, 0, 0]));
			assert_eq!(epoch0.settled_points, PerKind([4, 0, 0]));
			assert_eq!(epoch0.validators_paid, 750);
			assert_eq!(Rewards::<Test>::get(1).unwrap().settled, PerKind([4_000, 0, 0]));
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

			// Run again, nothing changes: the migration is versioned.
			let before = DeviceEarnings::<Test>::iter().collect::<Vec<_>>();
			V0ToV1::<Test>::on_runtime_upgrade();
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
					points: PerKind([4, 0, 0]),
					blocks: 0,
					emission: 10_000,
					pools: PerKind([4_000, 0, 0]),
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

			let epoch0 = Rewards::<Test>::get(0).unwrap();
			assert_eq!(epoch0.settled, PerKind([4_000, 0, 0]));
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
}
