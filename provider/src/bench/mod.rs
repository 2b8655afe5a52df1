//! The load harness (issue 25), being built: the pieces that exist so far.
//!
//! The plan (`depin-provider bench`, run by `scripts/bench.sh` against a release node with the
//! normal runtime's code): devices in a generated chain spec, one sparse sector each committed
//! in epoch 0, their storage proofs computed locally from each epoch's seed and sent
//! pre-signed, balance transfers beside them, and per block the proofs accepted, extrinsics,
//! weight and length used, import time, node CPU, RSS and database size, as JSON and SVG.

pub mod metrics;
pub mod node;
pub mod process;
pub mod prove;
pub mod run;
pub mod sparse;
pub mod spec;
pub mod svg;
