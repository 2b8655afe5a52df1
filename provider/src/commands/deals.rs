//! Storage deals: a client's proposal, the provider's publication and sector, and the deals'
//! life on chain (listing, showing, ending, settling).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use depin_primitives::{
	deals::{DealEnd, DealState},
	device::DeviceKind,
};
use serde_json::{json, Value};
use sp_core::H256;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

use super::{error_name, kind_name, storage, Home};
use crate::{
	chain::{account, bridge, Chain, ChainDeal, Included},
	deals::{ClientProposal, Proposal},
	depin,
	report::{dpn, Report},
};

/// The terms a client offers (`deal propose`).
#[derive(Clone, Copy, Debug)]
pub struct Terms {
	/// The price of a GiB for an epoch, planck.
	pub price_per_gib: u128,
	/// Epochs paid for.
	pub duration: u32,
	/// Planck held from the operator that publishes the deal: a slice paid to the client for
	/// each missed epoch, the rest if the provider fails the deal.
	pub provider_collateral: u128,
	/// Planck held from the client: paid to the provider if the client ends the deal early.
	pub client_collateral: u128,
	/// Blocks from the best one until the sector must be committed.
	pub deadline_blocks: u32,
}

impl Terms {
	/// `client`'s proposal on these terms for `device` to keep `data` (root, chunk count),
	/// its deadline counted from block `best`; checked as the chain will check it.
	pub fn proposal(
		&self,
		client: &AccountId32,
		device: u64,
		(root, chunks): (H256, u32),
		best: crate::chain::BlockNumber,
	) -> Result<Proposal> {
		let proposal = Proposal {
			client: account(client),
			device,
			root,
			chunks,
			price_per_gib: self.price_per_gib,
			activation_deadline: best.saturating_add(self.deadline_blocks),
			duration: self.duration,
			provider_collateral: self.provider_collateral,
			client_collateral: self.client_collateral,
		};
		crate::deals::check_terms(&proposal, best)?;
		Ok(proposal)
	}
}

/// As the client (the signer): propose a deal for the data at `path` to storage device
/// `device`. The proposal, signed with the signer's account key, is written to `out` or is
/// the report's text (one line of JSON for the provider, `> proposal.json`; the summary then
/// goes to standard error).
pub async fn deal_propose(
	chain: &Chain,
	signer: &Keypair,
	path: &Path,
	device: u64,
	terms: Terms,
	out: Option<&Path>,
	progress: impl FnMut(u64, u64),
) -> Result<Report> {
	let found = chain.device(device).await?.ok_or_else(|| anyhow!("no device {device}"))?;
	if found.kind != DeviceKind::Storage {
		bail!(
			"device {device} is a {} device: only storage devices take deals",
			kind_name(found.kind)
		);
	}
	let hashed = storage::hash_data(path, progress)?;
	let best = chain.best_number().await?;
	let me = signer.public_key().to_account_id();
	let proposal = terms.proposal(&me, device, (hashed.root(), hashed.tree.chunks()), best)?;
	if let Some((id, _)) = chain.deal_by_root(proposal.device, proposal.root).await? {
		bail!(
			"the data at {} is already in deal {id:?} on this device: each replica needs data \
			 of its own",
			hashed.path.display()
		);
	}
	let price = crate::deals::epoch_price_of(&proposal).unwrap_or_default();
	let held = crate::deals::client_hold(&proposal).unwrap_or_default();
	let free = chain.free_balance(&me).await?;
	if free < held {
		bail!(
			"insufficient funds: publishing this deal holds {} from {me}, which has {} free",
			dpn(held),
			dpn(free)
		);
	}
	let signed = ClientProposal::sign(chain.genesis(), &proposal, signer);
	let id = proposal.id();
	let line = serde_json::to_string(&signed)?;
	if let Some(out) = out {
		std::fs::write(out, format!("{line}\n"))
			.with_context(|| format!("cannot write {}", out.display()))?;
	}
	let summary = format!(
		"deal {id:?}: {} ({} bytes, {} chunks) on device {device}, {} an epoch for {} epoch(s); \
		 publishing it holds {} of the client's and {} of the publishing operator's; the sector must \
		 be committed by block {}",
		hashed.path.display(),
		hashed.len,
		proposal.chunks,
		dpn(price),
		proposal.duration,
		dpn(held),
		dpn(proposal.provider_collateral),
		proposal.activation_deadline
	);
	let value = json!({
		"event": "proposed",
		"deal": format!("{id:?}"),
		"device": device,
		"root": format!("{:?}", proposal.root),
		"chunks": proposal.chunks,
		"bytes": hashed.len,
		"epochPrice": price.to_string(),
		"held": held.to_string(),
		"activationDeadline": proposal.activation_deadline,
		"out": out.map(|p| p.display().to_string()),
		"proposal": serde_json::to_value(&signed)?,
	});
	match out {
		Some(out) => Ok(Report::new(format!("{summary}; written to {}", out.display()), value)),
		None => {
			eprintln!("{summary}");
			Ok(Report::new(line, value))
		},
	}
}

/// A client's proposal from a file: the JSON `deal propose` writes, or the object
/// `deal propose --json` prints (the proposal under `proposal`).
fn read_proposal(file: &Path) -> Result<ClientProposal> {
	let text =
		std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
	let value: Value = serde_json::from_str(&text).with_context(|| {
		format!("{} is not JSON (`deal propose` writes a proposal)", file.display())
	})?;
	let inner = match value.get("proposal") {
		Some(proposal) if value.get("signature").is_none() => proposal.clone(),
		_ => value,
	};
	serde_json::from_value(inner).with_context(|| {
		format!("{} is not a deal proposal (`deal propose` writes one)", file.display())
	})
}

/// As the provider (the signer, the devices' owner or manager): check the clients' proposals
/// (chain, signature, terms, device), publish them in `publish_deals` batches (at most the
/// runtime's `MaxProposals` each), then commit the sector of each published deal whose data is
/// among `data`, which activates the deal, and remember it in `sectors.json` as `storage
/// commit` does, so that the daemon proves it.
pub async fn deal_publish(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	files: &[PathBuf],
	data: &[PathBuf],
	mut progress: impl FnMut(u64, u64),
) -> Result<Report> {
	if files.is_empty() {
		bail!("no proposals to publish");
	}
	let genesis = chain.genesis();
	let best = chain.best_number().await?;
	let me = account(&signer.public_key().to_account_id());

	// Every proposal checked before a transaction is spent on them.
	let mut signed: Vec<crate::deals::Signed> = Vec::with_capacity(files.len());
	for file in files {
		let proposal = read_proposal(file)?
			.signed(genesis)
			.with_context(|| format!("{} is refused", file.display()))?;
		let id = proposal.proposal.id();
		let device_id = proposal.proposal.device;
		let device = chain
			.device(device_id)
			.await?
			.ok_or_else(|| anyhow!("{}: device {device_id} is not registered", file.display()))?;
		crate::deals::check_before_publish(&proposal.proposal, best, (device_id, &device), &me)
			.with_context(|| format!("{} is refused", file.display()))?;
		if chain.deal(id).await?.is_some() {
			bail!("{}: deal {id:?} was published already", file.display());
		}
		if let Some((other, _)) =
			chain.deal_by_root(proposal.proposal.device, proposal.proposal.root).await?
		{
			bail!(
				"{}: its data (root {:?}) is already in deal {other:?}",
				file.display(),
				proposal.proposal.root
			);
		}
		if signed.iter().any(|s| s.proposal.id() == id) {
			bail!("{}: deal {id:?} is in the batch twice", file.display());
		}
		signed.push(proposal);
	}

	// The data to commit, each matched to its proposal by root.
	let mut sectors = Vec::with_capacity(data.len());
	for path in data {
		let hashed = storage::hash_data(path, &mut progress)?;
		let root = hashed.root();
		let index = signed.iter().position(|s| s.proposal.root == root).ok_or_else(|| {
			anyhow!(
				"the data at {} (root {root:?}, {} chunks) is in none of the proposals: a sector \
				 activates a deal only with the root its client signed",
				hashed.path.display(),
				hashed.tree.chunks()
			)
		})?;
		let proposal = &signed[index].proposal;
		if proposal.chunks != hashed.tree.chunks() {
			bail!(
				"the data at {} has {} chunks, deal {:?} {}",
				hashed.path.display(),
				hashed.tree.chunks(),
				proposal.id(),
				proposal.chunks
			);
		}
		sectors.push((index, hashed));
	}

	let count = signed.len();
	let publication = publish(chain, signer, &signed).await?;
	let mut lines = Vec::new();
	let mut published = Vec::new();
	let mut published_ids = Vec::new();
	for deal in &publication.published {
		lines.push(format!(
			"deal {:?} published on device {}: {} an epoch",
			deal.deal,
			deal.device,
			dpn(deal.epoch_price)
		));
		published.push(json!({
			"deal": format!("{:?}", deal.deal),
			"device": deal.device,
			"root": format!("{:?}", deal.root),
			"epochPrice": deal.epoch_price.to_string(),
		}));
		published_ids.push(deal.deal);
	}
	let mut rejected = Vec::new();
	for refusal in &publication.rejected {
		let file = files
			.get(refusal.index)
			.map(|f| f.display().to_string())
			.unwrap_or_else(|| format!("proposal {}", refusal.index));
		lines.push(format!("{file} (deal {:?}) rejected: {}", refusal.deal, refusal.error));
		rejected.push(json!({
			"index": refusal.index,
			"file": file,
			"deal": format!("{:?}", refusal.deal),
			"error": refusal.error,
		}));
	}
	let blocks: Vec<String> = publication.blocks.iter().map(|b| format!("{b:?}")).collect();
	if published_ids.is_empty() {
		bail!("the chain rejected every proposal: {}", lines.join("; "));
	}

	// The sectors of the published deals, each activating its deal.
	let mut committed = Vec::new();
	for (index, hashed) in &sectors {
		let proposal = &signed[*index].proposal;
		let id = proposal.id();
		if !published_ids.contains(&id) {
			continue;
		}
		let report = storage::commit_tree(chain, home, signer, proposal.device, hashed)
			.await
			.with_context(|| {
				format!(
					"deal {id:?} is published but its sector is not committed: commit it before \
					 block {} (`depin-provider storage commit --device {} {}`)",
					proposal.activation_deadline,
					proposal.device,
					hashed.path.display()
				)
			})?;
		lines.push(report.text);
		committed.push(report.json);
	}
	for (index, s) in signed.iter().enumerate() {
		let id = s.proposal.id();
		if published_ids.contains(&id) && !sectors.iter().any(|(i, _)| *i == index) {
			lines.push(format!(
				"deal {id:?} waits for its sector until block {}: `depin-provider storage commit \
				 --device {} PATH` activates it",
				s.proposal.activation_deadline, s.proposal.device
			));
		}
	}
	Ok(Report::new(
		lines.join("\n"),
		json!({
			"proposals": count,
			"published": published,
			"rejected": rejected,
			"committed": committed,
			"block": blocks.last(),
			"blocks": blocks,
		}),
	))
}

/// What `publish_deals` made of a list of proposals.
#[derive(Debug, Default)]
pub struct Publication {
	pub published: Vec<depin::proofs::events::DealPublished>,
	pub rejected: Vec<Refusal>,
	/// The blocks of the transactions, one per batch.
	pub blocks: Vec<H256>,
}

/// A proposal the chain refused, with its position in the list and the chain's reason.
#[derive(Debug)]
pub struct Refusal {
	pub index: usize,
	pub deal: H256,
	pub error: String,
}

/// Publishes `signed` as the signer, in `publish_deals` transactions of at most the
/// runtime's `MaxProposals` each, and gathers each proposal's verdict.
pub async fn publish(
	chain: &Chain,
	signer: &Keypair,
	signed: &[crate::deals::Signed],
) -> Result<Publication> {
	let most: u32 = chain
		.client
		.at_current_block()
		.await
		.context("cannot read the chain")?
		.constants()
		.entry(depin::constants().proofs().max_proposals())
		.context("the runtime has no MaxProposals")?;
	let most = most.max(1) as usize;
	let mut publication = Publication::default();
	for (batch, items) in signed.chunks(most).enumerate() {
		let call = depin::tx().proofs().publish_deals(bridge(&items.to_vec())?);
		let included = chain.submit(&call, signer).await?;
		publication.blocks.push(included.block);
		for event in included.events.find::<depin::proofs::events::DealPublished>() {
			publication.published.push(event?);
		}
		for event in included.events.find::<depin::proofs::events::ProposalRejected>() {
			let event = event?;
			publication.rejected.push(Refusal {
				index: batch * most + event.index as usize,
				deal: event.deal,
				error: error_name(&included, &event.error),
			});
		}
	}
	Ok(publication)
}

/// A deal in a line of text and as JSON.
fn deal_summary(id: H256, deal: &ChainDeal) -> (String, Value) {
	let p = &deal.proposal;
	let (state, mut value) = match deal.state {
		DealState::Published => (
			format!("published, waiting for its sector until block {}", p.activation_deadline),
			json!({ "status": "published" }),
		),
		DealState::Active(d) => (
			format!(
				"active in sector {} from epoch {}: {} of {} epoch(s) paid ({} settled), {} \
				 missed ({} in a row), counted through epoch {}",
				d.sector,
				d.first_epoch,
				d.paid,
				p.duration,
				d.collected,
				d.missed,
				d.misses_in_row,
				d.settled_through
			),
			json!({
				"status": "active",
				"sector": d.sector,
				"firstEpoch": d.first_epoch,
				"settledThrough": d.settled_through,
				"missesInRow": d.misses_in_row,
				"paid": d.paid,
				"missed": d.missed,
				"collected": d.collected,
				"refunded": d.refunded,
			}),
		),
		DealState::Closed => (
			format!(
				"closed (kept until block {} so that it cannot be published again)",
				p.activation_deadline
			),
			json!({ "status": "closed" }),
		),
	};
	value["deal"] = json!(format!("{id:?}"));
	value["client"] = json!(p.client.to_string());
	value["provider"] = json!(deal.provider.to_string());
	value["deposit"] = json!(deal.deposit.to_string());
	value["device"] = json!(p.device);
	value["root"] = json!(format!("{:?}", p.root));
	value["chunks"] = json!(p.chunks);
	value["pricePerGib"] = json!(p.price_per_gib.to_string());
	value["epochPrice"] = json!(deal.epoch_price.to_string());
	value["epochFee"] = json!(deal.epoch_fee.to_string());
	value["missPenalty"] = json!(deal.miss_penalty.to_string());
	value["duration"] = json!(p.duration);
	value["activationDeadline"] = json!(p.activation_deadline);
	value["providerCollateral"] = json!(p.provider_collateral.to_string());
	value["collateralLeft"] = json!(deal.collateral_left.to_string());
	value["clientCollateral"] = json!(p.client_collateral.to_string());
	(
		format!(
			"deal {id:?} of {} on device {} ({} chunks, root {:?}): {} an epoch for {} epoch(s), \
			 provider collateral {} of {} left, client collateral {}; {state}",
			p.client,
			p.device,
			p.chunks,
			p.root,
			dpn(deal.epoch_price),
			p.duration,
			dpn(deal.collateral_left),
			dpn(p.provider_collateral),
			dpn(p.client_collateral)
		),
		value,
	)
}

/// The deals of a client (default: the signer) or of a storage device.
pub async fn deal_list(
	chain: &Chain,
	signer: &Keypair,
	client: Option<AccountId32>,
	device: Option<u64>,
) -> Result<Report> {
	let (whose, deals) = match (client, device) {
		(Some(_), Some(_)) => bail!("list the deals of a client or of a device, not both"),
		(None, Some(device)) => (format!("device {device}"), chain.deals_of_device(device).await?),
		(client, None) => {
			let client = client.unwrap_or_else(|| signer.public_key().to_account_id());
			(client.to_string(), chain.deals_of_client(&client).await?)
		},
	};
	if deals.is_empty() {
		return Ok(Report::new(format!("{whose} has no deals"), json!([])));
	}
	let (lines, values): (Vec<String>, Vec<Value>) =
		deals.iter().map(|(id, deal)| deal_summary(*id, deal)).unzip();
	Ok(Report::new(lines.join("\n"), json!(values)))
}

/// A deal as the chain holds it.
pub async fn deal_show(chain: &Chain, id: H256) -> Result<Report> {
	let deal = found(chain, id).await?;
	let (text, value) = deal_summary(id, &deal);
	Ok(Report::new(text, value))
}

async fn found(chain: &Chain, id: H256) -> Result<ChainDeal> {
	chain.deal(id).await?.ok_or_else(|| {
		anyhow!(
			"there is no deal {id:?} (a deal that ended is forgotten once its activation \
			 deadline has passed)"
		)
	})
}

/// What ending `reason` means, as a word for scripts and a phrase for people.
fn end_reason(reason: DealEnd) -> (&'static str, &'static str) {
	match reason {
		DealEnd::Completed => {
			("completed", "every epoch is accounted for; the collaterals are released")
		},
		DealEnd::NotActivated => (
			"notActivated",
			"its sector was not committed before the activation deadline; the provider's \
			 collateral went to the client",
		),
		DealEnd::Faulted => (
			"faulted",
			"its sector missed too many epochs in a row; the provider's collateral went to the \
			 client",
		),
		DealEnd::ProviderTerminated => (
			"providerTerminated",
			"the provider ended it; its remaining collateral went to the client",
		),
		DealEnd::ClientTerminated => {
			("clientTerminated", "the client ended it; its collateral went to the provider")
		},
	}
}

/// What a transaction did to deal `id`: the epochs it found missed, what it settled, and its
/// end.
fn outcome(included: &Included, id: H256) -> Result<(Vec<String>, Value, bool)> {
	let mut lines = Vec::new();
	let mut missed = Vec::new();
	for event in included.events.find::<depin::proofs::events::DealMissed>() {
		let event = event?;
		if event.deal != id {
			continue;
		}
		lines.push(format!("{} epoch(s) missed ({} in a row)", event.epochs, event.in_row));
		missed.push(json!({ "epochs": event.epochs, "inRow": event.in_row }));
	}
	let mut settled = Value::Null;
	for event in included.events.find::<depin::proofs::events::DealSettled>() {
		let event = event?;
		if event.deal != id {
			continue;
		}
		lines.push(format!(
			"settled: {} paid to the device's owner ({} fee burned), {} refunded to the client \
			 with {} of the provider's collateral",
			dpn(event.paid),
			dpn(event.fee),
			dpn(event.refunded),
			dpn(event.penalty)
		));
		settled = json!({
			"paid": event.paid.to_string(),
			"fee": event.fee.to_string(),
			"refunded": event.refunded.to_string(),
			"penalty": event.penalty.to_string(),
		});
	}
	let mut ended = Value::Null;
	for event in included.events.find::<depin::proofs::events::DealEnded>() {
		let event = event?;
		if event.deal != id {
			continue;
		}
		let reason: DealEnd = bridge(&event.reason)?;
		let (word, phrase) = end_reason(reason);
		lines.push(format!(
			"ended ({word}): {phrase}; {} paid out of the provider's collateral, {} out of the \
			 client's",
			dpn(event.provider_penalty),
			dpn(event.client_fee)
		));
		ended = json!({
			"reason": word,
			"providerPenalty": event.provider_penalty.to_string(),
			"clientFee": event.client_fee.to_string(),
		});
	}
	let over = !ended.is_null();
	Ok((lines, json!({ "missed": missed, "settled": settled, "ended": ended }), over))
}

/// End a deal early, as its client (its collateral goes to the provider) or its device's
/// operator (the provider's remaining collateral goes to the client).
pub async fn deal_terminate(chain: &Chain, signer: &Keypair, id: H256) -> Result<Report> {
	let deal = found(chain, id).await?;
	if deal.state == DealState::Closed {
		bail!("deal {id:?} is over already");
	}
	let me = account(&signer.public_key().to_account_id());
	let operator =
		chain.device(deal.proposal.device).await?.is_some_and(|device| device.is_operator(&me));
	if me != deal.proposal.client && me != deal.provider && !operator {
		bail!(
			"deal {id:?} is between {} and device {}: only its client, its publisher or the \
			 device's owner or manager ends it",
			deal.proposal.client,
			deal.proposal.device
		);
	}
	let included = chain.submit(&depin::tx().proofs().terminate_deal(id), signer).await?;
	let (lines, mut value, over) = outcome(&included, id)?;
	if !over {
		bail!("the chain reported no DealEnded event for deal {id:?}");
	}
	value["event"] = json!("terminated");
	value["deal"] = json!(format!("{id:?}"));
	value["block"] = json!(format!("{:?}", included.block));
	Ok(Report::new(format!("deal {id:?}: {}", lines.join("; ")), value))
}

/// Bring a deal up to date (anyone may): count its missed epochs, fail it if its deadline
/// passed without its sector, complete it, or forget it once closed and past its deadline.
pub async fn deal_settle(chain: &Chain, signer: &Keypair, id: H256) -> Result<Report> {
	let deal = found(chain, id).await?;
	let included = chain.submit(&depin::tx().proofs().settle_deal(id), signer).await?;
	let (lines, mut value, _) = outcome(&included, id)?;
	let text = if lines.is_empty() && deal.state == DealState::Closed {
		format!("deal {id:?} was over and its deadline has passed: the chain forgot it")
	} else if lines.is_empty() {
		format!("deal {id:?} is up to date")
	} else {
		format!("deal {id:?}: {}", lines.join("; "))
	};
	value["event"] = json!("settled");
	value["deal"] = json!(format!("{id:?}"));
	value["block"] = json!(format!("{:?}", included.block));
	Ok(Report::new(text, value))
}
