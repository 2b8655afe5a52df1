//! # DePIN primitives
//!
//! The chain's shared vocabulary, `no_std` and without FRAME, so that the runtime, the
//! runtime API (`depin-runtime-api`) and the provider tools (`depin-provider`) speak exactly
//! the same types and derive challenges with exactly the same code:
//!
//! - [`device`]: device ids, keys, signatures, kinds, lifecycle, metadata, registration;
//!   [`h3`]: H3 cells validated without floating point; [`pair`] (`std`): device key pairs.
//! - [`envelope`]: the signed-payload envelope (domain tag, genesis hash, body) every device
//!   signature covers.
//! - [`epoch`]: the proving epoch as tools see it.
//! - One module per proof kind with its wire types (what is submitted, signed and queried)
//!   and its challenge derivation: [`storage`], [`coverage`], [`compute`] (with [`work`], the
//!   sequential workload), [`sensor`] (schemas, readings, attestations and their audits).
//! - [`deals`]: storage deals, clients paying devices per proven epoch.
//! - [`rewards`]: reward receipts, what can be claimed, what an epoch may pay.
//!
//! Pallets re-export these types, so `pallet_devices::DeviceKey` and
//! `depin_primitives::device::DeviceKey` are one type.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod compute;
pub mod coverage;
pub mod deals;
pub mod device;
pub mod envelope;
pub mod epoch;
pub mod h3;
#[cfg(feature = "std")]
pub mod pair;
pub mod rewards;
pub mod sensor;
pub mod storage;
pub mod work;

pub use device::{DeviceId, DeviceKey, DeviceKind, DeviceSignature};
pub use envelope::{Domain, Envelope};
pub use epoch::EpochIndex;
#[cfg(feature = "std")]
pub use pair::DevicePair;

/// blake2-256 through the host's hashing functions: in the runtime a host call, in a `std`
/// program the same function natively. Merkle checks, challenge derivations and the
/// sequential workload all hash with it on chain.
pub struct RuntimeHasher;

impl depin_merkle::Hasher for RuntimeHasher {
	fn hash(data: &[u8]) -> [u8; 32] {
		sp_io::hashing::blake2_256(data)
	}
}

/// The first eight bytes (little-endian) of `H(data)`: every draw the chain makes from a seed
/// (the audit draw, the beacon lottery's ticket, a rank, a sampled index) reads its hash so.
pub fn hash_word<H: depin_merkle::Hasher>(data: &[u8]) -> u64 {
	let hash = H::hash(data);
	let mut first = [0u8; 8];
	if let Some(bytes) = hash.get(..8) {
		first.copy_from_slice(bytes);
	}
	u64::from_le_bytes(first)
}

/// Parts per billion: the scale of [`drawn`]'s rate (`Perbill`'s).
pub const BILLION: u64 = 1_000_000_000;

/// Whether `device` is drawn in `epoch` at `rate_ppb` parts per billion (every device at a
/// billion or more): the first 8 bytes (LE) of `H(domain ‖ seed ‖ device ‖ epoch)` (SCALE),
/// modulo a billion, fall below the rate. The audit draw of every proof kind that samples its
/// devices (compute's workloads, storage's sectors), each under a domain of its own. Each
/// device is drawn on its own from a seed nobody knows before the epoch starts: no roster, no
/// O(devices) draw, and whoever holds the seed can tell whether a device is drawn.
pub fn drawn<H: depin_merkle::Hasher>(
	domain: &[u8],
	seed: &[u8; 32],
	device: u64,
	epoch: u32,
	rate_ppb: u32,
) -> bool {
	if u64::from(rate_ppb) >= BILLION {
		return true;
	}
	hash_word::<H>(&codec::Encode::encode(&(domain, seed, device, epoch))) % BILLION
		< u64::from(rate_ppb)
}

/// An index below `count` drawn from `H(data)`: [`hash_word`] modulo `count` (`None` for 0).
/// The modulo bias is below `count / 2^64`.
pub fn hash_index<H: depin_merkle::Hasher>(data: &[u8], count: u32) -> Option<u32> {
	u32::try_from(hash_word::<H>(data).checked_rem(u64::from(count))?).ok()
}
