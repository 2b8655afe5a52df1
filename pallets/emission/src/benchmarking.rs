//! Benchmarks of the calls and hooks, each in its worst case.

use crate::{pallet::*, types::*, BalanceOf, Pallet as Emission};
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	Get,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_devices::{DeviceId, DeviceKey, DeviceKind, DeviceRegistry};
use sp_core::sr25519;
use sp_runtime::traits::{Saturating, UniqueSaturatedFrom, Zero};

/// A registered device of `kind`, owned by a funded account.
fn device<T: Config>(index: u32, kind: DeviceKind) -> (T::AccountId, DeviceId) {
	let owner: T::AccountId = account("owner", index, 0);
	let mut raw = [7u8; 32];
	raw[..4].copy_from_slice(&index.to_le_bytes());
	let key = DeviceKey::Sr25519(sr25519::Public::from_raw(raw));
	let capacity = match kind {
		DeviceKind::Coverage | DeviceKind::Sensor => 0,
		DeviceKind::Storage | DeviceKind::Compute => 1 << 30,
	};
	let id = T::Registry::register_benchmark_device(&owner, key, kind, capacity)
		.expect("a benchmark device registers");
	(owner, id)
}

/// Closed epoch `epoch` with `pool` in every category and for validators, all unclaimed, the
/// pot funded for it.
fn closed_epoch<T: Config>(epoch: EpochIndex, pool: BalanceOf<T>, points: u64, blocks: u32) {
	let pools = PerKind([pool; DeviceKind::COUNT]);
	// A pool per kind and the validators'.
	let minted = pool.saturating_mul((DeviceKind::COUNT as u32).saturating_add(1).into());
	Rewards::<T>::insert(
		epoch,
		EpochRewards {
			points: PerKind([points; DeviceKind::COUNT]),
			blocks,
			emission: minted.saturating_add(pool),
			pools,
			validators: pool,
			treasury: Zero::zero(),
			settled_points: PerKind::default(),
			settled: PerKind::default(),
			validators_paid: Zero::zero(),
		},
	);
	T::Currency::mint_into(&Emission::<T>::pot(), minted).expect("the pot takes funds");
}

fn a_large_reward<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance().saturating_mul(1_000_000u32.into())
}

// The manager's claim needs the registry's `set_manager` call.
#[benchmarks(where T: pallet_devices::Config)]
mod benchmarks {
	use super::*;

	/// An epoch end that mints every pool and the treasury's part, then expires `n` epochs,
	/// each paying unclaimed rewards to the treasury.
	#[benchmark]
	fn close_epoch(n: Linear<0, EXPIRIES_PER_EPOCH>) {
		let window = T::ClaimWindow::get().max(1);
		for epoch in 0..n {
			closed_epoch::<T>(epoch, a_large_reward::<T>(), 10, 10);
		}
		// Ending this epoch expires epochs 0..n.
		let ended = window.saturating_add(n).saturating_sub(1);
		CurrentEpoch::<T>::put(ended);
		Tallies::<T>::insert(ended, Tally { points: PerKind([1; DeviceKind::COUNT]), blocks: 1 });
		let end = BlockNumberFor::<T>::unique_saturated_from(600u32);

		#[block]
		{
			Emission::<T>::close_epoch(ended, Zero::zero(), end);
		}

		assert!(Rewards::<T>::contains_key(ended));
		assert_eq!(ExpiredBefore::<T>::get(), n);
	}

	/// Earnings of `device` with a full list of recent epochs, a balance, and points in epoch
	/// `open` (capped by fees above their share, so a capped kind reads the cap and pays).
	fn earnings_with_open_epoch<T: Config>(device: DeviceId, open: EpochIndex) {
		let mut earnings = Earnings::new(DeviceKind::Storage);
		for epoch in 0..RECENT_RECEIPTS {
			let _ = earnings.recent.try_push(SettledEpoch {
				epoch,
				points: 1,
				amount: T::Currency::minimum_balance(),
				settlement: Settlement::Accrued,
			});
		}
		earnings.accrued = T::Currency::minimum_balance().saturating_mul(RECENT_RECEIPTS.into());
		earnings.open = Some(OpenEpoch { epoch: open, points: 1, fees: a_large_reward::<T>() });
		DeviceEarnings::<T>::insert(device, earnings);
		T::Currency::mint_into(&Emission::<T>::pot(), earnings_accrued::<T>(device))
			.expect("the pot takes funds");
	}

	fn earnings_accrued<T: Config>(device: DeviceId) -> BalanceOf<T> {
		DeviceEarnings::<T>::get(device).map(|e| e.accrued).unwrap_or_default()
	}

	/// A device's first points in an epoch, after points in the epoch before: that epoch is
	/// settled into its balance (its rewards read and written, the oldest recent epoch
	/// dropped), then the points counted in its earnings and the tally.
	#[benchmark]
	fn proof_accepted() {
		let (_, id) = device::<T>(0, DeviceKind::Storage);
		let open = RECENT_RECEIPTS;
		closed_epoch::<T>(open, a_large_reward::<T>(), 3, 1);
		earnings_with_open_epoch::<T>(id, open);
		let now = open.saturating_add(1);
		CurrentEpoch::<T>::put(now);
		let before = earnings_accrued::<T>(id);

		#[block]
		{
			Emission::<T>::note_points(id, DeviceKind::Storage, now, 1_000);
		}

		let earnings = DeviceEarnings::<T>::get(id).expect("the device has earnings");
		assert_eq!(earnings.open.map(|o| (o.epoch, o.points)), Some((now, 1_000)));
		assert!(earnings.accrued > before, "the epoch before was settled");
		assert_eq!(earnings.recent.last().map(|r| r.epoch), Some(open));
	}

	/// An author's first block in an epoch.
	#[benchmark]
	fn note_author() {
		let author: T::AccountId = account("author", 0, 0);

		#[block]
		{
			Emission::<T>::note_block(author.clone());
		}

		assert_eq!(AuthorReceipts::<T>::get(0, author).map(|r| r.blocks), Some(1));
	}

	/// A manager's claim (the longer origin check), settling the device's ended epoch into
	/// its balance and paying the balance to the owner.
	#[benchmark]
	fn claim() {
		let (owner, id) = device::<T>(0, DeviceKind::Storage);
		let manager: T::AccountId = account("manager", 0, 0);
		pallet_devices::Pallet::<T>::set_manager(
			RawOrigin::Signed(owner.clone()).into(),
			id,
			Some(manager.clone()),
		)
		.expect("the owner sets a manager");
		let open = RECENT_RECEIPTS;
		closed_epoch::<T>(open, a_large_reward::<T>(), 3, 1);
		earnings_with_open_epoch::<T>(id, open);
		CurrentEpoch::<T>::put(open.saturating_add(1));
		let before = <T as Config>::Currency::balance(&owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(manager), id);

		assert!(earnings_accrued::<T>(id).is_zero());
		assert!(<T as Config>::Currency::balance(&owner) > before);
	}

	#[benchmark]
	fn claim_validator() {
		let author: T::AccountId = account("author", 0, 0);
		closed_epoch::<T>(0, a_large_reward::<T>(), 1, 3);
		AuthorReceipts::<T>::insert(0, &author, AuthorReceipt { blocks: 1, paid: None });
		CurrentEpoch::<T>::put(1);

		#[extrinsic_call]
		_(RawOrigin::Signed(author.clone()), 0);

		assert!(AuthorReceipts::<T>::get(0, author).and_then(|r| r.paid).is_some());
	}

	/// Idle-time deletion of `n` validators' receipts of an expired epoch, then finding it
	/// empty.
	#[benchmark]
	fn clean_receipts(n: Linear<0, 1_000>) {
		for author in 0..n {
			let author: T::AccountId = account("author", author, 0);
			AuthorReceipts::<T>::insert(0, author, AuthorReceipt { blocks: 1, paid: None });
		}
		CurrentEpoch::<T>::put(2);
		ExpiredBefore::<T>::put(1);

		#[block]
		{
			Emission::<T>::clean_receipts(frame_support::weights::Weight::MAX);
		}

		assert_eq!(CleanedBefore::<T>::get(), 1);
	}

	impl_benchmark_test_suite!(Emission, crate::mock::build(), crate::mock::Test);
}
