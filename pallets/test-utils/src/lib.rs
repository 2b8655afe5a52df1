//! What the pallets' test runtimes (`mock.rs`) share, so each mock holds only its own
//! configuration:
//!
//! - [`TestRandomness`]: randomness that exists only once its block does, like BABE's VRF
//!   output; [`enter_block`] gives block `n` its output ([`vrf_output`]);
//!   [`randomness_from_parent`] makes it the parent block's, as the runtime's is.
//! - [`RecordPoints`]: a points hook that records every reported point and burned usage fee
//!   ([`points`], [`fees`], [`clear_points`]).
//! - [`device_key`]: the seeded key pair of a mock's genesis device, its scheme cycling
//!   through sr25519, ed25519 and ECDSA.
//!
//! Test code only (`std`).

use codec::Encode;
use depin_primitives::{DeviceId, DeviceKind, EpochIndex};
use frame_support::{traits::Randomness, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use std::{cell::RefCell, marker::PhantomData};

/// A reported point: the device, its kind, the epoch and the points.
pub type Points = (DeviceId, DeviceKind, EpochIndex, u64);

thread_local! {
	/// The "VRF output" of the block being built: unknown until the block exists.
	static VRF_OUTPUT: RefCell<H256> = const { RefCell::new(H256::zero()) };
	/// Whether [`TestRandomness`] plays BABE's parent-block randomness.
	static FROM_PARENT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
	/// Every point reported to the points hook.
	static POINTS: RefCell<Vec<Points>> = const { RefCell::new(Vec::new()) };
	/// Every usage fee reported burned to the points hook.
	static FEES: RefCell<Vec<(DeviceId, DeviceKind, EpochIndex, u128)>> =
		const { RefCell::new(Vec::new()) };
}

/// The VRF output block `n` will have.
pub fn vrf_output(n: u64) -> H256 {
	H256(sp_io::hashing::blake2_256(&(b"vrf", n).encode()))
}

/// Block `n` is being built: from now on [`TestRandomness`] draws from its VRF output.
pub fn enter_block(n: u64) {
	VRF_OUTPUT.with(|v| *v.borrow_mut() = vrf_output(n));
}

/// From now on (on this thread) [`TestRandomness`] plays the runtime's source, BABE's VRF
/// output of the parent block, known since the parent block (`true`), or the current block's
/// output (`false`, the default).
pub fn randomness_from_parent(on: bool) {
	FROM_PARENT.with(|f| f.set(on));
}

/// Randomness that exists only once its block does, like BABE's VRF output:
/// `blake2_256(subject ‖ the block's VRF output)`, known since the current block of `T`; or,
/// after [`randomness_from_parent`], the parent block's output, known since the parent block.
pub struct TestRandomness<T>(PhantomData<T>);

impl<T: frame_system::Config> Randomness<H256, BlockNumberFor<T>> for TestRandomness<T> {
	fn random(subject: &[u8]) -> (H256, BlockNumberFor<T>) {
		use frame_support::sp_runtime::traits::{One, Saturating, UniqueSaturatedInto};
		let now = frame_system::Pallet::<T>::block_number();
		let (vrf, known_since) = if FROM_PARENT.with(|f| f.get()) {
			let parent = now.saturating_sub(One::one());
			(vrf_output(parent.unique_saturated_into()), parent)
		} else {
			(VRF_OUTPUT.with(|v| *v.borrow()), now)
		};
		(H256(sp_io::hashing::blake2_256(&(subject, vrf).encode())), known_since)
	}
}

/// A points hook that records every point reported to it.
pub struct RecordPoints;

impl depin_proving::OnProofAccepted for RecordPoints {
	fn proof_accepted(device: DeviceId, kind: DeviceKind, epoch: EpochIndex, points: u64) {
		POINTS.with(|p| p.borrow_mut().push((device, kind, epoch, points)));
	}

	fn weight() -> Weight {
		Weight::from_parts(1_000, 0)
	}

	fn fee_burned(device: DeviceId, kind: DeviceKind, epoch: EpochIndex, amount: u128) {
		FEES.with(|f| f.borrow_mut().push((device, kind, epoch, amount)));
	}

	fn fee_weight() -> Weight {
		Weight::from_parts(1_000, 0)
	}
}

/// The points reported so far (on this thread: each test runs on its own).
pub fn points() -> Vec<Points> {
	POINTS.with(|p| p.borrow().clone())
}

/// The usage fees reported burned so far: device, kind, epoch, amount.
pub fn fees() -> Vec<(DeviceId, DeviceKind, EpochIndex, u128)> {
	FEES.with(|f| f.borrow().clone())
}

/// Forget the points and fees reported so far (a test's externalities start with none).
pub fn clear_points() {
	POINTS.with(|p| p.borrow_mut().clear());
	FEES.with(|f| f.borrow_mut().clear());
}

/// The key pair of genesis device `device` in a mock: seeded with `device + 1`, sr25519,
/// ed25519 or ECDSA by `device % 3`, so a mock's devices cover every scheme.
pub fn device_key(device: DeviceId) -> depin_primitives::DevicePair {
	use sp_core::{ecdsa, ed25519, sr25519, Pair};
	let seed = [(device as u8).wrapping_add(1); 32];
	match device % 3 {
		0 => depin_primitives::DevicePair::Sr25519(sr25519::Pair::from_seed(&seed)),
		1 => depin_primitives::DevicePair::Ed25519(ed25519::Pair::from_seed(&seed)),
		_ => depin_primitives::DevicePair::Ecdsa(ecdsa::Pair::from_seed(&seed)),
	}
}
