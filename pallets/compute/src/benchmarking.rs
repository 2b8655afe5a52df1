//! Benchmarks at the worst case of every input. Device keys and signatures come from the
//! benchmark keystore (ECDSA, the dearest scheme to verify), so every signature check is real.
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
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_devices::{DeviceId, DeviceKey, DeviceKind, DeviceRegistry};
use sp_core::H256;
use sp_runtime::traits::One;
use sp_runtime::Saturating;

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

/// The block after `reveal_at`, with the runtime's randomness fresh in it: the first block a
/// reveal seed can be drawn at (BABE's output of the parent block, known since `reveal_at`).
fn fresh_after<T: Config>(reveal_at: BlockNumberFor<T>) -> BlockNumberFor<T> {
	let at = reveal_at.saturating_add(One::one());
	frame_system::Pallet::<T>::set_block_number(at);
	<T::BenchmarkHelper as depin_proving::epoch::FreshRandomness>::make_fresh();
	at
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
		let at = fresh_after::<T>(Compute::<T>::reveal_at(epoch.start));

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

	/// A reveal of `s` segments at the deepest tree (their multiproof), without the segments'
	/// hashing.
	#[benchmark]
	fn reveal_work(s: Linear<1, { T::MaxSamples::get() }>) {
		let epoch = epoch_one::<T>(One::one());
		let (device, _) = compute_device::<T>(0);
		// Every checkpoint is the workload's start: zero-step segments, and a tree whose
		// every level is one repeated node.
		let depth = T::MaxTreeDepth::get();
		let start = Compute::<T>::work_start(&epoch, device);
		let mut node = work::checkpoint_leaf::<RuntimeHasher>(start.as_fixed_bytes());
		let mut nodes = alloc::vec![node];
		for _ in 0..depth {
			node = depin_merkle::node_hash::<RuntimeHasher>(&node, &node);
			nodes.push(node);
		}
		let commitment = WorkCommitment { root: H256(node), segments: 1 << depth, segment_len: 0 };
		worker::<T>(device, WorkStatus::Committed(commitment));
		let at = fresh_after::<T>(Compute::<T>::reveal_at(epoch.start));
		Compute::<T>::maybe_draw_reveal_seed(at);
		let seed = Compute::<T>::reveal_seed(1).expect("drawn; qed");
		let segments: Vec<_> = (0..s)
			.map(|i| {
				let index = Compute::<T>::sampled_segment(&seed, device, &commitment, i)
					.expect("segments; qed");
				RevealedSegment { index, start, end: start }
			})
			.collect();
		let opened = segments.iter().map(|s| (s.index, s.start.0, s.end.0));
		let positions: Vec<u32> = work::revealed_leaves::<RuntimeHasher>(opened)
			.expect("one value a checkpoint; qed")
			.into_iter()
			.map(|(position, _)| position)
			.collect();
		let proof = depin_merkle::multiproof_siblings(&positions, depth, |height, _| {
			nodes.get(height as usize).copied().unwrap_or_default()
		})
		.unwrap_or_default();
		let reveal = WorkReveal {
			device,
			epoch: 1,
			segments: BoundedVec::truncate_from(segments),
			proof: BoundedVec::truncate_from(proof.into_iter().map(H256).collect()),
		};
		let epoch = T::Epochs::current();

		#[block]
		{
			Compute::<T>::process_reveal_of(&epoch, at, &reveal, s, 0)
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

	impl_benchmark_test_suite!(Compute, crate::mock::new_bench_ext(), crate::mock::Test);
}
