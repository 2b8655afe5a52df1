//! Storage migrations of the proofs pallet.

use crate::{pallet::*, types::*, weights::WeightInfo, DealOf};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use depin_primitives::deals::{DealEnd, DealId, DealState};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};
use pallet_devices::{DeviceId, DeviceRegistry};
use sp_core::H256;

/// Version 0 to 1: a data root is kept by one device of the whole chain (`RootHolders`), where
/// version 0 reserved it per device (`DealByRoot`); a prover record counts its sectors
/// committed late in its epoch (`ProverState::late`). See [`v1::IndexRoots`].
pub type V0ToV1<T> =
	VersionedMigration<0, 1, v1::IndexRoots<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

/// Version 1 to 2: a prover record remembers its device's last two audits
/// (`ProverState::last_audit`, `prev_audit`), now that storage audits are sampled
/// (`Config::AuditRate`). See [`v2::RememberAudits`].
pub type V1ToV2<T> = VersionedMigration<
	1,
	2,
	v2::RememberAudits<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

pub mod v2 {
	use super::*;
	use frame_support::storage::unhashed;

	/// Version 1's prover record: without the audits.
	#[derive(Encode, Decode, MaxEncodedLen)]
	pub struct V1ProverState {
		pub sectors: u32,
		pub next_sector: SectorIndex,
		pub committed_bytes: u64,
		pub epoch: EpochIndex,
		pub challenged: u32,
		pub proven: u32,
		pub consecutive_faults: u32,
		pub late: u32,
	}

	/// Give every prover record its audits, in one block (a chain of this version has a few
	/// thousand records at most; each is a read and a write). Until version 2 every epoch
	/// audited every device, so a record's last audit is the epoch it describes and the one
	/// before it the epoch before. A record already in version 2's layout (written by
	/// [`super::V0ToV1`] in the same upgrade) is left as it is: both layouts are of fixed
	/// size, so a record's length tells which it is.
	pub struct RememberAudits<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for RememberAudits<T> {
		fn on_runtime_upgrade() -> Weight {
			let db = T::DbWeight::get();
			let devices: Vec<DeviceId> = Provers::<T>::iter_keys().collect();
			let mut weight = db.reads(devices.len() as u64);
			for device in devices {
				let key = Provers::<T>::hashed_key_for(device);
				weight = weight.saturating_add(db.reads(1));
				let Some(raw) = unhashed::get_raw(&key) else { continue };
				if raw.len() != V1ProverState::max_encoded_len() {
					continue;
				}
				let Ok(old) = V1ProverState::decode(&mut &raw[..]) else { continue };
				Provers::<T>::insert(
					device,
					ProverState {
						sectors: old.sectors,
						next_sector: old.next_sector,
						committed_bytes: old.committed_bytes,
						epoch: old.epoch,
						challenged: old.challenged,
						proven: old.proven,
						consecutive_faults: old.consecutive_faults,
						late: old.late,
						last_audit: old.epoch,
						prev_audit: old.epoch.saturating_sub(1),
					},
				);
				weight = weight.saturating_add(db.writes(1));
			}
			weight
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((Provers::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("bad pre-upgrade state"))?;
			// Every record decodes in the new layout.
			let after = Provers::<T>::iter_values().count() as u64;
			ensure!(before == after, "a prover record lost in the migration");
			Ok(())
		}
	}
}

pub mod v1 {
	use super::*;

	/// Version 0's index: the published or active deal of each root on each device.
	#[frame_support::storage_alias]
	pub type DealByRoot<T: Config> = StorageDoubleMap<
		Pallet<T>,
		Twox64Concat,
		DeviceId,
		Blake2_128Concat,
		H256,
		DealId,
		OptionQuery,
	>;

	/// Version 0's prover record: without `late`.
	#[derive(Encode, Decode)]
	pub struct OldProverState {
		pub sectors: u32,
		pub next_sector: SectorIndex,
		pub committed_bytes: u64,
		pub epoch: EpochIndex,
		pub challenged: u32,
		pub proven: u32,
		pub consecutive_faults: u32,
	}

	/// Index every live root once, in one block (a chain of this version has a few hundred
	/// sectors; every step is a read or two and a write or two).
	///
	/// 1. The deals of version 0's index, active ones first, then published ones: each keeps
	///    its root, unless a deal taken before has it (version 0 let two devices' deals share
	///    a root): that deal is closed as completed (what its proven epochs owe paid, every
	///    other hold released: nobody is punished for a rule that did not exist).
	/// 2. The sectors: each keeps its root unless a deal or a sector taken before has it;
	///    then it is dropped (a copy nobody pays for, or the sector of a deal just closed),
	///    without a fault: its open challenge, if any, is no longer counted.
	///
	/// First each prover record gets `late`: its sectors committed for the epoch after the
	/// record's (version 0 counted them as challenged in it, where their proofs are refused).
	pub struct IndexRoots<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for IndexRoots<T> {
		fn on_runtime_upgrade() -> Weight {
			let db = T::DbWeight::get();
			let mut weight = Weight::zero();
			Provers::<T>::translate::<OldProverState, _>(|device, old| {
				let late = Sectors::<T>::iter_prefix_values(device)
					.filter(|sector| sector.committed_in > old.epoch)
					.count() as u32;
				weight = weight.saturating_add(db.reads_writes(1, 1));
				weight = weight.saturating_add(db.reads(u64::from(old.sectors)));
				Some(ProverState {
					sectors: old.sectors,
					next_sector: old.next_sector,
					committed_bytes: old.committed_bytes,
					epoch: old.epoch,
					challenged: old.challenged,
					proven: old.proven,
					consecutive_faults: old.consecutive_faults,
					late,
					// Every epoch audited every device until version 2.
					last_audit: old.epoch,
					prev_audit: old.epoch.saturating_sub(1),
				})
			});
			let entries: Vec<(DeviceId, H256, DealId)> = DealByRoot::<T>::drain().collect();
			let n = entries.len() as u64;
			weight = weight.saturating_add(db.reads_writes(n, n));
			let mut deals: Vec<(DeviceId, H256, DealId, DealOf<T>)> = entries
				.into_iter()
				.filter_map(|(device, root, id)| {
					Deals::<T>::get(id).map(|deal| (device, root, id, deal))
				})
				.collect();
			weight = weight.saturating_add(db.reads(n));
			// Active deals first (stable: otherwise in the index's order).
			deals.sort_by_key(|(.., deal)| !matches!(deal.state, DealState::Active(_)));
			for (device, root, id, deal) in deals {
				let sector = match deal.state {
					DealState::Active(progress) => Some(progress.sector),
					DealState::Published => None,
					DealState::Closed => continue,
				};
				weight = weight.saturating_add(db.reads(1));
				if RootHolders::<T>::contains_key(root) {
					Pallet::<T>::end_deal(id, deal, DealEnd::Completed);
					weight = weight.saturating_add(T::WeightInfo::end_deal());
				} else {
					RootHolders::<T>::insert(root, RootHolder { device, sector, deal: Some(id) });
					weight = weight.saturating_add(db.writes(1));
				}
			}

			let sectors: Vec<(DeviceId, SectorIndex, Sector)> = Sectors::<T>::iter().collect();
			for (device, index, sector) in sectors {
				weight = weight.saturating_add(db.reads(2));
				match RootHolders::<T>::get(sector.root) {
					None => {
						let holder = RootHolder { device, sector: Some(index), deal: None };
						RootHolders::<T>::insert(sector.root, holder);
						weight = weight.saturating_add(db.writes(1));
					},
					Some(h) if h.device == device && h.sector == Some(index) => {},
					Some(_) => {
						drop_duplicate::<T>(device, index, &sector);
						// The record and the registry read; the sector, its deal and root, the record.
						weight = weight.saturating_add(db.reads_writes(4, 4));
					},
				}
			}
			weight
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			use codec::Encode;
			let live = Deals::<T>::iter_values().filter(|d| d.state != DealState::Closed).count();
			Ok((live as u64, DealByRoot::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			use codec::Decode;
			let (live, indexed) = <(u64, u64)>::decode(&mut &state[..])
				.map_err(|_| "the pre-upgrade state does not decode")?;
			ensure!(live == indexed, "version 0's index did not name every live deal");
			ensure!(DealByRoot::<T>::iter_keys().next().is_none(), "version 0's index is left");
			let published =
				Deals::<T>::iter_values().filter(|d| d.state == DealState::Published).count();
			ensure!(
				RootHolders::<T>::iter_keys().count()
					== Sectors::<T>::iter_keys().count().saturating_add(published),
				"a root for every sector and every deal waiting for its sector"
			);
			Pallet::<T>::do_try_state()
		}
	}

	/// Forget sector `index` of `device`, whose root another sector or deal keeps, through the
	/// pallet's one removal (counters, root), its open challenge no longer counted.
	fn drop_duplicate<T: Config>(device: DeviceId, index: SectorIndex, sector: &Sector) {
		let Some(mut state) = Provers::<T>::get(device) else { return };
		// Counted as challenged in the epoch the record describes and not proven in it:
		// no longer.
		let open = sector.committed_in < state.epoch && sector.proven_in != Some(state.epoch);
		if open && state.challenged > state.proven {
			state.challenged = state.challenged.saturating_sub(1);
		}
		let exists = T::Registry::device(device).is_some();
		Pallet::<T>::drop_sector(device, index, sector, state, exists);
		Pallet::<T>::deposit_event(Event::SectorRemoved { device, sector: index });
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::*;
	use frame_support::traits::OnRuntimeUpgrade;

	/// Version 0's state: no global index, each live deal's root in `DealByRoot`, prover
	/// records without `late`.
	fn to_v0() {
		let _ = RootHolders::<Test>::clear(u32::MAX, None);
		for (device, state) in Provers::<Test>::iter() {
			let old = v1::OldProverState {
				sectors: state.sectors,
				next_sector: state.next_sector,
				committed_bytes: state.committed_bytes,
				epoch: state.epoch,
				challenged: state.challenged,
				proven: state.proven,
				consecutive_faults: state.consecutive_faults,
			};
			frame_support::storage::unhashed::put(&Provers::<Test>::hashed_key_for(device), &old);
		}
		for (id, deal) in Deals::<Test>::iter() {
			if deal.state != DealState::Closed {
				v1::DealByRoot::<Test>::insert(deal.proposal.device, deal.proposal.root, id);
			}
		}
		StorageVersion::new(0).put::<Proofs>();
	}

	#[test]
	fn v2_gives_each_record_its_audits_and_leaves_a_record_of_version_2_alone() {
		ExtBuilder::default().build_and_execute(|| {
			commit(ALICE, STORAGE_A, &sector_data(4, 1));
			commit(BOB, STORAGE_B, &sector_data(4, 2));
			run_to_epoch(3);
			idle(Weight::MAX);
			let alice = Provers::<Test>::get(STORAGE_A).unwrap();
			let bob = Provers::<Test>::get(STORAGE_B).unwrap();
			assert_eq!((alice.epoch, alice.consecutive_faults), (3, 2));
			// Alice's record in version 1's layout; Bob's already in version 2's, as version
			// 0's migration writes it in the same upgrade, but with audits of its own.
			let old = v2::V1ProverState {
				sectors: alice.sectors,
				next_sector: alice.next_sector,
				committed_bytes: alice.committed_bytes,
				epoch: alice.epoch,
				challenged: alice.challenged,
				proven: alice.proven,
				consecutive_faults: alice.consecutive_faults,
				late: alice.late,
			};
			let key = Provers::<Test>::hashed_key_for(STORAGE_A);
			frame_support::storage::unhashed::put(&key, &old);
			assert!(Provers::<Test>::try_get(STORAGE_A).is_err(), "not decodable as version 2");
			let bob = ProverState { last_audit: 1, prev_audit: 0, ..bob };
			Provers::<Test>::insert(STORAGE_B, bob);
			StorageVersion::new(1).put::<Proofs>();

			#[cfg(feature = "try-runtime")]
			frame_support::assert_ok!(V1ToV2::<Test>::try_on_runtime_upgrade(true));
			#[cfg(not(feature = "try-runtime"))]
			V1ToV2::<Test>::on_runtime_upgrade();

			assert_eq!(StorageVersion::get::<Proofs>(), 2);
			// Every epoch audited every device until version 2.
			assert_eq!(
				Provers::<Test>::get(STORAGE_A),
				Some(ProverState { last_audit: 3, prev_audit: 2, ..alice })
			);
			assert_eq!(Provers::<Test>::get(STORAGE_B), Some(bob));
			// Run again: nothing changes.
			V1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(Provers::<Test>::get(STORAGE_B), Some(bob));
		});
	}

	#[test]
	fn v1_keeps_each_root_once_closing_or_dropping_what_v0_let_two_devices_share() {
		ExtBuilder::default().build_and_execute(|| {
			let (d1, d2, d3, d4) =
				(sector_data(4, 1), sector_data(4, 2), sector_data(4, 3), sector_data(2, 4));
			// d1: an active deal on Alice's device; d2: a deal published on Charlie's; d3: an
			// active deal on each of the two (version 0 let a client deal one root twice);
			// d4: Bob's sector, alone.
			let deal1 = publish(ALICE, proposal(STORAGE_A, &d1));
			let sector1 = commit(ALICE, STORAGE_A, &d1);
			let deal2 = publish(CHARLIE, proposal(STORAGE_C, &d2));
			let deal3a = publish(ALICE, proposal(STORAGE_A, &d3));
			commit(ALICE, STORAGE_A, &d3);
			let _ = RootHolders::<Test>::clear(u32::MAX, None);
			let deal3c = publish(CHARLIE, proposal(STORAGE_C, &d3));
			commit(CHARLIE, STORAGE_C, &d3);
			// Bob's copies of d1 and d2, without deals, next to his own d4.
			let _ = RootHolders::<Test>::clear(u32::MAX, None);
			commit(BOB, STORAGE_B, &d1);
			commit(BOB, STORAGE_B, &d2);
			// d4 in epoch 0's last block: it counts from epoch 2 (late in Bob's record).
			run_to_block(9);
			let bob_d4 = commit(BOB, STORAGE_B, &d4);
			to_v0();
			assert_eq!(v1::DealByRoot::<Test>::iter().count(), 4);
			let (client, charlie) = (free(CLIENT), free(CHARLIE));

			// With its pre- and post-upgrade checks where they are built.
			#[cfg(feature = "try-runtime")]
			frame_support::assert_ok!(V0ToV1::<Test>::try_on_runtime_upgrade(true));
			#[cfg(not(feature = "try-runtime"))]
			V0ToV1::<Test>::on_runtime_upgrade();

			assert_eq!(StorageVersion::get::<Proofs>(), 1);
			assert_eq!(v1::DealByRoot::<Test>::iter().count(), 0);
			assert_eq!(
				RootHolders::<Test>::get(d1.root()),
				Some(RootHolder { device: STORAGE_A, sector: Some(sector1), deal: Some(deal1) })
			);
			assert_eq!(
				RootHolders::<Test>::get(d2.root()),
				Some(RootHolder { device: STORAGE_C, sector: None, deal: Some(deal2) })
			);
			assert_eq!(
				RootHolders::<Test>::get(d4.root()),
				Some(RootHolder { device: STORAGE_B, sector: Some(bob_d4), deal: None })
			);
			// Bob keeps only d4.
			let bob: Vec<_> = Sectors::<Test>::iter_prefix(STORAGE_B).map(|(i, _)| i).collect();
			assert_eq!(bob, vec![bob_d4]);
			assert_eq!(Provers::<Test>::get(STORAGE_B).map(|p| (p.sectors, p.late)), Some((1, 1)));
			assert_eq!(Provers::<Test>::get(STORAGE_A).map(|p| p.late), Some(0));
			// d3: one deal keeps the root, the other was closed as completed, its holds
			// released, and its sector dropped.
			let kept = RootHolders::<Test>::get(d3.root()).and_then(|h| h.deal).unwrap();
			let gone = if kept == deal3a { deal3c } else { deal3a };
			assert!(Deals::<Test>::get(gone).is_none_or(|d| d.state == DealState::Closed));
			assert!(proof_events().contains(&Event::DealEnded {
				deal: gone,
				reason: DealEnd::Completed,
				provider_penalty: 0,
				client_fee: 0,
			}));
			assert!(free(CLIENT) > client, "the closed deal's payment came back");
			if gone == deal3c {
				assert!(free(CHARLIE) > charlie, "and Charlie's collateral");
			}
			// Run again: nothing changes.
			let holders = RootHolders::<Test>::iter().count();
			V0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(RootHolders::<Test>::iter().count(), holders);
		});
	}
}
