//! Benchmarks at the worst case of every input. Device keys and signatures come from the
//! benchmark keystore (ECDSA, the dearest scheme to verify), so signature checks are real;
//! Merkle paths are real paths of a tree of `2^d` identical chunks, where every index has
//! the same path, so any challenged index can be answered at any depth.

use super::*;
use crate::Pallet as Proofs;
use alloc::vec::Vec;
use depin_merkle::{leaf_hash, node_hash, Hash};
use depin_primitives::deals::{DealEnd, DealState};
use depin_primitives::RuntimeHasher;
use depin_proving::AccountSigner;
use frame_benchmarking::v2::*;
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_devices::{DeviceId, DeviceKey, DeviceKind, DeviceRegistry};
use sp_core::H256;
use sp_runtime::traits::{Bounded, One, Saturating};

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

/// The record of `device` as a proof in the epoch in progress finds it: entered into it.
fn entered<T: Config>(device: DeviceId) -> ProverState {
	let mut state = Provers::<T>::get(device).unwrap_or_default();
	let epoch = T::Epochs::current();
	depin_proving::Ledger::advance(
		&mut Proofs::<T>::ledger(device, &mut state, &epoch),
		epoch.index,
		true,
	);
	state
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

/// Give `who` a large free balance.
fn fund<T: Config>(who: &T::AccountId) {
	use frame_support::traits::fungible::{Inspect, Mutate};
	// A million million existential deposits: enough for ten epochs of the largest sector
	// (1 TiB at a million existential deposits a GiB) and the collaterals.
	let amount = T::Currency::minimum_balance()
		.saturating_mul(1_000_000u32.into())
		.saturating_mul(1_000_000u32.into());
	T::Currency::mint_into(who, amount).expect("minting into an account works; qed");
}

/// A proposal from the benchmark client for `device` to keep `chunks` chunks under `root`,
/// for `duration` epochs, signed.
fn signed_proposal<T: Config>(
	device: DeviceId,
	root: H256,
	chunks: u32,
	duration: EpochIndex,
) -> SignedProposalOf<T> {
	use frame_support::traits::fungible::Inspect;
	let client = T::BenchmarkHelper::account();
	let ed = T::Currency::minimum_balance().max(One::one());
	let proposal = DealProposalOf::<T> {
		client,
		device,
		root,
		chunks,
		// An epoch of a GiB costs a million existential deposits.
		price_per_gib: ed.saturating_mul(1_000_000u32.into()),
		activation_deadline: frame_system::Pallet::<T>::block_number()
			.saturating_add(T::MaxActivationDelay::get()),
		duration,
		provider_collateral: ed.saturating_mul(1_000u32.into()),
		client_collateral: ed.saturating_mul(100u32.into()),
	};
	let signature = T::BenchmarkHelper::sign(&Proofs::<T>::proposal_message(&proposal));
	depin_primitives::deals::SignedProposal { proposal, signature }
}

/// Publish a deal for `root` on `device` (operated by `owner`), the client funded.
fn published<T: Config>(
	owner: &T::AccountId,
	device: DeviceId,
	root: H256,
	chunks: u32,
	duration: EpochIndex,
) -> depin_primitives::deals::DealId {
	fund::<T>(&T::BenchmarkHelper::account());
	fund::<T>(owner);
	let signed = signed_proposal::<T>(device, root, chunks, duration);
	let id = signed.proposal.id();
	Proofs::<T>::do_publish_deals(owner.clone(), BoundedVec::truncate_from(alloc::vec![signed]))
		.expect("a valid proposal; qed");
	assert!(Deals::<T>::contains_key(id), "published");
	id
}

/// A device with a deal of `duration` epochs active on its sector 0, committed in the previous
/// epoch: the deal's first epoch is the current one.
fn dealing_device<T: Config>(
	duration: EpochIndex,
) -> (T::AccountId, DeviceId, depin_primitives::deals::DealId) {
	let (owner, id, _) = storage_device::<T>(0);
	let root = H256::repeat_byte(0xde);
	let deal = published::<T>(&owner, id, root, 1024, duration);
	Proofs::<T>::do_commit_sector(owner.clone(), id, root, 1024).expect("room; qed");
	next_epoch::<T>();
	(owner, id, deal)
}

/// Replicas of 1,024 chunks (roots from `0xd0` and their index), one reserved for each of
/// `devices`.
fn replica_specs<T: Config>(devices: &[DeviceId]) -> ReplicaSpecsOf<T> {
	let specs = devices
		.iter()
		.enumerate()
		.map(|(i, &device)| ReplicaSpec {
			root: H256(sp_io::hashing::blake2_256(&(0xd0u32, i as u32).encode())),
			chunks: 1024,
			device,
		})
		.collect::<Vec<_>>();
	BoundedVec::truncate_from(specs)
}

/// A permanent deal's first-year price of a GiB for an epoch (a thousand existential deposits:
/// sixteen replicas' endowments, two hundred years of a year of one-minute epochs each, fit
/// the client's funds), and its tranches' collateral: a billion existential deposits, above a
/// year of epochs of a replica at that price whatever the proving period.
fn permanent_terms<T: Config>() -> (BalanceOf<T>, BalanceOf<T>) {
	use frame_support::traits::fungible::Inspect;
	let ed = T::Currency::minimum_balance().max(One::one());
	let billion: BalanceOf<T> = 1_000_000_000u32.into();
	(ed.saturating_mul(1_000u32.into()), ed.saturating_mul(billion))
}

/// A permanent deal of one replica for `device`, made by the funded benchmark client.
fn permanent<T: Config>(device: DeviceId) -> PermanentId {
	let client = T::BenchmarkHelper::account();
	fund::<T>(&client);
	let (price, collateral) = permanent_terms::<T>();
	let id = NextPermanentId::<T>::get();
	Proofs::<T>::do_create_permanent_deal(
		client,
		replica_specs::<T>(&[device]),
		price,
		collateral,
		BalanceOf::<T>::max_value(),
	)
	.expect("a funded client; qed");
	id
}

/// A device with a permanent replica's tranche active on its sector 0, committed in the
/// previous epoch: the tranche's first epoch is the current one.
///
/// Ending or settling a tranche costs more than a client's deal: what comes back goes to the
/// replica's endowment, and its end is the worst there is: the replica's next price is set
/// above anything its endowment can hold, so the tranche's end exhausts it (what is left
/// burned, its root unbound) and, as it is the deal's only replica, forgets the deal.
fn dealing_tranche<T: Config>() -> (T::AccountId, DeviceId, depin_primitives::deals::DealId) {
	let (owner, device, _) = storage_device::<T>(0);
	fund::<T>(&owner);
	let id = permanent::<T>(device);
	Proofs::<T>::do_take_replica(owner.clone(), id, 0, device).expect("an open replica; qed");
	Permanents::<T>::mutate(id, |deal| {
		if let Some(replica) = deal.as_mut().and_then(|d| d.replicas.get_mut(0)) {
			replica.year_price = BalanceOf::<T>::max_value();
		}
	});
	let replica = Permanents::<T>::get(id).and_then(|d| d.replicas.first().copied());
	let replica = replica.expect("made; qed");
	let ReplicaState::Dealt(tranche) = replica.state else { panic!("taken; qed") };
	Proofs::<T>::do_commit_sector(owner.clone(), device, replica.root, replica.chunks)
		.expect("room; qed");
	next_epoch::<T>();
	(owner, device, tranche)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A commitment that activates a deal, settling the device's past epoch first.
	#[benchmark]
	fn commit_sector() {
		let (id, ..) = proving_device::<T>(1);
		let owner = T::Registry::owner(id).expect("registered; qed");
		let depth = T::MaxTreeDepth::get();
		let root = H256::repeat_byte(1);
		let deal = published::<T>(&owner, id, root, 1u32 << depth, 10);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, root, 1u32 << depth);

		assert_eq!(Provers::<T>::get(id).map(|p| p.sectors), Some(2));
		assert_eq!(SectorDeals::<T>::get(id, 1), Some(deal));
	}

	/// A removal of a sector answered in this epoch, ending its deal (the provider's collateral
	/// paid to the client), settling the past epoch first.
	#[benchmark]
	fn remove_sector() {
		let (owner, id, deal) = dealing_tranche::<T>();
		let epoch = T::Epochs::current();
		Sectors::<T>::mutate(id, 0, |sector| {
			if let Some(sector) = sector {
				sector.proven_in = Some(epoch.index);
			}
		});
		Provers::<T>::mutate(id, |state| {
			if let Some(state) = state {
				state.epoch = epoch.index.saturating_sub(1);
				state.challenged = 1;
				state.proven = 1;
			}
		});

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, 0);

		assert!(Sectors::<T>::get(id, 0).is_none());
		assert!(Deals::<T>::get(deal).is_none_or(|d| d.state == DealState::Closed));
		assert!(Permanents::<T>::iter().next().is_none(), "the replica exhausted");
	}

	/// `n` valid proposals published in one batch: each checked, its client's signature
	/// verified, both holds taken.
	#[benchmark]
	fn publish_deals(n: Linear<0, { T::MaxProposals::get() }>) {
		let (owner, id, _) = storage_device::<T>(0);
		fund::<T>(&T::BenchmarkHelper::account());
		fund::<T>(&owner);
		let items: Vec<_> = (0..n)
			.map(|i| {
				signed_proposal::<T>(id, H256(sp_io::hashing::blake2_256(&i.encode())), 1024, 10)
			})
			.collect();
		let proposals: SignedProposalsOf<T> = BoundedVec::truncate_from(items);

		#[block]
		{
			// The call refuses an empty batch; its base cost is what is left at n = 0.
			if n > 0 {
				Proofs::<T>::do_publish_deals(owner.clone(), proposals)
					.expect("valid proposals; qed");
			}
		}

		assert_eq!(Deals::<T>::iter().count() as u32, n);
	}

	/// A proven epoch counted on its deal after one missed epoch (the proof's part: counters
	/// only, no money moves).
	#[benchmark]
	fn pay_deal_epoch() {
		let (_, id, deal) = dealing_device::<T>(10);
		let epoch = next_epoch::<T>();
		let state = entered::<T>(id);
		let paid;

		#[block]
		{
			paid = Proofs::<T>::pay_epoch(id, 0, epoch.index, &state);
		}

		assert!(paid.is_some());
		assert!(matches!(
			Deals::<T>::get(deal).map(|d| d.state),
			Some(DealState::Active(p)) if p.paid == 1 && p.missed == 1
		));
	}

	/// A provider ending an active deal with a paid and a missed epoch to settle first.
	#[benchmark]
	fn terminate_deal() {
		let (owner, id, deal) = dealing_tranche::<T>();
		let _ = Proofs::<T>::pay_epoch(id, 0, T::Epochs::current().index, &entered::<T>(id));
		next_epoch::<T>();
		next_epoch::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), deal);

		assert!(Deals::<T>::get(deal).is_none_or(|d| d.state == DealState::Closed));
		assert!(Permanents::<T>::iter().next().is_none(), "the replica exhausted");
	}

	/// Anyone settling a deal with a paid epoch and the missed epochs that end it: every
	/// hold moves.
	#[benchmark]
	fn settle_deal() {
		let (_, id, deal) = dealing_tranche::<T>();
		let _ = Proofs::<T>::pay_epoch(id, 0, T::Epochs::current().index, &entered::<T>(id));
		for _ in 0..=T::MaxMissesInRow::get() {
			next_epoch::<T>();
		}
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), deal);

		assert!(Deals::<T>::get(deal).is_none_or(|d| d.state == DealState::Closed));
		assert!(Permanents::<T>::iter().next().is_none(), "the replica exhausted");
	}

	/// Ending an active deal for its provider's failure, with a paid epoch to settle first
	/// (what removing a device does per sector).
	#[benchmark]
	fn end_deal() {
		let (_, id, deal) = dealing_tranche::<T>();
		let _ = Proofs::<T>::pay_epoch(id, 0, T::Epochs::current().index, &entered::<T>(id));
		let record = Deals::<T>::get(deal).expect("published; qed");

		#[block]
		{
			Proofs::<T>::end_deal(deal, record, DealEnd::ProviderTerminated);
		}

		assert!(Deals::<T>::get(deal).is_none_or(|d| d.state == DealState::Closed));
		assert!(Permanents::<T>::iter().next().is_none(), "the replica exhausted");
	}

	/// A client endowing `r` replicas: each one's endowment computed, the pot's existential
	/// deposit paid (the first deal), the endowment moved and held.
	#[benchmark]
	fn create_permanent_deal(r: Linear<1, { T::MaxReplicas::get() }>) {
		// A device of its own for each replica: each is read.
		let devices: Vec<DeviceId> = (0..r).map(|i| storage_device::<T>(i).1).collect();
		let client = T::BenchmarkHelper::account();
		fund::<T>(&client);
		let (price, collateral) = permanent_terms::<T>();
		let specs = replica_specs::<T>(&devices);

		#[extrinsic_call]
		_(RawOrigin::Signed(client), specs, price, collateral, BalanceOf::<T>::max_value());

		assert_eq!(Permanents::<T>::get(0).map(|d| d.replicas.len() as u32), Some(r));
	}

	/// A device's operator taking an open replica: the tranche published from the endowment.
	/// (Taking the root over from another deal or sector is charged on top, as for a
	/// publication.)
	#[benchmark]
	fn take_replica() {
		let (owner, device, _) = storage_device::<T>(0);
		fund::<T>(&owner);
		let id = permanent::<T>(device);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, 0, device);

		let state = Permanents::<T>::get(id).and_then(|d| d.replicas.first().map(|r| r.state));
		assert!(matches!(state, Some(ReplicaState::Dealt(_))));
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
