//! Genesis presets: `development` (one validator, Alice, with sudo), `local_testnet` (Alice,
//! Bob, Charlie and Dave validating, sudo Alice) and `testnet` (a template: the same four
//! validators, to be replaced by the operators' own keys, and no sudo key at all).

use alloc::{vec, vec::Vec};

use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_babe::AuthorityId as BabeId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::{
	AccountId, BabeConfig, Balance, BalancesConfig, RuntimeGenesisConfig, SessionConfig,
	SessionKeys, SudoConfig, ValidatorSetConfig, BABE_GENESIS_EPOCH_CONFIG, UNITS,
};

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

/// Builds the genesis configuration as a JSON patch over the default genesis.
pub fn genesis(
	validators: Vec<GenesisValidator>,
	endowed_accounts: Vec<AccountId>,
	root: Option<AccountId>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
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
	})
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
	genesis(four_validators(), dev_accounts(), Some(Sr25519Keyring::Alice.to_account_id()))
}

/// `testnet`: a template for a public test network. Operators replace the four validators with
/// their own keys; there is no sudo key, so every privileged change goes through governance.
pub fn testnet_config_genesis() -> Value {
	let validators = four_validators();
	let endowed = validators.iter().map(|v| v.account.clone()).collect();
	genesis(validators, endowed, None)
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
