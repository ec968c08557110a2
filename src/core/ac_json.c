/*
 * Copyright (C) The ngx_http_apicred_module authors.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac_json.h"
#include "ac_secret.h"


static json_t *
ac_time_json(int64_t t)
{
    char  buf[21];

    ac_time_format(t, buf);

    return json_string(buf);
}


json_t *
ac_grant_json(const ac_grant_t *g)
{
    size_t   i;
    json_t  *obj, *ids;

    obj = json_pack("{s:s, s:s}", "api", g->api, "permission", g->permission);

    if (obj != NULL && g->level != AC_LEVEL_ORG) {
        ids = json_array();
        for (i = 0; i < g->nids; i++) {
            json_array_append_new(ids, json_integer((json_int_t) g->ids[i]));
        }

        json_object_set_new(obj, g->level == AC_LEVEL_ACCOUNT ? "accounts"
                                                              : "workspaces",
                            ids);
    }

    return obj;
}


json_t *
ac_grants_json(const ac_grant_t *g, size_t n)
{
    size_t   i;
    json_t  *arr;

    arr = json_array();
    for (i = 0; arr != NULL && i < n; i++) {
        json_array_append_new(arr, ac_grant_json(&g[i]));
    }

    return arr;
}


json_t *
ac_cred_json(const ac_cred_t *c)
{
    return json_pack("{s:s, s:s, s:I, s:b, s:o, s:o, s:o, s:o}",
                    "client_id", c->client_id,
                    "name", c->name,
                    "org_id", (json_int_t) c->org_id,
                    "active", c->active,
                    "grants", ac_grants_json(c->grants, c->ngrants),
                    "created_at", ac_time_json(c->created_at),
                    "updated_at", ac_time_json(c->updated_at),
                    "secret_rotated_at", ac_time_json(c->secret_rotated_at));
}


json_t *
ac_api_json(const ac_api_t *a)
{
    size_t   i;
    json_t  *perms;

    perms = json_array();
    for (i = 0; i < a->nperms; i++) {
        json_array_append_new(perms, json_string(a->perms[i]));
    }

    return json_pack("{s:s, s:s, s:s, s:o}", "slug", a->slug, "name", a->name,
                     "level", ac_level_name(a->level), "permissions", perms);
}


json_t *
ac_node_json(int level, const ac_node_t *n)
{
    json_t  *obj;

    obj = json_pack("{s:I, s:s}", "id", (json_int_t) n->id, "name", n->name);

    if (obj != NULL && level != AC_LEVEL_ORG) {
        json_object_set_new(obj, level == AC_LEVEL_ACCOUNT ? "org_id"
                                                           : "account_id",
                            json_integer((json_int_t) n->parent));
    }

    return obj;
}


json_t *
ac_key_json(const ac_key_t *k)
{
    char  pk[64];

    ac_b64url_encode(k->pk, sizeof(k->pk), pk, sizeof(pk));

    return json_pack("{s:s, s:s, s:s, s:s}", "kid", k->kid, "alg", "EdDSA",
                     "public_key", pk,
                     "status", k->active ? "active" : "retired");
}


int
ac_json_only(json_t *obj, const char *const *allowed, const char *prefix,
    ac_err_t *err)
{
    size_t        i;
    json_t       *v;
    const char   *key;

    json_object_foreach(obj, key, v) {
        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0) {
                break;
            }
        }

        if (allowed[i] == NULL) {
            return ac_fail(err, AC_EINVAL, "%s%.64s: unknown field", prefix,
                           key);
        }
    }

    return AC_OK;
}


static int
ac_grant_ids_from_json(json_t *arr, ac_grant_t *g, size_t idx, const char *f,
    ac_err_t *err)
{
    size_t   i, j;
    json_t  *v;

    if (!json_is_array(arr) || json_array_size(arr) == 0
        || json_array_size(arr) > AC_IDS_MAX)
    {
        return ac_fail(err, AC_EINVAL, "grants[%zu].%s: must be an array of "
                       "1 to %d ids", idx, f, AC_IDS_MAX);
    }

    g->nids = json_array_size(arr);
    g->ids = calloc(g->nids, sizeof(uint64_t));
    if (g->ids == NULL) {
        return AC_ENOMEM;
    }

    json_array_foreach(arr, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0
            || (uint64_t) json_integer_value(v) > AC_ID_MAX)
        {
            return ac_fail(err, AC_EINVAL, "grants[%zu].%s[%zu]: must be a "
                           "positive integer id", idx, f, i);
        }

        g->ids[i] = (uint64_t) json_integer_value(v);

        for (j = 0; j < i; j++) {
            if (g->ids[j] == g->ids[i]) {
                return ac_fail(err, AC_EINVAL, "grants[%zu].%s[%zu]: "
                               "duplicate id", idx, f, i);
            }
        }
    }

    return AC_OK;
}


static int
ac_grant_from_json(json_t *obj, ac_grant_t *g, size_t idx, ac_err_t *err)
{
    char         prefix[32];
    json_t      *accounts, *workspaces;
    const char  *s;

    static const char *const  fields[] = { "api", "permission", "accounts",
                                           "workspaces", NULL };

    if (!json_is_object(obj)) {
        return ac_fail(err, AC_EINVAL, "grants[%zu]: must be an object", idx);
    }

    snprintf(prefix, sizeof(prefix), "grants[%zu].", idx);

    if (ac_json_only(obj, fields, prefix, err) != AC_OK) {
        return AC_EINVAL;
    }

    s = json_string_value(json_object_get(obj, "api"));
    if (s == NULL || !ac_slug_valid(s, strlen(s))) {
        return ac_fail(err, AC_EINVAL, "grants[%zu].api: must be an API slug",
                       idx);
    }
    strcpy(g->api, s);

    s = json_string_value(json_object_get(obj, "permission"));
    if (s == NULL || !ac_slug_valid(s, strlen(s))) {
        return ac_fail(err, AC_EINVAL, "grants[%zu].permission: must be a "
                       "permission name", idx);
    }
    strcpy(g->permission, s);

    accounts = json_object_get(obj, "accounts");
    workspaces = json_object_get(obj, "workspaces");

    if (accounts != NULL && workspaces != NULL) {
        return ac_fail(err, AC_EINVAL, "grants[%zu]: give accounts or "
                       "workspaces, not both", idx);
    }

    if (accounts != NULL) {
        g->level = AC_LEVEL_ACCOUNT;
        return ac_grant_ids_from_json(accounts, g, idx, "accounts", err);
    }

    if (workspaces != NULL) {
        g->level = AC_LEVEL_WORKSPACE;
        return ac_grant_ids_from_json(workspaces, g, idx, "workspaces", err);
    }

    g->level = AC_LEVEL_ORG;

    return AC_OK;
}


int
ac_grants_from_json(json_t *arr, ac_grant_t **out, size_t *n, ac_err_t *err)
{
    int          rc;
    size_t       i;
    json_t      *v;
    ac_grant_t  *g;

    if (!json_is_array(arr) || json_array_size(arr) > AC_GRANTS_MAX) {
        return ac_fail(err, AC_EINVAL, "grants: must be an array of at most "
                       "%d grants", AC_GRANTS_MAX);
    }

    g = calloc(json_array_size(arr) + 1, sizeof(ac_grant_t));
    if (g == NULL) {
        return AC_ENOMEM;
    }

    json_array_foreach(arr, i, v) {
        rc = ac_grant_from_json(v, &g[i], i, err);
        if (rc != AC_OK) {
            ac_grants_free(g, i + 1);
            return rc;
        }
    }

    *out = g;
    *n = json_array_size(arr);

    return AC_OK;
}


void
ac_grants_free(ac_grant_t *g, size_t n)
{
    size_t  i;

    if (g == NULL) {
        return;
    }

    for (i = 0; i < n; i++) {
        free(g[i].ids);
    }

    free(g);
}
