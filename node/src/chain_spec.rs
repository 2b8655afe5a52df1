//! Chain specifications: built from the runtime's genesis presets, or loaded from a file.

use depin_runtime::{
	genesis_config_presets::TESTNET_RUNTIME_PRESET, DECIMALS, TOKEN_SYMBOL, WASM_BINARY,
};
use sc_service::{ChainType, Properties};

/// A chain specification of this chain (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// The runtime as chain specs carry it: zstd-compressed, as release builds embed it (test builds
/// embed the plain Wasm), so spec files stay small; the quick level, since every node start
/// builds its spec. Nodes decompress `:code` when they load it.
fn wasm_binary() -> Result<Vec<u8>, String> {
	use sp_maybe_compressed_blob::{compress_weakly, decompress, CODE_BLOB_BOMB_LIMIT};
	let wasm = WASM_BINARY.ok_or_else(|| {
		"The Wasm runtime is not available: this node was built with SKIP_WASM_BUILD".to_string()
	})?;
	match decompress(wasm, CODE_BLOB_BOMB_LIMIT) {
		// Already compressed.
		Ok(std::borrow::Cow::Owned(_)) => Ok(wasm.to_vec()),
		_ => compress_weakly(wasm, CODE_BLOB_BOMB_LIMIT)
			.ok_or_else(|| "The Wasm runtime is too large to compress".to_string()),
	}
}

/// Token symbol, decimals and address format, for wallets such as Polkadot.js.
pub fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(&wasm_binary()?, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--dev`: Alice alone authors and finalizes.
pub fn development_config() -> Result<ChainSpec, String> {
	from_preset(
		"DePIN Development",
		"depin_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `--chain local`: Alice, Bob, Charlie and Dave validate on one machine.
pub fn local_testnet_config() -> Result<ChainSpec, String> {
	from_preset(
		"DePIN Local Testnet",
		"depin_local",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}

/// `--chain testnet`: the public testnet template, without sudo.
pub fn testnet_config() -> Result<ChainSpec, String> {
	from_preset("DePIN Testnet", "depin_testnet", ChainType::Live, TESTNET_RUNTIME_PRESET)
}

/// Resolves a `--chain` value: a known name, or the path of an existing chain-spec file.
/// Anything else is refused with a one-line error instead of being taken for a path.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
	Ok(match id {
		"dev" => Box::new(development_config()?),
		"" | "local" => Box::new(local_testnet_config()?),
		"testnet" => Box::new(testnet_config()?),
		path => {
			let file = std::path::PathBuf::from(path);
			if !file.is_file() {
				return Err(format!(
					"unknown chain `{path}`: expected `dev`, `local`, `testnet` or the path of a \
					 chain-spec JSON file"
				));
			}
			let spec = ChainSpec::from_json_file(file)
				.map_err(|e| format!("invalid chain spec `{path}`: {}", e.replace('\n', " ")))?;
			Box::new(spec)
		},
	})
}
