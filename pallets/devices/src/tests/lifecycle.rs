//! `deregister`, `claim_deposit`, `suspend` and `resume`.

use super::*;

#[test]
fn a_retired_key_stays_registered_longer_than_any_proof_of_it_lives() {
	ExtBuilder::default().build_and_execute(|| {
		let key = TestKey::sr25519(1);
		let fresh = registration(ALICE, &key);
		let id = register(ALICE, &key);
		// Root sets the unbonding period below the proofs' age (it may, past the guard)...
		UnbondingPeriod::set(2);
		assert_ok!(Devices::deregister(RuntimeOrigin::signed(ALICE), id));
		// ...the device still unbonds for MaxProofAge + 1 blocks...
		let unbonds_at = 1 + MaxProofAge::get() + 1;
		assert_eq!(device(id).status, DeviceStatus::Retired { unbonds_at });
		run_to_block(unbonds_at);
		assert_ok!(Devices::claim_deposit(RuntimeOrigin::signed(ALICE), id));
		// ...so the proof it was registered with is stale once the key is free.
		assert_noop!(
			Devices::register(RuntimeOrigin::signed(ALICE), fresh),
			Error::<Test>::StalePossessionProof
		);
		UnbondingPeriod::set(10);
	});
}

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
		assert_noop!(Devices::claim_deposit(RuntimeOrigin::none(), id), DispatchError::BadOrigin);
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
		assert_noop!(Devices::suspend(RuntimeOrigin::signed(ALICE), id), DispatchError::BadOrigin);
		assert_noop!(Devices::resume(RuntimeOrigin::signed(ALICE), id), DispatchError::BadOrigin);
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
