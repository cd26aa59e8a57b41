// Yjs version history: snapshots of the dev server's Yjs document, served
// under the SDK's /versions paths and the reference's /version paths.

import { binary, empty, json, makeId, notFound, nowIso, paginate, parseLimit, sortNewestFirst } from "../util.mjs";
import { upstreamError } from "../upstream.mjs";

export function createYjs({ store, up }) {
	const view = (v) => ({
		type: "historyVersion",
		id: v.id,
		createdAt: v.createdAt,
		authors: v.authors.map((id) => ({ id })),
		kind: "yjs",
	});

	function findVersion(roomId, versionId) {
		const v = store.s.versions[versionId];
		if (!v || v.roomId !== roomId) throw notFound(`Version "${versionId}" not found in room "${roomId}".`);
		return v;
	}

	const routes = {
		async list(ctx) {
			const roomId = ctx.params.roomId;
			const limit = parseLimit(ctx.query, { min: 1, max: 100, def: 20 });
			await up.requireRoom(roomId);
			const all = Object.values(store.s.versions).filter((v) => v.roomId === roomId);
			const key = (v) => v.createdAt;
			const page = paginate(sortNewestFirst(all, key), key, {
				limit,
				cursor: ctx.query.get("cursor") || ctx.query.get("startingAfter"),
			});
			return json(200, { nextCursor: page.nextCursor, data: page.data.map(view) });
		},

		async create(ctx) {
			const roomId = ctx.params.roomId;
			await up.requireRoom(roomId);
			const r = await up.request("GET", `/v2/rooms/${encodeURIComponent(roomId)}/ydoc-binary`);
			if (r.status !== 200) throw upstreamError(r);
			const id = makeId("vh");
			store.s.versions[id] = { id, roomId, createdAt: nowIso(), authors: [], data: r.body.toString("base64") };
			store.changed();
			return json(200, { data: { id } });
		},

		async get(ctx) {
			await up.requireRoom(ctx.params.roomId);
			const v = findVersion(ctx.params.roomId, ctx.params.versionId);
			return binary(Buffer.from(v.data, "base64"));
		},

		async remove(ctx) {
			await up.requireRoom(ctx.params.roomId);
			findVersion(ctx.params.roomId, ctx.params.versionId);
			delete store.s.versions[ctx.params.versionId];
			store.changed();
			return empty(204);
		},
	};

	return {
		register(router) {
			router.add("GET", "/v2/rooms/:roomId/versions", routes.list);
			router.add("POST", "/v2/rooms/:roomId/versions", routes.create);
			router.add("POST", "/v2/rooms/:roomId/version", routes.create);
			router.add("GET", "/v2/rooms/:roomId/versions/:versionId/yjs", routes.get);
			router.add("GET", "/v2/rooms/:roomId/version/:versionId", routes.get);
			router.add("DELETE", "/v2/rooms/:roomId/versions/:versionId", routes.remove);
			router.add("DELETE", "/v2/rooms/:roomId/version/:versionId", routes.remove);
		},
	};
}
