//! Permanent deals: a client pays once, and an endowment pays providers to keep its replicas
//! for as long as it lasts (Arweave's model; the schedule and its maths are
//! [`depin_primitives::deals::endowment`]).
//!
//! - **Make.** The client names its replicas (root, size, the device it wants first) and the
//!   price of a GiB for an epoch in the first schedule year (at least `MinDealPrice`);
//!   `create_permanent_deal` takes, for each replica, the most its schedule can cost over all
//!   time ([`endowment`]: 200 years of the first year's price at a 0.5 % yearly decline, and
//!   the rounding), and holds it on the pot, an account nobody has the key of. The client's
//!   account may go; the deal does not need it.
//! - **Take.** Any storage device's operator takes an open replica (`take_replica`; the
//!   client's device first, for `MaxActivationDelay`): the endowment pays a **tranche**, an
//!   ordinary term deal whose client is the pot, at the schedule year's price, to the end of
//!   the schedule year. Everything a term deal does holds for it: the provider's collateral
//!   and deposit, the activation deadline, unique roots, payment per proven epoch with the
//!   protocol fee burned and its points capped by that fee, misses, faults.
//! - **Roll on.** When a tranche ends, whatever it did not pay (its unspent epochs, the
//!   refunds of missed epochs, the collateral its provider forfeited) goes back to the
//!   replica's endowment, the epochs it paid move the schedule's clock (a schedule year is
//!   `EpochsPerYear` paid epochs; each costs `EndowmentDecline` less than the one before), and
//!   the replica is open again. A tranche that completed leaves it reserved for its device
//!   for `MaxActivationDelay`, which renews on the sector it keeps, at once; a provider that
//!   failed or left hands it to whoever takes it next, paid out of the same endowment: a
//!   replica whose provider drops out is re-dealt. (The new provider needs the replica's
//!   bytes: the client's tool, or whoever keeps them, serves them.)
//! - **End.** When the schedule's price reaches nothing, or what is left cannot pay an epoch,
//!   the replica is exhausted and what is left is burned.
//!
//! Self-dealing: a permanent deal is paid up front and cannot be taken back, and every
//! tranche pays the protocol fee, which caps the storage points it earns as for any deal, so a
//! provider endowing its own replicas recovers at most what it paid in, over millennia.

use crate::{
	deals::Payer, pallet::*, BalanceOf, DealProposalOf, PermanentDealOf, PermanentOf, ReplicaOf,
	ReplicaSpecsOf, ReplicaState,
};
use depin_primitives::deals::{
	endowment::{self, Schedule},
	DealEnd, DealId, DealState,
};
use depin_proving::devices;
use frame_support::{
	dispatch::DispatchResultWithPostInfo,
	ensure,
	pallet_prelude::{DispatchResult, Get},
	traits::{
		fungible::{Balanced, BalancedHold, Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation},
		Imbalance, OnUnbalanced,
	},
	BoundedVec,
};
use pallet_devices::{DeviceId, DeviceKind};
use sp_runtime::traits::{
	AccountIdConversion, CheckedAdd, CheckedDiv, CheckedMul, CheckedSub, Saturating,
	UniqueSaturatedInto, Zero,
};

use crate::types::{EpochIndex, PermanentId};
use crate::weights::WeightInfo;
use alloc::vec::Vec;
use pallet_devices::DeviceRegistry;

impl<T: Config> Pallet<T> {
	/// The account the endowments are held on, and the client of every tranche.
	pub fn endowment_pot() -> T::AccountId {
		T::EndowmentPalletId::get().into_account_truncating()
	}

	/// The schedule of a permanent deal.
	pub fn schedule_of(deal: &PermanentOf<T>) -> Schedule {
		Schedule {
			price_per_gib: deal.price_per_gib.unique_saturated_into(),
			decline: deal.decline,
			epochs_per_year: deal.epochs_per_year,
		}
	}

	/// What a replica of `chunks` chunks on `schedule` is endowed with: see [`endowment`].
	fn replica_endowment(schedule: &Schedule, chunks: u32) -> Result<BalanceOf<T>, Error<T>> {
		let bytes = u64::from(chunks).saturating_mul(depin_primitives::storage::CHUNK_SIZE as u64);
		endowment::endowment(schedule, bytes)
			.and_then(|e| BalanceOf::<T>::try_from(e).ok())
			.ok_or(Error::<T>::Overflow)
	}

	// ---- Calls ---------------------------------------------------------------------------

	pub(crate) fn do_create_permanent_deal(
		client: T::AccountId,
		specs: ReplicaSpecsOf<T>,
		price_per_gib: BalanceOf<T>,
		provider_collateral: BalanceOf<T>,
		max_endowment: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!specs.is_empty(), Error::<T>::NoReplicas);
		ensure!(price_per_gib >= T::MinDealPrice::get(), Error::<T>::PriceTooLow);
		let now = frame_system::Pallet::<T>::block_number();
		let reserved_until = now.saturating_add(T::MaxActivationDelay::get());
		let mut deal = PermanentOf::<T> {
			client: client.clone(),
			price_per_gib,
			decline: T::EndowmentDecline::get(),
			epochs_per_year: T::EpochsPerYear::get(),
			provider_collateral,
			replicas: BoundedVec::new(),
		};
		let schedule = Self::schedule_of(&deal);
		let mut total: BalanceOf<T> = Zero::zero();
		for (i, spec) in specs.iter().enumerate() {
			ensure!(spec.chunks > 0, Error::<T>::EmptySector);
			ensure!(
				depin_merkle::depth_for(spec.chunks) <= T::MaxTreeDepth::get(),
				Error::<T>::SectorTooLarge
			);
			ensure!(
				specs.iter().take(i).all(|other| other.root != spec.root),
				Error::<T>::RepeatedRoot
			);
			// A root is one replica's, of one permanent deal, until it is over.
			ensure!(!PermanentRoots::<T>::contains_key(spec.root), Error::<T>::DuplicateRoot);
			devices::usable_device::<_, T::Registry>(spec.device, None, DeviceKind::Storage)
				.map_err(Error::<T>::from)?;
			let left = Self::replica_endowment(&schedule, spec.chunks)?;
			total = total.checked_add(&left).ok_or(Error::<T>::Overflow)?;
			let replica = ReplicaOf::<T> {
				root: spec.root,
				chunks: spec.chunks,
				reserved: Some((spec.device, reserved_until)),
				barred: None,
				left,
				served: 0,
				year_price: price_per_gib,
				state: ReplicaState::Open,
			};
			deal.replicas.try_push(replica).map_err(|_| Error::<T>::Overflow)?;
		}
		ensure!(total <= max_endowment, Error::<T>::EndowmentTooHigh);
		// A provider that takes a replica and fails it forfeits at least a year of the dearest
		// replica's first-year price: squatting one costs that much, into its endowment.
		let mut year: BalanceOf<T> = Zero::zero();
		for replica in &deal.replicas {
			let epochs: BalanceOf<T> = deal.epochs_per_year.into();
			let payment = Self::replica_epoch_price(replica)
				.checked_mul(&epochs)
				.ok_or(Error::<T>::Overflow)?;
			year = year.max(payment);
		}
		ensure!(provider_collateral >= year, Error::<T>::CollateralTooLow);
		// Each replica's record is kept until the whole deal is over, and nobody is there to
		// return a deposit to: its deposit (a deal's) is burned.
		let deposit = T::DealDeposit::get()
			.checked_mul(&(deal.replicas.len() as u32).into())
			.ok_or(Error::<T>::Overflow)?;

		let pot = Self::endowment_pot();
		// The pot exists from the first deal on: the first client pays its existential deposit.
		let existential = T::Currency::minimum_balance();
		let missing = existential.saturating_sub(T::Currency::balance(&pot));
		if !missing.is_zero() {
			T::Currency::transfer(&client, &pot, missing, Preservation::Preserve)
				.map_err(|_| Error::<T>::ClientCannotPay)?;
		}
		T::Currency::transfer_and_hold(
			&HoldReason::Endowment.into(),
			&client,
			&pot,
			total,
			Precision::Exact,
			Preservation::Preserve,
			Fortitude::Polite,
		)
		.map_err(|_| Error::<T>::ClientCannotPay)?;
		// (Burned through `FeeDestination`, which counts what the chain burns.)
		let burned = T::Currency::withdraw(
			&client,
			deposit,
			Precision::Exact,
			Preservation::Preserve,
			Fortitude::Polite,
		)
		.map_err(|_| Error::<T>::ClientCannotPay)?;
		T::FeeDestination::on_unbalanced(burned);

		let id = NextPermanentId::<T>::get();
		NextPermanentId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		let replicas = deal.replicas.len() as u32;
		for (index, replica) in deal.replicas.iter().enumerate() {
			PermanentRoots::<T>::insert(replica.root, (id, index as u32));
		}
		Permanents::<T>::insert(id, deal);
		Self::deposit_event(Event::PermanentDealCreated { id, client, replicas, endowment: total });
		Ok(())
	}

	pub(crate) fn do_take_replica(
		who: T::AccountId,
		id: PermanentId,
		index: u32,
		device: DeviceId,
	) -> DispatchResultWithPostInfo {
		let mut deal = Permanents::<T>::get(id).ok_or(Error::<T>::UnknownPermanent)?;
		let replica = deal.replicas.get(index as usize).ok_or(Error::<T>::UnknownReplica)?;
		// A tranche that can no longer be activated is ended first (its replica opens).
		if let ReplicaState::Dealt(tranche) = replica.state {
			Self::lapse_tranche(tranche);
			deal = Permanents::<T>::get(id).ok_or(Error::<T>::UnknownPermanent)?;
		}
		let replica = deal.replicas.get(index as usize).ok_or(Error::<T>::UnknownReplica)?;
		match replica.state {
			ReplicaState::Open => {},
			ReplicaState::Dealt(_) => return Err(Error::<T>::ReplicaNotOpen.into()),
			ReplicaState::Exhausted => return Err(Error::<T>::ReplicaOver.into()),
		}
		let now = frame_system::Pallet::<T>::block_number();
		if let Some((reserved, until)) = replica.reserved {
			ensure!(reserved == device || now > until, Error::<T>::ReservedForAnother);
		}
		if let Some((barred, until)) = replica.barred {
			ensure!(barred != device || now > until, Error::<T>::DeviceBarred);
		}

		// A tranche to the end of the schedule year (within `MaxDealDuration`), or as far as
		// what the endowment has left pays.
		let mut proposal = DealProposalOf::<T> {
			client: Self::endowment_pot(),
			device,
			root: replica.root,
			chunks: replica.chunks,
			price_per_gib: replica.year_price,
			activation_deadline: now.saturating_add(T::MaxActivationDelay::get()),
			duration: 0,
			provider_collateral: deal.provider_collateral,
			client_collateral: Zero::zero(),
		};
		let epoch_price = Self::epoch_price_of(&proposal).ok_or(Error::<T>::Overflow)?;
		ensure!(!epoch_price.is_zero(), Error::<T>::ReplicaOver);
		let into_year = replica.served.checked_rem(deal.epochs_per_year).unwrap_or(0);
		let rest_of_year = deal.epochs_per_year.saturating_sub(into_year);
		let affordable: EpochIndex =
			replica.left.checked_div(&epoch_price).map(|e| e.unique_saturated_into()).unwrap_or(0);
		proposal.duration = rest_of_year.min(T::MaxDealDuration::get()).min(affordable);
		ensure!(proposal.duration > 0, Error::<T>::ReplicaOver);
		let payment =
			epoch_price.checked_mul(&proposal.duration.into()).ok_or(Error::<T>::Overflow)?;
		Self::check_terms(&proposal)?;
		// (Publishing may end another deal of the root, which moves no money of this one's.)
		let claimed = Self::place(&who, &proposal, epoch_price, Payer::Endowment)?;

		let tranche = proposal.id();
		Permanents::<T>::try_mutate(id, |deal| -> DispatchResult {
			let replica = deal
				.as_mut()
				.and_then(|d| d.replicas.get_mut(index as usize))
				.ok_or(Error::<T>::UnknownReplica)?;
			replica.left = replica.left.checked_sub(&payment).ok_or(Error::<T>::Overflow)?;
			ensure!(replica.state == ReplicaState::Open, Error::<T>::ReplicaNotOpen);
			replica.state = ReplicaState::Dealt(tranche);
			(replica.reserved, replica.barred) = (None, None);
			Ok(())
		})?;
		Tranches::<T>::insert(tranche, (id, index));
		Self::deposit_event(Event::ReplicaTaken {
			id,
			replica: index,
			deal: tranche,
			device,
			epochs: proposal.duration,
			payment,
		});
		Ok(Some(T::WeightInfo::take_replica().saturating_add(claimed)).into())
	}

	// ---- Tranches ------------------------------------------------------------------------

	/// Money of tranche `id` came back to its client, the pot (`amount`: refunds of missed
	/// epochs, its provider's forfeited collateral, its unspent payment): it goes back to the
	/// replica's endowment, held again. A no-op for a deal that is no tranche. (Exactly the
	/// amounts moved: whatever else reaches the pot's free balance stays there.)
	pub(crate) fn endow_back(id: DealId, amount: BalanceOf<T>) {
		if let Some((permanent, index)) = Tranches::<T>::get(id) {
			Self::endow(permanent, index, amount);
		}
	}

	/// Hold `amount` of the pot's free balance for replica `index` of `permanent`.
	fn endow(permanent: PermanentId, index: u32, amount: BalanceOf<T>) {
		if amount.is_zero() {
			return;
		}
		Permanents::<T>::mutate(permanent, |deal| {
			let Some(replica) = deal.as_mut().and_then(|d| d.replicas.get_mut(index as usize))
			else {
				return;
			};
			// (At most what the tranche held, so within the issuance: the sum cannot
			// overflow, and the pot has it free.)
			let Some(left) = replica.left.checked_add(&amount) else { return };
			let held =
				T::Currency::hold(&HoldReason::Endowment.into(), &Self::endowment_pot(), amount);
			if held.is_ok() {
				replica.left = left;
			}
		});
	}

	/// Tranche `id` ended for `reason`, having paid `paid` epochs and given its client `back`:
	/// that goes back to the endowment, its epochs move the replica's schedule, and the
	/// replica is open again, or exhausted. After a completed tranche the replica is reserved
	/// for its device (to renew); after a failed one, that device may not take it back for
	/// `MaxActivationDelay` (anyone else may: a failed provider hands it on).
	pub(crate) fn tranche_ended(
		id: DealId,
		device: DeviceId,
		paid: u32,
		reason: DealEnd,
		back: BalanceOf<T>,
	) {
		let Some((permanent, index)) = Tranches::<T>::take(id) else { return };
		Self::endow(permanent, index, back);
		let Some(mut deal) = Permanents::<T>::get(permanent) else { return };
		let schedule = Self::schedule_of(&deal);
		let Some(replica) = deal.replicas.get_mut(index as usize) else { return };
		let before = replica.served.checked_div(schedule.epochs_per_year).unwrap_or(0);
		replica.served = replica.served.saturating_add(paid);
		let after = replica.served.checked_div(schedule.epochs_per_year).unwrap_or(0);
		for _ in before..after {
			let price: u128 = replica.year_price.unique_saturated_into();
			let next = endowment::next_year_price(price, schedule.decline);
			replica.year_price = BalanceOf::<T>::try_from(next).unwrap_or_else(|_| Zero::zero());
		}
		let until =
			frame_system::Pallet::<T>::block_number().saturating_add(T::MaxActivationDelay::get());
		(replica.reserved, replica.barred) = match reason {
			DealEnd::Completed => (Some((device, until)), None),
			_ => (None, Some((device, until))),
		};
		replica.state = ReplicaState::Open;
		let left = replica.left;
		if Self::cannot_pay_an_epoch(replica) {
			replica.state = ReplicaState::Exhausted;
			replica.left = Zero::zero();
			replica.reserved = None;
			replica.barred = None;
			let root = replica.root;
			let (credit, _) = <T::Currency as BalancedHold<T::AccountId>>::slash(
				&HoldReason::Endowment.into(),
				&Self::endowment_pot(),
				left,
			);
			let burned = credit.peek();
			T::FeeDestination::on_unbalanced(credit);
			PermanentRoots::<T>::remove(root);
			Self::deposit_event(Event::ReplicaExhausted { id: permanent, replica: index, burned });
			// Once every replica is over, the deal is forgotten.
			if deal.replicas.iter().all(|r| r.state == ReplicaState::Exhausted) {
				Permanents::<T>::remove(permanent);
				Self::deposit_event(Event::PermanentDealOver { id: permanent });
				return;
			}
			Permanents::<T>::insert(permanent, deal);
			return;
		}
		Permanents::<T>::insert(permanent, deal);
		Self::deposit_event(Event::ReplicaOpened { id: permanent, replica: index, reason, left });
	}

	/// What an epoch of `replica` costs at its year's price (zero if it overflows).
	fn replica_epoch_price(replica: &ReplicaOf<T>) -> BalanceOf<T> {
		let bytes =
			u64::from(replica.chunks).saturating_mul(depin_primitives::storage::CHUNK_SIZE as u64);
		let price: u128 = replica.year_price.unique_saturated_into();
		depin_primitives::deals::epoch_price(price, bytes)
			.and_then(|p| BalanceOf::<T>::try_from(p).ok())
			.unwrap_or_else(Zero::zero)
	}

	/// Whether `replica`'s endowment can pay no more epochs: its price is zero, or more than
	/// what is left.
	fn cannot_pay_an_epoch(replica: &ReplicaOf<T>) -> bool {
		let price = Self::replica_epoch_price(replica);
		price.is_zero() || replica.left < price
	}

	/// End replica `index`'s tranche `tranche` of `permanent` if it can no longer be activated
	/// (published, and past its activation deadline or its device gone), as a publication of
	/// its root would: `take_replica` need not wait for anyone to settle it.
	fn lapse_tranche(tranche: DealId) {
		let Some(deal) = Deals::<T>::get(tranche) else { return };
		if deal.state != DealState::Published {
			return;
		}
		let expired = frame_system::Pallet::<T>::block_number() > deal.proposal.activation_deadline;
		if expired || T::Registry::device(deal.proposal.device).is_none() {
			Self::end_deal(tranche, deal, DealEnd::NotActivated);
		}
	}

	/// The paid epochs of `deal`, a deal about to end.
	pub(crate) fn paid_epochs(deal: &crate::DealOf<T>) -> u32 {
		match deal.state {
			DealState::Active(progress) => progress.paid,
			DealState::Published | DealState::Closed => 0,
		}
	}

	// ---- Queries and invariants ----------------------------------------------------------

	/// The permanent deal `id` as the runtime API returns it (its replicas in a `Vec`).
	pub fn permanent_deal(id: PermanentId) -> Option<PermanentDealOf<T>> {
		Permanents::<T>::get(id).map(Self::unbounded)
	}

	/// A page of permanent deals after `start_after`, at most `limit` (capped at `MAX_PAGE`),
	/// in storage order.
	pub fn permanent_deals(
		start_after: Option<PermanentId>,
		limit: u32,
	) -> Vec<(PermanentId, PermanentDealOf<T>)> {
		let limit = limit.min(pallet_devices::MAX_PAGE) as usize;
		let deals = match start_after {
			Some(after) => Permanents::<T>::iter_from(Permanents::<T>::hashed_key_for(after)),
			None => Permanents::<T>::iter(),
		};
		deals.take(limit).map(|(id, deal)| (id, Self::unbounded(deal))).collect()
	}

	/// The permanent deal and replica index `root` is bound to, while the replica is live.
	pub fn replica_by_root(root: sp_core::H256) -> Option<(PermanentId, u32)> {
		PermanentRoots::<T>::get(root)
	}

	fn unbounded(deal: PermanentOf<T>) -> PermanentDealOf<T> {
		let PermanentOf::<T> {
			client,
			price_per_gib,
			decline,
			epochs_per_year,
			provider_collateral,
			replicas,
		} = deal;
		PermanentDealOf::<T> {
			client,
			price_per_gib,
			decline,
			epochs_per_year,
			provider_collateral,
			replicas: replicas.into_inner(),
		}
	}

	/// The permanent deals' invariants:
	///
	/// - the pot holds exactly every replica's endowment left ([`HoldReason::Endowment`]);
	/// - a dealt replica's tranche is a live deal of the pot for the replica's root and size,
	///   at its schedule year's price, linked back to it in [`Tranches`]; every tranche
	///   links to a replica that names it; an exhausted replica has nothing left;
	/// - a replica's price is its schedule's at the year its paid epochs are in.
	pub fn do_try_state_permanent() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let pot = Self::endowment_pot();
		let mut left: BalanceOf<T> = Zero::zero();
		for (id, deal) in Permanents::<T>::iter() {
			ensure!(id < NextPermanentId::<T>::get(), "a permanent deal past the next number");
			let schedule = Self::schedule_of(&deal);
			for (index, replica) in deal.replicas.iter().enumerate() {
				left = left.checked_add(&replica.left).ok_or("the endowments overflow")?;
				let year = replica.served.checked_div(schedule.epochs_per_year).unwrap_or(0);
				let bytes = u64::from(replica.chunks)
					.saturating_mul(depin_primitives::storage::CHUNK_SIZE as u64);
				let expected = schedule.year(year, bytes).map(|y| y.price_per_gib);
				ensure!(
					expected == Some(replica.year_price.unique_saturated_into()),
					"a replica's price is not its schedule's"
				);
				let live = replica.state != ReplicaState::Exhausted;
				ensure!(
					(PermanentRoots::<T>::get(replica.root) == Some((id, index as u32))) == live,
					"a live replica's root is not bound to it (or an exhausted one's is)"
				);
				match replica.state {
					ReplicaState::Open => ensure!(
						!Self::cannot_pay_an_epoch(replica),
						"an open replica cannot pay an epoch"
					),
					ReplicaState::Exhausted => {
						ensure!(replica.left.is_zero(), "an exhausted replica has money left")
					},
					ReplicaState::Dealt(tranche) => {
						ensure!(
							replica.reserved.is_none() && replica.barred.is_none(),
							"a dealt replica is reserved or barred"
						);
						ensure!(
							Tranches::<T>::get(tranche) == Some((id, index as u32)),
							"a replica's tranche does not link back to it"
						);
						let live = Deals::<T>::get(tranche).ok_or("a replica's tranche is gone")?;
						ensure!(
							live.proposal.client == pot
								&& live.proposal.root == replica.root
								&& live.proposal.chunks == replica.chunks
								&& live.proposal.price_per_gib == replica.year_price
								&& live.state != DealState::Closed,
							"a replica's tranche is not a live deal of the pot for it"
						);
					},
				}
			}
		}
		for (root, (id, index)) in PermanentRoots::<T>::iter() {
			let replica =
				Permanents::<T>::get(id).and_then(|d| d.replicas.get(index as usize).copied());
			ensure!(replica.is_some_and(|r| r.root == root), "a bound root names another replica");
		}
		ensure!(
			T::Currency::balance(&pot) >= T::Currency::minimum_balance()
				|| Permanents::<T>::iter().next().is_none(),
			"the pot is below the existential deposit"
		);
		for (tranche, (id, index)) in Tranches::<T>::iter() {
			let state = Permanents::<T>::get(id)
				.and_then(|d| d.replicas.get(index as usize).map(|r| r.state));
			ensure!(
				state == Some(ReplicaState::Dealt(tranche)),
				"a tranche links to a replica that does not name it"
			);
		}
		ensure!(
			T::Currency::balance_on_hold(&HoldReason::Endowment.into(), &pot) == left,
			"the pot does not hold exactly the endowments left"
		);
		Ok(())
	}
}
