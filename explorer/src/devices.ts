// Devices as the explorer shows them: read from storage (`devices.devices`) in one call and put
// in the shape of the `depin_device` RPC answer (docs/rpc.md), with kind colours.

import type { Chain } from "./chain";
import { cellHex, enumName, enumValue } from "./util";

export interface DeviceView {
	id: number;
	key: { scheme: string; public: string };
	owner: string;
	manager: string | null;
	kind: string;
	location: string;
	capacity: number;
	model: string;
	firmware: string;
	status: string;
	unbondsAt: number | null;
	registeredAt: number;
	deposit: string;
	faults: number;
}

export const KIND_COLORS: Record<string, string> = {
	storage: "#1f77b4",
	coverage: "#2ca02c",
	compute: "#9467bd",
	sensor: "#17becf",
};

/** Every device kind, in the order of `DeviceKind::ALL` (and of a `PerKind`'s entries). */
export const KINDS = ["storage", "coverage", "compute", "sensor"];

export const STATUS_COLORS: Record<string, string> = {
	active: "#2ca02c",
	suspended: "#d62728",
	retired: "#7f7f7f",
};

export function kindColor(kind: string): string {
	return KIND_COLORS[kind] ?? "#ff7f0e";
}

function text(bytes: unknown): string {
	if (typeof bytes !== "string") return String(bytes ?? "");
	if (!bytes.startsWith("0x")) return bytes;
	const hex = bytes.slice(2);
	const out = new Uint8Array(hex.length / 2);
	for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
	return new TextDecoder().decode(out);
}

/** A stored device (codec) as a `DeviceView`. */
export function deviceView(id: number, device: any): DeviceView {
	const json = device.toJSON();
	const keyJson = json.key as Record<string, string>;
	const status = enumName(json.status);
	const statusValue = enumValue(json.status);
	return {
		id,
		key: { scheme: Object.keys(keyJson)[0].toLowerCase(), public: Object.values(keyJson)[0] },
		owner: device.owner.toString(),
		manager: device.manager.isSome ? device.manager.unwrap().toString() : null,
		kind: enumName(json.kind),
		location: cellHex(device.location.toBigInt()),
		capacity: Number(json.capacity),
		model: text(json.metadata?.model),
		firmware: text(json.metadata?.firmware),
		status,
		unbondsAt: statusValue && typeof statusValue === "object" ? (statusValue.unbondsAt ?? null) : null,
		registeredAt: Number(json.registeredAt),
		deposit: device.deposit.toBigInt().toString(),
		faults: Number(json.faults),
	};
}

/** Every device in storage, by id. */
export async function allDevices(chain: Chain): Promise<DeviceView[]> {
	const entries = await chain.api.query.devices.devices.entries();
	return entries
		.map(([key, value]: [any, any]) => deviceView(key.args[0].toNumber(), value.unwrap()))
		.sort((a, b) => a.id - b.id);
}
