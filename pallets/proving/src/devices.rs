//! The registry checks a proof pallet makes before it touches a device, in one order for
//! every kind: the device exists, the caller operates it (for calls only its operator may
//! make), it is of the pallet's kind, it is active.

use crate::registry::DeviceRegistry;
use depin_primitives::device::{Device, DeviceId, DeviceKind};

/// Why a device cannot be used for what a call asks of it. A pallet reports each under its
/// own error of the same name: `UnknownDevice`, `NotDeviceOperator`, `Not<Kind>Device`,
/// `DeviceNotActive`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DeviceRefusal {
	/// No device has this id.
	Unknown,
	/// The caller is neither the device's owner nor its manager.
	NotOperator,
	/// The device is of another kind.
	WrongKind,
	/// The device is suspended or retired.
	NotActive,
}

/// Put each of `devices` through `admit` as its owner would (a pallet's genesis list: a roster
/// joined, workers enrolled), checked as that call checks it. Panics, naming the device as
/// `what`, if one does not exist or is refused: a genesis that cannot be built is not built.
pub fn admit_at_genesis<AccountId, R: DeviceRegistry<AccountId>, E: core::fmt::Debug>(
	devices: &[DeviceId],
	what: &str,
	mut admit: impl FnMut(AccountId, DeviceId) -> Result<(), E>,
) {
	for device in devices {
		let Some(owner) = R::device(*device).map(|d| d.owner) else {
			panic!("genesis {what} {device} does not exist");
		};
		if let Err(error) = admit(owner, *device) {
			panic!("genesis {what} {device} is refused: {error:?}");
		}
	}
}

/// The device `id` of `kind`, if it is active and (when `operator` is given) operated by
/// `operator`; one registry read.
pub fn usable_device<AccountId: PartialEq, R: DeviceRegistry<AccountId>>(
	id: DeviceId,
	operator: Option<&AccountId>,
	kind: DeviceKind,
) -> Result<Device<AccountId, R::Balance, R::BlockNumber>, DeviceRefusal> {
	let device = R::device(id).ok_or(DeviceRefusal::Unknown)?;
	if operator.is_some_and(|who| !device.is_operator(who)) {
		return Err(DeviceRefusal::NotOperator);
	}
	if device.kind != kind {
		return Err(DeviceRefusal::WrongKind);
	}
	if !device.is_active() {
		return Err(DeviceRefusal::NotActive);
	}
	Ok(device)
}
