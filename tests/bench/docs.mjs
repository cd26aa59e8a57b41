// Plain-LSON documents of a given size for the Storage benchmarks
// (storage.mjs, tui.mjs), in three shapes (see storage.mjs), and counts of
// their nodes; a room seeded with one.

import { SECRET } from "../e2e/harness.mjs";

const obj = (data) => ({ liveblocksType: "LiveObject", data });
const list = (data) => ({ liveblocksType: "LiveList", data });
const map = (data) => ({ liveblocksType: "LiveMap", data });

const OWNERS = ["alice", "bob", "carol", "dave", "erin", "frank", "mariam", "李雷"];
const ROW_NODES = 15;
const SECTIONS = 10;

// One row: a LiveObject with 5 scalars, a JSON object of 2, a LiveList of
// 2 and a LiveMap of 2 (15 nodes).
function row(i) {
	return obj({
		id: i,
		title: i % 100 === 0 ? `Row ${i} — café ✓ "quoted" \\ 😀` : `Row ${i}`,
		done: i % 3 === 0,
		score: ((i * 7919) % 1000) / 10,
		note: i % 7 === 0 ? null : `lane ${i % 5}`,
		pos: { x: i % 640, y: (i * 31) % 480 },
		tags: list([`t${i % 10}`, `g${i % 7}`]),
		attrs: map({ owner: OWNERS[i % OWNERS.length], lane: `lane-${i % 5}` }),
	});
}

/**
 * A plain-LSON document of about `nodes` nodes: a root LiveObject with a
 * title, a summary LiveObject and a LiveMap of sections, each a
 * LiveObject with a name and a LiveList of rows.
 */
export function bigDocument(nodes) {
	const fixed = 1 + 1 + 3 + 1 + SECTIONS * 3; // root, title, summary, sections, each section
	const rows = Math.max(1, Math.round((nodes - fixed) / ROW_NODES));
	const sections = {};
	for (let s = 0; s < SECTIONS; s++) {
		const from = Math.floor((rows * s) / SECTIONS);
		const to = Math.floor((rows * (s + 1)) / SECTIONS);
		const items = [];
		for (let i = from; i < to; i++)
			items.push(row(i));
		sections[`section-${s}`] = obj({ name: `Section ${s}`, rows: list(items) });
	}
	return obj({
		title: "Storage benchmark",
		summary: obj({ rows, generatedBy: "lbtui benchmark" }),
		sections: map(sections),
	});
}

const SHAPE_FIELDS = 9; // nodes of one whiteboard shape below its container

// One whiteboard shape's fields (9 scalars).
function shapeFields(i) {
	return {
		type: ["rect", "ellipse", "arrow", "text"][i % 4],
		x: (i * 37) % 1920,
		y: (i * 91) % 1080,
		width: 40 + (i % 200),
		height: 30 + (i % 120),
		fill: `#${((i * 2654435761) >>> 8).toString(16).padStart(6, "0").slice(0, 6)}`,
		text: i % 50 === 0 ? `Shape ${i} — café ✓ "quoted" 😀` : `Shape ${i}`,
		z: i,
		locked: i % 9 === 0,
	};
}

/** A whiteboard of about `nodes` nodes: a LiveMap of LiveObject shapes. */
export function shapesDocument(nodes) {
	const n = Math.max(1, Math.round((nodes - 3) / (SHAPE_FIELDS + 1)));
	const shapes = {};
	for (let i = 0; i < n; i++)
		shapes[`shape-${i}`] = obj(shapeFields(i));
	return obj({ title: "Whiteboard benchmark", shapes: map(shapes) });
}

/** The same shapes as plain JSON objects in a JSON array. */
export function jsonDocument(nodes) {
	const n = Math.max(1, Math.round((nodes - 3) / (SHAPE_FIELDS + 1)));
	const shapes = [];
	for (let i = 0; i < n; i++)
		shapes.push(shapeFields(i));
	return obj({ title: "JSON benchmark", shapes });
}

export const SHAPES = { rows: bigDocument, shapes: shapesDocument, json: jsonDocument };

/** Every node of a plain-LSON value: Live* containers, JSON objects, arrays and scalars. */
export function countNodes(v) {
	if (v === null || typeof v !== "object")
		return 1;
	if (Array.isArray(v))
		return v.reduce((n, x) => n + countNodes(x), 1);
	if (typeof v.liveblocksType === "string" && "data" in v)
		return v.liveblocksType === "LiveList"
			? v.data.reduce((n, x) => n + countNodes(x), 1)
			: Object.values(v.data).reduce((n, x) => n + countNodes(x), 1);
	return Object.values(v).reduce((n, x) => n + countNodes(x), 1);
}

/** The Live containers (LiveObject, LiveList, LiveMap) of a plain-LSON value. */
export function countLive(v) {
	if (v === null || typeof v !== "object")
		return 0;
	if (Array.isArray(v))
		return 0; // plain JSON: no wrappers below
	if (typeof v.liveblocksType === "string" && "data" in v) {
		if (v.liveblocksType === "LiveList")
			return v.data.reduce((n, x) => n + countLive(x), 1);
		if (v.liveblocksType === "LiveObject" || v.liveblocksType === "LiveMap")
			return Object.values(v.data).reduce((n, x) => n + countLive(x), 1);
	}
	return 0;
}

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

/** Create room on the server at url with doc (plain LSON) as its Storage. */
export async function seedStorage(url, room, doc) {
	await rest(url, "POST", "/v2/rooms", { id: room, defaultAccesses: [] });
	await rest(url, "POST", `/v2/rooms/${encodeURIComponent(room)}/storage`, doc);
}
