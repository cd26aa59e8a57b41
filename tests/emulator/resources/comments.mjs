// Threads, comments, reactions, thread/comment metadata, resolve,
// subscriptions and participants.

import {
	conflict,
	empty,
	isPlainObject,
	json,
	makeId,
	mergeMetadata,
	notFound,
	nowIso,
	parseDate,
	requireObject,
	sortNewestFirst,
	unprocessable,
	validateMetadata,
} from "../util.mjs";
import { matchQuery, parseQueryParam, THREAD_QUERY } from "../query.mjs";
import { extractMentions } from "./notifications.mjs";

const TEXT_FLAGS = ["bold", "italic", "strikethrough", "code"];

/** Checks a comment body: {version: 1, content: [paragraph…]}. */
export function validateBody(body, field = "body") {
	const bad = (why) => {
		throw unprocessable(`Invalid comment ${field}: ${why}`);
	};
	if (!isPlainObject(body)) bad("should be an object");
	if (body.version !== 1) bad("'version' should be 1");
	if (!Array.isArray(body.content)) bad("'content' should be an array");
	body.content.forEach((p, i) => {
		if (!isPlainObject(p) || p.type !== "paragraph") bad(`content[${i}] should be a paragraph`);
		if (!Array.isArray(p.children)) bad(`content[${i}].children should be an array`);
		p.children.forEach((n, j) => {
			const where = `content[${i}].children[${j}]`;
			if (!isPlainObject(n)) bad(`${where} should be an object`);
			if (n.type === undefined) {
				if (typeof n.text !== "string") bad(`${where}.text should be a string`);
				for (const f of TEXT_FLAGS)
					if (n[f] !== undefined && typeof n[f] !== "boolean") bad(`${where}.${f} should be a boolean`);
			} else if (n.type === "link") {
				if (typeof n.url !== "string") bad(`${where}.url should be a string`);
				if (n.text !== undefined && typeof n.text !== "string") bad(`${where}.text should be a string`);
			} else if (n.type === "mention") {
				if (typeof n.id !== "string") bad(`${where}.id should be a string`);
				if (n.kind !== undefined && n.kind !== "user" && n.kind !== "group")
					bad(`${where}.kind should be "user" or "group"`);
			} else {
				bad(`${where} has an unknown type '${String(n.type)}'`);
			}
		});
	});
}

function validateAttachmentIds(ids) {
	if (ids === undefined) return [];
	if (!Array.isArray(ids) || ids.some((x) => typeof x !== "string"))
		throw unprocessable("Invalid value for 'attachmentIds': should be an array of strings");
	return ids.map((id) => ({ type: "attachment", id, name: id, size: 0, mimeType: "application/octet-stream" }));
}

function requireUserId(b) {
	if (typeof b.userId !== "string" || b.userId === "")
		throw unprocessable("Missing or invalid field 'userId': should be a non-empty string");
	return b.userId;
}

export function createComments({ store, up, notifications }) {
	const s = () => store.s;

	const threadView = (t) => {
		const { organizationId: _o, ...rest } = t;
		return rest;
	};

	async function findThread(roomId, threadId) {
		const t = s().threads[threadId];
		if (t && t.roomId === roomId) return t;
		await up.requireRoom(roomId);
		throw notFound(`Thread with id "${threadId}" not found.`);
	}

	async function findComment(roomId, threadId, commentId) {
		const t = await findThread(roomId, threadId);
		const c = t.comments.find((x) => x.id === commentId);
		if (!c) throw notFound(`Comment with id "${commentId}" not found.`);
		return { thread: t, comment: c };
	}

	function newComment(thread, data, roomId) {
		requireObject(data, "comment");
		const userId = requireUserId(data);
		validateBody(data.body);
		validateMetadata(data.metadata, { values: "thread" });
		if (data.id !== undefined && (typeof data.id !== "string" || !data.id.startsWith("cm_")))
			throw unprocessable("Invalid value for 'id': comment IDs start with 'cm_'");
		if (data.id && Object.values(s().threads).some((t) => t.comments.some((c) => c.id === data.id)))
			throw conflict(`Comment with id "${data.id}" already exists.`);
		return {
			type: "comment",
			id: data.id ?? makeId("cm"),
			threadId: thread.id,
			roomId,
			userId,
			createdAt: parseDate(data.createdAt, "createdAt"),
			body: data.body,
			reactions: [],
			attachments: validateAttachmentIds(data.attachmentIds),
			metadata: data.metadata ?? {},
		};
	}

	function participants(t) {
		const ids = new Set();
		for (const c of t.comments) {
			ids.add(c.userId);
			for (const m of extractMentions(c.body)) if (m.kind === "user") ids.add(m.id);
		}
		return [...ids];
	}

	const routes = {
		async list(ctx) {
			const roomId = ctx.params.roomId;
			const ast = parseQueryParam(ctx.query.get("query"), THREAD_QUERY);
			await up.requireRoom(roomId);
			let threads = store.threadsOfRoom(roomId);
			if (ast)
				threads = threads.filter((t) =>
					matchQuery(ast, t, (it, field, key) => (field === "metadata" ? it.metadata[key] : it[field])),
				);
			return json(200, { data: sortNewestFirst(threads, (t) => t.createdAt).map(threadView) });
		},

		async create(ctx) {
			const roomId = ctx.params.roomId;
			const b = requireObject(ctx.json());
			validateMetadata(b.metadata, { values: "thread" });
			if (b.visibility !== undefined && b.visibility !== "public" && b.visibility !== "private")
				throw unprocessable("Invalid value for 'visibility': should be \"public\" or \"private\"");
			if (b.id !== undefined && (typeof b.id !== "string" || !b.id.startsWith("th_")))
				throw unprocessable("Invalid value for 'id': thread IDs start with 'th_'");
			const room = await up.requireRoom(roomId);
			if (b.id && s().threads[b.id]) throw conflict(`Thread with id "${b.id}" already exists.`);
			const thread = {
				type: "thread",
				id: b.id ?? makeId("th"),
				roomId,
				createdAt: "",
				updatedAt: "",
				metadata: b.metadata ?? {},
				resolved: false,
				visibility: b.visibility ?? "public",
				comments: [],
				organizationId: room.organizationId,
			};
			const comment = newComment(thread, b.comment, roomId);
			thread.createdAt = thread.updatedAt = comment.createdAt;
			thread.comments.push(comment);
			s().threads[thread.id] = thread;
			notifications.onComment(thread, comment, room.organizationId);
			store.changed();
			return json(200, threadView(thread));
		},

		async get(ctx) {
			return json(200, threadView(await findThread(ctx.params.roomId, ctx.params.threadId)));
		},

		async remove(ctx) {
			const t = await findThread(ctx.params.roomId, ctx.params.threadId);
			store.deleteThread(t.id);
			store.changed();
			return empty(204);
		},

		async editMetadata(ctx) {
			const t = await findThread(ctx.params.roomId, ctx.params.threadId);
			const b = requireObject(ctx.json());
			requireUserId(b);
			if (!isPlainObject(b.metadata)) throw unprocessable("Missing or invalid field 'metadata': should be an object");
			validateMetadata(b.metadata, { values: "thread", allowNull: true });
			const merged = mergeMetadata(t.metadata, b.metadata);
			if (Object.keys(merged).length > 50) throw unprocessable("Invalid value for 'metadata': at most 50 entries are allowed");
			t.metadata = merged;
			t.updatedAt = parseDate(b.updatedAt ?? b.createdAt, "updatedAt");
			store.changed();
			return json(200, t.metadata);
		},

		resolve: (resolved) => async (ctx) => {
			const t = await findThread(ctx.params.roomId, ctx.params.threadId);
			const b = ctx.body.length ? requireObject(ctx.json()) : {};
			if (b.userId !== undefined) requireUserId(b);
			t.resolved = resolved;
			t.updatedAt = nowIso();
			store.changed();
			return json(200, threadView(t));
		},

		async subscribe(ctx) {
			const t = await findThread(ctx.params.roomId, ctx.params.threadId);
			const userId = requireUserId(requireObject(ctx.json()));
			const sub = notifications.subscribe(t, userId);
			store.changed();
			return json(200, { kind: "thread", subjectId: t.id, createdAt: sub.createdAt, userId });
		},

		async unsubscribe(ctx) {
			const t = await findThread(ctx.params.roomId, ctx.params.threadId);
			const userId = requireUserId(requireObject(ctx.json()));
			delete s().subscriptions[`${t.id}\0${userId}`];
			store.changed();
			return json(200, {});
		},

		async subscriptions(ctx) {
			const t = await findThread(ctx.params.roomId, ctx.params.threadId);
			const data = Object.values(s().subscriptions)
				.filter((x) => x.threadId === t.id)
				.map((x) => ({ kind: "thread", subjectId: t.id, createdAt: x.createdAt, userId: x.userId }));
			return json(200, { data });
		},

		async participants(ctx) {
			const t = await findThread(ctx.params.roomId, ctx.params.threadId);
			return json(200, { participantIds: participants(t) });
		},

		async threadInbox(ctx) {
			const t = await findThread(ctx.params.roomId, ctx.params.threadId);
			const data = Object.values(s().inbox)
				.filter((n) => n.threadId === t.id)
				.map((n) => ({ ...notifications.view(n), userId: n.userId }));
			return json(200, { data });
		},

		async createComment(ctx) {
			const t = await findThread(ctx.params.roomId, ctx.params.threadId);
			const c = newComment(t, requireObject(ctx.json()), t.roomId);
			t.comments.push(c);
			t.updatedAt = c.createdAt > t.updatedAt ? c.createdAt : nowIso();
			notifications.onComment(t, c, t.organizationId);
			store.changed();
			return json(200, c);
		},

		async getComment(ctx) {
			const { comment } = await findComment(ctx.params.roomId, ctx.params.threadId, ctx.params.commentId);
			return json(200, comment);
		},

		async editComment(ctx) {
			const { thread, comment } = await findComment(ctx.params.roomId, ctx.params.threadId, ctx.params.commentId);
			const b = requireObject(ctx.json());
			validateBody(b.body);
			validateMetadata(b.metadata, { values: "thread", allowNull: true });
			if (comment.deletedAt) throw notFound(`Comment with id "${comment.id}" was deleted.`);
			comment.body = b.body;
			comment.editedAt = parseDate(b.editedAt, "editedAt");
			if (b.attachmentIds !== undefined) comment.attachments = validateAttachmentIds(b.attachmentIds);
			if (b.metadata !== undefined) comment.metadata = mergeMetadata(comment.metadata, b.metadata);
			thread.updatedAt = comment.editedAt;
			store.changed();
			return json(200, comment);
		},

		async deleteComment(ctx) {
			const { thread, comment } = await findComment(ctx.params.roomId, ctx.params.threadId, ctx.params.commentId);
			if (thread.comments.every((c) => c === comment || c.deletedAt)) {
				store.deleteThread(thread.id);
			} else {
				delete comment.body;
				comment.deletedAt = nowIso();
				comment.attachments = [];
				thread.updatedAt = comment.deletedAt;
			}
			store.changed();
			return empty(204);
		},

		async editCommentMetadata(ctx) {
			const { comment } = await findComment(ctx.params.roomId, ctx.params.threadId, ctx.params.commentId);
			const b = requireObject(ctx.json());
			requireUserId(b);
			if (!isPlainObject(b.metadata)) throw unprocessable("Missing or invalid field 'metadata': should be an object");
			validateMetadata(b.metadata, { values: "thread", allowNull: true });
			comment.metadata = mergeMetadata(comment.metadata, b.metadata);
			store.changed();
			return json(200, comment.metadata);
		},

		async addReaction(ctx) {
			const { comment } = await findComment(ctx.params.roomId, ctx.params.threadId, ctx.params.commentId);
			const b = requireObject(ctx.json());
			const userId = requireUserId(b);
			if (typeof b.emoji !== "string" || b.emoji === "" || b.emoji.length > 64)
				throw unprocessable("Missing or invalid field 'emoji': should be an emoji");
			const createdAt = parseDate(b.createdAt, "createdAt");
			let r = comment.reactions.find((x) => x.emoji === b.emoji);
			if (r?.users.some((u) => u.id === userId))
				throw conflict(`User "${userId}" already reacted with ${b.emoji} to this comment.`);
			if (!r) {
				r = { emoji: b.emoji, createdAt, users: [] };
				comment.reactions.push(r);
			}
			r.users.push({ id: userId });
			store.changed();
			return json(200, { emoji: b.emoji, userId, createdAt });
		},

		async removeReaction(ctx) {
			const { comment } = await findComment(ctx.params.roomId, ctx.params.threadId, ctx.params.commentId);
			const b = requireObject(ctx.json());
			const userId = requireUserId(b);
			if (typeof b.emoji !== "string" || b.emoji === "")
				throw unprocessable("Missing or invalid field 'emoji': should be an emoji");
			parseDate(b.removedAt, "removedAt");
			const r = comment.reactions.find((x) => x.emoji === b.emoji);
			if (r) {
				r.users = r.users.filter((u) => u.id !== userId);
				if (r.users.length === 0) comment.reactions = comment.reactions.filter((x) => x !== r);
			}
			store.changed();
			return empty(204);
		},
	};

	return {
		register(router) {
			const T = "/v2/rooms/:roomId/threads";
			const C = `${T}/:threadId/comments/:commentId`;
			router.add("GET", T, routes.list);
			router.add("POST", T, routes.create);
			router.add("GET", `${T}/:threadId`, routes.get);
			router.add("DELETE", `${T}/:threadId`, routes.remove);
			router.add("POST", `${T}/:threadId/metadata`, routes.editMetadata);
			router.add("POST", `${T}/:threadId/mark-as-resolved`, routes.resolve(true));
			router.add("POST", `${T}/:threadId/mark-as-unresolved`, routes.resolve(false));
			router.add("POST", `${T}/:threadId/subscribe`, routes.subscribe);
			router.add("POST", `${T}/:threadId/unsubscribe`, routes.unsubscribe);
			router.add("GET", `${T}/:threadId/subscriptions`, routes.subscriptions);
			router.add("GET", `${T}/:threadId/participants`, routes.participants);
			router.add("GET", `${T}/:threadId/inbox-notifications`, routes.threadInbox);
			router.add("POST", `${T}/:threadId/comments`, routes.createComment);
			router.add("GET", C, routes.getComment);
			router.add("POST", C, routes.editComment);
			router.add("DELETE", C, routes.deleteComment);
			router.add("POST", `${C}/metadata`, routes.editCommentMetadata);
			router.add("POST", `${C}/add-reaction`, routes.addReaction);
			router.add("POST", `${C}/remove-reaction`, routes.removeReaction);
		},
	};
}
