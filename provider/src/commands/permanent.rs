//! Permanent deals: a client pays once, and an endowment pays providers to keep its replicas
//! for as long as it lasts.
//!
//! - `deal propose --permanent` ([`endow`]): the client's replicas (the data as it is on one
//!   device, or the shards of `--providers`), each endowed with the most its schedule can
//!   cost, checked and priced here as the chain will before anything is sent.
//! - `deal take N --replica I --device D [--path DATA]` ([`deal_take`]): a provider takes an
//!   open replica; the endowment pays it a tranche (a term deal) to the end of the schedule
//!   year, and the data, if given, is committed as the sector that activates it.
//! - `deal show N` ([`permanent_show`]): the deal, its replicas and what is left of their
//!   endowments.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use depin_primitives::{
	deals::{
		endowment::{self, Schedule},
		epoch_price,
		permanent::{ReplicaSpec, ReplicaState},
	},
	device::{DeviceKind, DeviceStatus},
	storage::CHUNK_SIZE,
};
use serde_json::{json, Value};
use sp_core::H256;
use subxt_signer::sr25519::Keypair;

use super::{kind_name, storage, Home};
use crate::{
	chain::{account, bridge, Chain, ChainPermanent},
	depin,
	report::{dpn, Report},
};

/// What a client offers for a permanent deal.
#[derive(Clone, Copy, Debug)]
pub struct PermanentTerms {
	/// The price of a GiB for an epoch in the first schedule year, planck.
	pub price_per_gib: u128,
	/// Planck each tranche's provider stakes (at least a year of the dearest replica's
	/// first-year price).
	pub provider_collateral: u128,
}

/// What a permanent deal of some replicas costs, as the chain will work it out.
#[derive(Clone, Debug)]
pub struct Quote {
	/// Each replica's endowment, in order.
	pub endowments: Vec<u128>,
	/// Their sum: moved to the endowment pot and held there.
	pub total: u128,
	/// The replicas' deal deposits, burned (nobody is there to get them back).
	pub deposits: u128,
	/// The least collateral a tranche's provider may stake.
	pub collateral_floor: u128,
	/// The schedule.
	pub schedule: Schedule,
}

/// Price `replicas` on `terms` with the runtime's schedule (`EpochsPerYear`,
/// `EndowmentDecline`), and check them as `create_permanent_deal` will: storage devices,
/// active, distinct roots not bound to another permanent replica, the price at least
/// `MinDealPrice`, the collateral at least a year of the dearest replica's first-year price.
pub async fn quote(
	chain: &Chain,
	replicas: &[ReplicaSpec],
	terms: PermanentTerms,
) -> Result<Quote> {
	let at = chain.client.at_current_block().await.context("cannot read the chain")?;
	let constants = at.constants();
	let read = |what: &str| anyhow!("the runtime has no {what}: it predates permanent deals");
	let epochs_per_year: u32 = constants
		.entry(depin::constants().proofs().epochs_per_year())
		.map_err(|_| read("EpochsPerYear"))?;
	let decline = constants
		.entry(depin::constants().proofs().endowment_decline())
		.map_err(|_| read("EndowmentDecline"))?;
	let deposit: u128 = constants
		.entry(depin::constants().proofs().deal_deposit())
		.map_err(|_| read("DealDeposit"))?;
	let min_price: u128 = constants
		.entry(depin::constants().proofs().min_deal_price())
		.map_err(|_| read("MinDealPrice"))?;
	let most: u32 = constants
		.entry(depin::constants().proofs().max_replicas())
		.map_err(|_| read("MaxReplicas"))?;
	if replicas.is_empty() {
		bail!("a permanent deal needs a replica");
	}
	if replicas.len() > most as usize {
		bail!("a permanent deal has at most {most} replicas: {} given", replicas.len());
	}
	if terms.price_per_gib < min_price {
		bail!(
			"--price-per-gib {} is below the chain's least price, {} a GiB-epoch",
			terms.price_per_gib,
			min_price
		);
	}
	let schedule = Schedule {
		price_per_gib: terms.price_per_gib,
		decline: bridge(&decline)?,
		epochs_per_year,
	};
	let mut endowments = Vec::with_capacity(replicas.len());
	let mut collateral_floor = 0u128;
	for (i, spec) in replicas.iter().enumerate() {
		if replicas[..i].iter().any(|other| other.root == spec.root) {
			bail!("two replicas have the root {:?}: each replica needs data of its own", spec.root);
		}
		if let Some((id, index)) = chain.replica_by_root(spec.root).await? {
			bail!(
				"the data with root {:?} is replica {index} of permanent deal {id} already: each \
				 replica needs data of its own",
				spec.root
			);
		}
		let device =
			chain.device(spec.device).await?.ok_or_else(|| anyhow!("no device {}", spec.device))?;
		if device.kind != DeviceKind::Storage {
			bail!(
				"device {} is a {} device: only storage devices keep replicas",
				spec.device,
				kind_name(device.kind)
			);
		}
		if device.status != DeviceStatus::Active {
			bail!("device {} is not active: it cannot take a replica now", spec.device);
		}
		let bytes = u64::from(spec.chunks).saturating_mul(CHUNK_SIZE as u64);
		let endowed = endowment::endowment(&schedule, bytes)
			.ok_or_else(|| anyhow!("the replica's endowment overflows: lower the price"))?;
		endowments.push(endowed);
		let year = epoch_price(terms.price_per_gib, bytes)
			.and_then(|p| p.checked_mul(u128::from(epochs_per_year)))
			.ok_or_else(|| anyhow!("a year of the replica's price overflows"))?;
		collateral_floor = collateral_floor.max(year);
	}
	if terms.provider_collateral < collateral_floor {
		bail!(
			"--provider-collateral {} is below a year of the dearest replica's first-year price, \
			 {} ({} planck): a provider that takes a replica and fails it must lose at least that",
			dpn(terms.provider_collateral),
			dpn(collateral_floor),
			collateral_floor
		);
	}
	let total = endowments
		.iter()
		.try_fold(0u128, |sum, e| sum.checked_add(*e))
		.ok_or_else(|| anyhow!("the endowments overflow"))?;
	let deposits = deposit.saturating_mul(replicas.len() as u128);
	Ok(Quote { endowments, total, deposits, collateral_floor, schedule })
}

/// A permanent deal the chain made.
#[derive(Clone, Debug)]
pub struct Endowed {
	pub id: u64,
	pub endowment: u128,
	pub block: H256,
}

/// As the client (the signer): make a permanent deal of `replicas` on `terms`, priced by
/// [`quote`] first; the chain may take at most the quoted endowment.
pub async fn endow(
	chain: &Chain,
	signer: &Keypair,
	replicas: &[ReplicaSpec],
	terms: PermanentTerms,
	quote: &Quote,
) -> Result<Endowed> {
	let me = signer.public_key().to_account_id();
	let free = chain.free_balance(&me).await?;
	let needed = quote.total.saturating_add(quote.deposits);
	if free <= needed {
		bail!(
			"insufficient funds: the endowment of these {} replica(s) is {} and their deposits {}, \
			 {me} has {} free",
			replicas.len(),
			dpn(quote.total),
			dpn(quote.deposits),
			dpn(free)
		);
	}
	let call = depin::tx().proofs().create_permanent_deal(
		bridge(&replicas.to_vec())?,
		terms.price_per_gib,
		terms.provider_collateral,
		quote.total,
	);
	let included = chain.submit(&call, signer).await?;
	let created = included
		.events
		.find_first::<depin::proofs::events::PermanentDealCreated>()
		.ok_or_else(|| anyhow!("the chain reported no PermanentDealCreated event"))??;
	Ok(Endowed { id: created.id, endowment: created.endowment, block: included.block })
}

/// `deal propose PATH --device D --permanent`: the data at `path` as it is, one replica meant
/// first for device `device`.
pub async fn permanent_propose(
	chain: &Chain,
	signer: &Keypair,
	path: &Path,
	device: u64,
	terms: PermanentTerms,
	progress: impl FnMut(u64, u64),
) -> Result<Report> {
	let hashed = storage::hash_data(path, progress)?;
	let spec = ReplicaSpec { root: hashed.root(), chunks: hashed.tree.chunks(), device };
	let quote = quote(chain, &[spec], terms).await?;
	let made = endow(chain, signer, &[spec], terms, &quote).await?;
	let deal = chain.permanent_deal(made.id).await?;
	let until = deal
		.as_ref()
		.and_then(|d| d.replicas.first())
		.and_then(|r| r.reserved)
		.map(|(_, until)| until);
	let text = format!(
		"permanent deal {}: {} ({} bytes, {} chunks, root {:?}) endowed with {} at {} a GiB-epoch \
		 in the first year, {:.2} % cheaper each year after ({} epochs); device {device} may take \
		 it first{} (`depin-provider deal take {} --device {device} --path {}`), then any storage \
		 device",
		made.id,
		hashed.path.display(),
		hashed.len,
		spec.chunks,
		spec.root,
		dpn(made.endowment),
		dpn(terms.price_per_gib),
		f64::from(quote.schedule.decline.deconstruct()) / 1e7,
		quote.schedule.epochs_per_year,
		until.map(|b| format!(", until block {b}")).unwrap_or_default(),
		made.id,
		hashed.path.display()
	);
	Ok(Report::new(
		text,
		json!({
			"event": "endowed",
			"permanent": made.id,
			"root": format!("{:?}", spec.root),
			"chunks": spec.chunks,
			"bytes": hashed.len,
			"device": device,
			"endowment": made.endowment.to_string(),
			"deposits": quote.deposits.to_string(),
			"collateralFloor": quote.collateral_floor.to_string(),
			"reservedUntil": until,
			"block": format!("{:?}", made.block),
		}),
	))
}

/// `deal take ID --replica I --device D [--path DATA]`: as the device's operator (the signer),
/// take replica `replica` of permanent deal `id`; with `path`, the replica's data, checked
/// against its root first, and committed after as the sector that activates the tranche
/// (remembered for the daemon to prove).
#[allow(clippy::too_many_arguments)]
pub async fn deal_take(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	id: u64,
	replica: u32,
	device: u64,
	path: Option<&Path>,
	progress: impl FnMut(u64, u64),
) -> Result<Report> {
	let deal = found(chain, id).await?;
	let spec = deal.replicas.get(replica as usize).copied().ok_or_else(|| {
		anyhow!("permanent deal {id} has {} replica(s): no replica {replica}", deal.replicas.len())
	})?;
	let best = chain.best_number().await?;
	match spec.state {
		ReplicaState::Open => {},
		ReplicaState::Dealt(tranche) => {
			bail!(
				"replica {replica} of permanent deal {id} is kept already, by tranche {tranche:?}"
			)
		},
		ReplicaState::Exhausted => {
			bail!("replica {replica} of permanent deal {id} is over: its endowment is spent")
		},
	}
	if let Some((reserved, until)) = spec.reserved {
		if reserved != device && best <= until {
			bail!(
				"replica {replica} of permanent deal {id} is reserved for device {reserved} until \
				 block {until}"
			);
		}
	}
	if let Some((barred, until)) = spec.barred {
		if barred == device && best <= until {
			bail!(
				"device {device} failed a tranche of replica {replica} of permanent deal {id}: it \
				 may not take it again before block {until}"
			);
		}
	}
	let me = account(&signer.public_key().to_account_id());
	let found_device = chain.device(device).await?.ok_or_else(|| anyhow!("no device {device}"))?;
	if !found_device.is_operator(&me) {
		bail!("device {device} is not yours: only its owner or manager takes replicas for it");
	}
	let hashed = match path {
		Some(path) => {
			let hashed = storage::hash_data(path, progress)?;
			if hashed.root() != spec.root || hashed.tree.chunks() != spec.chunks {
				bail!(
					"the data at {} (root {:?}, {} chunks) is not replica {replica} of permanent \
					 deal {id} (root {:?}, {} chunks)",
					hashed.path.display(),
					hashed.root(),
					hashed.tree.chunks(),
					spec.root,
					spec.chunks
				);
			}
			storage::check_can_commit(chain, device).await?;
			Some(hashed)
		},
		None => None,
	};
	let call = depin::tx().proofs().take_replica(id, replica, device);
	let included = chain.submit(&call, signer).await?;
	let taken = included
		.events
		.find_first::<depin::proofs::events::ReplicaTaken>()
		.ok_or_else(|| anyhow!("the chain reported no ReplicaTaken event"))??;
	let mut lines = vec![format!(
		"replica {replica} of permanent deal {id} taken for device {device}: tranche {:?} pays \
		 {} for {} epoch(s)",
		taken.deal,
		dpn(taken.payment),
		taken.epochs
	)];
	let mut value = json!({
		"event": "taken",
		"permanent": id,
		"replica": replica,
		"device": device,
		"tranche": format!("{:?}", taken.deal),
		"epochs": taken.epochs,
		"payment": taken.payment.to_string(),
		"block": format!("{:?}", included.block),
	});
	let tranche = chain.deal(taken.deal).await?;
	let deadline = tranche.as_ref().map(|t| t.proposal.activation_deadline);
	match hashed {
		Some(hashed) => {
			let report = storage::commit_tree(chain, home, signer, device, &hashed)
				.await
				.with_context(|| {
					format!(
						"the tranche is published but its sector is not committed: commit it \
							 before block {} (`depin-provider storage commit --device {device} {}`)",
						deadline.unwrap_or_default(),
						hashed.path.display()
					)
				})?;
			lines.push(report.text);
			value["committed"] = report.json;
		},
		None => lines.push(format!(
			"commit the replica's data before block {} (`depin-provider storage commit --device \
			 {device} PATH`): that activates the tranche",
			deadline.unwrap_or_default()
		)),
	}
	Ok(Report::new(lines.join("\n"), value))
}

async fn found(chain: &Chain, id: u64) -> Result<ChainPermanent> {
	chain.permanent_deal(id).await?.ok_or_else(|| {
		anyhow!("there is no permanent deal {id} (one whose replicas are all over is forgotten)")
	})
}

/// `deal show N`: permanent deal `id`, its replicas and their endowments.
pub async fn permanent_show(chain: &Chain, id: u64) -> Result<Report> {
	let deal = found(chain, id).await?;
	let mut lines = vec![format!(
		"permanent deal {id} of {}: {} a GiB-epoch in the first schedule year, {:.2} % less each \
		 year of {} paid epochs; tranche collateral {}",
		deal.client,
		dpn(deal.price_per_gib),
		f64::from(deal.decline.deconstruct()) / 1e7,
		deal.epochs_per_year,
		dpn(deal.provider_collateral)
	)];
	let mut replicas: Vec<Value> = Vec::with_capacity(deal.replicas.len());
	for (index, r) in deal.replicas.iter().enumerate() {
		let (state, tranche) = r.state.name_and_tranche();
		let mut line = format!(
			"replica {index} ({} chunks, root {:?}): {state}{}; {} left, {} epoch(s) paid, {} a \
			 GiB-epoch this year",
			r.chunks,
			r.root,
			tranche.map(|t| format!(" (tranche {t:?})")).unwrap_or_default(),
			dpn(r.left),
			r.served,
			dpn(r.year_price)
		);
		if let Some((device, until)) = r.reserved {
			line.push_str(&format!("; reserved for device {device} until block {until}"));
		}
		if let Some((device, until)) = r.barred {
			line.push_str(&format!("; device {device} barred until block {until}"));
		}
		lines.push(line);
		replicas.push(json!({
			"index": index,
			"root": format!("{:?}", r.root),
			"chunks": r.chunks,
			"state": state,
			"tranche": tranche.map(|t| format!("{t:?}")),
			"reservedFor": r.reserved.map(|(d, _)| d),
			"reservedUntil": r.reserved.map(|(_, b)| b),
			"barred": r.barred.map(|(d, _)| d),
			"barredUntil": r.barred.map(|(_, b)| b),
			"left": r.left.to_string(),
			"served": r.served,
			"yearPrice": r.year_price.to_string(),
		}));
	}
	Ok(Report::new(
		lines.join("\n"),
		json!({
			"permanent": id,
			"client": deal.client.to_string(),
			"pricePerGib": deal.price_per_gib.to_string(),
			"declinePerBillion": deal.decline.deconstruct(),
			"epochsPerYear": deal.epochs_per_year,
			"providerCollateral": deal.provider_collateral.to_string(),
			"replicas": replicas,
		}),
	))
}
