// Rooms: list with pagination and filters, create/get/update/delete passed
// through to the dev server (validated first), upsert, update-room-id,
// update-organization-id, prewarm, active users, broadcast, presence.

import {
	clockIsFixed,
	conflict,
	empty,
	isPlainObject,
	json,
	nowIso,
	paginate,
	parseLimit,
	requireObject,
	sortNewestFirst,
	unprocessable,
	validateMetadata,
} from "../util.mjs";
import { matchQuery, parseQueryParam, ROOM_QUERY } from "../query.mjs";
import { upstreamError } from "../upstream.mjs";

const PERMISSION =
	/^(\*:(read|write)|room:(read|write|presence:write)|(storage|comments|comments:public|comments:private|feeds):(read|write|none))$/;

function validatePermissions(list, field) {
	if (!Array.isArray(list)) throw unprocessable(`Invalid value for '${field}': should be an array of permissions`);
	for (const p of list)
		if (typeof p !== "string" || !PERMISSION.test(p))
			throw unprocessable(
				`Invalid permission '${String(p)}' in '${field}'`,
				'Use permissions such as "room:write", "room:read" or "room:presence:write"',
			);
}

function validateAccesses(map, field, { allowNull, maxIdLength }) {
	if (map === undefined) return;
	if (!isPlainObject(map)) throw unprocessable(`Invalid value for '${field}': should be an object`);
	const ids = Object.keys(map);
	if (ids.length > 100) throw unprocessable(`Invalid value for '${field}': at most 100 entries are allowed`);
	for (const id of ids) {
		if (id.length > maxIdLength)
			throw unprocessable(`Invalid ID '${id.slice(0, 60)}' in '${field}': at most ${maxIdLength} characters are allowed`);
		if (map[id] === null && allowNull) continue;
		validatePermissions(map[id], `${field}.${id}`);
	}
}

/** Validates a create-room body (without the `id` check when forUpsert). */
function validateCreate(body, { requireId = true } = {}) {
	requireObject(body);
	if (requireId && (typeof body.id !== "string" || body.id.length === 0))
		throw unprocessable("Missing or invalid field 'id': should be a non-empty string");
	if (requireId && body.id.length > 128) throw unprocessable("Invalid room ID: at most 128 characters are allowed");
	if (body.defaultAccesses !== undefined) validatePermissions(body.defaultAccesses, "defaultAccesses");
	validateAccesses(body.usersAccesses, "usersAccesses", { allowNull: false, maxIdLength: 40 });
	validateAccesses(body.groupsAccesses, "groupsAccesses", { allowNull: false, maxIdLength: 40 });
	validateMetadata(body.metadata, { values: "room" });
	if (body.organizationId !== undefined && typeof body.organizationId !== "string")
		throw unprocessable("Invalid value for 'organizationId': should be a string");
}

function validateUpdate(body) {
	requireObject(body);
	if (body.defaultAccesses !== undefined && body.defaultAccesses !== null)
		validatePermissions(body.defaultAccesses, "defaultAccesses");
	validateAccesses(body.usersAccesses, "usersAccesses", { allowNull: true, maxIdLength: 256 });
	validateAccesses(body.groupsAccesses, "groupsAccesses", { allowNull: true, maxIdLength: 256 });
	validateMetadata(body.metadata, { values: "room", allowNull: true });
}

export function createRooms({ store, up }) {
	const presence = new Map(); // roomId -> Map(userId -> {data, info, expiresAt, connectionId})
	let presenceSeq = 0;

	/** A room as the API returns it (createdAt kept across re-creations). */
	const decorate = (room) => {
		const createdAt = store.s.roomCreatedAt[room.id];
		return createdAt ? { ...room, createdAt } : room;
	};

	/** With a fixed clock, a new room's createdAt comes from it, not from the dev server. */
	function stampCreation(roomId) {
		if (clockIsFixed()) store.s.roomCreatedAt[roomId] = nowIso();
	}

	async function getRoomOr404(roomId) {
		return decorate(await up.requireRoom(roomId));
	}

	/**
	 * Re-creates a room under `toId` with `overrides`, carrying its Storage,
	 * Yjs document and the emulator's data; used where the dev server cannot
	 * change a room in place (new ID, new organization, deleted metadata).
	 */
	async function rebuildRoom(fromId, toId, overrides = {}) {
		const room = await up.requireRoom(fromId);
		if (toId !== fromId && (await up.getRoom(toId)))
			throw conflict(`Room with id "${toId}" already exists.`, "ROOM_ALREADY_EXISTS");
		const rid = encodeURIComponent(fromId);
		const storage = await up.json("GET", `/v2/rooms/${rid}/storage`, { query: { format: "plain-lson" } });
		const ydoc = await up.request("GET", `/v2/rooms/${rid}/ydoc-binary`);
		if (ydoc.status !== 200) throw upstreamError(ydoc);
		const createBody = {
			id: toId,
			defaultAccesses: room.defaultAccesses,
			usersAccesses: room.usersAccesses,
			groupsAccesses: room.groupsAccesses,
			metadata: room.metadata,
			organizationId: room.organizationId,
			...overrides,
		};
		const createdAt = store.s.roomCreatedAt[fromId] ?? room.createdAt;
		if (toId === fromId) await up.json("DELETE", `/v2/rooms/${rid}`);
		await up.json("POST", "/v2/rooms", { body: createBody });
		const tid = encodeURIComponent(toId);
		if (storage && storage.data && Object.keys(storage.data).length > 0)
			await up.json("POST", `/v2/rooms/${tid}/storage`, { body: storage });
		if (ydoc.body.length > 2)
			await up.json("PUT", `/v2/rooms/${tid}/ydoc`, {
				body: ydoc.body,
				headers: { "content-type": "application/octet-stream" },
			});
		if (toId !== fromId) {
			await up.json("DELETE", `/v2/rooms/${rid}`);
			store.moveRoomData(fromId, toId);
		}
		store.s.roomCreatedAt[toId] = createdAt;
		store.changed();
		return decorate(await up.requireRoom(toId));
	}

	/** Applies an update body (validated) to an existing room. */
	async function applyUpdate(roomId, body) {
		const room = await up.requireRoom(roomId);
		const upd = { ...body };
		if (upd.defaultAccesses === null) upd.defaultAccesses = [];
		const deletes = Object.entries(upd.metadata ?? {}).filter(([, v]) => v === null).map(([k]) => k);
		if (deletes.length > 0) {
			const metadata = { ...room.metadata };
			for (const [k, v] of Object.entries(upd.metadata)) {
				if (v === null) delete metadata[k];
				else metadata[k] = v;
			}
			const usersAccesses = { ...room.usersAccesses };
			for (const [k, v] of Object.entries(upd.usersAccesses ?? {})) {
				if (v === null) delete usersAccesses[k];
				else usersAccesses[k] = v;
			}
			const groupsAccesses = { ...room.groupsAccesses };
			for (const [k, v] of Object.entries(upd.groupsAccesses ?? {})) {
				if (v === null) delete groupsAccesses[k];
				else groupsAccesses[k] = v;
			}
			return rebuildRoom(roomId, roomId, {
				metadata,
				usersAccesses,
				groupsAccesses,
				defaultAccesses: upd.defaultAccesses ?? room.defaultAccesses,
			});
		}
		const out = await up.json("POST", `/v2/rooms/${encodeURIComponent(roomId)}`, { body: upd });
		return decorate(out);
	}

	function activePresence(roomId) {
		const m = presence.get(roomId);
		if (!m) return [];
		const now = Date.now();
		const out = [];
		for (const [userId, p] of m) {
			if (p.expiresAt <= now) m.delete(userId);
			else out.push({ type: "user", id: userId, connectionId: p.connectionId, info: p.info ?? {} });
		}
		return out;
	}

	const routes = {
		async list(ctx) {
			const q = ctx.query;
			const limit = parseLimit(q, { min: 1, max: 100, def: 20 });
			const ast = parseQueryParam(q.get("query"), ROOM_QUERY);
			const org = q.get("organizationId") ?? q.get("tenantId");
			const userId = q.get("userId");
			const groupIds = (q.get("groupIds") ?? "").split(",").filter(Boolean);
			const legacyMeta = [...q.entries()].filter(([k]) => k.startsWith("metadata."));
			let rooms = (await up.listRooms()).map(decorate);
			if (org) rooms = rooms.filter((r) => r.organizationId === org);
			if (userId || groupIds.length)
				rooms = rooms.filter(
					(r) =>
						(userId && Object.hasOwn(r.usersAccesses ?? {}, userId)) ||
						groupIds.some((g) => Object.hasOwn(r.groupsAccesses ?? {}, g)),
				);
			for (const [k, v] of legacyMeta) {
				const key = k.slice("metadata.".length);
				rooms = rooms.filter((r) => {
					const mv = r.metadata?.[key];
					return Array.isArray(mv) ? mv.includes(v) : mv === v;
				});
			}
			if (ast)
				rooms = rooms.filter((r) =>
					matchQuery(ast, r, (item, field, key) => (field === "roomId" ? item.id : item.metadata?.[key])),
				);
			const key = (r) => r.createdAt;
			const page = paginate(sortNewestFirst(rooms, key), key, {
				limit,
				cursor: q.get("startingAfter") || q.get("cursor"),
			});
			let nextPage = null;
			if (page.nextCursor) {
				const np = new URLSearchParams(q);
				np.delete("cursor");
				np.set("startingAfter", page.nextCursor);
				nextPage = `/v2/rooms?${np}`;
			}
			return json(200, { nextCursor: page.nextCursor, nextPage, data: page.data });
		},

		async create(ctx) {
			const body = ctx.json();
			validateCreate(body);
			const existed = await up.getRoom(body.id);
			const r = await up.request("POST", "/v2/rooms" + ctx.search, { body });
			if (r.status !== 200) throw upstreamError(r);
			if (!existed) {
				store.deleteRoomData(body.id);
				stampCreation(body.id);
				store.changed();
			}
			return json(200, decorate(JSON.parse(r.body.toString("utf8"))));
		},

		async get(ctx) {
			return json(200, await getRoomOr404(ctx.params.roomId));
		},

		async update(ctx) {
			const body = ctx.json();
			validateUpdate(body);
			return json(200, await applyUpdate(ctx.params.roomId, body));
		},

		async remove(ctx) {
			const r = await up.request("DELETE", `/v2/rooms/${encodeURIComponent(ctx.params.roomId)}`);
			if (r.status >= 300) throw upstreamError(r);
			store.deleteRoomData(ctx.params.roomId);
			presence.delete(ctx.params.roomId);
			store.changed();
			return empty(204);
		},

		async upsert(ctx) {
			const body = requireObject(ctx.json());
			if (!isPlainObject(body.update) || Object.keys(body.update).length === 0)
				throw unprocessable("Missing or invalid field 'update': should be an object with at least one key");
			validateUpdate(body.update);
			if (body.create !== undefined) validateCreate(body.create, { requireId: false });
			const roomId = ctx.params.roomId;
			if (await up.getRoom(roomId)) return json(200, await applyUpdate(roomId, body.update));
			const strip = (m) => (m ? Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null)) : undefined);
			const createBody = { ...(body.create ?? {}), id: roomId };
			const u = body.update;
			if (u.defaultAccesses !== undefined) createBody.defaultAccesses = u.defaultAccesses ?? [];
			for (const f of ["usersAccesses", "groupsAccesses", "metadata"])
				if (u[f] !== undefined) createBody[f] = { ...(createBody[f] ?? {}), ...strip(u[f]) };
			const out = await up.json("POST", "/v2/rooms", { body: createBody });
			store.deleteRoomData(roomId);
			stampCreation(roomId);
			store.changed();
			return json(200, decorate(out));
		},

		async updateRoomId(ctx) {
			const body = requireObject(ctx.json());
			const newRoomId = body.newRoomId;
			if (typeof newRoomId !== "string" || newRoomId.length === 0 || newRoomId.length > 128)
				throw unprocessable("Missing or invalid field 'newRoomId': should be a non-empty string");
			if (newRoomId === ctx.params.roomId) return json(200, await getRoomOr404(newRoomId));
			return json(200, await rebuildRoom(ctx.params.roomId, newRoomId));
		},

		async updateOrganizationId(ctx) {
			const body = requireObject(ctx.json());
			for (const f of ["fromOrganizationId", "toOrganizationId"])
				if (typeof body[f] !== "string" || body[f] === "")
					throw unprocessable(`Missing or invalid field '${f}': should be a non-empty string`);
			const room = await up.requireRoom(ctx.params.roomId);
			if (room.organizationId !== body.fromOrganizationId)
				throw unprocessable(
					`Room "${room.id}" does not belong to organization "${body.fromOrganizationId}"`,
				);
			if (body.toOrganizationId === room.organizationId) return json(200, decorate(room));
			return json(200, await rebuildRoom(room.id, room.id, { organizationId: body.toOrganizationId }));
		},

		async prewarm(ctx) {
			await up.requireRoom(ctx.params.roomId);
			return empty(204);
		},

		async activeUsers(ctx) {
			const roomId = ctx.params.roomId;
			const r = await up.request("GET", `/v2/rooms/${encodeURIComponent(roomId)}/active-users`);
			if (r.status !== 200) throw upstreamError(r);
			const page = JSON.parse(r.body.toString("utf8"));
			return json(200, { data: [...page.data, ...activePresence(roomId)] });
		},

		async broadcast(ctx) {
			ctx.json();
			if (ctx.body.length === 0) throw unprocessable("The request body must be a JSON value");
			await up.requireRoom(ctx.params.roomId);
			return empty(204);
		},

		async setPresence(ctx) {
			const body = requireObject(ctx.json());
			if (typeof body.userId !== "string" || body.userId === "")
				throw unprocessable("Missing or invalid field 'userId': should be a non-empty string");
			if (!isPlainObject(body.data)) throw unprocessable("Missing or invalid field 'data': should be an object");
			if (body.userInfo !== undefined && !isPlainObject(body.userInfo))
				throw unprocessable("Invalid value for 'userInfo': should be an object");
			const ttl = body.ttl ?? 60;
			if (!Number.isInteger(ttl) || ttl < 2 || ttl > 3599)
				throw unprocessable("Invalid value for 'ttl': should be an integer between 2 and 3599");
			const roomId = ctx.params.roomId;
			await up.requireRoom(roomId);
			if (!presence.has(roomId)) presence.set(roomId, new Map());
			const prev = presence.get(roomId).get(body.userId);
			presence.get(roomId).set(body.userId, {
				data: body.data,
				info: body.userInfo,
				expiresAt: Date.now() + ttl * 1000,
				connectionId: prev?.connectionId ?? -1000 - ++presenceSeq,
			});
			return empty(204);
		},
	};

	return {
		decorate,
		register(router) {
			router.add("GET", "/v2/rooms", routes.list);
			router.add("POST", "/v2/rooms", routes.create);
			router.add("GET", "/v2/rooms/:roomId", routes.get);
			router.add("POST", "/v2/rooms/:roomId", routes.update);
			router.add("DELETE", "/v2/rooms/:roomId", routes.remove);
			router.add("POST", "/v2/rooms/:roomId/upsert", routes.upsert);
			router.add("POST", "/v2/rooms/:roomId/update-room-id", routes.updateRoomId);
			router.add("POST", "/v2/rooms/:roomId/update-organization-id", routes.updateOrganizationId);
			router.add("GET", "/v2/rooms/:roomId/prewarm", routes.prewarm);
			router.add("GET", "/v2/rooms/:roomId/active-users", routes.activeUsers);
			router.add("GET", "/v2/rooms/:roomId/active_users", routes.activeUsers);
			router.add("POST", "/v2/rooms/:roomId/broadcast-event", routes.broadcast);
			router.add("POST", "/v2/rooms/:roomId/broadcast_event", routes.broadcast);
			router.add("POST", "/v2/rooms/:roomId/presence", routes.setPresence);
		},
	};
}

