//! Energy trades: a producing meter and a consuming meter in one home cell, settled from both
//! meters' audited registers.
//!
//! - **Registers.** A trade's fields are registers: the watt-hours a meter produced (or
//!   consumed) since it was installed, which only grow. Every audit reveals a batch's last
//!   reading (`Pallet::sampled` always asks for it) with its Merkle path under the device's
//!   signed root, so what a meter says it produced over an epoch is the advance of its own
//!   signed register since its previous audited batch, not a summary it could state freely.
//!   A batch whose trade field goes back (below the previous audit's register, or below an
//!   earlier reading of the batch), or whose meter was not audited in the epoch before, settles
//!   nothing and is a new baseline (`RegisterReset`): energy a meter did not attest in its
//!   epoch is never sold later. (No slash: nothing in a schema says which fields are
//!   registers, and a reset meter only loses the epoch.)
//! - **Offer.** The consuming meter's owner (the buyer) offers a price a unit for a span of
//!   epochs, at most `cap` units an epoch, with a held budget. The producing meter's owner (the
//!   seller) accepts it. The two meters are sensor devices enrolled under schemas whose chosen
//!   fields have one unit and one scale, in one home cell. A consuming meter buys in one
//!   accepted trade at a time, so its consumption cannot be routed to a sham seller first.
//! - **Settlement.** When the audits of both meters' batches of an epoch in the span have
//!   passed, the epoch settles: `min(produced, consumed, cap) × price`, at most what is left of
//!   the budget, where produced and consumed are the registers' advances not yet settled in
//!   another trade (a meter's energy is sold once, however many trades it is in). A meter that
//!   inflates what it produced is bounded by what the other consumed, and the other way round.
//!   An epoch either meter did not attest, or attested and failed, settles nothing; the first
//!   audited batch after a meter enters a trade is its baseline.
//! - **Disputes.** A settled epoch stays held for [`Config::TradeDisputeEpochs`] epochs before
//!   it is paid (at the meters' next audits, when a party ends or disputes the trade, or when it
//!   closes). Either party may dispute the trade: what is ripe is paid first, then nothing more
//!   settles, and the dispute origin decides how much of what is owed the seller is paid, the
//!   rest going back to the buyer. An undecided dispute lapses a dispute window later: the
//!   meters' word stands and anyone closes the trade. Payments follow the rule of every kind
//!   rewarded for usage (`depin_proving::usage`): the protocol fee [`Config::DataFee`] is burned
//!   and is the producing meter's points in the sensor pool, so a producer trading with itself
//!   burns at least what the pool gives back.
//! - **Ending.** Either party (or either meter's owner) ends a trade: an offer closes at once;
//!   an accepted trade settles no epoch after the current one, and anyone closes it once the last
//!   settlement's window is over, paying what is owed and refunding the rest. A meter in a trade
//!   is not sold, moved or withdrawn, so the parties and the cell stay what was agreed.

use crate::{pallet::*, types::*, BalanceOf, EnergyTradeOf, PendingOf, TradeTermsOf};
use alloc::vec::Vec;
use depin_proving::{devices, usage, ProvingEpochs};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::{DepositConsequence, Precision, Provenance},
	},
};
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry};
use sp_runtime::traits::{
	CheckedAdd, CheckedDiv, CheckedMul, Saturating, UniqueSaturatedInto, Zero,
};

/// A meter's trades and its state after an audit, before they settle.
pub(crate) type MeterAudit<T> = (Vec<(TradeId, EnergyTradeOf<T>)>, MeterState);

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

	/// `device` is an active sensor owned by `who` (a manager may run a meter, but only its
	/// owner commits it to a trade: the trade holds the meter where it is).
	fn owned_meter(device: DeviceId, who: &T::AccountId) -> DispatchResult {
		let record =
			devices::usable_device::<_, T::Registry>(device, Some(who), DeviceKind::Sensor)
				.map_err(Error::<T>::from)?;
		ensure!(record.owner == *who, Error::<T>::NotMeterOwner);
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

	/// Remove `id` from `device`'s trades; a meter in no trade any more forgets its registers.
	fn unindex_trade(device: DeviceId, id: TradeId) {
		DeviceTrades::<T>::mutate_exists(device, |ids| {
			if let Some(list) = ids {
				list.retain(|other| *other != id);
				if list.is_empty() {
					*ids = None;
					Meters::<T>::remove(device);
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
		Self::owned_meter(consumer, &who)?;
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
				owed: Default::default(),
				disputed: None,
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
		Self::owned_meter(trade.producer, &who)?;
		// Paying oneself moves nothing but the fee.
		ensure!(who != trade.buyer, Error::<T>::SelfTrade);
		ensure!(T::Epochs::current().index <= trade.last, Error::<T>::InvalidSpan);
		// One supplier a consuming meter at a time: its advance is shared across its trades, so a
		// second accepted trade could take it from the first.
		let buying = DeviceTrades::<T>::get(trade.consumer).is_some_and(|ids| {
			ids.iter().any(|other| {
				Trades::<T>::get(other)
					.is_some_and(|t| t.seller.is_some() && t.consumer == trade.consumer)
			})
		});
		ensure!(!buying, Error::<T>::MeterBuying);
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

	/// Whether `who` is a party: the buyer, the seller, or the owner of either meter (who may
	/// decline an offer made to its meter, or end a trade its meter is held in).
	fn is_party(trade: &EnergyTradeOf<T>, who: &T::AccountId) -> bool {
		trade.buyer == *who
			|| trade.seller.as_ref() == Some(who)
			|| [trade.producer, trade.consumer]
				.into_iter()
				.any(|device| T::Registry::owner(device).as_ref() == Some(who))
	}

	pub(crate) fn do_end_trade(who: T::AccountId, id: TradeId) -> DispatchResult {
		let mut trade = Trades::<T>::get(id).ok_or(Error::<T>::UnknownTrade)?;
		ensure!(Self::is_party(&trade, &who), Error::<T>::NotTradeParty);
		ensure!(trade.disputed.is_none(), Error::<T>::TradeDisputed);
		let current = T::Epochs::current().index;
		if trade.seller.is_none() || current < trade.first {
			// Nothing settled, and nothing will.
			let refunded = Self::close_trade_now(id, &trade, Zero::zero())?;
			Self::deposit_event(Event::TradeClosed { trade: id, paid: Zero::zero(), refunded });
			return Ok(());
		}
		ensure!(current < trade.last, Error::<T>::TradeEnding);
		trade.last = current;
		Self::pay_ripe(id, &mut trade, current);
		Trades::<T>::insert(id, trade);
		Self::deposit_event(Event::TradeEnded { trade: id, last: current });
		Ok(())
	}

	/// Whether `trade`'s dispute has lapsed by `epoch`: raised a dispute window or more ago.
	pub fn dispute_lapsed(trade: &EnergyTradeOf<T>, epoch: EpochIndex) -> bool {
		trade.disputed.is_some_and(|at| epoch >= at.saturating_add(T::TradeDisputeEpochs::get()))
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
		let current = T::Epochs::current().index;
		if trade.disputed.is_some() {
			ensure!(Self::dispute_lapsed(&trade, current), Error::<T>::TradeDisputed);
		} else {
			ensure!(Self::trade_over(&trade, current), Error::<T>::TradeRunning);
		}
		let paid = Self::pay_seller(&trade, Self::owed_sum(&trade));
		let refunded = Self::close_trade_now(id, &trade, paid)?;
		Self::deposit_event(Event::TradeClosed { trade: id, paid, refunded });
		Ok(())
	}

	pub(crate) fn do_dispute_trade(who: T::AccountId, id: TradeId) -> DispatchResult {
		let mut trade = Trades::<T>::get(id).ok_or(Error::<T>::UnknownTrade)?;
		ensure!(trade.seller.is_some(), Error::<T>::TradeNotAccepted);
		ensure!(Self::is_party(&trade, &who), Error::<T>::NotTradeParty);
		ensure!(trade.disputed.is_none(), Error::<T>::TradeDisputed);
		let current = T::Epochs::current().index;
		ensure!(!Self::trade_over(&trade, current), Error::<T>::TradeOver);
		// What is past its window is the seller's: a dispute holds back what is not.
		Self::pay_ripe(id, &mut trade, current);
		trade.disputed = Some(current);
		Trades::<T>::insert(id, trade);
		Self::deposit_event(Event::TradeDisputed { trade: id, by: who });
		Ok(())
	}

	pub(crate) fn do_resolve_trade(id: TradeId, pay: BalanceOf<T>) -> DispatchResult {
		let trade = Trades::<T>::get(id).ok_or(Error::<T>::UnknownTrade)?;
		ensure!(trade.disputed.is_some(), Error::<T>::NotDisputed);
		let paid = Self::pay_seller(&trade, pay.min(Self::owed_sum(&trade)));
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

	/// What `trade` owes in settlements not paid yet.
	fn owed_sum(trade: &EnergyTradeOf<T>) -> BalanceOf<T> {
		// Bounded by the budget, which is held: the sum of its parts.
		trade.owed.iter().fold(Zero::zero(), |sum, o| sum.saturating_add(o.amount))
	}

	/// What the buyer holds for `trade`: its budget left, owed settlements and deposit.
	pub fn trade_held(trade: &EnergyTradeOf<T>) -> BalanceOf<T> {
		trade.left.saturating_add(trade.deposit).saturating_add(Self::owed_sum(trade))
	}

	/// Pay the seller `amount` of the buyer's hold, less `DataFee` of it, burned and reported
	/// as the producing meter's usage. Returns what moved, the fee included.
	fn pay_seller(trade: &EnergyTradeOf<T>, amount: BalanceOf<T>) -> BalanceOf<T> {
		let Some(seller) = &trade.seller else { return Zero::zero() };
		if amount.is_zero() {
			return Zero::zero();
		}
		let fee = T::DataFee::get().mul_floor(amount);
		// A seller that cannot take the payment now (an account that would not exist) is paid
		// later: nothing moves, no fee is burned, and it stays owed.
		let share = amount.saturating_sub(fee);
		if !share.is_zero()
			&& T::Currency::can_deposit(seller, share, Provenance::Extant)
				!= DepositConsequence::Success
		{
			return Zero::zero();
		}
		let moved = usage::pay_from_hold::<_, T::Currency, T::FeeDestination>(
			&HoldReason::Trade.into(),
			&trade.buyer,
			seller,
			share,
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

	/// Pay `trade`'s settlements whose dispute window is over by `now`. What could not be
	/// moved (the seller's account could not take it) stays owed.
	fn pay_ripe(id: TradeId, trade: &mut EnergyTradeOf<T>, now: EpochIndex) {
		let window = T::TradeDisputeEpochs::get();
		let mut due = BalanceOf::<T>::zero();
		let mut oldest = None;
		trade.owed.retain(|o| {
			let ripe = now >= o.settled_in.saturating_add(window);
			if ripe {
				due = due.saturating_add(o.amount);
				oldest = oldest.or(Some(o.settled_in));
			}
			!ripe
		});
		let Some(settled_in) = oldest else { return };
		let paid = Self::pay_seller(trade, due);
		let short = due.saturating_sub(paid);
		if !short.is_zero() {
			// Room: at least one entry was just taken out.
			let _ = trade.owed.try_insert(0, Owed { settled_in, amount: short });
		}
		Self::deposit_event(Event::TradePaid { trade: id, paid });
	}

	/// The fields `device`'s trades settle on: its produced field in the trades it sells in,
	/// its consumed field in those it buys in.
	fn trade_fields(device: DeviceId, trades: &[(TradeId, EnergyTradeOf<T>)]) -> Vec<u8> {
		let mut fields: Vec<u8> = trades
			.iter()
			.map(|(_, t)| if t.producer == device { t.produced_field } else { t.consumed_field })
			.collect();
		fields.sort_unstable();
		fields.dedup();
		fields
	}

	/// Whether `readings` (sampled from one batch, with its last one) break `fields` registers:
	/// a value of those fields below `floor` (the previous audit's registers) or below an
	/// earlier reading of the batch. Returns the first reading that breaks them.
	fn breaks_registers<'a>(
		readings: &'a [RevealedReading],
		fields: &[u8],
		floor: Option<&Values>,
	) -> Option<&'a RevealedReading> {
		let mut by_index: Vec<&RevealedReading> = readings.iter().collect();
		by_index.sort_by_key(|r| r.index);
		for &field in fields {
			let at = usize::from(field);
			let mut low = floor.and_then(|f| f.get(at).copied()).unwrap_or(i64::MIN);
			for reading in &by_index {
				let value = reading.values.get(at).copied().unwrap_or(i64::MIN);
				if value < low {
					return Some(reading);
				}
				low = value;
			}
		}
		None
	}

	/// The registers of `device`'s batch `pending`, whose `readings` (its last among them)
	/// passed its audit, if it is a meter in trades: its trades and its new state. The
	/// registers' advance over the meter's previous batch is what it may settle, if that batch
	/// was of the epoch before and no trade field went back (below the previous registers, or
	/// below an earlier reading of the batch); else the batch is a new baseline
	/// (`RegisterReset`) and settles nothing. `None` if it is in no trade.
	pub(crate) fn meter_registers(
		device: DeviceId,
		pending: &PendingOf<T>,
		readings: &[RevealedReading],
	) -> Option<MeterAudit<T>> {
		let ids = DeviceTrades::<T>::get(device)?;
		let trades: Vec<(TradeId, EnergyTradeOf<T>)> =
			ids.into_iter().filter_map(|id| Trades::<T>::get(id).map(|t| (id, t))).collect();
		let last = readings.iter().find(|r| r.index.saturating_add(1) == pending.count)?;
		let fields = Self::trade_fields(device, &trades);
		let previous = Meters::<T>::get(device).filter(|p| {
			let consecutive = p.epoch.saturating_add(1) == pending.epoch;
			let kept = Self::breaks_registers(readings, &fields, Some(&p.registers)).is_none();
			if !(consecutive && kept) {
				Self::deposit_event(Event::RegisterReset { device, epoch: pending.epoch });
			}
			consecutive && kept
		});
		// The registers' advance since the previous audited batch: the energy of this one.
		let left = last
			.values
			.iter()
			.enumerate()
			.map(|(i, &value)| {
				let before = previous.as_ref().and_then(|p| p.registers.get(i).copied());
				before.map_or(0, |before| {
					u64::try_from(i128::from(value).saturating_sub(i128::from(before))).unwrap_or(0)
				})
			})
			.collect::<Vec<_>>();
		let state = MeterState {
			epoch: pending.epoch,
			registers: last.values.clone(),
			left: BoundedVec::truncate_from(left),
		};
		Some((trades, state))
	}

	/// Record meter `device`'s new state `mine` after its audited batch of `epoch`, pay its
	/// trades what is ripe by `now`, and settle each whose other meter's batch of `epoch` has
	/// passed too.
	pub(crate) fn meter_settle(
		device: DeviceId,
		epoch: EpochIndex,
		(trades, mut mine): MeterAudit<T>,
		now: EpochIndex,
	) {
		for (id, mut trade) in trades {
			if trade.disputed.is_none() {
				Self::pay_ripe(id, &mut trade, now);
			}
			let open = trade.seller.is_some()
				&& trade.disputed.is_none()
				&& (trade.first..=trade.last).contains(&epoch);
			let (other, my_field, their_field) = if trade.producer == device {
				(trade.consumer, trade.produced_field, trade.consumed_field)
			} else {
				(trade.producer, trade.consumed_field, trade.produced_field)
			};
			if open {
				if let Some(mut theirs) = Meters::<T>::get(other).filter(|m| m.epoch == epoch) {
					let available = |m: &MeterState, field: u8| {
						m.left.get(usize::from(field)).copied().unwrap_or(0)
					};
					let quantity = available(&mine, my_field)
						.min(available(&theirs, their_field))
						.min(trade.cap);
					let settled = Self::settle(id, &mut trade, epoch, quantity, now);
					for (state, field) in [(&mut mine, my_field), (&mut theirs, their_field)] {
						if let Some(units) = state.left.get_mut(usize::from(field)) {
							*units = units.saturating_sub(settled);
						}
					}
					Meters::<T>::insert(other, theirs);
				}
			}
			Trades::<T>::insert(id, trade);
		}
		Meters::<T>::insert(device, mine);
	}

	/// Settle `epoch` of `trade` at `quantity` units in epoch `now`: hold `quantity × price`
	/// (at most the budget left, in whole units) as owed. Returns the units settled.
	fn settle(
		id: TradeId,
		trade: &mut EnergyTradeOf<T>,
		epoch: EpochIndex,
		quantity: u64,
		now: EpochIndex,
	) -> u64 {
		if quantity == 0 || trade.price.is_zero() {
			return 0;
		}
		// Never more than is left: the units the budget still buys.
		let affordable: u64 =
			trade.left.checked_div(&trade.price).unwrap_or_default().unique_saturated_into();
		let quantity = quantity.min(affordable);
		let Some(amount) = BalanceOf::<T>::try_from(quantity)
			.ok()
			.and_then(|q| q.checked_mul(&trade.price))
			.filter(|amount| !amount.is_zero())
		else {
			return 0;
		};
		let merged = trade.owed.last_mut().filter(|o| o.settled_in == now).map(|o| {
			o.amount = o.amount.saturating_add(amount);
		});
		if merged.is_none() && trade.owed.try_push(Owed { settled_in: now, amount }).is_err() {
			// The window's settlements fill the bound only if the window is longer than the
			// bound allows (`integrity_test`); then this epoch is not settled.
			return 0;
		}
		trade.left = trade.left.saturating_sub(amount);
		Self::deposit_event(Event::EnergySettled { trade: id, epoch, quantity, amount });
		quantity
	}

	/// Whether `device` is a meter in a trade (offered or accepted).
	pub fn in_trade(device: DeviceId) -> bool {
		DeviceTrades::<T>::contains_key(device)
	}

	/// Every trade is indexed under its meters (the producer once accepted) and every indexed
	/// one exists; only meters in trades keep registers; each buyer's trade hold is what its
	/// trades hold.
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
		for (device, _) in Meters::<T>::iter() {
			ensure!(Self::in_trade(device), "only a meter in a trade keeps its registers");
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
