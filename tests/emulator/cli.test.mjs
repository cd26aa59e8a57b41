// The command line (main.mjs): the ready line, persistence with --data,
// the coverage report on shutdown and the shared coverage file.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startDevServer } from "./stack.mjs";
import { request } from "./helpers.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
let dev;
let dir;

before(async () => {
	dev = await startDevServer();
	dir = mkdtempSync(join(tmpdir(), "lbtui-emu-cli-"));
});
after(async () => {
	await dev?.stop();
	rmSync(dir, { recursive: true, force: true });
});

/** Starts main.mjs; resolves {url, child, firstLine, stop() -> stdout}. */
function run(args, env = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [join(HERE, "main.mjs"), ...args], {
			env: { ...process.env, ...env },
			stdio: ["ignore", "pipe", "pipe"],
		});
		let out = "";
		let err = "";
		child.stderr.on("data", (d) => (err += d));
		child.stdout.on("data", (d) => {
			out += d;
			const nl = out.indexOf("\n");
			if (nl >= 0 && !child.started) {
				child.started = true;
				const firstLine = out.slice(0, nl);
				resolve({
					firstLine,
					url: firstLine.replace("listening on ", ""),
					stop: () =>
						new Promise((r) => {
							child.on("exit", () => r(out));
							child.kill("SIGTERM");
						}),
				});
			}
		});
		child.on("exit", (code) => {
			if (!child.started) reject(new Error(`main.mjs exited ${code}: ${err}`));
		});
	});
}

test("prints the ready line, keeps state across restarts with --data, reports coverage", async () => {
	const data = join(dir, "state");
	const cov = join(dir, "coverage.txt");
	const a = await run(["--port", "0", "--upstream", dev.url, "--data", data], { LBTUI_EMULATOR_COVERAGE: cov });
	assert.match(a.firstLine, /^listening on http:\/\/127\.0\.0\.1:\d+$/);
	assert.equal((await request(a.url, "POST", "/v2/groups", { id: "kept", memberIds: ["m"] })).status, 200);
	assert.equal((await request(a.url, "POST", "/v2/groups/kept/add-members", { memberIds: ["n"] })).status, 200);
	const outA = await a.stop();
	assert.match(outA, /endpoints exercised: 2\/75/);
	assert.match(outA, /not exercised:\n {2}POST \/authorize-user/);

	const b = await run(["--port", "0", "--upstream", dev.url, "--data", data], { LBTUI_EMULATOR_COVERAGE: cov });
	const g = await request(b.url, "GET", "/v2/groups/kept");
	assert.equal(g.status, 200);
	assert.deepEqual(g.body.members.map((m) => m.id), ["m", "n"]);
	await b.stop();

	const lines = readFileSync(cov, "utf8").trim().split("\n");
	assert.deepEqual(lines.sort(), ["GET /groups/:groupId", "POST /groups", "POST /groups/:groupId/add-members"]);
	const summary = execFileSync(process.execPath, [join(HERE, "coverage.mjs"), cov, "--quiet"], { encoding: "utf8" });
	assert.equal(summary, "endpoints exercised: 3/75\nlbtui endpoints: 0/75\n");
});

test("without --data the state is in memory only", async () => {
	const a = await run(["--port", "0", "--upstream", dev.url]);
	await request(a.url, "POST", "/v2/groups", { id: "gone" });
	await a.stop();
	const b = await run(["--port", "0", "--upstream", dev.url]);
	assert.equal((await request(b.url, "GET", "/v2/groups/gone")).status, 404);
	await b.stop();
});

test("bad arguments exit with status 2", () => {
	assert.throws(() => execFileSync(process.execPath, [join(HERE, "main.mjs"), "--port", "0"], { stdio: "pipe" }), (e) => e.status === 2);
	assert.throws(() => execFileSync(process.execPath, [join(HERE, "main.mjs"), "--upstream", "x", "--bogus"], { stdio: "pipe" }), (e) => e.status === 2);
});
