//! The load harness (issue 25): `depin-provider bench`, run at scale by `scripts/bench.sh`
//! against a release node with the normal runtime's code, in CI as a smoke run
//! (`the_load_harness_proves_every_device_and_records_every_block`).
//!
//! Devices come in a generated chain spec (`spec`): each with one sparse sector (`sparse`)
//! committed at genesis. Their storage proofs are computed locally from each epoch's seed
//! (`prove`) and sent pre-signed. Hotspots (`hotspots`) on the beacon roster from genesis
//! beacon with 25 receipts each in an epoch of their own; compute devices enrolled from genesis
//! run their workloads, commit and reveal in another; balance transfers follow. Per block the harness records the
//! proofs accepted, extrinsics, weight and length used (`metrics`), the author's build time
//! (`node`), node CPU, RSS and database size (`process`), as JSON and an SVG chart (`svg`).
//! `docs/scale.md` shows the runs.

pub mod hotspots;
pub mod metrics;
pub mod node;
pub mod process;
pub mod prove;
pub mod run;
pub mod sparse;
pub mod spec;
pub mod svg;
