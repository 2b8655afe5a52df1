// A node whose chain spec differs from the network's in one genesis storage value cannot join:
// same chain name, id and boot node, but another genesis hash, so the network's nodes refuse
// its handshake. Returns 1 when it stays at genesis with no peers while the network goes on.
const fs = require("fs");
const path = require("path");
const { rpc, bestNumber, sleep, waitUntil, bootnode, startNode } = require("./lib.js");

async function run(nodeName, networkInfo) {
	const { wsUri: uri } = networkInfo.nodesByName[nodeName];
	const spec = JSON.parse(fs.readFileSync(networkInfo.chainSpecPath, "utf8"));
	const key = "0x" + Buffer.from("depin/zombienet/foreign").toString("hex");
	spec.genesis.raw.top[key] = "0x01";
	const foreignSpec = path.join(networkInfo.tmpDir, "foreign.raw.json");
	fs.writeFileSync(foreignSpec, JSON.stringify(spec));

	const peersBefore = (await rpc(uri, "system_health")).peers;
	const foreign = await startNode(networkInfo, "foreign", foreignSpec, [
		`--bootnodes=${await bootnode(uri)}`,
	]);
	try {
		const [ours, theirs] = await Promise.all(
			[foreign.uri, uri].map((u) => rpc(u, "chain_getBlockHash", [0])),
		);
		if (ours === theirs) throw new Error("the foreign spec has the network's genesis");
		console.log(`foreign genesis ${ours}, network genesis ${theirs}`);

		// It does reach the boot node: the connection is up long enough for the boot node to
		// tell it the address it sees (identify), then the chain handshake is refused.
		await waitUntil("the foreign node to reach the boot node", 60, () =>
			foreign.log().includes("Discovered new external address"),
		);
		// Give it time to retry, then check nothing was shared.
		const networkBest = await bestNumber(uri);
		await sleep(30000);
		await waitUntil("the network to go on", 60, async () => (await bestNumber(uri)) > networkBest + 3);
		const health = await rpc(foreign.uri, "system_health");
		const best = await bestNumber(foreign.uri);
		const foreignId = await rpc(foreign.uri, "system_localPeerId");
		const networkPeers = (await rpc(uri, "system_peers")).map((p) => p.peerId);
		const peersAfter = (await rpc(uri, "system_health")).peers;
		console.log(
			`foreign: ${health.peers} peers, best #${best}; ${nodeName}: ${peersBefore} -> ${peersAfter} peers`,
		);
		if (health.peers !== 0) throw new Error(`the foreign node has ${health.peers} peers`);
		if (best !== 0) throw new Error(`the foreign node imported up to #${best}`);
		if (networkPeers.includes(foreignId)) throw new Error(`${nodeName} lists the foreign node as a peer`);
		return 1;
	} finally {
		foreign.stop();
	}
}

module.exports = { run };
