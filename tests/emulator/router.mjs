// A small method + path-template router ("/v2/rooms/:roomId/threads").
// Literal segments win over parameters, whatever the registration order.

export class Router {
	constructor() {
		this.routes = [];
	}

	/** Registers a handler; opts.auth=false skips the secret-key check. */
	add(method, template, handler, opts = {}) {
		const names = [];
		const src = template
			.split("/")
			.map((seg) => {
				if (seg.startsWith(":")) {
					names.push(seg.slice(1));
					return "([^/]+)";
				}
				return seg.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&");
			})
			.join("/");
		this.routes.push({
			method,
			template,
			re: new RegExp("^" + src + "$"),
			names,
			weight: template.replace(/:\w+/g, "").length,
			handler,
			auth: opts.auth !== false,
		});
		this.routes.sort((a, b) => b.weight - a.weight);
		return this;
	}

	/** Finds the route for a request: {route, params} or null. */
	match(method, pathname) {
		for (const route of this.routes) {
			if (route.method !== method) continue;
			const m = route.re.exec(pathname);
			if (!m) continue;
			const params = {};
			try {
				route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
			} catch {
				continue;
			}
			return { route, params };
		}
		return null;
	}
}
