// The token view: `:token authorize|identify|room` on the screen open a
// view of the token (shortened in the middle, never drawn whole), its
// header and claims, the permissions as a table, and when it was issued
// and expires, in words kept current (expired in the error colour); y
// copies it with OSC 52. The token reaches no lasting place: not the
// history, the messages, the request log or any file lbtui keeps. A 403
// or 422 is said and the app goes on.

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, cursorLine, makeHome, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

let stack;
const running = [];

before(async () => {
	stack = await startStack();
});

after(async () => {
	for (const t of running)
		await t.close();
	if (stack)
		await stack.stop();
});

function start(url, opts = {}) {
	const t = spawnLbtui({ cols: 160, rows: 40, ...opts, env: serverEnv(url, opts.env ?? {}) });
	running.push(t);
	return t;
}

async function fault(rule) {
	const r = await fetch(`${stack.control}/faults`, {
		method: "POST",
		headers: { "Content-Type": "application/json" },
		body: JSON.stringify(rule),
	});
	assert.ok(r.status < 300, await r.text());
}

const OSC52 = /\x1b\]52;c;([A-Za-z0-9+/=]*)\x07/g;

/** The texts lbtui put on the clipboard so far, decoded. */
function copied(t) {
	return [...t.output.matchAll(OSC52)].map((m) => Buffer.from(m[1], "base64").toString());
}

/** The claims of a JWT, read here independently of lbtui. */
function claims(token) {
	return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
}

/** Press y and read back the token it copied. */
async function copyToken(t) {
	const before = copied(t).length;
	t.write("y");
	await t.waitFor(/token copied \(\d+ bytes\)/);
	const all = copied(t);
	assert.equal(all.length, before + 1, "one OSC 52 sequence");
	return all.at(-1);
}

/** What of the token may never be on screen: the whole of it, and its
 * middle (what the shortened form leaves out). */
function assertHidden(text, token, where) {
	assert.ok(!text.includes(token), `${where} shows the whole token`);
	const middle = token.slice(12, -6);
	for (let i = 0; i + 16 <= middle.length; i += 8)
		assert.ok(!text.includes(middle.slice(i, i + 16)), `${where} shows the token's middle`);
}

/** The row that holds text, and its y. */
function rowOf(t, re) {
	const s = t.screen();
	const y = s.findIndex((r) => re.test(r));
	return { y, text: s[y] };
}

/** Every file under dir, with its text. */
function filesUnder(dir) {
	const out = [];
	for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
		if (e.isFile()) {
			const p = path.join(e.parentPath ?? e.path, e.name);
			out.push([p, fs.readFileSync(p, "latin1")]);
		}
	return out;
}

/** A server of its own that answers every token request with token()
 * (and an empty list of rooms to start on). */
async function tokenServer(token) {
	const server = http.createServer((req, res) => {
		req.resume();
		req.on("end", () => {
			res.setHeader("Content-Type", "application/json");
			if (req.method === "POST" && /authorize|identify/.test(req.url))
				res.end(JSON.stringify({ token: token() }));
			else
				res.end(JSON.stringify({ data: [], nextCursor: null }));
		});
	});
	await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
	return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

const b64url = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const jwt = (header, payload) => `${b64url(header)}.${b64url(payload)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;

describe("the token view", { concurrency: 1 }, () => {
	test(":token authorize shows the token shortened, its header, claims and permissions; y copies it", async () => {
		const t = start(stack.url);
		await t.waitFor("rooms");
		t.command(`:token authorize ada --room room-1=room:write --room 'team-*=room:read,comments:write' --info '{"name":"Ada"}' --group eng`);
		await t.waitFor("access token for ada");
		await t.waitFor(/PERMISSIONS/);
		const token = await copyToken(t);
		const c = claims(token);
		assert.equal(c.uid, "ada");
		assert.deepEqual(c.perms, { "room-1": ["room:write"], "team-*": ["room:read", "comments:write"] });

		const s = t.screenText();
		// First 12 … last 6, with its length.
		const short = `${token.slice(0, 12)}…${token.slice(-6)}`;
		assert.match(s, new RegExp(`token\\s+${short.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(${token.length} bytes; y copies it\\)`));
		assertHidden(s, token, "the token view");
		assert.match(s, /header\s+alg none · typ JWT · kid -/);
		assert.match(s, /kind\s+access token \(acc\)/);
		assert.match(s, /user\s+ada\b/);
		assert.match(s, /user info\s+\{"name":"Ada"\}/);
		assert.match(s, /issued\s+\d{4}-\d\d-\d\d \d\d:\d\d \(\d+ seconds? ago\)/);
		assert.match(s, /expires\s+\d{4}-\d\d-\d\d \d\d:\d\d \(in (59|60) minutes\)/);
		// The permissions as a table: a header, then a pattern a row.
		const head = rowOf(t, /ROOM PATTERN\s+PERMISSIONS/);
		assert.ok(head.y > 0, t.dump());
		assert.match(t.row(head.y + 1), /│ room-1\s+room:write\s*$/);
		assert.match(t.row(head.y + 2), /│ team-\*\s+room:read, comments:write\s*$/);
		// The expiry to come is not in the error colour.
		const exp = rowOf(t, /expires/);
		const x = exp.text.indexOf("(in");
		assert.notEqual(t.cell(x, exp.y).fg, 1, "a token to come drawn as an error");
		// The message says how much was copied, never the token.
		assert.match(t.row(-1), /token copied \(\d+ bytes\)/);
		assertHidden(t.row(-1), token, "the message line");
	});

	test("identify and the deprecated room token: groups, the room, and the deprecation said", async () => {
		const room = uniq("tokv");
		await createRoom(stack.url, room, { defaultAccesses: [] });
		const t = start(stack.url);
		await t.waitFor("rooms");
		t.command(":token identify bob --group eng --group ops");
		await t.waitFor("ID token for bob");
		await t.waitFor(/groups\s+eng, ops/);
		assert.match(t.screenText(), /kind\s+ID token \(id\)/);
		assert.doesNotMatch(t.screenText(), /deprecated/);
		const id = await copyToken(t);
		assert.deepEqual(claims(id).gids, ["eng", "ops"]);
		assertHidden(t.screenText(), id, "the ID token's view");

		t.command(`:token room ${room} cy`);
		await t.waitFor(`room token for room ${room} as cy`);
		const s = t.screenText();
		assert.match(s, /deprecated\s+POST \/v2\/rooms\/\{roomId\}\/authorize is deprecated: use token authorize or token identify/);
		assert.match(s, new RegExp(`room\\s+${room}`));
		assert.match(s, /user\s+cy\b/);
		const dep = rowOf(t, /is deprecated/);
		assert.equal(t.cell(dep.text.indexOf("POST"), dep.y).fg, 3, "the deprecation in the warning colour");
		const rt = await copyToken(t);
		assert.equal(claims(rt).roomId, room);
		assertHidden(t.screenText(), rt, "the room token's view");
	});

	test("an expired token says so in the error colour; the words follow the clock", async () => {
		const now = Math.floor(Date.now() / 1000);
		let next = () => jwt({ alg: "HS256", typ: "JWT", kid: "key-7" }, { k: "acc", uid: "old", tid: "acme", perms: { "*": ["room:read"] }, iat: now - 3780, exp: now - 180 });
		const srv = await tokenServer(() => next());
		try {
			const t = start(srv.url);
			await t.waitFor("rooms");
			t.command(":token authorize old --room '*=room:read'");
			await t.waitFor("access token for old");
			await t.waitFor(/expires\s+.*\(expired 3 minutes ago\)/);
			const s = t.screenText();
			assert.match(s, /header\s+alg HS256 · typ JWT · kid key-7/);
			assert.match(s, /organization\s+acme/);
			assert.match(s, /issued\s+.*\(1 hour ago\)|issued\s+.*\(63 minutes ago\)/);
			const exp = rowOf(t, /expired 3 minutes ago/);
			const cell = t.cell(exp.text.indexOf("expired"), exp.y);
			assert.equal(cell.fg, 1, "expired not in the error colour");
			assert.ok(cell.bold, "expired not bold");

			// A token that expires in 3 seconds: the words change as time
			// passes, and turn to the error colour when it has expired.
			const soon = Math.floor(Date.now() / 1000) + 3;
			next = () => jwt({ alg: "HS256", typ: "JWT" }, { k: "acc", uid: "soon", perms: { "*": ["room:read"] }, iat: soon - 3600, exp: soon });
			t.command(":token authorize soon --room '*=room:read'");
			await t.waitFor("access token for soon");
			await t.waitFor(/expires\s+.*\(in [1-3] seconds?\)/);
			const to = rowOf(t, /expires/);
			assert.notEqual(t.cell(to.text.indexOf("(in") + 1, to.y).fg, 1);
			await t.waitFor(/expires\s+.*\(expired \d+ seconds? ago\)/, { timeout: 8000 });
			const gone = rowOf(t, /expires/);
			assert.equal(t.cell(gone.text.indexOf("expired"), gone.y).fg, 1);
		} finally {
			await srv.close();
		}
	});

	test("a 422 or a 403 is said clearly and the app goes on", async () => {
		const t = start(stack.url);
		await t.waitFor("rooms");
		await fault({ method: "POST", path: "/v2/identify-user", type: "status", status: 422, count: 1 });
		t.command(":token identify ada");
		// On the message line: the status bar's port may hold the digits.
		await t.waitFor(() => /^422 /.test(t.row(-1)));
		assert.match(t.row(-1), /^422 \S+: Unprocessable Entity/);
		assert.equal(t.cell(0, t.screen().length - 1).fg, 1, "the 422 not in the error colour");
		assert.doesNotMatch(t.screenText(), /ID token for ada/);
		await fault({ method: "POST", path: "/v2/authorize-user", type: "status", status: 403, count: 1 });
		t.command(":token authorize ada --room r=room:read");
		await t.waitFor(() => /^403 /.test(t.row(-1)));
		assert.match(t.row(-1), /^403 \S+: Forbidden/);
		assert.doesNotMatch(t.screenText(), /access token for ada/);
		// Still running: the next one works.
		t.command(":token authorize ada --room r=room:read");
		await t.waitFor("access token for ada");
		await t.waitIdle();
		assert.equal(await t.exit(), 0);
	});

	test("the token is in no message, request log, history or file", async () => {
		const home = makeHome();
		const t = start(stack.url, { home });
		await t.waitFor("rooms");
		t.command(":token authorize ada --room room-1=room:write");
		await t.waitFor("access token for ada");
		const token = await copyToken(t);
		t.command(":token identify ada --group eng");
		await t.waitFor("ID token for ada");
		const id = await copyToken(t);

		t.command(":messages");
		await t.waitFor(/token copied/);
		for (const tok of [token, id])
			assertHidden(t.screenText(), tok, ":messages");
		t.write("q");
		t.write("@");
		await t.waitFor(/identify-user/);
		await t.waitFor(/authorize-user/);
		for (const tok of [token, id])
			assertHidden(t.screenText(), tok, "the request log");
		// Each request opened: its curl command, with the body it sent.
		for (const ep of ["identify-user", "authorize-user"]) {
			while (!cursorLine(t).includes(ep)) {
				t.key("Down");
				await t.waitIdle();
			}
			t.key("Enter");
			await t.waitFor(/as curl/);
			await t.waitFor(new RegExp(`curl .*${ep}`));
			for (const tok of [token, id])
				assertHidden(t.screenText(), tok, `the request to ${ep}`);
			t.write("q");
			await t.waitFor(/Enter: as curl/);
		}
		await t.waitIdle();
		assert.equal(await t.exit(), 0);
		assertHidden(t.output.replace(OSC52, ""), token, "the terminal, but for the clipboard");

		const files = filesUnder(home);
		const history = files.find(([p]) => p.endsWith(path.join("lbtui", "history")));
		assert.ok(history, `a history file among ${files.map(([p]) => p)}`);
		assert.match(history[1].replace(/\\040/g, " "), /token authorize ada --room room-1=room:write/);
		for (const [p, text] of files)
			for (const tok of [token, id])
				assertHidden(text, tok, p);
	});
});
