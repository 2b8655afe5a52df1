//! Epoch checks and seed draws.
//!
//! A proof answers the epoch in progress: a later epoch's challenge does not exist yet, an
//! earlier one is closed. Every kind checks the same three things in the same order, with
//! the same names in its errors: `EpochNotStarted`, `StaleEpoch`, `DeadlinePassed`.

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
	H256(sp_io::hashing::blake2_256(&(subject, index, random).encode()))
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

	#[test]
	fn seeds_differ_by_subject_and_epoch() {
		let a = draw_seed::<H256, u32, Fixed>(b"a", 1);
		assert_ne!(a, draw_seed::<H256, u32, Fixed>(b"b", 1));
		assert_ne!(a, draw_seed::<H256, u32, Fixed>(b"a", 2));
		assert_eq!(a, draw_seed::<H256, u32, Fixed>(b"a", 1));
	}
}
