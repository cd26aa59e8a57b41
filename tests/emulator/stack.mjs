// Test stack: the official Liveblocks dev server plus the emulator in front.
//
//   import { startStack } from "../emulator/stack.mjs";
//   const stack = await startStack();        // options below, all optional
//   stack.url      // emulator base URL, e.g. "http://127.0.0.1:40123" — point lbtui/SDKs here
//   stack.devUrl   // dev server base URL (rooms, Storage, Yjs only; no faults)
//   stack.secret   // "sk_localdev"
//   stack.control  // `${stack.url}/__emulator` (faults, counters, coverage; see README.md)
//   stack.emulator // in-process handle {faults, stats, store, coverage} (null with process: true)
//   await stack.stop();                       // stops both, removes temporary files
//
// Options: { dataDir: DIR   persist emulator state (default: in memory),
//            process: true  run the emulator as a child process (main.mjs)
//                           instead of in this process,
//            logFile: FILE  append one JSON line per request,
//            seed: true     seed the demo project (tests/demo/seed.mjs),
//            fixedClock: ISO  dates and IDs the emulator makes are the same
//                           run after run (FixedClock in util.mjs): rooms
//                           created through it get their createdAt from it }
//
// The dev server runs as `bun liveblocks/dist/index.js dev -P --no-persist`
// in its own process group with stdin from /dev/null and TMPDIR in a
// throwaway directory; stop() kills the whole group.
//
// As a command: `node tests/emulator/stack.mjs [--seed] [--data DIR] [--fixed-clock ISO] -- CMD ARGS…`
// runs CMD with LIVEBLOCKS_BASE_URL (the emulator), LIVEBLOCKS_SECRET_KEY and
// LBTUI_DEV_SERVER_URL set, then stops both servers and exits with CMD's status.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startEmulator } from "./server.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const TESTS = resolve(HERE, "..");
const BUN = join(TESTS, "node_modules", "bun", "bin", "bun.exe");
const LIVEBLOCKS_CLI = join(TESTS, "node_modules", "liveblocks", "dist", "index.js");

/** Waits for a line matching `re` on a child's stdout; resolves the match. */
function waitForLine(child, re, what, timeoutMs = 15000) {
	return new Promise((resolvePromise, reject) => {
		let buf = "";
		const timer = setTimeout(() => done(new Error(`${what} did not start within ${timeoutMs} ms: ${buf.slice(-500)}`)), timeoutMs);
		const onData = (d) => {
			buf += d.toString("utf8");
			const m = re.exec(buf);
			if (m) done(null, m);
		};
		const onExit = (code) => done(new Error(`${what} exited with status ${code}: ${buf.slice(-500)}`));
		function done(err, m) {
			clearTimeout(timer);
			child.stdout.off("data", onData);
			child.off("exit", onExit);
			if (err) reject(err);
			else resolvePromise(m);
		}
		child.stdout.on("data", onData);
		child.on("exit", onExit);
	});
}

function killGroup(child) {
	return new Promise((resolvePromise) => {
		if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
		const t = setTimeout(() => {
			try {
				process.kill(-child.pid, "SIGKILL");
			} catch {
				/* already gone */
			}
		}, 3000);
		child.once("exit", () => {
			clearTimeout(t);
			resolvePromise();
		});
		try {
			process.kill(-child.pid, "SIGTERM");
		} catch {
			clearTimeout(t);
			resolvePromise();
		}
	});
}

/** Starts the dev server on a free port; resolves {url, stop()}. */
export async function startDevServer() {
	const scratch = mkdtempSync(join(tmpdir(), "lbtui-dev-"));
	const child = spawn(BUN, [LIVEBLOCKS_CLI, "dev", "-P", "--no-check", "--no-persist"], {
		cwd: scratch,
		env: { ...process.env, TMPDIR: scratch, NO_COLOR: "1" },
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	child.stderr.resume();
	let m;
	try {
		m = await waitForLine(child, /localhost:(\d+)/, "Liveblocks dev server");
	} catch (e) {
		await killGroup(child);
		rmSync(scratch, { recursive: true, force: true });
		throw e;
	}
	child.stdout.resume();
	const url = `http://127.0.0.1:${m[1]}`;
	// The URL is printed as soon as the port is bound; wait for the first answer.
	for (let i = 0; i < 100; i++) {
		try {
			const r = await fetch(`${url}/v2/rooms`, { headers: { authorization: "Bearer sk_localdev" } });
			await r.arrayBuffer();
			if (r.status === 200) break;
		} catch {
			/* not ready yet */
		}
		await new Promise((r) => setTimeout(r, 20));
	}
	return {
		url,
		pid: child.pid,
		async stop() {
			await killGroup(child);
			rmSync(scratch, { recursive: true, force: true });
		},
	};
}

/** Starts the emulator as a child process (main.mjs); resolves {url, stop()}. */
async function startEmulatorProcess(devUrl, opts) {
	const args = [join(HERE, "main.mjs"), "--port", "0", "--upstream", devUrl];
	if (opts.dataDir) args.push("--data", opts.dataDir);
	if (opts.logFile) args.push("--log", opts.logFile);
	if (opts.fixedClock) args.push("--fixed-clock", opts.fixedClock);
	const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], detached: true });
	const m = await waitForLine(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/, "emulator");
	child.stdout.resume(); // the coverage report printed on exit is not needed here
	return { url: m[1], stop: () => killGroup(child) };
}

/** Starts the dev server and the emulator in front of it (see the top of this file). */
export async function startStack(opts = {}) {
	const dev = await startDevServer();
	let emu;
	try {
		emu = opts.process
			? await startEmulatorProcess(dev.url, opts)
			: await startEmulator({ port: 0, upstream: dev.url, dataDir: opts.dataDir, logFile: opts.logFile, fixedClock: opts.fixedClock });
	} catch (e) {
		await dev.stop();
		throw e;
	}
	const stack = {
		url: emu.url,
		devUrl: dev.url,
		secret: "sk_localdev",
		control: `${emu.url}/__emulator`,
		emulator: opts.process ? null : emu,
		async stop() {
			if (opts.process) await emu.stop();
			else await emu.close();
			await dev.stop();
		},
	};
	if (opts.seed) {
		try {
			const { seed } = await import("../demo/seed.mjs");
			await seed({ baseUrl: stack.url, secret: stack.secret, quiet: true });
		} catch (e) {
			await stack.stop();
			throw e;
		}
	}
	return stack;
}

async function cli(argv) {
	const sep = argv.indexOf("--");
	const own = sep < 0 ? argv : argv.slice(0, sep);
	const cmd = sep < 0 ? [] : argv.slice(sep + 1);
	const opts = { seed: own.includes("--seed") };
	const di = own.indexOf("--data");
	if (di >= 0) opts.dataDir = own[di + 1];
	const ci = own.indexOf("--fixed-clock");
	if (ci >= 0) opts.fixedClock = own[ci + 1];
	if (cmd.length === 0) {
		process.stderr.write("usage: node tests/emulator/stack.mjs [--seed] [--data DIR] [--fixed-clock ISO] -- CMD [ARGS…]\n");
		return 2;
	}
	const stack = await startStack(opts);
	const child = spawn(cmd[0], cmd.slice(1), {
		stdio: "inherit",
		env: {
			...process.env,
			LIVEBLOCKS_BASE_URL: stack.url,
			LIVEBLOCKS_SECRET_KEY: stack.secret,
			LBTUI_DEV_SERVER_URL: stack.devUrl,
		},
	});
	for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
	const code = await new Promise((r) => {
		child.on("exit", (c, s) => r(c ?? (s ? 128 + 15 : 1)));
		child.on("error", (e) => {
			process.stderr.write(`stack: cannot run ${cmd[0]}: ${e.message}\n`);
			r(127);
		});
	});
	await stack.stop();
	return code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
	cli(process.argv.slice(2)).then(
		(code) => process.exit(code),
		(e) => {
			process.stderr.write(`stack: ${e.stack ?? e}\n`);
			process.exit(1);
		},
	);
}
