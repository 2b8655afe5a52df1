//! # DePIN runtime
//!
//! The FRAME runtime of the DePIN appchain: BABE block production (whose VRF randomness will
//! drive proof challenges), GRANDPA finality, a validator set governed by a privileged origin
//! (root for now), the native token with transaction fees, and the DePIN pallets as they land.
//!
//! Layout: `configs/` configures the pallets (one file per concern), `apis.rs` implements the
//! runtime APIs, `genesis_config_presets.rs` holds the `development`, `local_testnet` and
//! `testnet` presets, `constants.rs` the token and time constants.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` and `impl_runtime_apis` need a high recursion limit.
#![recursion_limit = "256"]

// Make the Wasm binary available for the node (native builds only).
#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
mod apis;
pub mod configs;
pub mod constants;
pub mod genesis_config_presets;
pub mod governance;
pub mod pool;

// The runtime as it runs; scripts/test.sh also compiles it with the benchmark features, in
// which the proof pallets pay no rewards (see configs/depin.rs).
#[cfg(all(test, not(feature = "runtime-benchmarks")))]
mod tests;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use apis::RuntimeApi;
pub use constants::{currency::*, time::*};
pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;

/// An index to a block.
pub type BlockNumber = u32;
/// A transaction signature: sr25519, ed25519 or ECDSA.
pub type Signature = MultiSignature;
/// Some way of identifying an account on the chain: the public key of its signer.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account.
pub type Balance = u128;
/// Index of a transaction in the chain.
pub type Nonce = u32;
/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;
/// The hashing algorithm used by the chain.
pub type Hashing = BlakeTwo256;
/// Milliseconds since the Unix epoch, as set by the timestamp inherent.
pub type Moment = u64;

/// Opaque types: what the node needs to know about the runtime without knowing its calls.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, Hashing>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
	/// Opaque block hash type.
	pub type Hash = <Hashing as sp_runtime::traits::Hash>::Output;
}

impl_opaque_keys! {
	/// The session keys of a validator: BABE for block production, GRANDPA for finality.
	pub struct SessionKeys {
		pub babe: Babe,
		pub grandpa: Grandpa,
	}
}

/// The runtime version. Bump `spec_version` with every runtime change that is deployed, and
/// `transaction_version` whenever the encoding of calls or transaction extensions changes.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("depin"),
	impl_name: alloc::borrow::Cow::Borrowed("depin-node"),
	authoring_version: 1,
	spec_version: 116,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 3,
	system_version: 1,
};

/// The BABE epoch configuration at genesis: a primary slot probability of 1/4, and secondary
/// VRF slots so that every slot has an author (also with a single validator).
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: PRIMARY_PROBABILITY,
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, Hashing>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block that has been signed by GRANDPA's finality proof.
pub type SignedBlock = generic::SignedBlock<Block>;
/// BlockId type as expected by this runtime.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions that every signed transaction carries, in this order.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pool::ChargeAndRank,
	frame_system::WeightReclaim<Runtime>,
);

/// The transaction extensions of a signed transaction, in the runtime's order, for signers
/// outside the runtime (the node's `benchmark extrinsic`, the end-to-end tests, tools).
pub fn tx_extension(era: generic::Era, nonce: Nonce, tip: Balance) -> TxExtension {
	(
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(era),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pool::ChargeAndRank::from(tip),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// All migrations of the runtime, aside from the ones declared in the pallets. Add the storage
/// migrations of a release here (as `VersionedMigration`s).
#[allow(unused_parens)]
type Migrations = (
	pallet_coverage::migrations::V0ToV1<Runtime>,
	pallet_coverage::migrations::V1ToV2<Runtime>,
	pallet_coverage::migrations::V2ToV3<Runtime>,
	pallet_coverage::migrations::V3ToV4<Runtime>,
	pallet_devices::migrations::V0ToV1<Runtime>,
	pallet_epochs::migrations::MoveClock<Runtime, ProofsPalletName>,
	pallet_proofs::migrations::V0ToV1<Runtime>,
	pallet_proofs::migrations::V1ToV2<Runtime>,
	pallet_jobs::migrations::MoveFromCompute<Runtime, ComputePalletName, ComputeJobHold>,
	pallet_emission::migrations::V0ToV1<Runtime>,
	pallet_emission::migrations::V1ToV2<Runtime>,
	pallet_sensors::migrations::V0ToV1<Runtime>,
);

frame_support::parameter_types! {
	/// The pallet the proving clock was deployed under before it had its own.
	pub const ProofsPalletName: &'static str = "Proofs";
	/// The pallet jobs were deployed under before they had their own.
	pub const ComputePalletName: &'static str = "Compute";
	/// What job payments were held for before jobs had a pallet of their own.
	pub ComputeJobHold: RuntimeHoldReason =
		RuntimeHoldReason::Compute(pallet_compute::HoldReason::JobPayment);
}

/// Executive: handles dispatch to the various modules.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// The runtime: every pallet with an explicit, stable index. Never reuse or reorder an index of
/// a pallet that has been deployed: it is part of the encoding of calls, events and storage.
#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	// Core.
	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Utility = pallet_utility;

	// Consensus. The order matters for genesis: the validator set is read by the session
	// pallet, which hands the keys to BABE and GRANDPA.
	#[runtime::pallet_index(10)]
	pub type Babe = pallet_babe;
	#[runtime::pallet_index(11)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(12)]
	pub type ValidatorSet = pallet_collator_selection;
	#[runtime::pallet_index(13)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(14)]
	pub type Grandpa = pallet_grandpa;
	// The roots of past sessions' validator sets, for the key-ownership proofs of
	// equivocation reports, and the offences they report.
	#[runtime::pallet_index(15)]
	pub type Historical = pallet_session::historical;
	#[runtime::pallet_index(16)]
	pub type Offences = pallet_offences;

	// Monetary.
	#[runtime::pallet_index(20)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(21)]
	pub type TransactionPayment = pallet_transaction_payment;

	// DePIN. After Balances, so genesis devices can hold their deposits.
	#[runtime::pallet_index(30)]
	pub type Devices = pallet_devices;
	// The proving clock (added after the others, hence its index): declared before every
	// proof pallet, so its `on_initialize` runs first and each sees a new epoch in the block
	// that starts it.
	#[runtime::pallet_index(34)]
	pub type Epochs = pallet_epochs;
	#[runtime::pallet_index(31)]
	pub type Proofs = pallet_proofs;
	// After Epochs: it judges the beacons of an epoch from the block the next one starts in.
	#[runtime::pallet_index(32)]
	pub type Coverage = pallet_coverage;
	// After Epochs: it sees each new epoch in the block it starts, and draws the reveal seed
	// when the commit window closes.
	#[runtime::pallet_index(33)]
	pub type Compute = pallet_compute;
	// Jobs, moved out of Compute (hence its index).
	#[runtime::pallet_index(35)]
	pub type Jobs = pallet_jobs;
	// After Epochs: it reads the epoch and its seed.
	#[runtime::pallet_index(36)]
	pub type Sensors = pallet_sensors;

	// Governance: OpenGov.
	#[runtime::pallet_index(40)]
	pub type Preimage = pallet_preimage;
	#[runtime::pallet_index(41)]
	pub type Scheduler = pallet_scheduler;
	#[runtime::pallet_index(42)]
	pub type Referenda = pallet_referenda;
	#[runtime::pallet_index(43)]
	pub type ConvictionVoting = pallet_conviction_voting;
	#[runtime::pallet_index(44)]
	pub type Origins = governance::pallet_custom_origins;
	#[runtime::pallet_index(45)]
	pub type Treasury = pallet_treasury;
	#[runtime::pallet_index(46)]
	pub type Parameters = pallet_parameters;
	#[runtime::pallet_index(47)]
	pub type GuardedParameters = pallet_guarded_parameters;

	// Token emission. Last of the pallets with a genesis that mints (balances, treasury): its
	// genesis records the total issuance its books start from.
	#[runtime::pallet_index(48)]
	pub type Emission = pallet_emission;

	// Administration, until governance takes over (testnet and mainnet have no sudo key).
	#[runtime::pallet_index(90)]
	pub type Sudo = pallet_sudo;
}
