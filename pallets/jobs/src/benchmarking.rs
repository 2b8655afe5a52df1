//! Benchmarks at the worst case of every input. Device keys and signatures come from the
//! benchmark keystore (ECDSA, the dearest scheme to verify) and consumer signatures from the
//! runtime's `BenchmarkHelper` ([`depin_proving::AccountSigner`]), so every signature check is real.

use super::*;
use alloc::vec::Vec;
use depin_proving::AccountSigner;
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{Inspect, Mutate},
	BoundedVec,
};
use frame_system::RawOrigin;
use pallet_devices::{DeviceId, DeviceKey, DeviceKind, DeviceRegistry};
use sp_runtime::{
	traits::{One, Saturating},
	Perbill,
};

use pallet_devices::benchmark_keys::sign;

/// A compute device with an ECDSA key, owned by its own funded account.
fn compute_device<T: Config>(index: u32) -> (DeviceId, DeviceKey) {
	let owner: T::AccountId = account("owner", index, 0);
	let key = pallet_devices::benchmark_keys::ecdsa();
	let id = T::Registry::register_benchmark_device(&owner, key, DeviceKind::Compute, 1_000)
		.expect("a fresh key registers; qed");
	(id, key)
}

/// A funded consumer (the helper's, which can sign receipts).
fn consumer<T: Config>() -> T::AccountId {
	let who = T::BenchmarkHelper::account();
	let _ = T::Currency::set_balance(
		&who,
		T::Currency::minimum_balance().saturating_mul(1_000_000u32.into()),
	);
	who
}

/// The price of a unit in the benchmarks' jobs.
fn price<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance()
}

/// A job of `device` opened by the helper's consumer.
fn open<T: Config>(device: DeviceId) -> (T::AccountId, JobId) {
	let who = consumer::<T>();
	let job = NextJobId::<T>::get();
	Pallet::<T>::do_open_job(who.clone(), device, 100, price::<T>())
		.expect("a funded consumer opens a job; qed");
	(who, job)
}

/// A job of `device` with a submitted receipt for 60 of its 100 units.
fn submitted<T: Config>(device: DeviceId, key: &DeviceKey) -> (T::AccountId, JobId) {
	let (who, job) = open::<T>(device);
	let receipt = co_signed::<T>(job, &who, device, key);
	Pallet::<T>::process_receipt(&receipt).expect("an honest receipt is accepted; qed");
	(who, job)
}

/// The co-signed receipt of `job` for 60 units.
fn co_signed<T: Config>(
	job: JobId,
	who: &T::AccountId,
	device: DeviceId,
	key: &DeviceKey,
) -> SignedReceiptOf<T> {
	let receipt = JobReceipt {
		job,
		consumer: who.clone(),
		device,
		units: 60,
		price: price::<T>(),
		timestamp: frame_system::Pallet::<T>::block_number(),
	};
	let message = Pallet::<T>::receipt_message(&receipt);
	SignedReceipt {
		consumer_signature: T::BenchmarkHelper::sign(&message),
		device_signature: sign(key, &message),
		receipt,
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn open_job() {
		let (device, _) = compute_device::<T>(0);
		let who = consumer::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(who), device, 100, price::<T>());

		assert!(Jobs::<T>::contains_key(0));
	}

	#[benchmark]
	fn cancel_job() {
		let (device, _) = compute_device::<T>(0);
		let (who, job) = open::<T>(device);
		let later = frame_system::Pallet::<T>::block_number().saturating_add(T::JobTimeout::get());
		frame_system::Pallet::<T>::set_block_number(later);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), job);

		assert!(!Jobs::<T>::contains_key(job));
	}

	/// `n` receipts of different jobs, each with both signatures checked.
	#[benchmark]
	fn submit_receipts(n: Linear<1, { T::MaxBatch::get() }>) {
		let (device, key) = compute_device::<T>(0);
		let receipts: Vec<_> = (0..n)
			.map(|_| {
				let (who, job) = open::<T>(device);
				co_signed::<T>(job, &who, device, &key)
			})
			.collect();
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), BoundedVec::truncate_from(receipts.clone()));

		for receipt in receipts {
			assert!(matches!(
				Jobs::<T>::get(receipt.receipt.job).map(|j| j.status),
				Some(JobStatus::Submitted { .. })
			));
		}
	}

	/// `n` receipts of different jobs, each refused by the last check before the signatures
	/// it can be made to fail (dated after the block): the batch's base cost and the cost of
	/// a cheap refusal.
	#[benchmark]
	fn submit_receipts_rejected(n: Linear<1, { T::MaxBatch::get() }>) {
		let (device, key) = compute_device::<T>(0);
		let receipts: Vec<_> = (0..n)
			.map(|_| {
				let (who, job) = open::<T>(device);
				let mut receipt = co_signed::<T>(job, &who, device, &key);
				receipt.receipt.timestamp =
					frame_system::Pallet::<T>::block_number().saturating_add(One::one());
				receipt
			})
			.collect();
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		submit_receipts(RawOrigin::Signed(caller), BoundedVec::truncate_from(receipts.clone()));

		for receipt in receipts {
			assert_eq!(
				Jobs::<T>::get(receipt.receipt.job).map(|j| j.status),
				Some(JobStatus::Open)
			);
		}
	}

	#[benchmark]
	fn dispute() {
		let (device, key) = compute_device::<T>(0);
		let (who, job) = submitted::<T>(device, &key);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), job);

		assert!(matches!(Jobs::<T>::get(job).map(|j| j.status), Some(JobStatus::Disputed { .. })));
	}

	/// A split outcome: a payment and a refund.
	#[benchmark]
	fn resolve_dispute() -> Result<(), BenchmarkError> {
		let (device, key) = compute_device::<T>(0);
		let (who, job) = submitted::<T>(device, &key);
		Pallet::<T>::do_dispute(who, job).expect("within the window; qed");
		let origin =
			T::DisputeOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, job, Perbill::from_percent(50));

		assert!(!Jobs::<T>::contains_key(job));
		Ok(())
	}

	/// A payment and a refund.
	#[benchmark]
	fn release_job() {
		let (device, key) = compute_device::<T>(0);
		let (_, job) = submitted::<T>(device, &key);
		let now = frame_system::Pallet::<T>::block_number();
		frame_system::Pallet::<T>::set_block_number(Pallet::<T>::payable_at(now));
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job);

		assert!(!Jobs::<T>::contains_key(job));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
