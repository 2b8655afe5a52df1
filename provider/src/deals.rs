//! Storage deals, the client's side and the provider's checks. A client proposes to pay a
//! storage device, epoch by epoch, for keeping a replica of its data: it signs a
//! [`DealProposal`] (the data's Merkle root and chunk count, the price of a GiB for an epoch,
//! the duration, both collaterals, an activation deadline) with its account key and hands it
//! to the device's operator, who publishes it (`proofs.publish_deals`) and commits the data
//! as a sector before the deadline, which activates the deal. The client signs the chain's
//! own enveloped proposal (`depin_primitives::deals`, under [`DEAL_CONTEXT`]), so what is
//! signed here is what the runtime checks, and the deal's id is the proposal's hash
//! ([`DealProposal::id`]).
//!
//! The signed proposal travels as JSON ([`ClientProposal`]): readable, and checked on arrival
//! (the chain, the signature, the terms, the device: [`check_before_publish`]) before the
//! provider spends a transaction on it.

use anyhow::{anyhow, bail, Context, Result};
use depin_primitives::{
	deals::{epoch_price, DealProposal, SignedProposal, DEAL_CONTEXT},
	device::{DeviceKind, DeviceStatus},
};
use serde::{Deserialize, Serialize};
use sp_core::{crypto::AccountId32, sr25519, Pair as _, H256};
use subxt_signer::sr25519::Keypair;

use crate::{
	chain::{Balance, BlockNumber, ChainDevice},
	depin::runtime_types::sp_runtime::MultiSignature,
};

/// A deal proposal, with the runtime's types.
pub type Proposal = DealProposal<AccountId32, Balance, BlockNumber>;
/// A proposal with its client's signature, ready for `proofs.publish_deals`.
pub type Signed = SignedProposal<AccountId32, Balance, BlockNumber, MultiSignature>;
/// A deal as `DepinApi::deal` returns it.
pub type Deal = depin_primitives::deals::Deal<AccountId32, Balance, BlockNumber>;

/// The longest deal the runtime takes, in epochs (its `MaxDealDuration`: five years of hourly
/// epochs). Checked here only to refuse a proposal before a transaction is spent on it.
pub const MAX_DURATION: u32 = 43_800;
/// How far ahead of the block publishing it a proposal's activation deadline may be (the
/// runtime's `MaxActivationDelay`: a day of blocks).
pub const MAX_ACTIVATION_DELAY: BlockNumber = 14_400;

/// The bytes the client signs.
pub fn proposal_message(genesis: H256, proposal: &Proposal) -> Vec<u8> {
	depin_primitives::envelope::message(DEAL_CONTEXT, genesis, proposal)
}

/// What each proven epoch of `proposal` pays (`price_per_gib × bytes / GiB`, rounded up), if
/// it fits a balance.
pub fn epoch_price_of(proposal: &Proposal) -> Option<Balance> {
	epoch_price(proposal.price_per_gib, proposal.bytes())
}

/// What publishing `proposal` holds from its client: every epoch's price and the client's
/// collateral.
pub fn client_hold(proposal: &Proposal) -> Option<Balance> {
	epoch_price_of(proposal)?
		.checked_mul(Balance::from(proposal.duration))?
		.checked_add(proposal.client_collateral)
}

/// The client's signature of `proposal` on the chain of `genesis`, as `publish_deals` takes
/// it.
pub fn sign(genesis: H256, proposal: &Proposal, client: &Keypair) -> Signed {
	let signature = client.sign(&proposal_message(genesis, proposal));
	SignedProposal { proposal: proposal.clone(), signature: MultiSignature::Sr25519(signature.0) }
}

/// A deal id from its `0x…` hex (64 digits).
pub fn parse_deal_id(text: &str) -> Result<H256> {
	let bytes = hex::decode(text.trim().trim_start_matches("0x"))
		.map_err(|_| anyhow!("`{text}` is not a deal id (0x and 64 hex digits)"))?;
	let raw: [u8; 32] = bytes
		.try_into()
		.map_err(|_| anyhow!("`{text}` is not a deal id (0x and 64 hex digits)"))?;
	Ok(H256(raw))
}

/// A proposal signed by its client (sr25519 account key), as the client hands it over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientProposal {
	/// The genesis hash of the chain the proposal is for (`0x…`).
	pub genesis: String,
	/// The client's SS58 address.
	pub client: String,
	pub device: u64,
	/// The data's Merkle root (`0x…`).
	pub root: String,
	pub chunks: u32,
	/// The price of a GiB for an epoch in planck, as a decimal string (JSON numbers lose
	/// precision).
	pub price_per_gib: String,
	/// The last block at which the sector may be committed.
	pub activation_deadline: BlockNumber,
	/// Epochs paid for.
	pub duration: u32,
	/// Planck held from the operator who publishes the deal (the device's owner or manager),
	/// a decimal string.
	pub provider_collateral: String,
	/// Planck held from the client, a decimal string.
	pub client_collateral: String,
	/// The client's sr25519 signature of the enveloped proposal (`0x…`, 64 bytes).
	pub signature: String,
}

impl ClientProposal {
	/// The client's signature of `proposal` on the chain of `genesis`.
	pub fn sign(genesis: H256, proposal: &Proposal, client: &Keypair) -> Self {
		let signature = client.sign(&proposal_message(genesis, proposal));
		Self {
			genesis: format!("{genesis:?}"),
			client: proposal.client.to_string(),
			device: proposal.device,
			root: format!("{:?}", proposal.root),
			chunks: proposal.chunks,
			price_per_gib: proposal.price_per_gib.to_string(),
			activation_deadline: proposal.activation_deadline,
			duration: proposal.duration,
			provider_collateral: proposal.provider_collateral.to_string(),
			client_collateral: proposal.client_collateral.to_string(),
			signature: format!("0x{}", hex::encode(signature.0)),
		}
	}

	/// The proposal it carries (not yet checked against its signature: see
	/// [`Self::verify`]).
	pub fn proposal(&self) -> Result<Proposal> {
		let client: AccountId32 = self.client.parse().map_err(|_| {
			anyhow!("the proposal's client `{}` is not an SS58 address", self.client)
		})?;
		let root = hex::decode(self.root.trim_start_matches("0x"))
			.ok()
			.and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
			.map(H256)
			.ok_or_else(|| {
				anyhow!(
					"the proposal's root `{}` is not a Merkle root (0x and 64 hex digits)",
					self.root
				)
			})?;
		let planck = |what: &str, text: &str| {
			text.parse::<Balance>()
				.map_err(|_| anyhow!("the proposal's {what} `{text}` is not a planck amount"))
		};
		Ok(Proposal {
			client,
			device: self.device,
			root,
			chunks: self.chunks,
			price_per_gib: planck("price per GiB", &self.price_per_gib)?,
			activation_deadline: self.activation_deadline,
			duration: self.duration,
			provider_collateral: planck("provider collateral", &self.provider_collateral)?,
			client_collateral: planck("client collateral", &self.client_collateral)?,
		})
	}

	fn signature(&self) -> Result<[u8; 64]> {
		let bytes = hex::decode(self.signature.trim_start_matches("0x"))
			.context("the proposal's signature is not hex")?;
		bytes.try_into().map_err(|_| anyhow!("the proposal's signature is not 64 bytes (sr25519)"))
	}

	/// Check that it is for the chain of `genesis` and that the client's signature holds.
	pub fn verify(&self, genesis: H256) -> Result<Proposal> {
		let ours = format!("{genesis:?}");
		if !self.genesis.eq_ignore_ascii_case(&ours) {
			bail!("the proposal is for the chain {}, not this one ({ours})", self.genesis);
		}
		let proposal = self.proposal()?;
		let raw: [u8; 32] = proposal.client.clone().into();
		let public = sr25519::Public::from_raw(raw);
		let signature = sr25519::Signature::from_raw(self.signature()?);
		if !sr25519::Pair::verify(&signature, proposal_message(genesis, &proposal), &public) {
			bail!("the client's signature does not match the proposal");
		}
		Ok(proposal)
	}

	/// The verified proposal with its signature: what `proofs.publish_deals` takes.
	pub fn signed(&self, genesis: H256) -> Result<Signed> {
		let proposal = self.verify(genesis)?;
		Ok(SignedProposal { proposal, signature: MultiSignature::Sr25519(self.signature()?) })
	}

	/// The deal's id: the hash of the proposal it carries.
	pub fn id(&self) -> Result<H256> {
		Ok(self.proposal()?.id())
	}
}

/// Check a proposal's own terms as the chain will at the block after `best`: the deadline
/// not passed nor too far ahead, a duration the runtime takes, some data, a positive price
/// that fits a balance. What each refusal corresponds to is the runtime's error of the same
/// case (`ProposalExpired`, `DeadlineTooFar`, `BadDuration`, `EmptySector`, `PriceTooLow`,
/// `Overflow`); the price's floor (`DealMinPrice`, a parameter) is left to the chain.
pub fn check_terms(proposal: &Proposal, best: BlockNumber) -> Result<()> {
	if proposal.activation_deadline <= best {
		bail!(
			"the proposal's activation deadline (block {}) has passed (now {best}): ask the \
			 client for a new proposal",
			proposal.activation_deadline
		);
	}
	if proposal.activation_deadline > best.saturating_add(MAX_ACTIVATION_DELAY) {
		bail!(
			"the proposal's activation deadline (block {}) is more than {MAX_ACTIVATION_DELAY} \
			 blocks ahead (now {best}): the chain refuses it",
			proposal.activation_deadline
		);
	}
	if proposal.duration == 0 || proposal.duration > MAX_DURATION {
		bail!("a deal lasts 1 to {MAX_DURATION} epochs, not {}", proposal.duration);
	}
	if proposal.chunks == 0 {
		bail!("the proposal is for no data (0 chunks)");
	}
	let price = epoch_price_of(proposal)
		.ok_or_else(|| anyhow!("the proposal's price per GiB is too large to pay"))?;
	if price == 0 {
		bail!("the proposal pays nothing (its price per GiB is 0)");
	}
	client_hold(proposal)
		.ok_or_else(|| anyhow!("the proposal's payment over its duration is too large to hold"))?;
	Ok(())
}

/// Check a proposal before `publisher` publishes it for `device` (its id, as the chain
/// holds it): its terms ([`check_terms`]), then the device — a storage device, active, that
/// `publisher` operates — as `publish_deals` will.
pub fn check_before_publish(
	proposal: &Proposal,
	best: BlockNumber,
	device: (u64, &ChainDevice),
	publisher: &AccountId32,
) -> Result<()> {
	let (id, device) = device;
	if proposal.device != id {
		bail!("the proposal is for device {}, not device {id}", proposal.device);
	}
	check_terms(proposal, best)?;
	if device.kind != DeviceKind::Storage {
		bail!("device {id} is not a storage device: only storage devices take deals");
	}
	match &device.status {
		DeviceStatus::Active => {},
		DeviceStatus::Suspended => {
			bail!("device {id} is suspended: it cannot take deals until it is resumed")
		},
		DeviceStatus::Retired { .. } => bail!("device {id} is retired: it cannot take deals"),
	}
	if !device.is_operator(publisher) {
		bail!(
			"device {id} is {}'s and {publisher} does not manage it: only its owner or manager \
			 publishes its deals (--suri)",
			device.owner
		);
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use depin_primitives::device::{DeviceKey, DeviceMetadata};

	fn alice() -> Keypair {
		Keypair::from_uri(&"//Alice".parse().unwrap()).unwrap()
	}

	fn me() -> AccountId32 {
		AccountId32::new(alice().public_key().0)
	}

	fn proposal() -> Proposal {
		Proposal {
			client: me(),
			device: 4,
			root: H256::repeat_byte(3),
			chunks: 64,
			price_per_gib: 16_384_000_000_000_000,
			activation_deadline: 700,
			duration: 1_000,
			provider_collateral: 5_000_000_000_000,
			client_collateral: 1_000_000_000_000,
		}
	}

	fn device(owner: AccountId32) -> ChainDevice {
		ChainDevice {
			key: DeviceKey::Ed25519(sp_core::ed25519::Public::from_raw([1; 32])),
			owner,
			manager: None,
			kind: DeviceKind::Storage,
			location: depin_primitives::h3::H3Cell::new(0x8c1f1d48945d9ff).unwrap(),
			capacity: 1 << 20,
			metadata: DeviceMetadata::default(),
			status: DeviceStatus::Active,
			registered_at: 1,
			location_changed_at: 1,
			deposit: 0,
			faults: 0,
		}
	}

	#[test]
	fn a_client_proposal_round_trips_and_signs_what_the_chain_checks() {
		let genesis = H256::repeat_byte(7);
		let signed = ClientProposal::sign(genesis, &proposal(), &alice());
		let text = serde_json::to_string(&signed).unwrap();
		assert!(text.contains("\"pricePerGib\":\"16384000000000000\""), "{text}");
		let back: ClientProposal = serde_json::from_str(&text).unwrap();
		assert_eq!(back, signed);
		assert_eq!(back.verify(genesis).unwrap(), proposal());

		let for_chain = back.signed(genesis).unwrap();
		assert_eq!(for_chain.proposal, proposal());
		let MultiSignature::Sr25519(sig) = for_chain.signature else {
			panic!("an sr25519 client signature")
		};
		assert!(sr25519::Pair::verify(
			&sr25519::Signature::from_raw(sig),
			proposal_message(genesis, &proposal()),
			&sr25519::Public::from_raw(alice().public_key().0)
		));
		// Signed directly, the same proposal verifies the same way.
		let MultiSignature::Sr25519(direct) = sign(genesis, &proposal(), &alice()).signature else {
			panic!("an sr25519 client signature")
		};
		assert!(sr25519::Pair::verify(
			&sr25519::Signature::from_raw(direct),
			proposal_message(genesis, &proposal()),
			&sr25519::Public::from_raw(alice().public_key().0)
		));
	}

	#[test]
	fn the_deal_id_is_the_proposals_hash() {
		let genesis = H256::repeat_byte(7);
		let signed = ClientProposal::sign(genesis, &proposal(), &alice());
		assert_eq!(signed.id().unwrap(), proposal().id());
		let hash = sp_crypto_hashing::blake2_256(&codec::Encode::encode(&proposal()));
		assert_eq!(signed.id().unwrap(), H256(hash));
		let id = format!("{:?}", proposal().id());
		assert_eq!(parse_deal_id(&id).unwrap(), proposal().id());
		assert!(parse_deal_id("0x1234").is_err());
		assert!(parse_deal_id("zz").is_err());
	}

	#[test]
	fn a_changed_foreign_or_garbled_proposal_is_refused() {
		let genesis = H256::repeat_byte(7);
		let signed = ClientProposal::sign(genesis, &proposal(), &alice());
		let error = signed.verify(H256::repeat_byte(8)).unwrap_err().to_string();
		assert!(error.contains("is for the chain"), "{error}");
		let cheaper = ClientProposal { price_per_gib: "1".into(), ..signed.clone() };
		let error = cheaper.verify(genesis).unwrap_err().to_string();
		assert!(error.contains("signature does not match"), "{error}");
		let longer = ClientProposal { duration: 1_001, ..signed.clone() };
		assert!(longer.verify(genesis).unwrap_err().to_string().contains("signature"));
		let short = ClientProposal { signature: "0x1234".into(), ..signed.clone() };
		assert!(short.verify(genesis).unwrap_err().to_string().contains("64 bytes"));
		let root = ClientProposal { root: "0x12".into(), ..signed.clone() };
		assert!(root.verify(genesis).unwrap_err().to_string().contains("not a Merkle root"));
		let price = ClientProposal { price_per_gib: "-1".into(), ..signed.clone() };
		assert!(price.verify(genesis).unwrap_err().to_string().contains("not a planck amount"));
		let client = ClientProposal { client: "bob".into(), ..signed };
		assert!(client.verify(genesis).unwrap_err().to_string().contains("SS58"));
		let unknown = r#"{"genesis":"0x00","extra":1}"#;
		assert!(serde_json::from_str::<ClientProposal>(unknown).is_err());
	}

	#[test]
	fn a_64_kib_sector_at_16384_dpn_a_gib_costs_1_dpn_an_epoch() {
		assert_eq!(epoch_price_of(&proposal()), Some(1_000_000_000_000));
		assert_eq!(client_hold(&proposal()), Some(1_001_000_000_000_000));
	}

	#[test]
	fn proposals_are_checked_before_they_are_published() {
		let owner = me();
		let mine = device(owner.clone());
		let check = |p: &Proposal, best, d: &ChainDevice, who: &AccountId32| {
			check_before_publish(p, best, (4, d), who).map_err(|e| e.to_string())
		};
		assert!(check(&proposal(), 100, &mine, &owner).is_ok());
		assert!(check(&proposal(), 700, &mine, &owner).unwrap_err().contains("has passed"));
		assert!(check(&proposal(), 1, &mine, &owner).is_ok());
		let far = Proposal { activation_deadline: 100 + MAX_ACTIVATION_DELAY + 1, ..proposal() };
		assert!(check(&far, 100, &mine, &owner).unwrap_err().contains("ahead"));
		let free = Proposal { price_per_gib: 0, ..proposal() };
		assert!(check(&free, 100, &mine, &owner).unwrap_err().contains("pays nothing"));
		let endless = Proposal { duration: MAX_DURATION + 1, ..proposal() };
		assert!(check(&endless, 100, &mine, &owner).unwrap_err().contains("1 to"));
		let other = Proposal { device: 5, ..proposal() };
		assert!(check(&other, 100, &mine, &owner).unwrap_err().contains("device 5"));
		let stranger = AccountId32::new([9; 32]);
		assert!(check(&proposal(), 100, &mine, &stranger).unwrap_err().contains("only its owner"));
		let managed = ChainDevice { manager: Some(stranger.clone()), ..mine.clone() };
		assert!(check(&proposal(), 100, &managed, &stranger).is_ok());
		let suspended = ChainDevice { status: DeviceStatus::Suspended, ..mine.clone() };
		assert!(check(&proposal(), 100, &suspended, &owner).unwrap_err().contains("suspended"));
		let radio = ChainDevice { kind: DeviceKind::Coverage, ..mine };
		assert!(check(&proposal(), 100, &radio, &owner).unwrap_err().contains("storage"));
	}
}
