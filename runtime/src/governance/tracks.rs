//! The referendum tracks. Periods are production values in blocks (6 s), divided by
//! the `governance.PeriodDivisor` parameter when read (see [`super::scaled`]).

use super::{origins::Origin, scaled};
use crate::{Balance, BlockNumber, RuntimeOrigin, DAYS, HOURS, UNITS};
use alloc::borrow::Cow;
use frame_support::traits::OriginTrait;
use pallet_referenda::{Curve, Track, TrackInfo};
use sp_runtime::Perbill;

/// A curve falling linearly from `ceil` to `floor` over the whole decision period.
const fn linear(ceil: u32, floor: u32) -> Curve {
	Curve::LinearDecreasing {
		length: Perbill::from_percent(100),
		floor: Perbill::from_percent(floor),
		ceil: Perbill::from_percent(ceil),
	}
}

/// A track name padded to the name length. Only evaluated at compile time (in `TRACKS`), where
/// an out-of-range index fails the build.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn name(s: &str) -> [u8; 25] {
	let bytes = s.as_bytes();
	let mut out = [0u8; 25];
	let mut i = 0;
	while i < bytes.len() && i < 25 {
		out[i] = bytes[i];
		i += 1;
	}
	out
}

/// The tracks, sorted by id, at production speed.
const TRACKS: [Track<u16, Balance, BlockNumber>; 4] = [
	Track {
		id: 0,
		info: TrackInfo {
			name: name("root"),
			max_deciding: 1,
			decision_deposit: 10_000 * UNITS,
			prepare_period: 2 * HOURS,
			decision_period: 14 * DAYS,
			confirm_period: DAYS,
			min_enactment_period: DAYS,
			min_approval: linear(100, 50),
			min_support: linear(50, 5),
		},
	},
	Track {
		id: 1,
		info: TrackInfo {
			name: name("parameters"),
			max_deciding: 10,
			decision_deposit: 1_000 * UNITS,
			prepare_period: HOURS,
			decision_period: 7 * DAYS,
			confirm_period: 3 * HOURS,
			min_enactment_period: 3 * HOURS,
			min_approval: linear(100, 50),
			min_support: linear(20, 1),
		},
	},
	Track {
		id: 2,
		info: TrackInfo {
			name: name("treasury"),
			max_deciding: 10,
			decision_deposit: 1_000 * UNITS,
			prepare_period: HOURS,
			decision_period: 7 * DAYS,
			confirm_period: 6 * HOURS,
			min_enactment_period: DAYS,
			min_approval: linear(100, 50),
			min_support: linear(20, 1),
		},
	},
	Track {
		id: 3,
		info: TrackInfo {
			name: name("validators"),
			max_deciding: 5,
			decision_deposit: 5_000 * UNITS,
			prepare_period: 2 * HOURS,
			decision_period: 7 * DAYS,
			confirm_period: 12 * HOURS,
			min_enactment_period: HOURS,
			min_approval: linear(100, 50),
			min_support: linear(30, 2),
		},
	},
];

/// The tracks, with their periods scaled.
pub struct TracksInfo;

impl pallet_referenda::TracksInfo<Balance, BlockNumber> for TracksInfo {
	type Id = u16;
	type RuntimeOrigin = <RuntimeOrigin as OriginTrait>::PalletsOrigin;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<u16, Balance, BlockNumber>>> {
		TRACKS.iter().map(|track| {
			let mut track = track.clone();
			let info = &mut track.info;
			info.prepare_period = scaled(info.prepare_period);
			info.decision_period = scaled(info.decision_period);
			info.confirm_period = scaled(info.confirm_period);
			info.min_enactment_period = scaled(info.min_enactment_period);
			Cow::Owned(track)
		})
	}

	fn track_for(id: &Self::RuntimeOrigin) -> Result<u16, ()> {
		if let Ok(system) = frame_system::RawOrigin::try_from(id.clone()) {
			match system {
				frame_system::RawOrigin::Root => Ok(0),
				_ => Err(()),
			}
		} else if let Ok(custom) = Origin::try_from(id.clone()) {
			match custom {
				Origin::ParameterAdmin => Ok(1),
				Origin::Treasurer => Ok(2),
				Origin::ValidatorAdmin => Ok(3),
			}
		} else {
			Err(())
		}
	}
}
