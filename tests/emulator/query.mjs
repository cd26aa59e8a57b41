// The Liveblocks query language (rooms, threads, inbox notifications):
// a parser with the real server's error messages and an evaluator.
//
//   Query := Group (("AND"|"and")? Group)*
//   Group := "(" Cond (("OR"|"or") Cond)+ ")" | Cond
//   Cond  := "-"? Field ( ":" Literal | "^" String | ("<="|">="|"<"|">") Number )
//   Field := Ident | Ident "[" String "]"
//
// Field types: token (":" on strings), string (":" and "^"), boolean,
// numeric, mixed (string/number/boolean, every operator).

import { ApiError } from "./util.mjs";

export class QueryError extends Error {}

/** Parser settings for each resource that accepts `?query=`. */
export const ROOM_QUERY = {
	fields: { roomId: "string" },
	indexableFields: { metadata: "token" },
};
export const THREAD_QUERY = {
	fields: { resolved: "boolean", visibility: "token", roomId: "string" },
	indexableFields: { metadata: "mixed" },
	allowNull: true,
};
export const INBOX_QUERY = {
	fields: { unread: "boolean", roomId: "string", kind: "token" },
	indexableFields: {},
};

const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_]/;

class Parser {
	constructor(text, config) {
		this.s = text;
		this.i = 0;
		this.cfg = config;
		this.checks = [];
	}

	pos(at = this.i) {
		const before = this.s.slice(0, at).split("\n");
		return `(at ${before.length}:${before[before.length - 1].length + 1})`;
	}

	fail(msg, at = this.i) {
		throw new QueryError(`${msg} ${this.pos(at)}`);
	}

	found() {
		return this.i >= this.s.length ? "end of input" : JSON.stringify(this.s[this.i]);
	}

	expected(what) {
		this.fail(`Expected ${what} but ${this.found()} found`);
	}

	ws() {
		while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
	}

	peekWord(word) {
		const rest = this.s.slice(this.i, this.i + word.length);
		if (rest !== word && rest !== word.toLowerCase()) return false;
		const next = this.s[this.i + word.length];
		return next === undefined || !IDENT_CHAR.test(next);
	}

	parse() {
		const groups = [];
		this.ws();
		groups.push(this.group());
		for (;;) {
			this.ws();
			if (this.i >= this.s.length) break;
			if (this.peekWord("AND")) {
				this.i += 3;
				this.ws();
				if (this.i >= this.s.length) this.expected('"(", "-", or <identifier>');
			}
			groups.push(this.group());
		}
		for (const check of this.checks) check();
		return groups;
	}

	group() {
		if (this.s[this.i] === "(") {
			const start = this.i;
			this.i++;
			this.ws();
			const conds = [this.cond()];
			for (;;) {
				this.ws();
				if (this.peekWord("OR")) {
					this.i += 2;
					this.ws();
					conds.push(this.cond());
					continue;
				}
				if (this.s[this.i] === ")") {
					this.i++;
					break;
				}
				this.expected(conds.length > 1 ? '")" or "OR"' : '"OR"');
			}
			if (conds.length < 2) this.fail('Expected "OR"', start);
			if (!this.cfg.allowOr)
				this.checks.push(() => this.fail("OR-expressions are not allowed for this query", start));
			return conds;
		}
		return [this.cond()];
	}

	cond() {
		const start = this.i;
		let negate = false;
		if (this.s[this.i] === "-") {
			negate = true;
			this.i++;
		}
		if (this.i >= this.s.length || !IDENT_START.test(this.s[this.i]))
			this.expected(negate ? "<identifier>" : '"(", "-", or <identifier>');
		const fieldStart = this.i;
		let name = "";
		while (this.i < this.s.length && IDENT_CHAR.test(this.s[this.i])) name += this.s[this.i++];
		let key;
		this.ws();
		if (this.s[this.i] === "[") {
			this.i++;
			this.ws();
			key = this.string();
			this.ws();
			if (this.s[this.i] !== "]") this.expected('"]"');
			this.i++;
			this.ws();
		}
		const label = key === undefined ? name : `${name}[${JSON.stringify(key)}]`;

		let op;
		for (const cand of [":", "^", "<=", ">=", "<", ">"]) {
			if (this.s.startsWith(cand, this.i)) {
				op = cand;
				break;
			}
		}
		if (!op) this.expected('":", "<", "<=", ">", ">=", "[", or "^"');
		this.i += op.length;
		this.ws();
		const valueAt = this.i;
		let value;
		if (op === "^") {
			value = this.string();
			if (value === "") this.fail("Prefix matches cannot be empty", valueAt);
		} else if (op === ":") {
			value = this.literal();
		} else {
			value = this.number();
		}
		// Semantic checks run after the whole query parsed, as the server does.
		this.checks.push(() => {
			const type = key === undefined ? this.cfg.fields[name] : this.cfg.indexableFields[name];
			if (!type) this.fail(`Invalid field: '${name}'`, fieldStart);
			if (negate && !this.cfg.allowNegation)
				this.fail("Negation of conditions not allowed for this query", start);
			this.check(type, op, value, label, start, valueAt);
		});
		return { field: name, key, op, value, negate };
	}

	check(type, op, value, label, start, valueAt) {
		const ops = {
			token: [":"],
			string: [":", "^"],
			boolean: [":"],
			numeric: [":", "<", ">", "<=", ">="],
			mixed: [":", "^", "<", ">", "<=", ">="],
		}[type];
		if (!ops.includes(op)) this.fail(`Invalid operator for field '${label}'`, start);
		if (value === null) {
			if (!this.cfg.allowNull) this.fail("Null not allowed in this query", valueAt);
			return;
		}
		const want = { token: "string", string: "string", boolean: "boolean", numeric: "number" }[type];
		if (want && typeof value !== want) {
			const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
			this.fail(`Invalid value '${shown}' for field '${label}': should be ${want}`, valueAt);
		}
	}

	literal() {
		const c = this.s[this.i];
		if (c === '"' || c === "'") return this.string();
		if (c === "-" || c === "." || (c >= "0" && c <= "9")) return this.number();
		for (const [w, v] of [["true", true], ["false", false], ["null", null]]) {
			if (this.s.startsWith(w, this.i) && !IDENT_CHAR.test(this.s[this.i + w.length] ?? "")) {
				this.i += w.length;
				return v;
			}
		}
		this.expected("a string, number, boolean or null");
	}

	string() {
		const q = this.s[this.i];
		if (q !== '"' && q !== "'") this.expected("a string");
		this.i++;
		let out = "";
		for (;;) {
			if (this.i >= this.s.length) this.fail("Unterminated string");
			const c = this.s[this.i++];
			if (c === q) return out;
			if (c === "\\") {
				if (this.i >= this.s.length) this.fail("Unterminated string");
				const e = this.s[this.i++];
				out += e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e;
			} else {
				out += c;
			}
		}
	}

	number() {
		const m = /^-?(\d*\.)?\d+/.exec(this.s.slice(this.i));
		if (!m) this.expected("a number");
		this.i += m[0].length;
		return Number(m[0]);
	}
}

/** Parses a query; throws QueryError with the server's message on failure. */
export function parseQuery(text, config) {
	return new Parser(text, config).parse();
}

/** Parses `?query=` or throws the API's 422 INVALID_QUERY error. */
export function parseQueryParam(text, config) {
	if (text === null || text === undefined || text.trim() === "") return null;
	try {
		return parseQuery(text, config);
	} catch (e) {
		if (e instanceof QueryError) throw new ApiError(422, "INVALID_QUERY", e.message);
		throw e;
	}
}

function test1(actual, op, value) {
	if (op === ":") {
		if (value === null) return actual === undefined;
		if (Array.isArray(actual)) return actual.includes(value);
		return actual === value;
	}
	if (op === "^") {
		if (Array.isArray(actual)) return actual.some((a) => typeof a === "string" && a.startsWith(value));
		return typeof actual === "string" && actual.startsWith(value);
	}
	if (typeof actual !== "number") return false;
	if (op === "<") return actual < value;
	if (op === ">") return actual > value;
	if (op === "<=") return actual <= value;
	return actual >= value;
}

/**
 * Evaluates a parsed query against an item; `get(item, field, key)` returns
 * the field's value (undefined when absent).
 */
export function matchQuery(ast, item, get) {
	if (!ast) return true;
	return ast.every((group) =>
		group.some((c) => {
			const r = test1(get(item, c.field, c.key), c.op, c.value);
			return c.negate ? !r : r;
		}),
	);
}
