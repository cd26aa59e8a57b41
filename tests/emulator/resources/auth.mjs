// Deprecated single-room tokens (POST /rooms/:id/authorize with the secret
// key, POST /rooms/:id/public/authorize with a public key). authorize-user
// and identify-user are passed through to the dev server.

import { ApiError, isPlainObject, json, nanoid, requireObject, unprocessable } from "../util.mjs";

/** An unsigned JWT (alg none), as the dev server issues. */
function unsignedJwt(payload) {
	const enc = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
	return `${enc({ alg: "none", typ: "JWT" })}.${enc(payload)}.`;
}

export function createAuth({ up }) {
	let actor = 0;

	function token(roomId, extra) {
		const iat = Math.floor(Date.now() / 1000);
		return unsignedJwt({ k: "sec-legacy", roomId, appId: "localdev", actor: actor++, iat, exp: iat + 3600, jti: nanoid(), ...extra });
	}

	const routes = {
		async authorize(ctx) {
			const b = ctx.body.length ? requireObject(ctx.json()) : {};
			if (b.userId !== undefined && (typeof b.userId !== "string" || b.userId === ""))
				throw unprocessable("Invalid value for 'userId': should be a non-empty string");
			if (b.groupIds !== undefined && (!Array.isArray(b.groupIds) || b.groupIds.some((g) => typeof g !== "string")))
				throw unprocessable("Invalid value for 'groupIds': should be an array of strings");
			if (b.userInfo !== undefined && !isPlainObject(b.userInfo))
				throw unprocessable("Invalid value for 'userInfo': should be an object");
			const room = await up.requireRoom(ctx.params.roomId);
			return json(200, {
				token: token(room.id, {
					id: b.userId ?? `anonymous-${nanoid(8)}`,
					info: b.userInfo,
					groupIds: b.groupIds,
					scopes: ["room:write"],
				}),
			});
		},

		async publicAuthorize(ctx) {
			const b = ctx.body.length ? requireObject(ctx.json()) : {};
			if (typeof b.publicApiKey !== "string" || !/^pk_[\w-]+$/.test(b.publicApiKey))
				throw new ApiError(403, "INVALID_PUBLIC_KEY", "Invalid public key", "Public keys start with 'pk_'");
			const room = await up.requireRoom(ctx.params.roomId);
			if (!(room.defaultAccesses ?? []).includes("room:write"))
				throw new ApiError(
					403,
					"UNAUTHORIZED_ROOM_ACCESS",
					`Room "${room.id}" is not public`,
					"Public keys only work with rooms whose defaultAccesses is [\"room:write\"]",
				);
			return json(200, { token: token(room.id, { id: `anonymous-${nanoid(8)}`, scopes: ["room:write"] }) });
		},
	};

	return {
		register(router) {
			router.add("POST", "/v2/rooms/:roomId/authorize", routes.authorize);
			router.add("POST", "/v2/rooms/:roomId/public/authorize", routes.publicAuthorize, { auth: false });
		},
	};
}
