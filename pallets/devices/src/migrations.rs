//! Storage migrations of the devices pallet.

use crate::pallet::*;
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};

/// Version 0 to 1: proofs of possession name the block they were signed at and go stale after
/// `MaxProofAge` blocks, so the per-key nonces (`KeyNonces`, one entry for every key ever
/// registered, kept forever) are deleted.
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

	/// The storage prefix of version 0's `KeyNonces` map.
	pub fn key_nonces_prefix<T: Config>() -> [u8; 32] {
		frame_support::storage::storage_prefix(Pallet::<T>::name().as_bytes(), b"KeyNonces")
	}

	pub struct ForgetKeyNonces<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for ForgetKeyNonces<T> {
		fn on_runtime_upgrade() -> Weight {
			// One entry per key ever registered: a few per device, far below a block's worth
			// of deletions at this chain's size; the removal is counted and weighed.
			let removed = frame_support::storage::unhashed::clear_prefix(
				&key_nonces_prefix::<T>(),
				None,
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
