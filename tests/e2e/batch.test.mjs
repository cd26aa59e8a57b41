// Batch mode (lbtui -e COMMAND) against the official Liveblocks dev server:
// output, JSON, mutations checked through REST, exit statuses and messages.

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
	createRoom,
	freePort,
	makeHome,
	rest,
	runBatch,
	serverEnv,
	startDevServer,
	uniq,
} from "./harness.mjs";

let server;
let env;

before(async () => {
	server = await startDevServer();
	env = serverEnv(server.url);
});

after(async () => {
	if (server)
		await server.stop();
});

const getRoom = async (id) => rest(server.url, "GET", `/v2/rooms/${encodeURIComponent(id)}`);

describe("program options", () => {
	test("--version prints the version and exits 0", async () => {
		const r = await runBatch(["--version"], {});
		assert.equal(r.code, 0);
		assert.match(r.stdout, /^lbtui \d+\.\d+\.\d+/);
	});

	test("--help prints usage and the commands, exits 0", async () => {
		const r = await runBatch(["--help"], {});
		assert.equal(r.code, 0);
		assert.match(r.stdout, /usage: lbtui/);
		assert.match(r.stdout, /--read-only/);
		assert.match(r.stdout, /\brooms\b/);
		assert.match(r.stdout, /\broom\b/);
	});

	test("an unknown option exits 2 with a message", async () => {
		const r = await runBatch(["--bogus", "-e", "rooms"], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /^lbtui: .*unknown option.*--bogus/m);
		assert.equal(r.stdout, "");
	});

	test("an option without its value exits 2", async () => {
		const r = await runBatch(["-e"], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /^lbtui: /m);
	});

	test("a stray argument exits 2 and points at -e", async () => {
		const r = await runBatch(["rooms"], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /-e/);
	});

	test("a key given on the command line is refused and never echoed", async () => {
		const key = "sk_dev_x1y2z3";
		for (const args of [[`--secret-key=${key}`, "-e", "rooms"], ["-e", "rooms", key]]) {
			const r = await runBatch(args, env);
			assert.equal(r.code, 2, args.join(" "));
			assert.ok(!r.stderr.includes(key), r.stderr);
		}
	});

	test("the screen without a terminal exits 2 and says to use -e", async () => {
		const r = await runBatch([], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /terminal/);
		assert.match(r.stderr, /-e/);
	});
});

describe("configuration errors", () => {
	test("no secret key exits 2 and names LIVEBLOCKS_SECRET_KEY", async () => {
		const r = await runBatch(["-e", "rooms"], { LIVEBLOCKS_BASE_URL: server.url });
		assert.equal(r.code, 2);
		assert.match(r.stderr, /LIVEBLOCKS_SECRET_KEY/);
		assert.equal(r.stdout, "");
	});

	test("plain http to a host that is not loopback is refused with 2", async () => {
		const r = await runBatch(["-e", "rooms"], serverEnv("http://example.com"));
		assert.equal(r.code, 2);
		assert.match(r.stderr, /https|loopback|localhost/i);
	});

	test("--base-url overrides LIVEBLOCKS_BASE_URL", async () => {
		const dead = `http://127.0.0.1:${await freePort()}`;
		const id = uniq("baseurl");
		await createRoom(server.url, id);
		const r = await runBatch(["--base-url", server.url, "-e", `room show ${id}`], serverEnv(dead));
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`^id:? +${id}$`, "m"));
	});
});

describe("API and network errors", () => {
	test("a wrong key exits 1 with the server's words and never shows the key", async () => {
		const key = "sk_wrongkey42";
		const r = await runBatch(["-e", "rooms"], serverEnv(server.url, { LIVEBLOCKS_SECRET_KEY: key }));
		assert.equal(r.code, 1);
		assert.match(r.stderr, /^lbtui: .*403/m);
		assert.match(r.stderr, /secret key/i);
		assert.ok(!r.stderr.includes(key), `stderr shows the key: ${r.stderr}`);
		assert.ok(!r.stdout.includes(key));
	});

	test("an unreachable host exits 1 with a network message", async () => {
		const dead = `http://127.0.0.1:${await freePort()}`;
		const r = await runBatch(["-e", "rooms"], serverEnv(dead), { timeout: 60000 });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /^lbtui: /m);
		assert.match(r.stderr, /connect|network|reach|refused/i);
	});

	test("a room that does not exist exits 1 with 404 ROOM_NOT_FOUND", async () => {
		const r = await runBatch(["-e", "room show no-such-room-e2e"], env);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /404/);
		assert.match(r.stderr, /ROOM_NOT_FOUND|not found/);
		assert.equal(r.stdout, "");
	});

	test("escape sequences in a server's error never reach the terminal", async () => {
		const http = await import("node:http");
		const evil = http.createServer((req, res) => {
			res.writeHead(400, { "content-type": "application/json" });
			res.end(JSON.stringify({
				error: "bad\u001b]0;PWNED\u0007",
				message: "x\u001b[31mRED\u001b[0m\u009b2J",
				suggestion: "\u001b[2Jclear",
			}));
		});
		await new Promise((ok) => evil.listen(0, "127.0.0.1", ok));
		try {
			const r = await runBatch(["-e", "room show abc"], serverEnv(`http://127.0.0.1:${evil.address().port}`));
			assert.equal(r.code, 1);
			assert.match(r.stderr, /^lbtui: 400 bad␛\]0;PWNED␇: x␛\[31mRED/m);
			assert.ok(!/[\u001b\u0007\u009b]/.test(r.stderr), `raw control characters on stderr: ${JSON.stringify(r.stderr)}`);
		} finally {
			evil.close();
		}
	});

	test("an invalid query gets the server's message and exits 1", async () => {
		const r = await runBatch(["-e", "rooms --query 'bogus query'"], env);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /INVALID_QUERY|Expected/);
	});
});

describe("a document to a slow reader", () => {
	// A server that gives up on a client whose socket does not drain for
	// a second, as real servers do with stalled transfers.
	const body = Buffer.alloc(5 * 1024 * 1024, "a");
	body[0] = body[body.length - 1] = 0x22; // one JSON string
	let server, url, stalled = 0;
	before(async () => {
		server = http.createServer((req, res) => {
			req.resume();
			res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
			const t = setTimeout(() => {
				stalled++;
				res.socket.destroy();
			}, 1000);
			res.end(body, () => clearTimeout(t));
		});
		await new Promise((r) => server.listen(0, "127.0.0.1", r));
		url = `http://127.0.0.1:${server.address().port}`;
	});
	after(() => server.close());

	test("storage ROOM into a pipe nobody reads for 3 s: the download does not wait for it", async () => {
		const r = await runBatch(["-e", "storage r"], serverEnv(url), { readAfterMs: 3000, timeout: 20000 });
		assert.equal(r.code, 0, r.stderr);
		assert.equal(stalled, 0);
		assert.equal(r.stdout.length, body.length + 1);
		assert.equal(r.stdout, body.toString("latin1") + "\n");
	});
});

describe("usage errors in commands", () => {
	test("an unknown command exits 2", async () => {
		const r = await runBatch(["-e", "frobnicate"], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /^lbtui: .*frobnicate/m);
	});

	test("an unknown room subcommand exits 2", async () => {
		const r = await runBatch(["-e", "room explode x"], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /^lbtui: /m);
	});

	test("an unknown command option exits 2 and names it", async () => {
		const r = await runBatch(["-e", "rooms --bogus"], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /--bogus/);
	});

	test("a missing room ID exits 2", async () => {
		const r = await runBatch(["-e", "room show"], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /^lbtui: /m);
	});

	test("an unknown permission exits 2 before any request", async () => {
		const id = uniq("perm");
		const r = await runBatch(["-e", `room create ${id} --access room:fly`], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /room:fly/);
		assert.equal((await getRoom(id)).status, 404);
	});
});

describe("rooms list", () => {
	const prefix = uniq("list");
	const ids = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];

	before(async () => {
		await createRoom(server.url, ids[0], { metadata: { color: "blue" } });
		await createRoom(server.url, ids[1], { defaultAccesses: ["room:write"] });
		await createRoom(server.url, ids[2], { metadata: { tags: ["x", "y"] } });
	});

	test("rooms prints a table with a header and every room", async () => {
		const r = await runBatch(["-e", "rooms"], env);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.split("\n");
		assert.match(lines[0], /^ID\s+CREATED\s+LAST CONNECTION\s+ACCESS\s+METADATA\s*$/);
		for (const id of ids)
			assert.ok(lines.some((l) => l.startsWith(id + " ")), `${id} missing in:\n${r.stdout}`);
		// room:write for everyone reads "public".
		const b = lines.find((l) => l.startsWith(ids[1] + " "));
		assert.match(b, /public|room:write/);
		const a = lines.find((l) => l.startsWith(ids[0] + " "));
		assert.match(a, /color/);
		assert.match(a, /\d{4}-\d{2}-\d{2}/);
	});

	test("rooms --all --json prints the API's JSON", async () => {
		const r = await runBatch(["-e", "rooms --all", "--json"], env);
		assert.equal(r.code, 0, r.stderr);
		const j = JSON.parse(r.stdout);
		assert.ok(Array.isArray(j.data));
		assert.ok("nextCursor" in j);
		for (const id of ids) {
			const room = j.data.find((x) => x.id === id);
			assert.ok(room, `${id} missing`);
			assert.equal(room.type, "room");
		}
		const c = j.data.find((x) => x.id === ids[2]);
		assert.deepEqual(c.metadata, { tags: ["x", "y"] });
	});

	test("--json without -e is a usage error", async () => {
		const r = await runBatch(["--json"], env);
		assert.equal(r.code, 2);
	});
});

describe("room show", () => {
	const id = uniq("show");

	before(async () => {
		await createRoom(server.url, id, {
			defaultAccesses: ["room:read", "room:presence:write"],
			usersAccesses: { alice: ["room:write"] },
			groupsAccesses: { staff: ["room:read"] },
			metadata: { color: "blue", tags: ["a", "b"] },
		});
	});

	test("prints every field, one per line", async () => {
		const r = await runBatch(["-e", `room show ${id}`], env);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`^id:? +${id}$`, "m"));
		assert.match(r.stdout, /^organization:? +default$/m);
		assert.match(r.stdout, /^created:? +\d{4}-\d{2}-\d{2}/m);
		assert.match(r.stdout, /^default access:? .*room:read/m);
		assert.match(r.stdout, /room:presence:write/);
		assert.match(r.stdout, /alice/);
		assert.match(r.stdout, /staff/);
		assert.match(r.stdout, /color/);
		assert.match(r.stdout, /blue/);
		assert.match(r.stdout, /tags/);
	});

	test("--json prints the room object as the API sent it", async () => {
		const r = await runBatch(["-e", `room show ${id}`, "--json"], env);
		assert.equal(r.code, 0, r.stderr);
		const j = JSON.parse(r.stdout);
		const api = (await getRoom(id)).body;
		assert.deepEqual(j, api);
	});
});

describe("room create, update, delete", () => {
	test("create a public room with metadata and accesses", async () => {
		const id = uniq("create");
		const r = await runBatch(["-e",
			`room create ${id} --public --metadata color=blue --metadata-list tags=a,b ` +
			"--user-access alice=room:write --group-access staff=room:read"], env);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`created room ${id}`));
		const g = await getRoom(id);
		assert.equal(g.status, 200);
		assert.deepEqual(g.body.defaultAccesses, ["room:write"]);
		assert.deepEqual(g.body.metadata, { color: "blue", tags: ["a", "b"] });
		assert.deepEqual(g.body.usersAccesses, { alice: ["room:write"] });
		assert.deepEqual(g.body.groupsAccesses, { staff: ["room:read"] });
	});

	test("create a private room", async () => {
		const id = uniq("private");
		const r = await runBatch(["-e", `room create ${id} --private`], env);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual((await getRoom(id)).body.defaultAccesses, []);
	});

	test("creating a room that exists exits 1; --get-or-create succeeds", async () => {
		const id = uniq("exists");
		await createRoom(server.url, id, { metadata: { keep: "me" } });
		const r = await runBatch(["-e", `room create ${id}`], env);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /409|ROOM_ALREADY_EXISTS|already exists/);
		const r2 = await runBatch(["-e", `room create ${id} --get-or-create --metadata keep=not`], env);
		assert.equal(r2.code, 0, r2.stderr);
		assert.deepEqual((await getRoom(id)).body.metadata, { keep: "me" });
	});

	// The dev server refuses null metadata values (unset); the emulator's
	// tests cover --unset.
	test("update sets metadata, grants and revokes accesses", async () => {
		const id = uniq("update");
		await createRoom(server.url, id, {
			metadata: { a: "1", b: "2" },
			usersAccesses: { bob: ["room:read"] },
		});
		const r = await runBatch(["-e",
			`room update ${id} --set a=10 --set-list tags=x,y ` +
			"--grant-user alice=room:write --revoke-user bob --grant-group staff=room:read --public"], env);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`updated room ${id}`));
		const g = (await getRoom(id)).body;
		assert.deepEqual(g.metadata, { a: "10", b: "2", tags: ["x", "y"] });
		assert.deepEqual(g.usersAccesses, { alice: ["room:write"] });
		assert.deepEqual(g.groupsAccesses, { staff: ["room:read"] });
		assert.deepEqual(g.defaultAccesses, ["room:write"]);
	});

	test("update of a missing room exits 1 with 404", async () => {
		const r = await runBatch(["-e", "room update no-such-room-e2e --set a=1"], env);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /404/);
	});

	test("delete without --yes exits 2 and keeps the room", async () => {
		const id = uniq("keep");
		await createRoom(server.url, id);
		const r = await runBatch(["-e", `room delete ${id}`], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /--yes/);
		assert.equal((await getRoom(id)).status, 200);
	});

	test("delete --yes deletes the room", async () => {
		const id = uniq("delete");
		await createRoom(server.url, id);
		const r = await runBatch(["-e", `room delete ${id} --yes`], env);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`deleted room ${id}`));
		assert.equal((await getRoom(id)).status, 404);
	});

	test("several -e run in order and stop at the first failure", async () => {
		const id = uniq("seq");
		const r = await runBatch(["-e", `room create ${id}`, "-e", `room show ${id}`,
			"-e", "room show no-such-room-e2e", "-e", `room delete ${id} --yes`], env);
		assert.equal(r.code, 1);
		assert.match(r.stdout, new RegExp(`created room ${id}`));
		assert.match(r.stdout, new RegExp(`^id:? +${id}$`, "m"));
		assert.equal((await getRoom(id)).status, 200, "the command after the failure ran");
	});
});

describe("--read-only", () => {
	test("mutating commands are refused before any request, exit 2", async () => {
		const id = uniq("ro");
		await createRoom(server.url, id, { metadata: { a: "1" } });
		const cmds = [
			`room create ${id}-new`,
			`room update ${id} --set a=2`,
			`room delete ${id} --yes`,
		];
		for (const c of cmds) {
			const r = await runBatch(["--read-only", "-e", c], env);
			assert.equal(r.code, 2, `${c}: ${r.stderr}`);
			assert.match(r.stderr, /read-only/, c);
		}
		assert.equal((await getRoom(`${id}-new`)).status, 404);
		const g = await getRoom(id);
		assert.equal(g.status, 200);
		assert.deepEqual(g.body.metadata, { a: "1" });
	});

	test("the refusal needs no server at all", async () => {
		const dead = `http://127.0.0.1:${await freePort()}`;
		const r = await runBatch(["--read-only", "-e", "room delete anything --yes"], serverEnv(dead));
		assert.equal(r.code, 2);
		assert.match(r.stderr, /read-only/);
	});

	test("reading still works", async () => {
		const r = await runBatch(["--read-only", "-e", "rooms"], env);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /^ID\s+CREATED/);
	});
});

describe("config file and profiles", () => {
	// A HOME whose config file has the given text and mode.
	function homeWith(text, mode = 0o600) {
		const home = makeHome();
		const file = path.join(home, ".config", "lbtui", "config");
		fs.writeFileSync(file, text, { mode });
		fs.chmodSync(file, mode);
		return home;
	}

	test("--profile takes the key and base URL from the config file", async () => {
		const id = uniq("profile");
		await createRoom(server.url, id);
		const home = homeWith(`[profile local]\nsecret = sk_localdev\nbase_url = ${server.url}\n`);
		const r = await runBatch(["--profile", "local", "-e", `room show ${id}`], {}, { home });
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`^id:? +${id}$`, "m"));
	});

	test("the default profile is used without --profile; secret_command supplies the key", async () => {
		const home = homeWith(`profile = cmd\n[profile cmd]\nsecret_command = echo sk_localdev\nbase_url = ${server.url}\n`);
		const r = await runBatch(["-e", "rooms"], {}, { home });
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /^ID\s+CREATED/);
	});

	test("a profile with read_only refuses changes", async () => {
		const home = homeWith(`[profile prod]\nsecret = sk_localdev\nbase_url = ${server.url}\nread_only = yes\n`);
		const r = await runBatch(["--profile", "prod", "-e", `room create ${uniq("ro")}`], {}, { home });
		assert.equal(r.code, 2);
		assert.match(r.stderr, /read-only/);
	});

	test("a config file readable by others is refused with a fix", async () => {
		const home = homeWith(`[profile local]\nsecret = sk_localdev\nbase_url = ${server.url}\n`, 0o644);
		const r = await runBatch(["--profile", "local", "-e", "rooms"], {}, { home });
		assert.equal(r.code, 2);
		assert.match(r.stderr, /chmod/);
		assert.ok(!r.stderr.includes("sk_localdev"));
	});

	test("an unknown profile is a configuration error", async () => {
		const home = homeWith(`[profile local]\nsecret = sk_localdev\nbase_url = ${server.url}\n`);
		const r = await runBatch(["--profile", "nope", "-e", "rooms"], {}, { home });
		assert.equal(r.code, 2);
		assert.match(r.stderr, /nope/);
	});
});
