//! Data buyers: subscriptions to a schema's data in an area, paid at each audit there.
//!
//! A sale follows the rule of every kind rewarded for usage (`depin_proving::usage`): the
//! payment moves out of the buyer's hold to the device's owner less the protocol fee, which is
//! burned; the fee, in whole `FeePerPoint`s, is the device's points in the sensor pool, and the
//! emission pallet pays them at most the fee. Data nobody buys earns nothing, and a provider
//! buying its own data burns at least what the pool gives back.

use crate::{pallet::*, types::*, AreaSubscriptionsOf, BalanceOf, PendingOf, SubscriptionOf};
use depin_proving::{usage, ProvingEpochs};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use pallet_devices::{DeviceId, DeviceKind};
use sp_runtime::traits::{CheckedAdd, CheckedMul, Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// The area of a home cell: its parent at `AreaResolution`.
	pub fn area_of(home: H3Cell) -> H3Cell {
		home.parent(T::AreaResolution::get()).unwrap_or(home)
	}

	/// Check the span of epochs `first..=last` of a subscription or a trade: it starts no
	/// earlier than the current epoch and at most `MaxSubscriptionEpochs` after it, and spans
	/// at most `MaxSubscriptionEpochs`. Returns the current epoch.
	pub(crate) fn check_span(first: EpochIndex, last: EpochIndex) -> Result<EpochIndex, Error<T>> {
		let current = T::Epochs::current().index;
		let max = T::MaxSubscriptionEpochs::get();
		ensure!(
			first >= current
				&& first.saturating_sub(current) <= max
				&& last.checked_sub(first).is_some_and(|span| span < max),
			Error::<T>::InvalidSpan
		);
		Ok(current)
	}

	/// Whether every attestation of `subscription`'s span has had its audit (in one of the
	/// [`AUDIT_EPOCHS`] epochs after its own) by `epoch`.
	pub fn span_over(subscription: &SubscriptionOf<T>, epoch: EpochIndex) -> bool {
		epoch > subscription.last.saturating_add(AUDIT_EPOCHS)
	}

	pub(crate) fn do_subscribe(
		who: T::AccountId,
		schema: SchemaId,
		area: u64,
		price: BalanceOf<T>,
		budget: BalanceOf<T>,
		first: EpochIndex,
		last: EpochIndex,
	) -> DispatchResult {
		Self::live_schema(schema)?;
		let area = H3Cell::new(area)
			.ok()
			.filter(|cell| cell.resolution() == T::AreaResolution::get())
			.ok_or(Error::<T>::InvalidArea)?;
		ensure!(!price.is_zero() && !budget.is_zero(), Error::<T>::EmptySubscription);
		let current = Self::check_span(first, last)?;
		let deposit = T::SubscriptionDeposit::get();
		let held = budget.checked_add(&deposit).ok_or(Error::<T>::Overflow)?;
		let id = NextSubscription::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;

		let key = (schema, area);
		let mut ids = AreaSubscriptions::<T>::get(key).unwrap_or_default();
		let outbid =
			if ids.is_full() { Some(Self::outbid(&ids, price, budget, current)?) } else { None };
		T::Currency::hold(&HoldReason::Subscription.into(), &who, held)?;
		if let Some((position, old)) = outbid {
			ids.remove(position);
			let refunded = Self::close(old)?;
			Self::deposit_event(Event::SubscriptionOutbid { subscription: old, by: id, refunded });
		}
		ids.try_push(id).map_err(|_| Error::<T>::AreaFull)?;
		AreaSubscriptions::<T>::insert(key, ids);
		NextSubscription::<T>::put(next);
		Subscriptions::<T>::insert(
			id,
			Subscription {
				buyer: who.clone(),
				schema,
				area,
				price,
				left: budget,
				deposit,
				first,
				last,
			},
		);
		Self::deposit_event(Event::Subscribed {
			subscription: id,
			buyer: who,
			schema,
			area,
			price,
			budget,
			first,
			last,
		});
		Ok(())
	}

	/// The member of a full area a new subscription at `price` with `budget` takes the place
	/// of: one that can pay no more (spent, or its span's audits over), else the one of the
	/// lowest price if `price` is higher and `budget` at least what that one has left (so a
	/// token budget at a high price does not evict a real buyer). Returns its position and
	/// number.
	fn outbid(
		ids: &AreaSubscriptionsOf<T>,
		price: BalanceOf<T>,
		budget: BalanceOf<T>,
		current: EpochIndex,
	) -> Result<(usize, SubscriptionId), DispatchError> {
		let members = ids
			.iter()
			.enumerate()
			.filter_map(|(position, id)| Subscriptions::<T>::get(id).map(|s| (position, *id, s)));
		let mut cheapest: Option<(usize, SubscriptionId, SubscriptionOf<T>)> = None;
		for (position, id, s) in members {
			if s.left.is_zero() || Self::span_over(&s, current) {
				return Ok((position, id));
			}
			if cheapest.as_ref().is_none_or(|(_, _, c)| s.price < c.price) {
				cheapest = Some((position, id, s));
			}
		}
		match cheapest {
			Some((position, id, c)) if price > c.price && budget >= c.left => Ok((position, id)),
			_ => Err(Error::<T>::AreaFull.into()),
		}
	}

	/// Forget subscription `id` (already out of its area's list) and release the rest of its
	/// budget and its deposit to its buyer. Returns what was released.
	fn close(id: SubscriptionId) -> Result<BalanceOf<T>, DispatchError> {
		let s = Subscriptions::<T>::take(id).ok_or(Error::<T>::UnknownSubscription)?;
		let refund = s.left.saturating_add(s.deposit);
		let released = T::Currency::release(
			&HoldReason::Subscription.into(),
			&s.buyer,
			refund,
			Precision::BestEffort,
		)?;
		Ok(released)
	}

	pub(crate) fn do_close_subscription(who: T::AccountId, id: SubscriptionId) -> DispatchResult {
		let s = Subscriptions::<T>::get(id).ok_or(Error::<T>::UnknownSubscription)?;
		let over = Self::span_over(&s, T::Epochs::current().index);
		ensure!(over || (s.left.is_zero() && s.buyer == who), Error::<T>::SubscriptionRunning);
		AreaSubscriptions::<T>::mutate_exists((s.schema, s.area), |ids| {
			if let Some(list) = ids {
				list.retain(|other| *other != id);
				if list.is_empty() {
					*ids = None;
				}
			}
		});
		let refunded = Self::close(id)?;
		Self::deposit_event(Event::SubscriptionClosed { subscription: id, refunded });
		Ok(())
	}

	/// Sell `pending`'s `points` (of `device`, owned by `pending.owner`) to the subscriptions of
	/// its area that buy its epoch: each pays `points × price` (at most what is left of its
	/// budget) out of its hold, less `DataFee` of it, burned. The fees burned are reported to
	/// the sensor pool in `epoch` (the audit's). Returns the points reported.
	pub(crate) fn sell(
		device: DeviceId,
		pending: &PendingOf<T>,
		schema: SchemaId,
		points: u64,
		epoch: EpochIndex,
	) -> u64 {
		if points == 0 {
			return 0;
		}
		let Some(ids) = AreaSubscriptions::<T>::get((schema, Self::area_of(pending.home))) else {
			return 0;
		};
		let reason = HoldReason::Subscription.into();
		let mut burned = BalanceOf::<T>::zero();
		for id in ids {
			let Some(mut s) = Subscriptions::<T>::get(id) else { continue };
			// A buyer does not pay its own devices: buying one's own data moves nothing but
			// the fee, and would let a buyer take its budget back from the stations that
			// attested for it. (Another account of the same buyer still can: it then pays the
			// fee, and the pool gives back at most that.)
			if s.left.is_zero()
				|| pending.epoch < s.first
				|| pending.epoch > s.last
				|| s.buyer == pending.owner
			{
				continue;
			}
			// Never more than is left: the product is bounded by the budget, not saturated.
			let due = BalanceOf::<T>::try_from(points)
				.ok()
				.and_then(|points| points.checked_mul(&s.price))
				.map_or(s.left, |cost| cost.min(s.left));
			let fee = T::DataFee::get().mul_floor(due);
			let moved = usage::pay_from_hold::<_, T::Currency, T::FeeDestination>(
				&reason,
				&s.buyer,
				&pending.owner,
				due.saturating_sub(fee),
				fee,
			);
			s.left = s.left.saturating_sub(moved.paid.saturating_add(moved.fee));
			burned = burned.saturating_add(moved.fee);
			Subscriptions::<T>::insert(id, s);
			Self::deposit_event(Event::DataSold {
				subscription: id,
				device,
				epoch: pending.epoch,
				root: pending.root,
				readings: pending.count,
				paid: moved.paid,
				fee: moved.fee,
			});
		}
		if burned.is_zero() {
			return 0;
		}
		usage::report::<T::OnProofAccepted, _>(
			device,
			DeviceKind::Sensor,
			epoch,
			burned,
			T::FeePerPoint::get(),
		)
	}

	/// The most a sale beyond the benchmarked reveal costs: reporting it.
	pub fn sale_report_weight() -> Weight {
		usage::report_weight::<T::OnProofAccepted>()
	}

	/// Every subscription is in its area's list and every listed one exists; each buyer's
	/// hold is the sum of its subscriptions' budgets left and deposits.
	pub fn subscriptions_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let next = NextSubscription::<T>::get();
		let mut held: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> = Default::default();
		for (id, s) in Subscriptions::<T>::iter() {
			ensure!(id < next, "a subscription's number is below NextSubscription");
			ensure!(
				AreaSubscriptions::<T>::get((s.schema, s.area))
					.is_some_and(|ids| ids.contains(&id)),
				"a subscription is listed in its area"
			);
			ensure!(s.first <= s.last, "a subscription's span is ordered");
			let sum = held.entry(s.buyer.clone()).or_default();
			*sum = sum.saturating_add(s.left).saturating_add(s.deposit);
		}
		for ((schema, area), ids) in AreaSubscriptions::<T>::iter() {
			ensure!(!ids.is_empty(), "an area's list is stored with a subscription");
			for id in ids {
				ensure!(
					Subscriptions::<T>::get(id)
						.is_some_and(|s| s.schema == schema && s.area == area),
					"a listed subscription exists, in that area"
				);
			}
		}
		for (buyer, sum) in held {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::Subscription.into(), &buyer) == sum,
				"a buyer's hold is its subscriptions' budgets and deposits"
			);
		}
		Ok(())
	}
}
