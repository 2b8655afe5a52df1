//! Read-only queries for the runtime API (`depin-runtime-api`): they never write and are not
//! used by extrinsics. Lists come in pages of at most [`MAX_PAGE`] entries, in storage order;
//! the next page starts after the last id of the previous one.

use crate::{h3::H3Cell, pallet::*, types::*, DeviceOf};
use alloc::vec::Vec;
use frame_support::pallet_prelude::Get;

impl<T: Config> Pallet<T> {
	/// The devices of `owner` (retired ones too, until their deposit is claimed), at most
	/// `limit` (capped at [`MAX_PAGE`]), after device `start_after` if given.
	pub fn devices_of(
		owner: &T::AccountId,
		start_after: Option<DeviceId>,
		limit: u32,
	) -> Vec<(DeviceId, DeviceOf<T>)> {
		let limit = limit.min(MAX_PAGE) as usize;
		let ids = match start_after {
			Some(after) => OwnerDevices::<T>::iter_key_prefix_from(
				owner,
				OwnerDevices::<T>::hashed_key_for(owner, after),
			),
			None => OwnerDevices::<T>::iter_key_prefix(owner),
		};
		ids.filter_map(|id| Devices::<T>::get(id).map(|device| (id, device))).take(limit).collect()
	}

	/// The non-retired devices located in `cell` (of `kind`, if given), at most `limit`
	/// (capped at [`MAX_PAGE`]), after device `start_after` if given.
	///
	/// `cell` may have any resolution from [`Config::DensityResolution`] (the index is kept
	/// per cell of that resolution) to the finest; a device is in `cell` when its location is
	/// `cell` or inside it.
	pub fn devices_in_area(
		cell: u64,
		kind: Option<DeviceKind>,
		start_after: Option<DeviceId>,
		limit: u32,
	) -> Result<Vec<(DeviceId, DeviceOf<T>)>, AreaQueryError> {
		let cell = H3Cell::new(cell).map_err(|_| AreaQueryError::InvalidCell)?;
		let density_resolution = T::DensityResolution::get();
		let resolution = cell.resolution();
		if resolution < density_resolution {
			return Err(AreaQueryError::CellTooCoarse { min_resolution: density_resolution });
		}
		let indexed = cell.parent(density_resolution).ok_or(AreaQueryError::InvalidCell)?;
		let limit = limit.min(MAX_PAGE) as usize;
		let ids = match start_after {
			Some(after) => CellDevices::<T>::iter_key_prefix_from(
				indexed,
				CellDevices::<T>::hashed_key_for(indexed, after),
			),
			None => CellDevices::<T>::iter_key_prefix(indexed),
		};
		Ok(ids
			.filter_map(|id| Devices::<T>::get(id).map(|device| (id, device)))
			.filter(|(_, device)| kind.is_none_or(|kind| device.kind == kind))
			.filter(|(_, device)| device.location.parent(resolution) == Some(cell))
			.take(limit)
			.collect())
	}
}
