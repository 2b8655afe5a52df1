//! Registration: one device, or many in one batch.

use anyhow::{anyhow, bail, Result};
use depin_primitives::device::{
	DeviceKey, DeviceKind, DeviceMetadata, Possession, Registration, REGISTER_CONTEXT,
};
use serde::Deserialize;
use serde_json::json;
use sp_core::H256;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

use super::{error_name, Home};
use crate::{
	chain::{account, bridge, Chain, Included},
	depin,
	keystore::Keystore,
	report::Report,
};

/// A device to register (also one entry of a batch file).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceSpec {
	/// The name of its key in the keystore.
	pub key: String,
	pub kind: Kind,
	/// H3 cell, hex (`8c1f1d48945d9ff`).
	pub location: String,
	/// Bytes for storage, units for compute, 0 for coverage and sensor.
	#[serde(default)]
	pub capacity: u64,
	#[serde(default)]
	pub model: String,
	#[serde(default)]
	pub firmware: String,
	/// The serial number; only its blake2-256 hash goes on chain.
	#[serde(default)]
	pub serial: String,
	/// An account allowed to operate the device.
	#[serde(default)]
	pub manager: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
	Storage,
	Coverage,
	Compute,
	// Sensor readings (weather, vehicle, map, energy meter); capacity 0.
	Sensor,
}

impl From<Kind> for DeviceKind {
	fn from(kind: Kind) -> Self {
		match kind {
			Kind::Storage => DeviceKind::Storage,
			Kind::Coverage => DeviceKind::Coverage,
			Kind::Compute => DeviceKind::Compute,
			Kind::Sensor => DeviceKind::Sensor,
		}
	}
}

pub fn parse_cell(text: &str) -> Result<u64> {
	let digits = text.trim_start_matches("0x");
	u64::from_str_radix(digits, 16)
		.map_err(|_| anyhow!("`{text}` is not an H3 cell (15 hex digits, e.g. 8c1f1d48945d9ff)"))
}

pub fn parse_account(text: &str) -> Result<AccountId32> {
	text.parse::<AccountId32>().map_err(|_| anyhow!("`{text}` is not an SS58 address"))
}

/// The registration of a device: its key proves possession by signing the payload that
/// binds it to this chain, this owner and the best block (the chain takes the proof for the
/// registry's `MaxProofAge` blocks after it).
pub async fn registration(
	chain: &Chain,
	store: &Keystore,
	owner: &AccountId32,
	spec: &DeviceSpec,
) -> Result<Registration<sp_core::crypto::AccountId32>> {
	let pair = store.pair(&spec.key)?;
	let key = pair.public();
	let signed_at = chain.best_number().await?;
	let possession = Possession { owner: account(owner), key, signed_at };
	let field = |text: &str, what: &str| {
		text.as_bytes()
			.to_vec()
			.try_into()
			.map_err(|_| anyhow!("the {what} `{text}` is longer than 64 bytes"))
	};
	Ok(Registration {
		key,
		proof: pair.sign_statement(REGISTER_CONTEXT, chain.genesis(), &possession),
		signed_at,
		kind: spec.kind.into(),
		location: parse_cell(&spec.location)?,
		capacity: spec.capacity,
		metadata: DeviceMetadata {
			model: field(&spec.model, "model")?,
			firmware: field(&spec.firmware, "firmware")?,
			serial_hash: H256(sp_crypto_hashing::blake2_256(spec.serial.as_bytes())),
		},
		manager: spec.manager.as_deref().map(parse_account).transpose()?.as_ref().map(account),
	})
}

/// Register one device, or many in one `register_batch` transaction.
pub async fn register(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	specs: &[DeviceSpec],
) -> Result<Report> {
	let store = home.keystore()?;
	let owner = signer.public_key().to_account_id();
	let mut registrations = Vec::with_capacity(specs.len());
	for spec in specs {
		registrations.push(registration(chain, &store, &owner, spec).await?);
	}
	let included = match registrations.as_slice() {
		[] => bail!("no devices to register"),
		[one] => chain.submit(&depin::tx().devices().register(bridge(one)?), signer).await?,
		many => {
			let batch = bridge(&many.to_vec())?;
			chain.submit(&depin::tx().devices().register_batch(batch), signer).await?
		},
	};
	let names: Vec<(DeviceKey, String)> =
		registrations.iter().zip(specs).map(|(r, s)| (r.key, s.key.clone())).collect();
	registered_report(&included, &names)
}

fn registered_report(included: &Included, names: &[(DeviceKey, String)]) -> Result<Report> {
	use depin::devices::events::{DeviceRegistered, ItemRejected};
	let mut lines = Vec::new();
	let mut devices = Vec::new();
	for event in included.events.find::<DeviceRegistered>() {
		let event = event?;
		let key: DeviceKey = bridge(&event.key)?;
		let name =
			names.iter().find(|(k, _)| *k == key).map(|(_, n)| n.clone()).unwrap_or_default();
		lines.push(format!("registered device {} ({name})", event.device));
		devices.push(json!({ "device": event.device, "key": name }));
	}
	let mut failures = Vec::new();
	for event in included.events.find::<ItemRejected>() {
		let event = event?;
		let name = names.get(event.index as usize).map(|(_, n)| n.clone()).unwrap_or_default();
		let error = error_name(included, &event.error);
		lines.push(format!("not registered: item {} ({name}): {error}", event.index));
		failures.push(json!({ "index": event.index, "key": name, "error": error }));
	}
	lines.push(format!("in block {:?}", included.block));
	Ok(Report::new(
		lines.join("\n"),
		json!({ "block": format!("{:?}", included.block), "registered": devices, "failed": failures }),
	))
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::ValueEnum;

	#[test]
	fn every_kind_has_a_name_on_the_command_line_and_in_a_batch_file() {
		for kind in Kind::value_variants() {
			let name = kind.to_possible_value().expect("every kind is listed");
			let chain = DeviceKind::from(*kind);
			// The CLI's name, the batch file's and the one the tool prints are the same.
			assert_eq!(name.get_name(), super::super::kind_name(chain));
			let spec: DeviceSpec = serde_json::from_value(
				json!({ "key": "box", "kind": name.get_name(), "location": "8c1f1d48945d9ff" }),
			)
			.expect("a batch entry");
			assert_eq!(spec.kind, *kind);
		}
		let kinds: Vec<DeviceKind> = Kind::value_variants().iter().map(|k| (*k).into()).collect();
		assert_eq!(kinds, DeviceKind::ALL.to_vec());
		assert_eq!(Kind::from_str("sensor", false), Ok(Kind::Sensor));
	}
}
