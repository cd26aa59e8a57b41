// Tokens in batch mode (-e) and on the screen against the emulator: an
// access token with the permissions builder (checked before anything is
// sent), an ID token with groups, the deprecated single-room tokens; the
// token shown with its decoded header and claims; 404, 422 and 403 said;
// and no token in any file lbtui keeps (history, request log, state).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, makeHome, runBatch, serverEnv, spawnLbtui, uniq, emulatorControl } from "./harness.mjs";

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

function run(cmd, extra = [], env = {}, opts = {}) {
	return runBatch(["-e", cmd, ...extra], serverEnv(stack.url, env), opts);
}

/** The emulator's control endpoint (harness.mjs). */
const control = (method, p, body) => emulatorControl(stack, method, p, body);

async function count(method, p) {
	return (await control("GET", `/requests?method=${method}&path=${encodeURIComponent(p)}`)).count;
}

/** The claims of a JWT, read here independently of lbtui. */
function claims(token) {
	return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
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

test("token authorize prints the token, its header and claims, and its expiry", async () => {
	const r = await run("token authorize ada --room room-1=room:write --room 'team-*=room:read,comments:write' --info '{\"name\":\"Ada\"}' --org acme");
	assert.equal(r.code, 0, r.stderr);
	const token = r.stdout.match(/^token\s+(\S+)$/m)[1];
	const c = claims(token);
	assert.equal(c.uid, "ada");
	assert.deepEqual(c.perms, { "room-1": ["room:write"], "team-*": ["room:read", "comments:write"] });
	assert.match(r.stdout, /^header\s+\{"alg":"none","typ":"JWT"\}$/m);
	assert.match(r.stdout, /^user\s+ada$/m);
	assert.match(r.stdout, /^  room-1\s+\["room:write"\]$/m);
	assert.match(r.stdout, /^  team-\*\s+\["room:read","comments:write"\]$/m);
	assert.match(r.stdout, /^expires\s+\d{4}-\d\d-\d\d \d\d:\d\d \(in (59|60) minutes\)$/m);

	const j = await run("token authorize ada --room room-1=room:read", ["--json"]);
	assert.equal(j.code, 0, j.stderr);
	const answer = JSON.parse(j.stdout);
	assert.deepEqual(Object.keys(answer), ["token"]);
	assert.deepEqual(claims(answer.token).perms, { "room-1": ["room:read"] });
});

test("the permissions builder refuses what the API would, before anything is sent", async () => {
	await control("DELETE", "/requests");
	for (const [cmd, why] of [
		["token authorize ada --room room-1=room:admin", /unknown permission 'room:admin'/],
		["token authorize ada --room 'a*b=room:read'", /'a\*b' is not a room pattern/],
		["token authorize ada --room room-1", /PATTERN=PERMS/],
		["token authorize ada", /needs permissions/],
		["token authorize ada --room r=room:read --info '[1]'", /--info wants a JSON object/],
		[`token authorize ada ${Array.from({ length: 11 }, (_, i) => `--room r${i}=room:read`).join(" ")}`, /at most 10/],
	]) {
		const r = await run(cmd);
		assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
		assert.match(r.stderr, why);
	}
	assert.equal(await count("POST", "/v2/authorize-user"), 0);
});

test("token identify gives an ID token with the user's groups", async () => {
	const r = await run("token identify bob --group eng --group ops --org acme");
	assert.equal(r.code, 0, r.stderr);
	const token = r.stdout.match(/^token\s+(\S+)$/m)[1];
	assert.deepEqual(claims(token).gids, ["eng", "ops"]);
	assert.match(r.stdout, /^groups\s+\["eng","ops"\]$/m);
	assert.match(r.stdout, /^kind\s+id$/m);
});

test("token room: the deprecated endpoints work and say they are deprecated", async () => {
	const pub = uniq("tok-pub"), priv = uniq("tok-priv");
	await createRoom(stack.url, pub, { defaultAccesses: ["room:write"] });
	await createRoom(stack.url, priv, { defaultAccesses: [] });
	let r = await run(`token room ${priv} cy --group eng`);
	assert.equal(r.code, 0, r.stderr);
	assert.equal(claims(r.stdout.match(/^token\s+(\S+)$/m)[1]).roomId, priv);
	assert.match(r.stdout + r.stderr, /deprecated endpoint/);

	r = await run(`token room ${pub} --public --public-key pk_localdev`);
	assert.equal(r.code, 0, r.stderr);
	assert.equal(claims(r.stdout.match(/^token\s+(\S+)$/m)[1]).roomId, pub);
	assert.equal(await count("POST", `/v2/rooms/${pub}/public/authorize`), 1);

	// A private room refuses a public key: the server's 403.
	r = await run(`token room ${priv} --public`, [], { LIVEBLOCKS_PUBLIC_KEY: "pk_localdev" });
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /403/);
	r = await run(`token room ${pub} --public`);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /needs the public key/);
	// No such room: 404.
	r = await run(`token room ${uniq("nope")} cy`);
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /404/);
});

test("422 and 403 answers are said", async () => {
	await control("POST", "/faults", { method: "POST", path: "/v2/identify-user", type: "status", status: 422, count: 1 });
	let r = await run("token identify ada");
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /422/);
	r = await run("token authorize ada --room r=room:read", [], { LIVEBLOCKS_SECRET_KEY: "sk_wrong_key_123" });
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /403/);
	assert.doesNotMatch(r.stdout, /eyJ/);
});

test("no token is written to the history, the request log or any state file", async () => {
	// A JWT's header always starts with eyJ ("{"): none may be in a file.
	const home = makeHome();
	const b = await run("token authorize ada --room r=room:write", ["-v"], {}, { home });
	assert.equal(b.code, 0, b.stderr);
	assert.match(b.stdout, /^token\s+eyJ/m);
	assert.doesNotMatch(b.stderr, /eyJ/, "the verbose request log holds no token");

	const t = spawnLbtui({ cols: 200, rows: 40, env: serverEnv(stack.url), home });
	running.push(t);
	await t.waitFor(/rooms/);
	t.command(":token identify ada --group eng");
	// The token (shortened) and its claims in the token view.
	await t.waitFor(/│ token +eyJ\S{9}…\S{6} /);
	await t.waitFor(/groups\s+eng/);
	assert.match(t.screenText(), /expires\s+\d{4}-\d\d-\d\d \d\d:\d\d \(in (59|60) minutes\)/);
	await t.waitIdle();
	t.key("Esc");
	t.write("@");
	await t.waitFor(/identify-user/);
	t.key("Enter");
	await t.waitIdle();
	assert.equal(await t.exit(), 0);

	const files = filesUnder(home);
	const history = files.find(([p]) => p.endsWith(path.join("lbtui", "history")));
	assert.ok(history, `a history file among ${files.map(([p]) => p)}`);
	assert.match(history[1].replace(/\\040/g, " "), /token identify ada --group eng/);
	for (const [p, text] of files)
		assert.ok(!text.includes("eyJ"), `${p} holds a token`);
	fs.rmSync(home, { recursive: true, force: true });
});
