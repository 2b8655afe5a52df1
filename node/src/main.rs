//! `depin-node`: the validator and full node of the DePIN appchain.

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod chain_spec;
mod cli;
mod command;
mod equivocation;
#[cfg(not(feature = "runtime-benchmarks"))]
mod hardware;
mod rpc;
mod service;

fn main() {
	if let Err(error) = command::run() {
		// One line, human readable (the `Debug` form that `main` would print is not).
		eprintln!("Error: {}", error.to_string().replace('\n', " "));
		std::process::exit(1);
	}
}
