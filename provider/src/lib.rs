//! `depin-provider`: what a hardware provider runs next to its devices.
//!
//! - [`keystore`]: device keys in a file only the owner can read.
//! - [`chain`]: a subxt client typed from the runtime's metadata, with errors a person can act on.
//! - [`sector`]: storage sectors — a file or a folder as chunks under a Merkle root.
//! - [`prover`]: answers to the chain's storage challenges.
//! - [`coverage`]: beacons and witness receipts, signed as the coverage pallet checks them.
//! - [`compute`]: the sequential workload run, committed and revealed as the compute pallet
//!   checks it.
//! - [`jobs`]: compute jobs' receipts, signed by the consumer and co-signed by the device.
//! - [`deals`]: storage deal proposals, signed by the client, checked before they are
//!   published.
//! - [`shards`]: a client's file encrypted and erasure-coded into distinct shards, and
//!   restored from any `k` of them.
//! - [`sensor`]: sensor batches: readings under a Merkle root, attested with the device key,
//!   revealed when audited, kept by root, and verified by the buyers who fetch them.
//! - [`retrieval`]: providers serve their sectors and sensor batches over HTTP; clients fetch
//!   them back.
//! - [`commands`]: the CLI's commands, each returning a [`report::Report`] (text or `--json`).
//! - [`simulator`]: many simulated devices proving on a dev chain, some of them cheating.

// The workspace denies indexing, unchecked arithmetic and unwraps so the runtime cannot
// panic; this is a client, where a bounds-checked index or a wrapping counter is ordinary
// code. Unwraps stay denied.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub mod bench;
pub mod chain;
pub mod commands;
pub mod compute;
pub mod coverage;
pub mod deals;
pub mod jobs;
pub mod keystore;
pub mod prover;
pub mod report;
pub mod retrieval;
pub mod sector;
pub mod sensor;
pub mod shards;
pub mod simulator;

/// The chain's interface, generated at build time from the runtime's metadata (v16), which
/// `metadata/depin.scale` holds; a test keeps the file equal to what the runtime reports.
#[subxt::subxt(
	runtime_metadata_path = "metadata/depin.scale",
	derive_for_all_types = "Clone, PartialEq, Eq, ::subxt::ext::codec::Encode, ::subxt::ext::codec::Decode"
)]
#[allow(clippy::all, missing_docs)]
pub mod depin {}

/// The metadata file, included so that cargo rebuilds this crate when it changes (the subxt
/// macro reads it without telling cargo).
const _METADATA: &[u8] = include_bytes!("../metadata/depin.scale");
