//! Energy trades between meters: offers, settlements from both meters' audits, the dispute
//! window, disputes, ending and closing, and every error.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{mock::*, types::*, DeviceTrades, Error, Event, Meters, NextTrade, Trades};
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

/// The meters' registers as the tests' batches leave them: produced and consumed watt-hours
/// since installation.
#[derive(Default)]
struct Registers(std::collections::BTreeMap<DeviceId, (i64, i64)>);

impl Registers {
	/// `device`'s batch of ten readings a minute apart up to now, its registers rising evenly
	/// by `produced` and `consumed` watt-hours (from 1,000 each for its first batch).
	fn batch(&mut self, device: DeviceId, produced: i64, consumed: i64) -> Batch {
		let (p, c) = self.0.get(&device).copied().unwrap_or((1_000, 1_000));
		self.0.insert(device, (p + produced, c + consumed));
		let end = now_secs();
		let readings = (1..=10i64)
			.map(|k| Reading {
				time: end - (10 - k as u64) * 60,
				values: vec![p + produced * k / 10, c + consumed * k / 10],
			})
			.collect();
		Batch::of(device, readings)
	}
}

/// In epoch `e` (its third block): reveal `previous`'s samples, then attest a batch for each
/// `(meter, produced, consumed)` (watt-hours its registers rose by). Returns the new batches.
fn metered(
	registers: &mut Registers,
	e: u32,
	previous: &[Batch],
	meters: &[(DeviceId, i64, i64)],
) -> Vec<Batch> {
	run_to_block(u64::from(e) * 10 + 2);
	for batch in previous {
		reveal(batch.reveal());
	}
	let batches: Vec<Batch> =
		meters.iter().map(|&(device, p, c)| registers.batch(device, p, c)).collect();
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

fn offer(who: AccountId, consumer: DeviceId, producer: DeviceId) -> TradeId {
	let id = NextTrade::<Test>::get();
	assert_ok!(Sensors::offer_trade(
		RuntimeOrigin::signed(who),
		TradeTerms {
			consumer,
			producer,
			produced_field: 0,
			consumed_field: 1,
			price: 1,
			cap: 10_000,
			budget: 5_000,
			first: 1,
			last: 4
		}
	));
	id
}

#[test]
fn the_last_reading_is_always_sampled() {
	ExtBuilder.build_and_execute(|| {
		run_to_epoch(2);
		let seed = <Epochs as depin_proving::ProvingEpochs<u64>>::current().seed;
		// The mock samples three at random, and the last.
		for count in [5, 10, 1_000] {
			let sampled = Sensors::sampled(&seed, PRODUCER, 1, count);
			assert_eq!(sampled.len(), 4);
			assert_eq!(sampled.last(), Some(&(count - 1)));
		}
		assert_eq!(Sensors::sampled(&seed, PRODUCER, 1, 4), vec![0, 1, 2, 3]);
		assert_eq!(Sensors::sampled(&seed, PRODUCER, 1, 2), vec![0, 1]);
	});
}

#[test]
fn meters_settle_the_smaller_registers_advance_and_are_paid_after_the_window() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let (alice, bob) = (free(ALICE), free(BOB));
		let mut registers = Registers::default();
		let id = traded(2, 10_000, 5_000, 1, 4);
		assert_eq!(trade_hold(BOB), 5_000 + 40);
		assert_eq!(DeviceTrades::<Test>::get(PRODUCER).unwrap().into_inner(), vec![id]);
		assert_eq!(DeviceTrades::<Test>::get(CONSUMER).unwrap().into_inner(), vec![id]);

		// Epoch 1's batches are the meters' baselines.
		let b1 = metered(&mut registers, 1, &[], &[(PRODUCER, 700, 5), (CONSUMER, 0, 700)]);
		// Epoch 2: Alice's register says 1,000 Wh produced (and 50 used), Bob's 800 used.
		let b2 = metered(&mut registers, 2, &b1, &[(PRODUCER, 1_000, 50), (CONSUMER, 0, 800)]);
		assert!(settled().is_empty());
		assert_eq!(
			Meters::<Test>::get(PRODUCER).unwrap().registers.into_inner(),
			vec![1_700, 1_005]
		);
		// Audited in epoch 3, epoch 2 settles at 800 Wh: 1,600, held. Epoch 3: 600 and 900.
		let b3 = metered(&mut registers, 3, &b2, &[(PRODUCER, 600, 0), (CONSUMER, 0, 900)]);
		assert_eq!(settled(), vec![(id, 2, 800, 1_600)]);
		assert_eq!(free(ALICE), alice);
		let b4 = metered(&mut registers, 4, &b3, &[(PRODUCER, 1_000, 0), (CONSUMER, 0, 1_000)]);
		assert_eq!(settled(), vec![(id, 2, 800, 1_600), (id, 3, 600, 1_200)]);
		assert!(trade_payments().is_empty());
		// Epoch 5: epoch 2's settlement (made in epoch 3) is past its two-epoch window: paid,
		// less 20 % burned; epoch 4 settles 1,000 Wh (2,000 of the 2,200 left).
		metered(&mut registers, 5, &b4, &[]);
		assert_eq!(trade_payments(), vec![(id, 1_600)]);
		assert_eq!(
			settled(),
			vec![(id, 2, 800, 1_600), (id, 3, 600, 1_200), (id, 4, 1_000, 2_000)]
		);
		assert_eq!(free(ALICE), alice + 1_280);
		assert_eq!(
			depin_test_utils::fees(),
			vec![(PRODUCER, pallet_devices::DeviceKind::Sensor, 5, 320)]
		);
		let trade = Trades::<Test>::get(id).unwrap();
		assert_eq!(trade.left, 200);
		assert_eq!(
			trade.owed.iter().map(|o| (o.settled_in, o.amount)).collect::<Vec<_>>(),
			vec![(4, 1_200), (5, 2_000)]
		);

		// Nobody closes it before its last settlement's window is over (4 + 2 audits + 2), nor
		// disputes it after.
		run_to_epoch(8);
		assert_noop!(
			Sensors::close_trade(RuntimeOrigin::signed(EVE), id),
			Error::<Test>::TradeRunning
		);
		run_to_epoch(9);
		assert_noop!(
			Sensors::dispute_trade(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::TradeOver
		);
		assert_ok!(Sensors::close_trade(RuntimeOrigin::signed(EVE), id));
		System::assert_last_event(
			Event::TradeClosed { trade: id, paid: 3_200, refunded: 240 }.into(),
		);
		assert_eq!(free(ALICE), alice + 3_840);
		assert_eq!(free(BOB), bob - 4_800);
		assert_eq!(trade_hold(BOB), 0);
		assert!(Trades::<Test>::get(id).is_none());
		assert!(DeviceTrades::<Test>::get(PRODUCER).is_none());
		assert!(Meters::<Test>::get(PRODUCER).is_none(), "a meter in no trade forgets");
	});
}

#[test]
fn a_meter_in_two_trades_sells_its_energy_once() {
	ExtBuilder.build_and_execute(|| {
		meters(&[PRODUCER, CONSUMER, CHARLIE_STATION]);
		run_to_epoch(1);
		run_to_block(11);
		let mut registers = Registers::default();
		let bob = offer(BOB, CONSUMER, PRODUCER);
		let charlie = offer(CHARLIE, CHARLIE_STATION, PRODUCER);
		for id in [bob, charlie] {
			assert_ok!(Sensors::accept_trade(RuntimeOrigin::signed(ALICE), id));
		}
		let all = [(PRODUCER, 500, 0), (CONSUMER, 0, 500), (CHARLIE_STATION, 0, 500)];
		let b1 = metered(&mut registers, 1, &[], &all);
		// Alice's meter produced 1,000 Wh; Bob's and Charlie's used 800 each: 1,000 is sold.
		let b2 = metered(
			&mut registers,
			2,
			&b1,
			&[(PRODUCER, 1_000, 0), (CONSUMER, 0, 800), (CHARLIE_STATION, 0, 800)],
		);
		metered(&mut registers, 3, &b2, &[]);
		assert_eq!(settled(), vec![(bob, 2, 800, 800), (charlie, 2, 200, 200)]);
		assert_eq!(Meters::<Test>::get(PRODUCER).unwrap().left[0], 0);
		assert_eq!(Meters::<Test>::get(CHARLIE_STATION).unwrap().left[1], 600);
	});
}

#[test]
fn the_cap_bounds_what_one_epoch_settles() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let mut registers = Registers::default();
		let id = traded(1, 700, 10_000, 1, 4);
		let b1 = metered(&mut registers, 1, &[], &[(PRODUCER, 10, 0), (CONSUMER, 0, 10)]);
		let b2 = metered(&mut registers, 2, &b1, &[(PRODUCER, 1_000, 0), (CONSUMER, 0, 1_000)]);
		metered(&mut registers, 3, &b2, &[]);
		assert_eq!(settled(), vec![(id, 2, 700, 700)]);
	});
}

/// The meter resets seen so far: `(device, epoch)`.
fn resets() -> Vec<(DeviceId, EpochIndex)> {
	sensor_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::RegisterReset { device, epoch } => Some((device, epoch)),
			_ => None,
		})
		.collect()
}

#[test]
fn an_epoch_a_meter_missed_or_whose_register_went_back_settles_nothing() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let mut registers = Registers::default();
		let id = traded(1, 10_000, 10_000, 1, 8);
		let deposit = pallet_devices::Devices::<Test>::get(CONSUMER).unwrap().deposit;
		let b1 = metered(&mut registers, 1, &[], &[(PRODUCER, 100, 0), (CONSUMER, 0, 100)]);
		// Epoch 2: only the producer attests.
		let b2 = metered(&mut registers, 2, &b1, &[(PRODUCER, 100, 0)]);
		// Epoch 3: the consumer's register covers epochs 2 and 3, but its last audit was not
		// epoch 2's: a new baseline, nothing settles (energy it did not attest in its epoch is
		// never sold later).
		let b3 = metered(&mut registers, 3, &b2, &[(PRODUCER, 100, 0), (CONSUMER, 0, 300)]);
		let b4 = metered(&mut registers, 4, &b3, &[(PRODUCER, 100, 0), (CONSUMER, 0, 100)]);
		assert_eq!(resets(), vec![(CONSUMER, 3)]);
		assert!(settled().is_empty());
		// Epoch 5: Bob's meter says its register went back: a new baseline again.
		let (p, c) = registers.0[&CONSUMER];
		registers.0.insert(CONSUMER, (p, c - 500));
		let b5 = metered(&mut registers, 5, &b4, &[(PRODUCER, 100, 0), (CONSUMER, 0, 200)]);
		assert_eq!(settled(), vec![(id, 4, 100, 100)]);
		let b6 = metered(&mut registers, 6, &b5, &[(PRODUCER, 100, 0), (CONSUMER, 0, 100)]);
		assert_eq!(resets(), vec![(CONSUMER, 3), (CONSUMER, 5)]);
		assert_eq!(settled(), vec![(id, 4, 100, 100)]);
		metered(&mut registers, 7, &b6, &[]);
		assert_eq!(settled(), vec![(id, 4, 100, 100), (id, 6, 100, 100)]);
		// A reset is no fraud: nothing is slashed.
		assert_eq!(pallet_devices::Devices::<Test>::get(CONSUMER).unwrap().deposit, deposit);
		assert!(!sensor_events().iter().any(|e| matches!(e, Event::ReadingsFaked { .. })));
	});
}

#[test]
fn a_disputed_trade_pays_what_was_ripe_then_waits_for_the_dispute_origin() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let (alice, bob) = (free(ALICE), free(BOB));
		let mut registers = Registers::default();
		let id = traded(2, 10_000, 5_000, 1, 8);
		let b1 = metered(&mut registers, 1, &[], &[(PRODUCER, 100, 0), (CONSUMER, 0, 80)]);
		let b2 = metered(&mut registers, 2, &b1, &[(PRODUCER, 100, 0), (CONSUMER, 0, 80)]);
		let b3 = metered(&mut registers, 3, &b2, &[(PRODUCER, 100, 0), (CONSUMER, 0, 80)]);
		let b4 = metered(&mut registers, 4, &b3, &[(PRODUCER, 100, 0), (CONSUMER, 0, 80)]);
		// Settled in epochs 3 and 4: 160 each.
		assert_eq!(settled(), vec![(id, 2, 80, 160), (id, 3, 80, 160)]);

		// Epoch 5: Bob says his meter was wrong. Epoch 2's settlement is past its window: it is
		// Alice's, paid first. Then nothing more settles or is paid.
		run_to_epoch(5);
		assert_ok!(Sensors::dispute_trade(RuntimeOrigin::signed(BOB), id));
		System::assert_last_event(Event::TradeDisputed { trade: id, by: BOB }.into());
		assert_eq!(trade_payments(), vec![(id, 160)]);
		let b5 = metered(&mut registers, 5, &b4, &[(PRODUCER, 100, 0), (CONSUMER, 0, 80)]);
		metered(&mut registers, 6, &b5, &[]);
		assert_eq!(settled(), vec![(id, 2, 80, 160), (id, 3, 80, 160)]);
		assert_eq!(trade_payments(), vec![(id, 160)]);
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

		// The dispute origin pays Alice 100 of the 160 owed (80 after the fee); the rest, the
		// budget left and the deposit go back to Bob.
		assert_ok!(Sensors::resolve_trade(RuntimeOrigin::root(), id, 100));
		System::assert_last_event(
			Event::TradeClosed { trade: id, paid: 100, refunded: 5_000 - 320 + 60 + 40 }.into(),
		);
		assert_eq!(free(ALICE), alice + 128 + 80);
		assert_eq!(free(BOB), bob - 260);
		assert_eq!(trade_hold(BOB), 0);
		assert!(DeviceTrades::<Test>::get(PRODUCER).is_none());
	});
}

#[test]
fn an_undecided_dispute_lapses_and_the_meters_word_stands() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let mut registers = Registers::default();
		let id = traded(1, 10_000, 5_000, 1, 8);
		let b1 = metered(&mut registers, 1, &[], &[(PRODUCER, 100, 0), (CONSUMER, 0, 100)]);
		let b2 = metered(&mut registers, 2, &b1, &[(PRODUCER, 100, 0), (CONSUMER, 0, 100)]);
		metered(&mut registers, 3, &b2, &[]);
		assert_ok!(Sensors::dispute_trade(RuntimeOrigin::signed(ALICE), id));
		// The dispute origin pays at most what is owed, never the budget left.
		run_to_epoch(4);
		assert_noop!(
			Sensors::close_trade(RuntimeOrigin::signed(EVE), id),
			Error::<Test>::TradeDisputed
		);
		// Raised in epoch 3, it lapses in epoch 5: anyone closes, and the owed 100 is paid.
		run_to_epoch(5);
		assert_ok!(Sensors::close_trade(RuntimeOrigin::signed(EVE), id));
		System::assert_last_event(
			Event::TradeClosed { trade: id, paid: 100, refunded: 4_900 + 40 }.into(),
		);
	});
}

#[test]
fn the_dispute_origin_pays_at_most_what_is_owed() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let (alice, bob) = (free(ALICE), free(BOB));
		let id = traded(2, 10_000, 5_000, 1, 5);
		assert_ok!(Sensors::dispute_trade(RuntimeOrigin::signed(ALICE), id));
		assert_ok!(Sensors::resolve_trade(RuntimeOrigin::root(), id, Balance::MAX));
		System::assert_last_event(
			Event::TradeClosed { trade: id, paid: 0, refunded: 5_040 }.into(),
		);
		assert_eq!((free(ALICE), free(BOB)), (alice, bob));
	});
}

#[test]
fn an_offer_is_declined_or_withdrawn_at_once_and_a_trade_ended_settles_no_later_epoch() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let bob = free(BOB);
		let mut registers = Registers::default();
		// Alice declines an offer: it closes, and Bob's hold goes back.
		let declined = offer(BOB, CONSUMER, PRODUCER);
		assert_ok!(Sensors::end_trade(RuntimeOrigin::signed(ALICE), declined));
		System::assert_last_event(
			Event::TradeClosed { trade: declined, paid: 0, refunded: 5_040 }.into(),
		);
		assert_eq!((free(BOB), trade_hold(BOB)), (bob, 0));
		assert!(DeviceTrades::<Test>::get(CONSUMER).is_none());

		// An accepted trade whose span has not begun closes at once too.
		let later = traded(1, 100, 500, 5, 6);
		assert_ok!(Sensors::end_trade(RuntimeOrigin::signed(BOB), later));
		assert!(Trades::<Test>::get(later).is_none());

		// A running trade ended in epoch 3 settles epochs 2 and 3, not 4.
		let id = traded(1, 10_000, 5_000, 1, 8);
		let b1 = metered(&mut registers, 1, &[], &[(PRODUCER, 10, 0), (CONSUMER, 0, 10)]);
		let b2 = metered(&mut registers, 2, &b1, &[(PRODUCER, 10, 0), (CONSUMER, 0, 10)]);
		let b3 = metered(&mut registers, 3, &b2, &[(PRODUCER, 10, 0), (CONSUMER, 0, 10)]);
		assert_ok!(Sensors::end_trade(RuntimeOrigin::signed(ALICE), id));
		System::assert_last_event(Event::TradeEnded { trade: id, last: 3 }.into());
		assert_noop!(
			Sensors::end_trade(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::TradeEnding
		);
		let b4 = metered(&mut registers, 4, &b3, &[(PRODUCER, 10, 0), (CONSUMER, 0, 10)]);
		metered(&mut registers, 5, &b4, &[]);
		assert_eq!(settled(), vec![(id, 2, 10, 10), (id, 3, 10, 10)]);
		// Closed once epoch 3's settlement (in epoch 4) is past its window: 3 + 2 + 2 < 8.
		run_to_epoch(7);
		assert_noop!(
			Sensors::close_trade(RuntimeOrigin::signed(EVE), id),
			Error::<Test>::TradeRunning
		);
		run_to_epoch(8);
		assert_ok!(Sensors::close_trade(RuntimeOrigin::signed(EVE), id));
		assert_eq!((free(BOB), trade_hold(BOB)), (bob - 20, 0));
	});
}

#[test]
fn an_offer_nobody_accepted_is_closed_by_anyone_once_its_span_is_over() {
	ExtBuilder.build_and_execute(|| {
		two_meters();
		let id = offer(BOB, CONSUMER, PRODUCER);
		run_to_epoch(4);
		assert_noop!(
			Sensors::close_trade(RuntimeOrigin::signed(EVE), id),
			Error::<Test>::TradeRunning
		);
		run_to_epoch(5);
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(ALICE), id),
			Error::<Test>::InvalidSpan
		);
		assert_ok!(Sensors::close_trade(RuntimeOrigin::signed(EVE), id));
		assert_eq!(trade_hold(BOB), 0);
	});
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
			// Alice does not operate Bob's meter; her manager operates hers but does not own it.
			(offer(ALICE, CONSUMER, PRODUCER, 0, 1, 1, 10, 100, 1, 2), NotDeviceOperator),
			(offer(MANAGER, PRODUCER, CONSUMER, 0, 1, 1, 10, 100, 1, 2), NotMeterOwner),
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
fn accepting_needs_the_producing_meters_owner_another_account_and_room() {
	ExtBuilder.build_and_execute(|| {
		meters(&[PRODUCER, CONSUMER, CHARLIE_STATION, ALICES_OTHER, EVE_STATION]);
		run_to_epoch(1);
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(ALICE), 7),
			Error::<Test>::UnknownTrade
		);
		let id = offer(BOB, CONSUMER, PRODUCER);
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(CHARLIE), id),
			Error::<Test>::NotDeviceOperator
		);
		// Alice's manager runs her station but does not commit it to a trade.
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(MANAGER), id),
			Error::<Test>::NotMeterOwner
		);
		assert_ok!(Sensors::accept_trade(RuntimeOrigin::signed(ALICE), id));
		assert_eq!(Trades::<Test>::get(id).unwrap().seller, Some(ALICE));
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
		let third = offer(EVE, EVE_STATION, PRODUCER);
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(ALICE), third),
			Error::<Test>::TooManyTrades
		);
		// Bob's meter buys from Alice's already: one supplier at a time.
		let fourth = offer(BOB, CONSUMER, CHARLIE_STATION);
		assert_noop!(
			Sensors::accept_trade(RuntimeOrigin::signed(CHARLIE), fourth),
			Error::<Test>::MeterBuying
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
		let id = offer(BOB, CONSUMER, PRODUCER);
		assert_noop!(
			Sensors::end_trade(RuntimeOrigin::signed(CHARLIE), id),
			Error::<Test>::NotTradeParty
		);
		assert_noop!(
			Sensors::dispute_trade(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::TradeNotAccepted
		);
		assert_ok!(Sensors::accept_trade(RuntimeOrigin::signed(ALICE), id));
		assert_noop!(
			Sensors::dispute_trade(RuntimeOrigin::signed(CHARLIE), id),
			Error::<Test>::NotTradeParty
		);
		assert_noop!(
			Sensors::resolve_trade(RuntimeOrigin::root(), id, 1),
			Error::<Test>::NotDisputed
		);
		// Alice's manager is no party: the trade binds her, the owner.
		assert_noop!(
			Sensors::end_trade(RuntimeOrigin::signed(MANAGER), id),
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
		let mut registers = Registers::default();
		let id = traded(5, 100_000, 50_000, 1, 2);
		let b1 = metered(&mut registers, 1, &[], &[(PRODUCER, 10, 0), (CONSUMER, 0, 10)]);
		let b2 = metered(&mut registers, 2, &b1, &[(PRODUCER, 1_000, 0), (CONSUMER, 0, 1_000)]);
		metered(&mut registers, 3, &b2, &[]);
		run_to_epoch(7);
		assert_ok!(Sensors::close_trade(RuntimeOrigin::signed(EVE), id));
		let burned: u128 = depin_test_utils::fees().iter().map(|(.., fee)| *fee).sum();
		assert_eq!(burned, 1_000);
		assert_eq!(u128::from(before - ring()), burned);
		let points: u64 = depin_test_utils::points().iter().map(|p| p.3).sum();
		assert_eq!(points, 100, "a point per FeePerPoint of fee");
	});
}
