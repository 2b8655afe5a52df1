//! The logic behind the calls: payments held for a device's work, co-signed receipts,
//! disputes and payouts.

use crate::{
	pallet::*, weights::WeightInfo, BalanceOf, Job, JobId, JobOf, JobReceiptOf, JobStatus,
	SignedReceiptOf, RECEIPT_CONTEXT,
};
use depin_proving::batch::{self, Rejection, Verdicts};
use depin_proving::{usage, DeviceRefusal, ProvingEpochs};
use frame_support::weights::Weight;
use frame_support::{
	dispatch::{DispatchResultWithPostInfo, PostDispatchInfo},
	ensure,
	pallet_prelude::{DispatchResult, Get},
	traits::{fungible::MutateHold, tokens::Precision},
};
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry};
use sp_runtime::{
	traits::{CheckedMul, Saturating, Verify, Zero},
	Perbill,
};

impl<T: Config> Pallet<T> {
	/// `units × price`, if it fits the balance type.
	pub fn job_cost(units: u64, price: BalanceOf<T>) -> Option<BalanceOf<T>> {
		BalanceOf::<T>::try_from(units).ok()?.checked_mul(&price)
	}

	/// The bytes consumer and device both sign for `receipt`.
	pub fn receipt_message(receipt: &JobReceiptOf<T>) -> alloc::vec::Vec<u8> {
		depin_primitives::envelope::message(
			RECEIPT_CONTEXT,
			depin_proving::genesis_hash::<T>(),
			receipt,
		)
	}

	pub(crate) fn do_open_job(
		who: T::AccountId,
		device_id: DeviceId,
		max_units: u64,
		price: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(max_units > 0 && !price.is_zero(), Error::<T>::EmptyJob);
		let held = Self::job_cost(max_units, price).ok_or(Error::<T>::Overflow)?;
		depin_proving::devices::usable_device::<_, T::Registry>(
			device_id,
			None,
			DeviceKind::Compute,
		)
		.map_err(|refusal| match refusal {
			DeviceRefusal::Unknown => Error::<T>::UnknownDevice,
			DeviceRefusal::WrongKind => Error::<T>::NotComputeDevice,
			// No operator is asked for: only an inactive device is left.
			DeviceRefusal::NotActive | DeviceRefusal::NotOperator => Error::<T>::DeviceNotActive,
		})?;
		let job = NextJobId::<T>::get();
		let next = job.checked_add(1).ok_or(Error::<T>::Overflow)?;
		T::Currency::hold(&HoldReason::JobPayment.into(), &who, held)?;
		NextJobId::<T>::put(next);
		Jobs::<T>::insert(
			job,
			Job {
				consumer: who.clone(),
				device: device_id,
				max_units,
				price,
				held,
				opened_at: frame_system::Pallet::<T>::block_number(),
				status: JobStatus::Open,
			},
		);
		Self::deposit_event(Event::JobOpened {
			job,
			consumer: who,
			device: device_id,
			max_units,
			price,
		});
		Ok(())
	}

	pub(crate) fn do_cancel_job(id: JobId) -> DispatchResult {
		let job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		// Anyone may clean up a job nobody delivered, once it timed out: it expires; its
		// payment goes back to its consumer.
		ensure!(job.status == JobStatus::Open, Error::<T>::AlreadySubmitted);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now >= job.opened_at.saturating_add(T::JobTimeout::get()), Error::<T>::TooEarly);
		T::Currency::release(
			&HoldReason::JobPayment.into(),
			&job.consumer,
			job.held,
			Precision::BestEffort,
		)?;
		Jobs::<T>::remove(id);
		Self::deposit_event(Event::JobCancelled { job: id });
		Ok(())
	}

	/// One receipt checked in full (both signatures, write, event): the benchmark's marginal
	/// cost of one more accepted receipt.
	pub fn receipt_full_weight() -> Weight {
		T::WeightInfo::submit_receipts(1).saturating_sub(T::WeightInfo::submit_receipts(0))
	}

	/// One receipt refused before its signatures: the benchmark's marginal cost of one more
	/// refused by the last cheap check it measures (the job read), and the device key read
	/// that follows it.
	pub fn receipt_cheap_weight() -> Weight {
		T::WeightInfo::submit_receipts_rejected(1)
			.saturating_sub(T::WeightInfo::submit_receipts_rejected(0))
			.saturating_add(T::DbWeight::get().reads(1))
	}

	pub(crate) fn do_submit_receipts(
		receipts: crate::SignedReceiptsOf<T>,
	) -> DispatchResultWithPostInfo {
		ensure!(!receipts.is_empty(), Error::<T>::EmptyBatch);
		let Verdicts { accepted, rejected, weight } = batch::process(
			&receipts,
			T::WeightInfo::submit_receipts(0),
			batch::nothing_to_settle,
			|signed| Self::process_receipt(signed),
			|index, signed, error| {
				let job = signed.receipt.job;
				Self::deposit_event(Event::ReceiptRejected { index, job, error })
			},
		);
		Self::deposit_event(Event::BatchProcessed { accepted, rejected });
		Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Default::default() })
	}

	/// Check and record one receipt: the job and the receipt's terms, then both signatures,
	/// then the write. Returns the weight spent: [`Self::receipt_cheap_weight`] for a refusal
	/// before the signatures, [`Self::receipt_full_weight`] otherwise.
	pub(crate) fn process_receipt(signed: &SignedReceiptOf<T>) -> Result<Weight, Rejection> {
		let (cheap, full) = (Self::receipt_cheap_weight(), Self::receipt_full_weight());
		let (mut job, amount, key) =
			Self::check_receipt_terms(signed).map_err(|e| (e.into(), cheap))?;
		let receipt = &signed.receipt;
		let now = frame_system::Pallet::<T>::block_number();

		let message = Self::receipt_message(receipt);
		if !signed.consumer_signature.verify(&message[..], &job.consumer) {
			return Err((Error::<T>::BadConsumerSignature.into(), full));
		}
		// A receipt dated before the device's last key rotation may carry the old key's
		// signature: rotating does not void work co-signed but not yet submitted.
		let signed_by_device = key.verify(&message, &signed.device_signature)
			|| T::Registry::previous_key(job.device).is_some_and(|(old, rotated_at)| {
				receipt.timestamp < rotated_at && old.verify(&message, &signed.device_signature)
			});
		if !signed_by_device {
			return Err((Error::<T>::BadSignature.into(), full));
		}

		job.status = JobStatus::Submitted { units: receipt.units, amount, submitted_at: now };
		let payable_at = Self::payable_at(now);
		Jobs::<T>::insert(receipt.job, job);
		Self::deposit_event(Event::ReceiptAccepted {
			job: receipt.job,
			device: receipt.device,
			units: receipt.units,
			amount,
			payable_at,
		});
		Ok(full)
	}

	/// The cheap checks of a receipt: its job is open, the receipt matches its terms, and the
	/// device has a key. The job, the amount to pay and the device's key.
	fn check_receipt_terms(
		signed: &SignedReceiptOf<T>,
	) -> Result<(JobOf<T>, BalanceOf<T>, pallet_devices::DeviceKey), Error<T>> {
		let receipt = &signed.receipt;
		let job = Jobs::<T>::get(receipt.job).ok_or(Error::<T>::UnknownJob)?;
		ensure!(job.status == JobStatus::Open, Error::<T>::AlreadySubmitted);
		ensure!(
			receipt.consumer == job.consumer
				&& receipt.device == job.device
				&& receipt.price == job.price,
			Error::<T>::ReceiptMismatch
		);
		ensure!(receipt.units <= job.max_units, Error::<T>::TooManyUnits);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			receipt.timestamp >= job.opened_at && receipt.timestamp <= now,
			Error::<T>::BadTimestamp
		);
		let amount = Self::job_cost(receipt.units, job.price).ok_or(Error::<T>::Overflow)?;
		let key = T::Registry::key(job.device).ok_or(Error::<T>::UnknownDevice)?;
		Ok((job, amount, key))
	}

	/// The first block a receipt submitted at `submitted_at` can be released at.
	pub fn payable_at(
		submitted_at: frame_system::pallet_prelude::BlockNumberFor<T>,
	) -> frame_system::pallet_prelude::BlockNumberFor<T> {
		submitted_at
			.saturating_add(T::DisputeWindow::get())
			.saturating_add(sp_runtime::traits::One::one())
	}

	pub(crate) fn do_dispute(who: T::AccountId, id: JobId) -> DispatchResult {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		ensure!(job.consumer == who, Error::<T>::NotConsumer);
		let JobStatus::Submitted { units, amount, submitted_at } = job.status else {
			return Err(Error::<T>::NotSubmitted.into());
		};
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now < Self::payable_at(submitted_at), Error::<T>::DisputeWindowClosed);
		job.status = JobStatus::Disputed { units, amount };
		Jobs::<T>::insert(id, job);
		Self::deposit_event(Event::JobDisputed { job: id });
		Ok(())
	}

	pub(crate) fn do_resolve_dispute(id: JobId, provider_share: Perbill) -> DispatchResult {
		let job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Disputed { amount, .. } = job.status else {
			return Err(Error::<T>::NotDisputed.into());
		};
		Self::settle_job(id, job, provider_share.mul_floor(amount))
	}

	pub(crate) fn do_release_job(id: JobId) -> DispatchResult {
		let job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		let JobStatus::Submitted { amount, submitted_at, .. } = job.status else {
			return Err(Error::<T>::NotSubmitted.into());
		};
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now >= Self::payable_at(submitted_at), Error::<T>::DisputeWindowOpen);
		Self::settle_job(id, job, amount)
	}

	/// The most reporting a paid job's usage costs (points and fee to the reward hook).
	pub fn report_weight() -> Weight {
		usage::report_weight::<T::OnProofAccepted>()
	}

	/// Pay `billed` of the hold to the device's owner less the protocol fee (`JobFee` of it,
	/// to `FeeDestination`), release the rest to the consumer, and report the fee as the job's
	/// usage: its compute points, and the most they may be paid. A device that no longer
	/// exists is paid nothing.
	fn settle_job(id: JobId, job: JobOf<T>, billed: BalanceOf<T>) -> DispatchResult {
		let reason = HoldReason::JobPayment.into();
		let (mut paid, mut fee, mut points) = (Zero::zero(), Zero::zero(), 0);
		if let Some(owner) = T::Registry::owner(job.device).filter(|_| !billed.is_zero()) {
			let due = T::JobFee::get().mul_floor(billed);
			let moved = usage::pay_from_hold::<_, T::Currency, T::FeeDestination>(
				&reason,
				&job.consumer,
				&owner,
				billed.saturating_sub(due),
				due,
			);
			(paid, fee) = (moved.paid, moved.fee);
			if !fee.is_zero() {
				points = usage::report::<T::OnProofAccepted, _>(
					job.device,
					DeviceKind::Compute,
					T::Epochs::current().index,
					fee,
					T::FeePerPoint::get(),
				);
			}
		}
		let refunded = job.held.saturating_sub(paid).saturating_sub(fee);
		if !refunded.is_zero() {
			T::Currency::release(&reason, &job.consumer, refunded, Precision::BestEffort)?;
		}
		Jobs::<T>::remove(id);
		Self::deposit_event(Event::JobSettled {
			job: id,
			device: job.device,
			paid,
			fee,
			refunded,
			points,
		});
		Ok(())
	}
}
