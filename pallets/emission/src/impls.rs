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
	traits::{AccountIdConversion, Saturating, UniqueSaturatedFrom, UniqueSaturatedInto, Zero},
	DispatchResult, Perbill,
};

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
	/// The receipt and the tally change together or not at all, so the receipts of an epoch
	/// always add up to its tally and its claims to at most its pool.
	pub(crate) fn note_points(device: DeviceId, kind: DeviceKind, epoch: EpochIndex, points: u64) {
		if epoch < CurrentEpoch::<T>::get() {
			// The proofs pallet only accepts proofs for the epoch in progress.
			defensive!("points for an epoch that has ended");
			return;
		}
		let existing = Receipts::<T>::get(epoch, device);
		let new_receipt = existing.is_none();
		let mut receipt = existing.unwrap_or(Receipt { kind, points: 0, paid: None });
		if receipt.kind != kind {
			defensive!("a device earns points in one kind");
			return;
		}
		let room = MAX_DEVICE_POINTS_PER_EPOCH.saturating_sub(receipt.points);
		let counted = points.min(MAX_POINTS_PER_PROOF).min(room);
		let mut tally = Tallies::<T>::get(epoch);
		let (Some(sum), Some(total)) =
			(receipt.points.checked_add(counted), tally.points.checked_add(kind, counted))
		else {
			Self::deposit_event(Event::PointsCapped {
				device,
				epoch,
				reported: points,
				counted: 0,
			});
			return;
		};
		if counted < points {
			Self::deposit_event(Event::PointsCapped { device, epoch, reported: points, counted });
		}
		if counted == 0 {
			return;
		}
		receipt.points = sum;
		tally.points = total;
		Receipts::<T>::insert(epoch, device, receipt);
		Tallies::<T>::insert(epoch, tally);
		if new_receipt {
			UnpaidReceipts::<T>::mutate(device, |count| *count = count.saturating_add(1));
		}
	}

	/// One receipt of `device` is paid (or deleted unpaid with its expired epoch).
	fn receipt_settled(device: DeviceId) {
		UnpaidReceipts::<T>::mutate_exists(device, |count| {
			*count = count.and_then(|c| c.checked_sub(1)).filter(|c| *c > 0);
		});
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
				claimed: Zero::zero(),
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

	/// Delete receipts of expired epochs within `remaining` weight. Returns the weight used.
	pub(crate) fn clean_receipts(remaining: Weight) -> Weight {
		let mut epoch = CleanedBefore::<T>::get();
		let expired = ExpiredBefore::<T>::get();
		let check = T::DbWeight::get().reads(2);
		if epoch >= expired {
			return check;
		}
		let base = T::WeightInfo::clean_receipts(0);
		// Each receipt: its deletion and its device's unpaid count (both in the benchmark).
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

	/// Remove up to `budget` receipts of `epoch`, counting them off. True once none is left.
	fn clean_epoch(epoch: EpochIndex, budget: &mut u32) -> bool {
		let mut devices = Receipts::<T>::drain_prefix(epoch);
		loop {
			if *budget == 0 {
				return false;
			}
			let Some((device, receipt)) = devices.next() else { break };
			UsageCaps::<T>::remove(epoch, device);
			if receipt.paid.is_none() {
				Self::receipt_settled(device);
			}
			*budget = budget.saturating_sub(1);
		}
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

	/// What `device`'s `receipt` of `epoch` pays: `pool × points / category points`, and for a
	/// kind capped by usage at most the fees its usage burned in the epoch.
	pub(crate) fn receipt_amount(
		epoch: EpochIndex,
		device: DeviceId,
		receipt: &Receipt<BalanceOf<T>>,
		rewards: &EpochRewards<BalanceOf<T>>,
	) -> BalanceOf<T> {
		let share = Self::pro_rata(
			rewards.pools.get(receipt.kind),
			receipt.points,
			rewards.points.get(receipt.kind),
		);
		if T::UsageCapped::contains(&receipt.kind) {
			share.min(UsageCaps::<T>::get(epoch, device))
		} else {
			share
		}
	}

	/// `device` burned `amount` in fees on usage it was paid for in `epoch`: its cap grows.
	pub(crate) fn note_fee(device: DeviceId, epoch: EpochIndex, amount: u128) {
		if epoch < CurrentEpoch::<T>::get() {
			defensive!("fees for an epoch that has ended");
			return;
		}
		// Bounded by the total issuance: the fees are real balance taken from clients.
		let amount = BalanceOf::<T>::unique_saturated_from(amount);
		UsageCaps::<T>::mutate(epoch, device, |cap| *cap = cap.saturating_add(amount));
	}

	fn claimable_rewards(epoch: EpochIndex) -> Result<EpochRewards<BalanceOf<T>>, Error<T>> {
		let current = CurrentEpoch::<T>::get();
		ensure!(epoch < current, Error::<T>::EpochNotEnded);
		ensure!(!Self::expired(epoch, current), Error::<T>::EpochExpired);
		Rewards::<T>::get(epoch).ok_or(Error::<T>::EpochExpired)
	}

	fn pay(to: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::transfer(&Self::pot(), to, amount, Preservation::Preserve)
			.map_err(|_| Error::<T>::PotExhausted)?;
		Ok(())
	}

	pub(crate) fn do_claim(
		who: &T::AccountId,
		device: DeviceId,
		epoch: EpochIndex,
	) -> DispatchResult {
		let mut rewards = Self::claimable_rewards(epoch)?;
		let owner = T::Registry::owner(device).ok_or(Error::<T>::UnknownDevice)?;
		ensure!(
			*who == owner || T::Registry::manager(device).as_ref() == Some(who),
			Error::<T>::NotOwnerOrManager
		);
		let mut receipt = Receipts::<T>::get(epoch, device).ok_or(Error::<T>::NothingToClaim)?;
		ensure!(receipt.paid.is_none(), Error::<T>::AlreadyClaimed);
		let amount = Self::receipt_amount(epoch, device, &receipt, &rewards);
		ensure!(amount <= rewards.unclaimed(), Error::<T>::PoolExhausted);

		// A share that rounds to nothing settles the receipt with nothing paid, so it does
		// not keep the device from being removed.
		if !amount.is_zero() {
			Self::pay(&owner, amount)?;
		}
		receipt.paid = Some(amount);
		rewards.claimed = rewards.claimed.saturating_add(amount);
		Receipts::<T>::insert(epoch, device, receipt);
		Rewards::<T>::insert(epoch, rewards);
		Self::receipt_settled(device);
		Self::deposit_event(Event::RewardClaimed { epoch, device, owner, amount });
		Ok(())
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
		ensure!(amount <= rewards.unclaimed(), Error::<T>::PoolExhausted);

		Self::pay(who, amount)?;
		receipt.paid = Some(amount);
		rewards.claimed = rewards.claimed.saturating_add(amount);
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
		for epoch in Tallies::<T>::iter_keys() {
			ensure!(epoch >= current, "a tally of an ended epoch");
		}
		let mut outstanding = BalanceOf::<T>::zero();
		for (epoch, rewards) in Rewards::<T>::iter() {
			ensure!(epoch >= expired && epoch < current, "rewards of an epoch not claimable");
			ensure!(
				rewards.claimed <= rewards.pools.total().saturating_add(rewards.validators),
				"claimed more than the pools"
			);
			let paid_devices = Receipts::<T>::iter_prefix_values(epoch)
				.filter_map(|r| r.paid)
				.fold(BalanceOf::<T>::zero(), |sum, paid| sum.saturating_add(paid));
			let paid_authors = AuthorReceipts::<T>::iter_prefix_values(epoch)
				.filter_map(|r| r.paid)
				.fold(BalanceOf::<T>::zero(), |sum, paid| sum.saturating_add(paid));
			ensure!(
				paid_devices.saturating_add(paid_authors) == rewards.claimed,
				"receipts do not add up to what the epoch paid"
			);
			let points: PerKind<u64> =
				Receipts::<T>::iter_prefix_values(epoch).fold(PerKind::default(), |mut sum, r| {
					sum.add(r.kind, r.points);
					sum
				});
			ensure!(points == rewards.points, "receipts do not add up to the epoch's points");
			let paid: PerKind<BalanceOf<T>> =
				Receipts::<T>::iter_prefix_values(epoch).fold(PerKind::default(), |mut sum, r| {
					sum.add(r.kind, r.paid.unwrap_or_default());
					sum
				});
			for kind in DeviceKind::ALL {
				ensure!(
					paid.get(kind) <= rewards.pools.get(kind),
					"a kind paid more than its pool"
				);
			}
			ensure!(paid_authors <= rewards.validators, "validators paid more than their pool");
			outstanding = outstanding.saturating_add(rewards.unclaimed());
		}
		let spendable = T::Currency::reducible_balance(
			&Self::pot(),
			Preservation::Preserve,
			frame_support::traits::tokens::Fortitude::Polite,
		);
		ensure!(spendable >= outstanding, "the pot holds less than the unclaimed rewards");
		let cleaned = CleanedBefore::<T>::get();
		ensure!(
			Receipts::<T>::iter_keys().all(|(epoch, _)| epoch >= cleaned),
			"receipts left of a cleaned epoch"
		);
		let mut unpaid: alloc::collections::BTreeMap<DeviceId, u32> = Default::default();
		for (_, device, receipt) in Receipts::<T>::iter() {
			if receipt.paid.is_none() {
				let count = unpaid.entry(device).or_default();
				*count = count.saturating_add(1);
			}
		}
		ensure!(
			UnpaidReceipts::<T>::iter().collect::<alloc::collections::BTreeMap<_, _>>() == unpaid,
			"unpaid receipt counts out of step"
		);
		Ok(())
	}
}

impl<T: Config> depin_proving::OnProofAccepted for Pallet<T> {
	fn proof_accepted(device: DeviceId, kind: DeviceKind, epoch: EpochIndex, points: u64) {
		Self::note_points(device, kind, epoch, points)
	}

	fn fee_burned(device: DeviceId, _kind: DeviceKind, epoch: EpochIndex, amount: u128) {
		Self::note_fee(device, epoch, amount)
	}

	/// The epoch read and the cap read and written.
	fn fee_weight() -> Weight {
		T::DbWeight::get().reads_writes(2, 1)
	}

	/// The benchmark's weight (a device's first points in an epoch: its receipt, the tally and
	/// its unpaid count).
	fn weight() -> Weight {
		T::WeightInfo::proof_accepted()
	}
}

/// A device is kept in the registry while it has unpaid receipts.
impl<T: Config> depin_proving::UnclaimedRewards for Pallet<T> {
	fn has_unclaimed(device: DeviceId) -> bool {
		UnpaidReceipts::<T>::contains_key(device)
	}

	fn weight() -> Weight {
		T::DbWeight::get().reads(1)
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
