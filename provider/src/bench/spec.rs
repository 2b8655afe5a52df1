//! The harness's chain: the development chain spec with the normal runtime's code and, at
//! genesis, the simulated devices and their funded owners. Devices at genesis cost no blocks:
//! registering a million by batch would take about 500 blocks of nothing else.

use anyhow::{anyhow, Result};
use codec::Encode;
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};

use super::sparse::SparseSector;

/// The registry lets an account own at most this many devices (`devices.MaxDevicesPerOwner`).
pub const DEVICES_PER_OWNER: u32 = 1_000;

/// What each owner is given: the deposits of its devices and the fees of its transactions
/// (100,000 DPN, of 10^12 planck).
pub const OWNER_FUNDS: u128 = 100_000_000_000_000_000;

/// How many storage devices, each with one sector of `sector_depth` (chunks `2^depth`)
/// committed at genesis; how many accounts send balance transfers; how long a proving epoch
/// lasts.
#[derive(Clone, Copy, Debug)]
pub struct Population {
	pub storage: u32,
	/// Coverage hotspots on the beacon roster from genesis, in groups of 26
	/// ([`super::hotspots`]), after the storage devices.
	pub hotspots: u32,
	/// Compute devices of one unit of capacity, enrolled from genesis, after the hotspots.
	pub compute: u32,
	pub sector_depth: u32,
	pub senders: u32,
	/// Blocks of a proving epoch (`proofs.ProvingPeriod`); proofs are answered within all of
	/// it but the last two blocks (`proofs.ResponseWindow`), as on the dev chain.
	pub epoch_blocks: u32,
	/// The share of storage devices audited in an epoch (`proofs.AuditRate`), in percent;
	/// `None` keeps the template's (the dev chain's: every device every epoch).
	pub storage_audit: Option<u32>,
}

impl Population {
	/// The storage audit rate, in parts per billion.
	pub fn storage_audit_ppb(&self) -> u32 {
		let ppb = self.storage_audit.map_or(depin_primitives::BILLION, |percent| {
			u64::from(percent).saturating_mul(depin_primitives::BILLION / 100)
		});
		u32::try_from(ppb.min(depin_primitives::BILLION)).unwrap_or(u32::MAX)
	}
}

/// What each hotspot's owner is given: its deposit and its relays' fees (1,000 DPN).
pub const HOTSPOT_OWNER_FUNDS: u128 = 1_000_000_000_000_000;

/// The id the chain gives hotspot `index`: after the storage devices.
pub fn hotspot_id(template_devices: u32, population: Population, index: u32) -> u64 {
	device_id(template_devices, population.storage).saturating_add(u64::from(index))
}

/// The id the chain gives compute device `index`: after the hotspots.
pub fn compute_id(template_devices: u32, population: Population, index: u32) -> u64 {
	hotspot_id(template_devices, population, population.hotspots).saturating_add(u64::from(index))
}

/// The capacity of each compute device: one unit (512 segments of 1,024 hashes, about a
/// tenth of a second of a core a workload).
pub const COMPUTE_CAPACITY: u64 = 1;

/// The key of compute device `index`.
pub fn compute_pair(index: u32) -> sr25519::Pair {
	sr25519::Pair::from_seed(&sp_crypto_hashing::blake2_256(
		&("depin-bench/compute", index).encode(),
	))
}

/// The seed of the account that owns compute devices `group × DEVICES_PER_OWNER ..` and
/// relays their commitments and reveals.
pub fn compute_owner_seed(group: u32) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&("depin-bench/compute-owner", group).encode())
}

/// The seed of the owner of compute device `index`.
pub fn compute_owner_seed_of(index: u32) -> [u8; 32] {
	compute_owner_seed(index.checked_div(DEVICES_PER_OWNER).unwrap_or_default())
}

/// The owner of compute device `index`.
pub fn compute_owner_pair(index: u32) -> sr25519::Pair {
	sr25519::Pair::from_seed(&compute_owner_seed_of(index))
}

/// What each transfer sender is given (1,000 DPN).
pub const SENDER_FUNDS: u128 = 1_000_000_000_000_000;

/// The key of transfer sender `index`.
pub fn sender_pair(index: u32) -> sr25519::Pair {
	sr25519::Pair::from_seed(&sender_seed(index))
}

/// The same key as `pair`, as the transaction signer the provider uses.
pub fn signer(seed: [u8; 32]) -> Result<subxt_signer::sr25519::Keypair> {
	subxt_signer::sr25519::Keypair::from_secret_key(seed)
		.map_err(|e| anyhow!("a bad secret key: {e:?}"))
}

/// The seed `owner_pair(group)` is made from.
pub fn owner_seed(group: u32) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&("depin-bench/owner", group).encode())
}

/// The seed `sender_pair(index)` is made from.
pub fn sender_seed(index: u32) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&("depin-bench/sender", index).encode())
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
	sr25519::Pair::from_seed(&owner_seed(group))
}

/// The number of owners `population` needs.
pub fn owners(population: Population) -> u32 {
	population.storage.div_ceil(DEVICES_PER_OWNER)
}

/// The id the chain gives simulated device `index`: genesis devices are numbered in order,
/// after the template's own.
pub fn device_id(template_devices: u32, index: u32) -> u64 {
	u64::from(template_devices).saturating_add(u64::from(index))
}

/// How many devices the template registers at genesis.
pub fn template_devices(template: &Value) -> u32 {
	template
		.pointer("/genesis/runtimeGenesis/patch/devices/devices")
		.and_then(Value::as_array)
		.map_or(0, |devices| u32::try_from(devices.len()).unwrap_or(u32::MAX))
}

/// `template` (a chain spec from `depin-node export-chain-spec --chain dev`, in its patch
/// form) with the runtime `code` (hex, as a chain spec holds it), the population's devices,
/// their sectors (committed at genesis, sparse: [`SparseSector`]), owners and senders added to
/// its genesis, and its proving epochs `population.epoch_blocks` long.
pub fn bench_spec(template: &Value, code: &str, population: Population) -> Result<Value> {
	let first = template_devices(template);
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
	let sectors: Vec<Value> = (0..population.storage)
		.map(|index| {
			let id = device_id(first, index);
			let sparse = SparseSector::new(id, 0, population.sector_depth);
			json!([id, format!("0x{}", hex::encode(sparse.root())), sparse.chunks()])
		})
		.collect();
	use super::hotspots;
	let mut hotspot_devices = Vec::new();
	let mut roster = Vec::new();
	for index in 0..population.hotspots {
		let owner = hotspots::owner_pair(index).public().to_ss58check();
		let key = hotspots::hotspot_pair(index).public().to_ss58check();
		let cell = hotspots::hotspot_cell(index)?;
		hotspot_devices.push(json!([owner, { "Sr25519": key }, "Coverage", cell, 0]));
		roster.push(json!(hotspot_id(first, population, index)));
	}
	let mut compute_devices = Vec::new();
	let mut workers = Vec::new();
	for index in 0..population.compute {
		let owner = compute_owner_pair(index).public().to_ss58check();
		let key = compute_pair(index).public().to_ss58check();
		compute_devices
			.push(json!([owner, { "Sr25519": key }, "Compute", LOCATION, COMPUTE_CAPACITY]));
		workers.push(json!(compute_id(first, population, index)));
	}
	let compute_owners = population.compute.div_ceil(DEVICES_PER_OWNER);
	let balances: Vec<Value> = (0..owners(population))
		.map(|group| json!([owner_pair(group).public().to_ss58check(), OWNER_FUNDS]))
		.chain(
			(0..population.senders)
				.map(|index| json!([sender_pair(index).public().to_ss58check(), SENDER_FUNDS])),
		)
		.chain((0..population.hotspots).map(|index| {
			json!([hotspots::owner_pair(index).public().to_ss58check(), HOTSPOT_OWNER_FUNDS])
		}))
		.chain((0..compute_owners).map(|group| {
			let owner = sr25519::Pair::from_seed(&compute_owner_seed(group));
			json!([owner.public().to_ss58check(), OWNER_FUNDS])
		}))
		.collect();
	append(patch, "/devices/devices", devices)?;
	append(patch, "/devices/devices", hotspot_devices)?;
	append(patch, "/devices/devices", compute_devices)?;
	append(patch, "/coverage/roster", roster)?;
	append(patch, "/compute/workers", workers)?;
	append(patch, "/proofs/sectors", sectors)?;
	append(patch, "/balances/balances", balances)?;
	set_epoch(patch, population.epoch_blocks, population.storage_audit)?;
	Ok(spec)
}

/// Set the proving period to `blocks` and the response window to `blocks - 2` in the genesis
/// parameters (replacing the template's), and the storage audit rate to `audit` percent if
/// given.
fn set_epoch(patch: &mut Value, blocks: u32, audit: Option<u32>) -> Result<()> {
	use crate::depin::runtime_types::{
		depin_runtime::configs::parameters::{
			dynamic_params::proofs::{AuditRate, Parameters, ProvingPeriod, ResponseWindow},
			RuntimeParameters,
		},
		sp_arithmetic::per_things::Perbill,
	};
	if blocks < 4 {
		return Err(anyhow!("an epoch of {blocks} blocks is too short: at least 4"));
	}
	if audit.is_some_and(|percent| percent == 0 || percent > 100) {
		return Err(anyhow!("a storage audit rate is a percentage from 1 to 100"));
	}
	let encode = |parameter: RuntimeParameters| format!("0x{}", hex::encode(parameter.encode()));
	let period = RuntimeParameters::Proofs(Parameters::ProvingPeriod(ProvingPeriod, Some(blocks)));
	let window = RuntimeParameters::Proofs(Parameters::ResponseWindow(
		ResponseWindow,
		Some(blocks.saturating_sub(2)),
	));
	let list = patch
		.pointer_mut("/guardedParameters/parameters")
		.and_then(Value::as_array_mut)
		.ok_or_else(|| anyhow!("the template sets no parameters"))?;
	let replaced = |value: &Value| {
		let Some(bytes) = value.as_str().and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
		else {
			return false;
		};
		match <RuntimeParameters as codec::Decode>::decode(&mut &bytes[..]) {
			Ok(RuntimeParameters::Proofs(
				Parameters::ProvingPeriod(..) | Parameters::ResponseWindow(..),
			)) => true,
			Ok(RuntimeParameters::Proofs(Parameters::AuditRate(..))) => audit.is_some(),
			_ => false,
		}
	};
	list.retain(|value| !replaced(value));
	list.push(json!(encode(period)));
	list.push(json!(encode(window)));
	if let Some(percent) = audit {
		let rate = Perbill(percent.saturating_mul(10_000_000));
		let audit = RuntimeParameters::Proofs(Parameters::AuditRate(AuditRate, Some(rate)));
		list.push(json!(encode(audit)));
	}
	Ok(())
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
		let population = Population {
			storage: 2_500,
			hotspots: 52,
			compute: 3,
			sector_depth: 20,
			senders: 4,
			epoch_blocks: 60,
			storage_audit: Some(25),
		};
		let spec = bench_spec(&template, "0x0102", population).expect("a spec");
		let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
		assert_eq!(spec["genesis"]["runtimeGenesis"]["code"], "0x0102");
		assert_eq!(spec["id"], "depin_bench");
		let devices = patch["devices"]["devices"].as_array().expect("devices");
		assert_eq!(devices.len(), before + 2_500 + 52 + 3);
		// The compute devices come last, enrolled, owned by their own owner.
		let worker = devices.last().expect("a compute device");
		assert_eq!(worker[0], compute_owner_pair(2).public().to_ss58check());
		assert_eq!(worker[1]["Sr25519"], compute_pair(2).public().to_ss58check());
		assert_eq!((worker[2].as_str(), worker[4].as_u64()), (Some("Compute"), Some(1)));
		let workers = patch["compute"]["workers"].as_array().expect("workers");
		assert_eq!(workers.len(), 3);
		assert_eq!(workers[2], compute_id(template_devices(&template), population, 2));
		assert_eq!(workers[0], hotspot_id(template_devices(&template), population, 52));
		// Before them the hotspots, each with an owner of its own, all on the roster.
		let hotspot = &devices[before + 2_500 + 51];
		assert_eq!(hotspot[0], super::super::hotspots::owner_pair(51).public().to_ss58check());
		assert_eq!((hotspot[2].as_str(), hotspot[4].as_u64()), (Some("Coverage"), Some(0)));
		let roster = patch["coverage"]["roster"].as_array().expect("a roster");
		assert_eq!(roster.len(), 52);
		assert_eq!(roster[51], hotspot_id(template_devices(&template), population, 51));
		assert_eq!(roster[0], device_id(template_devices(&template), 2_500));
		let last = &devices[before + 2_499];
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
		let sectors = patch["proofs"]["sectors"].as_array().expect("sectors");
		assert_eq!(sectors.len(), 2_500);
		let id = device_id(template_devices(&template), 2_499);
		assert_eq!(sectors[2_499][0], id);
		assert_eq!(
			sectors[2_499][1],
			format!("0x{}", hex::encode(SparseSector::new(id, 0, 20).root()))
		);
		assert_eq!(sectors[2_499][2], 1 << 20);
		let senders = patch["balances"]["balances"]
			.as_array()
			.expect("balances")
			.iter()
			.filter(|b| b[0] == sender_pair(3).public().to_ss58check())
			.count();
		assert_eq!(senders, 1);
		// The epoch's two parameters replace the template's: 60 and 58 blocks.
		let parameters = patch["guardedParameters"]["parameters"].as_array().expect("parameters");
		assert!(parameters.contains(&json!("0x0100013c000000")));
		assert!(parameters.contains(&json!("0x0101013a000000")));
		assert!(!parameters.contains(&json!("0x0100010a000000")));
		// The storage audit rate replaces the template's (every device every epoch): 25 %.
		assert!(parameters.contains(&json!("0x01090180b2e60e")));
		assert!(!parameters.contains(&json!("0x01090100ca9a3b")));
		// The transaction signer is the same key.
		let signer = signer(owner_seed(1)).expect("a key");
		assert_eq!(signer.public_key().0, owner_pair(1).public().0);
		// Keys are deterministic and distinct.
		assert_eq!(device_pair(5).public(), device_pair(5).public());
		assert_ne!(device_pair(5).public(), device_pair(6).public());
	}

	#[test]
	fn a_template_that_is_not_a_spec_is_refused() {
		let population = Population {
			storage: 1,
			hotspots: 0,
			compute: 0,
			sector_depth: 20,
			senders: 0,
			epoch_blocks: 10,
			storage_audit: None,
		};
		assert!(bench_spec(&json!({"name": "x"}), "0x00", population).is_err());
		let mut template = template();
		template["genesis"]["runtimeGenesis"]["patch"]["devices"] = json!({ "devices": 7 });
		assert!(bench_spec(&template, "0x00", population).is_err());
	}
}
