// Changes in a row: what a change that goes out at most once costs when
// many are sent back to back (a bulk action sends hundreds).
//
//   node tests/bench/mutations.mjs [--posts N] [--reps N] [--bin PATH] [--baseline PATH]
//
// One lbtui process runs `room broadcast` N times (-e ... -e ...), each
// POST after the previous answer, against a local server that answers at
// once (loopback: what lbtui costs, not the network). Three runs:
//
//   kept      the server keeps connections alive: lbtui reuses one
//   fresh     the server closes the connection after each answer, so each
//             POST opens a new one (what refusing reuse for changes would
//             cost; over TLS add a handshake, one or two round trips, each)
//   baseline  kept, with another binary (--baseline), e.g. one without the
//             at-most-once guard, to see what the guard itself costs
//
// Each run's output and the server's counts are checked: N POSTs, and one
// connection (kept) or N (fresh).

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { ROOT } from "../e2e/harness.mjs";
import { machine, median, parseOptions, runOnce, toolEnv } from "./common.mjs";

function usage(msg) {
	if (msg)
		console.error(`mutations.mjs: ${msg}`);
	console.error("usage: node tests/bench/mutations.mjs [--posts N] [--reps N] [--bin PATH] [--baseline PATH]");
	process.exit(msg ? 2 : 0);
}

const opts = parseOptions(
	process.argv.slice(2),
	{ posts: 200, reps: 10, bin: path.join(ROOT, "build", "lbtui"), baseline: "" },
	usage,
	(v) => path.resolve(v),
);
if (!(opts.posts > 0) || !(opts.reps > 0))
	usage("--posts and --reps must be positive numbers");
for (const b of [opts.bin, opts.baseline].filter(Boolean)) {
	if (!fs.existsSync(b)) {
		console.error(`mutations.mjs: ${b} not found (run scripts/setup.sh first)`);
		process.exit(2);
	}
}

// A server that answers every broadcast with 204 at once and counts
// connections and POSTs; `close` makes it close each connection after
// its answer.
const counts = { connections: 0, posts: 0 };
let close = false;
const server = http.createServer((req, res) => {
	req.resume();
	req.on("end", () => {
		if (req.method === "POST" && /^\/v2\/rooms\/[^/]+\/broadcast[-_]event$/.test(req.url))
			counts.posts++;
		if (close)
			res.setHeader("Connection", "close");
		res.writeHead(204);
		res.end();
	});
});
server.keepAliveTimeout = 60000;
server.on("connection", () => counts.connections++);
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}`;

const args = [];
for (let i = 0; i < opts.posts; i++)
	args.push("-e", `room broadcast bench '{"n":${i}}'`);
const run = (bin) => ({ name: path.basename(bin), cmd: bin, args, env: toolEnv(url) });

const runs = [
	{ name: "kept", bin: opts.bin, close: false, connections: 1 },
	{ name: "fresh", bin: opts.bin, close: true, connections: opts.posts },
	...(opts.baseline ? [{ name: "baseline", bin: opts.baseline, close: false, connections: 1 }] : []),
];
const times = Object.fromEntries(runs.map((r) => [r.name, []]));

async function once(r) {
	close = r.close;
	counts.connections = counts.posts = 0;
	const { ms, out } = await runOnce(run(r.bin), true);
	const said = out.split("\n").filter((l) => l.startsWith("broadcast an event")).length;
	if (said !== opts.posts || counts.posts !== opts.posts || counts.connections !== r.connections)
		throw new Error(`${r.name}: ${said} printed, ${counts.posts} POSTs, ${counts.connections} connections`);
	return ms;
}

for (const r of runs)
	await once(r); // warm-up
for (let i = 0; i < opts.reps; i++)
	for (const r of runs)
		times[r.name].push(await once(r));
server.close();

console.log(machine(opts.bin));
console.log(`${opts.posts} POSTs in a row, one lbtui process, medians of ${opts.reps} runs\n`);
console.log("| run | connections | total | per POST |");
console.log("|---|---|---|---|");
for (const r of runs) {
	const m = median(times[r.name]);
	console.log(`| ${r.name} | ${r.connections} | ${m.toFixed(1)} ms | ${(m / opts.posts).toFixed(3)} ms |`);
}
const kept = median(times.kept);
const fresh = median(times.fresh);
console.log(`\na new connection costs ${((fresh - kept) / opts.posts).toFixed(3)} ms a POST on loopback (fresh / kept ${(fresh / kept).toFixed(2)}x)`);
if (opts.baseline)
	console.log(`the guard costs ${((kept - median(times.baseline)) / opts.posts).toFixed(3)} ms a POST (kept / baseline ${(kept / median(times.baseline)).toFixed(2)}x)`);
