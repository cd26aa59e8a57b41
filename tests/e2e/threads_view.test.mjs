// A room's threads on the screen, against the emulator seeded with the
// official SDK (@liveblocks/node): the list and what it shows, opening it
// from the room, and the writes its keys start (create, resolve, metadata,
// delete), checked on the server.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, cursorLine, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

let stack;
let env;
let lb;
const running = [];

const para = (...children) => ({ version: 1, content: [{ type: "paragraph", children }] });

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url, { LBTUI_USER: "" });
	lb = new Liveblocks({ secret: "sk_localdev", baseUrl: stack.url });
});

after(async () => {
	for (const t of running)
		await t.close();
	if (stack)
		await stack.stop();
});

function start(opts = {}) {
	const t = spawnLbtui({ cols: 120, rows: 30, ...opts, env: { ...env, ...opts.env } });
	running.push(t);
	return t;
}

/** A room with three threads: an old resolved one with metadata, one with
 * a reply and a reaction, and the newest by carol. */
async function seedRoom() {
	const room = uniq("tv");
	await createRoom(stack.url, room);
	const mk = async (userId, text, extra = {}) =>
		lb.createThread({ roomId: room, data: { comment: { userId, body: para({ text }) }, ...extra } });
	const old = await mk("alice", "Old question", { metadata: { status: "closed", priority: 3 } });
	await lb.markThreadAsResolved({ roomId: room, threadId: old.id, data: { userId: "alice" } });
	const busy = await mk("bob", "Busy thread");
	const reply = await lb.createComment({ roomId: room, threadId: busy.id, data: { userId: "alice", body: para({ text: "a reply" }) } });
	await lb.addCommentReaction({ roomId: room, threadId: busy.id, commentId: reply.id, data: { emoji: "👍", userId: "carol" } });
	const fresh = await mk("carol", "Newest thread");
	return { room, old, busy, fresh };
}

/** The row of the list that holds text, and its y. */
function rowOf(t, text) {
	const s = t.screen();
	const y = s.findIndex((r) => r.includes(text));
	return { y, text: s[y] };
}

describe("the threads of a room on the screen", { concurrency: 1 }, () => {
	test(":threads ROOM lists them newest first with author, first line, counts and state", async () => {
		const { room } = await seedRoom();
		const t = start({ cols: 200 });
		await t.waitFor("rooms");
		t.command(`:threads ${room}`);
		await t.waitFor("3 threads, 2 open");
		const s = t.screenText();
		assert.match(s, /AUTHOR\s+FIRST LINE\s+#\s+REACT\s+STATE/);
		const fresh = rowOf(t, "Newest thread"), busy = rowOf(t, "Busy thread"), old = rowOf(t, "Old question");
		assert.ok(fresh.y < busy.y && busy.y < old.y, t.dump());
		assert.match(busy.text, /bob\s+Busy thread\s+2\s+1\s+open/);
		assert.match(old.text, /alice\s+Old question\s+1\s+resolved\s+status=closed/);
		// A resolved thread's state is muted; an open one's is not.
		const stateX = (r) => r.text.indexOf(r.text.includes("resolved") ? "resolved" : "open");
		assert.ok(t.cell(stateX(old), old.y).dim, "resolved not muted");
		assert.ok(!t.cell(stateX(busy), busy.y).dim, "open muted");
		// Enter reads the selected thread; q comes back to the list.
		t.key("Down");
		await t.waitIdle();
		t.key("Enter");
		await t.waitFor("a reply");
		assert.match(t.row(0), /threads .*› .*Busy thread|thread/);
		t.write("q");
		await t.waitFor("3 threads, 2 open");
	});

	test("t in a room opens its threads; --unresolved filters on the server", async () => {
		const { room } = await seedRoom();
		const t = start();
		await t.waitFor("rooms");
		t.command(`:room show ${room}`);
		await t.waitFor("t threads");
		t.write("t");
		await t.waitFor("3 threads, 2 open");
		t.command(`:threads ${room} --unresolved`);
		await t.waitFor("2 threads, 2 open");
		assert.ok(!t.screenText().includes("Old question"), t.dump());
		assert.match(t.row(0), /threads .* resolved:false/);
		// q goes back to every thread.
		t.write("q");
		await t.waitFor("3 threads, 2 open");
	});

	test("x resolves the selected thread, m sets metadata, as the user given", async () => {
		const { room, fresh } = await seedRoom();
		const t = start();
		await t.waitFor("rooms");
		t.command(`:threads ${room}`);
		await t.waitFor("Newest thread");
		t.write("x");
		await t.waitFor(`thread resolve ${room} ${fresh.id}`);
		t.command(" --as mod");
		await t.waitFor((s) => /Newest thread\s+1\s+resolved/.test(s), { timeout: 8000 });
		assert.equal((await lb.getThread({ roomId: room, threadId: fresh.id })).resolved, true);
		t.write("m");
		await t.waitFor(`thread metadata ${room} ${fresh.id} --set`);
		t.command("status=done --as mod");
		await t.waitFor("status=done", { timeout: 8000 });
		assert.deepEqual((await lb.getThread({ roomId: room, threadId: fresh.id })).metadata, { status: "done" });
		t.write("x");
		await t.waitFor(`thread unresolve ${room} ${fresh.id}`);
	});

	test("c starts a thread and d deletes one after asking, keeping it first", async () => {
		const { room, busy } = await seedRoom();
		const t = start();
		await t.waitFor("rooms");
		t.command(`:threads ${room}`);
		await t.waitFor("Busy thread");
		t.write("c");
		await t.waitFor(`thread create ${room}`);
		t.command("'Typed on the **screen**' --as dave");
		// The converted body is shown before it is sent.
		await t.waitFor("Send it? [y/N]");
		t.write("y");
		await t.waitFor("Typed on the screen", { timeout: 8000 });
		const { data } = await lb.getThreads({ roomId: room });
		assert.equal(data.length, 4);
		const made = data.find((th) => th.comments[0].userId === "dave");
		assert.deepEqual(made.comments[0].body.content[0].children[1], { text: "screen", bold: true });
		// Down to the busy thread, then d: a question, y deletes it.
		for (let i = 0; i < 4 && !cursorLine(t).includes("Busy thread"); i++) {
			t.key("Down");
			await t.waitIdle();
		}
		assert.match(cursorLine(t), /Busy thread/);
		t.write("d");
		await t.waitFor(/permanent/i);
		t.write("y");
		await t.waitFor((s) => !s.includes("Busy thread"), { timeout: 8000 });
		await assert.rejects(lb.getThread({ roomId: room, threadId: busy.id }));
		const dir = path.join(t.home, ".local", "state", "lbtui");
		const saved = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
		assert.ok(saved.some((text) => text.includes(busy.id) && text.includes("Busy thread")), "not kept");
	});
});
