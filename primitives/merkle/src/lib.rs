//! Binary Merkle trees over fixed-size chunks, for storage proofs.
//!
//! The same code builds a tree from a provider's data, answers a challenge with a proof and
//! checks that proof in the runtime, so the two sides cannot drift apart.
//!
//! # The tree
//!
//! - Data is cut into [`CHUNK_SIZE`]-byte chunks; the last chunk is padded with zeros.
//! - A leaf is `H(0x00 ‖ chunk)`, an inner node `H(0x01 ‖ left ‖ right)`. The tags keep a
//!   leaf from ever passing for a node (no second-preimage tricks across levels).
//! - A tree of `n` chunks has depth `d = ⌈log₂ n⌉` and is completed to `2^d` leaves with
//!   empty subtrees: the empty leaf is 32 zero bytes (no chunk hashes to it), an empty
//!   subtree of height `h + 1` is `node(E_h, E_h)`. Every path therefore has exactly `d`
//!   siblings, and the verifier knows `d` from the committed chunk count alone.
//! - A proof for chunk `i` is the chunk plus its `d` siblings from the bottom up; bit `j` of
//!   `i` says whether the running hash is the right (1) or left (0) child at height `j`.
//!
//! # Multiproofs
//!
//! Several leaves of one tree are proven together by [`root_from_multiproof`]: the siblings
//! their paths need, each given once. Walking up level by level, the known nodes are those
//! proven or computed so far; a known node whose sibling is known too is hashed with it, any
//! other takes the next hash of the proof as its sibling. Leaves that are neighbours, or
//! whose paths meet, share the hashes above the node where they meet, so two adjacent
//! leaves cost about one path instead of two. [`MerkleTree::multiproof`] builds the same
//! sequence.
//!
//! # Challenges
//!
//! [`storage_challenge`] binds a challenge to the epoch seed, the device, the sector and the
//! sector's root; [`challenge_index`] turns a challenge into chunk indices. The runtime and
//! the provider both call them.
//!
//! The crate is `no_std` (with `alloc` for the tree builder). The hash function is a
//! [`Hasher`]: the runtime plugs in its host-function blake2-256, tools use [`Blake2`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use core::marker::PhantomData;

/// Bytes per chunk.
pub const CHUNK_SIZE: usize = 1024;

/// The deepest tree: chunk counts and indices are `u32`, so at most `2^32` leaves.
pub const MAX_DEPTH: u32 = 32;

/// A 32-byte hash.
pub type Hash = [u8; 32];

/// One chunk of data.
pub type Chunk = [u8; CHUNK_SIZE];

/// The empty leaf.
pub const EMPTY_LEAF: Hash = [0; 32];

const LEAF_TAG: u8 = 0;
const NODE_TAG: u8 = 1;
const CHALLENGE_CONTEXT: &[u8; 16] = b"depin/storage/ch";
const INDEX_CONTEXT: &[u8; 16] = b"depin/storage/ix";

/// A 256-bit hash function.
pub trait Hasher {
	/// Hash `data`.
	fn hash(data: &[u8]) -> Hash;
}

/// Portable blake2-256.
#[cfg(feature = "blake2")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blake2;

#[cfg(feature = "blake2")]
impl Hasher for Blake2 {
	fn hash(data: &[u8]) -> Hash {
		sp_crypto_hashing::blake2_256(data)
	}
}

/// The hash of a leaf: `H(0x00 ‖ chunk)`.
pub fn leaf_hash<H: Hasher>(chunk: &Chunk) -> Hash {
	let mut buf = [0u8; 1 + CHUNK_SIZE];
	if let Some((tag, rest)) = buf.split_first_mut() {
		*tag = LEAF_TAG;
		rest.copy_from_slice(chunk);
	}
	H::hash(&buf)
}

/// The hash of an inner node: `H(0x01 ‖ left ‖ right)`.
pub fn node_hash<H: Hasher>(left: &Hash, right: &Hash) -> Hash {
	let mut buf = [0u8; 65];
	if let Some((tag, rest)) = buf.split_first_mut() {
		*tag = NODE_TAG;
		let (l, r) = rest.split_at_mut(32);
		l.copy_from_slice(left);
		r.copy_from_slice(right);
	}
	H::hash(&buf)
}

/// The root of an empty subtree of `height` (`EMPTY_LEAF` at height 0).
pub fn empty_root<H: Hasher>(height: u32) -> Hash {
	(0..height).fold(EMPTY_LEAF, |acc, _| node_hash::<H>(&acc, &acc))
}

/// The depth of a tree of `chunks` leaves: `⌈log₂ chunks⌉` (0 for 0 or 1 chunk).
pub fn depth_for(chunks: u32) -> u32 {
	match chunks.checked_sub(1) {
		None | Some(0) => 0,
		Some(last) => u32::BITS.saturating_sub(last.leading_zeros()),
	}
}

/// The number of chunks `bytes` of data fill (the last one padded), if it fits a `u32`.
pub fn chunks_for(bytes: u64) -> Option<u32> {
	u32::try_from(bytes.div_ceil(CHUNK_SIZE as u64)).ok()
}

/// Fold a leaf up its path to the root it implies.
pub fn root_from_path<H: Hasher>(leaf: Hash, index: u32, path: &[Hash]) -> Hash {
	let mut acc = leaf;
	let mut position = index;
	for sibling in path {
		acc = if position & 1 == 0 {
			node_hash::<H>(&acc, sibling)
		} else {
			node_hash::<H>(sibling, &acc)
		};
		position >>= 1;
	}
	acc
}

/// The root that the leaves `leaves` (position and hash, strictly ascending positions, each
/// below `2^depth`) and the sibling hashes `proof` imply, for a tree of `depth`; `None` if
/// the leaves are not in that order, or `proof` has too few hashes or some left over.
///
/// Costs one node hash for each known node of each level: at most `leaves × depth`.
pub fn root_from_multiproof<H: Hasher>(
	leaves: &[(u32, Hash)],
	depth: u32,
	proof: &[Hash],
) -> Option<Hash> {
	let in_range = |position: u32| depth >= 32 || position < (1u32 << depth);
	let ascending = leaves.windows(2).all(|pair| matches!(pair, [(a, _), (b, _)] if a < b));
	if leaves.is_empty() || !ascending || !leaves.iter().all(|(position, _)| in_range(*position)) {
		return None;
	}
	let mut siblings = proof.iter();
	let mut known: Vec<(u32, Hash)> = leaves.to_vec();
	for _ in 0..depth {
		let mut parents = Vec::with_capacity(known.len());
		let mut nodes = known.iter().peekable();
		while let Some(&(position, hash)) = nodes.next() {
			let parent = if position & 1 == 1 {
				node_hash::<H>(siblings.next()?, &hash)
			} else if let Some((_, right)) = nodes.next_if(|(next, _)| *next == position | 1) {
				node_hash::<H>(&hash, right)
			} else {
				node_hash::<H>(&hash, siblings.next()?)
			};
			parents.push((position >> 1, parent));
		}
		known = parents;
	}
	match (known.as_slice(), siblings.next()) {
		([(_, root)], None) => Some(*root),
		_ => None,
	}
}

/// The sibling hashes that prove the leaves at `positions` (strictly ascending, each below
/// `2^depth`) of a tree of `depth` together, in the order [`root_from_multiproof`] takes
/// them; `node(height, position)` gives any node of the tree (height 0 the leaves). `None`
/// if the positions are not in that order.
pub fn multiproof_siblings(
	positions: &[u32],
	depth: u32,
	mut node: impl FnMut(u32, u32) -> Hash,
) -> Option<Vec<Hash>> {
	let in_range = |position: u32| depth >= 32 || position < (1u32 << depth);
	let ascending = positions.windows(2).all(|pair| matches!(pair, [a, b] if a < b));
	if positions.is_empty() || !ascending || !positions.iter().all(|p| in_range(*p)) {
		return None;
	}
	let mut proof = Vec::new();
	let mut known = positions.to_vec();
	for height in 0..depth {
		let mut parents = Vec::with_capacity(known.len());
		let mut nodes = known.iter().peekable();
		while let Some(&position) = nodes.next() {
			let paired =
				position & 1 == 0 && nodes.next_if(|next| **next == position | 1).is_some();
			if !paired {
				proof.push(node(height, position ^ 1));
			}
			parents.push(position >> 1);
		}
		known = parents;
	}
	Some(proof)
}

/// Why a chunk proof was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyError {
	/// The tree has no chunks.
	EmptyTree,
	/// The index is not below the chunk count.
	IndexOutOfRange,
	/// The path does not have exactly `depth_for(chunks)` siblings.
	WrongPathLength,
	/// The chunk and path lead to another root.
	RootMismatch,
}

/// Check that `chunk` is chunk `index` of the tree with `root` and `chunks` leaves.
///
/// Cheap checks (index, path length) come before any hashing; the cost is then one leaf
/// hash and `depth_for(chunks)` node hashes.
pub fn verify_chunk<H: Hasher>(
	root: &Hash,
	chunks: u32,
	index: u32,
	chunk: &Chunk,
	path: &[Hash],
) -> Result<(), VerifyError> {
	if chunks == 0 {
		return Err(VerifyError::EmptyTree);
	}
	if index >= chunks {
		return Err(VerifyError::IndexOutOfRange);
	}
	if path.len() != depth_for(chunks) as usize {
		return Err(VerifyError::WrongPathLength);
	}
	if root_from_path::<H>(leaf_hash::<H>(chunk), index, path) == *root {
		Ok(())
	} else {
		Err(VerifyError::RootMismatch)
	}
}

/// The challenge for one sector in one epoch: `H(context ‖ seed ‖ device ‖ sector ‖ root)`
/// with the integers little-endian.
///
/// The seed is the epoch's randomness, drawn when the epoch starts; the root is the sector's
/// commitment, made in an earlier epoch. So nobody knows a challenge before both exist.
pub fn storage_challenge<H: Hasher>(seed: &Hash, device: u64, sector: u32, root: &Hash) -> Hash {
	let mut buf = [0u8; 16 + 32 + 8 + 4 + 32];
	let (context, rest) = buf.split_at_mut(16);
	context.copy_from_slice(CHALLENGE_CONTEXT);
	let (s, rest) = rest.split_at_mut(32);
	s.copy_from_slice(seed);
	let (d, rest) = rest.split_at_mut(8);
	d.copy_from_slice(&device.to_le_bytes());
	let (n, r) = rest.split_at_mut(4);
	n.copy_from_slice(&sector.to_le_bytes());
	r.copy_from_slice(root);
	H::hash(&buf)
}

/// The `i`-th chunk index a challenge asks for, in a tree of `chunks` leaves:
/// the first 8 bytes of `H(context ‖ challenge ‖ i)`, little-endian, modulo `chunks`
/// (`None` for an empty tree). The modulo bias is below `chunks / 2^64`.
pub fn challenge_index<H: Hasher>(challenge: &Hash, i: u32, chunks: u32) -> Option<u32> {
	if chunks == 0 {
		return None;
	}
	let mut buf = [0u8; 16 + 32 + 4];
	let (context, rest) = buf.split_at_mut(16);
	context.copy_from_slice(INDEX_CONTEXT);
	let (c, n) = rest.split_at_mut(32);
	c.copy_from_slice(challenge);
	n.copy_from_slice(&i.to_le_bytes());
	let digest = H::hash(&buf);
	let mut word = [0u8; 8];
	word.copy_from_slice(digest.split_at(8).0);
	let index = u64::from_le_bytes(word).checked_rem(u64::from(chunks))?;
	u32::try_from(index).ok()
}

/// Chunk `index` of `data`, zero-padded; `None` past the end.
pub fn chunk_at(data: &[u8], index: u32) -> Option<Chunk> {
	let start = (index as usize).checked_mul(CHUNK_SIZE)?;
	let rest = data.get(start..)?;
	if rest.is_empty() {
		return None;
	}
	let mut chunk = [0u8; CHUNK_SIZE];
	let len = rest.len().min(CHUNK_SIZE);
	if let (Some(dst), Some(src)) = (chunk.get_mut(..len), rest.get(..len)) {
		dst.copy_from_slice(src);
	}
	Some(chunk)
}

/// A whole tree, every level kept, to answer challenges.
///
/// Memory: about 64 bytes per chunk (2 MiB per GiB of data at 1 KiB chunks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleTree<H> {
	/// `levels[0]` are the leaves, the last level is the root alone. Levels hold only the
	/// nodes over real chunks; missing right siblings are empty subtrees.
	levels: Vec<Vec<Hash>>,
	empties: Vec<Hash>,
	_hasher: PhantomData<H>,
}

impl<H: Hasher> MerkleTree<H> {
	/// A tree over leaf hashes; `None` if there are none or more than `u32::MAX`.
	pub fn from_leaves(leaves: Vec<Hash>) -> Option<Self> {
		if leaves.is_empty() || u32::try_from(leaves.len()).is_err() {
			return None;
		}
		let depth = depth_for(leaves.len() as u32);
		let mut empties = Vec::with_capacity((depth as usize).saturating_add(1));
		let mut empty = EMPTY_LEAF;
		for _ in 0..=depth {
			empties.push(empty);
			empty = node_hash::<H>(&empty, &empty);
		}
		let mut levels = Vec::with_capacity((depth as usize).saturating_add(1));
		let mut current = leaves;
		for height in 0..depth {
			let empty = empties.get(height as usize).copied().unwrap_or(EMPTY_LEAF);
			let next = current
				.chunks(2)
				.map(|pair| match pair {
					[left, right] => node_hash::<H>(left, right),
					[left] => node_hash::<H>(left, &empty),
					_ => EMPTY_LEAF,
				})
				.collect();
			levels.push(core::mem::replace(&mut current, next));
		}
		levels.push(current);
		Some(Self { levels, empties, _hasher: PhantomData })
	}

	/// A tree over chunks.
	pub fn from_chunks<'a>(chunks: impl IntoIterator<Item = &'a Chunk>) -> Option<Self> {
		Self::from_leaves(chunks.into_iter().map(leaf_hash::<H>).collect())
	}

	/// A tree over `data`, cut into chunks, the last one zero-padded.
	pub fn from_bytes(data: &[u8]) -> Option<Self> {
		let leaves = data
			.chunks(CHUNK_SIZE)
			.map(|piece| {
				let mut chunk = [0u8; CHUNK_SIZE];
				if let Some(dst) = chunk.get_mut(..piece.len()) {
					dst.copy_from_slice(piece);
				}
				leaf_hash::<H>(&chunk)
			})
			.collect();
		Self::from_leaves(leaves)
	}

	/// The root.
	pub fn root(&self) -> Hash {
		self.levels.last().and_then(|top| top.first()).copied().unwrap_or(EMPTY_LEAF)
	}

	/// The number of chunks.
	pub fn chunks(&self) -> u32 {
		self.levels.first().map_or(0, |leaves| leaves.len() as u32)
	}

	/// The depth (the length of every path).
	pub fn depth(&self) -> u32 {
		self.levels.len().saturating_sub(1) as u32
	}

	/// The sibling path of chunk `index`, bottom up; `None` if out of range.
	pub fn proof(&self, index: u32) -> Option<Vec<Hash>> {
		if index >= self.chunks() {
			return None;
		}
		let mut path = Vec::with_capacity(self.depth() as usize);
		let mut position = index as usize;
		for (height, level) in self.levels.iter().take(self.depth() as usize).enumerate() {
			let sibling = level
				.get(position ^ 1)
				.or_else(|| self.empties.get(height))
				.copied()
				.unwrap_or(EMPTY_LEAF);
			path.push(sibling);
			position >>= 1;
		}
		Some(path)
	}

	/// The multiproof of the leaves at `indices` (strictly ascending): the siblings
	/// [`root_from_multiproof`] takes, each once; `None` if out of range or out of order.
	pub fn multiproof(&self, indices: &[u32]) -> Option<Vec<Hash>> {
		if indices.iter().any(|index| *index >= self.chunks()) {
			return None;
		}
		multiproof_siblings(indices, self.depth(), |height, position| {
			self.levels
				.get(height as usize)
				.and_then(|level| level.get(position as usize))
				.or_else(|| self.empties.get(height as usize))
				.copied()
				.unwrap_or(EMPTY_LEAF)
		})
	}
}

#[cfg(feature = "std")]
mod io {
	use super::*;
	use std::io::{Read, Seek, SeekFrom};

	/// Fill `buf` from `reader` as far as it goes; the number of bytes read.
	fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
		let mut filled = 0;
		while filled < buf.len() {
			let Some(rest) = buf.get_mut(filled..) else { break };
			match reader.read(rest) {
				Ok(0) => break,
				Ok(n) => filled = filled.saturating_add(n),
				Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {},
				Err(e) => return Err(e),
			}
		}
		Ok(filled)
	}

	impl<H: Hasher> MerkleTree<H> {
		/// A tree over everything `reader` yields, streamed chunk by chunk (only the hashes
		/// stay in memory). `InvalidData` if it is empty or longer than `2^32` chunks.
		pub fn from_reader(mut reader: impl Read) -> std::io::Result<Self> {
			let mut leaves = Vec::new();
			let mut chunk = [0u8; CHUNK_SIZE];
			loop {
				let n = read_full(&mut reader, &mut chunk)?;
				if n == 0 {
					break;
				}
				if let Some(tail) = chunk.get_mut(n..) {
					tail.fill(0);
				}
				leaves.push(leaf_hash::<H>(&chunk));
				if n < CHUNK_SIZE {
					break;
				}
			}
			Self::from_leaves(leaves).ok_or_else(|| {
				std::io::Error::new(
					std::io::ErrorKind::InvalidData,
					"no data, or more than 2^32 chunks",
				)
			})
		}
	}

	/// Read chunk `index` of a file (zero-padded); `UnexpectedEof` past the end.
	pub fn read_chunk(reader: &mut (impl Read + Seek), index: u32) -> std::io::Result<Chunk> {
		reader.seek(SeekFrom::Start(u64::from(index).saturating_mul(CHUNK_SIZE as u64)))?;
		let mut chunk = [0u8; CHUNK_SIZE];
		if read_full(reader, &mut chunk)? == 0 {
			return Err(std::io::Error::new(
				std::io::ErrorKind::UnexpectedEof,
				"chunk index past the end of the data",
			));
		}
		Ok(chunk)
	}
}

#[cfg(feature = "std")]
pub use io::read_chunk;

#[cfg(test)]
mod tests;
