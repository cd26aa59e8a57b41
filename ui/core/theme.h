/* Colours and attributes of every screen element, from themes/NAME.theme
 * files of `color ELEMENT FG BG [ATTR...]` lines. */
#ifndef LB_THEME_H
#define LB_THEME_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* X-macro: element, name in theme files, dark default (fg, bg, attrs). */
#define THEME_ELEMENTS(_) \
	_(DEFAULT,        "default",        COLOR_WHITE,   -1,           A_NORMAL) \
	_(TITLE,          "title",          COLOR_BLACK,   COLOR_CYAN,   A_BOLD) \
	_(BREADCRUMB,     "breadcrumb",     COLOR_CYAN,    -1,           A_BOLD) \
	_(HEADER,         "header",         COLOR_YELLOW,  -1,           A_BOLD) \
	_(HEADER_SORT,    "header-sort",    COLOR_BLACK,   COLOR_YELLOW, A_BOLD) \
	_(CURSOR,         "cursor",         COLOR_BLACK,   COLOR_CYAN,   A_NORMAL) \
	_(CURSOR_BLUR,    "cursor-blur",    COLOR_WHITE,   COLOR_BLUE,   A_NORMAL) \
	_(NAV,            "nav",            COLOR_WHITE,   -1,           A_NORMAL) \
	_(NAV_SELECTED,   "nav-selected",   COLOR_BLACK,   COLOR_GREEN,  A_BOLD) \
	_(BORDER,         "border",         COLOR_BLUE,    -1,           A_NORMAL) \
	_(ID,             "id",             COLOR_GREEN,   -1,           A_NORMAL) \
	_(DATE,           "date",           COLOR_BLUE,    -1,           A_NORMAL) \
	_(KEY,            "key",            COLOR_YELLOW,  -1,           A_NORMAL) \
	_(VALUE,          "value",          COLOR_WHITE,   -1,           A_NORMAL) \
	_(MUTED,          "muted",          COLOR_WHITE,   -1,           A_DIM) \
	_(PLACEHOLDER,    "placeholder",    COLOR_MAGENTA, -1,           A_NORMAL) \
	_(MATCH,          "match",          COLOR_BLACK,   COLOR_YELLOW, A_NORMAL) \
	_(STATUS,         "status",         COLOR_BLACK,   COLOR_WHITE,  A_NORMAL) \
	_(STATUS_ERROR,   "status-error",   COLOR_WHITE,   COLOR_RED,    A_BOLD) \
	_(STATUS_RO,      "status-readonly",COLOR_BLACK,   COLOR_YELLOW, A_BOLD) \
	_(LOADING,        "loading",        COLOR_YELLOW,  -1,           A_BOLD) \
	_(STALE,          "stale",          COLOR_YELLOW,  -1,           A_NORMAL) \
	_(ERROR,          "error",          COLOR_RED,     -1,           A_BOLD) \
	_(MESSAGE,        "message",        COLOR_GREEN,   -1,           A_NORMAL) \
	_(CMDLINE,        "cmdline",        COLOR_WHITE,   -1,           A_NORMAL) \
	_(HELP_KEY,       "help-key",       COLOR_GREEN,   -1,           A_BOLD) \
	_(HELP_SECTION,   "help-section",   COLOR_YELLOW,  -1,           A_BOLD) \
	_(LSON_LIVE_OBJECT, "lson-live-object", COLOR_CYAN,  -1,           A_BOLD) \
	_(LSON_LIVE_LIST, "lson-live-list", COLOR_BLUE,    -1,           A_BOLD) \
	_(LSON_LIVE_MAP,  "lson-live-map",  COLOR_MAGENTA, -1,           A_BOLD) \
	_(LSON_LIVE_TEXT, "lson-live-text", COLOR_GREEN,   -1,           A_BOLD) \
	_(LSON_LIVE_FILE, "lson-live-file", COLOR_YELLOW,  -1,           A_BOLD) \
	_(LSON_OBJECT,    "lson-object",    COLOR_CYAN,    -1,           A_NORMAL) \
	_(LSON_ARRAY,     "lson-array",     COLOR_BLUE,    -1,           A_NORMAL) \
	_(LSON_STRING,    "lson-string",    COLOR_GREEN,   -1,           A_NORMAL) \
	_(LSON_NUMBER,    "lson-number",    COLOR_MAGENTA, -1,           A_NORMAL) \
	_(LSON_BOOL,      "lson-boolean",   COLOR_YELLOW,  -1,           A_NORMAL) \
	_(LSON_NULL,      "lson-null",      COLOR_RED,     -1,           A_DIM) \
	_(ADDED,          "added",          COLOR_BLACK,   COLOR_GREEN,  A_NORMAL) \
	_(CHANGED,        "changed",        COLOR_BLACK,   COLOR_YELLOW, A_NORMAL) \
	_(REMOVED,        "removed",        COLOR_WHITE,   COLOR_RED,    A_NORMAL) \
	_(DIFF_ADD,       "diff-add",       COLOR_GREEN,   -1,           A_NORMAL) \
	_(DIFF_DEL,       "diff-del",       COLOR_RED,     -1,           A_NORMAL) \
	_(DIFF_HUNK,      "diff-hunk",      COLOR_CYAN,    -1,           A_BOLD) \
	_(TAGGED,         "tagged",         COLOR_MAGENTA, -1,           A_BOLD) \
	_(COMMENT_AUTHOR, "comment-author", COLOR_YELLOW,  -1,           A_BOLD) \
	_(COMMENT_BOLD,   "comment-bold",   -1,            -1,           A_BOLD) \
	_(COMMENT_ITALIC, "comment-italic", -1,            -1,           A_ITALIC) \
	_(COMMENT_STRIKE, "comment-strike", -1,            -1,           A_DIM) \
	_(COMMENT_CODE,   "comment-code",   COLOR_GREEN,   -1,           A_NORMAL) \
	_(COMMENT_LINK,   "comment-link",   COLOR_BLUE,    -1,           A_UNDERLINE) \
	_(COMMENT_FOOTNOTE, "comment-footnote", COLOR_CYAN, -1,          A_NORMAL) \
	_(MENTION_USER,   "mention-user",   COLOR_CYAN,    -1,           A_BOLD) \
	_(MENTION_GROUP,  "mention-group",  COLOR_MAGENTA, -1,           A_BOLD)

enum theme_element {
#define THEME_ENUM(e, name, fg, bg, attr) THEME_##e,
	THEME_ELEMENTS(THEME_ENUM)
#undef THEME_ENUM
	THEME_COUNT
};

/* Load a theme after initscr(): name is a theme name looked up in
 * $XDG_CONFIG_HOME/lbtui/themes/NAME.theme, then the installed themes
 * directory (src/core/install.h: beside the binary, at any prefix), then
 * the source tree's themes/ (only for a binary run from its build
 * directory); or a path containing '/'. NULL means "default". With
 * NO_COLOR set (and non-empty) or a terminal without colours, only
 * attributes are used; with 8 colours, 256-colour numbers fall back to the
 * nearest of the 8. Unknown elements or colours are errors naming the file
 * and line; on error the built-in defaults stay in force. */
bool theme_load(const char *name, struct lb_error *err);

/* The attributes (colour pair included) of an element. */
attr_t theme_attr(enum theme_element e);

/* The attributes of several elements at once (a comment's text both
 * bold and a link): every element's attributes, and the colour of the
 * first of them whose theme gives it a colour (the element's own fg or
 * bg), none when none does. */
attr_t theme_attr_combined(const enum theme_element *els, size_t n);

/* Element by its theme-file name, -1 if unknown. */
int theme_element_by_name(const char *name);

#endif
