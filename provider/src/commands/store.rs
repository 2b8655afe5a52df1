//! A client's file through storage deals and back: `deal propose FILE --providers …`
//! encrypts it, erasure-codes it into distinct shards and signs one deal proposal per shard
//! for a different storage device ([`deal_store`]); `deal retrieve MANIFEST --from URL…`
//! fetches shards from whichever providers answer, verifies each against its root, and
//! writes the original file only once it decrypts and matches its hash ([`deal_retrieve`]).

use std::{
	collections::BTreeMap,
	fs,
	io::Write,
	path::{Path, PathBuf},
	time::Instant,
};

use anyhow::{anyhow, bail, ensure, Context, Result};
use depin_primitives::device::{DeviceKind, DeviceStatus};
use serde_json::{json, Value};

use super::{
	deals::Terms,
	kind_name,
	permanent::{self, PermanentTerms},
};
use crate::{
	chain::Chain,
	deals::{client_hold, ClientProposal},
	report::{dpn, Report},
	retrieval,
	shards::{self, Layout, Manifest},
};
use depin_primitives::deals::permanent::ReplicaSpec;

/// The manifest's name in a `deal propose --providers` folder.
pub const MANIFEST: &str = "manifest.json";

/// Where a file's shards go: shard `i` to storage device `providers[i]`.
#[derive(Clone, Copy, Debug)]
pub struct Placement<'a> {
	pub providers: &'a [u64],
	pub layout: Layout,
}

/// As the client (the signer): encrypt the file at `path`, cut it into `layout.n` shards
/// (any `layout.k` restore it) and sign a deal proposal for shard `i` to storage device
/// `providers[i]`. Writes `shard-i.bin` and `shard-i.proposal.json` for each provider and the
/// [`Manifest`] (owner-only: it holds the key) into the folder `out`.
pub async fn deal_store(
	chain: &Chain,
	signer: &subxt_signer::sr25519::Keypair,
	path: &Path,
	Placement { providers, layout }: Placement<'_>,
	offer: Offer,
	out: &Path,
	mut progress: impl FnMut(u64, u64),
) -> Result<Report> {
	let n = usize::from(layout.n);
	let mut distinct = providers.to_vec();
	distinct.sort_unstable();
	distinct.dedup();
	ensure!(
		distinct.len() == providers.len(),
		"--providers lists a device twice: each shard needs a device of its own"
	);
	ensure!(
		providers.len() == n,
		"{}-of-{} makes {n} shards, one per storage device: --providers lists {}",
		layout.k,
		layout.n,
		providers.len()
	);
	for &device in providers {
		let found = chain.device(device).await?.ok_or_else(|| anyhow!("no device {device}"))?;
		if found.kind != DeviceKind::Storage {
			bail!(
				"device {device} is a {} device: only storage devices take deals",
				kind_name(found.kind)
			);
		}
		if found.status != DeviceStatus::Active {
			bail!("device {device} is not active: it cannot take deals now");
		}
	}
	let meta = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
	ensure!(meta.is_file(), "{} is not a file: archive a folder before storing it", path.display());
	if out.exists() && fs::read_dir(out)?.next().is_some() {
		bail!(
			"{} is not empty: the shards and the manifest need a folder of their own",
			out.display()
		);
	}

	let started = Instant::now();
	let plain = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
	let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
	let (mut manifest, prepared) = shards::prepare(&name, &plain, layout)?;
	let prepare_seconds = started.elapsed().as_secs_f64();

	let terms = match offer {
		Offer::Term(terms) => terms,
		Offer::Permanent(terms) => {
			return store_permanent(chain, signer, path, providers, terms, out, prepared, manifest)
				.await
		},
	};
	let best = chain.best_number().await?;
	let me = signer.public_key().to_account_id();
	let mut proposals = Vec::with_capacity(n);
	let mut held: u128 = 0;
	for (shard, &device) in prepared.iter().zip(providers) {
		let proposal = terms.proposal(&me, device, (shard.root, shard.chunks), best)?;
		held = held
			.checked_add(
				client_hold(&proposal).ok_or_else(|| anyhow!("the deal's price overflows"))?,
			)
			.ok_or_else(|| anyhow!("the deals' prices overflow"))?;
		proposals.push(proposal);
	}
	let free = chain.free_balance(&me).await?;
	if free < held {
		bail!(
			"insufficient funds: publishing these {n} deals holds {} from {me}, which has {} free",
			dpn(held),
			dpn(free)
		);
	}

	// The manifest first: whatever fails after it, the key is kept.
	for ((shard, proposal), entry) in prepared.iter().zip(&proposals).zip(&mut manifest.shards) {
		entry.device = Some(proposal.device);
		entry.deal = Some(format!("{:?}", proposal.id()));
		entry.file = Some(format!("shard-{}.bin", shard.index));
		entry.proposal = Some(format!("shard-{}.proposal.json", shard.index));
	}
	fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
	let manifest_path = out.join(MANIFEST);
	write_private(&manifest_path, &serde_json::to_vec_pretty(&manifest)?)?;

	let total = manifest.shard_bytes.saturating_mul(n as u64);
	let mut written = 0u64;
	let mut lines = Vec::with_capacity(n + 1);
	let mut deals = Vec::with_capacity(n);
	for (shard, proposal) in prepared.iter().zip(&proposals) {
		let file = format!("shard-{}.bin", shard.index);
		let proposal_file = format!("shard-{}.proposal.json", shard.index);
		fs::write(out.join(&file), &shard.bytes)
			.with_context(|| format!("cannot write {}", out.join(&file).display()))?;
		let signed = ClientProposal::sign(chain.genesis(), proposal, signer);
		fs::write(out.join(&proposal_file), serde_json::to_string(&signed)? + "\n")?;
		let id = proposal.id();
		written = written.saturating_add(shard.bytes.len() as u64);
		progress(written, total);
		lines.push(format!(
			"shard {} ({} chunks, root {:?}) for device {}: deal {id:?}; hand {file} and \
			 {proposal_file} to its operator",
			shard.index, shard.chunks, shard.root, proposal.device
		));
		deals.push(json!({
			"shard": shard.index,
			"device": proposal.device,
			"deal": format!("{id:?}"),
			"root": format!("{:?}", shard.root),
			"chunks": shard.chunks,
			"file": out.join(&file).display().to_string(),
			"proposal": out.join(&proposal_file).display().to_string(),
		}));
	}
	let mib = plain.len() as f64 / f64::from(1 << 20);
	lines.insert(
		0,
		format!(
			"{}: {} bytes encrypted and coded {}-of-{} into {n} shards of {} bytes in {:.2} s \
			 ({:.1} MiB/s); publishing the deals holds {} of yours; keep {} (it holds the key)",
			path.display(),
			plain.len(),
			layout.k,
			layout.n,
			manifest.shard_bytes,
			prepare_seconds,
			mib / prepare_seconds.max(1e-9),
			dpn(held),
			manifest_path.display()
		),
	);
	Ok(Report::new(
		lines.join("\n"),
		json!({
			"event": "stored",
			"file": path.display().to_string(),
			"bytes": plain.len(),
			"k": layout.k,
			"n": layout.n,
			"shardBytes": manifest.shard_bytes,
			"prepareSeconds": prepare_seconds,
			"held": held.to_string(),
			"manifest": manifest_path.display().to_string(),
			"deals": deals,
		}),
	))
}

/// What a client offers the providers of its shards.
#[derive(Clone, Copy, Debug)]
pub enum Offer {
	/// A term deal per shard (proposals for the operators to publish).
	Term(Terms),
	/// One permanent deal with a replica per shard, each meant first for its provider.
	Permanent(PermanentTerms),
}

/// `deal propose --providers … --permanent`: the shards written, and one permanent deal made
/// with a replica per shard, reserved first for its provider; the manifest names each shard's
/// replica.
#[allow(clippy::too_many_arguments)]
async fn store_permanent(
	chain: &Chain,
	signer: &subxt_signer::sr25519::Keypair,
	path: &Path,
	providers: &[u64],
	terms: PermanentTerms,
	out: &Path,
	prepared: Vec<shards::Shard>,
	mut manifest: Manifest,
) -> Result<Report> {
	let specs: Vec<ReplicaSpec> = prepared
		.iter()
		.zip(providers)
		.map(|(shard, &device)| ReplicaSpec { root: shard.root, chunks: shard.chunks, device })
		.collect();
	let quote = permanent::quote(chain, &specs, terms).await?;
	// The shards and the manifest first: whatever fails after, the key is kept.
	fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
	for (shard, entry) in prepared.iter().zip(&mut manifest.shards) {
		let file = format!("shard-{}.bin", shard.index);
		fs::write(out.join(&file), &shard.bytes)
			.with_context(|| format!("cannot write {}", out.join(&file).display()))?;
		entry.file = Some(file);
		entry.device = providers.get(usize::from(shard.index)).copied();
	}
	let manifest_path = out.join(MANIFEST);
	write_private(&manifest_path, &serde_json::to_vec_pretty(&manifest)?)?;
	let made = permanent::endow(chain, signer, &specs, terms, &quote).await?;
	for (index, entry) in manifest.shards.iter_mut().enumerate() {
		entry.permanent = Some(format!("{}/{index}", made.id));
	}
	fs::remove_file(&manifest_path)?;
	write_private(&manifest_path, &serde_json::to_vec_pretty(&manifest)?)?;
	let mut lines = vec![format!(
		"{}: encrypted and coded {}-of-{} into {} shards of {} bytes; permanent deal {} endows 		 them with {} ({} burned as deposits); keep {} (it holds the key)",
		path.display(),
		manifest.k,
		manifest.n,
		specs.len(),
		manifest.shard_bytes,
		made.id,
		dpn(made.endowment),
		dpn(quote.deposits),
		manifest_path.display()
	)];
	let mut replicas = Vec::with_capacity(specs.len());
	for (index, (spec, endowed)) in specs.iter().zip(&quote.endowments).enumerate() {
		lines.push(format!(
			"shard {index} (root {:?}) is replica {index}: hand shard-{index}.bin to device 			 {}'s operator (`depin-provider deal take {} --replica {index} --device {} --path 			 shard-{index}.bin`)",
			spec.root, spec.device, made.id, spec.device
		));
		replicas.push(json!({
			"shard": index,
			"replica": index,
			"device": spec.device,
			"root": format!("{:?}", spec.root),
			"chunks": spec.chunks,
			"endowment": endowed.to_string(),
			"file": out.join(format!("shard-{index}.bin")).display().to_string(),
		}));
	}
	Ok(Report::new(
		lines.join("\n"),
		json!({
			"event": "endowed",
			"permanent": made.id,
			"file": path.display().to_string(),
			"k": manifest.k,
			"n": manifest.n,
			"shardBytes": manifest.shard_bytes,
			"endowment": made.endowment.to_string(),
			"deposits": quote.deposits.to_string(),
			"manifest": manifest_path.display().to_string(),
			"replicas": replicas,
			"block": format!("{:?}", made.block),
		}),
	))
}

/// Writes `bytes` to a new file only its owner can read.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
	let mut options = fs::OpenOptions::new();
	options.write(true).create_new(true);
	#[cfg(unix)]
	std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
	let mut file =
		options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
	file.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// A manifest `deal propose --providers` wrote.
pub fn read_manifest(path: &Path) -> Result<Manifest> {
	let text =
		fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
	let manifest: Manifest = serde_json::from_str(&text)
		.with_context(|| format!("{} is not a deal manifest", path.display()))?;
	manifest.check().with_context(|| format!("{} is refused", path.display()))?;
	Ok(manifest)
}

/// Fetches shards of the file `manifest_path` describes from the providers at `from`
/// (`http://host:port`, each asked for every shard it may hold), verifies each against its
/// root, and once `k` verify, decodes, decrypts and writes the original to `out` (through a
/// temporary file renamed into place: nothing unverified is ever at `out`).
pub async fn deal_retrieve(
	manifest_path: &Path,
	from: &[String],
	out: &Path,
	mut progress: impl FnMut(u64, u64),
) -> Result<Report> {
	let manifest = read_manifest(manifest_path)?;
	ensure!(!from.is_empty(), "no providers to fetch from (--from http://host:port)");
	if out.exists() {
		bail!("{} exists: retrieval writes a new file", out.display());
	}
	let k = usize::from(manifest.k);
	let started = Instant::now();
	let client = retrieval::client();
	let mut got: BTreeMap<u16, Vec<u8>> = BTreeMap::new();
	let mut sources = Vec::new();
	let mut failures: Vec<Value> = Vec::new();
	let mut lines = Vec::new();
	let goal = manifest.shard_bytes.saturating_mul(manifest.k.into());
	let mut fetched = 0u64;
	for entry in &manifest.shards {
		if got.len() >= k {
			break;
		}
		let root = entry.root()?;
		for base in from {
			let mut piece_bytes = 0u64;
			let result = retrieval::fetch_sector(&client, base, root, manifest.shard_bytes, |n| {
				piece_bytes += n;
				progress(fetched + piece_bytes, goal);
			})
			.await
			.and_then(|bytes| manifest.verify_shard(entry.index, &bytes).map(|()| bytes));
			match result {
				Ok(bytes) => {
					fetched = fetched.saturating_add(bytes.len() as u64);
					got.insert(entry.index, bytes);
					sources.push(json!({ "shard": entry.index, "from": base }));
					lines.push(format!("shard {} from {base}: verified", entry.index));
					break;
				},
				Err(error) => {
					failures.push(json!({
						"shard": entry.index,
						"from": base,
						"error": format!("{error:#}"),
					}));
					lines.push(format!("shard {} from {base}: {error:#}", entry.index));
				},
			}
		}
	}
	if got.len() < k {
		bail!(
			"only {} of the {k} shards needed verified; nothing written:\n{}",
			got.len(),
			lines.join("\n")
		);
	}
	let plain = shards::restore(&manifest, got)?;
	let seconds = started.elapsed().as_secs_f64();
	// A new private file next to `out`, renamed into place only if nothing is there by then.
	let folder = match out.parent() {
		Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
		_ => PathBuf::from("."),
	};
	let mut temporary = tempfile::NamedTempFile::new_in(&folder)
		.with_context(|| format!("cannot write in {}", folder.display()))?;
	temporary.write_all(&plain).with_context(|| format!("cannot write in {}", folder.display()))?;
	temporary
		.persist_noclobber(out)
		.map_err(|e| anyhow!("cannot write {}: {}", out.display(), e.error))?;
	let mib = plain.len() as f64 / f64::from(1 << 20);
	lines.push(format!(
		"{}: {} bytes restored from {} shard(s), decrypted and checked against the manifest's \
		 hash in {seconds:.2} s ({:.1} MiB/s)",
		out.display(),
		plain.len(),
		sources.len(),
		mib / seconds.max(1e-9)
	));
	Ok(Report::new(
		lines.join("\n"),
		json!({
			"event": "retrieved",
			"out": out.display().to_string(),
			"bytes": plain.len(),
			"seconds": seconds,
			"shards": sources,
			"failures": failures,
		}),
	))
}

/// Measures, on this machine, what storing and retrieving a `mib` MiB file costs against
/// plainly copying it: sealing (encryption and erasure coding), restoring (decoding and
/// decryption), and retrieval end to end from a provider on this host (HTTP, root checks,
/// decoding, decryption, writing), once with every original shard served and once with
/// `n - k` of them gone (so that Reed-Solomon has to rebuild them).
pub async fn deal_bench(mib: u32, layout: Layout) -> Result<Report> {
	ensure!(mib >= 1, "--mib must be at least 1");
	let dir = tempfile_dir()?;
	let result = bench_in(&dir, mib, layout).await;
	let _ = fs::remove_dir_all(&dir);
	result
}

fn tempfile_dir() -> Result<PathBuf> {
	let dir = std::env::temp_dir().join(format!("depin-deal-bench-{}", std::process::id()));
	fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
	Ok(dir)
}

async fn bench_in(dir: &Path, mib: u32, layout: Layout) -> Result<Report> {
	use chacha20poly1305::aead::{rand_core::RngCore, OsRng};
	let len = usize::try_from(mib)? << 20;
	let mut plain = vec![0u8; len];
	OsRng.fill_bytes(&mut plain);
	let original = dir.join("original.bin");
	fs::write(&original, &plain)?;
	let rate = |seconds: f64| f64::from(mib) / seconds.max(1e-9);

	let started = Instant::now();
	fs::copy(&original, dir.join("copy.bin"))?;
	let copy = started.elapsed().as_secs_f64();

	let started = Instant::now();
	let (mut manifest, prepared) = shards::prepare("original.bin", &plain, layout)?;
	let seal = started.elapsed().as_secs_f64();

	let k = usize::from(layout.k);
	let lost: Vec<u16> = (0..layout.n - layout.k).collect();
	let started = Instant::now();
	let restored = shards::restore(
		&manifest,
		prepared
			.iter()
			.filter(|s| !lost.contains(&s.index))
			.map(|s| (s.index, s.bytes.clone()))
			.collect(),
	)?;
	let restore = started.elapsed().as_secs_f64();
	ensure!(restored == plain, "the restored bytes differ");

	// A provider on this host serving every shard.
	let mut sectors = crate::sector::Sectors::open(&dir.join("sectors.json"))?;
	for (shard, entry) in prepared.iter().zip(&mut manifest.shards) {
		let file = dir.join(format!("shard-{}.bin", shard.index));
		fs::write(&file, &shard.bytes)?;
		entry.file = Some(file.display().to_string());
		sectors.add(crate::sector::LocalSector {
			device: 0,
			sector: u32::from(shard.index),
			root: entry.root.clone(),
			chunks: shard.chunks,
			path: file,
		})?;
	}
	let (listener, address) = retrieval::bind(([127, 0, 0, 1], 0).into()).await?;
	let server = tokio::spawn(retrieval::serve(listener, retrieval::Served::home(dir)));
	let manifest_path = dir.join(MANIFEST);
	fs::write(&manifest_path, serde_json::to_vec(&manifest)?)?;
	let from = [format!("http://{address}")];
	let retrieve = |out: &str| {
		let out = dir.join(out);
		let manifest_path = manifest_path.clone();
		let from = from.clone();
		async move {
			let started = Instant::now();
			deal_retrieve(&manifest_path, &from, &out, |_, _| ()).await?;
			let seconds = started.elapsed().as_secs_f64();
			Ok::<_, anyhow::Error>(seconds)
		}
	};
	let whole = retrieve("whole.bin").await?;
	ensure!(fs::read(dir.join("whole.bin"))? == plain, "retrieval differs");
	// The first n - k shards gone: the provider no longer serves them.
	let mut sectors = crate::sector::Sectors::open(&dir.join("sectors.json"))?;
	sectors.sectors.retain(|s| s.sector >= u32::from(layout.n - layout.k));
	fs::write(dir.join("sectors.json"), serde_json::to_vec(&sectors.sectors)?)?;
	let decoded = retrieve("decoded.bin").await?;
	ensure!(fs::read(dir.join("decoded.bin"))? == plain, "retrieval differs");
	server.abort();

	let line = format!(
		"{mib} MiB, {}-of-{} on this machine: copy {:.0} MiB/s; seal (encrypt + encode) {:.0} \
		 MiB/s; restore ({} shard(s) rebuilt, decrypt) {:.0} MiB/s; retrieval from a local \
		 provider {:.0} MiB/s with every original shard, {:.0} MiB/s rebuilding {}: {:.0} % and \
		 {:.0} % of the copy's speed",
		layout.k,
		layout.n,
		rate(copy),
		rate(seal),
		lost.len().min(k),
		rate(restore),
		rate(whole),
		rate(decoded),
		lost.len().min(k),
		100.0 * copy / whole,
		100.0 * copy / decoded,
	);
	Ok(Report::new(
		line,
		json!({
			"mib": mib,
			"k": layout.k,
			"n": layout.n,
			"copyMiBs": rate(copy),
			"sealMiBs": rate(seal),
			"restoreMiBs": rate(restore),
			"retrieveMiBs": rate(whole),
			"retrieveRebuildingMiBs": rate(decoded),
		}),
	))
}
