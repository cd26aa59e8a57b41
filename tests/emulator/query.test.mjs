// The query-language parser and evaluator.

import { test } from "node:test";
import assert from "node:assert/strict";
import { INBOX_QUERY, matchQuery, parseQuery, QueryError, ROOM_QUERY, THREAD_QUERY } from "./query.mjs";

const get = (item, field, key) => (key === undefined ? item[field] : item[field]?.[key]);
const matches = (q, cfg, item) => matchQuery(parseQuery(q, cfg), item, get);

test("grammar: quotes, escapes, AND, juxtaposition, whitespace", () => {
	const room = { roomId: "acme:it's", metadata: { k: "v\"x" } };
	assert.ok(matches(`roomId^"acme:"`, ROOM_QUERY, room));
	assert.ok(matches(`roomId:"acme:it's" AND metadata["k"]:'v"x'`, ROOM_QUERY, room));
	assert.ok(matches(`roomId : 'acme:it\\'s'   metadata[ 'k' ] : "v\\"x"`, ROOM_QUERY, room));
	assert.ok(!matches(`roomId^"acme:" metadata["k"]:"other"`, ROOM_QUERY, room));
});

test("thread fields: booleans, numbers with comparisons, null means absent", () => {
	const th = { resolved: false, metadata: { n: 5, s: "open", b: true } };
	assert.ok(matches("resolved:false", THREAD_QUERY, th));
	assert.ok(matches("metadata['n']>=5 metadata['n']<6 metadata['n']:5", THREAD_QUERY, th));
	assert.ok(!matches("metadata['n']>5", THREAD_QUERY, th));
	assert.ok(matches("metadata['b']:true metadata['s']^'op'", THREAD_QUERY, th));
	assert.ok(matches("metadata['zzz']:null", THREAD_QUERY, th));
	assert.ok(!matches("metadata['n']:null", THREAD_QUERY, th));
	assert.ok(matches("metadata['n']:-1.5", THREAD_QUERY, { metadata: { n: -1.5 } }));
});

test("inbox fields", () => {
	assert.ok(matches("unread:true kind:'thread'", INBOX_QUERY, { unread: true, kind: "thread" }));
});

test("errors carry the server's messages and positions", () => {
	const err = (q, cfg = ROOM_QUERY) => {
		try {
			parseQuery(q, cfg);
		} catch (e) {
			assert.ok(e instanceof QueryError);
			return e.message;
		}
		assert.fail(`no error for ${q}`);
	};
	assert.equal(err("foo"), 'Expected ":", "<", "<=", ">", ">=", "[", or "^" but end of input found (at 1:4)');
	assert.equal(err('"abc'), 'Expected "(", "-", or <identifier> but "\\"" found (at 1:1)');
	assert.equal(err("roomId:'a' AND"), 'Expected "(", "-", or <identifier> but end of input found (at 1:15)');
	assert.equal(err("roomId:1"), "Invalid value '1' for field 'roomId': should be string (at 1:8)");
	assert.equal(err("-roomId:'a'"), "Negation of conditions not allowed for this query (at 1:1)");
	assert.equal(err("metadata['k']:null"), "Null not allowed in this query (at 1:15)");
	assert.equal(err("resolved:'yes'", THREAD_QUERY), "Invalid value '\"yes\"' for field 'resolved': should be boolean (at 1:10)");
	assert.equal(err("roomId:'unterminated"), "Unterminated string (at 1:21)");
});
