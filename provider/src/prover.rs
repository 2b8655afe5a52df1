//! Answers to storage challenges.
//!
//! For each open challenge (from `DepinApi::open_challenges`) the prover checks the challenge
//! against the root it holds, reads the chunks the chain picked, adds their Merkle paths and
//! signs the [`StorageProofStatement`] with the device key. The chain recomputes everything; a proof
//! built from data that is not there fails its Merkle check.

use anyhow::{bail, Context, Result};
use depin_merkle::{Blake2, MerkleTree};
use depin_primitives::storage::{
	ChunkProof, MaxChallengesPerSector, MaxTreeDepth, OpenChallenge, StorageProofStatement,
	MAX_CHALLENGES_PER_SECTOR, MAX_TREE_DEPTH, STORAGE_PROOF_CONTEXT,
};
use sp_core::H256;

use crate::{
	keystore::DevicePair,
	sector::{LocalSector, SectorData},
};

/// A storage proof within the runtime's bounds (`MaxChallengesPerSector`, `MaxTreeDepth`,
/// which the runtime takes from `depin_primitives` too).
pub type StorageProof =
	depin_primitives::storage::StorageProof<MaxChallengesPerSector, MaxTreeDepth>;

/// Where a sector's bytes are: files on disk, or (the simulator's) memory.
pub enum Data {
	Files(SectorData),
	Memory(Vec<u8>),
}

impl Data {
	/// Chunk `index`, zero-padded.
	pub fn chunk(&mut self, index: u32) -> Result<[u8; depin_merkle::CHUNK_SIZE]> {
		match self {
			Data::Files(files) => files.chunk(index),
			Data::Memory(bytes) => depin_merkle::chunk_at(bytes, index)
				.with_context(|| format!("chunk {index} is past the end of the sector")),
		}
	}
}

/// A committed sector, its data and tree loaded.
pub struct LoadedSector {
	pub local: LocalSector,
	pub data: Data,
	pub tree: MerkleTree<Blake2>,
}

impl LoadedSector {
	/// Load a sector's data and rebuild its tree; refuse data whose root moved.
	pub fn load(local: LocalSector) -> Result<Self> {
		let mut data = SectorData::open(&local.path)?;
		let tree = data.tree(|_| {})?;
		let root = format!("0x{}", hex::encode(tree.root()));
		if root != local.root || tree.chunks() != local.chunks {
			bail!(
				"the data of device {} sector {} at {} changed since it was committed \
				 (root {root}, committed {}): it cannot be proven",
				local.device,
				local.sector,
				local.path.display(),
				local.root
			);
		}
		Ok(Self { local, data: Data::Files(data), tree })
	}
}

/// How a prover answers: honestly, or (in the simulator) with the data it claims to keep
/// partly lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Honesty {
	Honest,
	/// Answers with corrupted chunks, as a device that dropped the data would have to.
	Cheating,
}

/// The proof answering `challenge`, reading the chunks it asks for through `chunk`.
pub fn prove(
	genesis: H256,
	device: u64,
	challenge: &OpenChallenge<u32>,
	tree: &MerkleTree<Blake2>,
	mut chunk: impl FnMut(u32) -> Result<[u8; depin_merkle::CHUNK_SIZE]>,
	key: &DevicePair,
	honesty: Honesty,
) -> Result<StorageProof> {
	if H256(tree.root()) != challenge.root || tree.chunks() != challenge.chunks {
		bail!(
			"device {device} sector {}: the chain's root {:?} is not this data's",
			challenge.sector,
			challenge.root
		);
	}
	let mut chunks = Vec::with_capacity(challenge.indices.len());
	for &index in &challenge.indices {
		let mut data = chunk(index)?;
		if honesty == Honesty::Cheating {
			if let Some(byte) = data.first_mut() {
				*byte ^= 0xff;
			}
		}
		let path: Vec<H256> = tree
			.proof(index)
			.with_context(|| format!("chunk {index} is past the end of the sector"))?
			.into_iter()
			.map(H256)
			.collect();
		chunks.push(ChunkProof {
			index,
			chunk: data,
			path: path
				.try_into()
				.map_err(|_| anyhow::anyhow!("the tree is deeper than {MAX_TREE_DEPTH}"))?,
		});
	}
	let statement = StorageProofStatement {
		device,
		sector: challenge.sector,
		epoch: challenge.epoch,
		challenge: challenge.challenge,
	};
	Ok(StorageProof {
		device,
		sector: challenge.sector,
		epoch: challenge.epoch,
		chunks: chunks
			.try_into()
			.map_err(|_| anyhow::anyhow!("more than {MAX_CHALLENGES_PER_SECTOR} chunks asked"))?,
		signature: key.sign_statement(STORAGE_PROOF_CONTEXT, genesis, &statement),
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::keystore::Scheme;

	fn challenge_for(tree: &MerkleTree<Blake2>, seed: [u8; 32]) -> OpenChallenge<u32> {
		let challenge = depin_merkle::storage_challenge::<Blake2>(&seed, 7, 0, &tree.root());
		OpenChallenge {
			sector: 0,
			root: H256(tree.root()),
			chunks: tree.chunks(),
			epoch: 4,
			challenge: H256(challenge),
			indices: (0..2)
				.filter_map(|i| {
					depin_merkle::challenge_index::<Blake2>(&challenge, i, tree.chunks())
				})
				.collect(),
			deadline: 100,
		}
	}

	#[test]
	fn an_honest_proof_verifies_and_a_cheating_one_does_not() {
		let data: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
		let tree = MerkleTree::<Blake2>::from_bytes(&data).expect("tree");
		let open = challenge_for(&tree, [9; 32]);
		let key = Scheme::Ed25519.pair("//prover").expect("key");
		let read = |i| depin_merkle::chunk_at(&data, i).context("in range");
		for (honesty, valid) in [(Honesty::Honest, true), (Honesty::Cheating, false)] {
			let proof = prove(H256::zero(), 7, &open, &tree, read, &key, honesty).expect("a proof");
			assert_eq!((proof.device, proof.sector, proof.epoch), (7, 0, 4));
			assert_eq!(proof.chunks.len(), 2);
			for c in proof.chunks.iter() {
				let path: Vec<[u8; 32]> = c.path.iter().map(|h| h.0).collect();
				let ok = depin_merkle::verify_chunk::<Blake2>(
					&tree.root(),
					tree.chunks(),
					c.index,
					&c.chunk,
					&path,
				)
				.is_ok();
				assert_eq!(ok, valid, "{honesty:?}");
			}
		}
	}

	#[test]
	fn a_challenge_for_other_data_is_refused() {
		let tree = MerkleTree::<Blake2>::from_bytes(&[1u8; 5000]).expect("tree");
		let other = MerkleTree::<Blake2>::from_bytes(&[2u8; 5000]).expect("tree");
		let open = challenge_for(&other, [1; 32]);
		let key = Scheme::Sr25519.pair("//prover").expect("key");
		let read = |_| Ok([0u8; depin_merkle::CHUNK_SIZE]);
		assert!(prove(H256::zero(), 7, &open, &tree, read, &key, Honesty::Honest).is_err());
	}
}
