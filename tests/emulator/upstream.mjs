// The upstream Liveblocks dev server: plain requests, room helpers, and
// forwarding of requests the emulator passes through unchanged.

import http from "node:http";
import { ApiError, roomNotFound } from "./util.mjs";

const DEV_KEY = "sk_localdev";

export class Upstream {
	constructor(baseUrl) {
		this.base = new URL(baseUrl);
		this.agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
	}

	/** Sends one request; resolves {status, headers, body: Buffer}. */
	request(method, path, { body, headers = {}, query } = {}) {
		let target = path;
		if (query) {
			const qs = query instanceof URLSearchParams ? query.toString() : new URLSearchParams(query).toString();
			if (qs) target += "?" + qs;
		}
		let payload = body;
		const h = { authorization: `Bearer ${DEV_KEY}`, ...headers };
		if (payload !== undefined && !Buffer.isBuffer(payload) && typeof payload !== "string") {
			payload = JSON.stringify(payload);
			h["content-type"] = "application/json";
		}
		if (payload !== undefined) h["content-length"] = Buffer.byteLength(payload);
		return new Promise((resolve, reject) => {
			const req = http.request(
				{
					host: this.base.hostname,
					port: this.base.port,
					method,
					path: target,
					headers: h,
					agent: this.agent,
				},
				(res) => {
					const chunks = [];
					res.on("data", (c) => chunks.push(c));
					res.on("end", () =>
						resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
					);
					res.on("error", reject);
				},
			);
			req.on("error", (e) =>
				reject(new ApiError(502, "UPSTREAM_UNAVAILABLE", `Dev server unreachable: ${e.message}`)),
			);
			if (payload !== undefined) req.write(payload);
			req.end();
		});
	}

	/** A request whose 2xx JSON answer is returned; other answers throw ApiError. */
	async json(method, path, opts) {
		const r = await this.request(method, path, opts);
		if (r.status >= 200 && r.status < 300) {
			return r.body.length ? JSON.parse(r.body.toString("utf8")) : null;
		}
		throw upstreamError(r);
	}

	/** The room, or null when it does not exist. */
	async getRoom(roomId) {
		const r = await this.request("GET", `/v2/rooms/${encodeURIComponent(roomId)}`);
		if (r.status === 404) return null;
		if (r.status !== 200) throw upstreamError(r);
		return JSON.parse(r.body.toString("utf8"));
	}

	/** The room, or a 404 ROOM_NOT_FOUND ApiError. */
	async requireRoom(roomId) {
		const room = await this.getRoom(roomId);
		if (!room) throw roomNotFound(roomId);
		return room;
	}

	/** Every room of the dev server (it ignores pagination), oldest first. */
	async listRooms() {
		const page = await this.json("GET", "/v2/rooms");
		return page.data;
	}

	/** Forwards a client request and returns the upstream response. */
	async forward(ctx) {
		const headers = {};
		for (const k of ["content-type", "accept"]) if (ctx.headers[k]) headers[k] = ctx.headers[k];
		if (ctx.path.startsWith("/v2/c/") && ctx.headers.authorization)
			headers.authorization = ctx.headers.authorization;
		const r = await this.request(ctx.method, ctx.path + ctx.search, {
			body: ctx.body.length || !["GET", "HEAD", "DELETE"].includes(ctx.method) ? ctx.body : undefined,
			headers,
		});
		return normalize(r);
	}
}

/** Copies an upstream response, giving error bodies a `message` as the real API does. */
export function normalize(r) {
	const headers = {};
	for (const k of ["content-type", "x-lb-warn", "allow"]) if (r.headers[k]) headers[k] = r.headers[k];
	let body = r.body;
	if (r.status >= 400 && /json/.test(r.headers["content-type"] ?? "")) {
		try {
			const obj = JSON.parse(body.toString("utf8"));
			if (obj && typeof obj === "object" && !obj.message) {
				obj.message = obj.reason ?? obj.error ?? "Request failed";
				body = Buffer.from(JSON.stringify(obj));
			}
		} catch {
			/* keep the body as it came */
		}
	}
	return { status: r.status, headers, body };
}

/** An ApiError carrying an upstream error response. */
export function upstreamError(r) {
	let code = "UPSTREAM_ERROR";
	let message = `Dev server answered ${r.status}`;
	let suggestion;
	try {
		const obj = JSON.parse(r.body.toString("utf8"));
		code = obj.error ?? code;
		message = obj.message ?? obj.reason ?? message;
		suggestion = obj.suggestion;
	} catch {
		/* not JSON */
	}
	return new ApiError(r.status, code, message, suggestion);
}
