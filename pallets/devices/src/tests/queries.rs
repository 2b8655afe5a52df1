//! Queries: an owner's devices, page by page, and the devices in an area.

use super::*;

/// Register a device of `kind` at `location` for `owner`.
fn register_at(owner: AccountId, key: &TestKey, kind: DeviceKind, location: u64) -> DeviceId {
	let id = NextDeviceId::<Test>::get();
	let mut reg = registration(owner, key);
	reg.kind = kind;
	reg.location = location;
	reg.capacity = match kind {
		DeviceKind::Coverage | DeviceKind::Sensor => 0,
		DeviceKind::Storage | DeviceKind::Compute => 1 << 30,
	};
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
			let page = Devices::devices_in_area(cell, kind, None, 10).expect("a valid cell");
			assert_eq!(page.next, None, "a handful of devices fits in one page");
			sorted(ids(&page.devices))
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

		// Pages: a full page with more behind it says where the next starts; the page that
		// reaches the end of the index says nothing is left.
		let first = Devices::devices_in_area(berlin_area, None, None, 1).unwrap();
		assert_eq!(first.next, Some(first.devices[0].0));
		let second = Devices::devices_in_area(berlin_area, None, first.next, 1).unwrap();
		assert_eq!(second.next, None);
		let third =
			Devices::devices_in_area(berlin_area, None, Some(second.devices[0].0), 1).unwrap();
		assert_eq!(sorted(vec![first.devices[0].0, second.devices[0].0]), vec![storage, coverage]);
		assert_eq!(third, AreaPage { devices: vec![], next: None });
		// A limit of 0 is a limit of 1.
		assert_eq!(Devices::devices_in_area(berlin_area, None, None, 0).unwrap(), first);

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

#[test]
fn devices_in_area_walks_a_bounded_part_of_a_stuffed_cell_per_call() {
	// A density cell stuffed with storage devices (one per owner), and one coverage device.
	let stuffed = u64::from(MAX_AREA_SCAN) + 10;
	let owners = 1_000..1_000 + stuffed + 1;
	let key = |n: u64| {
		let mut raw = [0u8; 32];
		raw[..8].copy_from_slice(&n.to_le_bytes());
		DeviceKey::Ed25519(sp_core::ed25519::Public::from_raw(raw))
	};
	let mut devices: Vec<_> = owners
		.clone()
		.map(|owner| (owner, key(owner), DeviceKind::Storage, berlin(), 1 << 30))
		.collect();
	let coverage = stuffed;
	devices.last_mut().expect("one at least").2 = DeviceKind::Coverage;
	devices.last_mut().expect("one at least").4 = 0;
	ExtBuilder::default()
		.with_funded_owners(owners)
		.with_genesis_devices(devices)
		.build_and_execute(|| {
			let area = density_cell(berlin()).raw();
			let index: Vec<DeviceId> =
				CellDevices::<Test>::iter_key_prefix(density_cell(berlin())).collect();
			assert_eq!(index.len() as u64, stuffed + 1);

			// Unfiltered: full pages of MAX_PAGE, each ending where the next starts.
			let page = Devices::devices_in_area(area, None, None, u32::MAX).unwrap();
			assert_eq!(page.devices.len(), MAX_PAGE as usize);
			assert_eq!(page.next, page.devices.last().map(|(id, _)| *id));

			// A kind nobody has: one call walks exactly MAX_AREA_SCAN entries, finds nothing and
			// says where it stopped; the next call walks the rest and finds the end.
			let first =
				Devices::devices_in_area(area, Some(DeviceKind::Compute), None, 10).unwrap();
			assert!(first.devices.is_empty());
			let stop = first.next.expect("the walk stopped before the end");
			assert_eq!(index.iter().position(|id| *id == stop), Some(MAX_AREA_SCAN as usize - 1));
			let rest =
				Devices::devices_in_area(area, Some(DeviceKind::Compute), first.next, 10).unwrap();
			assert_eq!(rest, AreaPage { devices: vec![], next: None });

			// Following the cursor finds the one coverage device, wherever the index holds it.
			let (mut found, mut after, mut calls) = (Vec::new(), None, 0);
			loop {
				let page =
					Devices::devices_in_area(area, Some(DeviceKind::Coverage), after, 10).unwrap();
				calls += 1;
				found.extend(ids(&page.devices));
				match page.next {
					Some(next) => after = Some(next),
					None => break,
				}
			}
			assert_eq!(found, vec![coverage]);
			assert!(calls <= 3, "{calls} calls");
		});
}
