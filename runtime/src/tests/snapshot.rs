//! The runtime upgrade of the live network, offline (issue 28): the state the zombienet network
//! had when its root referendum enacted this runtime (an earlier runtime's chain, started from
//! e8d4eeb's `local` spec and running a while), migrated here with try-runtime's checks. Each
//! migration's `pre_upgrade` and `post_upgrade`, then every pallet's `try_state`; the storage
//! versions raised to the code's; every device and every account as they were; the upgrade's
//! weight within a block.
//!
//! `zombienet/upgrade.js` writes the snapshot (`DEPIN_SNAPSHOT`) during `scripts/zombienet.sh`;
//! `scripts/test.sh` runs this test after it:
//!
//! ```sh
//! DEPIN_SNAPSHOT=$CARGO_TARGET_DIR/zombienet-snapshot.txt \
//!     cargo test -p depin-runtime --features try-runtime tests::snapshot -- --ignored
//! ```

#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use alloc::{collections::BTreeMap, vec::Vec};

use codec::Encode;
use frame_support::traits::{GetStorageVersion, StorageVersion};
use sp_core::bytes::from_hex;

use crate::{configs::RuntimeBlockWeights, Executive, Runtime, System};

/// The snapshot's block number and its storage: `block <number>`, then `<key> <value>` lines in
/// hex.
fn read_snapshot(path: &str) -> (u32, BTreeMap<Vec<u8>, Vec<u8>>) {
	let text = std::fs::read_to_string(path)
		.unwrap_or_else(|e| panic!("cannot read the snapshot {path}: {e}"));
	let mut lines = text.lines();
	let block = lines
		.next()
		.and_then(|line| line.strip_prefix("block "))
		.and_then(|number| number.parse().ok())
		.expect("the snapshot starts with `block <number>`");
	let storage = lines
		.map(|line| {
			let (key, value) = line.split_once(' ').expect("a `<key> <value>` line");
			(from_hex(key).expect("a hex key"), from_hex(value).expect("a hex value"))
		})
		.collect();
	(block, storage)
}

/// Each of our pallets' storage version on chain, and in its code.
fn versions() -> Vec<(&'static str, StorageVersion, StorageVersion)> {
	macro_rules! of {
		($($name:literal => $pallet:ty),*) => {
			alloc::vec![$((
				$name,
				<$pallet>::on_chain_storage_version(),
				<$pallet>::in_code_storage_version(),
			)),*]
		};
	}
	of!(
		"devices" => pallet_devices::Pallet<Runtime>,
		"epochs" => pallet_epochs::Pallet<Runtime>,
		"proofs" => pallet_proofs::Pallet<Runtime>,
		"coverage" => pallet_coverage::Pallet<Runtime>,
		"compute" => pallet_compute::Pallet<Runtime>,
		"jobs" => pallet_jobs::Pallet<Runtime>,
		"emission" => pallet_emission::Pallet<Runtime>
	)
}

#[test]
#[ignore = "needs the live network's snapshot: scripts/zombienet.sh writes DEPIN_SNAPSHOT"]
fn the_upgrade_migrates_the_live_networks_state_and_keeps_its_devices_and_accounts() {
	let path = std::env::var("DEPIN_SNAPSHOT")
		.expect("DEPIN_SNAPSHOT: the live network's state (scripts/zombienet.sh writes it)");
	let (block, top) = read_snapshot(&path);
	let keys = top.len();
	let storage = sp_core::storage::Storage { top, children_default: Default::default() };
	sp_io::TestExternalities::new(storage).execute_with(|| {
		System::set_block_number(block + 1);
		let before = versions();
		let migrating: Vec<&str> =
			before.iter().filter(|(_, chain, code)| chain < code).map(|(name, ..)| *name).collect();
		assert!(!migrating.is_empty(), "nothing to migrate in the snapshot: {before:?}");
		let devices: Vec<_> =
			pallet_devices::Devices::<Runtime>::iter().map(|(id, d)| (id, d.encode())).collect();
		let accounts: Vec<_> =
			frame_system::Account::<Runtime>::iter().map(|(who, a)| (who, a.encode())).collect();
		assert!(!devices.is_empty() && !accounts.is_empty(), "an empty snapshot");

		let weight = Executive::try_runtime_upgrade(frame_try_runtime::UpgradeCheckSelect::All)
			.expect("every migration's checks and every pallet's try_state pass");

		for (name, chain, code) in versions() {
			assert_eq!(chain, code, "{name}: migrated to its code's storage version");
		}
		let devices_after: Vec<_> =
			pallet_devices::Devices::<Runtime>::iter().map(|(id, d)| (id, d.encode())).collect();
		assert_eq!(devices_after, devices, "the devices are kept");
		let accounts_after: Vec<_> =
			frame_system::Account::<Runtime>::iter().map(|(who, a)| (who, a.encode())).collect();
		assert_eq!(accounts_after, accounts, "the accounts are kept");
		let max = RuntimeBlockWeights::get().max_block;
		assert!(weight.all_lte(max), "the upgrade's weight {weight} fits a block ({max})");
		std::println!(
			"[snapshot] #{block}, {keys} keys: migrated {migrating:?} ({before:?}), {} devices \
			 and {} accounts kept, weight {weight} of {max}",
			devices.len(),
			accounts.len(),
		);
	});
}
