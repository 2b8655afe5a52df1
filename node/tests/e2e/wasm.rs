//! Runtime code: the version a runtime declares, and the node's own runtime with its version
//! raised, as an upgrade candidate.

use std::ops::Range;

use codec::{Decode, Encode};

/// Read an unsigned LEB128 number: its value and its length in bytes.
fn read_leb128(bytes: &[u8]) -> (usize, usize) {
	let mut value = 0usize;
	for (i, byte) in bytes.iter().enumerate() {
		value |= usize::from(byte & 0x7f) << (7 * i);
		if byte & 0x80 == 0 {
			return (value, i + 1);
		}
	}
	panic!("truncated LEB128 number");
}

fn write_leb128(out: &mut Vec<u8>, mut value: usize) {
	loop {
		let byte = (value & 0x7f) as u8;
		value >>= 7;
		if value == 0 {
			out.push(byte);
			return;
		}
		out.push(byte | 0x80);
	}
}

/// The sections of a Wasm module: each one's id, its whole extent and its payload's.
fn wasm_sections(wasm: &[u8]) -> Vec<(u8, Range<usize>, Range<usize>)> {
	let mut sections = Vec::new();
	let mut at = 8; // magic and version
	while at < wasm.len() {
		let (size, n) = read_leb128(&wasm[at + 1..]);
		let payload = at + 1 + n..at + 1 + n + size;
		sections.push((wasm[at], at..payload.end, payload.clone()));
		at = payload.end;
	}
	sections
}

/// A custom section's payload split into its name and its contents.
fn custom_section(payload: &[u8]) -> (&[u8], &[u8]) {
	let (len, n) = read_leb128(payload);
	(&payload[n..n + len], &payload[n + len..])
}

/// The runtime version a runtime's `runtime_version` custom section declares (where nodes read
/// a runtime's version), with the section's extent in the module.
fn find_runtime_version(wasm: &[u8]) -> (sp_version::RuntimeVersion, Range<usize>) {
	wasm_sections(wasm)
		.into_iter()
		.find_map(|(id, whole, payload)| {
			let (name, contents) = custom_section(&wasm[payload]);
			(id == 0 && name == b"runtime_version").then(|| {
				let version = sp_version::RuntimeVersion::decode(&mut &contents[..])
					.expect("the runtime_version section decodes");
				(version, whole)
			})
		})
		.expect("the runtime has a runtime_version section")
}

/// The node's own runtime with `spec_version` raised by one, compressed again: a real upgrade
/// candidate without a second runtime build. Returns it and the new version.
pub fn upgraded_runtime() -> (Vec<u8>, u32) {
	let compressed = depin_runtime::WASM_BINARY.expect("the node embeds its runtime");
	let wasm = sp_maybe_compressed_blob::decompress(compressed, 64 * 1024 * 1024)
		.expect("the embedded runtime decompresses");
	let (mut version, whole) = find_runtime_version(&wasm);
	version.spec_version += 1;
	let mut section = Vec::new();
	write_leb128(&mut section, b"runtime_version".len());
	section.extend_from_slice(b"runtime_version");
	section.extend_from_slice(&version.encode());
	let mut out = wasm[..whole.start].to_vec();
	out.push(0);
	write_leb128(&mut out, section.len());
	out.extend_from_slice(&section);
	out.extend_from_slice(&wasm[whole.end..]);
	let code =
		sp_maybe_compressed_blob::compress_weakly(&out, 64 * 1024 * 1024).expect("compresses");
	(code, version.spec_version)
}

/// The runtime version of a (possibly compressed) runtime.
pub fn runtime_version_of(code: &[u8]) -> sp_version::RuntimeVersion {
	let wasm = sp_maybe_compressed_blob::decompress(code, 64 * 1024 * 1024).expect("decompresses");
	find_runtime_version(&wasm).0
}
