// AI copilots and their knowledge sources (web sources with indexed links,
// uploaded files whose content is kept and served back as Markdown).

import {
	empty,
	isPlainObject,
	json,
	makeId,
	nanoid,
	notFound,
	nowIso,
	paginate,
	parseLimit,
	requireObject,
	sortNewestFirst,
	unprocessable,
} from "../util.mjs";

const PROVIDERS = ["openai", "anthropic", "google", "openai-compatible"];
const WEB_TYPES = ["individual_link", "crawl", "sitemap"];
const NULLABLE = ["description", "knowledgePrompt", "settings", "providerOptions"];

function checkModel(provider, model) {
	const wrong =
		(provider === "openai" && /^(claude|gemini)/.test(model)) ||
		(provider === "anthropic" && !model.startsWith("claude")) ||
		(provider === "google" && !model.startsWith("gemini"));
	if (wrong)
		throw unprocessable(
			`Invalid value for 'providerModel': '${model}' is not a model of provider '${provider}'`,
		);
}

/** Validates a full copilot (after an update was merged in). */
function validateCopilot(c) {
	for (const f of ["name", "systemPrompt", "providerApiKey", "providerModel"])
		if (typeof c[f] !== "string" || c[f] === "")
			throw unprocessable(`Missing or invalid field '${f}': should be a non-empty string`);
	if (!PROVIDERS.includes(c.provider))
		throw unprocessable(`Invalid value for 'provider': should be one of ${PROVIDERS.join(", ")}`);
	for (const f of ["description", "knowledgePrompt"])
		if (c[f] !== undefined && typeof c[f] !== "string") throw unprocessable(`Invalid value for '${f}': should be a string`);
	if (c.alwaysUseKnowledge !== undefined && typeof c.alwaysUseKnowledge !== "boolean")
		throw unprocessable("Invalid value for 'alwaysUseKnowledge': should be a boolean");
	for (const f of ["settings", "providerOptions"])
		if (c[f] !== undefined && !isPlainObject(c[f])) throw unprocessable(`Invalid value for '${f}': should be an object`);
	if (c.provider === "openai-compatible") {
		if (typeof c.compatibleProviderName !== "string" || c.compatibleProviderName === "")
			throw unprocessable("Missing field 'compatibleProviderName' for provider 'openai-compatible'");
		if (typeof c.providerBaseUrl !== "string" || !/^https?:\/\/\S+$/.test(c.providerBaseUrl))
			throw unprocessable("Missing or invalid field 'providerBaseUrl': should be an http(s) URL");
	} else {
		checkModel(c.provider, c.providerModel);
	}
}

const TEXTUAL = /^(text\/|application\/(json|xml|x-ndjson|markdown|javascript))/;

export function createAi({ store }) {
	const s = () => store.s;

	const view = (c) => {
		const { providerApiKey: _k, ...rest } = c;
		return rest;
	};

	const sourceView = (k) => {
		const { copilotId: _c, content: _x, links: _l, ...rest } = k;
		return rest;
	};

	function findCopilot(id) {
		const c = s().copilots[id];
		if (!c) throw notFound(`AI copilot with id "${id}" not found.`);
		return c;
	}

	function findSource(copilotId, id, type) {
		findCopilot(copilotId);
		const k = s().knowledge[id];
		if (!k || k.copilotId !== copilotId || (type && k.type !== type))
			throw notFound(`Knowledge source with id "${id}" not found.`);
		return k;
	}

	function page(ctx, items, key) {
		const limit = parseLimit(ctx.query, { min: 1, max: 100, def: 20 });
		return paginate(sortNewestFirst(items, key), key, {
			limit,
			cursor: ctx.query.get("startingAfter") || ctx.query.get("cursor"),
		});
	}

	function linksFor(url, type, now) {
		const urls = [url];
		if (type !== "individual_link") {
			const base = url.replace(/\/+$/, "");
			urls.push(`${base}/getting-started`, `${base}/api-reference`, `${base}/faq`);
		}
		return urls.map((u, i) => ({ id: `kl_${nanoid()}`, url: u, status: "ready", createdAt: now, lastIndexedAt: now, order: i }));
	}

	const routes = {
		async list(ctx) {
			const p = page(ctx, Object.values(s().copilots), (c) => c.createdAt);
			return json(200, { nextCursor: p.nextCursor, data: p.data.map(view) });
		},

		async create(ctx) {
			const b = requireObject(ctx.json());
			const c = { ...b };
			validateCopilot(c);
			const now = nowIso();
			const copilot = {
				type: "copilot",
				id: makeId("co"),
				...c,
				alwaysUseKnowledge: c.alwaysUseKnowledge ?? false,
				createdAt: now,
				updatedAt: now,
			};
			s().copilots[copilot.id] = copilot;
			store.changed();
			return json(201, view(copilot));
		},

		async get(ctx) {
			return json(200, view(findCopilot(ctx.params.copilotId)));
		},

		async update(ctx) {
			const cur = findCopilot(ctx.params.copilotId);
			const b = requireObject(ctx.json());
			const next = { ...cur };
			for (const [k, v] of Object.entries(b)) {
				if (["id", "type", "createdAt", "updatedAt", "lastUsedAt"].includes(k)) continue;
				if (v === null) {
					if (!NULLABLE.includes(k)) throw unprocessable(`Field '${k}' cannot be null`);
					delete next[k];
				} else {
					next[k] = v;
				}
			}
			validateCopilot(next);
			next.updatedAt = nowIso();
			s().copilots[cur.id] = next;
			store.changed();
			return json(200, view(next));
		},

		async remove(ctx) {
			findCopilot(ctx.params.copilotId);
			delete s().copilots[ctx.params.copilotId];
			for (const [id, k] of Object.entries(s().knowledge)) if (k.copilotId === ctx.params.copilotId) delete s().knowledge[id];
			store.changed();
			return empty(204);
		},

		async listKnowledge(ctx) {
			findCopilot(ctx.params.copilotId);
			const items = Object.values(s().knowledge).filter((k) => k.copilotId === ctx.params.copilotId);
			const p = page(ctx, items, (k) => k.createdAt);
			return json(200, { nextCursor: p.nextCursor, data: p.data.map(sourceView) });
		},

		async getKnowledge(ctx) {
			return json(200, sourceView(findSource(ctx.params.copilotId, ctx.params.knowledgeSourceId)));
		},

		async createWeb(ctx) {
			findCopilot(ctx.params.copilotId);
			const b = requireObject(ctx.json());
			if (typeof b.url !== "string" || !/^https?:\/\/\S+$/.test(b.url))
				throw unprocessable("Missing or invalid field 'url': should be an http(s) URL");
			if (!WEB_TYPES.includes(b.type))
				throw unprocessable(`Invalid value for 'type': should be one of ${WEB_TYPES.join(", ")}`);
			const now = nowIso();
			const id = makeId("ks");
			s().knowledge[id] = {
				type: "ai-knowledge-web-source",
				id,
				copilotId: ctx.params.copilotId,
				link: { url: b.url, type: b.type },
				status: "ready",
				createdAt: now,
				updatedAt: now,
				lastIndexedAt: now,
				links: linksFor(b.url, b.type, now),
			};
			store.changed();
			return json(200, { id });
		},

		async createFile(ctx) {
			findCopilot(ctx.params.copilotId);
			const name = ctx.params.name;
			if (ctx.body.length === 0) throw unprocessable("The uploaded file is empty");
			if (ctx.body.length > 20 * 1024 * 1024) throw unprocessable("The uploaded file is larger than 20 MiB");
			const mimeType = (ctx.headers["content-type"] ?? "application/octet-stream").split(";")[0].trim();
			const content = TEXTUAL.test(mimeType) || /\.(md|markdown|txt)$/i.test(name)
				? ctx.body.toString("utf8")
				: `# ${name}\n\nBinary file (${mimeType}, ${ctx.body.length} bytes).\n`;
			const now = nowIso();
			const id = makeId("ks");
			s().knowledge[id] = {
				type: "ai-knowledge-file-source",
				id,
				copilotId: ctx.params.copilotId,
				file: { name, mimeType },
				status: "ready",
				createdAt: now,
				updatedAt: now,
				lastIndexedAt: now,
				content,
			};
			store.changed();
			return json(200, { id });
		},

		async getFile(ctx) {
			const k = findSource(ctx.params.copilotId, ctx.params.knowledgeSourceId, "ai-knowledge-file-source");
			return json(200, { id: k.id, content: k.content });
		},

		removeSource: (type) => async (ctx) => {
			findSource(ctx.params.copilotId, ctx.params.knowledgeSourceId, type);
			delete s().knowledge[ctx.params.knowledgeSourceId];
			store.changed();
			return empty(204);
		},

		async links(ctx) {
			const k = findSource(ctx.params.copilotId, ctx.params.knowledgeSourceId, "ai-knowledge-web-source");
			// Links share a timestamp; the order field keeps them in crawl order.
			const items = k.links.map((l) => ({ ...l, sortKey: `${l.createdAt}|${String(9999 - l.order).padStart(4, "0")}` }));
			const p = page(ctx, items, (l) => l.sortKey);
			return json(200, {
				nextCursor: p.nextCursor,
				data: p.data.map(({ sortKey: _s, order: _o, ...l }) => l),
			});
		},
	};

	return {
		register(router) {
			const C = "/v2/ai/copilots";
			const K = `${C}/:copilotId/knowledge`;
			router.add("GET", C, routes.list);
			router.add("POST", C, routes.create);
			router.add("GET", `${C}/:copilotId`, routes.get);
			router.add("POST", `${C}/:copilotId`, routes.update);
			router.add("DELETE", `${C}/:copilotId`, routes.remove);
			router.add("GET", K, routes.listKnowledge);
			router.add("GET", `${K}/:knowledgeSourceId`, routes.getKnowledge);
			router.add("POST", `${K}/web`, routes.createWeb);
			router.add("PUT", `${K}/file/:name`, routes.createFile);
			router.add("GET", `${K}/file/:knowledgeSourceId`, routes.getFile);
			router.add("DELETE", `${K}/file/:knowledgeSourceId`, routes.removeSource("ai-knowledge-file-source"));
			router.add("DELETE", `${K}/web/:knowledgeSourceId`, routes.removeSource("ai-knowledge-web-source"));
			router.add("GET", `${K}/web/:knowledgeSourceId/links`, routes.links);
		},
	};
}
