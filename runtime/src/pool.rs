//! How the transaction pool ranks transactions: proof submissions that make progress first,
//! junk last.
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
//! the same identifier, type and encoding, so wallets and tools see no change) with one more
//! step when the pool validates a proof submission: it runs the block's own checks of the
//! items on the pool's state, keeping nothing ([`depin_proving::batch::makes_progress`]).
//!
//! - It makes progress (an item adds a proof, a beacon, a witness, a commitment or a reveal,
//!   and no item is refused, though some may be work already done, such as a proof a copy of
//!   it proved first): it ranks above any other transaction ([`PROOF_PRIORITY`] on
//!   top of its fee's rank). The pool keeps it and the block builder takes it first.
//! - It does not: it ranks as a normal transaction of its size and tip, without the
//!   operational bonus, so junk never outranks a transfer paying as much per block share. It
//!   is still valid: a block takes it when there is room, and it pays its fee.
//!
//! Blocks do not run the check (the rank of a transaction in a block means nothing), so it
//! costs no block weight. The pool charges nobody for it, so it stops at the first refused
//! item and after [`POOL_CHECK_BUDGET`] of the items' benchmarked weight: a submission that
//! needs more to be checked is not ranked first (split it). An item that gets past the cheap
//! checks needs the device's key, or a copy of a device's proof still in the pool.

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

/// What a proof submission that makes progress adds to the rank of its fee: half the range, above any
/// fee or tip a transaction could pay (the rank of a tip saturates far below it).
pub const PROOF_PRIORITY: TransactionPriority = TransactionPriority::MAX / 2;

/// The most weight the pool's check spends on one transaction: 50 ms of the reference
/// machine's time (a solo chain has no proof-of-validity size to bound).
pub const POOL_CHECK_BUDGET: Weight = Weight::from_parts(
	50 * frame_support::weights::constants::WEIGHT_REF_TIME_PER_MILLIS,
	u64::MAX,
);

/// Whether a proof submission makes progress now (see the module's documentation); `None` for
/// a call that is not a proof submission.
pub fn proof_makes_progress(call: &RuntimeCall) -> Option<bool> {
	Some(match call {
		RuntimeCall::Proofs(pallet_proofs::Call::submit_storage_proofs { proofs }) => {
			crate::Proofs::makes_progress(proofs, POOL_CHECK_BUDGET)
		},
		RuntimeCall::Coverage(pallet_coverage::Call::submit_beacons { bundles }) => {
			crate::Coverage::makes_progress(bundles, POOL_CHECK_BUDGET)
		},
		RuntimeCall::Compute(pallet_compute::Call::commit_work { commits }) => {
			crate::Compute::commits_make_progress(commits, POOL_CHECK_BUDGET)
		},
		RuntimeCall::Compute(pallet_compute::Call::reveal_work { reveals }) => {
			crate::Compute::reveals_make_progress(reveals, POOL_CHECK_BUDGET)
		},
		_ => return None,
	})
}

/// FRAME's `ChargeTransactionPayment`, ranking proof submissions by whether they make
/// progress (see the module's documentation). Same identifier, encoding and type information.
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
				if let Some(progress) = proof_makes_progress(call) {
					valid.priority = rank(progress, info, len, *tip, *fee_with_tip);
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

/// The rank of a proof submission of `info` and `len` paying `tip` and `fee_with_tip`: if it
/// makes progress, its fee's rank on top of [`PROOF_PRIORITY`]; if not, the rank of a
/// normal transaction like it.
fn rank(
	progress: bool,
	info: &DispatchInfo,
	len: usize,
	tip: crate::Balance,
	fee_with_tip: crate::Balance,
) -> TransactionPriority {
	if progress {
		let own = ChargeTransactionPayment::<Runtime>::get_priority(info, len, tip, fee_with_tip);
		PROOF_PRIORITY.saturating_add(own)
	} else {
		let normal = DispatchInfo { class: DispatchClass::Normal, ..*info };
		ChargeTransactionPayment::<Runtime>::get_priority(&normal, len, tip, fee_with_tip)
	}
}
