//! Block production (BABE), finality (GRANDPA), sessions and the validator set.
//!
//! The validator set is kept by `pallet_collator_selection` used as a permissioned validator
//! set: its invulnerables are the validators, changed by [`ValidatorSetOrigin`] (root today, a
//! governance track later) with `add_invulnerable`, `remove_invulnerable` and
//! `set_invulnerables`. Open candidacy is disabled (`MaxCandidates = 0`). A change takes effect
//! two sessions later, at a BABE epoch boundary, for validators that have set session keys.

use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
	PalletId,
};
use frame_system::EnsureRoot;
use pallet_collator_selection::IdentityCollator;
use pallet_session::disabling::UpToLimitWithReEnablingDisablingStrategy;
use sp_runtime::traits::OpaqueKeys;

use crate::{
	AccountId, Babe, Balances, Runtime, RuntimeEvent, Session, SessionKeys, ValidatorSet,
	EPOCH_DURATION_IN_BLOCKS, EPOCH_DURATION_IN_SLOTS, MILLI_SECS_PER_BLOCK, UNITS,
};

/// Who may change the validator set: root, or a referendum on the validators track.
pub type ValidatorSetOrigin = frame_support::traits::EitherOfDiverse<
	EnsureRoot<AccountId>,
	crate::governance::pallet_custom_origins::ValidatorAdmin,
>;

/// Upper bound on the number of validators (BABE and GRANDPA authorities).
pub const MAX_AUTHORITIES: u32 = 100;

impl pallet_babe::Config for Runtime {
	type EpochDuration = ConstU64<EPOCH_DURATION_IN_SLOTS>;
	type ExpectedBlockTime = ConstU64<MILLI_SECS_PER_BLOCK>;
	/// Epochs change when the session pallet rotates sessions.
	type EpochChangeTrigger = pallet_babe::ExternalTrigger;
	type DisabledValidators = Session;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	// Equivocation reports need historical session proofs and an offences pallet; both arrive
	// with slashing of validators.
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Babe>;
	/// Each block counts for its author's share of the validators' rewards.
	type EventHandler = crate::Emission;
}

parameter_types! {
	/// Account of the validator-set pallet (unused while open candidacy is disabled).
	pub const ValidatorSetPotId: PalletId = PalletId(*b"dpn/vset");
	/// A validator that authors no block for this long would be removed, were it a candidate.
	pub const KickThreshold: crate::BlockNumber = 2 * EPOCH_DURATION_IN_BLOCKS;
}

impl pallet_collator_selection::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type UpdateOrigin = ValidatorSetOrigin;
	type PotId = ValidatorSetPotId;
	/// Permissioned validator set: no open candidacy.
	type MaxCandidates = ConstU32<0>;
	/// The set can never be emptied by removals.
	type MinEligibleCollators = ConstU32<1>;
	type MaxInvulnerables = ConstU32<MAX_AUTHORITIES>;
	type KickThreshold = KickThreshold;
	type ValidatorId = AccountId;
	type ValidatorIdOf = IdentityCollator;
	/// Only accounts with session keys can be added.
	type ValidatorRegistration = Session;
	type WeightInfo = pallet_collator_selection::weights::SubstrateWeight<Runtime>;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = IdentityCollator;
	/// Sessions are BABE epochs.
	type ShouldEndSession = Babe;
	type NextSessionRotation = Babe;
	type SessionManager = ValidatorSet;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = UpToLimitWithReEnablingDisablingStrategy;
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	/// Held while an account has session keys set, against spam in the key registry.
	type KeyDeposit = ConstU128<UNITS>;
}
