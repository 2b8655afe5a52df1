//! Unit tests: every call, every error path, the hooks, expiry, burns and the invariants.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]

use crate::{mock::*, pallet::*, types::*, Event};
use frame_support::{assert_noop, assert_ok, traits::Hooks, weights::Weight};
use pallet_devices::DeviceId;
use pallet_devices::{DeviceKind, DeviceRegistry};
use sp_runtime::{DispatchError, Perbill};

const ED: Balance = 10;

fn pot_balance() -> Balance {
	balance(Emission::pot())
}

/// Epoch 0 with work in every category: storage A 3 points, B 1; coverage 5; compute 2;
/// validator 1 authored 3 blocks, validator 2 one. Ended, so epoch 1 is in progress.
fn a_busy_epoch() {
	prove(STORAGE_A, DeviceKind::Storage, 2);
	prove(STORAGE_A, DeviceKind::Storage, 1);
	prove(STORAGE_B, DeviceKind::Storage, 1);
	prove(COVERAGE, DeviceKind::Coverage, 5);
	prove(COMPUTE, DeviceKind::Compute, 2);
	author(VAL_1, 3);
	author(VAL_2, 1);
	assert_eq!(end_epoch(), 0);
}

// ---- Genesis and closing epochs --------------------------------------------------------------

#[test]
fn genesis_funds_the_pot_and_records_the_issuance() {
	build_and_execute(|| {
		assert_eq!(pot_balance(), ED);
		assert_eq!(GenesisIssuance::<Test>::get(), Balances::total_issuance());
		assert_eq!(GenesisIssuance::<Test>::get(), 7 * INITIAL_BALANCE + ED);
		assert_eq!(CurrentEpoch::<Test>::get(), 0);
	});
}

#[test]
fn an_ended_epoch_is_split_by_the_shares_and_minted() {
	build_and_execute(|| {
		let issuance = Balances::total_issuance();
		a_busy_epoch();
		// 10 blocks of 1,000: 40 % storage, 25 % coverage, 15 % compute, 10 % validators,
		// the remaining 10 % to the treasury.
		let pools = PerKind([4_000, 2_500, 1_500, 0]);
		assert_eq!(
			last_event(),
			Event::EpochRewarded {
				epoch: 0,
				emission: 10_000,
				minted: 10_000,
				pools,
				validators: 1_000,
				treasury: 1_000
			}
		);
		assert_eq!(Balances::total_issuance(), issuance + 10_000);
		assert_eq!(pot_balance(), ED + 9_000);
		assert_eq!(balance(TREASURY), INITIAL_BALANCE + 1_000);
		assert_eq!(CurrentEpoch::<Test>::get(), 1);
		assert!(!Tallies::<Test>::contains_key(0));
		let rewards = Rewards::<Test>::get(0).unwrap();
		assert_eq!(rewards.points, PerKind([4, 5, 2, 0]));
		assert_eq!(
			(rewards.blocks, rewards.settled, rewards.validators_paid),
			(4, PerKind::default(), 0)
		);
		assert_eq!((Minted::<Test>::get(), Scheduled::<Test>::get()), (10_000, 10_000));
	});
}

#[test]
fn categories_without_points_and_epochs_without_blocks_get_nothing_minted() {
	build_and_execute(|| {
		let issuance = Balances::total_issuance();
		prove(STORAGE_A, DeviceKind::Storage, 7);
		end_epoch();
		assert_eq!(
			last_event(),
			Event::EpochRewarded {
				epoch: 0,
				emission: 10_000,
				minted: 5_000,
				pools: PerKind([4_000, 0, 0, 0]),
				validators: 0,
				treasury: 1_000
			}
		);
		assert_eq!(Balances::total_issuance(), issuance + 5_000);
		// What was not minted is still counted as allowed: minted stays below the schedule.
		assert_eq!((Minted::<Test>::get(), Scheduled::<Test>::get()), (5_000, 10_000));
	});
}

#[test]
fn emission_halves_on_schedule_even_inside_an_epoch() {
	build_and_execute(|| {
		// Blocks 95..105 straddle the first halving (block 100): 5 × 1,000 + 5 × 500.
		prove(STORAGE_A, DeviceKind::Storage, 1);
		<Emission as depin_proving::OnEpochEnd<u64>>::epoch_ended(0, 95, 105);
		let rewards = Rewards::<Test>::get(0).unwrap();
		assert_eq!(rewards.emission, 7_500);
		assert_eq!(rewards.pools.get(DeviceKind::Storage), 3_000);
	});
}

#[test]
fn issuance_never_passes_the_supply_cap() {
	build_and_execute(|| {
		let cap = Balances::total_issuance() + 2_500;
		MaxSupply::set(cap);
		a_busy_epoch();
		// The epoch was scheduled 10,000 but only 2,500 fit under the cap, split as usual.
		let rewards = Rewards::<Test>::get(0).unwrap();
		assert_eq!(rewards.emission, 2_500);
		assert_eq!(rewards.pools, PerKind([1_000, 625, 375, 0]));
		assert_eq!((rewards.validators, rewards.treasury), (250, 250));
		assert_eq!(Balances::total_issuance(), cap);
		// At the cap nothing more is minted, work or not.
		prove(STORAGE_A, DeviceKind::Storage, 1);
		author(VAL_1, 1);
		end_epoch();
		assert_eq!(Rewards::<Test>::get(1).unwrap().emission, 0);
		assert_eq!(Balances::total_issuance(), cap);
		// Burning makes room again, for exactly what was burned.
		BurnSlashed::set(true);
		let burned = Devices::slash(STORAGE_B, Perbill::from_percent(10)).unwrap();
		BurnSlashed::set(false);
		prove(STORAGE_A, DeviceKind::Storage, 1);
		author(VAL_1, 1);
		end_epoch();
		assert_eq!(Rewards::<Test>::get(2).unwrap().emission, burned);
		MaxSupply::set(10_000_000);
	});
}

#[test]
fn shares_above_a_hundred_percent_are_served_in_order() {
	build_and_execute(|| {
		StorageShare::set(Perbill::from_percent(80));
		CoverageShare::set(Perbill::from_percent(30));
		a_busy_epoch();
		let rewards = Rewards::<Test>::get(0).unwrap();
		assert_eq!(rewards.pools, PerKind([8_000, 2_000, 0, 0]));
		assert_eq!((rewards.validators, rewards.treasury), (0, 0));
	});
}

#[test]
fn sensor_devices_share_the_sensor_pool_once_it_has_a_share() {
	build_and_execute(|| {
		// No share (the runtime's default): a sensor's points earn nothing, and nothing is
		// minted for them.
		prove(SENSOR, DeviceKind::Sensor, 6);
		author(VAL_1, 1);
		end_epoch();
		let rewards = Rewards::<Test>::get(0).unwrap();
		assert_eq!(rewards.points, PerKind([0, 0, 0, 6]));
		assert_eq!(rewards.pools, PerKind::default());
		assert_ok!(Emission::claim(RuntimeOrigin::signed(BOB), SENSOR));
		assert_eq!(last_event(), Event::RewardClaimed { device: SENSOR, owner: BOB, amount: 0 });

		// A tenth of the emission, taken from coverage's share.
		SensorShare::set(Perbill::from_percent(10));
		CoverageShare::set(Perbill::from_percent(15));
		prove(SENSOR, DeviceKind::Sensor, 3);
		prove(COVERAGE, DeviceKind::Coverage, 1);
		end_epoch();
		let rewards = Rewards::<Test>::get(1).unwrap();
		assert_eq!(rewards.points, PerKind([0, 1, 0, 3]));
		assert_eq!(rewards.pools, PerKind([0, 1_500, 0, 1_000]));
		let bob = balance(BOB);
		assert_ok!(Emission::claim(RuntimeOrigin::signed(BOB), SENSOR));
		assert_eq!(balance(BOB) - bob, 1_000);
		assert_eq!(Rewards::<Test>::get(1).unwrap().settled, PerKind([0, 0, 0, 1_000]));
		SensorShare::set(Perbill::zero());
		CoverageShare::set(Perbill::from_percent(25));
	});
}

// ---- Claims ------------------------------------------------------------------------------------

/// What `device`'s earnings hold: its balance and its settled epochs (epoch, amount).
fn earnings(device: DeviceId) -> (Balance, Vec<(EpochIndex, Balance, Settlement)>) {
	let e = DeviceEarnings::<Test>::get(device).unwrap();
	(e.accrued, e.recent.iter().map(|r| (r.epoch, r.amount, r.settlement)).collect())
}

#[test]
fn providers_and_validators_claim_their_pro_rata_rewards() {
	build_and_execute(|| {
		a_busy_epoch();
		let before = [ALICE, BOB, CHARLIE, VAL_1, VAL_2].map(balance);

		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert_eq!(
			events()[events().len() - 2..],
			[
				Event::RewardSettled {
					device: STORAGE_A,
					epoch: 0,
					points: 3,
					amount: 3_000,
					expired: false
				},
				Event::RewardClaimed { device: STORAGE_A, owner: ALICE, amount: 3_000 }
			]
		);
		assert_ok!(Emission::claim(RuntimeOrigin::signed(BOB), STORAGE_B));
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), COVERAGE));
		assert_ok!(Emission::claim(RuntimeOrigin::signed(CHARLIE), COMPUTE));
		assert_ok!(Emission::claim_validator(RuntimeOrigin::signed(VAL_1), 0));
		assert_eq!(
			last_event(),
			Event::ValidatorRewardClaimed { epoch: 0, validator: VAL_1, amount: 750 }
		);
		assert_ok!(Emission::claim_validator(RuntimeOrigin::signed(VAL_2), 0));

		let after = [ALICE, BOB, CHARLIE, VAL_1, VAL_2].map(balance);
		let gained: Vec<_> = after.iter().zip(before).map(|(a, b)| a - b).collect();
		// Alice: 3 of 4 storage points (3,000) + all coverage (2,500).
		assert_eq!(gained, vec![5_500, 1_000, 1_500, 750, 250]);
		// Everything minted for claims has been paid: the pot is back to its deposit.
		assert_eq!(pot_balance(), ED);
		let rewards = Rewards::<Test>::get(0).unwrap();
		assert_eq!(rewards.settled, PerKind([4_000, 2_500, 1_500, 0]));
		assert_eq!(rewards.settled_points, rewards.points);
		assert_eq!(rewards.validators_paid, 1_000);
		assert_eq!(earnings(STORAGE_A), (0, vec![(0, 3_000, Settlement::Paid)]));
		assert_eq!(
			AuthorReceipts::<Test>::get(0, VAL_1),
			Some(AuthorReceipt { blocks: 3, paid: Some(750) })
		);
	});
}

/// Lazy rewards: a device's first points in an epoch settle the epoch it earned in before
/// into its balance, O(1), so its owner need not claim every epoch: one claim pays them all.
#[test]
fn one_claim_pays_every_epoch_earned_since_the_last() {
	build_and_execute(|| {
		for epoch in 0..6u32 {
			prove(STORAGE_A, DeviceKind::Storage, 3);
			prove(STORAGE_B, DeviceKind::Storage, 1);
			if epoch > 0 {
				// Epoch `epoch - 1` was settled by these points: 3 of 4 of the 4,000 pool.
				assert!(events().contains(&Event::RewardSettled {
					device: STORAGE_A,
					epoch: epoch - 1,
					points: 3,
					amount: 3_000,
					expired: false,
				}));
			}
			end_epoch();
		}
		// Five epochs settled, the sixth ended and not yet: the claim settles it and pays all.
		assert_eq!(earnings(STORAGE_A).0, 5 * 3_000);
		assert_eq!(Emission::pending_rewards(STORAGE_A).total, 6 * 3_000);
		let alice = balance(ALICE);
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert_eq!(balance(ALICE) - alice, 6 * 3_000);
		assert_eq!(
			last_event(),
			Event::RewardClaimed { device: STORAGE_A, owner: ALICE, amount: 18_000 }
		);
		// The newest settled epochs are kept, paid.
		assert_eq!(
			earnings(STORAGE_A),
			(0, (2..6).map(|epoch| (epoch, 3_000, Settlement::Paid)).collect())
		);
		assert_eq!(DeviceEarnings::<Test>::get(STORAGE_A).unwrap().open, None);
		// Bob's epochs were settled too; he has not claimed, and his balance stays his.
		assert_eq!(earnings(STORAGE_B).0, 5 * 1_000);
	});
}

/// A balance never expires; only an epoch nobody settled within the claim window does. A
/// device that earns every epoch has each settled by its next points, so it loses nothing
/// however long its owner waits.
#[test]
fn a_balance_never_expires_and_an_active_device_loses_nothing() {
	build_and_execute(|| {
		for _ in 0..10 {
			prove(STORAGE_A, DeviceKind::Storage, 1);
			end_epoch();
		}
		// The window is 3 epochs: epochs 0..6 have expired, yet all but the last were settled
		// into the balance while they could be.
		assert_eq!(ExpiredBefore::<Test>::get(), 7);
		let alice = balance(ALICE);
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert_eq!(balance(ALICE) - alice, 10 * 4_000);
	});
}

/// HIP-10: a kind capped by usage pays each device at most the fees its paid usage burned in
/// the epoch, so a provider paying itself can never draw more than it burned. What the cap
/// holds back stays in the pot and goes to the treasury when the epoch expires.
#[test]
fn a_usage_capped_kind_pays_at_most_the_fees_its_usage_burned() {
	build_and_execute(|| {
		CappedKind::set(Some(DeviceKind::Storage));
		let fee = |device, amount| {
			<Emission as depin_proving::OnProofAccepted>::fee_burned(
				device,
				DeviceKind::Storage,
				0,
				amount,
			)
		};
		// A burned 300 + 200 on its deals; B burned nothing.
		fee(STORAGE_A, 300);
		fee(STORAGE_A, 200);
		assert_eq!(DeviceEarnings::<Test>::get(STORAGE_A).unwrap().open.unwrap().fees, 500);
		a_busy_epoch();
		// A's 3 of 4 storage points would be 3,000 of the 4,000 pool.
		assert_eq!(Emission::reward_receipt(STORAGE_A, 0).unwrap().amount, 500);
		assert_eq!(Emission::reward_receipt(STORAGE_B, 0).unwrap().amount, 0);
		let (alice, bob) = (balance(ALICE), balance(BOB));
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert_ok!(Emission::claim(RuntimeOrigin::signed(BOB), STORAGE_B));
		assert_eq!((balance(ALICE) - alice, balance(BOB) - bob), (500, 0));
		// Coverage is not capped: its whole pool.
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), COVERAGE));
		assert_eq!(balance(ALICE) - alice, 500 + 2_500);

		// Held back: 3,500 of the storage pool, with the unclaimed compute and validator
		// pools, to the treasury at expiry.
		let treasury = balance(TREASURY);
		for _ in 0..3 {
			end_epoch();
		}
		assert_eq!(ExpiredBefore::<Test>::get(), 1);
		assert_eq!(balance(TREASURY) - treasury, 3_500 + 1_500 + 1_000 + 3 * 1_000);
	});
}

/// With storage points equal to the fees burned (the proofs pallet's `FeePerPoint`), a deal
/// never returns more than its own fee: a device with fees `b` of the epoch's `T` draws
/// `min(pool × b / T, b)`. Device A, with an honest deal, adds a self-deal of fee 500 on
/// fake data, next to device B: when the cap binds (`pool > T`) it gains exactly the 500 it
/// burned; when it does not, less.
#[test]
fn a_self_deal_never_returns_more_than_its_fee() {
	let reward_of_a = |a_deals: &[u64], b_fee: u64| {
		let mut reward = 0;
		build_and_execute(|| {
			CappedKind::set(Some(DeviceKind::Storage));
			for (device, fee) in a_deals.iter().map(|f| (STORAGE_A, *f)).chain([(STORAGE_B, b_fee)])
			{
				prove(device, DeviceKind::Storage, fee);
				<Emission as depin_proving::OnProofAccepted>::fee_burned(
					device,
					DeviceKind::Storage,
					0,
					u128::from(fee),
				);
			}
			author(VAL_1, 1);
			end_epoch();
			assert_eq!(Rewards::<Test>::get(0).unwrap().pools.get(DeviceKind::Storage), 4_000);
			reward = Emission::reward_receipt(STORAGE_A, 0).unwrap().amount;
		});
		reward
	};
	// The cap binds (T = 2,000 < 4,000): 1,000, then 1,500.
	assert_eq!(reward_of_a(&[1_000], 1_000), 1_000);
	assert_eq!(reward_of_a(&[1_000, 500], 1_000), 1_500);
	// It does not (T = 11,000 > 4,000): 4,000 × 1,000 / 11,000, then × 1,500 / 11,500.
	assert_eq!(reward_of_a(&[1_000], 10_000), 363);
	assert_eq!(reward_of_a(&[1_000, 500], 10_000), 521, "158 more for 500 burned");
}

#[test]
fn the_manager_claims_for_the_owner() {
	build_and_execute(|| {
		a_busy_epoch();
		let (alice, manager) = (balance(ALICE), balance(MANAGER));
		assert_ok!(Emission::claim(RuntimeOrigin::signed(MANAGER), STORAGE_A));
		assert_eq!((balance(ALICE) - alice, balance(MANAGER)), (3_000, manager));
	});
}

/// What a device earned before its sale was the seller's: the sale settles it and pays it to
/// the seller, and the buyer claims only what the device earns from then on.
#[test]
fn a_sold_device_pays_its_seller_first() {
	build_and_execute(|| {
		a_busy_epoch();
		prove(STORAGE_A, DeviceKind::Storage, 1);
		end_epoch();
		// 3,000 of epoch 0 settled into the balance, epoch 1's 4,000 not yet.
		assert_eq!(earnings(STORAGE_A).0, 3_000);
		let (alice, bob) = (balance(ALICE), balance(BOB));
		assert_ok!(Devices::transfer_ownership(RuntimeOrigin::signed(ALICE), STORAGE_A, Some(BOB)));
		assert_ok!(Devices::accept_ownership(RuntimeOrigin::signed(BOB), STORAGE_A));
		assert!(events().contains(&Event::RewardClaimed {
			device: STORAGE_A,
			owner: ALICE,
			amount: 7_000
		}));
		// Alice also got her deposit back; Bob paid his.
		assert!(balance(ALICE) - alice >= 7_000);
		assert!(balance(BOB) < bob);
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(BOB), STORAGE_A),
			Error::<Test>::NothingToClaim
		);
		prove(STORAGE_A, DeviceKind::Storage, 1);
		end_epoch();
		let bob = balance(BOB);
		assert_ok!(Emission::claim(RuntimeOrigin::signed(BOB), STORAGE_A));
		assert_eq!(balance(BOB) - bob, 4_000);
	});
}

#[test]
fn a_receipt_tells_what_a_device_earned_before_and_after_the_claim() {
	build_and_execute(|| {
		prove(STORAGE_A, DeviceKind::Storage, 3);
		prove(STORAGE_B, DeviceKind::Storage, 1);
		// In progress: points so far, nothing minted yet.
		let in_progress = RewardReceipt {
			epoch: 0,
			kind: DeviceKind::Storage,
			points: 3,
			category_points: 4,
			pool: 0,
			amount: 0,
			status: RewardStatus::InProgress,
		};
		assert_eq!(Emission::reward_receipt(STORAGE_A, 0), Some(in_progress));
		end_epoch();
		let claimable = RewardReceipt {
			pool: 4_000,
			amount: 3_000,
			status: RewardStatus::Claimable { until: 3 },
			..in_progress
		};
		assert_eq!(Emission::reward_receipt(STORAGE_A, 0), Some(claimable));
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		let claimed = RewardReceipt { status: RewardStatus::Claimed, ..claimable };
		assert_eq!(Emission::reward_receipt(STORAGE_A, 0), Some(claimed));
		assert_eq!(Emission::reward_receipt(COVERAGE, 0), None);
		assert_eq!(Emission::reward_receipt(UNKNOWN, 0), None);

		// Bob never claims nor earns again: after the window his receipt says it expired,
		// Alice's still says what she was paid.
		for _ in 0..4 {
			end_epoch();
		}
		let expired = RewardReceipt {
			points: 1,
			category_points: 0,
			pool: 0,
			amount: 0,
			status: RewardStatus::Expired,
			..in_progress
		};
		assert_eq!(Emission::reward_receipt(STORAGE_B, 0), Some(expired));
		assert_eq!(
			Emission::reward_receipt(STORAGE_A, 0),
			Some(RewardReceipt { pool: 0, category_points: 0, ..claimed })
		);
	});
}

#[test]
fn a_settled_epoch_is_accrued_until_the_claim() {
	build_and_execute(|| {
		prove(STORAGE_A, DeviceKind::Storage, 3);
		prove(STORAGE_B, DeviceKind::Storage, 1);
		end_epoch();
		prove(STORAGE_A, DeviceKind::Storage, 1);
		assert_eq!(
			Emission::reward_receipt(STORAGE_A, 0),
			Some(RewardReceipt {
				epoch: 0,
				kind: DeviceKind::Storage,
				points: 3,
				category_points: 4,
				pool: 4_000,
				amount: 3_000,
				status: RewardStatus::Accrued,
			})
		);
		assert_eq!(
			Emission::reward_receipt(STORAGE_A, 1).map(|r| r.status),
			Some(RewardStatus::InProgress)
		);
	});
}

#[test]
fn reward_receipts_page_through_the_epochs_a_device_earned_in() {
	build_and_execute(|| {
		for epoch in 0..5u32 {
			if epoch != 2 {
				prove(STORAGE_A, DeviceKind::Storage, 1 + u64::from(epoch));
			}
			end_epoch();
		}
		prove(STORAGE_A, DeviceKind::Storage, 9);
		let epochs = |from, limit| {
			Emission::reward_receipts(STORAGE_A, from, limit)
				.iter()
				.map(|r| (r.epoch, r.points))
				.collect::<Vec<_>>()
		};
		assert_eq!(epochs(None, 10), vec![(0, 1), (1, 2), (3, 4), (4, 5), (5, 9)]);
		assert_eq!(epochs(None, 2), vec![(0, 1), (1, 2)]);
		assert_eq!(epochs(Some(2), 2), vec![(3, 4), (4, 5)]);
		assert_eq!(epochs(Some(6), 2), vec![]);
		assert!(Emission::reward_receipts(STORAGE_B, None, 10).is_empty());
		// A device keeps its newest RECENT_RECEIPTS settled epochs: settling epoch 5 drops 0.
		end_epoch();
		prove(STORAGE_A, DeviceKind::Storage, 1);
		assert_eq!(RECENT_RECEIPTS, 4);
		assert_eq!(epochs(None, 10), vec![(1, 2), (3, 4), (4, 5), (5, 9), (6, 1)]);
	});
}

#[test]
fn pending_rewards_are_the_balance_and_the_ended_epoch() {
	build_and_execute(|| {
		a_busy_epoch();
		prove(STORAGE_A, DeviceKind::Storage, 1);
		end_epoch();
		// Epoch 0 settled (3 of 4 points of 4,000); epoch 1 (all the points) ended, not yet.
		let pending = Emission::pending_rewards(STORAGE_A);
		assert_eq!(pending.total, 3_000 + 4_000);
		assert_eq!(
			pending.receipts.iter().map(|r| (r.epoch, r.amount, r.status)).collect::<Vec<_>>(),
			vec![
				(0, 3_000, RewardStatus::Accrued),
				(1, 4_000, RewardStatus::Claimable { until: 4 })
			]
		);
		prove(STORAGE_A, DeviceKind::Storage, 5);
		// Epoch 2 in progress is not claimable yet.
		assert_eq!(Emission::pending_rewards(STORAGE_A).total, 7_000);
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		let pending = Emission::pending_rewards(STORAGE_A);
		assert_eq!((pending.total, pending.receipts.len()), (0, 0));
		let empty = Emission::pending_rewards(UNKNOWN);
		assert_eq!((empty.total, empty.receipts.len()), (0, 0));
	});
}

#[test]
fn the_estimate_projects_the_epochs_pool_over_the_points_still_to_earn() {
	build_and_execute(|| {
		prove(STORAGE_A, DeviceKind::Storage, 2);
		prove(STORAGE_B, DeviceKind::Storage, 4);
		// A has 2 points and could reach 6; B has 4: 40 % of 10 blocks × 1,000, 6 of 10.
		let estimate = Emission::reward_estimate(STORAGE_A, DeviceKind::Storage, 6, 0, 10);
		assert_eq!(
			estimate,
			RewardEstimate {
				epoch: 0,
				points: 2,
				potential_points: 6,
				category_points: 6,
				pool: 4_000,
				amount: 2_400,
			}
		);
		// A device with nothing to prove can expect nothing; alone it would take the pool.
		assert_eq!(Emission::reward_estimate(COMPUTE, DeviceKind::Compute, 0, 0, 10).amount, 0);
		assert_eq!(
			Emission::reward_estimate(COVERAGE, DeviceKind::Coverage, 1, 0, 10).amount,
			2_500
		);
		// What the estimate says is what the epoch pays if the points come in.
		prove(STORAGE_A, DeviceKind::Storage, 4);
		end_epoch();
		assert_eq!(Emission::reward_receipt(STORAGE_A, 0).unwrap().amount, 2_400);
	});
}

#[test]
fn the_estimate_of_a_usage_capped_kind_is_at_most_the_fees_burned_so_far() {
	build_and_execute(|| {
		CappedKind::set(Some(DeviceKind::Storage));
		prove(STORAGE_A, DeviceKind::Storage, 2);
		prove(STORAGE_B, DeviceKind::Storage, 4);
		let estimate = |device| Emission::reward_estimate(device, DeviceKind::Storage, 6, 0, 10);
		// Nothing burned yet: nothing to expect, whatever the points.
		assert_eq!(estimate(STORAGE_A).amount, 0);
		<Emission as depin_proving::OnProofAccepted>::fee_burned(
			STORAGE_A,
			DeviceKind::Storage,
			0,
			700,
		);
		// 700 burned, under the 2,400 share: the cap is the estimate, and what the claim pays.
		assert_eq!(estimate(STORAGE_A).amount, 700);
		// Coverage is not capped: alone, its whole pool.
		assert_eq!(
			Emission::reward_estimate(COVERAGE, DeviceKind::Coverage, 1, 0, 10).amount,
			2_500
		);
		prove(STORAGE_A, DeviceKind::Storage, 4);
		end_epoch();
		assert_eq!(Emission::reward_receipt(STORAGE_A, 0).unwrap().amount, 700);
	});
}

#[test]
fn claiming_before_the_epoch_ends_fails() {
	build_and_execute(|| {
		prove(STORAGE_A, DeviceKind::Storage, 3);
		author(VAL_1, 1);
		// Points in the epoch in progress and no balance: nothing to claim yet.
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A),
			Error::<Test>::NothingToClaim
		);
		assert_noop!(
			Emission::claim_validator(RuntimeOrigin::signed(VAL_1), 0),
			Error::<Test>::EpochNotEnded
		);
		end_epoch();
		assert_noop!(
			Emission::claim_validator(RuntimeOrigin::signed(VAL_1), 7),
			Error::<Test>::EpochNotEnded
		);
	});
}

#[test]
fn claiming_twice_fails() {
	build_and_execute(|| {
		a_busy_epoch();
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(MANAGER), STORAGE_A),
			Error::<Test>::NothingToClaim
		);
		assert_ok!(Emission::claim_validator(RuntimeOrigin::signed(VAL_1), 0));
		assert_noop!(
			Emission::claim_validator(RuntimeOrigin::signed(VAL_1), 0),
			Error::<Test>::AlreadyClaimed
		);
	});
}

#[test]
fn claiming_for_an_unknown_device_or_another_owners_device_fails() {
	build_and_execute(|| {
		a_busy_epoch();
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(ALICE), UNKNOWN),
			Error::<Test>::UnknownDevice
		);
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(BOB), STORAGE_A),
			Error::<Test>::NotOwnerOrManager
		);
		assert_noop!(Emission::claim(RuntimeOrigin::none(), STORAGE_A), DispatchError::BadOrigin);
		assert_noop!(Emission::claim_validator(RuntimeOrigin::root(), 0), DispatchError::BadOrigin);
	});
}

#[test]
fn claiming_without_earnings_fails() {
	build_and_execute(|| {
		prove(STORAGE_A, DeviceKind::Storage, 1);
		// A billion points elsewhere: device A's share of the 4,000 pool rounds to nothing.
		prove(STORAGE_B, DeviceKind::Storage, 1_000_000_000);
		end_epoch();
		// No points at all.
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(ALICE), COVERAGE),
			Error::<Test>::NothingToClaim
		);
		// Points worth less than one unit: the epoch is settled with nothing paid (so it does
		// not keep the device from being removed), once.
		let alice = balance(ALICE);
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert_eq!(balance(ALICE), alice);
		assert_eq!(
			last_event(),
			Event::RewardClaimed { device: STORAGE_A, owner: ALICE, amount: 0 }
		);
		assert!(!<Emission as depin_proving::UnclaimedRewards>::has_unclaimed(STORAGE_A));
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A),
			Error::<Test>::NothingToClaim
		);
		// No blocks authored.
		assert_noop!(
			Emission::claim_validator(RuntimeOrigin::signed(VAL_2), 0),
			Error::<Test>::NothingToClaim
		);
	});
}

#[test]
fn rewards_can_be_claimed_for_the_claim_window_then_go_to_the_treasury() {
	build_and_execute(|| {
		a_busy_epoch();
		assert_ok!(Emission::claim(RuntimeOrigin::signed(BOB), STORAGE_B));
		// Epochs 1 and 2 end: epoch 3 is in progress, the last in which epoch 0 (window 3) can
		// be claimed.
		end_epoch();
		end_epoch();
		assert_eq!(CurrentEpoch::<Test>::get(), 3);
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), COVERAGE));
		let treasury = balance(TREASURY);
		end_epoch();
		// What nobody settled: 9,000 minted for claims - 1,000 (B) - 2,500 (coverage).
		assert!(events().contains(&Event::RewardsExpired { epoch: 0, to_treasury: 5_500 }));
		// The treasury also got epoch 3's own share (nothing: no work, but 10 % of 10,000).
		assert_eq!(balance(TREASURY) - treasury, 5_500 + 1_000);
		assert_eq!(pot_balance(), ED);
		assert_eq!(ExpiredBefore::<Test>::get(), 1);
		assert!(!Rewards::<Test>::contains_key(0));
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A),
			Error::<Test>::EpochExpired
		);
		assert_noop!(
			Emission::claim_validator(RuntimeOrigin::signed(VAL_1), 0),
			Error::<Test>::EpochExpired
		);
		// Its next points settle the expired epoch for nothing, and say so.
		prove(STORAGE_A, DeviceKind::Storage, 1);
		assert!(events().contains(&Event::RewardSettled {
			device: STORAGE_A,
			epoch: 0,
			points: 3,
			amount: 0,
			expired: true
		}));
		assert_eq!(earnings(STORAGE_A), (0, vec![(0, 0, Settlement::Expired)]));
	});
}

#[test]
fn a_shortened_claim_window_expires_a_bounded_number_of_epochs_per_epoch() {
	build_and_execute(|| {
		ClaimWindow::set(20);
		for _ in 0..10 {
			prove(STORAGE_A, DeviceKind::Storage, 1);
			end_epoch();
		}
		ClaimWindow::set(1);
		// Epochs 0..=8 are out of the window once epoch 9 has ended, and the treasury receives
		// what is left of them EXPIRIES_PER_EPOCH at a time; device A's were settled into its
		// balance by its points while they could be, so its claim pays all ten.
		let alice = balance(ALICE);
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert_eq!(balance(ALICE) - alice, 10 * 4_000);
		end_epoch();
		assert_eq!(ExpiredBefore::<Test>::get(), EXPIRIES_PER_EPOCH);
		end_epoch();
		assert_eq!(ExpiredBefore::<Test>::get(), 2 * EXPIRIES_PER_EPOCH);
		end_epoch();
		// Caught up: epochs 0..=11 expired (12 is the one just ended).
		assert_eq!(ExpiredBefore::<Test>::get(), 12);
		ClaimWindow::set(3);
	});
}

#[test]
fn idle_time_deletes_the_validators_receipts_of_expired_epochs_within_its_weight() {
	build_and_execute(|| {
		a_busy_epoch();
		for _ in 0..3 {
			end_epoch();
		}
		assert_eq!(ExpiredBefore::<Test>::get(), 1);
		// Epoch 0 has 2 validator receipts; room for 1 per block.
		use crate::WeightInfo;
		let check = <<Test as frame_system::Config>::DbWeight as frame_support::traits::Get<
			frame_support::weights::RuntimeDbWeight,
		>>::get()
		.reads(2);
		let room = <() as WeightInfo>::clean_receipts(1) + check;
		Emission::on_idle(10, room);
		assert_eq!(AuthorReceipts::<Test>::iter_prefix(0).count(), 1);
		Emission::on_idle(11, room);
		assert_eq!(AuthorReceipts::<Test>::iter_prefix(0).count(), 0);
		assert_eq!(CleanedBefore::<Test>::get(), 0);
		// Nothing was left to find: the epoch is clean.
		Emission::on_idle(12, room);
		assert_eq!(CleanedBefore::<Test>::get(), 1);
		// No room, no work.
		assert_eq!(Emission::on_idle(14, Weight::zero()), Weight::zero());
	});
}

#[test]
fn a_drained_pot_refuses_claims_and_changes_nothing() {
	// No invariant check at the end: the test breaks the pot on purpose.
	build().execute_with(|| {
		a_busy_epoch();
		assert_ok!(Balances::force_set_balance(RuntimeOrigin::root(), Emission::pot(), ED));
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A),
			Error::<Test>::PotExhausted
		);
		assert_noop!(
			Emission::claim_validator(RuntimeOrigin::signed(VAL_1), 0),
			Error::<Test>::PotExhausted
		);
	});
}

// ---- Rewards are kept when a device leaves ------------------------------------------------------

#[test]
fn a_device_with_unclaimed_rewards_is_kept_until_its_owner_claims_them() {
	build_and_execute(|| {
		a_busy_epoch();
		assert!(<Emission as depin_proving::UnclaimedRewards>::has_unclaimed(STORAGE_A));
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), STORAGE_A));
		let unbonds_at = match Devices::device(STORAGE_A).unwrap().status {
			pallet_devices::DeviceStatus::Retired { unbonds_at } => unbonds_at,
			other => panic!("retired, not {other:?}"),
		};
		System::set_block_number(unbonds_at);
		// Removing it now would leave its 3,000 unclaimable (UnknownDevice): refused.
		assert_noop!(
			Devices::claim_deposit(RuntimeOrigin::signed(BOB), STORAGE_A),
			pallet_devices::Error::<Test>::UnclaimedRewards
		);
		let alice = balance(ALICE);
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert_eq!(balance(ALICE) - alice, 3_000);
		assert!(!<Emission as depin_proving::UnclaimedRewards>::has_unclaimed(STORAGE_A));
		assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(BOB), STORAGE_A));
		assert!(Devices::device(STORAGE_A).is_none());
		// Its earnings went with it.
		assert!(!DeviceEarnings::<Test>::contains_key(STORAGE_A));
	});
}

#[test]
fn a_balance_or_points_in_progress_keep_a_device_and_an_expired_epoch_does_not() {
	build_and_execute(|| {
		let unclaimed = <Emission as depin_proving::UnclaimedRewards>::has_unclaimed;
		prove(STORAGE_A, DeviceKind::Storage, 1);
		assert!(unclaimed(STORAGE_A), "points in the epoch in progress");
		end_epoch();
		prove(STORAGE_A, DeviceKind::Storage, 1);
		assert_eq!(earnings(STORAGE_A).0, 4_000);
		end_epoch();
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert!(!unclaimed(STORAGE_A));
		a_busy_epoch_at(CurrentEpoch::<Test>::get());
		ClaimWindow::set(1);
		end_epoch();
		end_epoch();
		// Epoch 2 expired unsettled: nothing left to pay, so nothing keeps the device.
		assert!(!unclaimed(STORAGE_A));
		ClaimWindow::set(3);
	});
}

/// Work in every category in the epoch in progress, `epoch`, then its end.
fn a_busy_epoch_at(epoch: EpochIndex) {
	assert_eq!(CurrentEpoch::<Test>::get(), epoch);
	prove(STORAGE_A, DeviceKind::Storage, 3);
	prove(STORAGE_B, DeviceKind::Storage, 1);
	author(VAL_1, 1);
	end_epoch();
}

// ---- Bounds on points ------------------------------------------------------------------------

use depin_primitives::rewards::{MAX_DEVICE_POINTS_PER_EPOCH, MAX_POINTS_PER_PROOF};

fn open_points(device: DeviceId) -> Option<u64> {
	DeviceEarnings::<Test>::get(device).and_then(|e| e.open).map(|o| o.points)
}

#[test]
fn points_at_the_bounds_never_let_the_claims_of_an_epoch_pass_its_pool() {
	build_and_execute(|| {
		// Self-dealt work of u64::MAX units, twice for A, once for B: unbounded, A's points
		// and the tally would both saturate at u64::MAX and each claim take the whole pool.
		for device in [STORAGE_A, STORAGE_A, STORAGE_B] {
			prove(device, DeviceKind::Storage, u64::MAX);
			assert_eq!(
				last_event(),
				Event::PointsCapped {
					device,
					epoch: 0,
					reported: u64::MAX,
					counted: MAX_POINTS_PER_PROOF
				}
			);
		}
		prove(COVERAGE, DeviceKind::Coverage, 5);
		author(VAL_1, 1);
		end_epoch();
		let rewards = Rewards::<Test>::get(0).unwrap();
		assert_eq!(rewards.points.get(DeviceKind::Storage), 3 * MAX_POINTS_PER_PROOF);

		let (alice, bob) = (balance(ALICE), balance(BOB));
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A));
		assert_ok!(Emission::claim(RuntimeOrigin::signed(BOB), STORAGE_B));
		// 2/3 and 1/3 of the 4,000 storage pool, rounded down: never more than the pool.
		assert_eq!((balance(ALICE) - alice, balance(BOB) - bob), (2_666, 1_333));
		assert_ok!(Emission::claim(RuntimeOrigin::signed(ALICE), COVERAGE));
		assert_eq!(balance(ALICE) - alice, 2_666 + 2_500);
	});
}

#[test]
fn a_device_counts_at_most_the_per_epoch_bound() {
	build_and_execute(|| {
		let proofs = MAX_DEVICE_POINTS_PER_EPOCH / MAX_POINTS_PER_PROOF;
		for _ in 0..proofs {
			prove(STORAGE_A, DeviceKind::Storage, MAX_POINTS_PER_PROOF);
		}
		prove(STORAGE_A, DeviceKind::Storage, 7);
		assert_eq!(
			last_event(),
			Event::PointsCapped { device: STORAGE_A, epoch: 0, reported: 7, counted: 0 }
		);
		assert_eq!(open_points(STORAGE_A), Some(MAX_DEVICE_POINTS_PER_EPOCH));
		assert_eq!(
			Tallies::<Test>::get(0).points.get(DeviceKind::Storage),
			MAX_DEVICE_POINTS_PER_EPOCH
		);
		// Other devices still count.
		prove(STORAGE_B, DeviceKind::Storage, 7);
		assert_eq!(open_points(STORAGE_B), Some(7));
	});
}

#[test]
fn points_that_would_overflow_a_tally_are_refused_whole() {
	// No invariant check at the end: the tally is set by hand.
	build().execute_with(|| {
		// A tally within 10 points of u64::MAX (2^24 devices at the bound could get it there).
		Tallies::<Test>::mutate(0, |tally| {
			tally.points = PerKind::from_fn(|_| 0);
			tally.points.add(DeviceKind::Storage, u64::MAX - 10);
		});
		prove(STORAGE_B, DeviceKind::Storage, 20);
		assert_eq!(
			last_event(),
			Event::PointsCapped { device: STORAGE_B, epoch: 0, reported: 20, counted: 0 }
		);
		assert_eq!(open_points(STORAGE_B), None);
		assert_eq!(Tallies::<Test>::get(0).points.get(DeviceKind::Storage), u64::MAX - 10);
		// What still fits counts.
		prove(STORAGE_B, DeviceKind::Storage, 10);
		assert_eq!(Tallies::<Test>::get(0).points.get(DeviceKind::Storage), u64::MAX);
		assert_eq!(open_points(STORAGE_B), Some(10));
	});
}

#[test]
fn a_claim_the_pools_cannot_cover_is_refused_and_changes_nothing() {
	// No invariant check at the end: the test breaks the books on purpose.
	build().execute_with(|| {
		a_busy_epoch();
		// Books that say nearly everything was paid already.
		Rewards::<Test>::mutate(0, |r| {
			let r = r.as_mut().unwrap();
			// (A kind without a pool, sensor here, has nothing to pay.)
			r.settled = PerKind::from_fn(|kind| r.pools.get(kind).saturating_sub(1));
			r.validators_paid = r.validators - 1;
		});
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A),
			Error::<Test>::PoolExhausted
		);
		assert_noop!(
			Emission::claim_validator(RuntimeOrigin::signed(VAL_1), 0),
			Error::<Test>::PoolExhausted
		);
		// Points settled twice would pass the epoch's points: refused the same way.
		Rewards::<Test>::mutate(0, |r| {
			let r = r.as_mut().unwrap();
			r.settled = PerKind::default();
			r.settled_points = r.points;
		});
		assert_noop!(
			Emission::claim(RuntimeOrigin::signed(ALICE), STORAGE_A),
			Error::<Test>::PoolExhausted
		);
	});
}

// ---- Burns ---------------------------------------------------------------------------------------

#[test]
fn slashed_deposits_go_to_the_treasury_or_are_burned() {
	build_and_execute(|| {
		let (treasury, issuance) = (balance(TREASURY), Balances::total_issuance());
		let slashed = Devices::slash(STORAGE_A, Perbill::from_percent(50)).unwrap();
		assert!(slashed > 0);
		assert_eq!(last_event(), Event::SlashToTreasury { amount: slashed });
		assert_eq!(balance(TREASURY), treasury + slashed);
		assert_eq!(Balances::total_issuance(), issuance);

		BurnSlashed::set(true);
		let burned = Devices::slash(STORAGE_B, Perbill::from_percent(50)).unwrap();
		assert_eq!(last_event(), Event::Burned { amount: burned });
		assert_eq!(Balances::total_issuance(), issuance - burned);
		assert_eq!(Burned::<Test>::get(), burned);
		BurnSlashed::set(false);
	});
}

#[test]
fn dust_is_burned_and_counted() {
	build_and_execute(|| {
		let issuance = Balances::total_issuance();
		// Validator 2 sends all but 5, below the existential deposit: the 5 are dust.
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(VAL_2),
			VAL_1,
			INITIAL_BALANCE - 5
		));
		assert_eq!(Burned::<Test>::get(), 5);
		assert_eq!(Balances::total_issuance(), issuance - 5);
	});
}

// ---- Invariants and configuration ----------------------------------------------------------

#[test]
fn try_state_catches_broken_books() {
	build_and_execute(|| {
		a_busy_epoch();
		assert_ok!(Emission::do_try_state());
		Minted::<Test>::mutate(|m| *m += 1);
		assert!(Emission::do_try_state().is_err());
		Minted::<Test>::mutate(|m| *m -= 1);

		// A balance the pot does not hold.
		DeviceEarnings::<Test>::mutate(STORAGE_A, |e| e.as_mut().unwrap().accrued += 1);
		assert_eq!(Emission::do_try_state(), Err("the pot holds less than it owes".into()));
		DeviceEarnings::<Test>::mutate(STORAGE_A, |e| e.as_mut().unwrap().accrued -= 1);

		// Points of the epoch in progress that are not in its tally.
		prove(STORAGE_A, DeviceKind::Storage, 1);
		Tallies::<Test>::mutate(1, |t| t.points.add(DeviceKind::Storage, 1));
		assert_eq!(
			Emission::do_try_state(),
			Err("devices' points do not add up to the epoch's tally".into())
		);
		Tallies::<Test>::mutate(1, |t| t.points = PerKind([1, 0, 0, 0]));

		// A kind paid more than its pool, or more points settled than earned.
		assert_ok!(Emission::do_try_state());
		let books = Rewards::<Test>::get(0).unwrap();
		Rewards::<Test>::mutate(0, |r| r.as_mut().unwrap().settled.add(DeviceKind::Storage, 1_001));
		assert_eq!(Emission::do_try_state(), Err("a kind paid more than its pool".into()));
		Rewards::<Test>::insert(0, books);
		Rewards::<Test>::mutate(0, |r| {
			r.as_mut().unwrap().settled_points.add(DeviceKind::Storage, 2)
		});
		assert_eq!(Emission::do_try_state(), Err("more points settled than earned".into()));
		Rewards::<Test>::insert(0, books);
	});
}

#[test]
#[should_panic(expected = "ClaimWindow must be at least 1 epoch")]
fn integrity_test_refuses_an_empty_claim_window() {
	build().execute_with(|| {
		ClaimWindow::set(0);
		<Emission as Hooks<u64>>::integrity_test();
	});
}

#[test]
fn the_hooks_report_their_weights() {
	build_and_execute(|| {
		use crate::WeightInfo;
		assert_eq!(
			<Emission as depin_proving::OnProofAccepted>::weight(),
			<() as WeightInfo>::proof_accepted()
		);
		assert_eq!(
			<Emission as depin_proving::OnEpochEnd<u64>>::weight(),
			<() as WeightInfo>::close_epoch(EXPIRIES_PER_EPOCH)
		);
		let before = frame_system::Pallet::<Test>::block_weight().total();
		author(VAL_1, 1);
		assert_eq!(
			frame_system::Pallet::<Test>::block_weight().total(),
			before + <() as WeightInfo>::note_author()
		);
	});
}
