// Shell completion (completions/): bash, zsh and fish complete lbtui's
// options, the config file's profile names, theme names and the command
// names inside -e '…'. Driven as a user meets them: bash's complete -p and
// the completion function, an interactive bash and zsh in a
// pseudo-terminal (what is drawn after Tab), fish's complete -C; and the
// lists in the files compared with lbtui --help, so that they cannot drift.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import pty from "node-pty";
import xterm from "@xterm/headless";
import { ROOT, lbtuiBin, makeHome, tempDir } from "./harness.mjs";

const BASH = path.join(ROOT, "completions", "bash", "lbtui");
const ZSH = path.join(ROOT, "completions", "zsh", "_lbtui");
const FISH = path.join(ROOT, "completions", "fish", "lbtui.fish");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

// --- what lbtui --help says ----------------------------------------------------

function help() {
	const r = spawnSync(lbtuiBin(), ["--help"], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: makeHome() } });
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

/** The command names of --help: the leading lowercase words of each line
 * of its Commands part. */
function helpCommands() {
	const lines = help().split("\n");
	const at = lines.findIndex((l) => l.startsWith("Commands"));
	assert.ok(at > 0, "no Commands part in --help");
	const out = [];
	for (const l of lines.slice(at + 1)) {
		if (!l.trim())
			continue;
		const words = [];
		for (const w of l.split(/\s+/)) {
			if (!/^[a-z][a-z-]*$/.test(w))
				break;
			words.push(w);
		}
		out.push(words.join(" "));
	}
	return out;
}

/** The options of --help: "  -p, --profile NAME ..." lines. */
function helpOptions() {
	const out = [];
	for (const m of help().matchAll(/^ {2}(-[A-Za-z]), (--[a-z-]+)/gm))
		out.push(m[1], m[2]);
	return out.sort();
}

// --- what each file holds ------------------------------------------------------

const read = (f) => fs.readFileSync(f, "utf8");

function bashCommands() {
	return /^_lbtui_commands='([^']*)'/m.exec(read(BASH))[1].split("\n");
}
function bashOptions() {
	return /^_lbtui_options='([^']*)'/m.exec(read(BASH))[1].split(/\s+/).filter(Boolean).sort();
}
function zshCommands() {
	const block = /^\s*_lbtui_commands=\(\n([\s\S]*?)\n\s*\)/m.exec(read(ZSH))[1];
	return [...block.matchAll(/'([^']+)'/g)].map((m) => m[1]);
}
function zshOptions() {
	const args = read(ZSH).slice(read(ZSH).indexOf("_arguments"));
	const out = [];
	for (const m of args.matchAll(/\{(-[A-Za-z])\+?,(--[a-z-]+)=?\}/g))
		out.push(m[1], m[2]);
	return out.sort();
}
function fishCommands() {
	const block = /^set -g __lbtui_commands \\\n([\s\S]*?)\n\n/m.exec(read(FISH))[1];
	return [...block.matchAll(/'([^']+)'/g)].map((m) => m[1]);
}
function fishOptions() {
	const out = [];
	for (const m of read(FISH).matchAll(/^complete -c lbtui -s (\S) -l (\S+)/gm))
		out.push(`-${m[1]}`, `--${m[2]}`);
	return out.sort();
}

describe("the completions and lbtui --help", () => {
	test("bash, zsh and fish name every command of --help, and no other", () => {
		const cmds = helpCommands();
		assert.ok(cmds.length > 50 && cmds.includes("room copy") && cmds.includes("notification delete-all"));
		assert.deepEqual(bashCommands(), cmds, "completions/bash/lbtui");
		assert.deepEqual(zshCommands(), cmds, "completions/zsh/_lbtui");
		assert.deepEqual(fishCommands(), cmds, "completions/fish/lbtui.fish");
	});

	test("bash, zsh and fish name every option of --help, and no other", () => {
		const opts = helpOptions();
		assert.ok(opts.includes("--profile") && opts.includes("-V"));
		assert.deepEqual(bashOptions(), opts, "completions/bash/lbtui");
		assert.deepEqual(zshOptions(), opts, "completions/zsh/_lbtui");
		assert.deepEqual(fishOptions(), opts, "completions/fish/lbtui.fish");
	});
});

// --- a world to complete in: a config with profiles, themes -------------------

let home;
let prefix; // PREFIX/bin/lbtui and PREFIX/share/lbtui/themes, as installed
let env;

before(() => {
	home = makeHome();
	fs.writeFileSync(
		path.join(home, ".config", "lbtui", "config"),
		"profile = prod\n# [profile commented]\n[profile prod]\nsecret = sk_localdev\n\n  [ profile staging-2 ]  # the second\nread_only = yes\n[keys]\n",
		{ mode: 0o600 },
	);
	fs.mkdirSync(path.join(home, ".config", "lbtui", "themes"));
	fs.writeFileSync(path.join(home, ".config", "lbtui", "themes", "mine.theme"), "");
	prefix = tempDir("lbtui-prefix-");
	fs.mkdirSync(path.join(prefix, "bin"));
	fs.symlinkSync(lbtuiBin(), path.join(prefix, "bin", "lbtui"));
	fs.mkdirSync(path.join(prefix, "share", "lbtui", "themes"), { recursive: true });
	for (const t of ["default", "light", "solarized"])
		fs.writeFileSync(path.join(prefix, "share", "lbtui", "themes", `${t}.theme`), "");
	env = {
		PATH: `${path.join(prefix, "bin")}:${process.env.PATH}`,
		HOME: home,
		XDG_CONFIG_HOME: path.join(home, ".config"),
		XDG_DATA_DIRS: path.join(prefix, "nothing-here"),
		LANG: "C.UTF-8",
		TERM: "xterm-256color",
	};
});

after(() => {
	fs.rmSync(prefix, { recursive: true, force: true });
});

// --- bash ---------------------------------------------------------------------

/** COMPREPLY of _lbtui for the words of a command line (the last is the
 * word being completed), as bash itself splits them. */
function bashComplete(words, extra = "") {
	const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
	const script = [
		`source ${q(BASH)}`,
		extra,
		`COMP_WORDS=(${words.map(q).join(" ")})`,
		"COMP_CWORD=$((${#COMP_WORDS[@]} - 1))",
		'COMP_LINE="${COMP_WORDS[*]}"',
		"COMP_POINT=${#COMP_LINE}",
		"_lbtui lbtui \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"",
		'printf "%s\\n" "${COMPREPLY[@]}"',
	].join("\n");
	const r = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { encoding: "utf8", env });
	assert.equal(r.status, 0, r.stderr);
	assert.equal(r.stderr, "");
	return r.stdout.split("\n").filter(Boolean).sort();
}

describe("bash", () => {
	test("complete -p: lbtui is completed by _lbtui", () => {
		const r = spawnSync("bash", ["--norc", "--noprofile", "-c", `source '${BASH}'; complete -p lbtui`], {
			encoding: "utf8",
			env,
		});
		assert.equal(r.stdout.trim(), "complete -F _lbtui lbtui");
	});

	test("options, long and short", () => {
		assert.deepEqual(bashComplete(["lbtui", "--p"]), ["--profile"]);
		assert.deepEqual(bashComplete(["lbtui", "--ver"]), ["--verbose", "--version"]);
		assert.deepEqual(bashComplete(["lbtui", "-"]), helpOptions());
		assert.deepEqual(bashComplete(["lbtui", "-p", "prod", "--re"]), ["--read-only"]);
	});

	test("profile names from the config file, after --profile, -p and --profile=", () => {
		assert.deepEqual(bashComplete(["lbtui", "--profile", ""]), ["prod", "staging-2"]);
		assert.deepEqual(bashComplete(["lbtui", "-p", "st"]), ["staging-2"]);
		// '=' is a word of its own by default (COMP_WORDBREAKS) ...
		assert.deepEqual(bashComplete(["lbtui", "--profile", "=", ""]), ["prod", "staging-2"]);
		assert.deepEqual(bashComplete(["lbtui", "--profile", "=", "p"]), ["prod"]);
		// ... and part of the word without it.
		assert.deepEqual(bashComplete(["lbtui", "--profile=s"], "COMP_WORDBREAKS=${COMP_WORDBREAKS//=}"), [
			"--profile=staging-2",
		]);
	});

	test("no config file: no profile, no error", () => {
		const bare = makeHome();
		const saved = env;
		env = { ...env, HOME: bare, XDG_CONFIG_HOME: "" };
		try {
			assert.deepEqual(bashComplete(["lbtui", "--profile", ""]), []);
		} finally {
			env = saved;
		}
	});

	test("theme names: built in, the user's, and those installed beside the lbtui on PATH", () => {
		assert.deepEqual(bashComplete(["lbtui", "--theme", ""]), ["default", "light", "mine", "solarized"]);
		assert.deepEqual(bashComplete(["lbtui", "-t", "l"]), ["light"]);
		// A theme file by path.
		const dir = tempDir("lbtui-themefile-");
		fs.writeFileSync(path.join(dir, "ocean.theme"), "");
		assert.deepEqual(bashComplete(["lbtui", "--theme", `${dir}/oc`]), [`${dir}/ocean.theme`]);
		fs.rmSync(dir, { recursive: true, force: true });
	});

	test("the installed themes of an lbtui named by its path, off PATH", () => {
		const saved = env;
		env = { ...env, PATH: process.env.PATH };
		try {
			const bin = path.join(prefix, "bin", "lbtui");
			const script = `source '${BASH}'; COMP_WORDS=('${bin}' --theme so); COMP_CWORD=2; _lbtui; printf '%s\\n' "\${COMPREPLY[@]}"`;
			const r = spawnSync("bash", ["--norc", "-c", script], { encoding: "utf8", env });
			assert.deepEqual(r.stdout.split("\n").filter(Boolean), ["solarized"]);
		} finally {
			env = saved;
		}
	});

	test("command names after -e, inside quotes and out", () => {
		// Unquoted: a blank is written "\ ".
		assert.deepEqual(bashComplete(["lbtui", "-e", "ro"]), ["room", "rooms"]);
		assert.deepEqual(bashComplete(["lbtui", "-e", "room\\ c"]), ["room\\ copy", "room\\ create"]);
		assert.deepEqual(bashComplete(["lbtui", "--exec", "user"]), ["user", "user-groups", "users"]);
		// A group's word typed whole: its names, and the commands beside it.
		assert.deepEqual(bashComplete(["lbtui", "-e", "'token"]), ["token authorize", "token identify", "token room"]);
		assert.ok(bashComplete(["lbtui", "-e", "'room"]).includes("rooms"));
		assert.ok(bashComplete(["lbtui", "-e", "'room"]).includes("room show"));
		// After a quote: the first words, a group's whole names.
		assert.deepEqual(bashComplete(["lbtui", "-e", "'ro"]), ["room", "rooms"]);
		assert.deepEqual(bashComplete(["lbtui", "-e", "'room c"]), ["room copy", "room create"]);
		assert.deepEqual(bashComplete(["lbtui", "-e", '"notification d']), [
			"notification delete",
			"notification delete-all",
		]);
		assert.deepEqual(bashComplete(["lbtui", "-e", "'stor"]), [
			"storage",
			"storage delete",
			"storage export",
			"storage init",
			"storage insert",
			"storage move",
			"storage set",
		]);
		assert.deepEqual(bashComplete(["lbtui", "-e", "rooms", "-e", "'thread sh"]), ["thread show"]);
	});

	test("the user's shell options stay as they were and change nothing (set -u, failglob, nullglob)", () => {
		const extra = "set -u; shopt -s failglob nullglob; unset XDG_DATA_DIRS";
		assert.deepEqual(bashComplete(["lbtui", "--theme", ""], extra), ["default", "light", "mine", "solarized"]);
		assert.deepEqual(bashComplete(["lbtui", "--profile", "=", ""], extra), ["prod", "staging-2"]);
		assert.deepEqual(bashComplete(["lbtui", "-e", "'room c"], extra), ["room copy", "room create"]);
		assert.deepEqual(bashComplete(["lbtui", "--js"], extra), ["--json"]);
		const r = spawnSync("bash", ["--norc", "-c", `shopt -s failglob; source '${BASH}'; COMP_WORDS=(lbtui -t ''); COMP_CWORD=2; _lbtui; shopt -p failglob nullglob`], { encoding: "utf8", env });
		assert.equal(r.stdout, "shopt -s failglob\nshopt -u nullglob\n");
		assert.equal(r.stderr, "");
	});

	test("compgen: the words the function offers are lbtui's, ready for compgen -W", () => {
		const script = `source '${BASH}'; compgen -W "$_lbtui_options" -- --th; compgen -W "$(_lbtui_profiles)" -- p`;
		const r = spawnSync("bash", ["--norc", "-c", script], { encoding: "utf8", env });
		assert.deepEqual(r.stdout.split("\n").filter(Boolean), ["--theme", "prod"]);
	});

	test("bash-completion's loader finds it under DATADIR/bash-completion/completions", { skip: !fs.existsSync("/usr/share/bash-completion/bash_completion") && "bash-completion is not installed" }, () => {
		const share = tempDir("lbtui-share-");
		try {
			fs.mkdirSync(path.join(share, "bash-completion", "completions"), { recursive: true });
			fs.copyFileSync(BASH, path.join(share, "bash-completion", "completions", "lbtui"));
			const script = [
				"source /usr/share/bash-completion/bash_completion",
				"complete -p lbtui 2>/dev/null && echo 'loaded too early'",
				"__load_completion lbtui 2>/dev/null || _completion_loader lbtui",
				"complete -p lbtui",
			].join("\n");
			const r = spawnSync("bash", ["--norc", "--noprofile", "-c", script], {
				encoding: "utf8",
				env: { ...env, XDG_DATA_DIRS: share, BASH_COMPLETION_USER_DIR: path.join(share, "none") },
			});
			assert.equal(r.stdout.trim(), "complete -F _lbtui lbtui", r.stderr);
		} finally {
			fs.rmSync(share, { recursive: true, force: true });
		}
	});
});

// --- interactive shells in a pseudo-terminal -------------------------------------

class Shell {
	constructor(cmd, args, extraEnv = {}) {
		this.term = new xterm.Terminal({ cols: 120, rows: 24, allowProposedApi: true, scrollback: 0 });
		this.proc = pty.spawn(cmd, args, {
			name: "xterm-256color",
			cols: 120,
			rows: 24,
			cwd: home,
			env: { ...env, ...extraEnv },
		});
		this.proc.onData((d) => this.term.write(d));
	}

	screen() {
		const buf = this.term.buffer.active;
		const out = [];
		for (let y = 0; y < 24; y++) {
			const line = buf.getLine(buf.viewportY + y);
			out.push(line ? line.translateToString(true) : "");
		}
		return out.join("\n");
	}

	async waitFor(pred, what, timeout = 10000) {
		const end = Date.now() + timeout;
		for (;;) {
			const s = this.screen();
			if (pred(s))
				return s;
			if (Date.now() > end)
				throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
			await sleep(20);
		}
	}

	/** Type text, then wait until the line of the prompt reads `want`. */
	async typeAndSee(text, want) {
		this.proc.write(text);
		return this.waitFor((s) => s.split("\n").some((l) => l === `$ ${want}` || l === `$ ${want.trimEnd()}`), JSON.stringify(want));
	}

	/** Clear the line being edited (Ctrl-C gives a fresh prompt). */
	async reset() {
		this.proc.write("\x03");
		await this.waitFor((s) => s.trimEnd().endsWith("$"), "a fresh prompt");
		this.proc.write("\x0c");
		await this.waitFor((s) => s.trim() === "$", "a clear screen");
	}

	close() {
		try {
			this.proc.kill("SIGKILL");
		} catch {
			// gone
		}
	}
}

describe("bash, interactive", () => {
	test("Tab completes options, and command names inside -e '…'", async () => {
		const sh = new Shell("bash", ["--norc", "--noprofile", "-i"], { PS1: "$ " });
		try {
			await sh.waitFor((s) => s.includes("$"), "the prompt");
			sh.proc.write(`source '${BASH}'\r\x0c`);
			await sh.waitFor((s) => s.trim() === "$", "a clear screen");
			await sh.typeAndSee("lbtui --pro\t", "lbtui --profile ");
			await sh.typeAndSee("st\t", "lbtui --profile staging-2 ");
			await sh.reset();
			// The quote stays open on a group ...
			await sh.typeAndSee("lbtui -e 'stor\t", "lbtui -e 'storage");
			await sh.reset();
			// ... and is closed once one name is left.
			await sh.typeAndSee("lbtui -e 'room cop\t", "lbtui -e 'room copy' ");
			await sh.reset();
			await sh.typeAndSee("lbtui -e room\\ cop\t", "lbtui -e room\\ copy ");
			await sh.reset();
			sh.proc.write("lbtui -e 'room c\t\t");
			await sh.waitFor((s) => /room copy\s+room create/.test(s), "the list of room c…");
		} finally {
			sh.close();
		}
	});
});

describe("zsh", { skip: !have("zsh") && "zsh is not installed" }, () => {
	test("Tab completes options, profiles, themes and command names inside -e '…'", async () => {
		const fpath = tempDir("lbtui-fpath-");
		fs.copyFileSync(ZSH, path.join(fpath, "_lbtui"));
		const sh = new Shell("zsh", ["-f", "-i"], { PS1: "$ " });
		try {
			await sh.waitFor((s) => s.includes("$"), "the prompt");
			sh.proc.write(`PS1='$ '; fpath=(${fpath} $fpath); autoload -U compinit; compinit -u -D; clear\r`);
			await sh.waitFor((s) => s.trim() === "$", "compinit");
			await sh.typeAndSee("lbtui --th\t", "lbtui --theme=");
			await sh.typeAndSee("so\t", "lbtui --theme=solarized ");
			await sh.reset();
			await sh.typeAndSee("lbtui --profile st\t", "lbtui --profile staging-2 ");
			await sh.reset();
			await sh.typeAndSee("lbtui -e 'room cop\t", "lbtui -e 'room copy' ");
			await sh.reset();
			// Unquoted, zsh escapes the space.
			await sh.typeAndSee("lbtui -e notification\\ delete-\t", "lbtui -e notification\\ delete-all ");
			await sh.reset();
			await sh.typeAndSee("lbtui -e 'stor\t", "lbtui -e 'storage");
		} finally {
			sh.close();
			fs.rmSync(fpath, { recursive: true, force: true });
		}
	});
});

// --- fish ---------------------------------------------------------------------

describe("fish", { skip: !have("fish") && "fish is not installed" }, () => {
	let share;

	before(() => {
		// Where fish looks: $XDG_DATA_DIRS/fish/vendor_completions.d.
		share = tempDir("lbtui-share-");
		fs.mkdirSync(path.join(share, "fish", "vendor_completions.d"), { recursive: true });
		fs.copyFileSync(FISH, path.join(share, "fish", "vendor_completions.d", "lbtui.fish"));
	});

	after(() => fs.rmSync(share, { recursive: true, force: true }));

	/** What fish offers for a command line: the candidates, without their
	 * descriptions. */
	function fishComplete(line) {
		// fish loads a command's completions from vendor_completions.d
		// only when the command is on PATH (env.PATH has PREFIX/bin).
		const r = spawnSync("fish", ["-c", `complete -C ${JSON.stringify(line).replace(/\$/g, "\\$")}`], {
			encoding: "utf8",
			env: { ...env, XDG_DATA_DIRS: share },
		});
		assert.equal(r.status, 0, r.stderr);
		assert.equal(r.stderr, "");
		return r.stdout
			.split("\n")
			.filter(Boolean)
			.map((l) => l.split("\t")[0])
			.sort();
	}

	test("options, long and short", () => {
		assert.deepEqual(fishComplete("lbtui --"), helpOptions().filter((o) => o.startsWith("--")));
		assert.deepEqual(fishComplete("lbtui --ver"), ["--verbose", "--version"]);
	});

	test("profile names from the config file", () => {
		assert.deepEqual(fishComplete("lbtui --profile "), ["prod", "staging-2"]);
		assert.deepEqual(fishComplete("lbtui --profile=s"), ["--profile=staging-2"]);
	});

	test("theme names", () => {
		assert.deepEqual(fishComplete("lbtui --theme "), ["default", "light", "mine", "solarized"]);
	});

	test("command names after -e, inside quotes and out", () => {
		assert.deepEqual(fishComplete("lbtui -e 'room c"), ["room copy", "room create"]);
		assert.deepEqual(fishComplete("lbtui -e room\\ c"), ["room copy", "room create"]);
		const first = fishComplete("lbtui -e ro");
		assert.ok(first.includes("rooms") && first.includes("room show"), first.join(", "));
		assert.ok(first.every((c) => c.startsWith("ro")), first.join(", "));
	});
});
