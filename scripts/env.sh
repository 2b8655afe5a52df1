# Sourced by the build scripts: one persistent target folder outside the clone (so every
# clone, CI run and script on this machine reuses compiled dependencies) and, when setup had
# to fall back to Debian's toolchain for Wasm, its settings.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/depin-target}"
depin_env_file="${DEPIN_ENV_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/depin/wasm.env}"
if [ -f "$depin_env_file" ]; then
	# shellcheck disable=SC1090
	. "$depin_env_file"
fi
unset depin_env_file
