//! Read-only views for the runtime API, and the pallet's invariants.

use crate::{pallet::*, JobId, JobOf};

impl<T: Config> Pallet<T> {
	/// A job not settled yet.
	pub fn job(id: JobId) -> Option<JobOf<T>> {
		Jobs::<T>::get(id)
	}

	/// The pallet's invariants:
	///
	/// - every job has an id below `NextJobId`, holds `max_units × price`, bills at most
	///   `max_units` and at most what it holds;
	/// - each consumer's funds on hold for jobs are exactly what its jobs hold.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use crate::{BalanceOf, JobStatus};
		use frame_support::{ensure, traits::fungible::InspectHold};
		use sp_runtime::traits::Saturating;
		let next = NextJobId::<T>::get();
		let mut held: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> = Default::default();
		for (id, job) in Jobs::<T>::iter() {
			ensure!(id < next, "a job numbered past NextJobId");
			ensure!(
				Self::job_cost(job.max_units, job.price) == Some(job.held),
				"a job holding other than max_units × price"
			);
			match job.status {
				JobStatus::Open => {},
				JobStatus::Submitted { units, amount, .. }
				| JobStatus::Disputed { units, amount } => {
					ensure!(units <= job.max_units, "a job billing beyond max_units");
					ensure!(amount <= job.held, "a job billing beyond its hold");
				},
			}
			let entry = held.entry(job.consumer.clone()).or_default();
			*entry = entry.saturating_add(job.held);
		}
		let reason = HoldReason::JobPayment.into();
		for (consumer, total) in held {
			ensure!(
				T::Currency::balance_on_hold(&reason, &consumer) == total,
				"job holds out of step with the jobs"
			);
		}
		Ok(())
	}
}
