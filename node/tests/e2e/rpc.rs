//! The node's `depin_*` RPC methods: devices, areas, epochs, proofs, rewards and deals, and their
//! errors.

use depin_runtime::AccountId;
use jsonrpsee::{core::client::ClientT, rpc_params, ws_client::WsClient};
use pallet_devices::DeviceKey;
use serde_json::Value;
use sp_keyring::Sr25519Keyring;

use crate::harness::{hex, wait_for_blocks, Node};

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

	let mut node = Node::start(&["--dev", "--rpc-external"]);
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

	// By area: the storage device's resolution-7 density cell, and its own cell; a page of the
	// area and where the next starts (`null`: nothing left).
	let berlin = H3Cell::new(devices[0].location).expect("a cell");
	let area = format!("{:x}", berlin.parent(7).expect("coarser").raw());
	let found: Value =
		client.request("depin_devicesInArea", rpc_params![area.clone()]).await.expect("area");
	assert_eq!(ids(&found["devices"]), [0]);
	assert_eq!(found["next"], Value::Null);
	let found: Value = client
		.request("depin_devicesInArea", rpc_params![area.clone(), "coverage"])
		.await
		.expect("area");
	assert_eq!(found, serde_json::json!({"devices": [], "next": null}));
	let paris = format!("{:x}", devices[1].location);
	let found: Value =
		client.request("depin_devicesInArea", rpc_params![paris.clone()]).await.expect("area");
	assert_eq!(ids(&found["devices"]), [1]);
	let found: Value = client
		.request("depin_devicesInArea", rpc_params![paris, Value::Null, Value::Null, 1])
		.await
		.expect("area");
	assert_eq!(ids(&found["devices"]), [1]);
	assert_eq!(found["next"], Value::Null, "the cell's only device: a full page, nothing after");

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
	// No deal yet.
	let unknown = format!("0x{}", "ab".repeat(32));
	let deal: Value = client.request("depin_deal", rpc_params![&unknown]).await.expect("deal");
	assert_eq!(deal, Value::Null);
	let deal: Value =
		client.request("depin_dealByRoot", rpc_params![0, &unknown]).await.expect("deal by root");
	assert_eq!(deal, Value::Null);
	let alice = sp_keyring::Sr25519Keyring::Alice.to_account_id().to_string();
	let deals: Value =
		client.request("depin_dealsOfClient", rpc_params![&alice]).await.expect("deals");
	assert_eq!(deals, serde_json::json!([]));
	let deals: Value = client.request("depin_dealsOfDevice", rpc_params![0]).await.expect("deals");
	assert_eq!(deals, serde_json::json!([]));
	// No permanent deal yet.
	let deal: Value = client.request("depin_permanentDeal", rpc_params![0]).await.expect("deal");
	assert_eq!(deal, Value::Null);
	let deals: Value = client.request("depin_permanentDeals", rpc_params![]).await.expect("deals");
	assert_eq!(deals, serde_json::json!([]));
	let replica: Value =
		client.request("depin_replicaByRoot", rpc_params![&unknown]).await.expect("replica");
	assert_eq!(replica, Value::Null);

	// The node listens on every interface (`--rpc-external`): only the safe methods are served.
	let (_, message) = rpc_error(&client, "author_rotateKeys", rpc_params![]).await;
	assert!(message.contains("unsafe"), "author_rotateKeys is refused: {message}");

	// Malformed parameters, from a fixed seed: every `depin_*` method answers each with a
	// result or a JSON-RPC error, never a dropped connection, and the node goes on.
	let mut rng = Xorshift(0x005e_ed0f_de91);
	let mut errors = 0;
	for round in 0..FUZZ_ROUNDS {
		for method in DEPIN_METHODS {
			let mut params = jsonrpsee::core::params::ArrayParams::new();
			for _ in 0..rng.below(7) {
				params.insert(rng.value(2)).expect("a JSON value");
			}
			match client.request::<Value, _>(method, params).await {
				Ok(_) => {},
				Err(jsonrpsee::core::client::Error::Call(error)) => {
					errors += 1;
					// Invalid parameters, or a runtime API call that failed (an unknown block).
					assert!(
						matches!(error.code(), -32602 | 1),
						"{method} (round {round}): an unexpected error {error:?}"
					);
				},
				Err(other) => {
					node.fail(&format!("{method} (round {round}) broke the link: {other}"))
				},
			}
		}
	}
	assert!(errors > FUZZ_ROUNDS, "most malformed calls are refused ({errors})");
	let best = crate::harness::best_number(&client).await;
	wait_for_blocks(&node, &client, best + 1, 0).await;
}

/// Every `depin_*` method (node/src/rpc/depin.rs).
const DEPIN_METHODS: [&str; 19] = [
	"depin_device",
	"depin_deviceByKey",
	"depin_devicesOf",
	"depin_devicesInArea",
	"depin_epoch",
	"depin_openChallenges",
	"depin_coverageBeacons",
	"depin_computeChallenge",
	"depin_proofStatus",
	"depin_rewardReceipts",
	"depin_pendingRewards",
	"depin_rewardEstimate",
	"depin_deal",
	"depin_dealByRoot",
	"depin_dealsOfClient",
	"depin_dealsOfDevice",
	"depin_permanentDeal",
	"depin_permanentDeals",
	"depin_replicaByRoot",
];

/// Rounds of random parameters for each method.
const FUZZ_ROUNDS: usize = 40;

/// A small deterministic generator of awkward JSON.
struct Xorshift(u64);

impl Xorshift {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0
	}

	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}

	/// A value: numbers at and past every bound, strings that almost parse, hashes of
	/// unknown blocks, huge strings, and (down to `depth`) arrays and objects of them.
	fn value(&mut self, depth: u32) -> Value {
		use serde_json::json;
		let hex32 = format!("0x{:064x}", self.next());
		match self.below(if depth == 0 { 14 } else { 16 }) {
			0 => Value::Null,
			1 => json!(true),
			2 => json!(0),
			3 => json!(-1),
			4 => json!(u64::MAX),
			5 => json!(self.next()),
			6 => json!(1.5e308),
			7 => json!(""),
			8 => json!("zz"),
			9 => json!(hex32),
			10 => json!("0x"),
			11 => json!("8c1f1d48945d9ff"),
			12 => json!("x".repeat(100_000)),
			13 => json!(Sr25519Keyring::Bob.to_account_id().to_string()),
			14 => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
			_ => json!({
				"sr25519": hex32,
				"scheme": self.value(depth - 1),
				"public": self.value(depth - 1),
			}),
		}
	}
}
