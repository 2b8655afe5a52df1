//! Storage migrations of the sensors pallet.

use crate::pallet::*;
use depin_primitives::{device::DeviceKey, sensor::MakerId};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};

/// Version 0 to 1: a certificate belongs to the device key, not the device record, so that a
/// key registered again keeps it and a maker's cap counts a key once. `Certificates` was keyed
/// by device (`Twox64Concat`, a value of the maker and the key); it is keyed by the key
/// (`Blake2_128Concat`, a value of the maker). Each entry is moved: at most
/// [`v1::MAX_MOVES`] of them (the makers' caps bound them; the dev chains', a thousand), the
/// rest deleted (their devices hand in their certificates again).
pub type V0ToV1<T> = VersionedMigration<
	0,
	1,
	v1::CertificatesByKey<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

pub mod v1 {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		storage::migration, traits::PalletInfoAccess, StorageHasher, Twox64Concat,
	};

	/// The most certificates the upgrade moves (each a read, a deletion and a write); the
	/// most it deletes beyond them.
	pub const MAX_MOVES: u32 = 2_000;

	/// Version 0's certificate of a device: its maker, and the key it certified.
	#[derive(Encode, Decode)]
	pub struct OldCertificate {
		/// The maker.
		pub maker: MakerId,
		/// The key.
		pub key: DeviceKey,
	}

	/// The raw storage key of version 0's certificate of `device`.
	pub fn old_key<T: Config>(device: u64) -> Vec<u8> {
		let prefix =
			frame_support::storage::storage_prefix(Pallet::<T>::name().as_bytes(), b"Certificates");
		[&prefix[..], &Twox64Concat::hash(&device.encode())[..]].concat()
	}

	pub struct CertificatesByKey<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for CertificatesByKey<T> {
		fn on_runtime_upgrade() -> Weight {
			let name = Pallet::<T>::name().as_bytes();
			// Every version-0 entry is read and deleted before any version-1 entry is written:
			// they share the map's prefix.
			let mut entries = migration::storage_key_iter::<u64, OldCertificate, Twox64Concat>(
				name,
				b"Certificates",
			)
			.drain()
			.map(|(_, certificate)| certificate);
			let old: Vec<OldCertificate> = entries.by_ref().take(MAX_MOVES as usize).collect();
			// Past the bound (none on a chain whose makers' caps were sane), the rest is
			// deleted, at most as many again.
			let deleted = entries.take(MAX_MOVES as usize).count() as u64;
			let moved = old.len() as u64;
			for certificate in old {
				Certificates::<T>::insert(certificate.key, certificate.maker);
			}
			let read = moved.saturating_add(deleted);
			T::DbWeight::get().reads_writes(read, read.saturating_add(moved))
		}
	}
}

#[cfg(test)]
mod tests {
	#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

	use super::*;
	// The pallet, not its storage map of the same name.
	use crate::mock::{Sensors, *};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade};

	/// A trusted maker of weather stations with room for `cap`; its number.
	fn maker(cap: u32) -> MakerId {
		let id = NextMaker::<Test>::get();
		let key = depin_test_utils::device_key(100).public();
		assert_ok_add_maker(key, cap);
		id
	}

	fn assert_ok_add_maker(key: DeviceKey, cap: u32) {
		frame_support::assert_ok!(Sensors::add_maker(RuntimeOrigin::root(), WEATHER, key, cap));
	}

	/// Version 0's certificate of `device` by `maker`, as it was stored.
	fn put_old(device: u64, maker: MakerId) {
		let key = key_of(device).public();
		frame_support::storage::unhashed::put(
			&v1::old_key::<Test>(device),
			&v1::OldCertificate { maker, key },
		);
		Makers::<Test>::mutate(maker, |m| {
			if let Some(m) = m {
				m.certified += 1;
			}
		});
	}

	#[test]
	fn v1_keys_each_certificate_by_its_device_key() {
		ExtBuilder.build_and_execute(|| {
			StorageVersion::new(0).put::<Sensors>();
			let maker = maker(5);
			put_old(ALICE_STATION, maker);
			put_old(BOB_STATION, maker);

			let weight = V0ToV1::<Test>::on_runtime_upgrade();

			assert_eq!(Sensors::on_chain_storage_version(), 1);
			for device in [ALICE_STATION, BOB_STATION] {
				assert!(!frame_support::storage::unhashed::exists(&v1::old_key::<Test>(device)));
				assert_eq!(Certificates::<Test>::get(key_of(device).public()), Some(maker));
			}
			assert_eq!(Certificates::<Test>::iter().count(), 2, "nothing else in the map");
			let db = <<Test as frame_system::Config>::DbWeight as Get<
				frame_support::weights::RuntimeDbWeight,
			>>::get();
			// The version read and written; each certificate read, deleted and written.
			assert_eq!(weight, db.reads_writes(2, 4).saturating_add(db.reads_writes(1, 1)));
			// A certified station's key is taken where certificates are required.
			assert!(Sensors::ensure_certified(WEATHER, &key_of(ALICE_STATION).public()).is_ok());
			// Run again: nothing changes (the version is already 1).
			assert_eq!(V0ToV1::<Test>::on_runtime_upgrade(), db.reads(1));
			assert_eq!(Certificates::<Test>::iter().count(), 2);
		});
	}

	#[test]
	fn v1_moves_a_bounded_number_and_deletes_the_rest() {
		let mut ext = ExtBuilder.build();
		let total = v1::MAX_MOVES + 3;
		ext.execute_with(|| {
			StorageVersion::new(0).put::<Sensors>();
			let maker = maker(total);
			// Entries of the old format, under devices numbered past the mock's (their keys
			// repeat: the count is what is bounded).
			for device in 0..u64::from(total) {
				let key = key_of(device % 2).public();
				frame_support::storage::unhashed::put(
					&v1::old_key::<Test>(1_000 + device),
					&v1::OldCertificate { maker, key },
				);
			}
			Makers::<Test>::mutate(maker, |m| m.as_mut().unwrap().certified = total);
		});
		// In the database, as on a chain (the deletions' bound counts database keys).
		ext.commit_all().unwrap();
		ext.execute_with(|| {
			V0ToV1::<Test>::on_runtime_upgrade();
			let left = (0..u64::from(total))
				.filter(|d| {
					frame_support::storage::unhashed::exists(&v1::old_key::<Test>(1_000 + d))
				})
				.count();
			assert_eq!(left, 0, "the rest deleted unread");
			assert_eq!(Certificates::<Test>::iter().count(), 2, "two keys, each once");
			Sensors::do_try_state().unwrap();
		});
	}
}
