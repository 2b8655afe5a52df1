//! Account signatures for benchmarks: pallets that check a signature made with an account key
//! (a compute consumer's receipt, a storage client's deal proposal) need their benchmarks to
//! sign as a real account, so that every signature check they measure is real.

/// Signs as an account whose key the benchmarks hold.
pub trait AccountSigner<AccountId, Signature> {
	/// The account.
	fn account() -> AccountId;
	/// Its signature of `message`.
	fn sign(message: &[u8]) -> Signature;
}

/// An [`AccountSigner`] for runtimes with `MultiSignature` accounts: an sr25519 key generated
/// in the benchmark keystore.
pub struct Sr25519Account;

impl Sr25519Account {
	const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dpac");

	fn key() -> sp_core::sr25519::Public {
		sp_io::crypto::sr25519_generate(Self::KEY_TYPE, Some(b"//depin-bench-account".to_vec()))
	}
}

impl AccountSigner<sp_runtime::AccountId32, sp_runtime::MultiSignature> for Sr25519Account {
	fn account() -> sp_runtime::AccountId32 {
		use sp_runtime::traits::IdentifyAccount;
		sp_runtime::MultiSigner::from(Self::key()).into_account()
	}

	fn sign(message: &[u8]) -> sp_runtime::MultiSignature {
		sp_io::crypto::sr25519_sign(Self::KEY_TYPE, &Self::key(), message)
			.map(sp_runtime::MultiSignature::Sr25519)
			.expect("the key is in the benchmark keystore; qed")
	}
}
