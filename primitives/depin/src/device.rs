//! Devices: identity, keys, kinds, lifecycle and registration.

use crate::{envelope::Domain, h3::H3Cell};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_core::{ecdsa, ed25519, sr25519, ConstU32, H256};
use sp_runtime::{traits::Verify, BoundedVec};

/// A device's on-chain identifier: assigned in order of registration, never reused.
pub type DeviceId = u64;

/// Longest model name or firmware version string, in bytes.
pub const MAX_METADATA_FIELD: u32 = 64;

/// A bounded metadata string.
pub type MetadataField = BoundedVec<u8, ConstU32<MAX_METADATA_FIELD>>;

/// The public key a device signs with. It is the device's identity and is distinct from the
/// owner's account: the private key lives in the hardware (often a secure element).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	Serialize,
	Deserialize,
)]
pub enum DeviceKey {
	/// Schnorrkel/Ristretto sr25519.
	Sr25519(sr25519::Public),
	/// Ed25519.
	Ed25519(ed25519::Public),
	/// ECDSA over secp256k1 (compressed key); signatures are over the blake2-256 hash of the
	/// message, as `sp_core::ecdsa`.
	Ecdsa(ecdsa::Public),
}

/// A signature by a [`DeviceKey`].
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum DeviceSignature {
	/// An sr25519 signature.
	Sr25519(sr25519::Signature),
	/// An ed25519 signature.
	Ed25519(ed25519::Signature),
	/// A recoverable secp256k1 ECDSA signature over blake2-256 of the message.
	Ecdsa(ecdsa::Signature),
}

impl DeviceKey {
	/// Whether `signature` is this key's signature of `message`. A signature of another
	/// scheme never verifies.
	pub fn verify(&self, message: &[u8], signature: &DeviceSignature) -> bool {
		match (self, signature) {
			(Self::Sr25519(key), DeviceSignature::Sr25519(sig)) => sig.verify(message, key),
			(Self::Ed25519(key), DeviceSignature::Ed25519(sig)) => sig.verify(message, key),
			(Self::Ecdsa(key), DeviceSignature::Ecdsa(sig)) => sig.verify(message, key),
			_ => false,
		}
	}

	/// Whether `signature` is this key's signature of `body` as a statement of kind `context`
	/// for the chain with `genesis_hash` (see [`crate::envelope`]).
	pub fn verify_statement<Body: Encode>(
		&self,
		context: Domain,
		genesis_hash: H256,
		body: &Body,
		signature: &DeviceSignature,
	) -> bool {
		self.verify(&crate::envelope::message(context, genesis_hash, body), signature)
	}
}

/// What a device does for the network.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	Serialize,
	Deserialize,
)]
pub enum DeviceKind {
	/// Stores data and answers storage challenges; capacity in bytes.
	Storage,
	/// Provides wireless coverage and takes part in beacons and witnessing.
	Coverage,
	/// Runs compute workloads; capacity in compute units.
	Compute,
}

impl DeviceKind {
	/// Every kind, in the order of their reward pools. A new kind is added here (and as a
	/// variant above); everything sized by kinds follows from it.
	pub const ALL: [DeviceKind; 3] = [Self::Storage, Self::Coverage, Self::Compute];

	/// The number of kinds.
	pub const COUNT: usize = Self::ALL.len();

	/// The kind's position in [`Self::ALL`].
	pub const fn index(self) -> usize {
		match self {
			Self::Storage => 0,
			Self::Coverage => 1,
			Self::Compute => 2,
		}
	}
}

/// Where a device is in its life.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum DeviceStatus<BlockNumber> {
	/// Working and eligible for challenges and rewards.
	Active,
	/// Stopped by governance or by a proof pallet (for example after repeated faults).
	Suspended,
	/// Deregistered by its owner; the deposit stays held (and slashable) until `unbonds_at`.
	Retired {
		/// The first block at which the owner can claim the deposit back.
		unbonds_at: BlockNumber,
	},
}

/// Descriptive data about the hardware. The owner pays a deposit per byte of it.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct DeviceMetadata {
	/// Hardware model name.
	pub model: MetadataField,
	/// Firmware version string.
	pub firmware: MetadataField,
	/// Hash of the hardware serial number (the number itself stays private).
	pub serial_hash: H256,
}

impl DeviceMetadata {
	/// Bytes the deposit is charged for: the encoded size.
	pub fn deposit_bytes(&self) -> u32 {
		// At most 2 * (64 + 1) + 32 bytes, so the cast cannot truncate.
		self.encoded_size() as u32
	}
}

/// A registered device.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Device<AccountId, Balance, BlockNumber> {
	/// The key the device signs with.
	pub key: DeviceKey,
	/// The account that owns the device, pays its deposit and receives its rewards.
	pub owner: AccountId,
	/// An account allowed to operate the device for the owner (update metadata and location,
	/// submit proofs), if any.
	pub manager: Option<AccountId>,
	/// What the device does.
	pub kind: DeviceKind,
	/// Where the device is.
	pub location: H3Cell,
	/// Declared capacity: bytes for storage, compute units for compute, 0 for coverage.
	pub capacity: u64,
	/// Descriptive data.
	pub metadata: DeviceMetadata,
	/// Active, suspended or retired.
	pub status: DeviceStatus<BlockNumber>,
	/// The block the device was registered in.
	pub registered_at: BlockNumber,
	/// The block of the last location change (the registration block at first).
	pub location_changed_at: BlockNumber,
	/// The deposit held from the owner for this device (reduced by slashes).
	pub deposit: Balance,
	/// Faults recorded by proof pallets since registration.
	pub faults: u32,
}

impl<AccountId: PartialEq, Balance, BlockNumber> Device<AccountId, Balance, BlockNumber> {
	/// Whether `who` may operate the device: its owner or its manager.
	pub fn is_operator(&self, who: &AccountId) -> bool {
		self.owner == *who || self.manager.as_ref() == Some(who)
	}

	/// Whether the device is active.
	pub fn is_active(&self) -> bool {
		matches!(self.status, DeviceStatus::Active)
	}
}

/// What a device key signs (inside the [`crate::envelope::Envelope`], under
/// [`REGISTER_CONTEXT`] or [`ROTATE_CONTEXT`]) to prove that the owner holds it: it binds the
/// owner, the key and the key's registration nonce, and the envelope binds the chain, so the
/// signature cannot be replayed on another chain, for another owner, or a second time.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct Possession<AccountId> {
	/// The account that will own the device.
	pub owner: AccountId,
	/// The key being registered.
	pub key: DeviceKey,
	/// The key's registration nonce: the registry's nonce for the key, 0 for a new key.
	pub nonce: u32,
}

/// Context of a registration proof.
pub const REGISTER_CONTEXT: Domain = *b"depin/dev/regist";
/// Context of a key-rotation proof.
pub const ROTATE_CONTEXT: Domain = *b"depin/dev/rotate";

/// One device to register: the arguments of `register`, as an item of `register_batch`.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Registration<AccountId> {
	/// The device key.
	pub key: DeviceKey,
	/// The device key's signature of the enveloped [`Possession`].
	pub proof: DeviceSignature,
	/// The nonce the proof was signed with.
	pub nonce: u32,
	/// What the device does.
	pub kind: DeviceKind,
	/// Raw H3 cell index of the device's location.
	pub location: u64,
	/// Declared capacity.
	pub capacity: u64,
	/// Descriptive data.
	pub metadata: DeviceMetadata,
	/// An optional fleet manager.
	pub manager: Option<AccountId>,
}

/// The most entries a query of the runtime API returns at once.
pub const MAX_PAGE: u32 = 1_000;

/// Why a query by area (the runtime API's `devices_in_area`) has no answer.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub enum AreaQueryError {
	/// The number is not a valid H3 cell index.
	InvalidCell,
	/// The cell is coarser than the resolution devices are indexed at; query its children at
	/// `min_resolution` (or finer) instead.
	CellTooCoarse {
		/// The coarsest resolution a query may use.
		min_resolution: u8,
	},
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_kind_is_listed_once_at_its_index() {
		for (i, kind) in DeviceKind::ALL.iter().enumerate() {
			assert_eq!(kind.index(), i);
		}
		assert_eq!(DeviceKind::COUNT, 3);
	}
}
