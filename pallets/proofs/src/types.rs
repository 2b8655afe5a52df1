//! The types of the proofs pallet. The wire types (sectors, proofs, challenges, statuses)
//! live in `depin_primitives::storage`, shared with the runtime API and the provider tools;
//! what is here is the pallet's own state.

use codec::{Decode, Encode, MaxEncodedLen};
use depin_primitives::device::DeviceId;
use scale_info::TypeInfo;

pub use depin_primitives::{
	deals::permanent::{Permanent, PermanentId, Replica, ReplicaSpec, ReplicaState},
	epoch::{EpochIndex, EpochInfo, EpochStatus},
	storage::*,
};
pub use depin_proving::SweepState;

/// A storage device's proving record.
///
/// Faults are counted lazily: the counters describe epoch `epoch`; when the device is next
/// touched in a later epoch (a proof, a sector change, or the idle-time sweep), that epoch
/// and every untouched epoch after it are settled in O(1).
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct ProverState {
	/// Live sectors.
	pub sectors: u32,
	/// The index the next committed sector gets.
	pub next_sector: SectorIndex,
	/// Bytes committed by the live sectors (at most the device's declared capacity).
	pub committed_bytes: u64,
	/// The epoch the two counters below describe.
	pub epoch: EpochIndex,
	/// Sectors challenged in `epoch` (live when it started).
	pub challenged: u32,
	/// Of those, the ones proven in `epoch`.
	pub proven: u32,
	/// Epochs in a row with a missed proof, up to now.
	pub consecutive_faults: u32,
	/// Of the live sectors, those committed in `epoch`'s last block: they count from the epoch
	/// after the next (`depin_proving::epoch::counts_from`), so `epoch + 1` does not challenge
	/// them.
	pub late: u32,
	/// The last epoch known to audit the device (0: none), whatever its status then: its deals
	/// count every epoch up to an audit their sector missed as missed (`pallet::deals`).
	pub last_audit: EpochIndex,
	/// The audit known before `last_audit` (0: none).
	pub prev_audit: EpochIndex,
}

impl ProverState {
	/// The epochs missed from the one the record describes up to `current` (excluded), added
	/// to the consecutive faults: the epoch the record describes if a sector challenged in it
	/// went unproven, and, if `gaps_audited` (every epoch audits every device), every
	/// untouched epoch after it, which challenged every live sector and saw none proven.
	/// Without it an untouched epoch is not known to have audited the device (its seed is
	/// gone) and counts nothing, as compute's do: the sweep enters every device into every
	/// epoch while blocks have room, so only an epoch of full blocks leaves such a gap.
	fn count_missed_in(&mut self, current: EpochIndex, gaps_audited: bool) -> u32 {
		let mut missed: u32 = 0;
		// The epoch the counters describe.
		if self.challenged > self.proven {
			missed = 1;
			self.consecutive_faults = self.consecutive_faults.saturating_add(1);
		} else if self.challenged > 0 {
			self.consecutive_faults = 0;
		}
		let gap = current.saturating_sub(self.epoch).saturating_sub(1);
		if gap > 0 && gaps_audited {
			// The first untouched epoch challenged the sectors not committed late; each later
			// one, every sector.
			let first = u32::from(self.sectors > self.late);
			let rest = if self.sectors > 0 { gap.saturating_sub(1) } else { 0 };
			let epochs = first.saturating_add(rest);
			missed = missed.saturating_add(epochs);
			self.consecutive_faults = self.consecutive_faults.saturating_add(epochs);
		}
		missed
	}
}

/// A prover record as the pallet settles it: the record and the audit draw of the epoch it
/// enters, which needs that epoch's seed ([`depin_primitives::storage::audited`]).
pub struct Audited<'a> {
	/// The record.
	pub state: &'a mut ProverState,
	/// The device.
	pub device: DeviceId,
	/// The seed of the epoch in progress, the one the record may enter.
	pub seed: sp_core::H256,
	/// The audit rate, in parts per billion (a billion: every device every epoch).
	pub rate: u32,
}

impl Audited<'_> {
	/// Whether every epoch audits every device.
	fn every_epoch(&self) -> bool {
		u64::from(self.rate) >= depin_primitives::BILLION
	}
}

impl depin_proving::Ledger for Audited<'_> {
	fn epoch(&self) -> EpochIndex {
		self.state.epoch
	}

	fn count_missed(&mut self, current: EpochIndex) -> u32 {
		let every_epoch = self.every_epoch();
		self.state.count_missed_in(current, every_epoch)
	}

	/// Enter `current` as the record does, challenged only if the epoch's draw audits the
	/// device; an audit is remembered whatever the device's status.
	fn enter(&mut self, current: EpochIndex, active: bool) {
		// The last audit before `current`: the last one the record saw, or, across untouched
		// epochs while every epoch audits every device, the epoch before. (Not across the
		// epoch the record describes, whose draw it knows: a rate raised to one does not
		// turn an epoch that did not audit the device into one its deals missed.)
		let gap = current.saturating_sub(self.state.epoch) > 1;
		let before = if gap && self.every_epoch() {
			current.saturating_sub(1)
		} else {
			self.state.last_audit
		};
		let audited =
			depin_primitives::storage::audited(&self.seed, self.device, current, self.rate);
		self.state.enter(current, active);
		if audited {
			self.state.prev_audit = before;
			self.state.last_audit = current;
		} else {
			self.state.challenged = 0;
		}
	}

	fn close(&mut self) -> u32 {
		self.state.close()
	}

	fn consecutive_faults(&self) -> u32 {
		self.state.consecutive_faults
	}

	fn reset_faults(&mut self) {
		self.state.consecutive_faults = 0;
	}
}

impl depin_proving::Ledger for ProverState {
	fn epoch(&self) -> EpochIndex {
		self.epoch
	}

	/// A storage device misses an epoch when a sector challenged in it went unproven; every
	/// untouched epoch after it challenged every live sector and saw none proven. (Every epoch
	/// audited: the pallet settles records through [`Audited`], which knows the audit rate.)
	fn count_missed(&mut self, current: EpochIndex) -> u32 {
		self.count_missed_in(current, true)
	}

	/// A sector challenged and unproven is missed; the rest are no longer challenged.
	fn close(&mut self) -> u32 {
		let missed = self.count_missed(self.epoch.saturating_add(1));
		self.challenged = self.proven;
		missed
	}

	/// Every live sector of an active device is challenged, but those committed late in the
	/// epoch before (they count from the next).
	fn enter(&mut self, current: EpochIndex, active: bool) {
		let late = if self.epoch.saturating_add(1) == current { self.late } else { 0 };
		self.epoch = current;
		self.challenged = if active { self.sectors.saturating_sub(late) } else { 0 };
		self.proven = 0;
		self.late = 0;
	}

	fn consecutive_faults(&self) -> u32 {
		self.consecutive_faults
	}

	fn reset_faults(&mut self) {
		self.consecutive_faults = 0;
	}
}

/// The one device keeping a data root, and how: a root is kept by one device of the whole
/// chain at a time, in a live sector, a live deal, or both (an active deal and its sector).
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct RootHolder {
	/// The device.
	pub device: DeviceId,
	/// Its live sector with the root, if committed.
	pub sector: Option<SectorIndex>,
	/// The published or active deal of the root on the device, if any.
	pub deal: Option<depin_primitives::deals::DealId>,
}
