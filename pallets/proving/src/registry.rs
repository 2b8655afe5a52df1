//! The device registry as proof pallets see it: look-ups, faults, suspension, slashing. The
//! devices pallet implements it.

use depin_primitives::{
	device::{Device, DeviceId, DeviceKey, DeviceKind, DeviceStatus},
	h3::H3Cell,
};
use frame_support::weights::Weight;
use sp_runtime::{DispatchError, DispatchResult, Perbill};

/// The device registry, as other pallets (the proof pallets, emission) see it.
///
/// Look-ups are cheap single reads. The mutating methods keep the registry's invariants
/// (indexes, counts, held deposits) and emit the same events as the privileged calls.
pub trait DeviceRegistry<AccountId> {
	/// The registry's balance type (deposits and slashes).
	type Balance;
	/// The block number type.
	type BlockNumber;

	/// A device by id.
	fn device(id: DeviceId) -> Option<Device<AccountId, Self::Balance, Self::BlockNumber>>;

	/// The id of the device registered with `key`.
	fn device_by_key(key: &DeviceKey) -> Option<DeviceId>;

	/// The key the device signed with before its last rotation, and the block it was
	/// rotated at: statements the device signed before then (a receipt co-signed with a
	/// consumer but not yet submitted) still verify against it.
	fn previous_key(id: DeviceId) -> Option<(DeviceKey, Self::BlockNumber)>;

	/// The number of non-retired devices of `kind` in `cell`, where `cell` is at the
	/// registry's density resolution (see [`DeviceRegistry::density_cell`]).
	fn devices_in_cell(cell: H3Cell, kind: DeviceKind) -> u32;

	/// The cell at the registry's density resolution that contains `location`.
	fn density_cell(location: H3Cell) -> Option<H3Cell>;

	/// Count `faults` faults (missed proofs) against the device at once; returns its fault
	/// count. The cost does not depend on `faults`.
	fn record_faults(id: DeviceId, faults: u32) -> Result<u32, DispatchError>;

	/// Suspend an active device.
	fn suspend(id: DeviceId) -> DispatchResult;

	/// Resume a suspended device.
	fn resume(id: DeviceId) -> DispatchResult;

	/// Slash `fraction` of the device's held deposit (also while it is retired and
	/// unbonding) and hand it to the registry's slash destination; returns the amount.
	fn slash(id: DeviceId, fraction: Perbill) -> Result<Self::Balance, DispatchError>;

	/// The weight of [`DeviceRegistry::record_faults`], for the caller's own weight.
	fn record_faults_weight() -> Weight;

	/// The weight of [`DeviceRegistry::suspend`].
	fn suspend_weight() -> Weight;

	/// The weight of [`DeviceRegistry::resume`].
	fn resume_weight() -> Weight;

	/// The weight of [`DeviceRegistry::slash`].
	fn slash_weight() -> Weight;

	/// The most a fault settlement ([`crate::faults::settle`]) spends in the registry:
	/// recording the faults, suspending the device and slashing its deposit, benchmarked as
	/// one settlement. Every proof kind's ledger is charged with it
	/// ([`crate::faults::settle_weight`]).
	fn settle_weight() -> Weight;

	/// For other pallets' benchmarks: fund `owner` and register an active device with `key`,
	/// without a possession proof, at a valid location.
	#[cfg(feature = "runtime-benchmarks")]
	fn register_benchmark_device(
		owner: &AccountId,
		key: DeviceKey,
		kind: DeviceKind,
		capacity: u64,
	) -> Result<DeviceId, DispatchError>;

	/// For other pallets' benchmarks: as [`DeviceRegistry::register_benchmark_device`], at
	/// `location` (a valid cell within the allowed resolutions).
	#[cfg(feature = "runtime-benchmarks")]
	fn register_benchmark_device_at(
		owner: &AccountId,
		key: DeviceKey,
		kind: DeviceKind,
		capacity: u64,
		location: H3Cell,
	) -> Result<DeviceId, DispatchError>;

	/// For other pallets' benchmarks: the location [`DeviceRegistry::register_benchmark_device`]
	/// uses (a cell in Berlin at the finest allowed resolution).
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_location() -> H3Cell;

	/// The device's status.
	fn status(id: DeviceId) -> Option<DeviceStatus<Self::BlockNumber>> {
		Self::device(id).map(|d| d.status)
	}

	/// Whether the device exists and is active.
	fn is_active(id: DeviceId) -> bool {
		matches!(Self::status(id), Some(DeviceStatus::Active))
	}

	/// The device's kind.
	fn kind(id: DeviceId) -> Option<DeviceKind> {
		Self::device(id).map(|d| d.kind)
	}

	/// The device's owner.
	fn owner(id: DeviceId) -> Option<AccountId> {
		Self::device(id).map(|d| d.owner)
	}

	/// The device's fleet manager, if it exists and has one.
	fn manager(id: DeviceId) -> Option<AccountId> {
		Self::device(id).and_then(|d| d.manager)
	}

	/// The device's signing key.
	fn key(id: DeviceId) -> Option<DeviceKey> {
		Self::device(id).map(|d| d.key)
	}

	/// The device's location.
	fn location(id: DeviceId) -> Option<H3Cell> {
		Self::device(id).map(|d| d.location)
	}

	/// The device's declared capacity.
	fn capacity(id: DeviceId) -> Option<u64> {
		Self::device(id).map(|d| d.capacity)
	}
}
