# Sourced by the build scripts: one persistent target folder outside the clone (so every
# clone, CI run and script on this machine reuses compiled dependencies) and, when setup had
# to fall back to Debian's toolchain for Wasm, its settings.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/depin-target}"
# Our crates are compiled by clippy-driver (scripts/lint-rustc): every build of the scripts
# lints as it compiles, every warning an error. CLIPPY_ARGS is cargo-clippy's encoding of
# `-D warnings`. A plain `cargo` without these two variables compiles our crates again (the
# dependencies are shared), so source this file before iterating by hand.
export RUSTC_WORKSPACE_WRAPPER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lint-rustc"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
depin_env_file="${DEPIN_ENV_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/depin/wasm.env}"
if [ -f "$depin_env_file" ]; then
	# shellcheck disable=SC1090
	. "$depin_env_file"
fi
unset depin_env_file
