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
			(Self::Ecdsa(key), DeviceSignature::Ecdsa(sig)) => {
				is_canonical_ecdsa(sig) && sig.verify(message, key)
			},
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

/// Half the order of secp256k1's group, big-endian: a canonical signature's `s` is at most this.
const SECP256K1_HALF_ORDER: [u8; 32] = [
	0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// Whether a recoverable ECDSA signature (`r ‖ s ‖ v`) is in its one canonical encoding: `s` in
/// the lower half of the group order (low-S, as BIP-62 and Ethereum's EIP-2 require) and the
/// recovery id `v` 0 or 1. Key recovery also takes `v` as 27/28 and a high `s` (`n − s` signs the
/// same message), so without this check anyone could re-encode a device's signature into a
/// second valid one with other bytes.
pub fn is_canonical_ecdsa(signature: &ecdsa::Signature) -> bool {
	let bytes: &[u8] = signature.as_ref();
	let (Some(s), Some(&v)) = (bytes.get(32..64), bytes.get(64)) else { return false };
	v <= 1 && s <= &SECP256K1_HALF_ORDER[..]
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
	/// Attests batches of sensor readings (weather, vehicle, map, energy meter); capacity
	/// unused (0).
	Sensor,
}

impl DeviceKind {
	/// Every kind, in the order of their reward pools. A new kind is added here (and as a
	/// variant above); everything sized by kinds follows from it.
	pub const ALL: [DeviceKind; 4] = [Self::Storage, Self::Coverage, Self::Compute, Self::Sensor];

	/// The number of kinds.
	pub const COUNT: usize = Self::ALL.len();

	/// The kind's position in [`Self::ALL`].
	pub const fn index(self) -> usize {
		match self {
			Self::Storage => 0,
			Self::Coverage => 1,
			Self::Compute => 2,
			Self::Sensor => 3,
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
	/// Declared capacity: bytes for storage, compute units for compute, 0 for coverage and
	/// sensor.
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
/// owner, the key and the block it was signed at, and the envelope binds the chain, so the
/// signature cannot be used on another chain, for another owner, or once it is older than the
/// registry's `MaxProofAge` (shorter than the unbonding period that keeps a retired key
/// registered, so no proof outlives its device).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct Possession<AccountId> {
	/// The account that will own the device.
	pub owner: AccountId,
	/// The key being registered.
	pub key: DeviceKey,
	/// A recent block number (the best block when signing): the registry takes the proof
	/// until `MaxProofAge` blocks after it, never before it.
	pub signed_at: u32,
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
	/// The block number the proof was signed at ([`Possession::signed_at`]).
	pub signed_at: u32,
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

/// The most entries of a cell's device index one `devices_in_area` call walks: its work is
/// bounded by this, not by how many devices someone parked in the cell. A filtered query (by
/// kind or by a finer cell) may so return fewer devices than asked, and a cursor to go on.
pub const MAX_AREA_SCAN: u32 = 2 * MAX_PAGE;

/// A page of the runtime API's `devices_in_area`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct AreaPage<Device> {
	/// The devices found, with their ids, in index order.
	pub devices: alloc::vec::Vec<(DeviceId, Device)>,
	/// Where the next page starts (pass it as `start_after`) when the walk stopped before
	/// the end of the cell's index: the page was full, or [`MAX_AREA_SCAN`] entries were
	/// walked. `None`: nothing is left.
	pub next: Option<DeviceId>,
}

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
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
	use super::*;

	/// `n − s` for a big-endian `s` below the secp256k1 order `n`.
	fn negate_s(s: &[u8]) -> [u8; 32] {
		const ORDER: [u8; 32] = [
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c,
			0xd0, 0x36, 0x41, 0x41,
		];
		let mut out = [0u8; 32];
		let mut borrow = 0i16;
		for i in (0..32).rev() {
			let d = i16::from(ORDER[i]) - i16::from(s[i]) - borrow;
			borrow = i16::from(d < 0);
			out[i] = (d + 256 * borrow) as u8;
		}
		out
	}

	#[test]
	fn only_the_canonical_encoding_of_an_ecdsa_signature_verifies() {
		use sp_core::Pair;
		let pair = ecdsa::Pair::from_seed(&[7u8; 32]);
		let key = DeviceKey::Ecdsa(pair.public());
		let message = b"a beacon";
		let signature = pair.sign(message);
		assert!(is_canonical_ecdsa(&signature));
		assert!(key.verify(message, &DeviceSignature::Ecdsa(signature)));

		// The same signature with v = 27/28: key recovery accepts it, we do not.
		let mut legacy_v = signature.0;
		legacy_v[64] += 27;
		let legacy_v = ecdsa::Signature::from_raw(legacy_v);
		assert!(legacy_v.verify(&message[..], &pair.public()), "recovery takes v = 27/28");
		assert!(!key.verify(message, &DeviceSignature::Ecdsa(legacy_v)));

		// The high-S twin (n − s, recovery id flipped): valid for the curve, refused here.
		let mut high_s = signature.0;
		let negated = negate_s(&signature.0[32..64]);
		high_s[32..64].copy_from_slice(&negated);
		high_s[64] ^= 1;
		let high_s = ecdsa::Signature::from_raw(high_s);
		assert!(high_s.verify(&message[..], &pair.public()), "recovery takes the high-S twin");
		assert!(!is_canonical_ecdsa(&high_s));
		assert!(!key.verify(message, &DeviceSignature::Ecdsa(high_s)));
	}

	#[test]
	fn every_kind_is_listed_once_at_its_index() {
		for (i, kind) in DeviceKind::ALL.iter().enumerate() {
			assert_eq!(kind.index(), i);
		}
		assert_eq!(DeviceKind::COUNT, 4);
	}

	/// A new kind goes at the end: the encoding of every kind already stored stays the same.
	#[test]
	fn a_kind_encodes_as_its_index() {
		for kind in DeviceKind::ALL {
			assert_eq!(kind.encode(), alloc::vec![kind.index() as u8]);
			assert_eq!(DeviceKind::decode(&mut &kind.encode()[..]), Ok(kind));
		}
		assert_eq!(DeviceKind::Sensor.encode(), alloc::vec![3]);
		assert!(DeviceKind::decode(&mut &[4u8][..]).is_err());
	}
}
