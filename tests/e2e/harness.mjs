// End-to-end harness: drives the real lbtui binary in a pseudo-terminal
// (node-pty) and reads the screen through a terminal emulator
// (@xterm/headless); runs batch mode; starts the official Liveblocks dev
// server on a free port.
//
// LBTUI_BIN selects the binary (default build/lbtui at the top of the tree).
// Sanitizer builds are supported: reports are written to files in a private
// directory and any report makes the run throw, so the test fails.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pty from "node-pty";
import xterm from "@xterm/headless";

const { Terminal } = xterm;

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "..", "..");
export const TESTS = path.join(ROOT, "tests");
export const SECRET = "sk_localdev";

/** The binary under test: $LBTUI_BIN or build/lbtui. */
export function lbtuiBin() {
	const bin = process.env.LBTUI_BIN
		? path.resolve(process.env.LBTUI_BIN)
		: path.join(ROOT, "build", "lbtui");
	if (!fs.existsSync(bin))
		throw new Error(`lbtui binary not found at ${bin} (build it or set LBTUI_BIN)`);
	return bin;
}

const live = new Set(); // processes to kill if a test forgets
function killAll() {
	for (const kill of live) {
		try {
			kill();
		} catch {
			// already gone
		}
	}
}
process.on("exit", killAll);
for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]]) {
	process.once(sig, () => {
		killAll();
		process.exit(code);
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// After a lone Esc: longer than ESCDELAY (25 ms, set below) plus a margin.
const ESC_PAUSE_MS = 80;

// Wait for promise, at most ms; the timer never keeps node alive.
function within(promise, ms) {
	let timer;
	return Promise.race([promise, new Promise((r) => (timer = setTimeout(() => r(null), ms)))])
		.finally(() => clearTimeout(timer));
}

/**
 * LBTUI_AUDIT_DIR, when set: every directory the harness makes (homes with
 * their history and state, scratch directories) goes under DIR/tmp and
 * stays there, and the stderr of every batch run (lbtui's log, with -v its
 * request log) is kept in DIR/logs, for tests/e2e/secrets_audit.test.mjs to
 * read after the run. Read at each call, so a test can set it.
 */
export function auditDir() {
	return process.env.LBTUI_AUDIT_DIR ? path.resolve(process.env.LBTUI_AUDIT_DIR) : null;
}

let logSeq = 0;

/** Keep what a batch run wrote on stderr, under the audit directory. */
function keepLog(stderr) {
	const dir = auditDir();
	if (!dir || !stderr)
		return;
	fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
	// Named after the test file that ran it, to find the test from a finding.
	const from = path.basename(process.argv[1] || "node", ".mjs");
	fs.writeFileSync(path.join(dir, "logs", `${from}-${process.pid}-${++logSeq}.stderr.log`), stderr);
}

/** Remove a directory the harness made, unless it is kept for the audit. */
function removeMade(dir) {
	if (!auditDir())
		fs.rmSync(dir, { recursive: true, force: true });
}

/** A fresh private directory under the system temp dir (the audit
 * directory's tmp/ when LBTUI_AUDIT_DIR is set). */
export function tempDir(prefix = "lbtui-e2e-") {
	const audit = auditDir();
	const base = audit ? path.join(audit, "tmp") : os.tmpdir();
	if (audit)
		fs.mkdirSync(base, { recursive: true });
	return fs.mkdtempSync(path.join(base, prefix));
}

const homes = new Set(); // removed when the process exits
process.on("exit", () => {
	for (const h of homes)
		removeMade(h);
});

/** A throwaway HOME with XDG config and state directories (removed when
 * the test process exits, unless kept for the audit). */
export function makeHome() {
	const home = tempDir("lbtui-home-");
	homes.add(home);
	fs.mkdirSync(path.join(home, ".config", "lbtui"), { recursive: true, mode: 0o700 });
	fs.mkdirSync(path.join(home, ".local", "state"), { recursive: true, mode: 0o700 });
	return home;
}

/** A TCP port nothing listens on right now. */
export function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on("error", reject);
		srv.listen(0, "127.0.0.1", () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

// --- sanitizers ------------------------------------------------------------

const SAN_PATTERN = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|UndefinedBehavior|Leak)Sanitizer/;

function sanitizerEnv(dir) {
	const log = path.join(dir, "san");
	const extra = (name) => (process.env[name] ? `:${process.env[name]}` : "");
	return {
		ASAN_OPTIONS: `detect_leaks=1:log_path=${log}${extra("ASAN_OPTIONS")}`,
		UBSAN_OPTIONS: `print_stacktrace=1:halt_on_error=1:log_path=${log}${extra("UBSAN_OPTIONS")}`,
		LSAN_OPTIONS: `log_path=${log}${extra("LSAN_OPTIONS")}`,
	};
}

/** Sanitizer reports left in dir (by log_path) or in text, or "". */
function sanitizerReports(dir, ...texts) {
	let out = "";
	for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
		if (f.startsWith("san."))
			out += fs.readFileSync(path.join(dir, f), "utf8");
	}
	for (const t of texts) {
		if (t && SAN_PATTERN.test(t))
			out += t;
	}
	return out;
}

// Environment for lbtui: nothing from the caller's LIVEBLOCKS_* or config,
// a private HOME, UTF-8, a short ESCDELAY so a lone Esc is seen at once.
function childEnv(home, sanDir, env) {
	const base = {
		PATH: process.env.PATH || "/usr/bin:/bin",
		LANG: "C.UTF-8",
		LC_ALL: "C.UTF-8",
		HOME: home,
		XDG_CONFIG_HOME: path.join(home, ".config"),
		XDG_STATE_HOME: path.join(home, ".local", "state"),
		ESCDELAY: "25",
		...sanitizerEnv(sanDir),
	};
	for (const [k, v] of Object.entries(env || {})) {
		if (v === undefined || v === null)
			delete base[k];
		else
			base[k] = String(v);
	}
	return base;
}

/** Environment that points lbtui at a server with the dev key. */
export function serverEnv(url, extra = {}) {
	return { LIVEBLOCKS_SECRET_KEY: SECRET, LIVEBLOCKS_BASE_URL: url, ...extra };
}

// --- batch mode ------------------------------------------------------------

/**
 * Run lbtui without a terminal: runBatch(["-e", "rooms"], env) →
 * {code, signal, stdout, stderr}. opts: {input, timeout, home, readAfterMs}.
 * Throws on timeout or on a sanitizer report.
 */
export async function runBatch(args, env = {}, opts = {}) {
	const bin = lbtuiBin();
	const home = opts.home || makeHome();
	const sanDir = tempDir("lbtui-san-");
	const timeout = opts.timeout ?? 20000;
	const child = spawn(bin, args, {
		env: childEnv(home, sanDir, env),
		stdio: ["pipe", "pipe", "pipe"],
	});
	const kill = () => child.kill("SIGKILL");
	live.add(kill);
	let stdout = "";
	let stderr = "";
	child.stdout.setEncoding("utf8");
	child.stderr.setEncoding("utf8");
	// readAfterMs: a slow reader, which takes nothing for that long.
	const onOut = (d) => (stdout += d);
	if (opts.readAfterMs)
		setTimeout(() => child.stdout.on("data", onOut), opts.readAfterMs);
	else
		child.stdout.on("data", onOut);
	child.stderr.on("data", (d) => (stderr += d));
	child.stdin.on("error", () => {});
	if (opts.input !== undefined)
		child.stdin.end(opts.input);
	else
		child.stdin.end();
	let timer;
	const result = await new Promise((resolve, reject) => {
		timer = setTimeout(() => {
			kill();
			reject(new Error(`lbtui ${args.join(" ")} timed out after ${timeout} ms\n` +
				`stdout:\n${stdout}\nstderr:\n${stderr}`));
		}, timeout);
		child.on("error", reject);
		child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
	}).finally(() => {
		clearTimeout(timer);
		live.delete(kill);
	});
	const san = sanitizerReports(sanDir, stderr);
	fs.rmSync(sanDir, { recursive: true, force: true });
	keepLog(stderr);
	if (!opts.home)
		removeMade(home);
	if (san)
		throw new Error(`sanitizer report from lbtui ${args.join(" ")}:\n${san}`);
	return result;
}

/**
 * Run a shell command line as a user types it, with `lbtui` on PATH being
 * the binary under test: runShell("lbtui -e rooms | wc -l", env) →
 * {code, signal, stdout, stderr}. opts: {cwd, home, timeout, path (more
 * directories to put first on PATH)}. Throws on timeout or on a sanitizer
 * report from any lbtui the line ran.
 */
export async function runShell(line, env = {}, opts = {}) {
	const home = opts.home || makeHome();
	const sanDir = tempDir("lbtui-san-");
	const binDir = tempDir("lbtui-bin-");
	fs.symlinkSync(lbtuiBin(), path.join(binDir, "lbtui"));
	const base = childEnv(home, sanDir, env);
	base.PATH = [...(opts.path || []), binDir, base.PATH].join(":");
	const child = spawn("/bin/sh", ["-c", line], {
		env: base,
		cwd: opts.cwd || home,
		stdio: ["ignore", "pipe", "pipe"],
	});
	const kill = () => child.kill("SIGKILL");
	live.add(kill);
	let stdout = "";
	let stderr = "";
	child.stdout.setEncoding("utf8");
	child.stderr.setEncoding("utf8");
	child.stdout.on("data", (d) => (stdout += d));
	child.stderr.on("data", (d) => (stderr += d));
	let timer;
	const result = await new Promise((resolve, reject) => {
		timer = setTimeout(() => {
			kill();
			reject(new Error(`sh -c ${line} timed out\nstdout:\n${stdout}\nstderr:\n${stderr}`));
		}, opts.timeout ?? 20000);
		child.on("error", reject);
		child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
	}).finally(() => {
		clearTimeout(timer);
		live.delete(kill);
	});
	const san = sanitizerReports(sanDir, stderr);
	fs.rmSync(sanDir, { recursive: true, force: true });
	fs.rmSync(binDir, { recursive: true, force: true });
	keepLog(stderr);
	if (!opts.home)
		removeMade(home);
	if (san)
		throw new Error(`sanitizer report from ${line}:\n${san}`);
	return result;
}

// --- the terminal ----------------------------------------------------------

// Keypad-mode (smkx) sequences of xterm, as the app enables keypad().
export const KEYS = {
	Enter: "\r",
	Tab: "\t",
	BackTab: "\x1b[Z",
	"S-Tab": "\x1b[Z",
	Esc: "\x1b",
	Escape: "\x1b",
	Backspace: "\x7f",
	Space: " ",
	Up: "\x1bOA",
	Down: "\x1bOB",
	Right: "\x1bOC",
	Left: "\x1bOD",
	Home: "\x1bOH",
	End: "\x1bOF",
	PgUp: "\x1b[5~",
	PageUp: "\x1b[5~",
	PgDn: "\x1b[6~",
	PageDown: "\x1b[6~",
	Insert: "\x1b[2~",
	Delete: "\x1b[3~",
	F1: "\x1bOP",
	F2: "\x1bOQ",
	F3: "\x1bOR",
	F4: "\x1bOS",
	F5: "\x1b[15~",
	F10: "\x1b[21~",
};

/** The bytes for a named key: "Enter", "Down", "Ctrl-L", "C-a", "Alt-b". */
export function keySeq(name) {
	if (KEYS[name] !== undefined)
		return KEYS[name];
	let m = /^(?:Ctrl|C)-(.)$/i.exec(name);
	if (m) {
		const c = m[1].toUpperCase().charCodeAt(0);
		if (c >= 0x40 && c <= 0x5f)
			return String.fromCharCode(c & 0x1f);
		if (m[1] === "?")
			return "\x7f";
	}
	m = /^(?:Alt|M)-(.)$/i.exec(name);
	if (m)
		return "\x1b" + m[1];
	throw new Error(`unknown key name: ${name}`);
}

class Lbtui {
	constructor(opts) {
		const bin = lbtuiBin();
		this.cols = opts.cols ?? 100;
		this.rows = opts.rows ?? 30;
		this.ownHome = !opts.home;
		this.home = opts.home || makeHome();
		this.sanDir = tempDir("lbtui-san-");
		this.output = ""; // every byte the program wrote, for debugging
		this.exitInfo = null;
		this.term = new Terminal({
			cols: this.cols,
			rows: this.rows,
			scrollback: 0,
			allowProposedApi: true,
		});
		this.pending = 0;
		this.queue = Promise.resolve();
		this.proc = pty.spawn(bin, opts.args || [], {
			name: "xterm-256color",
			cols: this.cols,
			rows: this.rows,
			cwd: opts.cwd || this.home,
			env: childEnv(this.home, this.sanDir, { TERM: "xterm-256color", ...opts.env }),
		});
		this.pid = this.proc.pid;
		this.killer = () => this.proc.kill("SIGKILL");
		live.add(this.killer);
		this.lastDataAt = Date.now();
		this.lastWriteAt = 0;
		this.proc.onData((d) => {
			this.lastDataAt = Date.now();
			this.output += d;
			this.pending++;
			this.term.write(d, () => this.pending--);
		});
		// Answers to terminal queries (cursor position, device attributes).
		this.term.onData((d) => {
			if (!this.exitInfo)
				this.proc.write(d);
		});
		this.exited = new Promise((resolve) => {
			this.proc.onExit(({ exitCode, signal }) => {
				this.exitInfo = { code: exitCode, signal };
				live.delete(this.killer);
				resolve(this.exitInfo);
			});
		});
	}

	/**
	 * Send raw bytes (text is typed as is). Writes are queued: a lone Esc is
	 * followed by a pause, so that the next key is not read as Alt+key (a
	 * person never types them within a few milliseconds).
	 */
	write(data) {
		if (this.exitInfo)
			throw new Error(`lbtui has exited (${JSON.stringify(this.exitInfo)}); cannot send ${JSON.stringify(data)}`);
		this.queue = this.queue.then(async () => {
			if (this.exitInfo)
				return;
			this.proc.write(data);
			this.lastWriteAt = Date.now();
			if (data === "\x1b")
				await sleep(ESC_PAUSE_MS);
		});
	}

	/** Resolve when every queued write has been sent. */
	flushed() {
		return this.queue;
	}

	/** Send named keys: key("Down"), key("Ctrl-L"), key("Esc", "Enter"). */
	key(...names) {
		for (const n of names)
			this.write(keySeq(n));
	}

	/** Type text and press Enter: command(":rooms") types ":rooms\r". */
	command(text) {
		this.write(text + "\r");
	}

	/** Rows of the screen as strings, trailing blanks trimmed. */
	screen() {
		const buf = this.term.buffer.active;
		const out = [];
		for (let y = 0; y < this.rows; y++) {
			const line = buf.getLine(buf.viewportY + y);
			out.push(line ? line.translateToString(true) : "");
		}
		return out;
	}

	/** The screen as one string, rows joined with newlines. */
	screenText() {
		return this.screen().join("\n");
	}

	/** One row of the screen (negative counts from the bottom). */
	row(y) {
		const s = this.screen();
		return s[y < 0 ? s.length + y : y];
	}

	/** The character and attributes of one cell. */
	cell(x, y) {
		const buf = this.term.buffer.active;
		const line = buf.getLine(buf.viewportY + y);
		const c = line && line.getCell(x);
		if (!c)
			return null;
		return {
			chars: c.getChars(),
			width: c.getWidth(),
			fg: c.getFgColor(),
			bg: c.getBgColor(),
			fgDefault: c.isFgDefault(),
			bgDefault: c.isBgDefault(),
			bold: !!c.isBold(),
			inverse: !!c.isInverse(),
			underline: !!c.isUnderline(),
			dim: !!c.isDim(),
		};
	}

	/** Where the terminal's cursor is: {x, y}. */
	cursor() {
		const buf = this.term.buffer.active;
		return { x: buf.cursorX, y: buf.cursorY };
	}

	/** True while the program uses the alternate screen (curses is up). */
	altScreen() {
		return this.term.buffer.active.type === "alternate";
	}

	/** Resolve when every queued key was sent and every byte received so
	 * far has been parsed. */
	async settle() {
		await this.queue;
		for (let i = 0; i < 200 && this.pending > 0; i++)
			await sleep(2);
	}

	dump(title = "screen") {
		const rule = "-".repeat(this.cols);
		const rows = this.screen().map((r, i) => `${String(i).padStart(2)}|${r}`);
		return `${title} (${this.cols}x${this.rows}):\n  +${rule}\n${rows.join("\n")}\n  +${rule}`;
	}

	/**
	 * Wait until the screen shows what: a string (substring), a RegExp, or a
	 * function (screen text → truthy). Returns the match (or the text). On
	 * timeout throws with a dump of the screen.
	 */
	async waitFor(what, { timeout = 5000, interval = 10 } = {}) {
		const test = matcher(what);
		const deadline = Date.now() + timeout;
		for (;;) {
			await this.settle();
			const text = this.screenText();
			const m = test(text);
			if (m)
				return m;
			if (this.exitInfo)
				throw new Error(`lbtui exited (${JSON.stringify(this.exitInfo)}) while waiting for ${describe(what)}\n${this.dump()}\n${this.sanitizerText()}`);
			if (Date.now() > deadline)
				throw new Error(`timed out after ${timeout} ms waiting for ${describe(what)}\n${this.dump()}`);
			await sleep(interval);
		}
	}

	/**
	 * Wait until nothing was sent to or drawn by the program for quiet ms (a
	 * screen caught half way through a repaint would fail assertions at
	 * random).
	 */
	async waitIdle({ quiet = 60, timeout = 5000 } = {}) {
		const deadline = Date.now() + timeout;
		for (;;) {
			await this.settle();
			const idle = Date.now() - Math.max(this.lastDataAt, this.lastWriteAt);
			if (idle >= quiet)
				return;
			if (Date.now() > deadline)
				throw new Error(`the screen kept changing for ${timeout} ms\n${this.dump()}`);
			await sleep(quiet - idle);
		}
	}

	/** Wait until the screen no longer shows what. */
	async waitForGone(what, opts = {}) {
		const test = matcher(what);
		return this.waitFor((t) => !test(t), opts);
	}

	/** Resize the terminal (the program gets SIGWINCH). */
	resize(cols, rows) {
		this.queue = this.queue.then(() => {
			if (this.exitInfo)
				return;
			this.cols = cols;
			this.rows = rows;
			this.term.resize(cols, rows);
			this.proc.resize(cols, rows);
		});
	}

	sanitizerText() {
		return sanitizerReports(this.sanDir);
	}

	/**
	 * Wait for the program to end and return its exit code. Throws on
	 * timeout (after killing it) or when a sanitizer reported anything.
	 */
	async waitExit(timeout = 5000) {
		await this.queue;
		const info = await within(this.exited, timeout);
		if (!info) {
			const d = this.dump();
			this.kill();
			throw new Error(`lbtui did not exit within ${timeout} ms\n${d}`);
		}
		await sleep(20); // let the last output reach the emulator
		await this.settle();
		this.cleanup();
		return info.signal ? 128 + info.signal : info.code;
	}

	/** Quit through the command line (`:quit`) and return the exit code. */
	async exit(timeout = 5000) {
		if (!this.exitInfo)
			this.write(":quit\r");
		return this.waitExit(timeout);
	}

	/** Kill the program (SIGKILL unless told otherwise). */
	kill(signal = "SIGKILL") {
		if (!this.exitInfo) {
			try {
				this.proc.kill(signal);
			} catch {
				// gone already
			}
		}
	}

	cleanup() {
		const san = this.sanitizerText();
		fs.rmSync(this.sanDir, { recursive: true, force: true });
		if (this.ownHome)
			removeMade(this.home);
		if (san)
			throw new Error(`sanitizer report from lbtui:\n${san}`);
	}

	/** Kill if still running and remove temp files; for after() hooks. */
	async close() {
		if (!this.exitInfo) {
			this.kill();
			await within(this.exited, 2000);
		}
		// A sanitizer report found while tearing down still fails the test.
		this.cleanup();
	}
}

function matcher(what) {
	if (typeof what === "function")
		return what;
	if (what instanceof RegExp)
		return (t) => t.match(what);
	return (t) => (t.includes(what) ? what : null);
}

function describe(what) {
	if (typeof what === "function")
		return `condition ${what.toString().slice(0, 80)}`;
	return what instanceof RegExp ? String(what) : JSON.stringify(what);
}

/** The list pane starts after the navigator (14 columns at 100 and more). */
export const LIST_X = 14;

/** The list-pane text of the row under the cursor (drawn highlighted), or "". */
export function cursorLine(t) {
	const s = t.screen();
	for (let y = 1; y < t.rows - 2; y++) {
		const c = t.cell(LIST_X + 1, y);
		if (c && !c.bgDefault && s[y].slice(LIST_X).trim())
			return s[y].slice(LIST_X);
	}
	return "";
}

/**
 * Start lbtui in a pseudo-terminal. opts: {args, env, cols=100, rows=30,
 * home}. TERM=xterm-256color; a private HOME unless home is given (share one
 * between runs to test history).
 */
export function spawnLbtui(opts = {}) {
	return new Lbtui(opts);
}

// --- the official dev server -----------------------------------------------

/**
 * Start the Liveblocks dev server (bun directly, its own process group, a
 * scratch TMPDIR, stdin closed) on a free port. Returns {url, port, stop}.
 */
export async function startDevServer({ timeout = 15000 } = {}) {
	const nm = path.join(TESTS, "node_modules");
	const bun = path.join(nm, "bun", "bin", "bun.exe");
	const cli = path.join(nm, "liveblocks", "dist", "index.js");
	for (const f of [bun, cli]) {
		if (!fs.existsSync(f))
			throw new Error(`${f} is missing: run scripts/setup.sh`);
	}
	const scratch = tempDir("lbtui-dev-");
	const child = spawn(bun, [cli, "dev", "--random-port", "--no-check", "--no-persist"], {
		cwd: scratch,
		env: { ...process.env, TMPDIR: scratch, NO_COLOR: "1" },
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	const killGroup = (sig = "SIGTERM") => {
		try {
			process.kill(-child.pid, sig);
		} catch {
			// gone already
		}
	};
	const onExit = () => {
		killGroup("SIGKILL");
		fs.rmSync(scratch, { recursive: true, force: true });
	};
	live.add(onExit);
	let log = "";
	const port = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`dev server did not start:\n${log}`)), timeout);
		const onData = (d) => {
			log += d;
			const m = /localhost:(\d+)/.exec(log);
			if (m) {
				clearTimeout(timer);
				resolve(Number(m[1]));
			}
		};
		child.stdout.setEncoding("utf8");
		child.stderr.setEncoding("utf8");
		child.stdout.on("data", onData);
		child.stderr.on("data", onData);
		child.on("exit", (code) => {
			clearTimeout(timer);
			reject(new Error(`dev server exited with ${code}:\n${log}`));
		});
	});
	// Keep draining its log (one line per request) so it never blocks.
	child.stdout.removeAllListeners("data");
	child.stderr.removeAllListeners("data");
	child.stdout.resume();
	child.stderr.resume();
	child.removeAllListeners("exit");
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + timeout;
	for (;;) {
		try {
			const r = await fetch(`${url}/v2/rooms`, { headers: { Authorization: `Bearer ${SECRET}` } });
			await r.arrayBuffer();
			if (r.ok)
				break;
		} catch {
			// not accepting yet
		}
		if (Date.now() > deadline) {
			killGroup("SIGKILL");
			throw new Error(`dev server on ${url} never answered`);
		}
		await sleep(20);
	}
	let stopped = false;
	const stop = async () => {
		if (stopped)
			return;
		stopped = true;
		const gone = new Promise((r) => child.once("exit", r));
		killGroup("SIGTERM");
		await within(gone, 2000);
		killGroup("SIGKILL");
		live.delete(onExit);
		fs.rmSync(scratch, { recursive: true, force: true });
	};
	return { url, port, pid: child.pid, stop };
}

/**
 * One REST call with the dev key: rest(url, "POST", "/v2/rooms", body) →
 * {status, body} (body parsed when JSON).
 */
/**
 * A request to the emulator's control endpoint (stack.control + p: fault
 * rules, request counters ...); its JSON answer, null when empty. Fails the
 * test on an answer that is not 2xx.
 */
export async function emulatorControl(stack, method, p, body) {
	const r = await fetch(stack.control + p, {
		method,
		headers: body !== undefined ? { "Content-Type": "application/json" } : {},
		body: body !== undefined ? JSON.stringify(body) : undefined,
	});
	const text = await r.text();
	assert.ok(r.status < 300, `${method} /__emulator${p}: ${r.status} ${text}`);
	return text ? JSON.parse(text) : null;
}

export async function rest(baseUrl, method, p, body) {
	const r = await fetch(baseUrl + p, {
		method,
		headers: {
			Authorization: `Bearer ${SECRET}`,
			...(body !== undefined ? { "Content-Type": "application/json" } : {}),
		},
		body: body !== undefined ? JSON.stringify(body) : undefined,
	});
	const text = await r.text();
	let parsed = text;
	try {
		parsed = text ? JSON.parse(text) : null;
	} catch {
		// not JSON
	}
	return { status: r.status, body: parsed };
}

/** Create a room through REST (for seeding); throws unless 200. */
export async function createRoom(baseUrl, id, extra = {}) {
	const r = await rest(baseUrl, "POST", "/v2/rooms", { id, defaultAccesses: [], ...extra });
	if (r.status !== 200)
		throw new Error(`creating room ${id}: ${r.status} ${JSON.stringify(r.body)}`);
	return r.body;
}

/** A short random tag to keep room IDs of different tests apart. */
export function uniq(prefix = "t") {
	return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
