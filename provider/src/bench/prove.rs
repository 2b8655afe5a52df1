//! A simulated device's storage proof, computed without asking the node: the challenge and its
//! chunk indices follow from the epoch's seed (`depin_primitives::storage`), the chunks and
//! paths from the sparse sector, and the device key signs the statement as a real prover does.
//! One RPC call per epoch (its seed) serves every device.

use anyhow::{anyhow, Context, Result};
use depin_primitives::storage::{
	challenge, challenge_indices, ChunkProof, StorageProofStatement, STORAGE_PROOF_CONTEXT,
};
use sp_core::H256;

use super::sparse::SparseSector;
use crate::{keystore::DevicePair, prover::StorageProof};

/// What one proof answers: which sector of which device, in which epoch (with its seed).
#[derive(Clone, Copy, Debug)]
pub struct Challenged {
	pub device: u64,
	pub sector: u32,
	pub epoch: u32,
	pub seed: H256,
	/// Chunks the chain asks of each sector (`challengesPerSector` of the epoch).
	pub count: u32,
}

/// The proof of `sparse`, committed as sector `at.sector` of `at.device`, for `at.epoch`.
pub fn prove(
	genesis: H256,
	at: Challenged,
	sparse: &SparseSector,
	key: &DevicePair,
) -> Result<StorageProof> {
	let root = H256(sparse.root());
	let challenge = challenge(&at.seed, at.device, at.sector, &root);
	let indices =
		challenge_indices(&challenge, at.count, sparse.chunks()).context("an empty sector")?;
	let chunks = indices
		.into_iter()
		.map(|index| {
			let path: Vec<H256> = sparse.path(index).into_iter().map(H256).collect();
			Ok(ChunkProof {
				index,
				chunk: sparse.chunk(index),
				path: path
					.try_into()
					.map_err(|_| anyhow!("a sector deeper than the chain's bound"))?,
			})
		})
		.collect::<Result<Vec<_>>>()?;
	let statement =
		StorageProofStatement { device: at.device, sector: at.sector, epoch: at.epoch, challenge };
	Ok(StorageProof {
		device: at.device,
		sector: at.sector,
		epoch: at.epoch,
		chunks: chunks.try_into().map_err(|_| anyhow!("more challenges than the chain's bound"))?,
		signature: key.sign_statement(STORAGE_PROOF_CONTEXT, genesis, &statement),
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::bench::spec::device_pair;
	use depin_merkle::{verify_chunk, Blake2};

	#[test]
	fn a_simulated_proof_verifies_as_the_chain_checks_it() {
		let sparse = SparseSector::new(9, 0, 20);
		let key = DevicePair::Sr25519(device_pair(9));
		let genesis = H256([3; 32]);
		let at = Challenged { device: 9, sector: 0, epoch: 5, seed: H256([7; 32]), count: 2 };
		let proof = prove(genesis, at, &sparse, &key).expect("a proof");
		assert_eq!(proof.chunks.len(), 2);
		let challenge = challenge(&at.seed, 9, 0, &H256(sparse.root()));
		let expected = challenge_indices(&challenge, 2, sparse.chunks()).expect("indices");
		for (chunk, index) in proof.chunks.iter().zip(expected) {
			assert_eq!(chunk.index, index);
			let path: Vec<[u8; 32]> = chunk.path.iter().map(|h| h.0).collect();
			verify_chunk::<Blake2>(&sparse.root(), sparse.chunks(), index, &chunk.chunk, &path)
				.expect("the chunk verifies");
		}
		let statement = StorageProofStatement { device: 9, sector: 0, epoch: 5, challenge };
		assert!(key.public().verify_statement(
			STORAGE_PROOF_CONTEXT,
			genesis,
			&statement,
			&proof.signature
		));
		// Another epoch's seed asks for other chunks.
		let later =
			prove(genesis, Challenged { epoch: 6, seed: H256([8; 32]), ..at }, &sparse, &key)
				.expect("a proof");
		assert_ne!(later.chunks[0].index, proof.chunks[0].index);
	}
}
