//! Benchmarks of the epochs pallet.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{Get, Hooks};
use sp_runtime::traits::{One, Saturating};

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `on_initialize` when an epoch starts: the randomness read and the new epoch. The hooks
	/// it calls (`OnEpochEnd`, `OnEpochStart`) are benchmarked by their pallets and added.
	#[benchmark]
	fn start_epoch() {
		let now = T::ProvingPeriod::get().saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(now);

		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}

		assert_eq!(CurrentEpoch::<T>::get().start, now);
		assert_eq!(CurrentEpoch::<T>::get().index, 1);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
