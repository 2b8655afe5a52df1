//! `register_batch`: many devices in one call, each failure reported.

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
		assert!(events.contains(&Event::ItemRejected {
			index: 1,
			error: Error::<Test>::BadPossessionProof.into(),
		}));
		assert_eq!(last_event(), Event::BatchProcessed { accepted: 3, rejected: 1 });
		// The failed item left nothing: no device, no deposit.
		assert_eq!(DeviceByKey::<Test>::get(TestKey::sr25519(4).public()), None);
		assert_eq!(held(ALICE), deposits - bad_deposit);
		assert_eq!(OwnerDeviceCount::<Test>::get(ALICE), 3);
		assert_eq!((0..3).map(|id| device(id).key).collect::<Vec<_>>(), good.map(|k| k.public()));
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
			.filter(|e| matches!(e, Event::ItemRejected { .. }))
			.collect();
		assert_eq!(
			failures,
			vec![
				Event::ItemRejected { index: 1, error: Error::<Test>::KeyAlreadyRegistered.into() },
				Event::ItemRejected { index: 2, error: Error::<Test>::InvalidLocation.into() },
			]
		);
		assert_eq!(last_event(), Event::BatchProcessed { accepted: 1, rejected: 2 });
	});
}

#[test]
fn register_batch_stops_at_the_owner_limit() {
	ExtBuilder::default().build_and_execute(|| {
		register(ALICE, &TestKey::sr25519(10));
		let items = (1..=4).map(|seed| registration(ALICE, &TestKey::sr25519(seed))).collect();
		assert_ok!(Devices::register_batch(RuntimeOrigin::signed(ALICE), batch(items)));
		assert_eq!(OwnerDeviceCount::<Test>::get(ALICE), 4);
		assert!(device_events().contains(&Event::ItemRejected {
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

#[test]
fn register_batch_pays_for_what_its_items_used() {
	use crate::weights::WeightInfo;
	ExtBuilder::default().build_and_execute(|| {
		let good = registration(ALICE, &TestKey::sr25519(1));
		let mut nowhere = registration(ALICE, &TestKey::ecdsa(2));
		nowhere.location = 0;
		let items = batch(vec![good, nowhere]);
		let charged = Devices::registrations_weight(&items);
		let post = Devices::register_batch(RuntimeOrigin::signed(ALICE), items).unwrap();
		assert_eq!(last_event(), Event::BatchProcessed { accepted: 1, rejected: 1 });
		// Each item is charged as a registration with its key's scheme; the one refused
		// before its proof (a location that is no cell) pays for the cheap checks only.
		assert_eq!(
			charged,
			<() as WeightInfo>::register_batch(0)
				+ <() as WeightInfo>::register_sr25519()
				+ <() as WeightInfo>::register_ecdsa()
		);
		let used = <() as WeightInfo>::register_batch(0)
			+ <() as WeightInfo>::register_sr25519()
			+ Devices::register_cheap_weight();
		assert_eq!(post.actual_weight, Some(used));
		assert!(used.all_lte(charged));
	});
}
