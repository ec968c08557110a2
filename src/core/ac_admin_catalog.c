/*
 * Copyright (C) The ngx_http_apicred_module authors.
 *
 * Admin API: the API catalog, the hierarchy and the audit log.
 */

#include <string.h>

#include "ac_admin_internal.h"
#include "ac_json.h"
#include "ac_query.h"


void
ac_admin_apis_list(ac_admin_t *a)
{
    char         after[AC_SLUG_MAX + 1];
    size_t       limit;
    MDB_txn     *txn;
    const char  *after_p;

    if (!ac_admin_page_args(a, &limit, after, sizeof(after), &after_p)) {
        return;
    }

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_admin_page(a, NULL);
        return;
    }

    ac_admin_page(a, ac_list_apis(a->store, txn, after_p, limit));
    mdb_txn_abort(txn);
}


/* Reads "permissions" into perms; -1 (answered) when invalid, 0 absent. */
static int
ac_admin_member_perms(ac_admin_t *a, char (*perms)[AC_SLUG_MAX + 1], size_t *n)
{
    size_t   i;
    json_t  *arr, *v;

    arr = json_object_get(a->body, "permissions");
    if (arr == NULL) {
        return 0;
    }

    if (!json_is_array(arr) || json_array_size(arr) == 0
        || json_array_size(arr) > AC_PERMS_MAX)
    {
        ac_admin_error(a, 422, "invalid_field",
                       "permissions: an array of 1 to %d names, most "
                       "powerful first", AC_PERMS_MAX);
        return -1;
    }

    json_array_foreach(arr, i, v) {
        if (!json_is_string(v) || json_string_length(v) > AC_SLUG_MAX) {
            ac_admin_error(a, 422, "invalid_field",
                           "permissions[%zu]: must be a name", i);
            return -1;
        }
        strcpy(perms[i], json_string_value(v));
    }

    *n = json_array_size(arr);

    return 1;
}


void
ac_admin_apis_create(ac_admin_t *a)
{
    int          rc;
    char         level[16];
    ac_api_t     api;

    static const char *const  fields[] = { "slug", "name", "level",
                                           "permissions", NULL };

    if (!ac_admin_need_body(a, fields)) {
        return;
    }

    memset(&api, 0, sizeof(api));

    if ((rc = ac_admin_member_str(a, "slug", api.slug, AC_SLUG_MAX)) <= 0
        || (rc = ac_admin_member_str(a, "name", api.name, AC_NAME_MAX)) <= 0
        || (rc = ac_admin_member_str(a, "level", level, sizeof(level) - 1)) <= 0
        || (rc = ac_admin_member_perms(a, api.perms, &api.nperms)) <= 0)
    {
        if (rc == 0) {
            ac_admin_error(a, 422, "invalid_field", "slug, name, level and "
                     "permissions are required");
        }
        return;
    }

    api.level = ac_level_parse(level, strlen(level));

    rc = ac_api_add(&a->ops, &api, &a->err);
    if (rc != AC_OK) {
        ac_admin_fail(a, rc, &a->err);
        return;
    }

    ac_admin_respond(a, 201, ac_api_json(&api));
}


void
ac_admin_api_view_one(ac_admin_t *a)
{
    int        rc;
    MDB_txn   *txn;
    ac_api_t   api;

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_admin_page(a, NULL);
        return;
    }

    rc = ac_api_get(a->store, txn, a->id, strlen(a->id), &api);
    mdb_txn_abort(txn);

    if (rc == AC_ENOTFOUND) {
        ac_admin_error(a, 404, "not_found", "unknown API \"%s\"", a->id);
        return;
    }

    if (rc != AC_OK) {
        ac_admin_page(a, NULL);
        return;
    }

    ac_admin_respond(a, 200, ac_api_json(&api));
}


void
ac_admin_api_patch(ac_admin_t *a)
{
    int          rc, has_name;
    char         name[AC_NAME_MAX + 1];
    char         perms[AC_PERMS_MAX][AC_SLUG_MAX + 1];
    size_t       nperms = 0;
    ac_api_t     api;

    static const char *const  fields[] = { "name", "permissions", NULL };

    if (!ac_admin_need_body(a, fields)) {
        return;
    }

    has_name = ac_admin_member_str(a, "name", name, AC_NAME_MAX);
    rc = has_name < 0 ? -1 : ac_admin_member_perms(a, perms, &nperms);
    if (rc < 0) {
        return;
    }

    rc = ac_api_update(&a->ops, a->id, has_name ? name : NULL,
                       rc ? perms : NULL, nperms, &api, &a->err);
    if (rc != AC_OK) {
        ac_admin_fail(a, rc, &a->err);
        return;
    }

    ac_admin_respond(a, 200, ac_api_json(&api));
}


void
ac_admin_api_remove(ac_admin_t *a)
{
    int       rc;

    rc = ac_api_delete(&a->ops, a->id, &a->err);
    if (rc != AC_OK) {
        ac_admin_fail(a, rc, &a->err);
        return;
    }

    ac_admin_respond(a, 204, NULL);
}


void
ac_admin_nodes_list(ac_admin_t *a)
{
    int          level = a->route->level;
    char         after[24], parent_s[24];
    size_t       limit;
    MDB_txn     *txn;
    uint64_t     parent = 0;
    const char  *after_p, *pname;


    if (!ac_admin_page_args(a, &limit, after, sizeof(after), &after_p)) {
        return;
    }

    pname = level == AC_LEVEL_ACCOUNT ? "org_id"
            : level == AC_LEVEL_WORKSPACE ? "account_id" : NULL;

    if (pname != NULL && ac_admin_arg(a, pname, parent_s, sizeof(parent_s))
        && parent_s[0])
    {
        parent = ac_id_parse(parent_s, strlen(parent_s));
        if (parent == 0) {
            ac_admin_error(a, 422, "invalid_field", "%s: must be a positive "
                     "integer", pname);
            return;
        }
    }

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_admin_page(a, NULL);
        return;
    }

    ac_admin_page(a, ac_list_nodes(a->store, txn, level, parent,
                                   a->caller.org_id, after_p, limit));
    mdb_txn_abort(txn);
}


void
ac_admin_nodes_create(ac_admin_t *a)
{
    int          rc, level = a->route->level;
    ac_node_t    n;
    const char  *pname;

    static const char *const  org_fields[] = { "id", "name", NULL };
    static const char *const  acct_fields[] = { "id", "name", "org_id",
                                                NULL };
    static const char *const  ws_fields[] = { "id", "name", "account_id",
                                              NULL };

    pname = level == AC_LEVEL_ACCOUNT ? "org_id" : "account_id";

    if (!ac_admin_need_body(a, level == AC_LEVEL_ORG ? org_fields
                         : level == AC_LEVEL_ACCOUNT ? acct_fields
                         : ws_fields))
    {
        return;
    }

    memset(&n, 0, sizeof(n));

    if (ac_admin_member_id(a, "id", &n.id) < 0) {
        return;
    }

    rc = ac_admin_member_str(a, "name", n.name, AC_NAME_MAX);
    if (rc <= 0) {
        if (rc == 0) {
            ac_admin_error(a, 422, "invalid_field", "name: required");
        }
        return;
    }

    if (level == AC_LEVEL_ACCOUNT) {
        n.parent = a->caller.org_id;
    }

    if (level != AC_LEVEL_ORG) {
        rc = ac_admin_member_id(a, pname, &n.parent);
        if (rc < 0) {
            return;
        }

        if (n.parent == 0) {
            ac_admin_error(a, 422, "invalid_field", "%s: required", pname);
            return;
        }
    }

    rc = ac_node_add(&a->ops, level, &n, &a->err);
    if (rc != AC_OK) {
        ac_admin_fail(a, rc, &a->err);
        return;
    }

    ac_admin_respond(a, 201, ac_node_json(level, &n));
}


void
ac_admin_node_view_one(ac_admin_t *a)
{
    int         level = a->route->level;
    MDB_dbi     dbi;
    MDB_txn    *txn;
    uint64_t    id;
    ac_node_t   n;

    dbi = level == AC_LEVEL_ORG ? a->store->orgs
          : level == AC_LEVEL_ACCOUNT ? a->store->accounts
          : a->store->workspaces;
    id = ac_id_parse(a->id, strlen(a->id));

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_admin_page(a, NULL);
        return;
    }

    if (id == 0 || ac_node_get(a->store, txn, dbi, id, &n) != AC_OK
        || ac_org_of(a->store, txn, level, id, NULL) != a->caller.org_id)
    {
        mdb_txn_abort(txn);
        ac_admin_error(a, 404, "not_found", "unknown %s \"%s\"",
                 ac_level_name(level), a->id);
        return;
    }

    mdb_txn_abort(txn);
    ac_admin_respond(a, 200, ac_node_json(level, &n));
}


void
ac_admin_audit_list(ac_admin_t *a)
{
    char         after[24];
    size_t       limit;
    MDB_txn     *txn;
    const char  *after_p;

    if (!ac_admin_page_args(a, &limit, after, sizeof(after), &after_p)) {
        return;
    }

    if (ac_txn_begin(a->store, 0, &txn) != AC_OK) {
        ac_admin_page(a, NULL);
        return;
    }

    ac_admin_page(a, ac_list_audit(a->store, txn, a->caller.org_id, after_p,
                             limit));
    mdb_txn_abort(txn);
}
