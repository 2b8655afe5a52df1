//! How the transaction pool ranks transactions: proofs that verify first, proofs that do not
//! last.
//!
//! Proofs have deadlines: a device that misses its response window takes a fault, and enough
//! faults in a row suspend it and slash its deposit. FRAME ranks a transaction by the fee and
//! tip it pays per share of a block, with a bonus for operational ones (all proof
//! submissions are). Under a flood that is not enough: junk proofs (a forged signature, a
//! wrong chunk) are operational too and pay about what an honest proof pays, so a flood of
//! them outranked the honest ones and starved them out of the pool, and outranked every
//! normal transaction as well (docs/security.md, findings 19 and 20; docs/spam.md).
//!
//! [`ChargeAndRank`] is FRAME's `ChargeTransactionPayment` (it charges the same fees and has
//! the same identifier and encoding, so wallets and tools see no change) with one more step
//! when the pool validates a proof submission: it runs the block's own check of every item on
//! the pool's state (nothing kept; [`depin_proving::batch::all_accepted`]).
//!
//! - Every item would be accepted: the submission ranks above any transaction that is not a
//!   verified proof ([`VERIFIED_PROOF_PRIORITY`] on top of its fee's rank): the pool keeps it
//!   and the block builder takes it first.
//! - Some item would be refused: it ranks as a normal transaction of its size and tip, without
//!   the operational bonus, so junk never outranks a transfer paying the same per block share.
//!   It is still valid: the block charges its fee, and refused items pay what their check
//!   cost.
//!
//! Blocks do not run the check (the priority of a transaction already in a block means
//! nothing), so it costs no block weight. The pool's work is bounded by the batch: the items
//! are checked until the first refusal, each at the cost its benchmark charges in a block, and
//! an item that gets past the cheap checks needs the device's key or the honest device's own
//! proof.

use crate::{Runtime, RuntimeCall};
use codec::{Decode, DecodeWithMemTracking, Encode};
use frame_support::dispatch::{DispatchClass, DispatchInfo, PostDispatchInfo};
use pallet_transaction_payment::{ChargeTransactionPayment, Pre, Val};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{DispatchInfoOf, DispatchOriginOf, Implication, TransactionExtension, ValidateResult},
	transaction_validity::{TransactionPriority, TransactionSource, TransactionValidityError},
	DispatchResult, Weight,
};

/// What a verified proof submission adds to the rank of its fee: half the range, above any
/// fee or tip a transaction could pay (the rank of a tip saturates far below it).
pub const VERIFIED_PROOF_PRIORITY: TransactionPriority = TransactionPriority::MAX / 2;

/// Whether every item of a proof submission would be accepted by a block now; `None` for a
/// call that is not a proof submission.
pub fn proof_verified(call: &RuntimeCall) -> Option<bool> {
	Some(match call {
		RuntimeCall::Proofs(pallet_proofs::Call::submit_storage_proofs { proofs }) => {
			crate::Proofs::would_accept_all(proofs)
		},
		RuntimeCall::Coverage(pallet_coverage::Call::submit_beacons { bundles }) => {
			crate::Coverage::would_accept_all(bundles)
		},
		RuntimeCall::Compute(pallet_compute::Call::commit_work { commits }) => {
			crate::Compute::would_accept_all_commits(commits)
		},
		RuntimeCall::Compute(pallet_compute::Call::reveal_work { reveals }) => {
			crate::Compute::would_accept_all_reveals(reveals)
		},
		_ => return None,
	})
}

/// FRAME's `ChargeTransactionPayment`, ranking proof submissions by whether they verify (see
/// the module's documentation). Same identifier, encoding and type information.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, Debug)]
pub struct ChargeAndRank(pub ChargeTransactionPayment<Runtime>);

impl ChargeAndRank {
	/// Pays `tip` on top of the fee.
	pub fn from(tip: crate::Balance) -> Self {
		Self(ChargeTransactionPayment::from(tip))
	}
}

impl TypeInfo for ChargeAndRank {
	type Identity = ChargeTransactionPayment<Runtime>;

	fn type_info() -> scale_info::Type {
		ChargeTransactionPayment::<Runtime>::type_info()
	}
}

impl TransactionExtension<RuntimeCall> for ChargeAndRank {
	const IDENTIFIER: &'static str = ChargeTransactionPayment::<Runtime>::IDENTIFIER;
	type Implicit = ();
	type Val = Val<Runtime>;
	type Pre = Pre<Runtime>;

	fn weight(&self, call: &RuntimeCall) -> Weight {
		self.0.weight(call)
	}

	fn validate(
		&self,
		origin: DispatchOriginOf<RuntimeCall>,
		call: &RuntimeCall,
		info: &DispatchInfoOf<RuntimeCall>,
		len: usize,
		self_implicit: (),
		inherited_implication: &impl Implication,
		source: TransactionSource,
	) -> ValidateResult<Self::Val, RuntimeCall> {
		let (mut valid, val, origin) = self.0.validate(
			origin,
			call,
			info,
			len,
			self_implicit,
			inherited_implication,
			source,
		)?;
		if source != TransactionSource::InBlock {
			if let Val::Charge { tip, fee_with_tip, .. } = &val {
				if let Some(verified) = proof_verified(call) {
					valid.priority = rank(verified, info, len, *tip, *fee_with_tip);
				}
			}
		}
		Ok((valid, val, origin))
	}

	fn prepare(
		self,
		val: Self::Val,
		origin: &DispatchOriginOf<RuntimeCall>,
		call: &RuntimeCall,
		info: &DispatchInfoOf<RuntimeCall>,
		len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		self.0.prepare(val, origin, call, info, len)
	}

	fn post_dispatch_details(
		pre: Self::Pre,
		info: &DispatchInfo,
		post_info: &PostDispatchInfo,
		len: usize,
		result: &DispatchResult,
	) -> Result<Weight, TransactionValidityError> {
		ChargeTransactionPayment::<Runtime>::post_dispatch_details(
			pre, info, post_info, len, result,
		)
	}
}

/// The rank of a proof submission of `info` and `len` paying `tip` and `fee_with_tip`:
/// verified, its fee's rank on top of [`VERIFIED_PROOF_PRIORITY`]; not, the rank of a normal
/// transaction like it.
fn rank(
	verified: bool,
	info: &DispatchInfo,
	len: usize,
	tip: crate::Balance,
	fee_with_tip: crate::Balance,
) -> TransactionPriority {
	if verified {
		let own = ChargeTransactionPayment::<Runtime>::get_priority(info, len, tip, fee_with_tip);
		VERIFIED_PROOF_PRIORITY.saturating_add(own)
	} else {
		let normal = DispatchInfo { class: DispatchClass::Normal, ..*info };
		ChargeTransactionPayment::<Runtime>::get_priority(&normal, len, tip, fee_with_tip)
	}
}
