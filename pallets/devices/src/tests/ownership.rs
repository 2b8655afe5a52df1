//! `transfer_ownership`, `accept_ownership` and `set_manager`.

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
		assert_eq!(last_event(), Event::OwnershipTransferred { device: id, from: ALICE, to: BOB });
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
		assert_noop!(Devices::accept_ownership(signed(BOB), id), Error::<Test>::NotOfferedToYou);
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
		assert_noop!(Devices::set_manager(signed(BOB), id, Some(CHARLIE)), Error::<Test>::NotOwner);
		assert_noop!(Devices::set_manager(signed(ALICE), 2, None), Error::<Test>::UnknownDevice);
		assert_noop!(
			Devices::set_manager(RuntimeOrigin::none(), id, None),
			DispatchError::BadOrigin
		);
		assert_ok!(Devices::deregister(signed(ALICE), id));
		assert_noop!(Devices::set_manager(signed(ALICE), id, None), Error::<Test>::DeviceRetired);
	});
}
