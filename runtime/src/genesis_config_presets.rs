//! Genesis presets: `development` (one validator, Alice, with sudo), `local_testnet` (Alice,
//! Bob, Charlie and Dave validating, sudo Alice), both with Alice's three dev devices, and
//! `testnet` (a template: the same four validators, to be replaced by the operators' own keys,
//! no sudo key at all and no devices).

use alloc::{vec, vec::Vec};

use depin_primitives::sensor::{Schema, SchemaId};
use frame_support::build_struct_json_patch;
use hex_literal::hex;
use pallet_devices::{DeviceKey, DeviceKind};
use serde_json::Value;
use sp_consensus_babe::AuthorityId as BabeId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::{ecdsa, ed25519, sr25519};
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::Perbill;

use crate::{
	configs::{
		parameters::{compute_params, coverage_params, governance_params, proof_params},
		RuntimeParameters,
	},
	AccountId, BabeConfig, Balance, BalancesConfig, BlockNumber, DevicesConfig,
	GuardedParametersConfig, RuntimeGenesisConfig, SensorsConfig, SessionConfig, SessionKeys,
	SudoConfig, ValidatorSetConfig, BABE_GENESIS_EPOCH_CONFIG, DAYS, UNITS,
};
use codec::Encode;

/// The preset for a public testnet without sudo (a template for operators).
pub const TESTNET_RUNTIME_PRESET: &str = "testnet";

/// Balance given to each endowed account at genesis.
pub const ENDOWMENT: Balance = 1_000_000 * UNITS;

/// A validator at genesis: its account and its session keys.
#[derive(Clone)]
pub struct GenesisValidator {
	/// The validator's account (stash and controller in one).
	pub account: AccountId,
	/// BABE block-production key.
	pub babe: BabeId,
	/// GRANDPA finality key.
	pub grandpa: GrandpaId,
}

impl GenesisValidator {
	/// A validator with the well-known development keys of one name (`//Alice`, …): its
	/// account and BABE key are sr25519, its GRANDPA key ed25519.
	pub fn dev(sr: Sr25519Keyring, ed: Ed25519Keyring) -> Self {
		Self { account: sr.to_account_id(), babe: sr.public().into(), grandpa: ed.public().into() }
	}
}

/// A device registered at genesis in the development and local presets. Its key derives from
/// `seed` (a `//` derivation path of the empty dev phrase, like `//Alice`), so provider tools and
/// tests can sign for it: `depin-node key inspect --scheme <scheme> <seed>`.
pub struct DevDevice {
	/// The secret URI of the device key.
	pub seed: &'static str,
	/// The device key (checked against `seed` by the runtime tests).
	pub key: DeviceKey,
	/// What the device does.
	pub kind: DeviceKind,
	/// Raw H3 cell (resolution 12) of its location.
	pub location: u64,
	/// Declared capacity.
	pub capacity: u64,
}

/// Alice's development devices: one of each kind proven by a pallet of the runtime (no sensor
/// yet: the sensor pallet is not in it), one of each key scheme.
pub fn dev_devices() -> Vec<DevDevice> {
	vec![
		DevDevice {
			seed: "//depin-dev-storage",
			key: DeviceKey::Sr25519(sr25519::Public::from_raw(hex!(
				"e855bbdfac9e35fd57c2f3db916943b8380cbf567e6659aaa5919f7835320918"
			))),
			kind: DeviceKind::Storage,
			// Berlin, 52.52 N 13.405 E.
			location: 0x8c1f1d48945d9ff,
			// 1 TiB.
			capacity: 1 << 40,
		},
		DevDevice {
			seed: "//depin-dev-coverage",
			key: DeviceKey::Ed25519(ed25519::Public::from_raw(hex!(
				"c1ad473124fe2f1db37b23861faef0ae14e84628ac352937ad1340a50a43f435"
			))),
			kind: DeviceKind::Coverage,
			// Paris, 48.8566 N 2.3522 E.
			location: 0x8c1fb46625551ff,
			capacity: 0,
		},
		DevDevice {
			seed: "//depin-dev-compute",
			key: DeviceKey::Ecdsa(ecdsa::Public::from_raw(hex!(
				"02e4af9bc92e0e6e34b7a295bbf99655f28ec1cfda98383b9df51426f9582be35c"
			))),
			kind: DeviceKind::Compute,
			// Nairobi, 1.2921 S 36.8219 E.
			location: 0x8c7a6e42ca207ff,
			// Compute units: 16 are about 1.5 s of one core a workload.
			capacity: 16,
		},
	]
}

/// A dev chain's proving epoch: a minute.
pub const DEV_PROVING_PERIOD: BlockNumber = 10;

/// Runtime parameters of the dev and local chains: a day of governance time lasts one block
/// (a referendum passes in about a minute) and proving epochs last a minute.
pub fn dev_parameters() -> Vec<RuntimeParameters> {
	vec![
		RuntimeParameters::Governance(governance_params::Parameters::PeriodDivisor(
			governance_params::PeriodDivisor,
			Some(DAYS),
		)),
		RuntimeParameters::Proofs(proof_params::Parameters::ProvingPeriod(
			proof_params::ProvingPeriod,
			Some(DEV_PROVING_PERIOD),
		)),
		RuntimeParameters::Proofs(proof_params::Parameters::ResponseWindow(
			proof_params::ResponseWindow,
			Some(DEV_PROVING_PERIOD - 2),
		)),
		// A compute job's receipt may be disputed for an epoch, and a job nobody delivered is
		// cancelled after three: the simulator's jobs pay within a few minutes.
		RuntimeParameters::Compute(compute_params::Parameters::DisputeWindow(
			compute_params::DisputeWindow,
			Some(DEV_PROVING_PERIOD),
		)),
		RuntimeParameters::Compute(compute_params::Parameters::JobTimeout(
			compute_params::JobTimeout,
			Some(3 * DEV_PROVING_PERIOD),
		)),
		// Every compute device audited every epoch: a dev chain has a handful, and its tests
		// and simulator follow each one's audits epoch by epoch.
		RuntimeParameters::Compute(compute_params::Parameters::AuditRate(
			compute_params::AuditRate,
			Some(Perbill::one()),
		)),
		// Every storage device audited every epoch: the dev chains' tests, simulator and
		// daemons follow each sector's proofs epoch by epoch.
		RuntimeParameters::Proofs(proof_params::Parameters::AuditRate(
			proof_params::AuditRate,
			Some(Perbill::one()),
		)),
		// Every hotspot on the roster beacons every epoch: a dev chain's handful beacon and
		// witness each other epoch by epoch.
		RuntimeParameters::Coverage(coverage_params::Parameters::BeaconInterval(
			coverage_params::BeaconInterval,
			Some(1),
		)),
	]
}

/// The schemas every network starts with, the two the provider tools know: a weather station
/// (schema 0) and an energy meter (schema 1).
pub fn schemas() -> Vec<Schema> {
	vec![Schema::weather_station(), Schema::energy_meter()]
}

/// The dev and local chains' schemas: [`schemas`], with the meter reading every half minute
/// instead of every 15. A trade settles an epoch's advance only when both meters attested the
/// epoch before too, so a meter must have a reading due every epoch wherever in the epoch its
/// operator attests, and these epochs last a minute.
pub fn dev_schemas() -> Vec<Schema> {
	let mut schemas = schemas();
	for schema in &mut schemas {
		if schema.name.as_slice() == b"energy-meter" {
			schema.interval = 30;
		}
	}
	schemas
}

/// The secret URI of the dev maker's key ([`dev_maker`]).
pub const DEV_MAKER_SEED: &str = "//depin-dev-maker";

/// The dev and local chains' maker of weather stations (maker 0): the provider tools' simulator
/// plays it, certifying its stations' keys ([`DEV_MAKER_SEED`], sr25519), up to a thousand.
pub fn dev_maker() -> (SchemaId, DeviceKey, u32) {
	let key = DeviceKey::Sr25519(sr25519::Public::from_raw(hex!(
		"36541be5a6e5a30ea50bf78146f0413e2f1fe859955df4d3f27159027fcd6c7f"
	)));
	(WEATHER_STATION, key, 1_000)
}

/// The weather-station schema's number.
const WEATHER_STATION: SchemaId = 0;

/// Builds the genesis configuration as a JSON patch over the default genesis. Every schema a
/// maker of `makers` makes devices for takes certified devices only.
pub fn genesis(
	validators: Vec<GenesisValidator>,
	endowed_accounts: Vec<AccountId>,
	root: Option<AccountId>,
	devices: Vec<(AccountId, DevDevice)>,
	parameters: Vec<RuntimeParameters>,
	schemas: Vec<Schema>,
	makers: Vec<(SchemaId, DeviceKey, u32)>,
) -> Value {
	let mut certificates_required: Vec<SchemaId> = makers.iter().map(|m| m.0).collect();
	certificates_required.dedup();
	build_struct_json_patch!(RuntimeGenesisConfig {
		guarded_parameters: GuardedParametersConfig {
			parameters: parameters.iter().map(|p| p.encode().into()).collect::<Vec<_>>(),
		},
		devices: DevicesConfig {
			devices: devices
				.into_iter()
				.map(|(owner, d)| (owner, d.key, d.kind, d.location, d.capacity))
				.collect::<Vec<_>>(),
		},
		balances: BalancesConfig {
			balances: endowed_accounts.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		babe: BabeConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG },
		validator_set: ValidatorSetConfig {
			invulnerables: validators.iter().map(|v| v.account.clone()).collect::<Vec<_>>(),
		},
		session: SessionConfig {
			keys: validators
				.into_iter()
				.map(|v| {
					(v.account.clone(), v.account, SessionKeys { babe: v.babe, grandpa: v.grandpa })
				})
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: root },
		sensors: SensorsConfig { schemas, makers, certificates_required },
	})
}

fn alice_devices() -> Vec<(AccountId, DevDevice)> {
	let alice = Sr25519Keyring::Alice.to_account_id();
	dev_devices().into_iter().map(|d| (alice.clone(), d)).collect()
}

fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter().map(|k| k.to_account_id()).collect()
}

/// `development`: Alice validates alone and holds the sudo key; all dev accounts are endowed.
pub fn development_config_genesis() -> Value {
	genesis(
		vec![GenesisValidator::dev(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		alice_devices(),
		dev_parameters(),
		dev_schemas(),
		vec![dev_maker()],
	)
}

/// The four validators of the local and test networks.
fn four_validators() -> Vec<GenesisValidator> {
	vec![
		GenesisValidator::dev(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
		GenesisValidator::dev(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		GenesisValidator::dev(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
		GenesisValidator::dev(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
	]
}

/// `local_testnet`: Alice, Bob, Charlie and Dave validate; Alice holds the sudo key.
pub fn local_config_genesis() -> Value {
	genesis(
		four_validators(),
		dev_accounts(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		alice_devices(),
		dev_parameters(),
		dev_schemas(),
		vec![dev_maker()],
	)
}

/// `testnet`: a template for a public test network. Operators replace the four validators with
/// their own keys; there is no sudo key, so every privileged change goes through governance.
pub fn testnet_config_genesis() -> Value {
	let validators = four_validators();
	let endowed = validators.iter().map(|v| v.account.clone()).collect();
	genesis(validators, endowed, None, Vec::new(), Vec::new(), schemas(), Vec::new())
}

/// Provides the JSON representation of the predefined genesis config for the given `id`.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		TESTNET_RUNTIME_PRESET => testnet_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// List of supported presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(TESTNET_RUNTIME_PRESET),
	]
}
