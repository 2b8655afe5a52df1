//! Read-only queries for the runtime API (`depin-runtime-api`): they never write and are not
//! used by extrinsics. Lists come in pages of at most [`MAX_PAGE`] entries, in storage order;
//! the next page starts after the last id of the previous one (for `devices_in_area`, after
//! the page's `next`).

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
	/// (capped at [`MAX_PAGE`], at least 1), after device `start_after` if given.
	///
	/// `cell` may have any resolution from [`Config::DensityResolution`] (the index is kept
	/// per cell of that resolution) to the finest; a device is in `cell` when its location is
	/// `cell` or inside it. The walk of the index is bounded: at most [`MAX_AREA_SCAN`] entries
	/// per call, however many devices the cell holds, so a filtered query may return fewer
	/// devices than asked and a `next` cursor to continue from.
	pub fn devices_in_area(
		cell: u64,
		kind: Option<DeviceKind>,
		start_after: Option<DeviceId>,
		limit: u32,
	) -> Result<AreaPage<DeviceOf<T>>, AreaQueryError> {
		let cell = H3Cell::new(cell).map_err(|_| AreaQueryError::InvalidCell)?;
		let density_resolution = T::DensityResolution::get();
		let resolution = cell.resolution();
		if resolution < density_resolution {
			return Err(AreaQueryError::CellTooCoarse { min_resolution: density_resolution });
		}
		let indexed = cell.parent(density_resolution).ok_or(AreaQueryError::InvalidCell)?;
		let limit = limit.clamp(1, MAX_PAGE) as usize;
		let ids = match start_after {
			Some(after) => CellDevices::<T>::iter_key_prefix_from(
				indexed,
				CellDevices::<T>::hashed_key_for(indexed, after),
			),
			None => CellDevices::<T>::iter_key_prefix(indexed),
		};
		let mut devices = Vec::new();
		let mut walked = 0u32;
		let mut last = None;
		for id in ids {
			if devices.len() >= limit || walked >= MAX_AREA_SCAN {
				return Ok(AreaPage { devices, next: last });
			}
			walked = walked.saturating_add(1);
			last = Some(id);
			let Some(device) = Devices::<T>::get(id) else { continue };
			if kind.is_none_or(|kind| device.kind == kind)
				&& device.location.parent(resolution) == Some(cell)
			{
				devices.push((id, device));
			}
		}
		Ok(AreaPage { devices, next: None })
	}
}
