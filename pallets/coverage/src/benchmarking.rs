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

/// The cell of the `i`-th witness (`i` < 48): the registry's benchmark location with its
/// resolution-7 and -8 digits changed, each witness in a resolution-8 cell of its own, none
/// the beaconer's, all a few grid steps from it.
fn witness_location<T: Config>(i: u32) -> H3Cell {
	let home = T::Registry::benchmark_location();
	let shift = |resolution: u8| {
		u32::from(pallet_devices::h3::MAX_RESOLUTION.saturating_sub(resolution)) * 3
	};
	let digit = |resolution: u8| (home.raw() >> shift(resolution)) & 0b111;
	// Pairs of digits (resolution 7, resolution 8) in 0..7, skipping the beaconer's own pair.
	let own = digit(7).saturating_mul(7).saturating_add(digit(8));
	let pair = u64::from(i).saturating_add(u64::from(u64::from(i) >= own));
	let moved = (home.raw() & !(0b111u64 << shift(7)) & !(0b111u64 << shift(8)))
		| ((pair / 7) << shift(7))
		| ((pair % 7) << shift(8));
	H3Cell::new(moved).expect("digits 0..7 of a hexagon's descendants are valid; qed")
}

/// Give `device` a full list of partners it met long ago, none of them a device of the
/// benchmark: meeting a new one evicts one, the dearest path.
fn crowded<T: Config>(device: DeviceId) {
	let mut standing = Standing::<T::MaxPartners> {
		vouched: true,
		vouched_until: EpochIndex::MAX,
		..Default::default()
	};
	for partner in 0..T::MaxPartners::get() {
		let met =
			Partner { device: DeviceId::MAX.saturating_sub(partner.into()), count: 1, epoch: 0 };
		standing.partners.try_push(met).expect("within MaxPartners; qed");
	}
	Standings::<T>::insert(device, standing);
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

/// Make `index` the current epoch (a seed of its own), starting at the current block.
fn epoch<T: Config>(index: EpochIndex) -> EpochInfo<BlockNumberFor<T>> {
	let epoch = EpochInfo {
		index,
		start: frame_system::Pallet::<T>::block_number(),
		seed: H256::repeat_byte(0x5e),
	};
	T::Epochs::set_benchmark_epoch(epoch);
	epoch
}

/// A coverage device on the roster that wins the current epoch's lottery, at `location`: the
/// first of the devices registered from `index` on (owner accounts `index`, `index + 1`, ...)
/// whose ticket wins. With it, the accounts used.
fn winner<T: Config>(index: u32, location: H3Cell) -> (DeviceId, DeviceKey, u32) {
	let epoch = T::Epochs::current();
	let mut index = index;
	loop {
		let (id, key) = coverage_device::<T>(index, location);
		Coverage::<T>::do_join(account("owner", index, 0), id).expect("a coverage device; qed");
		index = index.saturating_add(1);
		if Coverage::<T>::wins(id, epoch.index, &epoch.seed) {
			return (id, key, index);
		}
	}
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
	let receipts = witnesses
		.iter()
		.map(|(witness, witness_key)| {
			let cell =
				T::Registry::device(*witness).expect("a registered witness; qed").location.raw();
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

	/// The first of two devices leaves: the last moves into its slot, and the leaver (vouched
	/// for, with a full list of partners) is vouched for no more.
	#[benchmark]
	fn leave() {
		let (id, _) = coverage_device::<T>(0, T::Registry::benchmark_location());
		let (other, _) = coverage_device::<T>(1, T::Registry::benchmark_location());
		crowded::<T>(id);
		let owner: T::AccountId = account("owner", 0, 0);
		Coverage::<T>::do_join(owner.clone(), id).expect("a coverage device; qed");
		Coverage::<T>::do_join(account("owner", 1, 0), other).expect("a coverage device; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);

		assert_eq!(RosterSlotOf::<T>::get(other), Some(0));
		assert!(!Standings::<T>::get(id).vouched);
	}

	/// Judging `n` beacons of the epoch that just ended, each one its judges did not witness:
	/// judged unheard, its standing (a full list of partners) written, its slot removed.
	#[benchmark]
	fn judge_beacons(n: Linear<1, { T::JudgedPerBlock::get() }>) {
		let mut devices = Vec::new();
		let location = T::Registry::benchmark_location();
		let ended = epoch::<T>(1);
		for i in 0..n {
			let (id, _) = coverage_device::<T>(i, location);
			let mut slot = BeaconSlot::won(ended.index, H256::repeat_byte(2));
			// Judges stood in two other exclusion cells of its density cell when it was
			// recorded, and neither witnessed it: unheard.
			slot.judges = 2;
			slot.beacon = Some(Beacon {
				id: H256::repeat_byte(1),
				// After the device took its place: judged where it stands.
				sent_at: frame_system::Pallet::<T>::block_number().saturating_add(One::one()),
				frequency: 868_100,
				recorded_at: One::one(),
			});
			Beacons::<T>::insert(ended.index, id, slot);
			crowded::<T>(id);
			devices.push(id);
		}
		BeaconCount::<T>::insert(ended.index, n);
		JudgedFrom::<T>::put(ended.index);
		epoch::<T>(2);

		#[block]
		{
			Coverage::<T>::judge_ended();
		}

		assert_eq!(Beacons::<T>::iter_prefix(ended.index).count(), 0);
		assert!(devices.iter().all(|d| Standings::<T>::get(d).unheard == 1));
	}

	/// One new beacon (its signature checked) with `w` receipts that pass every rule: each
	/// witness read, its geometry and diversity (every earlier witness compared), its standing
	/// (a full list of partners: one evicted), its signature, its points and event.
	#[benchmark]
	fn submit_beacon(w: Linear<0, { T::MaxWitnesses::get() }>) {
		epoch::<T>(1);
		let (beaconer, key, next) = winner::<T>(0, T::Registry::benchmark_location());
		crowded::<T>(beaconer);
		let witnesses = (1..=w)
			.map(|i| {
				let witness = coverage_device::<T>(
					next.saturating_add(i),
					witness_location::<T>(i.saturating_sub(1)),
				);
				crowded::<T>(witness.0);
				witness
			})
			.collect::<Vec<_>>();
		let (epoch, now) = in_window::<T>();
		let bundle = bundle::<T>(beaconer, &key, &witnesses, now);

		#[block]
		{
			Coverage::<T>::process_bundle(&epoch, now, &bundle).expect("an honest bundle; qed");
		}

		let slot = Beacons::<T>::get(epoch.index, beaconer).expect("recorded; qed");
		assert_eq!(slot.witnesses.len() as u32, w);
	}

	/// A batch of `n` bundles all refused by the last cheap check (three reads each: the
	/// beaconer won, but is suspended): the batch's base cost and the cost of a cheap
	/// rejection.
	#[benchmark]
	fn submit_beacons_rejected(n: Linear<1, { T::MaxBatch::get() }>) {
		epoch::<T>(1);
		let (beaconer, key, _) = winner::<T>(0, T::Registry::benchmark_location());
		T::Registry::suspend(beaconer).expect("active; qed");
		let (_, now) = in_window::<T>();
		let bad = bundle::<T>(beaconer, &key, &[], now);
		let bundles: BeaconBundlesOf<T> = BoundedVec::truncate_from(alloc::vec![bad; n as usize]);
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		submit_beacons(RawOrigin::Signed(caller), bundles);

		assert!(Beacons::<T>::iter().next().is_none());
	}

	impl_benchmark_test_suite!(Coverage, crate::mock::new_bench_ext(), crate::mock::Test);
}
