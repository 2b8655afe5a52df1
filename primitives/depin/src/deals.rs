//! Storage deals: a client pays a storage device, epoch by epoch, for keeping a replica of its
//! data, and only deal-backed storage earns from the storage pool.
//!
//! The client signs a [`DealProposal`] with its account key (under [`DEAL_CONTEXT`], bound to
//! the chain by the envelope's genesis hash); the device's operator publishes it. Publishing
//! holds the client's payment for the whole duration plus its collateral, and from the
//! publishing operator the provider's collateral and a storage deposit. The deal activates
//! when the device commits a sector whose root is the deal's data root, before the activation
//! deadline. Each epoch the sector is proven, that epoch's price moves from the client's hold
//! to the device's owner, less the protocol fee, which is burned; a missed epoch pays nothing
//! and moves a slice of the provider's collateral to the client. The deal's id is the
//! blake2-256 hash of the proposal's encoding, so a proposal is published at most once.

pub mod endowment;
pub mod permanent;

use crate::{device::DeviceId, envelope::Domain, epoch::EpochIndex, storage::SectorIndex};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// A deal's id: the blake2-256 hash of its proposal's SCALE encoding.
pub type DealId = H256;

/// A replica's Merkle root (`depin-merkle` over 1 KiB chunks): a sector's and a deal's.
pub type DataRoot = H256;

/// Context of a client's signature of a deal proposal.
pub const DEAL_CONTEXT: Domain = *b"depin/stor/deal_";

/// A gibibyte: prices are per GiB per epoch.
pub const GIB: u128 = 1 << 30;

/// What a client offers a storage device, and signs.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct DealProposal<AccountId, Balance, BlockNumber> {
	/// Who pays: the account whose key signs the proposal.
	pub client: AccountId,
	/// The storage device that keeps the replica.
	pub device: DeviceId,
	/// The replica's Merkle root (`depin-merkle`, 1 KiB chunks): the root of the sector that
	/// activates the deal.
	pub root: H256,
	/// The replica's chunk count.
	pub chunks: u32,
	/// The price of a GiB for an epoch; a deal pays at least one unit an epoch (see
	/// [`epoch_price`]).
	pub price_per_gib: Balance,
	/// The last block at which the sector may be committed.
	pub activation_deadline: BlockNumber,
	/// Proven epochs paid for, counted from the first epoch the sector is challenged in.
	pub duration: EpochIndex,
	/// Held from the operator that publishes the deal; paid to the client in slices for
	/// missed epochs, and whole if the provider fails the deal.
	pub provider_collateral: Balance,
	/// Held from the client; paid to the provider if the client ends the deal early (the
	/// client's termination fee).
	pub client_collateral: Balance,
}

impl<AccountId: Encode, Balance: Encode, BlockNumber: Encode>
	DealProposal<AccountId, Balance, BlockNumber>
{
	/// The deal's id.
	pub fn id(&self) -> DealId {
		H256(sp_io::hashing::blake2_256(&self.encode()))
	}

	/// The replica's size in bytes (whole chunks).
	pub fn bytes(&self) -> u64 {
		u64::from(self.chunks).saturating_mul(crate::storage::CHUNK_SIZE as u64)
	}
}

/// What an epoch of a deal costs: `price_per_gib × bytes / GiB`, rounded up, so that any deal
/// with a positive price pays something every epoch. `None` if it overflows a `u128`.
pub fn epoch_price(price_per_gib: u128, bytes: u64) -> Option<u128> {
	let product = price_per_gib.checked_mul(u128::from(bytes))?;
	Some(product.div_ceil(GIB))
}

/// A proposal with the client's signature, as a provider publishes it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct SignedProposal<AccountId, Balance, BlockNumber, Signature> {
	/// The proposal.
	pub proposal: DealProposal<AccountId, Balance, BlockNumber>,
	/// The client account's signature of the enveloped proposal (under [`DEAL_CONTEXT`]).
	pub signature: Signature,
}

/// A published deal.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Deal<AccountId, Balance, BlockNumber> {
	/// The proposal as the client signed it.
	pub proposal: DealProposal<AccountId, Balance, BlockNumber>,
	/// The device operator (owner or manager) that published the deal: the provider's
	/// collateral and the deal's storage deposit are held from it, and it may end the deal as
	/// the provider. The epochs' payments go to whoever owns the device when they are settled.
	pub provider: AccountId,
	/// Held from `provider` while the deal is stored (live, or closed until its activation
	/// deadline): whoever forgets it afterwards (`settle_deal`) returns it.
	pub deposit: Balance,
	/// What each proven epoch pays ([`epoch_price`]).
	pub epoch_price: Balance,
	/// The protocol fee out of each epoch's price, burned: fixed when the deal is published.
	pub epoch_fee: Balance,
	/// Paid to the client out of the provider's collateral for each missed epoch: fixed when
	/// the deal is published (the `MissSlash` share of the collateral then).
	pub miss_penalty: Balance,
	/// The provider's collateral still held.
	pub collateral_left: Balance,
	/// Where it stands.
	pub state: DealState,
}

/// A deal's progress.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum DealState {
	/// Published; waiting for its sector before the activation deadline.
	Published,
	/// Its sector is committed; each epoch from `first_epoch` on is paid when proven.
	Active(DealProgress),
	/// Over before its proposal's activation deadline: kept (holding nothing) until the
	/// deadline passes, so that the proposal cannot be published again.
	Closed,
}

/// An active deal's accounts. Epochs are counted when the sector is proven (or the deal
/// settled); money moves when the deal is settled or ends.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct DealProgress {
	/// The device's sector that holds the replica.
	pub sector: SectorIndex,
	/// The first epoch the sector is challenged in (and the deal pays for).
	pub first_epoch: EpochIndex,
	/// Every epoch up to this one is counted: paid, or missed.
	pub settled_through: EpochIndex,
	/// Missed epochs in a row, up to `settled_through`.
	pub misses_in_row: u32,
	/// Epochs paid (proven) so far.
	pub paid: u32,
	/// Epochs missed so far.
	pub missed: u32,
	/// Paid epochs whose price has moved to the provider and whose fee is burned.
	pub collected: u32,
	/// Missed epochs whose price has gone back to the client, with a slice of collateral.
	pub refunded: u32,
}

impl DealProgress {
	/// The last epoch a deal of `duration` epochs pays for.
	pub fn last_epoch(&self, duration: EpochIndex) -> EpochIndex {
		self.first_epoch.saturating_add(duration.saturating_sub(1))
	}
}

/// Why a deal ended, as its `DealEnded` event says.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum DealEnd {
	/// Every epoch of its duration is accounted for: the collaterals are released.
	Completed,
	/// Its sector was not committed before the activation deadline: the provider's collateral
	/// went to the client.
	NotActivated,
	/// Its sector missed too many epochs in a row: the provider's collateral went to the
	/// client.
	Faulted,
	/// The provider ended it (or removed its sector, or the device was removed): the
	/// provider's collateral went to the client.
	ProviderTerminated,
	/// The client ended it: the client's collateral went to the provider.
	ClientTerminated,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn an_epoch_costs_the_price_of_its_bytes_rounded_up() {
		assert_eq!(epoch_price(1 << 30, 1024), Some(1024));
		assert_eq!(epoch_price(1, 1024), Some(1));
		assert_eq!(epoch_price(0, 1024), Some(0));
		assert_eq!(epoch_price(3 << 30, 1 << 30), Some(3 << 30));
		assert_eq!(epoch_price(u128::MAX, 2), None);
	}

	#[test]
	fn a_deal_id_is_the_hash_of_its_proposal() {
		let proposal = DealProposal::<u64, u128, u32> {
			client: 1,
			device: 2,
			root: H256::repeat_byte(3),
			chunks: 64,
			price_per_gib: 10,
			activation_deadline: 100,
			duration: 24,
			provider_collateral: 5,
			client_collateral: 1,
		};
		let other = DealProposal { duration: 25, ..proposal.clone() };
		assert_eq!(proposal.id(), proposal.clone().id());
		assert_ne!(proposal.id(), other.id());
		assert_eq!(proposal.bytes(), 64 * 1024);
	}
}
