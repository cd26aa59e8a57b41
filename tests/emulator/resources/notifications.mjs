// Inbox notifications (thread, textMention, custom $kind), user notification
// settings and room subscription settings, plus the side effects of new
// comments (mention notifications, thread notifications, subscriptions).

import {
	empty,
	isPlainObject,
	json,
	makeId,
	notFound,
	nowIso,
	paginate,
	parseLimit,
	requireObject,
	sortNewestFirst,
	unprocessable,
} from "../util.mjs";
import { INBOX_QUERY, matchQuery, parseQueryParam } from "../query.mjs";

const CHANNELS = ["email", "slack", "teams", "webPush"];
const THREAD_SETTINGS = ["all", "replies_and_mentions", "none"];
const MENTION_SETTINGS = ["mine", "none"];
const CUSTOM_KIND = /^\$[A-Za-z_]{1,127}$/;

export const DEFAULT_ROOM_SUBSCRIPTION = { threads: "replies_and_mentions", textMentions: "mine" };

function defaultNotificationSettings() {
	return Object.fromEntries(CHANNELS.map((c) => [c, { thread: true, textMention: true }]));
}

/** Collects the mentions of a comment body: [{kind, id, userIds?}]. */
export function extractMentions(body) {
	const out = [];
	for (const p of body?.content ?? [])
		for (const n of p.children ?? [])
			if (n.type === "mention" && typeof n.id === "string" && n.id !== "")
				out.push({ kind: n.kind ?? "user", id: n.id, ...(n.userIds ? { userIds: n.userIds } : {}) });
	return out;
}

export function createNotifications({ store, up }) {
	const s = () => store.s;

	/** A notification as the API returns it (without the owner). */
	const view = (n) => {
		const { userId: _u, ...rest } = n;
		return rest;
	};

	const roomSetting = (roomId, userId) =>
		s().roomSubscriptionSettings[`${roomId}\0${userId}`] ?? { ...DEFAULT_ROOM_SUBSCRIPTION };

	function subscribe(thread, userId, createdAt = nowIso()) {
		const k = `${thread.id}\0${userId}`;
		if (!s().subscriptions[k])
			s().subscriptions[k] = { threadId: thread.id, roomId: thread.roomId, userId, createdAt };
		return s().subscriptions[k];
	}

	function groupMembers(mention) {
		if (Array.isArray(mention.userIds)) return mention.userIds.filter((u) => typeof u === "string");
		return (s().groups[mention.id]?.members ?? []).map((m) => m.id);
	}

	function addNotification(n) {
		const id = makeId("in");
		s().inbox[id] = { id, readAt: null, ...n };
		return s().inbox[id];
	}

	/**
	 * Side effects of a new comment: the author subscribes to the thread,
	 * mentioned users (and members of mentioned groups) get a textMention
	 * notification, and the thread's subscribers get a thread notification.
	 */
	function onComment(thread, comment, organizationId) {
		const author = comment.userId;
		subscribe(thread, author, comment.createdAt);
		const mentioned = new Set();
		for (const m of extractMentions(comment.body)) {
			const users = m.kind === "group" ? groupMembers(m) : [m.id];
			for (const u of users) {
				if (u === author || mentioned.has(u)) continue;
				mentioned.add(u);
				if (roomSetting(thread.roomId, u).textMentions === "none") continue;
				addNotification({
					kind: "textMention",
					userId: u,
					roomId: thread.roomId,
					threadId: thread.id,
					organizationId,
					notifiedAt: comment.createdAt,
					createdBy: author,
					mentionId: comment.id,
					mention: m.kind === "group" ? { kind: "group", id: m.id } : { kind: "user", id: m.id },
				});
			}
		}
		const recipients = new Set();
		for (const sub of Object.values(s().subscriptions)) if (sub.threadId === thread.id) recipients.add(sub.userId);
		for (const v of Object.values(s().roomSubscriptionSettings))
			if (v.roomId === thread.roomId && v.threads === "all") recipients.add(v.userId);
		recipients.delete(author);
		for (const u of recipients) {
			if (roomSetting(thread.roomId, u).threads === "none") continue;
			const existing = Object.values(s().inbox).find(
				(n) => n.userId === u && n.kind === "thread" && n.threadId === thread.id && n.readAt === null,
			);
			if (existing) existing.notifiedAt = comment.createdAt;
			else
				addNotification({
					kind: "thread",
					userId: u,
					roomId: thread.roomId,
					threadId: thread.id,
					organizationId,
					notifiedAt: comment.createdAt,
				});
		}
	}

	function findForUser(userId, id) {
		const n = s().inbox[id];
		if (!n || n.userId !== userId) throw notFound(`Inbox notification with id "${id}" not found.`);
		return n;
	}

	function validateSettingsPatch(body) {
		requireObject(body);
		for (const [channel, kinds] of Object.entries(body)) {
			if (!CHANNELS.includes(channel))
				throw unprocessable(`Invalid notification channel '${channel}'`, `Use one of ${CHANNELS.join(", ")}`);
			if (!isPlainObject(kinds)) throw unprocessable(`Invalid value for '${channel}': should be an object`);
			for (const [kind, v] of Object.entries(kinds)) {
				if (kind !== "thread" && kind !== "textMention" && !CUSTOM_KIND.test(kind))
					throw unprocessable(`Invalid notification kind '${kind}' in '${channel}'`);
				if (typeof v !== "boolean") throw unprocessable(`Invalid value for '${channel}.${kind}': should be a boolean`);
			}
		}
	}

	function validateRoomSubscription(body) {
		requireObject(body);
		for (const k of Object.keys(body))
			if (k !== "threads" && k !== "textMentions") throw unprocessable(`Unknown field '${k}'`);
		if (body.threads !== undefined && !THREAD_SETTINGS.includes(body.threads))
			throw unprocessable(`Invalid value for 'threads': should be one of ${THREAD_SETTINGS.join(", ")}`);
		if (body.textMentions !== undefined && !MENTION_SETTINGS.includes(body.textMentions))
			throw unprocessable(`Invalid value for 'textMentions': should be one of ${MENTION_SETTINGS.join(", ")}`);
	}

	const routes = {
		async list(ctx) {
			const q = ctx.query;
			const limit = parseLimit(q, { min: 1, max: 50, def: 50 });
			const ast = parseQueryParam(q.get("query"), INBOX_QUERY);
			const org = q.get("organizationId") ?? q.get("tenantId");
			let items = Object.values(s().inbox).filter((n) => n.userId === ctx.params.userId);
			if (org) items = items.filter((n) => (n.organizationId ?? "default") === org);
			if (ast)
				items = items.filter((n) =>
					matchQuery(ast, n, (it, field) => (field === "unread" ? it.readAt === null : it[field])),
				);
			const key = (n) => n.notifiedAt;
			const page = paginate(sortNewestFirst(items, key), key, {
				limit,
				cursor: q.get("startingAfter") || q.get("cursor"),
			});
			return json(200, { nextCursor: page.nextCursor, data: page.data.map(view) });
		},

		async get(ctx) {
			return json(200, view(findForUser(ctx.params.userId, ctx.params.inboxNotificationId)));
		},

		async remove(ctx) {
			findForUser(ctx.params.userId, ctx.params.inboxNotificationId);
			delete s().inbox[ctx.params.inboxNotificationId];
			store.changed();
			return empty(204);
		},

		async removeAll(ctx) {
			const org = ctx.query.get("organizationId") ?? ctx.query.get("tenantId");
			for (const [id, n] of Object.entries(s().inbox))
				if (n.userId === ctx.params.userId && (!org || (n.organizationId ?? "default") === org))
					delete s().inbox[id];
			store.changed();
			return empty(204);
		},

		async markRead(ctx) {
			const n = s().inbox[ctx.params.inboxNotificationId];
			if (!n) throw notFound(`Inbox notification with id "${ctx.params.inboxNotificationId}" not found.`);
			if (n.readAt === null) n.readAt = nowIso();
			store.changed();
			return empty(204);
		},

		async trigger(ctx) {
			const b = requireObject(ctx.json());
			for (const f of ["userId", "kind", "subjectId"])
				if (typeof b[f] !== "string" || b[f] === "")
					throw unprocessable(`Missing or invalid field '${f}': should be a non-empty string`);
			if (!CUSTOM_KIND.test(b.kind))
				throw unprocessable(
					`Invalid value for 'kind': '${b.kind}'`,
					'Custom notification kinds start with "$" followed by letters or underscores (at most 128 characters)',
				);
			const data = b.activityData ?? {};
			if (!isPlainObject(data)) throw unprocessable("Invalid value for 'activityData': should be an object");
			for (const [k, v] of Object.entries(data))
				if (!["string", "number", "boolean"].includes(typeof v))
					throw unprocessable(`Invalid value for 'activityData.${k}': should be a string, number or boolean`);
			let organizationId = b.organizationId;
			if (b.roomId !== undefined) {
				if (typeof b.roomId !== "string") throw unprocessable("Invalid value for 'roomId': should be a string");
				const room = await up.requireRoom(b.roomId);
				organizationId ??= room.organizationId;
			}
			const now = nowIso();
			const activity = { id: makeId("act"), createdAt: now, data };
			const existing = Object.values(s().inbox).find(
				(n) =>
					n.userId === b.userId &&
					n.kind === b.kind &&
					n.subjectId === b.subjectId &&
					n.roomId === b.roomId &&
					n.readAt === null,
			);
			if (existing) {
				existing.activities.push(activity);
				existing.notifiedAt = now;
			} else {
				addNotification({
					kind: b.kind,
					userId: b.userId,
					...(b.roomId !== undefined ? { roomId: b.roomId } : {}),
					organizationId: organizationId ?? "default",
					subjectId: b.subjectId,
					notifiedAt: now,
					activities: [activity],
				});
			}
			store.changed();
			return json(200, {});
		},

		async getSettings(ctx) {
			return json(200, s().notificationSettings[ctx.params.userId] ?? defaultNotificationSettings());
		},

		async updateSettings(ctx) {
			const body = ctx.json();
			validateSettingsPatch(body);
			const cur = structuredClone(s().notificationSettings[ctx.params.userId] ?? defaultNotificationSettings());
			for (const [channel, kinds] of Object.entries(body)) cur[channel] = { ...(cur[channel] ?? {}), ...kinds };
			s().notificationSettings[ctx.params.userId] = cur;
			store.changed();
			return json(200, cur);
		},

		async deleteSettings(ctx) {
			delete s().notificationSettings[ctx.params.userId];
			store.changed();
			return empty(204);
		},

		async getRoomSubscription(ctx) {
			await up.requireRoom(ctx.params.roomId);
			const { threads, textMentions } = roomSetting(ctx.params.roomId, ctx.params.userId);
			return json(200, { threads, textMentions });
		},

		async updateRoomSubscription(ctx) {
			const body = ctx.json();
			validateRoomSubscription(body);
			await up.requireRoom(ctx.params.roomId);
			const { roomId, userId } = ctx.params;
			const cur = roomSetting(roomId, userId);
			const next = {
				roomId,
				userId,
				threads: body.threads ?? cur.threads,
				textMentions: body.textMentions ?? cur.textMentions,
				updatedAt: nowIso(),
			};
			s().roomSubscriptionSettings[`${roomId}\0${userId}`] = next;
			store.changed();
			return json(200, { threads: next.threads, textMentions: next.textMentions });
		},

		async deleteRoomSubscription(ctx) {
			await up.requireRoom(ctx.params.roomId);
			delete s().roomSubscriptionSettings[`${ctx.params.roomId}\0${ctx.params.userId}`];
			store.changed();
			return empty(204);
		},

		async listRoomSubscriptions(ctx) {
			const q = ctx.query;
			const limit = parseLimit(q, { min: 1, max: 50, def: 50 });
			const org = q.get("organizationId") ?? q.get("tenantId");
			let items = Object.values(s().roomSubscriptionSettings)
				.filter((v) => v.userId === ctx.params.userId)
				.map((v) => ({ ...v, id: v.roomId }));
			if (org) {
				const orgOf = new Map((await up.listRooms()).map((r) => [r.id, r.organizationId]));
				items = items.filter((v) => orgOf.get(v.roomId) === org);
			}
			const key = (v) => v.updatedAt ?? "";
			const page = paginate(sortNewestFirst(items, key), key, {
				limit,
				cursor: q.get("startingAfter") || q.get("cursor"),
			});
			return json(200, {
				nextCursor: page.nextCursor,
				meta: { nextCursor: page.nextCursor },
				data: page.data.map((v) => ({ roomId: v.roomId, threads: v.threads, textMentions: v.textMentions })),
			});
		},
	};

	return {
		onComment,
		subscribe,
		view,
		register(router) {
			router.add("GET", "/v2/users/:userId/inbox-notifications", routes.list);
			router.add("DELETE", "/v2/users/:userId/inbox-notifications", routes.removeAll);
			router.add("GET", "/v2/users/:userId/inbox-notifications/:inboxNotificationId", routes.get);
			router.add("DELETE", "/v2/users/:userId/inbox-notifications/:inboxNotificationId", routes.remove);
			router.add("POST", "/v2/inbox-notifications/:inboxNotificationId/read", routes.markRead);
			router.add("POST", "/v2/inbox-notifications/trigger", routes.trigger);
			router.add("GET", "/v2/users/:userId/notification-settings", routes.getSettings);
			router.add("POST", "/v2/users/:userId/notification-settings", routes.updateSettings);
			router.add("DELETE", "/v2/users/:userId/notification-settings", routes.deleteSettings);
			for (const name of ["subscription-settings", "notification-settings"]) {
				const p = `/v2/rooms/:roomId/users/:userId/${name}`;
				router.add("GET", p, routes.getRoomSubscription);
				router.add("POST", p, routes.updateRoomSubscription);
				router.add("DELETE", p, routes.deleteRoomSubscription);
			}
			router.add("GET", "/v2/users/:userId/room-subscription-settings", routes.listRoomSubscriptions);
		},
	};
}
