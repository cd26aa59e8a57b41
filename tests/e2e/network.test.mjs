// The network misbehaving under lbtui, end to end: a change whose
// connection dies goes out once and says that its outcome is unknown; a
// server that never answers is reported with the limit it ran into; a
// document printed to a reader that does not keep up (a huge one, a gzip
// bomb) arrives whole in bounded memory.

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { spawn } from "node:child_process";
import zlib from "node:zlib";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, lbtuiBin, makeHome, rest, runBatch, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

const UNSURE =
	/outcome unknown: no answer from 127\.0\.0\.1:\d+: the connection closed after the request was sent, so it may or may not have been applied; check before trying again/;

describe("a change goes out at most once", () => {
	let stack, env;
	const room = uniq("once");
	const running = [];

	before(async () => {
		stack = await startStack();
		env = serverEnv(stack.url);
		await createRoom(stack.url, room);
	});
	after(async () => {
		if (stack)
			await stack.stop();
	});
	afterEach(async () => {
		for (const t of running.splice(0))
			await t.close();
	});

	async function control(method, p, body) {
		const r = await fetch(stack.control + p, {
			method,
			headers: body ? { "Content-Type": "application/json" } : {},
			body: body ? JSON.stringify(body) : undefined,
		});
		const text = await r.text();
		assert.ok(r.ok, `${method} ${p}: ${r.status} ${text}`);
		return text ? JSON.parse(text) : null;
	}
	const count = async (method, route) =>
		(await control("GET", `/requests?method=${method}&path=${encodeURIComponent(route)}`)).count;
	// The server does the change, then closes the connection without an answer.
	const dropAfter = (method, path) => control("POST", "/faults", { method, path, type: "drop", after: true, count: 1 });

	afterEach(async () => {
		await control("DELETE", "/faults");
		await control("DELETE", "/requests");
	});

	// `room show` first leaves a kept-alive connection for the change to take.
	test("room broadcast on a connection that closes under it: sent once, outcome unknown", async () => {
		await dropAfter("POST", "/v2/rooms/:roomId/broadcast-event");
		const r = await runBatch(["-v", "-e", `room show ${room}`, "-e", `room broadcast ${room} '{"kind":"ping"}'`], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, UNSURE);
		// curl wanted to send it again on a new connection: refused. The log
		// (the request log's line: the path, no host) says so, and never
		// shows the key.
		assert.match(r.stderr, /^http: POST \/v2\/rooms\/[^ ]+\/broadcast-event failed \(no answer; not sent again\) \d+ ms \d+ bytes BROADCAST_EVENT_SDK$/m);
		assert.ok(!r.stderr.includes(env.LIVEBLOCKS_SECRET_KEY), r.stderr);
		assert.equal(await count("POST", "/v2/rooms/:roomId/broadcast-event"), 1);
		assert.equal(await count("GET", "/v2/rooms/:roomId"), 1);
	});

	test("room create on a connection that closes under it: sent once, the room made once", async () => {
		const id = uniq("once-new");
		await dropAfter("POST", "/v2/rooms");
		const r = await runBatch(["-e", `room show ${room}`, "-e", `room create ${id}`], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, UNSURE);
		assert.equal(await count("POST", "/v2/rooms"), 1);
		assert.equal((await rest(stack.url, "GET", `/v2/rooms/${id}`)).status, 200, "the server did create it");
	});

	test("D on the screen, the connection closes under the DELETE: sent once, told, still running", async () => {
		const id = uniq("once-del");
		await createRoom(stack.url, id);
		const t = spawnLbtui({ cols: 180, rows: 24, env });
		running.push(t);
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:rooms --prefix ${id}`);
		await t.waitFor(/rooms \[/);
		await t.waitFor(id);
		await t.waitIdle();
		await dropAfter("DELETE", "/v2/rooms/:roomId");
		t.write("D");
		await t.waitFor(() => t.row(-1).includes(`Delete room ${id}?`));
		t.command(id);
		await t.waitFor(UNSURE, { timeout: 10000 });
		assert.equal(await count("DELETE", "/v2/rooms/:roomId"), 1);
		assert.equal((await rest(stack.url, "GET", `/v2/rooms/${id}`)).status, 404, "the server did delete it");
		// The list is read again, and shows what the server did.
		await t.waitFor(() => !new RegExp(`${id} +\\d{4}-`).test(t.screenText()));
		// Still running and usable.
		t.command(`:room show ${room}`);
		await t.waitFor(`› ${room}`);
		assert.equal(await t.exit(), 0);
	});
});

describe("a server that never answers", () => {
	let stack, env;
	const room = uniq("stall");

	before(async () => {
		stack = await startStack();
		env = serverEnv(stack.url, { LBTUI_TIMEOUT: "1" });
		await createRoom(stack.url, room);
	});
	after(async () => {
		if (stack)
			await stack.stop();
	});

	const fault = (rule) =>
		fetch(stack.control + "/faults", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(rule) }).then((r) => r.text());
	afterEach(() => fetch(stack.control + "/faults", { method: "DELETE" }));

	// "(ran 1.2 s)": the seconds.
	function ran(stderr) {
		const m = /\(ran (\d+\.\d) s\)/.exec(stderr);
		assert.ok(m, stderr);
		return Number(m[1]);
	}

	test("a read the server stalls: the request limit and how long each attempt ran", async () => {
		await fault({ method: "GET", path: "/v2/rooms/:roomId", type: "stall" });
		const r = await runBatch(["-e", `room show ${room}`], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /^lbtui: network error: no response from 127\.0\.0\.1:\d+ within the 1 s limit for a request \(ran \d+\.\d s\); gave up after 4 attempts$/m);
		assert.ok(ran(r.stderr) >= 1 && ran(r.stderr) < 3, r.stderr);
	});

	test("a change the server stalls: the limit, the time, and that it may have been applied", async () => {
		await fault({ method: "POST", path: "/v2/rooms/:roomId/broadcast-event", type: "stall" });
		const r = await runBatch(["-e", `room broadcast ${room} '{"kind":"ping"}'`], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /^lbtui: outcome unknown: no response from 127\.0\.0\.1:\d+ within the 1 s limit for a request \(ran \d+\.\d s\), so it may or may not have been applied; check before trying again$/m);
		assert.ok(ran(r.stderr) >= 1 && ran(r.stderr) < 3, r.stderr);
	});

	test("a TCP server that accepts and says nothing: no response within the limit, not 'could not connect'", async () => {
		const sockets = new Set();
		const server = net.createServer((s) => {
			sockets.add(s);
			s.on("error", () => {});
			s.on("close", () => sockets.delete(s));
		});
		await new Promise((r) => server.listen(0, "127.0.0.1", r));
		const url = `http://127.0.0.1:${server.address().port}`;
		try {
			const r = await runBatch(["-e", "room broadcast x '{}'"], serverEnv(url, { LBTUI_TIMEOUT: "1.5", LBTUI_CONNECT_TIMEOUT: "1" }));
			assert.equal(r.code, 1, r.stderr);
			assert.match(r.stderr, new RegExp(`no response from 127\\.0\\.0\\.1:${server.address().port} within the 1\\.5 s limit for a request \\(ran \\d+\\.\\d s\\)`));
			assert.ok(ran(r.stderr) >= 1.5 && ran(r.stderr) < 3.5, r.stderr);
			assert.doesNotMatch(r.stderr, /could not connect/);
		} finally {
			for (const s of sockets)
				s.destroy();
			await new Promise((r) => server.close(r));
		}
	});

	test("LBTUI_TIMEOUT that is not a number of seconds is a configuration error", async () => {
		const r = await runBatch(["-e", `room show ${room}`], serverEnv(stack.url, { LBTUI_TIMEOUT: "soon" }));
		assert.equal(r.code, 2);
		assert.match(r.stderr, /LBTUI_TIMEOUT must be a number of seconds, above 0 and at most 86400 \(it is 'soon'\)/);
	});
});

// --- a document to a reader that does not keep up ----------------------------

// Peak memory is measured on a build without sanitizers (theirs is many
// times larger): LBTUI_BIN itself when it is one, else its plain sibling
// (build-san/lbtui → build/lbtui, lbtui-san → lbtui).
function plainBinary() {
	const bin = lbtuiBin();
	const sanitized = (b) => fs.readFileSync(b).includes("__asan_init");
	const candidates = [bin, bin.replace(/-san$/, ""), bin.replace(/([/\\])build-san([/\\])/, "$1build$2")];
	for (const c of candidates)
		if (fs.existsSync(c) && !sanitized(c))
			return c;
	throw new Error(`no build without sanitizers next to ${bin} (tried ${candidates.join(", ")}): build one, for the peak-memory test`);
}

// What `storage ROOM` must print for a body of head, n times fill, tail:
// the same bytes and a final newline. Checked as they arrive.
function expected(head, fill, n, tail) {
	const want = { head: Buffer.from(head), tail: Buffer.from(tail + "\n"), n };
	const fillBuf = Buffer.alloc(1 << 20, fill);
	const length = want.head.length + n + want.tail.length;
	let at = 0;
	let bad = -1;
	const byteAt = (i) => (i < want.head.length ? want.head[i] : i < want.head.length + n ? fillBuf[0] : want.tail[i - want.head.length - n]);
	return {
		length,
		feed(buf) {
			let i = 0;
			while (bad < 0 && i < buf.length) {
				const p = at + i;
				const inFill = p >= want.head.length && p < want.head.length + n;
				if (inFill) {
					const len = Math.min(buf.length - i, want.head.length + n - p, fillBuf.length);
					if (buf.compare(fillBuf, 0, len, i, i + len) !== 0)
						bad = p;
					i += len;
				} else {
					if (p >= length || buf[i] !== byteAt(p))
						bad = p;
					i++;
				}
			}
			at += buf.length;
		},
		get received() {
			return at;
		},
		get firstWrong() {
			return bad;
		},
	};
}

/** The pid of the one child of pid (the program /usr/bin/time runs), or 0. */
function childOf(pid) {
	try {
		return Number(fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0]) || 0;
	} catch {
		return 0;
	}
}

function rssKiB(pid) {
	try {
		const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
		return m ? Number(m[1]) : 0;
	} catch {
		return 0;
	}
}

/**
 * Run bin -e 'storage ROOM' against url with a reader that takes nothing
 * for pauseMs, then reads and checks everything; peak RSS through GNU
 * time. A run that grows past killKiB is stopped (and fails).
 * Resolves {code, stderr, peakKiB, received, firstWrong}.
 */
async function printToSlowReader(bin, url, room, want, { pauseMs, killKiB = 256 * 1024 }) {
	const home = makeHome();
	const rssFile = path.join(home, "rss");
	const child = spawn("/usr/bin/time", ["-f", "%M", "-o", rssFile, bin, "-e", `storage ${room}`], {
		env: {
			PATH: process.env.PATH,
			HOME: home,
			LANG: "C.UTF-8",
			XDG_CONFIG_HOME: path.join(home, ".config"),
			XDG_STATE_HOME: path.join(home, ".local", "state"),
			...serverEnv(url),
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stderr = "";
	let killed = false;
	child.stderr.setEncoding("utf8");
	child.stderr.on("data", (d) => (stderr += d));
	const guard = setInterval(() => {
		const pid = childOf(child.pid);
		if (pid && rssKiB(pid) > killKiB) {
			killed = true;
			process.kill(pid, "SIGKILL");
		}
	}, 50);
	setTimeout(() => child.stdout.on("data", (d) => want.feed(d)), pauseMs);
	const code = await new Promise((resolve) => child.on("close", resolve));
	clearInterval(guard);
	const peakKiB = Number(fs.readFileSync(rssFile, "utf8").trim().split("\n").pop());
	assert.ok(!killed, `lbtui grew past ${killKiB >> 10} MiB and was stopped`);
	return { code, stderr, peakKiB, received: want.received, firstWrong: want.firstWrong };
}

describe("a document to a reader that does not keep up", () => {
	const HEAD = '{"data":"';
	const TAIL = '"}';
	const PLAIN = 300_000_000; // bytes of the whole 300 MB body
	const BOMB = 1 << 30; // zeros inside the gzip bomb's JSON string
	const SAN = 60_000_000;
	let server, url, bomb, twice;
	const flushed = new Map(); // room → body bytes the socket took so far

	before(async () => {
		// 1 GiB of zeros in a JSON string, gzip at its best: about 1 MiB.
		const z = zlib.createGzip({ level: 9 });
		const parts = [];
		z.on("data", (d) => parts.push(d));
		const ended = new Promise((r) => z.on("end", r));
		z.write(HEAD);
		const zeros = Buffer.alloc(1 << 20, "0");
		for (let i = 0; i < BOMB / zeros.length; i++)
			if (!z.write(zeros))
				await new Promise((r) => z.once("drain", r));
		z.end(TAIL);
		await ended;
		bomb = Buffer.concat(parts);
		// 64 MiB of zeros gzipped, and gzipped again: a few KiB.
		const inner = zlib.gzipSync(Buffer.concat([Buffer.from(HEAD), Buffer.alloc(64 << 20, "0"), Buffer.from(TAIL)]), { level: 9 });
		twice = zlib.gzipSync(inner, { level: 9 });

		server = http.createServer(async (req, res) => {
			req.resume();
			const m = /^\/v2\/rooms\/([^/]+)\/storage$/.exec(req.url);
			const room = m?.[1] ?? "";
			const json = { "Content-Type": "application/json" };
			if (room === "bomb") {
				res.writeHead(200, { ...json, "Content-Encoding": "gzip", "Content-Length": bomb.length });
				res.end(bomb);
			} else if (room === "twice") {
				res.writeHead(200, { ...json, "Content-Encoding": "gzip, gzip", "Content-Length": twice.length });
				res.end(twice);
			} else if (room.startsWith("plain-")) {
				const size = Number(room.slice(6));
				res.writeHead(200, { ...json, "Content-Length": size });
				flushed.set(room, 0);
				const chunk = Buffer.alloc(1 << 20, "a");
				const send = (b) => res.write(b, () => flushed.set(room, flushed.get(room) + b.length));
				send(Buffer.from(HEAD));
				let left = size - HEAD.length - TAIL.length;
				res.setMaxListeners(0);
				while (left > 0 && !res.destroyed) {
					const n = Math.min(left, chunk.length);
					left -= n;
					if (!send(n === chunk.length ? chunk : chunk.subarray(0, n)))
						await new Promise((r) => {
							res.once("drain", r);
							res.once("close", r);
						});
				}
				res.end(TAIL);
			} else {
				res.writeHead(404, json);
				res.end('{"error":"ROOM_NOT_FOUND","message":"no such room"}');
			}
		});
		await new Promise((r) => server.listen(0, "127.0.0.1", r));
		url = `http://127.0.0.1:${server.address().port}`;
	});
	after(() => server?.close());

	test("300 MB to a reader that takes nothing for 4 s: every byte, under 32 MiB, the download held back", async () => {
		const room = `plain-${PLAIN}`;
		const want = expected(HEAD, "a", PLAIN - HEAD.length - TAIL.length, TAIL);
		let whilePaused = -1;
		setTimeout(() => (whilePaused = flushed.get(room) ?? 0), 3900);
		const r = await printToSlowReader(plainBinary(), url, room, want, { pauseMs: 4000 });
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.firstWrong, -1, `wrong byte at ${r.firstWrong}`);
		assert.equal(r.received, want.length);
		assert.ok(r.peakKiB < 32 * 1024, `peak RSS ${r.peakKiB} KiB`);
		// What it may hold (8 MiB), the pipe and the kernel's socket buffers.
		assert.ok(whilePaused >= 0 && whilePaused < 40e6, `${whilePaused} bytes went out while the reader took nothing`);
	});

	test("a gzip bomb (1 GiB of zeros in 1 MiB) to a reader that takes nothing for 4 s: every byte, under 32 MiB", async () => {
		const want = expected(HEAD, "0", BOMB, TAIL);
		const r = await printToSlowReader(plainBinary(), url, "bomb", want, { pauseMs: 4000 });
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.firstWrong, -1, `wrong byte at ${r.firstWrong}`);
		assert.equal(r.received, want.length);
		assert.ok(r.peakKiB < 32 * 1024, `peak RSS ${r.peakKiB} KiB`);
	});

	test("with sanitizers: a document paused and resumed arrives whole, and the download waits for the reader", async () => {
		const room = `plain-${SAN}`;
		let whilePaused = -1;
		setTimeout(() => (whilePaused = flushed.get(room) ?? 0), 2900);
		const r = await runBatch(["-e", `storage ${room}`], serverEnv(url), { readAfterMs: 3000, timeout: 60000 });
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stdout.length, SAN + 1);
		assert.equal(r.stdout, HEAD + "a".repeat(SAN - HEAD.length - TAIL.length) + TAIL + "\n");
		assert.ok(whilePaused >= 0 && whilePaused < 40e6, `${whilePaused} bytes went out while the reader took nothing`);
	});

	test("a document compressed twice is refused before any of it is inflated", async () => {
		const r = await runBatch(["-e", "storage twice"], serverEnv(url));
		assert.equal(r.code, 1);
		assert.equal(r.stdout, "");
		assert.match(r.stderr, /^lbtui: unexpected response: 127\.0\.0\.1:\d+ sent the response with the encoding 'gzip, gzip': lbtui reads at most one layer of gzip or deflate here$/m);
	});
});
