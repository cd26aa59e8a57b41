// Helpers shared by the benchmarks (rooms.mjs, storage.mjs): the tools'
// environment, one timed run, peak RSS through GNU time, medians, a
// description of the machine, and the server the tools talk to.

import { spawn, spawnSync } from "node:child_process";
import os from "node:os";
import { SECRET, startDevServer } from "../e2e/harness.mjs";

/** The environment every tool runs with: the key and base URL, nothing else of ours. */
export function toolEnv(url) {
	return {
		PATH: process.env.PATH,
		HOME: os.tmpdir(),
		LANG: "C.UTF-8",
		LIVEBLOCKS_SECRET_KEY: SECRET,
		LIVEBLOCKS_BASE_URL: url,
	};
}

/**
 * Runs tool t ({name, cmd, args, env, cwd}) once; resolves {ms, out, buf}:
 * the wall time from spawn to exit, and with capture its stdout as text
 * and as bytes. Without capture stdout is /dev/null. Rejects when the
 * tool fails.
 */
export function runOnce(t, capture) {
	return new Promise((resolve, reject) => {
		const start = process.hrtime.bigint();
		const child = spawn(t.cmd, t.args, {
			env: t.env,
			cwd: t.cwd,
			stdio: ["ignore", capture ? "pipe" : "ignore", "pipe"],
		});
		const chunks = [];
		let err = "";
		if (capture)
			child.stdout.on("data", (d) => chunks.push(d));
		child.stderr.setEncoding("utf8");
		child.stderr.on("data", (d) => (err += d));
		child.on("error", reject);
		child.on("close", (code) => {
			const ms = Number(process.hrtime.bigint() - start) / 1e6;
			if (code !== 0)
				return reject(new Error(`${t.name} exited with ${code}: ${err}`));
			const buf = Buffer.concat(chunks);
			resolve({ ms, out: buf.toString("utf8"), buf });
		});
	});
}

/**
 * Peak RSS of one run of t in KiB, through GNU time (asynchronous: the
 * emulator may run in this process). stdout is /dev/null.
 */
export function peakRss(t) {
	return new Promise((resolve, reject) => {
		const child = spawn("/usr/bin/time", ["-f", "%M", t.cmd, ...t.args], {
			env: t.env,
			cwd: t.cwd,
			stdio: ["ignore", "ignore", "pipe"],
		});
		let err = "";
		child.stderr.setEncoding("utf8");
		child.stderr.on("data", (d) => (err += d));
		child.on("error", reject);
		child.on("close", (code) => {
			if (code !== 0)
				return reject(new Error(`${t.name} under /usr/bin/time: ${err}`));
			const lines = err.trim().split("\n");
			resolve(Number(lines[lines.length - 1]));
		});
	});
}

/** The largest peak RSS (KiB) of n runs of t. */
export async function maxPeakRss(t, n = 3) {
	let kib = 0;
	for (let i = 0; i < n; i++)
		kib = Math.max(kib, await peakRss(t));
	return kib;
}

/** The median of a non-empty array of numbers. */
export const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Two lines: the machine (CPUs, memory, kernel) and the tools' versions. */
export function machine(bin) {
	const cpus = os.cpus();
	const curl = spawnSync("curl", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
	const lb = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
	return [
		`machine: ${cpus.length} x ${cpus[0]?.model || "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
		`tools:   ${lb}; node ${process.version}; ${curl.split(" ").slice(0, 2).join(" ")}`,
	].join("\n");
}

/**
 * Starts the official dev server, or with emulator the emulator in front
 * of it; resolves {url, stop()}.
 */
export async function startServer(emulator) {
	if (emulator) {
		const { startStack } = await import("../emulator/stack.mjs");
		const stack = await startStack();
		return { url: stack.url, stop: () => stack.stop() };
	}
	return startDevServer();
}

/** "ok" or "MISSED". */
export const verdict = (ok) => (ok ? "ok" : "MISSED");

// Parse "--name VALUE" and "--flag" options into o: numbers for numeric
// defaults, a resolved path for "bin", true for boolean flags. usage(msg)
// reports a bad option and exits; usage() prints the help.
export function parseOptions(argv, o, usage, pathResolve) {
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === "-h" || a === "--help")
			usage();
		const name = a.startsWith("--") ? a.slice(2) : null;
		if (name === null || !(name in o))
			usage(`unknown option ${a}`);
		if (typeof o[name] === "boolean") {
			o[name] = true;
			continue;
		}
		if (i + 1 >= argv.length)
			usage(`${a} needs a value`);
		const v = argv[++i];
		o[name] = typeof o[name] === "number" ? Number(v) : name === "bin" ? pathResolve(v) : v;
	}
	return o;
}
