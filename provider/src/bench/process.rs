//! What the node costs while the harness runs: its CPU time and resident memory from `/proc`,
//! and the bytes its database takes on disk.

use anyhow::{anyhow, Context, Result};
use std::path::Path;

/// `/proc` counts CPU time in clock ticks of `USER_HZ`, which Linux fixes at 100 a second for
/// every architecture's user-space ABI.
const USER_HZ: f64 = 100.0;

/// One reading of a process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
	/// User and system CPU time, all threads, in seconds since the process started.
	pub cpu_seconds: f64,
	/// Resident memory, bytes.
	pub rss_bytes: u64,
}

/// Read process `pid` (`self` for the harness itself).
pub fn sample(pid: &str) -> Result<Sample> {
	let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
		.with_context(|| format!("reading /proc/{pid}/stat"))?;
	let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
		.with_context(|| format!("reading /proc/{pid}/status"))?;
	Ok(Sample { cpu_seconds: cpu_seconds(&stat)?, rss_bytes: rss_bytes(&status)? })
}

/// `utime + stime` of a `/proc/<pid>/stat` line, in seconds. The command name (field 2) may
/// hold spaces and parentheses, so the fields are counted from after its last `)`.
fn cpu_seconds(stat: &str) -> Result<f64> {
	let rest = stat.rsplit_once(')').map(|(_, rest)| rest).ok_or_else(|| anyhow!("no command"))?;
	// After the command: state (3), ppid (4), … utime (14), stime (15).
	let fields: Vec<&str> = rest.split_whitespace().collect();
	let field = |n: usize| -> Result<f64> {
		fields
			.get(n.saturating_sub(3))
			.and_then(|f| f.parse::<f64>().ok())
			.ok_or_else(|| anyhow!("field {n} of /proc/<pid>/stat"))
	};
	Ok((field(14)? + field(15)?) / USER_HZ)
}

/// `VmRSS` of a `/proc/<pid>/status`, in bytes.
fn rss_bytes(status: &str) -> Result<u64> {
	status
		.lines()
		.find_map(|line| line.strip_prefix("VmRSS:"))
		.and_then(|value| value.split_whitespace().next())
		.and_then(|kib| kib.parse::<u64>().ok())
		.map(|kib| kib.saturating_mul(1024))
		.ok_or_else(|| anyhow!("no VmRSS in /proc/<pid>/status"))
}

/// The bytes the files under `dir` take on disk (allocated blocks, as `du` counts them: a
/// database preallocates).
pub fn disk_bytes(dir: &Path) -> u64 {
	use std::os::unix::fs::MetadataExt;
	let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
	entries
		.flatten()
		.map(|entry| match entry.metadata() {
			Ok(meta) if meta.is_dir() => disk_bytes(&entry.path()),
			Ok(meta) => meta.blocks().saturating_mul(512),
			Err(_) => 0,
		})
		.fold(0u64, u64::saturating_add)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reads_cpu_time_past_a_command_name_with_spaces_and_parentheses() {
		let stat = "4242 (depin node (x)) S 1 4242 4242 0 -1 4194560 500 0 0 0 \
		            250 50 0 0 20 0 12 0 100 1000 2000";
		assert_eq!(cpu_seconds(stat).expect("parsed"), 3.0);
		assert!(cpu_seconds("no command").is_err());
	}

	#[test]
	fn reads_the_resident_set() {
		let status = "Name:\tdepin-node\nVmPeak:\t  9000 kB\nVmRSS:\t  2048 kB\n";
		assert_eq!(rss_bytes(status).expect("parsed"), 2048 * 1024);
		assert!(rss_bytes("Name:\tx\n").is_err());
	}

	#[test]
	fn samples_this_process_and_measures_a_folder() {
		let me = sample("self").expect("this process");
		assert!(me.rss_bytes > 0 && me.cpu_seconds >= 0.0);
		let dir = tempfile::tempdir().expect("a folder");
		std::fs::create_dir(dir.path().join("sub")).expect("sub");
		std::fs::write(dir.path().join("sub/data"), vec![1u8; 10_000]).expect("written");
		assert!(disk_bytes(dir.path()) >= 10_000);
	}
}
