//! Builds the Wasm blob of the runtime (the `std` feature is on for native builds only).

fn main() {
	#[cfg(feature = "std")]
	{
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
	}
}
