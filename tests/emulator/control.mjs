// The control endpoint under /__emulator/ (tests only, no key needed):
// fault switches, request counters, request log, coverage, reset.
// See README.md in this directory for the API.

import { ApiError, empty, errorResponse, json } from "./util.mjs";
import { patternToRegExp } from "./faults.mjs";

export function createControl(emu) {
	const { faults, stats, coverage, store, up, roomSockets } = emu;

	function countMatching(method, pattern) {
		const re = patternToRegExp(pattern);
		let n = 0;
		for (const [k, v] of stats.paths) {
			const sp = k.indexOf(" ");
			const m = k.slice(0, sp), p = k.slice(sp + 1);
			if ((method === "*" || m === method) && re.test(p)) n += v;
		}
		return n;
	}

	async function handle(method, sub, query, body) {
		if (method === "GET" && sub === "/health") return json(200, { ok: true, upstream: up.base.href });

		if (sub === "/faults") {
			if (method === "GET") return json(200, { data: faults.list() });
			if (method === "DELETE") {
				faults.clear();
				return empty(204);
			}
			if (method === "POST") {
				const input = body.length ? JSON.parse(body.toString("utf8")) : null;
				if (Array.isArray(input)) return json(200, { data: input.map((r) => faults.add(r)) });
				return json(200, faults.add(input));
			}
		}
		const fm = /^\/faults\/([^/]+)$/.exec(sub);
		if (fm && method === "DELETE") {
			if (!faults.remove(decodeURIComponent(fm[1])))
				throw new ApiError(404, "RESOURCE_NOT_FOUND", `No fault rule "${fm[1]}"`);
			return empty(204);
		}

		// Drop every room socket it proxies, as a network that fails would
		// (no close frame): how many went.
		if (sub === "/sockets/drop" && method === "POST") {
			const n = roomSockets?.size ?? 0;
			for (const [a, b] of [...(roomSockets ?? [])]) {
				a.destroy();
				b.destroy();
			}
			roomSockets?.clear();
			return json(200, { dropped: n });
		}

		// A server-side close with a code (4109: the token expired), as a
		// close frame to each client; the upstream side is cut.
		if (sub === "/sockets/close" && method === "POST") {
			const code = Number(query.get("code") ?? 1000);
			if (!Number.isInteger(code) || code < 1000 || code > 4999)
				return json(422, { error: "code must be a close code (1000-4999)" });
			const n = roomSockets?.size ?? 0;
			for (const [a, b] of [...(roomSockets ?? [])]) {
				b.unpipe?.();
				a.unpipe?.();
				b.destroy();
				a.end(Buffer.from([0x88, 2, code >> 8, code & 0xff]));
			}
			roomSockets?.clear();
			return json(200, { closed: n });
		}

		if (sub === "/requests") {
			if (method === "DELETE") {
				stats.reset();
				return empty(204);
			}
			if (method === "GET") {
				const path = query.get("path");
				if (path) {
					const m = (query.get("method") ?? "*").toUpperCase();
					return json(200, { method: m, path, count: countMatching(m, path) });
				}
				return json(200, {
					total: stats.total,
					routes: Object.fromEntries(stats.routes),
					paths: Object.fromEntries(stats.paths),
				});
			}
		}

		if (sub === "/log" && method === "GET") {
			const limit = Math.max(1, Math.min(Number(query.get("limit") ?? 100) || 100, stats.log.length || 1));
			return json(200, { data: stats.log.slice(-limit) });
		}

		if (sub === "/coverage" && method === "GET") return json(200, coverage.report());

		if (sub === "/reset" && method === "POST") {
			const opts = body.length ? JSON.parse(body.toString("utf8")) : {};
			store.reset();
			faults.clear();
			stats.reset();
			if (opts.rooms) {
				for (const r of await up.listRooms())
					await up.request("DELETE", `/v2/rooms/${encodeURIComponent(r.id)}`);
			}
			return empty(204);
		}

		throw new ApiError(404, "NOT_FOUND", `Unknown control endpoint ${method} /__emulator${sub}`);
	}

	return async (method, sub, query, body) => {
		try {
			return await handle(method, sub, query, body);
		} catch (e) {
			if (e instanceof ApiError) return errorResponse(e);
			if (e instanceof SyntaxError) return errorResponse(new ApiError(400, "INVALID_JSON", e.message));
			throw e;
		}
	};
}
