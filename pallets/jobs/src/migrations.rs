//! Storage migrations.
//!
//! [`MoveFromCompute`]: jobs used to live in the compute pallet (`Compute::Jobs`,
//! `Compute::NextJobId`, payments held for `Compute`'s `JobPayment`). The upgrade that adds
//! this pallet moves them here: the job records and the id counter keep their encoding, and
//! each job's payment moves from the old hold reason to this pallet's, amount for amount.

use crate::{pallet::*, JobId, JobOf};
#[cfg(feature = "try-runtime")]
use alloc::vec::Vec;
use core::marker::PhantomData;
use frame_support::{
	pallet_prelude::*,
	storage::migration::{move_storage_from_pallet, storage_key_iter},
	traits::{fungible::MutateHold, tokens::Precision, OnRuntimeUpgrade, PalletInfoAccess},
	Twox64Concat,
};

/// Move the jobs from the pallet named `OldPallet::get()` (`"Compute"` in the runtime) to this
/// one, and their holds from the reason `OldReason::get()` to [`HoldReason::JobPayment`].
///
/// Idempotent, so not versioned: it acts only while the old pallet has jobs or a counter.
/// Its weight grows with the number of open jobs, which is small on the chains it runs on
/// (one read, two hold changes and one write each).
pub struct MoveFromCompute<T, OldPallet, OldReason>(PhantomData<(T, OldPallet, OldReason)>);

impl<T, OldPallet, OldReason> OnRuntimeUpgrade for MoveFromCompute<T, OldPallet, OldReason>
where
	T: Config,
	OldPallet: Get<&'static str>,
	OldReason: Get<T::RuntimeHoldReason>,
{
	fn on_runtime_upgrade() -> Weight {
		let old = OldPallet::get().as_bytes();
		let new = <Pallet<T> as PalletInfoAccess>::name().as_bytes();
		let db = T::DbWeight::get();
		let old_next =
			frame_support::storage::migration::get_storage_value::<JobId>(old, b"NextJobId", &[]);
		let jobs: alloc::vec::Vec<(JobId, JobOf<T>)> =
			storage_key_iter::<JobId, JobOf<T>, Twox64Concat>(old, b"Jobs").collect();
		if old_next.is_none() && jobs.is_empty() {
			return db.reads(2);
		}
		move_storage_from_pallet(b"Jobs", old, new);
		move_storage_from_pallet(b"NextJobId", old, new);
		let new_reason: T::RuntimeHoldReason = HoldReason::JobPayment.into();
		for (_, job) in &jobs {
			// The amount is exactly what the old reason holds for this job: release it and
			// hold it again, so the account's balance never changes.
			let released =
				T::Currency::release(&OldReason::get(), &job.consumer, job.held, Precision::Exact);
			if released.is_ok() {
				let _ = T::Currency::hold(&new_reason, &job.consumer, job.held);
			}
		}
		let count = jobs.len() as u64;
		db.reads_writes(count.saturating_add(2), count.saturating_mul(3).saturating_add(2))
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let old = OldPallet::get().as_bytes();
		let jobs: Vec<(JobId, JobOf<T>)> =
			storage_key_iter::<JobId, JobOf<T>, Twox64Concat>(old, b"Jobs").collect();
		Ok(jobs.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let jobs = Vec::<(JobId, JobOf<T>)>::decode(&mut &state[..])
			.map_err(|_| "the pre-upgrade state does not decode")?;
		let old = OldPallet::get().as_bytes();
		ensure!(
			storage_key_iter::<JobId, JobOf<T>, Twox64Concat>(old, b"Jobs").next().is_none(),
			"jobs left in the old pallet"
		);
		for (id, job) in jobs {
			ensure!(Jobs::<T>::get(id).as_ref() == Some(&job), "a job changed in the move");
			let held: crate::BalanceOf<T> =
				T::Currency::balance_on_hold(&HoldReason::JobPayment.into(), &job.consumer);
			ensure!(held >= job.held, "a job's payment is not held for the jobs pallet");
		}
		Pallet::<T>::do_try_state()
	}
}
