//! OpenGov: the origins referenda dispatch with, and the tracks that decide them.
//!
//! | track | origin | decides |
//! |---|---|---|
//! | 0 `root` | `Root` | runtime upgrades and anything else |
//! | 1 `parameters` | `ParameterAdmin` | DePIN parameters, within their guards |
//! | 2 `treasury` | `Treasurer` | treasury spends up to [`origins::TREASURER_MAX_SPEND`] |
//! | 3 `validators` | `ValidatorAdmin` | adding and removing validators |
//!
//! Every period (tracks, vote locks) is divided by [`GovernancePeriodDivisor`], a root-only
//! storage parameter that is 1 on production chains; a dev chain's sudo raises it so that a
//! referendum passes in minutes.

pub mod origins;
pub mod tracks;

pub use origins::pallet_custom_origins;

use crate::BlockNumber;

frame_support::parameter_types! {
	/// Every governance period is divided by this (at least 1). Root only:
	/// `system.set_storage` under `GovernancePeriodDivisor::key()`.
	pub storage GovernancePeriodDivisor: BlockNumber = 1;
}

/// `period` divided by [`GovernancePeriodDivisor`], at least one block.
pub fn scaled(period: BlockNumber) -> BlockNumber {
	period.checked_div(GovernancePeriodDivisor::get()).unwrap_or(period).max(1)
}

/// A governance period of `P` blocks, scaled by [`GovernancePeriodDivisor`].
pub struct ScaledPeriod<const P: BlockNumber>;

impl<const P: BlockNumber> frame_support::traits::Get<BlockNumber> for ScaledPeriod<P> {
	fn get() -> BlockNumber {
		scaled(P)
	}
}
