//! OpenGov: the origins referenda dispatch with, and the tracks that decide them.
//!
//! | track | origin | decides |
//! |---|---|---|
//! | 0 `root` | `Root` | runtime upgrades and anything else |
//! | 1 `parameters` | `ParameterAdmin` | DePIN parameters, within their guards |
//! | 2 `treasury` | `Treasurer` | treasury spends up to [`origins::TREASURER_MAX_SPEND`] |
//! | 3 `validators` | `ValidatorAdmin` | adding and removing validators |
//!
//! Every period (tracks, vote locks, spends) is divided by the root-only runtime parameter
//! `governance.PeriodDivisor`: 1 on production chains (`testnet`), `DAYS` in the `development`
//! and `local_testnet` presets, where a day lasts one block and a referendum passes in a minute.

pub mod origins;
pub mod tracks;

pub use origins::pallet_custom_origins;

use crate::BlockNumber;

/// `period` divided by the `governance.PeriodDivisor` parameter, at least one block.
pub fn scaled(period: BlockNumber) -> BlockNumber {
	use frame_support::traits::Get;
	let divisor = crate::configs::parameters::governance_params::PeriodDivisor::get();
	period.checked_div(divisor).unwrap_or(period).max(1)
}

/// A governance period of `P` blocks, scaled by the `governance.PeriodDivisor` parameter.
pub struct ScaledPeriod<const P: BlockNumber>;

impl<const P: BlockNumber> frame_support::traits::Get<BlockNumber> for ScaledPeriod<P> {
	fn get() -> BlockNumber {
		scaled(P)
	}
}
