// Fault injection rules, switched at run time through the control endpoint.
//
// A rule: {method?: "GET"|"*", path: pattern, type, status?, retryAfter?,
//          latencyMs?, sizeMiB?, after?, count?, skip?}
// path: "^…" is a regular expression on the path (query string excluded);
// otherwise a glob where ":name" and "*" match one path segment and "**"
// matches anything.
// type: status | latency | stall | truncate | malformed | oversize | drop

import { ApiError } from "./util.mjs";

export const FAULT_TYPES = ["status", "latency", "stall", "truncate", "malformed", "oversize", "drop"];

/** Compiles a fault path pattern (glob or "^regex") to a RegExp. */
export function patternToRegExp(pattern) {
	return pattern.startsWith("^") ? new RegExp(pattern) : globToRegExp(pattern);
}

function globToRegExp(glob) {
	let src = "";
	for (let i = 0; i < glob.length; ) {
		if (glob.startsWith("**", i)) {
			src += ".*";
			i += 2;
		} else if (glob[i] === "*") {
			src += "[^/]*";
			i++;
		} else if (glob[i] === ":" && /\w/.test(glob[i + 1] ?? "")) {
			i++;
			while (i < glob.length && /\w/.test(glob[i])) i++;
			src += "[^/]+";
		} else {
			src += glob[i].replace(/[-\\^$+?.()|[\]{}/]/g, "\\$&");
			i++;
		}
	}
	return new RegExp("^" + src + "$");
}

function intField(rule, name, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) {
	const v = rule[name];
	if (v === undefined) return undefined;
	if (!Number.isInteger(v) || v < min || v > max)
		throw new ApiError(422, "INVALID_FAULT", `'${name}' must be an integer between ${min} and ${max}`);
	return v;
}

export class Faults {
	constructor() {
		this.rules = [];
		this.seq = 0;
	}

	/** Validates and adds a rule; returns the stored rule. */
	add(input) {
		if (!input || typeof input !== "object" || Array.isArray(input))
			throw new ApiError(422, "INVALID_FAULT", "A fault rule must be a JSON object");
		const type = input.type;
		if (!FAULT_TYPES.includes(type))
			throw new ApiError(422, "INVALID_FAULT", `'type' must be one of ${FAULT_TYPES.join(", ")}`);
		if (typeof input.path !== "string" || input.path === "")
			throw new ApiError(422, "INVALID_FAULT", "'path' must be a non-empty pattern");
		const method = (input.method ?? "*").toUpperCase();
		let re;
		try {
			re = patternToRegExp(input.path);
		} catch (e) {
			throw new ApiError(422, "INVALID_FAULT", `Invalid path pattern: ${e.message}`);
		}
		const rule = {
			id: `f${++this.seq}`,
			method,
			path: input.path,
			type,
			status: intField(input, "status", { min: 100, max: 599 }),
			retryAfter: intField(input, "retryAfter", { min: 0, max: 86400 }),
			latencyMs: intField(input, "latencyMs", { min: 0, max: 600000 }),
			sizeMiB: intField(input, "sizeMiB", { min: 1, max: 1024 }),
			count: intField(input, "count", { min: 1 }),
			skip: intField(input, "skip", { min: 0 }) ?? 0,
			after: input.after,
			applied: 0,
		};
		if (rule.after === undefined) delete rule.after;
		else if (type !== "drop" || typeof rule.after !== "boolean")
			throw new ApiError(422, "INVALID_FAULT", "'after' is true or false, and only for a 'drop' fault");
		if (type === "status" && rule.status === undefined)
			throw new ApiError(422, "INVALID_FAULT", "A 'status' fault needs 'status' (e.g. 500, 502, 503, 429)");
		if (type === "latency" && rule.latencyMs === undefined)
			throw new ApiError(422, "INVALID_FAULT", "A 'latency' fault needs 'latencyMs'");
		if (type === "oversize" && rule.sizeMiB === undefined) rule.sizeMiB = 8;
		if (rule.status === 429 && rule.retryAfter === undefined) rule.retryAfter = 1;
		Object.defineProperty(rule, "re", { value: re, enumerable: false });
		this.rules.push(rule);
		return rule;
	}

	list() {
		return this.rules;
	}

	remove(id) {
		const n = this.rules.length;
		this.rules = this.rules.filter((r) => r.id !== id);
		return this.rules.length !== n;
	}

	clear() {
		this.rules = [];
	}

	/** The rule to apply to this request (consuming skip/count), or null. */
	take(method, pathname) {
		for (const rule of this.rules) {
			if (rule.method !== "*" && rule.method !== method) continue;
			if (!rule.re.test(pathname)) continue;
			if (rule.skip > 0) {
				rule.skip--;
				continue;
			}
			rule.applied++;
			if (rule.count !== undefined) {
				rule.count--;
				if (rule.count === 0) this.remove(rule.id);
			}
			return rule;
		}
		return null;
	}
}
