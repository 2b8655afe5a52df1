//! The native token (`pallet_balances`) and transaction fees (`pallet_transaction_payment`).

use frame_support::{
	parameter_types,
	traits::{
		fungible::{Balanced, Credit},
		ConstU128, ConstU32, ConstU8, Imbalance, OnUnbalanced, VariantCountOf,
	},
	weights::IdentityFee,
};
use pallet_transaction_payment::{FungibleAdapter, Multiplier, TargetedFeeAdjustment};
use sp_runtime::{traits::Bounded, FixedPointNumber, Perquintill};

use crate::{
	AccountId, Authorship, Balance, Balances, Runtime, RuntimeEvent, RuntimeFreezeReason,
	RuntimeHoldReason, EXISTENTIAL_DEPOSIT, MICRO_UNITS,
};

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	/// Dust below the existential deposit is burned.
	/// Dust of reaped accounts is burned, and counted by the emission pallet's books.
	type DustRemoval = pallet_emission::Burn<Runtime>;
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = frame_system::Pallet<Runtime>;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	/// Locks are deprecated in favour of freezes; a few remain for SDK pallets that use them.
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

/// Transaction fees and tips go to the author of the block that includes the transaction.
/// (A treasury cut arrives with governance.)
pub struct ToBlockAuthor;
impl OnUnbalanced<Credit<AccountId, Balances>> for ToBlockAuthor {
	fn on_unbalanceds(mut fees_then_tips: impl Iterator<Item = Credit<AccountId, Balances>>) {
		let Some(mut fees) = fees_then_tips.next() else { return };
		for tip in fees_then_tips {
			fees.subsume(tip);
		}
		match Authorship::author() {
			// An author that cannot receive the credit (it would stay below the existential
			// deposit) makes the credit drop, which burns it.
			Some(author) => {
				let _ = Balances::resolve(&author, fees);
			},
			None => drop(fees),
		}
	}
}

parameter_types! {
	/// Fee per byte of an extrinsic.
	pub const TransactionByteFee: Balance = MICRO_UNITS;
	/// The fee multiplier targets blocks a quarter full.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	/// How fast the multiplier reacts to full or empty blocks.
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(1, 100_000);
	/// Fees never fall below their base: weight stays priced after a quiet period, so
	/// stuffing the normal share of the blocks of a response window (450 blocks) costs at
	/// least 675 DPN in weight fees (`filling_the_blocks_of_a_response_window_costs_at_least_the_documented_amount`),
	/// and proof submissions are operational anyway (they keep the share normal transactions
	/// cannot fill). It was a billionth: after a quiet period a full block cost 0.0000000015
	/// DPN, and the slow adjustment took weeks of full blocks to reprice it.
	pub MinimumMultiplier: Multiplier = Multiplier::saturating_from_integer(1);
	/// No upper limit on the multiplier.
	pub MaximumMultiplier: Multiplier = Bounded::max_value();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ToBlockAuthor>;
	/// One planck per picosecond of weight: a balance transfer costs about 0.0002 DPN.
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = frame_support::weights::ConstantMultiplier<Balance, TransactionByteFee>;
	type FeeMultiplierUpdate = TargetedFeeAdjustment<
		Self,
		TargetBlockFullness,
		AdjustmentVariable,
		MinimumMultiplier,
		MaximumMultiplier,
	>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}
