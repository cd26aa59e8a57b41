#include "lbconfig.h"

#include <stddef.h>
#include <string.h>

#include "view.h"

/* Every view's registration (views.def), and the actions views add to the
 * built-in ones: after ACTION_COUNT, each view in turn gives its open
 * action (when it has one) and then its commands. */

#define VIEW(name) extern const struct view_info view_info_##name;
#include "views.def"
#undef VIEW

const struct view_info *const lb_views[] = {
#define VIEW(name) &view_info_##name,
#include "views.def"
#undef VIEW
    NULL,
};

const struct view_info *view_info_find(const char *name)
{
	for (size_t i = 0; name && lb_views[i]; i++)
		if (!strcmp(lb_views[i]->name, name))
			return lb_views[i];
	return NULL;
}

const struct view_info *view_of_part(enum scope_part p)
{
	for (size_t i = 0; p != SCOPE_NONE && lb_views[i]; i++)
		if (lb_views[i]->view_of == p)
			return lb_views[i];
	return NULL;
}

const struct view_info *view_action_owner(enum action a, const struct view_command **command)
{
	int n = (int)a - ACTION_COUNT;

	*command = NULL;
	for (size_t i = 0; n >= 0 && lb_views[i]; i++) {
		const struct view_info *vi = lb_views[i];

		if (vi->open_action && n-- == 0)
			return vi;
		for (const struct view_command *c = vi->commands; c && c->name; c++)
			if (n-- == 0) {
				*command = c;
				return vi;
			}
	}
	return NULL;
}

int view_action_count(void)
{
	int n = 0;

	for (size_t i = 0; lb_views[i]; i++) {
		n += lb_views[i]->open_action ? 1 : 0;
		for (const struct view_command *c = lb_views[i]->commands; c && c->name; c++)
			n++;
	}
	return n;
}

enum action view_action_id(const char *name)
{
	int id = ACTION_COUNT;

	for (size_t i = 0; name && lb_views[i]; i++) {
		const struct view_info *vi = lb_views[i];

		if (vi->open_action) {
			if (!strcmp(name, vi->open_action))
				return (enum action)id;
			id++;
		}
		for (const struct view_command *c = vi->commands; c && c->name; c++, id++)
			if (!strcmp(c->name, name))
				return (enum action)id;
	}
	return ACTION_NONE;
}

enum action view_key_action(const struct view_info *vi, const char *name)
{
	int id = ACTION_COUNT;

	for (size_t i = 0; lb_views[i]; i++) {
		const struct view_info *w = lb_views[i];

		id += w->open_action ? 1 : 0;
		for (const struct view_command *c = w->commands; c && c->name; c++, id++)
			if (w == vi && !strcmp(c->name, name))
				return (enum action)id;
	}
	return ACTION_NONE;
}

bool view_action_is(enum action a, const char *name)
{
	const struct view_command *c;

	return view_action_owner(a, &c) && c && !strcmp(c->name, name);
}
