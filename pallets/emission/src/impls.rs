//! The pallet's logic: tallying, closing and expiring epochs, claims, burns and invariants.

use crate::{pallet::*, schedule, types::*, BalanceOf, CreditOf, WeightInfo};
use depin_primitives::rewards::{MAX_DEVICE_POINTS_PER_EPOCH, MAX_POINTS_PER_PROOF};
use frame_support::{
	defensive,
	dispatch::DispatchClass,
	ensure,
	traits::{
		fungible::{Balanced, Inspect, Mutate},
		tokens::Preservation,
		Contains, Get, Imbalance, OnUnbalanced,
	},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{
		AccountIdConversion, CheckedAdd, Saturating, UniqueSaturatedFrom, UniqueSaturatedInto, Zero,
	},
	DispatchResult, Perbill,
};

/// What paying a device's balance out did.
enum PayOut<Balance> {
	/// Paid this much (perhaps nothing, for a settled share that rounded to nothing).
	Paid(Balance),
	/// Nothing: the only epoch to settle had expired.
	Expired,
	/// Nothing: no balance and no ended epoch to settle.
	Nothing,
}

impl<T: Config> Pallet<T> {
	/// The pot: holds every claimable reward, plus the existential deposit.
	pub fn pot() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// `pool × part / whole`, rounded down; zero when `whole` is zero.
	pub fn pro_rata(pool: BalanceOf<T>, part: u64, whole: u64) -> BalanceOf<T> {
		let pool: u128 = pool.unique_saturated_into();
		multiply_by_rational_with_rounding(
			pool,
			u128::from(part),
			u128::from(whole),
			sp_runtime::Rounding::Down,
		)
		.map(BalanceOf::<T>::unique_saturated_from)
		.unwrap_or_else(Zero::zero)
	}

	pub(crate) fn fund_pot_at_genesis() {
		let pot = Self::pot();
		let ed = T::Currency::minimum_balance();
		let balance = T::Currency::balance(&pot);
		if balance < ed && T::Currency::mint_into(&pot, ed.saturating_sub(balance)).is_err() {
			defensive!("the pot's existential deposit can be minted at genesis");
		}
		GenesisIssuance::<T>::put(T::Currency::total_issuance());
	}

	// ---- Tallies -----------------------------------------------------------------------------

	/// Count `points` for `device` in `epoch`, within the bounds: at most
	/// [`MAX_POINTS_PER_PROOF`] per proof and [`MAX_DEVICE_POINTS_PER_EPOCH`] per device and
	/// epoch; points that would overflow the kind's tally are refused rather than saturated.
	/// The device's open epoch and the tally change together or not at all, so the devices'
	/// points of an epoch always add up to its tally and their settlements to at most its
	/// pool. A device's first points in an epoch settle the epoch it earned in before.
	pub(crate) fn note_points(device: DeviceId, kind: DeviceKind, epoch: EpochIndex, points: u64) {
		let Some((mut earnings, settled)) = Self::earnings_in(device, kind, epoch) else { return };
		let open = earnings.open.get_or_insert(OpenEpoch { epoch, ..Default::default() });
		let room = MAX_DEVICE_POINTS_PER_EPOCH.saturating_sub(open.points);
		let counted = points.min(MAX_POINTS_PER_PROOF).min(room);
		let mut tally = Tallies::<T>::get(epoch);
		let (Some(sum), Some(total)) =
			(open.points.checked_add(counted), tally.points.checked_add(kind, counted))
		else {
			Self::deposit_event(Event::PointsCapped {
				device,
				epoch,
				reported: points,
				counted: 0,
			});
			if settled {
				DeviceEarnings::<T>::insert(device, earnings);
			}
			return;
		};
		if counted < points {
			Self::deposit_event(Event::PointsCapped { device, epoch, reported: points, counted });
		}
		open.points = sum;
		tally.points = total;
		if counted > 0 {
			Tallies::<T>::insert(epoch, tally);
		}
		if counted > 0 || settled {
			DeviceEarnings::<T>::insert(device, earnings);
		}
	}

	/// `device`'s earnings, ready to take points or fees of `kind` in `epoch`: the epoch it
	/// earned in before is settled (and then the flag is true). `None` (and nothing changed) for
	/// an epoch not in progress or a device that earns in another kind: the proof pallets never
	/// report either.
	fn earnings_in(
		device: DeviceId,
		kind: DeviceKind,
		epoch: EpochIndex,
	) -> Option<(Earnings<BalanceOf<T>>, bool)> {
		if epoch != CurrentEpoch::<T>::get() {
			// The proof pallets only accept proofs for the epoch in progress.
			defensive!("points or fees for an epoch not in progress");
			return None;
		}
		let mut earnings = DeviceEarnings::<T>::get(device).unwrap_or_else(|| Earnings::new(kind));
		if earnings.kind != kind {
			defensive!("a device earns in one kind");
			return None;
		}
		let settled = earnings.open.is_some_and(|open| open.epoch < epoch);
		if settled {
			if let Err(error) = Self::settle(device, &mut earnings) {
				// Bounded points make this impossible; the points are lost, not paid twice.
				defensive!("an epoch's settlements exceed its pool", error);
			}
		}
		Some((earnings, settled))
	}

	/// Settle `earnings`' open epoch if it has ended: add its share of the epoch's pool to the
	/// balance (nothing if the epoch has expired), and remember it among the recent epochs.
	/// Returns `Some(expired)` if there was one to settle. On an error nothing is written, but
	/// the open epoch is gone from `earnings`.
	pub(crate) fn settle(
		device: DeviceId,
		earnings: &mut Earnings<BalanceOf<T>>,
	) -> Result<Option<bool>, Error<T>> {
		let current = CurrentEpoch::<T>::get();
		let Some(open) = earnings.open.filter(|open| open.epoch < current) else {
			return Ok(None);
		};
		earnings.open = None;
		let kind = earnings.kind;
		let live =
			if Self::expired(open.epoch, current) { None } else { Rewards::<T>::get(open.epoch) };
		let amount = match live {
			Some(mut rewards) => {
				let amount = Self::epoch_share(&rewards, kind, open.points, open.fees);
				let settled_points = rewards
					.settled_points
					.checked_add(kind, open.points)
					.filter(|settled| settled.get(kind) <= rewards.points.get(kind))
					.ok_or(Error::<T>::PoolExhausted)?;
				let settled = rewards
					.settled
					.checked_add(kind, amount)
					.filter(|settled| settled.get(kind) <= rewards.pools.get(kind))
					.ok_or(Error::<T>::PoolExhausted)?;
				let accrued =
					earnings.accrued.checked_add(&amount).ok_or(Error::<T>::PoolExhausted)?;
				rewards.settled_points = settled_points;
				rewards.settled = settled;
				earnings.accrued = accrued;
				Rewards::<T>::insert(open.epoch, rewards);
				Some(amount)
			},
			None => None,
		};
		let expired = amount.is_none();
		if open.points > 0 {
			let settlement = if expired { Settlement::Expired } else { Settlement::Accrued };
			let amount = amount.unwrap_or_else(Zero::zero);
			if earnings.recent.is_full() {
				earnings.recent.remove(0);
			}
			let _ = earnings.recent.try_push(SettledEpoch {
				epoch: open.epoch,
				points: open.points,
				amount,
				settlement,
			});
			Self::deposit_event(Event::RewardSettled {
				device,
				epoch: open.epoch,
				points: open.points,
				amount,
				expired: settlement == Settlement::Expired,
			});
		}
		Ok(Some(expired))
	}

	pub(crate) fn note_block(author: T::AccountId) {
		let epoch = CurrentEpoch::<T>::get();
		AuthorReceipts::<T>::mutate(epoch, author, |receipt| {
			let receipt = receipt.get_or_insert_with(Default::default);
			receipt.blocks = receipt.blocks.saturating_add(1);
		});
		Tallies::<T>::mutate(epoch, |tally| tally.blocks = tally.blocks.saturating_add(1));
	}

	// ---- Closing and expiring epochs ---------------------------------------------------------

	/// Epoch `ended` (blocks `start..end`) is over: mint its emission into pools and the
	/// treasury, and expire what has aged out of the claim window. Returns the weight used.
	pub(crate) fn close_epoch(
		ended: EpochIndex,
		start: BlockNumberFor<T>,
		end: BlockNumberFor<T>,
	) -> Weight {
		CurrentEpoch::<T>::put(ended.saturating_add(1));
		let tally = Tallies::<T>::take(ended);

		let emission = schedule::epoch_emission(
			T::BlockReward::get(),
			T::HalvingPeriod::get().unique_saturated_into(),
			start.unique_saturated_into(),
			end.unique_saturated_into(),
			T::Currency::total_issuance(),
			T::MaxSupply::get(),
		);

		let (nominal, validators_nominal, treasury_nominal) = Self::split(emission);

		// Only categories (and validators) that earned something get their pool minted.
		let earned = |kind: DeviceKind| {
			if tally.points.get(kind) > 0 {
				nominal.get(kind)
			} else {
				Zero::zero()
			}
		};
		let mut pools = PerKind::from_fn(earned);
		let mut validators = if tally.blocks > 0 { validators_nominal } else { Zero::zero() };
		if !Self::mint(&Self::pot(), pools.total().saturating_add(validators)) {
			pools = PerKind::default();
			validators = Zero::zero();
		}
		let treasury = if Self::mint(&T::TreasuryAccount::get(), treasury_nominal) {
			treasury_nominal
		} else {
			Zero::zero()
		};
		let minted = pools.total().saturating_add(validators).saturating_add(treasury);
		Scheduled::<T>::mutate(|s| *s = s.saturating_add(emission));

		Rewards::<T>::insert(
			ended,
			EpochRewards {
				points: tally.points,
				blocks: tally.blocks,
				emission,
				pools,
				validators,
				treasury,
				settled_points: PerKind::default(),
				settled: PerKind::default(),
				validators_paid: Zero::zero(),
			},
		);
		Self::deposit_event(Event::EpochRewarded {
			epoch: ended,
			emission,
			minted,
			pools,
			validators,
			treasury,
		});

		let expired = Self::expire(ended);
		T::WeightInfo::close_epoch(expired)
	}

	/// How an epoch's emission divides between the provider categories, the validators and
	/// the treasury: the shares are served in that order until the emission runs out, and the
	/// treasury gets the rest.
	pub(crate) fn split(
		emission: BalanceOf<T>,
	) -> (PerKind<BalanceOf<T>>, BalanceOf<T>, BalanceOf<T>) {
		let mut left = emission;
		let mut take = |share: Perbill| {
			let part = share.mul_floor(emission).min(left);
			left = left.saturating_sub(part);
			part
		};
		let pools = PerKind::from_fn(|kind| take(T::PoolShares::share(kind)));
		let validators = take(T::ValidatorShare::get());
		(pools, validators, left)
	}

	/// Mint `amount` into `who`, counting it. False (and nothing minted) if it cannot be.
	fn mint(who: &T::AccountId, amount: BalanceOf<T>) -> bool {
		if amount.is_zero() {
			return true;
		}
		match T::Currency::mint_into(who, amount) {
			Ok(minted) => {
				Minted::<T>::mutate(|m| *m = m.saturating_add(minted));
				true
			},
			Err(_) => {
				// Only possible for an amount below the existential deposit into an empty
				// account, or at the balance type's limit: the share stays unminted.
				false
			},
		}
	}

	/// Expire the epochs whose claim window closed when epoch `ended` did: at most
	/// [`EXPIRIES_PER_EPOCH`] of them. Returns how many.
	fn expire(ended: EpochIndex) -> u32 {
		// Epoch `e` can be claimed while the epoch in progress is at most `e + window`.
		let window = T::ClaimWindow::get().max(1);
		let until = ended.saturating_add(1).saturating_sub(window);
		let mut next = ExpiredBefore::<T>::get();
		let mut count = 0;
		while next < until && count < EXPIRIES_PER_EPOCH {
			if let Some(rewards) = Rewards::<T>::take(next) {
				let left = rewards.unclaimed();
				let to_treasury = if left.is_zero() {
					left
				} else {
					match T::Currency::transfer(
						&Self::pot(),
						&T::TreasuryAccount::get(),
						left,
						Preservation::Preserve,
					) {
						Ok(_) => left,
						Err(_) => {
							defensive!("the pot holds every epoch's unclaimed rewards");
							Zero::zero()
						},
					}
				};
				Self::deposit_event(Event::RewardsExpired { epoch: next, to_treasury });
			}
			next = next.saturating_add(1);
			count = count.saturating_add(1);
		}
		ExpiredBefore::<T>::put(next);
		count
	}

	/// Delete validators' receipts of expired epochs within `remaining` weight. Returns the
	/// weight used.
	pub(crate) fn clean_receipts(remaining: Weight) -> Weight {
		let mut epoch = CleanedBefore::<T>::get();
		let expired = ExpiredBefore::<T>::get();
		let check = T::DbWeight::get().reads(2);
		if epoch >= expired {
			return check;
		}
		let base = T::WeightInfo::clean_receipts(0);
		let per_receipt = T::WeightInfo::clean_receipts(1).saturating_sub(base);
		let Some(room) = remaining.checked_sub(&base.saturating_add(check)) else {
			return Weight::zero();
		};
		let fit = room
			.ref_time()
			.checked_div(per_receipt.ref_time().max(1))
			.unwrap_or(0)
			.min(room.proof_size().checked_div(per_receipt.proof_size().max(1)).unwrap_or(0));
		let mut budget: u32 = fit.min(u64::from(u32::MAX)).unique_saturated_into();
		let planned = budget;
		while epoch < expired && budget > 0 {
			if !Self::clean_epoch(epoch, &mut budget) {
				break;
			}
			epoch = epoch.saturating_add(1);
		}
		CleanedBefore::<T>::put(epoch);
		let cleaned = planned.saturating_sub(budget);
		T::WeightInfo::clean_receipts(cleaned).saturating_add(check)
	}

	/// Remove up to `budget` validators' receipts of `epoch`, counting them off. True once
	/// none is left.
	fn clean_epoch(epoch: EpochIndex, budget: &mut u32) -> bool {
		let mut authors = AuthorReceipts::<T>::drain_prefix(epoch);
		loop {
			if *budget == 0 {
				return false;
			}
			if authors.next().is_none() {
				return true;
			}
			*budget = budget.saturating_sub(1);
		}
	}

	// ---- Claims ------------------------------------------------------------------------------

	/// Whether `epoch` can no longer be claimed, with `current` in progress.
	pub(crate) fn expired(epoch: EpochIndex, current: EpochIndex) -> bool {
		epoch < ExpiredBefore::<T>::get()
			|| epoch.saturating_add(T::ClaimWindow::get().max(1)) < current
	}

	/// What `points` of `kind` in the epoch of `rewards` are worth: `pool × points / category
	/// points`, rounded down, and for a kind capped by usage at most the `fees` its usage
	/// burned in the epoch.
	pub(crate) fn epoch_share(
		rewards: &EpochRewards<BalanceOf<T>>,
		kind: DeviceKind,
		points: u64,
		fees: BalanceOf<T>,
	) -> BalanceOf<T> {
		let share = Self::pro_rata(rewards.pools.get(kind), points, rewards.points.get(kind));
		if T::UsageCapped::contains(&kind) {
			share.min(fees)
		} else {
			share
		}
	}

	/// `device` burned `amount` in fees on usage it was paid for in `epoch`: its cap grows.
	pub(crate) fn note_fee(device: DeviceId, kind: DeviceKind, epoch: EpochIndex, amount: u128) {
		let Some((mut earnings, _)) = Self::earnings_in(device, kind, epoch) else { return };
		let open = earnings.open.get_or_insert(OpenEpoch { epoch, ..Default::default() });
		// Bounded by the total issuance: the fees are real balance taken from clients.
		open.fees = open.fees.saturating_add(BalanceOf::<T>::unique_saturated_from(amount));
		DeviceEarnings::<T>::insert(device, earnings);
	}

	fn claimable_rewards(epoch: EpochIndex) -> Result<EpochRewards<BalanceOf<T>>, Error<T>> {
		let current = CurrentEpoch::<T>::get();
		ensure!(epoch < current, Error::<T>::EpochNotEnded);
		ensure!(!Self::expired(epoch, current), Error::<T>::EpochExpired);
		Rewards::<T>::get(epoch).ok_or(Error::<T>::EpochExpired)
	}

	fn pay(to: &T::AccountId, amount: BalanceOf<T>) -> Result<(), Error<T>> {
		T::Currency::transfer(&Self::pot(), to, amount, Preservation::Preserve)
			.map_err(|_| Error::<T>::PotExhausted)?;
		Ok(())
	}

	pub(crate) fn do_claim(who: &T::AccountId, device: DeviceId) -> DispatchResult {
		let owner = T::Registry::owner(device).ok_or(Error::<T>::UnknownDevice)?;
		ensure!(
			*who == owner || T::Registry::manager(device).as_ref() == Some(who),
			Error::<T>::NotOwnerOrManager
		);
		match Self::pay_out(device, &owner)? {
			// A settlement worth nothing still succeeds, so the device can be removed.
			PayOut::Paid(_) => Ok(()),
			PayOut::Expired => Err(Error::<T>::EpochExpired.into()),
			PayOut::Nothing => Err(Error::<T>::NothingToClaim.into()),
		}
	}

	/// Settle `device`'s ended epoch and pay its balance to `owner`. Nothing is paid (and
	/// only an expired epoch's settlement recorded) if there was nothing to pay.
	fn pay_out(device: DeviceId, owner: &T::AccountId) -> Result<PayOut<BalanceOf<T>>, Error<T>> {
		let Some(mut earnings) = DeviceEarnings::<T>::get(device) else {
			return Ok(PayOut::Nothing);
		};
		let settled = Self::settle(device, &mut earnings)?;
		let amount = earnings.accrued;
		match settled {
			None if amount.is_zero() => return Ok(PayOut::Nothing),
			Some(true) if amount.is_zero() => {
				DeviceEarnings::<T>::insert(device, earnings);
				return Ok(PayOut::Expired);
			},
			_ => {},
		}
		if !amount.is_zero() {
			Self::pay(owner, amount)?;
		}
		earnings.accrued = Zero::zero();
		for epoch in earnings.recent.iter_mut() {
			if epoch.settlement == Settlement::Accrued {
				epoch.settlement = Settlement::Paid;
			}
		}
		DeviceEarnings::<T>::insert(device, earnings);
		Self::deposit_event(Event::RewardClaimed { device, owner: owner.clone(), amount });
		Ok(PayOut::Paid(amount))
	}

	pub(crate) fn do_claim_validator(who: &T::AccountId, epoch: EpochIndex) -> DispatchResult {
		let mut rewards = Self::claimable_rewards(epoch)?;
		let mut receipt = AuthorReceipts::<T>::get(epoch, who).ok_or(Error::<T>::NothingToClaim)?;
		ensure!(receipt.paid.is_none(), Error::<T>::AlreadyClaimed);
		let amount = Self::pro_rata(
			rewards.validators,
			u64::from(receipt.blocks),
			u64::from(rewards.blocks),
		);
		ensure!(!amount.is_zero(), Error::<T>::NothingToClaim);
		ensure!(
			rewards.validators_paid.saturating_add(amount) <= rewards.validators
				&& amount <= rewards.unclaimed(),
			Error::<T>::PoolExhausted
		);

		Self::pay(who, amount)?;
		receipt.paid = Some(amount);
		rewards.validators_paid = rewards.validators_paid.saturating_add(amount);
		AuthorReceipts::<T>::insert(epoch, who, receipt);
		Rewards::<T>::insert(epoch, rewards);
		Self::deposit_event(Event::ValidatorRewardClaimed {
			epoch,
			validator: who.clone(),
			amount,
		});
		Ok(())
	}

	// ---- Burns ---------------------------------------------------------------------------------

	fn burn(credit: CreditOf<T>) {
		let amount = credit.peek();
		Burned::<T>::mutate(|b| *b = b.saturating_add(amount));
		// Dropping a credit takes it out of the total issuance.
		drop(credit);
		Self::deposit_event(Event::Burned { amount });
	}

	// ---- Invariants ----------------------------------------------------------------------------

	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use sp_runtime::traits::CheckedSub;
		let issuance = T::Currency::total_issuance();
		let expected = GenesisIssuance::<T>::get()
			.saturating_add(Minted::<T>::get())
			.checked_sub(&Burned::<T>::get())
			.ok_or("more burned than ever issued")?;
		ensure!(issuance == expected, "total issuance != genesis + minted - burned");
		ensure!(Minted::<T>::get() <= Scheduled::<T>::get(), "minted more than the schedule");
		ensure!(
			Minted::<T>::get().is_zero()
				|| issuance <= T::MaxSupply::get().max(GenesisIssuance::<T>::get()),
			"issuance above the supply cap"
		);

		let current = CurrentEpoch::<T>::get();
		let expired = ExpiredBefore::<T>::get();
		ensure!(CleanedBefore::<T>::get() <= expired, "receipts cleaned before expiry");
		ensure!(expired <= current, "an epoch expired before it ended");
		let mut outstanding = BalanceOf::<T>::zero();
		for (epoch, rewards) in Rewards::<T>::iter() {
			ensure!(epoch >= expired && epoch < current, "rewards of an epoch not claimable");
			for kind in DeviceKind::ALL {
				ensure!(
					rewards.settled.get(kind) <= rewards.pools.get(kind),
					"a kind paid more than its pool"
				);
				ensure!(
					rewards.settled_points.get(kind) <= rewards.points.get(kind),
					"more points settled than earned"
				);
			}
			ensure!(
				rewards.validators_paid <= rewards.validators,
				"validators paid more than their pool"
			);
			let paid_authors = AuthorReceipts::<T>::iter_prefix_values(epoch)
				.filter_map(|r| r.paid)
				.fold(BalanceOf::<T>::zero(), |sum, paid| sum.saturating_add(paid));
			ensure!(
				paid_authors == rewards.validators_paid,
				"validators' receipts do not add up to what the epoch paid them"
			);
			outstanding = outstanding.saturating_add(rewards.unclaimed());
		}
		// Devices' balances, and their points not yet settled, by epoch.
		let mut open_points: alloc::collections::BTreeMap<EpochIndex, PerKind<u64>> =
			Default::default();
		for (device, earnings) in DeviceEarnings::<T>::iter() {
			outstanding = outstanding.saturating_add(earnings.accrued);
			if let Some(open) = earnings.open {
				ensure!(open.epoch <= current, "a device earning in a future epoch");
				open_points.entry(open.epoch).or_default().add(earnings.kind, open.points);
			}
			ensure!(
				earnings
					.recent
					.iter()
					.zip(earnings.recent.iter().skip(1))
					.all(|(a, b)| a.epoch < b.epoch)
					&& earnings.open.is_none_or(|open| {
						earnings.recent.last().is_none_or(|last| last.epoch < open.epoch)
					}),
				"a device's epochs out of order"
			);
			ensure!(
				!earnings.accrued.is_zero()
					|| earnings
						.recent
						.iter()
						.all(|e| e.settlement != Settlement::Accrued || e.amount.is_zero()),
				"an accrued epoch without a balance"
			);
			ensure!(T::Registry::owner(device).is_some(), "earnings of a removed device");
		}
		ensure!(
			open_points.get(&current).copied().unwrap_or_default()
				== Tallies::<T>::get(current).points,
			"devices' points do not add up to the epoch's tally"
		);
		// A live epoch's points are settled or still open, never both, never more.
		for (epoch, rewards) in Rewards::<T>::iter() {
			let open = open_points.get(&epoch).copied().unwrap_or_default();
			for kind in DeviceKind::ALL {
				ensure!(
					rewards.settled_points.get(kind).saturating_add(open.get(kind))
						<= rewards.points.get(kind),
					"an epoch's settled and open points exceed its points"
				);
			}
		}
		ensure!(
			Tallies::<T>::iter_keys().all(|epoch| epoch == current),
			"a tally of an epoch not in progress"
		);
		let spendable = T::Currency::reducible_balance(
			&Self::pot(),
			Preservation::Preserve,
			frame_support::traits::tokens::Fortitude::Polite,
		);
		ensure!(spendable >= outstanding, "the pot holds less than it owes");
		let cleaned = CleanedBefore::<T>::get();
		ensure!(
			AuthorReceipts::<T>::iter_keys().all(|(epoch, _)| epoch >= cleaned),
			"receipts left of a cleaned epoch"
		);
		Ok(())
	}
}

impl<T: Config> depin_proving::OnProofAccepted for Pallet<T> {
	fn proof_accepted(device: DeviceId, kind: DeviceKind, epoch: EpochIndex, points: u64) {
		Self::note_points(device, kind, epoch, points)
	}

	fn fee_burned(device: DeviceId, kind: DeviceKind, epoch: EpochIndex, amount: u128) {
		Self::note_fee(device, kind, epoch, amount)
	}

	/// Settling the device's epoch before, as for points (the benchmark's worst case; the
	/// tally it writes there makes up for the fee's own arithmetic).
	fn fee_weight() -> Weight {
		T::WeightInfo::proof_accepted()
	}

	/// The benchmark's weight: a device's first points in an epoch, which settle the epoch it
	/// earned in before (its earnings, that epoch's rewards and the tally, each read and
	/// written).
	fn weight() -> Weight {
		T::WeightInfo::proof_accepted()
	}
}

/// A device is kept in the registry while it has a balance, or points in an epoch that is
/// not over or can still be settled: its owner must be there to be paid.
impl<T: Config> depin_proving::UnclaimedRewards for Pallet<T> {
	fn has_unclaimed(device: DeviceId) -> bool {
		DeviceEarnings::<T>::get(device).is_some_and(|earnings| {
			!earnings.accrued.is_zero()
				|| earnings.open.is_some_and(|open| {
					open.points > 0 && !Self::expired(open.epoch, CurrentEpoch::<T>::get())
				})
		})
	}

	/// The device's earnings, the epoch in progress, the expiry mark and the claim window.
	fn weight() -> Weight {
		T::DbWeight::get().reads(4)
	}
}

/// A device sold is paid out to the seller first: what it earned before the sale was the
/// seller's. A removed device's earnings go with it (it can only be removed with nothing left
/// to pay: [`depin_proving::UnclaimedRewards`]).
impl<T: Config> depin_proving::OnDeviceChange for Pallet<T> {
	fn before_change(device: DeviceId, change: depin_proving::DeviceChange) {
		match change {
			depin_proving::DeviceChange::Transfer => {
				let Some(seller) = T::Registry::owner(device) else { return };
				// In its own storage layer: a payout that fails leaves no settlement behind.
				let paid = frame_support::storage::with_storage_layer(|| {
					Self::pay_out(device, &seller).map_err(sp_runtime::DispatchError::from)
				});
				if let Err(error) = paid {
					defensive!("the pot pays every balance", error);
				}
			},
			depin_proving::DeviceChange::Remove => DeviceEarnings::<T>::remove(device),
			depin_proving::DeviceChange::Retire | depin_proving::DeviceChange::Move => {},
		}
	}

	fn weight(change: depin_proving::DeviceChange) -> Weight {
		match change {
			depin_proving::DeviceChange::Transfer => T::WeightInfo::claim(),
			depin_proving::DeviceChange::Remove => T::DbWeight::get().writes(1),
			depin_proving::DeviceChange::Retire | depin_proving::DeviceChange::Move => {
				Weight::zero()
			},
		}
	}
}

impl<T: Config> depin_proving::OnEpochEnd<BlockNumberFor<T>> for Pallet<T> {
	fn epoch_ended(ended: EpochIndex, start: BlockNumberFor<T>, end: BlockNumberFor<T>) -> Weight {
		Self::close_epoch(ended, start, end)
	}

	fn weight() -> Weight {
		T::WeightInfo::close_epoch(EXPIRIES_PER_EPOCH)
	}
}

/// Credits each block to its author (`pallet_authorship`'s event handler).
impl<T: Config> pallet_authorship::EventHandler<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn note_author(author: T::AccountId) {
		Self::note_block(author);
		frame_system::Pallet::<T>::register_extra_weight_unchecked(
			T::WeightInfo::note_author(),
			DispatchClass::Mandatory,
		);
	}
}

/// Where slashed device deposits go: burned if `BurnSlashed`, else to the treasury (burned
/// anyway if the treasury cannot take them).
pub struct SlashedFunds<T>(core::marker::PhantomData<T>);

impl<T: Config> OnUnbalanced<CreditOf<T>> for SlashedFunds<T> {
	fn on_nonzero_unbalanced(credit: CreditOf<T>) {
		if T::BurnSlashed::get() {
			return Pallet::<T>::burn(credit);
		}
		let amount = credit.peek();
		match T::Currency::resolve(&T::TreasuryAccount::get(), credit) {
			Ok(()) => Pallet::<T>::deposit_event(Event::SlashToTreasury { amount }),
			Err(credit) => Pallet::<T>::burn(credit),
		}
	}
}

/// Burns what it is given and counts it (for the balances pallet's dust).
pub struct Burn<T>(core::marker::PhantomData<T>);

impl<T: Config> OnUnbalanced<CreditOf<T>> for Burn<T> {
	fn on_nonzero_unbalanced(credit: CreditOf<T>) {
		Pallet::<T>::burn(credit)
	}
}
