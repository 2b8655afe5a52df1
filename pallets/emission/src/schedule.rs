//! The emission schedule: a pure function of block numbers, with no storage.
//!
//! Every block is worth a reward `R` that halves every `H` blocks, counted from genesis:
//!
//! ```text
//! reward(b) = R / 2^⌊b / H⌋          (integer division: R >> ⌊b / H⌋)
//! ```
//!
//! An epoch covering blocks `from..to` is worth `Σ reward(b)` over its blocks; an epoch may
//! straddle a halving. After `n` whole halving periods the schedule has emitted
//!
//! ```text
//! S(n) = H · Σ_{k<n} (R >> k)  ≤  H · R · (2 − 2^{1−n})  <  2 · H · R
//! ```
//!
//! so the schedule alone is bounded by `2·H·R`. On top of it the supply cap is hard: an epoch
//! mints at most `cap − total issuance`, so issuance never passes the cap whatever governance
//! does to `R` and `H`. Measuring the schedule in blocks rather than epochs keeps emission per
//! hour unchanged when governance changes the proving period.

use sp_runtime::traits::{AtLeast32BitUnsigned, Zero};

/// The reward of each block of halving era `era` (blocks `era·H .. (era+1)·H`).
pub fn era_reward<Balance: AtLeast32BitUnsigned + Copy>(reward: Balance, era: u64) -> Balance {
	u32::try_from(era).ok().and_then(|era| reward.checked_shr(era)).unwrap_or_else(Zero::zero)
}

/// What the schedule emits for blocks `from..to` with block reward `reward` halving every
/// `halving` blocks (a `halving` of 0 is read as 1). At most one step per halving era crossed,
/// and eras past the reward's bit width are worth nothing, so this runs in O(bits).
pub fn scheduled<Balance: AtLeast32BitUnsigned + Copy>(
	reward: Balance,
	halving: u64,
	from: u64,
	to: u64,
) -> Balance {
	let halving = halving.max(1);
	let mut total = Balance::zero();
	let mut block = from;
	while block < to {
		let era = block.checked_div(halving).unwrap_or_default();
		let per_block = era_reward(reward, era);
		if per_block.is_zero() {
			break;
		}
		let era_end = era.saturating_add(1).saturating_mul(halving);
		let until = era_end.min(to);
		let blocks = Balance::unique_saturated_from(until.saturating_sub(block));
		total = total.saturating_add(per_block.saturating_mul(blocks));
		block = until;
	}
	total
}

/// What an epoch may mint: its scheduled emission, within what the cap leaves.
pub fn epoch_emission<Balance: AtLeast32BitUnsigned + Copy>(
	reward: Balance,
	halving: u64,
	from: u64,
	to: u64,
	issuance: Balance,
	cap: Balance,
) -> Balance {
	scheduled(reward, halving, from, to).min(cap.saturating_sub(issuance))
}

#[cfg(test)]
mod tests {
	// Test code: an overflow panics, which fails the test.
	#![allow(clippy::arithmetic_side_effects)]

	use super::*;

	const DPN: u128 = 1_000_000_000_000;
	/// The runtime's numbers: 6-second blocks, 8 DPN per block, halving every 4 years.
	const BLOCKS_PER_YEAR: u64 = 5_259_600;
	const REWARD: u128 = 8 * DPN;
	const HALVING: u64 = 4 * BLOCKS_PER_YEAR;

	/// The documented closed form: after `n` whole halving periods.
	fn closed_form(reward: u128, halving: u64, n: u64) -> u128 {
		(0..n).map(|k| era_reward(reward, k)).sum::<u128>() * u128::from(halving)
	}

	#[test]
	fn matches_a_block_by_block_sum() {
		for (reward, halving) in [(1_000u128, 7u64), (999, 1), (5, 3), (1 << 20, 10)] {
			for (from, to) in [(0u64, 0u64), (0, 1), (0, 100), (3, 50), (6, 7), (13, 14), (20, 400)]
			{
				let naive: u128 = (from..to).map(|b| reward >> (b / halving).min(127)).sum();
				assert_eq!(
					scheduled(reward, halving, from, to),
					naive,
					"{reward} {halving} {from}..{to}"
				);
			}
		}
	}

	#[test]
	fn epochs_add_up_whatever_their_boundaries() {
		// Any split of a range into epochs emits the same as the whole range.
		let whole = scheduled(REWARD, 1_000, 0, 10_000);
		let mut sum = 0;
		let mut block = 0;
		for (i, length) in [1u64, 599, 600, 37, 1_000, 2_500, 3].iter().cycle().enumerate() {
			let to = (block + length).min(10_000);
			sum += scheduled(REWARD, 1_000, block, to);
			block = to;
			if block == 10_000 || i > 10_000 {
				break;
			}
		}
		assert_eq!(sum, whole);
	}

	#[test]
	fn a_zero_halving_period_is_read_as_one_block() {
		assert_eq!(scheduled(8u128, 0, 0, 10), 8 + 4 + 2 + 1);
	}

	#[test]
	fn reward_runs_out_after_its_bit_width_and_the_loop_stops() {
		assert_eq!(era_reward(u128::MAX, 127), 1);
		assert_eq!(era_reward(u128::MAX, 128), 0);
		assert_eq!(era_reward(u128::MAX, u64::MAX), 0);
		// A huge range costs one step per era, not per block.
		assert_eq!(scheduled(1u64 << 10, 1, 0, u64::MAX), (1 << 11) - 1);
	}

	/// A hundred years of hourly epochs with the runtime's numbers: issuance never passes the
	/// cap, and at every halving the total equals the closed form.
	#[test]
	fn a_hundred_years_of_hourly_epochs() {
		let genesis: u128 = 10_000_000 * DPN;
		let cap: u128 = 1_000_000_000 * DPN;
		let epoch: u64 = 600;
		let end = 100 * BLOCKS_PER_YEAR;
		let mut issuance = genesis;
		let mut block = 0;
		let mut halvings_checked = 0;
		while block < end {
			let to = block + epoch;
			let minted = epoch_emission(REWARD, HALVING, block, to, issuance, cap);
			issuance += minted;
			assert!(issuance <= cap);
			block = to;
			if block % HALVING == 0 {
				let n = block / HALVING;
				assert_eq!(
					issuance - genesis,
					closed_form(REWARD, HALVING, n),
					"after {n} halvings"
				);
				halvings_checked += 1;
			}
		}
		assert_eq!(halvings_checked, 25);
		// After 25 halvings the schedule is within R·H·2^-24 of its bound 2·R·H.
		let bound = 2 * REWARD * u128::from(HALVING);
		let emitted = issuance - genesis;
		assert!(emitted < bound && bound - emitted < (REWARD * u128::from(HALVING)) >> 23);
		// The first four years emit R·H = 168,307,200 DPN; everything about 336.6 million.
		assert_eq!(closed_form(REWARD, HALVING, 1), 168_307_200 * DPN);
	}

	/// With a cap the schedule would pass, issuance stops exactly at the cap, and stays there.
	#[test]
	fn the_cap_is_hard() {
		let genesis: u128 = 10_000_000 * DPN;
		let cap: u128 = 50_000_000 * DPN;
		let mut issuance = genesis;
		let mut capped_at = None;
		for epoch in 0..(10 * BLOCKS_PER_YEAR / 600) {
			let (from, to) = (epoch * 600, epoch * 600 + 600);
			let minted = epoch_emission(REWARD, HALVING, from, to, issuance, cap);
			assert!(minted <= scheduled(REWARD, HALVING, from, to));
			issuance += minted;
			assert!(issuance <= cap);
			if issuance == cap && capped_at.is_none() {
				capped_at = Some(epoch);
			}
		}
		// 40 M DPN of headroom at 4,800 DPN an hour: the cap is reached in hour 8,334.
		assert_eq!(capped_at, Some(8_333));
		assert_eq!(issuance, cap);
		// Burning makes room again, and only that much.
		issuance -= 1_000 * DPN;
		assert_eq!(epoch_emission(REWARD, HALVING, 0, 600, issuance, cap), 1_000 * DPN);
	}
}
