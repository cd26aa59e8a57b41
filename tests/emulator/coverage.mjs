// Prints the accumulated endpoint coverage of a test run:
//   LBTUI_EMULATOR_COVERAGE=FILE node tests/emulator/coverage.mjs [FILE] [--quiet]
// The first line is "endpoints exercised: N/75"; the endpoints never hit
// follow unless --quiet is given; the last line is "lbtui endpoints:
// N/75", those lbtui itself reached (its User-Agent).

import { formatReport, readCoverageFile } from "./endpoints.mjs";

const args = process.argv.slice(2);
const quiet = args.includes("--quiet");
const file = args.find((a) => !a.startsWith("--")) ?? process.env.LBTUI_EMULATOR_COVERAGE;
if (!file) {
	process.stderr.write("usage: node tests/emulator/coverage.mjs FILE (or set LBTUI_EMULATOR_COVERAGE)\n");
	process.exit(2);
}
const rep = readCoverageFile(file);
process.stdout.write((quiet ? rep.line : formatReport(rep)) + "\n" + rep.lbtuiLine + "\n");
