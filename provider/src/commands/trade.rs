//! Energy trades between two meters in one home cell: the consuming meter's owner offers, the
//! producing meter's owner accepts, and every epoch both meters' audited registers settle
//! (`EnergySettled`), paid after the dispute window (`TradePaid`); either party may end or
//! dispute it, and anyone may close it once it is over.

use anyhow::{anyhow, bail, Result};
use depin_primitives::{
	sensor::{TradeId, TradeTerms},
	EpochIndex,
};
use serde_json::{json, Value};
use subxt_signer::sr25519::Keypair;

use super::sensor::{constant, live_schema};
use crate::{
	chain::{bridge, Chain, ChainTrade, Included, Wait},
	depin,
	report::{dpn, Report},
};

/// What an offer asks for.
pub struct TradeOrder {
	/// The consuming meter (the signer owns it).
	pub consumer: u64,
	/// The producing meter.
	pub producer: u64,
	/// The producer's register field, by name.
	pub produced: String,
	/// The consumer's register field, by name.
	pub consumed: String,
	/// Planck a unit of the fields (a watt-hour for the dev chain's meter).
	pub price: u128,
	/// The most units an epoch.
	pub cap: u64,
	/// Planck in all.
	pub budget: u128,
	/// Epochs settled, from `first`.
	pub epochs: u32,
	/// The first epoch settled (default: the next one).
	pub first: Option<EpochIndex>,
}

/// The index of the field named `name` in `device`'s schema.
async fn field_of(chain: &Chain, device: u64, name: &str) -> Result<u8> {
	let status = chain.sensor_status(device).await?.ok_or_else(|| {
		anyhow!("device {device} is not an enrolled meter (`sensor enroll --device {device}`)")
	})?;
	let schema = live_schema(chain, status.schema).await?;
	let index = schema.fields.iter().position(|f| f.name.as_slice() == name.as_bytes());
	let index = index.ok_or_else(|| {
		let names: Vec<String> =
			schema.fields.iter().map(|f| String::from_utf8_lossy(&f.name).into_owned()).collect();
		anyhow!(
			"device {device}'s schema {} has no field `{name}` (it has {})",
			status.schema,
			names.join(", ")
		)
	})?;
	Ok(u8::try_from(index)?)
}

/// A trade as JSON.
pub fn trade_json(id: TradeId, t: &ChainTrade) -> Value {
	json!({
		"trade": id,
		"buyer": t.buyer.to_string(),
		"seller": t.seller.as_ref().map(|s| s.to_string()),
		"producer": t.producer,
		"consumer": t.consumer,
		"producedField": t.produced_field,
		"consumedField": t.consumed_field,
		"price": t.price.to_string(),
		"cap": t.cap,
		"left": t.left.to_string(),
		"deposit": t.deposit.to_string(),
		"first": t.first,
		"last": t.last,
		"owed": t.owed.iter().map(|o| json!({ "settledIn": o.settled_in, "amount": o.amount.to_string() })).collect::<Vec<_>>(),
		"disputed": t.disputed,
	})
}

/// A trade in words.
pub fn trade_text(id: TradeId, t: &ChainTrade) -> String {
	let state = match (&t.seller, t.disputed) {
		(None, _) => "offered".to_string(),
		(Some(seller), None) => format!("accepted by {seller}"),
		(Some(seller), Some(epoch)) => format!("accepted by {seller}, disputed in epoch {epoch}"),
	};
	let owed: u128 = t.owed.iter().map(|o| o.amount).sum();
	format!(
		"trade {id}: meter {} sells to meter {} at {} a unit, at most {} units an epoch, epochs \
		 {} to {}; {state}; {} of the budget left, {} settled and owed",
		t.producer,
		t.consumer,
		dpn(t.price),
		t.cap,
		t.first,
		t.last,
		dpn(t.left),
		dpn(owed)
	)
}

/// An `EnergySettled` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
	pub trade: TradeId,
	pub epoch: EpochIndex,
	pub quantity: u64,
	pub amount: u128,
}

/// What a transaction did to trades, from its events.
#[derive(Clone, Debug, Default)]
pub struct TradeOutcome {
	/// Each epoch settled.
	pub settled: Vec<Settled>,
	/// `(trade, paid)` of each payment to a seller.
	pub paid: Vec<(TradeId, u128)>,
	/// `(device, epoch)` of each meter whose batch became a new baseline.
	pub resets: Vec<(u64, EpochIndex)>,
	/// `(trade, paid, refunded)` of each trade closed.
	pub closed: Vec<(TradeId, u128, u128)>,
}

/// The trades' events of `included`.
pub fn traded(included: &Included) -> Result<TradeOutcome> {
	use depin::sensors::events::{EnergySettled, RegisterReset, TradeClosed, TradePaid};
	let mut outcome = TradeOutcome::default();
	for event in included.events.find::<EnergySettled>() {
		let e = event?;
		outcome.settled.push(Settled {
			trade: e.trade,
			epoch: e.epoch,
			quantity: e.quantity,
			amount: e.amount,
		});
	}
	for event in included.events.find::<TradePaid>() {
		let e = event?;
		outcome.paid.push((e.trade, e.paid));
	}
	for event in included.events.find::<RegisterReset>() {
		let e = event?;
		outcome.resets.push((e.device, e.epoch));
	}
	for event in included.events.find::<TradeClosed>() {
		let e = event?;
		outcome.closed.push((e.trade, e.paid, e.refunded));
	}
	Ok(outcome)
}

impl TradeOutcome {
	/// Its lines of text.
	pub fn lines(&self) -> Vec<String> {
		let mut lines = Vec::new();
		for s in &self.settled {
			lines.push(format!(
				"trade {}: epoch {} settled {} unit(s) for {}, paid after the dispute window",
				s.trade,
				s.epoch,
				s.quantity,
				dpn(s.amount)
			));
		}
		for (trade, paid) in &self.paid {
			lines.push(format!("trade {trade}: {} paid to the seller", dpn(*paid)));
		}
		for (device, epoch) in &self.resets {
			lines.push(format!(
				"meter {device}: its batch of epoch {epoch} is a new baseline (it missed the epoch \
				 before, or a register went back): nothing settled"
			));
		}
		for (trade, paid, refunded) in &self.closed {
			lines.push(format!(
				"trade {trade} closed: {} paid, {} back to the buyer",
				dpn(*paid),
				dpn(*refunded)
			));
		}
		lines
	}

	pub fn json(&self) -> Value {
		json!({
			"settled": self.settled.iter().map(|s| json!({
				"trade": s.trade,
				"epoch": s.epoch,
				"quantity": s.quantity,
				"amount": s.amount.to_string(),
			})).collect::<Vec<_>>(),
			"paid": self.paid.iter().map(|(trade, paid)| json!({ "trade": trade, "paid": paid.to_string() })).collect::<Vec<_>>(),
			"resets": self.resets.iter().map(|(device, epoch)| json!({ "device": device, "epoch": epoch })).collect::<Vec<_>>(),
			"closed": self.closed.iter().map(|(trade, paid, refunded)| json!({ "trade": trade, "paid": paid.to_string(), "refunded": refunded.to_string() })).collect::<Vec<_>>(),
		})
	}
}

/// Submit `offer_trade` with `terms`, signed by the consuming meter's owner, until `wait`:
/// the trade's number and the block.
pub async fn offer(
	chain: &Chain,
	signer: &Keypair,
	terms: &TradeTerms<u128>,
	wait: Wait,
) -> Result<(TradeId, Included)> {
	let call = depin::tx().sensors().offer_trade(bridge(terms)?);
	let included = chain.submit_until(&call, signer, wait).await?;
	let offered = included
		.events
		.find_first::<depin::sensors::events::TradeOffered>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain reported no TradeOffered event"))?;
	Ok((offered.trade, included))
}

/// Offer an energy trade (`offer_trade`) as the consuming meter's owner: its budget and a
/// deposit are held.
pub async fn trade_offer(chain: &Chain, signer: &Keypair, order: &TradeOrder) -> Result<Report> {
	let most = constant(chain, depin::constants().sensors().max_subscription_epochs()).await?;
	if order.epochs == 0 || order.epochs > most {
		bail!("--epochs must be between 1 and {most}");
	}
	if order.price == 0 || order.budget == 0 || order.cap == 0 {
		bail!("a trade needs a price, a cap and a budget above 0");
	}
	let produced_field = field_of(chain, order.producer, &order.produced).await?;
	let consumed_field = field_of(chain, order.consumer, &order.consumed).await?;
	// From the next epoch by default: the offer's block may already be in the next one.
	let first = match order.first {
		Some(first) => first,
		None => chain.epoch().await?.index.saturating_add(1),
	};
	let terms = TradeTerms {
		consumer: order.consumer,
		producer: order.producer,
		produced_field,
		consumed_field,
		price: order.price,
		cap: order.cap,
		budget: order.budget,
		first,
		last: first.saturating_add(order.epochs.saturating_sub(1)),
	};
	let (offered, included) = offer(chain, signer, &terms, Wait::Finalized).await?;
	let trade = chain.energy_trade(offered).await?;
	let deposit = trade.as_ref().map_or(0, |t| t.deposit);
	Ok(Report::new(
		format!(
			"trade {} offered: meter {} buys from meter {} at {} a unit, at most {} units an \
			 epoch, epochs {} to {}; {} budget and {} deposit held; the producing meter's owner \
			 accepts it with `sensor trade accept --trade {}`",
			offered,
			order.consumer,
			order.producer,
			dpn(order.price),
			order.cap,
			terms.first,
			terms.last,
			dpn(order.budget),
			dpn(deposit),
			offered
		),
		json!({
			"event": "tradeOffered",
			"trade": offered,
			"consumer": order.consumer,
			"producer": order.producer,
			"producedField": produced_field,
			"consumedField": consumed_field,
			"price": order.price.to_string(),
			"cap": order.cap,
			"budget": order.budget.to_string(),
			"deposit": deposit.to_string(),
			"first": terms.first,
			"last": terms.last,
			"block": format!("{:?}", included.block),
		}),
	))
}

/// A trade the chain holds, or a clear error.
async fn open_trade(chain: &Chain, trade: TradeId) -> Result<ChainTrade> {
	chain
		.energy_trade(trade)
		.await?
		.ok_or_else(|| anyhow!("there is no open trade {trade} (never offered, or closed)"))
}

/// What a party may do to a trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TradeAction {
	/// `accept_trade`, by the producing meter's owner.
	Accept,
	/// `end_trade`, by a party or a meter's owner.
	End,
	/// `dispute_trade`, by a party.
	Dispute,
	/// `close_trade`, by anyone once it is over.
	Close,
}

/// Accept, end, dispute or close a trade.
pub async fn trade_action(
	chain: &Chain,
	signer: &Keypair,
	trade: TradeId,
	action: TradeAction,
) -> Result<Report> {
	let before = open_trade(chain, trade).await?;
	let sensors = depin::tx().sensors();
	let included = match action {
		TradeAction::Accept => chain.submit(&sensors.accept_trade(trade), signer).await?,
		TradeAction::End => chain.submit(&sensors.end_trade(trade), signer).await?,
		TradeAction::Dispute => chain.submit(&sensors.dispute_trade(trade), signer).await?,
		TradeAction::Close => chain.submit(&sensors.close_trade(trade), signer).await?,
	};
	let outcome = traded(&included)?;
	let after = chain.energy_trade(trade).await?;
	let (name, mut text) = match action {
		TradeAction::Accept => (
			"tradeAccepted",
			format!(
				"trade {trade} accepted: meter {} sells to meter {}, epochs {} to {}",
				before.producer, before.consumer, before.first, before.last
			),
		),
		TradeAction::End => {
			let ended = included
				.events
				.find_first::<depin::sensors::events::TradeEnded>()
				.transpose()?
				.map(|e| e.last);
			let text = match (&after, ended) {
				(None, _) => format!("trade {trade} ended and closed"),
				(Some(_), Some(last)) => format!(
					"trade {trade} ended: it settles nothing after epoch {last}; anyone may close \
					 it once its last dispute window is over"
				),
				(Some(_), None) => format!("trade {trade} ended"),
			};
			("tradeEnded", text)
		},
		TradeAction::Dispute => (
			"tradeDisputed",
			format!(
				"trade {trade} disputed: nothing more settles, and what is owed waits for the \
				 dispute origin's decision (or for the dispute to lapse)"
			),
		),
		TradeAction::Close => ("tradeClosed", format!("trade {trade} closed")),
	};
	for line in outcome.lines() {
		text.push('\n');
		text.push_str(&line);
	}
	Ok(Report::new(
		text,
		json!({
			"event": name,
			"trade": trade,
			"open": after.as_ref().map(|t| trade_json(trade, t)),
			"outcome": outcome.json(),
			"block": format!("{:?}", included.block),
		}),
	))
}

/// A trade by number, or the trades a meter is in.
pub async fn trade_show(
	chain: &Chain,
	trade: Option<TradeId>,
	meter: Option<u64>,
) -> Result<Report> {
	let trades = match (trade, meter) {
		(Some(trade), _) => vec![(trade, open_trade(chain, trade).await?)],
		(None, Some(meter)) => chain.meter_trades(meter).await?,
		(None, None) => bail!("name a trade (--trade) or a meter (--meter)"),
	};
	let mut lines: Vec<String> = trades.iter().map(|(id, t)| trade_text(*id, t)).collect();
	if lines.is_empty() {
		lines.push(format!("meter {} is in no trade", meter.unwrap_or_default()));
	}
	Ok(Report::new(
		lines.join("\n"),
		json!({
			"epoch": chain.epoch().await?.index,
			"trades": trades.iter().map(|(id, t)| trade_json(*id, t)).collect::<Vec<_>>(),
		}),
	))
}
