// The Liveblocks emulator: one base URL serving the whole REST reference.
// What the dev server implements is passed through to it; the rest is
// implemented here (resources/*.mjs). Faults, counters, the request log and
// coverage are driven through /__emulator/ (control.mjs).
//
//   import { startEmulator } from "./server.mjs";
//   const emu = await startEmulator({ port: 0, upstream: devUrl, dataDir });
//   emu.url   // "http://127.0.0.1:PORT"
//   await emu.close();

import http from "node:http";
import net from "node:net";
import { appendFileSync } from "node:fs";

import { ApiError, FixedClock, errorResponse, sleep, withClock } from "./util.mjs";
import { Router } from "./router.mjs";
import { Store } from "./store.mjs";
import { Upstream } from "./upstream.mjs";
import { Faults } from "./faults.mjs";
import { Coverage, referenceEndpoint } from "./endpoints.mjs";
import { createControl } from "./control.mjs";
import { createRooms } from "./resources/rooms.mjs";
import { createStorage } from "./resources/storage.mjs";
import { createYjs } from "./resources/yjs.mjs";
import { createNotifications } from "./resources/notifications.mjs";
import { createComments } from "./resources/comments.mjs";
import { createGroups } from "./resources/groups.mjs";
import { createAi } from "./resources/ai.mjs";
import { createAuth } from "./resources/auth.mjs";

const MAX_BODY = 64 * 1024 * 1024;
const LOG_SIZE = 2000;

function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let size = 0;
		req.on("data", (c) => {
			size += c.length;
			if (size > MAX_BODY) {
				reject(new ApiError(413, "PAYLOAD_TOO_LARGE", "Request body is larger than 64 MiB"));
				req.destroy();
				return;
			}
			chunks.push(c);
		});
		req.on("end", () => resolve(Buffer.concat(chunks)));
		req.on("error", reject);
	});
}

class Stats {
	constructor() {
		this.reset();
	}

	reset() {
		this.total = 0;
		this.routes = new Map();
		this.paths = new Map();
		this.log = [];
		this.seq = 0;
	}

	record(routeKey, pathKey, entry) {
		this.total++;
		this.routes.set(routeKey, (this.routes.get(routeKey) ?? 0) + 1);
		this.paths.set(pathKey, (this.paths.get(pathKey) ?? 0) + 1);
		entry.seq = ++this.seq;
		this.log.push(entry);
		if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
	}
}

function checkAuth(header, keys) {
	if (!header)
		throw new ApiError(
			401,
			"MISSING_SECRET_KEY",
			"Missing secret key",
			"Send your secret key in the Authorization header: 'Authorization: Bearer sk_…'",
		);
	const m = /^Bearer\s+(\S+)$/.exec(header);
	if (m && m[1].startsWith("pk_"))
		throw new ApiError(401, "WRONG_KEY_USED", "A public key was used where a secret key is required", "Use a secret key (sk_…)");
	if (!m || !keys.has(m[1]))
		throw new ApiError(403, "INVALID_SECRET_KEY", "Invalid secret key", "Check the secret key of your project");
}

/** A body that is not valid JSON: half of the real one plus an unterminated tail. */
function malform(body) {
	const half = body.subarray(0, Math.floor(body.length / 2));
	return Buffer.concat([half, Buffer.from('"}]{,')]);
}

/**
 * Starts the emulator. Options: port (0 = free port), host (127.0.0.1),
 * upstream (dev server URL, required), dataDir (persist state there),
 * secrets (extra accepted secret keys), logFile (append one JSON line per
 * request), coverageFile (defaults to $LBTUI_EMULATOR_COVERAGE), fixedClock
 * (an ISO date: the dates and IDs the emulator makes are the same run after
 * run; see FixedClock in util.mjs).
 * Resolves {url, port, close(), store, faults, stats, coverage}.
 */
export async function startEmulator(opts = {}) {
	if (!opts.upstream) throw new Error("startEmulator: 'upstream' (dev server URL) is required");
	const store = new Store(opts.dataDir);
	const up = new Upstream(opts.upstream);
	const faults = new Faults();
	const stats = new Stats();
	const coverage = new Coverage(opts.coverageFile);
	const keys = new Set(["sk_localdev", ...(opts.secrets ?? [])]);
	const router = new Router();
	const clock = opts.fixedClock ? new FixedClock(opts.fixedClock) : null;

	const env = { store, up };
	const notifications = createNotifications(env);
	for (const mod of [
		createRooms(env),
		createStorage(env),
		createYjs(env),
		notifications,
		createComments({ ...env, notifications }),
		createGroups(env),
		createAi(env),
		createAuth(env),
	])
		mod.register(router);

	// The room sockets proxied to the dev server, each [client, upstream].
	const roomSockets = new Set();
	const emu = { store, up, faults, stats, coverage, roomSockets };
	const control = createControl(emu);
	const stalled = new Set();
	const sockets = new Set();

	async function dispatch(ctx, match) {
		try {
			const needsKey = ctx.path.startsWith("/v2/") && !ctx.path.startsWith("/v2/c/") && (!match || match.route.auth);
			if (needsKey) checkAuth(ctx.headers.authorization, keys);
			if (match) {
				ctx.params = match.params;
				const out = await match.route.handler(ctx);
				return out;
			}
			return await up.forward(ctx);
		} catch (e) {
			if (e instanceof ApiError) return errorResponse(e);
			process.stderr.write(`emulator: ${ctx.method} ${ctx.path}: ${e.stack ?? e}\n`);
			return errorResponse(new ApiError(500, "INTERNAL_ERROR", String(e.message ?? e)));
		}
	}

	function send(res, out) {
		res.writeHead(out.status, { ...out.headers, "content-length": out.body.length });
		res.end(out.body);
	}

	async function sendOversize(res, mib) {
		const size = mib * 1024 * 1024;
		const head = Buffer.from('{"data":[],"nextCursor":null,"padding":"');
		const tail = Buffer.from('"}');
		res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": size });
		res.write(head);
		let left = size - head.length - tail.length;
		const chunk = Buffer.alloc(1024 * 1024, "a");
		while (left > 0 && !res.destroyed) {
			const n = Math.min(left, chunk.length);
			left -= n;
			if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
				await new Promise((r) => {
					res.once("drain", r);
					res.once("close", r);
				});
		}
		res.end(tail);
	}

	async function handle(req, res) {
		const url = new URL(req.url, "http://emulator");
		const path = url.pathname;
		const method = req.method;
		let body;
		try {
			body = await readBody(req);
		} catch (e) {
			if (e instanceof ApiError) send(res, errorResponse(e));
			return;
		}
		if (path === "/__emulator" || path.startsWith("/__emulator/")) {
			send(res, await control(method, path.slice("/__emulator".length), url.searchParams, body));
			return;
		}

		const t0 = performance.now();
		const match = router.match(method, path);
		const ep = referenceEndpoint(method, path);
		const routeKey = match ? `${method} ${match.route.template}` : ep ? `${method} /v2${ep.split(" ")[1]}` : `${method} ${path}`;
		const entry = { time: new Date().toISOString(), method, path, query: url.search, route: routeKey };
		stats.record(routeKey, `${method} ${path}`, entry);
		coverage.record(method, path, /^lbtui\//.test(req.headers["user-agent"] || ""));
		const finish = (status) => {
			entry.status = status;
			entry.ms = Math.round((performance.now() - t0) * 10) / 10;
			if (opts.logFile) {
				try {
					appendFileSync(opts.logFile, JSON.stringify(entry) + "\n");
				} catch {
					/* the log is best effort */
				}
			}
		};

		const rule = faults.take(method, path);
		if (rule) entry.fault = rule.type + (rule.status ? ` ${rule.status}` : "") + (rule.after ? " after" : "");
		if (rule?.latencyMs) await sleep(rule.latencyMs);
		if (rule?.type === "drop" && !rule.after) {
			finish(0);
			req.socket.destroy();
			return;
		}
		if (rule?.type === "stall") {
			finish(0);
			stalled.add(res);
			res.on("close", () => stalled.delete(res));
			return;
		}

		let out;
		if (rule?.type === "status") {
			const headers = rule.retryAfter !== undefined ? { "retry-after": String(rule.retryAfter) } : {};
			const text = http.STATUS_CODES[rule.status] ?? "Error";
			out = errorResponse(new ApiError(rule.status, rule.status === 429 ? "RATE_LIMITED" : "INJECTED_FAULT", `${text} (injected by the emulator)`));
			Object.assign(out.headers, headers);
		} else {
			const ctx = {
				method,
				path,
				search: url.search,
				query: url.searchParams,
				headers: req.headers,
				body,
				params: {},
				json() {
					if (body.length === 0) return undefined;
					try {
						return JSON.parse(body.toString("utf8"));
					} catch {
						throw new ApiError(400, "INVALID_REQUEST", "The request body is not valid JSON");
					}
				},
			};
			out = await dispatch(ctx, match);
		}
		if (method !== "GET" && out.status < 300 && match) store.changed();

		// Done, and the client never hears it: the case where sending the
		// request again would do it twice.
		if (rule?.type === "drop") {
			finish(0);
			req.socket.destroy();
			return;
		}
		finish(out.status);

		switch (rule?.type) {
			case "truncate": {
				let b = out.body;
				if (b.length < 2 || out.status === 204) {
					b = Buffer.from(JSON.stringify({ data: [], padding: "x".repeat(256) }));
					out = { status: 200, headers: { "content-type": "application/json; charset=utf-8" }, body: b };
				}
				res.writeHead(out.status, { ...out.headers, "content-length": b.length });
				res.write(b.subarray(0, Math.floor(b.length / 2)));
				setTimeout(() => req.socket.destroy(), 10);
				return;
			}
			case "malformed":
				send(res, {
					status: out.status === 204 ? 200 : out.status,
					headers: { ...out.headers, "content-type": "application/json; charset=utf-8" },
					body: malform(out.body.length ? out.body : Buffer.from('{"data":[]}')),
				});
				return;
			case "oversize":
				await sendOversize(res, rule.sizeMiB);
				return;
			default:
				send(res, out);
		}
	}

	const server = http.createServer((req, res) => {
		withClock(clock, () => handle(req, res)).catch((e) => {
			process.stderr.write(`emulator: ${e.stack ?? e}\n`);
			if (!res.headersSent) send(res, errorResponse(new ApiError(500, "INTERNAL_ERROR", String(e.message ?? e))));
			else res.destroy();
		});
	});
	server.keepAliveTimeout = 30000;
	server.on("connection", (s) => {
		sockets.add(s);
		s.on("close", () => sockets.delete(s));
	});

	// WebSocket upgrades (the client SDK's /v7 and /v8 room connections) go
	// to the dev server. Each is counted like a request (GET /v8 ...), so
	// a test can see a watcher's socket, and that nothing polls beside it;
	// the query (it holds the token) is not kept.
	server.on("upgrade", (req, socket, head) => {
		const path = new URL(req.url, "http://emulator").pathname;
		stats.record(`GET ${path} (upgrade)`, `GET ${path}`, { time: new Date().toISOString(), method: "GET", path, query: "", route: `GET ${path} (upgrade)` });
		const upSock = net.connect(Number(up.base.port), up.base.hostname, () => {
			let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
			for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
			upSock.write(raw + "\r\n");
			if (head.length) upSock.write(head);
			socket.pipe(upSock).pipe(socket);
		});
		const pair = [socket, upSock];
		roomSockets.add(pair);
		const kill = () => {
			roomSockets.delete(pair);
			socket.destroy();
			upSock.destroy();
		};
		upSock.on("error", kill);
		socket.on("error", kill);
		socket.on("close", kill);
		upSock.on("close", kill);
	});

	await new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve);
	});
	const port = server.address().port;
	let closed = false;

	return {
		url: `http://127.0.0.1:${port}`,
		port,
		store,
		faults,
		stats,
		coverage,
		/** Stops listening, drops open connections, saves state. */
		async close() {
			if (closed) return;
			closed = true;
			for (const res of stalled) res.destroy();
			const done = new Promise((r) => server.close(r));
			for (const s of sockets) s.destroy();
			await done;
			up.agent.destroy();
			store.flush();
		},
	};
}

