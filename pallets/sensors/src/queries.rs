//! What the runtime API answers about sensors: schemas, a device's record with the readings
//! its open audit asks for, subscriptions and energy trades.

use crate::{pallet::*, types::*, EnergyTradeOf, SubscriptionOf};
use alloc::vec::Vec;
use frame_support::traits::Get;
use pallet_devices::DeviceId;

impl<T: Config> Pallet<T> {
	/// A schema by number.
	pub fn schema(id: SchemaId) -> Option<SchemaRecord> {
		Schemas::<T>::get(id)
	}

	/// A sensor device's record: its schema, its last attested reading, its attestation
	/// waiting for its audit and, while that audit is open, the readings to reveal.
	pub fn sensor_status(device: DeviceId) -> Option<SensorStatus> {
		let state = Sensors::<T>::get(device)?;
		let now = Self::now();
		let sampled = state
			.pending
			.as_ref()
			.filter(|p| now.epoch.index == p.audit_in && !Self::audit_closed(p, &now))
			.map(|p| Self::sampled(&now.epoch.seed, device, p.epoch, p.count))
			.unwrap_or_default();
		Some(SensorStatus {
			schema: state.schema,
			last_end: state.last_end,
			pending: state.pending.map(|p| PendingAttestation {
				epoch: p.epoch,
				audit_in: p.audit_in,
				root: p.root,
				count: p.count,
				start: p.start,
				end: p.end,
			}),
			sampled,
		})
	}

	/// An energy trade by number (offered or accepted, until it closes).
	pub fn energy_trade(id: TradeId) -> Option<EnergyTradeOf<T>> {
		Trades::<T>::get(id)
	}

	/// The trades a meter is in: as the consuming meter from the offer, as the producing one
	/// once accepted.
	pub fn meter_trades(device: DeviceId) -> Vec<(TradeId, EnergyTradeOf<T>)> {
		DeviceTrades::<T>::get(device)
			.map(|ids| {
				ids.into_iter().filter_map(|id| Trades::<T>::get(id).map(|t| (id, t))).collect()
			})
			.unwrap_or_default()
	}

	/// A subscription by number.
	pub fn subscription(id: SubscriptionId) -> Option<SubscriptionOf<T>> {
		Subscriptions::<T>::get(id)
	}

	/// The subscriptions to `schema`'s data in the area of `cell` (its parent at
	/// `AreaResolution`; none for a coarser cell): what a device there is paid by.
	pub fn area_subscriptions(
		schema: SchemaId,
		cell: H3Cell,
	) -> Vec<(SubscriptionId, SubscriptionOf<T>)> {
		let Some(area) = cell.parent(T::AreaResolution::get()) else { return Vec::new() };
		AreaSubscriptions::<T>::get((schema, area))
			.map(|ids| {
				ids.into_iter()
					.filter_map(|id| Subscriptions::<T>::get(id).map(|s| (id, s)))
					.collect()
			})
			.unwrap_or_default()
	}
}
