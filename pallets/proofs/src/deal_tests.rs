//! Tests of storage deals: publication, activation, unique roots, payments, misses, endings,
//! and what a provider dealing with itself gains.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{mock::*, pallet::*, types::*, HoldReason};
use depin_primitives::deals::{DealEnd, DealProgress, DealState};
use frame_support::{assert_noop, assert_ok};
use pallet_devices::DeviceKind;
use sp_core::H256;
use sp_runtime::DispatchError;

const PAYMENT: HoldReason = HoldReason::DealPayment;
const COLLATERAL: HoldReason = HoldReason::DealCollateral;
const DEPOSIT: HoldReason = HoldReason::DealDeposit;

/// Submit proofs as Charlie (a relayer); the events they produced.
fn submit(proofs: Vec<crate::StorageProofOf<Test>>) -> Vec<crate::Event<Test>> {
	let before = proof_events().len();
	assert_ok!(Proofs::submit_storage_proofs(RuntimeOrigin::signed(CHARLIE), batch(proofs)));
	proof_events().split_off(before)
}

/// Publish a batch as `who`; the events it produced.
fn publish_batch(
	who: AccountId,
	items: Vec<crate::SignedProposalOf<Test>>,
) -> Vec<crate::Event<Test>> {
	let before = proof_events().len();
	assert_ok!(Proofs::publish_deals(RuntimeOrigin::signed(who), proposals(items)));
	proof_events().split_off(before)
}

/// A deal of Alice's device for `data`, published and activated by committing it; the deal and
/// the sector.
fn active_deal(data: &SectorData) -> (H256, SectorIndex) {
	let deal = publish(ALICE, proposal(STORAGE_A, data));
	let sector = commit(ALICE, STORAGE_A, data);
	(deal, sector)
}

fn deal(id: H256) -> crate::DealOf<Test> {
	Deals::<Test>::get(id).unwrap()
}

fn progress(id: H256) -> DealProgress {
	match deal(id).state {
		DealState::Active(progress) => progress,
		other => panic!("not active: {other:?}"),
	}
}

// ---- Publishing -------------------------------------------------------------------------------

#[test]
fn a_published_deal_holds_the_clients_payment_and_both_collaterals() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (client, alice, manager) = (free(CLIENT), free(ALICE), free(MANAGER));
		let proposal = proposal(STORAGE_A, &data);
		let id = proposal.id();
		let events = publish_batch(MANAGER, vec![signed(proposal.clone())]);
		assert_eq!(
			events,
			vec![
				Event::DealPublished {
					deal: id,
					client: CLIENT,
					device: STORAGE_A,
					root: data.root(),
					epoch_price: 40,
				},
				Event::ProposalsProcessed { accepted: 1, rejected: 0 },
			]
		);
		// Ten epochs of 40 and the client's collateral; the provider's collateral and the
		// deposit from the manager, who published (not from the device's owner).
		assert_eq!((held(PAYMENT, CLIENT), free(CLIENT)), (430, client - 430));
		assert_eq!((held(COLLATERAL, MANAGER), held(DEPOSIT, MANAGER)), (100, 5));
		assert_eq!(free(MANAGER), manager - 105);
		assert_eq!((free(ALICE), held(COLLATERAL, ALICE)), (alice, 0));
		let stored = deal(id);
		assert_eq!(stored.state, DealState::Published);
		assert_eq!(
			(stored.provider, stored.deposit, stored.epoch_price, stored.collateral_left),
			(MANAGER, 5, 40, 100)
		);
		assert_eq!(Proofs::deal_by_root(STORAGE_A, data.root()).map(|(d, _)| d), Some(id));
		assert_eq!(Proofs::deals_of_client(&CLIENT, None, 10).len(), 1);
		assert_eq!(Proofs::deals_of_device(STORAGE_A, None, 10)[0].0, id);
	});
}

#[test]
fn publishing_refuses_each_bad_proposal_on_its_own_and_holds_nothing_for_it() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let other = sector_data(8, 2);
		publish(ALICE, proposal(STORAGE_A, &other));
		let now = System::block_number();
		let good = || proposal(STORAGE_A, &data);
		assert_ok!(Devices::suspend(RuntimeOrigin::root(), STORAGE_C));
		let mut poor = good();
		poor.root = H256::repeat_byte(9);
		poor.duration = 100;
		poor.price_per_gib = deal_price(1_000);
		let mut tampered = signed(good());
		tampered.proposal.duration = 3;
		let before = (held(PAYMENT, CLIENT), held(COLLATERAL, ALICE), held(DEPOSIT, ALICE));
		let cases: Vec<(crate::SignedProposalOf<Test>, Error<Test>)> = vec![
			(
				signed(crate::DealProposalOf::<Test> { activation_deadline: now - 1, ..good() }),
				Error::<Test>::ProposalExpired,
			),
			(
				signed(crate::DealProposalOf::<Test> {
					activation_deadline: now + MaxActivationDelay::get() + 1,
					..good()
				}),
				Error::<Test>::DeadlineTooFar,
			),
			(
				signed(crate::DealProposalOf::<Test> { duration: 0, ..good() }),
				Error::<Test>::BadDuration,
			),
			(
				signed(crate::DealProposalOf::<Test> {
					duration: MaxDealDuration::get() + 1,
					..good()
				}),
				Error::<Test>::BadDuration,
			),
			(
				signed(crate::DealProposalOf::<Test> { chunks: 0, ..good() }),
				Error::<Test>::EmptySector,
			),
			(
				signed(crate::DealProposalOf::<Test> { chunks: 1 << 13, ..good() }),
				Error::<Test>::SectorTooLarge,
			),
			(
				signed(crate::DealProposalOf::<Test> { price_per_gib: 0, ..good() }),
				Error::<Test>::PriceTooLow,
			),
			(
				signed(crate::DealProposalOf::<Test> { device: 99, ..good() }),
				Error::<Test>::UnknownDevice,
			),
			(
				signed(crate::DealProposalOf::<Test> { device: STORAGE_B, ..good() }),
				Error::<Test>::NotDeviceOperator,
			),
			(
				signed(crate::DealProposalOf::<Test> { device: COVERAGE, ..good() }),
				Error::<Test>::NotStorageDevice,
			),
			(
				signed(crate::DealProposalOf::<Test> { root: other.root(), ..good() }),
				Error::<Test>::DuplicateRoot,
			),
			(tampered, Error::<Test>::BadClientSignature),
			(signed(poor), Error::<Test>::ClientCannotPay),
			(
				signed(crate::DealProposalOf::<Test> {
					root: H256::repeat_byte(7),
					provider_collateral: INITIAL_BALANCE,
					..good()
				}),
				Error::<Test>::ProviderCannotPay,
			),
		];
		for (item, error) in cases {
			let error: DispatchError = error.into();
			let events = publish_batch(ALICE, vec![item.clone()]);
			assert_eq!(
				events,
				vec![
					Event::ProposalRejected { index: 0, deal: item.proposal.id(), error },
					Event::ProposalsProcessed { accepted: 0, rejected: 1 },
				],
				"{error:?}"
			);
			assert_eq!(
				(held(PAYMENT, CLIENT), held(COLLATERAL, ALICE), held(DEPOSIT, ALICE)),
				before,
				"{error:?}: only the first deal is held"
			);
			assert_eq!(Deals::<Test>::iter().count(), 1, "{error:?}");
		}
		// A suspended device takes no deal (Charlie operates it).
		let suspended = signed(crate::DealProposalOf::<Test> { device: STORAGE_C, ..good() });
		let events = publish_batch(CHARLIE, vec![suspended.clone()]);
		assert_eq!(
			events[0],
			Event::ProposalRejected {
				index: 0,
				deal: suspended.proposal.id(),
				error: Error::<Test>::DeviceNotActive.into()
			}
		);

		// A good proposal next to a bad one goes through; published again, it is refused,
		// and so is another proposal for its root.
		let events = publish_batch(
			ALICE,
			vec![signed(crate::DealProposalOf::<Test> { duration: 0, ..good() }), signed(good())],
		);
		assert_eq!(events.last(), Some(&Event::ProposalsProcessed { accepted: 1, rejected: 1 }));
		let again = publish_batch(ALICE, vec![signed(good())]);
		assert_eq!(
			again[0],
			Event::ProposalRejected {
				index: 0,
				deal: good().id(),
				error: Error::<Test>::DuplicateProposal.into()
			}
		);
		let same_root = signed(crate::DealProposalOf::<Test> { duration: 5, ..good() });
		let again = publish_batch(ALICE, vec![same_root.clone()]);
		assert_eq!(
			again[0],
			Event::ProposalRejected {
				index: 0,
				deal: same_root.proposal.id(),
				error: Error::<Test>::DuplicateRoot.into()
			}
		);
		assert_noop!(
			Proofs::publish_deals(RuntimeOrigin::signed(ALICE), proposals(vec![])),
			Error::<Test>::EmptyBatch
		);
		assert_noop!(
			Proofs::publish_deals(RuntimeOrigin::none(), proposals(vec![signed(good())])),
			DispatchError::BadOrigin
		);
	});
}

// ---- Activation and unique roots ----------------------------------------------------------------

#[test]
fn committing_a_deals_root_activates_it_and_a_root_is_committed_once_by_any_device() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let id = publish(ALICE, proposal(STORAGE_A, &data));
		// The deal's device may not commit its root at a wrong size.
		assert_noop!(
			Proofs::commit_sector(RuntimeOrigin::signed(ALICE), STORAGE_A, data.root(), 5),
			Error::<Test>::DealSizeMismatch
		);
		let sector = commit(ALICE, STORAGE_A, &data);
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealActivated {
			deal: id,
			device: STORAGE_A,
			sector,
			first_epoch: 1,
		}));
		assert_eq!(SectorDeals::<Test>::get(STORAGE_A, sector), Some(id));
		assert_eq!(progress(id).first_epoch, 1);
		// The root is the deal's on this device now: not committed again, nor dealt again.
		assert_noop!(
			Proofs::commit_sector(RuntimeOrigin::signed(ALICE), STORAGE_A, data.root(), 4),
			Error::<Test>::DuplicateRoot
		);
		let again = crate::DealProposalOf::<Test> { duration: 5, ..proposal(STORAGE_A, &data) };
		let events = publish_batch(ALICE, vec![signed(again.clone())]);
		assert_eq!(
			events[0],
			Event::ProposalRejected {
				index: 0,
				deal: again.id(),
				error: Error::<Test>::DuplicateRoot.into()
			}
		);
	});
}

/// An attacker who sees a client's root in a pending `publish_deals` commits it first on its
/// own device: the root is then kept once on the chain (nobody commits it again, not even the
/// client's provider), but the client's deal comes before a copy nobody pays for, so
/// publishing it evicts the attacker's sector (once its challenge of the epoch is answered or
/// past its deadline), and the deal is activated all the same. The squatter's unanswered
/// challenge is its miss.
#[test]
fn a_deal_evicts_a_squatted_copy_and_a_root_is_kept_once_on_the_chain() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		commit(BOB, STORAGE_B, &data);
		assert_eq!(
			RootHolders::<Test>::get(data.root()),
			Some(RootHolder { device: STORAGE_B, sector: Some(0), deal: None })
		);
		// One copy, one sector: no other device commits the root, nor Bob's again.
		for (who, device) in [(ALICE, STORAGE_A), (BOB, STORAGE_B)] {
			assert_noop!(
				Proofs::commit_sector(RuntimeOrigin::signed(who), device, data.root(), 4),
				Error::<Test>::DuplicateRoot
			);
		}
		run_to_epoch(1);
		// Bob's sector is challenged in epoch 1: while the challenge is open, it stays (an
		// eviction must not cost an honest provider the proof it is about to give).
		let offer = signed(proposal(STORAGE_A, &data));
		let id = offer.proposal.id();
		let events = publish_batch(ALICE, vec![offer.clone()]);
		assert_eq!(
			events[0],
			Event::ProposalRejected {
				index: 0,
				deal: id,
				error: Error::<Test>::ChallengeOpen.into()
			}
		);
		// Past the deadline, unanswered, it is evicted.
		run_to_block(Proofs::deadline(epoch_start(1)) + 1);
		let events = publish_batch(ALICE, vec![offer]);
		assert_eq!(
			events[0],
			Event::SectorEvicted { device: STORAGE_B, sector: 0, root: data.root(), deal: id }
		);
		assert!(events.contains(&Event::ProposalsProcessed { accepted: 1, rejected: 0 }));
		assert!(Sectors::<Test>::get(STORAGE_B, 0).is_none());
		let bob = Provers::<Test>::get(STORAGE_B).unwrap();
		assert_eq!((bob.sectors, bob.committed_bytes, bob.challenged, bob.proven), (0, 0, 1, 0));
		assert_eq!(
			RootHolders::<Test>::get(data.root()),
			Some(RootHolder { device: STORAGE_A, sector: None, deal: Some(id) })
		);
		// The deal's root is its own now: Bob cannot take it back, by sector or by a deal.
		assert_noop!(
			Proofs::commit_sector(RuntimeOrigin::signed(BOB), STORAGE_B, data.root(), 4),
			Error::<Test>::DuplicateRoot
		);
		let squat = crate::DealProposalOf::<Test> { client: BOB, ..proposal(STORAGE_B, &data) };
		let events = publish_batch(BOB, vec![signed(squat.clone())]);
		assert_eq!(
			events[0],
			Event::ProposalRejected {
				index: 0,
				deal: squat.id(),
				error: Error::<Test>::DuplicateRoot.into()
			}
		);
		let sector = commit(ALICE, STORAGE_A, &data);
		assert_eq!(SectorDeals::<Test>::get(STORAGE_A, sector), Some(id));
		assert_eq!(
			RootHolders::<Test>::get(data.root()),
			Some(RootHolder { device: STORAGE_A, sector: Some(sector), deal: Some(id) })
		);
		// Bob's unanswered challenge counts when he is next settled.
		run_to_epoch(2);
		assert_ok!(Proofs::commit_sector(
			RuntimeOrigin::signed(BOB),
			STORAGE_B,
			sector_data(2, 9).root(),
			2
		));
		assert!(proof_events().contains(&Event::FaultsRecorded {
			device: STORAGE_B,
			missed: 1,
			consecutive: 1
		}));
	});
}

/// Squatting a client's root with a deal of one's own holds the root until that deal's
/// activation deadline: then it fails (its holds back to the squatter, who was its own
/// client), anyone may settle it, and the root is free again.
#[test]
fn a_root_squatted_by_a_deal_is_free_again_at_its_deadline() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let squat = crate::DealProposalOf::<Test> { client: BOB, ..proposal(STORAGE_B, &data) };
		let squatted = publish(BOB, squat.clone());
		let events = publish_batch(ALICE, vec![signed(proposal(STORAGE_A, &data))]);
		assert_eq!(
			events[0],
			Event::ProposalRejected {
				index: 0,
				deal: proposal(STORAGE_A, &data).id(),
				error: Error::<Test>::DuplicateRoot.into()
			}
		);
		assert_noop!(
			Proofs::commit_sector(RuntimeOrigin::signed(ALICE), STORAGE_A, data.root(), 4),
			Error::<Test>::DuplicateRoot
		);
		// Past its deadline, the client's next proposal fails the squatting deal (nobody needs
		// to settle it first) and takes the root.
		run_to_block(squat.activation_deadline + 1);
		let offer = proposal(STORAGE_A, &data);
		let id = publish(ALICE, offer);
		assert!(proof_events().contains(&Event::DealEnded {
			deal: squatted,
			reason: DealEnd::NotActivated,
			provider_penalty: 100,
			client_fee: 0,
		}));
		let sector = commit(ALICE, STORAGE_A, &data);
		assert_eq!(
			RootHolders::<Test>::get(data.root()),
			Some(RootHolder { device: STORAGE_A, sector: Some(sector), deal: Some(id) })
		);

		// So does a commitment: another squat, past its deadline, fails when the root is
		// committed.
		let other = sector_data(4, 2);
		let squat = crate::DealProposalOf::<Test> { client: BOB, ..proposal(STORAGE_B, &other) };
		let squatted = publish(BOB, squat.clone());
		run_to_block(squat.activation_deadline + 1);
		let sector = commit(ALICE, STORAGE_A, &other);
		assert!(proof_events().iter().any(|e| matches!(
			e,
			Event::DealEnded { deal, reason: DealEnd::NotActivated, .. } if *deal == squatted
		)));
		assert_eq!(
			RootHolders::<Test>::get(other.root()),
			Some(RootHolder { device: STORAGE_A, sector: Some(sector), deal: None })
		);
	});
}

/// A deal that ended leaves its sector keeping the root: the client renews it with the same
/// provider (the new deal activates on the sector at once, paying from the next epoch) or
/// deals it to another provider (which evicts the old copy once the new one is published).
#[test]
fn an_ended_deals_sector_is_renewed_in_place_or_re_dealt_elsewhere() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (first, sector) = active_deal(&data);
		assert_ok!(Proofs::terminate_deal(RuntimeOrigin::signed(CLIENT), first));
		assert_eq!(
			RootHolders::<Test>::get(data.root()),
			Some(RootHolder { device: STORAGE_A, sector: Some(sector), deal: None })
		);
		// A renewal at another size is refused.
		let wrong = crate::DealProposalOf::<Test> { chunks: 5, ..proposal(STORAGE_A, &data) };
		let events = publish_batch(ALICE, vec![signed(wrong.clone())]);
		assert_eq!(
			events[0],
			Event::ProposalRejected {
				index: 0,
				deal: wrong.id(),
				error: Error::<Test>::DealSizeMismatch.into()
			}
		);
		run_to_epoch(1);
		let renewal = crate::DealProposalOf::<Test> { duration: 4, ..proposal(STORAGE_A, &data) };
		let renewed = publish(ALICE, renewal);
		assert!(proof_events().contains(&Event::DealActivated {
			deal: renewed,
			device: STORAGE_A,
			sector,
			first_epoch: 2,
		}));
		assert_eq!(SectorDeals::<Test>::get(STORAGE_A, sector), Some(renewed));
		run_to_epoch(2);
		let events = submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		assert!(events
			.iter()
			.any(|e| matches!(e, Event::DealPaid { deal, epoch: 2, .. } if *deal == renewed)));

		// Re-dealt to Bob's device once the renewal ends: Alice's copy is evicted, once she
		// has answered the epoch's challenge.
		assert_ok!(Proofs::terminate_deal(RuntimeOrigin::signed(CLIENT), renewed));
		run_to_epoch(3);
		submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		let moved = crate::DealProposalOf::<Test> { duration: 3, ..proposal(STORAGE_B, &data) };
		let moved_id = moved.id();
		let events = publish_batch(BOB, vec![signed(moved)]);
		assert!(events.contains(&Event::SectorEvicted {
			device: STORAGE_A,
			sector,
			root: data.root(),
			deal: moved_id
		}));
		let on_bob = commit(BOB, STORAGE_B, &data);
		assert_eq!(SectorDeals::<Test>::get(STORAGE_B, on_bob), Some(moved_id));
	});
}

#[test]
fn a_proposal_below_the_minimum_price_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		MinDealPrice::set(deal_price(10) + 1);
		let cheap = signed(proposal(STORAGE_A, &data));
		let events = publish_batch(ALICE, vec![cheap.clone()]);
		assert_eq!(
			events[0],
			Event::ProposalRejected {
				index: 0,
				deal: cheap.proposal.id(),
				error: Error::<Test>::PriceTooLow.into()
			}
		);
		assert_eq!(held(PAYMENT, CLIENT), 0);
		MinDealPrice::set(deal_price(10));
		publish(ALICE, proposal(STORAGE_A, &data));
	});
}

/// A manager publishing a deal stakes its own collateral: it cannot put the owner's money up
/// and hand it to itself as its own client by failing the deal.
#[test]
fn a_manager_stakes_its_own_collateral_not_the_owners() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let alice = free(ALICE) + held(COLLATERAL, ALICE);
		let greedy = crate::DealProposalOf::<Test> {
			client: MANAGER,
			provider_collateral: free(ALICE),
			..proposal(STORAGE_A, &data)
		};
		let events = publish_batch(MANAGER, vec![signed(greedy.clone())]);
		assert_eq!(
			events[0],
			Event::ProposalRejected {
				index: 0,
				deal: greedy.id(),
				error: Error::<Test>::ProviderCannotPay.into()
			}
		);
		let id = publish(
			MANAGER,
			crate::DealProposalOf::<Test> { client: MANAGER, ..proposal(STORAGE_A, &data) },
		);
		assert_eq!(held(COLLATERAL, ALICE), 0);
		assert_ok!(Proofs::terminate_deal(RuntimeOrigin::signed(MANAGER), id));
		assert_eq!(free(ALICE) + held(COLLATERAL, ALICE), alice, "the owner lost nothing");
	});
}

#[test]
fn a_deal_not_activated_by_its_deadline_fails_and_pays_the_client_the_collateral() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (client, alice) = (free(CLIENT), free(ALICE));
		let offer = proposal(STORAGE_A, &data);
		let id = publish(ALICE, offer.clone());
		let deadline = offer.activation_deadline;
		assert_noop!(
			Proofs::settle_deal(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::NothingToSettle
		);
		run_to_block(deadline + 1);
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), id));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: id,
			reason: DealEnd::NotActivated,
			provider_penalty: 100,
			client_fee: 0,
		}));
		assert_eq!((free(CLIENT), held(PAYMENT, CLIENT)), (client + 100, 0));
		assert_eq!((free(ALICE), held(COLLATERAL, ALICE)), (alice - 100, 0));
		// Past its deadline it is forgotten: its root is free, and it cannot come back.
		assert!(Deals::<Test>::get(id).is_none());
		assert!(RootHolders::<Test>::get(data.root()).is_none());
		let events = publish_batch(ALICE, vec![signed(offer)]);
		assert_eq!(
			events[0],
			Event::ProposalRejected {
				index: 0,
				deal: id,
				error: Error::<Test>::ProposalExpired.into()
			}
		);
		commit(ALICE, STORAGE_A, &data);
		assert!(SectorDeals::<Test>::iter().next().is_none());
	});
}

#[test]
fn committing_after_the_deadline_fails_the_deal_and_commits_without_it() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let id = publish(ALICE, proposal(STORAGE_A, &data));
		run_to_block(deal(id).proposal.activation_deadline + 1);
		let sector = commit(ALICE, STORAGE_A, &data);
		assert!(proof_events().contains(&Event::DealEnded {
			deal: id,
			reason: DealEnd::NotActivated,
			provider_penalty: 100,
			client_fee: 0,
		}));
		assert!(SectorDeals::<Test>::get(STORAGE_A, sector).is_none());
		assert_eq!(held(PAYMENT, CLIENT), 0);
	});
}

// ---- Payments and misses ----------------------------------------------------------------------

#[test]
fn each_proven_epoch_is_paid_with_its_fee_burned_and_earns_points_capped_by_the_fee() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (id, sector) = active_deal(&data);
		let (alice, issuance) = (free(ALICE), Balances::total_issuance());
		run_to_epoch(1);
		let events = submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		assert!(events.contains(&Event::DealPaid { deal: id, epoch: 1, paid: 32, fee: 8 }));
		assert!(events.contains(&Event::StorageProofAccepted {
			device: STORAGE_A,
			sector,
			epoch: 1,
			points: 8
		}));
		// Its points are its fee (the mock's `FeePerPoint` is 1).
		assert_eq!(points(), vec![(STORAGE_A, DeviceKind::Storage, 1, 8)]);
		assert_eq!(fees(), vec![(STORAGE_A, DeviceKind::Storage, 1, 8)]);
		assert_eq!(progress(id).paid, 1);
		// The proof only counted the epoch; settling moves the money (by anyone).
		assert_eq!((free(ALICE), held(PAYMENT, CLIENT)), (alice, 430));
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), id));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealSettled {
			deal: id,
			paid: 32,
			fee: 8,
			refunded: 0,
			penalty: 0,
		}));
		assert_eq!(free(ALICE), alice + 32);
		assert_eq!(held(PAYMENT, CLIENT), 430 - 40);
		assert_eq!(Balances::total_issuance(), issuance - 8, "the fee is burned");
		assert_eq!(progress(id).collected, 1);
		assert_noop!(
			Proofs::settle_deal(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::NothingToSettle
		);
	});
}

#[test]
fn a_sector_without_a_deal_is_proven_but_earns_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let sector = commit(ALICE, STORAGE_A, &data);
		assert_eq!(Proofs::potential_points(STORAGE_A), 0);
		run_to_epoch(1);
		let events = submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		assert_eq!(
			events,
			vec![
				Event::StorageProofAccepted { device: STORAGE_A, sector, epoch: 1, points: 0 },
				Event::BatchProcessed { accepted: 1, rejected: 0 },
			]
		);
		assert!(points().is_empty() && fees().is_empty());
	});
}

#[test]
fn a_missed_epoch_refunds_its_price_with_a_slice_of_collateral_and_misses_in_a_row_end_the_deal() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (id, sector) = active_deal(&data);
		let client = free(CLIENT);
		// Epoch 1 missed; epoch 2 proven: the miss is counted first.
		run_to_epoch(2);
		let events = submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		assert!(events.contains(&Event::DealMissed { deal: id, epochs: 1, in_row: 1 }));
		assert!(events.contains(&Event::DealPaid { deal: id, epoch: 2, paid: 32, fee: 8 }));
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), id));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealSettled {
			deal: id,
			paid: 32,
			fee: 8,
			refunded: 40,
			penalty: 10,
		}));
		assert_eq!(free(CLIENT), client + 40 + 10);
		assert_eq!(deal(id).collateral_left, 90);
		let p = progress(id);
		assert_eq!((p.paid, p.missed, p.misses_in_row, p.settled_through), (1, 1, 0, 2));
		assert_eq!((p.collected, p.refunded), (1, 1));

		// Then three in a row (the mock's MaxMissesInRow): anyone settles, the deal ends.
		run_to_epoch(6);
		let client = free(CLIENT);
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), id));
		System::assert_has_event(RuntimeEvent::Proofs(Event::DealMissed {
			deal: id,
			epochs: 3,
			in_row: 3,
		}));
		System::assert_has_event(RuntimeEvent::Proofs(Event::DealSettled {
			deal: id,
			paid: 0,
			fee: 0,
			refunded: 120,
			penalty: 30,
		}));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: id,
			reason: DealEnd::Faulted,
			provider_penalty: 60,
			client_fee: 0,
		}));
		// Everything comes back to the client: the three missed epochs' prices with their
		// slices, the five epochs left (10 − 1 paid − 4 missed), its collateral, and the
		// provider's collateral left.
		assert_eq!(free(CLIENT), client + 120 + 30 + 5 * 40 + 30 + 60);
		assert_eq!((held(PAYMENT, CLIENT), held(COLLATERAL, ALICE)), (0, 0));
		// The sector stays, without a deal.
		assert!(SectorDeals::<Test>::get(STORAGE_A, sector).is_none());
		assert!(Sectors::<Test>::get(STORAGE_A, sector).is_some());
	});
}

/// A deal's terms are fixed when it is published: a later change of `MissSlash` does not
/// change what its misses cost.
#[test]
fn a_missed_epoch_costs_the_slice_fixed_at_publication() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (id, _) = active_deal(&data);
		assert_eq!(deal(id).miss_penalty, 10);
		MissSlash::set(sp_runtime::Perbill::from_percent(50));
		run_to_epoch(2);
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), id));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealSettled {
			deal: id,
			paid: 0,
			fee: 0,
			refunded: 40,
			penalty: 10,
		}));
	});
}

#[test]
fn a_proof_after_too_many_misses_is_not_paid() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (id, sector) = active_deal(&data);
		// Epochs 1 to 3 missed: the deal is over, though nobody has settled it yet.
		run_to_epoch(4);
		let events = submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		assert!(events.iter().all(|e| !matches!(e, Event::DealPaid { .. })));
		assert!(points().is_empty());
		assert_eq!(progress(id).paid, 0);
	});
}

#[test]
fn a_deal_completes_after_its_last_epoch_and_its_proposal_cannot_be_replayed() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let two = crate::DealProposalOf::<Test> { duration: 2, ..proposal(STORAGE_A, &data) };
		let deadline = two.activation_deadline;
		let id = publish(ALICE, two.clone());
		let sector = commit(ALICE, STORAGE_A, &data);
		let (client, alice) = (free(CLIENT), free(ALICE));
		for epoch in 1..=2 {
			run_to_epoch(epoch);
			submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		}
		// Its last epoch counted, the next settlement completes it.
		assert_eq!(progress(id).paid, 2);
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), id));
		System::assert_has_event(RuntimeEvent::Proofs(Event::DealSettled {
			deal: id,
			paid: 64,
			fee: 16,
			refunded: 0,
			penalty: 0,
		}));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: id,
			reason: DealEnd::Completed,
			provider_penalty: 0,
			client_fee: 0,
		}));
		assert_eq!(free(ALICE), alice + 2 * 32 + 100, "paid twice, collateral back");
		assert_eq!(free(CLIENT), client + 30, "its collateral back");
		assert_eq!((held(PAYMENT, CLIENT), held(COLLATERAL, ALICE)), (0, 0));
		assert_eq!(held(DEPOSIT, ALICE), 5, "the record is kept until the deadline");
		// Ended before its deadline, it is kept closed: publishing it again is refused
		// (and the sector's root is still taken).
		assert!(System::block_number() <= deadline);
		assert_eq!(deal(id).state, DealState::Closed);
		let events = publish_batch(ALICE, vec![signed(two.clone())]);
		assert_eq!(
			events[0],
			Event::ProposalRejected {
				index: 0,
				deal: id,
				error: Error::<Test>::DuplicateProposal.into()
			}
		);
		assert_noop!(
			Proofs::terminate_deal(RuntimeOrigin::signed(CLIENT), id),
			Error::<Test>::DealClosed
		);
		assert_noop!(
			Proofs::settle_deal(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::NothingToSettle
		);
		run_to_block(deadline + 1);
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(BOB), id));
		assert!(Deals::<Test>::get(id).is_none());
		assert_eq!((held(DEPOSIT, ALICE), free(ALICE)), (0, alice + 2 * 32 + 100 + 5));
		assert_noop!(
			Proofs::settle_deal(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::UnknownDeal
		);
	});
}

// ---- Ending early -----------------------------------------------------------------------------

#[test]
fn a_client_ending_a_deal_pays_its_collateral_to_the_provider() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (id, sector) = active_deal(&data);
		run_to_epoch(1);
		submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		let (client, alice) = (free(CLIENT), free(ALICE));
		assert_noop!(
			Proofs::terminate_deal(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::NotDealParty
		);
		assert_noop!(Proofs::terminate_deal(RuntimeOrigin::none(), id), DispatchError::BadOrigin);
		assert_noop!(Proofs::settle_deal(RuntimeOrigin::none(), id), DispatchError::BadOrigin);
		assert_noop!(
			Proofs::terminate_deal(RuntimeOrigin::signed(CLIENT), H256::repeat_byte(1)),
			Error::<Test>::UnknownDeal
		);
		assert_ok!(Proofs::terminate_deal(RuntimeOrigin::signed(CLIENT), id));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: id,
			reason: DealEnd::ClientTerminated,
			provider_penalty: 0,
			client_fee: 30,
		}));
		// The proven epoch is paid first; the nine left come back.
		assert_eq!(free(CLIENT), client + 9 * 40);
		assert_eq!(free(ALICE), alice + 32 + 30 + 100);
		assert_eq!((held(PAYMENT, CLIENT), held(COLLATERAL, ALICE)), (0, 0));
	});
}

#[test]
fn a_provider_ending_a_deal_or_removing_its_sector_pays_its_collateral_to_the_client() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (id, sector) = active_deal(&data);
		let client = free(CLIENT);
		// Alice published it and stakes its collateral: the device's manager can neither end
		// it nor remove its sector (it would hand her collateral to a client).
		assert_noop!(
			Proofs::terminate_deal(RuntimeOrigin::signed(MANAGER), id),
			Error::<Test>::NotDealParty
		);
		assert_noop!(
			Proofs::remove_sector(RuntimeOrigin::signed(MANAGER), STORAGE_A, sector),
			Error::<Test>::NotDealParty
		);
		assert_ok!(Proofs::terminate_deal(RuntimeOrigin::signed(ALICE), id));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: id,
			reason: DealEnd::ProviderTerminated,
			provider_penalty: 100,
			client_fee: 0,
		}));
		assert_eq!(free(CLIENT), client + 430 + 100);

		// Removing a sector ends its deal the same way.
		let other = sector_data(6, 2);
		let id = publish(ALICE, proposal(STORAGE_A, &other));
		let sector = commit(ALICE, STORAGE_A, &other);
		let client = free(CLIENT);
		assert_ok!(Proofs::remove_sector(RuntimeOrigin::signed(ALICE), STORAGE_A, sector));
		assert!(proof_events().contains(&Event::DealEnded {
			deal: id,
			reason: DealEnd::ProviderTerminated,
			provider_penalty: 100,
			client_fee: 0,
		}));
		assert_eq!(free(CLIENT), client + 600 + 30 + 100);
		assert!(RootHolders::<Test>::get(other.root()).is_none(), "the root is free");
	});
}

/// A freeze (a conviction vote's lock) on either party's whole balance cannot stop what a deal
/// owes: the client's termination fee reaches the provider, and the provider's collateral
/// reaches the client.
#[test]
fn a_freeze_on_a_party_cannot_stop_what_a_deal_owes() {
	use frame_support::traits::{LockableCurrency, WithdrawReasons};
	ExtBuilder::default().build_and_execute(|| {
		let lock_all = |who| {
			Balances::set_lock(*b"vote    ", &who, Balance::MAX, WithdrawReasons::all());
		};
		let data = sector_data(4, 1);
		let (id, _) = active_deal(&data);
		let other = sector_data(6, 2);
		let second = publish(ALICE, proposal(STORAGE_A, &other));
		commit(ALICE, STORAGE_A, &other);
		lock_all(CLIENT);
		lock_all(ALICE);
		let alice = free(ALICE);
		assert_ok!(Proofs::terminate_deal(RuntimeOrigin::signed(CLIENT), id));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: id,
			reason: DealEnd::ClientTerminated,
			provider_penalty: 0,
			client_fee: 30,
		}));
		assert_eq!(free(ALICE), alice + 30 + 100);
		assert_eq!(held(PAYMENT, CLIENT), 600 + 30, "the second deal's");

		let client = free(CLIENT);
		assert_ok!(Proofs::terminate_deal(RuntimeOrigin::signed(ALICE), second));
		System::assert_last_event(RuntimeEvent::Proofs(Event::DealEnded {
			deal: second,
			reason: DealEnd::ProviderTerminated,
			provider_penalty: 100,
			client_fee: 0,
		}));
		assert_eq!(free(CLIENT), client + 600 + 30 + 100);
		assert_eq!(held(COLLATERAL, ALICE), 0);
	});
}

#[test]
fn a_provider_cannot_end_a_deal_to_escape_its_misses() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (id, _) = active_deal(&data);
		run_to_epoch(3);
		assert_ok!(Proofs::terminate_deal(RuntimeOrigin::signed(ALICE), id));
		let events = proof_events();
		assert!(events.contains(&Event::DealMissed { deal: id, epochs: 2, in_row: 2 }));
		assert!(events.contains(&Event::DealSettled {
			deal: id,
			paid: 0,
			fee: 0,
			refunded: 80,
			penalty: 20
		}));
		assert!(events.contains(&Event::DealEnded {
			deal: id,
			reason: DealEnd::ProviderTerminated,
			provider_penalty: 80,
			client_fee: 0,
		}));
	});
}

/// A device sold with a live deal: what the deal counted under the seller is paid to the
/// seller as the device changes hands, and what it counts afterwards to the buyer. The
/// publisher's collateral stays at stake with the publisher.
#[test]
fn a_device_sale_pays_the_seller_for_the_epochs_proven_before_it() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let (id, sector) = active_deal(&data);
		run_to_epoch(1);
		submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		let (alice, bob) = (free(ALICE), free(BOB));
		let deposit = pallet_devices::Devices::<Test>::get(STORAGE_A).unwrap().deposit;
		assert_ok!(Devices::transfer_ownership(RuntimeOrigin::signed(ALICE), STORAGE_A, Some(BOB)));
		assert_ok!(Devices::accept_ownership(RuntimeOrigin::signed(BOB), STORAGE_A));
		assert_eq!(progress(id).collected, 1);
		assert_eq!(free(ALICE) - alice - deposit, 32, "paid as it was sold");
		run_to_epoch(2);
		submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		let bob_before = free(BOB);
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(CHARLIE), id));
		assert_eq!(free(BOB) - bob_before, 32);
		assert!(bob > bob_before, "Bob's deposit is held for the device");
		assert_eq!((deal(id).provider, held(COLLATERAL, ALICE)), (ALICE, 100));
	});
}

#[test]
fn a_removed_device_ends_its_deals_and_frees_its_roots() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let id = publish(CHARLIE, proposal(STORAGE_C, &data));
		commit(CHARLIE, STORAGE_C, &data);
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(CHARLIE), STORAGE_C));
		run_to_block(1 + UnbondingPeriod::get());
		let client = free(CLIENT);
		assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(CHARLIE), STORAGE_C));
		assert!(proof_events().iter().any(|e| matches!(
			e,
			Event::DealEnded { deal, reason: DealEnd::ProviderTerminated, .. } if *deal == id
		)));
		assert!(free(CLIENT) > client);
		assert!(RootHolders::<Test>::get(data.root()).is_none());
		assert!(SectorDeals::<Test>::iter().next().is_none());
	});
}

/// A deal published on a device that is then removed can never be activated: its root is free
/// for the next proposal, which ends it (the provider collateral to its client).
#[test]
fn a_removed_devices_waiting_deal_frees_its_root_for_the_next_proposal() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let waiting = publish(CHARLIE, proposal(STORAGE_C, &data));
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(CHARLIE), STORAGE_C));
		run_to_block(1 + UnbondingPeriod::get());
		assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(CHARLIE), STORAGE_C));
		let elsewhere = publish(ALICE, proposal(STORAGE_A, &data));
		assert!(proof_events().contains(&Event::DealEnded {
			deal: waiting,
			reason: DealEnd::NotActivated,
			provider_penalty: 100,
			client_fee: 0,
		}));
		assert_eq!(
			RootHolders::<Test>::get(data.root()),
			Some(RootHolder { device: STORAGE_A, sector: None, deal: Some(elsewhere) })
		);
	});
}

// ---- Self-dealing ---------------------------------------------------------------------------

/// A provider acting as its own client: each epoch it pays itself the price less the fee, and
/// the fee is burned; the emission pallet pays its points at most that fee. So over any number
/// of epochs its balance can only fall (by the fees, before any reward), and the most its
/// rewards can bring back is what it burned.
#[test]
fn a_provider_paying_itself_loses_the_fee_every_epoch() {
	ExtBuilder::default().build_and_execute(|| {
		let data = sector_data(4, 1);
		let own = crate::DealProposalOf::<Test> { client: ALICE, ..proposal(STORAGE_A, &data) };
		let id = publish(ALICE, own);
		let sector = commit(ALICE, STORAGE_A, &data);
		let all =
			|| free(ALICE) + held(PAYMENT, ALICE) + held(COLLATERAL, ALICE) + held(DEPOSIT, ALICE);
		let start = all();
		for epoch in 1..=5 {
			run_to_epoch(epoch);
			submit(vec![honest_proof(STORAGE_A, sector, &data)]);
		}
		assert_ok!(Proofs::settle_deal(RuntimeOrigin::signed(ALICE), id));
		let now = all();
		assert_eq!(start - now, 5 * 8, "five fees of 8 burned");
		let burned: u128 = fees().iter().map(|(_, _, _, fee)| fee).sum();
		assert_eq!(burned, 40, "the cap on its rewards: exactly what it burned");
		assert_eq!(progress(id).paid, 5);
	});
}

#[test]
fn try_state_catches_a_deal_whose_payment_is_not_held() {
	ExtBuilder::default().build().execute_with(|| {
		let data = sector_data(4, 1);
		publish(ALICE, proposal(STORAGE_A, &data));
		assert_ok!(Proofs::do_try_state());
		use frame_support::traits::{fungible::MutateHold, tokens::Precision};
		assert_ok!(Balances::release(
			&RuntimeHoldReason::Proofs(PAYMENT),
			&CLIENT,
			1,
			Precision::Exact
		));
		assert!(Proofs::do_try_state().is_err());
	});
}

#[test]
fn try_state_catches_a_root_on_two_sectors() {
	ExtBuilder::default().build().execute_with(|| {
		let data = sector_data(4, 1);
		commit(ALICE, STORAGE_A, &data);
		assert_ok!(Proofs::do_try_state());
		// A second sector with the root, as if the index had not refused it.
		let copy = Sectors::<Test>::get(STORAGE_A, 0).unwrap();
		commit(BOB, STORAGE_B, &sector_data(4, 2));
		Sectors::<Test>::insert(STORAGE_B, 0, copy);
		RootHolders::<Test>::remove(sector_data(4, 2).root());
		assert!(Proofs::do_try_state().is_err());
	});
}
