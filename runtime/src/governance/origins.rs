//! The origins of the non-root tracks.

pub use pallet_custom_origins::*;

#[frame_support::pallet]
pub mod pallet_custom_origins {
	use crate::{Balance, UNITS};
	use frame_support::pallet_prelude::*;

	#[pallet::config]
	pub trait Config: frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// What a referendum on a non-root track dispatches as.
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	#[pallet::origin]
	pub enum Origin {
		/// Changes DePIN parameters, within their guards.
		ParameterAdmin,
		/// Spends from the treasury, up to [`TREASURER_MAX_SPEND`].
		Treasurer,
		/// Adds and removes validators.
		ValidatorAdmin,
	}

	/// The most the treasury track may spend in one referendum.
	pub const TREASURER_MAX_SPEND: Balance = 100_000 * UNITS;

	/// `EnsureOrigin` for one [`Origin`] variant, succeeding with `$success`.
	macro_rules! ensure_variant {
		($(#[$doc:meta])* $name:ident, $variant:ident, $success_ty:ty, $success:expr) => {
			$(#[$doc])*
			pub struct $name;
			impl<O: OriginTrait + From<Origin>> EnsureOrigin<O> for $name
			where
				O: Into<Result<Origin, O>>,
			{
				type Success = $success_ty;
				fn try_origin(o: O) -> Result<Self::Success, O> {
					o.into().and_then(|o| match o {
						Origin::$variant => Ok($success),
						other => Err(O::from(other)),
					})
				}
				#[cfg(feature = "runtime-benchmarks")]
				fn try_successful_origin() -> Result<O, ()> {
					Ok(O::from(Origin::$variant))
				}
			}
		};
	}

	ensure_variant!(
		/// The parameters track.
		ParameterAdmin, ParameterAdmin, (), ()
	);
	ensure_variant!(
		/// The treasury track; succeeds with the most it may spend.
		Treasurer, Treasurer, Balance, TREASURER_MAX_SPEND
	);
	ensure_variant!(
		/// The validators track.
		ValidatorAdmin, ValidatorAdmin, (), ()
	);
}
