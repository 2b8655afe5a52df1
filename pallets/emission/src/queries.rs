//! Read-only queries for the runtime API (`depin-runtime-api`): where a device's rewards
//! stand. They never write and are not used by extrinsics.

use crate::{pallet::*, schedule, types::*, BalanceOf};
use alloc::vec::Vec;
use frame_support::traits::{fungible::Inspect, Contains, Get};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{DeviceId, DeviceKind, MAX_PAGE};
use sp_runtime::traits::{Saturating, UniqueSaturatedInto, Zero};

impl<T: Config> Pallet<T> {
	/// The device's receipt for `epoch`, if it earned points in it and its earnings still
	/// keep it: the epoch it is earning in or last earned in, and its newest settled epochs
	/// ([`RECENT_RECEIPTS`]).
	pub fn reward_receipt(
		device: DeviceId,
		epoch: EpochIndex,
	) -> Option<RewardReceipt<BalanceOf<T>>> {
		Self::reward_receipts(device, Some(epoch), 1).into_iter().find(|r| r.epoch == epoch)
	}

	/// The device's kept receipts from epoch `from` on (all if `None`), oldest first, at most
	/// `limit` (capped at [`MAX_PAGE`]). The next page starts after the last epoch.
	pub fn reward_receipts(
		device: DeviceId,
		from: Option<EpochIndex>,
		limit: u32,
	) -> Vec<RewardReceipt<BalanceOf<T>>> {
		let Some(earnings) = DeviceEarnings::<T>::get(device) else { return Vec::new() };
		let from = from.unwrap_or_default();
		let settled = earnings.recent.iter().map(|s| Self::settled_receipt(earnings.kind, s));
		let open = earnings
			.open
			.filter(|open| open.points > 0)
			.map(|open| Self::open_receipt(earnings.kind, &open));
		settled.chain(open).filter(|r| r.epoch >= from).take(limit.min(MAX_PAGE) as usize).collect()
	}

	/// The receipt of an epoch settled into a device's balance.
	fn settled_receipt(
		kind: DeviceKind,
		settled: &SettledEpoch<BalanceOf<T>>,
	) -> RewardReceipt<BalanceOf<T>> {
		let rewards = Rewards::<T>::get(settled.epoch).unwrap_or_default();
		RewardReceipt {
			epoch: settled.epoch,
			kind,
			points: settled.points,
			category_points: rewards.points.get(kind),
			pool: rewards.pools.get(kind),
			amount: settled.amount,
			status: match settled.settlement {
				Settlement::Accrued => RewardStatus::Accrued,
				Settlement::Paid => RewardStatus::Claimed,
				Settlement::Expired => RewardStatus::Expired,
			},
		}
	}

	/// The receipt of the epoch a device is earning in or last earned in, not yet settled:
	/// what settling it would add to the balance.
	fn open_receipt(
		kind: DeviceKind,
		open: &OpenEpoch<BalanceOf<T>>,
	) -> RewardReceipt<BalanceOf<T>> {
		let current = CurrentEpoch::<T>::get();
		let mut report = RewardReceipt {
			epoch: open.epoch,
			kind,
			points: open.points,
			category_points: 0,
			pool: Zero::zero(),
			amount: Zero::zero(),
			status: RewardStatus::InProgress,
		};
		if open.epoch >= current {
			report.category_points = Tallies::<T>::get(open.epoch).points.get(kind);
		} else if let Some(rewards) =
			Rewards::<T>::get(open.epoch).filter(|_| !Self::expired(open.epoch, current))
		{
			report.category_points = rewards.points.get(kind);
			report.pool = rewards.pools.get(kind);
			report.amount = Self::epoch_share(&rewards, kind, open.points, open.fees);
			report.status = RewardStatus::Claimable {
				until: open.epoch.saturating_add(T::ClaimWindow::get().max(1)),
			};
		} else {
			report.status = RewardStatus::Expired;
		}
		report
	}

	/// What a claim of the device would pay now: its balance, and its ended epoch not yet
	/// settled. The receipts listed are the ones it pays, oldest first.
	pub fn pending_rewards(device: DeviceId) -> PendingRewards<BalanceOf<T>> {
		let Some(earnings) = DeviceEarnings::<T>::get(device) else {
			return PendingRewards { total: Zero::zero(), receipts: Vec::new() };
		};
		let receipts: Vec<_> = Self::reward_receipts(device, None, MAX_PAGE)
			.into_iter()
			.filter(|r| {
				matches!(r.status, RewardStatus::Claimable { .. } | RewardStatus::Accrued)
					&& !r.amount.is_zero()
			})
			.collect();
		let open = receipts
			.iter()
			.filter(|r| matches!(r.status, RewardStatus::Claimable { .. }))
			.fold(BalanceOf::<T>::zero(), |t, r| t.saturating_add(r.amount));
		PendingRewards { total: earnings.accrued.saturating_add(open), receipts }
	}

	/// What a device of `kind` can expect from the epoch in progress, planned to run over
	/// blocks `start..end`, if it earns `potential_points` in it (its points so far plus those
	/// of the challenges it has still to answer) and no other device earns more. For a kind
	/// capped by usage ([`Config::UsageCapped`]) it is at most the fees the device's usage has
	/// burned in the epoch so far: what a claim would pay if the epoch ended now.
	pub fn reward_estimate(
		device: DeviceId,
		kind: DeviceKind,
		potential_points: u64,
		start: BlockNumberFor<T>,
		end: BlockNumberFor<T>,
	) -> RewardEstimate<BalanceOf<T>> {
		let epoch = CurrentEpoch::<T>::get();
		let open = DeviceEarnings::<T>::get(device)
			.and_then(|earnings| earnings.open)
			.filter(|open| open.epoch == epoch)
			.unwrap_or_default();
		let points = open.points;
		let potential_points = potential_points.max(points);
		let category_points = Tallies::<T>::get(epoch).points.get(kind);
		let emission = schedule::epoch_emission(
			T::BlockReward::get(),
			T::HalvingPeriod::get().unique_saturated_into(),
			start.unique_saturated_into(),
			end.unique_saturated_into(),
			T::Currency::total_issuance(),
			T::MaxSupply::get(),
		);
		let (pools, _, _) = Self::split(emission);
		let pool = pools.get(kind);
		let whole = category_points.saturating_sub(points).saturating_add(potential_points);
		let mut amount = Self::pro_rata(pool, potential_points, whole);
		if T::UsageCapped::contains(&kind) {
			amount = amount.min(open.fees);
		}
		RewardEstimate { epoch, points, potential_points, category_points, pool, amount }
	}
}
