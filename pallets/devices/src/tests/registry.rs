//! The registry as other pallets see it: look-ups, faults, suspension and slashing.

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
		assert_noop!(<Devices as DeviceRegistry<_>>::suspend(id), Error::<Test>::AlreadySuspended);
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
		assert_noop!(Devices::slash(0, Perbill::from_percent(10)), Error::<Test>::UnknownDevice);
	});
}
