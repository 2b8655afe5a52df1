//! What the calls do: schemas, enrolment, attestations, audits and their quality.

use crate::{
	pallet::*, types::*, AttestationsOf, MembersOf, PendingOf, ReadingsRevealOf, RevealsOf,
	RuntimeHasher, SensorStateOf, WeightInfo,
};
use alloc::vec::Vec;
use codec::Encode;
use depin_primitives::envelope::message;
use depin_proving::{
	batch::{self, Verdicts},
	devices, epoch, DeviceChange, OnDeviceChange, ProvingEpochs,
};
use frame_support::{pallet_prelude::*, traits::UnixTime};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry};
use sp_runtime::{traits::Zero, ArithmeticError, Perbill};

depin_proving::impl_refusal_errors!(NotSensorDevice);

/// The epoch in progress, the block and the clock, as one batch sees them.
pub(crate) struct Now<BlockNumber> {
	pub epoch: EpochInfo<BlockNumber>,
	pub block: BlockNumber,
	pub secs: u64,
}

impl<T: Config> Pallet<T> {
	pub(crate) fn now() -> Now<BlockNumberFor<T>> {
		Now {
			epoch: T::Epochs::current(),
			block: frame_system::Pallet::<T>::block_number(),
			secs: T::Time::now().as_secs(),
		}
	}

	// ---- Schemas -------------------------------------------------------------------------

	pub(crate) fn do_register_schema(schema: Schema) -> DispatchResult {
		schema.check().map_err(|_| Error::<T>::InvalidSchema)?;
		let id = NextSchema::<T>::get();
		let next = id.checked_add(1).ok_or(ArithmeticError::Overflow)?;
		let fields = schema.fields.len() as u32;
		Schemas::<T>::insert(id, SchemaRecord { schema, retired: false });
		NextSchema::<T>::put(next);
		Self::deposit_event(Event::SchemaRegistered { schema: id, fields });
		Ok(())
	}

	pub(crate) fn do_retire_schema(id: SchemaId) -> DispatchResult {
		Schemas::<T>::try_mutate(id, |record| {
			let record = record.as_mut().ok_or(Error::<T>::UnknownSchema)?;
			ensure!(!record.retired, Error::<T>::SchemaRetired);
			record.retired = true;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::SchemaRetired { schema: id });
		Ok(())
	}

	/// A schema devices may enroll and attest under.
	pub(crate) fn live_schema(id: SchemaId) -> Result<Schema, Error<T>> {
		let record = Schemas::<T>::get(id).ok_or(Error::<T>::UnknownSchema)?;
		ensure!(!record.retired, Error::<T>::SchemaRetired);
		Ok(record.schema)
	}

	// ---- Enrolment -----------------------------------------------------------------------

	pub(crate) fn do_enroll(
		who: T::AccountId,
		device: DeviceId,
		schema: SchemaId,
	) -> DispatchResult {
		let record =
			devices::usable_device::<_, T::Registry>(device, Some(&who), DeviceKind::Sensor)
				.map_err(Error::<T>::from)?;
		ensure!(!Sensors::<T>::contains_key(device), Error::<T>::AlreadyEnrolled);
		Self::live_schema(schema)?;
		Self::ensure_certified(schema, &record.key)?;
		// Readings from before the enrolment are not attested; nor the ones up to the clock's
		// drift after it, which an earlier enrolment of the device may have attested.
		let last_end = T::Time::now().as_secs().saturating_add(T::MaxClockDrift::get());
		Sensors::<T>::insert(device, SensorState { schema, last_end, pending: None });
		Self::deposit_event(Event::Enrolled { device, schema });
		Ok(())
	}

	pub(crate) fn do_withdraw(who: T::AccountId, device_id: DeviceId) -> DispatchResult {
		let mut state = Sensors::<T>::get(device_id).ok_or(Error::<T>::NotEnrolled)?;
		if let Some(device) = T::Registry::device(device_id) {
			ensure!(device.is_operator(&who), Error::<T>::NotDeviceOperator);
		}
		Self::settle_pending(device_id, &mut state, &Self::now());
		// Leaving does not dodge an audit: reveal first.
		ensure!(state.pending.is_none(), Error::<T>::AuditPending);
		ensure!(!Self::in_trade(device_id), Error::<T>::MeterInTrade);
		Sensors::<T>::remove(device_id);
		Self::deposit_event(Event::Withdrawn { device: device_id });
		Ok(())
	}

	// ---- Audits due ----------------------------------------------------------------------

	/// Whether `pending`'s audit is over: its epoch has passed, or its deadline.
	pub(crate) fn audit_closed(pending: &PendingOf<T>, now: &Now<BlockNumberFor<T>>) -> bool {
		now.epoch.index > pending.audit_in
			|| (now.epoch.index == pending.audit_in
				&& now.block > T::Epochs::deadline(now.epoch.start))
	}

	/// What punishing a device costs in the registry.
	pub fn punish_weight() -> Weight {
		T::Registry::suspend_weight().saturating_add(T::Registry::slash_weight())
	}

	/// Punish `device` for a reading (`index`, of its attestation of `epoch`) that gave it
	/// away.
	pub(crate) fn punish_faked(device: DeviceId, epoch: EpochIndex, index: u32) {
		Self::punish(device);
		Self::deposit_event(Event::ReadingsFaked { device, epoch, index });
	}

	/// Suspend `device` and slash `FraudSlash` of its deposit. The registry reports both with
	/// its own events; a device already suspended is slashed all the same.
	fn punish(device: DeviceId) {
		let _ = T::Registry::suspend(device);
		let _ = T::Registry::slash(device, T::FraudSlash::get());
	}

	/// Punish `state`'s attestation if its audit closed unrevealed, and forget it. Returns the
	/// weight it spent in the registry.
	pub(crate) fn settle_pending(
		device: DeviceId,
		state: &mut SensorStateOf<T>,
		now: &Now<BlockNumberFor<T>>,
	) -> Weight {
		let Some(pending) = &state.pending else { return Weight::zero() };
		if !Self::audit_closed(pending, now) {
			return Weight::zero();
		}
		let epoch = pending.epoch;
		state.pending = None;
		Self::punish(device);
		Self::deposit_event(Event::ReadingsUnrevealed { device, epoch });
		Self::punish_weight()
	}

	/// Settle `device`'s record now, before a batch item of it is checked (outside the item's
	/// storage layer, so a punishment stands whatever the item is worth). Returns the weight.
	fn settle_now(device: DeviceId, now: &Now<BlockNumberFor<T>>) -> Weight {
		let db = T::DbWeight::get();
		let Some(mut state) = Sensors::<T>::get(device) else { return db.reads(1) };
		let spent = Self::settle_pending(device, &mut state, now);
		if spent.is_zero() {
			return db.reads(1);
		}
		Sensors::<T>::insert(device, state);
		spent.saturating_add(db.reads_writes(1, 1))
	}

	// ---- Attestations --------------------------------------------------------------------

	/// The most one attestation costs: its check and record (the benchmark's per-item cost)
	/// and a punishment settled before it.
	pub fn attestation_weight() -> Weight {
		T::WeightInfo::attest(1)
			.saturating_sub(T::WeightInfo::attest(0))
			.saturating_add(Self::punish_weight())
			.saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}

	/// The weight a batch of `n` attestations is charged.
	pub fn attestations_weight(n: u32) -> Weight {
		T::WeightInfo::attest(0).saturating_add(Self::attestation_weight().saturating_mul(n.into()))
	}

	/// The bytes a device's key signs for an attestation made at `cell`: the enveloped
	/// [`AttestationStatement`].
	pub fn attestation_message(attestation: &Attestation, cell: H3Cell) -> Vec<u8> {
		message(
			ATTESTATION_CONTEXT,
			depin_proving::genesis_hash::<T>(),
			&attestation.statement(cell),
		)
	}

	/// The home cell of a device registered at `cell`: its parent at
	/// `NeighbourhoodResolution` (the cell itself if it is coarser).
	pub fn home_of(cell: H3Cell) -> H3Cell {
		cell.parent(T::NeighbourhoodResolution::get()).unwrap_or(cell)
	}

	/// The home cells of the neighbourhood around `home`: those within `NeighbourhoodRings`
	/// grid steps in its base cell, or `home` alone where the grid is not flat (a pentagon's
	/// base cell).
	pub fn neighbourhood_of(home: H3Cell) -> Vec<H3Cell> {
		home.disk(T::NeighbourhoodRings::get()).unwrap_or_else(|| alloc::vec![home])
	}

	pub(crate) fn do_attest(attestations: AttestationsOf<T>) -> DispatchResultWithPostInfo {
		ensure!(!attestations.is_empty(), Error::<T>::EmptyBatch);
		let now = Self::now();
		let per_item = T::WeightInfo::attest(1).saturating_sub(T::WeightInfo::attest(0));
		let Verdicts { accepted, rejected, weight } = batch::process(
			&attestations,
			T::WeightInfo::attest(0),
			|a| Self::settle_now(a.device, &now),
			|a| Self::process_attestation(&now, a).map(|()| per_item).map_err(|e| (e, per_item)),
			|index, a, error| {
				Self::deposit_event(Event::ItemRejected { index, device: a.device, error })
			},
		);
		Self::deposit_event(Event::BatchProcessed { accepted, rejected });
		Ok(Some(weight).into())
	}

	/// Check one attestation and record it: cheap checks, the signature, writes last.
	pub(crate) fn process_attestation(
		now: &Now<BlockNumberFor<T>>,
		a: &Attestation,
	) -> Result<(), DispatchError> {
		let deadline = T::Epochs::deadline(now.epoch.start);
		epoch::ensure_on_time(a.epoch, now.epoch.index, now.block, deadline)
			.map_err(Error::<T>::from)?;
		let device = devices::usable_device::<_, T::Registry>(a.device, None, DeviceKind::Sensor)
			.map_err(Error::<T>::from)?;
		let mut state = Sensors::<T>::get(a.device).ok_or(Error::<T>::NotEnrolled)?;
		if let Some(pending) = &state.pending {
			let error = if pending.epoch == now.epoch.index {
				Error::<T>::AlreadyAttested
			} else {
				Error::<T>::AuditPending
			};
			return Err(error.into());
		}
		ensure!(a.schema == state.schema, Error::<T>::WrongSchema);
		let schema = Self::live_schema(a.schema)?;
		Self::ensure_certified(a.schema, &device.key)?;
		Self::check_readings(&schema, &state, a, now.secs)?;
		ensure!(
			device.key.verify(&Self::attestation_message(a, device.location), &a.signature),
			Error::<T>::BadSignature
		);

		let home = Self::home_of(device.location);
		let next_start = T::Epochs::next_start(now.epoch.start);
		let audit_in = epoch::counts_from(now.epoch.index, now.block, next_start).saturating_add(1);
		let neighbour = Neighbour {
			device: a.device,
			owner: device.owner.clone(),
			summaries: a.summaries.clone(),
		};
		let counted = Self::count_in(a.schema, home, &now.epoch, neighbour);
		state.last_end = a.end;
		state.pending = Some(Pending {
			epoch: now.epoch.index,
			audit_in,
			root: a.root,
			count: a.count,
			start: a.start,
			end: a.end,
			summaries: a.summaries.clone(),
			home,
			owner: device.owner,
		});
		Sensors::<T>::insert(a.device, state);
		Self::deposit_event(Event::Attested {
			device: a.device,
			epoch: now.epoch.index,
			root: a.root,
			readings: a.count,
			audit_in,
			counted,
		});
		Ok(())
	}

	/// The checks of an attestation's readings that need no signature: the summaries against
	/// the schema, the span against the clock and the device's last batch, the count against
	/// the span.
	fn check_readings(
		schema: &Schema,
		state: &SensorStateOf<T>,
		a: &Attestation,
		now_secs: u64,
	) -> Result<(), Error<T>> {
		ensure!(a.summaries.len() == schema.fields.len(), Error::<T>::WrongFieldCount);
		ensure!(
			a.summaries.iter().zip(schema.fields.iter()).all(|(s, f)| s.fits(f)),
			Error::<T>::OutOfRange
		);
		ensure!(a.count > 0, Error::<T>::NoReadings);
		ensure!(a.count <= MAX_READINGS, Error::<T>::TooManyReadings);
		ensure!(a.start <= a.end, Error::<T>::BadTimeSpan);
		ensure!(
			a.end <= now_secs.saturating_add(T::MaxClockDrift::get()),
			Error::<T>::FromTheFuture
		);
		// A reading an interval after the last one at the earliest: each batch holds no more
		// readings than the schema's rate allows, and consecutive batches neither.
		ensure!(
			a.start >= state.last_end.saturating_add(u64::from(schema.interval))
				&& a.start >= now_secs.saturating_sub(T::MaxSpan::get()),
			Error::<T>::Overlaps
		);
		// Room for every reading at the schema's interval: the first one's slot exists.
		ensure!(
			slot(0, a.count, a.start, a.end, schema.interval).is_some(),
			Error::<T>::TooManyReadings
		);
		Ok(())
	}

	/// A device's rank in a home cell in the epoch seeded by `seed`: a full home cell keeps the
	/// devices of the lowest ranks. Nobody knows an epoch's ranks before it starts, and they
	/// change every epoch.
	pub fn rank(seed: &sp_core::H256, device: DeviceId) -> u64 {
		depin_primitives::hash_word::<RuntimeHasher>(&(RANK_DOMAIN, seed, device).encode())
	}

	/// Count `neighbour` in its home cell `cell` in the epoch seeded by `seed`: if the cell is
	/// full, in place of its member of the highest rank if the newcomer's is lower. So the
	/// members of a full cell are a random draw from the devices that attested in it, not the
	/// first to come: flooding a cell early does not shut out the devices that come later.
	/// Returns whether it was counted.
	fn count_in(
		schema: SchemaId,
		cell: H3Cell,
		epoch: &EpochInfo<BlockNumberFor<T>>,
		neighbour: Neighbour<T::AccountId>,
	) -> bool {
		Neighbourhoods::<T>::mutate(epoch.index, (schema, cell), |entry| {
			let members = entry.get_or_insert_with(BoundedVec::new);
			let rank = Self::rank(&epoch.seed, neighbour.device);
			let Err(neighbour) = members.try_push(neighbour) else { return true };
			let highest = members
				.iter_mut()
				.map(|m| (Self::rank(&epoch.seed, m.device), m))
				.max_by_key(|(rank, _)| *rank);
			match highest {
				Some((highest, member)) if rank < highest => {
					*member = neighbour;
					true
				},
				_ => false,
			}
		})
	}

	// ---- Audits --------------------------------------------------------------------------

	/// The readings an attestation of `count` readings is asked for: `Samples` drawn at random
	/// and the last one, or all of a batch no larger than that.
	pub fn samples_for(count: u32) -> u32 {
		T::Samples::get()
			.clamp(1, T::MaxSamples::get().saturating_sub(1).max(1))
			.saturating_add(1)
			.min(count)
	}

	/// The indices of the readings of `device`'s attestation of `epoch` (`count` readings)
	/// sampled by `seed`: every reading of a batch no larger than `Samples + 1`, else `Samples`
	/// drawn independently (an index may come up twice) and then the last reading, which a
	/// meter's trades settle on (its registers).
	pub fn sampled(
		seed: &sp_core::H256,
		device: DeviceId,
		epoch: EpochIndex,
		count: u32,
	) -> Vec<u32> {
		let samples = Self::samples_for(count);
		if samples == count {
			return (0..count).collect();
		}
		(0..samples.saturating_sub(1))
			.filter_map(|i| {
				sample_reading::<RuntimeHasher>(seed.as_fixed_bytes(), device, epoch, i, count)
			})
			.chain(count.checked_sub(1))
			.collect()
	}

	/// The most one reveal costs: its check, its sale to a full area's subscriptions and the
	/// settlement and payment of a full list of trades (the benchmark's per-item cost, at the
	/// most samples and the deepest paths), a punishment, and the points hook told of the sale
	/// and of each trade's payment.
	pub fn reveal_weight() -> Weight {
		let reports = T::MaxDeviceTrades::get().saturating_add(1);
		T::WeightInfo::reveal(1)
			.saturating_sub(T::WeightInfo::reveal(0))
			.saturating_add(Self::punish_weight())
			.saturating_add(Self::sale_report_weight().saturating_mul(reports.into()))
	}

	/// The weight a batch of `n` reveals is charged.
	pub fn reveals_weight(n: u32) -> Weight {
		T::WeightInfo::reveal(0).saturating_add(Self::reveal_weight().saturating_mul(n.into()))
	}

	pub(crate) fn do_reveal(reveals: RevealsOf<T>) -> DispatchResultWithPostInfo {
		ensure!(!reveals.is_empty(), Error::<T>::EmptyBatch);
		let now = Self::now();
		let per_item = Self::reveal_weight();
		let Verdicts { accepted, rejected, weight } = batch::process(
			&reveals,
			T::WeightInfo::reveal(0),
			batch::nothing_to_settle,
			|r| Self::process_reveal(&now, r).map(|()| per_item).map_err(|e| (e, per_item)),
			|index, r, error| {
				Self::deposit_event(Event::ItemRejected { index, device: r.device, error })
			},
		);
		Self::deposit_event(Event::BatchProcessed { accepted, rejected });
		Ok(Some(weight).into())
	}

	/// Check one reveal: the audit is open, the readings are the sampled ones and lead to the
	/// attested root; then whether they keep to the attestation (else fraud), and its quality.
	pub(crate) fn process_reveal(
		now: &Now<BlockNumberFor<T>>,
		r: &ReadingsRevealOf<T>,
	) -> Result<(), DispatchError> {
		let mut state = Sensors::<T>::get(r.device).ok_or(Error::<T>::NotAttested)?;
		let pending =
			state.pending.clone().filter(|p| p.epoch == r.epoch).ok_or(Error::<T>::NotAttested)?;
		ensure!(now.epoch.index >= pending.audit_in, Error::<T>::AuditNotOpen);
		ensure!(!Self::audit_closed(&pending, now), Error::<T>::DeadlinePassed);
		ensure!(
			r.readings.len() as u32 == Self::samples_for(pending.count),
			Error::<T>::WrongSampleCount
		);
		let depth = depin_merkle::depth_for(pending.count);
		let sampled = Self::sampled(&now.epoch.seed, r.device, pending.epoch, pending.count);
		ensure!(
			r.readings.iter().map(|reading| reading.index).eq(sampled.iter().copied()),
			Error::<T>::WrongReading
		);
		ensure!(
			r.readings.iter().all(|reading| reading.path.len() as u32 == depth),
			Error::<T>::WrongPathLength
		);
		for reading in &r.readings {
			let leaf = reading_leaf::<RuntimeHasher>(reading.index, reading.time, &reading.values);
			let path: Vec<Hash> = reading.path.iter().map(|h| h.to_fixed_bytes()).collect();
			let root = depin_merkle::root_from_path::<RuntimeHasher>(leaf, reading.index, &path);
			ensure!(root == pending.root.to_fixed_bytes(), Error::<T>::InvalidMerkleProof);
		}

		// The readings are the device's own, signed through the root: any that breaks its
		// attestation gives it away.
		state.pending = None;
		let schema_id = state.schema;
		let record = Schemas::<T>::get(state.schema).ok_or(Error::<T>::UnknownSchema)?;
		let interval = record.schema.interval;
		if let Some(faked) =
			r.readings.iter().find(|reading| !Self::keeps_to(&pending, reading, interval))
		{
			Sensors::<T>::insert(r.device, state);
			Self::punish_faked(r.device, r.epoch, faked.index);
			return Ok(());
		}
		// A meter in a trade: its registers, and their advance since its previous batch.
		let meter = Self::meter_registers(r.device, &pending, &r.readings);

		let members = Self::members_around(state.schema, &pending);
		let (quality, passes) = Self::quality(&record.schema, &pending, &members, r.device);
		// A full home cell pays the devices it counted, a random draw; and the devices of a home
		// cell saying the same of a field are paid for it as many devices' worth as a quality
		// check needs, shared: a flood of stations in one cell copying each other (under
		// owners of their own, some fields changed or not) does not multiply what its buyers
		// pay, it only splits it, and devices saying something else take nothing from it.
		// A device its schema no longer takes (its maker removed, its key rotated since its
		// certificate) is audited but paid nothing.
		let counted = members.iter().any(|m| m.device == r.device)
			&& Self::still_certified(schema_id, r.device);
		let home =
			Neighbourhoods::<T>::get(pending.epoch, (schema_id, pending.home)).unwrap_or_default();
		let crowds = Self::crowds(&record.schema, &pending.summaries, &home);
		let points = if counted {
			Self::shared(Self::points(pending.count, interval, &quality), &passes, &crowds)
		} else {
			0
		};
		Sensors::<T>::insert(r.device, state);
		Self::deposit_event(Event::ReadingsVerified {
			device: r.device,
			epoch: r.epoch,
			readings: pending.count,
			quality,
			points,
		});
		Self::sell(r.device, &pending, schema_id, points, now.epoch.index);
		// A meter's trades settle on its audited registers, whatever its neighbours say: the
		// other meter of each trade is the check.
		if let Some(meter) = meter {
			Self::meter_settle(r.device, pending.epoch, meter, now.epoch.index);
		}
		Ok(())
	}

	/// Whether a revealed reading keeps to its attestation: one value per field, each within
	/// the field's attested summary, at a time its index leaves room for.
	fn keeps_to(pending: &PendingOf<T>, reading: &RevealedReading, interval: u32) -> bool {
		let values = reading.values.len() == pending.summaries.len()
			&& reading.values.iter().zip(pending.summaries.iter()).all(|(v, s)| s.covers(*v));
		let timely = slot(reading.index, pending.count, pending.start, pending.end, interval)
			.is_some_and(|(earliest, latest)| earliest <= reading.time && reading.time <= latest);
		values && timely
	}

	/// The devices counted in the home cells of `pending`'s neighbourhood in its epoch.
	pub(crate) fn members_around(
		schema_id: SchemaId,
		pending: &PendingOf<T>,
	) -> Vec<Neighbour<T::AccountId>> {
		Self::neighbourhood_of(pending.home)
			.into_iter()
			.filter_map(|cell| Neighbourhoods::<T>::get(pending.epoch, (schema_id, cell)))
			.flat_map(BoundedVec::into_inner)
			.collect()
	}

	/// How `pending` (of `device`) compares with the devices of other owners (than its owner
	/// when it attested) among `members`, those counted around it: its quality, and whether
	/// each field passed (none without neighbours).
	pub(crate) fn quality(
		schema: &Schema,
		pending: &PendingOf<T>,
		members: &[Neighbour<T::AccountId>],
		device: DeviceId,
	) -> (Quality, Vec<bool>) {
		let others: Vec<&Neighbour<T::AccountId>> =
			members.iter().filter(|m| m.device != device && m.owner != pending.owner).collect();
		let neighbours = others.len() as u32;
		if neighbours < T::MinNeighbours::get() {
			return (Quality::NoNeighbours, Vec::new());
		}
		// A field passes when its min, mean and max each lie within the tolerance of the
		// neighbours' median of the same: a summary that claims a field's whole range (so that
		// no sampled reading could fall outside it) fails.
		let passes: Vec<bool> = schema
			.fields
			.iter()
			.zip(pending.summaries.iter())
			.enumerate()
			.map(|(f, (field, summary))| {
				// A tolerance as wide as the field's range (an energy meter's: households
				// differ) checks nothing: such a field never passes, so its data is not sold
				// on the neighbours' word.
				if field.max.abs_diff(field.min) <= field.tolerance {
					return false;
				}
				let agrees = |own: i64, of: fn(&Summary) -> i64| {
					let mut values: Vec<i64> =
						others.iter().filter_map(|m| m.summaries.get(f).map(of)).collect();
					median(&mut values).is_some_and(|m| within(own, m, field.tolerance))
				};
				agrees(summary.min, |s| s.min)
					&& agrees(summary.mean, |s| s.mean)
					&& agrees(summary.max, |s| s.max)
			})
			.collect();
		let passed = passes.iter().filter(|p| **p).count() as u32;
		(Quality::Scored { neighbours, passed, fields: schema.fields.len() as u32 }, passes)
	}

	/// The points `count` readings at `interval` seconds of `quality` earn: a point a second
	/// of coverage (each reading covers an interval), times the share its quality passes. So
	/// a schema's rate does not weigh in the pool: a meter read once a day covers a day as a
	/// station read every minute does.
	pub fn points(count: u32, interval: u32, quality: &Quality) -> u64 {
		let share = match quality {
			Quality::Scored { passed, fields, .. } => Perbill::from_rational(*passed, *fields),
			Quality::NoNeighbours => T::UnverifiedQuality::get(),
		};
		share.mul_floor(u64::from(count).saturating_mul(u64::from(interval)))
	}

	/// For each field of `summaries`, how many of `home` (the devices its home cell counted
	/// this epoch, the device itself among them) say the same of it: min, mean and max each
	/// within the field's tolerance.
	pub fn crowds(
		schema: &Schema,
		summaries: &Summaries,
		home: &[Neighbour<T::AccountId>],
	) -> Vec<u32> {
		schema
			.fields
			.iter()
			.zip(summaries.iter())
			.enumerate()
			.map(|(f, (field, own))| {
				home.iter()
					.filter_map(|m| m.summaries.get(f))
					.filter(|other| {
						within(own.min, other.min, field.tolerance)
							&& within(own.mean, other.mean, field.tolerance)
							&& within(own.max, other.max, field.tolerance)
					})
					.count() as u32
			})
			.collect()
	}

	/// `points` (a device's [`Self::points`]) with each passed field's part shared by the
	/// crowd saying the same of it in the home cell (`crowds`, [`Self::crowds`]): whole up to
	/// `MinNeighbours + 1` devices (a device and the neighbours its quality needs), else
	/// scaled by `(MinNeighbours + 1) / crowd`. So a home cell pays at most that many devices'
	/// worth for the same data on each field, however many stand in it, and a device copying
	/// some fields of its neighbours shares their pay on those. Exact: `points × Σ w_f /
	/// passed` over the passed fields, with `w_f = paid / max(crowd_f, paid)`, in 128 bits.
	/// `passes` empty (no neighbours): `points` as they are.
	pub fn shared(points: u64, passes: &[bool], crowds: &[u32]) -> u64 {
		let paid = u128::from(T::MinNeighbours::get().saturating_add(1));
		let shares: Vec<u128> = passes
			.iter()
			.zip(crowds)
			.filter(|(passed, _)| **passed)
			.map(|(_, crowd)| u128::from(*crowd).max(paid))
			.collect();
		if shares.is_empty() {
			return if passes.is_empty() { points } else { 0 };
		}
		// Σ paid / m_f = numerator / denominator, with denominator = Π m_f (at most 16^8).
		let exact = || {
			let denominator = shares.iter().try_fold(1u128, |d, m| d.checked_mul(*m))?;
			let numerator = shares.iter().try_fold(0u128, |n, m| {
				n.checked_add(paid.checked_mul(denominator.checked_div(*m)?)?)
			})?;
			let divisor = denominator.checked_mul(shares.len() as u128)?;
			u64::try_from(u128::from(points).checked_mul(numerator)?.checked_div(divisor)?).ok()
		};
		exact().unwrap_or(0)
	}

	// ---- The sweep -------------------------------------------------------------------------

	/// Delete the home cells of the epochs no audit reads any more, as many keys as
	/// `remaining` allows, resuming where the last block stopped. Returns the weight used.
	pub(crate) fn sweep_neighbourhoods(remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		// The clock, the sweep's place and its cursor read; both written.
		let base = db.reads_writes(3, 2);
		// A key: visited, then deleted, with its proof (the largest home cell).
		let per_key = db
			.reads_writes(1, 1)
			.saturating_add(Weight::from_parts(0, MembersOf::<T>::max_encoded_len() as u64));
		if remaining.any_lt(base.saturating_add(per_key)) {
			return Weight::zero();
		}
		let current = T::Epochs::current().index;
		let mut epoch = SweptTo::<T>::get();
		if epoch.saturating_add(AUDIT_EPOCHS) >= current {
			return db.reads(2);
		}
		let mut used = base;
		let mut cursor = SweepCursor::<T>::take();
		while epoch.saturating_add(AUDIT_EPOCHS) < current {
			let room = remaining.saturating_sub(used);
			let keys = room
				.ref_time()
				.checked_div(per_key.ref_time().max(1))
				.unwrap_or(0)
				.min(room.proof_size().checked_div(per_key.proof_size().max(1)).unwrap_or(0));
			let limit = u32::try_from(keys).unwrap_or(u32::MAX);
			if limit == 0 {
				break;
			}
			let result = Neighbourhoods::<T>::clear_prefix(
				epoch,
				limit,
				cursor.as_ref().map(|c| c.as_slice()),
			);
			used = used.saturating_add(per_key.saturating_mul(u64::from(result.loops.max(1))));
			match result.maybe_cursor {
				Some(next) => {
					cursor = BoundedVec::try_from(next).ok();
					break;
				},
				None => {
					cursor = None;
					epoch = epoch.saturating_add(1);
				},
			}
		}
		SweptTo::<T>::put(epoch);
		if let Some(cursor) = cursor {
			SweepCursor::<T>::put(cursor);
		}
		used
	}

	// ---- Invariants ----------------------------------------------------------------------

	/// Every enrolled device's schema exists; every pending attestation is audited in one of
	/// the two epochs after it, with a summary per field of its schema and at least one
	/// reading; every neighbourhood's members are of the epoch its slot says.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::subscriptions_try_state()?;
		Self::trades_try_state()?;
		Self::makers_try_state()?;
		let next = NextSchema::<T>::get();
		for (id, _) in Schemas::<T>::iter() {
			ensure!(id < next, "a schema's number is below NextSchema");
		}
		for (_, state) in Sensors::<T>::iter() {
			let record =
				Schemas::<T>::get(state.schema).ok_or("an enrolled device's schema exists")?;
			if let Some(p) = state.pending {
				ensure!(
					p.audit_in == p.epoch.saturating_add(1)
						|| p.audit_in == p.epoch.saturating_add(2),
					"an attestation is audited in one of the two epochs after it"
				);
				ensure!(
					p.count > 0 && p.count <= MAX_READINGS,
					"an attestation's count is bounded"
				);
				ensure!(
					p.summaries.len() == record.schema.fields.len(),
					"an attestation has a summary per field"
				);
				ensure!(p.start <= p.end && p.end <= state.last_end, "the last batch ends last");
			}
		}
		let swept = SweptTo::<T>::get();
		let current = T::Epochs::current().index;
		for (epoch, _, members) in Neighbourhoods::<T>::iter() {
			ensure!(epoch >= swept && epoch <= current, "neighbourhoods are of unswept epochs");
			ensure!(!members.is_empty(), "a home cell is stored with a member");
		}
		Ok(())
	}
}

/// The registry tells the pallet before a device retires, moves, changes hands or is removed:
/// an attestation whose audit closed unrevealed is punished first, so leaving does not dodge
/// it, and a removed device's record goes. A sale or a removal waits while an audit is open
/// (`AuditPending`): the readings to reveal stay with the seller, and a removed device's
/// deposit is about to be released, so going ahead would either charge the buyer for an
/// answer it cannot give or forgive the seller one it may not want to give. (Punishing at once
/// instead would let the buyer, or anyone claiming a retired device's deposit, pick the moment
/// and slash an honest device before it could answer.) A retired or moved device can still
/// reveal.
impl<T: Config> OnDeviceChange for Pallet<T> {
	fn can_change(device: DeviceId, change: DeviceChange) -> DispatchResult {
		if change == DeviceChange::Retire {
			return Ok(());
		}
		// A meter in a trade keeps the seller, the cell and the schema the trade agreed.
		ensure!(!Self::in_trade(device), Error::<T>::MeterInTrade);
		if change == DeviceChange::Move {
			return Ok(());
		}
		let open = Sensors::<T>::get(device)
			.and_then(|state| state.pending)
			.is_some_and(|pending| !Self::audit_closed(&pending, &Self::now()));
		ensure!(!open, Error::<T>::AuditPending);
		Ok(())
	}

	fn before_change(device: DeviceId, change: DeviceChange) {
		let Some(mut state) = Sensors::<T>::get(device) else { return };
		Self::settle_pending(device, &mut state, &Self::now());
		if change == DeviceChange::Remove {
			Sensors::<T>::remove(device);
		} else {
			Sensors::<T>::insert(device, state);
		}
	}

	fn weight(_change: DeviceChange) -> Weight {
		// The record, the epoch and the clock read (twice: the check, then the settlement), the
		// meter's trades read, the record written, at most one punishment.
		T::DbWeight::get().reads_writes(7, 1).saturating_add(Self::punish_weight())
	}
}
