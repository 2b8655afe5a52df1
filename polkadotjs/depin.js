// What a Polkadot.js dApp adds to talk to the DePIN chain:
//
//   const { ApiPromise, WsProvider } = require("@polkadot/api");
//   const { rpc } = require("./depin");
//   const api = await ApiPromise.create({ provider: new WsProvider(url), rpc });
//   await api.rpc.depin.device(0);            // JSON, see docs/rpc.md
//   await api.call.depinApi.device(0);        // SCALE, typed from the metadata
//
// Nothing else is needed: the pallets' types and the `DepinApi` runtime API come from the
// runtime's metadata (v15). The `depin_*` RPC methods return JSON, so they are declared here
// with the `Json` type: `Option<Json>` where the answer may be null (`.isNone`), `Vec<Json>`
// for lists; `.toJSON()` gives the plain object the node sent.

const at = { name: "at", type: "BlockHash", isOptional: true };
const device = { name: "device", type: "u64" };
const page = [
	{ name: "startAfter", type: "Option<u64>", isOptional: true },
	{ name: "limit", type: "Option<u32>", isOptional: true },
];

const dealPage = [
	{ name: "startAfter", type: "Option<H256>", isOptional: true },
	{ name: "limit", type: "Option<u32>", isOptional: true },
];

const depin = {
	device: {
		description: "A device by id, or null",
		params: [{ name: "id", type: "u64" }, at],
		type: "Option<Json>",
	},
	deviceByKey: {
		description: "The device registered with a key ({scheme, public}), or null",
		params: [{ name: "key", type: "Json" }, at],
		type: "Option<Json>",
	},
	devicesOf: {
		description: "A page of an owner's devices",
		params: [{ name: "owner", type: "AccountId" }, ...page, at],
		type: "Vec<Json>",
	},
	devicesInArea: {
		description:
			"A page of the devices inside an H3 cell (hex), of one kind if given: {devices, next}; go on from next until it is null",
		params: [
			{ name: "cell", type: "Text" },
			{ name: "kind", type: "Option<Text>", isOptional: true },
			...page,
			at,
		],
		type: "Json",
	},
	epoch: {
		description: "The proving epoch in progress",
		params: [at],
		type: "Json",
	},
	openChallenges: {
		description: "The challenges a storage device can answer now",
		params: [device, at],
		type: "Vec<Json>",
	},
	coverageBeacons: {
		description: "The coverage beacons recorded in the epoch in progress",
		params: [at],
		type: "Vec<Json>",
	},
	coverageTicket: {
		description: "A hotspot's beacon in the epoch in progress if it wins the beacon lottery, or null",
		params: [device, at],
		type: "Option<Json>",
	},
	computeChallenge: {
		description: "A compute device's capacity challenge in the epoch in progress, or null",
		params: [device, at],
		type: "Option<Json>",
	},
	proofStatus: {
		description: "A storage device's proving record, or null",
		params: [device, at],
		type: "Option<Json>",
	},
	rewardReceipts: {
		description: "A page of a device's reward receipts, oldest first",
		params: [
			device,
			{ name: "fromEpoch", type: "Option<u32>", isOptional: true },
			{ name: "limit", type: "Option<u32>", isOptional: true },
			at,
		],
		type: "Vec<Json>",
	},
	pendingRewards: {
		description: "What a claim of a device pays now: its balance and its ended epoch not yet settled",
		params: [device, at],
		type: "Json",
	},
	rewardEstimate: {
		description: "What the epoch in progress may pay a device, or null",
		params: [device, at],
		type: "Option<Json>",
	},
	deal: {
		description: "A storage deal by id (its proposal's hash), or null",
		params: [{ name: "id", type: "H256" }, at],
		type: "Option<Json>",
	},
	dealByRoot: {
		description: "The published or active deal of a data root on a device, or null",
		params: [{ name: "device", type: "u64" }, { name: "root", type: "H256" }, at],
		type: "Option<Json>",
	},
	dealsOfClient: {
		description: "A page of a client's deals",
		params: [{ name: "client", type: "AccountId" }, ...dealPage, at],
		type: "Vec<Json>",
	},
	dealsOfDevice: {
		description: "A page of a storage device's deals",
		params: [device, ...dealPage, at],
		type: "Vec<Json>",
	},
	permanentDeal: {
		description: "A permanent deal by number, with its replicas and their endowments, or null",
		params: [{ name: "id", type: "u64" }, at],
		type: "Option<Json>",
	},
	permanentDeals: {
		description: "A page of permanent deals (where a provider finds open replicas)",
		params: [...page, at],
		type: "Vec<Json>",
	},
	replicaByRoot: {
		description: "The permanent deal and replica index a live replica's root is bound to, or null",
		params: [{ name: "root", type: "H256" }, at],
		type: "Option<Json>",
	},
	sensorSchema: {
		description: "A sensor schema by number (fields, units, ranges, interval), or null",
		params: [{ name: "id", type: "u32" }, at],
		type: "Option<Json>",
	},
	sensorStatus: {
		description: "An enrolled sensor's record, with the readings its open audit asks for, or null",
		params: [device, at],
		type: "Option<Json>",
	},
	subscription: {
		description: "A data subscription by number, or null once closed",
		params: [{ name: "id", type: "u64" }, at],
		type: "Option<Json>",
	},
	areaSubscriptions: {
		description: "The subscriptions to a schema's data in the area (resolution 5) holding an H3 cell",
		params: [{ name: "schema", type: "u32" }, { name: "cell", type: "Text" }, at],
		type: "Vec<Json>",
	},
	energyTrade: {
		description: "An energy trade between two meters by number, or null once closed",
		params: [{ name: "id", type: "u64" }, at],
		type: "Option<Json>",
	},
	meterTrades: {
		description: "The energy trades a meter is in",
		params: [device, at],
		type: "Vec<Json>",
	},
};

module.exports = { rpc: { depin } };
