//! Empty: a build script makes cargo resolve this crate's `[build-dependencies]`, whose
//! features unify the host-side dependencies (proc-macros, build scripts) of every build.
fn main() {}
