//! Validators' equivocations (issue 28): two BABE blocks for one slot, or two GRANDPA votes in
//! one round, signed by one validator. A node reports them through the runtime API, as
//! `sc-consensus-babe` and `sc-consensus-grandpa` do; the offence is recorded once, the
//! validator disabled at once and out of the set two sessions later. Every refusal changes
//! nothing.

use alloc::{boxed::Box, vec, vec::Vec};

use codec::Decode;
use frame_support::{
	assert_noop, assert_ok,
	traits::KeyOwnerProofSystem,
	weights::constants::{RocksDbWeight, WEIGHT_REF_TIME_PER_MICROS},
};
use sp_consensus_babe::{runtime_decl_for_babe_api::BabeApiV2, Slot};
use sp_consensus_grandpa::runtime_decl_for_grandpa_api::GrandpaApi;
use sp_core::{
	offchain::{testing::TestTransactionPoolExt, TransactionPoolExt},
	Pair, H256,
};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::{
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	DispatchError, TransactionOutcome,
};

use super::{
	account,
	blocks::{authority_index, babe_equivocation, babe_header, Blocks},
	preset_ext,
};
use crate::{
	configs::{RemoveEquivocators, ValidatorSessions, KEPT_SESSIONS},
	AccountId, Babe, BlockNumber, Executive, Grandpa, Historical, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeOrigin, Session, System, UncheckedExtrinsic,
};

/// What the runtime submitted to the node's transaction pool, taken out of it.
type Submitted = Box<dyn Fn() -> Vec<UncheckedExtrinsic>>;

/// A chain of `preset` after its first block, authored by Alice (as all its blocks), with the
/// transaction pool the runtime's unsigned reports go to.
fn chain(preset: &str) -> (sp_io::TestExternalities, Blocks, Submitted) {
	let mut ext = preset_ext(preset);
	let (pool, state) = TestTransactionPoolExt::new();
	ext.register_extension(TransactionPoolExt::new(pool));
	let submitted: Submitted = Box::new(move || {
		core::mem::take(&mut state.write().transactions)
			.into_iter()
			.map(|bytes| UncheckedExtrinsic::decode(&mut &bytes[..]).expect("an extrinsic"))
			.collect()
	});
	let mut blocks = ext.execute_with(|| {
		System::set_block_number(0);
		Blocks::new(Sr25519Keyring::Alice, authority_index(Sr25519Keyring::Alice))
	});
	ext.execute_with(|| {
		blocks.begin();
		blocks.end();
	});
	(ext, blocks, submitted)
}

/// The local network: Alice, Bob, Charlie and Dave validate.
fn local() -> (sp_io::TestExternalities, Blocks, Submitted) {
	chain(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
}

/// The key-ownership proof of `who`'s BABE key, as the node asks the runtime for it.
fn babe_key_owner(who: Sr25519Keyring, slot: Slot) -> sp_session::MembershipProof {
	let opaque = <Runtime as BabeApiV2<crate::Block>>::generate_key_ownership_proof(
		slot,
		who.public().into(),
	)
	.expect("a validator's key has a proof");
	opaque.decode().expect("the proof decodes")
}

/// Two prevotes of `offender` in `round` of GRANDPA set `set_id`, for different blocks.
fn grandpa_equivocation(
	offender: Ed25519Keyring,
	set_id: u64,
	round: u64,
) -> sp_consensus_grandpa::EquivocationProof<H256, BlockNumber> {
	grandpa_votes(offender, offender, set_id, round)
}

/// Two prevotes for different blocks said to be `voter`'s, signed by `signer`.
fn grandpa_votes(
	voter: Ed25519Keyring,
	signer: Ed25519Keyring,
	set_id: u64,
	round: u64,
) -> sp_consensus_grandpa::EquivocationProof<H256, BlockNumber> {
	let vote = |target: u8| {
		let prevote =
			finality_grandpa::Prevote { target_hash: H256::repeat_byte(target), target_number: 1 };
		let message = finality_grandpa::Message::Prevote(prevote.clone());
		let payload = sp_consensus_grandpa::localized_payload(round, set_id, &message);
		(prevote, signer.pair().sign(&payload).into())
	};
	sp_consensus_grandpa::EquivocationProof::new(
		set_id,
		sp_consensus_grandpa::Equivocation::Prevote(finality_grandpa::Equivocation {
			round_number: round,
			identity: voter.public().into(),
			first: vote(1),
			second: vote(2),
		}),
	)
}

fn grandpa_key_owner(who: Ed25519Keyring) -> sp_session::MembershipProof {
	let opaque = <Runtime as GrandpaApi<crate::Block>>::generate_key_ownership_proof(
		Grandpa::current_set_id(),
		who.public().into(),
	)
	.expect("a validator's key has a proof");
	opaque.decode().expect("the proof decodes")
}

/// What a node's transaction pool says of `xt` from `source`, on the last block (its state
/// left as it was).
fn validate(
	source: TransactionSource,
	xt: &UncheckedExtrinsic,
) -> Result<(), TransactionValidityError> {
	let parent = System::block_hash(System::block_number());
	frame_support::storage::with_transaction(|| {
		let validity = Executive::validate_transaction(source, xt.clone(), parent);
		TransactionOutcome::Rollback(Ok::<_, DispatchError>(validity))
	})
	.expect("rolled back")
	.map(|_| ())
}

fn offences() -> Vec<[u8; 16]> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Offences(pallet_offences::Event::Offence { kind, .. }) => Some(kind),
			_ => None,
		})
		.collect()
}

/// Dave is disabled (now) and out of the validator set (from the session after next), and
/// nobody else is.
fn assert_dave_punished() {
	let dave = account(Sr25519Keyring::Dave);
	assert_eq!(Session::disabled_validators(), vec![authority_index(Sr25519Keyring::Dave)]);
	let invulnerables = pallet_collator_selection::Invulnerables::<Runtime>::get();
	assert!(!invulnerables.contains(&dave));
	assert_eq!(invulnerables.len(), 3);
	let events: Vec<RuntimeEvent> = System::events().into_iter().map(|r| r.event).collect();
	assert!(events.contains(&RuntimeEvent::Session(pallet_session::Event::ValidatorDisabled {
		validator: dave.clone()
	})));
	assert!(events.contains(&RuntimeEvent::ValidatorSet(
		pallet_collator_selection::Event::InvulnerableRemoved { account_id: dave }
	)));
}

/// What a block author does with the report its node put in its pool: the pool takes it only
/// from the node itself, the next block includes it, the offence (`kind`) is recorded and Dave
/// punished; the same report is stale afterwards. The report.
fn include_own_report(
	blocks: &mut Blocks,
	submitted: &Submitted,
	kind: &[u8; 16],
) -> UncheckedExtrinsic {
	let report = submitted().pop().expect("a report in the pool");
	assert_ok!(validate(TransactionSource::Local, &report));
	assert_eq!(
		validate(TransactionSource::External, &report),
		Err(InvalidTransaction::Call.into())
	);
	blocks.begin();
	assert_ok!(Executive::apply_extrinsic(report.clone()).expect("valid"));
	assert_eq!(offences(), vec![*kind]);
	assert_dave_punished();
	blocks.end();
	// The offence names Dave, and the block's author as its reporter.
	let reports: Vec<_> = pallet_offences::Reports::<Runtime>::iter_values()
		.map(|details| (details.offender, details.reporters))
		.collect();
	assert_eq!(
		reports,
		vec![((account(Sr25519Keyring::Dave), ()), vec![account(Sr25519Keyring::Alice)])]
	);
	assert_eq!(validate(TransactionSource::Local, &report), Err(InvalidTransaction::Stale.into()));
	report
}

#[test]
fn a_babe_equivocation_reported_by_a_node_disables_the_validator_and_removes_it_from_the_set() {
	let (mut ext, mut blocks, submitted) = local();
	ext.execute_with(|| {
		let dave = account(Sr25519Keyring::Dave);
		let session = Session::current_index();
		let slot = Babe::current_slot();
		let proof = babe_equivocation(Sr25519Keyring::Dave, slot);

		// What `sc-consensus-babe` does on importing Dave's second block of the slot: a
		// key-ownership proof and the report, through the runtime API, into its own pool.
		let key_owner = <Runtime as BabeApiV2<crate::Block>>::generate_key_ownership_proof(
			slot,
			proof.offender.clone(),
		)
		.expect("Dave's key has a proof");
		assert_eq!(
			<Runtime as BabeApiV2<crate::Block>>::submit_report_equivocation_unsigned_extrinsic(
				proof, key_owner
			),
			Some(())
		);
		let report = include_own_report(&mut blocks, &submitted, b"babe:equivocatio");
		assert!(matches!(
			report.function,
			RuntimeCall::Babe(pallet_babe::Call::report_equivocation_unsigned { .. })
		));

		// The same report in a block is refused.
		blocks.begin();
		let before = pallet_offences::Reports::<Runtime>::iter().count();
		assert!(Executive::apply_extrinsic(report).is_err());
		assert_eq!(pallet_offences::Reports::<Runtime>::iter().count(), before);
		blocks.end();

		// Dave stays disabled to the end of this session. The next was planned with him: he
		// is in it, and disabled again as it starts. Then he is gone from BABE's and GRANDPA's
		// authorities.
		blocks.run_to_session(session + 1);
		assert!(Session::validators().contains(&dave));
		assert_eq!(Session::disabled_validators(), vec![authority_index(Sr25519Keyring::Dave)]);
		blocks.run_to_session(session + 2);
		assert!(!Session::validators().contains(&dave));
		assert_eq!(Session::validators().len(), 3);
		assert_eq!(Babe::authorities().len(), 3);
		assert!(!Babe::authorities()
			.iter()
			.any(|(id, _)| *id == Sr25519Keyring::Dave.public().into()));
		let grandpa = Grandpa::grandpa_authorities();
		assert_eq!(grandpa.len(), 3);
		assert!(!grandpa.iter().any(|(id, _)| *id == Ed25519Keyring::Dave.public().into()));
		assert!(Session::disabled_validators().is_empty());
		// Blocks go on with the three others.
		blocks.begin();
		blocks.end();
	});
}

#[test]
fn a_disabled_validators_block_is_refused() {
	let (mut ext, blocks, _) = local();
	ext.execute_with(|| {
		let slot = Babe::current_slot();
		assert_ok!(Babe::report_equivocation_unsigned(
			RuntimeOrigin::none(),
			Box::new(babe_equivocation(Sr25519Keyring::Dave, slot)),
			babe_key_owner(Sr25519Keyring::Dave, slot),
		));
		assert_dave_punished();
		// Dave's next block: BABE refuses it (the block cannot be finished, so it is invalid).
		let dave = blocks.by(Sr25519Keyring::Dave, authority_index(Sr25519Keyring::Dave));
		dave.begin();
		let refused = std::panic::catch_unwind(Executive::finalize_block)
			.expect_err("a disabled validator's block executes");
		let message = refused.downcast_ref::<String>().cloned().unwrap_or_default();
		assert!(message.contains("is disabled"), "refused for another reason: {message}");
	});
}

#[test]
fn a_grandpa_equivocation_disables_the_validator_and_removes_it_from_the_set() {
	let (mut ext, mut blocks, submitted) = local();
	ext.execute_with(|| {
		let set_id = Grandpa::current_set_id();
		let proof = grandpa_equivocation(Ed25519Keyring::Dave, set_id, 1);
		// What `sc-consensus-grandpa`'s voter does when it sees both votes.
		let key_owner = <Runtime as GrandpaApi<crate::Block>>::generate_key_ownership_proof(
			set_id,
			Ed25519Keyring::Dave.public().into(),
		)
		.expect("Dave's key has a proof");
		assert_eq!(
			<Runtime as GrandpaApi<crate::Block>>::submit_report_equivocation_unsigned_extrinsic(
				proof, key_owner
			),
			Some(())
		);
		let report = include_own_report(&mut blocks, &submitted, b"grandpa:equivoca");
		assert!(matches!(
			report.function,
			RuntimeCall::Grandpa(pallet_grandpa::Call::report_equivocation_unsigned { .. })
		));
	});
}

/// A signed report would be free and its offence stored for good: the runtime refuses it
/// (`BaseFilter`), whatever it reports.
#[test]
fn a_signed_report_is_refused_and_changes_nothing() {
	use sp_runtime::traits::Dispatchable;
	let (mut ext, _, _) = local();
	ext.execute_with(|| {
		let eve = RuntimeOrigin::signed(account(Sr25519Keyring::Eve));
		let slot = Babe::current_slot();
		let babe = RuntimeCall::Babe(pallet_babe::Call::report_equivocation {
			equivocation_proof: Box::new(babe_equivocation(Sr25519Keyring::Dave, slot)),
			key_owner_proof: babe_key_owner(Sr25519Keyring::Dave, slot),
		});
		let grandpa = RuntimeCall::Grandpa(pallet_grandpa::Call::report_equivocation {
			equivocation_proof: Box::new(grandpa_equivocation(
				Ed25519Keyring::Dave,
				Grandpa::current_set_id(),
				3,
			)),
			key_owner_proof: grandpa_key_owner(Ed25519Keyring::Dave),
		});
		for call in [babe, grandpa] {
			assert_noop!(
				call.dispatch(eve.clone()).map_err(|e| e.error),
				frame_system::Error::<Runtime>::CallFiltered
			);
		}
		assert!(pallet_collator_selection::Invulnerables::<Runtime>::get()
			.contains(&account(Sr25519Keyring::Dave)));
	});
}

#[test]
fn a_forged_or_misattributed_equivocation_is_refused_and_changes_nothing() {
	let (mut ext, _, _) = local();
	ext.execute_with(|| {
		let slot = Babe::current_slot();
		let dave = Sr25519Keyring::Dave;
		let report = |proof, key_owner| {
			Babe::report_equivocation_unsigned(RuntimeOrigin::none(), Box::new(proof), key_owner)
		};
		let invalid = || pallet_babe::Error::<Runtime>::InvalidEquivocationProof;

		// The same block twice is no equivocation.
		let mut proof = babe_equivocation(dave, slot);
		proof.second_header = proof.first_header.clone();
		assert_noop!(report(proof, babe_key_owner(dave, slot)), invalid());

		// Two blocks for different slots are not either.
		let mut proof = babe_equivocation(dave, slot);
		proof.second_header = babe_header(dave, authority_index(dave), slot + 1, 2, 2);
		assert_noop!(report(proof, babe_key_owner(dave, slot)), invalid());

		// Nor two blocks claimed for two authorities.
		let mut proof = babe_equivocation(dave, slot);
		proof.second_header = babe_header(dave, authority_index(Sr25519Keyring::Bob), slot, 2, 2);
		assert_noop!(report(proof, babe_key_owner(dave, slot)), invalid());

		// Blocks Charlie signed do not make Dave an equivocator.
		let mut proof = babe_equivocation(Sr25519Keyring::Charlie, slot);
		proof.offender = dave.public().into();
		assert_noop!(report(proof, babe_key_owner(dave, slot)), invalid());

		// Dave's equivocation with a proof that Charlie's key is Charlie's.
		assert_noop!(
			report(babe_equivocation(dave, slot), babe_key_owner(Sr25519Keyring::Charlie, slot)),
			pallet_babe::Error::<Runtime>::InvalidKeyOwnershipProof
		);

		// An equivocation in a slot of a later epoch than the proof's session.
		let later = slot + crate::EPOCH_DURATION_IN_SLOTS;
		assert_noop!(
			report(babe_equivocation(dave, later), babe_key_owner(dave, slot)),
			pallet_babe::Error::<Runtime>::InvalidKeyOwnershipProof
		);

		// A signed report must not come from nowhere, an unsigned one from an account.
		assert_noop!(
			Babe::report_equivocation(
				RuntimeOrigin::none(),
				Box::new(babe_equivocation(dave, slot)),
				babe_key_owner(dave, slot)
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Babe::report_equivocation_unsigned(
				RuntimeOrigin::signed(account(Sr25519Keyring::Eve)),
				Box::new(babe_equivocation(dave, slot)),
				babe_key_owner(dave, slot)
			),
			DispatchError::BadOrigin
		);

		// GRANDPA: votes for a set that does not exist yet, and votes Charlie signed.
		let set_id = Grandpa::current_set_id();
		assert_noop!(
			Grandpa::report_equivocation_unsigned(
				RuntimeOrigin::none(),
				Box::new(grandpa_equivocation(Ed25519Keyring::Dave, set_id + 1, 1)),
				grandpa_key_owner(Ed25519Keyring::Dave),
			),
			pallet_grandpa::Error::<Runtime>::InvalidEquivocationProof
		);
		assert_noop!(
			Grandpa::report_equivocation_unsigned(
				RuntimeOrigin::none(),
				Box::new(grandpa_votes(Ed25519Keyring::Dave, Ed25519Keyring::Charlie, set_id, 1)),
				grandpa_key_owner(Ed25519Keyring::Dave),
			),
			pallet_grandpa::Error::<Runtime>::InvalidEquivocationProof
		);
		assert!(pallet_collator_selection::Invulnerables::<Runtime>::get()
			.contains(&account(Sr25519Keyring::Dave)));
		assert!(Session::disabled_validators().is_empty());
	});
}

#[test]
fn the_last_validator_is_reported_but_stays() {
	let (mut ext, _, _) = chain(sp_genesis_builder::DEV_RUNTIME_PRESET);
	ext.execute_with(|| {
		let alice = Sr25519Keyring::Alice;
		let slot = Babe::current_slot();
		assert_ok!(Babe::report_equivocation_unsigned(
			RuntimeOrigin::none(),
			Box::new(babe_equivocation(alice, slot)),
			babe_key_owner(alice, slot),
		));
		assert_eq!(offences(), vec![*b"babe:equivocatio"]);
		// Removing it would stop the chain: it stays in the set, and enabled (a third of one
		// validator is none).
		assert_eq!(
			pallet_collator_selection::Invulnerables::<Runtime>::get().to_vec(),
			vec![account(alice)]
		);
		assert!(Session::disabled_validators().is_empty());
	});
}

#[test]
fn only_the_last_days_sessions_keep_their_validator_roots() {
	let (mut ext, _, _) = local();
	ext.execute_with(|| {
		use pallet_session::historical;
		// As if the chain had run 300 sessions.
		for index in 0..300 {
			historical::HistoricalSessions::<Runtime>::insert(index, (H256::zero(), 4));
		}
		historical::StoredRange::<Runtime>::put((0, 300));
		<ValidatorSessions as pallet_session::SessionManager<AccountId>>::new_session(300);
		let kept: Vec<u32> = historical::HistoricalSessions::<Runtime>::iter_keys().collect();
		assert_eq!(kept.len() as u32, KEPT_SESSIONS + 1);
		assert_eq!(kept.iter().min(), Some(&(300 - KEPT_SESSIONS)));
		assert_eq!(historical::StoredRange::<Runtime>::get(), Some((300 - KEPT_SESSIONS, 301)));
		// The roots kept are the ones GRANDPA's set ids are kept for.
		assert_eq!(
			<<Runtime as pallet_grandpa::Config>::MaxSetIdSessionEntries as frame_support::traits::Get<u64>>::get(),
			u64::from(KEPT_SESSIONS)
		);
	});
}

/// The weight BABE and GRANDPA charge a report (upstream's formula, made for a staking chain)
/// covers what the offences pallet and `RemoveEquivocators` do here: the report's share of it
/// (110 µs and 14 reads and 10 writes of RocksDB, more than ParityDB) against the offence's
/// records (3 reads, 2 writes) and the handler's weight, from `pallet_collator_selection`'s
/// generated weights.
#[test]
fn an_offence_costs_less_than_the_report_pays_for() {
	let allowance = frame_support::weights::Weight::from_parts(110 * WEIGHT_REF_TIME_PER_MICROS, 0)
		.saturating_add(RocksDbWeight::get().reads_writes(14, 10));
	let records = <Runtime as frame_system::Config>::DbWeight::get().reads_writes(3, 2);
	let handled = RemoveEquivocators::weight_per_offender().saturating_add(records);
	// Proof size means nothing on a solochain (the blocks' is unlimited).
	assert!(
		handled.ref_time() <= allowance.ref_time(),
		"an offence costs {handled:?}, the report pays for {allowance:?}"
	);
}

/// The report's key ownership proof is checked against the session's root: proofs of the
/// current session made by `Historical` verify.
#[test]
fn a_validators_keys_prove_their_owner() {
	let (mut ext, _, _) = local();
	ext.execute_with(|| {
		let proof = Historical::prove((sp_consensus_babe::KEY_TYPE, Sr25519Keyring::Bob.public()))
			.expect("Bob's key");
		let owner = Historical::check_proof(
			(sp_consensus_babe::KEY_TYPE, Sr25519Keyring::Bob.public()),
			proof.clone(),
		);
		assert_eq!(owner, Some((account(Sr25519Keyring::Bob), ())));
		assert_eq!(
			Historical::check_proof(
				(sp_consensus_babe::KEY_TYPE, Sr25519Keyring::Charlie.public()),
				proof
			),
			None
		);
	});
}
