//! The DePIN pallets: the device registry.

use frame_support::{
	parameter_types,
	traits::{ConstU32, ConstU8},
};
use frame_system::EnsureRoot;

use crate::{
	AccountId, Balance, Balances, BlockNumber, Runtime, RuntimeHoldReason, DAYS, MILLI_UNITS, UNITS,
};

parameter_types! {
	/// Every device holds at least this deposit.
	pub const DeviceDepositBase: Balance = 5 * UNITS;
	/// Plus this per byte of metadata (at most 162 bytes, so at most 1.62 DPN more).
	pub const DeviceDepositPerByte: Balance = 10 * MILLI_UNITS;
	/// A retired device's deposit stays slashable for a week.
	pub const DeviceUnbondingPeriod: BlockNumber = 7 * DAYS;
	/// A device may move once a day.
	pub const LocationChangeInterval: BlockNumber = DAYS;
}

impl pallet_devices::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Burned until the treasury arrives with governance.
	type Slashed = ();
	/// Root until governance provides a dedicated track.
	type SuspendOrigin = EnsureRoot<AccountId>;
	type DepositBase = DeviceDepositBase;
	type DepositPerByte = DeviceDepositPerByte;
	type UnbondingPeriod = DeviceUnbondingPeriod;
	type MaxDevicesPerOwner = ConstU32<1_000>;
	/// Resolution 7 cells average 5.2 km²; resolution 12 cells 307 m².
	type MinResolution = ConstU8<7>;
	type MaxResolution = ConstU8<12>;
	/// Density is counted per resolution-7 cell (about 5 km²).
	type DensityResolution = ConstU8<7>;
	type LocationChangeInterval = LocationChangeInterval;
	type MaxBatch = ConstU32<50>;
	type WeightInfo = pallet_devices::weights::SubstrateWeight<Runtime>;
}
