//! The types of the coverage pallet. The wire types (beacons, receipts, bundles, rejections,
//! statuses) and the draws live in `depin_primitives::coverage`, shared with the runtime API
//! and the provider tools; what is here is the pallet's own state.

use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::Get, BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound,
	PartialEqNoBound,
};
use pallet_devices::DeviceId;
use scale_info::TypeInfo;
use sp_core::H256;

pub use depin_primitives::{coverage::*, epoch::EpochIndex};

/// A beacon recorded in an epoch and not judged yet: the winner's challenge, its beacon, and
/// what its witnesses earned it.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(MaxWitnesses))]
pub struct BeaconSlot<
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxWitnesses: Get<u32>,
> {
	/// The epoch the beaconer won.
	pub epoch: EpochIndex,
	/// The challenge it signs ([`beacon_challenge`]).
	pub challenge: H256,
	/// The beacon (`None` only in a winner's ticket that has not beaconed yet, as the runtime
	/// API shows it: a stored slot always has one).
	pub beacon: Option<Beacon<BlockNumber>>,
	/// The witnesses counted for it, in the order they were accepted.
	pub witnesses: BoundedVec<DeviceId, MaxWitnesses>,
	/// The points the beaconer earned (0 until the first valid witness confirms the beacon).
	pub points: u64,
	/// The beacon's points after density scaling, fixed when the first valid witness
	/// confirms it: the beaconer earns them scaled by its freshest witness's reciprocity
	/// ([`crate::rings::pair_scale`]), topped up when a fresher witness comes.
	pub full_points: u64,
	/// Who operates each counted witness and where it stands, in the order of `witnesses`:
	/// a beacon's witnesses are of distinct operators and cells.
	pub marks: BoundedVec<WitnessMark, MaxWitnesses>,
	/// The counted witnesses registered in the beaconer's own density cell: its neighbours
	/// that heard it.
	pub neighbours: u32,
	/// The judges around it when its last bundle was taken: the exclusion cells of its density
	/// cell, its own aside, where a vouched device in good standing witnessed a beacon of that
	/// cell in its epoch so far or the one before. What it is judged by, whenever it is.
	pub judges: u32,
}

impl<BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug, MaxWitnesses: Get<u32>>
	BeaconSlot<BlockNumber, MaxWitnesses>
{
	/// A winner of `epoch`'s lottery, with its `challenge`: no beacon yet.
	pub fn won(epoch: EpochIndex, challenge: H256) -> Self {
		Self {
			epoch,
			challenge,
			beacon: None,
			witnesses: BoundedVec::new(),
			points: 0,
			full_points: 0,
			marks: BoundedVec::new(),
			neighbours: 0,
			judges: 0,
		}
	}
}

/// What the diversity rules keep of a counted witness.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct WitnessMark {
	/// `blake2_128` of the witness's owner's account.
	pub owner: [u8; 16],
	/// `blake2_128` of its fleet manager's account, if it has one.
	pub manager: Option<[u8; 16]>,
	/// Its cell at the exclusion resolution.
	pub cell: pallet_devices::h3::H3Cell,
}

impl WitnessMark {
	/// The mark of a witness run by `owner` (and `manager`) standing in `cell`.
	pub fn new<AccountId: Encode>(
		owner: &AccountId,
		manager: Option<&AccountId>,
		cell: pallet_devices::h3::H3Cell,
	) -> Self {
		let tag = |who: &AccountId| sp_io::hashing::blake2_128(&who.encode());
		Self { owner: tag(owner), manager: manager.map(tag), cell }
	}

	/// Whether the two witnesses share an operator: an owner or manager of one is an owner or
	/// manager of the other.
	pub fn same_operator(&self, other: &Self) -> bool {
		let ours = [Some(self.owner), self.manager];
		let theirs = [Some(other.owner), other.manager];
		ours.iter().flatten().any(|tag| theirs.contains(&Some(*tag)))
	}
}

/// A device a coverage device recently witnessed or was witnessed by.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Partner {
	/// The other device.
	pub device: DeviceId,
	/// How often the two met, halved every `ReciprocityHalfLife` epochs since `epoch`.
	pub count: u32,
	/// The epoch they last met in.
	pub epoch: EpochIndex,
}

impl Partner {
	/// `count` as of `now`: halved once for every `half_life` epochs since `epoch`.
	pub fn recent(&self, now: EpochIndex, half_life: u32) -> u32 {
		let halvings = now
			.saturating_sub(self.epoch)
			.checked_div(EpochIndex::from(half_life.max(1)))
			.unwrap_or_default();
		if halvings >= 32 {
			0
		} else {
			self.count >> halvings
		}
	}
}

/// What the ring rules remember of a coverage device across epochs. Removed when it retires.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	DefaultNoBound,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxPartners))]
pub struct Standing<MaxPartners: Get<u32>> {
	/// The epoch `witnessed` counts.
	pub epoch: EpochIndex,
	/// Its receipts that earned points in `epoch` (at most `WitnessCap` do).
	pub witnessed: u32,
	/// Its last beacons in a row that the hotspots heard in its density cell did not witness
	/// (`NeighbourQuorum`); from `UnheardLimit` on, it earns nothing and witnesses nothing.
	pub unheard: u32,
	/// Whether it is vouched for: a beacon of it was judged heard by its vouched neighbours,
	/// or sent where no vouched hotspot was heard (a pioneer). Until then it is on probation:
	/// it earns nothing where vouched hotspots are heard in its cell, and counts neither as
	/// heard there nor as a neighbour that heard a beacon; so a device registered anew starts
	/// with nothing, and a ring arriving among established hotspots cannot outvote them.
	pub vouched: bool,
	/// The last epoch its vouching lasts: `VouchingLasts` beacon intervals after the beacon
	/// that last vouched for it or renewed its vouching ([`crate::Pallet::vouched`]), fixed
	/// then, so a later change of the parameters applies from its next renewal.
	pub vouched_until: EpochIndex,
	/// The devices it met last (as beaconer or witness), at most `MaxPartners`: when full, the
	/// one met least recently and least often makes room.
	pub partners: BoundedVec<Partner, MaxPartners>,
}

impl<MaxPartners: Get<u32>> Standing<MaxPartners> {
	/// Its receipts that earned points in `epoch`.
	pub fn witnessed_in(&self, epoch: EpochIndex) -> u32 {
		if self.epoch == epoch {
			self.witnessed
		} else {
			0
		}
	}

	/// One more earning receipt in `epoch`.
	pub fn count_witnessed(&mut self, epoch: EpochIndex) {
		self.witnessed = self.witnessed_in(epoch).saturating_add(1);
		self.epoch = epoch;
	}

	/// How often it met `device` recently, as of `now`.
	pub fn met(&self, device: DeviceId, now: EpochIndex, half_life: u32) -> u32 {
		self.partners.iter().find(|p| p.device == device).map_or(0, |p| p.recent(now, half_life))
	}

	/// It meets `device` in `now`.
	pub fn meet(&mut self, device: DeviceId, now: EpochIndex, half_life: u32) {
		if let Some(partner) = self.partners.iter_mut().find(|p| p.device == device) {
			partner.count = partner.recent(now, half_life).saturating_add(1);
			partner.epoch = now;
			return;
		}
		let met = Partner { device, count: 1, epoch: now };
		if self.partners.try_push(met).is_ok() {
			return;
		}
		// Full: the partner met least (then longest ago) makes room.
		let weakest = self.partners.iter_mut().min_by_key(|p| (p.recent(now, half_life), p.epoch));
		if let Some(weakest) = weakest {
			*weakest = met;
		}
	}

	/// Whether it has lost its coverage share: `limit` or more beacons in a row unheard.
	pub fn silenced(&self, limit: u32) -> bool {
		self.unheard >= limit
	}

	/// Whether its last judged beacon was heard by its neighbours (or none was judged yet):
	/// only then does it count where it is heard, and as a neighbour that heard a beacon.
	pub fn in_good_standing(&self) -> bool {
		self.unheard == 0
	}
}

/// The coverage devices heard in one density cell (a witness receipt accepted, or a beacon
/// confirmed): in epoch `epoch` so far, and in the epoch before it. Points scale by these, not
/// by the devices registered in the cell, so decoys parked there that are never heard do not
/// dilute the hotspots that are.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct HeardCount {
	/// The epoch `current` counts.
	pub epoch: EpochIndex,
	/// Devices heard so far in `epoch`.
	pub current: u32,
	/// Devices heard in the epoch before `epoch`.
	pub previous: u32,
}

impl HeardCount {
	/// The counts as of `epoch`: rolled forward when they describe an earlier epoch.
	pub fn at(self, epoch: EpochIndex) -> Self {
		if self.epoch >= epoch {
			self
		} else if self.epoch.saturating_add(1) == epoch {
			Self { epoch, current: 0, previous: self.current }
		} else {
			Self { epoch, current: 0, previous: 0 }
		}
	}

	/// The density points scale by: the devices heard in the previous epoch or so far in this
	/// one, whichever is more; at least 1.
	pub fn density(&self) -> u32 {
		self.heard().max(1)
	}

	/// The devices heard in the previous epoch or so far in this one, whichever is more.
	pub fn heard(&self) -> u32 {
		self.current.max(self.previous)
	}

	/// [`HeardCount::heard`] without `own` (another count of the same epochs, 0 or 1 in each,
	/// already in this one): this epoch's count or the previous one's, whichever is more once
	/// `own` is taken out of each.
	pub fn heard_without(&self, own: HeardCount) -> u32 {
		let own = own.at(self.epoch);
		let current = self.current.saturating_sub(own.current.min(1));
		let previous = self.previous.saturating_sub(own.previous.min(1));
		current.max(previous)
	}

	/// What it counted in `epoch` alone, if it still knows: once the count has rolled on to the
	/// epoch after, its previous count; 0 once it has rolled further or before `epoch`.
	pub fn of_epoch(&self, epoch: EpochIndex) -> u32 {
		if self.epoch == epoch {
			self.current
		} else if self.epoch.checked_sub(1) == Some(epoch) {
			self.previous
		} else {
			0
		}
	}

	/// The last epoch it counted anyone in, if it did in the two it remembers.
	pub fn last(&self) -> Option<EpochIndex> {
		if self.current > 0 {
			Some(self.epoch)
		} else if self.previous > 0 {
			self.epoch.checked_sub(1)
		} else {
			None
		}
	}
}
