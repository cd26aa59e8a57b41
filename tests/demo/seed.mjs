// Seeds the lbtui demo project through the emulator:
//   LIVEBLOCKS_SECRET_KEY=sk_localdev node tests/demo/seed.mjs --base-url URL
// (the key defaults to sk_localdev). It creates rooms in two organizations,
// Storage documents (one of about 100,000 nodes), Yjs documents with
// versions, threads with rich comments, reactions and metadata, inbox
// notifications of every kind (read and unread), notification settings,
// groups and two AI copilots with knowledge sources. Some strings are meant
// to stress a terminal: emoji, wide CJK, right-to-left text, very long
// words, control characters and ANSI escape sequences.
// Running it again on a seeded project does nothing. Whatever has a date
// or an ID is created in the same order on every run (see SEED_CLOCK).

import { Liveblocks } from "@liveblocks/node";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { YUpdate } from "./yupdate.mjs";

/** Strings that must never drive the terminal that displays them. */
export const NASTY = {
	ansi: "\u001b[31mred\u001b[0m and \u001b[1;5mblink\u001b[0m",
	bell: "ding\u0007dong",
	csi8: "\u009b31m8-bit CSI\u009b0m",
	osc: "\u001b]0;pwned title\u0007",
	clear: "\u001b[2J\u001b[Hscreen cleared?",
	backspace: "abc\b\b\bxyz",
	nul: "before\u0000after",
	cr: "overwritten\rOVER",
	tab: "col1\tcol2\tcol3",
	emoji: "👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 skin tone, 🇯🇵",
	cjk: "全角文字のテスト：日本語、中文、한국어",
	rtl: "שלום עולם — مرحبا بالعالم",
	bidi: "abc \u202Eevil\u202C def",
	zeroWidth: "zero\u200Bwidth\u200Djoiner",
	combining: "e\u0301 a\u0308 Z\u0351\u0352\u0353",
	longWord: "Supercalifragilisticexpialidocious".repeat(12),
};

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "مريم", "李雷"];

const DAY = 86400000;
const BASE_TIME = Date.parse("2025-03-01T09:00:00.000Z");

const at = (days, minutes = 0) => new Date(BASE_TIME + days * DAY + minutes * 60000);

/**
 * A fixed clock for the emulator (startStack({ fixedClock: SEED_CLOCK })):
 * with it, a seeded project is the same on every run, dates and IDs
 * included, as tests that compare whole screens need. An hour before the
 * first comment.
 */
export const SEED_CLOCK = "2025-03-01T08:00:00.000Z";

const obj = (data) => ({ liveblocksType: "LiveObject", data });
const list = (data) => ({ liveblocksType: "LiveList", data });
const map = (data) => ({ liveblocksType: "LiveMap", data });

const text = (t, f = {}) => ({ text: t, ...f });
const link = (url, t) => (t === undefined ? { type: "link", url } : { type: "link", url, text: t });
const mention = (id) => ({ type: "mention", kind: "user", id });
const groupMention = (id) => ({ type: "mention", kind: "group", id });
const para = (...children) => ({ type: "paragraph", children });
const body = (...paragraphs) => ({ version: 1, content: paragraphs });

function rooms() {
	const out = [];
	const pub = ["room:write"];
	const readOnly = ["room:read", "room:presence:write"];
	const add = (id, organizationId, defaultAccesses, metadata, extra = {}) =>
		out.push({ id, organizationId, defaultAccesses, metadata, ...extra });

	add("acme:readme", "acme", pub, { type: "doc", team: "platform", status: "published" });
	add("acme:roadmap", "acme", [], { type: "doc", team: "product", status: "draft", tags: ["planning", "2025"] }, {
		usersAccesses: { alice: ["room:write"], bob: ["room:read"] },
		groupsAccesses: { engineering: ["room:write"], design: ["room:read"] },
	});
	add("acme:design-system", "acme", readOnly, { type: "whiteboard", team: "design" }, { groupsAccesses: { design: ["room:write"] } });
	for (let w = 1; w <= 8; w++)
		add(`acme:standup-2025-w0${w}`, "acme", pub, { type: "standup", team: "platform", week: String(w) });
	for (let i = 1; i <= 4; i++)
		add(`acme:whiteboard-${i}`, "acme", i % 2 ? pub : [], { type: "whiteboard", team: i < 3 ? "design" : "growth" }, {
			usersAccesses: i % 2 ? {} : { dave: ["room:write"], erin: ["room:write"] },
		});
	add("acme:big-storage", "acme", pub, { type: "dataset", size: "100k nodes" });
	add("acme:yjs-notes", "acme", pub, { type: "yjs", team: "platform" });
	add("acme:terminal-torture", "acme", pub, {
		type: "test",
		ansi: NASTY.ansi,
		bell: NASTY.bell,
		csi8: NASTY.csi8,
		osc: NASTY.osc,
		rtl: NASTY.rtl,
		cjk: NASTY.cjk,
		emoji: NASTY.emoji,
		long: NASTY.longWord.slice(0, 256),
		multi: ["line1\nline2", "tab\there", "\u001b[7minverse\u001b[27m"],
	});
	add("acme:private-hr", "acme", [], { type: "doc", confidential: "yes" }, { usersAccesses: { alice: ["room:write"] } });
	add("acme:🚀-launch-日本", "acme", pub, { type: "doc", title: "🚀 Launch — 日本 🎌" });

	for (let q = 1; q <= 4; q++)
		add(`globex:sales-q${q}`, "globex", [], { type: "doc", team: "sales", quarter: `Q${q}` }, {
			usersAccesses: { frank: ["room:write"], "مريم": ["room:write"] },
			groupsAccesses: { sales: ["room:write"] },
		});
	for (let n = 1001; n <= 1006; n++)
		add(`globex:support-ticket-${n}`, "globex", readOnly, { type: "ticket", status: n % 3 ? "open" : "closed", priority: ["low", "high", "urgent"][n % 3] });
	add("globex:legal-private", "globex", [], { type: "doc", confidential: "yes" });
	add("globex:日本語-チーム", "globex", pub, { type: "doc", team: "東京", title: NASTY.cjk });
	add("globex:incident-2025-03-14", "globex", pub, { type: "incident", severity: "sev1", status: "resolved" });
	add("globex:wiki-home", "globex", pub, { type: "yjs", team: "support" });
	add("globex:rtl-עברית", "globex", pub, { type: "doc", title: NASTY.rtl, direction: "rtl" });
	return out;
}

/** A Storage document of about `rows * 12` nodes (each row: a LiveObject with 4 scalars, a LiveList of 2 and a LiveMap of 2). */
function bigDocument(rows) {
	const items = [];
	for (let i = 0; i < rows; i++)
		items.push(
			obj({
				id: i,
				title: `Row ${i}${i % 997 === 0 ? " " + NASTY.ansi : ""}`,
				done: i % 3 === 0,
				score: (i * 7919) % 1000,
				tags: list([`t${i % 10}`, `g${i % 7}`]),
				attrs: map({ owner: USERS[i % USERS.length], lane: `lane-${i % 5}` }),
			}),
		);
	return obj({ title: "Big dataset", rows: list(items), summary: obj({ count: rows, generatedBy: "seed.mjs" }) });
}

function storageFor(room) {
	switch (room.metadata.type) {
		case "whiteboard":
			return obj({
				shapes: map(
					Object.fromEntries(
						Array.from({ length: 12 }, (_, i) => [
							`shape-${i}`,
							obj({ kind: ["rect", "ellipse", "arrow", "sticky"][i % 4], x: i * 40, y: (i * 73) % 500, w: 120, h: 80, fill: ["#f87171", "#60a5fa", "#34d399"][i % 3], text: i === 3 ? NASTY.emoji : `Shape ${i}` }),
						]),
					),
				),
				layers: list(["background", "shapes", "annotations"]),
				camera: obj({ x: 0, y: 0, zoom: 1.25 }),
			});
		case "doc":
			return obj({
				title: room.metadata.title ?? room.id,
				sections: list([
					obj({ heading: "Overview", paragraphs: list(["Why this exists.", "Who owns it."]) }),
					obj({ heading: "Details", paragraphs: list(["Some details.", NASTY.rtl, NASTY.cjk]) }),
				]),
				authors: map({ alice: obj({ role: "owner" }), bob: obj({ role: "editor" }) }),
				published: room.metadata.status === "published",
			});
		case "standup":
			return obj({
				entries: list(
					USERS.slice(0, 5).map((u, i) =>
						obj({ user: u, yesterday: `Worked on task ${i}`, today: `Continue task ${i}`, blockers: list(i === 2 ? ["Waiting for review"] : []) }),
					),
				),
			});
		case "ticket":
			return obj({
				customer: obj({ name: "Globex Corp", tier: "enterprise" }),
				messages: list([obj({ from: "customer", text: "It is broken 😡" }), obj({ from: "agent", text: "Looking into it." })]),
				labels: map({ area: "billing", sla: "24h" }),
			});
		case "test":
			return obj({
				...Object.fromEntries(Object.entries(NASTY).map(([k, v]) => [k, v])),
				nested: obj({ list: list(Object.values(NASTY)), map: map({ [NASTY.ansi]: "key with escapes", [NASTY.rtl]: "rtl key" }) }),
			});
		default:
			return obj({ note: `Storage of ${room.id}`, counters: map({ views: 42, edits: 7 }), history: list([1, 2, 3]) });
	}
}

const RICH = [
	(u) => body(para(text("Can we "), text("ship this", { bold: true }), text(" by "), text("Friday", { italic: true }), text("? cc "), mention(u))),
	() => body(para(text("The old API is "), text("deprecated", { strikethrough: true }), text(", use "), text("liveblocks.getRooms()", { code: true }), text(" instead.")), para(text("Docs: "), link("https://liveblocks.io/docs", "Liveblocks docs"))),
	(u) => body(para(groupMention("engineering"), text(" please review. "), mention(u), text(" FYI."))),
	() => body(para(text("All styles at once", { bold: true, italic: true, strikethrough: true, code: true })), para(link("https://example.com/a/very/long/path?with=query&and=more#anchor"))),
	() => body(para(text("Terminal check: "), text(NASTY.ansi), text(" "), text(NASTY.bell)), para(text(NASTY.csi8), text(" "), text(NASTY.osc))),
	() => body(para(text(NASTY.rtl)), para(text(NASTY.cjk)), para(text(NASTY.emoji))),
	() => body(para(text(NASTY.longWord))),
	() => body(para(text("Looks good to me 👍"))),
	() => body(para(text("Multi")), para(text("paragraph")), para(), para(text("with an empty one above."))),
	(u) => body(para(text("Assigning to "), mention(u), text(" — "), text("high priority", { bold: true }))),
];

async function pool(items, n, fn) {
	const queue = [...items];
	await Promise.all(
		Array.from({ length: Math.min(n, queue.length) }, async () => {
			while (queue.length) await fn(queue.shift());
		}),
	);
}

/** Seeds the demo project; resolves a summary of what was created. */
export async function seed({ baseUrl, secret = "sk_localdev", quiet = false, bigRows = 8400 } = {}) {
	if (!baseUrl) throw new Error("seed: baseUrl is required");
	const lb = new Liveblocks({ secret, baseUrl });
	const log = (...a) => quiet || console.log(...a);
	const raw = async (method, path, json) => {
		const r = await fetch(baseUrl.replace(/\/$/, "") + path, {
			method,
			headers: { authorization: `Bearer ${secret}`, ...(json !== undefined ? { "content-type": "application/json" } : {}) },
			body: json === undefined ? undefined : JSON.stringify(json),
		});
		if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
		return r;
	};

	try {
		await lb.getRoom("acme:readme");
		log("demo project already seeded");
		return { alreadySeeded: true };
	} catch (e) {
		if (e.status !== 404) throw e;
	}

	const t0 = Date.now();
	const summary = { rooms: 0, threads: 0, comments: 0, notifications: 0, groups: 0, copilots: 0, versions: 0 };

	// Groups first, so group mentions notify their members.
	const groups = [
		{ groupId: "engineering", memberIds: ["alice", "bob", "carol"], organizationId: "acme" },
		{ groupId: "design", memberIds: ["dave", "erin"], organizationId: "acme" },
		{ groupId: "sales", memberIds: ["frank", "مريم"], organizationId: "globex" },
		{ groupId: "support", memberIds: ["frank", "李雷", "erin"], organizationId: "globex" },
		{ groupId: "ops-東京", memberIds: ["李雷"], organizationId: "globex" },
	];
	for (const g of groups) await lb.createGroup(g);
	summary.groups = groups.length;

	// Rooms one after the other, so that the list (newest first) is in the
	// same order on every run; their Storage can go in parallel.
	const all = rooms();
	for (const { id, ...params } of all) await lb.createRoom(id, params);
	await pool(all, 6, async (r) => {
		if (r.id !== "acme:big-storage" && r.metadata.type !== "yjs") await lb.initializeStorageDocument(r.id, storageFor(r));
	});
	summary.rooms = all.length;
	await lb.initializeStorageDocument("acme:big-storage", bigDocument(bigRows));

	// Yjs documents with a few versions each.
	for (const roomId of ["acme:yjs-notes", "globex:wiki-home"]) {
		const steps = [
			new YUpdate(101).text("body", [{ text: "Meeting notes\n", attrs: { bold: true } }, { text: "Agenda: " }, { text: "launch", attrs: { italic: true } }, { text: "\n" }]).mapSet("meta", "title", "Notes").mapSet("meta", "owner", "alice"),
			new YUpdate(202).text("body", [{ text: `Decisions: ship it 🚀 ${NASTY.cjk}\n` }]).mapSet("meta", "revision", 2).arrayPush("attendees", ["alice", "bob"]),
			new YUpdate(303).text("body", [{ text: `${NASTY.rtl}\n${NASTY.ansi}\n` }]).mapSet("meta", "revision", 3).mapSet("meta", "tags", ["notes", "weekly"]),
		];
		for (const u of steps) {
			await lb.sendYjsBinaryUpdate(roomId, u.encode());
			await lb.createVersionHistorySnapshot(roomId);
			summary.versions++;
		}
	}

	// Threads and comments.
	const threadRooms = ["acme:readme", "acme:roadmap", "acme:design-system", "acme:whiteboard-1", "acme:terminal-torture", "globex:sales-q1", "globex:support-ticket-1001", "globex:incident-2025-03-14", "acme:🚀-launch-日本", "globex:rtl-עברית"];
	const threadJobs = [];
	threadRooms.forEach((roomId, ri) => {
		for (let k = 0; k < 3; k++) threadJobs.push({ roomId, ri, k });
	});
	// One after the other too: thread and comment IDs and the order of
	// notifications then follow the same sequence on every run.
	for (const { roomId, ri, k } of threadJobs) {
		const n = ri * 3 + k;
		const author = USERS[n % USERS.length];
		const other = USERS[(n + 3) % USERS.length];
		const metadata = { status: ["open", "in-review", "done"][n % 3], priority: (n % 4) + 1 };
		if (roomId.includes("whiteboard") || roomId.includes("design")) Object.assign(metadata, { x: 100 + n * 10, y: 50 + n * 5 });
		if (n % 5 === 0) metadata.label = NASTY.emoji;
		const th = await lb.createThread({
			roomId,
			data: { comment: { userId: author, body: RICH[n % RICH.length](other), createdAt: at(n % 20, n * 7) }, metadata },
		});
		summary.threads++;
		summary.comments++;
		const replies = (n % 4) + (roomId === "acme:terminal-torture" ? 3 : 0);
		let last = th.comments[0];
		for (let j = 1; j <= replies; j++) {
			const who = USERS[(n + j) % USERS.length];
			last = await lb.createComment({
				roomId,
				threadId: th.id,
				data: { userId: who, body: RICH[(n + j) % RICH.length](USERS[(n + j + 2) % USERS.length]), createdAt: at(n % 20, n * 7 + j * 45) },
			});
			summary.comments++;
		}
		const emojis = ["👍", "🎉", "❤️", "😂", "🚀", "👀"];
		for (let j = 0; j < (n % 4); j++)
			await lb.addCommentReaction({ roomId, threadId: th.id, commentId: th.comments[0].id, data: { emoji: emojis[(n + j) % emojis.length], userId: USERS[(n + j + 1) % USERS.length] } });
		if (replies > 0 && n % 3 === 1)
			await lb.addCommentReaction({ roomId, threadId: th.id, commentId: last.id, data: { emoji: "👍", userId: author } });
		if (n % 3 === 2) await lb.markThreadAsResolved({ roomId, threadId: th.id, data: { userId: other } });
		if (n % 7 === 0) await lb.subscribeToThread({ roomId, threadId: th.id, data: { userId: "erin" } });
	}

	// Custom notifications.
	const custom = [
		{ kind: "$deploymentFailed", subjectId: "deploy-481", roomId: "acme:readme", activityData: { service: "api", commit: "a1b2c3d", attempt: 1 } },
		{ kind: "$deploymentFailed", subjectId: "deploy-481", roomId: "acme:readme", activityData: { service: "api", commit: "a1b2c3d", attempt: 2 } },
		{ kind: "$invitation", subjectId: "invite-globex", activityData: { from: "frank", org: "globex", message: NASTY.ansi } },
		{ kind: "$fileUploaded", subjectId: "file-quarterly.pdf", roomId: "globex:sales-q1", activityData: { name: "quarterly.pdf", sizeBytes: 482133, secret: false } },
		{ kind: "$weekly_digest", subjectId: "digest-2025-10", activityData: { unread: 12, summary: NASTY.emoji } },
	];
	for (const userId of ["alice", "bob", "carol", "مريم"])
		for (const c of custom) await lb.triggerInboxNotification({ userId, ...c });

	// Mark about half of each user's notifications as read.
	for (const userId of USERS) {
		const page = await lb.getInboxNotifications({ userId });
		summary.notifications += page.data.length;
		for (const [i, n] of page.data.entries()) if (i % 2 === 1) await raw("POST", `/v2/inbox-notifications/${encodeURIComponent(n.id)}/read`);
	}

	// Settings.
	await lb.updateNotificationSettings({ userId: "alice", data: { email: { thread: false, textMention: true, $deploymentFailed: true } } });
	await lb.updateNotificationSettings({ userId: "bob", data: { slack: { textMention: false }, webPush: { thread: false } } });
	await lb.updateRoomSubscriptionSettings({ roomId: "acme:roadmap", userId: "carol", data: { threads: "all" } });
	await lb.updateRoomSubscriptionSettings({ roomId: "globex:sales-q1", userId: "dave", data: { threads: "none", textMentions: "none" } });
	await lb.updateRoomSubscriptionSettings({ roomId: "acme:readme", userId: "alice", data: { textMentions: "mine", threads: "replies_and_mentions" } });

	// AI copilots.
	const docs = await lb.createAiCopilot({
		name: "Acme Docs Assistant",
		description: "Answers questions about the Acme handbook",
		systemPrompt: "You are a helpful assistant for Acme employees.",
		knowledgePrompt: "Prefer the handbook over the web.",
		alwaysUseKnowledge: true,
		providerApiKey: "demo-not-a-real-key",
		provider: "openai",
		providerModel: "gpt-4o",
		settings: { temperature: 0.2, maxTokens: 1024 },
	});
	await lb.createWebKnowledgeSource({ copilotId: docs.id, url: "https://docs.acme.example/sitemap.xml", type: "sitemap" });
	await lb.createWebKnowledgeSource({ copilotId: docs.id, url: "https://acme.example/blog/launch", type: "individual_link" });
	await lb.createFileKnowledgeSource({
		copilotId: docs.id,
		file: new File([`# Acme handbook\n\n## Values\n\n- **Ship** often\n- _Listen_ to users\n\n## Terminal test\n\n${NASTY.ansi} ${NASTY.cjk} ${NASTY.rtl}\n`], "handbook.md", { type: "text/markdown" }),
	});
	const triage = await lb.createAiCopilot({
		name: "Support Triage 🤖",
		systemPrompt: "Classify incoming support tickets by urgency.",
		providerApiKey: "demo-not-a-real-key",
		provider: "anthropic",
		providerModel: "claude-sonnet-4-5",
	});
	await lb.createWebKnowledgeSource({ copilotId: triage.id, url: "https://support.globex.example", type: "crawl" });
	await lb.createFileKnowledgeSource({
		copilotId: triage.id,
		file: new File([`FAQ\n===\n\nQ: Refunds?\nA: Within 30 days.\n\nQ: ${NASTY.bell} ${NASTY.csi8}\nA: ${NASTY.emoji}\n`], "faq.txt", { type: "text/plain" }),
	});
	summary.copilots = 2;

	summary.ms = Date.now() - t0;
	log(
		`seeded ${summary.rooms} rooms, ${summary.threads} threads, ${summary.comments} comments, ` +
			`${summary.notifications} notifications, ${summary.groups} groups, ${summary.copilots} copilots, ` +
			`${summary.versions} versions in ${summary.ms} ms`,
	);
	return summary;
}

function parseArgs(argv) {
	const i = argv.indexOf("--base-url");
	const baseUrl = i >= 0 ? argv[i + 1] : process.env.LIVEBLOCKS_BASE_URL;
	if (!baseUrl) {
		process.stderr.write("usage: node tests/demo/seed.mjs --base-url URL   (key from LIVEBLOCKS_SECRET_KEY, default sk_localdev)\n");
		process.exit(2);
	}
	return { baseUrl, secret: process.env.LIVEBLOCKS_SECRET_KEY || "sk_localdev" };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
	seed(parseArgs(process.argv.slice(2))).catch((e) => {
		process.stderr.write(`seed: ${e.stack ?? e}\n`);
		process.exit(1);
	});
}
