// Rooms benchmark: list every room of a project with 1,000 rooms, three ways,
// in one run on one dev server, and compare the medians.
//
//   node tests/bench/rooms.mjs [--rooms N] [--reps N] [--bin PATH] [--emulator]
//
//   lbtui   lbtui -e 'rooms --all' --json            (every page)
//   sdk     node sdk_rooms.mjs (@liveblocks/node getRooms, every page)
//   curl    curl_rooms.sh (curl, following nextCursor)
//   curl1   one bare curl request for the first page (a reference floor)
//
// Targets: lbtui within 2x of curl, at least 5x faster than the SDK script,
// peak RSS under 20 MiB. The official dev server answers GET /v2/rooms with
// every room in one reply (nextCursor null), so each tool makes one request.
// With --emulator the tools talk to the emulator in front of the dev server,
// which pages like the real API (at most 100 rooms a page): 10 requests each.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, SECRET } from "../e2e/harness.mjs";
import { machine, maxPeakRss, median, parseOptions, runOnce, startServer, toolEnv, verdict } from "./common.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
	const o = { rooms: 1000, reps: 10, bin: path.join(ROOT, "build", "lbtui"), emulator: false };
	parseOptions(argv, o, usage, (v) => path.resolve(v));
	if (!(o.rooms > 0) || !(o.reps > 0))
		usage("--rooms and --reps must be positive numbers");
	return o;
}

function usage(msg) {
	if (msg)
		console.error(`rooms.mjs: ${msg}`);
	console.error("usage: node tests/bench/rooms.mjs [--rooms N] [--reps N] [--bin PATH] [--emulator]");
	process.exit(msg ? 2 : 0);
}

const opts = parseArgs(process.argv.slice(2));
if (!fs.existsSync(opts.bin)) {
	console.error(`rooms.mjs: ${opts.bin} not found (run scripts/setup.sh first)`);
	process.exit(2);
}

// Seed N rooms with a little metadata and accesses, 32 requests at a time.
async function seed(url, n) {
	let next = 0;
	const worker = async () => {
		for (;;) {
			const i = next++;
			if (i >= n)
				return;
			const id = `bench-${String(i).padStart(5, "0")}`;
			const body = {
				id,
				defaultAccesses: i % 3 === 0 ? ["room:write"] : [],
				metadata: { team: `team-${i % 10}`, tags: ["bench", `t${i % 7}`] },
				usersAccesses: i % 5 === 0 ? { [`user-${i}`]: ["room:write"] } : {},
			};
			const r = await fetch(`${url}/v2/rooms`, {
				method: "POST",
				headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
				body: JSON.stringify(body),
			});
			await r.arrayBuffer();
			if (r.status !== 200)
				throw new Error(`seeding ${id}: HTTP ${r.status}`);
		}
	};
	await Promise.all(Array.from({ length: 32 }, worker));
}

function tools(url) {
	const env = toolEnv(url);
	return [
		{ name: "lbtui", cmd: opts.bin, args: ["-e", "rooms --all", "--json"], env },
		{ name: "sdk", cmd: process.execPath, args: [path.join(HERE, "sdk_rooms.mjs"), url], env, cwd: path.join(ROOT, "tests") },
		{ name: "curl", cmd: "bash", args: [path.join(HERE, "curl_rooms.sh"), url], env },
		// For reference: one bare curl request for the first page, no script
		// around it (on the dev server that page holds every room).
		{
			name: "curl1",
			cmd: "curl",
			args: ["-sS", "--fail", "-H", `Authorization: Bearer ${SECRET}`, `${url}/v2/rooms?limit=100`],
			env,
			reference: true,
		},
	];
}

// Count the rooms in a tool's output: one JSON document per line or one
// document in all.
function countRooms(out) {
	const docs = [];
	try {
		docs.push(JSON.parse(out));
	} catch {
		for (const line of out.split("\n").filter(Boolean))
			docs.push(JSON.parse(line));
	}
	return docs.reduce((n, d) => n + d.data.length, 0);
}

const server = await startServer(opts.emulator);
try {
	const t0 = Date.now();
	await seed(server.url, opts.rooms);
	console.log(`seeded ${opts.rooms} rooms in ${Date.now() - t0} ms on the ${opts.emulator ? "emulator (paginating) in front of the dev server" : "dev server"} at ${server.url}`);
	const list = tools(server.url);

	// Check that every tool really lists every room (and warm caches).
	for (const t of list) {
		const { out } = await runOnce(t, true);
		const n = countRooms(out);
		if (t.reference)
			t.rooms = n;
		else if (n !== opts.rooms)
			throw new Error(`${t.name} listed ${n} rooms, expected ${opts.rooms}`);
	}

	const times = Object.fromEntries(list.map((t) => [t.name, []]));
	for (let rep = 0; rep < opts.reps; rep++) {
		for (const t of list)
			times[t.name].push((await runOnce(t, false)).ms);
	}
	const rss = {};
	for (const t of list)
		rss[t.name] = await maxPeakRss(t);

	const med = Object.fromEntries(list.map((t) => [t.name, median(times[t.name])]));
	const f1 = (x) => x.toFixed(1);
	console.log(machine(opts.bin));
	console.log(`rooms:   ${opts.rooms}; repetitions: ${opts.reps} (medians; runs interleaved)`);
	console.log("");
	console.log("tool    median ms    min ms    max ms   peak RSS MiB");
	for (const t of list) {
		const xs = times[t.name];
		console.log(`${t.name.padEnd(6)} ${f1(med[t.name]).padStart(10)} ${f1(Math.min(...xs)).padStart(9)} ` +
			`${f1(Math.max(...xs)).padStart(9)} ${(rss[t.name] / 1024).toFixed(1).padStart(14)}` +
			(t.reference ? `   (reference: one request, ${t.rooms} rooms)` : ""));
	}
	console.log("");
	const lbCurl = med.lbtui / med.curl;
	const sdkLb = med.sdk / med.lbtui;
	const rssMiB = rss.lbtui / 1024;
	console.log(`lbtui/curl: ${lbCurl.toFixed(2)}x (target <= 2x: ${verdict(lbCurl <= 2)}); ` +
		`lbtui/curl1: ${(med.lbtui / med.curl1).toFixed(2)}x`);
	console.log(`sdk/lbtui:  ${sdkLb.toFixed(2)}x (target >= 5x: ${verdict(sdkLb >= 5)})`);
	console.log(`lbtui peak RSS: ${rssMiB.toFixed(1)} MiB (target < 20 MiB: ${verdict(rssMiB < 20)})`);
} finally {
	await server.stop();
}
