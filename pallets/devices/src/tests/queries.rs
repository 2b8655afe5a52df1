//! Queries: an owner's devices, page by page, and the devices in an area.

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
		let coverage = register_at(BOB, &TestKey::sr25519(2), DeviceKind::Coverage, berlin_east());
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
		assert_eq!(Devices::devices_in_area(0, None, None, 10), Err(AreaQueryError::InvalidCell));
	});
}
