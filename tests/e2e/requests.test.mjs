// The request log as a person uses it: `@` lists every request the screen
// made, newest first, with its status coloured by class, and keeps up as
// more go out; Enter shows one as a curl command that works when pasted
// into a shell with LIVEBLOCKS_SECRET_KEY set, and never holds the key.
// -v in batch mode prints the same lines, the server's rate-limit headers
// and warning included.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { SECRET, createRoom, cursorLine, runBatch, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

// Run a command line in sh with the key in the environment, as a person
// who pasted it would: {code, stdout, stderr}.
function sh(line, env) {
	return new Promise((resolve, reject) => {
		const child = spawn("/bin/sh", ["-c", line], { env: { PATH: process.env.PATH, ...env } });
		let stdout = "";
		let stderr = "";
		child.stdout.on("data", (d) => (stdout += d));
		child.stderr.on("data", (d) => (stderr += d));
		child.on("error", reject);
		child.on("close", (code) => resolve({ code, stdout, stderr }));
	});
}

// The curl command the pager shows: from "curl " to the line that does not
// end in a backslash, as the screen has it (the terminal is wide enough not
// to wrap it).
function curlCommand(t) {
	const rows = t.screen().map((r) => r.slice(t.listX).trimEnd());
	const first = rows.findIndex((r) => r.trimStart().startsWith("curl "));
	assert.ok(first >= 0, t.dump("no curl command"));
	const lines = [];
	for (let y = first; y < rows.length; y++) {
		lines.push(rows[y].trim());
		if (!rows[y].endsWith("\\"))
			break;
	}
	return lines.join("\n");
}

describe("the request log on the screen", () => {
	let stack, env;
	const running = [];
	const room = uniq("req");

	before(async () => {
		stack = await startStack();
		env = serverEnv(stack.url);
		await createRoom(stack.url, room);
	});
	after(async () => {
		if (stack)
			await stack.stop();
	});
	afterEach(async () => {
		for (const t of running.splice(0))
			await t.close();
	});

	async function count(method, route) {
		const r = await fetch(`${stack.control}/requests?method=${method}&path=${encodeURIComponent(route)}`);
		return (await r.json()).count;
	}

	function start() {
		const t = spawnLbtui({ cols: 220, rows: 30, env });
		t.listX = 14;
		running.push(t);
		return t;
	}

	// The rows of the log as drawn, without the navigator.
	const logRows = (t) => t.screen().slice(2, -2).map((r) => r.slice(t.listX));
	const rowOf = (t, re) => logRows(t).findIndex((r) => re.test(r));

	test("@ lists the requests newest first, the status coloured by class, and keeps up", async () => {
		const missing = uniq("req-missing");
		const t = start();
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:room show ${room}`);
		await t.waitFor(`› ${room}`);
		t.command(`:room show ${missing}`);
		await t.waitFor(/404 ROOM_NOT_FOUND/);
		await t.waitIdle();
		t.write("@");
		await t.waitFor(/requests/);
		await t.waitFor(/METHOD +PATH +STATUS +TIME +BYTES +RETRY +NOTE/);
		const rooms = rowOf(t, /^ ?GET +\/v2\/rooms\?limit=100 +200 /);
		const shown = rowOf(t, new RegExp(`^ ?GET +/v2/rooms/${room} +200 +\\d+ ms +\\d+(\\.\\d)? (B|KiB) `));
		const notFound = rowOf(t, new RegExp(`^ ?GET +/v2/rooms/${missing} +404 +\\d+ ms`));
		assert.ok(rooms >= 0 && shown >= 0 && notFound >= 0, t.dump("the three requests"));
		// Newest first.
		assert.ok(notFound < shown && shown < rooms, t.dump("newest first"));
		// A 4xx and a 2xx in colours of their own.
		const statusCell = (i, status) => {
			const y = i + 2;
			return t.cell(t.screen()[y].indexOf(` ${status} `) + 1, y);
		};
		const ok = statusCell(shown, 200), bad = statusCell(notFound, 404);
		assert.equal(ok.chars, "2");
		assert.equal(bad.chars, "4");
		assert.notEqual(bad.fg, ok.fg, "a 404 is not drawn as a 200");
		assert.ok(!ok.fgDefault && !bad.fgDefault, "both coloured");
		// The detail pane names the endpoint.
		assert.match(t.screenText(), /ROOM_GET: Get room|ROOMS_LIST: Get rooms/);
		// A request made while the log is in front shows up at its top;
		// the cursor stays on the request it was on.
		t.write("j");
		await t.waitFor(() => cursorLine(t).includes(`/v2/rooms/${room} `));
		const broadcast = /^ ?POST +\/v2\/rooms\/[^ ]+\/broadcast-event +204 /;
		t.command(`:room broadcast ${room} '{"kind":"hello"}'`);
		await t.waitFor(() => broadcast.test(logRows(t)[0]));
		assert.match(cursorLine(t), new RegExp(`GET +/v2/rooms/${room} +200 `), t.dump("the cursor stayed"));
		// On the newest, the cursor follows the newest.
		t.write("g");
		await t.waitFor(() => broadcast.test(cursorLine(t)));
		const prewarm = new RegExp(`^ ?GET +/v2/rooms/${room}/prewarm +2\\d\\d `);
		t.command(`:room prewarm ${room}`);
		await t.waitFor(() => prewarm.test(cursorLine(t)));
		assert.equal(rowOf(t, prewarm), 0);
		assert.equal(await t.exit(), 0);
	});

	test("-v with the screen writes no log over it: the log is on @", async () => {
		const t = spawnLbtui({ cols: 120, rows: 30, env, args: ["-v"] });
		running.push(t);
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:room show ${room}`);
		await t.waitFor(`› ${room}`);
		await t.waitIdle();
		assert.ok(!t.output.includes("http: "), t.dump("no log line on the terminal"));
		t.write("@");
		await t.waitFor(new RegExp(`GET +/v2/rooms/${room} +200 `));
		assert.equal(await t.exit(), 0);
	});

	test("Enter shows a request as a curl command that works, without the key", async () => {
		const t = start();
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:room show ${room}`);
		await t.waitFor(`› ${room}`);
		t.command(`:room broadcast ${room} '{"kind":"it'\\''s"}'`);
		await t.waitIdle();
		t.write("@");
		await t.waitFor(/METHOD +PATH/);
		// The newest is the broadcast: a POST with a JSON body.
		t.key("Enter");
		await t.waitFor(/curl -X POST/);
		let cmd = curlCommand(t);
		assert.match(cmd, new RegExp(`^curl -X POST 'http://127\\.0\\.0\\.1:\\d+/v2/rooms/${room}/broadcast-event' \\\\`));
		assert.match(cmd, /-H "Authorization: Bearer \$LIVEBLOCKS_SECRET_KEY"/);
		assert.match(cmd, /-H 'Content-Type: application\/json'/);
		assert.match(cmd, /--data-binary '\{"kind":"it'\\''s"\}'$/);
		assert.ok(!t.screenText().includes(SECRET), "the key is never on the screen");
		const before = await count("POST", "/v2/rooms/:roomId/broadcast-event");
		let r = await sh(cmd + " -s -o /dev/null -w '%{http_code}'", { LIVEBLOCKS_SECRET_KEY: SECRET });
		assert.equal(r.stdout, "204", r.stderr);
		assert.equal(await count("POST", "/v2/rooms/:roomId/broadcast-event"), before + 1);
		// Back in the log, the GET of the room.
		t.write("q");
		await t.waitFor(/METHOD +PATH/);
		// Searched by its endpoint.
		t.write("/");
		t.command("ROOM_GET");
		t.key("Enter");
		await t.waitFor(/curl -X GET/);
		cmd = curlCommand(t);
		assert.equal(cmd, `curl -X GET '${stack.url}/v2/rooms/${room}' \\\n-H "Authorization: Bearer $LIVEBLOCKS_SECRET_KEY"`);
		r = await sh(cmd + " -s -w '\\n%{http_code}'", { LIVEBLOCKS_SECRET_KEY: SECRET });
		const [body, code] = r.stdout.split("\n");
		assert.equal(code, "200", r.stderr);
		assert.equal(JSON.parse(body).id, room);
		// Without the key the same command is refused: the key came from
		// the environment, not from the command.
		r = await sh(cmd + " -s -o /dev/null -w '%{http_code}'", {});
		assert.match(r.stdout, /^40[13]$/, "refused without the key");
		assert.equal(await t.exit(), 0);
	});
});

describe("-v in batch mode", () => {
	let stack, env;
	const room = uniq("req-v");

	before(async () => {
		stack = await startStack();
		env = serverEnv(stack.url);
		await createRoom(stack.url, room);
	});
	after(async () => {
		if (stack)
			await stack.stop();
	});

	test("prints one line a request, the endpoint named, never the key", async () => {
		const r = await runBatch(["-v", "-e", `room show ${room}`, "-e", `room broadcast ${room} '{"kind":"v"}'`], env);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stderr.split("\n").filter((l) => l.startsWith("http: "));
		assert.equal(lines.length, 2, r.stderr);
		assert.match(lines[0], new RegExp(`^http: GET /v2/rooms/${room} 200 \\d+ ms \\d+ bytes ROOM_GET$`));
		assert.match(lines[1], new RegExp(`^http: POST /v2/rooms/${room}/broadcast-event 204 \\d+ ms 0 bytes BROADCAST_EVENT_SDK$`));
		assert.ok(!r.stderr.includes(SECRET));
		assert.ok(!r.stdout.includes("http: "), "the log goes to stderr only");
	});

	test("a rate-limited read: the 429 with its headers, then the retry with the server's warning", async () => {
		// Raw answers: a server may send what Node's own would refuse (an
		// escape in a header).
		const room = JSON.stringify({ type: "room", id: "r1", createdAt: "2024-01-01T00:00:00.000Z", defaultAccesses: [], usersAccesses: {}, groupsAccesses: {}, metadata: {} });
		const limited = '{"error":"RATE_LIMITED","message":"slow down"}';
		const answers = [
			"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 0\r\n" +
				"X-RateLimit-Limit: 10\r\nX-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: 1700000000\r\n" +
				`Content-Length: ${limited.length}\r\n\r\n${limited}`,
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
				"X-LB-Warn: this key sk_live_abcdefghijkl is deprecated\x1b[31m\r\n" +
				`Content-Length: ${room.length}\r\n\r\n${room}`,
		];
		let n = 0;
		const server = net.createServer((sock) => {
			let head = "";
			sock.on("data", (d) => {
				head += d;
				while (head.includes("\r\n\r\n")) {
					head = head.slice(head.indexOf("\r\n\r\n") + 4);
					sock.write(answers[Math.min(n++, answers.length - 1)]);
				}
			});
			sock.on("error", () => {});
		});
		await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
		try {
			const url = `http://127.0.0.1:${server.address().port}`;
			const r = await runBatch(["-v", "-e", "room show r1"], serverEnv(url));
			assert.equal(r.code, 0, r.stderr);
			const lines = r.stderr.split("\n").filter((l) => l.startsWith("http: "));
			assert.equal(lines.length, 2, r.stderr);
			assert.equal(lines[0].replace(/ \d+ ms /, " N ms "),
				`http: GET /v2/rooms/r1 429 N ms ${limited.length} bytes ROOM_GET; retry in 0 ms; ` +
				"rate limit 10, remaining 0, reset 1700000000; retry-after 0");
			assert.match(lines[1], /^http: GET \/v2\/rooms\/r1 200 \d+ ms \d+ bytes ROOM_GET; retry 1; warn: this key sk_live_…(ijkl)? is deprecated␛\[31m$/);
			assert.ok(!r.stderr.includes("abcdefgh"), "a key in a header is masked");
			assert.ok(!r.stderr.includes("\x1b"), "no escape reaches the terminal");
		} finally {
			server.close();
		}
	});
});
