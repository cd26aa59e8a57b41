// make install, as a user or a packager runs it: at a temporary --prefix
// and with DESTDIR, from a build of the source tree. The installed lbtui
// says its version, draws a theme given by name from the installed themes
// (never from the source tree), its manual page is where man looks, its
// completions are where each shell looks, nothing else is installed, and
// make uninstall takes it all away.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ROOT, serverEnv, spawnLbtui, tempDir } from "../e2e/harness.mjs";

const WORK = tempDir("lbtui-install-");
const BUILD = path.join(WORK, "build");
const PREFIX = path.join(WORK, "prefix");
const STAGE = path.join(WORK, "stage");
// Nothing listens there: the screen opens and says so.
const NOWHERE = serverEnv("http://127.0.0.1:9");

function run(cmd, args, opts = {}) {
	const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 900000, ...opts });
	if (r.status !== 0)
		throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
	return r.stdout;
}

/** Every file (and symlink) under dir, relative, sorted. */
function filesUnder(dir) {
	const out = [];
	const walk = (d) => {
		if (!fs.existsSync(d))
			return;
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory())
				walk(p);
			else
				out.push(path.relative(dir, p));
		}
	};
	walk(dir);
	return out.sort();
}

const INSTALLED = [
	"bin/lbtui",
	"share/bash-completion/completions/lbtui",
	"share/fish/vendor_completions.d/lbtui.fish",
	"share/lbtui/themes/default.theme",
	"share/lbtui/themes/light.theme",
	"share/man/man1/lbtui.1",
	"share/zsh/site-functions/_lbtui",
];

/** Open the screen of bin with --theme name; resolves to the screen. */
async function screenWithTheme(bin, name) {
	process.env.LBTUI_BIN = bin;
	const t = spawnLbtui({ args: ["--theme", name], env: NOWHERE, cols: 220, rows: 12 });
	try {
		await t.waitFor((s) => s.includes("Resources") && /theme|127\.0\.0\.1/.test(s.split("\n").slice(-2).join("")), {
			timeout: 10000,
		});
		await t.settle();
		return { title: t.cell(0, 0), text: t.screenText() };
	} finally {
		await t.close();
	}
}

/** The last rows of the screen: the message line. */
const messageOf = (text) => text.split("\n").slice(-3).join("\n");

before(() => {
	fs.mkdirSync(BUILD, { recursive: true });
	run(path.join(ROOT, "configure"), ["-q", `--prefix=${PREFIX}`], { cwd: BUILD });
	run("make", ["-s", "-j2"], { cwd: BUILD });
});

after(() => {
	fs.rmSync(WORK, { recursive: true, force: true });
});

describe("make install DESTDIR=STAGE (a package being built)", () => {
	const staged = () => path.join(STAGE, PREFIX);

	test("installs the program, its themes, manual page and completions, nothing else", () => {
		run("make", ["-s", "install", `DESTDIR=${STAGE}`], { cwd: BUILD });
		assert.deepEqual(filesUnder(staged()), INSTALLED);
		assert.deepEqual(filesUnder(STAGE), INSTALLED.map((f) => path.relative(STAGE, path.join(staged(), f))).sort());
	});

	test("the staged binary finds the staged themes beside it", async () => {
		const bin = path.join(staged(), "bin", "lbtui");
		const light = await screenWithTheme(bin, "light");
		// light.theme: the title white on blue.
		assert.equal(light.title.fg, 7, JSON.stringify(light.title));
		assert.equal(light.title.bg, 4, JSON.stringify(light.title));
		assert.doesNotMatch(messageOf(light.text), /theme/);
		const missing = await screenWithTheme(bin, "no-such-theme");
		const msg = messageOf(missing.text);
		assert.match(msg, /theme 'no-such-theme' not found/);
		assert.ok(msg.includes(path.join(staged(), "share", "lbtui", "themes")), msg);
		assert.ok(!msg.includes(path.join(ROOT, "themes")), `looked in the source tree: ${msg}`);
		fs.rmSync(STAGE, { recursive: true, force: true });
	});
});

describe("make install at a --prefix", () => {
	const bin = path.join(PREFIX, "bin", "lbtui");

	test("installs the program, its themes, manual page and completions, nothing else", () => {
		run("make", ["-s", "install"], { cwd: BUILD });
		assert.deepEqual(filesUnder(PREFIX), INSTALLED);
	});

	test("lbtui --version runs from the prefix", () => {
		const out = run(bin, ["--version"]);
		const ac = fs.readFileSync(path.join(ROOT, "configure.ac"), "utf8");
		const release = /AC_INIT\(\[lbtui\], \[([^\]]+)\]/.exec(ac)[1];
		assert.match(out.split("\n")[0], new RegExp(`^lbtui ${release.replace(/\./g, "\\.")}\\b`));
		for (const lib of ["libcurl", "ncurses", "cJSON", "libedit"])
			assert.match(out, new RegExp(`^${lib} \\d`, "m"), out);
	});

	test("a theme by name comes from the prefix, never from the source tree", async () => {
		const light = await screenWithTheme(bin, "light");
		assert.equal(light.title.fg, 7, JSON.stringify(light.title));
		assert.equal(light.title.bg, 4, JSON.stringify(light.title));
		const dflt = await screenWithTheme(bin, "default");
		// default.theme: the title black on cyan.
		assert.equal(dflt.title.fg, 0, JSON.stringify(dflt.title));
		assert.equal(dflt.title.bg, 6, JSON.stringify(dflt.title));
		const missing = await screenWithTheme(bin, "no-such-theme");
		const msg = messageOf(missing.text);
		assert.match(msg, /theme 'no-such-theme' not found/);
		assert.ok(msg.includes(path.join(PREFIX, "share", "lbtui", "themes")), msg);
		assert.ok(!msg.includes(path.join(ROOT, "themes")), `looked in the source tree: ${msg}`);
	});

	test("man finds the manual page there, with the release's version", () => {
		const man = path.join(PREFIX, "share", "man");
		assert.equal(run("man", ["-M", man, "-w", "lbtui"]).trim(), path.join(man, "man1", "lbtui.1"));
		const page = run("man", ["-M", man, "-P", "cat", "lbtui"], { env: { ...process.env, MANWIDTH: "80" } });
		assert.match(page, /lbtui - a terminal browser for Liveblocks projects/);
		assert.match(page, /--version/);
		const ac = fs.readFileSync(path.join(ROOT, "configure.ac"), "utf8");
		const release = /AC_INIT\(\[lbtui\], \[([^\]]+)\]/.exec(ac)[1];
		assert.match(page, new RegExp(`^lbtui ${release.replace(/\./g, "\\.")}\\s+\\d{4}-\\d{2}-\\d{2}\\s+LBTUI\\(1\\)$`, "m"));
	});

	test("bash-completion's loader finds the completion under the prefix", () => {
		// As bash-completion does for an lbtui under /usr/local: through
		// XDG_DATA_DIRS.
		const script = [
			"source /usr/share/bash-completion/bash_completion",
			"__load_completion lbtui || _completion_loader lbtui",
			"complete -p lbtui",
		].join("\n");
		const out = run("bash", ["--norc", "--noprofile", "-c", script], {
			env: { ...process.env, XDG_DATA_DIRS: path.join(PREFIX, "share"), BASH_COMPLETION_USER_DIR: path.join(WORK, "none") },
		});
		assert.match(out, /^complete .*-F _lbtui.* lbtui$/m);
	});

	test("fish finds the completion under the prefix", () => {
		const home = tempDir("lbtui-fish-");
		try {
			const out = run("fish", ["-c", "complete -C 'lbtui --ver'"], {
				// fish loads vendor completions of commands on PATH.
				env: {
					...process.env,
					PATH: `${path.join(PREFIX, "bin")}:${process.env.PATH}`,
					HOME: home,
					XDG_CONFIG_HOME: path.join(home, ".config"),
					XDG_DATA_DIRS: path.join(PREFIX, "share"),
				},
			});
			assert.match(out, /^--version/m);
		} finally {
			fs.rmSync(home, { recursive: true, force: true });
		}
	});

	test("make uninstall leaves no file behind", () => {
		run("make", ["-s", "uninstall"], { cwd: BUILD });
		assert.deepEqual(filesUnder(PREFIX), []);
	});
});
