//! The pallets benchmarked through the runtime (`depin-node benchmark pallet`).

frame_benchmarking::define_benchmarks!(
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_utility, Utility]
	[pallet_sudo, Sudo]
	[pallet_collator_selection, ValidatorSet]
	[pallet_devices, Devices]
	[pallet_epochs, Epochs]
	[pallet_proofs, Proofs]
	[pallet_coverage, Coverage]
	[pallet_compute, Compute]
	[pallet_jobs, Jobs]
	[pallet_sensors, Sensors]
	[pallet_emission, Emission]
	[pallet_guarded_parameters, GuardedParameters]
);

/// Session keys with a proof of possession, for the validator-set benchmarks: generated in the
/// benchmark's keystore, as `author_rotateKeys` does on a node.
impl cumulus_pallet_session_benchmarking::Config for crate::Runtime {
	fn generate_session_keys_and_proof(
		owner: crate::AccountId,
	) -> (crate::SessionKeys, alloc::vec::Vec<u8>) {
		use codec::Encode;
		let generated = crate::SessionKeys::generate(&owner.encode(), None);
		(generated.keys, generated.proof.encode())
	}
}
