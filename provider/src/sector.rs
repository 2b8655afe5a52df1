//! Storage sectors: the data a storage device commits to and proves it keeps.
//!
//! A sector is a file, or a folder read as one byte stream (its files in sorted path order,
//! end to end), cut into [`depin_merkle::CHUNK_SIZE`] chunks (the last one zero-padded) under
//! a binary Merkle tree. The chain stores the root and the chunk count; each epoch it asks for
//! a few chunks picked by randomness nobody knew in advance, and the device answers with the
//! chunks and their Merkle paths. The tree is rebuilt from the data when the prover starts:
//! if the data changed, the root no longer matches and the prover says so.
//!
//! [`Sectors`] remembers which local data backs which committed sector (`sectors.json` in the
//! provider's home).

use std::{
	fs,
	io::{self, Read, Seek, SeekFrom},
	path::{Path, PathBuf},
};

use anyhow::{bail, Context, Result};
use depin_merkle::{Blake2, MerkleTree, CHUNK_SIZE};
use serde::{Deserialize, Serialize};

/// The bytes of a sector: one file, or a folder's files end to end.
pub struct SectorData {
	files: Vec<(PathBuf, u64)>,
	len: u64,
	pos: u64,
}

impl SectorData {
	/// The data at `path` (a file or a folder, walked recursively, files in sorted order).
	pub fn open(path: &Path) -> Result<Self> {
		let meta = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
		let mut files = Vec::new();
		if meta.is_dir() {
			collect(path, &mut files)?;
		} else {
			files.push((path.to_path_buf(), meta.len()));
		}
		let len = files.iter().map(|(_, n)| *n).fold(0u64, u64::saturating_add);
		if len == 0 {
			bail!("{} holds no data: a sector needs at least one byte", path.display());
		}
		Ok(Self { files, len, pos: 0 })
	}

	/// Its length in bytes.
	pub fn len(&self) -> u64 {
		self.len
	}

	pub fn is_empty(&self) -> bool {
		self.len == 0
	}

	/// Its Merkle tree, `progress` called with the bytes read so far.
	pub fn tree(&mut self, mut progress: impl FnMut(u64)) -> Result<MerkleTree<Blake2>> {
		self.seek(SeekFrom::Start(0))?;
		let reader = Progress { inner: &mut *self, read: 0, report: &mut progress };
		MerkleTree::<Blake2>::from_reader(reader).context("cannot build the sector's Merkle tree")
	}

	/// Chunk `index` (zero-padded).
	pub fn chunk(&mut self, index: u32) -> Result<[u8; CHUNK_SIZE]> {
		depin_merkle::read_chunk(self, index).with_context(|| format!("cannot read chunk {index}"))
	}
}

fn collect(dir: &Path, out: &mut Vec<(PathBuf, u64)>) -> Result<()> {
	let mut entries = fs::read_dir(dir)
		.with_context(|| format!("cannot list {}", dir.display()))?
		.collect::<io::Result<Vec<_>>>()?;
	entries.sort_by_key(|e| e.file_name());
	for entry in entries {
		let path = entry.path();
		let meta =
			fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
		if meta.is_dir() {
			collect(&path, out)?;
		} else if meta.is_file() {
			out.push((path, meta.len()));
		}
	}
	Ok(())
}

impl Read for SectorData {
	fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
		// Find the file holding `pos`, read from it what is left of that file.
		let mut start = 0u64;
		for (path, len) in &self.files {
			let end = start.saturating_add(*len);
			if self.pos < end {
				let mut file = fs::File::open(path)?;
				file.seek(SeekFrom::Start(self.pos.saturating_sub(start)))?;
				let want = usize::try_from(end.saturating_sub(self.pos))
					.unwrap_or(usize::MAX)
					.min(buf.len());
				let n = file.read(buf.get_mut(..want).unwrap_or_default())?;
				if n == 0 {
					return Err(io::Error::new(
						io::ErrorKind::UnexpectedEof,
						format!("{} is shorter than when the sector was opened", path.display()),
					));
				}
				self.pos = self.pos.saturating_add(n as u64);
				return Ok(n);
			}
			start = end;
		}
		Ok(0)
	}
}

impl Seek for SectorData {
	fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
		let pos = match to {
			SeekFrom::Start(n) => Some(n),
			SeekFrom::End(d) => self.len.checked_add_signed(d),
			SeekFrom::Current(d) => self.pos.checked_add_signed(d),
		};
		self.pos = pos.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "bad seek"))?;
		Ok(self.pos)
	}
}

struct Progress<'a, R, F> {
	inner: R,
	read: u64,
	report: &'a mut F,
}

impl<R: Read, F: FnMut(u64)> Read for Progress<'_, R, F> {
	fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
		let n = self.inner.read(buf)?;
		self.read = self.read.saturating_add(n as u64);
		(self.report)(self.read);
		Ok(n)
	}
}

/// A committed sector and the local data behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalSector {
	pub device: u64,
	pub sector: u32,
	/// `0x` hex Merkle root.
	pub root: String,
	pub chunks: u32,
	/// The file or folder.
	pub path: PathBuf,
}

/// `sectors.json`: the sectors this provider committed.
pub struct Sectors {
	path: PathBuf,
	pub sectors: Vec<LocalSector>,
}

impl Sectors {
	pub fn open(path: &Path) -> Result<Self> {
		let sectors = if path.exists() {
			let text = fs::read_to_string(path)
				.with_context(|| format!("cannot read {}", path.display()))?;
			serde_json::from_str(&text)
				.with_context(|| format!("{} is not valid JSON", path.display()))?
		} else {
			Vec::new()
		};
		Ok(Self { path: path.to_path_buf(), sectors })
	}

	pub fn add(&mut self, sector: LocalSector) -> Result<()> {
		self.sectors.retain(|s| (s.device, s.sector) != (sector.device, sector.sector));
		self.sectors.push(sector);
		if let Some(dir) = self.path.parent() {
			fs::create_dir_all(dir)?;
		}
		fs::write(&self.path, serde_json::to_string_pretty(&self.sectors)?)
			.with_context(|| format!("cannot write {}", self.path.display()))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn bytes(n: usize, salt: u8) -> Vec<u8> {
		(0..n).map(|i| (i as u8).wrapping_mul(7).wrapping_add(salt)).collect()
	}

	#[test]
	fn a_folder_is_its_files_end_to_end_in_sorted_order() {
		let dir = tempfile::tempdir().expect("tempdir");
		let (a, b, c) = (bytes(1500, 1), bytes(10, 2), bytes(3000, 3));
		fs::create_dir(dir.path().join("sub")).expect("mkdir");
		fs::write(dir.path().join("b.bin"), &b).expect("write");
		fs::write(dir.path().join("a.bin"), &a).expect("write");
		fs::write(dir.path().join("sub/c.bin"), &c).expect("write");
		let whole = [a, b, c].concat();

		let mut data = SectorData::open(dir.path()).expect("open");
		assert_eq!(data.len(), whole.len() as u64);
		let mut seen = 0;
		let tree = data.tree(|n| seen = n).expect("tree");
		assert_eq!(seen, whole.len() as u64);
		let expected = MerkleTree::<Blake2>::from_bytes(&whole).expect("tree");
		assert_eq!((tree.root(), tree.chunks()), (expected.root(), expected.chunks()));
		for index in 0..tree.chunks() {
			let chunk = data.chunk(index).expect("chunk");
			assert_eq!(Some(chunk), depin_merkle::chunk_at(&whole, index));
			let path = tree.proof(index).expect("path");
			assert!(depin_merkle::verify_chunk::<Blake2>(
				&tree.root(),
				tree.chunks(),
				index,
				&chunk,
				&path
			)
			.is_ok());
		}
		assert!(data.chunk(tree.chunks()).is_err());
	}

	#[test]
	fn empty_data_is_refused() {
		let dir = tempfile::tempdir().expect("tempdir");
		assert!(SectorData::open(dir.path()).is_err());
		fs::write(dir.path().join("empty"), b"").expect("write");
		assert!(SectorData::open(&dir.path().join("empty")).is_err());
		assert!(SectorData::open(&dir.path().join("missing")).is_err());
	}

	#[test]
	fn sectors_are_remembered() {
		let dir = tempfile::tempdir().expect("tempdir");
		let path = dir.path().join("sectors.json");
		let mut sectors = Sectors::open(&path).expect("new");
		let sector = LocalSector {
			device: 3,
			sector: 0,
			root: "0x00".into(),
			chunks: 1,
			path: "/data".into(),
		};
		sectors.add(sector.clone()).expect("saved");
		assert_eq!(Sectors::open(&path).expect("read").sectors, vec![sector]);
	}
}
