// A runtime upgrade enacted on the live network: Alice (the local chain's sudo key) sets a new
// runtime, the runtime `cargo test` built with its `spec_version` one above the chain's. Returns
// 1 when every node runs the new version and every validator keeps producing and finalizing.
const fs = require("fs");
const { rpc, bestNumber, finalizedNumber, waitUntil } = require("./lib.js");

// Unsigned LEB128 at `pos`: [value, bytes read].
function leb128(bytes, pos) {
	let value = 0;
	let shift = 0;
	for (let read = 1; ; read++, shift += 7) {
		const byte = bytes[pos + read - 1];
		value += (byte & 0x7f) * 2 ** shift;
		if (byte < 0x80) return [value, read];
	}
}

// SCALE compact length prefix at `pos`: [value, bytes read].
function compact(bytes, pos) {
	switch (bytes[pos] & 3) {
		case 0:
			return [bytes[pos] >> 2, 1];
		case 1:
			return [bytes.readUInt16LE(pos) >> 2, 2];
		case 2:
			return [bytes.readUInt32LE(pos) >>> 2, 4];
		default:
			throw new Error("a runtime name longer than 2^30 bytes");
	}
}

// The offset of `spec_version` in the `runtime_version` custom section of a Wasm runtime (a
// SCALE `RuntimeVersion`: spec_name, impl_name, authoring_version, spec_version, ...).
function specVersionOffset(wasm) {
	if (wasm.readUInt32BE(0) !== 0x0061736d) throw new Error("not a Wasm module (compressed?)");
	let pos = 8;
	while (pos < wasm.length) {
		const id = wasm[pos];
		const [size, sizeBytes] = leb128(wasm, pos + 1);
		const body = pos + 1 + sizeBytes;
		if (id === 0) {
			const [nameLength, nameBytes] = leb128(wasm, body);
			const name = wasm.subarray(body + nameBytes, body + nameBytes + nameLength).toString();
			if (name === "runtime_version") {
				let at = body + nameBytes + nameLength;
				for (let text = 0; text < 2; text++) {
					const [length, lengthBytes] = compact(wasm, at);
					at += lengthBytes + length;
				}
				return at + 4; // after authoring_version
			}
		}
		pos = body + size;
	}
	throw new Error("no runtime_version section");
}

async function run(nodeName, networkInfo) {
	const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
	const wasmPath = process.env.DEPIN_RUNTIME_WASM;
	if (!wasmPath) throw new Error("DEPIN_RUNTIME_WASM is not set (scripts/zombienet.sh sets it)");
	const api = await zombie.connect(wsUri, userDefinedTypes);
	await zombie.util.cryptoWaitReady();
	const alice = new zombie.Keyring({ type: "sr25519" }).addFromUri("//Alice");

	const before = (await api.rpc.state.getRuntimeVersion()).specVersion.toNumber();
	const wasm = fs.readFileSync(wasmPath);
	const offset = specVersionOffset(wasm);
	const target = before + 1;
	wasm.writeUInt32LE(target, offset);
	console.log(`upgrading spec_version ${before} -> ${target} with ${wasm.length} bytes of Wasm`);

	const { block, events } = await new Promise((resolve, reject) => {
		api.tx.sudo
			.sudo(api.tx.system.setCode("0x" + wasm.toString("hex")))
			.signAndSend(alice, ({ status, events, dispatchError }) => {
				if (dispatchError) reject(new Error(dispatchError.toString()));
				if (status.isFinalized) resolve({ block: status.asFinalized, events });
			})
			.catch(reject);
	});
	const sudid = events.find(({ event }) => api.events.sudo.Sudid.is(event));
	if (!sudid || !sudid.event.data[0].isOk)
		throw new Error(`setCode failed: ${sudid && sudid.event.data[0].toString()}`);
	if (!events.some(({ event }) => api.events.system.CodeUpdated.is(event)))
		throw new Error("no CodeUpdated event");
	const enactedAt = (await api.rpc.chain.getHeader(block)).number.toNumber();
	console.log(`CodeUpdated in block #${enactedAt} (${block.toHex()}), finalized`);
	await api.disconnect();

	// Every node runs the new runtime, and every validator builds and finalizes on it.
	for (const node of networkInfo.relay) {
		await waitUntil(`${node.name} on spec_version ${target}`, 120, async () => {
			const version = await rpc(node.wsUri, "state_getRuntimeVersion");
			return version.specVersion === target;
		});
	}
	for (const name of ["alice", "bob", "charlie", "dave"]) {
		const { wsUri: uri } = networkInfo.nodesByName[name];
		await waitUntil(`${name} finalizing past #${enactedAt + 5}`, 180, async () => {
			return (await finalizedNumber(uri)) >= enactedAt + 5;
		});
		console.log(`${name}: best #${await bestNumber(uri)}, finalized #${await finalizedNumber(uri)}`);
	}
	return 1;
}

module.exports = { run };
