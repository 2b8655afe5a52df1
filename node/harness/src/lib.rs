//! Starting `depin-node` for end-to-end tests, shared by the node's tests (`node/tests/e2e`)
//! and the provider CLI's (`provider/tests/cli.rs`).
//!
//! [`Node::spawn`] starts the binary the caller names on free local ports with a temporary
//! base path, its output in a log there; the process is killed and the folder removed when
//! the [`Node`] is dropped, also when the test fails. [`Node::fail`] fails the test with that
//! log.

use std::{
	ffi::OsStr,
	fs::File,
	net::TcpListener,
	path::PathBuf,
	process::{Child, Command},
	time::{Duration, Instant},
};

use jsonrpsee::ws_client::{WsClient, WsClientBuilder};

/// A free local TCP port.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("a free local port")
}

/// A running node; killed and cleaned up on drop.
pub struct Node {
	/// The node's process.
	pub child: Child,
	/// Its JSON-RPC server, `ws://127.0.0.1:<port>`.
	pub url: String,
	/// The temporary folder of its log (`node.log`) and base path (`data`).
	pub dir: tempfile::TempDir,
}

impl Node {
	/// Starts the node `binary` with `args`, a temporary base path, free RPC and p2p ports, no
	/// telemetry and no mDNS, its output in the log.
	pub fn spawn(binary: impl AsRef<OsStr>, args: &[&str]) -> Node {
		let dir = tempfile::tempdir().expect("temp dir");
		let (rpc_port, p2p_port) = (free_port(), free_port());
		let log = File::create(dir.path().join("node.log")).expect("log file");
		let child = Command::new(binary)
			.args(args)
			.arg("--base-path")
			.arg(dir.path().join("data"))
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--port", &p2p_port.to_string()])
			.args(["--no-telemetry", "--no-mdns"])
			.stdout(log.try_clone().expect("log file"))
			.stderr(log)
			.spawn()
			.expect("depin-node starts");
		Node { child, url: format!("ws://127.0.0.1:{rpc_port}"), dir }
	}

	/// The node's base path (database, keystore, network key).
	pub fn base_path(&self) -> PathBuf {
		self.dir.path().join("data")
	}

	/// Stops the node the way an operator does (SIGINT) and waits up to `deadline` for it to
	/// exit.
	pub fn stop(&mut self, deadline: Duration) {
		let interrupted = Command::new("kill")
			.args(["-INT", &self.child.id().to_string()])
			.status()
			.map(|s| s.success())
			.unwrap_or(false);
		assert!(interrupted, "the node can be interrupted");
		let start = Instant::now();
		while self.child.try_wait().ok().flatten().is_none() {
			if start.elapsed() > deadline {
				self.fail("the node did not stop on SIGINT");
			}
			std::thread::sleep(Duration::from_millis(200));
		}
	}

	/// What the node has logged so far.
	pub fn log(&self) -> String {
		std::fs::read_to_string(self.dir.path().join("node.log")).unwrap_or_default()
	}

	/// Fails the test with the node's log.
	pub fn fail(&self, what: &str) -> ! {
		panic!("{what}\n--- node log ---\n{}", self.log())
	}

	/// Connects over WebSocket once the RPC server is up, waiting up to `deadline`.
	pub async fn client(&mut self, deadline: Duration) -> WsClient {
		let start = Instant::now();
		loop {
			if let Ok(Some(status)) = self.child.try_wait() {
				self.fail(&format!("the node exited early with {status}"));
			}
			if let Ok(client) = WsClientBuilder::default().build(&self.url).await {
				return client;
			}
			if start.elapsed() > deadline {
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
