//! `rotate_key`: a device's key replaced, proven by the new key.

use super::*;

#[test]
fn rotate_key_replaces_the_key_for_every_scheme() {
	ExtBuilder::default().build_and_execute(|| {
		let old = TestKey::sr25519(1);
		let id = register(ALICE, &old);
		let mut current = old.public();
		for new in [TestKey::ecdsa(2), TestKey::ed25519(3), TestKey::sr25519(4)] {
			let proof = new.prove(ROTATE_CONTEXT, ALICE, 0);
			assert_ok!(Devices::rotate_key(
				RuntimeOrigin::signed(ALICE),
				id,
				new.public(),
				proof,
				0
			));
			assert_eq!(
				last_event(),
				Event::KeyRotated { device: id, old_key: current, new_key: new.public() }
			);
			assert_eq!(device(id).key, new.public());
			assert_eq!(DeviceByKey::<Test>::get(new.public()), Some(id));
			assert_eq!(DeviceByKey::<Test>::get(current), None);
			current = new.public();
		}
	});
}

#[test]
fn rotate_key_fails_on_bad_proofs() {
	ExtBuilder::default().build_and_execute(|| {
		let id = register(ALICE, &TestKey::sr25519(1));
		let new = TestKey::ed25519(2);
		let signed = RuntimeOrigin::signed;
		// A registration proof is not a rotation proof.
		let wrong_context = new.prove(REGISTER_CONTEXT, ALICE, 0);
		assert_noop!(
			Devices::rotate_key(signed(ALICE), id, new.public(), wrong_context, 0),
			Error::<Test>::BadPossessionProof
		);
		// Signed for another owner.
		let wrong_owner = new.prove(ROTATE_CONTEXT, BOB, 0);
		assert_noop!(
			Devices::rotate_key(signed(ALICE), id, new.public(), wrong_owner, 0),
			Error::<Test>::BadPossessionProof
		);
		// Signed by another key.
		let wrong_signer = TestKey::ed25519(3).sign(&Devices::possession_message(
			ROTATE_CONTEXT,
			&ALICE,
			&new.public(),
			0,
		));
		assert_noop!(
			Devices::rotate_key(signed(ALICE), id, new.public(), wrong_signer, 0),
			Error::<Test>::BadPossessionProof
		);
		// Signed at a block the chain has not reached.
		let ahead = new.prove(ROTATE_CONTEXT, ALICE, 2);
		assert_noop!(
			Devices::rotate_key(signed(ALICE), id, new.public(), ahead, 2),
			Error::<Test>::StalePossessionProof
		);
		// Older than MaxProofAge.
		let old = new.prove(ROTATE_CONTEXT, ALICE, 1);
		run_to_block(2 + MaxProofAge::get());
		assert_noop!(
			Devices::rotate_key(signed(ALICE), id, new.public(), old, 1),
			Error::<Test>::StalePossessionProof
		);
	});
}

#[test]
fn rotate_key_fails_on_bad_targets() {
	ExtBuilder::default().build_and_execute(|| {
		let first = TestKey::sr25519(1);
		let other = TestKey::sr25519(2);
		let id = register(ALICE, &first);
		register(ALICE, &other);
		let signed = RuntimeOrigin::signed;
		let proof = |key: &TestKey| key.prove(ROTATE_CONTEXT, ALICE, 1);
		assert_noop!(
			Devices::rotate_key(signed(ALICE), id, first.public(), proof(&first), 1),
			Error::<Test>::SameKey
		);
		assert_noop!(
			Devices::rotate_key(signed(ALICE), id, other.public(), proof(&other), 1),
			Error::<Test>::KeyAlreadyRegistered
		);
		let new = TestKey::sr25519(3);
		let new_proof = new.prove(ROTATE_CONTEXT, ALICE, 0);
		assert_noop!(
			Devices::rotate_key(signed(BOB), id, new.public(), new_proof.clone(), 0),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Devices::rotate_key(signed(ALICE), 5, new.public(), new_proof.clone(), 0),
			Error::<Test>::UnknownDevice
		);
		assert_noop!(
			Devices::rotate_key(RuntimeOrigin::none(), id, new.public(), new_proof.clone(), 0),
			DispatchError::BadOrigin
		);
		// A manager cannot rotate keys.
		assert_ok!(Devices::set_manager(signed(ALICE), id, Some(BOB)));
		assert_noop!(
			Devices::rotate_key(signed(BOB), id, new.public(), new_proof.clone(), 0),
			Error::<Test>::NotOwner
		);
		assert_ok!(Devices::deregister(signed(ALICE), id));
		assert_noop!(
			Devices::rotate_key(signed(ALICE), id, new.public(), new_proof, 0),
			Error::<Test>::DeviceRetired
		);
	});
}
