//! The logic behind the calls and hooks.

use crate::{
	pallet::*, types::*, weights::WeightInfo, OnProofAccepted, ProvingEpochs, StorageProofOf,
};
use alloc::vec::Vec;
use depin_primitives::{deals::DealId, RuntimeHasher};
use depin_proving::{
	batch::{self, Rejection, Verdicts},
	devices, epoch,
	faults::{self, FaultRules, Settled},
	usage,
};
use frame_support::{
	dispatch::DispatchResultWithPostInfo,
	ensure,
	pallet_prelude::{DispatchError, DispatchResult, Get, Weight},
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry, DeviceStatus};
use sp_core::H256;
use sp_runtime::traits::Zero;

impl<T: Config> depin_proving::OnDeviceChange for Pallet<T> {
	fn before_change(device: DeviceId, change: depin_proving::DeviceChange) {
		if change == depin_proving::DeviceChange::Remove {
			// Its sectors and record: nobody would remove them, and the sweep would visit
			// them every epoch. Their roots are free again; their deals end, failed by the
			// provider.
			let sectors: Vec<_> =
				Sectors::<T>::drain_prefix(device).map(|(index, s)| (index, s.root)).collect();
			for (index, root) in sectors {
				Self::sector_gone(device, index, root);
			}
			Provers::<T>::remove(device);
			return;
		}
		if change == depin_proving::DeviceChange::Transfer {
			// The epochs its deals counted so far were earned under the seller: paid to it
			// now, not to the buyer at the next settlement.
			Self::settle_device_deals(device);
		}
		Self::settle_before_change(device, change)
	}

	/// A settlement as the benchmark measured it (record, registry), and the epoch in progress
	/// charged on top when the device retires; deleting every sector and the record when it
	/// is removed.
	fn weight(change: depin_proving::DeviceChange) -> Weight {
		if change == depin_proving::DeviceChange::Remove {
			let sector = T::DbWeight::get().writes(1).saturating_add(Self::deal_end_weight());
			return sector
				.saturating_mul(u64::from(T::MaxSectorsPerDevice::get()))
				.saturating_add(T::DbWeight::get().writes(1));
		}
		let deals = if change == depin_proving::DeviceChange::Transfer {
			T::WeightInfo::settle_deal().saturating_mul(u64::from(T::MaxSectorsPerDevice::get()))
		} else {
			Weight::zero()
		};
		Self::settle_weight()
			.saturating_add(faults::max_settle_weight::<_, T::Registry>())
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(deals)
	}
}

depin_proving::impl_fault_events!();
depin_proving::impl_refusal_errors!(NotStorageDevice);

impl<T: Config> Pallet<T> {
	/// The number of chunks each sector is challenged on, within the configured bound.
	pub fn challenges_per_sector() -> u32 {
		T::ChallengesPerSector::get().clamp(1, T::MaxChallengesPerSector::get().max(1))
	}

	/// The last block at which proofs for the epoch starting at `start` are accepted.
	pub fn deadline(start: BlockNumberFor<T>) -> BlockNumberFor<T> {
		T::Epochs::deadline(start)
	}

	/// The challenge of `sector` of `device` in `epoch` and the chunk indices it asks for.
	///
	/// Only the current epoch has a challenge: a later epoch's seed does not exist yet
	/// (`EpochNotStarted`), an earlier one is closed (`StaleEpoch`). A sector committed in
	/// `epoch` is not challenged before the next one, and a device the epoch does not audit
	/// has no challenge in it (`SectorNotChallenged`).
	pub fn storage_challenge(
		device: DeviceId,
		sector: SectorIndex,
		epoch: EpochIndex,
	) -> Result<(H256, Vec<u32>), DispatchError> {
		let current = T::Epochs::current();
		epoch::ensure_current(epoch, current.index).map_err(Error::<T>::from)?;
		let sector_info = Sectors::<T>::get(device, sector).ok_or(Error::<T>::UnknownSector)?;
		ensure!(sector_info.committed_in < epoch, Error::<T>::SectorNotChallenged);
		// Audited in it, as the device's record has it (or would, entering it now).
		let audited =
			Self::settled_state(device).is_some_and(|(state, ..)| state.last_audit == epoch);
		ensure!(audited, Error::<T>::SectorNotChallenged);
		let challenge = Self::challenge_of(&current.seed, device, sector, &sector_info);
		let indices =
			challenge_indices(&challenge, Self::challenges_per_sector(), sector_info.chunks)
				.ok_or(Error::<T>::EmptySector)?;
		Ok((challenge, indices))
	}

	fn challenge_of(seed: &H256, device: DeviceId, sector: SectorIndex, info: &Sector) -> H256 {
		challenge(seed, device, sector, &info.root)
	}

	fn challenge_index(challenge: &H256, i: u32, chunks: u32) -> Result<u32, DispatchError> {
		depin_merkle::challenge_index::<RuntimeHasher>(challenge.as_fixed_bytes(), i, chunks)
			.ok_or_else(|| Error::<T>::EmptySector.into())
	}

	/// The bytes a device's key signs to answer a challenge: the enveloped
	/// [`StorageProofStatement`].
	pub fn proof_message(
		device: DeviceId,
		sector: SectorIndex,
		epoch: EpochIndex,
		challenge: H256,
	) -> Vec<u8> {
		depin_primitives::envelope::message(
			STORAGE_PROOF_CONTEXT,
			depin_proving::genesis_hash::<T>(),
			&StorageProofStatement { device, sector, epoch, challenge },
		)
	}

	// ---- Faults --------------------------------------------------------------------------

	/// The most settling a device can cost: its record read and written, the registry's
	/// benchmarked settlement (recording faults, suspending, slashing): the kit's one settle
	/// weight; and the audit draw of the epoch it enters.
	pub fn settle_weight() -> Weight {
		faults::settle_weight::<_, T::Registry>(T::DbWeight::get())
			.saturating_add(Self::audit_draw_weight())
	}

	/// The audit draw: one blake2 of a few dozen bytes, as dear as one benchmarked node of a
	/// Merkle path.
	pub fn audit_draw_weight() -> Weight {
		T::WeightInfo::merkle_chunk_check(1).saturating_sub(T::WeightInfo::merkle_chunk_check(0))
	}

	/// The audit rate in parts per billion ([`Config::AuditRate`]).
	pub fn audit_rate() -> u32 {
		T::AuditRate::get().deconstruct()
	}

	/// Whether `device` is audited in `epoch`: drawn at [`Config::AuditRate`] from the epoch's
	/// seed. An audited device has every live sector challenged.
	pub fn audited(epoch: &EpochInfo<BlockNumberFor<T>>, device: DeviceId) -> bool {
		depin_primitives::storage::audited(&epoch.seed, device, epoch.index, Self::audit_rate())
	}

	/// `state` as the fault ledger settles it into `epoch`: with the epoch's audit draw.
	pub(crate) fn ledger<'a>(
		device: DeviceId,
		state: &'a mut ProverState,
		epoch: &EpochInfo<BlockNumberFor<T>>,
	) -> Audited<'a> {
		Audited { state, device, seed: epoch.seed, rate: Self::audit_rate() }
	}

	/// The storage kind's fault rules, from its (governed) parameters.
	fn fault_rules() -> FaultRules {
		FaultRules { threshold: T::FaultThreshold::get(), slash: T::FaultSlash::get() }
	}

	/// Bring `state` up to `epoch`, the epoch in progress, with the proving kit's fault
	/// ledger: count the epochs it missed since it was last settled, suspend and slash at the
	/// threshold, and enter `epoch` audited or not. O(1) whatever the gap. `active` is the
	/// device's status as the caller read it. Returns what the registry spent (the audit draw
	/// of an entered epoch is the caller's to count: [`Self::audit_draw_weight`]).
	///
	/// Only a device active when it is settled into an epoch is challenged in it, so an
	/// inactive one collects no faults, and one resumed mid-epoch is challenged from the next.
	pub(crate) fn settle(
		device: DeviceId,
		state: &mut ProverState,
		epoch: &EpochInfo<BlockNumberFor<T>>,
		active: bool,
	) -> Settled {
		faults::settle::<_, T::Registry, _>(
			device,
			&mut Self::ledger(device, state, epoch),
			epoch.index,
			active,
			Self::fault_rules(),
			|event| Self::deposit_event((device, event).into()),
		)
	}

	/// Settle a device before it retires, moves or changes hands (the registry's
	/// [`depin_proving::OnDeviceChange`] hook): its missed epochs, and if it retires, the epoch
	/// in progress if a sector challenged in it is unproven.
	pub(crate) fn settle_before_change(device: DeviceId, change: depin_proving::DeviceChange) {
		let Some(mut state) = Provers::<T>::get(device) else { return };
		let epoch = T::Epochs::current();
		let active = T::Registry::is_active(device);
		faults::settle_before_change::<_, T::Registry, _>(
			device,
			&mut Self::ledger(device, &mut state, &epoch),
			epoch.index,
			active,
			change,
			Self::fault_rules(),
			|event| Self::deposit_event((device, event).into()),
		);
		Provers::<T>::insert(device, state);
	}

	/// Settle `device`'s past epochs now, with its status as the registry has it, if it has a
	/// proving record: before a batch item of it is checked (outside the item's storage
	/// layer, so its faults stand whatever the item is worth). Returns the weight spent.
	pub(crate) fn settle_now(device: DeviceId) -> Weight {
		let read = T::DbWeight::get().reads(1);
		let Some(mut state) = Provers::<T>::get(device) else { return read };
		let epoch = T::Epochs::current();
		let draw =
			if state.epoch < epoch.index { Self::audit_draw_weight() } else { Weight::zero() };
		let Settled { weight, .. } =
			Self::settle(device, &mut state, &epoch, T::Registry::is_active(device));
		if weight.is_zero() {
			return read.saturating_add(draw);
		}
		Provers::<T>::insert(device, state);
		weight.saturating_add(draw).saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}

	/// Settle devices for the current epoch in `on_idle`, as many as `remaining` allows,
	/// resuming where the last block stopped; one pass per epoch.
	pub(crate) fn sweep_faults(remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		let step = Self::settle_weight().saturating_add(db.reads(1));
		let epoch = T::Epochs::current();
		faults::sweep::<Provers<T>, Sweep<T>, _>(
			remaining,
			db,
			step,
			epoch.index,
			|device, state| {
				// The status read, the audit draw, and what settling spent in the registry
				// (nothing without faults).
				let active = T::Registry::is_active(device);
				Self::settle(device, state, &epoch, active)
					.weight
					.saturating_add(db.reads(1))
					.saturating_add(Self::audit_draw_weight())
			},
		)
	}

	// ---- Sectors -------------------------------------------------------------------------

	pub(crate) fn do_commit_sector(
		who: T::AccountId,
		device_id: DeviceId,
		root: H256,
		chunks: u32,
	) -> DispatchResult {
		ensure!(chunks > 0, Error::<T>::EmptySector);
		ensure!(
			depin_merkle::depth_for(chunks) <= T::MaxTreeDepth::get(),
			Error::<T>::SectorTooLarge
		);
		let device =
			devices::usable_device::<_, T::Registry>(device_id, Some(&who), DeviceKind::Storage)
				.map_err(Error::<T>::from)?;

		// A root is kept once on the chain: free, or a deal of this device waiting for it at
		// this size.
		let deal = Self::deal_for_commit(device_id, root, chunks)?;

		let epoch = T::Epochs::current();
		let current = epoch.index;
		let mut state = Provers::<T>::get(device_id)
			.unwrap_or(ProverState { epoch: current, ..Default::default() });
		// Settling may suspend it; then this fails and nothing changes (the sweep records the
		// faults).
		let settled = Self::settle(device_id, &mut state, &epoch, true);
		ensure!(!settled.suspended, Error::<T>::DeviceNotActive);
		ensure!(state.sectors < T::MaxSectorsPerDevice::get(), Error::<T>::TooManySectors);
		let committed_in = Self::commitment_epoch();
		let sector = Sector { root, chunks, committed_in, proven_in: None };
		let committed =
			state.committed_bytes.checked_add(sector.bytes()).ok_or(Error::<T>::Overflow)?;
		ensure!(committed <= device.capacity, Error::<T>::CapacityExceeded);
		let index = state.next_sector;
		state.next_sector = index.checked_add(1).ok_or(Error::<T>::Overflow)?;
		state.sectors = state.sectors.saturating_add(1);
		state.committed_bytes = committed;
		if committed_in > current {
			// Not challenged in the next epoch: its seed is this block's.
			state.late = state.late.saturating_add(1);
		}

		Sectors::<T>::insert(device_id, index, sector);
		Provers::<T>::insert(device_id, state);
		let holder =
			RootHolder { device: device_id, sector: Some(index), deal: deal.as_ref().map(|d| d.0) };
		RootHolders::<T>::insert(root, holder);
		Self::deposit_event(Event::SectorCommitted {
			device: device_id,
			sector: index,
			root,
			chunks,
			first_challenge: committed_in.saturating_add(1),
		});
		if let Some((id, deal)) = deal {
			Self::activate(id, deal, device_id, index, committed_in);
		}
		Ok(())
	}

	pub(crate) fn do_remove_sector(
		who: T::AccountId,
		device_id: DeviceId,
		index: SectorIndex,
	) -> DispatchResult {
		let sector = Sectors::<T>::get(device_id, index).ok_or(Error::<T>::UnknownSector)?;
		let device = T::Registry::device(device_id);
		if let Some(device) = &device {
			ensure!(device.is_operator(&who), Error::<T>::NotDeviceOperator);
			// Removing a deal's sector ends the deal at its publisher's cost: its call.
			ensure!(Self::may_end_sector_deal(&who, device_id, index), Error::<T>::NotDealParty);
		}
		let active = device.as_ref().is_some_and(|d| matches!(d.status, DeviceStatus::Active));
		let epoch = T::Epochs::current();
		let mut state = Provers::<T>::get(device_id).unwrap_or_default();
		// Settled whatever its status: an inactive device moves to this epoch unchallenged, so
		// the epochs it was inactive in never count as missed once it is resumed.
		let suspended = Self::settle(device_id, &mut state, &epoch, active).suspended;
		let active = active && !suspended;

		ensure!(!active || !Self::challenge_open(&sector), Error::<T>::ChallengeOpen);

		Self::drop_sector(device_id, index, &sector, state, device.is_some());
		Self::deposit_event(Event::SectorRemoved { device: device_id, sector: index });
		Ok(())
	}

	/// Whether `sector`'s challenge of the current epoch is open: it is challenged in it, not
	/// answered yet, and the deadline has not passed. (Of an active device: an inactive one is
	/// not challenged.) Such a sector is neither removed nor evicted: its proof is due.
	pub(crate) fn challenge_open(sector: &Sector) -> bool {
		let epoch = T::Epochs::current();
		let challenged = sector.committed_in < epoch.index;
		let answered = sector.proven_in == Some(epoch.index);
		let past_deadline = frame_system::Pallet::<T>::block_number() > Self::deadline(epoch.start);
		challenged && !answered && !past_deadline
	}

	/// Remove `sector` (number `index`) of `device`, kept without a deal, for `deal`, which claimed its
	/// root: settled first, as a removal is. Only when its challenge of this epoch is not open
	/// ([`Self::challenge_open`], checked by the publication): an eviction neither costs an
	/// honest provider a proof it was about to give, nor lets a provider that lost the data
	/// escape the miss.
	pub(crate) fn evict_sector(
		device: DeviceId,
		index: SectorIndex,
		sector: &Sector,
		deal: DealId,
	) {
		let registered = T::Registry::device(device);
		let active = registered.as_ref().is_some_and(|d| matches!(d.status, DeviceStatus::Active));
		let mut state = Provers::<T>::get(device).unwrap_or_default();
		Self::settle(device, &mut state, &T::Epochs::current(), active);
		Self::drop_sector(device, index, sector, state, registered.is_some());
		Self::deposit_event(Event::SectorEvicted {
			device,
			sector: index,
			root: sector.root,
			deal,
		});
	}

	/// Forget `sector` (number `index`) of `device`, whose record `state` is settled: its
	/// counters, its deal (ended by the provider) and its root. The record goes with the last
	/// sector of a device that no longer `exists`.
	pub(crate) fn drop_sector(
		device: DeviceId,
		index: SectorIndex,
		sector: &Sector,
		mut state: ProverState,
		exists: bool,
	) {
		state.sectors = state.sectors.saturating_sub(1);
		state.committed_bytes = state.committed_bytes.saturating_sub(sector.bytes());
		if sector.committed_in > state.epoch {
			state.late = state.late.saturating_sub(1);
		}
		Sectors::<T>::remove(device, index);
		Self::sector_gone(device, index, sector.root);
		if state.sectors == 0 && !exists {
			Provers::<T>::remove(device);
		} else {
			Provers::<T>::insert(device, state);
		}
	}

	/// The epoch a sector committed now counts as committed in. Committed in an epoch's last
	/// block, whose VRF output seeds the next epoch's challenges, its author would know the
	/// sector's first challenge: it counts from the epoch after.
	pub(crate) fn commitment_epoch() -> EpochIndex {
		let info = T::Epochs::current();
		let now = frame_system::Pallet::<T>::block_number();
		epoch::counts_from(info.index, now, T::Epochs::next_start(info.start))
	}

	// ---- Proofs --------------------------------------------------------------------------

	/// The weight of checking and recording one proof of `chunks` chunks with paths of
	/// `depth`: the proof at depth 0, plus the node hashes of `chunks` paths.
	pub fn prove_weight(chunks: u32, depth: u32) -> Weight {
		let path = T::WeightInfo::merkle_chunk_check(depth)
			.saturating_sub(T::WeightInfo::merkle_chunk_check(0));
		T::WeightInfo::prove_storage(chunks).saturating_add(path.saturating_mul(chunks.into()))
	}

	/// The weight charged for one proof of `chunks` chunks with paths of `depth`: the full
	/// check, the most settling can cost, its deal's payment and the points hook.
	pub fn storage_proof_weight(chunks: u32, depth: u32) -> Weight {
		Self::prove_weight(chunks, depth)
			.saturating_add(Self::settle_weight())
			.saturating_add(crate::deals::deal_payment_weight::<T>())
			.saturating_add(T::OnProofAccepted::weight())
	}

	/// The weight a batch is charged before dispatch (refunded after for the work not done).
	pub fn storage_proofs_weight(proofs: &[StorageProofOf<T>]) -> Weight {
		proofs.iter().fold(T::WeightInfo::submit_storage_proofs_rejected(0), |acc, proof| {
			acc.saturating_add(Self::storage_proof_weight(proof.chunks.len() as u32, proof.depth()))
		})
	}

	/// The weight of a proof rejected by the cheap checks: the benchmark's marginal cost of
	/// one more rejected item, plus the device and sector reads (the benchmark's items share
	/// one device, so its reads are cached after the first; a real batch's need not be).
	pub fn cheap_rejection_weight() -> Weight {
		T::WeightInfo::submit_storage_proofs_rejected(1)
			.saturating_sub(T::WeightInfo::submit_storage_proofs_rejected(0))
			.saturating_add(T::DbWeight::get().reads(2))
	}

	pub(crate) fn do_submit_storage_proofs(
		proofs: crate::StorageProofsOf<T>,
	) -> DispatchResultWithPostInfo {
		ensure!(!proofs.is_empty(), Error::<T>::EmptyBatch);
		let epoch = T::Epochs::current();
		let now = frame_system::Pallet::<T>::block_number();
		let verdicts = batch::process(
			&proofs,
			T::WeightInfo::submit_storage_proofs_rejected(0),
			|proof| Self::settle_now(proof.device),
			|proof| Self::process_storage_proof(&epoch, now, proof),
			|index, proof, error| {
				Self::deposit_event(Event::ItemRejected { index, device: proof.device, error })
			},
		);
		let Verdicts { accepted, rejected, weight } = verdicts;
		Self::deposit_event(Event::BatchProcessed { accepted, rejected });
		Ok(Some(weight).into())
	}

	/// Whether `proofs` make progress now, checked as a block checks them within `budget`
	/// (nothing is kept; [`batch::makes_progress`]): what the transaction pool ranks a
	/// submission by. A proof already proven is work done.
	pub fn makes_progress(proofs: &[StorageProofOf<T>], budget: Weight) -> bool {
		let (epoch, now) = (T::Epochs::current(), frame_system::Pallet::<T>::block_number());
		let done = [Error::<T>::AlreadyProven.into()];
		let check = |proof: &StorageProofOf<T>| {
			batch::Progress::of(Self::process_storage_proof(&epoch, now, proof), &done)
		};
		batch::makes_progress(proofs, budget, |proof| Self::settle_now(proof.device), check)
	}

	/// Check one proof and record it: cheap checks (epoch, sizes, device, sector), then
	/// settling the device's past epochs, then hashing and the signature, writes last.
	/// Returns the weight spent, whether accepted or not.
	pub(crate) fn process_storage_proof(
		epoch: &EpochInfo<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
		proof: &StorageProofOf<T>,
	) -> Result<Weight, Rejection> {
		Self::process_storage_proof_of(epoch, now, proof, Self::challenges_per_sector())
	}

	/// [`Self::process_storage_proof`] with the number of challenged chunks given: the
	/// benchmarks measure every count up to the bound, whatever the configured one.
	pub(crate) fn process_storage_proof_of(
		epoch: &EpochInfo<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
		proof: &StorageProofOf<T>,
		challenges: u32,
	) -> Result<Weight, Rejection> {
		let cheap = |error: Error<T>| (error.into(), Self::cheap_rejection_weight());

		// Cheap: no storage.
		epoch::ensure_on_time(proof.epoch, epoch.index, now, Self::deadline(epoch.start))
			.map_err(|refusal| cheap(refusal.into()))?;
		if proof.chunks.len() as u32 != challenges {
			return Err(cheap(Error::<T>::WrongChallengeCount));
		}

		// Cheap: two reads.
		let device =
			devices::usable_device::<_, T::Registry>(proof.device, None, DeviceKind::Storage)
				.map_err(|refusal| cheap(refusal.into()))?;
		let mut sector = Sectors::<T>::get(proof.device, proof.sector)
			.ok_or(cheap(Error::<T>::UnknownSector))?;
		if sector.committed_in >= epoch.index {
			return Err(cheap(Error::<T>::SectorNotChallenged));
		}
		if sector.proven_in == Some(epoch.index) {
			return Err(cheap(Error::<T>::AlreadyProven));
		}
		let depth = sector.depth();
		if proof.chunks.iter().any(|c| c.path.len() as u32 != depth) {
			return Err(cheap(Error::<T>::WrongPathLength));
		}

		// Past epochs first (the batch settled them before the item's storage layer; a proof
		// checked on its own, as the benchmarks do, settles here).
		let mut state = Provers::<T>::get(proof.device).unwrap_or_default();
		let draw =
			if state.epoch < epoch.index { Self::audit_draw_weight() } else { Weight::zero() };
		let Settled { weight: settled, suspended } =
			Self::settle(proof.device, &mut state, epoch, true);
		if !settled.is_zero() {
			Provers::<T>::insert(proof.device, state);
		}
		let settled = settled.saturating_add(draw);
		if suspended {
			return Err((
				Error::<T>::DeviceNotActive.into(),
				Self::cheap_rejection_weight().saturating_add(settled),
			));
		}
		if state.proven >= state.challenged {
			// Not audited in this epoch, or resumed during it (challenged from the next one).
			return Err((
				Error::<T>::SectorNotChallenged.into(),
				Self::cheap_rejection_weight().saturating_add(settled),
			));
		}
		let full = Self::prove_weight(proof.chunks.len() as u32, depth).saturating_add(settled);
		let expensive = |error: Error<T>| (error.into(), full);

		// Hashing: the challenge and the indices it asks for.
		let challenge = Self::challenge_of(&epoch.seed, proof.device, proof.sector, &sector);
		for (i, chunk) in proof.chunks.iter().enumerate() {
			let expected = Self::challenge_index(&challenge, i as u32, sector.chunks)
				.map_err(|e| (e, full))?;
			if chunk.index != expected {
				return Err(expensive(Error::<T>::WrongChunkIndex));
			}
		}

		// The device's signature.
		let message = Self::proof_message(proof.device, proof.sector, epoch.index, challenge);
		if !device.key.verify(&message, &proof.signature) {
			return Err(expensive(Error::<T>::BadSignature));
		}

		// The Merkle paths.
		let root = sector.root.to_fixed_bytes();
		for chunk in proof.chunks.iter() {
			let path: Vec<[u8; 32]> = chunk.path.iter().map(|h| h.to_fixed_bytes()).collect();
			depin_merkle::verify_chunk::<RuntimeHasher>(
				&root,
				sector.chunks,
				chunk.index,
				&chunk.chunk,
				&path,
			)
			.map_err(|_| expensive(Error::<T>::InvalidMerkleProof))?;
		}

		// Writes.
		sector.proven_in = Some(epoch.index);
		state.proven = state.proven.saturating_add(1);
		Sectors::<T>::insert(proof.device, proof.sector, sector);
		Provers::<T>::insert(proof.device, state);
		// Only a deal-backed sector earns: its epoch is paid, and the fee burned caps what
		// its points may draw from the pool.
		let paid = Self::pay_epoch(proof.device, proof.sector, epoch.index, &state);
		let mut spent = full.saturating_add(T::WeightInfo::pay_deal_epoch());
		let points = match paid {
			Some(fee) => {
				spent = spent.saturating_add(usage::report_weight::<T::OnProofAccepted>());
				usage::report::<T::OnProofAccepted, _>(
					proof.device,
					DeviceKind::Storage,
					epoch.index,
					fee,
					T::FeePerPoint::get(),
				)
			},
			None => 0,
		};
		Self::deposit_event(Event::StorageProofAccepted {
			device: proof.device,
			sector: proof.sector,
			epoch: epoch.index,
			points,
		});
		Ok(spent)
	}

	// ---- Invariants ----------------------------------------------------------------------

	/// The pallet's invariants:
	///
	/// - every sector belongs to a prover record, keeps its root ([`RootHolders`]: so no
	///   other sector has it), was committed no later than the current epoch, was proven (if ever) after its commitment epoch and no later than now, and
	///   has a number below its device's `next_sector`;
	/// - each record's `sectors`, `committed_bytes` and `late` are the count, the size and the
	///   count committed for the epoch after its own, of its sectors, and its bytes fit the
	///   device's declared capacity (while it exists);
	/// - each record describes an epoch no later than the current one, and
	///   `live sectors proven in it <= proven <= challenged`; its audits are in order, the last
	///   no later than its epoch;
	/// - the sweep never looks at an epoch ahead of the current one.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let current = T::Epochs::current();
		for (device, index, sector) in Sectors::<T>::iter() {
			ensure!(Provers::<T>::contains_key(device), "a sector without a prover record");
			// So no two live sectors have one root.
			ensure!(
				RootHolders::<T>::get(sector.root)
					.is_some_and(|h| h.device == device && h.sector == Some(index)),
				"a sector's root is not kept by it"
			);
			// A sector of the last block of an epoch counts from the next.
			ensure!(
				sector.committed_in <= current.index.saturating_add(1),
				"a sector committed past the next epoch"
			);
			if let Some(proven) = sector.proven_in {
				ensure!(
					proven > sector.committed_in && proven <= current.index,
					"a sector proven outside its challenged epochs"
				);
			}
		}
		for (device, state) in Provers::<T>::iter() {
			let mut count: u32 = 0;
			let mut bytes: u64 = 0;
			let mut proven_now: u32 = 0;
			let mut late: u32 = 0;
			for (index, sector) in Sectors::<T>::iter_prefix(device) {
				ensure!(index < state.next_sector, "a sector numbered past next_sector");
				count = count.saturating_add(1);
				bytes = bytes.saturating_add(sector.bytes());
				if sector.proven_in == Some(state.epoch) {
					proven_now = proven_now.saturating_add(1);
				}
				if sector.committed_in > state.epoch {
					late = late.saturating_add(1);
				}
			}
			ensure!(count == state.sectors, "sector count out of step");
			ensure!(late == state.late, "late sectors out of step");
			ensure!(bytes == state.committed_bytes, "committed bytes out of step");
			if let Some(capacity) = T::Registry::capacity(device) {
				ensure!(bytes <= capacity, "sectors beyond the declared capacity");
			}
			ensure!(state.epoch <= current.index, "a prover record from the future");
			ensure!(state.last_audit <= state.epoch, "an audit after the record's epoch");
			ensure!(
				state.last_audit == 0 || state.prev_audit < state.last_audit,
				"a record's audits out of order"
			);
			ensure!(
				proven_now <= state.proven && state.proven <= state.challenged,
				"proof counters out of step"
			);
		}
		ensure!(Sweep::<T>::get().epoch <= current.index, "the sweep is ahead of the epoch");
		Self::do_try_state_deals()?;
		Self::do_try_state_permanent()
	}
}
