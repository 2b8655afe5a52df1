//! Tests of permanent deals: the endowment, tranches, renewal on the schedule's declining
//! price, re-dealing a replica whose provider failed, and a schedule played to its end.
//!
//! The mock's schedule: three paid epochs a year, a fifth cheaper each year. A 4-chunk
//! replica at 10 a chunk an epoch (40 an epoch) is endowed with 888: the series,
//! `3 · 40 / 0.2 = 600`, and the rounding allowance, `3 · 24 · 4 = 288` (a 24-bit price halving
//! at least every 4 years).

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{mock::*, pallet::*, types::*, HoldReason, ReplicaSpecsOf};
use depin_primitives::deals::{DealEnd, DealId, DealState};
use frame_support::{assert_noop, assert_ok, BoundedVec};
use pallet_devices::DeviceId;
use sp_runtime::DispatchError;

const ENDOWMENT: HoldReason = HoldReason::Endowment;
const PAYMENT: HoldReason = HoldReason::DealPayment;
const COLLATERAL: HoldReason = HoldReason::DealCollateral;
/// A 4-chunk replica's endowment (see the module's documentation).
const REPLICA_ENDOWMENT: Balance = 888;
/// A tranche's provider collateral: at least a schedule year of the first year's price (120).
const STAKE: Balance = 150;

fn pot() -> AccountId {
	Proofs::endowment_pot()
}

fn specs(items: &[(&SectorData, DeviceId)]) -> ReplicaSpecsOf<Test> {
	BoundedVec::truncate_from(
		items
			.iter()
			.map(|(data, device)| ReplicaSpec {
				root: data.root(),
				chunks: data.tree.chunks(),
				device: *device,
			})
			.collect::<Vec<_>>(),
	)
}

/// [`CLIENT`] endows `items` at 10 a chunk an epoch; the deal's number.
fn create(items: &[(&SectorData, DeviceId)]) -> PermanentId {
	let id = NextPermanentId::<Test>::get();
	assert_ok!(Proofs::create_permanent_deal(
		RuntimeOrigin::signed(CLIENT),
		specs(items),
		deal_price(10),
		STAKE,
		Balance::MAX
	));
	id
}

fn replica(id: PermanentId, index: u32) -> crate::ReplicaOf<Test> {
	Permanents::<Test>::get(id).unwrap().replicas[index as usize]
}

/// `who` takes replica `index` of `id` for `device`; the tranche.
fn take(who: AccountId, id: PermanentId, index: u32, device: DeviceId) -> DealId {
	assert_ok!(Proofs::take_replica(RuntimeOrigin::signed(who), id, index, device));
	match replica(id, index).state {
		ReplicaState::Dealt(tranche) => tranche,
		other => panic!("not dealt: {other:?}"),
	}
}

/// Prove `data`, sector `index` of `device`, in the current epoch (Charlie relays), and check
/// a deal paid for it.
fn prove(device: DeviceId, index: SectorIndex, data: &SectorData) {
	let before = proof_events().len();
	assert_ok!(Proofs::submit_storage_proofs(
		RuntimeOrigin::signed(CHARLIE),
		batch(vec![honest_proof(device, index, data)])
	));
	let events = &proof_events()[before..];
	assert!(
		events.iter().any(|e| matches!(e, Event::StorageProofAccepted { .. }))
			&& events.iter().any(|e| matches!(e, Event::DealPaid { .. })),
		"proven and paid: {events:?}"
	);
}

fn settle(deal: DealId) {
	assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), deal));
}

// ---- Making ---------------------------------------------------------------------------------

#[test]
fn a_permanent_deal_holds_each_replicas_endowment_on_the_pot() {
	ExtBuilder::default().build_and_execute(|| {
		let (a, c) = (sector_data(4, 1), sector_data(4, 2));
		let client = free(CLIENT);
		let id = create(&[(&a, STORAGE_A), (&c, STORAGE_C)]);
		assert_eq!(id, 0);
		// Two endowments, held on the pot, the pot's existential deposit (the first deal pays
		// it), and a deal's deposit for each replica's record, burned.
		assert_eq!(held(ENDOWMENT, pot()), 2 * REPLICA_ENDOWMENT);
		assert_eq!(free(pot()), 1);
		assert_eq!(free(CLIENT), client - 2 * REPLICA_ENDOWMENT - 2 * DealDeposit::get() - 1);
		assert_eq!(PermanentRoots::<Test>::get(c.root()), Some((id, 1)));
		assert!(proof_events().contains(&Event::PermanentDealCreated {
			id,
			client: CLIENT,
			replicas: 2,
			endowment: 2 * REPLICA_ENDOWMENT,
		}));
		let deal = Permanents::<Test>::get(id).unwrap();
		assert_eq!((deal.price_per_gib, deal.provider_collateral), (deal_price(10), STAKE));
		assert_eq!((deal.epochs_per_year, deal.decline), (3, EndowmentDecline::get()));
		let until = System::block_number() + MaxActivationDelay::get();
		let first = deal.replicas[0];
		assert_eq!(first.reserved, Some((STORAGE_A, until)));
		assert_eq!(deal.replicas[1].reserved, Some((STORAGE_C, until)));
		assert_eq!((first.left, first.served, first.year_price), (888, 0, deal_price(10)));
		assert_eq!(first.state, ReplicaState::Open);
		// A second deal pays no existential deposit.
		let client = free(CLIENT);
		assert_eq!(create(&[(&sector_data(4, 3), STORAGE_B)]), 1);
		assert_eq!(free(CLIENT), client - REPLICA_ENDOWMENT - DealDeposit::get());
	});
}

#[test]
fn a_bad_permanent_deal_is_refused_and_takes_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let a = sector_data(4, 1);
		let call = |specs: ReplicaSpecsOf<Test>, price: Balance, max: Balance| {
			Proofs::create_permanent_deal(RuntimeOrigin::signed(CLIENT), specs, price, STAKE, max)
		};
		let with = |specs: ReplicaSpecsOf<Test>, collateral: Balance| {
			Proofs::create_permanent_deal(
				RuntimeOrigin::signed(CLIENT),
				specs,
				deal_price(10),
				collateral,
				Balance::MAX,
			)
		};
		let good = || specs(&[(&a, STORAGE_A)]);
		let mut empty = good();
		empty[0].chunks = 0;
		let mut huge = good();
		huge[0].chunks = 1 << 13;
		let cases: Vec<(ReplicaSpecsOf<Test>, Balance, Balance, DispatchError)> = vec![
			(BoundedVec::new(), deal_price(10), Balance::MAX, Error::<Test>::NoReplicas.into()),
			(good(), 0, Balance::MAX, Error::<Test>::PriceTooLow.into()),
			(empty, deal_price(10), Balance::MAX, Error::<Test>::EmptySector.into()),
			(huge, deal_price(10), Balance::MAX, Error::<Test>::SectorTooLarge.into()),
			(
				specs(&[(&a, STORAGE_A), (&a, STORAGE_C)]),
				deal_price(10),
				Balance::MAX,
				Error::<Test>::RepeatedRoot.into(),
			),
			(specs(&[(&a, 99)]), deal_price(10), Balance::MAX, Error::<Test>::UnknownDevice.into()),
			(
				specs(&[(&a, COVERAGE)]),
				deal_price(10),
				Balance::MAX,
				Error::<Test>::NotStorageDevice.into(),
			),
			// The client's guard against a schedule dearer than it expected.
			(good(), deal_price(10), 887, Error::<Test>::EndowmentTooHigh.into()),
		];
		for (specs, price, max, error) in cases {
			assert_noop!(call(specs, price, max), error);
		}
		// A tranche's collateral of less than a year at the first year's price (3 · 40).
		assert_noop!(with(good(), 119), Error::<Test>::CollateralTooLow);
		// 10,000 of balance does not endow a 128-chunk replica (19,488).
		let big = sector_data(128, 7);
		assert_noop!(with(specs(&[(&big, STORAGE_A)]), 5_000), Error::<Test>::ClientCannotPay);
		// A root is one replica's.
		assert_ok!(with(good(), STAKE));
		assert_noop!(with(specs(&[(&a, STORAGE_C)]), STAKE), Error::<Test>::DuplicateRoot);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), STORAGE_C));
		assert_noop!(
			call(specs(&[(&sector_data(4, 5), STORAGE_C)]), deal_price(10), Balance::MAX),
			Error::<Test>::DeviceNotActive
		);
	});
}

#[test]
fn a_permanent_root_is_published_and_committed_only_for_its_replica() {
	ExtBuilder::default().build_and_execute(|| {
		let a = sector_data(4, 1);
		create(&[(&a, STORAGE_A)]);
		// Nobody can squat the replica's root: not with a deal of their own...
		let before = proof_events().len();
		assert_ok!(Proofs::publish_deals(
			RuntimeOrigin::signed(CHARLIE),
			proposals(vec![signed(proposal(STORAGE_C, &a))])
		));
		assert!(proof_events()[before..].iter().any(|e| matches!(
			e,
			Event::ProposalRejected { error, .. }
				if *error == DispatchError::from(Error::<Test>::DuplicateRoot)
		)));
		// ...nor with a sector, not even the device it is reserved for, before taking it.
		assert_noop!(
			Proofs::commit_sector(RuntimeOrigin::signed(CHARLIE), STORAGE_C, a.root(), 4),
			Error::<Test>::DuplicateRoot
		);
		assert_noop!(
			Proofs::commit_sector(RuntimeOrigin::signed(ALICE), STORAGE_A, a.root(), 4),
			Error::<Test>::DuplicateRoot
		);
		take(ALICE, 0, 0, STORAGE_A);
		commit(ALICE, STORAGE_A, &a);
	});
}

// ---- Taking ---------------------------------------------------------------------------------

#[test]
fn a_taken_replica_is_a_tranche_the_endowment_pays_to_the_end_of_the_year() {
	ExtBuilder::default().build_and_execute(|| {
		let a = sector_data(4, 1);
		let id = create(&[(&a, STORAGE_A)]);
		let alice = free(ALICE);
		let tranche = take(ALICE, id, 0, STORAGE_A);
		// Three epochs (a schedule year) at 40, out of the endowment, held on the pot as the
		// tranche's client; Alice stakes the collateral and the deposit.
		let deal = Deals::<Test>::get(tranche).unwrap();
		assert_eq!(deal.proposal.client, pot());
		assert_eq!((deal.proposal.duration, deal.epoch_price), (3, 40));
		assert_eq!(deal.proposal.provider_collateral, STAKE);
		assert_eq!(deal.proposal.client_collateral, 0);
		assert_eq!(held(PAYMENT, pot()), 120);
		assert_eq!(held(ENDOWMENT, pot()), REPLICA_ENDOWMENT - 120);
		assert_eq!(replica(id, 0).left, REPLICA_ENDOWMENT - 120);
		assert_eq!(free(ALICE), alice - STAKE - DealDeposit::get());
		assert_eq!(Tranches::<Test>::get(tranche), Some((id, 0)));
		assert!(proof_events().contains(&Event::ReplicaTaken {
			id,
			replica: 0,
			deal: tranche,
			device: STORAGE_A,
			epochs: 3,
			payment: 120,
		}));
		// Committing the root activates it like any deal, and each proven epoch pays the
		// device's owner, less the fee, burned.
		let sector = commit(ALICE, STORAGE_A, &a);
		assert!(matches!(Deals::<Test>::get(tranche).unwrap().state, DealState::Active(_)));
		for epoch in 1..=3 {
			run_to_epoch(epoch);
			prove(STORAGE_A, sector, &a);
		}
		// Settled once the activation deadline has passed, the tranche is forgotten.
		run_to_epoch(4);
		let alice = free(ALICE);
		settle(tranche);
		// 3 · 40 less the 20 % fee; the collateral and the deposit back.
		assert_eq!(free(ALICE), alice + 96 + STAKE + DealDeposit::get());
		assert_eq!(held(PAYMENT, pot()), 0);
		assert!(Deals::<Test>::get(tranche).is_none());
	});
}

#[test]
fn taking_a_replica_is_refused_unless_it_is_open_and_yours_to_take() {
	ExtBuilder::default().build_and_execute(|| {
		let (a, b) = (sector_data(4, 1), sector_data(4, 2));
		let id = create(&[(&a, STORAGE_A), (&b, STORAGE_C)]);
		let take = |who, index, device| {
			Proofs::take_replica(RuntimeOrigin::signed(who), id, index, device)
		};
		assert_noop!(
			Proofs::take_replica(RuntimeOrigin::signed(ALICE), 7, 0, STORAGE_A),
			Error::<Test>::UnknownPermanent
		);
		assert_noop!(take(ALICE, 2, STORAGE_A), Error::<Test>::UnknownReplica);
		// Reserved for Charlie's device until its reservation's block.
		assert_noop!(take(ALICE, 1, STORAGE_A), Error::<Test>::ReservedForAnother);
		// Only the device's operator, on a storage device it operates.
		assert_noop!(take(BOB, 0, STORAGE_A), Error::<Test>::NotDeviceOperator);
		// A provider that cannot stake.
		let poor = (STAKE + DealDeposit::get()) * 100;
		assert_ok!(Proofs::create_permanent_deal(
			RuntimeOrigin::signed(CLIENT),
			specs(&[(&sector_data(4, 9), STORAGE_B)]),
			deal_price(1),
			poor,
			Balance::MAX
		));
		assert_noop!(
			Proofs::take_replica(RuntimeOrigin::signed(BOB), 1, 0, STORAGE_B),
			Error::<Test>::ProviderCannotPay
		);
		// Taken: not again.
		assert_ok!(take(CHARLIE, 1, STORAGE_C));
		assert_noop!(take(CHARLIE, 1, STORAGE_C), Error::<Test>::ReplicaNotOpen);
		// After the reservation anyone may take an open replica, on a storage device.
		run_to_block(System::block_number() + MaxActivationDelay::get() + 1);
		assert_noop!(take(ALICE, 0, COVERAGE), Error::<Test>::NotStorageDevice);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), STORAGE_B));
		assert_noop!(
			Proofs::take_replica(RuntimeOrigin::signed(BOB), 1, 0, STORAGE_B),
			Error::<Test>::DeviceNotActive
		);
	});
}

// ---- Rolling on -----------------------------------------------------------------------------

#[test]
fn a_completed_tranche_renews_on_its_sector_at_the_next_years_lower_price() {
	ExtBuilder::default().build_and_execute(|| {
		let a = sector_data(4, 1);
		let id = create(&[(&a, STORAGE_A)]);
		let tranche = take(ALICE, id, 0, STORAGE_A);
		let sector = commit(ALICE, STORAGE_A, &a);
		for epoch in 1..=3 {
			run_to_epoch(epoch);
			prove(STORAGE_A, sector, &a);
		}
		// The year's last epoch is proven: settling completes the tranche, and the replica is
		// open, reserved for Alice's device, a year on, a fifth cheaper.
		settle(tranche);
		let opened = replica(id, 0);
		assert_eq!(opened.state, ReplicaState::Open);
		assert_eq!((opened.served, opened.year_price), (3, deal_price(10) * 4 / 5));
		assert_eq!(opened.left, REPLICA_ENDOWMENT - 120);
		let until = System::block_number() + MaxActivationDelay::get();
		assert_eq!(opened.reserved, Some((STORAGE_A, until)));
		assert!(proof_events().contains(&Event::ReplicaOpened {
			id,
			replica: 0,
			reason: DealEnd::Completed,
			left: REPLICA_ENDOWMENT - 120,
		}));
		assert_noop!(
			Proofs::take_replica(RuntimeOrigin::signed(CHARLIE), id, 0, STORAGE_C),
			Error::<Test>::ReservedForAnother
		);
		// Alice renews on the sector she keeps: active at once, from the next epoch, at 32.
		let renewed = take(ALICE, id, 0, STORAGE_A);
		let deal = Deals::<Test>::get(renewed).unwrap();
		assert_eq!((deal.epoch_price, deal.proposal.duration), (32, 3));
		let DealState::Active(progress) = deal.state else { panic!("active") };
		assert_eq!((progress.sector, progress.first_epoch), (sector, 4));
		run_to_epoch(4);
		prove(STORAGE_A, sector, &a);
	});
}

#[test]
fn a_replica_whose_provider_fails_is_re_dealt_from_its_endowment() {
	ExtBuilder::default().build_and_execute(|| {
		let a = sector_data(4, 1);
		let id = create(&[(&a, STORAGE_A)]);
		let tranche = take(ALICE, id, 0, STORAGE_A);
		commit(ALICE, STORAGE_A, &a);
		// Alice never proves: three misses in a row fail the tranche. Past epoch 4's deadline,
		// her sector's challenge is closed, so the root can move.
		run_to_block(epoch_start(4) + ResponseWindow::get() + 1);
		let alice = held(COLLATERAL, ALICE);
		settle(tranche);
		// The three epochs' 120 come back with Alice's whole collateral: all into the
		// replica's endowment, which her failure made larger.
		assert_eq!(held(COLLATERAL, ALICE), alice - STAKE);
		let opened = replica(id, 0);
		assert_eq!(opened.left, REPLICA_ENDOWMENT + STAKE);
		assert_eq!((opened.served, opened.reserved, opened.state), (0, None, ReplicaState::Open));
		assert_eq!(held(COLLATERAL, ALICE), 0);
		assert_eq!(held(ENDOWMENT, pot()), REPLICA_ENDOWMENT + STAKE);
		assert_eq!((held(PAYMENT, pot()), free(pot())), (0, 1));
		assert!(proof_events().contains(&Event::ReplicaOpened {
			id,
			replica: 0,
			reason: DealEnd::Faulted,
			left: REPLICA_ENDOWMENT + STAKE,
		}));
		// Alice's device may not take it back for a while: a failed provider hands it on.
		assert_eq!(opened.barred, Some((STORAGE_A, System::block_number() + 30)));
		assert_noop!(
			Proofs::take_replica(RuntimeOrigin::signed(ALICE), id, 0, STORAGE_A),
			Error::<Test>::DeviceBarred
		);
		// Charlie takes it over (Alice's copy, paid by nobody now, is evicted) and proves it.
		let retaken = take(CHARLIE, id, 0, STORAGE_C);
		assert!(proof_events().iter().any(|e| matches!(
			e,
			Event::SectorEvicted { device: STORAGE_A, deal, .. } if *deal == retaken
		)));
		// (Committed in epoch 4's last block, it counts from epoch 5: challenged from 6.)
		let sector = commit(CHARLIE, STORAGE_C, &a);
		run_to_epoch(6);
		prove(STORAGE_C, sector, &a);
	});
}

#[test]
fn a_tranche_never_activated_is_ended_by_the_next_take() {
	ExtBuilder::default().build_and_execute(|| {
		let a = sector_data(4, 1);
		let id = create(&[(&a, STORAGE_A)]);
		// Alice takes it and never commits it.
		let lapsed = take(ALICE, id, 0, STORAGE_A);
		assert_noop!(
			Proofs::take_replica(RuntimeOrigin::signed(CHARLIE), id, 0, STORAGE_C),
			Error::<Test>::ReplicaNotOpen
		);
		// Past its activation deadline, Charlie's take ends it (its collateral to the
		// endowment) without anyone settling it first.
		run_to_block(System::block_number() + MaxActivationDelay::get() + 1);
		let taken = take(CHARLIE, id, 0, STORAGE_C);
		assert!(proof_events().contains(&Event::DealEnded {
			deal: lapsed,
			reason: DealEnd::NotActivated,
			provider_penalty: STAKE,
			client_fee: 0,
		}));
		assert_eq!(replica(id, 0).left, REPLICA_ENDOWMENT + STAKE - 120);
		assert_eq!(Tranches::<Test>::get(taken), Some((id, 0)));
	});
}

#[test]
fn nobody_can_end_a_tranche_as_its_client() {
	ExtBuilder::default().build_and_execute(|| {
		let a = sector_data(4, 1);
		let id = create(&[(&a, STORAGE_A)]);
		let tranche = take(ALICE, id, 0, STORAGE_A);
		// The client of the permanent deal is not the tranche's: the pot is, and nobody signs
		// for it.
		assert_noop!(
			Proofs::terminate_deal(RuntimeOrigin::signed(CLIENT), tranche),
			Error::<Test>::NotDealParty
		);
	});
}

// ---- A schedule to its end ------------------------------------------------------------------

#[test]
fn a_permanent_replica_is_paid_every_year_until_its_schedule_ends() {
	ExtBuilder::default().build_and_execute(|| {
		let a = sector_data(4, 1);
		let id = create(&[(&a, STORAGE_A)]);
		let issuance = Balances::total_issuance();
		let mut tranche = take(ALICE, id, 0, STORAGE_A);
		let sector = commit(ALICE, STORAGE_A, &a);
		let (mut years, mut paid, mut fees, mut epoch) = (0u32, 0, 0, 0);
		// Every epoch proven; each year's last one proven, the tranche settles and Alice
		// renews at once, until the price or the endowment can pay no more.
		let burned = loop {
			let deal = Deals::<Test>::get(tranche).unwrap();
			for _ in 0..deal.proposal.duration {
				epoch += 1;
				run_to_epoch(epoch);
				prove(STORAGE_A, sector, &a);
			}
			paid += deal.epoch_price * Balance::from(deal.proposal.duration);
			fees += deal.epoch_fee * Balance::from(deal.proposal.duration);
			years += 1;
			settle(tranche);
			if let Some(burned) = proof_events().iter().find_map(|e| match e {
				Event::ReplicaExhausted { burned, .. } => Some(*burned),
				_ => None,
			}) {
				// Its only replica over, the deal is forgotten, and its root is free.
				assert!(proof_events().contains(&Event::PermanentDealOver { id }));
				assert!(Permanents::<Test>::get(id).is_none());
				assert!(PermanentRoots::<Test>::get(a.root()).is_none());
				break burned;
			}
			tranche = take(ALICE, id, 0, STORAGE_A);
		};
		// The price falls a fifth a year: its 24 bits last about 70 years, and the endowment
		// paid every epoch of every one of them in full. What was left is burned.
		assert!(years > 60, "{years} years");
		assert_eq!(paid + burned, REPLICA_ENDOWMENT);
		assert!(burned < REPLICA_ENDOWMENT / 4, "{burned} burned");
		assert_eq!(held(ENDOWMENT, pot()), 0);
		// Money left the chain only as the tranches' fees and the burn.
		assert_eq!(issuance - Balances::total_issuance(), fees + burned);
	});
}
