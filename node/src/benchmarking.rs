//! Extrinsic builders and inherent data for `depin-node benchmark extrinsic`, which measures
//! the real cost of a `system.remark` and a `balances.transfer_keep_alive` on this machine.

use std::{sync::Arc, time::Duration};

use codec::Encode;
use depin_runtime::{self as runtime, AccountId, Balance, BalancesCall, SystemCall};
use frame_benchmarking_cli::ExtrinsicBuilder;
use sc_cli::Result;
use sc_client_api::UsageProvider;
use sp_core::{sr25519, Pair};
use sp_inherents::{InherentData, InherentDataProvider};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{generic::Era, OpaqueExtrinsic, SaturatedConversion};

use crate::service::FullClient;

/// Builds `system.remark` extrinsics.
pub struct RemarkBuilder {
	client: Arc<FullClient>,
}

impl RemarkBuilder {
	/// A builder of remarks signed by Bob.
	pub fn new(client: Arc<FullClient>) -> Self {
		Self { client }
	}
}

impl ExtrinsicBuilder for RemarkBuilder {
	fn pallet(&self) -> &str {
		"system"
	}

	fn extrinsic(&self) -> &str {
		"remark"
	}

	fn build(&self, nonce: u32) -> std::result::Result<OpaqueExtrinsic, &'static str> {
		let extrinsic = create_benchmark_extrinsic(
			self.client.as_ref(),
			Sr25519Keyring::Bob.pair(),
			SystemCall::remark { remark: vec![] }.into(),
			nonce,
		);
		Ok(extrinsic.into())
	}
}

/// Builds `balances.transfer_keep_alive` extrinsics.
pub struct TransferKeepAliveBuilder {
	client: Arc<FullClient>,
	dest: AccountId,
	value: Balance,
}

impl TransferKeepAliveBuilder {
	/// A builder of transfers of `value` from Bob to `dest`.
	pub fn new(client: Arc<FullClient>, dest: AccountId, value: Balance) -> Self {
		Self { client, dest, value }
	}
}

impl ExtrinsicBuilder for TransferKeepAliveBuilder {
	fn pallet(&self) -> &str {
		"balances"
	}

	fn extrinsic(&self) -> &str {
		"transfer_keep_alive"
	}

	fn build(&self, nonce: u32) -> std::result::Result<OpaqueExtrinsic, &'static str> {
		let extrinsic = create_benchmark_extrinsic(
			self.client.as_ref(),
			Sr25519Keyring::Bob.pair(),
			BalancesCall::transfer_keep_alive { dest: self.dest.clone().into(), value: self.value }
				.into(),
			nonce,
		);
		Ok(extrinsic.into())
	}
}

/// A signed extrinsic of `sender` at the best block of `client`, with every transaction
/// extension of the runtime.
pub fn create_benchmark_extrinsic(
	client: &FullClient,
	sender: sr25519::Pair,
	call: runtime::RuntimeCall,
	nonce: u32,
) -> runtime::UncheckedExtrinsic {
	let genesis_hash = client.usage_info().chain.genesis_hash;
	let best_hash = client.usage_info().chain.best_hash;
	let best_block = client.usage_info().chain.best_number;

	let period = runtime::configs::BlockHashCount::get()
		.checked_next_power_of_two()
		.map(|c| c / 2)
		.unwrap_or(2) as u64;
	let tx_ext = runtime::tx_extension(Era::mortal(period, best_block.saturated_into()), nonce, 0);

	let raw_payload = runtime::SignedPayload::from_raw(
		call.clone(),
		tx_ext.clone(),
		(
			(),
			runtime::VERSION.spec_version,
			runtime::VERSION.transaction_version,
			genesis_hash,
			best_hash,
			(),
			(),
			(),
			(),
		),
	);
	let signature = raw_payload.using_encoded(|e| sender.sign(e));

	runtime::UncheckedExtrinsic::new_signed(
		call,
		sp_runtime::AccountId32::from(sender.public()).into(),
		runtime::Signature::Sr25519(signature),
		tx_ext,
	)
}

/// The inherent data of a benchmark block: a timestamp (BABE's slot comes from the digest).
pub fn inherent_benchmark_data() -> Result<InherentData> {
	let mut inherent_data = InherentData::new();
	let d = Duration::from_millis(0);
	let timestamp = sp_timestamp::InherentDataProvider::new(d.into());

	futures::executor::block_on(timestamp.provide_inherent_data(&mut inherent_data))
		.map_err(|e| format!("creating inherent data: {e:?}"))?;
	Ok(inherent_data)
}
