//! Validators: session keys rotated on the node and registered on chain, and a validator added.

use codec::{Decode, Encode};
use depin_runtime::{AccountId, Runtime, RuntimeCall};
use jsonrpsee::{core::client::ClientT, rpc_params};
use serde_json::Value;
use sp_core::bytes;
use sp_keyring::Sr25519Keyring;

use crate::harness::{
	chain_info, next_nonce, signed, storage, submit_and_finalize, wait_for_blocks, Node,
};

#[tokio::test]
async fn dev_node_adds_a_validator_with_rotated_session_keys() {
	use depin_runtime::SessionKeys;

	let mut node = Node::start(&["--dev"]);
	let client = node.client().await;
	wait_for_blocks(&node, &client, 1, 0).await;
	let chain = chain_info(&client).await;
	let bob = Sr25519Keyring::Bob;

	// The operator asks the node for new session keys, with a proof that Bob's account owns
	// them (`author_rotateKeysWithOwner`); the private halves stay in the node's keystore.
	let generated: Value = client
		.request(
			"author_rotateKeysWithOwner",
			rpc_params![bytes::to_hex(&bob.to_account_id().encode(), false)],
		)
		.await
		.expect("author_rotateKeysWithOwner");
	let keys_bytes = bytes::from_hex(generated["keys"].as_str().expect("keys")).expect("hex");
	let proof = bytes::from_hex(generated["proof"].as_str().expect("a proof")).expect("hex");
	let keys = SessionKeys::decode(&mut &keys_bytes[..]).expect("the runtime's session keys");
	let has: bool = client
		.request("author_hasSessionKeys", rpc_params![bytes::to_hex(&keys_bytes, false)])
		.await
		.expect("author_hasSessionKeys");
	assert!(has, "the node holds the new keys");

	// Bob registers them on chain (`session.setKeys`), then the validator set takes him in.
	let set_keys =
		RuntimeCall::Session(pallet_session::Call::set_keys { keys: keys.clone(), proof });
	let nonce = next_nonce(&client, &bob.to_account_id()).await;
	let registered =
		submit_and_finalize(&node, &client, &signed(set_keys, &bob.pair(), nonce, &chain)).await;
	let next_keys: Option<SessionKeys> = storage(
		&client,
		pallet_session::NextKeys::<Runtime>::hashed_key_for(bob.to_account_id()),
		registered,
	)
	.await;
	assert_eq!(next_keys, Some(keys));

	let add = RuntimeCall::ValidatorSet(pallet_collator_selection::Call::add_invulnerable {
		who: bob.to_account_id(),
	});
	let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(add) });
	let alice = Sr25519Keyring::Alice;
	let nonce = next_nonce(&client, &alice.to_account_id()).await;
	let added =
		submit_and_finalize(&node, &client, &signed(sudo, &alice.pair(), nonce, &chain)).await;
	let invulnerables: Vec<AccountId> = storage(
		&client,
		pallet_collator_selection::Invulnerables::<Runtime>::hashed_key().to_vec(),
		added,
	)
	.await
	.unwrap_or_default();
	assert!(invulnerables.contains(&bob.to_account_id()), "{invulnerables:?}");
}
