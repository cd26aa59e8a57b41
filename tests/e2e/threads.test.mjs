// Threads and comments in batch mode, against the emulator, seeded with
// the official SDK (@liveblocks/node): every command of the two families,
// their --json, who a write is made as, the checks made before anything is
// sent (counted by the emulator), deletes that keep what they delete, and
// read-only mode.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Liveblocks, markdownToCommentBody } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, makeHome, rest, runBatch, serverEnv, uniq } from "./harness.mjs";

let stack;
let env;
let lb;
const ROOM = uniq("thr");

const para = (...children) => ({ version: 1, content: [{ type: "paragraph", children }] });

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	lb = new Liveblocks({ secret: "sk_localdev", baseUrl: stack.url });
	await createRoom(stack.url, ROOM);
});

after(async () => {
	if (stack)
		await stack.stop();
});

/** A thread by alice, with a reply by bob that mentions her and links. */
async function seedThread(metadata = {}, text = "Hello world") {
	const th = await lb.createThread({
		roomId: ROOM,
		data: { comment: { userId: "alice", body: para({ text }, { text: " bold", bold: true }) }, metadata },
	});
	const reply = await lb.createComment({
		roomId: ROOM,
		threadId: th.id,
		data: {
			userId: "bob",
			body: para({ text: "thanks " }, { type: "mention", kind: "user", id: "alice" }, { text: " see " },
				{ type: "link", url: "https://liveblocks.io", text: "docs" }),
		},
	});
	return { thread: th, reply };
}

/** lbtui -e LINE (more args after), its result. */
const lbtui = (line, ...more) => runBatch(["-e", line, ...more], env);

/** Requests the emulator received for METHOD PATH. */
async function count(method, p) {
	return (await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(p)}`)).body.count;
}

/** The files kept in a home's state directory. */
function kept(home) {
	const dir = path.join(home, ".local", "state", "lbtui");
	return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

describe("reading", () => {
	test("threads: a table of the room's threads, newest first; --json the API's objects", async () => {
		const a = await seedThread({ status: "open", priority: 2 }, "first thread");
		const b = await seedThread({}, "second thread");
		await lb.addCommentReaction({ roomId: ROOM, threadId: b.thread.id, commentId: b.reply.id, data: { emoji: "👍", userId: "carol" } });
		let r = await lbtui(`threads ${ROOM}`);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.trimEnd().split("\n");
		assert.match(lines[0], /^ID\s+CREATED\s+UPDATED\s+AUTHOR\s+COMMENTS\s+REACTIONS\s+RESOLVED\s+METADATA\s+TEXT$/);
		const row = (id) => lines.find((l) => l.startsWith(id));
		assert.match(row(a.thread.id), /alice\s+2\s+0\s+no\s+status=open, priority=2\s+first thread bold$/);
		assert.match(row(b.thread.id), /alice\s+2\s+1\s+no\s+-\s+second thread bold$/);
		// Newest first, as the server sends them.
		assert.ok(lines.indexOf(row(b.thread.id)) < lines.indexOf(row(a.thread.id)));

		r = await lbtui(`threads ${ROOM}`, "--json");
		assert.equal(r.code, 0, r.stderr);
		const j = JSON.parse(r.stdout);
		const api = await lb.getThreads({ roomId: ROOM });
		assert.deepEqual(j.data.map((t) => t.id), api.data.map((t) => t.id));
		const got = j.data.find((t) => t.id === a.thread.id);
		assert.deepEqual(got.metadata, { status: "open", priority: 2 });
		assert.equal(got.comments[1].body.content[0].children[1].type, "mention");
	});

	test("--resolved, --unresolved and --query: the thread query, as the server takes it", async () => {
		const { thread } = await seedThread({ team: "qa", n: 5 }, "to resolve");
		await lb.markThreadAsResolved({ roomId: ROOM, threadId: thread.id, data: { userId: "alice" } });
		const ids = async (line) => {
			const r = await lbtui(line, "--json");
			assert.equal(r.code, 0, `${line}: ${r.stderr}`);
			return JSON.parse(r.stdout).data.map((t) => t.id);
		};
		assert.ok((await ids(`threads ${ROOM} --resolved`)).includes(thread.id));
		assert.ok(!(await ids(`threads ${ROOM} --unresolved`)).includes(thread.id));
		assert.deepEqual(await ids(`threads ${ROOM} --query 'metadata["team"]:"qa"'`), [thread.id]);
		assert.deepEqual(await ids(`threads ${ROOM} --resolved --query metadata["n"]>4`), [thread.id]);
		assert.deepEqual(await ids(`threads ${ROOM} --unresolved --query metadata["n"]>4`), []);
		const r = await lbtui(`threads ${ROOM} --unresolved --query metadata["team"]:"qa"`);
		assert.equal(r.code, 0);
		assert.equal(r.stderr.trim(), `(no threads match resolved:false metadata["team"]:"qa")`);
		// A query the server refuses is its error, exit 1.
		const bad = await lbtui(`threads ${ROOM} --query nope:1`);
		assert.equal(bad.code, 1);
		assert.match(bad.stderr, /INVALID_QUERY/);
		const both = await lbtui(`threads ${ROOM} --resolved --unresolved`);
		assert.equal(both.code, 2);
	});

	test("thread show: the thread and its comments; --json the API's thread", async () => {
		const { thread, reply } = await seedThread({ status: "open" });
		await lb.addCommentReaction({ roomId: ROOM, threadId: thread.id, commentId: reply.id, data: { emoji: "🎉", userId: "dan" } });
		let r = await lbtui(`thread show ${ROOM} ${thread.id}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`^thread ${thread.id} in room ${ROOM}\n`));
		assert.match(r.stdout, /unresolved, 2 comments, 1 reaction, public/);
		assert.match(r.stdout, /metadata: status=open/);
		assert.match(r.stdout, new RegExp(`${thread.comments[0].id}  alice  .*\n    Hello world bold\n`));
		assert.match(r.stdout, new RegExp(`${reply.id}  bob  .*\n    thanks @alice see docs\n    reactions: 🎉 1 \\(dan\\)\n`));
		r = await lbtui(`thread show ${ROOM} ${thread.id}`, "--json");
		assert.equal(r.code, 0, r.stderr);
		const api = await lb.getThread({ roomId: ROOM, threadId: thread.id });
		assert.deepEqual(JSON.parse(r.stdout).comments.map((c) => c.id), api.comments.map((c) => c.id));
		r = await lbtui(`thread show ${ROOM} th_missing`);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /404 RESOURCE_NOT_FOUND: Thread with id "th_missing" not found/);
	});

	test("comment show; thread subscriptions and participants", async () => {
		const { thread, reply } = await seedThread();
		let r = await lbtui(`comment show ${ROOM} ${thread.id} ${reply.id}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`^comment ${reply.id} of thread ${thread.id} in room ${ROOM}\n${reply.id}  bob  `));
		r = await lbtui(`comment show ${ROOM} ${thread.id} ${reply.id}`, "--json");
		assert.deepEqual(JSON.parse(r.stdout).body, reply.body);

		r = await lbtui(`thread subscriptions ${ROOM} ${thread.id}`);
		assert.equal(r.code, 0, r.stderr);
		// Writing a comment subscribes its author.
		assert.match(r.stdout, /^USER\s+SUBSCRIBED\nalice\s+\S+ \S+\nbob\s+/);
		r = await lbtui(`thread subscriptions ${ROOM} ${thread.id}`, "--json");
		assert.deepEqual(JSON.parse(r.stdout).data.map((s) => s.userId).sort(), ["alice", "bob"]);
		r = await lbtui(`thread participants ${ROOM} ${thread.id}`);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(r.stdout.trim().split("\n").sort(), ["alice", "bob"]);
		r = await lbtui(`thread participants ${ROOM} ${thread.id}`, "--json");
		assert.deepEqual(JSON.parse(r.stdout).participantIds.sort(), ["alice", "bob"]);
	});
});

describe("writing", () => {
	test("resolve and unresolve, as --as says; the server's thread changes", async () => {
		const { thread } = await seedThread();
		let r = await lbtui(`thread resolve ${ROOM} ${thread.id} --as mod`);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stdout, `resolved thread ${thread.id} of room ${ROOM} (as mod)\n`);
		assert.equal((await lb.getThread({ roomId: ROOM, threadId: thread.id })).resolved, true);
		r = await lbtui(`thread unresolve ${ROOM} ${thread.id} --as mod`, "--json");
		assert.equal(r.code, 0, r.stderr);
		assert.equal(JSON.parse(r.stdout).resolved, false);
		assert.equal((await lb.getThread({ roomId: ROOM, threadId: thread.id })).resolved, false);
		assert.equal(await count("POST", `/v2/rooms/${ROOM}/threads/${thread.id}/mark-as-resolved`), 1);
		assert.equal(await count("POST", `/v2/rooms/${ROOM}/threads/${thread.id}/mark-as-unresolved`), 1);
	});

	test("who writes is explicit: without --as or user = in the profile, nothing is sent", async () => {
		const { thread, reply } = await seedThread();
		const p = `/v2/rooms/${ROOM}/threads/${thread.id}/mark-as-resolved`;
		let r = await lbtui(`thread resolve ${ROOM} ${thread.id}`);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /'thread resolve' writes as a user: give --as USER, or set user = USER in the profile/);
		r = await lbtui(`comment react ${ROOM} ${thread.id} ${reply.id} 👍`);
		assert.equal(r.code, 2);
		assert.equal(await count("POST", p), 0);
		// The profile's user.
		const home = makeHome();
		const cfg = path.join(home, ".config", "lbtui", "config");
		fs.writeFileSync(cfg, `[profile mod]\nsecret = sk_localdev\nbase_url = ${stack.url}\nuser = moderator-7\n`, { mode: 0o600 });
		r = await runBatch(["--profile", "mod", "-e", `comment react ${ROOM} ${thread.id} ${reply.id} 👍`], {}, { home });
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stdout, `added 👍 to comment ${reply.id} as moderator-7\n`);
		const c = await lb.getComment({ roomId: ROOM, threadId: thread.id, commentId: reply.id });
		assert.deepEqual(c.reactions.map((x) => [x.emoji, x.users.map((u) => u.id)]), [["👍", ["moderator-7"]]]);
		fs.rmSync(home, { recursive: true, force: true });
	});

	test("thread metadata: numbers, booleans and text set, keys removed; limits checked before sending", async () => {
		const { thread } = await seedThread({ status: "open", old: "x" });
		const p = `/v2/rooms/${ROOM}/threads/${thread.id}/metadata`;
		let r = await lbtui(`thread metadata ${ROOM} ${thread.id} --set priority=3 --set urgent=true --set zip=007 --set label='"42"' --unset old --as mod`);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stdout, `metadata of thread ${thread.id}: status=open, priority=3, urgent=true, zip=007, label=42\n`);
		const md = (await lb.getThread({ roomId: ROOM, threadId: thread.id })).metadata;
		assert.deepEqual(md, { status: "open", priority: 3, urgent: true, zip: "007", label: "42" });
		r = await lbtui(`thread metadata ${ROOM} ${thread.id}`, "--json");
		assert.deepEqual(JSON.parse(r.stdout), md);
		assert.equal(await count("POST", p), 1);
		const refused = async (opts, re) => {
			const x = await lbtui(`thread metadata ${ROOM} ${thread.id} ${opts} --as mod`);
			assert.equal(x.code, 2, opts);
			assert.match(x.stderr, re);
		};
		await refused(`--set ${"k".repeat(41)}=1`, /is 41 characters long; the API takes at most 40/);
		await refused(`--set v=${"a".repeat(4001)}`, /4001 characters long; the API takes at most 4000/);
		await refused(Array.from({ length: 51 }, (_, i) => `--set k${i}=1`).join(" "), /51 metadata keys: the API takes at most 50/);
		await refused("--set a=1 --set a=2", /the metadata key 'a' is given twice/);
		assert.equal(await count("POST", p), 1);
	});

	test("subscribe and unsubscribe a user", async () => {
		const { thread } = await seedThread();
		let r = await lbtui(`thread subscribe ${ROOM} ${thread.id} --user carol`);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stdout, `subscribed carol to thread ${thread.id} of room ${ROOM}\n`);
		let subs = await lb.getThreadSubscriptions({ roomId: ROOM, threadId: thread.id });
		assert.ok(subs.data.some((s) => s.userId === "carol"));
		r = await lbtui(`thread unsubscribe ${ROOM} ${thread.id} --user carol`, "--json");
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(JSON.parse(r.stdout), {});
		subs = await lb.getThreadSubscriptions({ roomId: ROOM, threadId: thread.id });
		assert.ok(!subs.data.some((s) => s.userId === "carol"));
		r = await lbtui(`thread subscribe ${ROOM} ${thread.id}`);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /needs --user USER/);
	});

	test("react and unreact: one reaction per user per emoji", async () => {
		const { thread, reply } = await seedThread();
		const line = `${ROOM} ${thread.id} ${reply.id} 🎉 --as erin`;
		let r = await lbtui(`comment react ${line}`, "--json");
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual({ ...JSON.parse(r.stdout), createdAt: undefined }, { emoji: "🎉", userId: "erin", createdAt: undefined });
		r = await lbtui(`comment react ${line}`);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /409 .*already reacted/);
		r = await lbtui(`comment unreact ${line}`);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stdout, `removed 🎉 from comment ${reply.id} as erin\n`);
		const c = await lb.getComment({ roomId: ROOM, threadId: thread.id, commentId: reply.id });
		assert.deepEqual(c.reactions, []);
	});
});

describe("writing comments", () => {
	test("thread create: the text becomes the body the SDK's markdownToCommentBody makes; shown first", async () => {
		const text = "Hi **team**, _please_ ~~ignore~~ see `code` and [docs](https://liveblocks.io) @bob\n\nsecond paragraph";
		const q = `'${text.replace(/'/g, "'\\''")}'`;
		const posts = await count("POST", `/v2/rooms/${ROOM}/threads`);
		let r = await lbtui(`thread create ${ROOM} ${q} --as alice --metadata status=open --metadata n=2`);
		assert.equal(r.code, 2);
		assert.match(r.stdout, new RegExp(`^Start a thread in room ${ROOM} as alice, metadata status=open, n=2, with this comment:\n  Hi \\*\\*team\\*\\*`));
		assert.match(r.stderr, /add --yes to apply/);
		assert.equal(await count("POST", `/v2/rooms/${ROOM}/threads`), posts);
		r = await lbtui(`thread create ${ROOM} ${q} --as alice --metadata status=open --metadata n=2 --yes`, "--json");
		assert.equal(r.code, 0, r.stderr);
		const made = JSON.parse(r.stdout);
		assert.equal(await count("POST", `/v2/rooms/${ROOM}/threads`), posts + 1);
		const th = await lb.getThread({ roomId: ROOM, threadId: made.id });
		assert.deepEqual(th.metadata, { status: "open", n: 2 });
		assert.equal(th.comments[0].userId, "alice");
		assert.deepEqual(th.comments[0].body, markdownToCommentBody(text));
		// Shown back as plain text, paragraph by paragraph.
		r = await lbtui(`thread show ${ROOM} ${made.id}`);
		assert.match(r.stdout, /\n    Hi team, please ignore see code and docs @bob\n    second paragraph\n/);
	});

	test("comment add and comment edit; an edit is made in the author's name only", async () => {
		const { thread } = await seedThread();
		let r = await lbtui(`comment add ${ROOM} ${thread.id} 'a **reply**' --as carol --yes`);
		assert.equal(r.code, 0, r.stderr);
		const m = /added comment (cm_\S+) to thread /.exec(r.stdout);
		assert.ok(m, r.stdout);
		const id = m[1];
		let c = await lb.getComment({ roomId: ROOM, threadId: thread.id, commentId: id });
		assert.deepEqual(c.body, markdownToCommentBody("a **reply**"));
		r = await lbtui(`comment edit ${ROOM} ${thread.id} ${id} 'edited _text_' --as dave --yes`);
		assert.equal(r.code, 2);
		assert.match(r.stderr, new RegExp(`comment ${id} was written by carol and lbtui writes as dave`));
		r = await lbtui(`comment edit ${ROOM} ${thread.id} ${id} 'edited _text_' --as carol --yes`, "--json");
		assert.equal(r.code, 0, r.stderr);
		assert.ok(JSON.parse(r.stdout).editedAt);
		c = await lb.getComment({ roomId: ROOM, threadId: thread.id, commentId: id });
		assert.deepEqual(c.body, markdownToCommentBody("edited _text_"));
		r = await lbtui(`comment show ${ROOM} ${thread.id} ${id}`);
		assert.match(r.stdout, new RegExp(`${id}  carol  \\S+ \\S+  \\(edited \\S+ \\S+\\)\n    edited text\n`));
		assert.equal(await count("POST", `/v2/rooms/${ROOM}/threads/${thread.id}/comments/${id}`), 1);
	});

	test("a failed POST keeps the draft, the emulator counted exactly one POST, and --file sends it again", async () => {
		const { thread } = await seedThread();
		const p = `/v2/rooms/${ROOM}/threads/${thread.id}/comments`;
		const home = makeHome();
		const posts = await count("POST", p); // the seeding's reply
		await rest(stack.url, "POST", "/__emulator/faults", { method: "POST", path: p, type: "status", status: 503, count: 1 });
		let r = await runBatch(["-e", `comment add ${ROOM} ${thread.id} 'do not **lose** me' --as erin --yes`], env, { home });
		assert.equal(r.code, 1);
		assert.equal(await count("POST", p), posts + 1);
		const files = kept(home);
		assert.equal(files.length, 1);
		assert.match(path.basename(files[0]), new RegExp(`^draft-${ROOM}-\\d{8}-\\d{6}\\.txt$`));
		assert.equal(fs.readFileSync(files[0], "utf8"), "do not **lose** me");
		assert.equal(fs.statSync(files[0]).mode & 0o777, 0o600);
		const again = new RegExp(`your text is saved in ${files[0].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(send it again with: (comment add ${ROOM} ${thread.id} --as erin --file [^)\\s]+)\\)`);
		const m = again.exec(r.stderr);
		assert.ok(m, r.stderr);
		r = await runBatch(["-e", `${m[1]} --yes`], env, { home });
		assert.equal(r.code, 0, r.stderr);
		assert.equal(await count("POST", p), posts + 2);
		const t = await lb.getThread({ roomId: ROOM, threadId: thread.id });
		assert.deepEqual(t.comments.at(-1).body, markdownToCommentBody("do not **lose** me"));
		fs.rmSync(home, { recursive: true, force: true });
	});

	test("a POST whose answer is lost is not sent again: one comment, and the draft says to look first", async () => {
		const { thread } = await seedThread();
		const p = `/v2/rooms/${ROOM}/threads/${thread.id}/comments`;
		const home = makeHome();
		const posts = await count("POST", p); // the seeding's reply
		await rest(stack.url, "POST", "/__emulator/faults", { method: "POST", path: p, type: "drop", after: true, count: 1 });
		const r = await runBatch(["-e", `comment add ${ROOM} ${thread.id} 'only once' --as erin --yes`], env, { home });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /look whether it arrived before sending it again/);
		assert.equal(await count("POST", p), posts + 1);
		const t = await lb.getThread({ roomId: ROOM, threadId: thread.id });
		assert.equal(t.comments.filter((c) => c.userId === "erin").length, 1);
		assert.equal(kept(home).length, 1);
		fs.rmSync(home, { recursive: true, force: true });
	});
});

describe("deleting", () => {
	test("thread delete: refused without --yes; with it the thread is saved first, then deleted", async () => {
		const { thread } = await seedThread({ status: "spam" }, "buy now");
		const p = `/v2/rooms/${ROOM}/threads/${thread.id}`;
		const home = makeHome();
		let r = await runBatch(["-e", `thread delete ${ROOM} ${thread.id}`], env, { home });
		assert.equal(r.code, 2);
		assert.match(r.stdout, new RegExp(`^Delete thread ${thread.id} of room ${ROOM}, started by alice .* with 2 comments and 0 reactions:\n  buy now bold\nThis is permanent`));
		assert.match(r.stderr, /add --yes to apply/);
		assert.equal(await count("DELETE", p), 0);

		const before = await rest(stack.url, "GET", p);
		r = await runBatch(["-e", `thread delete ${ROOM} ${thread.id} --yes`], env, { home });
		assert.equal(r.code, 0, r.stderr);
		const files = kept(home);
		assert.equal(files.length, 1);
		assert.match(path.basename(files[0]), new RegExp(`^thread-${ROOM}-${thread.id}-\\d{8}-\\d{6}\\.json$`));
		assert.equal(fs.statSync(files[0]).mode & 0o777, 0o600);
		// The record is the thread as the server had it.
		assert.deepEqual(JSON.parse(fs.readFileSync(files[0], "utf8")), before.body);
		assert.match(r.stdout, new RegExp(`deleted thread ${thread.id} of room ${ROOM}; it is saved in ${files[0].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n$`));
		assert.equal((await rest(stack.url, "GET", p)).status, 404);
		assert.equal(await count("DELETE", p), 1);
		fs.rmSync(home, { recursive: true, force: true });
	});

	test("nowhere to save the copy: nothing is deleted", async () => {
		const { thread } = await seedThread();
		const p = `/v2/rooms/${ROOM}/threads/${thread.id}`;
		const home = makeHome();
		const blocker = path.join(home, "not-a-dir");
		fs.writeFileSync(blocker, "");
		const r = await runBatch(["-e", `thread delete ${ROOM} ${thread.id} --yes`], { ...env, XDG_STATE_HOME: blocker, TMPDIR: blocker }, { home });
		assert.equal(r.code, 2, r.stderr);
		assert.match(r.stderr, /the thread could not be saved before deleting it .*nothing was deleted/);
		assert.equal(await count("DELETE", p), 0);
		assert.equal((await rest(stack.url, "GET", p)).status, 200);
		fs.rmSync(home, { recursive: true, force: true });
	});

	test("comment delete: saved first; the tombstone stays in the thread", async () => {
		const { thread, reply } = await seedThread();
		const home = makeHome();
		const before = await lb.getComment({ roomId: ROOM, threadId: thread.id, commentId: reply.id });
		const r = await runBatch(["-e", `comment delete ${ROOM} ${thread.id} ${reply.id} --yes`, "--json"], env, { home });
		assert.equal(r.code, 0, r.stderr);
		// --json: nothing on stdout but JSON (a delete answers nothing).
		assert.equal(r.stdout, "");
		assert.match(r.stderr, /deleted comment .* it is saved in /);
		const files = kept(home);
		assert.equal(files.length, 1);
		assert.equal(JSON.parse(fs.readFileSync(files[0], "utf8")).body.content[0].children[0].text, "thanks ");
		assert.equal(JSON.parse(fs.readFileSync(files[0], "utf8")).id, before.id);
		const t = await lb.getThread({ roomId: ROOM, threadId: thread.id });
		assert.ok(t.comments.find((c) => c.id === reply.id).deletedAt);
		const show = await lbtui(`thread show ${ROOM} ${thread.id}`);
		assert.match(show.stdout, new RegExp(`${reply.id}  bob  \\S+ \\S+  \\(deleted `));
		fs.rmSync(home, { recursive: true, force: true });
	});

	test("a DELETE the server refuses deletes nothing and leaves no copy behind", async () => {
		const { thread } = await seedThread();
		const p = `/v2/rooms/${ROOM}/threads/${thread.id}`;
		const home = makeHome();
		await rest(stack.url, "POST", "/__emulator/faults", { method: "DELETE", path: p, type: "status", status: 403, count: 1 });
		const r = await runBatch(["-e", `thread delete ${ROOM} ${thread.id} --yes`], env, { home });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /403/);
		assert.equal(kept(home).length, 0);
		assert.equal(await count("DELETE", p), 1);
		assert.equal((await rest(stack.url, "GET", p)).status, 200);
		fs.rmSync(home, { recursive: true, force: true });
	});
});

test("read-only: every write is refused before any request", async () => {
	const { thread, reply } = await seedThread();
	const lines = [
		`thread delete ${ROOM} ${thread.id} --yes`,
		`thread resolve ${ROOM} ${thread.id} --as a`,
		`thread metadata ${ROOM} ${thread.id} --set a=1 --as a`,
		`thread subscribe ${ROOM} ${thread.id} --user a`,
		`comment delete ${ROOM} ${thread.id} ${reply.id} --yes`,
		`comment react ${ROOM} ${thread.id} ${reply.id} x --as a`,
		`thread create ${ROOM} hi --as a --yes`,
		`comment add ${ROOM} ${thread.id} hi --as a --yes`,
		`comment edit ${ROOM} ${thread.id} ${reply.id} hi --as bob --yes`,
	];
	await rest(stack.url, "DELETE", "/__emulator/requests");
	for (const line of lines) {
		const r = await runBatch(["--read-only", "-e", line], env);
		assert.equal(r.code, 2, line);
		assert.match(r.stderr, /refused in read-only mode/);
	}
	const all = (await rest(stack.url, "GET", "/__emulator/requests")).body;
	assert.equal(all.total, 0, JSON.stringify(all.routes));
	// Reads work.
	const r = await runBatch(["--read-only", "-e", `thread show ${ROOM} ${thread.id}`], env);
	assert.equal(r.code, 0, r.stderr);
});
