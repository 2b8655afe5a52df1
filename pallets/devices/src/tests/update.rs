//! `update_metadata` and `update_location`: the deposit follows the metadata, and moves are
//! rate limited.

use super::*;

#[test]
fn update_metadata_adjusts_the_deposit_both_ways() {
	ExtBuilder::default().build_and_execute(|| {
		let id = register(ALICE, &TestKey::sr25519(1));
		let small = deposit_of(&metadata(8));
		assert_eq!(held(ALICE), small);

		let big = metadata(60);
		assert_ok!(Devices::update_metadata(RuntimeOrigin::signed(ALICE), id, big.clone()));
		assert_eq!(last_event(), Event::MetadataUpdated { device: id, deposit: deposit_of(&big) });
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
