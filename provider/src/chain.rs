//! The connection to a node: transactions typed from the runtime's metadata (subxt codegen,
//! checked against the node's metadata before anything is signed), the `DepinApi` runtime API
//! decoded with the pallets' own types, and errors a provider can act on.

use anyhow::{anyhow, Context, Result};
use codec::{Decode, Encode};
use depin_runtime_api::{
	BeaconStatus, DataRoot, Deal, DealId, Device, DeviceId, EpochStatus, OpenChallenge,
	PendingRewards, ProofStatus, RewardReceipt,
};
use sp_core::H256;
use subxt::{
	config::polkadot::PolkadotExtrinsicParamsBuilder,
	rpcs::{rpc_params, RpcClient},
	transactions::{Payload, TransactionStatus},
	utils::AccountId32,
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

use crate::depin;

/// Our chain speaks the Polkadot transaction format: 32-byte accounts, `MultiAddress`,
/// `MultiSignature`, u32 block numbers, blake2 hashes.
pub type Config = PolkadotConfig;
pub type Balance = u128;
pub type BlockNumber = u32;
pub type ChainDevice = Device<sp_core::crypto::AccountId32, Balance, BlockNumber>;
/// A storage deal as the runtime API returns it (the same type as [`crate::deals::Deal`]).
pub type ChainDeal = Deal<sp_core::crypto::AccountId32, Balance, BlockNumber>;
/// A permanent deal as the runtime API returns it.
pub type ChainPermanent = depin_primitives::deals::permanent::Permanent<
	sp_core::crypto::AccountId32,
	Balance,
	Vec<depin_primitives::deals::permanent::Replica<Balance, BlockNumber>>,
>;

/// A data subscription as the runtime API returns it.
pub type ChainSubscription =
	depin_primitives::sensor::Subscription<sp_core::crypto::AccountId32, Balance>;

/// An energy trade as the runtime API returns it.
pub type ChainTrade = depin_primitives::sensor::EnergyTrade<sp_core::crypto::AccountId32, Balance>;

/// A connected node's new best blocks, one at a time, for a task that plays a round at each:
/// a block the chain has moved past by the time its turn comes (a round may take a few
/// blocks) is skipped, and the chain is followed again whenever the stream of blocks ends.
pub struct BestBlocks<'a> {
	chain: &'a Chain,
	blocks: Option<subxt::client::Blocks<Config>>,
}

impl BestBlocks<'_> {
	/// The number of the next new best block. When the stream cannot start, `lost` is told why
	/// and the stream is tried again six seconds later, unless `lost` returns `false`: then
	/// `None`.
	pub async fn next(&mut self, mut lost: impl FnMut(String) -> bool) -> Option<BlockNumber> {
		loop {
			let blocks = match &mut self.blocks {
				Some(blocks) => blocks,
				None => match self.chain.client.stream_best_blocks().await {
					Ok(blocks) => self.blocks.insert(blocks),
					Err(e) => {
						if !lost(format!("cannot follow the chain: {e}")) {
							return None;
						}
						tokio::time::sleep(std::time::Duration::from_secs(6)).await;
						continue;
					},
				},
			};
			let Some(block) = blocks.next().await else {
				self.blocks = None;
				continue;
			};
			let Ok(number) = block.map(|b| b.number()) else { continue };
			let number = BlockNumber::try_from(number).unwrap_or(BlockNumber::MAX);
			if self.chain.best_number().await.is_ok_and(|best| number < best) {
				continue;
			}
			return Some(number);
		}
	}
}

/// A block a transaction made it into, and what it did there.
pub struct Included {
	pub block: H256,
	/// The metadata the events decode with (to name the errors inside them).
	pub metadata: subxt::metadata::ArcMetadata,
	pub events: subxt::extrinsics::ExtrinsicEvents<Config>,
}

/// A connected node.
#[derive(Clone)]
pub struct Chain {
	pub client: OnlineClient<Config>,
	/// The same connection, for plain JSON-RPC calls.
	pub rpc: RpcClient,
	pub url: String,
}

/// An account id the pallets' types use.
pub fn account(id: &AccountId32) -> sp_core::crypto::AccountId32 {
	sp_core::crypto::AccountId32::new(id.0)
}

/// The same value as another type with the same SCALE encoding: the pallets' own types and
/// the ones subxt generates from the metadata describe the same bytes.
pub fn bridge<A: Encode, B: Decode>(value: &A) -> Result<B> {
	B::decode(&mut &value.encode()[..])
		.map_err(|e| anyhow!("the runtime's metadata and this tool disagree on a type: {e}"))
}

impl Chain {
	/// Connect to the node at `url` (`ws://` or `wss://`).
	pub async fn connect(url: &str) -> Result<Self> {
		let unreachable = |e: &dyn std::fmt::Display| {
			anyhow!("cannot reach the node at {url} ({e}); is depin-node running there? (--url)")
		};
		let rpc = RpcClient::from_insecure_url(url).await.map_err(|e| unreachable(&e))?;
		let client = OnlineClient::<Config>::from_rpc_client(rpc.clone())
			.await
			.map_err(|e| unreachable(&e))?;
		Ok(Self { client, rpc, url: url.to_string() })
	}

	pub fn genesis(&self) -> H256 {
		H256(self.client.genesis_hash().0)
	}

	/// The latest finalized block's hash and number.
	pub async fn finalized(&self) -> Result<(H256, BlockNumber)> {
		let at = self.client.at_current_block().await.context("cannot read the chain")?;
		Ok((H256(at.block_hash().0), u32::try_from(at.block_number()).unwrap_or(u32::MAX)))
	}

	/// Call `DepinApi_<method>` at the best block: a provider answers challenges from the
	/// chain as its next block will see it, not as it was when finality last caught up.
	pub async fn api<R: Decode>(&self, method: &str, args: impl Encode) -> Result<R> {
		let answer: String = self
			.rpc
			.request(
				"state_call",
				rpc_params![
					format!("DepinApi_{method}"),
					format!("0x{}", hex::encode(args.encode()))
				],
			)
			.await
			.with_context(|| format!("the runtime API call DepinApi_{method} failed"))?;
		let bytes = hex::decode(answer.trim_start_matches("0x"))
			.with_context(|| format!("the node answered DepinApi_{method} with bad hex"))?;
		R::decode(&mut &bytes[..])
			.map_err(|e| anyhow!("cannot decode the answer of DepinApi_{method}: {e}"))
	}

	pub async fn device(&self, id: DeviceId) -> Result<Option<ChainDevice>> {
		self.api("device", id).await
	}

	pub async fn device_by_key(
		&self,
		key: &depin_primitives::DeviceKey,
	) -> Result<Option<(DeviceId, ChainDevice)>> {
		self.api("device_by_key", key).await
	}

	pub async fn devices_of(&self, owner: &AccountId32) -> Result<Vec<(DeviceId, ChainDevice)>> {
		let mut all: Vec<(DeviceId, ChainDevice)> =
			self.pages("devices_of", account(owner)).await?;
		all.sort_by_key(|(id, _)| *id);
		Ok(all)
	}

	/// A storage deal by id, while the chain keeps it (published, active, or closed until its
	/// activation deadline).
	pub async fn deal(&self, id: DealId) -> Result<Option<ChainDeal>> {
		self.api("deal", id).await
	}

	/// The published or active deal of a data root on a device, if any.
	pub async fn deal_by_root(
		&self,
		device: u64,
		root: DataRoot,
	) -> Result<Option<(DealId, ChainDeal)>> {
		self.api("deal_by_root", (device, root)).await
	}

	/// A permanent deal by number, while any of its replicas is live.
	pub async fn permanent_deal(&self, id: u64) -> Result<Option<ChainPermanent>> {
		self.api("permanent_deal", id).await
	}

	/// The permanent deal and replica index a live replica's root is bound to.
	pub async fn replica_by_root(&self, root: DataRoot) -> Result<Option<(u64, u32)>> {
		self.api("replica_by_root", root).await
	}

	/// Every deal of a client, all pages.
	pub async fn deals_of_client(&self, client: &AccountId32) -> Result<Vec<(DealId, ChainDeal)>> {
		self.pages("deals_of_client", account(client)).await
	}

	/// Every deal of a storage device, all pages.
	pub async fn deals_of_device(&self, device: DeviceId) -> Result<Vec<(DealId, ChainDeal)>> {
		self.pages("deals_of_device", device).await
	}

	/// Every page of a `DepinApi` listing keyed by `key` (`devices_of`, `deals_of_client`,
	/// …): each page starts after the last id of the one before.
	async fn pages<K: Encode + Clone, Id: Encode + Decode + Copy, V: Decode>(
		&self,
		method: &str,
		key: K,
	) -> Result<Vec<(Id, V)>> {
		let mut all = Vec::new();
		let mut after: Option<Id> = None;
		loop {
			let page: Vec<(Id, V)> =
				self.api(method, (key.clone(), after, depin_primitives::device::MAX_PAGE)).await?;
			let full = page.len() >= depin_primitives::device::MAX_PAGE as usize;
			after = page.last().map(|(id, _)| *id);
			all.extend(page);
			if !full {
				break;
			}
		}
		Ok(all)
	}

	/// The coverage beacons recorded in the epoch in progress.
	pub async fn coverage_beacons(&self) -> Result<Vec<BeaconStatus<BlockNumber>>> {
		self.api("coverage_beacons", ()).await
	}

	/// A hotspot's beacon in the epoch in progress if it wins the beacon lottery: its
	/// challenge, and once recorded its beacon and witnesses.
	pub async fn coverage_ticket(
		&self,
		device: DeviceId,
	) -> Result<Option<BeaconStatus<BlockNumber>>> {
		self.api("coverage_ticket", device).await
	}

	/// A compute device's capacity challenge in the epoch in progress, if it is enrolled.
	pub async fn compute_challenge(
		&self,
		device: DeviceId,
	) -> Result<Option<depin_primitives::compute::WorkChallenge<BlockNumber>>> {
		self.api("compute_challenge", device).await
	}

	/// A sensor schema by number, and whether it is retired.
	pub async fn sensor_schema(
		&self,
		id: depin_primitives::sensor::SchemaId,
	) -> Result<Option<depin_primitives::sensor::SchemaRecord>> {
		self.api("sensor_schema", id).await
	}

	/// An enrolled sensor's record: its schema, its last attested reading, its attestation
	/// waiting for its audit and, while the audit is open, the readings to reveal.
	pub async fn sensor_status(
		&self,
		device: DeviceId,
	) -> Result<Option<depin_primitives::sensor::SensorStatus>> {
		self.api("sensor_status", device).await
	}

	/// A data subscription by number, while it is open.
	pub async fn subscription(
		&self,
		id: depin_primitives::sensor::SubscriptionId,
	) -> Result<Option<ChainSubscription>> {
		self.api("subscription", id).await
	}

	/// The open subscriptions to `schema`'s data in the area holding `cell`.
	pub async fn area_subscriptions(
		&self,
		schema: depin_primitives::sensor::SchemaId,
		cell: depin_primitives::h3::H3Cell,
	) -> Result<Vec<(depin_primitives::sensor::SubscriptionId, ChainSubscription)>> {
		self.api("area_subscriptions", (schema, cell)).await
	}

	/// An energy trade by number, offered or accepted, until it closes.
	pub async fn energy_trade(
		&self,
		id: depin_primitives::sensor::TradeId,
	) -> Result<Option<ChainTrade>> {
		self.api("energy_trade", id).await
	}

	/// The trades a meter is in: as the consuming meter from the offer, as the producing meter
	/// once accepted.
	pub async fn meter_trades(
		&self,
		device: DeviceId,
	) -> Result<Vec<(depin_primitives::sensor::TradeId, ChainTrade)>> {
		self.api("meter_trades", device).await
	}

	/// The new best blocks, one at a time ([`BestBlocks::next`]).
	pub fn best_blocks(&self) -> BestBlocks<'_> {
		BestBlocks { chain: self, blocks: None }
	}

	/// The chain's clock (Unix seconds) at the best block: what readings' times are checked
	/// against (the block a transaction lands in is a little later).
	pub async fn now_secs(&self) -> Result<u64> {
		let best = u64::from(self.best_number().await?);
		let at = self.client.at_block(best).await.context("cannot read the chain")?;
		let millis = at
			.storage()
			.fetch(depin::storage().timestamp().now(), ())
			.await
			.context("cannot read the chain's clock")?
			.decode()
			.context("cannot decode the chain's clock")?;
		Ok(millis / 1_000)
	}

	/// The best block's number.
	pub async fn best_number(&self) -> Result<BlockNumber> {
		let header: serde_json::Value = self
			.rpc
			.request("chain_getHeader", rpc_params![])
			.await
			.context("cannot read the best block")?;
		let number = header["number"].as_str().unwrap_or("0x0").trim_start_matches("0x");
		u32::from_str_radix(number, 16).context("the node reported a bad block number")
	}

	pub async fn epoch(&self) -> Result<EpochStatus<BlockNumber>> {
		self.api("epoch", ()).await
	}

	pub async fn open_challenges(
		&self,
		device: DeviceId,
	) -> Result<Vec<OpenChallenge<BlockNumber>>> {
		self.api("open_challenges", device).await
	}

	pub async fn proof_status(&self, device: DeviceId) -> Result<Option<ProofStatus>> {
		self.api("proof_status", device).await
	}

	pub async fn pending_rewards(&self, device: DeviceId) -> Result<PendingRewards<Balance>> {
		self.api("pending_rewards", device).await
	}

	pub async fn reward_receipts(&self, device: DeviceId) -> Result<Vec<RewardReceipt<Balance>>> {
		self.api(
			"reward_receipts",
			(device, Option::<u32>::None, depin_primitives::device::MAX_PAGE),
		)
		.await
	}

	/// The free balance of an account.
	pub async fn free_balance(&self, who: &AccountId32) -> Result<Balance> {
		Ok(self.balances(who).await?.0)
	}

	/// An account's free balance and what it has on hold (deposits, collaterals, payments
	/// held): what it owns, together. As of the best block, so that what a transaction just
	/// included in it moved is counted.
	pub async fn balances(&self, who: &AccountId32) -> Result<(Balance, Balance)> {
		let best = u64::from(self.best_number().await?);
		let at = self.client.at_block(best).await.context("cannot read the chain")?;
		let info = at
			.storage()
			.fetch(depin::storage().system().account(), (*who,))
			.await
			.context("cannot read the account")?
			.decode()
			.context("cannot decode the account")?;
		Ok((info.data.free, info.data.reserved))
	}

	/// A maker of sensor devices governance trusts, by number.
	pub async fn maker(
		&self,
		id: depin_primitives::sensor::MakerId,
	) -> Result<Option<depin_primitives::sensor::Maker>> {
		let at = self.client.at_current_block().await.context("cannot read the chain")?;
		let maker = at
			.storage()
			.try_fetch(depin::storage().sensors().makers(), (id,))
			.await
			.context("cannot read the makers")?;
		match maker {
			Some(value) => Ok(Some(bridge(&value.decode().context("cannot decode a maker")?)?)),
			None => Ok(None),
		}
	}

	/// The maker that certified a device key, if one did (it may have been removed since).
	pub async fn certificate(
		&self,
		key: &depin_primitives::device::DeviceKey,
	) -> Result<Option<depin_primitives::sensor::MakerId>> {
		let at = self.client.at_current_block().await.context("cannot read the chain")?;
		let certificate = at
			.storage()
			.try_fetch(
				depin::storage().sensors().certificates(),
				(bridge::<_, depin::runtime_types::depin_primitives::device::DeviceKey>(key)?,),
			)
			.await
			.context("cannot read the certificates")?;
		match certificate {
			Some(value) => {
				Ok(Some(bridge(&value.decode().context("cannot decode a certificate")?)?))
			},
			None => Ok(None),
		}
	}

	/// Whether a device is in the coverage beacon roster.
	pub async fn in_roster(&self, device: DeviceId) -> Result<bool> {
		let at = self.client.at_current_block().await.context("cannot read the chain")?;
		let slot = at
			.storage()
			.try_fetch(depin::storage().coverage().roster_slot_of(), (device,))
			.await
			.context("cannot read the beacon roster")?;
		Ok(slot.is_some())
	}

	/// Whether the density cell of `location` is inhabited (`Coverage::InhabitedIn` within
	/// `PioneerAfter` epochs): a hotspot there was vouched for, or a vouched one witnessed,
	/// lately. Newcomers there are on probation, and none is a pioneer.
	pub async fn inhabited_around(&self, location: u64) -> Result<bool> {
		let at = self.client.at_current_block().await.context("cannot read the chain")?;
		let resolution = at
			.constants()
			.entry(depin::constants().devices().density_resolution())
			.context("the runtime has no density resolution")?;
		let pioneer_after = at
			.constants()
			.entry(depin::constants().coverage().pioneer_after())
			.context("the runtime has no PioneerAfter")?;
		let cell = depin_primitives::h3::H3Cell::new(location)
			.ok()
			.and_then(|cell| cell.parent(resolution))
			.context("a location finer than the density resolution")?;
		let key = depin::runtime_types::depin_primitives::h3::H3Cell(cell.raw());
		let last = at
			.storage()
			.try_fetch(depin::storage().coverage().inhabited_in(), (key,))
			.await
			.context("cannot read where hotspots live")?;
		let last: u32 = match last {
			Some(value) => value.decode().context("cannot decode where hotspots live")?,
			None => return Ok(false),
		};
		let epoch = self.epoch().await?.index;
		Ok(last <= epoch && last.saturating_add(pioneer_after) >= epoch)
	}

	/// Sign `call` with `signer`, submit it, wait until it is in a finalized block and
	/// succeeded there. Errors say what went wrong in words: an invalid transaction (fees the
	/// account cannot pay, a stale nonce), or the pallet error and its documentation.
	pub async fn submit<C: Payload>(&self, call: &C, signer: &Keypair) -> Result<Included> {
		self.submit_until(call, signer, Wait::Finalized).await
	}

	/// [`Self::submit_until`] for a change to the beacon roster (`coverage.join`, `leave`),
	/// submitted again, up to three times, while the chain answers `RosterClosed`: the roster
	/// does not change in an epoch's last block, and the next block is the next epoch's first.
	pub async fn submit_roster_change<C: Payload>(
		&self,
		call: &C,
		signer: &Keypair,
		wait: Wait,
	) -> Result<Included> {
		let mut tries = 0;
		loop {
			match self.submit_until(call, signer, wait).await {
				Err(error) if tries < 3 && error.to_string().contains("RosterClosed") => {
					tries += 1;
				},
				other => return other,
			}
		}
	}

	/// [`Self::submit`], returning as soon as the transaction is in a block of the kind `wait`
	/// asks for.
	///
	/// Under a flood the node's pool may refuse the transaction, or drop it later, for
	/// transactions paying more for the same block space (a pool full of a spammer's
	/// transactions at the same price). Then it is signed again with a tip, its own fee at first
	/// and twice the last tip after that, up to [`OUTBID_TRIES`] times: a spammer keeping a
	/// proof out for its response window has to outbid it with every transaction of every block
	/// in the window (`docs/spam.md`). Every retry has the nonce of the try before: a copy the
	/// pool dropped may live on in another node's pool and be included, and then the call runs
	/// once (the next try is refused as stale), never twice. Only a first try refused for
	/// another of the account's transactions at its nonce (in the pool, or on chain when the
	/// nonce read was out of date; either way this call entered no pool) takes the next
	/// nonce.
	pub async fn submit_until<C: Payload>(
		&self,
		call: &C,
		signer: &Keypair,
		wait: Wait,
	) -> Result<Included> {
		let who = signer.public_key().to_account_id();
		// The next nonce as the node's pool sees it: the finalized state does not count the
		// account's transactions that are only in best blocks or still in the pool.
		let next_nonce = || async {
			self.rpc
				.request::<u64>("system_accountNextIndex", rpc_params![who.to_string()])
				.await
				.context("cannot read the account's next nonce")
		};
		let mut nonce = next_nonce().await?;
		let (mut tip, mut tries, mut renonced): (Balance, u32, u32) = (0, 0, 0);
		loop {
			match self.submit_once(call, signer, wait, nonce, tip).await? {
				Submission::Included(included) => return Ok(included),
				// Refused at its first try for another transaction at its nonce: one of the
				// account's own, sent meanwhile or back in the pool from a block a
				// re-organisation retracted, which runs in its place. (Outbidding it would drop
				// it, and a proof in the pool cannot be outbid.) This call entered no pool: it
				// takes the next nonce.
				// Or refused as outdated: the nonce read was already used, by another of the
				// account's transactions that a block took meanwhile.
				Submission::Outbid { message, .. } | Submission::Stale { message }
					if tries == 0 && renonced < OUTBID_TRIES && nonce_taken(&message) =>
				{
					let next = next_nonce().await?;
					if next <= nonce {
						return Err(anyhow!("the pool refused the transaction: {message}"));
					}
					renonced += 1;
					eprintln!("nonce {nonce} taken in the pool ({message}): submitting at {next}");
					nonce = next;
				},
				Submission::Outbid { message, fee } if tries < OUTBID_TRIES => {
					tries += 1;
					tip = next_tip(tip, fee);
					eprintln!(
						"outbid in the pool ({message}): submitting again with a tip of {tip}"
					);
				},
				Submission::Stale { message } => return Err(explain_submission(&message, &who)),
				Submission::Outbid { message, .. } => {
					return Err(anyhow!(
						"the pool refused the transaction {OUTBID_TRIES} times, the last with a tip \
						 of {tip}: {message}"
					))
				},
			}
		}
	}

	/// One submission of `call` at `nonce` with `tip`: included, or outbid (refused or dropped by the
	/// pool for its priority); any other refusal is an error.
	async fn submit_once<C: Payload>(
		&self,
		call: &C,
		signer: &Keypair,
		wait: Wait,
		nonce: u64,
		tip: Balance,
	) -> Result<Submission> {
		let who = signer.public_key().to_account_id();
		let at = self.client.at_current_block().await.context("cannot read the chain")?;
		let metadata = at.metadata();
		let mut tx = at.transactions();
		let params = PolkadotExtrinsicParamsBuilder::<Config>::new().nonce(nonce).tip(tip).build();
		let signed = tx
			.create_signed(call, signer, params)
			.await
			.map_err(|e| explain_submission(&e.to_string(), &who))?;
		let outbid = |message: String| async {
			let fee = signed.partial_fee_estimate().await.unwrap_or(0);
			Ok(Submission::Outbid { message, fee })
		};
		let (hash, sent_at) = (signed.hash(), self.best_number().await?);
		let mut progress = match signed.submit_and_watch().await {
			Ok(progress) => progress,
			Err(e) if is_outbid(&e.to_string()) => return outbid(e.to_string()).await,
			Err(e) if is_stale(&e.to_string()) => {
				return Ok(Submission::Stale { message: e.to_string() })
			},
			Err(e) => return Err(explain_submission(&e.to_string(), &who)),
		};
		while let Some(status) = progress.next().await {
			let status = status.map_err(|e| anyhow!("lost track of the transaction: {e}"))?;
			let included = match status {
				TransactionStatus::InBestBlock(included) if wait == Wait::InBlock => included,
				TransactionStatus::InFinalizedBlock(included) => included,
				TransactionStatus::Error { message }
				| TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message } => {
					if is_outbid(&message) {
						return outbid(message).await;
					}
					// The fork-aware pool may call a transaction stale once a block took it
					// (polkadot-sdk #8479): look for it on the best chain before calling it lost.
					if is_stale(&message) {
						if let Some(included) = self.find_included(hash, sent_at).await? {
							return Ok(Submission::Included(included));
						}
					}
					return Err(explain_submission(&message, &who));
				},
				_ => continue,
			};
			let block = H256(included.block_hash().0);
			let events = included.wait_for_success().await.map_err(|e| match e {
				subxt::error::TransactionEventsError::ExtrinsicFailed(error) => {
					explain_dispatch(&error)
				},
				other => anyhow!("{other}"),
			})?;
			return Ok(Submission::Included(Included { block, metadata, events }));
		}
		Err(anyhow!("the node stopped reporting on the transaction"))
	}

	/// The transaction `hash` in a best-chain block from `from` on, with its events (an error
	/// if it failed), waiting up to [`STALE_WAIT_BLOCKS`] new blocks for it; `None` if it is
	/// not there.
	async fn find_included(
		&self,
		hash: subxt::config::HashFor<Config>,
		from: BlockNumber,
	) -> Result<Option<Included>> {
		let mut next = from;
		let last = self.best_number().await?.saturating_add(STALE_WAIT_BLOCKS);
		// (A stalled chain: at most six seconds a block.)
		let give_up = std::time::Instant::now()
			+ std::time::Duration::from_secs(6 * u64::from(STALE_WAIT_BLOCKS + 1));
		while next <= last && std::time::Instant::now() < give_up {
			let best = self.best_number().await?;
			if next > best {
				tokio::time::sleep(std::time::Duration::from_secs(1)).await;
				continue;
			}
			let block: Option<H256> = self
				.rpc
				.request("chain_getBlockHash", rpc_params![next])
				.await
				.context("cannot read a block hash")?;
			next = next.saturating_add(1);
			let Some(block) = block else { continue };
			let at = self.client.at_block(block).await.context("cannot read a block")?;
			let extrinsics = at.extrinsics().fetch().await.context("cannot read a block's body")?;
			for extrinsic in extrinsics.iter() {
				let Ok(extrinsic) = extrinsic else { continue };
				if extrinsic.hash() != hash {
					continue;
				}
				let events = extrinsic.events().await.context("cannot read a block's events")?;
				for event in events.iter() {
					let event = event.context("cannot decode an event")?;
					if event.pallet_name() == "System" && event.event_name() == "ExtrinsicFailed" {
						let error = subxt::error::DispatchError::decode_from(
							event.field_bytes(),
							at.metadata(),
						)
						.map_err(|e| anyhow!("cannot decode a dispatch error: {e}"))?;
						return Err(explain_dispatch(&error));
					}
				}
				return Ok(Some(Included { block, metadata: at.metadata(), events }));
			}
		}
		Ok(None)
	}
}

/// How many blocks past the best one [`Chain::submit_until`] looks for a transaction the pool
/// called stale, before calling it lost.
const STALE_WAIT_BLOCKS: u32 = 2;

/// How many times [`Chain::submit_until`] submits a transaction again with a higher tip after
/// the pool refused or dropped it for its priority: the last tip is 32 times its fee.
pub const OUTBID_TRIES: u32 = 6;

/// What one submission came to.
enum Submission {
	Included(Included),
	/// Refused or dropped by the pool for transactions paying more: `fee` is what the
	/// transaction itself pays, without a tip.
	Outbid {
		message: String,
		fee: Balance,
	},
	/// Refused by the pool on arrival: its nonce is used on chain already.
	Stale {
		message: String,
	},
}

/// The tip after `tip` was outbid, for a transaction whose fee is `fee`: the fee first (for
/// an operational transaction, a fifth more priority than the same transaction untipped;
/// for a normal one, far more), then twice the last tip.
fn next_tip(tip: Balance, fee: Balance) -> Balance {
	tip.saturating_mul(2).max(fee).max(1)
}

/// Whether the pool refused (or dropped) a transaction for its priority: it is full of
/// transactions paying at least as much. (In the words of the `author_*` methods and of
/// `transactionWatch_v1`, which subxt uses when the node serves it.)
fn is_outbid(message: &str) -> bool {
	[
		"Priority is too low",
		"priority of the transaction is too low",
		"Immediately Dropped",
		"could not enter the pool because of the limit",
		"exceeding limits",
		"pool is full",
	]
	.iter()
	.any(|needle| message.contains(needle))
}

/// Whether the pool's refusal `message` says another transaction of the account holds the
/// nonce (in the pool with a priority at least as high, or on chain already), rather than
/// that the pool is full.
fn nonce_taken(message: &str) -> bool {
	["Priority is too low", "priority of the transaction is too low"]
		.iter()
		.any(|needle| message.contains(needle))
		|| is_stale(message)
}

/// Whether the pool refused a transaction because its nonce is used on chain already.
fn is_stale(message: &str) -> bool {
	message.contains("Transaction is outdated") || message.contains("Stale")
}

/// How long [`Chain::submit_until`] waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
	/// Until the transaction is in the best block: what a daemon answering deadlines needs
	/// (GRANDPA finality trails by a few blocks); a re-organisation may still drop it.
	InBlock,
	/// Until the block holding the transaction is finalized.
	Finalized,
}

/// A transaction the pool refused, in words.
fn explain_submission(message: &str, who: &AccountId32) -> anyhow::Error {
	if message.contains("Inability to pay some fees") || message.contains("Payment") {
		anyhow!("insufficient funds: the account {who} cannot pay the transaction fee")
	} else if is_stale(message) {
		anyhow!("the account's nonce moved on (another transaction of {who}?); try again")
	} else if message.contains("Connection") || message.contains("connection") {
		anyhow!("the node connection broke: {message}")
	} else {
		anyhow!("the node refused the transaction: {message}")
	}
}

/// A dispatch error in words: `pallet.Error: what its documentation says`.
pub fn explain_dispatch(error: &subxt::error::DispatchError) -> anyhow::Error {
	match error {
		subxt::error::DispatchError::Module(module) => match module.details() {
			Ok(details) => {
				let docs = details.variant.docs.join(" ");
				anyhow!(
					"{}.{}: {}",
					lower_first(details.pallet.name()),
					details.variant.name,
					docs.trim()
				)
			},
			Err(_) => anyhow!("{module}"),
		},
		subxt::error::DispatchError::Token(token) => anyhow!("insufficient funds: {token}"),
		other => anyhow!("{other}"),
	}
}

pub(crate) fn lower_first(name: &str) -> String {
	let mut chars = name.chars();
	match chars.next() {
		Some(first) => first.to_lowercase().chain(chars).collect(),
		None => String::new(),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_transaction_outbid_in_the_pool_is_tipped_its_fee_then_twice_the_last_tip() {
		let mut tip = 0;
		let tips: Vec<Balance> = (0..OUTBID_TRIES)
			.map(|_| {
				tip = next_tip(tip, 1_000);
				tip
			})
			.collect();
		assert_eq!(tips, vec![1_000, 2_000, 4_000, 8_000, 16_000, 32_000]);
		// A feeless transaction still tips something.
		assert_eq!(next_tip(0, 0), 1);
		assert_eq!(next_tip(Balance::MAX, 1), Balance::MAX);
	}

	#[test]
	fn only_the_pools_refusals_for_priority_count_as_outbid() {
		for message in [
			"Priority is too low: (238 vs 238)",
			"The priority of the transaction is too low (pool 31002798206666 > current 238)",
			"Immediately Dropped",
			"The transaction could not enter the pool because of the limit",
			"Extrinsic dropped from the pool due to exceeding limits",
			"Transaction pool is full",
		] {
			assert!(is_outbid(message), "{message}");
		}
		// Of those, only the first two name another transaction at the nonce.
		assert!(nonce_taken("Priority is too low: (238 vs 238)"));
		assert!(nonce_taken(
			"The priority of the transaction is too low (pool 9223383849623395459 > current 830)"
		));
		assert!(!nonce_taken("Immediately Dropped"));
		// So does a refusal as outdated (no refusal for priority: the nonce is used on chain).
		assert!(nonce_taken("Invalid Transaction (1010): Transaction is outdated"));
		assert!(nonce_taken("Stale"));
		assert!(!nonce_taken("The transaction could not enter the pool because of the limit"));
		// Usurped (another transaction took the nonce) is no refusal for priority: the nonce
		// is gone.
		for message in [
			"Inability to pay some fees",
			"Transaction is outdated",
			"Stale",
			"Bad proof",
			"Extrinsic was rendered invalid by another extrinsic",
		] {
			assert!(!is_outbid(message), "{message}");
		}
	}
}
