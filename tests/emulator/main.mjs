// Command line: node tests/emulator/main.mjs --port PORT --upstream DEV_SERVER_URL
//               [--data DIR] [--secret KEY]… [--log FILE] [--host HOST]
//               [--fixed-clock ISO_DATE]
// Prints "listening on http://127.0.0.1:PORT" when ready. On SIGTERM/SIGINT
// it saves its state (with --data), prints the coverage report and exits.

import { startEmulator } from "./server.mjs";
import { formatReport } from "./endpoints.mjs";

function usage(msg) {
	if (msg) process.stderr.write(`emulator: ${msg}\n`);
	process.stderr.write(
		"usage: node tests/emulator/main.mjs --port PORT --upstream DEV_SERVER_URL [--data DIR] [--secret KEY] [--log FILE] [--fixed-clock ISO_DATE]\n",
	);
	process.exit(2);
}

function parseArgs(argv) {
	const opts = { port: 0, secrets: [] };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const val = () => {
			if (i + 1 >= argv.length) usage(`${a} needs a value`);
			return argv[++i];
		};
		switch (a) {
			case "--port": {
				const v = val();
				if (!/^\d+$/.test(v) || Number(v) > 65535) usage(`invalid port '${v}'`);
				opts.port = Number(v);
				break;
			}
			case "--upstream":
				opts.upstream = val();
				break;
			case "--data":
				opts.dataDir = val();
				break;
			case "--secret":
				opts.secrets.push(val());
				break;
			case "--log":
				opts.logFile = val();
				break;
			case "--host":
				opts.host = val();
				break;
			case "--fixed-clock": {
				const v = val();
				if (Number.isNaN(Date.parse(v))) usage(`invalid date '${v}'`);
				opts.fixedClock = v;
				break;
			}
			case "-h":
			case "--help":
				usage();
				break;
			default:
				usage(`unknown argument '${a}'`);
		}
	}
	if (!opts.upstream) usage("--upstream is required");
	try {
		new URL(opts.upstream);
	} catch {
		usage(`invalid upstream URL '${opts.upstream}'`);
	}
	return opts;
}

const opts = parseArgs(process.argv.slice(2));
const emu = await startEmulator(opts);
process.stdout.write(`listening on ${emu.url}\n`);

let stopping = false;
async function stop() {
	if (stopping) return;
	stopping = true;
	await emu.close();
	process.stdout.write(formatReport(emu.coverage.report()) + "\n");
	process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
