//! Storage migrations.
//!
//! [`MoveClock`]: the clock used to live in the storage-proofs pallet (`Proofs::CurrentEpoch`).
//! The upgrade that adds this pallet moves the epoch in progress here, so the chain goes on in
//! the same epoch with the same seed, and deletes the old entry.

use crate::{pallet::CurrentEpoch, Config, EpochInfoOf};
use core::marker::PhantomData;
use frame_support::{
	storage::migration::take_storage_value,
	traits::{Get, OnRuntimeUpgrade},
	weights::Weight,
};
#[cfg(feature = "try-runtime")]
use {alloc::vec::Vec, codec::Encode};

/// Move the epoch in progress from `OldPallet::CurrentEpoch` (the pallet name the old clock
/// was deployed under, `"Proofs"` in the runtime) to this pallet.
///
/// Idempotent, so not versioned: it does something only while the old entry exists, and the
/// first run deletes it. The value's encoding is unchanged (`EpochInfo`).
pub struct MoveClock<T, OldPallet>(PhantomData<(T, OldPallet)>);

/// The storage item the old clock kept the epoch in.
const OLD_ITEM: &[u8] = b"CurrentEpoch";

impl<T: Config, OldPallet: Get<&'static str>> OnRuntimeUpgrade for MoveClock<T, OldPallet> {
	fn on_runtime_upgrade() -> Weight {
		let old = take_storage_value::<EpochInfoOf<T>>(OldPallet::get().as_bytes(), OLD_ITEM, &[]);
		match old {
			Some(epoch) => {
				CurrentEpoch::<T>::put(epoch);
				T::DbWeight::get().reads_writes(1, 2)
			},
			None => T::DbWeight::get().reads(1),
		}
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let old = frame_support::storage::migration::get_storage_value::<EpochInfoOf<T>>(
			OldPallet::get().as_bytes(),
			OLD_ITEM,
			&[],
		);
		// The epoch the chain must be in afterwards: the old one if it exists, else ours.
		Ok(old.unwrap_or_else(CurrentEpoch::<T>::get).encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		use codec::Decode;
		let expected = EpochInfoOf::<T>::decode(&mut &state[..])
			.map_err(|_| "the pre-upgrade state does not decode")?;
		frame_support::ensure!(
			CurrentEpoch::<T>::get() == expected,
			"the epoch in progress changed in the move"
		);
		frame_support::ensure!(
			frame_support::storage::migration::get_storage_value::<EpochInfoOf<T>>(
				OldPallet::get().as_bytes(),
				OLD_ITEM,
				&[],
			)
			.is_none(),
			"the old clock's entry is still there"
		);
		Ok(())
	}
}
