//! # Jobs pallet
//!
//! Compute jobs, paid for on chain. See `README.md`; in short:
//!
//! - A consumer opens a job for a compute device with its payment held (`max_units × price`).
//! - Consumer and device co-sign a [`JobReceipt`] when the work is done (the consumer with its
//!   account key, the device with its device key, over the same envelope), and anyone submits
//!   it, in batches with a verdict per receipt.
//! - After [`Config::DisputeWindow`] blocks without a dispute the job pays the device's owner
//!   from the hold less the protocol fee ([`Config::JobFee`], taken to
//!   [`Config::FeeDestination`]: burned in the runtime) and refunds the rest; a disputed job is
//!   settled by [`Config::DisputeOrigin`]; a job nobody delivered is cancelled after
//!   [`Config::JobTimeout`] blocks.
//! - **Rewards follow paid usage only** (`depin_proving::usage`): a paid job's fee, in whole
//!   [`Config::FeePerPoint`]s, is the device's points in the compute pool
//!   ([`Config::OnProofAccepted`]), and the emission pallet pays them at most the fee burned.
//!   A provider paying its own device burns at least what the job earns it.
//!
//! Capacity challenges (the proof that a compute device can compute) are the compute pallet's;
//! this pallet only pays for work a consumer vouches for.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod impls;
pub mod migrations;
mod queries;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use depin_primitives::compute::{
	Job, JobId, JobReceipt, JobStatus, SignedReceipt, RECEIPT_CONTEXT,
};
pub use weights::WeightInfo;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> = <<T as Config>::Currency as frame_support::traits::fungible::Inspect<
	<T as frame_system::Config>::AccountId,
>>::Balance;

/// A job as stored.
pub type JobOf<T> = Job<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// A receipt as signed.
pub type JobReceiptOf<T> = JobReceipt<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// A co-signed receipt as the pallet's calls take it.
pub type SignedReceiptOf<T> = SignedReceipt<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::ConsumerSignature,
>;

/// A credit (an amount taken out of accounts, not yet placed) of the pallet's currency.
pub type CreditOf<T> = frame_support::traits::fungible::Credit<
	<T as frame_system::Config>::AccountId,
	<T as Config>::Currency,
>;

/// A batch of receipts.
pub type SignedReceiptsOf<T> =
	frame_support::BoundedVec<SignedReceiptOf<T>, <T as Config>::MaxBatch>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use depin_proving::{OnProofAccepted, ProvingEpochs};
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, OnUnbalanced},
	};
	use frame_system::pallet_prelude::*;
	use pallet_devices::{DeviceId, DeviceRegistry};
	use sp_runtime::{
		traits::{IdentifyAccount, Verify},
		Perbill,
	};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A job's payment, until it is paid out or refunded.
		JobPayment,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The device registry: devices, keys and owners.
		type Registry: DeviceRegistry<Self::AccountId, BlockNumber = BlockNumberFor<Self>>;

		/// The proving epochs: the epoch a paid job's usage points count in.
		type Epochs: ProvingEpochs<BlockNumberFor<Self>>;

		/// Told about the usage points of every paid job and the fee it burned (the emission
		/// pallet: its compute pool, each device's reward capped by its fees).
		type OnProofAccepted: OnProofAccepted;

		/// Holds job payments, pays them out and takes the protocol fee.
		type Currency: fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>;

		/// Takes the protocol fee of every paid job (the runtime burns it).
		type FeeDestination: OnUnbalanced<CreditOf<Self>>;

		/// The share of every payment to a device's owner taken as the protocol fee, at
		/// settlement. The fee is what the job earns in compute points and the most those
		/// points are paid.
		#[pallet::constant]
		type JobFee: Get<Perbill>;

		/// The job fee that earns one compute point.
		#[pallet::constant]
		type FeePerPoint: Get<BalanceOf<Self>>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// A consumer's signature of a receipt (`MultiSignature` in the runtime).
		type ConsumerSignature: Verify<Signer = Self::ConsumerPublic>
			+ Parameter
			+ DecodeWithMemTracking;

		/// The signer of a consumer's signature, which identifies its account.
		type ConsumerPublic: IdentifyAccount<AccountId = Self::AccountId>;

		/// Decides disputed jobs (root until governance provides a track).
		type DisputeOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The most receipts in one batch.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// Blocks after a receipt's submission during which its consumer may dispute it.
		#[pallet::constant]
		type DisputeWindow: Get<BlockNumberFor<Self>>;

		/// Blocks after which anyone may cancel a job that has no receipt.
		#[pallet::constant]
		type JobTimeout: Get<BlockNumberFor<Self>>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;

		/// Signs receipts for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: depin_proving::AccountSigner<Self::AccountId, Self::ConsumerSignature>;
	}

	/// Jobs not settled yet.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// The id the next job gets.
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A consumer opened a job and its payment is held.
		JobOpened {
			/// The job.
			job: JobId,
			/// The consumer.
			consumer: T::AccountId,
			/// The device.
			device: DeviceId,
			/// The most units it may bill.
			max_units: u64,
			/// The price of a unit.
			price: BalanceOf<T>,
		},
		/// A job without a receipt was cancelled and its payment released.
		JobCancelled {
			/// The job.
			job: JobId,
		},
		/// A job's co-signed receipt was recorded; it pays out after the dispute window.
		ReceiptAccepted {
			/// The job.
			job: JobId,
			/// The device.
			device: DeviceId,
			/// Units billed.
			units: u64,
			/// What the device's owner will be paid.
			amount: BalanceOf<T>,
			/// The first block at which it can be released.
			payable_at: BlockNumberFor<T>,
		},
		/// A receipt in a batch was rejected; nothing of it was stored.
		ReceiptRejected {
			/// Its position in the batch.
			index: u32,
			/// The job it named.
			job: JobId,
			/// Why.
			error: DispatchError,
		},
		/// A batch was processed.
		BatchProcessed {
			/// Items accepted.
			accepted: u32,
			/// Items rejected (each reported by `ItemRejected`).
			rejected: u32,
		},
		/// The consumer disputed a job's receipt.
		JobDisputed {
			/// The job.
			job: JobId,
		},
		/// A job was settled: the device's owner was paid, the protocol fee taken and the rest
		/// refunded.
		JobSettled {
			/// The job.
			job: JobId,
			/// The device.
			device: DeviceId,
			/// Paid to the device's owner.
			paid: BalanceOf<T>,
			/// The protocol fee taken (burned in the runtime): the most the job's points earn.
			fee: BalanceOf<T>,
			/// Released to the consumer.
			refunded: BalanceOf<T>,
			/// Compute points recorded: the fee in `FeePerPoint`s.
			points: u64,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No such device in the registry.
		UnknownDevice,
		/// Only compute devices run workloads and take jobs.
		NotComputeDevice,
		/// The device is suspended or retired; resume it first.
		DeviceNotActive,
		/// The batch is empty.
		EmptyBatch,
		/// The device key did not sign this receipt for this chain.
		BadSignature,
		/// A job needs at least one unit at a positive price.
		EmptyJob,
		/// `max_units × price` overflows.
		Overflow,
		/// No such job (or it was settled).
		UnknownJob,
		/// Only the job's consumer may do this.
		NotConsumer,
		/// The job already has a receipt.
		AlreadySubmitted,
		/// The job has no receipt to dispute or release.
		NotSubmitted,
		/// The job is not disputed.
		NotDisputed,
		/// The job may only be cancelled `JobTimeout` blocks after it was opened.
		TooEarly,
		/// The dispute window has closed.
		DisputeWindowClosed,
		/// The dispute window is still open.
		DisputeWindowOpen,
		/// The receipt's consumer, device or price is not the job's.
		ReceiptMismatch,
		/// The receipt bills more units than the job allows.
		TooManyUnits,
		/// The receipt's timestamp is before the job was opened or after this block.
		BadTimestamp,
		/// The consumer's signature of the receipt is not valid.
		BadConsumerSignature,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxBatch::get() >= 1, "batches must hold at least one item");
			assert!(!T::JobTimeout::get().is_zero(), "JobTimeout must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Open a job for a compute device: `max_units × price` is held from the caller until
		/// the job's receipt pays it out, or the job is cancelled.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::open_job())]
		pub fn open_job(
			origin: OriginFor<T>,
			device: DeviceId,
			max_units: u64,
			price: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_open_job(who, device, max_units, price)
		}

		/// Cancel a job that has no receipt `JobTimeout` blocks after it was opened, releasing
		/// its payment to its consumer. By anyone: a job nobody delivered expires, and whoever
		/// cleans it up frees its storage.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::cancel_job())]
		pub fn cancel_job(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_cancel_job(job)
		}

		/// Submit receipts co-signed by each job's consumer and device. Each is checked on its
		/// own (`ReceiptAccepted`, or `ReceiptRejected` with the reason); a job takes one
		/// receipt. What the receipts refused before their signatures did not use is refunded.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit_receipts(receipts.len() as u32))]
		pub fn submit_receipts(
			origin: OriginFor<T>,
			receipts: SignedReceiptsOf<T>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_submit_receipts(receipts)
		}

		/// Dispute a job's receipt within the dispute window. By its consumer; the dispute
		/// origin then decides.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::dispute())]
		pub fn dispute(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_dispute(who, job)
		}

		/// Decide a disputed job: the device's owner gets `provider_share` of the billed
		/// amount less the protocol fee, which earns its points; the consumer the rest.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::resolve_dispute().saturating_add(Pallet::<T>::report_weight()))]
		pub fn resolve_dispute(
			origin: OriginFor<T>,
			job: JobId,
			provider_share: Perbill,
		) -> DispatchResult {
			T::DisputeOrigin::ensure_origin(origin)?;
			Self::do_resolve_dispute(job, provider_share)
		}

		/// Pay out a job whose dispute window has passed: the device's owner is paid less the
		/// protocol fee, which earns the job's compute points; the rest is released to the
		/// consumer. By anyone.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::release_job().saturating_add(Pallet::<T>::report_weight()))]
		pub fn release_job(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_release_job(job)
		}
	}
}
