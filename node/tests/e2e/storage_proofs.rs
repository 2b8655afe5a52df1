//! Storage proofs: a client's deal published, its sector committed, challenged, proven (and a
//! tampered proof rejected), then its epoch's rewards paid out (capped at the deal's fee) and
//! claimed, and the deal's payment settled.

use std::time::{Duration, Instant};

use codec::Encode;
use depin_runtime::{Balance, Runtime, RuntimeCall, RuntimeEvent};
use jsonrpsee::{core::client::ClientT, rpc_params};
use pallet_devices::{DeviceKind, DeviceSignature};
use serde_json::Value;
use sp_core::{crypto::Pair as _, sr25519, H256};
use sp_keyring::Sr25519Keyring;

use crate::harness::{
	best_hash, best_number, chain_info, events, hash, hex, hex_number, next_nonce, signed, storage,
	submit_and_finalize, wait_for_blocks, wait_for_storage, Node, DEADLINE,
};

/// The remarks that stuff blocks: four fit in the normal class (3.75 MiB), so sixteen fill it
/// for four blocks.
const STUFFING: usize = 16;
const REMARK_BYTES: usize = 900_000;

/// The encoded lengths of the stuffing remarks in block `at`.
async fn remark_bytes(client: &jsonrpsee::ws_client::WsClient, at: H256) -> Vec<usize> {
	let block: Value = client.request("chain_getBlock", rpc_params![at]).await.expect("a block");
	block["block"]["extrinsics"]
		.as_array()
		.expect("extrinsics")
		.iter()
		.filter_map(|xt| xt.as_str().map(|hex| hex.len().saturating_sub(2) / 2))
		.filter(|len| *len > REMARK_BYTES)
		.collect()
}

async fn block_number(client: &jsonrpsee::ws_client::WsClient, at: H256) -> u64 {
	let header: Value = client.request("chain_getHeader", rpc_params![at]).await.expect("a header");
	hex_number(&header["number"])
}

#[tokio::test]
async fn dev_node_challenges_a_storage_sector_and_accepts_its_proof() {
	use depin_merkle::{Blake2, MerkleTree};
	use depin_runtime::configs::{parameters::proof_params, RuntimeParameters};
	use pallet_emission::{EpochRewards, Event as EmissionEvent};
	use pallet_proofs::{
		Call as ProofsCall, ChunkProof, EpochInfo, Event as ProofsEvent, Sector, StorageProof,
		StorageProofStatement, STORAGE_PROOF_CONTEXT,
	};

	let mut node = Node::start(&["--dev"]);
	let client = node.client().await;
	wait_for_blocks(&node, &client, 1, 0).await;
	let chain = chain_info(&client).await;
	let alice = Sr25519Keyring::Alice;
	let mut nonce = next_nonce(&client, &alice.to_account_id()).await;

	// Root shortens the proving epochs to 5 blocks (6 s each) for the test: root may set any
	// parameter directly; only the parameters track is held to the guards.
	let param =
		|kv| RuntimeCall::Parameters(pallet_parameters::Call::set_parameter { key_value: kv });
	let set = RuntimeCall::Utility(pallet_utility::Call::batch_all {
		calls: vec![
			param(RuntimeParameters::Proofs(proof_params::Parameters::ProvingPeriod(
				proof_params::ProvingPeriod,
				Some(5),
			))),
			param(RuntimeParameters::Proofs(proof_params::Parameters::ResponseWindow(
				proof_params::ResponseWindow,
				Some(5),
			))),
		],
	});
	let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(set) });
	submit_and_finalize(&node, &client, &signed(sudo, &alice.pair(), nonce, &chain)).await;
	nonce += 1;

	// Bob, a storage client, offers Alice's genesis storage device (id 0) a deal for 100 KiB
	// and a bit of real data: 10 DPN per GiB and epoch, for 10 epochs. Alice publishes it and
	// commits the data in one batch: the commitment activates the deal.
	let data: Vec<u8> = (0..100 * 1024 + 17u32).map(|i| (i.wrapping_mul(31) % 251) as u8).collect();
	let tree = MerkleTree::<Blake2>::from_bytes(&data).expect("data");
	assert_eq!((tree.chunks(), tree.depth()), (101, 7));
	let bob = Sr25519Keyring::Bob;
	let proposal = pallet_proofs::DealProposalOf::<Runtime> {
		client: bob.to_account_id(),
		device: 0,
		root: H256(tree.root()),
		chunks: tree.chunks(),
		price_per_gib: 10 * depin_runtime::UNITS,
		activation_deadline: u32::try_from(best_number(&client).await).expect("fits") + 100,
		duration: 10,
		provider_collateral: depin_runtime::UNITS,
		client_collateral: depin_runtime::UNITS / 10,
	};
	let deal = proposal.id();
	let epoch_price: Balance = depin_primitives::deals::epoch_price(
		10 * depin_runtime::UNITS,
		u64::from(tree.chunks()) * 1024,
	)
	.expect("fits");
	let fee = sp_runtime::Perbill::from_percent(20).mul_floor(epoch_price);
	// A deal-backed proof earns its epoch's fee in points: a point a micro-DPN.
	let points = u64::try_from(fee / depin_runtime::MICRO_UNITS).expect("fits");
	assert!(points > 0);
	let client_signature =
		sp_runtime::MultiSignature::Sr25519(bob.pair().sign(&depin_primitives::envelope::message(
			depin_primitives::deals::DEAL_CONTEXT,
			chain.genesis,
			&proposal,
		)));
	let publish = RuntimeCall::Proofs(ProofsCall::publish_deals {
		proposals: vec![depin_primitives::deals::SignedProposal {
			proposal,
			signature: client_signature,
		}]
		.try_into()
		.expect("1 proposal"),
	});
	let commit = RuntimeCall::Proofs(ProofsCall::commit_sector {
		device: 0,
		root: H256(tree.root()),
		chunks: tree.chunks(),
	});
	let both =
		RuntimeCall::Utility(pallet_utility::Call::batch_all { calls: vec![publish, commit] });
	let committed_in =
		submit_and_finalize(&node, &client, &signed(both, &alice.pair(), nonce, &chain)).await;
	assert!(
		events(&client, committed_in).await.iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::Proofs(ProofsEvent::DealActivated { deal: d, device: 0, .. }) if *d == deal
		)),
		"the deal is active"
	);
	let first_challenge = events(&client, committed_in)
		.await
		.iter()
		.find_map(|r| match &r.event {
			RuntimeEvent::Proofs(ProofsEvent::SectorCommitted { first_challenge, .. }) => {
				Some(*first_challenge)
			},
			_ => None,
		})
		.expect("a SectorCommitted event");

	// Wait for the epoch that challenges it; its seed comes from BABE's VRF output.
	let epoch_key = pallet_epochs::CurrentEpoch::<Runtime>::hashed_key().to_vec();
	let start = Instant::now();
	let epoch = loop {
		let epoch: EpochInfo<u32> =
			storage(&client, epoch_key.clone(), best_hash(&client).await).await.unwrap_or_default();
		if epoch.index >= first_challenge {
			break epoch;
		}
		if start.elapsed() > DEADLINE {
			node.fail("the challenging epoch did not start");
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	assert_eq!(epoch.index, first_challenge);
	assert_ne!(epoch.seed, H256::zero());

	// The provider's side: the node says what is challenged (`depin_openChallenges`); the
	// provider checks it against the seed, takes the chunks and paths from its tree and signs
	// with the device key.
	let challenge = depin_merkle::storage_challenge::<Blake2>(&epoch.seed.0, 0, 0, &tree.root());
	let indices: Vec<u32> = (0..2)
		.map(|i| {
			depin_merkle::challenge_index::<Blake2>(&challenge, i, tree.chunks()).expect("chunks")
		})
		.collect();
	let open: Value =
		client.request("depin_openChallenges", rpc_params![0]).await.expect("depin_openChallenges");
	assert_eq!(open.as_array().map(Vec::len), Some(1), "one open challenge: {open}");
	assert_eq!(open[0]["sector"], 0);
	assert_eq!(open[0]["epoch"], epoch.index);
	assert_eq!(open[0]["chunks"], 101);
	assert_eq!(open[0]["root"], format!("0x{}", hex(&tree.root())));
	assert_eq!(open[0]["challenge"], format!("0x{}", hex(&challenge)));
	assert_eq!(open[0]["indices"], serde_json::json!(indices));
	let chunks: Vec<ChunkProof<_>> = indices
		.iter()
		.map(|&at| ChunkProof {
			index: at,
			chunk: depin_merkle::chunk_at(&data, at).expect("in range"),
			path: tree
				.proof(at)
				.expect("in range")
				.into_iter()
				.map(H256)
				.collect::<Vec<_>>()
				.try_into()
				.expect("depth 7"),
		})
		.collect();
	let payload = depin_primitives::Envelope {
		context: STORAGE_PROOF_CONTEXT,
		genesis_hash: chain.genesis,
		body: StorageProofStatement {
			device: 0,
			sector: 0,
			epoch: epoch.index,
			challenge: H256(challenge),
		},
	};
	let device_key = sr25519::Pair::from_string("//depin-dev-storage", None).expect("seed");
	let honest: pallet_proofs::StorageProofOf<Runtime> = StorageProof {
		device: 0,
		sector: 0,
		epoch: epoch.index,
		chunks: chunks.try_into().expect("2 chunks"),
		signature: DeviceSignature::Sr25519(device_key.sign(&payload.encode())),
	};
	let mut tampered = honest.clone();
	tampered.chunks[0].chunk[0] ^= 1;

	// Charlie floods the pool with more 900 kB remarks than the normal class holds in
	// several blocks: cheap block stuffing inside the response window (docs/security.md,
	// finding 6).
	let charlie = Sr25519Keyring::Charlie;
	let mut charlie_nonce = next_nonce(&client, &charlie.to_account_id()).await;
	for _ in 0..STUFFING {
		let remark =
			RuntimeCall::System(frame_system::Call::remark { remark: vec![0xab; REMARK_BYTES] });
		let xt = signed(remark, &charlie.pair(), charlie_nonce, &chain);
		let _: Value = client
			.request(
				"author_submitExtrinsic",
				rpc_params![sp_core::bytes::to_hex(&xt.encode(), false)],
			)
			.await
			.expect("the pool takes the remark");
		charlie_nonce += 1;
	}
	let submitted_at = best_number(&client).await;

	// Bob relays both proofs in one batch: the tampered one is rejected, the honest one
	// accepted. Proof submissions are Operational: the normal class is full, and they still
	// land in the next block.
	let batch = RuntimeCall::Proofs(ProofsCall::submit_storage_proofs {
		proofs: vec![tampered, honest].try_into().expect("2 proofs"),
	});
	let bob_nonce = next_nonce(&client, &bob.to_account_id()).await;
	let proven_in =
		submit_and_finalize(&node, &client, &signed(batch, &bob.pair(), bob_nonce, &chain)).await;
	let stuffed = remark_bytes(&client, proven_in).await;
	let normal = usize::try_from(
		*depin_runtime::configs::RuntimeBlockLength::get()
			.max
			.get(frame_support::dispatch::DispatchClass::Normal),
	)
	.expect("fits");
	assert!(
		stuffed.len() >= 2 && stuffed.iter().sum::<usize>() + stuffed[0] > normal,
		"the proofs' block is full of remarks: {stuffed:?} of {normal} bytes"
	);
	let proof_block = block_number(&client, proven_in).await;
	assert!(
		proof_block <= submitted_at + 2,
		"the proofs waited for the flood: submitted at {submitted_at}, in {proof_block}"
	);
	// The flood went on past it: the next block is full of remarks too.
	let next: Value = client
		.request("chain_getBlockHash", rpc_params![proof_block + 1])
		.await
		.expect("a block hash");
	let next = if next.is_null() {
		wait_for_blocks(&node, &client, proof_block + 1, 0).await;
		hash(
			&client
				.request("chain_getBlockHash", rpc_params![proof_block + 1])
				.await
				.expect("hash"),
		)
	} else {
		hash(&next)
	};
	assert!(remark_bytes(&client, next).await.len() >= 2, "the flood outlasts the proofs' block");
	let proof_events: Vec<_> = events(&client, proven_in)
		.await
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Proofs(e) => Some(e),
			_ => None,
		})
		.collect();
	let invalid =
		sp_runtime::DispatchError::from(pallet_proofs::Error::<Runtime>::InvalidMerkleProof);
	assert_eq!(
		proof_events.iter().map(|e| e.encode()).collect::<Vec<_>>(),
		[
			ProofsEvent::<Runtime>::ItemRejected { index: 0, device: 0, error: invalid },
			ProofsEvent::DealPaid { deal, epoch: epoch.index, paid: epoch_price - fee, fee },
			ProofsEvent::StorageProofAccepted { device: 0, sector: 0, epoch: epoch.index, points },
			ProofsEvent::BatchProcessed { accepted: 1, rejected: 1 },
		]
		.iter()
		.map(|e| e.encode())
		.collect::<Vec<_>>()
	);
	let sector: Sector =
		storage(&client, pallet_proofs::Sectors::<Runtime>::hashed_key_for(0u64, 0u32), proven_in)
			.await
			.expect("the sector is stored");
	assert_eq!(sector.proven_in, Some(epoch.index));
	let status: Value = client
		.request("depin_proofStatus", rpc_params![0, proven_in])
		.await
		.expect("depin_proofStatus");
	assert_eq!((status["challenged"].as_u64(), status["proven"].as_u64()), (Some(1), Some(1)));
	assert_eq!(status["sectors"][0]["provenIn"], epoch.index);
	assert_eq!(status["sectors"][0]["open"], false);
	let open: Value = client
		.request("depin_openChallenges", rpc_params![0, proven_in])
		.await
		.expect("depin_openChallenges");
	assert_eq!(open, serde_json::json!([]));

	// When the epoch ends its points are final: the emission pallet pays it out. Alice's
	// device earned every storage point, and Alice (the only validator) authored every block.
	// A deal-backed sector's points draw at most the fee its deal burned (HIP-10): the rest of
	// the storage pool stays for the treasury.
	let rewards_key = pallet_emission::Rewards::<Runtime>::hashed_key_for(epoch.index);
	let rewards: EpochRewards<Balance> =
		wait_for_storage(&node, &client, &rewards_key, "the epoch's rewards", |r| r.is_some())
			.await
			.expect("waited for it");
	assert_eq!(rewards.points.get(DeviceKind::Storage), points);
	assert!(rewards.blocks > 0);
	assert!(rewards.pools.get(DeviceKind::Storage) > fee && rewards.validators > 0);
	let earnings_key = pallet_emission::DeviceEarnings::<Runtime>::hashed_key_for(0u64);
	let pending: Value =
		client.request("depin_pendingRewards", rpc_params![0]).await.expect("depin_pendingRewards");
	assert_eq!(pending["total"], fee.to_string(), "{pending}");
	assert_eq!(pending["receipts"][0]["epoch"], epoch.index);
	assert_eq!(pending["receipts"][0]["points"], points);
	assert_eq!(pending["receipts"][0]["status"], "claimable");

	// Alice claims both: the device's reward as its owner, the blocks' as their author.
	let claim_device = RuntimeCall::Emission(pallet_emission::Call::claim { device: 0 });
	let claim_blocks =
		RuntimeCall::Emission(pallet_emission::Call::claim_validator { epoch: epoch.index });
	let claims = RuntimeCall::Utility(pallet_utility::Call::batch_all {
		calls: vec![claim_device, claim_blocks],
	});
	let nonce = next_nonce(&client, &alice.to_account_id()).await;
	let claimed_in =
		submit_and_finalize(&node, &client, &signed(claims, &alice.pair(), nonce, &chain)).await;
	let paid: Vec<_> = events(&client, claimed_in)
		.await
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Emission(e @ EmissionEvent::RewardClaimed { .. })
			| RuntimeEvent::Emission(e @ EmissionEvent::ValidatorRewardClaimed { .. }) => Some(e.encode()),
			_ => None,
		})
		.collect();
	let alice_id = alice.to_account_id();
	assert_eq!(
		paid,
		[
			EmissionEvent::<Runtime>::RewardClaimed {
				device: 0,
				owner: alice_id.clone(),
				amount: fee,
			},
			EmissionEvent::ValidatorRewardClaimed {
				epoch: epoch.index,
				validator: alice_id,
				amount: rewards.validators,
			},
		]
		.iter()
		.map(|e| e.encode())
		.collect::<Vec<_>>()
	);
	// The claim settled the epoch into the device's balance and paid it: the device's earnings
	// keep the epoch, paid, and an empty balance.
	let earnings: pallet_emission::Earnings<Balance> =
		storage(&client, earnings_key, claimed_in).await.expect("the earnings stay");
	let settled = earnings.recent.last().expect("the settled epoch is kept");
	assert_eq!(
		(settled.epoch, settled.points, settled.amount, settled.settlement, earnings.accrued),
		(epoch.index, points, fee, pallet_emission::Settlement::Paid, 0)
	);
	let receipts: Value = client
		.request("depin_rewardReceipts", rpc_params![0, epoch.index, 1, claimed_in])
		.await
		.expect("depin_rewardReceipts");
	assert_eq!(
		receipts,
		serde_json::json!([{
			"epoch": epoch.index,
			"kind": "storage",
			"points": points,
			"categoryPoints": points,
			"pool": rewards.pools.get(DeviceKind::Storage).to_string(),
			"amount": fee.to_string(),
			"status": "claimed",
			"claimableUntil": null,
		}])
	);
	let pending: Value = client
		.request("depin_pendingRewards", rpc_params![0, claimed_in])
		.await
		.expect("depin_pendingRewards");
	assert_eq!(pending["total"], "0");

	// Anyone settles the deal: the proven epoch's price moves from Bob's hold to Alice, its
	// fee is burned.
	let settle = RuntimeCall::Proofs(ProofsCall::settle_deal { deal });
	let charlie_nonce = next_nonce(&client, &charlie.to_account_id()).await;
	let settled_in = submit_and_finalize(
		&node,
		&client,
		&signed(settle, &charlie.pair(), charlie_nonce, &chain),
	)
	.await;
	let settled: Vec<_> = events(&client, settled_in)
		.await
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Proofs(e @ ProofsEvent::DealSettled { .. }) => Some(e.encode()),
			_ => None,
		})
		.collect();
	assert_eq!(
		settled,
		vec![ProofsEvent::<Runtime>::DealSettled {
			deal,
			paid: epoch_price - fee,
			fee,
			refunded: 0,
			penalty: 0,
		}
		.encode()]
	);
}
