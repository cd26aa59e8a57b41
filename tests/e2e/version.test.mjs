// lbtui --version: lbtui's version from one place (configure.ac, or git
// describe in a git checkout), then a line for each library as curl -V
// does, each checked against what the system says of that library. And
// the release named alike in configure.ac, NEWS and the manual page.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { ROOT, lbtuiBin, makeHome } from "./harness.mjs";

const release = /AC_INIT\(\[lbtui\], \[([^\]]+)\]/.exec(
	fs.readFileSync(path.join(ROOT, "configure.ac"), "utf8"),
)[1];

function sh(cmd, args) {
	const r = spawnSync(cmd, args, { encoding: "utf8" });
	assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
	return r.stdout.trim();
}

const modversion = (m) => sh("pkg-config", ["--modversion", m]);
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

let lines = [];
let out = "";

before(() => {
	// No key, no config: --version needs neither.
	const home = makeHome();
	const r = spawnSync(lbtuiBin(), ["--version"], {
		encoding: "utf8",
		env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config") },
	});
	assert.equal(r.status, 0, r.stderr);
	assert.equal(r.stderr, "");
	out = r.stdout;
	lines = out.trimEnd().split("\n");
});

/** The line of --version that starts with name and a blank. */
function lineOf(name) {
	const l = lines.find((x) => x.startsWith(name + " "));
	assert.ok(l, `no ${name} line in:\n${out}`);
	return l;
}

describe("lbtui --version", () => {
	test("first line: lbtui and its version, from git describe or configure.ac", () => {
		const expected = sh("sh", [path.join(ROOT, "scripts", "version.sh"), ROOT, release]);
		assert.equal(lines[0], `lbtui ${expected}`);
		assert.ok(expected.startsWith(release) || /^\d/.test(expected), expected);
	});

	test("libcurl: the version loaded and its TLS backend, as curl -V names them", () => {
		const m = /^libcurl (\S+) \((.+)\)$/.exec(lineOf("libcurl"));
		assert.ok(m, lineOf("libcurl"));
		assert.equal(m[1], modversion("libcurl"));
		// The curl program runs the same libcurl: the same version and TLS.
		const curl = sh("curl", ["-V"]).split("\n")[0];
		assert.ok(curl.includes(`libcurl/${m[1]} `), curl);
		assert.match(m[2], /^(OpenSSL|GnuTLS|NSS|wolfSSL|mbedTLS|Schannel|rustls|BoringSSL|LibreSSL)\/\S+/);
		assert.ok(curl.includes(` ${m[2]} `), `${m[2]} is not in: ${curl}`);
	});

	test("ncurses: the version loaded", () => {
		assert.equal(lineOf("ncurses"), `ncurses ${modversion("ncursesw")}`);
	});

	test("cJSON: the version loaded", () => {
		assert.equal(lineOf("cJSON"), `cJSON ${modversion("libcjson")}`);
	});

	test("libedit: the version built against, and its histedit interface", () => {
		const h = fs.readFileSync("/usr/include/histedit.h", "utf8");
		const major = /#define\s+LIBEDIT_MAJOR\s+(\d+)/.exec(h)[1];
		const minor = /#define\s+LIBEDIT_MINOR\s+(\d+)/.exec(h)[1];
		assert.equal(lineOf("libedit"), `libedit ${modversion("libedit")} (histedit ${major}.${minor})`);
	});

	test("wslay and nettle: the WebSocket framing and its hashing", () => {
		const w = fs.readFileSync("/usr/include/wslay/wslayver.h", "utf8");
		const wslay = /#define\s+WSLAY_VERSION\s+"([^"]+)"/.exec(w)[1];
		const nettle = modversion("nettle").split(".").slice(0, 2).join(".");
		assert.equal(lineOf("wslay"), `wslay ${wslay}, nettle ${nettle}`);
	});

	test("one line each, in curl -V's order: the program, then the libraries", () => {
		assert.deepEqual(
			lines.map((l) => l.split(" ")[0]),
			["lbtui", "libcurl", "ncurses", "cJSON", "libedit", "wslay"],
		);
	});

	test("-V says the same", () => {
		const r = spawnSync(lbtuiBin(), ["-V"], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: makeHome() } });
		assert.equal(r.status, 0);
		assert.equal(r.stdout, out);
	});
});

describe("the release", () => {
	test("NEWS's latest entry, GNU style, is configure.ac's release", () => {
		const news = fs.readFileSync(path.join(ROOT, "NEWS"), "utf8");
		const entries = [...news.matchAll(/^\* Noteworthy changes in release (\S+) \((\d{4}-\d{2}-\d{2})\) \[(stable|beta|alpha)\]$/gm)];
		assert.ok(entries.length >= 1, "no release entry in NEWS");
		assert.equal(entries[0][1], release);
		// Newest first, each release once.
		const versions = entries.map((e) => e[1]);
		assert.equal(new Set(versions).size, versions.length);
		const dates = entries.map((e) => e[2]);
		assert.deepEqual([...dates].sort().reverse(), dates);
	});

	test("the manual page's date and version are the release's", () => {
		const news = fs.readFileSync(path.join(ROOT, "NEWS"), "utf8");
		const date = /^\* Noteworthy changes in release \S+ \((\d{4}-\d{2}-\d{2})\)/m.exec(news)[1];
		const th = fs.readFileSync(path.join(ROOT, "doc", "lbtui.1"), "utf8").split("\n")[0];
		assert.equal(th, `.TH LBTUI 1 "${date}" "lbtui ${release}" "User Commands"`);
	});

	test("scripts/version.sh: the release outside git, git describe inside", () => {
		const outside = fs.mkdtempSync("/tmp/lbtui-nogit-");
		try {
			assert.equal(sh("sh", [path.join(ROOT, "scripts", "version.sh"), outside, release]), release);
		} finally {
			fs.rmSync(outside, { recursive: true, force: true });
		}
		if (fs.existsSync(path.join(ROOT, ".git"))) {
			const v = sh("sh", [path.join(ROOT, "scripts", "version.sh"), ROOT, release]);
			const head = sh("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]);
			const tag = spawnSync("git", ["-C", ROOT, "describe", "--tags", "--match", "v[0-9]*"], { encoding: "utf8" });
			if (tag.status === 0)
				assert.match(v, new RegExp(`^${esc(tag.stdout.trim().slice(1))}(-dirty)?$`));
			else
				assert.match(v, new RegExp(`^${esc(release)}-g${head}[0-9a-f]*(-dirty)?$`));
		}
	});
});
