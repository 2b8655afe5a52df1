//! The clock: when epochs start, their seeds, their deadlines, the hooks, and the move from
//! the storage-proofs pallet.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]

use crate::{migrations::MoveClock, mock::*, pallet::*, EpochInfo, ProvingEpochs, SEED_SUBJECT};
use codec::Encode;
use frame_support::{
	storage::migration::{get_storage_value, put_storage_value},
	traits::{Get, Hooks, OnRuntimeUpgrade},
	weights::Weight,
};
use sp_core::H256;

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| if let RuntimeEvent::Epochs(e) = r.event { Some(e) } else { None })
		.unwrap()
}

fn seed_of(epoch: u32, block: u64) -> H256 {
	let random = H256(sp_io::hashing::blake2_256(&(SEED_SUBJECT, vrf_output(block)).encode()));
	H256(sp_io::hashing::blake2_256(&(SEED_SUBJECT, epoch, random).encode()))
}

#[test]
fn epochs_start_every_proving_period_with_a_seed_from_the_randomness() {
	execute(|| {
		assert_eq!(
			CurrentEpoch::<Test>::get(),
			EpochInfo { index: 0, start: 0, seed: H256::zero() }
		);
		run_to_block(9);
		assert_eq!(CurrentEpoch::<Test>::get().index, 0);
		assert!(heard().is_empty());
		run_to_block(10);
		let seed = seed_of(1, 10);
		assert_eq!(CurrentEpoch::<Test>::get(), EpochInfo { index: 1, start: 10, seed });
		assert_eq!(last_event(), Event::EpochStarted { epoch: 1, seed });
		run_to_block(20);
		let second = CurrentEpoch::<Test>::get();
		assert_eq!(second, EpochInfo { index: 2, start: 20, seed: seed_of(2, 20) });
		assert_ne!(second.seed, seed);
		// Each block that starts an epoch tells of the end of the last one, then the start.
		assert_eq!(
			heard(),
			vec![
				Heard::Ended(0, 0, 10),
				Heard::Started(EpochInfo { index: 1, start: 10, seed }),
				Heard::Ended(1, 10, 20),
				Heard::Started(second),
			]
		);
	});
}

#[test]
fn a_block_that_starts_an_epoch_is_charged_for_it_and_its_hooks_others_for_one_read() {
	execute(|| {
		let quiet = run_to_block(9);
		assert_eq!(
			quiet,
			<<Test as frame_system::Config>::DbWeight as Get<
				frame_support::weights::RuntimeDbWeight,
			>>::get()
			.reads(1)
		);
		let start = run_to_block(10);
		assert_eq!(
			start,
			<() as crate::WeightInfo>::start_epoch()
				+ Weight::from_parts(2_000, 0)
				+ Weight::from_parts(3_000, 0)
		);
	});
}

#[test]
fn a_new_proving_period_applies_from_the_next_epoch_boundary() {
	execute(|| {
		run_to_block(10);
		ProvingPeriod::set(4);
		ResponseWindow::set(3);
		run_to_block(13);
		assert_eq!(CurrentEpoch::<Test>::get().index, 1);
		run_to_block(14);
		assert_eq!(CurrentEpoch::<Test>::get().index, 2);
		run_to_block(18);
		assert_eq!(CurrentEpoch::<Test>::get().index, 3);
		assert_eq!(Epochs::deadline(18), 20);
		assert_eq!(Epochs::next_start(18), 22);
	});
}

#[test]
fn the_deadline_is_the_response_window_within_one_block_and_the_period() {
	execute(|| {
		assert_eq!(Epochs::deadline(10), 17);
		ResponseWindow::set(0);
		assert_eq!(Epochs::deadline(10), 10);
		ResponseWindow::set(50);
		assert_eq!(Epochs::deadline(10), 19);
		// The trait the proof pallets read says the same.
		assert_eq!(<Epochs as ProvingEpochs<u64>>::deadline(10), 19);
		assert_eq!(<Epochs as ProvingEpochs<u64>>::next_start(10), 20);
		assert_eq!(<Epochs as ProvingEpochs<u64>>::current(), CurrentEpoch::<Test>::get());
	});
}

#[test]
fn a_stalled_chain_starts_one_epoch_when_it_resumes_not_one_per_missed_period() {
	execute(|| {
		run_to_block(10);
		// No blocks from 11 to 44.
		System::set_block_number(45);
		enter_block(45);
		Epochs::on_initialize(45);
		assert_eq!(
			CurrentEpoch::<Test>::get(),
			EpochInfo { index: 2, start: 45, seed: seed_of(2, 45) }
		);
		assert_eq!(heard().last(), Some(&Heard::Started(CurrentEpoch::<Test>::get())));
	});
}

#[test]
fn the_invariants_catch_an_epoch_from_the_future() {
	execute(|| {
		run_to_block(10);
		CurrentEpoch::<Test>::mutate(|e| e.start = 11);
		assert!(Epochs::do_try_state(10).is_err());
		CurrentEpoch::<Test>::put(EpochInfo { index: 0, start: 5, seed: H256::zero() });
		assert!(Epochs::do_try_state(10).is_err());
		CurrentEpoch::<Test>::put(EpochInfo { index: 1, start: 10, seed: H256::zero() });
	});
}

frame_support::parameter_types! {
	pub const OldPallet: &'static str = "Proofs";
}

#[test]
fn the_upgrade_moves_the_epoch_in_progress_from_the_proofs_pallet_once() {
	execute(|| {
		let old = EpochInfo { index: 7, start: 70, seed: H256::repeat_byte(7) };
		put_storage_value(b"Proofs", b"CurrentEpoch", &[], old);
		System::set_block_number(72);

		let weight = MoveClock::<Test, OldPallet>::on_runtime_upgrade();
		assert_eq!(
			weight,
			<<Test as frame_system::Config>::DbWeight as Get<
				frame_support::weights::RuntimeDbWeight,
			>>::get()
			.reads_writes(1, 2)
		);
		assert_eq!(CurrentEpoch::<Test>::get(), old);
		assert_eq!(get_storage_value::<EpochInfo<u64>>(b"Proofs", b"CurrentEpoch", &[]), None);

		// A second run finds nothing to move and changes nothing.
		let weight = MoveClock::<Test, OldPallet>::on_runtime_upgrade();
		assert_eq!(
			weight,
			<<Test as frame_system::Config>::DbWeight as Get<
				frame_support::weights::RuntimeDbWeight,
			>>::get()
			.reads(1)
		);
		assert_eq!(CurrentEpoch::<Test>::get(), old);

		// The clock goes on from the moved epoch: the next starts 10 blocks after 70.
		run_to_block(79);
		assert_eq!(CurrentEpoch::<Test>::get().index, 7);
		run_to_block(80);
		assert_eq!(CurrentEpoch::<Test>::get().index, 8);
	});
}

#[test]
#[should_panic(expected = "ResponseWindow must be within 1..=ProvingPeriod")]
fn integrity_test_refuses_a_window_longer_than_the_period() {
	new_test_ext().execute_with(|| {
		ResponseWindow::set(11);
		<Epochs as frame_support::traits::Hooks<u64>>::integrity_test();
	});
}
