//! Epoch checks and seed draws.
//!
//! A proof answers the epoch in progress: a later epoch's challenge does not exist yet, an
//! earlier one is closed. Every kind checks the same three things in the same order, with
//! the same names in its errors: `EpochNotStarted`, `StaleEpoch`, `DeadlinePassed`.
//!
//! Seeds and what they bind. A draw is fair only to inputs made before anyone could know its
//! randomness. The runtime's randomness is BABE's VRF output of the parent block, and that
//! block's author knows it while choosing the block's transactions. So:
//! - a draw that may wait waits for randomness nobody knew when its inputs closed
//!   ([`draw_seed_after`]: the compute reveal seed is drawn from a block that took no
//!   commitment);
//! - a draw that cannot wait, an epoch's challenge seed (drawn in the epoch's first block),
//!   binds nothing made in the block whose randomness it uses: an input of the previous
//!   epoch's last block counts from the epoch after ([`counts_from`]).
//!
//! What remains is withholding: the author of the block whose output seeds a draw may drop
//! that block to get another draw, once per block it gives up (docs/security.md, finding 12).

use codec::Encode;
use depin_primitives::EpochIndex;
use frame_support::traits::Randomness;
use sp_core::H256;

/// Why a submission is refused for its epoch.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EpochRefusal {
	/// It names an epoch that has not started: its challenge does not exist yet.
	NotStarted,
	/// It names an epoch that has ended.
	Stale,
	/// The epoch's response window has closed.
	DeadlinePassed,
}

/// Whether `submitted` names the epoch in progress, `current`.
pub fn ensure_current(submitted: EpochIndex, current: EpochIndex) -> Result<(), EpochRefusal> {
	if submitted > current {
		return Err(EpochRefusal::NotStarted);
	}
	if submitted < current {
		return Err(EpochRefusal::Stale);
	}
	Ok(())
}

/// Whether a submission for `submitted` at block `now` is for the epoch in progress
/// (`current`) and not past its `deadline` (the last block it accepts).
pub fn ensure_on_time<BlockNumber: PartialOrd>(
	submitted: EpochIndex,
	current: EpochIndex,
	now: BlockNumber,
	deadline: BlockNumber,
) -> Result<(), EpochRefusal> {
	ensure_current(submitted, current)?;
	if now > deadline {
		return Err(EpochRefusal::DeadlinePassed);
	}
	Ok(())
}

/// A seed for epoch `index`: `blake2_256(subject ‖ index ‖ randomness)` (SCALE), with the
/// randomness `R` gives for `subject`. `subject` names what the seed is for, so two draws of
/// one epoch (the challenge seed, a reveal seed) differ.
pub fn draw_seed<Output, BlockNumber, R>(subject: &[u8], index: EpochIndex) -> H256
where
	Output: Encode,
	R: Randomness<Output, BlockNumber>,
{
	let (random, _known_since) = R::random(subject);
	seed_of(subject, index, random)
}

/// [`draw_seed`], but only from randomness nobody could know before block `cutoff`, the first
/// block after the inputs the seed binds closed: `None` while `R`'s randomness is known since
/// an earlier block (with BABE's parent-block output, until the block after `cutoff`).
pub fn draw_seed_after<Output, BlockNumber, R>(
	subject: &[u8],
	index: EpochIndex,
	cutoff: BlockNumber,
) -> Option<H256>
where
	Output: Encode,
	BlockNumber: PartialOrd,
	R: Randomness<Output, BlockNumber>,
{
	let (random, known_since) = R::random(subject);
	(known_since >= cutoff).then(|| seed_of(subject, index, random))
}

/// For the benchmarks of a draw by [`draw_seed_after`]: make the runtime's randomness known
/// since the block before the current one, as BABE's parent-block VRF output is in every block
/// of a running chain (a benchmark's state has none).
#[cfg(feature = "runtime-benchmarks")]
pub trait FreshRandomness {
	/// Make it so.
	fn make_fresh();
}

/// For randomness that is fresh at every block already (the mocks').
#[cfg(feature = "runtime-benchmarks")]
impl FreshRandomness for () {
	fn make_fresh() {}
}

fn seed_of<Output: Encode>(subject: &[u8], index: EpochIndex, random: Output) -> H256 {
	H256(sp_io::hashing::blake2_256(&(subject, index, random).encode()))
}

/// The epoch an input made at block `now` of epoch `current` counts from, when the next epoch
/// starts at `next_start` and draws its seed there: `current`, or the next epoch if `now` is
/// the last block before it. That block's randomness seeds the next epoch's challenges (see the
/// module's notes), so a sector its author committed in it would have a challenge known in
/// advance; it is first challenged an epoch later.
pub fn counts_from<BlockNumber>(
	current: EpochIndex,
	now: BlockNumber,
	next_start: BlockNumber,
) -> EpochIndex
where
	BlockNumber: sp_runtime::traits::AtLeast32BitUnsigned,
{
	if seeds_next(now, next_start) {
		current.saturating_add(1)
	} else {
		current
	}
}

/// Whether block `now` is the last before the next epoch starts at `next_start`: its
/// randomness seeds the next epoch, so what the next epoch's draws read (the beacon roster)
/// does not change in it.
pub fn seeds_next<BlockNumber>(now: BlockNumber, next_start: BlockNumber) -> bool
where
	BlockNumber: sp_runtime::traits::AtLeast32BitUnsigned,
{
	now.saturating_add(BlockNumber::one()) >= next_start
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_the_epoch_in_progress_is_current() {
		assert_eq!(ensure_current(3, 3), Ok(()));
		assert_eq!(ensure_current(4, 3), Err(EpochRefusal::NotStarted));
		assert_eq!(ensure_current(2, 3), Err(EpochRefusal::Stale));
	}

	#[test]
	fn the_deadline_is_the_last_block_accepted() {
		assert_eq!(ensure_on_time(3, 3, 10u32, 10), Ok(()));
		assert_eq!(ensure_on_time(3, 3, 11u32, 10), Err(EpochRefusal::DeadlinePassed));
		// The epoch is checked first.
		assert_eq!(ensure_on_time(2, 3, 11u32, 10), Err(EpochRefusal::Stale));
	}

	struct Fixed;
	impl Randomness<H256, u32> for Fixed {
		fn random(subject: &[u8]) -> (H256, u32) {
			(H256(sp_io::hashing::blake2_256(subject)), 0)
		}
	}

	struct Parent;
	impl Randomness<H256, u32> for Parent {
		fn random(subject: &[u8]) -> (H256, u32) {
			(H256(sp_io::hashing::blake2_256(subject)), 9)
		}
	}

	#[test]
	fn a_seed_after_a_cutoff_waits_for_randomness_known_only_since_the_cutoff() {
		// Randomness known since block 9 binds nothing that closed at block 10...
		assert_eq!(draw_seed_after::<H256, u32, Parent>(b"a", 1, 10), None);
		// ...and is the plain seed for inputs that closed by block 9.
		assert_eq!(
			draw_seed_after::<H256, u32, Parent>(b"a", 1, 9),
			Some(draw_seed::<H256, u32, Parent>(b"a", 1))
		);
	}

	#[test]
	fn an_input_of_an_epochs_last_block_counts_from_the_epoch_after() {
		// The next epoch starts at block 20, so block 19's randomness seeds it.
		assert_eq!(counts_from(3, 18u32, 20), 3);
		assert_eq!(counts_from(3, 19u32, 20), 4);
		// Past the nominal start (the epoch starts in the next block's initialisation).
		assert_eq!(counts_from(3, 20u32, 20), 4);
		assert_eq!(counts_from(u32::MAX, 19u32, 20), u32::MAX);
	}

	#[test]
	fn seeds_differ_by_subject_and_epoch() {
		let a = draw_seed::<H256, u32, Fixed>(b"a", 1);
		assert_ne!(a, draw_seed::<H256, u32, Fixed>(b"b", 1));
		assert_ne!(a, draw_seed::<H256, u32, Fixed>(b"a", 2));
		assert_eq!(a, draw_seed::<H256, u32, Fixed>(b"a", 1));
	}
}
