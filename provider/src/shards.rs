//! A client's file made ready for storage deals, and made whole again: encrypted, cut into
//! `n` shards of which any `k` restore it, each shard distinct from every other.
//!
//! 1. **Encryption.** The file is sealed with ChaCha20-Poly1305 in the STREAM construction
//!    (`aead::stream`, big-endian 32-bit segment counter and a last-segment flag) under a
//!    fresh random key, in [`SEGMENT`]-byte segments: every segment is authenticated, and a
//!    truncated, reordered or altered ciphertext fails to open. Providers never see the
//!    plaintext; the key stays in the client's [`Manifest`].
//! 2. **Erasure coding.** The ciphertext, zero-padded, is split into `k` original shards of
//!    whole [`CHUNK_SIZE`] chunks, and Reed-Solomon (`reed-solomon-simd`, over GF(2^16)) adds
//!    `n - k` recovery shards: any `k` of the `n` restore the originals. `k = 1` is plain
//!    replication: every shard is the whole ciphertext.
//! 3. **Distinct replicas.** Each shard is whitened with its own ChaCha20 key stream, derived
//!    from the file key and the shard's index, before it becomes a sector. Every shard has its
//!    own Merkle root (the chain refuses one root twice on a device), and a provider holding
//!    two of them (two replicas, say) cannot keep one and derive the other: without the key
//!    they are unrelated random bytes.
//!
//! [`prepare`] does the three steps; [`restore`] undoes them from any `k` verified shards
//! and checks the result against the plaintext's length and BLAKE2 hash.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, ensure, Context, Result};
use chacha20::{
	cipher::{KeyIvInit, StreamCipher},
	ChaCha20,
};
use chacha20poly1305::{
	aead::{
		stream::{DecryptorBE32, EncryptorBE32},
		KeyInit, OsRng,
	},
	AeadCore, ChaCha20Poly1305,
};
use depin_merkle::{Blake2, MerkleTree, CHUNK_SIZE};
use serde::{Deserialize, Serialize};
use sp_core::H256;

/// Plaintext bytes per encrypted segment; each segment gains a 16-byte tag.
pub const SEGMENT: usize = 64 * 1024;
/// Bytes a segment's tag adds.
const TAG: usize = 16;
/// The STREAM nonce prefix's length for a 12-byte-nonce AEAD with a 32-bit counter and a
/// flag byte.
const NONCE_PREFIX: usize = 7;
/// The most shards a file is cut into (Reed-Solomon over GF(2^16) allows far more; a deal per
/// shard makes more than this pointless).
pub const MAX_SHARDS: u16 = 256;
/// What [`Manifest::cipher`] names.
pub const CIPHER: &str = "chacha20poly1305-stream-be32";

/// How a file is spread over providers: `k` of `n` shards restore it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
	pub k: u16,
	pub n: u16,
}

impl Layout {
	/// `n` full replicas.
	pub fn replicas(n: u16) -> Result<Self> {
		Self::new(1, n)
	}

	/// `k` of `n`: `1 <= k <= n <= MAX_SHARDS`.
	pub fn new(k: u16, n: u16) -> Result<Self> {
		ensure!(k >= 1, "an erasure code needs at least one data shard (k >= 1)");
		ensure!(k <= n, "{k}-of-{n} asks for more shards to restore than there are");
		ensure!(n <= MAX_SHARDS, "at most {MAX_SHARDS} shards, not {n}");
		Ok(Self { k, n })
	}

	/// `"k-of-n"`, as `--erasure` takes it.
	pub fn parse(text: &str) -> Result<Self> {
		let (k, n) = text
			.split_once("-of-")
			.ok_or_else(|| anyhow!("`{text}` is not an erasure code: write k-of-n, as 3-of-5"))?;
		let k = k.trim().parse().map_err(|_| anyhow!("`{k}` in `{text}` is not a count"))?;
		let n = n.trim().parse().map_err(|_| anyhow!("`{n}` in `{text}` is not a count"))?;
		Self::new(k, n)
	}
}

/// One prepared shard: the bytes a provider stores, and their Merkle tree's root.
pub struct Shard {
	pub index: u16,
	pub bytes: Vec<u8>,
	pub root: H256,
	pub chunks: u32,
}

/// What the client keeps to get its file back: the key (secret: the file is written with
/// owner-only permissions), the layout and every shard's root. The deals and the providers'
/// devices are filled in as the shards are proposed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
	pub version: u8,
	/// The original file's name, for the person reading the manifest.
	pub name: String,
	/// The original file's length.
	pub bytes: u64,
	/// BLAKE2-256 of the original file (`0x…`), checked after decryption.
	pub blake2: String,
	pub cipher: String,
	/// The file key (`0x…`, 32 bytes): whoever has it can read the file.
	pub key: String,
	/// The STREAM nonce prefix (`0x…`, 7 bytes).
	pub nonce: String,
	pub segment: u32,
	/// The ciphertext's length, before padding.
	pub cipher_bytes: u64,
	pub k: u16,
	pub n: u16,
	/// Every shard's length (whole chunks).
	pub shard_bytes: u64,
	pub shards: Vec<ShardEntry>,
}

/// A shard in the [`Manifest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShardEntry {
	pub index: u16,
	/// Its Merkle root (`0x…`): the root its deal names and its sector commits.
	pub root: String,
	pub chunks: u32,
	/// The storage device it was proposed to.
	pub device: Option<u64>,
	/// Its deal's id (`0x…`).
	pub deal: Option<String>,
	/// The shard file, relative to the manifest's folder.
	pub file: Option<String>,
	/// The signed proposal, relative to the manifest's folder.
	pub proposal: Option<String>,
	/// Its permanent replica (`deal/index`), for a file stored with `--permanent`.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub permanent: Option<String>,
}

impl ShardEntry {
	pub fn root(&self) -> Result<H256> {
		crate::report::parse_h256(&self.root)
			.with_context(|| format!("shard {}'s root", self.index))
	}
}

fn hex_bytes(text: &str) -> Result<Vec<u8>> {
	hex::decode(text.trim().trim_start_matches("0x")).map_err(|_| anyhow!("`{text}` is not hex"))
}

/// The root and chunk count of `bytes` as a sector.
pub fn sector_root(bytes: &[u8]) -> Result<(H256, u32)> {
	let tree = MerkleTree::<Blake2>::from_reader(bytes).context("cannot hash the shard")?;
	Ok((H256(tree.root()), tree.chunks()))
}

/// The key stream that makes shard `index` of the file under `key` distinct.
fn whiten(key: &[u8; 32], index: u16, bytes: &mut [u8]) {
	let mut input = b"depin/shard-whitening".to_vec();
	input.extend_from_slice(key);
	input.extend_from_slice(&index.to_le_bytes());
	let shard_key = sp_crypto_hashing::blake2_256(&input);
	let mut stream = ChaCha20::new(&shard_key.into(), &[0u8; 12].into());
	stream.apply_keystream(bytes);
}

/// Seals `plain` under `key` and the STREAM nonce prefix.
fn encrypt(key: &[u8; 32], nonce: &[u8; NONCE_PREFIX], plain: &[u8]) -> Result<Vec<u8>> {
	let cipher = ChaCha20Poly1305::new(key.into());
	let mut stream = EncryptorBE32::from_aead(cipher, nonce.into());
	let segments = plain.len().div_ceil(SEGMENT).max(1);
	let mut out = Vec::with_capacity(plain.len() + segments * TAG);
	let mut parts = plain.chunks(SEGMENT).peekable();
	if parts.peek().is_none() {
		out.extend(stream.encrypt_last(&[][..]).map_err(|_| anyhow!("encryption failed"))?);
		return Ok(out);
	}
	while let Some(part) = parts.next() {
		if parts.peek().is_none() {
			out.extend(stream.encrypt_last(part).map_err(|_| anyhow!("encryption failed"))?);
			break;
		}
		out.extend(stream.encrypt_next(part).map_err(|_| anyhow!("encryption failed"))?);
	}
	Ok(out)
}

/// Opens what [`encrypt`] sealed; any change to it fails.
fn decrypt(key: &[u8; 32], nonce: &[u8; NONCE_PREFIX], sealed: &[u8]) -> Result<Vec<u8>> {
	let cipher = ChaCha20Poly1305::new(key.into());
	let mut stream = DecryptorBE32::from_aead(cipher, nonce.into());
	let mut out = Vec::with_capacity(sealed.len());
	let mut parts = sealed.chunks(SEGMENT + TAG).peekable();
	let refused = || anyhow!("the restored data does not decrypt: it is not what was stored");
	while let Some(part) = parts.next() {
		if parts.peek().is_none() {
			out.extend(stream.decrypt_last(part).map_err(|_| refused())?);
			return Ok(out);
		}
		out.extend(stream.decrypt_next(part).map_err(|_| refused())?);
	}
	Err(refused())
}

/// Encrypts `plain` under a fresh key and cuts it into `layout.n` distinct shards, any
/// `layout.k` of which restore it. The manifest has no devices, deals or files yet.
pub fn prepare(name: &str, plain: &[u8], layout: Layout) -> Result<(Manifest, Vec<Shard>)> {
	let key: [u8; 32] = ChaCha20Poly1305::generate_key(&mut OsRng).into();
	let nonce_full = ChaCha20Poly1305::generate_nonce(&mut OsRng);
	let mut nonce = [0u8; NONCE_PREFIX];
	nonce.copy_from_slice(&nonce_full[..NONCE_PREFIX]);
	let sealed = encrypt(&key, &nonce, plain)?;

	let k = usize::from(layout.k);
	let n = usize::from(layout.n);
	let shard_bytes = sealed.len().div_ceil(k).div_ceil(CHUNK_SIZE).max(1) * CHUNK_SIZE;
	let mut padded = sealed.clone();
	padded.resize(shard_bytes * k, 0);
	let originals: Vec<&[u8]> = padded.chunks(shard_bytes).collect();
	let recovery = if n == k {
		Vec::new()
	} else if k == 1 {
		// One data shard: every recovery shard is a copy of it.
		vec![padded.clone(); n - 1]
	} else {
		reed_solomon_simd::encode(k, n - k, &originals).context("erasure coding failed")?
	};

	let mut shards = Vec::with_capacity(n);
	for (index, data) in originals.iter().map(|s| s.to_vec()).chain(recovery).enumerate() {
		let index = u16::try_from(index).context("shard index")?;
		let mut bytes = data;
		whiten(&key, index, &mut bytes);
		let (root, chunks) = sector_root(&bytes)?;
		shards.push(Shard { index, bytes, root, chunks });
	}
	let manifest = Manifest {
		version: 1,
		name: name.to_owned(),
		bytes: plain.len() as u64,
		blake2: format!("0x{}", hex::encode(sp_crypto_hashing::blake2_256(plain))),
		cipher: CIPHER.to_owned(),
		key: format!("0x{}", hex::encode(key)),
		nonce: format!("0x{}", hex::encode(nonce)),
		segment: SEGMENT as u32,
		cipher_bytes: sealed.len() as u64,
		k: layout.k,
		n: layout.n,
		shard_bytes: shard_bytes as u64,
		shards: shards
			.iter()
			.map(|s| ShardEntry {
				index: s.index,
				root: format!("{:?}", s.root),
				chunks: s.chunks,
				device: None,
				deal: None,
				file: None,
				proposal: None,
				permanent: None,
			})
			.collect(),
	};
	Ok((manifest, shards))
}

impl Manifest {
	fn key(&self) -> Result<[u8; 32]> {
		hex_bytes(&self.key)?.try_into().map_err(|_| anyhow!("the manifest's key is not 32 bytes"))
	}

	fn nonce(&self) -> Result<[u8; NONCE_PREFIX]> {
		hex_bytes(&self.nonce)?
			.try_into()
			.map_err(|_| anyhow!("the manifest's nonce is not {NONCE_PREFIX} bytes"))
	}

	/// Checks what [`restore`] relies on.
	pub fn check(&self) -> Result<()> {
		ensure!(self.version == 1, "manifest version {} is not known here", self.version);
		ensure!(self.cipher == CIPHER, "cipher `{}` is not known here", self.cipher);
		ensure!(
			self.segment as usize == SEGMENT,
			"segments of {} bytes are not known here",
			self.segment
		);
		Layout::new(self.k, self.n)?;
		ensure!(
			self.shards.len() == usize::from(self.n)
				&& self.shards.iter().enumerate().all(|(i, s)| usize::from(s.index) == i),
			"the manifest lists {} shards for {}-of-{}, not in index order",
			self.shards.len(),
			self.k,
			self.n
		);
		ensure!(
			self.shard_bytes > 0 && self.shard_bytes.is_multiple_of(CHUNK_SIZE as u64),
			"shards of {} bytes are not whole chunks",
			self.shard_bytes
		);
		ensure!(
			self.cipher_bytes <= self.shard_bytes.saturating_mul(u64::from(self.k)),
			"the ciphertext does not fit the shards"
		);
		self.key()?;
		self.nonce()?;
		for shard in &self.shards {
			shard.root()?;
		}
		Ok(())
	}

	/// Whether `bytes` are shard `index` as it was stored: its length and Merkle root.
	pub fn verify_shard(&self, index: u16, bytes: &[u8]) -> Result<()> {
		let entry = self
			.shards
			.get(usize::from(index))
			.ok_or_else(|| anyhow!("the manifest has no shard {index}"))?;
		ensure!(
			bytes.len() as u64 == self.shard_bytes,
			"shard {index} has {} bytes, not {}",
			bytes.len(),
			self.shard_bytes
		);
		let (root, _) = sector_root(bytes)?;
		ensure!(
			root == entry.root()?,
			"shard {index}'s chunks do not hash to its root {}: corrupted",
			entry.root
		);
		Ok(())
	}
}

/// The original file from at least `k` shards, each checked with [`Manifest::verify_shard`]
/// here (an unverified shard never reaches the decoder). Fails, writing nothing, if fewer
/// than `k` verify, if the decrypted data fails its tags, or if its length or hash differ.
pub fn restore(manifest: &Manifest, shards: BTreeMap<u16, Vec<u8>>) -> Result<Vec<u8>> {
	manifest.check()?;
	let key = manifest.key()?;
	let k = usize::from(manifest.k);
	let n = usize::from(manifest.n);
	let mut verified = BTreeMap::new();
	for (index, mut bytes) in shards {
		manifest.verify_shard(index, &bytes)?;
		whiten(&key, index, &mut bytes);
		verified.insert(usize::from(index), bytes);
	}
	if verified.len() < k {
		bail!("{} verified shard(s), and {}-of-{} needs {k}", verified.len(), k, n);
	}

	let mut originals: Vec<Vec<u8>> = Vec::with_capacity(k);
	if k == 1 {
		let (_, any) = verified.into_iter().next().ok_or_else(|| anyhow!("no shard"))?;
		originals.push(any);
	} else {
		let missing = (0..k).any(|i| !verified.contains_key(&i));
		let mut restored = if missing {
			let present: Vec<(usize, &Vec<u8>)> =
				verified.iter().filter(|(i, _)| **i < k).map(|(i, b)| (*i, b)).collect();
			let recovery: Vec<(usize, &Vec<u8>)> =
				verified.iter().filter(|(i, _)| **i >= k).map(|(i, b)| (*i - k, b)).collect();
			reed_solomon_simd::decode(k, n - k, present, recovery)
				.context("erasure decoding failed")?
		} else {
			Default::default()
		};
		for i in 0..k {
			let shard = match verified.remove(&i) {
				Some(bytes) => bytes,
				None => restored
					.remove(&i)
					.ok_or_else(|| anyhow!("erasure decoding did not restore shard {i}"))?,
			};
			originals.push(shard);
		}
	}
	let mut sealed = originals.concat();
	sealed.truncate(usize::try_from(manifest.cipher_bytes).context("ciphertext length")?);
	let plain = decrypt(&key, &manifest.nonce()?, &sealed)?;
	ensure!(
		plain.len() as u64 == manifest.bytes,
		"the restored file has {} bytes, not {}",
		plain.len(),
		manifest.bytes
	);
	let hash = format!("0x{}", hex::encode(sp_crypto_hashing::blake2_256(&plain)));
	ensure!(hash == manifest.blake2, "the restored file's BLAKE2 hash is not the manifest's");
	Ok(plain)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn file(len: usize) -> Vec<u8> {
		(0..len).map(|i| (i.wrapping_mul(31) ^ (i >> 8)) as u8).collect()
	}

	fn all(shards: &[Shard]) -> BTreeMap<u16, Vec<u8>> {
		shards.iter().map(|s| (s.index, s.bytes.clone())).collect()
	}

	#[test]
	fn any_k_of_n_shards_restore_the_exact_bytes() {
		let plain = file(300_000);
		let (manifest, shards) = prepare("f", &plain, Layout::new(3, 5).unwrap()).unwrap();
		assert_eq!(shards.len(), 5);
		for a in 0..5u16 {
			for b in (a + 1)..5 {
				// Shards a and b lost: the other three restore the file.
				let mut some = all(&shards);
				some.remove(&a);
				some.remove(&b);
				assert_eq!(restore(&manifest, some).unwrap(), plain, "without {a} and {b}");
			}
		}
	}

	#[test]
	fn fewer_than_k_shards_are_refused() {
		let (manifest, shards) = prepare("f", &file(10_000), Layout::new(3, 5).unwrap()).unwrap();
		let mut some = all(&shards);
		some.retain(|i, _| *i < 2);
		let error = restore(&manifest, some).unwrap_err().to_string();
		assert!(error.contains("2 verified shard(s), and 3-of-5 needs 3"), "{error}");
	}

	#[test]
	fn replicas_and_shards_each_have_a_root_of_their_own() {
		let plain = file(5_000);
		let (manifest, shards) = prepare("f", &plain, Layout::replicas(3).unwrap()).unwrap();
		let mut roots: Vec<_> = shards.iter().map(|s| s.root).collect();
		roots.sort();
		roots.dedup();
		assert_eq!(roots.len(), 3, "three replicas, three roots");
		// Each replica alone is the file.
		for shard in &shards {
			let one = BTreeMap::from([(shard.index, shard.bytes.clone())]);
			assert_eq!(restore(&manifest, one).unwrap(), plain);
		}
		// The same file prepared again is sealed under another key: other roots.
		let (_, again) = prepare("f", &plain, Layout::replicas(3).unwrap()).unwrap();
		assert!(again.iter().all(|s| !roots.contains(&s.root)));
	}

	#[test]
	fn shards_hide_the_plaintext() {
		let plain = vec![0u8; 64 * 1024];
		let (_, shards) = prepare("zeros", &plain, Layout::new(2, 3).unwrap()).unwrap();
		for shard in &shards {
			let zeros = shard.bytes.iter().filter(|b| **b == 0).count();
			// Random bytes: about one in 256 is zero.
			assert!(zeros < shard.bytes.len() / 100, "shard {} looks like its input", shard.index);
		}
	}

	#[test]
	fn a_corrupted_shard_is_refused_before_decoding() {
		let plain = file(50_000);
		let (manifest, shards) = prepare("f", &plain, Layout::new(2, 4).unwrap()).unwrap();
		let mut some = all(&shards);
		some.get_mut(&1).unwrap()[777] ^= 1;
		let error = restore(&manifest, some.clone()).unwrap_err().to_string();
		assert!(error.contains("shard 1's chunks do not hash to its root"), "{error}");
		// A truncated one too.
		some.get_mut(&1).unwrap().truncate(1024);
		let error = restore(&manifest, some).unwrap_err().to_string();
		assert!(error.contains("shard 1 has 1024 bytes"), "{error}");
	}

	#[test]
	fn a_wrong_key_or_altered_ciphertext_does_not_decrypt() {
		let plain = file(200_000);
		let (manifest, shards) = prepare("f", &plain, Layout::new(1, 1).unwrap()).unwrap();
		let key = manifest.key().unwrap();
		let nonce = manifest.nonce().unwrap();
		let mut sealed = shards[0].bytes.clone();
		whiten(&key, 0, &mut sealed);
		sealed.truncate(manifest.cipher_bytes as usize);
		assert_eq!(decrypt(&key, &nonce, &sealed).unwrap(), plain);
		let mut other = key;
		other[0] ^= 1;
		assert!(decrypt(&other, &nonce, &sealed).is_err());
		let mut altered = sealed.clone();
		altered[100_000] ^= 1;
		assert!(decrypt(&key, &nonce, &altered).is_err());
		// Dropping the last segment is noticed: the one before it is not flagged last.
		assert!(decrypt(&key, &nonce, &sealed[..SEGMENT + TAG]).is_err());
	}

	#[test]
	fn empty_and_segment_sized_files_round_trip() {
		for len in [0, 1, SEGMENT - 1, SEGMENT, 2 * SEGMENT, 2 * SEGMENT + 1] {
			let plain = file(len);
			let (manifest, shards) = prepare("f", &plain, Layout::new(2, 3).unwrap()).unwrap();
			let mut some = all(&shards);
			some.remove(&0);
			assert_eq!(restore(&manifest, some).unwrap(), plain, "{len} bytes");
		}
	}

	#[test]
	fn layouts_are_checked() {
		assert_eq!(Layout::parse("3-of-5").unwrap(), Layout { k: 3, n: 5 });
		for bad in ["3of5", "0-of-2", "4-of-3", "1-of-257", "a-of-3"] {
			assert!(Layout::parse(bad).is_err(), "{bad}");
		}
	}
}
