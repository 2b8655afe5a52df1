// A full node joins the running network late with GRANDPA warp sync: it proves finality from
// genesis to a recent block, downloads the state there instead of executing the blocks before
// it, then follows the chain. Returns 1 when it did exactly that.
const { rpc, finalizedNumber, waitUntil, bootnode, startNode } = require("./lib.js");

async function run(nodeName, networkInfo) {
	const { wsUri: uri } = networkInfo.nodesByName[nodeName];
	const joinedAt = await finalizedNumber(uri);
	const late = await startNode(networkInfo, "late-warp", networkInfo.chainSpecPath, [
		"--sync=warp",
		`--bootnodes=${await bootnode(uri)}`,
	]);
	try {
		await waitUntil("warp sync to complete", 180, () =>
			late.log().includes("Warp sync is complete"),
		);
		await waitUntil("state sync to complete", 120, () =>
			late.log().includes("State sync is complete"),
		);
		if (late.log().includes("Warp sync failed")) throw new Error("warp sync fell back to full sync");

		// It follows the chain: finalized past where the network was when it joined, and with
		// the state the validators have.
		const target = (await finalizedNumber(uri)) + 2;
		await waitUntil(`late-warp finalizing #${target}`, 120, async () => {
			return (await finalizedNumber(late.uri)) >= target;
		});
		const hash = await rpc(uri, "chain_getBlockHash", [target]);
		const [ours, theirs] = await Promise.all(
			[late.uri, uri].map(async (u) => (await rpc(u, "chain_getHeader", [hash])).stateRoot),
		);
		if (ours !== theirs) throw new Error(`state root of #${target} differs: ${ours} vs ${theirs}`);
		const version = await rpc(late.uri, "state_getRuntimeVersion");

		// It skipped the blocks' execution: the state of block 1 exists on the validator (it
		// imported it) but never on the warp-synced node.
		const first = await rpc(uri, "chain_getBlockHash", [1]);
		await rpc(uri, "state_getRuntimeVersion", [first]);
		let skipped = false;
		try {
			await rpc(late.uri, "state_getRuntimeVersion", [first]);
		} catch (error) {
			skipped = true;
			console.log(`late-warp has no state for block #1: ${error.message}`);
		}
		if (!skipped) throw new Error("the warp-synced node has the state of block #1");
		console.log(
			`late-warp joined at #${joinedAt}, warp-synced, finalized #${target} ` +
				`(spec_version ${version.specVersion}), state root ${ours}`,
		);
		return 1;
	} finally {
		late.stop();
	}
}

module.exports = { run };
