//! A dev chain authors and finalizes blocks, serves Prometheus metrics, and includes a signed
//! transfer with its fee.

use depin_runtime::{
	AccountId, Balance, BalancesCall, Nonce, Runtime, RuntimeCall, RuntimeEvent, UNITS,
};
use jsonrpsee::ws_client::WsClient;
use sp_core::{crypto::Pair as _, sr25519, H256};
use sp_keyring::Sr25519Keyring;

use crate::harness::{
	chain_info, events, next_nonce, parent_of, signed, storage, submit_and_finalize,
	wait_for_blocks, Node,
};

async fn free_balance(client: &WsClient, who: &AccountId, at: H256) -> Balance {
	let key = frame_system::Account::<Runtime>::hashed_key_for(who);
	storage::<frame_system::AccountInfo<Nonce, pallet_balances::AccountData<Balance>>>(
		client, key, at,
	)
	.await
	.map(|info| info.data.free)
	.unwrap_or(0)
}

#[tokio::test]
async fn dev_node_finalizes_blocks_and_includes_a_signed_transfer() {
	let mut node = Node::start(&["--dev"]);
	let client = node.client().await;

	// Blocks are authored (BABE) and finalized (GRANDPA).
	wait_for_blocks(&node, &client, 2, 1).await;

	// The node speaks Prometheus.
	let metrics = fetch_metrics(node.prometheus_port).await;
	assert!(metrics.contains("substrate_block_height"), "Prometheus metrics are served");

	// Bob pays a fresh account; Alice authors every dev block and collects the fee.
	let bob = Sr25519Keyring::Bob;
	let alice = Sr25519Keyring::Alice.to_account_id();
	let dest: AccountId =
		sr25519::Pair::from_string("//DepinE2E", None).expect("seed").public().into();
	let amount: Balance = 42 * UNITS;

	let chain = chain_info(&client).await;
	let nonce = next_nonce(&client, &bob.to_account_id()).await;
	let call = RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
		dest: dest.clone().into(),
		value: amount,
	});
	let xt = signed(call, &bob.pair(), nonce, &chain);
	let finalized_in = submit_and_finalize(&node, &client, &xt).await;
	let parent = parent_of(&client, finalized_in).await;

	// The transfer succeeded and the fee went from Bob to the author.
	let records = events(&client, finalized_in).await;
	let fee = records
		.iter()
		.find_map(|r| match &r.event {
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid { who, actual_fee, tip },
			) if *who == bob.to_account_id() => {
				assert_eq!(*tip, 0);
				Some(*actual_fee)
			},
			_ => None,
		})
		.expect("a fee was paid by Bob");
	assert!(fee > 0, "transactions cost a fee");
	assert!(records.iter().any(|r| matches!(
		&r.event,
		RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount: a })
			if *from == bob.to_account_id() && *to == dest && *a == amount
	)));

	assert_eq!(free_balance(&client, &dest, parent).await, 0);
	assert_eq!(free_balance(&client, &dest, finalized_in).await, amount);
	let bob_before = free_balance(&client, &bob.to_account_id(), parent).await;
	let bob_after = free_balance(&client, &bob.to_account_id(), finalized_in).await;
	assert_eq!(bob_after, bob_before - amount - fee);
	let alice_before = free_balance(&client, &alice, parent).await;
	let alice_after = free_balance(&client, &alice, finalized_in).await;
	assert_eq!(alice_after, alice_before + fee, "the block author collects the fee");
}

/// Reads the Prometheus endpoint with a plain HTTP/1.0 request.
async fn fetch_metrics(port: u16) -> String {
	use tokio::io::{AsyncReadExt, AsyncWriteExt};
	let mut stream =
		tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("prometheus endpoint");
	stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n").await.expect("request");
	let mut body = String::new();
	stream.read_to_string(&mut body).await.expect("response");
	body
}
