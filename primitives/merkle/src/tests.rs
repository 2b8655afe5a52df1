//! Trees built from generated data, checked against a naive reference construction.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use super::*;
use std::io::Write;

type Tree = MerkleTree<Blake2>;

/// `len` bytes of deterministic pseudo-random data.
fn data(len: usize, seed: u8) -> Vec<u8> {
	let mut out = Vec::with_capacity(len + 32);
	let mut state = Blake2::hash(&[seed]);
	while out.len() < len {
		state = Blake2::hash(&state);
		out.extend_from_slice(&state);
	}
	out.truncate(len);
	out
}

/// The reference: pad the leaves to a power of two with empty leaves, hash pairwise.
fn reference_root(leaves: &[Hash]) -> Hash {
	let mut level = leaves.to_vec();
	level.resize(leaves.len().next_power_of_two(), EMPTY_LEAF);
	while level.len() > 1 {
		level = level.chunks(2).map(|p| node_hash::<Blake2>(&p[0], &p[1])).collect();
	}
	level[0]
}

fn padded_chunks(data: &[u8]) -> Vec<Chunk> {
	data.chunks(CHUNK_SIZE)
		.map(|piece| {
			let mut c = [0u8; CHUNK_SIZE];
			c[..piece.len()].copy_from_slice(piece);
			c
		})
		.collect()
}

#[test]
fn depth_is_the_ceiling_of_log2() {
	for (chunks, depth) in
		[(0, 0), (1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (1024, 10), (1025, 11), (u32::MAX, 32)]
	{
		assert_eq!(depth_for(chunks), depth, "{chunks} chunks");
	}
	assert_eq!(chunks_for(0), Some(0));
	assert_eq!(chunks_for(1), Some(1));
	assert_eq!(chunks_for(1024), Some(1));
	assert_eq!(chunks_for(1025), Some(2));
	assert_eq!(chunks_for(u64::from(u32::MAX) * 1024), Some(u32::MAX));
	assert_eq!(chunks_for(u64::from(u32::MAX) * 1024 + 1), None);
}

#[test]
fn leaves_and_nodes_are_domain_separated() {
	let chunk = [7u8; CHUNK_SIZE];
	let mut tagged = vec![0u8];
	tagged.extend_from_slice(&chunk);
	assert_eq!(leaf_hash::<Blake2>(&chunk), Blake2::hash(&tagged));
	let (l, r) = ([1u8; 32], [2u8; 32]);
	let mut tagged = vec![1u8];
	tagged.extend_from_slice(&l);
	tagged.extend_from_slice(&r);
	assert_eq!(node_hash::<Blake2>(&l, &r), Blake2::hash(&tagged));
	assert_ne!(node_hash::<Blake2>(&l, &r), node_hash::<Blake2>(&r, &l));
	assert_eq!(empty_root::<Blake2>(0), EMPTY_LEAF);
	assert_eq!(empty_root::<Blake2>(2), {
		let e1 = node_hash::<Blake2>(&EMPTY_LEAF, &EMPTY_LEAF);
		node_hash::<Blake2>(&e1, &e1)
	});
}

#[test]
fn roots_match_the_reference_for_many_sizes() {
	for chunks in [1usize, 2, 3, 4, 5, 7, 8, 9, 31, 33, 100, 1000] {
		// Data that ends mid-chunk, so the last chunk is padded.
		let bytes = data(chunks * CHUNK_SIZE - 100, chunks as u8);
		let tree = Tree::from_bytes(&bytes).unwrap();
		let leaves: Vec<Hash> = padded_chunks(&bytes).iter().map(leaf_hash::<Blake2>).collect();
		assert_eq!(tree.chunks() as usize, chunks);
		assert_eq!(tree.depth(), depth_for(chunks as u32));
		assert_eq!(tree.root(), reference_root(&leaves), "{chunks} chunks");
		assert_eq!(Tree::from_chunks(padded_chunks(&bytes).iter()).unwrap(), tree);
	}
}

#[test]
fn every_chunk_of_a_tree_proves_and_nothing_else_does() {
	for chunks in [1u32, 2, 3, 6, 17, 64] {
		let bytes = data(chunks as usize * CHUNK_SIZE, 42);
		let tree = Tree::from_bytes(&bytes).unwrap();
		let root = tree.root();
		for index in 0..chunks {
			let chunk = chunk_at(&bytes, index).unwrap();
			let path = tree.proof(index).unwrap();
			assert_eq!(path.len() as u32, tree.depth());
			assert_eq!(verify_chunk::<Blake2>(&root, chunks, index, &chunk, &path), Ok(()));

			// Tampered chunk.
			let mut bad = chunk;
			bad[index as usize % CHUNK_SIZE] ^= 1;
			assert_eq!(
				verify_chunk::<Blake2>(&root, chunks, index, &bad, &path),
				Err(VerifyError::RootMismatch)
			);
			if chunks > 1 {
				// Tampered sibling at every height.
				for height in 0..path.len() {
					let mut bad_path = path.clone();
					bad_path[height][0] ^= 0x80;
					assert_eq!(
						verify_chunk::<Blake2>(&root, chunks, index, &chunk, &bad_path),
						Err(VerifyError::RootMismatch)
					);
				}
				// The right chunk and path presented for another index.
				let other = (index + 1) % chunks;
				assert_eq!(
					verify_chunk::<Blake2>(&root, chunks, other, &chunk, &path),
					Err(VerifyError::RootMismatch)
				);
			}
			// Another root.
			let mut other_root = root;
			other_root[31] ^= 1;
			assert_eq!(
				verify_chunk::<Blake2>(&other_root, chunks, index, &chunk, &path),
				Err(VerifyError::RootMismatch)
			);
		}
		assert_eq!(tree.proof(chunks), None);
	}
}

#[test]
fn cheap_checks_refuse_malformed_proofs() {
	let bytes = data(5 * CHUNK_SIZE, 1);
	let tree = Tree::from_bytes(&bytes).unwrap();
	let root = tree.root();
	let chunk = chunk_at(&bytes, 4).unwrap();
	let path = tree.proof(4).unwrap();
	assert_eq!(verify_chunk::<Blake2>(&root, 0, 0, &chunk, &path), Err(VerifyError::EmptyTree));
	assert_eq!(
		verify_chunk::<Blake2>(&root, 5, 5, &chunk, &path),
		Err(VerifyError::IndexOutOfRange)
	);
	assert_eq!(
		verify_chunk::<Blake2>(&root, 5, 4, &chunk, &path[..2]),
		Err(VerifyError::WrongPathLength)
	);
	let mut long = path.clone();
	long.push(EMPTY_LEAF);
	assert_eq!(
		verify_chunk::<Blake2>(&root, 5, 4, &chunk, &long),
		Err(VerifyError::WrongPathLength)
	);
	// The padding beyond the last real chunk is not a chunk: index 5..8 are out of range
	// even though the completed tree has 8 leaves.
	let empty_path = tree.proof(4).unwrap();
	assert_eq!(
		verify_chunk::<Blake2>(&root, 5, 5, &[0u8; CHUNK_SIZE], &empty_path),
		Err(VerifyError::IndexOutOfRange)
	);
}

#[test]
fn chunk_at_pads_the_last_chunk_and_stops_at_the_end() {
	let bytes = data(2 * CHUNK_SIZE + 10, 3);
	assert_eq!(&chunk_at(&bytes, 0).unwrap()[..], &bytes[..CHUNK_SIZE]);
	let last = chunk_at(&bytes, 2).unwrap();
	assert_eq!(&last[..10], &bytes[2 * CHUNK_SIZE..]);
	assert!(last[10..].iter().all(|b| *b == 0));
	assert_eq!(chunk_at(&bytes, 3), None);
	assert_eq!(chunk_at(&[], 0), None);
	assert!(Tree::from_bytes(&[]).is_none());
}

#[test]
fn a_file_streams_into_the_same_tree_and_serves_its_chunks() {
	let bytes = data(300 * CHUNK_SIZE + 777, 9);
	let mut file = tempfile::tempfile().unwrap();
	file.write_all(&bytes).unwrap();
	use std::io::Seek;
	file.rewind().unwrap();
	let tree = Tree::from_reader(&mut file).unwrap();
	assert_eq!(tree, Tree::from_bytes(&bytes).unwrap());
	assert_eq!(tree.chunks(), 301);
	for index in [0, 1, 150, 299, 300] {
		let chunk = read_chunk(&mut file, index).unwrap();
		assert_eq!(Some(chunk), chunk_at(&bytes, index));
		let path = tree.proof(index).unwrap();
		assert_eq!(verify_chunk::<Blake2>(&tree.root(), 301, index, &chunk, &path), Ok(()));
	}
	assert_eq!(read_chunk(&mut file, 301).unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
	let empty = tempfile::tempfile().unwrap();
	assert_eq!(Tree::from_reader(empty).unwrap_err().kind(), std::io::ErrorKind::InvalidData);
}

#[test]
fn challenges_bind_every_input_and_indices_stay_in_range() {
	let seed = [1u8; 32];
	let root = [2u8; 32];
	let base = storage_challenge::<Blake2>(&seed, 7, 3, &root);
	assert_ne!(base, storage_challenge::<Blake2>(&[9u8; 32], 7, 3, &root));
	assert_ne!(base, storage_challenge::<Blake2>(&seed, 8, 3, &root));
	assert_ne!(base, storage_challenge::<Blake2>(&seed, 7, 4, &root));
	assert_ne!(base, storage_challenge::<Blake2>(&seed, 7, 3, &[3u8; 32]));

	assert_eq!(challenge_index::<Blake2>(&base, 0, 0), None);
	assert_eq!(challenge_index::<Blake2>(&base, 0, 1), Some(0));
	// Indices spread over the whole tree: 4,000 draws over 8 chunks hit every chunk
	// roughly equally often.
	let mut hits = [0u32; 8];
	for i in 0..4_000 {
		let index = challenge_index::<Blake2>(&base, i, 8).unwrap();
		hits[index as usize] += 1;
	}
	assert!(hits.iter().all(|h| (350..650).contains(h)), "{hits:?}");
	assert_ne!(
		challenge_index::<Blake2>(&base, 0, 1 << 30),
		challenge_index::<Blake2>(&base, 1, 1 << 30)
	);
}

#[test]
fn multiproofs_prove_leaves_together_and_share_their_hashes() {
	let tree = Tree::from_bytes(&data(37 * CHUNK_SIZE, 5)).unwrap();
	let depth = tree.depth();
	let leaf = |i: u32| leaf_hash::<Blake2>(&chunk_at(&data(37 * CHUNK_SIZE, 5), i).unwrap());
	let leaves = |indices: &[u32]| indices.iter().map(|&i| (i, leaf(i))).collect::<Vec<_>>();
	for indices in
		[vec![0], vec![36], vec![3, 4], vec![4, 5], vec![0, 1, 2, 3], vec![1, 17, 18, 36]]
	{
		let proof = tree.multiproof(&indices).unwrap();
		assert_eq!(
			root_from_multiproof::<Blake2>(&leaves(&indices), depth, &proof),
			Some(tree.root()),
			"{indices:?}"
		);
		// One leaf's multiproof is its path.
		if let [index] = indices[..] {
			assert_eq!(proof, tree.proof(index).unwrap());
		}
	}
	// Neighbours share their path above the node where they meet: siblings share all of it,
	// leaves 3 and 4 everything above height 3.
	assert_eq!(tree.multiproof(&[4, 5]).unwrap().len() as u32, depth - 1);
	assert_eq!(tree.multiproof(&[3, 4]).unwrap().len() as u32, 2 * 2 + (depth - 3));

	// Anything else is refused: another leaf, a changed or missing or extra hash, leaves out
	// of order, repeated or out of range, another depth.
	let proof = tree.multiproof(&[1, 17, 18, 36]).unwrap();
	let good = leaves(&[1, 17, 18, 36]);
	let verify = |leaves: &[(u32, Hash)], depth, proof: &[Hash]| {
		root_from_multiproof::<Blake2>(leaves, depth, proof)
	};
	let mut wrong = good.clone();
	wrong[2].1 = leaf(19);
	assert_ne!(verify(&wrong, depth, &proof), Some(tree.root()));
	let mut moved = good.clone();
	moved[2].0 = 19;
	assert_ne!(verify(&moved, depth, &proof), Some(tree.root()));
	let mut changed = proof.clone();
	changed[3] = [7; 32];
	assert_ne!(verify(&good, depth, &changed), Some(tree.root()));
	assert_eq!(verify(&good, depth, &proof[1..]), None);
	assert_eq!(verify(&good, depth, &[proof.clone(), vec![[0; 32]]].concat()), None);
	let reversed: Vec<_> = good.iter().rev().copied().collect();
	assert_eq!(verify(&reversed, depth, &proof), None);
	assert_eq!(verify(&[good[0], good[0]], depth, &proof), None);
	assert_eq!(verify(&[(64, leaf(0))], depth, &tree.proof(0).unwrap()), None);
	assert_eq!(verify(&[], depth, &[]), None);
	assert_ne!(verify(&good, depth + 1, &proof), Some(tree.root()));
	assert_eq!(tree.multiproof(&[37]), None);
	assert_eq!(tree.multiproof(&[5, 4]), None);
	assert_eq!(tree.multiproof(&[]), None);
}
