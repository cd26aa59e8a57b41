// The thread view on the screen, against the emulator seeded with the
// official SDK (@liveblocks/node): a rich thread read with its styles
// checked cell by cell, group members on demand, every write made through
// the view's keys (each checked on the server), a long thread scrolled,
// wide characters wrapped whole, :export; and a hostile server for what the
// emulator cannot seed (attachments, escape sequences in every string).

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { SECRET, createRoom, makeHome, rest, serverEnv, spawnLbtui, tempDir, uniq } from "./harness.mjs";

let stack;
let lb;
const running = [];

before(async () => {
	stack = await startStack();
	lb = new Liveblocks({ secret: SECRET, baseUrl: stack.url });
	await lb.createGroup({ groupId: "eng", memberIds: ["ada", "bob"] });
});

after(async () => {
	for (const t of running)
		await t.close();
	if (stack)
		await stack.stop();
});

const para = (...children) => ({ type: "paragraph", children });
const body = (...paragraphs) => ({ version: 1, content: paragraphs });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A home whose profile writes as ada, on the emulator. */
function adaHome() {
	const home = makeHome();
	fs.writeFileSync(path.join(home, ".config", "lbtui", "config"),
		`profile = local\n[profile local]\nsecret = ${SECRET}\nbase_url = ${stack.url}\nuser = ada\n`,
		{ mode: 0o600 });
	return home;
}

/** lbtui on the screen; opts.home: a home with a profile (else the env). */
function start(opts = {}) {
	const env = opts.home ? { ...(opts.env || {}) } : serverEnv(stack.url, opts.env || {});
	const t = spawnLbtui({ cols: opts.cols ?? 100, rows: opts.rows ?? 40, home: opts.home, env });
	running.push(t);
	return t;
}

/** Open the thread view with :thread show, and wait until it shows. */
async function openThread(t, room, thread) {
	await t.waitFor("Press : for commands");
	await t.waitIdle();
	t.command(`:thread show ${room} ${thread}`);
	await t.waitFor(`Thread ${thread}`);
	await t.waitIdle();
}

/** Where text first shows on the screen: {x, y} (an ASCII row: columns are
 * characters), or null. */
function find(t, text, from = 0) {
	const s = t.screen();
	for (let y = from; y < s.length; y++) {
		const x = s[y].indexOf(text);
		if (x >= 0)
			return { x, y };
	}
	return null;
}

/** The style of the cell at x, y, as xterm holds it. */
function style(t, x, y) {
	const buf = t.term.buffer.active;
	const c = buf.getLine(buf.viewportY + y).getCell(x);
	return {
		bold: !!c.isBold(),
		italic: !!c.isItalic(),
		dim: !!c.isDim(),
		underline: !!c.isUnderline(),
		fg: c.isFgDefault() ? "default" : c.getFgColor(),
	};
}

/** The style of every cell of text where it first shows, all alike. */
function styleOf(t, text, from = 0) {
	const at = find(t, text, from);
	assert.ok(at, `${text} is not on the screen\n${t.dump()}`);
	const first = style(t, at.x, at.y);
	for (let i = 1; i < text.length; i++)
		assert.deepEqual(style(t, at.x + i, at.y), first, `${text}: cell ${i} differs`);
	return first;
}

/** A rich thread by ada: every style, a link, mentions, an edited reply
 * by bob, a deleted comment, reactions by two users. */
async function seedRich(room) {
	const th = await lb.createThread({
		roomId: room,
		data: {
			metadata: { status: "open" },
			comment: {
				userId: "ada",
				body: body(
					para({ text: "plain " }, { text: "bold", bold: true }, { text: " " }, { text: "ital", italic: true },
						{ text: " " }, { text: "both", bold: true, italic: true }, { text: " " },
						{ text: "gone", strikethrough: true }, { text: " " }, { text: "fn()", code: true }),
					para({ text: "read " }, { type: "link", url: "https://liveblocks.io/docs", text: "the docs" },
						{ text: " with " }, { type: "mention", kind: "user", id: "bob" }, { text: " and " },
						{ type: "mention", kind: "group", id: "eng" }, { text: " and " },
						{ type: "mention", kind: "group", id: "ghost" })),
			},
		},
	});
	const first = th.comments[0];
	const edited = await lb.createComment({ roomId: room, threadId: th.id, data: { userId: "bob", body: body(para({ text: "first draft" })) } });
	await lb.editComment({ roomId: room, threadId: th.id, commentId: edited.id, data: { body: body(para({ text: "second thoughts" })) } });
	const gone = await lb.createComment({ roomId: room, threadId: th.id, data: { userId: "carol", body: body(para({ text: "regrettable" })) } });
	await lb.deleteComment({ roomId: room, threadId: th.id, commentId: gone.id });
	await lb.addCommentReaction({ roomId: room, threadId: th.id, commentId: first.id, data: { emoji: "👍", userId: "ada" } });
	await lb.addCommentReaction({ roomId: room, threadId: th.id, commentId: first.id, data: { emoji: "👍", userId: "bob" } });
	return { thread: th, first, edited, gone };
}

/**
 * Wait for what, drawn whole. xterm-headless counts an emoji such as 👍
 * as one column where curses (and a terminal of today) count two, so a
 * line curses updates in part after one is one column off there: the
 * screen is drawn again (Ctrl-L) before what is read off it.
 */
async function seeRedrawn(t, what) {
	await t.waitIdle();
	t.key("Ctrl-L");
	return t.waitFor(what);
}

/** Requests the emulator received for METHOD PATH. */
async function count(method, p) {
	return (await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(p)}`)).body.count;
}

describe("reading a thread", () => {
	test("every style of a body is drawn with its attributes; edited, deleted and reactions marked", async () => {
		const room = uniq("tv-read");
		await createRoom(stack.url, room);
		const { thread, first, edited, gone } = await seedRich(room);
		const t = start();
		await openThread(t, room, thread.id);
		await seeRedrawn(t, "👍 2 ada, bob");
		const screen = t.screenText();
		assert.match(screen, new RegExp(`Thread ${thread.id}  in room ${room}`));
		assert.match(screen, /unresolved · 2 comments · public/);
		assert.match(screen, /metadata: status=open/);
		assert.match(screen, new RegExp(`ada  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  ${first.id}`));

		// Styles, each in its element, nested ones combined.
		const plain = styleOf(t, "plain");
		assert.deepEqual({ ...plain }, { bold: false, italic: false, dim: false, underline: false, fg: plain.fg });
		assert.deepEqual(styleOf(t, "bold"), { ...plain, bold: true });
		assert.deepEqual(styleOf(t, "ital"), { ...plain, italic: true });
		assert.deepEqual(styleOf(t, "both"), { ...plain, bold: true, italic: true });
		assert.deepEqual(styleOf(t, "gone"), { ...plain, dim: true });
		const code = styleOf(t, "fn()");
		assert.notEqual(code.fg, plain.fg, "code has a colour of its own");
		const link = styleOf(t, "the docs");
		assert.equal(link.underline, true);
		assert.notEqual(styleOf(t, "[1]").fg, plain.fg);
		assert.match(screen, /\[1\] https:\/\/liveblocks\.io\/docs/);
		const user = styleOf(t, "@bob");
		const group = styleOf(t, "@eng");
		assert.equal(user.bold, true);
		assert.equal(group.bold, true);
		assert.notEqual(user.fg, plain.fg);
		assert.notEqual(group.fg, plain.fg);
		assert.notEqual(user.fg, group.fg, "user and group mentions differ");

		// Reactions with counts and who; the edit and the tombstone.
		assert.match(screen, /👍 2 ada, bob/);
		assert.match(screen, new RegExp(`bob  [-0-9: ]+  \\(edited [-0-9: ]+\\)  ${edited.id}`));
		assert.match(screen, /second thoughts/);
		assert.match(screen, new RegExp(`carol  [-0-9: ]+  ${gone.id}\\n[^\\n]*\\s+deleted \\d{4}-`));
		assert.doesNotMatch(screen, /regrettable/);
		const author = find(t, `ada  ${new Date().getFullYear()}`) ?? find(t, "ada  2");
		assert.equal(style(t, author.x, author.y).bold, true, "the author stands out");
		assert.notEqual(style(t, author.x, author.y).fg, plain.fg);
	});

	test("a group mention's members on demand; a group that does not exist says so", async () => {
		const room = uniq("tv-grp");
		await createRoom(stack.url, room);
		const { thread } = await seedRich(room);
		const t = start();
		await openThread(t, room, thread.id);
		assert.equal(await count("GET", "/v2/groups/eng"), 0);
		t.write("m");
		await t.waitFor("@eng: 2 members ada, bob");
		await t.waitFor("@ghost: group not found");
		assert.equal(await count("GET", "/v2/groups/eng"), 1);
		assert.equal(await count("GET", "/v2/groups/ghost"), 1);
		// Below the comment that mentions them, in the group's colour.
		const mention = find(t, "@eng and");
		const members = find(t, "@eng: 2 members");
		assert.ok(members.y > mention.y);
		assert.equal(style(t, members.x, members.y).fg, style(t, mention.x, mention.y).fg);
	});

	test("a long thread scrolls; the arrows select the next comment and the view follows", async () => {
		const room = uniq("tv-long");
		await createRoom(stack.url, room);
		const th = await lb.createThread({ roomId: room, data: { comment: { userId: "ada", body: body(para({ text: "comment number 1" })) } } });
		for (let i = 2; i <= 25; i++)
			await lb.createComment({ roomId: room, threadId: th.id, data: { userId: i % 2 ? "ada" : "bob", body: body(para({ text: `comment number ${i}` })) } });
		const t = start({ cols: 80, rows: 24 });
		await openThread(t, room, th.id);
		assert.match(t.row(-2), /comment 1 of 25/);
		assert.ok(!t.screenText().includes("comment number 25"));
		t.key("End");
		await t.waitFor("comment number 25");
		assert.match(t.row(-2), /comment 25 of 25/);
		assert.ok(!t.screenText().includes(`Thread ${th.id}`));
		t.key("Home");
		await t.waitFor(`Thread ${th.id}`);
		assert.match(t.row(-2), /comment 1 of 25/);
		// PgDn scrolls a page: what was at the bottom is near the top.
		const lastShown = t.screen().slice(1, -2).filter((r) => /comment number \d+/.test(r)).pop().match(/\d+/)[0];
		t.key("PgDn");
		await t.waitFor((s) => !s.includes(`Thread ${th.id}`));
		await t.waitIdle();
		assert.ok(t.screenText().includes(`comment number ${Number(lastShown) + 1}`));
		// Down selects the next comment; at the bottom of the window it
		// scrolls it into view, marked with the bar.
		t.key("Home");
		await t.waitFor(`Thread ${th.id}`);
		for (let i = 0; i < 9; i++)
			t.key("Down");
		await t.waitFor((s) => /comment 10 of 25/.test(s));
		await t.waitIdle();
		const row = find(t, "comment number 10");
		assert.ok(row, t.dump());
		assert.equal(t.screen()[row.y][0], "▌");
		assert.notEqual(t.screen()[find(t, "comment number 9").y]?.[0], "▌");
		// j scrolls by a line, and a selection scrolled off follows.
		for (let i = 0; i < 30; i++)
			t.write("j");
		await t.waitIdle();
		assert.doesNotMatch(t.row(-2), /comment 10 of 25/);
	});

	test("a line of wide characters wraps at the width without splitting one", async () => {
		const room = uniq("tv-wide");
		await createRoom(stack.url, room);
		const text = "日本語のテキストがとても長い行で折り返されるかどうかを確認するための文章です。漢字と仮名が混ざった行。";
		const th = await lb.createThread({ roomId: room, data: { comment: { userId: "ada", body: body(para({ text: `wide ${text}` })) } } });
		const t = start({ cols: 60, rows: 24 });
		await openThread(t, room, th.id);
		const s = t.screen();
		const y = s.findIndex((r) => r.includes("wide "));
		const rows = [s[y], s[y + 1], s[y + 2]].map((r) => r.trim()).filter((r) => r && !/^[▌]$/.test(r));
		const joined = rows.map((r) => r.replace(/^▌\s*/, "")).join("");
		assert.equal(joined, `wide ${text}`, t.dump());
		assert.ok(rows.length >= 2, "it wraps");
		// Every cell of the body rows is whole: a wide character is never cut
		// at the edge (xterm would show it on the next row instead).
		for (const r of [y, y + 1]) {
			const buf = t.term.buffer.active;
			const line = buf.getLine(buf.viewportY + r);
			for (let x = 0; x < 60; x++) {
				const c = line.getCell(x);
				if (c.getWidth() === 2)
					assert.ok(x + 1 < 60);
			}
		}
	});
});

describe("writing through the view", () => {
	test("reply, edit, delete a comment, resolve, react, metadata, subscribe, delete the thread", async () => {
		const room = uniq("tv-write");
		await createRoom(stack.url, room);
		const { thread, first } = await seedRich(room);
		const dir = tempDir("lbtui-tv-");
		const editor = path.join(dir, "editor.sh");
		fs.writeFileSync(editor, "#!/bin/sh\nsed -i 's/typed on the line/changed in the editor/' \"$1\"\n", { mode: 0o755 });
		const home = adaHome();
		const t = start({ home, env: { VISUAL: "", EDITOR: editor } });
		await openThread(t, room, thread.id);
		const server = () => lb.getThread({ roomId: room, threadId: thread.id });

		// c: a reply, typed on the command line as markdown; asked first.
		t.write("c");
		await t.waitFor(`:comment add ${room} ${thread.id} ''`);
		t.write("a **reply** typed on the line\r");
		await t.waitFor("Send it? [y/N]");
		t.write("y");
		await t.waitFor(/unresolved · 3 comments/);
		await t.waitFor("a reply typed on the line");
		let th = await server();
		const reply = th.comments.at(-1);
		assert.equal(reply.userId, "ada");
		assert.deepEqual(reply.body.content[0].children[1], { text: "reply", bold: true });
		await t.waitIdle();
		assert.equal(styleOf(t, "reply", find(t, "a reply").y).bold, true);
		assert.equal(styleOf(t, "typed on the line").bold, false);

		// e: the selected comment (End selects the last) in $EDITOR.
		t.key("End");
		await t.waitFor(/comment 4 of 4/);
		t.write("e");
		await t.waitFor("Send it? [y/N]");
		assert.match(t.screenText(), /changed in the editor/, "the preview shows the new text");
		t.write("y");
		await t.waitFor(new RegExp(`\\(edited [-0-9: ]+\\)  ${reply.id}`));
		assert.match(t.screenText(), /a reply changed in the editor/);
		th = await server();
		assert.equal(th.comments.at(-1).id, reply.id);
		assert.ok(th.comments.at(-1).editedAt);

		// d: deleted, after the question; a tombstone stays.
		t.write("d");
		await t.waitFor("Delete it permanently? It cannot be undone [y/N]");
		t.write("y");
		await t.waitFor(new RegExp(`${reply.id}\\n[^\\n]*\\s+deleted `));
		th = await server();
		assert.ok(th.comments.at(-1).deletedAt);

		// R: resolved, and R again: unresolved.
		t.write("R");
		await t.waitFor(/\sresolved · /);
		assert.equal((await server()).resolved, true);
		t.write("R");
		await t.waitFor(/\sunresolved · /);
		assert.equal((await server()).resolved, false);

		// +: the picker on the first comment; ada's 👍 is offered back.
		t.key("Home");
		await t.waitFor(/comment 1 of 4/);
		t.write("+");
		await t.waitFor("React as ada");
		await seeRedrawn(t, /👍  unreact \(you reacted\)/);
		assert.match(t.screenText(), /👎  react/);
		t.write("j");
		t.key("Enter");
		await t.waitFor(/added 👎 to comment/);
		await seeRedrawn(t, /👎 1 ada/);
		th = await server();
		assert.deepEqual(th.comments[0].reactions.find((r) => r.emoji === "👎").users.map((u) => u.id), ["ada"]);
		t.write("+");
		await t.waitFor("React as ada");
		await seeRedrawn(t, /👎  unreact \(you reacted\)/);
		t.key("Enter"); // 👍, which ada had: taken back
		await t.waitFor(/removed 👍 from comment/);
		await seeRedrawn(t, /👍 1 bob/);
		th = await server();
		assert.deepEqual(th.comments[0].reactions.find((r) => r.emoji === "👍").users.map((u) => u.id), ["bob"]);
		// Esc closes it and sends nothing.
		const posts = await count("POST", `/v2/rooms/${room}/threads/${thread.id}/comments/${first.id}/add-reaction`);
		t.write("+");
		await t.waitFor("React as ada");
		t.key("Esc");
		await t.waitForGone("React as ada");
		assert.equal(await count("POST", `/v2/rooms/${room}/threads/${thread.id}/comments/${first.id}/add-reaction`), posts);

		// M: metadata on the command line.
		t.write("M");
		await t.waitFor(`:thread metadata ${room} ${thread.id} --set `);
		t.write("priority=3\r");
		await t.waitFor(/metadata: status=open, priority=3/);
		assert.deepEqual((await server()).metadata, { status: "open", priority: 3 });

		// s: a subscription; S shows who is subscribed, kept current.
		t.write("S");
		await t.waitFor(/subscribers: ada\b/);
		t.write("s");
		await t.waitFor(`:thread subscribe ${room} ${thread.id} --user `);
		t.write("dora\r");
		await t.waitFor(/subscribers: .*dora/);
		const subs = await lb.getThreadSubscriptions({ roomId: room, threadId: thread.id });
		assert.ok(subs.data.some((s) => s.userId === "dora"));

		// D: the thread, after the question.
		t.write("D");
		await t.waitFor("Delete it permanently? It cannot be undone [y/N]");
		t.write("y");
		await t.waitFor("This thread is gone");
		assert.equal((await rest(stack.url, "GET", `/v2/rooms/${room}/threads/${thread.id}`)).status, 404);
	});

	test("C replies in $EDITOR with the screen put back after", async () => {
		const room = uniq("tv-editor");
		await createRoom(stack.url, room);
		const th = await lb.createThread({ roomId: room, data: { comment: { userId: "bob", body: body(para({ text: "ping" })) } } });
		const dir = tempDir("lbtui-tv-");
		const editor = path.join(dir, "editor.sh");
		fs.writeFileSync(editor, "#!/bin/sh\nprintf 'pong from **the** editor @{group:eng}\\n' > \"$1\"\n", { mode: 0o755 });
		const t = start({ home: adaHome(), env: { VISUAL: "", EDITOR: editor } });
		await openThread(t, room, th.id);
		t.write("C");
		await t.waitFor("Send it? [y/N]");
		assert.ok(t.altScreen(), "the screen is back after $EDITOR");
		t.write("y");
		await t.waitFor("pong from the editor @eng");
		const got = await lb.getThread({ roomId: room, threadId: th.id });
		assert.deepEqual(got.comments[1].body.content[0].children.map((c) => c.type ?? "text"), ["text", "text", "text", "mention"]);
		assert.equal(got.comments[1].body.content[0].children[3].kind, "group");
	});

	test("without user = in the profile, the picker leaves the command for --as", async () => {
		const room = uniq("tv-noas");
		await createRoom(stack.url, room);
		const th = await lb.createThread({ roomId: room, data: { comment: { userId: "bob", body: body(para({ text: "hello" })) } } });
		const t = start();
		await openThread(t, room, th.id);
		t.write("+");
		await t.waitFor("React as ?");
		t.key("Enter");
		await t.waitFor(`:comment react ${room} ${th.id} ${th.comments[0].id} '👍' --as `);
		t.write("eve\r");
		await t.waitFor(/added 👍 to comment/);
		await seeRedrawn(t, /👍 1 eve/);
	});
});

test(":export writes the thread as Markdown or as the API's JSON", async () => {
	const room = uniq("tv-export");
	await createRoom(stack.url, room);
	const { thread, edited } = await seedRich(room);
	const dir = tempDir("lbtui-tv-export-");
	const t = start();
	await openThread(t, room, thread.id);
	const md = path.join(dir, "thread.md");
	t.command(`:export ${md}`);
	await t.waitFor(`wrote thread ${thread.id} (3 comments, Markdown) to`);
	const text = fs.readFileSync(md, "utf8");
	assert.match(text, new RegExp(`^# Thread ${thread.id}\n\n- Room: ${room}\n- Status: unresolved\n`));
	assert.match(text, /- Metadata: status=open\n/);
	assert.match(text, /\n## ada · [-0-9: ]+\n/);
	assert.match(text, /plain \*\*bold\*\* _ital_ \*\*_both_\*\* ~~gone~~ `fn\(\)`\n\nread \[the docs\]\[1\] with @bob and @eng and @ghost\n/);
	assert.match(text, /\nReactions: 👍 2 \(ada, bob\)\n/);
	assert.match(text, /\n\[1\]: <https:\/\/liveblocks\.io\/docs>\n/);
	assert.match(text, new RegExp(`\n## bob · [-0-9: ]+ · edited [-0-9: ]+\n\n<!-- comment ${edited.id} -->\n\nsecond thoughts\n`));
	assert.match(text, /\n## carol · [-0-9: ]+ · deleted [-0-9: ]+\n[^]*_\(deleted [-0-9: ]+\)_\n/);
	assert.doesNotMatch(text, /regrettable/);
	// Not over a file that exists, unless --force.
	t.command(`:export ${md}`);
	await t.waitFor(/exists/);
	const json = path.join(dir, "thread.json");
	t.command(`:export ${json}`);
	await t.waitFor(`wrote thread ${thread.id} (3 comments, JSON) to`);
	const api = await rest(stack.url, "GET", `/v2/rooms/${room}/threads/${thread.id}`);
	assert.deepEqual(JSON.parse(fs.readFileSync(json, "utf8")), api.body);
	t.command(`:export ${path.join(dir, "thread.csv")}`);
	await t.waitFor("export a thread to FILE.md (Markdown) or FILE.json");
});

test("attachments are listed; escape sequences in every string are shown, never run", async () => {
	const ESC = "\u001b";
	const thread = {
		type: "thread", id: "th_1", roomId: "r1", createdAt: "2026-01-01T10:00:00.000Z", updatedAt: "2026-01-01T10:00:00.000Z",
		resolved: false, visibility: "public", metadata: { [`k${ESC}[31m`]: `v${ESC}]0;pwned${ESC}\\` },
		comments: [{
			type: "comment", id: "cm_1", threadId: "th_1", roomId: "r1", userId: `mal${ESC}[2Jory`,
			createdAt: "2026-01-01T10:00:00.000Z", metadata: {},
			reactions: [{ emoji: `${ESC}[5m👍`, createdAt: "2026-01-01T10:00:00.000Z", users: [{ id: `u${ESC}[7m1` }] }],
			attachments: [
				{ type: "attachment", id: "at_1", name: "report.pdf", mimeType: "application/pdf", size: 2048 },
				{ type: "attachment", id: "at_2", name: `evil${ESC}[31m.png`, mimeType: "image/png", size: 10 },
			],
			body: body(para({ text: `red${ESC}[31mtext and a bell\u0007` }, { type: "link", url: `https://x.test/${ESC}[1m`, text: `li${ESC}[4mnk` })),
		}],
	};
	const server = http.createServer((req, res) => {
		res.setHeader("Content-Type", "application/json");
		if (req.url.startsWith("/v2/rooms/r1/threads/th_1"))
			res.end(JSON.stringify(thread));
		else if (req.url.startsWith("/v2/rooms"))
			res.end(JSON.stringify({ data: [], nextCursor: null }));
		else {
			res.statusCode = 404;
			res.end(JSON.stringify({ error: "NOT_FOUND", message: "no" }));
		}
	});
	await new Promise((r) => server.listen(0, "127.0.0.1", r));
	try {
		const t = spawnLbtui({ cols: 120, rows: 30, env: serverEnv(`http://127.0.0.1:${server.address().port}`) });
		running.push(t);
		await openThread(t, "r1", "th_1");
		const screen = t.screenText();
		assert.match(screen, /attachment report\.pdf  application\/pdf  2\.0 KiB/);
		assert.match(screen, /attachment evil.\[31m\.png  image\/png  10 bytes/);
		assert.match(screen, /mal.\[2Jory/);
		assert.match(screen, /red.\[31mtext and a bell/);
		assert.doesNotMatch(t.output, /\x1b\]0;pwned/);
		// Nothing after the placeholder turned red.
		const at = find(t, "text and a bell");
		assert.equal(style(t, at.x, at.y).fg, style(t, find(t, "red").x, at.y).fg);
	} finally {
		server.close();
	}
});
