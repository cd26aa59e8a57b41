// The secrets audit: walk what lbtui left on disk during a test run (the
// harness keeps it under LBTUI_AUDIT_DIR) and find any secret key, token
// or AI provider key in it.
//
// What is walked:
//   history  the command line history (libedit), `lbtui/history`
//   state    what lbtui keeps in its state directory before a destructive
//            step (kept.c): every other file under a `lbtui` directory
//            that is not configuration (config files and themes hold the
//            keys by design, and are left out)
//   log      the stderr of every batch run, kept in DIR/logs: lbtui's
//            messages and, with -v, its request log lines
// What counts as a secret:
//   a secret key    "sk_" at the start of a word and 8 or more letters,
//                   digits, _ or - (not followed by "…": that is a mask),
//                   or any key the tests use, whatever its length
//   a token         a JWT: "eyJ…" "." "eyJ…" (header and claims)
//   a provider key  what the copilot tests hand lbtui as an AI provider's
//                   API key, all marked "prov-key-"; and the shapes
//                   providers give their keys ("sk-…", "sk-ant-…", "AIza…")

import fs from "node:fs";
import path from "node:path";

/** The keys the tests hand lbtui or the emulator that the generic pattern
 * would miss (shorter bodies). */
export const TEST_KEYS = ["sk_dev_x1y2"];

const WORD = /[A-Za-z0-9_-]/;

/** Secrets in one line of text: [{what, text}]. */
export function secretsIn(line) {
	const found = [];
	for (const m of line.matchAll(/sk_[A-Za-z0-9_-]*/g)) {
		const before = m.index > 0 ? line[m.index - 1] : "";
		const after = line[m.index + m[0].length] || "";
		if (before && WORD.test(before))
			continue;
		const body = m[0].length - 3;
		if ((body >= 8 && after !== "…") || TEST_KEYS.includes(m[0]))
			found.push({ what: "secret key", text: m[0] });
	}
	for (const m of line.matchAll(/eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}/g))
		found.push({ what: "token", text: m[0] });
	for (const m of line.matchAll(/prov-key-[A-Za-z0-9-]+|(?<![A-Za-z0-9_-])(?:sk-[A-Za-z0-9_-]{16,}|AIza[A-Za-z0-9_-]{30,})/g))
		found.push({ what: "provider key", text: m[0] });
	return found;
}

/** What kind of file lbtui left this is ("history", "state", "log"), or
 * null when the audit leaves it out. rel is relative to the audit
 * directory. */
export function kindOf(rel) {
	const parts = rel.split(path.sep);
	const base = parts[parts.length - 1];
	if (parts[0] === "logs" && base.endsWith(".log"))
		return "log";
	const at = parts.lastIndexOf("lbtui", parts.length - 2);
	if (at < 0)
		return null;
	if (base === "history")
		return "history";
	const inside = parts.slice(at + 1);
	if (parts.includes(".config") || base === "config" || inside.includes("themes") || base.endsWith(".theme"))
		return null;
	return "state";
}

/** A line of a libedit history file as typed (its octal escapes read). */
export function unvis(line) {
	return line.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))).replace(/\\\\/g, "\\");
}

function* walk(dir) {
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory())
			yield* walk(p);
		else if (e.isFile())
			yield p;
	}
}

/**
 * Audit dir: {files: {history, state, log} counts, total, findings:
 * [{file, line, what, text}]} (line counts from 1; text is the secret,
 * shortened so that the report does not spread it further).
 */
export function audit(dir) {
	const files = { history: 0, state: 0, log: 0 };
	const findings = [];
	let total = 0;
	for (const file of fs.existsSync(dir) ? walk(dir) : []) {
		const kind = kindOf(path.relative(dir, file));
		if (!kind)
			continue;
		files[kind]++;
		total++;
		const lines = fs.readFileSync(file, "latin1").split("\n");
		lines.forEach((l, i) => {
			// libedit writes history lines vis(3)-encoded: "room\040show\040x".
			const text = kind === "history" ? unvis(l) : l;
			for (const s of secretsIn(text))
				findings.push({ file, kind, line: i + 1, what: s.what, text: `${s.text.slice(0, 12)}…` });
		});
	}
	return { files, total, findings };
}

/** The findings as lines "FILE:LINE: a secret key (sk_localdev…) in a log". */
export function report(findings) {
	return findings.map((f) => `${f.file}:${f.line}: a ${f.what} (${f.text}) in a ${f.kind} file`).join("\n");
}
