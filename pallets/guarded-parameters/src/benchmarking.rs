//! The guarded change: the guard check and the write through `pallet-parameters`.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_parameter() -> Result<(), BenchmarkError> {
		let origin =
			T::GuardedOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let change = T::BenchmarkHelper::get();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, change.clone());

		let (key, value) = change.into_parts();
		assert_eq!(pallet_parameters::Parameters::<T>::get(key), value);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
