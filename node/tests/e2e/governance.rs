//! Governance: referenda on a guarded DePIN parameter (passed and enacted) and a treasury
//! spend (voted down).

use codec::{Decode, Encode};
use depin_runtime::{Balance, Runtime, RuntimeCall, UNITS};
use jsonrpsee::{core::client::ClientT, rpc_params};
use sp_core::{bytes, H256};
use sp_keyring::Sr25519Keyring;

use crate::harness::{
	best_hash, chain_info, next_nonce, signed, storage, submit_and_finalize, wait_for_blocks,
	wait_for_storage, Node,
};

#[tokio::test]
async fn dev_node_referenda_change_a_guarded_parameter_or_nothing() {
	use depin_runtime::{
		configs::{parameters::proof_params, RuntimeParameters, RuntimeParametersValue},
		governance, OriginCaller,
	};
	use frame_support::traits::{schedule::DispatchTime, Bounded};
	use pallet_conviction_voting::{AccountVote, Conviction, Vote};
	use pallet_referenda::ReferendumInfo;

	let mut node = Node::start(&["--dev"]);
	let client = node.client().await;
	wait_for_blocks(&node, &client, 1, 0).await;
	let chain = chain_info(&client).await;
	let alice = Sr25519Keyring::Alice;

	// The dev preset makes a day of governance time last one block.

	// Referendum 0 (parameters track): lengthen the proving period, a DePIN parameter, from the
	// dev preset's 10 blocks to 15 (+50%, the largest step its guard allows).
	// Referendum 1 (treasury track): pay Dave 1,000 DPN; it will be voted down.
	let inline = |call: RuntimeCall| Bounded::Inline(call.encode().try_into().expect("small"));
	let period = |blocks: u32| {
		RuntimeParameters::Proofs(proof_params::Parameters::ProvingPeriod(
			proof_params::ProvingPeriod,
			Some(blocks),
		))
	};
	let set_period =
		RuntimeCall::GuardedParameters(pallet_guarded_parameters::Call::set_parameter {
			key_value: period(15),
		});
	let dave = Sr25519Keyring::Dave.to_account_id();
	let spend = RuntimeCall::Treasury(pallet_treasury::Call::spend {
		asset_kind: Box::new(()),
		amount: 1_000 * UNITS,
		beneficiary: Box::new(dave.clone()),
		valid_from: None,
	});
	let submit = |origin: OriginCaller, call| {
		RuntimeCall::Referenda(pallet_referenda::Call::submit {
			proposal_origin: Box::new(origin),
			proposal: inline(call),
			enactment_moment: DispatchTime::After(1),
		})
	};
	let deposit =
		|index| RuntimeCall::Referenda(pallet_referenda::Call::place_decision_deposit { index });
	let stake = 900_000 * UNITS;
	let vote = |poll_index, aye| {
		RuntimeCall::ConvictionVoting(pallet_conviction_voting::Call::vote {
			poll_index,
			vote: AccountVote::Standard {
				vote: Vote { aye, conviction: Conviction::Locked2x },
				balance: stake,
			},
		})
	};
	let alice_calls = vec![
		submit(governance::pallet_custom_origins::Origin::ParameterAdmin.into(), set_period),
		deposit(0),
		submit(governance::pallet_custom_origins::Origin::Treasurer.into(), spend),
		deposit(1),
		vote(0, true),
		vote(1, false),
	];
	let batch = |calls| RuntimeCall::Utility(pallet_utility::Call::batch_all { calls });
	let nonce = next_nonce(&client, &alice.to_account_id()).await;
	submit_and_finalize(&node, &client, &signed(batch(alice_calls), &alice.pair(), nonce, &chain))
		.await;

	// Five more accounts lock 900,000 DPN each with 2x conviction: aye on 0, nay on 1.
	let voters = [
		Sr25519Keyring::Bob,
		Sr25519Keyring::Charlie,
		Sr25519Keyring::Eve,
		Sr25519Keyring::Ferdie,
		Sr25519Keyring::One,
	];
	let mut votes = Vec::new();
	for voter in voters {
		let nonce = next_nonce(&client, &voter.to_account_id()).await;
		votes.push(signed(
			batch(vec![vote(0, true), vote(1, false)]),
			&voter.pair(),
			nonce,
			&chain,
		));
	}
	let voted: Vec<H256> =
		futures::future::join_all(votes.iter().map(|xt| submit_and_finalize(&node, &client, xt)))
			.await;

	// The votes lock the voters' funds.
	let locks_key =
		pallet_balances::Locks::<Runtime>::hashed_key_for(Sr25519Keyring::Bob.to_account_id());
	let locks: Vec<pallet_balances::BalanceLock<Balance>> =
		storage(&client, locks_key, voted[0]).await.unwrap_or_default();
	assert!(locks.iter().any(|l| l.amount == stake), "Bob's vote locks {stake}: {locks:?}");

	// Referendum 0 passes and enacts: the DePIN parameter changes on chain.
	type Info = pallet_referenda::ReferendumInfoOf<Runtime, ()>;
	let info_key = |i: u32| pallet_referenda::ReferendumInfoFor::<Runtime>::hashed_key_for(i);
	let period_key = pallet_parameters::Parameters::<Runtime>::hashed_key_for(
		depin_runtime::configs::RuntimeParametersKey::Proofs(
			proof_params::ParametersKey::ProvingPeriod(proof_params::ProvingPeriod),
		),
	);
	wait_for_storage::<RuntimeParametersValue>(&node, &client, &period_key, "the enactment", |v| {
		*v == Some(RuntimeParametersValue::Proofs(proof_params::ParametersValue::ProvingPeriod(15)))
	})
	.await;
	let passed: Option<Info> = storage(&client, info_key(0), best_hash(&client).await).await;
	assert!(matches!(passed, Some(ReferendumInfo::Approved(..))), "{passed:?}");

	// An out-of-bounds value is refused: the runtime API previews it, and the call fails.
	let preview: String = client
		.request(
			"state_call",
			rpc_params![
				"GuardedParametersApi_check_parameter",
				bytes::to_hex(&period(5).encode(), false)
			],
		)
		.await
		.expect("state_call");
	let verdict =
		Result::<pallet_guarded_parameters::Change, pallet_guarded_parameters::Refusal>::decode(
			&mut &bytes::from_hex(&preview).expect("hex")[..],
		)
		.expect("the API's answer decodes");
	assert_eq!(verdict, Err(pallet_guarded_parameters::Refusal::OutOfBounds));

	// Referendum 1 is rejected when its decision period ends, and nothing is spent.
	wait_for_storage::<Info>(&node, &client, &info_key(1), "the rejection", |v| {
		matches!(v, Some(ReferendumInfo::Rejected(..)))
	})
	.await;
	let spends: Option<u32> = storage(
		&client,
		pallet_treasury::SpendCount::<Runtime>::hashed_key().to_vec(),
		best_hash(&client).await,
	)
	.await;
	assert_eq!(spends.unwrap_or_default(), 0, "the rejected spend was never approved");
}
