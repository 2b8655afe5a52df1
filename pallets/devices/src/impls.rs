//! The logic behind the calls, and the [`DeviceRegistry`] implementation.
//!
//! Each `do_*` function checks everything cheap first (existence, permissions, status,
//! bounds, funds), then signatures, and writes last.

use crate::{
	h3::H3Cell, pallet::*, types::*, BalanceOf, DeviceOf, DeviceRegistry, RegistrationsOf,
	WeightInfo,
};
use alloc::vec::Vec;
use depin_primitives::Domain;
use depin_proving::{batch, DeviceChange, OnDeviceChange, UnclaimedRewards};
use frame_support::{
	dispatch::{DispatchResultWithPostInfo, PostDispatchInfo},
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{BalancedHold, InspectHold, MutateHold},
		tokens::Precision,
		Imbalance, OnUnbalanced,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{
	traits::{One, SaturatedConversion, Saturating, Zero},
	DispatchError, DispatchResult, Perbill,
};

impl<T: Config> Pallet<T> {
	/// The hash of block 0, which every signed statement's envelope binds.
	pub fn genesis_hash() -> H256 {
		crate::genesis_hash::<T>()
	}

	/// The bytes a device key signs to prove possession: the enveloped [`Possession`].
	/// `context` is [`REGISTER_CONTEXT`] or [`ROTATE_CONTEXT`].
	pub fn possession_message(
		context: Domain,
		owner: &T::AccountId,
		key: &DeviceKey,
		signed_at: u32,
	) -> Vec<u8> {
		depin_primitives::envelope::message(
			context,
			Self::genesis_hash(),
			&Possession { owner: owner.clone(), key: *key, signed_at },
		)
	}

	/// The deposit for a device with `metadata`: `DepositBase + DepositPerByte * bytes`.
	pub fn deposit_for(metadata: &DeviceMetadata) -> BalanceOf<T> {
		T::DepositPerByte::get()
			.saturating_mul(metadata.deposit_bytes().into())
			.saturating_add(T::DepositBase::get())
	}

	/// The cell a location is counted in for density rules.
	pub fn density_cell_of(location: H3Cell) -> H3Cell {
		// Locations are at least `MinResolution`, which `integrity_test` keeps at or above
		// `DensityResolution`, so a parent exists; a location coarser than that (possible only
		// if governance raised the density resolution without a migration) counts as itself.
		location.parent(T::DensityResolution::get()).unwrap_or(location)
	}

	pub(crate) fn register_weight(key: &DeviceKey) -> Weight {
		match key {
			DeviceKey::Sr25519(_) => T::WeightInfo::register_sr25519(),
			DeviceKey::Ed25519(_) => T::WeightInfo::register_ed25519(),
			DeviceKey::Ecdsa(_) => T::WeightInfo::register_ecdsa(),
		}
	}

	pub(crate) fn rotate_weight(key: &DeviceKey) -> Weight {
		match key {
			DeviceKey::Sr25519(_) => T::WeightInfo::rotate_key_sr25519(),
			DeviceKey::Ed25519(_) => T::WeightInfo::rotate_key_ed25519(),
			DeviceKey::Ecdsa(_) => T::WeightInfo::rotate_key_ecdsa(),
		}
	}

	fn validate_location(raw: u64) -> Result<H3Cell, DispatchError> {
		let cell = H3Cell::new(raw).map_err(|_| Error::<T>::InvalidLocation)?;
		let resolution = cell.resolution();
		ensure!(
			resolution >= T::MinResolution::get() && resolution <= T::MaxResolution::get(),
			Error::<T>::LocationResolutionOutOfRange
		);
		Ok(cell)
	}

	fn validate_capacity(kind: DeviceKind, capacity: u64) -> DispatchResult {
		let valid = match kind {
			DeviceKind::Storage | DeviceKind::Compute => capacity > 0,
			// Nothing to declare: a hotspot's coverage and a sensor's readings are proven,
			// not sized.
			DeviceKind::Coverage | DeviceKind::Sensor => capacity == 0,
		};
		ensure!(valid, Error::<T>::InvalidCapacity);
		Ok(())
	}

	fn ensure_can_own_another(owner: &T::AccountId) -> DispatchResult {
		ensure!(
			OwnerDeviceCount::<T>::get(owner) < T::MaxDevicesPerOwner::get(),
			Error::<T>::TooManyDevices
		);
		Ok(())
	}

	fn ensure_can_hold(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::ensure_can_hold(&HoldReason::DeviceDeposit.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientDeposit.into())
	}

	fn check_possession(
		context: [u8; 16],
		owner: &T::AccountId,
		key: &DeviceKey,
		signed_at: u32,
		proof: &DeviceSignature,
	) -> DispatchResult {
		let now: u32 = frame_system::Pallet::<T>::block_number().saturated_into();
		let max_age: u32 = T::MaxProofAge::get().saturated_into();
		ensure!(
			signed_at <= now && now.saturating_sub(signed_at) <= max_age,
			Error::<T>::StalePossessionProof
		);
		let message = Self::possession_message(context, owner, key, signed_at);
		ensure!(key.verify(&message, proof), Error::<T>::BadPossessionProof);
		Ok(())
	}

	/// A device that exists and is not retired.
	fn live_device(id: DeviceId) -> Result<DeviceOf<T>, DispatchError> {
		let device = Devices::<T>::get(id).ok_or(Error::<T>::UnknownDevice)?;
		ensure!(!matches!(device.status, DeviceStatus::Retired { .. }), Error::<T>::DeviceRetired);
		Ok(device)
	}

	/// A live device of `who`.
	fn owned_device(who: &T::AccountId, id: DeviceId) -> Result<DeviceOf<T>, DispatchError> {
		let device = Self::live_device(id)?;
		ensure!(&device.owner == who, Error::<T>::NotOwner);
		Ok(device)
	}

	/// A live device that `who` owns or manages.
	fn operated_device(who: &T::AccountId, id: DeviceId) -> Result<DeviceOf<T>, DispatchError> {
		let device = Self::live_device(id)?;
		ensure!(
			&device.owner == who || device.manager.as_ref() == Some(who),
			Error::<T>::NotOwnerOrManager
		);
		Ok(device)
	}

	/// Count a non-retired device in its density cell and index it there.
	fn enter_cell(id: DeviceId, location: H3Cell, kind: DeviceKind) {
		let cell = Self::density_cell_of(location);
		CellDeviceCount::<T>::mutate(cell, kind, |count| *count = count.saturating_add(1));
		CellDevices::<T>::insert(cell, id, ());
	}

	/// Undo [`Self::enter_cell`].
	fn leave_cell(id: DeviceId, location: H3Cell, kind: DeviceKind) {
		let cell = Self::density_cell_of(location);
		CellDeviceCount::<T>::mutate_exists(cell, kind, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
		CellDevices::<T>::remove(cell, id);
	}

	/// Check a new device's data, without possession proof; returns its cell and deposit.
	fn check_new_device(
		owner: &T::AccountId,
		key: &DeviceKey,
		kind: DeviceKind,
		location: u64,
		capacity: u64,
		metadata: &DeviceMetadata,
	) -> Result<(H3Cell, BalanceOf<T>), DispatchError> {
		let cell = Self::validate_location(location)?;
		Self::validate_capacity(kind, capacity)?;
		ensure!(NextDeviceId::<T>::get() < DeviceId::MAX, Error::<T>::DeviceIdOverflow);
		ensure!(!DeviceByKey::<T>::contains_key(key), Error::<T>::KeyAlreadyRegistered);
		Self::ensure_can_own_another(owner)?;
		let deposit = Self::deposit_for(metadata);
		Self::ensure_can_hold(owner, deposit)?;
		Ok((cell, deposit))
	}

	/// Store a checked device: hold the deposit, write the record and the indexes.
	#[allow(clippy::too_many_arguments)]
	fn store_new_device(
		owner: T::AccountId,
		key: DeviceKey,
		kind: DeviceKind,
		location: H3Cell,
		capacity: u64,
		metadata: DeviceMetadata,
		manager: Option<T::AccountId>,
		deposit: BalanceOf<T>,
	) -> Result<DeviceId, DispatchError> {
		let id = NextDeviceId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::DeviceIdOverflow)?;
		T::Currency::hold(&HoldReason::DeviceDeposit.into(), &owner, deposit)
			.map_err(|_| Error::<T>::InsufficientDeposit)?;
		let now = frame_system::Pallet::<T>::block_number();
		NextDeviceId::<T>::put(next);
		DeviceByKey::<T>::insert(key, id);
		OwnerDevices::<T>::insert(&owner, id, ());
		Self::increment_owner_count(&owner);
		Self::enter_cell(id, location, kind);
		Devices::<T>::insert(
			id,
			Device {
				key,
				owner: owner.clone(),
				manager,
				kind,
				location,
				capacity,
				metadata,
				status: DeviceStatus::Active,
				registered_at: now,
				location_changed_at: now,
				deposit,
				faults: 0,
			},
		);
		Self::deposit_event(Event::DeviceRegistered {
			device: id,
			owner,
			key,
			kind,
			location,
			deposit,
		});
		Ok(id)
	}

	/// Register a genesis device: the same checks as `register`, without a proof.
	pub(crate) fn insert_device(
		owner: T::AccountId,
		key: DeviceKey,
		kind: DeviceKind,
		location: u64,
		capacity: u64,
		metadata: DeviceMetadata,
		manager: Option<T::AccountId>,
	) -> Result<DeviceId, DispatchError> {
		let (cell, deposit) =
			Self::check_new_device(&owner, &key, kind, location, capacity, &metadata)?;
		Self::store_new_device(owner, key, kind, cell, capacity, metadata, manager, deposit)
	}

	pub(crate) fn do_register(
		owner: T::AccountId,
		registration: Registration<T::AccountId>,
	) -> Result<DeviceId, DispatchError> {
		let (cell, deposit) = Self::check_registration(&owner, &registration)?;
		Self::complete_registration(owner, registration, cell, deposit)
	}

	/// The cheap checks of a registration (everything but the proof of possession): the
	/// device's cell and deposit.
	fn check_registration(
		owner: &T::AccountId,
		r: &Registration<T::AccountId>,
	) -> Result<(H3Cell, BalanceOf<T>), DispatchError> {
		Self::check_new_device(owner, &r.key, r.kind, r.location, r.capacity, &r.metadata)
	}

	/// A registration that passed [`Self::check_registration`]: the proof of possession, then
	/// the writes.
	fn complete_registration(
		owner: T::AccountId,
		registration: Registration<T::AccountId>,
		cell: H3Cell,
		deposit: BalanceOf<T>,
	) -> Result<DeviceId, DispatchError> {
		let Registration { key, proof, signed_at, kind, capacity, metadata, manager, .. } =
			registration;
		Self::check_possession(REGISTER_CONTEXT, &owner, &key, signed_at, &proof)?;
		Self::store_new_device(owner, key, kind, cell, capacity, metadata, manager, deposit)
	}

	/// One registration refused before its proof of possession: the benchmark's marginal cost
	/// of one more refused by the last cheap check (the deposit cannot be held).
	pub(crate) fn register_cheap_weight() -> Weight {
		T::WeightInfo::register_batch_rejected(1)
			.saturating_sub(T::WeightInfo::register_batch_rejected(0))
	}

	/// The weight charged for a batch of registrations before dispatch: the batch's base and
	/// each item as a registration with its key's scheme. What the items refused before their
	/// proof did not use is refunded.
	pub(crate) fn registrations_weight(registrations: &[Registration<T::AccountId>]) -> Weight {
		registrations.iter().fold(T::WeightInfo::register_batch(0), |acc, r| {
			acc.saturating_add(Self::register_weight(&r.key))
		})
	}

	pub(crate) fn do_register_batch(
		owner: T::AccountId,
		registrations: RegistrationsOf<T>,
	) -> DispatchResultWithPostInfo {
		ensure!(!registrations.is_empty(), Error::<T>::EmptyBatch);
		let cheap = Self::register_cheap_weight();
		// Each item in its own storage layer (the kit's batch): a failed item leaves nothing.
		let verdicts = batch::process(
			&registrations,
			T::WeightInfo::register_batch(0),
			batch::nothing_to_settle,
			|registration| {
				let full = Self::register_weight(&registration.key);
				let (cell, deposit) =
					Self::check_registration(&owner, registration).map_err(|e| (e, cheap))?;
				Self::complete_registration(owner.clone(), registration.clone(), cell, deposit)
					.map(|_| full)
					.map_err(|error| (error, full))
			},
			|index, _, error| Self::deposit_event(Event::ItemRejected { index, error }),
		);
		let (accepted, rejected) = (verdicts.accepted, verdicts.rejected);
		Self::deposit_event(Event::BatchProcessed { accepted, rejected });
		Ok(PostDispatchInfo { actual_weight: Some(verdicts.weight), pays_fee: Default::default() })
	}

	pub(crate) fn do_update_metadata(
		who: T::AccountId,
		id: DeviceId,
		metadata: DeviceMetadata,
	) -> DispatchResult {
		let mut device = Self::operated_device(&who, id)?;
		let deposit = Self::deposit_for(&metadata);
		let reason = HoldReason::DeviceDeposit.into();
		if deposit > device.deposit {
			let extra = deposit.saturating_sub(device.deposit);
			Self::ensure_can_hold(&device.owner, extra)?;
			T::Currency::hold(&reason, &device.owner, extra)
				.map_err(|_| Error::<T>::InsufficientDeposit)?;
		} else {
			let excess = device.deposit.saturating_sub(deposit);
			T::Currency::release(&reason, &device.owner, excess, Precision::Exact)?;
		}
		device.metadata = metadata;
		device.deposit = deposit;
		Devices::<T>::insert(id, device);
		Self::deposit_event(Event::MetadataUpdated { device: id, deposit });
		Ok(())
	}

	pub(crate) fn do_update_location(
		who: T::AccountId,
		id: DeviceId,
		location: u64,
	) -> DispatchResult {
		let device = Self::operated_device(&who, id)?;
		let to = Self::validate_location(location)?;
		ensure!(to != device.location, Error::<T>::SameLocation);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now >= device.location_changed_at.saturating_add(T::LocationChangeInterval::get()),
			Error::<T>::LocationChangeTooSoon
		);
		// A kind may hold the device where it is (a meter in an energy trade).
		T::OnDeviceChange::can_change(id, DeviceChange::Move)?;
		// What it owes where it was is settled first (this may suspend and slash it).
		T::OnDeviceChange::before_change(id, DeviceChange::Move);
		let mut device = Devices::<T>::get(id).ok_or(Error::<T>::UnknownDevice)?;
		let from = device.location;
		Self::leave_cell(id, from, device.kind);
		Self::enter_cell(id, to, device.kind);
		device.location = to;
		device.location_changed_at = now;
		Devices::<T>::insert(id, device);
		Self::deposit_event(Event::LocationChanged { device: id, from, to });
		Ok(())
	}

	pub(crate) fn do_rotate_key(
		who: T::AccountId,
		id: DeviceId,
		new_key: DeviceKey,
		proof: DeviceSignature,
		signed_at: u32,
	) -> DispatchResult {
		let mut device = Self::owned_device(&who, id)?;
		ensure!(device.key != new_key, Error::<T>::SameKey);
		ensure!(!DeviceByKey::<T>::contains_key(new_key), Error::<T>::KeyAlreadyRegistered);
		Self::check_possession(ROTATE_CONTEXT, &who, &new_key, signed_at, &proof)?;
		let old_key = device.key;
		DeviceByKey::<T>::remove(old_key);
		DeviceByKey::<T>::insert(new_key, id);
		PreviousKeys::<T>::insert(id, (old_key, frame_system::Pallet::<T>::block_number()));
		device.key = new_key;
		Devices::<T>::insert(id, device);
		Self::deposit_event(Event::KeyRotated { device: id, old_key, new_key });
		Ok(())
	}

	pub(crate) fn do_transfer_ownership(
		who: T::AccountId,
		id: DeviceId,
		to: Option<T::AccountId>,
	) -> DispatchResult {
		Self::owned_device(&who, id)?;
		match to {
			Some(to) => {
				ensure!(to != who, Error::<T>::TransferToSelf);
				PendingOwner::<T>::insert(id, to.clone());
				Self::deposit_event(Event::OwnershipOffered { device: id, to });
			},
			None => {
				ensure!(PendingOwner::<T>::contains_key(id), Error::<T>::NoOwnershipOffer);
				PendingOwner::<T>::remove(id);
				Self::deposit_event(Event::OwnershipOfferWithdrawn { device: id });
			},
		}
		Ok(())
	}

	pub(crate) fn do_accept_ownership(who: T::AccountId, id: DeviceId) -> DispatchResult {
		let device = Self::live_device(id)?;
		ensure!(PendingOwner::<T>::get(id).as_ref() == Some(&who), Error::<T>::NotOfferedToYou);
		Self::ensure_can_own_another(&who)?;
		let deposit = Self::deposit_for(&device.metadata);
		Self::ensure_can_hold(&who, deposit)?;
		// What it owes is settled with its previous owner, out of the deposit about to be
		// released (this may suspend and slash it), unless a proof kind refuses the sale until
		// the device has answered what is open.
		T::OnDeviceChange::can_change(id, DeviceChange::Transfer)?;
		T::OnDeviceChange::before_change(id, DeviceChange::Transfer);
		let mut device = Self::live_device(id)?;

		let reason = HoldReason::DeviceDeposit.into();
		let from = device.owner.clone();
		T::Currency::hold(&reason, &who, deposit).map_err(|_| Error::<T>::InsufficientDeposit)?;
		T::Currency::release(&reason, &from, device.deposit, Precision::Exact)?;
		PendingOwner::<T>::remove(id);
		OwnerDevices::<T>::remove(&from, id);
		Self::decrement_owner_count(&from);
		OwnerDevices::<T>::insert(&who, id, ());
		Self::increment_owner_count(&who);
		// The manager worked for the previous owner.
		device.manager = None;
		device.owner = who.clone();
		device.deposit = deposit;
		Devices::<T>::insert(id, device);
		Self::deposit_event(Event::OwnershipTransferred { device: id, from, to: who });
		Ok(())
	}

	fn increment_owner_count(owner: &T::AccountId) {
		OwnerDeviceCount::<T>::mutate(owner, |count| *count = count.saturating_add(1));
	}

	fn decrement_owner_count(owner: &T::AccountId) {
		OwnerDeviceCount::<T>::mutate_exists(owner, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
	}

	pub(crate) fn do_set_manager(
		who: T::AccountId,
		id: DeviceId,
		manager: Option<T::AccountId>,
	) -> DispatchResult {
		let mut device = Self::owned_device(&who, id)?;
		device.manager = manager.clone();
		Devices::<T>::insert(id, device);
		Self::deposit_event(Event::ManagerSet { device: id, manager });
		Ok(())
	}

	/// How long a retired device stays registered: `UnbondingPeriod`, and never less than
	/// `MaxProofAge + 1`, so no proof of possession of its key is still fresh when the key is
	/// free (root may set the parameter directly, past its guard).
	pub fn unbonding_period() -> BlockNumberFor<T> {
		T::UnbondingPeriod::get().max(T::MaxProofAge::get().saturating_add(One::one()))
	}

	pub(crate) fn do_deregister(who: T::AccountId, id: DeviceId) -> DispatchResult {
		Self::owned_device(&who, id)?;
		// What it owes is settled before it retires, including a challenge of the epoch in
		// progress it has not answered (this may suspend and slash it).
		T::OnDeviceChange::before_change(id, DeviceChange::Retire);
		let mut device = Self::owned_device(&who, id)?;
		let unbonds_at =
			frame_system::Pallet::<T>::block_number().saturating_add(Self::unbonding_period());
		Self::leave_cell(id, device.location, device.kind);
		PendingOwner::<T>::remove(id);
		device.status = DeviceStatus::Retired { unbonds_at };
		Devices::<T>::insert(id, device);
		Self::deposit_event(Event::DeviceDeregistered { device: id, unbonds_at });
		Ok(())
	}

	pub(crate) fn do_claim_deposit(id: DeviceId) -> DispatchResult {
		let device = Devices::<T>::get(id).ok_or(Error::<T>::UnknownDevice)?;
		let DeviceStatus::Retired { unbonds_at } = device.status else {
			return Err(Error::<T>::NotRetired.into());
		};
		ensure!(
			frame_system::Pallet::<T>::block_number() >= unbonds_at,
			Error::<T>::StillUnbonding
		);
		ensure!(!T::Rewards::has_unclaimed(id), Error::<T>::UnclaimedRewards);
		// The proof kinds delete what they keep of it, and may slash it first (an audit it left
		// unanswered): what is released is the deposit as it stands after them. A kind may
		// refuse while an audit of it is still open.
		T::OnDeviceChange::can_change(id, DeviceChange::Remove)?;
		T::OnDeviceChange::before_change(id, DeviceChange::Remove);
		let device = Devices::<T>::get(id).ok_or(Error::<T>::UnknownDevice)?;
		let amount = T::Currency::release(
			&HoldReason::DeviceDeposit.into(),
			&device.owner,
			device.deposit,
			Precision::Exact,
		)?;
		Devices::<T>::remove(id);
		DeviceByKey::<T>::remove(device.key);
		PreviousKeys::<T>::remove(id);
		OwnerDevices::<T>::remove(&device.owner, id);
		Self::decrement_owner_count(&device.owner);
		Self::deposit_event(Event::DepositClaimed { device: id, owner: device.owner, amount });
		Ok(())
	}

	pub(crate) fn do_suspend(id: DeviceId) -> DispatchResult {
		let mut device = Self::live_device(id)?;
		ensure!(device.status == DeviceStatus::Active, Error::<T>::AlreadySuspended);
		device.status = DeviceStatus::Suspended;
		Devices::<T>::insert(id, device);
		Self::deposit_event(Event::DeviceSuspended { device: id });
		Ok(())
	}

	pub(crate) fn do_resume(id: DeviceId) -> DispatchResult {
		let mut device = Self::live_device(id)?;
		ensure!(device.status == DeviceStatus::Suspended, Error::<T>::NotSuspended);
		device.status = DeviceStatus::Active;
		Devices::<T>::insert(id, device);
		Self::deposit_event(Event::DeviceResumed { device: id });
		Ok(())
	}

	pub(crate) fn do_record_faults(id: DeviceId, faults: u32) -> Result<u32, DispatchError> {
		Devices::<T>::try_mutate(id, |device| {
			let device = device.as_mut().ok_or(Error::<T>::UnknownDevice)?;
			device.faults = device.faults.saturating_add(faults);
			Self::deposit_event(Event::FaultRecorded { device: id, faults: device.faults });
			Ok(device.faults)
		})
	}

	pub(crate) fn do_slash(id: DeviceId, fraction: Perbill) -> Result<BalanceOf<T>, DispatchError> {
		let mut device = Devices::<T>::get(id).ok_or(Error::<T>::UnknownDevice)?;
		let amount = fraction.mul_floor(device.deposit);
		if amount.is_zero() {
			return Ok(amount);
		}
		let (credit, _) = <T::Currency as BalancedHold<T::AccountId>>::slash(
			&HoldReason::DeviceDeposit.into(),
			&device.owner,
			amount,
		);
		let slashed = credit.peek();
		T::Slashed::on_unbalanced(credit);
		device.deposit = device.deposit.saturating_sub(slashed);
		let owner = device.owner.clone();
		Devices::<T>::insert(id, device);
		Self::deposit_event(Event::DepositSlashed { device: id, owner, amount: slashed });
		Ok(slashed)
	}

	/// Check the registry's invariants:
	///
	/// - every device is indexed under its key and its owner, and its id is below
	///   `NextDeviceId`;
	/// - `DeviceByKey` holds exactly one entry per device;
	/// - every `OwnerDevices` entry points at a device of that owner, and `OwnerDeviceCount`
	///   is the number of entries per owner (no zero counts stored);
	/// - `CellDeviceCount` is exactly the count of non-retired devices per density cell and
	///   kind (no zero counts stored), and `CellDevices` indexes exactly those devices;
	/// - each owner's deposit hold equals the sum of its devices' deposits;
	/// - ownership offers only exist for non-retired devices.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;

		let next_id = NextDeviceId::<T>::get();
		let mut cells: BTreeMap<(H3Cell, DeviceKind), u32> = BTreeMap::new();
		let mut in_cells: BTreeMap<(H3Cell, DeviceId), ()> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut devices = 0u32;
		for (id, device) in Devices::<T>::iter() {
			devices = devices.saturating_add(1);
			ensure!(id < next_id, "a device id is not below NextDeviceId");
			ensure!(
				DeviceByKey::<T>::get(device.key) == Some(id),
				"a device is not indexed by key"
			);
			ensure!(
				OwnerDevices::<T>::contains_key(&device.owner, id),
				"a device is not indexed under its owner"
			);
			if !matches!(device.status, DeviceStatus::Retired { .. }) {
				let cell = Self::density_cell_of(device.location);
				let count = cells.entry((cell, device.kind)).or_default();
				*count = count.saturating_add(1);
				in_cells.insert((cell, id), ());
			}
			let total = deposits.entry(device.owner.clone()).or_default();
			*total = total.saturating_add(device.deposit);
		}
		ensure!(
			DeviceByKey::<T>::iter().count() == devices as usize,
			"DeviceByKey has entries without a device"
		);

		let mut owned: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		for (owner, id, ()) in OwnerDevices::<T>::iter() {
			let device = Devices::<T>::get(id).ok_or("OwnerDevices points at no device")?;
			ensure!(device.owner == owner, "OwnerDevices points at another owner's device");
			let count = owned.entry(owner).or_default();
			*count = count.saturating_add(1);
		}
		let counts: BTreeMap<T::AccountId, u32> = OwnerDeviceCount::<T>::iter().collect();
		ensure!(counts == owned, "OwnerDeviceCount does not match OwnerDevices");

		let stored: BTreeMap<(H3Cell, DeviceKind), u32> =
			CellDeviceCount::<T>::iter().map(|(cell, kind, n)| ((cell, kind), n)).collect();
		ensure!(stored == cells, "CellDeviceCount does not match the devices");
		let indexed: BTreeMap<(H3Cell, DeviceId), ()> =
			CellDevices::<T>::iter().map(|(cell, id, ())| ((cell, id), ())).collect();
		ensure!(indexed == in_cells, "CellDevices does not match the devices");

		for (owner, total) in deposits {
			let held = T::Currency::balance_on_hold(&HoldReason::DeviceDeposit.into(), &owner);
			ensure!(held == total, "an owner's held deposit is not the sum of its devices'");
		}

		for (id, _) in PendingOwner::<T>::iter() {
			Self::live_device(id)
				.map_err(|_| "an ownership offer for a retired or unknown device")?;
		}
		Ok(())
	}
}

impl<T: Config> DeviceRegistry<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;
	type BlockNumber = BlockNumberFor<T>;

	fn device(id: DeviceId) -> Option<DeviceOf<T>> {
		Devices::<T>::get(id)
	}

	fn device_by_key(key: &DeviceKey) -> Option<DeviceId> {
		DeviceByKey::<T>::get(key)
	}

	fn previous_key(id: DeviceId) -> Option<(DeviceKey, BlockNumberFor<T>)> {
		PreviousKeys::<T>::get(id)
	}

	fn devices_in_cell(cell: H3Cell, kind: DeviceKind) -> u32 {
		CellDeviceCount::<T>::get(cell, kind)
	}

	fn density_cell(location: H3Cell) -> Option<H3Cell> {
		location.parent(T::DensityResolution::get())
	}

	fn record_faults(id: DeviceId, faults: u32) -> Result<u32, DispatchError> {
		Self::do_record_faults(id, faults)
	}

	fn suspend(id: DeviceId) -> DispatchResult {
		Self::do_suspend(id)
	}

	fn resume(id: DeviceId) -> DispatchResult {
		Self::do_resume(id)
	}

	fn slash(id: DeviceId, fraction: Perbill) -> Result<BalanceOf<T>, DispatchError> {
		Self::do_slash(id, fraction)
	}

	fn record_faults_weight() -> Weight {
		T::WeightInfo::record_fault()
	}

	fn suspend_weight() -> Weight {
		T::WeightInfo::suspend()
	}

	fn resume_weight() -> Weight {
		T::WeightInfo::resume()
	}

	fn slash_weight() -> Weight {
		T::WeightInfo::slash()
	}

	fn settle_weight() -> Weight {
		T::WeightInfo::settle_faults()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_benchmark_device(
		owner: &T::AccountId,
		key: DeviceKey,
		kind: DeviceKind,
		capacity: u64,
	) -> Result<DeviceId, DispatchError> {
		crate::benchmarking::register_device::<T>(owner, key, kind, capacity)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_benchmark_device_at(
		owner: &T::AccountId,
		key: DeviceKey,
		kind: DeviceKind,
		capacity: u64,
		location: H3Cell,
	) -> Result<DeviceId, DispatchError> {
		crate::benchmarking::register_device_at::<T>(owner, key, kind, capacity, location.raw())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_location() -> H3Cell {
		crate::benchmarking::benchmark_location::<T>()
	}
}
