// thread export in batch mode, against the emulator, seeded with the
// official SDK (@liveblocks/node): a thread written to Markdown that a
// Markdown renderer reads as the comments were styled, to JSON that is
// the API's thread, never over a file without --force, and refusals that
// send nothing.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { marked } from "marked";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, rest, runBatch, serverEnv, tempDir, uniq } from "./harness.mjs";

let stack;
let env;
let lb;
let dir;
const ROOM = uniq("exp");

const para = (...children) => ({ type: "paragraph", children });
const body = (...paragraphs) => ({ version: 1, content: paragraphs });

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	lb = new Liveblocks({ secret: "sk_localdev", baseUrl: stack.url });
	await createRoom(stack.url, ROOM);
	dir = tempDir("lbtui-export-");
});

after(async () => {
	if (stack)
		await stack.stop();
	if (dir)
		fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A thread by alice (every style, a link, a mention, text that looks like
 * Markdown), an edited reply by bob with a reaction, and a deleted reply.
 */
async function seedThread() {
	const th = await lb.createThread({
		roomId: ROOM,
		data: {
			comment: {
				userId: "alice",
				body: body(
					para({ text: "Hello " }, { text: "bold", bold: true }, { text: " " },
						{ text: "it", italic: true }, { text: " " }, { text: "gone", strikethrough: true },
						{ text: " " }, { text: "x = 1", code: true }, { text: " " },
						{ text: "both", bold: true, italic: true }),
					para({ text: "a *literal* star, # not a heading, [not](a link)" }),
					para({ text: "ask " }, { type: "mention", kind: "user", id: "bob" }, { text: ", see " },
						{ type: "link", url: "https://liveblocks.io", text: "docs" })),
			},
			metadata: { status: "open", priority: 2 },
		},
	});
	const reply = await lb.createComment({
		roomId: ROOM, threadId: th.id, data: { userId: "bob", body: body(para({ text: "first version" })) },
	});
	await lb.editComment({
		roomId: ROOM, threadId: th.id, commentId: reply.id, data: { body: body(para({ text: "on it" })) },
	});
	await lb.addCommentReaction({
		roomId: ROOM, threadId: th.id, commentId: reply.id, data: { emoji: "👍", userId: "carol" },
	});
	const gone = await lb.createComment({
		roomId: ROOM, threadId: th.id, data: { userId: "dan", body: body(para({ text: "oops" })) },
	});
	await lb.deleteComment({ roomId: ROOM, threadId: th.id, commentId: gone.id });
	return { thread: th, reply, gone };
}

const lbtui = (line, ...more) => runBatch(["-e", line, ...more], env);

/** Requests the emulator received for METHOD PATH. */
async function count(method, p) {
	return (await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(p)}`)).body.count;
}

describe("thread export", () => {
	test("Markdown: the thread and its comments, styled as they were", async () => {
		const { thread, reply, gone } = await seedThread();
		const file = path.join(dir, "thread.md");
		const r = await lbtui(`thread export ${ROOM} ${thread.id} ${file}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`^exported thread ${thread.id} of room ${ROOM} to ${file} \\(\\d+ bytes\\)\n$`));
		const md = fs.readFileSync(file, "utf8");
		const api = (await rest(stack.url, "GET", `/v2/rooms/${ROOM}/threads/${thread.id}`)).body;
		assert.ok(md.startsWith(`# Thread \`${thread.id}\` in room \`${ROOM}\`\n\n- Resolved: no\n` +
			`- Created: ${api.createdAt}\n- Updated: ${api.updatedAt}\n` +
			"- Metadata: `status` = `\"open\"`, `priority` = `2`\n"), md);
		assert.ok(md.includes(`\n## alice, ${api.comments[0].createdAt} (\`${api.comments[0].id}\`)\n\n` +
			"Hello **bold** _it_ ~~gone~~ `x = 1` **_both_**\n\n"), md);
		assert.ok(md.includes(`\n## bob, ${api.comments[1].createdAt}, edited ${api.comments[1].editedAt} ` +
			`(\`${reply.id}\`)\n\non it\n\nReactions: 👍 1 (carol)\n`), md);
		assert.ok(md.includes(`\n## dan, ${api.comments[2].createdAt}, deleted ${api.comments[2].deletedAt} ` +
			`(\`${gone.id}\`)\n\n_This comment was deleted._\n`), md);
		assert.ok(!md.includes("oops") && !md.includes("first version"));

		// What a Markdown renderer makes of it.
		const html = marked.parse(md);
		assert.match(html, new RegExp(`<h1>Thread <code>${thread.id}</code> in room <code>${ROOM}</code></h1>`));
		assert.match(html, /<p>Hello <strong>bold<\/strong> <em>it<\/em> <del>gone<\/del> <code>x = 1<\/code> <strong><em>both<\/em><\/strong><\/p>/);
		assert.match(html, /<p>a \*literal\* star, # not a heading, \[not\]\(a link\)<\/p>/);
		assert.match(html, /<p>ask @bob, see <a href="https:\/\/liveblocks.io">docs<\/a><\/p>/);
		assert.match(html, /<h2>bob, .*, edited .*<\/h2>/);
		assert.match(html, /<p><em>This comment was deleted.<\/em><\/p>/);
	});

	test("JSON: the API's thread, and never over a file without --force", async () => {
		const { thread } = await seedThread();
		const file = path.join(dir, "thread.json");
		const threadPath = `/v2/rooms/${ROOM}/threads/${thread.id}`;
		let r = await lbtui(`thread export ${ROOM} ${thread.id} ${file}`);
		assert.equal(r.code, 0, r.stderr);
		const api = (await rest(stack.url, "GET", threadPath)).body;
		assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { data: [api] });

		// An existing file: refused before anything is asked of the server.
		fs.writeFileSync(file, "keep me");
		const gets = await count("GET", threadPath);
		r = await lbtui(`thread export ${ROOM} ${thread.id} ${file}`);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /exists: add --force to overwrite it/);
		assert.equal(fs.readFileSync(file, "utf8"), "keep me");
		assert.equal(await count("GET", threadPath), gets);

		// --force writes over it; read-only mode exports too (it changes
		// nothing in the project). --json keeps stdout for JSON.
		r = await runBatch(["--read-only", "-e", `thread export ${ROOM} ${thread.id} ${file} --force`, "--json"], env);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stdout, "");
		assert.match(r.stderr, /exported thread/);
		assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")).data[0].id, thread.id);
	});

	test("refused: a file that is neither .md nor .json, a thread that is not there", async () => {
		const { thread } = await seedThread();
		const txt = path.join(dir, "thread.txt");
		let r = await lbtui(`thread export ${ROOM} ${thread.id} ${txt}`);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /should end in \.md \(Markdown\) or \.json/);
		assert.ok(!fs.existsSync(txt));

		const md = path.join(dir, "missing.md");
		r = await lbtui(`thread export ${ROOM} th_missing ${md}`);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /404|not found/i);
		assert.ok(!fs.existsSync(md));
	});
});
