// Sends a transfer from Bob to Charlie through the node it runs against, waits until a
// finalized block includes it, and returns 1 when Charlie received exactly the amount.
async function run(nodeName, networkInfo) {
	const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
	const api = await zombie.connect(wsUri, userDefinedTypes);
	await zombie.util.cryptoWaitReady();
	const keyring = new zombie.Keyring({ type: "sr25519" });
	const bob = keyring.addFromUri("//Bob");
	const charlie = keyring.addFromUri("//Charlie").address;
	const amount = 42n * 10n ** 12n; // 42 DPN
	const free = async () => (await api.query.system.account(charlie)).data.free.toBigInt();
	const before = await free();
	const block = await new Promise((resolve, reject) => {
		api.tx.balances
			.transferKeepAlive(charlie, amount)
			.signAndSend(bob, ({ status, dispatchError }) => {
				if (dispatchError) reject(new Error(dispatchError.toString()));
				if (status.isFinalized) resolve(status.asFinalized);
			})
			.catch(reject);
	});
	const after = (await api.query.system.account.at(block, charlie)).data.free.toBigInt();
	console.log(`transfer finalized in ${block.toHex()}: Charlie ${before} -> ${after}`);
	return after - before === amount ? 1 : 0;
}

module.exports = { run };
