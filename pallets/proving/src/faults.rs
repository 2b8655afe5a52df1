//! The fault ledger and its idle sweep.
//!
//! A proof kind keeps one record per device ([`Ledger`]) describing one epoch. Nothing walks
//! the devices when an epoch ends: a record is brought up to the epoch in progress when the
//! device is next touched (a proof, a commitment, a withdrawal), and [`settle`] then counts
//! every epoch missed since — the one the record describes, if the kind's rule says it was
//! missed, and every untouched one after it — in O(1) whatever the gap. The count goes to
//! the registry; at `threshold` consecutive faults the device is suspended and a fraction of
//! its deposit slashed. Devices nobody touches are settled by [`sweep`] in `on_idle`, as many
//! as the block's spare weight allows, one pass per epoch.

use crate::registry::DeviceRegistry;
use codec::{Decode, Encode, FullCodec, MaxEncodedLen};
use depin_primitives::{DeviceId, EpochIndex};
use frame_support::{
	storage::{IterableStorageMap, StorageMap, StorageValue},
	weights::{RuntimeDbWeight, Weight},
};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// A proof kind's record of one device, describing one epoch.
pub trait Ledger {
	/// The epoch the record describes.
	fn epoch(&self) -> EpochIndex;

	/// The kind's rule: the epochs an active device missed from the one the record describes
	/// up to `current` (excluded), added to its consecutive faults (or the count reset by an
	/// epoch it proved). Only called for a record behind `current`.
	fn count_missed(&mut self, current: EpochIndex) -> u32;

	/// Move the record into epoch `current`, challenged in it if the device is `active` (and
	/// the kind challenges it then).
	fn enter(&mut self, current: EpochIndex, active: bool);

	/// The device retires during the epoch the record describes and answers nothing more in
	/// it: count that epoch as [`Ledger::count_missed`] would once it ended, and leave nothing
	/// open in it. Returns the epochs missed (0 or 1).
	fn close(&mut self) -> u32;

	/// Epochs missed in a row, up to the epoch the record describes.
	fn consecutive_faults(&self) -> u32;

	/// Start afresh once the device has been suspended for its faults.
	fn reset_faults(&mut self);

	/// Move the record to epoch `current`, adding the epochs the device missed since it was
	/// last settled to its consecutive faults. Returns how many epochs were missed: none for
	/// an inactive device, which is not challenged (and is not challenged in `current` either,
	/// even if it is resumed during it). A record already at `current` is left as it is.
	fn advance(&mut self, current: EpochIndex, active: bool) -> u32 {
		if self.epoch() >= current {
			return 0;
		}
		let missed = if active { self.count_missed(current) } else { 0 };
		self.enter(current, active);
		missed
	}
}

/// The fault rules of a proof kind.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FaultRules {
	/// Consecutive faults that suspend the device.
	pub threshold: u32,
	/// The fraction of its deposit slashed when it is suspended for faults.
	pub slash: Perbill,
}

/// What settling a device did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Settled {
	/// The registry weight spent (zero without faults).
	pub weight: Weight,
	/// Whether the faults suspended the device.
	pub suspended: bool,
}

/// What a pallet reports of a settlement, each in its own event of this shape
/// (`FaultsRecorded { device, missed, consecutive }`, `SuspendedForFaults { device,
/// consecutive }`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FaultEvent {
	/// `missed` epochs were counted against the device; it has missed `consecutive` in a row.
	Recorded { missed: u32, consecutive: u32 },
	/// The device reached the threshold: it is suspended and its deposit slashed.
	Suspended { consecutive: u32 },
}

/// Bring `state` up to epoch `current` ([`Ledger::advance`]), record the missed epochs in the
/// registry `R`, and at `rules.threshold` consecutive faults suspend the device and slash
/// `rules.slash` of its deposit. `active` is the device's status as the caller read it.
/// `report` hears what happened, in order, for the pallet's events.
pub fn settle<AccountId, R: DeviceRegistry<AccountId>, L: Ledger>(
	device: DeviceId,
	state: &mut L,
	current: EpochIndex,
	active: bool,
	rules: FaultRules,
	report: impl FnMut(FaultEvent),
) -> Settled {
	let missed = state.advance(current, active);
	charge::<_, R, _>(device, state, missed, rules, report)
}

/// Settle `state` before the device changes ([`crate::DeviceChange`]): up to `current` as
/// [`settle`] does; and, if the device is retiring, the epoch in progress too: a retired device
/// answers no challenge, so a challenge of the epoch in progress still open is missed now, and
/// the record is left unchallenged for the rest of the epoch (a retired device is never
/// challenged again). `active` is the device's status before the change.
pub fn settle_before_change<AccountId, R: DeviceRegistry<AccountId>, L: Ledger>(
	device: DeviceId,
	state: &mut L,
	current: EpochIndex,
	active: bool,
	change: crate::DeviceChange,
	rules: FaultRules,
	mut report: impl FnMut(FaultEvent),
) -> Settled {
	let mut settled = settle::<_, R, _>(device, state, current, active, rules, &mut report);
	if change == crate::DeviceChange::Retire && active && !settled.suspended {
		let missed = state.close();
		let closed = charge::<_, R, _>(device, state, missed, rules, report);
		settled = Settled {
			weight: settled.weight.saturating_add(closed.weight),
			suspended: closed.suspended,
		};
	}
	settled
}

/// The most [`settle_before_change`] can spend in the registry.
pub fn max_settle_before_change_weight<AccountId, R: DeviceRegistry<AccountId>>() -> Weight {
	max_settle_weight::<AccountId, R>().saturating_mul(2)
}

/// Record `missed` epochs of `device` in the registry, and at `rules.threshold` consecutive
/// faults suspend it and slash `rules.slash` of its deposit.
fn charge<AccountId, R: DeviceRegistry<AccountId>, L: Ledger>(
	device: DeviceId,
	state: &mut L,
	missed: u32,
	rules: FaultRules,
	mut report: impl FnMut(FaultEvent),
) -> Settled {
	let mut settled = Settled { weight: Weight::zero(), suspended: false };
	if missed == 0 {
		return settled;
	}
	settled.weight = R::record_faults_weight();
	// The device exists (it has a record), so this cannot fail.
	let _ = R::record_faults(device, missed);
	report(FaultEvent::Recorded { missed, consecutive: state.consecutive_faults() });
	if state.consecutive_faults() >= rules.threshold {
		settled.weight =
			settled.weight.saturating_add(R::suspend_weight()).saturating_add(R::slash_weight());
		settled.suspended = R::suspend(device).is_ok();
		if settled.suspended {
			let _ = R::slash(device, rules.slash);
			report(FaultEvent::Suspended { consecutive: state.consecutive_faults() });
		}
		state.reset_faults();
	}
	settled
}

/// The most [`settle`] can spend in the registry: recording faults, suspending, slashing (the
/// registry's one benchmark of a settlement).
pub fn max_settle_weight<AccountId, R: DeviceRegistry<AccountId>>() -> Weight {
	R::settle_weight()
}

/// The most settling one device costs a proof kind: reading and writing its record, and the
/// most [`settle`] can spend in the registry. The one settle weight every ledger charges.
pub fn settle_weight<AccountId, R: DeviceRegistry<AccountId>>(db: RuntimeDbWeight) -> Weight {
	max_settle_weight::<AccountId, R>().saturating_add(db.reads_writes(1, 1))
}

/// Where the idle-time sweep of a proof kind is.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct SweepState {
	/// The epoch the sweep settles devices for.
	pub epoch: EpochIndex,
	/// The last device settled in this pass (`None`: from the start).
	pub last: Option<DeviceId>,
	/// Whether every device has been settled in this epoch.
	pub done: bool,
}

/// Settle the records in `Ledgers` for epoch `current` with `settle_one`, as many as
/// `remaining` allows, resuming after the device `Cursor` says the last block stopped at; one
/// pass per epoch. `step` is the most one record can cost: a record is visited only while
/// that much is left. What is counted is what each cost: its read, and if it was behind the
/// epoch, what `settle_one` reports it spent (at most the step's rest) and its write. A device that proved, or missed
/// without reaching the threshold, costs a fraction of a suspension and a slash, so a pass
/// over a million records takes the blocks' idle weight it uses, not the worst case's.
/// Returns the weight used (with the cursor's reads and write).
pub fn sweep<Ledgers, Cursor, L>(
	remaining: Weight,
	db: RuntimeDbWeight,
	step: Weight,
	current: EpochIndex,
	mut settle_one: impl FnMut(DeviceId, &mut L) -> Weight,
) -> Weight
where
	L: Ledger + FullCodec,
	Ledgers: IterableStorageMap<DeviceId, L> + StorageMap<DeviceId, L>,
	Cursor: StorageValue<SweepState, Query = SweepState>,
{
	let mut used = db.reads_writes(2, 1);
	if !remaining.all_gte(used.saturating_add(step)) {
		return Weight::zero();
	}
	let mut cursor = Cursor::get();
	if cursor.epoch != current {
		cursor = SweepState { epoch: current, last: None, done: false };
	}
	if cursor.done {
		return db.reads(2);
	}
	while remaining.all_gte(used.saturating_add(step)) {
		// A fresh iterator per step: the map is written in between.
		let next = match cursor.last {
			Some(last) => Ledgers::iter_from(Ledgers::hashed_key_for(last)).next(),
			None => Ledgers::iter().next(),
		};
		let Some((device, mut state)) = next else {
			cursor.done = true;
			break;
		};
		used = used.saturating_add(db.reads(1));
		cursor.last = Some(device);
		if state.epoch() < current {
			// At most a step: a settlement counted one piece at a time (a suspension and a
			// slash) may exceed the registry's one benchmark of it.
			let spent =
				settle_one(device, &mut state).min(step.saturating_sub(db.reads_writes(1, 1)));
			Ledgers::insert(device, state);
			used = used.saturating_add(spent).saturating_add(db.writes(1));
		}
	}
	Cursor::put(cursor);
	used
}
