//! The transaction pool's ranking of proof submissions (`crate::pool`): junk proofs outrank
//! neither an honest device's proof nor a normal transaction (docs/security.md, findings 19
//! and 20).

use super::*;
use crate::{
	pool::{proof_verified, ChargeAndRank, VERIFIED_PROOF_PRIORITY},
	Balance, Executive, RuntimeCall, SignedPayload, TransactionPayment, UncheckedExtrinsic,
};
use depin_merkle::{Blake2, MerkleTree};
use frame_support::{
	dispatch::{DispatchClass, DispatchInfo, GetDispatchInfo},
	storage::{with_transaction, TransactionOutcome},
	traits::Hooks,
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

/// Alice's dev storage device (device 0) keeps a sector of [`sector_data`], challenged in
/// epoch 1, which has just started (block 5 of 5-block epochs).
fn alices_sector_challenged() -> (Vec<u8>, MerkleTree<Blake2>) {
	five_block_epochs();
	let data = sector_data();
	let tree = MerkleTree::<Blake2>::from_bytes(&data).expect("data");
	assert_ok!(crate::Proofs::commit_sector(
		RuntimeOrigin::signed(account(Sr25519Keyring::Alice)),
		0,
		H256(tree.root()),
		tree.chunks()
	));
	pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some([7u8; 32]));
	System::set_block_number(5);
	crate::Epochs::on_initialize(5);
	assert_eq!(pallet_epochs::CurrentEpoch::<Runtime>::get().index, 1);
	(data, tree)
}

fn submit(proof: pallet_proofs::StorageProofOf<Runtime>) -> RuntimeCall {
	RuntimeCall::Proofs(pallet_proofs::Call::submit_storage_proofs {
		proofs: Vec::from([proof]).try_into().expect("one proof"),
	})
}

#[test]
fn a_verified_proof_outranks_everything_and_junk_ranks_as_a_normal_transaction() {
	preset_ext(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let (data, tree) = alices_sector_challenged();
		let honest_proof = alices_storage_proof(&data, &tree, 1);
		let mut junk_proof = honest_proof.clone();
		junk_proof.chunks[0].chunk[0] ^= 1;

		let external = TransactionSource::External;
		let honest = signed(Sr25519Keyring::Bob, submit(honest_proof.clone()), 0);
		let junk = signed(Sr25519Keyring::Charlie, submit(junk_proof), 0);
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

		// The honest proof is ranked above everything else, a transfer tipping 100 DPN too,
		// and among verified proofs by its fee as FRAME ranks it.
		let honest_rank = rank(external, &honest);
		assert_eq!(
			honest_rank,
			VERIFIED_PROOF_PRIORITY + frames_rank(&honest, DispatchClass::Operational, 0)
		);
		assert!(honest_rank > rank(external, &tipped_transfer));
		assert!(honest_rank > rank(external, &tipped_junk));

		// The junk (its chunk does not hash to the root) ranks as a normal transaction of its
		// size: without the operational bonus it would have had, below a remark without a tip.
		let junk_rank = rank(external, &junk);
		assert_eq!(junk_rank, frames_rank(&junk, DispatchClass::Normal, 0));
		assert!(junk_rank < frames_rank(&junk, DispatchClass::Operational, 0));
		assert!(junk_rank < rank(external, &remark), "{junk_rank}");
		// A tip lifts it as it lifts any transaction, never above a verified proof.
		assert!(rank(external, &tipped_junk) > junk_rank);

		// A block does not check (the rank of a transaction in a block means nothing).
		assert_eq!(
			rank(TransactionSource::InBlock, &honest),
			frames_rank(&honest, DispatchClass::Operational, 0)
		);

		// The pool's check keeps nothing.
		let prover = pallet_proofs::Provers::<Runtime>::get(0);
		let parent = System::block_hash(System::block_number());
		assert!(Executive::validate_transaction(external, honest.clone(), parent).is_ok());
		assert_eq!(pallet_proofs::Sectors::<Runtime>::get(0, 0).expect("kept").proven_in, None);
		assert_eq!(pallet_proofs::Provers::<Runtime>::get(0), prover);

		// Once the proof is in, a copy of it (from anyone) no longer verifies: already proven.
		assert_ok!(crate::Proofs::submit_storage_proofs(
			RuntimeOrigin::signed(account(Sr25519Keyring::Bob)),
			Vec::from([honest_proof.clone()]).try_into().expect("one proof")
		));
		let copy = signed(Sr25519Keyring::Charlie, submit(honest_proof), 0);
		assert_eq!(rank(external, &copy), frames_rank(&copy, DispatchClass::Normal, 0));
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
			assert_eq!(proof_verified(call), Some(false), "{call:?}");
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
		assert_eq!(proof_verified(&transfer), None);
		assert_eq!(proof_verified(&wrapped), None);
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
