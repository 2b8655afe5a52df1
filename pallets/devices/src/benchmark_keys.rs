//! Device keys for benchmarks, this pallet's and the proof pallets': generated in the benchmark
//! keystore, and signatures the registry's [`DeviceKey::verify`] accepts, so every signature
//! check a benchmark measures is real.

use crate::types::{DeviceKey, DeviceSignature};
use sp_core::crypto::KeyTypeId;

/// Key type of the device keys generated in the benchmark keystore.
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"dpdv");

/// A new sr25519 device key.
pub fn sr25519() -> DeviceKey {
	DeviceKey::Sr25519(sp_io::crypto::sr25519_generate(KEY_TYPE, None))
}

/// A new ed25519 device key.
pub fn ed25519() -> DeviceKey {
	DeviceKey::Ed25519(sp_io::crypto::ed25519_generate(KEY_TYPE, None))
}

/// A new ECDSA device key: the dearest scheme to verify, for worst cases.
pub fn ecdsa() -> DeviceKey {
	DeviceKey::Ecdsa(sp_io::crypto::ecdsa_generate(KEY_TYPE, None))
}

/// `key`'s signature of `message`; the key must come from this module.
pub fn sign(key: &DeviceKey, message: &[u8]) -> DeviceSignature {
	match key {
		DeviceKey::Sr25519(public) => {
			sp_io::crypto::sr25519_sign(KEY_TYPE, public, message).map(DeviceSignature::Sr25519)
		},
		DeviceKey::Ed25519(public) => {
			sp_io::crypto::ed25519_sign(KEY_TYPE, public, message).map(DeviceSignature::Ed25519)
		},
		DeviceKey::Ecdsa(public) => {
			sp_io::crypto::ecdsa_sign(KEY_TYPE, public, message).map(DeviceSignature::Ecdsa)
		},
	}
	.expect("the key was generated in the benchmark keystore; qed")
}
