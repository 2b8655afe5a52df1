//! End-to-end tests against the real `depin-node` binary that `cargo test` builds.
//!
//! Each test starts the node on free local ports with a temporary base path, talks to it over
//! JSON-RPC (WebSocket) with a real client, and stops it (the process is killed and the folder
//! removed when the test's [`Node`] is dropped, also when the test fails).

use std::{
	fs::File,
	net::TcpListener,
	ops::Range,
	path::{Path, PathBuf},
	process::{Child, Command, Output, Stdio},
	time::{Duration, Instant},
};

use codec::{Decode, Encode};
use depin_runtime::{
	AccountId, Balance, BalancesCall, Nonce, Runtime, RuntimeCall, RuntimeEvent, SignedPayload,
	UncheckedExtrinsic, UNITS,
};
use jsonrpsee::{
	core::client::{ClientT, SubscriptionClientT},
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use pallet_devices::{
	Call as DevicesCall, DeviceId, DeviceKey, DeviceKind, DeviceSignature, PossessionPayload,
	Registration, REGISTER_CONTEXT,
};
use serde_json::Value;
use sp_core::{bytes, crypto::Pair as _, ed25519, sr25519, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::generic::Era;

/// The node binary built by this `cargo test` run.
const NODE: &str = env!("CARGO_BIN_EXE_depin-node");

/// How long a test waits for the node before giving up (a debug build compiles the Wasm
/// runtime at start-up).
const DEADLINE: Duration = Duration::from_secs(240);

fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("a free local port")
}

/// A running node; killed and cleaned up on drop.
struct Node {
	child: Child,
	rpc_port: u16,
	prometheus_port: u16,
	dir: tempfile::TempDir,
}

impl Node {
	/// Starts `depin-node` with `args`, a temporary base path and free ports.
	fn start(args: &[&str]) -> Node {
		let dir = tempfile::tempdir().expect("temp dir");
		let (rpc_port, p2p_port, prometheus_port) = (free_port(), free_port(), free_port());
		let log = File::create(dir.path().join("node.log")).expect("log file");
		let child = Command::new(NODE)
			.args(args)
			.arg("--base-path")
			.arg(dir.path().join("data"))
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--port", &p2p_port.to_string()])
			.args(["--prometheus-port", &prometheus_port.to_string()])
			.args(["--no-telemetry", "--no-mdns"])
			.stdout(log.try_clone().expect("log file"))
			.stderr(log)
			.spawn()
			.expect("depin-node starts");
		Node { child, rpc_port, prometheus_port, dir }
	}

	/// The node's base path (database, keystore, network key).
	fn base_path(&self) -> PathBuf {
		self.dir.path().join("data")
	}

	/// Stops the node the way an operator does (SIGINT) and waits for it to exit.
	fn stop(&mut self) {
		let interrupted = Command::new("kill")
			.args(["-INT", &self.child.id().to_string()])
			.status()
			.map(|s| s.success())
			.unwrap_or(false);
		assert!(interrupted, "the node can be interrupted");
		let start = Instant::now();
		while self.child.try_wait().ok().flatten().is_none() {
			if start.elapsed() > DEADLINE {
				self.fail("the node did not stop on SIGINT");
			}
			std::thread::sleep(Duration::from_millis(200));
		}
	}

	fn log(&self) -> String {
		std::fs::read_to_string(self.dir.path().join("node.log")).unwrap_or_default()
	}

	/// Fails the test with the node's log.
	fn fail(&self, what: &str) -> ! {
		panic!("{what}\n--- node log ---\n{}", self.log())
	}

	/// Connects over WebSocket once the RPC server is up.
	async fn client(&mut self) -> WsClient {
		let start = Instant::now();
		loop {
			if let Ok(Some(status)) = self.child.try_wait() {
				self.fail(&format!("the node exited early with {status}"));
			}
			let url = format!("ws://127.0.0.1:{}", self.rpc_port);
			if let Ok(client) = WsClientBuilder::default().build(&url).await {
				return client;
			}
			if start.elapsed() > DEADLINE {
				self.fail("the RPC server did not come up in time");
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

fn hex_number(v: &Value) -> u64 {
	let s = v.as_str().expect("a hex number");
	u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("a hex number")
}

fn hash(v: &Value) -> H256 {
	let raw = bytes::from_hex(v.as_str().expect("a hex hash")).expect("hex");
	H256::from_slice(&raw)
}

async fn best_number(client: &WsClient) -> u64 {
	let header: Value = client.request("chain_getHeader", rpc_params![]).await.expect("header");
	hex_number(&header["number"])
}

async fn finalized_number(client: &WsClient) -> u64 {
	let head: Value =
		client.request("chain_getFinalizedHead", rpc_params![]).await.expect("finalized head");
	let header: Value = client.request("chain_getHeader", rpc_params![head]).await.expect("header");
	hex_number(&header["number"])
}

/// Waits until the best block reaches `best` and the finalized block `finalized`.
async fn wait_for_blocks(node: &Node, client: &WsClient, best: u64, finalized: u64) {
	let start = Instant::now();
	loop {
		let (b, f) = (best_number(client).await, finalized_number(client).await);
		if b >= best && f >= finalized {
			return;
		}
		if start.elapsed() > DEADLINE {
			node.fail(&format!("blocks stalled at best #{b}, finalized #{f}"));
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}

async fn storage<T: Decode>(client: &WsClient, key: Vec<u8>, at: H256) -> Option<T> {
	let value: Option<String> = client
		.request("state_getStorage", rpc_params![bytes::to_hex(&key, false), at])
		.await
		.expect("state_getStorage");
	value.map(|v| {
		let raw = bytes::from_hex(&v).expect("hex");
		T::decode(&mut &raw[..]).expect("storage decodes with the runtime's types")
	})
}

async fn free_balance(client: &WsClient, who: &AccountId, at: H256) -> Balance {
	let key = frame_system::Account::<Runtime>::hashed_key_for(who);
	storage::<frame_system::AccountInfo<Nonce, pallet_balances::AccountData<Balance>>>(
		client, key, at,
	)
	.await
	.map(|info| info.data.free)
	.unwrap_or(0)
}

async fn events(client: &WsClient, at: H256) -> Vec<frame_system::EventRecord<RuntimeEvent, H256>> {
	let key = [sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")].concat();
	storage(client, key, at).await.unwrap_or_default()
}

/// The chain facts a signed transaction commits to.
struct ChainInfo {
	genesis: H256,
	spec_version: u32,
	transaction_version: u32,
}

async fn chain_info(client: &WsClient) -> ChainInfo {
	let genesis: Value =
		client.request("chain_getBlockHash", rpc_params![0]).await.expect("genesis hash");
	let version: Value =
		client.request("state_getRuntimeVersion", rpc_params![]).await.expect("runtime version");
	ChainInfo {
		genesis: hash(&genesis),
		spec_version: version["specVersion"].as_u64().expect("specVersion") as u32,
		transaction_version: version["transactionVersion"].as_u64().expect("transactionVersion")
			as u32,
	}
}

async fn next_nonce(client: &WsClient, who: &AccountId) -> Nonce {
	client.request("system_accountNextIndex", rpc_params![who.to_string()]).await.expect("nonce")
}

/// `call` signed by `sender`, immortal, with every extension of the runtime.
fn signed(
	call: RuntimeCall,
	sender: &sr25519::Pair,
	nonce: Nonce,
	chain: &ChainInfo,
) -> UncheckedExtrinsic {
	let tx_ext = depin_runtime::tx_extension(Era::Immortal, nonce, 0);
	let implicit = (
		(),
		chain.spec_version,
		chain.transaction_version,
		chain.genesis,
		chain.genesis,
		(),
		(),
		(),
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), tx_ext.clone(), implicit);
	let signature = payload.using_encoded(|p| sender.sign(p));
	UncheckedExtrinsic::new_signed(
		call,
		AccountId::from(sender.public()).into(),
		signature.into(),
		tx_ext,
	)
}

/// Submit `xt` and wait until a finalized block includes it; returns that block's hash.
async fn submit_and_finalize(node: &Node, client: &WsClient, xt: &UncheckedExtrinsic) -> H256 {
	let mut watch = client
		.subscribe::<Value, _>(
			"author_submitAndWatchExtrinsic",
			rpc_params![bytes::to_hex(&xt.encode(), false)],
			"author_unwatchExtrinsic",
		)
		.await
		.expect("the transaction is accepted by the pool");
	let start = Instant::now();
	loop {
		let status = tokio::time::timeout(DEADLINE, watch.next())
			.await
			.unwrap_or_else(|_| node.fail("no transaction status in time"))
			.expect("the subscription stays open")
			.expect("a transaction status");
		if let Some(block) = status.get("finalized") {
			return hash(block);
		}
		if status.get("invalid").is_some() || status.get("dropped").is_some() {
			node.fail(&format!("the transaction failed: {status}"));
		}
		if start.elapsed() > DEADLINE {
			node.fail("the transaction was not finalized in time");
		}
	}
}

async fn parent_of(client: &WsClient, block: H256) -> H256 {
	let header: Value =
		client.request("chain_getHeader", rpc_params![block]).await.expect("header of the block");
	hash(&header["parentHash"])
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
	// hash, Charlie's account, the key and nonce 0.
	let charlie = Sr25519Keyring::Charlie;
	let device_pair = ed25519::Pair::from_string("//CharliesHotspot", None).expect("seed");
	let key = DeviceKey::Ed25519(device_pair.public());
	let payload = PossessionPayload {
		context: REGISTER_CONTEXT,
		genesis_hash: chain.genesis,
		owner: charlie.to_account_id(),
		key,
		nonce: 0,
	};
	let registration = |proof| Registration {
		key,
		proof,
		nonce: 0,
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

async fn best_hash(client: &WsClient) -> H256 {
	let best: Value = client.request("chain_getBlockHash", rpc_params![]).await.expect("best");
	hash(&best)
}

#[tokio::test]
async fn dev_node_challenges_a_storage_sector_and_accepts_its_proof() {
	use depin_merkle::{Blake2, MerkleTree};
	use depin_runtime::configs::{parameters::proof_params, RuntimeParameters};
	use pallet_emission::{EpochRewards, Event as EmissionEvent};
	use pallet_proofs::{
		Call as ProofsCall, ChunkProof, EpochInfo, Event as ProofsEvent, ProofPayload, Sector,
		StorageProof, STORAGE_PROOF_CONTEXT,
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

	// Alice commits 100 KiB and a bit of real data on her genesis storage device (id 0).
	let data: Vec<u8> = (0..100 * 1024 + 17u32).map(|i| (i.wrapping_mul(31) % 251) as u8).collect();
	let tree = MerkleTree::<Blake2>::from_bytes(&data).expect("data");
	assert_eq!((tree.chunks(), tree.depth()), (101, 7));
	let commit = RuntimeCall::Proofs(ProofsCall::commit_sector {
		device: 0,
		root: H256(tree.root()),
		chunks: tree.chunks(),
	});
	let committed_in =
		submit_and_finalize(&node, &client, &signed(commit, &alice.pair(), nonce, &chain)).await;
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
	let epoch_key = pallet_proofs::CurrentEpoch::<Runtime>::hashed_key().to_vec();
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
	let payload = ProofPayload {
		context: STORAGE_PROOF_CONTEXT,
		genesis_hash: chain.genesis,
		device: 0,
		sector: 0,
		epoch: epoch.index,
		challenge: H256(challenge),
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

	// Bob relays both in one batch: the tampered one is rejected, the honest one accepted.
	let bob = Sr25519Keyring::Bob;
	let batch = RuntimeCall::Proofs(ProofsCall::submit_storage_proofs {
		proofs: vec![tampered, honest].try_into().expect("2 proofs"),
	});
	let bob_nonce = next_nonce(&client, &bob.to_account_id()).await;
	let proven_in =
		submit_and_finalize(&node, &client, &signed(batch, &bob.pair(), bob_nonce, &chain)).await;
	let proof_events: Vec<_> = events(&client, proven_in)
		.await
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Proofs(e) => Some(e),
			_ => None,
		})
		.filter(|e| !matches!(e, ProofsEvent::EpochStarted { .. }))
		.collect();
	let invalid =
		sp_runtime::DispatchError::from(pallet_proofs::Error::<Runtime>::InvalidMerkleProof);
	assert_eq!(
		proof_events.iter().map(|e| e.encode()).collect::<Vec<_>>(),
		[
			ProofsEvent::<Runtime>::ProofRejected { index: 0, device: 0, error: invalid },
			ProofsEvent::StorageProofAccepted {
				device: 0,
				sector: 0,
				epoch: epoch.index,
				points: 101,
			},
			ProofsEvent::ProofsSubmitted { accepted: 1, rejected: 1 },
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
	let rewards_key = pallet_emission::Rewards::<Runtime>::hashed_key_for(epoch.index);
	let rewards: EpochRewards<Balance> =
		wait_for_storage(&node, &client, &rewards_key, "the epoch's rewards", |r| r.is_some())
			.await
			.expect("waited for it");
	assert_eq!(rewards.points.storage, 101);
	assert!(rewards.blocks > 0);
	assert!(rewards.pools.storage > 0 && rewards.validators > 0);
	let receipt_key = pallet_emission::Receipts::<Runtime>::hashed_key_for(epoch.index, 0u64);
	let pending: Value =
		client.request("depin_pendingRewards", rpc_params![0]).await.expect("depin_pendingRewards");
	assert_eq!(pending["total"], rewards.pools.storage.to_string(), "{pending}");
	assert_eq!(pending["receipts"][0]["epoch"], epoch.index);
	assert_eq!(pending["receipts"][0]["points"], 101);
	assert_eq!(pending["receipts"][0]["status"], "claimable");

	// Alice claims both: the device's reward as its owner, the blocks' as their author.
	let claim_device =
		RuntimeCall::Emission(pallet_emission::Call::claim { device: 0, epoch: epoch.index });
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
				epoch: epoch.index,
				device: 0,
				owner: alice_id.clone(),
				amount: rewards.pools.storage,
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
	let receipt: pallet_emission::Receipt<Balance> =
		storage(&client, receipt_key, claimed_in).await.expect("the receipt stays");
	assert_eq!((receipt.points, receipt.paid), (101, Some(rewards.pools.storage)));
	let receipts: Value = client
		.request("depin_rewardReceipts", rpc_params![0, epoch.index, 1, claimed_in])
		.await
		.expect("depin_rewardReceipts");
	assert_eq!(
		receipts,
		serde_json::json!([{
			"epoch": epoch.index,
			"kind": "storage",
			"points": 101,
			"categoryPoints": 101,
			"pool": rewards.pools.storage.to_string(),
			"amount": rewards.pools.storage.to_string(),
			"status": "claimed",
			"claimableUntil": null,
		}])
	);
	let pending: Value = client
		.request("depin_pendingRewards", rpc_params![0, claimed_in])
		.await
		.expect("depin_pendingRewards");
	assert_eq!(pending["total"], "0");
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A `depin_*` call that must fail; its JSON-RPC error code and message.
async fn rpc_error(
	client: &WsClient,
	method: &str,
	params: jsonrpsee::core::params::ArrayParams,
) -> (i32, String) {
	match client.request::<Value, _>(method, params).await {
		Err(jsonrpsee::core::client::Error::Call(error)) => {
			(error.code(), error.message().to_owned())
		},
		other => panic!("{method} should fail with a call error, got {other:?}"),
	}
}

#[tokio::test]
async fn dev_node_answers_depin_rpc_queries() {
	use depin_runtime::genesis_config_presets::{dev_devices, DEV_PROVING_PERIOD};
	use pallet_devices::h3::H3Cell;

	let mut node = Node::start(&["--dev"]);
	let client = node.client().await;
	wait_for_blocks(&node, &client, 1, 0).await;
	let alice = Sr25519Keyring::Alice.to_account_id();
	let account =
		|v: &Value| -> AccountId { serde_json::from_value(v.clone()).expect("an SS58 address") };

	// Devices by id: Alice's three genesis devices, one of each kind and key scheme.
	let devices = dev_devices();
	for (id, expected) in devices.iter().enumerate() {
		let device: Value =
			client.request("depin_device", rpc_params![id]).await.expect("depin_device");
		assert_eq!(device["id"], id, "{device}");
		assert_eq!(account(&device["owner"]), alice);
		assert_eq!(device["manager"], Value::Null);
		assert_eq!(device["location"], format!("{:x}", expected.location));
		assert_eq!(device["locationResolution"], 12);
		assert_eq!(device["capacity"], expected.capacity);
		assert_eq!(device["status"], "active");
		assert_eq!(device["faults"], 0);
		assert!(device["deposit"]
			.as_str()
			.and_then(|d| d.parse::<u128>().ok())
			.is_some_and(|d| d > 0));
	}
	let storage: Value = client.request("depin_device", rpc_params![0]).await.expect("device");
	assert_eq!(storage["kind"], "storage");
	assert_eq!(storage["key"]["scheme"], "sr25519");
	let none: Value = client.request("depin_device", rpc_params![99]).await.expect("device");
	assert_eq!(none, Value::Null);

	// By key, by owner.
	let DeviceKey::Ed25519(coverage_key) = devices[1].key else { panic!("ed25519") };
	let by_key: Value = client
		.request(
			"depin_deviceByKey",
			rpc_params![
				serde_json::json!({"scheme": "ed25519", "public": format!("0x{}", hex(&coverage_key.0))})
			],
		)
		.await
		.expect("depin_deviceByKey");
	assert_eq!((by_key["id"].as_u64(), by_key["kind"].as_str()), (Some(1), Some("coverage")));
	let ids = |list: &Value| -> Vec<u64> {
		let mut ids: Vec<u64> =
			list.as_array().expect("a list").iter().filter_map(|d| d["id"].as_u64()).collect();
		ids.sort();
		ids
	};
	let alice_ss58 = serde_json::to_value(&alice).expect("serializes");
	let owned: Value = client
		.request("depin_devicesOf", rpc_params![alice_ss58.clone()])
		.await
		.expect("devicesOf");
	assert_eq!(ids(&owned), [0, 1, 2]);
	let page: Value = client
		.request("depin_devicesOf", rpc_params![alice_ss58, Option::<u64>::None, 2])
		.await
		.expect("devicesOf");
	assert_eq!(page.as_array().map(Vec::len), Some(2));
	let bob = serde_json::to_value(Sr25519Keyring::Bob.to_account_id()).expect("serializes");
	let none: Value = client.request("depin_devicesOf", rpc_params![bob]).await.expect("devicesOf");
	assert_eq!(none, serde_json::json!([]));

	// By area: the storage device's resolution-7 density cell, and its own cell.
	let berlin = H3Cell::new(devices[0].location).expect("a cell");
	let area = format!("{:x}", berlin.parent(7).expect("coarser").raw());
	let found: Value =
		client.request("depin_devicesInArea", rpc_params![area.clone()]).await.expect("area");
	assert_eq!(ids(&found), [0]);
	let found: Value = client
		.request("depin_devicesInArea", rpc_params![area.clone(), "coverage"])
		.await
		.expect("area");
	assert_eq!(found, serde_json::json!([]));
	let paris = format!("{:x}", devices[1].location);
	let found: Value =
		client.request("depin_devicesInArea", rpc_params![paris]).await.expect("area");
	assert_eq!(ids(&found), [1]);

	// Bad input: clear errors, as invalid params.
	let coarse = format!("{:x}", berlin.parent(3).expect("coarser").raw());
	let (code, message) = rpc_error(&client, "depin_devicesInArea", rpc_params![coarse]).await;
	assert_eq!(code, -32602);
	assert!(message.contains("coarser than the indexed resolution 7"), "{message}");
	let (code, _) = rpc_error(&client, "depin_devicesInArea", rpc_params!["zz"]).await;
	assert_eq!(code, -32602);
	let (code, message) =
		rpc_error(&client, "depin_devicesInArea", rpc_params![area, "toaster"]).await;
	assert_eq!(code, -32602);
	assert!(message.contains("unknown device kind"), "{message}");
	let (code, message) = rpc_error(
		&client,
		"depin_deviceByKey",
		rpc_params![serde_json::json!({"scheme": "sr25519", "public": "0x0102"})],
	)
	.await;
	assert_eq!(code, -32602);
	assert!(message.contains("wrong public key length"), "{message}");

	// The epoch, proving records, rewards.
	let epoch: Value = client.request("depin_epoch", rpc_params![]).await.expect("depin_epoch");
	let start = epoch["start"].as_u64().expect("a number");
	assert_eq!(epoch["nextStart"].as_u64(), Some(start + u64::from(DEV_PROVING_PERIOD)));
	assert!(epoch["deadline"].as_u64().is_some_and(|d| d >= start && d < start + 10));
	assert_eq!(epoch["challengesPerSector"], 2);
	let status: Value = client.request("depin_proofStatus", rpc_params![0]).await.expect("status");
	assert_eq!(
		(status["sectors"].clone(), status["faultThreshold"].as_u64()),
		(serde_json::json!([]), Some(3))
	);
	let status: Value = client.request("depin_proofStatus", rpc_params![1]).await.expect("status");
	assert_eq!(status, Value::Null, "a coverage device has no storage record");
	let open: Value = client.request("depin_openChallenges", rpc_params![0]).await.expect("open");
	assert_eq!(open, serde_json::json!([]));
	let beacons: Value =
		client.request("depin_coverageBeacons", rpc_params![]).await.expect("beacons");
	assert_eq!(beacons, serde_json::json!([]), "no hotspot joined the beacon roster");
	let work: Value =
		client.request("depin_computeChallenge", rpc_params![2]).await.expect("challenge");
	assert_eq!(work, Value::Null, "Alice's compute device is not enrolled");
	let estimate: Value =
		client.request("depin_rewardEstimate", rpc_params![0]).await.expect("estimate");
	assert_eq!(
		(estimate["points"].as_u64(), estimate["potentialPoints"].as_u64()),
		(Some(0), Some(0))
	);
	assert_eq!(estimate["amount"], "0");
	assert!(estimate["pool"].as_str().and_then(|p| p.parse::<u128>().ok()).is_some_and(|p| p > 0));
	let estimate: Value =
		client.request("depin_rewardEstimate", rpc_params![99]).await.expect("estimate");
	assert_eq!(estimate, Value::Null);
	let pending: Value =
		client.request("depin_pendingRewards", rpc_params![0]).await.expect("pending");
	assert_eq!(pending, serde_json::json!({"total": "0", "receipts": []}));
	let receipts: Value =
		client.request("depin_rewardReceipts", rpc_params![0]).await.expect("receipts");
	assert_eq!(receipts, serde_json::json!([]));
}

/// Wait until `check` accepts the value at `key` in the best block; returns that value.
async fn wait_for_storage<T: Decode>(
	node: &Node,
	client: &WsClient,
	key: &[u8],
	what: &str,
	check: impl Fn(&Option<T>) -> bool,
) -> Option<T> {
	let start = Instant::now();
	loop {
		let value = storage::<T>(client, key.to_vec(), best_hash(client).await).await;
		if check(&value) {
			return value;
		}
		if start.elapsed() > DEADLINE {
			node.fail(&format!("timed out waiting for {what}"));
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}

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

/// Read an unsigned LEB128 number: its value and its length in bytes.
fn read_leb128(bytes: &[u8]) -> (usize, usize) {
	let mut value = 0usize;
	for (i, byte) in bytes.iter().enumerate() {
		value |= usize::from(byte & 0x7f) << (7 * i);
		if byte & 0x80 == 0 {
			return (value, i + 1);
		}
	}
	panic!("truncated LEB128 number");
}

fn write_leb128(out: &mut Vec<u8>, mut value: usize) {
	loop {
		let byte = (value & 0x7f) as u8;
		value >>= 7;
		if value == 0 {
			out.push(byte);
			return;
		}
		out.push(byte | 0x80);
	}
}

/// The sections of a Wasm module: each one's id, its whole extent and its payload's.
fn wasm_sections(wasm: &[u8]) -> Vec<(u8, Range<usize>, Range<usize>)> {
	let mut sections = Vec::new();
	let mut at = 8; // magic and version
	while at < wasm.len() {
		let (size, n) = read_leb128(&wasm[at + 1..]);
		let payload = at + 1 + n..at + 1 + n + size;
		sections.push((wasm[at], at..payload.end, payload.clone()));
		at = payload.end;
	}
	sections
}

/// A custom section's payload split into its name and its contents.
fn custom_section(payload: &[u8]) -> (&[u8], &[u8]) {
	let (len, n) = read_leb128(payload);
	(&payload[n..n + len], &payload[n + len..])
}

/// The runtime version a runtime's `runtime_version` custom section declares (where nodes read
/// a runtime's version), with the section's extent in the module.
fn find_runtime_version(wasm: &[u8]) -> (sp_version::RuntimeVersion, Range<usize>) {
	wasm_sections(wasm)
		.into_iter()
		.find_map(|(id, whole, payload)| {
			let (name, contents) = custom_section(&wasm[payload]);
			(id == 0 && name == b"runtime_version").then(|| {
				let version = sp_version::RuntimeVersion::decode(&mut &contents[..])
					.expect("the runtime_version section decodes");
				(version, whole)
			})
		})
		.expect("the runtime has a runtime_version section")
}

/// The node's own runtime with `spec_version` raised by one, compressed again: a real upgrade
/// candidate without a second runtime build. Returns it and the new version.
fn upgraded_runtime() -> (Vec<u8>, u32) {
	let compressed = depin_runtime::WASM_BINARY.expect("the node embeds its runtime");
	let wasm = sp_maybe_compressed_blob::decompress(compressed, 64 * 1024 * 1024)
		.expect("the embedded runtime decompresses");
	let (mut version, whole) = find_runtime_version(&wasm);
	version.spec_version += 1;
	let mut section = Vec::new();
	write_leb128(&mut section, b"runtime_version".len());
	section.extend_from_slice(b"runtime_version");
	section.extend_from_slice(&version.encode());
	let mut out = wasm[..whole.start].to_vec();
	out.push(0);
	write_leb128(&mut out, section.len());
	out.extend_from_slice(&section);
	out.extend_from_slice(&wasm[whole.end..]);
	let code =
		sp_maybe_compressed_blob::compress_weakly(&out, 64 * 1024 * 1024).expect("compresses");
	(code, version.spec_version)
}

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

/// The runtime version of a (possibly compressed) runtime.
fn runtime_version_of(code: &[u8]) -> sp_version::RuntimeVersion {
	let wasm = sp_maybe_compressed_blob::decompress(code, 64 * 1024 * 1024).expect("decompresses");
	find_runtime_version(&wasm).0
}

/// A chain spec without its runtime code (`code` / the `:code` key), and that code.
fn split_code(mut spec: Value) -> (Value, Vec<u8>) {
	let code = if let Some(top) = spec.pointer_mut("/genesis/raw/top") {
		top.as_object_mut().and_then(|t| t.remove("0x3a636f6465"))
	} else {
		spec.pointer_mut("/genesis/runtimeGenesis")
			.and_then(|g| g.as_object_mut())
			.and_then(|g| g.remove("code"))
	};
	let code = code.and_then(|c| c.as_str().map(str::to_owned)).expect("the spec has code");
	(spec, bytes::from_hex(&code).expect("hex code"))
}

/// `chain-specs/` holds what the current runtime produces (`scripts/chain-specs.sh`): the same
/// genesis, byte for byte, and a runtime of the same version. (The Wasm bytes themselves depend
/// on the folder the runtime was built in, through panic locations, so they are compared by
/// version.)
#[test]
fn committed_chain_specs_match_the_runtime() {
	let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
	for chain in ["local", "testnet"] {
		for raw in [false, true] {
			let file = root.join("chain-specs").join(if raw {
				format!("{chain}.raw.json")
			} else {
				format!("{chain}.json")
			});
			let committed: Value = serde_json::from_slice(
				&std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
			)
			.expect("committed spec is JSON");
			let mut args = vec!["export-chain-spec", "--chain", chain];
			if raw {
				args.push("--raw");
			}
			let generated: Value =
				serde_json::from_slice(&run_ok(&args).stdout).expect("generated spec is JSON");
			let (committed, committed_code) = split_code(committed);
			let (generated, generated_code) = split_code(generated);
			assert!(
				committed == generated,
				"{} is stale: run scripts/chain-specs.sh and commit the result",
				file.display()
			);
			let (old, new) =
				(runtime_version_of(&committed_code), runtime_version_of(&generated_code));
			assert_eq!(
				(old.spec_name, old.spec_version, old.impl_version, old.transaction_version),
				(new.spec_name, new.spec_version, new.impl_version, new.transaction_version),
				"{}: the committed runtime is another version",
				file.display()
			);
		}
	}
}

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

fn run(args: &[&str]) -> Output {
	Command::new(NODE).args(args).stdin(Stdio::null()).output().expect("depin-node runs")
}

fn assert_one_line_error(output: &Output, expected: &str) {
	assert!(!output.status.success(), "the node must exit non-zero");
	let stderr = String::from_utf8_lossy(&output.stderr);
	let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
	assert_eq!(lines.len(), 1, "exactly one line of error, got: {stderr}");
	assert!(lines[0].contains(expected), "{:?} should mention {expected:?}", lines[0]);
}

#[test]
fn unknown_chain_is_refused_with_a_one_line_error() {
	let dir = tempfile::tempdir().expect("temp dir");
	let output =
		run(&["--chain", "no-such-chain", "--base-path", dir.path().to_str().expect("utf-8 path")]);
	assert_one_line_error(&output, "unknown chain `no-such-chain`");
}

#[test]
fn malformed_chain_spec_files_are_refused_with_a_one_line_error() {
	let dir = tempfile::tempdir().expect("temp dir");
	let cases: [(&str, &str); 3] = [
		("truncated.json", "{ \"name\": \"DePIN\", "),
		("not-a-spec.json", "{ \"hello\": \"world\" }"),
		("empty.json", ""),
	];
	for (name, content) in cases {
		let path = dir.path().join(name);
		std::fs::write(&path, content).expect("write spec");
		let output = run(&[
			"--chain",
			path.to_str().expect("utf-8 path"),
			"--base-path",
			dir.path().join("data").to_str().expect("utf-8 path"),
		]);
		assert_one_line_error(&output, "invalid chain spec");
	}
}

fn export_spec(chain: &str, dir: &Path, raw: bool) -> PathBuf {
	let mut args = vec!["export-chain-spec", "--chain", chain];
	if raw {
		args.push("--raw");
	}
	let output = run(&args);
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let path = dir.join(format!("{chain}{}.json", if raw { "-raw" } else { "" }));
	std::fs::write(&path, &output.stdout).expect("write spec");
	path
}

#[test]
fn every_named_chain_exports_a_spec_with_its_preset() {
	let dir = tempfile::tempdir().expect("temp dir");
	for (chain, id, validators, sudo) in [
		("dev", "depin_dev", 1, true),
		("local", "depin_local", 4, true),
		("testnet", "depin_testnet", 4, false),
	] {
		let spec: Value =
			serde_json::from_slice(&std::fs::read(export_spec(chain, dir.path(), false)).unwrap())
				.expect("the spec is JSON");
		assert_eq!(spec["id"], id);
		assert_eq!(spec["properties"]["tokenSymbol"], "DPN");
		assert_eq!(spec["properties"]["tokenDecimals"], 12);
		let genesis = &spec["genesis"]["runtimeGenesis"]["patch"];
		let keys = genesis["session"]["keys"].as_array().map(Vec::len);
		assert_eq!(keys, Some(validators), "{chain}: validators with session keys");
		let invulnerables = genesis["validatorSet"]["invulnerables"].as_array().map(Vec::len);
		assert_eq!(invulnerables, Some(validators), "{chain}: validator set");
		assert_eq!(!genesis["sudo"]["key"].is_null(), sudo, "{chain}: sudo key");
	}
}

#[tokio::test]
async fn a_node_runs_from_an_exported_raw_chain_spec_file() {
	let dir = tempfile::tempdir().expect("temp dir");
	let spec = export_spec("dev", dir.path(), true);
	// A validator needs a stable network identity: generate it with the key sub-command.
	let node_key = dir.path().join("node-key");
	let generated = run(&["key", "generate-node-key", "--file", node_key.to_str().expect("utf-8")]);
	assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
	let mut node = Node::start(&[
		"--chain",
		spec.to_str().expect("utf-8 path"),
		"--alice",
		"--node-key-file",
		node_key.to_str().expect("utf-8 path"),
	]);
	let client = node.client().await;
	wait_for_blocks(&node, &client, 2, 1).await;
	let chain: String = client.request("system_chain", rpc_params![]).await.expect("system_chain");
	assert_eq!(chain, "DePIN Development");
}

fn run_ok(args: &[&str]) -> Output {
	let output = run(args);
	assert!(
		output.status.success(),
		"`depin-node {}` failed: {}",
		args.join(" "),
		String::from_utf8_lossy(&output.stderr)
	);
	output
}

#[tokio::test]
async fn block_and_database_sub_commands_work_on_a_real_chain() {
	let mut node = Node::start(&["--dev"]);
	let client = node.client().await;
	wait_for_blocks(&node, &client, 3, 2).await;
	drop(client);
	node.stop();

	let base = node.base_path();
	let base = base.to_str().expect("utf-8 path");
	let work = tempfile::tempdir().expect("temp dir");
	let exported = work.path().join("blocks.bin");
	let exported = exported.to_str().expect("utf-8 path");
	let copy = work.path().join("copy");
	let copy = copy.to_str().expect("utf-8 path");

	// Export the first blocks, import them into an empty database and check one there.
	run_ok(&[
		"export-blocks",
		"--dev",
		"--base-path",
		base,
		"--from",
		"1",
		"--to",
		"2",
		"--binary",
		exported,
	]);
	assert!(std::fs::metadata(exported).expect("exported blocks").len() > 0);
	run_ok(&["import-blocks", "--dev", "--base-path", copy, "--binary", exported]);
	run_ok(&["check-block", "--dev", "--base-path", copy, "1"]);
	let info = run_ok(&["chain-info", "--dev", "--base-path", copy]);
	assert!(!info.stdout.is_empty(), "chain-info describes the database");

	// Revert the unfinalized tip of the original chain, then remove the whole chain.
	run_ok(&["revert", "--dev", "--base-path", base, "1"]);
	let chain_db = node.base_path().join("chains").join("depin_dev").join("paritydb");
	assert!(chain_db.exists(), "the chain lives in ParityDB at {}", chain_db.display());
	run_ok(&["purge-chain", "--dev", "--base-path", base, "-y"]);
	assert!(!chain_db.exists(), "purge-chain removed the database");
}
