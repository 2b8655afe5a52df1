//! Compute jobs: opening, showing, signing and submitting receipts, and settling them.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use subxt_signer::sr25519::Keypair;

use super::{error_name, Home};
use crate::{
	chain::{account, bridge, Chain},
	depin,
	report::{dpn, Report},
};

/// What a consumer (or anyone, for `Release`) does to a job after opening it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobAction {
	/// The consumer contests the receipt within the dispute window.
	Dispute,
	/// Anyone pays the device's owner once the dispute window has passed.
	Release,
	/// The consumer takes back the payment of a job that never got a receipt.
	Cancel,
}

fn job_status_text(status: &depin_primitives::compute::JobStatus<u128, u32>) -> (String, Value) {
	use depin_primitives::compute::JobStatus::*;
	match status {
		Open => ("open, waiting for its receipt".into(), json!({ "status": "open" })),
		Submitted { units, amount, submitted_at } => (
			format!(
				"receipt of {units} units ({}) submitted at block {submitted_at}",
				dpn(*amount)
			),
			json!({ "status": "submitted", "units": units, "amount": amount.to_string(), "submittedAt": submitted_at }),
		),
		Disputed { units, amount } => (
			format!("receipt of {units} units ({}) disputed, waiting for a decision", dpn(*amount)),
			json!({ "status": "disputed", "units": units, "amount": amount.to_string() }),
		),
	}
}

/// Open a job on a compute device: `units × price` is held from the signer until the job
/// settles.
pub async fn job_open(
	chain: &Chain,
	signer: &Keypair,
	device: u64,
	units: u64,
	price: u128,
) -> Result<Report> {
	let included = chain.submit(&depin::tx().jobs().open_job(device, units, price), signer).await?;
	let opened = included
		.events
		.find_first::<depin::jobs::events::JobOpened>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain reported no JobOpened event"))?;
	let held = price.saturating_mul(u128::from(units));
	Ok(Report::new(
		format!(
			"job {} opened on device {device}: up to {units} units at {} each, {} held",
			opened.job,
			dpn(price),
			dpn(held)
		),
		json!({
			"event": "opened",
			"job": opened.job,
			"device": device,
			"maxUnits": units,
			"price": price.to_string(),
			"held": held.to_string(),
			"block": format!("{:?}", included.block),
		}),
	))
}

/// A job as the chain holds it.
pub async fn job_show(chain: &Chain, job: u64) -> Result<Report> {
	let found =
		crate::jobs::job(chain, job).await?.ok_or_else(|| anyhow!("there is no job {job}"))?;
	let (status, mut value) = job_status_text(&found.status);
	value["job"] = json!(job);
	value["consumer"] = json!(found.consumer.to_string());
	value["device"] = json!(found.device);
	value["maxUnits"] = json!(found.max_units);
	value["price"] = json!(found.price.to_string());
	value["held"] = json!(found.held.to_string());
	value["openedAt"] = json!(found.opened_at);
	Ok(Report::new(
		format!(
			"job {job} of {} on device {}: up to {} units at {}, {} held since block {}; {status}",
			found.consumer,
			found.device,
			found.max_units,
			dpn(found.price),
			dpn(found.held),
			found.opened_at
		),
		value,
	))
}

/// The consumer's half of a receipt: `units` of `job` delivered, confirmed at `timestamp`
/// (default: the best block), signed with the signer's account key. Its text is one line of
/// JSON, to hand to the provider (`compute job submit`).
pub async fn job_sign(
	chain: &Chain,
	signer: &Keypair,
	job: u64,
	units: u64,
	timestamp: Option<u32>,
) -> Result<Report> {
	let found =
		crate::jobs::job(chain, job).await?.ok_or_else(|| anyhow!("there is no job {job}"))?;
	let me = account(&signer.public_key().to_account_id());
	if found.consumer != me {
		bail!("job {job} is {}'s: only its consumer signs its receipt", found.consumer);
	}
	let best = chain.best_number().await?;
	let receipt = crate::jobs::Receipt {
		job,
		consumer: me,
		device: found.device,
		units,
		price: found.price,
		timestamp: timestamp.unwrap_or(best),
	};
	crate::jobs::check_against(&found, &receipt, best)?;
	let signed = crate::jobs::ConsumerReceipt::sign(chain.genesis(), &receipt, signer);
	Ok(Report::new(serde_json::to_string(&signed)?, serde_json::to_value(&signed)?))
}

/// The provider's half: check a consumer's receipt (chain, signature, job), co-sign it with the
/// device key from the keystore and submit it. The device's owner is paid once the dispute
/// window has passed (`compute job release`).
pub async fn job_submit(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	file: &Path,
) -> Result<Report> {
	let text =
		std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
	let consumer: crate::jobs::ConsumerReceipt =
		serde_json::from_str(&text).with_context(|| {
			format!("{} is not a receipt (`compute job sign` writes one)", file.display())
		})?;
	let genesis = chain.genesis();
	let receipt = consumer.verify(genesis)?;
	let found = crate::jobs::job(chain, receipt.job)
		.await?
		.ok_or_else(|| anyhow!("there is no job {}", receipt.job))?;
	crate::jobs::check_against(&found, &receipt, chain.best_number().await?)?;
	let device = chain
		.device(receipt.device)
		.await?
		.ok_or_else(|| anyhow!("device {} is not registered", receipt.device))?;
	let (_, key) = home.keystore()?.find(&device.key).ok_or_else(|| {
		anyhow!(
			"the key of device {} is not in the keystore ({})",
			receipt.device,
			home.0.display()
		)
	})?;
	let co_signed = consumer.co_sign(genesis, &key)?;
	let call = depin::tx().jobs().submit_receipts(bridge(&vec![co_signed])?);
	let included = chain.submit(&call, signer).await?;
	if let Some(rejected) =
		included.events.find_first::<depin::jobs::events::ReceiptRejected>().transpose()?
	{
		bail!("the chain rejected the receipt: {}", error_name(&included, &rejected.error));
	}
	let accepted = included
		.events
		.find_first::<depin::jobs::events::ReceiptAccepted>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain reported no ReceiptAccepted event"))?;
	Ok(Report::new(
		format!(
			"receipt of job {} accepted: {} units, {} paid to device {}'s owner from block {}",
			accepted.job,
			accepted.units,
			dpn(accepted.amount),
			accepted.device,
			accepted.payable_at
		),
		json!({
			"event": "receiptAccepted",
			"job": accepted.job,
			"device": accepted.device,
			"units": accepted.units,
			"amount": accepted.amount.to_string(),
			"payableAt": accepted.payable_at,
			"block": format!("{:?}", included.block),
		}),
	))
}

/// Dispute, release or cancel a job.
pub async fn job_action(
	chain: &Chain,
	signer: &Keypair,
	job: u64,
	action: JobAction,
) -> Result<Report> {
	let included = match action {
		JobAction::Dispute => chain.submit(&depin::tx().jobs().dispute(job), signer).await?,
		JobAction::Release => chain.submit(&depin::tx().jobs().release_job(job), signer).await?,
		JobAction::Cancel => chain.submit(&depin::tx().jobs().cancel_job(job), signer).await?,
	};
	let block = format!("{:?}", included.block);
	if let Some(settled) =
		included.events.find_first::<depin::jobs::events::JobSettled>().transpose()?
	{
		return Ok(Report::new(
			format!(
				"job {job} settled: {} paid to device {}'s owner, {} burned as the protocol fee, \
				 {} refunded, {} compute points",
				dpn(settled.paid),
				settled.device,
				dpn(settled.fee),
				dpn(settled.refunded),
				settled.points
			),
			json!({
				"event": "settled",
				"job": job,
				"device": settled.device,
				"paid": settled.paid.to_string(),
				"fee": settled.fee.to_string(),
				"refunded": settled.refunded.to_string(),
				"points": settled.points,
				"block": block,
			}),
		));
	}
	let (text, event) = match action {
		JobAction::Dispute => {
			(format!("job {job} disputed: a decision will settle it"), "disputed")
		},
		JobAction::Cancel => (format!("job {job} cancelled: its payment is released"), "cancelled"),
		JobAction::Release => bail!("the chain reported no JobSettled event for job {job}"),
	};
	Ok(Report::new(text, json!({ "event": event, "job": job, "block": block })))
}
