//! Blocks as a BABE authority authors them, for the tests that run the runtime block by block
//! through `Executive` (the fuzzer, the equivocation reports): each with a BABE pre-digest that
//! claims the next slot (a secondary VRF claim, with the VRF output of the epoch the slot is
//! in, which `pallet_babe` checks in debug builds) and the timestamp inherent of that slot.

use sp_consensus_babe::{
	digests::{CompatibleDigestItem, PreDigest, SecondaryPlainPreDigest, SecondaryVRFPreDigest},
	Slot,
};
use sp_core::{crypto::VrfSecret, sr25519, Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Header as _, Digest, DigestItem};

use crate::{
	BlockNumber, Executive, Header, Runtime, RuntimeCall, System, UncheckedExtrinsic,
	EPOCH_DURATION_IN_SLOTS, SLOT_DURATION,
};

/// The slot of the first block: any, as long as later slots fit the epochs BABE counts from it.
const FIRST_SLOT: u64 = 1_000_000;

/// The chain's blocks, each authored by one authority, one slot after the other.
pub(super) struct Blocks {
	babe: sr25519::Pair,
	authority_index: u32,
	parent: H256,
	number: BlockNumber,
}

impl Blocks {
	/// Blocks authored by `author`, BABE's authority number `authority_index`, on the genesis
	/// block the externalities hold (block number 0).
	pub(super) fn new(author: Sr25519Keyring, authority_index: u32) -> Self {
		Self { babe: author.pair(), authority_index, parent: H256::zero(), number: 0 }
	}

	/// The same chain's next blocks, authored by `author`, BABE's authority `authority_index`.
	pub(super) fn by(&self, author: Sr25519Keyring, authority_index: u32) -> Self {
		Self { babe: author.pair(), authority_index, parent: self.parent, number: self.number }
	}

	/// The slot of the next block.
	pub(super) fn slot(&self) -> Slot {
		Slot::from(FIRST_SLOT + u64::from(self.number) + 1)
	}

	/// The next block's header, before execution: its number, parent and pre-digest.
	pub(super) fn header(&self) -> Header {
		let number = self.number + 1;
		let parent = if self.number == 0 { System::block_hash(0) } else { self.parent };
		let slot = self.slot();
		// The VRF input is that of the BABE epoch the slot is in: when this block starts a new
		// one (the session rotates in `on_initialize`), its index and its randomness (the
		// current epoch's `NextRandomness`) are the new epoch's.
		let mut epoch_index = pallet_babe::EpochIndex::<Runtime>::get();
		let mut randomness = pallet_babe::Randomness::<Runtime>::get();
		let genesis_slot = *pallet_babe::GenesisSlot::<Runtime>::get();
		if number > 1 && *slot >= genesis_slot + (epoch_index + 1) * EPOCH_DURATION_IN_SLOTS {
			epoch_index = (*slot - genesis_slot) / EPOCH_DURATION_IN_SLOTS;
			randomness = pallet_babe::NextRandomness::<Runtime>::get();
		}
		let sign_data = sp_consensus_babe::make_vrf_sign_data(&randomness, slot, epoch_index);
		let pre = PreDigest::SecondaryVRF(SecondaryVRFPreDigest {
			authority_index: self.authority_index,
			slot,
			vrf_signature: self.babe.vrf_sign(&sign_data),
		});
		let digest =
			Digest { logs: vec![<DigestItem as CompatibleDigestItem>::babe_pre_digest(pre)] };
		Header::new(number, Default::default(), Default::default(), parent, digest)
	}

	/// The timestamp inherent of the next block: the start of its slot.
	pub(super) fn timestamp(&self) -> UncheckedExtrinsic {
		let now = *self.slot() * SLOT_DURATION;
		UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set { now }))
	}

	/// Records `header`, as `finalize_block` returned it, as the last block.
	pub(super) fn finished(&mut self, header: &Header) {
		self.parent = header.hash();
		self.number = *header.number();
	}

	/// Starts the next block: `initialize_block` and the timestamp inherent.
	pub(super) fn begin(&self) {
		Executive::initialize_block(&self.header());
		Executive::apply_extrinsic(self.timestamp())
			.expect("the timestamp inherent is valid")
			.expect("the timestamp inherent applies");
	}

	/// Finishes the block `begin` started; its header.
	pub(super) fn end(&mut self) -> Header {
		let header = Executive::finalize_block();
		self.finished(&header);
		header
	}

	/// Runs empty blocks until the session index is `session`.
	pub(super) fn run_to_session(&mut self, session: u32) {
		while pallet_session::CurrentIndex::<Runtime>::get() < session {
			self.begin();
			self.end();
		}
	}
}

/// A header of block `number` claiming `slot` for the authority at `index`, sealed by
/// `signer`; `variant` tells two such headers apart.
pub(super) fn babe_header(
	signer: Sr25519Keyring,
	index: u32,
	slot: Slot,
	number: BlockNumber,
	variant: u8,
) -> Header {
	let pre = PreDigest::SecondaryPlain(SecondaryPlainPreDigest { authority_index: index, slot });
	let mut header = Header::new(
		number,
		H256::zero(),
		H256::repeat_byte(variant),
		System::parent_hash(),
		Digest { logs: vec![<DigestItem as CompatibleDigestItem>::babe_pre_digest(pre)] },
	);
	let seal = signer.pair().sign(header.hash().as_ref());
	header.digest_mut().push(<DigestItem as CompatibleDigestItem>::babe_seal(seal.into()));
	header
}

/// `who`'s index among the session's validators: its BABE authority index.
pub(super) fn authority_index(who: Sr25519Keyring) -> u32 {
	pallet_session::Validators::<Runtime>::get()
		.iter()
		.position(|v| *v == who.to_account_id())
		.expect("a validator") as u32
}

/// Two blocks `offender` authored for `slot` (an equivocation, as a node reports it).
pub(super) fn babe_equivocation(
	offender: Sr25519Keyring,
	slot: Slot,
) -> sp_consensus_babe::EquivocationProof<Header> {
	let index = authority_index(offender);
	let number = System::block_number() + 1;
	sp_consensus_babe::EquivocationProof {
		offender: offender.public().into(),
		slot,
		first_header: babe_header(offender, index, slot, number, 1),
		second_header: babe_header(offender, index, slot, number, 2),
	}
}
