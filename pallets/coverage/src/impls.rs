//! The logic behind the calls and hooks.

use crate::{
	density::scaled_points, pallet::*, types::*, weights::WeightInfo, BeaconBundleOf,
	BeaconBundlesOf, BeaconSlotOf, WitnessReceiptOf,
};
use alloc::vec::Vec;
use depin_primitives::epoch::EpochInfo;
use depin_proving::{
	batch::{self, Rejection, Verdicts},
	devices, epoch,
};
use depin_proving::{OnEpochStart, OnProofAccepted, ProvingEpochs};
use frame_support::{
	dispatch::DispatchResultWithPostInfo,
	ensure,
	pallet_prelude::{DispatchResult, Get, Weight},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{h3::H3Cell, DeviceId, DeviceKind, DeviceRegistry, DeviceStatus};
use sp_core::H256;
use sp_runtime::traits::{Saturating, Zero};

/// The beaconer, as every receipt of its bundle is checked against it.
struct BeaconContext<T: Config> {
	device: DeviceId,
	owner: T::AccountId,
	manager: Option<T::AccountId>,
	/// Its cell at the exclusion resolution.
	exclusion_cell: H3Cell,
	/// Its cell at the distance resolution.
	distance_cell: H3Cell,
	/// Its density cell.
	density_cell: Option<H3Cell>,
	beacon: Beacon<BlockNumberFor<T>>,
}

depin_proving::impl_refusal_errors!(NotCoverageDevice);

/// Each epoch draws its beaconers when it starts, from its seed.
impl<T: Config> OnEpochStart<BlockNumberFor<T>> for Pallet<T> {
	fn epoch_started(epoch: &EpochInfo<BlockNumberFor<T>>) -> Weight {
		if epoch.index.is_zero() {
			return Weight::zero();
		}
		let want = Self::beacons_per_epoch();
		Self::draw_beaconers(epoch, want);
		T::WeightInfo::draw_beaconers(want)
	}

	fn weight() -> Weight {
		T::WeightInfo::draw_beaconers(T::MaxBeacons::get())
	}
}

impl<T: Config> Pallet<T> {
	// ---- Messages --------------------------------------------------------------------------

	/// The bytes a beaconer's key signs: the enveloped [`BeaconStatement`].
	pub fn beacon_message(
		device: DeviceId,
		epoch: EpochIndex,
		challenge: H256,
		sent_at: BlockNumberFor<T>,
		frequency: u32,
	) -> Vec<u8> {
		depin_primitives::envelope::message(
			BEACON_CONTEXT,
			depin_proving::genesis_hash::<T>(),
			&BeaconStatement { device, epoch, challenge, sent_at, frequency },
		)
	}

	/// The bytes a witness's key signs: the enveloped [`ReceiptStatement`].
	pub fn receipt_message(receipt: &WitnessReceiptOf<T>) -> Vec<u8> {
		depin_primitives::envelope::message(
			RECEIPT_CONTEXT,
			depin_proving::genesis_hash::<T>(),
			&receipt.statement(),
		)
	}

	/// A beacon's id ([`BeaconReport::id`]): not derived from the signature's bytes.
	pub fn beacon_id(report: &BeaconReport<BlockNumberFor<T>>) -> H256 {
		report.id()
	}

	// ---- Roster ----------------------------------------------------------------------------

	/// The finest resolution coverage rules look at: a roster device must be located at
	/// least this finely.
	pub fn required_resolution() -> u8 {
		T::ExclusionResolution::get().max(T::DistanceResolution::get())
	}

	/// The weight of `join` or `leave`: the benchmark's, and the epoch and proving period read
	/// to keep the roster closed in the block that seeds the next draw (the benchmarks predate
	/// that check).
	pub fn roster_change_weight(benchmarked: Weight) -> Weight {
		benchmarked.saturating_add(T::DbWeight::get().reads(2))
	}

	/// The roster is what the next epoch's beaconers are drawn from, with the VRF output of
	/// the epoch's last block: it does not change in that block, whose author could otherwise
	/// arrange it (join, leave, censor) knowing the draw.
	fn ensure_roster_open() -> DispatchResult {
		let epoch = T::Epochs::current();
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			!epoch::seeds_next(now, T::Epochs::next_start(epoch.start)),
			Error::<T>::RosterClosed
		);
		Ok(())
	}

	pub(crate) fn do_join(who: T::AccountId, id: DeviceId) -> DispatchResult {
		let device = devices::usable_device::<_, T::Registry>(id, Some(&who), DeviceKind::Coverage)
			.map_err(Error::<T>::from)?;
		ensure!(
			device.location.resolution() >= Self::required_resolution(),
			Error::<T>::LocationTooCoarse
		);
		ensure!(!RosterSlotOf::<T>::contains_key(id), Error::<T>::AlreadyJoined);
		let slot = RosterSize::<T>::get();
		ensure!(slot < T::MaxRoster::get(), Error::<T>::RosterFull);
		Self::ensure_roster_open()?;
		Roster::<T>::insert(slot, id);
		RosterSlotOf::<T>::insert(id, slot);
		RosterSize::<T>::put(slot.saturating_add(1));
		Self::deposit_event(Event::Joined { device: id, slot });
		Ok(())
	}

	pub(crate) fn do_leave(who: T::AccountId, id: DeviceId) -> DispatchResult {
		let slot = RosterSlotOf::<T>::get(id).ok_or(Error::<T>::NotJoined)?;
		if let Some(device) = T::Registry::device(id) {
			if !matches!(device.status, DeviceStatus::Retired { .. }) {
				ensure!(device.is_operator(&who), Error::<T>::NotDeviceOperator);
			}
		}
		Self::ensure_roster_open()?;
		// Swap-remove: the last device takes the freed slot.
		let last = RosterSize::<T>::get().saturating_sub(1);
		if slot != last {
			if let Some(moved) = Roster::<T>::get(last) {
				Roster::<T>::insert(slot, moved);
				RosterSlotOf::<T>::insert(moved, slot);
			}
		}
		Roster::<T>::remove(last);
		RosterSlotOf::<T>::remove(id);
		RosterSize::<T>::put(last);
		Self::deposit_event(Event::Left { device: id });
		Ok(())
	}

	// ---- Drawing beaconers -----------------------------------------------------------------

	/// The beaconers an epoch draws: `BeaconsPerEpoch`, within `MaxBeacons`.
	pub fn beacons_per_epoch() -> u32 {
		T::BeaconsPerEpoch::get().min(T::MaxBeacons::get())
	}

	/// Forget the previous epoch's beaconers and draw up to `want` for `epoch`: slot
	/// `draw_slot(seed, attempt, roster size)` for attempts `0..2·want`, skipping repeats and
	/// devices that are not active coverage devices. Bounded by `MaxBeacons`.
	pub(crate) fn draw_beaconers(epoch: &EpochInfo<BlockNumberFor<T>>, want: u32) {
		for device in BeaconList::<T>::take() {
			Beaconers::<T>::remove(device);
		}
		let size = RosterSize::<T>::get();
		let want = want.min(T::MaxBeacons::get()).min(size);
		let mut drawn: BoundedVec<DeviceId, T::MaxBeacons> = BoundedVec::new();
		let mut attempt: u32 = 0;
		while (drawn.len() as u32) < want && attempt < want.saturating_mul(2) {
			let slot = draw_slot(&epoch.seed, attempt, size);
			attempt = attempt.saturating_add(1);
			let Some(device) = slot.and_then(Roster::<T>::get) else { continue };
			if drawn.contains(&device) {
				continue;
			}
			let eligible = T::Registry::device(device).is_some_and(|d| {
				d.kind == DeviceKind::Coverage && matches!(d.status, DeviceStatus::Active)
			});
			if !eligible || drawn.try_push(device).is_err() {
				continue;
			}
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
		}
		let count = drawn.len() as u32;
		BeaconList::<T>::put(drawn);
		DrawnEpoch::<T>::put(epoch.index);
		Self::deposit_event(Event::BeaconersDrawn { epoch: epoch.index, count });
	}

	// ---- Beacons ---------------------------------------------------------------------------

	/// The weight of checking and recording one bundle of `witnesses` receipts, with the
	/// points hook of every witness and of the beaconer.
	pub fn bundle_weight(witnesses: u32) -> Weight {
		// Each device that earns is counted in its cell (`HeardInCell`) and marked heard
		// (`LastHeard`). The benchmark measures a `LastHeard` per earner but one cell (its
		// witnesses share a cell), so each earner's cell count is added: a read and a write.
		let earner =
			T::OnProofAccepted::weight().saturating_add(T::DbWeight::get().reads_writes(1, 1));
		T::WeightInfo::submit_beacon(witnesses)
			.saturating_add(earner.saturating_mul(witnesses.saturating_add(1).into()))
	}

	/// The weight a batch is charged before dispatch (refunded after for rejected bundles).
	pub fn bundles_weight(bundles: &[BeaconBundleOf<T>]) -> Weight {
		bundles.iter().fold(T::WeightInfo::submit_beacons_rejected(0), |acc, bundle| {
			acc.saturating_add(Self::bundle_weight(bundle.receipts.len() as u32))
		})
	}

	/// The weight of a bundle rejected by the cheap checks: the benchmark's marginal cost of
	/// one more, plus the slot and device reads (the benchmark's items share them, so its
	/// reads are cached after the first; a real batch's need not be).
	pub fn cheap_rejection_weight() -> Weight {
		T::WeightInfo::submit_beacons_rejected(1)
			.saturating_sub(T::WeightInfo::submit_beacons_rejected(0))
			.saturating_add(T::DbWeight::get().reads(2))
	}

	pub(crate) fn do_submit_beacons(bundles: BeaconBundlesOf<T>) -> DispatchResultWithPostInfo {
		ensure!(!bundles.is_empty(), Error::<T>::EmptyBatch);
		let epoch = T::Epochs::current();
		let now = frame_system::Pallet::<T>::block_number();
		let Verdicts { accepted, rejected, weight } = batch::process(
			&bundles,
			T::WeightInfo::submit_beacons_rejected(0),
			batch::nothing_to_settle,
			|bundle| Self::process_bundle(&epoch, now, bundle),
			|index, bundle, error| {
				let device = bundle.beacon.device;
				Self::deposit_event(Event::ItemRejected { index, device, error })
			},
		);
		Self::deposit_event(Event::BatchProcessed { accepted, rejected });
		Ok(Some(weight).into())
	}

	/// Check one bundle: the beacon (cheap checks, then its signature if it is new), then
	/// each receipt; writes last. Returns the weight spent, whether accepted or not.
	pub(crate) fn process_bundle(
		epoch: &EpochInfo<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
		bundle: &BeaconBundleOf<T>,
	) -> Result<Weight, Rejection> {
		let cheap = |error: Error<T>| (error.into(), Self::cheap_rejection_weight());
		let report = &bundle.beacon;

		// Cheap: no storage.
		epoch::ensure_on_time(report.epoch, epoch.index, now, T::Epochs::deadline(epoch.start))
			.map_err(|refusal| cheap(refusal.into()))?;
		if report.sent_at < epoch.start || report.sent_at > now {
			return Err(cheap(Error::<T>::BadSentAt));
		}

		// Cheap: two reads.
		let mut slot = Beaconers::<T>::get(report.device)
			.filter(|slot| slot.epoch == epoch.index)
			.ok_or(cheap(Error::<T>::NotBeaconer))?;
		let device =
			devices::usable_device::<_, T::Registry>(report.device, None, DeviceKind::Coverage)
				.map_err(|refusal| cheap(refusal.into()))?;
		let (Some(exclusion_cell), Some(distance_cell)) = (
			device.location.parent(T::ExclusionResolution::get()),
			device.location.parent(T::DistanceResolution::get()),
		) else {
			return Err(cheap(Error::<T>::LocationTooCoarse));
		};

		let full = Self::bundle_weight(bundle.receipts.len() as u32);
		let id = Self::beacon_id(report);
		let mut new_beacon = false;
		let beacon = match slot.beacon {
			Some(recorded) if recorded.id != id => {
				return Err((Error::<T>::BeaconMismatch.into(), full))
			},
			Some(recorded) => recorded,
			None => {
				let message = Self::beacon_message(
					report.device,
					epoch.index,
					slot.challenge,
					report.sent_at,
					report.frequency,
				);
				if !device.key.verify(&message, &report.signature) {
					return Err((Error::<T>::BadSignature.into(), full));
				}
				let beacon = Beacon {
					id,
					sent_at: report.sent_at,
					frequency: report.frequency,
					recorded_at: now,
				};
				slot.beacon = Some(beacon);
				new_beacon = true;
				beacon
			},
		};
		let context = BeaconContext::<T> {
			device: report.device,
			owner: device.owner,
			manager: device.manager,
			exclusion_cell,
			distance_cell,
			density_cell: T::Registry::density_cell(device.location),
			beacon,
		};
		if new_beacon {
			Self::deposit_event(Event::BeaconRecorded {
				device: report.device,
				epoch: epoch.index,
				beacon: id,
			});
		}

		let mut in_bundle: Vec<DeviceId> = Vec::with_capacity(bundle.receipts.len());
		for receipt in bundle.receipts.iter() {
			let outcome = Self::check_receipt(&context, &slot, &in_bundle, now, receipt);
			in_bundle.push(receipt.witness);
			match outcome {
				Err(reason) => Self::deposit_event(Event::WitnessRejected {
					beaconer: report.device,
					witness: receipt.witness,
					reason,
				}),
				Ok(witness_cell) => {
					let confirms = slot.witnesses.is_empty();
					if slot.witnesses.try_push(receipt.witness).is_err() {
						// `check_receipt` refused a full list; kept for safety.
						continue;
					}
					let points = Self::earn(
						receipt.witness,
						witness_cell,
						epoch.index,
						T::WitnessPoints::get(),
					);
					T::OnProofAccepted::proof_accepted(
						receipt.witness,
						DeviceKind::Coverage,
						epoch.index,
						points,
					);
					Self::deposit_event(Event::WitnessAccepted {
						beaconer: report.device,
						witness: receipt.witness,
						epoch: epoch.index,
						points,
					});
					if confirms {
						let points = Self::earn(
							report.device,
							context.density_cell,
							epoch.index,
							T::BeaconPoints::get(),
						);
						slot.points = points;
						T::OnProofAccepted::proof_accepted(
							report.device,
							DeviceKind::Coverage,
							epoch.index,
							points,
						);
						Self::deposit_event(Event::BeaconConfirmed {
							device: report.device,
							epoch: epoch.index,
							points,
						});
					}
				},
			}
		}
		Beaconers::<T>::insert(report.device, slot);
		Ok(full)
	}

	/// `points` scaled by the coverage devices heard in `cell` (a density cell) as of the
	/// epoch in progress, without counting anyone: what a device would earn there.
	pub(crate) fn points_at(points: u64, cell: Option<H3Cell>) -> u64 {
		let epoch = T::Epochs::current().index;
		let devices = cell.map_or(1, |cell| HeardInCell::<T>::get(cell).at(epoch).density());
		scaled_points(points, devices, T::DensityTarget::get(), T::DensityMax::get())
	}

	/// `device` was heard in `cell` (its density cell) in `epoch`: count it there (once per
	/// epoch) and return `points` scaled by the cell's density.
	pub(crate) fn earn(
		device: DeviceId,
		cell: Option<H3Cell>,
		epoch: EpochIndex,
		points: u64,
	) -> u64 {
		let Some(cell) = cell else {
			return scaled_points(points, 1, T::DensityTarget::get(), T::DensityMax::get());
		};
		let mut heard = HeardInCell::<T>::get(cell).at(epoch);
		if LastHeard::<T>::get(device) != Some(epoch) {
			heard.current = heard.current.saturating_add(1);
			LastHeard::<T>::insert(device, epoch);
		}
		HeardInCell::<T>::insert(cell, heard);
		scaled_points(points, heard.density(), T::DensityTarget::get(), T::DensityMax::get())
	}

	/// Every rule a receipt must pass, cheapest first; the witness's density cell if it
	/// passes them all.
	fn check_receipt(
		context: &BeaconContext<T>,
		slot: &BeaconSlotOf<T>,
		in_bundle: &[DeviceId],
		now: BlockNumberFor<T>,
		receipt: &WitnessReceiptOf<T>,
	) -> Result<Option<H3Cell>, WitnessRejection> {
		use WitnessRejection::*;
		let beacon = &context.beacon;

		// No storage.
		ensure!((slot.witnesses.len() as u32) < T::MaxWitnesses::get(), WitnessLimit);
		ensure!(receipt.witness != context.device, SelfWitness);
		ensure!(!in_bundle.contains(&receipt.witness), DuplicateWitness);
		ensure!(!slot.witnesses.contains(&receipt.witness), AlreadyWitnessed);
		ensure!(receipt.beacon == beacon.id, WrongBeacon);
		ensure!(receipt.frequency == beacon.frequency, WrongFrequency);
		let (low, high) = T::SignalRange::get();
		let (snr_low, snr_high) = T::SnrRange::get();
		ensure!(
			(low..=high).contains(&receipt.signal) && (snr_low..=snr_high).contains(&receipt.snr),
			ImplausibleSignal
		);
		ensure!(receipt.received_at <= now, FromTheFuture);
		ensure!(
			receipt.received_at >= beacon.sent_at
				&& receipt.received_at <= beacon.sent_at.saturating_add(T::FreshnessWindow::get()),
			NotFresh
		);
		ensure!(now <= beacon.recorded_at.saturating_add(T::ReceiptWindow::get()), TooLate);

		// The witness: one read.
		let witness = T::Registry::device(receipt.witness).ok_or(UnknownWitness)?;
		ensure!(witness.kind == DeviceKind::Coverage, NotCoverageDevice);
		ensure!(matches!(witness.status, DeviceStatus::Active), WitnessNotActive);
		// Where it is now is where it was when the beacon was sent.
		ensure!(witness.location_changed_at < beacon.sent_at, JoinedAfterBeacon);
		let operated_by =
			|who: &T::AccountId| witness.owner == *who || witness.manager.as_ref() == Some(who);
		ensure!(
			!operated_by(&context.owner) && !context.manager.as_ref().is_some_and(operated_by),
			SameOperator
		);

		// Geometry: integer H3 arithmetic.
		let cell = H3Cell::new(receipt.cell).map_err(|_| InvalidCell)?;
		let registered = witness.location;
		let position = if cell.resolution() >= registered.resolution() {
			ensure!(cell.parent(registered.resolution()) == Some(registered), LocationMismatch);
			cell
		} else {
			ensure!(registered.parent(cell.resolution()) == Some(cell), LocationMismatch);
			registered
		};
		let exclusion = position.parent(T::ExclusionResolution::get()).ok_or(LocationTooCoarse)?;
		let distance_cell =
			position.parent(T::DistanceResolution::get()).ok_or(LocationTooCoarse)?;
		ensure!(exclusion != context.exclusion_cell, TooClose);
		let distance = distance_cell.grid_distance(context.distance_cell).ok_or(DistanceUnknown)?;
		ensure!(distance <= T::MaxWitnessDistance::get(), TooFar);

		// The signature.
		ensure!(
			witness.key.verify(&Self::receipt_message(receipt), &receipt.signature),
			BadSignature
		);
		Ok(T::Registry::density_cell(registered))
	}

	// ---- Invariants ------------------------------------------------------------------------

	/// The pallet's invariants:
	///
	/// - the roster is dense: `RosterSize` slots `0..RosterSize`, each holding a device whose
	///   `RosterSlotOf` is that slot, and no other `RosterSlotOf` entries;
	/// - the beaconers are exactly the devices of `BeaconList`, without repeats, all drawn
	///   for `DrawnEpoch`, which is not ahead of the current epoch;
	/// - a beacon's witnesses are distinct, never the beaconer, at most `MaxWitnesses`, and
	///   only recorded once the beacon is; a beaconer has points only if it has witnesses;
	/// - no device or cell is heard in a future epoch, and every device heard in the epoch in
	///   progress is counted in a cell.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let size = RosterSize::<T>::get();
		let mut slots: u32 = 0;
		for (slot, device) in Roster::<T>::iter() {
			ensure!(slot < size, "a roster slot beyond the roster size");
			ensure!(RosterSlotOf::<T>::get(device) == Some(slot), "roster index out of step");
			slots = slots.saturating_add(1);
		}
		ensure!(slots == size, "roster size out of step");
		ensure!(
			RosterSlotOf::<T>::iter().count() as u32 == size,
			"a roster index entry without a slot"
		);

		let list = BeaconList::<T>::get();
		let drawn = DrawnEpoch::<T>::get();
		ensure!(
			drawn.is_none_or(|e| e <= T::Epochs::current().index),
			"beaconers drawn for a future epoch"
		);
		for (i, device) in list.iter().enumerate() {
			ensure!(
				!list.iter().skip(i.saturating_add(1)).any(|d| d == device),
				"a beaconer twice"
			);
		}
		let mut beaconers: u32 = 0;
		for (device, slot) in Beaconers::<T>::iter() {
			beaconers = beaconers.saturating_add(1);
			ensure!(list.contains(&device), "a beaconer missing from the list");
			ensure!(Some(slot.epoch) == drawn, "a beaconer of another epoch");
			ensure!(!slot.witnesses.contains(&device), "a beaconer witnessing itself");
			for (i, witness) in slot.witnesses.iter().enumerate() {
				ensure!(
					!slot.witnesses.iter().skip(i.saturating_add(1)).any(|w| w == witness),
					"a witness counted twice"
				);
			}
			ensure!(
				slot.witnesses.is_empty() || slot.beacon.is_some(),
				"witnesses without a beacon"
			);
			ensure!(slot.points == 0 || !slot.witnesses.is_empty(), "points without a witness");
		}
		ensure!(beaconers == list.len() as u32, "the beacon list out of step");

		let current = T::Epochs::current().index;
		let mut heard_now: u32 = 0;
		for (_, epoch) in LastHeard::<T>::iter() {
			ensure!(epoch <= current, "a device heard in a future epoch");
			heard_now = heard_now.saturating_add(u32::from(epoch == current));
		}
		let mut counted_now: u32 = 0;
		for (_, heard) in HeardInCell::<T>::iter() {
			ensure!(heard.epoch <= current, "a cell heard in a future epoch");
			counted_now = counted_now.saturating_add(heard.at(current).current);
		}
		// Retired devices leave `LastHeard` but stay counted where they were heard.
		ensure!(heard_now <= counted_now, "devices heard this epoch but not counted");
		Ok(())
	}
}

/// A retiring device is heard no more: its [`LastHeard`] entry goes with it (its count in its
/// cell stands for the epoch it was heard in).
impl<T: Config> depin_proving::OnDeviceChange for Pallet<T> {
	fn before_change(device: DeviceId, change: depin_proving::DeviceChange) {
		if change == depin_proving::DeviceChange::Retire {
			LastHeard::<T>::remove(device);
		}
	}

	fn weight(_: depin_proving::DeviceChange) -> Weight {
		T::DbWeight::get().writes(1)
	}
}
