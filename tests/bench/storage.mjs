// Storage benchmark: read a room's 100,000-node Storage document three
// ways, in one run on one dev server, and compare the medians.
//
//   node tests/bench/storage.mjs [--nodes N] [--shape rows|shapes|json] [--reps N] [--warmup N]
//                                [--bin PATH] [--emulator]
//
//   lbtui   lbtui -e 'storage ROOM' --json > /dev/null
//   sdk     node sdk_storage.mjs (@liveblocks/node getStorageDocument,
//           plain LSON) > /dev/null
//   curl    curl -sS --fail -H 'Authorization: Bearer …' URL/v2/rooms/ROOM/storage > /dev/null
//
// The room's Storage is initialised with POST /v2/rooms/ROOM/storage from
// a plain-LSON document of about N nodes (every LiveObject, LiveList,
// LiveMap, JSON object, array and scalar counts as one), in one of three
// shapes (--shape):
//   rows    (default) sections of rows, each row a LiveObject holding a
//           LiveList and a LiveMap: one node in five is a Live container
//   shapes  a whiteboard: a LiveMap of LiveObjects of nine scalars each
//   json    the same shapes as plain JSON objects in a JSON array, under
//           a root LiveObject: almost no Live containers
// The dev server's time grows with the number of Live containers, and
// every tool waits for it, so the shape moves the SDK / lbtui ratio
// (bounded by SDK / curl); what each tool costs on its own is the replay
// at the end. The first of
// --warmup runs of each tool (default 3; the dev server's own code warms
// up too) checks that lbtui prints exactly the bytes curl receives (a
// final newline lbtui adds is reported, not fatal; any other difference
// makes the exit status 1). Then the tools run --reps times, interleaved,
// the order rotated each time and with a short pause before each run, so
// that no tool always follows the same one while the server collects the
// garbage of the previous reply.
//
// Targets: lbtui within 1.5x of curl's wall time, at least 5x faster than
// the SDK script, peak RSS at most 25 MiB. With --emulator the tools talk
// to the emulator in front of the dev server.
//
// Afterwards the three run again against a local server that replays the
// same reply at once: the dev server's time taken out, what is left is
// each tool's own cost.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, SECRET } from "../e2e/harness.mjs";
import { machine, maxPeakRss, median, parseOptions, runOnce, startServer, toolEnv, verdict } from "./common.mjs";
import { SHAPES, countLive, countNodes, seedStorage } from "./docs.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOM = "bench-storage";
const PAUSE_MS = 200;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv) {
	const o = { nodes: 100000, shape: "rows", reps: 10, warmup: 3, bin: path.join(ROOT, "build", "lbtui"), emulator: false };
	parseOptions(argv, o, usage, (v) => path.resolve(v));
	if (!(o.nodes >= 100) || !(o.reps > 0) || !(o.warmup >= 1))
		usage("--nodes must be at least 100, --reps and --warmup positive numbers");
	if (!(o.shape in SHAPES))
		usage(`--shape must be one of ${Object.keys(SHAPES).join(", ")}`);
	return o;
}

function usage(msg) {
	if (msg)
		console.error(`storage.mjs: ${msg}`);
	console.error("usage: node tests/bench/storage.mjs [--nodes N] [--shape rows|shapes|json] [--reps N] [--warmup N]\n" +
		"                                  [--bin PATH] [--emulator]");
	process.exit(msg ? 2 : 0);
}

// Create the room and initialise its Storage; returns the number of nodes.
async function seed(url, nodes) {
	const doc = SHAPES[opts.shape](nodes);
	await seedStorage(url, ROOM, doc);
	return countNodes(doc);
}

function tools(url) {
	const env = toolEnv(url);
	return [
		{ name: "lbtui", cmd: opts.bin, args: ["-e", `storage ${ROOM}`, "--json"], env },
		{
			name: "sdk",
			cmd: process.execPath,
			args: [path.join(HERE, "sdk_storage.mjs"), url, ROOM],
			env,
			cwd: path.join(ROOT, "tests"),
		},
		{
			name: "curl",
			cmd: "curl",
			args: ["-sS", "--fail", "-H", `Authorization: Bearer ${SECRET}`, `${url}/v2/rooms/${encodeURIComponent(ROOM)}/storage`],
			env,
		},
	];
}

// Where two outputs first differ, in words.
function difference(a, b) {
	let i = 0;
	const n = Math.min(a.length, b.length);
	while (i < n && a[i] === b[i])
		i++;
	const around = (buf) => JSON.stringify(buf.subarray(Math.max(0, i - 20), i + 20).toString("utf8"));
	return `first difference at byte ${i} (lbtui ${a.length} bytes, curl ${b.length} bytes): ` +
		`lbtui ${around(a)} curl ${around(b)}`;
}

// Time each tool opts.reps times: interleaved, the order rotated each
// repetition, a pause before each run. Returns {name: [ms, ...]}.
async function timeAll(list) {
	const times = Object.fromEntries(list.map((t) => [t.name, []]));
	for (let rep = 0; rep < opts.reps; rep++) {
		for (let k = 0; k < list.length; k++) {
			const t = list[(rep + k) % list.length];
			await sleep(PAUSE_MS);
			times[t.name].push((await runOnce(t, false)).ms);
		}
	}
	return times;
}

// A loopback server that answers GET of the room's Storage with body at
// once; resolves {url, server}.
function startReplay(body) {
	const server = http.createServer((req, res) => {
		req.resume();
		const p = new URL(req.url, "http://x").pathname;
		if (req.method !== "GET" || p !== `/v2/rooms/${ROOM}/storage`) {
			res.writeHead(404, { "Content-Type": "application/json" });
			res.end('{"error":"ROOM_NOT_FOUND","message":"replay: only the benchmark room"}');
			return;
		}
		res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
		res.end(body);
	});
	return new Promise((resolve, reject) => {
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, server }));
	});
}

const opts = parseArgs(process.argv.slice(2));
if (!fs.existsSync(opts.bin)) {
	console.error(`storage.mjs: ${opts.bin} not found (run scripts/setup.sh first)`);
	process.exit(2);
}

const server = await startServer(opts.emulator);
let replay;
try {
	const t0 = Date.now();
	const nodes = await seed(server.url, opts.nodes);
	console.log(`seeded room ${ROOM} with a ${nodes}-node Storage document (shape ${opts.shape}) in ${Date.now() - t0} ms on the ` +
		`${opts.emulator ? "emulator in front of the dev server" : "dev server"} at ${server.url}`);
	const list = tools(server.url);

	// Warm-up; the first run of each is captured to check what it prints.
	const out = {};
	for (let w = 0; w < opts.warmup; w++) {
		for (const t of list) {
			const r = await runOnce(t, w === 0);
			if (w === 0)
				out[t.name] = r.buf;
		}
	}
	const served = JSON.parse(out.curl.toString("utf8"));
	const servedNodes = countNodes(served);
	if (servedNodes !== nodes)
		throw new Error(`the server returned ${servedNodes} nodes, ${nodes} were sent`);
	const sdkNodes = countNodes(JSON.parse(out.sdk.toString("utf8")));
	if (sdkNodes !== nodes)
		throw new Error(`the SDK script printed ${sdkNodes} nodes, expected ${nodes}`);
	// lbtui may end what it prints with a newline the server's body lacks.
	const identical = out.lbtui.equals(out.curl);
	const plusNewline = !identical && out.lbtui.length === out.curl.length + 1 &&
		out.lbtui[out.curl.length] === 0x0a && out.lbtui.subarray(0, out.curl.length).equals(out.curl);

	const times = await timeAll(list);
	const rss = {};
	for (const t of list)
		rss[t.name] = await maxPeakRss(t);

	const med = Object.fromEntries(list.map((t) => [t.name, median(times[t.name])]));
	const f1 = (x) => x.toFixed(1);
	console.log(machine(opts.bin));
	console.log(`storage: ${nodes} nodes (shape ${opts.shape}; ${countLive(served)} Live containers), ${out.curl.length} bytes of plain LSON; repetitions: ${opts.reps} ` +
		`(medians after ${opts.warmup} warm-up run${opts.warmup === 1 ? "" : "s"}; runs interleaved, order rotated)`);
	console.log("");
	console.log("tool    median ms    min ms    max ms   peak RSS MiB");
	for (const t of list) {
		const xs = times[t.name];
		console.log(`${t.name.padEnd(6)} ${f1(med[t.name]).padStart(10)} ${f1(Math.min(...xs)).padStart(9)} ` +
			`${f1(Math.max(...xs)).padStart(9)} ${(rss[t.name] / 1024).toFixed(1).padStart(14)}`);
	}
	console.log("");
	const lbCurl = med.lbtui / med.curl;
	const sdkLb = med.sdk / med.lbtui;
	const rssMiB = rss.lbtui / 1024;
	console.log(`output:     lbtui ${identical ? "byte-identical to curl" : plusNewline
		? "identical to curl plus a final newline (not byte-identical)"
		: "DIFFERS from curl: " + difference(out.lbtui, out.curl)}`);
	console.log(`lbtui/curl: ${lbCurl.toFixed(2)}x (target <= 1.5x: ${verdict(lbCurl <= 1.5)})`);
	console.log(`sdk/lbtui:  ${sdkLb.toFixed(2)}x (target >= 5x: ${verdict(sdkLb >= 5)}); ` +
		`sdk/curl: ${(med.sdk / med.curl).toFixed(2)}x (sdk/lbtui's ceiling: lbtui waits for the same reply as curl)`);
	console.log(`lbtui peak RSS: ${rssMiB.toFixed(1)} MiB (target <= 25 MiB: ${verdict(rssMiB <= 25)}); ` +
		`sdk peak RSS: ${(rss.sdk / 1024).toFixed(1)} MiB`);

	// The same bytes again from a local server that answers at once: what
	// each tool costs on its own, without the dev server's time.
	replay = await startReplay(out.curl);
	const rlist = tools(replay.url);
	for (const t of rlist)
		await runOnce(t, false);
	const rtimes = await timeAll(rlist);
	const rmed = Object.fromEntries(rlist.map((t) => [t.name, median(rtimes[t.name])]));
	console.log("");
	console.log("replay: the same reply from a local server that answers at once (each tool's own cost)");
	console.log("tool    median ms    min ms    max ms");
	for (const t of rlist) {
		const xs = rtimes[t.name];
		console.log(`${t.name.padEnd(6)} ${f1(rmed[t.name]).padStart(10)} ${f1(Math.min(...xs)).padStart(9)} ` +
			`${f1(Math.max(...xs)).padStart(9)}`);
	}
	console.log(`lbtui/curl: ${(rmed.lbtui / rmed.curl).toFixed(2)}x (lbtui - curl: ${f1(rmed.lbtui - rmed.curl)} ms); ` +
		`sdk/lbtui: ${(rmed.sdk / rmed.lbtui).toFixed(2)}x; ` +
		`the server's share of curl's time: ${f1(med.curl - rmed.curl)} ms`);
	if (!identical && !plusNewline)
		process.exitCode = 1;
} finally {
	if (replay)
		await new Promise((r) => replay.server.close(r));
	await server.stop();
}
