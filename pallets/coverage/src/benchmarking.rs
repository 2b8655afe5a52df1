//! Benchmarks at the worst case of every input. Device keys and signatures come from the
//! benchmark keystore (ECDSA, the dearest scheme to verify), so every signature check is real,
//! and witnesses stand one H3 step from the beaconer, so every rule is evaluated and passes.

use super::*;
use crate::Pallet as Coverage;
use alloc::vec::Vec;
use depin_primitives::epoch::EpochInfo;
use depin_proving::ProvingEpochs;
use frame_benchmarking::v2::*;
use frame_support::{pallet_prelude::*, BoundedVec};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_devices::{h3::H3Cell, DeviceId, DeviceKey, DeviceKind, DeviceRegistry};
use sp_core::H256;
use sp_runtime::traits::{One, Saturating};

use pallet_devices::benchmark_keys::sign;

/// The registry's benchmark location with its digit at `resolution` moved to a neighbouring
/// child of the same parent: a different cell at that resolution, one grid step away.
fn neighbour<T: Config>(resolution: u8) -> H3Cell {
	let home = T::Registry::benchmark_location();
	let shift = u32::from(pallet_devices::h3::MAX_RESOLUTION.saturating_sub(resolution)) * 3;
	let digit = (home.raw() >> shift) & 0b111;
	let moved = (home.raw() & !(0b111u64 << shift)) | (u64::from(digit == 0) << shift);
	H3Cell::new(moved).expect("a sibling of a hexagon's child is a valid cell; qed")
}

/// A coverage device with an ECDSA key, owned by its own funded account, at `location`.
fn coverage_device<T: Config>(index: u32, location: H3Cell) -> (DeviceId, DeviceKey) {
	let owner: T::AccountId = account("owner", index, 0);
	let key = pallet_devices::benchmark_keys::ecdsa();
	let id =
		T::Registry::register_benchmark_device_at(&owner, key, DeviceKind::Coverage, 0, location)
			.expect("a fresh key registers at a valid location; qed");
	(id, key)
}

/// The current epoch, at a block inside its response window.
fn in_window<T: Config>() -> (EpochInfo<BlockNumberFor<T>>, BlockNumberFor<T>) {
	let epoch = T::Epochs::current();
	let now = epoch.start.saturating_add(One::one());
	frame_system::Pallet::<T>::set_block_number(now);
	(epoch, now)
}

/// Make `device` a beaconer of the current epoch.
fn drawn<T: Config>(device: DeviceId) {
	let epoch = T::Epochs::current();
	Beaconers::<T>::insert(
		device,
		BeaconSlot {
			epoch: epoch.index,
			challenge: beacon_challenge(&epoch.seed, epoch.index, device),
			beacon: None,
			witnesses: BoundedVec::new(),
			points: 0,
		},
	);
	BeaconList::<T>::mutate(|list| list.try_push(device).expect("room for one; qed"));
	DrawnEpoch::<T>::put(epoch.index);
}

/// A bundle of the beacon of `beaconer` (key `key`) sent at `now`, with one receipt from
/// each witness.
fn bundle<T: Config>(
	beaconer: DeviceId,
	key: &DeviceKey,
	witnesses: &[(DeviceId, DeviceKey)],
	now: BlockNumberFor<T>,
) -> BeaconBundleOf<T> {
	let epoch = T::Epochs::current();
	let frequency = 868_100;
	let challenge = beacon_challenge(&epoch.seed, epoch.index, beaconer);
	let message = Coverage::<T>::beacon_message(beaconer, epoch.index, challenge, now, frequency);
	let beacon = BeaconReport {
		device: beaconer,
		epoch: epoch.index,
		sent_at: now,
		frequency,
		signature: sign(key, &message),
	};
	let id = Coverage::<T>::beacon_id(&beacon);
	let cell = neighbour::<T>(T::ExclusionResolution::get()).raw();
	let receipts = witnesses
		.iter()
		.map(|(witness, witness_key)| {
			let mut receipt = WitnessReceipt {
				witness: *witness,
				beacon: id,
				signal: T::SignalRange::get().0,
				snr: T::SnrRange::get().1,
				frequency,
				received_at: now,
				cell,
				signature: sign(witness_key, b""),
			};
			receipt.signature = sign(witness_key, &Coverage::<T>::receipt_message(&receipt));
			receipt
		})
		.collect::<Vec<_>>();
	BeaconBundle { beacon, receipts: BoundedVec::truncate_from(receipts) }
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A device joins a roster that already has members.
	#[benchmark]
	fn join() {
		let (first, _) = coverage_device::<T>(0, T::Registry::benchmark_location());
		Coverage::<T>::do_join(account("owner", 0, 0), first).expect("a coverage device; qed");
		let (id, _) = coverage_device::<T>(1, T::Registry::benchmark_location());
		let owner: T::AccountId = account("owner", 1, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);

		assert_eq!(RosterSlotOf::<T>::get(id), Some(1));
	}

	/// The first of two devices leaves: the last moves into its slot.
	#[benchmark]
	fn leave() {
		let (id, _) = coverage_device::<T>(0, T::Registry::benchmark_location());
		let (other, _) = coverage_device::<T>(1, T::Registry::benchmark_location());
		let owner: T::AccountId = account("owner", 0, 0);
		Coverage::<T>::do_join(owner.clone(), id).expect("a coverage device; qed");
		Coverage::<T>::do_join(account("owner", 1, 0), other).expect("a coverage device; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);

		assert_eq!(RosterSlotOf::<T>::get(other), Some(0));
	}

	/// Drawing `n` beaconers from a roster of `n` active devices (repeats make the draw use
	/// most of its `2n` attempts) after forgetting `n` beaconers of the previous epoch.
	#[benchmark]
	fn draw_beaconers(n: Linear<1, { T::MaxBeacons::get() }>) {
		let mut devices = Vec::new();
		for i in 0..n {
			let (id, _) = coverage_device::<T>(i, T::Registry::benchmark_location());
			Coverage::<T>::do_join(account("owner", i, 0), id).expect("a coverage device; qed");
			drawn::<T>(id);
			devices.push(id);
		}
		let epoch = EpochInfo {
			index: T::Epochs::current().index.saturating_add(1),
			start: frame_system::Pallet::<T>::block_number(),
			seed: H256::repeat_byte(0x5e),
		};

		#[block]
		{
			Coverage::<T>::draw_beaconers(&epoch, n);
		}

		assert!(!BeaconList::<T>::get().is_empty());
		assert!(Beaconers::<T>::iter().all(|(_, slot)| slot.epoch == epoch.index));
	}

	/// One new beacon (its signature checked) with `w` receipts that pass every rule: each
	/// witness read, its geometry, its signature, its points and event.
	#[benchmark]
	fn submit_beacon(w: Linear<0, { T::MaxWitnesses::get() }>) {
		let (beaconer, key) = coverage_device::<T>(0, T::Registry::benchmark_location());
		drawn::<T>(beaconer);
		let location = neighbour::<T>(T::ExclusionResolution::get());
		let witnesses = (1..=w).map(|i| coverage_device::<T>(i, location)).collect::<Vec<_>>();
		let (epoch, now) = in_window::<T>();
		let bundle = bundle::<T>(beaconer, &key, &witnesses, now);

		#[block]
		{
			Coverage::<T>::process_bundle(&epoch, now, &bundle).expect("an honest bundle; qed");
		}

		let slot = Beaconers::<T>::get(beaconer).expect("drawn; qed");
		assert_eq!(slot.witnesses.len() as u32, w);
	}

	/// A batch of `n` bundles all refused by the last cheap check (two reads each: the
	/// beaconer is suspended): the batch's base cost and the cost of a cheap rejection.
	#[benchmark]
	fn submit_beacons_rejected(n: Linear<1, { T::MaxBatch::get() }>) {
		let (beaconer, key) = coverage_device::<T>(0, T::Registry::benchmark_location());
		drawn::<T>(beaconer);
		T::Registry::suspend(beaconer).expect("active; qed");
		let (_, now) = in_window::<T>();
		let bad = bundle::<T>(beaconer, &key, &[], now);
		let bundles: BeaconBundlesOf<T> = BoundedVec::truncate_from(alloc::vec![bad; n as usize]);
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		submit_beacons(RawOrigin::Signed(caller), bundles);

		assert!(Beaconers::<T>::get(beaconer).is_some_and(|slot| slot.beacon.is_none()));
	}

	impl_benchmark_test_suite!(Coverage, crate::mock::new_bench_ext(), crate::mock::Test);
}
