//! Energy trades: a producing meter and a consuming meter in one home cell, settled from both
//! meters' audited batches.
//!
//! - **Offer.** An operator of the consuming meter (the buyer) offers a price a unit for a span
//!   of epochs, at most `cap` units an epoch, with a held budget. An operator of the producing
//!   meter (the seller) accepts it. The two meters are sensor devices enrolled under schemas
//!   whose chosen fields (the producer's produced, the consumer's consumed) have one unit and
//!   one scale, in one home cell.
//! - **Settlement.** When a meter's batch of an epoch in the span passes its audit, its field's
//!   total (mean × count) is noted; when the other meter's batch of the same epoch passes too,
//!   the epoch settles: `min(produced, consumed, cap) × price`, at most what is left of the
//!   budget. A meter that inflates what it produced is bounded by what the other consumed, and
//!   the other way round: neither meter alone sets what changes hands. An epoch either meter
//!   did not attest, or attested and failed, settles nothing.
//! - **Disputes.** A settled epoch stays held for [`Config::TradeDisputeEpochs`] epochs before
//!   it is paid (at a later settlement, or when the trade closes). Either party may dispute the
//!   trade meanwhile: nothing more settles or is paid, and the dispute origin decides what the
//!   seller is paid of everything held for it, the rest going back to the buyer. Payments
//!   follow the rule of every kind rewarded for usage (`depin_proving::usage`): the protocol
//!   fee [`Config::DataFee`] is burned and is the producing meter's points in the sensor pool,
//!   so a producer trading with itself burns at least what the pool gives back.
//! - **Ending.** Either party ends a trade: an offer closes at once; an accepted trade settles
//!   no epoch after the current one, and anyone closes it once the last settlement's window is
//!   over, paying what is owed and refunding the rest. A meter in a trade is not sold, moved or
//!   removed, so the parties and the cell stay what was agreed.

use crate::{pallet::*, types::*, BalanceOf, EnergyTradeOf, PendingOf, TradeTermsOf};
use depin_proving::{devices, usage, ProvingEpochs};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry};
use sp_runtime::traits::{CheckedAdd, Saturating, Zero};

/// One meter's side of a trade.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
	Producer,
	Consumer,
}

impl<T: Config> Pallet<T> {
	/// The field `field` of the schema `device` is enrolled under, if it has one.
	fn meter_field(device: DeviceId, field: u8) -> Result<Field, DispatchError> {
		let state = Sensors::<T>::get(device).ok_or(Error::<T>::NotEnrolled)?;
		let schema = Self::live_schema(state.schema)?;
		Ok(schema.fields.get(usize::from(field)).cloned().ok_or(Error::<T>::WrongField)?)
	}

	/// The home cell of a registered device.
	fn home_of_device(device: DeviceId) -> Result<H3Cell, DispatchError> {
		let record = T::Registry::device(device).ok_or(Error::<T>::UnknownDevice)?;
		Ok(Self::home_of(record.location))
	}

	/// Whether two meters can trade: both enrolled under live schemas that have the chosen
	/// fields, of one unit and scale, in one home cell.
	fn check_meters(
		producer: DeviceId,
		produced_field: u8,
		consumer: DeviceId,
		consumed_field: u8,
	) -> DispatchResult {
		let produced = Self::meter_field(producer, produced_field)?;
		let consumed = Self::meter_field(consumer, consumed_field)?;
		ensure!(
			produced.unit == consumed.unit && produced.decimals == consumed.decimals,
			Error::<T>::WrongField
		);
		ensure!(
			Self::home_of_device(producer)? == Self::home_of_device(consumer)?,
			Error::<T>::NotInOneCell
		);
		Ok(())
	}

	/// Add `id` to `device`'s trades.
	fn index_trade(device: DeviceId, id: TradeId) -> DispatchResult {
		DeviceTrades::<T>::try_mutate(device, |ids| {
			ids.get_or_insert_with(Default::default)
				.try_push(id)
				.map_err(|_| Error::<T>::TooManyTrades.into())
		})
	}

	/// Remove `id` from `device`'s trades.
	fn unindex_trade(device: DeviceId, id: TradeId) {
		DeviceTrades::<T>::mutate_exists(device, |ids| {
			if let Some(list) = ids {
				list.retain(|other| *other != id);
				if list.is_empty() {
					*ids = None;
				}
			}
		});
	}

	pub(crate) fn do_offer_trade(who: T::AccountId, terms: TradeTermsOf<T>) -> DispatchResult {
		let TradeTerms {
			consumer,
			producer,
			produced_field,
			consumed_field,
			price,
			cap,
			budget,
			first,
			last,
		} = terms;
		devices::usable_device::<_, T::Registry>(consumer, Some(&who), DeviceKind::Sensor)
			.map_err(Error::<T>::from)?;
		devices::usable_device::<_, T::Registry>(producer, None, DeviceKind::Sensor)
			.map_err(Error::<T>::from)?;
		ensure!(producer != consumer, Error::<T>::SameMeter);
		Self::check_meters(producer, produced_field, consumer, consumed_field)?;
		ensure!(!price.is_zero() && !budget.is_zero() && cap > 0, Error::<T>::EmptyTrade);
		Self::check_span(first, last)?;
		let deposit = T::TradeDeposit::get();
		let held = budget.checked_add(&deposit).ok_or(Error::<T>::Overflow)?;
		let id = NextTrade::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;

		Self::index_trade(consumer, id)?;
		T::Currency::hold(&HoldReason::Trade.into(), &who, held)?;
		NextTrade::<T>::put(next);
		Trades::<T>::insert(
			id,
			EnergyTrade {
				buyer: who.clone(),
				seller: None,
				producer,
				consumer,
				produced_field,
				consumed_field,
				price,
				cap,
				left: budget,
				deposit,
				first,
				last,
				produced: None,
				consumed: None,
				owed: Default::default(),
				disputed: false,
			},
		);
		Self::deposit_event(Event::TradeOffered {
			trade: id,
			buyer: who,
			producer,
			consumer,
			price,
			cap,
			budget,
			first,
			last,
		});
		Ok(())
	}

	pub(crate) fn do_accept_trade(who: T::AccountId, id: TradeId) -> DispatchResult {
		let mut trade = Trades::<T>::get(id).ok_or(Error::<T>::UnknownTrade)?;
		ensure!(trade.seller.is_none(), Error::<T>::TradeAccepted);
		devices::usable_device::<_, T::Registry>(trade.producer, Some(&who), DeviceKind::Sensor)
			.map_err(Error::<T>::from)?;
		// Paying oneself moves nothing but the fee.
		ensure!(who != trade.buyer, Error::<T>::SelfTrade);
		ensure!(T::Epochs::current().index <= trade.last, Error::<T>::InvalidSpan);
		// The producer may have moved or changed schema since the offer.
		Self::check_meters(
			trade.producer,
			trade.produced_field,
			trade.consumer,
			trade.consumed_field,
		)?;
		Self::index_trade(trade.producer, id)?;
		trade.seller = Some(who.clone());
		Trades::<T>::insert(id, trade);
		Self::deposit_event(Event::TradeAccepted { trade: id, seller: who });
		Ok(())
	}

	/// Whether `who` is a party: the buyer, the seller, or (for an offer) an operator of the
	/// producing meter, who may decline it.
	fn is_party(trade: &EnergyTradeOf<T>, who: &T::AccountId) -> bool {
		trade.buyer == *who
			|| match &trade.seller {
				Some(seller) => seller == who,
				None => T::Registry::device(trade.producer).is_some_and(|d| d.is_operator(who)),
			}
	}

	pub(crate) fn do_end_trade(who: T::AccountId, id: TradeId) -> DispatchResult {
		let mut trade = Trades::<T>::get(id).ok_or(Error::<T>::UnknownTrade)?;
		ensure!(Self::is_party(&trade, &who), Error::<T>::NotTradeParty);
		ensure!(!trade.disputed, Error::<T>::TradeDisputed);
		let current = T::Epochs::current().index;
		if trade.seller.is_none() || current < trade.first {
			// Nothing settled, and nothing will.
			let refunded = Self::close_trade_now(id, &trade, Zero::zero())?;
			Self::deposit_event(Event::TradeClosed { trade: id, paid: Zero::zero(), refunded });
			return Ok(());
		}
		ensure!(current < trade.last, Error::<T>::TradeEnding);
		trade.last = current;
		Trades::<T>::insert(id, trade);
		Self::deposit_event(Event::TradeEnded { trade: id, last: current });
		Ok(())
	}

	/// Whether every settlement of `trade` is made and past its dispute window by `epoch`, or
	/// it was never accepted and its span is over.
	pub fn trade_over(trade: &EnergyTradeOf<T>, epoch: EpochIndex) -> bool {
		match trade.seller {
			None => epoch > trade.last,
			Some(_) => {
				epoch
					> trade
						.last
						.saturating_add(AUDIT_EPOCHS)
						.saturating_add(T::TradeDisputeEpochs::get())
			},
		}
	}

	pub(crate) fn do_close_trade(id: TradeId) -> DispatchResult {
		let trade = Trades::<T>::get(id).ok_or(Error::<T>::UnknownTrade)?;
		ensure!(!trade.disputed, Error::<T>::TradeDisputed);
		ensure!(Self::trade_over(&trade, T::Epochs::current().index), Error::<T>::TradeRunning);
		let owed = trade.owed.iter().fold(BalanceOf::<T>::zero(), |sum, o| {
			// Bounded by the budget, which is held: the sum of its parts.
			sum.saturating_add(o.amount)
		});
		let paid = Self::pay_seller(&trade, owed);
		let refunded = Self::close_trade_now(id, &trade, paid)?;
		Self::deposit_event(Event::TradeClosed { trade: id, paid, refunded });
		Ok(())
	}

	pub(crate) fn do_dispute_trade(who: T::AccountId, id: TradeId) -> DispatchResult {
		let mut trade = Trades::<T>::get(id).ok_or(Error::<T>::UnknownTrade)?;
		ensure!(trade.seller.is_some(), Error::<T>::TradeNotAccepted);
		ensure!(Self::is_party(&trade, &who), Error::<T>::NotTradeParty);
		ensure!(!trade.disputed, Error::<T>::TradeDisputed);
		trade.disputed = true;
		Trades::<T>::insert(id, trade);
		Self::deposit_event(Event::TradeDisputed { trade: id, by: who });
		Ok(())
	}

	pub(crate) fn do_resolve_trade(id: TradeId, pay: BalanceOf<T>) -> DispatchResult {
		let trade = Trades::<T>::get(id).ok_or(Error::<T>::UnknownTrade)?;
		ensure!(trade.disputed, Error::<T>::NotDisputed);
		// Everything held for it but the deposit.
		let held = Self::trade_held(&trade).saturating_sub(trade.deposit);
		let paid = Self::pay_seller(&trade, pay.min(held));
		let refunded = Self::close_trade_now(id, &trade, paid)?;
		Self::deposit_event(Event::TradeClosed { trade: id, paid, refunded });
		Ok(())
	}

	/// Forget trade `id` and release what its buyer still holds for it, once `paid` of that
	/// went to the seller: the rest of its budget and owed settlements, and the deposit.
	/// Returns what was released.
	fn close_trade_now(
		id: TradeId,
		trade: &EnergyTradeOf<T>,
		paid: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		Trades::<T>::remove(id);
		Self::unindex_trade(trade.consumer, id);
		Self::unindex_trade(trade.producer, id);
		let held = Self::trade_held(trade).saturating_sub(paid);
		let released = T::Currency::release(
			&HoldReason::Trade.into(),
			&trade.buyer,
			held,
			Precision::BestEffort,
		)?;
		Ok(released)
	}

	/// What the buyer holds for `trade`: its budget left, owed settlements and deposit.
	pub fn trade_held(trade: &EnergyTradeOf<T>) -> BalanceOf<T> {
		trade
			.owed
			.iter()
			.fold(trade.left.saturating_add(trade.deposit), |sum, o| sum.saturating_add(o.amount))
	}

	/// Pay the seller `amount` of the buyer's hold, less `DataFee` of it, burned and reported
	/// as the producing meter's usage. Returns what moved, the fee included.
	fn pay_seller(trade: &EnergyTradeOf<T>, amount: BalanceOf<T>) -> BalanceOf<T> {
		let Some(seller) = &trade.seller else { return Zero::zero() };
		if amount.is_zero() {
			return Zero::zero();
		}
		let fee = T::DataFee::get().mul_floor(amount);
		let moved = usage::pay_from_hold::<_, T::Currency, T::FeeDestination>(
			&HoldReason::Trade.into(),
			&trade.buyer,
			seller,
			amount.saturating_sub(fee),
			fee,
		);
		if !moved.fee.is_zero() {
			usage::report::<T::OnProofAccepted, _>(
				trade.producer,
				DeviceKind::Sensor,
				T::Epochs::current().index,
				moved.fee,
				T::FeePerPoint::get(),
			);
		}
		moved.paid.saturating_add(moved.fee)
	}

	/// Note `device`'s audited `pending` batch in its trades, and settle each trade whose other
	/// meter's batch of the same epoch passed too; pay settlements whose dispute window is over.
	pub(crate) fn meter_audited(device: DeviceId, pending: &PendingOf<T>, now: EpochIndex) {
		let Some(ids) = DeviceTrades::<T>::get(device) else { return };
		for id in ids {
			let Some(mut trade) = Trades::<T>::get(id) else { continue };
			if trade.seller.is_none()
				|| trade.disputed
				|| pending.epoch < trade.first
				|| pending.epoch > trade.last
			{
				continue;
			}
			let (side, field) = if trade.producer == device {
				(Side::Producer, trade.produced_field)
			} else {
				(Side::Consumer, trade.consumed_field)
			};
			let Some(summary) = pending.summaries.get(usize::from(field)) else { continue };
			let quantity =
				u64::try_from(summary.total(pending.count)).unwrap_or(u64::MAX).min(trade.cap);
			let mine = Metered { epoch: pending.epoch, quantity };
			let theirs = match side {
				Side::Producer => trade.consumed,
				Side::Consumer => trade.produced,
			};
			match theirs.filter(|m| m.epoch == pending.epoch) {
				Some(other) => {
					trade.produced = None;
					trade.consumed = None;
					Self::settle(
						id,
						&mut trade,
						mine.epoch,
						mine.quantity.min(other.quantity),
						now,
					);
				},
				None => match side {
					Side::Producer => trade.produced = Some(mine),
					Side::Consumer => trade.consumed = Some(mine),
				},
			}
			Trades::<T>::insert(id, trade);
		}
	}

	/// Settle `epoch` of `trade` at `quantity` units in epoch `now`: pay what is owed past its
	/// window, then hold `quantity × price` (at most the budget left) as owed.
	fn settle(
		id: TradeId,
		trade: &mut EnergyTradeOf<T>,
		epoch: EpochIndex,
		quantity: u64,
		now: EpochIndex,
	) {
		let window = T::TradeDisputeEpochs::get();
		let mut due = BalanceOf::<T>::zero();
		trade.owed.retain(|o| {
			let ripe = now >= o.settled_in.saturating_add(window);
			if ripe {
				// Bounded by the budget, which is held.
				due = due.saturating_add(o.amount);
			}
			!ripe
		});
		if !due.is_zero() {
			let paid = Self::pay_seller(trade, due);
			Self::deposit_event(Event::TradePaid { trade: id, paid });
		}
		// Never more than is left: the product is bounded by the budget, not saturated.
		let amount = BalanceOf::<T>::try_from(quantity)
			.ok()
			.and_then(|q| q.checked_mul(&trade.price))
			.map_or(trade.left, |cost| cost.min(trade.left));
		if amount.is_zero() {
			return;
		}
		let merged = trade.owed.last_mut().filter(|o| o.settled_in == now).map(|o| {
			o.amount = o.amount.saturating_add(amount);
		});
		if merged.is_none() && trade.owed.try_push(Owed { settled_in: now, amount }).is_err() {
			// The window's settlements fill the bound only if the window is longer than the
			// bound allows (`integrity_test`); then this epoch is not settled.
			return;
		}
		trade.left = trade.left.saturating_sub(amount);
		Self::deposit_event(Event::EnergySettled { trade: id, epoch, quantity, amount });
	}

	/// Whether `device` is a meter in a trade (offered or accepted).
	pub fn in_trade(device: DeviceId) -> bool {
		DeviceTrades::<T>::contains_key(device)
	}

	/// Every trade is indexed under its meters (the producer once accepted) and every indexed
	/// one exists; each buyer's trade hold is what its trades hold.
	pub fn trades_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let next = NextTrade::<T>::get();
		let mut held: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> = Default::default();
		let window = T::TradeDisputeEpochs::get();
		for (id, trade) in Trades::<T>::iter() {
			ensure!(id < next, "a trade's number is below NextTrade");
			ensure!(trade.first <= trade.last, "a trade's span is ordered");
			let listed =
				|device| DeviceTrades::<T>::get(device).is_some_and(|ids| ids.contains(&id));
			ensure!(listed(trade.consumer), "a trade is listed under its consuming meter");
			ensure!(
				listed(trade.producer) == trade.seller.is_some(),
				"an accepted trade, and only one, is listed under its producing meter"
			);
			ensure!(
				trade
					.owed
					.iter()
					.zip(trade.owed.iter().skip(1))
					.all(|(a, b)| a.settled_in < b.settled_in),
				"owed settlements are in order"
			);
			ensure!(
				trade.owed.len() as u32 <= window.saturating_add(1),
				"owed settlements are within the window"
			);
			let sum = held.entry(trade.buyer.clone()).or_default();
			*sum = sum.saturating_add(Self::trade_held(&trade));
		}
		for (device, ids) in DeviceTrades::<T>::iter() {
			ensure!(!ids.is_empty(), "a meter's trade list is stored with a trade");
			for id in ids {
				ensure!(
					Trades::<T>::get(id)
						.is_some_and(|t| t.consumer == device || t.producer == device),
					"a listed trade exists, with that meter"
				);
			}
		}
		for (buyer, sum) in held {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::Trade.into(), &buyer) == sum,
				"a buyer's trade hold is what its trades hold"
			);
		}
		Ok(())
	}
}
