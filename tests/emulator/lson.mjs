// RFC 6902 JSON Patch over a plain-LSON Storage document. Every parent on a
// path must be a LiveObject, LiveMap or LiveList; plain JSON values are
// leaves. New object/array values become LiveObjects/LiveLists.

import { ApiError, isPlainObject } from "./util.mjs";

const CONTAINERS = ["LiveObject", "LiveMap", "LiveList"];

const isContainer = (n) => isPlainObject(n) && CONTAINERS.includes(n.liveblocksType);

export class PatchError extends ApiError {
	constructor(index, op, message) {
		super(422, "INVALID_STORAGE_MUTATION_REQUEST", `Patch operation ${index} (${op}): ${message}`);
	}
}

/** Converts a JSON value to plain LSON (objects → LiveObject, arrays → LiveList). */
export function toLson(value) {
	if (Array.isArray(value)) return { liveblocksType: "LiveList", data: value.map(toLson) };
	if (!isPlainObject(value)) return value;
	if (value.liveblocksType === "LiveList" && Array.isArray(value.data))
		return { liveblocksType: "LiveList", data: value.data.map(toLson) };
	if ((value.liveblocksType === "LiveObject" || value.liveblocksType === "LiveMap") && isPlainObject(value.data))
		return {
			liveblocksType: value.liveblocksType,
			data: Object.fromEntries(Object.entries(value.data).map(([k, v]) => [k, toLson(v)])),
		};
	if (value.liveblocksType === "LiveText" || value.liveblocksType === "LiveFile") return value;
	return {
		liveblocksType: "LiveObject",
		data: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toLson(v)])),
	};
}

/** The lossy JSON form of a plain-LSON value (as ?format=json returns it). */
export function toJson(node) {
	if (Array.isArray(node)) return node.map(toJson);
	if (!isPlainObject(node)) return node;
	switch (node.liveblocksType) {
		case "LiveList":
			return node.data.map(toJson);
		case "LiveObject":
		case "LiveMap":
			return Object.fromEntries(Object.entries(node.data).map(([k, v]) => [k, toJson(v)]));
		case "LiveText":
		case "LiveFile":
			return node.data;
		default:
			return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, toJson(v)]));
	}
}

function deepEqual(a, b) {
	if (a === b) return true;
	if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
	const ka = Object.keys(a), kb = Object.keys(b);
	return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

function parsePointer(ptr, fail) {
	if (typeof ptr !== "string") fail("path must be a string");
	if (ptr === "") fail("the document root cannot be the target");
	if (!ptr.startsWith("/")) fail(`path "${ptr}" must start with "/"`);
	return ptr
		.slice(1)
		.split("/")
		.map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

const INDEX = /^(0|[1-9]\d*)$/;

function child(container, tok) {
	if (container.liveblocksType === "LiveList") {
		if (!INDEX.test(tok)) return { found: false };
		const i = Number(tok);
		return i < container.data.length ? { found: true, value: container.data[i] } : { found: false };
	}
	return Object.hasOwn(container.data, tok) ? { found: true, value: container.data[tok] } : { found: false };
}

/** Walks to the parent of a path: {parent, key}. */
function locate(doc, tokens, fail) {
	let cur = doc;
	for (let i = 0; i < tokens.length - 1; i++) {
		const c = child(cur, tokens[i]);
		if (!c.found) fail(`path "/${tokens.slice(0, i + 1).join("/")}" does not exist`);
		if (!isContainer(c.value))
			fail(`"/${tokens.slice(0, i + 1).join("/")}" is not a LiveObject, LiveMap or LiveList`);
		cur = c.value;
	}
	return { parent: cur, key: tokens[tokens.length - 1] };
}

function getAt(doc, tokens, fail) {
	const { parent, key } = locate(doc, tokens, fail);
	const c = child(parent, key);
	if (!c.found) fail(`path "/${tokens.join("/")}" does not exist`);
	return { parent, key, value: c.value };
}

function addAt(doc, tokens, value, fail) {
	const { parent, key } = locate(doc, tokens, fail);
	if (parent.liveblocksType === "LiveList") {
		if (key === "-") parent.data.push(value);
		else if (INDEX.test(key) && Number(key) <= parent.data.length) parent.data.splice(Number(key), 0, value);
		else fail(`index "${key}" is out of bounds`);
	} else {
		parent.data[key] = value;
	}
}

function removeAt(doc, tokens, fail) {
	const { parent, key, value } = getAt(doc, tokens, fail);
	if (parent.liveblocksType === "LiveList") parent.data.splice(Number(key), 1);
	else delete parent.data[key];
	return value;
}

/**
 * Applies a patch to a copy of `doc`; returns the new document. Throws a
 * 422 ApiError naming the first failing operation, leaving `doc` unchanged.
 */
export function applyPatch(doc, ops) {
	if (!Array.isArray(ops))
		throw new ApiError(422, "UNPROCESSABLE_ENTITY", "The request body must be an array of JSON Patch operations");
	const out = structuredClone(doc);
	ops.forEach((op, index) => {
		const name = isPlainObject(op) ? String(op.op) : "?";
		const fail = (msg) => {
			throw new PatchError(index, name, msg);
		};
		if (!isPlainObject(op)) fail("an operation must be an object");
		const path = parsePointer(op.path, fail);
		const needsValue = ["add", "replace", "test"].includes(op.op);
		if (needsValue && !Object.hasOwn(op, "value")) fail('"value" is required');
		switch (op.op) {
			case "add":
				addAt(out, path, toLson(op.value), fail);
				break;
			case "remove":
				removeAt(out, path, fail);
				break;
			case "replace": {
				const { parent, key } = getAt(out, path, fail);
				if (parent.liveblocksType === "LiveList") parent.data[Number(key)] = toLson(op.value);
				else parent.data[key] = toLson(op.value);
				break;
			}
			case "move": {
				const from = parsePointer(op.from, fail);
				if (op.path.startsWith(op.from + "/")) fail("cannot move a node into one of its children");
				const value = removeAt(out, from, fail);
				addAt(out, path, value, fail);
				break;
			}
			case "copy": {
				const from = parsePointer(op.from, fail);
				addAt(out, path, structuredClone(getAt(out, from, fail).value), fail);
				break;
			}
			case "test": {
				// Type and value, in plain LSON: a LiveObject is neither a
				// plain object nor a LiveMap, a LiveList is not an array.
				const { value } = getAt(out, path, fail);
				if (!deepEqual(value, op.value)) fail(`value at "${op.path}" does not match`);
				break;
			}
			default:
				fail(`unknown operation "${String(op.op)}"`);
		}
	});
	return out;
}
