//! # Proofs pallet
//!
//! The chain checks that hardware does its job. See `README.md` for the design; in short:
//!
//! - **Epochs.** The proving epochs and their seeds come from [`Config::Epochs`] (the epochs
//!   pallet, `pallet-epochs`, in the runtime). Every challenge of an epoch derives from its
//!   seed and from the commitment it checks, so nobody knows a challenge before the epoch
//!   starts, and data committed in an epoch is only challenged from the next one.
//! - **Storage proofs.** A storage device commits **sectors**: the root of a blake2-256 Merkle
//!   tree over 1 KiB chunks and the chunk count, within its declared capacity. Each epoch the
//!   chain audits a seed-drawn share of the devices ([`Config::AuditRate`]) and asks
//!   [`Config::ChallengesPerSector`] chunk indices of each of their sectors; the device answers
//!   with the chunks and their paths, signed with its key, before the epoch's deadline
//!   (the response window of the epochs pallet). The runtime recomputes the root.
//! - **Batches.** Anyone (a relayer, an aggregator) may submit up to [`Config::MaxBatch`]
//!   proofs for many devices in one call. Each is checked on its own; a rejected one is
//!   reported in an event and refunded, and does not fail the others.
//! - **Faults.** A device that misses a deadline gets a fault. Faults are counted lazily, in
//!   O(1) per device, whenever the device is next touched, and by a weight-bounded sweep in
//!   `on_idle`. [`Config::FaultThreshold`] epochs in a row suspend the device through the
//!   registry and slash [`Config::FaultSlash`] of its deposit.
//! - **Deals** ([`deals`]). A client pays a device, epoch by epoch, for a replica of its
//!   data: the device's operator publishes the client's signed proposal (payment and both
//!   collaterals held), commits the replica as a sector before the activation deadline, and
//!   each proof (at an audit of the device) pays the epochs since the last one, in arrears,
//!   from the client to the device's owner, less a burned protocol fee ([`Config::DealFee`]). A root is kept by one device of the
//!   whole chain at a time ([`RootHolders`]): one stored copy backs one sector.
//! - **Points.** Only a proof of a deal-backed sector earns points: its epoch's fee in
//!   [`Config::FeePerPoint`]s (so a deal never returns more than its fee), reported to
//!   [`Config::OnProofAccepted`] (the emission pallet) with the fee the epoch's payment
//!   burned, which caps what the points may draw from the storage pool. A provider acting as
//!   its own client burns at least what it can earn.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

pub mod deals;
mod impls;
pub mod migrations;
pub mod permanent;
mod queries;
pub mod types;
pub mod weights;

#[cfg(test)]
mod audit_tests;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod deal_tests;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod permanent_tests;
#[cfg(test)]
mod tests;

pub use depin_proving::{OnProofAccepted, ProvingEpochs};
pub use types::*;
pub use weights::WeightInfo;

/// A storage proof as the pallet's calls take it.
pub type StorageProofOf<T> =
	StorageProof<<T as Config>::MaxChallengesPerSector, <T as Config>::MaxTreeDepth>;

/// A batch of storage proofs.
pub type StorageProofsOf<T> = frame_support::BoundedVec<StorageProofOf<T>, <T as Config>::MaxBatch>;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> = <<T as Config>::Currency as frame_support::traits::fungible::Inspect<
	<T as frame_system::Config>::AccountId,
>>::Balance;

/// A credit (an amount taken out of accounts, not yet placed) of the pallet's currency.
pub type CreditOf<T> = frame_support::traits::fungible::Credit<
	<T as frame_system::Config>::AccountId,
	<T as Config>::Currency,
>;

/// A deal proposal with the runtime's types.
pub type DealProposalOf<T> = depin_primitives::deals::DealProposal<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// A published deal with the runtime's types.
pub type DealOf<T> = depin_primitives::deals::Deal<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// A proposal with its client's signature, as `publish_deals` takes it.
pub type SignedProposalOf<T> = depin_primitives::deals::SignedProposal<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::ClientSignature,
>;

/// A batch of signed proposals.
pub type SignedProposalsOf<T> =
	frame_support::BoundedVec<SignedProposalOf<T>, <T as Config>::MaxProposals>;

/// A permanent deal with the runtime's types.
pub type PermanentOf<T> = types::Permanent<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_support::BoundedVec<ReplicaOf<T>, <T as Config>::MaxReplicas>,
>;

/// A permanent deal with the runtime's types, as the runtime API returns it.
pub type PermanentDealOf<T> = types::Permanent<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	alloc::vec::Vec<ReplicaOf<T>>,
>;

/// A permanent replica with the runtime's types.
pub type ReplicaOf<T> =
	types::Replica<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;

/// The replicas a client endows, as `create_permanent_deal` takes them.
pub type ReplicaSpecsOf<T> =
	frame_support::BoundedVec<types::ReplicaSpec, <T as Config>::MaxReplicas>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use depin_primitives::deals::{DealEnd, DealId};
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, OnUnbalanced},
	};
	use frame_system::pallet_prelude::*;
	use pallet_devices::{DeviceId, DeviceRegistry};
	use sp_core::H256;
	use sp_runtime::{
		traits::{IdentifyAccount, Verify},
		Perbill,
	};

	/// The in-code storage version.
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A client's prepaid deal payments and its collateral.
		DealPayment,
		/// A provider's deal collateral.
		DealCollateral,
		/// The storage deposit of a deal's record, from the operator that published it.
		DealDeposit,
		/// Permanent deals' endowments not committed to a tranche, held on the pot.
		Endowment,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The device registry: look-ups, faults, suspension and slashing.
		type Registry: DeviceRegistry<Self::AccountId>;

		/// The proving epochs: their seeds and deadlines (the epochs pallet).
		type Epochs: ProvingEpochs<BlockNumberFor<Self>>;

		/// Told about every accepted proof (the emission pallet).
		type OnProofAccepted: OnProofAccepted;

		/// How many chunks each sector is challenged on per epoch (1 to
		/// [`Config::MaxChallengesPerSector`]).
		#[pallet::constant]
		type ChallengesPerSector: Get<u32>;

		/// The share of storage devices audited in an epoch, each drawn on its own from the
		/// epoch's seed (`depin_primitives::storage::audited`): an audited device has every
		/// live sector challenged, the others none. A deal pays its epochs in arrears, when
		/// its sector is next proven, and an audit missed since counts every epoch up to it
		/// as missed ([`deals`]).
		#[pallet::constant]
		type AuditRate: Get<Perbill>;

		/// The bound of [`Config::ChallengesPerSector`]: the most chunks a proof may carry.
		#[pallet::constant]
		type MaxChallengesPerSector: Get<u32>;

		/// The deepest sector tree (at most 31): sectors hold at most `2^depth` KiB.
		#[pallet::constant]
		type MaxTreeDepth: Get<u32>;

		/// The most live sectors a device may have.
		#[pallet::constant]
		type MaxSectorsPerDevice: Get<u32>;

		/// Epochs in a row with a missed proof that suspend a device.
		#[pallet::constant]
		type FaultThreshold: Get<u32>;

		/// The fraction of its deposit a device loses when faults suspend it.
		#[pallet::constant]
		type FaultSlash: Get<Perbill>;

		/// The most proofs in one batch.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// The most deal proposals in one `publish_deals`. Each costs a signature check and
		/// two holds, several times a proof's work, so the bound is smaller than
		/// [`Config::MaxBatch`]: it keeps one transaction's worst case a small share of a block.
		#[pallet::constant]
		type MaxProposals: Get<u32>;

		/// Holds deal payments and collaterals, pays providers, takes the protocol fee.
		type Currency: fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Takes the protocol fee of every deal payment (the runtime burns it).
		type FeeDestination: OnUnbalanced<CreditOf<Self>>;

		/// A client's signature of a deal proposal (`MultiSignature` in the runtime).
		type ClientSignature: Verify<Signer = Self::ClientPublic>
			+ Parameter
			+ DecodeWithMemTracking;

		/// The signer of a client's signature, which identifies its account.
		type ClientPublic: IdentifyAccount<AccountId = Self::AccountId>;

		/// The share of each deal payment taken as the protocol fee (and reported burned,
		/// which caps the storage rewards of the epoch's points).
		#[pallet::constant]
		type DealFee: Get<Perbill>;

		/// The share of its provider collateral a deal pays its client for each missed epoch.
		#[pallet::constant]
		type MissSlash: Get<Perbill>;

		/// Missed audits in a row that end a deal (epochs, at an audit rate of one), its
		/// provider collateral paid to the client.
		#[pallet::constant]
		type MaxMissesInRow: Get<u32>;

		/// How far ahead of its publication a proposal's activation deadline may be.
		#[pallet::constant]
		type MaxActivationDelay: Get<BlockNumberFor<Self>>;

		/// The longest deal, in epochs.
		#[pallet::constant]
		type MaxDealDuration: Get<EpochIndex>;

		/// The lowest price of a GiB for an epoch a deal may offer. Deal-backed bytes earn
		/// storage points, and a deal's reward is capped by the fees it burned: without a
		/// floor, a provider paying itself next to nothing would still dilute the pool the
		/// honest providers share. With it, each point costs at least its fee.
		#[pallet::constant]
		type MinDealPrice: Get<BalanceOf<Self>>;

		/// The deal fee that earns one storage point. A deal-backed sector's proof earns its
		/// epoch's fee in points, so a device's share of the storage pool follows the fees its
		/// deals burn, and with the emission pallet's cap (at most the fees burned) adding a
		/// deal never returns more than its own fee, however much room another deal left under
		/// the cap.
		#[pallet::constant]
		type FeePerPoint: Get<BalanceOf<Self>>;

		/// Held from the publishing operator for each deal while its record is kept (a closed
		/// deal is kept until its activation deadline, so that its proposal cannot be
		/// published again): the reason to forget it (`settle_deal`) once it may be.
		#[pallet::constant]
		type DealDeposit: Get<BalanceOf<Self>>;

		/// The account of the permanent deals' endowments (nobody has its key): every
		/// replica's endowment is held on it, and it is the client of the tranches it pays.
		#[pallet::constant]
		type EndowmentPalletId: Get<frame_support::PalletId>;

		/// Paid epochs in a schedule year of a permanent deal (fixed in each deal when it is
		/// made): a year's worth of epochs.
		#[pallet::constant]
		type EpochsPerYear: Get<EpochIndex>;

		/// How much cheaper keeping a byte gets each year, the assumption permanent deals are
		/// priced on (fixed in each deal when it is made): each schedule year's price is the
		/// year before's less this share. At least 0.1 % (see
		/// [`depin_primitives::deals::endowment::halving_years`]).
		#[pallet::constant]
		type EndowmentDecline: Get<Perbill>;

		/// The most replicas of one permanent deal.
		#[pallet::constant]
		type MaxReplicas: Get<u32>;

		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;

		/// Signs deal proposals as a client for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: depin_proving::AccountSigner<Self::AccountId, Self::ClientSignature>;
	}

	/// Committed sectors, by device and sector number.
	#[pallet::storage]
	pub type Sectors<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DeviceId, Twox64Concat, SectorIndex, Sector>;

	/// The proving record of every device that has committed a sector.
	#[pallet::storage]
	pub type Provers<T: Config> = StorageMap<_, Twox64Concat, DeviceId, ProverState>;

	/// Where the idle-time fault sweep is.
	#[pallet::storage]
	pub type Sweep<T: Config> = StorageValue<_, SweepState, ValueQuery>;

	/// Published deals (and closed ones until their proposal's activation deadline), by id.
	#[pallet::storage]
	pub type Deals<T: Config> = StorageMap<_, Identity, DealId, DealOf<T>, OptionQuery>;

	/// The one device keeping each data root, in a live sector, a live (published or active)
	/// deal, or both: a root is committed once on the whole chain, so one stored copy backs
	/// one sector. A sector with a root that a deal of its device waits for activates the
	/// deal; a deal published for a root only a sector of another device keeps, with no deal
	/// paying for it, evicts that sector (see [`crate::deals`]: a root seen in a pending
	/// publication cannot be squatted with a sector). Roots are the clients' choice: hashed.
	#[pallet::storage]
	pub type RootHolders<T: Config> =
		StorageMap<_, Blake2_128Concat, H256, RootHolder, OptionQuery>;

	/// Every deal kept in [`Deals`], by client: the runtime API's pages of a client's deals.
	#[pallet::storage]
	pub type ClientDeals<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Identity, DealId, (), OptionQuery>;

	/// Every deal kept in [`Deals`], by device.
	#[pallet::storage]
	pub type DeviceDeals<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DeviceId, Identity, DealId, (), OptionQuery>;

	/// The active deal of each sector.
	#[pallet::storage]
	pub type SectorDeals<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DeviceId, Twox64Concat, SectorIndex, DealId, OptionQuery>;

	/// The number the next permanent deal gets.
	#[pallet::storage]
	pub type NextPermanentId<T: Config> = StorageValue<_, PermanentId, ValueQuery>;

	/// Permanent deals, by number.
	#[pallet::storage]
	pub type Permanents<T: Config> = StorageMap<_, Twox64Concat, PermanentId, PermanentOf<T>>;

	/// The permanent replica each root belongs to, while the replica is not over: only its
	/// tranches may publish or commit it.
	#[pallet::storage]
	pub type PermanentRoots<T: Config> =
		StorageMap<_, Blake2_128Concat, H256, (PermanentId, u32), OptionQuery>;

	/// The permanent deal and replica each live tranche pays for.
	#[pallet::storage]
	pub type Tranches<T: Config> = StorageMap<_, Identity, DealId, (PermanentId, u32)>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A storage device committed a sector.
		SectorCommitted {
			/// The device.
			device: DeviceId,
			/// The sector's number.
			sector: SectorIndex,
			/// The Merkle root.
			root: H256,
			/// The chunk count.
			chunks: u32,
			/// The first epoch that challenges it.
			first_challenge: EpochIndex,
		},
		/// A sector was removed; its space is free again.
		SectorRemoved {
			/// The device.
			device: DeviceId,
			/// The sector.
			sector: SectorIndex,
		},
		/// A storage proof was accepted.
		StorageProofAccepted {
			/// The device.
			device: DeviceId,
			/// The sector.
			sector: SectorIndex,
			/// The epoch it answers.
			epoch: EpochIndex,
			/// Points earned: the fee of the epoch its sector's deal paid, in `FeePerPoint`s;
			/// none for a sector without a deal paying the epoch.
			points: u64,
		},
		/// A proof in a batch was rejected; nothing of it was stored.
		ItemRejected {
			/// Its position in the batch.
			index: u32,
			/// The device it claimed to be from.
			device: DeviceId,
			/// Why.
			error: DispatchError,
		},
		/// A batch was processed.
		BatchProcessed {
			/// Proofs accepted.
			accepted: u32,
			/// Proofs rejected (each reported by `ItemRejected`).
			rejected: u32,
		},
		/// A device missed proofs.
		FaultsRecorded {
			/// The device.
			device: DeviceId,
			/// Epochs missed, counted now.
			missed: u32,
			/// Epochs in a row with a missed proof.
			consecutive: u32,
		},
		/// A device missed too many epochs in a row: it is suspended and its deposit slashed.
		SuspendedForFaults {
			/// The device.
			device: DeviceId,
			/// Epochs in a row with a missed proof.
			consecutive: u32,
		},
		/// A deal was published: the client's payment and both collaterals are held.
		DealPublished {
			/// The deal (its proposal's hash).
			deal: DealId,
			/// The client.
			client: T::AccountId,
			/// The device.
			device: DeviceId,
			/// The replica's root.
			root: H256,
			/// What each proven epoch pays.
			epoch_price: BalanceOf<T>,
		},
		/// A proposal in a batch was refused; nothing of it was stored or held.
		ProposalRejected {
			/// Its position in the batch.
			index: u32,
			/// The deal it would have been.
			deal: DealId,
			/// Why.
			error: DispatchError,
		},
		/// A publication batch was processed.
		ProposalsProcessed {
			/// Deals published.
			accepted: u32,
			/// Proposals refused (each reported by `ProposalRejected`).
			rejected: u32,
		},
		/// A sector without a deal was removed because a deal was published for its root on
		/// another device: a root is kept once, and a deal's claim comes before a copy nobody
		/// pays for. (Only once its challenge of the epoch is answered or past its deadline.)
		SectorEvicted {
			/// The device that kept the copy.
			device: DeviceId,
			/// The sector.
			sector: SectorIndex,
			/// The root.
			root: H256,
			/// The deal that claimed it.
			deal: DealId,
		},
		/// A deal's sector was committed: it pays from `first_epoch` on.
		DealActivated {
			/// The deal.
			deal: DealId,
			/// The device.
			device: DeviceId,
			/// The sector.
			sector: SectorIndex,
			/// The first epoch it pays for.
			first_epoch: EpochIndex,
		},
		/// A deal's epochs up to `epoch` were counted as paid (in arrears: those since its last
		/// payment, when its sector passed the audit of `epoch`, or the last ones once the
		/// deal is over): `paid` is owed to the device's owner and `fee` is to be burned, out
		/// of the client's hold, moved when the deal is next settled (`settle_deal`) or ends.
		DealPaid {
			/// The deal.
			deal: DealId,
			/// The last epoch paid.
			epoch: EpochIndex,
			/// Owed to the device's owner.
			paid: BalanceOf<T>,
			/// The protocol fee.
			fee: BalanceOf<T>,
		},
		/// Epochs of a deal went unproven, up to an audit its sector missed: their prices go
		/// back to the client, with a slice of the provider's collateral each, when the deal is
		/// next settled.
		DealMissed {
			/// The deal.
			deal: DealId,
			/// Epochs missed, counted now.
			epochs: u32,
			/// Audits missed in a row (at an audit rate of one, epochs).
			in_row: u32,
		},
		/// What a deal's counted epochs owed has moved.
		DealSettled {
			/// The deal.
			deal: DealId,
			/// Paid to the device's owner for the proven epochs.
			paid: BalanceOf<T>,
			/// Their protocol fees, burned.
			fee: BalanceOf<T>,
			/// Released to the client for the missed epochs.
			refunded: BalanceOf<T>,
			/// Provider collateral paid to the client for them.
			penalty: BalanceOf<T>,
		},
		/// A client endowed a permanent deal: `endowment` is held on the pot for its replicas.
		PermanentDealCreated {
			/// The deal's number.
			id: PermanentId,
			/// The client.
			client: T::AccountId,
			/// Its replicas.
			replicas: u32,
			/// Paid in, for all of them.
			endowment: BalanceOf<T>,
		},
		/// A storage device took a permanent replica: the endowment pays a tranche (a term
		/// deal, `deal`, to the rest of the schedule year) for it.
		ReplicaTaken {
			/// The permanent deal.
			id: PermanentId,
			/// The replica.
			replica: u32,
			/// The tranche.
			deal: DealId,
			/// The device.
			device: DeviceId,
			/// Its epochs.
			epochs: EpochIndex,
			/// Taken from the endowment for them.
			payment: BalanceOf<T>,
		},
		/// A permanent replica's tranche ended: what it did not spend, and any collateral its
		/// provider forfeited, went back to the replica's endowment, and the replica is open
		/// to any storage device (first to its last one, if the tranche completed).
		ReplicaOpened {
			/// The permanent deal.
			id: PermanentId,
			/// The replica.
			replica: u32,
			/// Why its tranche ended.
			reason: DealEnd,
			/// Its endowment now.
			left: BalanceOf<T>,
		},
		/// A permanent replica's schedule is over (its price reached nothing, or what is left
		/// cannot pay an epoch): what was left is burned.
		ReplicaExhausted {
			/// The permanent deal.
			id: PermanentId,
			/// The replica.
			replica: u32,
			/// Burned.
			burned: BalanceOf<T>,
		},
		/// Every replica of a permanent deal is over: its record is forgotten.
		PermanentDealOver {
			/// The permanent deal.
			id: PermanentId,
		},
		/// A deal ended; every hold it had is settled.
		DealEnded {
			/// The deal.
			deal: DealId,
			/// Why.
			reason: DealEnd,
			/// Paid out of the provider's collateral to the client.
			provider_penalty: BalanceOf<T>,
			/// Paid out of the client's collateral to the provider.
			client_fee: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No such device in the registry.
		UnknownDevice,
		/// Only storage devices commit sectors and answer storage challenges.
		NotStorageDevice,
		/// The device is suspended or retired; resume it first.
		DeviceNotActive,
		/// Only the device's owner or manager may do this.
		NotDeviceOperator,
		/// A sector needs at least one chunk.
		EmptySector,
		/// The sector's tree would be deeper than `MaxTreeDepth`; split the data.
		SectorTooLarge,
		/// The device's sectors would exceed its declared capacity.
		CapacityExceeded,
		/// The device has `MaxSectorsPerDevice` sectors; remove one first.
		TooManySectors,
		/// The device has no such sector.
		UnknownSector,
		/// The sector's challenge of this epoch is still open: answer it, or wait for the
		/// deadline, then remove the sector. (A publication that would evict a sector of the
		/// root from another device waits the same way.)
		ChallengeOpen,
		/// The batch is empty.
		EmptyBatch,
		/// The epoch has not started: its challenge does not exist yet.
		EpochNotStarted,
		/// The epoch is over; only the current epoch's challenges can be answered.
		StaleEpoch,
		/// The current epoch's response window has closed.
		DeadlinePassed,
		/// The sector is not challenged in this epoch: the epoch does not audit its device
		/// ([`Config::AuditRate`]), or the sector was committed in it, or the device was
		/// resumed during it (challenged from the next audit).
		SectorNotChallenged,
		/// The sector was already proven in this epoch.
		AlreadyProven,
		/// The proof must carry exactly `ChallengesPerSector` chunks.
		WrongChallengeCount,
		/// A chunk path does not have the sector's tree depth.
		WrongPathLength,
		/// A chunk is not at the index the challenge asked for.
		WrongChunkIndex,
		/// The device key did not sign this proof for this chain, device, sector, epoch and
		/// challenge.
		BadSignature,
		/// A chunk and its path do not lead to the sector's root.
		InvalidMerkleProof,
		/// The sector has more chunks than a `u32` index reaches, or another overflow.
		Overflow,
		/// The root is kept by a live sector or deal (on any device): each replica must be
		/// distinct (the client tool seals each with its own key), and one copy backs one
		/// sector.
		DuplicateRoot,
		/// The sector's size is not its deal's.
		DealSizeMismatch,
		/// The proposal was published before (or ended and awaits its deadline).
		DuplicateProposal,
		/// The proposal's activation deadline has passed.
		ProposalExpired,
		/// The proposal's activation deadline is further ahead than `MaxActivationDelay`.
		DeadlineTooFar,
		/// A deal lasts 1 to `MaxDealDuration` epochs.
		BadDuration,
		/// The proposal's price per GiB is below `MinDealPrice`.
		PriceTooLow,
		/// The client's signature of the proposal is not valid.
		BadClientSignature,
		/// The client cannot cover the deal's payment and collateral.
		ClientCannotPay,
		/// The publishing operator cannot cover the provider's collateral and the deposit.
		ProviderCannotPay,
		/// No such deal.
		UnknownDeal,
		/// Only the deal's client, its publisher or its device's operator may end it.
		NotDealParty,
		/// The deal is over.
		DealClosed,
		/// Nothing to settle: the deal is up to date.
		NothingToSettle,
		/// A permanent deal needs at least one replica.
		NoReplicas,
		/// Two replicas of the deal have one root: each must be distinct.
		RepeatedRoot,
		/// The endowment would be more than the client's `max_endowment`.
		EndowmentTooHigh,
		/// No such permanent deal.
		UnknownPermanent,
		/// The permanent deal has no such replica.
		UnknownReplica,
		/// A tranche keeps the replica: it is taken until the tranche ends.
		ReplicaNotOpen,
		/// The replica is reserved for another device until its reservation's block.
		ReservedForAnother,
		/// The replica's schedule is over: nothing is left to pay for it.
		ReplicaOver,
		/// A tranche's provider collateral must be at least a schedule year's payment of the
		/// deal's dearest replica at the first year's price.
		CollateralTooLow,
		/// This device's tranche of the replica failed: it may not take the replica again
		/// before its bar's block.
		DeviceBarred,
		/// The deal's epochs are over: its client may not end it. It completes when its
		/// device's next audit pays its last epochs, or counts them missed (`settle_deal`).
		DealOver,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Sectors committed at genesis, `(device, root, chunks)`: each is committed by its
		/// device's owner and checked as `commit_sector` checks it (a genesis device of the
		/// storage kind, a distinct root, within its capacity), and is challenged from epoch 1.
		/// A chain that starts with data under proof: the load harness's devices
		/// (`depin-provider bench`), which could not all commit in their first epoch.
		pub sectors: alloc::vec::Vec<(DeviceId, H256, u32)>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (device, root, chunks) in &self.sectors {
				let Some(owner) = T::Registry::device(*device).map(|d| d.owner) else {
					panic!("genesis sector {root:?} is of device {device}, which does not exist");
				};
				if let Err(error) = Pallet::<T>::do_commit_sector(owner, *device, *root, *chunks) {
					panic!("genesis sector {root:?} of device {device} is invalid: {error:?}");
				}
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep_faults(remaining)
		}

		fn integrity_test() {
			assert!(
				T::ChallengesPerSector::get() >= 1
					&& T::ChallengesPerSector::get() <= T::MaxChallengesPerSector::get(),
				"ChallengesPerSector must be within 1..=MaxChallengesPerSector"
			);
			assert!(
				T::MaxTreeDepth::get() < depin_merkle::MAX_DEPTH,
				"MaxTreeDepth must be below 32, so that 2^depth chunks fit a u32"
			);
			assert!(T::FaultThreshold::get() >= 1, "FaultThreshold must be at least 1");
			assert!(T::MaxBatch::get() >= 1, "MaxBatch must be at least 1");
			assert!(T::MaxProposals::get() >= 1, "MaxProposals must be at least 1");
			assert!(T::EpochsPerYear::get() >= 1, "EpochsPerYear must be at least 1");
			assert!(
				depin_primitives::deals::endowment::halving_years(T::EndowmentDecline::get())
					.is_some(),
				"EndowmentDecline must be at least about 0.1 %: a price must halve within 700 years"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Commit a sector of a storage device: the Merkle `root` of `chunks` 1 KiB chunks.
		///
		/// By the device's owner or manager; the device must be active and the sectors must
		/// fit its declared capacity. The sector is challenged from the next epoch on. A root in
		/// a live deal is committed once: if a published deal is waiting for it, the deal must
		/// be this device's and of this size, and it activates. (Charged the most a deal's end
		/// costs on top: a deal past its deadline fails here.)
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::commit_sector()
			.saturating_add(Pallet::<T>::settle_weight())
			.saturating_add(Pallet::<T>::deal_end_weight()))]
		pub fn commit_sector(
			origin: OriginFor<T>,
			device: DeviceId,
			root: H256,
			chunks: u32,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_commit_sector(who, device, root, chunks)
		}

		/// Remove a sector. Its challenge of this epoch must be answered or past its deadline
		/// (or the sector committed in this epoch). Anyone may clean up the sectors of a
		/// device that no longer exists. A deal on the sector ends, failed by the provider:
		/// its collateral goes to the client, so only the deal's publisher may remove it.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_sector()
			.saturating_add(Pallet::<T>::settle_weight())
			.saturating_add(Pallet::<T>::deal_end_weight()))]
		pub fn remove_sector(
			origin: OriginFor<T>,
			device: DeviceId,
			sector: SectorIndex,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_sector(who, device, sector)
		}

		/// Submit storage proofs for any devices. Each proof is checked on its own: an accepted
		/// one emits `StorageProofAccepted`, a rejected one `ItemRejected` with the reason,
		/// and the weight of the work not done is refunded. Operational: proofs have deadlines,
		/// so they keep the block space normal transactions cannot fill (see the runtime's
		/// `proofs_keep_block_space_when_normal_transactions_fill_the_block`).
		#[pallet::call_index(2)]
		#[pallet::weight((Pallet::<T>::storage_proofs_weight(proofs), DispatchClass::Operational))]
		pub fn submit_storage_proofs(
			origin: OriginFor<T>,
			proofs: StorageProofsOf<T>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_submit_storage_proofs(proofs)
		}

		/// Publish deal proposals signed by their clients, for devices the caller operates.
		/// Each is checked on its own (`DealPublished`, or `ProposalRejected` with the reason):
		/// the client's payment for the whole duration and its collateral are held, and from
		/// the caller the provider's collateral and the deal's storage deposit. A proposal for a
		/// root the device already keeps in a sector without a deal (a renewal) activates on
		/// that sector at once; one for a root only another device's sector without a deal
		/// keeps evicts that sector (charged up front, refunded when neither happens).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::publish_deals(proposals.len() as u32).saturating_add(
			Pallet::<T>::root_claim_weight().saturating_mul(proposals.len() as u64)
		))]
		pub fn publish_deals(
			origin: OriginFor<T>,
			proposals: SignedProposalsOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_publish_deals(who, proposals)
		}

		/// End a deal early: by its client (the client's collateral goes to the provider), or
		/// by its publisher or its device's operator (the provider's collateral goes to the
		/// client). The client's unspent payment is released either way; the sector stays,
		/// unpaid.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::terminate_deal())]
		pub fn terminate_deal(origin: OriginFor<T>, deal: DealId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_terminate_deal(who, deal)
		}

		/// Bring a deal up to date, by anyone: count the epochs it missed, move what its
		/// counted epochs owe (the proven ones' prices to the device's owner, their fees
		/// burned; the missed ones' back to the client with the collateral slices), end it at
		/// `MaxMissesInRow` misses in a row or once its last epoch is counted, fail it if its
		/// activation deadline passed without its sector, and forget a closed deal whose
		/// deadline has passed.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::settle_deal())]
		pub fn settle_deal(origin: OriginFor<T>, deal: DealId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_settle_deal(deal)
		}

		/// Make a permanent deal: pay once, now, for `replicas` kept for as long as their
		/// endowment lasts, at `price_per_gib` for a GiB for an epoch in the first schedule
		/// year, less `EndowmentDecline` each year after (see [`crate::permanent`]). Each
		/// replica's endowment is the most its schedule can cost, and is held on the pot,
		/// outliving the caller's account; at most `max_endowment` in all is taken. Each
		/// replica is reserved for its device for `MaxActivationDelay`, then any storage
		/// device may take it (`take_replica`), staking `provider_collateral`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::create_permanent_deal(replicas.len() as u32))]
		pub fn create_permanent_deal(
			origin: OriginFor<T>,
			replicas: ReplicaSpecsOf<T>,
			price_per_gib: BalanceOf<T>,
			provider_collateral: BalanceOf<T>,
			max_endowment: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_create_permanent_deal(
				who,
				replicas,
				price_per_gib,
				provider_collateral,
				max_endowment,
			)
		}

		/// Take an open replica of a permanent deal for `device`, which the caller operates:
		/// the endowment pays a tranche, a term deal with the pot as its client, at the
		/// schedule year's price, to the end of the year (or what is left pays for); the
		/// caller stakes the deal's collateral and deposit. Then commit the replica's root as
		/// a sector before the tranche's activation deadline, as for any deal; a device that
		/// keeps the root from the tranche before renews it at once.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::take_replica().saturating_add(Pallet::<T>::root_claim_weight()))]
		pub fn take_replica(
			origin: OriginFor<T>,
			id: PermanentId,
			replica: u32,
			device: DeviceId,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_take_replica(who, id, replica, device)
		}
	}
}
