// The Storage tree on screen: a scripted session on a 100,000-node
// document, driven in a pseudo-terminal as the end-to-end tests drive lbtui.
//
//   node tests/bench/tui.mjs [--nodes N] [--shape rows|shapes|json] [--reps N] [--bin PATH]
//
// Each repetition starts lbtui (140x40) on the dev server and times, from
// the key press until the screen shows the result:
//   open     Enter on ':storage ROOM' to the first screen of the tree
//   expand   '*' on the root: everything expanded
//   end      'G': the cursor on the last node
//   search   '/' and the last node's value, from the top: the cursor on it
//   collapse 'C': everything collapsed again
// and, for comparison, the time the server takes to send the same document
// to a plain fetch(). Times include the pseudo-terminal round trip and the
// harness's polling (2 ms). Medians of --reps runs (default 7).

import path from "node:path";
import { ROOT, SECRET, cursorLine, serverEnv, spawnLbtui } from "../e2e/harness.mjs";
import { machine, median, parseOptions, startServer } from "./common.mjs";
import { SHAPES, countNodes, seedStorage } from "./docs.mjs";

const ROOM = "bench-tui";
const COLS = 140;
const ROWS = 40;

function usage(msg) {
	if (msg)
		console.error(`tui.mjs: ${msg}`);
	console.error("usage: node tests/bench/tui.mjs [--nodes N] [--shape rows|shapes|json] [--reps N] [--bin PATH]");
	process.exit(msg ? 2 : 0);
}

const opts = { nodes: 100000, shape: "rows", reps: 7, bin: path.join(ROOT, "build", "lbtui") };
parseOptions(process.argv.slice(2), opts, usage, (v) => path.resolve(v));
if (!(opts.nodes >= 100) || !(opts.reps > 0))
	usage("--nodes must be at least 100, --reps a positive number");
if (!(opts.shape in SHAPES))
	usage(`--shape must be one of ${Object.keys(SHAPES).join(", ")}`);
process.env.LBTUI_BIN = opts.bin;


// The last node in document order: its key and its value as shown.
function lastNode(doc) {
	let key = null;
	let v = doc;
	for (;;) {
		const data = v && typeof v === "object" && typeof v.liveblocksType === "string" && "data" in v ? v.data : v;
		if (Array.isArray(data) && data.length) {
			key = `[${data.length - 1}]`;
			v = data[data.length - 1];
		} else if (data && typeof data === "object" && !Array.isArray(data) && Object.keys(data).length) {
			const keys = Object.keys(data);
			key = keys[keys.length - 1];
			v = data[key];
		} else {
			return { key, value: v };
		}
	}
}

// Whether a node below the root is shown expanded.
const expandedBelowRoot = (t) =>
	t.screen().slice(1, ROWS - 2).some((r) => r.includes("▾") && !r.includes("root LiveObject"));

const time = async (fn) => {
	const s = process.hrtime.bigint();
	await fn();
	return Number(process.hrtime.bigint() - s) / 1e6;
};

const server = await startServer(false);
try {
	const doc = SHAPES[opts.shape](opts.nodes);
	const nodes = countNodes(doc);
	await seedStorage(server.url, ROOM, doc);
	const url = `${server.url}/v2/rooms/${ROOM}/storage`;
	// The last node as the server orders the document (it may reorder keys).
	const served = await (await fetch(url, { headers: { Authorization: `Bearer ${SECRET}` } })).json();
	const last = lastNode(served);
	if (typeof last.value !== "string")
		throw new Error(`the last node's value is not a string: ${JSON.stringify(last.value)}`);
	const lastRe = new RegExp(`${last.key.replace(/[[\]]/g, "\\$&")} string "${last.value}"`);
	const fetchOnce = async () => {
		const r = await fetch(url, { headers: { Authorization: `Bearer ${SECRET}` } });
		await r.arrayBuffer();
	};

	const steps = ["server", "open", "expand", "end", "search", "collapse"];
	const times = Object.fromEntries(steps.map((s) => [s, []]));
	for (let rep = 0; rep <= opts.reps; rep++) {
		const ms = { server: await time(fetchOnce) };
		const t = spawnLbtui({ cols: COLS, rows: ROWS, env: serverEnv(server.url) });
		try {
			await t.waitFor(/ \d+\+? rooms │/, { timeout: 15000 });
			await t.waitIdle();
			const fast = { interval: 2, timeout: 20000 };
			ms.open = await time(async () => {
				t.command(`:storage ${ROOM}`);
				await t.waitFor(() => new RegExp(`\\b${nodes} nodes`).test(t.row(-2)), fast);
			});
			await t.waitIdle();
			ms.expand = await time(async () => {
				t.write("*");
				await t.waitFor(() => expandedBelowRoot(t), fast);
			});
			await t.waitIdle();
			ms.end = await time(async () => {
				t.write("G");
				await t.waitFor(() => lastRe.test(cursorLine(t)), fast);
			});
			t.write("g");
			await t.waitFor(() => /root LiveObject/.test(cursorLine(t)));
			await t.waitIdle();
			t.write("/");
			await t.waitFor(() => t.row(-1).startsWith("/"));
			ms.search = await time(async () => {
				t.command(last.value);
				await t.waitFor(() => lastRe.test(cursorLine(t)), fast);
			});
			await t.waitIdle();
			ms.collapse = await time(async () => {
				t.write("C");
				await t.waitFor(() => !expandedBelowRoot(t), fast);
			});
		} finally {
			await t.close();
		}
		// The first run warms up the server and the page cache.
		if (rep > 0)
			for (const s of steps)
				times[s].push(ms[s]);
	}

	console.log(machine(opts.bin));
	console.log(`storage tree: ${nodes} nodes (shape ${opts.shape}), ${COLS}x${ROWS} terminal; medians of ${opts.reps} runs after a warm-up`);
	console.log("");
	const label = {
		server: "the document fetched without lbtui (the server's time)",
		open: "Enter on :storage ROOM to the first screen",
		expand: "expand everything (* on the root)",
		end: "go to the last node (G)",
		search: "search to the last node (/ …) from the top",
		collapse: "collapse everything (C)",
	};
	for (const s of steps) {
		const xs = times[s];
		console.log(`${label[s].padEnd(56)} ${median(xs).toFixed(1).padStart(8)} ms  (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`);
	}
} finally {
	await server.stop();
}
