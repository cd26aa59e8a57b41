// Queue benchmark: the threads of every room of a project of 1,000 rooms
// with 5 threads each, three ways, in one run on one emulator, and compare
// the medians.
//
//   node tests/bench/queue.mjs [--rooms N] [--threads N] [--reps N] [--latency MS,MS] [--bin PATH]
//
//   lbtui   lbtui -e 'queue' --json
//   sdk     node sdk_queue.mjs (@liveblocks/node iterRooms, getThreads for each room in turn)
//   curl    curl_queue.sh (the room IDs page by page, then one curl --parallel
//           --parallel-max 16 over every room's GET /threads)
//
// Each --latency value (default 20 then 0) is a phase: the emulator's
// latency rule adds that many milliseconds to every GET (a project in a
// nearby region; on bare loopback the emulator itself is what every tool
// waits for). Then the same phases against a replay: a local server that
// answers every GET with the body the emulator gave (the rooms' pages by
// cursor, each room's threads), after the same delay, and costs next to
// nothing itself, so that what is measured is the clients and the delay,
// not the emulator's CPU (which a loaded machine starves). Targets, at
// 20 ms: lbtui within 1.2x of curl, at least 6.7x faster than the SDK
// loop, peak RSS under 40 MiB. Every tool's output is checked to hold
// every thread.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, SECRET } from "../e2e/harness.mjs";
import { spawn } from "node:child_process";
import { machine, median, parseOptions, runOnce, startServer, toolEnv, verdict } from "./common.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

function usage(msg) {
	if (msg)
		console.error(`queue.mjs: ${msg}`);
	console.error("usage: node tests/bench/queue.mjs [--rooms N] [--threads N] [--reps N] [--latency MS,MS] [--bin PATH]");
	process.exit(msg ? 2 : 0);
}

const opts = parseOptions(process.argv.slice(2),
	{ rooms: 1000, threads: 5, reps: 5, latency: "20,0", bin: path.join(ROOT, "build", "lbtui") },
	usage, (v) => path.resolve(v));
const latencies = String(opts.latency).split(",").map(Number);
if (!(opts.rooms > 0) || !(opts.threads > 0) || !(opts.reps > 0) || latencies.some((l) => !(l >= 0)))
	usage("--rooms, --threads, --reps and --latency must be numbers");
if (!fs.existsSync(opts.bin)) {
	console.error(`queue.mjs: ${opts.bin} not found (run scripts/setup.sh first)`);
	process.exit(2);
}

const auth = { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" };

async function post(url, body) {
	const r = await fetch(url, { method: "POST", headers: auth, body: JSON.stringify(body) });
	const text = await r.text();
	if (r.status !== 200)
		throw new Error(`POST ${url}: HTTP ${r.status} ${text}`);
	return text;
}

// N rooms, each with T threads of one comment, every thread a second of
// its own; 32 requests at a time.
async function seed(url, n, t) {
	const base = Date.UTC(2025, 0, 1);
	let next = 0;
	const worker = async () => {
		for (;;) {
			const i = next++;
			if (i >= n)
				return;
			const id = `qbench-${String(i).padStart(5, "0")}`;
			await post(`${url}/v2/rooms`, { id, defaultAccesses: [], metadata: { team: `team-${i % 10}` } });
			for (let k = 0; k < t; k++) {
				const createdAt = new Date(base + (i * t + k) * 1000).toISOString();
				await post(`${url}/v2/rooms/${id}/threads`, {
					metadata: { status: k % 2 ? "open" : "closed" },
					comment: {
						userId: `user-${(i + k) % 50}`,
						createdAt,
						body: { version: 1, content: [{ type: "paragraph", children: [{ text: `Thread ${k} of room ${i}: ` }, { text: "please review", bold: true }] }] },
					},
				});
			}
		}
	};
	await Promise.all(Array.from({ length: 32 }, worker));
}

function tools(url) {
	const env = toolEnv(url);
	return [
		{ name: "lbtui", cmd: opts.bin, args: ["-e", "queue", "--json"], env },
		{ name: "sdk", cmd: process.execPath, args: [path.join(HERE, "sdk_queue.mjs"), url], env, cwd: path.join(ROOT, "tests") },
		{ name: "curl", cmd: "bash", args: [path.join(HERE, "curl_queue.sh"), url], env },
	];
}

// The threads in a tool's output: each thread object has "id":"th_…"
// once (comments name theirs as "threadId").
function threadIds(out) {
	return new Set([...out.matchAll(/"id":"(th_[^"]+)"/g)].map((m) => m[1]));
}

async function setLatency(url, ms) {
	await fetch(`${url}/__emulator/faults`, { method: "DELETE" });
	if (ms > 0) {
		const r = await fetch(`${url}/__emulator/faults`, {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ method: "GET", path: "/v2/**", type: "latency", latencyMs: ms }),
		});
		if (r.status !== 200)
			throw new Error(`latency rule: HTTP ${r.status} ${await r.text()}`);
	}
}

// Every body the tools will ask for, from the emulator: the pages of
// rooms by the cursor that asks for them ("" for the first), and each
// room's threads by its ID.
async function record(url) {
	const get = async (p) => {
		const r = await fetch(url + p, { headers: auth });
		const text = await r.text();
		if (r.status !== 200)
			throw new Error(`GET ${p}: HTTP ${r.status} ${text}`);
		return text;
	};
	const pages = new Map();
	const threads = new Map();
	let cursor = "";
	for (;;) {
		const body = await get(`/v2/rooms?limit=100${cursor ? `&startingAfter=${encodeURIComponent(cursor)}` : ""}`);
		pages.set(cursor, body);
		const page = JSON.parse(body);
		for (const room of page.data)
			threads.set(room.id, await get(`/v2/rooms/${encodeURIComponent(room.id)}/threads`));
		if (!page.nextCursor)
			break;
		cursor = page.nextCursor;
	}
	return { pages, threads };
}

// A server that answers what record() kept, latency.ms after each GET;
// resolves {url, close()}.
function replay(kept, latency) {
	const server = http.createServer((req, res) => {
		const u = new URL(req.url, "http://x");
		const m = /^\/v2\/rooms\/([^/]+)\/threads$/.exec(u.pathname);
		const body = u.pathname === "/v2/rooms"
			? kept.pages.get(u.searchParams.get("startingAfter") ?? u.searchParams.get("cursor") ?? "")
			: m ? kept.threads.get(decodeURIComponent(m[1])) : undefined;
		req.resume();
		setTimeout(() => {
			if (body === undefined) {
				res.writeHead(404, { "Content-Type": "application/json" });
				res.end(JSON.stringify({ error: "NOT_FOUND", message: `not recorded: ${req.url}` }));
				return;
			}
			res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
			res.end(body);
		}, latency.ms);
	});
	server.keepAliveTimeout = 30000;
	return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
		url: `http://127.0.0.1:${server.address().port}`,
		close: () => new Promise((done) => {
			server.closeAllConnections();
			server.close(done);
		}),
	})));
}

const f1 = (x) => x.toFixed(1);
// One run of t under GNU time: {kib: peak RSS, cpu: user + system seconds}.
function usage1(t) {
	return new Promise((resolve, reject) => {
		const child = spawn("/usr/bin/time", ["-f", "%M %U %S", t.cmd, ...t.args], {
			env: t.env,
			cwd: t.cwd,
			stdio: ["ignore", "ignore", "pipe"],
		});
		let err = "";
		child.stderr.setEncoding("utf8");
		child.stderr.on("data", (d) => (err += d));
		child.on("error", reject);
		child.on("close", (code) => {
			if (code !== 0)
				return reject(new Error(`${t.name} under /usr/bin/time: ${err}`));
			const [kib, user, sys] = err.trim().split("\n").pop().split(" ").map(Number);
			resolve({ kib, cpu: user + sys });
		});
	});
}

// Check every tool, time them interleaved, their peak RSS and CPU time;
// print a table.
async function phase(what, url, total) {
	const list = tools(url);
	// Check that every tool prints every thread (and warm caches).
	for (const t of list) {
		const { out } = await runOnce(t, true);
		const n = threadIds(out).size;
		if (n !== total)
			throw new Error(`${t.name} printed ${n} threads, expected ${total} (${what})`);
	}
	const times = Object.fromEntries(list.map((t) => [t.name, []]));
	for (let rep = 0; rep < opts.reps; rep++) {
		for (const t of list)
			times[t.name].push((await runOnce(t, false)).ms);
	}
	// The largest peak RSS and the least CPU time of a few more runs.
	const rss = {};
	const cpu = {};
	for (const t of list) {
		for (let i = 0; i < (t.name === "lbtui" ? 3 : 1); i++) {
			const u = await usage1(t);
			rss[t.name] = Math.max(rss[t.name] ?? 0, u.kib);
			cpu[t.name] = Math.min(cpu[t.name] ?? Infinity, u.cpu);
		}
	}
	const med = Object.fromEntries(list.map((t) => [t.name, median(times[t.name])]));
	console.log("");
	console.log(`${what}; ${opts.rooms} rooms, ${total} threads; repetitions: ${opts.reps} (medians; runs interleaved)`);
	console.log("tool    median ms    min ms    max ms   peak RSS MiB   CPU s");
	for (const t of list) {
		const xs = times[t.name];
		console.log(`${t.name.padEnd(6)} ${f1(med[t.name]).padStart(10)} ${f1(Math.min(...xs)).padStart(9)} ` +
			`${f1(Math.max(...xs)).padStart(9)} ${(rss[t.name] / 1024).toFixed(1).padStart(14)} ` +
			`${cpu[t.name].toFixed(2).padStart(7)}`);
	}
	const lbCurl = med.lbtui / med.curl;
	const sdkLb = med.sdk / med.lbtui;
	const rssMiB = rss.lbtui / 1024;
	console.log(`lbtui/curl: ${lbCurl.toFixed(2)}x (target <= 1.2x: ${verdict(lbCurl <= 1.2)})`);
	console.log(`sdk/lbtui:  ${sdkLb.toFixed(2)}x (target >= 6.7x: ${verdict(sdkLb >= 6.7)})`);
	console.log(`lbtui peak RSS: ${rssMiB.toFixed(1)} MiB (target < 40 MiB: ${verdict(rssMiB < 40)})`);
}

const server = await startServer(true);
try {
	const t0 = Date.now();
	await seed(server.url, opts.rooms, opts.threads);
	const total = opts.rooms * opts.threads;
	console.log(`seeded ${opts.rooms} rooms with ${opts.threads} threads each in ${Date.now() - t0} ms on the emulator at ${server.url}`);
	console.log(machine(opts.bin));
	for (const ms of latencies) {
		await setLatency(server.url, ms);
		await phase(`emulator, ${ms} ms added to every GET`, server.url, total);
	}
	await setLatency(server.url, 0);
	const latency = { ms: 0 };
	const rep = await replay(await record(server.url), latency);
	try {
		for (const ms of latencies) {
			latency.ms = ms;
			await phase(`replay, ${ms} ms before every answer`, rep.url, total);
		}
	} finally {
		await rep.close();
	}
} finally {
	await server.stop();
}
