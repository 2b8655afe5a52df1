//! Energy trades between meters: offers, settlements from both meters' audits, the dispute
//! window, disputes, ending and closing, and every error.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{mock::*, types::*, DeviceTrades, Error, Event, NextTrade, Trades};
use frame_support::{assert_noop, assert_ok};
use pallet_devices::DeviceId;
use sp_runtime::DispatchError;

/// Alice's station produces, Bob's consumes: two meters of two owners in one Berlin cell.
const PRODUCER: DeviceId = ALICE_STATION;
const CONSUMER: DeviceId = BOB_STATION;

/// Both meters enrolled and the clock in epoch 1.
fn two_meters() {
	meters(&[PRODUCER, CONSUMER]);
	run_to_epoch(1);
	run_to_block(11);
}

/// Bob offers Alice `price` a watt-hour for at most `cap` an epoch over `first..=last`, with
/// `budget`, and Alice accepts. Returns the trade.
fn traded(price: Balance, cap: u64, budget: Balance, first: u32, last: u32) -> TradeId {
	let id = NextTrade::<Test>::get();
	assert_ok!(Sensors::offer_trade(
		RuntimeOrigin::signed(BOB),
		TradeTerms {
			consumer: CONSUMER,
			producer: PRODUCER,
			produced_field: 0,
			consumed_field: 1,
			price,
			cap,
			budget,
			first,
			last
		}
	));
	assert_ok!(Sensors::accept_trade(RuntimeOrigin::signed(ALICE), id));
	id
}

/// In epoch `e` (its third block): reveal `previous`'s samples, then attest a batch for each
/// `(meter, produced, consumed)`: ten readings a minute apart, each producing about `produced`
/// and consuming `consumed` watt-hours (totals ten times that). Returns the new batches.
fn metered(e: u32, previous: &[Batch], meters: &[(DeviceId, i64, i64)]) -> Vec<Batch> {
	run_to_block(u64::from(e) * 10 + 2);
	for batch in previous {
		reveal(batch.reveal());
	}
	let batches: Vec<Batch> =
		meters.iter().map(|&(device, p, c)| Batch::now(device, 10, p, c)).collect();
	if !batches.is_empty() {
		attest_all(batches.iter().map(Batch::attestation).collect());
	}
	batches
}

/// The settlements so far: `(trade, epoch, quantity, amount)`.
fn settled() -> Vec<(TradeId, EpochIndex, u64, Balance)> {
	sensor_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::EnergySettled { trade, epoch, quantity, amount } => {
				Some((trade, epoch, quantity, amount))
			},
			_ => None,
		})
		.collect()
}

/// The payments so far: `(trade, paid)`.
fn trade_payments() -> Vec<(TradeId, Balance)> {
	sensor_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::TradePaid { trade, paid } => Some((trade, paid)),
			_ => None,
		})
		.collect()
}

fn error(e: Error<Test>) -> DispatchError {
	e.into()
}

#[test]
fn meters_settle_the_smaller_of_produced_and_consumed_and_are_paid_after_the_window() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let (alice, bob) = (free(ALICE), free(BOB));
		let id = traded(2, 10_000, 5_000, 1, 3);
		assert_eq!(trade_hold(BOB), 5_000 + 40);
		assert_eq!(DeviceTrades::<Test>::get(PRODUCER).unwrap().into_inner(), vec![id]);
		assert_eq!(DeviceTrades::<Test>::get(CONSUMER).unwrap().into_inner(), vec![id]);

		// Epoch 1: Alice's meter says it produced 1,000 Wh (and used 50), Bob's that it used
		// 800. Audited in epoch 2, the epoch settles at 800 Wh: 1,600, held.
		let b1 = metered(1, &[], &[(PRODUCER, 100, 5), (CONSUMER, 0, 80)]);
		// Epoch 2: Alice's meter says 600 Wh, Bob's 900: 600 settles in epoch 3.
		let b2 = metered(2, &b1, &[(PRODUCER, 60, 0), (CONSUMER, 0, 90)]);
		assert_eq!(settled(), vec![(id, 1, 800, 1_600)]);
		assert_eq!(free(ALICE), alice);
		let b3 = metered(3, &b2, &[(PRODUCER, 100, 0), (CONSUMER, 0, 100)]);
		assert_eq!(settled(), vec![(id, 1, 800, 1_600), (id, 2, 600, 1_200)]);
		assert!(trade_payments().is_empty());
		// Epoch 4: epoch 3 settles (2,000 of the 2,200 left) and epoch 1's
		// settlement (made in epoch 2) is past its two-epoch window: paid, less 20 % burned.
		metered(4, &b3, &[]);
		assert_eq!(
			settled(),
			vec![(id, 1, 800, 1_600), (id, 2, 600, 1_200), (id, 3, 1_000, 2_000)]
		);
		assert_eq!(trade_payments(), vec![(id, 1_600)]);
		assert_eq!(free(ALICE), alice + 1_280);
		assert_eq!(
			depin_test_utils::fees(),
			vec![(PRODUCER, pallet_devices::DeviceKind::Sensor, 4, 320)]
		);
		let trade = Trades::<Test>::get(id).unwrap();
		assert_eq!(trade.left, 200);
		assert_eq!(
			trade.owed.iter().map(|o| (o.settled_in, o.amount)).collect::<Vec<_>>(),
			vec![(3, 1_200), (4, 2_000)]
		);

		// Nobody closes it before its last settlement's window is over (3 + 2 audits + 2).
		run_to_epoch(7);
		assert_noop!(
			Sensors::close_trade(RuntimeOrigin::signed(EVE), id),
			Error::<Test>::TradeRunning
		);
		run_to_epoch(8);
		assert_ok!(Sensors::close_trade(RuntimeOrigin::signed(EVE), id));
		System::assert_last_event(
			Event::TradeClosed { trade: id, paid: 3_200, refunded: 240 }.into(),
		);
		assert_eq!(free(ALICE), alice + 3_840);
		assert_eq!(free(BOB), bob - 4_800);
		assert_eq!(trade_hold(BOB), 0);
		assert!(Trades::<Test>::get(id).is_none());
		assert!(DeviceTrades::<Test>::get(PRODUCER).is_none());
		assert!(DeviceTrades::<Test>::get(CONSUMER).is_none());
	});
}

#[test]
fn the_cap_bounds_an_epoch_and_an_epoch_either_meter_missed_or_faked_settles_nothing() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let id = traded(1, 700, 10_000, 1, 4);
		// Epoch 1: only the producer attests: nothing to settle against.
		let b1 = metered(1, &[], &[(PRODUCER, 100, 0)]);
		// Epoch 2: both attest, but the consumer's batch lies about its readings.
		let b2 = metered(2, &b1, &[(PRODUCER, 100, 0)]);
		let lying = Batch::now(CONSUMER, 10, 0, 100).with_values(0, vec![0, 5_000]);
		attest(&lying);
		assert!(settled().is_empty());
		// Epoch 3: the consumer's fraud is found (it is suspended), so epoch 2 settles nothing.
		let b3 = metered(3, &b2, &[(PRODUCER, 100, 0)]);
		let sampled = lying.sampled();
		let faked = if sampled.contains(&0) {
			reveal(lying.reveal());
			true
		} else {
			// The sample missed the lie: the consumer stays silent and is punished at its
			// deadline all the same.
			false
		};
		run_to_block(39);
		assert!(settled().is_empty(), "faked: {faked}");
		// Epoch 4: the producer's epoch-3 audit finds no consumer batch of epoch 3.
		metered(4, &b3, &[]);
		assert!(settled().is_empty());
		// The cap: 1,000 produced and 1,000 consumed settle as 700 when both pass.
		let trade = Trades::<Test>::get(id).unwrap();
		assert_eq!(trade.left, 10_000);
		assert_eq!(trade.produced, Some(Metered { epoch: 3, quantity: 700 }));
	});
}

#[test]
fn the_cap_bounds_what_one_epoch_settles() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let id = traded(1, 700, 10_000, 1, 4);
		let b1 = metered(1, &[], &[(PRODUCER, 100, 0), (CONSUMER, 0, 100)]);
		metered(2, &b1, &[]);
		assert_eq!(settled(), vec![(id, 1, 700, 700)]);
	});
}

#[test]
fn a_disputed_trade_settles_and_pays_nothing_until_the_dispute_origin_decides() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let (alice, bob) = (free(ALICE), free(BOB));
		let id = traded(2, 10_000, 5_000, 1, 5);
		let b1 = metered(1, &[], &[(PRODUCER, 100, 0), (CONSUMER, 0, 80)]);
		let b2 = metered(2, &b1, &[(PRODUCER, 100, 0), (CONSUMER, 0, 80)]);
		assert_eq!(settled(), vec![(id, 1, 800, 1_600)]);

		// Bob says his meter was wrong: nothing more settles, nothing is paid.
		assert_ok!(Sensors::dispute_trade(RuntimeOrigin::signed(BOB), id));
		System::assert_last_event(Event::TradeDisputed { trade: id, by: BOB }.into());
		let b3 = metered(3, &b2, &[(PRODUCER, 100, 0), (CONSUMER, 0, 80)]);
		metered(4, &b3, &[]);
		assert_eq!(settled(), vec![(id, 1, 800, 1_600)]);
		assert!(trade_payments().is_empty());
		run_to_epoch(20);
		assert_noop!(
			Sensors::close_trade(RuntimeOrigin::signed(EVE), id),
			Error::<Test>::TradeDisputed
		);
		assert_noop!(
			Sensors::end_trade(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::TradeDisputed
		);
		assert_noop!(
			Sensors::dispute_trade(RuntimeOrigin::signed(ALICE), id),
			Error::<Test>::TradeDisputed
		);
		assert_noop!(
			Sensors::resolve_trade(RuntimeOrigin::signed(BOB), id, 0),
			DispatchError::BadOrigin
		);

		// The dispute origin pays Alice 1,000 of what is held (800 after the fee); the rest goes
		// back to Bob.
		assert_ok!(Sensors::resolve_trade(RuntimeOrigin::root(), id, 1_000));
		System::assert_last_event(
			Event::TradeClosed { trade: id, paid: 1_000, refunded: 4_000 + 40 }.into(),
		);
		assert_eq!(free(ALICE), alice + 800);
		assert_eq!(free(BOB), bob - 1_000);
		assert_eq!(trade_hold(BOB), 0);
		assert!(DeviceTrades::<Test>::get(PRODUCER).is_none());
	});
}

#[test]
fn the_dispute_origin_pays_at_most_what_is_held() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let (alice, bob) = (free(ALICE), free(BOB));
		let id = traded(2, 10_000, 5_000, 1, 5);
		assert_ok!(Sensors::dispute_trade(RuntimeOrigin::signed(ALICE), id));
		assert_ok!(Sensors::resolve_trade(RuntimeOrigin::root(), id, Balance::MAX));
		System::assert_last_event(
			Event::TradeClosed { trade: id, paid: 5_000, refunded: 40 }.into(),
		);
		assert_eq!(free(ALICE), alice + 4_000);
		assert_eq!(free(BOB), bob - 5_000);
	});
}

#[test]
fn an_offer_is_declined_or_withdrawn_at_once_and_a_trade_ended_settles_no_later_epoch() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let bob = free(BOB);
		// Alice declines an offer: it closes, and Bob's hold goes back.
		assert_ok!(Sensors::offer_trade(
			RuntimeOrigin::signed(BOB),
			TradeTerms {
				consumer: CONSUMER,
				producer: PRODUCER,
				produced_field: 0,
				consumed_field: 1,
				price: 1,
				cap: 100,
				budget: 500,
				first: 1,
				last: 3
			}
		));
		assert_ok!(Sensors::end_trade(RuntimeOrigin::signed(ALICE), 0));
		System::assert_last_event(Event::TradeClosed { trade: 0, paid: 0, refunded: 540 }.into());
		assert_eq!((free(BOB), trade_hold(BOB)), (bob, 0));
		assert!(DeviceTrades::<Test>::get(CONSUMER).is_none());

		// An accepted trade whose span has not begun closes at once too.
		let later = traded(1, 100, 500, 5, 6);
		assert_ok!(Sensors::end_trade(RuntimeOrigin::signed(BOB), later));
		assert!(Trades::<Test>::get(later).is_none());

		// A running trade ended in epoch 2 settles epochs 1 and 2, not 3.
		let id = traded(1, 10_000, 5_000, 1, 6);
		let b1 = metered(1, &[], &[(PRODUCER, 10, 0), (CONSUMER, 0, 10)]);
		let b2 = metered(2, &b1, &[(PRODUCER, 10, 0), (CONSUMER, 0, 10)]);
		assert_ok!(Sensors::end_trade(RuntimeOrigin::signed(ALICE), id));
		System::assert_last_event(Event::TradeEnded { trade: id, last: 2 }.into());
		assert_noop!(
			Sensors::end_trade(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::TradeEnding
		);
		let b3 = metered(3, &b2, &[(PRODUCER, 10, 0), (CONSUMER, 0, 10)]);
		metered(4, &b3, &[]);
		assert_eq!(settled(), vec![(id, 1, 100, 100), (id, 2, 100, 100)]);
		// Closed once epoch 2's settlement (in epoch 3) is past its window: 2 + 2 + 2 < 7.
		run_to_epoch(6);
		assert_noop!(
			Sensors::close_trade(RuntimeOrigin::signed(EVE), id),
			Error::<Test>::TradeRunning
		);
		run_to_epoch(7);
		assert_ok!(Sensors::close_trade(RuntimeOrigin::signed(EVE), id));
		assert_eq!((free(BOB), trade_hold(BOB)), (bob - 200, 0));
	});
}

#[test]
fn an_offer_nobody_accepted_is_closed_by_anyone_once_its_span_is_over() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		assert_ok!(Sensors::offer_trade(
			RuntimeOrigin::signed(BOB),
			TradeTerms {
				consumer: CONSUMER,
				producer: PRODUCER,
				produced_field: 0,
				consumed_field: 1,
				price: 1,
				cap: 100,
				budget: 500,
				first: 1,
				last: 2
			}
		));
		run_to_epoch(2);
		assert_noop!(
			Sensors::close_trade(RuntimeOrigin::signed(EVE), 0),
			Error::<Test>::TradeRunning
		);
		assert_noop!(Sensors::accept_trade(RuntimeOrigin::signed(EVE), 0), pallet_devices_error());
		run_to_epoch(3);
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::InvalidSpan
		);
		assert_ok!(Sensors::close_trade(RuntimeOrigin::signed(EVE), 0));
		assert_eq!(trade_hold(BOB), 0);
	});
}

/// What accepting as someone who does not operate the producing meter fails with.
fn pallet_devices_error() -> DispatchError {
	error(Error::<Test>::NotDeviceOperator)
}

#[test]
fn an_offer_must_name_two_enrolled_meters_of_one_cell_with_matching_fields() {
	ExtBuilder.build_and_execute(|| {
		meters(&[PRODUCER, CONSUMER, CHARLIE_STATION, MUNICH]);
		enroll(EVE_STATION);
		run_to_epoch(1);
		let offer =
			|who, consumer, producer, produced, consumed, price, cap, budget, first, last| {
				Sensors::offer_trade(
					RuntimeOrigin::signed(who),
					TradeTerms {
						consumer,
						producer,
						produced_field: produced,
						consumed_field: consumed,
						price,
						cap,
						budget,
						first,
						last,
					},
				)
			};
		use Error::*;
		let cases: Vec<(_, Error<Test>)> = vec![
			// Alice does not operate Bob's meter.
			(offer(ALICE, CONSUMER, PRODUCER, 0, 1, 1, 10, 100, 1, 2), NotDeviceOperator),
			(offer(BOB, CONSUMER, 99, 0, 1, 1, 10, 100, 1, 2), UnknownDevice),
			(offer(BOB, CONSUMER, STORAGE, 0, 1, 1, 10, 100, 1, 2), NotSensorDevice),
			(offer(BOB, CONSUMER, CONSUMER, 0, 1, 1, 10, 100, 1, 2), SameMeter),
			// Alice's other station is not enrolled.
			(offer(BOB, CONSUMER, ALICES_OTHER, 0, 1, 1, 10, 100, 1, 2), NotEnrolled),
			(offer(BOB, CONSUMER, PRODUCER, 2, 1, 1, 10, 100, 1, 2), WrongField),
			(offer(BOB, CONSUMER, PRODUCER, 0, 9, 1, 10, 100, 1, 2), WrongField),
			// Eve's station is a weather station: degrees are not watt-hours.
			(offer(BOB, CONSUMER, EVE_STATION, 0, 1, 1, 10, 100, 1, 2), WrongField),
			(offer(BOB, CONSUMER, MUNICH, 0, 1, 1, 10, 100, 1, 2), NotInOneCell),
			(offer(BOB, CONSUMER, PRODUCER, 0, 1, 0, 10, 100, 1, 2), EmptyTrade),
			(offer(BOB, CONSUMER, PRODUCER, 0, 1, 1, 0, 100, 1, 2), EmptyTrade),
			(offer(BOB, CONSUMER, PRODUCER, 0, 1, 1, 10, 0, 1, 2), EmptyTrade),
			(offer(BOB, CONSUMER, PRODUCER, 0, 1, 1, 10, 100, 0, 2), InvalidSpan),
			(offer(BOB, CONSUMER, PRODUCER, 0, 1, 1, 10, 100, 3, 2), InvalidSpan),
			(offer(BOB, CONSUMER, PRODUCER, 0, 1, 1, 10, 100, 1, 11), InvalidSpan),
		];
		for (result, expected) in cases {
			assert_eq!(result, Err(error(expected)));
		}
		// More than Bob has.
		assert!(offer(BOB, CONSUMER, PRODUCER, 0, 1, 1, 10, INITIAL_BALANCE, 1, 2).is_err());
		assert_eq!(NextTrade::<Test>::get(), 0);
		assert_eq!(trade_hold(BOB), 0);

		// A meter is in at most two trades (the mock's MaxDeviceTrades).
		assert_ok!(offer(BOB, CONSUMER, PRODUCER, 0, 1, 1, 10, 100, 1, 2));
		assert_ok!(offer(BOB, CONSUMER, CHARLIE_STATION, 0, 1, 1, 10, 100, 1, 2));
		assert_noop!(
			offer(BOB, CONSUMER, PRODUCER, 0, 1, 1, 10, 100, 1, 2),
			Error::<Test>::TooManyTrades
		);
	});
}

#[test]
fn accepting_needs_the_producing_meters_operator_another_account_and_room() {
	ExtBuilder.build_and_execute(|| {
		meters(&[PRODUCER, CONSUMER, CHARLIE_STATION, ALICES_OTHER]);
		run_to_epoch(1);
		let offer = |who, consumer, producer| {
			assert_ok!(Sensors::offer_trade(
				RuntimeOrigin::signed(who),
				TradeTerms {
					consumer,
					producer,
					produced_field: 0,
					consumed_field: 1,
					price: 1,
					cap: 10,
					budget: 100,
					first: 1,
					last: 2
				}
			));
			NextTrade::<Test>::get() - 1
		};
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(ALICE), 7),
			Error::<Test>::UnknownTrade
		);
		let id = offer(BOB, CONSUMER, PRODUCER);
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(CHARLIE), id),
			Error::<Test>::NotDeviceOperator
		);
		// Alice's manager operates her station, and is paid if it accepts.
		assert_ok!(Sensors::accept_trade(RuntimeOrigin::signed(MANAGER), id));
		assert_eq!(Trades::<Test>::get(id).unwrap().seller, Some(MANAGER));
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(ALICE), id),
			Error::<Test>::TradeAccepted
		);
		// Alice buying from herself.
		let own = offer(ALICE, ALICES_OTHER, PRODUCER);
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(ALICE), own),
			Error::<Test>::SelfTrade
		);
		// Alice's station is in two trades already.
		let second = offer(CHARLIE, CHARLIE_STATION, PRODUCER);
		assert_ok!(Sensors::accept_trade(RuntimeOrigin::signed(ALICE), second));
		let third = offer(BOB, CONSUMER, PRODUCER);
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(ALICE), third),
			Error::<Test>::TooManyTrades
		);
	});
}

#[test]
fn only_a_party_ends_or_disputes_and_only_an_accepted_trade_is_disputed() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		assert_noop!(
			Sensors::end_trade(RuntimeOrigin::signed(BOB), 0),
			Error::<Test>::UnknownTrade
		);
		assert_noop!(
			Sensors::dispute_trade(RuntimeOrigin::signed(BOB), 0),
			Error::<Test>::UnknownTrade
		);
		assert_noop!(
			Sensors::close_trade(RuntimeOrigin::signed(BOB), 0),
			Error::<Test>::UnknownTrade
		);
		assert_noop!(
			Sensors::resolve_trade(RuntimeOrigin::root(), 0, 1),
			Error::<Test>::UnknownTrade
		);
		assert_ok!(Sensors::offer_trade(
			RuntimeOrigin::signed(BOB),
			TradeTerms {
				consumer: CONSUMER,
				producer: PRODUCER,
				produced_field: 0,
				consumed_field: 1,
				price: 1,
				cap: 10,
				budget: 100,
				first: 1,
				last: 2
			}
		));
		assert_noop!(
			Sensors::end_trade(RuntimeOrigin::signed(CHARLIE), 0),
			Error::<Test>::NotTradeParty
		);
		assert_noop!(
			Sensors::dispute_trade(RuntimeOrigin::signed(BOB), 0),
			Error::<Test>::TradeNotAccepted
		);
		assert_ok!(Sensors::accept_trade(RuntimeOrigin::signed(ALICE), 0));
		assert_noop!(
			Sensors::dispute_trade(RuntimeOrigin::signed(CHARLIE), 0),
			Error::<Test>::NotTradeParty
		);
		assert_noop!(
			Sensors::resolve_trade(RuntimeOrigin::root(), 0, 1),
			Error::<Test>::NotDisputed
		);
		// Alice's manager is not the seller once Alice accepted.
		assert_noop!(
			Sensors::end_trade(RuntimeOrigin::signed(MANAGER), 0),
			Error::<Test>::NotTradeParty
		);
	});
}

#[test]
fn a_meter_in_a_trade_is_not_withdrawn_sold_or_moved_until_the_trade_closes() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let id = traded(1, 10, 100, 1, 2);
		assert_noop!(
			Sensors::withdraw(RuntimeOrigin::signed(ALICE), PRODUCER),
			Error::<Test>::MeterInTrade
		);
		assert_ok!(Devices::transfer_ownership(
			RuntimeOrigin::signed(BOB),
			CONSUMER,
			Some(CHARLIE)
		));
		assert_noop!(
			Devices::accept_ownership(RuntimeOrigin::signed(CHARLIE), CONSUMER),
			Error::<Test>::MeterInTrade
		);
		assert_noop!(
			Devices::update_location(
				RuntimeOrigin::signed(ALICE),
				PRODUCER,
				location_of(NEXT_CELL)
			),
			Error::<Test>::MeterInTrade
		);
		assert_ok!(Sensors::end_trade(RuntimeOrigin::signed(BOB), id));
		run_to_epoch(8);
		assert_ok!(Sensors::close_trade(RuntimeOrigin::signed(EVE), id));
		assert_ok!(Sensors::withdraw(RuntimeOrigin::signed(ALICE), PRODUCER));
		assert_ok!(Devices::accept_ownership(RuntimeOrigin::signed(CHARLIE), CONSUMER));
	});
}

#[test]
fn a_ring_trading_with_itself_burns_the_fee_the_pool_pays_back_at_most() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		// Alice and Bob are one ring: what leaves it is the fee, burned, and the pool pays the
		// producing meter's points at most that fee.
		let ring = || free(ALICE) + free(BOB) + trade_hold(BOB);
		let before = ring();
		let id = traded(5, 100_000, 50_000, 1, 1);
		let b1 = metered(1, &[], &[(PRODUCER, 1_000, 0), (CONSUMER, 0, 1_000)]);
		metered(2, &b1, &[]);
		run_to_epoch(6);
		assert_ok!(Sensors::close_trade(RuntimeOrigin::signed(EVE), id));
		let burned: u128 = depin_test_utils::fees().iter().map(|(.., fee)| *fee).sum();
		assert_eq!(burned, 10_000);
		assert_eq!(u128::from(before - ring()), burned);
		let points: u64 = depin_test_utils::points().iter().map(|p| p.3).sum();
		assert_eq!(points, 1_000, "a point per FeePerPoint of fee");
	});
}
