//! Compute jobs, both parties' side. A consumer opens a job on a device (its payment held on
//! chain); when the work is done the consumer signs a receipt of the units delivered with its
//! account key and hands it to the provider, who co-signs it with the device key and submits
//! it. Both sign the chain's own enveloped [`JobReceipt`] (`depin_primitives`), so what is signed
//! here is what the runtime checks.
//!
//! The consumer's half travels as JSON ([`ConsumerReceipt`]): readable, and checked on arrival
//! (the chain, the job, the signature) before the provider spends a transaction on it.

use anyhow::{anyhow, bail, Context, Result};
use depin_primitives::compute::{self, JobReceipt, SignedReceipt, RECEIPT_CONTEXT};
use serde::{Deserialize, Serialize};
use sp_core::{crypto::AccountId32, sr25519, Pair as _, H256};
use subxt_signer::sr25519::Keypair;

use crate::{
	chain::{BlockNumber, Chain},
	depin::runtime_types::sp_runtime::MultiSignature,
	keystore::DevicePair,
};

/// The runtime's balance type.
pub type Balance = u128;
/// A receipt, with the runtime's types.
pub type Receipt = JobReceipt<AccountId32, Balance, BlockNumber>;
/// A receipt both parties signed, ready for `jobs.submit_receipts`.
pub type CoSigned = SignedReceipt<AccountId32, Balance, BlockNumber, MultiSignature>;
/// A job as `DepinApi::compute_job` returns it.
pub type Job = compute::Job<AccountId32, Balance, BlockNumber>;

/// The bytes both parties sign.
pub fn receipt_message(genesis: H256, receipt: &Receipt) -> Vec<u8> {
	depin_primitives::envelope::message(RECEIPT_CONTEXT, genesis, receipt)
}

/// A receipt signed by the consumer (sr25519 account key), as the consumer hands it over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsumerReceipt {
	/// The genesis hash of the chain the receipt is for (`0x…`).
	pub genesis: String,
	pub job: u64,
	/// The consumer's SS58 address.
	pub consumer: String,
	pub device: u64,
	pub units: u64,
	/// The price of a unit in planck, as a decimal string (JSON numbers lose precision).
	pub price: String,
	/// The block number the consumer confirmed the work at.
	pub timestamp: BlockNumber,
	/// The consumer's sr25519 signature of the payload (`0x…`, 64 bytes).
	pub consumer_signature: String,
}

impl ConsumerReceipt {
	/// The consumer's signature of `receipt` on the chain of `genesis`.
	pub fn sign(genesis: H256, receipt: &Receipt, consumer: &Keypair) -> Self {
		let signature = consumer.sign(&receipt_message(genesis, receipt));
		Self {
			genesis: format!("{genesis:?}"),
			job: receipt.job,
			consumer: receipt.consumer.to_string(),
			device: receipt.device,
			units: receipt.units,
			price: receipt.price.to_string(),
			timestamp: receipt.timestamp,
			consumer_signature: format!("0x{}", hex::encode(signature.0)),
		}
	}

	/// The receipt it carries.
	pub fn receipt(&self) -> Result<Receipt> {
		let consumer: AccountId32 = self.consumer.parse().map_err(|_| {
			anyhow!("the receipt's consumer `{}` is not an SS58 address", self.consumer)
		})?;
		let price = self
			.price
			.parse::<Balance>()
			.map_err(|_| anyhow!("the receipt's price `{}` is not a planck amount", self.price))?;
		Ok(Receipt {
			job: self.job,
			consumer,
			device: self.device,
			units: self.units,
			price,
			timestamp: self.timestamp,
		})
	}

	fn signature(&self) -> Result<[u8; 64]> {
		let bytes = hex::decode(self.consumer_signature.trim_start_matches("0x"))
			.context("the receipt's consumer signature is not hex")?;
		bytes
			.try_into()
			.map_err(|_| anyhow!("the receipt's consumer signature is not 64 bytes (sr25519)"))
	}

	/// Check that it is for the chain of `genesis` and that the consumer's signature holds.
	pub fn verify(&self, genesis: H256) -> Result<Receipt> {
		let ours = format!("{genesis:?}");
		if !self.genesis.eq_ignore_ascii_case(&ours) {
			bail!("the receipt is for the chain {}, not this one ({ours})", self.genesis);
		}
		let receipt = self.receipt()?;
		let raw: [u8; 32] = receipt.consumer.clone().into();
		let public = sr25519::Public::from_raw(raw);
		let signature = sr25519::Signature::from_raw(self.signature()?);
		if !sr25519::Pair::verify(&signature, receipt_message(genesis, &receipt), &public) {
			bail!("the consumer's signature does not match the receipt");
		}
		Ok(receipt)
	}

	/// Add the device key's signature: the receipt as `jobs.submit_receipts` takes it.
	pub fn co_sign(&self, genesis: H256, device_key: &DevicePair) -> Result<CoSigned> {
		let receipt = self.verify(genesis)?;
		let device_signature = device_key.sign(&receipt_message(genesis, &receipt));
		Ok(SignedReceipt {
			receipt,
			consumer_signature: MultiSignature::Sr25519(self.signature()?),
			device_signature,
		})
	}
}

/// Check a receipt against its job as the chain holds it, so that a provider learns what is
/// wrong before submitting: the same rules `submit_receipts` applies, cheapest first.
pub fn check_against(job: &Job, receipt: &Receipt, best: BlockNumber) -> Result<()> {
	if !matches!(job.status, compute::JobStatus::Open) {
		bail!("job {} already has a receipt", receipt.job);
	}
	if job.consumer != receipt.consumer
		|| job.device != receipt.device
		|| job.price != receipt.price
	{
		bail!(
			"the receipt does not match job {} (consumer {}, device {}, price {} planck)",
			receipt.job,
			job.consumer,
			job.device,
			job.price
		);
	}
	if receipt.units == 0 || receipt.units > job.max_units {
		bail!("job {} bills 1 to {} units, not {}", receipt.job, job.max_units, receipt.units);
	}
	if receipt.timestamp < job.opened_at || receipt.timestamp > best {
		bail!(
			"the receipt's timestamp {} is outside the job's life (opened at block {}, now {best})",
			receipt.timestamp,
			job.opened_at
		);
	}
	Ok(())
}

/// A job, if it exists.
pub async fn job(chain: &Chain, job: u64) -> Result<Option<Job>> {
	chain.api("compute_job", job).await
}

#[cfg(test)]
mod tests {
	use super::*;

	fn alice() -> Keypair {
		Keypair::from_uri(&"//Alice".parse().unwrap()).unwrap()
	}

	fn receipt(units: u64) -> Receipt {
		Receipt {
			job: 3,
			consumer: AccountId32::new(alice().public_key().0),
			device: 2,
			units,
			price: 1_000_000_000_000,
			timestamp: 40,
		}
	}

	fn job() -> Job {
		compute::Job {
			consumer: AccountId32::new(alice().public_key().0),
			device: 2,
			max_units: 10,
			price: 1_000_000_000_000,
			held: 10_000_000_000_000,
			opened_at: 30,
			status: compute::JobStatus::Open,
		}
	}

	#[test]
	fn a_consumer_receipt_round_trips_and_is_co_signed_as_the_chain_checks() {
		let genesis = H256::repeat_byte(7);
		let signed = ConsumerReceipt::sign(genesis, &receipt(5), &alice());
		let text = serde_json::to_string(&signed).unwrap();
		let back: ConsumerReceipt = serde_json::from_str(&text).unwrap();
		assert_eq!(back, signed);
		assert_eq!(back.verify(genesis).unwrap(), receipt(5));

		let device = DevicePair::Ed25519(sp_core::ed25519::Pair::from_seed(&[9; 32]));
		let co_signed = back.co_sign(genesis, &device).unwrap();
		let message = receipt_message(genesis, &receipt(5));
		assert!(device.public().verify(&message, &co_signed.device_signature));
		let MultiSignature::Sr25519(sig) = co_signed.consumer_signature else {
			panic!("an sr25519 consumer signature")
		};
		assert!(sr25519::Pair::verify(
			&sr25519::Signature::from_raw(sig),
			&message,
			&sr25519::Public::from_raw(alice().public_key().0)
		));
	}

	#[test]
	fn a_changed_or_foreign_receipt_is_refused() {
		let genesis = H256::repeat_byte(7);
		let signed = ConsumerReceipt::sign(genesis, &receipt(5), &alice());
		let error = signed.verify(H256::repeat_byte(8)).unwrap_err().to_string();
		assert!(error.contains("is for the chain"), "{error}");
		let inflated = ConsumerReceipt { units: 9, ..signed.clone() };
		let error = inflated.verify(genesis).unwrap_err().to_string();
		assert!(error.contains("signature does not match"), "{error}");
		let garbled = ConsumerReceipt { consumer_signature: "0x1234".into(), ..signed };
		assert!(garbled.verify(genesis).unwrap_err().to_string().contains("64 bytes"));
	}

	#[test]
	fn receipts_are_checked_against_their_job() {
		assert!(check_against(&job(), &receipt(5), 50).is_ok());
		let error = |r: Receipt, best| check_against(&job(), &r, best).unwrap_err().to_string();
		assert!(error(receipt(11), 50).contains("1 to 10 units"));
		assert!(error(receipt(0), 50).contains("1 to 10 units"));
		assert!(error(Receipt { timestamp: 20, ..receipt(5) }, 50).contains("outside"));
		assert!(error(receipt(5), 39).contains("outside"));
		assert!(error(Receipt { device: 4, ..receipt(5) }, 50).contains("does not match"));
		let mut done = job();
		done.status = compute::JobStatus::Submitted { units: 5, amount: 5, submitted_at: 41 };
		assert!(check_against(&done, &receipt(5), 50).unwrap_err().to_string().contains("already"));
	}
}
