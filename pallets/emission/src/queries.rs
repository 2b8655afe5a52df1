//! Read-only queries for the runtime API (`depin-runtime-api`): where a device's rewards
//! stand. They never write and are not used by extrinsics.

use crate::{pallet::*, schedule, types::*, BalanceOf};
use alloc::vec::Vec;
use frame_support::traits::{fungible::Inspect, Contains, Get};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{DeviceId, DeviceKind, MAX_PAGE};
use sp_runtime::traits::{Saturating, UniqueSaturatedInto, Zero};

impl<T: Config> Pallet<T> {
	/// The device's receipt for `epoch`, if it earned points in it and the receipt is still
	/// kept (receipts of expired epochs are deleted in idle time).
	pub fn reward_receipt(
		device: DeviceId,
		epoch: EpochIndex,
	) -> Option<RewardReceipt<BalanceOf<T>>> {
		let receipt = Receipts::<T>::get(epoch, device)?;
		let current = CurrentEpoch::<T>::get();
		let mut report = RewardReceipt {
			epoch,
			kind: receipt.kind,
			points: receipt.points,
			category_points: 0,
			pool: Zero::zero(),
			amount: receipt.paid.unwrap_or_else(Zero::zero),
			status: RewardStatus::Expired,
		};
		if epoch >= current {
			report.category_points = Tallies::<T>::get(epoch).points.get(receipt.kind);
			report.status = RewardStatus::InProgress;
		} else if let Some(rewards) = Rewards::<T>::get(epoch) {
			report.category_points = rewards.points.get(receipt.kind);
			report.pool = rewards.pools.get(receipt.kind);
			if receipt.paid.is_none() {
				report.amount = Self::receipt_amount(epoch, device, &receipt, &rewards);
			}
		}
		report.status = match (report.status, receipt.paid) {
			(RewardStatus::InProgress, _) => RewardStatus::InProgress,
			(_, Some(_)) => RewardStatus::Claimed,
			_ if Self::expired(epoch, current) => RewardStatus::Expired,
			_ => RewardStatus::Claimable {
				until: epoch.saturating_add(T::ClaimWindow::get().max(1)),
			},
		};
		Some(report)
	}

	/// The device's receipts from epoch `from` on (the oldest kept if `None`), oldest first, at
	/// most `limit` (capped at [`MAX_PAGE`]). The next page starts after the last epoch.
	pub fn reward_receipts(
		device: DeviceId,
		from: Option<EpochIndex>,
		limit: u32,
	) -> Vec<RewardReceipt<BalanceOf<T>>> {
		let oldest = CleanedBefore::<T>::get();
		let from = from.unwrap_or(oldest).max(oldest);
		(from..=CurrentEpoch::<T>::get())
			.filter_map(|epoch| Self::reward_receipt(device, epoch))
			.take(limit.min(MAX_PAGE) as usize)
			.collect()
	}

	/// The device's rewards that can be claimed now, oldest first.
	pub fn pending_rewards(device: DeviceId) -> PendingRewards<BalanceOf<T>> {
		let receipts: Vec<_> = (ExpiredBefore::<T>::get()..CurrentEpoch::<T>::get())
			.filter_map(|epoch| Self::reward_receipt(device, epoch))
			.filter(|r| matches!(r.status, RewardStatus::Claimable { .. }) && !r.amount.is_zero())
			.collect();
		let total = receipts.iter().fold(BalanceOf::<T>::zero(), |t, r| t.saturating_add(r.amount));
		PendingRewards { total, receipts }
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
		let points = Receipts::<T>::get(epoch, device).map_or(0, |r| r.points);
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
			amount = amount.min(UsageCaps::<T>::get(epoch, device));
		}
		RewardEstimate { epoch, points, potential_points, category_points, pool, amount }
	}
}
