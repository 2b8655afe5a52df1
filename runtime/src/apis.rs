//! The runtime APIs: what the node, wallets and dApps may call on a block's state.

use alloc::vec::Vec;

use codec::Encode;
use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	traits::KeyOwnerProofSystem,
	weights::Weight,
};
use sp_api::impl_runtime_apis;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult, ExtrinsicInclusionMode,
};
use sp_version::RuntimeVersion;

use depin_runtime_api::{
	AreaPage, AreaQueryError, DeviceId, DeviceKey, DeviceKind, EpochIndex, EpochStatus,
	OpenChallenge, PendingRewards, ProofStatus, RewardEstimate, RewardReceipt,
};

/// A device record as the runtime stores it.
type Device = pallet_devices::DeviceOf<Runtime>;

use crate::{
	genesis_config_presets, AccountId, Babe, Balance, Block, BlockNumber, Compute, Coverage,
	Devices, Emission, Executive, Grandpa, Historical, InherentDataExt, Jobs, Nonce, Proofs,
	Runtime, RuntimeCall, RuntimeGenesisConfig, Sensors, SessionKeys, System, TransactionPayment,
	BABE_GENESIS_EPOCH_CONFIG, EPOCH_DURATION_IN_SLOTS, VERSION,
};

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl pallet_guarded_parameters::runtime_api::GuardedParametersApi<Block, crate::configs::RuntimeParameters> for Runtime {
		fn check_parameter(
			key_value: crate::configs::RuntimeParameters,
		) -> Result<pallet_guarded_parameters::Change, pallet_guarded_parameters::Refusal> {
			crate::GuardedParameters::check(&key_value)
		}
	}

	impl depin_runtime_api::DepinApi<Block, AccountId, Balance, BlockNumber> for Runtime {
		fn device(id: DeviceId) -> Option<Device> {
			pallet_devices::Devices::<Runtime>::get(id)
		}

		fn device_by_key(key: DeviceKey) -> Option<(DeviceId, Device)> {
			let id = pallet_devices::DeviceByKey::<Runtime>::get(key)?;
			pallet_devices::Devices::<Runtime>::get(id).map(|device| (id, device))
		}

		fn devices_of(owner: AccountId, start_after: Option<DeviceId>, limit: u32) -> Vec<(DeviceId, Device)> {
			Devices::devices_of(&owner, start_after, limit)
		}

		fn devices_in_area(
			cell: u64,
			kind: Option<DeviceKind>,
			start_after: Option<DeviceId>,
			limit: u32,
		) -> Result<AreaPage<Device>, AreaQueryError> {
			Devices::devices_in_area(cell, kind, start_after, limit)
		}

		fn epoch() -> EpochStatus<BlockNumber> {
			Proofs::epoch_status()
		}

		fn open_challenges(device: DeviceId) -> Vec<OpenChallenge<BlockNumber>> {
			Proofs::open_challenges(device)
		}

		fn proof_status(device: DeviceId) -> Option<ProofStatus> {
			Proofs::proof_status(device)
		}

		fn coverage_beacons() -> Vec<depin_runtime_api::BeaconStatus<BlockNumber>> {
			Coverage::beacons()
		}

		fn coverage_ticket(device: DeviceId) -> Option<depin_runtime_api::BeaconStatus<BlockNumber>> {
			Coverage::ticket(device)
		}

		fn compute_challenge(device: DeviceId) -> Option<depin_runtime_api::WorkChallenge<BlockNumber>> {
			Compute::work_challenge(device)
		}

		fn compute_job(job: depin_runtime_api::JobId) -> Option<depin_runtime_api::Job<AccountId, Balance, BlockNumber>> {
			Jobs::job(job)
		}

		fn reward_receipts(device: DeviceId, from_epoch: Option<EpochIndex>, limit: u32) -> Vec<RewardReceipt<Balance>> {
			Emission::reward_receipts(device, from_epoch, limit)
		}

		fn pending_rewards(device: DeviceId) -> PendingRewards<Balance> {
			Emission::pending_rewards(device)
		}

		fn reward_estimate(device: DeviceId) -> Option<RewardEstimate<Balance>> {
			let kind = pallet_devices::Devices::<Runtime>::get(device)?.kind;
			// Witnessing cannot be foreseen: a coverage device's estimate counts its own beacon,
			// if it was drawn. A compute device earns only from the jobs released so far (a
			// capacity audit earns nothing, and when a job pays out is the consumer's business).
			let potential = match kind {
				DeviceKind::Storage => Proofs::potential_points(device),
				DeviceKind::Coverage => Coverage::potential_points(device),
				DeviceKind::Compute => 0,
				// A sensor earns from its data's sales at its audits, which depend on the
				// buyers of its area then.
				DeviceKind::Sensor => 0,
			};
			let epoch = Proofs::epoch_status();
			Some(Emission::reward_estimate(device, kind, potential, epoch.start, epoch.next_start))
		}

		fn sensor_schema(id: depin_runtime_api::SchemaId) -> Option<depin_runtime_api::SchemaRecord> {
			Sensors::schema(id)
		}

		fn sensor_status(device: DeviceId) -> Option<depin_runtime_api::SensorStatus> {
			Sensors::sensor_status(device)
		}

		fn subscription(id: depin_runtime_api::SubscriptionId) -> Option<depin_runtime_api::Subscription<AccountId, Balance>> {
			Sensors::subscription(id)
		}

		fn area_subscriptions(
			schema: depin_runtime_api::SchemaId,
			cell: depin_runtime_api::H3Cell,
		) -> Vec<(depin_runtime_api::SubscriptionId, depin_runtime_api::Subscription<AccountId, Balance>)> {
			Sensors::area_subscriptions(schema, cell)
		}

		fn energy_trade(id: depin_runtime_api::TradeId) -> Option<depin_runtime_api::EnergyTrade<AccountId, Balance>> {
			Sensors::energy_trade(id)
		}

		fn meter_trades(device: DeviceId) -> Vec<(depin_runtime_api::TradeId, depin_runtime_api::EnergyTrade<AccountId, Balance>)> {
			Sensors::meter_trades(device)
		}

		fn deal(id: depin_runtime_api::DealId) -> Option<depin_runtime_api::Deal<AccountId, Balance, BlockNumber>> {
			Proofs::deal(id)
		}

		fn deal_by_root(device: DeviceId, root: depin_runtime_api::DataRoot) -> Option<(depin_runtime_api::DealId, depin_runtime_api::Deal<AccountId, Balance, BlockNumber>)> {
			Proofs::deal_by_root(device, root)
		}

		fn deals_of_client(
			client: AccountId,
			start_after: Option<depin_runtime_api::DealId>,
			limit: u32,
		) -> depin_runtime_api::DealPage<AccountId, Balance, BlockNumber> {
			Proofs::deals_of_client(&client, start_after, limit)
		}

		fn deals_of_device(
			device: DeviceId,
			start_after: Option<depin_runtime_api::DealId>,
			limit: u32,
		) -> depin_runtime_api::DealPage<AccountId, Balance, BlockNumber> {
			Proofs::deals_of_device(device, start_after, limit)
		}

		fn permanent_deal(id: depin_runtime_api::PermanentId) -> Option<depin_runtime_api::PermanentDeal<AccountId, Balance, BlockNumber>> {
			Proofs::permanent_deal(id)
		}

		fn permanent_deals(
			start_after: Option<depin_runtime_api::PermanentId>,
			limit: u32,
		) -> depin_runtime_api::PermanentPage<AccountId, Balance, BlockNumber> {
			Proofs::permanent_deals(start_after, limit)
		}

		fn replica_by_root(root: depin_runtime_api::DataRoot) -> Option<(depin_runtime_api::PermanentId, u32)> {
			Proofs::replica_by_root(root)
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_babe::BabeApi<Block> for Runtime {
		fn configuration() -> sp_consensus_babe::BabeConfiguration {
			let epoch_config = Babe::epoch_config().unwrap_or(BABE_GENESIS_EPOCH_CONFIG);
			sp_consensus_babe::BabeConfiguration {
				slot_duration: Babe::slot_duration(),
				epoch_length: EPOCH_DURATION_IN_SLOTS,
				c: epoch_config.c,
				authorities: Babe::authorities().to_vec(),
				randomness: Babe::randomness(),
				allowed_slots: epoch_config.allowed_slots,
			}
		}

		fn current_epoch_start() -> sp_consensus_babe::Slot {
			Babe::current_epoch_start()
		}

		fn current_epoch() -> sp_consensus_babe::Epoch {
			Babe::current_epoch()
		}

		fn next_epoch() -> sp_consensus_babe::Epoch {
			Babe::next_epoch()
		}

		fn generate_key_ownership_proof(
			_slot: sp_consensus_babe::Slot,
			authority_id: sp_consensus_babe::AuthorityId,
		) -> Option<sp_consensus_babe::OpaqueKeyOwnershipProof> {
			// The proof for the current session: a node reports an equivocation when it
			// imports it, so its session is (almost always) the current one.
			Historical::prove((sp_consensus_babe::KEY_TYPE, authority_id))
				.map(|proof| proof.encode())
				.map(sp_consensus_babe::OpaqueKeyOwnershipProof::new)
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			equivocation_proof: sp_consensus_babe::EquivocationProof<<Block as BlockT>::Header>,
			key_owner_proof: sp_consensus_babe::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			let key_owner_proof = key_owner_proof.decode()?;
			Babe::submit_unsigned_equivocation_report(equivocation_proof, key_owner_proof)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			let key_owner_proof = key_owner_proof.decode()?;
			Grandpa::submit_unsigned_equivocation_report(equivocation_proof, key_owner_proof)
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			Historical::prove((sp_consensus_grandpa::KEY_TYPE, authority_id))
				.map(|proof| proof.encode())
				.map(sp_consensus_grandpa::OpaqueKeyOwnershipProof::new)
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			genesis_config_presets::preset_names()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::BenchmarkList;
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::Pallet as SystemBench;

			let mut list = Vec::<BenchmarkList>::new();
			#[allow(unused_imports)]
			use crate::{
				Balances, Devices, Emission, Epochs, GuardedParameters, Proofs, Sensors, Sudo, Timestamp, Utility,
				ValidatorSet,
			};
			list_benchmarks!(list, extra);

			let storage_info = crate::AllPalletsWithSystem::storage_info();
			(list, storage_info)
		}

		#[allow(non_local_definitions)]
		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig,
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::BenchmarkBatch;
			use frame_support::traits::WhitelistedStorageKeys;
			use frame_system_benchmarking::Pallet as SystemBench;
			use sp_storage::TrackedStorageKey;

			// The defaults prepare and check `set_code` with the real runtime's code.
			impl frame_system_benchmarking::Config for Runtime {}

			let whitelist: Vec<TrackedStorageKey> = crate::AllPalletsWithSystem::whitelisted_storage_keys();

			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			#[allow(unused_imports)]
			use crate::{
				Balances, Devices, Emission, Epochs, GuardedParameters, Proofs, Sensors, Sudo, Timestamp, Utility,
				ValidatorSet,
			};
			add_benchmarks!(params, batches);

			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			let weight = Executive::try_runtime_upgrade(checks)
				.expect("try-runtime upgrade checks must pass; qed");
			(weight, crate::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.expect("execute-block failed")
		}
	}
}
