//! Capacity challenges: enrolment, commitments, the reveal seed, reveals and faults.

use crate::{pallet::*, types::*, weights::WeightInfo, work, RuntimeHasher, WorkRevealOf};
use depin_primitives::epoch::EpochInfo;
use depin_proving::{
	batch::{self, Rejection, Verdicts},
	devices, epoch,
	faults::{self, FaultRules, Settled},
	DeviceChange, ProvingEpochs,
};
use frame_support::{
	dispatch::{DispatchResultWithPostInfo, PostDispatchInfo},
	ensure,
	pallet_prelude::{DispatchResult, Get, Weight},
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry};
use sp_core::H256;
use sp_runtime::traits::{One, Saturating};

/// What a checked reveal came to.
pub(crate) enum Revealed {
	/// The sampled segments recomputed.
	Proven,
	/// Segment `segment` did not recompute to its checkpoint.
	Faked { segment: u32 },
}

depin_proving::impl_fault_events!();
depin_proving::impl_refusal_errors!(NotComputeDevice);

impl<T: Config> Pallet<T> {
	// ---- Parameters ----------------------------------------------------------------------

	/// Segments sampled per reveal, within the configured bound.
	pub fn samples() -> u32 {
		T::Samples::get().clamp(1, T::MaxSamples::get().max(1))
	}

	/// Hash steps per segment, within the configured bound.
	pub fn segment_len() -> u32 {
		T::SegmentLength::get().clamp(1, T::MaxSegmentLength::get().max(1))
	}

	/// The segments of a device of `capacity` units: `capacity × SegmentsPerUnit`, at most
	/// `2^MaxTreeDepth`, at least one.
	pub fn segments_for(capacity: u64) -> u32 {
		let max = 1u64 << T::MaxTreeDepth::get().min(31);
		let wanted = capacity.saturating_mul(u64::from(T::SegmentsPerUnit::get()));
		u32::try_from(wanted.clamp(1, max)).unwrap_or(u32::MAX)
	}

	/// The block at which the commit window of the epoch starting at `start` closes:
	/// commitments are accepted before it; the reveal seed is drawn from it on, from the first
	/// randomness nobody knew before it (its own block's with the mock's randomness, the next
	/// with BABE's parent-block output), and reveals are taken from then to the deadline.
	pub fn reveal_at(start: BlockNumberFor<T>) -> BlockNumberFor<T> {
		let deadline = T::Epochs::deadline(start);
		start
			.saturating_add(T::CommitWindow::get().max(One::one()))
			.min(deadline)
			.max(start.saturating_add(One::one()))
	}

	/// The first hash of `device`'s workload in `epoch`.
	pub fn work_start(epoch: &EpochInfo<BlockNumberFor<T>>, device: DeviceId) -> H256 {
		H256(work::work_start::<RuntimeHasher>(epoch.seed.as_fixed_bytes(), device, epoch.index))
	}

	/// The `i`-th segment sampled from `device`'s commitment.
	pub fn sampled_segment(
		reveal_seed: &H256,
		device: DeviceId,
		commitment: &WorkCommitment,
		i: u32,
	) -> Option<u32> {
		work::sample_segment::<RuntimeHasher>(
			reveal_seed.as_fixed_bytes(),
			device,
			commitment.root.as_fixed_bytes(),
			i,
			commitment.segments,
		)
	}

	/// The bytes a device's key signs to commit.
	pub fn commit_message(
		device: DeviceId,
		epoch: EpochIndex,
		root: H256,
		segments: u32,
		segment_len: u32,
	) -> alloc::vec::Vec<u8> {
		depin_primitives::envelope::message(
			COMMIT_CONTEXT,
			depin_proving::genesis_hash::<T>(),
			&CommitStatement { device, epoch, root, segments, segment_len },
		)
	}

	// ---- The reveal seed -----------------------------------------------------------------

	/// Draw the current epoch's reveal seed once commitments have closed (`reveal_at`), from
	/// randomness nobody knew before: a seed from the VRF output of a block that took
	/// commitments would let that block's author commit a workload faked everywhere but the
	/// sample. With BABE's parent-block randomness that is one block after `reveal_at`. O(1).
	pub(crate) fn maybe_draw_reveal_seed(now: BlockNumberFor<T>) -> Weight {
		let db = T::DbWeight::get();
		let epoch = T::Epochs::current();
		let reveal_at = Self::reveal_at(epoch.start);
		if epoch.index == 0 || now < reveal_at {
			return db.reads(1);
		}
		if RevealSeeds::<T>::get().is_some_and(|s| s.epoch == epoch.index) {
			return db.reads(2);
		}
		let Some(seed) =
			epoch::draw_seed_after::<_, _, T::Randomness>(REVEAL_SUBJECT, epoch.index, reveal_at)
		else {
			// The randomness read (BABE's is one storage item).
			return db.reads(3);
		};
		RevealSeeds::<T>::put(RevealSeed { epoch: epoch.index, seed });
		Self::deposit_event(Event::RevealSeedDrawn { epoch: epoch.index, seed });
		T::WeightInfo::draw_reveal_seed()
	}

	/// The current epoch's reveal seed, once drawn.
	pub fn reveal_seed(epoch: EpochIndex) -> Option<H256> {
		RevealSeeds::<T>::get().filter(|s| s.epoch == epoch).map(|s| s.seed)
	}

	// ---- Faults --------------------------------------------------------------------------

	/// The most settling a worker can cost: the kit's one settle weight (its record read and
	/// written, the registry's benchmarked settlement), the device's status read, the segment
	/// length's record read (an outdated commitment's), and the penalty of an unrevealed
	/// commitment before it (suspending and slashing).
	pub fn settle_weight() -> Weight {
		faults::settle_weight::<_, T::Registry>(T::DbWeight::get())
			// The device's status, and the segment length's record for an outdated commitment.
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(Self::audit_draw_weight())
			.saturating_add(Self::punish_weight())
	}

	/// Bring `state` up to `epoch`, the epoch in progress, with the proving kit's fault ledger:
	/// count the epochs missed since it was last settled, suspend and slash at the threshold,
	/// and enter `epoch` audited or not ([`Self::enter_audit`]). O(1) whatever the gap. A
	/// commitment left unrevealed in the epoch the record describes is
	/// first punished as a caught fake is ([`Self::punish_unrevealed`]), whatever the device's
	/// status now. `active` is the device's status as the caller read it. Returns whether the
	/// device was suspended, and what the settlement spent beyond reading and writing the
	/// record: the registry's work, the penalty and the audit draw, each if it happened (at most
	/// [`Self::settle_weight`] without the record's read and write).
	pub(crate) fn settle(
		device: DeviceId,
		state: &mut WorkerState,
		epoch: &EpochInfo<BlockNumberFor<T>>,
		active: bool,
	) -> Settled {
		Self::settle_for(device, state, epoch, active, None)
	}

	/// [`Self::settle`], or before the device changes (`change`): then, if it retires, the
	/// epoch in progress is settled too, a commitment in it left unrevealed included (a retired
	/// device reveals nothing); if it changes hands, a commitment of the epoch in progress not
	/// yet revealed is punished at once, out of the seller's deposit.
	fn settle_for(
		device: DeviceId,
		state: &mut WorkerState,
		epoch: &EpochInfo<BlockNumberFor<T>>,
		active: bool,
		change: Option<DeviceChange>,
	) -> Settled {
		let current = epoch.index;
		let mut weight = Self::excuse_outdated(state);
		let retiring = change == Some(DeviceChange::Retire) && active;
		let mut suspended = false;
		if matches!(state.status, WorkStatus::Committed(_)) && (state.epoch < current || retiring) {
			suspended = Self::punish_unrevealed(device, state.epoch);
			weight = weight.saturating_add(Self::punish_weight());
		}
		let rules = FaultRules { threshold: T::FaultThreshold::get(), slash: T::FaultSlash::get() };
		let mut report = |event| Self::deposit_event((device, event).into());
		// Up to the epoch in progress, entering it as audited or not, and only then the change:
		// a device retiring in an epoch it is not audited in misses nothing in it.
		let entering = state.epoch < current;
		let settled =
			faults::settle::<_, T::Registry, _>(device, state, current, active, rules, &mut report);
		weight = weight.saturating_add(settled.weight);
		if entering && Self::enter_audit(device, state, epoch) {
			weight = weight.saturating_add(Self::audit_draw_weight());
		}
		if change == Some(DeviceChange::Transfer)
			&& matches!(state.status, WorkStatus::Committed(_))
		{
			// Sold with a workload committed and not revealed: the reveal needs the checkpoints
			// its seller ran, which do not change hands, so it would go unrevealed and the
			// penalty would fall on the buyer's deposit at the deadline. It is punished now, out
			// of the deposit about to be released to the seller.
			suspended = Self::punish_unrevealed(device, state.epoch) || suspended;
			weight = weight.saturating_add(Self::punish_weight());
			state.status = WorkStatus::NotChallenged;
		}
		let mut changed = false;
		if let Some(change) = change {
			// The record is at `current` now: this settles nothing more, and closes the epoch
			// in progress if the device retires.
			let still_active = active && !settled.suspended;
			let closed = faults::settle_before_change::<_, T::Registry, _>(
				device,
				state,
				current,
				still_active,
				change,
				rules,
				report,
			);
			changed = closed.suspended;
			weight = weight.saturating_add(closed.weight);
		}
		Settled { weight, suspended: suspended || settled.suspended || changed }
	}

	/// Whether `commitment` was made for segments of another length than the chain's: only a
	/// runtime upgrade changes it. Such a commitment cannot be revealed at the weight a reveal
	/// is charged (`WorkloadChanged`).
	pub(crate) fn outdated(commitment: &WorkCommitment) -> bool {
		commitment.segment_len != Self::segment_len()
	}

	/// Excuse an outdated commitment ([`Self::outdated`]) whose reveal window was still open
	/// when the upgrade came (its epoch at or after [`SegmentLengthSince`]'s): its device could
	/// not reveal it, so its epoch is neither a fault nor an unrevealed workload, and counts
	/// as not audited. An outdated commitment of an earlier epoch had its whole window under
	/// the runtime it was made for, and is punished if left unrevealed, as any other.
	/// Returns the weight spent: the record's read, if the commitment is outdated.
	pub(crate) fn excuse_outdated(state: &mut WorkerState) -> Weight {
		let WorkStatus::Committed(commitment) = state.status else { return Weight::zero() };
		if !Self::outdated(&commitment) {
			return Weight::zero();
		}
		if SegmentLengthSince::<T>::get().is_some_and(|since| state.epoch >= since.epoch) {
			state.status = WorkStatus::NotChallenged;
		}
		T::DbWeight::get().reads(1)
	}

	/// On a runtime upgrade: if it changes the segment length, record the new one and the
	/// first epoch whose commitments it catches in their reveal window
	/// ([`SegmentLengthSince`]). This runs before the upgrade's block is initialised, at the
	/// block number of the block before it: the epoch in progress is caught if the upgrade's
	/// block is at or before its deadline, so if that block number is before it.
	///
	/// One record: a second change of the length before the commitments the first one
	/// caught are settled (within about an epoch) would leave them unexcused. The length is a
	/// runtime constant; an upgrade changing it again must wait an epoch.
	pub(crate) fn note_segment_length() -> Weight {
		let db = T::DbWeight::get();
		let segment_len = Self::segment_len();
		if SegmentLengthSince::<T>::get().is_some_and(|since| since.segment_len == segment_len) {
			return db.reads(1);
		}
		let epoch = T::Epochs::current();
		let now = frame_system::Pallet::<T>::block_number();
		let first = if now < T::Epochs::deadline(epoch.start) {
			epoch.index
		} else {
			epoch.index.saturating_add(1)
		};
		SegmentLengthSince::<T>::put(LengthSince { segment_len, epoch: first });
		// The record, the clock (its epoch, period and window), the block number; the record
		// written.
		db.reads_writes(5, 1)
	}

	/// The weight of [`Self::punish_unrevealed`]: a suspension and a slash in the registry.
	pub(crate) fn punish_weight() -> Weight {
		T::Registry::suspend_weight().saturating_add(T::Registry::slash_weight())
	}

	/// The audit draw: one blake2 of a few dozen bytes, as dear as one benchmarked workload
	/// step.
	pub fn audit_draw_weight() -> Weight {
		T::WeightInfo::recompute_segment(1)
	}

	/// Whether `device` is audited in `epoch`: drawn at [`Config::AuditRate`] from the seed of
	/// `epoch` ([`work::audited`]).
	pub fn audited(epoch: &EpochInfo<BlockNumberFor<T>>, device: DeviceId) -> bool {
		work::audited::<RuntimeHasher>(
			epoch.seed.as_fixed_bytes(),
			device,
			epoch.index,
			T::AuditRate::get().deconstruct(),
		)
	}

	/// A record that has just entered `epoch` as challenged stays challenged only if the
	/// epoch's draw audits the device. Returns whether it drew.
	pub(crate) fn enter_audit(
		device: DeviceId,
		state: &mut WorkerState,
		epoch: &EpochInfo<BlockNumberFor<T>>,
	) -> bool {
		if state.status != WorkStatus::Challenged {
			return false;
		}
		if !Self::audited(epoch, device) {
			state.status = WorkStatus::NotChallenged;
		}
		true
	}

	/// Settle a worker before its device retires, moves or changes hands (the registry's
	/// [`depin_proving::OnDeviceChange`] hook).
	pub(crate) fn settle_before_change(device: DeviceId, change: DeviceChange) {
		let Some(mut state) = Workers::<T>::get(device) else { return };
		let epoch = T::Epochs::current();
		Self::settle_for(device, &mut state, &epoch, T::Registry::is_active(device), Some(change));
		Workers::<T>::insert(device, state);
	}

	/// A device committed to a workload in `epoch` and did not reveal it by the deadline. The
	/// sampled segments are public before the reveal, so a device that would be caught faking
	/// could otherwise just stay silent and take an ordinary fault: not revealing costs what a
	/// caught fake costs (suspension and `FraudSlash`), also to a device that has retired
	/// since (its deposit stays held while it unbonds). Returns whether it was suspended.
	pub(crate) fn punish_unrevealed(device: DeviceId, epoch: EpochIndex) -> bool {
		// The registry reports the suspension and the slash with their own events.
		let suspended = T::Registry::suspend(device).is_ok();
		let _ = T::Registry::slash(device, T::FraudSlash::get());
		Self::deposit_event(Event::WorkUnrevealed { device, epoch });
		suspended
	}

	/// Settle `device`'s worker for the current epoch now, with its status as the registry
	/// has it, if it is enrolled and behind: before a batch item of it is checked (outside the
	/// item's storage layer, so its faults stand whatever the item is worth). Returns the
	/// weight spent.
	pub(crate) fn settle_now(device: DeviceId) -> Weight {
		let read = T::DbWeight::get().reads(1);
		let Some(mut state) = Workers::<T>::get(device) else { return read };
		let epoch = T::Epochs::current();
		if state.epoch >= epoch.index {
			return read;
		}
		let Settled { weight, .. } =
			Self::settle(device, &mut state, &epoch, T::Registry::is_active(device));
		Workers::<T>::insert(device, state);
		// Its record read and written, and the device's status read; at most the worst case.
		weight.saturating_add(T::DbWeight::get().reads_writes(2, 1)).min(Self::settle_weight())
	}

	/// Settle workers for the current epoch in `on_idle`, as many as `remaining` allows,
	/// resuming where the last block stopped; one pass per epoch.
	pub(crate) fn sweep_faults(remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		let step = Self::settle_weight();
		let epoch = T::Epochs::current();
		faults::sweep::<Workers<T>, Sweep<T>, _>(
			remaining,
			db,
			step,
			epoch.index,
			|device, state| {
				// The status read, and what settling spent (the sweep counts the record's read
				// and write).
				let active = T::Registry::is_active(device);
				Self::settle(device, state, &epoch, active).weight.saturating_add(db.reads(1))
			},
		)
	}

	// ---- Enrolment -----------------------------------------------------------------------

	pub(crate) fn do_enroll(who: T::AccountId, device_id: DeviceId) -> DispatchResult {
		devices::usable_device::<_, T::Registry>(device_id, Some(&who), DeviceKind::Compute)
			.map_err(Error::<T>::from)?;
		ensure!(!Workers::<T>::contains_key(device_id), Error::<T>::AlreadyEnrolled);
		let current = T::Epochs::current().index;
		Workers::<T>::insert(
			device_id,
			WorkerState { enrolled_in: current, epoch: current, ..Default::default() },
		);
		Self::deposit_event(Event::Enrolled {
			device: device_id,
			first_challenge: current.saturating_add(1),
		});
		Ok(())
	}

	pub(crate) fn do_withdraw(who: T::AccountId, device_id: DeviceId) -> DispatchResult {
		let mut state = Workers::<T>::get(device_id).ok_or(Error::<T>::NotEnrolled)?;
		let device = T::Registry::device(device_id);
		if let Some(device) = &device {
			ensure!(device.is_operator(&who), Error::<T>::NotDeviceOperator);
		}
		let active = device.as_ref().is_some_and(|d| d.is_active());
		let epoch = T::Epochs::current();
		let suspended = Self::settle(device_id, &mut state, &epoch, active).suspended;
		let active = active && !suspended;
		let open = matches!(state.status, WorkStatus::Challenged | WorkStatus::Committed(_));
		let past_deadline =
			frame_system::Pallet::<T>::block_number() > T::Epochs::deadline(epoch.start);
		ensure!(!active || !open || past_deadline, Error::<T>::ChallengeOpen);
		if past_deadline && matches!(state.status, WorkStatus::Committed(_)) {
			// Leaving does not dodge the penalty of a workload committed and not revealed.
			Self::punish_unrevealed(device_id, epoch.index);
		}
		Workers::<T>::remove(device_id);
		Self::deposit_event(Event::Withdrawn { device: device_id });
		Ok(())
	}

	/// Read and settle the worker of a compute device for the current epoch, for a
	/// commitment or a reveal, and check that it is active and challenged. The settled record
	/// is stored; if the item is then rejected, its storage layer rolls it back, and the next
	/// touch or the sweep settles the same faults again.
	fn challenged_worker(
		device_id: DeviceId,
		epoch: &EpochInfo<BlockNumberFor<T>>,
	) -> Result<(pallet_devices::DeviceKey, u64, WorkerState), Error<T>> {
		let device = T::Registry::device(device_id).ok_or(Error::<T>::UnknownDevice)?;
		ensure!(device.kind == DeviceKind::Compute, Error::<T>::NotComputeDevice);
		let mut state = Workers::<T>::get(device_id).ok_or(Error::<T>::NotEnrolled)?;
		let mut active = device.is_active();
		if state.epoch < epoch.index {
			// An inactive device is settled too: it is not challenged in this epoch, even if
			// it is resumed during it.
			let suspended = Self::settle(device_id, &mut state, epoch, active).suspended;
			Workers::<T>::insert(device_id, state);
			active = active && !suspended;
		}
		ensure!(active, Error::<T>::DeviceNotActive);
		ensure!(state.status != WorkStatus::NotChallenged, Error::<T>::NotChallenged);
		Ok((device.key, device.capacity, state))
	}

	/// The record of a compute device that may reveal in `epoch`, not settled: a record that
	/// has not entered `epoch` holds no commitment in it, and is refused as it stands (the
	/// sweep or the device's next commitment settles it). So a reveal is never charged a
	/// settlement.
	fn revealing_worker(
		device_id: DeviceId,
		epoch: &EpochInfo<BlockNumberFor<T>>,
	) -> Result<WorkerState, Error<T>> {
		let device = T::Registry::device(device_id).ok_or(Error::<T>::UnknownDevice)?;
		ensure!(device.kind == DeviceKind::Compute, Error::<T>::NotComputeDevice);
		let state = Workers::<T>::get(device_id).ok_or(Error::<T>::NotEnrolled)?;
		ensure!(state.epoch >= epoch.index, Error::<T>::NotCommitted);
		ensure!(device.is_active(), Error::<T>::DeviceNotActive);
		ensure!(state.status != WorkStatus::NotChallenged, Error::<T>::NotChallenged);
		Ok(state)
	}

	// ---- Commitments ---------------------------------------------------------------------

	/// One commitment checked in full (signature, write, event), its device settled: the
	/// benchmark's marginal cost of one more accepted commitment.
	pub fn commit_full_weight() -> Weight {
		T::WeightInfo::commit_work(1).saturating_sub(T::WeightInfo::commit_work(0))
	}

	/// One commitment refused before its signature, its device settled: the benchmark's
	/// marginal cost of one more refused by the last cheap check (device and worker read).
	pub fn commit_cheap_weight() -> Weight {
		T::WeightInfo::commit_work_rejected(1)
			.saturating_sub(T::WeightInfo::commit_work_rejected(0))
	}

	/// The weight charged for a batch of `n` commitments before dispatch: every one settled
	/// at the most settling can cost and checked in full. What the items did not use (cheap
	/// refusals, devices with nothing to settle) is refunded.
	pub fn commits_weight(n: u32) -> Weight {
		let item = Self::commit_full_weight().saturating_add(Self::settle_weight());
		Self::commits_base_weight().saturating_add(item.saturating_mul(u64::from(n)))
	}

	/// A commit batch's own weight: the benchmark's, and the reveal seed read once per batch
	/// (commitments close when it is drawn; the benchmark predates that check).
	fn commits_base_weight() -> Weight {
		T::WeightInfo::commit_work(0).saturating_add(T::DbWeight::get().reads(1))
	}

	pub(crate) fn do_commit_work(commits: crate::WorkCommitsOf<T>) -> DispatchResultWithPostInfo {
		ensure!(!commits.is_empty(), Error::<T>::EmptyBatch);
		let epoch = T::Epochs::current();
		let now = frame_system::Pallet::<T>::block_number();
		// Once the sample's seed is public, a commitment could be made to fit it: the window
		// closes at `reveal_at`, and also if the seed is out early (a governance change of the
		// response window moves `reveal_at` after it was drawn).
		let seed_drawn = Self::reveal_seed(epoch.index).is_some();
		let Verdicts { accepted, rejected, weight } = batch::process(
			&commits,
			Self::commits_base_weight(),
			|commit| Self::settle_now(commit.device),
			|commit| Self::process_commit(&epoch, now, seed_drawn, commit),
			|index, commit, error| {
				Self::deposit_event(Event::ItemRejected { index, device: commit.device, error })
			},
		);
		Self::deposit_event(Event::BatchProcessed { accepted, rejected });
		Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Default::default() })
	}

	/// Check and record one commitment: cheap checks, then the signature, then the write.
	/// Returns the weight spent: [`Self::commit_cheap_weight`] for a refusal before the
	/// signature, [`Self::commit_full_weight`] otherwise.
	pub(crate) fn process_commit(
		epoch: &EpochInfo<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
		seed_drawn: bool,
		commit: &WorkCommit,
	) -> Result<Weight, Rejection> {
		let (cheap, full) = (Self::commit_cheap_weight(), Self::commit_full_weight());
		let reject = |error: Error<T>, weight: Weight| (error.into(), weight);
		epoch::ensure_current(commit.epoch, epoch.index).map_err(|e| reject(e.into(), cheap))?;
		if seed_drawn || now >= Self::reveal_at(epoch.start) {
			return Err(reject(Error::<T>::CommitWindowClosed, cheap));
		}
		let (key, capacity, mut state) =
			Self::challenged_worker(commit.device, epoch).map_err(|e| reject(e, cheap))?;
		if state.status != WorkStatus::Challenged {
			return Err(reject(Error::<T>::AlreadyCommitted, cheap));
		}

		let commitment = WorkCommitment {
			root: commit.root,
			segments: Self::segments_for(capacity),
			segment_len: Self::segment_len(),
		};
		let message = Self::commit_message(
			commit.device,
			epoch.index,
			commit.root,
			commitment.segments,
			commitment.segment_len,
		);
		if !key.verify(&message, &commit.signature) {
			return Err(reject(Error::<T>::BadSignature, full));
		}

		state.status = WorkStatus::Committed(commitment);
		Workers::<T>::insert(commit.device, state);
		Self::deposit_event(Event::WorkCommitted {
			device: commit.device,
			epoch: epoch.index,
			root: commit.root,
			segments: commitment.segments,
		});
		Ok(full)
	}

	// ---- Reveals -------------------------------------------------------------------------

	/// The weight of checking one reveal of `samples` segments: everything but the hashing of
	/// the segments (benchmarked at the deepest tree), plus `samples` recomputations of
	/// `SegmentLength` steps.
	pub fn reveal_weight(samples: u32) -> Weight {
		let segment = T::WeightInfo::recompute_segment(Self::segment_len());
		T::WeightInfo::reveal_work(samples).saturating_add(segment.saturating_mul(samples.into()))
	}

	/// The weight charged for one reveal: the check, and a fraud's suspension and slash. A
	/// reveal settles nothing ([`Self::revealing_worker`]).
	pub fn reveal_item_weight(samples: u32) -> Weight {
		Self::reveal_weight(samples)
			.saturating_add(T::Registry::suspend_weight())
			.saturating_add(T::Registry::slash_weight())
	}

	/// The weight a batch of reveals is charged before dispatch.
	pub fn reveals_weight(reveals: &[WorkRevealOf<T>]) -> Weight {
		reveals.iter().fold(Weight::zero(), |acc, r| {
			acc.saturating_add(Self::reveal_item_weight(r.segments.len() as u32))
		})
	}

	/// Whether `commits` make progress now, checked as a block checks them within `budget`
	/// (nothing is kept; [`batch::makes_progress`]): what the transaction pool ranks a
	/// submission by. A workload already committed is work done.
	pub fn commits_make_progress(commits: &[WorkCommit], budget: Weight) -> bool {
		let (epoch, now) = (T::Epochs::current(), frame_system::Pallet::<T>::block_number());
		let seed_drawn = Self::reveal_seed(epoch.index).is_some();
		let done = [Error::<T>::AlreadyCommitted.into()];
		let check = |commit: &WorkCommit| {
			let result = Self::process_commit(&epoch, now, seed_drawn, commit);
			batch::Progress::of(result, &done)
		};
		batch::makes_progress(commits, budget, |commit| Self::settle_now(commit.device), check)
	}

	/// Whether `reveals` make progress now, checked as a block checks them within `budget`
	/// (nothing is kept; [`batch::makes_progress`]): what the transaction pool ranks a
	/// submission by. A workload already revealed is work done. A reveal that does not
	/// recompute is progress too (its device is slashed when it is included), but only the
	/// device knows the checkpoints that get a reveal that far.
	pub fn reveals_make_progress(reveals: &[WorkRevealOf<T>], budget: Weight) -> bool {
		let (epoch, now) = (T::Epochs::current(), frame_system::Pallet::<T>::block_number());
		let done = [Error::<T>::AlreadyRevealed.into()];
		let check = |reveal: &WorkRevealOf<T>| {
			batch::Progress::of(Self::process_reveal(&epoch, now, reveal), &done)
		};
		batch::makes_progress(reveals, budget, batch::nothing_to_settle, check)
	}

	pub(crate) fn do_reveal_work(reveals: crate::WorkRevealsOf<T>) -> DispatchResultWithPostInfo {
		ensure!(!reveals.is_empty(), Error::<T>::EmptyBatch);
		let epoch = T::Epochs::current();
		let now = frame_system::Pallet::<T>::block_number();
		let Verdicts { accepted, rejected, weight } = batch::process(
			&reveals,
			Weight::zero(),
			batch::nothing_to_settle,
			|reveal| Self::process_reveal(&epoch, now, reveal),
			|index, reveal, error| {
				Self::deposit_event(Event::ItemRejected { index, device: reveal.device, error })
			},
		);
		Self::deposit_event(Event::BatchProcessed { accepted, rejected });
		Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Default::default() })
	}

	/// Check one reveal: cheap checks, then the sampled indices and Merkle paths of every
	/// segment, then the recomputation of each, then the writes. A recomputation that misses
	/// its checkpoint is recorded as faked work (and counts as accepted processing). Returns
	/// the weight spent.
	pub(crate) fn process_reveal(
		epoch: &EpochInfo<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
		reveal: &WorkRevealOf<T>,
	) -> Result<Weight, Rejection> {
		Self::process_reveal_of(epoch, now, reveal, Self::samples(), Self::segment_len())
	}

	/// [`Self::process_reveal`] with the number of samples and the segment length given: the
	/// benchmarks measure every count up to the bound, whatever the configured one, and
	/// segments of no steps (their hashing is measured on its own).
	pub(crate) fn process_reveal_of(
		epoch: &EpochInfo<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
		reveal: &WorkRevealOf<T>,
		expected_samples: u32,
		segment_len: u32,
	) -> Result<Weight, Rejection> {
		let samples = reveal.segments.len() as u32;
		// Nothing is settled (`revealing_worker`): the reads are in the cheapest case.
		let cheap = T::WeightInfo::reveal_work(0);
		let full = Self::reveal_weight(samples);
		let reject = |error: Error<T>, weight: Weight| (error.into(), weight);

		epoch::ensure_current(reveal.epoch, epoch.index).map_err(|e| reject(e.into(), cheap))?;
		let seed =
			Self::reveal_seed(epoch.index).ok_or(reject(Error::<T>::RevealNotOpen, cheap))?;
		if now > T::Epochs::deadline(epoch.start) {
			return Err(reject(Error::<T>::DeadlinePassed, cheap));
		}
		if samples != expected_samples {
			return Err(reject(Error::<T>::WrongSampleCount, cheap));
		}
		let mut state =
			Self::revealing_worker(reveal.device, epoch).map_err(|e| reject(e, cheap))?;
		let commitment = match state.status {
			WorkStatus::Committed(commitment) => commitment,
			WorkStatus::Challenged => return Err(reject(Error::<T>::NotCommitted, cheap)),
			_ => return Err(reject(Error::<T>::AlreadyRevealed, cheap)),
		};
		// Charged at today's segment length: a commitment made before an upgrade changed it
		// is not recomputed (its epoch is excused when settled, `excuse_outdated`).
		ensure!(commitment.segment_len == segment_len, reject(Error::<T>::WorkloadChanged, cheap));

		let outcome =
			Self::check_reveal(epoch, &seed, reveal, &commitment).map_err(|e| reject(e, full))?;
		match outcome {
			Revealed::Proven => {
				// An audit passed: no reward. Compute rewards follow paid jobs only
				// (`pallet-jobs`); capacity nobody pays for earns nothing.
				state.status = WorkStatus::Proven;
				Workers::<T>::insert(reveal.device, state);
				Self::deposit_event(Event::WorkProven {
					device: reveal.device,
					epoch: epoch.index,
					segments: commitment.segments,
				});
				Ok(full)
			},
			Revealed::Faked { segment } => {
				state.status = WorkStatus::Faked;
				Workers::<T>::insert(reveal.device, state);
				// The registry reports the suspension and the slash with their own events.
				let _ = T::Registry::suspend(reveal.device);
				let _ = T::Registry::slash(reveal.device, T::FraudSlash::get());
				Self::deposit_event(Event::WorkFaked {
					device: reveal.device,
					epoch: epoch.index,
					segment,
				});
				Ok(full
					.saturating_add(T::Registry::suspend_weight())
					.saturating_add(T::Registry::slash_weight()))
			},
		}
	}

	/// The checks of a reveal against its commitment, without storage: the multiproof's
	/// length and the sampled indices, the start of segment 0, the multiproof, then the
	/// recomputations.
	pub(crate) fn check_reveal(
		epoch: &EpochInfo<BlockNumberFor<T>>,
		reveal_seed: &H256,
		reveal: &WorkRevealOf<T>,
		commitment: &WorkCommitment,
	) -> Result<Revealed, Error<T>> {
		let depth = depin_merkle::depth_for(commitment.segments);
		// Two checkpoints a segment, each with at most a whole path.
		let most = (reveal.segments.len() as u32).saturating_mul(2).saturating_mul(depth);
		ensure!(reveal.proof.len() as u32 <= most, Error::<T>::WrongPathLength);
		for (i, segment) in reveal.segments.iter().enumerate() {
			let expected = Self::sampled_segment(reveal_seed, reveal.device, commitment, i as u32);
			ensure!(expected == Some(segment.index), Error::<T>::WrongSegment);
			if segment.index == 0 {
				ensure!(
					segment.start == Self::work_start(epoch, reveal.device),
					Error::<T>::WrongStart
				);
			}
		}
		let opened = reveal.segments.iter().map(|segment| {
			(segment.index, segment.start.to_fixed_bytes(), segment.end.to_fixed_bytes())
		});
		let leaves =
			work::revealed_leaves::<RuntimeHasher>(opened).ok_or(Error::<T>::InvalidMerkleProof)?;
		let proof: alloc::vec::Vec<[u8; 32]> =
			reveal.proof.iter().map(|h| h.to_fixed_bytes()).collect();
		let root = depin_merkle::root_from_multiproof::<RuntimeHasher>(&leaves, depth, &proof);
		ensure!(root == Some(commitment.root.to_fixed_bytes()), Error::<T>::InvalidMerkleProof);
		for segment in reveal.segments.iter() {
			let end = work::iterate::<RuntimeHasher>(
				segment.start.as_fixed_bytes(),
				commitment.segment_len,
			);
			if end != segment.end.to_fixed_bytes() {
				return Ok(Revealed::Faked { segment: segment.index });
			}
		}
		Ok(Revealed::Proven)
	}
}

impl<T: Config> depin_proving::OnDeviceChange for Pallet<T> {
	fn before_change(device: DeviceId, change: DeviceChange) {
		if change == DeviceChange::Remove {
			// Retired and settled then: nothing is left to settle.
			Workers::<T>::remove(device);
			return;
		}
		Self::settle_before_change(device, change)
	}

	/// A settlement (the worker's and the device's reads, the worker's write, the registry),
	/// and the epoch in progress charged on top when the device retires; one deletion when it
	/// is removed.
	fn weight(change: DeviceChange) -> Weight {
		if change == DeviceChange::Remove {
			return T::DbWeight::get().writes(1);
		}
		Self::settle_weight().saturating_add(faults::max_settle_weight::<_, T::Registry>())
	}
}
