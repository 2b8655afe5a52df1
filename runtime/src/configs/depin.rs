//! The DePIN pallets: the device registry and the proofs.

use frame_support::{
	parameter_types,
	traits::{ConstU32, ConstU8, Randomness},
};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

use crate::{
	AccountId, Balance, Balances, BlockNumber, Devices, Hash, Runtime, RuntimeHoldReason, DAYS,
	HOURS, MILLI_UNITS, MINUTES, UNITS,
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
	/// Slashed deposits go to the treasury.
	type Slashed = crate::configs::governance::ToTreasury;
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

parameter_types! {
	/// One proving epoch an hour. A `storage` parameter: root (governance, later) can set it
	/// with `system.set_storage` under `ProvingPeriod::key()`, e.g. to a few blocks on a dev
	/// chain; it applies from the next epoch.
	pub storage ProvingPeriod: BlockNumber = HOURS;
	/// Proofs are due within 45 minutes of the epoch's start.
	pub storage ResponseWindow: BlockNumber = 45 * MINUTES;
	/// A device that misses three epochs in a row loses 5% of its deposit.
	pub const FaultSlash: Perbill = Perbill::from_percent(5);
}

/// Epoch seeds: BABE's VRF output of the parent block (fresh every block: every block of
/// ours carries a primary or secondary VRF output), or, if a block had none, the randomness
/// BABE collected over the previous epoch.
pub struct ChallengeRandomness;

impl Randomness<Hash, BlockNumber> for ChallengeRandomness {
	fn random(subject: &[u8]) -> (Hash, BlockNumber) {
		match pallet_babe::ParentBlockRandomness::<Runtime>::random(subject) {
			(Some(random), known_since) => (random, known_since),
			(None, _) => pallet_babe::RandomnessFromOneEpochAgo::<Runtime>::random(subject),
		}
	}
}

impl pallet_proofs::Config for Runtime {
	type Registry = Devices;
	type Randomness = ChallengeRandomness;
	/// Nobody counts points until the emission pallet arrives.
	type OnProofAccepted = ();
	type ProvingPeriod = ProvingPeriod;
	type ResponseWindow = ResponseWindow;
	/// Two chunks per sector per epoch: a provider keeping a fraction `f` of a sector passes
	/// an epoch with probability `f^2`, and a day of epochs with `f^48`.
	type ChallengesPerSector = ConstU32<2>;
	type MaxChallengesPerSector = ConstU32<8>;
	/// Sectors up to 2^30 chunks: 1 TiB.
	type MaxTreeDepth = ConstU32<30>;
	type MaxSectorsPerDevice = ConstU32<64>;
	type FaultThreshold = ConstU32<3>;
	type FaultSlash = FaultSlash;
	/// 1,000 proofs of two chunks at depth 20 are about 3.4 MB: inside the normal share of a block.
	type MaxBatch = ConstU32<1_000>;
	type WeightInfo = pallet_proofs::weights::SubstrateWeight<Runtime>;
}
