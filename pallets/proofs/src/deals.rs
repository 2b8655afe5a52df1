//! Storage deals: clients pay devices, epoch by epoch, for distinct replicas of their data.
//!
//! - **Publish.** A client signs a [`DealProposal`](depin_primitives::deals::DealProposal)
//!   with its account key; the device's operator publishes it (`publish_deals`, a batch with a
//!   verdict per proposal). The client's payment for every epoch of the deal and its
//!   collateral are held ([`HoldReason::DealPayment`]); from the publishing operator, the
//!   provider's collateral ([`HoldReason::DealCollateral`]) and a storage deposit
//!   ([`HoldReason::DealDeposit`]). The publisher, not the device's owner, stakes the
//!   collateral: a manager can commit only its own money. A deal's id is its proposal's hash:
//!   a proposal is published once, and a deal that ends before its activation deadline is kept
//!   (closed, holding only its deposit) until the deadline passes; `settle_deal` then forgets
//!   it and returns the deposit. The price per GiB is at least [`Config::MinDealPrice`].
//! - **Activate.** Committing a sector whose root is a published deal's root, on the deal's
//!   device, with the deal's size, before the activation deadline activates it: it pays for
//!   the `duration` epochs from the sector's first challenge on. A deal not activated in time
//!   fails: its provider collateral goes to the client.
//! - **Unique replicas.** A root is kept by one device of the whole chain at a time
//!   ([`RootHolders`]: a live sector, a live deal, or an active deal and its sector): a
//!   commitment of a root kept elsewhere, or a proposal for a root another deal has, is
//!   refused (`DuplicateRoot`), so one stored copy backs one sector, and the client tool
//!   makes each replica distinct (sealed with its own key), so n replicas have n roots. A
//!   root seen in a pending `publish_deals` cannot be squatted with a sector: a deal comes
//!   before a sector nobody pays for, and publishing it evicts that sector from the other
//!   device (`SectorEvicted`), once the sector's challenge of the epoch is answered or past
//!   its deadline (`ChallengeOpen` until then: an eviction never costs an honest provider a
//!   proof, nor lets one escape a miss). Squatting it with a deal of one's own holds it until
//!   that deal's activation deadline; then the next proposal or commitment of the root fails
//!   the deal (as it does a waiting deal whose device is gone). A proposal for a root its own
//!   device keeps in a sector without a deal (a deal that ended: renewed) activates on that
//!   sector at once.
//! - **Pay.** In arrears: each time the sector is proven (at an audit of its device,
//!   [`Config::AuditRate`]), the deal counts every epoch since its last payment as paid, unless
//!   an audit was missed since (below). Each epoch's price is owed to the device's owner out
//!   of the client's hold, less the protocol fee
//!   ([`Config::DealFee`], fixed at publication), which is owed to
//!   [`Config::FeeDestination`] (burned in the runtime) and reported with the proof's points
//!   to [`Config::OnProofAccepted`]: the emission pallet pays the points at most that fee, so
//!   a provider paying itself burns at least what it earns. The proof itself only updates the
//!   deal's counters (one read and one write): the money moves, every epoch owed at once, when
//!   anyone settles the deal (`settle_deal`) or it ends. The client's hold always covers what
//!   is owed, so a counted epoch is as good as paid.
//! - **Miss.** Epochs are counted lazily (O(1) whatever the gap): when the sector is next
//!   proven, or the deal settled or ended. The epochs up to an audit of the device that the
//!   sector did not answer are missed (the device's record remembers its last two audits). A
//!   missed epoch's price goes back to the client with
//!   [`Config::MissSlash`] of the provider's collateral (fixed at publication) when the deal is
//!   settled;
//!   [`Config::MaxMissesInRow`] audits missed in a row end the deal (at its next settlement)
//!   with the rest of that collateral paid to the client, and no later proof is paid.
//! - **End.** Its last epochs are paid by the first audit passed after them (or missed, if
//!   that audit is missed): then the deal completes and both collaterals are released. The
//!   provider may end it early (`terminate_deal`, or removing the sector, or the device being
//!   removed) at the cost of its remaining collateral; the client, at the cost of its own
//!   collateral, paid to the provider. The client's unspent payment always comes back.
//!   Holds move with `Fortitude::Force`: a freeze on a party's balance (a conviction vote's
//!   lock) cannot stop a payment, a fee or a penalty the deal owes.

use crate::{
	pallet::*, BalanceOf, DealOf, DealProposalOf, OnProofAccepted, ProvingEpochs, SignedProposalOf,
};
use alloc::vec::Vec;
use depin_primitives::deals::{
	self as wire, DealEnd, DealId, DealProgress, DealState, DEAL_CONTEXT,
};
use depin_proving::{
	batch::{self, Verdicts},
	devices,
};
use frame_support::{
	dispatch::DispatchResultWithPostInfo,
	ensure,
	pallet_prelude::{DispatchError, DispatchResult, Get, Weight},
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
	},
};
use pallet_devices::{DeviceId, DeviceKind, DeviceRegistry};
use sp_core::H256;
use sp_runtime::traits::{CheckedAdd, CheckedMul, Saturating, UniqueSaturatedInto, Verify, Zero};

use crate::types::{EpochIndex, ProverState, RootHolder, SectorIndex};

/// How a publication takes its root: see [`Pallet::root_claim`].
enum RootClaim {
	/// Nobody keeps it.
	Free,
	/// A published deal kept it that can no longer be activated: it was ended.
	Lapsed,
	/// Its own device keeps it in this sector, without a deal: the deal activates on it.
	Renew(SectorIndex),
	/// Only this sector of another device keeps it, without a deal: it is evicted.
	Evict(DeviceId, SectorIndex, crate::types::Sector),
}

/// Who pays a deal's epochs: see [`Pallet::place`].
pub(crate) enum Payer<'a, T: Config> {
	/// The proposal's client, whose signature of it this is.
	Client(&'a T::ClientSignature),
	/// A permanent replica's endowment, held on the pot (the proposal's client).
	Endowment,
}

/// What keeps a root waiting for its sector: see [`Pallet::waiting_deal`].
enum Waiting<T: Config> {
	/// No published deal (a sector keeps the root).
	None,
	/// A published deal that could no longer be activated: it was ended, the root is free.
	Lapsed,
	/// This published deal, still to be activated.
	Deal(DealId, DealOf<T>),
}
use crate::weights::WeightInfo;

impl<T: Config> Pallet<T> {
	/// The bytes a client's key signs for `proposal`: the enveloped proposal.
	pub fn proposal_message(proposal: &DealProposalOf<T>) -> Vec<u8> {
		depin_primitives::envelope::message(
			DEAL_CONTEXT,
			depin_proving::genesis_hash::<T>(),
			proposal,
		)
	}

	/// What each proven epoch of `proposal` pays, if it fits the balance type.
	pub fn epoch_price_of(proposal: &DealProposalOf<T>) -> Option<BalanceOf<T>> {
		let price: u128 = proposal.price_per_gib.unique_saturated_into();
		let per_epoch = wire::epoch_price(price, proposal.bytes())?;
		BalanceOf::<T>::try_from(per_epoch).ok()
	}

	/// What the client must still have held for `deal`: the price of every epoch neither
	/// collected by the provider nor refunded, and its collateral.
	pub fn client_held(deal: &DealOf<T>) -> BalanceOf<T> {
		let open = match deal.state {
			DealState::Published => deal.proposal.duration,
			DealState::Active(p) => {
				deal.proposal.duration.saturating_sub(p.collected).saturating_sub(p.refunded)
			},
			DealState::Closed => return Zero::zero(),
		};
		deal.epoch_price.saturating_mul(open.into()).saturating_add(deal.proposal.client_collateral)
	}

	// ---- Publishing ----------------------------------------------------------------------

	pub(crate) fn do_publish_deals(
		who: T::AccountId,
		proposals: crate::SignedProposalsOf<T>,
	) -> DispatchResultWithPostInfo {
		ensure!(!proposals.is_empty(), Error::<T>::EmptyBatch);
		let item = T::WeightInfo::publish_deals(1).saturating_sub(T::WeightInfo::publish_deals(0));
		let Verdicts { accepted, rejected, weight } = batch::process(
			&proposals,
			T::WeightInfo::publish_deals(0),
			batch::nothing_to_settle,
			|signed| {
				Self::publish(&who, signed)
					.map(|claimed| item.saturating_add(claimed))
					.map_err(|e| (e, item))
			},
			|index, signed, error| {
				let deal = signed.proposal.id();
				Self::deposit_event(Event::ProposalRejected { index, deal, error })
			},
		);
		Self::deposit_event(Event::ProposalsProcessed { accepted, rejected });
		Ok(Some(weight).into())
	}

	/// Check and publish one proposal: its terms, the device, the root, the signature, then
	/// the holds. Returns the weight taking its root over added (none if it was free).
	fn publish(who: &T::AccountId, signed: &SignedProposalOf<T>) -> Result<Weight, DispatchError> {
		let proposal = &signed.proposal;
		let epoch_price = Self::check_terms(proposal)?;
		ensure!(proposal.price_per_gib >= T::MinDealPrice::get(), Error::<T>::PriceTooLow);
		Self::place(who, proposal, epoch_price, Payer::Client(&signed.signature))
	}

	/// A proposal's terms, whoever pays: its activation deadline, duration and size are
	/// within bounds and an epoch costs something. Returns what an epoch pays.
	pub(crate) fn check_terms(proposal: &DealProposalOf<T>) -> Result<BalanceOf<T>, Error<T>> {
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= proposal.activation_deadline, Error::<T>::ProposalExpired);
		ensure!(
			proposal.activation_deadline <= now.saturating_add(T::MaxActivationDelay::get()),
			Error::<T>::DeadlineTooFar
		);
		ensure!(
			proposal.duration >= 1 && proposal.duration <= T::MaxDealDuration::get(),
			Error::<T>::BadDuration
		);
		ensure!(proposal.chunks > 0, Error::<T>::EmptySector);
		ensure!(
			depin_merkle::depth_for(proposal.chunks) <= T::MaxTreeDepth::get(),
			Error::<T>::SectorTooLarge
		);
		let epoch_price = Self::epoch_price_of(proposal).ok_or(Error::<T>::Overflow)?;
		ensure!(!epoch_price.is_zero(), Error::<T>::PriceTooLow);
		Ok(epoch_price)
	}

	/// Publish `proposal`, whose terms are checked, for `who`, an operator of its device: the
	/// device, the root, then the payer's money (the client's, with its signature, or a
	/// permanent replica's endowment) and `who`'s collateral and deposit are held. Returns the
	/// weight taking its root over added (none if it was free).
	pub(crate) fn place(
		who: &T::AccountId,
		proposal: &DealProposalOf<T>,
		epoch_price: BalanceOf<T>,
		payer: Payer<'_, T>,
	) -> Result<Weight, DispatchError> {
		let payment = epoch_price
			.checked_mul(&proposal.duration.into())
			.and_then(|p| p.checked_add(&proposal.client_collateral))
			.ok_or(Error::<T>::Overflow)?;
		devices::usable_device::<_, T::Registry>(proposal.device, Some(who), DeviceKind::Storage)
			.map_err(Error::<T>::from)?;
		let id = proposal.id();
		ensure!(!Deals::<T>::contains_key(id), Error::<T>::DuplicateProposal);
		// A permanent replica's root is published only for its tranches.
		ensure!(
			matches!(payer, Payer::Endowment) || !PermanentRoots::<T>::contains_key(proposal.root),
			Error::<T>::DuplicateRoot
		);
		let claim = Self::root_claim(proposal)?;
		let payment_reason = HoldReason::DealPayment.into();
		// (An item is published in its own storage layer: a failed hold rolls back the others.)
		match payer {
			Payer::Client(signature) => {
				let message = Self::proposal_message(proposal);
				ensure!(
					signature.verify(&message[..], &proposal.client),
					Error::<T>::BadClientSignature
				);
				T::Currency::hold(&payment_reason, &proposal.client, payment)
					.map_err(|_| Error::<T>::ClientCannotPay)?;
			},
			Payer::Endowment => {
				// The replica's endowment, held on the pot, becomes the tranche's payment.
				T::Currency::release(
					&HoldReason::Endowment.into(),
					&proposal.client,
					payment,
					Precision::Exact,
				)
				.map_err(|_| Error::<T>::ClientCannotPay)?;
				T::Currency::hold(&payment_reason, &proposal.client, payment)
					.map_err(|_| Error::<T>::ClientCannotPay)?;
			},
		}
		let deposit = T::DealDeposit::get();
		for (reason, amount) in [
			(HoldReason::DealCollateral, proposal.provider_collateral),
			(HoldReason::DealDeposit, deposit),
		] {
			if !amount.is_zero() {
				T::Currency::hold(&reason.into(), who, amount)
					.map_err(|_| Error::<T>::ProviderCannotPay)?;
			}
		}
		let deal = DealOf::<T> {
			proposal: proposal.clone(),
			provider: who.clone(),
			deposit,
			epoch_price,
			epoch_fee: T::DealFee::get().mul_floor(epoch_price),
			miss_penalty: T::MissSlash::get().mul_floor(proposal.provider_collateral),
			collateral_left: proposal.provider_collateral,
			state: DealState::Published,
		};
		let claimed = !matches!(claim, RootClaim::Free);
		let sector = match claim {
			RootClaim::Renew(sector) => Some(sector),
			RootClaim::Evict(device, index, evicted) => {
				Self::evict_sector(device, index, &evicted, id);
				None
			},
			RootClaim::Free | RootClaim::Lapsed => None,
		};
		RootHolders::<T>::insert(
			proposal.root,
			RootHolder { device: proposal.device, sector, deal: Some(id) },
		);
		if sector.is_none() {
			// (A renewal's record is written once, active, below.)
			Deals::<T>::insert(id, &deal);
		}
		ClientDeals::<T>::insert(&proposal.client, id, ());
		DeviceDeals::<T>::insert(proposal.device, id, ());
		Self::deposit_event(Event::DealPublished {
			deal: id,
			client: proposal.client.clone(),
			device: proposal.device,
			root: proposal.root,
			epoch_price,
		});
		if let Some(sector) = sector {
			Self::activate(id, deal, proposal.device, sector, Self::commitment_epoch());
		}
		Ok(if claimed { Self::root_claim_weight() } else { Weight::zero() })
	}

	/// Whether `proposal` may have its root, and how: the root is free (or its deal, waiting
	/// for a sector, has failed: see [`Self::waiting_deal`]); or the proposal's device keeps
	/// it in a sector without a deal, which the deal renews (at the sector's size); or only
	/// another device's sector keeps it, without a deal, and is evicted, once its challenge of
	/// the epoch is answered or its deadline past (`ChallengeOpen`). Refused if a live deal
	/// has it (`DuplicateRoot`).
	fn root_claim(proposal: &DealProposalOf<T>) -> Result<RootClaim, Error<T>> {
		let Some(holder) = RootHolders::<T>::get(proposal.root) else { return Ok(RootClaim::Free) };
		match Self::waiting_deal(&holder) {
			Waiting::Lapsed => return Ok(RootClaim::Lapsed),
			Waiting::Deal(..) => return Err(Error::<T>::DuplicateRoot),
			Waiting::None => {},
		}
		ensure!(holder.deal.is_none(), Error::<T>::DuplicateRoot);
		let Some(index) = holder.sector else { return Ok(RootClaim::Free) };
		let sector = Sectors::<T>::get(holder.device, index).ok_or(Error::<T>::UnknownSector)?;
		if holder.device != proposal.device {
			let active = T::Registry::is_active(holder.device);
			ensure!(!active || !Self::challenge_open(&sector), Error::<T>::ChallengeOpen);
			return Ok(RootClaim::Evict(holder.device, index, sector));
		}
		ensure!(sector.chunks == proposal.chunks, Error::<T>::DealSizeMismatch);
		Ok(RootClaim::Renew(index))
	}

	/// The published deal that keeps `holder`'s root waiting for its sector, if any. One that
	/// can no longer be activated (its activation deadline has passed, or its device is gone)
	/// is ended now (`NotActivated`: its provider collateral to its client), and the root is
	/// free: nobody needs to settle a failed deal before its root can be used again.
	fn waiting_deal(holder: &RootHolder) -> Waiting<T> {
		let (None, Some(id)) = (holder.sector, holder.deal) else { return Waiting::None };
		let Some(deal) = Deals::<T>::get(id) else { return Waiting::None };
		let expired = frame_system::Pallet::<T>::block_number() > deal.proposal.activation_deadline;
		if !expired && T::Registry::device(holder.device).is_some() {
			return Waiting::Deal(id, deal);
		}
		Self::end_deal(id, deal, DealEnd::NotActivated);
		Waiting::Lapsed
	}

	/// The most taking a root over adds to a publication: evicting another device's sector
	/// (a removal without a deal to end, and the most settling its device can cost), ending a
	/// lapsed deal (less than a removal, which ends a deal and more) or renewing on the
	/// device's own sector (a read and three writes).
	pub fn root_claim_weight() -> Weight {
		T::WeightInfo::remove_sector().saturating_add(Self::settle_weight())
	}

	// ---- Sectors -------------------------------------------------------------------------

	/// Before `device` commits `root` of `chunks` chunks: the root must be free, or a
	/// published deal of the device must be waiting for it at this size (returned, to
	/// activate). A published deal that can no longer be activated (past its deadline, or its
	/// device gone) fails now, whichever device it is on, and the root is free.
	pub(crate) fn deal_for_commit(
		device: DeviceId,
		root: H256,
		chunks: u32,
	) -> Result<Option<(DealId, DealOf<T>)>, Error<T>> {
		// A permanent replica's root is committed only for its tranche, waiting for it.
		let permanent = PermanentRoots::<T>::contains_key(root);
		let Some(holder) = RootHolders::<T>::get(root) else {
			ensure!(!permanent, Error::<T>::DuplicateRoot);
			return Ok(None);
		};
		let (id, deal) = match Self::waiting_deal(&holder) {
			Waiting::Lapsed => {
				ensure!(!permanent, Error::<T>::DuplicateRoot);
				return Ok(None);
			},
			Waiting::Deal(id, deal) => (id, deal),
			// A live sector keeps it (with or without a deal).
			Waiting::None => return Err(Error::<T>::DuplicateRoot),
		};
		ensure!(holder.device == device, Error::<T>::DuplicateRoot);
		ensure!(deal.proposal.chunks == chunks, Error::<T>::DealSizeMismatch);
		Ok(Some((id, deal)))
	}

	/// `device` committed sector `index` for deal `id`, counted from epoch `committed_in`.
	pub(crate) fn activate(
		id: DealId,
		mut deal: DealOf<T>,
		device: DeviceId,
		index: SectorIndex,
		committed_in: EpochIndex,
	) {
		let first_epoch = committed_in.saturating_add(1);
		deal.state = DealState::Active(DealProgress {
			sector: index,
			first_epoch,
			settled_through: committed_in,
			..Default::default()
		});
		Deals::<T>::insert(id, deal);
		SectorDeals::<T>::insert(device, index, id);
		Self::deposit_event(Event::DealActivated { deal: id, device, sector: index, first_epoch });
	}

	/// Settle every active deal of `device` (at most one per sector): what their counted
	/// epochs owe moves now, to the device's current owner.
	pub(crate) fn settle_device_deals(device: DeviceId) {
		let ids: Vec<DealId> = SectorDeals::<T>::iter_prefix_values(device).collect();
		for id in ids {
			if let Some(deal) = Deals::<T>::get(id) {
				Self::settle_deal_epochs(id, deal);
			}
		}
	}

	/// Whether `who` may remove sector `index` of `device`, ending its deal if it has one: only
	/// the deal's publisher, whose collateral the deal stakes.
	pub(crate) fn may_end_sector_deal(
		who: &T::AccountId,
		device: DeviceId,
		index: SectorIndex,
	) -> bool {
		SectorDeals::<T>::get(device, index)
			.and_then(Deals::<T>::get)
			.is_none_or(|deal| deal.provider == *who)
	}

	/// Sector `index` of `device`, of `root`, is gone (removed, evicted, or its device
	/// removed): its deal, if any, is ended by the provider (after what it owes is settled),
	/// and its root is free.
	pub(crate) fn sector_gone(device: DeviceId, index: SectorIndex, root: H256) {
		if let Some(id) = SectorDeals::<T>::take(device, index) {
			if let Some(deal) = Deals::<T>::get(id) {
				// Over, and waiting for the audit that pays its last epochs: the provider gives
				// them up (their price back to the client), not its collateral.
				let over = Self::deal_over(&deal);
				let reason = if over { DealEnd::Completed } else { DealEnd::ProviderTerminated };
				Self::settle_and_end(id, deal, reason);
			}
		}
		RootHolders::<T>::mutate_exists(root, |holder| {
			if holder.is_some_and(|h| h.device == device && h.sector == Some(index)) {
				*holder = None;
			}
		});
	}

	/// The deal of sector `index` of `device`, proven in `epoch`, in arrears; `state` is the
	/// device's record entered into `epoch`. The epochs since the deal's last payment up to the
	/// device's last audit before `epoch` are missed (the sector was challenged then and not
	/// proven, or the deal would have been paid through it); the rest, up to `epoch`, are paid
	/// (an epoch that did not audit the device is paid once a later audit is passed). After
	/// the deal's last epoch, the first audit passed pays what is left of it, and one missed
	/// first counts it all as missed. Returns the protocol fee of the epochs paid (so the proof
	/// is deal-backed), `None` if the sector has no deal paying for `epoch` (none, not yet, no
	/// longer, or one its misses have ended). Only the deal's counters change: one write.
	pub(crate) fn pay_epoch(
		device: DeviceId,
		index: SectorIndex,
		epoch: EpochIndex,
		state: &ProverState,
	) -> Option<BalanceOf<T>> {
		let id = SectorDeals::<T>::get(device, index)?;
		let mut deal = Deals::<T>::get(id)?;
		let DealState::Active(mut progress) = deal.state else { return None };
		let last = progress.last_epoch(deal.proposal.duration);
		if epoch < progress.first_epoch || progress.settled_through >= last {
			return None;
		}
		let audits = ClosedAudits::of(state, epoch, Self::every_epoch());
		let missed = Self::count_misses(&mut progress, &audits, last);
		if progress.misses_in_row >= T::MaxMissesInRow::get() {
			// Ended by its misses: whoever settles it next ends it; nothing is written here.
			return None;
		}
		if missed > 0 {
			Self::deposit_event(Event::DealMissed {
				deal: id,
				epochs: missed,
				in_row: progress.misses_in_row,
			});
		}
		// Paid through this epoch, or through the deal's last.
		let through = epoch.min(last);
		let paid = (through > progress.settled_through).then(|| {
			let paid = Self::count_paid(&mut progress, through, &deal);
			progress.misses_in_row = 0;
			paid
		});
		if paid.is_none() && missed == 0 {
			return None;
		}
		deal.state = DealState::Active(progress);
		Deals::<T>::insert(id, deal);
		let (paid, fee) = paid?;
		Self::deposit_event(Event::DealPaid { deal: id, epoch: through, paid, fee });
		Some(fee)
	}

	/// Count the epochs of `progress` after `settled_through` up to `through` as paid. Returns
	/// what they owe the device's owner and the protocol fee in it.
	fn count_paid(
		progress: &mut DealProgress,
		through: EpochIndex,
		deal: &DealOf<T>,
	) -> (BalanceOf<T>, BalanceOf<T>) {
		let epochs = through.saturating_sub(progress.settled_through);
		progress.settled_through = progress.settled_through.max(through);
		progress.paid = progress.paid.saturating_add(epochs);
		// At most the deal's duration of epochs, all held from the client at publication.
		let fee = deal.epoch_fee.saturating_mul(epochs.into());
		let paid = deal.epoch_price.saturating_sub(deal.epoch_fee).saturating_mul(epochs.into());
		(paid, fee)
	}

	/// Whether `deal` is active, every epoch of it is over, and it waits for the device's
	/// audit that pays its last epochs (or counts them missed): settling it now would not end
	/// it.
	pub(crate) fn deal_over(deal: &DealOf<T>) -> bool {
		let DealState::Active(progress) = deal.state else { return false };
		let last = progress.last_epoch(deal.proposal.duration);
		if T::Epochs::current().index <= last {
			return false;
		}
		let audited = Self::closed_audits(deal.proposal.device).last;
		progress.settled_through.max(audited) < last
	}

	/// Whether every epoch audits every device (an audit rate of one).
	pub(crate) fn every_epoch() -> bool {
		u64::from(Self::audit_rate()) >= depin_primitives::BILLION
	}

	/// The audits of `device` known to have closed before the epoch in progress, from its
	/// record as settling it now would leave it (nothing is written).
	pub(crate) fn closed_audits(device: DeviceId) -> ClosedAudits {
		let epoch = T::Epochs::current();
		let every_epoch = Self::every_epoch();
		let Some(mut state) = Provers::<T>::get(device) else {
			return ClosedAudits { last: 0, before: 0, every_epoch };
		};
		if state.epoch < epoch.index {
			// Only its audits are read: whether it would be challenged does not matter.
			depin_proving::Ledger::enter(
				&mut Self::ledger(device, &mut state, &epoch),
				epoch.index,
				false,
			);
		}
		ClosedAudits::of(&state, epoch.index, every_epoch)
	}

	// ---- Accounting ----------------------------------------------------------------------

	/// Count every epoch of `progress` after `settled_through` up to the last of `audits`,
	/// which its sector missed (at most the deal's `last`), as missed, in O(1): an audit passed
	/// pays the deal through it when its proof is taken, so any epoch not counted by then, up
	/// to an audit since, was not proven. Its misses in a row grow by the audits missed.
	/// Returns the epochs counted now.
	fn count_misses(progress: &mut DealProgress, audits: &ClosedAudits, last: EpochIndex) -> u32 {
		let upto = audits.last.min(last);
		if upto <= progress.settled_through {
			return 0;
		}
		let epochs = upto.saturating_sub(progress.settled_through);
		let in_row = audits.missed_after(progress.settled_through, epochs);
		progress.settled_through = upto;
		progress.missed = progress.missed.saturating_add(epochs);
		progress.misses_in_row = progress.misses_in_row.saturating_add(in_row);
		epochs
	}

	/// Move what `deal`'s counters owe: the paid epochs not collected yet to the device's
	/// owner (less their fee, burned), the missed epochs not refunded yet back to the client,
	/// each with a slice of the provider's collateral. Returns whether anything moved, and
	/// what went to the client (free).
	fn collect(id: DealId, deal: &mut DealOf<T>) -> (bool, BalanceOf<T>) {
		let DealState::Active(mut progress) = deal.state else { return (false, Zero::zero()) };
		let client = deal.proposal.client.clone();
		let payment = HoldReason::DealPayment.into();

		let owed = progress.paid.saturating_sub(progress.collected);
		let mut paid: BalanceOf<T> = Zero::zero();
		let mut fee: BalanceOf<T> = Zero::zero();
		if owed > 0 {
			fee = deal.epoch_fee.saturating_mul(owed.into());
			let share = deal.epoch_price.saturating_sub(deal.epoch_fee).saturating_mul(owed.into());
			let owner =
				T::Registry::owner(deal.proposal.device).unwrap_or_else(|| deal.provider.clone());
			let moved = depin_proving::usage::pay_from_hold::<_, T::Currency, T::FeeDestination>(
				&payment, &client, &owner, share, fee,
			);
			(paid, fee) = (moved.paid, moved.fee);
			progress.collected = progress.paid;
		}

		let missed = progress.missed.saturating_sub(progress.refunded);
		let mut refunded: BalanceOf<T> = Zero::zero();
		let mut penalty: BalanceOf<T> = Zero::zero();
		if missed > 0 {
			let refund = deal.epoch_price.saturating_mul(missed.into());
			refunded = T::Currency::release(&payment, &client, refund, Precision::BestEffort)
				.unwrap_or_else(|_| Zero::zero());
			let due = deal.miss_penalty.saturating_mul(missed.into()).min(deal.collateral_left);
			penalty = Self::pay_collateral_to_client(deal, due);
			progress.refunded = progress.missed;
		}
		deal.state = DealState::Active(progress);
		let moved = owed > 0 || missed > 0;
		if moved {
			Self::deposit_event(Event::DealSettled { deal: id, paid, fee, refunded, penalty });
		}
		(moved, refunded.saturating_add(penalty))
	}

	/// Count `deal`'s closed epochs and settle what they owe: missed up to the device's last
	/// closed audit since its last payment, which its sector did not answer
	/// ([`Self::closed_audits`]); the epochs after it wait for the next audit. Ends it if its
	/// misses in a row reached `MaxMissesInRow` (`Faulted`), if its last epoch is counted
	/// (`Completed`: paid by the first audit passed after it, or missed), or if it was never
	/// activated and its deadline passed (`NotActivated`). Returns whether it changed, and
	/// whether it ended; a deal that did not end is written back.
	fn settle_deal_epochs(id: DealId, mut deal: DealOf<T>) -> (bool, bool) {
		let state = deal.state;
		match state {
			DealState::Closed => (false, false),
			DealState::Published => {
				if frame_system::Pallet::<T>::block_number() > deal.proposal.activation_deadline {
					Self::end_deal(id, deal, DealEnd::NotActivated);
					return (true, true);
				}
				(false, false)
			},
			DealState::Active(mut progress) => {
				let last = progress.last_epoch(deal.proposal.duration);
				let audits = Self::closed_audits(deal.proposal.device);
				let missed = Self::count_misses(&mut progress, &audits, last);
				if missed > 0 {
					Self::deposit_event(Event::DealMissed {
						deal: id,
						epochs: missed,
						in_row: progress.misses_in_row,
					});
				}
				deal.state = DealState::Active(progress);
				if progress.misses_in_row >= T::MaxMissesInRow::get() {
					Self::end_deal(id, deal, DealEnd::Faulted);
					return (true, true);
				}
				if progress.settled_through >= last {
					Self::end_deal(id, deal, DealEnd::Completed);
					return (true, true);
				}
				let (moved, to_client) = Self::collect(id, &mut deal);
				let changed = moved || missed > 0;
				if changed {
					Deals::<T>::insert(id, deal);
				}
				// A permanent replica's tranche: what its client got back is the endowment's.
				Self::endow_back(id, to_client);
				(changed, false)
			},
		}
	}

	/// Settle `deal`, then end it for `reason` unless settling ended it.
	fn settle_and_end(id: DealId, deal: DealOf<T>, reason: DealEnd) {
		let (_, ended) = Self::settle_deal_epochs(id, deal);
		if !ended {
			if let Some(deal) = Deals::<T>::get(id) {
				Self::end_deal(id, deal, reason);
			}
		}
	}

	/// Move up to `amount` of the provider's collateral to the client; what was moved.
	fn pay_collateral_to_client(deal: &mut DealOf<T>, amount: BalanceOf<T>) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		let moved = T::Currency::transfer_on_hold(
			&HoldReason::DealCollateral.into(),
			&deal.provider,
			&deal.proposal.client,
			amount,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_else(|_| Zero::zero());
		deal.collateral_left = deal.collateral_left.saturating_sub(moved);
		moved
	}

	/// End deal `id` for `reason`: settle what its counters owe, then every hold it has,
	/// forget its root and sector, and keep it closed until its activation deadline (or
	/// forget it).
	pub(crate) fn end_deal(id: DealId, mut deal: DealOf<T>, reason: DealEnd) {
		let (_, collected) = Self::collect(id, &mut deal);
		let (device, paid) = (deal.proposal.device, Self::paid_epochs(&deal));
		let client = deal.proposal.client.clone();
		let payment = HoldReason::DealPayment.into();
		let collateral = HoldReason::DealCollateral.into();

		// What the client has held for the deal comes back; its collateral too, unless it
		// ended the deal, when it pays the provider.
		let back = Self::client_held(&deal);
		let mut client_fee = Zero::zero();
		if reason == DealEnd::ClientTerminated {
			client_fee = T::Currency::transfer_on_hold(
				&payment,
				&client,
				&deal.provider,
				deal.proposal.client_collateral,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			)
			.unwrap_or_else(|_| Zero::zero());
		}
		let released = T::Currency::release(
			&payment,
			&client,
			back.saturating_sub(client_fee),
			Precision::BestEffort,
		)
		.unwrap_or_else(|_| Zero::zero());

		// The provider's collateral: its own again if the deal completed or the client ended
		// it; the client's if the provider failed it.
		let provider_penalty = match reason {
			DealEnd::Completed | DealEnd::ClientTerminated => {
				let _ = T::Currency::release(
					&collateral,
					&deal.provider,
					deal.collateral_left,
					Precision::BestEffort,
				);
				Zero::zero()
			},
			DealEnd::NotActivated | DealEnd::Faulted | DealEnd::ProviderTerminated => {
				let left = deal.collateral_left;
				Self::pay_collateral_to_client(&mut deal, left)
			},
		};

		// The root: kept on by the sector if it stays, free otherwise.
		RootHolders::<T>::mutate_exists(deal.proposal.root, |holder| {
			if let Some(h) = holder {
				if h.deal == Some(id) {
					h.deal = None;
					if h.sector.is_none() {
						*holder = None;
					}
				}
			}
		});
		if let DealState::Active(progress) = deal.state {
			if SectorDeals::<T>::get(deal.proposal.device, progress.sector) == Some(id) {
				SectorDeals::<T>::remove(deal.proposal.device, progress.sector);
			}
		}
		if frame_system::Pallet::<T>::block_number() <= deal.proposal.activation_deadline {
			deal.state = DealState::Closed;
			deal.collateral_left = Zero::zero();
			Deals::<T>::insert(id, deal);
		} else {
			Self::forget(id, &deal);
		}
		Self::deposit_event(Event::DealEnded { deal: id, reason, provider_penalty, client_fee });
		// A permanent replica's tranche: what came back to its client (the pot) goes to its
		// endowment, and the replica opens.
		let to_client = collected.saturating_add(released).saturating_add(provider_penalty);
		Self::tranche_ended(id, device, paid, reason, to_client);
	}

	/// Delete deal `id` and its index entries, and return its deposit.
	fn forget(id: DealId, deal: &DealOf<T>) {
		let _ = T::Currency::release(
			&HoldReason::DealDeposit.into(),
			&deal.provider,
			deal.deposit,
			Precision::BestEffort,
		);
		Deals::<T>::remove(id);
		ClientDeals::<T>::remove(&deal.proposal.client, id);
		DeviceDeals::<T>::remove(deal.proposal.device, id);
	}

	// ---- Calls ---------------------------------------------------------------------------

	pub(crate) fn do_terminate_deal(who: T::AccountId, id: DealId) -> DispatchResult {
		let deal = Deals::<T>::get(id).ok_or(Error::<T>::UnknownDeal)?;
		ensure!(deal.state != DealState::Closed, Error::<T>::DealClosed);
		// The provider's side is its publisher's, whose collateral it stakes: another operator
		// of the device cannot end it and hand that collateral to a client of its own.
		let by_client = who == deal.proposal.client;
		let by_provider = who == deal.provider;
		ensure!(by_client || by_provider, Error::<T>::NotDealParty);
		// What the past epochs owe first: a provider cannot end a deal to escape its misses,
		// and is paid for the epochs it proved.
		// Once its epochs are over the deal waits for the audit that pays its last ones: the
		// client may not end it to take them back, and the provider that ends it gives them up
		// (their price back to the client), not its collateral.
		let over = Self::deal_over(&deal);
		ensure!(by_provider || !over, Error::<T>::DealOver);
		let reason = match (by_provider, over) {
			(true, true) => DealEnd::Completed,
			(true, false) => DealEnd::ProviderTerminated,
			(false, _) => DealEnd::ClientTerminated,
		};
		Self::settle_and_end(id, deal, reason);
		Ok(())
	}

	pub(crate) fn do_settle_deal(id: DealId) -> DispatchResult {
		let deal = Deals::<T>::get(id).ok_or(Error::<T>::UnknownDeal)?;
		if deal.state == DealState::Closed {
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now > deal.proposal.activation_deadline, Error::<T>::NothingToSettle);
			Self::forget(id, &deal);
			return Ok(());
		}
		let (changed, _) = Self::settle_deal_epochs(id, deal);
		ensure!(changed, Error::<T>::NothingToSettle);
		Ok(())
	}

	// ---- Queries and invariants ----------------------------------------------------------

	/// The deal `id`, if it is kept (live, or closed before its activation deadline).
	pub fn deal(id: DealId) -> Option<DealOf<T>> {
		Deals::<T>::get(id)
	}

	/// The published or active deal of `root` on `device`, if any.
	pub fn deal_by_root(device: DeviceId, root: H256) -> Option<(DealId, DealOf<T>)> {
		let id = RootHolders::<T>::get(root).filter(|h| h.device == device)?.deal?;
		Deals::<T>::get(id).map(|deal| (id, deal))
	}

	/// A page of `client`'s deals after `start_after`, at most `limit` (capped at `MAX_PAGE`).
	pub fn deals_of_client(
		client: &T::AccountId,
		start_after: Option<DealId>,
		limit: u32,
	) -> Vec<(DealId, DealOf<T>)> {
		let ids = match start_after {
			Some(after) => ClientDeals::<T>::iter_key_prefix_from(
				client,
				ClientDeals::<T>::hashed_key_for(client, after),
			),
			None => ClientDeals::<T>::iter_key_prefix(client),
		};
		Self::page(ids, limit)
	}

	/// A page of `device`'s deals after `start_after`, at most `limit` (capped at `MAX_PAGE`).
	pub fn deals_of_device(
		device: DeviceId,
		start_after: Option<DealId>,
		limit: u32,
	) -> Vec<(DealId, DealOf<T>)> {
		let ids = match start_after {
			Some(after) => DeviceDeals::<T>::iter_key_prefix_from(
				device,
				DeviceDeals::<T>::hashed_key_for(device, after),
			),
			None => DeviceDeals::<T>::iter_key_prefix(device),
		};
		Self::page(ids, limit)
	}

	fn page(ids: impl Iterator<Item = DealId>, limit: u32) -> Vec<(DealId, DealOf<T>)> {
		let limit = limit.min(pallet_devices::MAX_PAGE) as usize;
		ids.filter_map(|id| Deals::<T>::get(id).map(|deal| (id, deal))).take(limit).collect()
	}

	/// The deals' invariants:
	///
	/// - every root in [`RootHolders`] is kept by something: a live sector with that root, a
	///   published deal with that root and no sector yet, or an active deal with that root
	///   and its sector; every published or active deal's root names it;
	/// - every active deal's sector is live, has the deal's root and is mapped to it in
	///   [`SectorDeals`], and every entry there names an active deal of that sector;
	/// - a deal's price and fee are its proposal's; a live deal's counts stay within its
	///   duration and up to the current epoch, add up, never settle more than they counted,
	///   and its collateral left stays within its proposal's;
	/// - the holds, exactly: every client has what its live deals owe held (every epoch not
	///   collected or refunded, and its collateral), every publisher its deals' collateral left
	///   and their deposits.
	pub fn do_try_state_deals() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::BTreeMap;
		use frame_support::traits::fungible::InspectHold;

		for (root, holder) in RootHolders::<T>::iter() {
			ensure!(holder.sector.is_some() || holder.deal.is_some(), "a root kept by nothing");
			if let Some(index) = holder.sector {
				let sector = Sectors::<T>::get(holder.device, index)
					.ok_or("a root's sector does not exist")?;
				ensure!(sector.root == root, "a root names a sector of another root");
			}
			if let Some(id) = holder.deal {
				let deal = Deals::<T>::get(id).ok_or("a root's deal does not exist")?;
				ensure!(
					deal.proposal.root == root && deal.proposal.device == holder.device,
					"a root names another root's or device's deal"
				);
				match deal.state {
					DealState::Closed => return Err("a root names a closed deal".into()),
					DealState::Published => {
						ensure!(holder.sector.is_none(), "a published deal's root has a sector")
					},
					DealState::Active(p) => ensure!(
						holder.sector == Some(p.sector),
						"an active deal's root is kept by another sector"
					),
				}
			}
		}
		for (device, index, id) in SectorDeals::<T>::iter() {
			let deal = Deals::<T>::get(id).ok_or("a sector's deal does not exist")?;
			ensure!(
				matches!(deal.state, DealState::Active(p) if p.sector == index)
					&& deal.proposal.device == device,
				"a sector names a deal of another sector"
			);
		}

		let current = T::Epochs::current().index;
		let mut client_holds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut provider_holds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		ensure!(
			ClientDeals::<T>::iter().count() == Deals::<T>::iter().count()
				&& DeviceDeals::<T>::iter().count() == Deals::<T>::iter().count(),
			"the deal indexes out of step"
		);
		for (id, deal) in Deals::<T>::iter() {
			ensure!(deal.proposal.id() == id, "a deal stored under another id");
			ensure!(
				ClientDeals::<T>::contains_key(&deal.proposal.client, id)
					&& DeviceDeals::<T>::contains_key(deal.proposal.device, id),
				"a deal missing from its indexes"
			);
			ensure!(
				deal.collateral_left <= deal.proposal.provider_collateral,
				"a deal's collateral grew"
			);
			ensure!(
				Self::epoch_price_of(&deal.proposal) == Some(deal.epoch_price)
					&& deal.epoch_fee <= deal.epoch_price
					&& deal.miss_penalty <= deal.proposal.provider_collateral,
				"a deal's price or fee is not its proposal's"
			);
			let deposit = deposits.entry(deal.provider.clone()).or_default();
			*deposit = deposit.saturating_add(deal.deposit);
			match deal.state {
				DealState::Closed => {
					// Counted below at nothing: a party with only closed deals holds nothing.
					ensure!(deal.collateral_left.is_zero(), "a closed deal holds collateral");
				},
				DealState::Published => {
					ensure!(
						RootHolders::<T>::get(deal.proposal.root).and_then(|h| h.deal) == Some(id),
						"a published deal's root is not reserved"
					);
				},
				DealState::Active(p) => {
					let live = Sectors::<T>::get(deal.proposal.device, p.sector)
						.ok_or("an active deal without its sector")?;
					ensure!(
						live.root == deal.proposal.root,
						"an active deal's sector has another root"
					);
					ensure!(
						SectorDeals::<T>::get(deal.proposal.device, p.sector) == Some(id),
						"an active deal's sector does not name it"
					);
					ensure!(
						p.paid.saturating_add(p.missed) <= deal.proposal.duration,
						"a deal counted past its duration"
					);
					ensure!(
						p.settled_through.saturating_add(1).saturating_sub(p.first_epoch)
							== p.paid.saturating_add(p.missed),
						"a deal's counted epochs out of step"
					);
					ensure!(
						p.collected <= p.paid && p.refunded <= p.missed,
						"a deal settled epochs it has not counted"
					);
					// (A sector committed in an epoch's last block counts from the next.)
					ensure!(
						p.settled_through <= current.saturating_add(1),
						"a deal counted a future epoch"
					);
					ensure!(
						RootHolders::<T>::get(deal.proposal.root).and_then(|h| h.deal) == Some(id),
						"an active deal's root is not reserved"
					);
				},
			}
			let client = client_holds.entry(deal.proposal.client.clone()).or_default();
			*client = client.saturating_add(Self::client_held(&deal));
			let provider = provider_holds.entry(deal.provider.clone()).or_default();
			*provider = provider.saturating_add(deal.collateral_left);
		}
		let held = |reason: HoldReason, who: &T::AccountId| {
			T::Currency::balance_on_hold(&reason.into(), who)
		};
		for (who, owed) in client_holds {
			ensure!(
				held(HoldReason::DealPayment, &who) == owed,
				"a client's deal payments are not what is held"
			);
		}
		for (who, owed) in provider_holds {
			ensure!(
				held(HoldReason::DealCollateral, &who) == owed,
				"a provider's deal collateral is not what is held"
			);
		}
		for (who, owed) in deposits {
			ensure!(
				held(HoldReason::DealDeposit, &who) == owed,
				"a publisher's deal deposits are not what is held"
			);
		}
		Ok(())
	}
}

impl<T: Config> Pallet<T> {
	/// The storage points an epoch's deal `fee` earns: whole `FeePerPoint`s of it. (Past
	/// `u64::MAX` it saturates, far above the emission pallet's cap on a proof's points,
	/// `MAX_POINTS_PER_PROOF`, which is all it counts anyway.)
	pub fn fee_points(fee: BalanceOf<T>) -> u64 {
		depin_proving::usage::fee_points(fee, T::FeePerPoint::get())
	}

	/// The most ending a sector's deal costs: settling it (its misses may end it) or ending
	/// it after a settlement, as the benchmarks measured them.
	pub fn deal_end_weight() -> Weight {
		T::WeightInfo::settle_deal().max(T::WeightInfo::end_deal())
	}
}

/// The weight a deal adds to a storage proof: the sector's deal and the deal read, the deal's
/// counters written (no money moves), and the fee reported.
pub(crate) fn deal_payment_weight<T: Config>() -> Weight {
	T::WeightInfo::pay_deal_epoch().saturating_add(T::OnProofAccepted::fee_weight())
}

/// The audits of a device a deal's settlement goes by: the last two known to have closed (0:
/// none known).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ClosedAudits {
	/// The last.
	pub last: EpochIndex,
	/// The one before it.
	pub before: EpochIndex,
	/// Whether every epoch audits every device.
	pub every_epoch: bool,
}

impl ClosedAudits {
	/// From `state`, a device's record entered into `current`: its audits before `current`.
	pub fn of(state: &ProverState, current: EpochIndex, every_epoch: bool) -> Self {
		if state.last_audit < current {
			Self { last: state.last_audit, before: state.prev_audit, every_epoch }
		} else {
			Self { last: state.prev_audit, before: 0, every_epoch }
		}
	}

	/// The audits a deal missed in the `epochs` after `after` that end at the last one: each
	/// of them when every epoch audits; otherwise those known, the last and perhaps the one
	/// before (a span of many epochs may hold more, unknown now: a miss is counted once).
	pub fn missed_after(&self, after: EpochIndex, epochs: u32) -> u32 {
		if self.every_epoch {
			epochs
		} else if self.before > after {
			2
		} else {
			1
		}
	}
}
