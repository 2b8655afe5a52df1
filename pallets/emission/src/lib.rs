//! # Emission pallet
//!
//! Where providers get paid. New tokens follow a fixed, documented schedule ([`schedule`]):
//! a block reward that halves every `HalvingPeriod` blocks, under a hard `MaxSupply` cap on
//! total issuance.
//!
//! - **Epochs.** The proofs pallet's proving epochs. While an epoch runs, accepted proofs add
//!   points to the device's [`Earnings`] and its category's tally
//!   ([`depin_proving::OnProofAccepted`]), and each block adds one to its author's
//!   [`AuthorReceipt`] (`pallet_authorship`'s event handler). When the epoch ends
//!   ([`depin_proving::OnEpochEnd`]) its points are final.
//! - **Closing an epoch** (O(1)): its emission is split by parameters into a pool per provider
//!   category (storage, coverage, compute, sensor), one for the validators, and the rest for the
//!   treasury. The pools of categories that earned points, and the validators' pool, are minted
//!   into the pallet's pot; the treasury's part is minted to the treasury. A category without
//!   points in the epoch gets nothing minted.
//! - **Lazy rewards** (O(1), no iteration anywhere): a device's ended epoch is *settled* into
//!   its balance, `pool × points / category points` (for a kind capped by usage,
//!   [`Config::UsageCapped`], at most the fees its paid usage burned in the epoch), when its
//!   points of a later epoch come in or at a claim. One claim by the owner or manager pays the
//!   whole balance, however many epochs it holds; a validator claims
//!   `pool × blocks / epoch blocks` per epoch. Each device keeps its newest settled epochs, so
//!   an operator can always answer "where are my rewards?" ([`Pallet::reward_receipts`],
//!   through the runtime API `DepinApi`).
//! - **Expiry.** An ended epoch can be settled for `ClaimWindow` epochs. Then what nobody
//!   settled of it goes to the treasury, a bounded number of epochs per epoch end; validators'
//!   receipts are deleted in idle time, a bounded number per block. A balance never expires.
//! - **Burns.** [`SlashedFunds`] takes slashed device deposits to the treasury or burns them
//!   (the `BurnSlashed` parameter); [`Burn`] burns what it is given (dust) and counts it.
//!
//! Invariants (`try_state`): total issuance = genesis issuance + minted − burned; minted never
//! above what the schedule allowed; the pot holds at least every live epoch's unsettled
//! rewards and every device's balance; no kind settles more than its pool or its points.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod impls;
pub mod migrations;
mod queries;
pub mod schedule;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use impls::{Burn, SlashedFunds};
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A credit (an amount taken out of accounts, not yet placed) of the pallet's currency.
pub type CreditOf<T> =
	fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::Contains, PalletId};
	use frame_system::pallet_prelude::*;
	use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry};
	use sp_runtime::Perbill;

	/// The in-code storage version: 2 since a fourth kind (sensor) grew every stored
	/// `PerKind` ([`crate::migrations::V1ToV2`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	/// At most this many expired epochs are paid to the treasury per epoch end (more than one
	/// only after governance shortens the claim window).
	pub const EXPIRIES_PER_EPOCH: u32 = 4;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The native currency: minted into the pot and the treasury, paid out of the pot.
		type Currency: fungible::Mutate<Self::AccountId> + fungible::Balanced<Self::AccountId>;

		/// The device registry: owners and managers of devices.
		type Registry: DeviceRegistry<Self::AccountId>;

		/// The pot's account is derived from this id.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The treasury's account: its share of every epoch, expired rewards and, unless they
		/// are burned, slashed deposits.
		type TreasuryAccount: Get<Self::AccountId>;

		/// The reward of each block before the first halving.
		#[pallet::constant]
		type BlockReward: Get<BalanceOf<Self>>;

		/// Blocks between halvings of the block reward, counted from genesis.
		#[pallet::constant]
		type HalvingPeriod: Get<BlockNumberFor<Self>>;

		/// The hard cap on total issuance. A runtime constant: no referendum can move it.
		#[pallet::constant]
		type MaxSupply: Get<BalanceOf<Self>>;

		/// The share of each epoch's emission for each kind's providers (the `PoolShares`
		/// constant lists them).
		type PoolShares: PoolShares;

		/// The share for block authors. The treasury gets what the pools' and this share
		/// leave. Should the shares add up to more than 100 %, they are served in this order
		/// (the kinds' pools in the order of `DeviceKind::ALL`, then the validators) until the
		/// emission runs out.
		#[pallet::constant]
		type ValidatorShare: Get<Perbill>;

		/// For how many epochs after it ends an epoch's rewards can be claimed (at least 1).
		#[pallet::constant]
		type ClaimWindow: Get<EpochIndex>;

		/// Whether slashed deposits are burned (true) or go to the treasury (false).
		#[pallet::constant]
		type BurnSlashed: Get<bool>;

		/// The kinds whose rewards are capped by usage (HIP-10): what a device's epoch settles
		/// for is at most the protocol fees its paid usage burned in it
		/// ([`depin_proving::OnProofAccepted::fee_burned`]). What the cap holds back stays in
		/// the pot and goes to the treasury when the epoch expires.
		type UsageCapped: Contains<DeviceKind>;

		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The epoch in progress (the proofs pallet's), whose points and blocks are tallied.
	#[pallet::storage]
	pub type CurrentEpoch<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// What the epoch in progress has earned so far.
	#[pallet::storage]
	pub type Tallies<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, Tally, ValueQuery>;

	/// Closed epochs whose rewards can still be claimed.
	#[pallet::storage]
	pub type Rewards<T: Config> =
		StorageMap<_, Twox64Concat, EpochIndex, EpochRewards<BalanceOf<T>>>;

	/// Each device's rewards: the epoch it is earning in, its settled balance and its newest
	/// settled epochs. Kept while the device is registered.
	#[pallet::storage]
	pub type DeviceEarnings<T: Config> =
		StorageMap<_, Twox64Concat, DeviceId, Earnings<BalanceOf<T>>>;

	/// Validators' reward receipts, by epoch then author.
	#[pallet::storage]
	pub type AuthorReceipts<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		AuthorReceipt<BalanceOf<T>>,
	>;

	/// Epochs before this one have expired: their unclaimed rewards went to the treasury.
	#[pallet::storage]
	pub type ExpiredBefore<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// Epochs before this one have no validators' receipts left (idle-time cleanup follows
	/// expiry).
	#[pallet::storage]
	pub type CleanedBefore<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// Total issuance when the chain started.
	#[pallet::storage]
	pub type GenesisIssuance<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Everything this pallet has minted.
	#[pallet::storage]
	pub type Minted<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Everything burned through [`Burn`] and [`SlashedFunds`].
	#[pallet::storage]
	pub type Burned<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Everything the schedule has allowed so far, after the cap (`Minted` never exceeds it).
	#[pallet::storage]
	pub type Scheduled<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Pallet::<T>::fund_pot_at_genesis();
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An epoch ended and was paid out: `emission` split into provider pools, the
		/// validators' pool and the treasury's part; `minted` of it was minted (pools without
		/// points are not).
		EpochRewarded {
			epoch: EpochIndex,
			emission: BalanceOf<T>,
			minted: BalanceOf<T>,
			pools: PerKind<BalanceOf<T>>,
			validators: BalanceOf<T>,
			treasury: BalanceOf<T>,
		},
		/// A device's points in an ended epoch were settled: `amount` was added to its balance,
		/// or nothing if the epoch had expired (`expired`).
		RewardSettled {
			device: DeviceId,
			epoch: EpochIndex,
			points: u64,
			amount: BalanceOf<T>,
			expired: bool,
		},
		/// A device's balance was paid to its owner.
		RewardClaimed { device: DeviceId, owner: T::AccountId, amount: BalanceOf<T> },
		/// A validator's reward for an epoch was paid.
		ValidatorRewardClaimed { epoch: EpochIndex, validator: T::AccountId, amount: BalanceOf<T> },
		/// An epoch's claim window closed; what was left went to the treasury.
		RewardsExpired { epoch: EpochIndex, to_treasury: BalanceOf<T> },
		/// A slashed deposit went to the treasury.
		SlashToTreasury { amount: BalanceOf<T> },
		/// Funds were burned (slashed deposits when `BurnSlashed`, dust).
		Burned { amount: BalanceOf<T> },
		/// A proof reported more points than are counted: `counted` of `reported`, cut to the
		/// per-proof or per-device-and-epoch bound, or 0 if the kind's tally would overflow.
		PointsCapped { device: DeviceId, epoch: EpochIndex, reported: u64, counted: u64 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No such device.
		UnknownDevice,
		/// Only the device's owner or manager may claim its rewards.
		NotOwnerOrManager,
		/// The epoch has not ended yet: its points are not final.
		EpochNotEnded,
		/// The epoch's claim window has closed; its rewards went to the treasury.
		EpochExpired,
		/// Nothing to claim: no balance and no ended epoch to settle (for a validator, no
		/// blocks authored in that epoch, or a reward that rounds to 0).
		NothingToClaim,
		/// That reward has been paid already.
		AlreadyClaimed,
		/// The pot cannot pay (it should always hold every claimable reward).
		PotExhausted,
		/// The claim would take the epoch's pools past what they hold (never expected: the
		/// points of an epoch are bounded so that its claims add up to at most its pools).
		PoolExhausted,
	}

	#[pallet::extra_constants]
	impl<T: Config> Pallet<T> {
		/// The share of each epoch's emission for each kind's pool, in the order of
		/// `DeviceKind::ALL`.
		#[pallet::constant_name(PoolShares)]
		fn pool_shares() -> [(DeviceKind, Perbill); DeviceKind::COUNT] {
			DeviceKind::ALL.map(|kind| (kind, T::PoolShares::share(kind)))
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::clean_receipts(remaining)
		}

		fn integrity_test() {
			assert!(T::ClaimWindow::get() >= 1, "ClaimWindow must be at least 1 epoch");
			assert!(!T::HalvingPeriod::get().is_zero(), "HalvingPeriod must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Pay everything `device` has earned to its owner: its balance, after settling the
		/// epoch it last earned in if that has ended. By the owner or the manager, at any time,
		/// however many epochs have passed: O(1). (Call index 0 was the claim of one epoch.)
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::claim())]
		pub fn claim(origin: OriginFor<T>, device: DeviceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim(&who, device)
		}

		/// Pay the caller's reward for the blocks it authored in `epoch`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::claim_validator())]
		pub fn claim_validator(origin: OriginFor<T>, epoch: EpochIndex) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim_validator(&who, epoch)
		}
	}
}
