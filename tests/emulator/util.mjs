// Shared helpers for the emulator: API errors, responses, IDs, validation
// and cursor pagination.

import { AsyncLocalStorage } from "node:async_hooks";
import { createHash, randomBytes } from "node:crypto";

/** An error that becomes an API error response `{error, message, suggestion?}`. */
export class ApiError extends Error {
	constructor(status, code, message, suggestion) {
		super(message);
		this.status = status;
		this.code = code;
		this.suggestion = suggestion;
	}
}

export const notFound = (message, code = "RESOURCE_NOT_FOUND") =>
	new ApiError(404, code, message);
export const conflict = (message, code = "RESOURCE_ALREADY_EXISTS") =>
	new ApiError(409, code, message);
export const unprocessable = (message, suggestion) =>
	new ApiError(422, "UNPROCESSABLE_ENTITY", message, suggestion);
export const badRequest = (message) =>
	new ApiError(400, "INVALID_REQUEST", message);

export const roomNotFound = (roomId) =>
	notFound(`Room with id "${roomId}" not found.`, "ROOM_NOT_FOUND");

/** A JSON response. */
export function json(status, value, headers = {}) {
	return {
		status,
		headers: { "content-type": "application/json; charset=utf-8", ...headers },
		body: Buffer.from(JSON.stringify(value)),
	};
}

/** A response without a body (204 and the like). */
export function empty(status = 204) {
	return { status, headers: {}, body: Buffer.alloc(0) };
}

/** A binary response. */
export function binary(buf, contentType = "application/octet-stream") {
	return { status: 200, headers: { "content-type": contentType }, body: Buffer.from(buf) };
}

/** The JSON error response for an ApiError. */
export function errorResponse(err) {
	const body = { error: err.code, message: err.message };
	if (err.suggestion) body.suggestion = err.suggestion;
	return json(err.status, body);
}

/**
 * A fixed clock for tests that compare whole answers (startEmulator's
 * fixedClock): the dates the emulator makes start at one instant and move
 * on one millisecond per date, and IDs come from a hash of their prefix and
 * a counter instead of random bytes. The same requests in the same order
 * then get the same answers, run after run. Each request runs with its
 * emulator's clock (AsyncLocalStorage), so emulators in one process keep
 * their own.
 */
export class FixedClock {
	constructor(start) {
		this.ms = Date.parse(start);
		if (Number.isNaN(this.ms)) throw new Error(`fixed clock: '${start}' is not an ISO 8601 date`);
		this.counters = new Map();
	}

	nextMs() {
		return this.ms++;
	}

	/** size bytes, the same for the n-th call with the same stream. */
	bytes(stream, size) {
		const n = (this.counters.get(stream) ?? 0) + 1;
		this.counters.set(stream, n);
		const out = [];
		for (let block = 0; out.length < size; block++)
			out.push(...createHash("sha256").update(`${stream}\0${n}\0${block}`).digest());
		return out.slice(0, size);
	}
}

const fixedClock = new AsyncLocalStorage();

/** Runs fn with clock (a FixedClock, or null for the real clock). */
export const withClock = (clock, fn) => (clock ? fixedClock.run(clock, fn) : fn());

/** True while a request runs with a fixed clock. */
export const clockIsFixed = () => fixedClock.getStore() !== undefined;

const ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

/** A 21-character nanoid-style random string (stream: which sequence of a fixed clock). */
export function nanoid(size = 21, stream = "") {
	const clock = fixedClock.getStore();
	const bytes = clock ? clock.bytes(stream, size) : randomBytes(size);
	let id = "";
	for (let i = 0; i < size; i++) id += ALPHABET[bytes[i] & 63];
	return id;
}

/** An ID with a Liveblocks-style prefix, e.g. `th_…`. */
export const makeId = (prefix) => `${prefix}_${nanoid(21, prefix)}`;

let lastNow = 0;

/** The current time as ISO 8601, strictly increasing so creation order is total. */
export function nowIso() {
	const clock = fixedClock.getStore();
	if (clock) return new Date(clock.nextMs()).toISOString();
	lastNow = Math.max(Date.now(), lastNow + 1);
	return new Date(lastNow).toISOString();
}

export const isPlainObject = (v) =>
	v !== null && typeof v === "object" && !Array.isArray(v);

/** Parses an ISO date string from a request, or returns the fallback. */
export function parseDate(value, field, fallback = nowIso()) {
	if (value === undefined || value === null) return fallback;
	if (typeof value !== "string" || Number.isNaN(Date.parse(value)))
		throw unprocessable(`Invalid value for field '${field}': should be an ISO 8601 date`);
	return new Date(value).toISOString();
}

export function requireString(obj, field, { max } = {}) {
	const v = obj?.[field];
	if (typeof v !== "string" || v.length === 0)
		throw unprocessable(`Missing or invalid field '${field}': should be a non-empty string`);
	if (max !== undefined && v.length > max)
		throw unprocessable(`Field '${field}' is too long (maximum ${max} characters)`);
	return v;
}

export function requireObject(value, what = "request body") {
	if (!isPlainObject(value))
		throw unprocessable(`Invalid ${what}: should be a JSON object`);
	return value;
}

/** Reads `limit` from a query string with the reference's bounds. */
export function parseLimit(query, { min = 1, max = 100, def = 20 } = {}) {
	const raw = query.get("limit");
	if (raw === null || raw === "") return def;
	if (!/^-?\d+$/.test(raw))
		throw unprocessable(`Invalid value for 'limit': should be an integer between ${min} and ${max}`);
	const n = Number(raw);
	if (n < min || n > max)
		throw unprocessable(`Invalid value for 'limit': should be an integer between ${min} and ${max}`);
	return n;
}

export function encodeCursor(key, id) {
	return Buffer.from(JSON.stringify([key, id])).toString("base64url");
}

function decodeCursor(cursor) {
	try {
		const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
		if (Array.isArray(v) && v.length === 2 && typeof v[1] === "string") return v;
	} catch {
		/* fall through */
	}
	throw unprocessable("Invalid cursor", "Use the nextCursor value returned by the previous page");
}

/** Orders items newest first by `key(item)` (ISO string), ties by ID descending. */
export function sortNewestFirst(items, key) {
	return [...items].sort((a, b) => {
		const ka = key(a), kb = key(b);
		if (ka !== kb) return ka < kb ? 1 : -1;
		return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
	});
}

/**
 * Slices a list already sorted with sortNewestFirst into one page.
 * Returns { data, nextCursor } (nextCursor null on the last page).
 */
export function paginate(sorted, key, { limit, cursor }) {
	let start = 0;
	if (cursor) {
		const [ck, cid] = decodeCursor(cursor);
		start = sorted.findIndex((it) => {
			const k = key(it);
			return k < ck || (k === ck && it.id < cid);
		});
		if (start < 0) start = sorted.length;
	}
	const data = sorted.slice(start, start + limit);
	const more = start + limit < sorted.length;
	const last = data[data.length - 1];
	return { data, nextCursor: more && last ? encodeCursor(key(last), last.id) : null };
}

/**
 * Validates room/thread style metadata. `values` is "room" (string or
 * string[], ≤256 chars) or "thread" (string/number/boolean, strings ≤4000).
 * `allowNull` lets null through (deletion in updates).
 */
export function validateMetadata(md, { values, allowNull = false, field = "metadata" }) {
	if (md === undefined) return;
	if (!isPlainObject(md)) throw unprocessable(`Invalid value for '${field}': should be an object`);
	const keys = Object.keys(md);
	if (keys.length > 50) throw unprocessable(`Invalid value for '${field}': at most 50 entries are allowed`);
	for (const k of keys) {
		if (k.length > 40) throw unprocessable(`Invalid ${field} key '${k.slice(0, 60)}': at most 40 characters are allowed`);
		const v = md[k];
		if (v === null && allowNull) continue;
		if (values === "room") {
			const list = Array.isArray(v) ? v : [v];
			for (const s of list) {
				if (typeof s !== "string")
					throw unprocessable(`Invalid ${field} value for key '${k}': should be a string or an array of strings`);
				if (s.length > 256)
					throw unprocessable(`Invalid ${field} value for key '${k}': at most 256 characters are allowed`);
			}
		} else {
			const t = typeof v;
			if (t !== "string" && t !== "number" && t !== "boolean")
				throw unprocessable(`Invalid ${field} value for key '${k}': should be a string, number or boolean`);
			if (t === "string" && v.length > 4000)
				throw unprocessable(`Invalid ${field} value for key '${k}': at most 4000 characters are allowed`);
		}
	}
}

/** Applies a metadata patch where null deletes a key. */
export function mergeMetadata(current, patch) {
	const out = { ...current };
	for (const [k, v] of Object.entries(patch ?? {})) {
		if (v === null) delete out[k];
		else out[k] = v;
	}
	return out;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
