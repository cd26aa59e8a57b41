// Comment bodies (src/res/comment_body.h) held against the SDK, node for
// node: for every input of comment_body_corpus.mjs, lbtui's markdown
// conversion equals @liveblocks/node's markdownToCommentBody, its URL check
// equals @liveblocks/core's sanitizeUrl, its plain rendering equals
// stringifyCommentBody(..., {format: "plain"}); and every body, the SDK's
// and hand-made ones that markdown cannot make, comes back whole from
// lbtui's text form and from its JSON decoder. The SDK runs here, at test
// time: nothing expected is stored.
//
// lbtui's side runs through tests/unit/comment_body_tool (built by
// `make check TESTS=`, which scripts/setup.sh runs in build-san), found in
// the build of $LBTUI_BIN, or by $LBTUI_COMMENT_TOOL.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { markdownToCommentBody, stringifyCommentBody } from "@liveblocks/node";
import { sanitizeUrl } from "@liveblocks/core";
import { ROOT } from "./harness.mjs";
import { MARKDOWN, MARKDOWN_ALL, URLS } from "./comment_body_corpus.mjs";

// The tool of the build under test: beside $LBTUI_BIN (or build/lbtui),
// and without $LBTUI_BIN also the sanitizer build's.
function toolPath() {
	const candidates = [];
	const inBuild = (dir) => path.join(dir, "tests", "unit", "comment_body_tool");
	if (process.env.LBTUI_COMMENT_TOOL) candidates.push(path.resolve(process.env.LBTUI_COMMENT_TOOL));
	else if (process.env.LBTUI_BIN) candidates.push(inBuild(path.dirname(path.resolve(process.env.LBTUI_BIN))));
	else candidates.push(inBuild(path.join(ROOT, "build")), inBuild(path.join(ROOT, "build-san")));
	const found = candidates.find((c) => fs.existsSync(c));
	if (!found)
		throw new Error(`comment_body_tool not found (looked at ${candidates.join(", ")}); run make check TESTS=`);
	return found;
}

// Run the tool on a list of inputs; one result per input.
function tool(mode, inputs) {
	const r = spawnSync(toolPath(), [mode], {
		input: JSON.stringify(inputs),
		encoding: "utf8",
		maxBuffer: 64 * 1024 * 1024,
		env: { ...process.env, ASAN_OPTIONS: "detect_leaks=1:abort_on_error=0" },
	});
	assert.equal(r.status, 0, `comment_body_tool ${mode} exited with ${r.status}: ${r.stderr}`);
	assert.equal(r.stderr, "", `comment_body_tool ${mode} wrote to stderr (a sanitizer report?)`);
	const out = JSON.parse(r.stdout);
	assert.equal(out.length, inputs.length);
	return out;
}

// Bodies that markdown cannot make: group mentions, userIds, no kind,
// flags present and false, empty paragraphs and texts, side-by-side texts
// with the same flags, line breaks and every character the text form
// gives a meaning to.
const P = (...children) => ({ type: "paragraph", children });
const body = (...content) => ({ version: 1, content });
export const HAND_BODIES = [
	body(),
	body(P()),
	body(P(), P()),
	body(P({ text: "" })),
	body(P({ text: "" }, { text: "" })),
	body(P({ text: "a" }, { text: "b" })),
	body(P({ text: "a", bold: true }, { text: "b", bold: true })),
	body(P({ text: "a", italic: true }, { text: "b", italic: true })),
	body(P({ text: "", bold: true })),
	body(P({ text: "", code: true }), P({ text: "x", code: true }, { text: "y", code: true })),
	body(P({ text: "x", bold: false, italic: false, strikethrough: false, code: false })),
	body(P({ text: "x", bold: true, italic: false }, { text: "", code: false })),
	body(P({ text: "c", code: true, bold: false })),
	body(P({ text: "all", bold: true, italic: true, strikethrough: true, code: true })),
	body(P({ text: "b", bold: true }, { text: "bi", bold: true, italic: true }, { text: "i", italic: true }, { text: "plain" })),
	body(P({ text: "  leading and trailing  " }, { text: " ", strikethrough: true })),
	body(P({ text: "\n" })),
	body(P({ text: "\n\n" }), P({ text: "a\n" }), P({ text: "\nb" }), P({ text: "a\n\n\nb" })),
	body(P({ text: "cr\r\nlf\rcr" })),
	body(P({ text: "\\ * _ ~ ` [ ] ( ) { } {} {b} {bisc} @ @x @{ # > - | :" })),
	body(P({ text: "**not bold** _not italic_ ~~not struck~~ `not code`" })),
	body(P({ text: "`\\{}`", code: true }, { text: "{b}", code: true })),
	body(P({ text: "tab\tand\u0001control" })),
	body(P({ text: "日本語 😀 e\u0301" }, { text: "emoji 👨‍👩‍👧", italic: true })),
	body(P({ type: "mention", kind: "user", id: "alice" })),
	body(P({ type: "mention", kind: "user", id: "alice" }, { text: "bob" })),
	body(P({ text: "mail" }, { type: "mention", kind: "user", id: "alice" })),
	body(P({ type: "mention", kind: "user", id: "a" }, { type: "mention", kind: "user", id: "b" })),
	body(P({ type: "mention", kind: "user", id: "alice" }, { text: ".", italic: true })),
	body(P({ type: "mention", kind: "user", id: "dotted." }, { text: " end" })),
	body(P({ type: "mention", kind: "user", id: "x-" })),
	body(P({ type: "mention", kind: "user", id: "" })),
	body(P({ type: "mention", kind: "user", id: "with space}|,:\\" })),
	body(P({ type: "mention", kind: "group", id: "team" })),
	body(P({ type: "mention", kind: "group", id: "team", userIds: [] })),
	body(P({ type: "mention", kind: "group", id: "team", userIds: [""] })),
	body(P({ type: "mention", kind: "group", id: "team", userIds: ["a", ""] })),
	body(P({ type: "mention", kind: "group", id: "team", userIds: ["", ""] })),
	body(P({ type: "mention", kind: "group", id: "team", userIds: ["u1", "u,2", "u}3", "u|4"] })),
	body(P({ type: "mention", kind: "user", id: "u", userIds: ["x"] })),
	body(P({ type: "mention", id: "nokind" })),
	body(P({ type: "mention", id: "user:x" }, { type: "mention", id: "group:y" })),
	body(P({ type: "mention", kind: "group", id: "line\nbreak\n\nids" })),
	body(P({ type: "link", url: "https://example.com" })),
	body(P({ type: "link", url: "https://example.com", text: "" })),
	body(P({ type: "link", url: "https://example.com", text: "{}" })),
	body(P({ type: "link", url: "https://example.com/a(b)c\\d", text: "t [x] \\ y" })),
	body(P({ type: "link", url: "javascript:alert(1)", text: "bad" })),
	body(P({ type: "link", url: "", text: "no url" }, { type: "link", url: "x\n\ny", text: "a\n\nb" })),
	body(P({ text: "see " }, { type: "link", url: "https://a.b", text: "here" }, { text: "." })),
	body(P({ text: "@" }), P({ text: "a@" }), P({ text: "@b" }), P({ text: "x@b" }), P({ text: "@@" })),
	body(P({ text: "\\" }), P({ text: "end\\" })),
];

test("markdown: lbtui's bodies are the SDK's, node for node", () => {
	const ours = tool("markdown", MARKDOWN_ALL);
	const mismatches = [];
	MARKDOWN_ALL.forEach((md, i) => {
		const theirs = markdownToCommentBody(md);
		try {
			assert.deepStrictEqual(ours[i], theirs);
		} catch {
			mismatches.push(`${JSON.stringify(md)}\n    sdk:   ${JSON.stringify(theirs)}\n    lbtui: ${JSON.stringify(ours[i])}`);
		}
	});
	const categories = Object.entries(MARKDOWN).map(([k, v]) => `${k} ${v.length}`).join(", ");
	console.log(`markdown corpus: ${MARKDOWN_ALL.length - mismatches.length}/${MARKDOWN_ALL.length} match (${categories})`);
	assert.ok(MARKDOWN_ALL.length >= 150);
	assert.deepStrictEqual(mismatches, []);
});

test("links: lbtui's URL check is the SDK's sanitizeUrl", () => {
	const ours = tool("url", URLS);
	const mismatches = [];
	URLS.forEach((u, i) => {
		const theirs = sanitizeUrl(u);
		if (ours[i] !== theirs) mismatches.push(`${JSON.stringify(u)}: sdk ${JSON.stringify(theirs)}, lbtui ${JSON.stringify(ours[i])}`);
	});
	console.log(`URL corpus: ${URLS.length - mismatches.length}/${URLS.length} match`);
	assert.deepStrictEqual(mismatches, []);
});

test("every body survives JSON and the text form whole; plain text is the SDK's", async () => {
	const bodies = [...MARKDOWN_ALL.map((md) => markdownToCommentBody(md)), ...HAND_BODIES];
	const ours = tool("body", bodies);
	const problems = [];
	for (let i = 0; i < bodies.length; i++) {
		const b = bodies[i], r = ours[i];
		if (r.error) {
			problems.push(`${JSON.stringify(b)}: ${r.error}`);
			continue;
		}
		try {
			assert.deepStrictEqual(r.json, b, "decode then encode");
			assert.deepStrictEqual(r.again, b, `text form ${JSON.stringify(r.text)}`);
			assert.equal(r.same, true);
			assert.equal(r.plain, await stringifyCommentBody(b, { format: "plain" }), "plain");
		} catch (e) {
			problems.push(`${JSON.stringify(b)}: ${e.message}`);
		}
	}
	console.log(`bodies: ${bodies.length - problems.length}/${bodies.length} whole`);
	assert.deepStrictEqual(problems, []);
});

test("the text form reads what people type", () => {
	const cases = [
		["", body()],
		["\n", body()],
		["hello", body(P({ text: "hello" }))],
		["hello\n", body(P({ text: "hello" }))],
		["a\r\nb\r\n\r\nc", body(P({ text: "a\nb" }), P({ text: "c" }))],
		["**b** _i_ *i* ~~s~~ `c`", body(P({ text: "b", bold: true }, { text: " " }, { text: "i", italic: true }, { text: " " }, { text: "i", italic: true }, { text: " " }, { text: "s", strikethrough: true }, { text: " " }, { text: "c", code: true }))],
		["**_both_**", body(P({ text: "both", bold: true, italic: true }))],
		["hi @alice.", body(P({ text: "hi " }, { type: "mention", kind: "user", id: "alice" }, { text: "." }))],
		["a@b.com", body(P({ text: "a@b.com" }))],
		["@{group:team|u1,u2} @{user:x y}", body(P({ type: "mention", kind: "group", id: "team", userIds: ["u1", "u2"] }, { text: " " }, { type: "mention", kind: "user", id: "x y" }))],
		["[doc](https://example.com) [](u)", body(P({ type: "link", url: "https://example.com", text: "doc" }, { text: " " }, { type: "link", url: "u" }))],
		["\\*lit\\* C:\\dir", body(P({ text: "*lit* C:\\dir" }))],
		["**unclosed", body(P({ text: "unclosed", bold: true }))],
		["[not a link", body(P({ text: "[not a link" }))],
		["@{unclosed", body(P({ text: "@{unclosed" }))],
		["a\n\n\n\nb", body(P({ text: "a" }), P(), P({ text: "b" }))],
		["\\", body(P())],
	];
	const ours = tool("text", cases.map(([t]) => t));
	cases.forEach(([t, want], i) => assert.deepStrictEqual(ours[i], want, JSON.stringify(t)));
});
