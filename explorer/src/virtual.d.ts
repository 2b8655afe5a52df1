declare module "virtual:depin-rpc" {
	// The `depin_*` RPC definitions of polkadotjs/depin.js.
	export const rpc: Record<string, Record<string, unknown>>;
}
