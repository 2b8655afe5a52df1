//! Device key pairs, for tools and tests (`std` only): sign as a device of any key scheme.

use crate::{
	device::{DeviceKey, DeviceSignature},
	envelope::{self, Domain},
};
use codec::Encode;
use sp_core::{ecdsa, ed25519, sr25519, Pair};

/// The secret half of a [`DeviceKey`].
// A few pairs live at a time; boxing the sr25519 one would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub enum DevicePair {
	/// sr25519.
	Sr25519(sr25519::Pair),
	/// ed25519.
	Ed25519(ed25519::Pair),
	/// ECDSA secp256k1 (signs the blake2-256 hash of the message).
	Ecdsa(ecdsa::Pair),
}

impl DevicePair {
	/// The public key the registry stores.
	pub fn public(&self) -> DeviceKey {
		match self {
			Self::Sr25519(pair) => DeviceKey::Sr25519(pair.public()),
			Self::Ed25519(pair) => DeviceKey::Ed25519(pair.public()),
			Self::Ecdsa(pair) => DeviceKey::Ecdsa(pair.public()),
		}
	}

	/// Sign `message` the way [`DeviceKey::verify`] checks it.
	pub fn sign(&self, message: &[u8]) -> DeviceSignature {
		match self {
			Self::Sr25519(pair) => DeviceSignature::Sr25519(pair.sign(message)),
			Self::Ed25519(pair) => DeviceSignature::Ed25519(pair.sign(message)),
			Self::Ecdsa(pair) => DeviceSignature::Ecdsa(pair.sign(message)),
		}
	}

	/// Sign `body` as a statement of kind `context` for the chain with `genesis_hash` (see
	/// [`crate::envelope`]), the way [`DeviceKey::verify_statement`] checks it.
	pub fn sign_statement<Body: Encode>(
		&self,
		context: Domain,
		genesis_hash: sp_core::H256,
		body: &Body,
	) -> DeviceSignature {
		self.sign(&envelope::message(context, genesis_hash, body))
	}
}

impl From<sr25519::Pair> for DevicePair {
	fn from(pair: sr25519::Pair) -> Self {
		Self::Sr25519(pair)
	}
}

impl From<ed25519::Pair> for DevicePair {
	fn from(pair: ed25519::Pair) -> Self {
		Self::Ed25519(pair)
	}
}

impl From<ecdsa::Pair> for DevicePair {
	fn from(pair: ecdsa::Pair) -> Self {
		Self::Ecdsa(pair)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_scheme_signs_what_its_key_verifies() {
		let pairs: [DevicePair; 3] = [
			sr25519::Pair::from_seed(&[1; 32]).into(),
			ed25519::Pair::from_seed(&[2; 32]).into(),
			ecdsa::Pair::from_seed(&[3; 32]).into(),
		];
		for pair in &pairs {
			let signature = pair.sign(b"message");
			assert!(pair.public().verify(b"message", &signature));
			assert!(!pair.public().verify(b"another", &signature));
		}
	}
}
