//! Every guard rule, the preview, and that a refused change changes nothing.

use crate::{mock::*, Change, Error, Event, Guard, Refusal};
use frame_support::{assert_noop, assert_ok, traits::Get};
use sp_runtime::{DispatchError, Perbill};

fn epoch(v: u32) -> RuntimeParameters {
	RuntimeParameters::Network(network::Parameters::EpochLength(network::EpochLength, Some(v)))
}

fn slash(p: u32) -> RuntimeParameters {
	RuntimeParameters::Network(network::Parameters::Slash(
		network::Slash,
		Some(Perbill::from_percent(p)),
	))
}

fn threshold(v: u32) -> RuntimeParameters {
	RuntimeParameters::Network(network::Parameters::Threshold(network::Threshold, Some(v)))
}

#[test]
fn a_change_within_its_guard_is_set_and_reported() {
	new_test_ext().execute_with(|| {
		assert!(track_is_the_guarded_origin());
		assert_eq!(network::EpochLength::get(), 100);
		assert_ok!(Guarded::set_parameter(track(), epoch(150)));
		assert_eq!(network::EpochLength::get(), 150);
		System::assert_has_event(Event::GuardedChange { from: 100, to: 150 }.into());
		System::assert_has_event(
			pallet_parameters::Event::Updated {
				key: RuntimeParametersKey::Network(network::ParametersKey::EpochLength(
					network::EpochLength,
				)),
				old_value: None,
				new_value: Some(RuntimeParametersValue::Network(
					network::ParametersValue::EpochLength(150),
				)),
			}
			.into(),
		);
		// Once its change window has closed, the step is relative to the new value: 150 may
		// go to 225.
		next_window();
		assert_ok!(Guarded::set_parameter(track(), epoch(225)));
		assert_eq!(network::EpochLength::get(), 225);
	});
}

#[test]
fn out_of_bounds_values_are_refused_and_change_nothing() {
	new_test_ext().execute_with(|| {
		// Down to the minimum in allowed steps, one change window each: 100 → 50 → 25 → 13 →
		// 10 (the threshold first down to 1, for the relation `10 × threshold ≤ epoch`).
		for v in [2, 1] {
			assert_ok!(Guarded::set_parameter(track(), threshold(v)));
			next_window();
		}
		for v in [50, 25, 13, 10] {
			assert_ok!(Guarded::set_parameter(track(), epoch(v)));
			next_window();
		}
		assert_noop!(Guarded::set_parameter(track(), epoch(9)), Error::<Test>::OutOfBounds);
		assert_noop!(Guarded::set_parameter(track(), slash(21)), Error::<Test>::OutOfBounds);
		assert_noop!(Guarded::set_parameter(track(), threshold(0)), Error::<Test>::OutOfBounds);
		assert_eq!(network::EpochLength::get(), 10);
	});
}

#[test]
fn too_large_steps_are_refused_and_change_nothing() {
	new_test_ext().execute_with(|| {
		// 100 may move by 50.
		assert_noop!(Guarded::set_parameter(track(), epoch(151)), Error::<Test>::ChangeTooLarge);
		assert_noop!(Guarded::set_parameter(track(), epoch(49)), Error::<Test>::ChangeTooLarge);
		assert_ok!(Guarded::set_parameter(track(), epoch(50)));
		// 5% may move by max(10% of 5%, 1%) = 1 point.
		assert_noop!(Guarded::set_parameter(track(), slash(7)), Error::<Test>::ChangeTooLarge);
		assert_ok!(Guarded::set_parameter(track(), slash(6)));
		// The threshold moves one step at a time.
		assert_noop!(Guarded::set_parameter(track(), threshold(5)), Error::<Test>::ChangeTooLarge);
		assert_ok!(Guarded::set_parameter(track(), threshold(4)));
		assert_eq!(
			(network::EpochLength::get(), network::Slash::get(), network::Threshold::get()),
			(50, Perbill::from_percent(6), 4)
		);
	});
}

#[test]
fn steps_within_one_change_window_do_not_compound() {
	new_test_ext().execute_with(|| {
		// Two referenda enacted in the same window: 100 → 150 is one full step; 150 → 200
		// would be another from the new value, but is measured from 100, where the window
		// opened.
		assert_ok!(Guarded::set_parameter(track(), epoch(150)));
		assert_noop!(Guarded::set_parameter(track(), epoch(200)), Error::<Test>::ChangeTooLarge);
		assert_eq!(Guarded::check(&epoch(200)), Err(Refusal::ChangeTooLarge));
		// Within the window, any value within one step of the baseline is fine.
		assert_ok!(Guarded::set_parameter(track(), epoch(120)));
		assert_ok!(Guarded::set_parameter(track(), epoch(50)));
		assert_eq!(Guarded::check(&epoch(60)).map(|c| (c.current, c.baseline)), Ok((50, 100)));
		// The window lasts `ChangeWindow` blocks from its first change.
		System::set_block_number(1 + WINDOW - 1);
		assert_noop!(Guarded::set_parameter(track(), epoch(151)), Error::<Test>::ChangeTooLarge);
		System::set_block_number(1 + WINDOW);
		// A new window opens from the value now: 50 may move by 25.
		assert_noop!(Guarded::set_parameter(track(), epoch(76)), Error::<Test>::ChangeTooLarge);
		assert_ok!(Guarded::set_parameter(track(), epoch(75)));
		assert_eq!(
			crate::Baselines::<Test>::iter_values().collect::<Vec<_>>(),
			vec![crate::Baseline { value: 50, since: 1 + WINDOW }]
		);
	});
}

#[test]
fn a_change_that_breaks_a_relation_between_parameters_is_refused() {
	new_test_ext().execute_with(|| {
		// 10 × threshold ≤ epoch length. Each value below is within its guard's step.
		assert_ok!(Guarded::set_parameter(track(), epoch(50)));
		next_window();
		// 29 is one step from 50, but 10 × 3 > 29.
		assert_eq!(Guarded::check(&epoch(29)), Err(Refusal::BreaksRelation));
		assert_noop!(Guarded::set_parameter(track(), epoch(29)), Error::<Test>::BreaksRelation);
		assert_ok!(Guarded::set_parameter(track(), threshold(2)));
		next_window();
		assert_ok!(Guarded::set_parameter(track(), epoch(29)));
		next_window();
		assert_noop!(Guarded::set_parameter(track(), threshold(3)), Error::<Test>::BreaksRelation);
		assert_eq!((network::EpochLength::get(), network::Threshold::get()), (29, 2));
	});
}

#[test]
fn unguarded_parameters_and_unsetting_are_refused() {
	new_test_ext().execute_with(|| {
		let unguarded =
			RuntimeParameters::Network(network::Parameters::Unguarded(network::Unguarded, Some(2)));
		assert_noop!(Guarded::set_parameter(track(), unguarded.clone()), Error::<Test>::NotGuarded);
		let unset = RuntimeParameters::Network(network::Parameters::EpochLength(
			network::EpochLength,
			None,
		));
		assert_noop!(Guarded::set_parameter(track(), unset), Error::<Test>::CannotUnset);
		// Root still sets anything through pallet-parameters itself.
		assert_ok!(Parameters::set_parameter(RuntimeOrigin::root(), unguarded));
		assert_eq!(network::Unguarded::get(), 2);
	});
}

#[test]
fn only_the_guarded_origin_may_change_parameters() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Guarded::set_parameter(RuntimeOrigin::signed(1), epoch(110)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Guarded::set_parameter(RuntimeOrigin::root(), epoch(110)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Guarded::set_parameter(RuntimeOrigin::none(), epoch(110)),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn the_preview_tells_the_guard_and_the_verdict_without_writing() {
	new_test_ext().execute_with(|| {
		let guard =
			Guard { min: 10, max: 1000, max_change: Perbill::from_percent(50), min_step: 1 };
		assert_eq!(
			Guarded::check(&epoch(120)),
			Ok(Change { guard, current: 100, proposed: 120, baseline: 100 })
		);
		assert_eq!(Guarded::check(&epoch(2000)), Err(Refusal::OutOfBounds));
		assert_eq!(Guarded::check(&epoch(200)), Err(Refusal::ChangeTooLarge));
		assert_eq!(network::EpochLength::get(), 100);
		assert_eq!(guard.max_delta(100), 50);
		assert_eq!(guard.max_delta(1), 1, "min_step lets small values move");
	});
}

#[test]
fn genesis_sets_encoded_parameters_without_guards() {
	use codec::Encode;
	use sp_runtime::BuildStorage;
	let storage = RuntimeGenesisConfig {
		guarded: crate::GenesisConfig {
			// Far outside a single step's reach, and below the minimum: genesis is not governed.
			parameters: vec![epoch(5).encode().into(), threshold(9).encode().into()],
			..Default::default()
		},
		..Default::default()
	}
	.build_storage()
	.unwrap_or_default();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		assert_eq!(network::EpochLength::get(), 5);
		assert_eq!(network::Threshold::get(), 9);
	});
}
