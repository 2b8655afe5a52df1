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
use depin_proving::{OnProofAccepted, ProvingEpochs};
use frame_support::{
	dispatch::DispatchResultWithPostInfo,
	ensure,
	pallet_prelude::{DispatchResult, Get, Weight},
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_devices::{h3::H3Cell, DeviceId, DeviceKind, DeviceRegistry, DeviceStatus};
use sp_core::H256;
use sp_runtime::traits::Saturating;

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

/// A receipt that passed every rule: the witness's density cell, its mark for the diversity
/// rules, and its standing (written back with its points).
struct Accepted<T: Config> {
	cell: Option<H3Cell>,
	exclusion: H3Cell,
	mark: WitnessMark,
	standing: Standing<T::MaxPartners>,
}

/// What a bundle used beyond its checks: the points hooks it called and the density cells it
/// counted devices in (each cell's entries are read and written once, however many of its
/// devices the bundle counts).
#[derive(Default)]
struct Used {
	earners: u32,
	cells: Vec<H3Cell>,
}

impl Used {
	fn cell(&mut self, cell: Option<H3Cell>) {
		if let Some(cell) = cell {
			if !self.cells.contains(&cell) {
				self.cells.push(cell);
			}
		}
	}
}

depin_proving::impl_refusal_errors!(NotCoverageDevice);

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
		// Out of the draw it is judged no more: it keeps no vouching to witness with.
		Self::unvouch(id);
		Self::deposit_event(Event::Left { device: id });
		Ok(())
	}

	/// `device` is vouched for no more (its other standing kept); a device without a standing
	/// is left without one.
	pub(crate) fn unvouch(device: DeviceId) {
		Standings::<T>::mutate_exists(device, |standing| {
			if let Some(standing) = standing {
				standing.vouched = false;
			}
		});
	}

	// ---- The lottery and judging ----------------------------------------------------------

	/// Whether `device` wins the beacon lottery of `epoch` (seeded by `seed`): it is on the
	/// roster and its ticket falls under the odds of one in `BeaconInterval`.
	/// No device wins in epoch 0, whose seed is zero.
	pub fn wins(device: DeviceId, epoch: EpochIndex, seed: &H256) -> bool {
		epoch > 0
			&& RosterSlotOf::<T>::contains_key(device)
			&& wins_beacon(seed, epoch, device, T::BeaconInterval::get())
	}

	/// How many epochs a device stays vouched for without a beacon that renews it:
	/// `VouchingLasts` beacon intervals, and always an interval more than `PioneerAfter`. A lone
	/// pioneer's own vouching keeps its cell inhabited for `PioneerAfter` epochs, during which
	/// its untested beacons renew nothing; its vouching outlasts that mark, so it is never
	/// lapsed in a cell only its own mark keeps inhabited (on probation there, for nothing).
	pub fn vouching_epochs() -> EpochIndex {
		let interval = T::BeaconInterval::get().max(1);
		T::VouchingLasts::get()
			.saturating_mul(interval)
			.max(T::PioneerAfter::get().saturating_add(interval))
	}

	/// Whether `standing` is vouched for in `epoch`: vouched, and its vouching has not lapsed.
	pub fn vouched(standing: &Standing<T::MaxPartners>, epoch: EpochIndex) -> bool {
		standing.vouched && epoch <= standing.vouched_until
	}

	/// `standing` is vouched for by a beacon of `epoch`, for [`Self::vouching_epochs`] more.
	pub(crate) fn vouch(standing: &mut Standing<T::MaxPartners>, epoch: EpochIndex) {
		standing.vouched = true;
		standing.vouched_until = epoch.saturating_add(Self::vouching_epochs());
	}

	/// What judging `judged` beacons costs beyond the benchmark, whose beacons are all
	/// unheard: a beaconer vouched for reads and writes its cell's [`InhabitedIn`].
	fn vouching_weight(judged: u32) -> Weight {
		T::DbWeight::get().reads_writes(judged.into(), judged.into())
	}

	/// The most [`Self::judge_ended`] may cost in a block: `JudgedPerBlock` beacons judged (an
	/// epoch found empty, a read and a write, costs less than a beacon judged).
	pub fn judging_weight() -> Weight {
		let most = T::JudgedPerBlock::get();
		T::WeightInfo::judge_beacons(most)
			.saturating_add(Self::vouching_weight(most))
			.saturating_add(T::DbWeight::get().reads(2))
	}

	/// Judge the beacons of ended epochs, oldest epoch first, at most `JudgedPerBlock` of them
	/// (and as many epochs looked at) in this block; each judged beacon leaves [`Beacons`].
	/// Within a block, a density cell is marked inhabited once every beacon judged in it is:
	/// beacons judged together are judged by what was known of their cell before any of
	/// their verdicts. An epoch's beacons are judged in the blocks after it ends, each by counts
	/// fixed by then ([`Self::judge_neighbours`]). Returns the weight spent.
	pub fn judge_ended() -> Weight {
		let current = T::Epochs::current().index;
		let mut from = JudgedFrom::<T>::get();
		if from >= current {
			return T::DbWeight::get().reads(2);
		}
		let mut budget = T::JudgedPerBlock::get();
		let (mut judged, mut stepped): (u32, u32) = (0, 0);
		let mut inhabited: Vec<(H3Cell, EpochIndex)> = Vec::new();
		while from < current && budget > 0 {
			let due: Vec<(DeviceId, BeaconSlotOf<T>)> =
				Beacons::<T>::iter_prefix(from).take(budget as usize).collect();
			budget = budget.saturating_sub((due.len() as u32).max(1));
			if due.is_empty() {
				BeaconCount::<T>::remove(from);
				from = from.saturating_add(1);
				stepped = stepped.saturating_add(1);
				continue;
			}
			for (device, slot) in due {
				Beacons::<T>::remove(from, device);
				if let Some(cell) = Self::judge_neighbours(device, &slot) {
					inhabited.push((cell, slot.epoch));
				}
				judged = judged.saturating_add(1);
			}
		}
		JudgedFrom::<T>::put(from);
		for (cell, judged_epoch) in inhabited {
			Self::inhabit(cell, judged_epoch);
		}
		// The benchmark reads and removes every judged beacon; an epoch found empty costs a read
		// and its count's removal.
		T::WeightInfo::judge_beacons(judged)
			.saturating_add(Self::vouching_weight(judged))
			.saturating_add(T::DbWeight::get().reads_writes(stepped.into(), stepped.into()))
	}

	/// Judge a beacon of an ended epoch by the hotspots heard around its beaconer
	/// ([`crate::rings::neighbour_verdict`]): the exclusion cells of its density cell where a
	/// vouched device in good standing was heard in the beacon's epoch or the one before (its
	/// own not counted: no witness of it stands there), against its witnesses of that kind
	/// from that density cell. A beacon with nobody around to judge it makes its beaconer a
	/// pioneer (again): vouched for, and its unheard count cleared; a beaconer vouched for and
	/// in good standing has its vouching renewed by it. A winner that sent nothing is not
	/// judged (its slot was never made): its vouching lapses instead, `VouchingLasts` beacon
	/// intervals after the beacon that last renewed it, so a device cannot keep its standing
	/// by never beaconing. A device no longer active is not judged, nor one that moved after
	/// its beacon (its neighbours then are not the ones it claimed). Returns its density cell
	/// if it is vouched for now: the cell is inhabited as of the judged epoch, which the caller
	/// records once every beacon judged with it is.
	pub(crate) fn judge_neighbours(device: DeviceId, slot: &BeaconSlotOf<T>) -> Option<H3Cell> {
		use crate::rings::NeighbourVerdict::*;
		let info = T::Registry::device(device).filter(|d| {
			d.kind == DeviceKind::Coverage && matches!(d.status, DeviceStatus::Active)
		})?;
		if slot.beacon.is_some_and(|beacon| info.location_changed_at >= beacon.sent_at) {
			return None;
		}
		let (Some(cell), Some(exclusion)) = (
			T::Registry::density_cell(info.location),
			info.location.parent(T::ExclusionResolution::get()),
		) else {
			return None;
		};
		// Its judges: those that stood around it when its last bundle was taken (the epoch
		// before's among them), or those its epoch counted by its end, whichever are more. A
		// beacon sent before its neighbours witnessed anything in the epoch is still judged by
		// them; and neither count changes once the epoch is over, so whenever and in whatever
		// order the beacons of an epoch are judged, each gets the same verdict.
		let ended = VouchedCellsIn::<T>::get(cell)
			.of_epoch(slot.epoch)
			.saturating_sub(LastVouchedIn::<T>::get(exclusion).of_epoch(slot.epoch).min(1));
		let others = slot.judges.max(ended);
		let witnessed = slot.neighbours;
		let mut standing = Standings::<T>::get(device);
		let was_vouched = Self::vouched(&standing, slot.epoch);
		let inhabited = Self::inhabited(cell, slot.epoch);
		let mut vouched = None;
		let verdict = crate::rings::neighbour_verdict(others, witnessed, T::NeighbourQuorum::get());
		match verdict {
			// Vouched for, in good standing, and nobody around to judge it. Where its cell is
			// not inhabited, it beaconed when it won, which keeps its vouching (a pioneer's
			// again). Where it is, only its neighbours' hearing renews it: a device that
			// beacons only when no judge happens to be around, silent otherwise, lapses.
			Untested if was_vouched && standing.unheard == 0 => {
				if !inhabited {
					Self::vouch(&mut standing, slot.epoch);
					Standings::<T>::insert(device, standing);
				}
				return None;
			},
			// Vouched for, out of good standing, and nobody around to judge it: its judges all
			// fell silent or out of good standing together. Its standing comes back if a
			// hotspot confirmed its beacon (a bare beacon proves nothing).
			Untested if was_vouched && slot.witnesses.is_empty() => return None,
			// A newcomer (or a device whose vouching lapsed) where the cell is inhabited: its
			// neighbours are only quiet. It waits for them to hear it, or for the cell to have
			// been quiet long enough.
			Untested if !was_vouched && inhabited => return None,
			// Heard: vouched for (again). Nobody around could judge it: a pioneer, vouched for by
			// its beacon; or, vouched for before, its standing back, but where the cell is
			// inhabited its vouching is not renewed (only a hearing renews it there), so a
			// device cannot keep it by beaconing only when its judges happen to be away.
			Untested | Heard => {
				standing.unheard = 0;
				if matches!(verdict, Heard) || !inhabited {
					Self::vouch(&mut standing, slot.epoch);
				}
				vouched = Some(cell);
			},
			Unheard => standing.unheard = standing.unheard.saturating_add(1),
		}
		let unheard = standing.unheard;
		Standings::<T>::insert(device, standing);
		Self::deposit_event(Event::NeighboursJudged {
			device,
			epoch: slot.epoch,
			heard: others,
			witnessed,
			unheard,
		});
		vouched
	}

	// ---- Beacons ---------------------------------------------------------------------------

	/// The weight charged for checking and recording one bundle of `witnesses` receipts before
	/// dispatch: every receipt accepted, and every earner (each witness and the beaconer) in a
	/// density cell of its own. [`Self::bundle_spent`] is what it used.
	pub fn bundle_weight(witnesses: u32) -> Weight {
		let earners = witnesses.saturating_add(1);
		Self::bundle_spent(witnesses, earners, earners)
	}

	/// The weight of checking a bundle of `witnesses` receipts that called the points hook
	/// `earners` times and counted devices in `cells` distinct density cells.
	///
	/// Each device that earns is marked heard (`LastHeard`) and counted in its density cell
	/// (`HeardInCell`, with `InhabitedIn` read for its probation); a witness that judges is
	/// counted in its exclusion cell (`LastVouchedIn`) and among its density cell's judges
	/// (`VouchedCellsIn`, `InhabitedIn`). The benchmark's witnesses share four density cells,
	/// so a real bundle's three density-cell entries are added for each cell it touched: a read
	/// and a write each, once, as the benchmark counts a key however often it is accessed.
	/// Witnesses are neighbours, so most bundles touch one cell or a few.
	pub fn bundle_spent(witnesses: u32, earners: u32, cells: u32) -> Weight {
		T::WeightInfo::submit_beacon(witnesses)
			.saturating_add(T::OnProofAccepted::weight().saturating_mul(earners.into()))
			.saturating_add(T::DbWeight::get().reads_writes(3, 3).saturating_mul(cells.into()))
	}

	/// The weight a batch is charged before dispatch (refunded after for rejected bundles).
	pub fn bundles_weight(bundles: &[BeaconBundleOf<T>]) -> Weight {
		bundles.iter().fold(T::WeightInfo::submit_beacons_rejected(0), |acc, bundle| {
			acc.saturating_add(Self::bundle_weight(bundle.receipts.len() as u32))
		})
	}

	/// The weight of a bundle rejected by the cheap checks: the benchmark's marginal cost of
	/// one more, plus the slot, roster, device and beacon count reads (the benchmark's items
	/// share them, so its reads are cached after the first; a real batch's need not be).
	pub fn cheap_rejection_weight() -> Weight {
		T::WeightInfo::submit_beacons_rejected(1)
			.saturating_sub(T::WeightInfo::submit_beacons_rejected(0))
			.saturating_add(T::DbWeight::get().reads(4))
	}

	/// Whether `bundles` make progress now, checked as a block checks them within `budget`
	/// (nothing is kept; [`batch::makes_progress`]): what the transaction pool ranks a
	/// submission by. A block accepts a beacon already recorded whatever its receipts (each
	/// receipt has its own verdict), and anyone can copy a recorded beacon from the chain: a
	/// bundle is progress when it records its beacon or adds a witness, and work done when it
	/// does neither.
	pub fn makes_progress(bundles: &[BeaconBundleOf<T>], budget: Weight) -> bool {
		let (epoch, now) = (T::Epochs::current(), frame_system::Pallet::<T>::block_number());
		let heard = |device| {
			Beacons::<T>::get(epoch.index, device)
				.map(|slot| (slot.beacon.is_some(), slot.witnesses.len()))
		};
		let check = |bundle: &BeaconBundleOf<T>| {
			let before = heard(bundle.beacon.device);
			match Self::process_bundle(&epoch, now, bundle) {
				Ok(spent) if heard(bundle.beacon.device) == before => batch::Progress::Done(spent),
				result => batch::Progress::of(result, &[]),
			}
		};
		batch::makes_progress(bundles, budget, batch::nothing_to_settle, check)
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

		// Cheap: three reads. A winner's slot is made by its first beacon.
		let recorded = Beacons::<T>::get(epoch.index, report.device);
		if recorded.is_none() && !Self::wins(report.device, epoch.index, &epoch.seed) {
			return Err(cheap(Error::<T>::NotBeaconer));
		}
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
		let mut slot = match recorded {
			Some(slot) => slot,
			None => {
				ensure!(
					BeaconCount::<T>::get(epoch.index) < T::MaxBeacons::get(),
					cheap(Error::<T>::BeaconsFull)
				);
				let challenge = beacon_challenge(&epoch.seed, epoch.index, report.device);
				BeaconSlot::won(epoch.index, challenge)
			},
		};
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
			BeaconCount::<T>::mutate(epoch.index, |count| *count = count.saturating_add(1));
			Self::deposit_event(Event::BeaconRecorded {
				device: report.device,
				epoch: epoch.index,
				beacon: id,
			});
		}

		let half_life = T::ReciprocityHalfLife::get();
		let free = T::ReciprocityFree::get();
		let mut beaconer = Standings::<T>::get(report.device);
		let silenced = beaconer.silenced(T::UnheardLimit::get());
		let mut in_bundle: Vec<DeviceId> = Vec::with_capacity(bundle.receipts.len());
		let mut used = Used::default();
		// What the beaconer's points rose by in this bundle, and whether its first witness is
		// in it.
		let (mut beaconer_added, mut confirmed) = (0u64, false);
		for receipt in bundle.receipts.iter() {
			let outcome = Self::check_receipt(&context, &slot, &in_bundle, now, receipt);
			in_bundle.push(receipt.witness);
			let Accepted { cell: witness_cell, exclusion, mark, mut standing } = match outcome {
				Err(reason) => {
					Self::deposit_event(Event::WitnessRejected {
						beaconer: report.device,
						witness: receipt.witness,
						reason,
					});
					continue;
				},
				Ok(accepted) => accepted,
			};
			let confirms = slot.witnesses.is_empty();
			if slot.witnesses.try_push(receipt.witness).is_err()
				|| slot.marks.try_push(mark).is_err()
			{
				// `check_receipt` refused a full list; kept for safety.
				continue;
			}
			// A device in good standing is a neighbour that heard the beaconer, and counts
			// where it is heard; one whose last beacon its own neighbours did not witness is
			// neither, so a ring failing the check stops weighing on its cell at once.
			// Vouched for, in good standing, and of the beaconer's density cell: a neighbour
			// that heard it, and a judge of that cell.
			let judge = witness_cell.filter(|cell| {
				standing.in_good_standing()
					&& Self::vouched(&standing, epoch.index)
					&& Some(*cell) == context.density_cell
			});
			if judge.is_some() {
				slot.neighbours = slot.neighbours.saturating_add(1);
			}

			// The witness: density, its cap for the epoch, and how often it met the beaconer.
			let pair =
				crate::rings::pair_scale(standing.met(report.device, epoch.index, half_life), free);
			used.cell(witness_cell);
			let mut points = Self::earn(
				receipt.witness,
				witness_cell,
				epoch.index,
				T::WitnessPoints::get(),
				&standing,
			);
			// Counted as a judge once `earn` counted it heard. (Beacons it hears from other
			// cells do not make it one: a device could otherwise keep its cell inhabited,
			// newcomers there on probation, with receipts of faraway beacons copied from the
			// pool while it never hears its own cell's.)
			if let Some(cell) = judge {
				Self::count_judge(cell, exclusion, epoch.index);
			}
			if standing.witnessed_in(epoch.index) >= T::WitnessCap::get() {
				points = 0;
			} else {
				standing.count_witnessed(epoch.index);
				points = pair.mul_floor(points);
			}
			standing.meet(report.device, epoch.index, half_life);
			beaconer.meet(receipt.witness, epoch.index, half_life);
			Standings::<T>::insert(receipt.witness, standing);
			used.earners = used.earners.saturating_add(1);
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

			// The beaconer: its beacon's points, scaled by its freshest witness so far.
			if confirms && !silenced {
				used.cell(context.density_cell);
				slot.full_points = Self::earn(
					report.device,
					context.density_cell,
					epoch.index,
					T::BeaconPoints::get(),
					&beaconer,
				);
			}
			let earned = pair.mul_floor(slot.full_points);
			if earned > slot.points {
				beaconer_added = beaconer_added.saturating_add(earned.saturating_sub(slot.points));
				slot.points = earned;
			}
			confirmed = confirmed || confirms;
		}
		// The beaconer is paid once a bundle, what its witnesses in it added (however their
		// order raised its points): one points hook, as `bundle_weight` charges.
		if beaconer_added > 0 || confirmed {
			if beaconer_added > 0 {
				used.earners = used.earners.saturating_add(1);
				T::OnProofAccepted::proof_accepted(
					report.device,
					DeviceKind::Coverage,
					epoch.index,
					beaconer_added,
				);
			}
			Self::deposit_event(Event::BeaconConfirmed {
				device: report.device,
				epoch: epoch.index,
				points: beaconer_added,
			});
		}
		if !slot.witnesses.is_empty() {
			Standings::<T>::insert(report.device, beaconer);
		}
		// The judges around it now, its own witnesses among them: what it will be judged by.
		slot.judges = context
			.density_cell
			.map_or(0, |cell| Self::judges_around(cell, context.exclusion_cell, epoch.index));
		Beacons::<T>::insert(epoch.index, report.device, slot);
		let witnesses = bundle.receipts.len() as u32;
		// At most `w + 1` earners in `w + 1` cells: never more than charged.
		Ok(Self::bundle_spent(witnesses, used.earners, used.cells.len() as u32).min(full))
	}

	/// `points` scaled by the coverage devices heard in `cell` (a density cell) as of the
	/// epoch in progress, without counting anyone: what a device would earn there.
	pub(crate) fn points_at(points: u64, cell: Option<H3Cell>) -> u64 {
		let epoch = T::Epochs::current().index;
		let devices = cell.map_or(1, |cell| HeardInCell::<T>::get(cell).at(epoch).density());
		scaled_points(points, devices, T::DensityTarget::get(), T::DensityMax::get())
	}

	/// The judges of `cell` (a density cell) for a beaconer standing in `exclusion` (one of its
	/// exclusion cells) in `epoch`: the exclusion cells where a judge witnessed in `epoch` so
	/// far or the one before, whichever counts more, `exclusion` left out.
	pub(crate) fn judges_around(cell: H3Cell, exclusion: H3Cell, epoch: EpochIndex) -> u32 {
		VouchedCellsIn::<T>::get(cell).at(epoch).heard_without(LastVouchedIn::<T>::get(exclusion))
	}

	/// Whether `cell` (a density cell) was known inhabited ([`InhabitedIn`]) within
	/// `PioneerAfter` epochs before `epoch`, or in it: then a newcomer there is on probation.
	pub(crate) fn inhabited(cell: H3Cell, epoch: EpochIndex) -> bool {
		InhabitedIn::<T>::get(cell)
			.is_some_and(|last| last.saturating_add(T::PioneerAfter::get()) >= epoch)
	}

	/// `cell` (a density cell) is inhabited in `epoch`.
	fn inhabit(cell: H3Cell, epoch: EpochIndex) {
		if InhabitedIn::<T>::get(cell).is_none_or(|last| last < epoch) {
			InhabitedIn::<T>::insert(cell, epoch);
		}
	}

	/// `device` (of `standing`) was heard in `cell` (its density cell) in `epoch`: count it
	/// there (once per epoch) if it is in good standing and not on probation, and return
	/// `points` scaled by the cell's density; nothing while it is on probation (not vouched
	/// for yet, where judges were heard lately: [`Self::inhabited`]).
	pub(crate) fn earn(
		device: DeviceId,
		cell: Option<H3Cell>,
		epoch: EpochIndex,
		points: u64,
		standing: &Standing<T::MaxPartners>,
	) -> u64 {
		let Some(cell) = cell else {
			return scaled_points(points, 1, T::DensityTarget::get(), T::DensityMax::get());
		};
		// On probation it earns nothing, and it dilutes nobody: decoys registered among
		// vouched hotspots and heard through a ring's beacons do not count.
		let on_probation = !Self::vouched(standing, epoch) && Self::inhabited(cell, epoch);
		let mut heard = HeardInCell::<T>::get(cell).at(epoch);
		if standing.in_good_standing()
			&& !on_probation
			&& LastHeard::<T>::get(device) != Some(epoch)
		{
			heard.current = heard.current.saturating_add(1);
			LastHeard::<T>::insert(device, epoch);
		}
		HeardInCell::<T>::insert(cell, heard);
		if on_probation {
			return 0;
		}
		scaled_points(points, heard.density(), T::DensityTarget::get(), T::DensityMax::get())
	}

	/// A judge (a vouched device in good standing) in `exclusion` (an exclusion cell of
	/// `cell`, a density cell) witnessed a beacon in `epoch`: count its exclusion cell among
	/// `cell`'s judges, once an epoch.
	pub(crate) fn count_judge(cell: H3Cell, exclusion: H3Cell, epoch: EpochIndex) {
		let mut own = LastVouchedIn::<T>::get(exclusion).at(epoch);
		if own.current > 0 {
			return;
		}
		own.current = 1;
		LastVouchedIn::<T>::insert(exclusion, own);
		VouchedCellsIn::<T>::mutate(cell, |cells| {
			*cells = cells.at(epoch);
			cells.current = cells.current.saturating_add(1);
		});
		Self::inhabit(cell, epoch);
	}

	/// Every rule a receipt must pass, cheapest first; what the pallet keeps of the witness if
	/// it passes them all.
	fn check_receipt(
		context: &BeaconContext<T>,
		slot: &BeaconSlotOf<T>,
		in_bundle: &[DeviceId],
		now: BlockNumberFor<T>,
		receipt: &WitnessReceiptOf<T>,
	) -> Result<Accepted<T>, WitnessRejection> {
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
		// Registered no coarser than the cells the rules compare: a receipt cannot pick the
		// witness's exclusion cell among a coarse location's children.
		ensure!(registered.resolution() >= Self::required_resolution(), LocationTooCoarse);
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
		// Diversity: no other witness of this beacon shares its operator or its cell.
		let mark = WitnessMark::new(&witness.owner, witness.manager.as_ref(), exclusion);
		ensure!(!slot.marks.iter().any(|m| m.same_operator(&mark)), SameWitnessOperator);
		ensure!(!slot.marks.iter().any(|m| m.cell == exclusion), SameWitnessCell);
		let distance = distance_cell.grid_distance(context.distance_cell).ok_or(DistanceUnknown)?;
		ensure!(distance <= T::MaxWitnessDistance::get(), TooFar);

		// Its standing: one read.
		let standing = Standings::<T>::get(receipt.witness);
		ensure!(!standing.silenced(T::UnheardLimit::get()), UnheardByNeighbours);

		// The signature.
		ensure!(
			witness.key.verify(&Self::receipt_message(receipt), &receipt.signature),
			BadSignature
		);
		Ok(Accepted { cell: T::Registry::density_cell(registered), exclusion, mark, standing })
	}

	// ---- Invariants ------------------------------------------------------------------------

	/// The pallet's invariants:
	///
	/// - the roster is dense: `RosterSize` slots `0..RosterSize`, each holding a device whose
	///   `RosterSlotOf` is that slot, and no other `RosterSlotOf` entries;
	/// - beacons are kept for no epoch ahead of the current one nor before `JudgedFrom`, each
	///   under its own epoch, and each epoch's count is at most `MaxBeacons` and at least the
	///   beacons it keeps (the current epoch's: exactly);
	/// - every kept slot has its beacon; its witnesses are distinct, never the beaconer, at
	///   most `MaxWitnesses`; a beaconer has points only if it has witnesses;
	/// - a beaconer is never paid more than its beacon's points; each witness has its mark,
	///   and no two witnesses of a beacon share an operator or a cell;
	/// - no device or cell is heard in a future epoch, and every device heard in the epoch in
	///   progress is counted in a cell; no more of a density cell's exclusion cells count a
	///   judge than devices were heard in it, and each exclusion cell counts once an epoch
	///   (`LastVouchedIn` adds up to `VouchedCellsIn`);
	/// - a device's partners are distinct, never itself, and met in no future epoch.
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

		let current = T::Epochs::current().index;
		let from = JudgedFrom::<T>::get();
		let mut kept: alloc::collections::BTreeMap<EpochIndex, u32> = Default::default();
		for (epoch, device, slot) in Beacons::<T>::iter() {
			ensure!(epoch <= current, "a beacon of a future epoch");
			ensure!(epoch >= from, "a beacon of an epoch already judged");
			ensure!(slot.epoch == epoch, "a beacon kept under another epoch");
			ensure!(slot.beacon.is_some(), "a slot without its beacon");
			let count = kept.entry(epoch).or_default();
			*count = count.saturating_add(1);
			ensure!(!slot.witnesses.contains(&device), "a beaconer witnessing itself");
			for (i, witness) in slot.witnesses.iter().enumerate() {
				ensure!(
					!slot.witnesses.iter().skip(i.saturating_add(1)).any(|w| w == witness),
					"a witness counted twice"
				);
			}
			ensure!(slot.points == 0 || !slot.witnesses.is_empty(), "points without a witness");
			ensure!(slot.points <= slot.full_points, "a beaconer paid more than its beacon");
			// Slots migrated to version 2 in their epoch have no marks for earlier witnesses.
			ensure!(slot.marks.len() <= slot.witnesses.len(), "a mark without its witness");
			ensure!(
				slot.neighbours as usize <= slot.witnesses.len(),
				"more neighbours than witnesses"
			);
			for (i, mark) in slot.marks.iter().enumerate() {
				ensure!(
					!slot
						.marks
						.iter()
						.skip(i.saturating_add(1))
						.any(|m| m.cell == mark.cell || m.same_operator(mark)),
					"two witnesses of a beacon share an operator or a cell"
				);
			}
		}
		for (epoch, count) in BeaconCount::<T>::iter() {
			ensure!(epoch <= current && epoch >= from, "a beacon count of an epoch judged");
			ensure!(count <= T::MaxBeacons::get(), "more beacons than MaxBeacons");
			let kept = kept.get(&epoch).copied().unwrap_or_default();
			ensure!(kept <= count, "more beacons kept than recorded");
			ensure!(epoch < current || kept == count, "the epoch's beacons out of step");
		}
		ensure!(
			kept.keys().all(BeaconCount::<T>::contains_key),
			"beacons kept without their count"
		);

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
		// Each judge's cell counted is one device heard there; each counted once an epoch.
		let (mut judges_now, mut judges_before) = (0u32, 0u32);
		for (cell, judges) in VouchedCellsIn::<T>::iter() {
			ensure!(judges.epoch <= current, "judges heard in a future epoch");
			let judges = judges.at(current);
			ensure!(
				judges.current <= HeardInCell::<T>::get(cell).at(current).current,
				"more cells with a judge heard than devices heard"
			);
			judges_now = judges_now.saturating_add(judges.current);
			judges_before = judges_before.saturating_add(judges.previous);
		}
		let (mut cells_now, mut cells_before) = (0u32, 0u32);
		for (_, own) in LastVouchedIn::<T>::iter() {
			ensure!(own.epoch <= current, "a judge heard in a future epoch");
			let own = own.at(current);
			ensure!(own.current <= 1 && own.previous <= 1, "a judge's cell counted twice");
			cells_now = cells_now.saturating_add(own.current);
			cells_before = cells_before.saturating_add(own.previous);
		}
		// A cell with judges is inhabited.
		for (cell, judges) in VouchedCellsIn::<T>::iter() {
			ensure!(
				judges.last().is_none_or(|last| InhabitedIn::<T>::get(cell) >= Some(last)),
				"judges heard in a cell not known inhabited"
			);
		}
		for (_, epoch) in InhabitedIn::<T>::iter() {
			ensure!(epoch <= current, "a cell inhabited in a future epoch");
		}
		// Equal but for the epoch before an upgrade to storage version 3, which knew only
		// each cell's last epoch.
		ensure!(cells_now == judges_now, "judges' cells counted out of step");
		ensure!(cells_before <= judges_before, "judges' cells counted out of step");
		// Retired devices leave `LastHeard` but stay counted where they were heard.
		ensure!(heard_now <= counted_now, "devices heard this epoch but not counted");

		for (device, standing) in Standings::<T>::iter() {
			ensure!(standing.epoch <= current, "a standing counted for a future epoch");
			for (i, partner) in standing.partners.iter().enumerate() {
				ensure!(partner.device != device, "a device its own partner");
				ensure!(partner.epoch <= current, "a partner met in a future epoch");
				ensure!(
					!standing
						.partners
						.iter()
						.skip(i.saturating_add(1))
						.any(|p| p.device == partner.device),
					"a partner twice"
				);
			}
		}
		Ok(())
	}
}

/// A retiring device is heard no more: its [`LastHeard`] entry and its standing go with it (its
/// count in its cell stands for the epoch it was heard in). A moving device is vouched for no
/// more: where it stands now, it is on probation until its new neighbours hear it (or it is a
/// pioneer there), so a hotspot vouched for where it is cannot carry that to a place it claims
/// on paper. What it was not heard in stays counted against it: moving does not lift silence.
impl<T: Config> depin_proving::OnDeviceChange for Pallet<T> {
	fn before_change(device: DeviceId, change: depin_proving::DeviceChange) {
		match change {
			depin_proving::DeviceChange::Retire => {
				LastHeard::<T>::remove(device);
				Standings::<T>::remove(device);
			},
			depin_proving::DeviceChange::Move => Self::unvouch(device),
			_ => {},
		}
	}

	fn weight(_: depin_proving::DeviceChange) -> Weight {
		T::DbWeight::get().reads_writes(1, 2)
	}
}
