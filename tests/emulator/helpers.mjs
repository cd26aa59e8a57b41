// Helpers for the emulator's own node:test suites.
//
//   const t = useStack();          // starts a stack before the file's tests, stops it after
//   const r = await t.api("GET", "/v2/rooms");   // {status, body, headers, text}
//   await t.control("POST", "/faults", {...});

import { before, after } from "node:test";
import { startStack } from "./stack.mjs";

const KEY = "sk_localdev";

/** Sends a request; JSON bodies are encoded, JSON answers decoded. */
export async function request(base, method, path, body, { headers = {}, key = KEY, raw = false } = {}) {
	const h = { ...headers };
	if (key !== null && !h.authorization) h.authorization = `Bearer ${key}`;
	let payload;
	if (body !== undefined) {
		if (raw || Buffer.isBuffer(body) || body instanceof Uint8Array) {
			payload = body;
			h["content-type"] ??= "application/octet-stream";
		} else {
			payload = JSON.stringify(body);
			h["content-type"] ??= "application/json";
		}
	}
	const res = await fetch(base + path, { method, headers: h, body: payload });
	const buf = Buffer.from(await res.arrayBuffer());
	const text = buf.toString("utf8");
	let parsed;
	if (/json/.test(res.headers.get("content-type") ?? "") && text) {
		try {
			parsed = JSON.parse(text);
		} catch {
			parsed = undefined;
		}
	}
	return { status: res.status, body: parsed, text, buf, headers: res.headers };
}

/** Registers before/after hooks that run one stack for the current test file. */
export function useStack(opts = {}) {
	const t = {
		stack: null,
		get url() {
			return this.stack.url;
		},
		api: (method, path, body, o) => request(t.stack.url, method, path, body, o),
		control: (method, path, body) => request(t.stack.url, method, "/__emulator" + path, body, { key: null }),
	};
	before(async () => {
		t.stack = await startStack(opts);
	});
	after(async () => {
		await t.stack?.stop();
	});
	return t;
}

/** A one-paragraph comment body. */
export const body = (...children) => ({
	version: 1,
	content: [{ type: "paragraph", children: children.map((c) => (typeof c === "string" ? { text: c } : c)) }],
});

let seq = 0;
/** A room ID unique within this process. */
export const uid = (prefix = "r") => `${prefix}-${process.pid}-${++seq}`;

/** Creates a room through the emulator and returns its ID. */
export async function createRoom(t, extra = {}) {
	const id = extra.id ?? uid();
	const r = await t.api("POST", "/v2/rooms", { id, defaultAccesses: [], ...extra });
	if (r.status !== 200) throw new Error(`createRoom ${id}: ${r.status} ${r.text}`);
	return id;
}
