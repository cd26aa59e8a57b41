/* Comment bodies: what a comment says, as the API holds it, and the ways
 * lbtui reads, writes and shows it. Pure: no network, no screen.
 *
 * The API's shape (api-contract.md section 3):
 *   {version: 1, content: Paragraph[]}
 *   Paragraph  {type: "paragraph", children: Inline[]}
 *   Text       {text, bold?, italic?, strikethrough?, code?}   (no "type")
 *   Link       {type: "link", url, text?}
 *   Mention    {type: "mention", kind: "user"|"group", id, userIds?}
 *
 * Four conversions:
 *   JSON      cbody_decode / cbody_from_json and cbody_encode / cbody_write:
 *             decode then encode gives the same JSON up to key order and
 *             white space.
 *   markdown  cbody_from_markdown: exactly what the SDK's
 *             markdownToCommentBody (@liveblocks/node 3.24.2) makes of
 *             the text, node for node. Lossy, as the SDK is.
 *   text      cbody_to_text and cbody_from_text: lbtui's own syntax for
 *             $EDITOR, lossless (below).
 *   screen    cbody_render: lines of styled runs at a width; cbody_plain:
 *             the SDK's stringifyCommentBody format "plain". */
#ifndef LB_COMMENT_BODY_H
#define LB_COMMENT_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "strv.h"

struct cJSON;
struct json_writer;

enum cbody_type {
	CBODY_TEXT,
	CBODY_LINK,
	CBODY_MENTION,
};

/* A text's flags, as bits of cbody_inline.on and .set. */
enum {
	CBODY_BOLD = 1u << 0,   /* "bold" */
	CBODY_ITALIC = 1u << 1, /* "italic" */
	CBODY_STRIKE = 1u << 2, /* "strikethrough" */
	CBODY_CODE = 1u << 3,   /* "code" */
};
#define CBODY_FLAGS (CBODY_BOLD | CBODY_ITALIC | CBODY_STRIKE | CBODY_CODE)

enum cbody_kind {
	CBODY_KIND_NONE, /* no "kind" key (read as a user) */
	CBODY_KIND_USER,
	CBODY_KIND_GROUP,
};

/* One inline node. Strings are UTF-8 as the server sent them, never NULL
 * where the key is required. */
struct cbody_inline {
	enum cbody_type type;
	/* CBODY_TEXT: the text. CBODY_LINK: its text, NULL when absent. */
	char *text;
	/* CBODY_TEXT: which flags are true (on) and which keys are present at
	 * all (set; a present false flag is in set and not in on). on is
	 * always within set. */
	unsigned on, set;
	char *url; /* CBODY_LINK */
	/* CBODY_MENTION: */
	char *id;
	enum cbody_kind kind;
	bool has_user_ids; /* "userIds" present (it may be empty) */
	struct strv user_ids;
};

struct cbody_paragraph {
	struct cbody_inline *children;
	size_t n;
};

struct cbody {
	struct cbody_paragraph *content;
	size_t n;
};

/* ---- the API's JSON ------------------------------------------------------
 *
 * Decoding takes the shape above and nothing else: version 1, paragraphs
 * of type "paragraph", inline nodes of the three kinds, flags that are
 * booleans, userIds an array of strings. Keys the shape does not name are
 * dropped. An inline node of an unknown type is refused, not guessed at: a
 * body lbtui cannot hold whole would be damaged by an edit. Errors are
 * LB_DECODE and say where: "comment body: content[1].children[0]: unknown
 * inline type "image"". */

/* Parse a body from JSON text (a NUL inside a string ends it: cJSON). */
bool cbody_decode(const char *json, size_t len, struct cbody **out, struct lb_error *err);
/* A body from a cJSON node a decoder already holds (a comment's "body"). */
bool cbody_from_json(const struct cJSON *node, struct cbody **out, struct lb_error *err);
/* The body as compact JSON, in the API's shape (flags and keys only when
 * set). NULL when out of memory. Caller frees. */
char *cbody_encode(const struct cbody *b);
/* The body as one value of a JSON writer (inside a request being built). */
void cbody_write(struct json_writer *w, const struct cbody *b);

void cbody_free(struct cbody **b);
/* Whether two bodies are the same node for node. */
bool cbody_equal(const struct cbody *a, const struct cbody *b);

/* ---- markdown, as the SDK reads it ---------------------------------------
 *
 * The marked lexer (GFM) the SDK runs, followed as the SDK's
 * markdownToCommentBody walks its tokens: ** and __ bold, * and _ italic,
 * ~~ strikethrough, backticks code, combined when nested; [text](url),
 * reference links, <autolinks> and bare http://, https://, www. links whose
 * URL passes sanitizeUrl (anything else stays text); @id a user mention,
 * never inside code or links; images, headings, lists, quotes and tables
 * kept as text; fenced code a plain paragraph; paragraphs on blank lines.
 *
 * NULL with err set: LB_USAGE when the text nests deeper than lbtui follows
 * (CBODY_MAX_DEPTH), LB_NOMEM. Where lbtui cannot do what the SDK does:
 * Unicode case folding and IDNA mapping and validity beyond lower-case
 * ASCII and Punycode (a reference label "Ä", a host "ÄBC.de" or
 * "xn--abc"), lbtui folds ASCII only; a NUL, and a half of a surrogate
 * pair (the SDK splits one where a backslash escapes an emoji next to
 * emphasis), become U+FFFD, as no UTF-8 string can hold them. */
#define CBODY_MAX_DEPTH 100
struct cbody *cbody_from_markdown(const char *md, size_t len, struct lb_error *err);

/* ---- the text form, lossless ---------------------------------------------
 *
 * For $EDITOR and for editing an existing comment: cbody_from_text
 * (cbody_to_text(b)) is b, node for node, for every body cbody_decode
 * returns. The syntax:
 *
 *   Paragraphs are separated by one blank line ("\n\n"); one more blank
 *   line between two paragraphs is an empty paragraph (so is one at the
 *   start or the end). A single line break is a line break inside the
 *   text. "" is a body with no paragraphs, "\" a body of one empty
 *   paragraph. One final line break (editors add one; cbody_to_text
 *   writes one) is ignored; CR LF reads as LF; a NUL byte reads as U+FFFD
 *   (no string of a body can hold one).
 *
 *   **bold**  _italic_ (or *italic*)  ~~strikethrough~~  `code`
 *     Each marker turns its flag on or off; they combine and nest
 *     (**_both_**). Inside `code` nothing but \` \\ \{ and the markers
 *     below has a meaning; `` is an empty code text.
 *   [text](url)   a link; [](url) a link without text, [{}](url) one
 *                 whose text is empty. In the text \] \[ \\; in the URL
 *                 \) \( \\.
 *   @id           a user mention, for an id of letters, digits and _ . @ -
 *                 that starts with a letter, digit or _, after the start,
 *                 a space or punctuation other than _ . - (so a@b.com is
 *                 no mention); a final . or - is not part of the id.
 *   @{user:id}  @{group:id}  @{id}   any mention (@{id}: no "kind");
 *                 @{group:id|u1,u2} with userIds ([] is "|", [""] "|,":
 *                 one final empty item is dropped). In the braces \{ \}
 *                 \| \, \: \\.
 *   {}            ends a text here: two texts side by side with the same
 *                 flags ("a{}b"), an empty text ("{}", "**{}**").
 *   {bisc}        the same, and the text it ends has bold, italic,
 *                 strikethrough, code present and false (one letter each).
 *   \X            X itself, for any ASCII punctuation X; "\" before a
 *                 line break or CR keeps it in the text (two line breaks
 *                 in a row, one at the end of a paragraph). A "\" before
 *                 anything else is a backslash.
 *
 * cbody_to_text escapes whatever would otherwise be read as syntax, and
 * writes @id only where it reads back as the same mention. cbody_from_text
 * never fails on text: what is not syntax is text (an unclosed marker ends
 * with its paragraph). NULL only when out of memory (err LB_NOMEM). */
char *cbody_to_text(const struct cbody *b);
struct cbody *cbody_from_text(const char *text, size_t len, struct lb_error *err);

/* ---- showing a body ------------------------------------------------------ */

/* A mention's display name, or NULL to show its ID. */
typedef const char *(*cbody_name_fn)(void *ud, enum cbody_kind kind, const char *id);

/* Like the SDK's stringifyCommentBody(body, {format: "plain"}): texts as
 * they are, a link as its text or else its URL, a mention as "@" and its
 * name or ID (mentions with an empty ID left out), paragraphs joined by
 * "\n". Not made terminal-safe: a caller printing it passes it through
 * ts_sanitize. NULL when out of memory. */
char *cbody_plain(const struct cbody *b, cbody_name_fn names, void *ud);

/* Style bits of a run on the screen. */
enum {
	CBODY_S_BOLD = 1u << 0,
	CBODY_S_ITALIC = 1u << 1,
	CBODY_S_STRIKE = 1u << 2,
	CBODY_S_CODE = 1u << 3,
	CBODY_S_LINK = 1u << 4,     /* a link's text */
	CBODY_S_USER = 1u << 5,     /* a user mention (or one without kind) */
	CBODY_S_GROUP = 1u << 6,    /* a group mention */
	CBODY_S_FOOTNOTE = 1u << 7, /* a "[1]" marker, and the URL list */
};

struct cbody_run {
	char *text; /* terminal-safe (ts_sanitize), never empty */
	unsigned style;
	int cols;
};

struct cbody_line {
	struct cbody_run *runs;
	size_t n;
	int cols;
};

struct cbody_lines {
	struct cbody_line *lines;
	size_t n;
};

/* Lay the body out at `width` columns (below 1 counts as 1): paragraphs
 * separated by a blank line, each paragraph's line breaks kept, words
 * wrapped at spaces, a word longer than the width broken between
 * characters (a wide character is never split; one that cannot fit even
 * alone takes a line of its own). A link shows its text (or its URL)
 * followed by a footnote marker "[1]"; after the body, a blank line and
 * the footnotes "[1] URL", one number per distinct URL. A mention shows
 * "@" and its name (names, when it gives one) or ID. Every string is
 * terminal-safe. False when out of memory (out is then empty). */
bool cbody_render(const struct cbody *b, int width, cbody_name_fn names, void *ud,
                  struct cbody_lines *out);
void cbody_lines_free(struct cbody_lines *l);

#endif
