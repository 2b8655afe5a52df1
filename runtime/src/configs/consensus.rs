//! Block production (BABE), finality (GRANDPA), sessions and the validator set.
//!
//! The validator set is kept by `pallet_collator_selection` used as a permissioned validator
//! set: its invulnerables are the validators, changed by [`ValidatorSetOrigin`] (root today, a
//! governance track later) with `add_invulnerable`, `remove_invulnerable` and
//! `set_invulnerables`. Open candidacy is disabled (`MaxCandidates = 0`). A change takes effect
//! two sessions later, at a BABE epoch boundary, for validators that have set session keys.
//!
//! Equivocations: a node that sees two BABE blocks of one validator for the same slot, or two
//! GRANDPA votes of one validator in the same round and stage, submits the two signed messages
//! with a proof that the key was the validator's in that session (the session's historical
//! root, kept for [`KeptSessions`] sessions). The offences pallet records the offence once, and
//! [`RemoveEquivocators`] disables the validator at once (its blocks are refused from the next
//! one) and removes it from the set, which takes effect two sessions later. A permissioned set
//! has no stake to slash: removal is the penalty, and governance may add the validator back.

use alloc::vec::Vec;

use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
	weights::Weight,
	PalletId,
};
use frame_system::{EnsureRoot, RawOrigin};
use pallet_collator_selection::{IdentityCollator, WeightInfo as _};
use pallet_session::{disabling::UpToLimitWithReEnablingDisablingStrategy, historical};
use sp_runtime::{traits::OpaqueKeys, Perbill};
use sp_staking::{
	offence::{OffenceDetails, OffenceSeverity, OnOffenceHandler},
	SessionIndex,
};

use crate::{
	AccountId, Babe, Balances, Historical, Offences, Runtime, RuntimeEvent, Session, SessionKeys,
	ValidatorSet, EPOCH_DURATION_IN_BLOCKS, EPOCH_DURATION_IN_SLOTS, MILLI_SECS_PER_BLOCK, UNITS,
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
	type KeyOwnerProof = KeyOwnerProof;
	type EquivocationReportSystem =
		pallet_babe::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	/// A GRANDPA set changes at most once a session (or when governance forces it), so the
	/// sets of the sessions whose roots are kept stay reportable.
	type MaxSetIdSessionEntries = ConstU64<{ KEPT_SESSIONS as u64 }>;
	type KeyOwnerProof = KeyOwnerProof;
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

/// How many sessions back an equivocation can be proven: a day of ten-minute sessions. Nodes
/// report an equivocation when they import it, so a day is margin for a node that was away.
pub const KEPT_SESSIONS: SessionIndex = 144;

parameter_types! {
	/// The sessions whose validator sets' roots [`Historical`] keeps.
	pub const KeptSessions: SessionIndex = KEPT_SESSIONS;
	/// How long an equivocation report may wait in a node's transaction pool, in blocks: as
	/// long as its key-ownership proof can be checked.
	pub const ReportLongevity: u64 =
		(KEPT_SESSIONS as u64).saturating_mul(EPOCH_DURATION_IN_BLOCKS as u64);
}

/// The proof that a BABE or GRANDPA key was a validator's in a session: a path in the
/// session's validator trie, whose root [`Historical`] keeps.
pub type KeyOwnerProof = sp_session::MembershipProof;

impl historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// No stake stands behind a validator of a permissioned set: the account is its identity.
	type FullIdentification = ();
	type FullIdentificationOf = IdentifiedByAccount;
}

/// Every validator's full identification is its account ([`historical::Config`]).
pub struct IdentifiedByAccount;
impl sp_runtime::traits::Convert<AccountId, Option<()>> for IdentifiedByAccount {
	fn convert(_: AccountId) -> Option<()> {
		Some(())
	}
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = historical::IdentificationTuple<Self>;
	type OnOffenceHandler = RemoveEquivocators;
}

/// What an offence (an equivocation, the only kind reported here) does to a validator: it is
/// disabled in the current session at once (the session pallet's disabling strategy: BABE
/// refuses its blocks, up to a third of the set), and removed from the validator set (the
/// invulnerables of `pallet_collator_selection`), which it leaves two session boundaries later;
/// in the session between, [`ValidatorSetWithHistory`] disables it again. The last validator
/// stays: the set is never emptied. An offence of several validators in one
/// slot or round lists earlier offenders again; for them nothing changes.
pub struct RemoveEquivocators;

impl RemoveEquivocators {
	/// The most one offender costs: its disabling (the validators and the disabled list read,
	/// the list and BABE's and GRANDPA's disabling digests written) and its removal from a
	/// full set.
	pub fn weight_per_offender() -> Weight {
		<Runtime as frame_system::Config>::DbWeight::get().reads_writes(2, 3).saturating_add(
			<Runtime as pallet_collator_selection::Config>::WeightInfo::remove_invulnerable(
				MAX_AUTHORITIES,
			),
		)
	}
}

impl OnOffenceHandler<AccountId, historical::IdentificationTuple<Runtime>, Weight>
	for RemoveEquivocators
{
	fn on_offence(
		offenders: &[OffenceDetails<AccountId, historical::IdentificationTuple<Runtime>>],
		slash_fraction: &[Perbill],
		_session: SessionIndex,
	) -> Weight {
		let mut weight = Weight::zero();
		for (details, fraction) in offenders.iter().zip(slash_fraction) {
			let (validator, ()) = &details.offender;
			// The fraction a staking chain would slash ranks offenders when the disabling limit
			// is reached: a graver offence re-enables a lighter one.
			Session::report_offence(validator.clone(), OffenceSeverity(*fraction));
			// Refused (and nothing changed) when the validator was already removed, or is the
			// last one.
			let _ = ValidatorSet::remove_invulnerable(RawOrigin::Root.into(), validator.clone());
			weight = weight.saturating_add(Self::weight_per_offender());
		}
		weight
	}
}

/// The session manager: the validator set (`pallet_collator_selection`) with the root of each
/// session's set noted for key-ownership proofs, and the roots older than [`KeptSessions`]
/// pruned (without staking, nothing else prunes them).
pub type ValidatorSessions = historical::NoteHistoricalRoot<Runtime, ValidatorSetWithHistory>;

/// [`ValidatorSet`] as the historical session manager [`historical::NoteHistoricalRoot`]
/// wraps: each validator with its (empty) full identification.
pub struct ValidatorSetWithHistory;

impl pallet_session::SessionManager<AccountId> for ValidatorSetWithHistory {
	fn new_session(new_index: SessionIndex) -> Option<Vec<AccountId>> {
		Historical::prune_up_to(new_index.saturating_sub(KEPT_SESSIONS));
		<ValidatorSet as pallet_session::SessionManager<_>>::new_session(new_index)
	}
	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<AccountId>> {
		<ValidatorSet as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
	}
	fn start_session(start_index: SessionIndex) {
		<ValidatorSet as pallet_session::SessionManager<_>>::start_session(start_index);
		// A new session enables every validator again, but the set it runs with was planned a
		// session ago: a validator removed since (for an offence, or by governance) is in it.
		// It is on its way out, and authors no more blocks: disabled again, within the
		// strategy's limit of a third of the set.
		let set = pallet_collator_selection::Invulnerables::<Runtime>::get();
		for validator in Session::validators() {
			if !set.contains(&validator) {
				Session::report_offence(validator, OffenceSeverity(Perbill::one()));
			}
		}
	}
	fn end_session(end_index: SessionIndex) {
		<ValidatorSet as pallet_session::SessionManager<_>>::end_session(end_index)
	}
}

impl historical::SessionManager<AccountId, ()> for ValidatorSetWithHistory {
	fn new_session(new_index: SessionIndex) -> Option<Vec<(AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session(new_index)
			.map(|validators| validators.into_iter().map(|v| (v, ())).collect())
	}
	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<(AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
			.map(|validators| validators.into_iter().map(|v| (v, ())).collect())
	}
	fn start_session(start_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::start_session(start_index)
	}
	fn end_session(end_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::end_session(end_index)
	}
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
	type SessionManager = ValidatorSessions;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = UpToLimitWithReEnablingDisablingStrategy;
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	/// Held while an account has session keys set, against spam in the key registry.
	type KeyDeposit = ConstU128<UNITS>;
}
