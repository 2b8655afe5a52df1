//! What the tests share: the node (started with `depin-node-harness`), JSON-RPC readers,
//! signed transactions, storage and event readers, and running the binary's sub-commands.

use std::{
	path::PathBuf,
	process::{Command, Output, Stdio},
	time::{Duration, Instant},
};

use codec::{Decode, Encode};
use depin_node_harness::free_port;
use depin_runtime::{
	AccountId, Nonce, RuntimeCall, RuntimeEvent, SignedPayload, UncheckedExtrinsic,
};
use jsonrpsee::{
	core::client::{ClientT, SubscriptionClientT},
	rpc_params,
	ws_client::WsClient,
};
use serde_json::Value;
use sp_core::{bytes, crypto::Pair as _, sr25519, H256};
use sp_runtime::generic::Era;

/// The node binary built by this `cargo test` run.
const NODE: &str = env!("CARGO_BIN_EXE_depin-node");

/// How long a test waits for the node before giving up (a debug build compiles the Wasm
/// runtime at start-up).
pub const DEADLINE: Duration = Duration::from_secs(240);

/// A running node, on free ports with Prometheus on one more; killed and cleaned up on drop.
pub struct Node {
	node: depin_node_harness::Node,
	pub prometheus_port: u16,
}

impl Node {
	/// Starts `depin-node` with `args`, a temporary base path and free ports.
	pub fn start(args: &[&str]) -> Node {
		let prometheus_port = free_port();
		let prometheus = prometheus_port.to_string();
		let args: Vec<&str> =
			args.iter().copied().chain(["--prometheus-port", prometheus.as_str()]).collect();
		Node { node: depin_node_harness::Node::spawn(NODE, &args), prometheus_port }
	}

	/// The node's base path (database, keystore, network key).
	pub fn base_path(&self) -> PathBuf {
		self.node.base_path()
	}

	/// Stops the node the way an operator does (SIGINT) and waits for it to exit.
	pub fn stop(&mut self) {
		self.node.stop(DEADLINE)
	}

	/// Fails the test with the node's log.
	pub fn fail(&self, what: &str) -> ! {
		self.node.fail(what)
	}

	/// Connects over WebSocket once the RPC server is up.
	pub async fn client(&mut self) -> WsClient {
		self.node.client(DEADLINE).await
	}
}

pub fn hex_number(v: &Value) -> u64 {
	let s = v.as_str().expect("a hex number");
	u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("a hex number")
}

pub fn hash(v: &Value) -> H256 {
	let raw = bytes::from_hex(v.as_str().expect("a hex hash")).expect("hex");
	H256::from_slice(&raw)
}

pub async fn best_number(client: &WsClient) -> u64 {
	let header: Value = client.request("chain_getHeader", rpc_params![]).await.expect("header");
	hex_number(&header["number"])
}

pub async fn finalized_number(client: &WsClient) -> u64 {
	let head: Value =
		client.request("chain_getFinalizedHead", rpc_params![]).await.expect("finalized head");
	let header: Value = client.request("chain_getHeader", rpc_params![head]).await.expect("header");
	hex_number(&header["number"])
}

/// Waits until the best block reaches `best` and the finalized block `finalized`.
pub async fn wait_for_blocks(node: &Node, client: &WsClient, best: u64, finalized: u64) {
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

pub async fn storage<T: Decode>(client: &WsClient, key: Vec<u8>, at: H256) -> Option<T> {
	let value: Option<String> = client
		.request("state_getStorage", rpc_params![bytes::to_hex(&key, false), at])
		.await
		.expect("state_getStorage");
	value.map(|v| {
		let raw = bytes::from_hex(&v).expect("hex");
		T::decode(&mut &raw[..]).expect("storage decodes with the runtime's types")
	})
}

pub async fn events(
	client: &WsClient,
	at: H256,
) -> Vec<frame_system::EventRecord<RuntimeEvent, H256>> {
	let key = [sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")].concat();
	storage(client, key, at).await.unwrap_or_default()
}

/// The chain facts a signed transaction commits to.
pub struct ChainInfo {
	pub genesis: H256,
	pub spec_version: u32,
	pub transaction_version: u32,
}

pub async fn chain_info(client: &WsClient) -> ChainInfo {
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

pub async fn next_nonce(client: &WsClient, who: &AccountId) -> Nonce {
	client.request("system_accountNextIndex", rpc_params![who.to_string()]).await.expect("nonce")
}

/// `call` signed by `sender`, immortal, with every extension of the runtime.
pub fn signed(
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
pub async fn submit_and_finalize(node: &Node, client: &WsClient, xt: &UncheckedExtrinsic) -> H256 {
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

pub async fn parent_of(client: &WsClient, block: H256) -> H256 {
	let header: Value =
		client.request("chain_getHeader", rpc_params![block]).await.expect("header of the block");
	hash(&header["parentHash"])
}

pub async fn best_hash(client: &WsClient) -> H256 {
	let best: Value = client.request("chain_getBlockHash", rpc_params![]).await.expect("best");
	hash(&best)
}

pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Wait until `check` accepts the value at `key` in the best block; returns that value.
pub async fn wait_for_storage<T: Decode>(
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

pub fn run(args: &[&str]) -> Output {
	Command::new(NODE).args(args).stdin(Stdio::null()).output().expect("depin-node runs")
}

pub fn run_ok(args: &[&str]) -> Output {
	let output = run(args);
	assert!(
		output.status.success(),
		"`depin-node {}` failed: {}",
		args.join(" "),
		String::from_utf8_lossy(&output.stderr)
	);
	output
}
