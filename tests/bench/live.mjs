// Live benchmark: Storage watched by push, in one run on one dev server,
// lbtui against a @liveblocks/client subscriber in its own process.
//
//   node tests/bench/live.mjs [--n 100] [--spacing 50] [--items 20000] [--rate 1000]
//                             [--seconds 20] [--idle 65] [--no-strace] [--no-tui]
//                             [--bin PATH] [--emulator]
//
// 1. Latency, on a small room: a writer (@liveblocks/client in this
//    process) sets root key "t" to 1..n, one every --spacing ms. The time
//    a change is sent is taken where the writer's WebSocket sends the
//    frame that carries it (after the SDK's own throttle). Watching the
//    room: `lbtui -e 'storage ROOM --watch' --json` (its "time" is the wall
//    clock when it applied the op), `lbtui ... --watch --poll --json` (1 s
//    re-reads; a change counts as seen at the first re-read that shows it
//    or a later value), and sdk_live_subscriber.mjs (Date.now() in its
//    deep subscription callback). Same machine, same clock.
// 2. Memory: peak RSS (VmHWM) of lbtui and of the subscriber during the
//    latency run, and on a document of 1 + 1 + items * 5 nodes (a LiveList
//    "items" of LiveObjects of 4 fields) once loaded and after the stream.
// 3. Idle: --idle seconds with nothing changing on the small room: what
//    lbtui reads and writes (/proc/PID/io rchar, wchar: files and pipes
//    only; on its sockets, the kernel's bytes_sent and bytes_received
//    from ss -ti) and its wake-ups (voluntary_ctxt_switches), against the
//    subscriber's; then, unless --no-strace, the same time
//    again with strace attached, listing every system call (strace stops
//    make context switches, so the counters come from the first window).
// 4. CPU: on the big document, the writer updates one field of a list
//    item --rate times a second for --seconds (batches of rate/100 every
//    10 ms, caught up on the clock); lbtui's and the subscriber's
//    utime+stime (/proc/PID/stat) over the window, as % of one core, and
//    the ops lbtui applied per second by its own "time" (the rate the
//    stream really reached; below 90% of --rate the verdict is an
//    estimate from lbtui's CPU time per op, and says so). Then, unless
//    --no-tui, the screen alone under a second stream (`:storage ROOM
//    --watch` in a pty, tests/e2e/harness.mjs, parsed in this process
//    next to the writer): its memory and CPU, and its CPU in the 3 s
//    after (a backlog would show there).
//
// Targets (issue 12): median latency within 1.5x of the SDK subscriber,
// peak RSS at most 1/4 of the subscriber's, idle: no traffic but the 30 s
// ping and no wake-ups but timers, 1,000 ops/s on 100,000 nodes under 10%
// of a core.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient } from "@liveblocks/client";
import WebSocket from "ws";
import { ROOT, SECRET, serverEnv, spawnLbtui } from "../e2e/harness.mjs";
import { machine, median, parseOptions, startServer, toolEnv, verdict } from "./common.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SMALL = "bench-live";
const BIG = "bench-live-big";
// Values the stream writes: never an item's own (setting the same value
// makes no op).
const STREAM_BASE = 1e7;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TICK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

function usage(msg) {
	if (msg)
		console.error(`live.mjs: ${msg}`);
	console.error("usage: node tests/bench/live.mjs [--n 100] [--spacing 50] [--items 20000] [--rate 1000]\n" +
		"                               [--seconds 20] [--idle 65] [--no-strace] [--no-tui] [--bin PATH] [--emulator]");
	process.exit(msg ? 2 : 0);
}

function parseArgs(argv) {
	const o = { n: 100, spacing: 50, items: 20000, rate: 1000, seconds: 20, idle: 65, "no-strace": false, "no-tui": false,
		bin: path.join(ROOT, "build", "lbtui"), emulator: false };
	parseOptions(argv, o, usage, (v) => path.resolve(v));
	if (!(o.n > 0) || !(o.spacing > 0) || !(o.items >= 100) || !(o.rate >= 100) || !(o.seconds > 0) || !(o.idle > 0))
		usage("--n, --spacing, --seconds, --idle must be positive, --items and --rate at least 100");
	return o;
}

// --- /proc -------------------------------------------------------------

function status(pid) {
	const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
	const field = (k) => Number(new RegExp(`^${k}:\\s*(\\d+)`, "m").exec(s)?.[1]);
	return { hwm: field("VmHWM"), rss: field("VmRSS"), vcs: field("voluntary_ctxt_switches"),
		ncs: field("nonvoluntary_ctxt_switches") };
}

function io(pid) {
	const s = fs.readFileSync(`/proc/${pid}/io`, "utf8");
	const field = (k) => Number(new RegExp(`^${k}:\\s*(\\d+)`, "m").exec(s)?.[1]);
	return { rchar: field("rchar"), wchar: field("wchar"), syscr: field("syscr"), syscw: field("syscw") };
}

/**
 * Bytes sent and received on pid's TCP sockets, from the kernel's
 * tcp_info (ss -ti): unlike /proc/PID/io it counts send() and recv()
 * (a FIN received counts as one byte). states: "STATE PEER" of each.
 */
function sockets(pid) {
	const out = spawnSync("ss", ["-Htinp"], { encoding: "utf8" }).stdout || "";
	const records = out.split(/\n(?=\S)/);
	let sent = 0;
	let received = 0;
	let n = 0;
	const states = [];
	for (const r of records) {
		if (!r.includes(`pid=${pid},`))
			continue;
		n++;
		states.push(`${r.split(/\s+/)[0]} ${r.split(/\s+/)[4]}`);
		sent += Number(/bytes_sent:(\d+)/.exec(r)?.[1] ?? 0);
		received += Number(/bytes_received:(\d+)/.exec(r)?.[1] ?? 0);
	}
	return { n, sent, received, states };
}

/** utime + stime of pid in seconds. */
function cpu(pid) {
	const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
	const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
	return (Number(f[11]) + Number(f[12])) / TICK; // fields 14 and 15
}

// --- the server ----------------------------------------------------------

async function rest(url, method, p, body) {
	const r = await fetch(`${url}${p}`, {
		method,
		headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
		body: JSON.stringify(body),
	});
	const text = await r.text();
	if (r.status !== 200)
		throw new Error(`${method} ${p}: HTTP ${r.status}: ${text.slice(0, 200)}`);
}

async function seed(url, room, data) {
	await rest(url, "POST", "/v2/rooms", { id: room, defaultAccesses: ["room:write"] });
	await rest(url, "POST", `/v2/rooms/${room}/storage`, { liveblocksType: "LiveObject", data });
}

const item = (i) => ({ liveblocksType: "LiveObject", data: { a: i, b: `item ${i}`, c: i % 2 === 0, d: (i * 7) % 100 } });

// --- the watchers ----------------------------------------------------------

/**
 * A process printing one JSON line per event: {name, child, pid, lines
 * (each {json, at}), notes, until(pred, what, ms), stop()}.
 */
function watcher(name, cmd, args, env, ready, cwd) {
	const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
	const w = { name, child, pid: child.pid, lines: [], notes: [], skipped: 0 };
	const exited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
	createInterface({ input: child.stdout }).on("line", (l) => w.lines.push(JSON.parse(l)));
	createInterface({ input: child.stderr }).on("line", (l) => {
		w.notes.push(l);
		const m = /^\((\d+) ops came faster than they could be printed\)/.exec(l);
		if (m)
			w.skipped += Number(m[1]);
	});
	w.until = async (pred, what, ms = 15000) => {
		const deadline = Date.now() + ms;
		while (!pred(w)) {
			if (child.exitCode !== null)
				throw new Error(`${name} exited (${child.exitCode}) waiting for ${what}: ${w.notes.join("\n")}`);
			if (Date.now() > deadline)
				throw new Error(`${name}: no ${what} in ${ms} ms: ${w.notes.join("\n")}`);
			await sleep(20);
		}
	};
	w.ready = () => w.until((x) => x.notes.some((n) => ready.test(n)), "start");
	w.stop = async (sig = "SIGINT") => {
		if (child.exitCode === null && child.signalCode === null)
			child.kill(sig);
		return exited;
	};
	return w;
}

function lbtuiWatch(url, room, poll) {
	const args = ["-e", `storage ${room} --watch${poll ? " --poll" : ""}`, "--json"];
	return watcher(poll ? "lbtui --poll" : "lbtui", opts.bin, args, toolEnv(url), /watching the Storage/);
}

function sdkWatch(url, room, quiet) {
	const args = [path.join(HERE, "sdk_live_subscriber.mjs"), url, room, ...(quiet ? ["--quiet"] : [])];
	return watcher("sdk", process.execPath, args, toolEnv(url), /^ready$/, path.join(ROOT, "tests"));
}

// --- the writer ----------------------------------------------------------

/**
 * A @liveblocks/client in this process whose socket notes when each value
 * of root key "t" leaves: {room, root, sent (value -> ms), leave()}.
 */
async function writer(url, room) {
	const sent = new Map();
	const frames = []; // [ms, ops] of each frame of ops sent
	class TimedSocket extends WebSocket {
		send(data, ...rest) {
			const ms = Date.now();
			if (typeof data === "string" && data.startsWith("[")) {
				let ops = 0;
				for (const m of [].concat(JSON.parse(data)))
					ops += m.ops?.length ?? 0;
				if (ops)
					frames.push([ms, ops]);
			}
			if (typeof data === "string" && data.includes('"t"')) {
				for (const m of [].concat(JSON.parse(data)))
					for (const op of m.ops ?? [])
						if (op.data && "t" in op.data && !sent.has(op.data.t))
							sent.set(op.data.t, ms);
			}
			return super.send(data, ...rest);
		}
	}
	const client = createClient({ publicApiKey: "pk_localdev", baseUrl: url, polyfills: { WebSocket: TimedSocket }, throttle: 16 });
	const { room: r, leave } = client.enterRoom(room, { initialPresence: {} });
	const { root } = await r.getStorage();
	return { room: r, root, sent, frames, leave };
}

// --- the phases ----------------------------------------------------------

const pct = (xs, p) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const f1 = (x) => x.toFixed(1);
const mib = (kib) => (kib / 1024).toFixed(1);

/** For each value 1..n, the first time a watcher showed it or a later one. */
function seenTimes(entries, n) {
	const out = [];
	for (let v = 1; v <= n; v++) {
		const e = entries.find((x) => x.v >= v);
		out.push(e ? e.ms : NaN);
	}
	return out;
}

async function latency(url) {
	await seed(url, SMALL, { t: -2 });
	const lb = lbtuiWatch(url, SMALL, false);
	const poll = lbtuiWatch(url, SMALL, true);
	const sdk = sdkWatch(url, SMALL, false);
	await Promise.all([lb.ready(), poll.ready(), sdk.ready()]);
	const w = await writer(url, SMALL);
	// A first change reaches everyone before anything is timed.
	await sleep(1000);
	w.root.set("t", -1);
	const pushT = (x) => x.lines.filter((o) => o.path === "/t" && typeof o.after === "number").map((o) => ({ v: o.after, ms: Date.parse(o.time) }));
	const sdkT = (x) => x.lines.filter((o) => typeof o.t === "number").map((o) => ({ v: o.t, ms: o.ms }));
	const has = (f, v) => (x) => f(x).some((e) => e.v >= v);
	await Promise.all([lb.until(has(pushT, -1), "warm-up op"), poll.until(has(pushT, -1), "warm-up re-read"),
		sdk.until(has(sdkT, -1), "warm-up change")]);
	await sleep(500);

	const set = new Map();
	const t0 = Date.now();
	for (let i = 1; i <= opts.n; i++) {
		set.set(i, Date.now());
		w.root.set("t", i);
		await sleep(Math.max(0, t0 + i * opts.spacing - Date.now()));
	}
	await Promise.all([lb.until(has(pushT, opts.n), "last op"), sdk.until(has(sdkT, opts.n), "last change"),
		poll.until(has(pushT, opts.n), "last re-read", 5000)]);
	const sent = [];
	for (let i = 1; i <= opts.n; i++) {
		if (!w.sent.has(i))
			throw new Error(`value ${i} was never seen leaving the writer's socket`);
		sent.push(w.sent.get(i));
	}
	const lat = (seen) => seen.map((ms, k) => ms - sent[k]);
	const r = {
		lbtui: lat(seenTimes(pushT(lb), opts.n)),
		sdk: lat(seenTimes(sdkT(sdk), opts.n)),
		poll: lat(seenTimes(pushT(poll), opts.n)),
		throttle: sent.map((ms, k) => ms - set.get(k + 1)),
		exact: {
			lbtui: new Set(pushT(lb).map((e) => e.v)).size,
			sdk: new Set(sdkT(sdk).map((e) => e.v)).size,
		},
	};
	r.rss = { lbtui: status(lb.pid).hwm, poll: status(poll.pid).hwm, sdk: status(sdk.pid).hwm };
	return { r, lb, poll, sdk, w };
}

async function idle(procs) {
	const snap = (p) => ({ io: io(p.pid), st: status(p.pid), cpu: cpu(p.pid), tcp: sockets(p.pid) });
	const before = procs.map(snap);
	await sleep(opts.idle * 1000);
	return procs.map((p, k) => {
		const a = before[k];
		const b = snap(p);
		return {
			name: p.name,
			sockets: b.tcp.n,
			states: b.tcp.states,
			tcpSent: b.tcp.sent - a.tcp.sent,
			tcpReceived: b.tcp.received - a.tcp.received,
			rchar: b.io.rchar - a.io.rchar,
			wchar: b.io.wchar - a.io.wchar,
			syscr: b.io.syscr - a.io.syscr,
			syscw: b.io.syscw - a.io.syscw,
			vcs: b.st.vcs - a.st.vcs,
			ncs: b.st.ncs - a.st.ncs,
			cpu: b.cpu - a.cpu,
			ops: p.lines.length,
		};
	});
}

/** strace attached to pid for the idle time: the calls, by name, and each read or write. */
async function straceIdle(pid) {
	const out = path.join(os.tmpdir(), `lbtui-live-strace-${process.pid}.txt`);
	const st = spawn("strace", ["-f", "-tt", "-s", "64", "-o", out, "-p", String(pid)], { stdio: ["ignore", "ignore", "pipe"] });
	const done = new Promise((r) => st.on("exit", r));
	await sleep(opts.idle * 1000);
	st.kill("SIGINT");
	await done;
	const lines = fs.readFileSync(out, "utf8").split("\n").filter((l) => /^\d+\s+\d\d:/.test(l));
	fs.rmSync(out, { force: true });
	const byName = {};
	const data = [];
	for (const l of lines) {
		const m = /^\d+\s+(\S+)\s+(?:<\.\.\. )?(\w+)/.exec(l);
		if (!m || /resumed>|unfinished/.test(l) && !/^\d+\s+\S+\s+\w+\(/.test(l))
			continue;
		byName[m[2]] = (byName[m[2]] || 0) + 1;
		if (/^(read|write|recvfrom|sendto|recvmsg|sendmsg|send|recv)$/.test(m[2]) && !/= -1 EAGAIN/.test(l))
			data.push(l.replace(/^\d+\s+/, ""));
	}
	return { byName, data };
}

async function bigDoc(url) {
	const items = [];
	for (let i = 0; i < opts.items; i++)
		items.push(item(i));
	await seed(url, BIG, { items: { liveblocksType: "LiveList", data: items } });
	return 2 + opts.items * 5;
}

/**
 * The writer updates one field of a list item opts.rate times a second
 * for opts.seconds, to base + 0, 1, ...: {seq (ops made), t0, wall (s), inWindow(ms), wrote
 * (ops its socket sent in the window), frames}.
 */
async function pump(w, base) {
	const list = w.root.get("items");
	const perBatch = Math.max(1, Math.round(opts.rate / 100));
	let seq = 0;
	const t0 = Date.now();
	const end = t0 + opts.seconds * 1000;
	while (Date.now() < end) {
		const due = Math.floor(((Date.now() - t0) / 1000) * opts.rate);
		while (seq < due) {
			const n = Math.min(perBatch, due - seq);
			w.room.batch(() => {
				for (let k = 0; k < n; k++, seq++)
					list.get(seq % opts.items).set("a", base + seq);
			});
		}
		await sleep(10);
	}
	const wall = (Date.now() - t0) / 1000;
	const inWindow = (ms) => ms >= t0 && ms < t0 + wall * 1000;
	const sent = w.frames.filter(([ms]) => inWindow(ms));
	return { seq, t0, wall, inWindow, wrote: sent.reduce((n, [, k]) => n + k, 0), frames: sent.length };
}

/** CPU seconds of each named pid (NaN for none) and of this process. */
function cpus(pids) {
	const out = { self: process.cpuUsage() };
	for (const [k, pid] of Object.entries(pids))
		out[k] = pid ? cpu(pid) : NaN;
	return out;
}

/** CPU of each as a fraction of one core between snapshots a and b. */
function cpuShare(a, b, wall) {
	const out = { writer: (b.self.user + b.self.system - a.self.user - a.self.system) / 1e6 / wall };
	for (const k of Object.keys(a))
		if (k !== "self")
			out[k] = (b[k] - a[k]) / wall;
	return out;
}

/** lbtui in batch mode and the SDK subscriber watch the big room under the stream. */
async function stream(url) {
	const lb = lbtuiWatch(url, BIG, false);
	const sdk = sdkWatch(url, BIG, true);
	all.push(lb, sdk);
	await Promise.all([lb.ready(), sdk.ready()]);
	const w = await writer(url, BIG);
	await sleep(2000); // lbtui and the subscriber have Storage
	const loaded = { lbtui: status(lb.pid).hwm, sdk: status(sdk.pid).hwm };
	const pids = { lbtui: lb.pid, sdk: sdk.pid, server: serverPid(url) };
	const lines0 = lb.lines.length;
	const c0 = cpus(pids);
	const P = await pump(w, STREAM_BASE);
	const c1 = cpus(pids);
	const printed = lb.lines.length - lines0 + lb.skipped;
	// Then everything sent arrives (ops still in flight are not in the window).
	const isLast = (o) => o.after === STREAM_BASE + P.seq - 1 && /\/a$/.test(o.path);
	await lb.until((x) => x.lines.some(isLast), "the last op of the stream", 60000);
	const streamOps = lb.lines.slice(lines0).filter((o) => o.after >= STREAM_BASE);
	const r = {
		sent: P.seq,
		wall: P.wall,
		printed,
		wrote: P.wrote,
		frameCount: P.frames,
		applied: streamOps.filter((o) => P.inWindow(Date.parse(o.time))).length,
		lag: Date.parse(streamOps.at(-1).time) - (P.t0 + P.wall * 1000),
		skipped: lb.skipped,
		cpu: cpuShare(c0, c1, P.wall),
		loaded,
		peak: { lbtui: status(lb.pid).hwm, sdk: status(sdk.pid).hwm },
	};
	await sdk.stop("SIGTERM");
	r.sdkUpdates = sdk.lines.at(-1)?.updates ?? NaN;
	const code = (await lb.stop()).code;
	if (code !== 130)
		throw new Error(`lbtui exited with ${code} after SIGINT: ${lb.notes.join("\n")}`);
	w.leave();
	return r;
}

/**
 * The screen alone watches the big room under the same stream (its pty
 * is read and its output parsed in this process, next to the writer).
 */
async function screenStream(url) {
	const tui = await screenWatch(url, BIG);
	const w = await writer(url, BIG);
	await sleep(2000);
	const loaded = status(tui.pid).hwm;
	const pids = { tui: tui.pid, server: serverPid(url) };
	const c0 = cpus(pids);
	const P = await pump(w, 2 * STREAM_BASE); // values the first stream did not leave
	const c1 = cpus(pids);
	const statusLine = (tui.screenText().split("\n").find((l) => /ops\/s/.test(l)) ?? "").trim().replace(/\s+/g, " ");
	await sleep(3000);
	const c2 = cpus(pids);
	const r = {
		wall: P.wall,
		wrote: P.wrote,
		loaded,
		peak: status(tui.pid).hwm,
		cpu: cpuShare(c0, c1, P.wall),
		after: cpuShare(c1, c2, 3),
		statusLine,
	};
	await tui.close();
	w.leave();
	return r;
}

/** The screen watching room live: the Lbtui of tests/e2e/harness.mjs. */
async function screenWatch(url, room) {
	process.env.LBTUI_BIN = opts.bin;
	const t = spawnLbtui({ cols: 110, rows: 32, env: serverEnv(url) });
	all.push({ stop: () => t.close() });
	await t.waitFor(/ \d+\+? rooms │/, { timeout: 15000 });
	t.command(`:storage ${room} --watch`);
	await t.waitFor(() => /\[live \(push\)\]/.test(t.row(1)), { timeout: 30000 });
	return t;
}

/** The dev server's process (bun) listening on the URL's port, if found. */
function serverPid(url) {
	const port = new URL(url).port;
	const ss = spawnSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" }).stdout || "";
	const m = /pid=(\d+)/.exec(ss);
	return m ? Number(m[1]) : null;
}

// --- the run ---------------------------------------------------------------

const opts = parseArgs(process.argv.slice(2));
if (!fs.existsSync(opts.bin)) {
	console.error(`live.mjs: ${opts.bin} not found (run scripts/setup.sh first)`);
	process.exit(2);
}
const strace = !opts["no-strace"] && spawnSync("strace", ["-V"]).status === 0;

const server = await startServer(opts.emulator);
const all = [];
try {
	console.log(machine(opts.bin));
	console.log(`server: ${opts.emulator ? "the emulator in front of the dev server" : "the dev server"} at ${server.url}`);

	// 1 and 2: latency and memory on a small room.
	const { r: L, lb, poll, sdk, w } = await latency(server.url);
	all.push(lb, poll, sdk);
	const med = { lbtui: median(L.lbtui), sdk: median(L.sdk), poll: median(L.poll) };
	const p90 = { lbtui: pct(L.lbtui, 90), sdk: pct(L.sdk, 90), poll: pct(L.poll, 90) };
	const ratio = med.lbtui / med.sdk;
	console.log("");
	console.log(`latency: ${opts.n} changes of root key "t", one every ${opts.spacing} ms, from the writer's socket send to the watcher's clock`);
	console.log("watcher              median ms   p90 ms   min ms   max ms   values seen   peak RSS MiB");
	const row = (name, xs, seen, kib) =>
		console.log(`${name.padEnd(20)} ${f1(median(xs)).padStart(9)} ${f1(pct(xs, 90)).padStart(8)} ${f1(Math.min(...xs)).padStart(8)} ` +
			`${f1(Math.max(...xs)).padStart(8)} ${String(seen).padStart(13)} ${mib(kib).padStart(14)}`);
	row("lbtui (push)", L.lbtui, L.exact.lbtui, L.rss.lbtui);
	row("sdk subscriber", L.sdk, L.exact.sdk, L.rss.sdk);
	row("lbtui --poll (1 s)", L.poll, new Set(poll.lines.filter((o) => o.path === "/t").map((o) => o.after)).size, L.rss.poll);
	console.log(`writer: set -> socket send (the SDK's throttle, not in the figures above): median ${f1(median(L.throttle))} ms`);
	console.log(`lbtui/sdk median: ${ratio.toFixed(2)}x (target <= 1.5x: ${verdict(ratio <= 1.5)}); p90 ${(p90.lbtui / p90.sdk).toFixed(2)}x`);
	const rssRatio = L.rss.lbtui / L.rss.sdk;
	console.log(`peak RSS lbtui/sdk: ${rssRatio.toFixed(3)} (target <= 0.25: ${verdict(rssRatio <= 0.25)})`);

	// 3: idle, the same room, nothing changing.
	await poll.stop();
	console.log("");
	console.log(`idle: ${opts.idle} s, nothing changing (/proc: io rchar/wchar and read/write calls, which miss send() and recv(); voluntary context switches; CPU)`);
	const I = await idle([lb, sdk]);
	console.log("process          rchar B   wchar B   read calls   write calls   vol. switches   invol.   CPU ms   lines");
	for (const x of I)
		console.log(`${x.name.padEnd(14)} ${String(x.rchar).padStart(9)} ${String(x.wchar).padStart(9)} ${String(x.syscr).padStart(12)} ` +
			`${String(x.syscw).padStart(13)} ${String(x.vcs).padStart(15)} ${String(x.ncs).padStart(8)} ${(x.cpu * 1000).toFixed(0).padStart(8)} ` +
			`${String(x.ops).padStart(7)}`);
	const li = I[0];
	for (const x of I)
		console.log(`${x.name}: ${x.sockets} TCP socket${x.sockets === 1 ? "" : "s"}, ${x.tcpSent} bytes sent and ${x.tcpReceived} received (ss -ti: bytes_sent, bytes_received); now ${x.states.join(", ")}`);
	console.log(`lbtui wake-ups per second: ${(li.vcs / opts.idle).toFixed(2)}`);
	if (strace) {
		console.log("");
		console.log(`idle again, ${opts.idle} s, strace -f attached to lbtui: every system call`);
		const S = await straceIdle(lb.pid);
		console.log(`calls: ${Object.entries(S.byName).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
		for (const l of S.data)
			console.log(`  ${l}`);
	} else {
		console.log("(strace not run)");
	}
	await sdk.stop("SIGTERM");
	const code = (await lb.stop()).code;
	if (code !== 130)
		throw new Error(`lbtui exited with ${code} after SIGINT`);
	w.leave();

	// 2 and 4: the big document, then a stream of ops on it.
	const t0 = Date.now();
	const nodes = await bigDoc(server.url);
	console.log("");
	console.log(`big document: ${nodes} nodes (a LiveList of ${opts.items} LiveObjects of 4 fields), seeded in ${Date.now() - t0} ms`);
	const C = await stream(server.url);
	console.log("process          peak RSS loaded MiB   peak RSS after stream MiB   CPU % of a core");
	console.log(`lbtui            ${mib(C.loaded.lbtui).padStart(19)} ${mib(C.peak.lbtui).padStart(27)} ${f1(C.cpu.lbtui * 100).padStart(17)}`);
	console.log(`sdk subscriber   ${mib(C.loaded.sdk).padStart(19)} ${mib(C.peak.sdk).padStart(27)} ${f1(C.cpu.sdk * 100).padStart(17)}`);
	console.log(`stream: ${C.sent} ops sent in ${f1(C.wall)} s (${f1(C.sent / C.wall)}/s); lbtui printed ${C.printed} in the window ` +
		`(${f1(C.printed / C.wall)}/s${C.skipped ? `, ${C.skipped} not printed: came faster` : ""}); ` +
		`the subscriber was told of ${C.sdkUpdates} updates in all`);
	console.log(`the writer's socket sent ${C.wrote} ops in ${C.frameCount} frames in the window (${f1(C.wrote / C.wall)}/s); ` +
		`lbtui applied ${C.applied} in the window by its own clock (${f1(C.applied / C.wall)}/s), the last ${C.lag} ms after it ended`);
	console.log(`other CPU in the window: dev server ${f1(C.cpu.server * 100)}%, writer (this process) ${f1(C.cpu.writer * 100)}%`);
	const bigRatio = C.peak.lbtui / C.peak.sdk;
	console.log(`peak RSS lbtui/sdk on ${nodes} nodes: ${bigRatio.toFixed(3)} (target <= 0.25: ${verdict(bigRatio <= 0.25)})`);
	const rate = C.applied / C.wall;
	// CPU per op applied, scaled to the rate asked: the estimate when the
	// server did not deliver the stream at that rate within the window.
	const scaled = (C.cpu.lbtui / rate) * opts.rate;
	console.log(`lbtui CPU: ${f1(C.cpu.lbtui * 100)}% of a core at ${f1(rate)} ops/s applied; ` +
		`${((C.cpu.lbtui * C.wall * 1e6) / C.applied).toFixed(0)} µs per op, so ${f1(scaled * 100)}% at ${opts.rate}/s ` +
		`(target < 10% at ${opts.rate}/s: ${rate >= 0.9 * opts.rate ? verdict(C.cpu.lbtui < 0.1)
			: `${verdict(scaled < 0.1)}, estimated: the server delivered ${f1(rate)}/s in the window`})`);

	if (!opts["no-tui"]) {
		const T = await screenStream(server.url);
		console.log("");
		console.log(`the screen (:storage ${BIG} --watch in a pty, 110x32) alone under the same stream:`);
		console.log(`  peak RSS ${mib(T.loaded)} MiB loaded, ${mib(T.peak)} MiB after; CPU ${f1(T.cpu.tui * 100)}% of a core ` +
			`(${f1(T.after.tui * 100)}% in the 3 s after); the writer's socket sent ${f1(T.wrote / T.wall)} ops/s ` +
			`(dev server ${f1(T.cpu.server * 100)}%, this process ${f1(T.cpu.writer * 100)}%)`);
		console.log(`  its status line at the end: ${T.statusLine}`);
	}
} finally {
	for (const p of all)
		await p.stop("SIGKILL");
	await server.stop();
}
process.exit(process.exitCode ?? 0);
