// The explorer's shell: the connection (node URL from `?rpc=`), the header with live heads, the
// unreachable-node banner, and the hash router (`#/device/3`, deep-linkable).

import "./style.css";
import { Chain, DEFAULT_RPC, nodeUrl } from "./chain";
import type { Page, PageContext } from "./page";
import { networkPage } from "./pages/network";
import { devicesPage, devicePage } from "./pages/devices";
import { coveragePage } from "./pages/coverage";
import { computePage } from "./pages/compute";
import { sensorsPage } from "./pages/sensors";
import { governancePage } from "./pages/governance";
import { esc, num } from "./util";

const routes: Record<string, { page: Page; title: string; nav?: string }> = {
	network: { page: networkPage, title: "Network", nav: "Network" },
	devices: { page: devicesPage, title: "Devices", nav: "Devices" },
	device: { page: devicePage, title: "Device" },
	coverage: { page: coveragePage, title: "Coverage", nav: "Coverage" },
	compute: { page: computePage, title: "Compute & storage", nav: "Compute & storage" },
	sensors: { page: sensorsPage, title: "Sensors", nav: "Sensors" },
	governance: { page: governancePage, title: "Governance", nav: "Governance" },
};

const url = nodeUrl();
const app = document.getElementById("app") as HTMLElement;
app.innerHTML = `
<header>
	<a class="brand" href="#/network">DePIN explorer</a>
	<nav>${Object.entries(routes)
		.filter(([, r]) => r.nav)
		.map(([key, r]) => `<a href="#/${key}" data-nav="${key}">${esc(r.nav)}</a>`)
		.join("")}</nav>
	<div class="heads" data-testid="heads">best <b data-testid="best">–</b> · finalized <b data-testid="finalized">–</b></div>
	<form class="node" data-testid="node-form"><input name="rpc" value="${esc(url)}" aria-label="Node URL" size="24"/><button>connect</button></form>
</header>
<div id="banner" class="banner" role="alert" data-testid="banner" hidden></div>
<div id="page-error" class="banner warn" role="alert" hidden></div>
<main id="page"></main>
<footer>Node <code data-testid="node-url">${esc(url)}</code> <span data-testid="chain"></span></footer>`;

const banner = document.getElementById("banner") as HTMLElement;
const pageEl = document.getElementById("page") as HTMLElement;
let connectedOnce = false;

function setStatus(connected: boolean, error?: string): void {
	if (connected) {
		banner.hidden = true;
		return;
	}
	banner.hidden = false;
	banner.innerHTML = `<b>Cannot reach the node at <code>${esc(url)}</code>.</b> ${
		connectedOnce ? "The connection was lost. " : ""
	}Retrying every 3 seconds. Is <code>depin-node</code> running with its RPC on that address? Choose another node with the field above or <code>?rpc=ws://host:port</code> (default ${esc(DEFAULT_RPC)}).${
		error ? ` <small>(${esc(error)})</small>` : ""
	}`;
}

(document.querySelector("form.node") as HTMLFormElement).addEventListener("submit", (event) => {
	event.preventDefault();
	const value = ((event.target as HTMLFormElement).elements.namedItem("rpc") as HTMLInputElement).value.trim();
	const search = new URLSearchParams(window.location.search);
	search.set("rpc", value);
	window.location.search = search.toString();
});

// A WebSocket that cannot connect rejects Polkadot.js' readiness promise with the socket's
// error event; the banner already says so, so it is not an uncaught error.
window.addEventListener("unhandledrejection", (event) => {
	if (event.reason instanceof Event) {
		event.preventDefault();
		setStatus(false);
	}
});

const chain = new Chain(url, (connected, error) => {
	if (connected) connectedOnce = true;
	setStatus(connected, error);
});
// Until the first connection, say we are connecting (the banner replaces this on failure).
pageEl.innerHTML = `<p class="muted" data-testid="connecting">Connecting to ${esc(url)}…</p>`;
const connectTimer = window.setTimeout(() => {
	if (!connectedOnce) setStatus(false);
}, 4000);

chain.onChange(() => {
	(document.querySelector('[data-testid="best"]') as HTMLElement).textContent = num(chain.best);
	(document.querySelector('[data-testid="finalized"]') as HTMLElement).textContent = num(chain.finalized);
});

let dispose: (() => void) | void;
let generation = 0;

async function route(): Promise<void> {
	const hash = window.location.hash.replace(/^#\/?/, "");
	const [path, queryText = ""] = hash.split("?");
	const [name = "network", ...args] = path.split("/").filter(Boolean).map(decodeURIComponent);
	const entry = routes[name] ?? routes.network;
	generation += 1;
	const mine = generation;
	if (dispose) dispose();
	dispose = undefined;
	(document.getElementById("page-error") as HTMLElement).hidden = true;
	document.querySelectorAll<HTMLAnchorElement>("nav a").forEach((a) => {
		a.classList.toggle("active", a.dataset.nav === name || (name === "device" && a.dataset.nav === "devices"));
	});
	document.title = `${entry.title} · DePIN explorer`;
	pageEl.innerHTML = `<p class="muted">Loading…</p>`;
	pageEl.dataset.page = name in routes ? name : "network";
	const ctx: PageContext = { chain, args, query: new URLSearchParams(queryText), alive: () => mine === generation };
	try {
		const cleanup = await entry.page(pageEl, ctx);
		if (mine === generation) dispose = cleanup;
		else if (cleanup) cleanup();
	} catch (e) {
		console.warn(e);
		if (mine === generation) {
			pageEl.innerHTML = `<div class="banner warn" role="alert">Could not show this page: ${esc(e instanceof Error ? e.message : String(e))}</div>`;
		}
	}
}

chain
	.start()
	.then(() => {
		window.clearTimeout(connectTimer);
		(document.querySelector('[data-testid="chain"]') as HTMLElement).textContent = `(${chain.chainName}, ${chain.chainType})`;
		window.addEventListener("hashchange", () => void route());
		void route();
	})
	.catch((e) => {
		setStatus(false, e instanceof Error ? e.message : String(e));
	});
