//! Benchmarks at the worst case of every input. Device keys and signatures come from the
//! benchmark keystore (ECDSA, the dearest scheme to verify), so signature checks are real;
//! Merkle paths are real paths of a tree of `2^d` identical chunks, where every index has
//! the same path, so any challenged index can be answered at any depth.

use super::*;
use crate::Pallet as Proofs;
use alloc::vec::Vec;
use depin_merkle::{leaf_hash, node_hash, Hash};
use depin_primitives::RuntimeHasher;
use frame_benchmarking::v2::*;
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_devices::{DeviceId, DeviceKey, DeviceKind, DeviceRegistry};
use sp_core::H256;
use sp_runtime::traits::One;

/// A storage device with an ECDSA key from the keystore, owned by a funded account.
fn storage_device<T: Config>(index: u32) -> (T::AccountId, DeviceId, DeviceKey) {
	let owner: T::AccountId = account("owner", index, 0);
	let key = pallet_devices::benchmark_keys::ecdsa();
	let id = T::Registry::register_benchmark_device(&owner, key, DeviceKind::Storage, u64::MAX)
		.expect("a fresh key registers; qed");
	(owner, id, key)
}

use pallet_devices::benchmark_keys::sign;

/// A full tree of `2^depth` copies of one chunk: its root and the path every index shares.
fn uniform_tree(depth: u32) -> (H256, Chunk, Vec<H256>) {
	let chunk = [0xa5u8; CHUNK_SIZE];
	let mut node: Hash = leaf_hash::<RuntimeHasher>(&chunk);
	let mut path = Vec::with_capacity(depth as usize);
	for _ in 0..depth {
		path.push(H256(node));
		node = node_hash::<RuntimeHasher>(&node, &node);
	}
	(H256(node), chunk, path)
}

/// Move to the start of the next epoch, with a seed of its own.
fn next_epoch<T: Config>() -> EpochInfo<BlockNumberFor<T>> {
	let current = T::Epochs::current();
	let start = T::Epochs::next_start(frame_system::Pallet::<T>::block_number().max(One::one()));
	let index = current.index.saturating_add(1);
	let seed = H256(sp_io::hashing::blake2_256(&(b"bench-seed", index).encode()));
	let epoch = EpochInfo { index, start, seed };
	T::Epochs::set_benchmark_epoch(epoch);
	frame_system::Pallet::<T>::set_block_number(start);
	epoch
}

/// A device with one sector of depth `depth` committed in the previous epoch, and a record
/// that needs settling without faults (it proved everything in an earlier epoch): the most
/// work an accepted proof does.
fn proving_device<T: Config>(
	depth: u32,
) -> (DeviceId, DeviceKey, EpochInfo<BlockNumberFor<T>>, Chunk, Vec<H256>) {
	let (owner, id, key) = storage_device::<T>(0);
	let (root, chunk, path) = uniform_tree(depth);
	Proofs::<T>::do_commit_sector(owner, id, root, 1u32 << depth)
		.expect("the device is active and has room; qed");
	let epoch = next_epoch::<T>();
	Provers::<T>::mutate(id, |state| {
		if let Some(state) = state {
			state.epoch = epoch.index.saturating_sub(1);
			state.challenged = 1;
			state.proven = 1;
			state.consecutive_faults = 1;
		}
	});
	(id, key, epoch, chunk, path)
}

/// The honest proof with `k` chunks for the device's sector 0 in the current epoch.
fn proof<T: Config>(
	id: DeviceId,
	key: &DeviceKey,
	epoch: &EpochInfo<BlockNumberFor<T>>,
	chunk: &Chunk,
	path: &[H256],
	k: u32,
) -> StorageProofOf<T> {
	let sector = Sectors::<T>::get(id, 0).expect("committed; qed");
	let challenge = H256(depin_merkle::storage_challenge::<RuntimeHasher>(
		epoch.seed.as_fixed_bytes(),
		id,
		0,
		sector.root.as_fixed_bytes(),
	));
	let chunks = (0..k)
		.map(|i| ChunkProof {
			index: depin_merkle::challenge_index::<RuntimeHasher>(
				challenge.as_fixed_bytes(),
				i,
				sector.chunks,
			)
			.expect("the sector has chunks; qed"),
			chunk: *chunk,
			path: BoundedVec::truncate_from(path.to_vec()),
		})
		.collect::<Vec<_>>();
	let message = Proofs::<T>::proof_message(id, 0, epoch.index, challenge);
	StorageProof {
		device: id,
		sector: 0,
		epoch: epoch.index,
		chunks: BoundedVec::truncate_from(chunks),
		signature: sign(key, &message),
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A commitment, settling the device's past epoch first.
	#[benchmark]
	fn commit_sector() {
		let (id, ..) = proving_device::<T>(1);
		let owner = T::Registry::owner(id).expect("registered; qed");
		let depth = T::MaxTreeDepth::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, H256::repeat_byte(1), 1u32 << depth);

		assert_eq!(Provers::<T>::get(id).map(|p| p.sectors), Some(2));
	}

	/// A removal of a sector answered in this epoch, settling the past epoch first.
	#[benchmark]
	fn remove_sector() {
		let (id, key, epoch, chunk, path) = proving_device::<T>(2);
		let owner = T::Registry::owner(id).expect("registered; qed");
		let answer =
			proof::<T>(id, &key, &epoch, &chunk, &path, Proofs::<T>::challenges_per_sector());
		let now = frame_system::Pallet::<T>::block_number();
		Proofs::<T>::process_storage_proof(&epoch, now, &answer).expect("honest; qed");
		Provers::<T>::mutate(id, |state| {
			if let Some(state) = state {
				state.epoch = epoch.index.saturating_sub(1);
			}
		});

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, 0);

		assert!(Sectors::<T>::get(id, 0).is_none());
	}

	/// A batch of `n` proofs all refused by the last cheap check (two reads each): the
	/// batch's base cost and the cost of a cheap rejection.
	#[benchmark]
	fn submit_storage_proofs_rejected(n: Linear<1, { T::MaxBatch::get() }>) {
		let (id, key, epoch, chunk, path) = proving_device::<T>(3);
		let k = Proofs::<T>::challenges_per_sector();
		let mut bad = proof::<T>(id, &key, &epoch, &chunk, &path, k);
		for c in bad.chunks.iter_mut() {
			c.path.truncate(1);
		}
		let proofs: StorageProofsOf<T> = BoundedVec::truncate_from(alloc::vec![bad; n as usize]);
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		submit_storage_proofs(RawOrigin::Signed(caller), proofs);

		assert_eq!(Sectors::<T>::get(id, 0).and_then(|s| s.proven_in), None);
	}

	/// One accepted proof of `k` chunks of a one-chunk sector (paths of depth 0): settling, the
	/// challenge and its `k` indices, the signature, `k` leaf hashes, the writes and the event.
	/// The path hashing on top is `k × (merkle_chunk_check(d) - merkle_chunk_check(0))`: the two
	/// costs do not interact, so each is measured where the other is zero.
	#[benchmark]
	fn prove_storage(k: Linear<1, { T::MaxChallengesPerSector::get() }>) {
		let (id, key, epoch, chunk, path) = proving_device::<T>(0);
		let answer = proof::<T>(id, &key, &epoch, &chunk, &path, k);
		let now = frame_system::Pallet::<T>::block_number();

		#[block]
		{
			Proofs::<T>::process_storage_proof_of(&epoch, now, &answer, k)
				.expect("an honest proof; qed");
		}

		assert_eq!(Sectors::<T>::get(id, 0).and_then(|s| s.proven_in), Some(epoch.index));
	}

	/// One chunk checked against a root at depth `d`: a leaf hash over 1 KiB and `d` node
	/// hashes (for the README's comparison with `blake2_hashes`).
	#[benchmark]
	fn merkle_chunk_check(d: Linear<0, { T::MaxTreeDepth::get() }>) {
		let (root, chunk, path) = uniform_tree(d);
		let path: Vec<Hash> = path.iter().map(|h| h.to_fixed_bytes()).collect();
		let chunks = 1u32 << d;
		let result;

		#[block]
		{
			result = depin_merkle::verify_chunk::<RuntimeHasher>(
				root.as_fixed_bytes(),
				chunks,
				chunks.saturating_sub(1),
				&chunk,
				&path,
			);
		}

		assert_eq!(result, Ok(()));
	}

	/// `n` raw blake2-256 hashes of 64 bytes through the host: the yardstick.
	#[benchmark]
	fn blake2_hashes(n: Linear<0, 64>) {
		let mut buf = [7u8; 64];

		#[block]
		{
			for _ in 0..n {
				let digest = sp_io::hashing::blake2_256(&buf);
				if let Some(head) = buf.get_mut(..32) {
					head.copy_from_slice(&digest);
				}
			}
		}

		assert!(n == 0 || buf != [7u8; 64]);
	}

	impl_benchmark_test_suite!(Proofs, crate::mock::new_bench_ext(), crate::mock::Test);
}
