// Helpers the js-scripts share: JSON-RPC over HTTP to any node, and extra `depin-node`
// processes started next to the zombienet network (a late joiner, a node of another chain).
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
// One copy of the helpers every JavaScript test of the repository uses.
const { freePort } = require("../polkadotjs/test/node.js");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One JSON-RPC call; the node's RPC port serves HTTP as well as WebSocket.
async function rpc(uri, method, params = []) {
	const url = uri.replace(/^ws/, "http");
	const response = await fetch(url, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
	});
	const body = await response.json();
	if (body.error) {
		const error = new Error(`${method}: ${body.error.message}`);
		error.rpc = body.error;
		throw error;
	}
	return body.result;
}

const blockNumber = (header) => parseInt(header.number, 16);
const bestNumber = async (uri) => blockNumber(await rpc(uri, "chain_getHeader"));
const finalizedNumber = async (uri) =>
	blockNumber(await rpc(uri, "chain_getHeader", [await rpc(uri, "chain_getFinalizedHead")]));

// Polls `check` every second until it returns a truthy value, which it returns; throws after
// `seconds` with `what` in the message.
async function waitUntil(what, seconds, check) {
	const deadline = Date.now() + seconds * 1000;
	for (;;) {
		try {
			const value = await check();
			if (value) return value;
		} catch (_) {
			// not reachable yet: keep polling
		}
		if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
		await sleep(1000);
	}
}

async function bootnode(uri) {
	const addresses = await rpc(uri, "system_localListenAddresses");
	const local = addresses.find((a) => a.startsWith("/ip4/127.0.0.1/"));
	if (!local) throw new Error(`no loopback listen address among ${addresses}`);
	return local;
}

// Starts `depin-node` (the binary `DEPIN_NODE` names, as for the network) on `chainSpec` with
// its own base path in the network's folder, its log in `<name>.log` there.
async function startNode(networkInfo, name, chainSpec, args) {
	const binary = process.env.DEPIN_NODE;
	if (!binary) throw new Error("DEPIN_NODE is not set (scripts/zombienet.sh sets it)");
	const rpcPort = await freePort();
	const p2pPort = await freePort();
	const basePath = path.join(networkInfo.tmpDir, name);
	const logPath = path.join(networkInfo.tmpDir, `${name}.log`);
	const log = fs.openSync(logPath, "w");
	const child = spawn(
		binary,
		[
			`--chain=${chainSpec}`,
			`--name=${name}`,
			`--base-path=${basePath}`,
			"--database=paritydb",
			`--rpc-port=${rpcPort}`,
			"--rpc-methods=unsafe",
			`--port=${p2pPort}`,
			"--no-prometheus",
			"--no-telemetry",
			"--no-mdns",
			...args,
		],
		{ stdio: ["ignore", log, log] },
	);
	const uri = `ws://127.0.0.1:${rpcPort}`;
	const node = {
		name,
		uri,
		logPath,
		log: () => fs.readFileSync(logPath, "utf8"),
		stop: () => {
			if (child.exitCode === null) child.kill("SIGKILL");
		},
	};
	// Never leave a node behind, whatever happens to the script.
	process.once("exit", node.stop);
	child.once("exit", (code, signal) => {
		if (code !== null || signal !== "SIGKILL")
			console.log(`${name} exited (${code ?? signal}); log: ${logPath}`);
	});
	await waitUntil(`${name}'s RPC`, 60, () => rpc(uri, "system_name"));
	console.log(`${name} started: ${uri}, log ${logPath}`);
	return node;
}

module.exports = { rpc, bestNumber, finalizedNumber, waitUntil, sleep, bootnode, startNode };
