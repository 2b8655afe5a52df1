//! Benchmarks at the worst case of every input: schemas of the most fields with the longest
//! labels, device keys and signatures from the benchmark keystore (ECDSA, the dearest scheme to
//! verify), full home cells in the whole neighbourhood, and reveals of the most readings a batch holds (paths of the
//! deepest tree, built sparsely: only the sampled leaves and the paths above them).

use super::*;
use alloc::{collections::BTreeMap, vec, vec::Vec};
use depin_primitives::epoch::EpochInfo;
use depin_proving::ProvingEpochs;
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		UnixTime,
	},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_devices::{benchmark_keys::sign, DeviceId, DeviceKey, DeviceKind, DeviceRegistry};
use sp_core::H256;
use sp_runtime::traits::{One, Saturating};

/// The largest schema: the most fields, every label at its bound, a reading a second.
fn schema() -> Schema {
	let label = || Label::truncate_from(vec![b'x'; 32]);
	let field = Field {
		name: label(),
		unit: label(),
		decimals: 2,
		min: i64::MIN,
		max: i64::MAX,
		tolerance: 1_000,
	};
	Schema {
		name: label(),
		fields: BoundedVec::truncate_from(vec![field; MAX_FIELDS as usize]),
		interval: 1,
	}
}

/// The largest schema, registered as number 0.
fn registered_schema<T: Config>() -> SchemaId {
	let id = NextSchema::<T>::get();
	Pallet::<T>::do_register_schema(schema()).expect("a valid schema registers; qed");
	id
}

/// A sensor device with an ECDSA key, owned by its own funded account.
fn sensor<T: Config>(index: u32) -> (DeviceId, DeviceKey) {
	let owner: T::AccountId = account("owner", index, 0);
	let key = pallet_devices::benchmark_keys::ecdsa();
	let id = T::Registry::register_benchmark_device(&owner, key, DeviceKind::Sensor, 0)
		.expect("a fresh key registers; qed");
	(id, key)
}

/// Epoch `index` in progress from block 1, at block 1.
fn epoch<T: Config>(index: EpochIndex) -> EpochInfo<BlockNumberFor<T>> {
	let epoch = EpochInfo { index, start: One::one(), seed: H256::repeat_byte(7) };
	T::Epochs::set_benchmark_epoch(epoch);
	frame_system::Pallet::<T>::set_block_number(One::one());
	epoch
}

/// Summaries that differ from member to member (`i`), so that the medians sort real work.
fn summaries_of(i: u32) -> Summaries {
	let value = i64::from(i.wrapping_mul(7_919) % 1_000);
	Summaries::truncate_from(vec![
		Summary {
			min: value.saturating_sub(10),
			max: value.saturating_add(10),
			mean: value
		};
		MAX_FIELDS as usize
	])
}

/// `members` devices of other owners counted in the home cell of the benchmark location in
/// `epoch`, and as many in every other home cell of its neighbourhood (`everywhere`).
fn crowd<T: Config>(schema: SchemaId, epoch: EpochIndex, members: u32, everywhere: bool) {
	let home = Pallet::<T>::home_of(T::Registry::benchmark_location());
	let cells = if everywhere { Pallet::<T>::neighbourhood_of(home) } else { vec![home] };
	for (c, cell) in (0u32..).zip(cells) {
		let members = (0..members)
			.map(|i| Neighbour {
				device: u64::from(c)
					.saturating_mul(1_000)
					.saturating_add(u64::from(i))
					.saturating_add(1_000_000),
				owner: account("neighbour", i, c),
				summaries: summaries_of(i.wrapping_add(c.wrapping_mul(100))),
			})
			.collect::<Vec<_>>();
		Neighbourhoods::<T>::insert(epoch, (schema, cell), BoundedVec::truncate_from(members));
	}
}

/// The summaries of a batch whose every value is 0.
fn summaries() -> Summaries {
	Summaries::truncate_from(vec![Summary { min: 0, max: 0, mean: 0 }; MAX_FIELDS as usize])
}

/// The root and the paths of a tree of `depth` whose leaves are `leaves` and empty elsewhere,
/// built in O(leaves × depth).
fn sparse_tree(depth: u32, leaves: &[(u32, Hash)]) -> (Hash, Vec<Vec<Hash>>) {
	let empty = |height: u32| depin_merkle::empty_root::<RuntimeHasher>(height);
	let mut level: BTreeMap<u32, Hash> = leaves.iter().copied().collect();
	let mut levels = Vec::new();
	for height in 0..depth {
		let mut up = BTreeMap::new();
		for (&i, h) in &level {
			let sibling = level.get(&(i ^ 1)).copied().unwrap_or_else(|| empty(height));
			let parent = if i & 1 == 0 {
				depin_merkle::node_hash::<RuntimeHasher>(h, &sibling)
			} else {
				depin_merkle::node_hash::<RuntimeHasher>(&sibling, h)
			};
			up.insert(i / 2, parent);
		}
		levels.push(core::mem::replace(&mut level, up));
	}
	let root = level.values().next().copied().unwrap_or_else(|| empty(depth));
	let paths = leaves
		.iter()
		.map(|(index, _)| {
			(0..depth)
				.map(|height| {
					let sibling = index.checked_shr(height).unwrap_or_default() ^ 1;
					levels
						.get(height as usize)
						.and_then(|l| l.get(&sibling).copied())
						.unwrap_or_else(|| empty(height))
				})
				.collect()
		})
		.collect();
	(root, paths)
}

/// The budget of a benchmark subscription: more than a batch of the most readings costs at
/// the benchmark price.
const BUDGET: u32 = 1 << 30;

/// A funded buyer's subscription (at a unit a point, the price `price`) to `schema`'s data in
/// the benchmark location's area, for epochs 1 to 2.
fn subscription<T: Config>(schema: SchemaId, buyer: u32, price: u32) -> SubscriptionId {
	let who: T::AccountId = account("buyer", buyer, schema);
	let held = BalanceOf::<T>::from(BUDGET).saturating_add(T::SubscriptionDeposit::get());
	T::Currency::set_balance(
		&who,
		held.saturating_add(held).saturating_add(T::Currency::minimum_balance()),
	);
	let area = benchmark_area::<T>();
	let id = NextSubscription::<T>::get();
	Pallet::<T>::do_subscribe(who, schema, area, price.into(), BUDGET.into(), 1, 2)
		.expect("a funded buyer subscribes; qed");
	id
}

/// A funded operator's offer from a new meter of `schema` (device index `consumer`) to
/// `producer`, for epochs `first..=last`, accepted if `accept` (by `producer`'s owner). Both
/// meters are at the benchmark location and enrolled under `schema`.
fn trade<T: Config>(
	schema: SchemaId,
	producer: DeviceId,
	consumer: u32,
	first: EpochIndex,
	last: EpochIndex,
	accept: bool,
) -> TradeId {
	let (meter, _) = sensor::<T>(consumer);
	Sensors::<T>::insert(meter, SensorState { schema, last_end: 0, pending: None });
	let buyer = T::Registry::owner(meter).expect("registered; qed");
	let held = BalanceOf::<T>::from(BUDGET).saturating_add(T::TradeDeposit::get());
	T::Currency::set_balance(&buyer, held.saturating_add(T::Currency::minimum_balance()));
	let id = NextTrade::<T>::get();
	let terms = TradeTerms {
		consumer: meter,
		producer,
		produced_field: 0,
		consumed_field: 0,
		price: 1u32.into(),
		cap: 1,
		budget: BUDGET.into(),
		first,
		last,
	};
	Pallet::<T>::do_offer_trade(buyer, terms).expect("a funded operator offers; qed");
	if accept {
		let seller = T::Registry::owner(producer).expect("registered; qed");
		Pallet::<T>::do_accept_trade(seller, id).expect("the producer's owner accepts; qed");
	}
	id
}

/// A producing meter of `schema` (device index `index`) at the benchmark location, enrolled.
fn producer<T: Config>(schema: SchemaId, index: u32) -> DeviceId {
	let (device, _) = sensor::<T>(index);
	Sensors::<T>::insert(device, SensorState { schema, last_end: 0, pending: None });
	device
}

/// `trade`'s settlements owed: one for each epoch of the longest window, the oldest ripe by
/// `now`, taken from its budget.
fn owe<T: Config>(id: TradeId, now: EpochIndex) {
	Trades::<T>::mutate(id, |trade| {
		let Some(trade) = trade else { return };
		let window = T::TradeDisputeEpochs::get();
		for settled_in in now.saturating_sub(window)..=now {
			let amount = BalanceOf::<T>::from(1_000u32);
			if trade.owed.try_push(Owed { settled_in, amount }).is_ok() {
				trade.left = trade.left.saturating_sub(amount);
			}
		}
	});
}

/// In epoch 1, a producing meter in the most trades, accepted, each for epochs
/// `first..=last`, its buyers' meters each in one. Returns the last trade.
fn full_trades<T: Config>(first: EpochIndex, last: EpochIndex) -> TradeId {
	epoch::<T>(1);
	let schema = registered_schema::<T>();
	let producer = producer::<T>(schema, 0);
	(1..=T::MaxDeviceTrades::get())
		.fold(0, |_, t| trade::<T>(schema, producer, t, first, last, true))
}

/// A meter's state after its audit of `epoch`: every register at `register`, `left` of each
/// not settled yet.
fn meter_state(epoch: EpochIndex, register: i64, left: u64) -> MeterState {
	MeterState {
		epoch,
		registers: Values::truncate_from(vec![register; MAX_FIELDS as usize]),
		left: BoundedVec::truncate_from(vec![left; MAX_FIELDS as usize]),
	}
}

/// `schema` requires certificates, and a maker of it (number `maker`) certified a device's
/// `key`: the checks an enrolment, an attestation and an audit then run.
fn certified<T: Config>(schema: SchemaId, maker: MakerId, key: DeviceKey) {
	CertificatesRequired::<T>::insert(schema, ());
	Makers::<T>::insert(maker, Maker { key, schema, cap: 1, certified: 1 });
	Certificates::<T>::insert(key, maker);
}

/// A trusted maker of `schema` with an ECDSA key (the dearest to verify) and room for a
/// certificate.
fn maker<T: Config>(schema: SchemaId) -> (MakerId, DeviceKey) {
	let key = pallet_devices::benchmark_keys::ecdsa();
	let id = NextMaker::<T>::get();
	Pallet::<T>::do_add_maker(schema, key, u32::MAX).expect("a live schema takes a maker; qed");
	(id, key)
}

/// The area of the benchmark location.
fn benchmark_area<T: Config>() -> u64 {
	Pallet::<T>::area_of(Pallet::<T>::home_of(T::Registry::benchmark_location())).raw()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_schema() {
		let schema = schema();
		let id = NextSchema::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Root, schema);

		assert!(Schemas::<T>::contains_key(id));
	}

	#[benchmark]
	fn retire_schema() {
		let id = registered_schema::<T>();

		#[extrinsic_call]
		_(RawOrigin::Root, id);

		assert!(Schemas::<T>::get(id).is_some_and(|s| s.retired));
	}

	/// Into a schema that requires certificates, of a certified device.
	#[benchmark]
	fn enroll() {
		let schema = registered_schema::<T>();
		let (device, key) = sensor::<T>(0);
		certified::<T>(schema, 0, key);
		let owner = T::Registry::owner(device).expect("registered; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), device, schema);

		assert!(Sensors::<T>::contains_key(device));
	}

	#[benchmark]
	fn withdraw() {
		let schema = registered_schema::<T>();
		let (device, _) = sensor::<T>(0);
		let owner = T::Registry::owner(device).expect("registered; qed");
		Sensors::<T>::insert(device, SensorState { schema, last_end: 0, pending: None });

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), device);

		assert!(!Sensors::<T>::contains_key(device));
	}

	/// `n` attestations of different devices of the largest schema, each signature-checked
	/// and counted in a full home cell of its own (each device under a schema of its own, so
	/// that no item's storage is another's): ranked against every member.
	#[benchmark]
	fn attest(n: Linear<1, { T::MaxBatch::get() }>) {
		let epoch = epoch::<T>(1);
		let now = T::Time::now().as_secs().max(1);
		let cell = T::Registry::benchmark_location();
		let mut attestations = Vec::new();
		for i in 0..n {
			let schema = registered_schema::<T>();
			crowd::<T>(schema, epoch.index, T::MaxNeighbours::get(), false);
			let (device, key) = sensor::<T>(i);
			certified::<T>(schema, i, key);
			Sensors::<T>::insert(device, SensorState { schema, last_end: 0, pending: None });
			let mut attestation = Attestation {
				device,
				epoch: epoch.index,
				schema,
				root: H256::repeat_byte(i as u8),
				count: 1,
				start: now,
				end: now,
				summaries: summaries(),
				signature: sign(&key, b""),
			};
			attestation.signature =
				sign(&key, &Pallet::<T>::attestation_message(&attestation, cell));
			attestations.push(attestation);
		}
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), BoundedVec::truncate_from(attestations.clone()));

		for attestation in attestations {
			assert!(Sensors::<T>::get(attestation.device).is_some_and(|s| s.pending.is_some()));
		}
	}

	/// `n` reveals of different devices, each of a batch of the most readings (the deepest
	/// paths), its readings of the most fields, scored against a full neighbourhood of its own
	/// (each device under a schema of its own): every home cell of the ring full.
	#[benchmark]
	fn reveal(n: Linear<1, { T::MaxRevealBatch::get() }>) {
		let audit = epoch::<T>(2);
		let home = Pallet::<T>::home_of(T::Registry::benchmark_location());
		let (count, start) = (MAX_READINGS, 1_000u64);
		let end = start.saturating_add(u64::from(count).saturating_sub(1));
		let mut reveals = Vec::new();
		let trades = T::MaxDeviceTrades::get();
		for i in 0..n {
			let schema = registered_schema::<T>();
			crowd::<T>(schema, 1, T::MaxNeighbours::get(), true);
			let (device, key) = sensor::<T>(i);
			// Its schema requires certificates: the audit checks it is still certified.
			certified::<T>(schema, i, key);
			// Counted in its home cell (in place of a member), and sold to a full area.
			let owner = T::Registry::owner(device).expect("registered; qed");
			Neighbourhoods::<T>::mutate(1, (schema, home), |members| {
				if let Some(first) = members.as_mut().and_then(|m| m.get_mut(0)) {
					*first = Neighbour { device, owner: owner.clone(), summaries: summaries() };
				}
			});
			// Bought from epoch 1, the attestation's (so subscribed in it).
			epoch::<T>(1);
			for buyer in 0..T::MaxSubscriptions::get() {
				subscription::<T>(schema, buyer, 1);
			}
			// A meter in the most trades, each waiting for its epoch-1 batch (the other meter's
			// audited) and owing a ripe settlement: each settles and pays. Its registers stood
			// at zero at its previous audit.
			Sensors::<T>::insert(device, SensorState { schema, last_end: 0, pending: None });
			for t in 0..trades {
				let consumer = 1_000u32.saturating_add(i.saturating_mul(trades)).saturating_add(t);
				let id = trade::<T>(schema, device, consumer, 1, 2, true);
				owe::<T>(id, audit.index);
				Trades::<T>::mutate(id, |trade| {
					if let Some(trade) = trade {
						trade.owed.retain(|o| {
							o.settled_in.saturating_add(T::TradeDisputeEpochs::get()) <= audit.index
						});
						Meters::<T>::insert(trade.consumer, meter_state(1, 0, u64::MAX));
					}
				});
			}
			Meters::<T>::insert(device, meter_state(0, 0, 0));
			epoch::<T>(audit.index);
			let sampled = Pallet::<T>::sampled(&audit.seed, device, 1, count);
			// Registers at zero, a thousand at the last reading: a thousand units in each field,
			// a unit sold in each trade (its cap).
			let values = |index: u32| {
				let value = if index.saturating_add(1) == count { 1_000 } else { 0 };
				Values::truncate_from(vec![value; MAX_FIELDS as usize])
			};
			let leaves: Vec<(u32, Hash)> = sampled
				.iter()
				.map(|&index| {
					let time = start.saturating_add(u64::from(index));
					(index, reading_leaf::<RuntimeHasher>(index, time, &values(index)))
				})
				.collect();
			let (root, paths) = sparse_tree(MAX_READINGS_DEPTH, &leaves);
			let metered = Summaries::truncate_from(vec![
				Summary { min: 0, max: 1_000, mean: 1 };
				MAX_FIELDS as usize
			]);
			let pending = Pending {
				epoch: 1,
				audit_in: audit.index,
				root: H256(root),
				count,
				start,
				end,
				summaries: metered,
				home,
				owner,
			};
			Sensors::<T>::insert(
				device,
				SensorState { schema, last_end: end, pending: Some(pending) },
			);
			let readings = sampled
				.iter()
				.zip(paths)
				.map(|(&index, path)| RevealedReading {
					index,
					time: start.saturating_add(u64::from(index)),
					values: values(index),
					path: BoundedVec::truncate_from(path.into_iter().map(H256).collect()),
				})
				.collect();
			reveals.push(ReadingsReveal {
				device,
				epoch: 1,
				readings: BoundedVec::truncate_from(readings),
			});
		}
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), BoundedVec::truncate_from(reveals.clone()));

		for item in reveals {
			assert!(Sensors::<T>::get(item.device).is_some_and(|s| s.pending.is_none()));
		}
		// Every item was sold to every subscription of its area, and settled every trade.
		assert!(Subscriptions::<T>::iter().all(|(_, s)| s.left < BUDGET.into()));
		assert!(Trades::<T>::iter()
			.all(|(_, t)| t.owed.len() == 1 && t.owed.first().is_some_and(|o| o.settled_in == 2)));
	}

	/// A subscription to a full area, in place of its cheapest member (every member read,
	/// one closed and its hold released).
	#[benchmark]
	fn subscribe() {
		epoch::<T>(1);
		let schema = registered_schema::<T>();
		for buyer in 0..T::MaxSubscriptions::get() {
			subscription::<T>(schema, buyer, buyer.saturating_add(1));
		}
		let who: T::AccountId = account("buyer", u32::MAX, schema);
		let held = BalanceOf::<T>::from(BUDGET).saturating_add(T::SubscriptionDeposit::get());
		T::Currency::set_balance(&who, held.saturating_add(T::Currency::minimum_balance()));
		let id = NextSubscription::<T>::get();
		let price = T::MaxSubscriptions::get().saturating_add(1);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), schema, benchmark_area::<T>(), price.into(), BUDGET.into(), 1, 2);

		assert!(Subscriptions::<T>::contains_key(id));
		assert!(!Subscriptions::<T>::contains_key(
			id.saturating_sub(T::MaxSubscriptions::get().into())
		));
	}

	/// The close of a subscription in a full area, once its span's audits are over.
	#[benchmark]
	fn close_subscription() {
		epoch::<T>(1);
		let schema = registered_schema::<T>();
		let mut last = 0;
		for buyer in 0..T::MaxSubscriptions::get() {
			last = subscription::<T>(schema, buyer, 1);
		}
		epoch::<T>(2u32.saturating_add(AUDIT_EPOCHS).saturating_add(1));
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), last);

		assert!(!Subscriptions::<T>::contains_key(last));
	}

	/// An offer from a meter already in all but one of the trades it may be in.
	#[benchmark]
	fn offer_trade() {
		epoch::<T>(1);
		let schema = registered_schema::<T>();
		let producer = producer::<T>(schema, 0);
		let (consumer, _) = sensor::<T>(1);
		Sensors::<T>::insert(consumer, SensorState { schema, last_end: 0, pending: None });
		let buyer = T::Registry::owner(consumer).expect("registered; qed");
		let held = BalanceOf::<T>::from(BUDGET).saturating_add(T::TradeDeposit::get());
		T::Currency::set_balance(
			&buyer,
			held.saturating_mul(T::MaxDeviceTrades::get().into())
				.saturating_add(T::Currency::minimum_balance()),
		);
		let terms = TradeTerms {
			consumer,
			producer,
			produced_field: 0,
			consumed_field: 0,
			price: 1u32.into(),
			cap: u64::MAX,
			budget: BUDGET.into(),
			first: 1,
			last: 2,
		};
		for _ in 1..T::MaxDeviceTrades::get() {
			Pallet::<T>::do_offer_trade(buyer.clone(), terms.clone()).expect("room; qed");
		}
		let id = NextTrade::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(buyer), terms);

		assert!(Trades::<T>::contains_key(id));
	}

	/// An acceptance by a meter already in all but one of the trades it may be in.
	#[benchmark]
	fn accept_trade() {
		epoch::<T>(1);
		let schema = registered_schema::<T>();
		let producer = producer::<T>(schema, 0);
		for t in 1..T::MaxDeviceTrades::get() {
			trade::<T>(schema, producer, t, 1, 2, true);
		}
		let id = trade::<T>(schema, producer, T::MaxDeviceTrades::get(), 1, 2, false);
		let seller = T::Registry::owner(producer).expect("registered; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(seller), id);

		assert!(Trades::<T>::get(id).is_some_and(|t| t.seller.is_some()));
	}

	/// The end of an accepted trade whose span has not begun: it closes at once, out of both
	/// meters' full lists.
	#[benchmark]
	fn end_trade() {
		let id = full_trades::<T>(2, 3);
		let buyer = Trades::<T>::get(id).map(|t| t.buyer).expect("offered; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(buyer), id);

		assert!(!Trades::<T>::contains_key(id));
	}

	/// The close of a trade owing the most settlements, out of both meters' full lists.
	#[benchmark]
	fn close_trade() {
		let id = full_trades::<T>(1, 2);
		let over = 2u32.saturating_add(AUDIT_EPOCHS).saturating_add(T::TradeDisputeEpochs::get());
		owe::<T>(id, over);
		epoch::<T>(over.saturating_add(1));
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id);

		assert!(!Trades::<T>::contains_key(id));
	}

	#[benchmark]
	fn dispute_trade() {
		epoch::<T>(1);
		let schema = registered_schema::<T>();
		let producer = producer::<T>(schema, 0);
		let id = trade::<T>(schema, producer, 1, 1, 2, true);
		owe::<T>(id, 1);
		let buyer = Trades::<T>::get(id).map(|t| t.buyer).expect("offered; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(buyer), id);

		assert!(Trades::<T>::get(id).is_some_and(|t| t.disputed.is_some()));
	}

	/// The decision of a disputed trade owing the most settlements, out of both meters' full
	/// lists.
	#[benchmark]
	fn resolve_trade() {
		let id = full_trades::<T>(1, 2);
		owe::<T>(id, 1);
		Trades::<T>::mutate(id, |t| {
			if let Some(t) = t {
				t.disputed = Some(1);
			}
		});

		#[extrinsic_call]
		_(RawOrigin::Root, id, 5_000u32.into());

		assert!(!Trades::<T>::contains_key(id));
	}

	#[benchmark]
	fn add_maker() {
		let schema = registered_schema::<T>();
		let key = pallet_devices::benchmark_keys::ecdsa();
		let id = NextMaker::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Root, schema, key, 1_000u32);

		assert!(Makers::<T>::contains_key(id));
	}

	#[benchmark]
	fn set_maker_cap() {
		let (id, _) = maker::<T>(registered_schema::<T>());

		#[extrinsic_call]
		_(RawOrigin::Root, id, 5u32);

		assert!(Makers::<T>::get(id).is_some_and(|m| m.cap == 5));
	}

	#[benchmark]
	fn remove_maker() {
		let (id, _) = maker::<T>(registered_schema::<T>());

		#[extrinsic_call]
		_(RawOrigin::Root, id);

		assert!(!Makers::<T>::contains_key(id));
	}

	#[benchmark]
	fn require_certificates() {
		let schema = registered_schema::<T>();

		#[extrinsic_call]
		_(RawOrigin::Root, schema, true);

		assert!(CertificatesRequired::<T>::contains_key(schema));
	}

	/// A device whose earlier certificate (of another key, by another maker) no longer
	/// vouches for it, certified by an ECDSA maker.
	#[benchmark]
	fn certify() {
		let schema = registered_schema::<T>();
		let (device, device_key) = sensor::<T>(0);
		// The key's earlier certificate, by a maker since removed: read, then replaced.
		let (old, _) = maker::<T>(schema);
		Certificates::<T>::insert(device_key, old);
		Pallet::<T>::do_remove_maker(old).expect("a trusted maker is removed; qed");
		let (id, key) = maker::<T>(schema);
		let statement = CertificateStatement { maker: id, schema, device_key };
		let genesis = depin_proving::genesis_hash::<T>();
		let signature = sign(
			&key,
			&depin_primitives::envelope::message(CERTIFICATE_CONTEXT, genesis, &statement),
		);
		let owner = T::Registry::owner(device).expect("registered; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), device, id, signature);

		assert_eq!(Certificates::<T>::get(device_key), Some(id));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
