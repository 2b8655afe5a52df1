//! No code: this crate exists for its `Cargo.toml`, which declares the dependency features
//! that the test build turns on, so that building only the binaries compiles the very
//! artifacts the tests use. See the manifest.
#![no_std]
