// The 75 endpoints of the REST reference (liveblocks-rest-api.txt) and the
// coverage tracker that records which of them a test run exercised.
// Aliases map the paths the SDK uses where it differs from the reference
// (active-users, broadcast-event, /versions) onto the reference endpoint.

import { appendFileSync, readFileSync, existsSync } from "node:fs";

export const REFERENCE_ENDPOINTS = [
	"POST /authorize-user",
	"POST /identify-user",
	"GET /rooms",
	"POST /rooms",
	"GET /rooms/:roomId",
	"POST /rooms/:roomId",
	"DELETE /rooms/:roomId",
	"GET /rooms/:roomId/prewarm",
	"POST /rooms/:roomId/upsert",
	"POST /rooms/:roomId/update-room-id",
	"GET /rooms/:roomId/active_users",
	"POST /rooms/:roomId/broadcast_event",
	"GET /rooms/:roomId/storage",
	"POST /rooms/:roomId/storage",
	"DELETE /rooms/:roomId/storage",
	"GET /rooms/:roomId/ydoc",
	"PUT /rooms/:roomId/ydoc",
	"GET /rooms/:roomId/ydoc-binary",
	"GET /rooms/:roomId/versions",
	"GET /rooms/:roomId/version/:versionId",
	"POST /rooms/:roomId/version",
	"GET /rooms/:roomId/threads",
	"POST /rooms/:roomId/threads",
	"GET /rooms/:roomId/threads/:threadId",
	"DELETE /rooms/:roomId/threads/:threadId",
	"POST /rooms/:roomId/threads/:threadId/metadata",
	"POST /rooms/:roomId/threads/:threadId/mark-as-resolved",
	"POST /rooms/:roomId/threads/:threadId/mark-as-unresolved",
	"POST /rooms/:roomId/threads/:threadId/subscribe",
	"POST /rooms/:roomId/threads/:threadId/unsubscribe",
	"GET /rooms/:roomId/threads/:threadId/subscriptions",
	"POST /rooms/:roomId/threads/:threadId/comments",
	"GET /rooms/:roomId/threads/:threadId/comments/:commentId",
	"POST /rooms/:roomId/threads/:threadId/comments/:commentId",
	"DELETE /rooms/:roomId/threads/:threadId/comments/:commentId",
	"POST /rooms/:roomId/threads/:threadId/comments/:commentId/add-reaction",
	"POST /rooms/:roomId/threads/:threadId/comments/:commentId/remove-reaction",
	"GET /users/:userId/inbox-notifications/:inboxNotificationId",
	"DELETE /users/:userId/inbox-notifications/:inboxNotificationId",
	"DELETE /users/:userId/inbox-notifications",
	"GET /users/:userId/inbox-notifications",
	"GET /users/:userId/notification-settings",
	"POST /users/:userId/notification-settings",
	"DELETE /users/:userId/notification-settings",
	"GET /rooms/:roomId/users/:userId/subscription-settings",
	"POST /rooms/:roomId/users/:userId/subscription-settings",
	"DELETE /rooms/:roomId/users/:userId/subscription-settings",
	"GET /users/:userId/room-subscription-settings",
	"POST /inbox-notifications/trigger",
	"POST /groups",
	"GET /groups",
	"GET /groups/:groupId",
	"DELETE /groups/:groupId",
	"POST /groups/:groupId/add-members",
	"POST /groups/:groupId/remove-members",
	"GET /users/:userId/groups",
	"GET /ai/copilots",
	"POST /ai/copilots",
	"GET /ai/copilots/:copilotId",
	"POST /ai/copilots/:copilotId",
	"DELETE /ai/copilots/:copilotId",
	"GET /ai/copilots/:copilotId/knowledge",
	"GET /ai/copilots/:copilotId/knowledge/:knowledgeSourceId",
	"POST /ai/copilots/:copilotId/knowledge/web",
	"PUT /ai/copilots/:copilotId/knowledge/file/:name",
	"GET /ai/copilots/:copilotId/knowledge/file/:knowledgeSourceId",
	"DELETE /ai/copilots/:copilotId/knowledge/file/:knowledgeSourceId",
	"DELETE /ai/copilots/:copilotId/knowledge/web/:knowledgeSourceId",
	"GET /ai/copilots/:copilotId/knowledge/web/:knowledgeSourceId/links",
	"GET /rooms/:roomId/threads/:threadId/participants",
	"POST /rooms/:roomId/authorize",
	"POST /rooms/:roomId/public/authorize",
	"GET /rooms/:roomId/users/:userId/notification-settings",
	"POST /rooms/:roomId/users/:userId/notification-settings",
	"DELETE /rooms/:roomId/users/:userId/notification-settings",
];

/** Paths the SDK documents outside the reference: served here, and not
 * counted as coverage of the reference. */
export const EXTRA_ENDPOINTS = ["PATCH /rooms/:roomId/storage/json-patch"];

/** Paths the SDK or the docs use for a reference endpoint. */
const ALIASES = {
	"GET /rooms/:roomId/active-users": "GET /rooms/:roomId/active_users",
	"POST /rooms/:roomId/broadcast-event": "POST /rooms/:roomId/broadcast_event",
	"POST /rooms/:roomId/versions": "POST /rooms/:roomId/version",
	"GET /rooms/:roomId/versions/:versionId/yjs": "GET /rooms/:roomId/version/:versionId",
};

function compile(template) {
	const [method, path] = template.split(" ");
	const re = new RegExp(
		"^/v2" + path.replace(/[-/\\^$*+?.()|[\]{}]/g, "\\$&").replace(/:\w+/g, "[^/]+") + "$",
	);
	// Literal segments win over parameters: more literal characters first.
	const weight = path.replace(/:\w+/g, "").length;
	return { method, re, weight };
}

const MATCHERS = [
	...REFERENCE_ENDPOINTS.map((t) => ({ endpoint: t, ...compile(t) })),
	...Object.entries(ALIASES).map(([alias, t]) => ({ endpoint: t, ...compile(alias) })),
].sort((a, b) => b.weight - a.weight);

/** The reference endpoint ("METHOD /path") a request maps to, or null. */
export function referenceEndpoint(method, pathname) {
	for (const m of MATCHERS) if (m.method === method && m.re.test(pathname)) return m.endpoint;
	return null;
}

/** Tracks which reference endpoints were hit, optionally appending to a shared file. */
export class Coverage {
	constructor(file = process.env.LBTUI_EMULATOR_COVERAGE) {
		this.file = file || null;
		this.hits = new Map();
		this.lbtuiHits = new Set();
	}

	/** Counts a request; byLbtui: lbtui sent it (its User-Agent), which
	 * the file keeps as a line "lbtui ENDPOINT" beside the endpoint's. */
	record(method, pathname, byLbtui = false) {
		const ep = referenceEndpoint(method, pathname);
		if (!ep) return null;
		const n = this.hits.get(ep) ?? 0;
		this.hits.set(ep, n + 1);
		if (n === 0) this.append(ep);
		if (byLbtui && !this.lbtuiHits.has(ep)) {
			this.lbtuiHits.add(ep);
			this.append(LBTUI_PREFIX + ep);
		}
		return ep;
	}

	append(line) {
		if (!this.file) return;
		try {
			appendFileSync(this.file, line + "\n");
		} catch {
			/* a coverage file that cannot be written must not break requests */
		}
	}

	report() {
		return summarize(this.hits.keys(), this.lbtuiHits);
	}
}

const LBTUI_PREFIX = "lbtui ";

/** Builds {exercised, total, missing, line, lbtui, lbtuiMissing,
 * lbtuiLine} from the hit endpoints and those lbtui itself hit. */
export function summarize(hitList, lbtuiList = []) {
	const hit = new Set(hitList);
	const byLbtui = new Set(lbtuiList);
	const missing = REFERENCE_ENDPOINTS.filter((e) => !hit.has(e));
	const lbtuiMissing = REFERENCE_ENDPOINTS.filter((e) => !byLbtui.has(e));
	const exercised = REFERENCE_ENDPOINTS.length - missing.length;
	const lbtui = REFERENCE_ENDPOINTS.length - lbtuiMissing.length;
	return {
		exercised,
		total: REFERENCE_ENDPOINTS.length,
		missing,
		line: `endpoints exercised: ${exercised}/${REFERENCE_ENDPOINTS.length}`,
		lbtui,
		lbtuiMissing,
		lbtuiLine: `lbtui endpoints: ${lbtui}/${REFERENCE_ENDPOINTS.length}`,
	};
}

/** Reads a coverage file written by Coverage (one endpoint per line). */
export function readCoverageFile(file) {
	if (!existsSync(file)) return summarize([]);
	const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
	return summarize(
		lines.filter((l) => !l.startsWith(LBTUI_PREFIX)),
		lines.filter((l) => l.startsWith(LBTUI_PREFIX)).map((l) => l.slice(LBTUI_PREFIX.length)),
	);
}

/** Formats a report as the summary line followed by the endpoints never hit. */
export function formatReport(rep) {
	const lines = [rep.line];
	if (rep.missing.length) {
		lines.push("not exercised:");
		for (const m of rep.missing) lines.push("  " + m);
	}
	return lines.join("\n");
}
