//! Devices in the genesis config.

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
			assert_eq!(Devices::devices_in_cell(density_cell(paris()), DeviceKind::Coverage), 1);
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
