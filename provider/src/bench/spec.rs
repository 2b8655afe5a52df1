//! The harness's chain: the development chain spec with the normal runtime's code and, at
//! genesis, the simulated devices and their funded owners. Devices at genesis cost no blocks:
//! registering a million by batch would take about 500 blocks of nothing else.

use anyhow::{anyhow, Result};
use codec::Encode;
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};

/// The registry lets an account own at most this many devices (`devices.MaxDevicesPerOwner`).
pub const DEVICES_PER_OWNER: u32 = 1_000;

/// What each owner is given: the deposits of its devices and the fees of its transactions
/// (100,000 DPN, of 10^12 planck).
pub const OWNER_FUNDS: u128 = 100_000_000_000_000_000;

/// How many storage devices, each with one sector of `sector_depth` (chunks `2^depth`).
#[derive(Clone, Copy, Debug)]
pub struct Population {
	pub storage: u32,
	pub sector_depth: u32,
}

/// Where the simulated storage devices stand (an H3 cell of resolution 12).
pub const LOCATION: u64 = 0x08c1_f1d4_8945_d9ff;

/// The key of simulated device `index`: derived from a seed, not a secret phrase (a phrase
/// costs a key-stretching per key; a million keys must be cheap).
pub fn device_pair(index: u32) -> sr25519::Pair {
	sr25519::Pair::from_seed(&sp_crypto_hashing::blake2_256(
		&("depin-bench/device", index).encode(),
	))
}

/// The account that owns devices `group × DEVICES_PER_OWNER ..` (and signs their setup).
pub fn owner_pair(group: u32) -> sr25519::Pair {
	sr25519::Pair::from_seed(&sp_crypto_hashing::blake2_256(&("depin-bench/owner", group).encode()))
}

/// The number of owners `population` needs.
pub fn owners(population: Population) -> u32 {
	population.storage.div_ceil(DEVICES_PER_OWNER)
}

/// `template` (a chain spec from `depin-node export-chain-spec --chain dev`, in its patch
/// form) with the runtime `code` (hex, as a chain spec holds it) and the population's devices
/// and owners added to its genesis.
pub fn bench_spec(template: &Value, code: &str, population: Population) -> Result<Value> {
	let mut spec = template.clone();
	spec["name"] = json!("DePIN load harness");
	spec["id"] = json!("depin_bench");
	let genesis = spec
		.pointer_mut("/genesis/runtimeGenesis")
		.ok_or_else(|| anyhow!("the template is not a chain spec in patch form"))?;
	genesis["code"] = json!(code);
	let patch =
		genesis.get_mut("patch").ok_or_else(|| anyhow!("the template's genesis has no patch"))?;

	let capacity = 1u64
		.checked_shl(population.sector_depth)
		.and_then(|chunks| chunks.checked_mul(depin_merkle::CHUNK_SIZE as u64))
		.ok_or_else(|| anyhow!("a sector of depth {} is too large", population.sector_depth))?;
	let devices: Vec<Value> = (0..population.storage)
		.map(|index| {
			let group = index.checked_div(DEVICES_PER_OWNER).unwrap_or_default();
			let owner = owner_pair(group).public().to_ss58check();
			let key = device_pair(index).public().to_ss58check();
			json!([owner, { "Sr25519": key }, "Storage", LOCATION, capacity])
		})
		.collect();
	let balances: Vec<Value> = (0..owners(population))
		.map(|group| json!([owner_pair(group).public().to_ss58check(), OWNER_FUNDS]))
		.collect();
	append(patch, "/devices/devices", devices)?;
	append(patch, "/balances/balances", balances)?;
	Ok(spec)
}

/// Append `items` to the list at `pointer` in `patch`, creating it if the template has none.
fn append(patch: &mut Value, pointer: &str, items: Vec<Value>) -> Result<()> {
	let (parent, key) = pointer.rsplit_once('/').ok_or_else(|| anyhow!("bad pointer"))?;
	let parent = if parent.is_empty() {
		patch
	} else {
		if patch.pointer(parent).is_none() {
			patch[parent.trim_start_matches('/')] = json!({});
		}
		patch.pointer_mut(parent).ok_or_else(|| anyhow!("no {parent} in the genesis patch"))?
	};
	let list = parent
		.as_object_mut()
		.ok_or_else(|| anyhow!("{pointer} is not in an object"))?
		.entry(key)
		.or_insert_with(|| json!([]));
	list.as_array_mut().ok_or_else(|| anyhow!("{pointer} is not a list"))?.extend(items);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn template() -> Value {
		let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../chain-specs/local.json");
		serde_json::from_slice(&std::fs::read(path).expect("the committed spec")).expect("JSON")
	}

	#[test]
	fn the_spec_carries_the_devices_their_owners_and_the_code() {
		let template = template();
		let before = template["genesis"]["runtimeGenesis"]["patch"]["devices"]["devices"]
			.as_array()
			.map_or(0, Vec::len);
		let population = Population { storage: 2_500, sector_depth: 20 };
		let spec = bench_spec(&template, "0x0102", population).expect("a spec");
		let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
		assert_eq!(spec["genesis"]["runtimeGenesis"]["code"], "0x0102");
		assert_eq!(spec["id"], "depin_bench");
		let devices = patch["devices"]["devices"].as_array().expect("devices");
		assert_eq!(devices.len(), before + 2_500);
		let last = devices.last().expect("a device");
		assert_eq!(last[0], owner_pair(2).public().to_ss58check());
		assert_eq!(last[1]["Sr25519"], device_pair(2_499).public().to_ss58check());
		assert_eq!(last[4], 1u64 << 30, "a sector of 2^20 chunks of 1 KiB");
		assert_eq!(owners(population), 3);
		let funded: Vec<&Value> = patch["balances"]["balances"]
			.as_array()
			.expect("balances")
			.iter()
			.filter(|b| b[0] == owner_pair(0).public().to_ss58check())
			.collect();
		assert_eq!(funded.len(), 1);
		// Keys are deterministic and distinct.
		assert_eq!(device_pair(5).public(), device_pair(5).public());
		assert_ne!(device_pair(5).public(), device_pair(6).public());
	}

	#[test]
	fn a_template_that_is_not_a_spec_is_refused() {
		let population = Population { storage: 1, sector_depth: 20 };
		assert!(bench_spec(&json!({"name": "x"}), "0x00", population).is_err());
		let mut template = template();
		template["genesis"]["runtimeGenesis"]["patch"]["devices"] = json!({ "devices": 7 });
		assert!(bench_spec(&template, "0x00", population).is_err());
	}
}
