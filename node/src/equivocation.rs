//! BABE equivocation reports that the runtime can check.
//!
//! `sc-consensus-babe` (polkadot-sdk stable2609) looks for equivocations in its block import,
//! after its verifier has moved each block's seal out of the header into `post_digests`: the
//! two headers of its equivocation proofs are unsealed, nothing in them is signed, and the
//! runtime refuses every such report (`babe.InvalidEquivocationProof`, found by the zombienet
//! test `zombienet/equivocation.js`). This block import, in front of BABE's, keeps the sealed
//! header of every block it imports from the network, per slot and authority, and reports two
//! different ones the way BABE does: a key-ownership proof from the runtime, and the report
//! through the runtime API into this node's own pool. BABE's own report of the same
//! equivocation comes after it, with the same transaction tag (offender and slot), and the
//! pool refuses it.

use std::sync::Arc;

use codec::{Decode, Encode};
use depin_runtime::opaque::Block;
use sc_client_api::AuxStore;
use sc_consensus::{BlockCheckParams, BlockImport, BlockImportParams, ImportResult};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_consensus::{BlockOrigin, Error as ConsensusError, SelectChain};
use sp_consensus_babe::{digests::CompatibleDigestItem, BabeApi, EquivocationProof, Slot};
use sp_runtime::traits::{Block as BlockT, Header as _};

type Header = <Block as BlockT>::Header;

/// How many slots (with blocks) back the sealed headers are kept: an hour of slots, as far
/// back as anyone would still bother to report.
const KEPT_SLOTS: usize = 600;
/// Headers larger than this are not kept (an honest one is a few hundred bytes; the digest of
/// a header is only checked when its block executes, after this import looked at it).
const MAX_HEADER_SIZE: usize = 64 * 1024;
/// The slots with kept headers, in ascending order.
const SLOTS_KEY: &[u8] = b"depin/babe-equivocations/slots";
/// Prefix of a slot's kept headers: `(authority index, sealed header, reported)`.
const HEADERS_PREFIX: &[u8] = b"depin/babe-equivocations/headers/";

fn headers_key(slot: Slot) -> Vec<u8> {
	let mut key = HEADERS_PREFIX.to_vec();
	slot.encode_to(&mut key);
	key
}

fn load<T: Decode + Default>(client: &impl AuxStore, key: &[u8]) -> Result<T, String> {
	match client.get_aux(key).map_err(|e| e.to_string())? {
		Some(bytes) => T::decode(&mut &bytes[..]).map_err(|e| e.to_string()),
		None => Ok(T::default()),
	}
}

/// The block import that reports BABE equivocations with sealed headers, wrapping `inner`
/// (BABE's block import).
pub struct ReportEquivocations<I, C, SC> {
	inner: I,
	client: Arc<C>,
	select_chain: SC,
	offchain_tx_pool_factory: OffchainTransactionPoolFactory<Block>,
}

impl<I: Clone, C, SC: Clone> Clone for ReportEquivocations<I, C, SC> {
	fn clone(&self) -> Self {
		Self {
			inner: self.inner.clone(),
			client: self.client.clone(),
			select_chain: self.select_chain.clone(),
			offchain_tx_pool_factory: self.offchain_tx_pool_factory.clone(),
		}
	}
}

impl<I, C, SC> ReportEquivocations<I, C, SC>
where
	C: ProvideRuntimeApi<Block> + AuxStore + Send + Sync,
	C::Api: BabeApi<Block>,
	SC: SelectChain<Block>,
{
	pub fn new(
		inner: I,
		client: Arc<C>,
		select_chain: SC,
		offchain_tx_pool_factory: OffchainTransactionPoolFactory<Block>,
	) -> Self {
		Self { inner, client, select_chain, offchain_tx_pool_factory }
	}

	/// Keeps `sealed` (the header of a block of authority `index` for `slot`), or reports its
	/// author if it sealed another block for the same slot.
	async fn check(&self, sealed: Header, slot: Slot, index: u32) -> Result<(), String> {
		match remember(&*self.client, sealed.clone(), slot, index)? {
			Some(first) => self.report(first, sealed, slot, index).await,
			None => Ok(()),
		}
	}

	async fn report(
		&self,
		first_header: Header,
		second_header: Header,
		slot: Slot,
		index: u32,
	) -> Result<(), String> {
		let parent = *second_header.parent_hash();
		let api = self.client.runtime_api();
		// The authorities of the epoch the slot is in, as the parent block knows them.
		let mut epoch = api.current_epoch(parent).map_err(|e| e.to_string())?;
		let starts_epoch = slot >= epoch.start_slot.saturating_add(epoch.duration);
		if starts_epoch {
			epoch = api.next_epoch(parent).map_err(|e| e.to_string())?;
		}
		let Some((offender, _)) = epoch.authorities.get(index as usize).cloned() else {
			return Err(format!("no BABE authority {index} in slot {slot}'s epoch"));
		};
		log::info!(
			target: "babe",
			"Slot author {offender:?} sealed two blocks for slot {slot}: {:?} and {:?}; reporting",
			first_header.hash(),
			second_header.hash(),
		);
		let best = self.select_chain.best_chain().await.map_err(|e| e.to_string())?.hash();
		// The proof of the session at the parent (the slot's), else at the best block.
		let key_owner = |at| {
			api.generate_key_ownership_proof(at, slot, offender.clone()).map_err(|e| e.to_string())
		};
		let Some(key_owner) = (match key_owner(parent)? {
			Some(proof) => Some(proof),
			None => key_owner(best)?,
		}) else {
			log::debug!(target: "babe", "{offender:?} is not in the validator set any more");
			return Ok(());
		};
		let proof =
			EquivocationProof { offender: offender.clone(), slot, first_header, second_header };
		let mut api = self.client.runtime_api();
		api.register_extension(self.offchain_tx_pool_factory.offchain_transaction_pool(best));
		match api
			.submit_report_equivocation_unsigned_extrinsic(best, proof, key_owner)
			.map_err(|e| e.to_string())?
		{
			Some(()) => {
				log::info!(target: "babe", "Reported the equivocation of {offender:?} at slot {slot}")
			},
			None => {
				log::warn!(target: "babe", "The pool refused the report of {offender:?} at slot {slot}")
			},
		}
		Ok(())
	}
}

/// Keeps `sealed`, the header of a block of authority `index` for `slot`, in `store`; if that
/// authority sealed another header for the slot, not reported yet, returns it (marked reported
/// from now on: one report per slot and authority). Keeps the last [`KEPT_SLOTS`] slots with
/// headers, and no header over [`MAX_HEADER_SIZE`].
fn remember(
	store: &impl AuxStore,
	sealed: Header,
	slot: Slot,
	index: u32,
) -> Result<Option<Header>, String> {
	if sealed.encoded_size() > MAX_HEADER_SIZE {
		return Ok(None);
	}
	let key = headers_key(slot);
	let mut seen: Vec<(u32, Header, bool)> = load(store, &key)?;
	let mut slots: Vec<Slot> = load(store, SLOTS_KEY)?;
	let mut equivocation = None;
	if let Some((_, first, reported)) = seen.iter_mut().find(|(i, ..)| *i == index) {
		// The same block again, or an equivocation already reported.
		if first.hash() == sealed.hash() || *reported {
			return Ok(None);
		}
		*reported = true;
		equivocation = Some(first.clone());
	} else {
		seen.push((index, sealed, false));
		if let Err(at) = slots.binary_search(&slot) {
			slots.insert(at, slot);
		}
	}
	let stale: Vec<Vec<u8>> =
		slots.drain(..slots.len().saturating_sub(KEPT_SLOTS)).map(headers_key).collect();
	let (seen, slots) = (seen.encode(), slots.encode());
	store
		.insert_aux(
			&[(key.as_slice(), seen.as_slice()), (SLOTS_KEY, slots.as_slice())],
			&stale.iter().map(Vec::as_slice).collect::<Vec<_>>(),
		)
		.map_err(|e| e.to_string())?;
	Ok(equivocation)
}

/// The header of `block` with its seal, its slot and its authority's index; `None` for blocks of
/// an initial or warp sync (old news), the blocks this node authored, and blocks without BABE's
/// digests.
fn sealed_header(block: &BlockImportParams<Block>) -> Option<(Header, Slot, u32)> {
	if matches!(
		block.origin,
		BlockOrigin::NetworkInitialSync
			| BlockOrigin::WarpSync
			| BlockOrigin::Own
			| BlockOrigin::Genesis
			| BlockOrigin::File
	) || block.with_state()
	{
		return None;
	}
	let pre = block.header.digest().logs().iter().find_map(|log| log.as_babe_pre_digest())?;
	// The verifier checked the seal and moved it out of the header: put it back.
	let seal = block.post_digests.iter().find(|d| d.as_babe_seal().is_some())?;
	let mut sealed = block.header.clone();
	sealed.digest_mut().push(seal.clone());
	Some((sealed, pre.slot(), pre.authority_index()))
}

#[async_trait::async_trait]
impl<I, C, SC> BlockImport<Block> for ReportEquivocations<I, C, SC>
where
	I: BlockImport<Block, Error = ConsensusError> + Send + Sync,
	C: ProvideRuntimeApi<Block> + AuxStore + Send + Sync,
	C::Api: BabeApi<Block>,
	SC: SelectChain<Block>,
{
	type Error = ConsensusError;

	async fn check_block(
		&self,
		block: BlockCheckParams<Block>,
	) -> Result<ImportResult, Self::Error> {
		self.inner.check_block(block).await
	}

	async fn import_block(
		&self,
		block: BlockImportParams<Block>,
	) -> Result<ImportResult, Self::Error> {
		// A failed check must not keep a valid block out.
		if let Some((sealed, slot, index)) = sealed_header(&block) {
			if let Err(error) = self.check(sealed, slot, index).await {
				log::warn!(target: "babe", "Checking the block for an equivocation failed: {error}");
			}
		}
		self.inner.import_block(block).await
	}
}

#[cfg(test)]
mod tests {
	use std::{collections::BTreeMap, sync::Mutex};

	use sp_core::H256;
	use sp_runtime::{Digest, DigestItem};

	use super::*;

	/// Aux storage in memory, as the database keeps it.
	#[derive(Default)]
	struct Memory(Mutex<BTreeMap<Vec<u8>, Vec<u8>>>);

	impl AuxStore for Memory {
		fn insert_aux<
			'a,
			'b: 'a,
			'c: 'a,
			I: IntoIterator<Item = &'a (&'c [u8], &'c [u8])>,
			D: IntoIterator<Item = &'a &'b [u8]>,
		>(
			&self,
			insert: I,
			delete: D,
		) -> sp_blockchain::Result<()> {
			let mut map = self.0.lock().expect("not poisoned");
			for (key, value) in insert {
				map.insert(key.to_vec(), value.to_vec());
			}
			for key in delete {
				map.remove(*key);
			}
			Ok(())
		}

		fn get_aux(&self, key: &[u8]) -> sp_blockchain::Result<Option<Vec<u8>>> {
			Ok(self.0.lock().expect("not poisoned").get(key).cloned())
		}
	}

	/// A header; `variant` tells blocks of one slot apart.
	fn header(variant: u8) -> Header {
		Header::new(1, H256::zero(), H256::repeat_byte(variant), H256::zero(), Digest::default())
	}

	#[test]
	fn a_second_header_of_an_authority_for_a_slot_is_reported_once() {
		let store = Memory::default();
		let slot = Slot::from(7);
		assert_eq!(remember(&store, header(1), slot, 0), Ok(None));
		// The same block again (from another peer, say) is no equivocation.
		assert_eq!(remember(&store, header(1), slot, 0), Ok(None));
		// Another authority's block for the slot is none either.
		assert_eq!(remember(&store, header(2), slot, 1), Ok(None));
		// Another block of the first authority is, reported with the first block.
		assert_eq!(remember(&store, header(3), slot, 0), Ok(Some(header(1))));
		// Once: a third block is not reported again, nor the second twice.
		assert_eq!(remember(&store, header(4), slot, 0), Ok(None));
		assert_eq!(remember(&store, header(3), slot, 0), Ok(None));
		// The other authority's second block is its own equivocation.
		assert_eq!(remember(&store, header(5), slot, 1), Ok(Some(header(2))));
	}

	#[test]
	fn only_the_last_slots_are_kept() {
		let store = Memory::default();
		let kept = KEPT_SLOTS as u64;
		for slot in 0..=kept {
			assert_eq!(remember(&store, header(1), Slot::from(slot), 0), Ok(None));
		}
		// Slot 0 is forgotten: its headers and its place in the list.
		assert!(store.get_aux(&headers_key(Slot::from(0))).expect("reads").is_none());
		let slots: Vec<Slot> = load(&store, SLOTS_KEY).expect("decodes");
		assert_eq!(slots.len(), KEPT_SLOTS);
		assert_eq!(slots.first(), Some(&Slot::from(1)));
		assert_eq!(store.0.lock().expect("not poisoned").len(), KEPT_SLOTS + 1);
		// A late block for a forgotten slot is kept no more, the others still count.
		assert_eq!(remember(&store, header(2), Slot::from(0), 0), Ok(None));
		assert!(store.get_aux(&headers_key(Slot::from(0))).expect("reads").is_none());
		assert_eq!(remember(&store, header(2), Slot::from(kept), 0), Ok(Some(header(1))));
	}

	#[test]
	fn an_oversized_header_is_not_kept() {
		let store = Memory::default();
		let mut big = header(1);
		big.digest_mut().push(DigestItem::Other(vec![0; MAX_HEADER_SIZE]));
		assert_eq!(remember(&store, big, Slot::from(3), 0), Ok(None));
		assert!(store.get_aux(SLOTS_KEY).expect("reads").is_none());
	}
}
