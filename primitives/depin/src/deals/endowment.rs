//! Permanent deals: a client pays once into an endowment, which pays a replica's providers for
//! every proven epoch, for as long as it lasts, on a declining-cost schedule (Arweave's model).
//!
//! **The assumption.** The cost of keeping a byte falls, in DPN, by at least `decline` (say
//! 0.5 %) a year. Storage has got cheaper far faster than that for decades (Arweave's "Kryder+"
//! rate is the same 0.5 %); the endowment is priced so that this slower rate is enough.
//!
//! **The schedule.** A replica's price per GiB for an epoch is `p0` in its first schedule year,
//! and each schedule year's is the year before's less `decline`, rounded down:
//! `P(y + 1) = ⌊(1 − decline) · P(y)⌋`. A schedule year is `epochs_per_year` *paid* epochs: the
//! clock runs on what the endowment has paid, so epochs nobody proved (a provider that failed, a
//! replica waiting for a new one) neither cost the endowment nor move its price. Each epoch
//! pays [`super::epoch_price`] of the year's price, like a term deal's.
//!
//! **The endowment.** Rounding the yearly prices down keeps `P(y) ≤ p0 · (1 − d)^y`, so the
//! schedule pays at most `E · bytes / GiB · p0 · Σ (1 − d)^y = E · bytes · p0 / (GiB · d)` (a
//! geometric series: 200 years of the first year's price at 0.5 %), plus the rounding up of
//! each epoch's price: at most one unit an epoch for as long as the price is not zero, which
//! it is after at most `bits(p0)` halvings, each within [`halving_years`]. [`endowment`] is that
//! bound, so an endowment never runs short of its schedule: it pays until the price reaches
//! zero, and what is left then (less than the bound's slack) is burned.

use super::{epoch_price, GIB};
use sp_runtime::{helpers_128bit::multiply_by_rational_with_rounding, PerThing, Perbill, Rounding};

/// How a permanent replica is paid: the year-0 price of a GiB for an epoch, the yearly
/// decline, and the paid epochs in a schedule year. Fixed when the deal is made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Schedule {
	/// `p0`: the first schedule year's price of a GiB for an epoch.
	pub price_per_gib: u128,
	/// `d`: how much cheaper each schedule year is than the one before.
	pub decline: Perbill,
	/// `E`: paid epochs in a schedule year.
	pub epochs_per_year: u32,
}

/// The price of a GiB for an epoch in the schedule year after one priced `price`: less
/// `decline`, rounded down.
pub fn next_year_price(price: u128, decline: Perbill) -> u128 {
	decline.left_from_one().mul_floor(price)
}

/// The whole schedule years in which a price falling by `decline` a year (before rounding)
/// halves at least once: the least `h` with `(1 − d)^h ≤ 1/2`. `None` for a decline of zero
/// (the price never falls) or one so small that it takes more than `MAX_HALVING_YEARS`.
pub fn halving_years(decline: Perbill) -> Option<u32> {
	if decline.is_zero() {
		return None;
	}
	// `(1 − d)^h` in parts per billion, rounded up, so that `h` is never too small.
	let keep = u128::from(decline.left_from_one().deconstruct());
	let one = u128::from(Perbill::ACCURACY);
	let mut left = one;
	for years in 1..=MAX_HALVING_YEARS {
		// (Both at most a billion: no overflow.)
		left = left.saturating_mul(keep).div_ceil(one);
		if left.saturating_mul(2) <= one {
			return Some(years);
		}
	}
	None
}

/// The most schedule years [`halving_years`] counts: a decline of about 0.1 % a year.
pub const MAX_HALVING_YEARS: u32 = 700;

/// What a replica of `bytes` on `schedule` costs its endowment at most, over all time: the
/// geometric series of its yearly prices, rounded up, and one unit for every epoch of every
/// year in which its price is not yet zero (each epoch's price is rounded up). `None` if the
/// schedule never ends (no decline, see [`halving_years`]), has no epochs, or the sum
/// overflows a `u128`.
pub fn endowment(schedule: &Schedule, bytes: u64) -> Option<u128> {
	let halving = halving_years(schedule.decline)?;
	if schedule.epochs_per_year == 0 {
		return None;
	}
	let epochs = u128::from(schedule.epochs_per_year);
	let d = u128::from(schedule.decline.deconstruct());
	// E · p0 · bytes / (GiB · d), with d in parts per billion.
	let series = multiply_by_rational_with_rounding(
		schedule.price_per_gib.checked_mul(u128::from(bytes))?,
		epochs.checked_mul(u128::from(Perbill::ACCURACY))?,
		GIB.checked_mul(d)?,
		Rounding::Up,
	)?;
	// The price is below 2^bits(p0) and halves at least every `halving` years: zero after
	// `bits · halving` years at most.
	let bits = u128::from(u128::BITS.saturating_sub(schedule.price_per_gib.leading_zeros()));
	let rounding = epochs.checked_mul(bits)?.checked_mul(u128::from(halving))?;
	series.checked_add(rounding)
}

/// A schedule year as an endowment pays it: the year's price of a GiB for an epoch and of the
/// replica for an epoch.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Year {
	/// The schedule year (0 first).
	pub year: u32,
	/// The price of a GiB for an epoch this year.
	pub price_per_gib: u128,
	/// What each paid epoch of the replica costs this year ([`epoch_price`]).
	pub epoch_price: u128,
}

impl Schedule {
	/// Schedule year `year` for a replica of `bytes`, by `year` steps of [`next_year_price`]
	/// (O(year): the chain keeps each replica's current year and steps it once a year).
	/// `None` if an epoch's price overflows.
	pub fn year(&self, year: u32, bytes: u64) -> Option<Year> {
		let mut price = self.price_per_gib;
		for _ in 0..year {
			if price == 0 {
				break;
			}
			price = next_year_price(price, self.decline);
		}
		Some(Year { year, price_per_gib: price, epoch_price: epoch_price(price, bytes)? })
	}

	/// The year after `year` for a replica of `bytes`.
	pub fn next(&self, year: &Year, bytes: u64) -> Option<Year> {
		let price = next_year_price(year.price_per_gib, self.decline);
		Some(Year {
			year: year.year.checked_add(1)?,
			price_per_gib: price,
			epoch_price: epoch_price(price, bytes)?,
		})
	}
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
	use super::*;

	const DPN: u128 = 1_000_000_000_000;
	/// Hour-long epochs: 8,766 in a year of 365.25 days.
	const HOURLY: u32 = 8_766;

	fn half_a_percent(price_per_gib: u128) -> Schedule {
		Schedule { price_per_gib, decline: Perbill::from_parts(5_000_000), epochs_per_year: HOURLY }
	}

	/// What paying every year in full from `endowment` until the price is zero comes to.
	#[derive(Debug)]
	struct Walk {
		/// Left after the horizon's years (0 if the price was zero before).
		at_horizon: u128,
		/// The year whose price is zero.
		zero_in: u32,
		/// Left then.
		left: u128,
	}

	/// Pay the schedule's years from `endowment` until the price is zero; `Err(year)` if the
	/// endowment cannot pay a year in full.
	fn walk(schedule: &Schedule, bytes: u64, endowment: u128, horizon: u32) -> Result<Walk, u32> {
		let mut left = endowment;
		let mut at_horizon = 0;
		let mut year = schedule.year(0, bytes).expect("year 0");
		loop {
			if year.year == horizon {
				at_horizon = left;
			}
			if year.epoch_price == 0 {
				return Ok(Walk { at_horizon, zero_in: year.year, left });
			}
			let due = year.epoch_price * u128::from(schedule.epochs_per_year);
			left = left.checked_sub(due).ok_or(year.year)?;
			year = schedule.next(&year, bytes).expect("next year");
		}
	}

	#[test]
	fn each_year_costs_half_a_percent_less_rounded_down() {
		let decline = Perbill::from_parts(5_000_000);
		assert_eq!(next_year_price(1_000_000_000, decline), 995_000_000);
		assert_eq!(next_year_price(995_000_000, decline), 990_025_000);
		// Rounded down, and down to nothing.
		assert_eq!(next_year_price(199, decline), 198);
		assert_eq!(next_year_price(1, decline), 0);
		assert_eq!(next_year_price(0, decline), 0);
		let schedule = half_a_percent(1_000_000_000);
		let year = schedule.year(2, 1 << 30).unwrap();
		assert_eq!((year.price_per_gib, year.epoch_price), (990_025_000, 990_025_000));
		assert_eq!(schedule.next(&schedule.year(1, 1 << 30).unwrap(), 1 << 30), Some(year));
	}

	#[test]
	fn a_price_falling_half_a_percent_a_year_halves_within_139_years() {
		assert_eq!(halving_years(Perbill::from_parts(5_000_000)), Some(139));
		assert_eq!(halving_years(Perbill::from_percent(50)), Some(1));
		assert_eq!(halving_years(Perbill::from_percent(10)), Some(7));
		// A price that never falls, or hardly, has no endowment.
		assert_eq!(halving_years(Perbill::zero()), None);
		assert_eq!(halving_years(Perbill::from_parts(1)), None);
		let never = Schedule { decline: Perbill::zero(), ..half_a_percent(1) };
		assert_eq!(endowment(&never, 1024), None);
		assert_eq!(endowment(&Schedule { epochs_per_year: 0, ..half_a_percent(1) }, 1024), None);
		assert_eq!(endowment(&half_a_percent(u128::MAX), 1 << 30), None);
	}

	#[test]
	fn a_gib_endowed_at_a_thousandth_of_a_dpn_an_epoch_costs_200_years_of_its_first() {
		// 0.001 DPN a GiB an epoch: 8.766 DPN the first year.
		let schedule = half_a_percent(DPN / 1_000);
		let bytes = 1 << 30;
		let first_year = u128::from(HOURLY) * DPN / 1_000;
		let endowment = endowment(&schedule, bytes).unwrap();
		// 200 years of the first year's price, and the rounding allowance: 30 bits of price
		// halving every 139 years, an epoch's unit each.
		let allowance = u128::from(HOURLY) * 30 * 139;
		assert_eq!(endowment, 200 * first_year + allowance);
		assert_eq!(endowment, 1_753_200_036_554_220);
	}

	#[test]
	fn an_endowment_pays_its_schedule_until_the_price_is_nothing() {
		// The long horizon, year by year: every size (sub-chunk rounding included) and price
		// pays every year in full until its price is zero, thousands of years on.
		for p0 in [1, 1_000, DPN / 1_000, DPN, 1_000 * DPN] {
			for bytes in [1024u64, 1 << 20, (3 << 20) + 1024, 1 << 30, (5 << 30) + 7 * 1024] {
				let schedule = half_a_percent(p0);
				let endowment = endowment(&schedule, bytes).unwrap();
				let walk = walk(&schedule, bytes, endowment, 200);
				let walk = walk.unwrap_or_else(|year| panic!("{p0} {bytes}: short in year {year}"));
				assert!(walk.left < endowment, "{p0} {bytes}: {walk:?}");
			}
		}
	}

	#[test]
	fn a_gib_endowment_has_more_than_a_third_left_after_200_years() {
		let schedule = half_a_percent(DPN / 1_000);
		let bytes = 1 << 30;
		let endowment = endowment(&schedule, bytes).unwrap();
		let walk = walk(&schedule, bytes, endowment, 200).expect("never short");
		// 1,753.2 DPN · 0.995^200 = 643.4 DPN left for the years after the 200th, as the
		// closed form has it (within the yearly prices' rounding down, which pays less).
		let closed_form = 643.35;
		let after_200 = walk.at_horizon as f64 / DPN as f64;
		assert!((after_200 - closed_form).abs() < 0.01, "{after_200}");
		assert_eq!(walk.at_horizon, 643_350_552_910_542);
		// The price reaches zero after three millennia; what is left then is the allowance's
		// slack, a hundredth of a DPN.
		assert_eq!(walk.zero_in, 3_193);
		assert!(walk.left < DPN / 100, "{}", walk.left);
	}

	#[test]
	fn without_the_rounding_allowance_a_small_replica_runs_short() {
		// Each epoch's price is rounded up, so the series alone is not enough for a replica
		// far smaller than a GiB: the allowance is what pays the rounding.
		let schedule = half_a_percent(DPN / 1_000);
		let bytes = 1024;
		let series = endowment(&schedule, bytes).unwrap() - u128::from(HOURLY) * 30 * 139;
		assert!(walk(&schedule, bytes, series, 0).is_err());
		assert!(walk(&schedule, bytes, series + u128::from(HOURLY) * 30 * 139, 0).is_ok());
	}
}
