// The endpoints lbtui itself reaches (its User-Agent) are counted apart
// from every client's: kept in the coverage file as "lbtui ENDPOINT" lines
// and reported as "lbtui endpoints: N/75".
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Coverage, readCoverageFile } from "./endpoints.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));

test("requests from lbtui are counted apart, in memory and in the file", () => {
	const file = join(mkdtempSync(join(tmpdir(), "lbtui-cov-")), "coverage");
	const cov = new Coverage(file);
	cov.record("GET", "/v2/rooms", false);
	cov.record("GET", "/v2/rooms", true);
	cov.record("GET", "/v2/rooms", true);
	cov.record("GET", "/v2/rooms/r1/threads", true);
	cov.record("GET", "/v2/groups", false);
	const rep = cov.report();
	assert.equal(rep.exercised, 3);
	assert.equal(rep.lbtui, 2);
	assert.equal(rep.lbtuiLine, "lbtui endpoints: 2/75");
	assert.ok(rep.lbtuiMissing.includes("GET /groups"));
	assert.deepEqual(readFileSync(file, "utf8").trim().split("\n").sort(), [
		"GET /groups",
		"GET /rooms",
		"GET /rooms/:roomId/threads",
		"lbtui GET /rooms",
		"lbtui GET /rooms/:roomId/threads",
	]);
	const back = readCoverageFile(file);
	assert.equal(back.exercised, 3);
	assert.equal(back.lbtui, 2);
	const out = execFileSync(process.execPath, [join(HERE, "coverage.mjs"), file, "--quiet"], { encoding: "utf8" });
	assert.equal(out, "endpoints exercised: 3/75\nlbtui endpoints: 2/75\n");
});
