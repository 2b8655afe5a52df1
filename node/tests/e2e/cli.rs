//! The command line: errors in one line, and the block and database sub-commands on a real
//! chain.

use std::process::Output;

use crate::harness::{run, run_ok, wait_for_blocks, Node};

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
fn a_validator_does_not_serve_rpc_on_every_interface_unless_told_the_risk() {
	let dir = tempfile::tempdir().expect("temp dir");
	let base = dir.path().to_str().expect("utf-8 path");
	let output = run(&["--dev", "--validator", "--rpc-external", "--base-path", base]);
	assert_one_line_error(
		&output,
		"--rpc-external option shouldn't be used if the node is running as a validator",
	);
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
