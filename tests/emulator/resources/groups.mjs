// Groups and their members.

import {
	ApiError,
	conflict,
	empty,
	isPlainObject,
	json,
	notFound,
	nowIso,
	paginate,
	parseLimit,
	sortNewestFirst,
} from "../util.mjs";

const bad = (msg) => new ApiError(400, "INVALID_REQUEST", msg);

function memberIds(b) {
	const ids = b.memberIds ?? [];
	if (!Array.isArray(ids) || ids.some((x) => typeof x !== "string" || x === "" || x.length > 256))
		throw bad("Invalid value for 'memberIds': should be an array of user IDs");
	if (ids.length > 100) throw bad("Invalid value for 'memberIds': at most 100 members per request");
	return ids;
}

export function createGroups({ store }) {
	const s = () => store.s;

	function find(id) {
		const g = s().groups[id];
		if (!g) throw notFound(`Group with id "${id}" not found.`);
		return g;
	}

	function page(ctx, items) {
		const limit = parseLimit(ctx.query, { min: 1, max: 100, def: 20 });
		const key = (g) => g.createdAt;
		return paginate(sortNewestFirst(items, key), key, {
			limit,
			cursor: ctx.query.get("startingAfter") || ctx.query.get("cursor"),
		});
	}

	const routes = {
		async create(ctx) {
			const b = ctx.json();
			if (!isPlainObject(b)) throw bad("The request body should be a JSON object");
			if (typeof b.id !== "string" || b.id === "" || b.id.length > 128)
				throw bad("Missing or invalid field 'id': should be a non-empty string of at most 128 characters");
			const ids = memberIds(b);
			if (b.organizationId !== undefined && typeof b.organizationId !== "string")
				throw bad("Invalid value for 'organizationId': should be a string");
			if (b.scopes !== undefined && (!isPlainObject(b.scopes) || Object.values(b.scopes).some((v) => typeof v !== "boolean")))
				throw bad("Invalid value for 'scopes': should be an object of booleans");
			if (s().groups[b.id]) throw conflict(`Group with id "${b.id}" already exists.`);
			const now = nowIso();
			const org = b.organizationId ?? b.tenantId ?? "default";
			const group = {
				type: "group",
				id: b.id,
				organizationId: org,
				tenantId: org,
				createdAt: now,
				updatedAt: now,
				scopes: b.scopes ?? { mention: true },
				members: [...new Set(ids)].map((id) => ({ id, addedAt: now })),
			};
			s().groups[b.id] = group;
			store.changed();
			return json(200, group);
		},

		async list(ctx) {
			return json(200, page(ctx, Object.values(s().groups)));
		},

		async get(ctx) {
			return json(200, find(ctx.params.groupId));
		},

		async remove(ctx) {
			find(ctx.params.groupId);
			delete s().groups[ctx.params.groupId];
			store.changed();
			return empty(204);
		},

		async addMembers(ctx) {
			const g = find(ctx.params.groupId);
			const b = ctx.json();
			if (!isPlainObject(b) || b.memberIds === undefined) throw bad("Missing field 'memberIds'");
			const now = nowIso();
			for (const id of memberIds(b))
				if (!g.members.some((m) => m.id === id)) g.members.push({ id, addedAt: now });
			g.updatedAt = now;
			store.changed();
			return json(200, g);
		},

		async removeMembers(ctx) {
			const g = find(ctx.params.groupId);
			const b = ctx.json();
			if (!isPlainObject(b) || b.memberIds === undefined) throw bad("Missing field 'memberIds'");
			const drop = new Set(memberIds(b));
			g.members = g.members.filter((m) => !drop.has(m.id));
			g.updatedAt = nowIso();
			store.changed();
			return json(200, g);
		},

		async userGroups(ctx) {
			const mine = Object.values(s().groups).filter((g) => g.members.some((m) => m.id === ctx.params.userId));
			return json(200, page(ctx, mine));
		},
	};

	return {
		register(router) {
			router.add("POST", "/v2/groups", routes.create);
			router.add("GET", "/v2/groups", routes.list);
			router.add("GET", "/v2/groups/:groupId", routes.get);
			router.add("DELETE", "/v2/groups/:groupId", routes.remove);
			router.add("POST", "/v2/groups/:groupId/add-members", routes.addMembers);
			router.add("POST", "/v2/groups/:groupId/remove-members", routes.removeMembers);
			router.add("GET", "/v2/users/:userId/groups", routes.userGroups);
		},
	};
}
