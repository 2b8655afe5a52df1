//! Benchmarks of every call at its worst case, and of the [`DeviceRegistry`] operations other
//! pallets pay for. Keys and signatures come from the benchmark's keystore, so the signature
//! checks are real.

use super::*;
use crate::{h3::H3Cell, Pallet as Devices};
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	EnsureOrigin, Get,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{
	traits::{One, SaturatedConversion, Saturating},
	Perbill,
};

/// A resolution-15 cell in Berlin and one in Paris; benchmarks use their ancestors at the
/// finest allowed resolution (the most digits to validate), in different density cells.
const BERLIN_RES_15: u64 = 0x8f1f1d48945d998;
const PARIS_RES_15: u64 = 0x8f1fb46625550c3;

#[derive(Clone, Copy)]
enum Scheme {
	Sr25519,
	Ed25519,
	Ecdsa,
}

fn generate_key(scheme: Scheme) -> DeviceKey {
	match scheme {
		Scheme::Sr25519 => benchmark_keys::sr25519(),
		Scheme::Ed25519 => benchmark_keys::ed25519(),
		Scheme::Ecdsa => benchmark_keys::ecdsa(),
	}
}

use crate::benchmark_keys::{self, sign};

fn location<T: Config>(res_15: u64) -> u64 {
	H3Cell::new(res_15)
		.ok()
		.and_then(|cell| cell.parent(T::MaxResolution::get()))
		.expect("a real resolution-15 cell has a parent at every resolution; qed")
		.raw()
}

/// The largest metadata: the most deposit bytes.
fn max_metadata() -> DeviceMetadata {
	let field = |byte| {
		MetadataField::try_from(alloc::vec![byte; MAX_METADATA_FIELD as usize])
			.expect("exactly the bound; qed")
	};
	DeviceMetadata { model: field(b'm'), firmware: field(b'f'), serial_hash: [7u8; 32].into() }
}

/// An account with funds for many devices.
fn funded<T: Config>(who: &T::AccountId) {
	let deposit = Devices::<T>::deposit_for(&max_metadata());
	let amount = deposit
		.saturating_mul(T::MaxBatch::get().saturating_add(10).into())
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(who, amount);
}

/// Fund `owner` and register `key` without a proof: [`DeviceRegistry::register_benchmark_device`].
pub(crate) fn register_device<T: Config>(
	owner: &T::AccountId,
	key: DeviceKey,
	kind: DeviceKind,
	capacity: u64,
) -> Result<DeviceId, sp_runtime::DispatchError> {
	register_device_at::<T>(owner, key, kind, capacity, location::<T>(BERLIN_RES_15))
}

/// [`register_device`] at `location`.
pub(crate) fn register_device_at<T: Config>(
	owner: &T::AccountId,
	key: DeviceKey,
	kind: DeviceKind,
	capacity: u64,
	location: u64,
) -> Result<DeviceId, sp_runtime::DispatchError> {
	funded::<T>(owner);
	Devices::<T>::insert_device(
		owner.clone(),
		key,
		kind,
		location,
		capacity,
		DeviceMetadata::default(),
		None,
	)
}

/// Where [`register_device`] puts devices.
pub(crate) fn benchmark_location<T: Config>() -> H3Cell {
	H3Cell::new(location::<T>(BERLIN_RES_15)).expect("a valid cell's ancestor is valid; qed")
}

fn funded_account<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who = account(name, index, 0);
	funded::<T>(&who);
	who
}

fn funded_caller<T: Config>() -> T::AccountId {
	let who = whitelisted_caller();
	funded::<T>(&who);
	who
}

fn registration<T: Config>(owner: &T::AccountId, scheme: Scheme) -> Registration<T::AccountId> {
	let key = generate_key(scheme);
	let at = signed_at::<T>();
	let proof = sign(&key, &Devices::<T>::possession_message(REGISTER_CONTEXT, owner, &key, at));
	Registration {
		key,
		proof,
		signed_at: at,
		kind: DeviceKind::Storage,
		location: location::<T>(BERLIN_RES_15),
		capacity: u64::MAX,
		metadata: max_metadata(),
		manager: Some(owner.clone()),
	}
}

/// A registered device of `owner` with the largest metadata.
fn device_of<T: Config>(owner: &T::AccountId) -> DeviceId {
	Devices::<T>::do_register(owner.clone(), registration::<T>(owner, Scheme::Sr25519))
		.expect("a funded owner registers a valid device; qed")
}

/// The current block, as a proof of possession signed now names it.
fn signed_at<T: Config>() -> u32 {
	frame_system::Pallet::<T>::block_number().saturated_into()
}

fn rotation<T: Config>(owner: &T::AccountId, scheme: Scheme) -> (DeviceKey, DeviceSignature) {
	let key = generate_key(scheme);
	let at = signed_at::<T>();
	let proof = sign(&key, &Devices::<T>::possession_message(ROTATE_CONTEXT, owner, &key, at));
	(key, proof)
}

fn advance<T: Config>(blocks: BlockNumberFor<T>) {
	let now = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(
		now.saturating_add(blocks).saturating_add(One::one()),
	);
}

/// A ledger that misses every epoch: what a proof kind's record of a silent device does.
struct BenchLedger {
	epoch: depin_proving::depin_primitives::EpochIndex,
	consecutive: u32,
}

impl depin_proving::faults::Ledger for BenchLedger {
	fn epoch(&self) -> depin_proving::depin_primitives::EpochIndex {
		self.epoch
	}

	fn count_missed(&mut self, current: depin_proving::depin_primitives::EpochIndex) -> u32 {
		let missed = current.saturating_sub(self.epoch);
		self.consecutive = self.consecutive.saturating_add(missed);
		missed
	}

	fn enter(&mut self, current: depin_proving::depin_primitives::EpochIndex, _active: bool) {
		self.epoch = current;
	}

	fn close(&mut self) -> u32 {
		0
	}

	fn consecutive_faults(&self) -> u32 {
		self.consecutive
	}

	fn reset_faults(&mut self) {
		self.consecutive = 0;
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_sr25519() {
		let caller = funded_caller::<T>();
		let reg = registration::<T>(&caller, Scheme::Sr25519);
		let key = reg.key;

		#[extrinsic_call]
		register(RawOrigin::Signed(caller), reg);

		assert!(DeviceByKey::<T>::contains_key(key));
	}

	#[benchmark]
	fn register_ed25519() {
		let caller = funded_caller::<T>();
		let reg = registration::<T>(&caller, Scheme::Ed25519);
		let key = reg.key;

		#[extrinsic_call]
		register(RawOrigin::Signed(caller), reg);

		assert!(DeviceByKey::<T>::contains_key(key));
	}

	#[benchmark]
	fn register_ecdsa() {
		let caller = funded_caller::<T>();
		let reg = registration::<T>(&caller, Scheme::Ecdsa);
		let key = reg.key;

		#[extrinsic_call]
		register(RawOrigin::Signed(caller), reg);

		assert!(DeviceByKey::<T>::contains_key(key));
	}

	/// Every item succeeds (the most writes), each with the slowest signature scheme.
	#[benchmark]
	fn register_batch(n: Linear<1, { T::MaxBatch::get() }>) {
		let caller = funded_caller::<T>();
		let items: alloc::vec::Vec<_> =
			(0..n).map(|_| registration::<T>(&caller, Scheme::Ecdsa)).collect();
		let batch = RegistrationsOf::<T>::try_from(items).expect("n is at most MaxBatch; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), batch);

		assert_eq!(OwnerDeviceCount::<T>::get(&caller), n);
	}

	/// Every item refused by the last check before its proof of possession (the caller has
	/// nothing to hold as deposit): the batch's base cost and the cost of a cheap refusal.
	#[benchmark]
	fn register_batch_rejected(n: Linear<1, { T::MaxBatch::get() }>) {
		let caller: T::AccountId = whitelisted_caller();
		let items: alloc::vec::Vec<_> =
			(0..n).map(|_| registration::<T>(&caller, Scheme::Ecdsa)).collect();
		let batch = RegistrationsOf::<T>::try_from(items).expect("n is at most MaxBatch; qed");

		#[extrinsic_call]
		register_batch(RawOrigin::Signed(caller.clone()), batch);

		assert_eq!(OwnerDeviceCount::<T>::get(&caller), 0);
	}

	/// From no metadata to the largest: a deposit top-up.
	#[benchmark]
	fn update_metadata() {
		let caller = funded_caller::<T>();
		let mut reg = registration::<T>(&caller, Scheme::Sr25519);
		reg.metadata = DeviceMetadata::default();
		let id = Devices::<T>::do_register(caller.clone(), reg).expect("valid; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, max_metadata());

		assert_eq!(Devices::<T>::device(id).map(|d| d.metadata), Some(max_metadata()));
	}

	/// A move to another density cell: two cell counters change.
	#[benchmark]
	fn update_location() {
		let caller = funded_caller::<T>();
		let id = device_of::<T>(&caller);
		advance::<T>(T::LocationChangeInterval::get());
		let to = location::<T>(PARIS_RES_15);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, to);

		assert_eq!(Devices::<T>::device(id).map(|d| d.location.raw()), Some(to));
	}

	#[benchmark]
	fn rotate_key_sr25519() {
		let caller = funded_caller::<T>();
		let id = device_of::<T>(&caller);
		let (key, proof) = rotation::<T>(&caller, Scheme::Sr25519);

		#[extrinsic_call]
		rotate_key(RawOrigin::Signed(caller), id, key, proof, signed_at::<T>());

		assert_eq!(DeviceByKey::<T>::get(key), Some(id));
	}

	#[benchmark]
	fn rotate_key_ed25519() {
		let caller = funded_caller::<T>();
		let id = device_of::<T>(&caller);
		let (key, proof) = rotation::<T>(&caller, Scheme::Ed25519);

		#[extrinsic_call]
		rotate_key(RawOrigin::Signed(caller), id, key, proof, signed_at::<T>());

		assert_eq!(DeviceByKey::<T>::get(key), Some(id));
	}

	#[benchmark]
	fn rotate_key_ecdsa() {
		let caller = funded_caller::<T>();
		let id = device_of::<T>(&caller);
		let (key, proof) = rotation::<T>(&caller, Scheme::Ecdsa);

		#[extrinsic_call]
		rotate_key(RawOrigin::Signed(caller), id, key, proof, signed_at::<T>());

		assert_eq!(DeviceByKey::<T>::get(key), Some(id));
	}

	#[benchmark]
	fn transfer_ownership() {
		let caller = funded_caller::<T>();
		let id = device_of::<T>(&caller);
		let to: T::AccountId = account("new-owner", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, Some(to.clone()));

		assert_eq!(PendingOwner::<T>::get(id), Some(to));
	}

	#[benchmark]
	fn accept_ownership() {
		let owner = funded_account::<T>("owner", 0);
		let id = device_of::<T>(&owner);
		let caller = funded_caller::<T>();
		Devices::<T>::do_transfer_ownership(owner, id, Some(caller.clone()))
			.expect("the owner offers its device; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), id);

		assert_eq!(Devices::<T>::device(id).map(|d| d.owner), Some(caller));
	}

	#[benchmark]
	fn set_manager() {
		let caller = funded_caller::<T>();
		let id = device_of::<T>(&caller);
		let manager: T::AccountId = account("manager", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, Some(manager.clone()));

		assert_eq!(Devices::<T>::device(id).and_then(|d| d.manager), Some(manager));
	}

	/// With a pending ownership offer to cancel.
	#[benchmark]
	fn deregister() {
		let caller = funded_caller::<T>();
		let id = device_of::<T>(&caller);
		Devices::<T>::do_transfer_ownership(caller.clone(), id, Some(account("new-owner", 0, 0)))
			.expect("the owner offers its device; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id);

		assert!(matches!(
			Devices::<T>::device(id).map(|d| d.status),
			Some(DeviceStatus::Retired { .. })
		));
	}

	#[benchmark]
	fn claim_deposit() {
		let owner = funded_account::<T>("owner", 0);
		let id = device_of::<T>(&owner);
		Devices::<T>::do_deregister(owner, id).expect("the owner retires its device; qed");
		advance::<T>(Devices::<T>::unbonding_period());
		let caller = funded_caller::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id);

		assert!(Devices::<T>::device(id).is_none());
	}

	#[benchmark]
	fn suspend() -> Result<(), BenchmarkError> {
		let id = device_of::<T>(&funded_account::<T>("owner", 0));
		let origin =
			T::SuspendOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id);

		assert_eq!(Devices::<T>::device(id).map(|d| d.status), Some(DeviceStatus::Suspended));
		Ok(())
	}

	#[benchmark]
	fn resume() -> Result<(), BenchmarkError> {
		let id = device_of::<T>(&funded_account::<T>("owner", 0));
		Devices::<T>::do_suspend(id).expect("an active device can be suspended; qed");
		let origin =
			T::SuspendOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id);

		assert!(Devices::<T>::is_active(id));
		Ok(())
	}

	#[benchmark]
	fn record_fault() {
		let id = device_of::<T>(&funded_account::<T>("owner", 0));

		#[block]
		{
			Devices::<T>::do_record_faults(id, 3).expect("the device exists; qed");
		}

		assert_eq!(Devices::<T>::device(id).map(|d| d.faults), Some(3));
	}

	/// A fault settlement through the proving kit at its worst: the device misses the epochs
	/// that reach the threshold, so its faults are recorded, it is suspended and its deposit
	/// slashed. Every proof kind's ledger is charged this (`DeviceRegistry::settle_weight`).
	#[benchmark]
	fn settle_faults() {
		let id = device_of::<T>(&funded_account::<T>("owner", 0));
		let mut ledger = BenchLedger { epoch: 0, consecutive: 0 };
		let rules =
			depin_proving::faults::FaultRules { threshold: 3, slash: Perbill::from_percent(10) };

		#[block]
		{
			depin_proving::faults::settle::<_, Devices<T>, _>(
				id,
				&mut ledger,
				3,
				true,
				rules,
				|_| {},
			);
		}

		assert_eq!(Devices::<T>::device(id).map(|d| d.status), Some(DeviceStatus::Suspended));
	}

	#[benchmark]
	fn slash() {
		let owner = funded_account::<T>("owner", 0);
		let id = device_of::<T>(&owner);

		#[block]
		{
			Devices::<T>::do_slash(id, Perbill::from_percent(50)).expect("the device exists; qed");
		}

		assert!(Devices::<T>::device(id)
			.is_some_and(|d| d.deposit < Devices::<T>::deposit_for(&max_metadata())));
	}

	impl_benchmark_test_suite!(Devices, crate::mock::new_bench_ext(), crate::mock::Test);
}
