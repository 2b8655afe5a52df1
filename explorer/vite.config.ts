// Vite builds the explorer into dist/. The `depin_*` RPC definitions are not copied: they come
// from polkadotjs/depin.js (the file dApps import), turned into an ES module at build time
// through the virtual module `virtual:depin-rpc`.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const depinJs = fileURLToPath(new URL("../polkadotjs/depin.js", import.meta.url));
const VIRTUAL = "virtual:depin-rpc";

export default defineConfig({
	base: "./",
	build: { target: "es2022", chunkSizeWarningLimit: 2000 },
	plugins: [
		{
			name: "depin-rpc",
			resolveId: (id) => (id === VIRTUAL ? `\0${VIRTUAL}` : null),
			load(id) {
				if (id !== `\0${VIRTUAL}`) return null;
				this.addWatchFile(depinJs);
				const require = createRequire(import.meta.url);
				delete require.cache[depinJs];
				const { rpc } = require(depinJs);
				return `export const rpc = ${JSON.stringify(rpc)};`;
			},
		},
	],
});
