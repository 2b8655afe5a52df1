//! `depin-node benchmark machine` in a node built without the benchmarking features: the
//! hardware check a validator runs before joining, on `sc-sysinfo` alone. The full `benchmark`
//! sub-commands (pallet weights, storage, block overhead) come from `frame-benchmarking-cli`,
//! which pulls in a second Wasm runtime and the polkadot and cumulus primitives; only
//! `scripts/weights.sh` builds them (`--features runtime-benchmarks`).

use std::path::PathBuf;

use sc_sysinfo::{gather_hwbench, HwBench, Metric, Requirement, Requirements};

/// `depin-node benchmark …` without the benchmarking features.
#[derive(Debug, clap::Subcommand)]
pub enum BenchmarkCmd {
	/// Measure this machine: BLAKE2 hashing on one core and on all cores, memory copy, and
	/// sequential and random disk writes in the folder the chain will live in.
	Machine(MachineCmd),
}

/// The flags of `benchmark machine`.
#[derive(Debug, clap::Parser)]
pub struct MachineCmd {
	/// Folder for the disk benchmarks: one on the disk the chain will live on (default: the
	/// system's temporary folder).
	#[arg(long)]
	pub base_path: Option<PathBuf>,

	/// Requirements to check the scores against: a JSON list of `{"metric", "minimum" (MiB/s),
	/// "validator_only"}` as `sc-sysinfo` reads it, e.g.
	/// `chain-specs/reference-hardware.json` (the machine the chain's weights were measured
	/// on). The command fails when a score is below its minimum.
	#[arg(long)]
	pub requirements: Option<PathBuf>,

	/// Check the requirements marked `validator_only` too.
	#[arg(long)]
	pub validator: bool,

	/// Write this machine's scores as requirements to this file: how a reference machine's
	/// figures (the one the weights were measured on) become `--requirements` for others.
	#[arg(long)]
	pub save_requirements: Option<PathBuf>,
}

impl BenchmarkCmd {
	/// Runs the sub-command.
	pub fn run(&self) -> sc_cli::Result<()> {
		match self {
			BenchmarkCmd::Machine(cmd) => cmd.run(),
		}
	}
}

impl MachineCmd {
	/// Measures the machine, prints the scores as JSON and
	/// checks them against the requirements, if any.
	pub fn run(&self) -> sc_cli::Result<()> {
		let requirements = match &self.requirements {
			Some(path) => {
				let raw = std::fs::read(path).map_err(|error| {
					format!("cannot read the requirements {}: {error}", path.display())
				})?;
				serde_json::from_slice::<Requirements>(&raw).map_err(|error| {
					format!("{} is not a list of requirements: {error}", path.display())
				})?
			},
			None => Requirements(Vec::new()),
		};
		let scratch = self.base_path.clone().unwrap_or_else(std::env::temp_dir);
		std::fs::create_dir_all(&scratch)
			.map_err(|error| format!("cannot create {}: {error}", scratch.display()))?;
		let hwbench = gather_hwbench(Some(&scratch), &requirements);
		let json = serde_json::to_string_pretty(&hwbench)
			.map_err(|error| format!("cannot encode the scores: {error}"))?;
		println!("{json}");
		if let Some(path) = &self.save_requirements {
			let json = serde_json::to_string_pretty(&as_requirements(&hwbench))
				.map_err(|error| format!("cannot encode the requirements: {error}"))?;
			std::fs::write(path, json + "\n")
				.map_err(|error| format!("cannot write {}: {error}", path.display()))?;
		}
		if self.requirements.is_some() {
			requirements
				.check_hardware(&hwbench, self.validator)
				.map_err(|failures| failures.to_string())?;
			println!("the machine meets every requirement");
		}
		Ok(())
	}
}

/// A machine's scores as the minimums of a reference: every metric measured, the parallel
/// hashing one for validators only (a full node needs no spare cores).
fn as_requirements(hwbench: &HwBench) -> Requirements {
	let requirement =
		|metric, minimum, validator_only| Requirement { metric, minimum, validator_only };
	let mut list = vec![
		requirement(Metric::Blake2256, hwbench.cpu_hashrate_score, false),
		requirement(
			Metric::Blake2256Parallel { num_cores: hwbench.parallel_cpu_cores },
			hwbench.parallel_cpu_hashrate_score,
			true,
		),
		requirement(Metric::MemCopy, hwbench.memory_memcpy_score, false),
	];
	if let Some(score) = hwbench.disk_sequential_write_score {
		list.push(requirement(Metric::DiskSeqWrite, score, false));
	}
	if let Some(score) = hwbench.disk_random_write_score {
		list.push(requirement(Metric::DiskRndWrite, score, false));
	}
	Requirements(list)
}
