//! Constants of the chain: the native token and time.

/// The native token: 12 decimals, symbol `DPN`.
pub mod currency {
	use crate::Balance;

	/// Number of decimals of the native token.
	pub const DECIMALS: u8 = 12;
	/// The ticker of the native token.
	pub const TOKEN_SYMBOL: &str = "DPN";
	/// One whole token, in plancks.
	pub const UNITS: Balance = 1_000_000_000_000;
	/// A thousandth of a token.
	pub const MILLI_UNITS: Balance = UNITS / 1_000;
	/// A millionth of a token.
	pub const MICRO_UNITS: Balance = MILLI_UNITS / 1_000;

	/// The smallest balance an account may hold; below it the account is reaped.
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNITS;
}

/// Block and epoch timing. BABE produces one slot every [`time::SLOT_DURATION`] milliseconds.
pub mod time {
	use crate::BlockNumber;

	/// Target block time. BABE slots have the same length: with the secondary VRF slots
	/// enabled, every slot has an author, so this is also the block time.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6_000;
	/// BABE slot duration.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

	// Time is measured by number of blocks.
	/// Blocks per minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks per hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks per day.
	pub const DAYS: BlockNumber = HOURS * 24;
	/// Blocks per (Julian) year: 365.25 days.
	pub const YEARS: BlockNumber = DAYS * 36_525 / 100;

	/// Length of a BABE epoch, which is also a session (the validator set can change at each
	/// epoch boundary). Ten minutes keeps validator changes and tests quick; a larger network
	/// would choose an hour or more.
	pub const EPOCH_DURATION_IN_BLOCKS: BlockNumber = 10 * MINUTES;
	/// The same length in slots.
	pub const EPOCH_DURATION_IN_SLOTS: u64 = EPOCH_DURATION_IN_BLOCKS as u64;

	/// The probability of a slot having a primary author is `PRIMARY_PROBABILITY.0 /
	/// PRIMARY_PROBABILITY.1`; the other slots go to a secondary (VRF) author.
	pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);
}
