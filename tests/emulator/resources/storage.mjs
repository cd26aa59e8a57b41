// Storage: GET/POST/DELETE pass through to the dev server; the JSON-patch
// endpoint is applied here (read plain LSON, patch, write back).

import { json } from "../util.mjs";
import { applyPatch } from "../lson.mjs";
import { upstreamError } from "../upstream.mjs";

export function createStorage({ up }) {
	async function jsonPatch(ctx) {
		const ops = ctx.json();
		const rid = encodeURIComponent(ctx.params.roomId);
		const cur = await up.request("GET", `/v2/rooms/${rid}/storage`, { query: { format: "plain-lson" } });
		if (cur.status !== 200) throw upstreamError(cur);
		const doc = JSON.parse(cur.body.toString("utf8"));
		const next = applyPatch(doc, ops);
		if (ops.length > 0) {
			await up.json("DELETE", `/v2/rooms/${rid}/storage`);
			await up.json("POST", `/v2/rooms/${rid}/storage`, { body: next });
		}
		return json(200, {});
	}

	return {
		register(router) {
			router.add("PATCH", "/v2/rooms/:roomId/storage/json-patch", jsonPatch);
		},
	};
}
