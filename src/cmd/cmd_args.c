#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_impl.h"

/* What `room create`, `room update` and `room upsert` read from their
 * options: permission lists, KEY=VALUE maps and patch maps. */

/* Permissions the API accepts for accesses. */
static const char *const known_perms[] = {
    "room:write",
    "room:read",
    "room:presence:write",
    "*:read",
    "*:write",
    "storage:read",
    "storage:write",
    "storage:none",
    "comments:read",
    "comments:write",
    "comments:none",
    "comments:public:read",
    "comments:public:write",
    "comments:public:none",
    "comments:private:read",
    "comments:private:write",
    "comments:private:none",
    "feeds:read",
    "feeds:write",
    "feeds:none",
};

/* Check that every permission is one the API accepts (LB_USAGE if not). */
static bool cmd_check_perms(const struct strv *perms, struct lb_error *err)
{
	for (size_t i = 0; i < perms->n; i++) {
		bool ok = false;
		for (size_t k = 0; k < sizeof(known_perms) / sizeof(known_perms[0]); k++)
			if (!strcmp(perms->v[i], known_perms[k]))
				ok = true;
		if (!ok) {
			lb_error_set(err, LB_USAGE,
			             "unknown permission '%s' (use room:write, room:read, "
			             "room:presence:write, comments:write, ...)",
			             perms->v[i]);
			return false;
		}
	}
	return true;
}

/* --public / --private / --access PERMS, with a prefix ("" or "create-"):
 * the default accesses into out, *set when one was given. */
static bool cmd_access_opts(const struct args *a, const char *prefix, struct strv *out, bool *set,
                            struct lb_error *err)
{
	char pub[32], priv[32], acc[32];

	snprintf(pub, sizeof(pub), "%spublic", prefix);
	snprintf(priv, sizeof(priv), "%sprivate", prefix);
	snprintf(acc, sizeof(acc), "%saccess", prefix);
	const char *list = cmd_opt_value(a, acc);
	int n = cmd_has_flag(a, pub) + cmd_has_flag(a, priv) + (list != NULL);
	*set = n > 0;
	if (n > 1) {
		lb_error_set(err, LB_USAGE, "use only one of --%s, --%s and --%s", pub, priv, acc);
		return false;
	}
	bool ok = true;
	if (cmd_has_flag(a, pub))
		ok = strv_push(out, "room:write");
	else if (list)
		ok = cmd_split_list(list, out);
	if (!ok) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return cmd_check_perms(out, err);
}

/* KEY=VALUE or KEY=A,B into a fresh list (perms: checked); *key malloc'd. */
static bool split_value(const char *spec, const char *opt, bool as_list, bool perms, char **key,
                        struct strv *list, struct lb_error *err)
{
	const char *value;

	if (!cmd_split_kv(spec, opt, key, &value, err))
		return false;
	if (!(as_list ? cmd_split_list(value, list) : strv_push(list, value))) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return !perms || cmd_check_perms(list, err);
}

bool cmd_kvv_put(struct kvv *m, const char *spec, const char *opt, bool as_list, bool perms,
                 struct lb_error *err)
{
	char *key = NULL;
	struct strv list = {0};

	if (!split_value(spec, opt, as_list, perms, &key, &list, err))
		goto fail;
	struct kv *v = realloc(m->v, (m->n + 1) * sizeof(*v));
	if (!v) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		goto fail;
	}
	m->v = v;
	m->v[m->n].key = key;
	m->v[m->n].list = list;
	m->v[m->n].is_list = as_list;
	m->n++;
	return true;
fail:
	free(key);
	strv_free(&list);
	return false;
}

/* KEY=VALUE or KEY=A,B into a patch map (a key given again is replaced). */
static bool cmd_patch_map_put(struct room_patch_map *map, const char *spec, const char *opt,
                              bool as_list, bool perms, struct lb_error *err)
{
	char *key = NULL;
	struct strv list = {0};
	bool ok = split_value(spec, opt, as_list, perms, &key, &list, err);

	if (ok && !room_patch_map_set(map, key, &list, as_list, false)) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		ok = false;
	}
	strv_free(&list);
	free(key);
	return ok;
}

/* One of --set, --set-list, --unset, --grant-user, --revoke-user,
 * --grant-group, --revoke-group into u. False when name is none of them;
 * otherwise *ok says whether it worked (err is set unless out of memory). */
static bool cmd_room_update_opt(struct room_update *u, const char *name, const char *value,
                                bool *ok, struct lb_error *err)
{
	if (!strcmp(name, "set"))
		*ok = cmd_patch_map_put(&u->metadata, value, name, false, false, err);
	else if (!strcmp(name, "set-list"))
		*ok = cmd_patch_map_put(&u->metadata, value, name, true, false, err);
	else if (!strcmp(name, "grant-user"))
		*ok = cmd_patch_map_put(&u->users_accesses, value, name, true, true, err);
	else if (!strcmp(name, "grant-group"))
		*ok = cmd_patch_map_put(&u->groups_accesses, value, name, true, true, err);
	else if (!strcmp(name, "unset"))
		*ok = room_patch_map_set(&u->metadata, value, NULL, false, true);
	else if (!strcmp(name, "revoke-user"))
		*ok = room_patch_map_set(&u->users_accesses, value, NULL, false, true);
	else if (!strcmp(name, "revoke-group"))
		*ok = room_patch_map_set(&u->groups_accesses, value, NULL, false, true);
	else
		return false;
	return true;
}

/* One of PREFIXmetadata, PREFIXmetadata-list, PREFIXuser-access,
 * PREFIXgroup-access, PREFIXorg into rc; returns and sets *ok as above. */
static bool cmd_room_create_opt(struct room_create *rc, const char *prefix, const char *name,
                                const char *value, bool *ok, struct lb_error *err)
{
	size_t n = strlen(prefix);

	if (strncmp(name, prefix, n))
		return false;
	const char *base = name + n;
	if (!strcmp(base, "metadata"))
		*ok = cmd_kvv_put(&rc->metadata, value, name, false, false, err);
	else if (!strcmp(base, "metadata-list"))
		*ok = cmd_kvv_put(&rc->metadata, value, name, true, false, err);
	else if (!strcmp(base, "user-access"))
		*ok = cmd_kvv_put(&rc->users_accesses, value, name, true, true, err);
	else if (!strcmp(base, "group-access"))
		*ok = cmd_kvv_put(&rc->groups_accesses, value, name, true, true, err);
	else if (!strcmp(base, "org")) {
		free(rc->organization_id);
		rc->organization_id = strdup(value);
		*ok = rc->organization_id != NULL;
	} else {
		return false;
	}
	return true;
}

bool cmd_room_opts(const struct args *a, struct room_update *u, struct room_create *rc,
                   bool *create_given, struct lb_error *err)
{
	const char *prefix = u ? "create-" : "";
	bool any = false;

	lb_error_clear(err);
	if ((u && !cmd_access_opts(a, "", &u->default_accesses, &u->default_accesses_set, err)) ||
	    (rc &&
	     !cmd_access_opts(a, prefix, &rc->default_accesses, &rc->default_accesses_set, err)))
		return false;
	for (int i = 0; i < a->nopt; i++) {
		const char *name = a->opt[i].spec->name;
		const char *v = a->opt[i].value;
		bool ok = true;
		bool handled = u && cmd_room_update_opt(u, name, v, &ok, err);
		if (!handled && rc && cmd_room_create_opt(rc, prefix, name, v, &ok, err))
			any = true;
		if (!ok) {
			if (err->status == LB_OK)
				lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
	}
	if (create_given)
		*create_given = any || (rc && rc->default_accesses_set);
	return true;
}

bool cmd_room_update_empty(const struct room_update *u)
{
	return !u->default_accesses_set && !u->metadata.n && !u->users_accesses.n &&
	       !u->groups_accesses.n;
}

bool cmd_default_public(struct room_create *rc, struct lb_error *err)
{
	if (rc->default_accesses_set)
		return true;
	if (!strv_push(&rc->default_accesses, "room:write")) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	rc->default_accesses_set = true;
	return true;
}
