//! Tests of the devices pallet: every call, every error path, every event, the possession
//! proofs and the deposit accounting. `build_and_execute` checks `do_try_state` after each.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects)]

use crate::{
	h3::H3Cell, mock::*, types::*, CellDeviceCount, CellDevices, DeviceByKey, DeviceOf,
	DeviceRegistry, Error, Event, HoldReason, KeyNonces, NextDeviceId, OwnerDeviceCount,
	OwnerDevices, PendingOwner, RegistrationsOf,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use sp_runtime::{DispatchError, Perbill, TokenError};

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::DeviceDeposit.into(), &who)
}

fn free(who: AccountId) -> Balance {
	Balances::balance(&who)
}

/// Register a storage device with `key` for `owner`; returns its id.
fn register(owner: AccountId, key: &TestKey) -> DeviceId {
	let id = NextDeviceId::<Test>::get();
	assert_ok!(Devices::register(RuntimeOrigin::signed(owner), registration(owner, key)));
	id
}

fn device(id: DeviceId) -> DeviceOf<Test> {
	Devices::device(id).expect("the device exists")
}

mod register {
	use super::*;

	#[test]
	fn register_works_for_every_key_scheme() {
		ExtBuilder::default().build_and_execute(|| {
			let keys = [TestKey::sr25519(1), TestKey::ed25519(2), TestKey::ecdsa(3)];
			for (expected_id, key) in keys.iter().enumerate() {
				let reg = registration(ALICE, key);
				let deposit = deposit_of(&reg.metadata);
				assert_ok!(Devices::register(RuntimeOrigin::signed(ALICE), reg.clone()));
				let id = expected_id as DeviceId;
				assert_eq!(
					last_event(),
					Event::DeviceRegistered {
						device: id,
						owner: ALICE,
						key: key.public(),
						kind: DeviceKind::Storage,
						location: H3Cell::new(berlin()).unwrap(),
						deposit,
					}
				);
				let stored = device(id);
				assert_eq!(stored.key, key.public());
				assert_eq!(stored.owner, ALICE);
				assert_eq!(stored.status, DeviceStatus::Active);
				assert_eq!(stored.registered_at, 1);
				assert_eq!(stored.metadata, reg.metadata);
				assert_eq!(stored.deposit, deposit);
				assert_eq!(DeviceByKey::<Test>::get(key.public()), Some(id));
				assert_eq!(KeyNonces::<Test>::get(key.public()), 1);
				assert!(OwnerDevices::<Test>::contains_key(ALICE, id));
			}
			assert_eq!(OwnerDeviceCount::<Test>::get(ALICE), 3);
			assert_eq!(
				CellDeviceCount::<Test>::get(density_cell(berlin()), DeviceKind::Storage),
				3
			);
			assert_eq!(NextDeviceId::<Test>::get(), 3);
		});
	}

	#[test]
	fn register_holds_base_plus_per_byte_deposit_to_the_unit() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::sr25519(1);
			let mut reg = registration(ALICE, &key);
			reg.metadata = metadata(40);
			// model: 1 + 40 bytes, firmware: 1 + 5 bytes, serial hash: 32 bytes.
			assert_eq!(reg.metadata.deposit_bytes(), 79);
			let expected = 100 + 2 * 79;
			assert_ok!(Devices::register(RuntimeOrigin::signed(ALICE), reg));
			assert_eq!(held(ALICE), expected);
			assert_eq!(free(ALICE), INITIAL_BALANCE - expected);
			assert_eq!(Balances::total_balance(&ALICE), INITIAL_BALANCE);
		});
	}

	#[test]
	fn register_sets_the_manager_and_the_kind_rules() {
		ExtBuilder::default().build_and_execute(|| {
			let mut reg = registration(ALICE, &TestKey::ed25519(1));
			reg.kind = DeviceKind::Coverage;
			reg.capacity = 0;
			reg.manager = Some(BOB);
			assert_ok!(Devices::register(RuntimeOrigin::signed(ALICE), reg));
			assert_eq!(Devices::manager(0), Some(BOB));
			assert_eq!(Devices::kind(0), Some(DeviceKind::Coverage));
			assert_eq!(Devices::devices_in_cell(density_cell(berlin()), DeviceKind::Coverage), 1);
			assert_eq!(Devices::devices_in_cell(density_cell(berlin()), DeviceKind::Storage), 0);
		});
	}

	#[test]
	fn register_fails_when_unsigned() {
		ExtBuilder::default().build_and_execute(|| {
			let reg = registration(ALICE, &TestKey::sr25519(1));
			assert_noop!(Devices::register(RuntimeOrigin::none(), reg), DispatchError::BadOrigin);
		});
	}

	#[test]
	fn register_fails_when_location_is_not_a_cell() {
		ExtBuilder::default().build_and_execute(|| {
			let mut reg = registration(ALICE, &TestKey::sr25519(1));
			for raw in [0, u64::MAX, berlin() | (1 << 63), berlin() & !(0b111 << 15)] {
				reg.location = raw;
				assert_noop!(
					Devices::register(RuntimeOrigin::signed(ALICE), reg.clone()),
					Error::<Test>::InvalidLocation
				);
			}
		});
	}

	#[test]
	fn register_fails_when_location_resolution_is_out_of_range() {
		ExtBuilder::default().build_and_execute(|| {
			let mut reg = registration(ALICE, &TestKey::sr25519(1));
			for resolution in [0, 4, 13, 15] {
				reg.location = cell(52.52, 13.405, resolution);
				assert_noop!(
					Devices::register(RuntimeOrigin::signed(ALICE), reg.clone()),
					Error::<Test>::LocationResolutionOutOfRange
				);
			}
			// The bounds themselves are allowed.
			for (seed, resolution) in [(1, 5), (2, 12)] {
				let key = TestKey::sr25519(seed);
				let mut reg = registration(ALICE, &key);
				reg.location = cell(52.52, 13.405, resolution);
				assert_ok!(Devices::register(RuntimeOrigin::signed(ALICE), reg));
			}
		});
	}

	#[test]
	fn register_fails_when_capacity_does_not_fit_the_kind() {
		ExtBuilder::default().build_and_execute(|| {
			let mut reg = registration(ALICE, &TestKey::sr25519(1));
			for (kind, capacity) in
				[(DeviceKind::Storage, 0), (DeviceKind::Compute, 0), (DeviceKind::Coverage, 1)]
			{
				reg.kind = kind;
				reg.capacity = capacity;
				assert_noop!(
					Devices::register(RuntimeOrigin::signed(ALICE), reg.clone()),
					Error::<Test>::InvalidCapacity
				);
			}
		});
	}

	#[test]
	fn register_fails_when_key_already_registered() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::sr25519(1);
			register(ALICE, &key);
			// Even with a fresh, valid proof from the key, for another owner.
			let mut reg = registration(BOB, &key);
			reg.nonce = 1;
			reg.proof = key.prove(REGISTER_CONTEXT, BOB, 1);
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(BOB), reg),
				Error::<Test>::KeyAlreadyRegistered
			);
		});
	}

	#[test]
	fn register_fails_when_owner_has_too_many_devices() {
		ExtBuilder::default().build_and_execute(|| {
			for seed in 1..=4 {
				register(ALICE, &TestKey::sr25519(seed));
			}
			let reg = registration(ALICE, &TestKey::sr25519(10));
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(ALICE), reg),
				Error::<Test>::TooManyDevices
			);
			// Governance raises the limit: the same registration now works.
			MaxDevicesPerOwner::set(5);
			register(ALICE, &TestKey::sr25519(10));
		});
	}

	#[test]
	fn register_fails_when_owner_cannot_pay_the_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			let reg = registration(POOR, &TestKey::sr25519(1));
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(POOR), reg),
				Error::<Test>::InsufficientDeposit
			);
		});
	}

	#[test]
	fn register_fails_when_signed_by_another_key() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::sr25519(1);
			let mut reg = registration(ALICE, &key);
			// An impostor signs the payload naming someone else's key.
			let impostor = TestKey::sr25519(9);
			reg.proof = impostor.sign(&Devices::possession_message(
				REGISTER_CONTEXT,
				&ALICE,
				&key.public(),
				0,
			));
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(ALICE), reg),
				Error::<Test>::BadPossessionProof
			);
		});
	}

	#[test]
	fn register_fails_when_proof_names_another_owner() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::ed25519(1);
			// Alice's proof, submitted by Bob: Bob cannot take Alice's hardware.
			let reg = registration(ALICE, &key);
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(BOB), reg),
				Error::<Test>::BadPossessionProof
			);
		});
	}

	#[test]
	fn register_fails_when_proof_is_for_another_chain() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::ecdsa(1);
			let mut reg = registration(ALICE, &key);
			let other_chain = PossessionPayload {
				context: REGISTER_CONTEXT,
				genesis_hash: sp_core::H256::repeat_byte(1),
				owner: ALICE,
				key: key.public(),
				nonce: 0,
			};
			assert_ne!(other_chain.genesis_hash, Devices::genesis_hash());
			reg.proof = key.sign(&other_chain.encode());
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(ALICE), reg),
				Error::<Test>::BadPossessionProof
			);
		});
	}

	#[test]
	fn register_fails_when_proof_is_a_rotation_proof() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::sr25519(1);
			let mut reg = registration(ALICE, &key);
			reg.proof = key.prove(ROTATE_CONTEXT, ALICE, 0);
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(ALICE), reg),
				Error::<Test>::BadPossessionProof
			);
		});
	}

	#[test]
	fn register_fails_when_signature_scheme_does_not_match_key() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::sr25519(1);
			let mut reg = registration(ALICE, &key);
			// Same seed, other scheme: never a valid signature for the sr25519 key.
			reg.proof = TestKey::ed25519(1).prove(REGISTER_CONTEXT, ALICE, 0);
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(ALICE), reg),
				Error::<Test>::BadPossessionProof
			);
		});
	}

	#[test]
	fn register_fails_when_nonce_is_reused() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::sr25519(1);
			let reg = registration(ALICE, &key);
			let id = register(ALICE, &key);
			// Retire the device and claim the deposit: the key is free again...
			assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), id));
			run_to_block(1 + UnbondingPeriod::get());
			assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(ALICE), id));
			// ...but the old proof (nonce 0) cannot be replayed.
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(ALICE), reg.clone()),
				Error::<Test>::WrongNonce
			);
			// A proof with a made-up nonce fails as well; a fresh one with nonce 1 works.
			let mut future = reg.clone();
			future.nonce = 5;
			future.proof = key.prove(REGISTER_CONTEXT, ALICE, 5);
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(ALICE), future),
				Error::<Test>::WrongNonce
			);
			let mut fresh = reg;
			fresh.nonce = 1;
			fresh.proof = key.prove(REGISTER_CONTEXT, ALICE, 1);
			assert_ok!(Devices::register(RuntimeOrigin::signed(ALICE), fresh));
			assert_eq!(KeyNonces::<Test>::get(key.public()), 2);
		});
	}

	#[test]
	fn register_fails_when_device_ids_are_exhausted() {
		ExtBuilder::default().build_and_execute(|| {
			NextDeviceId::<Test>::put(DeviceId::MAX);
			let reg = registration(ALICE, &TestKey::sr25519(1));
			assert_noop!(
				Devices::register(RuntimeOrigin::signed(ALICE), reg),
				Error::<Test>::DeviceIdOverflow
			);
		});
	}

	#[test]
	fn possession_message_is_the_documented_encoding() {
		ExtBuilder::default().build_and_execute(|| {
			// Off-chain tools build this payload themselves: pin its layout.
			let key = TestKey::sr25519(1).public();
			let message = Devices::possession_message(REGISTER_CONTEXT, &ALICE, &key, 7);
			let mut expected = b"depin/dev/regist".to_vec();
			expected.extend_from_slice(Devices::genesis_hash().as_bytes());
			expected.extend_from_slice(&ALICE.to_le_bytes());
			expected.push(0); // DeviceKey::Sr25519
			expected.extend_from_slice(key.encode().get(1..).unwrap());
			expected.extend_from_slice(&7u32.to_le_bytes());
			assert_eq!(message, expected);
			assert_eq!(Devices::genesis_hash(), frame_system::Pallet::<Test>::block_hash(0));
		});
	}
}

mod batch {
	use super::*;

	fn batch(items: Vec<Registration<AccountId>>) -> RegistrationsOf<Test> {
		BoundedVec::try_from(items).expect("within MaxBatch")
	}

	#[test]
	fn register_batch_registers_every_valid_item_and_reports_the_others() {
		ExtBuilder::default().build_and_execute(|| {
			let good = [TestKey::sr25519(1), TestKey::ed25519(2), TestKey::ecdsa(3)];
			let mut bad = registration(ALICE, &TestKey::sr25519(4));
			bad.proof = TestKey::sr25519(5).prove(REGISTER_CONTEXT, ALICE, 0);
			let items = vec![
				registration(ALICE, &good[0]),
				bad,
				registration(ALICE, &good[1]),
				registration(ALICE, &good[2]),
			];
			let deposits: Balance = items.iter().map(|r| deposit_of(&r.metadata)).sum();
			let bad_deposit = deposit_of(&items[1].metadata);
			assert_ok!(Devices::register_batch(RuntimeOrigin::signed(ALICE), batch(items)));

			let events = device_events();
			assert_eq!(
				events.iter().filter(|e| matches!(e, Event::DeviceRegistered { .. })).count(),
				3
			);
			assert!(events.contains(&Event::BatchItemFailed {
				index: 1,
				error: Error::<Test>::BadPossessionProof.into(),
			}));
			assert_eq!(last_event(), Event::BatchRegistered { registered: 3, failed: 1 });
			// The failed item left nothing: no device, no nonce, no deposit.
			assert_eq!(DeviceByKey::<Test>::get(TestKey::sr25519(4).public()), None);
			assert_eq!(KeyNonces::<Test>::get(TestKey::sr25519(4).public()), 0);
			assert_eq!(held(ALICE), deposits - bad_deposit);
			assert_eq!(OwnerDeviceCount::<Test>::get(ALICE), 3);
			assert_eq!(
				(0..3).map(|id| device(id).key).collect::<Vec<_>>(),
				good.map(|k| k.public())
			);
		});
	}

	#[test]
	fn register_batch_reports_the_reason_of_each_failure() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::sr25519(1);
			let mut bad_location = registration(ALICE, &TestKey::sr25519(2));
			bad_location.location = 0;
			let items = vec![
				registration(ALICE, &key),
				// The same key twice in one batch: the second is already registered.
				registration(ALICE, &key),
				bad_location,
			];
			assert_ok!(Devices::register_batch(RuntimeOrigin::signed(ALICE), batch(items)));
			let failures: Vec<_> = device_events()
				.into_iter()
				.filter(|e| matches!(e, Event::BatchItemFailed { .. }))
				.collect();
			assert_eq!(
				failures,
				vec![
					Event::BatchItemFailed {
						index: 1,
						error: Error::<Test>::KeyAlreadyRegistered.into()
					},
					Event::BatchItemFailed {
						index: 2,
						error: Error::<Test>::InvalidLocation.into()
					},
				]
			);
			assert_eq!(last_event(), Event::BatchRegistered { registered: 1, failed: 2 });
		});
	}

	#[test]
	fn register_batch_stops_at_the_owner_limit() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE, &TestKey::sr25519(10));
			let items = (1..=4).map(|seed| registration(ALICE, &TestKey::sr25519(seed))).collect();
			assert_ok!(Devices::register_batch(RuntimeOrigin::signed(ALICE), batch(items)));
			assert_eq!(OwnerDeviceCount::<Test>::get(ALICE), 4);
			assert!(device_events().contains(&Event::BatchItemFailed {
				index: 3,
				error: Error::<Test>::TooManyDevices.into()
			}));
		});
	}

	#[test]
	fn register_batch_fails_when_empty() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Devices::register_batch(RuntimeOrigin::signed(ALICE), batch(vec![])),
				Error::<Test>::EmptyBatch
			);
		});
	}

	#[test]
	fn register_batch_fails_when_unsigned() {
		ExtBuilder::default().build_and_execute(|| {
			let items = vec![registration(ALICE, &TestKey::sr25519(1))];
			assert_noop!(
				Devices::register_batch(RuntimeOrigin::none(), batch(items)),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn register_batch_is_bounded_by_max_batch() {
		ExtBuilder::default().build_and_execute(|| {
			let items: Vec<_> =
				(1..=5).map(|seed| registration(ALICE, &TestKey::sr25519(seed))).collect();
			assert!(RegistrationsOf::<Test>::try_from(items).is_err());
		});
	}
}

mod update {
	use super::*;

	#[test]
	fn update_metadata_adjusts_the_deposit_both_ways() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let small = deposit_of(&metadata(8));
			assert_eq!(held(ALICE), small);

			let big = metadata(60);
			assert_ok!(Devices::update_metadata(RuntimeOrigin::signed(ALICE), id, big.clone()));
			assert_eq!(
				last_event(),
				Event::MetadataUpdated { device: id, deposit: deposit_of(&big) }
			);
			assert_eq!(held(ALICE), deposit_of(&big));
			assert_eq!(free(ALICE), INITIAL_BALANCE - deposit_of(&big));
			assert_eq!(device(id).metadata, big);

			assert_ok!(Devices::update_metadata(
				RuntimeOrigin::signed(ALICE),
				id,
				DeviceMetadata::default()
			));
			assert_eq!(held(ALICE), deposit_of(&DeviceMetadata::default()));
			assert_eq!(free(ALICE), INITIAL_BALANCE - deposit_of(&DeviceMetadata::default()));
		});
	}

	#[test]
	fn update_metadata_by_the_manager_charges_the_owner() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			assert_ok!(Devices::set_manager(RuntimeOrigin::signed(ALICE), id, Some(BOB)));
			assert_ok!(Devices::update_metadata(RuntimeOrigin::signed(BOB), id, metadata(30)));
			assert_eq!(held(ALICE), deposit_of(&metadata(30)));
			assert_eq!(held(BOB), 0);
		});
	}

	#[test]
	fn update_metadata_fails_for_others_unknown_and_retired_devices() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			assert_noop!(
				Devices::update_metadata(RuntimeOrigin::signed(BOB), id, metadata(1)),
				Error::<Test>::NotOwnerOrManager
			);
			assert_noop!(
				Devices::update_metadata(RuntimeOrigin::signed(ALICE), 7, metadata(1)),
				Error::<Test>::UnknownDevice
			);
			assert_noop!(
				Devices::update_metadata(RuntimeOrigin::none(), id, metadata(1)),
				DispatchError::BadOrigin
			);
			assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), id));
			assert_noop!(
				Devices::update_metadata(RuntimeOrigin::signed(ALICE), id, metadata(1)),
				Error::<Test>::DeviceRetired
			);
		});
	}

	#[test]
	fn update_metadata_fails_when_owner_cannot_pay_the_larger_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			// Leave Alice just above the existential deposit.
			let spend = free(ALICE) - 2;
			assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(ALICE), BOB, spend));
			assert_noop!(
				Devices::update_metadata(RuntimeOrigin::signed(ALICE), id, metadata(60)),
				Error::<Test>::InsufficientDeposit
			);
		});
	}

	#[test]
	fn update_location_moves_the_device_and_its_cell_count() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let (from, to) = (H3Cell::new(berlin()).unwrap(), H3Cell::new(paris()).unwrap());
			run_to_block(1 + LocationChangeInterval::get());
			assert_ok!(Devices::update_location(RuntimeOrigin::signed(ALICE), id, paris()));
			assert_eq!(last_event(), Event::LocationChanged { device: id, from, to });
			assert_eq!(device(id).location, to);
			assert_eq!(device(id).location_changed_at, 6);
			assert_eq!(Devices::devices_in_cell(density_cell(berlin()), DeviceKind::Storage), 0);
			assert_eq!(Devices::devices_in_cell(density_cell(paris()), DeviceKind::Storage), 1);
			// A move inside the same density cell keeps the count.
			run_to_block(6 + LocationChangeInterval::get());
			assert_ok!(Devices::update_location(
				RuntimeOrigin::signed(ALICE),
				id,
				cell(48.86, 2.36, 9)
			));
			assert_eq!(Devices::devices_in_cell(density_cell(paris()), DeviceKind::Storage), 1);
		});
	}

	#[test]
	fn update_location_is_rate_limited() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			run_to_block(5);
			assert_noop!(
				Devices::update_location(RuntimeOrigin::signed(ALICE), id, paris()),
				Error::<Test>::LocationChangeTooSoon
			);
			run_to_block(6);
			assert_ok!(Devices::update_location(RuntimeOrigin::signed(ALICE), id, paris()));
			run_to_block(10);
			assert_noop!(
				Devices::update_location(RuntimeOrigin::signed(ALICE), id, berlin()),
				Error::<Test>::LocationChangeTooSoon
			);
		});
	}

	#[test]
	fn update_location_fails_on_every_bad_input() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			run_to_block(20);
			let signed = RuntimeOrigin::signed;
			assert_noop!(
				Devices::update_location(signed(ALICE), id, 42),
				Error::<Test>::InvalidLocation
			);
			assert_noop!(
				Devices::update_location(signed(ALICE), id, cell(48.85, 2.35, 3)),
				Error::<Test>::LocationResolutionOutOfRange
			);
			assert_noop!(
				Devices::update_location(signed(ALICE), id, berlin()),
				Error::<Test>::SameLocation
			);
			assert_noop!(
				Devices::update_location(signed(BOB), id, paris()),
				Error::<Test>::NotOwnerOrManager
			);
			assert_noop!(
				Devices::update_location(signed(ALICE), 9, paris()),
				Error::<Test>::UnknownDevice
			);
			assert_noop!(
				Devices::update_location(RuntimeOrigin::root(), id, paris()),
				DispatchError::BadOrigin
			);
			// The manager may move the device.
			assert_ok!(Devices::set_manager(signed(ALICE), id, Some(BOB)));
			assert_ok!(Devices::update_location(signed(BOB), id, paris()));
			assert_ok!(Devices::deregister(signed(ALICE), id));
			run_to_block(40);
			assert_noop!(
				Devices::update_location(signed(ALICE), id, berlin()),
				Error::<Test>::DeviceRetired
			);
		});
	}
}

mod rotate {
	use super::*;

	#[test]
	fn rotate_key_replaces_the_key_for_every_scheme() {
		ExtBuilder::default().build_and_execute(|| {
			let old = TestKey::sr25519(1);
			let id = register(ALICE, &old);
			let mut current = old.public();
			for new in [TestKey::ecdsa(2), TestKey::ed25519(3), TestKey::sr25519(4)] {
				let proof = new.prove(ROTATE_CONTEXT, ALICE, 0);
				assert_ok!(Devices::rotate_key(
					RuntimeOrigin::signed(ALICE),
					id,
					new.public(),
					proof,
					0
				));
				assert_eq!(
					last_event(),
					Event::KeyRotated { device: id, old_key: current, new_key: new.public() }
				);
				assert_eq!(device(id).key, new.public());
				assert_eq!(DeviceByKey::<Test>::get(new.public()), Some(id));
				assert_eq!(DeviceByKey::<Test>::get(current), None);
				assert_eq!(KeyNonces::<Test>::get(new.public()), 1);
				current = new.public();
			}
		});
	}

	#[test]
	fn rotate_key_fails_on_bad_proofs() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let new = TestKey::ed25519(2);
			let signed = RuntimeOrigin::signed;
			// A registration proof is not a rotation proof.
			let wrong_context = new.prove(REGISTER_CONTEXT, ALICE, 0);
			assert_noop!(
				Devices::rotate_key(signed(ALICE), id, new.public(), wrong_context, 0),
				Error::<Test>::BadPossessionProof
			);
			// Signed for another owner.
			let wrong_owner = new.prove(ROTATE_CONTEXT, BOB, 0);
			assert_noop!(
				Devices::rotate_key(signed(ALICE), id, new.public(), wrong_owner, 0),
				Error::<Test>::BadPossessionProof
			);
			// Signed by another key.
			let wrong_signer = TestKey::ed25519(3).sign(&Devices::possession_message(
				ROTATE_CONTEXT,
				&ALICE,
				&new.public(),
				0,
			));
			assert_noop!(
				Devices::rotate_key(signed(ALICE), id, new.public(), wrong_signer, 0),
				Error::<Test>::BadPossessionProof
			);
			// Wrong nonce.
			let wrong_nonce = new.prove(ROTATE_CONTEXT, ALICE, 1);
			assert_noop!(
				Devices::rotate_key(signed(ALICE), id, new.public(), wrong_nonce, 1),
				Error::<Test>::WrongNonce
			);
		});
	}

	#[test]
	fn rotate_key_fails_on_bad_targets() {
		ExtBuilder::default().build_and_execute(|| {
			let first = TestKey::sr25519(1);
			let other = TestKey::sr25519(2);
			let id = register(ALICE, &first);
			register(ALICE, &other);
			let signed = RuntimeOrigin::signed;
			let proof = |key: &TestKey| key.prove(ROTATE_CONTEXT, ALICE, 1);
			assert_noop!(
				Devices::rotate_key(signed(ALICE), id, first.public(), proof(&first), 1),
				Error::<Test>::SameKey
			);
			assert_noop!(
				Devices::rotate_key(signed(ALICE), id, other.public(), proof(&other), 1),
				Error::<Test>::KeyAlreadyRegistered
			);
			let new = TestKey::sr25519(3);
			let new_proof = new.prove(ROTATE_CONTEXT, ALICE, 0);
			assert_noop!(
				Devices::rotate_key(signed(BOB), id, new.public(), new_proof.clone(), 0),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Devices::rotate_key(signed(ALICE), 5, new.public(), new_proof.clone(), 0),
				Error::<Test>::UnknownDevice
			);
			assert_noop!(
				Devices::rotate_key(RuntimeOrigin::none(), id, new.public(), new_proof.clone(), 0),
				DispatchError::BadOrigin
			);
			// A manager cannot rotate keys.
			assert_ok!(Devices::set_manager(signed(ALICE), id, Some(BOB)));
			assert_noop!(
				Devices::rotate_key(signed(BOB), id, new.public(), new_proof.clone(), 0),
				Error::<Test>::NotOwner
			);
			assert_ok!(Devices::deregister(signed(ALICE), id));
			assert_noop!(
				Devices::rotate_key(signed(ALICE), id, new.public(), new_proof, 0),
				Error::<Test>::DeviceRetired
			);
		});
	}
}

mod ownership {
	use super::*;

	#[test]
	fn transfer_and_accept_move_the_device_and_the_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let deposit = device(id).deposit;
			assert_ok!(Devices::set_manager(RuntimeOrigin::signed(ALICE), id, Some(CHARLIE)));
			assert_ok!(Devices::transfer_ownership(RuntimeOrigin::signed(ALICE), id, Some(BOB)));
			assert_eq!(last_event(), Event::OwnershipOffered { device: id, to: BOB });
			// Nothing moves until Bob accepts.
			assert_eq!(device(id).owner, ALICE);
			assert_eq!(held(ALICE), deposit);

			assert_ok!(Devices::accept_ownership(RuntimeOrigin::signed(BOB), id));
			assert_eq!(
				last_event(),
				Event::OwnershipTransferred { device: id, from: ALICE, to: BOB }
			);
			let moved = device(id);
			assert_eq!(moved.owner, BOB);
			assert_eq!(moved.manager, None);
			assert_eq!((held(ALICE), free(ALICE)), (0, INITIAL_BALANCE));
			assert_eq!((held(BOB), free(BOB)), (deposit, INITIAL_BALANCE - deposit));
			assert!(!OwnerDevices::<Test>::contains_key(ALICE, id));
			assert!(OwnerDevices::<Test>::contains_key(BOB, id));
			assert_eq!(OwnerDeviceCount::<Test>::get(ALICE), 0);
			assert_eq!(OwnerDeviceCount::<Test>::get(BOB), 1);
			assert_eq!(PendingOwner::<Test>::get(id), None);
		});
	}

	#[test]
	fn accept_charges_the_full_deposit_after_a_slash() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let deposit = device(id).deposit;
			let slashed = Devices::slash(id, Perbill::from_percent(50)).unwrap();
			assert_ok!(Devices::transfer_ownership(RuntimeOrigin::signed(ALICE), id, Some(BOB)));
			assert_ok!(Devices::accept_ownership(RuntimeOrigin::signed(BOB), id));
			assert_eq!(held(BOB), deposit);
			assert_eq!(free(ALICE), INITIAL_BALANCE - slashed);
		});
	}

	#[test]
	fn transfer_offer_can_be_withdrawn() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			assert_ok!(Devices::transfer_ownership(RuntimeOrigin::signed(ALICE), id, Some(BOB)));
			assert_ok!(Devices::transfer_ownership(RuntimeOrigin::signed(ALICE), id, None));
			assert_eq!(last_event(), Event::OwnershipOfferWithdrawn { device: id });
			assert_noop!(
				Devices::accept_ownership(RuntimeOrigin::signed(BOB), id),
				Error::<Test>::NotOfferedToYou
			);
			assert_noop!(
				Devices::transfer_ownership(RuntimeOrigin::signed(ALICE), id, None),
				Error::<Test>::NoOwnershipOffer
			);
		});
	}

	#[test]
	fn transfer_ownership_fails_on_bad_input() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let signed = RuntimeOrigin::signed;
			assert_noop!(
				Devices::transfer_ownership(signed(ALICE), id, Some(ALICE)),
				Error::<Test>::TransferToSelf
			);
			assert_noop!(
				Devices::transfer_ownership(signed(BOB), id, Some(BOB)),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Devices::transfer_ownership(signed(ALICE), 3, Some(BOB)),
				Error::<Test>::UnknownDevice
			);
			assert_noop!(
				Devices::transfer_ownership(RuntimeOrigin::none(), id, Some(BOB)),
				DispatchError::BadOrigin
			);
			assert_ok!(Devices::deregister(signed(ALICE), id));
			assert_noop!(
				Devices::transfer_ownership(signed(ALICE), id, Some(BOB)),
				Error::<Test>::DeviceRetired
			);
		});
	}

	#[test]
	fn accept_ownership_fails_on_bad_input() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let signed = RuntimeOrigin::signed;
			assert_ok!(Devices::transfer_ownership(signed(ALICE), id, Some(POOR)));
			assert_noop!(
				Devices::accept_ownership(signed(BOB), id),
				Error::<Test>::NotOfferedToYou
			);
			assert_noop!(Devices::accept_ownership(signed(POOR), 4), Error::<Test>::UnknownDevice);
			assert_noop!(
				Devices::accept_ownership(signed(POOR), id),
				Error::<Test>::InsufficientDeposit
			);
			assert_noop!(
				Devices::accept_ownership(RuntimeOrigin::none(), id),
				DispatchError::BadOrigin
			);

			// Bob owns the most devices he may.
			for seed in 2..=5 {
				register(BOB, &TestKey::sr25519(seed));
			}
			assert_ok!(Devices::transfer_ownership(signed(ALICE), id, Some(BOB)));
			assert_noop!(Devices::accept_ownership(signed(BOB), id), Error::<Test>::TooManyDevices);

			// Retiring a device cancels its offer.
			assert_ok!(Devices::deregister(signed(ALICE), id));
			assert_eq!(PendingOwner::<Test>::get(id), None);
			assert_noop!(Devices::accept_ownership(signed(BOB), id), Error::<Test>::DeviceRetired);
		});
	}

	#[test]
	fn set_manager_sets_and_clears() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			assert_ok!(Devices::set_manager(RuntimeOrigin::signed(ALICE), id, Some(BOB)));
			assert_eq!(last_event(), Event::ManagerSet { device: id, manager: Some(BOB) });
			assert_eq!(Devices::manager(id), Some(BOB));
			assert_ok!(Devices::set_manager(RuntimeOrigin::signed(ALICE), id, None));
			assert_eq!(last_event(), Event::ManagerSet { device: id, manager: None });
			assert_eq!(Devices::manager(id), None);
		});
	}

	#[test]
	fn set_manager_fails_on_bad_input() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let signed = RuntimeOrigin::signed;
			assert_ok!(Devices::set_manager(signed(ALICE), id, Some(BOB)));
			// The manager cannot appoint another manager.
			assert_noop!(
				Devices::set_manager(signed(BOB), id, Some(CHARLIE)),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Devices::set_manager(signed(ALICE), 2, None),
				Error::<Test>::UnknownDevice
			);
			assert_noop!(
				Devices::set_manager(RuntimeOrigin::none(), id, None),
				DispatchError::BadOrigin
			);
			assert_ok!(Devices::deregister(signed(ALICE), id));
			assert_noop!(
				Devices::set_manager(signed(ALICE), id, None),
				Error::<Test>::DeviceRetired
			);
		});
	}
}

mod lifecycle {
	use super::*;

	#[test]
	fn deregister_retires_and_claim_releases_after_unbonding() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::sr25519(1);
			let id = register(ALICE, &key);
			let deposit = device(id).deposit;
			run_to_block(3);
			assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), id));
			let unbonds_at = 3 + UnbondingPeriod::get();
			assert_eq!(last_event(), Event::DeviceDeregistered { device: id, unbonds_at });
			assert_eq!(device(id).status, DeviceStatus::Retired { unbonds_at });
			assert!(!Devices::is_active(id));
			// Retired devices no longer count for density, but still hold their deposit.
			assert_eq!(Devices::devices_in_cell(density_cell(berlin()), DeviceKind::Storage), 0);
			assert_eq!(held(ALICE), deposit);

			run_to_block(unbonds_at - 1);
			assert_noop!(
				Devices::claim_deposit(RuntimeOrigin::signed(BOB), id),
				Error::<Test>::StillUnbonding
			);
			run_to_block(unbonds_at);
			// Anyone may trigger the claim; the owner gets the deposit.
			assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(BOB), id));
			assert_eq!(
				last_event(),
				Event::DepositClaimed { device: id, owner: ALICE, amount: deposit }
			);
			assert_eq!((held(ALICE), free(ALICE)), (0, INITIAL_BALANCE));
			assert_eq!(Devices::device(id), None);
			assert_eq!(DeviceByKey::<Test>::get(key.public()), None);
			assert_eq!(OwnerDeviceCount::<Test>::get(ALICE), 0);
			assert!(!OwnerDeviceCount::<Test>::contains_key(ALICE));
		});
	}

	#[test]
	fn deregister_fails_on_bad_input() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let signed = RuntimeOrigin::signed;
			assert_noop!(Devices::deregister(signed(BOB), id), Error::<Test>::NotOwner);
			assert_noop!(Devices::deregister(signed(ALICE), 8), Error::<Test>::UnknownDevice);
			assert_noop!(Devices::deregister(RuntimeOrigin::none(), id), DispatchError::BadOrigin);
			assert_ok!(Devices::set_manager(signed(ALICE), id, Some(BOB)));
			assert_noop!(Devices::deregister(signed(BOB), id), Error::<Test>::NotOwner);
			assert_ok!(Devices::deregister(signed(ALICE), id));
			assert_noop!(Devices::deregister(signed(ALICE), id), Error::<Test>::DeviceRetired);
		});
	}

	#[test]
	fn claim_deposit_fails_on_bad_input() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			assert_noop!(
				Devices::claim_deposit(RuntimeOrigin::signed(ALICE), id),
				Error::<Test>::NotRetired
			);
			assert_noop!(
				Devices::claim_deposit(RuntimeOrigin::signed(ALICE), 6),
				Error::<Test>::UnknownDevice
			);
			assert_noop!(
				Devices::claim_deposit(RuntimeOrigin::none(), id),
				DispatchError::BadOrigin
			);
			assert_ok!(Devices::suspend(RuntimeOrigin::root(), id));
			assert_noop!(
				Devices::claim_deposit(RuntimeOrigin::signed(ALICE), id),
				Error::<Test>::NotRetired
			);
		});
	}

	#[test]
	fn a_retired_device_can_still_be_slashed_before_its_claim() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let deposit = device(id).deposit;
			assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), id));
			// A penalty for an earlier fault arrives during unbonding.
			let slashed = Devices::slash(id, Perbill::from_percent(25)).unwrap();
			assert_eq!(slashed, deposit / 4);
			run_to_block(1 + UnbondingPeriod::get());
			assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(ALICE), id));
			assert_eq!(
				last_event(),
				Event::DepositClaimed { device: id, owner: ALICE, amount: deposit - slashed }
			);
			assert_eq!(free(ALICE), INITIAL_BALANCE - slashed);
		});
	}

	#[test]
	fn suspend_and_resume_by_the_privileged_origin() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			assert_ok!(Devices::suspend(RuntimeOrigin::root(), id));
			assert_eq!(last_event(), Event::DeviceSuspended { device: id });
			assert_eq!(Devices::status(id), Some(DeviceStatus::Suspended));
			// Suspended devices still count in their cell.
			assert_eq!(Devices::devices_in_cell(density_cell(berlin()), DeviceKind::Storage), 1);
			assert_ok!(Devices::resume(RuntimeOrigin::root(), id));
			assert_eq!(last_event(), Event::DeviceResumed { device: id });
			assert!(Devices::is_active(id));
		});
	}

	#[test]
	fn suspend_and_resume_fail_on_bad_input() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let root = RuntimeOrigin::root;
			assert_noop!(
				Devices::suspend(RuntimeOrigin::signed(ALICE), id),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Devices::resume(RuntimeOrigin::signed(ALICE), id),
				DispatchError::BadOrigin
			);
			assert_noop!(Devices::suspend(root(), 4), Error::<Test>::UnknownDevice);
			assert_noop!(Devices::resume(root(), 4), Error::<Test>::UnknownDevice);
			assert_noop!(Devices::resume(root(), id), Error::<Test>::NotSuspended);
			assert_ok!(Devices::suspend(root(), id));
			assert_noop!(Devices::suspend(root(), id), Error::<Test>::AlreadySuspended);
			// A suspended device can still be retired by its owner.
			assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), id));
			assert_noop!(Devices::suspend(root(), id), Error::<Test>::DeviceRetired);
			assert_noop!(Devices::resume(root(), id), Error::<Test>::DeviceRetired);
		});
	}
}

mod registry {
	use super::*;

	#[test]
	fn look_ups_answer_for_registered_devices_only() {
		ExtBuilder::default().build_and_execute(|| {
			let key = TestKey::ecdsa(1);
			let id = register(ALICE, &key);
			assert_eq!(Devices::device_by_key(&key.public()), Some(id));
			assert_eq!(Devices::key(id), Some(key.public()));
			assert_eq!(Devices::owner(id), Some(ALICE));
			assert_eq!(Devices::kind(id), Some(DeviceKind::Storage));
			assert_eq!(Devices::location(id), H3Cell::new(berlin()).ok());
			assert_eq!(Devices::capacity(id), Some(1 << 40));
			assert!(Devices::is_active(id));
			assert_eq!(Devices::device(id + 1), None);
			assert_eq!(Devices::device_by_key(&TestKey::ecdsa(2).public()), None);
			assert!(!Devices::is_active(id + 1));
			let berlin_cell = H3Cell::new(berlin()).unwrap();
			assert_eq!(Devices::density_cell(berlin_cell), berlin_cell.parent(4));
			assert_eq!(density_cell(berlin_east()), density_cell(berlin()));
		});
	}

	#[test]
	fn record_fault_counts_and_fails_for_unknown_devices() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			assert_eq!(Devices::record_faults(id, 1), Ok(1));
			assert_eq!(last_event(), Event::FaultRecorded { device: id, faults: 1 });
			assert_eq!(Devices::record_faults(id, 2), Ok(3));
			assert_eq!(device(id).faults, 3);
			assert_noop!(Devices::record_faults(id + 1, 1), Error::<Test>::UnknownDevice);
		});
	}

	#[test]
	fn trait_suspend_and_resume_follow_the_same_rules() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			assert_ok!(<Devices as DeviceRegistry<_>>::suspend(id));
			assert_eq!(last_event(), Event::DeviceSuspended { device: id });
			assert_noop!(
				<Devices as DeviceRegistry<_>>::suspend(id),
				Error::<Test>::AlreadySuspended
			);
			assert_ok!(<Devices as DeviceRegistry<_>>::resume(id));
			assert_noop!(<Devices as DeviceRegistry<_>>::resume(id), Error::<Test>::NotSuspended);
			assert_noop!(<Devices as DeviceRegistry<_>>::suspend(9), Error::<Test>::UnknownDevice);
		});
	}

	#[test]
	fn slash_takes_a_fraction_of_the_deposit_to_the_destination() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &TestKey::sr25519(1));
			let deposit = device(id).deposit;
			let destination = Balances::balance(&SlashDestination::get());
			let issuance = Balances::total_issuance();

			let slashed = Devices::slash(id, Perbill::from_percent(10)).unwrap();
			assert_eq!(slashed, Perbill::from_percent(10).mul_floor(deposit));
			assert_eq!(
				last_event(),
				Event::DepositSlashed { device: id, owner: ALICE, amount: slashed }
			);
			assert_eq!(device(id).deposit, deposit - slashed);
			assert_eq!(held(ALICE), deposit - slashed);
			assert_eq!(free(ALICE), INITIAL_BALANCE - deposit);
			assert_eq!(Balances::balance(&SlashDestination::get()), destination + slashed);
			// Moved, not burned.
			assert_eq!(Balances::total_issuance(), issuance);

			// Slashing the whole rest empties the deposit; nothing is left to slash.
			let rest = Devices::slash(id, Perbill::one()).unwrap();
			assert_eq!(rest, deposit - slashed);
			assert_eq!((device(id).deposit, held(ALICE)), (0, 0));
			let events = System::events().len();
			assert_eq!(Devices::slash(id, Perbill::one()), Ok(0));
			assert_eq!(System::events().len(), events);
		});
	}

	#[test]
	fn slash_fails_for_unknown_devices() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Devices::slash(0, Perbill::from_percent(10)),
				Error::<Test>::UnknownDevice
			);
		});
	}
}

mod genesis {
	use super::*;

	#[test]
	fn genesis_devices_are_registered_with_deposits() {
		let key = TestKey::sr25519(1);
		let coverage = TestKey::ed25519(2);
		ExtBuilder::default()
			.with_genesis_devices(vec![
				(ALICE, key.public(), DeviceKind::Storage, berlin(), 1 << 30),
				(BOB, coverage.public(), DeviceKind::Coverage, paris(), 0),
			])
			.build_and_execute(|| {
				let base = deposit_of(&DeviceMetadata::default());
				assert_eq!(device(0).owner, ALICE);
				assert_eq!(device(1).kind, DeviceKind::Coverage);
				assert_eq!(device(1).registered_at, 0);
				assert_eq!(held(ALICE), base);
				assert_eq!(held(BOB), base);
				assert_eq!(NextDeviceId::<Test>::get(), 2);
				assert_eq!(
					Devices::devices_in_cell(density_cell(paris()), DeviceKind::Coverage),
					1
				);
				// The genesis key registers nothing else, and rotates with a proof like any key.
				let proof = TestKey::sr25519(3).prove(ROTATE_CONTEXT, ALICE, 0);
				assert_ok!(Devices::rotate_key(
					RuntimeOrigin::signed(ALICE),
					0,
					TestKey::sr25519(3).public(),
					proof,
					0
				));
			});
	}

	#[test]
	#[should_panic(expected = "is invalid")]
	fn genesis_rejects_invalid_devices() {
		ExtBuilder::default()
			.with_genesis_devices(vec![(
				ALICE,
				TestKey::sr25519(1).public(),
				DeviceKind::Storage,
				7,
				1,
			)])
			.build();
	}
}

mod queries {
	use super::*;

	/// Register a device of `kind` at `location` for `owner`.
	fn register_at(owner: AccountId, key: &TestKey, kind: DeviceKind, location: u64) -> DeviceId {
		let id = NextDeviceId::<Test>::get();
		let mut reg = registration(owner, key);
		reg.kind = kind;
		reg.location = location;
		reg.capacity = if kind == DeviceKind::Coverage { 0 } else { 1 << 30 };
		assert_ok!(Devices::register(RuntimeOrigin::signed(owner), reg));
		id
	}

	fn ids(page: &[(DeviceId, DeviceOf<Test>)]) -> Vec<DeviceId> {
		page.iter().map(|(id, _)| *id).collect()
	}

	fn sorted(mut ids: Vec<DeviceId>) -> Vec<DeviceId> {
		ids.sort();
		ids
	}

	#[test]
	fn devices_of_pages_through_an_owners_devices() {
		ExtBuilder::default().build_and_execute(|| {
			MaxDevicesPerOwner::set(5);
			for seed in 1..=5 {
				register(ALICE, &TestKey::sr25519(seed));
			}
			let bobs = register(BOB, &TestKey::sr25519(6));

			let mut seen = Vec::new();
			let mut after = None;
			loop {
				let page = Devices::devices_of(&ALICE, after, 2);
				assert!(page.len() <= 2);
				if page.is_empty() {
					break;
				}
				assert!(page.iter().all(|(id, d)| d.owner == ALICE && *d == device(*id)));
				after = page.last().map(|(id, _)| *id);
				seen.extend(ids(&page));
			}
			assert_eq!(sorted(seen), vec![0, 1, 2, 3, 4]);
			assert_eq!(ids(&Devices::devices_of(&BOB, None, 10)), vec![bobs]);
			assert!(Devices::devices_of(&CHARLIE, None, 10).is_empty());
			assert!(Devices::devices_of(&ALICE, None, 0).is_empty());
		});
	}

	#[test]
	fn devices_in_area_finds_devices_inside_a_cell_of_any_indexed_resolution() {
		ExtBuilder::default().build_and_execute(|| {
			let storage = register_at(ALICE, &TestKey::sr25519(1), DeviceKind::Storage, berlin());
			let coverage =
				register_at(BOB, &TestKey::sr25519(2), DeviceKind::Coverage, berlin_east());
			let in_paris = register_at(ALICE, &TestKey::sr25519(3), DeviceKind::Storage, paris());
			let area = |cell: u64, kind| {
				sorted(ids(&Devices::devices_in_area(cell, kind, None, 10).expect("a valid cell")))
			};

			// The density cell holds both Berlin devices; a resolution-9 cell only its own.
			let berlin_area = density_cell(berlin()).raw();
			assert_eq!(area(berlin_area, None), vec![storage, coverage]);
			assert_eq!(area(berlin_area, Some(DeviceKind::Coverage)), vec![coverage]);
			assert_eq!(area(berlin_area, Some(DeviceKind::Compute)), Vec::<DeviceId>::new());
			assert_eq!(area(berlin(), None), vec![storage]);
			assert_eq!(area(cell(52.52, 13.405, 6), None), vec![storage]);
			assert_eq!(area(paris(), None), vec![in_paris]);
			// A finer cell than the device's location does not contain it.
			assert_eq!(area(cell(52.52, 13.405, 10), None), Vec::<DeviceId>::new());

			// Pages.
			let first = Devices::devices_in_area(berlin_area, None, None, 1).unwrap();
			let second = Devices::devices_in_area(berlin_area, None, Some(first[0].0), 1).unwrap();
			let third = Devices::devices_in_area(berlin_area, None, Some(second[0].0), 1).unwrap();
			assert_eq!(sorted(vec![first[0].0, second[0].0]), vec![storage, coverage]);
			assert!(third.is_empty());

			// Moves and retirements follow.
			run_to_block(1 + LocationChangeInterval::get());
			assert_ok!(Devices::update_location(RuntimeOrigin::signed(ALICE), storage, paris()));
			assert_eq!(area(paris(), None), vec![storage, in_paris]);
			assert_eq!(area(berlin_area, None), vec![coverage]);
			assert_ok!(Devices::deregister(RuntimeOrigin::signed(BOB), coverage));
			assert_eq!(area(berlin_area, None), Vec::<DeviceId>::new());
		});
	}

	#[test]
	fn devices_in_area_rejects_coarse_and_invalid_cells() {
		ExtBuilder::default().build_and_execute(|| {
			register(ALICE, &TestKey::sr25519(1));
			assert_eq!(
				Devices::devices_in_area(cell(52.52, 13.405, 3), None, None, 10),
				Err(AreaQueryError::CellTooCoarse { min_resolution: 4 })
			);
			assert_eq!(
				Devices::devices_in_area(berlin() ^ (1 << 63), None, None, 10),
				Err(AreaQueryError::InvalidCell)
			);
			assert_eq!(
				Devices::devices_in_area(0, None, None, 10),
				Err(AreaQueryError::InvalidCell)
			);
		});
	}
}

#[test]
fn try_state_catches_a_broken_index() {
	ExtBuilder::default().build().execute_with(|| {
		let id = register(ALICE, &TestKey::sr25519(1));
		assert_ok!(Devices::do_try_state());
		CellDeviceCount::<Test>::insert(density_cell(paris()), DeviceKind::Storage, 1);
		assert!(Devices::do_try_state().is_err());
		CellDeviceCount::<Test>::remove(density_cell(paris()), DeviceKind::Storage);
		assert_ok!(Devices::do_try_state());
		CellDevices::<Test>::insert(density_cell(paris()), id, ());
		assert!(Devices::do_try_state().is_err());
		CellDevices::<Test>::remove(density_cell(paris()), id);
		assert_ok!(Devices::do_try_state());
		OwnerDeviceCount::<Test>::insert(ALICE, 2);
		assert!(Devices::do_try_state().is_err());
		OwnerDeviceCount::<Test>::insert(ALICE, 1);
		crate::Devices::<Test>::mutate(id, |d| d.as_mut().unwrap().deposit += 1);
		assert!(Devices::do_try_state().is_err());
	});
}

#[test]
fn holds_use_the_pallet_reason() {
	ExtBuilder::default().build_and_execute(|| {
		register(ALICE, &TestKey::sr25519(1));
		assert_eq!(Balances::total_balance_on_hold(&ALICE), held(ALICE));
		// The hold cannot be spent.
		assert_noop!(
			Balances::transfer_allow_death(RuntimeOrigin::signed(ALICE), BOB, INITIAL_BALANCE),
			TokenError::FundsUnavailable
		);
	});
}
