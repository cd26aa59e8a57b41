// The user view and user IDs on the command line, against the emulator
// seeded with the official SDK (@liveblocks/node): Tab completes a user
// argument from the IDs the cache has seen (room accesses, comment authors
// and mentions, group members, earlier answers).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

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

/** Type line, press Tab, wait until the command line reads want, and
 * leave the command line. */
async function complete(t, line, want) {
	t.write(line);
	t.key("Tab");
	await t.waitFor(() => t.row(-1).includes(want), { timeout: 3000 }).catch(() => {
		assert.fail(`${line}<Tab> did not give "${want}":\n${t.dump("completion")}`);
	});
	t.key("Esc");
	await t.waitFor(() => !t.row(-1).startsWith(":"));
}

describe("completion of user IDs", () => {
	test("Tab after a command that takes a user completes from accesses, comments, mentions, groups and answers", async () => {
		const tag = uniq("cu");
		const u = (name) => `${tag}${name}`;
		const room = `${tag}-room`;
		await createRoom(stack.url, room, { usersAccesses: { [u("acc")]: ["room:write"] } });
		await lb.createThread({
			roomId: room,
			data: { comment: { userId: u("author"), body: para({ text: "hi " }, { type: "mention", kind: "user", id: u("mentioned") }) } },
		});
		await lb.createGroup({ groupId: `${tag}-grp`, memberIds: [u("member")] });
		await lb.triggerInboxNotification({ userId: u("inboxed"), kind: "$x", subjectId: "s", activityData: {} });

		const t = start();
		await t.waitFor(room);
		await complete(t, `:user-groups ${tag}a`, `:user-groups ${u("acc")}`);

		// The threads view loads the threads.
		t.command(`:threads ${room}`);
		await t.waitFor(/hi @/);
		await complete(t, `:settings ${tag}au`, `:settings ${u("author")}`);
		await complete(t, `:subscriptions ${tag}me`, `:subscriptions ${u("mentioned")}`);

		t.command(":groups");
		await t.waitFor(`${tag}-grp`);
		await complete(t, `:token authorize ${tag}mem`, `:token authorize ${u("member")}`);

		t.command(`:inbox ${u("inboxed")}`);
		await t.waitFor("$x");
		await complete(t, `:inbox ${tag}i`, `:inbox ${u("inboxed")}`);
		// A word that is no user's completes to nothing.
		t.write(`:user-groups ${tag}zz`);
		t.key("Tab");
		await t.settle();
		await new Promise((r) => setTimeout(r, 150));
		assert.match(t.row(-1), new RegExp(`:user-groups ${tag}zz\\s*$`));
		t.key("Esc");
		assert.equal(await t.exit(), 0);
	});
});
