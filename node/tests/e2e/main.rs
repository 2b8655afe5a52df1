//! End-to-end tests against the real `depin-node` binary that `cargo test` builds.
//!
//! Each test starts the node on free local ports with a temporary base path, talks to it over
//! JSON-RPC (WebSocket) with a real client, and stops it (the process is killed and the folder
//! removed when the test's [`Node`](harness::Node) is dropped, also when the test fails).
//!
//! One test binary (each one links the whole runtime), in modules: [`harness`] starts the node
//! (with `depin-node-harness`) and holds the RPC, signing and storage helpers; [`wasm`] edits
//! runtime code; the others are the tests, by concern.

mod chain;
mod chain_specs;
mod cli;
mod devices;
mod governance;
mod harness;
mod rpc;
mod runtime_upgrade;
mod storage_proofs;
mod validators;
mod wasm;
