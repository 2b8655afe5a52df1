//! Devices: the dev preset's genesis devices, and registering one with a proof of possession.

use codec::Encode;
use depin_primitives::Envelope;
use depin_runtime::{AccountId, Balance, Nonce, Runtime, RuntimeCall, RuntimeEvent, UNITS};
use jsonrpsee::{core::client::ClientT, rpc_params, ws_client::WsClient};
use pallet_devices::{
	Call as DevicesCall, DeviceId, DeviceKey, DeviceKind, DeviceSignature, Possession,
	Registration, REGISTER_CONTEXT,
};
use serde_json::Value;
use sp_core::{crypto::Pair as _, ed25519, H256};
use sp_keyring::Sr25519Keyring;

use crate::harness::{
	best_number, chain_info, events, hash, next_nonce, parent_of, signed, storage,
	submit_and_finalize, wait_for_blocks, Node,
};

async fn account_data(
	client: &WsClient,
	who: &AccountId,
	at: H256,
) -> pallet_balances::AccountData<Balance> {
	let key = frame_system::Account::<Runtime>::hashed_key_for(who);
	storage::<frame_system::AccountInfo<Nonce, pallet_balances::AccountData<Balance>>>(
		client, key, at,
	)
	.await
	.map(|info| info.data)
	.unwrap_or_default()
}

async fn device(
	client: &WsClient,
	id: DeviceId,
	at: H256,
) -> Option<pallet_devices::DeviceOf<Runtime>> {
	storage(client, pallet_devices::Devices::<Runtime>::hashed_key_for(id), at).await
}

#[tokio::test]
async fn dev_node_registers_a_device_with_proof_of_possession() {
	let mut node = Node::start(&["--dev"]);
	let client = node.client().await;
	wait_for_blocks(&node, &client, 1, 0).await;
	let chain = chain_info(&client).await;
	let best: Value = client.request("chain_getBlockHash", rpc_params![]).await.expect("best");

	// The dev preset registered Alice's three devices at genesis.
	let alice = Sr25519Keyring::Alice.to_account_id();
	for (id, expected) in depin_runtime::genesis_config_presets::dev_devices().iter().enumerate() {
		let stored = device(&client, id as DeviceId, hash(&best)).await.expect("a genesis device");
		assert_eq!(
			(stored.owner.clone(), stored.key, stored.kind),
			(alice.clone(), expected.key, expected.kind)
		);
	}

	// Charlie registers his own hotspot: its key proves possession over this chain's genesis
	// hash, Charlie's account, the key and the best block (the proof goes stale after
	// `MaxProofAge` blocks).
	let charlie = Sr25519Keyring::Charlie;
	let device_pair = ed25519::Pair::from_string("//CharliesHotspot", None).expect("seed");
	let key = DeviceKey::Ed25519(device_pair.public());
	let signed_at = u32::try_from(best_number(&client).await).expect("a u32 block number");
	let payload = Envelope {
		context: REGISTER_CONTEXT,
		genesis_hash: chain.genesis,
		body: Possession { owner: charlie.to_account_id(), key, signed_at },
	};
	let registration = |proof| Registration {
		key,
		proof,
		signed_at,
		kind: DeviceKind::Coverage,
		// Resolution 12, in Berlin.
		location: 0x8c1f1d48945d9ff,
		capacity: 0,
		metadata: Default::default(),
		manager: None,
	};

	// First a proof signed for another chain: included, fails, changes nothing.
	let mut other_chain = payload.clone();
	other_chain.genesis_hash = H256::repeat_byte(1);
	let forged = DeviceSignature::Ed25519(device_pair.sign(&other_chain.encode()));
	let call = RuntimeCall::Devices(DevicesCall::register { registration: registration(forged) });
	let nonce = next_nonce(&client, &charlie.to_account_id()).await;
	let failed_in =
		submit_and_finalize(&node, &client, &signed(call, &charlie.pair(), nonce, &chain)).await;
	let expected_error =
		sp_runtime::DispatchError::from(pallet_devices::Error::<Runtime>::BadPossessionProof);
	assert!(
		events(&client, failed_in).await.iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { dispatch_error, .. })
				if dispatch_error.encode() == expected_error.encode()
		)),
		"the forged proof is rejected with BadPossessionProof"
	);
	assert_eq!(device(&client, 3, failed_in).await, None);
	assert_eq!(account_data(&client, &charlie.to_account_id(), failed_in).await.reserved, 0);

	// Then the honest proof.
	let proof = DeviceSignature::Ed25519(device_pair.sign(&payload.encode()));
	let call = RuntimeCall::Devices(DevicesCall::register { registration: registration(proof) });
	let xt = signed(call, &charlie.pair(), nonce + 1, &chain);
	let registered_in = submit_and_finalize(&node, &client, &xt).await;
	let deposit = records_deposit(&events(&client, registered_in).await, &charlie.to_account_id())
		.expect("a DeviceRegistered event for Charlie's device");
	// 5 DPN + 34 bytes of (empty) metadata at 0.01 DPN.
	assert_eq!(deposit, 5 * UNITS + 340 * UNITS / 1_000);
	let stored = device(&client, 3, registered_in).await.expect("device 3 is stored");
	assert_eq!(
		(stored.key, stored.owner.clone(), stored.deposit),
		(key, charlie.to_account_id(), deposit)
	);
	let parent = parent_of(&client, registered_in).await;
	let before = account_data(&client, &charlie.to_account_id(), parent).await;
	let after = account_data(&client, &charlie.to_account_id(), registered_in).await;
	assert_eq!(after.reserved, before.reserved + deposit, "the deposit is held");
}

/// The deposit of the device `owner` registered, from a block's events.
fn records_deposit(
	records: &[frame_system::EventRecord<RuntimeEvent, H256>],
	owner: &AccountId,
) -> Option<Balance> {
	records.iter().find_map(|r| match &r.event {
		RuntimeEvent::Devices(pallet_devices::Event::DeviceRegistered {
			owner: o,
			deposit,
			..
		}) if o == owner => Some(*deposit),
		_ => None,
	})
}
