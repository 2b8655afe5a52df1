//! Benchmarks at the worst case of every input. Device keys and signatures come from the
//! benchmark keystore (ECDSA, the dearest scheme to verify) and consumer signatures from the
//! runtime's [`crate::BenchmarkHelper`], so every signature check is real.
//!
//! A reveal's cost is measured in two parts: `reveal_work(s)` is everything but hashing the
//! segments, at the deepest tree (a workload whose checkpoints are all equal, so that its tree
//! is built in O(depth), with segments of zero steps), and `recompute_segment(m)` is one
//! segment of `m` steps. The runtime charges `reveal_work(s) + s × recompute_segment(M)`.

use super::*;
use crate::Pallet as Compute;
use alloc::vec::Vec;
use depin_primitives::epoch::EpochInfo;
use depin_proving::ProvingEpochs;
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{Inspect, Mutate},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_devices::{DeviceId, DeviceKey, DeviceKind, DeviceRegistry};
use sp_core::H256;
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

/// Epoch 1 in progress from block 1, at `now`.
fn epoch_one<T: Config>(now: BlockNumberFor<T>) -> EpochInfo<BlockNumberFor<T>> {
	let epoch = EpochInfo { index: 1, start: One::one(), seed: H256::repeat_byte(7) };
	T::Epochs::set_benchmark_epoch(epoch);
	frame_system::Pallet::<T>::set_block_number(now);
	epoch
}

/// A device enrolled in epoch 0 and settled into epoch 1 with `status`.
fn worker<T: Config>(device: DeviceId, status: WorkStatus) {
	Workers::<T>::insert(
		device,
		WorkerState { enrolled_in: 0, epoch: 1, status, consecutive_faults: 0 },
	);
}

/// A funded consumer (the helper's, which can sign receipts).
fn consumer<T: Config>() -> T::AccountId {
	let who = T::BenchmarkHelper::consumer();
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
	Compute::<T>::do_open_job(who.clone(), device, 100, price::<T>())
		.expect("a funded consumer opens a job; qed");
	(who, job)
}

/// A job of `device` with a submitted receipt for 60 of its 100 units.
fn submitted<T: Config>(device: DeviceId, key: &DeviceKey) -> (T::AccountId, JobId) {
	let (who, job) = open::<T>(device);
	let receipt = co_signed::<T>(job, &who, device, key);
	Compute::<T>::process_receipt(&receipt).expect("an honest receipt is accepted; qed");
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
	let message = Compute::<T>::receipt_message(&receipt);
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
	fn enroll() {
		let (device, _) = compute_device::<T>(0);
		let owner = T::Registry::owner(device).expect("registered; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), device);

		assert!(Workers::<T>::contains_key(device));
	}

	#[benchmark]
	fn withdraw() {
		let (device, _) = compute_device::<T>(0);
		let owner = T::Registry::owner(device).expect("registered; qed");
		epoch_one::<T>(One::one());
		worker::<T>(device, WorkStatus::Proven);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), device);

		assert!(!Workers::<T>::contains_key(device));
	}

	#[benchmark]
	fn draw_reveal_seed() {
		let epoch = epoch_one::<T>(One::one());
		let at = Compute::<T>::reveal_at(epoch.start);
		frame_system::Pallet::<T>::set_block_number(at);

		#[block]
		{
			Compute::<T>::maybe_draw_reveal_seed(at);
		}

		assert!(Compute::<T>::reveal_seed(1).is_some());
	}

	/// `n` commitments of different devices, each settled and signature-checked.
	#[benchmark]
	fn commit_work(n: Linear<1, { T::MaxBatch::get() }>) {
		let epoch = epoch_one::<T>(One::one());
		let mut commits = Vec::new();
		for i in 0..n {
			let (device, key) = compute_device::<T>(i);
			// Settled from epoch 0 on the way in.
			Workers::<T>::insert(
				device,
				WorkerState {
					enrolled_in: 0,
					epoch: 0,
					status: WorkStatus::Proven,
					consecutive_faults: 0,
				},
			);
			let root = H256::repeat_byte(i as u8);
			let segments = Compute::<T>::segments_for(1_000);
			let message = Compute::<T>::commit_message(
				device,
				epoch.index,
				root,
				segments,
				Compute::<T>::segment_len(),
			);
			commits.push(WorkCommit {
				device,
				epoch: epoch.index,
				root,
				signature: sign(&key, &message),
			});
		}
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), BoundedVec::truncate_from(commits.clone()));

		for commit in commits {
			assert!(matches!(
				Workers::<T>::get(commit.device).map(|w| w.status),
				Some(WorkStatus::Committed(_))
			));
		}
	}

	/// `n` commitments of different devices, each refused by the last check before the
	/// signature (the device has committed already): the batch's base cost and the cost of a
	/// cheap refusal.
	#[benchmark]
	fn commit_work_rejected(n: Linear<1, { T::MaxBatch::get() }>) {
		let epoch = epoch_one::<T>(One::one());
		let commitment = WorkCommitment { root: H256::zero(), segments: 1, segment_len: 1 };
		let commits: Vec<_> = (0..n)
			.map(|i| {
				let (device, key) = compute_device::<T>(i);
				worker::<T>(device, WorkStatus::Committed(commitment));
				let root = H256::repeat_byte(i as u8);
				let message = Compute::<T>::commit_message(device, epoch.index, root, 1, 1);
				WorkCommit { device, epoch: epoch.index, root, signature: sign(&key, &message) }
			})
			.collect();
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		commit_work(RawOrigin::Signed(caller), BoundedVec::truncate_from(commits.clone()));

		for commit in commits {
			assert_eq!(
				Workers::<T>::get(commit.device).map(|w| w.status),
				Some(WorkStatus::Committed(commitment))
			);
		}
	}

	/// A reveal of `s` segments at the deepest tree, without the segments' hashing.
	#[benchmark]
	fn reveal_work(s: Linear<0, { T::MaxSamples::get() }>) {
		let epoch = epoch_one::<T>(One::one());
		let (device, _) = compute_device::<T>(0);
		// Every checkpoint is the workload's start: zero-step segments, and a tree whose
		// every level is one repeated node.
		let depth = T::MaxTreeDepth::get();
		let start = Compute::<T>::work_start(&epoch, device);
		let mut node = work::checkpoint_leaf::<RuntimeHasher>(start.as_fixed_bytes());
		let mut path = Vec::new();
		for _ in 0..depth {
			path.push(H256(node));
			node = depin_merkle::node_hash::<RuntimeHasher>(&node, &node);
		}
		let commitment = WorkCommitment { root: H256(node), segments: 1 << depth, segment_len: 0 };
		worker::<T>(device, WorkStatus::Committed(commitment));
		let at = Compute::<T>::reveal_at(epoch.start);
		frame_system::Pallet::<T>::set_block_number(at);
		Compute::<T>::maybe_draw_reveal_seed(at);
		let seed = Compute::<T>::reveal_seed(1).expect("drawn; qed");
		let segments = (0..s)
			.map(|i| {
				let index = Compute::<T>::sampled_segment(&seed, device, &commitment, i)
					.expect("segments; qed");
				let start_path = if index == 0 { Vec::new() } else { path.clone() };
				SegmentProof {
					index,
					start,
					start_path: BoundedVec::truncate_from(start_path),
					end: start,
					end_path: BoundedVec::truncate_from(path.clone()),
				}
			})
			.collect();
		let reveal = WorkReveal { device, epoch: 1, segments: BoundedVec::truncate_from(segments) };
		let epoch = T::Epochs::current();

		#[block]
		{
			Compute::<T>::process_reveal_of(&epoch, at, &reveal, s)
				.expect("the reveal is right; qed");
		}

		assert_eq!(Workers::<T>::get(device).map(|w| w.status), Some(WorkStatus::Proven));
	}

	/// One segment of `m` hash steps.
	#[benchmark]
	fn recompute_segment(m: Linear<0, { T::MaxSegmentLength::get() }>) {
		let start = [7u8; 32];
		let end;

		#[block]
		{
			end = work::iterate::<RuntimeHasher>(&start, m);
		}

		assert!(m == 0 || end != start);
	}

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
		Compute::<T>::do_dispute(who, job).expect("within the window; qed");
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
		frame_system::Pallet::<T>::set_block_number(Compute::<T>::payable_at(now));
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), job);

		assert!(!Jobs::<T>::contains_key(job));
	}

	impl_benchmark_test_suite!(Compute, crate::mock::new_bench_ext(), crate::mock::Test);
}
