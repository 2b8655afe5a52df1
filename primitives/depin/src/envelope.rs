//! The signed-payload envelope: what every device key (and a compute consumer's account)
//! signs.
//!
//! A signature covers the SCALE encoding of an [`Envelope`]: a 16-byte domain tag naming the
//! kind of statement, the chain's genesis hash, and the statement's body. The tag keeps a
//! signature of one kind of statement from being read as another; the genesis hash keeps it
//! from being replayed on another chain; the body binds whatever the statement is about (a
//! device, an epoch, a challenge). SCALE encodes a struct as its fields in order, so the
//! bytes are `context ‖ genesis_hash ‖ SCALE(body)`.
//!
//! Each kind of statement declares its domain next to its body type (for example
//! [`crate::storage::STORAGE_PROOF_CONTEXT`] and [`crate::storage::StorageProofStatement`]).

use codec::{Decode, Encode};
use scale_info::TypeInfo;
use sp_core::H256;

/// A domain tag: 16 bytes naming the kind of statement signed.
pub type Domain = [u8; 16];

/// A statement as signed.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct Envelope<Body> {
	/// Domain separation: what kind of statement this is.
	pub context: Domain,
	/// The genesis block hash of the chain the statement is for.
	pub genesis_hash: H256,
	/// The statement.
	pub body: Body,
}

impl<Body: Encode> Envelope<Body> {
	/// The envelope of `body` under `context` for the chain with `genesis_hash`.
	pub fn new(context: Domain, genesis_hash: H256, body: Body) -> Self {
		Self { context, genesis_hash, body }
	}

	/// The bytes a key signs: the envelope's SCALE encoding.
	pub fn message(&self) -> alloc::vec::Vec<u8> {
		self.encode()
	}
}

/// The bytes a key signs for `body` under `context` on the chain with `genesis_hash`.
pub fn message<Body: Encode>(
	context: Domain,
	genesis_hash: H256,
	body: &Body,
) -> alloc::vec::Vec<u8> {
	Envelope::new(context, genesis_hash, body).message()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_envelope_encodes_as_context_then_genesis_then_body() {
		let genesis = H256::repeat_byte(7);
		let body = (1u64, 2u32);
		let bytes = message(*b"depin/test/body_", genesis, &body);
		let mut expected = b"depin/test/body_".to_vec();
		expected.extend_from_slice(genesis.as_bytes());
		expected.extend(body.encode());
		assert_eq!(bytes, expected);
	}
}
