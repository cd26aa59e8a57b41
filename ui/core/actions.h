/* The built-in actions, the ones every view or a kind of view (lists,
 * trees) has, in one table: the enum, the names used in the config file's
 * `bind` lines, and the help text all come from here, so the help screen
 * can never disagree with the keymap. A view adds its own (opening it,
 * its commands) in its registration (view.h), numbered after these. */
#ifndef LB_ACTIONS_H
#define LB_ACTIONS_H

/* _(ENUM, "name", "help text") */
#define ACTION_INFO(_) \
	_(MOVE_UP,      "move-up",      "Move up") \
	_(MOVE_DOWN,    "move-down",    "Move down") \
	_(PAGE_UP,      "page-up",      "Move up one page") \
	_(PAGE_DOWN,    "page-down",    "Move down one page") \
	_(MOVE_FIRST,   "move-first",   "Go to the first line") \
	_(MOVE_LAST,    "move-last",    "Go to the last line") \
	_(ENTER,        "enter",        "Open the selected item") \
	_(BACK,         "back",         "Go back; cancel a load; quit at the top") \
	_(LEFT,         "left",         "Go back; at the top, move the focus left (never quits)") \
	_(QUIT,         "quit",         "Quit lbtui") \
	_(NEXT_PANE,    "next-pane",    "Move the focus to the next pane") \
	_(SEARCH,       "search",       "Search keys and values; Enter jumps to the first match") \
	_(FIND_NEXT,    "find-next",    "Go to the next match") \
	_(FIND_PREV,    "find-prev",    "Go to the previous match") \
	_(SORT_NEXT,    "sort-next",    "Sort by the next column to the right (after the last: the server's order)") \
	_(SORT_PREV,    "sort-prev",    "Sort by the next column to the left (before the first: the server's order)") \
	_(SORT_INVERT,  "sort-invert",  "Invert the order of the sort column") \
	_(FILTER,       "filter",       "Show only the rows that contain a text (Esc or an empty one clears it)") \
	_(PROMPT,       "prompt",       "Open the command line") \
	_(HELP,         "help",         "Show the keys and commands") \
	_(REFRESH,      "refresh",      "Reload from the server") \
	_(REDRAW,       "redraw",       "Redraw the screen") \
	_(REQUESTS,     "requests",     "Show the request log; Enter shows a request as a curl command") \
	_(TREE_EXPAND,  "expand",       "Expand the selected node (again: go to its first child)") \
	_(TREE_COLLAPSE,"collapse",     "Collapse the selected node (again: go to its parent)") \
	_(TREE_EXPAND_ALL, "expand-all", "Expand everything below the selected node") \
	_(TREE_COLLAPSE_ALL, "collapse-all", "Collapse every node") \
	_(TREE_DEPTH_1, "expand-depth-1", "Show the tree to depth 1") \
	_(TREE_DEPTH_2, "expand-depth-2", "Show the tree to depth 2") \
	_(TREE_DEPTH_3, "expand-depth-3", "Show the tree to depth 3") \
	_(TREE_DEPTH_4, "expand-depth-4", "Show the tree to depth 4") \
	_(TREE_DEPTH_5, "expand-depth-5", "Show the tree to depth 5") \
	_(TREE_DEPTH_6, "expand-depth-6", "Show the tree to depth 6") \
	_(TREE_DEPTH_7, "expand-depth-7", "Show the tree to depth 7") \
	_(TREE_DEPTH_8, "expand-depth-8", "Show the tree to depth 8") \
	_(TREE_DEPTH_9, "expand-depth-9", "Show the tree to depth 9") \
	_(TREE_PARENT,  "parent",       "Go to the parent node") \
	_(TREE_JSON,    "json-view",    "Show the selected subtree as JSON") \
	_(COPY_PATH,    "copy-path",    "Copy the JSON Pointer of the selected node (OSC 52)") \
	_(COPY_JSON,    "copy-json",    "Copy the JSON of the selected subtree (OSC 52)") \
	_(TOGGLE_FORMAT,"toggle-format","Switch between plain LSON and the simplified JSON") \
	_(WATCH,        "watch",        "Watch: re-read on an interval and highlight changes") \
	_(WATCH_FASTER, "watch-faster", "Watch more often") \
	_(WATCH_SLOWER, "watch-slower", "Watch less often") \
	_(CHANGE_LOG,   "change-log",   "Show the changes seen below the selected node") \
	_(CLEAR_MARKS,  "clear-marks",  "Forget the change highlights")

enum action {
	ACTION_NONE,
#define ACTION_ENUM(e, name, help) ACTION_##e,
	ACTION_INFO(ACTION_ENUM)
#undef ACTION_ENUM
	ACTION_COUNT
};

#endif
