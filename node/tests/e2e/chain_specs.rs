//! Chain specs: the committed ones match the runtime, every named chain exports one, and a
//! node runs from an exported raw spec.

use std::path::{Path, PathBuf};

use jsonrpsee::{core::client::ClientT, rpc_params};
use serde_json::Value;
use sp_core::bytes;

use crate::{
	harness::{run, run_ok, wait_for_blocks, Node},
	wasm::runtime_version_of,
};

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
