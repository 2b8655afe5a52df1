//! `register`: registering one device, its deposit and every way it fails.

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
			assert!(OwnerDevices::<Test>::contains_key(ALICE, id));
		}
		assert_eq!(OwnerDeviceCount::<Test>::get(ALICE), 3);
		assert_eq!(CellDeviceCount::<Test>::get(density_cell(berlin()), DeviceKind::Storage), 3);
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
fn register_takes_a_sensor_device_without_capacity() {
	ExtBuilder::default().build_and_execute(|| {
		let key = TestKey::ecdsa(1);
		let mut reg = registration(ALICE, &key);
		reg.kind = DeviceKind::Sensor;
		reg.capacity = 0;
		let deposit = deposit_of(&reg.metadata);
		assert_ok!(Devices::register(RuntimeOrigin::signed(ALICE), reg));
		assert_eq!(
			last_event(),
			Event::DeviceRegistered {
				device: 0,
				owner: ALICE,
				key: key.public(),
				kind: DeviceKind::Sensor,
				location: H3Cell::new(berlin()).unwrap(),
				deposit,
			}
		);
		assert_eq!(device(0).capacity, 0);
		assert_eq!(Devices::kind(0), Some(DeviceKind::Sensor));
		assert_eq!(Devices::devices_in_cell(density_cell(berlin()), DeviceKind::Sensor), 1);
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
		for (kind, capacity) in [
			(DeviceKind::Storage, 0),
			(DeviceKind::Compute, 0),
			(DeviceKind::Coverage, 1),
			(DeviceKind::Sensor, 1),
		] {
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
		reg.proof = key.prove(REGISTER_CONTEXT, BOB, now());
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
		reg.proof =
			impostor.sign(&Devices::possession_message(REGISTER_CONTEXT, &ALICE, &key.public(), 0));
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
		let other_chain = sp_core::H256::repeat_byte(1);
		assert_ne!(other_chain, Devices::genesis_hash());
		let possession = Possession { owner: ALICE, key: key.public(), signed_at: now() };
		reg.proof = key.sign_statement(REGISTER_CONTEXT, other_chain, &possession);
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
		reg.proof = key.prove(ROTATE_CONTEXT, ALICE, now());
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
		reg.proof = TestKey::ed25519(1).prove(REGISTER_CONTEXT, ALICE, now());
		assert_noop!(
			Devices::register(RuntimeOrigin::signed(ALICE), reg),
			Error::<Test>::BadPossessionProof
		);
	});
}

#[test]
fn a_proof_of_possession_is_taken_for_max_proof_age_blocks_and_never_after_its_device() {
	ExtBuilder::default().build_and_execute(|| {
		let key = TestKey::sr25519(1);
		// Signed at block 1: taken up to block 1 + MaxProofAge.
		let reg = registration(ALICE, &key);
		run_to_block(1 + MaxProofAge::get() + 1);
		assert_noop!(
			Devices::register(RuntimeOrigin::signed(ALICE), reg.clone()),
			Error::<Test>::StalePossessionProof
		);
		// A proof naming a block the chain has not reached is refused too.
		let mut ahead = registration(ALICE, &key);
		ahead.signed_at = now() + 1;
		ahead.proof = key.prove(REGISTER_CONTEXT, ALICE, now() + 1);
		assert_noop!(
			Devices::register(RuntimeOrigin::signed(ALICE), ahead),
			Error::<Test>::StalePossessionProof
		);
		// At the last block of its age a proof is taken.
		let fresh = registration(ALICE, &key);
		run_to_block(System::block_number() + MaxProofAge::get());
		let id = NextDeviceId::<Test>::get();
		assert_ok!(Devices::register(RuntimeOrigin::signed(ALICE), fresh.clone()));

		// Retire the device and claim the deposit: the key is free again, and the registry
		// keeps nothing of it...
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), id));
		run_to_block(System::block_number() + UnbondingPeriod::get());
		assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(ALICE), id));
		assert_eq!(DeviceByKey::<Test>::get(key.public()), None);
		// ...yet its proof cannot be replayed: the unbonding period outlasts every proof.
		assert_noop!(
			Devices::register(RuntimeOrigin::signed(ALICE), fresh),
			Error::<Test>::StalePossessionProof
		);
		assert_ok!(Devices::register(RuntimeOrigin::signed(ALICE), registration(ALICE, &key)));
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
