//! A sparse sector: a full-size sector whose chunks are all zero but the first, which names
//! its device and sector. Its root is unique to them (the chain keeps a root once), its Merkle
//! paths have the depth of a real sector of that size, and it costs no memory or disk: every
//! node of the tree is either on the first chunk's path or the root of an all-zero subtree,
//! so `2 × depth` hashes describe the whole tree.
//!
//! The load harness gives each simulated device one, so that a million devices can be proven
//! from one process with the proofs the chain checks for real data.

use depin_merkle::{leaf_hash, node_hash, Blake2, Chunk, Hash, CHUNK_SIZE};

/// A sector of `2^depth` chunks, all zero but chunk 0.
pub struct SparseSector {
	depth: u32,
	first: Chunk,
	/// `zero[h]`: the root of an all-zero subtree of height `h`.
	zero: Vec<Hash>,
	/// `leftmost[h]`: the root of the subtree of height `h` that holds chunk 0.
	leftmost: Vec<Hash>,
}

impl SparseSector {
	/// The sparse sector `sector` of `device`, of `2^depth` chunks.
	pub fn new(device: u64, sector: u32, depth: u32) -> Self {
		let mut first = [0u8; CHUNK_SIZE];
		let name = (b"depin-bench/sparse", device, sector);
		let encoded = codec::Encode::encode(&name);
		first.iter_mut().zip(encoded).for_each(|(byte, value)| *byte = value);
		let (mut z, mut l) = (leaf_hash::<Blake2>(&[0u8; CHUNK_SIZE]), leaf_hash::<Blake2>(&first));
		let (mut zero, mut leftmost) = (vec![z], vec![l]);
		for _ in 0..depth {
			l = node_hash::<Blake2>(&l, &z);
			z = node_hash::<Blake2>(&z, &z);
			zero.push(z);
			leftmost.push(l);
		}
		Self { depth, first, zero, leftmost }
	}

	/// How many chunks it has.
	pub fn chunks(&self) -> u32 {
		1u32.checked_shl(self.depth).unwrap_or(0)
	}

	/// Its Merkle root.
	pub fn root(&self) -> Hash {
		self.leftmost.last().copied().unwrap_or_default()
	}

	/// Chunk `index`.
	pub fn chunk(&self, index: u32) -> Chunk {
		if index == 0 {
			self.first
		} else {
			[0u8; CHUNK_SIZE]
		}
	}

	/// The Merkle path of chunk `index`, leaf level first.
	pub fn path(&self, index: u32) -> Vec<Hash> {
		(0..self.depth)
			.map(|h| {
				let sibling = index.checked_shr(h).unwrap_or(0) ^ 1;
				let level = if sibling == 0 { &self.leftmost } else { &self.zero };
				level.get(h as usize).copied().unwrap_or_default()
			})
			.collect()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use depin_merkle::{verify_chunk, MerkleTree};

	#[test]
	fn a_sparse_sector_is_the_tree_of_its_bytes() {
		let sparse = SparseSector::new(7, 2, 4);
		let mut bytes = vec![0u8; 16 * CHUNK_SIZE];
		bytes[..CHUNK_SIZE].copy_from_slice(&sparse.chunk(0));
		let tree = MerkleTree::<Blake2>::from_bytes(&bytes).expect("a tree");
		assert_eq!(tree.root(), sparse.root());
		for index in 0..16 {
			assert_eq!(tree.proof(index), Some(sparse.path(index)), "chunk {index}");
		}
	}

	#[test]
	fn its_chunks_verify_at_full_depth_and_roots_are_unique() {
		let sparse = SparseSector::new(1, 0, 20);
		assert_eq!(sparse.chunks(), 1 << 20);
		for index in [0, 1, 2, 12_345, (1 << 20) - 1] {
			let path = sparse.path(index);
			assert_eq!(path.len(), 20);
			verify_chunk::<Blake2>(
				&sparse.root(),
				sparse.chunks(),
				index,
				&sparse.chunk(index),
				&path,
			)
			.expect("the chunk verifies");
		}
		assert_ne!(SparseSector::new(1, 0, 20).root(), SparseSector::new(2, 0, 20).root());
		assert_ne!(SparseSector::new(1, 0, 20).root(), SparseSector::new(1, 1, 20).root());
	}
}
