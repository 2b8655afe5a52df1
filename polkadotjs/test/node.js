// Starts the real `depin-node --dev` the Rust build produced, on free ports with a temporary
// base path, and stops it (and removes its folder) when the tests are done; and the small
// helpers every JavaScript test of the repository uses (a free port, one JSON-RPC call, a type
// of the metadata by its Rust path).

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const targetDir = process.env.CARGO_TARGET_DIR || path.join(os.homedir(), ".cache", "depin-target");
const NODE = process.env.DEPIN_NODE || path.join(targetDir, "debug", "depin-node");

function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

async function rpc(url, method, params = []) {
	const response = await fetch(url, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ id: 1, jsonrpc: "2.0", method, params }),
	});
	const body = await response.json();
	if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
	return body.result;
}

/** A running dev node: `ws` to connect to, `stop()` to end it. */
async function startDevNode() {
	if (!fs.existsSync(NODE)) {
		throw new Error(`no node binary at ${NODE}: build it with cargo (scripts/test.sh) or set DEPIN_NODE`);
	}
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-polkadotjs-"));
	const [rpcPort, p2pPort] = [await freePort(), await freePort()];
	const log = fs.openSync(path.join(dir, "node.log"), "w");
	const child = spawn(
		NODE,
		[
			"--dev",
			"--base-path", path.join(dir, "data"),
			"--rpc-port", String(rpcPort),
			"--port", String(p2pPort),
			"--no-prometheus", "--no-telemetry", "--no-mdns",
		],
		{ stdio: ["ignore", log, log] },
	);
	const http = `http://127.0.0.1:${rpcPort}`;
	const stop = () => {
		child.kill("SIGKILL");
		fs.rmSync(dir, { recursive: true, force: true });
	};
	const logText = () => fs.readFileSync(path.join(dir, "node.log"), "utf8");
	const deadline = Date.now() + 240_000;
	for (;;) {
		if (child.exitCode !== null) {
			const text = logText();
			stop();
			throw new Error(`depin-node exited early:\n${text}`);
		}
		try {
			const header = await rpc(http, "chain_getHeader");
			if (parseInt(header.number, 16) >= 1) break;
		} catch (_) {
			// Not up yet.
		}
		if (Date.now() > deadline) {
			const text = logText();
			stop();
			throw new Error(`depin-node did not produce a block in time:\n${text}`);
		}
		await new Promise((r) => setTimeout(r, 500));
	}
	return { ws: `ws://127.0.0.1:${rpcPort}`, http, stop, log: logText };
}

/** The registry's name for the type at Rust path `path` (e.g. `depin_primitives::device::DeviceKey`). */
function typeAt(api, path) {
	const found = api.registry.lookup.types.find(({ type }) => type.path.map((p) => p.toString()).join("::") === path);
	if (!found) throw new Error(`no type ${path} in the metadata`);
	return api.registry.createLookupType(found.id);
}

// Shared with the explorer's browser tests (explorer/test/harness.mjs) and the zombienet
// js-scripts (zombienet/lib.js): one copy of each helper.
/**
 * Sign and submit `tx` as `signer`; resolves with the block that included it and the
 * events it emitted, or rejects with `dispatch failed: <pallet>.<Error>`.
 */
function submit(api, tx, signer) {
	return new Promise((resolve, reject) => {
		tx.signAndSend(signer, ({ status, dispatchError, events }) => {
			if (dispatchError) {
				const detail = dispatchError.isModule
					? (({ section, name }) => `${section}.${name}`)(api.registry.findMetaError(dispatchError.asModule))
					: dispatchError.toString();
				reject(new Error(`dispatch failed: ${detail}`));
			} else if (status.isInBlock) {
				resolve({ block: status.asInBlock, events: events.map((e) => e.event) });
			}
		}).catch(reject);
	});
}

/**
 * A registration of a device with sr25519 key pair `pair` for `owner` (an SS58 address), with
 * the registration's other `fields`. The key proves possession by signing the SCALE payload
 * (context "depin/dev/regist", genesis hash, owner, key, signed_at: the best block), built
 * here byte by byte.
 */
async function registration(api, pair, owner, fields) {
	const key = api.createType(typeAt(api, "depin_primitives::device::DeviceKey"), { Sr25519: pair.publicKey });
	const signedAt = (await api.rpc.chain.getHeader()).number.toNumber();
	const parts = [
		new TextEncoder().encode("depin/dev/regist"),
		api.genesisHash.toU8a(),
		api.createType("AccountId", owner).toU8a(),
		key.toU8a(),
		api.createType("u32", signedAt).toU8a(),
	];
	const payload = Uint8Array.from(parts.flatMap((part) => [...part]));
	return { key, proof: { Sr25519: pair.sign(payload) }, signedAt, ...fields };
}

module.exports = { startDevNode, rpc, freePort, typeAt, submit, registration };
