//! Device keys, kept in one JSON file that only its owner may read (mode 0600).
//!
//! A device key signs two things: the proof of possession when the device is registered, and
//! every proof the device answers a challenge with. The chain knows the public key only; the
//! secret stays here. Each key has a name the other commands refer to, a scheme (sr25519,
//! ed25519 or ECDSA, as the registry accepts) and a secret URI: a generated BIP-39 phrase, a
//! `0x` seed, or any URI `subkey` accepts (`//name` derivations included).

use std::{
	fs,
	io::Write,
	os::unix::fs::{OpenOptionsExt, PermissionsExt},
	path::{Path, PathBuf},
};

use anyhow::{anyhow, bail, Context, Result};
use depin_primitives::DeviceKey;
pub use depin_primitives::DevicePair;
use serde::{Deserialize, Serialize};
use sp_core::{ecdsa, ed25519, sr25519, Pair};

/// A signature scheme the device registry accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
	Sr25519,
	Ed25519,
	Ecdsa,
}

impl Scheme {
	pub fn as_str(self) -> &'static str {
		match self {
			Scheme::Sr25519 => "sr25519",
			Scheme::Ed25519 => "ed25519",
			Scheme::Ecdsa => "ecdsa",
		}
	}

	/// The pair a secret URI names in this scheme.
	pub fn pair(self, uri: &str) -> Result<DevicePair> {
		let bad = |e| anyhow!("not a valid {} secret: {e:?}", self.as_str());
		Ok(match self {
			Scheme::Sr25519 => sr25519::Pair::from_string(uri, None).map_err(bad)?.into(),
			Scheme::Ed25519 => ed25519::Pair::from_string(uri, None).map_err(bad)?.into(),
			Scheme::Ecdsa => ecdsa::Pair::from_string(uri, None).map_err(bad)?.into(),
		})
	}

	/// A new random pair in this scheme, and its phrase.
	pub fn generate(self) -> (DevicePair, String) {
		match self {
			Scheme::Sr25519 => {
				let (pair, phrase, _) = sr25519::Pair::generate_with_phrase(None);
				(pair.into(), phrase)
			},
			Scheme::Ed25519 => {
				let (pair, phrase, _) = ed25519::Pair::generate_with_phrase(None);
				(pair.into(), phrase)
			},
			Scheme::Ecdsa => {
				let (pair, phrase, _) = ecdsa::Pair::generate_with_phrase(None);
				(pair.into(), phrase)
			},
		}
	}

	/// The scheme of a pair.
	pub fn of(pair: &DevicePair) -> Self {
		match pair {
			DevicePair::Sr25519(_) => Scheme::Sr25519,
			DevicePair::Ed25519(_) => Scheme::Ed25519,
			DevicePair::Ecdsa(_) => Scheme::Ecdsa,
		}
	}
}

/// The public half of a key as text: `scheme:0xhex`.
pub fn public_hex(key: &DeviceKey) -> String {
	let (scheme, bytes): (&str, &[u8]) = match key {
		DeviceKey::Sr25519(k) => ("sr25519", k.as_ref()),
		DeviceKey::Ed25519(k) => ("ed25519", k.as_ref()),
		DeviceKey::Ecdsa(k) => ("ecdsa", k.as_ref()),
	};
	format!("{scheme}:0x{}", hex::encode(bytes))
}

/// One stored key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredKey {
	pub name: String,
	pub scheme: Scheme,
	/// The secret URI (phrase, `0x` seed or derivation).
	pub secret: String,
	/// `scheme:0xhex`, for reading the file without the tool.
	pub public: String,
}

#[derive(Default, Serialize, Deserialize)]
struct KeystoreFile {
	keys: Vec<StoredKey>,
}

/// The keystore file.
pub struct Keystore {
	path: PathBuf,
	keys: Vec<StoredKey>,
}

impl Keystore {
	/// Open the keystore at `path` (empty if the file does not exist yet). Refuses a file
	/// others can read: the secrets would not be secret.
	pub fn open(path: &Path) -> Result<Self> {
		if !path.exists() {
			return Ok(Self { path: path.to_path_buf(), keys: Vec::new() });
		}
		let mode = fs::metadata(path)
			.with_context(|| format!("cannot read the keystore {}", path.display()))?
			.permissions()
			.mode();
		if mode & 0o077 != 0 {
			bail!(
				"the keystore {} is readable by other users (mode {:o}); run `chmod 600 {}`",
				path.display(),
				mode & 0o777,
				path.display()
			);
		}
		let text = fs::read_to_string(path)
			.with_context(|| format!("cannot read the keystore {}", path.display()))?;
		let file: KeystoreFile = serde_json::from_str(&text)
			.with_context(|| format!("the keystore {} is not valid JSON", path.display()))?;
		Ok(Self { path: path.to_path_buf(), keys: file.keys })
	}

	pub fn keys(&self) -> &[StoredKey] {
		&self.keys
	}

	/// The pair stored under `name`.
	pub fn pair(&self, name: &str) -> Result<DevicePair> {
		let key = self.keys.iter().find(|k| k.name == name).ok_or_else(|| {
			anyhow!(
				"no key named `{name}` in {} (see `depin-provider keys list`)",
				self.path.display()
			)
		})?;
		key.scheme.pair(&key.secret).with_context(|| format!("the stored key `{name}`"))
	}

	/// The stored pair whose public key is `key`, with its name.
	pub fn find(&self, key: &DeviceKey) -> Option<(String, DevicePair)> {
		let public = public_hex(key);
		let stored = self.keys.iter().find(|k| k.public == public)?;
		Some((stored.name.clone(), stored.scheme.pair(&stored.secret).ok()?))
	}

	/// Add a pair under a new name and save the file.
	pub fn add(&mut self, name: &str, secret: &str, pair: &DevicePair) -> Result<StoredKey> {
		if name.is_empty() {
			bail!("a key needs a name");
		}
		if self.keys.iter().any(|k| k.name == name) {
			bail!("a key named `{name}` is already in {}", self.path.display());
		}
		let public = public_hex(&pair.public());
		if let Some(other) = self.keys.iter().find(|k| k.public == public) {
			bail!("this key is already stored as `{}`", other.name);
		}
		let stored = StoredKey {
			name: name.to_string(),
			scheme: Scheme::of(pair),
			secret: secret.to_string(),
			public,
		};
		self.keys.push(stored.clone());
		self.save()?;
		Ok(stored)
	}

	/// Write the file: a new file with mode 0600, then renamed over the old one.
	fn save(&self) -> Result<()> {
		if let Some(dir) = self.path.parent() {
			fs::create_dir_all(dir)
				.with_context(|| format!("cannot create the folder {}", dir.display()))?;
		}
		let tmp = self.path.with_extension("json.tmp");
		let text = serde_json::to_string_pretty(&KeystoreFile { keys: self.keys.clone() })?;
		let mut file = fs::OpenOptions::new()
			.write(true)
			.create(true)
			.truncate(true)
			.mode(0o600)
			.open(&tmp)
			.with_context(|| format!("cannot write {}", tmp.display()))?;
		fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))?;
		file.write_all(text.as_bytes())?;
		file.sync_all()?;
		fs::rename(&tmp, &self.path)
			.with_context(|| format!("cannot write {}", self.path.display()))?;
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use depin_primitives::DeviceSignature;

	#[test]
	fn keys_are_saved_with_mode_0600_and_read_back() {
		let dir = tempfile::tempdir().expect("tempdir");
		let path = dir.path().join("keys.json");
		let mut store = Keystore::open(&path).expect("a new keystore");
		for scheme in [Scheme::Sr25519, Scheme::Ed25519, Scheme::Ecdsa] {
			let (pair, phrase) = scheme.generate();
			store.add(scheme.as_str(), &phrase, &pair).expect("added");
		}
		let mode = fs::metadata(&path).expect("written").permissions().mode();
		assert_eq!(mode & 0o777, 0o600);
		let again = Keystore::open(&path).expect("read back");
		assert_eq!(again.keys().len(), 3);
		for key in again.keys() {
			let pair = again.pair(&key.name).expect("stored");
			assert_eq!(public_hex(&pair.public()), key.public);
			assert_eq!(Scheme::of(&pair), key.scheme);
		}
	}

	#[test]
	fn a_keystore_others_can_read_is_refused() {
		let dir = tempfile::tempdir().expect("tempdir");
		let path = dir.path().join("keys.json");
		let mut store = Keystore::open(&path).expect("a new keystore");
		let pair = Scheme::Sr25519.pair("//box").expect("uri");
		store.add("box", "//box", &pair).expect("added");
		fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
		let error = Keystore::open(&path).err().expect("refused").to_string();
		assert!(error.contains("readable by other users (mode 644)"), "{error}");
	}

	#[test]
	fn duplicate_names_keys_and_bad_secrets_are_refused() {
		let dir = tempfile::tempdir().expect("tempdir");
		let path = dir.path().join("keys.json");
		let mut store = Keystore::open(&path).expect("a new keystore");
		let pair = Scheme::Ed25519.pair("//box").expect("uri");
		store.add("box", "//box", &pair).expect("added");
		let other = Scheme::Ed25519.pair("//other").expect("uri");
		assert!(store.add("box", "//other", &other).is_err());
		assert!(store.add("copy", "//box", &pair).is_err());
		assert!(store.add("", "//other", &other).is_err());
		assert!(Scheme::Sr25519.pair("not a secret").is_err());
		assert!(store.pair("missing").is_err());
		assert_eq!(Keystore::open(&path).expect("read").keys().len(), 1);
	}

	#[test]
	fn signatures_verify_against_the_registered_key() {
		for scheme in [Scheme::Sr25519, Scheme::Ed25519, Scheme::Ecdsa] {
			let pair = scheme.pair("//device").expect("uri");
			let message = b"a payload";
			let ok = match (pair.sign(message), pair.public()) {
				(DeviceSignature::Sr25519(s), DeviceKey::Sr25519(k)) => {
					sr25519::Pair::verify(&s, message, &k)
				},
				(DeviceSignature::Ed25519(s), DeviceKey::Ed25519(k)) => {
					ed25519::Pair::verify(&s, message, &k)
				},
				(DeviceSignature::Ecdsa(s), DeviceKey::Ecdsa(k)) => {
					ecdsa::Pair::verify(&s, message, &k)
				},
				_ => false,
			};
			assert!(ok, "{scheme:?}");
		}
	}
}
