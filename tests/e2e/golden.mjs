// Golden screens: a screen of lbtui (xterm-headless, through the harness)
// as a text file of its rows and a parallel grid of one letter per cell
// for its style, compared cell by cell with a saved file. Used by
// golden.test.mjs, which says how the files are made and updated.
//
// A saved file:
//
//   lbtui golden screen: rooms at 80x24
//   styles (one letter a cell in the grid below the text):
//     . default
//     a black on cyan, bold
//     …
//   text:
//   <one line a row, trailing blanks trimmed>
//   styles:
//   <one line a row, exactly COLS letters>
//
// A wide character takes two columns on the screen and one character in
// its text line; its two cells both get its letter, so the grid stays in
// the columns a terminal shows the text in.

const PALETTE = [
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	"bright-black", "bright-red", "bright-green", "bright-yellow",
	"bright-blue", "bright-magenta", "bright-cyan", "bright-white",
];

// Letters for styles, in the order a file first uses them ('.' is the
// terminal's own colours with no attribute).
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789#$%&*+=@^~";
const DEFAULT_STYLE = "default";
const MAX_ROWS_SHOWN = 12; // rows a failure reports; the rest are counted

/**
 * Volatile parts of a screen, replaced before comparing; everything else
 * is compared exactly. Dates and IDs from the server are not here: the
 * emulator's fixed clock makes them the same on every run.
 */
export const NORMALISE = [
	// The emulator's port, on the status bar (a free port each run).
	{ re: /127\.0\.0\.1:\d+/g, to: "127.0.0.1:PORT" },
	// How old the data is, by lbtui's clock: what a screen shows right
	// after a load, however long the capture waited.
	{ re: /\b\d+[smhd] ago\b/g, to: "0s ago" },
	// The time of day of a message in :messages.
	{ re: /\b\d\d:\d\d:\d\d(?= (?:info|error) )/g, to: "hh:mm:ss" },
	// The token view: the end of the token (its claims and signature
	// change with each), and when it was issued and expires (the server's
	// clock, not the emulator's fixed one).
	{ re: /(?<=\btoken {9}eyJ[\w-]{9}…)[\w.-]{6}(?= \()/g, to: "TOKEN." },
	{ re: /(?<=(?:issued|expires) +)\d{4}-\d\d-\d\d \d\d:\d\d \([^)]*\)/g, to: "YYYY-MM-DD hh:mm (when)" },
];

function colour(n, isDefault, isPalette) {
	if (isDefault)
		return "default";
	if (isPalette)
		return n < 16 ? PALETTE[n] : `colour ${n}`;
	return `#${n.toString(16).padStart(6, "0")}`;
}

/**
 * A cell's style in words: "black on cyan, bold", "default". Only what
 * shows counts: a blank cell has no foreground (its colour, bold, dim,
 * italic and blink cannot be seen) unless it is reversed, so how curses
 * chose to clear a stretch of a row does not make a difference.
 */
function describeCell(c, blank) {
	const inverse = c.isInverse();
	const ink = !blank || inverse;
	const fg = ink ? colour(c.getFgColor(), c.isFgDefault(), c.isFgPalette()) : "default";
	const bg = colour(c.getBgColor(), c.isBgDefault(), c.isBgPalette());
	const flags = [];
	for (const [name, on] of [
		["bold", ink && c.isBold()], ["dim", ink && c.isDim()], ["italic", ink && c.isItalic()],
		["underline", c.isUnderline()], ["blink", ink && c.isBlink()],
		["reverse", inverse], ["invisible", ink && c.isInvisible()],
		["strikethrough", c.isStrikethrough()],
	])
		if (on)
			flags.push(name);
	let s = fg === "default" && bg === "default" ? DEFAULT_STYLE : bg === "default" ? fg : `${fg} on ${bg}`;
	if (flags.length)
		s += (s === DEFAULT_STYLE ? ": " : ", ") + flags.join(", ");
	return s;
}

/**
 * The screen of a harness terminal as rows of cells {ch, style}: one cell
 * a column; the second column of a wide character has ch "" and the
 * style of its first.
 */
export function grabScreen(t) {
	const buf = t.term.buffer.active;
	const rows = [];
	for (let y = 0; y < t.rows; y++) {
		const line = buf.getLine(buf.viewportY + y);
		const row = [];
		for (let x = 0; x < t.cols; x++) {
			const c = line && line.getCell(x);
			if (!c) {
				row.push({ ch: " ", style: DEFAULT_STYLE });
			} else if (c.getWidth() === 0 && row.length) {
				row.push({ ch: "", style: row[row.length - 1].style });
			} else {
				const ch = c.getChars() || " ";
				row.push({ ch, style: describeCell(c, ch === " ") });
			}
		}
		rows.push(row);
	}
	return { cols: t.cols, rows };
}

/** Replace what a NORMALISE rule matches in one row of cells; the rest of
 * the row moves with the text, and the row keeps its width (padded with
 * the style of its last cell). */
function normaliseRow(row, cols) {
	for (const { re, to } of NORMALISE) {
		let text = "";
		const cellAt = []; // string offset -> cell index
		row.forEach((c, i) => {
			for (let k = 0; k < c.ch.length; k++)
				cellAt.push(i);
			text += c.ch;
		});
		cellAt.push(row.length);
		const matches = [...text.matchAll(re)];
		if (!matches.length)
			continue;
		const out = [];
		let next = 0;
		for (const m of matches) {
			const first = cellAt[m.index];
			const end = cellAt[m.index + m[0].length];
			out.push(...row.slice(next, first));
			for (const ch of to)
				out.push({ ch, style: row[first].style });
			next = end;
		}
		out.push(...row.slice(next));
		const pad = row[row.length - 1].style;
		while (out.length < cols)
			out.push({ ch: " ", style: pad });
		// A wide character cut in two at the edge becomes a blank.
		if (out.length > cols && out[cols].ch === "")
			out[cols - 1] = { ch: " ", style: out[cols - 1].style };
		row = out.slice(0, cols);
	}
	return row;
}

/** The screen with its volatile parts replaced (NORMALISE). */
export function normaliseScreen(shot) {
	return { cols: shot.cols, rows: shot.rows.map((r) => normaliseRow(r, shot.cols)) };
}

/** The text of a screen: one string a row, trailing blanks trimmed. */
export function screenLines(shot) {
	return shot.rows.map((r) => r.map((c) => c.ch).join("").replace(/ +$/, ""));
}

/**
 * A screen as the saved file's text. legend: styles already lettered (a
 * Map description -> letter), so that a file rewritten after a change keeps
 * the letters it had; new styles get the next free letters.
 */
export function formatGolden(name, shot, legend = new Map()) {
	const letters = new Map();
	const used = new Set(legend.values());
	const letterOf = (style) => {
		if (style === DEFAULT_STYLE)
			return ".";
		let l = letters.get(style) ?? legend.get(style);
		if (!l) {
			l = [...LETTERS].find((x) => !used.has(x));
			if (!l)
				throw new Error(`golden ${name}: more than ${LETTERS.length} styles on one screen`);
			used.add(l);
		}
		letters.set(style, l);
		return l;
	};
	const grid = shot.rows.map((r) => r.map((c) => letterOf(c.style)).join(""));
	const rows = shot.rows.length;
	const head = [
		`lbtui golden screen: ${name} at ${shot.cols}x${rows}`,
		"styles (one letter a cell in the grid below the text):",
		"  . default",
		...[...letters].filter(([s]) => s !== DEFAULT_STYLE)
			.sort((a, b) => LETTERS.indexOf(a[1]) - LETTERS.indexOf(b[1]))
			.map(([s, l]) => `  ${l} ${s}`),
	];
	return [...head, "text:", ...screenLines(shot), "styles:", ...grid, ""].join("\n");
}

/**
 * A saved file read back: {cols, rows, legend (letter -> description),
 * text (lines), grid (lines)}. Throws on a file that is not one.
 */
export function parseGolden(content) {
	const lines = content.split("\n");
	const m = /^lbtui golden screen: .* at (\d+)x(\d+)$/.exec(lines[0] ?? "");
	if (!m || lines[1] !== "styles (one letter a cell in the grid below the text):")
		throw new Error("not a golden screen file (first lines)");
	const cols = Number(m[1]);
	const rows = Number(m[2]);
	const legend = new Map([[".", DEFAULT_STYLE]]);
	let i = 2;
	for (; i < lines.length && lines[i] !== "text:"; i++) {
		const lm = /^ {2}(\S) (.+)$/.exec(lines[i]);
		if (!lm)
			throw new Error(`bad legend line ${i + 1}: ${lines[i]}`);
		legend.set(lm[1], lm[2]);
	}
	const text = lines.slice(i + 1, i + 1 + rows);
	if (lines[i + 1 + rows] !== "styles:")
		throw new Error("golden screen file: no 'styles:' after the text rows");
	const grid = lines.slice(i + 2 + rows, i + 2 + 2 * rows);
	if (grid.length !== rows || grid.some((g) => [...g].length !== cols))
		throw new Error(`golden screen file: the style grid is not ${cols}x${rows}`);
	return { cols, rows, legend, text, grid };
}

/** The legend of a parsed file as description -> letter. */
export function legendByStyle(parsed) {
	return new Map([...parsed.legend].map(([l, s]) => [s, l]));
}

/**
 * Compare a screen with a parsed saved file, cell by cell (text, and the
 * style each letter stands for). Returns "" when they are the same, else
 * a readable report of the rows that differ.
 */
export function diffGolden(parsed, shot) {
	if (parsed.cols !== shot.cols || parsed.rows !== shot.rows.length)
		return `size: saved ${parsed.cols}x${parsed.rows}, screen ${shot.cols}x${shot.rows.length}`;
	const got = parseGolden(formatGolden("screen", shot, legendByStyle(parsed)));
	const rows = [];
	const newStyles = new Set();
	for (let y = 0; y < parsed.rows; y++) {
		const textSame = parsed.text[y] === got.text[y];
		const gg = [...got.grid[y]];
		const marks = [...parsed.grid[y]].map((l, x) => (parsed.legend.get(l) === got.legend.get(gg[x]) ? " " : "^"));
		const stylesSame = !marks.includes("^");
		if (textSame && stylesSame)
			continue;
		if (rows.length >= MAX_ROWS_SHOWN) {
			rows.push(null);
			continue;
		}
		for (const l of gg)
			if (parsed.legend.get(l) !== got.legend.get(l))
				newStyles.add(l);
		const what = textSame ? "styles differ" : stylesSame ? "text differs" : "text and styles differ";
		rows.push([
			`row ${y} (${what}):`,
			`  saved text:   ${parsed.text[y]}`,
			`  got text:     ${got.text[y]}`,
			`  saved styles: ${parsed.grid[y]}`,
			`  got styles:   ${got.grid[y]}`,
			...(stylesSame ? [] : [`                ${marks.join("").replace(/ +$/, "")}`]),
		]);
	}
	if (!rows.length)
		return "";
	const shown = rows.filter(Boolean);
	const more = rows.length - shown.length;
	const out = shown.flat();
	if (more)
		out.push(`… and ${more} more row${more > 1 ? "s" : ""} (UPDATE_GOLDEN=1 and git diff show them all)`);
	const legend = [...parsed.legend].map(([l, s]) => `  ${l} ${s}`);
	for (const l of newStyles)
		legend.push(`  ${l} ${got.legend.get(l)}   (on the screen, not in the saved file as this letter)`);
	return [...out, "styles:", ...legend].join("\n");
}
