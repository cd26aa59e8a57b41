/* Every action a key can trigger, in one table: the enum, the names used
 * in the config file's `bind` lines, and the help text all come from here,
 * so the help screen can never disagree with the keymap. */
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
	_(QUIT,         "quit",         "Quit lbtui") \
	_(NEXT_PANE,    "next-pane",    "Move the focus to the next pane") \
	_(SEARCH,       "search",       "Search the list as you type") \
	_(FIND_NEXT,    "find-next",    "Go to the next match") \
	_(FIND_PREV,    "find-prev",    "Go to the previous match") \
	_(PROMPT,       "prompt",       "Open the command line") \
	_(HELP,         "help",         "Show the keys and commands") \
	_(REFRESH,      "refresh",      "Reload from the server") \
	_(REDRAW,       "redraw",       "Redraw the screen") \
	_(ROOM_CREATE,  "room-create",  "Create a room (command line)") \
	_(ROOM_UPDATE,  "room-update",  "Update the selected room (command line)") \
	_(ROOM_DELETE,  "room-delete",  "Delete the selected room (asks first)") \
	_(ROOM_FILTER,  "room-filter",  "Filter rooms on the server (command line)")

enum action {
	ACTION_NONE,
#define ACTION_ENUM(e, name, help) ACTION_##e,
	ACTION_INFO(ACTION_ENUM)
#undef ACTION_ENUM
	ACTION_COUNT
};

#endif
