//! The node under load: started by the harness on the bench chain spec, its log read for the
//! time the author took to build each block.
//!
//! Checked by hand (2026-12-06): the release node `scripts/weights.sh` builds (with the
//! benchmark features, which only add host functions and the `benchmark` subcommand) runs the
//! normal runtime's code from a spec and authors a block every 6 s with
//! `--alice --force-authoring --unsafe-force-node-key-generation`.

use anyhow::{Context, Result};
use std::{
	collections::{BTreeMap, VecDeque},
	io::{BufRead, BufReader},
	path::Path,
	process::{Child, Command, Stdio},
	sync::{Arc, Mutex},
};

/// A running node; stopped when dropped.
pub struct Node {
	child: Child,
	/// Milliseconds the author took to build each block, by number, from its log.
	pub proposed: Arc<Mutex<BTreeMap<u32, u64>>>,
	/// The last lines of its log, for when it stops.
	tail: Arc<Mutex<VecDeque<String>>>,
}

/// Log lines kept for an error report.
const TAIL_LINES: usize = 20;

impl Node {
	/// Start `binary` on `spec` with its database under `base`, RPC on `rpc_port`.
	pub fn start(binary: &Path, spec: &Path, base: &Path, rpc_port: u16) -> Result<Self> {
		let mut child = Command::new(binary)
			.arg("--chain")
			.arg(spec)
			.arg("--base-path")
			.arg(base)
			.args(["--alice", "--force-authoring", "--unsafe-force-node-key-generation"])
			.args(["--rpc-port", &rpc_port.to_string(), "--no-prometheus", "--no-telemetry"])
			.args(["--state-pruning", "archive-canonical"])
			.stdout(Stdio::null())
			.stderr(Stdio::piped())
			.spawn()
			.with_context(|| format!("cannot start {}", binary.display()))?;
		let proposed: Arc<Mutex<BTreeMap<u32, u64>>> = Arc::default();
		let tail: Arc<Mutex<VecDeque<String>>> = Arc::default();
		if let Some(stderr) = child.stderr.take() {
			let (proposed, tail) = (proposed.clone(), tail.clone());
			std::thread::spawn(move || {
				for line in BufReader::new(stderr).lines().map_while(Result::ok) {
					if let Some((number, ms)) = proposal_time(&line) {
						if let Ok(mut map) = proposed.lock() {
							map.insert(number, ms);
						}
					}
					if let Ok(mut tail) = tail.lock() {
						if tail.len() == TAIL_LINES {
							tail.pop_front();
						}
						tail.push_back(line);
					}
				}
			});
		}
		Ok(Self { child, proposed, tail })
	}

	/// Why the node stopped, with the end of its log, if it did.
	pub fn exited(&mut self) -> Option<String> {
		let status = self.child.try_wait().ok().flatten()?;
		let tail = self.tail.lock().map(|t| Vec::from(t.clone()).join("\n")).unwrap_or_default();
		Some(format!("the node stopped ({status}); its log ended with:\n{tail}"))
	}

	/// The node's process id, for `/proc`.
	pub fn pid(&self) -> u32 {
		self.child.id()
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// The block number and milliseconds of the author's log line
/// `🎁 Prepared block for proposing at 12 (35 ms) hash: …`.
pub fn proposal_time(line: &str) -> Option<(u32, u64)> {
	let rest = line.split_once("Prepared block for proposing at ")?.1;
	let (number, rest) = rest.split_once(" (")?;
	let ms = rest.split_once(" ms)")?.0;
	Some((number.trim().parse().ok()?, ms.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_node_that_stops_says_why() {
		// `sh` (dash) refuses the node's arguments and exits at once, complaining on stderr.
		let dir = tempfile::tempdir().expect("a folder");
		let mut node =
			Node::start(Path::new("/bin/sh"), dir.path(), dir.path(), 0).expect("sh starts");
		let started = std::time::Instant::now();
		let why = loop {
			if let Some(why) = node.exited() {
				break why;
			}
			assert!(started.elapsed().as_secs() < 10, "sh did not stop");
			std::thread::sleep(std::time::Duration::from_millis(50));
		};
		assert!(why.starts_with("the node stopped (exit status: 2)"), "{why}");
		// Its complaint is in the report once the log is read to its end.
		std::thread::sleep(std::time::Duration::from_millis(200));
		assert!(node.exited().is_some_and(|why| why.contains("Illegal option")), "{why}");
	}

	#[test]
	fn reads_the_time_an_author_took_to_build_a_block() {
		let line = "2026-12-06 12:57:30 🎁 Prepared block for proposing at 1 (2 ms) hash: \
		            0x2fbf; parent_hash: 0xfcc4…809f; end: NoMoreTransactions; extrinsics_count: 1";
		assert_eq!(proposal_time(line), Some((1, 2)));
		assert_eq!(
			proposal_time("2026-12-06 12:57:30 🏆 Imported #1 (0xfcc4…809f → 0x5d61…92e1)"),
			None
		);
		assert_eq!(proposal_time("Prepared block for proposing at x (2 ms)"), None);
	}
}
