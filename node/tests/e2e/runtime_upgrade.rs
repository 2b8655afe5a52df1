//! A runtime upgrade through a root referendum.

use std::time::{Duration, Instant};

use codec::Encode;
use depin_runtime::{RuntimeCall, UNITS};
use jsonrpsee::{core::client::ClientT, rpc_params};
use serde_json::Value;
use sp_core::H256;
use sp_keyring::Sr25519Keyring;

use crate::{
	harness::{
		best_number, chain_info, finalized_number, next_nonce, signed, submit_and_finalize,
		wait_for_blocks, Node, DEADLINE,
	},
	wasm::upgraded_runtime,
};

#[tokio::test]
async fn dev_node_upgrades_its_runtime_through_a_root_referendum() {
	use frame_support::traits::{schedule::DispatchTime, Bounded};
	use pallet_conviction_voting::{AccountVote, Conviction, Vote};

	let mut node = Node::start(&["--dev"]);
	let client = node.client().await;
	wait_for_blocks(&node, &client, 1, 0).await;
	let chain = chain_info(&client).await;
	let alice = Sr25519Keyring::Alice;

	// Alice notes the upgrade as a preimage and proposes it on the root track.
	let (code, new_version) = upgraded_runtime();
	assert_eq!(new_version, chain.spec_version + 1);
	let set_code = RuntimeCall::System(frame_system::Call::set_code { code });
	let proposal = set_code.encode();
	let lookup = Bounded::Lookup {
		hash: H256(sp_io::hashing::blake2_256(&proposal)),
		len: proposal.len() as u32,
	};
	let stake = 900_000 * UNITS;
	let vote = RuntimeCall::ConvictionVoting(pallet_conviction_voting::Call::vote {
		poll_index: 0,
		vote: AccountVote::Standard {
			vote: Vote { aye: true, conviction: Conviction::Locked1x },
			balance: stake,
		},
	});
	let calls = vec![
		RuntimeCall::Preimage(pallet_preimage::Call::note_preimage { bytes: proposal }),
		RuntimeCall::Referenda(pallet_referenda::Call::submit {
			proposal_origin: Box::new(frame_system::RawOrigin::Root.into()),
			proposal: lookup,
			enactment_moment: DispatchTime::After(1),
		}),
		RuntimeCall::Referenda(pallet_referenda::Call::place_decision_deposit { index: 0 }),
		vote.clone(),
	];
	let batch = |calls| RuntimeCall::Utility(pallet_utility::Call::batch_all { calls });
	let nonce = next_nonce(&client, &alice.to_account_id()).await;
	submit_and_finalize(&node, &client, &signed(batch(calls), &alice.pair(), nonce, &chain)).await;
	let mut votes = Vec::new();
	for voter in [Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave] {
		let nonce = next_nonce(&client, &voter.to_account_id()).await;
		votes.push(signed(vote.clone(), &voter.pair(), nonce, &chain));
	}
	futures::future::join_all(votes.iter().map(|xt| submit_and_finalize(&node, &client, xt))).await;

	// Enacted: the chain runs the new runtime and keeps producing and finalizing blocks.
	let start = Instant::now();
	loop {
		let version: Value =
			client.request("state_getRuntimeVersion", rpc_params![]).await.expect("version");
		if version["specVersion"].as_u64() == Some(u64::from(new_version)) {
			break;
		}
		if start.elapsed() > DEADLINE {
			node.fail("the runtime upgrade was not enacted");
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
	let (best, finalized) = (best_number(&client).await, finalized_number(&client).await);
	wait_for_blocks(&node, &client, best + 2, finalized + 2).await;
}
