//! Makers: device keys a fake cannot have.
//!
//! Nothing on chain tells readings copied from a real station from measured ones, so a station
//! that copies its neighbours under an owner of its own is paid for data it never measured
//! (`docs/attacks.md`, `sensor-copy`). The answer of the data networks that work (Helium's
//! makers, WeatherXM's stations) is the hardware: a device's key is made in a secure element
//! at the factory and never leaves it, and the maker signs it there. A copier then needs a
//! real device for every station it runs, which costs what a real station costs.
//!
//! Governance (`SchemaOrigin`) trusts a maker of a schema's devices with a key and a **cap**
//! (the most devices it may certify, raised as it earns trust: a maker whose key leaks can
//! vouch for at most its cap, and is removed). A device's operator hands the chain the maker's
//! certificate (its signature of [`CertificateStatement`]: the maker, the schema and the
//! device's key, for this chain). Once governance requires certificates for a schema, it takes
//! enrolments and attestations from devices whose **current** key a trusted maker of that
//! schema certified only: a key rotated after its certificate, or a maker removed, stops the
//! device's attestations until a new certificate comes.

use crate::{pallet::*, types::*};
use depin_primitives::device::DeviceKey;
use depin_proving::devices;
use frame_support::pallet_prelude::*;
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry, DeviceSignature};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_add_maker(schema: SchemaId, key: DeviceKey, cap: u32) -> DispatchResult {
		Self::live_schema(schema)?;
		let maker = NextMaker::<T>::get();
		let next = maker.checked_add(1).ok_or(Error::<T>::Overflow)?;
		Makers::<T>::insert(maker, Maker { key, schema, cap, certified: 0 });
		NextMaker::<T>::put(next);
		Self::deposit_event(Event::MakerAdded { maker, schema, cap });
		Ok(())
	}

	pub(crate) fn do_set_maker_cap(maker: MakerId, cap: u32) -> DispatchResult {
		Makers::<T>::try_mutate(maker, |record| {
			let record = record.as_mut().ok_or(Error::<T>::UnknownMaker)?;
			record.cap = cap;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::MakerCapSet { maker, cap });
		Ok(())
	}

	pub(crate) fn do_remove_maker(maker: MakerId) -> DispatchResult {
		ensure!(Makers::<T>::contains_key(maker), Error::<T>::UnknownMaker);
		Makers::<T>::remove(maker);
		Self::deposit_event(Event::MakerRemoved { maker });
		Ok(())
	}

	pub(crate) fn do_require_certificates(schema: SchemaId, required: bool) -> DispatchResult {
		ensure!(Schemas::<T>::contains_key(schema), Error::<T>::UnknownSchema);
		if required {
			CertificatesRequired::<T>::insert(schema, ());
		} else {
			CertificatesRequired::<T>::remove(schema);
		}
		Self::deposit_event(Event::CertificatesRequired { schema, required });
		Ok(())
	}

	pub(crate) fn do_certify(
		who: T::AccountId,
		device_id: DeviceId,
		maker_id: MakerId,
		signature: DeviceSignature,
	) -> DispatchResult {
		let device =
			devices::usable_device::<_, T::Registry>(device_id, Some(&who), DeviceKind::Sensor)
				.map_err(Error::<T>::from)?;
		let mut maker = Makers::<T>::get(maker_id).ok_or(Error::<T>::UnknownMaker)?;
		// A trusted maker of this schema vouches for the key already; a removed maker's or
		// another schema's certificate gives way.
		let vouched = Self::vouched_by(&device.key).is_some_and(|m| m.schema == maker.schema);
		ensure!(!vouched, Error::<T>::AlreadyCertified);
		ensure!(maker.certified < maker.cap, Error::<T>::MakerFull);
		let statement =
			CertificateStatement { maker: maker_id, schema: maker.schema, device_key: device.key };
		let genesis = depin_proving::genesis_hash::<T>();
		ensure!(
			maker.key.verify_statement(CERTIFICATE_CONTEXT, genesis, &statement, &signature),
			Error::<T>::BadCertificate
		);
		maker.certified = maker.certified.checked_add(1).ok_or(Error::<T>::Overflow)?;
		Makers::<T>::insert(maker_id, maker);
		Certificates::<T>::insert(device.key, maker_id);
		Self::deposit_event(Event::DeviceCertified { device: device_id, maker: maker_id });
		Ok(())
	}

	/// The trusted maker that certified `key`, if one did.
	fn vouched_by(key: &DeviceKey) -> Option<Maker> {
		Certificates::<T>::get(key).and_then(Makers::<T>::get)
	}

	/// Whether `schema` takes a device of current `key`: it requires no certificate, or a
	/// trusted maker of the schema certified the key.
	pub(crate) fn ensure_certified(schema: SchemaId, key: &DeviceKey) -> Result<(), Error<T>> {
		if !CertificatesRequired::<T>::contains_key(schema) {
			return Ok(());
		}
		let by_schema_maker = Self::vouched_by(key).is_some_and(|m| m.schema == schema);
		ensure!(by_schema_maker, Error::<T>::NotCertified);
		Ok(())
	}

	/// Whether `schema` still takes `device` at its audit (its key, its maker and the rule as
	/// they are now): a batch attested before its maker was removed, its key rotated or the
	/// rule set is audited, but paid nothing.
	pub(crate) fn still_certified(schema: SchemaId, device: DeviceId) -> bool {
		T::Registry::device(device).is_some_and(|d| Self::ensure_certified(schema, &d.key).is_ok())
	}

	/// Every maker's number is below `NextMaker` and its count of certificates at least the
	/// certificates that name it; every certificate names a maker numbered below `NextMaker`.
	pub(crate) fn makers_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextMaker::<T>::get();
		let mut named = alloc::collections::BTreeMap::<MakerId, u32>::new();
		for (_, maker) in Certificates::<T>::iter() {
			ensure!(maker < next, "a certificate names a maker that was added");
			let count = named.entry(maker).or_default();
			*count = count.saturating_add(1);
		}
		for (id, maker) in Makers::<T>::iter() {
			ensure!(id < next, "a maker's number is below NextMaker");
			let certificates = named.get(&id).copied().unwrap_or_default();
			ensure!(maker.certified >= certificates, "a maker counts every certificate it signed");
		}
		for (schema, ()) in CertificatesRequired::<T>::iter() {
			ensure!(Schemas::<T>::contains_key(schema), "a schema requiring certificates exists");
		}
		Ok(())
	}
}
