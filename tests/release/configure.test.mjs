// configure, as a packager meets it: --help lists lbtui's own options one
// line each, and a missing dependency stops it with a message that names
// the Debian package and the pkg-config module.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { ROOT, tempDir } from "../e2e/harness.mjs";

const CONFIGURE = path.join(ROOT, "configure");

function configure(args, env = {}) {
	const dir = tempDir("lbtui-configure-");
	const r = spawnSync(CONFIGURE, args, {
		cwd: dir,
		env: { ...process.env, ...env },
		encoding: "utf8",
		timeout: 120000,
	});
	fs.rmSync(dir, { recursive: true, force: true });
	return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The options configure.ac defines itself (its AC_ARG_ENABLE and
 * AC_ARG_WITH, and the completion directories of LB_COMPLETION_DIR). */
function ownOptions() {
	const ac = fs.readFileSync(path.join(ROOT, "configure.ac"), "utf8");
	const out = [];
	for (const m of ac.matchAll(/AC_ARG_ENABLE\(\[([\w-]+)\]/g))
		out.push(`--enable-${m[1]}`);
	for (const m of ac.matchAll(/^LB_COMPLETION_DIR\(\[(\w+)\]/gm))
		out.push(`--with-${m[1]}-completion-dir`);
	for (const m of ac.matchAll(/AC_ARG_WITH\(\[([\w-]+)\]/g))
		if (!m[1].includes("$"))
			out.push(`--with-${m[1]}`);
	return out;
}

describe("configure --help", () => {
	test("lists each of lbtui's options on one line, with what it does", () => {
		assert.ok(fs.existsSync(CONFIGURE), "run autoreconf -fi first (scripts/setup.sh does)");
		const r = configure(["--help"]);
		assert.equal(r.code, 0, r.err);
		const lines = r.out.split("\n");
		const opts = ownOptions();
		assert.deepEqual(
			opts.sort(),
			[
				"--enable-sanitizers",
				"--enable-werror",
				"--with-bash-completion-dir",
				"--with-fish-completion-dir",
				"--with-zsh-completion-dir",
			].sort(),
		);
		for (const opt of opts) {
			const at = lines.findIndex((l) => l.trimStart().split(/[\s=[]/)[0] === opt);
			assert.ok(at >= 0, `${opt} is not in configure --help`);
			const line = lines[at];
			// The description follows on the same line ...
			assert.match(line, new RegExp(`^  ${opt}\\S*\\s{2,}\\S.{8,}$`), `${opt}: ${line}`);
			// ... and does not go on to the next one.
			const next = lines[at + 1] ?? "";
			assert.ok(next === "" || /^  -/.test(next), `${opt} takes two lines:\n${line}\n${next}`);
		}
		// The completion directories say where they go by default.
		const bash = lines.find((l) => l.includes("--with-bash-completion-dir"));
		assert.match(bash, /\[DATADIR\/bash-completion\/completions\]/);
	});
});

// The pkg-config modules lbtui needs, their Debian packages, and what
// configure calls them.
const DEPS = [
	{ module: "ncursesw", pkg: "libncurses-dev" },
	{ module: "libcurl", pkg: "libcurl4-openssl-dev" },
	{ module: "libcjson", pkg: "libcjson-dev" },
	{ module: "libedit", pkg: "libedit-dev" },
	{ module: "nettle", pkg: "nettle-dev" },
];

/** A pkg-config directory with every module of the system but one. */
function pcDirWithout(module) {
	const dir = tempDir("lbtui-pc-");
	const search = spawnSync("pkg-config", ["--variable", "pc_path", "pkg-config"], {
		encoding: "utf8",
	}).stdout.trim();
	for (const d of search.split(":")) {
		if (!fs.existsSync(d))
			continue;
		for (const f of fs.readdirSync(d)) {
			if (!f.endsWith(".pc") || f === `${module}.pc` || fs.existsSync(path.join(dir, f)))
				continue;
			fs.symlinkSync(path.join(d, f), path.join(dir, f));
		}
	}
	return dir;
}

describe("a missing dependency", () => {
	for (const dep of DEPS) {
		test(`${dep.module}: configure names ${dep.pkg} and the module`, () => {
			const pc = pcDirWithout(dep.module);
			try {
				const r = configure([], { PKG_CONFIG_LIBDIR: pc, PKG_CONFIG_PATH: "" });
				assert.notEqual(r.code, 0, "configure went on without " + dep.module);
				const err = r.err.split("\n").find((l) => l.startsWith("configure: error:")) || "";
				assert.match(err, new RegExp(`pkg-config module ${dep.module}\\b`), r.err);
				assert.match(err, new RegExp(`apt-get install ${dep.pkg}$`), r.err);
			} finally {
				fs.rmSync(pc, { recursive: true, force: true });
			}
		});
	}

	test("libwslay (no pkg-config module): configure names libwslay-dev", () => {
		const r = configure([], { ac_cv_header_wslay_wslay_h: "no" });
		assert.notEqual(r.code, 0);
		const err = r.err.split("\n").find((l) => l.startsWith("configure: error:")) || "";
		assert.match(err, /wslay\/wslay\.h was not found .*no pkg-config module.*apt-get install libwslay-dev$/, r.err);
	});

	test("the dependencies found: configure goes through", () => {
		const r = configure(["-q"]);
		assert.equal(r.code, 0, r.err);
	});
});
