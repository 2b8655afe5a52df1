//! Answers to storage challenges.
//!
//! For each open challenge (from `DepinApi::open_challenges`) the prover checks the challenge
//! against the root it holds, reads the chunks the chain picked, adds their Merkle paths and
//! signs the [`StorageProofStatement`] with the device key. The chain recomputes everything; a proof
//! built from data that is not there fails its Merkle check.

use std::sync::Arc;

use anyhow::{bail, ensure, Context, Result};
use codec::Encode;
use depin_merkle::{Blake2, Chunk, Hash, MerkleTree, CHUNK_SIZE, EMPTY_LEAF};
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

/// Where a sector's bytes are: files on disk, (the simulator's) memory, or nowhere, expanded
/// from a seed whenever a challenge asks for them (the simulator's `storage-regenerate`
/// adversary).
pub enum Data {
	Files(SectorData),
	/// Bytes in memory; one copy may back several sectors (the simulator's
	/// `storage-duplicate` adversary).
	Memory(Arc<[u8]>),
	Seeded(Seeded),
}

impl Data {
	/// Chunk `index`, zero-padded.
	pub fn chunk(&mut self, index: u32) -> Result<Chunk> {
		match self {
			Data::Files(files) => files.chunk(index),
			Data::Memory(bytes) => depin_merkle::chunk_at(bytes, index)
				.with_context(|| format!("chunk {index} is past the end of the sector")),
			Data::Seeded(seeded) => seeded.chunk(index),
		}
	}
}

/// Data nobody stores: `chunks` chunks expanded from a 32-byte seed, chunk `i` the
/// concatenation of `blake2_256(context, seed, i, j)` for its 32 pieces `j`. Whoever holds the
/// seed regenerates any chunk with 32 hashes, so such data proves nothing about storage; only a
/// client's deal gives a sector worth (see pallets/proofs/README.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeded {
	pub seed: [u8; 32],
	pub chunks: u32,
}

impl Seeded {
	/// Chunk `index`, regenerated.
	pub fn chunk(&self, index: u32) -> Result<Chunk> {
		ensure!(index < self.chunks, "chunk {index} is past the end of the sector");
		let mut chunk = [0u8; CHUNK_SIZE];
		for (piece, j) in chunk.chunks_exact_mut(32).zip(0u32..) {
			let hash = sp_crypto_hashing::blake2_256(
				&(b"depin/seeded-data", self.seed, index, j).encode(),
			);
			piece.copy_from_slice(&hash);
		}
		Ok(chunk)
	}
}

/// A sector's Merkle tree as a prover keeps it.
pub enum SectorTree {
	/// Every level, as an honest prover keeps it: a chunk's path is read from it.
	Whole(MerkleTree<Blake2>),
	/// The top levels only: a chunk's path below them is rebuilt from the data.
	Top(TopLevels),
}

impl SectorTree {
	pub fn root(&self) -> Hash {
		match self {
			SectorTree::Whole(tree) => tree.root(),
			SectorTree::Top(top) => top.root(),
		}
	}

	pub fn chunks(&self) -> u32 {
		match self {
			SectorTree::Whole(tree) => tree.chunks(),
			SectorTree::Top(top) => top.chunks,
		}
	}

	/// The sibling path of chunk `index`, bottom up; `read` gives the chunks a path is rebuilt
	/// from where the tree does not keep it.
	pub fn path(&self, index: u32, read: impl FnMut(u32) -> Result<Chunk>) -> Result<Vec<Hash>> {
		match self {
			SectorTree::Whole(tree) => tree
				.proof(index)
				.with_context(|| format!("chunk {index} is past the end of the sector")),
			SectorTree::Top(top) => top.path(index, read),
		}
	}
}

/// The top of a sector's Merkle tree: the levels of at most a few nodes. A chunk's path is
/// its subtree's (rebuilt from the chunks under the lowest kept node, read again) followed by
/// the kept levels'. The hashes are the whole tree's: a subtree or level that does not fill
/// its power of two is completed with empty subtrees, as [`MerkleTree`] completes the tree.
pub struct TopLevels {
	chunks: u32,
	/// The height of the lowest kept level: each of its nodes covers `2^height` chunks.
	height: u32,
	/// The tree over the nodes of the lowest kept level, completed to a power of two.
	upper: MerkleTree<Blake2>,
}

impl TopLevels {
	/// Read the `chunks` chunks of a sector with `read` and keep the levels of its tree that
	/// have at most `max_nodes` nodes (at least the root).
	pub fn build(
		chunks: u32,
		max_nodes: u32,
		mut read: impl FnMut(u32) -> Result<Chunk>,
	) -> Result<Self> {
		ensure!(chunks > 0, "an empty sector");
		let nodes_at = |height: u32| u64::from(chunks).div_ceil(1u64 << height);
		let mut height = 0;
		while nodes_at(height) > u64::from(max_nodes.max(1)) {
			height += 1;
		}
		let count = nodes_at(height);
		let mut nodes = Vec::with_capacity(count.next_power_of_two() as usize);
		for node in 0..count {
			nodes.push(subtree(chunks, height, node, &mut read)?.root());
		}
		nodes.resize(nodes.len().next_power_of_two(), depin_merkle::empty_root::<Blake2>(height));
		let upper = MerkleTree::from_leaves(nodes).context("an empty sector")?;
		Ok(Self { chunks, height, upper })
	}

	pub fn root(&self) -> Hash {
		self.upper.root()
	}

	/// The bytes of the hashes kept.
	pub fn bytes(&self) -> u64 {
		// A complete tree over `n` leaves has `2n - 1` nodes.
		let leaves = 1u64 << self.upper.depth();
		(2 * leaves - 1) * 32
	}

	/// The sibling path of chunk `index`, bottom up, its subtree rebuilt from `read`.
	pub fn path(
		&self,
		index: u32,
		mut read: impl FnMut(u32) -> Result<Chunk>,
	) -> Result<Vec<Hash>> {
		ensure!(index < self.chunks, "chunk {index} is past the end of the sector");
		let node = u64::from(index) >> self.height;
		let below = subtree(self.chunks, self.height, node, &mut read)?;
		let offset = u64::from(index) - (node << self.height);
		let mut path =
			below.proof(u32::try_from(offset)?).context("a chunk outside its subtree")?;
		path.extend(self.upper.proof(u32::try_from(node)?).context("a node outside the tree")?);
		Ok(path)
	}
}

/// The complete subtree of `height` over chunks `node × 2^height ..`, those past `chunks`
/// empty.
fn subtree(
	chunks: u32,
	height: u32,
	node: u64,
	read: &mut impl FnMut(u32) -> Result<Chunk>,
) -> Result<MerkleTree<Blake2>> {
	let span = 1u64 << height;
	let first = node * span;
	let end = (first + span).min(u64::from(chunks));
	let mut leaves = Vec::with_capacity(span as usize);
	for index in first..end {
		leaves.push(depin_merkle::leaf_hash::<Blake2>(&read(u32::try_from(index)?)?));
	}
	leaves.resize(span as usize, EMPTY_LEAF);
	MerkleTree::from_leaves(leaves).context("an empty subtree")
}

/// A committed sector, its data and tree loaded.
pub struct LoadedSector {
	pub local: LocalSector,
	pub data: Data,
	pub tree: SectorTree,
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
		Ok(Self { local, data: Data::Files(data), tree: SectorTree::Whole(tree) })
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
	tree: &SectorTree,
	mut chunk: impl FnMut(u32) -> Result<Chunk>,
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
		let path: Vec<H256> = tree.path(index, &mut chunk)?.into_iter().map(H256).collect();
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

	fn challenge_for(tree: &SectorTree, seed: [u8; 32]) -> OpenChallenge<u32> {
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

	/// Whether every chunk of `proof` verifies against `tree`'s root.
	fn verifies(proof: &StorageProof, tree: &SectorTree) -> bool {
		proof.chunks.iter().all(|c| {
			let path: Vec<[u8; 32]> = c.path.iter().map(|h| h.0).collect();
			depin_merkle::verify_chunk::<Blake2>(
				&tree.root(),
				tree.chunks(),
				c.index,
				&c.chunk,
				&path,
			)
			.is_ok()
		})
	}

	#[test]
	fn an_honest_proof_verifies_and_a_cheating_one_does_not() {
		let data: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
		let tree = SectorTree::Whole(MerkleTree::<Blake2>::from_bytes(&data).expect("tree"));
		let open = challenge_for(&tree, [9; 32]);
		let key = Scheme::Ed25519.pair("//prover").expect("key");
		let read = |i| depin_merkle::chunk_at(&data, i).context("in range");
		for (honesty, valid) in [(Honesty::Honest, true), (Honesty::Cheating, false)] {
			let proof = prove(H256::zero(), 7, &open, &tree, read, &key, honesty).expect("a proof");
			assert_eq!((proof.device, proof.sector, proof.epoch), (7, 0, 4));
			assert_eq!(proof.chunks.len(), 2);
			assert_eq!(verifies(&proof, &tree), valid, "{honesty:?}");
		}
	}

	#[test]
	fn a_challenge_for_other_data_is_refused() {
		let tree = SectorTree::Whole(MerkleTree::<Blake2>::from_bytes(&[1u8; 5000]).expect("tree"));
		let other =
			SectorTree::Whole(MerkleTree::<Blake2>::from_bytes(&[2u8; 5000]).expect("tree"));
		let open = challenge_for(&other, [1; 32]);
		let key = Scheme::Sr25519.pair("//prover").expect("key");
		let read = |_| Ok([0u8; depin_merkle::CHUNK_SIZE]);
		assert!(prove(H256::zero(), 7, &open, &tree, read, &key, Honesty::Honest).is_err());
	}

	#[test]
	fn seeded_data_is_its_seeds_and_ends_where_it_says() {
		let seeded = Seeded { seed: [3; 32], chunks: 4 };
		assert_eq!(seeded.chunk(2).unwrap(), seeded.chunk(2).unwrap());
		assert_ne!(seeded.chunk(2).unwrap(), seeded.chunk(3).unwrap());
		assert_ne!(seeded.chunk(2).unwrap(), Seeded { seed: [4; 32], ..seeded }.chunk(2).unwrap());
		assert!(seeded.chunk(4).is_err());
		let mut data = Data::Seeded(seeded);
		assert_eq!(data.chunk(1).unwrap(), seeded.chunk(1).unwrap());
	}

	#[test]
	fn the_top_levels_rebuild_every_chunks_path_of_the_whole_tree() {
		for chunks in [1u32, 2, 5, 8, 9, 37, 64, 100] {
			let seeded = Seeded { seed: [7; 32], chunks };
			let all: Vec<Chunk> = (0..chunks).map(|i| seeded.chunk(i).unwrap()).collect();
			let whole = MerkleTree::<Blake2>::from_chunks(&all).expect("tree");
			let top = TopLevels::build(chunks, 8, |i| seeded.chunk(i)).expect("top levels");
			assert_eq!(top.root(), whole.root(), "{chunks} chunks");
			// At most 8 nodes in its lowest level, completed to a power of two, and the levels
			// above it.
			assert!(top.bytes() <= 15 * 32, "{chunks} chunks");
			for index in 0..chunks {
				assert_eq!(
					top.path(index, |i| seeded.chunk(i)).unwrap(),
					whole.proof(index).unwrap(),
					"chunk {index} of {chunks}"
				);
			}
			assert!(top.path(chunks, |i| seeded.chunk(i)).is_err());
		}
		// 64 chunks: the levels of 8, 4, 2 and 1 nodes; the path below them reads 8 chunks.
		let seeded = Seeded { seed: [7; 32], chunks: 64 };
		let top = TopLevels::build(64, 8, |i| seeded.chunk(i)).unwrap();
		assert_eq!(top.bytes(), 15 * 32);
		let mut read = Vec::new();
		top.path(42, |i| {
			read.push(i);
			seeded.chunk(i)
		})
		.unwrap();
		assert_eq!(read, (40..48).collect::<Vec<u32>>());
	}

	#[test]
	fn a_proof_of_regenerated_data_verifies() {
		let seeded = Seeded { seed: [5; 32], chunks: 64 };
		let tree = SectorTree::Top(TopLevels::build(64, 8, |i| seeded.chunk(i)).unwrap());
		let mut data = Data::Seeded(seeded);
		let key = Scheme::Sr25519.pair("//prover").expect("key");
		for seed in [[1; 32], [2; 32], [3; 32]] {
			let open = challenge_for(&tree, seed);
			let proof =
				prove(H256::zero(), 7, &open, &tree, |i| data.chunk(i), &key, Honesty::Honest)
					.expect("a proof");
			assert_eq!(proof.chunks.len(), 2);
			assert!(verifies(&proof, &tree));
		}
	}
}
