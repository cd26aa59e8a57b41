// A minimal Yjs v1 update encoder, enough to create a document with root
// Y.Text (with formatting), Y.Map and Y.Array values from one client,
// without depending on the yjs package. Send the result with
// PUT /v2/rooms/{id}/ydoc (Content-Type: application/octet-stream).
//
//   const u = new YUpdate(4242);
//   u.text("body", [{ text: "Hello " }, { text: "world", attrs: { bold: true } }]);
//   u.mapSet("meta", "title", "Notes");
//   u.arrayPush("tags", ["a", "b"]);
//   const bytes = u.encode();

const REF_STRING = 4;
const REF_FORMAT = 6;
const REF_ANY = 8;

class Writer {
	constructor() {
		this.bytes = [];
	}

	u8(n) {
		this.bytes.push(n & 0xff);
	}

	varUint(n) {
		while (n > 0x7f) {
			this.u8(0x80 | (n & 0x7f));
			n = Math.floor(n / 128);
		}
		this.u8(n);
	}

	varInt(n) {
		const neg = n < 0 || Object.is(n, -0);
		let v = Math.abs(n);
		this.u8((v > 63 ? 0x80 : 0) | (neg ? 0x40 : 0) | (v & 63));
		v = Math.floor(v / 64);
		while (v > 0) {
			this.u8((v > 127 ? 0x80 : 0) | (v & 127));
			v = Math.floor(v / 128);
		}
	}

	varString(s) {
		const b = Buffer.from(s, "utf8");
		this.varUint(b.length);
		for (const x of b) this.u8(x);
	}

	/** lib0's writeAny. */
	any(v) {
		if (v === undefined) this.u8(127);
		else if (v === null) this.u8(126);
		else if (typeof v === "boolean") this.u8(v ? 120 : 121);
		else if (typeof v === "string") {
			this.u8(119);
			this.varString(v);
		} else if (typeof v === "number") {
			if (Number.isInteger(v) && Math.abs(v) <= 0x7fffffff) {
				this.u8(125);
				this.varInt(v);
			} else {
				this.u8(123);
				const b = Buffer.alloc(8);
				b.writeDoubleBE(v);
				for (const x of b) this.u8(x);
			}
		} else if (Array.isArray(v)) {
			this.u8(117);
			this.varUint(v.length);
			for (const x of v) this.any(x);
		} else if (typeof v === "object") {
			const keys = Object.keys(v);
			this.u8(118);
			this.varUint(keys.length);
			for (const k of keys) {
				this.varString(k);
				this.any(v[k]);
			}
		} else {
			throw new TypeError(`cannot encode ${typeof v} in a Yjs update`);
		}
	}
}

export class YUpdate {
	constructor(client = 1) {
		this.client = client;
		this.clock = 0;
		this.structs = []; // functions writing one item each
		this.textTails = new Map(); // root text name -> last item ID clock
		this.arrayTails = new Map();
	}

	/** Adds one item; `origin` is the clock of the left neighbour (same client) or null. */
	#item(ref, length, { origin = null, root, parentSub = null }, writeContent) {
		const clock = this.clock;
		this.clock += length;
		const client = this.client;
		this.structs.push((w) => {
			w.u8((ref & 31) | (origin !== null ? 0x80 : 0) | (parentSub !== null ? 0x20 : 0));
			if (origin !== null) {
				w.varUint(client);
				w.varUint(origin);
			} else {
				w.varUint(1); // parent is a root type, named by its key
				w.varString(root);
				if (parentSub !== null) w.varString(parentSub);
			}
			writeContent(w);
		});
		return clock + length - 1;
	}

	/** Appends segments [{text, attrs?}] to the root Y.Text `name`. */
	text(name, segments) {
		let tail = this.textTails.get(name) ?? null;
		const push = (ref, len, write) => {
			tail = this.#item(ref, len, { origin: tail, root: name }, write);
		};
		for (const seg of segments) {
			const attrs = Object.entries(seg.attrs ?? {});
			for (const [k, v] of attrs)
				push(REF_FORMAT, 1, (w) => {
					w.varString(k);
					w.varString(JSON.stringify(v));
				});
			if (seg.text.length > 0) push(REF_STRING, seg.text.length, (w) => w.varString(seg.text));
			for (const [k] of attrs)
				push(REF_FORMAT, 1, (w) => {
					w.varString(k);
					w.varString("null");
				});
		}
		this.textTails.set(name, tail);
		return this;
	}

	/** Sets key → JSON value in the root Y.Map `name`. */
	mapSet(name, key, value) {
		this.#item(REF_ANY, 1, { root: name, parentSub: key }, (w) => {
			w.varUint(1);
			w.any(value);
		});
		return this;
	}

	/** Appends JSON values to the root Y.Array `name`. */
	arrayPush(name, values) {
		if (values.length === 0) return this;
		const tail = this.arrayTails.get(name) ?? null;
		const last = this.#item(REF_ANY, values.length, { origin: tail, root: name }, (w) => {
			w.varUint(values.length);
			for (const v of values) w.any(v);
		});
		this.arrayTails.set(name, last);
		return this;
	}

	/** The update as bytes (one client, no deletions). */
	encode() {
		const w = new Writer();
		if (this.structs.length === 0) {
			w.varUint(0);
			w.varUint(0);
			return Uint8Array.from(w.bytes);
		}
		w.varUint(1);
		w.varUint(this.structs.length);
		w.varUint(this.client);
		w.varUint(0);
		for (const s of this.structs) s(w);
		w.varUint(0); // empty delete set
		return Uint8Array.from(w.bytes);
	}
}
