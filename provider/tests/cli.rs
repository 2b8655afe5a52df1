//! `depin-provider` end to end, against the real `depin-node` (the binary this workspace's
//! `cargo test` builds, found next to this test's own binary, or at `$DEPIN_NODE`): keys,
//! registration, a storage deal proposed by a client and published by the provider, its
//! sector committed, proven by the daemon, paid, rewarded and claimed;
//! the errors a provider meets; the simulator's living network; a client's file encrypted,
//! erasure-coded 3-of-5 onto five providers' devices, paid for and retrieved from three. And the metadata file the
//! CLI's types are generated from, checked against the runtime.

#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::{
	path::{Path, PathBuf},
	process::{Command, Output, Stdio},
	time::{Duration, Instant},
};

use depin_node_harness::{free_port, Node};
use serde_json::Value;

const CLI: &str = env!("CARGO_BIN_EXE_depin-provider");
const DEADLINE: Duration = Duration::from_secs(300);

#[test]
fn committed_metadata_matches_the_runtime() {
	let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("metadata/depin.scale");
	// Governed parameters appear as constants, so the metadata is the dev chain's: built on
	// the state of its genesis preset.
	let preset = depin_runtime::genesis_config_presets::get_preset(
		&sp_genesis_builder::DEV_RUNTIME_PRESET.into(),
	)
	.expect("the development preset");
	// A preset is a patch over the default genesis config.
	let mut config =
		serde_json::to_value(depin_runtime::RuntimeGenesisConfig::default()).expect("JSON");
	merge(&mut config, serde_json::from_slice(&preset).expect("JSON"));
	let preset = serde_json::to_vec(&config).expect("JSON");
	let metadata = sp_io::TestExternalities::default()
		.execute_with(|| {
			frame_support::genesis_builder_helper::build_state::<
				depin_runtime::RuntimeGenesisConfig,
			>(preset)
			.expect("the genesis state builds");
			depin_runtime::Runtime::metadata_at_version(16)
		})
		.expect("metadata v16");
	if std::env::var_os("DEPIN_BLESS").is_some() {
		std::fs::write(&path, &*metadata).expect("written");
	}
	let committed = std::fs::read(&path).expect("metadata/depin.scale");
	assert!(
		committed == *metadata,
		"provider/metadata/depin.scale is not the runtime's metadata: regenerate it with \
		 `DEPIN_BLESS=1 cargo test -p depin-provider --test cli committed_metadata` and rebuild"
	);
}

fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

fn node_binary() -> PathBuf {
	if let Some(path) = std::env::var_os("DEPIN_NODE") {
		return path.into();
	}
	// target/<profile>/deps/cli-<hash> → target/<profile>/depin-node
	let exe = std::env::current_exe().expect("the test's path");
	let node = exe.parent().and_then(Path::parent).map(|d| d.join("depin-node"));
	match node {
		Some(node) if node.exists() => node,
		_ => panic!(
			"no depin-node next to {}: `cargo build -p depin-node` or set DEPIN_NODE",
			exe.display()
		),
	}
}

/// `depin-node --dev` ([`node_binary`]) on free ports, without Prometheus.
trait DevNode {
	fn start() -> Self;
}

impl DevNode for Node {
	fn start() -> Node {
		Node::spawn(node_binary(), &["--dev", "--no-prometheus"])
	}
}

/// The CLI against `node`, with `home` as its home and `args`.
struct Provider<'a> {
	node: &'a Node,
	home: PathBuf,
	suri: &'a str,
}

impl Provider<'_> {
	fn run(&self, args: &[&str]) -> Output {
		Command::new(CLI)
			.args(["--url", &self.node.url, "--suri", self.suri, "--json", "--home"])
			.arg(&self.home)
			.args(args)
			.stdin(Stdio::null())
			.output()
			.expect("depin-provider runs")
	}

	/// Run, expect success, parse the last line of stdout as JSON.
	fn ok(&self, args: &[&str]) -> Value {
		let out = self.run(args);
		let stdout = String::from_utf8_lossy(&out.stdout);
		if !out.status.success() {
			self.node.fail(&format!(
				"depin-provider {args:?} failed: {stdout}{}",
				String::from_utf8_lossy(&out.stderr)
			));
		}
		serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("JSON output")
	}

	/// Run, expect failure, return the error.
	fn err(&self, args: &[&str]) -> String {
		let out = self.run(args);
		assert!(!out.status.success(), "depin-provider {args:?} should fail");
		let stdout = String::from_utf8_lossy(&out.stdout);
		let last = stdout.lines().last().unwrap_or_default();
		let value: Value = serde_json::from_str(last).expect("a JSON error");
		value["error"].as_str().expect("an error message").to_string()
	}
}

fn wait_until(node: &Node, what: &str, mut done: impl FnMut() -> bool) {
	let start = Instant::now();
	while !done() {
		if start.elapsed() > DEADLINE {
			node.fail(&format!("timed out waiting for {what}"));
		}
		std::thread::sleep(Duration::from_secs(2));
	}
}

#[test]
fn a_provider_registers_proves_earns_and_claims() {
	let node = Node::start();
	let home = tempfile::tempdir().expect("home");
	let bob = Provider { node: &node, home: home.path().to_path_buf(), suri: "//Bob" };

	// Keys need no node; the keystore is private to its owner.
	let key = bob.ok(&["keys", "generate", "--name", "box", "--scheme", "ed25519"]);
	assert_eq!(key["scheme"], "ed25519");
	assert!(key["public"].as_str().is_some_and(|p| p.starts_with("ed25519:0x")));
	let mode = std::os::unix::fs::PermissionsExt::mode(
		&std::fs::metadata(home.path().join("keystore.json")).expect("keystore").permissions(),
	);
	assert_eq!(mode & 0o777, 0o600);
	assert_eq!(bob.ok(&["keys", "list"]).as_array().map(Vec::len), Some(1));

	// A node that is not there is an error that says so.
	let nowhere = Node {
		child: Command::new("true").spawn().expect("true"),
		url: format!("ws://127.0.0.1:{}", free_port()),
		dir: tempfile::tempdir().expect("dir"),
	};
	let lost = Provider { node: &nowhere, home: home.path().to_path_buf(), suri: "//Bob" };
	assert!(lost.err(&["status"]).contains("cannot reach the node"));

	wait_until(&node, "the node's RPC", || bob.run(&["status"]).status.success());

	// Register the device: its key proves possession.
	let registered = bob.ok(&[
		"register",
		"--key",
		"box",
		"--kind",
		"storage",
		"--location",
		"8c1f1d48945d9ff",
		"--capacity",
		"1048576",
		"--model",
		"cli-box",
		"--serial",
		"SN-1",
	]);
	let device = registered["registered"][0]["device"].as_u64().expect("a device id");
	assert_eq!(registered["registered"][0]["key"], "box");

	// Bad input: a key already registered, a bad cell, a stranger's device, no funds.
	let again = bob.err(&[
		"register",
		"--key",
		"box",
		"--kind",
		"storage",
		"--location",
		"8c1f1d48945d9ff",
		"--capacity",
		"1048576",
	]);
	assert!(again.starts_with("devices."), "{again}");
	let cell = bob.err(&["register", "--key", "box", "--kind", "storage", "--location", "zz"]);
	assert!(cell.contains("is not an H3 cell"), "{cell}");
	let alice = Provider { node: &node, home: home.path().to_path_buf(), suri: "//Alice" };
	let data = home.path().join("data.bin");
	let bytes: Vec<u8> =
		(0..100 * 1024 + 17u32).map(|i| (i.wrapping_mul(31) % 251) as u8).collect();
	std::fs::write(&data, &bytes).expect("data");
	let data = data.to_str().expect("utf-8 path");
	let stranger = alice.err(&["storage", "commit", "--device", &device.to_string(), data]);
	assert!(stranger.starts_with("proofs."), "{stranger}");
	bob.ok(&["keys", "generate", "--name", "poor-box"]);
	let poor = Provider { node: &node, home: home.path().to_path_buf(), suri: "//NoFunds" };
	let funds = poor.err(&[
		"register",
		"--key",
		"poor-box",
		"--kind",
		"coverage",
		"--location",
		"8c1f1d48945d9ff",
	]);
	assert!(funds.contains("insufficient funds"), "{funds}");

	// Only deal-backed sectors earn. Charlie, a client, proposes a deal for 100 KiB (101
	// chunks under one root) at 16,384 DPN a GiB: 1.578125 DPN an epoch, for 10 epochs.
	let charlie = Provider { node: &node, home: home.path().to_path_buf(), suri: "//Charlie" };
	let device_id = device.to_string();
	let proposal = home.path().join("proposal.json");
	let proposal = proposal.to_str().expect("utf-8 path");
	let proposed = charlie.ok(&[
		"deal",
		"propose",
		data,
		"--device",
		&device_id,
		"--price-per-gib",
		"16384000000000000",
		"--duration",
		"10",
		"--provider-collateral",
		"1000000000000",
		"--client-collateral",
		"1000000000000",
		"--out",
		proposal,
	]);
	let deal = proposed["deal"].as_str().expect("a deal id").to_string();
	assert_eq!(proposed["epochPrice"], "1578125000000");
	assert_eq!(proposed["held"], "16781250000000");

	// A proposal changed after signing, or published by a stranger, is refused before it
	// costs a transaction.
	let mut forged: Value =
		serde_json::from_str(&std::fs::read_to_string(proposal).expect("proposal")).expect("JSON");
	forged["pricePerGib"] = serde_json::json!("1");
	let forged_file = home.path().join("forged-proposal.json");
	std::fs::write(&forged_file, forged.to_string()).expect("proposal");
	let forged =
		bob.err(&["deal", "publish", forged_file.to_str().expect("utf-8"), "--path", data]);
	assert!(forged.contains("signature does not match"), "{forged}");
	let stranger = alice.err(&["deal", "publish", proposal]);
	assert!(stranger.contains("only its owner or manager"), "{stranger}");

	// Bob, the provider, publishes it and commits the data as a sector, which activates the
	// deal; the sector is remembered for the daemon.
	let published = bob.ok(&["deal", "publish", proposal, "--path", data]);
	assert_eq!(published["published"][0]["deal"], deal.as_str());
	assert_eq!(published["rejected"].as_array().map(Vec::len), Some(0));
	let committed = &published["committed"][0];
	assert_eq!((committed["sector"].as_u64(), committed["chunks"].as_u64()), (Some(0), Some(101)));
	assert_eq!(committed["deal"], deal.as_str());
	let first = committed["firstChallenge"].as_u64().expect("an epoch");
	assert_eq!(charlie.ok(&["deal", "show", &deal])["status"], "active");
	assert_eq!(charlie.ok(&["deal", "list"]).as_array().map(Vec::len), Some(1));
	assert_eq!(bob.ok(&["deal", "list", "--device", &device_id])[0]["deal"], deal.as_str());
	let again = bob.err(&["deal", "publish", proposal]);
	assert!(again.contains("published already"), "{again}");

	// The daemon answers the sector's first challenge: the deal pays Bob the epoch's price
	// less the 20 % fee, burned.
	let proved = bob.ok(&["daemon", "--rounds", "1"]);
	assert_eq!((proved["accepted"].as_u64(), proved["rejected"].as_u64()), (Some(1), Some(0)));
	assert_eq!(proved["dealsPaid"], "1262500000000");
	// Its points are the epoch's fee (a fifth of the price), a point a micro-DPN.
	assert_eq!(proved["points"].as_u64(), Some(1_262_500_000_000 / 4 / 1_000_000));

	// When the epoch ends the device's reward becomes claimable; Bob claims it.
	wait_until(&node, "a claimable reward", || {
		let receipts = bob.ok(&["rewards", &device.to_string()]);
		receipts.as_array().is_some_and(|r| {
			r.iter().any(|x| {
				x["epoch"].as_u64() == Some(first)
					&& x["status"].as_str().is_some_and(|s| s.starts_with("claimable"))
			})
		})
	});
	let status = bob.ok(&["status"]);
	let claimable: u128 =
		status["devices"][0]["claimable"].as_str().and_then(|c| c.parse().ok()).expect("a balance");
	assert!(claimable > 0);
	let claimed = bob.ok(&["claim"]);
	assert_eq!(claimed["total"].as_str().and_then(|t| t.parse::<u128>().ok()), Some(claimable));
	assert_eq!(claimed["claimed"][0]["device"].as_u64(), Some(device));
	assert_eq!(bob.ok(&["claim"])["total"], "0");
	let receipts = bob.ok(&["rewards", &device.to_string()]);
	assert!(receipts.as_array().is_some_and(|r| r.iter().any(|x| x["status"] == "claimed")));

	// A key that is not in the keystore, and a suspended device: the CLI says so.
	let unknown = bob.err(&[
		"register",
		"--key",
		"nope",
		"--kind",
		"coverage",
		"--location",
		"8c1f1d48945d9ff",
	]);
	assert!(unknown.contains("no key named `nope`"), "{unknown}");
	suspend(&node, device);
	assert_eq!(bob.ok(&["status"])["devices"][0]["status"], "suspended");
	let commit = bob.err(&["storage", "commit", "--device", &device.to_string(), data]);
	assert!(commit.contains(&format!("device {device} is suspended")), "{commit}");
	let daemon = bob.err(&["daemon", "--rounds", "1"]);
	assert!(daemon.contains("none of the devices"), "{daemon}");

	// Only the deal's parties end it; the client does, at the cost of its collateral (unless
	// its missed epochs ended it first).
	let outsider = alice.err(&["deal", "terminate", &deal]);
	assert!(outsider.contains("only its client"), "{outsider}");
	let ended = charlie.ok(&["deal", "terminate", &deal]);
	assert!(
		["clientTerminated", "faulted"].contains(&ended["ended"]["reason"].as_str().unwrap_or("")),
		"{ended}"
	);

	// A paid compute job on the dev chain's compute box (device 2, Alice's): Bob is the
	// consumer, Alice the provider with the device key in her keystore.
	let alice_home = tempfile::tempdir().expect("home");
	let alice = Provider { node: &node, home: alice_home.path().to_path_buf(), suri: "//Alice" };
	alice.ok(&[
		"keys",
		"import",
		"--name",
		"nairobi",
		"--scheme",
		"ecdsa",
		"--secret",
		"//depin-dev-compute",
	]);
	let price =
		bob.err(&["compute", "job", "open", "--device", "2", "--units", "10", "--price", "1.2.3"]);
	assert!(price.contains("not an amount of DPN"), "{price}");
	let wrong_kind =
		bob.err(&["compute", "job", "open", "--device", "1", "--units", "10", "--price", "1"]);
	assert_eq!(wrong_kind.split(':').next(), Some("jobs.NotComputeDevice"), "{wrong_kind}");
	let opened =
		bob.ok(&["compute", "job", "open", "--device", "2", "--units", "10", "--price", "0.5"]);
	let job = opened["job"].as_u64().expect("a job id").to_string();
	assert_eq!(opened["held"], "5000000000000");
	assert_eq!(bob.ok(&["compute", "job", "show", &job])["status"], "open");

	// Only the consumer signs, and only what the job allows.
	let not_mine = alice.err(&["compute", "job", "sign", &job, "--units", "4"]);
	assert!(not_mine.contains("only its consumer"), "{not_mine}");
	let too_many = bob.err(&["compute", "job", "sign", &job, "--units", "11"]);
	assert!(too_many.contains("1 to 10 units"), "{too_many}");
	let receipt = bob.ok(&["compute", "job", "sign", &job, "--units", "4"]);
	let file = home.path().join("receipt.json");
	std::fs::write(&file, receipt.to_string()).expect("receipt");
	let file = file.to_str().expect("utf-8 path");

	// A receipt changed after signing is refused before it costs a transaction; a provider
	// without the device key cannot co-sign.
	let mut forged = receipt.clone();
	forged["units"] = serde_json::json!(9);
	let forged_file = home.path().join("forged.json");
	std::fs::write(&forged_file, forged.to_string()).expect("receipt");
	let forged = alice.err(&["compute", "job", "submit", forged_file.to_str().expect("utf-8")]);
	assert!(forged.contains("signature does not match"), "{forged}");
	let keyless = bob.err(&["compute", "job", "submit", file]);
	assert!(keyless.contains("is not in the keystore"), "{keyless}");

	// Co-signed and accepted: 4 units at 0.5 DPN, payable after the dispute window.
	let accepted = alice.ok(&["compute", "job", "submit", file]);
	assert_eq!(
		(accepted["units"].as_u64(), accepted["amount"].as_str()),
		(Some(4), Some("2000000000000"))
	);
	let again = alice.err(&["compute", "job", "submit", file]);
	assert!(again.contains("already has a receipt"), "{again}");
	let early = alice.err(&["compute", "job", "release", &job]);
	assert!(early.starts_with("jobs.DisputeWindowOpen"), "{early}");

	// A job without a receipt is cancelled only after its timeout.
	let other =
		bob.ok(&["compute", "job", "open", "--device", "2", "--units", "1", "--price", "1"]);
	let other = other["job"].as_u64().expect("a job id").to_string();
	let cancel = bob.err(&["compute", "job", "cancel", &other]);
	assert!(cancel.starts_with("jobs.TooEarly"), "{cancel}");
	assert!(alice.err(&["compute", "job", "dispute", &other]).starts_with("jobs."));

	// Root shortens the dispute window (a governed parameter) to two blocks; the receipt is
	// then released: Alice is paid 2 DPN, Bob gets the other 3 back.
	set_dispute_window(&node, 2);
	let mut settled = Value::Null;
	wait_until(&node, "the dispute window to pass", || {
		let out = alice.run(&["compute", "job", "release", &job]);
		let stdout = String::from_utf8_lossy(&out.stdout);
		settled =
			serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_default();
		out.status.success()
	});
	// Of the 2 DPN billed a fifth is the protocol fee, burned: 0.4 DPN, a compute point a
	// micro-DPN of it (and the most those points are paid).
	assert_eq!(
		(settled["paid"].as_str(), settled["fee"].as_str(), settled["refunded"].as_str()),
		(Some("1600000000000"), Some("400000000000"), Some("3000000000000"))
	);
	assert_eq!(settled["points"].as_u64(), Some(400_000));
	let show = bob.err(&["compute", "job", "show", &job]);
	assert!(show.contains(&format!("there is no job {job}")), "{show}");
}

/// Set `compute.DisputeWindow` through sudo (Alice on the dev chain), as a root referendum
/// would.
fn set_dispute_window(node: &Node, blocks: u32) {
	use depin_provider::depin::runtime_types::{
		depin_runtime::configs::parameters::{dynamic_params::compute, RuntimeParameters},
		pallet_parameters::pallet::Call as ParametersCall,
	};
	let key_value = RuntimeParameters::Compute(compute::Parameters::DisputeWindow(
		compute::DisputeWindow,
		Some(blocks),
	));
	sudo(
		node,
		depin_provider::depin::Call::Parameters(ParametersCall::set_parameter { key_value }),
	);
}

/// Suspend a device through sudo (Alice on the dev chain), as governance or the fault rule
/// would.
fn suspend(node: &Node, device: u64) {
	use depin_provider::depin::{runtime_types::pallet_devices::pallet::Call as DevicesCall, Call};
	sudo(node, Call::Devices(DevicesCall::suspend { device }));
}

/// Dispatch `call` as root through sudo (Alice on the dev chain); panics unless it succeeds.
fn sudo(node: &Node, call: depin_provider::depin::Call) {
	use depin_provider::depin;
	let runtime = tokio::runtime::Runtime::new().expect("tokio");
	runtime
		.block_on(async {
			let chain = depin_provider::chain::Chain::connect(&node.url).await?;
			let included = chain
				.submit(&depin::tx().sudo().sudo(call), &subxt_signer::sr25519::dev::alice())
				.await?;
			included
				.events
				.find_first::<depin::sudo::events::Sudid>()
				.ok_or_else(|| anyhow::anyhow!("no Sudid event"))??
				.sudo_result
				.map_err(|e| anyhow::anyhow!("sudo failed: {e:?}"))
		})
		.unwrap_or_else(|e| node.fail(&format!("a root call failed: {e}")));
}

#[test]
fn the_simulator_keeps_honest_and_cheating_devices_proving() {
	let node = Node::start();
	let home = tempfile::tempdir().expect("home");
	let alice = Provider { node: &node, home: home.path().to_path_buf(), suri: "//Alice" };
	wait_until(&node, "the node's RPC", || alice.run(&["status"]).status.success());
	// Nine devices: three storage (one cheating), three coverage hotspots (one witnessing
	// falsely), three compute (one skipping half its work), and four weather stations (with a
	// broken and a lying one: `--stations` is 0 by default); four epoch ends: the set-up
	// epoch(s), then challenged and drawn ones.
	// Every adversary plays next to them, each with an account of its own.
	let out = alice.run(&[
		"simulate",
		"--devices",
		"9",
		"--cheaters",
		"0.34",
		"--epochs",
		"4",
		"--adversary",
		"all",
		"--stations",
		"4",
	]);
	let stdout = String::from_utf8_lossy(&out.stdout);
	if !out.status.success() {
		node.fail(&format!("simulate failed: {stdout}{}", String::from_utf8_lossy(&out.stderr)));
	}
	let lines: Vec<Value> =
		stdout.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
	let started = lines.iter().find(|l| l["event"] == "started").expect("started");
	assert_eq!(
		(started["devices"].as_u64(), started["storage"].as_u64(), started["cheating"].as_u64()),
		(Some(9), Some(3), Some(1))
	);
	assert_eq!((started["hotspots"].as_u64(), started["lying"].as_u64()), (Some(3), Some(1)));
	let epochs: Vec<&Value> = lines.iter().filter(|l| l["event"] == "epoch").collect();
	assert_eq!(epochs.len(), 4);
	// Proofs count for the epoch they answered: none before the sectors are challenged.
	let committed = lines.iter().find(|l| l["event"] == "committed").expect("committed");
	let first = committed["firstChallenge"].as_u64().expect("the first challenged epoch");
	for epoch in epochs.iter().filter(|e| e["epoch"].as_u64() < Some(first)) {
		assert_eq!(epoch["accepted"], 0, "{stdout}");
	}
	let sum = |field: &str| epochs.iter().filter_map(|e| e[field].as_u64()).sum::<u64>();
	assert!(sum("accepted") >= 1, "the honest devices proved: {stdout}");
	// Every storage device keeps its sector under a deal: the honest ones' are paid, the
	// cheater's misses are settled and cost it collateral.
	assert_eq!(started["deals"].as_u64(), Some(3), "{stdout}");
	let paid: u128 = epochs
		.iter()
		.filter_map(|e| e["deals"]["paid"].as_str().and_then(|p| p.parse::<u128>().ok()))
		.sum();
	assert!(paid > 0, "the honest devices' deals paid: {stdout}");
	let missed: u64 = epochs.iter().filter_map(|e| e["deals"]["missed"].as_u64()).sum();
	assert!(missed >= 1, "the cheater's deal missed epochs: {stdout}");
	assert!(sum("rejected") >= 1, "the cheater was caught: {stdout}");
	// Its missed epochs are recorded, and at the third in a row it is suspended.
	assert!(sum("faults") >= 1, "{stdout}");
	let last = epochs.last().expect("epochs");
	// (The lazy compute device, caught faking work, is suspended too: see below.)
	assert!(last["faults"].as_u64().is_some_and(|f| f >= 1) || last["suspended"] == 2, "{stdout}");
	// Coverage, end to end on the node: drawn hotspots beaconed, honest witnesses counted and
	// earned points, the liar's receipts rejected with the chain's reasons.
	let coverage =
		|field: &str| epochs.iter().filter_map(|e| e["coverage"][field].as_u64()).sum::<u64>();
	assert!(coverage("beacons") >= 1, "hotspots beaconed: {stdout}");
	assert!(coverage("confirmed") >= 1 && coverage("witnesses") >= 1, "witnessed: {stdout}");
	assert!(coverage("points") >= 1, "coverage points: {stdout}");
	let reasons: Vec<String> = epochs
		.iter()
		.filter_map(|e| e["coverage"]["rejected"].as_object())
		.flat_map(|r| r.keys().cloned())
		.collect();
	assert!(
		reasons
			.iter()
			.any(|r| ["LocationMismatch", "ImplausibleSignal", "NotFresh"].contains(&r.as_str())),
		"the lying hotspot's receipts were rejected with their reasons: {stdout}"
	);
	// Across blocks: the liar read recorded beacons on chain and, once their receipt window
	// had closed, claimed to have heard them; refused.
	assert!(
		reasons.iter().any(|r| r == "TooLate"),
		"late receipts for a recorded beacon were refused: {stdout}"
	);
	// Compute, end to end: the honest devices ran 8.4 million sequential hashes (16 units) in
	// each epoch that audited them (every epoch on the dev chain),
	// committed and revealed the sampled segments, which the runtime recomputed; the lazy one
	// ran half and made up the rest, and a sample landed in the made-up half.
	assert_eq!((started["compute"].as_u64(), started["lazy"].as_u64()), (Some(3), Some(1)));
	let compute =
		|field: &str| epochs.iter().filter_map(|e| e["compute"][field].as_u64()).sum::<u64>();
	assert!(compute("committed") >= 3, "workloads committed: {stdout}");
	assert!(compute("proven") >= 2, "workloads proven: {stdout}");
	// An audit earns nothing; the consumer's paid jobs do: a job of 1 DPN burns 0.2 DPN,
	// 200,000 compute points.
	let jobs = |field: &str| {
		epochs.iter().filter_map(|e| e["compute"]["jobs"][field].as_u64()).sum::<u64>()
	};
	assert!(jobs("opened") >= 3 && jobs("settled") >= 2, "jobs bought and paid: {stdout}");
	assert_eq!(
		compute("points"),
		jobs("settled") * 200_000,
		"a job's points are its fee: {stdout}"
	);
	let count = |field: &str| -> usize {
		epochs.iter().filter_map(|e| e["compute"][field].as_array()).map(Vec::len).sum()
	};
	// The lazy device sees from the public sample that revealing would give it away and keeps
	// quiet (a reveal that would pass, it makes, and is caught by a later sample): once, then the
	// chain punishes the unrevealed commitment as a caught fake and suspends it.
	assert_eq!(
		count("faked") + count("withheld"),
		1,
		"the lazy device was caught or kept quiet once, then suspended: {stdout}"
	);
	let summary = lines.last().expect("a summary");
	assert_eq!(
		summary["devices"],
		serde_json::json!({ "storage": 3, "coverage": 3, "compute": 3 })
	);

	// Weather stations (four honest ones of four owners, a broken and a lying one, each with
	// an owner of its own), whose first readings are due two minutes after their enrolment:
	// attested from the second or third epoch, audited the next. The broken one's summary is
	// out of the schema's range, rejected every epoch; the honest ones agree with their
	// neighbours on every field, the liar (4 °C warmer) on two of three; the buyer pays for
	// each.
	assert_eq!(
		summary["sensors"],
		serde_json::json!({ "honest": 4, "broken": 1, "lying": 1, "faking": 1, "meters": 2 })
	);
	let sensors =
		|field: &str| epochs.iter().filter_map(|e| e["sensors"][field].as_u64()).sum::<u64>();
	let quality = |key: &str| {
		epochs.iter().filter_map(|e| e["sensors"]["quality"][key].as_u64()).sum::<u64>()
	};
	assert!(sensors("attested") >= 5, "the stations attested: {stdout}");
	assert!(
		epochs.iter().any(|e| e["sensors"]["rejected"]["Sensors.OutOfRange"].as_u64() >= Some(1)),
		"the broken station was rejected: {stdout}"
	);
	assert!(quality("3/3 fields") >= 4 && quality("2/3 fields") >= 1, "audited: {stdout}");
	assert!(sensors("sold") >= 5, "the buyer paid: {stdout}");
	// The faking station's first audit revealed readings above its attested maximum.
	assert_eq!(sensors("faked"), 1, "the faker was caught: {stdout}");
	// The meters' owners traded; the meters have no neighbours to be scored against.
	assert!(lines.iter().any(|l| l["event"] == "tradeAccepted"), "{stdout}");
	// The simulator plays the dev maker: its seven weather stations (four honest, the broken,
	// the lying and the faking one) were certified before they enrolled; the meters need none.
	let stations = lines.iter().find(|l| l["event"] == "stations").expect("the stations");
	assert_eq!(stations["certified"].as_u64(), Some(7), "{stations}");
	// No round failed: the owner's (storage, coverage), the compute relayer's nor the weather
	// stations' (tasks of their own).
	assert!(
		!lines.iter().any(|l| ["roundFailed", "computeError", "sensorError"]
			.contains(&l["event"].as_str().unwrap_or_default())),
		"no round failed: {stdout}"
	);
	// The adversaries, by their books: every one spent more than it earned.
	assert!(
		!lines.iter().any(|l| l["event"] == "adversaryError"),
		"no adversary's transaction failed: {stdout}"
	);
	let books: Vec<&Value> = summary["adversaries"].as_array().expect("books").iter().collect();
	let of = |strategy: &str| -> &Value {
		books.iter().find(|b| b["strategy"] == strategy).unwrap_or_else(|| {
			panic!("the {strategy} adversary's books: {stdout}");
		})
	};
	let planck = |v: &Value, field: &str| -> u128 {
		v[field].as_str().and_then(|x| x.parse().ok()).expect("an amount")
	};
	for strategy in [
		"self-deal",
		"storage-regenerate",
		"storage-duplicate",
		"self-job",
		"compute-sybil",
		"fault-dodge",
		"relay-grief",
		"witness-ring",
		"location-spoof",
		"sensor-lie",
		"sensor-copy",
	] {
		let b = of(strategy);
		assert!(planck(b, "spent") > 0, "{strategy} paid its way: {b}");
		assert!(planck(b, "earned") < planck(b, "spent"), "{strategy} lost money: {b}");
	}
	// The self-dealers were paid from the pools: at most their fees, so less than they spent.
	assert!(planck(of("self-deal"), "earned") > 0, "{stdout}");
	assert!(planck(of("self-job"), "earned") > 0, "{stdout}");
	assert_eq!(of("self-deal")["bytesStored"].as_u64(), Some(64 * 1024), "{stdout}");
	// Data nobody pays for is proven and earns nothing: regenerated from a seed and the top of
	// its tree (a few hundred bytes kept for 64 KiB), or one copy, which the chain takes as one
	// sector only (the same root on two more devices is refused).
	for (strategy, refused) in [("storage-regenerate", 0), ("storage-duplicate", 2)] {
		let b = of(strategy);
		assert!(b["proofs"].as_u64() >= Some(1), "the chain took its proofs: {b}");
		assert_eq!(b["refusedItems"].as_u64(), Some(refused), "{b}");
		assert_eq!(planck(b, "earned"), 0, "{b}");
	}
	assert!(
		lines
			.iter()
			.any(|l| l["event"] == "duplicateRefused" && l["error"] == "proofs.DuplicateRoot"),
		"{stdout}"
	);
	assert!(
		of("storage-regenerate")["bytesStored"].as_u64().is_some_and(|b| b > 0 && b < 1024),
		"{stdout}"
	);
	assert_eq!(of("storage-duplicate")["bytesStored"].as_u64(), Some(64 * 1024), "{stdout}");
	// The fault dodger faked a workload, kept quiet once the sample would catch it, and tried
	// to leave: `withdraw` was refused while its challenge was open, and retiring the device
	// punished the unrevealed commitment at once (its later ways out are punished at their
	// deadlines).
	let dodge = of("fault-dodge");
	assert_eq!(planck(dodge, "earned"), 0, "{stdout}");
	assert!(dodge["escapesTried"].as_u64() >= Some(1), "{stdout}");
	assert!(dodge["slashes"].as_u64() >= Some(1), "{stdout}");
	let leave = &dodge["escapes"][0];
	assert_eq!(leave["route"], "withdraw, then deregister", "{stdout}");
	assert_eq!(leave["steps"][0]["answer"], "refused (compute.ChallengeOpen)", "{stdout}");
	assert!(
		leave["steps"][1]["answer"]
			.as_str()
			.is_some_and(|a| a.starts_with("done, the commitment punished at once (WorkUnrevealed")),
		"{stdout}"
	);
	assert!(planck(leave, "slashed") > 0, "{stdout}");
	// The sybil passed audits and earned nothing; the griefer's items were all refused.
	assert!(of("compute-sybil")["audits"].as_u64() >= Some(1), "{stdout}");
	assert_eq!(planck(of("compute-sybil"), "earned"), 0, "{stdout}");
	assert!(of("relay-grief")["refusedItems"].as_u64() >= Some(16), "{stdout}");
	assert_eq!(planck(of("relay-grief"), "earned"), 0, "{stdout}");
	// The ring arrived among vouched hotspots: on probation, none of its beacons or receipts
	// earned, while the honest hotspots kept theirs.
	// So did the hotspot claiming to stand among them, witnessing beacons it read on chain.
	for strategy in ["witness-ring", "location-spoof"] {
		assert_eq!(planck(of(strategy), "earned"), 0, "{stdout}");
		assert!(planck(of(strategy), "locked") > 0, "its deposits: {stdout}");
	}
	// The sensor adversaries' stations stand among the honest ones (their registration
	// deposits held), without a maker's certificate of their keys: the dev chain takes weather
	// stations certified by a trusted maker only, so each enrolment is refused and nothing is
	// attested, sold or earned.
	for (strategy, stations) in [("sensor-lie", 1), ("sensor-copy", 3)] {
		let b = of(strategy);
		assert!(planck(b, "locked") > 0, "its deposits: {b}");
		assert_eq!(b["refusedItems"].as_u64(), Some(stations), "{b}");
		assert_eq!(b["sensors"]["attested"].as_u64(), Some(0), "{b}");
		assert_eq!(planck(b, "earned"), 0, "{b}");
	}
	assert!(
		lines
			.iter()
			.any(|l| l["event"] == "enrolmentRefused" && l["error"] == "sensors.NotCertified"),
		"{stdout}"
	);
	let devices = |strategy: &str| {
		lines
			.iter()
			.find(|l| l["event"] == "adversary" && l["strategy"] == strategy)
			.and_then(|l| l["devices"].as_array().map(Vec::len))
	};
	assert_eq!((devices("sensor-lie"), devices("sensor-copy")), (Some(1), Some(3)), "{stdout}");
}

/// A provider's process serving over HTTP at `url` (a daemon proving and serving its sectors,
/// or `sensor serve`) until it is dropped.
struct Server {
	child: std::process::Child,
	url: String,
}

impl Drop for Server {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

impl Provider<'_> {
	fn daemon(&self) -> Server {
		let port = free_port();
		let log = std::fs::File::create(self.home.join("daemon.log")).expect("log");
		let child = Command::new(CLI)
			.args(["--url", &self.node.url, "--suri", self.suri, "--json", "--home"])
			.arg(&self.home)
			.args(["daemon", "--serve", &format!("127.0.0.1:{port}")])
			.stdin(Stdio::null())
			.stdout(log)
			.stderr(Stdio::null())
			.spawn()
			.expect("the daemon starts");
		let url = format!("http://127.0.0.1:{port}");
		wait_until(self.node, "the daemon's retrieval port", || {
			std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
		});
		Server { child, url }
	}
}

#[test]
fn a_client_stores_a_file_on_five_providers_and_gets_it_back_from_three() {
	let node = Node::start();
	let dir = tempfile::tempdir().expect("dir");
	let homes: Vec<PathBuf> = (0..5).map(|i| dir.path().join(format!("provider-{i}"))).collect();
	let providers: Vec<Provider> = ["//Bob", "//Dave", "//Eve", "//Ferdie", "//Alice"]
		.iter()
		.zip(&homes)
		.map(|(suri, home)| Provider { node: &node, home: home.clone(), suri })
		.collect();
	let charlie = Provider { node: &node, home: dir.path().join("client"), suri: "//Charlie" };
	wait_until(&node, "the node's RPC", || charlie.run(&["status"]).status.success());

	// Five storage devices, one per provider.
	let mut devices = Vec::new();
	for (i, provider) in providers.iter().enumerate() {
		provider.ok(&["keys", "generate", "--name", "box"]);
		let registered = provider.ok(&[
			"register",
			"--key",
			"box",
			"--kind",
			"storage",
			"--location",
			"8c1f1d48945d9ff",
			"--capacity",
			"16777216",
			"--serial",
			&format!("SN-{i}"),
		]);
		devices.push(registered["registered"][0]["device"].as_u64().expect("a device id"));
	}
	let list = devices.iter().map(u64::to_string).collect::<Vec<_>>().join(",");

	// A 5 MiB file, erasure-coded 3-of-5 (encrypted first), one deal per shard and device,
	// at 1,024 DPN a GiB-epoch (about 0.67 DPN an epoch for a shard of 1.67 MiB), for ten
	// epochs.
	let file = dir.path().join("photos.tar");
	let bytes: Vec<u8> =
		(0..5 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
	std::fs::write(&file, &bytes).expect("file");
	let file = file.to_str().expect("utf-8 path");
	let deals_dir = dir.path().join("deals");
	let deals_dir_text = deals_dir.to_str().expect("utf-8 path");
	let terms = [
		"--price-per-gib",
		"1024000000000000",
		"--duration",
		"10",
		"--provider-collateral",
		"5000000000000",
	];
	// Bad input first: too few providers for the code, one listed twice, a bad code.
	let few = charlie.err(
		&[
			&["deal", "propose", file, "--providers", "1,2", "--erasure", "3-of-5", "--out"][..],
			&[deals_dir_text],
			&terms[..],
		]
		.concat(),
	);
	assert!(few.contains("3-of-5 makes 5 shards"), "{few}");
	let twice = format!("{},{},{}", devices[0], devices[0], devices[1]);
	let twice =
		charlie.err(&["deal", "propose", file, "--providers", &twice, "--out", deals_dir_text]);
	assert!(twice.contains("lists a device twice"), "{twice}");
	let code = charlie.err(&[
		"deal",
		"propose",
		file,
		"--providers",
		&list,
		"--erasure",
		"5-of-3",
		"--out",
		deals_dir_text,
	]);
	assert!(code.contains("more shards to restore than there are"), "{code}");
	assert!(!deals_dir.exists(), "a refused proposal writes nothing");

	let stored = charlie.ok(&[
		&["deal", "propose", file, "--providers", &list, "--erasure", "3-of-5", "--out"][..],
		&[deals_dir_text],
		&terms[..],
	]
	.concat());
	let deals = stored["deals"].as_array().expect("deals").clone();
	assert_eq!(deals.len(), 5);
	let mut roots: Vec<&str> = deals.iter().filter_map(|d| d["root"].as_str()).collect();
	roots.sort_unstable();
	roots.dedup();
	assert_eq!(roots.len(), 5, "five shards, five roots");
	let shard_bytes = stored["shardBytes"].as_u64().expect("shard bytes");
	assert_eq!(shard_bytes, 1_748_992, "5 MiB and 80 tags of 16 bytes over 3 shards, whole KiB");
	let manifest = deals_dir.join("manifest.json");
	let mode = std::os::unix::fs::PermissionsExt::mode(
		&std::fs::metadata(&manifest).expect("manifest").permissions(),
	);
	assert_eq!(mode & 0o777, 0o600, "the manifest holds the key");
	// The shards are ciphertext: the file's bytes are in none of them.
	let shard0 = std::fs::read(deals_dir.join("shard-0.bin")).expect("shard");
	assert_ne!(&shard0[..4096], &bytes[..4096]);

	// (Before any shard's sector is committed: a sector waiting for its daemon misses epochs.)
	// A permanent deal: Charlie pays once for a 64 KiB file kept for as long as its endowment
	// lasts, meant first for Alice's device; at 16,384,000,000 planck a GiB-epoch the replica
	// costs 1,000,000 planck an epoch in its first year, so a tranche's provider stakes at least
	// a year of that (525,960 one-minute epochs on the dev chain).
	let archive = dir.path().join("archive.bin");
	let archive_bytes: Vec<u8> =
		(0..64 * 1024u32).map(|i| (i.wrapping_mul(97) >> 3) as u8).collect();
	std::fs::write(&archive, &archive_bytes).expect("file");
	let archive = archive.to_str().expect("utf-8 path");
	let alice_device = devices[4].to_string();
	let permanent_terms = ["--permanent", "--price-per-gib", "16384000000"];
	let cheap = charlie.err(
		&[
			&["deal", "propose", archive, "--device", &alice_device][..],
			&permanent_terms[..],
			&["--provider-collateral", "1000"][..],
		]
		.concat(),
	);
	assert!(cheap.contains("below a year of the dearest replica's first-year price"), "{cheap}");
	assert!(cheap.contains("525960000000 planck"), "{cheap}");
	let endowed = charlie.ok(&[
		&["deal", "propose", archive, "--device", &alice_device][..],
		&permanent_terms[..],
		&["--provider-collateral", "1000000000000"][..],
	]
	.concat());
	let permanent = endowed["permanent"].as_u64().expect("a permanent deal").to_string();
	let endowment: u128 =
		endowed["endowment"].as_str().and_then(|e| e.parse().ok()).expect("an endowment");
	// The same data again: its root is bound to the replica.
	let again = charlie.err(
		&[
			&["deal", "propose", archive, "--device", &alice_device][..],
			&permanent_terms[..],
			&["--provider-collateral", "1000000000000"][..],
		]
		.concat(),
	);
	assert!(again.contains(&format!("replica 0 of permanent deal {permanent} already")), "{again}");
	let opened = charlie.ok(&["deal", "show", &permanent]);
	assert_eq!(opened["replicas"][0]["state"], "open");
	assert_eq!(opened["replicas"][0]["reservedFor"], devices[4]);
	assert_eq!(opened["replicas"][0]["left"], endowment.to_string());
	let charlie_address = opened["client"].as_str().expect("the client").to_string();
	let missing = charlie.err(&["deal", "show", "999"]);
	assert!(missing.contains("there is no permanent deal 999"), "{missing}");
	// Reserved for Alice's device: Bob's is refused, and so is data that is not the replica.
	let reserved =
		providers[0].err(&["deal", "take", &permanent, "--device", &devices[0].to_string()]);
	assert!(reserved.contains(&format!("reserved for device {}", devices[4])), "{reserved}");
	let wrong =
		providers[4].err(&["deal", "take", &permanent, "--device", &alice_device, "--path", file]);
	assert!(wrong.contains("is not replica 0"), "{wrong}");
	// Alice takes it (the endowment pays a tranche, published now); her sector of the data,
	// committed just before her daemon starts, activates it.
	let taken = providers[4].ok(&["deal", "take", &permanent, "--device", &alice_device]);
	let tranche = taken["tranche"].as_str().expect("a tranche").to_string();
	let payment: u128 = taken["payment"].as_str().and_then(|p| p.parse().ok()).expect("a payment");
	assert_eq!(payment, 1_000_000 * u128::from(taken["epochs"].as_u64().expect("epochs")));
	assert!(taken["committed"].is_null(), "{taken}");
	let shown = charlie.ok(&["deal", "show", &permanent]);
	assert_eq!(shown["replicas"][0]["state"], "dealt");
	assert_eq!(shown["replicas"][0]["tranche"], tranche.as_str());
	assert_eq!(shown["replicas"][0]["left"], (endowment - payment).to_string());
	let busy = providers[0].err(&["deal", "take", &permanent, "--device", &devices[0].to_string()]);
	assert!(busy.contains("is kept already"), "{busy}");
	// Shards endowed as one permanent deal, a replica each, meant first for their devices.
	let kept = dir.path().join("kept");
	let three = format!("{},{},{}", devices[2], devices[3], devices[4]);
	let stored_permanently = charlie.ok(&[
		&["deal", "propose", archive, "--providers", &three, "--out"][..],
		&[kept.to_str().expect("utf-8")],
		&permanent_terms[..],
		&["--provider-collateral", "1000000000000"][..],
	]
	.concat());
	let second = stored_permanently["permanent"].as_u64().expect("a permanent deal");
	let shown = charlie.ok(&["deal", "show", &second.to_string()]);
	let reserved_for: Vec<u64> = shown["replicas"]
		.as_array()
		.expect("replicas")
		.iter()
		.filter_map(|r| r["reservedFor"].as_u64())
		.collect();
	assert_eq!(reserved_for, [devices[2], devices[3], devices[4]]);
	let kept_manifest: Value =
		serde_json::from_slice(&std::fs::read(kept.join("manifest.json")).expect("manifest"))
			.expect("JSON");
	assert_eq!(kept_manifest["shards"][1]["permanent"], format!("{second}/1"));

	// Each provider publishes its shard's deal and commits the shard, which activates it, and
	// starts its daemon at once, which proves each epoch and serves the shard: a committed
	// sector waiting for its daemon misses epochs (three in a row suspend the device), and five
	// publications take several epochs on a loaded machine. Alice also commits the replica's
	// data first, which activates the tranche.
	let mut daemons: Vec<Option<Server>> = Vec::new();
	for (i, provider) in providers.iter().enumerate() {
		if i == 4 {
			let committed = provider.ok(&["storage", "commit", "--device", &alice_device, archive]);
			assert_eq!(committed["deal"].as_str(), Some(tranche.as_str()), "{committed}");
		}
		let proposal = deals_dir.join(format!("shard-{i}.proposal.json"));
		let shard = deals_dir.join(format!("shard-{i}.bin"));
		let published = provider.ok(&[
			"deal",
			"publish",
			proposal.to_str().expect("utf-8"),
			"--path",
			shard.to_str().expect("utf-8"),
		]);
		assert_eq!(published["published"][0]["deal"], deals[i]["deal"]);
		daemons.push(Some(provider.daemon()));
	}
	// The same shard again, to the device that has it: refused, its root is taken there.
	let duplicate = charlie.err(&[
		"deal",
		"propose",
		deals_dir.join("shard-0.bin").to_str().expect("utf-8"),
		"--device",
		&devices[0].to_string(),
	]);
	assert!(duplicate.contains("already in deal"), "{duplicate}");
	// And to another provider's device: the chain keeps a root once, whichever device holds
	// it, so one stored copy cannot back two deals.
	let copy = dir.path().join("copy.proposal.json");
	let shard0 = deals_dir.join("shard-0.bin");
	let shard0 = shard0.to_str().expect("utf-8");
	charlie.ok(&[
		"deal",
		"propose",
		shard0,
		"--device",
		&devices[1].to_string(),
		"--out",
		copy.to_str().expect("utf-8"),
	]);
	let refused =
		providers[1].err(&["deal", "publish", copy.to_str().expect("utf-8"), "--path", shard0]);
	assert!(refused.contains("Proofs.DuplicateRoot"), "{refused}");

	let urls: Vec<String> = daemons.iter().flatten().map(|d| d.url.clone()).collect();
	let deal_ids: Vec<String> =
		deals.iter().map(|d| d["deal"].as_str().expect("a deal").to_string()).collect();
	let show = |i: usize| charlie.ok(&["deal", "show", &deal_ids[i]]);
	let mut last = String::new();
	wait_until(&node, "every deal and the tranche paid for a proven epoch", || {
		let mut paid: Vec<u64> = (0..5).map(|i| show(i)["paid"].as_u64().unwrap_or(0)).collect();
		paid.push(charlie.ok(&["deal", "show", &tranche])["paid"].as_u64().unwrap_or(0));
		// What the daemons last said, printed when it changes (shown if the wait fails).
		let said: Vec<String> = homes
			.iter()
			.map(|h| {
				let log = std::fs::read_to_string(h.join("daemon.log")).unwrap_or_default();
				log.lines().last().unwrap_or_default().to_string()
			})
			.collect();
		let now = format!("paid {paid:?}; daemons: {said:#?}");
		if now != last {
			eprintln!("{now}");
			last = now;
		}
		paid.iter().all(|p| *p >= 1)
	});
	// The tranche is an ordinary deal whose client is the endowment pot, paid at the replica's
	// first-year price.
	let paid_tranche = charlie.ok(&["deal", "show", &tranche]);
	assert_eq!(paid_tranche["epochPrice"], "1000000");
	assert_ne!(paid_tranche["client"].as_str(), Some(charlie_address.as_str()));
	// Each deal's proven epochs are paid at exactly its price: 1,024 DPN a GiB for the
	// shard's 1,708 KiB, rounded up to the planck.
	let epoch_price: u128 =
		show(0)["epochPrice"].as_str().and_then(|p| p.parse().ok()).expect("price");
	assert_eq!(
		epoch_price,
		(1_024_000_000_000_000u128 * u128::from(shard_bytes)).div_ceil(1 << 30)
	);
	for i in 0..5 {
		let deal = show(i);
		assert_eq!(deal["epochPrice"].as_str(), Some(epoch_price.to_string().as_str()));
	}

	// Two providers stop (the two holding original shards, so retrieval must decode).
	daemons[0].take();
	daemons[1].take();

	// The client fetches from all five addresses: the two stopped ones do not answer, the
	// three others' shards verify against their roots and restore the exact bytes.
	let out = dir.path().join("restored.tar");
	let from: Vec<&str> = urls.iter().flat_map(|u| ["--from", u.as_str()]).collect();
	let manifest_text = manifest.to_str().expect("utf-8");
	let restored = charlie.ok(&[
		&["deal", "retrieve", manifest_text, "--out", out.to_str().expect("utf-8")][..],
		&from[..],
	]
	.concat());
	assert_eq!(std::fs::read(&out).expect("restored"), bytes, "byte for byte");
	let used: Vec<u64> = restored["shards"]
		.as_array()
		.expect("shards")
		.iter()
		.filter_map(|s| s["shard"].as_u64())
		.collect();
	assert_eq!(used, [2, 3, 4]);
	assert!(restored["failures"].as_array().is_some_and(|f| f.len() >= 2), "{restored}");

	// A provider whose data went bad is caught by the roots, and nothing unverified is
	// written: with one of the three corrupted, two shards are not enough.
	let shard2 = deals_dir.join("shard-2.bin");
	let mut corrupted = std::fs::read(&shard2).expect("shard");
	corrupted[1000] ^= 0xff;
	std::fs::write(&shard2, &corrupted).expect("shard");
	let again = dir.path().join("again.tar");
	let refused = charlie.err(
		&[
			&["deal", "retrieve", manifest_text, "--out", again.to_str().expect("utf-8")][..],
			&from[..],
		]
		.concat(),
	);
	assert!(refused.contains("do not hash to its root"), "{refused}");
	assert!(refused.contains("nothing written"), "{refused}");
	assert!(!again.exists());

	// The stopped providers miss their next epoch; settling the deal pays its client the
	// slice of provider collateral fixed at publication.
	let penalty: u128 =
		show(0)["missPenalty"].as_str().and_then(|p| p.parse().ok()).expect("a penalty");
	assert!(penalty > 0);
	wait_until(&node, "a missed epoch of a stopped provider", || {
		// Anyone may settle; it fails with NothingToSettle until an epoch is over.
		charlie.run(&["deal", "settle", &deal_ids[0]]);
		show(0)["missed"].as_u64().is_some_and(|m| m >= 1)
	});
	let deal = show(0);
	let missed = deal["missed"].as_u64().expect("missed") as u128;
	let left: u128 = deal["collateralLeft"].as_str().and_then(|c| c.parse().ok()).expect("left");
	assert_eq!(left, 5_000_000_000_000 - missed * penalty, "{deal}");
	// The running providers' deals stay active and paid. (Not necessarily without a miss: on
	// a loaded machine a daemon can answer an epoch late, which costs it that epoch.)
	for i in 2..5 {
		let deal = show(i);
		assert_eq!(deal["status"].as_str(), Some("active"), "{deal}");
		assert!(deal["paid"].as_u64().is_some_and(|p| p >= 1), "{deal}");
	}
}

impl Provider<'_> {
	fn serve_sensor(&self) -> Server {
		let port = free_port();
		let child = Command::new(CLI)
			.args(["--json", "--home"])
			.arg(&self.home)
			.args(["sensor", "serve", "--listen", &format!("127.0.0.1:{port}")])
			.stdin(Stdio::null())
			.stdout(Stdio::null())
			.stderr(Stdio::null())
			.spawn()
			.expect("the server starts");
		wait_until(self.node, "the sensor server's port", || {
			std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
		});
		Server { child, url: format!("http://127.0.0.1:{port}") }
	}
}

/// The dev chain's maker of weather stations' key (the runtime's `DEV_MAKER_SEED`).
const DEV_MAKER: &str = "//depin-dev-maker";

#[test]
fn four_owners_weather_stations_are_audited_paid_by_a_buyer_and_their_data_fetched_verified() {
	let node = Node::start();
	// A fleet operator keeps the four stations' and two energy meters' keys; each device has
	// an owner of its own (the chain scores a station against at least three neighbours of
	// other owners, and a trade is between two owners), who registers and enrolls it.
	let home = tempfile::tempdir().expect("home");
	// (owner, key, cell number, schema): Ferdie's meter has panels and sells to Eve's.
	let plan = [
		("//Alice", "station-0", 0, "0"),
		("//Bob", "station-1", 1, "0"),
		("//Charlie", "station-2", 2, "0"),
		("//Dave", "station-3", 3, "0"),
		("//Ferdie", "meter-0", 48, "1"),
		("//Eve", "meter-1", 47, "1"),
	];
	let provider = |suri| Provider { node: &node, home: home.path().to_path_buf(), suri };
	let alice = provider("//Alice");
	for (_, key, _, _) in plan {
		alice.ok(&["keys", "generate", "--name", key, "--scheme", "ed25519"]);
	}
	wait_until(&node, "the node's RPC", || alice.run(&["status"]).status.success());
	// Devices a few hundred metres apart in Paris: one resolution-7 home cell.
	let cell = |n: u32| format!("{:x}", depin_provider::simulator::sensors::station_cell(n));
	let registered: Vec<u64> = std::thread::scope(|scope| {
		let running: Vec<_> = plan
			.iter()
			.copied()
			.map(|(suri, key, n, schema)| {
				let owner = provider(suri);
				let location = cell(n);
				scope.spawn(move || {
					let mut args =
						vec!["register", "--key", key, "--kind", "sensor", "--location", &location];
					// The operator manages the meters (it runs them, their owners commit them).
					if schema == "1" {
						args.extend(["--manager", ALICE]);
					}
					let registered = owner.ok(&args);
					let device = registered["registered"][0]["device"].as_u64().expect("an id");
					let id = device.to_string();
					// The dev chain takes weather stations a trusted maker certified only: the
					// dev maker (maker 0, whose key the operator plays here) signs each
					// station's key. Alice's is refused first uncertified, then with a
					// certificate from a key that is no maker's.
					if schema == "0" {
						if n == 0 {
							let enroll = ["sensor", "enroll", "--device", &id, "--schema", "0"];
							let refused = owner.err(&enroll);
							assert!(refused.starts_with("sensors.NotCertified"), "{refused}");
							let forged = owner.err(&[
								"sensor",
								"certify",
								"--device",
								&id,
								"--maker-key",
								"//Mallory",
							]);
							assert!(forged.starts_with("sensors.BadCertificate"), "{forged}");
						}
						let certified = owner.ok(&[
							"sensor",
							"certify",
							"--device",
							&id,
							"--maker-key",
							DEV_MAKER,
						]);
						assert_eq!(certified["maker"], 0, "{certified}");
					}
					let enrolled =
						owner.ok(&["sensor", "enroll", "--device", &id, "--schema", schema]);
					assert_eq!(enrolled["schema"].to_string(), schema, "{enrolled}");
					device
				})
			})
			.collect();
		running.into_iter().map(|t| t.join().expect("registered and enrolled")).collect()
	});
	let ids: Vec<String> = registered[..4].iter().map(u64::to_string).collect();
	let all = ids.join(",");
	let meters: Vec<String> = registered[4..].iter().map(u64::to_string).collect();
	let (producer, consumer) = (&meters[0], &meters[1]);
	let both = meters.join(",");

	// Bad input, while the first readings are not due: a device of another kind, a stranger,
	// readings out of the schema's range, none due yet, an area too coarse.
	let compute = alice.err(&["sensor", "status", "--device", "2"]);
	assert!(compute.contains("is a compute device"), "{compute}");
	let bob = provider("//Bob");
	let stranger = bob.err(&["sensor", "withdraw", "--device", &ids[0]]);
	assert!(stranger.starts_with("sensors.NotDeviceOperator"), "{stranger}");
	let hot = home.path().join("hot.csv");
	std::fs::write(&hot, "time,temperature,humidity,pressure\n4000000000,9999,600,10130\n")
		.expect("readings");
	let hot = alice.err(&["sensor", "attest", "--device", &ids[0], "--readings", path(&hot)]);
	assert!(hot.contains("outside the schema's range"), "{hot}");
	let early = alice.err(&["sensor", "attest", "--device", &all, "--simulate"]);
	assert!(early.contains("no reading is due yet"), "{early}");
	let eve_home = tempfile::tempdir().expect("home");
	let eve = Provider { node: &node, home: eve_home.path().to_path_buf(), suri: "//Eve" };
	let coarse =
		depin_primitives::h3::H3Cell::new(depin_provider::simulator::sensors::station_cell(0))
			.ok()
			.and_then(|c| c.parent(4))
			.expect("a cell");
	let coarse = format!("{:x}", coarse.raw());
	let area = eve.err(&[
		"sensor", "buy", "--schema", "0", "--cell", &coarse, "--price", "0.001", "--budget", "10",
		"--epochs", "10",
	]);
	assert!(area.contains("areas are cells of resolution 5"), "{area}");

	// Eve buys the area's weather data: 0.001 DPN a point (a second of coverage).
	let subscribed = eve.ok(&[
		"sensor",
		"subscribe",
		"--schema",
		"0",
		"--cell",
		&cell(0),
		"--price",
		"0.001",
		"--budget",
		"10",
		"--epochs",
		"10",
	]);
	let subscription = subscribed["subscription"].as_u64().expect("a subscription");
	assert_eq!(subscribed["budget"], "10000000000000");

	// Eve's meter buys Ferdie's energy: 0.001 DPN a watt-hour, at most 1 kWh an epoch, from
	// the next epoch. Only the consuming meter's owner offers (not the fleet operator, who
	// runs it), and only the producing meter's owner accepts (not a stranger).
	let offer = |who: &Provider, fields: &[&str]| {
		let mut args = vec![
			"sensor",
			"trade",
			"offer",
			"--consumer",
			consumer,
			"--producer",
			producer,
			"--price",
			"0.001",
			"--cap",
			"1000",
			"--budget",
			"5",
			"--epochs",
			"30",
		];
		args.extend_from_slice(fields);
		who.run(&args)
	};
	let last_error = |out: Output| {
		assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
		let stdout = String::from_utf8_lossy(&out.stdout).to_string();
		let last: Value =
			serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("a JSON error");
		last["error"].as_str().unwrap_or_default().to_string()
	};
	let operator = last_error(offer(&alice, &[]));
	assert!(operator.starts_with("sensors.NotMeterOwner"), "{operator}");
	let field = last_error(offer(&eve, &["--produced-field", "sunshine"]));
	assert!(field.contains("has no field `sunshine`"), "{field}");
	let offered = offer(&eve, &[]);
	assert!(offered.status.success(), "{}", String::from_utf8_lossy(&offered.stdout));
	let offered: Value =
		serde_json::from_str(String::from_utf8_lossy(&offered.stdout).lines().last().unwrap())
			.expect("JSON");
	assert_eq!(offered["event"], "tradeOffered", "{offered}");
	let trade = offered["trade"].as_u64().expect("a trade").to_string();
	let stranger = bob.err(&["sensor", "trade", "accept", "--trade", &trade]);
	assert!(stranger.starts_with("sensors.NotDeviceOperator"), "{stranger}");
	let manager = alice.err(&["sensor", "trade", "accept", "--trade", &trade]);
	assert!(manager.starts_with("sensors.NotMeterOwner"), "{manager}");
	let ferdie = provider("//Ferdie");
	let accepted = ferdie.ok(&["sensor", "trade", "accept", "--trade", &trade]);
	assert_eq!(accepted["event"], "tradeAccepted", "{accepted}");
	let shown = alice.ok(&["sensor", "trade", "show", "--meter", producer]);
	assert_eq!(shown["trades"][0]["seller"], accepted["open"]["seller"], "{shown}");
	assert!(shown["trades"][0]["seller"].is_string(), "{shown}");

	// The stations' first readings are due two minutes after their enrolment (its minute of
	// clock drift, then the schema's interval): attested together, in one transaction.
	let everything = format!("{all},{both}");
	let attested = alice.ok_once_ready(
		"the stations' first readings",
		&["sensor", "attest", "--device", &everything, "--simulate"],
		&["no reading is due yet", "attestations closed"],
	);
	let batches = attested["attested"].as_array().expect("attestations").clone();
	assert_eq!(batches.len(), 6, "{attested}");
	let epoch = attested["epoch"].as_u64().expect("an epoch");
	let status = alice.ok(&["sensor", "status", "--device", &ids[0]]);
	assert_eq!(status["pending"]["root"], batches[0]["root"], "{status}");
	assert_eq!(status["subscriptions"][0]["subscription"].as_u64(), Some(subscription));
	let again = alice.err(&["sensor", "attest", "--device", &ids[0], "--simulate"]);
	assert!(
		again.contains("attested in epoch") || again.contains("waits for its audit"),
		"{again}"
	);

	// In the next epoch the chain samples readings; the operator reveals them. Each station
	// agrees with its three neighbours of other owners on every field, and Eve's subscription
	// pays each owner 0.06 DPN a reading (a minute of coverage), less the 20 % fee, burned.
	let revealed = alice.ok_once_ready(
		"the stations' audit",
		&["sensor", "reveal", "--device", &everything],
		&["is audited in epoch"],
	);
	let verified = revealed["verified"].as_array().expect("verified").clone();
	assert_eq!(verified.len(), 6, "{revealed}");
	// The meters: two, and no neighbours to score them against; their first audited batch is
	// the trade's baseline.
	let (stations, metered): (Vec<&Value>, Vec<&Value>) =
		verified.iter().partition(|v| ids.contains(&v["device"].to_string()));
	assert!(metered.iter().all(|v| v["quality"] == "noNeighbours"), "{revealed}");
	assert_eq!(revealed["trades"]["settled"], serde_json::json!([]), "{revealed}");
	for v in stations {
		assert_eq!(v["quality"], serde_json::json!({ "neighbours": 3, "passed": 3, "fields": 3 }));
		let readings = v["readings"].as_u64().expect("readings");
		assert_eq!(v["points"].as_u64(), Some(readings * 60), "{v}");
		let sale = &v["sales"][0];
		assert_eq!(sale["subscription"].as_u64(), Some(subscription), "{v}");
		assert_eq!(sale["paid"], (u128::from(readings) * 48_000_000_000).to_string(), "{v}");
		assert_eq!(sale["fee"], (u128::from(readings) * 12_000_000_000).to_string(), "{v}");
	}
	assert_eq!(alice.ok(&["sensor", "status", "--device", &ids[0]])["pending"], Value::Null);

	// The meters' next batches, attested the next epoch and audited the one after, settle the
	// trade: the smaller of the two registers' advances (each batch's last reading, its
	// summary's maximum), at 0.001 DPN a watt-hour.
	let register = |attested: &Value, device: &str, field: usize| {
		let batch = attested["attested"]
			.as_array()
			.and_then(|a| a.iter().find(|b| b["device"] == device.parse::<u64>().expect("an id")))
			.expect("the meter's batch");
		batch["summaries"][field]["max"].as_i64().expect("a register")
	};
	let again = alice.ok_once_ready(
		"the meters' next readings",
		&["sensor", "attest", "--device", &both, "--simulate"],
		&["no reading is due yet", "attestations closed"],
	);
	assert_eq!(again["epoch"].as_u64(), Some(epoch + 1), "consecutive epochs: {again}");
	let produced = register(&again, producer, 0) - register(&attested, producer, 0);
	let consumed = register(&again, consumer, 1) - register(&attested, consumer, 1);
	let expected = produced.min(consumed).min(1_000);
	assert!(expected > 0, "{attested} {again}");
	let settled = alice.ok_once_ready(
		"the meters' second audit",
		&["sensor", "reveal", "--device", &both],
		&["is audited in epoch"],
	);
	let settlement = &settled["trades"]["settled"][0];
	assert_eq!(settlement["trade"].to_string(), trade, "{settled}");
	assert_eq!(settlement["epoch"].as_u64(), Some(epoch + 1), "{settled}");
	assert_eq!(settlement["quantity"].as_i64(), Some(expected), "{settled}");
	let amount = (expected as u128 * 1_000_000_000).to_string();
	assert_eq!(settlement["amount"], amount, "{settled}");
	// Held for the dispute window: owed, not yet paid.
	let shown = eve.ok(&["sensor", "trade", "show", "--trade", &trade]);
	assert_eq!(shown["trades"][0]["owed"][0]["amount"], amount, "{shown}");
	let outsider = bob.err(&["sensor", "trade", "dispute", "--trade", &trade]);
	assert!(outsider.starts_with("sensors.NotTradeParty"), "{outsider}");
	// Ferdie ends it: nothing settles after this epoch, and what is owed is paid after its
	// window (anyone may close it then).
	let ended = ferdie.ok(&["sensor", "trade", "end", "--trade", &trade]);
	assert_eq!(ended["event"], "tradeEnded", "{ended}");
	assert!(ended["open"]["last"].as_u64().is_some_and(|last| last <= epoch + 3), "{ended}");
	let early = eve.err(&["sensor", "trade", "close", "--trade", &trade]);
	assert!(early.starts_with("sensors.TradeRunning"), "{early}");

	// Eve fetches a bought batch from the operator's server and verifies it leaf by leaf
	// against the root, the station's signed attestation and the chain's record of it.
	let server = alice.serve_sensor();
	let root = batches[1]["root"].as_str().expect("a root").to_string();
	let out = home.path().join("fetched.json");
	let epoch_text = epoch.to_string();
	let fetched = eve.ok(&[
		"sensor",
		"fetch",
		"--from",
		&server.url,
		"--root",
		&root,
		"--device",
		&ids[1],
		"--epoch",
		&epoch_text,
		"--out",
		path(&out),
	]);
	assert_eq!(fetched["event"], "verified", "{fetched}");
	assert_eq!(fetched["readings"], batches[1]["readings"]);
	assert_eq!(fetched["summaries"], batches[1]["summaries"]);
	assert!(
		fetched["chain"]["source"].as_str().is_some_and(|s| s.contains("block #")),
		"{fetched}"
	);
	assert_eq!(fetched["chain"]["sales"][0]["subscription"].as_u64(), Some(subscription));
	assert!(out.exists());
	// The wrong device, an unknown root, and a batch changed on the provider's disk are
	// refused.
	let wrong = eve.err(&[
		"sensor",
		"fetch",
		"--from",
		&server.url,
		"--root",
		&root,
		"--device",
		&ids[2],
		"--epoch",
		&epoch_text,
	]);
	assert!(wrong.contains("not the batch the chain accepted"), "{wrong}");
	let unknown = eve.err(&[
		"sensor",
		"fetch",
		"--from",
		&server.url,
		"--root",
		&format!("0x{}", "ab".repeat(32)),
	]);
	assert!(unknown.contains("404"), "{unknown}");
	let stored = home.path().join("sensor").join(&root).join(format!("{}.json", ids[1]));
	let mut file: Value =
		serde_json::from_str(&std::fs::read_to_string(&stored).expect("stored")).expect("JSON");
	let first = file["readings"][0]["values"][0].as_i64().expect("a value");
	file["readings"][0]["values"][0] = serde_json::json!(first + 1);
	std::fs::write(&stored, file.to_string()).expect("written");
	let changed = eve.err(&["sensor", "fetch", "--from", &server.url, "--root", &root]);
	assert!(changed.contains("not the data attested"), "{changed}");
	drop(server);
}

impl Provider<'_> {
	/// Run `args` until they succeed, every failure before with an error naming one of
	/// `waiting` (a reading not due yet, an audit not open yet); the last line of stdout as
	/// JSON.
	fn ok_once_ready(&self, what: &str, args: &[&str], waiting: &[&str]) -> Value {
		let mut done = Value::Null;
		wait_until(self.node, what, || {
			let out = self.run(args);
			let stdout = String::from_utf8_lossy(&out.stdout);
			let last: Value =
				serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_default();
			if out.status.success() {
				done = last;
				return true;
			}
			let error = last["error"].as_str().unwrap_or_default();
			assert!(waiting.iter().any(|w| error.contains(w)), "{stdout}");
			false
		});
		done
	}
}

/// Alice's address.
const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

fn path(p: &Path) -> &str {
	p.to_str().expect("a UTF-8 path")
}

/// The load harness's smoke run (`scripts/bench.sh` runs it at scale, on a release node): a
/// chain of 40 storage devices with their sectors at genesis and 4-block epochs, every device
/// proven in an epoch at its pace and again as fast as blocks take them, then two blocks of
/// transfers; every block recorded, the JSON and the chart written.
/// Run the load harness against the test build's node with `args`; its folder and its JSON
/// summary (it must succeed).
fn load_harness(args: &[&str]) -> (tempfile::TempDir, Value) {
	let out = tempfile::tempdir().expect("a temporary folder");
	let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../chain-specs/local.json");
	let port = free_port().to_string();
	let output = Command::new(CLI)
		.arg("--json")
		.arg("bench")
		.arg("--node")
		.arg(node_binary())
		.arg("--code-spec")
		.arg(&spec)
		.args(args)
		.args(["--rpc-port", &port])
		.arg("--out")
		.arg(out.path())
		.stdin(Stdio::null())
		.output()
		.expect("depin-provider runs");
	let stdout = String::from_utf8_lossy(&output.stdout);
	assert!(
		output.status.success(),
		"the harness failed: {stdout}{}",
		String::from_utf8_lossy(&output.stderr)
	);
	let run: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("JSON");
	(out, run)
}

#[test]
fn the_load_harness_proves_every_device_and_records_every_block() {
	let (out, run) = load_harness(&[
		"--devices",
		"40",
		"--hotspots",
		"26",
		"--epoch-blocks",
		"4",
		"--epochs",
		"1",
		"--transfer-blocks",
		"2",
		"--senders",
		"20",
		"--batch",
		"16",
	]);
	assert_eq!(run["devices"], 40);
	assert_eq!(run["hourlyEquivalent"], 6_000, "40 devices on 4-block epochs");
	// Every device's proof accepted, at its pace and at the peak, none refused.
	assert_eq!(run["steady"]["storageProofs"], 40, "{run}");
	assert_eq!(run["steady"]["rejected"], 0, "{run}");
	assert_eq!(run["proofPeak"]["storageProofs"], 40, "{run}");
	assert_eq!(run["proofPeak"]["rejected"], 0, "{run}");
	assert!(run["transferPeak"]["transfers"].as_u64() > Some(0), "{run}");
	// Every hotspot won its lottery ticket (the dev chain's odds are one) and beaconed, every
	// receipt of its 25 group mates accepted.
	assert_eq!(run["hotspots"], 26);
	assert_eq!(run["coveragePeak"]["beacons"], 26, "{run}");
	assert_eq!(run["coveragePeak"]["receipts"], 26 * 25, "{run}");
	assert_eq!(run["coveragePeak"]["bundlesRejected"], 0, "{run}");
	assert_eq!(run["coveragePeak"]["receiptsRejected"], 0, "{run}");
	let bundle = run["bundleBytes"].as_u64().expect("bytes");
	assert!((3_000..3_500).contains(&bundle), "{bundle} bytes a bundle");
	// A proof of two chunks of 1 KiB with their 20-hash paths and a signature.
	let bytes = run["proofBytes"].as_u64().expect("bytes");
	assert!((3_000..4_000).contains(&bytes), "{bytes} bytes a proof");
	assert!(run["maxRssBytes"].as_u64() > Some(0));
	assert!(run["steady"]["maxWeightPercent"].as_f64() > Some(0.0));

	let json: Value =
		serde_json::from_slice(&std::fs::read(out.path().join("bench.json")).expect("bench.json"))
			.expect("JSON");
	let blocks = json["blocks"].as_array().expect("blocks");
	let numbers: Vec<u64> =
		blocks.iter().map(|b| b["number"].as_u64().expect("a number")).collect();
	assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>(), "every block, in order");
	let proofs: u64 = blocks.iter().map(|b| b["storageProofs"].as_u64().unwrap_or(0)).sum();
	assert_eq!(proofs, 80, "the blocks hold the 80 proofs");
	assert!(blocks.iter().all(|b| b["nodeRssBytes"].as_u64() > Some(0)));
	let svg = std::fs::read_to_string(out.path().join("bench.svg")).expect("bench.svg");
	assert!(svg.starts_with("<svg") && svg.contains("storage proofs accepted"));
	assert!(svg.contains("coverage receipts accepted"));
}

/// The harness at a storage audit rate of its choosing (the chain's genesis gets it): only
/// the devices each epoch's draw audits prove, and the chain, drawing the same, refuses none.
#[test]
fn the_load_harness_proves_only_the_audited_devices() {
	let (_out, run) = load_harness(&[
		"--devices",
		"40",
		"--storage-audit",
		"50",
		"--epoch-blocks",
		"4",
		"--epochs",
		"2",
		"--no-proof-peak",
		"--transfer-blocks",
		"0",
	]);
	assert_eq!(run["storageAuditPercent"], 50.0, "{run}");
	let proofs = run["steady"]["storageProofs"].as_u64().expect("proofs");
	// About half of the 80 device-epochs (the draw of this run's seeds), every one accepted.
	assert!((10..70).contains(&proofs), "{proofs} proofs of 80 device-epochs");
	assert_eq!(run["steady"]["rejected"], 0, "{run}");
}

/// The harness's compute phase, on its own (its commit window needs longer epochs than the
/// smoke run's): four compute devices enrolled at genesis run their workloads, commit, and
/// reveal the sampled segments; every block recorded.
#[test]
fn the_load_harness_runs_compute_workloads_and_their_audits() {
	let (out, run) = load_harness(&[
		"--devices",
		"1",
		"--compute",
		"4",
		"--epoch-blocks",
		"10",
		"--epochs",
		"0",
		"--no-proof-peak",
		"--transfer-blocks",
		"0",
	]);
	// Every device is audited on the dev chain: four commitments, then four reveals that pass
	// their audit, nothing refused.
	assert_eq!(run["compute"], 4);
	assert_eq!(run["computeCommits"]["commits"], 4, "{run}");
	assert_eq!(run["computeCommits"]["computeRejected"], 0, "{run}");
	assert_eq!(run["computePeak"]["reveals"], 4, "{run}");
	assert_eq!(run["computePeak"]["computeRejected"], 0, "{run}");
	// Eight segments of a one-unit workload (2,048 segments: 11 levels) with one multiproof of
	// their checkpoints, about 60 hashes (two paths a segment would be 176): 2,318 bytes in
	// docs/scale.md's run.
	let bytes = run["revealBytes"].as_u64().expect("bytes");
	assert!((1_500..3_500).contains(&bytes), "{bytes} bytes a reveal");
	assert!(run["workloadSeconds"].as_f64() > Some(0.0));
	let json: Value =
		serde_json::from_slice(&std::fs::read(out.path().join("bench.json")).expect("bench.json"))
			.expect("JSON");
	let blocks = json["blocks"].as_array().expect("blocks");
	let reveals: u64 = blocks.iter().map(|b| b["reveals"].as_u64().unwrap_or(0)).sum();
	assert_eq!(reveals, 4, "the blocks hold the 4 reveals");
	let svg = std::fs::read_to_string(out.path().join("bench.svg")).expect("bench.svg");
	assert!(svg.contains("compute commitments and reveals accepted"));
}
