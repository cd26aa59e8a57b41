// The emulator's own state (everything the dev server does not keep), in
// memory, optionally persisted to DIR/emulator-state.json and reloaded.

import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const FILE = "emulator-state.json";

function emptyState() {
	return {
		threads: {}, // threadId -> thread (comments inline)
		subscriptions: {}, // `${threadId}\0${userId}` -> {threadId, roomId, userId, createdAt}
		inbox: {}, // inboxNotificationId -> notification (+ userId)
		notificationSettings: {}, // userId -> settings
		roomSubscriptionSettings: {}, // `${roomId}\0${userId}` -> {roomId, userId, threads, textMentions}
		groups: {}, // groupId -> group
		copilots: {}, // copilotId -> copilot (+ providerApiKey, never returned)
		knowledge: {}, // knowledgeSourceId -> source (+ copilotId, content, links)
		versions: {}, // versionId -> {id, roomId, createdAt, authors, data (base64)}
		roomCreatedAt: {}, // roomId -> createdAt kept across re-creations (update-room-id)
	};
}

export class Store {
	constructor(dataDir) {
		this.dataDir = dataDir ?? null;
		this.state = emptyState();
		this.timer = null;
		if (this.dataDir) {
			mkdirSync(this.dataDir, { recursive: true });
			const f = join(this.dataDir, FILE);
			if (existsSync(f)) this.state = { ...emptyState(), ...JSON.parse(readFileSync(f, "utf8")) };
		}
	}

	get s() {
		return this.state;
	}

	/** Forgets all state. */
	reset() {
		this.state = emptyState();
		this.changed();
	}

	/** Schedules a save (no-op without a data directory). */
	changed() {
		if (!this.dataDir || this.timer) return;
		this.timer = setTimeout(() => {
			this.timer = null;
			this.flush();
		}, 20);
	}

	/** Writes the state file now. */
	flush() {
		if (!this.dataDir) return;
		if (this.timer) {
			clearTimeout(this.timer);
			this.timer = null;
		}
		const f = join(this.dataDir, FILE);
		writeFileSync(f + ".tmp", JSON.stringify(this.state));
		renameSync(f + ".tmp", f);
	}

	// Cross-family helpers.

	threadsOfRoom(roomId) {
		return Object.values(this.state.threads).filter((t) => t.roomId === roomId);
	}

	/** Removes a thread with its subscriptions and inbox notifications. */
	deleteThread(threadId) {
		delete this.state.threads[threadId];
		for (const [k, sub] of Object.entries(this.state.subscriptions))
			if (sub.threadId === threadId) delete this.state.subscriptions[k];
		for (const [k, n] of Object.entries(this.state.inbox))
			if (n.threadId === threadId) delete this.state.inbox[k];
	}

	/** Removes everything the emulator keeps about a room. */
	deleteRoomData(roomId) {
		for (const t of this.threadsOfRoom(roomId)) this.deleteThread(t.id);
		for (const [k, n] of Object.entries(this.state.inbox)) if (n.roomId === roomId) delete this.state.inbox[k];
		for (const [k, v] of Object.entries(this.state.roomSubscriptionSettings))
			if (v.roomId === roomId) delete this.state.roomSubscriptionSettings[k];
		for (const [k, v] of Object.entries(this.state.versions)) if (v.roomId === roomId) delete this.state.versions[k];
		delete this.state.roomCreatedAt[roomId];
	}

	/** Moves everything the emulator keeps about a room to a new room ID. */
	moveRoomData(from, to) {
		const s = this.state;
		for (const t of this.threadsOfRoom(from)) {
			t.roomId = to;
			for (const c of t.comments) c.roomId = to;
		}
		for (const sub of Object.values(s.subscriptions)) if (sub.roomId === from) sub.roomId = to;
		for (const n of Object.values(s.inbox)) if (n.roomId === from) n.roomId = to;
		for (const [k, v] of Object.entries(s.roomSubscriptionSettings)) {
			if (v.roomId !== from) continue;
			delete s.roomSubscriptionSettings[k];
			s.roomSubscriptionSettings[`${to}\0${v.userId}`] = { ...v, roomId: to };
		}
		for (const v of Object.values(s.versions)) if (v.roomId === from) v.roomId = to;
		if (s.roomCreatedAt[from]) {
			s.roomCreatedAt[to] = s.roomCreatedAt[from];
			delete s.roomCreatedAt[from];
		}
	}
}
