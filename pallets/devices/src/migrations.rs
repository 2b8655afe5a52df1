//! Storage migrations of the devices pallet.

use crate::pallet::*;
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};

/// Version 0 to 1: proofs of possession name the block they were signed at and go stale after
/// `MaxProofAge` blocks, so the per-key nonces (`KeyNonces`, one entry for every key ever
/// registered, kept forever) are deleted: at most [`v1::MAX_DELETIONS`] of them, so that a
/// map grown on purpose (a rotation to a fresh key added one for a fee) cannot make the
/// upgrade block too heavy to author. Nothing reads what would be left.
pub type V0ToV1<T> = VersionedMigration<
	0,
	1,
	v1::ForgetKeyNonces<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

pub mod v1 {
	use super::*;
	use frame_support::traits::PalletInfoAccess;

	/// The most `KeyNonces` entries the upgrade deletes: a fifth of a block's weight in
	/// writes (this chain had a few per device).
	pub const MAX_DELETIONS: u32 = 5_000;

	/// The storage prefix of version 0's `KeyNonces` map.
	pub fn key_nonces_prefix<T: Config>() -> [u8; 32] {
		frame_support::storage::storage_prefix(Pallet::<T>::name().as_bytes(), b"KeyNonces")
	}

	pub struct ForgetKeyNonces<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for ForgetKeyNonces<T> {
		fn on_runtime_upgrade() -> Weight {
			let removed = frame_support::storage::unhashed::clear_prefix(
				&key_nonces_prefix::<T>(),
				Some(MAX_DELETIONS),
				None,
			);
			let removed = u64::from(removed.backend);
			T::DbWeight::get().reads_writes(removed, removed)
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::{ExtBuilder, Test};
	use frame_support::traits::OnRuntimeUpgrade;

	type Registry = crate::mock::Devices;

	#[test]
	fn v1_deletes_a_bounded_number_of_key_nonces() {
		let prefix = v1::key_nonces_prefix::<Test>();
		let entry = |n: u32| [&prefix[..], &n.to_le_bytes()[..]].concat();
		let mut ext = ExtBuilder::default().build();
		ext.execute_with(|| {
			StorageVersion::new(0).put::<Registry>();
			for n in 0..v1::MAX_DELETIONS + 3 {
				frame_support::storage::unhashed::put(&entry(n), &n);
			}
		});
		// In the database, as on a chain (the bound counts database deletions).
		ext.commit_all().expect("committed");
		ext.execute_with(|| {
			let weight = V0ToV1::<Test>::on_runtime_upgrade();
			let left = (0..v1::MAX_DELETIONS + 3)
				.filter(|n| frame_support::storage::unhashed::exists(&entry(*n)))
				.count();
			assert_eq!(left, 3, "the rest is left, inert");
			let db = <<Test as frame_system::Config>::DbWeight as Get<
				frame_support::weights::RuntimeDbWeight,
			>>::get();
			let deleted = u64::from(v1::MAX_DELETIONS);
			assert_eq!(
				weight,
				db.reads_writes(deleted, deleted).saturating_add(db.reads_writes(1, 1))
			);
			Registry::do_try_state().expect("the registry is untouched");
		});
	}

	#[test]
	fn v1_forgets_every_key_nonce_and_nothing_else() {
		ExtBuilder::default().build_and_execute(|| {
			StorageVersion::new(0).put::<Registry>();
			let prefix = v1::key_nonces_prefix::<Test>();
			let entry = |n: u8| [&prefix[..], &[n; 16][..], &[n; 33][..]].concat();
			for n in 0..3u8 {
				frame_support::storage::unhashed::put(&entry(n), &u32::from(n + 1));
			}
			let devices = Devices::<Test>::iter().count();

			let weight = V0ToV1::<Test>::on_runtime_upgrade();

			assert_eq!(StorageVersion::get::<Registry>(), 1);
			for n in 0..3u8 {
				assert!(!frame_support::storage::unhashed::exists(&entry(n)), "entry {n} gone");
			}
			assert_eq!(Devices::<Test>::iter().count(), devices, "devices are untouched");
			let db = <<Test as frame_system::Config>::DbWeight as Get<
				frame_support::weights::RuntimeDbWeight,
			>>::get();
			// The version read and written, and the three deletions.
			assert_eq!(weight, db.reads_writes(3, 3).saturating_add(db.reads_writes(1, 1)));
			// Run again: nothing changes (the version is already 1).
			assert_eq!(V0ToV1::<Test>::on_runtime_upgrade(), db.reads(1));
		});
	}
}
