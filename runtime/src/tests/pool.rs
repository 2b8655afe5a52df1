//! The transaction pool's ranking of proof submissions (`crate::pool`): junk proofs outrank
//! neither an honest device's proof nor a normal transaction (docs/security.md, findings 19
//! and 20).

use super::*;
use crate::{
	pool::{proof_makes_progress, ChargeAndRank, POOL_CHECK_BUDGET, PROOF_PRIORITY},
	Balance, Executive, RuntimeCall, SignedPayload, TransactionPayment, UncheckedExtrinsic,
};
use depin_merkle::{Blake2, MerkleTree};
use frame_support::{
	dispatch::{DispatchClass, DispatchInfo, GetDispatchInfo},
	storage::{with_transaction, TransactionOutcome},
	traits::{Get, Hooks},
	weights::Weight,
};
use pallet_transaction_payment::ChargeTransactionPayment;
use sp_core::{Pair, H256};
use sp_runtime::{
	generic::Era,
	traits::TransactionExtension,
	transaction_validity::{TransactionPriority, TransactionSource},
	MultiAddress, MultiSignature,
};

/// `call` signed by `who` with its next nonce, paying `tip`.
fn signed(who: Sr25519Keyring, call: RuntimeCall, tip: Balance) -> UncheckedExtrinsic {
	let signer = account(who);
	let extension = crate::tx_extension(Era::Immortal, System::account_nonce(&signer), tip);
	let payload = SignedPayload::new(call.clone(), extension.clone()).expect("implicit");
	let signature = payload.using_encoded(|bytes| who.pair().sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(signer),
		MultiSignature::Sr25519(signature),
		extension,
	)
}

/// The rank a node's pool gives `xt` from `source` on the state as it stands (left as it was).
fn rank(source: TransactionSource, xt: &UncheckedExtrinsic) -> TransactionPriority {
	let parent = System::block_hash(System::block_number());
	with_transaction(|| {
		let validity = Executive::validate_transaction(source, xt.clone(), parent);
		TransactionOutcome::Rollback(Ok::<_, DispatchError>(validity))
	})
	.expect("rolled back")
	.expect("valid")
	.priority
}

/// FRAME's own rank of `xt` (what `ChargeTransactionPayment` alone says), as if its class were
/// `class`.
fn frames_rank(xt: &UncheckedExtrinsic, class: DispatchClass, tip: Balance) -> TransactionPriority {
	let len = xt.encoded_size();
	let info = DispatchInfo { class, ..xt.get_dispatch_info() };
	let fee = TransactionPayment::compute_fee(len as u32, &info, tip);
	ChargeTransactionPayment::<Runtime>::get_priority(&info, len, tip, fee)
}

/// Alice's dev storage device (device 0) keeps two sectors (0 and 1, of [`sector_data`] 0 and
/// 1), challenged in epoch 1, which has just started (block 5 of 5-block epochs).
fn alices_sectors_challenged() -> Vec<(Vec<u8>, MerkleTree<Blake2>)> {
	five_block_epochs();
	let sectors: Vec<_> = (0..2u8)
		.map(|seed| {
			let data = sector_data(seed);
			let tree = MerkleTree::<Blake2>::from_bytes(&data).expect("data");
			assert_ok!(crate::Proofs::commit_sector(
				RuntimeOrigin::signed(account(Sr25519Keyring::Alice)),
				0,
				H256(tree.root()),
				tree.chunks()
			));
			(data, tree)
		})
		.collect();
	pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some([7u8; 32]));
	System::set_block_number(5);
	crate::Epochs::on_initialize(5);
	assert_eq!(pallet_epochs::CurrentEpoch::<Runtime>::get().index, 1);
	sectors
}

/// Alice's device's answer in epoch 1 for its `sector` of `sectors`.
fn proof_of(
	sectors: &[(Vec<u8>, MerkleTree<Blake2>)],
	sector: usize,
) -> pallet_proofs::StorageProofOf<Runtime> {
	let (data, tree) = sectors.get(sector).expect("a sector of Alice's");
	alices_storage_proof(data, tree, sector as u32, 1)
}

fn submit(proofs: &[pallet_proofs::StorageProofOf<Runtime>]) -> RuntimeCall {
	RuntimeCall::Proofs(pallet_proofs::Call::submit_storage_proofs {
		proofs: proofs.to_vec().try_into().expect("within MaxBatch"),
	})
}

fn prove(proofs: &[pallet_proofs::StorageProofOf<Runtime>]) {
	assert_ok!(crate::Proofs::submit_storage_proofs(
		RuntimeOrigin::signed(account(Sr25519Keyring::Ferdie)),
		proofs.to_vec().try_into().expect("within MaxBatch")
	));
}

#[test]
fn a_proof_that_makes_progress_outranks_everything_and_junk_ranks_as_a_normal_transaction() {
	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let sectors = alices_sectors_challenged();
		let honest_proof = proof_of(&sectors, 0);
		let mut junk_proof = honest_proof.clone();
		junk_proof.chunks[0].chunk[0] ^= 1;

		let external = TransactionSource::External;
		let honest = signed(Sr25519Keyring::Bob, submit(core::slice::from_ref(&honest_proof)), 0);
		let junk = signed(Sr25519Keyring::Charlie, submit(&[junk_proof]), 0);
		// What a flooder could pay to get ahead: a tip of ten times the junk's whole fee.
		let junk_fee = TransactionPayment::compute_fee(
			junk.encoded_size() as u32,
			&junk.get_dispatch_info(),
			0,
		);
		let tipped_junk =
			signed(Sr25519Keyring::Ferdie, junk.function.clone(), junk_fee.saturating_mul(10));
		let remark =
			RuntimeCall::System(frame_system::Call::remark { remark: Vec::from([0u8; 1024]) });
		let remark = signed(Sr25519Keyring::Dave, remark, 0);
		let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: account(Sr25519Keyring::Eve).into(),
			value: UNITS,
		});
		let tipped_transfer = signed(Sr25519Keyring::Eve, transfer, 100 * UNITS);

		// The honest proof is ranked above everything else, a transfer tipping 100 DPN and junk
		// tipping ten times its fee too, and among proofs by its fee as FRAME ranks it.
		let honest_rank = rank(external, &honest);
		assert_eq!(
			honest_rank,
			PROOF_PRIORITY + frames_rank(&honest, DispatchClass::Operational, 0)
		);
		assert!(honest_rank > rank(external, &tipped_transfer));
		assert!(honest_rank > rank(external, &tipped_junk));

		// The junk (its chunk does not hash to the root) ranks as a normal transaction of its
		// size: without the operational bonus it would have had, below a remark without a tip.
		let junk_rank = rank(external, &junk);
		assert_eq!(junk_rank, frames_rank(&junk, DispatchClass::Normal, 0));
		assert!(junk_rank < frames_rank(&junk, DispatchClass::Operational, 0));
		assert!(junk_rank < rank(external, &remark), "{junk_rank}");
		// A tip lifts it as it lifts any transaction.
		assert!(rank(external, &tipped_junk) > junk_rank);
		// An honest proof batched with junk is junk: a block would refuse an item.
		let mut other_junk = proof_of(&sectors, 1);
		other_junk.chunks[1].chunk[0] ^= 1;
		let mixed = signed(Sr25519Keyring::Bob, submit(&[honest_proof.clone(), other_junk]), 0);
		assert_eq!(rank(external, &mixed), frames_rank(&mixed, DispatchClass::Normal, 0));

		// A block does not check (the rank of a transaction in a block means nothing).
		assert_eq!(
			rank(TransactionSource::InBlock, &honest),
			frames_rank(&honest, DispatchClass::Operational, 0)
		);

		// The pool's check keeps nothing: not the proof, the prover's record, an event.
		let prover = pallet_proofs::Provers::<Runtime>::get(0);
		let events = System::event_count();
		let parent = System::block_hash(System::block_number());
		assert!(Executive::validate_transaction(external, honest.clone(), parent).is_ok());
		assert_eq!(pallet_proofs::Sectors::<Runtime>::get(0, 0).expect("kept").proven_in, None);
		assert_eq!(pallet_proofs::Provers::<Runtime>::get(0), prover);
		assert!(System::event_count() <= events);
	});
}

#[test]
fn a_batch_keeps_its_rank_when_a_copy_of_one_of_its_proofs_lands_first() {
	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let sectors = alices_sectors_challenged();
		let proofs: Vec<_> = (0..sectors.len()).map(|sector| proof_of(&sectors, sector)).collect();
		let batch = signed(Sr25519Keyring::Bob, submit(&proofs), 0);
		let external = TransactionSource::External;
		assert!(rank(external, &batch) > PROOF_PRIORITY);

		// Someone copies the batch's first proof from the pool and gets it in first: the
		// device is credited all the same, and the batch's other proof is still progress.
		prove(&proofs[..1]);
		assert!(rank(external, &batch) > PROOF_PRIORITY);
		// A copy of what is proven is no progress.
		let copy = signed(Sr25519Keyring::Charlie, submit(&proofs[..1]), 0);
		assert_eq!(rank(external, &copy), frames_rank(&copy, DispatchClass::Normal, 0));

		// Once both are in, the batch is no progress either.
		prove(&proofs[1..]);
		assert_eq!(rank(external, &batch), frames_rank(&batch, DispatchClass::Normal, 0));
	});
}

#[test]
fn the_pools_check_budget_covers_thirty_storage_proofs_and_is_counted() {
	use pallet_proofs::StorageProofOf;
	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let sectors = alices_sectors_challenged();
		let (proof, tree) = (proof_of(&sectors, 0), &sectors[0].1);
		// What one proof is charged at most (a full check, and the most its device's
		// settlement costs), at its depth and at the deepest tree the runtime takes, and how
		// many of them the budget covers at least.
		let one = |depth: u32| {
			crate::Proofs::storage_proof_weight(proof.chunks.len() as u32, depth)
				.saturating_add(crate::Proofs::settle_weight())
				.ref_time()
		};
		let deepest = <Runtime as pallet_proofs::Config>::MaxTreeDepth::get();
		let budget = POOL_CHECK_BUDGET.ref_time();
		std::eprintln!(
			"the pool's check budget ({} ms) covers {} storage proofs at depth {}, {} at depth {deepest}",
			budget / 1_000_000_000,
			budget / one(tree.depth()),
			tree.depth(),
			budget / one(deepest),
		);
		assert!(budget / one(deepest) >= 30, "a batch of 30 proofs is ranked whatever its depth");
		// The other kinds, at their largest item.
		let witnesses = <Runtime as pallet_coverage::Config>::MaxWitnesses::get();
		let bundle = crate::Coverage::bundle_weight(witnesses).ref_time();
		let commit = crate::Compute::commit_full_weight().ref_time();
		let samples = crate::Compute::samples();
		let reveal = crate::Compute::reveal_item_weight(samples).ref_time();
		std::eprintln!(
			"and {} beacon bundles of {witnesses} receipts, {} compute commitments, {} reveals of \
			 {samples} samples",
			budget / bundle,
			budget / commit,
			budget / reveal
		);

		// The budget is counted: a proof is progress within it, not within half its check's weight.
		let batch: Vec<StorageProofOf<Runtime>> = Vec::from([proof.clone()]);
		assert!(crate::Proofs::makes_progress(&batch, POOL_CHECK_BUDGET));
		let check = crate::Proofs::prove_weight(proof.chunks.len() as u32, tree.depth());
		let half = Weight::from_parts(check.ref_time() / 2, u64::MAX);
		assert!(!crate::Proofs::makes_progress(&batch, half));
	});
}

#[test]
fn every_proof_submission_is_ranked_and_nothing_else() {
	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		// Every proof call is ranked; an empty batch, which a block refuses, never verifies.
		let proofs = [
			RuntimeCall::Proofs(pallet_proofs::Call::submit_storage_proofs {
				proofs: Default::default(),
			}),
			RuntimeCall::Coverage(pallet_coverage::Call::submit_beacons {
				bundles: Default::default(),
			}),
			RuntimeCall::Compute(pallet_compute::Call::commit_work { commits: Default::default() }),
			RuntimeCall::Compute(pallet_compute::Call::reveal_work { reveals: Default::default() }),
		];
		for call in &proofs {
			assert_eq!(proof_makes_progress(call), Some(false), "{call:?}");
		}
		// Each is operational: the bonus a junk proof loses.
		for call in &proofs {
			assert_eq!(call.get_dispatch_info().class, DispatchClass::Operational);
		}
		// Anything else keeps FRAME's rank, a proof wrapped in a batch too.
		let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: account(Sr25519Keyring::Eve).into(),
			value: UNITS,
		});
		let wrapped = RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: Vec::from([proofs[0].clone()]),
		});
		assert_eq!(proof_makes_progress(&transfer), None);
		assert_eq!(proof_makes_progress(&wrapped), None);
	});
}

#[test]
fn wallets_see_frames_charge_transaction_payment() {
	// The same identifier, type and bytes: no wallet or tool needs to know of the ranking.
	let ours = <ChargeAndRank as TransactionExtension<RuntimeCall>>::metadata();
	let frames =
		<ChargeTransactionPayment<Runtime> as TransactionExtension<RuntimeCall>>::metadata();
	assert_eq!(ours.len(), 1);
	assert_eq!(ours[0].identifier, frames[0].identifier);
	assert_eq!(ours[0].ty, frames[0].ty);
	assert_eq!(ours[0].implicit, frames[0].implicit);
	assert_eq!(
		ChargeAndRank::from(7 * UNITS).encode(),
		ChargeTransactionPayment::<Runtime>::from(7 * UNITS).encode()
	);
}
