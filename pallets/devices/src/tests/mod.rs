//! Tests of the devices pallet: every call, every error path, every event, the possession
//! proofs and the deposit accounting. `build_and_execute` checks `do_try_state` after each.

// Test code: an overflow panics, which fails the test.
#![allow(clippy::arithmetic_side_effects)]

use crate::{
	h3::H3Cell, mock::*, types::*, CellDeviceCount, CellDevices, DeviceByKey, DeviceOf,
	DeviceRegistry, Error, Event, HoldReason, NextDeviceId, OwnerDeviceCount, OwnerDevices,
	PendingOwner, RegistrationsOf,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use sp_runtime::{DispatchError, Perbill, TokenError};

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::DeviceDeposit.into(), &who)
}

fn free(who: AccountId) -> Balance {
	Balances::balance(&who)
}

/// Register a storage device with `key` for `owner`; returns its id.
fn register(owner: AccountId, key: &TestKey) -> DeviceId {
	let id = NextDeviceId::<Test>::get();
	assert_ok!(Devices::register(RuntimeOrigin::signed(owner), registration(owner, key)));
	id
}

fn device(id: DeviceId) -> DeviceOf<Test> {
	Devices::device(id).expect("the device exists")
}

mod batch;
mod genesis;
mod lifecycle;
mod ownership;
mod queries;
mod register;
mod registry;
mod rotate;
mod update;

#[test]
fn try_state_catches_a_broken_index() {
	ExtBuilder::default().build().execute_with(|| {
		let id = register(ALICE, &TestKey::sr25519(1));
		assert_ok!(Devices::do_try_state());
		CellDeviceCount::<Test>::insert(density_cell(paris()), DeviceKind::Storage, 1);
		assert!(Devices::do_try_state().is_err());
		CellDeviceCount::<Test>::remove(density_cell(paris()), DeviceKind::Storage);
		assert_ok!(Devices::do_try_state());
		CellDevices::<Test>::insert(density_cell(paris()), id, ());
		assert!(Devices::do_try_state().is_err());
		CellDevices::<Test>::remove(density_cell(paris()), id);
		assert_ok!(Devices::do_try_state());
		OwnerDeviceCount::<Test>::insert(ALICE, 2);
		assert!(Devices::do_try_state().is_err());
		OwnerDeviceCount::<Test>::insert(ALICE, 1);
		crate::Devices::<Test>::mutate(id, |d| d.as_mut().unwrap().deposit += 1);
		assert!(Devices::do_try_state().is_err());
	});
}

#[test]
fn holds_use_the_pallet_reason() {
	ExtBuilder::default().build_and_execute(|| {
		register(ALICE, &TestKey::sr25519(1));
		assert_eq!(Balances::total_balance_on_hold(&ALICE), held(ALICE));
		// The hold cannot be spent.
		assert_noop!(
			Balances::transfer_allow_death(RuntimeOrigin::signed(ALICE), BOB, INITIAL_BALANCE),
			TokenError::FundsUnavailable
		);
	});
}
