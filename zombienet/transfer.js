// Sends a transfer from Bob to Ferdie through the node it runs against, waits until a
// finalized block includes it, and returns 1 when Ferdie received exactly the amount in that
// block. Ferdie is no validator: a block author also earns the block's fees.
async function run(nodeName, networkInfo) {
	const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
	const api = await zombie.connect(wsUri, userDefinedTypes);
	await zombie.util.cryptoWaitReady();
	const keyring = new zombie.Keyring({ type: "sr25519" });
	const bob = keyring.addFromUri("//Bob");
	const ferdie = keyring.addFromUri("//Ferdie").address;
	const amount = 42n * 10n ** 12n; // 42 DPN
	const free = async (at) => (await api.query.system.account.at(at, ferdie)).data.free.toBigInt();
	const block = await new Promise((resolve, reject) => {
		api.tx.balances
			.transferKeepAlive(ferdie, amount)
			.signAndSend(bob, ({ status, dispatchError }) => {
				if (dispatchError) reject(new Error(dispatchError.toString()));
				if (status.isFinalized) resolve(status.asFinalized);
			})
			.catch(reject);
	});
	const parent = (await api.rpc.chain.getHeader(block)).parentHash;
	const [before, after] = [await free(parent), await free(block)];
	console.log(`transfer finalized in ${block.toHex()}: Ferdie ${before} -> ${after}`);
	return after - before === amount ? 1 : 0;
}

module.exports = { run };
