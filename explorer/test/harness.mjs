// What the explorer's browser tests run against: the real `depin-node --dev` (the binary cargo
// built, or $DEPIN_NODE) on free ports, the device simulator (`depin-provider simulate`, or
// $DEPIN_PROVIDER), the built app (explorer/dist, served by a small static server here), and
// Debian's Chromium driven by playwright-core ($CHROMIUM, default /usr/bin/chromium). Each
// process runs under `nice -n 19`; `stop()` ends them and removes their temporary folders.

import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const EXPLORER = path.resolve(here, "..");
export const ARTIFACTS = path.join(EXPLORER, "test-artifacts");
const targetDir = process.env.CARGO_TARGET_DIR || path.join(os.homedir(), ".cache", "depin-target");
export const NODE = process.env.DEPIN_NODE || path.join(targetDir, "debug", "depin-node");
export const PROVIDER = process.env.DEPIN_PROVIDER || path.join(targetDir, "debug", "depin-provider");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

// One copy of these for every JavaScript test of the repository: polkadotjs/test/node.js.
import { freePort, registration, rpc, submit, typeAt } from "../../polkadotjs/test/node.js";
export { freePort, registration, rpc, submit, typeAt };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value (returned) or `ms` pass (then throws `what`). */
export async function eventually(fn, what, ms = 60_000, every = 500) {
	const deadline = Date.now() + ms;
	let last;
	for (;;) {
		try {
			const value = await fn();
			if (value) return value;
		} catch (e) {
			last = e;
		}
		if (Date.now() > deadline) throw new Error(`timed out: ${what}${last ? ` (${last.message})` : ""}`);
		await sleep(every);
	}
}

function niced(cmd, args, options) {
	return spawn("nice", ["-n", "19", cmd, ...args], { ...options, detached: false });
}

/** A dev node on free ports (or $EXPLORER_TEST_RPC_PORT): `{ ws, http, stop, log }`. */
export async function startDevNode() {
	if (!fs.existsSync(NODE)) throw new Error(`no node binary at ${NODE}: build it with cargo (scripts/test.sh) or set DEPIN_NODE`);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-explorer-"));
	const rpcPort = Number(process.env.EXPLORER_TEST_RPC_PORT) || (await freePort());
	const p2pPort = await freePort();
	const logFile = path.join(dir, "node.log");
	const log = fs.openSync(logFile, "w");
	const child = niced(
		NODE,
		["--dev", "--base-path", path.join(dir, "data"), "--rpc-port", String(rpcPort), "--port", String(p2pPort), "--no-prometheus", "--no-telemetry", "--no-mdns"],
		{ stdio: ["ignore", log, log] },
	);
	const httpUrl = `http://127.0.0.1:${rpcPort}`;
	const stop = () => {
		child.kill("SIGKILL");
		fs.rmSync(dir, { recursive: true, force: true });
	};
	const logText = () => fs.readFileSync(logFile, "utf8");
	try {
		await eventually(
			async () => {
				if (child.exitCode !== null) throw new Error(`depin-node exited early:\n${logText()}`);
				const header = await rpc(httpUrl, "chain_getHeader");
				return parseInt(header.number, 16) >= 1;
			},
			"depin-node produces a block",
			240_000,
		);
	} catch (e) {
		const text = logText();
		stop();
		throw new Error(`${e.message}\n${text.slice(-4000)}`);
	}
	return { ws: `ws://127.0.0.1:${rpcPort}`, http: httpUrl, stop, log: logText, dir };
}

/**
 * `depin-provider simulate` against `ws`, its keystore in a temporary home. `stations` honest
 * weather stations (`--stations`; with them a broken, a lying and a faking one, a buyer of
 * their data and two energy meters under one trade); 0: none.
 */
export function startSimulator(ws, devices = 12, cheaters = 0.25, stations = 0) {
	if (!fs.existsSync(PROVIDER)) throw new Error(`no provider binary at ${PROVIDER}: build it with cargo or set DEPIN_PROVIDER`);
	const home = fs.mkdtempSync(path.join(os.tmpdir(), "depin-explorer-sim-"));
	const logFile = path.join(home, "simulate.log");
	const log = fs.openSync(logFile, "w");
	const args = ["--url", ws, "--home", home, "simulate", "--devices", String(devices), "--cheaters", String(cheaters)];
	if (stations > 0) args.push("--stations", String(stations));
	const child = niced(PROVIDER, args, { stdio: ["ignore", log, log] });
	return {
		log: () => fs.readFileSync(logFile, "utf8"),
		stop: () => {
			child.kill("SIGKILL");
			fs.rmSync(home, { recursive: true, force: true });
		},
	};
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json", ".wasm": "application/wasm" };

/** Serves explorer/dist on a free port: `{ url, stop }`. */
export async function serveDist() {
	const dist = path.join(EXPLORER, "dist");
	if (!fs.existsSync(path.join(dist, "index.html"))) throw new Error("explorer/dist is missing: run `npm run build` first (npm test does)");
	const server = http.createServer((req, res) => {
		const pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
		let file = path.normalize(path.join(dist, pathname));
		if (!file.startsWith(dist)) {
			res.writeHead(403).end();
			return;
		}
		if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
		if (!fs.existsSync(file)) {
			res.writeHead(404).end("not found");
			return;
		}
		res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
		fs.createReadStream(file).pipe(res);
	});
	const port = await freePort();
	await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
	return { url: `http://127.0.0.1:${port}/`, stop: () => new Promise((resolve) => server.close(resolve)) };
}

/** Headless Chromium (Debian's) with the flags this closed network needs. */
export async function launchBrowser() {
	const { chromium } = await import("playwright-core");
	if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (scripts/setup.sh does) or set CHROMIUM`);
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), "depin-explorer-chromium-"));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		viewport: { width: 1400, height: 1000 },
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
	});
	return {
		context,
		stop: async () => {
			await context.close().catch(() => {});
			fs.rmSync(profile, { recursive: true, force: true });
		},
	};
}

/** A new page whose console errors and uncaught exceptions are collected in `errors`. */
export async function openPage(context) {
	const page = await context.newPage();
	const errors = [];
	page.on("console", (msg) => {
		if (msg.type() === "error") errors.push(`console.error: ${msg.text()}`);
	});
	page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
	return { page, errors };
}

export async function screenshot(page, name) {
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const file = path.join(ARTIFACTS, `${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	return file;
}
